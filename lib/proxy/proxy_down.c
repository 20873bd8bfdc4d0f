/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Downstream connections: a client on an `http` listener. Requests are parsed as their bytes
 * arrive (a head is parsed again from its first byte at each arrival until it is complete, so
 * no parser state spans connections and the field array is shared by the worker), routed, and
 * either answered here or forwarded over an upstream connection (proxy_up.c). While a request
 * is in flight, and until TCP took its response whole, the bytes of the next ones (pipelining)
 * wait unparsed in `in`: responses go out in request order, and a client that does not read
 * holds at most one response beyond TCP's send buffer. The receive window is what `in` and the
 * queues in flight hold.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "mp_lb.h"
#include "mp_net.h"
#include "proxy_priv.h"

static const uint16_t px_local_status[] = {
#define PX_STATUS(sym, status, name, text) status,
        MP_PROXY_LOCAL_LIST(PX_STATUS)
#undef PX_STATUS
};

static const char *const px_local_text[] = {
#define PX_TEXT(sym, status, name, text) text,
        MP_PROXY_LOCAL_LIST(PX_TEXT)
#undef PX_TEXT
};

static inline struct mp_route_str
px_str(const void *p, uint32_t len)
{
	return (struct mp_route_str){.p = p, .len = len};
}

static void
px_down_idle_arm(struct px_down *d)
{
	struct mp_proxy_worker *pw = d->pw;

	mp_timer_arm(pw->wheel, &d->timer, pw->net->now + px_ms(pw, pw->lim.downstream_idle_ms));
}

/* Count a response of status to the request's route (and cluster when it was forwarded). */
void
px_count_status(struct mp_proxy_worker *pw, const struct px_down *d, uint16_t status)
{
	unsigned int cls = status / 100;

	if (cls >= 1 && cls <= 5)
		px_count(pw, d, (enum mp_proxy_cnt)(MP_PROXY_C_RESP_1XX + cls - 1), 1);
}

void
px_down_flush(struct px_down *d)
{
	struct mp_proxy_worker *pw = d->pw;
	uint64_t sent = 0;
	int rc;

	if (d->c == NULL)
		return;
	rc = px_q_flush(&d->out, d->c, d->up != NULL ? d->up->c : NULL, &sent);
	if (sent != 0) {
		px_count(pw, d, MP_PROXY_C_BYTES_OUT, sent);
		px_obs_down_sent(d);
	}
	if (rc != 0)
		return;
	if (d->state == PX_D_CLOSING) {
		struct mp_tcp_conn *c = d->c;

		/* May call `closed` at once: d is not touched after. */
		mp_tcp_close(c);
		return;
	}
	if (d->state == PX_D_TUNNEL && d->up != NULL && d->up->peer_closed && !d->shut_sent) {
		d->shut_sent = true;
		mp_tcp_shutdown(d->c);
	}
	if (d->state == PX_D_TUNNEL && d->shut_sent && d->peer_closed && d->up != NULL &&
	    d->up->shut_sent && px_q_empty(&d->up->out)) {
		/* Both directions ended: the tunnel is over. */
		struct px_up *u = d->up;

		d->state = PX_D_CLOSING;
		u->keep = false;
		px_up_close(u);
		px_down_flush(d);
	}
}

/* Close once everything queued is out; the upstream, if any, is abandoned. */
static void
px_down_closing(struct px_down *d)
{
	px_resil_end(d);
	d->state = PX_D_CLOSING;
	if (d->up != NULL)
		px_up_abort(d->up);
	px_q_free(&d->retry);
	/* What is still unparsed is dropped, and the window no longer matters. */
	if (d->c != NULL && d->in.bytes != 0)
		mp_tcp_recv_done(d->c, d->in.bytes);
	px_q_free(&d->in);
}

void
px_down_local(struct px_down *d, enum mp_proxy_lreason why, uint16_t status, const char *body,
              uint32_t body_len, const char *location, uint32_t location_len, bool close)
{
	struct mp_proxy_worker *pw = d->pw;
	struct mp_proxy_local r = {0};
	int n;

	if (status == 0)
		status = px_local_status[why];
	if (body == NULL) {
		body = px_local_text[why];
		body_len = (uint32_t)strlen(body);
	}
	close |= d->close_after;
	pw->st.local[why]++;
	px_count(pw, d, MP_PROXY_C_LOCAL, 1);
	px_count_status(pw, d, status);
	r.status = status;
	r.conn = close ? MP_PROXY_CONN_CLOSE
	               : (d->minor == 0 ? MP_PROXY_CONN_KEEP_ALIVE : MP_PROXY_CONN_DEFAULT);
	r.head_only = d->method == MP_HTTP_M_HEAD;
	r.body = px_str(body, body_len);
	r.location = px_str(location, location_len);
	r.route = why == MP_PROXY_L_DIRECT && d->gen == pw->gen ? d->route : NULL;
	r.connect = why == MP_PROXY_L_CONNECT_ESTABLISHED;
	if (d->overflow != NULL)
		r.overflow = px_str(d->overflow, (uint32_t)strlen(d->overflow));
	d->overflow = NULL;
	if (!r.connect)
		px_resil_end(d);
	n = mp_proxy_write_local(&r, pw->out_buf, pw->out_cap);
	if (n < 0 || px_q_append_bytes(&d->out, pw->out_buf, (uint32_t)n, 0, pw->pool) < 0) {
		pw->st.err[MP_PROXY_E_NO_MBUF] += n >= 0;
		close = true;
	}
	d->resp_started = true;
	px_obs_local(d, why, status);
	if (close) {
		d->close_after = true;
		px_down_closing(d);
	}
	px_down_flush(d);
}

void
px_down_consume_head(struct px_down *d)
{
	const struct mp_http_msg *msg = &d->req.msg;

	px_q_drop(&d->in, msg->head_len);
	mp_tcp_recv_done(d->c, msg->head_len);
	d->discard = msg->framing != MP_HTTP_BODY_NONE;
	d->state = d->discard ? PX_D_BODY : PX_D_HEAD;
}

void
px_down_response_done(struct px_down *d)
{
	px_obs_end(d, 0);
	px_resil_end(d);
	px_q_free(&d->retry);
	if (!d->req_done || d->close_after) {
		/* The server answered before the request's end, or the connection cannot carry
		 * another message: close after this response. */
		px_down_closing(d);
		px_down_flush(d);
		return;
	}
	d->state = PX_D_HEAD;
	px_down_flush(d);
	px_down_process(d);
}

void
px_down_upstream_failed(struct px_down *d, enum mp_proxy_lreason why)
{
	px_q_free(&d->retry);
	if (d->resp_started || d->state == PX_D_TUNNEL) {
		/* Part of the response went out: the client learns by the connection closing. */
		px_obs_end(d, (uint8_t)(why + 1));
		px_down_closing(d);
		px_down_flush(d);
		return;
	}
	/* A request whose body did not all reach the server: its rest cannot be framed. */
	px_down_local(d, why, 0, NULL, 0, NULL, 0, !d->req_done);
	if (d->state == PX_D_WAIT) {
		d->state = PX_D_HEAD;
		px_down_process(d);
	}
}

void
px_down_tunnel(struct px_down *d)
{
	struct mp_proxy_worker *pw = d->pw;
	struct px_up *u = d->up;

	pw->st.err[MP_PROXY_E_TUNNELS]++;
	px_obs_end(d, 0); /* 101: what follows is not HTTP (CONNECT ended with its 200) */
	px_resil_end(d);
	d->state = PX_D_TUNNEL;
	u->rstate = PX_R_TUNNEL;
	px_q_move_all(&d->in, &u->out);
	px_up_flush(u);
	px_down_flush(d);
}

/* path and query of a request-target (origin or absolute form). */
static void
px_target_split(const uint8_t *t, uint32_t len, struct mp_route_str *path,
                struct mp_route_str *query)
{
	uint32_t i = 0, q;

	if (len != 0 && t[0] != '/') {
		/* absolute-form: skip "scheme://authority" */
		const uint8_t *s = memchr(t, ':', len);

		i = s == NULL ? len : (uint32_t)(s - t) + 1;
		if (i + 2 <= len && t[i] == '/' && t[i + 1] == '/')
			i += 2;
		while (i < len && t[i] != '/' && t[i] != '?')
			i++;
	}
	for (q = i; q < len && t[q] != '?'; q++)
		;
	*path = px_str(t + i, q - i);
	if (path->len == 0)
		*path = px_str("/", 1);
	*query = q < len ? px_str(t + q + 1, len - q - 1) : px_str("", 0);
}

/* The target to forward: the path after the route's rewrite, then the query. */
static int
px_forward_target(struct mp_proxy_worker *pw, const struct mp_route *r, struct mp_route_str path,
                  struct mp_route_str query, struct mp_route_str *out)
{
	char *b = (char *)pw->loc_buf;
	int n = mp_route_rewrite_path(r, path, b, pw->out_cap);

	if (n < 0 || (uint32_t)n + 1 + query.len > pw->out_cap)
		return -ENOSPC;
	if (query.len != 0) {
		b[n++] = '?';
		memcpy(b + n, query.p, query.len);
		n += (int)query.len;
	}
	*out = px_str(b, (uint32_t)n);
	return 0;
}

/* Forward the request whose head is at head to endpoint ep of cluster. */
static void
px_down_forward(struct px_down *d, const uint8_t *head, uint16_t cluster, uint16_t ep,
                struct mp_route_str path, struct mp_route_str query)
{
	struct mp_proxy_worker *pw = d->pw;
	const struct mp_http_msg *msg = &d->req.msg;
	uint32_t hl = msg->head_len;
	char rid[MP_PROXY_REQUEST_ID_LEN];
	struct mp_proxy_req_head rh = {0};
	struct px_up *u;
	int n;

	px_resil_forwarded(d);
	/* CONNECT waits for its own connection's handshake: never a pooled one. */
	u = px_up_get(pw, d, cluster, ep, msg->method_id == MP_HTTP_M_CONNECT);
	if (u == NULL)
		return; /* answered */
	if (msg->method_id == MP_HTTP_M_CONNECT) {
		/* Envoy's CONNECT termination: nothing is forwarded; once connected, the client
		 * gets 200 and the connection becomes a tunnel. */
		px_down_consume_head(d);
		d->req_done = true;
		d->state = PX_D_WAIT;
		return;
	}
	if (px_forward_target(pw, d->route, path, query, &rh.target) < 0)
		goto too_large;
	mp_proxy_request_id(px_rand(pw), px_rand(pw), rid);
	px_obs_request_id(d, rid, sizeof(rid));
	rh.head = head;
	rh.msg = msg;
	rh.fields = pw->fields;
	rh.client = px_str(d->addr, d->addr_len);
	rh.proto = px_str("http", 4);
	rh.req_id = px_str(rid, sizeof(rid));
	rh.route = d->route;
	rh.conn = (msg->flags & MP_HTTP_F_CONN_UPGRADE) &&
	                          (msg->hdr_seen & (1u << MP_HTTP_HDR_UPGRADE))
	                  ? MP_PROXY_CONN_UPGRADE
	                  : MP_PROXY_CONN_DEFAULT;
	n = mp_proxy_write_request(&rh, pw->out_buf, pw->out_cap);
	if (n < 0)
		goto too_large;
	if (px_q_append_bytes(&u->out, pw->out_buf, (uint32_t)n, hl, pw->pool) < 0)
		goto no_mbuf;
	/* A pooled connection the server is closing at this moment fails before any response
	 * byte: a request without a body is sent again once, on a new connection. The route's
	 * retries need it too, until the response head arrives (proxy_resil.c). */
	d->retry_keep = d->route->retry.num_retries != 0 && msg->framing == MP_HTTP_BODY_NONE;
	if ((u->reused || d->retry_keep) && msg->framing == MP_HTTP_BODY_NONE &&
	    px_q_append_bytes(&d->retry, pw->out_buf, (uint32_t)n, 0, pw->pool) < 0)
		px_q_free(&d->retry);
	px_q_drop(&d->in, hl);
	if (msg->framing == MP_HTTP_BODY_NONE) {
		d->req_done = true;
		d->state = PX_D_WAIT;
		px_resil_sent(d);
	} else {
		d->state = PX_D_BODY;
	}
	px_up_flush(u);
	return;

no_mbuf:
	pw->st.err[MP_PROXY_E_NO_MBUF]++;
too_large:
	px_up_abort(u);
	px_down_consume_head(d);
	px_down_local(d, MP_PROXY_L_HEAD_TOO_LARGE, 0, NULL, 0, NULL, 0, true);
}

/* A complete request head: route it and act. */
static void
px_down_request(struct px_down *d, const uint8_t *head)
{
	struct mp_proxy_worker *pw = d->pw;
	const struct mp_http_msg *msg = &d->req.msg;
	const struct mp_proxy_view *v = &pw->v;
	uint32_t hl = msg->head_len;
	struct mp_route_req rq = {0};
	const struct mp_route *r = NULL;
	uint16_t cluster;
	int ep, n;

	d->method = msg->method_id;
	d->minor = msg->minor;
	d->req_keep_alive = msg->keep_alive;
	d->close_after = !msg->keep_alive || d->peer_closed;
	d->req_done = d->discard = d->resp_started = d->has_cluster = false;
	d->retry_keep = false;
	d->retries = 0;
	d->failed_ep = -1;
	d->route = NULL;
	d->gen = pw->gen;
	for (unsigned int i = 0; i < msg->nfields; i++) {
		const struct mp_http_field *f = &pw->fields[i];

		pw->rhdrs[i].name = px_str(head + f->name.off, f->name.len);
		pw->rhdrs[i].value = px_str(head + f->value.off, f->value.len);
		if (f->id == MP_HTTP_HDR_HOST)
			rq.host = pw->rhdrs[i].value;
	}
	rq.method = px_str(head + msg->method.off, msg->method.len);
	rq.scheme = px_str("http", 4);
	rq.headers = pw->rhdrs;
	rq.n_headers = msg->nfields;
	if (msg->target_form == MP_HTTP_TARGET_ORIGIN ||
	    msg->target_form == MP_HTTP_TARGET_ABSOLUTE)
		px_target_split(head + msg->target.off, msg->target.len, &rq.path, &rq.query);
	else
		rq.path = px_str("", 0);
	if (d->table >= 0 && (unsigned int)d->table < v->n_tables && v->tables[d->table] != NULL)
		r = mp_route_match(v->tables[d->table], &rq, v->scratch);
	d->route = r;
	px_count(pw, d, MP_PROXY_C_REQUESTS, 1);
	px_count(pw, d, MP_PROXY_C_BYTES_IN, hl);
	px_obs_request(d, head, rq.host);

	if (r == NULL || r->action != MP_ROUTE_CLUSTERS) {
		px_down_consume_head(d);
		if (r == NULL) {
			px_down_local(d, MP_PROXY_L_NO_ROUTE, 0, NULL, 0, NULL, 0, false);
		} else if (r->action == MP_ROUTE_REDIRECT) {
			n = mp_route_redirect_location(r, &rq, (char *)pw->loc_buf, pw->out_cap);
			if (n < 0)
				px_down_local(d, MP_PROXY_L_HEAD_TOO_LARGE, 0, NULL, 0, NULL, 0,
				              false);
			else
				px_down_local(d, MP_PROXY_L_REDIRECT, r->redirect_code, "", 0,
				              (const char *)pw->loc_buf, (uint32_t)n, false);
		} else {
			px_down_local(d, MP_PROXY_L_DIRECT, r->status, r->body.p, r->body.len, NULL,
			              0, false);
		}
		return;
	}
	cluster = mp_route_pick_cluster(r, (uint32_t)px_rand(pw));
	d->cluster = cluster;
	d->has_cluster = true;
	pw->st.cluster[cluster].c[MP_PROXY_C_REQUESTS]++;
	pw->st.cluster[cluster].c[MP_PROXY_C_BYTES_IN] += hl;
	if (!px_resil_admit(d))
		return; /* answered: max_requests */
	ep = px_resil_pick(d, -1);
	if (ep < 0) {
		px_down_consume_head(d);
		px_down_local(d, MP_PROXY_L_NO_HEALTHY, 0, NULL, 0, NULL, 0, false);
		return;
	}
	px_down_forward(d, head, cluster, (uint16_t)ep, rq.path, rq.query);
}

/*
 * A request answered before its head was whole (unparsable, too slow): not routed, so counted
 * proxy-wide, not on the last request's route; answered as to an HTTP/1.1 GET.
 */
static void
px_down_unrouted(struct px_down *d)
{
	d->route = NULL;
	d->has_cluster = false;
	d->method = MP_HTTP_M_GET;
	d->minor = 1;
}

/* A request that could not be parsed: the parser's status, its reason as the body, close. */
static void
px_down_bad_request(struct px_down *d)
{
	struct mp_proxy_worker *pw = d->pw;
	enum mp_http_err e = (enum mp_http_err)d->req.err;
	const char *name = mp_http_err_name(e);

	pw->st.err[MP_PROXY_E_REQUEST_PARSE]++;
	px_down_local(d, MP_PROXY_L_BAD_REQUEST, mp_http_err_status(e), name,
	              (uint32_t)strlen(name), NULL, 0, true);
}

void
px_down_process(struct px_down *d)
{
	struct mp_proxy_worker *pw = d->pw;

	while (d->c != NULL) {
		const uint8_t *head = NULL;
		enum mp_http_event ev;
		uint64_t moved = 0;

		switch (d->state) {
		case PX_D_HEAD:
			if (px_q_empty(&d->in)) {
				if (d->peer_closed) {
					px_down_closing(d);
					px_down_flush(d);
				} else {
					px_down_idle_arm(d);
				}
				return;
			}
			/* The next request waits until TCP took the previous response whole
			 * (`writable` goes on): a client that sends requests and reads nothing
			 * must not fill the pool with their answers, and the bytes sent are
			 * counted for the request they answer. */
			if (!px_q_empty(&d->out))
				return;
			px_obs_start(d);
			/* The first look parses at once (a head in one segment: the usual case);
			 * after an incomplete one, only an empty line in new bytes parses again. */
			if (d->hscan == 0 || px_q_head_ready(&d->in, &d->hscan, pw->head_cap)) {
				d->req = pw->req_tmpl;
				ev = px_parse_head(pw, &d->req, &d->in, &head);
			} else {
				ev = MP_HTTP_AGAIN;
			}
			if (ev == MP_HTTP_AGAIN) {
				d->hscan = d->in.bytes;
				if (d->peer_closed) {
					pw->st.err[MP_PROXY_E_DOWN_EARLY_CLOSE]++;
					px_down_closing(d);
					px_down_flush(d);
				} else if (!mp_timer_armed(&d->timer)) {
					px_down_idle_arm(d);
				}
				return;
			}
			mp_timer_cancel(pw->wheel, &d->timer);
			d->hscan = 0; /* the next head starts after this message */
			if (ev == MP_HTTP_ERROR) {
				px_down_unrouted(d);
				px_down_bad_request(d);
				return;
			}
			px_down_request(d, head);
			break;
		case PX_D_BODY:
			ev = px_move_body(pw, &d->req, &d->in,
			                  d->discard || d->up == NULL ? NULL : &d->up->out, false,
			                  d->c, &moved);
			px_count(pw, d, MP_PROXY_C_BYTES_IN, moved);
			d->obs.bytes_in += moved;
			if (d->up != NULL)
				px_up_flush(d->up);
			if (ev == MP_HTTP_ERROR) {
				if (d->up != NULL)
					px_up_abort(d->up);
				if (d->resp_started) {
					px_down_closing(d);
					px_down_flush(d);
				} else {
					px_down_bad_request(d);
				}
				return;
			}
			if (ev != MP_HTTP_DONE) {
				if (d->peer_closed) {
					pw->st.err[MP_PROXY_E_DOWN_EARLY_CLOSE]++;
					px_down_closing(d);
					px_down_flush(d);
				}
				return;
			}
			if (d->discard) {
				d->discard = false;
				d->state = d->close_after ? PX_D_CLOSING : PX_D_HEAD;
				if (d->state == PX_D_CLOSING) {
					px_down_closing(d);
					px_down_flush(d);
					return;
				}
			} else {
				d->req_done = true;
				d->state = PX_D_WAIT;
				px_resil_sent(d);
			}
			break;
		case PX_D_TUNNEL:
			if (d->up != NULL) {
				px_q_move_all(&d->in, &d->up->out);
				px_up_flush(d->up);
			}
			return;
		case PX_D_WAIT:
			return;
		case PX_D_CLOSING:
		default:
			if (d->in.bytes != 0)
				mp_tcp_recv_done(d->c, d->in.bytes);
			px_q_free(&d->in);
			return;
		}
	}
}

/* --- TCP callbacks ------------------------------------------------------------------------ */

/* Whether q holds a byte of a request head: more than the empty lines that may precede one. */
static bool
px_down_head_started(const struct px_q *q)
{
	for (const struct rte_mbuf *m = q->head; m != NULL; m = m->next) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

		for (uint16_t i = 0; i < m->data_len; i++)
			if (p[i] != '\r' && p[i] != '\n')
				return true;
	}
	return false;
}

/*
 * downstream_idle_ms with no whole request head: a client idle between requests is closed
 * silently (it may be about to reuse the connection and must see a close, not a response it
 * did not ask for); one whose request has started is too slow sending it and gets 408.
 */
static void
px_down_idle_fire(struct mp_timer *t, uint64_t now)
{
	struct px_down *d = container_of(t, struct px_down, timer);

	(void)now;
	if (d->c == NULL || d->state != PX_D_HEAD)
		return;
	d->pw->st.err[MP_PROXY_E_DOWN_IDLE_TIMEOUT]++;
	if (px_down_head_started(&d->in)) {
		px_down_unrouted(d);
		px_down_local(d, MP_PROXY_L_REQUEST_TIMEOUT, 0, NULL, 0, NULL, 0, true);
		return;
	}
	px_down_closing(d);
	px_down_flush(d);
}

static void
px_down_accepted(struct mp_tcp_conn *c, void *arg)
{
	const struct px_listen *l = arg;
	struct mp_proxy_worker *pw = l->pw;
	const struct mp_tcp_tuple *t = mp_tcp_conn_tuple(c);
	struct px_down *d = pw->down_free;

	if (d == NULL) {
		pw->st.err[MP_PROXY_E_DOWN_REFUSED]++;
		mp_tcp_abort(c);
		return;
	}
	pw->down_free = d->next;
	memset(d, 0, sizeof(*d));
	d->pw = pw;
	d->c = c;
	d->listener = l->listener;
	d->table = l->table;
	d->state = PX_D_HEAD;
	if (inet_ntop(t->family, t->raddr, d->addr, sizeof(d->addr)) != NULL)
		d->addr_len = (uint8_t)strlen(d->addr);
	mp_timer_init(&d->timer, px_down_idle_fire);
	pw->st.down_active++;
	mp_tcp_conn_set_callbacks(c, &px_down_cb);
	mp_tcp_conn_set_arg(c, d);
	px_down_idle_arm(d);
}

static void
px_down_data(struct mp_tcp_conn *c, struct rte_mbuf *m, void *arg)
{
	struct px_down *d = arg;

	if (d->state == PX_D_CLOSING) {
		mp_tcp_recv_done(c, m->pkt_len);
		rte_pktmbuf_free(m);
		return;
	}
	px_resil_touch(d);
	px_q_push_chain(&d->in, m);
	px_down_process(d);
}

static void
px_down_writable(struct mp_tcp_conn *c, uint32_t space, void *arg)
{
	struct px_down *d = arg;

	(void)c;
	(void)space;
	px_down_flush(d);
	/* Pipelined requests held while the previous response was queued (px_down_process). */
	if (d->c != NULL && d->state == PX_D_HEAD && px_q_empty(&d->out) && !px_q_empty(&d->in))
		px_down_process(d);
}

static void
px_down_peer_closed(struct mp_tcp_conn *c, void *arg)
{
	struct px_down *d = arg;

	(void)c;
	d->peer_closed = true;
	switch (d->state) {
	case PX_D_HEAD:
	case PX_D_BODY:
		px_down_process(d);
		break;
	case PX_D_WAIT:
		d->close_after = true;
		break;
	case PX_D_TUNNEL:
		if (d->up != NULL)
			px_up_flush(d->up);
		break;
	default:
		px_down_flush(d);
		break;
	}
}

static void
px_down_reset(struct mp_tcp_conn *c, void *arg)
{
	struct px_down *d = arg;

	(void)c;
	d->pw->st.err[MP_PROXY_E_DOWN_RESET]++;
	if (d->up != NULL)
		px_up_abort(d->up);
}

static void
px_down_closed(struct mp_tcp_conn *c, void *arg)
{
	struct px_down *d = arg;
	struct mp_proxy_worker *pw;

	(void)c;
	if (d == NULL || d->free)
		return;
	pw = d->pw;
	px_obs_closed(d);
	d->c = NULL;
	if (d->up != NULL)
		px_up_abort(d->up);
	px_resil_end(d);
	mp_timer_cancel(pw->wheel, &d->timer);
	px_q_free(&d->in);
	px_q_free(&d->out);
	px_q_free(&d->retry);
	d->free = true;
	d->state = PX_D_CLOSING;
	pw->st.down_active--;
	d->next = pw->down_reap;
	pw->down_reap = d;
}

const struct mp_tcp_callbacks px_listen_cb = {
        .accepted = px_down_accepted,
};

const struct mp_tcp_callbacks px_down_cb = {
        .data = px_down_data,
        .writable = px_down_writable,
        .peer_closed = px_down_peer_closed,
        .reset = px_down_reset,
        .closed = px_down_closed,
};
