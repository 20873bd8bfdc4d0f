/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksums (RFC 1071) for frames that mp_parse_frame() accepted.
 *
 * Sums are kept the way rte_raw_cksum() keeps them: 16-bit words loaded in memory order and
 * added in host order. Ones' complement addition commutes with byte swapping (RFC 1071 2.B),
 * so every constant added here is first put in network order, and the folded result is
 * stored back without a swap.
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
#define ICMP_CKSUM_OFF 2
#define IP4_ADDRS_OFF  offsetof(struct rte_ipv4_hdr, src_addr)
#define IP4_ADDRS_LEN  (2 * sizeof(rte_be32_t))
#define IP6_ADDRS_OFF  offsetof(struct rte_ipv6_hdr, src_addr)
#define IP6_ADDRS_LEN  (2 * 16)
#define IP4_CKSUM_OFF  offsetof(struct rte_ipv4_hdr, hdr_checksum)

/* Fold a 32-bit ones' complement sum to 16 bits (two rounds absorb every carry). */
static inline uint16_t
cksum_fold(uint32_t sum)
{
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
}

static inline void
cksum_store(uint8_t *p, uint32_t off, uint16_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static inline uint16_t
cksum_load(const uint8_t *p, uint32_t off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

uint32_t
mp_cksum_pseudo(const uint8_t *p, const struct mp_pkt_info *pi, uint32_t l4_bytes)
{
	uint32_t sum;

	if (pi->l3 == MP_L3_IPV4) {
		/* RFC 793 3.1: source, destination, zero, protocol, TCP length. */
		sum = rte_raw_cksum(p + pi->l3_off + IP4_ADDRS_OFF, IP4_ADDRS_LEN);
		sum += rte_cpu_to_be_16(pi->l4_proto);
		sum += rte_cpu_to_be_16((uint16_t)l4_bytes);
		return sum;
	}
	/*
	 * RFC 8200 8.1: source, destination, 32-bit upper-layer length, 24 zero bits and the
	 * next header of the upper layer, i.e. the last one of the extension chain, which is
	 * why rte_ipv6_phdr_cksum() (it uses the fixed header's) does not fit. The destination
	 * is the header's: right for a packet that reached its final hop, which is all meshpath
	 * receives or sends (it never originates a Routing header).
	 */
	sum = rte_raw_cksum(p + pi->l3_off + IP6_ADDRS_OFF, IP6_ADDRS_LEN);
	sum += rte_cpu_to_be_16((uint16_t)(l4_bytes >> 16));
	sum += rte_cpu_to_be_16((uint16_t)l4_bytes);
	sum += rte_cpu_to_be_16(pi->l4_proto);
	return sum;
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
	uint32_t sum = rte_raw_cksum(p + pi->l4_off, bytes);

	if (pseudo)
		sum += mp_cksum_pseudo(p, pi, bytes);
	return cksum_fold(sum);
}

enum mp_drop
mp_cksum_verify(const uint8_t *p, const struct mp_pkt_info *pi, bool skip_l3, bool skip_l4)
{
	uint32_t field;
	bool pseudo;

	if (pi->l3 == MP_L3_IPV4 && !skip_l3 &&
	    rte_raw_cksum(p + pi->l3_off, pi->l3_len) != CKSUM_OK)
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
		            (uint16_t)~rte_raw_cksum(p + pi->l3_off, pi->l3_len));
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
