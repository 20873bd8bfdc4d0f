/* SPDX-License-Identifier: BSD-3-Clause */
/* test_net: the lib/net unit tests. Each test_net_*.c file contributes one cmocka group. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_net.h"

int
main(void)
{
	int failed = 0;

	failed += test_net_parse_run();
	failed += test_net_neigh_run();
	failed += test_net_rss_run();
	return failed != 0;
}
