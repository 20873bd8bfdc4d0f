/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net internals shared between the data-path files. */
#ifndef NET_PRIV_H
#define NET_PRIV_H

#include "mp_net.h"
#include "mp_counters.h"

/* Hop limit / TTL of packets meshpath originates. */
#define NET_DEFAULT_TTL        64
#define NET_ICMP6_ECHO_REQUEST 128
/* RFC 4861: NDP messages are sent and accepted with hop limit 255 only. */
#define NET_NDP_HOP_LIMIT      255

/* IPv4 from 4 bytes in network order. */
static inline uint32_t
net_ip4(const uint8_t *a)
{
	uint32_t v;

	memcpy(&v, a, sizeof(v));
	return v;
}

static inline bool
net_ip6_is_linklocal(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static inline bool
net_ip6_is_multicast(const uint8_t *a)
{
	return a[0] == 0xff;
}

/* Solicited-node multicast address of a (RFC 4291 2.7.1): ff02::1:ffXX:XXXX. */
static inline void
net_ip6_solicited_node(uint8_t out[16], const uint8_t *a)
{
	static const uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

	memcpy(out, prefix, sizeof(prefix));
	memcpy(out + 13, a + 13, 3);
}

/* Handlers, one per protocol file. Each consumes m (sends, holds or drops it). */
void
net_arp_input(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m,
              const struct mp_pkt_info *pi);
void
net_ndp_input(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m,
              const struct mp_pkt_info *pi);
void
net_icmp4_input(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m,
                const struct mp_pkt_info *pi);
void
net_icmp6_input(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m,
                const struct mp_pkt_info *pi);

/* Send an ARP request or a neighbour solicitation for k.addr out of k.port. */
void
net_arp_solicit(struct mp_net_ctx *c, const struct mp_neigh_key *k);
void
net_ndp_solicit(struct mp_net_ctx *c, const struct mp_neigh_key *k);

/* Record a neighbour learned from the wire here and tell the other workers. */
void
net_neigh_learn(struct mp_net_ctx *c, const struct mp_neigh_key *k,
                const struct rte_ether_addr *mac, bool create);

/* Prepend an Ethernet header to an L3 packet and queue it. Consumes m. */
void
net_xmit_l2(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m,
            const struct rte_ether_addr *dst, uint16_t ethertype);

#endif /* NET_PRIV_H */
