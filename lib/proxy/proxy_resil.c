/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Resilience of forwarded requests (issue 6): the route's timeouts, retries, outlier reports,
 * the cluster's circuit breakers and its L7 pick, per worker, on lib/lb's decisions
 * (mp_lb_l7.h shows the flow this file follows).
 *
 * Timeouts: one timer per downstream connection (rtimer) armed at the earliest of the
 * request's deadlines (whole request, first response byte, idle since the last byte either
 * way); when it fires early (the idle deadline moved), it is armed again. A timeout answers
 * 504 (408 while the client's request is incomplete) when no response byte went out, else
 * closes the client's connection; the upstream connection is aborted either way.
 *
 * Retries: body-less requests only. Their rewritten head is kept (the `retry` queue) until
 * the response head arrives, so the request can be sent again whole; a request with a body
 * has streamed its body to the failed upstream and is not retried (counted as
 * retries_refused_with_body when a retry was otherwise due). A retried 502/503/504 is not
 * relayed: its upstream connection is aborted, its body never read. The retry waits
 * mp_lb_retry_backoff() on the worker's wheel (btimer), then picks again avoiding the endpoint
 * that failed.
 *
 * Breakers, per worker (its share of each limit): max_requests is held from the pick to the
 * request's end, max_retries while a request is being retried, max_pending_requests while its
 * new upstream connection is being opened, max_connections while a connection is open.
 * Overflow is answered 503 with x-meshpath-overflow naming the breaker; for max_retries, a
 * retry refused answers 503 in place of the failure it was due for.
 */
#include <string.h>

#include "mp_lb.h"
#include "mp_net.h"
#include "mp_proxy_key.h"
#include "proxy_priv.h"

static inline uint64_t
px_now_ns(const struct mp_proxy_worker *pw)
{
	uint64_t t = pw->net->now;

	return t / pw->hz * MP_LB_NS_PER_SEC + t % pw->hz * MP_LB_NS_PER_SEC / pw->hz;
}

static inline const struct mp_route *
px_route(const struct px_down *d)
{
	return d->gen == d->pw->gen ? d->route : NULL;
}

static inline bool
px_cluster_ok(const struct mp_proxy_worker *pw, uint16_t c)
{
	return c < pw->v.n_clusters && pw->v.clusters[c] != NULL && pw->v.conf != NULL &&
	       c < pw->v.conf->n_clusters;
}

static inline struct mp_lb_outlier *
px_outlier(const struct mp_proxy_worker *pw, uint16_t c)
{
	return pw->v.outlier != NULL && px_cluster_ok(pw, c) ? pw->v.outlier[c] : NULL;
}

void
px_resil_conf(struct mp_proxy_worker *pw, const struct mp_conf *conf)
{
	for (unsigned int c = 0; c < MP_MAX_CLUSTERS; c++) {
		struct mp_lb_breaker *b = &pw->st.resil[c].brk;
		struct mp_lb_breaker keep = *b;
		struct mp_lb_breaker_params p;

		if (conf != NULL && c < conf->n_clusters)
			mp_lb_breaker_params_from_conf(&p, &conf->clusters[c]);
		else
			mp_lb_breaker_params_default(&p);
		/* Limits per worker; the gauges and counters go on across a reload. */
		mp_lb_breaker_init(b, &p, conf != NULL ? RTE_MAX(conf->n_workers, 1u) : 1);
		memcpy(b->active, keep.active, sizeof(b->active));
		memcpy(b->overflow, keep.overflow, sizeof(b->overflow));
	}
}

/* Bring back the endpoints whose ejection is over, for the gauge (picks need no tick). */
static void
px_tick_fire(struct mp_timer *t, uint64_t now)
{
	struct mp_proxy_worker *pw = container_of(t, struct mp_proxy_worker, tick);
	uint64_t ns = px_now_ns(pw);

	for (unsigned int c = 0; pw->v.outlier != NULL && c < pw->v.n_clusters; c++)
		if (pw->v.outlier[c] != NULL)
			mp_lb_outlier_tick(pw->v.outlier[c], ns);
	mp_timer_arm(pw->wheel, t, now + pw->hz);
}

void
px_resil_tick(struct mp_proxy_worker *pw)
{
	if (pw->tick.fn == NULL)
		mp_timer_init(&pw->tick, px_tick_fire);
	if (!mp_timer_armed(&pw->tick))
		mp_timer_arm(pw->wheel, &pw->tick, pw->net->now + pw->hz);
}

static void
px_overflow(struct px_down *d, enum mp_lb_breaker_kind k)
{
	d->overflow = mp_lb_breaker_name(k);
}

bool
px_resil_admit(struct px_down *d)
{
	struct mp_proxy_worker *pw = d->pw;
	enum mp_lb_breaker_kind k;

	k = mp_lb_breaker_acquire(&pw->st.resil[d->cluster].brk, MP_LB_BRK_BIT(MP_LB_BRK_REQUESTS));
	if (k == MP_LB_BRK_NONE) {
		d->brk |= MP_LB_BRK_BIT(MP_LB_BRK_REQUESTS);
		return true;
	}
	px_down_consume_head(d);
	px_overflow(d, k);
	px_down_local(d, MP_PROXY_L_BREAKER, 0, NULL, 0, NULL, 0, false);
	return false;
}

/* --- hashing for ring_hash and maglev ------------------------------------------------------ */

static bool
px_name_eq(struct mp_route_str a, struct mp_route_str lower)
{
	if (a.len != lower.len)
		return false;
	for (uint32_t i = 0; i < a.len; i++) {
		uint8_t c = ((const uint8_t *)a.p)[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		if (c != ((const uint8_t *)lower.p)[i])
			return false;
	}
	return true;
}

/* The request's hash key (from the head being routed: pw->rhdrs), or a random one. */
static uint64_t
px_hash_key(struct px_down *d)
{
	struct mp_proxy_worker *pw = d->pw;
	const struct mp_route *r = px_route(d);
	const struct mp_route_str cookie = {.p = "cookie", .len = 6};

	if (r == NULL)
		return px_rand(pw);
	switch (r->hash_kind) {
	case MP_CONF_HASH_HEADER:
		for (unsigned int i = 0; i < d->req.msg.nfields; i++)
			if (px_name_eq(pw->rhdrs[i].name, r->hash_name))
				return mp_proxy_key_hash(pw->rhdrs[i].value.p,
				                         pw->rhdrs[i].value.len);
		break;
	case MP_CONF_HASH_COOKIE:
		for (unsigned int i = 0; i < d->req.msg.nfields; i++) {
			struct mp_route_str v;

			if (px_name_eq(pw->rhdrs[i].name, cookie) &&
			    mp_proxy_key_cookie(pw->rhdrs[i].value, r->hash_name, &v))
				return mp_proxy_key_hash(v.p, v.len);
		}
		break;
	case MP_CONF_HASH_SOURCE:
		return mp_proxy_key_hash(d->addr, d->addr_len);
	default:
		break;
	}
	return px_rand(pw);
}

int
px_resil_pick(struct px_down *d, int avoid)
{
	struct mp_proxy_worker *pw = d->pw;
	uint16_t c = d->cluster;
	uint64_t now = px_now_ns(pw);
	const struct mp_lb_outlier *o = px_outlier(pw, c);

	if (!px_cluster_ok(pw, c))
		return -1;
	if (avoid < 0)
		d->hkey = px_hash_key(d); /* a retry hashes what the first attempt hashed */
	if (pw->v.conf->clusters[c].policy == MP_LB_RING_HASH && pw->v.rings != NULL &&
	    pw->v.rings[c] != NULL)
		return mp_lb_ring_pick(pw->v.rings[c], o, avoid, d->hkey, now);
	return mp_lb_pick_l7(pw->v.clusters[c], pw->v.lb[c], o, avoid, d->hkey, now);
}

/* --- timeouts ------------------------------------------------------------------------------ */

static void
px_rtimer_arm(struct px_down *d)
{
	struct mp_proxy_worker *pw = d->pw;
	const struct mp_route *r = px_route(d);
	uint64_t t = UINT64_MAX;

	if (d->t_request != 0)
		t = d->t_request;
	if (d->t_first_byte != 0)
		t = RTE_MIN(t, d->t_first_byte);
	if (r != NULL && r->timeouts.idle_ms != 0)
		t = RTE_MIN(t, d->t_last + px_ms(pw, r->timeouts.idle_ms));
	if (t != UINT64_MAX)
		mp_timer_arm(pw->wheel, &d->rtimer, t);
	else
		mp_timer_cancel(pw->wheel, &d->rtimer);
}

static void
px_report(struct mp_proxy_worker *pw, uint16_t c, uint16_t ep, enum mp_lb_outcome o)
{
	struct mp_lb_outlier *ol = px_outlier(pw, c);

	if (ol != NULL && ep < mp_lb_cluster_n_endpoints(pw->v.clusters[c]))
		mp_lb_outlier_report(ol, ep, o, px_now_ns(pw));
}

static void
px_rtimer_fire(struct mp_timer *t, uint64_t now)
{
	struct px_down *d = container_of(t, struct px_down, rtimer);
	struct mp_proxy_worker *pw = d->pw;
	const struct mp_route *r = px_route(d);
	enum mp_proxy_timeout kind;
	bool client;

	if (d->c == NULL || !d->has_cluster || d->state == PX_D_TUNNEL ||
	    d->state == PX_D_CLOSING || d->state == PX_D_HEAD)
		return;
	if (d->t_request != 0 && now >= d->t_request)
		kind = MP_PROXY_TO_REQUEST;
	else if (d->t_first_byte != 0 && now >= d->t_first_byte)
		kind = MP_PROXY_TO_FIRST_BYTE;
	else if (r != NULL && r->timeouts.idle_ms != 0 &&
	         now >= d->t_last + px_ms(pw, r->timeouts.idle_ms))
		kind = MP_PROXY_TO_IDLE;
	else {
		px_rtimer_arm(d); /* the idle deadline moved */
		return;
	}
	pw->st.resil[d->cluster].timeouts[kind]++;
	client = !d->req_done;
	if (d->up != NULL) {
		struct px_up *u = d->up;

		if (!client)
			px_report(pw, u->cluster, u->ep,
			          u->state == PX_U_CONNECTING ? MP_LB_OUTCOME_CONNECT_FAILURE
			                                      : MP_LB_OUTCOME_5XX);
		px_up_abort(u);
	}
	px_down_upstream_failed(d,
	                        client ? MP_PROXY_L_REQUEST_TIMEOUT : MP_PROXY_L_UPSTREAM_TIMEOUT);
}

void
px_resil_touch(struct px_down *d)
{
	d->t_last = d->pw->net->now;
}

uint32_t
px_resil_connect_ms(const struct px_down *d)
{
	const struct mp_route *r = px_route(d);

	return r != NULL && r->timeouts.connect_ms != 0 ? r->timeouts.connect_ms
	                                                : d->pw->lim.connect_timeout_ms;
}

static void
px_btimer_fire(struct mp_timer *t, uint64_t now);

void
px_resil_forwarded(struct px_down *d)
{
	struct mp_proxy_worker *pw = d->pw;
	const struct mp_route *r = px_route(d);
	uint64_t now = pw->net->now;

	if (d->rtimer.fn == NULL) {
		mp_timer_init(&d->rtimer, px_rtimer_fire);
		mp_timer_init(&d->btimer, px_btimer_fire);
	}
	d->t_last = now;
	d->t_first_byte = 0;
	d->t_request = r != NULL && r->timeouts.request_ms != 0
	                       ? now + px_ms(pw, r->timeouts.request_ms)
	                       : 0;
	px_rtimer_arm(d);
}

void
px_resil_sent(struct px_down *d)
{
	struct mp_proxy_worker *pw = d->pw;
	const struct mp_route *r = px_route(d);

	if (r == NULL || r->timeouts.first_byte_ms == 0 || d->rtimer.fn == NULL)
		return;
	d->t_first_byte = pw->net->now + px_ms(pw, r->timeouts.first_byte_ms);
	px_rtimer_arm(d);
}

void
px_resil_end(struct px_down *d)
{
	struct mp_proxy_worker *pw = d->pw;

	if (d->rtimer.fn != NULL) {
		mp_timer_cancel(pw->wheel, &d->rtimer);
		mp_timer_cancel(pw->wheel, &d->btimer);
	}
	d->t_request = d->t_first_byte = 0;
	if (d->brk != 0 && d->has_cluster)
		mp_lb_breaker_release(&pw->st.resil[d->cluster].brk, d->brk);
	d->brk = 0;
}

/* --- retries ------------------------------------------------------------------------------- */

static bool
px_idempotent(uint8_t m)
{
	switch (m) {
	case MP_HTTP_M_GET:
	case MP_HTTP_M_HEAD:
	case MP_HTTP_M_OPTIONS:
	case MP_HTTP_M_TRACE:
	case MP_HTTP_M_PUT:
	case MP_HTTP_M_DELETE:
		return true;
	default:
		return false;
	}
}

/* What px_retry() decided. */
enum px_retry_do {
	PX_RETRY_NO,        /* the failure goes to the client as it is */
	PX_RETRY_SCHEDULED, /* sent again after its back-off */
	PX_RETRY_OVERFLOW,  /* due, but max_retries is full: d->overflow names it for the 503 */
};

/* Decide on a retry of d's request after an attempt on ep ended; schedule it. */
static enum px_retry_do
px_retry(struct px_down *d, uint16_t ep, enum mp_lb_attempt_end end, uint16_t status)
{
	struct mp_proxy_worker *pw = d->pw;
	const struct mp_route *r = px_route(d);
	struct mp_proxy_resil *rs = &pw->st.resil[d->cluster];
	struct mp_lb_retry_params p;
	struct mp_lb_retry_req q = {0};
	enum mp_lb_retry_verdict v;
	uint64_t wait;
	bool held;

	if (r == NULL || d->c == NULL || !d->has_cluster || !px_cluster_ok(pw, d->cluster) ||
	    d->rtimer.fn == NULL || d->state == PX_D_TUNNEL)
		return PX_RETRY_NO;
	p = r->retry;
	p.budget_percent = pw->v.conf->clusters[d->cluster].retry_budget_percent;
	p.min_retry_concurrency = pw->v.conf->clusters[d->cluster].retry_budget_min;
	q.end = end;
	q.status = status;
	q.idempotent = px_idempotent(d->method);
	q.downstream_started = d->resp_started;
	q.retries_done = d->retries;
	held = d->retry_keep && !px_q_empty(&d->retry) && d->req_done && d->state == PX_D_WAIT;
	v = mp_lb_retry_decide(&p, &q, rs->brk.active[MP_LB_BRK_REQUESTS],
	                       rs->brk.active[MP_LB_BRK_RETRIES], NULL);
	if (v == MP_LB_RETRY_RETRY && !held) {
		/* A body went to the failed upstream and is not kept: counted apart. */
		pw->st.err[MP_PROXY_E_RETRY_BODY]++;
		return PX_RETRY_NO;
	}
	rs->retry.verdicts[v]++;
	if (v != MP_LB_RETRY_RETRY)
		return PX_RETRY_NO;
	if (!(d->brk & MP_LB_BRK_BIT(MP_LB_BRK_RETRIES))) {
		enum mp_lb_breaker_kind k =
		        mp_lb_breaker_acquire(&rs->brk, MP_LB_BRK_BIT(MP_LB_BRK_RETRIES));

		if (k != MP_LB_BRK_NONE) {
			/* Counted in the breaker's overflow. A retry is due only while no response
			 * byte went out (the verdict's NO_STARTED), so the 503 can still be sent.
			 */
			px_overflow(d, k);
			return PX_RETRY_OVERFLOW;
		}
		d->brk |= MP_LB_BRK_BIT(MP_LB_BRK_RETRIES);
	}
	wait = mp_lb_retry_backoff(&p, d->retries, px_rand(pw));
	d->retries++;
	px_obs_retry(d); /* the access log's retries; the attempt's timings start over */
	d->failed_ep = ep;
	d->t_first_byte = 0;
	mp_timer_arm(pw->wheel, &d->btimer,
	             pw->net->now + wait / MP_LB_NS_PER_MS * (pw->hz / 1000) +
	                     wait % MP_LB_NS_PER_MS * (pw->hz / 1000) / MP_LB_NS_PER_MS);
	return PX_RETRY_SCHEDULED;
}

/* The back-off is over: the request goes to an endpoint again. */
static void
px_btimer_fire(struct mp_timer *t, uint64_t now)
{
	struct px_down *d = container_of(t, struct px_down, btimer);
	struct mp_proxy_worker *pw = d->pw;
	struct px_up *u;
	uint32_t n;
	int ep;

	(void)now;
	if (d->c == NULL || d->up != NULL || d->state != PX_D_WAIT || px_q_empty(&d->retry))
		return;
	ep = px_resil_pick(d, d->failed_ep);
	if (ep < 0) {
		px_down_upstream_failed(d, MP_PROXY_L_NO_HEALTHY);
		return;
	}
	u = px_up_get(pw, d, d->cluster, (uint16_t)ep, false);
	if (u == NULL)
		return; /* answered */
	n = d->retry.bytes;
	if (n > pw->out_cap)
		goto fail;
	px_q_copy(&d->retry, n, pw->out_buf);
	if (px_q_append_bytes(&u->out, pw->out_buf, n, 0, pw->pool) < 0) {
		pw->st.err[MP_PROXY_E_NO_MBUF]++;
		goto fail;
	}
	px_resil_sent(d);
	px_up_flush(u);
	return;
fail:
	px_up_abort(u);
	px_down_upstream_failed(d, MP_PROXY_L_HEAD_TOO_LARGE);
}

bool
px_resil_response(struct px_up *u)
{
	struct mp_proxy_worker *pw = u->pw;
	struct px_down *d = u->down;
	uint16_t status = u->resp.msg.status;
	uint16_t ep = u->ep;
	enum px_retry_do what;

	d->t_first_byte = 0;
	if (status < 200)
		return false;
	px_report(pw, u->cluster, ep, status >= 500 ? MP_LB_OUTCOME_5XX : MP_LB_OUTCOME_SUCCESS);
	what = px_retry(d, ep, MP_LB_END_RESPONSE, status);
	if (what == PX_RETRY_NO) {
		px_q_free(&d->retry);
		return false;
	}
	/* Not relayed: the connection goes, with whatever of this response it still sends. */
	u->keep = false;
	px_up_abort(u);
	if (what == PX_RETRY_OVERFLOW)
		px_down_upstream_failed(d, MP_PROXY_L_BREAKER);
	return true;
}

bool
px_resil_failed(struct px_down *d, uint16_t ep, bool connect, bool report)
{
	struct mp_proxy_worker *pw = d->pw;

	if (report && px_cluster_ok(pw, d->cluster))
		px_report(pw, d->cluster, ep,
		          connect ? MP_LB_OUTCOME_CONNECT_FAILURE : MP_LB_OUTCOME_5XX);
	switch (px_retry(d, ep, connect ? MP_LB_END_CONNECT_FAILURE : MP_LB_END_RESET, 0)) {
	case PX_RETRY_SCHEDULED:
		return true;
	case PX_RETRY_OVERFLOW:
		px_down_upstream_failed(d, MP_PROXY_L_BREAKER);
		return true;
	default:
		return false;
	}
}

/* --- connection breakers ------------------------------------------------------------------- */

bool
px_resil_conn_acquire(struct mp_proxy_worker *pw, struct px_down *d, uint16_t cluster)
{
	enum mp_lb_breaker_kind k;

	k = mp_lb_breaker_acquire(&pw->st.resil[cluster].brk,
	                          MP_LB_BRK_BIT(MP_LB_BRK_CONNECTIONS) |
	                                  MP_LB_BRK_BIT(MP_LB_BRK_PENDING));
	if (k == MP_LB_BRK_NONE)
		return true;
	px_overflow(d, k);
	return false;
}

void
px_resil_conn_release(struct px_up *u, bool connection)
{
	struct mp_lb_breaker *b = &u->pw->st.resil[u->cluster].brk;

	if (u->pending) {
		u->pending = false;
		mp_lb_breaker_release(b, MP_LB_BRK_BIT(MP_LB_BRK_PENDING));
	}
	if (connection && u->brk_conn) {
		u->brk_conn = false;
		mp_lb_breaker_release(b, MP_LB_BRK_BIT(MP_LB_BRK_CONNECTIONS));
	}
}
