/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Log-linear histograms for latencies: per worker, one writer, merged on the control thread.
 *
 * A value v below 2^MP_HIST_SUB_BITS has a bucket of its own; above, each power of two
 * [2^e, 2^(e+1)) is split into 2^MP_HIST_SUB_BITS equal buckets. A bucket is at most 1/32 of
 * its lower bound wide, and quantiles are reported at bucket midpoints, so a quantile is within
 * 1/64 (1.6%) of the true sample value it stands for, at any scale (HdrHistogram's idea with
 * fixed precision). Values from 2^MP_HIST_MAX_BITS up land in the last bucket and are counted
 * in `over`. Units are the caller's (TSC cycles on the data path: no conversion per sample).
 *
 * Recording is two instructions of arithmetic and two increments: data-path safe. Readers on
 * the control thread read the counts without locks (aligned 64-bit loads), so a merged
 * histogram taken while workers record may be a few samples short of the latest.
 */
#ifndef MP_HIST_H
#define MP_HIST_H

#include <stdint.h>

#include <rte_common.h>

#define MP_HIST_SUB_BITS 5
#define MP_HIST_SUB      (1u << MP_HIST_SUB_BITS)
#define MP_HIST_MAX_BITS 36 /**< values up to 2^36 - 1 are resolved (27 s of a 2.5 GHz TSC) */
#define MP_HIST_BUCKETS  ((MP_HIST_MAX_BITS - MP_HIST_SUB_BITS + 1) * MP_HIST_SUB)

struct mp_hist {
	uint64_t count;
	uint64_t sum;  /**< of the recorded values (saturates only after 2^64) */
	uint64_t over; /**< samples at or above 2^MP_HIST_MAX_BITS, also in the last bucket */
	uint64_t max;
	uint64_t buckets[MP_HIST_BUCKETS];
} __rte_cache_aligned;

/** The bucket of value v. */
static inline unsigned int
mp_hist_index(uint64_t v)
{
	unsigned int e;

	if (v < MP_HIST_SUB)
		return (unsigned int)v;
	if (v >> MP_HIST_MAX_BITS)
		return MP_HIST_BUCKETS - 1;
	e = 63u - (unsigned int)__builtin_clzll(v); /* >= MP_HIST_SUB_BITS */
	return (e - MP_HIST_SUB_BITS + 1) * MP_HIST_SUB +
	       (unsigned int)((v >> (e - MP_HIST_SUB_BITS)) & (MP_HIST_SUB - 1));
}

/** Record one value. Data-path safe; one writer per histogram. */
static inline void
mp_hist_record(struct mp_hist *h, uint64_t v)
{
	h->buckets[mp_hist_index(v)]++;
	h->count++;
	h->sum += v;
	h->over += (v >> MP_HIST_MAX_BITS) != 0;
	if (v > h->max)
		h->max = v;
}

/** The smallest value of bucket i. */
uint64_t
mp_hist_bucket_low(unsigned int i);

/** One past the largest value of bucket i (the last bucket reports 2^MP_HIST_MAX_BITS). */
uint64_t
mp_hist_bucket_high(unsigned int i);

/** Add src into dst (merging workers). Control path. */
void
mp_hist_merge(struct mp_hist *dst, const struct mp_hist *src);

/**
 * The value at quantile q (0 < q <= 1) of the recorded samples: the midpoint of the bucket
 * holding the ceil(q * count)-th smallest sample, never above the maximum seen. 0 when empty.
 */
uint64_t
mp_hist_quantile(const struct mp_hist *h, double q);

/** Samples at or below v (bucket granularity: a bucket counts when its high end <= v + 1). */
uint64_t
mp_hist_count_le(const struct mp_hist *h, uint64_t v);

#endif /* MP_HIST_H */
