/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Snapshots: what the workers read that the control thread replaces (routes, local addresses,
 * the L4 configuration). A new snapshot is published with one pointer store; the old one is
 * freed after every worker has passed a quiescent state (RCU). Reloads build a new generation
 * from the re-read config file; health changes derive one that shares all but the rebuilt
 * cluster tables. Control thread only. The HTTP route tables ride along when a listener serves
 * HTTP.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "meshpath.h"

static struct mp_snapshot *
snapshot_alloc(void)
{
	return calloc(1, sizeof(struct mp_snapshot));
}

/* A snapshot's conf, with the route tables' block it owns. */
static void
snapshot_conf_free(struct mp_conf *conf)
{
	mp_conf_release(conf);
	free(conf);
}

static void
snapshot_http_free(struct mp_snapshot *s)
{
	unsigned int i;

	for (i = 0; s->http_tables != NULL && i < s->n_http_tables; i++)
		mp_route_table_free(s->http_tables[i]);
	free(s->http_tables);
	for (i = 0; i < s->n_route_scratch; i++)
		mp_route_scratch_free(s->route_scratch[i]);
	free(s->route_scratch);
}

unsigned int
mp_snapshot_http_check(const struct mp_conf *conf, const struct mp_regex_ops *ops, FILE *err,
                       struct mp_route_l7_table **out)
{
	unsigned int i, failed = 0;

	for (i = 0; conf->http != NULL && i < conf->http->n_tables; i++) {
		struct mp_route_l7_table *t = mp_route_table_build(conf, i, ops, err);

		if (t == NULL)
			failed++;
		if (out != NULL)
			out[i] = t;
		else
			mp_route_table_free(t);
	}
	return failed;
}

/*
 * The HTTP route tables when a listener serves HTTP, and a scratch per worker that fits all of
 * them. Nothing matches requests yet (the HTTP proxy comes later): building them here makes a
 * reload refuse a table that does not compile, and sizes what the workers will need.
 */
static int
snapshot_http_build(struct meshpath *mp, struct mp_snapshot *s)
{
	const struct mp_conf *conf = s->conf;
	unsigned int i, w;
	bool http = false;

	for (i = 0; i < conf->n_listeners; i++)
		http |= conf->listeners[i].service == MP_SVC_HTTP;
	if (!http || conf->http == NULL)
		return 0;
	s->http_tables = calloc(conf->http->n_tables, sizeof(*s->http_tables));
	s->route_scratch = calloc(mp->n_workers, sizeof(*s->route_scratch));
	if (s->http_tables == NULL || s->route_scratch == NULL)
		return -ENOMEM;
	s->n_http_tables = conf->http->n_tables;
	s->n_route_scratch = mp->n_workers;
	if (mp_snapshot_http_check(conf, mp->regex, stderr, s->http_tables) != 0)
		return -EINVAL;
	for (w = 0; w < mp->n_workers; w++) {
		s->route_scratch[w] = mp_route_scratch_alloc(mp->regex);
		if (s->route_scratch[w] == NULL)
			return -ENOMEM;
		for (i = 0; i < s->n_http_tables; i++)
			if (mp_route_scratch_fit(s->route_scratch[w], s->http_tables[i]) < 0)
				return -ENOMEM;
	}
	return 0;
}

void
mp_snapshot_free(struct mp_snapshot *s)
{
	if (s == NULL)
		return;
	mp_l4_config_free(s->l4);
	mp_local_free(s->local);
	mp_route_free(s->routes);
	snapshot_http_free(s);
	free(s->health);
	snapshot_conf_free(s->conf);
	free(s);
}

/* Free what old holds that new does not share. */
static void
snapshot_retire(struct mp_snapshot *old, const struct mp_snapshot *new)
{
	if (old->l4 != new->l4)
		mp_l4_config_retire(old->l4, new->l4);
	if (old->local != new->local)
		mp_local_free(old->local);
	if (old->routes != new->routes)
		mp_route_free(old->routes);
	if (old->health != new->health)
		free(old->health);
	if (old->http_tables != new->http_tables)
		snapshot_http_free(old);
	if (old->conf != new->conf)
		snapshot_conf_free(old->conf);
	free(old);
}

static void
snapshot_stats(struct meshpath *mp, const struct mp_snapshot *s)
{
	mp->stats.conf = s->conf;
	mp->stats.l4 = s->l4;
	mp->stats.ep_up = s->health->up;
}

/* Publish next, wait until no worker can see the old snapshot, free what it no longer shares. */
static void
snapshot_publish(struct meshpath *mp, struct mp_snapshot *next)
{
	struct mp_snapshot *old = mp->snap;

	/* A new snapshot may be allocated where a freed one was: workers compare serials. */
	next->serial = old->serial + 1;
	pthread_mutex_lock(&mp->lock);
	__atomic_store_n(&mp->snap, next, __ATOMIC_RELEASE);
	/* Telemetry sees the generation and the snapshot change together (under the lock): a
	 * client that waits for the generation then reads the new clusters, never the old ones. */
	mp->generation = next->l4->generation;
	snapshot_stats(mp, next);
	pthread_mutex_unlock(&mp->lock);
	rte_rcu_qsbr_synchronize(mp->rcu, RTE_QSBR_THRID_INVALID);
	snapshot_retire(old, next);
}

/* Routes, local addresses, health and L4 generation `generation` for conf; conf is taken over. */
static struct mp_snapshot *
snapshot_build(struct meshpath *mp, struct mp_conf *conf, const struct mp_l4_health *prev,
               uint16_t generation)
{
	int socket = (int)rte_socket_id();
	struct mp_snapshot *s = snapshot_alloc();

	if (s == NULL) {
		snapshot_conf_free(conf);
		return NULL;
	}
	s->conf = conf;
	s->health = malloc(sizeof(*s->health));
	if (s->health == NULL)
		goto fail;
	mp_l4_health_init(s->health, conf);
	if (prev != NULL)
		mp_l4_health_carry(s->health, prev);
	s->routes = mp_route_build(conf, mp->ifaces, mp->n_ports, socket);
	if (s->routes == NULL)
		goto fail;
	s->local = mp_local_build(conf, mp->ifaces, mp->n_ports, socket);
	if (s->local == NULL)
		goto fail;
	s->l4 = mp_l4_config_build(conf, s->health->up, mp->n_workers, generation, socket);
	if (s->l4 == NULL)
		goto fail;
	if (snapshot_http_build(mp, s) < 0)
		goto fail;
	return s;
fail:
	mp_snapshot_free(s);
	return NULL;
}

int
mp_snapshot_first(struct meshpath *mp)
{
	struct mp_conf *conf = malloc(sizeof(*conf));

	if (conf == NULL)
		return -ENOMEM;
	*conf = *mp->conf;
	/* The snapshot's copy owns the route tables' block from now on. */
	mp->conf->http = NULL;
	mp->generation = 1;
	mp->snap = snapshot_build(mp, conf, NULL, 1);
	if (mp->snap == NULL)
		return -EINVAL;
	mp->snap->serial = 1;
	snapshot_stats(mp, mp->snap);
	MP_LOG(INFO, "%u routes, %u listeners, %u clusters, %u HTTP route tables",
	       mp_route_count(mp->snap->routes), mp_l4_listeners_count(mp->snap->l4->listeners),
	       mp->snap->l4->n_clusters, mp->snap->n_http_tables);
	return 0;
}

/*
 * The listeners meshpath serves itself (HTTP, echo, discard), in order: every worker's TCP stack
 * listens on them from the start.
 */
static bool
snapshot_services_same(const struct mp_conf *a, const struct mp_conf *b)
{
	unsigned int i = 0, j = 0;

	for (;; i++, j++) {
		const struct mp_conf_listener *x, *y;

		while (i < a->n_listeners && !mp_conf_listener_self_served(&a->listeners[i]))
			i++;
		while (j < b->n_listeners && !mp_conf_listener_self_served(&b->listeners[j]))
			j++;
		if (i == a->n_listeners || j == b->n_listeners)
			return i == a->n_listeners && j == b->n_listeners;
		x = &a->listeners[i];
		y = &b->listeners[j];
		if (x->service != y->service || x->port != y->port || x->routes != y->routes ||
		    x->port_last != y->port_last || memcmp(&x->vip, &y->vip, sizeof(x->vip)) != 0)
			return false;
	}
}

/*
 * What a reload may change: routes, listeners, clusters. The rest is fixed at start (EAL,
 * workers, ports and their addresses, memory, flow tables, the TCP stack and the listeners it
 * serves): name the first section that differs.
 */
static const char *
snapshot_incompatible(const struct mp_conf *a, const struct mp_conf *b)
{
	if (a->eal_argc != b->eal_argc ||
	    memcmp(a->eal_argv, b->eal_argv, sizeof(a->eal_argv)) != 0)
		return "eal";
	if (a->main_lcore != b->main_lcore || a->main_cpu != b->main_cpu ||
	    a->n_workers != b->n_workers ||
	    memcmp(a->worker_lcores, b->worker_lcores, sizeof(a->worker_lcores)) != 0 ||
	    memcmp(a->worker_cpus, b->worker_cpus, sizeof(a->worker_cpus)) != 0 ||
	    a->burst != b->burst)
		return "workers";
	if (a->mbufs != b->mbufs || a->mbuf_cache != b->mbuf_cache)
		return "mempool";
	if (a->ring_size != b->ring_size || a->steer_ring_size != b->steer_ring_size)
		return "rings";
	if (a->neigh_entries != b->neigh_entries || a->neigh_queue != b->neigh_queue ||
	    a->neigh_reach_ms != b->neigh_reach_ms || a->neigh_retrans_ms != b->neigh_retrans_ms ||
	    a->neigh_probes != b->neigh_probes)
		return "neighbour";
	if (a->n_ports != b->n_ports || memcmp(a->ports, b->ports, sizeof(a->ports)) != 0)
		return "ports";
	if (a->max_flows != b->max_flows || a->tcp_syn_ms != b->tcp_syn_ms ||
	    a->tcp_established_ms != b->tcp_established_ms || a->tcp_fin_ms != b->tcp_fin_ms ||
	    a->tcp_close_ms != b->tcp_close_ms || a->udp_ms != b->udp_ms ||
	    a->connect_fail_ms != b->connect_fail_ms || a->tcp_mss_clamp != b->tcp_mss_clamp)
		return "flows";
	if (a->admin_port != b->admin_port ||
	    memcmp(&a->admin_addr, &b->admin_addr, sizeof(a->admin_addr)) != 0)
		return "admin";
	if (strcmp(a->alog_path, b->alog_path) != 0 || a->alog_ring_size != b->alog_ring_size ||
	    a->alog_l4 != b->alog_l4 || a->alog_http != b->alog_http)
		return "access_log";
	if (memcmp(&a->tcp, &b->tcp, sizeof(a->tcp)) != 0)
		return "tcp";
	if (memcmp(&a->proxy, &b->proxy, sizeof(a->proxy)) != 0)
		return "http";
	if (!snapshot_services_same(a, b))
		return "listeners (the echo and discard ones)";
	return NULL;
}

void
mp_snapshot_reload(struct meshpath *mp)
{
	const struct mp_conf *cur = mp->snap->conf;
	struct mp_snapshot *next;
	struct mp_conf *conf;
	const char *what;
	int errors;

	conf = calloc(1, sizeof(*conf));
	if (conf == NULL) {
		mp->reload_failures++;
		return;
	}
	errors = mp_conf_load(cur->path, conf, stderr);
	if (errors != 0) {
		MP_LOG(ERR,
		       "reload of %s refused: %d error%s (above); still running the previous "
		       "configuration",
		       cur->path, errors, errors == 1 ? "" : "s");
		goto refuse;
	}
	what = snapshot_incompatible(cur, conf);
	if (what != NULL) {
		MP_LOG(ERR,
		       "reload of %s refused: section '%s' changed, and it is fixed at start; "
		       "restart meshpath to apply it (a reload changes routes, listeners and "
		       "clusters)",
		       cur->path, what);
		goto refuse;
	}
	next = snapshot_build(mp, conf, mp->snap->health, (uint16_t)(mp->generation + 1));
	if (next == NULL) {
		MP_LOG(ERR,
		       "reload of %s refused: cannot build its tables; still running the "
		       "previous configuration",
		       cur->path);
		mp->reload_failures++;
		return;
	}
	snapshot_publish(mp, next);
	mp->reloads++;
	MP_LOG(NOTICE, "reloaded %s (generation %u): %u listeners, %u clusters", next->conf->path,
	       mp->generation, mp_l4_listeners_count(next->l4->listeners), next->l4->n_clusters);
	return;
refuse:
	snapshot_conf_free(conf);
	mp->reload_failures++;
}

void
mp_snapshot_health(struct meshpath *mp)
{
	struct mp_snapshot *cur = mp->snap, *next;
	struct mp_l4_config *l4;

	l4 = mp_l4_health_update(cur->health, cur->l4, (int)rte_socket_id());
	if (l4 == NULL)
		return;
	next = snapshot_alloc();
	if (next == NULL) {
		mp_l4_config_retire(l4, cur->l4);
		return;
	}
	*next = *cur;
	next->l4 = l4;
	snapshot_publish(mp, next);
}
