/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loss recovery: the SACK scoreboard (RFC 2018) with RFC 6675 loss recovery, and fast
 * retransmit / NewReno recovery (RFC 5681 3.2, RFC 6582) for peers without SACK. The window
 * itself is congestion control's (tcp_cc.h); this file decides when an episode starts and ends
 * and what is retransmitted.
 *
 * The scoreboard keeps TCP_SACK_BLOCKS disjoint blocks above snd_una, sorted. When a fifth
 * would be needed the lowest is forgotten: its bytes then look lost and may be sent again,
 * which costs bandwidth but never loses data.
 */
#include <string.h>

#include "tcp_priv.h"

void
tcp_sack_clear(struct mp_tcp_conn *c)
{
	c->n_sack = 0;
	c->sacked = 0;
}

static void
tcp_sack_recount(struct mp_tcp_conn *c)
{
	c->sacked = 0;
	for (unsigned int i = 0; i < c->n_sack; i++)
		c->sacked += c->sack[i].end - c->sack[i].start;
}

/* Drop what snd_una passed. */
static void
tcp_sack_trim(struct mp_tcp_conn *c)
{
	unsigned int j = 0;

	for (unsigned int i = 0; i < c->n_sack; i++) {
		struct tcp_sack_block b = c->sack[i];

		if (SEQ_LEQ(b.end, c->snd_una))
			continue;
		if (SEQ_LT(b.start, c->snd_una))
			b.start = c->snd_una;
		c->sack[j++] = b;
	}
	c->n_sack = (uint8_t)j;
}

static void
tcp_sack_add(struct mp_tcp_conn *c, uint32_t start, uint32_t end)
{
	struct tcp_sack_block blk[TCP_SACK_BLOCKS + 1];
	unsigned int n = 0, i = 0;

	/* Merge into a sorted list: blocks wholly before, the merged block, blocks after. */
	while (i < c->n_sack && SEQ_LT(c->sack[i].end, start))
		blk[n++] = c->sack[i++];
	while (i < c->n_sack && SEQ_LEQ(c->sack[i].start, end)) {
		start = SEQ_MIN(start, c->sack[i].start);
		end = SEQ_MAX(end, c->sack[i].end);
		i++;
	}
	blk[n].start = start;
	blk[n].end = end;
	n++;
	while (i < c->n_sack)
		blk[n++] = c->sack[i++];
	if (n > TCP_SACK_BLOCKS) {
		memmove(blk, blk + 1, (n - 1) * sizeof(blk[0]));
		n--;
	}
	memcpy(c->sack, blk, n * sizeof(blk[0]));
	c->n_sack = (uint8_t)n;
}

/*
 * RFC 8985 6.2 step 4: a D-SACK (RFC 2883: the first block lies below the ACK or inside the
 * second) says data was resent that had arrived, so the reordering window was too short: widen
 * it, once per flight, and keep it wide for 16 recoveries.
 */
static void
tcp_sack_dsack(struct mp_tcp_conn *c, const struct tcp_seg *sg)
{
	const struct tcp_sack_block *b = sg->sack;

	if (!(SEQ_LEQ(b[0].end, sg->ack) ||
	      (sg->n_sack > 1 && SEQ_GEQ(b[0].start, b[1].start) && SEQ_LEQ(b[0].end, b[1].end))))
		return;
	c->reo_persist = 16;
	if ((c->reo_mult > 0 && SEQ_LT(c->snd_una, c->reo_seq)) || c->reo_mult >= 3)
		return;
	c->reo_mult++;
	c->reo_seq = c->snd_max;
}

/* RFC 8985 6.2 RACK.reo_wnd: (reo_wnd_mult / 4) of the RTT, at most the RTT, with a floor. */
uint32_t
tcp_sack_reo_wnd(const struct mp_tcp_conn *c)
{
	return RTE_MAX(c->srtt_us / 4 * (c->reo_mult + 1u), (uint32_t)TCP_REO_MIN_US);
}

void
tcp_sack_update(struct mp_tcp_conn *c, const struct tcp_seg *sg)
{
	tcp_sack_dsack(c, sg);
	for (unsigned int i = 0; i < sg->n_sack; i++) {
		uint32_t start = sg->sack[i].start, end = sg->sack[i].end;

		/* Ignore blocks that are empty, below snd_una (D-SACK) or beyond what was sent. */
		if (!SEQ_LT(start, end) || SEQ_LEQ(end, c->snd_una) || SEQ_GT(end, c->snd_max))
			continue;
		if (SEQ_LT(start, c->snd_una))
			start = c->snd_una;
		tcp_sack_add(c, start, end);
	}
	tcp_sack_recount(c);
}

/* Highest SACKed sequence + 1, or snd_una. */
static uint32_t
tcp_sack_fack(const struct mp_tcp_conn *c)
{
	return c->n_sack > 0 ? c->sack[c->n_sack - 1].end : c->snd_una;
}

/* Bytes SACKed above seq. */
static uint32_t
tcp_sacked_above(const struct mp_tcp_conn *c, uint32_t seq)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < c->n_sack; i++)
		if (SEQ_GEQ(c->sack[i].start, seq))
			n += c->sack[i].end - c->sack[i].start;
	return n;
}

/*
 * RFC 6675 IsLost(): more than (DupThresh - 1) * SMSS bytes SACKed above seq; or below
 * lost_end, which a delivered tail loss probe sets (RFC 8985 6.2: what was sent a PTO before a
 * segment that arrived, and is still missing, is lost).
 */
static bool
tcp_sack_is_lost(const struct mp_tcp_conn *c, uint32_t seq)
{
	return SEQ_LT(seq, c->lost_end) ||
	       tcp_sacked_above(c, seq) > (TCP_DUPTHRESH - 1) * (uint32_t)c->cc.mss;
}

/*
 * An ACK while a tail loss probe is out (RFC 8985 7.4, as Linux's tcp_process_tlp_ack()).
 * The probe SACKed above missing data: that data is lost (lost_end), recovery starts in
 * tcp_ack_recovery(). A retransmitted probe repaired a loss, and the window is reduced once,
 * when the ACK then goes past tlp_end without the peer reporting the probe as a duplicate
 * (D-SACK, RFC 2883); a pure duplicate ACK at tlp_end means both copies arrived.
 */
void
tcp_tlp_ack(struct mp_tcp_conn *c, const struct tcp_seg *sg, uint32_t flight)
{
	bool dsack = sg->n_sack > 0 && SEQ_LEQ(sg->sack[0].end, sg->ack);

	if (!(c->tlp & TLP_OUT))
		return;
	if (SEQ_LT(sg->ack, c->tlp_seq) && SEQ_GT(tcp_sack_fack(c), c->tlp_seq) &&
	    SEQ_GT(c->tlp_seq, c->lost_end)) {
		c->lost_end = c->tlp_seq;
		c->tlp &= (uint8_t)~TLP_REXMIT; /* recovery reduces the window, not the probe */
	}
	if (SEQ_LT(sg->ack, c->tlp_end))
		return;
	if (!(c->tlp & TLP_REXMIT) || dsack) {
		c->tlp = 0;
	} else if (SEQ_GT(sg->ack, c->tlp_end)) {
		if (!(c->flags & TF_RECOVERY)) {
			mp_tcp_cc_on_congestion(&c->cc, flight, c->stack->now_us);
			mp_tcp_cc_on_recovery_end(&c->cc);
			tcp_stat(c->stack, MP_TCP_ST_TLP_RECOVERIES, 1);
		}
		c->tlp = 0;
	} else if (sg->ack == c->snd_una && sg->n_sack == 0) {
		c->tlp = 0;
	}
}

/*
 * The first lost hole at or above from: [start, start + len). Holes are the gaps below the
 * highest SACKed byte; a hole counts as lost per IsLost(), or always with any (NextSeg rule 3,
 * when no new data is left to send).
 */
bool
tcp_sack_next_hole(const struct mp_tcp_conn *c, uint32_t from, bool any, uint32_t *start,
                   uint32_t *len)
{
	uint32_t a = c->snd_una;

	if (SEQ_LT(from, a))
		from = a;
	for (unsigned int i = 0; i < c->n_sack; i++) {
		uint32_t b = c->sack[i].start;

		if (SEQ_GT(b, from) && SEQ_LT(from, b)) {
			uint32_t s = SEQ_MAX(a, from);

			if (SEQ_LT(s, b) && (any || tcp_sack_is_lost(c, s))) {
				*start = s;
				*len = b - s;
				return true;
			}
		}
		a = c->sack[i].end;
	}
	return false;
}

/*
 * RFC 6675 SetPipe(), simplified to the scoreboard's blocks: bytes sent above the highest
 * SACK, plus retransmitted bytes of holes, plus holes not yet judged lost.
 */
uint32_t
tcp_sack_pipe(const struct mp_tcp_conn *c)
{
	uint32_t fack = tcp_sack_fack(c);
	/* snd_nxt, not snd_max: after an RTO what lies above snd_nxt is lost (tcp_sack_rto). */
	uint32_t pipe = SEQ_GT(c->snd_nxt, fack) ? c->snd_nxt - fack : 0;
	uint32_t a = c->snd_una;

	for (unsigned int i = 0; i < c->n_sack; i++) {
		uint32_t b = c->sack[i].start;

		for (uint32_t s = a; SEQ_LT(s, b);) {
			/* Retransmitted part of the hole, or a hole not (yet) lost, is in flight.
			 */
			if (SEQ_LT(s, c->high_rxt)) {
				uint32_t e = SEQ_MIN(b, c->high_rxt);

				pipe += e - s;
				s = e;
			} else {
				if (!tcp_sack_is_lost(c, s))
					pipe += b - s;
				break;
			}
		}
		a = c->sack[i].end;
	}
	return pipe;
}

/* The hole at snd_una was (re)sent now: data sent from here on will show whether it arrived. */
void
tcp_rxt_una_mark(struct mp_tcp_conn *c)
{
	c->rxt_una = c->snd_una;
	c->rxt_mark = c->snd_nxt;
}

/*
 * An RTO on a SACK connection begins a recovery episode of its own (TF_LOSS), up to recover =
 * snd_max, in which every byte neither acknowledged nor SACKed counts as lost (RFC 8985 6.3
 * marks them so on an RTO; Linux's Loss state). The holes below the highest SACK go first
 * (NextSeg, lost_end), then what lies above it, from snd_nxt as in go-back-N; the window grows
 * from one segment by slow start (tcp_ack_recovery). What used to follow an RTO (the
 * scoreboard cleared, everything resent, no recovery until recover) left a retransmission lost
 * again to a second RTO, backed off; within the episode tcp_sack_lost_rxt() finds it.
 */
void
tcp_sack_rto(struct mp_tcp_conn *c)
{
	uint32_t fack = tcp_sack_fack(c);

	c->flags |= TF_RECOVERY | TF_LOSS;
	c->lost_end = fack;
	c->snd_nxt = fack;
	c->high_rxt = c->snd_una;
	c->rxt_una = c->snd_una - 1; /* no retransmission of the first hole yet */
}

/*
 * A lost retransmission, found the way RACK finds losses (RFC 8985 6.2, by sequence rather than
 * by time): the peer SACKed data that was first sent after the hole at snd_una was resent, and
 * the hole is still there. RFC 6675 alone resends a hole once, and only the RTO would try it
 * again: at 1 % loss that was an RTO in one recovery of fifty, hundreds of milliseconds each.
 * Reordering deeper than the flight sent since the retransmission costs a spurious resend.
 */
static void
tcp_sack_lost_rxt(struct mp_tcp_conn *c)
{
	if (c->rxt_una != c->snd_una || !SEQ_LT(c->snd_una, c->high_rxt) ||
	    !SEQ_GT(tcp_sack_fack(c), c->rxt_mark))
		return;
	c->high_rxt = c->snd_una; /* NextSeg sends the lost holes again, from the first */
	c->rxt_mark = c->snd_max; /* and only new evidence repeats this */
	tcp_stat(c->stack, MP_TCP_ST_LOST_RETRANS, 1);
}

/* Retransmit one segment at snd_una (fast retransmit, partial ACK). */
static void
tcp_retransmit_una(struct mp_tcp_conn *c)
{
	struct mp_tcp_stack *s = c->stack;
	uint32_t len = RTE_MIN(tcp_seg_room(c), c->sndq_bytes);

	if (len == 0)
		return;
	if (tcp_send_segment(c, c->snd_una, len, 0) < 0)
		return;
	tcp_rxt_una_mark(c);
	if (SEQ_LT(c->high_rxt, c->snd_una + len))
		c->high_rxt = c->snd_una + len;
	c->flags &= ~TF_RTT;
	tcp_stat(s, MP_TCP_ST_RETRANS_SEGS, 1);
	tcp_stat(s, MP_TCP_ST_RETRANS_BYTES, len);
}

/* Fast retransmit: a recovery episode begins (RFC 5681 3.2, RFC 6582 3.2, RFC 6675 5). */
static void
tcp_recovery_enter(struct mp_tcp_conn *c, uint32_t flight)
{
	struct mp_tcp_stack *s = c->stack;
	bool sack = c->flags & TF_SACK;

	c->recover = c->snd_max;
	c->flags |= TF_RECOVERY;
	c->high_rxt = c->snd_una;
	mp_tcp_cc_on_congestion(&c->cc, flight, s->now_us);
	tcp_stat(s, MP_TCP_ST_FAST_RETRANS, 1);
	if (sack)
		tcp_stat(s, MP_TCP_ST_SACK_RECOVERY, 1);
	tcp_retransmit_una(c);
	if (!sack)
		c->inflate = TCP_DUPTHRESH * (uint32_t)c->cc.mss;
	tcp_timer_rearm(c);
}

/*
 * RACK's reordering window (RFC 8985 6.2), from what the scoreboard knows: data above the hole
 * at snd_una was SACKed, and all of it was first sent after that hole (no recovery runs, so
 * nothing below was resent since). With fewer than DupThresh segments behind the hole (a
 * small window, or the duplicates lost) RFC 6675 never calls it lost, and the tail loss probe
 * may be lost too: the RTO was the repair, 200 ms or more. RACK calls the hole lost once it
 * has been missing a reordering window longer than data sent after it; the timer measures the
 * window from the first SACK above it, later than RACK would (the SACKed data left later).
 */
bool
tcp_sack_reo_wanted(const struct mp_tcp_conn *c)
{
	return (c->flags & TF_SACK) && !(c->flags & TF_RECOVERY) && c->stack->p.rack &&
	       c->srtt_us != 0 && SEQ_GT(tcp_sack_fack(c), c->snd_una) &&
	       SEQ_GEQ(c->snd_una, c->recover);
}

/* The window passed and the hole is still there: it is lost, and every hole below the
 * highest SACK with it (all were sent before the SACKed data). */
void
tcp_sack_reo_fire(struct mp_tcp_conn *c)
{
	if (!tcp_sack_reo_wanted(c)) {
		tcp_timer_rearm(c);
		return;
	}
	tcp_stat(c->stack, MP_TCP_ST_REO_LOSSES, 1);
	c->lost_end = tcp_sack_fack(c);
	tcp_recovery_enter(c, tcp_flight(c));
	tcp_output(c);
}

/*
 * The ACK-driven half of loss recovery, after snd_una moved by acked bytes (0 for a
 * duplicate ACK, dup says whether it counts as one per RFC 5681 2).
 */
void
tcp_ack_recovery(struct mp_tcp_conn *c, const struct tcp_seg *sg, uint32_t acked, bool dup,
                 uint32_t flight)
{
	struct mp_tcp_stack *s = c->stack;
	bool sack = c->flags & TF_SACK, probed;

	tcp_sack_trim(c);
	tcp_sack_recount(c);
	if (c->flags & TF_RECOVERY) {
		/* After an RTO the window grows by slow start through the episode. */
		if (c->flags & TF_LOSS)
			mp_tcp_cc_on_ack(&c->cc, acked, flight, s->now_us, c->srtt_us);
		if (SEQ_GEQ(c->snd_una, c->recover)) {
			/* Full ACK: the episode is over (RFC 6582 3.2 (3), RFC 6675 5 (2)). */
			if (!(c->flags & TF_LOSS))
				mp_tcp_cc_on_recovery_end(&c->cc);
			if (c->reo_persist > 0 && --c->reo_persist == 0)
				c->reo_mult = 0;
			c->flags &= ~(TF_RECOVERY | TF_LOSS);
			c->inflate = 0;
			c->dupacks = 0;
			c->lost_end = c->snd_una;
		} else if (acked > 0) {
			/* Partial ACK: the next hole is lost too (RFC 6582 3.2 (5)). */
			if (!sack) {
				tcp_retransmit_una(c);
				c->inflate = c->inflate > acked ? c->inflate - acked : 0;
				if (acked >= c->cc.mss)
					c->inflate += c->cc.mss;
			} else if (SEQ_LT(c->high_rxt, c->snd_una)) {
				c->high_rxt = c->snd_una;
			} else if (SEQ_LT(c->snd_una, c->high_rxt)) {
				/* The new first hole was resent before: watch it from now on. */
				tcp_rxt_una_mark(c);
			}
		} else if (dup && !sack) {
			c->inflate += c->cc.mss; /* RFC 5681 3.2 (4) */
		}
		if (sack)
			tcp_sack_lost_rxt(c);
		return;
	}
	/* A delivered tail loss probe showed the data below lost_end lost: recover it now. */
	probed = sack && SEQ_GT(c->lost_end, c->snd_una);
	if (acked > 0) {
		c->dupacks = 0;
		mp_tcp_cc_on_ack(&c->cc, acked, flight, s->now_us, c->srtt_us);
		/* Keep recover and lost_end within 2^31 of snd_una, so the comparisons hold. */
		if (SEQ_GT(c->snd_una - 1, c->recover))
			c->recover = c->snd_una - 1;
		if (SEQ_LT(c->lost_end, c->snd_una))
			c->lost_end = c->snd_una;
		/*
		 * A cumulative ACK can also show the new first hole lost (IsLost: more than
		 * DupThresh - 1 segments SACKed above it), when the duplicates that came before
		 * it were lost or never sent. No duplicate may follow: recover now (Linux checks
		 * its scoreboard on every ACK too), not after a probe and an RTO.
		 */
		if (!probed && !(sack && tcp_sack_is_lost(c, c->snd_una)))
			return; /* tcp_timer_rearm() follows, and may start the reordering window */
	} else {
		if (!dup && !probed)
			return;
		if (dup && c->dupacks < UINT8_MAX)
			c->dupacks++;
		if (c->dupacks < TCP_DUPTHRESH && !(sack && tcp_sack_is_lost(c, c->snd_una))) {
			if (c->timer_kind != TCP_T_REO && tcp_sack_reo_wanted(c))
				tcp_timer_arm_loss(c);
			return;
		}
	}
	/*
	 * RFC 6582 3.2 (1)/(2), RFC 6675 5.1: no new episode until HighACK >= RecoveryPoint
	 * (recover: snd_max when the last episode or RTO began, one past the highest byte then
	 * sent). An ACK at recover itself reports a hole in data sent after that point, a new
	 * loss: refusing it (> instead of >=) left the loss of the first segment sent during a
	 * recovery to the RTO.
	 */
	if (SEQ_LT(sg->ack, c->recover))
		return;
	tcp_recovery_enter(c, flight);
}
