/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/proxy internals: a request's observation (timings, bytes, outcome) kept on its
 * downstream connection, the hooks the request lifecycle calls, and the worker's side
 * (requests that ended, waiting for the end of their iteration). See mp_proxy_obs.h.
 *
 * A request is observed from its first byte (px_obs_start()) to its end, which is exactly one
 * of: its response was queued whole (px_obs_end() from px_down_response_done(), or
 * px_obs_local() for a response the proxy made), its response was cut (px_obs_end() with the
 * reason), it became a tunnel, or the client went away (px_obs_closed()). Then the
 * observation is copied aside, and finished (histograms, access-log record) at the next
 * mp_proxy_begin(), when the iteration's end is known.
 */
#ifndef PROXY_OBS_H
#define PROXY_OBS_H

#include <stdbool.h>
#include <stdint.h>

#include "mp_alog.h"
#include "mp_proxy.h"
#include "mp_proxy_obs.h"
#include "mp_route.h"

/* Requests that may end in one iteration and still be stamped with its end. */
#define PX_OBS_DONE    1024
/* A send stamp waiting for its iteration's end. */
#define PX_OBS_PENDING UINT64_MAX

struct px_down;
struct px_up;
struct mp_proxy_worker;

/* One request, in TSC of the worker's loop; 0: did not happen (yet). */
struct px_obs {
	uint64_t t_start;     /* first request byte in; 0: no request observed */
	uint64_t t_conn;      /* a new upstream connection was opened for it */
	uint64_t t_ready;     /* the upstream connection was ready (connected, or from the pool) */
	uint64_t t_up_sent;   /* first request byte out upstream */
	uint64_t t_up_first;  /* first response byte in from upstream */
	uint64_t t_down_sent; /* first response byte out to the client */
	uint64_t t_end;       /* the end */
	uint64_t bytes_in;
	uint64_t out0; /* the client's out queue total when the request started */
	uint64_t bytes_out;
	uint16_t status;
	uint16_t table, vhost, route, cluster; /* MP_ALOG_NO_INDEX: none */
	uint8_t local;                         /* local reason + 1 */
	uint8_t error;                         /* the response was cut: reason + 1 */
	uint8_t retries;
	bool parsed;      /* its head was parsed */
	bool fresh;       /* t_conn is this attempt's */
	bool client_gone; /* the client closed or reset first */
	/* Kept across requests: the worker's list of connections with send stamps pending. */
	bool listed;
	struct px_down *stamp_next;
};

struct px_obs_worker {
	struct mp_proxy_obs_stats st;
	struct px_down *stamps; /* connections with PX_OBS_PENDING stamps */
	uint32_t n_done;
	struct px_obs *done;          /* PX_OBS_DONE requests that ended this iteration */
	struct mp_alog_rec *done_rec; /* their records; NULL: no access log */
	struct mp_alog_rec *slots;    /* by downstream connection: the record being built */
	struct rte_ring *alog;
	struct mp_counters *cnt;
	int socket_id;
};

/* Control path (proxy_obs.c). */
int
px_obs_create(struct mp_proxy_worker *pw, const struct mp_conf *conf);
void
px_obs_free(struct mp_proxy_worker *pw);
/* Start of an iteration: stamp the previous one's sends, finish the requests that ended. */
void
px_obs_begin(struct mp_proxy_worker *pw);

/* The request lifecycle's hooks. Data path. */
void
px_obs_start(struct px_down *d);
void
px_obs_request(struct px_down *d, const uint8_t *head, struct mp_route_str host);
void
px_obs_request_id(struct px_down *d, const char *rid, uint32_t len);
void
px_obs_attach(struct px_down *d, const struct px_up *u);
void
px_obs_connected(struct px_down *d);
void
px_obs_up_sent(struct px_down *d);
void
px_obs_up_first(struct px_down *d);
void
px_obs_down_sent(struct px_down *d);
/* Another attempt follows (retries): the upstream stamps start again. */
void
px_obs_retry(struct px_down *d);
/* The proxy answered the request itself (its response is queued). */
void
px_obs_local(struct px_down *d, enum mp_proxy_lreason why, uint16_t status);
/* The request ended: response queued whole (error 0), or cut by the upstream (reason + 1). */
void
px_obs_end(struct px_down *d, uint8_t error);
/* The client's connection closed: a request still observed ends, the client gone first. */
void
px_obs_closed(struct px_down *d);

#endif /* PROXY_OBS_H */
