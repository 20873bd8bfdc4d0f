/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath's config schema, HTTP part: one route of a virtual host. Its `match` (path, prefix
 * or regex; methods; header and query matchers), its action (weighted `clusters`, `redirect`
 * or `direct_response`) and its rewrites. conf_http.c reads the tables around it.
 *
 * `match` is read before the rest of the route (the table's first row), so an action can be
 * checked against what the route matches.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "conf_http_priv.h"
#include "conf_l7_priv.h"

#define CONF_MIN_STATUS 200
#define CONF_MAX_STATUS 599
#define CONF_MAX_WEIGHT 65535

const char *const mp_conf_method_names[MP_CONF_N_METHODS] = {
        [MP_CONF_M_GET] = "GET",         [MP_CONF_M_HEAD] = "HEAD",
        [MP_CONF_M_POST] = "POST",       [MP_CONF_M_PUT] = "PUT",
        [MP_CONF_M_DELETE] = "DELETE",   [MP_CONF_M_CONNECT] = "CONNECT",
        [MP_CONF_M_OPTIONS] = "OPTIONS", [MP_CONF_M_TRACE] = "TRACE",
        [MP_CONF_M_PATCH] = "PATCH",
};

/* ------------------------------------------------------------------------------------------ */
/* headers and query matchers                                                                 */

static void
conf_kv_header_name(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                    void *obj)
{
	struct mp_conf_kv_match *m = obj;
	char what[CONF_WHAT_LEN];
	const char *v = conf_http_string(ctx, k, s, MP_CONF_MAX_VALUE_LEN, what, sizeof(what));

	if (v != NULL && conf_header_name(ctx, s, what, v) != NULL)
		m->name = conf_http_strdup(ctx, s, v, true);
}

static void
conf_kv_query_name(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                   void *obj)
{
	struct mp_conf_kv_match *m = obj;
	char what[CONF_WHAT_LEN];
	const char *v = conf_http_string(ctx, k, s, MP_CONF_MAX_VALUE_LEN, what, sizeof(what));

	if (v == NULL)
		return;
	if (strpbrk(v, "&=#") != NULL) {
		conf_err(ctx, s,
		         "%s \"%s\" contains '&', '=' or '#': write the parameter's name alone, as "
		         "it appears before '='",
		         what, v);
		return;
	}
	if (!conf_header_value_ok(ctx, s, what, v))
		return;
	m->name = conf_http_strdup(ctx, s, v, false);
}

static void
conf_kv_exact(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, void *obj)
{
	struct mp_conf_kv_match *m = obj;

	m->value = conf_http_value(ctx, k, s);
	if (m->value != NULL)
		m->kind = MP_CONF_VALUE_EXACT;
}

static void
conf_kv_present(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                void *obj)
{
	struct mp_conf_kv_match *m = obj;
	char what[CONF_WHAT_LEN];

	conf_key_name(ctx, k->name, what, sizeof(what));
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_err(ctx, s, "'%s' must be a boolean (present = true;), not %s", k->name,
		         conf_type_name(config_setting_type(s)));
		return;
	}
	if (!config_setting_get_bool(s)) {
		conf_err(ctx, s,
		         "%s = false is not supported: write present = true; or match a value with "
		         "exact or regex",
		         what);
		return;
	}
	m->kind = MP_CONF_VALUE_PRESENT;
}

static void
conf_kv_regex(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, void *obj)
{
	struct mp_conf_kv_match *m = obj;
	char what[CONF_WHAT_LEN];
	const char *v = conf_http_string(ctx, k, s, MP_CONF_MAX_REGEX_LEN, what, sizeof(what));

	if (v == NULL)
		return;
	m->kind = MP_CONF_VALUE_REGEX;
	m->value = conf_http_strdup(ctx, s, v, false);
}

static const char *const conf_kv_kinds[] = {"exact", "present", "regex"};

static void
conf_kv_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf_kv_match *m = obj;

	m->line = config_setting_source_line(grp);
	conf_exactly_one(ctx, grp, conf_kv_kinds, RTE_DIM(conf_kv_kinds),
	                 "'exact', 'present' or 'regex'", "e.g. present = true;");
}

#define CONF_KV_VALUE_KEYS                                            \
	CONF_CUSTOM_KEY("exact", conf_kv_exact, 0, NULL),             \
	        CONF_CUSTOM_KEY("present", conf_kv_present, 0, NULL), \
	        CONF_CUSTOM_KEY("regex", conf_kv_regex, 0, NULL)

static const struct conf_key conf_header_match_keys[] = {
        CONF_CUSTOM_KEY("name", conf_kv_header_name, CONF_F_REQUIRED,
                        "set it to the header's name, e.g. name = \"x-canary\";"),
        CONF_KV_VALUE_KEYS,
};

static const struct conf_schema conf_header_match_schema = {
        .keys = conf_header_match_keys,
        .n_keys = RTE_DIM(conf_header_match_keys),
        .finish = conf_kv_finish,
        .elem_example = "{ name = \"x-canary\"; exact = \"1\"; }",
};

static const struct conf_key conf_query_match_keys[] = {
        CONF_CUSTOM_KEY("name", conf_kv_query_name, CONF_F_REQUIRED,
                        "set it to the parameter's name, e.g. name = \"debug\";"),
        CONF_KV_VALUE_KEYS,
};

static const struct conf_schema conf_query_match_schema = {
        .keys = conf_query_match_keys,
        .n_keys = RTE_DIM(conf_query_match_keys),
        .finish = conf_kv_finish,
        .elem_example = "{ name = \"debug\"; present = true; }",
};

/* `headers` or `query` of a match: elements go to conf->http->kv_matches. */
static void
conf_match_kv(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
              struct mp_conf_range *r)
{
	CONF_WALK_FLAT(ctx, k, s, ctx->conf->http, kv_matches, r, MP_CONF_MAX_MATCHERS,
	               " per route");
}

static void
conf_match_headers(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                   void *obj)
{
	conf_match_kv(ctx, k, s, &((struct mp_conf_http_route *)obj)->headers);
}

static void
conf_match_query(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 void *obj)
{
	conf_match_kv(ctx, k, s, &((struct mp_conf_http_route *)obj)->query);
}

/* ------------------------------------------------------------------------------------------ */
/* match                                                                                      */

static void
conf_match_path_kind(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                     struct mp_conf_http_route *r, enum mp_conf_path_match kind)
{
	size_t max = kind == MP_CONF_PATH_REGEX ? MP_CONF_MAX_REGEX_LEN : MP_CONF_MAX_PATH_LEN;
	char what[CONF_WHAT_LEN];
	const char *v = conf_http_string(ctx, k, s, max, what, sizeof(what));

	if (v == NULL || (kind != MP_CONF_PATH_REGEX && !conf_path_ok(ctx, s, what, v)))
		return;
	r->path_kind = kind;
	r->path = conf_http_strdup(ctx, s, v, false);
	r->path_line = config_setting_source_line(s);
}

static void
conf_match_path(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                void *obj)
{
	conf_match_path_kind(ctx, k, s, obj, MP_CONF_PATH_EXACT);
}

static void
conf_match_prefix(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                  void *obj)
{
	conf_match_path_kind(ctx, k, s, obj, MP_CONF_PATH_PREFIX);
}

static void
conf_match_regex(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 void *obj)
{
	conf_match_path_kind(ctx, k, s, obj, MP_CONF_PATH_REGEX);
}

static void
conf_match_methods(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                   void *obj)
{
	struct mp_conf_http_route *r = obj;
	char what[CONF_WHAT_LEN];
	int n, i;

	conf_key_name(ctx, k->name, what, sizeof(what));
	n = conf_get_seq(ctx, s, k->name, "an array of method names, e.g. [\"GET\", \"HEAD\"]");
	if (n < 0)
		return;
	if (n == 0) {
		conf_err(ctx, s, "%s is empty: list methods, or remove it to match any method",
		         what);
		return;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		char ewhat[CONF_WHAT_LEN], short_name[CONF_WHAT_LEN];
		const char *v;
		int m;

		conf_fmt(short_name, sizeof(short_name), "%s[%d]", k->name, i);
		conf_fmt(ewhat, sizeof(ewhat), "%s[%d]", what, i);
		v = conf_get_string(ctx, e, short_name);
		if (v == NULL)
			continue;
		m = conf_lookup(ctx, e, ewhat, v, mp_conf_method_names, MP_CONF_N_METHODS,
		                "a method (methods are upper case)", "");
		if (m < 0)
			continue;
		if (r->methods & (1u << m)) {
			conf_err(ctx, e, "%s \"%s\" is listed twice: list each method once", ewhat,
			         v);
			continue;
		}
		r->methods |= 1u << m;
	}
}

static const char *const conf_path_kinds[] = {"path", "prefix", "regex"};

static void
conf_match_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	RTE_SET_USED(obj);
	conf_exactly_one(ctx, grp, conf_path_kinds, RTE_DIM(conf_path_kinds),
	                 "'path', 'prefix' or 'regex'", "e.g. prefix = \"/\"; for every path");
}

static const struct conf_key conf_match_keys[] = {
        CONF_CUSTOM_KEY("path", conf_match_path, 0, NULL),
        CONF_CUSTOM_KEY("prefix", conf_match_prefix, 0, NULL),
        CONF_CUSTOM_KEY("regex", conf_match_regex, 0, NULL),
        CONF_CUSTOM_KEY("methods", conf_match_methods, 0, NULL),
        CONF_CUSTOM_LIST_KEY("headers", conf_match_headers, &conf_header_match_schema,
                             struct mp_conf_kv_match, 0, NULL),
        CONF_CUSTOM_LIST_KEY("query", conf_match_query, &conf_query_match_schema,
                             struct mp_conf_kv_match, 0, NULL),
};

static const struct conf_schema conf_match_schema = {
        .keys = conf_match_keys,
        .n_keys = RTE_DIM(conf_match_keys),
        .finish = conf_match_finish,
};

/* ------------------------------------------------------------------------------------------ */
/* actions: clusters, redirect, direct_response                                               */

static void
conf_split_name(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                void *obj)
{
	((struct mp_conf_split *)obj)->cluster = conf_cluster_choice(ctx, k, s);
}

static void
conf_split_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf_split *sp = obj;

	RTE_SET_USED(ctx);
	sp->line = config_setting_source_line(grp);
	if (config_setting_get_member(grp, "name") == NULL)
		sp->cluster = -1;
}

static const struct conf_key conf_split_keys[] = {
        CONF_CUSTOM_KEY("name", conf_split_name, CONF_F_REQUIRED,
                        "set it to the name of a cluster, e.g. name = \"web\";"),
        CONF_INT_KEY("weight", struct mp_conf_split, weight, 1, CONF_MAX_WEIGHT,
                     MP_CONF_DEF_SPLIT_WEIGHT, 0),
};

static const struct conf_schema conf_split_schema = {
        .keys = conf_split_keys,
        .n_keys = RTE_DIM(conf_split_keys),
        .finish = conf_split_finish,
        .elem_example = "{ name = \"web\"; weight = 90; }",
};

/* A route's `clusters`: elements go to conf->http->splits; a cluster appears once. */
static void
conf_route_clusters(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                    void *obj)
{
	struct mp_conf_http_route *r = obj;
	struct mp_conf_http *h = ctx->conf->http;
	unsigned int i, j;

	CONF_WALK_FLAT(ctx, k, s, h, splits, &r->clusters, MP_CONF_MAX_SPLIT, " per route");
	if (config_setting_is_aggregate(s) && config_setting_length(s) == 0)
		conf_err(ctx, s,
		         "%sclusters is empty: name at least one cluster, e.g. clusters = "
		         "( { name = \"web\"; } );",
		         ctx->where->key_prefix);
	for (i = r->clusters.first; i < h->n_splits; i++)
		for (j = r->clusters.first; j < i; j++)
			if (h->splits[i].cluster >= 0 &&
			    h->splits[i].cluster == h->splits[j].cluster) {
				conf_err(ctx, config_setting_get_elem(s, i - r->clusters.first),
				         "%sclusters names cluster \"%s\" twice (line %d): list "
				         "each cluster once and add up its weights",
				         ctx->where->key_prefix,
				         ctx->conf->clusters[h->splits[i].cluster].name,
				         h->splits[j].line);
				break;
			}
}

static const char *const conf_schemes[] = {"http", "https"};

static void
conf_redirect_scheme(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                     void *obj)
{
	struct mp_conf_http_route *r = obj;
	int i = conf_choice(ctx, k, s, conf_schemes, RTE_DIM(conf_schemes), "a scheme", "");

	if (i >= 0)
		r->redirect_scheme = conf_schemes[i];
}

static void
conf_redirect_host(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                   void *obj)
{
	struct mp_conf_http_route *r = obj;
	char what[CONF_WHAT_LEN];
	const char *v = conf_http_string(ctx, k, s, MP_CONF_MAX_DOMAIN_LEN + sizeof(":65535"), what,
	                                 sizeof(what));
	size_t bad;

	if (v == NULL)
		return;
	bad = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._:[]");
	if (v[bad] != '\0') {
		conf_err(ctx, s,
		         "%s \"%s\" contains '%c': write a host name or address, with \":port\" "
		         "if needed",
		         what, v, v[bad]);
		return;
	}
	r->redirect_host = conf_http_strdup(ctx, s, v, true);
}

/* `path`, `prefix_rewrite` of a redirect and a route's `prefix_rewrite`: a path, into *dst. */
static void
conf_path_value(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                const char **dst)
{
	char what[CONF_WHAT_LEN];
	const char *v = conf_http_string(ctx, k, s, MP_CONF_MAX_PATH_LEN, what, sizeof(what));

	if (v != NULL && conf_path_ok(ctx, s, what, v))
		*dst = conf_http_strdup(ctx, s, v, false);
}

static void
conf_redirect_path(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                   void *obj)
{
	conf_path_value(ctx, k, s, &((struct mp_conf_http_route *)obj)->redirect_path);
}

static void
conf_redirect_prefix(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                     void *obj)
{
	conf_path_value(ctx, k, s, &((struct mp_conf_http_route *)obj)->redirect_prefix);
}

static void
conf_redirect_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	static const char *const parts[] = {"scheme", "host", "path", "prefix_rewrite"};
	struct mp_conf_http_route *r = obj;
	const char *prefix = ctx->where->key_prefix;
	unsigned int seen = conf_members(grp, parts, RTE_DIM(parts));

	if (r->redirect_code != 301 && r->redirect_code != 302 && r->redirect_code != 303 &&
	    r->redirect_code != 307 && r->redirect_code != 308)
		conf_err(ctx, conf_member_or(grp, "code"),
		         "%scode = %u is not a redirect status: use 301, 302, 303, 307 or 308",
		         prefix, r->redirect_code);
	if (seen == 0)
		conf_err(ctx, grp,
		         "%s changes nothing, so the client would be sent back to the same URL: "
		         "set scheme, host, path or prefix_rewrite",
		         ctx->where->label);
	if ((seen & 4) && (seen & 8))
		conf_err(ctx, config_setting_get_member(grp, "prefix_rewrite"),
		         "%s sets both 'path' and 'prefix_rewrite': keep one", ctx->where->label);
	else if ((seen & 8) && r->path_kind != MP_CONF_PATH_PREFIX &&
	         r->path_kind != MP_CONF_PATH_NONE)
		conf_err(ctx, config_setting_get_member(grp, "prefix_rewrite"),
		         "%sprefix_rewrite needs a route that matches a prefix: use match.prefix, "
		         "or redirect.path to replace the whole path",
		         prefix);
}

static const struct conf_key conf_redirect_keys[] = {
        CONF_CUSTOM_KEY("scheme", conf_redirect_scheme, 0, NULL),
        CONF_CUSTOM_KEY("host", conf_redirect_host, 0, NULL),
        CONF_CUSTOM_KEY("path", conf_redirect_path, 0, NULL),
        CONF_CUSTOM_KEY("prefix_rewrite", conf_redirect_prefix, 0, NULL),
        CONF_INT_KEY("code", struct mp_conf_http_route, redirect_code, 100, 999,
                     MP_CONF_DEF_REDIRECT_CODE, 0),
};

static const struct conf_schema conf_redirect_schema = {
        .keys = conf_redirect_keys,
        .n_keys = RTE_DIM(conf_redirect_keys),
        .finish = conf_redirect_finish,
};

static void
conf_direct_body(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 void *obj)
{
	struct mp_conf_http_route *r = obj;
	char what[CONF_WHAT_LEN];
	const char *v;

	conf_key_name(ctx, k->name, what, sizeof(what));
	v = conf_get_string(ctx, s, k->name);
	if (v == NULL)
		return;
	if (strlen(v) > MP_CONF_MAX_BODY_LEN) {
		conf_err(ctx, s, "%s is %zu bytes long: at most %d are supported", what, strlen(v),
		         MP_CONF_MAX_BODY_LEN);
		return;
	}
	r->body = conf_http_strdup(ctx, s, v, false);
}

static const struct conf_key conf_direct_keys[] = {
        CONF_REQ_INT_KEY("status", struct mp_conf_http_route, status, CONF_MIN_STATUS,
                         CONF_MAX_STATUS, "set the response's status, e.g. status = 200;"),
        CONF_CUSTOM_KEY("body", conf_direct_body, 0, NULL),
};

static const struct conf_schema conf_direct_schema = {
        .keys = conf_direct_keys,
        .n_keys = RTE_DIM(conf_direct_keys),
};

/* ------------------------------------------------------------------------------------------ */
/* header rewrites                                                                            */

static void
conf_hdr_name(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, void *obj)
{
	struct mp_conf_header_op *op = obj;
	char what[CONF_WHAT_LEN];
	const char *v = conf_http_string(ctx, k, s, MP_CONF_MAX_VALUE_LEN, what, sizeof(what));

	if (v != NULL && conf_header_name(ctx, s, what, v) != NULL)
		op->name = conf_http_strdup(ctx, s, v, true);
}

static void
conf_hdr_value(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, void *obj)
{
	((struct mp_conf_header_op *)obj)->value = conf_http_value(ctx, k, s);
}

static const struct conf_key conf_hdr_add_keys[] = {
        CONF_CUSTOM_KEY("name", conf_hdr_name, CONF_F_REQUIRED,
                        "set it to the header's name, e.g. name = \"x-route\";"),
        CONF_CUSTOM_KEY("value", conf_hdr_value, CONF_F_REQUIRED,
                        "set it to the header's value, e.g. value = \"api\";"),
};

static const struct conf_schema conf_hdr_add_schema = {
        .keys = conf_hdr_add_keys,
        .n_keys = RTE_DIM(conf_hdr_add_keys),
        .elem_example = "{ name = \"x-route\"; value = \"api\"; }",
};

static void
conf_hdr_add(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
             struct mp_conf_range *r)
{
	CONF_WALK_FLAT(ctx, k, s, ctx->conf->http, header_ops, r, MP_CONF_MAX_HEADER_OPS, "");
}

static void
conf_hdr_remove(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                struct mp_conf_range *r)
{
	struct mp_conf_http *h = ctx->conf->http;
	char what[CONF_WHAT_LEN];
	int n, i;

	conf_key_name(ctx, k->name, what, sizeof(what));
	n = conf_get_seq(ctx, s, k->name, "an array of header names, e.g. [\"x-debug\"]");
	if (n < 0)
		return;
	if (n > MP_CONF_MAX_HEADER_OPS) {
		conf_err(ctx, s, "%s has %d entries: at most %d are supported", what, n,
		         MP_CONF_MAX_HEADER_OPS);
		n = MP_CONF_MAX_HEADER_OPS;
	}
	if (CONF_GROW(ctx, s, h, header_ops, (unsigned int)n) < 0)
		return;
	r->first = h->n_header_ops;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		char ewhat[CONF_WHAT_LEN], short_name[CONF_WHAT_LEN];
		struct mp_conf_header_op *op;
		const char *v;

		conf_fmt(short_name, sizeof(short_name), "%s[%d]", k->name, i);
		conf_fmt(ewhat, sizeof(ewhat), "%s[%d]", what, i);
		v = conf_get_string(ctx, e, short_name);
		if (v == NULL || conf_header_name(ctx, e, ewhat, v) == NULL)
			continue;
		if (v[0] == '\0') {
			conf_err(ctx, e, "%s is an empty string: remove it", ewhat);
			continue;
		}
		op = &h->header_ops[h->n_header_ops++];
		op->name = conf_http_strdup(ctx, e, v, true);
		op->value = NULL;
		r->n++;
	}
}

#define CONF_HDR_HANDLER(fn, how, field)                                                          \
	static void fn(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, \
	               void *obj)                                                                 \
	{                                                                                         \
		how(ctx, k, s, &((struct mp_conf_http_route *)obj)->field);                       \
	}
CONF_HDR_HANDLER(conf_route_req_add, conf_hdr_add, req_add)
CONF_HDR_HANDLER(conf_route_req_remove, conf_hdr_remove, req_remove)
CONF_HDR_HANDLER(conf_route_resp_add, conf_hdr_add, resp_add)
CONF_HDR_HANDLER(conf_route_resp_remove, conf_hdr_remove, resp_remove)

/* ------------------------------------------------------------------------------------------ */
/* routes                                                                                     */

static void
conf_route_prefix_rewrite(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                          void *obj)
{
	conf_path_value(ctx, k, s, &((struct mp_conf_http_route *)obj)->prefix_rewrite);
}

static const char *const conf_actions[] = {"clusters", "redirect", "direct_response"};

static void
conf_http_route_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf_http_route *r = obj;
	int a;

	r->line = config_setting_source_line(grp);
	a = conf_exactly_one(ctx, grp, conf_actions, RTE_DIM(conf_actions),
	                     "'clusters', 'redirect' or 'direct_response'",
	                     "e.g. clusters = ( { name = \"web\"; } );");
	if (a >= 0)
		r->action = (uint32_t)a + MP_CONF_ACTION_CLUSTERS;
	conf_route_l7_finish(ctx, grp, r);
	if (config_setting_get_member(grp, "prefix_rewrite") == NULL)
		return;
	if (r->action != MP_CONF_ACTION_NONE && r->action != MP_CONF_ACTION_CLUSTERS)
		conf_err(ctx, config_setting_get_member(grp, "prefix_rewrite"),
		         "%sprefix_rewrite rewrites what is forwarded to a cluster, and this route "
		         "has %s: remove it%s",
		         ctx->where->key_prefix, conf_actions[r->action - MP_CONF_ACTION_CLUSTERS],
		         r->action == MP_CONF_ACTION_REDIRECT ? ", or use redirect.prefix_rewrite"
		                                              : "");
	else if (r->path_kind == MP_CONF_PATH_REGEX)
		conf_err(ctx, config_setting_get_member(grp, "prefix_rewrite"),
		         "%sprefix_rewrite replaces the part of the path that match.prefix or "
		         "match.path matched, and this route matches a regex: match a prefix, or "
		         "remove it",
		         ctx->where->key_prefix);
}

/* `match` comes first: redirect and prefix_rewrite are checked against it. */
static const struct conf_key conf_http_route_keys[] = {
        CONF_GROUP_KEY("match", &conf_match_schema, CONF_F_REQUIRED,
                       "say what the route matches, e.g. match = { prefix = \"/\"; };"),
        CONF_CUSTOM_LIST_KEY("clusters", conf_route_clusters, &conf_split_schema,
                             struct mp_conf_split, 0, NULL),
        CONF_GROUP_KEY("redirect", &conf_redirect_schema, 0, NULL),
        CONF_GROUP_KEY("direct_response", &conf_direct_schema, 0, NULL),
        CONF_CUSTOM_KEY("prefix_rewrite", conf_route_prefix_rewrite, 0, NULL),
        CONF_CUSTOM_LIST_KEY("request_headers_add", conf_route_req_add, &conf_hdr_add_schema,
                             struct mp_conf_header_op, 0, NULL),
        CONF_CUSTOM_KEY("request_headers_remove", conf_route_req_remove, 0, NULL),
        CONF_CUSTOM_LIST_KEY("response_headers_add", conf_route_resp_add, &conf_hdr_add_schema,
                             struct mp_conf_header_op, 0, NULL),
        CONF_CUSTOM_KEY("response_headers_remove", conf_route_resp_remove, 0, NULL),
        CONF_ROUTE_L7_KEYS,
};

const struct conf_schema conf_http_route_schema = {
        .keys = conf_http_route_keys,
        .n_keys = RTE_DIM(conf_http_route_keys),
        .finish = conf_http_route_finish,
        .elem_example = "{ match = { prefix = \"/\"; }; clusters = ( { name = \"web\"; } ); }",
};
