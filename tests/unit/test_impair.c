/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/net impairment stage.
 *
 * Group "impair": the decision stream. Its probabilities, its determinism per (seed, port,
 * queue, direction) and the independence of its streams.
 *
 * Group "impair_port": the RX and TX callbacks on a ring port (rte_eth_from_rings), whose RX
 * ring the test fills and whose TX ring it empties. Every packet carries a sequence number;
 * what comes out is held against the stage's counters, and at the end of each test every
 * buffer is back in the pool (a leak leaves it short). The pool's cache hands a freed buffer
 * out again at once, so a buffer freed while the stage still holds it (the TX callback lets
 * the sender free the packets it keeps, with an extra reference) comes back as another
 * packet and the sequence numbers show it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "mp_impair.h"
#include "test_eal.h"

#define DRAWS      1000000
#define STREAM     256
#define TSC_HZ     2500000000ull
#define SIGMAS     5.0 /* binomial bounds: a correct stream fails one in millions of runs */
#define POOL_N     4095
#define RING_N     4096
#define PKT_N      2000u
#define BURST      32u
#define MAX_SEQ    PKT_N
#define PKT_LEN    64
#define POOL_CACHE 256

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

/* ------------------------------------------------------------------------------------------ */
/* Callbacks on a ring port                                                                   */

struct ring_port {
	struct rte_ring *rx, *tx;
	uint16_t port_id;
	struct mp_impair *im;
};

static struct rte_mempool *pool;

static int
port_group_setup(void **state)
{
	(void)state;
	if (test_eal_init("test_impair", "256") < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("impair_pool", POOL_N, POOL_CACHE, 0,
	                               RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	return pool == NULL ? -1 : 0;
}

static void
ring_port_open(struct ring_port *rp, const char *name, const struct mp_conf_impair *c)
{
	static const struct rte_eth_conf eth_conf;
	char rn[RTE_RING_NAMESIZE];
	int id;

	snprintf(rn, sizeof(rn), "%s_rx", name);
	rp->rx = rte_ring_create(rn, RING_N, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rn, sizeof(rn), "%s_tx", name);
	rp->tx = rte_ring_create(rn, RING_N, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(rp->rx);
	assert_non_null(rp->tx);
	id = rte_eth_from_rings(name, &rp->rx, 1, &rp->tx, 1, rte_socket_id());
	assert_true(id >= 0);
	rp->port_id = (uint16_t)id;
	/* As drivers/net/port.c does: configure, queues, the stage, start. */
	assert_int_equal(rte_eth_dev_configure(rp->port_id, 1, 1, &eth_conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(rp->port_id, 0, RING_N, 0, NULL, pool), 0);
	assert_int_equal(rte_eth_tx_queue_setup(rp->port_id, 0, RING_N, 0, NULL), 0);
	assert_int_equal(mp_impair_attach(rp->port_id, 0, name, 1, c, pool, &rp->im), 0);
	assert_int_equal(rte_eth_dev_start(rp->port_id), 0);
}

static void
free_ring(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

/* Close the port and check that every buffer went back to the pool exactly once. */
static void
ring_port_close(struct ring_port *rp)
{
	rte_eth_dev_stop(rp->port_id);
	mp_impair_detach(rp->im);
	rte_eth_dev_close(rp->port_id);
	free_ring(rp->rx);
	free_ring(rp->tx);
	rte_ring_free(rp->rx);
	rte_ring_free(rp->tx);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
}

/* A 64-byte packet whose first 4 bytes are its sequence number. */
static struct rte_mbuf *
pkt(uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *p;

	assert_non_null(m);
	p = rte_pktmbuf_append(m, PKT_LEN);
	assert_non_null(p);
	memcpy(p, &seq, sizeof(seq));
	return m;
}

static uint32_t
seq_of(struct rte_mbuf *m)
{
	uint32_t seq;

	memcpy(&seq, rte_pktmbuf_mtod(m, const char *), sizeof(seq));
	return seq;
}

/* Poll RX until n polls in a row return nothing; record and free what arrives. */
static unsigned int
rx_drain(struct ring_port *rp, uint32_t *order, unsigned int cap, uint8_t *seen)
{
	struct rte_mbuf *b[BURST];
	unsigned int got = 0, idle = 0, i;
	uint16_t n;

	while (idle < 4) {
		n = rte_eth_rx_burst(rp->port_id, 0, b, BURST);
		idle = n == 0 && rte_ring_count(rp->rx) == 0 ? idle + 1 : 0;
		for (i = 0; i < n; i++) {
			uint32_t s = seq_of(b[i]);

			assert_true(s < MAX_SEQ);
			seen[s]++;
			if (got < cap)
				order[got] = s;
			got++;
			rte_pktmbuf_free(b[i]);
		}
	}
	return got;
}

static void
rx_feed(struct ring_port *rp, uint32_t first, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(rte_ring_enqueue(rp->rx, pkt(first + i)), 0);
}

/* Each of PKT_N packets arrived at most twice; the counters say which were dropped, copied. */
static void
assert_fates(const uint8_t *seen, const struct mp_impair_counters *k)
{
	unsigned int i, twice = 0, none = 0;

	for (i = 0; i < PKT_N; i++) {
		assert_true(seen[i] <= 2);
		twice += seen[i] == 2;
		none += seen[i] == 0;
	}
	assert_int_equal(k->pkts, PKT_N);
	assert_int_equal(k->dropped, none);
	assert_int_equal(k->duplicated, twice);
}

static void
test_rx_loss_duplicate(void **state)
{
	struct mp_conf_impair c = {.enabled = true, .loss = 0.3, .duplicate = 0.2, .seed = 3};
	static uint8_t seen[MAX_SEQ];
	struct mp_impair_counters k;
	struct ring_port rp;
	unsigned int i;

	(void)state;
	memset(seen, 0, sizeof(seen));
	ring_port_open(&rp, "imp_rx_loss", &c);
	for (i = 0; i < PKT_N; i += BURST) {
		rx_feed(&rp, i, RTE_MIN(BURST, PKT_N - i));
		rx_drain(&rp, NULL, 0, seen);
	}
	mp_impair_sum(rp.im, MP_IMPAIR_RX, &k);
	assert_fates(seen, &k);
	assert_int_equal(k.dup_failed + k.hold_full + k.reordered + k.delayed, 0);
	assert_proportion("rx loss", k.dropped, PKT_N, c.loss);
	assert_proportion("rx duplicate", k.duplicated, PKT_N - k.dropped, c.duplicate);
	ring_port_close(&rp);
}

/* Delayed packets leave on a later poll that receives nothing, in order, not before. */
static void
test_rx_delay(void **state)
{
	struct mp_conf_impair c = {.enabled = true, .delay_ms = 3, .jitter_ms = 2, .seed = 5};
	static uint8_t seen[MAX_SEQ];
	uint32_t order[BURST];
	struct rte_mbuf *b[BURST];
	struct mp_impair_counters k;
	struct ring_port rp;
	uint64_t t0;
	unsigned int i;

	(void)state;
	memset(seen, 0, sizeof(seen));
	ring_port_open(&rp, "imp_rx_delay", &c);
	rx_feed(&rp, 0, BURST);
	t0 = rte_get_timer_cycles();
	assert_int_equal(rte_eth_rx_burst(rp.port_id, 0, b, BURST), 0);
	assert_int_equal(rte_ring_count(rp.rx), 0);
	/* Still held 2 ms later (the delay is 3 ms); the check is skipped on a stalled run. */
	rte_delay_us_block(2000);
	if (rte_get_timer_cycles() - t0 < rte_get_timer_hz() * 29 / 10000)
		assert_int_equal(rte_eth_rx_burst(rp.port_id, 0, b, BURST), 0);
	rte_delay_us_block(4000); /* past 3 + 2 ms */
	assert_int_equal(rx_drain(&rp, order, BURST, seen), BURST);
	for (i = 0; i < BURST; i++)
		assert_int_equal(order[i], i); /* jitter does not reorder */
	mp_impair_sum(rp.im, MP_IMPAIR_RX, &k);
	assert_int_equal(k.delayed, BURST);
	ring_port_close(&rp);
}

/* A reordered packet changes places with the next one; a last one leaves alone, later. */
static void
test_rx_reorder(void **state)
{
	struct mp_conf_impair c = {.enabled = true, .reorder = 0.3, .seed = 9};
	static uint8_t seen[MAX_SEQ];
	static uint32_t order[PKT_N];
	struct mp_impair_counters k;
	struct ring_port rp;
	unsigned int got, i, moved = 0;

	(void)state;
	memset(seen, 0, sizeof(seen));
	ring_port_open(&rp, "imp_rx_reorder", &c);
	rx_feed(&rp, 0, PKT_N);
	got = rx_drain(&rp, order, PKT_N, seen);
	rte_delay_us_block(MP_IMPAIR_REORDER_US + 1000);
	got += rx_drain(&rp, order + got, PKT_N - got, seen); /* a packet held at the end */
	assert_int_equal(got, PKT_N);
	for (i = 0; i < PKT_N; i++) {
		assert_int_equal(seen[i], 1);
		/* Each packet is at most one place from its own. */
		assert_true(order[i] + 1 >= i && order[i] <= i + 1);
		moved += order[i] == i + 1;
	}
	mp_impair_sum(rp.im, MP_IMPAIR_RX, &k);
	/* Each swap is one reordered packet; one held at the end went alone, in place. */
	assert_true(moved > 0);
	assert_true(k.reordered == moved || k.reordered == moved + 1);
	ring_port_close(&rp);
}

/*
 * TX with everything on: the sender frees what tx_burst reports unsent, as meshpath's TX
 * buffer does. What reaches the wire matches the counters, and the pool balances.
 */
static void
test_tx_all(void **state)
{
	struct mp_conf_impair c = {.enabled = true,
	                           .loss = 0.1,
	                           .duplicate = 0.1,
	                           .reorder = 0.1,
	                           .delay_ms = 1,
	                           .seed = 13};
	static uint8_t seen[MAX_SEQ];
	struct rte_mbuf *b[BURST], *m;
	struct mp_impair_counters k;
	struct ring_port rp;
	unsigned int i, j, wire = 0;
	uint16_t sent;

	(void)state;
	memset(seen, 0, sizeof(seen));
	ring_port_open(&rp, "imp_tx", &c);
	for (i = 0; i < PKT_N; i += BURST) {
		unsigned int n = RTE_MIN(BURST, PKT_N - i);

		for (j = 0; j < n; j++)
			b[j] = pkt(i + j);
		sent = rte_eth_tx_burst(rp.port_id, 0, b, (uint16_t)n);
		for (j = sent; j < n; j++)
			rte_pktmbuf_free(b[j]);
	}
	/* Nothing more is sent: RX polls, even empty, release what TX still holds. */
	rte_delay_us_block(MP_IMPAIR_REORDER_US + 2000);
	for (i = 0; i < 8; i++)
		assert_int_equal(rte_eth_rx_burst(rp.port_id, 0, b, BURST), 0);
	while (rte_ring_dequeue(rp.tx, (void **)&m) == 0) {
		assert_true(seq_of(m) < MAX_SEQ);
		seen[seq_of(m)]++;
		wire++;
		rte_pktmbuf_free(m);
	}
	mp_impair_sum(rp.im, MP_IMPAIR_TX, &k);
	assert_fates(seen, &k);
	assert_int_equal(wire, PKT_N - k.dropped + k.duplicated);
	assert_int_equal(k.delayed, PKT_N - k.dropped + k.duplicated);
	assert_true(k.reordered > 0);
	ring_port_close(&rp);
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
	const struct CMUnitTest port_tests[] = {
	        cmocka_unit_test(test_rx_loss_duplicate),
	        cmocka_unit_test(test_rx_delay),
	        cmocka_unit_test(test_rx_reorder),
	        cmocka_unit_test(test_tx_all),
	};
	int failed;

	failed = cmocka_run_group_tests_name("impair", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("impair_port", port_tests, port_group_setup, NULL);
	return failed != 0;
}
