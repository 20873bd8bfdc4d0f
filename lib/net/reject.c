/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rejections: a TCP segment nobody will take is answered with a RST (RFC 9293 3.10.7.1), a UDP
 * datagram with ICMP port unreachable (RFC 1122 4.1.3.1, RFC 4443 3.1). Both are built in place
 * from the offending packet. ICMP errors are rate limited per worker (RFC 1812 4.3.2.8, RFC 4443
 * 2.4(f)) so a flood cannot turn meshpath into an amplifier.
 */
#include <rte_cycles.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "net_priv.h"

/* ICMP errors per second per worker, and the burst allowed above the rate. */
#define REJECT_ICMP_PER_SEC 1000
#define REJECT_ICMP_BURST   100
/* How much of the offending packet an ICMP error quotes: the minimum MTU of each family. */
#define REJECT_ICMP4_MAX    576
#define REJECT_ICMP6_MAX    1280
#define ICMP4_UNREACH       3
#define ICMP4_PORT          3
#define ICMP6_UNREACH       1
#define ICMP6_PORT          4

static bool
reject_icmp_allowed(struct mp_net_ctx *c)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t gained = (c->now - c->icmp_tsc) * REJECT_ICMP_PER_SEC / hz;

	if (gained > 0) {
		c->icmp_tokens = RTE_MIN(c->icmp_tokens + gained, (uint64_t)REJECT_ICMP_BURST);
		c->icmp_tsc = c->now;
	}
	if (c->icmp_tokens == 0)
		return false;
	c->icmp_tokens--;
	return true;
}

/* The same pseudo-header and IP fields for the reply's layout, for mp_cksum_fill(). */
static void
reject_info(struct mp_pkt_info *ri, enum mp_l3 l3, uint16_t l3_len, uint16_t l4_len, uint32_t len,
            uint8_t proto)
{
	memset(ri, 0, sizeof(*ri));
	ri->l3 = l3;
	ri->l3_len = l3_len;
	ri->l4_off = l3_len;
	ri->l4_len = l4_len;
	ri->l4_proto = proto;
	ri->pkt_len = len;
}

static void
reject_tcp(struct mp_net_ctx *c, struct rte_mbuf *m, const struct mp_pkt_info *pi, uint16_t port)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_tcp_hdr in = *(const struct rte_tcp_hdr *)(p + pi->l4_off), *t;
	int family = pi->l3 == MP_L3_IPV4 ? AF_INET : AF_INET6;
	uint16_t l3_len =
	        family == AF_INET ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
	uint32_t seg_len = pi->pkt_len - pi->l4_off - (uint32_t)((in.data_off >> 4) * 4);
	struct mp_pkt_info ri;
	uint8_t *l3;

	if (in.tcp_flags & RTE_TCP_RST_FLAG) { /* never answer a RST */
		rte_pktmbuf_free(m);
		return;
	}
	if (in.tcp_flags & RTE_TCP_SYN_FLAG)
		seg_len++;
	if (in.tcp_flags & RTE_TCP_FIN_FLAG)
		seg_len++;
	/* The reply: IP header right before a bare TCP header, payload and options dropped. */
	l3 = p + pi->l4_off - l3_len;
	if (family == AF_INET) {
		struct rte_ipv4_hdr ip = *(const struct rte_ipv4_hdr *)(p + pi->l3_off);
		uint32_t a = ip.src_addr;

		ip.version_ihl = RTE_IPV4_VHL_DEF;
		ip.src_addr = ip.dst_addr;
		ip.dst_addr = a;
		ip.time_to_live = NET_DEFAULT_TTL;
		ip.fragment_offset = 0;
		ip.total_length = rte_cpu_to_be_16(sizeof(ip) + sizeof(in));
		memcpy(l3, &ip, sizeof(ip));
	} else {
		struct rte_ipv6_hdr ip = *(const struct rte_ipv6_hdr *)(p + pi->l3_off);

		memcpy(ip.src_addr, ((const struct rte_ipv6_hdr *)(p + pi->l3_off))->dst_addr, 16);
		memcpy(ip.dst_addr, ((const struct rte_ipv6_hdr *)(p + pi->l3_off))->src_addr, 16);
		ip.proto = IPPROTO_TCP;
		ip.hop_limits = NET_DEFAULT_TTL;
		ip.payload_len = rte_cpu_to_be_16(sizeof(in));
		memcpy(l3, &ip, sizeof(ip));
	}
	t = (struct rte_tcp_hdr *)(l3 + l3_len);
	memset(t, 0, sizeof(*t));
	t->src_port = in.dst_port;
	t->dst_port = in.src_port;
	t->data_off = sizeof(*t) / 4 << 4;
	if (in.tcp_flags & RTE_TCP_ACK_FLAG) {
		t->sent_seq = in.recv_ack;
		t->tcp_flags = RTE_TCP_RST_FLAG;
	} else {
		t->recv_ack = rte_cpu_to_be_32(rte_be_to_cpu_32(in.sent_seq) + seg_len);
		t->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
	rte_pktmbuf_adj(m, (uint16_t)(l3 - p));
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - l3_len - sizeof(*t)));
	reject_info(&ri, pi->l3, l3_len, sizeof(*t), m->pkt_len, IPPROTO_TCP);
	mp_cksum_fill(l3, &ri);
	m->ol_flags = 0;
	mp_count_event(c->cnt, MP_EV_RST_OUT);
	mp_net_output(c, m, family, family == AF_INET ? l3 + 16 : l3 + 24, port);
}

static void
reject_udp(struct mp_net_ctx *c, struct rte_mbuf *m, const struct mp_pkt_info *pi, uint16_t port)
{
	int family = pi->l3 == MP_L3_IPV4 ? AF_INET : AF_INET6;
	uint16_t l3_len =
	        family == AF_INET ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
	uint16_t hdrs = l3_len + sizeof(struct rte_icmp_hdr);
	uint32_t max = family == AF_INET ? REJECT_ICMP4_MAX : REJECT_ICMP6_MAX;
	uint8_t src[16], dst[16], *l3, *q;
	struct rte_icmp_hdr *icmp;
	struct mp_pkt_info ri;

	if (!reject_icmp_allowed(c)) {
		mp_net_drop(c, m, MP_DROP_ICMP_RATE);
		return;
	}
	q = rte_pktmbuf_mtod_offset(m, uint8_t *, pi->l3_off);
	memcpy(src, family == AF_INET ? q + 12 : q + 8, family == AF_INET ? 4 : 16);
	memcpy(dst, family == AF_INET ? q + 16 : q + 24, family == AF_INET ? 4 : 16);
	/* Quote the offending packet from its IP header, within the family's minimum MTU. */
	rte_pktmbuf_adj(m, pi->l3_off);
	if (m->pkt_len + hdrs > max)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len + hdrs - max));
	l3 = (uint8_t *)rte_pktmbuf_prepend(m, hdrs);
	if (l3 == NULL) {
		mp_net_drop(c, m, MP_DROP_NO_MBUF);
		return;
	}
	memset(l3, 0, hdrs);
	icmp = (struct rte_icmp_hdr *)(l3 + l3_len);
	if (family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)m->pkt_len);
		ip->time_to_live = NET_DEFAULT_TTL;
		ip->next_proto_id = IPPROTO_ICMP;
		memcpy(&ip->src_addr, dst, 4);
		memcpy(&ip->dst_addr, src, 4);
		icmp->icmp_type = ICMP4_UNREACH;
		icmp->icmp_code = ICMP4_PORT;
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(m->pkt_len - l3_len));
		ip->proto = IPPROTO_ICMPV6;
		ip->hop_limits = NET_DEFAULT_TTL;
		memcpy(ip->src_addr, dst, 16);
		memcpy(ip->dst_addr, src, 16);
		icmp->icmp_type = ICMP6_UNREACH;
		icmp->icmp_code = ICMP6_PORT;
	}
	reject_info(&ri, pi->l3, l3_len, sizeof(*icmp), m->pkt_len,
	            family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	mp_cksum_fill(l3, &ri);
	m->ol_flags = 0;
	mp_count_event(c->cnt, MP_EV_ICMP_UNREACH_OUT);
	mp_net_output(c, m, family, src, port);
}

void
mp_net_reject(struct mp_net_ctx *c, struct rte_mbuf *m, const struct mp_pkt_info *pi, uint16_t port)
{
	if (pi->l4_proto == IPPROTO_TCP && pi->l4_len >= sizeof(struct rte_tcp_hdr))
		reject_tcp(c, m, pi, port);
	else if (pi->l4_proto == IPPROTO_UDP)
		reject_udp(c, m, pi, port);
	else
		rte_pktmbuf_free(m);
}
