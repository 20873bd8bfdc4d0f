/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_tcp: the lib/tcp unit tests. Each test_tcp_*.c file contributes one cmocka group; the
 * congestion-control and cookie groups slot in beside the scripted exchanges.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_tcp.h"

int
main(void)
{
	int failed = 0;

	failed += test_tcp_script_run();
	return failed != 0;
}
