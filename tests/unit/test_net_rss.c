/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for RSS prediction (lib/net/rss.c): the Toeplitz hash against the Microsoft RSS
 * verification suite and against DPDK's own software implementation (rte_softrss), and the
 * port choice that lands replies on a chosen queue, checked with rte_softrss as the device.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <rte_thash.h>

#include "mp_net.h"
#include "test_net.h"

/* The Microsoft default key: the verification suite's hashes are computed with it. */
static const uint8_t ms_key[40] = {
        0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
        0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
        0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

struct rss_v4_case {
	const char *dst, *src;
	uint16_t dport, sport;
	uint32_t hash_l3, hash_l3l4;
};

/* Intel 82599 datasheet 7.1.2.8.3 (the RSS verification suite). */
static const struct rss_v4_case v4_cases[] = {
        {"161.142.100.80", "66.9.149.187", 1766, 2794, 0x323e8fc2, 0x51ccc178},
        {"65.69.140.83", "199.92.111.2", 4739, 14230, 0xd718262a, 0xc626b0ea},
        {"12.22.207.184", "24.19.198.95", 38024, 12898, 0xd2d0a5de, 0x5c2b394a},
        {"209.142.163.6", "38.27.205.30", 2217, 48228, 0x82989176, 0xafc7327f},
        {"202.188.127.2", "153.39.163.191", 1303, 44251, 0x5d1809c5, 0x10e828a2},
};

static const struct rss_v4_case v6_cases[] = {
        {"3ffe:2501:200:3::1", "3ffe:2501:200:1fff::7", 1766, 2794, 0x2cc18cd5, 0x40207d3d},
        {"ff02::1", "3ffe:501:8::260:97ff:fe40:efab", 4739, 14230, 0x0f0c461c, 0xdde51bbf},
        {"fe80::200:f8ff:fe21:67cf", "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 38024, 44251,
         0x4b61e985, 0x02d1feef},
};

static void
rss_make(struct mp_net_rss *r, uint16_t reta_size, uint16_t n_queues, bool l4)
{
	uint16_t reta[MP_NET_RSS_RETA_MAX], i;

	for (i = 0; i < reta_size; i++)
		reta[i] = i % n_queues;
	mp_net_rss_init(r, ms_key, sizeof(ms_key), reta, reta_size, l4);
}

static void
test_rss_verification_suite(void **state)
{
	struct mp_net_rss l3, l3l4;
	uint8_t src[16], dst[16];
	unsigned int i;

	(void)state;
	rss_make(&l3, 128, 1, false);
	rss_make(&l3l4, 128, 1, true);
	assert_true(l3.known && l3l4.known);
	for (i = 0; i < RTE_DIM(v4_cases); i++) {
		const struct rss_v4_case *t = &v4_cases[i];

		assert_int_equal(inet_pton(AF_INET, t->src, src), 1);
		assert_int_equal(inet_pton(AF_INET, t->dst, dst), 1);
		assert_int_equal(
		        mp_net_rss_hash(&l3, AF_INET, src, dst, htons(t->sport), htons(t->dport)),
		        t->hash_l3);
		assert_int_equal(
		        mp_net_rss_hash(&l3l4, AF_INET, src, dst, htons(t->sport), htons(t->dport)),
		        t->hash_l3l4);
	}
	for (i = 0; i < RTE_DIM(v6_cases); i++) {
		const struct rss_v4_case *t = &v6_cases[i];

		assert_int_equal(inet_pton(AF_INET6, t->src, src), 1);
		assert_int_equal(inet_pton(AF_INET6, t->dst, dst), 1);
		assert_int_equal(
		        mp_net_rss_hash(&l3, AF_INET6, src, dst, htons(t->sport), htons(t->dport)),
		        t->hash_l3);
		assert_int_equal(mp_net_rss_hash(&l3l4, AF_INET6, src, dst, htons(t->sport),
		                                 htons(t->dport)),
		                 t->hash_l3l4);
	}
}

/* DPDK's rte_softrss over the tuple layout of rte_thash.h: an implementation not ours. */
static uint32_t
softrss(int family, const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport)
{
	union rte_thash_tuple t;
	uint32_t words[RTE_THASH_V6_L4_LEN];
	unsigned int i, n;

	memset(&t, 0, sizeof(t));
	if (family == AF_INET) {
		t.v4.src_addr = ntohl(*(const uint32_t *)src);
		t.v4.dst_addr = ntohl(*(const uint32_t *)dst);
		t.v4.sport = sport;
		t.v4.dport = dport;
		return rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, ms_key);
	}
	memcpy(t.v6.src_addr, src, 16);
	memcpy(t.v6.dst_addr, dst, 16);
	/* Addresses go in as host-order words, as rte_thash_load_v6_addrs() leaves them. */
	n = RTE_THASH_V6_L4_LEN;
	for (i = 0; i < 8; i++)
		words[i] = ntohl(((const uint32_t *)&t.v6)[i]);
	words[8] = ((uint32_t)sport << 16) | dport;
	return rte_softrss(words, n, ms_key);
}

static void
rand_addr(int family, uint8_t *a)
{
	unsigned int i;

	memset(a, 0, 16);
	for (i = 0; i < (family == AF_INET ? 4u : 16u); i++)
		a[i] = (uint8_t)rand();
}

static void
test_rss_matches_softrss(void **state)
{
	struct mp_net_rss r;
	uint8_t src[16], dst[16];
	int i, f;

	(void)state;
	rss_make(&r, 128, 1, true);
	srand(7);
	for (f = 0; f < 2; f++) {
		int family = f == 0 ? AF_INET : AF_INET6;

		for (i = 0; i < 2000; i++) {
			uint16_t sp = (uint16_t)rand(), dp = (uint16_t)rand();

			rand_addr(family, src);
			rand_addr(family, dst);
			assert_int_equal(
			        mp_net_rss_hash(&r, family, src, dst, htons(sp), htons(dp)),
			        softrss(family, src, dst, sp, dp));
		}
	}
}

/*
 * The reply of a connection meshpath opens from dst:port to src:sport arrives as
 * src:sport -> dst:port. For every worker of 2 and 4, the port chosen must satisfy the
 * steering rule and make the "device" (rte_softrss + the table) pick that worker's queue.
 */
static void
test_rss_pick_lands_on_queue(void **state)
{
	static const uint16_t workers[] = {2, 4};
	uint8_t src[16], dst[16];
	struct mp_net_rss r;
	unsigned int wi, found = 0, total = 0;
	int i, f;

	(void)state;
	srand(11);
	for (wi = 0; wi < RTE_DIM(workers); wi++) {
		uint16_t nw = workers[wi];

		rss_make(&r, 512, nw, true);
		for (f = 0; f < 2; f++) {
			int family = f == 0 ? AF_INET : AF_INET6;

			for (i = 0; i < 1000; i++) {
				uint16_t w = (uint16_t)(i % nw), sp = (uint16_t)rand(), port;
				uint32_t h;

				rand_addr(family, src);
				rand_addr(family, dst);
				port = mp_net_rss_pick_dport(&r, family, src, dst, htons(sp), w, nw,
				                             w, 5120, (uint32_t)rand(),
				                             16u * nw * nw);
				total++;
				if (port == 0)
					continue;
				found++;
				assert_true(port >= 5120);
				assert_int_equal(port % nw, w);
				h = softrss(family, src, dst, sp, port);
				assert_int_equal(r.reta[h % 512], w);
			}
		}
	}
	/* Misses are possible but rare: odds (1 - 1/nw^2)^(16 nw^2) < 1e-6 each. */
	assert_true(found >= total - 1);
}

/* A queue the table never names cannot be reached, and an unusable table predicts nothing. */
static void
test_rss_unpredictable(void **state)
{
	uint16_t reta[100] = {0};
	uint8_t src[16] = {10, 0, 0, 1}, dst[16] = {10, 0, 0, 2};
	struct mp_net_rss r;

	(void)state;
	rss_make(&r, 128, 2, true);
	assert_int_equal(
	        mp_net_rss_pick_dport(&r, AF_INET, src, dst, htons(80), 3, 4, 3, 5120, 0, 1024), 0);
	rss_make(&r, 128, 2, false); /* addresses only: the port changes nothing */
	assert_int_equal(
	        mp_net_rss_pick_dport(&r, AF_INET, src, dst, htons(80), 1, 2, 1, 5120, 0, 64), 0);
	mp_net_rss_init(&r, ms_key, sizeof(ms_key), reta, 100, true); /* not a power of two */
	assert_false(r.known);
	assert_int_equal(
	        mp_net_rss_pick_dport(&r, AF_INET, src, dst, htons(80), 0, 2, 0, 5120, 0, 64), 0);
}

int
test_net_rss_run(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rss_verification_suite),
	        cmocka_unit_test(test_rss_matches_softrss),
	        cmocka_unit_test(test_rss_pick_lands_on_queue),
	        cmocka_unit_test(test_rss_unpredictable),
	};

	return cmocka_run_group_tests_name("net_rss", tests, NULL, NULL);
}
