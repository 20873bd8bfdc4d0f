/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Listeners: (protocol, VIP, destination port) -> listener. Built on the control thread from the
 * config, read-only on the data path. A hash on (protocol, VIP) finds the VIP's few port ranges,
 * scanned in order: VIPs carry a handful of listeners, so a scan beats a second table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "l4_priv.h"

struct vip_key {
	uint8_t addr[16];
	uint8_t family;
	uint8_t proto;
	uint16_t pad;
} __rte_aligned(4);

/* The listeners of one (protocol, VIP), sorted by first port. */
struct vip_group {
	uint16_t first; /* index into the listeners array */
	uint16_t n;
};

struct mp_l4_listeners {
	struct rte_hash *hash;
	unsigned int n_groups;
	struct vip_group groups[MP_MAX_LISTENERS];
	unsigned int n;
	struct mp_l4_listener l[MP_MAX_LISTENERS];
};

static unsigned int listeners_seq;

static void
vip_key_make(struct vip_key *k, int family, uint8_t proto, const uint8_t *addr)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, addr, family == AF_INET ? 4 : 16);
	k->family = (uint8_t)family;
	k->proto = proto;
}

static bool
same_vip(const struct mp_l4_listener *a, const struct mp_l4_listener *b)
{
	return a->family == b->family && a->proto == b->proto && memcmp(a->vip, b->vip, 16) == 0;
}

static int
listener_cmp(const void *a, const void *b)
{
	const struct mp_l4_listener *x = a, *y = b;
	int c = (int)x->family - (int)y->family;

	if (c == 0)
		c = (int)x->proto - (int)y->proto;
	if (c == 0)
		c = memcmp(x->vip, y->vip, 16);
	if (c == 0)
		c = (int)x->port_lo - (int)y->port_lo;
	return c;
}

struct mp_l4_listeners *
mp_l4_listeners_build(const struct mp_conf *conf, int socket_id)
{
	struct rte_hash_parameters hp = {0};
	struct mp_l4_listeners *t;
	char name[RTE_HASH_NAMESIZE];
	unsigned int i;

	t = rte_zmalloc_socket("mp_listeners", sizeof(*t), RTE_CACHE_LINE_SIZE, socket_id);
	if (t == NULL)
		return NULL;
	for (i = 0; i < conf->n_listeners; i++) {
		const struct mp_conf_listener *cl = &conf->listeners[i];
		struct mp_l4_listener *l;

		/* HTTP, echo and discard listeners are kept: the L4 stage hands their segments to
		 * the TCP stack (service != MP_SVC_NONE), it does not load balance them. */
		l = &t->l[t->n++];

		l->id = (uint16_t)i;
		l->proto = (uint8_t)cl->proto;
		l->family = cl->vip.family;
		l->port_lo = cl->port;
		l->port_hi = cl->port_last > cl->port ? cl->port_last : cl->port;
		l->cluster = cl->cluster >= 0 ? (uint16_t)cl->cluster : 0;
		l->service = (uint8_t)cl->service;
		memcpy(l->vip, cl->vip.family == AF_INET ? (const void *)&cl->vip.v4 : cl->vip.v6,
		       cl->vip.family == AF_INET ? 4 : 16);
	}
	qsort(t->l, t->n, sizeof(t->l[0]), listener_cmp);

	snprintf(name, sizeof(name), "mp_vips_%u", listeners_seq++);
	hp.name = name;
	hp.entries = RTE_MAX(2 * t->n, 16u);
	hp.key_len = sizeof(struct vip_key);
	hp.hash_func = rte_jhash;
	hp.socket_id = socket_id;
	t->hash = rte_hash_create(&hp);
	if (t->hash == NULL) {
		MP_LOG(ERR, "cannot create the listener table: %s", rte_strerror(rte_errno));
		goto fail;
	}
	/* Sorted, so each (family, protocol, VIP) is one contiguous run: one group each. */
	for (i = 0; i < t->n; i++) {
		const struct mp_l4_listener *l = &t->l[i], *prev = i > 0 ? &t->l[i - 1] : NULL;
		struct vip_key k;

		if (prev == NULL || !same_vip(l, prev)) {
			struct vip_group *g = &t->groups[t->n_groups++];

			g->first = (uint16_t)i;
			vip_key_make(&k, l->family, l->proto, l->vip);
			if (rte_hash_add_key_data(t->hash, &k, g) < 0)
				goto fail;
		}
		t->groups[t->n_groups - 1].n++;
	}
	return t;
fail:
	mp_l4_listeners_free(t);
	return NULL;
}

void
mp_l4_listeners_free(struct mp_l4_listeners *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->hash);
	rte_free(t);
}

unsigned int
mp_l4_listeners_count(const struct mp_l4_listeners *t)
{
	return t->n;
}

const struct mp_l4_listener *
mp_l4_listener_find(const struct mp_l4_listeners *t, int family, uint8_t proto, const uint8_t *vip,
                    uint16_t port)
{
	const struct vip_group *g;
	struct vip_key k;
	void *data;
	uint16_t i;

	vip_key_make(&k, family, proto, vip);
	if (rte_hash_lookup_data(t->hash, &k, &data) < 0)
		return NULL;
	g = data;
	for (i = g->first; i < g->first + g->n; i++)
		if (port >= t->l[i].port_lo && port <= t->l[i].port_hi)
			return &t->l[i];
	return NULL;
}
