/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Steering: the owner of an L4 packet. Replies to an SNAT address (or to a host address standing
 * in for one) carry their owner in the destination port, chosen by the owner when it opened the
 * flow; everything else on a port without RSS is spread by a hash of the flow key, the same
 * function on every worker. ICMP errors are steered by the flow they quote.
 */
#include <netinet/in.h>

#include <rte_jhash.h>

#include "l4_priv.h"

uint32_t
mp_l4_key_hash(const struct mp_flow_key *k)
{
	/* Keys are zero-filled, so IPv4 and IPv6 hash the same way. */
	return rte_jhash(k, offsetof(struct mp_flow_key, pad), 0);
}

uint16_t
mp_l4_owner(struct rte_mbuf *m, bool rss, uint16_t self, uint16_t n_workers)
{
	const struct mp_pkt_info *pi = mp_pkt_info_of(m);
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	struct mp_flow_key k;

	if (n_workers == 1)
		return 0;
	if (!mp_flow_key_from_pkt(&k, frame, pi) && !mp_flow_icmp_key(frame, pi, &k))
		return self; /* nothing to steer by: dropped where it is */
	if (pi->local == MP_LOCAL_SNAT || pi->local == MP_LOCAL_HOST)
		return rte_be_to_cpu_16(k.dport) % n_workers;
	if (rss)
		return self;
	return (uint16_t)(mp_l4_key_hash(&k) % n_workers);
}
