/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection timers on the worker's wheel. One timer does the tail loss probe (RFC 8985 7),
 * the retransmission timeout (RFC 6298, with Karn's rule and exponential back-off), the
 * zero-window probe, keepalive,
 * the FIN_WAIT_2 limit and TIME_WAIT, which never run at the same time; a second one is the
 * delayed ACK (RFC 5681 4.2, RFC 9293 3.8.6.3).
 */
#include <rte_common.h>

#include "tcp_priv.h"

#define RTO_BACKOFF_MAX 16   /* shifts: the RTO cap is reached long before */
#define CLOCK_G_US      1000 /* RFC 6298 G: our clock granularity */

static void
tcp_timer_arm_us(struct mp_tcp_conn *c, struct mp_timer *t, uint64_t us)
{
	struct mp_tcp_stack *s = c->stack;

	mp_timer_arm(s->p.wheel, t, s->now + tcp_us_to_ticks(s, us));
}

void
tcp_timer_set(struct mp_tcp_conn *c, enum tcp_timer_kind k, uint64_t us)
{
	c->timer_kind = (uint8_t)k;
	tcp_timer_arm_us(c, &c->rtx_timer, us);
}

static void
tcp_timer_stop(struct mp_tcp_conn *c)
{
	c->timer_kind = TCP_T_NONE;
	mp_timer_cancel(c->stack->p.wheel, &c->rtx_timer);
}

void
tcp_timer_cancel_all(struct mp_tcp_conn *c)
{
	tcp_timer_stop(c);
	mp_timer_cancel(c->stack->p.wheel, &c->ack_timer);
}

uint64_t
tcp_rto_cur(const struct mp_tcp_conn *c)
{
	uint64_t rto = (uint64_t)c->rto_us << RTE_MIN(c->backoff, RTO_BACKOFF_MAX);

	return RTE_MIN(rto, (uint64_t)c->stack->p.rto_max_ms * 1000);
}

/*
 * RFC 8985 7.2: a tail loss probe may go first when SACK will tell what it found, the RTT is
 * known, and no recovery (fast or after an RTO) and no other probe is under way.
 */
static bool
tcp_tlp_allowed(const struct mp_tcp_conn *c)
{
	return c->stack->p.tlp && (c->flags & TF_SACK) && c->srtt_us != 0 && c->backoff == 0 &&
	       !(c->tlp & TLP_OUT) && !(c->flags & TF_RECOVERY) &&
	       SEQ_GEQ(c->snd_una, c->recover) &&
	       (c->state == MP_TCP_ESTABLISHED || c->state == MP_TCP_CLOSE_WAIT);
}

/* RFC 8985 7.2 PTO: 2 SRTT, plus the peer's delayed ACK with one segment out, at most the RTO. */
static uint64_t
tcp_pto(const struct mp_tcp_conn *c)
{
	uint64_t pto = 2 * (uint64_t)c->srtt_us;

	if (tcp_flight(c) <= tcp_seg_room(c))
		pto += TCP_WCDELACK_US;
	pto = RTE_MAX(pto, (uint64_t)TCP_PTO_MIN_US);
	return RTE_MIN(pto, tcp_rto_cur(c));
}

/* Data is outstanding: time it with the probe timer when allowed, else the RTO. */
void
tcp_timer_arm_loss(struct mp_tcp_conn *c)
{
	if (tcp_sack_reo_wanted(c)) {
		/* Kept when it already runs: it counts from the first SACK above the hole. */
		if (c->timer_kind != TCP_T_REO)
			tcp_timer_set(c, TCP_T_REO, tcp_sack_reo_wnd(c));
	} else if (tcp_tlp_allowed(c))
		tcp_timer_set(c, TCP_T_TLP, tcp_pto(c));
	else
		tcp_timer_set(c, TCP_T_RTO, tcp_rto_cur(c));
}

/* After an ACK: restart the RTO while data is outstanding (RFC 6298 5.3), else idle timers. */
void
tcp_timer_rearm(struct mp_tcp_conn *c)
{
	struct mp_tcp_stack *s = c->stack;

	if (c->state == MP_TCP_TIME_WAIT)
		return;
	if (c->snd_max != c->snd_una) {
		tcp_timer_arm_loss(c);
		return;
	}
	if (c->timer_kind == TCP_T_PERSIST)
		return;
	if (c->state == MP_TCP_FIN_WAIT_2 && (c->flags & TF_APP_CLOSED)) {
		if (c->timer_kind != TCP_T_FIN_WAIT2)
			tcp_timer_set(c, TCP_T_FIN_WAIT2, (uint64_t)s->p.fin_wait2_ms * 1000);
		return;
	}
	if (s->p.keepalive && c->state == MP_TCP_ESTABLISHED) {
		if (c->timer_kind != TCP_T_KEEPALIVE)
			tcp_timer_set(c, TCP_T_KEEPALIVE,
			              (uint64_t)s->p.keepalive_idle_s * 1000000);
		return;
	}
	tcp_timer_stop(c);
}

void
tcp_rtt_sample(struct mp_tcp_conn *c, uint32_t r)
{
	const struct mp_tcp_params *p = &c->stack->p;
	uint32_t rto;

	if (r == 0)
		r = 1;
	if (c->srtt_us == 0) {
		c->srtt_us = r;
		c->rttvar_us = r / 2;
	} else {
		uint32_t delta = c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;

		c->rttvar_us = c->rttvar_us - c->rttvar_us / 4 + delta / 4;
		c->srtt_us = c->srtt_us - c->srtt_us / 8 + r / 8;
	}
	rto = c->srtt_us + RTE_MAX((uint32_t)CLOCK_G_US, 4 * c->rttvar_us);
	rto = RTE_MAX(rto, p->rto_min_ms * 1000);
	c->rto_us = RTE_MIN(rto, p->rto_max_ms * 1000);
}

/* A probe the peer answers with an ACK: a segment one below snd_una, no data. */
static void
tcp_send_probe(struct mp_tcp_conn *c)
{
	tcp_send_segment(c, c->snd_una - 1, 0, 0);
}

static void
tcp_timeout(struct mp_tcp_conn *c)
{
	tcp_stat(c->stack, MP_TCP_ST_TIMEOUTS, 1);
	if (c->state != MP_TCP_SYN_SENT)
		tcp_send_rst(c);
	tcp_conn_drop(c, true);
}

static void
tcp_rto_fire(struct mp_tcp_conn *c)
{
	struct mp_tcp_stack *s = c->stack;

	tcp_stat(s, MP_TCP_ST_RTO_EXPIRED, 1);
	c->flags &= ~TF_RTT; /* Karn: no sample from a retransmitted segment */
	if (c->state == MP_TCP_SYN_SENT || c->state == MP_TCP_SYN_RECEIVED) {
		if (c->backoff >= s->p.syn_retries) {
			tcp_timeout(c);
			return;
		}
		c->backoff++;
		tcp_stat(s, MP_TCP_ST_RETRANS_SEGS, 1);
		tcp_send_syn(c);
		tcp_timer_set(c, TCP_T_RTO, tcp_rto_cur(c));
		return;
	}
	if (c->backoff >= s->p.max_retries) {
		tcp_timeout(c);
		return;
	}
	mp_tcp_cc_on_rto(&c->cc, tcp_flight(c), s->now_us, c->backoff == 0);
	/* RFC 6582 3.2 (4) / RFC 6675 5.1: no new recovery below what has been sent. */
	c->flags &= ~(TF_RECOVERY | TF_LOSS);
	c->inflate = 0;
	c->recover = c->snd_max;
	c->high_rxt = c->snd_una;
	c->dupacks = 0;
	c->tlp = 0; /* RFC 8985 7.3: the RTO ends the probe's episode */
	c->lost_end = c->snd_una;
	/*
	 * A second RTO in a row may mean the peer dropped data it had SACKed (reneging, RFC 2018
	 * 8): forget the scoreboard then. After a first one, keep it (RFC 6675 5.1 and its
	 * erratum 1610 allow this, as Linux does) and resend only what it shows missing.
	 */
	if (c->backoff > 0 || !(c->flags & TF_SACK))
		tcp_sack_clear(c);
	c->backoff++;
	c->snd_nxt = c->snd_una;
	if (c->flags & TF_SACK)
		tcp_sack_rto(c);
	tcp_output(c);
	if (c->state != MP_TCP_CLOSED && c->timer_kind == TCP_T_NONE && c->snd_max != c->snd_una)
		tcp_timer_set(c, TCP_T_RTO, tcp_rto_cur(c));
}

/*
 * RFC 8985 7.3: the flight's last ACK is overdue. Send one segment whose ACK (with SACK) tells
 * what was lost at the tail: new data when the peer's window takes it, else the highest
 * sequence again. Then the RTO times the flight. The window is not touched: this is no loss yet.
 */
static void
tcp_tlp_fire(struct mp_tcp_conn *c)
{
	struct mp_tcp_stack *s = c->stack;
	uint32_t room = tcp_seg_room(c), data_end = c->snd_una + c->sndq_bytes;
	uint32_t old_max = c->snd_max, sent_end, len;
	uint8_t flags = 0;

	tcp_stat(s, MP_TCP_ST_TLP_PROBES, 1);
	c->tlp = TLP_OUT;
	/* One segment past cwnd (it is not sent otherwise when the flight fills cwnd). */
	c->inflate += room;
	tcp_output(c);
	c->inflate -= room;
	if (c->state == MP_TCP_CLOSED)
		return;
	if (c->snd_max != old_max) {
		c->tlp_seq = old_max;
	} else {
		sent_end = SEQ_MIN(c->snd_max, data_end);
		len = RTE_MIN(room, sent_end - c->snd_una);
		if ((c->flags & TF_FIN_SENT) && c->snd_max == data_end + 1)
			flags = TH_FIN;
		if (len > 0 && sent_end == data_end)
			flags |= TH_PSH;
		if (tcp_send_segment(c, sent_end - len, len, flags) == 0) {
			tcp_stat(s, MP_TCP_ST_RETRANS_SEGS, 1);
			tcp_stat(s, MP_TCP_ST_RETRANS_BYTES, len);
		}
		c->flags &= ~TF_RTT; /* Karn */
		c->tlp |= TLP_REXMIT;
		c->tlp_seq = sent_end - len;
	}
	c->tlp_end = c->snd_max;
	if (c->timer_kind != TCP_T_RTO)
		tcp_timer_set(c, TCP_T_RTO, tcp_rto_cur(c));
}

static void
tcp_rtx_fire(struct mp_timer *t, uint64_t now)
{
	struct mp_tcp_conn *c = container_of(t, struct mp_tcp_conn, rtx_timer);
	struct mp_tcp_stack *s = c->stack;
	enum tcp_timer_kind k = (enum tcp_timer_kind)c->timer_kind;
	uint32_t idle_us;

	mp_tcp_set_now(s, now);
	s->busy++;
	c->timer_kind = TCP_T_NONE;
	switch (k) {
	case TCP_T_RTO:
		tcp_rto_fire(c);
		break;
	case TCP_T_TLP:
		tcp_tlp_fire(c);
		break;
	case TCP_T_REO:
		c->timer_kind = TCP_T_NONE;
		tcp_sack_reo_fire(c);
		break;
	case TCP_T_PERSIST:
		tcp_stat(s, MP_TCP_ST_PERSIST_PROBES, 1);
		tcp_send_probe(c);
		if (c->backoff < RTO_BACKOFF_MAX)
			c->backoff++;
		tcp_timer_set(c, TCP_T_PERSIST,
		              RTE_MIN(tcp_rto_cur(c), (uint64_t)s->p.persist_max_ms * 1000));
		break;
	case TCP_T_KEEPALIVE:
		idle_us = tcp_now_us(s) - c->last_rx_us;
		if (c->probes == 0 && idle_us < (uint64_t)s->p.keepalive_idle_s * 1000000) {
			tcp_timer_set(c, TCP_T_KEEPALIVE,
			              (uint64_t)s->p.keepalive_idle_s * 1000000 - idle_us);
			break;
		}
		if (c->probes >= s->p.keepalive_probes) {
			tcp_timeout(c);
			break;
		}
		c->probes++;
		tcp_stat(s, MP_TCP_ST_KEEPALIVE_PROBES, 1);
		tcp_send_probe(c);
		tcp_timer_set(c, TCP_T_KEEPALIVE, (uint64_t)s->p.keepalive_intvl_s * 1000000);
		break;
	case TCP_T_FIN_WAIT2:
	case TCP_T_TIME_WAIT:
		tcp_conn_drop(c, false);
		break;
	case TCP_T_NONE:
		break;
	}
	s->busy--;
	tcp_conn_reap_idle(s);
}

static void
tcp_delack_fire(struct mp_timer *t, uint64_t now)
{
	struct mp_tcp_conn *c = container_of(t, struct mp_tcp_conn, ack_timer);

	mp_tcp_set_now(c->stack, now);
	tcp_stat(c->stack, MP_TCP_ST_DELAYED_ACKS, 1);
	tcp_send_ack(c);
	tcp_conn_reap_idle(c->stack);
}

void
tcp_timer_init(struct mp_tcp_conn *c)
{
	mp_timer_init(&c->rtx_timer, tcp_rtx_fire);
	mp_timer_init(&c->ack_timer, tcp_delack_fire);
}

/* In-order data arrived: ACK now or within delack_ms, at least every second segment. */
void
tcp_delack_schedule(struct mp_tcp_conn *c)
{
	struct mp_tcp_stack *s = c->stack;

	if (!s->p.delayed_ack || ++c->unacked_segs >= TCP_DELACK_SEGS) {
		c->flags |= TF_ACKNOW;
		return;
	}
	if (!mp_timer_armed(&c->ack_timer))
		tcp_timer_arm_us(c, &c->ack_timer, (uint64_t)s->p.delack_ms * 1000);
}

void
tcp_delack_cancel(struct mp_tcp_conn *c)
{
	mp_timer_cancel(c->stack->p.wheel, &c->ack_timer);
}
