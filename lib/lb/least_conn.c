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
#include "lb_l7_priv.h"

/*
 * Scan up_ep[from, to) for an endpoint strictly less loaded than *best, passing over the ones
 * k skips (k NULL: none). Two calls cover the rotation without a wrap test in the loop.
 */
static inline void
lc_scan(const struct mp_lb_cluster *c, const uint32_t *active, const struct lb_skip *k,
        unsigned int from, unsigned int to, int *best, uint64_t *best_a, uint64_t *best_w)
{
	for (unsigned int i = from; i < to; i++) {
		uint64_t a = active[c->up_ep[i]];
		uint64_t w = c->up_weight[i];

		if (lb_skipped(k, c->up_ep[i]))
			continue;
		if (*best < 0 || a * *best_w < *best_a * w) {
			*best = (int)i;
			*best_a = a;
			*best_w = w;
		}
	}
}

/* Inlined twice: with k constant NULL for L4 (the skip test compiles away), and with k. */
static inline int
lc_pick(const struct mp_lb_cluster *c, struct mp_lb_state *s, const struct lb_skip *k)
{
	const unsigned int n = c->n_up;
	unsigned int start = s->lc_next;
	uint64_t best_a = 0, best_w = 0;
	int best = -1;

	/* Past the end after a rebuild with fewer endpoints, or at the random start. */
	if (unlikely(start >= n))
		start %= n;
	lc_scan(c, s->active, k, start, n, &best, &best_a, &best_w);
	lc_scan(c, s->active, k, 0, start, &best, &best_a, &best_w);
	if (best < 0)
		return -1;
	s->lc_next = (unsigned int)best + 1;
	return c->up_ep[best];
}

int
lb_lc_pick(const struct mp_lb_cluster *c, struct mp_lb_state *s)
{
	return lc_pick(c, s, NULL);
}

int
lb_lc_pick_l7(const struct mp_lb_cluster *c, struct mp_lb_state *s, const struct lb_skip *k)
{
	return lc_pick(c, s, k);
}
