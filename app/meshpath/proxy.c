/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP proxy in the process: one lib/proxy context per worker on the worker's TCP stack
 * and wheel, listening on every `http` listener; the snapshot it reads each loop iteration;
 * telemetry /meshpath/http (proxy-wide), /meshpath/http/clusters and /meshpath/http/routes,
 * and the meshpath_http_* Prometheus metrics, summed over the workers.
 */
#include <inttypes.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_telemetry.h>

#include "meshpath.h"
#include "mp_lb.h"
#include "mp_proxy.h"
#include "mp_route.h"

static struct meshpath *proxy_mp; /* for telemetry */

int
mp_app_proxy_setup(struct meshpath *mp, struct mp_worker *w, int socket_id)
{
	/* The first snapshot's copy holds the route tables (mp->conf gave them up). */
	const struct mp_conf *conf = mp->snap != NULL ? mp->snap->conf : mp->conf;
	struct mp_proxy_params p = {0};
	bool http = false;

	proxy_mp = mp;
	for (unsigned int i = 0; i < conf->n_listeners; i++)
		http |= conf->listeners[i].service == MP_SVC_HTTP;
	if (!http)
		return 0;
	p.conf = conf;
	p.tcp = w->tcp;
	p.net = &w->net;
	p.wheel = w->l4.wheel;
	p.hz = rte_get_tsc_hz();
	p.seed = rte_rdtsc() ^ ((uint64_t)w->index << 32);
	p.worker = (uint16_t)w->index;
	p.socket_id = socket_id;
	w->proxy = mp_proxy_create(&p);
	if (w->proxy == NULL) {
		MP_LOG(ERR,
		       "worker %u: cannot create its HTTP proxy for %u downstream and %u upstream "
		       "connections (%s): lower http.max_downstream_connections and "
		       "http.max_upstream_connections or give the EAL more memory",
		       w->index, conf->proxy.max_downstream, conf->proxy.max_upstream,
		       rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < conf->n_listeners; i++) {
		int rc;

		if (conf->listeners[i].service != MP_SVC_HTTP)
			continue;
		rc = mp_proxy_listen(w->proxy, i);
		if (rc < 0) {
			MP_LOG(ERR, "listener \"%s\": %s%s", conf->listeners[i].name,
			       rte_strerror(-rc),
			       rc == -ENOSPC ? ": meshpath serves at most 64 ports itself" : "");
			return rc;
		}
	}
	return 0;
}

void
mp_app_proxy_teardown(struct mp_worker *w)
{
	if (w->proxy != NULL) {
		/* The exit report: this worker's requests, local responses and errors (non-zero).
		 */
		const struct mp_proxy_stats *st = mp_proxy_stats(w->proxy);
		uint64_t requests = 0;

		for (unsigned int c = 0; c < MP_MAX_CLUSTERS; c++)
			requests += st->cluster[c].c[MP_PROXY_C_REQUESTS];
		printf("  http worker %u: forwarded %" PRIu64, w->index, requests);
		for (unsigned int i = 0; i < MP_PROXY_L_MAX; i++)
			if (st->local[i] != 0)
				printf(" %s %" PRIu64,
				       mp_proxy_local_name((enum mp_proxy_lreason)i), st->local[i]);
		for (unsigned int i = 0; i < MP_PROXY_E_MAX; i++)
			if (st->err[i] != 0)
				printf(" %s %" PRIu64, mp_proxy_err_name((enum mp_proxy_err)i),
				       st->err[i]);
		printf("\n");
	}
	mp_proxy_free(w->proxy);
	w->proxy = NULL;
}

void
mp_app_proxy_begin(struct mp_worker *w, const struct mp_snapshot *snap)
{
	struct mp_proxy_view v;

	if (w->proxy == NULL)
		return;
	v.conf = snap->conf;
	v.tables = snap->http_tables;
	v.n_tables = snap->n_http_tables;
	v.scratch = w->index < snap->n_route_scratch ? snap->route_scratch[w->index] : NULL;
	v.clusters = snap->l4->clusters;
	v.lb = snap->l4->ws[w->index].lb;
	v.n_clusters = snap->l4->n_clusters;
	v.generation = snap->l4->generation;
	mp_proxy_begin(w->proxy, &v);
}

/* --- statistics --------------------------------------------------------------------------- */

struct proxy_sum {
	uint64_t local[MP_PROXY_L_MAX];
	uint64_t err[MP_PROXY_E_MAX];
	uint64_t down_active, up_active, up_idle;
};

static void
proxy_sum_wide(struct proxy_sum *s)
{
	*s = (struct proxy_sum){0};
	for (unsigned int w = 0; w < proxy_mp->n_workers; w++) {
		const struct mp_proxy_stats *st;

		if (proxy_mp->workers[w] == NULL || proxy_mp->workers[w]->proxy == NULL)
			continue;
		st = mp_proxy_stats(proxy_mp->workers[w]->proxy);
		for (unsigned int i = 0; i < MP_PROXY_L_MAX; i++)
			s->local[i] += st->local[i];
		for (unsigned int i = 0; i < MP_PROXY_E_MAX; i++)
			s->err[i] += st->err[i];
		s->down_active += st->down_active;
		s->up_active += st->up_active;
		s->up_idle += st->up_idle;
	}
}

/* Counters of cluster c (table < 0) or of route `route` of table `table`, over the workers. */
static void
proxy_sum_counters(int table, unsigned int idx, struct mp_proxy_counters *out)
{
	*out = (struct mp_proxy_counters){0};
	for (unsigned int w = 0; w < proxy_mp->n_workers; w++) {
		const struct mp_proxy_stats *st;
		const struct mp_proxy_counters *c;

		if (proxy_mp->workers[w] == NULL || proxy_mp->workers[w]->proxy == NULL)
			continue;
		st = mp_proxy_stats(proxy_mp->workers[w]->proxy);
		if (table < 0)
			c = &st->cluster[idx];
		else if ((unsigned int)table < st->n_tables && idx < st->n_routes[table])
			c = &st->route[table][idx];
		else
			continue;
		for (unsigned int i = 0; i < MP_PROXY_C_MAX; i++)
			out->c[i] += c->c[i];
	}
}

/* Routes the proxy counts for table t (the same on every worker). */
static unsigned int
proxy_routes(unsigned int t)
{
	for (unsigned int w = 0; w < proxy_mp->n_workers; w++)
		if (proxy_mp->workers[w] != NULL && proxy_mp->workers[w]->proxy != NULL) {
			const struct mp_proxy_stats *st =
			        mp_proxy_stats(proxy_mp->workers[w]->proxy);

			return t < st->n_tables ? st->n_routes[t] : 0;
		}
	return 0;
}

static struct rte_tel_data *
proxy_tel_counters(const struct mp_proxy_counters *c)
{
	struct rte_tel_data *t = rte_tel_data_alloc();

	if (t == NULL)
		return NULL;
	rte_tel_data_start_dict(t);
	for (unsigned int i = 0; i < MP_PROXY_C_MAX; i++)
		rte_tel_data_add_dict_u64(t, mp_proxy_cnt_name((enum mp_proxy_cnt)i), c->c[i]);
	return t;
}

/* /meshpath/http */
static int
proxy_tel(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *t;
	struct proxy_sum s;

	(void)cmd;
	(void)params;
	proxy_sum_wide(&s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "downstream_active", s.down_active);
	rte_tel_data_add_dict_u64(d, "upstream_active", s.up_active);
	rte_tel_data_add_dict_u64(d, "upstream_idle", s.up_idle);
	t = rte_tel_data_alloc();
	if (t != NULL) {
		rte_tel_data_start_dict(t);
		for (unsigned int i = 0; i < MP_PROXY_L_MAX; i++)
			rte_tel_data_add_dict_u64(t, mp_proxy_local_name((enum mp_proxy_lreason)i),
			                          s.local[i]);
		rte_tel_data_add_dict_container(d, "local_responses", t, 0);
	}
	t = rte_tel_data_alloc();
	if (t != NULL) {
		rte_tel_data_start_dict(t);
		for (unsigned int i = 0; i < MP_PROXY_E_MAX; i++)
			rte_tel_data_add_dict_u64(t, mp_proxy_err_name((enum mp_proxy_err)i),
			                          s.err[i]);
		rte_tel_data_add_dict_container(d, "errors", t, 0);
	}
	return 0;
}

/* /meshpath/http/clusters: the counters of every cluster, by name. */
static int
proxy_tel_clusters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct mp_conf *conf;
	char key[MP_NAME_LEN];

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&proxy_mp->lock);
	conf = proxy_mp->snap->conf;
	for (unsigned int c = 0; c < conf->n_clusters; c++) {
		struct mp_proxy_counters sum;
		struct rte_tel_data *t;

		proxy_sum_counters(-1, c, &sum);
		t = proxy_tel_counters(&sum);
		if (t != NULL)
			rte_tel_data_add_dict_container(
			        d, mp_tel_key(conf->clusters[c].name, key, sizeof(key)), t, 0);
	}
	pthread_mutex_unlock(&proxy_mp->lock);
	return 0;
}

/* /meshpath/http/routes: the counters of every route, keyed TABLE/ID (declaration order). */
static int
proxy_tel_routes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct mp_conf *conf;
	char name[MP_NAME_LEN], key[MP_NAME_LEN + 16];

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&proxy_mp->lock);
	conf = proxy_mp->snap->conf;
	for (unsigned int t = 0; conf->http != NULL && t < conf->http->n_tables; t++) {
		unsigned int n = proxy_routes(t);

		for (unsigned int r = 0; r < n; r++) {
			struct mp_proxy_counters sum;
			struct rte_tel_data *td;

			proxy_sum_counters((int)t, r, &sum);
			if (sum.c[MP_PROXY_C_REQUESTS] == 0)
				continue;
			td = proxy_tel_counters(&sum);
			snprintf(key, sizeof(key), "%s/%u",
			         mp_tel_key(conf->http->tables[t].name, name, sizeof(name)), r);
			if (td != NULL)
				rte_tel_data_add_dict_container(d, key, td, 0);
		}
	}
	pthread_mutex_unlock(&proxy_mp->lock);
	return 0;
}

/* The meshpath_http_* metrics (called by mp_stats_prometheus() with the lock held). */
static void
proxy_prom(const struct mp_stats_source *src, FILE *f, void *arg)
{
	const struct mp_conf *conf = src->conf;
	struct proxy_sum s;
	char labels[256];

	(void)arg;
	proxy_sum_wide(&s);
	fprintf(f, "# HELP meshpath_http_local_responses_total HTTP responses meshpath made "
	           "itself, by reason\n# TYPE meshpath_http_local_responses_total counter\n");
	for (unsigned int i = 0; i < MP_PROXY_L_MAX; i++)
		fprintf(f, "meshpath_http_local_responses_total{reason=\"%s\"} %" PRIu64 "\n",
		        mp_proxy_local_name((enum mp_proxy_lreason)i), s.local[i]);
	fprintf(f, "# HELP meshpath_http_errors_total HTTP proxy events and errors, by reason\n"
	           "# TYPE meshpath_http_errors_total counter\n");
	for (unsigned int i = 0; i < MP_PROXY_E_MAX; i++)
		fprintf(f, "meshpath_http_errors_total{reason=\"%s\"} %" PRIu64 "\n",
		        mp_proxy_err_name((enum mp_proxy_err)i), s.err[i]);
	fprintf(f, "# HELP meshpath_http_connections HTTP proxy connections now\n"
	           "# TYPE meshpath_http_connections gauge\n");
	fprintf(f, "meshpath_http_connections{side=\"downstream\"} %" PRIu64 "\n", s.down_active);
	fprintf(f, "meshpath_http_connections{side=\"upstream\"} %" PRIu64 "\n", s.up_active);
	fprintf(f, "meshpath_http_connections{side=\"upstream_idle\"} %" PRIu64 "\n", s.up_idle);
	if (conf == NULL)
		return;
	/* One family per counter, its samples together: per cluster, then per route. */
	for (unsigned int i = 0; i < MP_PROXY_C_MAX; i++) {
		const char *name = mp_proxy_cnt_name((enum mp_proxy_cnt)i);

		fprintf(f,
		        "# HELP meshpath_http_%s_total HTTP proxy %s, per cluster and per route\n"
		        "# TYPE meshpath_http_%s_total counter\n",
		        name, name, name);
		for (unsigned int c = 0; c < conf->n_clusters; c++) {
			struct mp_proxy_counters sum;

			proxy_sum_counters(-1, c, &sum);
			fprintf(f, "meshpath_http_%s_total{cluster=\"%s\"} %" PRIu64 "\n", name,
			        conf->clusters[c].name, sum.c[i]);
		}
		for (unsigned int t = 0; conf->http != NULL && t < conf->http->n_tables; t++) {
			unsigned int n = proxy_routes(t);

			for (unsigned int r = 0; r < n; r++) {
				struct mp_proxy_counters sum;

				proxy_sum_counters((int)t, r, &sum);
				snprintf(labels, sizeof(labels), "table=\"%s\",route=\"%u\"",
				         conf->http->tables[t].name, r);
				fprintf(f, "meshpath_http_%s_total{%s} %" PRIu64 "\n", name, labels,
				        sum.c[i]);
			}
		}
	}
}

int
mp_app_proxy_telemetry(struct meshpath *mp)
{
	int rc;

	proxy_mp = mp;
	mp->stats.prom_more = proxy_prom;
	mp->stats.prom_more_arg = mp;
	rc = rte_telemetry_register_cmd("/meshpath/http", proxy_tel,
	                                "HTTP proxy: connections now, local responses and errors "
	                                "by reason, summed over the workers");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/meshpath/http/clusters", proxy_tel_clusters,
		                                "HTTP proxy: per-cluster requests, responses by "
		                                "class, upstream connections opened and reused, "
		                                "bytes");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/meshpath/http/routes", proxy_tel_routes,
		                                "HTTP proxy: per-route counters (routes that saw "
		                                "requests), keyed TABLE/ID in declaration order");
	return rc;
}
