/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/net impairment stage: the decision stream. Its probabilities, its determinism per
 * (seed, port, queue, direction) and the independence of its streams. The callbacks around
 * it are exercised end to end by tests/e2e/test_impair.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "mp_impair.h"

#define DRAWS  1000000
#define STREAM 256
#define TSC_HZ 2500000000ull
#define SIGMAS 5.0 /* binomial bounds: a correct stream fails one in millions of runs */

static const struct mp_conf_impair conf_mix = {
        .enabled = true, .loss = 0.05, .duplicate = 0.02, .reorder = 0.1, .seed = 7};

/* |observed - p| within SIGMAS standard deviations of a binomial proportion over n. */
static void
assert_proportion(const char *what, uint64_t k, uint64_t n, double p)
{
	double got = (double)k / (double)n, sd = sqrt(p * (1 - p) / (double)n);

	if (fabs(got - p) > SIGMAS * sd + 1e-12)
		fail_msg("%s: %.5f of %llu draws, expected %.5f (+- %.5f)", what, got,
		         (unsigned long long)n, p, SIGMAS * sd);
}

static void
test_params(void **state)
{
	struct mp_conf_impair c = {.loss = 0.01, .duplicate = 0.5, .delay_ms = 20, .jitter_ms = 3};
	struct mp_impair_params p;

	(void)state;
	mp_impair_params_init(&p, &c, TSC_HZ);
	assert_int_equal(p.loss, 42949672); /* 0.01 * 2^32, rounded down */
	assert_int_equal(p.duplicate, 1u << 31);
	assert_int_equal(p.reorder, 0);
	assert_int_equal(p.delay_tsc, TSC_HZ / 50);
	assert_int_equal(p.jitter_tsc, TSC_HZ * 3 / 1000);
	assert_int_equal(p.reorder_tsc, TSC_HZ / 1000000 * MP_IMPAIR_REORDER_US);
}

static void
test_proportions(void **state)
{
	struct mp_impair_params p;
	uint64_t s = mp_impair_seed(conf_mix.seed, 0, 0, MP_IMPAIR_RX);
	uint64_t drop = 0, dup = 0, reo = 0, both = 0, kept;
	int i;

	(void)state;
	mp_impair_params_init(&p, &conf_mix, TSC_HZ);
	for (i = 0; i < DRAWS; i++) {
		uint32_t d = mp_impair_decide(&s, &p);

		if (d & MP_IMPAIR_DROP) {
			assert_int_equal(d, MP_IMPAIR_DROP); /* a dropped packet is nothing else */
			drop++;
			continue;
		}
		dup += (d & MP_IMPAIR_DUP) != 0;
		reo += (d & MP_IMPAIR_REORDER) != 0;
		both += (d & MP_IMPAIR_DUP) && (d & MP_IMPAIR_REORDER);
	}
	kept = DRAWS - drop;
	assert_proportion("loss", drop, DRAWS, conf_mix.loss);
	assert_proportion("duplicate", dup, kept, conf_mix.duplicate);
	assert_proportion("reorder", reo, kept, conf_mix.reorder);
	/* Independent decisions: both at the product of the two. */
	assert_proportion("duplicate and reorder", both, kept,
	                  conf_mix.duplicate * conf_mix.reorder);
}

static void
test_zero_never(void **state)
{
	struct mp_conf_impair c = {.enabled = true, .seed = 1};
	struct mp_impair_params p;
	uint64_t s = mp_impair_seed(1, 0, 0, MP_IMPAIR_TX);
	int i;

	(void)state;
	mp_impair_params_init(&p, &c, TSC_HZ);
	for (i = 0; i < DRAWS; i++)
		assert_int_equal(mp_impair_decide(&s, &p), 0);
}

static void
stream(uint32_t seed, uint16_t port, uint16_t queue, enum mp_impair_dir dir, uint32_t *out)
{
	struct mp_impair_params p;
	struct mp_conf_impair c = {.enabled = true, .loss = 0.3, .duplicate = 0.3, .reorder = 0.3};
	uint64_t s = mp_impair_seed(seed, port, queue, dir);
	int i;

	mp_impair_params_init(&p, &c, TSC_HZ);
	for (i = 0; i < STREAM; i++)
		out[i] = mp_impair_decide(&s, &p);
}

/* The same (seed, port, queue, direction) replays; changing any one gives another stream. */
static void
test_streams(void **state)
{
	static const struct {
		uint32_t seed;
		uint16_t port, queue;
		enum mp_impair_dir dir;
	} other[] = {
	        {2, 0, 0, MP_IMPAIR_RX}, {1, 1, 0, MP_IMPAIR_RX}, {1, 0, 1, MP_IMPAIR_RX},
	        {1, 0, 0, MP_IMPAIR_TX}, {0, 0, 0, MP_IMPAIR_RX}, {1, 65535, 65535, MP_IMPAIR_TX},
	};
	uint32_t a[STREAM], b[STREAM];
	unsigned int i;

	(void)state;
	stream(1, 0, 0, MP_IMPAIR_RX, a);
	stream(1, 0, 0, MP_IMPAIR_RX, b);
	assert_memory_equal(a, b, sizeof(a));
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		stream(other[i].seed, other[i].port, other[i].queue, other[i].dir, b);
		if (memcmp(a, b, sizeof(a)) == 0)
			fail_msg("stream %u equals the reference stream", i);
	}
	/* Distinct states for every port and queue of one seed (no two streams in step). */
	for (i = 1; i < 1024; i++)
		assert_int_not_equal(
		        mp_impair_seed(1, (uint16_t)(i >> 5), (uint16_t)(i & 31), MP_IMPAIR_RX),
		        mp_impair_seed(1, 0, 0, MP_IMPAIR_RX));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_params),
	        cmocka_unit_test(test_proportions),
	        cmocka_unit_test(test_zero_never),
	        cmocka_unit_test(test_streams),
	};

	return cmocka_run_group_tests_name("impair", tests, NULL, NULL);
}
