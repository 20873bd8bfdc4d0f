/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * L7 route tables: a request's Host picks a virtual host, whose routes are tried in the order
 * they were declared; the first whose matchers all hold gives the action (forward to weighted
 * clusters, redirect, direct response) and the rewrites. No route: the proxy answers 404.
 *
 * mp_route_table_build() compiles one `route_tables` entry of the config on the control path
 * into an immutable table that workers read through the snapshot. Virtual hosts are found by
 * exact domain through a hash, then by wildcard suffix ("*.example.com") longest first through
 * the same hash, then the "*" default. Each virtual host holds one regex database of its path
 * regexes, scanned at most once per request and only when a regex route is reached: its result
 * is a bitmap over the routes, so N regex routes cost one scan, and declaration order still
 * decides. Header and query regexes are one small database each, run only when the rest of
 * their route matched.
 *
 * (lib/net's IP routes own `struct mp_route_table`; this module's table is
 * struct mp_route_l7_table.)
 */
#ifndef MP_ROUTE_H
#define MP_ROUTE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mp_conf.h"
#include "mp_lb.h"
#include "mp_regex.h"

/** A byte string that is not NUL-terminated: a view into a request. */
struct mp_route_str {
	const char *p;
	uint32_t len;
};

/** A header as the HTTP layer parsed it: name in any case, value without surrounding space. */
struct mp_route_header {
	struct mp_route_str name;
	struct mp_route_str value;
};

/**
 * What routing reads of a request: views into the HTTP layer's buffers, nothing copied.
 * path excludes the query; query excludes the '?' (len 0 when there is none).
 */
struct mp_route_req {
	struct mp_route_str method; /**< "GET" */
	struct mp_route_str scheme; /**< "http" or "https"; len 0 = "http" (redirects use it) */
	struct mp_route_str host;   /**< Host (or :authority), port and case as received */
	struct mp_route_str path;   /**< "/a/b" */
	struct mp_route_str query;  /**< "x=1&y=2" */
	const struct mp_route_header *headers;
	unsigned int n_headers;
};

enum mp_route_action {
	MP_ROUTE_CLUSTERS = 1, /**< forward to one of clusters[], picked by weight */
	MP_ROUTE_REDIRECT,     /**< answer redirect_code with a Location */
	MP_ROUTE_DIRECT,       /**< answer status with body */
};

/** A header to add (value set) or to remove (value.len 0, value.p NULL). */
struct mp_route_header_op {
	struct mp_route_str name; /**< lower case */
	struct mp_route_str value;
};

/** The outcome of a match: what to do with the request. Read-only, owned by the table. */
struct mp_route {
	uint32_t id;     /**< index among the table's routes in declaration order (stats) */
	uint16_t vhost;  /**< index of its virtual host in the table */
	uint16_t action; /**< enum mp_route_action */
	int line;        /**< its line in the config, for logs */

	/* MP_ROUTE_CLUSTERS */
	uint16_t n_clusters;
	const uint16_t *clusters;   /**< indexes into conf->clusters */
	const uint32_t *cum_weight; /**< running sum of the weights: cum_weight[n - 1] = total */

	/* MP_ROUTE_REDIRECT */
	uint16_t redirect_code;
	struct mp_route_str redirect_scheme; /**< len 0: the request's */
	struct mp_route_str redirect_host;   /**< len 0: the request's Host */
	struct mp_route_str redirect_path;   /**< len 0: the request's path (or prefix rewrite) */
	struct mp_route_str redirect_prefix; /**< len 0: none */

	/* MP_ROUTE_DIRECT */
	uint16_t status;
	struct mp_route_str body;

	/* rewrites of forwarded requests */
	struct mp_route_str prefix_rewrite; /**< len 0: none (see mp_route_rewrite_path()) */
	uint32_t matched_len; /**< for a prefix route the prefix length, for path the whole */
	bool rewrite;         /**< prefix_rewrite is set */
	uint16_t n_req_add, n_req_remove, n_resp_add, n_resp_remove;
	const struct mp_route_header_op *req_add;
	const struct mp_route_header_op *req_remove;
	const struct mp_route_header_op *resp_add;
	const struct mp_route_header_op *resp_remove;

	/* resilience of forwarded requests (the route's `timeouts`, `retry`, `hash`) */
	struct mp_conf_timeouts timeouts; /**< ms, 0 = off; connect_ms 0: the proxy's default */
	/**
	 * The route's retry policy with the default budget: the budget is the picked cluster's
	 * (`retry_budget`), so the proxy overwrites budget_percent and min_retry_concurrency
	 * from it (mp_lb_retry_params_from_conf()) before mp_lb_retry_decide().
	 */
	struct mp_lb_retry_params retry;
	uint32_t hash_kind;            /**< enum mp_conf_hash_kind: what hashing clusters hash */
	struct mp_route_str hash_name; /**< header (lower case) or cookie name; len 0 otherwise */
};

struct mp_route_l7_table;

/** A worker's state for mp_route_match(): regex scratch, a route bitmap, a Host buffer. */
struct mp_route_scratch;

/**
 * Compile conf->http->tables[index] (control path). Every regex is compiled through ops; a
 * pattern that does not compile is reported on err as "FILE:LINE: message" with the engine's
 * text, like mp_conf_load()'s errors (every bad pattern, not only the first).
 *
 * The table copies what it needs: conf may be released afterwards.
 *
 * @return the table, or NULL after printing why on err (may be NULL)
 */
struct mp_route_l7_table *
mp_route_table_build(const struct mp_conf *conf, unsigned int index, const struct mp_regex_ops *ops,
                     FILE *err);

/** Free a table (control path, after no worker can see it); NULL is fine. */
void
mp_route_table_free(struct mp_route_l7_table *t);

/** The table's name (`route_tables[i].name`). */
const char *
mp_route_table_name(const struct mp_route_l7_table *t);

/** Routes in the table, over all its virtual hosts. */
unsigned int
mp_route_table_routes(const struct mp_route_l7_table *t);

/**
 * A scratch for one worker, or NULL when out of memory (control path). Fit it to every table
 * it will match against with mp_route_scratch_fit() before the worker uses it.
 */
struct mp_route_scratch *
mp_route_scratch_alloc(const struct mp_regex_ops *ops);

/** Grow s so it serves table t (control path, while no worker uses s). Returns 0 or -ENOMEM. */
int
mp_route_scratch_fit(struct mp_route_scratch *s, const struct mp_route_l7_table *t);

/** Free a scratch (control path); NULL is fine. */
void
mp_route_scratch_free(struct mp_route_scratch *s);

/**
 * Route a request (data path: no allocation, no syscall, no lock). Host: port and one trailing
 * dot dropped, compared without case; a Host longer than 255 bytes can only reach "*".
 *
 * @param s  the calling worker's scratch, fitted to t
 * @return the first declared route of the request's virtual host that matches it, or NULL
 *         (no virtual host, or no route: answer 404)
 */
const struct mp_route *
mp_route_match(const struct mp_route_l7_table *t, const struct mp_route_req *req,
               struct mp_route_scratch *s);

/**
 * The cluster of a MP_ROUTE_CLUSTERS route for a uniformly distributed 32-bit value (a random
 * number, or a hash for stickiness): cluster i with probability weight[i] / total. Data path.
 */
static inline uint16_t
mp_route_pick_cluster(const struct mp_route *r, uint32_t rnd)
{
	/* Multiply-shift maps rnd onto [0, total) without a divide. */
	uint32_t x = (uint32_t)(((uint64_t)rnd * r->cum_weight[r->n_clusters - 1]) >> 32);
	uint16_t i = 0;

	while (x >= r->cum_weight[i])
		i++;
	return r->clusters[i];
}

/**
 * The path to forward: path with the matched prefix (or the whole path of an exact route)
 * replaced by the route's prefix_rewrite; path unchanged when the route has none. Data path.
 *
 * @return the length written to out, or -1 when it does not fit in cap bytes
 */
int
mp_route_rewrite_path(const struct mp_route *r, struct mp_route_str path, char *out, size_t cap);

/**
 * The Location of a MP_ROUTE_REDIRECT route: scheme://host/path?query, each part the route's
 * when it sets one, else the request's. Data path.
 *
 * @return the length written to out, or -1 when it does not fit in cap bytes
 */
int
mp_route_redirect_location(const struct mp_route *r, const struct mp_route_req *req, char *out,
                           size_t cap);

#endif /* MP_ROUTE_H */
