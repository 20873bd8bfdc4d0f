/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * meshpath network layer: header parsing, checksums, the neighbour table (ARP/NDP), ICMP
 * and routes.
 *
 * Parsers are pure functions over a byte buffer: they bounds-check before every read, never
 * write, and answer with a drop reason (MP_DROP_NONE on success). They are data-path safe.
 */
#ifndef MP_NET_H
#define MP_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "mp_base.h"
#include "mp_drop.h"

/* ---------------------------------------------------------------------------------------- */
/* Parsing                                                                                   */

/** Most VLAN tags accepted in front of the payload (802.1Q and 802.1ad stacked). */
#define MP_NET_VLAN_MAX    2
/** Most IPv6 extension headers walked before the packet is dropped as MP_DROP_IP6_EXT_LIMIT. */
#define MP_NET_IP6_EXT_MAX 8

enum mp_l3 {
	MP_L3_NONE = 0,
	MP_L3_ARP,
	MP_L3_IPV4,
	MP_L3_IPV6,
};

#define MP_PKT_F_VLAN       (1u << 0) /**< at least one VLAN tag; vlan_tci is the outermost */
#define MP_PKT_F_FRAG       (1u << 1) /**< IP fragment: l4_proto/l4_off set, L4 not parsed */
#define MP_PKT_F_FRAG_FIRST (1u << 2) /**< fragment at offset 0 */
#define MP_PKT_F_IP4_OPTS   (1u << 3) /**< IPv4 header carries options */
#define MP_PKT_F_IP6_EXT    (1u << 4) /**< IPv6 header followed by extension headers */
#define MP_PKT_F_L2_BCAST   (1u << 5) /**< destination MAC is broadcast */
#define MP_PKT_F_L2_MCAST   (1u << 6) /**< destination MAC is multicast (not broadcast) */

/** What the parser found. Offsets are from the start of the frame. */
struct mp_pkt_info {
	uint32_t pkt_len;   /**< bytes that belong to the packet: l3_off + IP length (no padding) */
	uint16_t ethertype; /**< host order, after any VLAN tags */
	uint16_t vlan_tci;  /**< host order, outermost tag; valid with MP_PKT_F_VLAN */
	uint16_t l3_off;    /**< start of ARP/IPv4/IPv6 (= L2 header length) */
	uint16_t l3_len;    /**< IPv4 header with options; IPv6 fixed header + extension headers */
	uint16_t l4_off;    /**< start of TCP/UDP/ICMP (l3_off + l3_len) */
	uint16_t l4_len;    /**< L4 header: TCP with options, UDP 8, ICMP/ICMPv6 4 */
	uint16_t flags;     /**< MP_PKT_F_* */
	uint8_t l3;         /**< enum mp_l3 */
	uint8_t l4_proto;   /**< IPPROTO_TCP/UDP/ICMP/ICMPV6/...; final next header for IPv6 */
	uint16_t frag_ext_off; /**< IPv6: offset of the fragment header, 0 when none */
	uint8_t local;         /**< enum mp_local_kind of the destination: set by mp_net_input() */
};

/**
 * Parse an Ethernet frame down to its L4 header.
 *
 * Walks Ethernet, up to MP_NET_VLAN_MAX VLAN tags, then ARP (fixed Ethernet/IPv4 format),
 * IPv4 (IHL, total length, options TLVs, fragment flags) or IPv6 (payload length, extension
 * chain bounded by MP_NET_IP6_EXT_MAX, Hop-by-Hop only first), then the TCP, UDP, ICMP or
 * ICMPv6 header. Fragments are flagged and their L4 header is not parsed. Other IP protocols
 * parse successfully with l4_len 0. Checksums are not checked here (see mp_cksum_verify()).
 *
 * @param p    first byte of the frame
 * @param len  bytes readable from p
 * @param pi   filled on success; unspecified on failure
 * @return MP_DROP_NONE, or the reason to drop the frame
 */
enum mp_drop
mp_parse_frame(const uint8_t *p, uint32_t len, struct mp_pkt_info *pi);

/**
 * mp_parse_frame() without its one-pass path for TCP and UDP over untagged IPv4: the walk alone,
 * which must answer the same for every frame (what the unit tests compare). Data-path safe.
 */
enum mp_drop
mp_parse_frame_walk(const uint8_t *p, uint32_t len, struct mp_pkt_info *pi);

/* ---------------------------------------------------------------------------------------- */
/* Checksums (RFC 1071 ones' complement; pseudo-headers of RFC 768/793/8200)               */

/**
 * Verify the IPv4 header checksum and the L4 checksum (TCP, UDP, ICMP, ICMPv6) of a frame
 * that mp_parse_frame() accepted. UDP over IPv4 with checksum 0 is accepted (none sent);
 * UDP over IPv6 with checksum 0 is not (RFC 8200 8.1). Fragments: only the IPv4 header.
 *
 * @param skip_l3  the device already verified the IPv4 header checksum
 * @param skip_l4  the device already verified the L4 checksum
 * @return MP_DROP_NONE, MP_DROP_IP4_CSUM or MP_DROP_L4_CSUM
 */
enum mp_drop
mp_cksum_verify(const uint8_t *p, const struct mp_pkt_info *pi, bool skip_l3, bool skip_l4);

/** Write the IPv4 header checksum (when IPv4) and the L4 checksum of a parsed frame. */
void
mp_cksum_fill(uint8_t *p, const struct mp_pkt_info *pi);

/** Ones' complement sum of the pseudo-header for an L4 segment of l4_bytes, folded to 16 bits
 * but not complemented, so callers can keep adding to it. */
uint32_t
mp_cksum_pseudo(const uint8_t *p, const struct mp_pkt_info *pi, uint32_t l4_bytes);

/* ---------------------------------------------------------------------------------------- */
/* Neighbour table (ARP for IPv4, NDP for IPv6)                                              */
/*                                                                                           */
/* One table per worker, written only by its worker: no locks. Entries are keyed by          */
/* (family, port, address). A packet whose next hop is unresolved is held in a bounded       */
/* per-entry queue; the caller sends the solicitation when told to, and releases the held    */
/* packets when the answer is learned. The table never frees or reads an mbuf: it only       */
/* stores the pointers and hands them back, so the caller counts every drop.                 */

struct mp_neigh_table;

struct mp_neigh_key {
	uint8_t addr[16]; /**< IPv4 in the first 4 bytes (network order), rest zero */
	uint16_t port;    /**< meshpath port index */
	uint8_t family;   /**< AF_INET or AF_INET6 */
	uint8_t pad;      /**< zero */
};

struct mp_neigh_params {
	const char *name;       /**< unique name for the underlying DPDK objects */
	int socket_id;          /**< NUMA socket for the memory, or SOCKET_ID_ANY */
	uint32_t entries;       /**< capacity */
	uint32_t queue_len;     /**< packets held per unresolved entry */
	uint64_t reachable_tsc; /**< an entry stays REACHABLE this long after confirmation */
	uint64_t retrans_tsc;   /**< time between solicitations */
	uint32_t max_probes;    /**< solicitations sent before an entry is given up */
};

enum mp_neigh_state {
	MP_NEIGH_INCOMPLETE, /**< solicitation sent, no answer yet; packets may be held */
	MP_NEIGH_REACHABLE,  /**< confirmed within reachable_tsc */
	MP_NEIGH_STALE,      /**< not confirmed recently; still used while being re-probed */
};

enum mp_neigh_verdict {
	MP_NEIGH_OK,         /**< mac filled in: send the packet now */
	MP_NEIGH_HELD,       /**< packet held until the neighbour answers */
	MP_NEIGH_QUEUE_FULL, /**< not held: caller drops it as MP_DROP_NEIGH_QUEUE_FULL */
	MP_NEIGH_TABLE_FULL, /**< not held: caller drops it as MP_DROP_NEIGH_TABLE_FULL */
};

/** Neighbour events, one writer (the owning worker). */
struct mp_neigh_stats {
	uint64_t created;    /**< entries created (by resolve or learn) */
	uint64_t learned;    /**< confirmations received (learn calls that hit or created) */
	uint64_t resolved;   /**< INCOMPLETE entries that became REACHABLE */
	uint64_t probes;     /**< solicitations the caller was asked to send */
	uint64_t stale;      /**< REACHABLE entries that aged to STALE */
	uint64_t expired;    /**< entries removed after aging out */
	uint64_t unresolved; /**< INCOMPLETE entries given up after max_probes */
	uint64_t released;   /**< held packets handed back for sending */
	uint64_t dropped;    /**< held packets handed back for dropping */
};

/** Information about one entry, for dumps. */
struct mp_neigh_info {
	struct mp_neigh_key key;
	struct rte_ether_addr mac; /**< zero while INCOMPLETE */
	enum mp_neigh_state state;
	uint64_t updated_tsc; /**< last confirmation (or creation while INCOMPLETE) */
	uint32_t held;        /**< packets currently held */
	uint32_t probes;      /**< solicitations sent since the last confirmation */
};

/** Create a table. Control path. Returns NULL with rte_errno set on failure. */
struct mp_neigh_table *
mp_neigh_create(const struct mp_neigh_params *params);

/** Free a table; any held packet pointers are handed to drop(m, arg) first. Control path. */
void
mp_neigh_free(struct mp_neigh_table *t, void (*drop)(struct rte_mbuf *m, void *arg), void *arg);

/**
 * Find the MAC address for a next hop, holding the packet if it is not known yet.
 *
 * On a miss an INCOMPLETE entry is created, m is held and *probe is set: the caller sends a
 * solicitation now. Later misses on the same entry hold m without asking for a probe (the
 * retransmission is paced by mp_neigh_expire()). A STALE entry answers MP_NEIGH_OK and sets
 * *probe at most once per retrans_tsc, so a used entry is refreshed before it expires.
 * Data-path safe.
 *
 * @param m      the packet to hold on a miss; may be NULL to only look up
 * @param mac    filled on MP_NEIGH_OK
 * @param probe  set to true when the caller should send a solicitation, false otherwise
 */
enum mp_neigh_verdict
mp_neigh_resolve(struct mp_neigh_table *t, const struct mp_neigh_key *k, uint64_t now,
                 struct rte_mbuf *m, struct rte_ether_addr *mac, bool *probe);

/**
 * Record that k is at mac (from an ARP packet, a neighbour advertisement or a solicitation's
 * source link-layer option). The entry becomes REACHABLE; with create false an absent entry is
 * not added (unsolicited traffic must not fill the table). Held packets are moved to out[] in
 * the order they arrived; the caller sends them to mac. Data-path safe.
 *
 * @param out  room for queue_len pointers
 * @return number of packets written to out (0 when none were held or k was not added)
 */
unsigned int
mp_neigh_learn(struct mp_neigh_table *t, const struct mp_neigh_key *k,
               const struct rte_ether_addr *mac, uint64_t now, bool create, struct rte_mbuf **out);

/**
 * Age entries: INCOMPLETE past retrans_tsc asks for another probe (probe(k, arg)) until
 * max_probes have gone, then is removed and its held packets go to drop(m, arg); REACHABLE
 * past reachable_tsc becomes STALE; STALE past another reachable_tsc is removed. Visits at
 * most budget entries per call, continuing where the previous call stopped, so a worker can
 * call it every loop at a bounded cost. Data-path safe.
 */
void
mp_neigh_expire(struct mp_neigh_table *t, uint64_t now, unsigned int budget,
                void (*probe)(const struct mp_neigh_key *k, void *arg),
                void (*drop)(struct rte_mbuf *m, void *arg), void *arg);

/**
 * Look up an entry without side effects. Returns false when absent. Only on the owning worker
 * (or while it is stopped): the index is not safe for concurrent readers.
 */
bool
mp_neigh_get(const struct mp_neigh_table *t, const struct mp_neigh_key *k,
             struct mp_neigh_info *info);

/** Call fn for every entry (order unspecified); stops early when fn returns non-zero. */
void
mp_neigh_walk(const struct mp_neigh_table *t, int (*fn)(const struct mp_neigh_info *i, void *arg),
              void *arg);

/** Number of entries in use. A plain counter: other threads may read it (value may lag). */
unsigned int
mp_neigh_count(const struct mp_neigh_table *t);

/** The table's event counters; one writer, so other threads may read them (values may lag). */
const struct mp_neigh_stats *
mp_neigh_stats(const struct mp_neigh_table *t);

/** Build a key. addr points to 4 (AF_INET) or 16 (AF_INET6) bytes in network order. */
static inline void
mp_neigh_key_make(struct mp_neigh_key *k, int family, uint16_t port, const void *addr)
{
	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)family;
	k->port = port;
	memcpy(k->addr, addr, family == AF_INET ? 4 : 16);
}

/* ---------------------------------------------------------------------------------------- */
/* RSS: predicting the queue a device's Toeplitz hash sends a packet to                      */

#define MP_NET_RSS_KEY_MAX  64  /**< longest hash key kept (devices use 40 or 52 bytes) */
#define MP_NET_RSS_RETA_MAX 512 /**< largest redirection table kept */

/** A port's RSS as the device was configured: read-only on the data path. */
struct mp_net_rss {
	bool known;         /**< key and table are what the device uses; false: unpredictable */
	bool l4;            /**< TCP and UDP ports are part of the hashed input */
	uint16_t key_len;   /**< bytes of key */
	uint16_t reta_size; /**< entries in reta, a power of two */
	uint8_t key[MP_NET_RSS_KEY_MAX];
	uint16_t reta[MP_NET_RSS_RETA_MAX]; /**< queue by the hash's low bits */
	uint32_t dport_win4[16]; /**< hash contribution of each destination-port bit, IPv4 */
	uint32_t dport_win6[16]; /**< the same for IPv6 */
};

/** Toeplitz hash of len input bytes under key (Microsoft RSS; bits past the key read 0). */
uint32_t
mp_net_toeplitz(const uint8_t *key, uint32_t key_len, const uint8_t *in, uint32_t len);

/**
 * Record a device's RSS key and redirection table. known stays false (nothing is predicted)
 * when the key is too long or the table size is not a power of two up to MP_NET_RSS_RETA_MAX.
 * @param l4  the device hashes TCP/UDP ports for IPv4 and IPv6 (else addresses only)
 */
void
mp_net_rss_init(struct mp_net_rss *r, const uint8_t *key, uint16_t key_len, const uint16_t *reta,
                uint16_t reta_size, bool l4);

/** The hash the device computes for a TCP/UDP packet (addresses and ports network order). */
uint32_t
mp_net_rss_hash(const struct mp_net_rss *r, int family, const uint8_t *src, const uint8_t *dst,
                rte_be16_t sport, rte_be16_t dport);

/** The queue the device delivers that packet to. r->known must be true. */
uint16_t
mp_net_rss_queue(const struct mp_net_rss *r, int family, const uint8_t *src, const uint8_t *dst,
                 rte_be16_t sport, rte_be16_t dport);

/**
 * Choose the destination port of packets src:sport -> dst:PORT (the replies of a connection
 * meshpath opens from dst:PORT) so that the device delivers them to queue, and so that PORT %
 * n_workers == worker (the software steering rule, which then agrees). Candidates from
 * min_port up are tried in order from position start, at most tries of them. Data-path safe:
 * 16 XORs per candidate after one hash.
 * @return the port (host order), or 0 when none was found or r cannot predict ports
 */
uint16_t
mp_net_rss_pick_dport(const struct mp_net_rss *r, int family, const uint8_t *src,
                      const uint8_t *dst, rte_be16_t sport, uint16_t queue, uint16_t n_workers,
                      uint16_t worker, uint16_t min_port, uint32_t start, uint32_t tries);

/* ---------------------------------------------------------------------------------------- */
/* Interfaces: the L3 view of a port                                                        */

struct mp_conf;
struct mp_conf_port;
struct mp_counters;
struct rte_eth_dev_tx_buffer;
struct rte_ring;

/** An own address; addr in network order (IPv4 in the first 4 bytes). */
struct mp_net_addr {
	uint8_t family;
	uint8_t prefix;
	uint8_t addr[16];
};

/** Read-only on the data path once built. */
struct mp_net_iface {
	uint16_t port_id; /**< ethdev port id for rx/tx */
	uint16_t mtu;
	struct rte_ether_addr mac;
	bool rx_ip_csum; /**< the device verifies IPv4 header checksums (trust its mbuf flags) */
	bool rx_l4_csum; /**< the device verifies TCP/UDP checksums */
	uint8_t n_addrs;
	const struct mp_net_rss *rss; /**< the device's RSS; NULL when it spreads nothing */
	/** the configured addresses, then the IPv6 link-local address derived from mac */
	struct mp_net_addr addrs[MP_MAX_PORT_ADDRS + 1];
	/** Set by the control thread while it restarts the device (a memif client that lost its
	 * server): the workers neither poll it nor send on it. The one field that changes while
	 * workers run: read it with mp_net_iface_paused(). */
	bool paused;
};

/** Whether the workers must leave ifc's device alone (struct mp_net_iface's paused). */
static inline bool
mp_net_iface_paused(const struct mp_net_iface *ifc)
{
	return __atomic_load_n(&ifc->paused, __ATOMIC_ACQUIRE);
}

/** Build the interface view of config port c running on ethdev port_id. Control path. */
void
mp_net_iface_init(struct mp_net_iface *ifc, const struct mp_conf_port *c, uint16_t port_id,
                  const struct rte_ether_addr *mac, uint16_t mtu, bool rx_ip_csum, bool rx_l4_csum);

/** The own address on ifc that a packet to dst (same family) should come from, or NULL. */
const struct mp_net_addr *
mp_net_iface_source(const struct mp_net_iface *ifc, int family, const uint8_t *dst);

/** True when addr lies inside prefix p (same family). */
bool
mp_net_addr_in_prefix(const struct mp_net_addr *p, int family, const uint8_t *addr);

/* ---------------------------------------------------------------------------------------- */
/* Routes: connected prefixes of every port plus static routes, in rte_fib / rte_fib6       */

#define MP_NH_NONE 0 /**< next-hop id meaning "no route" */

struct mp_nexthop {
	uint16_t port;   /**< egress meshpath port index */
	uint8_t family;  /**< AF_INET or AF_INET6 */
	uint8_t gateway; /**< 1: send to addr; 0: on-link, the destination is the next hop */
	uint8_t addr[16];
};

struct mp_route_table;

/**
 * Build the FIBs: a connected route for every port address prefix and every configured static
 * route (a gateway without a port is resolved to the port whose prefix contains it). Control
 * path. Returns NULL after logging the reason.
 */
struct mp_route_table *
mp_route_build(const struct mp_conf *conf, const struct mp_net_iface *ifaces, unsigned int n,
               int socket_id);

void
mp_route_free(struct mp_route_table *rt);

/** Longest-prefix match; NULL when no route. dst in network order. Data-path safe. */
const struct mp_nexthop *
mp_route_lookup4(const struct mp_route_table *rt, uint32_t dst);

/** Longest-prefix match for IPv6; NULL when no route. Data-path safe. */
const struct mp_nexthop *
mp_route_lookup6(const struct mp_route_table *rt, const uint8_t dst[16]);

/** Number of routes installed (connected + static), for the start-up log. */
unsigned int
mp_route_count(const struct mp_route_table *rt);

/* ---------------------------------------------------------------------------------------- */
/* Local addresses: what meshpath answers for, and on which port                             */

enum mp_local_kind {
	MP_LOCAL_NONE = 0,
	MP_LOCAL_HOST,  /**< a port's own address (link-local included): ping, ARP/NDP */
	MP_LOCAL_VIP,   /**< a listener's virtual IP: the L4 stage */
	MP_LOCAL_SNAT,  /**< a cluster's source-NAT address: replies for the L4 stage */
	MP_LOCAL_GROUP, /**< an IPv6 multicast group joined on a port (all-nodes, solicited-node) */
};

/** Port value of addresses that belong to the node rather than to one port. */
#define MP_LOCAL_ANY_PORT UINT16_MAX

struct mp_local_entry {
	uint8_t family;
	uint8_t kind;  /**< enum mp_local_kind */
	uint16_t port; /**< port answering ARP/NDP for it (the port whose subnet holds it) */
	uint8_t addr[16];
};

struct mp_local_table;

/**
 * Build the table from the ports (their addresses, link-local and NDP groups) and the config's
 * listeners and clusters (VIPs and SNAT addresses, each on the port whose connected prefix holds
 * it). Control path; read-only afterwards. NULL after logging the reason.
 */
struct mp_local_table *
mp_local_build(const struct mp_conf *conf, const struct mp_net_iface *ifaces, unsigned int n_ports,
               int socket_id);

void
mp_local_free(struct mp_local_table *t);

/**
 * What addr is to meshpath when it arrives on port: a node-wide address (global host address,
 * VIP, SNAT) or one scoped to that port (link-local, multicast group). NULL when not local.
 * Data-path safe (read-only table).
 */
const struct mp_local_entry *
mp_local_lookup(const struct mp_local_table *t, int family, const uint8_t *addr, uint16_t port);

/* ---------------------------------------------------------------------------------------- */
/* Per-packet metadata: the parse result travels with the mbuf (a dynfield)                  */

extern int mp_pkt_info_offset;

/** Register the dynfield. Control path, once, before any worker starts. 0 or -rte_errno. */
int
mp_pkt_info_register(void);

/** The parse result of m (valid for packets mp_net_input() hands to the L4 stage). */
static inline struct mp_pkt_info *
mp_pkt_info_of(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, mp_pkt_info_offset, struct mp_pkt_info *);
}

/* ---------------------------------------------------------------------------------------- */
/* The per-worker data path                                                                  */

/** A neighbour update shared between workers (the ARP/NDP answer may reach any queue). */
struct mp_neigh_update {
	struct mp_neigh_key key;
	struct rte_ether_addr mac;
	uint16_t pad;
	uint32_t pad2;
};

/** Per-(worker, port) TX state: the buffer and what its error callback needs to count. */
struct mp_net_txq {
	struct rte_eth_dev_tx_buffer *buf;
	struct mp_counters *cnt;
	uint16_t port;
};

/*
 * Next hops resolved recently, in front of the neighbour table: most packets go to a handful of
 * next hops, and a direct-mapped line is cheaper than a hash lookup. A line is trusted for
 * MP_NET_NH_CACHE_MS at most, so the table still sees every next hop in use (and re-probes the
 * stale ones); a learned MAC clears its line at once.
 */
#define MP_NET_NH_CACHE    16
#define MP_NET_NH_CACHE_MS 100

struct mp_net_nh_cache {
	struct mp_neigh_key key;
	struct rte_ether_addr mac;
	uint64_t until; /**< TSC; 0: empty */
};

/*
 * IPv4 destinations already routed and resolved, in front of the route lookup and the next-hop
 * cache: a burst's packets go to a handful of endpoints or gateways. A line holds while the
 * snapshot it was filled under is the worker's (dst_epoch: a new snapshot, with its routes, or
 * a learned MAC ends the epoch at once) and no longer than the next-hop line it came from.
 */
#define MP_NET_DST_CACHE 64

struct mp_net_dst_cache {
	uint64_t epoch; /**< valid while equal to mp_net_ctx.dst_epoch */
	uint64_t until; /**< TSC: valid before, as the next-hop cache line it was filled from */
	uint32_t addr;  /**< network order */
	uint16_t port;
	struct rte_ether_addr mac;
};

/** Everything one worker's data path reads and writes. One per worker; never shared. */
struct mp_net_ctx {
	uint16_t queue;     /**< this worker's queue on every port */
	uint16_t worker;    /**< worker index */
	uint16_t n_workers; /**< peers that get neighbour updates */
	uint16_t n_ports;
	const struct mp_net_iface *ifaces;   /**< n_ports, shared read-only */
	const struct mp_route_table *routes; /**< shared read-only */
	const struct mp_local_table *local;  /**< shared read-only */
	struct mp_neigh_table *neigh;        /**< this worker's own */
	struct mp_counters *cnt;             /**< this worker's own */
	struct rte_mempool *pool;            /**< for packets meshpath builds (ARP, NDP) */
	struct rte_ring *const *rings;       /**< every worker's update ring, by worker index */
	uint64_t now;                        /**< TSC at the start of this loop iteration */
	uint64_t next_expire;                /**< TSC of the next neighbour aging pass */
	uint64_t expire_period;              /**< TSC between aging passes */
	uint64_t icmp_tsc;                   /**< ICMP error rate limit: last refill */
	uint64_t icmp_tokens;                /**< ICMP errors that may still be sent */
	uint64_t nh_cache_tsc;               /**< how long a next-hop cache line is trusted */
	struct mp_net_txq txq[MP_MAX_PORTS];
	struct mp_net_nh_cache nh_cache[MP_NET_NH_CACHE]; /**< recently resolved next hops */
	/** The last IPv4 destination looked up in `local` (most packets of a burst go to one VIP
	 * or SNAT address); valid while lc_table is the table in use. The worker clears lc_table
	 * when it takes a new snapshot: a freed table's address may be reused after a reload. */
	const struct mp_local_table *lc_table;
	const struct mp_local_entry *lc_entry;
	uint32_t lc_addr;
	uint16_t lc_port;
	/** Bumped by the worker when it takes a new snapshot (and by a learned MAC): what
	 * dst_cache lines were filled under. Starts at 1: a zeroed line is never valid. */
	uint64_t dst_epoch;
	struct mp_net_dst_cache dst_cache[MP_NET_DST_CACHE];
};

/**
 * Set up the TX buffers of a context whose other fields are filled in. Control path.
 * @param burst  packets buffered per port before a TX burst is sent
 */
int
mp_net_ctx_init(struct mp_net_ctx *c, uint32_t burst, int socket_id);

/** Free what mp_net_ctx_init() allocated, dropping any buffered packets. Control path. */
void
mp_net_ctx_fini(struct mp_net_ctx *c);

/**
 * Run a received burst through the network layer: parse, verify checksums, answer ARP/NDP and
 * ICMP echo for own addresses and VIPs, count and free what nobody serves. Packets for a VIP or
 * an SNAT address (other than echo requests), and TCP/UDP for a host address, go to l4[] for the
 * L4 stage, their parse result in mp_pkt_info_of(m) (local set) and padding trimmed. Data path.
 *
 * @param l4  room for n packets
 * @return the number of packets written to l4
 */
uint16_t
mp_net_input(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf **pkts, uint16_t n,
             struct rte_mbuf **l4);

/**
 * Send an IP packet whose data starts at its L3 header: route, resolve the next hop (holding
 * the packet while it resolves), add the Ethernet header and queue it for TX. in_port is the
 * egress port for IPv6 link-local destinations. Consumes m. Data path.
 */
void
mp_net_output(struct mp_net_ctx *c, struct rte_mbuf *m, int family, const uint8_t *dst,
              uint16_t in_port);

/**
 * mp_net_output() for a packet whose data still starts at the frame it arrived in, l3_off bytes
 * before its IP header: an untagged IPv4 frame to a destination sent to earlier in this loop
 * iteration keeps its buffer and gets a new Ethernet header in place; anything else loses the
 * old header and takes mp_net_output(). Consumes m. Data path.
 */
void
mp_net_forward(struct mp_net_ctx *c, struct rte_mbuf *m, uint16_t l3_off, int family,
               const uint8_t *dst, uint16_t in_port);

/** Queue a complete frame for TX on port; counts it. Consumes m. Data path. */
void
mp_net_tx(struct mp_net_ctx *c, uint16_t port, struct rte_mbuf *m);

/** Per-loop housekeeping: neighbour updates from peers, neighbour aging. Data path. */
void
mp_net_poll(struct mp_net_ctx *c);

/** Send every buffered TX packet. Data path. */
void
mp_net_flush(struct mp_net_ctx *c);

/**
 * Refuse a TCP segment or UDP datagram (parse result pi, data still at the Ethernet header):
 * answer a RST or an ICMP port unreachable (rate limited) to its source. The caller counts the
 * reason; a RST is never answered. Consumes m. Data path.
 */
void
mp_net_reject(struct mp_net_ctx *c, struct rte_mbuf *m, const struct mp_pkt_info *pi,
              uint16_t port);

/** Drop m under reason d: count and free. Data path. */
void
mp_net_drop(struct mp_net_ctx *c, struct rte_mbuf *m, enum mp_drop d);

#endif /* MP_NET_H */
