/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Smooth weighted round robin, nginx's algorithm (ngx_http_upstream_get_peer): every pick, each
 * pickable endpoint adds its weight to its current weight; the endpoint with the largest
 * current weight is picked (the first in config order on a tie) and pays back the total
 * weight. Over a period of sum(w) / gcd(w) picks each endpoint is picked w / gcd(w) times, and
 * the picks of one endpoint are spread out: weights 5, 1, 1 give a a b a c a a, not a a a a a
 * b c.
 *
 * The sequence depends on the weights only, so when it is short enough the control thread
 * computes one period into the cluster object and a pick is one load and one increment of the
 * worker's position. Otherwise (a long period, many endpoints) each pick runs the algorithm on
 * the worker's own current weights, O(pickable endpoints).
 */
#include <errno.h>
#include <stdlib.h>

#include "lb_priv.h"

uint32_t
lb_rr_seq_len(uint32_t period, unsigned int n_up)
{
	if (period > LB_RR_SEQ_MAX || (uint64_t)period * n_up > LB_RR_BUILD_STEPS_MAX)
		return 0;
	return period;
}

int
lb_rr_build(struct mp_lb_cluster *c)
{
	int32_t *cw;

	if (c->rr_seq == NULL)
		return 0; /* live: nothing to precompute */
	cw = calloc(c->n_endpoints, sizeof(*cw));
	if (cw == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < c->rr_period; i++)
		c->rr_seq[i] = lb_swrr_step(c->up_ep, c->up_weight, c->n_up, c->total_weight, cw);
	free(cw);
	return 0;
}

int
lb_rr_pick(const struct mp_lb_cluster *c, struct mp_lb_state *s)
{
	uint32_t pos = s->rr_pos;

	if (c->rr_seq == NULL)
		return lb_swrr_step(c->up_ep, c->up_weight, c->n_up, c->total_weight, s->rr_cw);
	/* Past the end after a rebuild with a shorter period, or at the random start. */
	if (unlikely(pos >= c->rr_period))
		pos %= c->rr_period;
	s->rr_pos = pos + 1 == c->rr_period ? 0 : pos + 1;
	return c->rr_seq[pos];
}
