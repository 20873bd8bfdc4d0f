/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the neighbour table (lib/net/neigh.c).
 *
 * The table never reads an mbuf, so the packets are fake: addresses inside a static array,
 * which also lets the drop callback count how often each one comes back. Time is passed in
 * explicitly; no clock is read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_eal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_memory.h>

#include "mp_net.h"
#include "test_net.h"

/* Fake packets: one cache line each so the pointers look like real mbufs. */
#define PKT_POOL   8192
#define PKT_STRIDE 64
/* Calls to remember in order, for the tests that check order or keys. */
#define LOG_LEN    256
/* Visit every slot in one mp_neigh_expire() call. */
#define BUDGET_ALL UINT_MAX

/* Parameters most tests use; a test that needs others changes its copy. */
#define T_REACHABLE  1000
#define T_RETRANS    100
#define T_MAX_PROBES 3

static char pkt_pool[PKT_POOL][PKT_STRIDE] __rte_cache_aligned;

#define PKT(i) ((struct rte_mbuf *)(void *)pkt_pool[(i)])

/* What the callbacks saw during the current test. */
static struct {
	unsigned int drops;
	uint16_t drop_count[PKT_POOL];
	struct rte_mbuf *drop_log[LOG_LEN];
	unsigned int probes;
	struct mp_neigh_key probe_log[LOG_LEN];
} rec;

/* The table of the current test; the per-test teardown frees it even when an assert failed. */
static struct mp_neigh_table *cur;
static unsigned int name_seq;

static unsigned int
pkt_index(const struct rte_mbuf *m)
{
	uintptr_t off = (uintptr_t)m - (uintptr_t)pkt_pool;

	assert_true((uintptr_t)m >= (uintptr_t)pkt_pool);
	assert_true(off % PKT_STRIDE == 0);
	assert_true(off / PKT_STRIDE < PKT_POOL);
	return (unsigned int)(off / PKT_STRIDE);
}

static void
rec_drop(struct rte_mbuf *m, void *arg)
{
	assert_ptr_equal(arg, &rec);
	if (rec.drops < LOG_LEN)
		rec.drop_log[rec.drops] = m;
	rec.drops++;
	rec.drop_count[pkt_index(m)]++;
}

static void
rec_probe(const struct mp_neigh_key *k, void *arg)
{
	assert_ptr_equal(arg, &rec);
	if (rec.probes < LOG_LEN)
		rec.probe_log[rec.probes] = *k;
	rec.probes++;
}

/* Times key k was passed to the probe callback (within the logged calls). */
static unsigned int
probes_of(const struct mp_neigh_key *k)
{
	unsigned int i, n = 0;

	for (i = 0; i < rec.probes && i < LOG_LEN; i++)
		n += memcmp(&rec.probe_log[i], k, sizeof(*k)) == 0;
	return n;
}

/* Parameters with a fresh name. The names live in a ring so a test may hold a few at once. */
static struct mp_neigh_params
params_default(uint32_t entries, uint32_t queue_len)
{
	static char names[8][32];
	char *name = names[name_seq % RTE_DIM(names)];
	struct mp_neigh_params p;

	snprintf(name, sizeof(names[0]), "tneigh%u", name_seq++);
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.socket_id = SOCKET_ID_ANY;
	p.entries = entries;
	p.queue_len = queue_len;
	p.reachable_tsc = T_REACHABLE;
	p.retrans_tsc = T_RETRANS;
	p.max_probes = T_MAX_PROBES;
	return p;
}

static struct mp_neigh_table *
table_new_params(const struct mp_neigh_params *p)
{
	assert_null(cur);
	cur = mp_neigh_create(p);
	assert_non_null(cur);
	return cur;
}

static struct mp_neigh_table *
table_new(uint32_t entries, uint32_t queue_len)
{
	struct mp_neigh_params p = params_default(entries, queue_len);

	return table_new_params(&p);
}

static struct mp_neigh_key
key4(uint16_t port, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	const uint8_t addr[4] = {a, b, c, d};
	struct mp_neigh_key k;

	mp_neigh_key_make(&k, AF_INET, port, addr);
	return k;
}

/* 2001:db8::<hi>:<lo> */
static struct mp_neigh_key
key6(uint16_t port, uint16_t hi, uint16_t lo)
{
	uint8_t addr[16] = {0x20, 0x01, 0x0d, 0xb8};
	struct mp_neigh_key k;

	addr[12] = (uint8_t)(hi >> 8);
	addr[13] = (uint8_t)hi;
	addr[14] = (uint8_t)(lo >> 8);
	addr[15] = (uint8_t)lo;
	mp_neigh_key_make(&k, AF_INET6, port, addr);
	return k;
}

/* A distinct key for each (round, i), IPv4 and IPv6 alternately, over three ports. */
static struct mp_neigh_key
key_nth(unsigned int round, unsigned int i)
{
	if (i % 2 == 0)
		return key4((uint16_t)(i % 3), 10, (uint8_t)round, (uint8_t)(i >> 8), (uint8_t)i);
	return key6((uint16_t)(i % 3), (uint16_t)round, (uint16_t)i);
}

static struct rte_ether_addr
mac_n(uint8_t n)
{
	struct rte_ether_addr mac = {{0x02, 0x00, 0x5e, 0x00, 0x00, n}};

	return mac;
}

static void
assert_mac_equal(const struct rte_ether_addr *a, const struct rte_ether_addr *b)
{
	assert_memory_equal(a->addr_bytes, b->addr_bytes, RTE_ETHER_ADDR_LEN);
}

/* Field by field: the struct has padding that memcmp would see. */
static void
assert_info_equal(struct mp_neigh_info a, const struct mp_neigh_info *b)
{
	assert_memory_equal(&a.key, &b->key, sizeof(a.key));
	assert_mac_equal(&a.mac, &b->mac);
	assert_int_equal(a.state, b->state);
	assert_int_equal(a.updated_tsc, b->updated_tsc);
	assert_int_equal(a.held, b->held);
	assert_int_equal(a.probes, b->probes);
}

static enum mp_neigh_verdict
resolve(const struct mp_neigh_key *k, uint64_t now, struct rte_mbuf *m, bool *probe)
{
	struct rte_ether_addr mac;

	return mp_neigh_resolve(cur, k, now, m, &mac, probe);
}

static void
expire(uint64_t now, unsigned int budget)
{
	mp_neigh_expire(cur, now, budget, rec_probe, rec_drop, &rec);
}

static struct mp_neigh_info
info_of(const struct mp_neigh_key *k)
{
	struct mp_neigh_info info;

	memset(&info, 0, sizeof(info));
	assert_true(mp_neigh_get(cur, k, &info));
	return info;
}

/* ---------------------------------------------------------------------------------------- */

static void
test_key_make(void **state)
{
	const uint8_t a4[4] = {192, 0, 2, 1};
	struct mp_neigh_key k;

	(void)state;
	/* Garbage first: the helper must clear every byte the hash compares. */
	memset(&k, 0xff, sizeof(k));
	mp_neigh_key_make(&k, AF_INET, 7, a4);
	assert_memory_equal(k.addr, a4, 4);
	for (unsigned int i = 4; i < sizeof(k.addr); i++)
		assert_int_equal(k.addr[i], 0);
	assert_int_equal(k.port, 7);
	assert_int_equal(k.family, AF_INET);
	assert_int_equal(k.pad, 0);
}

static void
test_create_invalid(void **state)
{
	struct mp_neigh_params p = params_default(16, 4);
	struct mp_neigh_table *t, *t2;
	uint32_t log_level;
	int err;

	(void)state;
	assert_null(mp_neigh_create(NULL));
	assert_int_equal(rte_errno, EINVAL);

	p.entries = 0;
	assert_null(mp_neigh_create(&p));
	assert_int_equal(rte_errno, EINVAL);

	p = params_default(16, 4);
	p.max_probes = 0;
	assert_null(mp_neigh_create(&p));
	assert_int_equal(rte_errno, EINVAL);

	p = params_default(16, 4);
	p.name = NULL;
	assert_null(mp_neigh_create(&p));
	assert_int_equal(rte_errno, EINVAL);

	/* Two tables with one name: the second is refused, the first still works. */
	p = params_default(16, 4);
	t = table_new_params(&p);
	log_level = rte_log_get_global_level(); /* the refusal is logged by rte_ring: expected */
	rte_log_set_global_level(RTE_LOG_EMERG);
	t2 = mp_neigh_create(&p);
	err = rte_errno;
	rte_log_set_global_level(log_level);
	assert_null(t2);
	assert_int_equal(err, EEXIST);
	assert_int_equal(mp_neigh_count(t), 0);

	/* A smaller capacity than the hash minimum is accepted. */
	p = params_default(1, 1);
	t = mp_neigh_create(&p);
	assert_non_null(t);
	mp_neigh_free(t, rec_drop, &rec);
	mp_neigh_free(NULL, rec_drop, &rec);
	assert_int_equal(rec.drops, 0);
}

static void
test_miss_creates_incomplete(void **state)
{
	struct mp_neigh_key k = key4(0, 10, 0, 0, 1);
	const struct mp_neigh_stats *st;
	struct rte_ether_addr mac;
	struct mp_neigh_info info;
	bool probe = false;

	(void)state;
	table_new(16, 4);
	assert_false(mp_neigh_get(cur, &k, &info));

	assert_int_equal(mp_neigh_resolve(cur, &k, 1000, PKT(0), &mac, &probe), MP_NEIGH_HELD);
	assert_true(probe);

	info = info_of(&k);
	assert_memory_equal(&info.key, &k, sizeof(k));
	assert_int_equal(info.state, MP_NEIGH_INCOMPLETE);
	assert_true(rte_is_zero_ether_addr(&info.mac));
	assert_int_equal(info.updated_tsc, 1000);
	assert_int_equal(info.held, 1);
	assert_int_equal(info.probes, 1);
	assert_int_equal(mp_neigh_count(cur), 1);

	st = mp_neigh_stats(cur);
	assert_int_equal(st->created, 1);
	assert_int_equal(st->probes, 1);
	assert_int_equal(st->learned + st->resolved + st->stale + st->expired, 0);
	assert_int_equal(st->unresolved + st->released + st->dropped, 0);
}

static void
test_second_miss_holds(void **state)
{
	struct mp_neigh_key k = key4(0, 10, 0, 0, 1);
	struct mp_neigh_key k2 = key4(0, 10, 0, 0, 2);
	bool probe;

	(void)state;
	table_new(16, 4);
	assert_int_equal(resolve(&k, 1000, PKT(0), &probe), MP_NEIGH_HELD);
	assert_true(probe);
	assert_int_equal(resolve(&k, 1010, PKT(1), &probe), MP_NEIGH_HELD);
	assert_false(probe);
	/* A look-up without a packet answers the same and holds nothing. */
	assert_int_equal(resolve(&k, 1020, NULL, &probe), MP_NEIGH_HELD);
	assert_false(probe);
	/* Even after retrans_tsc: retransmissions come from expire, not from resolve. */
	assert_int_equal(resolve(&k, 1000 + 5 * T_RETRANS, PKT(2), &probe), MP_NEIGH_HELD);
	assert_false(probe);
	assert_int_equal(info_of(&k).held, 3);
	assert_int_equal(info_of(&k).probes, 1);
	assert_int_equal(info_of(&k).updated_tsc, 1000);
	assert_int_equal(mp_neigh_stats(cur)->probes, 1);
	assert_int_equal(mp_neigh_stats(cur)->created, 1);

	/* A miss without a packet still creates the entry and asks for the solicitation. */
	assert_int_equal(resolve(&k2, 1030, NULL, &probe), MP_NEIGH_HELD);
	assert_true(probe);
	assert_int_equal(info_of(&k2).held, 0);
	assert_int_equal(info_of(&k2).state, MP_NEIGH_INCOMPLETE);
	assert_int_equal(mp_neigh_count(cur), 2);
}

static void
test_queue_full(void **state)
{
	struct mp_neigh_key k = key4(1, 192, 168, 1, 1);
	struct rte_ether_addr mac = mac_n(1);
	struct rte_mbuf *out[8];
	unsigned int i, n;
	bool probe;

	(void)state;
	table_new(16, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(resolve(&k, 1000 + i, PKT(i), &probe), MP_NEIGH_HELD);
		assert_int_equal(probe, i == 0);
	}
	assert_int_equal(resolve(&k, 1010, PKT(4), &probe), MP_NEIGH_QUEUE_FULL);
	assert_false(probe);
	assert_int_equal(resolve(&k, 1011, PKT(5), &probe), MP_NEIGH_QUEUE_FULL);
	assert_int_equal(info_of(&k).held, 4);

	/* Only the held four come back; the refused ones were never stored. */
	for (i = 0; i < 8; i++)
		out[i] = PKT(PKT_POOL - 1);
	n = mp_neigh_learn(cur, &k, &mac, 1100, false, out);
	assert_int_equal(n, 4);
	for (i = 0; i < 4; i++)
		assert_ptr_equal(out[i], PKT(i));
	assert_ptr_equal(out[4], PKT(PKT_POOL - 1));
	assert_int_equal(mp_neigh_stats(cur)->released, 4);
}

static void
test_queue_len_zero(void **state)
{
	struct mp_neigh_key k = key4(0, 10, 9, 9, 9);
	struct rte_ether_addr mac = mac_n(9);
	struct rte_mbuf *out[1] = {NULL};
	bool probe;

	(void)state;
	/* A table that holds nothing still resolves: the packet is refused, the probe asked for. */
	table_new(8, 0);
	assert_int_equal(resolve(&k, 10, PKT(0), &probe), MP_NEIGH_QUEUE_FULL);
	assert_true(probe);
	assert_int_equal(info_of(&k).state, MP_NEIGH_INCOMPLETE);
	assert_int_equal(resolve(&k, 11, NULL, &probe), MP_NEIGH_HELD);
	assert_false(probe);
	assert_int_equal(mp_neigh_learn(cur, &k, &mac, 20, false, out), 0);
	assert_null(out[0]);
	assert_int_equal(resolve(&k, 21, PKT(0), &probe), MP_NEIGH_OK);
}

static void
test_table_full(void **state)
{
	struct mp_neigh_key extra = key4(0, 10, 0, 1, 0);
	struct rte_ether_addr mac = mac_n(5);
	struct rte_mbuf *out[4];
	struct mp_neigh_key k;
	unsigned int i;
	bool probe;

	(void)state;
	/* 5 is below the hash's minimum size: the table must still stop at 5. */
	table_new(5, 2);
	for (i = 0; i < 5; i++) {
		k = key4(0, 10, 0, 0, (uint8_t)(i + 1));
		assert_int_equal(resolve(&k, 100, PKT(i), &probe), MP_NEIGH_HELD);
		assert_true(probe);
	}
	assert_int_equal(mp_neigh_count(cur), 5);

	assert_int_equal(resolve(&extra, 101, PKT(10), &probe), MP_NEIGH_TABLE_FULL);
	assert_false(probe);
	assert_false(mp_neigh_get(cur, &extra, NULL));
	/* learn may not create either, and says so by releasing nothing */
	assert_int_equal(mp_neigh_learn(cur, &extra, &mac, 102, true, out), 0);
	assert_false(mp_neigh_get(cur, &extra, NULL));
	assert_int_equal(mp_neigh_count(cur), 5);
	assert_int_equal(mp_neigh_stats(cur)->created, 5);
	assert_int_equal(mp_neigh_stats(cur)->probes, 5);

	/* Existing entries are unaffected. */
	k = key4(0, 10, 0, 0, 3);
	assert_int_equal(resolve(&k, 103, PKT(11), &probe), MP_NEIGH_HELD);
	assert_false(probe);
	assert_int_equal(mp_neigh_learn(cur, &k, &mac, 104, false, out), 2);
	assert_ptr_equal(out[0], PKT(2));
	assert_ptr_equal(out[1], PKT(11));

	/* Freeing hands back what is held, and never the refused packet. */
	mp_neigh_free(cur, rec_drop, &rec);
	cur = NULL;
	assert_int_equal(rec.drops, 4);
	assert_int_equal(rec.drop_count[10], 0);
	assert_int_equal(rec.drop_count[2], 0);
	assert_int_equal(rec.drop_count[11], 0);
}

static void
test_learn_releases_fifo(void **state)
{
	struct mp_neigh_key k = key6(2, 0, 0x42);
	struct rte_ether_addr a = mac_n(0xa), got;
	const struct mp_neigh_stats *st;
	struct rte_mbuf *out[8];
	struct mp_neigh_info info;
	unsigned int i, n;
	bool probe;

	(void)state;
	table_new(16, 8);
	for (i = 0; i < 5; i++)
		assert_int_equal(resolve(&k, 1000 + i, PKT(20 + i), &probe), MP_NEIGH_HELD);

	/* The usual answer to our own solicitation: create false, the entry exists. */
	for (i = 0; i < 8; i++)
		out[i] = NULL;
	n = mp_neigh_learn(cur, &k, &a, 1050, false, out);
	assert_int_equal(n, 5);
	for (i = 0; i < 5; i++)
		assert_ptr_equal(out[i], PKT(20 + i));
	assert_null(out[5]);

	info = info_of(&k);
	assert_int_equal(info.state, MP_NEIGH_REACHABLE);
	assert_mac_equal(&info.mac, &a);
	assert_int_equal(info.held, 0);
	assert_int_equal(info.probes, 0);
	assert_int_equal(info.updated_tsc, 1050);

	assert_int_equal(mp_neigh_resolve(cur, &k, 1060, PKT(30), &got, &probe), MP_NEIGH_OK);
	assert_false(probe);
	assert_mac_equal(&got, &a);
	assert_int_equal(info_of(&k).held, 0);

	st = mp_neigh_stats(cur);
	assert_int_equal(st->created, 1);
	assert_int_equal(st->learned, 1);
	assert_int_equal(st->resolved, 1);
	assert_int_equal(st->released, 5);
	assert_int_equal(st->dropped, 0);

	/* A second confirmation releases nothing and resolves nothing. */
	assert_int_equal(mp_neigh_learn(cur, &k, &a, 1070, false, out), 0);
	assert_int_equal(st->learned, 2);
	assert_int_equal(st->resolved, 1);
	assert_int_equal(st->released, 5);
	assert_int_equal(info_of(&k).updated_tsc, 1070);

	/* learn with create true on an INCOMPLETE entry resolves it the same way */
	k = key6(2, 0, 0x43);
	assert_int_equal(resolve(&k, 1100, PKT(40), &probe), MP_NEIGH_HELD);
	assert_int_equal(mp_neigh_learn(cur, &k, &a, 1110, true, out), 1);
	assert_ptr_equal(out[0], PKT(40));
	assert_int_equal(st->created, 2);
	assert_int_equal(st->resolved, 2);
	assert_int_equal(st->released, 6);
	assert_int_equal(rec.drops, 0);
}

static void
test_learn_create_false(void **state)
{
	struct mp_neigh_key k = key4(3, 172, 16, 0, 1);
	struct rte_ether_addr a = mac_n(1), b = mac_n(2), got;
	const struct mp_neigh_stats *st;
	struct rte_mbuf *out[4];
	bool probe;

	(void)state;
	table_new(16, 4);
	st = mp_neigh_stats(cur);

	/* Unsolicited: not added, not counted. */
	assert_int_equal(mp_neigh_learn(cur, &k, &a, 100, false, out), 0);
	assert_false(mp_neigh_get(cur, &k, NULL));
	assert_int_equal(mp_neigh_count(cur), 0);
	assert_int_equal(st->learned, 0);
	assert_int_equal(st->created, 0);

	assert_int_equal(mp_neigh_learn(cur, &k, &a, 100, true, out), 0);
	assert_int_equal(mp_neigh_count(cur), 1);
	assert_int_equal(info_of(&k).state, MP_NEIGH_REACHABLE);
	assert_int_equal(st->created, 1);
	assert_int_equal(st->learned, 1);
	assert_int_equal(st->resolved, 0);
	assert_int_equal(mp_neigh_resolve(cur, &k, 110, NULL, &got, &probe), MP_NEIGH_OK);
	assert_mac_equal(&got, &a);

	/* A known entry is updated without create: the neighbour changed its MAC. */
	assert_int_equal(mp_neigh_learn(cur, &k, &b, 200, false, out), 0);
	assert_int_equal(mp_neigh_resolve(cur, &k, 210, PKT(0), &got, &probe), MP_NEIGH_OK);
	assert_false(probe);
	assert_mac_equal(&got, &b);
	assert_int_equal(info_of(&k).updated_tsc, 200);
	assert_int_equal(st->learned, 2);
	assert_int_equal(st->created, 1);
	assert_int_equal(mp_neigh_count(cur), 1);
}

static void
test_keys_distinct(void **state)
{
	const uint8_t a6_like_a4[16] = {10, 0, 0, 1}; /* same leading bytes as 10.0.0.1 */
	struct mp_neigh_key keys[5];
	struct rte_ether_addr mac, got;
	struct rte_mbuf *out[4];
	unsigned int i;
	bool probe;

	(void)state;
	table_new(16, 4);
	keys[0] = key4(0, 10, 0, 0, 1);
	keys[1] = key4(1, 10, 0, 0, 1);
	mp_neigh_key_make(&keys[2], AF_INET6, 0, a6_like_a4);
	mp_neigh_key_make(&keys[3], AF_INET6, 1, a6_like_a4);
	keys[4] = key6(0, 0, 1);
	for (i = 0; i < 5; i++) {
		mac = mac_n((uint8_t)(0x10 + i));
		assert_int_equal(mp_neigh_learn(cur, &keys[i], &mac, 100, true, out), 0);
	}
	assert_int_equal(mp_neigh_count(cur), 5);
	for (i = 0; i < 5; i++) {
		mac = mac_n((uint8_t)(0x10 + i));
		assert_int_equal(mp_neigh_resolve(cur, &keys[i], 150, NULL, &got, &probe),
		                 MP_NEIGH_OK);
		assert_mac_equal(&got, &mac);
	}

	/* An unresolved port-2 twin does not disturb the others. */
	keys[0].port = 2;
	assert_int_equal(resolve(&keys[0], 160, PKT(0), &probe), MP_NEIGH_HELD);
	assert_true(probe);
	assert_int_equal(mp_neigh_count(cur), 6);
}

static void
test_retrans_then_unresolved(void **state)
{
	struct mp_neigh_key k = key4(0, 10, 1, 1, 1);
	struct mp_neigh_key other = key4(0, 10, 1, 1, 2);
	const uint64_t t0 = 1000;
	const struct mp_neigh_stats *st;
	unsigned int i, before;
	bool probe;

	(void)state;
	table_new(16, 4);
	st = mp_neigh_stats(cur);
	for (i = 0; i < 3; i++)
		assert_int_equal(resolve(&k, t0, PKT(i), &probe), MP_NEIGH_HELD);

	expire(t0 + T_RETRANS - 1, BUDGET_ALL);
	assert_int_equal(rec.probes, 0);
	expire(t0 + T_RETRANS, BUDGET_ALL);
	assert_int_equal(rec.probes, 1);
	assert_memory_equal(&rec.probe_log[0], &k, sizeof(k));
	assert_int_equal(info_of(&k).probes, 2);
	/* paced from the last probe, not from creation */
	expire(t0 + T_RETRANS + T_RETRANS / 2, BUDGET_ALL);
	expire(t0 + 2 * T_RETRANS - 1, BUDGET_ALL);
	assert_int_equal(rec.probes, 1);
	expire(t0 + 2 * T_RETRANS, BUDGET_ALL);
	assert_int_equal(rec.probes, 2);
	assert_int_equal(info_of(&k).probes, T_MAX_PROBES);
	assert_int_equal(st->probes, T_MAX_PROBES);

	/* More packets keep arriving meanwhile; they are held, no probe asked for. */
	assert_int_equal(resolve(&k, t0 + 2 * T_RETRANS + 1, PKT(3), &probe), MP_NEIGH_HELD);
	assert_false(probe);

	/* max_probes sent: one more retrans_tsc of silence gives it up. */
	expire(t0 + 3 * T_RETRANS - 1, BUDGET_ALL);
	assert_true(mp_neigh_get(cur, &k, NULL));
	assert_int_equal(rec.drops, 0);
	expire(t0 + 3 * T_RETRANS, BUDGET_ALL);
	assert_false(mp_neigh_get(cur, &k, NULL));
	assert_int_equal(mp_neigh_count(cur), 0);
	assert_int_equal(rec.probes, 2);
	assert_int_equal(rec.drops, 4);
	for (i = 0; i < 4; i++) {
		assert_ptr_equal(rec.drop_log[i], PKT(i));
		assert_int_equal(rec.drop_count[i], 1);
	}
	assert_int_equal(st->unresolved, 1);
	assert_int_equal(st->dropped, 4);
	assert_int_equal(st->released, 0);
	assert_int_equal(st->probes, T_MAX_PROBES);

	/* Gone means gone: later sweeps hand nothing back again. */
	expire(t0 + 100 * T_RETRANS, BUDGET_ALL);
	assert_int_equal(rec.drops, 4);

	/* The next packet starts over with a new entry and a new first probe. */
	assert_int_equal(resolve(&k, t0 + 200 * T_RETRANS, PKT(5), &probe), MP_NEIGH_HELD);
	assert_true(probe);
	assert_int_equal(info_of(&k).probes, 1);
	assert_int_equal(st->created, 2);

	/* An entry created later is paced on its own clock. */
	before = probes_of(&k);
	assert_int_equal(resolve(&other, t0 + 200 * T_RETRANS + 50, PKT(6), &probe), MP_NEIGH_HELD);
	expire(t0 + 201 * T_RETRANS, BUDGET_ALL);
	assert_int_equal(probes_of(&k), before + 1);
	assert_int_equal(probes_of(&other), 0);
}

static void
test_max_probes_one(void **state)
{
	struct mp_neigh_params p = params_default(8, 2);
	struct mp_neigh_key k = key6(0, 1, 1);
	bool probe;

	(void)state;
	p.max_probes = 1;
	table_new_params(&p);
	assert_int_equal(resolve(&k, 0, PKT(0), &probe), MP_NEIGH_HELD);
	assert_true(probe);
	/* the first solicitation was the only one: the next expiry gives up */
	expire(T_RETRANS, BUDGET_ALL);
	assert_int_equal(rec.probes, 0);
	assert_int_equal(rec.drops, 1);
	assert_int_equal(mp_neigh_count(cur), 0);
}

static void
test_reachable_stale_removed(void **state)
{
	struct mp_neigh_key k = key4(0, 10, 2, 2, 2);
	struct rte_ether_addr a = mac_n(0x22), got;
	const uint64_t base = 5000;
	const struct mp_neigh_stats *st;
	struct rte_mbuf *out[4];
	bool probe;

	(void)state;
	table_new(16, 4);
	st = mp_neigh_stats(cur);
	mp_neigh_learn(cur, &k, &a, base, true, out);

	expire(base + T_REACHABLE - 1, BUDGET_ALL);
	assert_int_equal(info_of(&k).state, MP_NEIGH_REACHABLE);
	assert_int_equal(st->stale, 0);
	expire(base + T_REACHABLE, BUDGET_ALL);
	assert_int_equal(info_of(&k).state, MP_NEIGH_STALE);
	assert_int_equal(st->stale, 1);

	/* Still used while STALE; the first use asks for a refresh. */
	assert_int_equal(mp_neigh_resolve(cur, &k, base + 1000, PKT(0), &got, &probe), MP_NEIGH_OK);
	assert_true(probe);
	assert_mac_equal(&got, &a);
	assert_int_equal(st->probes, 1);
	assert_int_equal(info_of(&k).probes, 1);
	/* then at most once per retrans_tsc */
	assert_int_equal(resolve(&k, base + 1050, PKT(0), &probe), MP_NEIGH_OK);
	assert_false(probe);
	assert_int_equal(resolve(&k, base + 1099, PKT(0), &probe), MP_NEIGH_OK);
	assert_false(probe);
	assert_int_equal(resolve(&k, base + 1100, PKT(0), &probe), MP_NEIGH_OK);
	assert_true(probe);
	assert_int_equal(resolve(&k, base + 1200, PKT(0), &probe), MP_NEIGH_OK);
	assert_true(probe);
	/* and no more than max_probes since the last confirmation */
	assert_int_equal(resolve(&k, base + 1300, PKT(0), &probe), MP_NEIGH_OK);
	assert_false(probe);
	assert_int_equal(resolve(&k, base + 1900, PKT(0), &probe), MP_NEIGH_OK);
	assert_false(probe);
	assert_int_equal(st->probes, T_MAX_PROBES);
	assert_int_equal(info_of(&k).held, 0);

	/* Removed a second reachable_tsc after the last confirmation, silently. */
	expire(base + 2 * T_REACHABLE - 1, BUDGET_ALL);
	assert_true(mp_neigh_get(cur, &k, NULL));
	expire(base + 2 * T_REACHABLE, BUDGET_ALL);
	assert_false(mp_neigh_get(cur, &k, NULL));
	assert_int_equal(st->expired, 1);
	assert_int_equal(st->stale, 1);
	assert_int_equal(rec.probes, 0); /* expire never probes a STALE entry */
	assert_int_equal(rec.drops, 0);
	assert_int_equal(st->dropped + st->unresolved, 0);
}

static void
test_stale_refreshed(void **state)
{
	struct mp_neigh_key k = key6(1, 2, 2);
	struct rte_ether_addr a = mac_n(0x33);
	const uint64_t base = 10000;
	const struct mp_neigh_stats *st;
	struct rte_mbuf *out[4];
	struct mp_neigh_info info;
	bool probe;

	(void)state;
	table_new(16, 4);
	st = mp_neigh_stats(cur);
	mp_neigh_learn(cur, &k, &a, base, true, out);
	expire(base + T_REACHABLE, BUDGET_ALL);
	assert_int_equal(resolve(&k, base + T_REACHABLE, NULL, &probe), MP_NEIGH_OK);
	assert_true(probe);

	/* The answer confirms it: REACHABLE again, probes reset, aging restarts. */
	assert_int_equal(mp_neigh_learn(cur, &k, &a, base + 1010, false, out), 0);
	info = info_of(&k);
	assert_int_equal(info.state, MP_NEIGH_REACHABLE);
	assert_int_equal(info.probes, 0);
	assert_int_equal(info.updated_tsc, base + 1010);
	assert_int_equal(st->resolved, 0); /* it was never INCOMPLETE */

	expire(base + 2 * T_REACHABLE, BUDGET_ALL);
	assert_int_equal(info_of(&k).state, MP_NEIGH_REACHABLE);
	expire(base + 1010 + T_REACHABLE, BUDGET_ALL);
	assert_int_equal(info_of(&k).state, MP_NEIGH_STALE);
	expire(base + 1010 + 2 * T_REACHABLE - 1, BUDGET_ALL);
	assert_true(mp_neigh_get(cur, &k, NULL));
	expire(base + 1010 + 2 * T_REACHABLE, BUDGET_ALL);
	assert_false(mp_neigh_get(cur, &k, NULL));
	assert_int_equal(st->stale, 2);
	assert_int_equal(st->expired, 1);
}

static void
test_stale_without_sweep(void **state)
{
	struct mp_neigh_key k = key4(0, 10, 3, 3, 3);
	struct mp_neigh_key k2 = key4(0, 10, 3, 3, 4);
	struct rte_ether_addr a = mac_n(0x44), got;
	const struct mp_neigh_stats *st;
	struct rte_mbuf *out[4];
	bool probe;

	(void)state;
	table_new(16, 4);
	st = mp_neigh_stats(cur);
	mp_neigh_learn(cur, &k, &a, 100, true, out);
	mp_neigh_learn(cur, &k2, &a, 100, true, out);

	/* No expire ran: resolve itself notices the entry aged and asks for a refresh. */
	assert_int_equal(mp_neigh_resolve(cur, &k, 100 + T_REACHABLE - 1, NULL, &got, &probe),
	                 MP_NEIGH_OK);
	assert_false(probe);
	assert_int_equal(mp_neigh_resolve(cur, &k, 100 + T_REACHABLE, NULL, &got, &probe),
	                 MP_NEIGH_OK);
	assert_true(probe);
	assert_mac_equal(&got, &a);
	assert_int_equal(info_of(&k).state, MP_NEIGH_STALE);
	assert_int_equal(st->stale, 1);

	/* A sweep that comes late finds k2 past both limits and removes it in one visit. */
	expire(100 + 2 * T_REACHABLE, BUDGET_ALL);
	assert_int_equal(mp_neigh_count(cur), 0);
	assert_int_equal(st->stale, 2);
	assert_int_equal(st->expired, 2);
}

static void
test_expire_budget_and_wrap(void **state)
{
	const unsigned int entries = 64, used = 40, budget = 5, incomplete = 20;
	const unsigned int sweep_calls = (entries + budget - 1) / budget;
	struct rte_ether_addr a = mac_n(0x55);
	const struct mp_neigh_stats *st;
	struct mp_neigh_key keys[64];
	struct rte_mbuf *out[4];
	unsigned int i, calls, before;
	bool probe;

	(void)state;
	table_new(entries, 4);
	st = mp_neigh_stats(cur);
	for (i = 0; i < used; i++) {
		keys[i] = key_nth(0, i);
		mp_neigh_learn(cur, &keys[i], &a, 1000, true, out);
	}

	expire(1000 + 10 * T_REACHABLE, 0);
	assert_int_equal(mp_neigh_count(cur), used);
	assert_int_equal(st->stale, 0);

	/* Each call removes at most budget entries; one sweep of the slots removes them all. */
	for (calls = 0; mp_neigh_count(cur) > 0; calls++) {
		assert_true(calls < sweep_calls);
		before = mp_neigh_count(cur);
		expire(1000 + 10 * T_REACHABLE, budget);
		assert_true(before - mp_neigh_count(cur) <= budget);
	}
	assert_int_equal(st->stale, used);
	assert_int_equal(st->expired, used);

	/*
	 * The cursor now rests mid-table. INCOMPLETE entries due for a retransmission: at most
	 * budget probes per call, and after one sweep's worth of calls, wrapping past the end,
	 * every entry was probed exactly once (revisited ones are no longer due).
	 */
	for (i = 0; i < incomplete; i++) {
		keys[i] = key_nth(1, i);
		assert_int_equal(resolve(&keys[i], 50000, NULL, &probe), MP_NEIGH_HELD);
		assert_true(probe);
	}
	for (calls = 0; calls < sweep_calls; calls++) {
		before = rec.probes;
		expire(50000 + T_RETRANS, budget);
		assert_true(rec.probes - before <= budget);
	}
	assert_int_equal(rec.probes, incomplete);
	for (i = 0; i < incomplete; i++)
		assert_int_equal(probes_of(&keys[i]), 1);

	/* A budget above the slot count visits each slot once per call, not twice. */
	expire(50000 + 2 * T_RETRANS, BUDGET_ALL);
	assert_int_equal(rec.probes, 2 * incomplete);
	for (i = 0; i < incomplete; i++)
		assert_int_equal(probes_of(&keys[i]), 2);
	assert_int_equal(st->probes, 3 * incomplete);
}

static void
test_expire_visits_once_per_call(void **state)
{
	struct mp_neigh_params p = params_default(8, 1);
	struct mp_neigh_key k = key4(0, 10, 6, 6, 6);
	bool probe;

	(void)state;
	/* With no pacing every visit of an INCOMPLETE entry probes, so visits can be counted. */
	p.retrans_tsc = 0;
	p.max_probes = 100;
	table_new_params(&p);
	resolve(&k, 0, NULL, &probe);
	expire(0, 3 * 8);
	assert_int_equal(rec.probes, 1);
	expire(0, 4);
	expire(0, 4);
	assert_int_equal(rec.probes, 2);
	expire(0, 8);
	assert_int_equal(rec.probes, 3);
}

struct walk_ctx {
	unsigned int calls;
	unsigned int stop_after;
	struct mp_neigh_info seen[8];
};

static int
walk_collect(const struct mp_neigh_info *i, void *arg)
{
	struct walk_ctx *w = arg;

	if (w->calls < RTE_DIM(w->seen))
		w->seen[w->calls] = *i;
	w->calls++;
	return w->stop_after != 0 && w->calls >= w->stop_after;
}

static const struct mp_neigh_info *
walk_find(const struct walk_ctx *w, const struct mp_neigh_key *k)
{
	unsigned int i;

	for (i = 0; i < w->calls && i < RTE_DIM(w->seen); i++) {
		if (memcmp(&w->seen[i].key, k, sizeof(*k)) == 0)
			return &w->seen[i];
	}
	return NULL;
}

static void
test_walk_get_count_stats(void **state)
{
	struct mp_neigh_key k1 = key4(0, 10, 4, 0, 1);
	struct mp_neigh_key k2 = key6(1, 4, 2);
	struct mp_neigh_key k3 = key4(2, 10, 4, 0, 3);
	struct mp_neigh_key absent = key4(0, 10, 4, 0, 3); /* k3's address on another port */
	struct rte_ether_addr a = mac_n(0xa1), b = mac_n(0xb2);
	const struct mp_neigh_info *i;
	struct mp_neigh_info got;
	const struct mp_neigh_stats *st;
	struct rte_mbuf *out[4];
	struct walk_ctx w;
	bool probe;

	(void)state;
	table_new(16, 4);
	memset(&w, 0, sizeof(w));
	mp_neigh_walk(cur, walk_collect, &w);
	assert_int_equal(w.calls, 0);
	assert_int_equal(mp_neigh_count(cur), 0);

	mp_neigh_learn(cur, &k1, &a, 100, true, out);
	mp_neigh_learn(cur, &k2, &b, 200, true, out);
	resolve(&k3, 300, PKT(0), &probe);
	resolve(&k3, 310, PKT(1), &probe);
	assert_int_equal(mp_neigh_count(cur), 3);

	memset(&w, 0, sizeof(w));
	mp_neigh_walk(cur, walk_collect, &w);
	assert_int_equal(w.calls, 3);
	i = walk_find(&w, &k1);
	assert_non_null(i);
	assert_int_equal(i->state, MP_NEIGH_REACHABLE);
	assert_mac_equal(&i->mac, &a);
	assert_int_equal(i->updated_tsc, 100);
	assert_int_equal(i->held, 0);
	assert_int_equal(i->probes, 0);
	i = walk_find(&w, &k2);
	assert_non_null(i);
	assert_int_equal(i->state, MP_NEIGH_REACHABLE);
	assert_mac_equal(&i->mac, &b);
	assert_int_equal(i->updated_tsc, 200);
	i = walk_find(&w, &k3);
	assert_non_null(i);
	assert_int_equal(i->state, MP_NEIGH_INCOMPLETE);
	assert_true(rte_is_zero_ether_addr(&i->mac));
	assert_int_equal(i->updated_tsc, 300);
	assert_int_equal(i->held, 2);
	assert_int_equal(i->probes, 1);

	/* get agrees with walk, and neither changes anything */
	assert_info_equal(info_of(&k3), walk_find(&w, &k3));
	assert_info_equal(info_of(&k1), walk_find(&w, &k1));
	assert_false(mp_neigh_get(cur, &absent, &got));
	assert_int_equal(info_of(&k3).held, 2);
	assert_int_equal(info_of(&k3).probes, 1);

	/* walk stops at the first non-zero return */
	memset(&w, 0, sizeof(w));
	w.stop_after = 1;
	mp_neigh_walk(cur, walk_collect, &w);
	assert_int_equal(w.calls, 1);

	st = mp_neigh_stats(cur);
	assert_ptr_equal(st, mp_neigh_stats(cur));
	assert_int_equal(st->created, 3);
	assert_int_equal(st->learned, 2);
	assert_int_equal(st->probes, 1);
	assert_int_equal(st->resolved, 0);
	assert_int_equal(st->stale + st->expired + st->unresolved, 0);
	assert_int_equal(st->released + st->dropped, 0);
}

static void
test_free_drops_held(void **state)
{
	struct rte_ether_addr a = mac_n(0x66);
	struct rte_mbuf *out[4];
	struct mp_neigh_key k;
	unsigned int e, j, p = 0;
	bool probe;

	(void)state;
	table_new(16, 4);
	/* three INCOMPLETE entries holding 1, 2 and 3 packets, one REACHABLE */
	for (e = 0; e < 3; e++) {
		k = key4(0, 10, 5, 0, (uint8_t)e);
		for (j = 0; j <= e; j++)
			resolve(&k, 100, PKT(p++), &probe);
	}
	k = key4(0, 10, 5, 0, 9);
	mp_neigh_learn(cur, &k, &a, 100, true, out);

	mp_neigh_free(cur, rec_drop, &rec);
	cur = NULL;
	assert_int_equal(rec.drops, 6);
	for (j = 0; j < 6; j++)
		assert_int_equal(rec.drop_count[j], 1);
}

static void
test_many_entries(void **state)
{
	const unsigned int entries = 4096, rounds = 3;
	struct rte_ether_addr a = mac_n(0x77);
	const struct mp_neigh_stats *st;
	uint64_t unresolved = 0, expired = 0;
	struct rte_mbuf *out[2];
	struct mp_neigh_key k;
	unsigned int r, i, n;
	uint64_t base;
	bool probe;

	(void)state;
	table_new(entries, 2);
	st = mp_neigh_stats(cur);
	for (r = 0; r < rounds; r++) {
		base = 1000000 * (uint64_t)(r + 1);
		memset(rec.drop_count, 0, sizeof(rec.drop_count));
		for (i = 0; i < entries; i++) {
			k = key_nth(r, i);
			assert_int_equal(resolve(&k, base, PKT(i), &probe), MP_NEIGH_HELD);
			assert_true(probe);
		}
		assert_int_equal(mp_neigh_count(cur), entries);
		k = key_nth(r, entries);
		assert_int_equal(resolve(&k, base, PKT(entries), &probe), MP_NEIGH_TABLE_FULL);

		/* Every third is answered and ages out; the rest are given up. */
		for (i = 0; i < entries; i += 3) {
			k = key_nth(r, i);
			n = mp_neigh_learn(cur, &k, &a, base + 10, false, out);
			assert_int_equal(n, 1);
			assert_ptr_equal(out[0], PKT(i));
			expired++;
		}
		unresolved += entries - (entries + 2) / 3;
		expire(base + T_RETRANS, BUDGET_ALL);
		expire(base + 2 * T_RETRANS, BUDGET_ALL);
		expire(base + 3 * T_RETRANS, BUDGET_ALL);
		expire(base + 10 + 2 * T_REACHABLE, BUDGET_ALL);
		assert_int_equal(mp_neigh_count(cur), 0);

		/* each packet came back exactly once: released by learn or dropped */
		for (i = 0; i < entries; i++)
			assert_int_equal(rec.drop_count[i], i % 3 == 0 ? 0 : 1);
		assert_int_equal(st->unresolved, unresolved);
		assert_int_equal(st->expired, expired);
		assert_int_equal(st->dropped, unresolved);
		assert_int_equal(st->released, expired);
	}
	assert_int_equal(st->created, (uint64_t)rounds * entries);
}

/* ---------------------------------------------------------------------------------------- */

static int
neigh_test_setup(void **state)
{
	(void)state;
	memset(&rec, 0, sizeof(rec));
	cur = NULL;
	return 0;
}

static int
neigh_test_teardown(void **state)
{
	(void)state;
	mp_neigh_free(cur, rec_drop, &rec);
	cur = NULL;
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	return test_eal_init("test_net", "64");
}

static int
group_teardown(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

#define NEIGH_TEST(f) cmocka_unit_test_setup_teardown(f, neigh_test_setup, neigh_test_teardown)

int
test_net_neigh_run(void)
{
	const struct CMUnitTest tests[] = {
	        NEIGH_TEST(test_key_make),
	        NEIGH_TEST(test_create_invalid),
	        NEIGH_TEST(test_miss_creates_incomplete),
	        NEIGH_TEST(test_second_miss_holds),
	        NEIGH_TEST(test_queue_full),
	        NEIGH_TEST(test_queue_len_zero),
	        NEIGH_TEST(test_table_full),
	        NEIGH_TEST(test_learn_releases_fifo),
	        NEIGH_TEST(test_learn_create_false),
	        NEIGH_TEST(test_keys_distinct),
	        NEIGH_TEST(test_retrans_then_unresolved),
	        NEIGH_TEST(test_max_probes_one),
	        NEIGH_TEST(test_reachable_stale_removed),
	        NEIGH_TEST(test_stale_refreshed),
	        NEIGH_TEST(test_stale_without_sweep),
	        NEIGH_TEST(test_expire_budget_and_wrap),
	        NEIGH_TEST(test_expire_visits_once_per_call),
	        NEIGH_TEST(test_walk_get_count_stats),
	        NEIGH_TEST(test_free_drops_held),
	        NEIGH_TEST(test_many_entries),
	};

	return cmocka_run_group_tests_name("net_neigh", tests, group_setup, group_teardown);
}
