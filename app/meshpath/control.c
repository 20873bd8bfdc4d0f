/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread: signals, link monitoring, the access log's writer, and the orderly stop.
 * Telemetry is served by DPDK's own thread (lib/stats registers the commands).
 */
#include <signal.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_telemetry.h>

#include "meshpath.h"
#include "mp_proxy.h"

#define CONTROL_TICK_MS       100
#define CONTROL_LINK_TICKS    10 /* link state checked once a second */
/* Link checks a memif client's link stays down before it dials its server again. */
#define CONTROL_REDIAL_CHECKS 2

static volatile sig_atomic_t control_stop;
/* Set by SIGHUP or the /meshpath/reload command; taken by the control loop. */
static int control_reload;
/* Set by SIGUSR1: reopen the access log (after log rotation moved it). */
static int control_reopen;
static struct meshpath *control_mp;

static void
control_on_signal(int sig)
{
	if (sig == SIGHUP)
		__atomic_store_n(&control_reload, 1, __ATOMIC_RELEASE);
	else if (sig == SIGUSR1)
		__atomic_store_n(&control_reopen, 1, __ATOMIC_RELEASE);
	else
		control_stop = sig;
}

static int
control_tel_reload(const char *cmd __rte_unused, const char *params __rte_unused,
                   struct rte_tel_data *d)
{
	__atomic_store_n(&control_reload, 1, __ATOMIC_RELEASE);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "reload", "scheduled: see /meshpath/config and the log");
	return 0;
}

static int
control_tel_config(const char *cmd __rte_unused, const char *params __rte_unused,
                   struct rte_tel_data *d)
{
	struct meshpath *mp = control_mp;

	pthread_mutex_lock(&mp->lock);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "path", mp->snap->conf->path);
	rte_tel_data_add_dict_u64(d, "generation", mp->generation);
	rte_tel_data_add_dict_u64(d, "reloads", mp->reloads);
	rte_tel_data_add_dict_u64(d, "reload_failures", mp->reload_failures);
	rte_tel_data_add_dict_u64(d, "listeners", mp->snap->conf->n_listeners);
	rte_tel_data_add_dict_u64(d, "clusters", mp->snap->conf->n_clusters);
	rte_tel_data_add_dict_u64(d, "endpoints", mp->snap->conf->n_endpoints);
	pthread_mutex_unlock(&mp->lock);
	return 0;
}

int
mp_control_telemetry(struct meshpath *mp)
{
	int rc;

	control_mp = mp;
	rc = rte_telemetry_register_cmd("/meshpath/reload", control_tel_reload,
	                                "Re-read the config file, as SIGHUP does. No parameters.");
	if (rc == 0)
		rc = rte_telemetry_register_cmd(
		        "/meshpath/config", control_tel_config,
		        "Config file, generation, reloads applied and refused. No parameters.");
	return rc;
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
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

/* HTTP local reasons by number, for the access log (lib/stats does not know lib/proxy). */
static const char *
control_http_reason(unsigned int reason)
{
	return mp_proxy_local_name((enum mp_proxy_lreason)reason);
}

/* Write out the access-log records the workers queued since the last tick; at the stop
 * (workers stopped), all of them, and close the file. */
static void
control_alog_drain(struct meshpath *mp, bool last)
{
	struct mp_alog_names names = {
	        .conf = mp->snap->conf,
	        .generation = mp->snap->l4->generation,
	        .http_reason = control_http_reason,
	};

	if (last)
		mp_alog_writer_close(&mp->alog, &names);
	else
		mp_alog_writer_drain(&mp->alog, &names);
}

/* A port that dials again when its link is lost (mp_port's redials): how it is going. */
struct control_redial {
	unsigned int down; /* link checks it has been down for */
	bool failing;      /* the last dial failed (said once) */
};

/*
 * Dial port p's server again once its link has been down for CONTROL_REDIAL_CHECKS checks
 * (DPDK's memif client dials only when started). The workers leave the device alone first:
 * paused, then a grace period, after which none is inside a burst on it. They take it back
 * once it started; while the server cannot be reached it stays paused (what is routed to it
 * counts as tx_full drops) and is dialled at every check.
 */
static void
control_redial(struct meshpath *mp, unsigned int p, uint16_t link_status, struct control_redial *r)
{
	struct mp_port *port = &mp->ports[p];

	if (link_status == RTE_ETH_LINK_UP) {
		r->down = 0;
		return;
	}
	if (++r->down < CONTROL_REDIAL_CHECKS)
		return;
	r->down = 0;
	__atomic_store_n(&mp->ifaces[p].paused, true, __ATOMIC_RELEASE);
	rte_rcu_qsbr_synchronize(mp->rcu, RTE_QSBR_THRID_INVALID);
	if (mp_port_restart(port) < 0) {
		if (!r->failing)
			MP_LOG(WARNING,
			       "port %s: its memif server cannot be reached: dialling again every "
			       "%u ms",
			       port->name,
			       CONTROL_REDIAL_CHECKS * CONTROL_LINK_TICKS * CONTROL_TICK_MS);
		r->failing = true;
		return;
	}
	MP_LOG(INFO, "port %s: link lost, memif server dialled again", port->name);
	r->failing = false;
	__atomic_store_n(&mp->ifaces[p].paused, false, __ATOMIC_RELEASE);
}

void
mp_control_run(struct meshpath *mp)
{
	struct control_redial redial[MP_MAX_PORTS] = {0};
	uint8_t link[MP_MAX_PORTS];
	unsigned int ticks = 0, p;

	for (p = 0; p < mp->n_ports; p++)
		link[p] = RTE_ETH_LINK_DOWN;
	while (control_stop == 0) {
		if (ticks++ % CONTROL_LINK_TICKS == 0) {
			for (p = 0; p < mp->n_ports; p++) {
				struct rte_eth_link l;

				if (rte_eth_link_get_nowait(mp->ports[p].port_id, &l) != 0)
					continue;
				if (l.link_status != link[p]) {
					link[p] = l.link_status;
					mp_port_link_report(&mp->ports[p]);
				}
				if (mp->ports[p].redials)
					control_redial(mp, p, l.link_status, &redial[p]);
			}
		}
		/* Records name listeners by index: write them out before a reload renumbers. */
		control_alog_drain(mp, false);
		if (__atomic_exchange_n(&control_reopen, 0, __ATOMIC_ACQ_REL) != 0)
			mp_alog_writer_reopen(&mp->alog);
		if (__atomic_exchange_n(&control_reload, 0, __ATOMIC_ACQ_REL) != 0)
			mp_snapshot_reload(mp);
		mp_snapshot_health(mp);
		mp_admin_wait(&mp->admin, &mp->stats, CONTROL_TICK_MS);
	}
	MP_LOG(INFO, "%s: stopping workers", strsignal(control_stop));
	__atomic_store_n(&mp->quit, true, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	control_alog_drain(mp, true);
}
