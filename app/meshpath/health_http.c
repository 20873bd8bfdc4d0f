/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active HTTP health checks: the checker that lib/l4 drives (struct mp_l4_http_checker). lib/l4
 * decides when an endpoint is checked, by which worker, and when a check has timed out; this
 * file runs one check: a connection on the worker's own TCP stack from the address of the port
 * that reaches the endpoint, one request
 *
 *	GET <path> HTTP/1.1\r\nHost: <host>\r\nConnection: close\r\nUser-Agent: meshpath-health
 *
 * and the response's status line read with lib/http's parser. A final status (1xx are passed
 * over) in the cluster's expected_statuses is a success; another status, a malformed or
 * truncated response, a refused or reset connection, or no route to the endpoint is a failure.
 * The verdict goes back to lib/l4 (mp_l4_probe_done()), which feeds rise/fall as for TCP checks.
 * After the verdict the rest of the response is read and dropped until the upstream closes
 * (it was asked to: Connection: close), then meshpath closes its side: closing first would
 * answer the body's segments with resets. An upstream that keeps the connection open loses it
 * to a reset at the next check of the endpoint, or at the timeout.
 *
 * One check slot per endpoint index and worker, allocated at start (calloc: the pages of slots
 * never used are never touched); nothing is allocated per check but the request's mbuf. Each
 * slot's parser has its own field array, as two checks' heads may be in progress at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_telemetry.h>

#include "meshpath.h"
#include "mp_http.h"
#include "mp_tcp.h"

/* Header fields a check's response may have: more is a malformed response (a failure). */
#define HC_MAX_FIELDS 32
#define HC_USER_AGENT "meshpath-health"

/* The checks' outcomes: counter name, then meaning. One writer per worker. */
#define HC_STAT_LIST(X)                                                    \
	X(started, "checks started")                                       \
	X(ok, "final status in expected_statuses")                         \
	X(bad_status, "final status not in expected_statuses")             \
	X(malformed, "response not HTTP/1.x, or truncated")                \
	X(connect_failed, "connection refused, unanswered, or not opened") \
	X(reset, "connection reset or closed before a status line")        \
	X(no_route, "no route or no source address towards the endpoint")  \
	X(timeouts, "no verdict within timeout_ms (counted by lib/l4 as failures)")

struct hc_stats {
#define HC_STAT_FIELD(name, desc) uint64_t name;
	HC_STAT_LIST(HC_STAT_FIELD)
#undef HC_STAT_FIELD
};

struct hc_worker;

/* One endpoint's check on one worker. */
struct hc_check {
	struct mp_tcp_conn *conn; /* NULL: none; after the verdict, until `closed` */
	struct hc_worker *hw;
	uint64_t token; /* lib/l4's, for mp_l4_probe_done() */
	uint32_t idx;   /* conf endpoint index */
	uint16_t cluster;
	bool connected;
	bool got_bytes; /* some of a response arrived */
	bool done;      /* the verdict was given (or the check was cancelled) */
	struct mp_http_parser hp;
	struct mp_http_field fields[HC_MAX_FIELDS];
};

struct hc_worker {
	struct mp_l4_http_checker ops;
	struct mp_worker *w;
	struct hc_stats st;
	struct hc_check *checks; /* MP_MAX_ENDPOINTS, by conf endpoint index */
};

static struct hc_worker *hc_workers[MP_MAX_WORKERS];
static struct mp_http_params hc_params;

/* Give the verdict once; counted under `reason` when lib/l4 took it (not stale). */
static void
hc_verdict(struct hc_check *k, bool ok, uint64_t *reason)
{
	if (k->done)
		return;
	k->done = true;
	if (mp_l4_probe_done(&k->hw->w->l4, k->idx, k->token, ok))
		(*reason)++;
}

/* A failure before a status line: refused or unanswered, else reset. */
static void
hc_fail_conn(struct hc_check *k)
{
	hc_verdict(k, false, k->connected ? &k->hw->st.reset : &k->hw->st.connect_failed);
}

static void
hc_connected(struct mp_tcp_conn *c, void *arg)
{
	struct hc_check *k = arg;
	const struct mp_conf *conf = k->hw->w->l4.cfg->conf;
	const struct mp_conf_health *h;
	struct rte_mbuf *m;
	char *d;
	int n;

	if (c != k->conn)
		return;
	k->connected = true;
	if (k->done || k->cluster >= conf->n_clusters)
		goto fail;
	h = &conf->clusters[k->cluster].health;
	m = rte_pktmbuf_alloc(k->hw->w->net.pool);
	if (m == NULL)
		goto fail;
	d = rte_pktmbuf_mtod(m, char *);
	n = snprintf(
	        d, rte_pktmbuf_tailroom(m),
	        "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nUser-Agent: " HC_USER_AGENT
	        "\r\n\r\n",
	        h->path, h->host);
	if (n < 0 || (uint32_t)n >= rte_pktmbuf_tailroom(m) ||
	    rte_pktmbuf_append(m, (uint16_t)n) == NULL || mp_tcp_send(c, m) != 0) {
		rte_pktmbuf_free(m);
		goto fail;
	}
	return;
fail:
	hc_fail_conn(k);
	mp_tcp_close(c);
}

/* Events one chunk can bring at most: a 1xx head and its end, then the final head. */
#define HC_EVENTS_PER_CHUNK 64

/* Feed one chunk of the response: the verdict once a final status line is read. */
static void
hc_parse(struct hc_check *k, const uint8_t *p, uint32_t len)
{
	const struct mp_conf *conf = k->hw->w->l4.cfg->conf;

	for (unsigned int i = 0; i < HC_EVENTS_PER_CHUNK && !k->done; i++) {
		uint32_t used = 0;
		enum mp_http_event ev = mp_http_parse(&k->hp, p, len, &used);
		bool ok;

		p += used;
		len -= used;
		switch (ev) {
		case MP_HTTP_AGAIN:
			return;
		case MP_HTTP_ERROR:
			hc_verdict(k, false, &k->hw->st.malformed);
			return;
		case MP_HTTP_HEAD:
			if (k->hp.msg.status < 200)
				break; /* 100 Continue, 103 Early Hints: the final one follows */
			ok = k->cluster < conf->n_clusters &&
			     mp_conf_health_status_ok(&conf->clusters[k->cluster].health,
			                              k->hp.msg.status);
			hc_verdict(k, ok, ok ? &k->hw->st.ok : &k->hw->st.bad_status);
			return;
		case MP_HTTP_BODY:
		case MP_HTTP_DONE:
			break;
		}
	}
}

static void
hc_data(struct mp_tcp_conn *c, struct rte_mbuf *m, void *arg)
{
	struct hc_check *k = arg;
	uint32_t len = m->pkt_len;

	k->got_bytes |= c == k->conn && len != 0;
	if (c == k->conn)
		for (struct rte_mbuf *seg = m; seg != NULL && !k->done; seg = seg->next)
			hc_parse(k, rte_pktmbuf_mtod(seg, const uint8_t *), seg->data_len);
	mp_tcp_recv_done(c, len);
	rte_pktmbuf_free(m);
}

static void
hc_peer_closed(struct mp_tcp_conn *c, void *arg)
{
	struct hc_check *k = arg;

	if (c == k->conn && !k->done)
		hc_verdict(k, false, k->got_bytes ? &k->hw->st.malformed : &k->hw->st.reset);
	mp_tcp_close(c);
}

static void
hc_reset(struct mp_tcp_conn *c, void *arg)
{
	struct hc_check *k = arg;

	if (c == k->conn)
		hc_fail_conn(k);
}

static void
hc_closed(struct mp_tcp_conn *c, void *arg)
{
	struct hc_check *k = arg;

	if (c != k->conn)
		return;
	hc_fail_conn(k);
	k->conn = NULL;
}

static const struct mp_tcp_callbacks hc_callbacks = {
        .connected = hc_connected,
        .data = hc_data,
        .peer_closed = hc_peer_closed,
        .reset = hc_reset,
        .closed = hc_closed,
};

/* Drop a slot's connection without a verdict (its `closed` sees another conn). */
static void
hc_drop(struct hc_check *k)
{
	struct mp_tcp_conn *c = k->conn;

	k->conn = NULL;
	if (c != NULL)
		mp_tcp_abort(c);
}

static int
hc_start(void *arg, unsigned int cluster, unsigned int idx, uint64_t token)
{
	struct hc_worker *hw = arg;
	struct mp_worker *w = hw->w;
	const struct mp_conf_endpoint *ep = &w->l4.cfg->conf->endpoints[idx];
	struct hc_check *k = &hw->checks[idx];
	const uint8_t *dst =
	        ep->addr.family == AF_INET ? (const uint8_t *)&ep->addr.v4 : ep->addr.v6;
	const uint8_t *src;
	uint16_t port = 0;

	hc_drop(k); /* a check of an older generation still closing */
	hw->st.started++;
	src = mp_app_tcp_source(w, ep->addr.family, dst, &port);
	if (src == NULL) {
		hw->st.no_route++;
		return -ENETUNREACH;
	}
	k->hw = hw;
	k->token = token;
	k->idx = idx;
	k->cluster = (uint16_t)cluster;
	k->connected = false;
	k->got_bytes = false;
	k->done = false;
	if (mp_http_init(&k->hp, MP_HTTP_RESPONSE, &hc_params, k->fields) != 0)
		return -EINVAL;
	mp_http_expect_response(&k->hp, MP_HTTP_M_GET);
	mp_tcp_set_now(w->tcp, w->net.now);
	k->conn =
	        mp_tcp_connect(w->tcp, ep->addr.family, src, dst, ep->port, port, &hc_callbacks, k);
	if (k->conn == NULL) {
		hw->st.connect_failed++;
		return -ENOSPC;
	}
	return 0;
}

static void
hc_cancel(void *arg, unsigned int idx)
{
	struct hc_worker *hw = arg;
	struct hc_check *k = &hw->checks[idx];

	if (!k->done)
		hw->st.timeouts++;
	k->done = true;
	hc_drop(k);
}

int
mp_app_health_http_setup(struct mp_worker *w)
{
	struct hc_worker *hw;

	mp_http_params_default(&hc_params);
	hc_params.max_headers = HC_MAX_FIELDS;
	hw = calloc(1, sizeof(*hw));
	if (hw == NULL)
		return -ENOMEM;
	hw->checks = calloc(MP_MAX_ENDPOINTS, sizeof(*hw->checks));
	if (hw->checks == NULL) {
		free(hw);
		return -ENOMEM;
	}
	hw->w = w;
	hw->ops.start = hc_start;
	hw->ops.cancel = hc_cancel;
	hw->ops.arg = hw;
	hc_workers[w->index] = hw;
	w->l4.http_check = &hw->ops;
	return 0;
}

void
mp_app_health_http_teardown(struct mp_worker *w)
{
	struct hc_worker *hw = hc_workers[w->index];

	if (hw == NULL)
		return;
	w->l4.http_check = NULL;
	hc_workers[w->index] = NULL;
	free(hw->checks);
	free(hw);
}

static const struct meshpath *hc_mp; /* for telemetry */

/* /meshpath/health/http */
static int
hc_tel(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct hc_stats sum = {0};

	(void)cmd;
	(void)params;
	for (unsigned int i = 0; i < hc_mp->n_workers; i++) {
		const struct hc_worker *hw = hc_workers[i];

		if (hw == NULL)
			continue;
#define HC_STAT_SUM(name, desc) sum.name += hw->st.name;
		HC_STAT_LIST(HC_STAT_SUM)
#undef HC_STAT_SUM
	}
	rte_tel_data_start_dict(d);
#define HC_STAT_TEL(name, desc) rte_tel_data_add_dict_u64(d, #name, sum.name);
	HC_STAT_LIST(HC_STAT_TEL)
#undef HC_STAT_TEL
	return 0;
}

int
mp_app_health_http_telemetry(const struct meshpath *mp)
{
	hc_mp = mp;
	return rte_telemetry_register_cmd("/meshpath/health/http", hc_tel,
	                                  "HTTP health checks summed over the workers: started, "
	                                  "ok, bad_status, malformed, connect_failed, reset, "
	                                  "no_route, timeouts");
}
