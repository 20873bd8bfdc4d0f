/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_tcp: the lib/tcp unit tests. Each test_tcp_*.c file contributes one cmocka group: the
 * congestion control and the keyed sequence numbers (pure), then the scripted exchanges, two
 * stacks over a simulated wire, the fuzzer and the RSS choice of local ports (on the EAL with a
 * packet pool).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <rte_mbuf.h>

#include "mp_net.h"
#include "test_eal.h"
#include "test_tcp.h"

#define POOL_SIZE 16383

struct rte_mempool *test_tcp_pool;

int
main(void)
{
	int failed = 0;

	failed += test_tcp_cc_run();
	failed += test_tcp_cookie_run();
	/* The EAL and the packet-info dynfield, once for every group that needs mbufs. */
	if (test_eal_init("test_tcp", "512") < 0 || mp_pkt_info_register() < 0)
		return 1;
	test_tcp_pool = rte_pktmbuf_pool_create("test_tcp_pool", POOL_SIZE, 0, 0,
	                                        RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (test_tcp_pool == NULL)
		return 1;
	failed += test_tcp_script_run();
	failed += test_tcp_pair_run();
	failed += test_tcp_fuzz_run();
	failed += test_tcp_rss_run();
	rte_mempool_free(test_tcp_pool);
	return failed != 0;
}
