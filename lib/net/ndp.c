/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 neighbour discovery (RFC 4861): answer solicitations for own addresses (link-local
 * included), learn from solicitations and advertisements, send solicitations. Router
 * discovery and redirects are not handled: meshpath's routes are configured.
 */
#include <rte_icmp.h>
#include <rte_ip.h>

#include "net_priv.h"

#define NDP_NS             135
#define NDP_NA             136
#define NDP_OPT_SLLA       1
#define NDP_OPT_TLLA       2
#define NDP_NA_F_SOLICITED 0x40
#define NDP_NA_F_OVERRIDE  0x20

/* NS and NA share this layout: ICMPv6 header, 4 bytes of flags/reserved, target, options. */
struct ndp_msg {
	uint8_t type;
	uint8_t code;
	rte_be16_t cksum;
	uint8_t flags;
	uint8_t reserved[3];
	uint8_t target[16];
} __rte_packed;

struct ndp_lladdr_opt {
	uint8_t type;
	uint8_t len;               /* in units of 8 bytes */
	struct rte_ether_addr mac; /* at offset 2: naturally aligned, no packing needed */
};

static const uint8_t ip6_unspecified[16];
static const uint8_t ip6_all_nodes[16] = {0xff, 0x02, [15] = 0x01};

/*
 * Check the options (each length non-zero and inside the message, RFC 4861 4.6) and find the
 * link-layer address option of the wanted type. Returns false when the options are malformed.
 */
static bool
ndp_options(const uint8_t *opt, uint32_t len, uint8_t want, const struct rte_ether_addr **mac)
{
	*mac = NULL;
	while (len > 0) {
		uint32_t olen;

		if (len < 2 || opt[1] == 0)
			return false;
		olen = (uint32_t)opt[1] * 8;
		if (olen > len)
			return false;
		if (opt[0] == want && olen >= sizeof(struct ndp_lladdr_opt))
			*mac = &((const struct ndp_lladdr_opt *)opt)->mac;
		opt += olen;
		len -= olen;
	}
	return true;
}

/* Build an NS or NA from scratch and queue it on port. */
static void
ndp_send(struct mp_net_ctx *c, uint16_t port, uint8_t type, uint8_t flags, const uint8_t *src,
         const uint8_t *dst, const uint8_t *target, const struct rte_ether_addr *eth_dst)
{
	const struct mp_net_iface *ifc = &c->ifaces[port];
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	struct ndp_msg *msg;
	struct ndp_lladdr_opt *opt;
	struct mp_pkt_info pi;
	struct rte_mbuf *m;
	uint16_t len = sizeof(*eth) + sizeof(*ip) + sizeof(*msg) + 8;

	m = rte_pktmbuf_alloc(c->pool);
	if (m == NULL) {
		mp_count_drop(c->cnt, MP_DROP_NO_MBUF);
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, len);
	if (eth == NULL) {
		mp_net_drop(c, m, MP_DROP_NO_MBUF);
		return;
	}
	memset(eth, 0, len);
	eth->dst_addr = *eth_dst;
	eth->src_addr = ifc->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(sizeof(*msg) + 8);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = NET_NDP_HOP_LIMIT;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	msg = (struct ndp_msg *)(ip + 1);
	msg->type = type;
	msg->flags = flags;
	memcpy(msg->target, target, 16);
	opt = (struct ndp_lladdr_opt *)(msg + 1);
	opt->type = type == NDP_NS ? NDP_OPT_SLLA : NDP_OPT_TLLA;
	opt->len = 1;
	opt->mac = ifc->mac;

	memset(&pi, 0, sizeof(pi));
	pi.l3 = MP_L3_IPV6;
	pi.l3_off = sizeof(*eth);
	pi.l3_len = sizeof(*ip);
	pi.l4_off = sizeof(*eth) + sizeof(*ip);
	pi.l4_len = 4; /* type, code, checksum: what mp_cksum_fill() needs to see */
	pi.l4_proto = IPPROTO_ICMPV6;
	pi.pkt_len = len;
	mp_cksum_fill((uint8_t *)eth, &pi);
	mp_count_event(c->cnt, type == NDP_NS ? MP_EV_NDP_NS_OUT : MP_EV_NDP_NA_OUT);
	mp_net_tx(c, port, m);
}

void
net_ndp_solicit(struct mp_net_ctx *c, const struct mp_neigh_key *k)
{
	const struct mp_net_addr *src = mp_net_iface_source(&c->ifaces[k->port], AF_INET6, k->addr);
	struct rte_ether_addr mc;
	uint8_t dst[16];

	if (src == NULL) {
		mp_count_drop(c->cnt, MP_DROP_NO_SOURCE);
		return;
	}
	net_ip6_solicited_node(dst, k->addr);
	rte_ether_addr_copy(
	        &(struct rte_ether_addr){{0x33, 0x33, dst[12], dst[13], dst[14], dst[15]}}, &mc);
	ndp_send(c, k->port, NDP_NS, 0, src->addr, dst, k->addr, &mc);
}

static void
ndp_ns_input(struct mp_net_ctx *c, uint16_t port, const struct rte_ipv6_hdr *ip,
             const struct ndp_msg *ns, const struct rte_ether_addr *slla,
             const struct rte_ether_addr *eth_src)
{
	static const struct rte_ether_addr all_nodes_mac = {{0x33, 0x33, 0, 0, 0, 0x01}};
	bool dad = memcmp(ip->src_addr, ip6_unspecified, 16) == 0;
	const struct mp_local_entry *le;
	struct mp_neigh_key k;

	mp_count_event(c->cnt, MP_EV_NDP_NS_IN);
	le = mp_local_lookup(c->local, AF_INET6, ns->target, port);
	if (le == NULL || le->port != port || le->kind == MP_LOCAL_GROUP) {
		mp_count_drop(c->cnt, MP_DROP_NOT_LOCAL);
		return;
	}
	if (dad) {
		/* Someone probes our address (duplicate address detection): defend it. */
		ndp_send(c, port, NDP_NA, NDP_NA_F_OVERRIDE, ns->target, ip6_all_nodes, ns->target,
		         &all_nodes_mac);
		return;
	}
	if (slla != NULL) {
		mp_neigh_key_make(&k, AF_INET6, port, ip->src_addr);
		net_neigh_learn(c, &k, slla, true);
	}
	ndp_send(c, port, NDP_NA, NDP_NA_F_SOLICITED | NDP_NA_F_OVERRIDE, ns->target, ip->src_addr,
	         ns->target, slla != NULL ? slla : eth_src);
}

void
net_ndp_input(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m, const struct mp_pkt_info *pi)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)p;
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(p + pi->l3_off);
	const struct ndp_msg *msg = (const struct ndp_msg *)(p + pi->l4_off);
	uint32_t len = pi->pkt_len - pi->l4_off;
	const struct rte_ether_addr *lla;
	struct mp_neigh_key k;
	bool dad;

	/* RFC 4861 7.1: validity checks; a hop limit below 255 means it crossed a router. */
	if (ip->hop_limits != NET_NDP_HOP_LIMIT || msg->code != 0 || len < sizeof(*msg) ||
	    net_ip6_is_multicast(msg->target) ||
	    !ndp_options((const uint8_t *)(msg + 1), len - (uint32_t)sizeof(*msg),
	                 msg->type == NDP_NS ? NDP_OPT_SLLA : NDP_OPT_TLLA, &lla)) {
		mp_net_drop(c, m, MP_DROP_NDP_BAD);
		return;
	}
	dad = memcmp(ip->src_addr, ip6_unspecified, 16) == 0;
	if (msg->type == NDP_NS) {
		if (dad && (lla != NULL || !net_ip6_is_multicast(ip->dst_addr))) {
			mp_net_drop(c, m, MP_DROP_NDP_BAD);
			return;
		}
		ndp_ns_input(c, port, ip, msg, lla, &eth->src_addr);
		rte_pktmbuf_free(m);
		return;
	}
	mp_count_event(c->cnt, MP_EV_NDP_NA_IN);
	if (net_ip6_is_multicast(ip->dst_addr) && (msg->flags & NDP_NA_F_SOLICITED)) {
		mp_net_drop(c, m, MP_DROP_NDP_BAD);
		return;
	}
	if (lla != NULL) {
		mp_neigh_key_make(&k, AF_INET6, port, msg->target);
		net_neigh_learn(c, &k, lla, false);
	}
	rte_pktmbuf_free(m);
}
