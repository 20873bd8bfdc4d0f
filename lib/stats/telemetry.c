/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry commands under /meshpath/, readable with dpdk-telemetry.py. Each callback sums the
 * workers' counters at the moment it runs; nothing here touches the data path.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "stats_priv.h"

const struct mp_stats_source *mp_stats_src;

static int
tel_summary(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	struct mp_counters sum;
	uint64_t rx = 0, tx = 0, rxb = 0, txb = 0, drops = 0;
	unsigned int i;

	mp_stats_sum(mp_stats_src, &sum);
	for (i = 0; i < mp_stats_src->n_ports; i++) {
		rx += sum.port[i].rx_pkts;
		rxb += sum.port[i].rx_bytes;
		tx += sum.port[i].tx_pkts;
		txb += sum.port[i].tx_bytes;
	}
	for (i = 1; i < MP_DROP_MAX; i++)
		drops += sum.drops[i];
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", mp_stats_src->n_workers);
	rte_tel_data_add_dict_u64(d, "ports", mp_stats_src->n_ports);
	rte_tel_data_add_dict_u64(d, "rx_pkts", rx);
	rte_tel_data_add_dict_u64(d, "rx_bytes", rxb);
	rte_tel_data_add_dict_u64(d, "tx_pkts", tx);
	rte_tel_data_add_dict_u64(d, "tx_bytes", txb);
	rte_tel_data_add_dict_u64(d, "drops", drops);
	rte_tel_data_add_dict_u64(d, "busy_cycles", sum.busy_cycles);
	rte_tel_data_add_dict_u64(d, "idle_cycles", sum.idle_cycles);
	rte_tel_data_add_dict_u64(d, "busy_polls", sum.busy_polls);
	rte_tel_data_add_dict_u64(d, "idle_polls", sum.idle_polls);
	rte_tel_data_add_dict_u64(d, "busy_cycles_per_rx_pkt", rx ? sum.busy_cycles / rx : 0);
	rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	/* The packet buffers, and those held (device rings, TCP and proxy queues; not free ones in
	 * the lcores' caches): read without a lock, a snapshot. */
	if (mp_stats_src->pool != NULL) {
		rte_tel_data_add_dict_u64(d, "mbufs", mp_stats_src->pool->size);
		rte_tel_data_add_dict_u64(d, "mbufs_in_use",
		                          rte_mempool_in_use_count(mp_stats_src->pool));
	}
	return 0;
}

static int
tel_drops(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	struct mp_counters sum;
	unsigned int i;

	mp_stats_sum(mp_stats_src, &sum);
	rte_tel_data_start_dict(d);
	for (i = 1; i < MP_DROP_MAX; i++)
		rte_tel_data_add_dict_u64(d, mp_drop_name(i), sum.drops[i]);
	return 0;
}

static int
tel_events(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	struct mp_counters sum;
	unsigned int i;

	mp_stats_sum(mp_stats_src, &sum);
	rte_tel_data_start_dict(d);
	for (i = 0; i < MP_EV_MAX; i++)
		rte_tel_data_add_dict_u64(d, mp_event_name(i), sum.events[i]);
	return 0;
}

static int
tel_ports(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	struct mp_counters sum;
	unsigned int i;

	mp_stats_sum(mp_stats_src, &sum);
	rte_tel_data_start_dict(d);
	for (i = 0; i < mp_stats_src->n_ports; i++) {
		struct rte_tel_data *p = rte_tel_data_alloc();
		struct rte_eth_stats es;
		struct rte_eth_link link;

		if (p == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(p);
		rte_tel_data_add_dict_u64(p, "ethdev", mp_stats_src->port_id[i]);
		if (rte_eth_link_get_nowait(mp_stats_src->port_id[i], &link) == 0)
			rte_tel_data_add_dict_string(p, "link", link.link_status ? "up" : "down");
		rte_tel_data_add_dict_u64(p, "rx_pkts", sum.port[i].rx_pkts);
		rte_tel_data_add_dict_u64(p, "rx_bytes", sum.port[i].rx_bytes);
		rte_tel_data_add_dict_u64(p, "tx_pkts", sum.port[i].tx_pkts);
		rte_tel_data_add_dict_u64(p, "tx_bytes", sum.port[i].tx_bytes);
		/* What the device itself saw, for drops before meshpath's code runs. */
		if (rte_eth_stats_get(mp_stats_src->port_id[i], &es) == 0) {
			rte_tel_data_add_dict_u64(p, "dev_imissed", es.imissed);
			rte_tel_data_add_dict_u64(p, "dev_ierrors", es.ierrors);
			rte_tel_data_add_dict_u64(p, "dev_oerrors", es.oerrors);
			rte_tel_data_add_dict_u64(p, "dev_rx_nombuf", es.rx_nombuf);
		}
		rte_tel_data_add_dict_container(d, mp_stats_src->port_name[i], p, 0);
	}
	return 0;
}

static int
tel_workers(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	char name[32];
	unsigned int w, p;

	rte_tel_data_start_dict(d);
	for (w = 0; w < mp_stats_src->n_workers; w++) {
		const struct mp_counters *c = mp_stats_src->counters[w];
		struct rte_tel_data *t = rte_tel_data_alloc();
		uint64_t rx = 0;

		if (t == NULL)
			return -ENOMEM;
		for (p = 0; p < mp_stats_src->n_ports; p++)
			rx += c->port[p].rx_pkts;
		rte_tel_data_start_dict(t);
		rte_tel_data_add_dict_u64(t, "lcore", mp_stats_src->lcore[w]);
		rte_tel_data_add_dict_u64(t, "rx_pkts", rx);
		rte_tel_data_add_dict_u64(t, "busy_cycles", c->busy_cycles);
		rte_tel_data_add_dict_u64(t, "idle_cycles", c->idle_cycles);
		rte_tel_data_add_dict_u64(t, "busy_polls", c->busy_polls);
		rte_tel_data_add_dict_u64(t, "idle_polls", c->idle_polls);
		rte_tel_data_add_dict_u64(t, "neigh_entries",
		                          mp_neigh_count(mp_stats_src->neigh[w]));
		snprintf(name, sizeof(name), "worker%u", w);
		rte_tel_data_add_dict_container(d, name, t, 0);
	}
	return 0;
}

static int
tel_neigh(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	struct mp_neigh_stats s;
	uint64_t entries = 0;
	unsigned int w;

	mp_stats_neigh_sum(mp_stats_src, &s);
	for (w = 0; w < mp_stats_src->n_workers; w++)
		entries += mp_neigh_count(mp_stats_src->neigh[w]);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "entries", entries);
	rte_tel_data_add_dict_u64(d, "created", s.created);
	rte_tel_data_add_dict_u64(d, "learned", s.learned);
	rte_tel_data_add_dict_u64(d, "resolved", s.resolved);
	rte_tel_data_add_dict_u64(d, "probes", s.probes);
	rte_tel_data_add_dict_u64(d, "stale", s.stale);
	rte_tel_data_add_dict_u64(d, "expired", s.expired);
	rte_tel_data_add_dict_u64(d, "unresolved", s.unresolved);
	rte_tel_data_add_dict_u64(d, "released", s.released);
	rte_tel_data_add_dict_u64(d, "dropped", s.dropped);
	return 0;
}

static int
tel_alog(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	const struct mp_alog_writer *w = mp_stats_src->alog;
	struct mp_counters sum;

	mp_stats_sum(mp_stats_src, &sum);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "enabled", w != NULL && w->f != NULL);
	if (w == NULL || w->f == NULL)
		return 0;
	rte_tel_data_add_dict_string(d, "path", w->path);
	rte_tel_data_add_dict_u64(d, "queued", sum.events[MP_EV_ALOG_QUEUED]);
	rte_tel_data_add_dict_u64(d, "dropped", sum.events[MP_EV_ALOG_DROPPED]);
	rte_tel_data_add_dict_u64(d, "lines", w->lines);
	rte_tel_data_add_dict_u64(d, "write_errors", w->write_errors);
	rte_tel_data_add_dict_u64(d, "reopens", w->reopens);
	rte_tel_data_add_dict_u64(d, "reopen_failures", w->reopen_failures);
	return 0;
}

int
mp_stats_init(const struct mp_stats_source *src)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
	        {"/meshpath/stats", tel_summary,
	         "Totals: packets, bytes, drops, busy/idle cycles. No parameters."},
	        {"/meshpath/ports", tel_ports,
	         "Per-port counters and device stats. No parameters."},
	        {"/meshpath/drops", tel_drops, "Packets dropped, by reason. No parameters."},
	        {"/meshpath/events", tel_events,
	         "Data-path events (ARP, NDP, ICMP). No parameters."},
	        {"/meshpath/workers", tel_workers, "Per-worker busy/idle cycles. No parameters."},
	        {"/meshpath/neigh", tel_neigh, "Neighbour table events. No parameters."},
	        {"/meshpath/access_log", tel_alog,
	         "Access log: file, records queued, dropped, written, errors. No parameters."},
	};
	unsigned int i;
	int rc;

	mp_stats_src = src;
	for (i = 0; i < RTE_DIM(cmds); i++) {
		rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);
		if (rc < 0)
			return rc;
	}
	return mp_stats_l4_init();
}
