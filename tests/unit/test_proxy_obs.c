/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/proxy's request observation (proxy_obs.c) driven hook by hook with a fake loop clock:
 * receive stamps take the iteration's start, send stamps its end (the next start); the proxy's
 * own time leaves out a new connection's handshake and is not sampled for a retried request;
 * histograms per cluster and per direction get exactly the samples due; the access-log record
 * carries the times (the first response byte out to the client included, for local responses
 * too), the status, the local reason and the bytes; requests beyond what one iteration can
 * hold are finished at once and counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_ring_elem.h>

#include "mp_net.h"
#include "proxy_priv.h"
#include "test_proxy.h"

struct obs_fix {
	struct mp_net_ctx net;
	struct mp_conf *conf;
	struct mp_proxy_worker *pw;
	struct px_down d;
	struct px_up u;
};

static struct obs_fix *
obs_fix(void)
{
	struct obs_fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->conf = calloc(1, sizeof(*f->conf));
	f->pw = calloc(1, sizeof(*f->pw));
	assert_non_null(f->conf);
	assert_non_null(f->pw);
	f->conf->n_clusters = 2;
	f->pw->net = &f->net;
	f->pw->downs = &f->d;
	f->pw->lim.max_downstream = 1;
	f->pw->obs.socket_id = SOCKET_ID_ANY;
	assert_int_equal(px_obs_create(f->pw, f->conf), 0);
	f->d.pw = f->pw;
	f->d.table = -1;
	f->u.family = AF_INET;
	return f;
}

static void
obs_fix_free(struct obs_fix *f)
{
	px_obs_free(f->pw);
	free(f->pw);
	free(f->conf);
	free(f);
}

/* The access log on, over a ring of 64 records counted in cnt. */
static struct rte_ring *
obs_alog(struct obs_fix *f, struct mp_counters *cnt, unsigned int id)
{
	struct rte_ring *ring = mp_alog_ring_create(id, 64, SOCKET_ID_ANY);

	assert_non_null(ring);
	assert_int_equal(mp_proxy_access_log(f->pw, ring, cnt), 0);
	return ring;
}

/* A request's first byte at now, its head parsed. */
static void
obs_request(struct obs_fix *f, uint64_t now)
{
	f->net.now = now;
	px_obs_start(&f->d);
	f->d.obs.parsed = true;
}

/* Iteration boundary at now. */
static void
obs_loop(struct obs_fix *f, uint64_t now)
{
	f->net.now = now;
	px_obs_begin(f->pw);
}

void
test_obs_forwarded(void **st)
{
	struct obs_fix *f = obs_fix();
	struct px_down *d = &f->d;
	const struct mp_proxy_obs_stats *s = mp_proxy_obs_stats(f->pw);

	(void)st;
	obs_request(f, 1000);
	d->has_cluster = true;
	d->cluster = 1;
	f->u.state = PX_U_CONNECTING; /* a new connection: its handshake is not the proxy's */
	px_obs_attach(d, &f->u);
	f->net.now = 5000;
	px_obs_connected(d);
	px_obs_up_sent(d);
	assert_true(d->obs.t_up_sent == PX_OBS_PENDING);
	obs_loop(f, 5100); /* the request left at the end of the iteration */
	assert_int_equal(d->obs.t_up_sent, 5100);
	f->net.now = 9000;
	px_obs_up_first(d);
	d->resp_started = true;
	d->out.total += 300;
	px_obs_down_sent(d);
	d->obs.status = 200;
	px_obs_end(d, 0);
	assert_int_equal(d->obs.t_start, 0);            /* ended: the next request starts afresh */
	assert_int_equal(s->cluster[1].total.count, 0); /* not before the iteration's end */
	obs_loop(f, 9200);
	assert_int_equal(s->cluster[1].total.count, 1);
	assert_int_equal(s->cluster[1].total.sum, 9200 - 1000);
	assert_int_equal(s->cluster[1].upstream.sum, 9000 - 5100);
	assert_int_equal(s->hop[MP_PROXY_HOP_REQUEST].sum, (5100 - 1000) - (5000 - 1000));
	assert_int_equal(s->hop[MP_PROXY_HOP_RESPONSE].sum, 9200 - 9000);
	assert_int_equal(s->cluster[0].total.count, 0);
	/* Hooks of no request change nothing. */
	f->net.now = 9300;
	px_obs_up_first(d);
	px_obs_end(d, 0);
	obs_loop(f, 9400);
	assert_int_equal(s->cluster[1].total.count, 1);
	obs_fix_free(f);
}

void
test_obs_local_and_retry(void **st)
{
	struct obs_fix *f = obs_fix();
	struct px_down *d = &f->d;
	const struct mp_proxy_obs_stats *s = mp_proxy_obs_stats(f->pw);
	struct mp_counters cnt = {0};
	struct rte_ring *ring = obs_alog(f, &cnt, 77);
	struct mp_alog_rec r;

	(void)st;
	/* Answered here within one iteration: its length is the request's time. */
	obs_request(f, 20000);
	d->out.total += 100;
	px_obs_local(d, MP_PROXY_L_NO_ROUTE, 404);
	obs_loop(f, 20050);
	assert_int_equal(rte_ring_sc_dequeue_elem(ring, &r, sizeof(r)), 0);
	assert_int_equal(r.type, MP_ALOG_HTTP);
	assert_int_equal(r.http.status, 404);
	assert_int_equal(r.http.local, MP_PROXY_L_NO_ROUTE + 1);
	assert_int_equal(r.http.bytes_out, 100);
	assert_int_equal(r.http.total, 50);
	assert_int_equal(r.http.down_first_byte, 50); /* a local response's first byte too */
	assert_true(r.http.connect == MP_ALOG_NO_TIME && r.http.first_byte == MP_ALOG_NO_TIME &&
	            r.http.proxy_request == MP_ALOG_NO_TIME);
	assert_int_equal(r.http.cluster, MP_ALOG_NO_INDEX);
	assert_int_equal(s->hop[MP_PROXY_HOP_REQUEST].count + s->hop[MP_PROXY_HOP_RESPONSE].count,
	                 0);

	/* From the pool, sent, reset, tried again: retried requests are not sampled inbound. */
	obs_request(f, 30000);
	f->u.state = PX_U_ACTIVE;
	px_obs_attach(d, &f->u);
	px_obs_up_sent(d);
	obs_loop(f, 30010);
	px_obs_retry(d);
	f->u.state = PX_U_CONNECTING;
	px_obs_attach(d, &f->u);
	f->net.now = 30500;
	px_obs_connected(d);
	px_obs_up_sent(d);
	obs_loop(f, 30510);
	f->net.now = 31000;
	px_obs_up_first(d);
	d->resp_started = true;
	d->out.total += 50; /* queued and ended in one iteration: sent at its end */
	d->obs.status = 200;
	px_obs_end(d, 0);
	obs_loop(f, 31100);
	assert_int_equal(rte_ring_sc_dequeue_elem(ring, &r, sizeof(r)), 0);
	assert_int_equal(r.http.retries, 1);
	assert_int_equal(r.http.connect, 30500 - 30000); /* the last attempt's */
	assert_int_equal(r.http.first_byte, 31000 - 30000);
	assert_int_equal(r.http.down_first_byte, 31100 - 30000);
	assert_int_equal(r.http.total, 31100 - 30000);
	assert_true(r.http.proxy_request == MP_ALOG_NO_TIME);
	assert_int_equal(r.http.proxy_response, 31100 - 31000);
	assert_int_equal(s->hop[MP_PROXY_HOP_REQUEST].count, 0);
	assert_int_equal(s->hop[MP_PROXY_HOP_RESPONSE].count, 1);
	assert_int_equal(cnt.events[MP_EV_ALOG_QUEUED], 2);

	/* More requests end in one iteration than wait for its end: finished at once. */
	f->net.now = 40000;
	for (unsigned int i = 0; i < PX_OBS_DONE + 3; i++) {
		px_obs_start(d);
		d->obs.parsed = true;
		px_obs_local(d, MP_PROXY_L_DIRECT, 200);
	}
	assert_int_equal(s->early, 3);
	obs_loop(f, 40001);
	assert_int_equal(cnt.events[MP_EV_ALOG_QUEUED] + cnt.events[MP_EV_ALOG_DROPPED],
	                 2 + PX_OBS_DONE + 3);
	rte_ring_free(ring);
	obs_fix_free(f);
}

void
test_obs_first_byte_out(void **st)
{
	struct obs_fix *f = obs_fix();
	struct px_down *d = &f->d;
	struct mp_counters cnt = {0};
	struct rte_ring *ring = obs_alog(f, &cnt, 78);
	struct mp_alog_rec r;

	(void)st;
	/* The response head goes out in one iteration, its body ends in a later one. */
	obs_request(f, 50000);
	f->u.state = PX_U_ACTIVE;
	px_obs_attach(d, &f->u);
	px_obs_up_sent(d);
	obs_loop(f, 50010);
	f->net.now = 51000;
	px_obs_up_first(d);
	d->resp_started = true;
	d->out.total += 100;
	px_obs_down_sent(d);
	obs_loop(f, 51020); /* the head left at the end of that iteration */
	f->net.now = 52000;
	d->out.total += 900;
	px_obs_down_sent(d); /* later bytes move nothing */
	d->obs.status = 200;
	px_obs_end(d, 0);
	obs_loop(f, 52030);
	assert_int_equal(rte_ring_sc_dequeue_elem(ring, &r, sizeof(r)), 0);
	assert_int_equal(r.http.first_byte, 51000 - 50000);
	assert_int_equal(r.http.down_first_byte, 51020 - 50000);
	assert_int_equal(r.http.total, 52030 - 50000);
	assert_int_equal(r.http.proxy_response, 51020 - 51000);

	/* The client left before any response byte: no first byte out. */
	d->resp_started = false;
	obs_request(f, 60000);
	px_obs_attach(d, &f->u);
	px_obs_up_sent(d);
	obs_loop(f, 60010);
	px_obs_closed(d);
	obs_loop(f, 60500);
	assert_int_equal(rte_ring_sc_dequeue_elem(ring, &r, sizeof(r)), 0);
	assert_true(r.http.down_first_byte == MP_ALOG_NO_TIME);
	assert_true(r.http.first_byte == MP_ALOG_NO_TIME);
	assert_int_equal(r.http.total, 60500 - 60000);
	rte_ring_free(ring);
	obs_fix_free(f);
}
