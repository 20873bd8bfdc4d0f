/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control: CUBIC (RFC 9438) and NewReno window growth (RFC 5681, RFC 3465).
 *
 * Units: windows in bytes, time in microseconds, K in milliseconds. CUBIC's constants are
 * per segment (C = 0.4 segments / s^3), so the cubic term is scaled by the MSS. Everything is
 * integer: the cubic term is evaluated in 128-bit integers, K by an integer cube root.
 *
 * What `acked` carries (struct mp_tcp_cc, one field for both algorithms):
 *   NewReno  bytes acknowledged in congestion avoidance since cwnd last grew by one MSS
 *            (RFC 5681 section 3.1, equation (3) counted in bytes);
 *   CUBIC    the remainder of the Reno-friendly estimate's growth (section 4.3), in units of
 *            1 / (CC_ALPHA_DEN * cwnd) bytes, so W_est loses no fraction between ACKs.
 */
#include <stdbool.h>

#include "tcp_cc.h"
#include "tcp_cc_priv.h"

/*
 * A window larger than the largest receive window (65535 << 14, RFC 7323) is never usable;
 * capping there keeps every sum below in range.
 */
#define CC_CWND_MAX (1u << 30)

/* RFC 5681 section 3.1: the initial window by SMSS when no segment count is configured. */
#define CC_IW_MSS_LARGE 2190
#define CC_IW_MSS_MID   1095

/* RFC 3465 L = 2: slow start grows by at most 2 * SMSS per ACK. */
#define CC_ABC_L 2

/* beta_cubic = 0.7 = 7 / 10; fast convergence uses (1 + beta) / 2 = 17 / 20. */
#define CC_BETA_NUM 7
#define CC_BETA_DEN 10
#define CC_FC_NUM   17
#define CC_FC_DEN   20

/*
 * alpha_cubic = 3 * (1 - beta) / (1 + beta) = 0.9 / 1.7 = 9 / 17 (section 4.3); it becomes
 * 1 = 17 / 17 once W_est reaches cwnd_prior.
 */
#define CC_ALPHA_NUM 9
#define CC_ALPHA_DEN 17

/*
 * W_cubic's time unit is 2^-16 s (15.26 us): the cube of a time is then divided by a power of
 * two, a shift, and 128-bit arithmetic needs no division. C = 0.4 = 4 / 10 segments / s^3.
 */
#define CC_TU_SHIFT   16
#define CC_TU_NUM     1024 /* t_us * 2^16 / 10^6 = t_us * 1024 / 15625 */
#define CC_TU_DEN     15625
#define CC_C_NUM      4
#define CC_C_DEN      10
/* K^3 in ms^3 = (W_max - cwnd_epoch) / (C * mss) * 10^9 = diff * 2.5 * 10^9 / mss. */
#define CC_K_SCALE    2500000000ull
/* |t - K| beyond this (about 36 minutes) is clamped: the window is at its cap long before. */
#define CC_MAX_DT_US  (1ull << 31)
#define CC_US_PER_MS  1000u
/* The target is at most 1.5 * cwnd (section 4.2). */
#define CC_TARGET_NUM 3
#define CC_TARGET_DEN 2

static inline uint32_t
cc_min32(uint64_t a, uint64_t b)
{
	return (uint32_t)(a < b ? a : b);
}

static inline uint32_t
cc_clamp(uint64_t w)
{
	return cc_min32(w, CC_CWND_MAX);
}

uint32_t
tcp_cc_cbrt(uint64_t x)
{
	/* Bit by bit, three bits of x per bit of the root (Hacker's Delight, 11-2). */
	uint64_t y = 0, b;
	int s;

	for (s = 63; s >= 0; s -= 3) {
		y <<= 1;
		b = 3 * y * (y + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			y++;
		}
	}
	return (uint32_t)y;
}

uint32_t
tcp_cc_cubic_k_ms(uint32_t w_max, uint32_t cwnd_epoch, uint16_t mss)
{
	if (w_max <= cwnd_epoch || mss == 0)
		return 0;
	/* diff < 2^30 and CC_K_SCALE < 2^32: the product fits in 64 bits. */
	return tcp_cc_cbrt((uint64_t)(w_max - cwnd_epoch) * CC_K_SCALE / mss);
}

uint64_t
tcp_cc_cubic_w(const struct mp_tcp_cc *cc, uint64_t t_us)
{
	uint64_t k_us = (uint64_t)cc->k_ms * CC_US_PER_MS;
	uint64_t d = t_us > k_us ? t_us - k_us : k_us - t_us;
	unsigned __int128 x;
	uint64_t delta;

	if (d > CC_MAX_DT_US)
		d = CC_MAX_DT_US;
	d = d * CC_TU_NUM / CC_TU_DEN; /* < 2^28 time units */
	/* d^3 < 2^82, times 4 * mss < 2^18: below 2^100; shifted, below 2^52. */
	x = (unsigned __int128)d * d * d * (CC_C_NUM * (uint32_t)cc->mss);
	delta = (uint64_t)(x >> (3 * CC_TU_SHIFT)) / CC_C_DEN;
	if (t_us >= k_us)
		return cc->w_max + delta;
	return delta < cc->w_max ? cc->w_max - delta : 0;
}

static uint32_t
cc_initial_window(uint16_t mss, uint32_t iw_segments)
{
	if (iw_segments == 0) {
		if (mss > CC_IW_MSS_LARGE)
			iw_segments = 2;
		else if (mss > CC_IW_MSS_MID)
			iw_segments = 3;
		else
			iw_segments = 4;
	}
	return cc_clamp((uint64_t)iw_segments * mss);
}

void
mp_tcp_cc_init(struct mp_tcp_cc *cc, enum mp_tcp_cc_algo algo, uint16_t mss, uint32_t iw_segments)
{
	*cc = (struct mp_tcp_cc){
	        .cwnd = cc_initial_window(mss, iw_segments),
	        .ssthresh = UINT32_MAX,
	        .mss = mss,
	        .algo = (uint8_t)algo,
	};
}

/*
 * RFC 7661 section 4.3 (which RFC 9438 section 5.8 points to): cwnd is validated, and may
 * grow, while at least half of it is in use. Below that the sender is application-limited.
 */
static inline bool
cc_cwnd_limited(const struct mp_tcp_cc *cc, uint32_t flight)
{
	return (uint64_t)flight * 2 >= cc->cwnd;
}

/* Returns the bytes of this ACK left over after cwnd reached ssthresh. */
static uint32_t
cc_slow_start(struct mp_tcp_cc *cc, uint32_t acked)
{
	uint32_t inc = cc_min32(acked, (uint64_t)CC_ABC_L * cc->mss);
	uint32_t room = cc->ssthresh - cc->cwnd; /* cwnd < ssthresh here */

	if (inc > room)
		inc = room;
	cc->cwnd = cc_clamp((uint64_t)cc->cwnd + inc);
	return acked - inc;
}

static void
cc_reno_ca(struct mp_tcp_cc *cc, uint32_t acked)
{
	/* Grow by one MSS for every cwnd of bytes acknowledged. */
	uint64_t sum = (uint64_t)cc->acked + acked;

	if (sum >= cc->cwnd) {
		sum -= cc->cwnd;
		cc->cwnd = cc_clamp((uint64_t)cc->cwnd + cc->mss);
		if (sum >= cc->cwnd)
			sum = 0; /* one ACK moves cwnd by one MSS at most */
	}
	cc->acked = (uint32_t)sum;
}

/*
 * Section 4.2: a new congestion-avoidance epoch starts at the current window. After a loss
 * the curve starts here and climbs back to W_max. An epoch that restarts after an
 * application-limited period (see mp_tcp_cc_on_ack) keeps the curve it was on: below W_max
 * that is the same thing; beyond it (the convex region) the clock is set back to where the
 * curve gives the current window, so growth resumes at the pace it had.
 */
static void
cc_cubic_epoch(struct mp_tcp_cc *cc, uint64_t now_us)
{
	uint64_t back_us = 0;

	cc->cwnd_epoch = cc->cwnd;
	cc->w_est = cc->cwnd;
	cc->acked = 0;
	if (cc->w_max == 0) {
		/* Slow start ended without a loss: the plateau is here (section 4.10). */
		cc->w_max = cc->cwnd;
	}
	if (cc->cwnd <= cc->w_max) {
		cc->k_ms = tcp_cc_cubic_k_ms(cc->w_max, cc->cwnd, cc->mss);
	} else {
		cc->k_ms = 0;
		back_us = (uint64_t)tcp_cc_cubic_k_ms(cc->cwnd, cc->w_max, cc->mss) * CC_US_PER_MS;
	}
	/* 0 means "no epoch". */
	cc->epoch_start_us = now_us > back_us ? now_us - back_us : 1;
}

/* cwnd before the last reduction (section 4.3's cwnd_prior), rebuilt from ssthresh. */
static inline uint64_t
cc_cwnd_prior(const struct mp_tcp_cc *cc)
{
	if (cc->ssthresh == UINT32_MAX)
		return cc->w_max;
	return (uint64_t)cc->ssthresh * CC_BETA_DEN / CC_BETA_NUM;
}

static void
cc_cubic_ca(struct mp_tcp_cc *cc, uint32_t acked, uint64_t now_us, uint32_t srtt_us)
{
	uint64_t t, w_t, target, num, den, inc;
	uint32_t alpha;

	if (cc->epoch_start_us == 0)
		cc_cubic_epoch(cc, now_us);
	t = now_us > cc->epoch_start_us ? now_us - cc->epoch_start_us : 0;

	/* Reno-friendly estimate, section 4.3: W_est += alpha * acked * mss / cwnd. */
	alpha = cc->w_est >= cc_cwnd_prior(cc) ? CC_ALPHA_DEN : CC_ALPHA_NUM;
	den = (uint64_t)CC_ALPHA_DEN * cc->cwnd;
	num = cc->acked + (uint64_t)alpha * acked * cc->mss;
	cc->w_est = cc_clamp(cc->w_est + num / den);
	cc->acked = cc_min32(num % den, UINT32_MAX);

	w_t = tcp_cc_cubic_w(cc, t);
	if (w_t < cc->w_est) {
		/*
		 * Reno-friendly region: standard TCP would have a larger window by now. cwnd
		 * may already be above W_est (it aims at t + RTT), and never shrinks here.
		 */
		if (cc->w_est > cc->cwnd)
			cc->cwnd = cc->w_est;
		return;
	}

	/* Section 4.2: aim for W_cubic(t + RTT), within [cwnd, 1.5 * cwnd]. */
	target = tcp_cc_cubic_w(cc, t + srtt_us);
	if (target > (uint64_t)cc->cwnd * CC_TARGET_NUM / CC_TARGET_DEN)
		target = (uint64_t)cc->cwnd * CC_TARGET_NUM / CC_TARGET_DEN;
	if (target <= cc->cwnd)
		return;
	/*
	 * cwnd += (target - cwnd) / cwnd per segment acked, in bytes. Rounded up so that a
	 * large window still moves when the step is below a byte; never past the target.
	 */
	inc = ((target - cc->cwnd) * acked + cc->cwnd - 1) / cc->cwnd;
	if (inc > target - cc->cwnd)
		inc = target - cc->cwnd;
	cc->cwnd = cc_clamp(cc->cwnd + inc);
}

void
mp_tcp_cc_on_ack(struct mp_tcp_cc *cc, uint32_t acked, uint32_t flight, uint64_t now_us,
                 uint32_t srtt_us)
{
	if (cc->in_recovery || acked == 0)
		return;
	if (!cc_cwnd_limited(cc, flight)) {
		/*
		 * Application-limited: no growth, and CUBIC's clock stops (section 5.8). Ending
		 * the epoch does that: the next one starts at the same window, on the same curve
		 * (same W_max), as if the idle time had not passed.
		 */
		cc->epoch_start_us = 0;
		return;
	}
	if (cc->cwnd < cc->ssthresh) {
		acked = cc_slow_start(cc, acked);
		if (acked == 0 || cc->cwnd < cc->ssthresh)
			return;
	}
	if (cc->algo == MP_TCP_CC_NEWRENO)
		cc_reno_ca(cc, acked);
	else
		cc_cubic_ca(cc, acked, now_us, srtt_us);
}

/* Sets ssthresh (and CUBIC's plateau) for a congestion event; cwnd is the caller's. */
static void
cc_reduce(struct mp_tcp_cc *cc, uint32_t flight)
{
	uint64_t min = 2 * (uint64_t)cc->mss;
	uint64_t ss;

	if (cc->algo == MP_TCP_CC_NEWRENO) {
		ss = flight / 2; /* RFC 5681 equation (4) */
	} else {
		/* Section 4.7: fast convergence releases bandwidth to newer flows. */
		if (cc->cwnd < cc->w_max)
			cc->w_max =
			        cc_min32((uint64_t)cc->cwnd * CC_FC_NUM / CC_FC_DEN, UINT32_MAX);
		else
			cc->w_max = cc->cwnd;
		/* Section 4.6: ssthresh = flight_size * beta_cubic. */
		ss = (uint64_t)flight * CC_BETA_NUM / CC_BETA_DEN;
	}
	cc->ssthresh = (uint32_t)(ss > min ? ss : min);
	cc->epoch_start_us = 0;
	cc->acked = 0;
}

void
mp_tcp_cc_on_congestion(struct mp_tcp_cc *cc, uint32_t flight, uint64_t now_us)
{
	(void)now_us; /* the new epoch starts at the first ACK after recovery */
	cc_reduce(cc, flight);
	/* The stack adds any RFC 5681 inflation (3 * MSS, one per duplicate) itself. */
	cc->cwnd = cc->ssthresh;
	cc->in_recovery = 1;
	if (cc->algo == MP_TCP_CC_CUBIC) {
		cc->cwnd_epoch = cc->cwnd;
		cc->k_ms = tcp_cc_cubic_k_ms(cc->w_max, cc->cwnd, cc->mss);
	}
}

void
mp_tcp_cc_on_recovery_end(struct mp_tcp_cc *cc)
{
	cc->cwnd = cc->ssthresh;
	cc->in_recovery = 0;
	cc->acked = 0;
	cc->epoch_start_us = 0;
}

void
mp_tcp_cc_on_rto(struct mp_tcp_cc *cc, uint32_t flight, uint64_t now_us, int first)
{
	(void)now_us;
	if (first)
		cc_reduce(cc, flight);
	cc->cwnd = cc->mss; /* RFC 5681 equation (5): LW = 1 SMSS */
	cc->in_recovery = 0;
	cc->acked = 0;
	cc->epoch_start_us = 0;
}

void
mp_tcp_cc_on_idle(struct mp_tcp_cc *cc, uint32_t iw_segments)
{
	uint32_t iw = cc_initial_window(cc->mss, iw_segments);

	/* RFC 5681 section 4.1: RW = min(IW, cwnd). */
	if (cc->cwnd > iw)
		cc->cwnd = iw;
	cc->acked = 0;
	cc->epoch_start_us = 0;
}
