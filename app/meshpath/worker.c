/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop: poll every owned (port, queue), run each burst to completion, do the
 * housekeeping, flush TX. Busy and idle TSC cycles are counted per iteration so the CPU cost
 * per packet of a core that always shows 100% can be computed.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "meshpath.h"

int
mp_worker_main(void *arg)
{
	struct mp_worker *w = arg;
	struct mp_net_ctx *c = &w->net;
	struct mp_counters *cnt = &w->counters;
	struct rte_mbuf *pkts[MP_MAX_BURST], *l4[MP_MAX_BURST];
	uint16_t burst = (uint16_t)w->burst;
	uint64_t start, end;

	rte_rcu_qsbr_thread_register(w->rcu, w->index);
	rte_rcu_qsbr_thread_online(w->rcu, w->index);
	MP_LOG(INFO, "worker %u running on lcore %u (queue %u)", c->worker, w->lcore, c->queue);
	/* One TSC read per iteration: its end is the next one's start (rdtsc is not free in a VM).
	 */
	start = rte_rdtsc();
	while (!__atomic_load_n(w->quit, __ATOMIC_RELAXED)) {
		unsigned int total = 0;
		uint16_t p, n;

		const struct mp_snapshot *snap = __atomic_load_n(w->snap, __ATOMIC_ACQUIRE);

		c->now = start;
		c->routes = snap->routes;
		c->local = snap->local;
		if (snap->serial != w->snap_serial) {
			/* Routes or local addresses may have changed, and a table freed after a
			 * reload may come back at the same address: the caches in front of them
			 * start again. Within one snapshot they hold across iterations. */
			w->snap_serial = snap->serial;
			c->lc_table = NULL;
			c->dst_epoch++;
		}
		mp_l4_begin(&w->l4, snap->l4);
		mp_app_proxy_begin(w, snap);
		for (p = 0; p < c->n_ports; p++) {
			if (unlikely(mp_net_iface_paused(&c->ifaces[p])))
				continue;
			n = rte_eth_rx_burst(c->ifaces[p].port_id, c->queue, pkts, burst);
			if (n == 0)
				continue;
			total += n;
			n = mp_net_input(c, p, pkts, n, l4);
			if (n != 0)
				mp_l4_input(&w->l4, p, l4, n);
		}
		mp_l4_poll(&w->l4);
		mp_app_tcp_poll(w);
		mp_net_poll(c);
		mp_net_flush(c);
		/* Nothing from this iteration's configuration is held past here. */
		rte_rcu_qsbr_quiescent(w->rcu, w->index);

		end = rte_rdtsc();
		if (total != 0) {
			cnt->busy_cycles += end - start;
			cnt->busy_polls++;
		} else {
			cnt->idle_cycles += end - start;
			cnt->idle_polls++;
		}
		start = end;
	}
	mp_net_flush(c);
	rte_rcu_qsbr_thread_offline(w->rcu, w->index);
	rte_rcu_qsbr_thread_unregister(w->rcu, w->index);
	return 0;
}
