/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath-sizes: the bytes of meshpath's per-connection state, as one JSON line, for the
 * memory scenario of bench/l7.sh. meshpath preallocates its connection tables at start
 * (tcp.max_connections TCP connections and http.max_downstream_connections client
 * connections of the proxy per worker), so its RSS barely moves as connections come and
 * go: the honest per-connection number is the size of what each connection holds.
 */
#include <stdio.h>

#include "mp_drop.h" /* mp_tcp.h uses MP_DROP_MAX without including it */
#include "mp_proxy.h"
#include "mp_tcp.h"

int
main(void)
{
	printf("{\"tcp_conn\":%zu,\"proxy_down\":%zu,\"proxy_up\":%zu}\n", mp_tcp_conn_size(),
	       mp_proxy_down_size(), mp_proxy_up_size());
	return 0;
}
