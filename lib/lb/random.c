/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Weighted random: Walker's alias method in Vose's form ("A linear algorithm for generating
 * random numbers with a given distribution", 1991), in integers so the table is exact. A pick
 * draws one 64-bit number from the worker's splitmix64 state: the high half chooses a column
 * uniformly, the low half chooses between the column's own endpoint and its alias. O(1) per
 * pick whatever the number of endpoints.
 *
 * Each of the n columns holds a mass of T = sum(w); endpoint i brings n x w_i. A column whose
 * endpoint brings less than T is topped up from one that brings more (its alias); n columns
 * then hold exactly n x T, each endpoint's share in total. The low half of the draw picks the
 * column's own endpoint when it is below ceil(own mass x 2^32 / T), off by at most 2^-32.
 */
#include <errno.h>
#include <stdlib.h>

#include "lb_priv.h"

int
lb_random_build(struct mp_lb_cluster *c)
{
	const unsigned int n = c->n_up;
	const uint64_t t = c->total_weight;
	unsigned int n_small = 0, n_large = 0;
	uint16_t *small, *large;
	uint64_t *mass;

	mass = malloc(n * sizeof(*mass));
	small = malloc(n * sizeof(*small));
	large = malloc(n * sizeof(*large));
	if (mass == NULL || small == NULL || large == NULL) {
		free(large);
		free(small);
		free(mass);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n; i++) {
		mass[i] = (uint64_t)c->up_weight[i] * n;
		if (mass[i] < t)
			small[n_small++] = (uint16_t)i;
		else
			large[n_large++] = (uint16_t)i;
	}
	while (n_small > 0 && n_large > 0) {
		uint16_t s = small[--n_small];
		uint16_t l = large[--n_large];

		c->alias[s].ep[0] = c->up_ep[s];
		c->alias[s].ep[1] = c->up_ep[l];
		/* mass < T <= 2^32 / 16 (MP_MAX_ENDPOINTS x MP_LB_WEIGHT_MAX), so no overflow. */
		c->alias[s].cut = (uint32_t)(((mass[s] << 32) + t - 1) / t);
		mass[l] -= t - mass[s];
		if (mass[l] < t)
			small[n_small++] = l;
		else
			large[n_large++] = l;
	}
	/* Columns left over hold exactly T (integer masses add up exactly): always their own. */
	while (n_large > 0) {
		uint16_t l = large[--n_large];

		c->alias[l].ep[0] = c->alias[l].ep[1] = c->up_ep[l];
		c->alias[l].cut = UINT32_MAX;
	}
	RTE_ASSERT(n_small == 0);
	free(large);
	free(small);
	free(mass);
	return 0;
}

int
lb_random_pick(const struct mp_lb_cluster *c, struct mp_lb_state *s)
{
	return lb_alias_draw(c, lb_splitmix64(&s->rng));
}
