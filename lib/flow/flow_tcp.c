/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-packet flow accounting and the TCP state machine, as a middlebox sees a connection.
 *
 * The states are Linux conntrack's (nf_conntrack_proto_tcp.c) minus SYN_SENT2: simultaneous open
 * cannot happen through a load balancer, whose endpoint never dials the SNAT address first. The
 * handshake is followed by its sequence numbers: a SYN-ACK counts only when it acknowledges the
 * client's SYN, the client's ACK only when it acknowledges the SYN-ACK, and a RST only when it
 * answers what was sent (RFC 9293 3.10.7). That keeps stray or stale segments from deciding the
 * endpoint's health. After the handshake there is no window tracking (as IPVS): any RST closes,
 * and a FIN counts as acknowledged by the first ACK from the other side at or past it.
 *
 * The closing states follow from what each side has sent, kept per direction in f->tcp[]:
 * one FIN = FIN_WAIT, acknowledged = CLOSE_WAIT, FINs both ways = LAST_ACK, both acknowledged
 * = TIME_WAIT. Deriving them instead of walking a transition table makes simultaneous close and
 * reordered ACKs come out right without extra states.
 */
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_tcp.h>

#include "flow_priv.h"

#define TCP_HDR_MIN   sizeof(struct rte_tcp_hdr)
#define TCP_FLAGS_OFF offsetof(struct rte_tcp_hdr, tcp_flags)
#define TCP_SEQ_OFF   offsetof(struct rte_tcp_hdr, sent_seq)
#define TCP_ACK_OFF   offsetof(struct rte_tcp_hdr, recv_ack)

static inline uint32_t
rd32(const uint8_t *p, uint32_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return rte_be_to_cpu_32(v);
}

/* a at or after b in sequence space (RFC 9293 3.4). */
static inline bool
seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* One segment as the state machine needs it. */
struct tcp_seg {
	uint32_t seq;
	uint32_t ack;
	uint32_t len; /* payload bytes */
	uint8_t flags;
	uint8_t dir;
};

/* The closing state that follows from the FINs each side has sent and had acknowledged. */
static enum mp_flow_state
tcp_close_state(const struct mp_flow *f)
{
	uint8_t a = f->tcp[MP_FLOW_DIR_ORIG], b = f->tcp[MP_FLOW_DIR_REPLY];

	if (!((a | b) & MP_FLOW_TCP_FIN))
		return MP_FLOW_S_ESTABLISHED;
	if (a & b & MP_FLOW_TCP_FIN)
		return (a & b & MP_FLOW_TCP_FIN_ACKED) ? MP_FLOW_S_TIME_WAIT : MP_FLOW_S_LAST_ACK;
	return (((a & MP_FLOW_TCP_FIN) ? a : b) & MP_FLOW_TCP_FIN_ACKED) ? MP_FLOW_S_CLOSE_WAIT
	                                                                 : MP_FLOW_S_FIN_WAIT;
}

static enum mp_flow_event
tcp_health(struct mp_flow_table *t, struct mp_flow *f, enum mp_flow_event ev)
{
	if (f->flags & MP_FLOW_F_HEALTH_DONE)
		return MP_FLOW_EV_NONE;
	f->flags |= MP_FLOW_F_HEALTH_DONE;
	t->stats[ev == MP_FLOW_EV_CONNECT_OK ? MP_FLOW_STAT_CONNECT_OK
	                                     : MP_FLOW_STAT_CONNECT_RST]++;
	return ev;
}

/* A SYN-ACK or the handshake's last ACK that acknowledges something else: ignored. */
static enum mp_flow_state
tcp_bad_ack(struct mp_flow_table *t, enum mp_flow_state st)
{
	t->stats[MP_FLOW_STAT_HANDSHAKE_BAD]++;
	return st;
}

/*
 * RST. During the handshake it must answer what was sent: in SYN_SENT the endpoint's RST
 * acknowledges the SYN (RFC 9293 3.10.7.3), in SYN_RECV it carries the sequence number after its
 * SYN-ACK. Such a RST from the endpoint is the refusal the load balancer counts against it.
 */
static enum mp_flow_state
tcp_rst(struct mp_flow_table *t, struct mp_flow *f, const struct tcp_seg *s, enum mp_flow_state st,
        enum mp_flow_event *ev)
{
	bool from_endpoint = s->dir == MP_FLOW_DIR_REPLY;

	if (st == MP_FLOW_S_SYN_SENT && from_endpoint) {
		if (!(s->flags & RTE_TCP_ACK_FLAG) || s->ack != f->seq_end[MP_FLOW_DIR_ORIG])
			return tcp_bad_ack(t, st);
		*ev = tcp_health(t, f, MP_FLOW_EV_CONNECT_RST);
	} else if (st == MP_FLOW_S_SYN_RECV && from_endpoint) {
		if (s->seq != f->seq_end[MP_FLOW_DIR_REPLY])
			return tcp_bad_ack(t, st);
		*ev = tcp_health(t, f, MP_FLOW_EV_CONNECT_RST);
	}
	f->tcp[s->dir] |= MP_FLOW_TCP_RST;
	return MP_FLOW_S_CLOSE;
}

/* A new SYN from the client on a closed flow: the client reused its port. Start over. */
static void
tcp_reopen(struct mp_flow_table *t, struct mp_flow *f)
{
	f->tcp[MP_FLOW_DIR_ORIG] = 0;
	f->tcp[MP_FLOW_DIR_REPLY] = 0;
	f->flags &= (uint8_t) ~(MP_FLOW_F_HEALTH_DONE | MP_FLOW_F_MIDSTREAM);
	t->stats[MP_FLOW_STAT_REOPENED]++;
}

/* SYN or SYN-ACK. Only the client opens; the endpoint only answers. */
static enum mp_flow_state
tcp_syn(struct mp_flow_table *t, struct mp_flow *f, const struct tcp_seg *s, enum mp_flow_state st)
{
	bool ack = s->flags & RTE_TCP_ACK_FLAG;

	if (s->dir == MP_FLOW_DIR_ORIG && !ack) {
		switch (st) {
		case MP_FLOW_S_TIME_WAIT:
		case MP_FLOW_S_CLOSE:
			tcp_reopen(t, f);
			/* fall through */
		case MP_FLOW_S_NONE:
		case MP_FLOW_S_SYN_SENT: /* a retransmission; it keeps the ISN */
			f->tcp[MP_FLOW_DIR_ORIG] |= MP_FLOW_TCP_SYN;
			f->seq_end[MP_FLOW_DIR_ORIG] = s->seq + 1;
			return MP_FLOW_S_SYN_SENT;
		default:
			return st;
		}
	}
	if (s->dir == MP_FLOW_DIR_REPLY && ack && st == MP_FLOW_S_SYN_SENT) {
		if (s->ack != f->seq_end[MP_FLOW_DIR_ORIG])
			return tcp_bad_ack(t, st);
		f->tcp[MP_FLOW_DIR_REPLY] |= MP_FLOW_TCP_SYN;
		f->seq_end[MP_FLOW_DIR_REPLY] = s->seq + 1;
		return MP_FLOW_S_SYN_RECV;
	}
	/* SYN-ACK retransmissions, SYNs from the endpoint, SYNs on a live connection: ignored. */
	return st;
}

/* FIN and ACK bookkeeping once the connection is established. */
static enum mp_flow_state
tcp_close(struct mp_flow *f, const struct tcp_seg *s)
{
	unsigned int other = 1 - s->dir;

	if (s->flags & RTE_TCP_FIN_FLAG) {
		f->tcp[s->dir] |= MP_FLOW_TCP_FIN;
		/* The FIN takes the sequence number after the payload (RFC 9293 3.4). */
		f->seq_end[s->dir] = s->seq + s->len + 1;
	}
	if ((s->flags & RTE_TCP_ACK_FLAG) &&
	    (f->tcp[other] & (MP_FLOW_TCP_FIN | MP_FLOW_TCP_FIN_ACKED)) == MP_FLOW_TCP_FIN &&
	    seq_geq(s->ack, f->seq_end[other]))
		f->tcp[other] |= MP_FLOW_TCP_FIN_ACKED;
	return tcp_close_state(f);
}

/* Everything without SYN or RST. */
static enum mp_flow_state
tcp_other(struct mp_flow_table *t, struct mp_flow *f, const struct tcp_seg *s,
          enum mp_flow_state st, enum mp_flow_event *ev)
{
	switch (st) {
	case MP_FLOW_S_NONE:
		/*
		 * The first segment is not a SYN: the connection predates the flow (another worker
		 * or an earlier process had it). Pick it up as established, as Linux does with
		 * nf_conntrack_tcp_loose; whether to create the flow at all is the caller's policy.
		 */
		f->flags |= MP_FLOW_F_MIDSTREAM | MP_FLOW_F_HEALTH_DONE;
		t->stats[MP_FLOW_STAT_MIDSTREAM]++;
		return tcp_close(f, s);
	case MP_FLOW_S_SYN_SENT:
		return st;
	case MP_FLOW_S_SYN_RECV:
		if (s->dir != MP_FLOW_DIR_ORIG || !(s->flags & RTE_TCP_ACK_FLAG))
			return st;
		if (s->ack != f->seq_end[MP_FLOW_DIR_REPLY])
			return tcp_bad_ack(t, st);
		*ev = tcp_health(t, f, MP_FLOW_EV_CONNECT_OK);
		/* The client's ACK may already carry a FIN. */
		return tcp_close(f, s);
	case MP_FLOW_S_CLOSE:
		return st;
	default:
		return tcp_close(f, s);
	}
}

static enum mp_flow_event
tcp_track(struct mp_flow_table *t, struct mp_flow *f, const struct tcp_seg *s, uint64_t now)
{
	enum mp_flow_state st = (enum mp_flow_state)f->state, next;
	enum mp_flow_event ev = MP_FLOW_EV_NONE;

	/* In SYN_SENT nothing refreshes: SYN retransmissions must not delay the connect failure. */
	if (st != MP_FLOW_S_SYN_SENT)
		f->last_tsc = now;
	if (s->flags & RTE_TCP_RST_FLAG)
		next = tcp_rst(t, f, s, st, &ev);
	else if (s->flags & RTE_TCP_SYN_FLAG)
		next = tcp_syn(t, f, s, st);
	else
		next = tcp_other(t, f, s, st, &ev);
	if (next != st) {
		f->state = (uint8_t)next;
		f->last_tsc = now;
		flow_rearm_if_sooner(t, f);
	}
	return ev;
}

bool
mp_flow_refresh(struct mp_flow *f, unsigned int dir, uint8_t tcp_flags, uint32_t len, uint64_t now)
{
	if (f->state != MP_FLOW_S_UDP &&
	    (f->state != MP_FLOW_S_ESTABLISHED ||
	     (tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG))))
		return false;
	flow_count(f, dir, len);
	f->last_tsc = now;
	return true;
}

enum mp_flow_event
mp_flow_track(struct mp_flow_table *t, struct mp_flow *f, unsigned int dir, const uint8_t *p,
              const struct mp_pkt_info *pi, uint64_t now)
{
	const uint8_t *tcp = p + pi->l4_off;
	uint32_t len = pi->pkt_len - pi->l3_off;
	bool has_tcp = pi->l4_proto == IPPROTO_TCP && pi->l4_len >= TCP_HDR_MIN &&
	               !(pi->flags & MP_PKT_F_FRAG);
	struct tcp_seg s;

	s.flags = has_tcp ? tcp[TCP_FLAGS_OFF] : 0;
	/* The common case, UDP or data on an established connection, only refreshes. */
	if (likely(mp_flow_refresh(f, dir, s.flags, len, now)))
		return MP_FLOW_EV_NONE;
	flow_count(f, dir, len);
	if (!has_tcp) {
		/* Nothing to read a state from (the caller accounts something else to the flow). */
		if (f->state != MP_FLOW_S_SYN_SENT)
			f->last_tsc = now;
		return MP_FLOW_EV_NONE;
	}
	s.seq = rd32(tcp, TCP_SEQ_OFF);
	s.ack = rd32(tcp, TCP_ACK_OFF);
	s.len = pi->pkt_len - pi->l4_off - pi->l4_len;
	s.dir = (uint8_t)dir;
	return tcp_track(t, f, &s, now);
}
