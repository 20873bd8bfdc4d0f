/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP (RFC 826): answer requests for own addresses, learn neighbours, send requests. */
#include <rte_arp.h>

#include "net_priv.h"

static void
arp_learn(struct mp_net_ctx *c, uint16_t port, const struct rte_arp_ipv4 *a, bool create)
{
	struct mp_neigh_key k;

	/* 0.0.0.0 is an address probe (RFC 5227): nothing to learn. */
	if (a->arp_sip == 0 || rte_is_zero_ether_addr(&a->arp_sha) ||
	    rte_is_multicast_ether_addr(&a->arp_sha))
		return;
	mp_neigh_key_make(&k, AF_INET, port, &a->arp_sip);
	net_neigh_learn(c, &k, &a->arp_sha, create);
}

void
net_arp_input(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m, const struct mp_pkt_info *pi)
{
	const struct mp_net_iface *ifc = &c->ifaces[port];
	struct rte_arp_hdr *arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, pi->l3_off);
	struct rte_arp_ipv4 *a = &arp->arp_data;
	const struct mp_local_entry *le =
	        mp_local_lookup(c->local, AF_INET, (const uint8_t *)&a->arp_tip, port);
	/* Answer for addresses on this port's link: its own, and VIPs and SNAT addresses in its
	 * subnet. Addresses of other ports are not ours to announce here. */
	bool for_us = le != NULL && le->port == port;
	struct rte_ether_hdr *eth;
	uint32_t sip;

	if (arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY)) {
		mp_count_event(c->cnt, MP_EV_ARP_REPLY_IN);
		/* Replies only refresh or complete entries we asked for. */
		arp_learn(c, port, a, false);
		rte_pktmbuf_free(m);
		return;
	}
	mp_count_event(c->cnt, MP_EV_ARP_REQ_IN);
	if (!for_us) {
		/* RFC 826: update an existing entry even when the request is for someone else. */
		arp_learn(c, port, a, false);
		mp_net_drop(c, m, MP_DROP_ARP_NOT_OURS);
		return;
	}
	/* The asker will talk to us next: keep its address (RFC 826 "merge"). */
	arp_learn(c, port, a, true);

	/* Turn the request into the reply in place. */
	sip = a->arp_sip;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_tha = a->arp_sha;
	a->arp_sha = ifc->mac;
	a->arp_sip = a->arp_tip;
	a->arp_tip = sip;
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (pi->l3_off != sizeof(*eth)) {
		/* Not reached while tagged frames are dropped earlier; keeps the layout honest. */
		mp_net_drop(c, m, MP_DROP_VLAN_UNCONF);
		return;
	}
	eth->dst_addr = a->arp_tha;
	eth->src_addr = ifc->mac;
	mp_count_event(c->cnt, MP_EV_ARP_REPLY_OUT);
	mp_net_tx(c, port, m);
}

void
net_arp_solicit(struct mp_net_ctx *c, const struct mp_neigh_key *k)
{
	const struct mp_net_iface *ifc = &c->ifaces[k->port];
	const struct mp_net_addr *src = mp_net_iface_source(ifc, AF_INET, k->addr);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m;

	if (src == NULL) {
		mp_count_drop(c->cnt, MP_DROP_NO_SOURCE);
		return;
	}
	m = rte_pktmbuf_alloc(c->pool);
	if (m == NULL) {
		mp_count_drop(c->cnt, MP_DROP_NO_MBUF);
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	if (eth == NULL) {
		mp_net_drop(c, m, MP_DROP_NO_MBUF);
		return;
	}
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = ifc->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = sizeof(uint32_t);
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = ifc->mac;
	memcpy(&arp->arp_data.arp_sip, src->addr, 4);
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	memcpy(&arp->arp_data.arp_tip, k->addr, 4);
	mp_count_event(c->cnt, MP_EV_ARP_REQ_OUT);
	mp_net_tx(c, k->port, m);
}
