/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Retry decisions (a table of every case), back-off bounds and the uniformity of its jitter,
 * budget arithmetic at its edges, and the circuit breakers' limits, shares and release.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "lb_l7_priv.h"
#include "test_lb.h"

#define MS MP_LB_NS_PER_MS

enum { CONN = MP_LB_END_CONNECT_FAILURE, RESET = MP_LB_END_RESET, RESP = MP_LB_END_RESPONSE };

static void
test_retry_table(void **st)
{
	/* Columns: how the attempt ended, status, idempotent, started downstream, retries done,
	 * retry_on, num_retries, idempotent_only; active requests and retries; verdict. */
	static const struct {
		int end;
		uint16_t status;
		bool idem, started;
		uint32_t done, on, num;
		bool idem_only;
		uint32_t act_req, act_retry;
		enum mp_lb_retry_verdict want;
	} t[] = {
	        /* Not failures. */
	        {RESP, 200, true, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 1, 0,
	         MP_LB_RETRY_NO_SUCCESS},
	        {RESP, 404, true, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 1, 0,
	         MP_LB_RETRY_NO_SUCCESS},
	        {RESP, 500, true, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 1, 0,
	         MP_LB_RETRY_NO_SUCCESS},
	        {RESP, 501, true, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 1, 0,
	         MP_LB_RETRY_NO_SUCCESS},
	        {RESP, 505, true, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 1, 0,
	         MP_LB_RETRY_NO_SUCCESS},
	        /* Each retriable failure, retried by default. */
	        {CONN, 0, true, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 1, 0, MP_LB_RETRY_RETRY},
	        {RESET, 0, true, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 1, 0, MP_LB_RETRY_RETRY},
	        {RESP, 502, true, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 1, 0, MP_LB_RETRY_RETRY},
	        {RESP, 503, true, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 1, 0, MP_LB_RETRY_RETRY},
	        {RESP, 504, true, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 1, 0, MP_LB_RETRY_RETRY},
	        /* Each one off in retry_on while the others are on. */
	        {CONN, 0, true, false, 0, 0x1e, 1, true, 1, 0, MP_LB_RETRY_NO_NOT_RETRIABLE},
	        {RESET, 0, true, false, 0, 0x1d, 1, true, 1, 0, MP_LB_RETRY_NO_NOT_RETRIABLE},
	        {RESP, 502, true, false, 0, 0x1b, 1, true, 1, 0, MP_LB_RETRY_NO_NOT_RETRIABLE},
	        {RESP, 503, true, false, 0, 0x17, 1, true, 1, 0, MP_LB_RETRY_NO_NOT_RETRIABLE},
	        {RESP, 504, true, false, 0, 0x0f, 1, true, 1, 0, MP_LB_RETRY_NO_NOT_RETRIABLE},
	        {RESP, 503, true, false, 0, MP_LB_RETRY_ON_503, 1, true, 1, 0, MP_LB_RETRY_RETRY},
	        /* A byte went downstream: never, whatever else holds. */
	        {RESET, 0, true, true, 0, MP_LB_RETRY_ON_ALL, 5, false, 1, 0,
	         MP_LB_RETRY_NO_STARTED},
	        {RESP, 503, true, true, 0, MP_LB_RETRY_ON_ALL, 5, true, 1, 0,
	         MP_LB_RETRY_NO_STARTED},
	        /* POST: not by default; yes when idempotent_only is off. */
	        {CONN, 0, false, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 1, 0,
	         MP_LB_RETRY_NO_NOT_IDEMPOTENT},
	        {RESP, 503, false, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 1, 0,
	         MP_LB_RETRY_NO_NOT_IDEMPOTENT},
	        {RESP, 503, false, false, 0, MP_LB_RETRY_ON_ALL, 1, false, 1, 0, MP_LB_RETRY_RETRY},
	        /* num_retries. */
	        {RESP, 502, true, false, 1, MP_LB_RETRY_ON_ALL, 1, true, 1, 0,
	         MP_LB_RETRY_NO_EXHAUSTED},
	        {RESP, 502, true, false, 2, MP_LB_RETRY_ON_ALL, 3, true, 1, 0, MP_LB_RETRY_RETRY},
	        {RESP, 502, true, false, 3, MP_LB_RETRY_ON_ALL, 3, true, 1, 0,
	         MP_LB_RETRY_NO_EXHAUSTED},
	        {RESP, 502, true, false, 0, MP_LB_RETRY_ON_ALL, 0, true, 1, 0,
	         MP_LB_RETRY_NO_EXHAUSTED},
	        /* Budget (20%, min 3): 100 active allow 20 retries in flight, not 21. */
	        {RESP, 503, true, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 100, 19,
	         MP_LB_RETRY_RETRY},
	        {RESP, 503, true, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 100, 20,
	         MP_LB_RETRY_NO_BUDGET},
	        {RESP, 503, true, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 2, 2, MP_LB_RETRY_RETRY},
	        {RESP, 503, true, false, 0, MP_LB_RETRY_ON_ALL, 1, true, 2, 3,
	         MP_LB_RETRY_NO_BUDGET},
	        /* Order: started beats idempotence beats exhausted beats budget. */
	        {RESP, 503, false, true, 9, MP_LB_RETRY_ON_ALL, 1, true, 0, 99,
	         MP_LB_RETRY_NO_STARTED},
	        {RESP, 503, false, false, 9, MP_LB_RETRY_ON_ALL, 1, true, 0, 99,
	         MP_LB_RETRY_NO_NOT_IDEMPOTENT},
	        {RESP, 503, true, false, 9, MP_LB_RETRY_ON_ALL, 1, true, 0, 99,
	         MP_LB_RETRY_NO_EXHAUSTED},
	};
	struct mp_lb_retry_stats stats;
	struct mp_lb_retry_params p;
	uint64_t want_count[MP_LB_RETRY_VERDICT_MAX] = {0};

	(void)st;
	memset(&stats, 0, sizeof(stats));
	for (unsigned int i = 0; i < RTE_DIM(t); i++) {
		struct mp_lb_retry_req req = {
		        .end = (enum mp_lb_attempt_end)t[i].end,
		        .status = t[i].status,
		        .idempotent = t[i].idem,
		        .downstream_started = t[i].started,
		        .retries_done = t[i].done,
		};
		enum mp_lb_retry_verdict v;

		mp_lb_retry_params_default(&p);
		p.retry_on = t[i].on;
		p.num_retries = t[i].num;
		p.idempotent_only = t[i].idem_only;
		v = mp_lb_retry_decide(&p, &req, t[i].act_req, t[i].act_retry, &stats);
		if (v != t[i].want)
			print_message("    row %u: %s, want %s\n", i, mp_lb_retry_verdict_name(v),
			              mp_lb_retry_verdict_name(t[i].want));
		assert_int_equal(v, t[i].want);
		want_count[v]++;
	}
	for (unsigned int v = 0; v < MP_LB_RETRY_VERDICT_MAX; v++)
		assert_int_equal(stats.verdicts[v], want_count[v]);
	assert_string_equal(mp_lb_retry_verdict_name(MP_LB_RETRY_NO_BUDGET),
	                    "retry budget exhausted");
	assert_string_equal(mp_lb_retry_verdict_name(MP_LB_RETRY_VERDICT_MAX), "unknown");
	/* Defaults. */
	mp_lb_retry_params_default(&p);
	assert_int_equal(p.retry_on, MP_LB_RETRY_ON_ALL);
	assert_int_equal(p.num_retries, 1);
	assert_true(p.idempotent_only);
	assert_int_equal(p.budget_percent, 20);
	assert_int_equal(p.min_retry_concurrency, 3);
	/* By default a reset POST (idempotent false: the zero value) is not retried. */
	assert_int_equal(mp_lb_retry_decide(&p, &(struct mp_lb_retry_req){.end = MP_LB_END_RESET},
	                                    0, 0, NULL),
	                 MP_LB_RETRY_NO_NOT_IDEMPOTENT);
}

static void
test_budget_edges(void **st)
{
	static const struct {
		uint32_t pct, min, req, retries;
		bool want;
	} t[] = {
	        {20, 3, 0, 0, true},
	        {20, 3, 0, 2, true},
	        {20, 3, 0, 3, false},
	        {20, 3, 15, 2, true},
	        {20, 3, 15, 3, false}, /* 15 x 20% = 3 */
	        {20, 3, 19, 3, false},
	        /* 3.8 rounds down */ {20, 3, 20, 3, true},
	        {20, 3, 20, 4, false},
	        {20, 3, 1000, 199, true},
	        {20, 3, 1000, 200, false},
	        {0, 3, 1000, 2, true},
	        {0, 3, 1000, 3, false},
	        {0, 0, 1000, 0, false},
	        {100, 0, 5, 4, true},
	        {100, 0, 5, 5, false},
	        {20, 0, 4, 0, false},
	        {100, 0, UINT32_MAX, UINT32_MAX - 1, true},
	        {100, 0, UINT32_MAX, UINT32_MAX, false},
	        {20, 3, UINT32_MAX, 858993458, true},
	        {20, 3, UINT32_MAX, 858993459, false},
	};
	struct mp_lb_retry_params p;

	(void)st;
	mp_lb_retry_params_default(&p);
	for (unsigned int i = 0; i < RTE_DIM(t); i++) {
		p.budget_percent = t[i].pct;
		p.min_retry_concurrency = t[i].min;
		if (mp_lb_retry_budget_allows(&p, t[i].req, t[i].retries) != t[i].want)
			print_message("    row %u: %u%% min %u, %u requests, %u retries\n", i,
			              t[i].pct, t[i].min, t[i].req, t[i].retries);
		assert_int_equal(mp_lb_retry_budget_allows(&p, t[i].req, t[i].retries), t[i].want);
	}
}

static void
test_backoff_bounds(void **st)
{
	struct mp_lb_retry_params p;

	(void)st;
	mp_lb_retry_params_default(&p);
	for (uint32_t n = 0; n < 70; n++) {
		uint64_t cap = n < 4 ? (25 * MS) << n : 250 * MS; /* 25, 50, 100, 200, 250... */

		assert_true(mp_lb_retry_backoff(&p, n, 0) == 0);
		assert_true(mp_lb_retry_backoff(&p, n, UINT64_MAX) == cap - 1);
		assert_true(mp_lb_retry_backoff(&p, n, UINT64_C(1) << 63) == cap / 2);
	}
	assert_true(mp_lb_retry_backoff(&p, UINT32_MAX, UINT64_MAX) == 250 * MS - 1);
	/* A base so large that 2^n x base overflows: the cap, not a wrapped value. */
	p.backoff_base = UINT64_MAX / 3;
	p.backoff_max = UINT64_MAX;
	assert_true(mp_lb_retry_backoff(&p, 0, UINT64_MAX) == UINT64_MAX / 3 - 1);
	assert_true(mp_lb_retry_backoff(&p, 2, UINT64_MAX) == UINT64_MAX - 1);
	/* No back-off configured: none. */
	p.backoff_base = 0;
	p.backoff_max = 0;
	assert_true(mp_lb_retry_backoff(&p, 3, UINT64_MAX) == 0);
}

/* Full jitter: uniform over [0, cap), chi-square over 20 buckets, for the first and a capped
 * retry; and never at or above the cap. */
static void
test_backoff_jitter(void **st)
{
	enum { DRAWS = 200000, BUCKETS = 20 };
	static const uint32_t ns[] = {0, 2, 9};
	struct mp_lb_retry_params p;
	double expected[BUCKETS];
	uint64_t x = 42;

	(void)st;
	mp_lb_retry_params_default(&p);
	for (unsigned int b = 0; b < BUCKETS; b++)
		expected[b] = (double)DRAWS / BUCKETS;
	for (unsigned int k = 0; k < RTE_DIM(ns); k++) {
		uint64_t cap = RTE_MIN((25 * MS) << ns[k], 250 * MS);
		uint64_t count[BUCKETS] = {0};
		double sum = 0, c2;

		for (unsigned int i = 0; i < DRAWS; i++) {
			uint64_t d = mp_lb_retry_backoff(&p, ns[k], lb_splitmix64(&x));

			assert_true(d < cap);
			count[d * BUCKETS / cap]++;
			sum += (double)d;
		}
		c2 = chi2(count, expected, BUCKETS);
		print_message("    retry %u: cap %" PRIu64 " ms, mean %.2f ms (cap/2 %.2f), "
		              "chi-square %.1f (19 dof, p=0.001 bound 43.82)\n",
		              ns[k] + 1, cap / MS, sum / DRAWS / MS, (double)cap / 2 / MS, c2);
		assert_true(c2 < 43.82);
		assert_true(dabs(sum / DRAWS - (double)cap / 2) < (double)cap * 0.01);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Circuit breakers                                                                          */

static void
test_breaker_shares(void **st)
{
	static const struct {
		uint32_t max;
		unsigned int workers;
		uint32_t want;
	} t[] = {
	        {1024, 1, 1024},
	        {1024, 4, 256},
	        {1025, 4, 257},
	        {3, 4, 1},
	        {1, 8, 1},
	        {3, 2, 2},
	        {0, 4, UINT32_MAX},
	        {UINT32_MAX, 1, UINT32_MAX},
	        {UINT32_MAX, 2, 2147483648u},
	};
	struct mp_lb_breaker_params p;
	struct mp_lb_breaker b;

	(void)st;
	mp_lb_breaker_params_default(&p);
	assert_int_equal(p.max[MP_LB_BRK_CONNECTIONS], 1024);
	assert_int_equal(p.max[MP_LB_BRK_PENDING], 1024);
	assert_int_equal(p.max[MP_LB_BRK_REQUESTS], 1024);
	assert_int_equal(p.max[MP_LB_BRK_RETRIES], 3);
	assert_int_equal(mp_lb_breaker_init(&b, &p, 0), -EINVAL);
	for (unsigned int i = 0; i < RTE_DIM(t); i++) {
		for (unsigned int k = 0; k < MP_LB_BRK_MAX; k++)
			p.max[k] = t[i].max;
		assert_int_equal(mp_lb_breaker_init(&b, &p, t[i].workers), 0);
		for (unsigned int k = 0; k < MP_LB_BRK_MAX; k++)
			assert_int_equal(b.max[k], t[i].want);
	}
	assert_string_equal(mp_lb_breaker_name(MP_LB_BRK_CONNECTIONS), "max_connections");
	assert_string_equal(mp_lb_breaker_name(MP_LB_BRK_PENDING), "max_pending_requests");
	assert_string_equal(mp_lb_breaker_name(MP_LB_BRK_REQUESTS), "max_requests");
	assert_string_equal(mp_lb_breaker_name(MP_LB_BRK_RETRIES), "max_retries");
	assert_string_equal(mp_lb_breaker_name(MP_LB_BRK_NONE), "none");
}

static void
test_breaker_limits(void **st)
{
	const uint32_t req = MP_LB_BRK_BIT(MP_LB_BRK_REQUESTS);
	const uint32_t pend = MP_LB_BRK_BIT(MP_LB_BRK_PENDING);
	const uint32_t conn = MP_LB_BRK_BIT(MP_LB_BRK_CONNECTIONS);
	const uint32_t retry = MP_LB_BRK_BIT(MP_LB_BRK_RETRIES);
	struct mp_lb_breaker_params p;
	struct mp_lb_breaker b;

	(void)st;
	mp_lb_breaker_params_default(&p);
	p.max[MP_LB_BRK_CONNECTIONS] = 4;
	p.max[MP_LB_BRK_PENDING] = 6;
	p.max[MP_LB_BRK_REQUESTS] = 10;
	p.max[MP_LB_BRK_RETRIES] = 2;
	assert_int_equal(mp_lb_breaker_init(&b, &p, 2), 0); /* shares 2, 3, 5, 1 */

	/* Requests: five, the sixth trips and takes nothing. */
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(mp_lb_breaker_acquire(&b, req), MP_LB_BRK_NONE);
	assert_int_equal(mp_lb_breaker_acquire(&b, req), MP_LB_BRK_REQUESTS);
	assert_int_equal(b.active[MP_LB_BRK_REQUESTS], 5);
	assert_int_equal(b.overflow[MP_LB_BRK_REQUESTS], 1);
	mp_lb_breaker_release(&b, req);
	assert_int_equal(mp_lb_breaker_acquire(&b, req), MP_LB_BRK_NONE);

	/* All or nothing: pending has room, requests does not: pending is not taken. */
	assert_int_equal(mp_lb_breaker_acquire(&b, pend | req), MP_LB_BRK_REQUESTS);
	assert_int_equal(b.active[MP_LB_BRK_PENDING], 0);
	for (unsigned int i = 0; i < 5; i++)
		mp_lb_breaker_release(&b, req);
	/* Pending 3, connections 2: a request waiting for a connection takes both. */
	for (unsigned int i = 0; i < 2; i++)
		assert_int_equal(mp_lb_breaker_acquire(&b, pend | conn), MP_LB_BRK_NONE);
	/* Connections full: the first full one in enum order is named. */
	assert_int_equal(mp_lb_breaker_acquire(&b, pend | conn), MP_LB_BRK_CONNECTIONS);
	assert_int_equal(mp_lb_breaker_acquire(&b, pend), MP_LB_BRK_NONE);
	assert_int_equal(mp_lb_breaker_acquire(&b, pend | conn | req), MP_LB_BRK_CONNECTIONS);
	assert_int_equal(mp_lb_breaker_acquire(&b, pend), MP_LB_BRK_PENDING);
	assert_int_equal(b.overflow[MP_LB_BRK_CONNECTIONS], 2);
	assert_int_equal(b.overflow[MP_LB_BRK_PENDING], 1);
	assert_int_equal(b.active[MP_LB_BRK_PENDING], 3);
	assert_int_equal(b.active[MP_LB_BRK_REQUESTS], 0);

	/* Retries: a share of one. */
	assert_int_equal(mp_lb_breaker_acquire(&b, retry), MP_LB_BRK_NONE);
	assert_int_equal(mp_lb_breaker_acquire(&b, retry), MP_LB_BRK_RETRIES);
	mp_lb_breaker_release(&b, retry);
	assert_int_equal(mp_lb_breaker_acquire(&b, retry), MP_LB_BRK_NONE);

	/* Releases never wrap below zero; an empty mask takes nothing. */
	for (unsigned int i = 0; i < 10; i++)
		mp_lb_breaker_release(&b, req | retry);
	assert_int_equal(b.active[MP_LB_BRK_REQUESTS], 0);
	assert_int_equal(b.active[MP_LB_BRK_RETRIES], 0);
	assert_int_equal(mp_lb_breaker_acquire(&b, 0), MP_LB_BRK_NONE);
	assert_int_equal(b.active[MP_LB_BRK_CONNECTIONS], 2);
}

int
test_lb_retry_run(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_retry_table),    cmocka_unit_test(test_budget_edges),
	        cmocka_unit_test(test_backoff_bounds), cmocka_unit_test(test_backoff_jitter),
	        cmocka_unit_test(test_breaker_shares), cmocka_unit_test(test_breaker_limits),
	};

	return cmocka_run_group_tests_name("lb_retry", tests, NULL, NULL);
}
