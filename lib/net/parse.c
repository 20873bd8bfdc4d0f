/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame parser: Ethernet, VLAN, ARP, IPv4, IPv6 and the first L4 header.
 *
 * Two ways through, one answer: parse_fast() takes the common TCP or UDP over IPv4 frame in
 * one pass, and the walk (mp_parse_frame_walk()) takes everything, layer by layer.
 *
 * Every read goes through rd8()/rd16() on an offset that was checked against the bytes
 * available just before, so the parser never touches memory past p + len, whatever the
 * length fields claim. Fields are read byte by byte: the frame may start at any address,
 * and the DPDK header structs are not safe to dereference at odd addresses.
 *
 * Lengths are checked against the tightest bound known at that point: the frame for the
 * Ethernet and IP headers, then the IP datagram (total length, payload length) for what lies
 * inside it, so Ethernet padding after the datagram is never mistaken for payload.
 */
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "mp_net.h"

#define ARP_LEN            sizeof(struct rte_arp_hdr) /* Ethernet/IPv4 ARP: 28 bytes */
#define IP4_HDR_MIN        sizeof(struct rte_ipv4_hdr)
#define IP4_IHL_MIN        (IP4_HDR_MIN / RTE_IPV4_IHL_MULTIPLIER)
#define IP4_VERSION        4
#define IP4_FRAG_MASK      (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)
#define IP4_OPT_EOL        0
#define IP4_OPT_NOP        1
#define IP4_OPT_MIN_LEN    2 /* type and length octets */
#define IP6_HDR_LEN        sizeof(struct rte_ipv6_hdr)
#define IP6_VERSION        6
#define IP6_EXT_MIN        2 /* next header and length octets */
#define IP6_EXT_UNIT       8 /* length unit of most extension headers (RFC 8200 4.2) */
#define IP6_AH_UNIT        4 /* AH counts 32-bit words, minus 2 (RFC 4302 2.2) */
#define IP6_FRAG_LEN       8
#define IP6_FRAG_OFF_SHIFT 3 /* fragment offset in 8-byte units, above res and M */
#define IP6_NH_MOBILITY    135
#define IP6_NH_HIP         139
#define IP6_NH_SHIM6       140
#define TCP_DOFF_MIN       (sizeof(struct rte_tcp_hdr) / 4)
#define UDP_HDR_LEN        sizeof(struct rte_udp_hdr)
#define ICMP_HDR_LEN       4 /* type, code, checksum: the part common to every ICMP message */

static inline uint8_t
rd8(const uint8_t *p, uint32_t off)
{
	return p[off];
}

/* Big-endian 16-bit field, in host order. */
static inline uint16_t
rd16(const uint8_t *p, uint32_t off)
{
	return (uint16_t)(p[off] << 8 | p[off + 1]);
}

/*
 * TCP, UDP, ICMP or ICMPv6 header at pi->l4_off, inside a datagram that ends at pi->pkt_len.
 * Other protocols are accepted with l4_len 0: meshpath may still forward or hand them on.
 */
static __rte_always_inline enum mp_drop
parse_l4(const uint8_t *p, struct mp_pkt_info *pi)
{
	uint32_t off = pi->l4_off;
	uint32_t avail = pi->pkt_len - off;
	uint32_t doff;

	switch (pi->l4_proto) {
	case IPPROTO_TCP:
		if (avail < sizeof(struct rte_tcp_hdr))
			return MP_DROP_L4_TRUNC;
		doff = rd8(p, off + offsetof(struct rte_tcp_hdr, data_off)) >> 4;
		if (doff < TCP_DOFF_MIN || doff * 4 > avail)
			return MP_DROP_TCP_HDRLEN;
		pi->l4_len = (uint16_t)(doff * 4);
		return MP_DROP_NONE;
	case IPPROTO_UDP:
		if (avail < UDP_HDR_LEN)
			return MP_DROP_L4_TRUNC;
		/* Both must agree: trusting either alone lets a peer hide or invent bytes. */
		if (rd16(p, off + offsetof(struct rte_udp_hdr, dgram_len)) != avail)
			return MP_DROP_UDP_LEN;
		pi->l4_len = UDP_HDR_LEN;
		return MP_DROP_NONE;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* Each family carries only its own ICMP; the other one is just another protocol. */
		if ((pi->l4_proto == IPPROTO_ICMP) != (pi->l3 == MP_L3_IPV4))
			return MP_DROP_NONE;
		if (avail < ICMP_HDR_LEN)
			return MP_DROP_L4_TRUNC;
		pi->l4_len = ICMP_HDR_LEN;
		return MP_DROP_NONE;
	default:
		return MP_DROP_NONE;
	}
}

static enum mp_drop
parse_arp(const uint8_t *p, uint32_t len, struct mp_pkt_info *pi)
{
	uint32_t off = pi->l3_off;
	uint16_t op;

	if (len - off < ARP_LEN)
		return MP_DROP_ARP_TRUNC;
	op = rd16(p, off + offsetof(struct rte_arp_hdr, arp_opcode));
	if (rd16(p, off + offsetof(struct rte_arp_hdr, arp_hardware)) != RTE_ARP_HRD_ETHER ||
	    rd16(p, off + offsetof(struct rte_arp_hdr, arp_protocol)) != RTE_ETHER_TYPE_IPV4 ||
	    rd8(p, off + offsetof(struct rte_arp_hdr, arp_hlen)) != RTE_ETHER_ADDR_LEN ||
	    rd8(p, off + offsetof(struct rte_arp_hdr, arp_plen)) != sizeof(rte_be32_t) ||
	    (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY))
		return MP_DROP_ARP_BAD;
	pi->l3 = MP_L3_ARP;
	pi->l3_len = ARP_LEN;
	pi->l4_off = (uint16_t)(off + ARP_LEN);
	pi->pkt_len = off + ARP_LEN;
	return MP_DROP_NONE;
}

/* Options occupy [off, end): TLVs after the 20-byte header, up to IHL * 4 (RFC 791 3.1). */
static enum mp_drop
parse_ip4_opts(const uint8_t *p, uint32_t off, uint32_t end)
{
	while (off < end) {
		uint8_t type = rd8(p, off);
		uint32_t olen;

		if (type == IP4_OPT_EOL)
			break;
		if (type == IP4_OPT_NOP) {
			off++;
			continue;
		}
		if (end - off < IP4_OPT_MIN_LEN)
			return MP_DROP_IP4_OPTS;
		olen = rd8(p, off + 1);
		/* A length below 2 would not advance the walk. */
		if (olen < IP4_OPT_MIN_LEN || olen > end - off)
			return MP_DROP_IP4_OPTS;
		off += olen;
	}
	return MP_DROP_NONE;
}

static inline bool
ip4_src_bad(const uint8_t *a)
{
	/* Multicast 224/4, limited broadcast, loopback 127/8 (RFC 1122 3.2.1.3, RFC 1812 5.3.7). */
	return (a[0] & 0xf0) == 0xe0 ||
	       (a[0] == 0xff && a[1] == 0xff && a[2] == 0xff && a[3] == 0xff) || a[0] == 127;
}

static enum mp_drop
parse_ip4(const uint8_t *p, uint32_t len, struct mp_pkt_info *pi)
{
	uint32_t off = pi->l3_off;
	uint32_t avail = len - off;
	uint32_t hlen, tlen;
	uint16_t frag;
	enum mp_drop d;
	uint8_t vihl;

	if (avail < IP4_HDR_MIN)
		return MP_DROP_IP4_TRUNC;
	vihl = rd8(p, off + offsetof(struct rte_ipv4_hdr, version_ihl));
	if (vihl >> 4 != IP4_VERSION)
		return MP_DROP_IP4_VERSION;
	if ((vihl & RTE_IPV4_HDR_IHL_MASK) < IP4_IHL_MIN)
		return MP_DROP_IP4_HDRLEN;
	hlen = (vihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	tlen = rd16(p, off + offsetof(struct rte_ipv4_hdr, total_length));
	if (tlen < hlen)
		return MP_DROP_IP4_TOTLEN;
	/* tlen >= hlen, so this also keeps the options inside the frame. */
	if (tlen > avail)
		return MP_DROP_IP4_TRUNC;
	if (hlen > IP4_HDR_MIN) {
		d = parse_ip4_opts(p, off + IP4_HDR_MIN, off + hlen);
		if (d != MP_DROP_NONE)
			return d;
		pi->flags |= MP_PKT_F_IP4_OPTS;
	}
	if (ip4_src_bad(p + off + offsetof(struct rte_ipv4_hdr, src_addr)))
		return MP_DROP_IP4_SRC;
	if (rd8(p, off + offsetof(struct rte_ipv4_hdr, time_to_live)) == 0)
		return MP_DROP_IP4_TTL;

	pi->l3 = MP_L3_IPV4;
	pi->l3_len = (uint16_t)hlen;
	pi->l4_off = (uint16_t)(off + hlen);
	pi->l4_proto = rd8(p, off + offsetof(struct rte_ipv4_hdr, next_proto_id));
	pi->pkt_len = off + tlen;

	frag = rd16(p, off + offsetof(struct rte_ipv4_hdr, fragment_offset));
	if (frag & IP4_FRAG_MASK) {
		/* The L4 header, if here at all, describes the whole datagram, not this part. */
		pi->flags |= MP_PKT_F_FRAG;
		if ((frag & RTE_IPV4_HDR_OFFSET_MASK) == 0)
			pi->flags |= MP_PKT_F_FRAG_FIRST;
		return MP_DROP_NONE;
	}
	return parse_l4(p, pi);
}

static inline bool
ip6_src_bad(const uint8_t *a)
{
	static const uint8_t loopback[16] = {[15] = 1};

	/* Multicast ff00::/8 and ::1 never source a packet on the wire (RFC 4291 2.5.3, 2.7). */
	return a[0] == 0xff || memcmp(a, loopback, sizeof(loopback)) == 0;
}

/*
 * Walk the extension headers from off (relative to the frame) up to end, the datagram's end.
 * On success off and *nh describe the first header that is not an extension header.
 */
static enum mp_drop
parse_ip6_ext(const uint8_t *p, uint32_t end, struct mp_pkt_info *pi, uint32_t *offp, uint8_t *nhp)
{
	uint32_t off = *offp;
	uint8_t nh = *nhp;
	unsigned int n;
	uint32_t hlen;
	uint16_t frag;

	for (n = 0;; n++) {
		switch (nh) {
		case IPPROTO_HOPOPTS:
			/* RFC 8200 4.1: only right after the fixed header, where routers look. */
			if (n != 0)
				return MP_DROP_IP6_EXT_ORDER;
			/* fall through */
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IP6_NH_MOBILITY:
		case IP6_NH_HIP:
		case IP6_NH_SHIM6:
		case IPPROTO_AH:
		case IPPROTO_FRAGMENT:
			break;
		default:
			*offp = off;
			*nhp = nh;
			return MP_DROP_NONE;
		}
		if (n == MP_NET_IP6_EXT_MAX)
			return MP_DROP_IP6_EXT_LIMIT;
		if (end - off < IP6_EXT_MIN)
			return MP_DROP_IP6_EXT_TRUNC;
		if (nh == IPPROTO_FRAGMENT)
			hlen = IP6_FRAG_LEN;
		else if (nh == IPPROTO_AH)
			hlen = (rd8(p, off + 1) + 2u) * IP6_AH_UNIT;
		else
			hlen = (rd8(p, off + 1) + 1u) * IP6_EXT_UNIT;
		if (hlen > end - off)
			return MP_DROP_IP6_EXT_TRUNC;
		pi->flags |= MP_PKT_F_IP6_EXT;
		if (nh == IPPROTO_FRAGMENT) {
			/* Later headers belong to the reassembled datagram: stop walking here. */
			frag = rd16(p, off + 2);
			pi->frag_ext_off = (uint16_t)off;
			pi->flags |= MP_PKT_F_FRAG;
			if ((frag >> IP6_FRAG_OFF_SHIFT) == 0)
				pi->flags |= MP_PKT_F_FRAG_FIRST;
			*offp = off + hlen;
			*nhp = rd8(p, off);
			return MP_DROP_NONE;
		}
		nh = rd8(p, off);
		off += hlen;
	}
}

static enum mp_drop
parse_ip6(const uint8_t *p, uint32_t len, struct mp_pkt_info *pi)
{
	uint32_t off = pi->l3_off;
	uint32_t plen, end, l4;
	enum mp_drop d;
	uint8_t nh;

	if (len - off < IP6_HDR_LEN)
		return MP_DROP_IP6_TRUNC;
	if (rd8(p, off) >> 4 != IP6_VERSION)
		return MP_DROP_IP6_VERSION;
	plen = rd16(p, off + offsetof(struct rte_ipv6_hdr, payload_len));
	if (plen > len - off - IP6_HDR_LEN)
		return MP_DROP_IP6_TRUNC;
	if (ip6_src_bad(p + off + offsetof(struct rte_ipv6_hdr, src_addr)))
		return MP_DROP_IP6_SRC;

	end = off + IP6_HDR_LEN + plen;
	l4 = off + IP6_HDR_LEN;
	nh = rd8(p, off + offsetof(struct rte_ipv6_hdr, proto));
	d = parse_ip6_ext(p, end, pi, &l4, &nh);
	if (d != MP_DROP_NONE)
		return d;

	pi->l3 = MP_L3_IPV6;
	pi->l3_len = (uint16_t)(l4 - off);
	pi->l4_off = (uint16_t)l4;
	pi->l4_proto = nh;
	pi->pkt_len = end;
	if (pi->flags & MP_PKT_F_FRAG)
		return MP_DROP_NONE;
	return parse_l4(p, pi);
}

/*
 * The frame nearly every packet is: untagged unicast Ethernet, IPv4 without options, not a
 * fragment, TCP or UDP. Checked in one pass against the same rules as the walk; true only when
 * the walk would accept the frame and describe it exactly so (the unit tests hold the two to
 * it), false to leave the frame, well formed or not, to the walk, which also names the drop.
 */
static inline bool
parse_fast(const uint8_t *p, uint32_t len, struct mp_pkt_info *pi)
{
	const uint8_t *ip = p + RTE_ETHER_HDR_LEN;
	uint32_t tlen;
	uint8_t proto;

	if (len < RTE_ETHER_HDR_LEN + IP4_HDR_MIN || (p[0] & 0x01) ||
	    rd16(p, offsetof(struct rte_ether_hdr, ether_type)) != RTE_ETHER_TYPE_IPV4 ||
	    rd8(ip, offsetof(struct rte_ipv4_hdr, version_ihl)) != (IP4_VERSION << 4 | IP4_IHL_MIN))
		return false;
	tlen = rd16(ip, offsetof(struct rte_ipv4_hdr, total_length));
	if (tlen < IP4_HDR_MIN || tlen > len - RTE_ETHER_HDR_LEN ||
	    (rd16(ip, offsetof(struct rte_ipv4_hdr, fragment_offset)) & IP4_FRAG_MASK) ||
	    rd8(ip, offsetof(struct rte_ipv4_hdr, time_to_live)) == 0 ||
	    ip4_src_bad(ip + offsetof(struct rte_ipv4_hdr, src_addr)))
		return false;
	proto = rd8(ip, offsetof(struct rte_ipv4_hdr, next_proto_id));
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return false;
	*pi = (struct mp_pkt_info){
	        .pkt_len = RTE_ETHER_HDR_LEN + tlen,
	        .ethertype = RTE_ETHER_TYPE_IPV4,
	        .l3_off = RTE_ETHER_HDR_LEN,
	        .l3_len = IP4_HDR_MIN,
	        .l4_off = RTE_ETHER_HDR_LEN + IP4_HDR_MIN,
	        .l3 = MP_L3_IPV4,
	        .l4_proto = proto,
	};
	/* The L4 header's checks are the walk's own. */
	return parse_l4(p, pi) == MP_DROP_NONE;
}

enum mp_drop
mp_parse_frame(const uint8_t *p, uint32_t len, struct mp_pkt_info *pi)
{
	if (likely(parse_fast(p, len, pi)))
		return MP_DROP_NONE;
	return mp_parse_frame_walk(p, len, pi);
}

enum mp_drop
mp_parse_frame_walk(const uint8_t *p, uint32_t len, struct mp_pkt_info *pi)
{
	uint32_t off = RTE_ETHER_HDR_LEN;
	unsigned int tags = 0;
	uint16_t type;

	*pi = (struct mp_pkt_info){0};
	if (len < RTE_ETHER_HDR_LEN)
		return MP_DROP_ETH_TRUNC;
	if (p[0] & 0x01) {
		/* The group bit (I/G) of the first octet marks multicast; all ones is broadcast. */
		if ((p[0] & p[1] & p[2] & p[3] & p[4] & p[5]) == 0xff)
			pi->flags |= MP_PKT_F_L2_BCAST;
		else
			pi->flags |= MP_PKT_F_L2_MCAST;
	}
	type = rd16(p, offsetof(struct rte_ether_hdr, ether_type));
	while (type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ) {
		if (tags == MP_NET_VLAN_MAX)
			return MP_DROP_VLAN_STACK;
		if (len - off < sizeof(struct rte_vlan_hdr))
			return MP_DROP_VLAN_TRUNC;
		if (tags++ == 0) {
			pi->flags |= MP_PKT_F_VLAN;
			pi->vlan_tci = rd16(p, off + offsetof(struct rte_vlan_hdr, vlan_tci));
		}
		type = rd16(p, off + offsetof(struct rte_vlan_hdr, eth_proto));
		off += sizeof(struct rte_vlan_hdr);
	}
	pi->ethertype = type;
	pi->l3_off = (uint16_t)off;

	switch (type) {
	case RTE_ETHER_TYPE_IPV4:
		return parse_ip4(p, len, pi);
	case RTE_ETHER_TYPE_IPV6:
		return parse_ip6(p, len, pi);
	case RTE_ETHER_TYPE_ARP:
		return parse_arp(p, len, pi);
	default:
		return MP_DROP_ETHERTYPE;
	}
}
