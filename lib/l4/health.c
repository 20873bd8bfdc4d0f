/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Endpoint health, control side. Workers count active check results and passive connect
 * outcomes per endpoint (one writer each); the control thread sums them every tick, runs
 * rise/fall, and when an endpoint changes state rebuilds its cluster's table into a new
 * configuration that the caller publishes through RCU. Passive failures only take an endpoint
 * down in clusters with active checks, which are what brings it back.
 */
#include <string.h>

#include <rte_malloc.h>

#include "l4_priv.h"
#include "mp_lb.h"

void
mp_l4_health_init(struct mp_l4_health *h, const struct mp_conf *conf)
{
	memset(h, 0, sizeof(*h));
	h->conf = conf;
	memset(h->up, 1, sizeof(h->up));
}

/* Feed the results since the last tick into rise/fall; true when the state changed. */
static bool
health_account(struct mp_l4_health *h, const struct mp_conf_cluster *cc, unsigned int idx,
               uint64_t ok, uint64_t fail)
{
	uint64_t d_ok = ok - h->seen_ok[idx], d_fail = fail - h->seen_fail[idx];
	bool was = h->up[idx];

	h->seen_ok[idx] = ok;
	h->seen_fail[idx] = fail;
	/* Results of one tick are not ordered: a tick with both counts neither way. */
	if (d_fail != 0 && d_ok == 0) {
		h->ok_run[idx] = 0;
		h->fail_run[idx] += (uint32_t)d_fail;
		if (h->up[idx] && h->fail_run[idx] >= cc->health.fall)
			h->up[idx] = 0;
	} else if (d_ok != 0 && d_fail == 0) {
		h->fail_run[idx] = 0;
		h->ok_run[idx] += (uint32_t)d_ok;
		if (!h->up[idx] && h->ok_run[idx] >= cc->health.rise)
			h->up[idx] = 1;
	}
	return h->up[idx] != was;
}

struct mp_l4_config *
mp_l4_health_update(struct mp_l4_health *h, const struct mp_l4_config *cur, int socket_id)
{
	const struct mp_conf *conf = h->conf;
	bool changed[MP_MAX_CLUSTERS] = {false}, any = false;
	struct mp_l4_config *next;
	char addr[64];
	unsigned int i, j, w;

	for (i = 0; i < conf->n_clusters; i++) {
		const struct mp_conf_cluster *cc = &conf->clusters[i];

		if (!cc->health.enabled)
			continue;
		for (j = 0; j < cc->n_endpoints; j++) {
			unsigned int idx = cc->first_endpoint + j;
			uint64_t ok = 0, fail = 0;

			for (w = 0; w < cur->n_workers; w++) {
				const struct mp_l4_endpoint_stats *s = &cur->ws[w].estats[idx];

				ok += s->probe_ok;
				fail += s->probe_failed + s->connect_failed;
			}
			if (!health_account(h, cc, idx, ok, fail))
				continue;
			mp_conf_addr_str(&conf->endpoints[idx].addr, 0, addr, sizeof(addr));
			MP_LOG(NOTICE, "cluster %s: endpoint %s port %u is %s", cc->name, addr,
			       conf->endpoints[idx].port,
			       h->up[idx] ? "up again" : "down: new flows go to the others");
			changed[i] = any = true;
		}
	}
	if (!any)
		return NULL;
	next = rte_zmalloc_socket("mp_l4_config", sizeof(*next), RTE_CACHE_LINE_SIZE, socket_id);
	if (next == NULL)
		return NULL;
	*next = *cur;
	for (i = 0; i < conf->n_clusters; i++) {
		const struct mp_conf_cluster *cc = &conf->clusters[i];

		if (!changed[i])
			continue;
		if (mp_lb_cluster_build(conf, i, h->up + cc->first_endpoint, socket_id, NULL,
		                        &next->clusters[i]) < 0) {
			/* Out of memory: keep serving with the old table. */
			MP_LOG(ERR, "cluster %s: cannot rebuild its table; health changes wait",
			       cc->name);
			next->clusters[i] = cur->clusters[i];
		} else if (cc->policy == MP_LB_RING_HASH &&
		           mp_lb_ring_build(next->clusters[i], cc->ring_size, socket_id,
		                            &next->rings[i]) < 0) {
			/* Keep the old ring: health changes reach the ring later. */
			next->rings[i] = cur->rings[i];
		}
	}
	return next;
}

void
mp_l4_health_carry(struct mp_l4_health *to, const struct mp_l4_health *from)
{
	const struct mp_conf *a = to->conf, *b = from->conf;
	unsigned int i, j, k, l;

	for (i = 0; i < a->n_clusters; i++) {
		for (k = 0; k < b->n_clusters; k++)
			if (strcmp(a->clusters[i].name, b->clusters[k].name) == 0)
				break;
		if (k == b->n_clusters)
			continue;
		for (j = 0; j < a->clusters[i].n_endpoints; j++) {
			unsigned int x = a->clusters[i].first_endpoint + j;
			const struct mp_conf_endpoint *e = &a->endpoints[x];

			for (l = 0; l < b->clusters[k].n_endpoints; l++) {
				unsigned int y = b->clusters[k].first_endpoint + l;
				const struct mp_conf_endpoint *o = &b->endpoints[y];

				if (e->port == o->port && e->addr.family == o->addr.family &&
				    memcmp(&e->addr, &o->addr, sizeof(e->addr)) == 0) {
					/* Counters restart with the generation: runs carry, seen
					 * not. */
					to->up[x] = from->up[y];
					to->ok_run[x] = from->ok_run[y];
					to->fail_run[x] = from->fail_run[y];
					break;
				}
			}
		}
	}
}
