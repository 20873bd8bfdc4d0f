/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NAT rewrites with incremental checksum updates (RFC 1624), TCP MSS clamping, and the
 * translation of ICMP errors that quote a tracked flow's packet.
 *
 * Every update is RFC 1624 equation 3, HC' = ~(~HC + ~m + m'), over words loaded in memory
 * order into host integers, as lib/net/cksum.c sums them: ones' complement addition commutes
 * with byte swapping (RFC 1071 2.B), so nothing is converted. A 32-bit word adds the same as its
 * two 16-bit halves (2^16 is 1 modulo 0xffff), so addresses go four bytes at a time.
 *
 * Equation 3 never yields 0xffff for a checksum that was not 0xffff, and a computed checksum
 * never is 0xffff (the sum of a header is not zero), so the result is the very value a full
 * recompute gives, not just an equivalent one. UDP differs only in sending a computed 0 as
 * 0xffff, and in 0 meaning "no checksum" over IPv4, which must stay 0.
 *
 * The packet info comes from mp_parse_frame(), so the headers it names are inside the frame. The
 * quote inside an ICMP error is not parsed by it: icmp_inner_parse() checks every offset.
 */
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "flow_priv.h"

#define IP4_SRC_OFF     offsetof(struct rte_ipv4_hdr, src_addr)
#define IP4_DST_OFF     offsetof(struct rte_ipv4_hdr, dst_addr)
#define IP4_CKSUM_OFF   offsetof(struct rte_ipv4_hdr, hdr_checksum)
#define IP4_FRAG_OFF    offsetof(struct rte_ipv4_hdr, fragment_offset)
#define IP4_PROTO_OFF   offsetof(struct rte_ipv4_hdr, next_proto_id)
#define IP4_HDR_MIN     sizeof(struct rte_ipv4_hdr)
#define IP4_ADDR_LEN    4
#define IP4_IHL_MASK    0x0f
#define IP4_IHL_UNIT    4
#define IP4_FO_MASK     0x1fff /* fragment offset; the flags are the top 3 bits */
#define IP6_SRC_OFF     offsetof(struct rte_ipv6_hdr, src_addr)
#define IP6_DST_OFF     offsetof(struct rte_ipv6_hdr, dst_addr)
#define IP6_PROTO_OFF   offsetof(struct rte_ipv6_hdr, proto)
#define IP6_HDR_LEN     sizeof(struct rte_ipv6_hdr)
#define IP6_ADDR_LEN    16
#define IP6_EXT_UNIT    8 /* extension header lengths count 8-byte units past the first */
#define IP6_FRAG_LEN    8
#define IP6_FO_MASK     0xfff8 /* fragment offset in the fragment header's second word */
#define IP_VERSION(b)   ((b) >> 4)
#define TCP_HDR_MIN     sizeof(struct rte_tcp_hdr)
#define TCP_CKSUM_OFF   offsetof(struct rte_tcp_hdr, cksum)
#define TCP_FLAGS_OFF   offsetof(struct rte_tcp_hdr, tcp_flags)
#define UDP_CKSUM_OFF   offsetof(struct rte_udp_hdr, dgram_cksum)
#define CKSUM_LEN       2
#define TCP_OPT_EOL     0
#define TCP_OPT_NOP     1
#define TCP_OPT_MSS     2
#define TCP_OPT_MSS_LEN 4
#define ICMP_ERR_HDR    8 /* type, code, checksum, 4 bytes of unused/MTU/pointer; then the quote */
#define QUOTE_L4_MIN    8 /* RFC 792: the quote holds at least 64 bits of the datagram's data */

/* ICMP error types translated (RFC 792, RFC 4443). */
#define ICMP4_DEST_UNREACH   3
#define ICMP4_TIME_EXCEEDED  11
#define ICMP4_PARAM_PROBLEM  12
#define ICMP6_DEST_UNREACH   1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED  3
#define ICMP6_PARAM_PROBLEM  4

/* IPv6 extension headers a quote may carry before TCP/UDP. */
#define IP6_EXT_HOP     0
#define IP6_EXT_ROUTING 43
#define IP6_EXT_FRAG    44
#define IP6_EXT_DSTOPTS 60

/* ---------------------------------------------------------------------------------------- */
/* Ones' complement helpers                                                                  */

/* Fold to 16 bits. Zero stays zero; any other sum folds to 1..0xffff. */
static inline uint16_t
csum_fold(uint64_t acc)
{
	uint32_t s;
	/* 64 to 32 bits: add the halves and the carry back (which cannot carry again). */
	bool carry = __builtin_add_overflow((uint32_t)acc, (uint32_t)(acc >> 32), &s);

	s += carry;
	/* 32 to 16: the high half of s + (s rotated by 16) is hi + lo plus the carry out of the
	 * low half's lo + hi, which is the end-around carry. */
	s += s << 16 | s >> 16;
	return (uint16_t)(s >> 16);
}

/* acc plus ~m + m' for the len bytes (a multiple of 4) at old and new; call before writing. */
static inline uint64_t
csum_delta(uint64_t acc, const uint8_t *old, const uint8_t *new, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i += sizeof(uint32_t)) {
		uint32_t o, n;

		memcpy(&o, old + i, sizeof(o));
		memcpy(&n, new + i, sizeof(n));
		acc += (uint32_t)~o;
		acc += n;
	}
	return acc;
}

static inline uint16_t
csum_load(const uint8_t *field)
{
	uint16_t v;

	memcpy(&v, field, sizeof(v));
	return v;
}

static inline void
csum_store(uint8_t *field, uint16_t v)
{
	memcpy(field, &v, sizeof(v));
}

/* RFC 1624 eqn. 3: the checksum at field, after the words it covers changed by delta. */
static inline uint16_t
csum_update(uint16_t ck, uint64_t delta)
{
	return (uint16_t)~csum_fold((uint16_t)~ck + delta);
}

/* ---------------------------------------------------------------------------------------- */
/* Header rewrites                                                                           */

/*
 * Write the addresses of the IP header at l3, update its checksum (IPv4), and return the
 * change to the pseudo-header sum, which the L4 checksum must take too.
 */
static inline uint64_t
nat_addrs(uint8_t *l3, bool v4, const uint8_t *src, const uint8_t *dst)
{
	uint64_t d;

	if (v4) {
		d = csum_delta(0, l3 + IP4_SRC_OFF, src, IP4_ADDR_LEN);
		d = csum_delta(d, l3 + IP4_DST_OFF, dst, IP4_ADDR_LEN);
		memcpy(l3 + IP4_SRC_OFF, src, IP4_ADDR_LEN);
		memcpy(l3 + IP4_DST_OFF, dst, IP4_ADDR_LEN);
		csum_store(l3 + IP4_CKSUM_OFF, csum_update(csum_load(l3 + IP4_CKSUM_OFF), d));
		return d;
	}
	/* IPv6 has no header checksum. */
	d = csum_delta(0, l3 + IP6_SRC_OFF, src, IP6_ADDR_LEN);
	d = csum_delta(d, l3 + IP6_DST_OFF, dst, IP6_ADDR_LEN);
	memcpy(l3 + IP6_SRC_OFF, src, IP6_ADDR_LEN);
	memcpy(l3 + IP6_DST_OFF, dst, IP6_ADDR_LEN);
	return d;
}

/* Write the ports at l4 (TCP or UDP) and return the change to the sum. */
static inline uint64_t
nat_ports(uint8_t *l4, rte_be16_t sport, rte_be16_t dport)
{
	rte_be16_t old[2];

	memcpy(old, l4, sizeof(old));
	memcpy(l4, &sport, sizeof(sport));
	memcpy(l4 + sizeof(sport), &dport, sizeof(dport));
	return (uint64_t)(uint16_t)~old[0] + (uint16_t)~old[1] + sport + dport;
}

/*
 * Take delta into the TCP or UDP checksum at l4, when the avail bytes from l4 hold it (a quote
 * inside an ICMP error may stop short of it).
 */
static inline void
nat_l4_cksum(uint8_t *l4, uint8_t proto, bool v4, uint32_t avail, uint64_t delta)
{
	uint16_t ck;

	if (proto == IPPROTO_TCP) {
		if (avail >= TCP_CKSUM_OFF + CKSUM_LEN)
			csum_store(l4 + TCP_CKSUM_OFF,
			           csum_update(csum_load(l4 + TCP_CKSUM_OFF), delta));
		return;
	}
	if (avail < UDP_CKSUM_OFF + CKSUM_LEN)
		return;
	ck = csum_load(l4 + UDP_CKSUM_OFF);
	/* Zero over IPv4: the sender computed none (RFC 768), and none is what goes out. */
	if (ck == 0 && v4)
		return;
	ck = csum_update(ck, delta);
	csum_store(l4 + UDP_CKSUM_OFF, ck == 0 ? UINT16_MAX : ck);
}

static inline bool
nat_rewritable(const struct mp_pkt_info *pi)
{
	return (pi->l3 == MP_L3_IPV4 || pi->l3 == MP_L3_IPV6) &&
	       (pi->l4_proto == IPPROTO_TCP || pi->l4_proto == IPPROTO_UDP) && pi->l4_len != 0 &&
	       !(pi->flags & MP_PKT_F_FRAG);
}

static inline void
nat_apply(uint8_t *p, const struct mp_pkt_info *pi, const uint8_t *src, const uint8_t *dst,
          rte_be16_t sport, rte_be16_t dport)
{
	bool v4 = pi->l3 == MP_L3_IPV4;
	uint64_t d;

	d = nat_addrs(p + pi->l3_off, v4, src, dst);
	d += nat_ports(p + pi->l4_off, sport, dport);
	nat_l4_cksum(p + pi->l4_off, pi->l4_proto, v4, pi->l4_len, d);
}

bool
mp_flow_nat_rewrite(uint8_t *p, const struct mp_pkt_info *pi, const struct mp_flow_nat *a)
{
	if (!nat_rewritable(pi))
		return false;
	nat_apply(p, pi, a->src, a->dst, a->sport, a->dport);
	return true;
}

/* The delta that undoes delta d: its ones' complement negation, 0xffff for a zero sum. */
static inline uint16_t
csum_neg(uint16_t d)
{
	return d == UINT16_MAX ? UINT16_MAX : (uint16_t)~d;
}

/*
 * What the original direction's NAT changes in the checksums of an IPv4 flow's packets, folded
 * to 16 bits: nat_ck[0] for its addresses (the IPv4 header), nat_ck[1] for addresses and ports
 * (TCP, UDP). The packets of a direction always arrive with its tuple, so these are the same
 * for each. The reply direction changes the same words back: its deltas are the negations, and
 * as a sum that is not zero (the addresses of a flow are never all ones and zeros) folds to a
 * value in 1..0xffff, csum_neg() gives exactly the value nat_apply() would fold to.
 */
void
flow_nat_deltas(struct mp_flow *f)
{
	uint64_t d;

	if (f->family != AF_INET)
		return;
	/* In as addr4[0] -> addr4[1], port[0] -> port[1]; out as [3] -> [2] (mp_flow_nat()). */
	d = csum_delta(0, f->addr4[0], f->addr4[3], IP4_ADDR_LEN);
	d = csum_delta(d, f->addr4[1], f->addr4[2], IP4_ADDR_LEN);
	f->nat_ck[0] = csum_fold(d);
	d += (uint64_t)(uint16_t)~f->port[0] + (uint16_t)~f->port[1] + f->port[3] + f->port[2];
	f->nat_ck[1] = csum_fold(d);
}

void
mp_flow_nat4(const struct mp_flow *f, unsigned int dir, uint8_t *l3, uint8_t *l4, uint8_t proto)
{
	unsigned int o = 2 * (1 - dir);
	uint16_t d3 = f->nat_ck[0], d4 = f->nat_ck[1];

	/* nat_apply() with the deltas computed when the flow was created. */
	if (dir != MP_FLOW_DIR_ORIG) {
		d3 = csum_neg(d3);
		d4 = csum_neg(d4);
	}
	memcpy(l3 + IP4_SRC_OFF, f->addr4[o + 1], IP4_ADDR_LEN);
	memcpy(l3 + IP4_DST_OFF, f->addr4[o], IP4_ADDR_LEN);
	csum_store(l3 + IP4_CKSUM_OFF, csum_update(csum_load(l3 + IP4_CKSUM_OFF), d3));
	memcpy(l4, &f->port[o + 1], sizeof(f->port[0]));
	memcpy(l4 + sizeof(f->port[0]), &f->port[o], sizeof(f->port[0]));
	nat_l4_cksum(l4, proto, true,
	             proto == IPPROTO_TCP ? TCP_HDR_MIN : sizeof(struct rte_udp_hdr), d4);
}

bool
mp_flow_nat(struct mp_flow_table *t, const struct mp_flow *f, unsigned int dir, uint8_t *p,
            const struct mp_pkt_info *pi)
{
	/* Direction dir leaves as the other direction's tuple reversed (see mp_flow_nat_of()). */
	unsigned int o = 2 * (1 - dir);

	if (unlikely(!nat_rewritable(pi))) {
		t->stats[MP_FLOW_STAT_NAT_FAILED]++;
		return false;
	}
	/* Two calls, not one through mp_flow_addr(): each is compiled for its family (nine
	 * instructions per packet fewer under bench/l4_instr.sh). */
	if (pi->l3 == MP_L3_IPV4)
		nat_apply(p, pi, f->addr4[o + 1], f->addr4[o], f->port[o + 1], f->port[o]);
	else
		nat_apply(p, pi, f->addr6[o + 1], f->addr6[o], f->port[o + 1], f->port[o]);
	if (t->mss_clamp != 0 && pi->l4_proto == IPPROTO_TCP &&
	    mp_flow_mss_clamp(p, pi, t->mss_clamp))
		t->stats[MP_FLOW_STAT_MSS_CLAMPED]++;
	return true;
}

/* ---------------------------------------------------------------------------------------- */
/* MSS clamping                                                                              */

/*
 * Set the MSS value at off (from the TCP header) to mss. Options need no alignment: a 16-bit
 * field at an odd offset straddles two checksum words and adds byte-swapped, so its delta is
 * swapped too.
 */
static void
mss_set(uint8_t *tcp, uint32_t off, uint16_t mss)
{
	uint16_t old = csum_load(tcp + off), new = rte_cpu_to_be_16(mss);
	uint64_t d;

	if (off & 1)
		d = (uint16_t)~rte_bswap16(old) + (uint64_t)rte_bswap16(new);
	else
		d = (uint16_t)~old + (uint64_t) new;
	csum_store(tcp + off, new);
	csum_store(tcp + TCP_CKSUM_OFF, csum_update(csum_load(tcp + TCP_CKSUM_OFF), d));
}

bool
mp_flow_mss_clamp(uint8_t *p, const struct mp_pkt_info *pi, uint16_t mss)
{
	uint8_t *tcp = p + pi->l4_off;
	uint32_t off = TCP_HDR_MIN, end = pi->l4_len;

	if (pi->l4_proto != IPPROTO_TCP || end <= TCP_HDR_MIN || (pi->flags & MP_PKT_F_FRAG) ||
	    !(tcp[TCP_FLAGS_OFF] & RTE_TCP_SYN_FLAG))
		return false;
	/* RFC 9293 3.1: kind, length (counting both), data; EOL and NOP are one byte. */
	while (off < end) {
		uint8_t kind = tcp[off], len;

		if (kind == TCP_OPT_EOL)
			return false;
		if (kind == TCP_OPT_NOP) {
			off++;
			continue;
		}
		if (end - off < 2)
			return false;
		len = tcp[off + 1];
		if (len < 2 || len > end - off)
			return false;
		if (kind == TCP_OPT_MSS) {
			if (len != TCP_OPT_MSS_LEN ||
			    rte_be_to_cpu_16(csum_load(tcp + off + 2)) <= mss)
				return false;
			mss_set(tcp, off + 2, mss);
			return true;
		}
		off += len;
	}
	return false;
}

/* ---------------------------------------------------------------------------------------- */
/* ICMP errors                                                                               */

/* Where the quoted packet's headers are. Offsets are from the start of the frame. */
struct icmp_inner {
	uint32_t l3;
	uint32_t l4;
	uint32_t l4_avail; /* quoted bytes from l4 on */
	uint8_t proto;
};

static bool
icmp_is_error(const struct mp_pkt_info *pi, uint8_t type)
{
	if (pi->l3 == MP_L3_IPV4)
		return pi->l4_proto == IPPROTO_ICMP &&
		       (type == ICMP4_DEST_UNREACH || type == ICMP4_TIME_EXCEEDED ||
		        type == ICMP4_PARAM_PROBLEM);
	return pi->l3 == MP_L3_IPV6 && pi->l4_proto == IPPROTO_ICMPV6 &&
	       (type == ICMP6_DEST_UNREACH || type == ICMP6_PACKET_TOO_BIG ||
	        type == ICMP6_TIME_EXCEEDED || type == ICMP6_PARAM_PROBLEM);
}

/* The quoted IPv4 header at off; false unless it leads to TCP/UDP of a first fragment. */
static bool
icmp_inner4(const uint8_t *p, uint32_t off, uint32_t end, struct icmp_inner *in)
{
	uint32_t ihl;

	if (end - off < IP4_HDR_MIN || IP_VERSION(p[off]) != 4)
		return false;
	ihl = (uint32_t)(p[off] & IP4_IHL_MASK) * IP4_IHL_UNIT;
	if (ihl < IP4_HDR_MIN || ihl > end - off)
		return false;
	/* A later fragment carries no ports to translate. */
	if (rte_be_to_cpu_16(csum_load(p + off + IP4_FRAG_OFF)) & IP4_FO_MASK)
		return false;
	in->proto = p[off + IP4_PROTO_OFF];
	in->l4 = off + ihl;
	return true;
}

/* The quoted IPv6 header at off, walking a bounded extension chain to TCP/UDP. */
static bool
icmp_inner6(const uint8_t *p, uint32_t off, uint32_t end, struct icmp_inner *in)
{
	uint32_t l4 = off + IP6_HDR_LEN;
	uint8_t nh;
	unsigned int i;

	if (end - off < IP6_HDR_LEN || IP_VERSION(p[off]) != 6)
		return false;
	nh = p[off + IP6_PROTO_OFF];
	for (i = 0; i < MP_NET_IP6_EXT_MAX; i++) {
		if (nh != IP6_EXT_HOP && nh != IP6_EXT_ROUTING && nh != IP6_EXT_DSTOPTS &&
		    nh != IP6_EXT_FRAG)
			break;
		/* Every extension header starts with next header and a length (RFC 8200 4). */
		if (end - l4 < IP6_FRAG_LEN)
			return false;
		if (nh == IP6_EXT_FRAG) {
			if (rte_be_to_cpu_16(csum_load(p + l4 + 2)) & IP6_FO_MASK)
				return false;
			nh = p[l4];
			l4 += IP6_FRAG_LEN;
		} else {
			nh = p[l4];
			l4 += ((uint32_t)p[l4 + 1] + 1) * IP6_EXT_UNIT;
		}
		if (l4 > end)
			return false;
	}
	in->proto = nh;
	in->l4 = l4;
	return true;
}

/* Find the quoted packet of an ICMP error of the same family; false when there is none. */
static bool
icmp_inner_parse(const uint8_t *p, const struct mp_pkt_info *pi, struct icmp_inner *in)
{
	uint32_t end = pi->pkt_len;
	bool ok;

	if (pi->l4_len == 0 || (pi->flags & MP_PKT_F_FRAG) || !icmp_is_error(pi, p[pi->l4_off]))
		return false;
	if (end - pi->l4_off < ICMP_ERR_HDR)
		return false;
	in->l3 = pi->l4_off + ICMP_ERR_HDR;
	if (pi->l3 == MP_L3_IPV4)
		ok = icmp_inner4(p, in->l3, end, in);
	else
		ok = icmp_inner6(p, in->l3, end, in);
	if (!ok || (in->proto != IPPROTO_TCP && in->proto != IPPROTO_UDP) ||
	    end - in->l4 < QUOTE_L4_MIN)
		return false;
	in->l4_avail = end - in->l4;
	return true;
}

bool
mp_flow_icmp_key(const uint8_t *p, const struct mp_pkt_info *pi, struct mp_flow_key *k)
{
	struct icmp_inner in;
	rte_be16_t ports[2];
	const uint8_t *l3;

	if (!icmp_inner_parse(p, pi, &in))
		return false;
	l3 = p + in.l3;
	memcpy(ports, p + in.l4, sizeof(ports));
	/* The quote went the other way: its destination is where this error comes from. */
	if (pi->l3 == MP_L3_IPV4)
		mp_flow_key_set(k, AF_INET, in.proto, l3 + IP4_DST_OFF, l3 + IP4_SRC_OFF, ports[1],
		                ports[0]);
	else
		mp_flow_key_set(k, AF_INET6, in.proto, l3 + IP6_DST_OFF, l3 + IP6_SRC_OFF, ports[1],
		                ports[0]);
	return true;
}

bool
mp_flow_nat_icmp(uint8_t *p, const struct mp_pkt_info *pi, const struct mp_flow_nat *a)
{
	bool v4 = pi->l3 == MP_L3_IPV4;
	struct icmp_inner in;
	uint64_t d;

	if (!icmp_inner_parse(p, pi, &in))
		return false;
	nat_addrs(p + pi->l3_off, v4, a->src, a->dst);
	/* The quote is a packet of the opposite direction: it gets the reverse translation. */
	d = nat_addrs(p + in.l3, v4, a->dst, a->src);
	d += nat_ports(p + in.l4, a->dport, a->sport);
	nat_l4_cksum(p + in.l4, in.proto, v4, in.l4_avail, d);
	/*
	 * The ICMP checksum covers the whole quote (and, for ICMPv6, the outer addresses): compute
	 * it again rather than track every word that moved. Errors are rare; this is correct by
	 * construction. mp_cksum_fill() redoes the outer IPv4 header checksum on the way.
	 */
	mp_cksum_fill(p, pi);
	return true;
}
