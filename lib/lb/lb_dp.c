/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data-path entry points: one switch on the policy, then the policy's pick. No locks, no
 * allocation, no logging. The cluster object is only read; the state belongs to the caller's
 * worker.
 */
#include "lb_priv.h"

int
mp_lb_pick(const struct mp_lb_cluster *c, struct mp_lb_state *s, uint32_t hash)
{
	RTE_ASSERT(s->n_endpoints == c->n_endpoints);
	if (unlikely(c->n_up == 0))
		return -1;
	switch (c->policy) {
	case MP_LB_MAGLEV:
		return lb_maglev_pick(c, hash);
	case MP_LB_ROUND_ROBIN:
		return lb_rr_pick(c, s);
	case MP_LB_RANDOM:
		return lb_random_pick(c, s);
	case MP_LB_LEAST_CONN:
		return lb_lc_pick(c, s);
	case MP_LB_LEAST_REQUEST:
		return mp_lb_p2c_pick(c, s, NULL, -1, lb_splitmix64(&s->rng), 0);
	case MP_LB_RING_HASH:
		/* Its ring is a separate object (mp_lb_ring_pick()); without it, by weight. */
		return lb_random_pick(c, s);
	}
	return -1;
}

void
mp_lb_pick_bulk(const struct mp_lb_cluster *c, struct mp_lb_state *s, const uint32_t *hashes,
                int32_t *eps, unsigned int n)
{
	RTE_ASSERT(s->n_endpoints == c->n_endpoints);
	if (unlikely(c->n_up == 0)) {
		for (unsigned int i = 0; i < n; i++)
			eps[i] = -1;
		return;
	}
	switch (c->policy) {
	case MP_LB_MAGLEV:
		lb_maglev_pick_bulk(c, hashes, eps, n);
		return;
	case MP_LB_ROUND_ROBIN:
		for (unsigned int i = 0; i < n; i++)
			eps[i] = lb_rr_pick(c, s);
		return;
	case MP_LB_RANDOM:
		for (unsigned int i = 0; i < n; i++)
			eps[i] = lb_random_pick(c, s);
		return;
	case MP_LB_LEAST_CONN:
		for (unsigned int i = 0; i < n; i++)
			eps[i] = lb_lc_pick(c, s);
		return;
	case MP_LB_LEAST_REQUEST:
	case MP_LB_RING_HASH:
		for (unsigned int i = 0; i < n; i++)
			eps[i] = mp_lb_pick(c, s, hashes[i]);
		return;
	}
}

void
mp_lb_flow_open(struct mp_lb_state *s, uint16_t ep)
{
	RTE_ASSERT(ep < s->n_endpoints);
	s->active[ep]++;
}

void
mp_lb_flow_close(struct mp_lb_state *s, uint16_t ep)
{
	RTE_ASSERT(ep < s->n_endpoints);
	if (likely(s->active[ep] > 0))
		s->active[ep]--;
}
