/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath's config schema, HTTP resilience (issue 6): a route's `timeouts`, `retry` and
 * `hash`, and a cluster's `ring_hash`, `outlier_detection`, `circuit_breakers` and
 * `retry_budget`. conf_http_route.c and conf_l4.c splice these rows into their tables
 * (conf_l7_priv.h). Values are kept in the config's units (ms); lib/lb converts them into its
 * parameter structs (mp_lb_*_params_from_conf()), lib/route copies a route's into struct
 * mp_route.
 *
 * Every group is optional and its absence means the defaults, except `outlier_detection`,
 * whose absence means no ejection (Envoy's choice too: ejecting on a threshold the operator
 * never chose surprises more than it protects).
 */
#include <string.h>

#include "conf_http_priv.h"
#include "conf_l7_priv.h"

#define CONF_MAX_TIMEOUT_MS  86400000 /* a day */
#define CONF_MAX_CONNECT_MS  600000
#define CONF_MAX_NUM_RETRIES 100
#define CONF_MAX_BACKOFF_MS  600000
#define CONF_MIN_RING        1
#define CONF_MAX_RING        8388608 /* 2^23, lib/lb's MP_LB_RING_SIZE_MAX */
#define CONF_MAX_THRESHOLD   1000000 /* consecutive failures */
#define CONF_MAX_EJECTION_MS 86400000
#define CONF_MAX_PERCENT     100
#define CONF_MAX_BREAKER     100000000
#define CONF_MAX_RETRY_CONC  100000000

/* ------------------------------------------------------------------------------------------ */
/* route: timeouts                                                                            */

static const struct conf_key conf_timeouts_keys[] = {
        CONF_INT_KEY("connect_ms", struct mp_conf_http_route, timeouts.connect_ms, 0,
                     CONF_MAX_CONNECT_MS, MP_CONF_DEF_CONNECT_MS, 0),
        CONF_INT_KEY("first_byte_ms", struct mp_conf_http_route, timeouts.first_byte_ms, 1,
                     CONF_MAX_TIMEOUT_MS, MP_CONF_DEF_FIRST_BYTE_MS, CONF_F_ZERO_OFF),
        CONF_INT_KEY("request_ms", struct mp_conf_http_route, timeouts.request_ms, 1,
                     CONF_MAX_TIMEOUT_MS, MP_CONF_DEF_REQUEST_MS, CONF_F_ZERO_OFF),
        CONF_INT_KEY("idle_ms", struct mp_conf_http_route, timeouts.idle_ms, 1, CONF_MAX_TIMEOUT_MS,
                     MP_CONF_DEF_IDLE_MS, CONF_F_ZERO_OFF),
};

const struct conf_schema conf_route_timeouts_schema = {
        .keys = conf_timeouts_keys,
        .n_keys = RTE_DIM(conf_timeouts_keys),
};

/* ------------------------------------------------------------------------------------------ */
/* route: retry                                                                               */

static const char *const conf_retry_on_names[] = {
#define CONF_RETRY_ON_NAME(sym, name, bit) [bit] = name,
        MP_CONF_RETRY_ON_LIST(CONF_RETRY_ON_NAME)
#undef CONF_RETRY_ON_NAME
};

static void
conf_retry_on(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, void *obj)
{
	struct mp_conf_http_route *r = obj;
	char what[CONF_WHAT_LEN];
	int n, i;

	conf_key_name(ctx, k->name, what, sizeof(what));
	n = conf_get_seq(ctx, s, k->name,
	                 "an array of failures, e.g. [\"connect_failure\", \"reset\", \"503\"]");
	if (n < 0)
		return;
	if (n == 0) {
		conf_err(ctx, s,
		         "%s is empty: list what to retry on, or set num_retries = 0 to turn "
		         "retries off",
		         what);
		return;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		char ewhat[CONF_WHAT_LEN], short_name[CONF_WHAT_LEN];
		const char *v;
		int b;

		conf_fmt(short_name, sizeof(short_name), "%s[%d]", k->name, i);
		conf_fmt(ewhat, sizeof(ewhat), "%s[%d]", what, i);
		if (config_setting_type(e) == CONFIG_TYPE_INT) {
			conf_err(ctx, e, "%s must be a string: write \"%d\"", ewhat,
			         config_setting_get_int(e));
			continue;
		}
		v = conf_get_string(ctx, e, short_name);
		if (v == NULL)
			continue;
		if (strcmp(v, "5xx") == 0) {
			conf_err(ctx, e,
			         "%s \"5xx\" is not one failure: of the 5xx statuses meshpath "
			         "retries "
			         "502, 503 and 504; list those you want, e.g. [\"502\", \"503\", "
			         "\"504\"]",
			         ewhat);
			continue;
		}
		b = conf_lookup(ctx, e, ewhat, v, conf_retry_on_names, RTE_DIM(conf_retry_on_names),
		                "a failure meshpath retries", "");
		if (b < 0)
			continue;
		if (r->retry.on & (1u << b)) {
			conf_err(ctx, e, "%s \"%s\" is listed twice: list each once", ewhat, v);
			continue;
		}
		r->retry.on |= 1u << b;
	}
}

/* A boolean key into *dst; reports anything else. */
static void
conf_bool(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, bool *dst)
{
	char what[CONF_WHAT_LEN];

	conf_key_name(ctx, k->name, what, sizeof(what));
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_err(ctx, s, "%s must be a boolean (true or false), not %s", what,
		         conf_type_name(config_setting_type(s)));
		return;
	}
	*dst = config_setting_get_bool(s) != 0;
}

static void
conf_retry_idempotent(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                      void *obj)
{
	conf_bool(ctx, k, s, &((struct mp_conf_http_route *)obj)->retry.idempotent_only);
}

static void
conf_retry_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	const struct mp_conf_retry *rt = &((struct mp_conf_http_route *)obj)->retry;
	const char *prefix = ctx->where->key_prefix;

	if (rt->backoff_max_ms >= rt->backoff_base_ms)
		return;
	conf_err(ctx, conf_member_or(grp, "backoff_max_ms"),
	         "%sbackoff_max_ms = %u is below %sbackoff_base_ms = %u: the cap must be at least "
	         "the first back-off; raise backoff_max_ms or lower backoff_base_ms",
	         prefix, rt->backoff_max_ms, prefix, rt->backoff_base_ms);
}

static const struct conf_key conf_retry_keys[] = {
        CONF_CUSTOM_KEY("on", conf_retry_on, 0, NULL),
        CONF_INT_KEY("num_retries", struct mp_conf_http_route, retry.num_retries, 0,
                     CONF_MAX_NUM_RETRIES, MP_CONF_DEF_NUM_RETRIES, 0),
        CONF_CUSTOM_KEY("idempotent_only", conf_retry_idempotent, 0, NULL),
        CONF_INT_KEY("backoff_base_ms", struct mp_conf_http_route, retry.backoff_base_ms, 1,
                     CONF_MAX_BACKOFF_MS, MP_CONF_DEF_BACKOFF_BASE_MS, 0),
        CONF_INT_KEY("backoff_max_ms", struct mp_conf_http_route, retry.backoff_max_ms, 1,
                     CONF_MAX_BACKOFF_MS, MP_CONF_DEF_BACKOFF_MAX_MS, 0),
};

const struct conf_schema conf_route_retry_schema = {
        .keys = conf_retry_keys,
        .n_keys = RTE_DIM(conf_retry_keys),
        .finish = conf_retry_finish,
};

/* ------------------------------------------------------------------------------------------ */
/* route: hash                                                                                */

static void
conf_hash_header(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 void *obj)
{
	struct mp_conf_http_route *r = obj;
	char what[CONF_WHAT_LEN];
	const char *v = conf_http_string(ctx, k, s, MP_CONF_MAX_HASH_NAME_LEN, what, sizeof(what));

	if (v != NULL && conf_header_name(ctx, s, what, v) != NULL)
		r->hash_name = conf_http_strdup(ctx, s, v, true);
}

/* RFC 6265 4.1.1: a cookie-name is a token. Compared as written. */
static void
conf_hash_cookie(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 void *obj)
{
	struct mp_conf_http_route *r = obj;
	char what[CONF_WHAT_LEN];
	const char *v = conf_http_string(ctx, k, s, MP_CONF_MAX_HASH_NAME_LEN, what, sizeof(what));
	size_t bad;

	if (v == NULL)
		return;
	bad = strspn(v, CONF_TOKEN_CHARS);
	if (v[bad] != '\0') {
		conf_err(ctx, s,
		         "%s \"%s\" contains byte 0x%02x, which a cookie name cannot hold: use "
		         "letters, digits and !#$%%&'*+-.^_`|~ only",
		         what, v, (unsigned char)v[bad]);
		return;
	}
	r->hash_name = conf_http_strdup(ctx, s, v, false);
}

static void
conf_hash_source(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 void *obj)
{
	char what[CONF_WHAT_LEN];
	bool on = true;

	RTE_SET_USED(obj);
	conf_bool(ctx, k, s, &on);
	if (!on)
		conf_err(ctx, s,
		         "%s = false hashes nothing: write source_address = true; or hash a header "
		         "or a cookie",
		         conf_key_name(ctx, k->name, what, sizeof(what)));
}

static const char *const conf_hash_kinds[] = {"header", "cookie", "source_address"};

static void
conf_hash_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf_http_route *r = obj;
	int i = conf_exactly_one(ctx, grp, conf_hash_kinds, RTE_DIM(conf_hash_kinds),
	                         "'header', 'cookie' or 'source_address'",
	                         "e.g. header = \"x-user\";");

	if (i >= 0)
		r->hash_kind = (uint32_t)i + MP_CONF_HASH_HEADER;
}

static const struct conf_key conf_hash_keys[] = {
        CONF_CUSTOM_KEY("header", conf_hash_header, 0, NULL),
        CONF_CUSTOM_KEY("cookie", conf_hash_cookie, 0, NULL),
        CONF_CUSTOM_KEY("source_address", conf_hash_source, 0, NULL),
};

const struct conf_schema conf_route_hash_schema = {
        .keys = conf_hash_keys,
        .n_keys = RTE_DIM(conf_hash_keys),
        .finish = conf_hash_finish,
};

/* ------------------------------------------------------------------------------------------ */
/* route: against the rest of the route                                                       */

static bool
conf_policy_hashes(enum mp_lb_policy p)
{
	return p == MP_LB_MAGLEV || p == MP_LB_RING_HASH;
}

void
conf_route_l7_finish(struct conf_ctx *ctx, const config_setting_t *grp,
                     struct mp_conf_http_route *r)
{
	static const char *const parts[] = {"timeouts", "retry", "hash"};
	static const char *const actions[] = {"redirect", "direct_response"};
	const struct mp_conf_http *h = ctx->conf->http;
	const config_setting_t *hash;
	char names[CONF_LOOKUP_TEXT_LEN];
	size_t used = 0;
	unsigned int i;

	/* Defaults of the keys that are not integers (conf_schema_defaults() sets those). */
	if (config_setting_lookup((config_setting_t *)grp, "retry.on") == NULL)
		r->retry.on = MP_CONF_RETRY_ON_ALL;
	if (config_setting_lookup((config_setting_t *)grp, "retry.idempotent_only") == NULL)
		r->retry.idempotent_only = true;

	if (r->action == MP_CONF_ACTION_REDIRECT || r->action == MP_CONF_ACTION_DIRECT) {
		for (i = 0; i < RTE_DIM(parts); i++)
			if (config_setting_get_member(grp, parts[i]) != NULL)
				conf_err(ctx, config_setting_get_member(grp, parts[i]),
				         "%s%s applies to requests forwarded to clusters, and this "
				         "route has %s: remove it",
				         ctx->where->key_prefix, parts[i],
				         actions[r->action - MP_CONF_ACTION_REDIRECT]);
		return;
	}
	hash = config_setting_get_member(grp, "hash");
	if (hash == NULL || r->action != MP_CONF_ACTION_CLUSTERS || h == NULL)
		return;
	names[0] = '\0';
	for (i = r->clusters.first; i < r->clusters.first + r->clusters.n; i++) {
		const struct mp_conf_cluster *cl;

		if (h->splits[i].cluster < 0)
			return; /* an unknown cluster: reported already */
		cl = &ctx->conf->clusters[h->splits[i].cluster];
		if (conf_policy_hashes(cl->policy))
			return;
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s\"%s\"",
			                         used != 0 ? ", " : "", cl->name);
	}
	if (r->clusters.n == 0)
		return;
	conf_err(ctx, hash,
	         "%shash picks endpoints in clusters whose policy is \"ring_hash\" or "
	         "\"maglev\", and this route's clusters (%s) use neither: remove it, or set "
	         "policy = \"ring_hash\"; in the cluster",
	         ctx->where->key_prefix, names);
}

/* ------------------------------------------------------------------------------------------ */
/* cluster: ring_hash, outlier_detection, circuit_breakers, retry_budget                      */

static const struct conf_key conf_ring_keys[] = {
        CONF_INT_KEY("size", struct mp_conf_cluster, ring_size, CONF_MIN_RING, CONF_MAX_RING,
                     MP_CONF_DEF_HASH_RING_SIZE, 0),
};

const struct conf_schema conf_ring_hash_schema = {
        .keys = conf_ring_keys,
        .n_keys = RTE_DIM(conf_ring_keys),
};

static void
conf_outlier_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf_outlier *o = &((struct mp_conf_cluster *)obj)->outlier;
	const char *prefix = ctx->where->key_prefix;

	o->enabled = true;
	if (o->max_ejection_ms < o->base_ejection_ms)
		conf_err(ctx, conf_member_or(grp, "max_ejection_ms"),
		         "%smax_ejection_ms = %u is below %sbase_ejection_ms = %u: the cap must be "
		         "at least the first ejection; raise max_ejection_ms or lower "
		         "base_ejection_ms",
		         prefix, o->max_ejection_ms, prefix, o->base_ejection_ms);
	if (o->consecutive_5xx == 0 && o->consecutive_connect == 0)
		conf_err(ctx, grp,
		         "%s turns both detectors off (consecutive_5xx = 0 and "
		         "consecutive_connect_failures = 0): set one above 0, or remove the group",
		         ctx->where->label);
}

static const struct conf_key conf_outlier_keys[] = {
        CONF_INT_KEY("consecutive_5xx", struct mp_conf_cluster, outlier.consecutive_5xx, 0,
                     CONF_MAX_THRESHOLD, MP_CONF_DEF_OUTLIER_5XX, 0),
        CONF_INT_KEY("consecutive_connect_failures", struct mp_conf_cluster,
                     outlier.consecutive_connect, 0, CONF_MAX_THRESHOLD,
                     MP_CONF_DEF_OUTLIER_CONNECT, 0),
        CONF_INT_KEY("base_ejection_ms", struct mp_conf_cluster, outlier.base_ejection_ms, 1,
                     CONF_MAX_EJECTION_MS, MP_CONF_DEF_OUTLIER_BASE_MS, 0),
        CONF_INT_KEY("max_ejection_ms", struct mp_conf_cluster, outlier.max_ejection_ms, 1,
                     CONF_MAX_EJECTION_MS, MP_CONF_DEF_OUTLIER_MAX_MS, 0),
        CONF_INT_KEY("decay_interval_ms", struct mp_conf_cluster, outlier.decay_interval_ms, 0,
                     CONF_MAX_EJECTION_MS, MP_CONF_DEF_OUTLIER_DECAY_MS, 0),
        CONF_INT_KEY("max_ejection_percent", struct mp_conf_cluster, outlier.max_ejection_percent,
                     0, CONF_MAX_PERCENT, MP_CONF_DEF_OUTLIER_MAX_PERCENT, 0),
};

const struct conf_schema conf_outlier_schema = {
        .keys = conf_outlier_keys,
        .n_keys = RTE_DIM(conf_outlier_keys),
        .finish = conf_outlier_finish,
};

static const struct conf_key conf_breakers_keys[] = {
        CONF_INT_KEY("max_connections", struct mp_conf_cluster, breakers.max_connections, 0,
                     CONF_MAX_BREAKER, MP_CONF_DEF_BREAKER_MAX, 0),
        CONF_INT_KEY("max_pending_requests", struct mp_conf_cluster, breakers.max_pending_requests,
                     0, CONF_MAX_BREAKER, MP_CONF_DEF_BREAKER_MAX, 0),
        CONF_INT_KEY("max_requests", struct mp_conf_cluster, breakers.max_requests, 0,
                     CONF_MAX_BREAKER, MP_CONF_DEF_BREAKER_MAX, 0),
        CONF_INT_KEY("max_retries", struct mp_conf_cluster, breakers.max_retries, 0,
                     CONF_MAX_BREAKER, MP_CONF_DEF_BREAKER_MAX_RETRIES, 0),
};

const struct conf_schema conf_breakers_schema = {
        .keys = conf_breakers_keys,
        .n_keys = RTE_DIM(conf_breakers_keys),
};

static const struct conf_key conf_retry_budget_keys[] = {
        CONF_INT_KEY("percent", struct mp_conf_cluster, retry_budget_percent, 0, CONF_MAX_PERCENT,
                     MP_CONF_DEF_RETRY_BUDGET_PERCENT, 0),
        CONF_INT_KEY("min_retry_concurrency", struct mp_conf_cluster, retry_budget_min, 0,
                     CONF_MAX_RETRY_CONC, MP_CONF_DEF_RETRY_BUDGET_MIN, 0),
};

const struct conf_schema conf_retry_budget_schema = {
        .keys = conf_retry_budget_keys,
        .n_keys = RTE_DIM(conf_retry_budget_keys),
};

void
conf_cluster_l7_finish(struct conf_ctx *ctx, const config_setting_t *grp,
                       struct mp_conf_cluster *cl)
{
	const config_setting_t *ring = config_setting_get_member(grp, "ring_hash");

	if (ring != NULL && cl->policy != MP_LB_RING_HASH)
		conf_err(ctx, ring,
		         "%sring_hash sizes the ring of policy = \"ring_hash\", and this cluster's "
		         "policy is another: remove it, or set policy = \"ring_hash\";",
		         ctx->where->key_prefix);
}

void
conf_listener_l7_check(struct conf_ctx *ctx, const config_setting_t *grp,
                       const struct mp_conf_listener *l)
{
	const struct mp_conf_cluster *cl;

	if (l->service != MP_SVC_NONE || l->cluster < 0)
		return;
	cl = &ctx->conf->clusters[l->cluster];
	if (!mp_lb_policy_l7_only(cl->policy))
		return;
	conf_err(ctx, conf_member_or(grp, "cluster"),
	         "%scluster \"%s\" (line %d) has policy = \"%s\", which balances HTTP requests, "
	         "and this listener forwards %s connections: name a cluster whose policy is "
	         "\"maglev\" or \"least_connections\", or use protocol = \"http\"",
	         ctx->where->key_prefix, cl->name, cl->line,
	         cl->policy == MP_LB_RING_HASH ? "ring_hash" : "least_request",
	         l->proto == MP_L4_UDP ? "UDP" : "TCP");
}
