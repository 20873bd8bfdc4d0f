/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every counter and histogram in the Prometheus text exposition format (version 0.0.4), for
 * the admin listener. Runs on the control thread when a scrape arrives: sums the workers'
 * counters, merges their histograms, writes text. Metric names are meshpath_<what>_<unit>,
 * counters end in _total, and config names travel as label values (escaped), never in names.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "mp_flow.h"
#include "mp_lb.h"
#include "stats_priv.h"

/* Upper bounds (seconds) of the exported buckets; the histogram itself is finer. */
static const double prom_le_s[] = {
        0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
        0.025,   0.05,     0.1,     0.25,   0.5,     1,      2.5,   5,      10,
};

/* A label value with \, " and newline escaped, into buf. */
static const char *
prom_esc(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s != '\0' && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			buf[o++] = '\\';
			buf[o++] = *s;
		} else if (*s == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
	return buf;
}

static void
prom_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Two samples of name for one object (label=value), told apart by kind = a or b. */
static void
prom_pair(FILE *f, const char *name, const char *label, const char *value, const char *kind,
          const char *a, uint64_t va, const char *b, uint64_t vb)
{
	fprintf(f, "%s{%s=\"%s\",%s=\"%s\"} %lu\n", name, label, value, kind, a, (unsigned long)va);
	fprintf(f, "%s{%s=\"%s\",%s=\"%s\"} %lu\n", name, label, value, kind, b, (unsigned long)vb);
}

static void
prom_counters(const struct mp_stats_source *src, FILE *f)
{
	struct mp_counters sum;
	struct mp_neigh_stats ns;
	char esc[2 * MP_NAME_LEN];
	unsigned int i, w;

	mp_stats_sum(src, &sum);
	prom_head(f, "meshpath_port_packets_total", "counter",
	          "Packets meshpath received (rx) and sent (tx) on a port.");
	for (i = 0; i < src->n_ports; i++)
		prom_pair(f, "meshpath_port_packets_total", "port",
		          prom_esc(src->port_name[i], esc, sizeof(esc)), "direction", "rx",
		          sum.port[i].rx_pkts, "tx", sum.port[i].tx_pkts);
	prom_head(f, "meshpath_port_bytes_total", "counter",
	          "Bytes (Ethernet frames) received and sent on a port.");
	for (i = 0; i < src->n_ports; i++)
		prom_pair(f, "meshpath_port_bytes_total", "port",
		          prom_esc(src->port_name[i], esc, sizeof(esc)), "direction", "rx",
		          sum.port[i].rx_bytes, "tx", sum.port[i].tx_bytes);
	prom_head(f, "meshpath_drops_total", "counter", "Packets dropped, by reason.");
	for (i = 1; i < MP_DROP_MAX; i++)
		fprintf(f, "meshpath_drops_total{reason=\"%s\"} %lu\n", mp_drop_name(i),
		        (unsigned long)sum.drops[i]);
	prom_head(f, "meshpath_events_total", "counter",
	          "Things the data path did other than drops, by event.");
	for (i = 0; i < MP_EV_MAX; i++)
		fprintf(f, "meshpath_events_total{event=\"%s\"} %lu\n", mp_event_name(i),
		        (unsigned long)sum.events[i]);
	prom_head(f, "meshpath_worker_cycles_total", "counter",
	          "TSC cycles of a worker's polls that found packets (busy) or none (idle).");
	for (w = 0; w < src->n_workers; w++) {
		snprintf(esc, sizeof(esc), "%u", w);
		prom_pair(f, "meshpath_worker_cycles_total", "worker", esc, "kind", "busy",
		          src->counters[w]->busy_cycles, "idle", src->counters[w]->idle_cycles);
	}
	prom_head(f, "meshpath_worker_polls_total", "counter",
	          "Polls of a worker that found packets (busy) or none (idle).");
	for (w = 0; w < src->n_workers; w++) {
		snprintf(esc, sizeof(esc), "%u", w);
		prom_pair(f, "meshpath_worker_polls_total", "worker", esc, "kind", "busy",
		          src->counters[w]->busy_polls, "idle", src->counters[w]->idle_polls);
	}
	prom_head(f, "meshpath_tsc_hz", "gauge",
	          "TSC cycles per second (to read the cycle counts).");
	fprintf(f, "meshpath_tsc_hz %lu\n", (unsigned long)rte_get_tsc_hz());
	if (src->pool != NULL) {
		prom_head(f, "meshpath_mbufs", "gauge", "Packet buffers in the pool.");
		fprintf(f, "meshpath_mbufs %u\n", src->pool->size);
		prom_head(f, "meshpath_mbufs_in_use", "gauge",
		          "Packet buffers held (not free in the pool or an lcore's cache).");
		fprintf(f, "meshpath_mbufs_in_use %u\n", rte_mempool_in_use_count(src->pool));
	}
	mp_stats_neigh_sum(src, &ns);
	prom_head(f, "meshpath_neighbour_events_total", "counter",
	          "Neighbour table (ARP/NDP) events, by event.");
	fprintf(f, "meshpath_neighbour_events_total{event=\"created\"} %lu\n",
	        (unsigned long)ns.created);
	fprintf(f, "meshpath_neighbour_events_total{event=\"resolved\"} %lu\n",
	        (unsigned long)ns.resolved);
	fprintf(f, "meshpath_neighbour_events_total{event=\"expired\"} %lu\n",
	        (unsigned long)ns.expired);
	fprintf(f, "meshpath_neighbour_events_total{event=\"unresolved\"} %lu\n",
	        (unsigned long)ns.unresolved);
}

static void
prom_flows(const struct mp_stats_source *src, FILE *f)
{
	uint64_t sum[MP_FLOW_STAT_MAX] = {0};
	unsigned int w, i;

	prom_head(f, "meshpath_flows_active", "gauge", "Flows in a worker's table.");
	for (w = 0; w < src->n_workers; w++) {
		const uint64_t *s = mp_flow_stats(src->flows[w]);

		for (i = 0; i < MP_FLOW_STAT_MAX; i++)
			sum[i] += s[i];
		fprintf(f, "meshpath_flows_active{worker=\"%u\"} %u\n", w,
		        mp_flow_count(src->flows[w]));
	}
	prom_head(f, "meshpath_flow_events_total", "counter", "Flow table events, by event.");
	for (i = 0; i < MP_FLOW_STAT_MAX; i++)
		fprintf(f, "meshpath_flow_events_total{event=\"%s\"} %lu\n", mp_flow_stat_name(i),
		        (unsigned long)sum[i]);
}

static void
prom_listeners(const struct mp_stats_source *src, FILE *f)
{
	const struct mp_conf *conf = src->conf;
	struct mp_l4_listener_stats sum[MP_MAX_LISTENERS];
	char esc[2 * MP_NAME_LEN];
	unsigned int i, w;

	memset(sum, 0, sizeof(sum[0]) * conf->n_listeners);
	for (i = 0; i < conf->n_listeners; i++) {
		for (w = 0; w < src->n_workers; w++) {
			const struct mp_l4_listener_stats *s = &src->l4->ws[w].lstats[i];

			sum[i].flows += s->flows;
			sum[i].refused += s->refused;
			sum[i].pkts[0] += s->pkts[0];
			sum[i].pkts[1] += s->pkts[1];
			sum[i].bytes[0] += s->bytes[0];
			sum[i].bytes[1] += s->bytes[1];
		}
	}
	prom_head(f, "meshpath_l4_listener_flows_total", "counter", "Flows a listener opened.");
	for (i = 0; i < conf->n_listeners; i++)
		fprintf(f, "meshpath_l4_listener_flows_total{listener=\"%s\"} %lu\n",
		        prom_esc(conf->listeners[i].name, esc, sizeof(esc)),
		        (unsigned long)sum[i].flows);
	prom_head(f, "meshpath_l4_listener_refused_total", "counter",
	          "New flows a listener refused (no endpoint up, no SNAT port).");
	for (i = 0; i < conf->n_listeners; i++)
		fprintf(f, "meshpath_l4_listener_refused_total{listener=\"%s\"} %lu\n",
		        prom_esc(conf->listeners[i].name, esc, sizeof(esc)),
		        (unsigned long)sum[i].refused);
	prom_head(f, "meshpath_l4_listener_bytes_total", "counter",
	          "IP bytes from clients (in) and back to them (out).");
	for (i = 0; i < conf->n_listeners; i++) {
		prom_esc(conf->listeners[i].name, esc, sizeof(esc));
		fprintf(f,
		        "meshpath_l4_listener_bytes_total{listener=\"%s\",direction=\"in\"} %lu\n",
		        esc, (unsigned long)sum[i].bytes[0]);
		fprintf(f,
		        "meshpath_l4_listener_bytes_total{listener=\"%s\",direction=\"out\"} %lu\n",
		        esc, (unsigned long)sum[i].bytes[1]);
	}
}

/* The endpoint families, each printed whole (the format wants a family's samples together). */
enum prom_ep_field { PROM_EP_UP, PROM_EP_ACTIVE, PROM_EP_FLOWS, PROM_EP_OK, PROM_EP_FAILED };

static const struct {
	const char *name, *type, *help, *extra;
} prom_ep_families[] = {
        [PROM_EP_UP] = {"meshpath_l4_endpoint_up", "gauge", "1 when the endpoint is healthy.", ""},
        [PROM_EP_ACTIVE] = {"meshpath_l4_endpoint_active_flows", "gauge",
                            "Flows open to the endpoint.", ""},
        [PROM_EP_FLOWS] = {"meshpath_l4_endpoint_flows_total", "counter",
                           "Flows opened to the endpoint.", ""},
        [PROM_EP_OK] = {"meshpath_l4_endpoint_connects_total", "counter",
                        "TCP handshakes through the endpoint that completed (ok) or failed.",
                        ",result=\"ok\""},
        [PROM_EP_FAILED] = {"meshpath_l4_endpoint_connects_total", NULL, NULL,
                            ",result=\"failed\""},
};

static uint64_t
prom_ep_value(const struct mp_stats_source *src, unsigned int cluster, unsigned int j,
              enum prom_ep_field field)
{
	unsigned int idx = src->conf->clusters[cluster].first_endpoint + j, w;
	uint64_t v = 0;

	if (field == PROM_EP_UP)
		return src->ep_up[idx] ? 1 : 0;
	for (w = 0; w < src->n_workers; w++) {
		const struct mp_l4_worker_state *ws = &src->l4->ws[w];

		switch (field) {
		case PROM_EP_ACTIVE:
			v += mp_lb_state_active(ws->lb[cluster], (uint16_t)j);
			break;
		case PROM_EP_FLOWS:
			v += ws->estats[idx].flows;
			break;
		case PROM_EP_OK:
			v += ws->estats[idx].connect_ok;
			break;
		default:
			v += ws->estats[idx].connect_failed;
			break;
		}
	}
	return v;
}

static void
prom_endpoints(const struct mp_stats_source *src, FILE *f)
{
	const struct mp_conf *conf = src->conf;
	char ce[2 * MP_NAME_LEN], addr[64], ep[80];
	unsigned int fi, i, j;

	for (fi = 0; fi < RTE_DIM(prom_ep_families); fi++) {
		if (prom_ep_families[fi].type != NULL)
			prom_head(f, prom_ep_families[fi].name, prom_ep_families[fi].type,
			          prom_ep_families[fi].help);
		for (i = 0; i < conf->n_clusters; i++) {
			const struct mp_conf_cluster *cc = &conf->clusters[i];

			prom_esc(cc->name, ce, sizeof(ce));
			for (j = 0; j < cc->n_endpoints; j++) {
				const struct mp_conf_endpoint *e =
				        &conf->endpoints[cc->first_endpoint + j];

				mp_conf_addr_str(&e->addr, 0, addr, sizeof(addr));
				snprintf(ep, sizeof(ep),
				         e->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
				         e->port);
				fprintf(f, "%s{cluster=\"%s\",endpoint=\"%s\"%s} %lu\n",
				        prom_ep_families[fi].name, ce, ep,
				        prom_ep_families[fi].extra,
				        (unsigned long)prom_ep_value(src, i, j, fi));
			}
		}
	}
}

const char *
mp_stats_prom_esc(const char *s, char *buf, size_t len)
{
	return prom_esc(s, buf, len);
}

void
mp_stats_prom_hist(FILE *f, const char *name, const char *labels, const struct mp_hist *h,
                   const double *le_s, unsigned int n)
{
	double hz = (double)rte_get_tsc_hz();
	uint64_t c = 0, count;
	unsigned int i;

	for (i = 0; i < n; i++) {
		c = mp_hist_count_le(h, (uint64_t)(le_s[i] * hz));
		fprintf(f, "%s_bucket{%s,le=\"%g\"} %lu\n", name, labels, le_s[i],
		        (unsigned long)c);
	}
	/* Merged while workers record: the count may trail the buckets by a sample or two. */
	count = RTE_MAX(h->count, c);
	fprintf(f, "%s_bucket{%s,le=\"+Inf\"} %lu\n", name, labels, (unsigned long)count);
	fprintf(f, "%s_sum{%s} %.9f\n", name, labels, (double)h->sum / hz);
	fprintf(f, "%s_count{%s} %lu\n", name, labels, (unsigned long)count);
}

/* One merged histogram as a Prometheus histogram of seconds, labelled. */
static void
prom_hist(FILE *f, const char *name, const char *labels, const struct mp_hist *h)
{
	mp_stats_prom_hist(f, name, labels, h, prom_le_s, RTE_DIM(prom_le_s));
}

static void
prom_histograms(const struct mp_stats_source *src, FILE *f)
{
	static struct mp_hist sum; /* 8 KiB; one scrape at a time (control thread, locked) */
	const struct mp_conf *conf = src->conf;
	char esc[2 * MP_NAME_LEN], labels[3 * MP_NAME_LEN];
	unsigned int i, w;

	prom_head(f, "meshpath_l4_connect_seconds", "histogram",
	          "Time from a client's SYN to the endpoint's SYN-ACK through the cluster.");
	for (i = 0; i < conf->n_clusters; i++) {
		memset(&sum, 0, sizeof(sum));
		for (w = 0; w < src->n_workers; w++)
			mp_hist_merge(&sum, &src->l4->ws[w].connect[i]);
		snprintf(labels, sizeof(labels), "cluster=\"%s\"",
		         prom_esc(conf->clusters[i].name, esc, sizeof(esc)));
		prom_hist(f, "meshpath_l4_connect_seconds", labels, &sum);
	}
}

/* The access log's writer (records queued and dropped are events of the workers). */
static void
prom_alog(const struct mp_alog_writer *w, FILE *f)
{
	prom_head(f, "meshpath_access_log_lines_total", "counter",
	          "Lines the control thread wrote to the access log.");
	fprintf(f, "meshpath_access_log_lines_total %lu\n", (unsigned long)w->lines);
	prom_head(f, "meshpath_access_log_write_errors_total", "counter",
	          "Access-log lines or flushes the file refused.");
	fprintf(f, "meshpath_access_log_write_errors_total %lu\n", (unsigned long)w->write_errors);
	prom_head(f, "meshpath_access_log_reopens_total", "counter",
	          "Access-log reopens on SIGUSR1, done (ok) or failed (old file kept).");
	fprintf(f, "meshpath_access_log_reopens_total{result=\"ok\"} %lu\n",
	        (unsigned long)w->reopens);
	fprintf(f, "meshpath_access_log_reopens_total{result=\"failed\"} %lu\n",
	        (unsigned long)w->reopen_failures);
}

int
mp_stats_prometheus(const struct mp_stats_source *src, FILE *f)
{
	prom_counters(src, f);
	prom_flows(src, f);
	if (src->alog != NULL && src->alog->f != NULL)
		prom_alog(src->alog, f);
	pthread_mutex_lock(src->lock);
	if (src->l4 != NULL) {
		prom_listeners(src, f);
		prom_endpoints(src, f);
		prom_histograms(src, f);
	}
	if (src->prom_more != NULL)
		src->prom_more(src, f, src->prom_more_arg);
	pthread_mutex_unlock(src->lock);
	return ferror(f) ? -EIO : 0;
}
