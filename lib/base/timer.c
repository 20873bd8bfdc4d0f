/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker timer wheel of mp_timer.h: a hierarchical wheel with cascading.
 *
 * Time is counted in ticks since create. Level l has 64 slots of 64^l ticks each, so the six
 * levels span 2^36 ticks (795 days at 1 ms). A timer due `delta` ticks after the cursor (the
 * next tick to process) goes to the level where delta fits: level 0 holds the next 64 ticks
 * one per slot, level l holds deltas in [64^l, 64^(l+1)) in slot (expire >> 6l) % 64. When
 * the cursor reaches a multiple of 64^l, that level's slot for the cursor is cascaded: every
 * timer in it is filed again, into a lower level. A timer therefore moves at most once per
 * level, and a level-0 slot only ever holds timers due at exactly the tick it stands for.
 * Deadlines beyond the span are parked in the top level at the span's end and filed again
 * from there, with their real expiry kept in t->expire. That happens once per 2^36 - 2^30
 * ticks of time passed, so only a single advance jumping years at 1 ms ticks repeats it.
 *
 * Each level keeps a 64-bit map of its non-empty slots, so the next tick with work (a level-0
 * slot to fire or a slot to cascade) is a rotate and a count of trailing zeros per level: empty
 * stretches of any length cost nothing, and a jump of days costs only the non-empty slots in
 * between. Between ticks, advance is two compares and a store.
 *
 * Expired timers move to the due list a tick at a time, only when the list has run dry, and
 * fire from its head, up to the budget. A timer armed for a deadline at or before the last TSC
 * advance was given is late: it waits on the late list, which joins the due list at the start
 * of the next call, so it fires then even if no tick has passed, and a handler that re-arms
 * itself in the past cannot loop inside one call.
 */
#include <errno.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_reciprocal.h>

#include "mp_timer.h"

#define LEVEL_BITS  6
#define LEVEL_SLOTS (1u << LEVEL_BITS)
#define SLOT_MASK   (LEVEL_SLOTS - 1)
#define LEVELS      6
#define SPAN        (UINT64_C(1) << (LEVEL_BITS * LEVELS))
/*
 * The wheel's clock stops here, so cursor + SPAN and the cascade arithmetic never wrap. At one
 * tick a nanosecond that is 584 years away; deadlines past it count as at it.
 */
#define TICK_LIMIT  (UINT64_MAX - 2 * SPAN)

struct mp_timer_wheel {
	/* The advance fast path touches only this first cache line. */
	uint64_t wake_tsc;           /* advance has nothing to do before this TSC */
	uint64_t cursor;             /* next tick to process: ticks before it are done */
	uint64_t now_tsc;            /* latest TSC advance was told about */
	struct mp_timer *due;        /* expired, in tick order; fire from the head */
	struct mp_timer *late;       /* armed already expired; joins due on the next call */
	struct mp_timer **late_tail; /* &last->next, or &late when empty */
	uint64_t count;
	uint64_t base_tsc; /* TSC of tick 0 */

	uint64_t tick_tsc;
	uint64_t max_tick; /* last tick whose TSC fits in 64 bits */
	struct rte_reciprocal_u64 tick_div;
	uint64_t used[LEVELS]; /* bit s set: slot[l][s] is not empty */
	struct mp_timer *slot[LEVELS][LEVEL_SLOTS] __rte_cache_aligned;
};

static inline uint64_t
ror64(uint64_t v, unsigned int n)
{
	return (v >> n) | (v << ((64 - n) & 63));
}

/* First tick at or after tsc: a timer filed there fires no earlier than its deadline. */
static inline uint64_t
tick_ceil(const struct mp_timer_wheel *w, uint64_t tsc)
{
	uint64_t d, q;

	if (tsc <= w->base_tsc)
		return 0;
	d = tsc - w->base_tsc;
	q = rte_reciprocal_divide_u64(d, &w->tick_div);
	q += q * w->tick_tsc != d;
	return RTE_MIN(q, (uint64_t)TICK_LIMIT);
}

/* The tick tsc falls in. */
static inline uint64_t
tick_floor(const struct mp_timer_wheel *w, uint64_t tsc)
{
	uint64_t q;

	if (tsc <= w->base_tsc)
		return 0;
	q = rte_reciprocal_divide_u64(tsc - w->base_tsc, &w->tick_div);
	return RTE_MIN(q, (uint64_t)TICK_LIMIT);
}

/* TSC at which tick starts, or UINT64_MAX when that is beyond 64 bits. */
static inline uint64_t
tick_start(const struct mp_timer_wheel *w, uint64_t tick)
{
	return tick > w->max_tick ? UINT64_MAX : w->base_tsc + tick * w->tick_tsc;
}

/*
 * File t by t->expire relative to the cursor. Requires t->expire >= cursor, which arm checks
 * and cascading keeps (a slot is cascaded at or before the expiry of everything in it).
 */
static inline void
timer_file(struct mp_timer_wheel *w, struct mp_timer *t)
{
	uint64_t expire = t->expire;
	uint64_t delta = expire - w->cursor;
	struct mp_timer **head;
	unsigned int level = 0;

	if (delta >= LEVEL_SLOTS) {
		if (delta >= SPAN) {
			/* Park at the span's end; the cascade there files it again. */
			expire = w->cursor + SPAN - 1;
			delta = SPAN - 1;
		}
		level = (63 - __builtin_clzll(delta)) / LEVEL_BITS;
		expire >>= level * LEVEL_BITS;
	}
	head = &w->slot[level][expire & SLOT_MASK];
	t->next = *head;
	if (t->next != NULL)
		t->next->pprev = &t->next;
	t->pprev = head;
	*head = t;
	w->used[level] |= UINT64_C(1) << (expire & SLOT_MASK);
}

/* Take t off whichever list holds it, keeping the slot maps and the late tail exact. */
static inline void
timer_unlink(struct mp_timer_wheel *w, struct mp_timer *t)
{
	struct mp_timer **pprev = t->pprev;
	struct mp_timer *next = t->next;

	*pprev = next;
	if (next != NULL) {
		next->pprev = pprev;
	} else {
		/* t was last: if pprev is a slot head the slot is now empty. */
		uintptr_t off = (uintptr_t)pprev - (uintptr_t)w->slot;

		if (off < sizeof(w->slot)) {
			unsigned int i = (unsigned int)(off / sizeof(w->slot[0][0]));

			w->used[i / LEVEL_SLOTS] &= ~(UINT64_C(1) << (i % LEVEL_SLOTS));
		} else if (w->late_tail == &t->next) {
			w->late_tail = pprev;
		}
	}
	t->pprev = NULL;
}

struct mp_timer_wheel *
mp_timer_wheel_create(const char *name, int socket_id, uint64_t tick_tsc, uint64_t now_tsc)
{
	struct mp_timer_wheel *w;

	if (tick_tsc == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	w = rte_zmalloc_socket(name, sizeof(*w), RTE_CACHE_LINE_SIZE, socket_id);
	if (w == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	w->base_tsc = now_tsc;
	w->tick_tsc = tick_tsc;
	w->max_tick = (UINT64_MAX - now_tsc) / tick_tsc;
	w->tick_div = rte_reciprocal_value_u64(tick_tsc);
	/* Tick 0 is "now": a deadline at or before now_tsc is already due. */
	w->now_tsc = now_tsc;
	w->cursor = 1;
	w->late_tail = &w->late;
	w->wake_tsc = tick_start(w, w->cursor);
	return w;
}

void
mp_timer_wheel_free(struct mp_timer_wheel *w)
{
	rte_free(w);
}

void
mp_timer_arm(struct mp_timer_wheel *w, struct mp_timer *t, uint64_t deadline_tsc)
{
	uint64_t expire = tick_ceil(w, deadline_tsc);

	if (t->pprev != NULL)
		timer_unlink(w, t);
	else
		w->count++;
	t->expire = expire;
	/*
	 * A deadline after the last advance's TSC is at or after the cursor's tick; only the
	 * clock's end (TICK_LIMIT) breaks that, and such a timer waits on the late list.
	 */
	if (likely(deadline_tsc > w->now_tsc && expire >= w->cursor)) {
		timer_file(w, t);
		return;
	}
	t->next = NULL;
	t->pprev = w->late_tail;
	*w->late_tail = t;
	w->late_tail = &t->next;
	w->wake_tsc = 0;
}

void
mp_timer_cancel(struct mp_timer_wheel *w, struct mp_timer *t)
{
	if (t->pprev == NULL)
		return;
	timer_unlink(w, t);
	w->count--;
}

uint64_t
mp_timer_wheel_count(const struct mp_timer_wheel *w)
{
	return w->count;
}

/* The first tick at or after the cursor with a slot to fire or cascade; UINT64_MAX if none. */
static inline uint64_t
next_event(const struct mp_timer_wheel *w)
{
	uint64_t c = w->cursor;
	uint64_t best = UINT64_MAX;
	unsigned int l;

	/* Level 0 covers exactly the 64 ticks from the cursor. */
	if (w->used[0] != 0)
		best = c + (uint64_t)__builtin_ctzll(ror64(w->used[0], c & SLOT_MASK));
	for (l = 1; l < LEVELS; l++) {
		unsigned int shift = l * LEVEL_BITS;
		/* Level l cascades at multiples of 64^l, slot (tick >> shift) % 64 each time. */
		uint64_t first = (((c - 1) >> shift) + 1) << shift;
		unsigned int skip;

		/* Higher levels cascade at or after first too: nothing there can come sooner. */
		if (first >= best)
			break;
		if (w->used[l] == 0)
			continue;
		skip = (unsigned int)__builtin_ctzll(
		        ror64(w->used[l], (unsigned int)(first >> shift) & SLOT_MASK));
		best = RTE_MIN(best, first + ((uint64_t)skip << shift));
	}
	return best;
}

static void
cascade(struct mp_timer_wheel *w, unsigned int level, unsigned int s)
{
	struct mp_timer *t = w->slot[level][s];

	w->slot[level][s] = NULL;
	w->used[level] &= ~(UINT64_C(1) << s);
	while (t != NULL) {
		struct mp_timer *next = t->next;

		if (next != NULL)
			rte_prefetch0(next);
		timer_file(w, t);
		t = next;
	}
}

/*
 * Process tick: cascade the slots whose turn it is, then move the tick's level-0 slot to the
 * (empty) due list. Cascading goes top down; a cascaded timer lands in level 0 when it is
 * due within 64 ticks, possibly in this very tick's slot, and otherwise in a later slot of a
 * lower level, never in one this tick has already visited.
 */
static void
run_tick(struct mp_timer_wheel *w, uint64_t tick)
{
	unsigned int s = (unsigned int)(tick & SLOT_MASK);

	w->cursor = tick;
	if (s == 0) {
		unsigned int top = RTE_MIN((unsigned int)__builtin_ctzll(tick) / LEVEL_BITS,
		                           (unsigned int)LEVELS - 1);

		for (unsigned int l = top; l >= 1; l--) {
			unsigned int ls = (unsigned int)(tick >> (l * LEVEL_BITS)) & SLOT_MASK;

			if (w->used[l] & (UINT64_C(1) << ls))
				cascade(w, l, ls);
		}
	}
	if (w->used[0] & (UINT64_C(1) << s)) {
		w->due = w->slot[0][s];
		w->due->pprev = &w->due;
		w->slot[0][s] = NULL;
		w->used[0] &= ~(UINT64_C(1) << s);
	}
	w->cursor = tick + 1;
}

/* Refill the empty due list from the next tick up to target; false when nothing is due. */
static bool
collect(struct mp_timer_wheel *w, uint64_t target)
{
	for (;;) {
		uint64_t tick = next_event(w);

		if (tick > target) {
			w->cursor = target + 1;
			return false;
		}
		run_tick(w, tick);
		if (w->due != NULL)
			return true;
	}
}

/* Out of line, so the fast path in mp_timer_wheel_advance() saves no registers. */
static __rte_noinline unsigned int
advance_slow(struct mp_timer_wheel *w, uint64_t now_tsc, unsigned int budget)
{
	uint64_t target = tick_floor(w, w->now_tsc);
	unsigned int fired = 0;

	if (w->late != NULL) {
		/* Timers armed already expired since the last call go first. */
		*w->late_tail = w->due;
		if (w->due != NULL)
			w->due->pprev = w->late_tail;
		w->due = w->late;
		w->due->pprev = &w->due;
		w->late = NULL;
		w->late_tail = &w->late;
	}
	while (fired < budget) {
		struct mp_timer *t = w->due;

		if (t == NULL) {
			if (!collect(w, target))
				break;
			t = w->due;
		}
		/* Off the list before the call: the handler may re-arm it or free its owner. */
		w->due = t->next;
		if (t->next != NULL) {
			t->next->pprev = &w->due;
			rte_prefetch0(t->next);
		}
		t->next = NULL;
		t->pprev = NULL;
		w->count--;
		fired++;
		t->fn(t, now_tsc);
	}
	/* Leftovers (budget spent) or late arms make the next call work; else wait a tick. */
	w->wake_tsc = w->due != NULL || w->late != NULL ? 0 : tick_start(w, w->cursor);
	return fired;
}

/*
 * Not re-entrant: a handler must not call advance on its own wheel. Between ticks with
 * nothing late or left over, the whole call is the two compares below.
 */
unsigned int
mp_timer_wheel_advance(struct mp_timer_wheel *w, uint64_t now_tsc, unsigned int budget)
{
	/* Remembered even on the fast path: arms at or before it are late, due on the next call. */
	if (now_tsc > w->now_tsc)
		w->now_tsc = now_tsc;
	if (likely(now_tsc < w->wake_tsc) || budget == 0)
		return 0;
	return advance_slow(w, now_tsc, budget);
}
