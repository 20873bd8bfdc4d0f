/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The L4 load-balancer stage: packets for a listener's VIP become full-NAT flows to a cluster's
 * endpoints (client -> VIP:port becomes SNAT:port -> endpoint; replies are translated back).
 *
 * It ties together lib/flow (connection tracking and NAT), lib/lb (endpoint choice) and lib/net
 * (output). Flows live on one worker: the one whose queue received the flow's first packet, or,
 * on ports without RSS, the one a software hash of the 5-tuple names. The SNAT port of a flow
 * encodes its worker (port % workers == worker), so replies are steered back to it wherever they
 * arrive. Steering between workers goes over per-worker rings.
 */
#ifndef MP_L4_H
#define MP_L4_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "mp_base.h"
#include "mp_conf.h"
#include "mp_hist.h"
#include "mp_net.h"

/* ---------------------------------------------------------------------------------------- */
/* Listeners                                                                                 */

struct mp_l4_listener {
	uint8_t vip[16];  /**< network order; IPv4 in the first 4 bytes */
	uint16_t id;      /**< index in the config */
	uint16_t cluster; /**< index in the config */
	uint16_t port_lo; /**< host order */
	uint16_t port_hi;
	uint8_t proto; /**< IPPROTO_TCP or IPPROTO_UDP */
	uint8_t family;
	uint8_t service; /**< enum mp_conf_service: served by meshpath itself, no cluster */
};

struct mp_l4_listeners;

/** Build the listener table from a validated config. Control path; NULL after logging. */
struct mp_l4_listeners *
mp_l4_listeners_build(const struct mp_conf *conf, int socket_id);

void
mp_l4_listeners_free(struct mp_l4_listeners *t);

unsigned int
mp_l4_listeners_count(const struct mp_l4_listeners *t);

/** The listener for (family, protocol, VIP, destination port in host order), or NULL. */
const struct mp_l4_listener *
mp_l4_listener_find(const struct mp_l4_listeners *t, int family, uint8_t proto, const uint8_t *vip,
                    uint16_t port);

/* ---------------------------------------------------------------------------------------- */
/* Steering: which worker owns a packet                                                      */

struct mp_flow_key;

/**
 * The worker that owns an L4 packet (parse result in mp_pkt_info_of(m)) that arrived on a port:
 * for an SNAT or host address, the worker named by the destination port; for a VIP, the
 * receiving worker when the port spreads flows by RSS (rss true), else a hash of the flow key.
 * ICMP errors go by the key of the flow they quote. Data path.
 */
uint16_t
mp_l4_owner(struct rte_mbuf *m, bool rss, uint16_t self, uint16_t n_workers);

/** Software hash of a flow key used for steering; the same on every worker. */
uint32_t
mp_l4_key_hash(const struct mp_flow_key *k);

/* ---------------------------------------------------------------------------------------- */
/* The stage                                                                                 */

struct mp_flow;
struct mp_flow_table;
struct mp_lb_cluster;
struct mp_lb_state;
struct mp_timer_wheel;
struct rte_ring;

/** Per-listener counters of one worker (one writer; telemetry sums them). */
struct mp_l4_listener_stats {
	uint64_t flows;    /**< flows opened */
	uint64_t pkts[2];  /**< by direction: client to endpoint, endpoint to client */
	uint64_t bytes[2]; /**< by direction, IP length */
	uint64_t refused;  /**< new flows refused: no endpoint up, table full, no SNAT port */
};

/** Per-endpoint counters of one worker, indexed by conf endpoint index. */
struct mp_l4_endpoint_stats {
	uint64_t flows;    /**< flows opened to it */
	uint64_t bytes[2]; /**< by direction */
	uint64_t connect_ok;
	uint64_t connect_failed;     /**< reset or unanswered handshakes (passive health) */
	uint64_t probe_ok;           /**< active checks answered with SYN-ACK */
	uint64_t probe_failed;       /**< active checks answered with RST or not at all */
	uint64_t probe_stale_resets; /**< stale check connections the endpoint held, reset */
};

/*
 * Active health checks are TCP connects from the port range [MP_L4_PROBE_PORT_BASE,
 * MP_L4_PROBE_PORT_BASE + MP_MAX_ENDPOINTS): endpoint i is probed from port BASE + i, by the
 * worker that port steers to (port % workers), so the answer comes back to the prober. Flows
 * take SNAT ports above the range.
 */
#define MP_L4_PROBE_PORT_BASE 1024
#define MP_L4_SNAT_PORT_MIN   (MP_L4_PROBE_PORT_BASE + MP_MAX_ENDPOINTS)

/** One endpoint's active check, kept by its probing worker. */
struct mp_l4_probe {
	uint64_t next_tsc; /**< when the next SYN goes out */
	uint64_t sent_tsc; /**< when the pending one went out; 0 when none is pending */
	uint32_t seq;      /**< its sequence number */
};

/**
 * HTTP health checks (clusters with `health.type = "http"`) are scheduled, timed and counted
 * here like the TCP ones, while the exchange itself (a connection on meshpath's TCP stack, a
 * GET, the status line) is the checker's: lib/l4 knows neither TCP stack nor HTTP. start()
 * begins a check of endpoint idx (a conf endpoint index) of cluster; the checker later
 * reports its verdict with mp_l4_probe_done() and the same token. A negative return counts a
 * failure at once (and nothing is to be reported). A check that has no verdict after
 * timeout_ms fails, and cancel() is called so the checker drops its connection; a verdict
 * reported after that, or for an older configuration generation, is ignored. Both run on the
 * probing worker, from mp_l4_poll(). Without a checker, HTTP checks fall back to TCP connects.
 */
struct mp_l4_http_checker {
	int (*start)(void *arg, unsigned int cluster, unsigned int idx, uint64_t token);
	void (*cancel)(void *arg, unsigned int idx);
	void *arg;
};

/** One worker's mutable L4 state for one configuration generation (only that worker writes). */
struct mp_lb_outlier;
struct mp_lb_ring;

struct mp_l4_worker_state {
	struct mp_lb_state *lb[MP_MAX_CLUSTERS]; /**< by cluster: picking state, active flows */
	/** by cluster: the HTTP proxy's outlier detection (NULL: `outlier_detection` absent) */
	struct mp_lb_outlier *outlier[MP_MAX_CLUSTERS];
	struct mp_l4_listener_stats *lstats; /**< MP_MAX_LISTENERS, by conf index */
	struct mp_l4_endpoint_stats *estats; /**< MP_MAX_ENDPOINTS, by conf endpoint index */
	struct mp_l4_probe *probes;          /**< MP_MAX_ENDPOINTS, the ones it probes */
	/** by cluster: TSC cycles from a flow's SYN to the endpoint's SYN-ACK */
	struct mp_hist *connect;
};

/**
 * What every worker's L4 stage reads: built on the control thread, immutable once published.
 * A health change derives a new one that shares the listeners, the unchanged clusters and the
 * worker states; a reload builds a new generation from scratch (counters start again, flows of
 * older generations keep forwarding but no longer count).
 */
struct mp_l4_config {
	const struct mp_conf *conf; /**< what it was built from; owned by the caller */
	uint16_t generation;
	unsigned int n_workers;
	struct mp_l4_listeners *listeners;
	unsigned int n_clusters;
	struct mp_lb_cluster *clusters[MP_MAX_CLUSTERS];
	/** by cluster: the ring of a ring_hash cluster (HTTP picks), NULL for other policies;
	 * rebuilt with its cluster object */
	struct mp_lb_ring *rings[MP_MAX_CLUSTERS];
	unsigned int n_snat[MP_MAX_CLUSTERS];
	struct mp_net_addr snat[MP_MAX_CLUSTERS][MP_MAX_SNAT_ADDRS];
	struct mp_l4_worker_state *ws; /**< n_workers */
};

/**
 * Build a generation: listeners, clusters (endpoints up per `up`, by conf endpoint index; NULL
 * for all), SNAT pools and a state for each worker. Control path; NULL after logging.
 */
struct mp_l4_config *
mp_l4_config_build(const struct mp_conf *conf, const uint8_t *up, unsigned int n_workers,
                   uint16_t generation, int socket_id);

/** Free a configuration and everything it holds. Control path. */
void
mp_l4_config_free(struct mp_l4_config *cfg);

/** Free what old holds that new does not share, once no worker can still see old. */
void
mp_l4_config_retire(struct mp_l4_config *old, const struct mp_l4_config *new);

/** One worker's L4 stage. Never shared. */
struct mp_l4_ctx {
	struct mp_net_ctx *net;         /**< the same worker's network layer (output, counters) */
	const struct mp_l4_config *cfg; /**< this loop iteration's configuration */
	struct mp_l4_worker_state *ws;  /**< this worker's state in cfg */
	struct mp_flow_table *flows;
	struct mp_timer_wheel *wheel;
	struct rte_ring *const *rings; /**< every worker's steering ring, by worker index */
	const bool *port_rss;          /**< by port: the device spreads flows by RSS */
	uint64_t rng;                  /**< xorshift state for SNAT port choice */
	/**
	 * Packets for listeners meshpath serves itself (echo, discard: its TCP stack); they are
	 * handed over, owned by the callee. NULL: counted as MP_DROP_NO_LISTENER and refused.
	 */
	void (*serve)(void *arg, struct rte_mbuf **pkts, uint16_t n);
	void *serve_arg;
	uint64_t next_probe_scan; /**< TSC of the next pass over the probes */
	/** The HTTP health checker of this worker; NULL: HTTP checks are TCP connects. */
	const struct mp_l4_http_checker *http_check;
	struct rte_ring *alog; /**< access-log records of closed flows; NULL: none */
};

/**
 * Set up a worker's L4 stage: its flow table (conf limits and timeouts, which a reload cannot
 * change) and timer wheel. net, rings and port_rss must be set; cfg is set per loop by
 * mp_l4_begin(). Control path.
 */
int
mp_l4_ctx_init(struct mp_l4_ctx *c, const struct mp_conf *conf, int socket_id);

void
mp_l4_ctx_fini(struct mp_l4_ctx *c);

/**
 * Run a burst from mp_net_input(): packets another worker owns go to its ring, the rest are
 * matched to flows (or open new ones on a listener), NATed and sent. Consumes every packet.
 * Data path.
 */
void
mp_l4_input(struct mp_l4_ctx *c, uint16_t port, struct rte_mbuf **pkts, uint16_t n);

/**
 * Start of a loop iteration with the configuration the control thread last published (the
 * worker loads it; it reports a quiescent state at the end of the iteration, after which the
 * control thread may free what it replaced). Data path.
 */
static inline void
mp_l4_begin(struct mp_l4_ctx *c, const struct mp_l4_config *cfg)
{
	c->cfg = cfg;
	c->ws = &cfg->ws[c->net->worker];
}

/**
 * The verdict of an HTTP check that start() began with `token`: counted as the endpoint's
 * probe_ok or probe_failed, unless the check timed out already or belongs to an older
 * generation (then ignored). Data path; on the probing worker.
 * @return true when counted
 */
bool
mp_l4_probe_done(struct mp_l4_ctx *c, unsigned int idx, uint64_t token, bool ok);

/** Per-loop work: packets other workers steered here, active checks, flow timers. Data path. */
void
mp_l4_poll(struct mp_l4_ctx *c);

/* ---------------------------------------------------------------------------------------- */
/* Health: the control thread's view of every endpoint                                       */

/**
 * Endpoint health on the control thread: active check results and passive connect failures
 * (from the workers' counters) against rise/fall. When an endpoint changes state, the clusters
 * are rebuilt into a new mp_l4_config that the caller publishes.
 */
struct mp_l4_health {
	const struct mp_conf *conf;
	uint8_t up[MP_MAX_ENDPOINTS];        /**< by conf endpoint index; read by telemetry */
	uint32_t ok_run[MP_MAX_ENDPOINTS];   /**< consecutive successes */
	uint32_t fail_run[MP_MAX_ENDPOINTS]; /**< consecutive failures */
	uint64_t seen_ok[MP_MAX_ENDPOINTS];  /**< worker counters already accounted */
	uint64_t seen_fail[MP_MAX_ENDPOINTS];
};

/** Start with every endpoint up. */
void
mp_l4_health_init(struct mp_l4_health *h, const struct mp_conf *conf);

/**
 * Account what the workers counted since the last call. Returns a new configuration with the
 * changed clusters rebuilt (listeners and the other clusters shared with cur) when an endpoint
 * changed state, else NULL. Control path.
 */
struct mp_l4_config *
mp_l4_health_update(struct mp_l4_health *h, const struct mp_l4_config *cur, int socket_id);

/**
 * Carry health over a reload: endpoints of the same cluster name, address and port keep their
 * state. Control path.
 */
void
mp_l4_health_carry(struct mp_l4_health *to, const struct mp_l4_health *from);

/** Create a worker's steering ring (pointers; many producers, one consumer). Control path. */
struct rte_ring *
mp_l4_ring_create(unsigned int worker, unsigned int size, int socket_id);

#endif /* MP_L4_H */
