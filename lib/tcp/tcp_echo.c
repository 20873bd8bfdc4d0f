/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Built-in services for testing the stack against real peers: echo (RFC 862) and discard
 * (RFC 863).
 *
 * Echo sends every received segment back as it is: the receive mbufs become send-queue mbufs
 * without a copy. When the send space is short the rest waits, chained, in the connection's
 * argument; the bytes are released to the receive window only once they are queued for
 * sending, so a peer that does not read closes its own window instead of growing a queue here.
 */
#include <errno.h>

#include "tcp_priv.h"

/* Queue what fits from the pending chain; returns what is left (NULL when all went). */
static struct rte_mbuf *
echo_push(struct mp_tcp_conn *c, struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = m->next;
		uint16_t nb = (uint16_t)(m->nb_segs - 1);
		uint32_t rest = m->pkt_len - m->data_len;
		uint32_t len = m->data_len;

		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = len;
		if (mp_tcp_send(c, m) != 0) {
			/* Put it back together; `writable` will call again. */
			m->next = next;
			m->nb_segs = (uint16_t)(nb + 1);
			m->pkt_len = len + rest;
			return m;
		}
		mp_tcp_recv_done(c, len);
		if (next != NULL) {
			next->nb_segs = nb;
			next->pkt_len = rest;
		}
		m = next;
	}
	return NULL;
}

static void
echo_flush(struct mp_tcp_conn *c, struct rte_mbuf *pending)
{
	pending = echo_push(c, pending);
	mp_tcp_conn_set_arg(c, pending);
	if (pending == NULL && mp_tcp_conn_state(c) == MP_TCP_CLOSE_WAIT)
		mp_tcp_close(c);
}

static void
echo_data(struct mp_tcp_conn *c, struct rte_mbuf *m, void *arg)
{
	struct rte_mbuf *pending = arg;

	if (pending != NULL) {
		if (rte_pktmbuf_chain(pending, m) != 0) {
			/* Too many segments to chain: the window keeps them few; drop and reset. */
			rte_pktmbuf_free(m);
			mp_tcp_abort(c);
			return;
		}
		return;
	}
	echo_flush(c, m);
}

static void
echo_writable(struct mp_tcp_conn *c, uint32_t space, void *arg)
{
	(void)space;
	echo_flush(c, arg);
}

static void
echo_peer_closed(struct mp_tcp_conn *c, void *arg)
{
	if (arg == NULL)
		mp_tcp_close(c);
}

static void
echo_closed(struct mp_tcp_conn *c, void *arg)
{
	rte_pktmbuf_free(arg);
	mp_tcp_conn_set_arg(c, NULL);
}

static void
discard_data(struct mp_tcp_conn *c, struct rte_mbuf *m, void *arg)
{
	(void)arg;
	mp_tcp_recv_done(c, m->pkt_len);
	rte_pktmbuf_free(m);
}

static void
discard_peer_closed(struct mp_tcp_conn *c, void *arg)
{
	(void)arg;
	mp_tcp_close(c);
}

const struct mp_tcp_callbacks mp_tcp_echo_callbacks = {
        .data = echo_data,
        .writable = echo_writable,
        .peer_closed = echo_peer_closed,
        .closed = echo_closed,
};

const struct mp_tcp_callbacks mp_tcp_discard_callbacks = {
        .data = discard_data,
        .peer_closed = discard_peer_closed,
};
