/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segments in: the RFC 9293 3.10.7 event processing, with the RFC 5961 checks on RST, SYN and
 * ACK (challenge ACKs), PAWS (RFC 7323 5), passive open with SYN cookies when a listener's
 * backlog is full (RFC 4987), and TIME_WAIT recycling by sequence number or timestamp
 * (RFC 6191).
 *
 * Every mbuf given to mp_tcp_input() is consumed exactly once: delivered to the receiver,
 * queued out of order, or freed here with a counted reason.
 */
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_tcp.h>

#include "tcp_priv.h"

static void
tcp_drop_pkt(struct mp_tcp_stack *s, struct rte_mbuf *m, enum mp_drop d)
{
	tcp_drop_count(s, d);
	rte_pktmbuf_free(m);
}

static struct mp_tcp_listener *
tcp_listener_find(struct mp_tcp_stack *s, const struct mp_tcp_tuple *t)
{
	struct mp_tcp_listener *any = NULL;
	uint32_t alen = t->family == AF_INET ? 4 : 16;

	for (unsigned int i = 0; i < s->n_listeners; i++) {
		struct mp_tcp_listener *l = &s->listeners[i];

		if (l->family != t->family || l->port != t->lport)
			continue;
		if (l->any)
			any = l;
		else if (memcmp(l->addr, t->laddr, alen) == 0)
			return l;
	}
	return any;
}

static uint8_t
tcp_wscale_for(const struct mp_tcp_stack *s)
{
	uint8_t ws = 0;

	while (ws < TCP_MAX_WSCALE && (TCP_MAX_WIN << ws) < s->p.rcvbuf)
		ws++;
	return ws;
}

/* Options of the peer's SYN (or SYN-ACK) against what we offer or offered. */
static void
tcp_negotiate(struct mp_tcp_conn *c, const struct tcp_seg *sg)
{
	const struct mp_tcp_params *p = &c->stack->p;
	uint16_t peer_mss = sg->has_mss ? sg->mss : TCP_DEFAULT_MSS;

	c->mss = RTE_MIN(p->mss, RTE_MAX(peer_mss, (uint16_t)TCP_MIN_MSS));
	if (sg->has_ts && p->timestamps) {
		c->flags |= TF_TS;
		c->ts_recent = sg->tsval;
		c->ts_recent_age = (uint32_t)(c->stack->now_us / 1000000);
	} else {
		c->flags &= ~TF_TS;
	}
	if (sg->sack_ok && p->sack)
		c->flags |= TF_SACK;
	else
		c->flags &= ~TF_SACK;
	if (sg->has_ws && p->window_scaling) {
		c->flags |= TF_WSCALE;
		c->snd_wscale = sg->wscale;
		c->rcv_wscale = tcp_wscale_for(c->stack);
	} else {
		c->flags &= ~TF_WSCALE;
		c->snd_wscale = 0;
		c->rcv_wscale = 0;
	}
	c->irs = sg->seq;
	c->rcv_nxt = sg->seq + 1;
	c->rcv_adv = c->rcv_nxt;
}

static void
tcp_cc_start(struct mp_tcp_conn *c)
{
	mp_tcp_cc_init(&c->cc, (enum mp_tcp_cc_algo)c->stack->p.cc_algo, (uint16_t)tcp_seg_room(c),
	               c->stack->p.iw_segments);
}

/* The handshake completed: snd_una covers our SYN. Returns false when a callback closed c. */
static bool
tcp_established(struct mp_tcp_conn *c, const struct tcp_seg *sg)
{
	struct mp_tcp_stack *s = c->stack;
	bool passive = c->listener != NULL;

	c->snd_una = sg->ack;
	if (SEQ_LT(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	/* RFC 7323 2.2: the window of a SYN (a SYN-ACK here on active open) is not scaled. */
	c->snd_wnd = (sg->flags & TH_SYN) ? sg->wnd : sg->wnd << c->snd_wscale;
	c->max_snd_wnd = RTE_MAX(c->max_snd_wnd, c->snd_wnd);
	c->snd_wl1 = sg->seq;
	c->snd_wl2 = sg->ack;
	c->recover = c->iss; /* RFC 6582 3.2: initialised to the ISN */
	c->high_rxt = c->snd_una;
	c->lost_end = c->snd_una;
	if ((c->flags & TF_RTT) && c->backoff == 0)
		tcp_rtt_sample(c, tcp_now_us(s) - c->rtt_start_us);
	c->flags &= ~TF_RTT;
	c->backoff = 0;
	tcp_cc_start(c);
	if (passive) {
		if (c->listener->half_open > 0)
			c->listener->half_open--;
		c->listener = NULL;
	}
	tcp_conn_set_state(c, (c->flags & TF_SHUT_WR) ? MP_TCP_FIN_WAIT_1 : MP_TCP_ESTABLISHED);
	tcp_timer_rearm(c);
	if (passive || (c->flags & TF_PASSIVE)) {
		tcp_stat(s, MP_TCP_ST_ACCEPTED, 1);
		if (c->cb != NULL && c->cb->accepted != NULL)
			c->cb->accepted(c, c->arg);
	} else {
		tcp_stat(s, MP_TCP_ST_CONNECTED, 1);
		if (c->cb != NULL && c->cb->connected != NULL)
			c->cb->connected(c, c->arg);
	}
	return c->state != MP_TCP_CLOSED;
}

static void
tcp_passive_open(struct mp_tcp_stack *s, struct mp_tcp_listener *l, struct rte_mbuf *m,
                 const struct tcp_seg *sg, const struct mp_tcp_tuple *t)
{
	struct mp_tcp_conn *c;

	if (l->half_open >= s->p.syn_backlog) {
		struct mp_tcp_cookie_opts o = {0};
		uint32_t cookie, tsval = 0;

		if (!s->p.syn_cookies) {
			tcp_drop_pkt(s, m, MP_DROP_TCP_BACKLOG);
			return;
		}
		cookie = mp_tcp_cookie_make(&s->secret, t, sg->seq,
		                            sg->has_mss ? sg->mss : TCP_DEFAULT_MSS,
		                            s->now_us / 1000000);
		if (sg->has_ts) {
			o.wscale = sg->has_ws && s->p.window_scaling ? (int8_t)sg->wscale : -1;
			o.sack_ok = sg->sack_ok && s->p.sack;
			o.ts_ok = true;
			tsval = (tcp_ts_now(s) & ~0x3fu) | (mp_tcp_cookie_ts_bits(&o) & 0x3fu);
		}
		tcp_send_cookie_synack(s, t, sg, m->port, cookie, tsval);
		tcp_stat(s, MP_TCP_ST_COOKIES_SENT, 1);
		rte_pktmbuf_free(m);
		return;
	}
	c = tcp_conn_alloc(s, t);
	if (c == NULL) {
		tcp_drop_pkt(s, m, MP_DROP_TCP_CONN_LIMIT);
		return;
	}
	tcp_conn_init_tcb(c);
	c->listener = l;
	c->cb = l->cb;
	c->arg = l->arg;
	c->port = m->port;
	c->flags |= TF_PASSIVE;
	tcp_negotiate(c, sg);
	c->snd_wnd = sg->wnd; /* never scaled in a SYN */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = sg->seq;
	c->iss = mp_tcp_isn(&s->secret, t, s->now_us);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->snd_wl2 = c->iss;
	tcp_conn_set_state(c, MP_TCP_SYN_RECEIVED);
	l->half_open++;
	tcp_stat(s, MP_TCP_ST_PASSIVE_OPENS, 1);
	tcp_send_syn(c);
	/* Data on a SYN is not kept: the peer sends it again after the handshake. */
	rte_pktmbuf_free(m);
}

static void
tcp_input_conn(struct mp_tcp_conn *c, struct rte_mbuf *m, struct tcp_seg *sg, uint32_t payload_off);

/* The ACK completing a handshake we answered with a cookie: rebuild the connection. */
static void
tcp_cookie_open(struct mp_tcp_stack *s, struct mp_tcp_listener *l, struct rte_mbuf *m,
                struct tcp_seg *sg, const struct mp_tcp_tuple *t, uint32_t payload_off)
{
	struct mp_tcp_cookie_opts o = {.wscale = -1};
	struct tcp_seg syn = {0};
	struct mp_tcp_conn *c;
	uint16_t mss;

	if (!s->p.syn_cookies || !mp_tcp_cookie_check(&s->secret, t, sg->seq - 1, sg->ack - 1,
	                                              s->now_us / 1000000, &mss)) {
		tcp_stat(s, MP_TCP_ST_COOKIES_FAILED, 1);
		tcp_reply_rst(s, m, sg, t);
		tcp_drop_pkt(s, m, MP_DROP_TCP_COOKIE);
		return;
	}
	c = tcp_conn_alloc(s, t);
	if (c == NULL) {
		tcp_drop_pkt(s, m, MP_DROP_TCP_CONN_LIMIT);
		return;
	}
	if (sg->has_ts)
		mp_tcp_cookie_ts_decode(sg->tsecr, &o);
	/* The SYN as the cookie remembers it. */
	syn.seq = sg->seq - 1;
	syn.has_mss = 1;
	syn.mss = mss;
	syn.has_ts = sg->has_ts;
	syn.tsval = sg->tsval;
	syn.sack_ok = o.sack_ok;
	syn.has_ws = o.wscale >= 0;
	syn.wscale = o.wscale >= 0 ? (uint8_t)o.wscale : 0;
	tcp_conn_init_tcb(c);
	c->cb = l->cb;
	c->arg = l->arg;
	c->port = m->port;
	c->flags |= TF_PASSIVE;
	tcp_negotiate(c, &syn);
	c->iss = sg->ack - 1;
	c->snd_una = c->snd_nxt = c->snd_max = c->iss + 1;
	tcp_conn_set_state(c, MP_TCP_SYN_RECEIVED);
	tcp_stat(s, MP_TCP_ST_COOKIES_ACCEPTED, 1);
	tcp_stat(s, MP_TCP_ST_PASSIVE_OPENS, 1);
	if (!tcp_established(c, sg)) {
		rte_pktmbuf_free(m);
		return;
	}
	/* The ACK may carry data: it is processed as on any established connection. */
	tcp_input_conn(c, m, sg, payload_off);
}

static void
tcp_input_listen(struct mp_tcp_stack *s, struct rte_mbuf *m, struct tcp_seg *sg,
                 const struct mp_tcp_tuple *t, uint32_t payload_off)
{
	struct mp_tcp_listener *l = tcp_listener_find(s, t);
	uint8_t f = sg->flags & (TH_SYN | TH_ACK | TH_RST);

	if (l != NULL && f == TH_SYN) {
		tcp_passive_open(s, l, m, sg, t);
		return;
	}
	if (l != NULL && f == TH_ACK) {
		tcp_cookie_open(s, l, m, sg, t, payload_off);
		return;
	}
	tcp_reply_rst(s, m, sg, t);
	tcp_drop_pkt(s, m, MP_DROP_TCP_NO_CONN);
}

static void
tcp_input_syn_sent(struct mp_tcp_conn *c, struct rte_mbuf *m, struct tcp_seg *sg)
{
	struct mp_tcp_stack *s = c->stack;

	if ((sg->flags & TH_ACK) && (SEQ_LEQ(sg->ack, c->iss) || SEQ_GT(sg->ack, c->snd_max))) {
		if (!(sg->flags & TH_RST))
			tcp_reply_rst(s, m, sg, &c->tuple);
		tcp_drop_pkt(s, m, MP_DROP_TCP_ACK);
		return;
	}
	if (sg->flags & TH_RST) {
		if (sg->flags & TH_ACK) {
			tcp_stat(s, MP_TCP_ST_RESETS_IN, 1);
			tcp_conn_drop(c, true);
			rte_pktmbuf_free(m);
		} else {
			tcp_drop_pkt(s, m, MP_DROP_TCP_RST);
		}
		return;
	}
	if (!(sg->flags & TH_SYN)) {
		tcp_drop_pkt(s, m, MP_DROP_TCP_FLAGS);
		return;
	}
	tcp_negotiate(c, sg);
	rte_pktmbuf_free(m);
	if (sg->flags & TH_ACK) {
		c->flags |= TF_ACKNOW;
		if (!tcp_established(c, sg))
			return;
		tcp_output(c);
		return;
	}
	/* Simultaneous open (RFC 9293 3.5 figure 8): answer SYN-ACK with our ISN. */
	c->snd_wnd = sg->wnd;
	c->snd_wl1 = sg->seq;
	tcp_conn_set_state(c, MP_TCP_SYN_RECEIVED);
	c->flags &= ~TF_RTT;
	tcp_send_syn(c);
}

/* Is the segment inside the receive window (RFC 9293 3.10.7.4 first check)? */
static bool
tcp_acceptable(const struct mp_tcp_conn *c, const struct tcp_seg *sg)
{
	uint32_t win = tcp_rcv_window(c);
	uint32_t seglen = sg->len + !!(sg->flags & TH_SYN) + !!(sg->flags & TH_FIN);

	if (SEQ_GT(c->rcv_adv, c->rcv_nxt + win))
		win = c->rcv_adv - c->rcv_nxt;
	if (seglen == 0) {
		if (win == 0)
			return sg->seq == c->rcv_nxt;
		return SEQ_GEQ(sg->seq, c->rcv_nxt) && SEQ_LT(sg->seq, c->rcv_nxt + win);
	}
	if (win == 0)
		return false;
	return (SEQ_GEQ(sg->seq, c->rcv_nxt) && SEQ_LT(sg->seq, c->rcv_nxt + win)) ||
	       (SEQ_GEQ(sg->seq + seglen - 1, c->rcv_nxt) &&
	        SEQ_LT(sg->seq + seglen - 1, c->rcv_nxt + win));
}

/* Our FIN has been acknowledged. */
static bool
tcp_fin_acked(const struct mp_tcp_conn *c)
{
	return (c->flags & TF_FIN_SENT) && c->snd_una == c->snd_max;
}

/* The ACK field of a segment on a synchronized connection. False when c was closed. */
static bool
tcp_process_ack(struct mp_tcp_conn *c, const struct tcp_seg *sg)
{
	struct mp_tcp_stack *s = c->stack;
	uint32_t flight = tcp_flight(c);
	uint32_t acked = SEQ_GT(sg->ack, c->snd_una) ? sg->ack - c->snd_una : 0;
	uint32_t wnd = sg->wnd << c->snd_wscale;
	uint32_t sacked = c->sacked;
	bool wnd_changed = false, dup;

	if ((c->flags & TF_SACK) && sg->n_sack > 0)
		tcp_sack_update(c, sg);
	tcp_tlp_ack(c, sg, flight);
	if (SEQ_LT(c->snd_wl1, sg->seq) ||
	    (c->snd_wl1 == sg->seq && SEQ_LEQ(c->snd_wl2, sg->ack))) {
		wnd_changed = c->snd_wnd != wnd;
		c->snd_wnd = wnd;
		c->snd_wl1 = sg->seq;
		c->snd_wl2 = sg->ack;
		c->max_snd_wnd = RTE_MAX(c->max_snd_wnd, wnd);
	}
	/*
	 * RFC 5681 2 DUPLICATE ACKNOWLEDGMENT; with SACK, an ACK that SACKs new data is one even
	 * when it moves the window (RFC 5681 and RFC 6675 2 allow it). A receiver whose window
	 * grows while it reports holes (Linux, autotuning its buffer) otherwise sends no
	 * duplicate at all, and the loss waited for the RTO: most of the RTOs at 5 % loss.
	 */
	dup = acked == 0 && sg->len == 0 && !(sg->flags & (TH_SYN | TH_FIN)) &&
	      sg->ack == c->snd_una && flight > 0 && (!wnd_changed || c->sacked > sacked);
	if (acked > 0) {
		/* RTT: from the echoed timestamp (RFC 7323 4.1), else the timed segment. */
		if ((c->flags & TF_TS) && sg->has_ts && sg->tsecr != 0) {
			uint32_t ms = tcp_ts_now(s) - sg->tsecr;

			if (ms < (uint32_t)s->p.rto_max_ms)
				tcp_rtt_sample(c, ms * 1000);
		} else if ((c->flags & TF_RTT) && SEQ_GT(sg->ack, c->rtt_seq)) {
			tcp_rtt_sample(c, tcp_now_us(s) - c->rtt_start_us);
		}
		if ((c->flags & TF_RTT) && SEQ_GT(sg->ack, c->rtt_seq))
			c->flags &= ~TF_RTT;
		tcp_sndq_free_acked(c, acked);
		c->snd_una = sg->ack;
		if (SEQ_LT(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		c->backoff = 0;
	}
	tcp_ack_recovery(c, sg, acked, dup, flight);
	if (c->timer_kind == TCP_T_PERSIST && c->snd_wnd > 0) {
		c->timer_kind = TCP_T_NONE;
		c->backoff = 0;
	}
	if (acked > 0 || c->timer_kind == TCP_T_NONE)
		tcp_timer_rearm(c);
	if (tcp_fin_acked(c)) {
		switch (c->state) {
		case MP_TCP_FIN_WAIT_1:
			tcp_conn_set_state(c, MP_TCP_FIN_WAIT_2);
			tcp_timer_rearm(c);
			break;
		case MP_TCP_CLOSING:
			tcp_conn_time_wait(c);
			return c->state != MP_TCP_CLOSED;
		case MP_TCP_LAST_ACK:
			tcp_conn_drop(c, false);
			return false;
		default:
			break;
		}
	}
	if (acked > 0 && (c->flags & TF_WANT_WRITE)) {
		uint32_t space = mp_tcp_send_space(c);

		if (space > 0) {
			c->flags &= ~TF_WANT_WRITE;
			if (c->cb != NULL && c->cb->writable != NULL)
				c->cb->writable(c, space, c->arg);
		}
	}
	return c->state != MP_TCP_CLOSED;
}

/* Hand in-order payload to the receiver. False when the receiver closed c. */
static bool
tcp_deliver(struct mp_tcp_conn *c, struct rte_mbuf *m)
{
	struct mp_tcp_stack *s = c->stack;
	uint32_t len = m->pkt_len;

	c->rcv_nxt += len;
	tcp_stat(s, MP_TCP_ST_BYTES_IN, len);
	if (c->cb == NULL || c->cb->data == NULL) {
		rte_pktmbuf_free(m);
		return true;
	}
	c->rcv_user += len;
	c->cb->data(c, m, c->arg);
	return c->state != MP_TCP_CLOSED;
}

/* A FIN reached rcv_nxt. False when c was closed. */
static bool
tcp_fin_in(struct mp_tcp_conn *c)
{
	const struct mp_tcp_callbacks *cb = c->cb;

	c->rcv_nxt++;
	c->flags &= ~TF_OOO_FIN;
	tcp_send_ack(c);
	switch (c->state) {
	case MP_TCP_SYN_RECEIVED:
	case MP_TCP_ESTABLISHED:
		tcp_conn_set_state(c, MP_TCP_CLOSE_WAIT);
		break;
	case MP_TCP_FIN_WAIT_1:
		tcp_conn_set_state(c, tcp_fin_acked(c) ? MP_TCP_TIME_WAIT : MP_TCP_CLOSING);
		break;
	case MP_TCP_FIN_WAIT_2:
		tcp_conn_set_state(c, MP_TCP_TIME_WAIT);
		break;
	default:
		return true;
	}
	if (!(c->flags & TF_APP_CLOSED) && cb != NULL && cb->peer_closed != NULL) {
		cb->peer_closed(c, c->arg);
		if (c->state == MP_TCP_CLOSED)
			return false;
	}
	if (c->state == MP_TCP_TIME_WAIT)
		tcp_conn_time_wait(c);
	return c->state != MP_TCP_CLOSED;
}

/* Payload and FIN of an acceptable segment. False when c was closed. */
static bool
tcp_process_data(struct mp_tcp_conn *c, struct rte_mbuf *m, struct tcp_seg *sg,
                 uint32_t payload_off)
{
	struct mp_tcp_stack *s = c->stack;
	uint32_t seq = sg->seq, len = sg->len, win;
	bool fin = sg->flags & TH_FIN, had_ooo, ooo_fin;
	struct rte_mbuf *q;

	if (c->state != MP_TCP_ESTABLISHED && c->state != MP_TCP_FIN_WAIT_1 &&
	    c->state != MP_TCP_FIN_WAIT_2 && c->state != MP_TCP_SYN_RECEIVED) {
		/* After the peer's FIN nothing more is expected (RFC 9293 3.10.7.4 seventh). */
		rte_pktmbuf_free(m);
		return true;
	}
	if (len > 0 && (c->flags & TF_APP_CLOSED)) {
		/* Nobody will read it: tell the peer (as RFC 9293 3.6.1 / Linux do). */
		tcp_drop_pkt(s, m, MP_DROP_TCP_CLOSED);
		tcp_send_rst(c);
		tcp_conn_drop(c, false);
		return false;
	}
	if (len == 0 && !fin) {
		rte_pktmbuf_free(m);
		return true;
	}
	m = tcp_mbuf_trim_front(m, payload_off);
	tcp_mbuf_trim_to(m, len);
	if (SEQ_LT(seq, c->rcv_nxt)) {
		uint32_t old = RTE_MIN(c->rcv_nxt - seq, len);

		m = tcp_mbuf_trim_front(m, old);
		seq += old;
		len -= old;
	}
	win = tcp_rcv_window(c);
	if (SEQ_GT(c->rcv_adv, c->rcv_nxt + win))
		win = c->rcv_adv - c->rcv_nxt;
	if (SEQ_GT(seq + len, c->rcv_nxt + win)) {
		len = c->rcv_nxt + win - seq;
		tcp_mbuf_trim_to(m, len);
		fin = false;
	}
	if (seq != c->rcv_nxt) {
		if (fin) {
			c->flags |= TF_OOO_FIN;
			c->fin_seq = seq + len;
		}
		if (len == 0)
			rte_pktmbuf_free(m);
		else if (!tcp_ooo_insert(c, m, seq, fin))
			tcp_drop_pkt(s, m, MP_DROP_TCP_OOO_FULL);
		/* RFC 5681 4.2: an out-of-order segment is ACKed at once (a duplicate ACK). */
		c->flags |= TF_ACKNOW;
		return true;
	}
	had_ooo = c->ooo_head != NULL;
	if (len > 0) {
		if (!tcp_deliver(c, m))
			return false;
	} else {
		rte_pktmbuf_free(m);
	}
	while ((q = tcp_ooo_pull(c, &ooo_fin)) != NULL)
		if (!tcp_deliver(c, q))
			return false;
	if ((c->flags & TF_OOO_FIN) && c->rcv_nxt == c->fin_seq)
		fin = true;
	tcp_sack_tx_trim(c);
	if (had_ooo)
		c->flags |= TF_ACKNOW; /* filled (part of) a gap: ACK at once */
	else if (len > 0)
		tcp_delack_schedule(c);
	if (fin)
		return tcp_fin_in(c);
	return true;
}

/* RFC 9293 3.10.7.4 for every state after SYN_SENT. Consumes m. */
static void
tcp_input_conn(struct mp_tcp_conn *c, struct rte_mbuf *m, struct tcp_seg *sg, uint32_t payload_off)
{
	struct mp_tcp_stack *s = c->stack;

	c->last_rx_us = tcp_now_us(s);
	c->probes = 0;
	if (c->state == MP_TCP_SYN_SENT) {
		tcp_input_syn_sent(c, m, sg);
		return;
	}
	/* A retransmitted SYN while we wait for the handshake's ACK: answer it again. */
	if (c->state == MP_TCP_SYN_RECEIVED && (sg->flags & (TH_SYN | TH_ACK)) == TH_SYN &&
	    sg->seq == c->irs) {
		tcp_send_syn(c);
		rte_pktmbuf_free(m);
		return;
	}
	/*
	 * The peer's SYN again, with or without an ACK (a simultaneous open's SYN-ACK, or a SYN-ACK
	 * repeated because our ACK was lost): the SYN is old, the rest is not. Trim it, as BSD
	 * does, and answer with an ACK.
	 */
	if ((sg->flags & TH_SYN) && sg->seq == c->irs && (sg->flags & TH_ACK)) {
		sg->flags &= (uint8_t)~TH_SYN;
		sg->seq++;
		c->flags |= TF_ACKNOW;
	}
	/* PAWS (RFC 7323 5.3), unless ts_recent is older than 24 days. */
	if ((c->flags & TF_TS) && sg->has_ts && !(sg->flags & TH_RST) &&
	    SEQ_LT(sg->tsval, c->ts_recent) &&
	    (uint32_t)(s->now_us / 1000000) - c->ts_recent_age < TCP_PAWS_IDLE_S) {
		c->flags |= TF_ACKNOW;
		tcp_output(c);
		tcp_drop_pkt(s, m, MP_DROP_TCP_PAWS);
		return;
	}
	if (!tcp_acceptable(c, sg)) {
		/* RFC 9293 3.10.7.4: with a zero window nothing is acceptable, "but special
		 * allowance should be made to accept valid ACKs". */
		if (sg->len == 0 && (sg->flags & (TH_SYN | TH_ACK | TH_FIN | TH_RST)) == TH_ACK &&
		    tcp_rcv_window(c) == 0 && c->state != MP_TCP_SYN_RECEIVED &&
		    c->state != MP_TCP_TIME_WAIT && SEQ_LEQ(sg->ack, c->snd_max) &&
		    SEQ_GEQ(sg->ack, c->snd_una - c->max_snd_wnd) && !tcp_process_ack(c, sg)) {
			tcp_drop_pkt(s, m, MP_DROP_TCP_WINDOW);
			return;
		}
		if (!(sg->flags & TH_RST)) {
			/* Data wholly below rcv_nxt arrived again: say so (D-SACK). */
			if (sg->len > 0 && SEQ_LEQ(sg->seq + sg->len, c->rcv_nxt))
				tcp_send_dsack(c, sg->seq, sg->seq + sg->len);
			else
				tcp_send_ack(c);
			if (c->state == MP_TCP_TIME_WAIT && (sg->flags & TH_FIN))
				tcp_timer_set(c, TCP_T_TIME_WAIT,
				              (uint64_t)s->p.time_wait_ms * 1000);
		}
		tcp_drop_pkt(s, m,
		             (sg->len == 0 && !(sg->flags & (TH_SYN | TH_FIN | TH_RST)))
		                     ? MP_DROP_TCP_WINDOW
		                     : (SEQ_LT(sg->seq, c->rcv_nxt) ? MP_DROP_TCP_DUP
		                                                    : MP_DROP_TCP_WINDOW));
		return;
	}
	/* RFC 5961 3.2: a RST is honoured only at rcv_nxt; elsewhere in the window, challenge. */
	if (sg->flags & TH_RST) {
		if (sg->seq != c->rcv_nxt) {
			tcp_challenge_ack(c);
			tcp_drop_pkt(s, m, MP_DROP_TCP_RST);
			return;
		}
		tcp_stat(s, MP_TCP_ST_RESETS_IN, 1);
		rte_pktmbuf_free(m);
		tcp_conn_drop(c, c->state != MP_TCP_TIME_WAIT);
		return;
	}
	/* RFC 5961 4.2: a SYN on a synchronized connection gets a challenge ACK. */
	if (sg->flags & TH_SYN) {
		tcp_challenge_ack(c);
		tcp_drop_pkt(s, m, MP_DROP_TCP_SYN);
		return;
	}
	if (!(sg->flags & TH_ACK)) {
		tcp_drop_pkt(s, m, MP_DROP_TCP_NO_ACK);
		return;
	}
	/* RFC 7323 4.3: remember the timestamp of a segment at the left window edge. */
	if ((c->flags & TF_TS) && sg->has_ts && SEQ_LEQ(sg->seq, c->rcv_nxt) &&
	    SEQ_GEQ(sg->tsval, c->ts_recent)) {
		c->ts_recent = sg->tsval;
		c->ts_recent_age = (uint32_t)(s->now_us / 1000000);
	}
	if (c->state == MP_TCP_SYN_RECEIVED) {
		if (SEQ_LEQ(sg->ack, c->snd_una) || SEQ_GT(sg->ack, c->snd_max)) {
			tcp_reply_rst(s, m, sg, &c->tuple);
			tcp_drop_pkt(s, m, MP_DROP_TCP_ACK);
			return;
		}
		if (!tcp_established(c, sg)) {
			rte_pktmbuf_free(m);
			return;
		}
	}
	/* RFC 5961 5.2: ACKs of data never sent, or older than the largest window, are not
	 * trusted. */
	if (SEQ_GT(sg->ack, c->snd_max)) {
		tcp_send_ack(c);
		tcp_drop_pkt(s, m, MP_DROP_TCP_ACK);
		return;
	}
	if (SEQ_LT(sg->ack, c->snd_una - c->max_snd_wnd)) {
		tcp_challenge_ack(c);
		tcp_drop_pkt(s, m, MP_DROP_TCP_ACK);
		return;
	}
	if (c->state == MP_TCP_TIME_WAIT) {
		rte_pktmbuf_free(m);
		return;
	}
	if (!tcp_process_ack(c, sg)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (!tcp_process_data(c, m, sg, payload_off))
		return;
	if (c->state != MP_TCP_CLOSED && c->state != MP_TCP_TIME_WAIT)
		tcp_output(c);
}

/* Parse the TCP header of m into sg; MP_DROP_NONE or why it is refused. */
static enum mp_drop
tcp_parse(struct rte_mbuf *m, const struct mp_pkt_info *pi, struct tcp_seg *sg,
          struct mp_tcp_tuple *t, uint32_t *payload_off)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_tcp_hdr *th;
	uint8_t f;

	if (pi->l4_proto != IPPROTO_TCP || pi->l4_len < TCP_HDR_LEN ||
	    (uint32_t)pi->l4_off + pi->l4_len > pi->pkt_len ||
	    pi->l4_off + pi->l4_len > m->data_len)
		return MP_DROP_L4_TRUNC;
	th = (const struct rte_tcp_hdr *)(frame + pi->l4_off);
	memset(sg, 0, sizeof(*sg));
	sg->seq = rte_be_to_cpu_32(th->sent_seq);
	sg->ack = rte_be_to_cpu_32(th->recv_ack);
	sg->wnd = rte_be_to_cpu_16(th->rx_win);
	sg->flags = f = th->tcp_flags & (TH_FIN | TH_SYN | TH_RST | TH_PSH | TH_ACK | TH_URG);
	sg->len = pi->pkt_len - pi->l4_off - pi->l4_len;
	*payload_off = pi->l4_off + pi->l4_len;
	if ((f & (TH_SYN | TH_RST)) == (TH_SYN | TH_RST) ||
	    (f & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN) ||
	    (f & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) == 0)
		return MP_DROP_TCP_FLAGS;
	if (!tcp_opt_parse((const uint8_t *)(th + 1), pi->l4_len - TCP_HDR_LEN, f & TH_SYN, sg))
		return MP_DROP_TCP_OPTS;
	memset(t, 0, sizeof(*t));
	if (pi->l3 == MP_L3_IPV4) {
		t->family = AF_INET;
		memcpy(t->raddr, frame + pi->l3_off + 12, 4);
		memcpy(t->laddr, frame + pi->l3_off + 16, 4);
	} else {
		t->family = AF_INET6;
		memcpy(t->raddr, frame + pi->l3_off + 8, 16);
		memcpy(t->laddr, frame + pi->l3_off + 24, 16);
	}
	t->lport = th->dst_port;
	t->rport = th->src_port;
	return MP_DROP_NONE;
}

/* TIME_WAIT meets a new SYN: reuse when it is clearly a new incarnation (RFC 6191). */
static bool
tcp_tw_recyclable(const struct mp_tcp_conn *c, const struct tcp_seg *sg)
{
	if ((sg->flags & (TH_SYN | TH_ACK | TH_RST)) != TH_SYN)
		return false;
	if ((c->flags & TF_TS) && sg->has_ts)
		return SEQ_GT(sg->tsval, c->ts_recent);
	return SEQ_GT(sg->seq, c->rcv_nxt);
}

static void
tcp_input_one(struct mp_tcp_stack *s, struct rte_mbuf *m)
{
	const struct mp_pkt_info *pi = mp_pkt_info_of(m);
	struct mp_tcp_tuple t;
	struct mp_tcp_conn *c;
	uint32_t payload_off;
	struct tcp_seg sg;
	enum mp_drop d;

	d = tcp_parse(m, pi, &sg, &t, &payload_off);
	if (d != MP_DROP_NONE) {
		tcp_drop_pkt(s, m, d);
		return;
	}
	tcp_stat(s, MP_TCP_ST_SEGS_IN, 1);
	c = tcp_conn_lookup(s, &t);
	if (c != NULL && c->state == MP_TCP_TIME_WAIT && tcp_tw_recyclable(c, &sg)) {
		tcp_stat(s, MP_TCP_ST_TIME_WAIT_RECYCLED, 1);
		tcp_conn_drop(c, false);
		c = NULL;
	}
	if (c == NULL) {
		tcp_input_listen(s, m, &sg, &t, payload_off);
		return;
	}
	c->port = m->port;
	tcp_input_conn(c, m, &sg, payload_off);
}

void
mp_tcp_input(struct mp_tcp_stack *s, struct rte_mbuf **pkts, uint16_t n)
{
	s->busy++;
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		tcp_input_one(s, pkts[i]);
	}
	s->busy--;
	tcp_conn_reap(s);
}
