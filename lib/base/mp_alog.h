/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Access-log records, the data-path half: what a worker hands to the control thread when a
 * connection (L4 flow now, HTTP request later) ends. Each worker has its own ring, one
 * producer (the worker) and one consumer (the control thread, lib/stats accesslog.c), whose
 * elements are whole records of a fixed size: a record is built on the worker's stack and
 * copied into the ring, so nothing is allocated and nothing blocks. A full ring drops the
 * record and counts it (MP_EV_ALOG_DROPPED). Names (listener, cluster) travel as config
 * indexes with the configuration generation; the control thread resolves them.
 */
#ifndef MP_ALOG_H
#define MP_ALOG_H

#include <stdint.h>
#include <stdio.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "mp_counters.h"

/** Bytes of one record, the ring's element size: room for an HTTP record later. */
#define MP_ALOG_REC_SIZE 256

/** Record types. */
enum mp_alog_type {
	MP_ALOG_L4 = 1, /**< an L4 flow closed */
	                /* MP_ALOG_HTTP: one HTTP request (issue 6, item 7) */
};

/** Why an L4 flow ended. */
enum mp_alog_reason {
	MP_ALOG_R_FIN = 0,        /**< both sides closed with FIN */
	MP_ALOG_R_RST,            /**< a RST after the handshake */
	MP_ALOG_R_TIMEOUT,        /**< idle (established TCP, or UDP) */
	MP_ALOG_R_FIN_TIMEOUT,    /**< half closed, then idle */
	MP_ALOG_R_CONNECT_FAILED, /**< the handshake never completed (reset or unanswered) */
	MP_ALOG_R_MAX,
};

/** An L4 flow, as its flow entry held it when it was released. Addresses by mp_flow_end. */
struct mp_alog_l4 {
	uint8_t addr[4][16]; /**< client, VIP, endpoint, SNAT; IPv4 in the first 4 bytes */
	uint64_t pkts[2];    /**< client to endpoint (in), endpoint to client (out) */
	uint64_t bytes[2];   /**< by direction, IP header and payload */
	uint64_t start_tsc;  /**< the flow's creation */
	uint64_t last_tsc;   /**< its last packet (or last state change) */
	rte_be16_t port[4];  /**< as addr, network order */
	uint32_t endpoint;   /**< index in the cluster */
	uint16_t listener;   /**< conf index, valid in generation */
	uint16_t cluster;    /**< conf index, valid in generation */
	uint16_t generation; /**< of the configuration the flow was opened in */
	uint8_t family;      /**< AF_INET or AF_INET6 */
	uint8_t proto;       /**< IPPROTO_TCP or IPPROTO_UDP */
	uint8_t state;       /**< enum mp_flow_state at the end */
	uint8_t reason;      /**< enum mp_alog_reason */
};

/** One record: a header and a type's body, MP_ALOG_REC_SIZE bytes. */
struct mp_alog_rec {
	uint64_t tsc;    /**< when it was made (TSC of the worker's loop) */
	uint16_t type;   /**< enum mp_alog_type */
	uint16_t worker; /**< the producing worker */
	uint32_t pad;
	union {
		struct mp_alog_l4 l4;
		uint8_t raw[MP_ALOG_REC_SIZE - 16];
	};
};

_Static_assert(sizeof(struct mp_alog_rec) == MP_ALOG_REC_SIZE, "record size is the ring's");

/**
 * Create a worker's record ring: size records exactly (a power of two), one producer, one
 * consumer. Control path; NULL with rte_errno set.
 */
static inline struct rte_ring *
mp_alog_ring_create(unsigned int worker, unsigned int size, int socket_id)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "mp_alog_%u", worker);
	return rte_ring_create_elem(name, sizeof(struct mp_alog_rec), size, socket_id,
	                            RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
}

/**
 * Hand a record to the control thread, or drop and count it when the ring is full. Never
 * blocks. Data path (the ring's only producer).
 */
static inline void
mp_alog_put(struct rte_ring *r, struct mp_counters *cnt, const struct mp_alog_rec *rec)
{
	if (unlikely(rte_ring_sp_enqueue_elem(r, (void *)(uintptr_t)rec, sizeof(*rec)) != 0))
		mp_count_event(cnt, MP_EV_ALOG_DROPPED);
	else
		mp_count_event(cnt, MP_EV_ALOG_QUEUED);
}

#endif /* MP_ALOG_H */
