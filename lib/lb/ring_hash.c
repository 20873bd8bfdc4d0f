/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring hash: consistent hashing on a ring of 64-bit points (Karger et al., STOC 1997), laid out
 * as libketama and Envoy's ring_hash do. Each pickable endpoint places points at hashes of its
 * identity and the point's number; a key belongs to the first point at or after it, wrapping.
 * Removing an endpoint moves exactly its own keys, each to the endpoint of the next point, and
 * one coming back takes back only its own: no other key moves (Maglev reshuffles a fraction
 * of a percent; see ring_points_of() for config changes). The price is balance: an endpoint's share
 * is the sum of the arcs before its points, random around its weight's share with a relative spread
 * near 1 / sqrt(points), so rings need many points (the default gives each of 10 endpoints 1600).
 *
 * The points are two arrays sorted together, 8-byte hashes and 2-byte endpoint indexes. A
 * binary search over them costs a dependent load per level, each a cache miss on a large ring
 * (a microsecond per pick at 2^20 points), so the key's top bits index a bucket table first:
 * bucket[b] is the first point whose top bits are >= b, with about one point per bucket, and a
 * pick scans the few points of its bucket. Three loads that do not depend on a search: one in
 * the bucket table, one in the hashes, one in the endpoints.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>

#include <rte_malloc.h>

#include "lb_l7_priv.h"

/* Bucket table: about as many buckets as points, at most 2^RING_BUCKET_BITS_MAX (4 MiB). */
#define RING_BUCKET_BITS_MAX 20

/* Seed of the point hashes. Changing it moves every key of every ring. */
#define RING_SEED   UINT64_C(0x72696e6768617368) /* "ringhash" */
/* Point j of an endpoint hashes id + (j + 1) x this (the golden ratio, a Weyl sequence). */
#define RING_STRIDE UINT64_C(0x9e3779b97f4a7c15)

/*
 * Points of an endpoint of weight w: round(size x w / total), at least 1, where total is the
 * weight of every configured endpoint, down ones included. So an endpoint's points do not
 * depend on the others' health, and a health change moves exactly the keys of the endpoint
 * that went down or came up. A config change of the endpoint list or weights rescales
 * everyone's points and moves more (as in Envoy, which scales by the healthy hosts' weight).
 */
static uint64_t
ring_points_of(uint32_t size, uint32_t w, uint64_t total)
{
	return RTE_MAX((uint64_t)1, ((uint64_t)size * w + total / 2) / total);
}

struct ring_point {
	uint64_t hash;
	uint16_t ep;
};

/* By hash; equal hashes (about one pair in 2^64 / points^2) by endpoint identity. */
static int
ring_point_cmp(const void *pa, const void *pb, void *arg)
{
	const struct ring_point *a = pa;
	const struct ring_point *b = pb;
	const struct mp_lb_cluster *c = arg;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	return lb_ep_cmp(&c->eps[a->ep], &c->eps[b->ep]);
}

int
mp_lb_ring_build(const struct mp_lb_cluster *c, uint32_t size, int socket, struct mp_lb_ring **out)
{
	struct ring_point *pts = NULL;
	struct mp_lb_ring *r;
	uint64_t n_points = 0;
	size_t len, off_eps, off_hash, off_ep, off_bucket;
	unsigned int bits = 1; /* at least 1: a shift by 64 is undefined */
	uint64_t total = 0;
	uint32_t k = 0;

	if (c == NULL || out == NULL || size < MP_LB_RING_SIZE_MIN || size > MP_LB_RING_SIZE_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < c->n_endpoints; i++)
		total += c->eps[i].weight;
	for (unsigned int i = 0; i < c->n_up; i++)
		n_points += ring_points_of(size, c->up_weight[i], total);
	while (bits < RING_BUCKET_BITS_MAX && (UINT64_C(1) << bits) < n_points)
		bits++;
	len = sizeof(*r);
	off_hash = RTE_ALIGN_CEIL(len, alignof(uint64_t));
	len = off_hash + n_points * sizeof(uint64_t);
	off_bucket = len;
	len += ((UINT64_C(1) << bits) + 1) * sizeof(uint32_t);
	off_ep = len;
	len += n_points * sizeof(uint16_t);
	off_eps = len;
	len += c->n_up * sizeof(uint16_t);
	r = rte_zmalloc_socket("mp_lb_ring", len, RTE_CACHE_LINE_SIZE, socket);
	if (r == NULL)
		return -ENOMEM;
	r->n_points = (uint32_t)n_points;
	r->n_eps = c->n_up;
	r->shift = (uint8_t)(64 - bits);
	r->hash = RTE_PTR_ADD(r, off_hash);
	r->bucket = RTE_PTR_ADD(r, off_bucket);
	r->ep = RTE_PTR_ADD(r, off_ep);
	r->eps = RTE_PTR_ADD(r, off_eps);
	if (n_points == 0)
		goto done;
	pts = malloc(n_points * sizeof(*pts));
	if (pts == NULL) {
		rte_free(r);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < c->n_up; i++) {
		uint16_t ep = c->up_ep[i];
		uint64_t id = lb_ep_id_hash(&c->eps[ep], RING_SEED);
		uint64_t n = ring_points_of(size, c->up_weight[i], total);

		r->eps[i] = ep;
		for (uint64_t j = 0; j < n; j++)
			pts[k++] = (struct ring_point){lb_fmix64(id + (j + 1) * RING_STRIDE), ep};
	}
	qsort_r(pts, n_points, sizeof(*pts), ring_point_cmp, (void *)(uintptr_t)c);
	for (uint32_t i = 0; i < n_points; i++) {
		r->hash[i] = pts[i].hash;
		r->ep[i] = pts[i].ep;
	}
	free(pts);
done:
	/* One sweep: bucket b starts at the first point whose top bits reach b. */
	k = 0;
	for (uint64_t b = 0; b < (UINT64_C(1) << bits); b++) {
		while (k < n_points && (r->hash[k] >> r->shift) < b)
			k++;
		r->bucket[b] = k;
	}
	r->bucket[UINT64_C(1) << bits] = (uint32_t)n_points;
	*out = r;
	return 0;
}

void
mp_lb_ring_free(struct mp_lb_ring *r)
{
	rte_free(r);
}

uint32_t
mp_lb_ring_points(const struct mp_lb_ring *r)
{
	return r->n_points;
}

/* The first point at or after key, n_points when key is past the last one. */
static inline uint32_t
ring_lower_bound(const struct mp_lb_ring *r, uint64_t key)
{
	uint64_t b = key >> r->shift;
	uint32_t i = r->bucket[b];
	uint32_t end = r->bucket[b + 1];

	/* Points of the bucket below key: about one, a handful at the most. */
	while (i < end && r->hash[i] < key)
		i++;
	return i;
}

int
mp_lb_ring_pick(const struct mp_lb_ring *r, const struct mp_lb_outlier *o, int avoid, uint64_t key,
                uint64_t now)
{
	const struct lb_skip k = {o, now, avoid};
	uint32_t i;
	int first;

	if (unlikely(r->n_points == 0))
		return -1;
	i = ring_lower_bound(r, key);
	if (i == r->n_points)
		i = 0;
	first = r->ep[i];
	for (unsigned int j = 0; j < LB_L7_WALK_MAX; j++) {
		int ep = r->ep[i];

		if (!lb_skipped(&k, ep))
			return ep;
		if (++i == r->n_points)
			i = 0;
	}
	return lb_l7_fallback(r->eps, r->n_eps, &k, (uint32_t)key, first);
}
