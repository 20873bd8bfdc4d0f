/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * meshpath userspace TCP (RFC 9293), one stack per worker.
 *
 * A stack owns its connections, listeners and timers and is touched only by its worker: no
 * locks, no atomics, no allocation after mp_tcp_create() except mbufs from the stack's pool.
 * Segments come in through mp_tcp_input() in bursts and go out through the output function
 * (mp_net_output() in the product, a capture in the unit tests).
 *
 * The layer above (the HTTP proxy, the echo and discard services) sees a connection through
 * callbacks and a few calls. Data is handed over without copying: the data callback gives the
 * receiver an mbuf chain holding payload only, which it then owns; mp_tcp_send() takes an mbuf
 * chain and keeps its segments in the send queue until they are acknowledged, transmitting
 * indirect mbufs that reference them. The receive window is what the receiver has not released
 * with mp_tcp_recv_done(): a slow consumer closes the peer's window instead of growing a queue.
 *
 * Callbacks run on the worker, from mp_tcp_input() or from a timer. Inside a callback the
 * receiver may call any function of this file on any connection of the stack. `closed` is
 * always the last callback of a connection; the connection must not be used after it returns.
 *
 * Every function is data-path safe except mp_tcp_create(), mp_tcp_free() and mp_tcp_listen().
 */
#ifndef MP_TCP_H
#define MP_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "mp_timer.h"
#include "tcp_cc.h"
#include "tcp_cookie.h"

struct mp_counters;
struct mp_net_iface;
struct mp_tcp_stack;
struct mp_tcp_conn;
struct mp_tcp_listener;

/** Connection states, RFC 9293 section 3.3.2. */
#define MP_TCP_STATE_LIST(X)            \
	X(CLOSED, "closed")             \
	X(LISTEN, "listen")             \
	X(SYN_SENT, "syn_sent")         \
	X(SYN_RECEIVED, "syn_received") \
	X(ESTABLISHED, "established")   \
	X(FIN_WAIT_1, "fin_wait_1")     \
	X(FIN_WAIT_2, "fin_wait_2")     \
	X(CLOSE_WAIT, "close_wait")     \
	X(CLOSING, "closing")           \
	X(LAST_ACK, "last_ack")         \
	X(TIME_WAIT, "time_wait")

enum mp_tcp_state {
#define MP_TCP_STATE_ENUM(sym, name) MP_TCP_##sym,
	MP_TCP_STATE_LIST(MP_TCP_STATE_ENUM)
#undef MP_TCP_STATE_ENUM
	        MP_TCP_STATE_MAX,
};

/** Name of a state, e.g. "established". */
const char *
mp_tcp_state_name(enum mp_tcp_state s);

/**
 * What the layer above is told. Any pointer may be NULL. arg is the connection's argument:
 * the listener's at first, replaced with mp_tcp_conn_set_arg().
 */
struct mp_tcp_callbacks {
	/** A passive connection reached ESTABLISHED. */
	void (*accepted)(struct mp_tcp_conn *c, void *arg);
	/** An active connection (mp_tcp_connect()) reached ESTABLISHED. */
	void (*connected)(struct mp_tcp_conn *c, void *arg);
	/**
	 * In-order payload: m is an mbuf chain (pkt_len bytes, payload only) that the receiver
	 * now owns. Release the bytes with mp_tcp_recv_done() when consumed.
	 */
	void (*data)(struct mp_tcp_conn *c, struct rte_mbuf *m, void *arg);
	/** Send space was freed after mp_tcp_send() had refused a chain for lack of it. */
	void (*writable)(struct mp_tcp_conn *c, uint32_t space, void *arg);
	/** The peer sent FIN: no more data will come. Sending still works (half-close). */
	void (*peer_closed)(struct mp_tcp_conn *c, void *arg);
	/** The connection was reset by the peer or timed out; `closed` follows. */
	void (*reset)(struct mp_tcp_conn *c, void *arg);
	/** The connection is gone from the application's view (it may linger in TIME_WAIT). */
	void (*closed)(struct mp_tcp_conn *c, void *arg);
};

/**
 * Sends an IP packet (data at the L3 header, headroom left for L2) towards dst; consumes m.
 * In the product this is mp_net_output() on the worker's network context.
 */
typedef void (*mp_tcp_output_fn)(void *ctx, struct rte_mbuf *m, int family, const uint8_t *dst,
                                 uint16_t port);

/** Stack parameters; mp_tcp_params_default() fills every field with its documented default. */
struct mp_tcp_params {
	const char *name;   /**< unique name for the DPDK objects (hash, memzones) */
	int socket_id;      /**< NUMA socket, or SOCKET_ID_ANY */
	uint16_t worker;    /**< this worker's index */
	uint16_t n_workers; /**< active connects pick lport % n_workers == worker */
	/**
	 * The ports as the worker sees them, n_ports of them, indexed like mp_tcp_connect()'s
	 * port. An active open through a port whose RSS meshpath can predict (ifaces[port].rss)
	 * picks a local port whose replies the device delivers to `queue` and that also keeps
	 * the % rule, so software steering agrees; otherwise, or when no such port is found, the
	 * % rule alone. NULL: the % rule alone (the default).
	 */
	const struct mp_net_iface *ifaces;
	uint16_t n_ports;
	uint16_t queue;               /**< this worker's RX queue on every port (worker) */
	uint64_t hz;                  /**< timer clock in ticks per second (rte_get_tsc_hz()) */
	struct rte_mempool *pool;     /**< headers and indirect mbufs are taken from it */
	struct mp_timer_wheel *wheel; /**< the worker's wheel */
	mp_tcp_output_fn output;      /**< where segments go */
	void *output_ctx;             /**< first argument of output */
	uint32_t max_conns;           /**< connections per worker, TIME_WAIT included (65536) */
	uint32_t max_time_wait; /**< TIME_WAIT connections kept; the oldest is recycled (16384) */
	uint32_t syn_backlog;   /**< half-open connections per listener before SYN cookies (1024) */
	uint32_t sndbuf;        /**< send-queue bytes per connection (262144) */
	uint32_t rcvbuf;     /**< receive window: bytes not yet released per connection (262144) */
	uint64_t worker_buf; /**< bytes queued (send + out of order) in the whole stack (256 MiB) */
	uint32_t ooo_max;    /**< out-of-order bytes per connection (rcvbuf) */
	uint16_t mss;        /**< MSS we announce and the largest we send (1460) */
	uint16_t iw_segments;       /**< initial window in segments, 0: RFC 5681 rule (10) */
	uint8_t cc_algo;            /**< enum mp_tcp_cc_algo (CUBIC) */
	bool delayed_ack;           /**< delay ACKs (true) */
	bool sack;                  /**< offer and use SACK (true) */
	bool tlp;                   /**< tail loss probes, RFC 8985 7 (true; needs SACK) */
	bool rack;                  /**< RACK's reordering window, RFC 8985 6.2 (true; SACK) */
	bool timestamps;            /**< offer and use timestamps (true) */
	bool window_scaling;        /**< offer window scaling (true) */
	bool nagle;                 /**< Nagle's algorithm (false) */
	bool keepalive;             /**< keepalive probes on idle connections (false) */
	bool syn_cookies;           /**< answer SYNs with cookies when the backlog is full (true) */
	uint32_t delack_ms;         /**< delayed-ACK timeout (40) */
	uint32_t rto_init_ms;       /**< RTO before the first RTT sample (1000, RFC 6298 2.1) */
	uint32_t rto_min_ms;        /**< RTO lower bound (200) */
	uint32_t rto_max_ms;        /**< RTO upper bound (60000) */
	uint32_t max_retries;       /**< retransmissions of data before reset (15) */
	uint32_t syn_retries;       /**< retransmissions of a SYN or SYN-ACK (5) */
	uint32_t time_wait_ms;      /**< TIME_WAIT duration, 2*MSL (60000) */
	uint32_t fin_wait2_ms;      /**< FIN_WAIT_2 limit after the application closed (60000) */
	uint32_t keepalive_idle_s;  /**< idle time before the first probe (7200) */
	uint32_t keepalive_intvl_s; /**< time between probes (75) */
	uint32_t keepalive_probes;  /**< unanswered probes before reset (9) */
	uint32_t challenge_ack_limit; /**< challenge ACKs per second, RFC 5961 7 (1000) */
	uint32_t persist_max_ms;      /**< largest zero-window probe interval (60000) */
	/** Copy payload behind the headers, for ports that cannot send mbuf chains (false: a
	 * header mbuf chained to indirect mbufs, no copy). */
	bool linearize;
	/** Local ports for active opens are searched from the range's first port instead of a
	 * random one (false: RFC 6056's random start; true for tests that walk the range). */
	bool ports_from_first;
	/** The worker's counters: TCP drops are counted there too, beside the stack's own
	 * statistics (NULL: only in the stack). */
	struct mp_counters *cnt;
};

/** Stack statistics: one writer (the worker). Names in mp_tcp_stat_name(). */
#define MP_TCP_STAT_LIST(X)                         \
	X(ACTIVE_OPENS, "active_opens")             \
	X(PASSIVE_OPENS, "passive_opens")           \
	X(ACCEPTED, "accepted")                     \
	X(CONNECTED, "connected")                   \
	X(CLOSED, "closed")                         \
	X(RESETS_IN, "resets_received")             \
	X(RESETS_OUT, "resets_sent")                \
	X(SEGS_IN, "segments_received")             \
	X(SEGS_OUT, "segments_sent")                \
	X(BYTES_IN, "bytes_received")               \
	X(BYTES_OUT, "bytes_sent")                  \
	X(RETRANS_SEGS, "retransmitted_segments")   \
	X(RETRANS_BYTES, "retransmitted_bytes")     \
	X(RTO_EXPIRED, "rto_expiries")              \
	X(TLP_PROBES, "tail_loss_probes")           \
	X(TLP_RECOVERIES, "tail_loss_repairs")      \
	X(FAST_RETRANS, "fast_retransmits")         \
	X(SACK_RECOVERY, "sack_recoveries")         \
	X(LOST_RETRANS, "lost_retransmits")         \
	X(REO_LOSSES, "reordering_window_losses")   \
	X(PERSIST_PROBES, "zero_window_probes")     \
	X(KEEPALIVE_PROBES, "keepalive_probes")     \
	X(DELAYED_ACKS, "delayed_acks")             \
	X(COOKIES_SENT, "syn_cookies_sent")         \
	X(COOKIES_ACCEPTED, "syn_cookies_accepted") \
	X(COOKIES_FAILED, "syn_cookies_failed")     \
	X(OOO_SEGS, "out_of_order_segments")        \
	X(OOO_BYTES, "out_of_order_bytes")          \
	X(CHALLENGE_ACKS, "challenge_acks")         \
	X(TIME_WAIT_RECYCLED, "time_wait_recycled") \
	X(TIMEOUTS, "connection_timeouts")          \
	X(SEND_REFUSED, "sends_refused")            \
	X(RSS_PORTS, "local_ports_chosen_by_rss")   \
	X(RSS_MISSES, "local_ports_rss_not_found")

enum mp_tcp_stat {
#define MP_TCP_STAT_ENUM(sym, name) MP_TCP_ST_##sym,
	MP_TCP_STAT_LIST(MP_TCP_STAT_ENUM)
#undef MP_TCP_STAT_ENUM
	        MP_TCP_ST_MAX,
};

struct mp_tcp_stats {
	uint64_t st[MP_TCP_ST_MAX];
	uint64_t drops[MP_DROP_MAX];         /**< the TCP_* reasons of mp_drop.h */
	uint64_t by_state[MP_TCP_STATE_MAX]; /**< connections now in each state (gauge) */
};

/** Name of a statistic, e.g. "rto_expiries". */
const char *
mp_tcp_stat_name(enum mp_tcp_stat s);

/** Fill p with the defaults listed in struct mp_tcp_params. */
void
mp_tcp_params_default(struct mp_tcp_params *p);

/** Create a stack. Control path. NULL with rte_errno set on failure. */
struct mp_tcp_stack *
mp_tcp_create(const struct mp_tcp_params *p);

/**
 * Free a stack: every connection is dropped without sending anything and without callbacks,
 * its buffers freed. Control path.
 */
void
mp_tcp_free(struct mp_tcp_stack *s);

/**
 * Listen on (family, addr, port); addr NULL (or all zero) means every address. addr is 4 or
 * 16 bytes in network order, port in host order. Control path.
 * @return the listener, or NULL with rte_errno set (EEXIST, ENOSPC)
 */
struct mp_tcp_listener *
mp_tcp_listen(struct mp_tcp_stack *s, int family, const void *addr, uint16_t port,
              const struct mp_tcp_callbacks *cb, void *arg);

/** The time every following call works at (TSC, or the test clock). Call once per loop. */
void
mp_tcp_set_now(struct mp_tcp_stack *s, uint64_t now);

/**
 * Process a burst of received segments. Each mbuf holds a frame that mp_net_input() parsed
 * (mp_pkt_info_of(m), checksums verified) with IP protocol TCP and a local destination.
 * Consumes every mbuf: its payload goes to a receiver or a queue, the rest is freed. Data path.
 */
void
mp_tcp_input(struct mp_tcp_stack *s, struct rte_mbuf **pkts, uint16_t n);

/**
 * Open a connection to (family, raddr, rport) from laddr, choosing a free local port whose
 * replies land on this worker: by the device's RSS hash when the egress port's is known (see
 * mp_tcp_params.ifaces; statistics local_ports_chosen_by_rss and local_ports_rss_not_found),
 * and always with lport % n_workers == worker. Sends the SYN. Data path.
 * @param port  egress port (its RSS; the hint for IPv6 link-local destinations)
 * @return the connection (SYN_SENT), or NULL with rte_errno set (ENOSPC: connection limit or
 *         no free local port)
 */
struct mp_tcp_conn *
mp_tcp_connect(struct mp_tcp_stack *s, int family, const void *laddr, const void *raddr,
               uint16_t rport, uint16_t port, const struct mp_tcp_callbacks *cb, void *arg);

/** Replace the argument passed to the connection's callbacks. */
void
mp_tcp_conn_set_arg(struct mp_tcp_conn *c, void *arg);

/** Replace the callbacks (e.g. at accept time). */
void
mp_tcp_conn_set_callbacks(struct mp_tcp_conn *c, const struct mp_tcp_callbacks *cb);

/**
 * Queue an mbuf chain for sending. The stack owns m on success and frees its segments when
 * they are acknowledged. Data path.
 * @return 0; -ENOBUFS when the send space (per connection or per worker) is short: m stays the
 *         caller's and `writable` fires once space is freed; -ENOTCONN when the connection
 *         cannot send (not yet established, or after shutdown/close)
 */
int
mp_tcp_send(struct mp_tcp_conn *c, struct rte_mbuf *m);

/** Bytes mp_tcp_send() would accept now. */
uint32_t
mp_tcp_send_space(const struct mp_tcp_conn *c);

/** Release n bytes delivered by the data callback: they reopen the receive window. */
void
mp_tcp_recv_done(struct mp_tcp_conn *c, uint32_t n);

/** Close the write side: FIN after the queued data. Receiving continues. Data path. */
void
mp_tcp_shutdown(struct mp_tcp_conn *c);

/**
 * Close: shutdown, and no more data callbacks (data that still arrives is discarded; RFC 9293
 * would answer it with a RST, which we do when data arrives after close). `closed` fires when
 * the connection leaves the application's view. Data path.
 */
void
mp_tcp_close(struct mp_tcp_conn *c);

/** Reset: send RST, drop the queues; `closed` fires (no `reset`). Data path. */
void
mp_tcp_abort(struct mp_tcp_conn *c);

/**
 * Built-in services: echo (RFC 862) sends back what it receives, without copying; discard
 * (RFC 863) drops it. Both close when the peer has closed and everything is sent. Listen with
 * a NULL argument.
 */
extern const struct mp_tcp_callbacks mp_tcp_echo_callbacks;
extern const struct mp_tcp_callbacks mp_tcp_discard_callbacks;

/** State of a connection. */
enum mp_tcp_state
mp_tcp_conn_state(const struct mp_tcp_conn *c);

/** The connection's 4-tuple. */
const struct mp_tcp_tuple *
mp_tcp_conn_tuple(const struct mp_tcp_conn *c);

/** The stack's statistics (one writer; readers may see values a little late). */
const struct mp_tcp_stats *
mp_tcp_stats(const struct mp_tcp_stack *s);

/** Connections in use (TIME_WAIT included). */
uint32_t
mp_tcp_conn_count(const struct mp_tcp_stack *s);

/** Size in bytes of one connection's state (without buffers): documented target <= 512. */
size_t
mp_tcp_conn_size(void);

#endif /* MP_TCP_H */
