/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Matching a request against an L7 route table (data path: no allocation, no syscall, no
 * lock, no log). The table is read-only; the worker's scratch holds the regex engine's state,
 * the bitmap of path regex matches and the normalised Host.
 */
#include <string.h>

#include "route_priv.h"

/* ------------------------------------------------------------------------------------------ */
/* virtual host                                                                               */

static inline char
route_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

/*
 * Host as domains are written: without ":port" (and without the brackets' content check of
 * an IPv6 literal, which only "*" can serve), without one trailing dot, lower case, into
 * s->host. Returns its length, or -1 when it is too long to be a domain.
 */
static int
route_host_norm(const struct mp_route_str *host, char *out)
{
	uint32_t len = host->len, i;

	if (len > 0 && host->p[0] != '[') {
		for (i = len; i > 0; i--) {
			char c = host->p[i - 1];

			if (c == ':') {
				len = i - 1;
				break;
			}
			if (c < '0' || c > '9')
				break;
		}
	}
	if (len > 0 && host->p[len - 1] == '.')
		len--;
	if (len > ROUTE_HOST_MAX)
		return -1;
	for (i = 0; i < len; i++)
		out[i] = route_lower(host->p[i]);
	return (int)len;
}

static int
route_slot_find(const struct mp_route_l7_table *t, const char *key, uint32_t len)
{
	uint32_t hash = route_hash(key, len);
	uint32_t i = hash & t->mask;

	for (;;) {
		const struct route_slot *sl = &t->slots[i];

		if (sl->vhost == ROUTE_SLOT_FREE)
			return -1;
		if (sl->hash == hash && sl->len == len && memcmp(sl->key, key, len) == 0)
			return sl->vhost;
		i = (i + 1) & t->mask;
	}
}

static const struct route_vhost *
route_vhost_find(const struct mp_route_l7_table *t, const struct mp_route_str *host,
                 struct mp_route_scratch *s)
{
	int len = route_host_norm(host, s->host);
	int v, i;

	if (len > 0) {
		v = route_slot_find(t, s->host, (uint32_t)len);
		if (v >= 0)
			return &t->vhosts[v];
		/* The longest wildcard suffix first: cut at each dot from the left. */
		for (i = 1; t->has_wildcards && i < len; i++) {
			if (s->host[i] != '.')
				continue;
			v = route_slot_find(t, s->host + i, (uint32_t)(len - i));
			if (v >= 0)
				return &t->vhosts[v];
		}
	}
	return t->default_vhost >= 0 ? &t->vhosts[t->default_vhost] : NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* matchers                                                                                   */

/* The bit of a method in mp_conf_http_route.methods; 0 for one that no route lists. */
static uint32_t
route_method_bit(const struct mp_route_str *m)
{
	unsigned int i;

	for (i = 0; i < MP_CONF_N_METHODS; i++) {
		const char *name = mp_conf_method_names[i];

		if (strlen(name) == m->len && memcmp(name, m->p, m->len) == 0)
			return 1u << i;
	}
	return 0;
}

static int
route_set_bit(unsigned int id, void *arg)
{
	uint64_t *bits = arg;

	bits[id / 64] |= UINT64_C(1) << (id % 64);
	return 0;
}

static int
route_found(unsigned int id, void *arg)
{
	(void)id;
	*(bool *)arg = true;
	return 1;
}

static bool
route_value_match(const struct route_kv *m, const char *p, uint32_t len, struct mp_route_scratch *s)
{
	bool found = false;

	switch (m->kind) {
	case MP_CONF_VALUE_PRESENT:
		return true;
	case MP_CONF_VALUE_EXACT:
		return m->value.len == len && memcmp(m->value.p, p, len) == 0;
	case MP_CONF_VALUE_REGEX:
		return s->ops->scan(m->db, p, len, s->rx, route_found, &found) >= 0 && found;
	default:
		return false;
	}
}

/* Header names compare without case; the matcher's name is lower case already. */
static bool
route_name_eq(const struct mp_route_str *lower, const struct mp_route_str *n)
{
	uint32_t i;

	if (lower->len != n->len)
		return false;
	for (i = 0; i < n->len; i++)
		if (route_lower(n->p[i]) != lower->p[i])
			return false;
	return true;
}

/* Any header of that name whose value matches (a repeated header is tried one by one). */
static bool
route_header_match(const struct route_kv *m, const struct mp_route_req *req,
                   struct mp_route_scratch *s)
{
	unsigned int i;

	for (i = 0; i < req->n_headers; i++) {
		const struct mp_route_header *h = &req->headers[i];

		if (route_name_eq(&m->name, &h->name) &&
		    route_value_match(m, h->value.p, h->value.len, s))
			return true;
	}
	return false;
}

/* Any parameter of that name (raw, not percent-decoded) whose raw value matches. */
static bool
route_query_match(const struct route_kv *m, const struct mp_route_str *q,
                  struct mp_route_scratch *s)
{
	const char *p = q->p, *end = q->p + q->len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp != NULL ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		const char *name_end = eq != NULL ? eq : stop;
		const char *v = eq != NULL ? eq + 1 : stop;

		if ((uint32_t)(name_end - p) == m->name.len &&
		    memcmp(p, m->name.p, m->name.len) == 0 &&
		    route_value_match(m, v, (uint32_t)(stop - v), s))
			return true;
		p = stop + 1;
	}
	return false;
}

/* Everything of route e but its path. */
static bool
route_rest_match(const struct route_entry *e, const struct mp_route_req *req,
                 struct mp_route_scratch *s)
{
	unsigned int i;

	for (i = 0; i < e->n_headers; i++)
		if (!route_header_match(&e->headers[i], req, s))
			return false;
	for (i = 0; i < e->n_query; i++)
		if (!route_query_match(&e->query[i], &req->query, s))
			return false;
	return true;
}

/* The routes of word w of vh's bitmaps: all 64 but in the last, partial word. */
static inline uint64_t
route_word_mask(const struct route_vhost *vh, unsigned int w)
{
	unsigned int rest = vh->n_routes - w * 64;

	return rest >= 64 ? UINT64_MAX : (UINT64_C(1) << rest) - 1;
}

/* One scan of the path answers every regex route of the virtual host: s->bits. */
static int
route_scan_path(const struct route_vhost *vh, const struct mp_route_str *path,
                struct mp_route_scratch *s)
{
	memset(s->bits, 0, vh->n_words * sizeof(s->bits[0]));
	return s->ops->scan(vh->path_db, path->p, path->len, s->rx, route_set_bit, s->bits);
}

const struct mp_route *
mp_route_match(const struct mp_route_l7_table *t, const struct mp_route_req *req,
               struct mp_route_scratch *s)
{
	const struct route_vhost *vh = route_vhost_find(t, &req->host, s);
	const struct mp_route_str *path = &req->path;
	bool scanned = false;
	uint32_t method;
	unsigned int w;

	if (vh == NULL)
		return NULL;
	method = route_method_bit(&req->method);
	/*
	 * Routes in declaration order, a word of 64 at a time. Until the path regexes have run,
	 * every route is a candidate; after their one scan, only the plain routes and the regex
	 * routes whose bit the scan set: the others are skipped without being looked at.
	 */
	for (w = 0; w < vh->n_words; w++) {
		uint64_t cand = scanned ? vh->plain[w] | s->bits[w] : route_word_mask(vh, w);

		while (cand != 0) {
			unsigned int i = w * 64 + (unsigned int)__builtin_ctzll(cand);
			const struct route_entry *e = &vh->routes[i];

			cand &= cand - 1;
			if (e->methods != 0 && !(e->methods & method))
				continue;
			switch (e->path_kind) {
			case MP_CONF_PATH_EXACT:
				if (path->len != e->path.len ||
				    memcmp(path->p, e->path.p, e->path.len) != 0)
					continue;
				break;
			case MP_CONF_PATH_PREFIX:
				if (path->len < e->path.len ||
				    memcmp(path->p, e->path.p, e->path.len) != 0)
					continue;
				break;
			case MP_CONF_PATH_REGEX:
				if (!scanned) {
					if (route_scan_path(vh, path, s) < 0)
						return NULL;
					scanned = true;
					cand &= vh->plain[w] | s->bits[w];
				}
				if (!(s->bits[w] & (UINT64_C(1) << (i % 64))))
					continue;
				break;
			default:
				continue;
			}
			if (route_rest_match(e, req, s))
				return &e->r;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* rewrites                                                                                   */

/* Append len bytes of p at *at in out[cap]; false when they do not fit. */
static bool
route_put(char *out, size_t cap, size_t *at, const char *p, size_t len)
{
	if (len > cap - *at)
		return false;
	memcpy(out + *at, p, len);
	*at += len;
	return true;
}

int
mp_route_rewrite_path(const struct mp_route *r, struct mp_route_str path, char *out, size_t cap)
{
	size_t at = 0;
	uint32_t cut = r->rewrite ? r->matched_len : 0;

	if (cut > path.len)
		cut = path.len;
	if (r->rewrite && !route_put(out, cap, &at, r->prefix_rewrite.p, r->prefix_rewrite.len))
		return -1;
	if (!route_put(out, cap, &at, path.p + cut, path.len - cut))
		return -1;
	return (int)at;
}

int
mp_route_redirect_location(const struct mp_route *r, const struct mp_route_req *req, char *out,
                           size_t cap)
{
	struct mp_route_str scheme = r->redirect_scheme.len != 0 ? r->redirect_scheme
	                             : req->scheme.len != 0      ? req->scheme
	                                                         : (struct mp_route_str){"http", 4};
	struct mp_route_str host = r->redirect_host.len != 0 ? r->redirect_host : req->host;
	size_t at = 0;

	if (!route_put(out, cap, &at, scheme.p, scheme.len) ||
	    !route_put(out, cap, &at, "://", 3) || !route_put(out, cap, &at, host.p, host.len))
		return -1;
	if (r->redirect_path.len != 0) {
		if (!route_put(out, cap, &at, r->redirect_path.p, r->redirect_path.len))
			return -1;
	} else if (r->redirect_prefix.len != 0) {
		/* A redirect's prefix_rewrite needs a prefix route: its prefix is matched_len. */
		uint32_t cut = r->matched_len < req->path.len ? r->matched_len : req->path.len;

		if (!route_put(out, cap, &at, r->redirect_prefix.p, r->redirect_prefix.len) ||
		    !route_put(out, cap, &at, req->path.p + cut, req->path.len - cut))
			return -1;
	} else if (!route_put(out, cap, &at, req->path.p, req->path.len)) {
		return -1;
	}
	if (req->query.len != 0 && (!route_put(out, cap, &at, "?", 1) ||
	                            !route_put(out, cap, &at, req->query.p, req->query.len)))
		return -1;
	return (int)at;
}
