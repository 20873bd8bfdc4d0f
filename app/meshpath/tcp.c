/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath's own TCP stack in the process: one stack per worker on the worker's timer wheel,
 * sending through the worker's network layer; the listeners meshpath serves itself (echo,
 * discard) registered on every worker; the L4 stage hands their segments over; telemetry
 * /meshpath/tcp sums the workers' statistics.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_telemetry.h>

#include "meshpath.h"
#include "mp_tcp.h"

static struct meshpath *tcp_mp; /* for telemetry */

static void
tcp_output(void *ctx, struct rte_mbuf *m, int family, const uint8_t *dst, uint16_t port)
{
	mp_net_output(ctx, m, family, dst, port);
}

/* The L4 stage's hand-over: the stack runs on the worker's loop time. */
static void
tcp_serve(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct mp_worker *w = arg;

	mp_tcp_set_now(w->tcp, w->net.now);
	mp_tcp_input(w->tcp, pkts, n);
}

static void
tcp_params(struct mp_tcp_params *p, const struct mp_conf_tcp *t)
{
	mp_tcp_params_default(p);
	p->max_conns = t->max_conns;
	p->max_time_wait = t->max_time_wait;
	p->syn_backlog = t->syn_backlog;
	p->sndbuf = t->sndbuf;
	p->rcvbuf = t->rcvbuf;
	p->worker_buf = (uint64_t)t->worker_buf_mb << 20;
	p->mss = (uint16_t)t->mss;
	p->delayed_ack = t->delayed_ack != 0;
	p->delack_ms = t->delack_ms;
	p->nagle = t->nagle != 0;
	p->sack = t->sack != 0;
	p->tlp = t->tlp != 0;
	p->rack = t->rack != 0;
	p->timestamps = t->timestamps != 0;
	p->window_scaling = t->window_scaling != 0;
	p->syn_cookies = t->syn_cookies != 0;
	p->keepalive = t->keepalive != 0;
	p->keepalive_idle_s = t->keepalive_idle_s;
	p->keepalive_intvl_s = t->keepalive_intvl_s;
	p->keepalive_probes = t->keepalive_probes;
	p->rto_init_ms = t->rto_init_ms;
	p->rto_min_ms = t->rto_min_ms;
	p->rto_max_ms = t->rto_max_ms;
	p->max_retries = t->max_retries;
	p->syn_retries = t->syn_retries;
	p->time_wait_ms = t->time_wait_ms;
	p->fin_wait2_ms = t->fin_wait2_ms;
	p->cc_algo = t->cc == 1 ? MP_TCP_CC_NEWRENO : MP_TCP_CC_CUBIC;
}

const uint8_t *
mp_app_tcp_source(const struct mp_worker *w, int family, const uint8_t *dst, uint16_t *port)
{
	const struct mp_net_addr *src;
	const struct mp_nexthop *nh;

	if (family == AF_INET) {
		uint32_t v4;

		memcpy(&v4, dst, sizeof(v4));
		nh = mp_route_lookup4(w->net.routes, v4);
	} else {
		nh = mp_route_lookup6(w->net.routes, dst);
	}
	if (nh == NULL)
		return NULL;
	src = mp_net_iface_source(&w->net.ifaces[nh->port], family, nh->gateway ? nh->addr : dst);
	if (src == NULL)
		return NULL;
	*port = nh->port;
	return src->addr;
}

/* Every port of every echo and discard listener of the config, on w's stack. */
static int
tcp_listen_all(struct mp_worker *w, const struct mp_conf *conf)
{
	for (unsigned int i = 0; i < conf->n_listeners; i++) {
		const struct mp_conf_listener *l = &conf->listeners[i];
		const struct mp_tcp_callbacks *cb = l->service == MP_SVC_ECHO
		                                            ? &mp_tcp_echo_callbacks
		                                            : &mp_tcp_discard_callbacks;
		int family = l->vip.family;
		const void *addr = family == AF_INET ? (const void *)&l->vip.v4 : l->vip.v6;

		if (!mp_conf_listener_self_served(l) || l->service == MP_SVC_HTTP)
			continue; /* HTTP: the proxy listens (proxy.c) */
		for (uint32_t port = l->port; port <= l->port_last; port++) {
			if (mp_tcp_listen(w->tcp, family, addr, (uint16_t)port, cb, NULL) != NULL)
				continue;
			MP_LOG(ERR, "listener \"%s\" port %u: %s%s", l->name, port,
			       rte_strerror(rte_errno),
			       rte_errno == ENOSPC ? ": meshpath serves at most 64 ports itself"
			                           : "");
			return -rte_errno;
		}
	}
	return 0;
}

int
mp_app_tcp_setup(struct meshpath *mp, struct mp_worker *w, int socket_id)
{
	struct mp_tcp_params p;
	char name[32];
	int rc;

	tcp_mp = mp;
	tcp_params(&p, &mp->conf->tcp);
	snprintf(name, sizeof(name), "mp_tcp_%u", w->index);
	p.name = name;
	p.socket_id = socket_id;
	p.worker = (uint16_t)w->index;
	p.n_workers = (uint16_t)mp->n_workers;
	p.hz = rte_get_tsc_hz();
	p.pool = mp->pool;
	p.wheel = w->l4.wheel;
	p.output = tcp_output;
	p.output_ctx = &w->net;
	/* Active opens choose their local ports by the egress device's RSS, as the L4 SNAT does. */
	p.ifaces = w->net.ifaces;
	p.n_ports = w->net.n_ports;
	p.queue = w->net.queue;
	p.cnt = &w->counters;
	for (unsigned int i = 0; i < mp->n_ports; i++)
		p.linearize |= !mp->ports[i].tx_multi_seg;
	w->tcp = mp_tcp_create(&p);
	if (w->tcp == NULL) {
		MP_LOG(ERR,
		       "worker %u: cannot create its TCP stack of %u connections (%s): lower "
		       "tcp.max_connections or give the EAL more memory",
		       w->index, p.max_conns, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	mp_tcp_set_now(w->tcp, rte_rdtsc());
	rc = tcp_listen_all(w, mp->conf);
	if (rc < 0)
		return rc;
	w->l4.serve = tcp_serve;
	w->l4.serve_arg = w;
	return mp_app_proxy_setup(mp, w, socket_id);
}

void
mp_app_tcp_teardown(struct mp_worker *w)
{
	if (w->tcp != NULL) {
		/* The exit report: what this worker's stack did, non-zero statistics only (its
		 * drops are in the worker's counters, reported with the others). */
		const struct mp_tcp_stats *st = mp_tcp_stats(w->tcp);
		unsigned int shown = 0;

		for (unsigned int i = 0; i < MP_TCP_ST_MAX; i++) {
			if (st->st[i] == 0)
				continue;
			if (shown++ == 0)
				printf("  tcp worker %u:", w->index);
			printf(" %s %" PRIu64, mp_tcp_stat_name((enum mp_tcp_stat)i), st->st[i]);
		}
		if (shown != 0)
			printf("\n");
	}
	mp_tcp_free(w->tcp);
	w->tcp = NULL;
	mp_app_proxy_teardown(w);
}

/* /meshpath/tcp: the statistics summed over the workers, connections by state, drops, and the
 * size of one connection's state (without buffers). */
static int
tcp_tel(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct mp_tcp_stats sum = {0};
	struct rte_tel_data *st;

	(void)cmd;
	(void)params;
	for (unsigned int w = 0; w < tcp_mp->n_workers; w++) {
		const struct mp_tcp_stats *s;

		if (tcp_mp->workers[w] == NULL || tcp_mp->workers[w]->tcp == NULL)
			continue;
		s = mp_tcp_stats(tcp_mp->workers[w]->tcp);
		for (unsigned int i = 0; i < MP_TCP_ST_MAX; i++)
			sum.st[i] += s->st[i];
		for (unsigned int i = 0; i < MP_DROP_MAX; i++)
			sum.drops[i] += s->drops[i];
		for (unsigned int i = 0; i < MP_TCP_STATE_MAX; i++)
			sum.by_state[i] += s->by_state[i];
	}
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < MP_TCP_ST_MAX; i++)
		rte_tel_data_add_dict_u64(d, mp_tcp_stat_name((enum mp_tcp_stat)i), sum.st[i]);
	rte_tel_data_add_dict_u64(d, "connection_state_bytes", mp_tcp_conn_size());
	st = rte_tel_data_alloc();
	if (st != NULL) {
		rte_tel_data_start_dict(st);
		for (unsigned int i = MP_TCP_LISTEN; i < MP_TCP_STATE_MAX; i++)
			rte_tel_data_add_dict_u64(st, mp_tcp_state_name((enum mp_tcp_state)i),
			                          sum.by_state[i]);
		rte_tel_data_add_dict_container(d, "connections", st, 0);
	}
	st = rte_tel_data_alloc();
	if (st != NULL) {
		rte_tel_data_start_dict(st);
		for (unsigned int i = 0; i < MP_DROP_MAX; i++)
			if (sum.drops[i] != 0)
				rte_tel_data_add_dict_u64(st, mp_drop_name((enum mp_drop)i),
				                          sum.drops[i]);
		rte_tel_data_add_dict_container(d, "drops", st, 0);
	}
	return 0;
}

/* tcp_client.c */
int
mp_app_tcp_client_setup(struct meshpath *mp);
void
mp_app_tcp_client_teardown(void);

void
mp_app_tcp_fini(void)
{
	mp_app_tcp_client_teardown();
}

int
mp_app_tcp_telemetry(struct meshpath *mp)
{
	int rc = mp_app_tcp_client_setup(mp);

	if (rc < 0)
		return rc;
	return rte_telemetry_register_cmd(
	        "/meshpath/tcp", tcp_tel,
	        "meshpath's TCP stack: statistics summed over the workers, "
	        "connections by state, drops by reason");
}
