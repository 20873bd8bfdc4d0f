/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker network data path: input (parse, verify, classify, dispatch), output (route,
 * neighbour, Ethernet, TX buffer) and the per-loop housekeeping. Runs on worker lcores only:
 * no locks, no syscalls, no allocation outside mempools, no logging; drops are counted.
 */
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "net_priv.h"

/* Entries the neighbour aging visits per pass, and passes per second. */
#define NET_EXPIRE_BUDGET    256
#define NET_EXPIRE_PER_SEC   100
/* Neighbour updates taken from the ring per loop. */
#define NET_UPDATES_PER_POLL 32

void
mp_net_drop(struct mp_net_ctx *c, struct rte_mbuf *m, enum mp_drop d)
{
	mp_count_drop(c->cnt, d);
	rte_pktmbuf_free(m);
}

/* TX buffer error callback: the device queue was full. Undo the tx counts and count drops. */
static void
net_tx_unsent(struct rte_mbuf **pkts, uint16_t unsent, void *arg)
{
	struct mp_net_txq *q = arg;
	struct mp_port_counters *pc = &q->cnt->port[q->port];
	uint16_t i;

	for (i = 0; i < unsent; i++) {
		pc->tx_pkts--;
		pc->tx_bytes -= pkts[i]->pkt_len;
		rte_pktmbuf_free(pkts[i]);
	}
	q->cnt->drops[MP_DROP_TX_FULL] += unsent;
}

int
mp_net_ctx_init(struct mp_net_ctx *c, uint32_t burst, int socket_id)
{
	uint16_t p;

	for (p = 0; p < c->n_ports; p++) {
		struct mp_net_txq *q = &c->txq[p];

		q->cnt = c->cnt;
		q->port = p;
		q->buf =
		        rte_zmalloc_socket("mp_txbuf", RTE_ETH_TX_BUFFER_SIZE(burst), 0, socket_id);
		if (q->buf == NULL)
			return -ENOMEM;
		rte_eth_tx_buffer_init(q->buf, (uint16_t)burst);
		rte_eth_tx_buffer_set_err_callback(q->buf, net_tx_unsent, q);
	}
	c->dst_epoch = 1;
	c->expire_period = rte_get_tsc_hz() / NET_EXPIRE_PER_SEC;
	c->nh_cache_tsc = rte_get_tsc_hz() / 1000 * MP_NET_NH_CACHE_MS;
	return 0;
}

void
mp_net_ctx_fini(struct mp_net_ctx *c)
{
	uint16_t p, i;

	for (p = 0; p < c->n_ports; p++) {
		struct rte_eth_dev_tx_buffer *b = c->txq[p].buf;

		if (b == NULL)
			continue;
		for (i = 0; i < b->length; i++)
			rte_pktmbuf_free(b->pkts[i]);
		rte_free(b);
		c->txq[p].buf = NULL;
	}
}

/* Out of line: once per burst, and the device's TX call needs registers the caller keeps. A
 * full buffer for a device being restarted is dropped, as a full device queue would be. */
static __rte_noinline void
net_tx_flush(struct mp_net_ctx *c, uint16_t port)
{
	struct rte_eth_dev_tx_buffer *b = c->txq[port].buf;

	if (unlikely(mp_net_iface_paused(&c->ifaces[port]))) {
		net_tx_unsent(b->pkts, b->length, &c->txq[port]);
		b->length = 0;
		return;
	}
	rte_eth_tx_buffer_flush(c->ifaces[port].port_id, c->queue, b);
}

/* Queue m for TX on port: rte_eth_tx_buffer(), with the burst sent out of line. */
static inline void
net_tx(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m)
{
	struct mp_port_counters *pc = &c->cnt->port[port];
	struct rte_eth_dev_tx_buffer *b = c->txq[port].buf;

	pc->tx_pkts++;
	pc->tx_bytes += m->pkt_len;
	b->pkts[b->length++] = m;
	if (b->length == b->size)
		net_tx_flush(c, port);
}

void
mp_net_tx(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m)
{
	net_tx(c, port, m);
}

void
mp_net_flush(struct mp_net_ctx *c)
{
	uint16_t p;

	/* A device being restarted keeps what waits for it, up to a full buffer. */
	for (p = 0; p < c->n_ports; p++)
		if (likely(!mp_net_iface_paused(&c->ifaces[p])))
			rte_eth_tx_buffer_flush(c->ifaces[p].port_id, c->queue, c->txq[p].buf);
}

/* Fill in the Ethernet header at the front of m (eth) and queue m on port. */
static inline void
net_send_eth(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m, struct rte_ether_hdr *eth,
             const struct rte_ether_addr *dst, uint16_t ethertype)
{
	eth->dst_addr = *dst;
	eth->src_addr = c->ifaces[port].mac;
	eth->ether_type = rte_cpu_to_be_16(ethertype);
	m->l2_len = sizeof(*eth);
	net_tx(c, port, m);
}

void
net_xmit_l2(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m,
            const struct rte_ether_addr *dst, uint16_t ethertype)
{
	struct rte_ether_hdr *eth;

	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));
	if (eth == NULL) {
		mp_net_drop(c, m, MP_DROP_NO_MBUF);
		return;
	}
	net_send_eth(c, port, m, eth, dst, ethertype);
}

static void
net_solicit(struct mp_net_ctx *c, const struct mp_neigh_key *k)
{
	if (k->family == AF_INET)
		net_arp_solicit(c, k);
	else
		net_ndp_solicit(c, k);
}

static void
net_send_released(struct mp_net_ctx *c, const struct mp_neigh_key *k,
                  const struct rte_ether_addr *mac, struct rte_mbuf **out, unsigned int n)
{
	uint16_t type = k->family == AF_INET ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;
	unsigned int i;

	for (i = 0; i < n; i++)
		net_xmit_l2(c, k->port, out[i], mac, type);
}

/* The next-hop cache line of k: IPv4 address or the low 32 bits of the IPv6 one, and the port. */
static inline unsigned int
net_nh_line(const struct mp_neigh_key *k)
{
	uint32_t a;

	memcpy(&a, k->addr + (k->family == AF_INET ? 0 : 12), sizeof(a));
	return (rte_be_to_cpu_32(a) ^ k->port) % MP_NET_NH_CACHE;
}

void
net_neigh_learn(struct mp_net_ctx *c, const struct mp_neigh_key *k,
                const struct rte_ether_addr *mac, bool create)
{
	struct rte_mbuf *out[MP_MAX_NEIGH_QUEUE];
	struct mp_neigh_update u = {.key = *k, .mac = *mac};
	unsigned int n;
	uint16_t w;

	c->nh_cache[net_nh_line(k)].until = 0; /* the MAC may have changed */
	c->dst_epoch++;
	n = mp_neigh_learn(c->neigh, k, mac, c->now, create, out);
	net_send_released(c, k, mac, out, n);

	/* The answer to a solicitation may arrive on any worker's queue: tell the others. ARP
	 * and NDP are rare, so a multi-producer ring costs nothing that matters. */
	for (w = 0; w < c->n_workers; w++) {
		if (w == c->worker)
			continue;
		if (rte_ring_mp_enqueue_elem(c->rings[w], &u, sizeof(u)) != 0)
			mp_count_drop(c->cnt, MP_DROP_RING_FULL);
		else
			mp_count_event(c->cnt, MP_EV_NEIGH_SHARED_OUT);
	}
}

static inline struct mp_net_dst_cache *
net_dst_line(struct mp_net_ctx *c, uint32_t addr)
{
	/* Fibonacci hashing: the top bits of the product mix every bit of the address. */
	RTE_BUILD_BUG_ON(!rte_is_power_of_2(MP_NET_DST_CACHE));
	return &c->dst_cache[(addr * UINT32_C(0x9e3779b1)) >>
	                     (32 - rte_log2_u32(MP_NET_DST_CACHE))];
}

/* Remember where an IPv4 destination went, until the next-hop line's time is up. */
static inline void
net_dst_fill(struct mp_net_ctx *c, int family, const uint8_t *dst, uint16_t port,
             const struct rte_ether_addr *mac, uint64_t until)
{
	struct mp_net_dst_cache *e;

	if (family != AF_INET)
		return;
	e = net_dst_line(c, net_ip4(dst));
	e->epoch = c->dst_epoch;
	e->until = until;
	e->addr = net_ip4(dst);
	e->port = port;
	e->mac = *mac;
}

/* Where IPv4 destination dst went, when that still holds; else NULL. */
static inline const struct mp_net_dst_cache *
net_dst_hit(struct mp_net_ctx *c, const uint8_t *dst)
{
	const struct mp_net_dst_cache *e = net_dst_line(c, net_ip4(dst));

	if (e->epoch != c->dst_epoch || e->addr != net_ip4(dst) || c->now >= e->until)
		return NULL;
	return e;
}

void
mp_net_forward(struct mp_net_ctx *c, struct rte_mbuf *m, uint16_t l3_off, int family,
               const uint8_t *dst, uint16_t in_port)
{
	const struct mp_net_dst_cache *e;

	if (family == AF_INET && l3_off == RTE_ETHER_HDR_LEN && (e = net_dst_hit(c, dst)) != NULL) {
		if (unlikely(m->pkt_len - RTE_ETHER_HDR_LEN > c->ifaces[e->port].mtu))
			mp_net_drop(c, m, MP_DROP_MTU);
		else
			net_send_eth(c, e->port, m, rte_pktmbuf_mtod(m, struct rte_ether_hdr *),
			             &e->mac, RTE_ETHER_TYPE_IPV4);
		return;
	}
	rte_pktmbuf_adj(m, l3_off);
	mp_net_output(c, m, family, dst, in_port);
}

void
mp_net_output(struct mp_net_ctx *c, struct rte_mbuf *m, int family, const uint8_t *dst,
              uint16_t in_port)
{
	const struct mp_nexthop *nh;
	struct mp_nexthop ll;
	struct mp_neigh_key k;
	struct rte_ether_addr mac;
	struct mp_net_nh_cache *line;
	const uint8_t *hop;
	bool probe;

	if (family == AF_INET) {
		const struct mp_net_dst_cache *e = net_dst_hit(c, dst);

		if (e != NULL) {
			if (unlikely(m->pkt_len > c->ifaces[e->port].mtu))
				mp_net_drop(c, m, MP_DROP_MTU);
			else
				net_xmit_l2(c, e->port, m, &e->mac, RTE_ETHER_TYPE_IPV4);
			return;
		}
	}
	if (family == AF_INET6 && net_ip6_is_linklocal(dst)) {
		/* Link-local leaves through the port it belongs to, on-link. */
		ll.port = in_port;
		ll.family = AF_INET6;
		ll.gateway = 0;
		nh = &ll;
	} else if (family == AF_INET) {
		nh = mp_route_lookup4(c->routes, net_ip4(dst));
	} else {
		nh = mp_route_lookup6(c->routes, dst);
	}
	if (nh == NULL) {
		mp_net_drop(c, m, MP_DROP_NO_ROUTE);
		return;
	}
	if (m->pkt_len > c->ifaces[nh->port].mtu) {
		mp_net_drop(c, m, MP_DROP_MTU);
		return;
	}
	hop = nh->gateway ? nh->addr : dst;
	mp_neigh_key_make(&k, family, nh->port, hop);
	line = &c->nh_cache[net_nh_line(&k)];
	if (c->now < line->until && memcmp(&line->key, &k, sizeof(k)) == 0) {
		net_dst_fill(c, family, dst, nh->port, &line->mac, line->until);
		net_xmit_l2(c, nh->port, m, &line->mac,
		            family == AF_INET ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
		return;
	}
	switch (mp_neigh_resolve(c->neigh, &k, c->now, m, &mac, &probe)) {
	case MP_NEIGH_OK:
		line->key = k;
		line->mac = mac;
		line->until = c->now + c->nh_cache_tsc;
		net_dst_fill(c, family, dst, nh->port, &mac, line->until);
		net_xmit_l2(c, nh->port, m, &mac,
		            family == AF_INET ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
		break;
	case MP_NEIGH_HELD:
		break;
	case MP_NEIGH_QUEUE_FULL:
		mp_net_drop(c, m, MP_DROP_NEIGH_QUEUE_FULL);
		break;
	case MP_NEIGH_TABLE_FULL:
		mp_net_drop(c, m, MP_DROP_NEIGH_TABLE_FULL);
		break;
	}
	if (probe)
		net_solicit(c, &k);
}

/* Checksums: trust the device's verdict where it gave one, verify in software otherwise. */
static enum mp_drop
net_verify(struct mp_net_ctx *c, const struct mp_net_iface *ifc, struct rte_mbuf *m,
           const uint8_t *p, const struct mp_pkt_info *pi)
{
	uint64_t ip = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	bool skip_l3 = false, skip_l4 = false;

	if (ifc->rx_ip_csum && pi->l3 == MP_L3_IPV4) {
		if (ip == RTE_MBUF_F_RX_IP_CKSUM_BAD)
			return MP_DROP_IP4_CSUM;
		skip_l3 = ip == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	}
	if (ifc->rx_l4_csum && (pi->l4_proto == IPPROTO_TCP || pi->l4_proto == IPPROTO_UDP)) {
		if (l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD)
			return MP_DROP_L4_CSUM;
		skip_l4 = l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	}
	mp_count_event(c->cnt, skip_l4 ? MP_EV_CSUM_HW_VERIFIED : MP_EV_CSUM_SW_VERIFIED);
	return mp_cksum_verify(p, pi, skip_l3, skip_l4);
}

/* Where a packet for a local address goes: echo requests are answered here (for VIPs too, so
 * operators can ping them), the rest of what reaches a VIP or an SNAT address is the L4 stage's,
 * and what reaches a host address is served here or dropped. */
enum net_verdict {
	NET_CONSUMED,
	NET_TO_L4,
};

static inline bool
net_is_echo(const uint8_t *p, const struct mp_pkt_info *pi)
{
	/* The protocol first: TCP and UDP, nearly every packet, answer at once. */
	if ((pi->l4_proto != IPPROTO_ICMP && pi->l4_proto != IPPROTO_ICMPV6) || pi->l4_len == 0 ||
	    (pi->flags & MP_PKT_F_FRAG))
		return false;
	return p[pi->l4_off] ==
	       (pi->l4_proto == IPPROTO_ICMP ? RTE_IP_ICMP_ECHO_REQUEST : NET_ICMP6_ECHO_REQUEST);
}

static enum net_verdict
net_ip_input(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m, const uint8_t *p,
             struct mp_pkt_info *pi)
{
	int family = pi->l3 == MP_L3_IPV4 ? AF_INET : AF_INET6;
	const uint8_t *dst = family == AF_INET ? p + pi->l3_off + 16 : p + pi->l3_off + 24;
	const struct mp_local_entry *le;

	if (family == AF_INET) {
		uint32_t a;

		memcpy(&a, dst, sizeof(a));
		if (c->lc_table != c->local || c->lc_addr != a || c->lc_port != port) {
			c->lc_entry = mp_local_lookup(c->local, family, dst, port);
			c->lc_table = c->local;
			c->lc_addr = a;
			c->lc_port = port;
		}
		le = c->lc_entry;
	} else {
		le = mp_local_lookup(c->local, family, dst, port);
	}

	if (le == NULL) {
		mp_net_drop(c, m, MP_DROP_NOT_LOCAL);
		return NET_CONSUMED;
	}
	pi->local = le->kind;
	if ((le->kind == MP_LOCAL_VIP || le->kind == MP_LOCAL_SNAT) && !net_is_echo(p, pi))
		return NET_TO_L4;
	/* TCP and UDP to a host address: replies of flows whose cluster has no SNAT pool (the
	 * port's own address stands in), and later the local TCP stack's connections. */
	if (le->kind == MP_LOCAL_HOST && !(pi->flags & MP_PKT_F_FRAG) &&
	    (pi->l4_proto == IPPROTO_TCP || pi->l4_proto == IPPROTO_UDP))
		return NET_TO_L4;
	if (pi->flags & MP_PKT_F_FRAG) {
		mp_net_drop(c, m, MP_DROP_FRAGMENT);
		return NET_CONSUMED;
	}
	if (pi->l4_proto == IPPROTO_ICMP && family == AF_INET)
		net_icmp4_input(c, port, m, pi);
	else if (pi->l4_proto == IPPROTO_ICMPV6 && family == AF_INET6)
		net_icmp6_input(c, port, m, pi);
	else
		mp_net_drop(c, m, MP_DROP_NO_LISTENER);
	return NET_CONSUMED;
}

/* Parse and validate one frame; on success pi describes it and its padding is trimmed. */
static enum mp_drop
net_classify(struct mp_net_ctx *c, const struct mp_net_iface *ifc, struct rte_mbuf *m,
             struct mp_pkt_info *pi)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)p;
	enum mp_drop d;

	d = mp_parse_frame(p, rte_pktmbuf_data_len(m), pi);
	if (d != MP_DROP_NONE)
		return m->nb_segs > 1 && m->pkt_len > m->data_len ? MP_DROP_NOT_CONTIG : d;
	/* Promiscuous mode shows us the whole segment: keep what a NIC filter would. */
	if ((pi->flags & (MP_PKT_F_L2_BCAST | MP_PKT_F_L2_MCAST)) == 0 &&
	    !rte_is_same_ether_addr(&eth->dst_addr, &ifc->mac))
		return MP_DROP_L2_NOT_OURS;
	if (pi->flags & MP_PKT_F_VLAN)
		return MP_DROP_VLAN_UNCONF;
	if (pi->l3 != MP_L3_ARP) {
		d = net_verify(c, ifc, m, p, pi);
		if (d != MP_DROP_NONE)
			return d;
	}
	if (m->pkt_len > pi->pkt_len)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - pi->pkt_len));
	return MP_DROP_NONE;
}

/* Out of line, as mp_l4_input(): one call per burst, and profiles (perf, bench/l4_instr.sh)
 * tell the stages apart. */
__rte_noinline uint16_t
mp_net_input(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf **pkts, uint16_t n,
             struct rte_mbuf **l4)
{
	const struct mp_net_iface *ifc = &c->ifaces[port];
	struct mp_port_counters *pc = &c->cnt->port[port];
	uint64_t bytes = 0;
	uint16_t i, n_l4 = 0;

	pc->rx_pkts += n;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct mp_pkt_info *pi = mp_pkt_info_of(m);
		const uint8_t *p;
		enum mp_drop d;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		bytes += m->pkt_len;
		d = net_classify(c, ifc, m, pi);
		if (d != MP_DROP_NONE) {
			mp_net_drop(c, m, d);
			continue;
		}
		p = rte_pktmbuf_mtod(m, const uint8_t *);
		switch (pi->l3) {
		case MP_L3_ARP:
			net_arp_input(c, port, m, pi);
			break;
		case MP_L3_IPV4:
		case MP_L3_IPV6:
			if (net_ip_input(c, port, m, p, pi) == NET_TO_L4)
				l4[n_l4++] = m;
			break;
		default:
			mp_net_drop(c, m, MP_DROP_ETHERTYPE);
			break;
		}
	}
	pc->rx_bytes += bytes;
	return n_l4;
}

static void
net_expire_probe(const struct mp_neigh_key *k, void *arg)
{
	net_solicit(arg, k);
}

static void
net_expire_drop(struct rte_mbuf *m, void *arg)
{
	mp_net_drop(arg, m, MP_DROP_NEIGH_UNRESOLVED);
}

void
mp_net_poll(struct mp_net_ctx *c)
{
	struct mp_neigh_update u[NET_UPDATES_PER_POLL];
	struct rte_mbuf *out[MP_MAX_NEIGH_QUEUE];
	unsigned int n, i, k;

	n = rte_ring_sc_dequeue_burst_elem(c->rings[c->worker], u, sizeof(u[0]),
	                                   NET_UPDATES_PER_POLL, NULL);
	for (i = 0; i < n; i++) {
		mp_count_event(c->cnt, MP_EV_NEIGH_SHARED_IN);
		c->nh_cache[net_nh_line(&u[i].key)].until = 0; /* the MAC may have changed */
		c->dst_epoch++;
		k = mp_neigh_learn(c->neigh, &u[i].key, &u[i].mac, c->now, false, out);
		net_send_released(c, &u[i].key, &u[i].mac, out, k);
	}
	if (c->now >= c->next_expire) {
		c->next_expire = c->now + c->expire_period;
		mp_neigh_expire(c->neigh, c->now, NET_EXPIRE_BUDGET, net_expire_probe,
		                net_expire_drop, c);
	}
}
