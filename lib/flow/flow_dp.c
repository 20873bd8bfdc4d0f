/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table data path: bulk lookup.
 *
 * rte_hash_lookup_bulk_data() pipelines the bucket and key reads of a whole burst; the data word
 * it returns is the flow pointer with the direction in bit 0, so a hit needs no second table.
 * The hit entries' first two lines (counters and state, then addresses) are prefetched here:
 * the caller's next steps, mp_flow_track() and mp_flow_nat(), read them.
 */
#include <stdint.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_prefetch.h>

#include "flow_priv.h"

unsigned int
mp_flow_lookup_bulk(struct mp_flow_table *t, const struct mp_flow_key *keys[], unsigned int n,
                    struct mp_flow **out, uint8_t *dir)
{
	unsigned int done, hits = 0;

	for (done = 0; done < n;) {
		unsigned int m = RTE_MIN(n - done, (unsigned int)RTE_HASH_LOOKUP_BULK_MAX);
		void *data[RTE_HASH_LOOKUP_BULK_MAX];
		uint64_t mask = 0;
		unsigned int i;

		/* Only fails on bad arguments, which m and the table rule out. */
		rte_hash_lookup_bulk_data(t->hash, (const void **)(uintptr_t)&keys[done], m, &mask,
		                          data);
		for (i = 0; i < m; i++) {
			uintptr_t v = (uintptr_t)data[i];
			struct mp_flow *f;

			if (!(mask & (UINT64_C(1) << i))) {
				out[done + i] = NULL;
				dir[done + i] = 0;
				continue;
			}
			f = (struct mp_flow *)(v & ~FLOW_DIR_MASK);
			rte_prefetch0(f);
			rte_prefetch0(f->addr);
			out[done + i] = f;
			dir[done + i] = (uint8_t)(v & FLOW_DIR_MASK);
			hits++;
		}
		done += m;
	}
	t->stats[MP_FLOW_STAT_LOOKUPS] += n;
	t->stats[MP_FLOW_STAT_HITS] += hits;
	return hits;
}
