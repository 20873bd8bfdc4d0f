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
 *
 * A retry passes the endpoint that failed as `avoid`, which every pick passes over like an
 * ejected one (Envoy's previous_hosts retry predicate): Maglev and ring hash walk to the next
 * slot or point, so a retried key goes to the same second choice every time.
 */
#include "lb_l7_priv.h"

static int
l7_maglev(const struct mp_lb_cluster *c, const struct lb_skip *k, uint64_t key)
{
	const uint32_t m = c->maglev_size;
	uint32_t h = lb_key32(key);
	uint32_t i = lb_fastmod(h, c->maglev_magic, m);
	int first = c->maglev[i];

	for (unsigned int j = 0; j < LB_L7_WALK_MAX; j++) {
		int ep = c->maglev[i];

		if (!lb_skipped(k, ep))
			return ep;
		if (++i == m)
			i = 0;
	}
	return lb_l7_fallback(c->up_ep, c->n_up, k, h, first);
}

int
mp_lb_pick_l7(const struct mp_lb_cluster *c, struct mp_lb_state *s, const struct mp_lb_outlier *o,
              int avoid, uint64_t key, uint64_t now)
{
	const struct lb_skip k = {o, now, avoid};
	int ep, first;

	RTE_ASSERT(s->n_endpoints == c->n_endpoints);
	RTE_ASSERT(o == NULL || o->n_endpoints == c->n_endpoints);
	if (unlikely(c->n_up == 0))
		return -1;
	switch (c->policy) {
	case MP_LB_MAGLEV:
		return l7_maglev(c, &k, key);
	case MP_LB_LEAST_CONN:
		ep = lb_lc_pick_l7(c, s, &k);
		if (ep < 0 && avoid >= 0)
			ep = lb_lc_pick_l7(c, s, &(struct lb_skip){o, now, -1});
		return ep >= 0 ? ep : lb_lc_pick(c, s);
	case MP_LB_LEAST_REQUEST:
		return mp_lb_p2c_pick(c, s, o, avoid, lb_splitmix64(&s->rng), now);
	case MP_LB_ROUND_ROBIN:
	case MP_LB_RANDOM:
	case MP_LB_RING_HASH: /* the ring is mp_lb_ring_pick()'s; here by weight */
		break;
	}
	first = mp_lb_pick(c, s, 0);
	if (!lb_skipped(&k, first))
		return first;
	for (unsigned int j = 1; j < LB_L7_TRIES; j++) {
		ep = mp_lb_pick(c, s, 0);
		if (!lb_skipped(&k, ep))
			return ep;
	}
	return lb_l7_fallback(c->up_ep, c->n_up, &k, (uint32_t)lb_splitmix64(&s->rng), first);
}
