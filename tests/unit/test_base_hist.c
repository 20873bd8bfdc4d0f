/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the log-linear histogram (lib/base/mp_hist.h, hist.c): bucket bounds, and
 * quantiles against the exact quantiles of the same random samples, for distributions from a
 * few cycles to tens of seconds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mp_hist.h"
#include "test_base.h"

#define SAMPLES 200000

static uint64_t rng = 0x68697374u;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Uniform in [0, 1). */
static double
rnd_unit(void)
{
	return (double)(rnd() >> 11) / (double)(UINT64_C(1) << 53);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Every value maps to the bucket whose bounds hold it; buckets tile the range without gaps. */
static void
test_hist_buckets(void **state)
{
	unsigned int i;

	(void)state;
	assert_int_equal(mp_hist_bucket_low(0), 0);
	for (i = 0; i < MP_HIST_BUCKETS; i++) {
		uint64_t lo = mp_hist_bucket_low(i), hi = mp_hist_bucket_high(i);

		assert_true(lo < hi);
		assert_int_equal(mp_hist_index(lo), i);
		assert_int_equal(mp_hist_index(hi - 1), i);
		/* No wider than 1/32 of the low end (buckets below 32 hold one value). */
		assert_true(lo < MP_HIST_SUB ? hi - lo == 1 : (hi - lo) * MP_HIST_SUB <= lo);
		if (i + 1 < MP_HIST_BUCKETS)
			assert_int_equal(hi, mp_hist_bucket_low(i + 1));
	}
	assert_int_equal(mp_hist_bucket_high(MP_HIST_BUCKETS - 1), UINT64_C(1) << MP_HIST_MAX_BITS);
	assert_int_equal(mp_hist_index(UINT64_MAX), MP_HIST_BUCKETS - 1);
}

/* The histogram's quantiles against the sorted samples: within 1/64 of the exact value. */
static void
check_quantiles(uint64_t *v, unsigned int n)
{
	static const double qs[] = {0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0};
	static struct mp_hist h;
	unsigned int i;

	memset(&h, 0, sizeof(h));
	for (i = 0; i < n; i++)
		mp_hist_record(&h, v[i]);
	qsort(v, n, sizeof(v[0]), cmp_u64);
	assert_int_equal(h.count, n);
	assert_int_equal(h.max, v[n - 1]);
	for (i = 0; i < RTE_DIM(qs); i++) {
		uint64_t rank = (uint64_t)ceil(qs[i] * n), exact = v[rank - 1];
		uint64_t got = mp_hist_quantile(&h, qs[i]);
		double err = exact == 0 ? (double)got : fabs((double)got - (double)exact) / exact;

		if (exact < MP_HIST_SUB)
			assert_int_equal(got, exact);
		else if (err > 1.0 / 64 + 1e-9)
			fail_msg("q %.3f: histogram %lu, exact %lu (error %.4f)", qs[i],
			         (unsigned long)got, (unsigned long)exact, err);
	}
}

static void
test_hist_quantiles(void **state)
{
	uint64_t *v = malloc(SAMPLES * sizeof(*v));
	unsigned int i;

	(void)state;
	assert_non_null(v);
	/* Log-uniform from 1 to 2^34: every scale at once. */
	for (i = 0; i < SAMPLES; i++)
		v[i] = (uint64_t)exp2(rnd_unit() * 34);
	check_quantiles(v, SAMPLES);
	/* Log-normal around 250 us of a 2.5 GHz TSC, a typical latency shape with a long tail. */
	for (i = 0; i < SAMPLES; i++) {
		double z = sqrt(-2 * log(1 - rnd_unit())) * cos(2 * M_PI * rnd_unit());

		v[i] = (uint64_t)(625000.0 * exp(0.8 * z));
	}
	check_quantiles(v, SAMPLES);
	/* Small integers are exact. */
	for (i = 0; i < SAMPLES; i++)
		v[i] = rnd() % MP_HIST_SUB;
	check_quantiles(v, SAMPLES);
	free(v);
}

/* Merging two halves equals recording everything in one; count_le and the overflow count. */
static void
test_hist_merge(void **state)
{
	static struct mp_hist a, b, all;
	unsigned int i;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&all, 0, sizeof(all));
	for (i = 0; i < 10000; i++) {
		uint64_t x = rnd() % 100000000;

		mp_hist_record(i % 2 ? &a : &b, x);
		mp_hist_record(&all, x);
	}
	mp_hist_record(&a, UINT64_C(1) << 40);
	mp_hist_record(&all, UINT64_C(1) << 40);
	mp_hist_merge(&a, &b);
	assert_memory_equal(&a, &all, sizeof(a));
	assert_int_equal(all.over, 1);
	assert_int_equal(mp_hist_count_le(&all, UINT64_MAX - 1), all.count);
	assert_int_equal(mp_hist_count_le(&all, 0), all.buckets[0]);
	assert_int_equal(mp_hist_quantile(&all, 1.0), UINT64_C(1) << 40);
	memset(&b, 0, sizeof(b));
	assert_int_equal(mp_hist_quantile(&b, 0.5), 0);
}

int
test_base_hist_run(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_hist_buckets),
	        cmocka_unit_test(test_hist_quantiles),
	        cmocka_unit_test(test_hist_merge),
	};

	return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
