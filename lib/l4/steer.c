/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Steering: the owner of an L4 packet. Replies to an SNAT address carry their owner in the
 * destination port, chosen by the owner when it created the flow (snat.c); everything else on a
 * port without RSS is spread by a hash of the 5-tuple, the same function on every worker.
 */
#include <netinet/in.h>

#include <rte_jhash.h>

#include "l4_priv.h"

uint32_t
mp_l4_tuple_hash(const uint8_t *frame, const struct mp_pkt_info *pi)
{
	const uint8_t *l3 = frame + pi->l3_off;
	uint32_t ports = 0, h;

	if (pi->l4_len >= 4)
		memcpy(&ports, frame + pi->l4_off, sizeof(ports));
	if (pi->l3 == MP_L3_IPV4)
		h = rte_jhash_3words(*(const unaligned_uint32_t *)(l3 + 12),
		                     *(const unaligned_uint32_t *)(l3 + 16), ports, pi->l4_proto);
	else
		h = rte_jhash_1word(ports, rte_jhash(l3 + 8, 32, pi->l4_proto));
	return h;
}

uint16_t
mp_l4_owner(struct rte_mbuf *m, bool rss, uint16_t self, uint16_t n_workers)
{
	const struct mp_pkt_info *pi = mp_pkt_info_of(m);
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t dport;

	if (n_workers == 1)
		return 0;
	/* Replies to an SNAT port, or to a port of a host address standing in for SNAT (and to
	 * health checks), name their worker in the destination port. */
	if ((pi->local == MP_LOCAL_SNAT || pi->local == MP_LOCAL_HOST) && pi->l4_len >= 4 &&
	    (pi->l4_proto == IPPROTO_TCP || pi->l4_proto == IPPROTO_UDP)) {
		memcpy(&dport, frame + pi->l4_off + 2, sizeof(dport));
		return rte_be_to_cpu_16(dport) % n_workers;
	}
	if (rss)
		return self;
	return (uint16_t)(mp_l4_tuple_hash(frame, pi) % n_workers);
}
