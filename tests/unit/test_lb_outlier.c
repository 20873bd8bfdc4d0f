/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outlier ejection: exact timing (ejected at the N-th failure, out for base x k to the
 * nanosecond, the cap, the decay of k), the share bound at its edges, counters, and the L7
 * picks skipping ejected endpoints while keeping the others' keys where they were.
 *
 * Time is a number the tests pass: T0 is an arbitrary start, S a second in nanoseconds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>

#include <rte_memory.h>

#include "lb_l7_priv.h"
#include "test_lb.h"

#define S    MP_LB_NS_PER_SEC
#define T0   (1000 * S)
#define BASE (30 * S)
#define KEYS 100000

static struct mp_lb_outlier *outliers[8];
static unsigned int n_outliers;

static struct mp_lb_outlier *
outlier(uint16_t n, const struct mp_lb_outlier_params *p)
{
	struct mp_lb_outlier_params d;
	struct mp_lb_outlier *o;

	if (p == NULL) {
		mp_lb_outlier_params_default(&d);
		p = &d;
	}
	o = mp_lb_outlier_create(n, p, SOCKET_ID_ANY);
	assert_non_null(o);
	assert_true(n_outliers < RTE_DIM(outliers));
	outliers[n_outliers++] = o;
	return o;
}

/* Report n failures of kind on ep at now; true when the last one ejected it. */
static bool
fails(struct mp_lb_outlier *o, uint16_t ep, enum mp_lb_outcome kind, unsigned int n, uint64_t now)
{
	bool ejected = false;

	for (unsigned int i = 0; i < n; i++) {
		ejected = mp_lb_outlier_report(o, ep, kind, now);
		if (i + 1 < n)
			assert_false(ejected);
	}
	return ejected;
}

static uint64_t
until(const struct mp_lb_outlier *o, uint16_t ep)
{
	struct mp_lb_outlier_ep_info info;

	mp_lb_outlier_ep(o, ep, 0, &info);
	return info.ejected_until;
}

static void
test_defaults(void **st)
{
	struct mp_lb_outlier_params p;

	(void)st;
	mp_lb_outlier_params_default(&p);
	assert_int_equal(p.consecutive_5xx, 5);
	assert_int_equal(p.consecutive_connect, 5);
	assert_true(p.base_ejection == 30 * S);
	assert_true(p.max_ejection == 300 * S);
	assert_int_equal(p.max_ejection_percent, 10);
	p.max_ejection_percent = 101;
	assert_null(mp_lb_outlier_create(10, &p, SOCKET_ID_ANY));
	p.max_ejection_percent = 10;
	assert_null(mp_lb_outlier_create(0, &p, SOCKET_ID_ANY));
}

static void
test_eject_at_nth_5xx(void **st)
{
	struct mp_lb_outlier *o = outlier(10, NULL);

	(void)st;
	assert_false(fails(o, 3, MP_LB_OUTCOME_5XX, 4, T0));
	assert_false(mp_lb_outlier_ejected(o, 3, T0));
	assert_true(mp_lb_outlier_report(o, 3, MP_LB_OUTCOME_5XX, T0 + 7));
	/* Out for exactly base x 1 from the fifth failure. */
	assert_true(until(o, 3) == T0 + 7 + BASE);
	assert_true(mp_lb_outlier_ejected(o, 3, T0 + 7));
	assert_true(mp_lb_outlier_ejected(o, 3, T0 + 7 + BASE - 1));
	assert_false(mp_lb_outlier_ejected(o, 3, T0 + 7 + BASE));
	/* Others untouched; counters. */
	for (uint16_t e = 0; e < 10; e++)
		assert_int_equal(mp_lb_outlier_ejected(o, e, T0 + 8), e == 3);
	assert_int_equal(mp_lb_outlier_stats(o)->ejections_total, 1);
	assert_int_equal(mp_lb_outlier_stats(o)->ejections_consecutive_5xx, 1);
	assert_int_equal(mp_lb_outlier_stats(o)->ejections_consecutive_connect, 0);
	assert_int_equal(mp_lb_outlier_stats(o)->ejections_active, 1);
	/* The gauge follows the tick, not before the time is up. */
	assert_int_equal(mp_lb_outlier_tick(o, T0 + 7 + BASE - 1), 0);
	assert_int_equal(mp_lb_outlier_tick(o, T0 + 7 + BASE), 1);
	assert_int_equal(mp_lb_outlier_stats(o)->ejections_active, 0);
	/* Ejected again after its time is up but before a tick: the gauge counts it once. */
	{
		struct mp_lb_outlier_params p;

		mp_lb_outlier_params_default(&p);
		p.max_ejection_percent = 100; /* room for both: no sweep before the ejection */
		o = outlier(2, &p);
		assert_true(fails(o, 0, MP_LB_OUTCOME_5XX, 5, T0));
		assert_true(fails(o, 0, MP_LB_OUTCOME_5XX, 5, T0 + BASE));
		assert_int_equal(mp_lb_outlier_stats(o)->ejections_active, 1);
		assert_int_equal(mp_lb_outlier_stats(o)->ejections_overflow, 0);
		assert_int_equal(mp_lb_outlier_tick(o, T0 + 3 * BASE), 1);
		assert_int_equal(mp_lb_outlier_stats(o)->ejections_active, 0);
	}
	/* Failures reported while ejected (requests in flight) never extend it. */
	o = outlier(10, NULL);
	assert_true(fails(o, 1, MP_LB_OUTCOME_5XX, 5, T0));
	assert_false(fails(o, 1, MP_LB_OUTCOME_5XX, 10, T0 + S));
	assert_true(until(o, 1) == T0 + BASE);
	/* ...nor count: back at T0 + BASE, it takes five new failures to go out again. */
	assert_false(fails(o, 1, MP_LB_OUTCOME_5XX, 4, T0 + BASE));
	assert_true(mp_lb_outlier_report(o, 1, MP_LB_OUTCOME_5XX, T0 + BASE));
}

static void
test_success_resets(void **st)
{
	struct mp_lb_outlier *o = outlier(10, NULL);
	struct mp_lb_outlier_ep_info info;

	(void)st;
	assert_false(fails(o, 0, MP_LB_OUTCOME_5XX, 4, T0));
	mp_lb_outlier_report(o, 0, MP_LB_OUTCOME_SUCCESS, T0);
	mp_lb_outlier_ep(o, 0, T0, &info);
	assert_int_equal(info.consecutive_5xx, 0);
	assert_false(fails(o, 0, MP_LB_OUTCOME_5XX, 4, T0));
	assert_true(mp_lb_outlier_report(o, 0, MP_LB_OUTCOME_5XX, T0));

	/* Connect failures count apart; a 5xx means the connection worked and clears them. */
	assert_false(fails(o, 5, MP_LB_OUTCOME_CONNECT_FAILURE, 4, T0));
	mp_lb_outlier_report(o, 5, MP_LB_OUTCOME_5XX, T0);
	mp_lb_outlier_ep(o, 5, T0, &info);
	assert_int_equal(info.consecutive_connect, 0);
	assert_int_equal(info.consecutive_5xx, 1);
	/* ...and connect failures do not clear the 5xx count. */
	assert_false(fails(o, 5, MP_LB_OUTCOME_CONNECT_FAILURE, 4, T0));
	mp_lb_outlier_ep(o, 5, T0, &info);
	assert_int_equal(info.consecutive_5xx, 1);
	/* 10 endpoints at 10%: one ejection at a time; end the first one's. */
	assert_true(mp_lb_outlier_report(o, 5, MP_LB_OUTCOME_CONNECT_FAILURE, T0 + BASE));
	assert_int_equal(mp_lb_outlier_stats(o)->ejections_consecutive_connect, 1);

	/* A threshold of 0 turns the detector off. */
	{
		struct mp_lb_outlier_params p;

		mp_lb_outlier_params_default(&p);
		p.consecutive_5xx = 0;
		o = outlier(10, &p);
		assert_false(fails(o, 0, MP_LB_OUTCOME_5XX, 1000, T0));
		assert_true(fails(o, 0, MP_LB_OUTCOME_CONNECT_FAILURE, 5, T0));
	}
}

/* Eject ep at now, right when its previous ejection ends: k grows with no decay between. */
static uint64_t
eject_again(struct mp_lb_outlier *o, uint16_t ep, uint64_t now)
{
	assert_true(fails(o, ep, MP_LB_OUTCOME_5XX, 5, now));
	return until(o, ep) - now;
}

static void
test_growth_and_cap(void **st)
{
	struct mp_lb_outlier *o = outlier(10, NULL);
	uint64_t now = T0, d;

	(void)st;
	/* 30, 60, ..., 300, then the cap: 300 s. */
	for (uint64_t k = 1; k <= 12; k++) {
		d = eject_again(o, 2, now);
		print_message("    ejection %2" PRIu64 ": %3" PRIu64 " s\n", k, d / S);
		assert_true(d == RTE_MIN(k * BASE, 300 * S));
		now += d;
		assert_false(mp_lb_outlier_ejected(o, 2, now));
	}
	{
		struct mp_lb_outlier_ep_info info;

		mp_lb_outlier_ep(o, 2, now, &info);
		assert_int_equal(info.ejections, 12);
		assert_int_equal(info.multiplier, 12); /* k keeps counting under the cap */
	}
	/* A max below base means base (Envoy's rule). */
	{
		struct mp_lb_outlier_params p;

		mp_lb_outlier_params_default(&p);
		p.max_ejection = S;
		o = outlier(10, &p);
		assert_true(eject_again(o, 0, T0) == BASE);
		assert_true(eject_again(o, 0, T0 + BASE) == BASE);
	}
}

static void
test_decay(void **st)
{
	struct mp_lb_outlier *o = outlier(10, NULL);
	struct mp_lb_outlier_ep_info info;
	uint64_t now = T0, back;

	(void)st;
	/* k = 3: out 30 + 60 + 90 s. */
	now += eject_again(o, 4, now);
	now += eject_again(o, 4, now);
	assert_true(eject_again(o, 4, now) == 3 * BASE);
	back = now + 3 * BASE;
	/* While ejected, no decay. */
	mp_lb_outlier_ep(o, 4, back - 1, &info);
	assert_int_equal(info.multiplier, 3);
	/* One step per whole 10 s interval after the ejection ended. */
	mp_lb_outlier_ep(o, 4, back + 10 * S - 1, &info);
	assert_int_equal(info.multiplier, 3);
	mp_lb_outlier_ep(o, 4, back + 10 * S, &info);
	assert_int_equal(info.multiplier, 2);
	mp_lb_outlier_ep(o, 4, back + 25 * S, &info);
	assert_int_equal(info.multiplier, 1);
	mp_lb_outlier_ep(o, 4, back + 1000 * S, &info);
	assert_int_equal(info.multiplier, 0);
	/* Ejected again 25 s after coming back: k decayed to 1, so this is the 2nd: 60 s. */
	assert_true(eject_again(o, 4, back + 25 * S) == 2 * BASE);
	/* 20 s after that one ended: two steps, k 2 -> 0, so the next is the 1st again: 30 s. */
	back = back + 25 * S + 2 * BASE;
	assert_true(eject_again(o, 4, back + 20 * S) == BASE);

	/* decay_interval 0: k never decays. */
	{
		struct mp_lb_outlier_params p;

		mp_lb_outlier_params_default(&p);
		p.decay_interval = 0;
		o = outlier(10, &p);
		now = T0;
		now += eject_again(o, 0, now);
		assert_true(eject_again(o, 0, now + 100000 * S) == 2 * BASE);
	}
}

/* How many of n endpoints get ejected at pct when all of them fail at once. */
static unsigned int
ejected_at(uint16_t n, uint32_t pct, uint64_t *overflow)
{
	struct mp_lb_outlier_params p;
	struct mp_lb_outlier *o;
	unsigned int got = 0;

	mp_lb_outlier_params_default(&p);
	p.max_ejection_percent = pct;
	o = mp_lb_outlier_create(n, &p, SOCKET_ID_ANY);
	assert_non_null(o);
	for (uint16_t e = 0; e < n; e++)
		got += fails(o, e, MP_LB_OUTCOME_5XX, 5, T0);
	assert_int_equal(mp_lb_outlier_stats(o)->ejections_active, got);
	*overflow = mp_lb_outlier_stats(o)->ejections_overflow;
	mp_lb_outlier_free(o);
	return got;
}

static void
test_max_percent(void **st)
{
	static const struct {
		uint16_t n;
		uint32_t pct;
		unsigned int want;
	} cases[] = {
	        {10, 10, 1}, {9, 10, 0}, {3, 10, 0},    {20, 10, 2},   {19, 10, 1},
	        {2, 50, 1},  {2, 99, 1}, {2, 100, 2},   {1, 100, 1},   {1, 99, 0},
	        {10, 0, 0},  {4, 75, 3}, {10, 100, 10}, {100, 10, 10}, {7, 90, 6},
	};
	struct mp_lb_outlier *o;
	uint64_t overflow;

	(void)st;
	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		unsigned int got = ejected_at(cases[i].n, cases[i].pct, &overflow);

		if (got != cases[i].want)
			print_message("    %u endpoints at %u%%: %u ejected, want %u\n", cases[i].n,
			              cases[i].pct, got, cases[i].want);
		assert_int_equal(got, cases[i].want);
		assert_int_equal(overflow, cases[i].n - cases[i].want);
	}

	/* A refused ejection keeps its count: once room frees up, the next failure ejects. */
	o = outlier(10, NULL);
	assert_true(fails(o, 0, MP_LB_OUTCOME_5XX, 5, T0));
	assert_false(fails(o, 1, MP_LB_OUTCOME_5XX, 5, T0));
	assert_false(mp_lb_outlier_report(o, 1, MP_LB_OUTCOME_5XX, T0 + BASE - 1));
	assert_int_equal(mp_lb_outlier_stats(o)->ejections_overflow, 2);
	/* Endpoint 0 is back at T0 + BASE; no tick ran, the share check sweeps by itself. */
	assert_true(mp_lb_outlier_report(o, 1, MP_LB_OUTCOME_5XX, T0 + BASE));
	assert_int_equal(mp_lb_outlier_stats(o)->ejections_active, 1);
}

/* ---------------------------------------------------------------------------------------- */
/* Picks                                                                                     */

static uint64_t
key_of(uint64_t i)
{
	uint64_t x = i;

	return lb_splitmix64(&x);
}

/* Maglev: the ejected endpoint's keys spread, everyone else's stay; back when it returns. */
static void
test_pick_maglev_skips(void **st)
{
	const struct mp_lb_cluster *c;
	struct mp_lb_state *s;
	struct mp_lb_outlier *o = outlier(10, NULL);
	static int before[KEYS];
	uint64_t to[10] = {0}, on_3 = 0;

	(void)st;
	c = build(add_cluster(MP_LB_MAGLEV, MP_CONF_DEF_MAGLEV_SIZE, 10, NULL, NULL), NULL);
	s = state(c, 1);
	for (unsigned int i = 0; i < KEYS; i++) {
		before[i] = mp_lb_pick_l7(c, s, o, -1, key_of(i), T0);
		/* Without ejections, the L7 pick is the L4 pick of the folded key. */
		assert_int_equal(before[i], mp_lb_pick(c, s, lb_key32(key_of(i))));
	}
	assert_true(fails(o, 3, MP_LB_OUTCOME_5XX, 5, T0));
	for (unsigned int i = 0; i < KEYS; i++) {
		int ep = mp_lb_pick_l7(c, s, o, -1, key_of(i), T0 + 1);

		assert_int_not_equal(ep, 3);
		if (before[i] != 3)
			assert_int_equal(ep, before[i]);
		else {
			to[ep]++;
			on_3++;
		}
	}
	/* The moved keys spread over the other nine: none takes more than a third of them. */
	for (unsigned int e = 0; e < 10; e++)
		assert_true(to[e] * 3 < on_3);
	for (unsigned int i = 0; i < KEYS; i++)
		assert_int_equal(mp_lb_pick_l7(c, s, o, -1, key_of(i), T0 + BASE), before[i]);
}

/* The walk exactly: the first slot from the key's on whose endpoint is in, wrapping past the
 * ring's last slot to its first. */
static void
test_pick_maglev_walk_wraps(void **st)
{
	struct mp_lb_outlier_params p;
	const struct mp_lb_cluster *c;
	struct mp_lb_state *s;
	struct mp_lb_outlier *o;
	const uint16_t *t;
	uint32_t m;
	unsigned int wrapped = 0;

	(void)st;
	mp_lb_outlier_params_default(&p);
	p.max_ejection_percent = 30;
	c = build(add_cluster(MP_LB_MAGLEV, 1009, 10, NULL, NULL), NULL);
	s = state(c, 1);
	o = outlier(10, &p);
	t = mp_lb_maglev_table(c, &m);
	/* The owners of the last and the first slot: a walk from the last must wrap past both. */
	assert_true(fails(o, t[m - 1], MP_LB_OUTCOME_5XX, 5, T0));
	if (!mp_lb_outlier_ejected(o, t[0], T0))
		assert_true(fails(o, t[0], MP_LB_OUTCOME_5XX, 5, T0));
	for (unsigned int i = 0; i < KEYS; i++) {
		uint32_t slot = lb_fastmod(lb_key32(key_of(i)), c->maglev_magic, m);
		uint32_t j = slot;

		while (mp_lb_outlier_ejected(o, t[j], T0))
			j = j + 1 == m ? 0 : j + 1;
		wrapped += j < slot;
		assert_int_equal(mp_lb_pick_l7(c, s, o, -1, key_of(i), T0), t[j]);
	}
	/* About 1 key in 1009 lands on the last slot. */
	assert_true(wrapped > 0);
}

/* Every policy: never an ejected or a down endpoint, and all picks still spread. */
static void
test_pick_policies_skip(void **st)
{
	static const enum mp_lb_policy pol[] = {MP_LB_MAGLEV, MP_LB_ROUND_ROBIN, MP_LB_RANDOM,
	                                        MP_LB_LEAST_CONN};
	struct mp_lb_outlier_params p;
	uint8_t up[10];

	(void)st;
	mp_lb_outlier_params_default(&p);
	p.max_ejection_percent = 30;
	memset(up, 1, sizeof(up));
	up[7] = 0;
	for (unsigned int k = 0; k < RTE_DIM(pol); k++) {
		const struct mp_lb_cluster *c;
		struct mp_lb_state *s;
		struct mp_lb_outlier *o = outlier(10, &p);
		struct mp_lb_ring *r = NULL;
		uint64_t count[10] = {0};

		c = build(add_cluster(pol[k], MP_CONF_DEF_MAGLEV_SIZE, 10, NULL, NULL), up);
		s = state(c, 1);
		assert_int_equal(mp_lb_ring_build(c, MP_LB_RING_DEF_SIZE, SOCKET_ID_ANY, &r), 0);
		assert_true(fails(o, 0, MP_LB_OUTCOME_5XX, 5, T0));
		assert_true(fails(o, 4, MP_LB_OUTCOME_CONNECT_FAILURE, 5, T0));
		assert_true(fails(o, 9, MP_LB_OUTCOME_5XX, 5, T0));
		for (unsigned int i = 0; i < 10000; i++) {
			int a = mp_lb_pick_l7(c, s, o, -1, key_of(i), T0 + S);
			int b = mp_lb_p2c_pick(c, s, o, -1, key_of(i + KEYS), T0 + S);
			int d = mp_lb_ring_pick(r, o, -1, key_of(i), T0 + S);

			for (unsigned int j = 0; j < 3; j++) {
				int ep = j == 0 ? a : j == 1 ? b : d;

				assert_true(ep >= 0 && ep < 10);
				assert_true(ep != 0 && ep != 4 && ep != 9 && ep != 7);
			}
			count[a]++;
			if (pol[k] == MP_LB_LEAST_CONN)
				mp_lb_flow_open(s, (uint16_t)a);
		}
		/* Six endpoints left; each gets a fair part of the picks. */
		for (unsigned int e = 0; e < 10; e++)
			if (e != 0 && e != 4 && e != 9 && e != 7)
				assert_true(count[e] > 10000 / 6 / 2);
		mp_lb_ring_free(r);
	}
}

/*
 * A retry avoids the endpoint that failed: never picked while another is in; hash policies
 * keep every other key and send the avoided one's to a fixed second choice; the avoided
 * endpoint still beats an ejected one and beats nothing.
 */
static void
test_pick_avoid(void **st)
{
	static const enum mp_lb_policy pol[] = {MP_LB_MAGLEV, MP_LB_ROUND_ROBIN, MP_LB_RANDOM,
	                                        MP_LB_LEAST_CONN};
	struct mp_lb_outlier_params p;

	(void)st;
	mp_lb_outlier_params_default(&p);
	p.max_ejection_percent = 100;
	for (unsigned int k = 0; k < RTE_DIM(pol); k++) {
		const struct mp_lb_cluster *c;
		struct mp_lb_state *s;
		struct mp_lb_ring *r = NULL;

		c = build(add_cluster(pol[k], MP_CONF_DEF_MAGLEV_SIZE, 10, NULL, NULL), NULL);
		s = state(c, 1);
		assert_int_equal(mp_lb_ring_build(c, MP_LB_RING_DEF_SIZE, SOCKET_ID_ANY, &r), 0);
		for (unsigned int i = 0; i < 10000; i++) {
			uint64_t key = key_of(i);
			int a0 = mp_lb_pick_l7(c, s, NULL, -1, key, T0);
			int r0 = mp_lb_ring_pick(r, NULL, -1, key, T0);
			int a1 = mp_lb_pick_l7(c, s, NULL, a0, key, T0);
			int b1 = mp_lb_p2c_pick(c, s, NULL, a0, key, T0);
			int r1 = mp_lb_ring_pick(r, NULL, r0, key, T0);

			assert_true(a1 >= 0 && a1 != a0);
			assert_true(b1 >= 0 && b1 != a0);
			assert_true(r1 >= 0 && r1 != r0);
			/* Hash policies: the same second choice every time; avoiding some other
			 * endpoint leaves the key where it was. */
			assert_int_equal(mp_lb_ring_pick(r, NULL, r0, key, T0), r1);
			assert_int_equal(mp_lb_ring_pick(r, NULL, (r0 + 1) % 10, key, T0), r0);
			if (pol[k] == MP_LB_MAGLEV) {
				assert_int_equal(mp_lb_pick_l7(c, s, NULL, a0, key, T0), a1);
				assert_int_equal(mp_lb_pick_l7(c, s, NULL, (a0 + 1) % 10, key, T0),
				                 a0);
			}
		}
		mp_lb_ring_free(r);
	}
	/* Two endpoints, 0 ejected, 1 avoided: 1 (it is in). One endpoint, avoided: it. */
	{
		const struct mp_lb_cluster *c;
		struct mp_lb_state *s;
		struct mp_lb_outlier *o = outlier(2, &p);
		struct mp_lb_ring *r = NULL;

		c = build(add_cluster(MP_LB_MAGLEV, 211, 2, NULL, NULL), NULL);
		s = state(c, 1);
		assert_int_equal(mp_lb_ring_build(c, 1024, SOCKET_ID_ANY, &r), 0);
		assert_true(fails(o, 0, MP_LB_OUTCOME_5XX, 5, T0));
		for (unsigned int i = 0; i < 1000; i++) {
			assert_int_equal(mp_lb_pick_l7(c, s, o, 1, key_of(i), T0), 1);
			assert_int_equal(mp_lb_p2c_pick(c, s, o, 1, key_of(i), T0), 1);
			assert_int_equal(mp_lb_ring_pick(r, o, 1, key_of(i), T0), 1);
		}
		mp_lb_ring_free(r);
		c = build(add_cluster(MP_LB_LEAST_CONN, 0, 1, NULL, NULL), NULL);
		s = state(c, 1);
		assert_int_equal(mp_lb_pick_l7(c, s, NULL, 0, 1, T0), 0);
		assert_int_equal(mp_lb_p2c_pick(c, s, NULL, 0, 1, T0), 0);
	}
}

/* Only ejected endpoints are up: the picks ignore ejection rather than fail. */
static void
test_pick_all_ejected(void **st)
{
	struct mp_lb_outlier_params p;
	uint8_t up[4] = {1, 0, 1, 0};

	(void)st;
	mp_lb_outlier_params_default(&p);
	p.max_ejection_percent = 50;
	for (unsigned int pol = MP_LB_MAGLEV; pol <= MP_LB_LEAST_CONN; pol++) {
		const struct mp_lb_cluster *c;
		struct mp_lb_state *s;
		struct mp_lb_outlier *o = mp_lb_outlier_create(4, &p, SOCKET_ID_ANY);
		struct mp_lb_ring *r = NULL;

		assert_non_null(o);
		c = build(add_cluster(pol, 401, 4, NULL, NULL), up);
		s = state(c, 1);
		assert_int_equal(mp_lb_ring_build(c, 1024, SOCKET_ID_ANY, &r), 0);
		assert_true(fails(o, 0, MP_LB_OUTCOME_5XX, 5, T0));
		assert_true(fails(o, 2, MP_LB_OUTCOME_5XX, 5, T0));
		for (unsigned int i = 0; i < 1000; i++) {
			int a = mp_lb_pick_l7(c, s, o, -1, key_of(i), T0);
			int b = mp_lb_p2c_pick(c, s, o, -1, key_of(i), T0);
			int d = mp_lb_ring_pick(r, o, -1, key_of(i), T0);

			assert_true(a == 0 || a == 2);
			assert_true(b == 0 || b == 2);
			assert_true(d == 0 || d == 2);
		}
		mp_lb_ring_free(r);
		mp_lb_outlier_free(o);
	}
	/* Nothing up: -1. */
	{
		uint8_t none[2] = {0, 0};
		const struct mp_lb_cluster *c =
		        build(add_cluster(MP_LB_MAGLEV, 401, 2, NULL, NULL), none);
		struct mp_lb_state *s = state(c, 1);
		struct mp_lb_ring *r = NULL;

		assert_int_equal(mp_lb_pick_l7(c, s, NULL, -1, 1, T0), -1);
		assert_int_equal(mp_lb_p2c_pick(c, s, NULL, -1, 1, T0), -1);
		assert_int_equal(mp_lb_ring_build(c, 1024, SOCKET_ID_ANY, &r), 0);
		assert_int_equal(mp_lb_ring_pick(r, NULL, -1, 1, T0), -1);
		mp_lb_ring_free(r);
	}
}

static int
outlier_teardown(void **st)
{
	while (n_outliers > 0)
		mp_lb_outlier_free(outliers[--n_outliers]);
	return test_teardown(st);
}

#define OUTLIER_TEST(f) cmocka_unit_test_setup_teardown(f, test_setup, outlier_teardown)

int
test_lb_outlier_run(void)
{
	const struct CMUnitTest tests[] = {
	        OUTLIER_TEST(test_defaults),
	        OUTLIER_TEST(test_eject_at_nth_5xx),
	        OUTLIER_TEST(test_success_resets),
	        OUTLIER_TEST(test_growth_and_cap),
	        OUTLIER_TEST(test_decay),
	        OUTLIER_TEST(test_max_percent),
	        OUTLIER_TEST(test_pick_maglev_skips),
	        OUTLIER_TEST(test_pick_maglev_walk_wraps),
	        OUTLIER_TEST(test_pick_policies_skip),
	        OUTLIER_TEST(test_pick_avoid),
	        OUTLIER_TEST(test_pick_all_ejected),
	};

	return cmocka_run_group_tests_name("lb_outlier", tests, NULL, NULL);
}
