/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Port bring-up on any DPDK ethdev (PCI device or vdev): one RX/TX queue pair per worker, RSS
 * where the device has it, checksum offloads negotiated from the device's capabilities (the
 * data path computes and verifies in software what the device does not), link reporting.
 * Control path only.
 */
#ifndef MP_PORT_H
#define MP_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#include "mp_base.h"
#include "mp_conf.h"
#include "mp_net.h"

struct rte_eth_conf;
struct rte_eth_dev_info;

struct mp_impair;

struct mp_port {
	uint16_t index;   /**< meshpath port index (order in the config) */
	uint16_t port_id; /**< DPDK ethdev port id */
	char name[MP_NAME_LEN];
	char driver[MP_NAME_LEN];
	struct rte_ether_addr mac;
	uint16_t mtu;
	uint16_t n_queues;
	bool rss;        /**< RX spread over the queues by the device's RSS */
	bool rx_ip_csum; /**< device verifies IPv4 header checksums */
	bool rx_l4_csum; /**< device verifies TCP and UDP checksums */
	bool tx_ip_csum; /**< device computes IPv4 header checksums */
	bool tx_l4_csum; /**< device computes TCP and UDP checksums */
	bool probed;     /**< port_id names a device this port opened */
	bool started;
	/** The device does not reconnect by itself once its link is lost: a memif client, which
	 * dials its server only when started. mp_port_restart() dials again. */
	bool redials;
	struct mp_net_rss rss_state; /**< what RSS predicts (known false: nothing) */
	struct mp_impair *impair;    /**< tests only: the `impair` stage, or NULL */
	/** The device sends mbuf chains (the TCP stack copies payload behind headers if not). */
	bool tx_multi_seg;
};

/**
 * Probe the device named by c->devargs (hot-plugging a vdev or PCI device), configure it with
 * n_queues RX/TX queue pairs fed from pool, and start it.
 *
 * @return 0, or -errno after logging what went wrong and what to change
 */
int
mp_port_setup(struct mp_port *p, uint16_t index, const struct mp_conf_port *c, uint16_t n_queues,
              struct rte_mempool *pool);

/** Stop the device (RX and TX); counters and state stay readable. Safe to call twice. */
void
mp_port_stop(struct mp_port *p);

/**
 * Stop the device and start it again (a memif client dials its server anew). The caller makes
 * sure no worker polls or sends on it meanwhile. Control path.
 * @return 0, or a negative errno when the device did not start (it stays stopped)
 */
int
mp_port_restart(struct mp_port *p);

/** Stop and close the device. Safe on a port that never started. */
void
mp_port_close(struct mp_port *p);

/** Add meshpath's RSS key to a configuration that enables RSS. Control path. */
void
mp_port_rss_conf(const struct rte_eth_dev_info *info, struct rte_eth_conf *conf);

/** After start: spread the redirection table over the queues and record key and table in
 * p->rss_state (known false when the device does not report them). Control path. */
void
mp_port_rss_read(struct mp_port *p, const struct rte_eth_dev_info *info);

/** Log the link state ("up 10 Gbps full-duplex" or "down"). Returns true when the link is up. */
bool
mp_port_link_report(const struct mp_port *p);

struct rte_rcu_qsbr;

/**
 * From now on, memory a device driver unmaps outside the workers is unmapped only after every
 * worker registered with rcu has passed a quiescent state (port_unmap.c says why: DPDK 22.11's
 * memif unmaps its peer's memory under a polling worker). NULL turns the wait off again, before
 * rcu is freed. Control path.
 */
void
mp_port_unmap_guard(struct rte_rcu_qsbr *rcu);

#endif /* MP_PORT_H */
