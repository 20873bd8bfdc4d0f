/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/lb micro benchmarks: the cost of picking an endpoint for a new flow, per policy, and of
 * the 5-tuple hash Maglev consumes.
 *
 * Every iteration picks for a burst of 32 flows. The hashes come from a table of 4096 real
 * 5-tuple hashes that each iteration walks 32 further, so Maglev's lookups land all over its
 * 128 KiB ring (in L2 here: one cluster, nothing else running). The baseline is the cheapest
 * pick that still spreads flows, hash % n with n unknown to the compiler: report Maglev as a
 * ratio to it, measured in the same run. maglev_div reads the same ring with a hardware divide,
 * which is what the multiply-based reduction in lib/lb replaces.
 *
 * The L7 picks (lb/l7_*) take 64-bit keys or randoms from a table of 4096 walked the same way,
 * with an outlier state attached and nothing ejected, as the proxy runs them: Maglev through
 * mp_lb_pick_l7() (fold the key, read the ring, test the endpoint's ejection), least request
 * with two weighted random choices over uneven loads, and ring hash (a bucket-table read and a
 * short scan over 16384 or 2^20 points). Compare them with lb/maglev in the same run.
 *
 * Cluster objects and states need rte_malloc: the benchmarks that build one start the EAL
 * through mp_bench_eal().
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "harness.h"
#include "mp_lb.h"

#define BURST    32   /* a typical rx_burst size */
#define N_HASHES 4096 /* a power of two: the walk wraps with a mask */
#define LC_OPEN  1000 /* flows open before least connections is measured */

enum weights {
	W_EQUAL,  /* all 1 */
	W_1234,   /* 1, 2, 3, 4, 1, 2, ... */
	W_SKEWED, /* 1 + 599 i: round robin's period is too long to precompute */
};

struct lb_bench {
	enum mp_lb_policy policy;
	unsigned int n;
	enum weights weights;
	const char *desc;
};

static struct mp_conf conf;
static uint32_t hashes[N_HASHES] __rte_cache_aligned;
static uint64_t keys[N_HASHES] __rte_cache_aligned;

enum l7_kind {
	L7_MAGLEV, /* mp_lb_pick_l7() on a Maglev cluster */
	L7_P2C,    /* mp_lb_p2c_pick() */
	L7_RING,   /* mp_lb_ring_pick() */
};

struct l7_bench {
	struct lb_bench lb;
	enum l7_kind kind;
	uint32_t ring_size;
};

/* 4096 TCP flows from 64 clients x 64 source ports to one VIP. */
static void
bench_hashes(void)
{
	for (unsigned int i = 0; i < N_HASHES; i++)
		hashes[i] = mp_lb_hash_v4(htonl(0x0a010000 + i / 64), htonl(0xc0a80001),
		                          htons((uint16_t)(40000 + i % 64)), htons(443),
		                          IPPROTO_TCP, MP_LB_HASH_SEED);
}

/* One cluster of b->n endpoints with b's policy and weights, all up. */
static struct mp_lb_cluster *
bench_cluster(const struct lb_bench *b)
{
	struct mp_conf_cluster *cc = &conf.clusters[0];
	struct mp_lb_cluster *c = NULL;

	memset(&conf, 0, sizeof(conf));
	conf.n_clusters = 1;
	snprintf(cc->name, sizeof(cc->name), "bench");
	cc->policy = b->policy;
	cc->maglev_size = MP_CONF_DEF_MAGLEV_SIZE;
	cc->n_endpoints = b->n;
	conf.n_endpoints = b->n;
	for (unsigned int i = 0; i < b->n; i++) {
		struct mp_conf_endpoint *e = &conf.endpoints[i];

		e->addr.family = AF_INET;
		e->addr.prefix = 32;
		e->addr.v4 = htonl(0x0a000001 + i);
		e->port = 8080;
		e->weight = b->weights == W_EQUAL  ? 1
		            : b->weights == W_1234 ? 1 + i % 4
		                                   : 1 + 599 * i;
	}
	if (mp_lb_cluster_build(&conf, 0, NULL, SOCKET_ID_ANY, stderr, &c) != 0)
		return NULL;
	return c;
}

static void
bench_report(struct mp_bench_state *s, const struct lb_bench *b, unsigned int per_iter)
{
	mp_bench_set_label(s, b->desc);
	mp_bench_set_items(s, mp_bench_iterations(s) * per_iter);
	mp_bench_counter(s, "ns_per_pick", per_iter,
	                 MP_BENCH_C_RATE | MP_BENCH_C_PER_ITERATION | MP_BENCH_C_INVERT);
}

/* Set up cluster and state; false (and the run marked skipped) when that fails. */
static bool
bench_setup(struct mp_bench_state *s, const struct lb_bench *b, struct mp_lb_cluster **c,
            struct mp_lb_state **st)
{
	if (!mp_bench_eal()) {
		mp_bench_skip(s, "rte_eal_init failed");
		return false;
	}
	bench_hashes();
	*c = bench_cluster(b);
	if (*c == NULL) {
		mp_bench_skip(s, "mp_lb_cluster_build failed");
		return false;
	}
	*st = mp_lb_state_create(*c, SOCKET_ID_ANY, 1);
	if (*st == NULL) {
		mp_lb_cluster_free(*c);
		mp_bench_skip(s, "mp_lb_state_create failed");
		return false;
	}
	return true;
}

/* mp_lb_pick() once per flow of the burst: what a caller without a burst API would do. */
static void
pick_single(struct mp_bench_state *s, void *arg)
{
	const struct lb_bench *b = arg;
	struct mp_lb_cluster *c;
	struct mp_lb_state *st;
	int32_t eps[BURST];
	unsigned int off = 0;

	if (!bench_setup(s, b, &c, &st))
		return;
	if (b->policy == MP_LB_LEAST_CONN) {
		/* Uneven counts, so the scan's compares do not all tie. */
		for (unsigned int i = 0; i < LC_OPEN; i++)
			mp_lb_flow_open(st, (uint16_t)(hashes[i] % b->n));
	}
	while (mp_bench_keep_running(s)) {
		const uint32_t *h = &hashes[off];

		for (unsigned int i = 0; i < BURST; i++)
			eps[i] = mp_lb_pick(c, st, h[i]);
		mp_bench_do_not_optimize(eps);
		off = (off + BURST) & (N_HASHES - 1);
	}
	bench_report(s, b, BURST);
	mp_lb_state_free(st);
	mp_lb_cluster_free(c);
}

/* mp_lb_pick_bulk() on the burst. */
static void
pick_bulk(struct mp_bench_state *s, void *arg)
{
	const struct lb_bench *b = arg;
	struct mp_lb_cluster *c;
	struct mp_lb_state *st;
	int32_t eps[BURST];
	unsigned int off = 0;

	if (!bench_setup(s, b, &c, &st))
		return;
	while (mp_bench_keep_running(s)) {
		mp_lb_pick_bulk(c, st, &hashes[off], eps, BURST);
		mp_bench_do_not_optimize(eps);
		off = (off + BURST) & (N_HASHES - 1);
	}
	bench_report(s, b, BURST);
	mp_lb_state_free(st);
	mp_lb_cluster_free(c);
}

/* Baseline: hash % n, n hidden from the compiler so it divides as a real pick would. */
static void
baseline_mod(struct mp_bench_state *s, void *arg)
{
	const struct lb_bench *b = arg;
	uint32_t n = b->n;
	int32_t eps[BURST];
	unsigned int off = 0;

	bench_hashes();
	__asm__ volatile("" : "+r"(n));
	while (mp_bench_keep_running(s)) {
		const uint32_t *h = &hashes[off];

		for (unsigned int i = 0; i < BURST; i++)
			eps[i] = (int32_t)(h[i] % n);
		mp_bench_do_not_optimize(eps);
		off = (off + BURST) & (N_HASHES - 1);
	}
	bench_report(s, b, BURST);
}

/* Maglev's ring read with a hardware divide instead of lib/lb's multiply-based reduction. */
static void
maglev_div(struct mp_bench_state *s, void *arg)
{
	const struct lb_bench *b = arg;
	struct mp_lb_cluster *c;
	struct mp_lb_state *st;
	const uint16_t *ring;
	uint32_t m;
	int32_t eps[BURST];
	unsigned int off = 0;

	if (!bench_setup(s, b, &c, &st))
		return;
	ring = mp_lb_maglev_table(c, &m);
	__asm__ volatile("" : "+r"(m));
	while (mp_bench_keep_running(s)) {
		const uint32_t *h = &hashes[off];

		for (unsigned int i = 0; i < BURST; i++)
			eps[i] = ring[h[i] % m];
		mp_bench_do_not_optimize(eps);
		off = (off + BURST) & (N_HASHES - 1);
	}
	bench_report(s, b, BURST);
	mp_lb_state_free(st);
	mp_lb_cluster_free(c);
}

/* One Maglev build per iteration: what a health change costs the control thread. */
static void
maglev_build(struct mp_bench_state *s, void *arg)
{
	const struct lb_bench *b = arg;
	struct mp_lb_cluster *c;

	if (!mp_bench_eal()) {
		mp_bench_skip(s, "rte_eal_init failed");
		return;
	}
	c = bench_cluster(b);
	if (c == NULL) {
		mp_bench_skip(s, "mp_lb_cluster_build failed");
		return;
	}
	mp_lb_cluster_free(c);
	while (mp_bench_keep_running(s)) {
		c = NULL;
		mp_lb_cluster_build(&conf, 0, NULL, SOCKET_ID_ANY, stderr, &c);
		mp_lb_cluster_free(c);
	}
	mp_bench_set_label(s, b->desc);
	mp_bench_set_items(s, mp_bench_iterations(s));
	mp_bench_counter(s, "s_per_build", 1,
	                 MP_BENCH_C_RATE | MP_BENCH_C_PER_ITERATION | MP_BENCH_C_INVERT);
}

static void
hash_v4(struct mp_bench_state *s, void *arg)
{
	uint32_t out[BURST];
	unsigned int off = 0;

	(void)arg;
	while (mp_bench_keep_running(s)) {
		for (unsigned int i = 0; i < BURST; i++)
			out[i] = mp_lb_hash_v4(htonl(0x0a010000 + off), htonl(0xc0a80001),
			                       htons((uint16_t)(40000 + i)), htons(443),
			                       IPPROTO_TCP, MP_LB_HASH_SEED);
		mp_bench_do_not_optimize(out);
		off++;
	}
	mp_bench_set_label(s, "IPv4 5-tuple, 32 flows per iteration");
	mp_bench_set_items(s, mp_bench_iterations(s) * BURST);
	mp_bench_counter(s, "ns_per_hash", BURST,
	                 MP_BENCH_C_RATE | MP_BENCH_C_PER_ITERATION | MP_BENCH_C_INVERT);
}

static void
hash_v6(struct mp_bench_state *s, void *arg)
{
	uint8_t src[BURST][16], dst[16] = {0xfd, 0x01, [15] = 1};
	uint32_t out[BURST];
	unsigned int off = 0;

	(void)arg;
	for (unsigned int i = 0; i < BURST; i++) {
		memset(src[i], 0, 16);
		src[i][0] = 0xfd;
		src[i][15] = (uint8_t)i;
	}
	while (mp_bench_keep_running(s)) {
		for (unsigned int i = 0; i < BURST; i++)
			out[i] = mp_lb_hash_v6(src[i], dst, htons((uint16_t)(40000 + off)),
			                       htons(443), IPPROTO_TCP, MP_LB_HASH_SEED);
		mp_bench_do_not_optimize(out);
		off++;
	}
	mp_bench_set_label(s, "IPv6 5-tuple, 32 flows per iteration");
	mp_bench_set_items(s, mp_bench_iterations(s) * BURST);
	mp_bench_counter(s, "ns_per_hash", BURST,
	                 MP_BENCH_C_RATE | MP_BENCH_C_PER_ITERATION | MP_BENCH_C_INVERT);
}

/* The L7 picks, one key per flow of the burst, nothing ejected. */
static void
l7_pick(struct mp_bench_state *s, void *arg)
{
	const struct l7_bench *b = arg;
	struct mp_lb_outlier_params op;
	struct mp_lb_outlier *o;
	struct mp_lb_ring *ring = NULL;
	struct mp_lb_cluster *c;
	struct mp_lb_state *st;
	int32_t eps[BURST];
	unsigned int off = 0;

	if (!bench_setup(s, &b->lb, &c, &st))
		return;
	/* Two independent 32-bit hashes side by side: a well mixed 64-bit key. */
	for (unsigned int i = 0; i < N_HASHES; i++)
		keys[i] = (uint64_t)hashes[i] << 32 | hashes[N_HASHES - 1 - i];
	mp_lb_outlier_params_default(&op);
	o = mp_lb_outlier_create(b->lb.n, &op, SOCKET_ID_ANY);
	if (o == NULL ||
	    (b->kind == L7_RING && mp_lb_ring_build(c, b->ring_size, SOCKET_ID_ANY, &ring) != 0)) {
		mp_bench_skip(s, "outlier or ring setup failed");
		goto out;
	}
	/* Uneven loads, so P2C's comparisons do not all tie. */
	for (unsigned int i = 0; i < LC_OPEN; i++)
		mp_lb_flow_open(st, (uint16_t)(hashes[i] % b->lb.n));
	while (mp_bench_keep_running(s)) {
		const uint64_t *k = &keys[off];

		switch (b->kind) {
		case L7_MAGLEV:
			for (unsigned int i = 0; i < BURST; i++)
				eps[i] = mp_lb_pick_l7(c, st, o, -1, k[i], 0);
			break;
		case L7_P2C:
			for (unsigned int i = 0; i < BURST; i++)
				eps[i] = mp_lb_p2c_pick(c, st, o, -1, k[i], 0);
			break;
		case L7_RING:
			for (unsigned int i = 0; i < BURST; i++)
				eps[i] = mp_lb_ring_pick(ring, o, -1, k[i], 0);
			break;
		}
		mp_bench_do_not_optimize(eps);
		off = (off + BURST) & (N_HASHES - 1);
	}
	bench_report(s, &b->lb, BURST);
out:
	mp_lb_ring_free(ring);
	mp_lb_outlier_free(o);
	mp_lb_state_free(st);
	mp_lb_cluster_free(c);
}

static struct lb_bench maglev_10 = {MP_LB_MAGLEV, 10, W_EQUAL, "maglev, 10 endpoints, M=65537"};
static struct lb_bench maglev_100 = {MP_LB_MAGLEV, 100, W_EQUAL, "maglev, 100 endpoints, M=65537"};
static struct lb_bench maglev_100w = {MP_LB_MAGLEV, 100, W_1234,
                                      "maglev, 100 endpoints, weights 1:2:3:4, M=65537"};
static struct lb_bench mod_10 = {MP_LB_MAGLEV, 10, W_EQUAL, "hash % 10"};
static struct lb_bench mod_100 = {MP_LB_MAGLEV, 100, W_EQUAL, "hash % 100"};
static struct lb_bench rr_10 = {MP_LB_ROUND_ROBIN, 10, W_1234,
                                "round robin, 10 endpoints, weights 1:2:3:4 (precomputed)"};
static struct lb_bench rr_100 = {MP_LB_ROUND_ROBIN, 100, W_1234,
                                 "round robin, 100 endpoints, weights 1:2:3:4 (precomputed)"};
static struct lb_bench rr_live_100 = {MP_LB_ROUND_ROBIN, 100, W_SKEWED,
                                      "round robin, 100 endpoints, period too long: live"};
static struct lb_bench random_10 = {MP_LB_RANDOM, 10, W_1234,
                                    "random, 10 endpoints, weights 1:2:3:4"};
static struct lb_bench random_100 = {MP_LB_RANDOM, 100, W_1234,
                                     "random, 100 endpoints, weights 1:2:3:4"};
static struct lb_bench lc_10 = {MP_LB_LEAST_CONN, 10, W_1234,
                                "least connections, 10 endpoints, weights 1:2:3:4"};
static struct lb_bench lc_100 = {MP_LB_LEAST_CONN, 100, W_1234,
                                 "least connections, 100 endpoints, weights 1:2:3:4"};

static struct l7_bench l7_maglev_10 = {
        {MP_LB_MAGLEV, 10, W_1234, "L7 maglev, 10 endpoints, weights 1:2:3:4, M=65537"},
        L7_MAGLEV,
        0};
static struct l7_bench l7_maglev_100 = {
        {MP_LB_MAGLEV, 100, W_1234, "L7 maglev, 100 endpoints, weights 1:2:3:4, M=65537"},
        L7_MAGLEV,
        0};
static struct l7_bench l7_p2c_10 = {
        {MP_LB_LEAST_CONN, 10, W_1234, "least request P2C, 10 endpoints, weights 1:2:3:4"},
        L7_P2C,
        0};
static struct l7_bench l7_p2c_100 = {
        {MP_LB_LEAST_CONN, 100, W_1234, "least request P2C, 100 endpoints, weights 1:2:3:4"},
        L7_P2C,
        0};
static struct l7_bench l7_ring_10 = {
        {MP_LB_MAGLEV, 10, W_1234, "ring hash, 10 endpoints, weights 1:2:3:4, 16384 points"},
        L7_RING,
        MP_LB_RING_DEF_SIZE};
static struct l7_bench l7_ring_100 = {
        {MP_LB_MAGLEV, 100, W_1234, "ring hash, 100 endpoints, weights 1:2:3:4, 16384 points"},
        L7_RING,
        MP_LB_RING_DEF_SIZE};
static struct l7_bench l7_ring_100_big = {
        {MP_LB_MAGLEV, 100, W_1234, "ring hash, 100 endpoints, weights 1:2:3:4, 2^20 points"},
        L7_RING,
        1u << 20};

MP_BENCH_ARG(baseline_mod, "lb/baseline_mod/10", &mod_10);
MP_BENCH_ARG(pick_single, "lb/maglev/10", &maglev_10);
MP_BENCH_ARG(pick_bulk, "lb/maglev_bulk/10", &maglev_10);
MP_BENCH_ARG(maglev_div, "lb/maglev_div/10", &maglev_10);
MP_BENCH_ARG(baseline_mod, "lb/baseline_mod/100", &mod_100);
MP_BENCH_ARG(pick_single, "lb/maglev/100", &maglev_100);
MP_BENCH_ARG(pick_bulk, "lb/maglev_bulk/100", &maglev_100);
MP_BENCH_ARG(maglev_div, "lb/maglev_div/100", &maglev_100);
MP_BENCH_ARG(pick_single, "lb/round_robin/10", &rr_10);
MP_BENCH_ARG(pick_single, "lb/round_robin/100", &rr_100);
MP_BENCH_ARG(pick_single, "lb/round_robin_live/100", &rr_live_100);
MP_BENCH_ARG(pick_single, "lb/random/10", &random_10);
MP_BENCH_ARG(pick_single, "lb/random/100", &random_100);
MP_BENCH_ARG(pick_single, "lb/least_conn/10", &lc_10);
MP_BENCH_ARG(pick_single, "lb/least_conn/100", &lc_100);
MP_BENCH_ARG(l7_pick, "lb/l7_maglev/10", &l7_maglev_10);
MP_BENCH_ARG(l7_pick, "lb/l7_maglev/100", &l7_maglev_100);
MP_BENCH_ARG(l7_pick, "lb/l7_p2c/10", &l7_p2c_10);
MP_BENCH_ARG(l7_pick, "lb/l7_p2c/100", &l7_p2c_100);
MP_BENCH_ARG(l7_pick, "lb/l7_ring/10", &l7_ring_10);
MP_BENCH_ARG(l7_pick, "lb/l7_ring/100", &l7_ring_100);
MP_BENCH_ARG(l7_pick, "lb/l7_ring/100_2^20", &l7_ring_100_big);
MP_BENCH_ARG(hash_v4, "lb/hash_v4", NULL);
MP_BENCH_ARG(hash_v6, "lb/hash_v6", NULL);
MP_BENCH_ARG(maglev_build, "lb/maglev_build/100", &maglev_100);
MP_BENCH_ARG(maglev_build, "lb/maglev_build/100_weighted", &maglev_100w);
