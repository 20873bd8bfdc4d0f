/* SPDX-License-Identifier: BSD-3-Clause */
/* The meshpath process: what main.c builds, worker.c runs and control.c watches. */
#ifndef MESHPATH_H
#define MESHPATH_H

#include <pthread.h>
#include <stdbool.h>

#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "mp_accesslog.h"
#include "mp_conf.h"
#include "mp_counters.h"
#include "mp_l4.h"
#include "mp_net.h"
#include "mp_port.h"
#include "mp_route.h"
#include "mp_stats.h"

struct mp_tcp_stack;
struct mp_proxy_worker;

/** One worker: owns a queue on every port and everything its data path writes. */
struct mp_worker {
	struct mp_counters counters; /* first: cache-aligned, written every packet */
	struct mp_net_ctx net;
	struct mp_l4_ctx l4;
	struct mp_tcp_stack *tcp;      /* meshpath's own TCP (echo, discard); NULL without */
	struct mp_proxy_worker *proxy; /* the HTTP proxy; NULL without http listeners */
	unsigned int lcore;
	unsigned int index;
	uint32_t burst;
	struct rte_rcu_qsbr *rcu;
	struct mp_snapshot *const *snap; /* the published snapshot */
	const bool *quit;
	uint64_t snap_serial; /* of the snapshot the caches below the worker were filled under */
} __rte_cache_aligned;

/**
 * Everything the workers read that a reload or a health change replaces, published as one
 * pointer and freed under RCU once no worker can still see it. Parts a new snapshot shares with
 * the old one are not freed.
 */
struct mp_snapshot {
	uint64_t serial; /* one more per snapshot published, from 1: tells the workers it changed */
	struct mp_conf *conf;
	struct mp_route_table *routes;
	struct mp_local_table *local;
	struct mp_l4_config *l4;
	struct mp_l4_health *health; /* control thread only */
	/* HTTP route tables, conf->http->tables order; built when a listener is "http" */
	unsigned int n_http_tables;
	struct mp_route_l7_table **http_tables;
	unsigned int n_route_scratch;            /* one per worker */
	struct mp_route_scratch **route_scratch; /* each fitted to every table */
};

/* The admin listener (admin.c): a few HTTP/1.0 requests at a time, on the control thread. */
#define ADMIN_CONNS 8

struct mp_admin_conn {
	int fd;            /* -1: free */
	size_t len;        /* bytes of request head in buf */
	uint64_t deadline; /* ms (CLOCK_MONOTONIC): the head must be in by then */
	char buf[4096];
};

struct mp_admin {
	int fd; /* listening socket; -1: no admin listener */
	uint64_t requests, timeouts, send_failed;
	struct mp_admin_conn conns[ADMIN_CONNS];
};

struct meshpath {
	struct mp_conf *conf;
	struct rte_mempool *pool;
	unsigned int n_ports;
	struct mp_port ports[MP_MAX_PORTS];
	struct mp_net_iface ifaces[MP_MAX_PORTS];
	struct mp_snapshot *snap; /* published to the workers; replaced under RCU */
	uint16_t generation;      /* of the configuration: one more at each reload */
	uint64_t reloads;         /* reloads applied */
	uint64_t reload_failures; /* reloads refused (bad or incompatible config) */
	pthread_mutex_t lock;     /* the control thread against telemetry readers of snap */
	struct rte_rcu_qsbr *rcu;
	const struct mp_regex_ops *regex; /* the engine of L7 route regexes */
	bool port_rss[MP_MAX_PORTS];
	unsigned int n_workers;
	struct mp_worker *workers[MP_MAX_WORKERS];
	struct rte_ring *rings[MP_MAX_WORKERS];
	struct rte_ring *steer[MP_MAX_WORKERS];
	struct mp_stats_source stats;
	struct mp_admin admin;
	struct mp_alog_writer alog; /* the access log; alog.f NULL: none */
	bool quit;                  /* set by the control thread, read by workers */
};

/** Open the admin listener when the config has one. 0, or -errno after saying what to change. */
int
mp_admin_open(struct mp_admin *a, const struct mp_conf *conf);

/** Wait up to timeout_ms for admin requests and answer them (sleeps without a listener). */
void
mp_admin_wait(struct mp_admin *a, const struct mp_stats_source *src, int timeout_ms);

/** Close the listener and any open request. */
void
mp_admin_close(struct mp_admin *a);

struct mp_tcp_stack;

/** Create w's TCP stack and listen on the config's echo and discard listeners. 0 or -errno. */
int
mp_app_tcp_setup(struct meshpath *mp, struct mp_worker *w, int socket_id);

/** Free w's TCP stack (before its timer wheel). */
void
mp_app_tcp_teardown(struct mp_worker *w);

/** Register /meshpath/tcp and the test client (/meshpath/tcp/connect, /meshpath/tcp/client),
 * once the workers exist. 0 or -errno. */
int
mp_app_tcp_telemetry(struct meshpath *mp);

/** Free what mp_app_tcp_telemetry() made (after the workers stopped). */
void
mp_app_tcp_fini(void);

/** Create w's HTTP proxy and listen on the `http` listeners (after its TCP stack). 0 or -errno. */
int
mp_app_proxy_setup(struct meshpath *mp, struct mp_worker *w, int socket_id);

/** Free w's HTTP proxy (after its TCP stack). */
void
mp_app_proxy_teardown(struct mp_worker *w);

/** Per loop, before any packet: the snapshot the proxy reads this iteration. Data path. */
void
mp_app_proxy_begin(struct mp_worker *w, const struct mp_snapshot *snap);

/** Register /meshpath/http and the Prometheus part. 0 or -errno. */
int
mp_app_proxy_telemetry(struct meshpath *mp);

/** Per loop: the test client's requests (worker 0 only). Data path. */
void
mp_app_tcp_poll(struct mp_worker *w);

/**
 * The source address of meshpath's own connections to dst (the address of the port the route
 * to dst leaves by), with that port in *port; NULL when there is no route or no address of
 * the family. Data-path safe.
 */
const uint8_t *
mp_app_tcp_source(const struct mp_worker *w, int family, const uint8_t *dst, uint16_t *port);

/** Set up w's HTTP health checker (health_http.c) and hand it to w's L4 stage. 0 or -errno. */
int
mp_app_health_http_setup(struct mp_worker *w);

/** Free w's HTTP health checker, after its TCP stack (which drops the connections). */
void
mp_app_health_http_teardown(struct mp_worker *w);

/** Register /meshpath/health/http: the checks' outcomes summed over the workers. 0 or -errno. */
int
mp_app_health_http_telemetry(const struct meshpath *mp);

/** The worker loop (lcore entry point); arg is a struct mp_worker. */
int
mp_worker_main(void *arg);

/** Register /meshpath/reload and /meshpath/config. Returns 0 or -errno. */
int
mp_control_telemetry(struct meshpath *mp);

/**
 * Install SIGINT/SIGTERM handlers that ask the control loop to stop, SIGHUP to reload, SIGUSR1
 * to reopen the access log.
 */
void
mp_control_signals(void);

/** Build the first snapshot from mp->conf (routes, local addresses, L4 generation 1). */
int
mp_snapshot_first(struct meshpath *mp);

/** Reload the config file: build and publish a new snapshot, or keep the old one and say why. */
void
mp_snapshot_reload(struct meshpath *mp);

/** Apply health changes: publish rebuilt cluster tables when an endpoint changed state. */
void
mp_snapshot_health(struct meshpath *mp);

/**
 * Build every HTTP route table of conf (regexes compiled with ops), printing errors as
 * FILE:LINE on err. Returns the number of tables that failed (0 when all built); with out
 * NULL the tables are freed again (`--check`), else out[i] gets table i (NULL if it failed).
 */
unsigned int
mp_snapshot_http_check(const struct mp_conf *conf, const struct mp_regex_ops *ops, FILE *err,
                       struct mp_route_l7_table **out);

/** Free a snapshot and everything it holds (at exit). */
void
mp_snapshot_free(struct mp_snapshot *s);

/** Run the control loop on the main lcore until a stop signal, then stop the workers. */
void
mp_control_run(struct meshpath *mp);

#endif /* MESHPATH_H */
