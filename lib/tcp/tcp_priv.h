/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/tcp internals: the connection, the stack, and the functions the files share. */
#ifndef TCP_PRIV_H
#define TCP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "mp_counters.h"
#include "mp_drop.h"
#include "mp_net.h"
#include "mp_tcp.h"

/* Sequence-number comparisons modulo 2^32 (RFC 9293 3.4). */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_MAX(a, b) (SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b) (SEQ_LT(a, b) ? (a) : (b))

/* TCP header flags. */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

#define TCP_HDR_LEN     20
#define TCP_OPT_MAX     40
#define TCP_MAX_WSCALE  14           /* RFC 7323 2.3 */
#define TCP_MAX_WIN     65535u       /* unscaled window field */
#define TCP_DEFAULT_MSS 536          /* RFC 9293 3.7.1: when the peer sends none */
#define TCP_MIN_MSS     88           /* smaller announced MSS values are raised to this */
#define TCP_TS_OPT_LEN  12           /* NOP NOP TS: what timestamps take from each segment */
#define TCP_DUPTHRESH   3            /* RFC 5681 / RFC 6675 DupThresh */
#define TCP_SACK_BLOCKS 4            /* scoreboard blocks kept from the peer's SACKs */
#define TCP_SACK_TX     3            /* blocks we report (3 fit beside timestamps) */
#define TCP_PAWS_IDLE_S (24 * 86400) /* RFC 7323 5.5: ts_recent invalid after 24 days idle */
#define TCP_TTL         64
#define TCP_PORT_FIRST  32768 /* ephemeral range for active opens */
#define TCP_PORT_LAST   60999
#define TCP_RSS_TRIES   1024u /* candidates examined for an RSS-chosen port, at most */
#define TCP_LISTENERS   64
#define TCP_DELACK_SEGS 2 /* RFC 5681 4.2: ACK at least every second full segment */
#define TCP_REAP_MAX    64
#define TCP_PTO_MIN_US  10000  /* PTO floor: RTT samples from timestamps have 1 ms granules */
#define TCP_REO_MIN_US  2000   /* reordering window floor: twice the timestamps' granule */
#define TCP_WCDELACK_US 200000 /* RFC 8985 WCDelAckT: the peer's worst-case delayed ACK */

/* Connection flags. */
#define TF_TS         (1u << 0)  /* timestamps in use */
#define TF_SACK       (1u << 1)  /* SACK in use */
#define TF_WSCALE     (1u << 2)  /* window scaling in use */
#define TF_ACKNOW     (1u << 3)  /* send an ACK at the end of input processing */
#define TF_SHUT_WR    (1u << 4)  /* the application shut the write side: FIN after the queue */
#define TF_FIN_SENT   (1u << 5)  /* our FIN has a sequence number (snd_max counts it) */
#define TF_APP_CLOSED (1u << 6)  /* the application closed: no more data callbacks */
#define TF_PASSIVE    (1u << 7)  /* opened by a listener */
#define TF_WANT_WRITE (1u << 8)  /* a send was refused: tell `writable` when space frees */
#define TF_RTT        (1u << 9)  /* an RTT measurement is running (rtt_seq, rtt_start) */
#define TF_IN_HASH    (1u << 10) /* present in the connection table */
#define TF_NOTIFIED   (1u << 11) /* `closed` has fired */
#define TF_OOO_FIN    (1u << 12) /* a FIN arrived out of order at fin_seq */
#define TF_RECOVERY   (1u << 13) /* in fast recovery (NewReno or SACK) */
#define TF_PERSIST    (1u << 14) /* the retransmission timer runs as the persist timer */
#define TF_IN_TW_LIST (1u << 15)
#define TF_LOSS       (1u << 16) /* the recovery episode an RTO began (with TF_RECOVERY) */

/* Tail loss probe state (struct mp_tcp_conn tlp). */
#define TLP_OUT    0x01 /* a probe is out: no other until the ACK passes tlp_end or an RTO */
#define TLP_REXMIT 0x02 /* the probe sent old data again (no new data could go) */

/* What the connection's retransmission timer currently times. */
enum tcp_timer_kind {
	TCP_T_NONE = 0,
	TCP_T_RTO,       /* data, SYN or FIN outstanding */
	TCP_T_TLP,       /* data outstanding, the tail loss probe first (RFC 8985 7) */
	TCP_T_REO,       /* SACKed data above a hole: the reordering window (RFC 8985 6.2) */
	TCP_T_PERSIST,   /* zero window: probe */
	TCP_T_KEEPALIVE, /* idle connection */
	TCP_T_FIN_WAIT2, /* the application closed and the peer never sends FIN */
	TCP_T_TIME_WAIT, /* 2 MSL */
};

struct tcp_sack_block {
	uint32_t start;
	uint32_t end;
};

/*
 * One connection. Everything a connection costs besides its buffers; the fields are ordered
 * so the ones input touches for every segment share the first cache lines.
 */
struct mp_tcp_conn {
	/* identity and links */
	struct mp_tcp_tuple tuple;
	struct mp_tcp_stack *stack;
	const struct mp_tcp_callbacks *cb;
	void *arg;
	struct mp_tcp_listener *listener; /* passive opens until accepted */
	struct mp_tcp_conn *next;         /* free list, reap list or TIME_WAIT list */
	struct mp_tcp_conn *prev;         /* TIME_WAIT list */

	/* state */
	uint8_t state; /* enum mp_tcp_state */
	uint8_t timer_kind;
	uint8_t snd_wscale; /* the peer's shift: applies to windows it sends */
	uint8_t rcv_wscale; /* ours */
	uint32_t flags;
	uint16_t port; /* ingress port of the last segment (IPv6 link-local output) */
	uint16_t mss;  /* payload bytes per segment we send (options not counted) */
	uint8_t backoff;
	uint8_t dupacks;
	uint8_t n_sack; /* scoreboard blocks in use */
	uint8_t n_sack_tx;
	uint8_t unacked_segs; /* full segments received since our last ACK */
	uint8_t probes;       /* keepalive probes sent */
	uint8_t tlp;          /* TLP_* : the tail loss probe of this flight */
	uint8_t reo_mult;     /* RFC 8985 6.2 reo_wnd_mult, less one: grown by D-SACKs */
	uint8_t reo_persist;  /* recoveries left before reo_mult resets (reo_wnd_persist) */

	/* send sequence space */
	uint32_t iss;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max; /* highest sequence sent + 1 */
	uint32_t snd_wnd;
	uint32_t snd_wl1;
	uint32_t snd_wl2;
	uint32_t max_snd_wnd;
	uint32_t recover;  /* RFC 6582 recover / RFC 6675 RecoveryPoint */
	uint32_t high_rxt; /* RFC 6675 HighRxt */
	uint32_t sacked;   /* bytes the scoreboard holds */
	uint32_t inflate;  /* NewReno window inflation during recovery, bytes */
	uint32_t tlp_seq;  /* first sequence of the probe sent (TLP_OUT) */
	uint32_t tlp_end;  /* RFC 8985 TLP.end_seq: snd_max after the probe */
	uint32_t lost_end; /* unSACKed bytes below are lost: the probe above them arrived */
	uint32_t rxt_una;  /* in recovery: snd_una when the hole there was last (re)sent, */
	uint32_t rxt_mark; /* and snd_nxt then: a SACK above it while the hole stays, lost */
	uint32_t reo_seq;  /* snd_max when reo_mult last grew: once per flight */

	/* receive sequence space */
	uint32_t irs;
	uint32_t rcv_nxt;
	uint32_t rcv_adv;  /* right edge of the window last advertised */
	uint32_t rcv_user; /* bytes delivered and not released with mp_tcp_recv_done() */
	uint32_t fin_seq;  /* out-of-order FIN (TF_OOO_FIN) */

	/* timestamps (RFC 7323) and RTT (RFC 6298); times in microseconds, 32-bit wrapping */
	uint32_t ts_recent;
	uint32_t ts_recent_age; /* stack clock in seconds when ts_recent was set */
	uint32_t srtt_us;
	uint32_t rttvar_us;
	uint32_t rto_us;
	uint32_t rtt_seq;
	uint32_t rtt_start_us;
	uint32_t last_rx_us; /* keepalive idle */
	uint32_t last_tx_us; /* congestion-window restart after idle */

	/* queues */
	uint32_t sndq_bytes; /* bytes from snd_una to the end of the send queue */
	uint32_t sndq_off;   /* bytes of the head segment already acknowledged */
	uint32_t ooo_bytes;
	uint32_t ooo_segs;
	struct rte_mbuf *sndq_head; /* segments linked through next */
	struct rte_mbuf *sndq_tail;
	/* Where the last transmission ended: the segment holding its last byte, and the sequence
	 * number of that segment's first byte. The next one starts there instead of walking the
	 * queue from its head (a walk as long as the flight for every segment sent). NULL when
	 * unknown; cleared when the segment is freed. */
	struct rte_mbuf *sndq_hint;
	uint32_t sndq_hint_seq;
	struct rte_mbuf *ooo_head; /* packets sorted by sequence (tcp_mbuf_meta) */

	struct mp_timer rtx_timer; /* RTO, persist, keepalive, FIN_WAIT_2, TIME_WAIT */
	struct mp_timer ack_timer; /* delayed ACK */

	struct tcp_sack_block sack[TCP_SACK_BLOCKS]; /* peer's SACKs, sorted, disjoint */
	struct tcp_sack_block sack_tx[TCP_SACK_TX];  /* what we report, most recent first */
	struct mp_tcp_cc cc;
};

/* The documented budget: a connection without its buffers (DESIGN.md "a few hundred bytes"). */
#define MP_TCP_CONN_BUDGET 512
_Static_assert(sizeof(struct mp_tcp_conn) <= MP_TCP_CONN_BUDGET,
               "struct mp_tcp_conn grew past its 512-byte budget");

struct mp_tcp_listener {
	struct mp_tcp_stack *stack;
	const struct mp_tcp_callbacks *cb;
	void *arg;
	uint8_t family;
	uint8_t any;   /* addr is the wildcard */
	uint16_t port; /* network order */
	uint8_t addr[16];
	uint32_t half_open; /* connections in SYN_RECEIVED */
};

/* What a received segment says, parsed once. */
struct tcp_seg {
	uint32_t seq;
	uint32_t ack;
	uint32_t len; /* payload bytes */
	uint32_t wnd; /* unscaled window field */
	uint8_t flags;
	/* options */
	uint8_t has_mss : 1;
	uint8_t has_ws : 1;
	uint8_t sack_ok : 1;
	uint8_t has_ts : 1;
	uint8_t wscale;
	uint16_t mss;
	uint32_t tsval;
	uint32_t tsecr;
	uint8_t n_sack;
	struct tcp_sack_block sack[4];
};

/*
 * Private per-mbuf data while the stack owns a received packet: it overlays the parse result,
 * which is no longer needed then. That dynfield is only 4-byte aligned, hence packed.
 */
struct tcp_mbuf_meta {
	struct rte_mbuf *next; /* out-of-order queue */
	uint32_t seq;
	uint32_t fin;
} __attribute__((packed, aligned(4)));
_Static_assert(sizeof(struct tcp_mbuf_meta) <= sizeof(struct mp_pkt_info),
               "tcp_mbuf_meta must fit in the pkt_info dynfield");

static inline struct tcp_mbuf_meta *
tcp_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, mp_pkt_info_offset, struct tcp_mbuf_meta *);
}

struct mp_tcp_stack {
	struct mp_tcp_params p;
	struct rte_hash *table;      /* mp_tcp_tuple -> conn */
	struct mp_tcp_conn *conns;   /* the pool, p.max_conns */
	struct mp_tcp_conn *free;    /* free list */
	struct mp_tcp_conn *reap;    /* dropped, returned to the pool after the callbacks */
	struct mp_tcp_conn *tw_head; /* TIME_WAIT list, oldest first */
	struct mp_tcp_conn *tw_tail;
	uint32_t n_conns;
	uint32_t n_time_wait;
	uint64_t buffered; /* bytes in all send and out-of-order queues */
	uint64_t now;      /* clock ticks (p.hz per second) */
	uint64_t now_us;
	uint64_t tick_per_us_num; /* now_us = now * 1e6 / hz */
	uint32_t challenge_tokens;
	uint64_t challenge_sec;
	uint32_t busy;      /* input or a timer is running: dropped connections wait for it */
	uint16_t next_port; /* ephemeral port cursor */
	uint16_t rss_next;  /* cursor of the RSS choice: a slot among the % rule's ports */
	uint16_t n_listeners;
	/* A D-SACK (RFC 2883) for the ACK being sent now: a duplicate segment's range. */
	bool dsack;
	struct tcp_sack_block dsack_blk;
	struct mp_tcp_secret secret;
	struct mp_tcp_listener listeners[TCP_LISTENERS];
	struct mp_tcp_stats stats;
};

static inline void
tcp_stat(struct mp_tcp_stack *s, enum mp_tcp_stat st, uint64_t n)
{
	s->stats.st[st] += n;
}

static inline void
tcp_drop_count(struct mp_tcp_stack *s, enum mp_drop d)
{
	s->stats.drops[d]++;
	if (s->p.cnt != NULL)
		mp_count_drop(s->p.cnt, d);
}

static inline uint32_t
tcp_now_us(const struct mp_tcp_stack *s)
{
	return (uint32_t)s->now_us;
}

/* ms clock for the TSval we send (RFC 7323 5.4: 1 ms to 1 s per tick). */
static inline uint32_t
tcp_ts_now(const struct mp_tcp_stack *s)
{
	return (uint32_t)(s->now_us / 1000);
}

static inline uint64_t
tcp_us_to_ticks(const struct mp_tcp_stack *s, uint64_t us)
{
	return us * s->p.hz / 1000000;
}

static inline uint32_t
tcp_flight(const struct mp_tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

/* tcp_conn.c */
struct mp_tcp_conn *
tcp_conn_alloc(struct mp_tcp_stack *s, const struct mp_tcp_tuple *t);
struct mp_tcp_conn *
tcp_conn_lookup(struct mp_tcp_stack *s, const struct mp_tcp_tuple *t);
void
tcp_conn_set_state(struct mp_tcp_conn *c, enum mp_tcp_state st);
void
tcp_conn_drop(struct mp_tcp_conn *c, bool reset_cb);
void
tcp_conn_reap(struct mp_tcp_stack *s);
void
tcp_conn_reap_idle(struct mp_tcp_stack *s);
void
tcp_conn_time_wait(struct mp_tcp_conn *c);
void
tcp_conn_notify_closed(struct mp_tcp_conn *c);
void
tcp_conn_init_tcb(struct mp_tcp_conn *c);

/* tcp_output.c */
void
tcp_output(struct mp_tcp_conn *c);
void
tcp_send_ack(struct mp_tcp_conn *c);
void
tcp_send_syn(struct mp_tcp_conn *c);
int
tcp_send_segment(struct mp_tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags);
void
tcp_send_rst(struct mp_tcp_conn *c);
void
tcp_reply_rst(struct mp_tcp_stack *s, struct rte_mbuf *m, const struct tcp_seg *sg,
              const struct mp_tcp_tuple *t);
void
tcp_send_cookie_synack(struct mp_tcp_stack *s, const struct mp_tcp_tuple *t,
                       const struct tcp_seg *sg, uint16_t port, uint32_t cookie, uint32_t tsval);
uint32_t
tcp_rcv_window(const struct mp_tcp_conn *c);
uint32_t
tcp_seg_room(const struct mp_tcp_conn *c);
void
tcp_sndq_free_acked(struct mp_tcp_conn *c, uint32_t acked);
void
tcp_sndq_flush(struct mp_tcp_conn *c);
bool
tcp_challenge_ack(struct mp_tcp_conn *c);

/* tcp_timer.c */
void
tcp_timer_init(struct mp_tcp_conn *c);
void
tcp_timer_cancel_all(struct mp_tcp_conn *c);
void
tcp_timer_rearm(struct mp_tcp_conn *c);
void
tcp_timer_set(struct mp_tcp_conn *c, enum tcp_timer_kind k, uint64_t us);
void
tcp_timer_arm_loss(struct mp_tcp_conn *c);
uint64_t
tcp_rto_cur(const struct mp_tcp_conn *c);
void
tcp_rtt_sample(struct mp_tcp_conn *c, uint32_t rtt_us);
void
tcp_delack_schedule(struct mp_tcp_conn *c);
void
tcp_delack_cancel(struct mp_tcp_conn *c);

/* tcp_sack.c */
void
tcp_sack_update(struct mp_tcp_conn *c, const struct tcp_seg *sg);
void
tcp_sack_clear(struct mp_tcp_conn *c);
void
tcp_ack_recovery(struct mp_tcp_conn *c, const struct tcp_seg *sg, uint32_t acked, bool dup,
                 uint32_t flight);
uint32_t
tcp_sack_pipe(const struct mp_tcp_conn *c);
void
tcp_tlp_ack(struct mp_tcp_conn *c, const struct tcp_seg *sg, uint32_t flight);
bool
tcp_sack_next_hole(const struct mp_tcp_conn *c, uint32_t from, bool any, uint32_t *start,
                   uint32_t *len);
void
tcp_rxt_una_mark(struct mp_tcp_conn *c);
void
tcp_sack_rto(struct mp_tcp_conn *c);
void
tcp_send_dsack(struct mp_tcp_conn *c, uint32_t start, uint32_t end);
bool
tcp_sack_reo_wanted(const struct mp_tcp_conn *c);
uint32_t
tcp_sack_reo_wnd(const struct mp_tcp_conn *c);
void
tcp_sack_reo_fire(struct mp_tcp_conn *c);

/* tcp_ooo.c */
bool
tcp_ooo_insert(struct mp_tcp_conn *c, struct rte_mbuf *m, uint32_t seq, bool fin);
struct rte_mbuf *
tcp_ooo_pull(struct mp_tcp_conn *c, bool *fin);
void
tcp_ooo_flush(struct mp_tcp_conn *c);
void
tcp_sack_tx_update(struct mp_tcp_conn *c, uint32_t seq, uint32_t end);
void
tcp_sack_tx_trim(struct mp_tcp_conn *c);
struct rte_mbuf *
tcp_mbuf_trim_front(struct rte_mbuf *m, uint32_t n);
void
tcp_mbuf_trim_to(struct rte_mbuf *m, uint32_t len);

/* tcp_opt.c */
bool
tcp_opt_parse(const uint8_t *p, uint32_t len, bool syn, struct tcp_seg *sg);

#endif /* TCP_PRIV_H */
