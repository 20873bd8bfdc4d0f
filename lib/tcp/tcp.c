/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp control and API: stack creation, listeners, active open, and the calls the layer
 * above makes on a connection (send, shutdown, close, abort).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "tcp_priv.h"

#define DEF_MAX_CONNS       65536
#define DEF_MAX_TIME_WAIT   16384
#define DEF_SYN_BACKLOG     1024
#define DEF_BUF             (256 * 1024)
#define DEF_WORKER_BUF      (256ull << 20)
#define DEF_MSS             1460
#define DEF_IW              10
#define DEF_DELACK_MS       40
#define DEF_RTO_INIT_MS     1000
#define DEF_RTO_MIN_MS      200
#define DEF_RTO_MAX_MS      60000
#define DEF_MAX_RETRIES     15
#define DEF_SYN_RETRIES     5
#define DEF_TIME_WAIT_MS    60000
#define DEF_FIN_WAIT2_MS    60000
#define DEF_KA_IDLE_S       7200
#define DEF_KA_INTVL_S      75
#define DEF_KA_PROBES       9
#define DEF_CHALLENGE_LIMIT 1000
#define DEF_PERSIST_MAX_MS  60000
#define HASH_MIN_ENTRIES    8u

static const char *const state_names[] = {
#define MP_TCP_STATE_NAME(sym, name) name,
        MP_TCP_STATE_LIST(MP_TCP_STATE_NAME)
#undef MP_TCP_STATE_NAME
};

static const char *const stat_names[] = {
#define MP_TCP_STAT_NAME(sym, name) name,
        MP_TCP_STAT_LIST(MP_TCP_STAT_NAME)
#undef MP_TCP_STAT_NAME
};

const char *
mp_tcp_state_name(enum mp_tcp_state s)
{
	return (unsigned int)s < MP_TCP_STATE_MAX ? state_names[s] : "?";
}

const char *
mp_tcp_stat_name(enum mp_tcp_stat s)
{
	return (unsigned int)s < MP_TCP_ST_MAX ? stat_names[s] : "?";
}

size_t
mp_tcp_conn_size(void)
{
	return sizeof(struct mp_tcp_conn);
}

void
mp_tcp_params_default(struct mp_tcp_params *p)
{
	memset(p, 0, sizeof(*p));
	p->socket_id = SOCKET_ID_ANY;
	p->n_workers = 1;
	p->max_conns = DEF_MAX_CONNS;
	p->max_time_wait = DEF_MAX_TIME_WAIT;
	p->syn_backlog = DEF_SYN_BACKLOG;
	p->sndbuf = DEF_BUF;
	p->rcvbuf = DEF_BUF;
	p->worker_buf = DEF_WORKER_BUF;
	p->mss = DEF_MSS;
	p->iw_segments = DEF_IW;
	p->cc_algo = MP_TCP_CC_CUBIC;
	p->delayed_ack = true;
	p->tlp = true;
	p->rack = true;
	p->sack = true;
	p->timestamps = true;
	p->window_scaling = true;
	p->nagle = false;
	p->keepalive = false;
	p->syn_cookies = true;
	p->delack_ms = DEF_DELACK_MS;
	p->rto_init_ms = DEF_RTO_INIT_MS;
	p->rto_min_ms = DEF_RTO_MIN_MS;
	p->rto_max_ms = DEF_RTO_MAX_MS;
	p->max_retries = DEF_MAX_RETRIES;
	p->syn_retries = DEF_SYN_RETRIES;
	p->time_wait_ms = DEF_TIME_WAIT_MS;
	p->fin_wait2_ms = DEF_FIN_WAIT2_MS;
	p->keepalive_idle_s = DEF_KA_IDLE_S;
	p->keepalive_intvl_s = DEF_KA_INTVL_S;
	p->keepalive_probes = DEF_KA_PROBES;
	p->challenge_ack_limit = DEF_CHALLENGE_LIMIT;
	p->persist_max_ms = DEF_PERSIST_MAX_MS;
}

struct mp_tcp_stack *
mp_tcp_create(const struct mp_tcp_params *p)
{
	struct rte_hash_parameters hp = {0};
	struct mp_tcp_stack *s;
	char name[RTE_HASH_NAMESIZE];
	uint64_t r;

	if (p->name == NULL || p->pool == NULL || p->wheel == NULL || p->output == NULL ||
	    p->hz == 0 || p->max_conns == 0 || p->n_workers == 0 || p->mss < TCP_MIN_MSS) {
		rte_errno = EINVAL;
		return NULL;
	}
	s = rte_zmalloc_socket(p->name, sizeof(*s), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (s == NULL)
		goto fail;
	s->p = *p;
	if (s->p.ooo_max == 0)
		s->p.ooo_max = s->p.rcvbuf;
	s->conns = rte_zmalloc_socket(p->name, (size_t)p->max_conns * sizeof(*s->conns),
	                              RTE_CACHE_LINE_SIZE, p->socket_id);
	if (s->conns == NULL)
		goto fail_stack;
	snprintf(name, sizeof(name), "tcp_%s", p->name);
	hp.name = name;
	hp.entries = RTE_MAX(p->max_conns, HASH_MIN_ENTRIES);
	hp.key_len = sizeof(struct mp_tcp_tuple);
	hp.socket_id = p->socket_id == SOCKET_ID_ANY ? 0 : p->socket_id;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	s->table = rte_hash_create(&hp);
	if (s->table == NULL)
		goto fail_conns;
	if (mp_tcp_secret_init(&s->secret) < 0) {
		rte_errno = EIO;
		goto fail_hash;
	}
	for (uint32_t i = p->max_conns; i-- > 0;) {
		s->conns[i].next = s->free;
		s->free = &s->conns[i];
	}
	/* RFC 6056 3.3.1: the search for a free local port starts at a random place. Started at
	 * the range's first port, a restarted meshpath opened its first connections on the
	 * 4-tuples of its previous life, which a server may still hold (dropped at exit without a
	 * RST, or in TIME_WAIT): it answers such a SYN with the old connection's ACK, we reset
	 * that, and the connection waits one initial RTO (1 s) for its second SYN. */
	r = p->ports_from_first ? 0 : rte_rand();
	s->next_port = (uint16_t)(TCP_PORT_FIRST + r % (TCP_PORT_LAST - TCP_PORT_FIRST + 1));
	s->rss_next = (uint16_t)(r >> 32);
	mp_tcp_set_now(s, 0);
	return s;

fail_hash:
	rte_hash_free(s->table);
fail_conns:
	rte_free(s->conns);
fail_stack:
	rte_free(s);
fail:
	if (rte_errno == 0)
		rte_errno = ENOMEM;
	return NULL;
}

void
mp_tcp_free(struct mp_tcp_stack *s)
{
	if (s == NULL)
		return;
	for (uint32_t i = 0; i < s->p.max_conns; i++) {
		struct mp_tcp_conn *c = &s->conns[i];

		if (c->flags & TF_IN_HASH) {
			c->cb = NULL;
			c->listener = NULL;
			tcp_conn_drop(c, false);
		}
	}
	tcp_conn_reap(s);
	rte_hash_free(s->table);
	rte_free(s->conns);
	rte_free(s);
}

void
mp_tcp_set_now(struct mp_tcp_stack *s, uint64_t now)
{
	s->now = now;
	s->now_us = (uint64_t)((unsigned __int128)now * 1000000u / s->p.hz);
}

struct mp_tcp_listener *
mp_tcp_listen(struct mp_tcp_stack *s, int family, const void *addr, uint16_t port,
              const struct mp_tcp_callbacks *cb, void *arg)
{
	struct mp_tcp_listener l = {0};
	static const uint8_t zero[16];
	uint32_t alen = family == AF_INET ? 4 : 16;

	if (family != AF_INET && family != AF_INET6) {
		rte_errno = EAFNOSUPPORT;
		return NULL;
	}
	l.stack = s;
	l.cb = cb;
	l.arg = arg;
	l.family = (uint8_t)family;
	l.port = rte_cpu_to_be_16(port);
	if (addr != NULL)
		memcpy(l.addr, addr, alen);
	l.any = memcmp(l.addr, zero, sizeof(zero)) == 0;
	for (unsigned int i = 0; i < s->n_listeners; i++) {
		const struct mp_tcp_listener *o = &s->listeners[i];

		if (o->family == l.family && o->port == l.port && o->any == l.any &&
		    memcmp(o->addr, l.addr, sizeof(l.addr)) == 0) {
			rte_errno = EEXIST;
			return NULL;
		}
	}
	if (s->n_listeners == TCP_LISTENERS) {
		rte_errno = ENOSPC;
		return NULL;
	}
	s->listeners[s->n_listeners] = l;
	return &s->listeners[s->n_listeners++];
}

/*
 * A free local port whose replies the device's RSS delivers to this worker's queue, among the
 * ports of the % rule (so software steering agrees): the same rule as the L4 SNAT ports.
 * Candidates are the ephemeral ports lo, lo + n, lo + 2n, ... (slots) up to TCP_PORT_LAST; the
 * search goes on from where the last one ended, wraps, and gives up after its tries (used ports
 * included: the cost on the data path stays bounded).
 * Returns false when the port cannot predict or no free candidate was found.
 */
static bool
tcp_pick_port_rss(struct mp_tcp_stack *s, struct mp_tcp_tuple *t, uint16_t port)
{
	const uint32_t nw = s->p.n_workers;
	const uint32_t lo = (TCP_PORT_FIRST + nw - 1) / nw * nw + s->p.worker;
	const uint32_t slots = (TCP_PORT_LAST - lo) / nw + 1;
	/* A candidate of the % rule lands on the queue with odds 1/n when the table spreads n
	 * queues evenly: 16 n^2 tries miss with odds below 1e-7 (as the L4 SNAT choice). */
	uint32_t budget = RTE_MIN(16 * nw * nw, TCP_RSS_TRIES);
	const struct mp_net_rss *rss = s->p.ifaces[port].rss;
	uint32_t pos = s->rss_next % slots;

	while (budget > 0) {
		uint32_t tries = RTE_MIN(budget, slots - pos);
		uint16_t lport = mp_net_rss_pick_dport(rss, t->family, t->raddr, t->laddr, t->rport,
		                                       s->p.queue, (uint16_t)nw, s->p.worker,
		                                       TCP_PORT_FIRST, pos, tries);

		if (lport == 0) {
			/* None in [pos, pos + tries): on from there, wrapping at the end. */
			budget -= tries;
			pos = (pos + tries) % slots;
			continue;
		}
		budget -= (lport - lo) / nw - pos + 1;
		pos = (lport - lo) / nw + 1;
		t->lport = rte_cpu_to_be_16(lport);
		if (tcp_conn_lookup(s, t) == NULL) {
			s->rss_next = (uint16_t)(pos % slots);
			return true;
		}
		if (pos == slots)
			pos = 0;
	}
	/* The next open goes on from here: a run of used ports costs a few misses, not all. */
	s->rss_next = (uint16_t)(pos % slots);
	return false;
}

/* A free local port whose replies come back to this worker (lport % n_workers == worker). */
static bool
tcp_pick_port(struct mp_tcp_stack *s, struct mp_tcp_tuple *t, uint16_t port)
{
	const uint32_t range = TCP_PORT_LAST - TCP_PORT_FIRST + 1;
	uint16_t next = s->next_port;

	if (s->p.ifaces != NULL && port < s->p.n_ports && s->p.ifaces[port].rss != NULL &&
	    s->p.n_workers > 1) {
		if (tcp_pick_port_rss(s, t, port)) {
			tcp_stat(s, MP_TCP_ST_RSS_PORTS, 1);
			return true;
		}
		tcp_stat(s, MP_TCP_ST_RSS_MISSES, 1);
	}
	for (uint32_t i = 0; i < range; i++, next++) {
		if (next > TCP_PORT_LAST || next < TCP_PORT_FIRST)
			next = TCP_PORT_FIRST;
		if (next % s->p.n_workers != s->p.worker)
			continue;
		t->lport = rte_cpu_to_be_16(next);
		if (tcp_conn_lookup(s, t) == NULL) {
			s->next_port = (uint16_t)(next + 1);
			return true;
		}
	}
	return false;
}

struct mp_tcp_conn *
mp_tcp_connect(struct mp_tcp_stack *s, int family, const void *laddr, const void *raddr,
               uint16_t rport, uint16_t port, const struct mp_tcp_callbacks *cb, void *arg)
{
	struct mp_tcp_tuple t = {0};
	struct mp_tcp_conn *c;
	uint32_t alen = family == AF_INET ? 4 : 16;

	t.family = (uint8_t)family;
	t.rport = rte_cpu_to_be_16(rport);
	memcpy(t.laddr, laddr, alen);
	memcpy(t.raddr, raddr, alen);
	if (!tcp_pick_port(s, &t, port)) {
		tcp_drop_count(s, MP_DROP_TCP_CONN_LIMIT);
		rte_errno = ENOSPC;
		return NULL;
	}
	c = tcp_conn_alloc(s, &t);
	if (c == NULL) {
		tcp_drop_count(s, MP_DROP_TCP_CONN_LIMIT);
		rte_errno = ENOSPC;
		return NULL;
	}
	tcp_conn_init_tcb(c);
	c->cb = cb;
	c->arg = arg;
	c->port = port;
	c->iss = mp_tcp_isn(&s->secret, &t, s->now_us);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	/* What the SYN offers; the SYN-ACK's options decide what stays (tcp_negotiate()). */
	if (s->p.timestamps)
		c->flags |= TF_TS;
	if (s->p.sack)
		c->flags |= TF_SACK;
	if (s->p.window_scaling) {
		c->flags |= TF_WSCALE;
		while (c->rcv_wscale < TCP_MAX_WSCALE &&
		       (TCP_MAX_WIN << c->rcv_wscale) < s->p.rcvbuf)
			c->rcv_wscale++;
	}
	tcp_conn_set_state(c, MP_TCP_SYN_SENT);
	tcp_stat(s, MP_TCP_ST_ACTIVE_OPENS, 1);
	tcp_send_syn(c);
	return c;
}

void
mp_tcp_conn_set_arg(struct mp_tcp_conn *c, void *arg)
{
	c->arg = arg;
}

void
mp_tcp_conn_set_callbacks(struct mp_tcp_conn *c, const struct mp_tcp_callbacks *cb)
{
	c->cb = cb;
}

enum mp_tcp_state
mp_tcp_conn_state(const struct mp_tcp_conn *c)
{
	return (enum mp_tcp_state)c->state;
}

const struct mp_tcp_tuple *
mp_tcp_conn_tuple(const struct mp_tcp_conn *c)
{
	return &c->tuple;
}

const struct mp_tcp_stats *
mp_tcp_stats(const struct mp_tcp_stack *s)
{
	return &s->stats;
}

uint32_t
mp_tcp_conn_count(const struct mp_tcp_stack *s)
{
	return s->n_conns;
}

static bool
tcp_can_send(const struct mp_tcp_conn *c)
{
	if (c->flags & (TF_SHUT_WR | TF_APP_CLOSED))
		return false;
	switch (c->state) {
	case MP_TCP_SYN_SENT:
	case MP_TCP_SYN_RECEIVED:
	case MP_TCP_ESTABLISHED:
	case MP_TCP_CLOSE_WAIT:
		return true;
	default:
		return false;
	}
}

uint32_t
mp_tcp_send_space(const struct mp_tcp_conn *c)
{
	const struct mp_tcp_stack *s = c->stack;
	uint64_t room;

	if (!tcp_can_send(c) || c->sndq_bytes >= s->p.sndbuf || s->buffered >= s->p.worker_buf)
		return 0;
	room = RTE_MIN((uint64_t)(s->p.sndbuf - c->sndq_bytes), s->p.worker_buf - s->buffered);
	return (uint32_t)room;
}

int
mp_tcp_send(struct mp_tcp_conn *c, struct rte_mbuf *m)
{
	struct mp_tcp_stack *s = c->stack;
	struct rte_mbuf *seg;

	if (!tcp_can_send(c))
		return -ENOTCONN;
	if (m->pkt_len > mp_tcp_send_space(c)) {
		c->flags |= TF_WANT_WRITE;
		tcp_stat(s, MP_TCP_ST_SEND_REFUSED, 1);
		return -ENOBUFS;
	}
	c->sndq_bytes += m->pkt_len;
	s->buffered += m->pkt_len;
	/* Segments join one flat list; each becomes a one-segment mbuf of its own. */
	for (seg = m; seg != NULL;) {
		struct rte_mbuf *next = seg->next;

		seg->next = NULL;
		seg->nb_segs = 1;
		seg->pkt_len = seg->data_len;
		if (seg->data_len == 0) {
			rte_pktmbuf_free_seg(seg);
		} else {
			if (c->sndq_tail != NULL)
				c->sndq_tail->next = seg;
			else
				c->sndq_head = seg;
			c->sndq_tail = seg;
		}
		seg = next;
	}
	if (c->state == MP_TCP_ESTABLISHED || c->state == MP_TCP_CLOSE_WAIT)
		tcp_output(c);
	return 0;
}

void
mp_tcp_recv_done(struct mp_tcp_conn *c, uint32_t n)
{
	uint32_t adv, win, max;

	c->rcv_user -= RTE_MIN(n, c->rcv_user);
	if (c->state < MP_TCP_ESTABLISHED || c->state == MP_TCP_TIME_WAIT)
		return;
	/*
	 * Receiver-side SWS avoidance (RFC 9293 3.8.6.2.2) as Linux's __tcp_cleanup_rbuf(): a
	 * window update when the window offered has fallen to half the buffer or less and can now
	 * be at least doubled, and by a segment or more. Measured from the edge last advertised,
	 * not from the window before this call: a receiver that releases one segment at a time
	 * must still reopen a window the peer sees, or the peer waits for its persist timer.
	 */
	adv = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	win = tcp_rcv_window(c);
	max = RTE_MIN(c->stack->p.rcvbuf, TCP_MAX_WIN << c->rcv_wscale);
	if (2 * adv <= max && win >= 2 * adv && win - adv >= c->mss)
		tcp_send_ack(c);
}

void
mp_tcp_shutdown(struct mp_tcp_conn *c)
{
	if (c->flags & TF_SHUT_WR)
		return;
	switch (c->state) {
	case MP_TCP_SYN_SENT:
		tcp_conn_drop(c, false);
		tcp_conn_reap_idle(c->stack);
		return;
	case MP_TCP_SYN_RECEIVED:
	case MP_TCP_ESTABLISHED:
		c->flags |= TF_SHUT_WR;
		if (c->state == MP_TCP_ESTABLISHED)
			tcp_conn_set_state(c, MP_TCP_FIN_WAIT_1);
		break;
	case MP_TCP_CLOSE_WAIT:
		c->flags |= TF_SHUT_WR;
		tcp_conn_set_state(c, MP_TCP_LAST_ACK);
		break;
	default:
		return;
	}
	tcp_output(c);
}

void
mp_tcp_close(struct mp_tcp_conn *c)
{
	if (c->flags & TF_APP_CLOSED)
		return;
	mp_tcp_shutdown(c);
	c->flags |= TF_APP_CLOSED;
	if (c->state == MP_TCP_CLOSED)
		return;
	if (c->state == MP_TCP_FIN_WAIT_2 && c->timer_kind == TCP_T_NONE)
		tcp_timer_set(c, TCP_T_FIN_WAIT2, (uint64_t)c->stack->p.fin_wait2_ms * 1000);
	tcp_conn_reap_idle(c->stack);
}

void
mp_tcp_abort(struct mp_tcp_conn *c)
{
	if (c->state == MP_TCP_CLOSED)
		return;
	if (c->state != MP_TCP_SYN_SENT && c->state != MP_TCP_TIME_WAIT)
		tcp_send_rst(c);
	tcp_conn_drop(c, false);
	tcp_conn_reap_idle(c->stack);
}
