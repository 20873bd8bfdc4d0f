/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * meshpath load balancing: clusters of endpoints and the policies that pick one of them for a
 * new flow (Maglev, smooth weighted round robin, weighted random, least connections), and the
 * 5-tuple hash Maglev consumes.
 *
 * Two kinds of object, split the way the control thread and the workers split the work:
 *
 * - struct mp_lb_cluster is built on the control thread from one config cluster and the
 *   current health of its endpoints, and is immutable afterwards: every table a pick needs
 *   (the Maglev ring, the round-robin sequence, the alias table) is computed at build time. A
 *   health change builds a NEW cluster object; the caller publishes it by pointer swap and
 *   frees the old one after an RCU grace period. Any number of workers read one object.
 * - struct mp_lb_state is the mutable part, one per worker per cluster, written only by its
 *   worker (no atomics): the round-robin position, the random generator, the active flow
 *   count of each endpoint. It is indexed by endpoint index, so it outlives cluster objects
 *   rebuilt from the same config.
 *
 * An endpoint is named by its index within its cluster (0 .. n_endpoints - 1, the order of the
 * config's `endpoints` list), which stays the same across rebuilds of the same config.
 * An endpoint is pickable when it is up and its weight is above 0; weight 0 means drained:
 * flows that already use it keep it (the flow table remembers them), new flows never get it.
 *
 * Maglev follows Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
 * Balancer", NSDI 2016, section 3.4, with Katran's weighted turns (see maglev.c). The ring is a
 * function of the set of pickable endpoints, their weights and identities (address and port)
 * and the ring size only: not of endpoint order, build time, host or process. Every meshpath
 * instance with the same config therefore maps a hash to the same endpoint, and a flow that
 * an ECMP change moves to another instance keeps its endpoint.
 */
#ifndef MP_LB_H
#define MP_LB_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>

#include "mp_base.h"
#include "mp_conf.h"

/** Largest endpoint weight; weight 0 is drained. */
#define MP_LB_WEIGHT_MAX          65535
/**
 * The Maglev ring holds at least this many slots per configured endpoint (the paper's M >
 * 100 N), so that every endpoint's share stays within about 1% of its weight's share.
 */
#define MP_LB_MAGLEV_SLOTS_PER_EP 100
/** Largest Maglev ring (slots; 2 bytes each). */
#define MP_LB_MAGLEV_SIZE_MAX     (1u << 24)

struct mp_lb_cluster;
struct mp_lb_state;

/** One endpoint of a built cluster, as the NAT rewrite wants it. */
struct mp_lb_endpoint {
	union {
		rte_be32_t v4;  /**< network byte order */
		uint8_t v6[16]; /**< network byte order */
	} addr;
	rte_be16_t port; /**< network byte order */
	uint8_t family;  /**< AF_INET or AF_INET6 */
	uint8_t up;      /**< health the cluster object was built with: 1 up, 0 down */
	uint32_t weight; /**< configured weight; 0 = drained */
};

/* ---------------------------------------------------------------------------------------- */
/* Control path                                                                              */

/**
 * Build the load-balancing object of one config cluster. Control path.
 *
 * Checks what the policy needs and reports each problem as "PATH:LINE: cluster NAME: message"
 * saying what to change: an endpoint list that is empty, out of conf->endpoints or longer than
 * MP_MAX_ENDPOINTS; an address that is neither IPv4 nor IPv6; the same address and port twice;
 * a weight above MP_LB_WEIGHT_MAX; for Maglev a ring size that is not a prime, is below
 * MP_LB_MAGLEV_SLOTS_PER_EP x n_endpoints (configured endpoints, so that no health change can
 * make a valid config invalid) or is above MP_LB_MAGLEV_SIZE_MAX.
 *
 * A cluster whose endpoints are all down or drained builds fine: it picks -1.
 *
 * Cost: a Maglev ring takes M turns and about M ln M slot probes (see maglev.c): 1.5 to 2 ms of
 * CPU for M = 65537 and N = 100. The other policies are O(N), round robin O(period x N) when it
 * precomputes its sequence (bounded by LB_RR_BUILD_STEPS_MAX, 4M steps).
 *
 * @param conf     a validated config
 * @param cluster  index into conf->clusters
 * @param up       health per endpoint of the cluster (1 up, 0 down), n_endpoints of them;
 *                 NULL = all up
 * @param socket   NUMA socket for the object (the workers' socket), or SOCKET_ID_ANY
 * @param err      where messages go, one line each; NULL = the meshpath log
 * @param out      set to the new object on success, untouched on failure
 * @return 0, -EINVAL (config rejected, message printed) or -ENOMEM
 */
int
mp_lb_cluster_build(const struct mp_conf *conf, unsigned int cluster, const uint8_t *up, int socket,
                    FILE *err, struct mp_lb_cluster **out);

/** Free a cluster object (NULL is fine). Control path, after no worker can still read it. */
void
mp_lb_cluster_free(struct mp_lb_cluster *c);

/** The policy the object was built with. */
enum mp_lb_policy
mp_lb_cluster_policy(const struct mp_lb_cluster *c);

/** Endpoints in the config cluster: valid endpoint indexes are 0 .. n - 1. */
uint16_t
mp_lb_cluster_n_endpoints(const struct mp_lb_cluster *c);

/** Endpoints a pick can return: up and weight > 0. */
uint16_t
mp_lb_cluster_n_pickable(const struct mp_lb_cluster *c);

/** Endpoint ep (< n_endpoints) of the cluster. Data-path safe (read only). */
const struct mp_lb_endpoint *
mp_lb_endpoint(const struct mp_lb_cluster *c, uint16_t ep);

/**
 * The Maglev ring, for tests, dumps and telemetry: slot i holds the endpoint index a hash h
 * with h % size == i picks. NULL (and *size 0) when the policy is not Maglev or no endpoint
 * is pickable.
 */
const uint16_t *
mp_lb_maglev_table(const struct mp_lb_cluster *c, uint32_t *size);

/**
 * Create the per-worker state for a cluster. Control path (or the worker at start-up).
 *
 * The state fits every cluster object built from the same config cluster (it is sized by
 * n_endpoints); a config reload that changes the endpoint list needs a new state.
 *
 * @param seed  seeds the random generator and the round-robin start; give each worker its
 *              own (its lcore id, say) so that workers do not start on the same endpoint
 * @return the state, or NULL with rte_errno set (ENOMEM)
 */
struct mp_lb_state *
mp_lb_state_create(const struct mp_lb_cluster *c, int socket, uint64_t seed);

/** Free a state (NULL is fine). */
void
mp_lb_state_free(struct mp_lb_state *s);

/** Flows open on endpoint ep, as counted by mp_lb_flow_open()/close(). */
uint32_t
mp_lb_state_active(const struct mp_lb_state *s, uint16_t ep);

/* ---------------------------------------------------------------------------------------- */
/* Data path: no locks, no allocation, no logging, no syscalls                               */

/**
 * Pick the endpoint for a new flow. Data-path safe; s is written (round robin, random, least
 * connections), so only its owning worker may pass it.
 *
 * Maglev returns table[hash % M] and reads neither s nor anything else; the other policies
 * ignore hash. The HTTP-only policies: least request is mp_lb_p2c_pick() on a draw of s's
 * generator; ring hash draws by weight here (its ring is a separate object the proxy builds
 * and reads: mp_lb_ring_build(), mp_lb_ring_pick()). The pick is not counted as an open flow: call
 * mp_lb_flow_open() once the flow exists.
 *
 * @pre s was created for a cluster built from the same config cluster as c.
 * @return an endpoint index, or -1 when no endpoint is pickable
 */
int
mp_lb_pick(const struct mp_lb_cluster *c, struct mp_lb_state *s, uint32_t hash);

/**
 * mp_lb_pick() for a burst: eps[i] is the pick for hashes[i], in order, as if mp_lb_pick()
 * had been called n times. For Maglev this is one call per burst and a loop of table loads.
 * Data-path safe.
 *
 * @param hashes  read by Maglev only; may be NULL for the other policies
 */
void
mp_lb_pick_bulk(const struct mp_lb_cluster *c, struct mp_lb_state *s, const uint32_t *hashes,
                int32_t *eps, unsigned int n);

/**
 * Count a flow opened on ep: least connections picks by these counts, and they are the
 * active-flow gauge of every policy. Data-path safe.
 */
void
mp_lb_flow_open(struct mp_lb_state *s, uint16_t ep);

/** Count a flow on ep closed. A close without an open is ignored rather than wrapping. */
void
mp_lb_flow_close(struct mp_lb_state *s, uint16_t ep);

/* ---------------------------------------------------------------------------------------- */
/* The 5-tuple hash                                                                          */
/*                                                                                           */
/* Maglev's hash must be the same function with the same seed on every worker (a flow that   */
/* another worker sees, after an RSS change or through the software dispatch ring, must pick */
/* the same endpoint) and on every meshpath instance sharing a VIP (ECMP moves flows between */
/* them). So it is computed in software from the packet's own bytes: not the NIC's RSS hash, */
/* whose key and function differ per port and per device. CRC32-C (one instruction per 8     */
/* bytes on x86 with SSE4.2 and on ARMv8 with CRC, the same value in DPDK's software         */
/* fallback) followed by Murmur3's 32-bit finaliser, so every output bit depends on every    */
/* input bit and hash % M, hash >> k and hash & mask are all uniform. Not keyed against an   */
/* adversary: CRC collisions are easy to construct; what an attacker gains is picking its    */
/* own endpoint, which choosing source ports gives it anyway.                                */
/*                                                                                           */
/* Addresses and ports are taken as they sit in the packet (network byte order), so the     */
/* caller does not swap bytes; the value is the same on hosts of the same byte order (every  */
/* target DPDK 22.11 supports is little-endian). Data-path safe.                             */

/** Default seed; any constant works as long as every worker and instance uses the same one. */
#define MP_LB_HASH_SEED 0x6d657368u

/* Murmur3 fmix32: a bijection with full avalanche. */
static inline uint32_t
mp_lb_hash_fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/** Hash an IPv4 5-tuple; every argument as in the packet (network byte order). */
static inline uint32_t
mp_lb_hash_v4(rte_be32_t src, rte_be32_t dst, rte_be16_t sport, rte_be16_t dport, uint8_t proto,
              uint32_t seed)
{
	uint64_t addrs = (uint64_t)src << 32 | dst;
	uint64_t rest = (uint64_t)proto << 32 | (uint32_t)sport << 16 | dport;
	uint32_t h;

	h = rte_hash_crc_8byte(addrs, seed);
	h = rte_hash_crc_8byte(rest, h);
	return mp_lb_hash_fmix32(h);
}

/** Hash an IPv6 5-tuple; src and dst are the 16 address bytes as in the packet. */
static inline uint32_t
mp_lb_hash_v6(const uint8_t *src, const uint8_t *dst, rte_be16_t sport, rte_be16_t dport,
              uint8_t proto, uint32_t seed)
{
	uint64_t w[4];
	uint64_t rest = (uint64_t)proto << 32 | (uint32_t)sport << 16 | dport;
	uint32_t h;

	/* memcpy: the addresses sit at any alignment inside the packet. */
	memcpy(&w[0], src, 16);
	memcpy(&w[2], dst, 16);
	h = rte_hash_crc_8byte(w[0], seed);
	h = rte_hash_crc_8byte(w[1], h);
	h = rte_hash_crc_8byte(w[2], h);
	h = rte_hash_crc_8byte(w[3], h);
	h = rte_hash_crc_8byte(rest, h);
	return mp_lb_hash_fmix32(h);
}

/* The L7 side: outlier ejection, L7 picks, retries, circuit breakers. */
#include "mp_lb_l7.h"

#endif /* MP_LB_H */
