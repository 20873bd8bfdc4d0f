/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The HTTP/1.1 reverse proxy's connection manager: one per worker, on the worker's TCP stack
 * and timer wheel, shared nothing.
 *
 * A downstream connection (a client on an `http` listener) is parsed incrementally; each
 * request is routed (lib/route), then answered locally (no route, redirect, direct response,
 * errors) or forwarded to an endpoint of the route's cluster over a pooled upstream connection.
 * Bodies move as mbufs, not copies, with backpressure: bytes are released to the source's
 * receive window only once the other side's TCP accepted them. Responses are returned in
 * request order (pipelined requests wait, unparsed); 101 and CONNECT become byte tunnels.
 *
 * Every function is data-path safe except mp_proxy_create(), mp_proxy_free() and
 * mp_proxy_listen(). Callbacks run from mp_tcp_input() and the timer wheel, between
 * mp_proxy_begin() and the worker's quiescent state.
 */
#ifndef MP_PROXY_H
#define MP_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mp_base.h"
#include "mp_conf.h"
#include "mp_lb.h"

struct mp_net_ctx;
struct mp_route_l7_table;
struct mp_route_scratch;
struct mp_tcp_stack;
struct mp_timer_wheel;
struct rte_mempool;

/* ---------------------------------------------------------------------------------------- */
/* Names declared once                                                                       */

/** Counters kept per route and per cluster: symbol, name in stats. */
#define MP_PROXY_CNT_LIST(X)                                  \
	X(REQUESTS, "requests")                               \
	X(RESP_1XX, "responses_1xx")                          \
	X(RESP_2XX, "responses_2xx")                          \
	X(RESP_3XX, "responses_3xx")                          \
	X(RESP_4XX, "responses_4xx")                          \
	X(RESP_5XX, "responses_5xx")                          \
	X(LOCAL, "local_responses")                           \
	X(CX_OPENED, "upstream_connections_opened")           \
	X(CX_REUSED, "upstream_connections_reused")           \
	X(BYTES_IN, "bytes_in")   /* received from clients */ \
	X(BYTES_OUT, "bytes_out") /* sent to clients */

enum mp_proxy_cnt {
#define MP_PROXY_CNT_ENUM(sym, name) MP_PROXY_C_##sym,
	MP_PROXY_CNT_LIST(MP_PROXY_CNT_ENUM)
#undef MP_PROXY_CNT_ENUM
	        MP_PROXY_C_MAX,
};

/**
 * Responses the proxy makes itself, by reason: symbol, status (0: the route's or the
 * parser's), name in stats, the body's text.
 */
#define MP_PROXY_LOCAL_LIST(X)                                                          \
	X(NO_ROUTE, 404, "no_route", "no route")                                        \
	X(DIRECT, 0, "direct_response", "")                                             \
	X(REDIRECT, 0, "redirect", "")                                                  \
	X(BAD_REQUEST, 0, "bad_request", "")                                            \
	X(NO_HEALTHY, 503, "no_healthy_upstream", "no healthy upstream")                \
	X(OVERFLOW, 503, "upstream_overflow", "upstream connection limit reached")      \
	X(CONNECT_TIMEOUT, 504, "upstream_connect_timeout", "upstream connect timeout") \
	X(CONNECT_FAILED, 502, "upstream_connect_failed", "upstream connect failed")    \
	X(UPSTREAM_RESET, 502, "upstream_reset", "upstream reset before response")      \
	X(BAD_RESPONSE, 502, "bad_upstream_response", "malformed upstream response")    \
	X(HEAD_TOO_LARGE, 502, "forwarded_head_too_large", "forwarded head too large")  \
	X(CONNECT_ESTABLISHED, 200, "connect_established", "")                          \
	X(UPSTREAM_TIMEOUT, 504, "upstream_timeout", "upstream request timeout")        \
	X(REQUEST_TIMEOUT, 408, "request_timeout", "request timeout")                   \
	X(BREAKER, 503, "circuit_breaker_overflow", "upstream overflow")

enum mp_proxy_lreason {
#define MP_PROXY_LREASON_ENUM(sym, status, name, text) MP_PROXY_L_##sym,
	MP_PROXY_LOCAL_LIST(MP_PROXY_LREASON_ENUM)
#undef MP_PROXY_LREASON_ENUM
	        MP_PROXY_L_MAX,
};

/** Proxy-wide events and errors by reason: symbol, name in stats. */
#define MP_PROXY_ERR_LIST(X)                                 \
	X(DOWN_REFUSED, "downstream_refused")                \
	X(UP_REFUSED, "upstream_refused")                    \
	X(REQUEST_PARSE, "request_parse_errors")             \
	X(RESPONSE_PARSE, "response_parse_errors")           \
	X(DOWN_RESET, "downstream_resets")                   \
	X(DOWN_EARLY_CLOSE, "downstream_closed_mid_request") \
	X(UP_RESET, "upstream_resets")                       \
	X(UP_EARLY_CLOSE, "upstream_closed_mid_response")    \
	X(CONNECT_TIMEOUT, "upstream_connect_timeouts")      \
	X(CONNECT_FAILED, "upstream_connect_failures")       \
	X(STALE_RETRY, "stale_connection_retries")           \
	X(DOWN_IDLE_TIMEOUT, "downstream_idle_timeouts")     \
	X(UP_IDLE_TIMEOUT, "upstream_idle_timeouts")         \
	X(UP_CLOSED_IDLE, "upstream_closed_while_pooled")    \
	X(NO_MBUF, "mbuf_exhausted")                         \
	X(NO_SOURCE, "no_source_address")                    \
	X(TUNNELS, "tunnels")                                \
	X(RETRY_BODY, "retries_refused_with_body")           \
	X(DECHUNKED, "responses_dechunked")

enum mp_proxy_err {
#define MP_PROXY_ERR_ENUM(sym, name) MP_PROXY_E_##sym,
	MP_PROXY_ERR_LIST(MP_PROXY_ERR_ENUM)
#undef MP_PROXY_ERR_ENUM
	        MP_PROXY_E_MAX,
};

/** Name of a counter ("requests"), a local reason ("no_route"), an error. "?" when unknown. */
const char *
mp_proxy_cnt_name(enum mp_proxy_cnt c);
const char *
mp_proxy_local_name(enum mp_proxy_lreason l);
const char *
mp_proxy_err_name(enum mp_proxy_err e);

/** Routes counted per route table; routes beyond are counted in their cluster only. */
#define MP_PROXY_MAX_ROUTE_STATS 4096

struct mp_proxy_counters {
	uint64_t c[MP_PROXY_C_MAX];
};

/**
 * Timeouts of forwarded requests, by kind (a route's `timeouts`): symbol, name in stats. A
 * kind counts every request it ended, whether answered 504 (408 for a client too slow to send
 * its request) or, when the response had started, by closing the client's connection.
 */
#define MP_PROXY_TIMEOUT_LIST(X)    \
	X(CONNECT, "connect")       \
	X(FIRST_BYTE, "first_byte") \
	X(REQUEST, "request")       \
	X(IDLE, "idle")

enum mp_proxy_timeout {
#define MP_PROXY_TIMEOUT_ENUM(sym, name) MP_PROXY_TO_##sym,
	MP_PROXY_TIMEOUT_LIST(MP_PROXY_TIMEOUT_ENUM)
#undef MP_PROXY_TIMEOUT_ENUM
	        MP_PROXY_TO_MAX,
};

/** Name of a timeout kind ("first_byte"); "?" when unknown. */
const char *
mp_proxy_timeout_name(enum mp_proxy_timeout t);

/**
 * One worker's resilience state and counters of a cluster (proxy_resil.c): the circuit
 * breakers (limits, gauges, overflows), the retry verdicts, the timeouts by kind. Outlier
 * detection's state is the worker's in the L4 generation (struct mp_proxy_view.outlier).
 */
struct mp_proxy_resil {
	struct mp_lb_breaker brk;
	struct mp_lb_retry_stats retry;
	uint64_t timeouts[MP_PROXY_TO_MAX];
};

/** One worker's statistics: one writer (the worker), read by the control thread. */
struct mp_proxy_stats {
	uint64_t local[MP_PROXY_L_MAX];
	uint64_t err[MP_PROXY_E_MAX];
	uint64_t down_active; /**< gauge: downstream connections */
	uint64_t up_active;   /**< gauge: upstream connections, pooled ones included */
	uint64_t up_idle;     /**< gauge: upstream connections in the pools */
	struct mp_proxy_counters cluster[MP_MAX_CLUSTERS];
	struct mp_proxy_resil resil[MP_MAX_CLUSTERS]; /**< by cluster */
	unsigned int n_tables;
	unsigned int n_routes[MP_CONF_MAX_ROUTE_TABLES];
	struct mp_proxy_counters *route[MP_CONF_MAX_ROUTE_TABLES]; /**< [table][route id] */
};

/* ---------------------------------------------------------------------------------------- */
/* Control path                                                                              */

struct mp_proxy_params {
	/** limits (conf->proxy), listeners, route table sizes: read by mp_proxy_create() and
	 * mp_proxy_listen() only */
	const struct mp_conf *conf;
	struct mp_tcp_stack *tcp;     /**< the worker's stack */
	struct mp_net_ctx *net;       /**< the worker's network layer: pool, routes, clock */
	struct mp_timer_wheel *wheel; /**< the worker's wheel (1 ms ticks or finer) */
	uint64_t hz;                  /**< TSC ticks per second */
	uint64_t seed;                /**< random seed (cluster split, request ids) */
	uint16_t worker;
	int socket_id;
};

struct mp_proxy_worker;

/** Create a worker's proxy: connection pools sized by conf->proxy. NULL with rte_errno set. */
struct mp_proxy_worker *
mp_proxy_create(const struct mp_proxy_params *p);

/** Free it (after its TCP stack: connections are gone without callbacks). NULL is fine. */
void
mp_proxy_free(struct mp_proxy_worker *pw);

/** Serve conf->listeners[listener] (an `http` listener) on every port of it. 0 or -errno. */
int
mp_proxy_listen(struct mp_proxy_worker *pw, unsigned int listener);

/** The worker's statistics. */
const struct mp_proxy_stats *
mp_proxy_stats(const struct mp_proxy_worker *pw);

/** Bytes preallocated per downstream (client) and per upstream connection, besides the TCP
 * connection under each: `http.max_downstream_connections` and `_upstream_` of them per
 * worker. */
size_t
mp_proxy_down_size(void);
size_t
mp_proxy_up_size(void);

/* ---------------------------------------------------------------------------------------- */
/* Data path                                                                                 */

/** What the proxy reads from the published snapshot during one loop iteration. */
struct mp_proxy_view {
	const struct mp_conf *conf;
	struct mp_route_l7_table *const *tables; /**< conf->http->tables order */
	unsigned int n_tables;
	struct mp_route_scratch *scratch; /**< this worker's, fitted to every table */
	struct mp_lb_cluster *const *clusters;
	struct mp_lb_state *const *lb; /**< this worker's picking states, by cluster */
	/** this worker's outlier detection, by cluster (an entry NULL: none) */
	struct mp_lb_outlier *const *outlier;
	struct mp_lb_ring *const *rings; /**< ring_hash clusters' rings (others NULL) */
	unsigned int n_clusters;
	uint16_t generation; /**< of the configuration (access-log records name by it) */
};

/**
 * Start of a loop iteration: the snapshot the iteration uses (nothing of it is kept past the
 * iteration, except as checked against the next view), and the release of the connections
 * that closed during the previous one. Data path.
 */
void
mp_proxy_begin(struct mp_proxy_worker *pw, const struct mp_proxy_view *v);

#endif /* MP_PROXY_H */
