/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy's control path: a worker's context, its connection pools (preallocated arrays
 * with free lists, sized by the `http` section), its listeners on the TCP stack, the names of
 * its statistics. Also mp_proxy_begin(), the one per-loop entry point.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "mp_net.h"
#include "proxy_priv.h"

static const char *const px_cnt_names[] = {
#define PX_NAME(sym, name) name,
        MP_PROXY_CNT_LIST(PX_NAME)
#undef PX_NAME
};

static const char *const px_local_names[] = {
#define PX_NAME(sym, status, name, text) name,
        MP_PROXY_LOCAL_LIST(PX_NAME)
#undef PX_NAME
};

static const char *const px_err_names[] = {
#define PX_NAME(sym, name) name,
        MP_PROXY_ERR_LIST(PX_NAME)
#undef PX_NAME
};

static const char *const px_timeout_names[] = {
#define PX_NAME(sym, name) name,
        MP_PROXY_TIMEOUT_LIST(PX_NAME)
#undef PX_NAME
};

const char *
mp_proxy_cnt_name(enum mp_proxy_cnt c)
{
	return (unsigned int)c < MP_PROXY_C_MAX ? px_cnt_names[c] : "?";
}

const char *
mp_proxy_local_name(enum mp_proxy_lreason l)
{
	return (unsigned int)l < MP_PROXY_L_MAX ? px_local_names[l] : "?";
}

const char *
mp_proxy_err_name(enum mp_proxy_err e)
{
	return (unsigned int)e < MP_PROXY_E_MAX ? px_err_names[e] : "?";
}

const char *
mp_proxy_timeout_name(enum mp_proxy_timeout t)
{
	return (unsigned int)t < MP_PROXY_TO_MAX ? px_timeout_names[t] : "?";
}

/* Routes of table t in the config (their ids run over every virtual host of the table). */
static unsigned int
px_table_routes(const struct mp_conf *conf, unsigned int t)
{
	const struct mp_conf_http *h = conf->http;
	const struct mp_conf_route_table *rt = &h->tables[t];
	unsigned int n = 0;

	for (unsigned int v = 0; v < rt->vhosts.n; v++)
		n += h->vhosts[rt->vhosts.first + v].routes.n;
	return RTE_MIN(n, (unsigned int)MP_PROXY_MAX_ROUTE_STATS);
}

size_t
mp_proxy_down_size(void)
{
	return sizeof(struct px_down);
}

size_t
mp_proxy_up_size(void)
{
	return sizeof(struct px_up);
}

void
mp_proxy_free(struct mp_proxy_worker *pw)
{
	if (pw == NULL)
		return;
	if (pw->tick.fn != NULL)
		mp_timer_cancel(pw->wheel, &pw->tick);
	/* The TCP stack is gone: its connections left without callbacks; free what we held. */
	for (uint32_t i = 0; pw->downs != NULL && i < pw->lim.max_downstream; i++) {
		px_q_free(&pw->downs[i].in);
		px_q_free(&pw->downs[i].out);
		px_q_free(&pw->downs[i].retry);
	}
	for (uint32_t i = 0; pw->ups != NULL && i < pw->lim.max_upstream; i++) {
		px_q_free(&pw->ups[i].in);
		px_q_free(&pw->ups[i].out);
	}
	for (unsigned int t = 0; t < pw->st.n_tables; t++)
		rte_free(pw->st.route[t]);
	px_obs_free(pw);
	rte_free(pw->downs);
	rte_free(pw->ups);
	rte_free(pw->pools);
	rte_free(pw->listens);
	rte_free(pw->rhdrs);
	rte_free(pw->loc_buf);
	rte_free(pw->head_buf);
	rte_free(pw->out_buf);
	rte_free(pw->fields);
	rte_free(pw);
}

struct mp_proxy_worker *
mp_proxy_create(const struct mp_proxy_params *p)
{
	const struct mp_conf_proxy *lim = &p->conf->proxy;
	struct mp_http_params hp;
	struct mp_proxy_worker *pw;
	int s = p->socket_id;

	pw = rte_zmalloc_socket("mp_proxy", sizeof(*pw), RTE_CACHE_LINE_SIZE, s);
	if (pw == NULL)
		goto nomem;
	pw->tcp = p->tcp;
	pw->net = p->net;
	pw->pool = p->net->pool;
	pw->wheel = p->wheel;
	pw->conf0 = p->conf;
	pw->lim = *lim;
	pw->hz = p->hz;
	pw->rng = p->seed * 0x9E3779B97F4A7C15ULL + 1;
	pw->worker = p->worker;
	pw->head_cap = lim->max_request_line + lim->max_header_bytes;
	pw->out_cap = pw->head_cap + PX_HEAD_EXTRA;
	pw->head_buf = rte_malloc_socket("mp_proxy_head", pw->head_cap, 0, s);
	pw->out_buf = rte_malloc_socket("mp_proxy_out", pw->out_cap, 0, s);
	pw->fields =
	        rte_malloc_socket("mp_proxy_fields", sizeof(*pw->fields) * lim->max_headers, 0, s);
	pw->downs = rte_zmalloc_socket("mp_proxy_down", sizeof(*pw->downs) * lim->max_downstream,
	                               RTE_CACHE_LINE_SIZE, s);
	pw->ups = rte_zmalloc_socket("mp_proxy_up", sizeof(*pw->ups) * lim->max_upstream,
	                             RTE_CACHE_LINE_SIZE, s);
	pw->pools =
	        rte_zmalloc_socket("mp_proxy_pools", sizeof(*pw->pools) * MP_MAX_ENDPOINTS, 0, s);
	pw->listens = rte_zmalloc_socket("mp_proxy_listen", sizeof(*pw->listens) * MP_MAX_LISTENERS,
	                                 0, s);
	pw->rhdrs =
	        rte_malloc_socket("mp_proxy_rhdrs", sizeof(*pw->rhdrs) * lim->max_headers, 0, s);
	pw->loc_buf = rte_malloc_socket("mp_proxy_loc", pw->out_cap, 0, s);
	if (pw->head_buf == NULL || pw->out_buf == NULL || pw->fields == NULL ||
	    pw->downs == NULL || pw->ups == NULL || pw->pools == NULL || pw->listens == NULL ||
	    pw->rhdrs == NULL || pw->loc_buf == NULL)
		goto nomem_free;
	for (unsigned int t = 0; p->conf->http != NULL && t < p->conf->http->n_tables; t++) {
		unsigned int n = px_table_routes(p->conf, t);

		pw->st.route[t] = rte_zmalloc_socket(
		        "mp_proxy_rstats", sizeof(struct mp_proxy_counters) * (n + 1), 0, s);
		if (pw->st.route[t] == NULL)
			goto nomem_free;
		pw->st.n_routes[t] = n;
		pw->st.n_tables = t + 1;
	}
	pw->obs.socket_id = s;
	if (px_obs_create(pw, p->conf) < 0)
		goto nomem_free;
	for (uint32_t i = lim->max_downstream; i-- > 0;) {
		pw->downs[i].free = true;
		pw->downs[i].next = pw->down_free;
		pw->down_free = &pw->downs[i];
	}
	for (uint32_t i = lim->max_upstream; i-- > 0;) {
		pw->ups[i].free = true;
		pw->ups[i].next = pw->up_free;
		pw->up_free = &pw->ups[i];
	}
	mp_http_params_default(&hp);
	hp.max_request_line = lim->max_request_line;
	hp.max_header_bytes = lim->max_header_bytes;
	hp.max_headers = (uint16_t)lim->max_headers;
	hp.max_body = lim->max_body;
	px_resil_conf(pw, p->conf);
	if (mp_http_init(&pw->req_tmpl, MP_HTTP_REQUEST, &hp, pw->fields) < 0)
		goto inval_free;
	/* Responses: the same head limits, no body limit (the server decides what it sends). */
	hp.max_body = 0;
	if (mp_http_init(&pw->resp_tmpl, MP_HTTP_RESPONSE, &hp, pw->fields) < 0)
		goto inval_free;
	return pw;

inval_free:
	mp_proxy_free(pw);
	rte_errno = EINVAL;
	return NULL;
nomem_free:
	mp_proxy_free(pw);
nomem:
	rte_errno = ENOMEM;
	return NULL;
}

int
mp_proxy_listen(struct mp_proxy_worker *pw, unsigned int listener)
{
	const struct mp_conf_listener *l = &pw->conf0->listeners[listener];
	int family = l->vip.family;
	const void *addr = family == AF_INET ? (const void *)&l->vip.v4 : l->vip.v6;

	pw->listens[listener].pw = pw;
	pw->listens[listener].listener = (uint16_t)listener;
	pw->listens[listener].table = (int16_t)l->routes;
	for (uint32_t port = l->port; port <= RTE_MAX(l->port_last, l->port); port++)
		if (mp_tcp_listen(pw->tcp, family, addr, (uint16_t)port, &px_listen_cb,
		                  &pw->listens[listener]) == NULL)
			return -rte_errno;
	return 0;
}

const struct mp_proxy_stats *
mp_proxy_stats(const struct mp_proxy_worker *pw)
{
	return &pw->st;
}

void
px_count(struct mp_proxy_worker *pw, const struct px_down *d, enum mp_proxy_cnt k, uint64_t n)
{
	struct mp_proxy_counters *rc = px_route_cnt(pw, d);

	if (rc != NULL)
		rc->c[k] += n;
	if (d->has_cluster)
		pw->st.cluster[d->cluster].c[k] += n;
}

void
mp_proxy_begin(struct mp_proxy_worker *pw, const struct mp_proxy_view *v)
{
	bool conf_changed = v->conf != pw->v.conf;

	/* First: what ended in the previous iteration, with its view (indexes only). */
	px_obs_begin(pw);
	if (v->tables != pw->v.tables || v->conf != pw->v.conf)
		pw->gen++;
	pw->v = *v;
	if (conf_changed)
		px_resil_conf(pw, v->conf);
	px_resil_tick(pw);
	mp_tcp_set_now(pw->tcp, pw->net->now);
	/* Connections whose `closed` ran in the previous iteration are free again. */
	while (pw->down_reap != NULL) {
		struct px_down *d = pw->down_reap;

		pw->down_reap = d->next;
		d->next = pw->down_free;
		pw->down_free = d;
	}
	while (pw->up_reap != NULL) {
		struct px_up *u = pw->up_reap;

		pw->up_reap = u->next;
		u->next = pw->up_free;
		pw->up_free = u;
	}
}
