/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net parser and checksums: mp_parse_frame(), mp_cksum_verify(), mp_cksum_fill(),
 * mp_cksum_pseudo().
 *
 * Packets are built byte by byte here, with their own reference checksum (big-endian word
 * sums, written without DPDK), so a test never checks the library against itself. Every
 * parse runs on a copy placed in a heap block of exactly the frame's length: under
 * AddressSanitizer one byte read past the frame fails the test. The library's word sums are
 * also compared with DPDK's rte_raw_cksum(), which they replace, at every length and start
 * offset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>

#include "mp_net.h"
#include "test_net.h"

#define PKT_MAX        2048
#define ETH_TYPE_IP4   0x0800
#define ETH_TYPE_IP6   0x86dd
#define ETH_TYPE_ARP   0x0806
#define ETH_TYPE_VLAN  0x8100
#define ETH_TYPE_QINQ  0x88a8
#define ETH_LEN        14
#define IP4_LEN        20
#define IP6_LEN        40
#define IP4_DF         0x4000
#define IP4_MF         0x2000
#define FUZZ_SEED      0x6d657368u /* fixed: a failure must replay */
#define FUZZ_FRAMES    100000
#define FUZZ_MAX_LEN   256
#define EXT_CHAIN_LONG 32
#define SUM_SEED       0x636b73756du /* fixed: a failure must replay */
#define SUM_MAX_LEN    2048
#define SUM_OFFSETS    8 /* start offsets 0..7: every position inside an 8-byte word */
#define SUM_TRIALS     64
#define ICMP_CKSUM     2  /* checksum field of an ICMP header */
#define IP4_CKSUM      10 /* checksum field of an IPv4 header */

/* ---------------------------------------------------------------------------------------- */
/* Packet builder                                                                            */

struct pkt {
	uint8_t b[PKT_MAX];
	uint32_t len;
	uint32_t l3;    /* start of the IP or ARP header */
	uint32_t l4;    /* start of the L4 header; 0 when none was added */
	uint8_t family; /* 4, 6, or 0 for ARP */
	uint8_t proto;  /* final L4 protocol: what the pseudo-header carries */
};

static const uint8_t mac_uc[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t mac_src[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t mac_bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_mc[6] = {0x33, 0x33, 0, 0, 0, 0x01};
static const uint8_t ip4_a[4] = {10, 0, 0, 1};
static const uint8_t ip4_b[4] = {10, 0, 0, 2};
static const uint8_t ip6_a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t ip6_b[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 0xab, [15] = 2};

static void
put(struct pkt *k, const void *d, size_t n)
{
	assert_true(k->len + n <= sizeof(k->b));
	memcpy(k->b + k->len, d, n);
	k->len += (uint32_t)n;
}

static void
put8(struct pkt *k, uint8_t v)
{
	put(k, &v, 1);
}

static void
put16(struct pkt *k, uint16_t v)
{
	put8(k, (uint8_t)(v >> 8));
	put8(k, (uint8_t)v);
}

static void
put32(struct pkt *k, uint32_t v)
{
	put16(k, (uint16_t)(v >> 16));
	put16(k, (uint16_t)v);
}

/* Payload bytes that differ from position to position, so a misplaced sum shows. */
static void
put_payload(struct pkt *k, size_t n)
{
	while (n-- > 0)
		put8(k, (uint8_t)(k->len * 7 + 3));
}

static void
set16(struct pkt *k, uint32_t off, uint16_t v)
{
	k->b[off] = (uint8_t)(v >> 8);
	k->b[off + 1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *b, uint32_t off)
{
	return (uint16_t)(b[off] << 8 | b[off + 1]);
}

static void
b_eth(struct pkt *k, const uint8_t *dst, uint16_t type)
{
	memset(k, 0, sizeof(*k));
	put(k, dst, 6);
	put(k, mac_src, 6);
	put16(k, type);
}

/* One tag: TCI, then the EtherType that follows it. */
static void
b_vlan(struct pkt *k, uint16_t tci, uint16_t type)
{
	put16(k, tci);
	put16(k, type);
}

/* optlen must be a multiple of 4. Lengths and checksums are set by b_finish(). */
static void
b_ip4(struct pkt *k, uint8_t proto, const uint8_t *opts, size_t optlen)
{
	k->family = 4;
	k->l3 = k->len;
	k->proto = proto;
	put8(k, (uint8_t)(0x40 | (5 + optlen / 4)));
	put8(k, 0);
	put16(k, 0); /* total length */
	put16(k, 0x1234);
	put16(k, IP4_DF); /* DF alone is not a fragment */
	put8(k, 64);
	put8(k, proto);
	put16(k, 0); /* checksum */
	put(k, ip4_a, 4);
	put(k, ip4_b, 4);
	if (optlen > 0)
		put(k, opts, optlen);
}

static void
b_ip6(struct pkt *k, uint8_t nh)
{
	k->family = 6;
	k->l3 = k->len;
	k->proto = nh;
	put32(k, 0x60000000u | 0x0b12345u); /* traffic class and flow label set */
	put16(k, 0);                        /* payload length */
	put8(k, nh);
	put8(k, 64);
	put(k, ip6_a, 16);
	put(k, ip6_b, 16);
}

/* Extension header in the common (len + 1) * 8 format, padded with one PadN option. */
static void
b_ext(struct pkt *k, uint8_t nh, size_t hlen)
{
	assert_true(hlen >= 8 && hlen % 8 == 0);
	k->proto = nh;
	put8(k, nh);
	put8(k, (uint8_t)(hlen / 8 - 1));
	put8(k, 1); /* PadN */
	put8(k, (uint8_t)(hlen - 4));
	for (size_t i = 4; i < hlen; i++)
		put8(k, 0);
}

/* Authentication header with a 12-byte ICV: 24 bytes, length field (24 / 4) - 2. */
static void
b_ah(struct pkt *k, uint8_t nh)
{
	k->proto = nh;
	put8(k, nh);
	put8(k, 4);
	put16(k, 0);
	put32(k, 0x1000);
	put32(k, 1);
	put_payload(k, 12);
}

static void
b_frag6(struct pkt *k, uint8_t nh, uint16_t off8, bool more)
{
	k->proto = nh;
	put8(k, nh);
	put8(k, 0);
	put16(k, (uint16_t)(off8 << 3 | (more ? 1 : 0)));
	put32(k, 0xabcd);
}

static void
b_tcp(struct pkt *k, unsigned int doff, size_t payload)
{
	k->l4 = k->len;
	put16(k, 40000);
	put16(k, 80);
	put32(k, 0x01020304);
	put32(k, 0x05060708);
	put8(k, (uint8_t)(doff << 4));
	put8(k, 0x18);
	put16(k, 65535);
	put16(k, 0); /* checksum */
	put16(k, 0);
	for (unsigned int i = 5 * 4; i < doff * 4; i++)
		put8(k, 1); /* NOP options */
	put_payload(k, payload);
}

static void
b_udp(struct pkt *k, size_t payload)
{
	k->l4 = k->len;
	put16(k, 5353);
	put16(k, 53);
	put16(k, 0); /* length */
	put16(k, 0); /* checksum */
	put_payload(k, payload);
}

/* ICMP or ICMPv6: type, code, checksum, then payload (identifier and sequence included). */
static void
b_icmp(struct pkt *k, uint8_t type, size_t payload)
{
	k->l4 = k->len;
	put8(k, type);
	put8(k, 0);
	put16(k, 0);
	put_payload(k, payload);
}

static void
b_arp(struct pkt *k, uint16_t op)
{
	k->l3 = k->len;
	put16(k, 1);
	put16(k, ETH_TYPE_IP4);
	put8(k, 6);
	put8(k, 4);
	put16(k, op);
	put(k, mac_src, 6);
	put(k, ip4_a, 4);
	put(k, op == 1 ? (const uint8_t[6]){0} : mac_uc, 6);
	put(k, ip4_b, 4);
}

/* Reference checksum: the RFC 1071 definition on big-endian words, nothing clever. */
static uint32_t
ref_sum(const uint8_t *d, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(d[i] << 8 | d[i + 1]);
	if (n % 2 == 1)
		acc += (uint32_t)d[n - 1] << 8;
	return acc;
}

static uint16_t
ref_fold(uint32_t acc)
{
	while (acc >> 16 != 0)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static uint32_t
ref_pseudo(const uint8_t *b, uint32_t l3, int family, uint8_t proto, uint32_t l4_bytes)
{
	if (family == 4)
		return ref_sum(b + l3 + 12, 8, 0) + proto + l4_bytes;
	return ref_sum(b + l3 + 8, 32, 0) + (l4_bytes >> 16) + (l4_bytes & 0xffff) + proto;
}

static uint32_t
l4_cksum_field(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
}

/* Set the length fields and the checksums from what was written so far. */
static void
b_finish(struct pkt *k)
{
	if (k->family == 4)
		set16(k, k->l3 + 2, (uint16_t)(k->len - k->l3));
	else if (k->family == 6)
		set16(k, k->l3 + 4, (uint16_t)(k->len - k->l3 - IP6_LEN));
	if (k->l4 != 0) {
		uint32_t n = k->len - k->l4;
		uint32_t field = k->l4 + l4_cksum_field(k->proto);
		uint32_t acc = 0;
		uint16_t ck;

		if (k->proto == IPPROTO_UDP)
			set16(k, k->l4 + 4, (uint16_t)n);
		set16(k, field, 0);
		if (k->proto != IPPROTO_ICMP)
			acc = ref_pseudo(k->b, k->l3, k->family, k->proto, n);
		ck = (uint16_t)~ref_fold(ref_sum(k->b + k->l4, n, acc));
		if (ck == 0 && k->proto == IPPROTO_UDP)
			ck = 0xffff;
		set16(k, field, ck);
	}
	if (k->family == 4) {
		uint32_t hlen = (k->b[k->l3] & 0x0f) * 4u;

		set16(k, k->l3 + 10, 0);
		set16(k, k->l3 + 10, (uint16_t)~ref_fold(ref_sum(k->b + k->l3, hlen, 0)));
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Running the parser on an exact-size copy                                                  */

static uint8_t *
exact_copy(const uint8_t *b, uint32_t len)
{
	/* malloc(0) may return NULL; keep a valid pointer with no readable byte behind it. */
	uint8_t *c = malloc(len > 0 ? len : 1);

	assert_non_null(c);
	memcpy(c, b, len);
	return c;
}

/* Compare drops by name so a failure says which reason came back. */
#define assert_drop(got, want) assert_string_equal(mp_drop_name(got), mp_drop_name(want))

/*
 * mp_parse_frame() (its one-pass path for TCP and UDP over IPv4, else the walk) and the walk
 * alone give the same verdict, and on success the same description, field by field.
 */
static enum mp_drop
parse_both(const uint8_t *buf, uint32_t len, struct mp_pkt_info *pi)
{
	struct mp_pkt_info w;
	enum mp_drop d = mp_parse_frame(buf, len, pi), dw = mp_parse_frame_walk(buf, len, &w);

	assert_drop(d, dw);
	if (d != MP_DROP_NONE)
		return d;
	assert_int_equal(pi->pkt_len, w.pkt_len);
	assert_int_equal(pi->ethertype, w.ethertype);
	assert_int_equal(pi->vlan_tci, w.vlan_tci);
	assert_int_equal(pi->l3_off, w.l3_off);
	assert_int_equal(pi->l3_len, w.l3_len);
	assert_int_equal(pi->l4_off, w.l4_off);
	assert_int_equal(pi->l4_len, w.l4_len);
	assert_int_equal(pi->flags, w.flags);
	assert_int_equal(pi->l3, w.l3);
	assert_int_equal(pi->l4_proto, w.l4_proto);
	assert_int_equal(pi->frag_ext_off, w.frag_ext_off);
	assert_int_equal(pi->local, w.local);
	return d;
}

static enum mp_drop
parse_len(const struct pkt *k, uint32_t len, struct mp_pkt_info *pi)
{
	uint8_t *c = exact_copy(k->b, len);
	enum mp_drop d = parse_both(c, len, pi);

	free(c);
	return d;
}

static enum mp_drop
parse(const struct pkt *k, struct mp_pkt_info *pi)
{
	return parse_len(k, k->len, pi);
}

static void
expect_drop(const struct pkt *k, enum mp_drop want)
{
	struct mp_pkt_info pi;

	assert_drop(parse(k, &pi), want);
}

static enum mp_drop
verify(const struct pkt *k, const struct mp_pkt_info *pi, bool skip_l3, bool skip_l4)
{
	uint8_t *c = exact_copy(k->b, k->len);
	enum mp_drop d = mp_cksum_verify(c, pi, skip_l3, skip_l4);

	free(c);
	return d;
}

/* ---------------------------------------------------------------------------------------- */
/* Well-formed packets and what the parser must find in them                                 */

static void
build_ip4_tcp(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP4);
	b_ip4(k, IPPROTO_TCP, NULL, 0);
	b_tcp(k, 5, 26);
	b_finish(k);
}

static void
build_ip4_udp(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP4);
	b_ip4(k, IPPROTO_UDP, NULL, 0);
	b_udp(k, 18);
	b_finish(k);
}

static void
build_ip4_icmp(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP4);
	b_ip4(k, IPPROTO_ICMP, NULL, 0);
	b_icmp(k, 8, 36);
	b_finish(k);
}

static void
build_ip4_opts(struct pkt *k)
{
	/* NOP, NOP, Record Route (7 bytes, one slot), EOL, then padding after EOL */
	static const uint8_t opts[12] = {1, 1, 7, 7, 4, 10, 0, 0, 9, 0, 0, 0};

	b_eth(k, mac_uc, ETH_TYPE_IP4);
	b_ip4(k, IPPROTO_TCP, opts, sizeof(opts));
	b_tcp(k, 8, 10);
	b_finish(k);
}

static void
build_ip4_other(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP4);
	b_ip4(k, IPPROTO_GRE, NULL, 0);
	put_payload(k, 8);
	b_finish(k);
}

static void
build_ip4_frag_first(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP4);
	b_ip4(k, IPPROTO_UDP, NULL, 0);
	set16(k, k->l3 + 6, IP4_MF);
	b_udp(k, 40);
	b_finish(k);
	/* The UDP length counts the whole datagram: the parser must not check it here. */
	set16(k, k->l4 + 4, 1008);
}

static void
build_ip4_frag_later(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP4);
	b_ip4(k, IPPROTO_UDP, NULL, 0);
	set16(k, k->l3 + 6, 185); /* offset 1480, last fragment */
	put_payload(k, 40);
	b_finish(k);
}

static void
build_ip6_tcp(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP6);
	b_ip6(k, IPPROTO_TCP);
	b_tcp(k, 5, 13); /* odd length: the last byte is summed as a padded word */
	b_finish(k);
}

static void
build_ip6_udp(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP6);
	b_ip6(k, IPPROTO_UDP);
	b_udp(k, 21);
	b_finish(k);
}

static void
build_ip6_icmp6(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP6);
	b_ip6(k, IPPROTO_ICMPV6);
	b_icmp(k, 128, 60);
	b_finish(k);
}

static void
build_ip6_ext(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP6);
	b_ip6(k, IPPROTO_HOPOPTS);
	b_ext(k, IPPROTO_DSTOPTS, 8);
	b_ext(k, IPPROTO_ROUTING, 16);
	b_ext(k, IPPROTO_UDP, 24);
	b_udp(k, 11);
	b_finish(k);
}

static void
build_ip6_ah(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP6);
	b_ip6(k, IPPROTO_AH);
	b_ah(k, IPPROTO_TCP);
	b_tcp(k, 5, 0);
	b_finish(k);
}

static void
build_ip6_hip_shim6_mh(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP6);
	b_ip6(k, 139);               /* HIP */
	b_ext(k, 140, 16);           /* Shim6 next */
	b_ext(k, 135, 8);            /* Mobility next */
	b_ext(k, IPPROTO_ICMPV6, 8); /* real ones say 59; the parser follows what it is told */
	b_icmp(k, 129, 4);
	b_finish(k);
}

static void
build_ip6_frag_first(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP6);
	b_ip6(k, IPPROTO_FRAGMENT);
	b_frag6(k, IPPROTO_UDP, 0, true);
	b_udp(k, 40);
	b_finish(k);
	set16(k, k->l4 + 4, 1008);
}

static void
build_ip6_frag_later(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP6);
	b_ip6(k, IPPROTO_FRAGMENT);
	b_frag6(k, IPPROTO_UDP, 185, false);
	put_payload(k, 40);
	b_finish(k);
}

static void
build_ip6_nonext(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_IP6);
	b_ip6(k, IPPROTO_NONE);
	b_finish(k);
}

static void
build_arp_request(struct pkt *k)
{
	b_eth(k, mac_bc, ETH_TYPE_ARP);
	b_arp(k, 1);
}

static void
build_arp_reply(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_ARP);
	b_arp(k, 2);
}

static void
build_vlan1_ip4_udp(struct pkt *k)
{
	b_eth(k, mac_uc, ETH_TYPE_VLAN);
	b_vlan(k, 100, ETH_TYPE_IP4);
	b_ip4(k, IPPROTO_UDP, NULL, 0);
	b_udp(k, 18);
	b_finish(k);
}

static void
build_vlan2_ip6_tcp(struct pkt *k)
{
	b_eth(k, mac_mc, ETH_TYPE_QINQ);
	b_vlan(k, 0x2005, ETH_TYPE_VLAN);
	b_vlan(k, 7, ETH_TYPE_IP6);
	b_ip6(k, IPPROTO_TCP);
	b_tcp(k, 6, 4);
	b_finish(k);
}

struct good_case {
	const char *name;
	void (*build)(struct pkt *k);
	struct mp_pkt_info want;
};

#define F_FRAG_FIRST (MP_PKT_F_FRAG | MP_PKT_F_FRAG_FIRST)
#define F_V6_EXT     MP_PKT_F_IP6_EXT
#define V4           MP_L3_IPV4
#define V6           MP_L3_IPV6
#define T_IP4        ETH_TYPE_IP4
#define T_IP6        ETH_TYPE_IP6

/* Positional, in the order of the columns of the table below. */
#define INFO(len, type, tci, l3o, l3l, l4o, l4l, fl, l3t, proto, frag)                         \
	{                                                                                      \
		.pkt_len = (len), .ethertype = (type), .vlan_tci = (tci), .l3_off = (l3o),     \
		.l3_len = (l3l), .l4_off = (l4o), .l4_len = (l4l), .flags = (fl), .l3 = (l3t), \
		.l4_proto = (proto), .frag_ext_off = (frag)                                    \
	}

/* Every value below is worked out by hand from the builder, not read back from the parser. */
static const struct good_case good[] = {
        /* pkt_len, ethertype, vlan_tci, l3_off, l3_len, l4_off, l4_len, flags, l3, l4_proto,
         * frag_ext_off */
        {"ip4_tcp", build_ip4_tcp, INFO(80, T_IP4, 0, 14, 20, 34, 20, 0, V4, IPPROTO_TCP, 0)},
        {"ip4_udp", build_ip4_udp, INFO(60, T_IP4, 0, 14, 20, 34, 8, 0, V4, IPPROTO_UDP, 0)},
        {"ip4_icmp", build_ip4_icmp, INFO(74, T_IP4, 0, 14, 20, 34, 4, 0, V4, IPPROTO_ICMP, 0)},
        {"ip4_opts", build_ip4_opts,
         INFO(88, T_IP4, 0, 14, 32, 46, 32, MP_PKT_F_IP4_OPTS, V4, IPPROTO_TCP, 0)},
        {"ip4_other", build_ip4_other, INFO(42, T_IP4, 0, 14, 20, 34, 0, 0, V4, IPPROTO_GRE, 0)},
        {"ip4_frag_first", build_ip4_frag_first,
         INFO(82, T_IP4, 0, 14, 20, 34, 0, F_FRAG_FIRST, V4, IPPROTO_UDP, 0)},
        {"ip4_frag_later", build_ip4_frag_later,
         INFO(74, T_IP4, 0, 14, 20, 34, 0, MP_PKT_F_FRAG, V4, IPPROTO_UDP, 0)},
        {"ip6_tcp", build_ip6_tcp, INFO(87, T_IP6, 0, 14, 40, 54, 20, 0, V6, IPPROTO_TCP, 0)},
        {"ip6_udp", build_ip6_udp, INFO(83, T_IP6, 0, 14, 40, 54, 8, 0, V6, IPPROTO_UDP, 0)},
        {"ip6_icmp6", build_ip6_icmp6,
         INFO(118, T_IP6, 0, 14, 40, 54, 4, 0, V6, IPPROTO_ICMPV6, 0)},
        {"ip6_hbh_dst_rt_udp", build_ip6_ext,
         INFO(121, T_IP6, 0, 14, 88, 102, 8, F_V6_EXT, V6, IPPROTO_UDP, 0)},
        {"ip6_ah_tcp", build_ip6_ah,
         INFO(98, T_IP6, 0, 14, 64, 78, 20, F_V6_EXT, V6, IPPROTO_TCP, 0)},
        {"ip6_hip_shim6_mh_icmp6", build_ip6_hip_shim6_mh,
         INFO(94, T_IP6, 0, 14, 72, 86, 4, F_V6_EXT, V6, IPPROTO_ICMPV6, 0)},
        {"ip6_frag_first", build_ip6_frag_first,
         INFO(110, T_IP6, 0, 14, 48, 62, 0, F_FRAG_FIRST | F_V6_EXT, V6, IPPROTO_UDP, 54)},
        {"ip6_frag_later", build_ip6_frag_later,
         INFO(102, T_IP6, 0, 14, 48, 62, 0, MP_PKT_F_FRAG | F_V6_EXT, V6, IPPROTO_UDP, 54)},
        {"ip6_no_next", build_ip6_nonext,
         INFO(54, T_IP6, 0, 14, 40, 54, 0, 0, V6, IPPROTO_NONE, 0)},
        {"arp_request", build_arp_request,
         INFO(42, ETH_TYPE_ARP, 0, 14, 28, 42, 0, MP_PKT_F_L2_BCAST, MP_L3_ARP, 0, 0)},
        {"arp_reply", build_arp_reply,
         INFO(42, ETH_TYPE_ARP, 0, 14, 28, 42, 0, 0, MP_L3_ARP, 0, 0)},
        {"vlan1_ip4_udp", build_vlan1_ip4_udp,
         INFO(64, T_IP4, 100, 18, 20, 38, 8, MP_PKT_F_VLAN, V4, IPPROTO_UDP, 0)},
        {"vlan2_ip6_tcp", build_vlan2_ip6_tcp,
         INFO(90, T_IP6, 0x2005, 22, 40, 62, 24, MP_PKT_F_VLAN | MP_PKT_F_L2_MCAST, V6, IPPROTO_TCP,
              0)},
};

#define N_GOOD (sizeof(good) / sizeof(good[0]))

#define CHECK_FIELD(name, got, want, f)                                                 \
	do {                                                                            \
		if ((got)->f != (want)->f)                                              \
			fail_msg("%s: " #f " is %u, want %u", name, (unsigned)(got)->f, \
			         (unsigned)(want)->f);                                  \
	} while (0)

static void
check_info(const char *name, const struct mp_pkt_info *got, const struct mp_pkt_info *want)
{
	CHECK_FIELD(name, got, want, pkt_len);
	CHECK_FIELD(name, got, want, ethertype);
	CHECK_FIELD(name, got, want, vlan_tci);
	CHECK_FIELD(name, got, want, l3_off);
	CHECK_FIELD(name, got, want, l3_len);
	CHECK_FIELD(name, got, want, l4_off);
	CHECK_FIELD(name, got, want, l4_len);
	CHECK_FIELD(name, got, want, flags);
	CHECK_FIELD(name, got, want, l3);
	CHECK_FIELD(name, got, want, l4_proto);
	CHECK_FIELD(name, got, want, frag_ext_off);
}

static bool
has_l4_cksum(const struct mp_pkt_info *pi)
{
	return pi->l4_len != 0 && (pi->flags & MP_PKT_F_FRAG) == 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Well-formed input                                                                         */

static void
test_good_fields(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_GOOD; i++) {
		struct mp_pkt_info pi;
		struct pkt k;

		good[i].build(&k);
		assert_int_equal(k.len, good[i].want.pkt_len);
		assert_drop(parse(&k, &pi), MP_DROP_NONE);
		check_info(good[i].name, &pi, &good[i].want);
		assert_drop(verify(&k, &pi, false, false), MP_DROP_NONE);
	}
}

/* Ethernet pads short frames to 60 bytes; padding is neither payload nor checksummed. */
static void
test_padding(void **state)
{
	static void (*const builds[])(struct pkt *) = {build_ip4_udp, build_ip4_tcp, build_ip6_udp,
	                                               build_arp_request};

	(void)state;
	for (size_t i = 0; i < sizeof(builds) / sizeof(builds[0]); i++) {
		struct mp_pkt_info pi;
		struct pkt k;
		uint32_t len;

		builds[i](&k);
		len = k.len;
		for (int j = 0; j < 18; j++)
			put8(&k, 0xa5);
		assert_drop(parse(&k, &pi), MP_DROP_NONE);
		assert_int_equal(pi.pkt_len, len);
		assert_drop(verify(&k, &pi, false, false), MP_DROP_NONE);
	}
}

static void
test_l2_flags(void **state)
{
	static const uint8_t mac_almost_bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
	static const uint8_t mac_v4mc[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
	struct mp_pkt_info pi;
	struct pkt k;

	(void)state;
	build_ip4_udp(&k);
	memcpy(k.b, mac_bc, 6);
	assert_drop(parse(&k, &pi), MP_DROP_NONE);
	assert_int_equal(pi.flags, MP_PKT_F_L2_BCAST);
	memcpy(k.b, mac_almost_bc, 6);
	assert_drop(parse(&k, &pi), MP_DROP_NONE);
	assert_int_equal(pi.flags, MP_PKT_F_L2_MCAST);
	memcpy(k.b, mac_v4mc, 6);
	assert_drop(parse(&k, &pi), MP_DROP_NONE);
	assert_int_equal(pi.flags, MP_PKT_F_L2_MCAST);
	memcpy(k.b, mac_uc, 6);
	assert_drop(parse(&k, &pi), MP_DROP_NONE);
	assert_int_equal(pi.flags, 0);
}

/* ---------------------------------------------------------------------------------------- */
/* Malformed input                                                                           */

/* Every prefix of every well-formed frame is a drop, and none is read past its end. */
static void
test_truncation_every_length(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_GOOD; i++) {
		struct mp_pkt_info pi;
		struct pkt k;

		good[i].build(&k);
		for (uint32_t len = 0; len < k.len; len++) {
			enum mp_drop d = parse_len(&k, len, &pi);

			if (d == MP_DROP_NONE)
				fail_msg("%s cut to %u bytes parsed", good[i].name, len);
		}
	}
}

static void
test_truncation_reasons(void **state)
{
	struct mp_pkt_info pi;
	struct pkt k;

	(void)state;
	build_ip4_tcp(&k);
	assert_drop(parse_len(&k, 0, &pi), MP_DROP_ETH_TRUNC);
	assert_drop(parse_len(&k, 13, &pi), MP_DROP_ETH_TRUNC);
	assert_drop(parse_len(&k, 14, &pi), MP_DROP_IP4_TRUNC);
	assert_drop(parse_len(&k, 33, &pi), MP_DROP_IP4_TRUNC);
	assert_drop(parse_len(&k, 79, &pi), MP_DROP_IP4_TRUNC);
	build_ip6_udp(&k);
	assert_drop(parse_len(&k, 53, &pi), MP_DROP_IP6_TRUNC);
	assert_drop(parse_len(&k, 82, &pi), MP_DROP_IP6_TRUNC);
	build_arp_reply(&k);
	assert_drop(parse_len(&k, 41, &pi), MP_DROP_ARP_TRUNC);
	build_vlan2_ip6_tcp(&k);
	assert_drop(parse_len(&k, 17, &pi), MP_DROP_VLAN_TRUNC);
	assert_drop(parse_len(&k, 21, &pi), MP_DROP_VLAN_TRUNC);
}

static void
test_ethertype(void **state)
{
	struct pkt k;

	(void)state;
	build_ip4_udp(&k);
	set16(&k, 12, 0x88cc); /* LLDP */
	expect_drop(&k, MP_DROP_ETHERTYPE);
	set16(&k, 12, 0x05dc); /* 802.3 length, not a type */
	expect_drop(&k, MP_DROP_ETHERTYPE);
	build_vlan1_ip4_udp(&k);
	set16(&k, 16, 0x88cc);
	expect_drop(&k, MP_DROP_ETHERTYPE);
}

static void
test_vlan_stack(void **state)
{
	struct mp_pkt_info pi;
	struct pkt k;

	(void)state;
	b_eth(&k, mac_uc, ETH_TYPE_QINQ);
	b_vlan(&k, 1, ETH_TYPE_VLAN);
	b_vlan(&k, 2, ETH_TYPE_VLAN);
	b_vlan(&k, 3, ETH_TYPE_IP4);
	b_ip4(&k, IPPROTO_UDP, NULL, 0);
	b_udp(&k, 8);
	b_finish(&k);
	expect_drop(&k, MP_DROP_VLAN_STACK);

	/* Two tags of the same TPID are as good as 802.1ad over 802.1Q. */
	b_eth(&k, mac_uc, ETH_TYPE_VLAN);
	b_vlan(&k, 0xe00a, ETH_TYPE_VLAN);
	b_vlan(&k, 3, ETH_TYPE_IP4);
	b_ip4(&k, IPPROTO_UDP, NULL, 0);
	b_udp(&k, 8);
	b_finish(&k);
	assert_drop(parse(&k, &pi), MP_DROP_NONE);
	assert_int_equal(pi.vlan_tci, 0xe00a);
	assert_int_equal(pi.l3_off, 22);
}

static void
test_bad_version(void **state)
{
	struct pkt k;

	(void)state;
	build_ip4_tcp(&k);
	k.b[14] = 0x65;
	expect_drop(&k, MP_DROP_IP4_VERSION);
	build_ip6_tcp(&k);
	k.b[14] = 0x40 | (k.b[14] & 0x0f);
	expect_drop(&k, MP_DROP_IP6_VERSION);
}

static void
test_ip4_lying_lengths(void **state)
{
	struct pkt k;

	(void)state;
	build_ip4_tcp(&k);
	set16(&k, 16, (uint16_t)(k.len - 14 + 1)); /* one byte past the frame */
	expect_drop(&k, MP_DROP_IP4_TRUNC);
	set16(&k, 16, 0xffff);
	expect_drop(&k, MP_DROP_IP4_TRUNC);
	set16(&k, 16, 19); /* below IHL * 4 */
	expect_drop(&k, MP_DROP_IP4_TOTLEN);
	set16(&k, 16, 0);
	expect_drop(&k, MP_DROP_IP4_TOTLEN);

	build_ip4_tcp(&k);
	k.b[14] = 0x44; /* IHL 4 */
	expect_drop(&k, MP_DROP_IP4_HDRLEN);
	k.b[14] = 0x40;
	expect_drop(&k, MP_DROP_IP4_HDRLEN);

	/* IHL 15 (60 bytes) but only 40 in the datagram */
	build_ip4_udp(&k);
	k.b[14] = 0x4f;
	set16(&k, 16, 40);
	expect_drop(&k, MP_DROP_IP4_TOTLEN);

	build_ip4_opts(&k);
	set16(&k, 16, 30); /* IHL 8 = 32 bytes */
	expect_drop(&k, MP_DROP_IP4_TOTLEN);
}

/* An IP length shorter than the L4 header makes the rest of the frame padding. */
static void
test_l4_truncated(void **state)
{
	struct pkt k;

	(void)state;
	build_ip4_tcp(&k);
	set16(&k, 16, IP4_LEN + 19);
	expect_drop(&k, MP_DROP_L4_TRUNC);
	build_ip4_udp(&k);
	set16(&k, 16, IP4_LEN + 7);
	expect_drop(&k, MP_DROP_L4_TRUNC);
	build_ip4_icmp(&k);
	set16(&k, 16, IP4_LEN + 3);
	expect_drop(&k, MP_DROP_L4_TRUNC);
	build_ip6_icmp6(&k);
	set16(&k, 18, 3);
	expect_drop(&k, MP_DROP_L4_TRUNC);
	build_ip6_tcp(&k);
	set16(&k, 18, 0);
	expect_drop(&k, MP_DROP_L4_TRUNC);
}

static void
test_ip6_lying_length(void **state)
{
	struct pkt k;

	(void)state;
	build_ip6_udp(&k);
	set16(&k, 18, (uint16_t)(k.len - 14 - IP6_LEN + 1));
	expect_drop(&k, MP_DROP_IP6_TRUNC);
	set16(&k, 18, 0xffff);
	expect_drop(&k, MP_DROP_IP6_TRUNC);
}

static void
test_tcp_data_offset(void **state)
{
	static const uint8_t bad[] = {0, 1, 4, 12, 15};
	struct pkt k;

	(void)state;
	/* 46-byte segment: data offsets 12 (48) and 15 (60) point past it */
	for (size_t i = 0; i < sizeof(bad); i++) {
		build_ip4_tcp(&k);
		k.b[34 + 12] = (uint8_t)(bad[i] << 4);
		expect_drop(&k, MP_DROP_TCP_HDRLEN);
	}
	build_ip6_tcp(&k); /* 33-byte segment */
	k.b[54 + 12] = 9 << 4;
	expect_drop(&k, MP_DROP_TCP_HDRLEN);
	k.b[54 + 12] = 8 << 4; /* 32 <= 33: fine */
	expect_drop(&k, MP_DROP_NONE);
}

static void
test_udp_length(void **state)
{
	static const int16_t delta[] = {-1, 1, -26, 100};
	struct pkt k;

	(void)state;
	for (size_t i = 0; i < sizeof(delta) / sizeof(delta[0]); i++) {
		build_ip4_udp(&k);
		set16(&k, 34 + 4, (uint16_t)(26 + delta[i]));
		expect_drop(&k, MP_DROP_UDP_LEN);
		build_ip6_udp(&k);
		set16(&k, 54 + 4, (uint16_t)(29 + delta[i]));
		expect_drop(&k, MP_DROP_UDP_LEN);
	}
}

static void
ip4_with_opts(struct pkt *k, const uint8_t opts[8])
{
	b_eth(k, mac_uc, ETH_TYPE_IP4);
	b_ip4(k, IPPROTO_UDP, opts, 8);
	b_udp(k, 4);
	b_finish(k);
}

static void
test_ip4_options(void **state)
{
	static const struct {
		uint8_t opts[8];
		enum mp_drop want;
	} cases[] = {
	        {{0x07, 0, 1, 1, 1, 1, 1, 1}, MP_DROP_IP4_OPTS},    /* length 0 */
	        {{0x07, 1, 1, 1, 1, 1, 1, 1}, MP_DROP_IP4_OPTS},    /* length 1 */
	        {{1, 1, 0x07, 7, 0, 0, 0, 0}, MP_DROP_IP4_OPTS},    /* 7 bytes from offset 2 */
	        {{1, 1, 1, 1, 1, 1, 1, 0x07}, MP_DROP_IP4_OPTS},    /* no room for the length */
	        {{0x44, 0xff, 0, 0, 0, 0, 0, 0}, MP_DROP_IP4_OPTS}, /* length 255 */
	        {{0x07, 8, 4, 0, 0, 0, 0, 0}, MP_DROP_NONE},        /* exactly fills the header */
	        {{1, 1, 1, 1, 1, 1, 1, 1}, MP_DROP_NONE},           /* NOPs only */
	        {{0, 0x07, 0, 0xff, 0xff, 0, 0, 0}, MP_DROP_NONE},  /* nothing is read after EOL */
	};
	struct mp_pkt_info pi;
	struct pkt k;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ip4_with_opts(&k, cases[i].opts);
		assert_drop(parse(&k, &pi), cases[i].want);
		if (cases[i].want == MP_DROP_NONE) {
			assert_int_equal(pi.flags, MP_PKT_F_IP4_OPTS);
			assert_int_equal(pi.l3_len, 28);
			assert_drop(verify(&k, &pi, false, false), MP_DROP_NONE);
		}
	}
}

static void
test_ip4_source_ttl(void **state)
{
	static const uint8_t bad[][4] = {
	        {224, 0, 0, 1}, {239, 255, 255, 255}, {255, 255, 255, 255},
	        {127, 0, 0, 1}, {127, 255, 255, 254},
	};
	static const uint8_t fine[][4] = {{0, 0, 0, 0}, {223, 255, 255, 255}, {128, 0, 0, 1}};
	struct pkt k;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_ip4_udp(&k);
		memcpy(k.b + 14 + 12, bad[i], 4);
		expect_drop(&k, MP_DROP_IP4_SRC);
	}
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		build_ip4_udp(&k);
		memcpy(k.b + 14 + 12, fine[i], 4);
		expect_drop(&k, MP_DROP_NONE);
	}
	build_ip4_udp(&k);
	k.b[14 + 8] = 0;
	expect_drop(&k, MP_DROP_IP4_TTL);
	k.b[14 + 8] = 1;
	expect_drop(&k, MP_DROP_NONE);
}

static void
test_ip6_source(void **state)
{
	static const uint8_t mcast[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t loopback[16] = {[15] = 1};
	static const uint8_t unspec[16] = {0};
	struct pkt k;

	(void)state;
	build_ip6_udp(&k);
	memcpy(k.b + 14 + 8, mcast, 16);
	expect_drop(&k, MP_DROP_IP6_SRC);
	memcpy(k.b + 14 + 8, loopback, 16);
	expect_drop(&k, MP_DROP_IP6_SRC);
	memcpy(k.b + 14 + 8, unspec, 16); /* duplicate address detection sends from :: */
	expect_drop(&k, MP_DROP_NONE);
}

static void
ip6_dstopts_chain(struct pkt *k, unsigned int n, uint8_t first)
{
	b_eth(k, mac_uc, ETH_TYPE_IP6);
	b_ip6(k, first);
	for (unsigned int i = 0; i + 1 < n; i++)
		b_ext(k, IPPROTO_DSTOPTS, 8);
	b_ext(k, IPPROTO_UDP, 8);
	b_udp(k, 4);
	b_finish(k);
}

static void
test_ip6_ext_chain(void **state)
{
	struct mp_pkt_info pi;
	struct pkt k;

	(void)state;
	ip6_dstopts_chain(&k, MP_NET_IP6_EXT_MAX, IPPROTO_DSTOPTS);
	assert_drop(parse(&k, &pi), MP_DROP_NONE);
	assert_int_equal(pi.l3_len, IP6_LEN + 8 * MP_NET_IP6_EXT_MAX);
	assert_drop(verify(&k, &pi, false, false), MP_DROP_NONE);
	ip6_dstopts_chain(&k, MP_NET_IP6_EXT_MAX + 1, IPPROTO_DSTOPTS);
	expect_drop(&k, MP_DROP_IP6_EXT_LIMIT);
	ip6_dstopts_chain(&k, EXT_CHAIN_LONG, IPPROTO_DSTOPTS);
	expect_drop(&k, MP_DROP_IP6_EXT_LIMIT);

	/* Hop-by-Hop anywhere but first */
	b_eth(&k, mac_uc, ETH_TYPE_IP6);
	b_ip6(&k, IPPROTO_DSTOPTS);
	b_ext(&k, IPPROTO_HOPOPTS, 8);
	b_ext(&k, IPPROTO_UDP, 8);
	b_udp(&k, 4);
	b_finish(&k);
	expect_drop(&k, MP_DROP_IP6_EXT_ORDER);
	b_eth(&k, mac_uc, ETH_TYPE_IP6);
	b_ip6(&k, IPPROTO_HOPOPTS);
	b_ext(&k, IPPROTO_HOPOPTS, 8);
	b_ext(&k, IPPROTO_UDP, 8);
	b_udp(&k, 4);
	b_finish(&k);
	expect_drop(&k, MP_DROP_IP6_EXT_ORDER);
}

static void
test_ip6_ext_truncated(void **state)
{
	struct pkt k;

	(void)state;
	build_ip6_ext(&k);
	k.b[54 + 8 + 1] = 10; /* destination options claims 88 bytes */
	expect_drop(&k, MP_DROP_IP6_EXT_TRUNC);
	build_ip6_ext(&k);
	set16(&k, 18, 1); /* payload ends inside the first extension header */
	expect_drop(&k, MP_DROP_IP6_EXT_TRUNC);
	set16(&k, 18, 12);
	expect_drop(&k, MP_DROP_IP6_EXT_TRUNC);
	build_ip6_frag_first(&k);
	set16(&k, 18, 7);
	expect_drop(&k, MP_DROP_IP6_EXT_TRUNC);
	build_ip6_ah(&k);
	k.b[54 + 1] = 5; /* AH: (5 + 2) * 4 = 28 fits, leaving 16 bytes for TCP */
	expect_drop(&k, MP_DROP_L4_TRUNC);
	k.b[54 + 1] = 60; /* 248 bytes */
	expect_drop(&k, MP_DROP_IP6_EXT_TRUNC);
}

static void
test_arp_bad(void **state)
{
	static const struct {
		uint32_t off;
		uint16_t val;
		bool wide;
	} cases[] = {
	        {0, 6, true},      /* hardware IEEE 802 */
	        {2, 0x86dd, true}, /* protocol IPv6 */
	        {4, 8, false},     /* hardware length */
	        {5, 16, false},    /* protocol length */
	        {6, 0, true},      /* opcode 0 */
	        {6, 3, true},      /* RARP request */
	};
	struct pkt k;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build_arp_request(&k);
		if (cases[i].wide)
			set16(&k, 14 + cases[i].off, cases[i].val);
		else
			k.b[14 + cases[i].off] = (uint8_t)cases[i].val;
		expect_drop(&k, MP_DROP_ARP_BAD);
	}
}

static void
test_fragments(void **state)
{
	struct mp_pkt_info pi;
	struct pkt k;

	(void)state;
	/* Offset with MF: a middle fragment */
	build_ip4_frag_later(&k);
	set16(&k, 20, IP4_MF | 90);
	b_finish(&k);
	assert_drop(parse(&k, &pi), MP_DROP_NONE);
	assert_int_equal(pi.flags, MP_PKT_F_FRAG);
	assert_int_equal(pi.l4_len, 0);

	/* The header checksum is still checked on a fragment; the L4 one cannot be. */
	build_ip4_frag_first(&k);
	assert_drop(parse(&k, &pi), MP_DROP_NONE);
	k.b[34 + 6] ^= 0x55;
	assert_drop(verify(&k, &pi, false, false), MP_DROP_NONE);
	k.b[14 + 4] ^= 0x01;
	assert_drop(verify(&k, &pi, false, false), MP_DROP_IP4_CSUM);

	/* An atomic fragment (offset 0, no M) still carries a fragment header. */
	build_ip6_frag_first(&k);
	set16(&k, 54 + 2, 0);
	assert_drop(parse(&k, &pi), MP_DROP_NONE);
	assert_int_equal(pi.flags, F_FRAG_FIRST | MP_PKT_F_IP6_EXT);
	assert_int_equal(pi.frag_ext_off, 54);

	/* A fragment header after other extension headers */
	b_eth(&k, mac_uc, ETH_TYPE_IP6);
	b_ip6(&k, IPPROTO_HOPOPTS);
	b_ext(&k, IPPROTO_FRAGMENT, 8);
	b_frag6(&k, IPPROTO_TCP, 100, true);
	put_payload(&k, 16);
	b_finish(&k);
	assert_drop(parse(&k, &pi), MP_DROP_NONE);
	assert_int_equal(pi.flags, MP_PKT_F_FRAG | MP_PKT_F_IP6_EXT);
	assert_int_equal(pi.frag_ext_off, 62);
	assert_int_equal(pi.l4_off, 70);
	assert_int_equal(pi.l4_proto, IPPROTO_TCP);
}

/* ---------------------------------------------------------------------------------------- */
/* Checksums                                                                                 */

/* Bytes of the IP header that the L4 pseudo-header covers: the addresses. */
static bool
in_pseudo_addrs(const struct mp_pkt_info *pi, uint32_t off)
{
	if (!has_l4_cksum(pi) || pi->l4_proto == IPPROTO_ICMP)
		return false;
	if (pi->l3 == MP_L3_IPV4)
		return off >= pi->l3_off + 12u && off < pi->l3_off + 20u;
	return off >= pi->l3_off + 8u && off < pi->l3_off + 40u;
}

/* What mp_cksum_verify() must answer for frame f: k's parse with byte off changed. */
static enum mp_drop
flip_want(const struct pkt *f, const struct mp_pkt_info *pi, uint32_t off, bool skip_l3,
          bool skip_l4)
{
	bool in_ip4 = pi->l3 == MP_L3_IPV4 && off < pi->l4_off;
	bool in_l4 = off >= pi->l4_off && has_l4_cksum(pi);

	if (in_ip4 && !skip_l3)
		return MP_DROP_IP4_CSUM;
	if (skip_l4)
		return MP_DROP_NONE;
	/* Over IPv4 a UDP checksum flipped to zero reads as "none sent". */
	if (pi->l3 == MP_L3_IPV4 && pi->l4_proto == IPPROTO_UDP && in_l4 &&
	    get16(f->b, pi->l4_off + 6) == 0)
		return MP_DROP_NONE;
	if (in_l4 || in_pseudo_addrs(pi, off))
		return MP_DROP_L4_CSUM;
	return MP_DROP_NONE;
}

/* Flip every bit from the IP header to the end of the packet, one at a time. */
static void
test_cksum_bit_flips(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_GOOD; i++) {
		struct mp_pkt_info pi;
		struct pkt k, f;

		good[i].build(&k);
		assert_drop(parse(&k, &pi), MP_DROP_NONE);
		if (pi.l3 == MP_L3_ARP)
			continue;
		for (uint32_t off = pi.l3_off; off < pi.pkt_len; off++) {
			for (int bit = 0; bit < 8; bit++) {
				f = k;
				f.b[off] ^= (uint8_t)(1u << bit);
				for (int skip = 0; skip < 3; skip++) {
					bool s3 = skip == 1, s4 = skip == 2;
					enum mp_drop want = flip_want(&f, &pi, off, s3, s4);
					enum mp_drop got = verify(&f, &pi, s3, s4);

					if (got != want)
						fail_msg("%s: bit %d of byte %u, skip %d: %s, want "
						         "%s",
						         good[i].name, bit, off, skip,
						         mp_drop_name(got), mp_drop_name(want));
				}
			}
		}
	}
}

static void
test_cksum_flip_each_l4(void **state)
{
	static void (*const builds[])(struct pkt *) = {
	        build_ip4_tcp, build_ip4_udp, build_ip4_icmp,
	        build_ip6_tcp, build_ip6_udp, build_ip6_icmp6,
	};
	struct mp_pkt_info pi;
	struct pkt k;

	(void)state;
	for (size_t i = 0; i < sizeof(builds) / sizeof(builds[0]); i++) {
		builds[i](&k);
		assert_drop(parse(&k, &pi), MP_DROP_NONE);
		k.b[k.len - 1] ^= 0x10;
		assert_drop(verify(&k, &pi, false, false), MP_DROP_L4_CSUM);
		assert_drop(verify(&k, &pi, false, true), MP_DROP_NONE);
	}
	build_ip4_tcp(&k);
	assert_drop(parse(&k, &pi), MP_DROP_NONE);
	k.b[14 + 5] ^= 0x01; /* identification */
	assert_drop(verify(&k, &pi, false, false), MP_DROP_IP4_CSUM);
	assert_drop(verify(&k, &pi, true, false), MP_DROP_NONE);
}

static void
test_udp_zero_cksum(void **state)
{
	struct mp_pkt_info pi;
	struct pkt k;

	(void)state;
	build_ip4_udp(&k);
	set16(&k, 34 + 6, 0);
	assert_drop(parse(&k, &pi), MP_DROP_NONE);
	assert_drop(verify(&k, &pi, false, false), MP_DROP_NONE);
	build_ip6_udp(&k);
	set16(&k, 54 + 6, 0);
	assert_drop(parse(&k, &pi), MP_DROP_NONE);
	assert_drop(verify(&k, &pi, false, false), MP_DROP_L4_CSUM);
	mp_cksum_fill(k.b, &pi);
	assert_int_not_equal(get16(k.b, 54 + 6), 0);
	assert_drop(verify(&k, &pi, false, false), MP_DROP_NONE);
}

/* Filling over scribbled checksum fields gives back the reference builder's bytes. */
static void
test_cksum_fill(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_GOOD; i++) {
		struct mp_pkt_info pi;
		struct pkt k, f;

		good[i].build(&k);
		assert_drop(parse(&k, &pi), MP_DROP_NONE);
		f = k;
		if (pi.l3 == MP_L3_IPV4)
			set16(&f, pi.l3_off + 10, 0xdead);
		if (has_l4_cksum(&pi))
			set16(&f, pi.l4_off + l4_cksum_field(pi.l4_proto), 0xbeef);
		mp_cksum_fill(f.b, &pi);
		if (memcmp(f.b, k.b, k.len) != 0)
			fail_msg("%s: filled checksums differ from the reference", good[i].name);
		assert_drop(verify(&f, &pi, false, false), MP_DROP_NONE);
	}
}

/* A UDP checksum that computes to zero goes on the wire as 0xffff. */
static void
test_cksum_fill_udp_zero(void **state)
{
	static void (*const builds[])(struct pkt *) = {build_ip4_udp, build_ip6_udp};
	struct mp_pkt_info pi;
	struct pkt k;

	(void)state;
	for (size_t i = 0; i < sizeof(builds) / sizeof(builds[0]); i++) {
		uint32_t l4;
		uint16_t ck;

		builds[i](&k);
		l4 = k.l4;
		/* With payload word w = 0 the sum is S and the checksum ~S; w = ~S makes the sum
		 * 0xffff, whose complement is the zero that UDP must not send. */
		set16(&k, l4 + 8, 0);
		b_finish(&k);
		ck = get16(k.b, l4 + 6);
		set16(&k, l4 + 8, ck);
		b_finish(&k);
		assert_int_equal(get16(k.b, l4 + 6), 0xffff);
		assert_drop(parse(&k, &pi), MP_DROP_NONE);
		set16(&k, l4 + 6, 0x1234);
		mp_cksum_fill(k.b, &pi);
		assert_int_equal(get16(k.b, l4 + 6), 0xffff);
		assert_drop(verify(&k, &pi, false, false), MP_DROP_NONE);
	}
}

static void
test_cksum_pseudo(void **state)
{
	static void (*const builds[])(struct pkt *) = {build_ip4_tcp, build_ip6_ext, build_ip6_ah,
	                                               build_vlan2_ip6_tcp};
	static const uint32_t lens[] = {0, 1, 20, 1500, 65535, 65536, 0x12345};
	struct mp_pkt_info pi;
	struct pkt k;

	(void)state;
	for (size_t i = 0; i < sizeof(builds) / sizeof(builds[0]); i++) {
		builds[i](&k);
		assert_drop(parse(&k, &pi), MP_DROP_NONE);
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			uint16_t want, got;

			/* IPv4 lengths are 16 bits; larger ones exist only as IPv6 jumbograms. */
			if (pi.l3 == MP_L3_IPV4 && lens[j] > 0xffff)
				continue;
			want = ref_fold(ref_pseudo(k.b, pi.l3_off, pi.l3 == MP_L3_IPV4 ? 4 : 6,
			                           k.proto, lens[j]));
			/* The library sums words in memory order: swap back to compare. */
			got = ref_fold(mp_cksum_pseudo(k.b, &pi, lens[j]));
			got = (uint16_t)(got >> 8 | got << 8);
			assert_int_equal(got, want);
		}
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Fuzz                                                                                      */

static uint64_t
xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Whatever the parser accepts must be consistent and self-verifying after a fill: offsets in
 * order and inside the frame, and checksums that mp_cksum_fill() writes pass
 * mp_cksum_verify(); both ways through the parser agree. fuzz_one() owns buf and len is exact.
 */
static void
fuzz_one(uint8_t *buf, uint32_t len, unsigned int *accepted)
{
	struct mp_pkt_info pi;

	if (parse_both(buf, len, &pi) != MP_DROP_NONE)
		return;
	(*accepted)++;
	assert_true(pi.pkt_len <= len);
	assert_true(pi.l3_off + pi.l3_len == pi.l4_off);
	assert_true(pi.l4_off + pi.l4_len <= pi.pkt_len);
	(void)mp_cksum_verify(buf, &pi, false, false);
	if (pi.l3 == MP_L3_ARP)
		return;
	mp_cksum_fill(buf, &pi);
	assert_drop(mp_cksum_verify(buf, &pi, false, false), MP_DROP_NONE);
}

/*
 * Random bytes almost never get past Ethernet and the IP length checks. Most frames get a
 * known EtherType, and IP ones get lengths, TTL, source and protocol that pass, so the
 * random part lands in the options, extension headers and L4 headers.
 */
static void
fuzz_plausible(uint8_t *buf, uint32_t len, uint64_t *seed)
{
	static const uint16_t types[] = {ETH_TYPE_IP4, ETH_TYPE_IP6, ETH_TYPE_ARP, ETH_TYPE_VLAN,
	                                 ETH_TYPE_QINQ};
	static const uint8_t protos[] = {IPPROTO_TCP,     IPPROTO_UDP,     IPPROTO_ICMP,
	                                 IPPROTO_ICMPV6,  IPPROTO_HOPOPTS, IPPROTO_DSTOPTS,
	                                 IPPROTO_FRAGMENT};
	uint8_t *l3 = buf + ETH_LEN;
	uint16_t t;

	if (len < ETH_LEN + IP6_LEN || xorshift64(seed) % 8 == 0)
		return;
	t = types[xorshift64(seed) % (sizeof(types) / sizeof(types[0]))];
	buf[12] = (uint8_t)(t >> 8);
	buf[13] = (uint8_t)t;
	if (xorshift64(seed) % 4 == 0)
		return;
	if (t == ETH_TYPE_IP4) {
		l3[0] = (uint8_t)(0x45 + xorshift64(seed) % 3);
		l3[2] = (uint8_t)((len - ETH_LEN) >> 8);
		l3[3] = (uint8_t)(len - ETH_LEN);
		l3[6] &= 0x40; /* mostly not a fragment */
		l3[7] = 0;
		l3[8] |= 1;
		l3[9] = protos[xorshift64(seed) % 3];
		l3[12] = 10;
	} else if (t == ETH_TYPE_IP6) {
		l3[0] = 0x60;
		l3[4] = (uint8_t)((len - ETH_LEN - IP6_LEN) >> 8);
		l3[5] = (uint8_t)(len - ETH_LEN - IP6_LEN);
		l3[6] = protos[xorshift64(seed) % (sizeof(protos) / sizeof(protos[0]))];
		l3[8] = 0x20;
	}
}

static void
test_fuzz_random(void **state)
{
	uint64_t seed = FUZZ_SEED;
	unsigned int accepted = 0;

	(void)state;
	for (int i = 0; i < FUZZ_FRAMES; i++) {
		uint32_t len = (uint32_t)(xorshift64(&seed) % (FUZZ_MAX_LEN + 1));
		uint8_t *buf = malloc(len > 0 ? len : 1);

		assert_non_null(buf);
		for (uint32_t j = 0; j < len; j++)
			buf[j] = (uint8_t)xorshift64(&seed);
		fuzz_plausible(buf, len, &seed);
		fuzz_one(buf, len, &accepted);
		free(buf);
	}
	print_message("fuzz_random: %u of %d frames accepted\n", accepted, FUZZ_FRAMES);
}

/* Random byte rewrites and lengths around well-formed frames reach the deeper paths. */
static void
test_fuzz_mutate(void **state)
{
	uint64_t seed = FUZZ_SEED ^ 0x5a5a5a5a;
	unsigned int accepted = 0;

	(void)state;
	for (int i = 0; i < FUZZ_FRAMES; i++) {
		const struct good_case *g = &good[xorshift64(&seed) % N_GOOD];
		unsigned int edits = 1 + (unsigned int)(xorshift64(&seed) % 4);
		struct pkt k;
		uint32_t len;
		uint8_t *buf;

		g->build(&k);
		len = (uint32_t)(k.len - 8 + xorshift64(&seed) % 24);
		buf = malloc(len);
		assert_non_null(buf);
		memcpy(buf, k.b, len < k.len ? len : k.len);
		for (uint32_t j = k.len; j < len; j++)
			buf[j] = (uint8_t)xorshift64(&seed);
		while (edits-- > 0)
			buf[xorshift64(&seed) % len] = (uint8_t)xorshift64(&seed);
		fuzz_one(buf, len, &accepted);
		free(buf);
	}
	print_message("fuzz_mutate: %u of %d frames accepted\n", accepted, FUZZ_FRAMES);
}

/* ---------------------------------------------------------------------------------------- */
/* Word sums against DPDK's rte_raw_cksum()                                                  */

enum sum_fill {
	SUM_RANDOM,
	SUM_ZEROS, /* the only sum that folds to 0 rather than 0xffff */
	SUM_ONES,  /* a carry out of every add */
	SUM_FILL_MAX,
};

static void
sum_fill_bytes(uint8_t *b, uint32_t n, enum sum_fill how, uint64_t *seed)
{
	for (uint32_t i = 0; i < n; i++)
		b[i] = how == SUM_RANDOM ? (uint8_t)xorshift64(seed) : how == SUM_ZEROS ? 0 : 0xff;
}

/* The folded sum behind the checksum mp_cksum_fill() stored at field: in memory order, as
 * rte_raw_cksum() returns it. */
static uint16_t
filled_sum(const uint8_t *field)
{
	uint16_t v;

	memcpy(&v, field, sizeof(v));
	return (uint16_t)~v;
}

/*
 * The sums are private to lib/net/cksum.c; mp_cksum_fill() shows them exactly: it writes the
 * complement of the folded sum of the bytes it covers, its own checksum field zeroed. Two
 * made-up layouts reach both sums it takes: an ICMP message (L4 sum, no pseudo-header) of
 * len bytes at off, and an IPv4 header of len bytes at off (L3 sum, the field at another
 * word). Each sits in a heap block that ends where the covered bytes end, so under
 * AddressSanitizer a load past the last byte fails the test.
 */
static void
sum_check(uint32_t off, uint32_t len, enum sum_fill how, uint64_t *seed)
{
	/* ICMP's field is written even when len < 4: keep it inside the block. */
	uint32_t size = off + (len > ICMP_CKSUM + 2 ? len : ICMP_CKSUM + 2);
	struct mp_pkt_info pi = {0};
	uint8_t *b = malloc(size);
	uint16_t want;

	assert_non_null(b);
	sum_fill_bytes(b, size, how, seed);
	memset(b + off + ICMP_CKSUM, 0, 2);
	want = rte_raw_cksum(b + off, len);
	pi.l3 = MP_L3_NONE;
	pi.l4_proto = IPPROTO_ICMP;
	pi.l4_off = (uint16_t)off;
	pi.l4_len = 4;
	pi.pkt_len = off + len;
	mp_cksum_fill(b, &pi);
	if (filled_sum(b + off + ICMP_CKSUM) != want)
		fail_msg("L4 sum of %u bytes at offset %u (fill %d): %#x, rte_raw_cksum %#x", len,
		         off, how, filled_sum(b + off + ICMP_CKSUM), want);
	/* Once the field is inside the message, the message verifies. */
	if (len >= ICMP_CKSUM + 2 && mp_cksum_verify(b, &pi, false, false) != MP_DROP_NONE)
		fail_msg("L4 sum of %u bytes at offset %u (fill %d): filled, then not verified",
		         len, off, how);
	free(b);

	if (len < IP4_CKSUM + 2)
		return;
	b = malloc(off + len);
	assert_non_null(b);
	sum_fill_bytes(b, off + len, how, seed);
	memset(b + off + IP4_CKSUM, 0, 2);
	want = rte_raw_cksum(b + off, len);
	memset(&pi, 0, sizeof(pi));
	pi.l3 = MP_L3_IPV4;
	pi.l3_off = (uint16_t)off;
	pi.l3_len = (uint16_t)len;
	pi.pkt_len = off + len;
	mp_cksum_fill(b, &pi);
	if (filled_sum(b + off + IP4_CKSUM) != want)
		fail_msg("L3 sum of %u bytes at offset %u (fill %d): %#x, rte_raw_cksum %#x", len,
		         off, how, filled_sum(b + off + IP4_CKSUM), want);
	free(b);
}

static void
test_cksum_sum_vs_rte(void **state)
{
	uint64_t seed = SUM_SEED;

	(void)state;
	for (uint32_t off = 0; off < SUM_OFFSETS; off++)
		for (uint32_t len = 0; len <= SUM_MAX_LEN; len++)
			for (int how = 0; how < SUM_FILL_MAX; how++)
				sum_check(off, len, (enum sum_fill)how, &seed);
}

/* mp_cksum_pseudo() against DPDK's pseudo-header sums, the IP header at every offset. */
static void
test_cksum_pseudo_vs_rte(void **state)
{
	static const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	uint64_t seed = SUM_SEED ^ 0xa5a5a5a5;
	uint8_t b[SUM_OFFSETS + IP6_LEN];

	(void)state;
	for (uint32_t off = 0; off < SUM_OFFSETS; off++) {
		for (int t = 0; t < SUM_TRIALS; t++) {
			struct mp_pkt_info pi = {.l3_off = (uint16_t)off};
			uint16_t l4_bytes = (uint16_t)xorshift64(&seed);
			struct rte_ipv4_hdr h4;
			struct rte_ipv6_hdr h6;
			uint16_t want, got;

			pi.l4_proto = protos[t % 2];
			/* IPv4: total length = header + l4_bytes, which DPDK subtracts back. */
			sum_fill_bytes(b, sizeof(b), SUM_RANDOM, &seed);
			l4_bytes %= 0xffff - IP4_LEN;
			b[off] = 0x45;
			b[off + 2] = (uint8_t)((IP4_LEN + l4_bytes) >> 8);
			b[off + 3] = (uint8_t)(IP4_LEN + l4_bytes);
			b[off + 9] = pi.l4_proto;
			memcpy(&h4, b + off, sizeof(h4));
			pi.l3 = MP_L3_IPV4;
			want = rte_ipv4_phdr_cksum(&h4, 0);
			got = ref_fold(mp_cksum_pseudo(b, &pi, l4_bytes));
			if (got != want)
				fail_msg("IPv4 pseudo-header at offset %u: %#x, DPDK %#x", off, got,
				         want);

			/* IPv6 without extension headers: DPDK's pseudo-header is right. */
			sum_fill_bytes(b, sizeof(b), SUM_RANDOM, &seed);
			b[off + 4] = (uint8_t)(l4_bytes >> 8);
			b[off + 5] = (uint8_t)l4_bytes;
			b[off + 6] = pi.l4_proto;
			memcpy(&h6, b + off, sizeof(h6));
			pi.l3 = MP_L3_IPV6;
			want = rte_ipv6_phdr_cksum(&h6, 0);
			got = ref_fold(mp_cksum_pseudo(b, &pi, l4_bytes));
			if (got != want)
				fail_msg("IPv6 pseudo-header at offset %u: %#x, DPDK %#x", off, got,
				         want);
		}
	}
}

int
test_net_parse_run(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_good_fields),
	        cmocka_unit_test(test_padding),
	        cmocka_unit_test(test_l2_flags),
	        cmocka_unit_test(test_truncation_every_length),
	        cmocka_unit_test(test_truncation_reasons),
	        cmocka_unit_test(test_ethertype),
	        cmocka_unit_test(test_vlan_stack),
	        cmocka_unit_test(test_bad_version),
	        cmocka_unit_test(test_ip4_lying_lengths),
	        cmocka_unit_test(test_l4_truncated),
	        cmocka_unit_test(test_ip6_lying_length),
	        cmocka_unit_test(test_tcp_data_offset),
	        cmocka_unit_test(test_udp_length),
	        cmocka_unit_test(test_ip4_options),
	        cmocka_unit_test(test_ip4_source_ttl),
	        cmocka_unit_test(test_ip6_source),
	        cmocka_unit_test(test_ip6_ext_chain),
	        cmocka_unit_test(test_ip6_ext_truncated),
	        cmocka_unit_test(test_arp_bad),
	        cmocka_unit_test(test_fragments),
	        cmocka_unit_test(test_cksum_bit_flips),
	        cmocka_unit_test(test_cksum_flip_each_l4),
	        cmocka_unit_test(test_udp_zero_cksum),
	        cmocka_unit_test(test_cksum_fill),
	        cmocka_unit_test(test_cksum_fill_udp_zero),
	        cmocka_unit_test(test_cksum_pseudo),
	        cmocka_unit_test(test_cksum_sum_vs_rte),
	        cmocka_unit_test(test_cksum_pseudo_vs_rte),
	        cmocka_unit_test(test_fuzz_random),
	        cmocka_unit_test(test_fuzz_mutate),
	};

	return cmocka_run_group_tests_name("net_parse", tests, NULL, NULL);
}
