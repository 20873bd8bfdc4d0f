/* SPDX-License-Identifier: BSD-3-Clause */
/* The L4 stage's control side: configuration generations and each worker's context. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "l4_priv.h"
#include "mp_flow.h"
#include "mp_lb.h"
#include "mp_timer.h"

/* Flow timers are kept to the millisecond. */
#define L4_TIMER_TICK_PER_SEC 1000

static void
l4_worker_state_free(struct mp_l4_worker_state *ws, unsigned int n_clusters)
{
	unsigned int i;

	for (i = 0; i < n_clusters; i++) {
		mp_lb_state_free(ws->lb[i]);
		mp_lb_outlier_free(ws->outlier[i]);
	}
	rte_free(ws->lstats);
	rte_free(ws->estats);
	rte_free(ws->probes);
	rte_free(ws->connect);
}

static int
l4_worker_state_init(struct mp_l4_worker_state *ws, const struct mp_l4_config *cfg,
                     unsigned int worker, int socket_id)
{
	unsigned int i;

	ws->lstats = rte_zmalloc_socket("mp_l4_lstats", MP_MAX_LISTENERS * sizeof(*ws->lstats),
	                                RTE_CACHE_LINE_SIZE, socket_id);
	ws->estats = rte_zmalloc_socket("mp_l4_estats", MP_MAX_ENDPOINTS * sizeof(*ws->estats),
	                                RTE_CACHE_LINE_SIZE, socket_id);
	ws->probes = rte_zmalloc_socket("mp_l4_probes", MP_MAX_ENDPOINTS * sizeof(*ws->probes),
	                                RTE_CACHE_LINE_SIZE, socket_id);
	ws->connect = rte_zmalloc_socket("mp_l4_connect",
	                                 RTE_MAX(cfg->n_clusters, 1u) * sizeof(*ws->connect),
	                                 RTE_CACHE_LINE_SIZE, socket_id);
	if (ws->lstats == NULL || ws->estats == NULL || ws->probes == NULL || ws->connect == NULL)
		return -ENOMEM;
	for (i = 0; i < cfg->n_clusters; i++) {
		/* Seeds differ per worker so round robin does not start in lockstep. */
		ws->lb[i] = mp_lb_state_create(cfg->clusters[i], socket_id,
		                               0x9e3779b97f4a7c15ull * (worker + 1) + i);
		if (ws->lb[i] == NULL)
			return -ENOMEM;
		if (cfg->conf->clusters[i].outlier.enabled) {
			struct mp_lb_outlier_params op;

			mp_lb_outlier_params_from_conf(&op, &cfg->conf->clusters[i]);
			ws->outlier[i] = mp_lb_outlier_create(
			        (uint16_t)cfg->conf->clusters[i].n_endpoints, &op, socket_id);
			if (ws->outlier[i] == NULL)
				return -ENOMEM;
		}
	}
	return 0;
}

struct mp_l4_config *
mp_l4_config_build(const struct mp_conf *conf, const uint8_t *up, unsigned int n_workers,
                   uint16_t generation, int socket_id)
{
	struct mp_l4_config *cfg;
	unsigned int i, j;

	cfg = rte_zmalloc_socket("mp_l4_config", sizeof(*cfg), RTE_CACHE_LINE_SIZE, socket_id);
	if (cfg == NULL)
		return NULL;
	cfg->conf = conf;
	cfg->generation = generation;
	cfg->listeners = mp_l4_listeners_build(conf, socket_id);
	if (cfg->listeners == NULL)
		goto fail;
	for (i = 0; i < conf->n_clusters; i++) {
		const struct mp_conf_cluster *cc = &conf->clusters[i];

		if (mp_lb_cluster_build(conf, i, up != NULL ? up + cc->first_endpoint : NULL,
		                        socket_id, NULL, &cfg->clusters[i]) < 0) {
			MP_LOG(ERR, "cluster %s: cannot build its load-balancing table", cc->name);
			goto fail;
		}
		cfg->n_clusters = i + 1;
		if (cc->policy == MP_LB_RING_HASH &&
		    mp_lb_ring_build(cfg->clusters[i], cc->ring_size, socket_id, &cfg->rings[i]) <
		            0) {
			MP_LOG(ERR, "cluster %s: cannot build its hash ring", cc->name);
			goto fail;
		}
		for (j = 0; j < cc->n_snat; j++) {
			struct mp_net_addr *a = &cfg->snat[i][j];

			a->family = cc->snat[j].family;
			memcpy(a->addr,
			       a->family == AF_INET ? (const void *)&cc->snat[j].v4
			                            : cc->snat[j].v6,
			       a->family == AF_INET ? 4 : 16);
		}
		cfg->n_snat[i] = cc->n_snat;
	}
	cfg->ws = rte_zmalloc_socket("mp_l4_ws", n_workers * sizeof(*cfg->ws), RTE_CACHE_LINE_SIZE,
	                             socket_id);
	if (cfg->ws == NULL)
		goto fail;
	cfg->n_workers = n_workers;
	for (i = 0; i < n_workers; i++)
		if (l4_worker_state_init(&cfg->ws[i], cfg, i, socket_id) < 0) {
			MP_LOG(ERR, "no memory for the L4 state of worker %u", i);
			goto fail;
		}
	return cfg;
fail:
	mp_l4_config_free(cfg);
	return NULL;
}

void
mp_l4_config_free(struct mp_l4_config *cfg)
{
	unsigned int i;

	if (cfg == NULL)
		return;
	for (i = 0; cfg->ws != NULL && i < cfg->n_workers; i++)
		l4_worker_state_free(&cfg->ws[i], cfg->n_clusters);
	rte_free(cfg->ws);
	for (i = 0; i < cfg->n_clusters; i++) {
		mp_lb_cluster_free(cfg->clusters[i]);
		mp_lb_ring_free(cfg->rings[i]);
	}
	mp_l4_listeners_free(cfg->listeners);
	rte_free(cfg);
}

void
mp_l4_config_retire(struct mp_l4_config *old, const struct mp_l4_config *new)
{
	unsigned int i;

	if (old->ws != new->ws) {
		for (i = 0; i < old->n_workers; i++)
			l4_worker_state_free(&old->ws[i], old->n_clusters);
		rte_free(old->ws);
	}
	for (i = 0; i < old->n_clusters; i++)
		if (i >= new->n_clusters || old->clusters[i] != new->clusters[i])
			mp_lb_cluster_free(old->clusters[i]);
	for (i = 0; i < old->n_clusters; i++)
		if (i >= new->n_clusters || old->rings[i] != new->rings[i])
			mp_lb_ring_free(old->rings[i]);
	if (old->listeners != new->listeners)
		mp_l4_listeners_free(old->listeners);
	rte_free(old);
}

struct rte_ring *
mp_l4_ring_create(unsigned int worker, unsigned int size, int socket_id)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "mp_steer_%u", worker);
	return rte_ring_create(name, size, socket_id, RING_F_SC_DEQ);
}

int
mp_l4_ctx_init(struct mp_l4_ctx *c, const struct mp_conf *conf, int socket_id)
{
	uint64_t hz = rte_get_tsc_hz();
	struct mp_flow_params fp;
	char name[32];

	c->rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)c->net->worker << 32) ^ rte_rdtsc();
	c->wheel = mp_timer_wheel_create("mp_l4_wheel", socket_id, hz / L4_TIMER_TICK_PER_SEC,
	                                 rte_rdtsc());
	if (c->wheel == NULL)
		return -ENOMEM;
	mp_flow_params_from_conf(&fp, conf, hz);
	snprintf(name, sizeof(name), "mp_flows_%u", c->net->worker);
	fp.name = name;
	fp.socket_id = socket_id;
	fp.wheel = c->wheel;
	fp.on_expire = mp_l4_flow_expired;
	fp.on_event = mp_l4_flow_event;
	fp.arg = c;
	c->flows = mp_flow_table_create(&fp);
	if (c->flows == NULL) {
		MP_LOG(ERR,
		       "worker %u: cannot create a flow table of %u flows (%s): lower flows.max "
		       "or give the EAL more memory",
		       c->net->worker, conf->max_flows, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

void
mp_l4_ctx_fini(struct mp_l4_ctx *c)
{
	mp_flow_table_free(c->flows);
	c->flows = NULL;
	mp_timer_wheel_free(c->wheel);
	c->wheel = NULL;
}
