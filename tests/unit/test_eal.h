/* SPDX-License-Identifier: BSD-3-Clause */
/* The EAL as the unit tests start it: no hugepages, no PCI, no shared files, quiet. */
#ifndef TEST_EAL_H
#define TEST_EAL_H

#include <stdio.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

/**
 * Start the EAL once for this test executable with mem_mb of ordinary memory. Call it from a
 * cmocka group setup; returns 0, or -1 after printing why.
 */
static inline int
test_eal_init(const char *prog, const char *mem_mb)
{
	char *argv[] = {
	        (char *)(uintptr_t)prog,
	        "--no-huge",
	        "--no-pci",
	        "-m",
	        (char *)(uintptr_t)mem_mb,
	        "--no-shconf",
	        "--log-level=lib.eal:error",
	};

	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "%s: rte_eal_init: %s\n", prog, rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

#endif /* TEST_EAL_H */
