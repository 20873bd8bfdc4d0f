/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A request's observation: the hooks the request lifecycle calls (proxy_down.c, proxy_up.c),
 * and its end: latency histograms per route, per cluster and of the proxy's own time, and the
 * access-log record. See proxy_obs.h for when each hook runs and mp_proxy_obs.h for what the
 * times mean.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_malloc.h>
#include <rte_memcpy.h>

#include "mp_net.h"
#include "proxy_priv.h"

static inline uint64_t
px_obs_now(const struct px_down *d)
{
	return d->pw->net->now;
}

static inline struct mp_alog_rec *
px_obs_slot(const struct px_down *d)
{
	const struct mp_proxy_worker *pw = d->pw;

	return pw->obs.slots != NULL ? &pw->obs.slots[d - pw->downs] : NULL;
}

/* Stamp *t with the end of this iteration, once the next one starts. */
static void
px_obs_pending(struct px_down *d, uint64_t *t)
{
	struct px_obs_worker *ow = &d->pw->obs;

	*t = PX_OBS_PENDING;
	if (!d->obs.listed) {
		d->obs.listed = true;
		d->obs.stamp_next = ow->stamps;
		ow->stamps = d;
	}
}

void
px_obs_start(struct px_down *d)
{
	struct px_obs *o = &d->obs;
	struct mp_alog_rec *r = px_obs_slot(d);
	bool listed = o->listed;
	struct px_down *next = o->stamp_next;

	if (o->t_start != 0)
		return;
	memset(o, 0, sizeof(*o));
	o->listed = listed;
	o->stamp_next = next;
	o->t_start = px_obs_now(d);
	o->out0 = d->out.total;
	o->table = o->vhost = o->route = o->cluster = MP_ALOG_NO_INDEX;
	if (r != NULL) {
		struct mp_alog_http *h = &r->http;

		memset(r, 0,
		       offsetof(struct mp_alog_rec, http) + offsetof(struct mp_alog_http, method));
		r->type = MP_ALOG_HTTP;
		r->worker = d->pw->worker;
		h->listener = d->listener;
		h->generation = d->pw->v.generation;
		if (d->c != NULL) {
			const struct mp_tcp_tuple *t = mp_tcp_conn_tuple(d->c);

			h->client_family = t->family;
			memcpy(h->client, t->raddr, sizeof(h->client));
			h->client_port = t->rport;
		}
	}
}

void
px_obs_request(struct px_down *d, const uint8_t *head, struct mp_route_str host)
{
	struct mp_proxy_worker *pw = d->pw;
	const struct mp_http_msg *msg = &d->req.msg;
	struct mp_alog_rec *r = px_obs_slot(d);
	struct mp_alog_http *h;

	px_obs_start(d); /* started already, unless the head came whole before any hook */
	d->obs.parsed = true;
	d->obs.bytes_in += msg->head_len;
	if (r == NULL)
		return;
	h = &r->http;
	h->minor = msg->minor;
	h->flags = 0;
	h->flags |= mp_alog_str_set(h->method, &h->method_len, MP_ALOG_METHOD_MAX,
	                            head + msg->method.off, msg->method.len, MP_ALOG_F_METHOD_CUT);
	h->flags |= mp_alog_str_set(h->host, &h->host_len, MP_ALOG_HOST_MAX, host.p, host.len,
	                            MP_ALOG_F_HOST_CUT);
	h->flags |= mp_alog_str_set(h->path, &h->path_len, MP_ALOG_PATH_MAX, head + msg->target.off,
	                            msg->target.len, MP_ALOG_F_PATH_CUT);
	h->rid_len = 0;
	for (unsigned int i = 0; i < msg->nfields; i++) {
		const struct mp_http_field *f = &pw->fields[i];

		if (f->id == MP_HTTP_HDR_X_REQUEST_ID) {
			h->flags |= mp_alog_str_set(h->rid, &h->rid_len, MP_ALOG_RID_MAX,
			                            head + f->value.off, f->value.len,
			                            MP_ALOG_F_RID_CUT);
			break;
		}
	}
}

void
px_obs_request_id(struct px_down *d, const char *rid, uint32_t len)
{
	struct mp_alog_rec *r = px_obs_slot(d);

	/* The client's own id is the one forwarded, and logged. */
	if (r != NULL && r->http.rid_len == 0)
		r->http.flags |= mp_alog_str_set(r->http.rid, &r->http.rid_len, MP_ALOG_RID_MAX,
		                                 rid, len, MP_ALOG_F_RID_CUT);
}

void
px_obs_attach(struct px_down *d, const struct px_up *u)
{
	struct px_obs *o = &d->obs;
	struct mp_alog_rec *r = px_obs_slot(d);

	if (o->t_start == 0)
		return;
	o->fresh = u->state == PX_U_CONNECTING;
	if (o->fresh) {
		o->t_conn = px_obs_now(d);
		o->t_ready = 0;
	} else {
		o->t_ready = px_obs_now(d);
	}
	if (r != NULL) {
		r->http.upstream_family = u->family;
		memset(r->http.upstream, 0, sizeof(r->http.upstream));
		memcpy(r->http.upstream, u->addr, u->family == AF_INET ? 4 : 16);
		r->http.upstream_port = u->port;
	}
}

void
px_obs_connected(struct px_down *d)
{
	if (d->obs.t_start != 0 && d->obs.t_ready == 0)
		d->obs.t_ready = px_obs_now(d);
}

void
px_obs_up_sent(struct px_down *d)
{
	if (d->obs.t_start != 0 && d->obs.t_up_sent == 0)
		px_obs_pending(d, &d->obs.t_up_sent);
}

void
px_obs_up_first(struct px_down *d)
{
	if (d->obs.t_start != 0 && d->obs.t_up_first == 0)
		d->obs.t_up_first = px_obs_now(d);
}

void
px_obs_down_sent(struct px_down *d)
{
	/* Only this request's response: bytes of the previous one may still be going out. */
	if (d->obs.t_start != 0 && d->obs.parsed && d->resp_started && d->obs.t_down_sent == 0)
		px_obs_pending(d, &d->obs.t_down_sent);
}

void
px_obs_retry(struct px_down *d)
{
	struct px_obs *o = &d->obs;

	if (o->retries < UINT8_MAX)
		o->retries++;
	o->t_conn = o->t_ready = o->t_up_sent = o->t_up_first = 0;
	o->fresh = false;
}

void
px_obs_local(struct px_down *d, enum mp_proxy_lreason why, uint16_t status)
{
	d->obs.status = status;
	d->obs.local = (uint8_t)(why + 1);
	px_obs_end(d, 0);
}

/* Resolve pending send stamps to now, the end of the iteration they were made in. */
static inline void
px_obs_resolve(struct px_obs *o, uint64_t now)
{
	if (o->t_up_sent == PX_OBS_PENDING)
		o->t_up_sent = now;
	if (o->t_down_sent == PX_OBS_PENDING)
		o->t_down_sent = now;
	if (o->t_end == PX_OBS_PENDING)
		o->t_end = now;
}

static inline uint64_t
px_obs_since(uint64_t from, uint64_t to)
{
	return from != 0 && to >= from ? to - from : MP_ALOG_NO_TIME;
}

/* Histograms and the access-log record of a request whose stamps are all resolved. */
static void
px_obs_finish(struct mp_proxy_worker *pw, const struct px_obs *o, struct mp_alog_rec *r)
{
	struct mp_proxy_obs_stats *st = &pw->obs.st;
	uint64_t total = o->t_end - o->t_start;
	uint64_t up =
	        o->t_up_sent != 0 ? px_obs_since(o->t_up_sent, o->t_up_first) : MP_ALOG_NO_TIME;
	uint64_t hop_req = MP_ALOG_NO_TIME, hop_resp = MP_ALOG_NO_TIME;
	struct mp_proxy_lat *lat[2] = {NULL, NULL};

	if (o->t_up_sent != 0 && o->retries == 0) {
		uint64_t wait = o->fresh && o->t_ready >= o->t_conn && o->t_conn != 0
		                        ? o->t_ready - o->t_conn
		                        : 0;
		uint64_t in = o->t_up_sent - o->t_start;

		hop_req = in > wait ? in - wait : 0;
		mp_hist_record(&st->hop[MP_PROXY_HOP_REQUEST], hop_req);
	}
	if (o->t_up_first != 0 && o->t_down_sent != 0) {
		hop_resp = px_obs_since(o->t_up_first, o->t_down_sent);
		if (hop_resp != MP_ALOG_NO_TIME)
			mp_hist_record(&st->hop[MP_PROXY_HOP_RESPONSE], hop_resp);
	}
	if (o->table < st->n_tables && o->route < st->n_routes[o->table])
		lat[0] = &st->route[o->table][o->route];
	if (o->cluster < st->n_clusters)
		lat[1] = &st->cluster[o->cluster];
	for (unsigned int i = 0; i < 2; i++) {
		if (lat[i] == NULL)
			continue;
		mp_hist_record(&lat[i]->total, total);
		if (up != MP_ALOG_NO_TIME)
			mp_hist_record(&lat[i]->upstream, up);
	}
	if (r != NULL) {
		struct mp_alog_http *h = &r->http;

		r->tsc = o->t_end;
		h->start_tsc = o->t_start;
		h->connect = px_obs_since(o->t_start, o->t_ready);
		h->first_byte = px_obs_since(o->t_start, o->t_up_first);
		h->down_first_byte = px_obs_since(o->t_start, o->t_down_sent);
		h->total = total;
		h->proxy_request = hop_req;
		h->proxy_response = hop_resp;
		mp_alog_put(pw->obs.alog, pw->obs.cnt, r);
	}
}

void
px_obs_end(struct px_down *d, uint8_t error)
{
	struct mp_proxy_worker *pw = d->pw;
	struct px_obs_worker *ow = &pw->obs;
	struct px_obs *o = &d->obs, *e;
	struct mp_alog_rec *r = px_obs_slot(d);

	if (o->t_start == 0)
		return;
	if (!o->parsed && o->status == 0) {
		o->t_start = 0; /* bytes of a head that never came whole: no request */
		return;
	}
	o->error = error;
	o->t_end = PX_OBS_PENDING;
	o->bytes_out = d->out.total - o->out0;
	if (o->t_down_sent == 0 && o->bytes_out != 0)
		o->t_down_sent = PX_OBS_PENDING; /* goes out with the iteration's sends */
	if (d->route != NULL && d->gen == pw->gen && d->table >= 0) {
		o->table = (uint16_t)d->table;
		o->route = (uint16_t)RTE_MIN(d->route->id, (uint32_t)MP_ALOG_NO_INDEX);
		o->vhost = d->route->vhost;
	}
	if (d->has_cluster)
		o->cluster = d->cluster;
	if (r != NULL) {
		struct mp_alog_http *h = &r->http;

		h->status = o->status;
		h->bytes_in = o->bytes_in;
		h->bytes_out = o->bytes_out;
		h->table = o->table;
		h->vhost = o->vhost;
		h->route = o->route;
		h->cluster = o->cluster;
		h->retries = o->retries;
		h->local = o->local;
		h->error = o->error;
		if (o->client_gone)
			h->flags |= MP_ALOG_F_CLIENT_GONE;
		if (o->local != 0 && o->t_conn == 0 && o->t_ready == 0)
			h->upstream_family = 0; /* answered without an upstream */
	}
	if (ow->n_done < PX_OBS_DONE) {
		e = &ow->done[ow->n_done];
		*e = *o;
		if (r != NULL)
			rte_memcpy(&ow->done_rec[ow->n_done], r, sizeof(*r));
		ow->n_done++;
	} else {
		/* No room to wait for the iteration's end: finish now with its start. */
		ow->st.early++;
		px_obs_resolve(o, pw->net->now);
		px_obs_finish(pw, o, r);
	}
	o->t_start = 0; /* ended: the next request starts afresh */
}

void
px_obs_closed(struct px_down *d)
{
	if (d->obs.t_start == 0)
		return;
	d->obs.client_gone = true;
	px_obs_end(d, 0);
}

void
px_obs_begin(struct mp_proxy_worker *pw)
{
	struct px_obs_worker *ow = &pw->obs;
	uint64_t now = pw->net->now;

	while (ow->stamps != NULL) {
		struct px_down *d = ow->stamps;

		ow->stamps = d->obs.stamp_next;
		d->obs.stamp_next = NULL;
		d->obs.listed = false;
		px_obs_resolve(&d->obs, now);
	}
	for (uint32_t i = 0; i < ow->n_done; i++) {
		px_obs_resolve(&ow->done[i], now);
		px_obs_finish(pw, &ow->done[i], ow->done_rec != NULL ? &ow->done_rec[i] : NULL);
	}
	ow->n_done = 0;
}

/* --- control path ------------------------------------------------------------------------ */

int
px_obs_create(struct mp_proxy_worker *pw, const struct mp_conf *conf)
{
	struct px_obs_worker *ow = &pw->obs;
	int s = pw->obs.socket_id;

	ow->done = rte_zmalloc_socket("mp_proxy_obs", sizeof(*ow->done) * PX_OBS_DONE, 0, s);
	ow->st.n_clusters = RTE_MIN(conf->n_clusters, (unsigned int)MP_MAX_CLUSTERS);
	ow->st.cluster = rte_zmalloc_socket(
	        "mp_proxy_lat", sizeof(*ow->st.cluster) * RTE_MAX(ow->st.n_clusters, 1u),
	        RTE_CACHE_LINE_SIZE, s);
	if (ow->done == NULL || ow->st.cluster == NULL)
		return -ENOMEM;
	for (unsigned int t = 0; t < pw->st.n_tables; t++) {
		unsigned int n =
		        RTE_MIN(pw->st.n_routes[t], (unsigned int)MP_PROXY_MAX_ROUTE_HISTS);

		ow->st.route[t] = rte_zmalloc_socket(
		        "mp_proxy_lat", sizeof(struct mp_proxy_lat) * n, RTE_CACHE_LINE_SIZE, s);
		if (n != 0 && ow->st.route[t] == NULL)
			return -ENOMEM;
		ow->st.n_routes[t] = n;
		ow->st.n_tables = t + 1;
	}
	return 0;
}

void
px_obs_free(struct mp_proxy_worker *pw)
{
	struct px_obs_worker *ow = &pw->obs;

	for (unsigned int t = 0; t < ow->st.n_tables; t++)
		rte_free(ow->st.route[t]);
	rte_free(ow->st.cluster);
	rte_free(ow->done);
	rte_free(ow->done_rec);
	rte_free(ow->slots);
}

const struct mp_proxy_obs_stats *
mp_proxy_obs_stats(const struct mp_proxy_worker *pw)
{
	return &pw->obs.st;
}

int
mp_proxy_access_log(struct mp_proxy_worker *pw, struct rte_ring *ring, struct mp_counters *cnt)
{
	struct px_obs_worker *ow = &pw->obs;

	ow->slots = rte_zmalloc_socket("mp_proxy_alog", sizeof(*ow->slots) * pw->lim.max_downstream,
	                               RTE_CACHE_LINE_SIZE, ow->socket_id);
	ow->done_rec = rte_zmalloc_socket("mp_proxy_alog", sizeof(*ow->done_rec) * PX_OBS_DONE,
	                                  RTE_CACHE_LINE_SIZE, ow->socket_id);
	if (ow->slots == NULL || ow->done_rec == NULL) {
		rte_free(ow->slots);
		rte_free(ow->done_rec);
		ow->slots = ow->done_rec = NULL;
		return -ENOMEM;
	}
	ow->alog = ring;
	ow->cnt = cnt;
	return 0;
}
