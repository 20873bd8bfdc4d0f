/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one EAL of meshpath-bench, started on first use by whichever benchmark needs it first.
 *
 * rte_eal_init() runs once per process: a second call fails with "already called
 * initialization" whatever its arguments, so the benchmark files cannot each bring their own.
 * The arguments here are the union of what they need; see mp_bench_eal() in harness.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "harness.h"

/*
 * The largest user is flow_lookup at 1M flows: the flow table, its timer wheel and the baseline
 * rte_hash of the same 2M keys hold 454 MB of the EAL heap (measured; the runs pass with 512).
 * Twice that leaves room. Without hugepages this is anonymous memory, committed only as it is
 * touched, so the unused part costs address space only.
 */
#define BENCH_EAL_MEM_MB "1024"

/* MP_BENCH_HUGEPAGES=1 puts the EAL heap on hugepages (reserve them first), as a worker's flow
 * table is: at a million flows, 4 KiB pages measure TLB misses more than the table. */
#define BENCH_HUGE_ENV "MP_BENCH_HUGEPAGES"

static pthread_once_t eal_once = PTHREAD_ONCE_INIT;
static bool eal_up;

static void
eal_start(void)
{
	const char *huge = getenv(BENCH_HUGE_ENV);
	char *argv[] = {
	        "meshpath-bench",
	        huge != NULL && strcmp(huge, "1") == 0 ? "--in-memory" : "--no-huge",
	        "-m",
	        BENCH_EAL_MEM_MB,
	        "--no-pci",
	        "--no-shconf",
	        "--no-telemetry",
	        "-l",
	        "0",
	        "--log-level=lib.eal:error",
	};

	/* EALREADY only if something outside the benchmarks started it: still usable. */
	eal_up = rte_eal_init((int)RTE_DIM(argv), argv) >= 0 || rte_errno == EALREADY;
}

bool
mp_bench_eal(void)
{
	pthread_once(&eal_once, eal_start);
	return eal_up;
}
