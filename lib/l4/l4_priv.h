/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/l4 internals. */
#ifndef L4_PRIV_H
#define L4_PRIV_H

#include "mp_l4.h"

struct mp_flow;

/* The flow table's expiry callback: releases the endpoint's flow count (arg: the mp_l4_ctx). */
void mp_l4_flow_expired(struct mp_flow *f, void *arg);

#endif /* L4_PRIV_H */
