/* SPDX-License-Identifier: BSD-3-Clause */
/* The meshpath process: what main.c builds, worker.c runs and control.c watches. */
#ifndef MESHPATH_H
#define MESHPATH_H

#include <stdbool.h>

#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "mp_conf.h"
#include "mp_counters.h"
#include "mp_l4.h"
#include "mp_net.h"
#include "mp_port.h"
#include "mp_stats.h"

/** One worker: owns a queue on every port and everything its data path writes. */
struct mp_worker {
	struct mp_counters counters; /* first: cache-aligned, written every packet */
	struct mp_net_ctx net;
	struct mp_l4_ctx l4;
	unsigned int lcore;
	unsigned int index;
	uint32_t burst;
	struct rte_rcu_qsbr *rcu;
	const bool *quit;
} __rte_cache_aligned;

struct meshpath {
	struct mp_conf *conf;
	struct rte_mempool *pool;
	unsigned int n_ports;
	struct mp_port ports[MP_MAX_PORTS];
	struct mp_net_iface ifaces[MP_MAX_PORTS];
	struct mp_route_table *routes;
	struct mp_local_table *local;
	struct mp_l4_config *l4; /* published to the workers; replaced under RCU */
	struct mp_l4_health health;
	struct rte_rcu_qsbr *rcu;
	bool port_rss[MP_MAX_PORTS];
	unsigned int n_workers;
	struct mp_worker *workers[MP_MAX_WORKERS];
	struct rte_ring *rings[MP_MAX_WORKERS];
	struct rte_ring *steer[MP_MAX_WORKERS];
	struct mp_stats_source stats;
	bool quit; /* set by the control thread, read by workers */
};

/** The worker loop (lcore entry point); arg is a struct mp_worker. */
int
mp_worker_main(void *arg);

/** Install SIGINT/SIGTERM handlers that ask the control loop to stop. */
void
mp_control_signals(void);

/** Run the control loop on the main lcore until a stop signal, then stop the workers. */
void
mp_control_run(struct meshpath *mp);

#endif /* MESHPATH_H */
