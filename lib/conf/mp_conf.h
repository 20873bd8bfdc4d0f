/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * meshpath configuration: the libconfig schema, its validation and the resulting plain struct.
 *
 * Control path only. mp_conf_load() reads a file, checks every key against the schema and
 * reports every problem it finds (not just the first) as "FILE:LINE: message", where the
 * message says what to change. Unknown keys and wrong types are errors. Every key and its
 * default is documented in conf/README.md.
 */
#ifndef MP_CONF_H
#define MP_CONF_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mp_base.h"
#include "mp_conf_http.h"

#define MP_EAL_ARG_LEN 256

/* Defaults; conf/README.md quotes these. */
#define MP_CONF_DEF_MAIN_LCORE       0
/* 64, not DPDK's usual 32: a burst's flow lookups overlap their cache and TLB misses, and at a
 * million flows 64 at a time cost 12 % less per packet than 32 (bench/README.md, burst). */
#define MP_CONF_DEF_BURST            64
#define MP_CONF_DEF_ALOG_RING_SIZE   4096
#define MP_CONF_DEF_MBUFS            8191
#define MP_CONF_DEF_MBUF_CACHE       256
#define MP_CONF_DEF_RX_DESC          1024
#define MP_CONF_DEF_TX_DESC          1024
#define MP_CONF_DEF_MTU              1500
#define MP_CONF_DEF_RING_SIZE        1024
#define MP_CONF_DEF_STEER_RING_SIZE  8192
#define MP_CONF_DEF_NEIGH_ENTRIES    1024
#define MP_CONF_DEF_NEIGH_QUEUE      8
#define MP_CONF_DEF_NEIGH_REACH_MS   30000
#define MP_CONF_DEF_NEIGH_RETRANS_MS 1000
#define MP_CONF_DEF_NEIGH_PROBES     3

/* L4 load balancing (conf/README.md, sections listeners, clusters, flows). */
#define MP_CONF_DEF_MAGLEV_SIZE     65537
#define MP_CONF_DEF_WEIGHT          1
#define MP_CONF_DEF_HC_INTERVAL_MS  2000
#define MP_CONF_DEF_HC_TIMEOUT_MS   1000
#define MP_CONF_DEF_HC_RISE         2
#define MP_CONF_DEF_HC_FALL         3
#define MP_CONF_DEF_FLOWS           262144
#define MP_CONF_DEF_TCP_SYN_MS      10000
#define MP_CONF_DEF_TCP_EST_MS      3600000
#define MP_CONF_DEF_TCP_FIN_MS      30000
#define MP_CONF_DEF_TCP_CLOSE_MS    10000
#define MP_CONF_DEF_UDP_MS          30000
#define MP_CONF_DEF_CONNECT_FAIL_MS 3000

/* HTTP resilience of clusters (conf/README.md, clusters: issue 6); lib/lb's defaults in ms. */
#define MP_CONF_DEF_HASH_RING_SIZE       16384
#define MP_CONF_DEF_OUTLIER_5XX          5
#define MP_CONF_DEF_OUTLIER_CONNECT      5
#define MP_CONF_DEF_OUTLIER_BASE_MS      30000
#define MP_CONF_DEF_OUTLIER_MAX_MS       300000
#define MP_CONF_DEF_OUTLIER_DECAY_MS     10000
#define MP_CONF_DEF_OUTLIER_MAX_PERCENT  10
#define MP_CONF_DEF_BREAKER_MAX          1024
#define MP_CONF_DEF_BREAKER_MAX_RETRIES  3
#define MP_CONF_DEF_RETRY_BUDGET_PERCENT 20
#define MP_CONF_DEF_RETRY_BUDGET_MIN     3

/* HTTP health checks (conf/README.md, clusters.health). */
#define MP_CONF_HC_PATH_LEN      256 /**< `path`, NUL included */
#define MP_CONF_HC_HOST_LEN      256 /**< `host`, NUL included */
#define MP_CONF_MAX_HC_STATUSES  16  /**< `expected_statuses` entries */
#define MP_CONF_DEF_HC_PATH      "/"
#define MP_CONF_DEF_HC_STATUS_LO 200
#define MP_CONF_DEF_HC_STATUS_HI 399

/* Port impairment (conf/README.md, `impair`: for tests only). */
#define MP_CONF_DEF_IMPAIR_SEED 1

/**
 * `impair` of a port: seeded packet loss, duplication, reordering and delay on every RX and TX
 * queue, for tests on links that have none (drivers/net/impair.c). Never for production.
 */
struct mp_conf_impair {
	bool enabled;       /**< the `impair` group is present */
	double loss;        /**< `loss`: probability a packet is dropped, [0, 1) */
	double duplicate;   /**< `duplicate`: probability a packet is sent twice, [0, 1) */
	double reorder;     /**< `reorder`: probability a packet is held behind the next, [0, 1) */
	uint32_t delay_ms;  /**< `delay_ms`: every packet held this long */
	uint32_t jitter_ms; /**< `jitter_ms`: plus a uniform 0..jitter_ms */
	uint32_t seed;      /**< `seed`: with the port and queue, fixes every decision */
};

/* meshpath's own TCP stack (conf/README.md, section tcp). */
#define MP_CONF_DEF_TCP_CONNS         16384
#define MP_CONF_DEF_TCP_TIME_WAIT     4096
#define MP_CONF_DEF_TCP_SYN_BACKLOG   1024
#define MP_CONF_DEF_TCP_BUF           262144
#define MP_CONF_DEF_TCP_WORKER_BUF_MB 256
#define MP_CONF_DEF_TCP_MSS           1460
#define MP_CONF_DEF_TCP_DELACK_MS     40
#define MP_CONF_DEF_TCP_KA_IDLE_S     7200
#define MP_CONF_DEF_TCP_KA_INTVL_S    75
#define MP_CONF_DEF_TCP_KA_PROBES     9
#define MP_CONF_DEF_TCP_RTO_INIT_MS   1000
#define MP_CONF_DEF_TCP_RTO_MIN_MS    200
#define MP_CONF_DEF_TCP_RTO_MAX_MS    60000
#define MP_CONF_DEF_TCP_RETRIES       15
#define MP_CONF_DEF_TCP_SYN_RETRIES   5
#define MP_CONF_DEF_TCP_TIME_WAIT_MS  60000
#define MP_CONF_DEF_TCP_FIN_WAIT2_MS  60000

/* The HTTP proxy (conf/README.md, section http). */
#define MP_CONF_DEF_HTTP_REQUEST_LINE 8192
#define MP_CONF_DEF_HTTP_HEADER_BYTES 32768
#define MP_CONF_DEF_HTTP_HEADERS      100
#define MP_CONF_DEF_HTTP_UP_IDLE_MS   60000
#define MP_CONF_DEF_HTTP_DOWN_IDLE_MS 60000
#define MP_CONF_DEF_HTTP_CONNECT_MS   5000
#define MP_CONF_DEF_HTTP_MAX_REQUESTS 1000
#define MP_CONF_DEF_HTTP_DOWNSTREAM   4096
#define MP_CONF_DEF_HTTP_UPSTREAM     4096

/** An address with a prefix length; v4 and v6 are in network byte order. */
struct mp_conf_addr {
	uint8_t family; /**< AF_INET or AF_INET6; 0 when unset */
	uint8_t prefix; /**< 0..32 or 0..128 */
	union {
		uint32_t v4;
		uint8_t v6[16];
	};
};

struct mp_conf_port {
	char name[MP_NAME_LEN];       /**< `name`: unique, used by routes and stats */
	char devargs[MP_DEVARGS_LEN]; /**< `device`: PCI address or vdev string */
	uint16_t mtu;                 /**< `mtu`: L3 MTU */
	uint16_t rx_desc;             /**< `rx_desc`: RX ring descriptors per queue */
	uint16_t tx_desc;             /**< `tx_desc`: TX ring descriptors per queue */
	unsigned int n_addrs;
	struct mp_conf_addr
	        addrs[MP_MAX_PORT_ADDRS]; /**< `addresses`: "10.0.0.1/24", "fd00::1/64" */
	struct mp_conf_impair impair;     /**< `impair` group (tests only) */
	int line;                         /**< line of the port's group, for later messages */
};

struct mp_conf_route {
	struct mp_conf_addr dst;     /**< `dst`: destination prefix */
	struct mp_conf_addr gateway; /**< `gateway`: next hop; family 0 when on-link via `port` */
	int port; /**< `port` (by name) resolved to an index; -1 when not given */
	int line;
};

enum mp_lb_policy {
	MP_LB_MAGLEV = 0,    /**< "maglev" (default): consistent hashing of the 5-tuple */
	MP_LB_ROUND_ROBIN,   /**< "round_robin": weighted round robin */
	MP_LB_RANDOM,        /**< "random": weighted random */
	MP_LB_LEAST_CONN,    /**< "least_connections": fewest active flows relative to weight */
	MP_LB_LEAST_REQUEST, /**< "least_request": HTTP only, two random choices (P2C) */
	MP_LB_RING_HASH,     /**< "ring_hash": HTTP only, consistent hashing on a ring */
};

/** The policy's name in the config ("maglev", "ring_hash"...); "?" when out of range. */
const char *
mp_conf_policy_name(enum mp_lb_policy p);

/** The policy serves HTTP listeners (routes) only: L4 listeners cannot name the cluster. */
static inline bool
mp_lb_policy_l7_only(enum mp_lb_policy p)
{
	return p == MP_LB_LEAST_REQUEST || p == MP_LB_RING_HASH;
}

enum mp_l4_proto {
	MP_L4_TCP = 6,  /**< "tcp" (the value is IPPROTO_TCP) */
	MP_L4_UDP = 17, /**< "udp" (the value is IPPROTO_UDP) */
};

struct mp_conf_endpoint {
	struct mp_conf_addr addr; /**< `address`: without prefix (prefix holds 32 or 128) */
	uint16_t port;            /**< `port` */
	uint32_t weight;          /**< `weight`: 0..65535, default 1; 0 is drained */
	int line;
};

/** `health.type`: what an active check does. */
enum mp_conf_hc_type {
	MP_CONF_HC_TCP = 0, /**< "tcp" (default): a TCP connect */
	MP_CONF_HC_HTTP,    /**< "http": GET path on meshpath's TCP stack, status checked */
};

/** A range of HTTP statuses, both ends included. */
struct mp_conf_status_range {
	uint16_t lo;
	uint16_t hi;
};

/** Active health checks; absent group = passive checks only. */
struct mp_conf_health {
	bool enabled;                   /**< the `health` group is present */
	uint32_t interval_ms;           /**< `interval_ms` */
	uint32_t timeout_ms;            /**< `timeout_ms`: < interval_ms */
	uint32_t rise;                  /**< `rise`: successes to mark an endpoint up */
	uint32_t fall;                  /**< `fall`: failures to mark it down */
	uint32_t type;                  /**< `type`: enum mp_conf_hc_type */
	char path[MP_CONF_HC_PATH_LEN]; /**< `path`: HTTP checks, default "/" */
	char host[MP_CONF_HC_HOST_LEN]; /**< `host`: HTTP checks, default the cluster's name */
	unsigned int n_statuses;        /**< `expected_statuses`; default one range 200..399 */
	struct mp_conf_status_range statuses[MP_CONF_MAX_HC_STATUSES];
};

/** `status` is one of h's expected_statuses. Data-path safe. */
static inline bool
mp_conf_health_status_ok(const struct mp_conf_health *h, unsigned int status)
{
	for (unsigned int i = 0; i < h->n_statuses; i++)
		if (status >= h->statuses[i].lo && status <= h->statuses[i].hi)
			return true;
	return false;
}

/**
 * `outlier_detection` of a cluster (HTTP): lib/lb's struct mp_lb_outlier_params in ms.
 * Absent group: no ejection (enabled false, the fields hold the defaults).
 */
struct mp_conf_outlier {
	bool enabled;                  /**< the group is present */
	uint32_t consecutive_5xx;      /**< 0 = this detector off */
	uint32_t consecutive_connect;  /**< `consecutive_connect_failures`; 0 = off */
	uint32_t base_ejection_ms;     /**< first ejection; the k-th lasts k times as long */
	uint32_t max_ejection_ms;      /**< cap, >= base_ejection_ms */
	uint32_t decay_interval_ms;    /**< 0 = no decay */
	uint32_t max_ejection_percent; /**< 0..100 */
};

/** `circuit_breakers` of a cluster (HTTP), for the whole process; 0 = no limit. */
struct mp_conf_breakers {
	uint32_t max_connections;
	uint32_t max_pending_requests;
	uint32_t max_requests;
	uint32_t max_retries;
};

struct mp_conf_cluster {
	char name[MP_NAME_LEN];      /**< `name`: unique */
	enum mp_lb_policy policy;    /**< `policy` */
	uint32_t maglev_size;        /**< `maglev_size`: a prime > 100 x endpoints, default 65537 */
	unsigned int first_endpoint; /**< index of the first of n_endpoints in conf->endpoints */
	unsigned int n_endpoints;    /**< `endpoints`: list of groups, at least one */
	unsigned int n_snat;
	struct mp_conf_addr snat[MP_MAX_SNAT_ADDRS]; /**< `snat`: source addresses (no prefix);
	                                                  empty: the egress port's address */
	struct mp_conf_health health;                /**< `health` group */
	/* HTTP (issue 6): read by the proxy for the clusters its routes name */
	uint32_t ring_size;               /**< `ring_hash.size`: points on the ring */
	struct mp_conf_outlier outlier;   /**< `outlier_detection` */
	struct mp_conf_breakers breakers; /**< `circuit_breakers` (always in force) */
	uint32_t retry_budget_percent;    /**< `retry_budget.percent` */
	uint32_t retry_budget_min;        /**< `retry_budget.min_retry_concurrency` */
	int line;
};

/** What serves a listener: its cluster (full NAT), or meshpath itself. */
enum mp_conf_service {
	MP_SVC_NONE = 0, /**< `protocol` "tcp" or "udp": full NAT to the cluster */
	MP_SVC_HTTP,     /**< `protocol` "http": HTTP/1.1 proxy routed by a route table */
	MP_SVC_ECHO,     /**< `protocol` "echo": RFC 862 on meshpath's TCP stack */
	MP_SVC_DISCARD,  /**< `protocol` "discard": RFC 863 on meshpath's TCP stack */
};

struct mp_conf_listener {
	char name[MP_NAME_LEN];       /**< `name`: unique */
	enum mp_l4_proto proto;       /**< `protocol`: "tcp" or "udp"; "http" is tcp */
	enum mp_conf_service service; /**< "http": a route table; "echo", "discard": meshpath */
	struct mp_conf_addr vip;      /**< `address`: the virtual IP, without prefix */
	uint16_t port;                /**< `port` */
	uint16_t port_last;           /**< `port_last`: end of a port range, default = port */
	int cluster;                  /**< `cluster` (by name) resolved to an index; -1 for http */
	int routes; /**< `routes`: index into conf->http->tables; -1 when not http */
	int line;
};

/** The listener is served by meshpath's own TCP stack (HTTP, echo, discard). */
static inline int
mp_conf_listener_self_served(const struct mp_conf_listener *l)
{
	return l->service == MP_SVC_HTTP || l->service == MP_SVC_ECHO ||
	       l->service == MP_SVC_DISCARD;
}

/** meshpath's own TCP stack (per worker): limits, buffers, timers (`tcp` section). */
struct mp_conf_tcp {
	uint32_t max_conns;         /**< `max_connections`: per worker, TIME_WAIT included */
	uint32_t max_time_wait;     /**< `max_time_wait`: per worker; the oldest is recycled */
	uint32_t syn_backlog;       /**< `syn_backlog`: half-open per listener before SYN cookies */
	uint32_t sndbuf;            /**< `send_buffer`: bytes per connection */
	uint32_t rcvbuf;            /**< `receive_buffer`: bytes per connection */
	uint32_t worker_buf_mb;     /**< `worker_buffer_mb`: send + out-of-order bytes per worker */
	uint32_t mss;               /**< `mss`: announced and largest sent */
	uint32_t delayed_ack;       /**< `delayed_ack`: 0 or 1 */
	uint32_t delack_ms;         /**< `delayed_ack_ms` */
	uint32_t nagle;             /**< `nagle`: 0 or 1 */
	uint32_t sack;              /**< `sack`: 0 or 1 */
	uint32_t tlp;               /**< `tail_loss_probes`: 0 or 1 */
	uint32_t rack;              /**< `reordering_window`: 0 or 1 */
	uint32_t timestamps;        /**< `timestamps`: 0 or 1 */
	uint32_t window_scaling;    /**< `window_scaling`: 0 or 1 */
	uint32_t syn_cookies;       /**< `syn_cookies`: 0 or 1 */
	uint32_t keepalive;         /**< `keepalive`: 0 or 1 */
	uint32_t keepalive_idle_s;  /**< `keepalive_idle_s` */
	uint32_t keepalive_intvl_s; /**< `keepalive_interval_s` */
	uint32_t keepalive_probes;  /**< `keepalive_probes` */
	uint32_t rto_init_ms;       /**< `rto_initial_ms` */
	uint32_t rto_min_ms;        /**< `rto_min_ms` */
	uint32_t rto_max_ms;        /**< `rto_max_ms` */
	uint32_t max_retries;       /**< `retries`: data retransmissions before reset */
	uint32_t syn_retries;       /**< `syn_retries` */
	uint32_t time_wait_ms;      /**< `time_wait_ms` */
	uint32_t fin_wait2_ms;      /**< `fin_wait2_ms` */
	uint32_t cc;                /**< `congestion_control`: 0 "cubic", 1 "newreno" */
};

/** The HTTP proxy's limits and timeouts, per worker (`http` section). */
struct mp_conf_proxy {
	uint32_t max_request_line;   /**< `max_request_line`: bytes; more is 414 */
	uint32_t max_header_bytes;   /**< `max_header_bytes`: bytes after the start line; 431 */
	uint32_t max_headers;        /**< `max_headers`: field lines; more is 431 */
	uint32_t max_body;           /**< `max_body`: request body bytes, 0 = no limit; 413 */
	uint32_t upstream_idle_ms;   /**< `upstream_idle_ms`: a pooled connection is closed */
	uint32_t downstream_idle_ms; /**< `downstream_idle_ms`: a client between requests */
	uint32_t connect_timeout_ms; /**< `connect_timeout_ms`: upstream handshake; then 503 */
	uint32_t max_requests;       /**< `max_requests_per_connection`: upstream; 0 = no limit */
	uint32_t max_downstream;     /**< `max_downstream_connections`: per worker */
	uint32_t max_upstream;       /**< `max_upstream_connections`: per worker */
};

struct mp_conf {
	char path[PATH_MAX];

	/* eal */
	int eal_argc;
	char eal_argv[MP_MAX_EAL_ARGS][MP_EAL_ARG_LEN]; /**< `eal.args`, in order */

	/* workers */
	unsigned int main_lcore; /**< `workers.main_lcore`: control thread */
	unsigned int main_cpu;   /**< `workers.main_cpu`: defaults to main_lcore */
	unsigned int n_workers;
	unsigned int worker_lcores[MP_MAX_WORKERS]; /**< `workers.lcores` */
	unsigned int worker_cpus[MP_MAX_WORKERS]; /**< `workers.cpus`: defaults to the lcore ids */
	uint32_t burst;                           /**< `workers.burst` */

	/* mempool */
	uint32_t mbufs;      /**< `mempool.mbufs` */
	uint32_t mbuf_cache; /**< `mempool.cache` */

	/* rings */
	uint32_t ring_size;       /**< `rings.size`: per-worker message rings, power of two */
	uint32_t steer_ring_size; /**< `rings.steer_size`: per-worker rings of steered packets */

	/* neighbour */
	uint32_t neigh_entries;    /**< `neighbour.entries`: per worker */
	uint32_t neigh_queue;      /**< `neighbour.queue`: packets held per unresolved neighbour */
	uint32_t neigh_reach_ms;   /**< `neighbour.reachable_ms` */
	uint32_t neigh_retrans_ms; /**< `neighbour.retrans_ms` */
	uint32_t neigh_probes;     /**< `neighbour.probes` */

	unsigned int n_ports;
	struct mp_conf_port ports[MP_MAX_PORTS];

	unsigned int n_routes;
	struct mp_conf_route routes[MP_MAX_ROUTES];

	/* flows: connection tracking limits and timeouts (per worker) */
	uint32_t max_flows;          /**< `flows.max`: per worker */
	uint32_t tcp_syn_ms;         /**< `flows.tcp_syn_ms`: handshake not completed */
	uint32_t tcp_established_ms; /**< `flows.tcp_established_ms`: idle established flow */
	uint32_t tcp_fin_ms;         /**< `flows.tcp_fin_ms`: after the first FIN */
	uint32_t tcp_close_ms;       /**< `flows.tcp_close_ms`: after both FINs or a RST */
	uint32_t udp_ms;             /**< `flows.udp_ms`: idle UDP flow */
	uint32_t connect_fail_ms; /**< `flows.connect_fail_ms`: SYN unanswered = passive failure */
	uint16_t tcp_mss_clamp;   /**< `flows.tcp_mss_clamp`: 0 = off, else 536..9000 */

	struct mp_conf_tcp tcp;
	struct mp_conf_proxy proxy; /**< `http` */

	unsigned int n_listeners;
	struct mp_conf_listener listeners[MP_MAX_LISTENERS];
	unsigned int n_clusters;
	struct mp_conf_cluster clusters[MP_MAX_CLUSTERS];
	unsigned int n_endpoints;
	struct mp_conf_endpoint endpoints[MP_MAX_ENDPOINTS];

	/* admin: the Prometheus endpoint, served by the control thread */
	struct mp_conf_addr admin_addr; /**< `admin.address`: loopback when not given */
	uint16_t admin_port;            /**< `admin.port`: 0 = no admin listener */

	/* access_log: one JSON line per closed connection, written by the control thread */
	char alog_path[PATH_MAX]; /**< `access_log.path`: "" = no access log */
	uint32_t alog_ring_size;  /**< `access_log.ring_size`: records per worker, power of two */
	bool alog_l4;             /**< `access_log.l4`: a line per closed L4 flow (default true) */
	bool alog_http;           /**< `access_log.http`: a line per HTTP request (default true) */

	/** `route_tables`: allocated by mp_conf_load(), freed by mp_conf_release(); NULL if none.
	 */
	struct mp_conf_http *http;
};

/** Fill every field with its documented default (no ports, no routes, no workers). */
void
mp_conf_defaults(struct mp_conf *conf);

/**
 * Read and validate a config file.
 *
 * @param path  file to read
 * @param conf  filled on success (release it with mp_conf_release()); on failure its contents
 *              are unspecified and nothing is left allocated in it
 * @param err   where each error goes, one line each: "PATH:LINE: message"
 * @return 0 when valid, otherwise the number of errors printed (> 0)
 */
int
mp_conf_load(const char *path, struct mp_conf *conf, FILE *err);

/**
 * Free what mp_conf_load() allocated inside conf (conf->http) and set it to NULL. The rest of
 * conf stays valid. A copy of a conf by value shares the block: release one copy only.
 */
void
mp_conf_release(struct mp_conf *conf);

/** Format an address as "10.0.0.1/24" or "fd00::1/64" (without "/len" when with_prefix is 0). */
const char *
mp_conf_addr_str(const struct mp_conf_addr *a, int with_prefix, char *buf, size_t len);

#endif /* MP_CONF_H */
