/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread: signals, link monitoring, and the orderly stop. Telemetry is served by
 * DPDK's own thread (lib/stats registers the commands).
 */
#include <signal.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_launch.h>

#include "meshpath.h"

#define CONTROL_TICK_MS    100
#define CONTROL_LINK_TICKS 10 /* link state checked once a second */

static volatile sig_atomic_t control_stop;

static void
control_on_signal(int sig)
{
	control_stop = sig;
}

void
mp_control_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = control_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Endpoint health: when an endpoint goes down or comes back, publish rebuilt cluster tables and
 * free the old ones once every worker has moved on (RCU). */
static void
control_health(struct meshpath *mp)
{
	const struct mp_l4_ctx *l4[MP_MAX_WORKERS];
	struct mp_l4_config *next, *old = mp->l4;
	unsigned int w;

	for (w = 0; w < mp->n_workers; w++)
		l4[w] = &mp->workers[w]->l4;
	next = mp_l4_health_update(&mp->health, old, l4, mp->n_workers, (int)rte_socket_id());
	if (next == NULL)
		return;
	__atomic_store_n(&mp->l4, next, __ATOMIC_RELEASE);
	rte_rcu_qsbr_synchronize(mp->rcu, RTE_QSBR_THRID_INVALID);
	mp_l4_config_retire(old, next);
}

void
mp_control_run(struct meshpath *mp)
{
	struct timespec tick = {.tv_sec = 0, .tv_nsec = CONTROL_TICK_MS * 1000000L};
	uint8_t link[MP_MAX_PORTS];
	unsigned int ticks = 0, p;

	for (p = 0; p < mp->n_ports; p++)
		link[p] = RTE_ETH_LINK_DOWN;
	while (control_stop == 0) {
		if (ticks++ % CONTROL_LINK_TICKS == 0) {
			for (p = 0; p < mp->n_ports; p++) {
				struct rte_eth_link l;

				if (rte_eth_link_get_nowait(mp->ports[p].port_id, &l) != 0 ||
				    l.link_status == link[p])
					continue;
				link[p] = l.link_status;
				mp_port_link_report(&mp->ports[p]);
			}
		}
		control_health(mp);
		nanosleep(&tick, NULL);
	}
	MP_LOG(INFO, "%s: stopping workers", strsignal(control_stop));
	__atomic_store_n(&mp->quit, true, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
}
