/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/flow micro benchmarks: bulk flow lookup, and the NAT rewrite of a packet.
 *
 * flow_lookup/<impl>/<N>: 32 keys per iteration looked up in a table of N flows (2N keys: every
 * flow is found from both directions). The keys come round from a set of QUERIES keys drawn at
 * random from both directions, kept compact so they stay in cache as they would when built from
 * the packets in hand. The table lines they reach (a few thousand) stay in cache too, whatever
 * N: these measure the lookup's work, and flow_track_all below its cache misses. The baseline
 * is a plain rte_hash_lookup_bulk() on an rte_hash of the same 2N keys, with the same parameters
 * and the same hash and compare functions as the flow table's, holding no flow entries: the
 * ratio is what the flow layer adds (the direction bit, the prefetch of the entries, counters).
 *
 * flow_lookup_touch/<impl>/<N>: the same lookups followed by what the pipeline does next, reading
 * the first two lines of every flow found (counters, then addresses). The baseline's rte_hash
 * holds the flow pointers as data (rte_hash_lookup_bulk_data()) and reads them without any
 * prefetch; mp_flow_lookup_bulk() prefetches them itself. This is the ratio the pipeline sees:
 * the plain lookup pair charges the flow side for the prefetches and not the baseline for the
 * misses they save.
 *
 * flow_track_all/<impl>/<N>: what a worker does with a packet's flow, over all N flows in a
 * scattered order (each flow a fixed large step after the one before, as bench/l4gen's
 * `scatter`), so that at a million flows the table misses the cache as it does in the pipeline:
 * build the original key of 32 flows (in cache, as from packets in hand), look them up, and
 * account a packet to each with mp_flow_track() (the line a packet writes). The baseline finds
 * the flows with rte_hash_lookup_bulk_data() and tracks them the same way; flow_tuple4 finds
 * them with mp_flow_lookup4_bulk(), from the tuples as their IPv4 packets carry them.
 *
 * flow_nat/<impl>/ipv4_tcp: the NAT rewrite of a burst of 32 IPv4/TCP packets with 64 bytes of
 * payload. Even iterations translate every packet, odd ones translate it back, so the packets
 * stay valid. The baseline writes the same addresses and ports and recomputes both checksums
 * from scratch with mp_cksum_fill(); the incremental one is mp_flow_nat_rewrite().
 *
 * The flow table and rte_hash need the EAL: mp_bench_eal() starts it on first use.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

#include "harness.h"
#include "mp_flow.h"
#include "mp_net.h"
#include "mp_timer.h"

#define BURST       32
#define QUERIES     4096 /* keys the lookups cycle through: 160 KiB */
#define KEY_WORDS   (sizeof(struct mp_flow_key) / sizeof(uint64_t))
#define SEED        0x666c6f7762656e63ULL
#define TICK_TSC    1000
#define TIMEOUT_TSC (UINT64_C(1) << 40) /* nothing expires while a benchmark runs */
#define SLOT        256
#define PAYLOAD     64
#define ETH_LEN     14
#define IP4_LEN     20
#define TCP_LEN     32 /* with the 12 bytes of NOP, NOP, timestamp most stacks send */
#define TYPE_IP4    0x0800

static uint64_t rng = SEED;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * UINT64_C(2685821657736338717);
}

/* ---------------------------------------------------------------------------------------- */
/* Lookup                                                                                    */

/* The flow table's hash and compare (lib/flow/flow_priv.h), for a baseline that differs in
 * nothing else: an IPv4 key hashes its two non-zero words (addresses; ports, family, protocol),
 * an IPv6 key all five. */
static uint32_t
key_hash(const void *key, uint32_t key_len, uint32_t init_val)
{
	const struct mp_flow_key *k = key;
	uint64_t w[KEY_WORDS];
	unsigned int i;

	RTE_SET_USED(key_len);
	memcpy(w, key, sizeof(w));
	if (k->family == AF_INET) {
		uint32_t a[2];
		uint64_t addrs;

		memcpy(&a[0], k->src, sizeof(a[0]));
		memcpy(&a[1], k->dst, sizeof(a[1]));
		memcpy(&addrs, a, sizeof(addrs));
		return rte_hash_crc_8byte(w[KEY_WORDS - 1], rte_hash_crc_8byte(addrs, init_val));
	}
	for (i = 0; i < KEY_WORDS; i++)
		init_val = rte_hash_crc_8byte(w[i], init_val);
	return init_val;
}

static int
key_cmp(const void *a, const void *b, size_t len)
{
	uint64_t x[KEY_WORDS], y[KEY_WORDS], diff = 0;
	unsigned int i;

	RTE_SET_USED(len);
	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	for (i = 0; i < KEY_WORDS; i++)
		diff |= x[i] ^ y[i];
	return diff != 0;
}

/* Flow i: client 10.x.y.z:40000 -> VIP 192.0.2.1:80, endpoint -> SNAT 100.64.x.1:port. r may
 * be NULL: the original key only. */
static void
bench_keys(uint32_t i, struct mp_flow_key *o, struct mp_flow_key *r)
{
	uint8_t client[4] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
	uint8_t vip[4] = {192, 0, 2, 1};
	uint8_t ep[4] = {172, 16, (uint8_t)(i % 64), 1};
	uint8_t snat[4] = {100, 64, (uint8_t)(i >> 16), 1};

	mp_flow_key_set(o, AF_INET, IPPROTO_TCP, client, vip, rte_cpu_to_be_16(40000),
	                rte_cpu_to_be_16(80));
	if (r != NULL)
		mp_flow_key_set(r, AF_INET, IPPROTO_TCP, ep, snat, rte_cpu_to_be_16(8080),
		                rte_cpu_to_be_16((uint16_t)i));
}

/* One size's tables; built on first use and kept while that size's benchmarks run. */
struct lookup_set {
	uint32_t flows;
	struct mp_timer_wheel *wheel;
	struct mp_flow_table *table;
	struct rte_hash *hash;
	struct mp_flow_key queries[QUERIES] __rte_cache_aligned;
	const struct mp_flow_key *qp[QUERIES];
};

static struct lookup_set *cur_set;

static void
lookup_set_free(struct lookup_set *ls)
{
	if (ls == NULL)
		return;
	mp_flow_table_free(ls->table);
	mp_timer_wheel_free(ls->wheel);
	rte_hash_free(ls->hash);
	free(ls);
}

static struct lookup_set *
lookup_set_build(uint32_t flows)
{
	struct rte_hash_parameters hp;
	struct mp_flow_params p;
	struct lookup_set *ls;
	uint32_t i;

	ls = calloc(1, sizeof(*ls));
	if (ls == NULL)
		return NULL;
	ls->flows = flows;
	ls->wheel = mp_timer_wheel_create("flow_bench_wheel", SOCKET_ID_ANY, TICK_TSC, 0);
	memset(&p, 0, sizeof(p));
	p.name = "flow_bench";
	p.socket_id = SOCKET_ID_ANY;
	p.max_flows = flows;
	p.wheel = ls->wheel;
	p.syn_tsc = p.established_tsc = p.fin_tsc = p.close_tsc = p.udp_tsc = TIMEOUT_TSC;
	if (ls->wheel != NULL)
		ls->table = mp_flow_table_create(&p);

	memset(&hp, 0, sizeof(hp));
	hp.name = "flow_bench_baseline";
	hp.entries = RTE_MAX(2 * flows, 8u);
	hp.key_len = sizeof(struct mp_flow_key);
	hp.hash_func = key_hash;
	hp.socket_id = SOCKET_ID_ANY;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	ls->hash = rte_hash_create(&hp);
	if (ls->table == NULL || ls->hash == NULL)
		goto fail;
	rte_hash_set_cmp_func(ls->hash, key_cmp);

	for (i = 0; i < flows; i++) {
		struct mp_flow_key o, r;
		struct mp_flow *f;

		bench_keys(i, &o, &r);
		f = mp_flow_create(ls->table, &o, &r, 0);
		if (f == NULL || rte_hash_add_key_data(ls->hash, &o, f) < 0 ||
		    rte_hash_add_key_data(ls->hash, &r, f) < 0)
			goto fail;
	}
	rng = SEED;
	for (i = 0; i < QUERIES; i++) {
		struct mp_flow_key o, r;

		bench_keys((uint32_t)(rnd() % flows), &o, &r);
		ls->queries[i] = (rnd() & 1) ? r : o;
		ls->qp[i] = &ls->queries[i];
	}
	return ls;
fail:
	lookup_set_free(ls);
	return NULL;
}

static struct lookup_set *
lookup_set_get(struct mp_bench_state *s, uint32_t flows)
{
	if (!mp_bench_eal()) {
		mp_bench_skip(s, "rte_eal_init failed");
		return NULL;
	}
	if (cur_set != NULL && cur_set->flows == flows)
		return cur_set;
	lookup_set_free(cur_set);
	cur_set = lookup_set_build(flows);
	if (cur_set == NULL)
		mp_bench_skip(s, "setup: could not build the tables");
	return cur_set;
}

static void
lookup_report(struct mp_bench_state *s, uint64_t hits, const char *label)
{
	mp_bench_do_not_optimize(&hits);
	if (hits != (uint64_t)mp_bench_iterations(s) * BURST)
		mp_bench_skip(s, "some lookups missed");
	mp_bench_set_label(s, label);
	mp_bench_set_items(s, mp_bench_iterations(s) * BURST);
	mp_bench_counter(s, "ns_per_key", BURST,
	                 MP_BENCH_C_RATE | MP_BENCH_C_PER_ITERATION | MP_BENCH_C_INVERT);
}

static void
lookup_flow(struct mp_bench_state *s, void *arg)
{
	struct lookup_set *ls = lookup_set_get(s, (uint32_t)(uintptr_t)arg);
	struct mp_flow *out[BURST];
	uint8_t dir[BURST];
	uint64_t hits = 0;
	unsigned int q = 0;

	if (ls == NULL)
		return;
	while (mp_bench_keep_running(s)) {
		hits += mp_flow_lookup_bulk(ls->table, &ls->qp[q], BURST, out, dir);
		mp_bench_do_not_optimize(out);
		q = (q + BURST) % QUERIES;
	}
	lookup_report(s, hits, "mp_flow_lookup_bulk, 32 keys, both directions");
}

static void
lookup_hash(struct mp_bench_state *s, void *arg)
{
	struct lookup_set *ls = lookup_set_get(s, (uint32_t)(uintptr_t)arg);
	int32_t pos[BURST];
	uint64_t hits = 0;
	unsigned int q = 0, i;

	if (ls == NULL)
		return;
	while (mp_bench_keep_running(s)) {
		rte_hash_lookup_bulk(ls->hash, (const void **)&ls->qp[q], BURST, pos);
		for (i = 0; i < BURST; i++)
			hits += pos[i] >= 0;
		q = (q + BURST) % QUERIES;
	}
	lookup_report(s, hits, "rte_hash_lookup_bulk, same keys, no flow entries");
}

/* What the pipeline reads of a flow right after the lookup: its addresses (line 0 for IPv4, line
 * 1 for IPv6) and line 0. */
static inline uint64_t
touch(const struct mp_flow *f)
{
	return f->last_tsc + mp_flow_src(f, MP_FLOW_DIR_ORIG)[0];
}

static void
lookup_flow_touch(struct mp_bench_state *s, void *arg)
{
	struct lookup_set *ls = lookup_set_get(s, (uint32_t)(uintptr_t)arg);
	struct mp_flow *out[BURST];
	uint8_t dir[BURST];
	uint64_t hits = 0, sum = 0;
	unsigned int q = 0, i;

	if (ls == NULL)
		return;
	while (mp_bench_keep_running(s)) {
		hits += mp_flow_lookup_bulk(ls->table, &ls->qp[q], BURST, out, dir);
		for (i = 0; i < BURST; i++)
			sum += touch(out[i]);
		q = (q + BURST) % QUERIES;
	}
	mp_bench_do_not_optimize(&sum);
	lookup_report(s, hits, "mp_flow_lookup_bulk, then read lines 0 and 1 of each flow");
}

static void
lookup_hash_touch(struct mp_bench_state *s, void *arg)
{
	struct lookup_set *ls = lookup_set_get(s, (uint32_t)(uintptr_t)arg);
	void *data[BURST];
	uint64_t hits = 0, sum = 0, mask;
	unsigned int q = 0, i;

	if (ls == NULL)
		return;
	while (mp_bench_keep_running(s)) {
		hits += (unsigned int)rte_hash_lookup_bulk_data(ls->hash, (const void **)&ls->qp[q],
		                                                BURST, &mask, data);
		for (i = 0; i < BURST; i++)
			sum += touch(data[i]);
		q = (q + BURST) % QUERIES;
	}
	mp_bench_do_not_optimize(&sum);
	lookup_report(s, hits, "rte_hash_lookup_bulk_data, then read lines 0 and 1 of each flow");
}

/* A packet as mp_flow_track() sees one: UDP over IPv4, 64 bytes of payload (not read). */
static const struct mp_pkt_info track_pi = {
        .pkt_len = ETH_LEN + IP4_LEN + 8 + PAYLOAD,
        .ethertype = TYPE_IP4,
        .l3_off = ETH_LEN,
        .l3_len = IP4_LEN,
        .l4_off = ETH_LEN + IP4_LEN,
        .l4_len = 8,
        .l3 = MP_L3_IPV4,
        .l4_proto = IPPROTO_UDP,
};
static const uint8_t track_pkt[ETH_LEN + IP4_LEN + 8 + PAYLOAD];

/* A step coprime to every flow count here: consecutive flows land far apart. */
#define TRACK_STEP 2654435761u

/* The original keys of the BURST flows from *next on, TRACK_STEP apart. */
static void
track_keys(uint32_t flows, uint32_t *next, struct mp_flow_key *keys)
{
	unsigned int i;

	for (i = 0; i < BURST; i++) {
		bench_keys(*next, &keys[i], NULL);
		*next = (uint32_t)((*next + (uint64_t)TRACK_STEP) % flows);
	}
}

/* How flow_track_all finds the flows. */
enum track_by {
	TRACK_HASH,  /* the baseline: rte_hash_lookup_bulk_data() */
	TRACK_KEY,   /* mp_flow_lookup_bulk() */
	TRACK_TUPLE, /* mp_flow_lookup4_bulk(), from the tuples as IPv4 packets carry them */
};

/* The IPv4 tuple of key k. */
static void
track_tuple(const struct mp_flow_key *k, struct mp_flow_tuple4 *tu)
{
	uint8_t l3[IP4_LEN] = {0}, l4[4];

	memcpy(l3 + 12, k->src, 4);
	memcpy(l3 + 16, k->dst, 4);
	memcpy(l4, &k->sport, 2);
	memcpy(l4 + 2, &k->dport, 2);
	mp_flow_tuple4_from_pkt(tu, l3, l4, k->proto);
}

/* flow_track_all: find the flows as `by` says, then track a packet on each. */
static void
track_all(struct mp_bench_state *s, uint32_t flows, enum track_by by)
{
	static const char *const what[] = {
	        [TRACK_HASH] = "rte_hash_lookup_bulk_data, then mp_flow_track, all flows scattered",
	        [TRACK_KEY] = "mp_flow_lookup_bulk, then mp_flow_track, all flows scattered",
	        [TRACK_TUPLE] = "mp_flow_lookup4_bulk, then mp_flow_track, all flows scattered",
	};
	struct lookup_set *ls = lookup_set_get(s, flows);
	struct mp_flow_key keys[BURST];
	const struct mp_flow_key *kp[BURST];
	struct mp_flow_tuple4 tu[BURST];
	struct mp_flow *out[BURST];
	uint8_t dir[BURST];
	uint64_t hits = 0, now = 0, mask;
	uint32_t next = 0;
	unsigned int i;

	if (ls == NULL)
		return;
	for (i = 0; i < BURST; i++)
		kp[i] = &keys[i];
	memset(dir, MP_FLOW_DIR_ORIG, sizeof(dir)); /* the baseline finds original keys only */
	while (mp_bench_keep_running(s)) {
		track_keys(ls->flows, &next, keys);
		switch (by) {
		case TRACK_HASH:
			hits += (unsigned int)rte_hash_lookup_bulk_data(ls->hash, (const void **)kp,
			                                                BURST, &mask, (void **)out);
			break;
		case TRACK_KEY:
			hits += mp_flow_lookup_bulk(ls->table, kp, BURST, out, dir);
			break;
		case TRACK_TUPLE: /* bench_keys() are all IPv4 */
			for (i = 0; i < BURST; i++)
				track_tuple(&keys[i], &tu[i]);
			hits += mp_flow_lookup4_bulk(ls->table, tu, BURST, out, dir);
			break;
		}
		now++;
		for (i = 0; i < BURST; i++)
			mp_flow_track(ls->table, out[i], dir[i], track_pkt, &track_pi, now);
	}
	lookup_report(s, hits, what[by]);
}

static void
track_flow(struct mp_bench_state *s, void *arg)
{
	track_all(s, (uint32_t)(uintptr_t)arg, TRACK_KEY);
}

static void
track_hash(struct mp_bench_state *s, void *arg)
{
	track_all(s, (uint32_t)(uintptr_t)arg, TRACK_HASH);
}

static void
track_tuple4(struct mp_bench_state *s, void *arg)
{
	track_all(s, (uint32_t)(uintptr_t)arg, TRACK_TUPLE);
}

#define FLOWS_1K   ((void *)(uintptr_t)1000)
#define FLOWS_100K ((void *)(uintptr_t)100000)
#define FLOWS_1M   ((void *)(uintptr_t)1000000)

/* Grouped by size: the tables of one size are built once and serve its four benchmarks. */
MP_BENCH_ARG(lookup_hash, "flow_lookup/hash_baseline/1k", FLOWS_1K);
MP_BENCH_ARG(lookup_flow, "flow_lookup/flow/1k", FLOWS_1K);
MP_BENCH_ARG(lookup_hash_touch, "flow_lookup_touch/hash_baseline/1k", FLOWS_1K);
MP_BENCH_ARG(lookup_flow_touch, "flow_lookup_touch/flow/1k", FLOWS_1K);
MP_BENCH_ARG(lookup_hash, "flow_lookup/hash_baseline/100k", FLOWS_100K);
MP_BENCH_ARG(lookup_flow, "flow_lookup/flow/100k", FLOWS_100K);
MP_BENCH_ARG(lookup_hash_touch, "flow_lookup_touch/hash_baseline/100k", FLOWS_100K);
MP_BENCH_ARG(lookup_flow_touch, "flow_lookup_touch/flow/100k", FLOWS_100K);
MP_BENCH_ARG(lookup_hash, "flow_lookup/hash_baseline/1m", FLOWS_1M);
MP_BENCH_ARG(lookup_flow, "flow_lookup/flow/1m", FLOWS_1M);
MP_BENCH_ARG(lookup_hash_touch, "flow_lookup_touch/hash_baseline/1m", FLOWS_1M);
MP_BENCH_ARG(lookup_flow_touch, "flow_lookup_touch/flow/1m", FLOWS_1M);
MP_BENCH_ARG(track_hash, "flow_track_all/hash_baseline/1m", FLOWS_1M);
MP_BENCH_ARG(track_flow, "flow_track_all/flow/1m", FLOWS_1M);
MP_BENCH_ARG(track_tuple4, "flow_track_all/flow_tuple4/1m", FLOWS_1M);

/* ---------------------------------------------------------------------------------------- */
/* NAT                                                                                       */

struct nat_bench {
	uint8_t pkts[BURST][SLOT] __rte_aligned(RTE_CACHE_LINE_SIZE);
	struct mp_pkt_info pi[BURST];
	struct mp_flow_nat fwd[BURST]; /* client -> VIP becomes SNAT -> endpoint */
	struct mp_flow_nat back[BURST];
};

static struct nat_bench nat_ip4_tcp;

static uint8_t *
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

/* IPv4/TCP, 64 bytes of payload; packet i differs in its source port. */
static uint32_t
build_ip4_tcp(uint8_t *p, unsigned int i)
{
	static const uint8_t eth[12] = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02};
	static const uint8_t ip[IP4_LEN] = {0x45, 0, 0,  0, 0x12, 0x34, 0x40, 0, 64, IPPROTO_TCP,
	                                    0,    0, 10, 0, 0,    1,    192,  0, 2,  1};
	static const uint8_t tcp[TCP_LEN] = {0, 0,    0,    80,   1,    2, 3, 4, 5, 6, 7,
	                                     8, 0x80, 0x18, 0xff, 0xff, 0, 0, 0, 0, 1, 1,
	                                     8, 10,   0,    0,    0,    1, 0, 0, 0, 2};
	uint32_t len = ETH_LEN + IP4_LEN + TCP_LEN + PAYLOAD;
	uint8_t *q;

	memcpy(p, eth, sizeof(eth));
	q = put16(p + sizeof(eth), TYPE_IP4);
	memcpy(q, ip, sizeof(ip));
	put16(q + 2, (uint16_t)(len - ETH_LEN));
	q += sizeof(ip);
	memcpy(q, tcp, sizeof(tcp));
	put16(q, (uint16_t)(40000 + i));
	q += sizeof(tcp);
	for (unsigned int j = 0; j < PAYLOAD; j++)
		q[j] = (uint8_t)(i + j);
	return len;
}

static bool
nat_setup(struct nat_bench *b)
{
	static const uint8_t snat[4] = {100, 64, 0, 1}, ep[4] = {172, 16, 0, 7};

	for (unsigned int i = 0; i < BURST; i++) {
		uint8_t *p = b->pkts[i];
		uint32_t len = build_ip4_tcp(p, i);

		if (mp_parse_frame(p, len, &b->pi[i]) != MP_DROP_NONE)
			return false;
		mp_cksum_fill(p, &b->pi[i]);
		memset(&b->back[i], 0, sizeof(b->back[i]));
		memcpy(b->back[i].src, p + b->pi[i].l3_off + 12, 4);
		memcpy(b->back[i].dst, p + b->pi[i].l3_off + 16, 4);
		memcpy(&b->back[i].sport, p + b->pi[i].l4_off, 2);
		memcpy(&b->back[i].dport, p + b->pi[i].l4_off + 2, 2);
		memset(&b->fwd[i], 0, sizeof(b->fwd[i]));
		memcpy(b->fwd[i].src, snat, sizeof(snat));
		memcpy(b->fwd[i].dst, ep, sizeof(ep));
		b->fwd[i].sport = rte_cpu_to_be_16((uint16_t)(1024 + i));
		b->fwd[i].dport = rte_cpu_to_be_16(8080);
	}
	return true;
}

/* True when every packet verifies: the timed loop left them valid. */
static bool
nat_valid(const struct nat_bench *b)
{
	for (unsigned int i = 0; i < BURST; i++) {
		if (mp_cksum_verify(b->pkts[i], &b->pi[i], false, false) != MP_DROP_NONE)
			return false;
	}
	return true;
}

static void
nat_report(struct mp_bench_state *s, const struct nat_bench *b, const char *label)
{
	if (!nat_valid(b))
		mp_bench_skip(s, "checksums wrong after the timed loop");
	mp_bench_set_label(s, label);
	mp_bench_set_items(s, mp_bench_iterations(s) * BURST);
	mp_bench_counter(s, "ns_per_pkt", BURST,
	                 MP_BENCH_C_RATE | MP_BENCH_C_PER_ITERATION | MP_BENCH_C_INVERT);
}

/* The baseline's rewrite: the same fields, no checksum work. */
static inline void
rewrite_plain(uint8_t *p, const struct mp_pkt_info *pi, const struct mp_flow_nat *a)
{
	memcpy(p + pi->l3_off + 12, a->src, 4);
	memcpy(p + pi->l3_off + 16, a->dst, 4);
	memcpy(p + pi->l4_off, &a->sport, 2);
	memcpy(p + pi->l4_off + 2, &a->dport, 2);
}

static void
nat_recompute(struct mp_bench_state *s, void *arg)
{
	struct nat_bench *b = arg;
	unsigned int it = 0;

	if (!nat_setup(b)) {
		mp_bench_skip(s, "setup: packets did not parse");
		return;
	}
	while (mp_bench_keep_running(s)) {
		const struct mp_flow_nat *a = (it++ & 1) ? b->back : b->fwd;

		for (unsigned int i = 0; i < BURST; i++) {
			rewrite_plain(b->pkts[i], &b->pi[i], &a[i]);
			mp_cksum_fill(b->pkts[i], &b->pi[i]);
		}
		mp_bench_do_not_optimize(b->pkts);
	}
	nat_report(s, b, "IPv4/TCP 64B payload: rewrite, then mp_cksum_fill()");
}

static void
nat_incremental(struct mp_bench_state *s, void *arg)
{
	struct nat_bench *b = arg;
	unsigned int it = 0;

	if (!nat_setup(b)) {
		mp_bench_skip(s, "setup: packets did not parse");
		return;
	}
	while (mp_bench_keep_running(s)) {
		const struct mp_flow_nat *a = (it++ & 1) ? b->back : b->fwd;

		for (unsigned int i = 0; i < BURST; i++)
			mp_flow_nat_rewrite(b->pkts[i], &b->pi[i], &a[i]);
		mp_bench_do_not_optimize(b->pkts);
	}
	nat_report(s, b, "IPv4/TCP 64B payload: mp_flow_nat_rewrite() (RFC 1624)");
}

MP_BENCH_ARG(nat_recompute, "flow_nat/recompute_baseline/ipv4_tcp", &nat_ip4_tcp);
MP_BENCH_ARG(nat_incremental, "flow_nat/incremental/ipv4_tcp", &nat_ip4_tcp);
