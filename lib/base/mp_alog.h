/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Access-log records, the data-path half: what a worker hands to the control thread when a
 * connection (an L4 flow) or an HTTP request ends. Each worker has its own ring, one
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
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "mp_counters.h"

/**
 * Bytes of one record, the ring's element size. 512: an HTTP record carries the request's
 * method, Host and target (truncated) and its request id; an L4 record uses less than half.
 */
#define MP_ALOG_REC_SIZE 512

/** Record types. */
enum mp_alog_type {
	MP_ALOG_L4 = 1,   /**< an L4 flow closed */
	MP_ALOG_HTTP = 2, /**< an HTTP request was answered (or abandoned) */
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

/** A timing an HTTP record does not have (no upstream, no response byte). */
#define MP_ALOG_NO_TIME  UINT64_MAX
/** An index an HTTP record does not have (no route, no cluster). */
#define MP_ALOG_NO_INDEX UINT16_MAX

/** Room for the strings of an HTTP record; longer ones are cut and flagged. */
#define MP_ALOG_METHOD_MAX 16
#define MP_ALOG_HOST_MAX   64
#define MP_ALOG_RID_MAX    48
#define MP_ALOG_PATH_MAX   224

/** Flags of an HTTP record. */
#define MP_ALOG_F_HOST_CUT    0x01 /**< host was truncated */
#define MP_ALOG_F_PATH_CUT    0x02 /**< path was truncated */
#define MP_ALOG_F_RID_CUT     0x04 /**< request id was truncated */
#define MP_ALOG_F_METHOD_CUT  0x08 /**< method was truncated */
#define MP_ALOG_F_CLIENT_GONE 0x10 /**< the client closed or reset before the response ended */

/**
 * One HTTP request, as the proxy saw it when it ended. Times are TSC cycles from start_tsc (the
 * loop iteration in which its first byte arrived) to the iteration that did the thing (sends:
 * the end of the iteration, when the packets leave); MP_ALOG_NO_TIME when it did not happen.
 * Strings are bytes as received, not NUL-terminated, cut to their room (flags say which).
 */
struct mp_alog_http {
	uint8_t client[16];   /**< IPv4 in the first 4 bytes */
	uint8_t upstream[16]; /**< the endpoint of the last attempt */
	uint64_t start_tsc;
	uint64_t connect;         /**< upstream connection ready (new or pooled) */
	uint64_t first_byte;      /**< the upstream's first response byte in */
	uint64_t down_first_byte; /**< the first response byte out to the client (local too) */
	uint64_t total;           /**< the response's end (or the request's abandon) */
	uint64_t proxy_request;   /**< the proxy's own time before the first byte out upstream */
	uint64_t proxy_response;  /**< first response byte in to first byte out to the client */
	uint64_t bytes_in;        /**< request head and body from the client */
	uint64_t bytes_out;       /**< response head and body to the client */
	rte_be16_t client_port;
	rte_be16_t upstream_port;
	uint16_t status;     /**< sent to the client; 0: none */
	uint16_t listener;   /**< conf index, valid in generation */
	uint16_t table;      /**< route table (conf->http index), MP_ALOG_NO_INDEX: none */
	uint16_t vhost;      /**< in the table; MP_ALOG_NO_INDEX: none */
	uint16_t route;      /**< route id in the table; MP_ALOG_NO_INDEX: none */
	uint16_t cluster;    /**< conf index; MP_ALOG_NO_INDEX: none */
	uint16_t generation; /**< of the configuration the request was routed in */
	uint8_t client_family;
	uint8_t upstream_family; /**< 0: no upstream (answered by the proxy) */
	uint8_t retries;         /**< attempts after the first */
	uint8_t local;           /**< the proxy answered itself: local reason + 1; 0: no */
	uint8_t error;           /**< the response was cut: upstream failure reason + 1; 0: no */
	uint8_t flags;           /**< MP_ALOG_F_* */
	uint8_t minor;           /**< HTTP/1.minor of the request */
	uint8_t method_len, host_len, path_len, rid_len;
	char method[MP_ALOG_METHOD_MAX];
	char host[MP_ALOG_HOST_MAX];
	char rid[MP_ALOG_RID_MAX];
	char path[MP_ALOG_PATH_MAX];
};

/**
 * Copy n bytes of s into a string field of room cap, cut to cap; *len gets the length kept.
 * Returns flag when cut, else 0. Data-path safe.
 */
static inline uint8_t
mp_alog_str_set(char *dst, uint8_t *len, size_t cap, const void *s, size_t n, uint8_t flag)
{
	size_t k = n < cap ? n : cap;

	memcpy(dst, s, k);
	*len = (uint8_t)k;
	return n > cap ? flag : 0;
}

/** One record: a header and a type's body, MP_ALOG_REC_SIZE bytes. */
struct mp_alog_rec {
	uint64_t tsc;    /**< when it was made (TSC of the worker's loop) */
	uint16_t type;   /**< enum mp_alog_type */
	uint16_t worker; /**< the producing worker */
	uint32_t pad;
	union {
		struct mp_alog_l4 l4;
		struct mp_alog_http http;
		uint8_t raw[MP_ALOG_REC_SIZE - 16];
	};
};

_Static_assert(sizeof(struct mp_alog_rec) == MP_ALOG_REC_SIZE, "record size is the ring's");
_Static_assert(sizeof(struct mp_alog_http) <= MP_ALOG_REC_SIZE - 16, "an HTTP record fits");
_Static_assert(MP_ALOG_PATH_MAX <= UINT8_MAX, "string lengths are bytes");

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
