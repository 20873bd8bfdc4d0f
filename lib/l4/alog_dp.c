/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The L4 stage's access-log producer: one record per flow released by its timer, built from the
 * flow entry and handed to the control thread over the worker's record ring (mp_alog_put()).
 * Runs in the flow table's expiry callback, only when the access log is configured.
 */
#include <string.h>

#include "l4_priv.h"
#include "mp_alog.h"

/* Why a flow ended, from the state it expired in and what each side sent. */
static uint8_t
l4_alog_reason(const struct mp_flow *f)
{
	switch (f->state) {
	case MP_FLOW_S_TIME_WAIT:
		return MP_ALOG_R_FIN;
	case MP_FLOW_S_CLOSE:
		/* A RST before the endpoint's SYN-ACK is a refused connection. */
		return (f->tcp[MP_FLOW_DIR_REPLY] & MP_FLOW_TCP_SYN) ? MP_ALOG_R_RST
		                                                     : MP_ALOG_R_CONNECT_FAILED;
	case MP_FLOW_S_NONE:
	case MP_FLOW_S_SYN_SENT:
	case MP_FLOW_S_SYN_RECV:
		return MP_ALOG_R_CONNECT_FAILED;
	case MP_FLOW_S_FIN_WAIT:
	case MP_FLOW_S_CLOSE_WAIT:
	case MP_FLOW_S_LAST_ACK:
		return MP_ALOG_R_FIN_TIMEOUT;
	default: /* ESTABLISHED, UDP */
		return MP_ALOG_R_TIMEOUT;
	}
}

void
l4_alog_flow(struct mp_l4_ctx *c, const struct mp_flow *f)
{
	struct mp_alog_rec r;
	struct mp_alog_l4 *l = &r.l4;
	unsigned int i;

	r.tsc = c->net->now;
	r.type = MP_ALOG_L4;
	r.worker = c->net->worker;
	r.pad = 0;
	memset(l->addr, 0, sizeof(l->addr));
	for (i = 0; i < RTE_DIM(l->addr); i++)
		memcpy(l->addr[i], mp_flow_addr(f, i), mp_flow_addr_len(f->family));
	memcpy(l->port, f->port, sizeof(l->port));
	for (i = 0; i < 2; i++) {
		l->pkts[i] = mp_flow_pkts(f, i);
		l->bytes[i] = mp_flow_bytes(f, i);
	}
	l->start_tsc = f->created_tsc;
	l->last_tsc = f->last_tsc;
	l->endpoint = f->endpoint;
	l->listener = f->listener;
	l->cluster = f->cluster;
	l->generation = f->user;
	l->family = f->family;
	l->proto = f->proto;
	l->state = f->state;
	l->reason = l4_alog_reason(f);
	mp_alog_put(c->alog, c->net->cnt, &r);
}
