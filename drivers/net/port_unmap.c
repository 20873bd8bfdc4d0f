/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * munmap() as the device drivers see it: memory that a driver unmaps while the workers run is
 * unmapped once no worker can still be reading it.
 *
 * DPDK 22.11's memif driver, when its peer leaves, clears the device's "connected" flag and
 * unmaps the shared memory from the EAL interrupt thread, at once. A worker already past that
 * flag in rte_eth_rx_burst() or rte_eth_tx_burst() then reads unmapped memory and meshpath dies
 * of SIGSEGV (within a dozen peers killed under traffic, tests/e2e/test_memif_peer.sh). Nothing
 * in the driver waits for bursts in flight, and it calls no hook between the two steps. meshpath
 * exports its own munmap (the executable's definition comes first for the drivers, which are
 * shared objects): from any thread but a worker, while workers are online, it first waits for
 * an RCU grace period, that is until every worker has finished the loop iteration it was in.
 * The flag was cleared before the wait began, and each worker reads it after reporting its
 * quiescent state, so every burst after the wait sees the device disconnected and touches
 * nothing of it. A worker's own munmap (workers make none) and calls before the workers exist
 * go straight through. The cost is a few microseconds per unmap on threads that do not forward.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include "mp_port.h"

static struct rte_rcu_qsbr *unmap_rcu;

void
mp_port_unmap_guard(struct rte_rcu_qsbr *rcu)
{
	__atomic_store_n(&unmap_rcu, rcu, __ATOMIC_RELEASE);
}

/* A thread that may wait for the workers: not one of them. The EAL interrupt thread and other
 * non-EAL threads have no lcore; the main lcore runs the control thread. */
static bool
unmap_may_wait(void)
{
	unsigned int lcore = rte_lcore_id();

	return lcore == LCORE_ID_ANY || lcore == rte_get_main_lcore();
}

int
munmap(void *addr, size_t len)
{
	struct rte_rcu_qsbr *rcu = __atomic_load_n(&unmap_rcu, __ATOMIC_ACQUIRE);

	if (rcu != NULL && unmap_may_wait())
		rte_rcu_qsbr_synchronize(rcu, RTE_QSBR_THRID_INVALID);
	return (int)syscall(SYS_munmap, addr, len);
}
