/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP proxy in the process: one lib/proxy context per worker on the worker's TCP stack
 * and wheel, listening on every `http` listener; the snapshot it reads each loop iteration;
 * telemetry /meshpath/http (proxy-wide), /meshpath/http/clusters and /meshpath/http/routes,
 * and the meshpath_http_* Prometheus metrics, summed over the workers (histograms merged:
 * latency quantiles per route and cluster, the proxy's own time proxy-wide).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_telemetry.h>

#include "meshpath.h"
#include "mp_lb.h"
#include "mp_proxy.h"
#include "mp_proxy_obs.h"
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
	v.outlier = snap->l4->ws[w->index].outlier;
	v.rings = snap->l4->rings;
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

/*
 * Merged histograms: one at a time, 16 KiB, static. Every user holds proxy_mp->lock (the
 * telemetry commands take it, the Prometheus hook runs under it).
 */
static struct mp_proxy_lat proxy_lat;
static struct mp_hist proxy_hop[MP_PROXY_HOP_MAX];

/* Latencies of cluster idx (table < 0) or of route idx of table, merged into proxy_lat. */
static const struct mp_proxy_lat *
proxy_merge_lat(int table, unsigned int idx)
{
	memset(&proxy_lat, 0, sizeof(proxy_lat));
	for (unsigned int w = 0; w < proxy_mp->n_workers; w++) {
		const struct mp_proxy_obs_stats *st;
		const struct mp_proxy_lat *l;

		if (proxy_mp->workers[w] == NULL || proxy_mp->workers[w]->proxy == NULL)
			continue;
		st = mp_proxy_obs_stats(proxy_mp->workers[w]->proxy);
		if (table < 0 && idx < st->n_clusters)
			l = &st->cluster[idx];
		else if (table >= 0 && (unsigned int)table < st->n_tables &&
		         idx < st->n_routes[table])
			l = &st->route[table][idx];
		else
			continue;
		mp_hist_merge(&proxy_lat.total, &l->total);
		mp_hist_merge(&proxy_lat.upstream, &l->upstream);
	}
	return &proxy_lat;
}

/* The hop-cost histograms merged into proxy_hop; requests finished early summed. */
static uint64_t
proxy_merge_hop(void)
{
	uint64_t early = 0;

	memset(proxy_hop, 0, sizeof(proxy_hop));
	for (unsigned int w = 0; w < proxy_mp->n_workers; w++) {
		const struct mp_proxy_obs_stats *st;

		if (proxy_mp->workers[w] == NULL || proxy_mp->workers[w]->proxy == NULL)
			continue;
		st = mp_proxy_obs_stats(proxy_mp->workers[w]->proxy);
		for (unsigned int i = 0; i < MP_PROXY_HOP_MAX; i++)
			mp_hist_merge(&proxy_hop[i], &st->hop[i]);
		early += st->early;
	}
	return early;
}

/* PREFIX_samples and PREFIX_p50/p90/p99/p999_UNIT (unit_per_s: 1e6 for us, 1e9 for ns). */
static void
proxy_tel_quantiles(struct rte_tel_data *t, const char *prefix, const char *unit, double unit_per_s,
                    const struct mp_hist *h)
{
	static const struct {
		const char *key;
		double q;
	} qs[] = {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p999", 0.999}};
	double per_tsc = unit_per_s / (double)rte_get_tsc_hz();
	char key[64];

	snprintf(key, sizeof(key), "%s_samples", prefix);
	rte_tel_data_add_dict_u64(t, key, h->count);
	for (unsigned int i = 0; i < RTE_DIM(qs); i++) {
		snprintf(key, sizeof(key), "%s_%s_%s", prefix, qs[i].key, unit);
		rte_tel_data_add_dict_u64(
		        t, key, (uint64_t)((double)mp_hist_quantile(h, qs[i].q) * per_tsc + 0.5));
	}
}

/* The counters of a route or cluster, and its latency quantiles (lat NULL: none). */
static struct rte_tel_data *
proxy_tel_counters(const struct mp_proxy_counters *c, const struct mp_proxy_lat *lat)
{
	struct rte_tel_data *t = rte_tel_data_alloc();

	if (t == NULL)
		return NULL;
	rte_tel_data_start_dict(t);
	for (unsigned int i = 0; i < MP_PROXY_C_MAX; i++)
		rte_tel_data_add_dict_u64(t, mp_proxy_cnt_name((enum mp_proxy_cnt)i), c->c[i]);
	if (lat != NULL) {
		proxy_tel_quantiles(t, "request", "us", 1e6, &lat->total);
		proxy_tel_quantiles(t, "upstream", "us", 1e6, &lat->upstream);
	}
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
	/* The proxy's own time, in ns: a few loop iterations at most. */
	pthread_mutex_lock(&proxy_mp->lock);
	rte_tel_data_add_dict_u64(d, "requests_finished_early", proxy_merge_hop());
	proxy_tel_quantiles(d, "proxy_request", "ns", 1e9, &proxy_hop[MP_PROXY_HOP_REQUEST]);
	proxy_tel_quantiles(d, "proxy_response", "ns", 1e9, &proxy_hop[MP_PROXY_HOP_RESPONSE]);
	pthread_mutex_unlock(&proxy_mp->lock);
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

/* --- resilience counters (retries, outlier ejection, breakers, timeouts) ------------------- */

/* Retry verdicts as metric-friendly names: "retry", "no_budget", ... */
static const char *const proxy_verdict_keys[] = {
#define PROXY_VERDICT(name, desc) #name,
        MP_LB_RETRY_VERDICTS(PROXY_VERDICT)
#undef PROXY_VERDICT
};

static const char *const proxy_outlier_keys[] = {
#define PROXY_OUTLIER(name, desc) #name,
        MP_LB_OUTLIER_COUNTERS(PROXY_OUTLIER)
#undef PROXY_OUTLIER
};

#define PROXY_N_OUTLIER (sizeof(proxy_outlier_keys) / sizeof(proxy_outlier_keys[0]))

struct proxy_resil_sum {
	uint64_t verdicts[MP_LB_RETRY_VERDICT_MAX];
	uint64_t overflow[MP_LB_BRK_MAX];
	uint64_t active[MP_LB_BRK_MAX];
	uint64_t timeouts[MP_PROXY_TO_MAX];
	uint64_t outlier[PROXY_N_OUTLIER];
	uint64_t ejections_active;
};

/* Lower-case a verdict's symbol ("NO_BUDGET" -> "no_budget") into buf. */
static const char *
proxy_lower(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	buf[i] = '\0';
	return buf;
}

/* Cluster c's resilience counters over the workers (src: the L4 generation, lock held). */
static void
proxy_sum_resil(const struct mp_l4_config *l4, unsigned int c, struct proxy_resil_sum *out)
{
	*out = (struct proxy_resil_sum){0};
	for (unsigned int w = 0; w < proxy_mp->n_workers; w++) {
		const struct mp_proxy_resil *r;

		if (proxy_mp->workers[w] == NULL || proxy_mp->workers[w]->proxy == NULL)
			continue;
		r = &mp_proxy_stats(proxy_mp->workers[w]->proxy)->resil[c];
		for (unsigned int i = 0; i < MP_LB_RETRY_VERDICT_MAX; i++)
			out->verdicts[i] += r->retry.verdicts[i];
		for (unsigned int i = 0; i < MP_LB_BRK_MAX; i++) {
			out->overflow[i] += r->brk.overflow[i];
			out->active[i] += r->brk.active[i];
		}
		for (unsigned int i = 0; i < MP_PROXY_TO_MAX; i++)
			out->timeouts[i] += r->timeouts[i];
		if (l4 != NULL && w < l4->n_workers && c < l4->n_clusters &&
		    l4->ws[w].outlier[c] != NULL) {
			const struct mp_lb_outlier_stats *o =
			        mp_lb_outlier_stats(l4->ws[w].outlier[c]);
			unsigned int k = 0;

#define PROXY_OUTLIER_ADD(name, desc) out->outlier[k++] += o->name;
			MP_LB_OUTLIER_COUNTERS(PROXY_OUTLIER_ADD)
#undef PROXY_OUTLIER_ADD
			out->ejections_active += o->ejections_active;
		}
	}
}

/* Add cluster c's resilience counters to its /meshpath/http/clusters dict. */
static void
proxy_tel_resil(struct rte_tel_data *t, const struct mp_l4_config *l4, unsigned int c)
{
	struct proxy_resil_sum r;
	char key[64], low[32];

	proxy_sum_resil(l4, c, &r);
	for (unsigned int i = 0; i < MP_LB_RETRY_VERDICT_MAX; i++) {
		snprintf(key, sizeof(key), "retry_%s",
		         proxy_lower(proxy_verdict_keys[i], low, sizeof(low)));
		rte_tel_data_add_dict_u64(t, key, r.verdicts[i]);
	}
	for (unsigned int i = 0; i < PROXY_N_OUTLIER; i++) {
		snprintf(key, sizeof(key), "outlier_%s", proxy_outlier_keys[i]);
		rte_tel_data_add_dict_u64(t, key, r.outlier[i]);
	}
	rte_tel_data_add_dict_u64(t, "outlier_ejections_active", r.ejections_active);
	for (unsigned int i = 0; i < MP_LB_BRK_MAX; i++) {
		const char *n = mp_lb_breaker_name((enum mp_lb_breaker_kind)i);

		snprintf(key, sizeof(key), "overflow_%s", n);
		rte_tel_data_add_dict_u64(t, key, r.overflow[i]);
		snprintf(key, sizeof(key), "active_%s", n);
		rte_tel_data_add_dict_u64(t, key, r.active[i]);
	}
	for (unsigned int i = 0; i < MP_PROXY_TO_MAX; i++) {
		snprintf(key, sizeof(key), "timeouts_%s",
		         mp_proxy_timeout_name((enum mp_proxy_timeout)i));
		rte_tel_data_add_dict_u64(t, key, r.timeouts[i]);
	}
}

/* The breakers' overflow counters (active false) or gauges, per cluster and breaker. */
static void
proxy_prom_breakers(FILE *f, const struct mp_conf *conf, const struct proxy_resil_sum *r,
                    unsigned int n, bool active)
{
	const char *m =
	        active ? "meshpath_http_breaker_active" : "meshpath_http_breaker_overflow_total";

	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", m,
	        active ? "HTTP circuit breaker gauges now"
	               : "HTTP requests and connections refused by a circuit breaker",
	        m, active ? "gauge" : "counter");
	for (unsigned int c = 0; c < n; c++)
		for (unsigned int i = 0; i < MP_LB_BRK_MAX; i++)
			fprintf(f, "%s{cluster=\"%s\",breaker=\"%s\"} %" PRIu64 "\n", m,
			        conf->clusters[c].name,
			        mp_lb_breaker_name((enum mp_lb_breaker_kind)i),
			        active ? r[c].active[i] : r[c].overflow[i]);
}

/* The resilience metrics (Prometheus text), one family each, a sample per cluster. */
static void
proxy_prom_resil(const struct mp_stats_source *src, FILE *f)
{
	const struct mp_conf *conf = src->conf;
	struct proxy_resil_sum *r;
	char low[32];
	unsigned int n = conf->n_clusters;

	r = calloc(n != 0 ? n : 1, sizeof(*r));
	if (r == NULL)
		return;
	for (unsigned int c = 0; c < n; c++)
		proxy_sum_resil(src->l4, c, &r[c]);
	fprintf(f, "# HELP meshpath_http_retry_verdicts_total HTTP retry decisions, by cluster "
	           "and verdict\n# TYPE meshpath_http_retry_verdicts_total counter\n");
	for (unsigned int c = 0; c < n; c++)
		for (unsigned int i = 0; i < MP_LB_RETRY_VERDICT_MAX; i++)
			fprintf(f,
			        "meshpath_http_retry_verdicts_total{cluster=\"%s\",verdict=\"%s\"} "
			        "%" PRIu64 "\n",
			        conf->clusters[c].name,
			        proxy_lower(proxy_verdict_keys[i], low, sizeof(low)),
			        r[c].verdicts[i]);
	for (unsigned int i = 0; i < PROXY_N_OUTLIER; i++) {
		const char *k = proxy_outlier_keys[i];
		size_t kl = strlen(k);
		/* Counters end in _total: ejections_total already does. */
		const char *sfx = kl >= 6 && strcmp(k + kl - 6, "_total") == 0 ? "" : "_total";

		fprintf(f,
		        "# HELP meshpath_http_outlier_%s%s HTTP outlier detection, per cluster\n"
		        "# TYPE meshpath_http_outlier_%s%s counter\n",
		        k, sfx, k, sfx);
		for (unsigned int c = 0; c < n; c++)
			fprintf(f, "meshpath_http_outlier_%s%s{cluster=\"%s\"} %" PRIu64 "\n", k,
			        sfx, conf->clusters[c].name, r[c].outlier[i]);
	}
	fprintf(f, "# HELP meshpath_http_outlier_ejections_active HTTP endpoints ejected now "
	           "(summed over the workers)\n# TYPE meshpath_http_outlier_ejections_active "
	           "gauge\n");
	for (unsigned int c = 0; c < n; c++)
		fprintf(f, "meshpath_http_outlier_ejections_active{cluster=\"%s\"} %" PRIu64 "\n",
		        conf->clusters[c].name, r[c].ejections_active);
	proxy_prom_breakers(f, conf, r, n, false);
	proxy_prom_breakers(f, conf, r, n, true);
	fprintf(f, "# HELP meshpath_http_timeouts_total HTTP requests ended by a timeout, by kind\n"
	           "# TYPE meshpath_http_timeouts_total counter\n");
	for (unsigned int c = 0; c < n; c++)
		for (unsigned int i = 0; i < MP_PROXY_TO_MAX; i++)
			fprintf(f,
			        "meshpath_http_timeouts_total{cluster=\"%s\",kind=\"%s\"} %" PRIu64
			        "\n",
			        conf->clusters[c].name,
			        mp_proxy_timeout_name((enum mp_proxy_timeout)i), r[c].timeouts[i]);
	free(r);
}

/*
 * /meshpath/http/clusters: the counters of every cluster, by name; ",NAME" for one. A reply
 * holds 16 KiB at most (DPDK's telemetry drops what does not fit), a few dozen clusters:
 * beyond that, ask for each by name, or read Prometheus.
 */
static int
proxy_tel_clusters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct mp_conf *conf;
	char key[MP_NAME_LEN];

	(void)cmd;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&proxy_mp->lock);
	conf = proxy_mp->snap->conf;
	for (unsigned int c = 0; c < conf->n_clusters; c++) {
		struct mp_proxy_counters sum;
		struct rte_tel_data *t;

		if (params != NULL && *params != '\0' &&
		    strcmp(params, conf->clusters[c].name) != 0)
			continue;
		proxy_sum_counters(-1, c, &sum);
		t = proxy_tel_counters(&sum, proxy_merge_lat(-1, c));
		if (t != NULL)
			proxy_tel_resil(t, proxy_mp->snap->l4, c);
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
			td = proxy_tel_counters(&sum, proxy_merge_lat((int)t, r));
			snprintf(key, sizeof(key), "%s/%u",
			         mp_tel_key(conf->http->tables[t].name, name, sizeof(name)), r);
			if (td != NULL)
				rte_tel_data_add_dict_container(d, key, td, 0);
		}
	}
	pthread_mutex_unlock(&proxy_mp->lock);
	return 0;
}

/* Upper bounds (seconds) of the exported latency buckets: the proxy's own time is microseconds. */
static const double proxy_le_s[] = {
        0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025,
        0.0005,   0.001,     0.0025,   0.005,   0.01,     0.025,   0.05,   0.1,
        0.25,     0.5,       1,        2.5,     5,        10,
};

/* The latency families: per cluster, then per route, each family's samples together. */
static void
proxy_prom_lat(const struct mp_conf *conf, FILE *f)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
	        {"meshpath_http_request_seconds",
	         "HTTP requests from their first byte in to the response's end, per cluster and "
	         "per route"},
	        {"meshpath_http_upstream_response_seconds",
	         "HTTP upstream response time: first request byte out upstream to the first "
	         "response byte in, per cluster and per route"},
	};
	char esc[2 * MP_NAME_LEN], labels[256];

	for (unsigned int k = 0; k < RTE_DIM(fam); k++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s histogram\n", fam[k].name, fam[k].help,
		        fam[k].name);
		for (unsigned int c = 0; c < conf->n_clusters; c++) {
			const struct mp_proxy_lat *l = proxy_merge_lat(-1, c);

			snprintf(labels, sizeof(labels), "cluster=\"%s\"",
			         mp_stats_prom_esc(conf->clusters[c].name, esc, sizeof(esc)));
			mp_stats_prom_hist(f, fam[k].name, labels,
			                   k == 0 ? &l->total : &l->upstream, proxy_le_s,
			                   RTE_DIM(proxy_le_s));
		}
		for (unsigned int t = 0; conf->http != NULL && t < conf->http->n_tables; t++) {
			unsigned int n = proxy_routes(t);

			for (unsigned int r = 0; r < n; r++) {
				const struct mp_proxy_lat *l = proxy_merge_lat((int)t, r);

				snprintf(labels, sizeof(labels), "table=\"%s\",route=\"%u\"",
				         mp_stats_prom_esc(conf->http->tables[t].name, esc,
				                           sizeof(esc)),
				         r);
				mp_stats_prom_hist(f, fam[k].name, labels,
				                   k == 0 ? &l->total : &l->upstream, proxy_le_s,
				                   RTE_DIM(proxy_le_s));
			}
		}
	}
}

/* The meshpath_http_* metrics (called by mp_stats_prometheus() with the lock held). */
static void
proxy_prom(const struct mp_stats_source *src, FILE *f, void *arg)
{
	const struct mp_conf *conf = src->conf;
	struct proxy_sum s;
	char labels[256], esc[2 * MP_NAME_LEN];

	(void)arg;
	proxy_sum_wide(&s);
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
	fprintf(f,
	        "# HELP meshpath_http_requests_finished_early_total HTTP requests whose sends "
	        "were timed at their loop iteration's start (too many ended in one)\n"
	        "# TYPE meshpath_http_requests_finished_early_total counter\n"
	        "meshpath_http_requests_finished_early_total %" PRIu64 "\n",
	        proxy_merge_hop());
	fprintf(f, "# HELP meshpath_http_proxy_seconds The proxy's own time per HTTP request: "
	           "first request byte in to first byte out upstream, less a new connection's "
	           "handshake (request); first response byte in to first byte out to the client "
	           "(response)\n# TYPE meshpath_http_proxy_seconds histogram\n");
	mp_stats_prom_hist(f, "meshpath_http_proxy_seconds", "direction=\"request\"",
	                   &proxy_hop[MP_PROXY_HOP_REQUEST], proxy_le_s, RTE_DIM(proxy_le_s));
	mp_stats_prom_hist(f, "meshpath_http_proxy_seconds", "direction=\"response\"",
	                   &proxy_hop[MP_PROXY_HOP_RESPONSE], proxy_le_s, RTE_DIM(proxy_le_s));
	if (conf == NULL)
		return;
	proxy_prom_resil(src, f);
	proxy_prom_lat(conf, f);
	/* One family per counter, its samples together: per cluster, then per route. The
	 * responses meshpath made itself are also counted by reason, proxy-wide: in the same
	 * family (a name has one TYPE line and its samples in one group). */
	for (unsigned int i = 0; i < MP_PROXY_C_MAX; i++) {
		const char *name = mp_proxy_cnt_name((enum mp_proxy_cnt)i);

		fprintf(f,
		        "# HELP meshpath_http_%s_total HTTP proxy %s, per cluster and per route%s\n"
		        "# TYPE meshpath_http_%s_total counter\n",
		        name, name, i == MP_PROXY_C_LOCAL ? ", and by reason" : "", name);
		for (unsigned int l = 0; i == MP_PROXY_C_LOCAL && l < MP_PROXY_L_MAX; l++)
			fprintf(f, "meshpath_http_%s_total{reason=\"%s\"} %" PRIu64 "\n", name,
			        mp_proxy_local_name((enum mp_proxy_lreason)l), s.local[l]);
		for (unsigned int c = 0; c < conf->n_clusters; c++) {
			struct mp_proxy_counters sum;

			proxy_sum_counters(-1, c, &sum);
			fprintf(f, "meshpath_http_%s_total{cluster=\"%s\"} %" PRIu64 "\n", name,
			        mp_stats_prom_esc(conf->clusters[c].name, esc, sizeof(esc)),
			        sum.c[i]);
		}
		for (unsigned int t = 0; conf->http != NULL && t < conf->http->n_tables; t++) {
			unsigned int n = proxy_routes(t);

			for (unsigned int r = 0; r < n; r++) {
				struct mp_proxy_counters sum;

				proxy_sum_counters((int)t, r, &sum);
				snprintf(labels, sizeof(labels), "table=\"%s\",route=\"%u\"",
				         mp_stats_prom_esc(conf->http->tables[t].name, esc,
				                           sizeof(esc)),
				         r);
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
		                                "HTTP proxy: per-cluster requests, responses, "
		                                "upstream connections, bytes. Optional "
		                                "parameter: a cluster's name");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/meshpath/http/routes", proxy_tel_routes,
		                                "HTTP proxy: per-route counters (routes that saw "
		                                "requests), keyed TABLE/ID in declaration order");
	return rc;
}
