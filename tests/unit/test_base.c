/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_base: the lib/base unit tests.
 *
 * Group base_names: every drop reason and event counter has a name (and drops a description),
 * the names are unique and usable as stats keys, and out-of-range values read "?".
 *
 * Group base_timer: the timer wheel (lib/base/timer.c). No clock is read: time is fake TSC
 * values passed to the wheel, T_TICK cycles a tick, starting at T_BASE. The contract checked
 * everywhere is the header's: a timer fires in the first advance whose TSC has reached its
 * deadline rounded up to a tick, never before its deadline, exactly once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_eal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "mp_counters.h"
#include "mp_drop.h"
#include "mp_timer.h"
#include "test_base.h"

#define T_TICK  1000    /* cycles per tick in most tests */
#define T_BASE  1000000 /* TSC at create: not 0, so tests see the offset */
#define ALL     UINT_MAX
#define LOG_LEN 4096

/* ---------------------------------------------------------------------------------------- */
/* Names */

/* A stats key: lowercase letters, digits and underscores, not empty, not "?". */
static void
assert_stats_key(const char *n)
{
	assert_non_null(n);
	assert_true(n[0] != '\0');
	assert_string_not_equal(n, "?");
	for (const char *p = n; *p != '\0'; p++)
		assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
}

static void
test_drop_names(void **state)
{
	(void)state;
	for (unsigned int d = 0; d < MP_DROP_MAX; d++) {
		const char *desc = mp_drop_desc((enum mp_drop)d);

		assert_stats_key(mp_drop_name((enum mp_drop)d));
		assert_non_null(desc);
		assert_true(desc[0] != '\0');
		assert_string_not_equal(desc, "?");
		for (unsigned int e = 0; e < d; e++)
			assert_string_not_equal(mp_drop_name((enum mp_drop)d),
			                        mp_drop_name((enum mp_drop)e));
	}
	assert_string_equal(mp_drop_name(MP_DROP_NONE), "none");
	assert_string_equal(mp_drop_name(MP_DROP_MAX), "?");
	assert_string_equal(mp_drop_name((enum mp_drop)(MP_DROP_MAX + 1)), "?");
	assert_string_equal(mp_drop_name((enum mp_drop)UINT_MAX), "?");
	assert_string_equal(mp_drop_desc(MP_DROP_MAX), "?");
	assert_string_equal(mp_drop_desc((enum mp_drop)UINT_MAX), "?");
}

static void
test_event_names(void **state)
{
	(void)state;
	for (unsigned int v = 0; v < MP_EV_MAX; v++) {
		assert_stats_key(mp_event_name((enum mp_event)v));
		for (unsigned int u = 0; u < v; u++)
			assert_string_not_equal(mp_event_name((enum mp_event)v),
			                        mp_event_name((enum mp_event)u));
	}
	assert_string_equal(mp_event_name(MP_EV_MAX), "?");
	assert_string_equal(mp_event_name((enum mp_event)(MP_EV_MAX + 1)), "?");
	assert_string_equal(mp_event_name((enum mp_event)UINT_MAX), "?");
}

/* ---------------------------------------------------------------------------------------- */
/* Timer wheel: shared fixtures */

struct tobj {
	struct mp_timer t;
	unsigned int id;
	uint64_t deadline; /* TSC it was last armed for */
	uint64_t period;   /* on_periodic re-arms at deadline + period */
	unsigned int fires;
	unsigned int limit; /* on_rearm_past re-arms itself in the past this many times */
	uint64_t fired_tsc;
	unsigned int fired_call; /* rec.call when it fired */
	struct tobj *other;      /* the object a handler acts on */
};

/* What the handlers saw during the current test. */
static struct {
	unsigned int call; /* advance calls made through adv() */
	unsigned int n;    /* handlers run */
	unsigned int log[LOG_LEN];
} rec;

/* The wheel of the current test; the per-test teardown frees it even when an assert failed. */
static struct mp_timer_wheel *cur;

static struct mp_timer_wheel *
wheel(uint64_t tick_tsc, uint64_t now_tsc)
{
	cur = mp_timer_wheel_create("test_timer", SOCKET_ID_ANY, tick_tsc, now_tsc);
	assert_non_null(cur);
	assert_int_equal(mp_timer_wheel_count(cur), 0);
	return cur;
}

static unsigned int
adv(uint64_t now_tsc, unsigned int budget)
{
	rec.call++;
	return mp_timer_wheel_advance(cur, now_tsc, budget);
}

/* The TSC of the tick a deadline fires at: the first tick boundary at or after it. */
static uint64_t
boundary(uint64_t base, uint64_t tick, uint64_t deadline)
{
	uint64_t q;

	if (deadline <= base)
		return base;
	q = (deadline - base) / tick;
	return base + q * tick < deadline ? base + (q + 1) * tick : base + q * tick;
}

static void
record(struct tobj *o, uint64_t now_tsc)
{
	assert_true(now_tsc >= o->deadline);
	o->fires++;
	o->fired_tsc = now_tsc;
	o->fired_call = rec.call;
	if (rec.n < LOG_LEN)
		rec.log[rec.n] = o->id;
	rec.n++;
}

static void
on_fire(struct mp_timer *t, uint64_t now_tsc)
{
	/* Disarmed before the call, so the handler may re-arm it. */
	assert_false(mp_timer_armed(t));
	record(container_of(t, struct tobj, t), now_tsc);
}

static void
obj_init(struct tobj *o, unsigned int id, mp_timer_fn fn)
{
	memset(o, 0, sizeof(*o));
	o->id = id;
	mp_timer_init(&o->t, fn != NULL ? fn : on_fire);
}

static void
obj_arm(struct tobj *o, uint64_t deadline)
{
	o->deadline = deadline;
	mp_timer_arm(cur, &o->t, deadline);
	assert_true(mp_timer_armed(&o->t));
}

/* Advance in halving jumps up to until - 1; nothing may fire on the way. */
static void
approach(uint64_t *now, uint64_t until)
{
	while (*now + 1 < until) {
		*now += (until - *now) / 2;
		assert_int_equal(adv(*now, ALL), 0);
	}
}

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

/* ---------------------------------------------------------------------------------------- */
/* Create, free, count */

static void
test_create(void **state)
{
	(void)state;
	rte_errno = 0;
	assert_null(mp_timer_wheel_create("bad", SOCKET_ID_ANY, 0, T_BASE));
	assert_int_equal(rte_errno, EINVAL);
	mp_timer_wheel_free(NULL);

	wheel(T_TICK, T_BASE);
	for (uint64_t now = 0; now < T_BASE + 100 * T_TICK; now += T_TICK / 3)
		assert_int_equal(adv(now, ALL), 0);
	assert_int_equal(mp_timer_wheel_count(cur), 0);
}

/* Freeing a wheel with armed timers forgets them: nothing fires, nothing leaks (ASan). */
static void
test_free_armed(void **state)
{
	struct tobj o[3];

	(void)state;
	wheel(T_TICK, T_BASE);
	for (unsigned int i = 0; i < RTE_DIM(o); i++) {
		obj_init(&o[i], i, NULL);
		obj_arm(&o[i], T_BASE + (1 + i * 5000) * T_TICK);
	}
	obj_arm(&o[0], 0); /* late */
	mp_timer_wheel_free(cur);
	cur = NULL;
	assert_int_equal(rec.n, 0);
}

static void
test_count(void **state)
{
	struct tobj o[6];

	(void)state;
	wheel(T_TICK, T_BASE);
	for (unsigned int i = 0; i < RTE_DIM(o); i++)
		obj_init(&o[i], i, NULL);
	obj_arm(&o[0], T_BASE + 5 * T_TICK);
	obj_arm(&o[1], T_BASE + 5 * T_TICK);
	obj_arm(&o[2], T_BASE + 100000 * T_TICK);
	obj_arm(&o[3], T_BASE - 1); /* late */
	assert_int_equal(mp_timer_wheel_count(cur), 4);
	obj_arm(&o[0], T_BASE + 7 * T_TICK); /* re-arm: still one */
	obj_arm(&o[3], T_BASE);              /* re-arm while late */
	assert_int_equal(mp_timer_wheel_count(cur), 4);
	mp_timer_cancel(cur, &o[4].t); /* never armed */
	assert_int_equal(mp_timer_wheel_count(cur), 4);
	mp_timer_cancel(cur, &o[3].t); /* cancel while late */
	mp_timer_cancel(cur, &o[3].t);
	assert_false(mp_timer_armed(&o[3].t));
	assert_int_equal(mp_timer_wheel_count(cur), 3);

	assert_int_equal(adv(T_BASE + 5 * T_TICK, ALL), 1);
	assert_int_equal(o[1].fires, 1);
	assert_int_equal(mp_timer_wheel_count(cur), 2);
	assert_int_equal(adv(T_BASE + 7 * T_TICK, ALL), 1);
	assert_int_equal(mp_timer_wheel_count(cur), 1);
	mp_timer_cancel(cur, &o[2].t);
	assert_int_equal(mp_timer_wheel_count(cur), 0);
	assert_int_equal(adv(T_BASE + 200000 * T_TICK, ALL), 0);
	assert_int_equal(o[2].fires + o[3].fires + o[4].fires, 0);

	/* Cancelling the last of the late timers, then arming more late ones. */
	obj_arm(&o[0], 0);
	obj_arm(&o[1], 0);
	mp_timer_cancel(cur, &o[1].t);
	obj_arm(&o[2], 0);
	obj_arm(&o[3], 0);
	mp_timer_cancel(cur, &o[3].t);
	mp_timer_cancel(cur, &o[2].t);
	mp_timer_cancel(cur, &o[0].t);
	obj_arm(&o[4], 0);
	obj_arm(&o[5], 0);
	assert_int_equal(mp_timer_wheel_count(cur), 2);
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(adv(T_BASE + 200000 * T_TICK, ALL), 2);
	assert_int_equal(rec.log[0], 4);
	assert_int_equal(rec.log[1], 5);

	/* A leftover of a spent budget is still armed and counted, and can be cancelled. */
	obj_arm(&o[4], T_BASE + 200001 * T_TICK);
	obj_arm(&o[5], T_BASE + 200001 * T_TICK);
	assert_int_equal(adv(T_BASE + 200001 * T_TICK, 1), 1);
	assert_int_equal(mp_timer_wheel_count(cur), 1);
	mp_timer_cancel(cur, o[4].fires == 2 ? &o[5].t : &o[4].t);
	assert_int_equal(mp_timer_wheel_count(cur), 0);
	assert_int_equal(adv(T_BASE + 200001 * T_TICK, ALL), 0);
	assert_int_equal(o[4].fires + o[5].fires, 3);
}

/* ---------------------------------------------------------------------------------------- */
/* When a timer fires */

/* Step one cycle at a time across the deadline: the first fire is in [deadline, +1 tick). */
static void
test_fires_within_tick(void **state)
{
	static const uint64_t offs[] = {
	        1,
	        2,
	        T_TICK - 1,
	        T_TICK,
	        T_TICK + 1,
	        T_TICK * 3 / 2,
	        63 * 1000,
	        63 * 1000 + 1,
	        64 * 1000,
	        64 * 1000 + 1,
	        4095 * 1000 + 999,
	        4096 * 1000,
	        4096 * 1000 + 1,
	        262144 * 1000 + 500,
	};

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(offs); i++) {
		uint64_t d = T_BASE + offs[i];
		uint64_t now = T_BASE;
		struct tobj o;

		wheel(T_TICK, T_BASE);
		obj_init(&o, i, NULL);
		obj_arm(&o, d);
		approach(&now, d - RTE_MIN(d - T_BASE, 2 * (uint64_t)T_TICK));
		while (o.fires == 0) {
			unsigned int n = adv(++now, ALL);

			assert_int_equal(n, o.fires);
			assert_true(now < d + T_TICK);
		}
		assert_true(o.fired_tsc >= d);
		assert_true(o.fired_tsc < d + T_TICK);
		assert_int_equal(o.fired_tsc, boundary(T_BASE, T_TICK, d));
		for (unsigned int k = 0; k < 3 * T_TICK; k++)
			assert_int_equal(adv(++now, ALL), 0);
		assert_int_equal(o.fires, 1);
		assert_int_equal(mp_timer_wheel_count(cur), 0);
		mp_timer_wheel_free(cur);
		cur = NULL;
	}
}

/*
 * Tick sizes from 1 cycle to 2^40, with time starting at 0 or far from it: random deadlines,
 * one at a time, fire exactly at their rounded-up tick, not one cycle before.
 */
static void
test_tick_sizes(void **state)
{
	static const uint64_t ticks[] = {
	        1, 3, 1000, 1 << 20, 2500000, (UINT64_C(1) << 32) + 7, UINT64_C(1) << 40,
	};
	static const uint64_t bases[] = {0, 12345, UINT64_C(1) << 40};
	uint64_t seed = 0x9e3779b97f4a7c15;

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(ticks); i++) {
		for (unsigned int j = 0; j < RTE_DIM(bases); j++) {
			uint64_t tick = ticks[i], base = bases[j], now = base;
			struct tobj o;

			wheel(tick, base);
			obj_init(&o, 0, NULL);
			for (unsigned int k = 0; k < 300; k++) {
				uint64_t range = tick << (xorshift(&seed) % 24);
				uint64_t d, b;

				range = RTE_MIN(range, UINT64_C(1) << 50);
				d = now + 1 + xorshift(&seed) % range;
				b = boundary(base, tick, d);
				obj_arm(&o, d);
				if (k % 2 == 0)
					approach(&now, b);
				else if (b - 1 > now)
					assert_int_equal(adv(now = b - 1, ALL), 0);
				assert_int_equal(o.fires, k);
				assert_int_equal(adv(now = b, ALL), 1);
				assert_int_equal(o.fires, k + 1);
				assert_int_equal(o.fired_tsc, b);
			}
			mp_timer_wheel_free(cur);
			cur = NULL;
		}
	}
}

/* A deadline at or before the last advance's TSC fires on the next advance, same TSC or not. */
static void
test_past_deadline(void **state)
{
	struct tobj o[5];
	uint64_t now = T_BASE + 10 * T_TICK + 500;

	(void)state;
	wheel(T_TICK, T_BASE);
	for (unsigned int i = 0; i < RTE_DIM(o); i++)
		obj_init(&o[i], i, NULL);
	obj_arm(&o[0], 0);
	obj_arm(&o[1], T_BASE - 1);
	obj_arm(&o[2], T_BASE);
	assert_int_equal(adv(T_BASE, ALL), 3);

	assert_int_equal(adv(now, ALL), 0);
	obj_arm(&o[0], T_BASE + 3 * T_TICK);  /* ticks ago */
	obj_arm(&o[1], T_BASE + 10 * T_TICK); /* the current tick's start */
	obj_arm(&o[2], now - 300);            /* inside the current tick, before now */
	obj_arm(&o[3], now);                  /* exactly now */
	obj_arm(&o[4], now + 1);              /* the future: the next tick */
	assert_int_equal(adv(now, ALL), 4);
	assert_int_equal(o[4].fires, 0);
	assert_int_equal(adv(T_BASE + 11 * T_TICK - 1, ALL), 0);
	assert_int_equal(adv(T_BASE + 11 * T_TICK, ALL), 1);
	for (unsigned int i = 0; i < RTE_DIM(o); i++)
		assert_int_equal(o[i].fires, 2 - (i >= 3));

	/* The fast path (no tick passed) still learns the TSC. */
	assert_int_equal(adv(T_BASE + 11 * T_TICK + 700, ALL), 0);
	obj_arm(&o[0], T_BASE + 11 * T_TICK + 600);
	assert_int_equal(adv(T_BASE + 11 * T_TICK + 701, ALL), 1);
}

static void
test_cancel(void **state)
{
	struct tobj o[4];

	(void)state;
	wheel(T_TICK, T_BASE);
	for (unsigned int i = 0; i < RTE_DIM(o); i++) {
		obj_init(&o[i], i, NULL);
		/* levels 0, 1, 2 and parked beyond the span */
		obj_arm(&o[i], T_BASE + (UINT64_C(1) << (i * 12 + 3)) * T_TICK);
	}
	mp_timer_cancel(cur, &o[1].t);
	mp_timer_cancel(cur, &o[3].t);
	assert_false(mp_timer_armed(&o[1].t));
	assert_int_equal(mp_timer_wheel_count(cur), 2);
	for (unsigned int k = 0; k <= 40; k++)
		adv(T_BASE + (UINT64_C(1) << k) * T_TICK, ALL);
	assert_int_equal(o[0].fires + o[2].fires, 2);
	assert_int_equal(o[1].fires + o[3].fires, 0);
	assert_int_equal(mp_timer_wheel_count(cur), 0);
}

static void
test_rearm_moves(void **state)
{
	struct tobj o;
	uint64_t now = T_BASE;

	(void)state;
	wheel(T_TICK, T_BASE);
	obj_init(&o, 0, NULL);

	/* later: the old deadline passes silently */
	obj_arm(&o, T_BASE + 10 * T_TICK);
	obj_arm(&o, T_BASE + 20 * T_TICK);
	assert_int_equal(adv(now = T_BASE + 15 * T_TICK, ALL), 0);
	assert_int_equal(adv(now = T_BASE + 20 * T_TICK - 1, ALL), 0);
	assert_int_equal(adv(now = T_BASE + 20 * T_TICK, ALL), 1);

	/* earlier, from a high level down to level 0 */
	obj_arm(&o, now + 300000 * T_TICK);
	obj_arm(&o, now + 2 * T_TICK);
	assert_int_equal(mp_timer_wheel_count(cur), 1);
	assert_int_equal(adv(now + 2 * T_TICK, ALL), 1);
	now += 2 * T_TICK;
	approach(&now, now + 400000 * T_TICK);
	assert_int_equal(o.fires, 2);

	/* many moves of one timer across levels; only the last counts */
	for (unsigned int i = 0; i < 40; i++)
		obj_arm(&o, now + (UINT64_C(1) << i) * T_TICK + i);
	obj_arm(&o, now + 77 * T_TICK);
	assert_int_equal(mp_timer_wheel_count(cur), 1);
	approach(&now, boundary(T_BASE, T_TICK, o.deadline));
	assert_int_equal(adv(now += 1, ALL), 1);
	approach(&now, now + (UINT64_C(1) << 41) * T_TICK);
	assert_int_equal(o.fires, 3);
}

/* ---------------------------------------------------------------------------------------- */
/* Handlers that act on the wheel */

static void
on_periodic(struct mp_timer *t, uint64_t now_tsc)
{
	struct tobj *o = container_of(t, struct tobj, t);

	on_fire(t, now_tsc);
	obj_arm(o, o->deadline + o->period);
}

/* A periodic timer re-arms itself from its handler; every period fires within its tick. */
static void
test_periodic(void **state)
{
	struct tobj o, slow;
	uint64_t now;

	(void)state;
	wheel(T_TICK, T_BASE);
	obj_init(&o, 0, on_periodic);
	o.period = 3 * T_TICK + 1;
	obj_arm(&o, T_BASE + o.period);
	obj_init(&slow, 1, on_periodic);
	slow.period = 5000 * T_TICK;
	obj_arm(&slow, T_BASE + slow.period);
	for (now = T_BASE; now <= T_BASE + 100000 * T_TICK; now += T_TICK / 4) {
		uint64_t fires = o.fires;

		adv(now, ALL);
		if (o.fires != fires) {
			assert_int_equal(o.fires, fires + 1);
			/* fired_tsc is a multiple of T_TICK / 4: within one tick of the deadline */
			assert_true(o.fired_tsc < o.deadline - o.period + T_TICK);
		}
	}
	assert_int_equal(o.fires, (100000 * T_TICK) / o.period);
	assert_int_equal(slow.fires, 100000 / 5000);
	assert_int_equal(mp_timer_wheel_count(cur), 2);
}

/* Owners allocated on the heap, so ASan sees a wheel that touches a freed timer. */
static void
on_cancel_and_free_other(struct mp_timer *t, uint64_t now_tsc)
{
	struct tobj *o = container_of(t, struct tobj, t);

	on_fire(t, now_tsc);
	if (o->other != NULL) {
		mp_timer_cancel(cur, &o->other->t);
		o->other->other = NULL;
		free(o->other);
		o->other = NULL;
	}
}

static void
on_free_self(struct mp_timer *t, uint64_t now_tsc)
{
	on_fire(t, now_tsc);
	free(container_of(t, struct tobj, t));
}

static struct tobj *
obj_new(unsigned int id, mp_timer_fn fn)
{
	struct tobj *o = malloc(sizeof(*o));

	assert_non_null(o);
	obj_init(o, id, fn);
	return o;
}

static void
test_handler_frees(void **state)
{
	struct tobj *a, *b, *c;

	(void)state;
	wheel(T_TICK, T_BASE);

	/* a fires first (earlier tick) and frees b, due in the same call */
	a = obj_new(1, on_cancel_and_free_other);
	b = obj_new(2, on_cancel_and_free_other);
	a->other = b;
	b->other = a;
	obj_arm(a, T_BASE + 5 * T_TICK);
	obj_arm(b, T_BASE + 6 * T_TICK);
	assert_int_equal(adv(T_BASE + 10 * T_TICK, ALL), 1);
	assert_int_equal(rec.log[0], 1);
	free(a);

	/* same tick: whichever fires first frees the other, which never fires */
	a = obj_new(3, on_cancel_and_free_other);
	b = obj_new(4, on_cancel_and_free_other);
	a->other = b;
	b->other = a;
	obj_arm(a, T_BASE + 20 * T_TICK);
	obj_arm(b, T_BASE + 20 * T_TICK);
	assert_int_equal(mp_timer_wheel_count(cur), 2);
	assert_int_equal(adv(T_BASE + 20 * T_TICK, ALL), 1);
	assert_int_equal(mp_timer_wheel_count(cur), 0);
	free(rec.log[1] == 3 ? a : b);

	/* a handler frees its own owner, with others due before and after it in the same call */
	a = obj_new(5, on_free_self);
	b = obj_new(6, on_free_self);
	c = obj_new(7, on_free_self);
	obj_arm(a, T_BASE + 30 * T_TICK);
	obj_arm(b, T_BASE + 30 * T_TICK);
	obj_arm(c, T_BASE + 31 * T_TICK);
	assert_int_equal(adv(T_BASE + 40 * T_TICK, ALL), 3);
	assert_int_equal(mp_timer_wheel_count(cur), 0);
	assert_int_equal(rec.n, 5);
}

static void
on_arm_due(struct mp_timer *t, uint64_t now_tsc)
{
	struct tobj *o = container_of(t, struct tobj, t);

	on_fire(t, now_tsc);
	obj_arm(o->other, now_tsc); /* already due */
}

static void
on_rearm_past(struct mp_timer *t, uint64_t now_tsc)
{
	struct tobj *o = container_of(t, struct tobj, t);

	on_fire(t, now_tsc);
	if (o->fires < o->limit)
		obj_arm(o, now_tsc - 5 * T_TICK);
}

/* Timers armed already due from a handler fire on the next call: one call cannot loop. */
static void
test_handler_arms_due(void **state)
{
	struct tobj a, b, self;
	uint64_t now = T_BASE + 100 * T_TICK;

	(void)state;
	wheel(T_TICK, T_BASE);
	obj_init(&a, 1, on_arm_due);
	obj_init(&b, 2, NULL);
	a.other = &b;
	obj_arm(&a, now);
	assert_int_equal(adv(now, ALL), 1);
	assert_true(mp_timer_armed(&b.t));
	assert_int_equal(adv(now, ALL), 1); /* no tick passed: b still fires */
	assert_int_equal(b.fires, 1);

	obj_init(&self, 3, on_rearm_past);
	self.limit = 5;
	obj_arm(&self, now + T_TICK);
	now += 2 * T_TICK;
	for (unsigned int i = 1; i <= 5; i++) {
		assert_int_equal(adv(now, ALL), 1);
		assert_int_equal(self.fires, i);
	}
	assert_int_equal(adv(now, ALL), 0);
	assert_int_equal(mp_timer_wheel_count(cur), 0);
}

/* A handler arming timers in the future, and cancelling one due later in the same call. */
static void
on_arm_future(struct mp_timer *t, uint64_t now_tsc)
{
	struct tobj *o = container_of(t, struct tobj, t);

	on_fire(t, now_tsc);
	obj_arm(o->other, now_tsc + 70 * T_TICK); /* a level-1 slot */
	mp_timer_cancel(cur, &o[1].t);            /* the next object in the array */
}

static void
test_handler_arms_future(void **state)
{
	struct tobj o[3];

	(void)state;
	wheel(T_TICK, T_BASE);
	obj_init(&o[0], 0, on_arm_future);
	obj_init(&o[1], 1, NULL);
	obj_init(&o[2], 2, NULL);
	o[0].other = &o[2];
	obj_arm(&o[0], T_BASE + 1 * T_TICK);
	obj_arm(&o[1], T_BASE + 2 * T_TICK);
	assert_int_equal(adv(T_BASE + 3 * T_TICK, ALL), 1);
	assert_int_equal(adv(T_BASE + 73 * T_TICK - 1, ALL), 0);
	assert_int_equal(adv(T_BASE + 73 * T_TICK, ALL), 1);
	assert_int_equal(o[1].fires, 0);
	assert_int_equal(o[2].fires, 1);
}

/* ---------------------------------------------------------------------------------------- */
/* Budget and order */

static void
test_budget(void **state)
{
	enum { N = 300, BUDGET = 7 };
	static struct tobj o[N];
	struct tobj late;
	uint64_t seed = 42;
	unsigned int left = N, calls = 0;

	(void)state;
	wheel(T_TICK, T_BASE);
	/* deadlines 1..N/2 ticks, two timers each, armed in a shuffled order */
	for (unsigned int i = 0; i < N; i++)
		obj_init(&o[i], i, NULL);
	for (unsigned int i = N - 1; i > 0; i--) {
		unsigned int j = (unsigned int)(xorshift(&seed) % (i + 1));
		struct tobj tmp = o[i];

		o[i] = o[j];
		o[j] = tmp;
	}
	for (unsigned int i = 0; i < N; i++) {
		mp_timer_init(&o[i].t, on_fire);
		obj_arm(&o[i], T_BASE + (o[i].id / 2 + 1) * T_TICK - (o[i].id % 2) * 17);
	}
	assert_int_equal(adv(T_BASE + N * T_TICK, 0), 0);
	while (left > 0) {
		unsigned int n = adv(T_BASE + N * T_TICK, BUDGET);

		assert_int_equal(n, RTE_MIN(left, (unsigned int)BUDGET));
		left -= n;
		calls++;
	}
	assert_int_equal(calls, (N + BUDGET - 1) / BUDGET);
	assert_int_equal(adv(T_BASE + N * T_TICK, BUDGET), 0);
	assert_int_equal(rec.n, N);
	for (unsigned int i = 1; i < N; i++)
		assert_true(rec.log[i] / 2 >= rec.log[i - 1] / 2); /* tick order */

	/* a timer armed already due between budget-limited calls fires on the next call */
	memset(&rec, 0, sizeof(rec));
	for (unsigned int i = 0; i < N; i++)
		obj_arm(&o[i], T_BASE + (N + 1 + o[i].id) * T_TICK);
	assert_int_equal(adv(T_BASE + 2 * N * T_TICK, BUDGET), BUDGET);
	obj_init(&late, N, NULL);
	obj_arm(&late, T_BASE);
	assert_int_equal(adv(T_BASE + 2 * N * T_TICK, BUDGET), BUDGET);
	assert_int_equal(late.fires, 1);
	while (adv(T_BASE + 2 * N * T_TICK, BUDGET) != 0)
		;
	assert_int_equal(rec.n, N + 1);
	for (unsigned int i = 0, prev = 0; i < rec.n; i++) {
		if (rec.log[i] == N)
			continue;
		assert_true(rec.log[i] >= prev);
		prev = rec.log[i];
	}
}

/*
 * Deadlines at every level boundary, in days, beyond the span and at UINT64_MAX / 2: each
 * fires at its tick and not one cycle before, with time moving in halving jumps between.
 * Run from tick 0 and from an odd point, so slots do not line up with the deadlines.
 */
static void
test_levels(void **state)
{
	static const uint64_t t[] = {
	        1,
	        2,
	        63,
	        64,
	        65,
	        127,
	        128,
	        4095,
	        4096,
	        4097,
	        262143,
	        262144,
	        262145,
	        (1 << 24) - 1,
	        1 << 24,
	        (1 << 24) + 1,
	        86400000,     /* a day at 1 ms ticks */
	        7 * 86400000, /* a week */
	        (UINT64_C(1) << 30) - 1,
	        UINT64_C(1) << 30,
	        (UINT64_C(1) << 30) + 1,
	        (UINT64_C(1) << 36) - 1,
	        UINT64_C(1) << 36, /* the span: parked */
	        (UINT64_C(1) << 36) + 1,
	        3650 * UINT64_C(86400000), /* ten years at 1 ms */
	        (UINT64_C(1) << 42) + 12345,
	};
	static const uint64_t starts[] = {0, 777777 * T_TICK + 123};
	enum { N = RTE_DIM(t) + 1 };

	for (unsigned int i = 1; i < RTE_DIM(t); i++)
		assert_true(t[i] > t[i - 1]);

	(void)state;
	for (unsigned int s = 0; s < RTE_DIM(starts); s++) {
		struct tobj o[N];
		uint64_t now = T_BASE + starts[s];

		memset(&rec, 0, sizeof(rec));
		wheel(T_TICK, T_BASE);
		assert_int_equal(adv(now, ALL), 0);
		for (unsigned int i = 0; i < N; i++) {
			obj_init(&o[i], i, NULL);
			/* half of them a cycle off the tick, rounding up to it */
			obj_arm(&o[i], i == N - 1 ? UINT64_MAX / 2 : now + t[i] * T_TICK - i % 2);
		}
		assert_int_equal(mp_timer_wheel_count(cur), N);
		for (unsigned int i = 0; i < N; i++) {
			uint64_t b = boundary(T_BASE, T_TICK, o[i].deadline);

			approach(&now, b);
			assert_int_equal(rec.n, i);
			assert_int_equal(adv(now = b, ALL), 1);
			assert_int_equal(rec.log[i], i);
			assert_int_equal(mp_timer_wheel_count(cur), N - 1 - i);
		}

		/* the same deadlines again, and one jump past them all */
		memset(&rec, 0, sizeof(rec));
		for (unsigned int i = 0; i < N - 1; i++)
			obj_arm(&o[i], now + t[i] * T_TICK - i % 2);
		assert_int_equal(adv(now + t[N - 2] * T_TICK, ALL), N - 1);
		for (unsigned int i = 0; i < N - 1; i++)
			assert_int_equal(rec.log[i], i);
		mp_timer_wheel_free(cur);
		cur = NULL;
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Many random timers against a sorted reference */

#define RND_N    (1u << 20)
#define RND_STEP (1u << 20) /* room for the time steps of one run */

struct rnd_timer {
	struct mp_timer t;
	uint64_t fire_at; /* TSC of the tick it must fire at */
	uint32_t fires;
	uint32_t step; /* the time step it fired in */
	bool live;     /* armed and not cancelled: must fire */
};

static struct {
	struct rnd_timer *v;
	uint32_t *order; /* indexes in firing order */
	uint64_t *step_tsc;
	uint32_t fired;
	uint32_t step;
	uint64_t now;
} rnd;

static void
rnd_fire(struct mp_timer *t, uint64_t now_tsc)
{
	struct rnd_timer *r = container_of(t, struct rnd_timer, t);

	if (now_tsc < r->fire_at || rnd.fired >= RND_N)
		fail_msg("timer %zu fired at %" PRIu64 ", due at %" PRIu64, (size_t)(r - rnd.v),
		         now_tsc, r->fire_at);
	r->fires++;
	r->step = rnd.step;
	rnd.order[rnd.fired++] = (uint32_t)(r - rnd.v);
}

/* Delays from a cycle to 2^22 ticks, most of them short, as real timeouts are. */
static uint64_t
rnd_delay(uint64_t *seed)
{
	static const uint64_t max_ticks[] = {64, 4096, 1 << 18, 1 << 22};

	return 1 + xorshift(seed) % (max_ticks[xorshift(seed) % 4] * T_TICK);
}

static void
rnd_arm(struct rnd_timer *r, uint64_t deadline)
{
	r->fire_at = boundary(T_BASE, T_TICK, deadline);
	r->live = true;
	mp_timer_arm(cur, &r->t, deadline);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The first time step whose TSC reached tsc. */
static uint32_t
rnd_step_of(uint64_t tsc)
{
	uint32_t lo = 1, hi = rnd.step;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (rnd.step_tsc[mid] >= tsc)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * RND_N timers: three quarters armed at the start, the rest a few per step as time moves in
 * random steps (a cycle to 2^16 ticks), with random cancels and re-arms along the way. Every
 * live timer fires exactly once, in the first step that reached its tick, and the firing order
 * is the sorted order of those ticks.
 */
static void
random_run(uint64_t seed, unsigned int budget)
{
	uint32_t next = RND_N / 4 * 3, live = 0;
	uint64_t *ref;

	memset(&rnd, 0, sizeof(rnd));
	rnd.v = calloc(RND_N, sizeof(*rnd.v));
	rnd.order = calloc(RND_N, sizeof(*rnd.order));
	rnd.step_tsc = calloc(RND_STEP, sizeof(*rnd.step_tsc));
	ref = calloc(RND_N, sizeof(*ref));
	assert_non_null(rnd.v);
	assert_non_null(rnd.order);
	assert_non_null(rnd.step_tsc);
	assert_non_null(ref);

	wheel(T_TICK, T_BASE);
	rnd.now = T_BASE;
	for (uint32_t i = 0; i < RND_N; i++)
		mp_timer_init(&rnd.v[i].t, rnd_fire);
	for (uint32_t i = 0; i < next; i++)
		rnd_arm(&rnd.v[i], rnd.now + rnd_delay(&seed));
	while (mp_timer_wheel_count(cur) > 0 || next < RND_N) {
		uint64_t x = xorshift(&seed);
		struct rnd_timer *r;

		if (x % 16 < 10)
			rnd.now += 1 + xorshift(&seed) % (2 * T_TICK);
		else if (x % 16 < 15)
			rnd.now += 1 + xorshift(&seed) % (64 * T_TICK);
		else
			rnd.now += 1 + xorshift(&seed) % (65536 * T_TICK);
		assert_true(rnd.step + 1 < RND_STEP);
		rnd.step_tsc[++rnd.step] = rnd.now;
		while (mp_timer_wheel_advance(cur, rnd.now, budget) == budget)
			;

		for (unsigned int k = 0; k < 8 && next < RND_N; k++, next++)
			rnd_arm(&rnd.v[next], rnd.now + rnd_delay(&seed));
		r = &rnd.v[xorshift(&seed) % next];
		if (mp_timer_armed(&r->t)) {
			if (x % 4 == 0) {
				mp_timer_cancel(cur, &r->t);
				r->live = false;
			} else if (x % 4 == 1) {
				rnd_arm(r, rnd.now + rnd_delay(&seed));
			}
		}
	}

	for (uint32_t i = 0; i < RND_N; i++) {
		struct rnd_timer *q = &rnd.v[i];

		if (!q->live) {
			assert_int_equal(q->fires, 0);
			continue;
		}
		if (q->fires != 1 || q->step != rnd_step_of(q->fire_at))
			fail_msg("timer %u: %u fires, in step %u, due in step %u", i, q->fires,
			         q->step, rnd_step_of(q->fire_at));
		ref[live++] = q->fire_at;
	}
	assert_int_equal(rnd.fired, live);
	qsort(ref, live, sizeof(*ref), cmp_u64);
	for (uint32_t i = 0; i < live; i++)
		if (rnd.v[rnd.order[i]].fire_at != ref[i])
			fail_msg("firing %u is due at %" PRIu64 ", the reference says %" PRIu64, i,
			         rnd.v[rnd.order[i]].fire_at, ref[i]);
	assert_true(live > RND_N / 4 * 3); /* the cancels took a few only */

	free(ref);
	free(rnd.step_tsc);
	free(rnd.order);
	free(rnd.v);
}

static void
test_random_1m(void **state)
{
	(void)state;
	random_run(0x0123456789abcdef, ALL);
}

static void
test_random_1m_budget(void **state)
{
	(void)state;
	random_run(0xfedcba9876543210, 64);
}

/* A jump far ahead at once fires everything due in one call, in tick order. */
static void
test_jump(void **state)
{
	enum { N = 20000 };
	struct rnd_timer *v = calloc(N, sizeof(*v));
	uint64_t seed = 7, prev = 0;

	(void)state;
	assert_non_null(v);
	memset(&rnd, 0, sizeof(rnd));
	rnd.v = v;
	rnd.order = calloc(N, sizeof(*rnd.order));
	assert_non_null(rnd.order);
	wheel(T_TICK, T_BASE);
	for (uint32_t i = 0; i < N; i++) {
		mp_timer_init(&v[i].t, rnd_fire);
		rnd_arm(&v[i], T_BASE + 1 + xorshift(&seed) % ((UINT64_C(1) << 33) * T_TICK));
	}
	assert_int_equal(adv(T_BASE + (UINT64_C(1) << 33) * T_TICK, ALL), N);
	assert_int_equal(mp_timer_wheel_count(cur), 0);
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(v[rnd.order[i]].fires, 1);
		assert_true(v[rnd.order[i]].fire_at >= prev);
		prev = v[rnd.order[i]].fire_at;
	}
	free(rnd.order);
	free(v);
}

/* ---------------------------------------------------------------------------------------- */

static int
timer_test_setup(void **state)
{
	(void)state;
	memset(&rec, 0, sizeof(rec));
	cur = NULL;
	return 0;
}

static int
timer_test_teardown(void **state)
{
	(void)state;
	mp_timer_wheel_free(cur);
	cur = NULL;
	return 0;
}

static int
timer_group_setup(void **state)
{
	(void)state;
	return test_eal_init("test_base", "256");
}

static int
timer_group_teardown(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

#define TIMER_TEST(f) cmocka_unit_test_setup_teardown(f, timer_test_setup, timer_test_teardown)

int
main(void)
{
	const struct CMUnitTest names[] = {
	        cmocka_unit_test(test_drop_names),
	        cmocka_unit_test(test_event_names),
	};
	const struct CMUnitTest timer[] = {
	        TIMER_TEST(test_create),
	        TIMER_TEST(test_free_armed),
	        TIMER_TEST(test_count),
	        TIMER_TEST(test_fires_within_tick),
	        TIMER_TEST(test_tick_sizes),
	        TIMER_TEST(test_past_deadline),
	        TIMER_TEST(test_cancel),
	        TIMER_TEST(test_rearm_moves),
	        TIMER_TEST(test_periodic),
	        TIMER_TEST(test_handler_frees),
	        TIMER_TEST(test_handler_arms_due),
	        TIMER_TEST(test_handler_arms_future),
	        TIMER_TEST(test_budget),
	        TIMER_TEST(test_levels),
	        TIMER_TEST(test_jump),
	        TIMER_TEST(test_random_1m),
	        TIMER_TEST(test_random_1m_budget),
	};
	int failed = 0;

	failed += cmocka_run_group_tests_name("base_names", names, NULL, NULL);
	failed += cmocka_run_group_tests_name("base_timer", timer, timer_group_setup,
	                                      timer_group_teardown);
	failed += test_base_hist_run();
	return failed != 0;
}
