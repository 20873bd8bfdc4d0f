/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table data path: bulk lookup, in three passes over the burst so that the cache misses of
 * different keys overlap instead of queueing: hash every key and prefetch its bucket; match
 * signatures and prefetch the lines of the candidate flow that a packet reads (line 0, and the
 * addresses' line for IPv6), which the caller's next steps, mp_flow_track() and mp_flow_nat(),
 * read anyway; then compare the keys against those entries. mp_flow_lookup4_bulk() does the same
 * for IPv4 tuples read from the packets, with no key built.
 */
#include <stdint.h>

#include <rte_common.h>
#include <rte_prefetch.h>
#include <rte_vect.h>

#include "flow_priv.h"

#define FLOW_LOOKUP_CHUNK 64

/* The slots of b whose signature is sig, as a bitmap. */
static inline unsigned int
flow_sig_match(const struct flow_hash_bucket *b, uint16_t sig)
{
#if defined(RTE_ARCH_X86)
	/* Eight 16-bit compares, narrowed to eight bytes: one bit per slot. */
	__m128i x = _mm_cmpeq_epi16(_mm_load_si128((const __m128i *)b->sig),
	                            _mm_set1_epi16((short)sig));

	return (unsigned int)_mm_movemask_epi8(_mm_packs_epi16(x, _mm_setzero_si128())) & b->used;
#else
	unsigned int hits = 0, s;

	for (s = 0; s < FLOW_HASH_SLOTS; s++)
		hits |= (unsigned int)(b->sig[s] == sig) << s;
	return hits & b->used;
#endif
}

/* The lines a packet of family reads: line 0, and the addresses of an IPv6 flow. */
static inline void
flow_prefetch(const struct mp_flow *f, uint8_t family)
{
	rte_prefetch0(f);
	if (family != AF_INET)
		rte_prefetch0(f->addr6);
}

/* The answer for reference ref (-1: none) among flows into *out and *dir; 1 for a hit. */
static inline unsigned int
flow_answer(struct mp_flow *flows, int64_t ref, struct mp_flow **out, uint8_t *dir)
{
	if (ref < 0) {
		*out = NULL;
		*dir = 0;
		return 0;
	}
	*out = &flows[ref >> 1];
	*dir = (uint8_t)(ref & 1);
	return 1;
}

unsigned int
mp_flow_lookup_bulk(struct mp_flow_table *t, const struct mp_flow_key *keys[], unsigned int n,
                    struct mp_flow **out, uint8_t *dir)
{
	const struct flow_hash *h = &t->index;
	unsigned int done, hits = 0;

	for (done = 0; done < n;) {
		unsigned int m = RTE_MIN(n - done, (unsigned int)FLOW_LOOKUP_CHUNK), i;
		const struct mp_flow_key **k = &keys[done];
		uint32_t hv[FLOW_LOOKUP_CHUNK];
		uint8_t cand[FLOW_LOOKUP_CHUNK];

		for (i = 0; i < m; i++) {
			hv[i] = flow_key_hash(k[i]);
			rte_prefetch0(&h->b[hv[i] & h->mask]);
		}
		for (i = 0; i < m; i++) {
			const struct flow_hash_bucket *b = &h->b[hv[i] & h->mask];

			cand[i] = (uint8_t)flow_sig_match(b, flow_hash_sig(hv[i]));
			if (cand[i] != 0)
				flow_prefetch(&t->flows[b->ref[__builtin_ctz(cand[i])] >> 1],
				              k[i]->family);
		}
		for (i = 0; i < m; i++) {
			uint32_t home = hv[i] & h->mask;
			const struct flow_hash_bucket *b = &h->b[home];
			unsigned int c = cand[i];
			int64_t ref = -1;

			while (c != 0) {
				uint32_t r = b->ref[__builtin_ctz(c)];

				if (flow_key_matches(&t->flows[r >> 1], r & 1, k[i])) {
					ref = r;
					break;
				}
				c &= c - 1;
			}
			/* Rare: a full home bucket pushed the key further on. */
			if (ref < 0 && b->spill != 0)
				ref = flow_hash_find(t, k[i], hv[i], 1);
			hits += flow_answer(t->flows, ref, &out[done + i], &dir[done + i]);
		}
		done += m;
	}
	t->stats[MP_FLOW_STAT_LOOKUPS] += n;
	t->stats[MP_FLOW_STAT_HITS] += hits;
	return hits;
}

/* The key of IPv4 tuple tu, for the rare walk past the home bucket. */
static void
flow_tuple4_key(const struct mp_flow_tuple4 *tu, struct mp_flow_key *k)
{
	uint8_t a[8];
	rte_be16_t ports[2];

	memcpy(a, &tu->addrs, sizeof(a));
	memcpy(ports, &tu->ports, sizeof(ports));
	mp_flow_key_set(k, AF_INET, tu->proto, a, a + 4, ports[0], ports[1]);
}

unsigned int
mp_flow_lookup4_bulk(struct mp_flow_table *t, const struct mp_flow_tuple4 *tu, unsigned int n,
                     struct mp_flow **out, uint8_t *dir)
{
	/* In locals: the answers' stores (dir is bytes, which may alias anything) would otherwise
	 * make the compiler read them again for every packet. */
	const struct flow_hash_bucket *const buckets = t->index.b;
	struct mp_flow *const flows = t->flows;
	const uint32_t mask = t->index.mask;
	unsigned int done, hits = 0;

	for (done = 0; done < n;) {
		unsigned int m = RTE_MIN(n - done, (unsigned int)FLOW_LOOKUP_CHUNK), i;
		const struct mp_flow_tuple4 *k = &tu[done];
		const struct flow_hash_bucket *b[FLOW_LOOKUP_CHUNK];
		uint32_t hv[FLOW_LOOKUP_CHUNK];
		uint8_t cand[FLOW_LOOKUP_CHUNK];

		for (i = 0; i < m; i++) {
			hv[i] = flow_hash4(k[i].addrs, k[i].ports, k[i].proto);
			b[i] = &buckets[hv[i] & mask];
			rte_prefetch0(b[i]);
		}
		for (i = 0; i < m; i++) {
			cand[i] = (uint8_t)flow_sig_match(b[i], flow_hash_sig(hv[i]));
			if (cand[i] != 0)
				rte_prefetch0(&flows[b[i]->ref[__builtin_ctz(cand[i])] >> 1]);
		}
		for (i = 0; i < m; i++) {
			unsigned int c = cand[i];
			int64_t ref = -1;

			while (c != 0) {
				uint32_t r = b[i]->ref[__builtin_ctz(c)];

				if (flow_tuple4_matches(&flows[r >> 1], r & 1, &k[i])) {
					ref = r;
					break;
				}
				c &= c - 1;
			}
			if (unlikely(ref < 0 && b[i]->spill != 0)) {
				struct mp_flow_key key;

				flow_tuple4_key(&k[i], &key);
				ref = flow_hash_find(t, &key, hv[i], 1);
			}
			hits += flow_answer(flows, ref, &out[done + i], &dir[done + i]);
		}
		done += m;
	}
	t->stats[MP_FLOW_STAT_LOOKUPS] += n;
	t->stats[MP_FLOW_STAT_HITS] += hits;
	return hits;
}
