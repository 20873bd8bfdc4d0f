/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Local addresses: every address meshpath answers for, built once on the control thread and
 * read by all workers. Node-wide addresses (global host addresses, VIPs, SNAT addresses) are
 * keyed with MP_LOCAL_ANY_PORT; link-local addresses and IPv6 multicast groups with their port.
 *
 * Every packet the data path receives asks this table, and it holds a few dozen entries: an
 * open-addressed array at most a quarter full, one multiplicative hash and a 20-byte compare,
 * beats a general hash table here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "mp_conf.h"
#include "net_priv.h"

struct local_key {
	uint8_t addr[16];
	uint16_t port;
	uint8_t family;
	uint8_t pad;
} __rte_aligned(4);

struct local_slot {
	struct local_key key;
	const struct mp_local_entry *entry; /* NULL: empty */
};

struct mp_local_table {
	unsigned int n;
	unsigned int max;
	uint32_t mask; /* slots - 1 */
	struct local_slot *slots;
	struct mp_local_entry entries[];
};

static inline uint32_t
local_hash(const struct local_key *k)
{
	uint32_t w[5];
	uint64_t h;

	memcpy(w, k, sizeof(w));
	h = (uint64_t)(w[0] ^ w[1] ^ w[2]) * 0x9e3779b97f4a7c15ull;
	h ^= (uint64_t)(w[3] ^ w[4]) * 0xc2b2ae3d27d4eb4full;
	return (uint32_t)(h >> 32);
}

static inline bool
local_key_eq(const struct local_key *a, const struct local_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* The slot holding k, or the empty slot where it would go. */
static struct local_slot *
local_slot(const struct mp_local_table *t, const struct local_key *k)
{
	uint32_t i = local_hash(k) & t->mask;

	while (t->slots[i].entry != NULL && !local_key_eq(&t->slots[i].key, k))
		i = (i + 1) & t->mask;
	return &t->slots[i];
}

static void
local_key_make(struct local_key *k, int family, const uint8_t *addr, uint16_t port)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, addr, family == AF_INET ? 4 : 16);
	k->port = port;
	k->family = (uint8_t)family;
}

static bool
local_scoped(int family, const uint8_t *addr)
{
	return family == AF_INET6 && (net_ip6_is_linklocal(addr) || net_ip6_is_multicast(addr));
}

static int
local_add(struct mp_local_table *t, int family, const uint8_t *addr, enum mp_local_kind kind,
          uint16_t port)
{
	struct mp_local_entry *e;
	struct local_slot *slot;
	struct local_key k;

	local_key_make(&k, family, addr, local_scoped(family, addr) ? port : MP_LOCAL_ANY_PORT);
	slot = local_slot(t, &k);
	if (slot->entry != NULL)
		return 0; /* a VIP shared by several listeners, a group joined twice */
	if (t->n == t->max)
		return -ENOSPC;
	e = &t->entries[t->n];
	memset(e, 0, sizeof(*e));
	e->family = (uint8_t)family;
	e->kind = (uint8_t)kind;
	e->port = port;
	memcpy(e->addr, addr, family == AF_INET ? 4 : 16);
	slot->key = k;
	slot->entry = e;
	t->n++;
	return 0;
}

/* An address and, for IPv6, the solicited-node group NDP uses to find it. */
static int
local_add_with_group(struct mp_local_table *t, int family, const uint8_t *addr,
                     enum mp_local_kind kind, uint16_t port)
{
	uint8_t sn[16];
	int rc;

	rc = local_add(t, family, addr, kind, port);
	if (rc == 0 && family == AF_INET6) {
		net_ip6_solicited_node(sn, addr);
		rc = local_add(t, AF_INET6, sn, MP_LOCAL_GROUP, port);
	}
	return rc;
}

/* The port whose connected prefix holds addr (the validator guarantees there is one). */
static int
local_port_of(const struct mp_net_iface *ifaces, unsigned int n, int family, const uint8_t *addr)
{
	unsigned int p, i;

	for (p = 0; p < n; p++)
		for (i = 0; i < ifaces[p].n_addrs; i++)
			if (mp_net_addr_in_prefix(&ifaces[p].addrs[i], family, addr))
				return (int)p;
	return -1;
}

static int
local_add_service(struct mp_local_table *t, const struct mp_net_iface *ifaces, unsigned int n,
                  const struct mp_conf_addr *a, enum mp_local_kind kind)
{
	const uint8_t *addr = a->family == AF_INET ? (const uint8_t *)&a->v4 : a->v6;
	char text[64];
	int port = local_port_of(ifaces, n, a->family, addr);

	if (port < 0) {
		MP_LOG(ERR, "%s %s is on no port's subnet", kind == MP_LOCAL_VIP ? "VIP" : "SNAT",
		       mp_conf_addr_str(a, 0, text, sizeof(text)));
		return -EINVAL;
	}
	return local_add_with_group(t, a->family, addr, kind, (uint16_t)port);
}

struct mp_local_table *
mp_local_build(const struct mp_conf *conf, const struct mp_net_iface *ifaces, unsigned int n_ports,
               int socket_id)
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
	unsigned int max = 8, p, i;
	struct mp_local_table *t;
	uint32_t slots = 16;
	int rc = 0;

	/* Each address may come with its solicited-node group: count both. */
	for (p = 0; p < n_ports; p++)
		max += 2 * ifaces[p].n_addrs + 1;
	max += 2 * conf->n_listeners;
	for (i = 0; i < conf->n_clusters; i++)
		max += 2 * conf->clusters[i].n_snat;

	t = rte_zmalloc_socket("mp_local", sizeof(*t) + max * sizeof(t->entries[0]),
	                       RTE_CACHE_LINE_SIZE, socket_id);
	if (t == NULL)
		return NULL;
	t->max = max;
	while (slots < 4 * max)
		slots <<= 1;
	t->mask = slots - 1;
	t->slots = rte_zmalloc_socket("mp_local_slots", slots * sizeof(*t->slots),
	                              RTE_CACHE_LINE_SIZE, socket_id);
	if (t->slots == NULL) {
		MP_LOG(ERR, "no memory for the local address table");
		goto fail;
	}
	for (p = 0; p < n_ports && rc == 0; p++) {
		for (i = 0; i < ifaces[p].n_addrs && rc == 0; i++)
			rc = local_add_with_group(t, ifaces[p].addrs[i].family,
			                          ifaces[p].addrs[i].addr, MP_LOCAL_HOST,
			                          (uint16_t)p);
		if (rc == 0)
			rc = local_add(t, AF_INET6, all_nodes, MP_LOCAL_GROUP, (uint16_t)p);
	}
	for (i = 0; i < conf->n_listeners && rc == 0; i++)
		rc = local_add_service(t, ifaces, n_ports, &conf->listeners[i].vip, MP_LOCAL_VIP);
	for (i = 0; i < conf->n_clusters && rc == 0; i++)
		for (p = 0; p < conf->clusters[i].n_snat && rc == 0; p++)
			rc = local_add_service(t, ifaces, n_ports, &conf->clusters[i].snat[p],
			                       MP_LOCAL_SNAT);
	if (rc < 0) {
		MP_LOG(ERR, "cannot build the local address table: %s", rte_strerror(-rc));
		goto fail;
	}
	return t;
fail:
	mp_local_free(t);
	return NULL;
}

void
mp_local_free(struct mp_local_table *t)
{
	if (t == NULL)
		return;
	rte_free(t->slots);
	rte_free(t);
}

const struct mp_local_entry *
mp_local_lookup(const struct mp_local_table *t, int family, const uint8_t *addr, uint16_t port)
{
	struct local_key k;

	local_key_make(&k, family, addr, local_scoped(family, addr) ? port : MP_LOCAL_ANY_PORT);
	return local_slot(t, &k)->entry;
}

int mp_pkt_info_offset = -1;

int
mp_pkt_info_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
	        .name = "meshpath_pkt_info",
	        .size = sizeof(struct mp_pkt_info),
	        .align = __alignof__(struct mp_pkt_info),
	};

	mp_pkt_info_offset = rte_mbuf_dynfield_register(&desc);
	return mp_pkt_info_offset < 0 ? -rte_errno : 0;
}
