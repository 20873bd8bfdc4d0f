/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building an L7 route table from the config (control path). Everything but the regex
 * databases comes from the table's arena and is freed with it; strings are copied, so the
 * table does not depend on the conf it came from.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "route_priv.h"

/* Domain hash: at most half full, so linear probing stays short. */
#define ROUTE_MIN_SLOTS 8

struct route_build {
	const struct mp_conf *conf;
	const struct mp_conf_http *h;
	const struct mp_conf_route_table *ct;
	struct mp_route_l7_table *t;
	FILE *err;
	unsigned int n_errors;
};

static void
build_err(struct route_build *b, int line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
build_err(struct route_build *b, int line, const char *fmt, ...)
{
	va_list ap;

	b->n_errors++;
	if (b->err == NULL)
		return;
	fprintf(b->err, "%s:%d: ", b->conf->path, line);
	va_start(ap, fmt);
	vfprintf(b->err, fmt, ap);
	va_end(ap);
	fputc('\n', b->err);
}

static struct mp_route_str
build_str(struct route_build *b, const char *s)
{
	struct mp_route_str r = {NULL, 0};

	if (s == NULL)
		return r;
	r.len = (uint32_t)strlen(s);
	r.p = mp_arena_strndup(&b->t->arena, s, r.len);
	if (r.p == NULL) {
		build_err(b, b->ct->line, "out of memory building route table \"%s\"", b->ct->name);
		r.len = 0;
	}
	return r;
}

static void *
build_alloc(struct route_build *b, size_t n, size_t size)
{
	void *p;

	if (n == 0)
		return NULL;
	p = mp_arena_alloc(&b->t->arena, n * size);
	if (p == NULL)
		build_err(b, b->ct->line, "out of memory building route table \"%s\"", b->ct->name);
	return p;
}

/* ------------------------------------------------------------------------------------------ */
/* domains                                                                                    */

static void
build_slot_add(struct mp_route_l7_table *t, const char *key, uint32_t len, uint16_t vhost)
{
	uint32_t hash = route_hash(key, len);
	uint32_t i = hash & t->mask;

	while (t->slots[i].vhost != ROUTE_SLOT_FREE)
		i = (i + 1) & t->mask;
	t->slots[i].key = key;
	t->slots[i].len = len;
	t->slots[i].hash = hash;
	t->slots[i].vhost = vhost;
}

static int
build_domains(struct route_build *b)
{
	const struct mp_conf_http *h = b->h;
	struct mp_route_l7_table *t = b->t;
	unsigned int n = 0, slots = ROUTE_MIN_SLOTS, v, i;

	for (v = 0; v < t->n_vhosts; v++)
		n += h->vhosts[b->ct->vhosts.first + v].domains.n;
	while (slots < 2 * n)
		slots *= 2;
	t->slots = build_alloc(b, slots, sizeof(t->slots[0]));
	if (t->slots == NULL)
		return -ENOMEM;
	t->mask = slots - 1;
	for (i = 0; i < slots; i++)
		t->slots[i].vhost = ROUTE_SLOT_FREE;
	for (v = 0; v < t->n_vhosts; v++) {
		const struct mp_conf_vhost *cv = &h->vhosts[b->ct->vhosts.first + v];

		for (i = cv->domains.first; i < cv->domains.first + cv->domains.n; i++) {
			const char *d = h->domains[i];
			struct mp_route_str key;

			if (strcmp(d, "*") == 0) {
				t->default_vhost = (int)v;
				continue;
			}
			/* "*.example.com" is found by its suffix ".example.com". */
			if (d[0] == '*') {
				d++;
				t->has_wildcards = true;
			}
			key = build_str(b, d);
			if (key.p == NULL)
				return -ENOMEM;
			build_slot_add(t, key.p, key.len, (uint16_t)v);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* regexes                                                                                    */

/*
 * Compile patterns p[0..n) (ids = route or matcher indexes) into *db. When the set fails,
 * compile each pattern alone to report every bad one at its line, not only the first.
 */
static int
build_regex(struct route_build *b, const struct mp_regex_pattern *p, const int *lines,
            unsigned int n, const char *what, struct mp_regex_db **db)
{
	const struct mp_regex_ops *ops = b->t->ops;
	char msg[MP_REGEX_ERR_LEN];
	unsigned int i;
	int bad, rc;

	rc = ops->compile(p, n, MP_REGEX_F_WHOLE, db, &bad, msg, sizeof(msg));
	if (rc == 0)
		return 0;
	if (rc == -ENOMEM || bad < 0) {
		build_err(b, n > 0 ? lines[0] : b->ct->line,
		          "cannot compile the %s of route table \"%s\": %s", what, b->ct->name,
		          rc == -ENOMEM ? "out of memory" : msg);
		return rc;
	}
	for (i = 0; i < n; i++) {
		struct mp_regex_db *one = NULL;

		if (n > 1 &&
		    ops->compile(&p[i], 1, MP_REGEX_F_WHOLE, &one, &bad, msg, sizeof(msg)) == 0) {
			ops->db_free(one);
			continue;
		}
		build_err(b, lines[i], "%s \"%s\" does not compile: %s; fix the pattern", what,
		          p[i].expr, msg);
	}
	return -EINVAL;
}

/* ------------------------------------------------------------------------------------------ */
/* routes                                                                                     */

static const struct route_kv *
build_kvs(struct route_build *b, struct mp_conf_range r, const char *what)
{
	struct route_kv *kv = build_alloc(b, r.n, sizeof(*kv));
	unsigned int i;

	if (kv == NULL)
		return NULL;
	for (i = 0; i < r.n; i++) {
		const struct mp_conf_kv_match *m = &b->h->kv_matches[r.first + i];
		struct mp_regex_pattern p = {.expr = m->value, .id = 0};

		kv[i].name = build_str(b, m->name);
		kv[i].kind = m->kind;
		if (m->kind == MP_CONF_VALUE_EXACT)
			kv[i].value = build_str(b, m->value);
		else if (m->kind == MP_CONF_VALUE_REGEX)
			build_regex(b, &p, &m->line, 1, what, &kv[i].db);
	}
	return kv;
}

static const struct mp_route_header_op *
build_header_ops(struct route_build *b, struct mp_conf_range r, uint16_t *n)
{
	struct mp_route_header_op *ops = build_alloc(b, r.n, sizeof(*ops));
	unsigned int i;

	*n = ops != NULL ? (uint16_t)r.n : 0;
	for (i = 0; ops != NULL && i < r.n; i++) {
		const struct mp_conf_header_op *o = &b->h->header_ops[r.first + i];

		ops[i].name = build_str(b, o->name);
		ops[i].value = build_str(b, o->value);
	}
	return ops;
}

static void
build_action(struct route_build *b, const struct mp_conf_http_route *cr, struct mp_route *r)
{
	uint16_t *clusters;
	uint32_t *cum, sum = 0;
	unsigned int i;

	r->action = (uint16_t)cr->action; /* the enums share their values */
	switch (cr->action) {
	case MP_CONF_ACTION_CLUSTERS:
		clusters = build_alloc(b, cr->clusters.n, sizeof(*clusters));
		cum = build_alloc(b, cr->clusters.n, sizeof(*cum));
		if (clusters == NULL || cum == NULL)
			return;
		for (i = 0; i < cr->clusters.n; i++) {
			const struct mp_conf_split *sp = &b->h->splits[cr->clusters.first + i];

			clusters[i] = (uint16_t)sp->cluster;
			sum += sp->weight;
			cum[i] = sum;
		}
		r->n_clusters = (uint16_t)cr->clusters.n;
		r->clusters = clusters;
		r->cum_weight = cum;
		break;
	case MP_CONF_ACTION_REDIRECT:
		r->redirect_code = (uint16_t)cr->redirect_code;
		r->redirect_scheme = build_str(b, cr->redirect_scheme);
		r->redirect_host = build_str(b, cr->redirect_host);
		r->redirect_path = build_str(b, cr->redirect_path);
		r->redirect_prefix = build_str(b, cr->redirect_prefix);
		break;
	case MP_CONF_ACTION_DIRECT:
		r->status = (uint16_t)cr->status;
		r->body = build_str(b, cr->body);
		break;
	}
}

_Static_assert((int)MP_ROUTE_CLUSTERS == (int)MP_CONF_ACTION_CLUSTERS &&
                       (int)MP_ROUTE_REDIRECT == (int)MP_CONF_ACTION_REDIRECT &&
                       (int)MP_ROUTE_DIRECT == (int)MP_CONF_ACTION_DIRECT,
               "route actions follow the config's");

static void
build_route(struct route_build *b, const struct mp_conf_http_route *cr, struct route_entry *e,
            uint16_t vhost)
{
	struct mp_route *r = &e->r;

	e->path_kind = cr->path_kind;
	e->path = build_str(b, cr->path);
	e->methods = cr->methods;
	e->n_headers = (uint16_t)cr->headers.n;
	e->headers = build_kvs(b, cr->headers, "header regex");
	e->n_query = (uint16_t)cr->query.n;
	e->query = build_kvs(b, cr->query, "query regex");

	r->id = b->t->n_routes++;
	r->vhost = vhost;
	r->line = cr->line;
	build_action(b, cr, r);
	/* What a prefix rewrite replaces: the prefix, or the whole path of an exact route. */
	r->matched_len = e->path_kind != MP_CONF_PATH_REGEX ? e->path.len : 0;
	if (cr->prefix_rewrite != NULL) {
		r->rewrite = true;
		r->prefix_rewrite = build_str(b, cr->prefix_rewrite);
	}
	r->req_add = build_header_ops(b, cr->req_add, &r->n_req_add);
	r->req_remove = build_header_ops(b, cr->req_remove, &r->n_req_remove);
	r->resp_add = build_header_ops(b, cr->resp_add, &r->n_resp_add);
	r->resp_remove = build_header_ops(b, cr->resp_remove, &r->n_resp_remove);
	r->timeouts = cr->timeouts;
	mp_lb_retry_params_from_conf(&r->retry, &cr->retry, NULL);
	r->hash_kind = cr->hash_kind;
	r->hash_name = build_str(b, cr->hash_name);
}

static int
build_vhost(struct route_build *b, unsigned int v)
{
	const struct mp_conf_vhost *cv = &b->h->vhosts[b->ct->vhosts.first + v];
	struct route_vhost *vh = &b->t->vhosts[v];
	struct mp_regex_pattern *pats;
	unsigned int i, n_pats = 0;
	uint64_t *plain;
	int *lines, rc = 0;

	vh->name = build_str(b, cv->name).p;
	vh->n_routes = cv->routes.n;
	vh->routes = build_alloc(b, cv->routes.n, sizeof(vh->routes[0]));
	pats = calloc(cv->routes.n + 1, sizeof(*pats));
	lines = calloc(cv->routes.n + 1, sizeof(*lines));
	if (vh->routes == NULL || pats == NULL || lines == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	vh->n_words = (cv->routes.n + 63) / 64;
	plain = build_alloc(b, vh->n_words, sizeof(*plain));
	if (plain == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	vh->plain = plain;
	for (i = 0; i < cv->routes.n; i++) {
		const struct mp_conf_http_route *cr = &b->h->routes[cv->routes.first + i];

		build_route(b, cr, &vh->routes[i], (uint16_t)v);
		if (cr->path_kind != MP_CONF_PATH_REGEX) {
			plain[i / 64] |= UINT64_C(1) << (i % 64);
			continue;
		}
		pats[n_pats].expr = cr->path;
		pats[n_pats].id = i;
		lines[n_pats++] = cr->path_line;
	}
	if (n_pats > 0)
		rc = build_regex(b, pats, lines, n_pats, "path regex", &vh->path_db);
	if (cv->routes.n > b->t->max_vhost_routes)
		b->t->max_vhost_routes = cv->routes.n;
out:
	free(pats);
	free(lines);
	return rc;
}

struct mp_route_l7_table *
mp_route_table_build(const struct mp_conf *conf, unsigned int index, const struct mp_regex_ops *ops,
                     FILE *err)
{
	struct route_build b = {.conf = conf, .h = conf->http, .err = err};
	struct mp_route_l7_table *t;
	unsigned int v;

	if (b.h == NULL || index >= b.h->n_tables || ops == NULL) {
		if (err != NULL)
			fprintf(err, "%s: no route table %u to build\n", conf->path, index);
		return NULL;
	}
	b.ct = &b.h->tables[index];
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	b.t = t;
	memcpy(t->name, b.ct->name, sizeof(t->name));
	t->ops = ops;
	t->default_vhost = -1;
	t->n_vhosts = b.ct->vhosts.n;
	t->vhosts = build_alloc(&b, t->n_vhosts, sizeof(t->vhosts[0]));
	if (t->vhosts == NULL || build_domains(&b) < 0)
		goto fail;
	for (v = 0; v < t->n_vhosts; v++)
		if (build_vhost(&b, v) == -ENOMEM)
			goto fail;
	if (b.n_errors == 0)
		return t;
fail:
	mp_route_table_free(t);
	return NULL;
}

void
mp_route_table_free(struct mp_route_l7_table *t)
{
	unsigned int v, i, j;

	if (t == NULL)
		return;
	for (v = 0; t->vhosts != NULL && v < t->n_vhosts; v++) {
		struct route_vhost *vh = &t->vhosts[v];

		t->ops->db_free(vh->path_db);
		for (i = 0; vh->routes != NULL && i < vh->n_routes; i++) {
			const struct route_entry *e = &vh->routes[i];

			for (j = 0; e->headers != NULL && j < e->n_headers; j++)
				t->ops->db_free(e->headers[j].db);
			for (j = 0; e->query != NULL && j < e->n_query; j++)
				t->ops->db_free(e->query[j].db);
		}
	}
	mp_arena_free(&t->arena);
	free(t);
}

const char *
mp_route_table_name(const struct mp_route_l7_table *t)
{
	return t->name;
}

unsigned int
mp_route_table_routes(const struct mp_route_l7_table *t)
{
	return t->n_routes;
}

/* ------------------------------------------------------------------------------------------ */
/* scratch                                                                                    */

struct mp_route_scratch *
mp_route_scratch_alloc(const struct mp_regex_ops *ops)
{
	struct mp_route_scratch *s = calloc(1, sizeof(*s));

	if (s != NULL)
		s->ops = ops;
	return s;
}

static int
scratch_fit_db(struct mp_route_scratch *s, const struct mp_regex_db *db)
{
	return db == NULL ? 0 : s->ops->scratch_fit(db, &s->rx);
}

int
mp_route_scratch_fit(struct mp_route_scratch *s, const struct mp_route_l7_table *t)
{
	unsigned int words = (t->max_vhost_routes + 63) / 64;
	unsigned int v, i, j;

	if (words > s->n_words) {
		uint64_t *bits = realloc(s->bits, words * sizeof(*bits));

		if (bits == NULL)
			return -ENOMEM;
		s->bits = bits;
		s->n_words = words;
	}
	for (v = 0; v < t->n_vhosts; v++) {
		const struct route_vhost *vh = &t->vhosts[v];

		if (scratch_fit_db(s, vh->path_db) < 0)
			return -ENOMEM;
		for (i = 0; i < vh->n_routes; i++) {
			const struct route_entry *e = &vh->routes[i];

			for (j = 0; j < e->n_headers; j++)
				if (scratch_fit_db(s, e->headers[j].db) < 0)
					return -ENOMEM;
			for (j = 0; j < e->n_query; j++)
				if (scratch_fit_db(s, e->query[j].db) < 0)
					return -ENOMEM;
		}
	}
	return 0;
}

void
mp_route_scratch_free(struct mp_route_scratch *s)
{
	if (s == NULL)
		return;
	if (s->ops != NULL)
		s->ops->scratch_free(s->rx);
	free(s->bits);
	free(s);
}
