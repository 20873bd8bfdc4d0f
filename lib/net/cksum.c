/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksums (RFC 1071) for frames that mp_parse_frame() accepted.
 *
 * Sums are the ones rte_raw_cksum() computes, 16-bit words loaded in memory order and added in
 * host order, but taken 8 bytes at a time (see cksum_sum()). Ones' complement addition
 * commutes with byte swapping (RFC 1071 2.B), so every constant added here is first put in
 * network order, and the folded result is stored back without a swap.
 *
 * The caller's pi is trusted: offsets and lengths come from the parser and are inside the
 * frame, which is why nothing here checks bounds.
 */
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "mp_net.h"

#define CKSUM_OK       0xffff /* a correct checksum makes the covered words sum to ~0 */
#define CKSUM_BLOCK    32     /* bytes per round of cksum_sum(): four 8-byte words */
#define ICMP_CKSUM_OFF 2
#define IP4_ADDRS_OFF  offsetof(struct rte_ipv4_hdr, src_addr)
#define IP4_ADDRS_LEN  (2 * sizeof(rte_be32_t))
#define IP6_ADDRS_OFF  offsetof(struct rte_ipv6_hdr, src_addr)
#define IP6_ADDRS_LEN  (2 * 16)
#define IP4_CKSUM_OFF  offsetof(struct rte_ipv4_hdr, hdr_checksum)

static inline uint64_t
cksum_load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
cksum_load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint16_t
cksum_load(const uint8_t *p, uint32_t off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static inline void
cksum_store(uint8_t *p, uint32_t off, uint16_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* acc + v in ones' complement: the carry out of bit 63 goes back in at bit 0. */
static inline uint64_t
cksum_add(uint64_t acc, uint64_t v)
{
	bool carry = __builtin_add_overflow(acc, v, &acc);

	/* After a carry acc is at most 2^64 - 2: adding it back cannot carry again. */
	return acc + carry;
}

/*
 * Add the len bytes at buf to the ones' complement sum acc; any alignment, any length.
 *
 * A word loaded in host order is its 16-bit words (in memory order, host order) times powers
 * of 2^16, and 2^16 is 1 modulo 0xffff: an 8-byte or 4-byte word adds the same as the 16-bit
 * words inside it. Every step advances by an even count, so the words keep the pairing that
 * rte_raw_cksum() uses, and an odd last byte goes in the first byte of a zero 16-bit word as
 * it does there. Two accumulators let the carries of the main loop run in parallel.
 */
static inline uint64_t
cksum_sum(const void *buf, uint32_t len, uint64_t acc)
{
	const uint8_t *p = buf;
	uint64_t acc2 = 0;

	for (; len >= CKSUM_BLOCK; len -= CKSUM_BLOCK, p += CKSUM_BLOCK) {
		acc = cksum_add(acc, cksum_load64(p));
		acc2 = cksum_add(acc2, cksum_load64(p + 8));
		acc = cksum_add(acc, cksum_load64(p + 16));
		acc2 = cksum_add(acc2, cksum_load64(p + 24));
	}
	acc = cksum_add(acc, acc2);
	if (len & 16) {
		acc = cksum_add(acc, cksum_load64(p));
		acc = cksum_add(acc, cksum_load64(p + 8));
		p += 16;
	}
	if (len & 8) {
		acc = cksum_add(acc, cksum_load64(p));
		p += 8;
	}
	if (len & 4) {
		acc = cksum_add(acc, cksum_load32(p));
		p += 4;
	}
	if (len & 2) {
		acc = cksum_add(acc, cksum_load(p, 0));
		p += 2;
	}
	if (len & 1) {
		uint16_t left = 0;

		memcpy(&left, p, 1);
		acc = cksum_add(acc, left);
	}
	return acc;
}

/*
 * Fold a 64-bit ones' complement sum to 16 bits. Zero stays zero and any other sum folds to
 * 1..0xffff, so the result is exactly rte_raw_cksum()'s for the same words.
 */
static inline uint16_t
cksum_fold(uint64_t acc)
{
	uint32_t sum;
	bool carry = __builtin_add_overflow((uint32_t)acc, (uint32_t)(acc >> 32), &sum);

	sum += carry;
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
}

/* What rte_raw_cksum(p, len) returns. */
static inline uint16_t
cksum_raw(const uint8_t *p, uint32_t len)
{
	return cksum_fold(cksum_sum(p, len, 0));
}

/* The pseudo-header's sum, not folded. */
static inline uint64_t
pseudo_sum(const uint8_t *p, const struct mp_pkt_info *pi, uint32_t l4_bytes)
{
	uint64_t acc;

	if (pi->l3 == MP_L3_IPV4) {
		/* RFC 793 3.1: source, destination, zero, protocol, TCP length. */
		acc = rte_cpu_to_be_16(pi->l4_proto);
		acc += rte_cpu_to_be_16((uint16_t)l4_bytes);
		return cksum_sum(p + pi->l3_off + IP4_ADDRS_OFF, IP4_ADDRS_LEN, acc);
	}
	/*
	 * RFC 8200 8.1: source, destination, 32-bit upper-layer length, 24 zero bits and the
	 * next header of the upper layer, i.e. the last one of the extension chain, which is
	 * why rte_ipv6_phdr_cksum() (it uses the fixed header's) does not fit. The destination
	 * is the header's: right for a packet that reached its final hop, which is all meshpath
	 * receives or sends (it never originates a Routing header).
	 */
	acc = rte_cpu_to_be_16((uint16_t)(l4_bytes >> 16));
	acc += rte_cpu_to_be_16((uint16_t)l4_bytes);
	acc += rte_cpu_to_be_16(pi->l4_proto);
	return cksum_sum(p + pi->l3_off + IP6_ADDRS_OFF, IP6_ADDRS_LEN, acc);
}

/* Folded: callers add to it in 32 bits without risk of overflow. */
uint32_t
mp_cksum_pseudo(const uint8_t *p, const struct mp_pkt_info *pi, uint32_t l4_bytes)
{
	return cksum_fold(pseudo_sum(p, pi, l4_bytes));
}

/* Where the L4 checksum lives and whether a pseudo-header covers it; false when none. */
static bool
l4_cksum_layout(const struct mp_pkt_info *pi, uint32_t *field, bool *pseudo)
{
	if (pi->l4_len == 0 || (pi->flags & MP_PKT_F_FRAG))
		return false;
	switch (pi->l4_proto) {
	case IPPROTO_TCP:
		*field = offsetof(struct rte_tcp_hdr, cksum);
		*pseudo = true;
		return true;
	case IPPROTO_UDP:
		*field = offsetof(struct rte_udp_hdr, dgram_cksum);
		*pseudo = true;
		return true;
	case IPPROTO_ICMP:
		/* RFC 792: ICMPv4 covers the message only. */
		*field = ICMP_CKSUM_OFF;
		*pseudo = false;
		return true;
	case IPPROTO_ICMPV6:
		/* RFC 4443 2.3: ICMPv6 includes the IPv6 pseudo-header. */
		*field = ICMP_CKSUM_OFF;
		*pseudo = true;
		return true;
	default:
		return false;
	}
}

/* Folded sum of the L4 segment [l4_off, pkt_len), with the pseudo-header when it has one. */
static inline uint16_t
l4_sum(const uint8_t *p, const struct mp_pkt_info *pi, bool pseudo)
{
	uint32_t bytes = pi->pkt_len - pi->l4_off;
	uint64_t acc = pseudo ? pseudo_sum(p, pi, bytes) : 0;

	return cksum_fold(cksum_sum(p + pi->l4_off, bytes, acc));
}

/* The IPv4 header's sum: the 20-byte header without options, which nearly every packet has,
 * as five straight additions instead of the general walk over a length. */
static inline uint16_t
cksum_ip4_hdr(const uint8_t *l3, uint32_t len)
{
	return len == sizeof(struct rte_ipv4_hdr) ? cksum_raw(l3, sizeof(struct rte_ipv4_hdr))
	                                          : cksum_raw(l3, len);
}

enum mp_drop
mp_cksum_verify(const uint8_t *p, const struct mp_pkt_info *pi, bool skip_l3, bool skip_l4)
{
	uint32_t field;
	bool pseudo;

	if (pi->l3 == MP_L3_IPV4 && !skip_l3 &&
	    cksum_ip4_hdr(p + pi->l3_off, pi->l3_len) != CKSUM_OK)
		return MP_DROP_IP4_CSUM;
	if (skip_l4 || !l4_cksum_layout(pi, &field, &pseudo))
		return MP_DROP_NONE;
	if (pi->l4_proto == IPPROTO_UDP && cksum_load(p, pi->l4_off + field) == 0)
		/* Zero means "not computed": allowed over IPv4 only (RFC 768, RFC 8200 8.1). */
		return pi->l3 == MP_L3_IPV4 ? MP_DROP_NONE : MP_DROP_L4_CSUM;
	if (l4_sum(p, pi, pseudo) != CKSUM_OK)
		return MP_DROP_L4_CSUM;
	return MP_DROP_NONE;
}

void
mp_cksum_fill(uint8_t *p, const struct mp_pkt_info *pi)
{
	uint32_t field;
	uint16_t ck;
	bool pseudo;

	if (pi->l3 == MP_L3_IPV4) {
		cksum_store(p, pi->l3_off + IP4_CKSUM_OFF, 0);
		cksum_store(p, pi->l3_off + IP4_CKSUM_OFF,
		            (uint16_t)~cksum_raw(p + pi->l3_off, pi->l3_len));
	}
	if (!l4_cksum_layout(pi, &field, &pseudo))
		return;
	cksum_store(p, pi->l4_off + field, 0);
	ck = (uint16_t)~l4_sum(p, pi, pseudo);
	/* UDP sends a computed zero as all ones: zero on the wire means "no checksum". */
	if (ck == 0 && pi->l4_proto == IPPROTO_UDP)
		ck = 0xffff;
	cksum_store(p, pi->l4_off + field, ck);
}
