/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active opens choose their local port by the egress device's RSS (lib/tcp/tcp.c,
 * tcp_pick_port_rss()): for 2 and 4 workers, every worker, IPv4 and IPv6, the reply of each
 * connection (peer -> us) must hash to that worker's queue through the redirection table, with
 * the hash computed by DPDK's rte_softrss (an implementation not ours) standing in for the
 * device, and the port must keep the software steering rule (port % workers == worker). No
 * virtual device on the test machines does Toeplitz RSS with a readable table, so this is where
 * the rule is checked; the fallbacks (no RSS state, a table that never names the queue, one
 * worker) keep the % rule and count what happened.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_mbuf.h>
#include <rte_thash.h>

#include "mp_net.h"
#include "mp_tcp.h"
#include "mp_timer.h"
#include "test_tcp.h"

#define HZ        1000000u
#define RETA_SIZE 512
#define CONNS     300 /* per (workers, worker, family) */
#define SAME_DST  100 /* of them to one peer address and port: the search must skip used ports */

/* The Microsoft default key, a 40-byte key as most devices take. */
static const uint8_t key[40] = {
        0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
        0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
        0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static const uint8_t local4[16] = {10, 40, 0, 254};
static const uint8_t local6[16] = {0xfd, 0, 0, 0x40, [15] = 0xfe};

/* The source port of the last SYN the stack sent (host order). */
static uint16_t last_syn_sport;

static void
capture_out(void *ctx, struct rte_mbuf *m, int family, const uint8_t *dst, uint16_t port)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int l3 = family == AF_INET ? (p[0] & 0x0fu) * 4u : 40u;

	(void)ctx;
	(void)dst;
	(void)port;
	last_syn_sport = (uint16_t)(p[l3] << 8 | p[l3 + 1]);
	rte_pktmbuf_free(m);
}

/* rte_softrss over the reply tuple src:sport -> dst:dport, as the device would hash it. */
static uint32_t
softrss(int family, const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport)
{
	uint32_t words[RTE_THASH_V6_L4_LEN];
	unsigned int i, alen = family == AF_INET ? 4 : 16;

	/* rte_softrss takes the input as host-order 32-bit words (rte_thash_tuple's layout). */
	for (i = 0; i < alen / 4; i++) {
		words[i] = ntohl(*(const uint32_t *)(src + 4 * i));
		words[alen / 4 + i] = ntohl(*(const uint32_t *)(dst + 4 * i));
	}
	words[alen / 2] = ((uint32_t)sport << 16) | dport;
	return rte_softrss(words, alen / 2 + 1, key);
}

struct rig {
	struct mp_timer_wheel *wheel;
	struct mp_tcp_stack *s;
	struct mp_net_rss rss;
	struct mp_net_iface ifc;
};

/*
 * A stack of max_conns for worker w of nw on one port; reta_queues queues in the table (0: no
 * RSS state). Each rig has names of its own: one a failed test left behind is in nobody's way.
 */
static void
rig_make(struct rig *r, uint16_t nw, uint16_t w, uint16_t reta_queues, uint32_t max_conns)
{
	static unsigned int serial;
	uint16_t reta[RETA_SIZE];
	struct mp_tcp_params p;
	char name[32];

	memset(r, 0, sizeof(*r));
	for (unsigned int i = 0; i < RETA_SIZE; i++)
		reta[i] = reta_queues == 0 ? 0 : (uint16_t)(i % reta_queues);
	mp_net_rss_init(&r->rss, key, sizeof(key), reta, RETA_SIZE, true);
	assert_true(r->rss.known);
	r->ifc.rss = reta_queues == 0 ? NULL : &r->rss;
	snprintf(name, sizeof(name), "tcp_rss_%u", serial++);
	r->wheel = mp_timer_wheel_create(name, SOCKET_ID_ANY, 1000, 0);
	assert_non_null(r->wheel);
	mp_tcp_params_default(&p);
	p.name = name;
	p.hz = HZ;
	p.pool = test_tcp_pool;
	p.wheel = r->wheel;
	p.output = capture_out;
	p.max_conns = max_conns;
	p.worker = w;
	p.n_workers = nw;
	p.ifaces = &r->ifc;
	p.ports_from_first = true; /* the tests below walk the range from its start */
	p.n_ports = 1;
	p.queue = w;
	r->s = mp_tcp_create(&p);
	assert_non_null(r->s);
	mp_tcp_set_now(r->s, HZ);
}

static void
rig_free(struct rig *r)
{
	mp_tcp_free(r->s);
	mp_timer_wheel_free(r->wheel);
}

static uint64_t
stat(const struct rig *r, enum mp_tcp_stat st)
{
	return mp_tcp_stats(r->s)->st[st];
}

/*
 * Open CONNS connections of family from worker w and check each local port. Returns how many
 * replies the device would deliver to queue w.
 */
static unsigned int
open_and_check(struct rig *r, int family, uint16_t nw, uint16_t w, uint64_t *rng)
{
	const uint8_t *local = family == AF_INET ? local4 : local6;
	unsigned int alen = family == AF_INET ? 4 : 16, on_queue = 0;
	uint8_t peer[16] = {0};
	uint16_t rport = 0;

	for (unsigned int i = 0; i < CONNS; i++) {
		const struct mp_tcp_tuple *t;
		struct mp_tcp_conn *c;
		uint16_t lport;

		if (i == 0 || i >= SAME_DST) {
			uint64_t x = test_xorshift(rng);

			memcpy(peer, &x, 8);
			x = test_xorshift(rng);
			memcpy(peer + 8, &x, 8);
			peer[0] = family == AF_INET ? 10 : 0xfd;
			rport = (uint16_t)(1 + x % 65535);
		}
		c = mp_tcp_connect(r->s, family, local, peer, rport, 0, NULL, NULL);
		assert_non_null(c);
		t = mp_tcp_conn_tuple(c);
		lport = rte_be_to_cpu_16(t->lport);
		assert_memory_equal(t->raddr, peer, alen);
		assert_int_equal(last_syn_sport, lport);
		assert_true(lport >= 32768 && lport <= 60999);
		assert_int_equal(lport % nw, w);
		on_queue +=
		        r->rss.reta[softrss(family, peer, local, rport, lport) % RETA_SIZE] == w;
	}
	return on_queue;
}

static void
test_tcp_rss_replies_land_on_queue(void **state)
{
	static const uint16_t workers[] = {2, 4};
	uint64_t rng = 0x5eed0fa11ull;

	(void)state;
	for (unsigned int wi = 0; wi < TEST_DIM(workers); wi++) {
		uint16_t nw = workers[wi];

		for (uint16_t w = 0; w < nw; w++) {
			for (int f = 0; f < 2; f++) {
				int family = f == 0 ? AF_INET : AF_INET6;
				struct rig r;

				rig_make(&r, nw, w, nw, CONNS);
				assert_int_equal(open_and_check(&r, family, nw, w, &rng), CONNS);
				assert_int_equal(stat(&r, MP_TCP_ST_RSS_PORTS), CONNS);
				assert_int_equal(stat(&r, MP_TCP_ST_RSS_MISSES), 0);
				assert_int_equal(mp_tcp_conn_count(r.s), CONNS);
				rig_free(&r);
			}
		}
	}
}

/*
 * The search goes on from where the last one ended and wraps: after enough opens it comes back
 * to ports of connections still open to the same peer, and must pass over them. Worker 2 of 4
 * has about 7000 candidate slots, about a quarter of them on its queue for a given peer: SKIP_FIRST
 * connections to one peer, SKIP_OTHERS to other peers (the search wraps), then SKIP_AGAIN to
 * the first peer again. Every port to that peer must be distinct and on the queue.
 */
#define SKIP_FIRST  200
#define SKIP_OTHERS 2100
#define SKIP_AGAIN  300
#define SKIP_TOTAL  (SKIP_FIRST + SKIP_OTHERS + SKIP_AGAIN)

static void
test_tcp_rss_skips_used_ports(void **state)
{
	static const uint8_t peer[16] = {10, 40, 0, 1};
	static uint8_t used[65536];
	uint64_t rng = 0x0dd5ca1eull;
	unsigned int to_peer = 0, first_max = 0, again_min = UINT16_MAX;
	struct rig r;

	(void)state;
	memset(used, 0, sizeof(used));
	rig_make(&r, 4, 2, 4, SKIP_TOTAL);
	for (unsigned int i = 0; i < SKIP_TOTAL; i++) {
		bool same = i < SKIP_FIRST || i >= SKIP_FIRST + SKIP_OTHERS;
		uint8_t other[16] = {10, 41};
		struct mp_tcp_conn *c;
		uint16_t lport;

		if (!same) {
			uint64_t x = test_xorshift(&rng);

			memcpy(other + 2, &x, 2);
		}
		c = mp_tcp_connect(r.s, AF_INET, local4, same ? peer : other, 80, 0, NULL, NULL);
		assert_non_null(c);
		if (!same)
			continue;
		lport = rte_be_to_cpu_16(mp_tcp_conn_tuple(c)->lport);
		assert_int_equal(used[lport], 0);
		used[lport] = 1;
		assert_int_equal(lport % 4, 2);
		if (i < SKIP_FIRST)
			first_max = RTE_MAX(first_max, lport);
		else
			again_min = RTE_MIN(again_min, lport);
		to_peer += r.rss.reta[softrss(AF_INET, peer, local4, 80, lport) % RETA_SIZE] == 2;
	}
	assert_true(again_min < first_max); /* the search did wrap into the first ports */
	/* Passing 200 used ports takes a few opens' worth of tries: those few keep the % rule. */
	assert_int_equal(stat(&r, MP_TCP_ST_RSS_PORTS) + stat(&r, MP_TCP_ST_RSS_MISSES),
	                 SKIP_TOTAL);
	assert_in_range(stat(&r, MP_TCP_ST_RSS_MISSES), 1, 8);
	assert_int_equal(to_peer, SKIP_FIRST + SKIP_AGAIN - stat(&r, MP_TCP_ST_RSS_MISSES));
	rig_free(&r);
}

/*
 * Without RSS state the % rule alone picks, uncounted; a table that never names the worker's
 * queue counts a miss per open and still keeps the % rule; one worker needs no choice.
 */
static void
test_tcp_rss_fallbacks(void **state)
{
	uint64_t rng = 0xfa11bac4ull;
	struct rig r;

	(void)state;
	rig_make(&r, 2, 1, 0, CONNS);
	open_and_check(&r, AF_INET, 2, 1, &rng);
	assert_int_equal(stat(&r, MP_TCP_ST_RSS_PORTS), 0);
	assert_int_equal(stat(&r, MP_TCP_ST_RSS_MISSES), 0);
	rig_free(&r);

	rig_make(&r, 4, 3, 2, CONNS); /* queues 0 and 1 only: worker 3's queue is unreachable */
	assert_int_equal(open_and_check(&r, AF_INET6, 4, 3, &rng), 0);
	assert_int_equal(stat(&r, MP_TCP_ST_RSS_PORTS), 0);
	assert_int_equal(stat(&r, MP_TCP_ST_RSS_MISSES), CONNS);
	rig_free(&r);

	rig_make(&r, 1, 0, 1, CONNS);
	open_and_check(&r, AF_INET, 1, 0, &rng);
	assert_int_equal(stat(&r, MP_TCP_ST_RSS_PORTS), 0);
	assert_int_equal(stat(&r, MP_TCP_ST_RSS_MISSES), 0);
	rig_free(&r);
}

int
test_tcp_rss_run(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_tcp_rss_replies_land_on_queue),
	        cmocka_unit_test(test_tcp_rss_skips_used_ports),
	        cmocka_unit_test(test_tcp_rss_fallbacks),
	};

	return cmocka_run_group_tests_name("tcp_rss", tests, NULL, NULL);
}
