/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp congestion control: CUBIC against RFC 9438's formulas computed here in double
 * precision, NewReno against RFC 5681's arithmetic written out by hand.
 *
 * The window trajectories come from an ACK clock: each round trip, one ACK of one MSS per
 * MSS of cwnd, spread evenly over the RTT, with the whole window in flight.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "tcp_cc.h"
#include "tcp_cc_priv.h"
#include "test_tcp.h"

#define MSS       1000 /* round numbers: windows read as segments x 1000 */
#define MSS_ETH   1460
#define IW        10
#define SEED      0x63756269u /* fixed: a failure must replay */
#define US_PER_S  1e6
#define C_CUBIC   0.4
#define BETA      0.7
#define ALPHA     (3 * (1 - BETA) / (1 + BETA))
#define W_LOSS    (100 * MSS) /* cwnd when the loss in the CUBIC tests happens */
#define T0_US     1000000     /* the clock's origin: any nonzero start */
#define CBRT_RAND 100000
#define TICK_S    16e-6 /* W_cubic's clock: 2^-16 s, rounded up */

/* RFC 9438 equation (1), windows in bytes, t and K in seconds. */
static double
ref_w_cubic(double t, double k, double w_max, double mss)
{
	return C_CUBIC * mss * pow(t - k, 3) + w_max;
}

/* RFC 9438 equation (2). */
static double
ref_k(double w_max, double cwnd_epoch, double mss)
{
	return cbrt((w_max - cwnd_epoch) / mss / C_CUBIC);
}

/* One round trip of the ACK clock; returns the time after it. */
static uint64_t
ack_round(struct mp_tcp_cc *cc, uint64_t now, uint32_t rtt_us)
{
	uint32_t n = cc->cwnd / cc->mss, i;
	uint32_t flight = cc->cwnd;

	for (i = 0; i < n; i++) {
		now += rtt_us / n;
		mp_tcp_cc_on_ack(cc, cc->mss, flight, now, rtt_us);
	}
	return now;
}

/* A CUBIC connection right after the recovery of a loss at W_LOSS with the window full. */
static void
cubic_after_loss(struct mp_tcp_cc *cc)
{
	mp_tcp_cc_init(cc, MP_TCP_CC_CUBIC, MSS, IW);
	cc->cwnd = W_LOSS;
	mp_tcp_cc_on_congestion(cc, W_LOSS, T0_US);
	mp_tcp_cc_on_recovery_end(cc);
}

static void
test_init_window(void **state)
{
	struct mp_tcp_cc cc;

	(void)state;
	mp_tcp_cc_init(&cc, MP_TCP_CC_CUBIC, MSS_ETH, IW);
	assert_int_equal(cc.cwnd, IW * MSS_ETH);
	assert_int_equal(cc.ssthresh, UINT32_MAX);
	assert_int_equal(cc.mss, MSS_ETH);
	assert_int_equal(cc.in_recovery, 0);
	/* RFC 5681 section 3.1 when no segment count is given. */
	mp_tcp_cc_init(&cc, MP_TCP_CC_NEWRENO, 536, 0);
	assert_int_equal(cc.cwnd, 4 * 536);
	mp_tcp_cc_init(&cc, MP_TCP_CC_NEWRENO, 1095, 0);
	assert_int_equal(cc.cwnd, 4 * 1095);
	mp_tcp_cc_init(&cc, MP_TCP_CC_NEWRENO, 1096, 0);
	assert_int_equal(cc.cwnd, 3 * 1096);
	mp_tcp_cc_init(&cc, MP_TCP_CC_NEWRENO, 2190, 0);
	assert_int_equal(cc.cwnd, 3 * 2190);
	mp_tcp_cc_init(&cc, MP_TCP_CC_NEWRENO, 2191, 0);
	assert_int_equal(cc.cwnd, 2 * 2191);
	assert_true(sizeof(struct mp_tcp_cc) <= 48);
}

static void
cbrt_check(uint64_t x)
{
	unsigned __int128 y = tcp_cc_cbrt(x);

	if (y * y * y > x || (y + 1) * (y + 1) * (y + 1) <= x)
		fail_msg("cbrt(%llu) = %u", (unsigned long long)x, (unsigned int)y);
}

static void
test_cbrt(void **state)
{
	uint64_t seed = SEED, y;
	int i;

	(void)state;
	cbrt_check(0);
	cbrt_check(UINT64_MAX);
	for (y = 1; y < 2642245; y += 997) { /* 2642245^3 > 2^64 */
		cbrt_check(y * y * y);
		cbrt_check(y * y * y - 1);
		cbrt_check(y * y * y + 1);
	}
	for (i = 0; i < CBRT_RAND; i++)
		cbrt_check(test_xorshift(&seed) >> (i % 64));
}

static void
test_cubic_k(void **state)
{
	static const uint32_t w_max_seg[] = {2, 10, 100, 1000, 10000, 100000};
	struct mp_tcp_cc cc;
	unsigned int i;

	(void)state;
	for (i = 0; i < TEST_DIM(w_max_seg); i++) {
		uint32_t w_max = w_max_seg[i] * MSS_ETH;
		uint32_t epoch = (uint32_t)(w_max * BETA);
		double k = ref_k(w_max, epoch, MSS_ETH) * 1000;

		assert_true(fabs(tcp_cc_cubic_k_ms(w_max, epoch, MSS_ETH) - k) <= 1.0);
	}
	assert_int_equal(tcp_cc_cubic_k_ms(1000, 1000, MSS), 0);
	assert_int_equal(tcp_cc_cubic_k_ms(1000, 2000, MSS), 0);

	/* After a loss at 100 segments: K = cbrt(30 / 0.4) s = 4.2172 s. */
	cubic_after_loss(&cc);
	assert_int_equal(cc.w_max, W_LOSS);
	assert_int_equal(cc.ssthresh, 70 * MSS);
	assert_int_equal(cc.cwnd, 70 * MSS);
	assert_true(abs((int)cc.k_ms - 4217) <= 1);
}

/*
 * The integer W_cubic(t) against equation (1) at 2000 instants from 0 to 3 K. Its clock
 * ticks every 2^-16 s, so it may be off by what the curve moves in 16 us, plus a byte.
 */
static void
test_cubic_w_formula(void **state)
{
	struct mp_tcp_cc cc;
	double k, ref, err, dt;
	uint64_t t;

	(void)state;
	cubic_after_loss(&cc);
	k = cc.k_ms / 1000.0; /* the K it stores, exact to the ms, checked above */
	for (t = 0; t <= 3ull * cc.k_ms * 1000; t += cc.k_ms * 3 / 2) {
		ref = ref_w_cubic(t / US_PER_S, k, cc.w_max, MSS);
		if (ref < 0)
			ref = 0;
		err = fabs((double)tcp_cc_cubic_w(&cc, t) - ref);
		dt = t / US_PER_S - k;
		if (err > 1.0 + 3 * C_CUBIC * MSS * dt * dt * TICK_S)
			fail_msg("W_cubic(%.3f s) = %llu, RFC 9438 gives %.1f", t / US_PER_S,
			         (unsigned long long)tcp_cc_cubic_w(&cc, t), ref);
	}
}

/*
 * CUBIC's window over time after a loss at a 100 ms RTT (the cubic region), sampled every
 * round trip for 3 K: concave up to W_max, plateau, convex beyond. It aims at W_cubic(t + RTT)
 * and gets there within a round trip, so it stays within 2 MSS plus 3% of equation (1).
 */
static void
test_cubic_trajectory(void **state)
{
	const uint32_t rtt = 100000;
	struct mp_tcp_cc cc;
	uint64_t now = T0_US, start = 0;
	double k = ref_k(W_LOSS, BETA * W_LOSS, MSS), ref, worst = 0;
	int round;

	(void)state;
	cubic_after_loss(&cc);
	for (round = 0; round < 130; round++) {
		now = ack_round(&cc, now, rtt);
		if (start == 0)
			start = cc.epoch_start_us;
		ref = ref_w_cubic((now - start) / US_PER_S, k, W_LOSS, MSS);
		if (fabs(cc.cwnd - ref) > 2 * MSS + 0.03 * ref)
			fail_msg("round %d, t = %.2f s: cwnd %u, W_cubic(t) %.0f", round,
			         (now - start) / US_PER_S, cc.cwnd, ref);
		if (fabs(cc.cwnd - ref) > worst)
			worst = fabs(cc.cwnd - ref);
		/* Never above the 1.5 x cap nor below the window it started from. */
		assert_true(cc.cwnd >= 70 * MSS);
	}
	/* 13 s is about 3 K: well into the convex region. */
	assert_true(cc.cwnd > 2 * W_LOSS);
	print_message("cubic trajectory: largest |cwnd - W_cubic| %.0f bytes\n", worst);
}

/*
 * At a 1 ms RTT, Reno's one MSS per round trip outgrows the cubic curve (whose clock is
 * wall time): cwnd follows W_est, computed here per ACK in double precision: alpha = 9 / 17
 * until W_est reaches the window before the loss, 1 after.
 */
static void
test_cubic_reno_friendly(void **state)
{
	const uint32_t rtt = 1000;
	struct mp_tcp_cc cc;
	uint64_t now = T0_US;
	double w_est = 70 * MSS, k = ref_k(W_LOSS, 70 * MSS, MSS);
	int round;
	uint32_t i, n;

	(void)state;
	cubic_after_loss(&cc);
	for (round = 0; round < 300; round++) {
		n = cc.cwnd / MSS;
		for (i = 0; i < n; i++) {
			uint32_t cwnd = cc.cwnd;

			now += rtt / n;
			mp_tcp_cc_on_ack(&cc, MSS, cwnd, now, rtt);
			w_est += (w_est >= W_LOSS ? 1.0 : ALPHA) * MSS * MSS / cwnd;
		}
		if (fabs(cc.cwnd - w_est) > 2.0)
			fail_msg("round %d: cwnd %u, W_est %.1f", round, cc.cwnd, w_est);
	}
	/* 0.3 s after the loss: the cubic curve is still below W_max, cwnd is far above. */
	assert_true(ref_w_cubic(0.3, k, W_LOSS, MSS) < W_LOSS);
	assert_true(cc.cwnd > 2 * W_LOSS);
}

static void
test_cubic_fast_convergence(void **state)
{
	struct mp_tcp_cc cc;

	(void)state;
	cubic_after_loss(&cc);
	/* A second loss before reaching the old plateau: W_max = cwnd * (1 + beta) / 2. */
	cc.cwnd = 80 * MSS;
	mp_tcp_cc_on_congestion(&cc, 80 * MSS, T0_US);
	assert_int_equal(cc.w_max, 68 * MSS);
	assert_int_equal(cc.ssthresh, 56 * MSS);
	assert_int_equal(cc.cwnd, 56 * MSS);
	assert_int_equal(cc.in_recovery, 1);
	assert_true(fabs(cc.k_ms - 1000 * ref_k(68 * MSS, 56 * MSS, MSS)) <= 1.0);
	mp_tcp_cc_on_recovery_end(&cc);
	assert_int_equal(cc.cwnd, 56 * MSS);
	/* A loss above the plateau: W_max = cwnd. */
	cc.cwnd = 90 * MSS;
	mp_tcp_cc_on_congestion(&cc, 90 * MSS, T0_US);
	assert_int_equal(cc.w_max, 90 * MSS);
	assert_int_equal(cc.ssthresh, 63 * MSS);
	/* ssthresh comes from flight (section 4.6) and is at least 2 MSS. */
	mp_tcp_cc_on_recovery_end(&cc);
	mp_tcp_cc_on_congestion(&cc, MSS, T0_US);
	assert_int_equal(cc.ssthresh, 2 * MSS);
}

/* Application-limited: no growth, and the curve does not jump ahead when sending resumes. */
static void
test_cubic_app_limited(void **state)
{
	const uint32_t rtt = 100000;
	struct mp_tcp_cc cc;
	uint64_t now = T0_US;
	uint32_t before;
	int i;

	(void)state;
	cubic_after_loss(&cc);
	now = ack_round(&cc, now, rtt);
	now = ack_round(&cc, now, rtt);
	before = cc.cwnd;
	for (i = 0; i < 1000; i++) { /* 10 s of ACKs with a third of the window in flight */
		now += 10000;
		mp_tcp_cc_on_ack(&cc, MSS, before / 3, now, rtt);
	}
	assert_int_equal(cc.cwnd, before);
	/* Back to a full window: growth goes on from the same point of the curve, not from
	 * W_cubic(10 s), which is 2.3 x W_max. */
	now = ack_round(&cc, now, rtt);
	assert_true(cc.cwnd > before);
	assert_true(cc.cwnd < before + 5 * MSS);
	assert_true(cc.cwnd < W_LOSS);
}

/*
 * The same beyond the plateau: after a pause in the convex region the window goes on growing
 * at the pace it had, instead of starting a new plateau at the current window.
 */
static void
test_cubic_app_limited_convex(void **state)
{
	const uint32_t rtt = 100000;
	struct mp_tcp_cc cc;
	uint64_t now = T0_US;
	uint32_t before, step_before;
	int i;

	(void)state;
	cubic_after_loss(&cc);
	while (cc.cwnd < 3 * W_LOSS / 2) /* well past W_max: convex */
		now = ack_round(&cc, now, rtt);
	before = cc.cwnd;
	now = ack_round(&cc, now, rtt);
	step_before = cc.cwnd - before;
	before = cc.cwnd;
	for (i = 0; i < 1000; i++) {
		now += 10000;
		mp_tcp_cc_on_ack(&cc, MSS, before / 3, now, rtt);
	}
	assert_int_equal(cc.cwnd, before);
	assert_int_equal(cc.w_max, W_LOSS); /* the plateau it had */
	now = ack_round(&cc, now, rtt);
	/* The convex curve is steeper a round trip later: at least the step it took before. */
	if (cc.cwnd - before < step_before)
		fail_msg("after the pause: +%u in a round trip, +%u before it", cc.cwnd - before,
		         step_before);
	assert_true(cc.cwnd - before < 2 * step_before);
}

static void
test_slow_start(void **state)
{
	static const enum mp_tcp_cc_algo algos[] = {MP_TCP_CC_NEWRENO, MP_TCP_CC_CUBIC};
	struct mp_tcp_cc cc;
	unsigned int a;

	(void)state;
	for (a = 0; a < TEST_DIM(algos); a++) {
		mp_tcp_cc_init(&cc, algos[a], MSS, IW);
		mp_tcp_cc_on_ack(&cc, MSS, cc.cwnd, T0_US, 0);
		assert_int_equal(cc.cwnd, 11 * MSS);
		/* Appropriate byte counting, L = 2: a stretch ACK of 5 MSS counts as 2. */
		mp_tcp_cc_on_ack(&cc, 5 * MSS, cc.cwnd, T0_US, 0);
		assert_int_equal(cc.cwnd, 13 * MSS);
		mp_tcp_cc_on_ack(&cc, 300, cc.cwnd, T0_US, 0);
		assert_int_equal(cc.cwnd, 13 * MSS + 300);
		/* Application-limited (less than half the window in flight): no growth. */
		mp_tcp_cc_on_ack(&cc, MSS, cc.cwnd / 2 - 1, T0_US, 0);
		assert_int_equal(cc.cwnd, 13 * MSS + 300);
		/* One window's worth of ACKs doubles it. */
		cc = (struct mp_tcp_cc){.cwnd = 16 * MSS,
		                        .ssthresh = UINT32_MAX,
		                        .mss = MSS,
		                        .algo = (uint8_t)algos[a]};
		ack_round(&cc, T0_US, 100000);
		assert_int_equal(cc.cwnd, 32 * MSS);
		/* Slow start stops at ssthresh. */
		cc.ssthresh = 33 * MSS + 500;
		mp_tcp_cc_on_ack(&cc, MSS, cc.cwnd, T0_US, 0);
		assert_int_equal(cc.cwnd, 33 * MSS);
		mp_tcp_cc_on_ack(&cc, 500, cc.cwnd, T0_US, 0);
		assert_int_equal(cc.cwnd, cc.ssthresh);
	}
}

/* NewReno congestion avoidance: one MSS per window of bytes acknowledged. */
static void
test_newreno_ca(void **state)
{
	struct mp_tcp_cc cc;
	uint64_t now = T0_US;
	int round;

	(void)state;
	mp_tcp_cc_init(&cc, MP_TCP_CC_NEWRENO, MSS, IW);
	cc.cwnd = 40 * MSS;
	mp_tcp_cc_on_congestion(&cc, 40 * MSS, now);
	assert_int_equal(cc.ssthresh, 20 * MSS);
	assert_int_equal(cc.cwnd, 20 * MSS);
	mp_tcp_cc_on_recovery_end(&cc);
	for (round = 1; round <= 50; round++) {
		now = ack_round(&cc, now, 10000);
		assert_int_equal(cc.cwnd, (uint32_t)(20 + round) * MSS);
	}
	/* Byte counting: small ACKs add up to the same growth as full-sized ones. */
	cc.cwnd = 10 * MSS;
	cc.ssthresh = 10 * MSS;
	cc.acked = 0;
	for (round = 0; round < 40; round++)
		mp_tcp_cc_on_ack(&cc, MSS / 4, cc.cwnd, now, 10000);
	assert_int_equal(cc.cwnd, 11 * MSS);
	for (round = 0; round < 43; round++)
		mp_tcp_cc_on_ack(&cc, MSS / 4, cc.cwnd, now, 10000);
	assert_int_equal(cc.cwnd, 11 * MSS);
	mp_tcp_cc_on_ack(&cc, MSS / 4, cc.cwnd, now, 10000);
	assert_int_equal(cc.cwnd, 12 * MSS);
}

static void
test_congestion_and_recovery(void **state)
{
	struct mp_tcp_cc cc;

	(void)state;
	mp_tcp_cc_init(&cc, MP_TCP_CC_NEWRENO, MSS, IW);
	cc.cwnd = 30 * MSS;
	/* Halving uses flight, not cwnd (RFC 5681 equation (4)). */
	mp_tcp_cc_on_congestion(&cc, 24 * MSS, T0_US);
	assert_int_equal(cc.ssthresh, 12 * MSS);
	assert_int_equal(cc.cwnd, 12 * MSS);
	assert_int_equal(cc.in_recovery, 1);
	/* Window growth is the recovery code's business until it ends. */
	mp_tcp_cc_on_ack(&cc, MSS, cc.cwnd, T0_US, 0);
	assert_int_equal(cc.cwnd, 12 * MSS);
	cc.cwnd = 15 * MSS; /* inflated by the stack during recovery */
	mp_tcp_cc_on_recovery_end(&cc);
	assert_int_equal(cc.cwnd, 12 * MSS);
	assert_int_equal(cc.in_recovery, 0);
	/* At least 2 MSS. */
	mp_tcp_cc_on_congestion(&cc, 3 * MSS, T0_US);
	assert_int_equal(cc.ssthresh, 2 * MSS);
}

static void
test_rto(void **state)
{
	static const enum mp_tcp_cc_algo algos[] = {MP_TCP_CC_NEWRENO, MP_TCP_CC_CUBIC};
	static const uint32_t ss[] = {20 * MSS, 28 * MSS};
	struct mp_tcp_cc cc;
	unsigned int a;

	(void)state;
	for (a = 0; a < TEST_DIM(algos); a++) {
		mp_tcp_cc_init(&cc, algos[a], MSS, IW);
		cc.cwnd = 40 * MSS;
		mp_tcp_cc_on_rto(&cc, 40 * MSS, T0_US, 1);
		assert_int_equal(cc.cwnd, MSS);
		assert_int_equal(cc.ssthresh, ss[a]);
		/* Backed-off RTOs keep ssthresh (RFC 5681 section 3.1, (4) on the first only). */
		mp_tcp_cc_on_rto(&cc, MSS, T0_US, 0);
		assert_int_equal(cc.cwnd, MSS);
		assert_int_equal(cc.ssthresh, ss[a]);
		/* An RTO during recovery ends it. */
		cc.in_recovery = 1;
		mp_tcp_cc_on_rto(&cc, MSS, T0_US, 0);
		assert_int_equal(cc.in_recovery, 0);
		/* Slow start again from 1 MSS. */
		mp_tcp_cc_on_ack(&cc, MSS, MSS, T0_US, 0);
		assert_int_equal(cc.cwnd, 2 * MSS);
	}
}

static void
test_idle_restart(void **state)
{
	struct mp_tcp_cc cc;

	(void)state;
	mp_tcp_cc_init(&cc, MP_TCP_CC_CUBIC, MSS, IW);
	cc.cwnd = 50 * MSS;
	cc.ssthresh = 40 * MSS;
	mp_tcp_cc_on_idle(&cc, IW);
	assert_int_equal(cc.cwnd, IW * MSS);
	assert_int_equal(cc.ssthresh, 40 * MSS);
	/* RW = min(IW, cwnd): a window already smaller stays. */
	cc.cwnd = 3 * MSS;
	mp_tcp_cc_on_idle(&cc, IW);
	assert_int_equal(cc.cwnd, 3 * MSS);
}

int
test_tcp_cc_run(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_init_window),
	        cmocka_unit_test(test_cbrt),
	        cmocka_unit_test(test_cubic_k),
	        cmocka_unit_test(test_cubic_w_formula),
	        cmocka_unit_test(test_cubic_trajectory),
	        cmocka_unit_test(test_cubic_reno_friendly),
	        cmocka_unit_test(test_cubic_fast_convergence),
	        cmocka_unit_test(test_cubic_app_limited),
	        cmocka_unit_test(test_cubic_app_limited_convex),
	        cmocka_unit_test(test_slow_start),
	        cmocka_unit_test(test_newreno_ca),
	        cmocka_unit_test(test_congestion_and_recovery),
	        cmocka_unit_test(test_rto),
	        cmocka_unit_test(test_idle_restart),
	};

	return cmocka_run_group_tests_name("tcp_cc", tests, NULL, NULL);
}
