/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath-l4gen: a traffic generator and sink for the L4 packet-rate benchmarks
 * (bench/l4_rate.sh, bench/l4_paired.sh). It sends UDP datagrams to a VIP from `flows` distinct
 * (source address, source port) pairs, answers every ARP request with its own MAC (it plays the
 * clients and the endpoints), and counts the UDP datagrams that come back. The device under test
 * is whatever sits on the other end of a port: meshpath's L4 path, or testpmd's io forwarding as
 * the baseline.
 *
 *   meshpath-l4gen EAL-ARGS -- PEER_MAC VIP FLOWS SIZE WARMUP_S MEASURE_S [ORDER]
 *
 * sends on its one port: after a warm-up it measures for a fixed time and prints one JSON line.
 *
 *   meshpath-l4gen EAL-ARGS -- paired BASE_MAC BASE_PID DUT_MAC DUT_PID VIP [BASE_FLOWS:]FLOWS
 *                             SIZE WARMUP_S MEASURE_S ORDER SLICE_MS
 *
 * drives two devices that share one CPU, the baseline on port 0 and the device under test on
 * port 1, in turns: each device runs only while it gets traffic, the other is held with SIGSTOP
 * (so it takes no CPU). Each first gets WARMUP_S alone (a meshpath creates its flows); the
 * generator then prints "warm", with both devices running idle, and waits for SIGUSR1 (the
 * caller reads their counters meanwhile). Then slices of SLICE_MS alternate, baseline first,
 * until each device had MEASURE_S; every slice ends with the device's queue drained, so that it
 * is stopped idle and its busy-time counters never hold a stopped spell. Both devices run again
 * at the end, before the JSON line. The baseline is testpmd, or another meshpath build to
 * compare with (an A/B run).
 * Turns of a fraction of a second put both devices in the same phases of a shared host, which
 * runs of several seconds one after the other do not.
 *
 * ORDER is the order of the flows after the first round: `seq` (default) sends them round robin
 * in the order of their first packets, the order a flow table allocated their entries in, so a
 * hardware prefetcher follows the entries; `scatter` visits them in a multiplicative order
 * (stride GEN_SCATTER), which turns every entry read into a random one, as real traffic does.
 * With L4GEN_LINGER set in the environment it stays connected after its report, until SIGTERM.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#define GEN_BURST     32
#define GEN_MBUFS     8191
#define GEN_DESC      1024
#define GEN_NET       0xc6120000u          /* 198.18.0.0/16: the clients' addresses */
#define GEN_SCATTER   UINT64_C(2654435761) /* a prime: coprime to any number of flows below it */
#define GEN_PORT_BASE 10000
#define GEN_PORTS     4096 /* source ports per client address */
#define GEN_DPORT     9
#define GEN_QUIET_US  2000  /* a drained link: all back, and this long without a packet */
#define GEN_LOSS_US   50000 /* or, when some were lost, this long without one */
#define GEN_DRAIN_MS  1000  /* at most this long to drain a link */
#define GEN_RESUME_US 2000  /* a released device runs this long before traffic */
#define GEN_LINK_S    30    /* at most this long for the links to come up */

static volatile int gen_stop;
static volatile int gen_go;

static void
gen_on_signal(int sig)
{
	if (sig == SIGUSR1)
		gen_go = 1;
	else
		gen_stop = 1;
}

/* What is sent, the same on every link. */
struct gen_traffic {
	struct rte_mempool *pool;
	uint64_t size;
	uint32_t vip; /* network order */
	int scatter;
};

/* One port and the device on its other end. */
struct gen_link {
	uint16_t port;
	struct rte_ether_addr mac, peer;
	pid_t pid;            /* paired: the device, held with SIGSTOP while it is not sent to */
	uint64_t flows, step; /* how many flows, and the scattered order's stride */
	uint64_t next_flow, scattered;
	uint64_t tx, rx;                   /* all of the run */
	uint64_t tx_measured, rx_measured; /* while measuring */
	uint64_t measured_tsc;             /* time sent to while measuring */
	uint64_t drain_tsc;                /* time spent draining it after measured turns */
};

static void
gen_arp_reply(uint16_t port, struct rte_mbuf *m, const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	uint32_t tip = arp->arp_data.arp_tip;

	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_tip = arp->arp_data.arp_sip;
	arp->arp_data.arp_sha = *mac;
	arp->arp_data.arp_sip = tip;
	eth->dst_addr = eth->src_addr;
	eth->src_addr = *mac;
	/* The ring is full of datagrams whenever the peer is slower than this generator (under
	 * valgrind, say): wait for room rather than lose the answer, for 10 ms at most. */
	for (uint64_t until = rte_rdtsc() + rte_get_tsc_hz() / 100;;) {
		if (rte_eth_tx_burst(port, 0, &m, 1) == 1)
			return;
		if (rte_rdtsc() > until)
			break;
	}
	rte_pktmbuf_free(m);
}

/* Receive one burst on l: answer ARP, count the datagrams. Returns how many came back. */
static unsigned int
gen_receive(struct gen_link *l, int measuring)
{
	struct rte_mbuf *pkts[GEN_BURST];
	uint16_t nb = rte_eth_rx_burst(l->port, 0, pkts, GEN_BURST);
	unsigned int got = 0;
	int i;

	for (i = 0; i < nb; i++) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);

		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
			gen_arp_reply(l->port, pkts[i], &l->mac);
			continue;
		}
		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
			got++;
		rte_pktmbuf_free(pkts[i]);
	}
	l->rx += got;
	if (measuring)
		l->rx_measured += got;
	return got;
}

/* Build and send one burst of datagrams on l, the next flows in the traffic's order. */
static void
gen_send(const struct gen_traffic *g, struct gen_link *l, int measuring)
{
	struct rte_mbuf *pkts[GEN_BURST];
	uint16_t sent;
	int i;

	if (rte_pktmbuf_alloc_bulk(g->pool, pkts, GEN_BURST) != 0)
		return;
	for (i = 0; i < GEN_BURST; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *eth;
		struct rte_ipv4_hdr *ip;
		struct rte_udp_hdr *udp;
		/* The first round in order: it creates the flows. Then, scattered, each flow is
		 * GEN_SCATTER flows (modulo their number) after the one before. */
		uint64_t f = l->next_flow % l->flows;

		if (g->scatter && l->next_flow >= l->flows) {
			f = l->scattered;
			l->scattered += l->step;
			if (l->scattered >= l->flows)
				l->scattered -= l->flows;
		}
		l->next_flow++;
		eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(g->size - 4));
		memset(eth, 0, g->size - 4);
		eth->dst_addr = l->peer;
		eth->src_addr = l->mac;
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip = (struct rte_ipv4_hdr *)(eth + 1);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(g->size - 4 - sizeof(*eth)));
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = rte_cpu_to_be_32(GEN_NET + 1 + (uint32_t)(f / GEN_PORTS));
		ip->dst_addr = g->vip;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp = (struct rte_udp_hdr *)(ip + 1);
		udp->src_port = rte_cpu_to_be_16((uint16_t)(GEN_PORT_BASE + f % GEN_PORTS));
		udp->dst_port = rte_cpu_to_be_16(GEN_DPORT);
		udp->dgram_len =
		        rte_cpu_to_be_16((uint16_t)(g->size - 4 - sizeof(*eth) - sizeof(*ip)));
	}
	sent = rte_eth_tx_burst(l->port, 0, pkts, GEN_BURST);
	l->tx += sent;
	if (measuring)
		l->tx_measured += sent;
	if (sent < GEN_BURST)
		rte_pktmbuf_free_bulk(pkts + sent, GEN_BURST - sent);
}

/* Send to l and count what comes back until the TSC reaches until (or a signal). */
static void
gen_run(const struct gen_traffic *g, struct gen_link *l, uint64_t until, int measuring)
{
	uint64_t t0 = rte_rdtsc(), now = t0;

	while (!gen_stop && (now = rte_rdtsc()) < until) {
		gen_receive(l, measuring);
		gen_send(g, l, measuring);
	}
	if (measuring)
		l->measured_tsc += now - t0;
}

/*
 * Receive on l until its device's queues are empty: every datagram sent since tx0/rx0 came back
 * and GEN_QUIET_US passed without one, or, when the device dropped some, GEN_LOSS_US passed
 * without one (a device descheduled by the host for a while must not look idle).
 */
static void
gen_drain(struct gen_link *l, uint64_t tx0, uint64_t rx0, int measuring)
{
	uint64_t hz = rte_get_tsc_hz(), t0 = rte_rdtsc(), now = t0, last = t0;
	uint64_t end = t0 + hz * GEN_DRAIN_MS / 1000;

	while (!gen_stop && (now = rte_rdtsc()) < end) {
		uint64_t quiet_us;

		if (gen_receive(l, measuring) != 0) {
			last = now;
			continue;
		}
		quiet_us = l->rx - rx0 >= l->tx - tx0 ? GEN_QUIET_US : GEN_LOSS_US;
		if (now - last >= hz * quiet_us / 1000000)
			break;
	}
	if (measuring)
		l->drain_tsc += now - t0;
}

/* The state letter of task tid of process pid (/proc/PID/task/TID/stat), or 0 when unreadable. */
static char
gen_task_state(pid_t pid, const char *tid)
{
	char path[96], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, tid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold anything, even ')' */
	return p != NULL && p[1] == ' ' ? p[2] : 0;
}

/* How many threads process pid has (*all) and how many of them are stopped (returned). */
static unsigned int
gen_held_threads(pid_t pid, unsigned int *all)
{
	char path[64];
	struct dirent *e;
	unsigned int held = 0;
	DIR *d;

	*all = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		(*all)++;
		held += gen_task_state(pid, e->d_name) == 'T';
	}
	closedir(d);
	return held;
}

/* Whether every thread of process pid is stopped: the worker polling a core stops last. */
static bool
gen_stopped(pid_t pid)
{
	unsigned int all, held = gen_held_threads(pid, &all);

	return all != 0 && held == all;
}

/* Whether no thread of process pid is stopped. */
static bool
gen_running(pid_t pid)
{
	unsigned int all;

	return gen_held_threads(pid, &all) == 0 && all != 0;
}

/* Hold the device of l (SIGSTOP) and wait until all its threads have stopped. */
static void
gen_hold(const struct gen_link *l)
{
	uint64_t end = rte_rdtsc() + rte_get_tsc_hz();

	if (kill(l->pid, SIGSTOP) != 0)
		rte_exit(1, "cannot stop device %d: %s\n", (int)l->pid, strerror(errno));
	while (!gen_stopped(l->pid))
		if (rte_rdtsc() > end)
			rte_exit(1, "device %d did not stop within 1 s\n", (int)l->pid);
}

/*
 * Let the device of l run again, and give it GEN_RESUME_US before any traffic: the loop
 * iteration it was held in must end empty. Pollers time an iteration from its start, so one
 * that had been held before its receive and then found packets would count the whole held
 * spell as busy.
 */
static void
gen_release(const struct gen_link *l)
{
	uint64_t hz = rte_get_tsc_hz(), end = rte_rdtsc() + hz;

	if (kill(l->pid, SIGCONT) != 0)
		rte_exit(1, "cannot continue device %d: %s\n", (int)l->pid, strerror(errno));
	while (!gen_running(l->pid))
		if (rte_rdtsc() > end)
			rte_exit(1, "device %d did not continue within 1 s\n", (int)l->pid);
	rte_delay_us_block(GEN_RESUME_US);
}

/* Wait until every port's link is up (memif: the peer has connected). */
static void
gen_wait_links(uint16_t n_ports)
{
	uint64_t end = rte_rdtsc() + GEN_LINK_S * rte_get_tsc_hz();
	uint16_t p;

	for (p = 0; p < n_ports; p++) {
		struct rte_eth_link link;

		do {
			if (rte_rdtsc() > end || gen_stop)
				rte_exit(1, "port %u: link not up within %d s\n", p, GEN_LINK_S);
			rte_eth_link_get_nowait(p, &link);
		} while (link.link_status != RTE_ETH_LINK_UP);
	}
}

static void
gen_port_setup(struct gen_link *l, uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = {0};

	l->port = port;
	if (rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, GEN_DESC, rte_eth_dev_socket_id(port), NULL, pool) <
	            0 ||
	    rte_eth_tx_queue_setup(port, 0, GEN_DESC, rte_eth_dev_socket_id(port), NULL) < 0 ||
	    rte_eth_dev_start(port) < 0)
		rte_exit(1, "port %u setup failed\n", port);
	rte_eth_macaddr_get(port, &l->mac);
}

/* SIZE ORDER into g; exits on bad values. */
static void
gen_traffic_parse(struct gen_traffic *g, const char *size, const char *order)
{
	if (order != NULL && strcmp(order, "seq") != 0 && strcmp(order, "scatter") != 0)
		rte_exit(2, "order must be seq or scatter, not %s\n", order);
	g->scatter = order != NULL && strcmp(order, "scatter") == 0;
	g->size = strtoull(size, NULL, 0);
	if (g->size < 64 || g->size > 1500)
		rte_exit(2, "size must be 64..1500\n");
}

/* The number of flows sent on l; exits on a bad one. */
static void
gen_link_flows(struct gen_link *l, uint64_t flows)
{
	if (flows == 0 || flows >= GEN_SCATTER)
		rte_exit(2, "flows must be 1..%" PRIu64 "\n", GEN_SCATTER - 1);
	l->flows = flows;
	l->step = GEN_SCATTER % flows;
}

static double
gen_pps(const struct gen_link *l, uint64_t hz)
{
	return l->measured_tsc != 0 ? (double)l->rx_measured * (double)hz / (double)l->measured_tsc
	                            : 0.0;
}

/* A measured link as JSON: what went and came back, the rate, and the seconds it had the
 * traffic or was drained (its device ran no longer than that while measured). */
static void
gen_print_link(const struct gen_link *l, uint64_t hz)
{
	printf("{\"tx\": %" PRIu64 ", \"rx\": %" PRIu64 ", \"rx_pps\": %.0f, \"active_s\": %.3f}",
	       l->tx_measured, l->rx_measured, gen_pps(l, hz),
	       (double)(l->measured_tsc + l->drain_tsc) / (double)hz);
}

/* One port, one device: once its link is up, warm-up, then MEASURE_S measured. */
static void
gen_single(struct gen_traffic *g, struct gen_link *l, uint64_t warm, uint64_t measure)
{
	uint64_t hz = rte_get_tsc_hz(), t_measure;

	gen_wait_links(1);
	t_measure = rte_rdtsc() + warm * hz;

	gen_run(g, l, t_measure, 0);
	gen_run(g, l, t_measure + measure * hz, 1);
	printf("{\"flows\": %" PRIu64 ", \"size\": %" PRIu64 ", \"seconds\": %" PRIu64
	       ", \"tx\": %" PRIu64 ", \"rx\": %" PRIu64 ", \"tx_pps\": %.0f, \"rx_pps\": %.0f}\n",
	       l->flows, g->size, measure, l->tx, l->rx, (double)l->tx_measured / (double)measure,
	       (double)l->rx_measured / (double)measure);
}

/* Two devices in turns (see the top of the file): base on port 0, dut on port 1. */
static void
gen_paired(struct gen_traffic *g, struct gen_link *base, struct gen_link *dut, uint64_t warm,
           uint64_t measure, uint64_t slice_ms)
{
	uint64_t hz = rte_get_tsc_hz(), slice = hz * slice_ms / 1000, budget = measure * hz;
	unsigned int turns = 0;

	gen_wait_links(2);
	/* Each warms up alone (a meshpath creates its flows), then both run idle while the caller
	 * reads their counters. */
	gen_hold(base);
	gen_run(g, dut, rte_rdtsc() + warm * hz, 0);
	gen_drain(dut, dut->tx, dut->rx, 0);
	gen_hold(dut);
	gen_release(base);
	gen_run(g, base, rte_rdtsc() + warm * hz, 0);
	gen_drain(base, base->tx, base->rx, 0);
	gen_release(dut);
	printf("warm\n");
	fflush(stdout);
	while (!gen_go && !gen_stop) { /* answer their ARP meanwhile */
		gen_receive(base, 0);
		gen_receive(dut, 0);
	}
	while (!gen_stop && (base->measured_tsc < budget || dut->measured_tsc < budget)) {
		struct gen_link *on = turns % 2 == 0 ? base : dut, *off = on == base ? dut : base;
		uint64_t left = budget > on->measured_tsc ? budget - on->measured_tsc : 0;
		uint64_t tx0 = on->tx, rx0 = on->rx;

		turns++;
		if (left == 0)
			continue;
		gen_hold(off);
		gen_release(on);
		gen_run(g, on, rte_rdtsc() + RTE_MIN(slice, left), 1);
		gen_drain(on, tx0, rx0, 1);
	}
	gen_release(base);
	gen_release(dut);
	printf("{\"flows\": %" PRIu64 ", \"size\": %" PRIu64 ", \"seconds\": %" PRIu64
	       ", \"slice_ms\": %" PRIu64 ", \"turns\": %u, \"base\": ",
	       dut->flows, g->size, measure, slice_ms, turns);
	gen_print_link(base, hz);
	printf(", \"dut\": ");
	gen_print_link(dut, hz);
	printf("}\n");
}

int
main(int argc, char **argv)
{
	struct gen_traffic g = {0};
	struct gen_link links[2] = {0};
	uint16_t n_ports = 1;
	int n, paired;

	n = rte_eal_init(argc, argv);
	if (n < 0)
		rte_exit(1, "EAL init failed\n");
	argc -= n;
	argv += n;
	paired = argc > 1 && strcmp(argv[1], "paired") == 0;
	if (paired) {
		const char *colon;
		uint64_t slice_ms;

		if (argc != 13 || rte_ether_unformat_addr(argv[2], &links[0].peer) != 0 ||
		    rte_ether_unformat_addr(argv[4], &links[1].peer) != 0 ||
		    inet_pton(AF_INET, argv[6], &g.vip) != 1)
			rte_exit(2,
			         "usage: meshpath-l4gen EAL-ARGS -- paired BASE_MAC BASE_PID "
			         "DUT_MAC DUT_PID VIP [BASE_FLOWS:]FLOWS SIZE WARMUP_S MEASURE_S "
			         "seq|scatter SLICE_MS\n");
		links[0].pid = (pid_t)atoi(argv[3]);
		links[1].pid = (pid_t)atoi(argv[5]);
		slice_ms = strtoull(argv[12], NULL, 0);
		if (links[0].pid <= 0 || links[1].pid <= 0 || slice_ms == 0)
			rte_exit(2, "the devices' PIDs and SLICE_MS must be positive\n");
		/* FLOWS, or BASE_FLOWS:FLOWS when the two differ (meshpath against itself). */
		colon = strchr(argv[7], ':');
		gen_traffic_parse(&g, argv[8], argv[11]);
		gen_link_flows(&links[0], strtoull(argv[7], NULL, 0));
		gen_link_flows(&links[1], strtoull(colon != NULL ? colon + 1 : argv[7], NULL, 0));
		n_ports = 2;
	} else {
		if ((argc != 7 && argc != 8) ||
		    rte_ether_unformat_addr(argv[1], &links[0].peer) != 0 ||
		    inet_pton(AF_INET, argv[2], &g.vip) != 1)
			rte_exit(2, "usage: meshpath-l4gen EAL-ARGS -- PEER_MAC VIP FLOWS SIZE "
			            "WARMUP_S MEASURE_S [seq|scatter]\n");
		gen_traffic_parse(&g, argv[4], argc == 8 ? argv[7] : NULL);
		gen_link_flows(&links[0], strtoull(argv[3], NULL, 0));
	}
	if (rte_eth_dev_count_avail() < n_ports)
		rte_exit(2, "%u ports needed (one --vdev each), %u given\n", n_ports,
		         rte_eth_dev_count_avail());
	signal(SIGINT, gen_on_signal);
	signal(SIGTERM, gen_on_signal);
	signal(SIGUSR1, gen_on_signal);

	g.pool = rte_pktmbuf_pool_create("gen", GEN_MBUFS * n_ports, 256, 0,
	                                 RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (g.pool == NULL)
		rte_exit(1, "no mbuf pool\n");
	for (uint16_t p = 0; p < n_ports; p++)
		gen_port_setup(&links[p], p, g.pool);

	if (paired)
		gen_paired(&g, &links[0], &links[1], strtoull(argv[9], NULL, 0),
		           strtoull(argv[10], NULL, 0), strtoull(argv[12], NULL, 0));
	else
		gen_single(&g, &links[0], strtoull(argv[5], NULL, 0), strtoull(argv[6], NULL, 0));
	fflush(stdout);
	/* L4GEN_LINGER: stay connected until a signal, so that the devices under test are stopped
	 * before their peer goes away (DPDK 22.11's memif unmaps the shared memory on a peer's
	 * disconnect while the other side's worker may still poll it). Without polling: the same
	 * unmap under this generator's own receive, when the devices go, would crash it. */
	if (getenv("L4GEN_LINGER") != NULL) {
		while (!gen_stop)
			rte_delay_us_sleep(10000);
	}
	for (uint16_t p = 0; p < n_ports; p++)
		rte_eth_dev_stop(p);
	rte_eal_cleanup();
	return 0;
}
