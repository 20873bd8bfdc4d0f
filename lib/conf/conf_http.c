/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath's config schema, HTTP part: `route_tables` (virtual hosts and their domains; a
 * route's own keys are in conf_http_route.c) and a listener's `routes`. conf.c reads route_tables
 * after clusters (a route names clusters) and before listeners (a listener names a route table).
 *
 * The tables go to conf->http, allocated here and freed by mp_conf_release(): flat arrays that
 * grow as lists are read, each list's room made before conf_walk_list() writes into it, so an
 * element being walked never moves (only its children's arrays grow). Strings are copied into
 * the block's arena; domains and header names are lower-cased on the way.
 *
 * Regexes are checked for length here; whether they compile is lib/route's question (lib/conf
 * does not call Hyperscan): mp_route_table_build() reports a bad one at the line kept in
 * mp_conf_http_route.path_line or mp_conf_kv_match.line.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "conf_http_priv.h"

/* What a domain may hold besides a leading "*.": letters (lower-cased), digits, '-', '.', '_'. */
#define CONF_DOMAIN_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-._"

/* ------------------------------------------------------------------------------------------ */
/* helpers                                                                                    */

/* conf->http, allocated on first use; NULL (reported) when out of memory. */
static struct mp_conf_http *
conf_http(struct conf_ctx *ctx, const config_setting_t *s)
{
	if (ctx->conf->http == NULL) {
		ctx->conf->http = calloc(1, sizeof(*ctx->conf->http));
		if (ctx->conf->http == NULL)
			conf_err(ctx, s, "out of memory reading the route tables");
	}
	return ctx->conf->http;
}

/* Make room for `more` elements of `size` after *n in *arr. Returns 0, or -1 (reported). */
int
conf_grow(struct conf_ctx *ctx, const config_setting_t *s, void **arr, unsigned int *cap,
          unsigned int n, unsigned int more, size_t size)
{
	unsigned int want = n + more;
	void *grown;

	if (want <= *cap)
		return 0;
	if (want < *cap * 2)
		want = *cap * 2;
	grown = realloc(*arr, (size_t)want * size);
	if (grown == NULL) {
		conf_err(ctx, s, "out of memory reading the route tables");
		return -1;
	}
	*arr = grown;
	*cap = want;
	return 0;
}

/* Elements a list setting will hand to conf_walk_list(); 0 when it is not a list (reported). */
unsigned int
conf_list_len(const config_setting_t *s)
{
	return config_setting_is_aggregate(s) ? (unsigned int)config_setting_length(s) : 0;
}

/*
 * Walk the list s of k->sub groups into the flat array *arr (*n used, *cap allocated, elements
 * of k->size bytes), after making room for it: the range taken goes to *r. At most max
 * elements; `per` finishes the limit's message ("at most 32 per route are supported").
 */
void
conf_walk_flat(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
               void **arr, unsigned int *n, unsigned int *cap, struct mp_conf_range *r,
               unsigned int max, const char *per)
{
	char limit[64];

	if (conf_grow(ctx, s, arr, cap, *n, conf_list_len(s), k->size) < 0)
		return;
	conf_fmt(limit, sizeof(limit), "at most %u%s are supported", max, per);
	r->first = *n;
	conf_walk_list(ctx, k, s, (uint8_t *)*arr + (size_t)*n * k->size, &r->n, max, limit);
	*n += r->n;
}

/* A copy of v in the block's arena, lower-cased when asked; NULL (reported) out of memory. */
const char *
conf_http_strdup(struct conf_ctx *ctx, const config_setting_t *s, const char *v, bool lower)
{
	char *d = mp_arena_strndup(&ctx->conf->http->strings, v, strlen(v));
	char *p;

	if (d == NULL) {
		conf_err(ctx, s, "out of memory reading the route tables");
		return NULL;
	}
	if (lower)
		for (p = d; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	return d;
}

/* The string value of key k at s, at most max bytes and not empty; NULL (reported) if not. */
const char *
conf_http_string(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 size_t max, char *what, size_t what_len)
{
	const char *v;

	conf_key_name(ctx, k->name, what, what_len);
	v = conf_get_string(ctx, s, k->name);
	if (v == NULL)
		return NULL;
	if (v[0] == '\0') {
		conf_err(ctx, s, "%s is an empty string: give it a value or remove it", what);
		return NULL;
	}
	if (strlen(v) > max) {
		conf_err(ctx, s, "%s is %zu characters long: at most %zu are supported", what,
		         strlen(v), max);
		return NULL;
	}
	return v;
}

/* A header field name (RFC 9110 5.1: a token). Returns v or NULL (reported). */
const char *
conf_header_name(struct conf_ctx *ctx, const config_setting_t *s, const char *what, const char *v)
{
	size_t bad = strspn(v, CONF_TOKEN_CHARS);

	if (v[bad] == '\0')
		return v;
	if (isprint((unsigned char)v[bad]))
		conf_err(ctx, s,
		         "%s \"%s\" contains '%c', which a header name cannot hold: use letters, "
		         "digits and !#$%%&'*+-.^_`|~ only",
		         what, v, v[bad]);
	else
		conf_err(ctx, s,
		         "%s \"%s\" contains byte 0x%02x, which a header name cannot hold: use "
		         "letters, digits and !#$%%&'*+-.^_`|~ only",
		         what, v, (unsigned char)v[bad]);
	return NULL;
}

/* A header field value (RFC 9110 5.5): visible characters, spaces and tabs, no CR, LF, NUL. */
bool
conf_header_value_ok(struct conf_ctx *ctx, const config_setting_t *s, const char *what,
                     const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == '\t' || (*p >= 0x20 && *p != 0x7f))
			continue;
		conf_err(ctx, s,
		         "%s contains byte 0x%02x, which a header value cannot hold: use visible "
		         "characters, spaces and tabs only",
		         what, *p);
		return false;
	}
	return true;
}

/* Key k's value as a header value (possibly empty): its copy, or NULL (reported). */
const char *
conf_http_value(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s)
{
	char what[CONF_WHAT_LEN];
	const char *v;

	conf_key_name(ctx, k->name, what, sizeof(what));
	v = conf_get_string(ctx, s, k->name);
	if (v == NULL || !conf_header_value_ok(ctx, s, what, v))
		return NULL;
	if (strlen(v) > MP_CONF_MAX_VALUE_LEN) {
		conf_err(ctx, s, "%s is %zu characters long: at most %d are supported", what,
		         strlen(v), MP_CONF_MAX_VALUE_LEN);
		return NULL;
	}
	return conf_http_strdup(ctx, s, v, false);
}

/* A path as a route matches or writes it: starts with '/', no '?', '#' or control bytes. */
bool
conf_path_ok(struct conf_ctx *ctx, const config_setting_t *s, const char *what, const char *v)
{
	const unsigned char *p;

	if (v[0] != '/') {
		conf_err(ctx, s, "%s \"%s\" does not start with '/': write \"/%s\"", what, v, v);
		return false;
	}
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == '?' || *p == '#') {
			conf_err(ctx, s,
			         "%s \"%s\" contains '%c': a path ends before the query; match "
			         "query parameters with `query`",
			         what, v, *p);
			return false;
		}
		if (*p <= 0x20 || *p == 0x7f) {
			conf_err(ctx, s,
			         "%s contains byte 0x%02x: a path holds visible characters only "
			         "(percent-encode the others)",
			         what, *p);
			return false;
		}
	}
	return true;
}

/* Which of `names` are members of grp: a bit each. */
unsigned int
conf_members(const config_setting_t *grp, const char *const *names, unsigned int n)
{
	unsigned int i, seen = 0;

	for (i = 0; i < n; i++)
		if (config_setting_get_member(grp, names[i]) != NULL)
			seen |= 1u << i;
	return seen;
}

/*
 * Exactly one of `names` in grp: reports none ("<label> has none of <list>: add one, <hint>")
 * or several ("<label> sets both 'a' and 'b': keep one"). Returns the index of the one, or -1.
 */
int
conf_exactly_one(struct conf_ctx *ctx, const config_setting_t *grp, const char *const *names,
                 unsigned int n, const char *list, const char *hint)
{
	unsigned int seen = conf_members(grp, names, n);
	unsigned int i, first = n;

	for (i = 0; i < n; i++) {
		if (!(seen & (1u << i)))
			continue;
		if (first == n) {
			first = i;
			continue;
		}
		conf_err(ctx, config_setting_get_member(grp, names[i]),
		         "%s sets both '%s' and '%s': keep one", ctx->where->label, names[first],
		         names[i]);
		return -1;
	}
	if (first == n) {
		conf_err(ctx, grp, "%s has none of %s: add one, %s", ctx->where->label, list, hint);
		return -1;
	}
	return (int)first;
}

/* ------------------------------------------------------------------------------------------ */
/* virtual hosts                                                                              */

/* The virtual host of the current table, before vh, that has domain d; NULL when none. */
static const struct mp_conf_vhost *
conf_domain_owner(const struct conf_ctx *ctx, const struct mp_conf_vhost *vh, const char *d)
{
	const struct mp_conf_http *h = ctx->conf->http;
	const struct mp_conf_vhost *o;
	unsigned int i;

	for (o = &h->vhosts[ctx->table->vhosts.first]; o < vh; o++)
		for (i = o->domains.first; i < o->domains.first + o->domains.n; i++)
			if (strcmp(h->domains[i], d) == 0)
				return o;
	return NULL;
}

/* Check one domain; NULL (reported) when it cannot be one, else what to store (lower case). */
static bool
conf_domain_ok(struct conf_ctx *ctx, const config_setting_t *e, const char *what, const char *v)
{
	const char *host = v;
	size_t bad;

	if (strcmp(v, "*") == 0)
		return true;
	if (strchr(v, ':') != NULL) {
		conf_err(ctx, e,
		         "%s \"%s\" has a port: ports in Host are ignored for matching; write the "
		         "name alone",
		         what, v);
		return false;
	}
	if (v[0] == '*') {
		if (v[1] != '.' || v[2] == '\0') {
			conf_err(ctx, e,
			         "%s \"%s\": a wildcard is \"*\" alone or \"*.\" followed by a "
			         "domain, e.g. \"*.example.com\"",
			         what, v);
			return false;
		}
		host = v + 2;
	}
	if (strlen(v) > MP_CONF_MAX_DOMAIN_LEN) {
		conf_err(ctx, e, "%s is %zu characters long: a domain has at most %d", what,
		         strlen(v), MP_CONF_MAX_DOMAIN_LEN);
		return false;
	}
	for (bad = 0; host[bad] != '\0'; bad++)
		if (strchr(CONF_DOMAIN_CHARS, tolower((unsigned char)host[bad])) == NULL)
			break;
	if (host[bad] != '\0') {
		conf_err(ctx, e,
		         "%s \"%s\" contains '%c': use letters, digits, '-', '.' and '_', with "
		         "\"*.\" only at the start",
		         what, v, host[bad]);
		return false;
	}
	return true;
}

static void
conf_vhost_domains(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                   void *obj)
{
	struct mp_conf_vhost *vh = obj;
	struct mp_conf_http *h = ctx->conf->http;
	char what[CONF_WHAT_LEN];
	int n, i;

	conf_key_name(ctx, k->name, what, sizeof(what));
	n = conf_get_seq(ctx, s, k->name,
	                 "an array of domains, e.g. [\"api.example.com\", \"*.example.com\"]");
	if (n < 0)
		return;
	if (n == 0) {
		conf_err(ctx, s,
		         "%s is empty: list the Host names it serves, e.g. [\"api.example.com\"], "
		         "or [\"*\"] for any",
		         what);
		return;
	}
	if (n > MP_CONF_MAX_DOMAINS) {
		conf_err(ctx, s, "%s has %d entries: at most %d are supported", what, n,
		         MP_CONF_MAX_DOMAINS);
		n = MP_CONF_MAX_DOMAINS;
	}
	if (CONF_GROW(ctx, s, h, domains, (unsigned int)n) < 0)
		return;
	vh->domains.first = h->n_domains;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		char ewhat[CONF_WHAT_LEN], short_name[CONF_WHAT_LEN];
		const struct mp_conf_vhost *o;
		const char *v, *d;
		unsigned int j;

		conf_fmt(short_name, sizeof(short_name), "%s[%d]", k->name, i);
		conf_fmt(ewhat, sizeof(ewhat), "%s[%d]", what, i);
		v = conf_get_string(ctx, e, short_name);
		if (v == NULL)
			continue;
		if (v[0] == '\0') {
			conf_err(ctx, e, "%s is an empty string: write a domain, or \"*\" for any",
			         ewhat);
			continue;
		}
		if (!conf_domain_ok(ctx, e, ewhat, v))
			continue;
		d = conf_http_strdup(ctx, e, v, true);
		if (d == NULL)
			continue;
		for (j = vh->domains.first; j < vh->domains.first + vh->domains.n; j++)
			if (strcmp(h->domains[j], d) == 0)
				break;
		if (j < vh->domains.first + vh->domains.n) {
			conf_err(ctx, e,
			         "%s \"%s\" is listed twice (domains compare without case): list "
			         "each domain once",
			         ewhat, v);
			continue;
		}
		o = conf_domain_owner(ctx, vh, d);
		if (o != NULL) {
			conf_err(
			        ctx, e,
			        "%s \"%s\" is already a domain of virtual host \"%s\" (line %d): a "
			        "domain belongs to one virtual host of a table",
			        ewhat, v, o->name, o->line);
			continue;
		}
		h->domains[h->n_domains++] = d;
		vh->domains.n++;
	}
}

static void
conf_vhost_routes(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                  void *obj)
{
	struct mp_conf_vhost *vh = obj;

	CONF_WALK_FLAT(ctx, k, s, ctx->conf->http, routes, &vh->routes, MP_CONF_MAX_HTTP_ROUTES,
	               " per virtual host");
}

_Static_assert(offsetof(struct mp_conf_vhost, name) == 0, "vhost name first");
_Static_assert(offsetof(struct mp_conf_route_table, name) == 0, "table name first");

static void
conf_vhost_name(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                void *obj)
{
	struct mp_conf_vhost *vh = obj;
	const struct mp_conf_vhost *first = &ctx->conf->http->vhosts[ctx->table->vhosts.first];

	conf_unique_name(ctx, k, s, "virtual host", vh->name, first, sizeof(*vh),
	                 offsetof(struct mp_conf_vhost, line), (unsigned int)(vh - first));
}

static void
conf_vhost_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf_vhost *vh = obj;

	RTE_SET_USED(ctx);
	vh->line = config_setting_source_line(grp);
}

static const struct conf_key conf_vhost_keys[] = {
        CONF_CUSTOM_KEY("name", conf_vhost_name, CONF_F_REQUIRED,
                        "set it to a name unique in the table, e.g. name = \"api\";"),
        CONF_CUSTOM_KEY("domains", conf_vhost_domains, CONF_F_REQUIRED,
                        "list the Host names it serves, e.g. domains = [\"api.example.com\"]; "
                        "or [\"*\"] for any"),
        CONF_CUSTOM_LIST_KEY("routes", conf_vhost_routes, &conf_http_route_schema,
                             struct mp_conf_http_route, CONF_F_REQUIRED,
                             "add at least one route, e.g. routes = ( { match = { prefix = "
                             "\"/\"; }; clusters = ( { name = \"web\"; } ); } );"),
};

static const struct conf_schema conf_vhost_schema = {
        .keys = conf_vhost_keys,
        .n_keys = RTE_DIM(conf_vhost_keys),
        .finish = conf_vhost_finish,
        .elem_example = "{ name = \"api\"; domains = [\"api.example.com\"]; routes = ( ... ); }",
};

/* ------------------------------------------------------------------------------------------ */
/* route tables                                                                               */

static void
conf_table_name(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                void *obj)
{
	struct mp_conf_route_table *t = obj;
	const struct mp_conf_route_table *first = ctx->conf->http->tables;

	conf_unique_name(ctx, k, s, "route table", t->name, first, sizeof(*t),
	                 offsetof(struct mp_conf_route_table, line), (unsigned int)(t - first));
}

static void
conf_table_vhosts(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                  void *obj)
{
	struct mp_conf_route_table *t = obj;

	/* vhosts.first is known before an element is read: its domains look at its siblings. */
	t->vhosts.first = ctx->conf->http->n_vhosts;
	ctx->table = t;
	CONF_WALK_FLAT(ctx, k, s, ctx->conf->http, vhosts, &t->vhosts, MP_CONF_MAX_VHOSTS,
	               " per table");
	ctx->table = NULL;
}

static void
conf_table_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf_route_table *t = obj;

	RTE_SET_USED(ctx);
	t->line = config_setting_source_line(grp);
}

static const struct conf_key conf_table_keys[] = {
        CONF_CUSTOM_KEY("name", conf_table_name, CONF_F_REQUIRED,
                        "set it to a unique name that listeners give as `routes`, e.g. name = "
                        "\"main\";"),
        CONF_CUSTOM_LIST_KEY("virtual_hosts", conf_table_vhosts, &conf_vhost_schema,
                             struct mp_conf_vhost, CONF_F_REQUIRED,
                             "add at least one, e.g. virtual_hosts = ( { name = \"any\"; "
                             "domains = [\"*\"]; routes = ( ... ); } );"),
};

const struct conf_schema conf_route_table_schema = {
        .keys = conf_table_keys,
        .n_keys = RTE_DIM(conf_table_keys),
        .finish = conf_table_finish,
        .elem_example = "{ name = \"main\"; virtual_hosts = ( ... ); }",
};

void
conf_http_tables(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 void *obj)
{
	struct mp_conf_http *h = conf_http(ctx, s);
	struct mp_conf_range all = {0, 0};

	RTE_SET_USED(obj);
	if (h != NULL)
		CONF_WALK_FLAT(ctx, k, s, h, tables, &all, MP_CONF_MAX_ROUTE_TABLES, "");
}

/* ------------------------------------------------------------------------------------------ */
/* listeners                                                                                  */

void
conf_listener_routes(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                     void *obj)
{
	const struct mp_conf_http *h = ctx->conf->http;
	const char *names[MP_CONF_MAX_ROUTE_TABLES];
	struct mp_conf_listener *l = obj;
	unsigned int i, n = h != NULL ? h->n_tables : 0;

	for (i = 0; i < n; i++)
		names[i] = h->tables[i].name;
	l->routes =
	        conf_choice(ctx, k, s, names, n, "the name of a route table",
	                    "no route tables are defined; add it under route_tables = ( ... );");
}

void
conf_http_listener_check(struct conf_ctx *ctx, const config_setting_t *grp,
                         struct mp_conf_listener *l)
{
	const config_setting_t *cluster = config_setting_get_member(grp, "cluster");
	const config_setting_t *routes = config_setting_get_member(grp, "routes");

	if (cluster == NULL)
		l->cluster = -1;
	if (routes == NULL)
		l->routes = -1;
	if (l->service == MP_SVC_HTTP) {
		if (cluster != NULL)
			conf_err(ctx, cluster,
			         "%s has protocol \"http\", which routes each request by its route "
			         "table: name the clusters in the table's routes and remove "
			         "'cluster'",
			         ctx->where->named);
		if (routes == NULL)
			conf_err(
			        ctx, grp,
			        "%s has protocol \"http\" and no 'routes': set it to the name of a "
			        "route table, e.g. routes = \"main\";",
			        ctx->where->named);
		return;
	}
	if (l->service == MP_SVC_ECHO || l->service == MP_SVC_DISCARD) {
		const char *proto = l->service == MP_SVC_ECHO ? "echo" : "discard";

		if (routes != NULL)
			conf_err(ctx, routes,
			         "%s has protocol \"%s\": 'routes' needs protocol \"http\"; remove "
			         "it or change the protocol",
			         ctx->where->named, proto);
		if (cluster != NULL)
			conf_err(ctx, cluster,
			         "%s is served by meshpath itself (protocol \"%s\"): remove its "
			         "cluster",
			         ctx->where->named, proto);
		return;
	}
	if (routes != NULL && l->proto != 0)
		conf_err(ctx, routes,
		         "%s has protocol \"%s\": 'routes' needs protocol \"http\"; remove it or "
		         "change the protocol",
		         ctx->where->named, l->proto == MP_L4_UDP ? "udp" : "tcp");
	if (cluster == NULL)
		conf_err(ctx, grp,
		         "%s has no 'cluster': set it to the name of the cluster that serves it, "
		         "e.g. cluster = \"web\";",
		         ctx->where->label);
}

/* ------------------------------------------------------------------------------------------ */

void
mp_conf_release(struct mp_conf *conf)
{
	struct mp_conf_http *h;

	if (conf == NULL || conf->http == NULL)
		return;
	h = conf->http;
	free(h->tables);
	free(h->vhosts);
	free(h->domains);
	free(h->routes);
	free(h->kv_matches);
	free(h->splits);
	free(h->header_ops);
	mp_arena_free(&h->strings);
	free(h);
	conf->http = NULL;
}
