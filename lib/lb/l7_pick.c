/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_lb_pick_l7(): the cluster's own policy, passing over the endpoints the worker has
 * ejected. Health is already in the cluster object (down endpoints are not in its tables), so
 * an endpoint returned here is up, weighted and not ejected, unless every pickable endpoint is
 * ejected, when ejection is ignored (mp_lb_l7.h says why).
 *
 * Maglev walks on from the key's slot to the next slots until one's endpoint is in: a key
 * whose endpoint is in keeps it, a key of an ejected endpoint goes to the owner of a nearby
 * slot (owners are spread over the ring by their shares, so the ejected endpoint's keys spread
 * the same way) and comes back when the ejection ends. Round robin and random pick again;
 * least connections scans the endpoints not ejected.
 */
#include "lb_l7_priv.h"

static int
l7_maglev(const struct mp_lb_cluster *c, const struct mp_lb_outlier *o, uint64_t key, uint64_t now)
{
	const uint32_t m = c->maglev_size;
	uint32_t h = lb_key32(key);
	uint32_t i = lb_fastmod(h, c->maglev_magic, m);
	int first = c->maglev[i];
	int ep;

	for (unsigned int k = 0; k < LB_L7_WALK_MAX; k++) {
		ep = c->maglev[i];
		if (!lb_ejected(o, (uint16_t)ep, now))
			return ep;
		if (++i == m)
			i = 0;
	}
	ep = lb_l7_scan(c->up_ep, c->n_up, o, h, now);
	return ep >= 0 ? ep : first;
}

int
mp_lb_pick_l7(const struct mp_lb_cluster *c, struct mp_lb_state *s, const struct mp_lb_outlier *o,
              uint64_t key, uint64_t now)
{
	int ep = -1, first;

	RTE_ASSERT(s->n_endpoints == c->n_endpoints);
	RTE_ASSERT(o == NULL || o->n_endpoints == c->n_endpoints);
	if (unlikely(c->n_up == 0))
		return -1;
	switch (c->policy) {
	case MP_LB_MAGLEV:
		return l7_maglev(c, o, key, now);
	case MP_LB_LEAST_CONN:
		ep = lb_lc_pick_l7(c, s, o, now);
		return ep >= 0 ? ep : lb_lc_pick(c, s);
	case MP_LB_ROUND_ROBIN:
	case MP_LB_RANDOM:
		break;
	}
	first = mp_lb_pick(c, s, 0);
	if (!lb_ejected(o, (uint16_t)first, now))
		return first;
	for (unsigned int k = 1; k < LB_L7_TRIES; k++) {
		ep = mp_lb_pick(c, s, 0);
		if (!lb_ejected(o, (uint16_t)ep, now))
			return ep;
	}
	ep = lb_l7_scan(c->up_ep, c->n_up, o, (uint32_t)lb_splitmix64(&s->rng), now);
	return ep >= 0 ? ep : first;
}
