/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/l4 internals. */
#ifndef L4_PRIV_H
#define L4_PRIV_H

#include "mp_flow.h"
#include "mp_l4.h"

struct mp_flow;

/* The flow table's event callback: a handshake the endpoint never answered (arg: the ctx). */
void
mp_l4_flow_event(struct mp_flow *f, enum mp_flow_event ev, void *arg);

/* The flow table's expiry callback: releases the endpoint's flow count (arg: the mp_l4_ctx). */
void
mp_l4_flow_expired(struct mp_flow *f, void *arg);

/* Queue the access-log record of flow f, which is being released (c->alog is set). */
void
l4_alog_flow(struct mp_l4_ctx *c, const struct mp_flow *f);

/* The source address of connections to endpoint ep (addr of family) of cluster: the cluster's
 * SNAT pool (chosen by hash), else the address of the port the endpoint is reached through.
 * egress, when not NULL, is set to that port (costs a route lookup with an SNAT pool). */
const uint8_t *
l4_source_addr(struct mp_l4_ctx *c, unsigned int cluster, int family, const uint8_t *ep,
               uint32_t hash, uint16_t *egress);

/* Send due active checks and time out unanswered ones. */
void
l4_probe_poll(struct mp_l4_ctx *c);

/* Take a packet to the probe port range; true when it was a probe's answer (consumed). */
bool
l4_probe_input(struct mp_l4_ctx *c, struct rte_mbuf *m, uint16_t port);

#endif /* L4_PRIV_H */
