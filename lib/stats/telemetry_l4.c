/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry of the L4 load balancer: /meshpath/l4/listeners, /meshpath/l4/clusters (with every
 * endpoint's state and counters) and /meshpath/l4/flows. Sums the workers' counters when asked.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "mp_flow.h"
#include "mp_lb.h"
#include "stats_priv.h"

static int
tel_l4_listeners_locked(const char *cmd __rte_unused, const char *params __rte_unused,
                        struct rte_tel_data *d)
{
	const struct mp_stats_source *src = mp_stats_src;
	const struct mp_conf *conf = src->conf;
	char addr[64], text[96], key[MP_NAME_LEN];
	unsigned int i, w;

	rte_tel_data_start_dict(d);
	for (i = 0; i < conf->n_listeners; i++) {
		const struct mp_conf_listener *cl = &conf->listeners[i];
		struct mp_l4_listener_stats sum = {0};
		struct rte_tel_data *t = rte_tel_data_alloc();

		if (t == NULL)
			return -ENOMEM;
		for (w = 0; w < src->n_workers; w++) {
			const struct mp_l4_listener_stats *s = &src->l4->ws[w].lstats[i];

			sum.flows += s->flows;
			sum.pkts[0] += s->pkts[0];
			sum.pkts[1] += s->pkts[1];
			sum.bytes[0] += s->bytes[0];
			sum.bytes[1] += s->bytes[1];
			sum.refused += s->refused;
		}
		rte_tel_data_start_dict(t);
		rte_tel_data_add_dict_string(t, "name", cl->name);
		mp_conf_addr_str(&cl->vip, 0, addr, sizeof(addr));
		snprintf(text, sizeof(text), cl->vip.family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
		         cl->port);
		rte_tel_data_add_dict_string(t, "protocol",
		                             cl->service == MP_SVC_HTTP      ? "http"
		                             : cl->service == MP_SVC_ECHO    ? "echo"
		                             : cl->service == MP_SVC_DISCARD ? "discard"
		                             : cl->proto == MP_L4_TCP        ? "tcp"
		                                                             : "udp");
		rte_tel_data_add_dict_string(t, "address", text);
		rte_tel_data_add_dict_u64(t, "port_last", cl->port_last);
		if (cl->cluster >= 0)
			rte_tel_data_add_dict_string(t, "cluster",
			                             conf->clusters[cl->cluster].name);
		rte_tel_data_add_dict_u64(t, "flows", sum.flows);
		rte_tel_data_add_dict_u64(t, "refused", sum.refused);
		rte_tel_data_add_dict_u64(t, "pkts_in", sum.pkts[0]);
		rte_tel_data_add_dict_u64(t, "pkts_out", sum.pkts[1]);
		rte_tel_data_add_dict_u64(t, "bytes_in", sum.bytes[0]);
		rte_tel_data_add_dict_u64(t, "bytes_out", sum.bytes[1]);
		rte_tel_data_add_dict_container(d, mp_tel_key(cl->name, key, sizeof(key)), t, 0);
	}
	return 0;
}

static struct rte_tel_data *
tel_l4_endpoint(const struct mp_stats_source *src, unsigned int cluster, unsigned int ep,
                const char *address)
{
	const struct mp_conf *conf = src->conf;
	unsigned int idx = conf->clusters[cluster].first_endpoint + ep, w;
	struct mp_l4_endpoint_stats sum = {0};
	struct rte_tel_data *t = rte_tel_data_alloc();
	uint64_t active = 0;

	if (t == NULL)
		return NULL;
	for (w = 0; w < src->n_workers; w++) {
		const struct mp_l4_worker_state *ws = &src->l4->ws[w];
		const struct mp_l4_endpoint_stats *s = &ws->estats[idx];

		sum.flows += s->flows;
		sum.bytes[0] += s->bytes[0];
		sum.bytes[1] += s->bytes[1];
		sum.connect_ok += s->connect_ok;
		sum.connect_failed += s->connect_failed;
		sum.probe_ok += s->probe_ok;
		sum.probe_failed += s->probe_failed;
		sum.probe_stale_resets += s->probe_stale_resets;
		active += mp_lb_state_active(ws->lb[cluster], (uint16_t)ep);
	}
	rte_tel_data_start_dict(t);
	rte_tel_data_add_dict_string(t, "address", address);
	rte_tel_data_add_dict_u64(t, "weight", conf->endpoints[idx].weight);
	rte_tel_data_add_dict_string(t, "health", src->ep_up[idx] ? "up" : "down");
	rte_tel_data_add_dict_u64(t, "active_flows", active);
	rte_tel_data_add_dict_u64(t, "flows", sum.flows);
	rte_tel_data_add_dict_u64(t, "bytes_to", sum.bytes[0]);
	rte_tel_data_add_dict_u64(t, "bytes_from", sum.bytes[1]);
	rte_tel_data_add_dict_u64(t, "connect_ok", sum.connect_ok);
	rte_tel_data_add_dict_u64(t, "connect_failed", sum.connect_failed);
	rte_tel_data_add_dict_u64(t, "checks_ok", sum.probe_ok);
	rte_tel_data_add_dict_u64(t, "checks_failed", sum.probe_failed);
	rte_tel_data_add_dict_u64(t, "checks_stale_reset", sum.probe_stale_resets);
	return t;
}

/*
 * The cluster's connect times merged over the workers: handshakes completed, and quantiles in
 * microseconds (to the histogram's 1.6%).
 */
static void
tel_l4_connect_quantiles(const struct mp_stats_source *src, unsigned int cluster,
                         struct rte_tel_data *t)
{
	static const struct {
		const char *key;
		double q;
	} qs[] = {
	        {"connect_p50_us", 0.5},
	        {"connect_p90_us", 0.9},
	        {"connect_p99_us", 0.99},
	        {"connect_p999_us", 0.999},
	};
	static struct mp_hist sum; /* 8 KiB: the telemetry thread is the only caller (locked) */
	double us_per_tsc = 1e6 / (double)rte_get_tsc_hz();
	unsigned int w, i;

	memset(&sum, 0, sizeof(sum));
	for (w = 0; w < src->n_workers; w++)
		mp_hist_merge(&sum, &src->l4->ws[w].connect[cluster]);
	rte_tel_data_add_dict_u64(t, "connects", sum.count);
	for (i = 0; i < RTE_DIM(qs); i++)
		rte_tel_data_add_dict_u64(
		        t, qs[i].key,
		        (uint64_t)((double)mp_hist_quantile(&sum, qs[i].q) * us_per_tsc + 0.5));
}

/* Every cluster, or with ",NAME" that one: a reply holds 16 KiB, which many endpoints fill. */
static int
tel_l4_clusters_locked(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	const struct mp_stats_source *src = mp_stats_src;
	const struct mp_conf *conf = src->conf;
	char addr[64], name[96], key[MP_NAME_LEN];
	unsigned int i, j;

	rte_tel_data_start_dict(d);
	for (i = 0; i < conf->n_clusters; i++) {
		const struct mp_conf_cluster *cc = &conf->clusters[i];
		struct rte_tel_data *t;

		if (params != NULL && *params != '\0' && strcmp(params, cc->name) != 0)
			continue;
		t = rte_tel_data_alloc();
		if (t == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(t);
		rte_tel_data_add_dict_string(t, "name", cc->name);
		rte_tel_data_add_dict_string(t, "policy", mp_conf_policy_name(cc->policy));
		tel_l4_connect_quantiles(src, i, t);
		for (j = 0; j < cc->n_endpoints; j++) {
			const struct mp_conf_endpoint *ce =
			        &conf->endpoints[cc->first_endpoint + j];
			struct rte_tel_data *e;

			mp_conf_addr_str(&ce->addr, 0, addr, sizeof(addr));
			snprintf(name, sizeof(name),
			         ce->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, ce->port);
			e = tel_l4_endpoint(src, i, j, name);
			if (e == NULL)
				return -ENOMEM;
			/* Endpoints by position: addresses hold characters keys may not. */
			snprintf(key, sizeof(key), "endpoint%u", j);
			rte_tel_data_add_dict_container(t, key, e, 0);
		}
		rte_tel_data_add_dict_container(d, mp_tel_key(cc->name, key, sizeof(key)), t, 0);
	}
	return 0;
}

static int
tel_l4_flows(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	const struct mp_stats_source *src = mp_stats_src;
	uint64_t sum[MP_FLOW_STAT_MAX] = {0}, active = 0;
	unsigned int w, i;

	for (w = 0; w < src->n_workers; w++) {
		const uint64_t *s = mp_flow_stats(src->flows[w]);

		for (i = 0; i < MP_FLOW_STAT_MAX; i++)
			sum[i] += s[i];
		active += mp_flow_count(src->flows[w]);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "active", active);
	for (i = 0; i < MP_FLOW_STAT_MAX; i++)
		rte_tel_data_add_dict_u64(d, mp_flow_stat_name(i), sum[i]);
	return 0;
}

/* The configuration may be replaced while a command runs: hold the control thread off. */
#define TEL_LOCKED(fn)                                                             \
	static int fn(const char *cmd, const char *params, struct rte_tel_data *d) \
	{                                                                          \
		int rc;                                                            \
                                                                                   \
		pthread_mutex_lock(mp_stats_src->lock);                            \
		rc = fn##_locked(cmd, params, d);                                  \
		pthread_mutex_unlock(mp_stats_src->lock);                          \
		return rc;                                                         \
	}
TEL_LOCKED(tel_l4_listeners)
TEL_LOCKED(tel_l4_clusters)

int
mp_stats_l4_init(void)
{
	int rc;

	rc = rte_telemetry_register_cmd("/meshpath/l4/listeners", tel_l4_listeners,
	                                "Per-listener flows, packets and bytes. No parameters.");
	if (rc == 0)
		rc = rte_telemetry_register_cmd(
		        "/meshpath/l4/clusters", tel_l4_clusters,
		        "Per-cluster endpoints: health, active flows, bytes. Optional parameter: a "
		        "cluster's name.");
	if (rc == 0)
		rc = rte_telemetry_register_cmd(
		        "/meshpath/l4/flows", tel_l4_flows,
		        "Flow tables: active flows and events. No parameters.");
	return rc;
}
