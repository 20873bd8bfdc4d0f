/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath's config schema: the HTTP kind of a cluster's active health checks. `health.type`
 * picks a TCP connect (the default) or an HTTP GET, whose `path`, `host` and
 * `expected_statuses` are read here; conf_l4.c reads the rest of `health` (interval, timeout,
 * rise, fall) and splices these rows into its table.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "conf_http_priv.h"
#include "conf_l7_priv.h"

#define CONF_MIN_HC_STATUS 100
#define CONF_MAX_HC_STATUS 599
/* What a Host value may hold: a name or an address, with ":port". */
#define CONF_HOST_CHARS    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._:[]"

_Static_assert(MP_NAME_LEN <= MP_CONF_HC_HOST_LEN, "a cluster's name fits the default host");

static const char *const conf_hc_types[] = {
        [MP_CONF_HC_TCP] = "tcp",
        [MP_CONF_HC_HTTP] = "http",
};

void
conf_health_type(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 void *obj)
{
	struct mp_conf_cluster *cl = obj;
	int i = conf_choice(ctx, k, s, conf_hc_types, RTE_DIM(conf_hc_types), "a check type", "");

	if (i >= 0)
		cl->health.type = (uint32_t)i;
}

/* The request-target of the check: origin form (RFC 9112 3.2.1), a query allowed. */
void
conf_health_path(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 void *obj)
{
	struct mp_conf_cluster *cl = obj;
	char what[CONF_WHAT_LEN];
	const char *v =
	        conf_http_string(ctx, k, s, sizeof(cl->health.path) - 1, what, sizeof(what));
	const unsigned char *p;

	if (v == NULL)
		return;
	if (v[0] != '/') {
		conf_err(ctx, s, "%s \"%s\" does not start with '/': write \"/%s\"", what, v, v);
		return;
	}
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '#') {
			conf_err(ctx, s,
			         "%s contains byte 0x%02x: a request path holds visible characters "
			         "other than '#' only (percent-encode the others)",
			         what, *p);
			return;
		}
	}
	memcpy(cl->health.path, v, strlen(v) + 1);
}

void
conf_health_host(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 void *obj)
{
	struct mp_conf_cluster *cl = obj;
	char what[CONF_WHAT_LEN];
	const char *v =
	        conf_http_string(ctx, k, s, sizeof(cl->health.host) - 1, what, sizeof(what));
	size_t bad;

	if (v == NULL)
		return;
	bad = strspn(v, CONF_HOST_CHARS);
	if (v[bad] != '\0') {
		conf_err(ctx, s,
		         "%s \"%s\" contains byte 0x%02x: write a host name or address, with "
		         "\":port\" if needed",
		         what, v, (unsigned char)v[bad]);
		return;
	}
	memcpy(cl->health.host, v, strlen(v) + 1);
}

/* "200", "200-399": into *r. Returns 0, or -1 when the text is not of that form. */
static int
conf_status_range(const char *v, struct mp_conf_status_range *r)
{
	char *end;
	long lo, hi;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	lo = strtol(v, &end, 10);
	hi = lo;
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return -1;
		hi = strtol(end + 1, &end, 10);
	}
	if (*end != '\0' || lo > 999 || hi > 999)
		return -1;
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
}

/* One element of expected_statuses at e (named ewhat): into *r. Returns 0, or -1 (reported). */
static int
conf_status_elem(struct conf_ctx *ctx, const config_setting_t *e, const char *ewhat,
                 struct mp_conf_status_range *r)
{
	const char *v;

	switch (config_setting_type(e)) {
	case CONFIG_TYPE_INT:
		if (config_setting_get_int(e) < 0 || config_setting_get_int(e) > 999) {
			conf_err(ctx, e, "%s = %d is out of range: use %d..%d", ewhat,
			         config_setting_get_int(e), CONF_MIN_HC_STATUS, CONF_MAX_HC_STATUS);
			return -1;
		}
		r->lo = r->hi = (uint16_t)config_setting_get_int(e);
		v = NULL;
		break;
	case CONFIG_TYPE_STRING:
		v = config_setting_get_string(e);
		if (conf_status_range(v, r) < 0) {
			conf_err(ctx, e,
			         "%s \"%s\" is not a status or a range of statuses: write e.g. 200 "
			         "or \"200-399\"",
			         ewhat, v);
			return -1;
		}
		break;
	default:
		conf_err(ctx, e, "%s must be a status (200) or a range (\"200-399\"), not %s",
		         ewhat, conf_type_name(config_setting_type(e)));
		return -1;
	}
	if (r->lo < CONF_MIN_HC_STATUS || r->hi > CONF_MAX_HC_STATUS) {
		if (v != NULL)
			conf_err(ctx, e, "%s \"%s\" is out of range: statuses are %d..%d", ewhat, v,
			         CONF_MIN_HC_STATUS, CONF_MAX_HC_STATUS);
		else
			conf_err(ctx, e, "%s = %u is out of range: use %d..%d", ewhat, r->lo,
			         CONF_MIN_HC_STATUS, CONF_MAX_HC_STATUS);
		return -1;
	}
	if (r->lo > r->hi) {
		conf_err(ctx, e, "%s \"%s\" ends below its start: write \"%u-%u\"", ewhat, v, r->hi,
		         r->lo);
		return -1;
	}
	return 0;
}

/* expected_statuses: [200, 204] or ["200-299", "302"], or a list mixing both: ( 200, "3xx" ). */
void
conf_health_statuses(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                     void *obj)
{
	struct mp_conf_health *h = &((struct mp_conf_cluster *)obj)->health;
	char what[CONF_WHAT_LEN];
	int n, i;

	conf_key_name(ctx, k->name, what, sizeof(what));
	n = conf_get_seq(ctx, s, k->name,
	                 "an array of statuses or ranges, e.g. [\"200-299\"] or [200, 204]");
	if (n < 0)
		return;
	if (n == 0) {
		conf_err(ctx, s,
		         "%s is empty, so no check could pass: list statuses, or remove it for "
		         "200-399",
		         what);
		return;
	}
	if (n > MP_CONF_MAX_HC_STATUSES) {
		conf_err(ctx, s,
		         "%s has %d entries: at most %d are supported; merge them into ranges",
		         what, n, MP_CONF_MAX_HC_STATUSES);
		n = MP_CONF_MAX_HC_STATUSES;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		char ewhat[CONF_WHAT_LEN];

		conf_fmt(ewhat, sizeof(ewhat), "%s[%d]", what, i);
		if (conf_status_elem(ctx, e, ewhat, &h->statuses[h->n_statuses]) == 0)
			h->n_statuses++;
	}
}

void
conf_health_http_finish(struct conf_ctx *ctx, const config_setting_t *grp,
                        struct mp_conf_cluster *cl)
{
	static const char *const http_keys[] = {"path", "host", "expected_statuses"};
	struct mp_conf_health *h = &cl->health;
	unsigned int i;

	if (h->type != MP_CONF_HC_HTTP) {
		const config_setting_t *t = config_setting_get_member(grp, "type");

		/* A type that is not a name was reported: no second message for its keys. */
		if (t != NULL && (config_setting_type(t) != CONFIG_TYPE_STRING ||
		                  strcmp(config_setting_get_string(t), "tcp") != 0))
			return;
		for (i = 0; i < RTE_DIM(http_keys); i++)
			if (config_setting_get_member(grp, http_keys[i]) != NULL)
				conf_err(
				        ctx, config_setting_get_member(grp, http_keys[i]),
				        "%s%s is for HTTP checks, and this check is a TCP connect: "
				        "set type = \"http\"; or remove it",
				        ctx->where->key_prefix, http_keys[i]);
		return;
	}
	if (h->path[0] == '\0')
		memcpy(h->path, MP_CONF_DEF_HC_PATH, sizeof(MP_CONF_DEF_HC_PATH));
	if (h->host[0] == '\0')
		memcpy(h->host, cl->name, sizeof(cl->name)); /* MP_NAME_LEN < the host's room */
	if (h->n_statuses == 0 && config_setting_get_member(grp, "expected_statuses") == NULL) {
		h->statuses[0].lo = MP_CONF_DEF_HC_STATUS_LO;
		h->statuses[0].hi = MP_CONF_DEF_HC_STATUS_HI;
		h->n_statuses = 1;
	}
}
