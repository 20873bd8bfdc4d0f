/* SPDX-License-Identifier: BSD-3-Clause */
/* Summing and printing the per-worker counters. */
#include <inttypes.h>
#include <string.h>

#include <rte_cycles.h>

#include "mp_stats.h"

void
mp_stats_sum(const struct mp_stats_source *src, struct mp_counters *out)
{
	unsigned int w, i;

	memset(out, 0, sizeof(*out));
	for (w = 0; w < src->n_workers; w++) {
		const struct mp_counters *c = src->counters[w];

		for (i = 0; i < src->n_ports; i++) {
			out->port[i].rx_pkts += c->port[i].rx_pkts;
			out->port[i].rx_bytes += c->port[i].rx_bytes;
			out->port[i].tx_pkts += c->port[i].tx_pkts;
			out->port[i].tx_bytes += c->port[i].tx_bytes;
		}
		for (i = 0; i < MP_DROP_MAX; i++)
			out->drops[i] += c->drops[i];
		for (i = 0; i < MP_EV_MAX; i++)
			out->events[i] += c->events[i];
		out->busy_cycles += c->busy_cycles;
		out->idle_cycles += c->idle_cycles;
		out->busy_polls += c->busy_polls;
		out->idle_polls += c->idle_polls;
	}
}

void
mp_stats_neigh_sum(const struct mp_stats_source *src, struct mp_neigh_stats *out)
{
	unsigned int w;

	memset(out, 0, sizeof(*out));
	for (w = 0; w < src->n_workers; w++) {
		const struct mp_neigh_stats *s = mp_neigh_stats(src->neigh[w]);

		out->created += s->created;
		out->learned += s->learned;
		out->resolved += s->resolved;
		out->probes += s->probes;
		out->stale += s->stale;
		out->expired += s->expired;
		out->unresolved += s->unresolved;
		out->released += s->released;
		out->dropped += s->dropped;
	}
}

static uint64_t
stats_rx_pkts(const struct mp_counters *c, unsigned int n_ports)
{
	uint64_t n = 0;
	unsigned int p;

	for (p = 0; p < n_ports; p++)
		n += c->port[p].rx_pkts;
	return n;
}

void
mp_stats_print(const struct mp_stats_source *src, FILE *f)
{
	struct mp_counters sum;
	struct mp_neigh_stats ns;
	unsigned int i;

	mp_stats_sum(src, &sum);
	mp_stats_neigh_sum(src, &ns);
	fprintf(f, "meshpath: final counters\n");
	for (i = 0; i < src->n_ports; i++)
		fprintf(f,
		        "  port %-12s rx %" PRIu64 " pkts %" PRIu64 " bytes, tx %" PRIu64
		        " pkts %" PRIu64 " bytes\n",
		        src->port_name[i], sum.port[i].rx_pkts, sum.port[i].rx_bytes,
		        sum.port[i].tx_pkts, sum.port[i].tx_bytes);
	for (i = 1; i < MP_DROP_MAX; i++)
		if (sum.drops[i] != 0)
			fprintf(f, "  drop  %-28s %" PRIu64 "\n", mp_drop_name(i), sum.drops[i]);
	for (i = 0; i < MP_EV_MAX; i++)
		if (sum.events[i] != 0)
			fprintf(f, "  event %-28s %" PRIu64 "\n", mp_event_name(i), sum.events[i]);
	fprintf(f,
	        "  neighbour created %" PRIu64 " learned %" PRIu64 " resolved %" PRIu64
	        " probes %" PRIu64 " expired %" PRIu64 " unresolved %" PRIu64 "\n",
	        ns.created, ns.learned, ns.resolved, ns.probes, ns.expired, ns.unresolved);
	for (i = 0; i < src->n_workers; i++) {
		const struct mp_counters *c = src->counters[i];
		uint64_t rx = stats_rx_pkts(c, src->n_ports);

		fprintf(f,
		        "  worker %u (lcore %u): busy %" PRIu64 " cycles in %" PRIu64
		        " polls, idle %" PRIu64 " cycles in %" PRIu64
		        " polls, %.1f busy cycles per "
		        "rx packet (tsc %" PRIu64 " Hz)\n",
		        i, src->lcore[i], c->busy_cycles, c->busy_polls, c->idle_cycles,
		        c->idle_polls, rx ? (double)c->busy_cycles / (double)rx : 0.0,
		        rte_get_tsc_hz());
	}
	fflush(f);
}
