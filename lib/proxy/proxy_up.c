/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Upstream connections: the proxy's connections to endpoints, pooled per worker and endpoint.
 * An idle connection waits in its endpoint's pool (a LIFO stack: the most recently used is the
 * warmest and the least likely to have been closed by the server) until it is reused, its idle
 * timeout closes it, or the server closes it. Responses are parsed as they arrive; the head
 * is rewritten for the client, the body moves as mbufs; 1xx responses are relayed, 101 turns
 * both connections into a tunnel.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>

#include "mp_lb.h"
#include "mp_net.h"
#include "proxy_priv.h"

static void
px_pool_remove(struct mp_proxy_worker *pw, struct px_up *u)
{
	if (u->state != PX_U_IDLE)
		return;
	if (u->prev != NULL)
		u->prev->next = u->next;
	else
		pw->pools[u->pool_key] = u->next;
	if (u->next != NULL)
		u->next->prev = u->prev;
	u->next = u->prev = NULL;
	mp_timer_cancel(pw->wheel, &u->timer);
	pw->st.up_idle--;
	u->state = PX_U_ACTIVE;
}

static void
px_pool_push(struct mp_proxy_worker *pw, struct px_up *u)
{
	u->state = PX_U_IDLE;
	u->prev = NULL;
	u->next = pw->pools[u->pool_key];
	if (u->next != NULL)
		u->next->prev = u;
	pw->pools[u->pool_key] = u;
	pw->st.up_idle++;
	mp_timer_arm(pw->wheel, &u->timer, pw->net->now + px_ms(pw, pw->lim.upstream_idle_ms));
}

/*
 * Cut the link between u and its downstream connection. Bytes still queued each way were to
 * reopen their source's window once sent: they do it now, so that neither connection's window
 * shrinks for good, and no queued mbuf is left releasing to a connection it no longer belongs
 * to (the client's next upstream).
 */
static void
px_up_detach(struct px_up *u)
{
	struct mp_proxy_worker *pw = u->pw;
	struct px_down *d = u->down;

	if (d == NULL)
		return;
	px_q_release(&d->out, u->c);
	px_q_release(&u->out, d->c);
	u->down = NULL;
	d->up = NULL;
	px_resil_conn_release(u, false);
	if (u->cluster < pw->v.n_clusters && pw->v.lb[u->cluster] != NULL)
		mp_lb_flow_close(pw->v.lb[u->cluster], u->ep);
}

void
px_up_close(struct px_up *u)
{
	struct mp_tcp_conn *c = u->c;

	px_pool_remove(u->pw, u);
	px_up_detach(u);
	mp_timer_cancel(u->pw->wheel, &u->timer);
	u->state = PX_U_DEAD;
	if (c != NULL)
		mp_tcp_close(c); /* `closed` may run now: u is not touched after */
}

void
px_up_abort(struct px_up *u)
{
	struct mp_tcp_conn *c = u->c;

	px_pool_remove(u->pw, u);
	px_up_detach(u);
	mp_timer_cancel(u->pw->wheel, &u->timer);
	if (u->state == PX_U_DEAD)
		return;
	u->state = PX_U_DEAD;
	if (c != NULL)
		mp_tcp_abort(c);
}

static void
px_up_timer_fire(struct mp_timer *t, uint64_t now);

/* A new connection to the endpoint (cluster, ep), or NULL with the reason for the client. */
static struct px_up *
px_up_connect(struct mp_proxy_worker *pw, uint16_t cluster, uint16_t ep, uint32_t key,
              enum mp_proxy_lreason *why)
{
	const struct mp_lb_endpoint *e = mp_lb_endpoint(pw->v.clusters[cluster], ep);
	const uint8_t *dst = e->family == AF_INET ? (const uint8_t *)&e->addr.v4 : e->addr.v6;
	const struct mp_net_addr *src = NULL;
	const struct mp_nexthop *nh;
	struct px_up *u = pw->up_free;

	if (u == NULL) {
		pw->st.err[MP_PROXY_E_UP_REFUSED]++;
		*why = MP_PROXY_L_OVERFLOW;
		return NULL;
	}
	nh = e->family == AF_INET ? mp_route_lookup4(pw->net->routes, e->addr.v4)
	                          : mp_route_lookup6(pw->net->routes, e->addr.v6);
	if (nh != NULL)
		src = mp_net_iface_source(&pw->net->ifaces[nh->port], e->family,
		                          nh->gateway ? nh->addr : dst);
	if (src == NULL) {
		pw->st.err[MP_PROXY_E_NO_SOURCE]++;
		*why = MP_PROXY_L_CONNECT_FAILED;
		return NULL;
	}
	pw->up_free = u->next;
	memset(u, 0, sizeof(*u));
	u->pw = pw;
	u->cluster = cluster;
	u->ep = ep;
	u->pool_key = key;
	u->family = e->family;
	memcpy(u->addr, dst, e->family == AF_INET ? 4 : 16);
	u->port = e->port;
	u->state = PX_U_CONNECTING;
	mp_timer_init(&u->timer, px_up_timer_fire);
	u->c = mp_tcp_connect(pw->tcp, e->family, src->addr, dst, rte_be_to_cpu_16(e->port),
	                      nh->port, &px_up_cb, u);
	if (u->c == NULL) {
		u->free = true;
		u->next = pw->up_free;
		pw->up_free = u;
		pw->st.err[MP_PROXY_E_UP_REFUSED]++;
		*why = MP_PROXY_L_OVERFLOW;
		return NULL;
	}
	pw->st.up_active++;
	pw->st.cluster[cluster].c[MP_PROXY_C_CX_OPENED]++;
	mp_timer_arm(pw->wheel, &u->timer, pw->net->now + px_ms(pw, pw->lim.connect_timeout_ms));
	return u;
}

static void
px_up_attach(struct px_up *u, struct px_down *d)
{
	struct mp_proxy_worker *pw = u->pw;

	u->down = d;
	d->up = u;
	u->requests++;
	u->got_bytes = u->keep = u->dechunk = false;
	u->hscan = 0;
	u->rstate = PX_R_HEAD;
	px_obs_attach(d, u);
	if (u->cluster < pw->v.n_clusters && pw->v.lb[u->cluster] != NULL)
		mp_lb_flow_open(pw->v.lb[u->cluster], u->ep);
}

static bool
px_up_same_endpoint(const struct px_up *u, const struct mp_lb_endpoint *e)
{
	const uint8_t *a = e->family == AF_INET ? (const uint8_t *)&e->addr.v4 : e->addr.v6;

	return u->family == e->family && u->port == e->port &&
	       memcmp(u->addr, a, e->family == AF_INET ? 4 : 16) == 0;
}

struct px_up *
px_up_get(struct mp_proxy_worker *pw, struct px_down *d, uint16_t cluster, uint16_t ep, bool fresh)
{
	const struct mp_conf *conf = pw->v.conf;
	const struct mp_lb_endpoint *e = mp_lb_endpoint(pw->v.clusters[cluster], ep);
	uint32_t key = conf->clusters[cluster].first_endpoint + ep;
	enum mp_proxy_lreason why = MP_PROXY_L_OVERFLOW;
	struct px_up *u;

	if (key >= MP_MAX_ENDPOINTS)
		key = MP_MAX_ENDPOINTS - 1; /* cannot happen with a validated config */
	while (!fresh && (u = pw->pools[key]) != NULL) {
		px_pool_remove(pw, u);
		if (px_up_same_endpoint(u, e) && u->c != NULL && !u->peer_closed) {
			u->reused = true;
			px_count(pw, d, MP_PROXY_C_CX_REUSED, 1);
			px_up_attach(u, d);
			return u;
		}
		/* The endpoint changed under it (a reload): not for this request. */
		px_up_close(u);
	}
	if (!px_resil_conn_acquire(pw, d, cluster)) {
		why = MP_PROXY_L_BREAKER;
		goto fail;
	}
	u = px_up_connect(pw, cluster, ep, key, &why);
	if (u == NULL) {
		mp_lb_breaker_release(&pw->st.resil[cluster].brk,
		                      MP_LB_BRK_BIT(MP_LB_BRK_CONNECTIONS) |
		                              MP_LB_BRK_BIT(MP_LB_BRK_PENDING));
		goto fail;
	}
	u->pending = u->brk_conn = true;
	mp_timer_arm(pw->wheel, &u->timer, pw->net->now + px_ms(pw, px_resil_connect_ms(d)));
	/* px_up_connect() counted the cluster's. */
	{
		struct mp_proxy_counters *rc = px_route_cnt(pw, d);

		if (rc != NULL)
			rc->c[MP_PROXY_C_CX_OPENED]++;
	}
	px_up_attach(u, d);
	return u;

fail:
	if (d->state == PX_D_HEAD) {
		px_down_consume_head(d);
		px_down_local(d, why, 0, NULL, 0, NULL, 0, false);
	} else {
		px_down_upstream_failed(d, why); /* a retry */
	}
	return NULL;
}

void
px_up_flush(struct px_up *u)
{
	struct px_down *d = u->down;
	uint64_t sent = 0;
	int rc;

	if (u->state != PX_U_ACTIVE || u->c == NULL)
		return;
	rc = px_q_flush(&u->out, u->c, d != NULL ? d->c : NULL, &sent);
	if (sent != 0 && d != NULL)
		px_obs_up_sent(d);
	if (rc != 0)
		return;
	if (d != NULL && d->state == PX_D_TUNNEL && d->peer_closed && !u->shut_sent) {
		u->shut_sent = true;
		mp_tcp_shutdown(u->c);
		px_down_flush(d); /* closes the tunnel when the other direction ended too */
	}
}

/*
 * The attempt on u failed before its response completed. conn_gone: u's TCP connection is
 * closing by itself (reset, `closed`). A request without a body sent on a pooled connection
 * that gave no response byte is sent once more on a new connection.
 */
static void
px_up_fail(struct px_up *u, enum mp_proxy_lreason why, bool conn_gone)
{
	struct mp_proxy_worker *pw = u->pw;
	struct px_down *d = u->down;
	uint16_t cluster = u->cluster, ep = u->ep;
	uint32_t key = u->pool_key;
	bool stale = !u->got_bytes && u->reused;
	bool connect = u->state == PX_U_CONNECTING;

	px_up_detach(u);
	if (conn_gone) {
		px_pool_remove(pw, u);
		mp_timer_cancel(pw->wheel, &u->timer);
		u->state = PX_U_DEAD;
	} else {
		px_up_abort(u);
	}
	if (d == NULL || d->c == NULL)
		return;
	if (stale && !px_q_empty(&d->retry) && d->state == PX_D_WAIT &&
	    cluster < pw->v.n_clusters && pw->v.clusters[cluster] != NULL &&
	    ep < mp_lb_cluster_n_endpoints(pw->v.clusters[cluster])) {
		struct px_up *n;
		enum mp_proxy_lreason w2 = why;

		pw->st.err[MP_PROXY_E_STALE_RETRY]++;
		px_obs_retry(d);
		n = px_up_connect(pw, cluster, ep, key, &w2);
		if (n != NULL) {
			uint32_t len = d->retry.bytes;

			px_up_attach(n, d);
			/* A copy: the route's retries may need the request again. */
			if (len <= pw->out_cap) {
				px_q_copy(&d->retry, len, pw->out_buf);
				if (px_q_append_bytes(&n->out, pw->out_buf, len, 0, pw->pool) == 0)
					return;
			}
			px_up_abort(n);
			w2 = MP_PROXY_L_HEAD_TOO_LARGE;
		}
		why = w2;
	}
	if (px_resil_failed(d, ep, connect, !stale))
		return; /* retried after its back-off */
	px_down_upstream_failed(d, why);
}

/* The response is complete: the connection goes back to its pool or is closed. */
static void
px_up_response_end(struct px_up *u)
{
	struct mp_proxy_worker *pw = u->pw;
	struct px_down *d = u->down;
	bool reuse;

	px_up_detach(u);
	reuse = u->keep && d->req_done && px_q_empty(&u->out) && px_q_empty(&u->in) &&
	        !u->peer_closed && u->c != NULL &&
	        (pw->lim.max_requests == 0 || u->requests < pw->lim.max_requests);
	if (reuse)
		px_pool_push(pw, u);
	else
		px_up_close(u);
	px_down_response_done(d);
}

/* A response head: relay a 1xx, or rewrite the final one for the client. */
static int
px_up_head(struct px_up *u, const uint8_t *head)
{
	struct mp_proxy_worker *pw = u->pw;
	struct px_down *d = u->down;
	const struct mp_http_msg *msg = &u->resp.msg;
	uint32_t hl = msg->head_len;
	struct mp_proxy_resp_head rh = {0};
	bool final = msg->status >= 200 || msg->status == 101;
	bool close_down;
	int n;

	if (!final && d->minor == 0) {
		/* HTTP/1.0 clients do not get interim responses (RFC 9110 15.2). */
		px_q_drop(&u->in, hl);
		mp_tcp_recv_done(u->c, hl);
		return 0;
	}
	px_count_status(pw, d, msg->status);
	rh.head = head;
	rh.msg = msg;
	rh.fields = pw->fields;
	rh.route = d->gen == pw->gen ? d->route : NULL;
	if (!final) {
		rh.conn = MP_PROXY_CONN_DEFAULT;
	} else {
		u->dechunk = d->minor == 0 && msg->framing == MP_HTTP_BODY_CHUNKED;
		close_down =
		        d->close_after || msg->framing == MP_HTTP_BODY_UNTIL_CLOSE || u->dechunk;
		d->close_after |= close_down;
		u->keep = msg->keep_alive;
		rh.dechunk = u->dechunk;
		d->obs.status = msg->status;
		pw->st.err[MP_PROXY_E_DECHUNKED] += u->dechunk;
		if (msg->status == 101)
			rh.conn = MP_PROXY_CONN_UPGRADE;
		else if (close_down)
			rh.conn = MP_PROXY_CONN_CLOSE;
		else
			rh.conn = d->minor == 0 ? MP_PROXY_CONN_KEEP_ALIVE : MP_PROXY_CONN_DEFAULT;
	}
	n = mp_proxy_write_response(&rh, pw->out_buf, pw->out_cap);
	if (n < 0)
		return -ENOSPC;
	if (px_q_append_bytes(&d->out, pw->out_buf, (uint32_t)n, hl, pw->pool) < 0) {
		pw->st.err[MP_PROXY_E_NO_MBUF]++;
		return -ENOMEM;
	}
	d->resp_started = true;
	px_q_drop(&u->in, hl);
	return 0;
}

void
px_up_process(struct px_up *u)
{
	struct mp_proxy_worker *pw = u->pw;

	while (u->down != NULL) {
		struct px_down *d = u->down;
		const uint8_t *head = NULL;
		enum mp_http_event ev;
		uint64_t moved = 0;

		switch (u->rstate) {
		case PX_R_HEAD:
			if (px_q_empty(&u->in))
				return;
			/* As for requests (proxy_down.c): parse again only after an empty line. */
			if (u->hscan != 0 && !px_q_head_ready(&u->in, &u->hscan, pw->head_cap))
				return;
			u->resp = pw->resp_tmpl;
			mp_http_expect_response(&u->resp, (enum mp_http_method)d->method);
			ev = px_parse_head(pw, &u->resp, &u->in, &head);
			if (ev == MP_HTTP_AGAIN) {
				u->hscan = u->in.bytes;
				return;
			}
			u->hscan = 0;
			if (ev == MP_HTTP_ERROR) {
				pw->st.err[MP_PROXY_E_RESPONSE_PARSE]++;
				px_up_fail(u, MP_PROXY_L_BAD_RESPONSE, false);
				return;
			}
			if (px_resil_response(u))
				return; /* a 5xx consumed for a retry */
			if (px_up_head(u, head) < 0) {
				px_up_fail(u, MP_PROXY_L_HEAD_TOO_LARGE, false);
				return;
			}
			px_down_flush(d);
			if (u->resp.msg.status < 200 && u->resp.msg.status != 101)
				break; /* the final response follows */
			if (u->resp.msg.framing == MP_HTTP_BODY_TUNNEL) {
				px_down_tunnel(d);
				break;
			}
			if (u->resp.msg.framing == MP_HTTP_BODY_NONE) {
				px_up_response_end(u);
				return;
			}
			u->rstate = PX_R_BODY;
			break;
		case PX_R_BODY:
			ev = px_move_body(pw, &u->resp, &u->in, &d->out, u->dechunk, u->c, &moved);
			px_down_flush(d);
			if (ev == MP_HTTP_ERROR) {
				pw->st.err[MP_PROXY_E_RESPONSE_PARSE]++;
				px_up_fail(u, MP_PROXY_L_BAD_RESPONSE, false);
				return;
			}
			if (ev == MP_HTTP_DONE)
				px_up_response_end(u);
			return;
		case PX_R_TUNNEL:
		default:
			px_q_move_all(&u->in, &d->out);
			px_down_flush(d);
			return;
		}
	}
}

/* --- timers and TCP callbacks ------------------------------------------------------------- */

static void
px_up_timer_fire(struct mp_timer *t, uint64_t now)
{
	struct px_up *u = container_of(t, struct px_up, timer);
	struct mp_proxy_worker *pw = u->pw;

	(void)now;
	if (u->state == PX_U_CONNECTING) {
		pw->st.err[MP_PROXY_E_CONNECT_TIMEOUT]++;
		pw->st.resil[u->cluster].timeouts[MP_PROXY_TO_CONNECT]++;
		px_up_fail(u, MP_PROXY_L_CONNECT_TIMEOUT, false);
	} else if (u->state == PX_U_IDLE) {
		pw->st.err[MP_PROXY_E_UP_IDLE_TIMEOUT]++;
		px_up_close(u);
	}
}

static void
px_up_connected(struct mp_tcp_conn *c, void *arg)
{
	struct px_up *u = arg;
	struct px_down *d = u->down;

	(void)c;
	mp_timer_cancel(u->pw->wheel, &u->timer);
	if (u->state != PX_U_CONNECTING)
		return;
	px_resil_conn_release(u, false);
	u->state = PX_U_ACTIVE;
	if (d == NULL) {
		px_up_close(u);
		return;
	}
	px_obs_connected(d);
	if (d->method == MP_HTTP_M_CONNECT) {
		px_down_local(d, MP_PROXY_L_CONNECT_ESTABLISHED, 0, "", 0, NULL, 0, false);
		if (d->up == u)
			px_down_tunnel(d);
		return;
	}
	px_up_flush(u);
}

static void
px_up_data(struct mp_tcp_conn *c, struct rte_mbuf *m, void *arg)
{
	struct px_up *u = arg;

	if (u->down == NULL) {
		/* A server talking on an idle connection: nothing to relate it to. */
		mp_tcp_recv_done(c, m->pkt_len);
		rte_pktmbuf_free(m);
		if (u->state == PX_U_IDLE)
			px_up_close(u);
		return;
	}
	if (!u->got_bytes) {
		u->got_bytes = true;
		px_obs_up_first(u->down);
		if (!u->down->retry_keep)
			px_q_free(&u->down->retry);
	}
	px_resil_touch(u->down);
	px_q_push_chain(&u->in, m);
	px_up_process(u);
}

static void
px_up_writable(struct mp_tcp_conn *c, uint32_t space, void *arg)
{
	(void)c;
	(void)space;
	px_up_flush(arg);
}

static void
px_up_peer_closed(struct mp_tcp_conn *c, void *arg)
{
	struct px_up *u = arg;
	struct mp_proxy_worker *pw = u->pw;
	struct px_down *d = u->down;

	(void)c;
	u->peer_closed = true;
	if (u->state == PX_U_IDLE) {
		pw->st.err[MP_PROXY_E_UP_CLOSED_IDLE]++;
		px_up_close(u);
		return;
	}
	if (d == NULL || u->state != PX_U_ACTIVE) {
		px_up_close(u);
		return;
	}
	if (u->rstate == PX_R_TUNNEL) {
		px_down_flush(d);
		return;
	}
	if (u->rstate == PX_R_BODY && u->resp.msg.framing == MP_HTTP_BODY_UNTIL_CLOSE &&
	    mp_http_finish(&u->resp) == MP_HTTP_DONE) {
		px_up_response_end(u);
		return;
	}
	pw->st.err[MP_PROXY_E_UP_EARLY_CLOSE]++;
	px_up_fail(u, MP_PROXY_L_UPSTREAM_RESET, false);
}

static void
px_up_reset(struct mp_tcp_conn *c, void *arg)
{
	struct px_up *u = arg;
	struct mp_proxy_worker *pw = u->pw;

	(void)c;
	if (u->state == PX_U_CONNECTING) {
		pw->st.err[MP_PROXY_E_CONNECT_FAILED]++;
		px_up_fail(u, MP_PROXY_L_CONNECT_FAILED, true);
		return;
	}
	pw->st.err[MP_PROXY_E_UP_RESET]++;
	px_up_fail(u, MP_PROXY_L_UPSTREAM_RESET, true);
}

static void
px_up_closed(struct mp_tcp_conn *c, void *arg)
{
	struct px_up *u = arg;
	struct mp_proxy_worker *pw;

	(void)c;
	if (u == NULL || u->free)
		return;
	pw = u->pw;
	u->c = NULL;
	if (u->down != NULL)
		px_up_fail(u,
		           u->state == PX_U_CONNECTING ? MP_PROXY_L_CONNECT_FAILED
		                                       : MP_PROXY_L_UPSTREAM_RESET,
		           true);
	px_pool_remove(pw, u);
	mp_timer_cancel(pw->wheel, &u->timer);
	px_q_free(&u->in);
	px_q_free(&u->out);
	px_resil_conn_release(u, true);
	u->free = true;
	u->state = PX_U_DEAD;
	pw->st.up_active--;
	u->next = pw->up_reap;
	pw->up_reap = u;
}

const struct mp_tcp_callbacks px_up_cb = {
        .connected = px_up_connected,
        .data = px_up_data,
        .writable = px_up_writable,
        .peer_closed = px_up_peer_closed,
        .reset = px_up_reset,
        .closed = px_up_closed,
};
