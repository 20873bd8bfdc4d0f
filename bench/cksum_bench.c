/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net checksum micro benchmarks: mp_cksum_verify() against the same verification done
 * with DPDK's rte_raw_cksum(), on IPv4/UDP packets of N bytes (IP header, UDP header and
 * payload: every byte the two checksums cover, the 12-byte pseudo-header aside).
 *
 * The baseline is what lib/net/cksum.c did before it summed 8 bytes at a time:
 * rte_raw_cksum() over the IPv4 header, rte_ipv4_udptcp_cksum_verify() (rte_raw_cksum() over
 * the UDP segment plus the pseudo-header) over the rest. Both read the same burst, which stays
 * in L1 and is never modified, so the ratio of their bytes_per_second is the speed-up of the
 * sum itself.
 */
#include <netinet/in.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ip.h>

#include "harness.h"
#include "mp_net.h"

#define BURST    8    /* packets per iteration: 8 x SLOT fits in a 32 KiB L1d */
#define SLOT     2048 /* room per packet; a multiple of the cache line */
#define ETH_LEN  14
#define IP4_LEN  20
#define UDP_LEN  8
#define TYPE_IP4 0x0800
#define CKSUM_OK 0xffff /* a correct checksum makes the covered words sum to ~0 */

struct cksum_bench {
	uint32_t ip_len; /* N: bytes from the IPv4 header to the end of the payload */
	uint8_t pkts[BURST][SLOT] __rte_aligned(RTE_CACHE_LINE_SIZE);
	struct mp_pkt_info pi[BURST];
};

static uint8_t *
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

/* Ethernet, IPv4, UDP, then payload up to ip_len; packet i differs in its source port. */
static uint32_t
build_ip4_udp(uint8_t *p, uint32_t ip_len, unsigned int i)
{
	static const uint8_t eth[ETH_LEN] = {0x02, 0, 0, 0, 0,    0x01, 0x02,
	                                     0,    0, 0, 0, 0x02, 0x08, 0};
	static const uint8_t ip[IP4_LEN] = {0x45, 0, 0,  0, 0x12, 0x34, 0x40, 0, 64, IPPROTO_UDP,
	                                    0,    0, 10, 0, 0,    1,    10,   0, 0,  2};
	uint8_t *q = p;

	memcpy(q, eth, sizeof(eth));
	q += sizeof(eth);
	memcpy(q, ip, sizeof(ip));
	put16(q + 2, (uint16_t)ip_len);
	q += sizeof(ip);
	q = put16(q, (uint16_t)(40000 + i));
	q = put16(q, 53);
	q = put16(q, (uint16_t)(ip_len - IP4_LEN));
	q = put16(q, 0);
	for (uint32_t j = 0; j < ip_len - IP4_LEN - UDP_LEN; j++)
		q[j] = (uint8_t)(i + j * 7);
	return ETH_LEN + ip_len;
}

/* The baseline's verification: DPDK's helpers, as cksum.c used them before. */
static inline bool
rte_verify(const uint8_t *p)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + ETH_LEN);

	return rte_raw_cksum(ip, IP4_LEN) == CKSUM_OK &&
	       rte_ipv4_udptcp_cksum_verify(ip, p + ETH_LEN + IP4_LEN) == 0;
}

/* Build the burst with checksums from mp_cksum_fill(); false unless both sides verify it. */
static bool
cksum_bench_setup(struct cksum_bench *b)
{
	for (unsigned int i = 0; i < BURST; i++) {
		uint32_t len = build_ip4_udp(b->pkts[i], b->ip_len, i);

		if (mp_parse_frame(b->pkts[i], len, &b->pi[i]) != MP_DROP_NONE)
			return false;
		mp_cksum_fill(b->pkts[i], &b->pi[i]);
		if (mp_cksum_verify(b->pkts[i], &b->pi[i], false, false) != MP_DROP_NONE ||
		    !rte_verify(b->pkts[i]))
			return false;
	}
	return true;
}

/* good: verdicts of the timed loop, kept so the work is not optimised away. */
static void
cksum_bench_report(struct mp_bench_state *s, const struct cksum_bench *b, uint64_t good)
{
	mp_bench_do_not_optimize(&good);
	mp_bench_set_bytes(s, mp_bench_iterations(s) * BURST * (int64_t)b->ip_len);
	mp_bench_set_label(s, "IPv4/UDP, IP header + L4 checksums");
}

static void
cksum_rte(struct mp_bench_state *s, void *arg)
{
	struct cksum_bench *b = arg;
	uint64_t good = 0;

	if (!cksum_bench_setup(b)) {
		mp_bench_skip(s, "setup: packets did not verify as built");
		return;
	}
	while (mp_bench_keep_running(s)) {
		for (unsigned int i = 0; i < BURST; i++) {
			/* Keep the packet opaque so the inlined sums are not hoisted. */
			const uint8_t *p = b->pkts[i];

			mp_bench_do_not_optimize(p);
			good += rte_verify(p);
		}
	}
	cksum_bench_report(s, b, good);
}

static void
cksum_mp(struct mp_bench_state *s, void *arg)
{
	struct cksum_bench *b = arg;
	uint64_t good = 0;

	if (!cksum_bench_setup(b)) {
		mp_bench_skip(s, "setup: packets did not verify as built");
		return;
	}
	while (mp_bench_keep_running(s)) {
		for (unsigned int i = 0; i < BURST; i++) {
			const uint8_t *p = b->pkts[i];

			mp_bench_do_not_optimize(p);
			good += mp_cksum_verify(p, &b->pi[i], false, false) == MP_DROP_NONE;
		}
	}
	cksum_bench_report(s, b, good);
}

static struct cksum_bench n64 = {.ip_len = 64};
static struct cksum_bench n512 = {.ip_len = 512};
static struct cksum_bench n1500 = {.ip_len = 1500};

MP_BENCH_ARG(cksum_rte, "cksum/rte_raw_cksum/64", &n64);
MP_BENCH_ARG(cksum_mp, "cksum/mp/64", &n64);
MP_BENCH_ARG(cksum_rte, "cksum/rte_raw_cksum/512", &n512);
MP_BENCH_ARG(cksum_mp, "cksum/mp/512", &n512);
MP_BENCH_ARG(cksum_rte, "cksum/rte_raw_cksum/1500", &n1500);
MP_BENCH_ARG(cksum_mp, "cksum/mp/1500", &n1500);
