/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/flow internals shared by flow.c (control), flow_dp.c, flow_tcp.c and nat.c. */
#ifndef FLOW_PRIV_H
#define FLOW_PRIV_H

#include <stdint.h>

#include <rte_common.h>

#include "mp_flow.h"

struct rte_hash;

struct mp_flow_table {
	struct rte_hash *hash; /* 2 keys per flow; data = flow pointer | direction */
	struct mp_flow *flows; /* [max_flows] */
	uint32_t *free_stack;  /* free entry indexes; the top is reused first (warm) */
	uint32_t n_free;
	uint32_t max_flows;
	uint32_t count;
	uint16_t mss_clamp;
	struct mp_timer_wheel *wheel;
	uint64_t timeout[MP_FLOW_S_MAX]; /* by enum mp_flow_state */
	uint64_t connect_fail_tsc;       /* <= timeout[SYN_SENT]; 0: never reported */
	mp_flow_expire_fn on_expire;
	mp_flow_event_fn on_event;
	void *arg;
	uint64_t stats[MP_FLOW_STAT_MAX];
} __rte_cache_aligned;

/* The hash's data word: the flow pointer with the direction in bit 0 (flows are 64-aligned). */
#define FLOW_DIR_MASK ((uintptr_t)1)

static inline void *
flow_hash_data(struct mp_flow *f, unsigned int dir)
{
	return (void *)((uintptr_t)f | dir);
}

/*
 * When f's timer must fire: the state's timeout after the last refresh, or earlier while a SYN
 * waits for its answer and the connect failure has not been reported. connect_fail_tsc is at most
 * the SYN timeout (mp_flow_table_create() caps it), so in that case it alone decides.
 */
static inline uint64_t
flow_due(const struct mp_flow_table *t, const struct mp_flow *f)
{
	if (f->state == MP_FLOW_S_SYN_SENT && !(f->flags & MP_FLOW_F_HEALTH_DONE) &&
	    t->connect_fail_tsc != 0)
		return f->last_tsc + t->connect_fail_tsc;
	return f->last_tsc + t->timeout[f->state];
}

static inline void
flow_arm(struct mp_flow_table *t, struct mp_flow *f, uint64_t due)
{
	f->armed_tsc = due;
	mp_timer_arm(t->wheel, &f->timer, due);
}

/*
 * After a state change: re-arm only when the new deadline is earlier than the armed one. A later
 * deadline waits for the timer to fire, which then re-arms for the rest (flow_timer_fn()).
 */
static inline void
flow_rearm_if_sooner(struct mp_flow_table *t, struct mp_flow *f)
{
	uint64_t due = flow_due(t, f);

	if (due < f->armed_tsc)
		flow_arm(t, f, due);
}

#endif /* FLOW_PRIV_H */
