/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net micro benchmarks: the per-packet cost of net input, i.e. mp_parse_frame() and
 * mp_cksum_verify() on a burst, followed by the classification switch the pipeline does next.
 *
 * Packets sit in one warm, cache-aligned array and are never modified, so this measures the
 * parser's instructions and branches, not cache misses or the NIC. Every benchmark comes with
 * a baseline over the same burst that only peeks at the EtherType and protocol bytes: report
 * the parser as a ratio to it, measured in the same run.
 */
#include <netinet/in.h>
#include <string.h>

#include <rte_common.h>

#include "harness.h"
#include "mp_net.h"

#define BURST    32  /* a typical rx_burst size */
#define SLOT     256 /* room per packet; a multiple of the cache line */
#define PAYLOAD  64  /* bytes of L4 payload per packet */
#define ETH_LEN  14
#define IP4_LEN  20
#define IP6_LEN  40
#define TCP_LEN  32 /* with the 12 bytes of NOP, NOP, timestamp most stacks send */
#define UDP_LEN  8
#define TYPE_IP4 0x0800
#define TYPE_IP6 0x86dd

enum pkt_class {
	CLASS_DROP,
	CLASS_ARP,
	CLASS_TCP4,
	CLASS_UDP4,
	CLASS_ICMP4,
	CLASS_TCP6,
	CLASS_UDP6,
	CLASS_ICMP6,
	CLASS_OTHER,
	CLASS_MAX,
};

struct net_bench {
	const char *desc;
	uint32_t (*build)(uint8_t *p, unsigned int i);
	enum pkt_class want;
	uint8_t pkts[BURST][SLOT] __rte_aligned(RTE_CACHE_LINE_SIZE);
	uint32_t lens[BURST];
};

static uint8_t *
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *
put_eth(uint8_t *p, uint16_t type)
{
	static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02};

	memcpy(p, macs, sizeof(macs));
	return put16(p + sizeof(macs), type);
}

/* IPv4/TCP, 64 bytes of payload; packet i of the burst differs in its source port. */
static uint32_t
build_ip4_tcp(uint8_t *p, unsigned int i)
{
	static const uint8_t ip[IP4_LEN] = {0x45, 0, 0,  0, 0x12, 0x34, 0x40, 0, 64, IPPROTO_TCP,
	                                    0,    0, 10, 0, 0,    1,    10,   0, 0,  2};
	static const uint8_t tcp[TCP_LEN] = {0, 0,    0,    80,   1,    2, 3, 4, 5, 6, 7,
	                                     8, 0x80, 0x18, 0xff, 0xff, 0, 0, 0, 0, 1, 1,
	                                     8, 10,   0,    0,    0,    1, 0, 0, 0, 2};
	uint32_t len = ETH_LEN + IP4_LEN + TCP_LEN + PAYLOAD;
	uint8_t *q = put_eth(p, TYPE_IP4);

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

/* IPv6/UDP, 64 bytes of payload; packet i of the burst differs in its source port. */
static uint32_t
build_ip6_udp(uint8_t *p, unsigned int i)
{
	static const uint8_t ip[IP6_LEN] = {
	        0x60, 0, 0, 0, 0, 0, IPPROTO_UDP, 64, 0x20, 0x01, 0x0d, 0xb8, 0,    0,
	        0,    0, 0, 0, 0, 0, 0,           0,  0,    1,    0x20, 0x01, 0x0d, 0xb8,
	        0,    0, 0, 0, 0, 0, 0,           0,  0,    0,    0,    2};
	uint32_t len = ETH_LEN + IP6_LEN + UDP_LEN + PAYLOAD;
	uint8_t *q = put_eth(p, TYPE_IP6);

	memcpy(q, ip, sizeof(ip));
	put16(q + 4, UDP_LEN + PAYLOAD);
	q += sizeof(ip);
	q = put16(q, (uint16_t)(40000 + i));
	q = put16(q, 53);
	q = put16(q, UDP_LEN + PAYLOAD);
	q = put16(q, 0);
	for (unsigned int j = 0; j < PAYLOAD; j++)
		q[j] = (uint8_t)(i + j);
	return len;
}

static inline enum pkt_class
classify(enum mp_drop d, const struct mp_pkt_info *pi)
{
	if (d != MP_DROP_NONE)
		return CLASS_DROP;
	switch (pi->l3) {
	case MP_L3_ARP:
		return CLASS_ARP;
	case MP_L3_IPV4:
		switch (pi->l4_proto) {
		case IPPROTO_TCP:
			return CLASS_TCP4;
		case IPPROTO_UDP:
			return CLASS_UDP4;
		case IPPROTO_ICMP:
			return CLASS_ICMP4;
		default:
			return CLASS_OTHER;
		}
	case MP_L3_IPV6:
		switch (pi->l4_proto) {
		case IPPROTO_TCP:
			return CLASS_TCP6;
		case IPPROTO_UDP:
			return CLASS_UDP6;
		case IPPROTO_ICMPV6:
			return CLASS_ICMP6;
		default:
			return CLASS_OTHER;
		}
	default:
		return CLASS_OTHER;
	}
}

/* The baseline's whole "parse": EtherType and the protocol byte at a fixed offset. */
static inline enum pkt_class
peek(const uint8_t *p)
{
	uint16_t type = (uint16_t)(p[12] << 8 | p[13]);

	if (type == TYPE_IP4)
		return p[ETH_LEN + 9] == IPPROTO_TCP ? CLASS_TCP4 : CLASS_OTHER;
	if (type == TYPE_IP6)
		return p[ETH_LEN + 6] == IPPROTO_UDP ? CLASS_UDP6 : CLASS_OTHER;
	return CLASS_DROP;
}

/* Build the burst with valid checksums; false when the library disagrees with the builder. */
static bool
net_bench_setup(struct net_bench *b)
{
	for (unsigned int i = 0; i < BURST; i++) {
		struct mp_pkt_info pi;

		b->lens[i] = b->build(b->pkts[i], i);
		if (mp_parse_frame(b->pkts[i], b->lens[i], &pi) != MP_DROP_NONE)
			return false;
		mp_cksum_fill(b->pkts[i], &pi);
		if (classify(mp_cksum_verify(b->pkts[i], &pi, false, false), &pi) != b->want ||
		    peek(b->pkts[i]) != b->want)
			return false;
	}
	return true;
}

static void
net_bench_report(struct mp_bench_state *s, const struct net_bench *b)
{
	mp_bench_set_label(s, b->desc);
	mp_bench_set_items(s, mp_bench_iterations(s) * BURST);
	mp_bench_counter(s, "ns_per_pkt", BURST,
	                 MP_BENCH_C_RATE | MP_BENCH_C_PER_ITERATION | MP_BENCH_C_INVERT);
}

/*
 * net input for a burst: parse, verify checksums (in software unless the device did), then
 * classify. sw_cksum is a constant in each caller, so each gets its own specialised loop.
 */
static inline void
parse_classify(struct mp_bench_state *s, struct net_bench *b, bool sw_cksum)
{
	struct mp_pkt_info pi[BURST];
	uint64_t counts[CLASS_MAX] = {0};

	if (!net_bench_setup(b)) {
		mp_bench_skip(s, "setup: packets did not parse and verify as built");
		return;
	}
	while (mp_bench_keep_running(s)) {
		for (unsigned int i = 0; i < BURST; i++) {
			enum mp_drop d = mp_parse_frame(b->pkts[i], b->lens[i], &pi[i]);

			if (d == MP_DROP_NONE && sw_cksum)
				d = mp_cksum_verify(b->pkts[i], &pi[i], false, false);
			counts[classify(d, &pi[i])]++;
		}
		mp_bench_do_not_optimize(counts);
		mp_bench_do_not_optimize(pi);
	}
	net_bench_report(s, b);
}

static void
parse_verify(struct mp_bench_state *s, void *arg)
{
	parse_classify(s, arg, true);
}

/* Checksums flagged good by the device: mp_cksum_verify() is not called at all. */
static void
parse_only(struct mp_bench_state *s, void *arg)
{
	parse_classify(s, arg, false);
}

/* The same loop with a two-byte peek instead of the parser: the floor to compare against. */
static void
peek_classify(struct mp_bench_state *s, void *arg)
{
	struct net_bench *b = arg;
	uint64_t counts[CLASS_MAX] = {0};

	if (!net_bench_setup(b)) {
		mp_bench_skip(s, "setup: packets did not parse and verify as built");
		return;
	}
	while (mp_bench_keep_running(s)) {
		for (unsigned int i = 0; i < BURST; i++) {
			/* Keep the packet pointer opaque so the peek is not hoisted out of the
			 * loop. */
			const uint8_t *p = b->pkts[i];

			mp_bench_do_not_optimize(p);
			counts[peek(p)]++;
		}
		mp_bench_do_not_optimize(counts);
	}
	net_bench_report(s, b);
}

static struct net_bench ip4_tcp = {
        .desc = "IPv4/TCP, 32-byte TCP header, 64-byte payload",
        .build = build_ip4_tcp,
        .want = CLASS_TCP4,
};

static struct net_bench ip6_udp = {
        .desc = "IPv6/UDP, 64-byte payload",
        .build = build_ip6_udp,
        .want = CLASS_UDP6,
};

MP_BENCH_ARG(peek_classify, "net_parse/baseline_peek/ipv4_tcp", &ip4_tcp);
MP_BENCH_ARG(parse_only, "net_parse/parse_only/ipv4_tcp", &ip4_tcp);
MP_BENCH_ARG(parse_verify, "net_parse/parse_verify/ipv4_tcp", &ip4_tcp);
MP_BENCH_ARG(peek_classify, "net_parse/baseline_peek/ipv6_udp", &ip6_udp);
MP_BENCH_ARG(parse_only, "net_parse/parse_only/ipv6_udp", &ip6_udp);
MP_BENCH_ARG(parse_verify, "net_parse/parse_verify/ipv6_udp", &ip6_udp);
