/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A seeded packet-impairment stage for tests: loss, duplication, reordering and delay on every
 * RX and TX queue of a port, for links that cannot impair (this kernel has no netem). Never for
 * production.
 *
 * It runs as ethdev RX and TX callbacks, so each queue's stage runs on the worker that owns the
 * queue (no locks). Each (port, queue, direction) draws from its own PRNG stream seeded from
 * (seed, port index, queue, direction), so a run replays exactly for the same packets.
 *
 * Per packet, in order: drop with probability `loss`; else copy it (from the port's pool) with
 * probability `duplicate`; hold it back with probability `reorder` until the next packet has
 * gone ahead (at most MP_IMPAIR_REORDER_US); then hold every packet `delay_ms` plus a uniform
 * 0..`jitter_ms` in a bounded FIFO (jitter does not reorder: a packet leaves after those ahead
 * of it).
 *
 * Held packets leave from later callbacks: RX releases on every poll, even one that received
 * nothing, and also sends this queue's due TX packets (the worker owns both). Limitations:
 * - A packet the TX callback keeps is reported to the sender as not sent: the sender's
 *   counters see it as a TX drop (meshpath: drops.tx_full, tx_pkts lowered) though it leaves
 *   later. DPDK's convention for TX callbacks that keep packets (the sender frees the tail);
 *   kept packets carry one extra reference for that free. The sender must free its unsent
 *   tail, not retry it.
 * - At most MP_IMPAIR_HOLD packets are held per queue and direction; beyond that packets are
 *   dropped and counted in hold_full.
 * - Times are read with rte_rdtsc() at each callback: a packet leaves at the first poll after
 *   it is due.
 */
#ifndef MP_IMPAIR_H
#define MP_IMPAIR_H

#include <stdint.h>

#include <rte_mempool.h>

#include "mp_conf.h"

/** Packets held per (queue, direction) for delay and reordering. A power of two. */
#define MP_IMPAIR_HOLD       2048
/** Longest a reordered packet waits for the next one (traffic may have stopped). */
#define MP_IMPAIR_REORDER_US 2000

/* Counters of one direction of one queue, declared once: name, meaning. */
#define MP_IMPAIR_COUNTERS(X)                                         \
	X(pkts, "packets that entered the stage")                     \
	X(dropped, "dropped by `loss`")                               \
	X(duplicated, "copies sent by `duplicate`")                   \
	X(dup_failed, "copies not made: the pool was empty")          \
	X(reordered, "held back behind the next packet by `reorder`") \
	X(delayed, "held by `delay_ms` / `jitter_ms`")                \
	X(hold_full, "dropped because MP_IMPAIR_HOLD packets were already held")

struct mp_impair_counters {
#define MP_IMPAIR_FIELD(n, d) uint64_t n;
	MP_IMPAIR_COUNTERS(MP_IMPAIR_FIELD)
#undef MP_IMPAIR_FIELD
};

/** What the data path reads: probabilities as 32-bit thresholds, times in TSC cycles. */
struct mp_impair_params {
	uint32_t loss;      /**< drop when a uniform 32-bit draw is below this */
	uint32_t duplicate; /**< copy when ... */
	uint32_t reorder;   /**< hold back when ... */
	uint64_t delay_tsc;
	uint64_t jitter_tsc;
	uint64_t reorder_tsc; /**< MP_IMPAIR_REORDER_US in cycles */
};

/** Decisions for one packet. */
#define MP_IMPAIR_DROP    (1u << 0)
#define MP_IMPAIR_DUP     (1u << 1)
#define MP_IMPAIR_REORDER (1u << 2)

enum mp_impair_dir {
	MP_IMPAIR_RX = 0,
	MP_IMPAIR_TX = 1,
};

struct mp_impair;

/** Thresholds and cycle counts for the data path from the config. Control path. */
void
mp_impair_params_init(struct mp_impair_params *p, const struct mp_conf_impair *c, uint64_t tsc_hz);

/** The PRNG state of one (port, queue, direction) stream. */
uint64_t
mp_impair_seed(uint32_t seed, uint16_t port_index, uint16_t queue, enum mp_impair_dir dir);

/** Next draw of a stream (splitmix64). Data-path safe. */
static inline uint64_t
mp_impair_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/**
 * The decisions for the next packet of a stream: MP_IMPAIR_* bits (DROP excludes the others).
 * Two draws per packet whatever the probabilities. Data-path safe.
 */
static inline uint32_t
mp_impair_decide(uint64_t *s, const struct mp_impair_params *p)
{
	uint64_t a = mp_impair_rand(s), b = mp_impair_rand(s);
	uint32_t d = 0;

	if ((uint32_t)a < p->loss)
		return MP_IMPAIR_DROP;
	if ((uint32_t)(a >> 32) < p->duplicate)
		d |= MP_IMPAIR_DUP;
	if ((uint32_t)b < p->reorder)
		d |= MP_IMPAIR_REORDER;
	return d;
}

/**
 * Add the stage to every RX and TX queue of a configured port (before or after it starts).
 * pool feeds the copies. Registers the telemetry command /meshpath/impair on first use.
 * Control path; returns 0 or -errno after logging.
 */
int
mp_impair_attach(uint16_t port_id, uint16_t port_index, const char *name, uint16_t n_queues,
                 const struct mp_conf_impair *c, struct rte_mempool *pool, struct mp_impair **out);

/** Counters of one direction summed over the port's queues. Control path (racy reads). */
void
mp_impair_sum(const struct mp_impair *im, enum mp_impair_dir dir, struct mp_impair_counters *sum);

/**
 * Remove the callbacks and free every held packet. Call after the port stopped and the
 * workers stopped polling it. NULL is fine.
 */
void
mp_impair_detach(struct mp_impair *im);

#endif /* MP_IMPAIR_H */
