/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Least connections: the pickable endpoint with the fewest active flows per unit of weight,
 * counted per worker by mp_lb_flow_open()/close() (a worker balances the flows it owns; with
 * RSS spreading flows evenly, the workers' sums balance too). a_i / w_i < a_j / w_j is compared
 * as a_i x w_j < a_j x w_i, without a divide.
 *
 * Ties rotate: the scan starts just after the previous pick and keeps the first minimum it
 * meets, so equally loaded endpoints are picked in turn instead of the first one every time.
 * O(pickable endpoints) per pick, like nginx's least_conn; counts change on every open and
 * close, which a sorted structure would have to follow.
 */
#include "lb_priv.h"

/*
 * Scan up_ep[from, to) for an endpoint strictly less loaded than *best. Two calls cover the
 * rotation without a wrap test in the loop.
 */
static inline void
lc_scan(const struct mp_lb_cluster *c, const uint32_t *active, unsigned int from, unsigned int to,
        unsigned int *best, uint64_t *best_a, uint64_t *best_w)
{
	for (unsigned int i = from; i < to; i++) {
		uint64_t a = active[c->up_ep[i]];
		uint64_t w = c->up_weight[i];

		if (a * *best_w < *best_a * w) {
			*best = i;
			*best_a = a;
			*best_w = w;
		}
	}
}

int
lb_lc_pick(const struct mp_lb_cluster *c, struct mp_lb_state *s)
{
	const unsigned int n = c->n_up;
	unsigned int start = s->lc_next;
	unsigned int best;
	uint64_t best_a, best_w;

	/* Past the end after a rebuild with fewer endpoints, or at the random start. */
	if (unlikely(start >= n))
		start %= n;
	best = start;
	best_a = s->active[c->up_ep[start]];
	best_w = c->up_weight[start];
	lc_scan(c, s->active, start + 1, n, &best, &best_a, &best_w);
	lc_scan(c, s->active, 0, start, &best, &best_a, &best_w);
	s->lc_next = best + 1;
	return c->up_ep[best];
}
