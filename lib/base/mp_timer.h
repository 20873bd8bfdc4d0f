/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-worker hierarchical timer wheel: TCP timers, flow expiry, health checks and retries all
 * run on it. One wheel per worker, touched only by that worker: no locks, no atomics.
 *
 * Timers are intrusive: embed a struct mp_timer in the object it times (a flow, a TCP
 * connection) and recover the object with container_of() in the handler. Arming, re-arming and
 * cancelling are O(1); nothing is allocated after mp_timer_wheel_create(). Expiry runs from
 * mp_timer_wheel_advance(), which the worker calls once per loop with the loop's TSC.
 *
 * Resolution is one tick (tick_tsc cycles, chosen at create); a timer fires no earlier than its
 * deadline and at most one tick (plus the worker's loop time) after it. Deadlines further out
 * than the wheel's span are parked at the span and re-filed as time passes, so any 64-bit
 * deadline is accepted. All functions here are data-path safe except create/free.
 */
#ifndef MP_TIMER_H
#define MP_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct mp_timer;
struct mp_timer_wheel;

/**
 * Called when a timer expires, after it has been disarmed. The handler may re-arm t, arm or
 * cancel other timers on the same wheel, or free the object holding t.
 */
typedef void (*mp_timer_fn)(struct mp_timer *t, uint64_t now_tsc);

/** Embed in the timed object. Fields are private to the wheel; 32 bytes. */
struct mp_timer {
	struct mp_timer *next;
	struct mp_timer **pprev; /**< NULL while not armed */
	uint64_t expire;         /**< deadline in ticks */
	mp_timer_fn fn;
};

/**
 * Create a wheel. Control path.
 * @param tick_tsc  resolution in TSC cycles (e.g. rte_get_tsc_hz() / 1000 for 1 ms)
 * @param now_tsc   the current TSC: time starts here
 * @return NULL with rte_errno set on failure
 */
struct mp_timer_wheel *
mp_timer_wheel_create(const char *name, int socket_id, uint64_t tick_tsc, uint64_t now_tsc);

/** Free a wheel. Armed timers are forgotten, not fired. Control path. */
void
mp_timer_wheel_free(struct mp_timer_wheel *w);

/** Prepare a timer before its first use (not armed, handler fn). */
static inline void
mp_timer_init(struct mp_timer *t, mp_timer_fn fn)
{
	t->next = NULL;
	t->pprev = NULL;
	t->expire = 0;
	t->fn = fn;
}

static inline bool
mp_timer_armed(const struct mp_timer *t)
{
	return t->pprev != NULL;
}

/** Arm (or re-arm) t to fire at deadline_tsc; a deadline in the past fires at the next advance. */
void
mp_timer_arm(struct mp_timer_wheel *w, struct mp_timer *t, uint64_t deadline_tsc);

/** Disarm t; a no-op when it is not armed. */
void
mp_timer_cancel(struct mp_timer_wheel *w, struct mp_timer *t);

/**
 * Fire every timer whose deadline is at or before now_tsc, up to budget handlers per call (the
 * rest fire on the next calls, so one loop iteration never stalls on a burst of expiries).
 * @return the number of handlers called
 */
unsigned int
mp_timer_wheel_advance(struct mp_timer_wheel *w, uint64_t now_tsc, unsigned int budget);

/** Timers currently armed. */
uint64_t
mp_timer_wheel_count(const struct mp_timer_wheel *w);

#endif /* MP_TIMER_H */
