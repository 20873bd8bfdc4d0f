/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSS bring-up: give the device a key of our own and a redirection table that spreads its
 * entries over the queues in turn, then read both back. What the device reports is what the
 * data path predicts queues with (lib/net/rss.c); when it reports nothing usable the port keeps
 * RSS but meshpath predicts nothing, and the software steering step moves replies instead.
 */
#include <string.h>

#include <rte_ethdev.h>

#include "mp_port.h"

#define PORT_RSS_HF_L4                                                 \
	(RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP | \
	 RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_NONFRAG_IPV6_UDP)

/* Any key works; a fixed one makes queue choices reproducible across restarts and devices. */
static const uint8_t port_rss_key[MP_NET_RSS_KEY_MAX] = {
        0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43,
        0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb,
        0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01,
        0xfa, 0x3c, 0x9e, 0x51, 0x07, 0x8d, 0x2f, 0xe4, 0x16, 0x93, 0x5b, 0x28, 0xc1,
        0x7e, 0x0a, 0xd4, 0x62, 0x39, 0xf5, 0x8b, 0x14, 0xa6, 0xe0, 0x57, 0x9d,
};

void
mp_port_rss_conf(const struct rte_eth_dev_info *info, struct rte_eth_conf *conf)
{
	if (info->hash_key_size != 0 && info->hash_key_size <= MP_NET_RSS_KEY_MAX) {
		conf->rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)port_rss_key;
		conf->rx_adv_conf.rss_conf.rss_key_len = info->hash_key_size;
	}
}

void
mp_port_rss_read(struct mp_port *p, const struct rte_eth_dev_info *info)
{
	struct rte_eth_rss_reta_entry64 reta[MP_NET_RSS_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	uint8_t key[MP_NET_RSS_KEY_MAX];
	struct rte_eth_rss_conf hc = {.rss_key = key, .rss_key_len = sizeof(key)};
	uint16_t table[MP_NET_RSS_RETA_MAX];
	uint16_t size = info->reta_size, i;

	if (size == 0 || size > MP_NET_RSS_RETA_MAX || size % RTE_ETH_RETA_GROUP_SIZE != 0 ||
	    info->hash_key_size == 0 || info->hash_key_size > MP_NET_RSS_KEY_MAX)
		goto unknown;
	memset(reta, 0, sizeof(reta));
	for (i = 0; i < size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
		        i % p->n_queues;
	}
	/* Not every device lets the table be written; reading it back is what counts. */
	(void)rte_eth_dev_rss_reta_update(p->port_id, reta, size);
	memset(reta, 0, sizeof(reta));
	for (i = 0; i < size; i++)
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
	if (rte_eth_dev_rss_reta_query(p->port_id, reta, size) != 0 ||
	    rte_eth_dev_rss_hash_conf_get(p->port_id, &hc) != 0)
		goto unknown;
	for (i = 0; i < size; i++)
		table[i] = reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
	mp_net_rss_init(&p->rss_state, key, info->hash_key_size, table, size,
	                (hc.rss_hf & PORT_RSS_HF_L4) == PORT_RSS_HF_L4);
	if (p->rss_state.known) {
		MP_LOG(INFO, "port %s: rss key of %u bytes, %u-entry table, ports %s hashed",
		       p->name, info->hash_key_size, size, p->rss_state.l4 ? "are" : "are not");
		return;
	}
unknown:
	memset(&p->rss_state, 0, sizeof(p->rss_state));
	MP_LOG(INFO,
	       "port %s: rss key or table not readable; replies of flows meshpath opens are "
	       "steered in software",
	       p->name);
}
