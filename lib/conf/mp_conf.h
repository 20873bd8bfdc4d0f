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
#include <stdint.h>
#include <stdio.h>

#include "mp_base.h"

#define MP_EAL_ARG_LEN 256

/* Defaults; conf/README.md quotes these. */
#define MP_CONF_DEF_MAIN_LCORE	    0
#define MP_CONF_DEF_BURST	    32
#define MP_CONF_DEF_MBUFS	    8191
#define MP_CONF_DEF_MBUF_CACHE	    256
#define MP_CONF_DEF_RX_DESC	    1024
#define MP_CONF_DEF_TX_DESC	    1024
#define MP_CONF_DEF_MTU		    1500
#define MP_CONF_DEF_RING_SIZE	    1024
#define MP_CONF_DEF_NEIGH_ENTRIES   1024
#define MP_CONF_DEF_NEIGH_QUEUE	    8
#define MP_CONF_DEF_NEIGH_REACH_MS  30000
#define MP_CONF_DEF_NEIGH_RETRANS_MS 1000
#define MP_CONF_DEF_NEIGH_PROBES    3

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
	char name[MP_NAME_LEN];		/**< `name`: unique, used by routes and stats */
	char devargs[MP_DEVARGS_LEN];	/**< `device`: PCI address or vdev string */
	uint16_t mtu;			/**< `mtu`: L3 MTU */
	uint16_t rx_desc;		/**< `rx_desc`: RX ring descriptors per queue */
	uint16_t tx_desc;		/**< `tx_desc`: TX ring descriptors per queue */
	unsigned int n_addrs;
	struct mp_conf_addr addrs[MP_MAX_PORT_ADDRS]; /**< `addresses`: "10.0.0.1/24", "fd00::1/64" */
	int line;			/**< line of the port's group, for later messages */
};

struct mp_conf_route {
	struct mp_conf_addr dst;     /**< `dst`: destination prefix */
	struct mp_conf_addr gateway; /**< `gateway`: next hop; family 0 when on-link via `port` */
	int port;		     /**< `port` (by name) resolved to an index; -1 when not given */
	int line;
};

struct mp_conf {
	char path[PATH_MAX];

	/* eal */
	int eal_argc;
	char eal_argv[MP_MAX_EAL_ARGS][MP_EAL_ARG_LEN]; /**< `eal.args`, in order */

	/* workers */
	unsigned int main_lcore;		    /**< `workers.main_lcore`: control thread */
	unsigned int main_cpu;			    /**< `workers.main_cpu`: defaults to main_lcore */
	unsigned int n_workers;
	unsigned int worker_lcores[MP_MAX_WORKERS]; /**< `workers.lcores` */
	unsigned int worker_cpus[MP_MAX_WORKERS];   /**< `workers.cpus`: defaults to the lcore ids */
	uint32_t burst;				    /**< `workers.burst` */

	/* mempool */
	uint32_t mbufs;	     /**< `mempool.mbufs` */
	uint32_t mbuf_cache; /**< `mempool.cache` */

	/* rings */
	uint32_t ring_size; /**< `rings.size`: per-worker message rings, power of two */

	/* neighbour */
	uint32_t neigh_entries;	   /**< `neighbour.entries`: per worker */
	uint32_t neigh_queue;	   /**< `neighbour.queue`: packets held per unresolved neighbour */
	uint32_t neigh_reach_ms;   /**< `neighbour.reachable_ms` */
	uint32_t neigh_retrans_ms; /**< `neighbour.retrans_ms` */
	uint32_t neigh_probes;	   /**< `neighbour.probes` */

	unsigned int n_ports;
	struct mp_conf_port ports[MP_MAX_PORTS];

	unsigned int n_routes;
	struct mp_conf_route routes[MP_MAX_ROUTES];
};

/** Fill every field with its documented default (no ports, no routes, no workers). */
void
mp_conf_defaults(struct mp_conf *conf);

/**
 * Read and validate a config file.
 *
 * @param path  file to read
 * @param conf  filled on success; contents unspecified on failure
 * @param err   where each error goes, one line each: "PATH:LINE: message"
 * @return 0 when valid, otherwise the number of errors printed (> 0)
 */
int
mp_conf_load(const char *path, struct mp_conf *conf, FILE *err);

/** Format an address as "10.0.0.1/24" or "fd00::1/64" (without "/len" when with_prefix is 0). */
const char *
mp_conf_addr_str(const struct mp_conf_addr *a, int with_prefix, char *buf, size_t len);

#endif /* MP_CONF_H */
