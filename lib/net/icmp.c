/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP and ICMPv6 echo replies for own addresses (RFC 792, RFC 4443). The request becomes the
 * reply in place: the IP header is rewritten right in front of the ICMP message, which drops
 * any IPv4 options or IPv6 extension headers the request carried, then routed back.
 */
#include <rte_icmp.h>
#include <rte_ip.h>

#include "net_priv.h"

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY   129
#define ICMP6_NS           135
#define ICMP6_NA           136

/* The reply's L3-only layout, for mp_cksum_fill(). */
static void
icmp_reply_info(struct mp_pkt_info *pi, enum mp_l3 l3, uint16_t l3_len, uint32_t len, uint8_t proto)
{
	memset(pi, 0, sizeof(*pi));
	pi->l3 = l3;
	pi->l3_len = l3_len;
	pi->l4_off = l3_len;
	pi->l4_len = sizeof(struct rte_icmp_hdr);
	pi->l4_proto = proto;
	pi->pkt_len = len;
}

void
net_icmp4_input(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m,
                const struct mp_pkt_info *pi)
{
	struct rte_ipv4_hdr *in = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, pi->l3_off);
	struct rte_icmp_hdr *icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, pi->l4_off);
	struct rte_ipv4_hdr ip, *out;
	struct mp_pkt_info ri;
	uint32_t len;

	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
		mp_net_drop(c, m, MP_DROP_ICMP_TYPE);
		return;
	}
	if (in->src_addr == 0) {
		mp_net_drop(c, m, MP_DROP_IP4_SRC);
		return;
	}
	ip = *in;
	ip.version_ihl = RTE_IPV4_VHL_DEF;
	ip.src_addr = in->dst_addr;
	ip.dst_addr = in->src_addr;
	ip.time_to_live = NET_DEFAULT_TTL;
	ip.fragment_offset = 0;
	ip.hdr_checksum = 0;
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;

	rte_pktmbuf_adj(m, (uint16_t)(pi->l4_off - sizeof(ip)));
	len = rte_pktmbuf_pkt_len(m);
	ip.total_length = rte_cpu_to_be_16((uint16_t)len);
	out = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	*out = ip;
	icmp_reply_info(&ri, MP_L3_IPV4, sizeof(ip), len, IPPROTO_ICMP);
	mp_cksum_fill((uint8_t *)out, &ri);
	m->ol_flags = 0;
	mp_count_event(c->cnt, MP_EV_ICMP_ECHO_OUT);
	mp_net_output(c, m, AF_INET, (const uint8_t *)&out->dst_addr, port);
}

static void
icmp6_echo(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m, const struct mp_pkt_info *pi)
{
	struct rte_ipv6_hdr *in = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, pi->l3_off);
	struct rte_icmp_hdr *icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, pi->l4_off);
	struct rte_ipv6_hdr ip, *out;
	struct mp_pkt_info ri;
	uint32_t len;

	/* Echo to a multicast group is not answered (a unicast source would have to be picked). */
	if (net_ip6_is_multicast(in->dst_addr) || icmp->icmp_code != 0) {
		mp_net_drop(c, m, MP_DROP_ICMP_TYPE);
		return;
	}
	ip = *in;
	memcpy(ip.src_addr, in->dst_addr, 16);
	memcpy(ip.dst_addr, in->src_addr, 16);
	ip.hop_limits = NET_DEFAULT_TTL;
	ip.proto = IPPROTO_ICMPV6;
	icmp->icmp_type = ICMP6_ECHO_REPLY;

	rte_pktmbuf_adj(m, (uint16_t)(pi->l4_off - sizeof(ip)));
	len = rte_pktmbuf_pkt_len(m);
	ip.payload_len = rte_cpu_to_be_16((uint16_t)(len - sizeof(ip)));
	out = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	*out = ip;
	icmp_reply_info(&ri, MP_L3_IPV6, sizeof(ip), len, IPPROTO_ICMPV6);
	mp_cksum_fill((uint8_t *)out, &ri);
	m->ol_flags = 0;
	mp_count_event(c->cnt, MP_EV_ICMP6_ECHO_OUT);
	mp_net_output(c, m, AF_INET6, out->dst_addr, port);
}

void
net_icmp6_input(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m,
                const struct mp_pkt_info *pi)
{
	const struct rte_icmp_hdr *icmp =
	        rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *, pi->l4_off);

	switch (icmp->icmp_type) {
	case ICMP6_ECHO_REQUEST:
		icmp6_echo(c, port, m, pi);
		break;
	case ICMP6_NS:
	case ICMP6_NA:
		net_ndp_input(c, port, m, pi);
		break;
	default:
		mp_net_drop(c, m, MP_DROP_ICMP_TYPE);
		break;
	}
}
