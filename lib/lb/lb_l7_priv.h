/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/lb L7 internals: the outlier state's layout (outlier.c writes it, the L7 picks read
 * it) and the helpers the picks share (l7_pick.c, least_request.c, ring_hash.c).
 */
#ifndef LB_L7_PRIV_H
#define LB_L7_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "lb_priv.h"

/* Redraws or ring steps past ejected endpoints before a pick falls back to a scan. With at
 * most max_ejection_percent ejected, 8 draws all ejected is rarer than 10^-8 at 10%. */
#define LB_L7_TRIES    8
/* Maglev and ring-hash steps past ejected points before the scan. Runs of one endpoint's
 * points are short (its share of the ring), so this is reached only when most are out. */
#define LB_L7_WALK_MAX 64

struct lb_outlier_ep {
	uint64_t until;      /* out while now < until; 0 when never ejected */
	uint64_t decay_from; /* k drops by one per decay_interval after this */
	uint64_t ejections;
	uint32_t n_5xx;
	uint32_t n_connect;
	uint32_t mult;   /* k: ejections, decayed */
	uint8_t counted; /* counted in stats.ejections_active */
};

struct mp_lb_outlier {
	struct mp_lb_outlier_params p;
	struct mp_lb_outlier_stats stats;
	uint16_t n_endpoints;
	struct lb_outlier_ep *ep; /* [n_endpoints], follows the struct */
} __rte_cache_aligned;

/* A ring hash (ring_hash.c), immutable once built; the arrays follow the struct. */
struct mp_lb_ring {
	uint32_t n_points;
	uint16_t n_eps;
	uint8_t shift;    /* 64 - bucket bits */
	uint32_t *bucket; /* [2^bits + 1] first point of each key prefix; the last is n_points */
	uint64_t *hash;   /* [n_points] ascending */
	uint16_t *ep;     /* [n_points] endpoint of each point */
	uint16_t *eps;    /* [n_eps] the pickable endpoints, for the fallback scan */
};

static inline bool
lb_ejected(const struct mp_lb_outlier *o, uint16_t ep, uint64_t now)
{
	return o != NULL && now < o->ep[ep].until;
}

/* What an L7 pick passes over: endpoints ejected at now, and the one a retry avoids. */
struct lb_skip {
	const struct mp_lb_outlier *o; /* NULL: nothing ejected */
	uint64_t now;
	int avoid; /* endpoint index, or -1 */
};

static inline bool
lb_skipped(const struct lb_skip *k, int ep)
{
	return k != NULL && (ep == k->avoid || lb_ejected(k->o, (uint16_t)ep, k->now));
}

/*
 * The first endpoint of eps[0 .. n) not skipped, scanning from start (any value: reduced
 * modulo n); -1 when all are. n > 0. O(n): the fallback of every L7 pick after its cheap
 * tries failed.
 */
static inline int
lb_l7_scan(const uint16_t *eps, unsigned int n, const struct lb_skip *k, uint32_t start)
{
	unsigned int i = start % n;

	for (unsigned int j = 0; j < n; j++) {
		if (!lb_skipped(k, eps[i]))
			return eps[i];
		if (++i == n)
			i = 0;
	}
	return -1;
}

/*
 * After an L7 pick's cheap tries: any endpoint neither ejected nor avoided; else the avoided
 * one if it is in (a retry on the same endpoint beats none); else `first`, ejection ignored.
 */
static inline int
lb_l7_fallback(const uint16_t *eps, unsigned int n, const struct lb_skip *k, uint32_t start,
               int first)
{
	struct lb_skip in = {k->o, k->now, -1};
	int ep = lb_l7_scan(eps, n, k, start);

	if (ep < 0 && k->avoid >= 0)
		ep = lb_l7_scan(eps, n, &in, start);
	return ep >= 0 ? ep : first;
}

/* Least connections over the endpoints k does not skip: least_conn.c; -1 when all are. */
int
lb_lc_pick_l7(const struct mp_lb_cluster *c, struct mp_lb_state *s, const struct lb_skip *k);

/* Fold a 64-bit key to the 32-bit hash Maglev reads, every bit mixed into the result. */
static inline uint32_t
lb_key32(uint64_t key)
{
	return mp_lb_hash_fmix32((uint32_t)(key >> 32) ^ (uint32_t)key);
}

#endif /* LB_L7_PRIV_H */
