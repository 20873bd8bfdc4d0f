/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath-l4gen: a traffic generator and sink for the L4 packet-rate benchmark (bench/l4_rate.sh).
 * On its one port it sends UDP datagrams to a VIP from `flows` distinct (source address, source
 * port) pairs, answers every ARP request with its own MAC (it plays the clients and the
 * endpoints), and counts the UDP datagrams that come back. After a warm-up it measures for a
 * fixed time and prints one JSON line. The device under test is whatever sits on the other end
 * of the port: meshpath's L4 path, or testpmd's io forwarding as the baseline.
 *
 *   meshpath-l4gen EAL-ARGS -- PEER_MAC VIP FLOWS SIZE WARMUP_S MEASURE_S [ORDER]
 *
 * ORDER is the order of the flows after the first round: `seq` (default) sends them round robin
 * in the order of their first packets, the order a flow table allocated their entries in, so a
 * hardware prefetcher follows the entries; `scatter` visits them in a multiplicative order
 * (stride GEN_SCATTER), which turns every entry read into a random one, as real traffic does.
 * With L4GEN_LINGER set in the environment it stays connected after its report, until SIGTERM.
 */
#include <inttypes.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static volatile int gen_stop;

static void
gen_on_signal(int sig)
{
	(void)sig;
	gen_stop = 1;
}

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

int
main(int argc, char **argv)
{
	struct rte_eth_conf conf = {0};
	struct rte_ether_addr mac, peer;
	struct rte_mempool *pool;
	struct rte_mbuf *pkts[GEN_BURST];
	uint64_t flows, size, warm, measure, hz, t0, t_measure, t_end, now;
	uint64_t tx = 0, rx = 0, rx_measured = 0, tx_measured = 0, next_flow = 0;
	uint32_t vip;
	uint16_t port = 0;
	uint64_t step, scattered = 0;
	int scatter;
	int n, i;

	n = rte_eal_init(argc, argv);
	if (n < 0)
		rte_exit(1, "EAL init failed\n");
	argc -= n;
	argv += n;
	if ((argc != 7 && argc != 8) || rte_ether_unformat_addr(argv[1], &peer) != 0 ||
	    inet_pton(AF_INET, argv[2], &vip) != 1 ||
	    (argc == 8 && strcmp(argv[7], "seq") != 0 && strcmp(argv[7], "scatter") != 0))
		rte_exit(2, "usage: meshpath-l4gen EAL-ARGS -- PEER_MAC VIP FLOWS SIZE WARMUP_S "
		            "MEASURE_S [seq|scatter]\n");
	scatter = argc == 8 && strcmp(argv[7], "scatter") == 0;
	flows = strtoull(argv[3], NULL, 0);
	size = strtoull(argv[4], NULL, 0);
	warm = strtoull(argv[5], NULL, 0);
	measure = strtoull(argv[6], NULL, 0);
	if (flows == 0 || flows >= GEN_SCATTER || size < 64 || size > 1500)
		rte_exit(2, "flows must be 1..%" PRIu64 " and size 64..1500\n", GEN_SCATTER - 1);
	step = GEN_SCATTER % flows;
	signal(SIGINT, gen_on_signal);
	signal(SIGTERM, gen_on_signal);

	pool = rte_pktmbuf_pool_create("gen", GEN_MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
	                               (int)rte_socket_id());
	if (pool == NULL || rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, GEN_DESC, rte_eth_dev_socket_id(port), NULL, pool) <
	            0 ||
	    rte_eth_tx_queue_setup(port, 0, GEN_DESC, rte_eth_dev_socket_id(port), NULL) < 0 ||
	    rte_eth_dev_start(port) < 0)
		rte_exit(1, "port setup failed\n");
	rte_eth_macaddr_get(port, &mac);

	hz = rte_get_tsc_hz();
	t0 = rte_rdtsc();
	t_measure = t0 + warm * hz;
	t_end = t_measure + measure * hz;
	while (!gen_stop && (now = rte_rdtsc()) < t_end) {
		uint16_t nb = rte_eth_rx_burst(port, 0, pkts, GEN_BURST), sent;

		for (i = 0; i < nb; i++) {
			struct rte_ether_hdr *eth =
			        rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);

			if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
				gen_arp_reply(port, pkts[i], &mac);
				continue;
			}
			if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
				rx++;
				if (now >= t_measure)
					rx_measured++;
			}
			rte_pktmbuf_free(pkts[i]);
		}
		if (rte_pktmbuf_alloc_bulk(pool, pkts, GEN_BURST) != 0)
			continue;
		for (i = 0; i < GEN_BURST; i++) {
			struct rte_mbuf *m = pkts[i];
			struct rte_ether_hdr *eth;
			struct rte_ipv4_hdr *ip;
			struct rte_udp_hdr *udp;
			/* The first round in order: it creates the flows. Then, scattered, each
			 * flow is GEN_SCATTER flows (modulo their number) after the one before. */
			uint64_t f = next_flow % flows;

			if (scatter && next_flow >= flows) {
				f = scattered;
				scattered += step;
				if (scattered >= flows)
					scattered -= flows;
			}
			next_flow++;
			eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(size - 4));
			memset(eth, 0, size - 4);
			eth->dst_addr = peer;
			eth->src_addr = mac;
			eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
			ip = (struct rte_ipv4_hdr *)(eth + 1);
			ip->version_ihl = RTE_IPV4_VHL_DEF;
			ip->total_length = rte_cpu_to_be_16((uint16_t)(size - 4 - sizeof(*eth)));
			ip->time_to_live = 64;
			ip->next_proto_id = IPPROTO_UDP;
			ip->src_addr = rte_cpu_to_be_32(GEN_NET + 1 + (uint32_t)(f / GEN_PORTS));
			ip->dst_addr = vip;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			udp = (struct rte_udp_hdr *)(ip + 1);
			udp->src_port = rte_cpu_to_be_16((uint16_t)(GEN_PORT_BASE + f % GEN_PORTS));
			udp->dst_port = rte_cpu_to_be_16(GEN_DPORT);
			udp->dgram_len =
			        rte_cpu_to_be_16((uint16_t)(size - 4 - sizeof(*eth) - sizeof(*ip)));
		}
		sent = rte_eth_tx_burst(port, 0, pkts, GEN_BURST);
		tx += sent;
		if (now >= t_measure)
			tx_measured += sent;
		if (sent < GEN_BURST)
			rte_pktmbuf_free_bulk(pkts + sent, GEN_BURST - sent);
	}
	printf("{\"flows\": %" PRIu64 ", \"size\": %" PRIu64 ", \"seconds\": %" PRIu64
	       ", \"tx\": %" PRIu64 ", \"rx\": %" PRIu64 ", \"tx_pps\": %.0f, \"rx_pps\": %.0f}\n",
	       flows, size, measure, tx, rx, (double)tx_measured / (double)measure,
	       (double)rx_measured / (double)measure);
	fflush(stdout);
	/* L4GEN_LINGER: stay connected, draining, until a signal, so that the device under test
	 * is stopped before its peer goes away (DPDK 22.11's memif unmaps the shared memory on a
	 * peer's disconnect while the other side's worker may still poll it). */
	if (getenv("L4GEN_LINGER") != NULL) {
		while (!gen_stop) {
			uint16_t nb = rte_eth_rx_burst(port, 0, pkts, GEN_BURST);

			rte_pktmbuf_free_bulk(pkts, nb);
		}
	}
	rte_eth_dev_stop(port);
	rte_eal_cleanup();
	return 0;
}
