/* SPDX-License-Identifier: BSD-3-Clause */
/* Log-linear histograms: the control-path half (bounds, merge, quantiles). See mp_hist.h. */
#include <math.h>

#include "mp_hist.h"

uint64_t
mp_hist_bucket_low(unsigned int i)
{
	unsigned int e;

	if (i < MP_HIST_SUB)
		return i;
	e = i / MP_HIST_SUB + MP_HIST_SUB_BITS - 1;
	return (UINT64_C(1) << e) +
	       (uint64_t)(i % MP_HIST_SUB) * (UINT64_C(1) << (e - MP_HIST_SUB_BITS));
}

uint64_t
mp_hist_bucket_high(unsigned int i)
{
	return i + 1 < MP_HIST_BUCKETS ? mp_hist_bucket_low(i + 1)
	                               : UINT64_C(1) << MP_HIST_MAX_BITS;
}

void
mp_hist_merge(struct mp_hist *dst, const struct mp_hist *src)
{
	unsigned int i;

	dst->count += src->count;
	dst->sum += src->sum;
	dst->over += src->over;
	if (src->max > dst->max)
		dst->max = src->max;
	for (i = 0; i < MP_HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
}

uint64_t
mp_hist_quantile(const struct mp_hist *h, double q)
{
	uint64_t rank, seen = 0, low, high, mid;
	unsigned int i;

	if (h->count == 0 || q <= 0)
		return 0;
	if (q > 1)
		q = 1;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < MP_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			break;
	}
	/* Counts read mid-update, or a rank among values past the resolved range: the top. */
	if (i >= MP_HIST_BUCKETS - 1 && (i == MP_HIST_BUCKETS || h->over != 0))
		return h->max;
	low = mp_hist_bucket_low(i);
	high = mp_hist_bucket_high(i);
	/* Buckets of one value are exact; wider ones answer their midpoint. */
	mid = high - low <= 1 ? low : low + (high - low) / 2;
	return RTE_MIN(mid, h->max);
}

uint64_t
mp_hist_count_le(const struct mp_hist *h, uint64_t v)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < MP_HIST_BUCKETS && mp_hist_bucket_high(i) <= v + 1; i++)
		n += h->buckets[i];
	return n;
}
