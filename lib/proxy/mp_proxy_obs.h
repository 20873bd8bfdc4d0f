/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * What the HTTP proxy lets operators see of each request (issue 6, items 7 and 8): latency
 * histograms per route, per cluster and of the proxy's own time, and one access-log record per
 * request handed to the control thread.
 *
 * Times come from the worker's one TSC read per loop iteration (mp_net_ctx.now): an event on
 * the way in (bytes received) is stamped with the start of the iteration that received them;
 * an event on the way out (bytes sent) with the end of the iteration that sent them, when its
 * packets leave (the next iteration's start, filled in by mp_proxy_begin()). So a request
 * answered within one iteration shows that iteration's length, the time its packets spent in
 * meshpath, and no extra clock read or syscall is made.
 *
 * The proxy's own time of a request: from its first byte in to its first byte out upstream,
 * less the wait for a new upstream connection's handshake (request direction); and from the
 * upstream's first response byte in to the first response byte out to the client (response
 * direction). Requests retried are not sampled for the request direction.
 */
#ifndef MP_PROXY_OBS_H
#define MP_PROXY_OBS_H

#include <stdint.h>

#include "mp_conf.h"
#include "mp_counters.h"
#include "mp_hist.h"

struct mp_proxy_worker;
struct rte_ring;

/** Routes per table that get histograms (each route: two, 16 KiB per worker). */
#define MP_PROXY_MAX_ROUTE_HISTS 1024

/** Latencies of the requests of a route or a cluster, TSC cycles. */
struct mp_proxy_lat {
	struct mp_hist total;    /**< first request byte in to the response's end */
	struct mp_hist upstream; /**< first byte out upstream to the first response byte in */
};

/** The proxy's own time per request, by direction. */
enum mp_proxy_hop {
	MP_PROXY_HOP_REQUEST,
	MP_PROXY_HOP_RESPONSE,
	MP_PROXY_HOP_MAX,
};

/** One worker's histograms: one writer (the worker), merged by the control thread. */
struct mp_proxy_obs_stats {
	struct mp_hist hop[MP_PROXY_HOP_MAX]; /**< TSC cycles */
	unsigned int n_clusters;              /**< clusters of the start-up config */
	struct mp_proxy_lat *cluster;         /**< by conf cluster index */
	unsigned int n_tables;
	unsigned int n_routes[MP_CONF_MAX_ROUTE_TABLES];
	struct mp_proxy_lat *route[MP_CONF_MAX_ROUTE_TABLES]; /**< [table][route id] */
	/** requests finished at once, their sends stamped with the iteration's start: more
	 * requests ended in one iteration than the proxy holds for its end (PX_OBS_DONE) */
	uint64_t early;
};

/** The worker's histograms. */
const struct mp_proxy_obs_stats *
mp_proxy_obs_stats(const struct mp_proxy_worker *pw);

/**
 * Hand one access-log record per request to the control thread over ring (the worker's
 * record ring, one producer: this worker), counting queued and dropped records in cnt.
 * Control path, before the worker runs. 0 or -ENOMEM.
 */
int
mp_proxy_access_log(struct mp_proxy_worker *pw, struct rte_ring *ring, struct mp_counters *cnt);

#endif /* MP_PROXY_OBS_H */
