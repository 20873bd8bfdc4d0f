/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/conf internals of the HTTP part: helpers that conf_http.c (tables, virtual hosts,
 * listeners) and conf_http_route.c (a route: matchers, actions, rewrites) share.
 */
#ifndef CONF_HTTP_PRIV_H
#define CONF_HTTP_PRIV_H

#include <stdbool.h>

#include "conf_priv.h"

/* RFC 9110 5.6.2: tchar. */
#define CONF_TOKEN_CHARS \
	"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/** One element of a virtual host's `routes`. */
extern const struct conf_schema conf_http_route_schema;

/* Make room for `more` elements of `size` after *n in *arr. Returns 0, or -1 (reported). */
int
conf_grow(struct conf_ctx *ctx, const config_setting_t *s, void **arr, unsigned int *cap,
          unsigned int n, unsigned int more, size_t size);

/* Elements a list setting will hand to conf_walk_list(); 0 when it is not a list (reported). */
unsigned int
conf_list_len(const config_setting_t *s);

/*
 * Walk the list s of k->sub groups into the flat array *arr (*n used, *cap allocated, elements
 * of k->size bytes), after making room for it: the range taken goes to *r. At most max
 * elements; `per` finishes the limit's message ("at most 32 per route are supported").
 */
void
conf_walk_flat(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
               void **arr, unsigned int *n, unsigned int *cap, struct mp_conf_range *r,
               unsigned int max, const char *per);

/* A copy of v in the block's arena, lower-cased when asked; NULL (reported) out of memory. */
const char *
conf_http_strdup(struct conf_ctx *ctx, const config_setting_t *s, const char *v, bool lower);

/* The string value of key k at s, at most max bytes and not empty; NULL (reported) if not. */
const char *
conf_http_string(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 size_t max, char *what, size_t what_len);

/* A header field name (RFC 9110 5.1: a token). Returns v or NULL (reported). */
const char *
conf_header_name(struct conf_ctx *ctx, const config_setting_t *s, const char *what, const char *v);

/* A header field value (RFC 9110 5.5): visible characters, spaces and tabs, no CR, LF, NUL. */
bool
conf_header_value_ok(struct conf_ctx *ctx, const config_setting_t *s, const char *what,
                     const char *v);

/* Key k's value as a header value (possibly empty): its copy, or NULL (reported). */
const char *
conf_http_value(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s);

/* A path as a route matches or writes it: starts with '/', no '?', '#' or control bytes. */
bool
conf_path_ok(struct conf_ctx *ctx, const config_setting_t *s, const char *what, const char *v);

/* Which of `names` are members of grp: a bit each. */
unsigned int
conf_members(const config_setting_t *grp, const char *const *names, unsigned int n);

/*
 * Exactly one of `names` in grp: reports none ("<label> has none of <list>: add one, <hint>")
 * or several ("<label> sets both 'a' and 'b': keep one"). Returns the index of the one, or -1.
 */
int
conf_exactly_one(struct conf_ctx *ctx, const config_setting_t *grp, const char *const *names,
                 unsigned int n, const char *list, const char *hint);

#define CONF_GROW(ctx, s, h, field, more)                                                      \
	conf_grow((ctx), (s), (void **)&(h)->field, &(h)->cap_##field, (h)->n_##field, (more), \
	          sizeof((h)->field[0]))

#define CONF_WALK_FLAT(ctx, k, s, h, field, r, max, per)                                          \
	conf_walk_flat((ctx), (k), (s), (void **)&(h)->field, &(h)->n_##field, &(h)->cap_##field, \
	               (r), (max), (per))

#endif /* CONF_HTTP_PRIV_H */
