/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Stats: sums the per-worker counters on demand (never on the data path), exports them as DPDK
 * telemetry commands under /meshpath/ and prints the exit report. Control path only; the
 * telemetry callbacks run on DPDK's telemetry thread and only read worker memory.
 */
#ifndef MP_STATS_H
#define MP_STATS_H

#include <pthread.h>
#include <stdio.h>

#include <rte_mempool.h>

#include "mp_accesslog.h"
#include "mp_base.h"
#include "mp_counters.h"
#include "mp_flow.h"
#include "mp_hist.h"
#include "mp_l4.h"
#include "mp_net.h"

/** What the stats read. Filled by the app before mp_stats_init(); must outlive the process. */
struct mp_stats_source {
	unsigned int n_workers;
	const struct mp_counters *counters[MP_MAX_WORKERS];
	const struct mp_neigh_table *neigh[MP_MAX_WORKERS];
	unsigned int lcore[MP_MAX_WORKERS];
	const struct mp_flow_table *flows[MP_MAX_WORKERS]; /**< each worker's flow table */
	/* Replaced at reloads and health changes: read them holding lock. */
	pthread_mutex_t *lock;
	const struct mp_conf *conf;    /**< names of listeners and clusters */
	const struct mp_l4_config *l4; /**< the workers' L4 states and counters */
	const uint8_t *ep_up;          /**< health by conf endpoint index */
	unsigned int n_ports;
	uint16_t port_id[MP_MAX_PORTS];
	char port_name[MP_MAX_PORTS][MP_NAME_LEN];
	const struct mp_alog_writer *alog; /**< the access log's writer (alog->f NULL: none) */
	const struct rte_mempool *pool;    /**< the packet buffers (NULL: not reported) */
	/**
	 * More metrics from modules built after this one (the HTTP proxy): called at the end of
	 * mp_stats_prometheus() with src->lock held. NULL: none.
	 */
	void (*prom_more)(const struct mp_stats_source *src, FILE *f, void *arg);
	void *prom_more_arg;
};

/** Register the telemetry commands. Returns 0 or -errno. */
int
mp_stats_init(const struct mp_stats_source *src);

/** Sum every worker's counters into out. */
void
mp_stats_sum(const struct mp_stats_source *src, struct mp_counters *out);

/** Sum every worker's neighbour events into out. */
void
mp_stats_neigh_sum(const struct mp_stats_source *src, struct mp_neigh_stats *out);

/** Print the human-readable report (ports, non-zero drops and events, per-worker cycles). */
void
mp_stats_print(const struct mp_stats_source *src, FILE *f);

/**
 * Write every counter and histogram in the Prometheus text format (0.0.4) to f. Control
 * thread; takes src->lock for the parts a reload replaces. 0, or -EIO when f failed.
 */
int
mp_stats_prometheus(const struct mp_stats_source *src, FILE *f);

/** s as a Prometheus label value (\\, " and newline escaped) in buf, which it returns. */
const char *
mp_stats_prom_esc(const char *s, char *buf, size_t len);

/**
 * Write a merged histogram of TSC cycles as the Prometheus histogram `name` in seconds, with
 * labels (`a="x",b="y"`, not empty): a bucket at each bound of le_s[0..n) (seconds, rising),
 * +Inf, _sum and _count. Control thread.
 */
void
mp_stats_prom_hist(FILE *f, const char *name, const char *labels, const struct mp_hist *h,
                   const double *le_s, unsigned int n);

#endif /* MP_STATS_H */
