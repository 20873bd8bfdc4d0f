/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table's index: which flow (and direction) a key belongs to.
 *
 * Buckets of eight slots, one cache line each: a 16-bit signature and a 32-bit reference
 * (flow index << 1 | direction) per slot. The key itself is not stored: it is compared against
 * the flow entry, whose first two lines hold the ports and the addresses and are read by the
 * next steps anyway. A lookup therefore misses the cache on the bucket and on the flow it
 * finds, where rte_hash also reads a key store line (or two) in between.
 *
 * A key lives in its home bucket (hash & mask) or, when that is full, in the first bucket
 * after it with room. Every bucket a key passed on its way counts it in `spill`, so a lookup
 * goes on to the next bucket only while spill says some key homed at or before this bucket
 * lives further on, and a delete can clear a slot without tombstones. Buckets are sized for
 * 2 keys per flow at most half full, so spills are rare and short. A key never goes more than
 * FLOW_HASH_MAX_PROBE buckets from home: keys crafted to share a bucket (CRC32 is linear, and
 * clients choose their addresses and ports) then make new flows fail, counted as
 * flow_hash_chain_full, instead of making every lookup walk a long chain.
 *
 * One writer (the owning worker): no locks, no atomics.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "flow_priv.h"

/* Slots over keys: at most half full. */
#define FLOW_HASH_LOAD_INV 2u

int
flow_hash_init(struct flow_hash *h, uint32_t keys, int socket_id)
{
	uint32_t n = rte_align32pow2(RTE_MAX(keys * FLOW_HASH_LOAD_INV / FLOW_HASH_SLOTS, 2u));

	h->b = rte_zmalloc_socket("mp_flow_hash", (size_t)n * sizeof(*h->b), RTE_CACHE_LINE_SIZE,
	                          socket_id);
	if (h->b == NULL)
		return -ENOMEM;
	h->mask = n - 1;
	return 0;
}

void
flow_hash_fini(struct flow_hash *h)
{
	rte_free(h->b);
	h->b = NULL;
}

int64_t
flow_hash_find(const struct mp_flow_table *t, const struct mp_flow_key *k, uint32_t hv,
               unsigned int first)
{
	const struct flow_hash *h = &t->index;
	unsigned int step;

	for (step = first; step < FLOW_HASH_MAX_PROBE; step++) {
		const struct flow_hash_bucket *b = &h->b[(hv + step) & h->mask];
		unsigned int s;

		for (s = 0; s < FLOW_HASH_SLOTS; s++) {
			uint32_t ref = b->ref[s];

			if ((b->used & (1u << s)) && b->sig[s] == flow_hash_sig(hv) &&
			    flow_key_matches(&t->flows[ref >> 1], ref & 1, k))
				return ref;
		}
		if (b->spill == 0)
			return -1;
	}
	return -1;
}

int
flow_hash_add(struct flow_hash *h, uint32_t hv, uint32_t ref)
{
	unsigned int step, s;

	for (step = 0; step < FLOW_HASH_MAX_PROBE; step++) {
		struct flow_hash_bucket *b = &h->b[(hv + step) & h->mask];

		if (b->used == (1u << FLOW_HASH_SLOTS) - 1)
			continue;
		s = (unsigned int)__builtin_ctz(~(unsigned int)b->used);
		b->sig[s] = flow_hash_sig(hv);
		b->ref[s] = ref;
		b->used |= (uint8_t)(1u << s);
		/* Count the key in every full bucket it passed. */
		while (step-- > 0)
			h->b[(hv + step) & h->mask].spill++;
		return 0;
	}
	return -ENOSPC;
}

void
flow_hash_del(struct flow_hash *h, uint32_t hv, uint32_t ref)
{
	unsigned int step, s;

	for (step = 0; step < FLOW_HASH_MAX_PROBE; step++) {
		struct flow_hash_bucket *b = &h->b[(hv + step) & h->mask];

		for (s = 0; s < FLOW_HASH_SLOTS; s++) {
			if ((b->used & (1u << s)) && b->ref[s] == ref) {
				b->used &= (uint8_t) ~(1u << s);
				while (step-- > 0)
					h->b[(hv + step) & h->mask].spill--;
				return;
			}
		}
		if (b->spill == 0)
			return; /* not present: nothing to undo */
	}
}
