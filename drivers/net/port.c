/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up. Everything here runs on the control thread, once at start (and, for a memif
 * client whose server went away, mp_port_restart()); the data path only reads struct mp_port
 * (the negotiated offloads) and calls rx/tx burst on its own queues.
 */
#include <errno.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>

#include "mp_impair.h"
#include "mp_port.h"

/* Checksum offloads meshpath uses when the device has them; the rest is done in software. */
#define PORT_RX_CSUM                                                    \
	(RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM | \
	 RTE_ETH_RX_OFFLOAD_UDP_CKSUM)
#define PORT_TX_CSUM                                                    \
	(RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
	 RTE_ETH_TX_OFFLOAD_UDP_CKSUM)
#define PORT_RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)

/* Room an L3 MTU needs in a receive buffer: Ethernet header, two VLAN tags and the CRC. */
#define PORT_L2_OVERHEAD (RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN)

/* Whether devargs say role=client: DPDK's memif client dials its server only when started. */
static bool
port_memif_client(const char *devargs)
{
	/* Zeroed: rte_devargs_parse() does not document that every way through clears it. */
	struct rte_devargs da = {0};
	struct rte_kvargs *kv;
	const char *role;
	bool client;

	if (rte_devargs_parse(&da, devargs) != 0)
		return false;
	kv = da.args != NULL ? rte_kvargs_parse(da.args, NULL) : NULL;
	rte_devargs_reset(&da);
	if (kv == NULL)
		return false;
	role = rte_kvargs_get(kv, "role");
	client = role != NULL && strcmp(role, "client") == 0;
	rte_kvargs_free(kv);
	return client;
}

/* Hot-plug the device (a no-op when EAL args already probed it) and find its ethdev port. */
static int
port_probe(const char *devargs, uint16_t *port_id)
{
	struct rte_dev_iterator it;
	uint16_t id;
	int rc;

	rc = rte_dev_probe(devargs);
	if (rc < 0 && rc != -EEXIST) {
		MP_LOG(ERR,
		       "cannot probe device \"%s\": %s; check the vdev name and its arguments, or "
		       "for "
		       "a PCI device that it is bound to vfio-pci and that eal.args has no "
		       "--no-pci",
		       devargs, rte_strerror(-rc));
		return rc;
	}
	RTE_ETH_FOREACH_MATCHING_DEV(id, devargs, &it)
	{
		*port_id = id;
		rte_eth_iterator_cleanup(&it);
		return 0;
	}
	MP_LOG(ERR, "device \"%s\" probed but exposes no Ethernet port", devargs);
	return -ENODEV;
}

/* Fill conf from what the device reports it can do, and record the choices in p. */
static int
port_negotiate(struct mp_port *p, const struct rte_eth_dev_info *info, struct rte_mempool *pool,
               struct rte_eth_conf *conf)
{
	uint32_t room = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;

	memset(conf, 0, sizeof(*conf));
	if (p->n_queues > info->max_rx_queues || p->n_queues > info->max_tx_queues) {
		MP_LOG(ERR,
		       "port %s: device %s has %u rx and %u tx queues, and meshpath needs one pair "
		       "per worker (%u); use at most %u workers or a device with more queues",
		       p->name, p->driver, info->max_rx_queues, info->max_tx_queues, p->n_queues,
		       RTE_MIN(info->max_rx_queues, info->max_tx_queues));
		return -EINVAL;
	}
	if (p->mtu < info->min_mtu || p->mtu > info->max_mtu) {
		MP_LOG(ERR,
		       "port %s: mtu %u is outside what device %s accepts (%u..%u); set the port's "
		       "mtu within that range",
		       p->name, p->mtu, p->driver, info->min_mtu, info->max_mtu);
		return -EINVAL;
	}
	if (p->n_queues > 1 && (info->flow_type_rss_offloads & PORT_RSS_HF) != 0) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_hf = info->flow_type_rss_offloads & PORT_RSS_HF;
		mp_port_rss_conf(info, conf);
		p->rss = true;
	}
	conf->rxmode.offloads = info->rx_offload_capa & PORT_RX_CSUM;
	conf->txmode.offloads = info->tx_offload_capa & PORT_TX_CSUM;
	p->rx_ip_csum = (conf->rxmode.offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0;
	p->rx_l4_csum = (conf->rxmode.offloads & RTE_ETH_RX_OFFLOAD_TCP_CKSUM) != 0 &&
	                (conf->rxmode.offloads & RTE_ETH_RX_OFFLOAD_UDP_CKSUM) != 0;
	p->tx_ip_csum = (conf->txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
	p->tx_l4_csum = (conf->txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) != 0 &&
	                (conf->txmode.offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;
	/* The TCP stack sends a header mbuf chained to the data it references. */
	conf->txmode.offloads |= info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	p->tx_multi_seg = (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
	if ((uint32_t)p->mtu + PORT_L2_OVERHEAD > room) {
		if ((info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) == 0) {
			MP_LOG(ERR,
			       "port %s: mtu %u does not fit a %u-byte buffer and the device "
			       "cannot "
			       "scatter; lower the port's mtu to %u",
			       p->name, p->mtu, room, room - PORT_L2_OVERHEAD);
			return -EINVAL;
		}
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		conf->txmode.offloads |= info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	}
	conf->rxmode.mtu = p->mtu;
	return 0;
}

static int
port_queues(struct mp_port *p, const struct rte_eth_dev_info *info, const struct rte_eth_conf *conf,
            const struct mp_conf_port *c, struct rte_mempool *pool)
{
	struct rte_eth_rxconf rxconf = info->default_rxconf;
	struct rte_eth_txconf txconf = info->default_txconf;
	uint16_t rxd = c->rx_desc, txd = c->tx_desc;
	int socket = rte_eth_dev_socket_id(p->port_id);
	uint16_t q;
	int rc;

	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rxd, &txd);
	if (rc < 0) {
		MP_LOG(ERR, "port %s: descriptor counts rejected: %s", p->name, rte_strerror(-rc));
		return rc;
	}
	rxconf.offloads = conf->rxmode.offloads;
	txconf.offloads = conf->txmode.offloads;
	for (q = 0; q < p->n_queues; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, rxd, socket, &rxconf, pool);
		if (rc < 0) {
			MP_LOG(ERR, "port %s: rx queue %u setup failed: %s", p->name, q,
			       rte_strerror(-rc));
			return rc;
		}
		rc = rte_eth_tx_queue_setup(p->port_id, q, txd, socket, &txconf);
		if (rc < 0) {
			MP_LOG(ERR, "port %s: tx queue %u setup failed: %s", p->name, q,
			       rte_strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int
mp_port_setup(struct mp_port *p, uint16_t index, const struct mp_conf_port *c, uint16_t n_queues,
              struct rte_mempool *pool)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int rc;

	memset(p, 0, sizeof(*p));
	p->index = index;
	p->mtu = c->mtu;
	p->n_queues = n_queues;
	snprintf(p->name, sizeof(p->name), "%s", c->name);

	rc = port_probe(c->devargs, &p->port_id);
	if (rc < 0)
		return rc;
	p->probed = true;
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc < 0) {
		MP_LOG(ERR, "port %s: cannot read device info: %s", p->name, rte_strerror(-rc));
		return rc;
	}
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);

	rc = port_negotiate(p, &info, pool, &conf);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_configure(p->port_id, n_queues, n_queues, &conf);
	if (rc < 0) {
		MP_LOG(ERR, "port %s: configure with %u queue pairs failed: %s", p->name, n_queues,
		       rte_strerror(-rc));
		return rc;
	}
	rc = port_queues(p, &info, &conf, c, pool);
	if (rc == 0 && c->impair.enabled)
		rc = mp_impair_attach(p->port_id, index, p->name, n_queues, &c->impair, pool,
		                      &p->impair);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_start(p->port_id);
	if (rc < 0) {
		MP_LOG(ERR, "port %s: start failed: %s", p->name, rte_strerror(-rc));
		return rc;
	}
	p->started = true;
	p->redials = strcmp(p->driver, "net_memif") == 0 && port_memif_client(c->devargs);
	if (p->rss)
		mp_port_rss_read(p, &info);

	/* A gateway answers for its own addresses and the NDP multicast groups; devices that
	 * cannot filter are fine as they are, so failures here are not fatal. */
	if (rte_eth_promiscuous_enable(p->port_id) != 0)
		MP_LOG(INFO, "port %s: promiscuous mode not supported", p->name);
	if (rte_eth_allmulticast_enable(p->port_id) != 0)
		MP_LOG(INFO, "port %s: all-multicast mode not supported", p->name);

	rc = rte_eth_macaddr_get(p->port_id, &p->mac);
	if (rc < 0) {
		MP_LOG(ERR, "port %s: cannot read MAC address: %s", p->name, rte_strerror(-rc));
		return rc;
	}
	MP_LOG(INFO,
	       "port %s: %s (ethdev %u, %s) " RTE_ETHER_ADDR_PRT_FMT
	       " mtu %u, %u queue pair(s), rss %s, checksum offload rx %s/%s tx %s/%s",
	       p->name, c->devargs, p->port_id, p->driver, RTE_ETHER_ADDR_BYTES(&p->mac), p->mtu,
	       n_queues, p->rss ? "on" : "off", p->rx_ip_csum ? "ip" : "-",
	       p->rx_l4_csum ? "l4" : "-", p->tx_ip_csum ? "ip" : "-", p->tx_l4_csum ? "l4" : "-");
	return 0;
}

void
mp_port_stop(struct mp_port *p)
{
	if (p->started) {
		rte_eth_dev_stop(p->port_id);
		p->started = false;
	}
}

int
mp_port_restart(struct mp_port *p)
{
	int rc;

	mp_port_stop(p);
	rc = rte_eth_dev_start(p->port_id);
	if (rc < 0)
		return rc;
	p->started = true;
	return 0;
}

void
mp_port_close(struct mp_port *p)
{
	mp_port_stop(p);
	mp_impair_detach(p->impair);
	p->impair = NULL;
	if (p->probed)
		rte_eth_dev_close(p->port_id);
	p->probed = false;
}

bool
mp_port_link_report(const struct mp_port *p)
{
	struct rte_eth_link link;
	char text[RTE_ETH_LINK_MAX_STR_LEN];

	if (rte_eth_link_get_nowait(p->port_id, &link) < 0) {
		MP_LOG(INFO, "port %s: link state unknown", p->name);
		return false;
	}
	rte_eth_link_to_str(text, sizeof(text), &link);
	MP_LOG(INFO, "port %s: %s", p->name, text);
	return link.link_status == RTE_ETH_LINK_UP;
}
