/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segments out: options, headers, checksums, and the decision what to send next.
 *
 * A segment is a header mbuf (IP + TCP + options) followed by indirect mbufs attached to the
 * send queue's segments, so data is never copied; the send queue keeps its mbufs until they
 * are acknowledged and a retransmission attaches them again. Checksums are computed in
 * software over the chain (the ports meshpath runs on in tests have no TX offload).
 */
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "tcp_priv.h"

#define IP4_HDR_LEN     20
#define IP6_HDR_LEN     40
#define IP4_DF          0x4000
#define IP4_VHL         0x45
#define IP6_VTC_FLOW    0x60000000u
#define OPT_NOP         1
#define OPT_MSS         2
#define OPT_WS          3
#define OPT_SACK_OK     4
#define OPT_SACK        5
#define OPT_TS          8
#define SACK_OPT_LEN(n) (4u + 8u * (n)) /* NOP NOP kind len + blocks */

static inline void
wr32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, sizeof(v));
}

uint32_t
tcp_rcv_window(const struct mp_tcp_conn *c)
{
	const struct mp_tcp_stack *s = c->stack;
	uint32_t used = c->rcv_user + c->ooo_bytes;
	uint32_t win = used >= s->p.rcvbuf ? 0 : s->p.rcvbuf - used;

	return RTE_MIN(win, TCP_MAX_WIN << c->rcv_wscale);
}

/* The window field for a non-SYN segment: never shrinks the right edge already offered. */
static uint16_t
tcp_window_field(struct mp_tcp_conn *c)
{
	uint32_t win = tcp_rcv_window(c);

	if (SEQ_LT(c->rcv_nxt + win, c->rcv_adv))
		win = c->rcv_adv - c->rcv_nxt;
	/* Round up so that the advertised edge is not below what we accept. */
	win = (win + (1u << c->rcv_wscale) - 1) >> c->rcv_wscale;
	win = RTE_MIN(win, TCP_MAX_WIN);
	if (SEQ_GT(c->rcv_nxt + (win << c->rcv_wscale), c->rcv_adv))
		c->rcv_adv = c->rcv_nxt + (win << c->rcv_wscale);
	return (uint16_t)win;
}

static uint32_t
opt_ts(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = OPT_NOP;
	o[1] = OPT_NOP;
	o[2] = OPT_TS;
	o[3] = 10;
	wr32(o + 4, val);
	wr32(o + 8, ecr);
	return TCP_TS_OPT_LEN;
}

/* SYN options in Linux's order: MSS, SACK-permitted, timestamps, NOP, window scale. */
static uint32_t
opt_syn(uint8_t *o, uint16_t mss, bool sack, bool ts, uint32_t tsval, uint32_t tsecr, int wscale)
{
	uint32_t n = 0;

	o[n++] = OPT_MSS;
	o[n++] = 4;
	o[n++] = (uint8_t)(mss >> 8);
	o[n++] = (uint8_t)mss;
	if (sack && ts) {
		o[n++] = OPT_SACK_OK;
		o[n++] = 2;
		o[n++] = OPT_TS;
		o[n++] = 10;
		wr32(o + n, tsval);
		wr32(o + n + 4, tsecr);
		n += 8;
	} else if (ts) {
		n += opt_ts(o + n, tsval, tsecr);
	} else if (sack) {
		o[n++] = OPT_NOP;
		o[n++] = OPT_NOP;
		o[n++] = OPT_SACK_OK;
		o[n++] = 2;
	}
	if (wscale >= 0) {
		o[n++] = OPT_NOP;
		o[n++] = OPT_WS;
		o[n++] = 3;
		o[n++] = (uint8_t)wscale;
	}
	return n;
}

/*
 * Options of a non-SYN segment of c: timestamps, then the SACK blocks we report, after a
 * D-SACK block when the stack has one for this ACK (tcp_send_dsack(); the last block gives
 * way, the option holds three beside timestamps).
 */
static uint32_t
opt_conn(const struct mp_tcp_conn *c, uint8_t *o)
{
	const struct mp_tcp_stack *s = c->stack;
	unsigned int nd = s->dsack, nb = RTE_MIN(c->n_sack_tx, (unsigned int)TCP_SACK_TX - nd);
	uint32_t n = 0;

	if (c->flags & TF_TS)
		n += opt_ts(o, tcp_ts_now(s), c->ts_recent);
	if ((c->flags & TF_SACK) && nd + nb > 0) {
		o[n++] = OPT_NOP;
		o[n++] = OPT_NOP;
		o[n++] = OPT_SACK;
		o[n++] = (uint8_t)(2 + 8 * (nd + nb));
		if (nd > 0) {
			wr32(o + n, s->dsack_blk.start);
			wr32(o + n + 4, s->dsack_blk.end);
			n += 8;
		}
		for (unsigned int i = 0; i < nb; i++) {
			wr32(o + n, c->sack_tx[i].start);
			wr32(o + n + 4, c->sack_tx[i].end);
			n += 8;
		}
	}
	return n;
}

/*
 * Ones' complement sum of a chain from byte off of its first segment, folded to 16 bits.
 * (DPDK 22.11's rte_raw_cksum_mbuf() truncates before swapping the sum of a segment that
 * starts at an odd offset, which gives wrong checksums across odd-length pieces.)
 */
static uint32_t
tcp_cksum_chain(const struct rte_mbuf *m, uint32_t off)
{
	uint32_t sum = 0, done = 0;

	for (const struct rte_mbuf *seg = m; seg != NULL; seg = seg->next, off = 0) {
		uint32_t len = seg->data_len - off;
		uint32_t part;

		if (len == 0)
			continue;
		part = rte_raw_cksum(rte_pktmbuf_mtod_offset(seg, const void *, off), len);
		if (done & 1)
			part = rte_bswap16((uint16_t)part);
		sum += part;
		done += len;
	}
	sum = (sum & 0xffff) + (sum >> 16);
	return (sum & 0xffff) + (sum >> 16);
}

/*
 * Build and send one segment of tuple t: header fields as given, data (a chain of indirect
 * mbufs, or NULL) appended. Consumes data. Returns 0, or -1 when no mbuf was available.
 */
static int
tcp_xmit(struct mp_tcp_stack *s, const struct mp_tcp_tuple *t, uint16_t port, uint32_t seq,
         uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt, uint32_t optlen,
         struct rte_mbuf *data, uint32_t dlen)
{
	uint32_t l3len = t->family == AF_INET ? IP4_HDR_LEN : IP6_HDR_LEN;
	uint32_t l4hdr = TCP_HDR_LEN + optlen;
	struct mp_pkt_info pi = {0};
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint32_t sum;
	uint8_t *p;

	m = rte_pktmbuf_alloc(s->p.pool);
	if (m == NULL) {
		rte_pktmbuf_free(data);
		tcp_drop_count(s, MP_DROP_NO_MBUF);
		return -1;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l3len + l4hdr));
	if (t->family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = IP4_VHL;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(l3len + l4hdr + dlen));
		ip->fragment_offset = rte_cpu_to_be_16(IP4_DF);
		ip->time_to_live = TCP_TTL;
		ip->next_proto_id = IPPROTO_TCP;
		memcpy(&ip->src_addr, t->laddr, 4);
		memcpy(&ip->dst_addr, t->raddr, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		pi.l3 = MP_L3_IPV4;
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)p;

		ip6->vtc_flow = rte_cpu_to_be_32(IP6_VTC_FLOW);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(l4hdr + dlen));
		ip6->proto = IPPROTO_TCP;
		ip6->hop_limits = TCP_TTL;
		memcpy(ip6->src_addr, t->laddr, 16);
		memcpy(ip6->dst_addr, t->raddr, 16);
		pi.l3 = MP_L3_IPV6;
	}
	th = (struct rte_tcp_hdr *)(p + l3len);
	th->src_port = t->lport;
	th->dst_port = t->rport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32((flags & TH_ACK) ? ack : 0);
	th->data_off = (uint8_t)((l4hdr / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (optlen > 0)
		memcpy(th + 1, opt, optlen);
	if (data != NULL && s->p.linearize && dlen <= rte_pktmbuf_tailroom(m)) {
		/* The port cannot send chains: one copy, behind the headers. */
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)dlen);
		const void *src = rte_pktmbuf_read(data, 0, dlen, d);

		if (src != d)
			memcpy(d, src, dlen);
		rte_pktmbuf_free(data);
	} else if (data != NULL) {
		rte_pktmbuf_lastseg(m)->next = data;
		m->nb_segs = (uint16_t)(m->nb_segs + data->nb_segs);
		m->pkt_len += dlen;
	}
	/* Pseudo-header (lib/net) plus the segment, summed across the chain. */
	pi.l3_off = 0;
	pi.l4_off = (uint16_t)l3len;
	pi.l4_proto = IPPROTO_TCP;
	sum = mp_cksum_pseudo(p, &pi, l4hdr + dlen) + tcp_cksum_chain(m, l3len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	th->cksum = (uint16_t)~sum;
	tcp_stat(s, MP_TCP_ST_SEGS_OUT, 1);
	if (flags & TH_RST)
		tcp_stat(s, MP_TCP_ST_RESETS_OUT, 1);
	s->p.output(s->p.output_ctx, m, t->family, t->raddr, port);
	return 0;
}

/*
 * Indirect mbufs for send-queue bytes [seq, seq + len); NULL when out of mbufs. The search for
 * seq starts at the hint when seq lies at or past it (new data, sent in order), else at the
 * head (retransmissions, which start near snd_una).
 */
static struct rte_mbuf *
tcp_sndq_ref(struct mp_tcp_conn *c, uint32_t seq, uint32_t len)
{
	struct rte_mbuf *seg = c->sndq_head, *head = NULL, *tail = NULL;
	uint32_t start = c->snd_una - c->sndq_off; /* sequence number of seg's first byte */
	uint32_t off;

	if (c->sndq_hint != NULL && SEQ_GEQ(seq, c->sndq_hint_seq)) {
		seg = c->sndq_hint;
		start = c->sndq_hint_seq;
	}
	while (seg != NULL && seq - start >= seg->data_len) {
		start += seg->data_len;
		seg = seg->next;
	}
	off = seq - start;
	while (len > 0 && seg != NULL) {
		uint32_t n = RTE_MIN(len, seg->data_len - off);
		struct rte_mbuf *mi = rte_pktmbuf_alloc(c->stack->p.pool);

		if (mi == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		rte_pktmbuf_attach(mi, seg);
		mi->data_off = (uint16_t)(mi->data_off + off);
		mi->data_len = (uint16_t)n;
		mi->pkt_len = n;
		mi->next = NULL;
		mi->nb_segs = 1;
		if (head == NULL) {
			head = mi;
		} else {
			tail->next = mi;
			head->nb_segs++;
			head->pkt_len += n;
		}
		tail = mi;
		c->sndq_hint = seg;
		c->sndq_hint_seq = start;
		len -= n;
		off = 0;
		start += seg->data_len;
		seg = seg->next;
	}
	return head;
}

/* Send [seq, seq + len) of the queue with flags (TH_ACK added). 0, or -1 out of mbufs. */
int
tcp_send_segment(struct mp_tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags)
{
	struct mp_tcp_stack *s = c->stack;
	uint8_t opt[TCP_OPT_MAX];
	struct rte_mbuf *data = NULL;
	uint32_t optlen = opt_conn(c, opt);

	if (len > 0) {
		data = tcp_sndq_ref(c, seq, len);
		if (data == NULL) {
			tcp_drop_count(s, MP_DROP_NO_MBUF);
			return -1;
		}
	}
	flags |= TH_ACK;
	if (tcp_xmit(s, &c->tuple, c->port, seq, c->rcv_nxt, flags, tcp_window_field(c), opt,
	             optlen, data, len) < 0)
		return -1;
	tcp_stat(s, MP_TCP_ST_BYTES_OUT, len);
	c->flags &= ~TF_ACKNOW;
	c->unacked_segs = 0;
	c->last_tx_us = tcp_now_us(s);
	tcp_delack_cancel(c);
	return 0;
}

void
tcp_send_ack(struct mp_tcp_conn *c)
{
	/*
	 * A pure ACK carries the next new sequence number, snd_max, not snd_nxt: after a
	 * timeout rewound snd_nxt, the peer may already hold everything up to snd_max, and an
	 * ACK numbered below its window would be dropped unread (BSD does the same). It stays
	 * inside the peer's window, as Linux's tcp_acceptable_seq(), for a zero-window peer.
	 */
	uint32_t wnd_end = c->snd_una + c->snd_wnd;

	tcp_send_segment(c, SEQ_LEQ(c->snd_max, wnd_end) ? c->snd_max : wnd_end, 0, 0);
}

/*
 * An ACK reporting [start, end), data that arrived again, as a D-SACK (RFC 2883): the sender
 * learns that its retransmission was spurious (Linux undoes the window reduction and widens
 * its reordering window, as tcp_sack.c does for D-SACKs it receives).
 */
void
tcp_send_dsack(struct mp_tcp_conn *c, uint32_t start, uint32_t end)
{
	struct mp_tcp_stack *s = c->stack;

	s->dsack = (c->flags & TF_SACK) && SEQ_LT(start, end);
	s->dsack_blk.start = start;
	s->dsack_blk.end = end;
	tcp_send_ack(c);
	s->dsack = false;
}

/* SYN (active open) or SYN-ACK (passive), with our ISN; starts the retransmission timer. */
void
tcp_send_syn(struct mp_tcp_conn *c)
{
	struct mp_tcp_stack *s = c->stack;
	uint8_t opt[TCP_OPT_MAX];
	bool synack = c->state == MP_TCP_SYN_RECEIVED;
	uint8_t flags = synack ? TH_SYN | TH_ACK : TH_SYN;
	uint32_t optlen, win;

	optlen = opt_syn(opt, s->p.mss, c->flags & TF_SACK, c->flags & TF_TS, tcp_ts_now(s),
	                 c->ts_recent, (c->flags & TF_WSCALE) ? c->rcv_wscale : -1);
	win = RTE_MIN(tcp_rcv_window(c), TCP_MAX_WIN);
	tcp_xmit(s, &c->tuple, c->port, c->iss, c->rcv_nxt, flags, (uint16_t)win, opt, optlen, NULL,
	         0);
	/* The SYN-ACK offered a window: its edge is advertised (an active open's SYN has none). */
	if (synack && SEQ_GT(c->rcv_nxt + win, c->rcv_adv))
		c->rcv_adv = c->rcv_nxt + win;
	c->snd_nxt = c->iss + 1;
	c->snd_max = c->iss + 1;
	c->last_tx_us = tcp_now_us(s);
	if (!(c->flags & TF_RTT) && c->backoff == 0) {
		c->flags |= TF_RTT;
		c->rtt_seq = c->iss;
		c->rtt_start_us = tcp_now_us(s);
	}
	/* A SYN answered again for a retransmitted one keeps the running timer's deadline. */
	if (c->timer_kind != TCP_T_RTO)
		tcp_timer_set(c, TCP_T_RTO, tcp_rto_cur(c));
}

void
tcp_send_rst(struct mp_tcp_conn *c)
{
	/* snd_max: the peer's rcv_nxt is most likely there, even after a timeout rewound snd_nxt.
	 */
	tcp_xmit(c->stack, &c->tuple, c->port, c->snd_max, c->rcv_nxt, TH_RST | TH_ACK, 0, NULL, 0,
	         NULL, 0);
}

/* RFC 9293 3.10.7.1: the answer to a segment that matches no connection. */
void
tcp_reply_rst(struct mp_tcp_stack *s, struct rte_mbuf *m, const struct tcp_seg *sg,
              const struct mp_tcp_tuple *t)
{
	if (sg->flags & TH_RST)
		return;
	if (sg->flags & TH_ACK)
		tcp_xmit(s, t, m->port, sg->ack, 0, TH_RST, 0, NULL, 0, NULL, 0);
	else
		tcp_xmit(s, t, m->port, 0,
		         sg->seq + sg->len + !!(sg->flags & TH_SYN) + !!(sg->flags & TH_FIN),
		         TH_RST | TH_ACK, 0, NULL, 0, NULL, 0);
}

/* The SYN-ACK of a SYN answered without state (RFC 4987 3.6). */
void
tcp_send_cookie_synack(struct mp_tcp_stack *s, const struct mp_tcp_tuple *t,
                       const struct tcp_seg *sg, uint16_t port, uint32_t cookie, uint32_t tsval)
{
	uint8_t opt[TCP_OPT_MAX];
	int ws = -1;
	uint32_t optlen;

	/* Without timestamps a cookie cannot carry window scale or SACK: offer neither. */
	if (sg->has_ts && sg->has_ws && s->p.window_scaling)
		for (ws = 0; ws < TCP_MAX_WSCALE && (TCP_MAX_WIN << ws) < s->p.rcvbuf; ws++)
			;
	optlen = opt_syn(opt, s->p.mss, sg->has_ts && sg->sack_ok && s->p.sack,
	                 sg->has_ts && s->p.timestamps, tsval, sg->tsval, ws);
	tcp_xmit(s, t, port, cookie, sg->seq + 1, TH_SYN | TH_ACK,
	         (uint16_t)RTE_MIN(s->p.rcvbuf, TCP_MAX_WIN), opt, optlen, NULL, 0);
}

/* RFC 5961 7: challenge ACKs, at most challenge_ack_limit a second per stack. */
bool
tcp_challenge_ack(struct mp_tcp_conn *c)
{
	struct mp_tcp_stack *s = c->stack;
	uint64_t sec = s->now_us / 1000000;

	if (sec != s->challenge_sec) {
		s->challenge_sec = sec;
		s->challenge_tokens = s->p.challenge_ack_limit;
	}
	if (s->challenge_tokens == 0)
		return false;
	s->challenge_tokens--;
	tcp_stat(s, MP_TCP_ST_CHALLENGE_ACKS, 1);
	tcp_send_ack(c);
	return true;
}

void
tcp_sndq_free_acked(struct mp_tcp_conn *c, uint32_t acked)
{
	struct mp_tcp_stack *s = c->stack;

	acked = RTE_MIN(acked, c->sndq_bytes);
	c->sndq_bytes -= acked;
	s->buffered -= acked;
	acked += c->sndq_off;
	while (c->sndq_head != NULL && acked >= c->sndq_head->data_len) {
		struct rte_mbuf *seg = c->sndq_head;

		acked -= seg->data_len;
		c->sndq_head = seg->next;
		seg->next = NULL;
		if (seg == c->sndq_hint)
			c->sndq_hint = NULL;
		rte_pktmbuf_free_seg(seg);
	}
	if (c->sndq_head == NULL)
		c->sndq_tail = NULL;
	c->sndq_off = acked;
}

void
tcp_sndq_flush(struct mp_tcp_conn *c)
{
	struct mp_tcp_stack *s = c->stack;

	while (c->sndq_head != NULL) {
		struct rte_mbuf *seg = c->sndq_head;

		c->sndq_head = seg->next;
		seg->next = NULL;
		rte_pktmbuf_free_seg(seg);
	}
	c->sndq_tail = NULL;
	c->sndq_hint = NULL;
	s->buffered -= c->sndq_bytes;
	c->sndq_bytes = 0;
	c->sndq_off = 0;
}

/* Payload bytes per segment: the MSS less the options every segment carries. */
uint32_t
tcp_seg_room(const struct mp_tcp_conn *c)
{
	uint32_t room = c->mss;

	if (c->flags & TF_TS)
		room -= TCP_TS_OPT_LEN;
	if ((c->flags & TF_SACK) && c->n_sack_tx > 0)
		room -= SACK_OPT_LEN(c->n_sack_tx);
	return room;
}

/*
 * Send what the windows allow: new data (and FIN) from snd_nxt, or, in SACK recovery, holes
 * first (RFC 6675 5 NextSeg). An ACK goes out alone when one is owed and nothing carried it.
 */
void
tcp_output(struct mp_tcp_conn *c)
{
	struct mp_tcp_stack *s = c->stack;
	uint32_t data_end, room;
	bool sent = false;

	switch (c->state) {
	case MP_TCP_ESTABLISHED:
	case MP_TCP_CLOSE_WAIT:
	case MP_TCP_FIN_WAIT_1:
	case MP_TCP_LAST_ACK:
	case MP_TCP_CLOSING:
		break;
	default:
		if (c->flags & TF_ACKNOW)
			tcp_send_ack(c);
		return;
	}
	/* RFC 5681 4.1: restart from the initial window after an idle RTO. */
	if (c->snd_max == c->snd_una && c->srtt_us != 0 &&
	    tcp_now_us(s) - c->last_tx_us > c->rto_us)
		mp_tcp_cc_on_idle(&c->cc, s->p.iw_segments);
	data_end = c->snd_una + c->sndq_bytes;
	room = tcp_seg_room(c);
	for (;;) {
		uint32_t cwnd = c->cc.cwnd + c->inflate;
		uint32_t win = RTE_MIN(c->snd_wnd, cwnd);
		uint32_t flight, avail, len, seq;
		uint8_t flags = 0;

		if ((c->flags & TF_RECOVERY) && (c->flags & TF_SACK)) {
			uint32_t pipe = tcp_sack_pipe(c), hole;

			if (pipe + room > c->cc.cwnd)
				break;
			/* A lost hole first, then new data, then any hole (RFC 6675 NextSeg
			 * rules 1 to 3). */
			if (tcp_sack_next_hole(c, c->high_rxt, false, &seq, &hole) ||
			    (!SEQ_LT(c->snd_nxt, data_end) &&
			     tcp_sack_next_hole(c, c->high_rxt, true, &seq, &hole))) {
				len = RTE_MIN(hole, room);
				if (tcp_send_segment(c, seq, len, 0) < 0)
					break;
				if (seq == c->snd_una)
					tcp_rxt_una_mark(c);
				c->high_rxt = seq + len;
				tcp_stat(s, MP_TCP_ST_RETRANS_SEGS, 1);
				tcp_stat(s, MP_TCP_ST_RETRANS_BYTES, len);
				sent = true;
				tcp_timer_rearm(c);
				continue;
			}
			win = c->snd_wnd;
			flight = c->snd_nxt - c->snd_una;
			if (flight >= win)
				break;
			/* New data is limited by the pipe, which the test above checked. */
			win = flight + room;
		}
		flight = c->snd_nxt - c->snd_una;
		avail = SEQ_LT(c->snd_nxt, data_end) ? data_end - c->snd_nxt : 0;
		len = RTE_MIN(avail, room);
		len = RTE_MIN(len, win > flight ? win - flight : 0);
		if ((c->flags & TF_SHUT_WR) && c->snd_nxt + len == data_end &&
		    (c->state == MP_TCP_FIN_WAIT_1 || c->state == MP_TCP_LAST_ACK ||
		     c->state == MP_TCP_CLOSING))
			flags |= TH_FIN;
		if (len == 0 && !(flags & TH_FIN))
			break;
		if (s->p.nagle && len < room && flight > 0 && !(flags & TH_FIN))
			break;
		if (len > 0 && c->snd_nxt + len == data_end)
			flags |= TH_PSH;
		seq = c->snd_nxt;
		if (tcp_send_segment(c, seq, len, flags) < 0)
			break;
		sent = true;
		if (SEQ_LT(seq, c->snd_max)) {
			tcp_stat(s, MP_TCP_ST_RETRANS_SEGS, 1);
			tcp_stat(s, MP_TCP_ST_RETRANS_BYTES, len);
			/* Going back after an RTO (tcp_sack_rto): watched like a resent hole. */
			if ((c->flags & TF_LOSS) && SEQ_LT(c->high_rxt, seq + len))
				c->high_rxt = seq + len;
		} else if (!(c->flags & TF_RTT) && len > 0) {
			/* Karn: time only segments sent once. */
			c->flags |= TF_RTT;
			c->rtt_seq = seq;
			c->rtt_start_us = tcp_now_us(s);
		}
		c->snd_nxt = seq + len + !!(flags & TH_FIN);
		if ((c->flags & TF_LOSS) && seq == c->snd_una)
			tcp_rxt_una_mark(c);
		if (flags & TH_FIN)
			c->flags |= TF_FIN_SENT;
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		/* The RTO keeps its deadline; a probe timer restarts with every send (RFC 8985
		 * 7.2). */
		if (c->timer_kind != TCP_T_RTO && c->timer_kind != TCP_T_REO)
			tcp_timer_arm_loss(c);
		if (flags & TH_FIN)
			break;
	}
	if (!sent && (c->flags & TF_ACKNOW))
		tcp_send_ack(c);
	/* Zero window with data waiting and nothing in flight: probe (RFC 9293 3.8.6.1). */
	if (c->snd_wnd == 0 && c->snd_max == c->snd_una && SEQ_LT(c->snd_nxt, data_end) &&
	    c->timer_kind != TCP_T_PERSIST)
		tcp_timer_set(c, TCP_T_PERSIST, RTE_MAX(c->rto_us, s->p.rto_min_ms * 1000u));
}
