/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Least request with two random choices (Mitzenmacher, "The Power of Two Choices in Randomized
 * Load Balancing", 2001), weighted: both candidates are drawn in proportion to weight from the
 * cluster's alias table, and the one with fewer active requests per unit of weight wins
 * (a_x / w_x < a_y / w_y compared as a_x w_y < a_y w_x). See mp_lb_p2c_pick() for why this
 * and not Envoy's EDF schedule for unequal weights.
 *
 * The caller's 64-bit random seeds a splitmix64 sequence of draws, so one number from the
 * caller serves both candidates and any redraws past ejected endpoints, and a given random
 * always gives the same pick (tests replay it).
 */
#include "lb_l7_priv.h"

/* A weighted draw not skipped, up to LB_L7_TRIES tries; -1 when all tries hit one. */
static inline int
p2c_draw(const struct mp_lb_cluster *c, const struct lb_skip *k, uint64_t *x)
{
	for (unsigned int j = 0; j < LB_L7_TRIES; j++) {
		int ep = lb_alias_draw(c, lb_splitmix64(x));

		if (!lb_skipped(k, ep))
			return ep;
	}
	return -1;
}

int
mp_lb_p2c_pick(const struct mp_lb_cluster *c, const struct mp_lb_state *s,
               const struct mp_lb_outlier *o, int avoid, uint64_t random, uint64_t now)
{
	const struct lb_skip k = {o, now, avoid};
	uint64_t x = random, aa, ab, wa, wb;
	int a, b;

	RTE_ASSERT(s->n_endpoints == c->n_endpoints);
	RTE_ASSERT(o == NULL || o->n_endpoints == c->n_endpoints);
	if (unlikely(c->n_up == 0))
		return -1;
	a = p2c_draw(c, &k, &x);
	if (unlikely(a < 0)) {
		/* Most of the weight is skipped: one candidate, the first one in. */
		return lb_l7_fallback(c->up_ep, c->n_up, &k, (uint32_t)lb_splitmix64(&x),
		                      lb_alias_draw(c, random));
	}
	b = p2c_draw(c, &k, &x);
	if (unlikely(b < 0))
		return a;
	aa = s->active[a];
	ab = s->active[b];
	wa = c->eps[a].weight;
	wb = c->eps[b].weight;
	return ab * wa < aa * wb ? b : a;
}
