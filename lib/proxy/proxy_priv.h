/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/proxy internals: the downstream and upstream connection objects, the byte queues that
 * move mbufs between them, and the worker context.
 *
 * Ownership: a px_down or px_up lives from its TCP connection's accept/connect until its
 * `closed` callback; it is then parked on the worker's reap list and reused only at the next
 * mp_proxy_begin(), so no callback chain can touch freed memory. Links between a downstream
 * connection and its upstream are cut (both pointers) before either side is closed.
 */
#ifndef PROXY_PRIV_H
#define PROXY_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "mp_drop.h"
#include "mp_http.h"
#include "mp_proxy.h"
#include "mp_proxy_head.h"
#include "proxy_obs.h"
#include "mp_route.h"
#include "mp_tcp.h"
#include "mp_timer.h"

/* Segments this short are copied when a message boundary splits them, longer ones cloned. */
#define PX_SMALL_COPY 256
/* Room for a rewritten head beyond the received one (the proxy's own fields, route adds). */
#define PX_HEAD_EXTRA 8192
/* A client address as text. */
#define PX_ADDR_TEXT  48

/*
 * A FIFO of single-segment mbufs linked by m->next (nb_segs and pkt_len of each describe that
 * segment alone). m->hash.usr of a queued mbuf holds the bytes the source connection gets back
 * in its receive window once this mbuf is accepted by the destination's TCP.
 */
struct px_q {
	struct rte_mbuf *head, *tail;
	uint32_t bytes;
	uint64_t total; /* bytes ever pushed (a request's response size, proxy_obs.c) */
};

static inline bool
px_q_empty(const struct px_q *q)
{
	return q->head == NULL;
}

void
px_q_push(struct px_q *q, struct rte_mbuf *m, uint32_t release);
/* Append a received chain, one segment at a time, each with nothing to release. */
void
px_q_push_chain(struct px_q *q, struct rte_mbuf *m);
struct rte_mbuf *
px_q_pop(struct px_q *q);
void
px_q_free(struct px_q *q);
/* Copy len bytes from the front of q into dst (len <= q->bytes). */
void
px_q_copy(const struct px_q *q, uint32_t len, uint8_t *dst);
/* Drop n bytes from the front of q (n <= q->bytes). */
void
px_q_drop(struct px_q *q, uint32_t n);
/*
 * A single-segment mbuf holding bytes [off, off + len) of the single segment m (m is left as
 * it is): a copy when len <= small, else an indirect clone. NULL when the pool is empty.
 */
struct rte_mbuf *
px_seg_range(struct rte_mbuf *m, uint32_t off, uint32_t len, struct rte_mempool *pool,
             uint32_t small);
/* Append len bytes of buf as new mbufs; the last releases `release`. 0 or -ENOMEM. */
int
px_q_append_bytes(struct px_q *q, const uint8_t *buf, uint32_t len, uint32_t release,
                  struct rte_mempool *pool);
/*
 * Send q's mbufs on dst in order until TCP refuses one; each accepted mbuf's release goes to
 * src (when not NULL) with mp_tcp_recv_done(). Returns 0 when q is empty, -ENOBUFS when TCP is
 * full (`writable` follows), -ENOTCONN when dst cannot send. *sent adds the bytes sent.
 */
int
px_q_flush(struct px_q *q, struct mp_tcp_conn *dst, struct mp_tcp_conn *src, uint64_t *sent);

enum px_down_state {
	PX_D_HEAD,    /* waiting for a request head */
	PX_D_BODY,    /* forwarding (or discarding) the request body */
	PX_D_WAIT,    /* request complete, waiting for the response; pipelined bytes held */
	PX_D_TUNNEL,  /* raw bytes both ways */
	PX_D_CLOSING, /* closing once `out` is sent; input discarded */
};

enum px_up_state {
	PX_U_CONNECTING,
	PX_U_ACTIVE, /* carrying a request */
	PX_U_IDLE,   /* in its endpoint's pool */
	PX_U_DEAD,   /* closed or aborted; waiting for `closed` */
};

enum px_resp_state {
	PX_R_HEAD,
	PX_R_BODY,
	PX_R_TUNNEL,
};

struct px_up;
struct mp_proxy_worker;

struct px_down {
	struct mp_proxy_worker *pw;
	struct mp_tcp_conn *c; /* NULL once closed */
	struct px_up *up;      /* the upstream of the request in flight */
	struct px_q in;        /* received, not parsed yet */
	struct px_q out;       /* to send to the client */
	struct px_q retry;     /* the request head again, for a stale pooled connection */
	struct mp_timer timer; /* idle timeout between requests */
	uint32_t hscan;        /* bytes of `in` looked at for the end of a head */
	struct mp_http_parser req;
	const struct mp_route *route; /* of the request in flight (valid while gen matches) */
	uint32_t gen;                 /* the view generation route belongs to */
	uint16_t listener;
	int16_t table; /* conf->http table index; -1: none */
	uint16_t cluster;
	uint8_t state;  /* enum px_down_state */
	uint8_t method; /* enum mp_http_method of the request in flight */
	uint8_t minor;  /* its HTTP minor version */
	bool req_keep_alive;
	bool req_done;     /* the request (body included) went to the upstream */
	bool discard;      /* PX_D_BODY: drop the body (answered locally) */
	bool has_cluster;  /* cluster is the request's */
	bool resp_started; /* a response byte was queued for the client */
	bool close_after;  /* close once the current response is out */
	bool peer_closed;  /* the client sent FIN */
	bool shut_sent;    /* tunnel: FIN forwarded to the client */
	bool free;
	uint8_t addr_len;
	char addr[PX_ADDR_TEXT]; /* client address, for X-Forwarded-For */
	struct px_down *next;    /* free list, reap list */
	/* resilience of the request in flight (proxy_resil.c) */
	struct mp_timer rtimer; /* the route's timeouts: the earliest deadline */
	struct mp_timer btimer; /* a retry's back-off */
	uint64_t t_request;     /* TSC deadline of the whole request; 0: none */
	uint64_t t_first_byte;  /* TSC deadline of the response's first byte; 0: none */
	uint64_t t_last;        /* TSC of the last byte either way (idle timeout) */
	uint64_t hkey;          /* the request's hash key (ring_hash, maglev) */
	const char *overflow;   /* the next local response's x-meshpath-overflow */
	int32_t failed_ep;      /* the endpoint the last attempt failed on; -1: none */
	uint8_t brk;            /* breakers held: MP_LB_BRK_BIT()s */
	uint8_t retries;        /* retries made */
	bool retry_keep;        /* `retry` holds the whole request for retries */
	struct px_obs obs;      /* the request's timings and outcome */
};

struct px_up {
	struct mp_proxy_worker *pw;
	struct mp_tcp_conn *c;
	struct px_down *down;  /* NULL while pooled */
	struct px_q in;        /* received from the server, not parsed yet */
	struct px_q out;       /* to send to the server */
	struct mp_timer timer; /* connect timeout, then idle timeout while pooled */
	uint32_t hscan;        /* bytes of `in` looked at for the end of a head */
	struct mp_http_parser resp;
	uint32_t requests; /* requests sent on this connection */
	uint32_t pool_key; /* conf endpoint index */
	uint16_t cluster;
	uint16_t ep;
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;  /* network order */
	uint8_t state;  /* enum px_up_state */
	uint8_t rstate; /* enum px_resp_state */
	bool reused;    /* the request in flight came from the pool */
	bool got_bytes; /* a response byte arrived for it */
	bool keep;      /* the response allows reuse */
	bool dechunk;   /* chunked response to an HTTP/1.0 client: payload only */
	bool peer_closed;
	bool shut_sent; /* tunnel: FIN forwarded to the server */
	bool free;
	bool pending;  /* holds the cluster's max_pending_requests breaker (connecting) */
	bool brk_conn; /* holds the cluster's max_connections breaker */
	struct px_up *next, *prev; /* free list, pool stack, reap list */
};

/* The accept callback's argument: one per listener. */
struct px_listen {
	struct mp_proxy_worker *pw;
	uint16_t listener;
	int16_t table; /* its route table (a reload cannot change it) */
};

struct mp_proxy_worker {
	struct mp_proxy_stats st; /* first: written per request */
	struct mp_proxy_view v;
	uint32_t gen; /* bumped when the view's tables change */
	struct mp_tcp_stack *tcp;
	struct mp_net_ctx *net;
	struct rte_mempool *pool;
	struct mp_timer_wheel *wheel;
	const struct mp_conf *conf0; /* the start-up conf: control path only (it is freed) */
	struct mp_conf_proxy lim;
	struct mp_http_parser req_tmpl, resp_tmpl; /* initialised parsers, copied per message */
	struct mp_http_field *fields;              /* shared: heads are parsed within one call */
	uint64_t hz;
	uint64_t rng;
	uint16_t worker;
	struct px_down *downs;
	struct px_up *ups;
	struct px_down *down_free, *down_reap;
	struct px_up *up_free, *up_reap;
	struct px_up **pools;          /* by conf endpoint index: idle connections, LIFO */
	struct px_listen *listens;     /* by listener */
	struct mp_route_header *rhdrs; /* a request's fields as routing reads them */
	uint8_t *head_buf;             /* a split head, linearized */
	uint8_t *out_buf;              /* a rewritten head or a local response */
	uint8_t *loc_buf;              /* a rewritten target or a redirect's Location */
	uint32_t head_cap, out_cap;
	struct mp_timer tick;     /* every second: outlier detection's gauge (proxy_resil.c) */
	struct px_obs_worker obs; /* histograms, access log */
};

static inline uint64_t
px_rand(struct mp_proxy_worker *pw)
{
	/* xorshift64* */
	uint64_t x = pw->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	pw->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline uint64_t
px_ms(const struct mp_proxy_worker *pw, uint32_t ms)
{
	return pw->hz / 1000 * ms;
}

static inline struct mp_proxy_counters *
px_route_cnt(struct mp_proxy_worker *pw, const struct px_down *d)
{
	if (d->route == NULL || d->table < 0 || d->gen != pw->gen ||
	    d->route->id >= pw->st.n_routes[d->table])
		return NULL;
	return &pw->st.route[d->table][d->route->id];
}

/* Count n in counter k of the request's route and of its cluster once one was picked. */
void
px_count(struct mp_proxy_worker *pw, const struct px_down *d, enum mp_proxy_cnt k, uint64_t n);
/* Count a response by its status class. */
void
px_count_status(struct mp_proxy_worker *pw, const struct px_down *d, uint16_t status);

/* proxy_q.c: parsing over queues */
/*
 * Parse a head from the start of q with hp freshly set up: MP_HTTP_HEAD with *head at its
 * bytes (in q's first segment, or copied into the worker's buffer), MP_HTTP_AGAIN, or
 * MP_HTTP_ERROR. q is not changed.
 */
enum mp_http_event
px_parse_head(struct mp_proxy_worker *pw, struct mp_http_parser *hp, const struct px_q *q,
              const uint8_t **head);
/*
 * Feed the body bytes at the front of src to hp and move them to dst (NULL: drop them and
 * release them to src_c at once) up to the end of the message. dechunk: move only the payload
 * of a chunked body. Returns MP_HTTP_DONE (message complete, src holds what follows),
 * MP_HTTP_AGAIN (src is empty) or MP_HTTP_ERROR; *moved adds the bytes consumed.
 */
enum mp_http_event
px_move_body(struct mp_proxy_worker *pw, struct mp_http_parser *hp, struct px_q *src,
             struct px_q *dst, bool dechunk, struct mp_tcp_conn *src_c, uint64_t *moved);
/*
 * Whether a head in q may be complete: an empty line ends in the bytes after *scanned (which
 * it advances), or q holds more than cap bytes (the parser then reports the limit). Spares
 * parsing a head again from its start at every segment of one sent a byte at a time.
 */
bool
px_q_head_ready(const struct px_q *q, uint32_t *scanned, uint32_t cap);
/* Move everything src holds to dst, each mbuf releasing its own bytes (tunnels). */
void
px_q_move_all(struct px_q *src, struct px_q *dst);
/* Release to c what q's mbufs were to release when sent, and clear it. */
void
px_q_release(struct px_q *q, struct mp_tcp_conn *c);

/* proxy_down.c */
extern const struct mp_tcp_callbacks px_down_cb;
extern const struct mp_tcp_callbacks px_listen_cb;
/* Answer locally: reason, status (0: the reason's), text body (NULL: the reason's). */
void
px_down_local(struct px_down *d, enum mp_proxy_lreason why, uint16_t status, const char *body,
              uint32_t body_len, const char *location, uint32_t location_len, bool close);
/* The request is answered here: its head is consumed, its body (if any) will be dropped. */
void
px_down_consume_head(struct px_down *d);
/* The response in flight ended (upstream detached already); go on with the next request. */
void
px_down_response_done(struct px_down *d);
/* The upstream failed: answer 502/503 when nothing of the response went out, else close. */
void
px_down_upstream_failed(struct px_down *d, enum mp_proxy_lreason why);
/* Send what `out` holds; close when asked and everything went. */
void
px_down_flush(struct px_down *d);
/* Run the downstream state machine on what `in` holds. */
void
px_down_process(struct px_down *d);
/* Tunnel established (101 or CONNECT): both directions become raw bytes. */
void
px_down_tunnel(struct px_down *d);

/* proxy_resil.c: timeouts, retries, outlier reports, breakers, L7 picks */
/* Set the breakers' limits of conf's clusters (gauges and counters kept). Control path too. */
void
px_resil_conf(struct mp_proxy_worker *pw, const struct mp_conf *conf);
/* Keep the per-second tick armed (from mp_proxy_begin()). */
void
px_resil_tick(struct mp_proxy_worker *pw);
/* The request's cluster admits it (max_requests): false after answering 503. */
bool
px_resil_admit(struct px_down *d);
/* The endpoint for the request (its route's hash, the cluster's policy), avoiding `avoid`. */
int
px_resil_pick(struct px_down *d, int avoid);
/* The request is forwarded: arm its route's timeouts; keep it for retries when it may be. */
void
px_resil_forwarded(struct px_down *d);
/* The request's last byte went to the upstream: the first byte timeout starts. */
void
px_resil_sent(struct px_down *d);
/* The request ended (answered, failed, abandoned): breakers back, timers off. Idempotent. */
void
px_resil_end(struct px_down *d);
/* A byte moved for d's request, either way (idle timeout). */
void
px_resil_touch(struct px_down *d);
/*
 * A final response head on u: report it to outlier detection; a retriable 5xx is consumed
 * (u aborted) and retried, or answered 503 when the max_retries breaker refuses the retry.
 * True when it was (u is detached, nothing to relay).
 */
bool
px_resil_response(struct px_up *u);
/*
 * An attempt of d's request on endpoint ep of its cluster failed before a whole response head
 * (connect: the connection never came up). Reports it, and retries it when the route allows.
 * True when the caller answers nothing: a retry is scheduled, or the max_retries breaker
 * refused the retry due and the request was answered 503 (x-meshpath-overflow).
 */
bool
px_resil_failed(struct px_down *d, uint16_t ep, bool connect, bool report);
/* Upstream connection breakers: acquire for a new connection of cluster (false: overflow). */
bool
px_resil_conn_acquire(struct mp_proxy_worker *pw, struct px_down *d, uint16_t cluster);
/* The connection's breakers go back (pending once connected or gone, the connection once closed).
 */
void
px_resil_conn_release(struct px_up *u, bool connection);
/* Milliseconds of the request's connect timeout (its route's, else the proxy's). */
uint32_t
px_resil_connect_ms(const struct px_down *d);

/* proxy_up.c */
extern const struct mp_tcp_callbacks px_up_cb;
/*
 * An upstream connection to endpoint ep of cluster for d: a pooled one (LIFO) unless fresh,
 * or a new one. NULL after answering the client.
 */
struct px_up *
px_up_get(struct mp_proxy_worker *pw, struct px_down *d, uint16_t cluster, uint16_t ep, bool fresh);
/* Send the request bytes queued on u->out. */
void
px_up_flush(struct px_up *u);
/* Close gracefully (nothing in flight, a response delimited by the close, a tunnel's end). */
void
px_up_close(struct px_up *u);
/* Cut u from its downstream and abort it (the request is abandoned). */
void
px_up_abort(struct px_up *u);
/* Run the response state machine on what u->in holds. */
void
px_up_process(struct px_up *u);

#endif /* PROXY_PRIV_H */
