/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * meshpath L4 connection tracking and NAT for the full-NAT load balancer.
 *
 * One flow table per worker, written and read only by that worker: no locks, no atomics. A flow
 * is one TCP connection or UDP association seen through the load balancer. It is found under two
 * keys, the 5-tuple of its original direction (client -> VIP:port) and the 5-tuple of its reply
 * direction (endpoint -> SNAT address:port); a lookup answers the flow and the direction.
 *
 * The NAT action of a direction is the other direction's tuple reversed, exactly as in Linux
 * conntrack: a packet client -> VIP leaves as SNAT -> endpoint (the reply tuple reversed), a
 * packet endpoint -> SNAT leaves as VIP -> client (the original tuple reversed). So the entry
 * stores the two tuples and nothing else for NAT, and full NAT, DNAT only (SNAT address = client)
 * or SNAT only are all the same code.
 *
 * Every flow holds an armed timer on the worker's timer wheel. Packets only write the flow's
 * last-seen time; the timer, when it fires, compares that against the state's timeout and either
 * re-arms for the remainder or expires the flow (see mp_flow_track()). Memory is allocated in
 * mp_flow_table_create() only: about 300 bytes per flow of capacity (the 256-byte entry, 32 to
 * 64 bytes of index buckets for its two keys, the free list), so 300 MB for a million flows.
 *
 * Data-path functions (marked so) may run on the owning worker only; the others are control path.
 */
#ifndef MP_FLOW_H
#define MP_FLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>

#include "mp_conf.h"
#include "mp_net.h"
#include "mp_timer.h"

/* ---------------------------------------------------------------------------------------- */
/* Keys                                                                                      */

/**
 * A 5-tuple as it appears on the wire. The hash compares whole keys, so build keys with
 * mp_flow_key_set() or mp_flow_key_from_pkt(), which zero the unused address bytes and the pad.
 */
struct mp_flow_key {
	uint8_t src[16];  /**< network order; IPv4 in the first 4 bytes, the rest zero */
	uint8_t dst[16];  /**< same layout as src */
	rte_be16_t sport; /**< network order */
	rte_be16_t dport; /**< network order */
	uint8_t family;   /**< AF_INET or AF_INET6 */
	uint8_t proto;    /**< IPPROTO_TCP or IPPROTO_UDP */
	uint16_t pad;     /**< zero */
} __rte_aligned(8);

/** Bytes of an address of family. */
static inline unsigned int
mp_flow_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/** Build a key; src and dst point to 4 (AF_INET) or 16 (AF_INET6) bytes in network order. */
static inline void
mp_flow_key_set(struct mp_flow_key *k, int family, uint8_t proto, const void *src, const void *dst,
                rte_be16_t sport, rte_be16_t dport)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, src, mp_flow_addr_len(family));
	memcpy(k->dst, dst, mp_flow_addr_len(family));
	k->sport = sport;
	k->dport = dport;
	k->family = (uint8_t)family;
	k->proto = proto;
}

/** The key of the opposite direction: addresses and ports swapped. */
static inline void
mp_flow_key_reverse(struct mp_flow_key *out, const struct mp_flow_key *k)
{
	mp_flow_key_set(out, k->family, k->proto, k->dst, k->src, k->dport, k->sport);
}

/**
 * The key of a parsed TCP or UDP packet. False for anything else, fragments included: their
 * ports are not known (the caller drops them). Data-path safe.
 */
static inline bool
mp_flow_key_from_pkt(struct mp_flow_key *k, const uint8_t *p, const struct mp_pkt_info *pi)
{
	const uint8_t *l3 = p + pi->l3_off;
	const uint8_t *l4 = p + pi->l4_off;
	rte_be16_t ports[2];

	if ((pi->l4_proto != IPPROTO_TCP && pi->l4_proto != IPPROTO_UDP) || pi->l4_len == 0 ||
	    (pi->flags & MP_PKT_F_FRAG))
		return false;
	/* TCP and UDP both start with the source and destination ports. */
	memcpy(ports, l4, sizeof(ports));
	if (pi->l3 == MP_L3_IPV4)
		mp_flow_key_set(k, AF_INET, pi->l4_proto,
		                l3 + offsetof(struct rte_ipv4_hdr, src_addr),
		                l3 + offsetof(struct rte_ipv4_hdr, dst_addr), ports[0], ports[1]);
	else if (pi->l3 == MP_L3_IPV6)
		mp_flow_key_set(k, AF_INET6, pi->l4_proto,
		                l3 + offsetof(struct rte_ipv6_hdr, src_addr),
		                l3 + offsetof(struct rte_ipv6_hdr, dst_addr), ports[0], ports[1]);
	else
		return false;
	return true;
}

/* ---------------------------------------------------------------------------------------- */
/* Flows                                                                                     */

/** Direction of a packet relative to its flow. */
enum mp_flow_dir {
	MP_FLOW_DIR_ORIG = 0,  /**< as the flow was created: client -> VIP */
	MP_FLOW_DIR_REPLY = 1, /**< back: endpoint -> SNAT address */
};

/** Index into mp_flow.addr[] and mp_flow.port[]: tuple of direction d is [2d] -> [2d + 1]. */
enum mp_flow_end {
	MP_FLOW_ORIG_SRC = 0,  /**< client */
	MP_FLOW_ORIG_DST = 1,  /**< VIP */
	MP_FLOW_REPLY_SRC = 2, /**< endpoint */
	MP_FLOW_REPLY_DST = 3, /**< SNAT address */
};

/**
 * Connection state, in the spirit of Linux/IPVS conntrack as a middlebox sees it. TCP uses
 * NONE..CLOSE; UDP flows are always MP_FLOW_S_UDP. Each state maps to one timeout.
 */
enum mp_flow_state {
	MP_FLOW_S_NONE = 0,    /**< TCP created, no segment tracked yet (syn timeout) */
	MP_FLOW_S_SYN_SENT,    /**< client SYN seen (syn timeout; connect_fail applies) */
	MP_FLOW_S_SYN_RECV,    /**< endpoint SYN-ACK seen (syn timeout) */
	MP_FLOW_S_ESTABLISHED, /**< handshake complete, no FIN (established timeout) */
	MP_FLOW_S_FIN_WAIT,    /**< one side sent FIN, not acknowledged yet (fin timeout) */
	MP_FLOW_S_CLOSE_WAIT,  /**< one FIN acknowledged, the other side still open (fin timeout) */
	MP_FLOW_S_LAST_ACK,    /**< FINs both ways, waiting for the last ACK (fin timeout) */
	MP_FLOW_S_TIME_WAIT,   /**< both FINs acknowledged (close timeout) */
	MP_FLOW_S_CLOSE,       /**< RST seen (close timeout) */
	MP_FLOW_S_UDP,         /**< UDP: every packet refreshes (udp timeout) */
	MP_FLOW_S_MAX,
};

/** Per-direction TCP flags in mp_flow.tcp[]: what that side has sent. */
#define MP_FLOW_TCP_SYN       (1u << 0) /**< sent a SYN; seq_end is right after it */
#define MP_FLOW_TCP_FIN       (1u << 1) /**< sent a FIN; seq_end is right after it */
#define MP_FLOW_TCP_FIN_ACKED (1u << 2) /**< its FIN was acknowledged by the other side */
#define MP_FLOW_TCP_RST       (1u << 3) /**< sent a RST */

/** mp_flow.flags */
#define MP_FLOW_F_USED        (1u << 0) /**< entry holds a flow (walks skip free entries) */
#define MP_FLOW_F_HEALTH_DONE (1u << 1) /**< this handshake's health event was reported */
#define MP_FLOW_F_MIDSTREAM   (1u << 2) /**< TCP picked up without its SYN */

/**
 * A tracked flow: 256 bytes, four cache lines. The first holds all that a packet of an IPv4 flow
 * reads and writes (its lookup, tracking, counters and NAT), the second the addresses of IPv6
 * flows, the third what only the timer, create and the caller's bookkeeping touch, the fourth
 * the high halves of the counters. A packet of an IPv4 flow costs one cache line, of an IPv6
 * flow two: at a million flows each line is a miss to DRAM.
 *
 * The caller owns endpoint, listener, cluster and user (set them after mp_flow_create(), read
 * them in the callbacks); everything else belongs to the table and is read-only outside it.
 * Addresses and counters are read through mp_flow_addr(), mp_flow_pkts() and mp_flow_bytes().
 */
struct mp_flow {
	/* Line 0: per packet (the caller's indexes too: its per-packet counters need them). */
	uint64_t last_tsc;    /**< last packet that refreshed the timeout, or the state's entry */
	uint32_t endpoint;    /**< caller's: endpoint index */
	uint16_t listener;    /**< caller's: listener index */
	uint16_t cluster;     /**< caller's: cluster index */
	uint16_t pkts_lo[2];  /**< by direction, low 16 bits */
	uint16_t nat_ck[2];   /**< IPv4: see flow_nat_deltas() (lib/flow/nat.c) */
	uint32_t bytes_lo[2]; /**< by direction, low 32 bits; IP header and payload */
	rte_be16_t port[4];   /**< by enum mp_flow_end, network order */
	uint8_t family;       /**< AF_INET or AF_INET6 */
	uint8_t proto;        /**< IPPROTO_TCP or IPPROTO_UDP */
	uint8_t state;        /**< enum mp_flow_state */
	uint8_t flags;        /**< MP_FLOW_F_* */
	uint8_t tcp[2];       /**< by direction, MP_FLOW_TCP_* */
	uint16_t user;        /**< caller's (e.g. which SNAT pool the port came from) */
	uint8_t addr4[4][4];  /**< IPv4 flows: by enum mp_flow_end */

	/* Line 1: IPv6 flows' addresses. */
	uint8_t addr6[4][16]; /**< by enum mp_flow_end */

	/* Line 2: timer and bookkeeping. */
	struct mp_timer timer;
	struct mp_flow_table *table;
	uint32_t seq_end[2]; /**< by direction: sequence number after its last SYN or FIN */
	uint64_t armed_tsc;  /**< deadline the timer is armed for */
	uint64_t created_tsc;

	/* Line 3: the counters' high parts, written once in 64 Ki packets or 4 GiB. */
	uint32_t pkts_hi[2]; /**< the packet counts above their low 16 bits (48 bits in all) */
	uint32_t bytes_hi[2];
} __rte_cache_aligned;

/** Address end (enum mp_flow_end) of f: 4 or 16 bytes by its family, network order. */
static inline const uint8_t *
mp_flow_addr(const struct mp_flow *f, unsigned int end)
{
	return f->family == AF_INET ? f->addr4[end] : f->addr6[end];
}

/** Source address of direction dir as it arrives (before NAT). */
static inline const uint8_t *
mp_flow_src(const struct mp_flow *f, unsigned int dir)
{
	return mp_flow_addr(f, 2 * dir);
}

/** Destination address of direction dir as it arrives (before NAT). */
static inline const uint8_t *
mp_flow_dst(const struct mp_flow *f, unsigned int dir)
{
	return mp_flow_addr(f, 2 * dir + 1);
}

/** Packets of direction dir so far. */
static inline uint64_t
mp_flow_pkts(const struct mp_flow *f, unsigned int dir)
{
	return (uint64_t)f->pkts_hi[dir] << 16 | f->pkts_lo[dir];
}

/** Bytes (IP header and payload) of direction dir so far. */
static inline uint64_t
mp_flow_bytes(const struct mp_flow *f, unsigned int dir)
{
	return (uint64_t)f->bytes_hi[dir] << 32 | f->bytes_lo[dir];
}

/** The key a packet of direction dir arrives with. */
static inline void
mp_flow_key_of(const struct mp_flow *f, unsigned int dir, struct mp_flow_key *k)
{
	mp_flow_key_set(k, f->family, f->proto, mp_flow_src(f, dir), mp_flow_dst(f, dir),
	                f->port[2 * dir], f->port[2 * dir + 1]);
}

/** Passive health events about the endpoint, at most one per handshake. */
enum mp_flow_event {
	MP_FLOW_EV_NONE = 0,
	MP_FLOW_EV_CONNECT_OK,      /**< handshake completed through the endpoint */
	MP_FLOW_EV_CONNECT_RST,     /**< the endpoint reset the connection during the handshake */
	MP_FLOW_EV_CONNECT_TIMEOUT, /**< the endpoint did not answer the SYN in connect_fail */
};

/* MP_FLOW_STAT(symbol, "name in stats"): every event the table counts, declared once. */
#define MP_FLOW_STAT_LIST(MP_FLOW_STAT)                                \
	MP_FLOW_STAT(CREATED, "flows_created")                         \
	MP_FLOW_STAT(FULL, "flow_table_full")                          \
	MP_FLOW_STAT(CHAIN_FULL, "flow_hash_chain_full")               \
	MP_FLOW_STAT(COLLISION, "flow_key_collision")                  \
	MP_FLOW_STAT(INVALID, "flow_create_invalid")                   \
	MP_FLOW_STAT(DESTROYED, "flows_destroyed")                     \
	MP_FLOW_STAT(EXPIRED, "flows_expired")                         \
	MP_FLOW_STAT(REARMED, "flow_timers_rearmed")                   \
	MP_FLOW_STAT(LOOKUPS, "flow_lookups")                          \
	MP_FLOW_STAT(HITS, "flow_lookup_hits")                         \
	MP_FLOW_STAT(CONNECT_OK, "flow_connect_ok")                    \
	MP_FLOW_STAT(CONNECT_RST, "flow_connect_refused")              \
	MP_FLOW_STAT(CONNECT_TIMEOUT, "flow_connect_timeout")          \
	MP_FLOW_STAT(MIDSTREAM, "flow_tcp_midstream_pickup")           \
	MP_FLOW_STAT(REOPENED, "flow_tcp_reopened")                    \
	MP_FLOW_STAT(HANDSHAKE_BAD, "flow_tcp_handshake_ack_mismatch") \
	MP_FLOW_STAT(MSS_CLAMPED, "flow_mss_clamped")                  \
	MP_FLOW_STAT(NAT_FAILED, "flow_nat_not_rewritable")

enum mp_flow_stat {
#define MP_FLOW_STAT_ENUM(sym, name) MP_FLOW_STAT_##sym,
	MP_FLOW_STAT_LIST(MP_FLOW_STAT_ENUM)
#undef MP_FLOW_STAT_ENUM
	        MP_FLOW_STAT_MAX,
};

/** Name of a counter as it appears in stats, or "?" when out of range. */
const char *
mp_flow_stat_name(enum mp_flow_stat s);

/* ---------------------------------------------------------------------------------------- */
/* The table                                                                                 */

struct mp_flow_table;

/**
 * Called by the timer when f expires, before its entry is freed: release what the caller holds
 * for it (the SNAT port, the endpoint's connection count). Must not destroy f.
 */
typedef void (*mp_flow_expire_fn)(struct mp_flow *f, void *arg);

/**
 * Called by the timer for MP_FLOW_EV_CONNECT_TIMEOUT (the only event no packet carries); the
 * others are returned by mp_flow_track(). Must not destroy f.
 */
typedef void (*mp_flow_event_fn)(struct mp_flow *f, enum mp_flow_event ev, void *arg);

struct mp_flow_params {
	const char *name;             /**< unique name, for messages */
	int socket_id;                /**< NUMA socket for all memory, or SOCKET_ID_ANY */
	uint32_t max_flows;           /**< capacity; the hash holds 2 keys per flow */
	struct mp_timer_wheel *wheel; /**< the owning worker's wheel */
	uint64_t syn_tsc;             /**< NONE, SYN_SENT, SYN_RECV */
	uint64_t established_tsc;     /**< ESTABLISHED: idle time */
	uint64_t fin_tsc;             /**< FIN_WAIT, CLOSE_WAIT, LAST_ACK */
	uint64_t close_tsc;           /**< TIME_WAIT, CLOSE */
	uint64_t udp_tsc;             /**< UDP: idle time */
	uint64_t connect_fail_tsc;    /**< SYN_SENT this long = CONNECT_TIMEOUT; capped at syn */
	uint16_t mss_clamp;           /**< mp_flow_nat() clamps SYN MSS options to it; 0 off */
	mp_flow_expire_fn on_expire;  /**< may be NULL */
	mp_flow_event_fn on_event;    /**< may be NULL */
	void *arg;                    /**< passed to both callbacks */
};

/**
 * Fill p: the limits and timeouts from the config's `flows` group (milliseconds to TSC cycles at
 * tsc_hz), every other field zero. The caller then sets name, socket_id, wheel and callbacks.
 */
void
mp_flow_params_from_conf(struct mp_flow_params *p, const struct mp_conf *conf, uint64_t tsc_hz);

/**
 * Create a table: the entries, the hash and the free list, all allocated here. Control path.
 * @return NULL with rte_errno set (EINVAL for bad params, ENOMEM, EEXIST for a name clash)
 */
struct mp_flow_table *
mp_flow_table_create(const struct mp_flow_params *params);

/**
 * Free a table. Armed timers are cancelled (so free the table before its wheel) and no callback
 * runs: the caller releases what it holds for the flows (walk them first if it must). Control
 * path, with the worker stopped.
 */
void
mp_flow_table_free(struct mp_flow_table *t);

/**
 * Create a flow under both keys, in state NONE (TCP) or UDP, its timer armed. The keys must be
 * of the same family and protocol (TCP or UDP) and differ. The caller sets endpoint, listener,
 * cluster and user. Data-path safe.
 *
 * @param orig   the key the client's packets arrive with (client -> VIP)
 * @param reply  the key the endpoint's packets arrive with (endpoint -> SNAT address)
 * @return the flow, or NULL with rte_errno ENOSPC (table full), EEXIST (a key is already
 *         tracked: pick another SNAT port) or EINVAL; each is counted
 */
struct mp_flow *
mp_flow_create(struct mp_flow_table *t, const struct mp_flow_key *orig,
               const struct mp_flow_key *reply, uint64_t now);

/** Remove f now: cancel its timer, remove both keys. No callback runs. Data-path safe. */
void
mp_flow_destroy(struct mp_flow_table *t, struct mp_flow *f);

/**
 * Look up n keys (any n; in rounds of RTE_HASH_LOOKUP_BULK_MAX). out[i] is the flow or NULL,
 * dir[i] the direction key i matched (0 on a miss). Hits are prefetched for the caller's next
 * step. Data-path safe.
 * @return the number of hits
 */
unsigned int
mp_flow_lookup_bulk(struct mp_flow_table *t, const struct mp_flow_key *keys[], unsigned int n,
                    struct mp_flow **out, uint8_t *dir);

/**
 * An IPv4 TCP or UDP packet's tuple as it lies in the packet, for mp_flow_lookup4_bulk(): no key
 * is built. The same flow as the key of mp_flow_key_from_pkt().
 */
struct mp_flow_tuple4 {
	uint64_t addrs; /**< 8 bytes from the IPv4 source address: source, then destination */
	uint32_t ports; /**< 4 bytes from the TCP or UDP header: source, then destination port */
	uint8_t proto;  /**< IPPROTO_TCP or IPPROTO_UDP */
};

/** The tuple of an IPv4 packet whose header is at l3 and TCP or UDP header (proto) at l4. */
static inline void
mp_flow_tuple4_from_pkt(struct mp_flow_tuple4 *tu, const uint8_t *l3, const uint8_t *l4,
                        uint8_t proto)
{
	memcpy(&tu->addrs, l3 + offsetof(struct rte_ipv4_hdr, src_addr), sizeof(tu->addrs));
	memcpy(&tu->ports, l4, sizeof(tu->ports));
	tu->proto = proto;
}

/**
 * mp_flow_lookup_bulk() for IPv4 tuples taken straight from the packets. Data-path safe.
 * @return the number of hits
 */
unsigned int
mp_flow_lookup4_bulk(struct mp_flow_table *t, const struct mp_flow_tuple4 *tu, unsigned int n,
                     struct mp_flow **out, uint8_t *dir);

/**
 * mp_flow_track()'s common case, for a caller that has the packet's facts at hand: in a UDP
 * flow, or an established TCP flow for a segment without SYN, FIN or RST, the packet (len bytes
 * of IP header and payload) is counted and the idle timeout refreshed: true. Anything else
 * leaves f untouched for mp_flow_track(): false. Data-path safe.
 * @param tcp_flags  the TCP header's flags byte; 0 for UDP
 */
bool
mp_flow_refresh(struct mp_flow *f, unsigned int dir, uint8_t tcp_flags, uint32_t len, uint64_t now);

/**
 * Account one packet of f in direction dir and run the TCP state machine on it. p/pi is the
 * packet before NAT. Counts packets and bytes, refreshes the idle timeout (a write of now; the
 * timer catches up lazily when it fires), and re-arms the timer at once only when a state change
 * shortens the deadline. In SYN_SENT nothing refreshes: the handshake timeout and the connect
 * failure run from the first SYN. Data-path safe.
 *
 * @return MP_FLOW_EV_CONNECT_OK or _CONNECT_RST when this segment decided the handshake, else
 *         MP_FLOW_EV_NONE (CONNECT_TIMEOUT comes through params.on_event)
 */
enum mp_flow_event
mp_flow_track(struct mp_flow_table *t, struct mp_flow *f, unsigned int dir, const uint8_t *p,
              const struct mp_pkt_info *pi, uint64_t now);

/** Flows in the table. One writer; other threads may read it (the value may lag). */
uint32_t
mp_flow_count(const struct mp_flow_table *t);

/** Counters by enum mp_flow_stat; one writer, so other threads may read them (values may lag). */
const uint64_t *
mp_flow_stats(const struct mp_flow_table *t);

/**
 * Call fn for every flow (order unspecified); stops early when fn returns non-zero. fn may
 * destroy the flow it is given. Owning worker only (or while it is stopped).
 */
void
mp_flow_walk(struct mp_flow_table *t, int (*fn)(struct mp_flow *f, void *arg), void *arg);

/* ---------------------------------------------------------------------------------------- */
/* NAT                                                                                       */

/** What a packet becomes: new addresses and ports, all in network order. */
struct mp_flow_nat {
	uint8_t src[16]; /**< IPv4 in the first 4 bytes */
	uint8_t dst[16];
	rte_be16_t sport;
	rte_be16_t dport;
};

/** The NAT of direction dir: the other direction's tuple reversed. */
static inline void
mp_flow_nat_of(const struct mp_flow *f, unsigned int dir, struct mp_flow_nat *a)
{
	unsigned int o = 2 * (1 - dir);

	memset(a, 0, sizeof(*a));
	memcpy(a->src, mp_flow_addr(f, o + 1), mp_flow_addr_len(f->family));
	memcpy(a->dst, mp_flow_addr(f, o), mp_flow_addr_len(f->family));
	a->sport = f->port[o + 1];
	a->dport = f->port[o];
}

/**
 * Rewrite the addresses and ports of a parsed IPv4/IPv6 TCP/UDP packet in place, updating the
 * IPv4 header checksum and the L4 checksum incrementally (RFC 1624, pseudo-header included).
 * UDP over IPv4 with checksum 0 keeps 0. The result equals a full recompute whenever the input
 * checksums were right. Data-path safe.
 * @return false, packet untouched, when it is not unfragmented TCP or UDP
 */
bool
mp_flow_nat_rewrite(uint8_t *p, const struct mp_pkt_info *pi, const struct mp_flow_nat *a);

/**
 * Apply f's NAT for direction dir to the packet (as mp_flow_nat_rewrite()) and clamp the MSS of
 * a SYN or SYN-ACK to params.mss_clamp when set. Data-path safe.
 * @return false when the packet is not rewritable (counted; the caller drops it)
 */
bool
mp_flow_nat(struct mp_flow_table *t, const struct mp_flow *f, unsigned int dir, uint8_t *p,
            const struct mp_pkt_info *pi);

/**
 * mp_flow_nat() for the packets mp_flow_refresh() took: IPv4 TCP or UDP (proto), no SYN, so
 * nothing to clamp; l3 and l4 are its IPv4 and TCP/UDP headers, which the caller parsed. Rewrites
 * the same bytes as mp_flow_nat() would. Data-path safe.
 */
void
mp_flow_nat4(const struct mp_flow *f, unsigned int dir, uint8_t *l3, uint8_t *l4, uint8_t proto);

/**
 * Lower the MSS option of a TCP SYN or SYN-ACK to mss when it is larger, updating the TCP
 * checksum incrementally. Options are walked bounds-checked; a malformed list is left alone.
 * Data-path safe.
 * @return true when the option was changed
 */
bool
mp_flow_mss_clamp(uint8_t *p, const struct mp_pkt_info *pi, uint16_t mss);

/**
 * The flow key of an ICMP/ICMPv6 error (destination unreachable including fragmentation needed
 * and packet too big, time exceeded, parameter problem) that quotes a TCP/UDP packet: the
 * quoted tuple reversed, which is the key of the direction the error travels in. Look it up as
 * any key, then translate with mp_flow_nat_icmp() and that direction's NAT. Data-path safe.
 * @return false when p is not such an error or the quote is too short (8 bytes of L4 needed)
 */
bool
mp_flow_icmp_key(const uint8_t *p, const struct mp_pkt_info *pi, struct mp_flow_key *k);

/**
 * Translate an ICMP error found with mp_flow_icmp_key(): the outer addresses become a's, the
 * quoted packet gets a's reverse (its source a->dst:dport, its destination a->src:sport), with
 * its IPv4 header checksum and, when the quote holds it, its L4 checksum updated incrementally.
 * The outer IPv4 header and the ICMP checksums are then recomputed. Data-path safe (but not
 * optimised: errors are rare).
 * @return false, packet untouched, when mp_flow_icmp_key() would have returned false
 */
bool
mp_flow_nat_icmp(uint8_t *p, const struct mp_pkt_info *pi, const struct mp_flow_nat *a);

#endif /* MP_FLOW_H */
