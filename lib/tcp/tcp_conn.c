/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table: a preallocated pool with a free list, an rte_hash from 4-tuple to
 * connection, the TIME_WAIT list (oldest first, bounded), and deferred release.
 *
 * A dropped connection leaves the table at once (no segment finds it any more) but returns to
 * the pool only from tcp_conn_reap(), which runs when no callback is on the stack: a receiver
 * may abort a connection from inside one of its callbacks while input still holds a pointer.
 */
#include <string.h>

#include <rte_hash.h>

#include "tcp_priv.h"

static void
tcp_tw_unlink(struct mp_tcp_conn *c)
{
	struct mp_tcp_stack *s = c->stack;

	if (!(c->flags & TF_IN_TW_LIST))
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->tw_head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		s->tw_tail = c->prev;
	c->next = c->prev = NULL;
	c->flags &= ~TF_IN_TW_LIST;
	s->n_time_wait--;
}

struct mp_tcp_conn *
tcp_conn_lookup(struct mp_tcp_stack *s, const struct mp_tcp_tuple *t)
{
	void *data;

	if (rte_hash_lookup_data(s->table, t, &data) < 0)
		return NULL;
	return data;
}

void
tcp_conn_set_state(struct mp_tcp_conn *c, enum mp_tcp_state st)
{
	struct mp_tcp_stack *s = c->stack;

	s->stats.by_state[c->state]--;
	s->stats.by_state[st]++;
	c->state = st;
}

struct mp_tcp_conn *
tcp_conn_alloc(struct mp_tcp_stack *s, const struct mp_tcp_tuple *t)
{
	struct mp_tcp_conn *c = s->free;

	if (c == NULL && s->tw_head != NULL) {
		/*
		 * A TIME_WAIT connection is the cheapest to give up (RFC 6191 spirit). Only that
		 * one is taken back from the reap list, where the drop put it first: the others
		 * may still be held by the caller's caller.
		 */
		c = s->tw_head;
		tcp_stat(s, MP_TCP_ST_TIME_WAIT_RECYCLED, 1);
		tcp_conn_drop(c, false);
		s->reap = c->next;
		s->stats.by_state[MP_TCP_CLOSED]--;
		s->n_conns--;
	} else if (c != NULL) {
		s->free = c->next;
	}
	if (c == NULL)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->stack = s;
	c->tuple = *t;
	c->state = MP_TCP_CLOSED;
	s->stats.by_state[MP_TCP_CLOSED]++;
	tcp_timer_init(c);
	if (rte_hash_add_key_data(s->table, &c->tuple, c) < 0) {
		s->stats.by_state[MP_TCP_CLOSED]--;
		c->next = s->free;
		s->free = c;
		return NULL;
	}
	c->flags |= TF_IN_HASH;
	s->n_conns++;
	return c;
}

/* Sequence state every new connection starts with. */
void
tcp_conn_init_tcb(struct mp_tcp_conn *c)
{
	struct mp_tcp_stack *s = c->stack;

	c->rto_us = s->p.rto_init_ms * 1000;
	c->mss = s->p.mss;
	c->last_rx_us = tcp_now_us(s);
	c->last_tx_us = tcp_now_us(s);
}

void
tcp_conn_notify_closed(struct mp_tcp_conn *c)
{
	const struct mp_tcp_callbacks *cb = c->cb;

	if (c->flags & TF_NOTIFIED)
		return;
	c->flags |= TF_NOTIFIED;
	if (c->listener != NULL) {
		/* Never accepted: the application never saw it. */
		if (c->state == MP_TCP_SYN_RECEIVED && c->listener->half_open > 0)
			c->listener->half_open--;
		c->listener = NULL;
		return;
	}
	tcp_stat(c->stack, MP_TCP_ST_CLOSED, 1);
	if (cb != NULL && cb->closed != NULL)
		cb->closed(c, c->arg);
}

/*
 * Take c out of service: timers, table, queues; `reset` (when asked) and `closed` fire now.
 * The memory returns to the pool at the next tcp_conn_reap().
 */
void
tcp_conn_drop(struct mp_tcp_conn *c, bool reset_cb)
{
	struct mp_tcp_stack *s = c->stack;

	if (c->state == MP_TCP_CLOSED && !(c->flags & TF_IN_HASH))
		return;
	tcp_timer_cancel_all(c);
	tcp_tw_unlink(c);
	if (c->flags & TF_IN_HASH) {
		rte_hash_del_key(s->table, &c->tuple);
		c->flags &= ~TF_IN_HASH;
	}
	tcp_sndq_flush(c);
	tcp_ooo_flush(c);
	if (reset_cb && !(c->flags & TF_NOTIFIED) && c->listener == NULL && c->cb != NULL &&
	    c->cb->reset != NULL)
		c->cb->reset(c, c->arg);
	tcp_conn_notify_closed(c);
	tcp_conn_set_state(c, MP_TCP_CLOSED);
	c->next = s->reap;
	s->reap = c;
}

void
tcp_conn_reap(struct mp_tcp_stack *s)
{
	while (s->reap != NULL) {
		struct mp_tcp_conn *c = s->reap;

		s->reap = c->next;
		s->stats.by_state[MP_TCP_CLOSED]--;
		s->n_conns--;
		c->next = s->free;
		s->free = c;
	}
}

/* After an API call: release what it dropped, unless input or a timer is on the stack. */
void
tcp_conn_reap_idle(struct mp_tcp_stack *s)
{
	if (s->busy == 0)
		tcp_conn_reap(s);
}

/* Enter TIME_WAIT: the application is done with c; keep it 2 MSL, bounded in number. */
void
tcp_conn_time_wait(struct mp_tcp_conn *c)
{
	struct mp_tcp_stack *s = c->stack;

	tcp_conn_set_state(c, MP_TCP_TIME_WAIT);
	tcp_sndq_flush(c);
	tcp_ooo_flush(c);
	tcp_delack_cancel(c);
	tcp_conn_notify_closed(c);
	c->cb = NULL;
	if (s->p.time_wait_ms == 0 || s->p.max_time_wait == 0) {
		tcp_conn_drop(c, false);
		return;
	}
	if (s->n_time_wait >= s->p.max_time_wait && s->tw_head != NULL) {
		tcp_stat(s, MP_TCP_ST_TIME_WAIT_RECYCLED, 1);
		tcp_conn_drop(s->tw_head, false);
	}
	c->next = NULL;
	c->prev = s->tw_tail;
	if (s->tw_tail != NULL)
		s->tw_tail->next = c;
	else
		s->tw_head = c;
	s->tw_tail = c;
	c->flags |= TF_IN_TW_LIST;
	s->n_time_wait++;
	tcp_timer_set(c, TCP_T_TIME_WAIT, (uint64_t)s->p.time_wait_ms * 1000);
}
