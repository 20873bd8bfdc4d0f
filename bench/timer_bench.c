/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/base timer wheel micro benchmarks, each against DPDK's rte_timer doing the same work in
 * the same binary (timer/<what>/mp against timer/<what>/rte_timer):
 *
 *   arm_cancel    arm a timer 1 ms to 60 s out and cancel it (a TCP retransmit timer that
 *                 the ACK stops), among BG_TIMERS other armed timers; ns per arm+cancel pair.
 *   advance_idle  the worker loop's call when nothing is due (BG_TIMERS armed an hour out);
 *                 ns per call. rte_timer_manage() reads the TSC itself, so the mp side reads
 *                 it too; mp_fake_tsc adds 250 cycles per call instead (a 100 ns loop) to
 *                 show the wheel's own cost, with a 1 ms tick passing every 10,000 calls.
 *   arm_fire_1M   arm 2^20 timers in random order over 2^20 ticks, then fire them all;
 *                 ns per timer (its arm plus its fire). rte_timer cannot be given a fake
 *                 clock, so its deadlines keep the same order over 2^20 cycles, all due by the
 *                 time arming ends, and one rte_timer_manage() sweep fires them; mp_sweep is
 *                 the same, one advance over the whole range. mp_step advances one tick a call
 *                 with a budget of 64, the way a worker sees expiries.
 *
 * Both libraries run on the main lcore of the EAL that mp_bench_eal() starts on first use.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_pause.h>
#include <rte_timer.h>

#include "harness.h"
#include "mp_timer.h"

#define BG_TIMERS   (1u << 16) /* armed in the background of arm_cancel and advance_idle */
#define POOL        1024       /* arm+cancel pairs per iteration */
#define FIRE_N      (1u << 20) /* timers per arm_fire_1M iteration */
#define FIRE_TICKS  (1u << 20) /* the range they are spread over, in ticks */
#define FAKE_TICK   1000       /* cycles per tick on the fake clock */
#define FAKE_LOOP   250        /* cycles per worker loop on the fake clock */
#define STEP_BUDGET 64
#define SEED        0x9e3779b97f4a7c15

/* Handlers do the same trivial work in both libraries. */
static uint64_t fired;

static uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* The EAL (shared by all benchmarks), then rte_timer's state in it, on first use. */
static bool
bench_timer_up(void)
{
	static int state; /* 0 not tried, 1 up, -1 failed */
	int ret;

	if (state != 0)
		return state == 1;
	state = -1;
	if (!mp_bench_eal())
		return false;
	ret = rte_timer_subsystem_init();
	if (ret < 0 && ret != -EALREADY)
		return false;
	state = 1;
	return true;
}

static void
report(struct mp_bench_state *s, int64_t per_iteration, const char *label)
{
	mp_bench_set_label(s, label);
	mp_bench_set_items(s, mp_bench_iterations(s) * per_iteration);
	mp_bench_counter(s, "ns_per_op", (double)per_iteration,
	                 MP_BENCH_C_RATE | MP_BENCH_C_PER_ITERATION | MP_BENCH_C_INVERT);
}

/* Delays in cycles from lo to hi, as many in each power of two: short ones are common. */
static void
fill_delays(uint64_t *d, unsigned int n, uint64_t lo, uint64_t hi, uint64_t *seed)
{
	unsigned int doublings = 63 - (unsigned int)__builtin_clzll(hi / lo);

	for (unsigned int i = 0; i < n; i++) {
		uint64_t top = RTE_MIN(lo << (xorshift(seed) % (doublings + 1)), hi);

		d[i] = lo + xorshift(seed) % (top - lo + 1);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* mp                                                                                        */

static void
mp_count(struct mp_timer *t, uint64_t now_tsc)
{
	RTE_SET_USED(t);
	RTE_SET_USED(now_tsc);
	fired++;
}

struct mp_fixture {
	struct mp_timer_wheel *w;
	struct mp_timer *bg;
	uint64_t hz;
};

/* A wheel with a 1 ms tick and BG_TIMERS armed between lo and hi seconds out. */
static bool
mp_fixture_up(struct mp_bench_state *s, struct mp_fixture *f, uint64_t lo, uint64_t hi)
{
	uint64_t seed = SEED, now;

	if (!bench_timer_up()) {
		mp_bench_skip(s, "rte_eal_init or rte_timer_subsystem_init failed");
		return false;
	}
	f->hz = rte_get_tsc_hz();
	now = rte_rdtsc();
	f->w = mp_timer_wheel_create("timer_bench", SOCKET_ID_ANY, f->hz / 1000, now);
	f->bg = calloc(BG_TIMERS, sizeof(*f->bg));
	if (f->w == NULL || f->bg == NULL) {
		mp_timer_wheel_free(f->w);
		free(f->bg);
		mp_bench_skip(s, "out of memory");
		return false;
	}
	for (unsigned int i = 0; i < BG_TIMERS; i++) {
		mp_timer_init(&f->bg[i], mp_count);
		mp_timer_arm(f->w, &f->bg[i],
		             now + lo * f->hz + xorshift(&seed) % ((hi - lo) * f->hz));
	}
	return true;
}

static void
mp_fixture_down(struct mp_fixture *f)
{
	mp_timer_wheel_free(f->w);
	free(f->bg);
}

static void
mp_arm_cancel(struct mp_bench_state *s, void *arg)
{
	struct mp_timer pool[POOL];
	uint64_t delay[POOL];
	struct mp_fixture f;
	uint64_t seed = SEED + 1;

	RTE_SET_USED(arg);
	if (!mp_fixture_up(s, &f, 600, 3600))
		return;
	fill_delays(delay, POOL, f.hz / 1000, 60 * f.hz, &seed);
	for (unsigned int i = 0; i < POOL; i++)
		mp_timer_init(&pool[i], mp_count);
	while (mp_bench_keep_running(s)) {
		uint64_t now = rte_rdtsc();

		for (unsigned int i = 0; i < POOL; i++) {
			mp_timer_arm(f.w, &pool[i], now + delay[i]);
			mp_timer_cancel(f.w, &pool[i]);
		}
	}
	report(s, POOL, "arm 1 ms..60 s + cancel, 64K armed");
	mp_fixture_down(&f);
}

static void
mp_advance_idle(struct mp_bench_state *s, void *arg)
{
	struct mp_fixture f;
	uint64_t n = 0;

	RTE_SET_USED(arg);
	if (!mp_fixture_up(s, &f, 3600, 7200))
		return;
	while (mp_bench_keep_running(s))
		n += mp_timer_wheel_advance(f.w, rte_rdtsc(), STEP_BUDGET);
	if (n != 0)
		mp_bench_skip(s, "a timer fired");
	report(s, 1, "advance(rte_rdtsc()), 64K armed 1..2 h out");
	mp_fixture_down(&f);
}

static void
mp_advance_idle_fake(struct mp_bench_state *s, void *arg)
{
	struct mp_fixture f;
	uint64_t n = 0, now;

	RTE_SET_USED(arg);
	if (!mp_fixture_up(s, &f, 3600, 7200))
		return;
	now = rte_rdtsc();
	while (mp_bench_keep_running(s)) {
		now += FAKE_LOOP;
		n += mp_timer_wheel_advance(f.w, now, STEP_BUDGET);
	}
	if (n != 0)
		mp_bench_skip(s, "a timer fired");
	report(s, 1, "advance(now += 250), 64K armed 1..2 h out");
	mp_fixture_down(&f);
}

/* Deadlines over FIRE_TICKS ticks of FAKE_TICK cycles, in a random order. */
static uint64_t *
fire_delays(void)
{
	uint64_t *d = malloc(FIRE_N * sizeof(*d));
	uint64_t seed = SEED + 2;

	if (d == NULL)
		return NULL;
	for (unsigned int i = 0; i < FIRE_N; i++)
		d[i] = 1 + xorshift(&seed) % ((uint64_t)FIRE_TICKS * FAKE_TICK);
	return d;
}

static void
mp_arm_fire(struct mp_bench_state *s, void *arg)
{
	bool step = arg != NULL;
	struct mp_timer_wheel *w = NULL;
	struct mp_timer *t = calloc(FIRE_N, sizeof(*t));
	uint64_t *delay = fire_delays();
	uint64_t now = 0;

	if (!bench_timer_up() || t == NULL || delay == NULL) {
		mp_bench_skip(s, "EAL or memory");
		goto out;
	}
	w = mp_timer_wheel_create("timer_bench", SOCKET_ID_ANY, FAKE_TICK, now);
	if (w == NULL) {
		mp_bench_skip(s, "mp_timer_wheel_create failed");
		goto out;
	}
	for (unsigned int i = 0; i < FIRE_N; i++)
		mp_timer_init(&t[i], mp_count);
	fired = 0;
	while (mp_bench_keep_running(s)) {
		uint64_t base = now;

		for (unsigned int i = 0; i < FIRE_N; i++)
			mp_timer_arm(w, &t[i], base + delay[i]);
		if (step) {
			while (mp_timer_wheel_count(w) != 0) {
				now += FAKE_TICK;
				mp_timer_wheel_advance(w, now, STEP_BUDGET);
			}
		} else {
			now = base + (uint64_t)FIRE_TICKS * FAKE_TICK;
			mp_timer_wheel_advance(w, now, UINT_MAX);
		}
	}
	if (fired != (uint64_t)mp_bench_iterations(s) * FIRE_N)
		mp_bench_skip(s, "not every timer fired");
	report(s, FIRE_N,
	       step ? "arm 1M over 1M ticks, advance a tick a call, budget 64"
	            : "arm 1M over 1M ticks, one advance past them all");
out:
	mp_timer_wheel_free(w);
	free(delay);
	free(t);
}

/* ---------------------------------------------------------------------------------------- */
/* rte_timer                                                                                 */

static void
rte_count(struct rte_timer *t, void *arg)
{
	RTE_SET_USED(t);
	RTE_SET_USED(arg);
	fired++;
}

/* BG_TIMERS armed on this lcore between lo and hi seconds out; NULL on failure. */
static struct rte_timer *
rte_bg_up(struct mp_bench_state *s, uint64_t lo, uint64_t hi)
{
	struct rte_timer *bg;
	uint64_t seed = SEED, hz;

	if (!bench_timer_up()) {
		mp_bench_skip(s, "rte_eal_init or rte_timer_subsystem_init failed");
		return NULL;
	}
	bg = calloc(BG_TIMERS, sizeof(*bg));
	if (bg == NULL) {
		mp_bench_skip(s, "out of memory");
		return NULL;
	}
	hz = rte_get_timer_hz();
	for (unsigned int i = 0; i < BG_TIMERS; i++) {
		rte_timer_init(&bg[i]);
		rte_timer_reset(&bg[i], lo * hz + xorshift(&seed) % ((hi - lo) * hz), SINGLE,
		                rte_lcore_id(), rte_count, NULL);
	}
	return bg;
}

/* The lcore's timer list points into bg: empty it before the memory goes. */
static void
rte_bg_down(struct rte_timer *bg)
{
	for (unsigned int i = 0; i < BG_TIMERS; i++)
		rte_timer_stop(&bg[i]);
	free(bg);
}

static void
rte_arm_cancel(struct mp_bench_state *s, void *arg)
{
	struct rte_timer pool[POOL];
	uint64_t delay[POOL];
	struct rte_timer *bg;
	unsigned int lcore;
	uint64_t seed = SEED + 1;

	RTE_SET_USED(arg);
	bg = rte_bg_up(s, 600, 3600);
	if (bg == NULL)
		return;
	lcore = rte_lcore_id();
	fill_delays(delay, POOL, rte_get_timer_hz() / 1000, 60 * rte_get_timer_hz(), &seed);
	for (unsigned int i = 0; i < POOL; i++)
		rte_timer_init(&pool[i]);
	while (mp_bench_keep_running(s)) {
		for (unsigned int i = 0; i < POOL; i++) {
			rte_timer_reset(&pool[i], delay[i], SINGLE, lcore, rte_count, NULL);
			rte_timer_stop(&pool[i]);
		}
	}
	report(s, POOL, "rte_timer_reset 1 ms..60 s + rte_timer_stop, 64K armed");
	rte_bg_down(bg);
}

static void
rte_advance_idle(struct mp_bench_state *s, void *arg)
{
	struct rte_timer *bg;

	RTE_SET_USED(arg);
	bg = rte_bg_up(s, 3600, 7200);
	if (bg == NULL)
		return;
	fired = 0;
	while (mp_bench_keep_running(s))
		rte_timer_manage();
	if (fired != 0)
		mp_bench_skip(s, "a timer fired");
	report(s, 1, "rte_timer_manage(), 64K armed 1..2 h out");
	rte_bg_down(bg);
}

static void
rte_arm_fire(struct mp_bench_state *s, void *arg)
{
	struct rte_timer *t = calloc(FIRE_N, sizeof(*t));
	uint64_t *delay = fire_delays();
	unsigned int lcore;

	RTE_SET_USED(arg);
	if (!bench_timer_up() || t == NULL || delay == NULL) {
		mp_bench_skip(s, "EAL or memory");
		goto out;
	}
	lcore = rte_lcore_id();
	/* The same order over FIRE_TICKS cycles: all due once arming is done. */
	for (unsigned int i = 0; i < FIRE_N; i++) {
		delay[i] /= FAKE_TICK;
		rte_timer_init(&t[i]);
	}
	fired = 0;
	while (mp_bench_keep_running(s)) {
		uint64_t end = rte_get_timer_cycles() + FIRE_TICKS;
		uint64_t want = fired + FIRE_N;

		for (unsigned int i = 0; i < FIRE_N; i++)
			rte_timer_reset(&t[i], delay[i], SINGLE, lcore, rte_count, NULL);
		while (rte_get_timer_cycles() <= end)
			rte_pause();
		while (fired != want)
			rte_timer_manage();
	}
	report(s, FIRE_N, "rte_timer_reset 1M over 1M cycles, rte_timer_manage() sweeps");
out:
	free(delay);
	free(t);
}

static int step_arg;

MP_BENCH_ARG(mp_arm_cancel, "timer/arm_cancel/mp", NULL);
MP_BENCH_ARG(rte_arm_cancel, "timer/arm_cancel/rte_timer", NULL);
MP_BENCH_ARG(mp_advance_idle, "timer/advance_idle/mp", NULL);
MP_BENCH_ARG(mp_advance_idle_fake, "timer/advance_idle/mp_fake_tsc", NULL);
MP_BENCH_ARG(rte_advance_idle, "timer/advance_idle/rte_timer", NULL);
MP_BENCH_ARG(mp_arm_fire, "timer/arm_fire_1M/mp_sweep", NULL);
MP_BENCH_ARG(mp_arm_fire, "timer/arm_fire_1M/mp_step", &step_arg);
MP_BENCH_ARG(rte_arm_fire, "timer/arm_fire_1M/rte_timer", NULL);
