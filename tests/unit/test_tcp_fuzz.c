/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hostile input: random segments (flags, sequence and acknowledgement numbers around and far
 * from the expected ones, windows, option bytes, payload lengths) against a listener and
 * against established connections whose receiver sends and closes at random, with a seeded
 * RNG. The stack must not crash, must count what it drops, and must give back every mbuf.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "mp_net.h"
#include "mp_tcp.h"
#include "mp_timer.h"
#include "test_tcp.h"

#define HZ       1000000u
#define TICK_US  1000u
#define SEGMENTS 200000
#define PEERS    8
#define ETH_LEN  14
#define IP4_LEN  20
#define MAX_OPT  40
#define MAX_DATA 1200
#define SEED     0x66757a7aull

static uint64_t rng = SEED;
static struct mp_tcp_conn *conns[PEERS];
static uint32_t outputs;
static uint32_t our_seq[PEERS]; /* the last sequence number meshpath sent each peer */
static uint32_t acked[PEERS];   /* what meshpath acknowledged last: its rcv_nxt */

static uint32_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ull) >> 32);
}

static void
sink(void *ctx, struct rte_mbuf *m, int family, const uint8_t *dst, uint16_t port)
{
	(void)ctx;
	(void)family;
	(void)dst;
	(void)port;
	outputs++;
	/* Learn meshpath's sequence numbers, so that many segments are acceptable ACKs. */
	if (m->data_len >= IP4_LEN + sizeof(struct rte_tcp_hdr)) {
		const struct rte_tcp_hdr *th =
		        rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, IP4_LEN);
		uint16_t dport = rte_be_to_cpu_16(th->dst_port);

		if (dport >= 40000 && dport < 40000 + PEERS) {
			our_seq[dport - 40000] = rte_be_to_cpu_32(th->sent_seq) +
			                         !!(th->tcp_flags & RTE_TCP_SYN_FLAG);
			if (th->tcp_flags & RTE_TCP_ACK_FLAG)
				acked[dport - 40000] = rte_be_to_cpu_32(th->recv_ack);
		}
	}
	rte_pktmbuf_free(m);
}

static int
peer_of(struct mp_tcp_conn *c)
{
	return rte_be_to_cpu_16(mp_tcp_conn_tuple(c)->rport) % PEERS;
}

static void
on_accepted(struct mp_tcp_conn *c, void *arg)
{
	(void)arg;
	conns[peer_of(c)] = c;
}

static void
on_data(struct mp_tcp_conn *c, struct rte_mbuf *m, void *arg)
{
	(void)arg;
	mp_tcp_recv_done(c, rnd() % 2 ? m->pkt_len : 0);
	/* Sometimes send it back (the mbuf changes hands), sometimes drop it. */
	if (rnd() % 2 == 0 || mp_tcp_send(c, m) != 0)
		rte_pktmbuf_free(m);
	switch (rnd() % 64) {
	case 0:
		mp_tcp_close(c);
		break;
	case 1:
		mp_tcp_abort(c);
		break;
	case 2:
		mp_tcp_shutdown(c);
		break;
	default:
		break;
	}
}

static void
on_closed(struct mp_tcp_conn *c, void *arg)
{
	(void)arg;
	if (conns[peer_of(c)] == c)
		conns[peer_of(c)] = NULL;
}

static const struct mp_tcp_callbacks cb = {
        .accepted = on_accepted,
        .data = on_data,
        .closed = on_closed,
};

/* A random segment from peer p; sequence numbers near the connection's when there is one. */
static struct rte_mbuf *
random_segment(int p, uint32_t *peer_seq)
{
	static const uint8_t local[4] = {192, 0, 2, 2}, remote[4] = {192, 0, 2, 1};
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_tcp_pool);
	uint32_t optlen = (rnd() % 4 == 0) ? (rnd() % 11) * 4 : 0;
	uint32_t len = rnd() % 3 == 0 ? rnd() % MAX_DATA : 0;
	uint32_t total = ETH_LEN + IP4_LEN + 20 + optlen + len;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	struct mp_pkt_info *pi;
	uint8_t *b, *o;

	assert_non_null(m);
	b = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)total);
	memset(b, 0, total);
	b[12] = 0x08;
	ip = (struct rte_ipv4_hdr *)(b + ETH_LEN);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(total - ETH_LEN));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	memcpy(&ip->src_addr, remote, 4);
	memcpy(&ip->dst_addr, local, 4);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16((uint16_t)(40000 + p));
	th->dst_port = rte_cpu_to_be_16(8080);
	/* Mostly plausible numbers, sometimes anything. */
	th->sent_seq = rte_cpu_to_be_32(rnd() % 8 == 0   ? rnd()
	                                : rnd() % 2 == 0 ? acked[p]
	                                                 : *peer_seq + rnd() % 4096 - 1024);
	th->recv_ack = rte_cpu_to_be_32(
	        rnd() % 8 == 0 ? rnd() : our_seq[p] + (rnd() % 2 ? 0 : rnd() % 3000));
	th->data_off = (uint8_t)(((20 + optlen) / 4) << 4);
	th->tcp_flags =
	        (uint8_t)(rnd() % 4 == 0 ? rnd() & 0x3f
	                                 : (rnd() % 8 == 0 ? RTE_TCP_SYN_FLAG
	                                                   : RTE_TCP_ACK_FLAG | (rnd() & 0x09)));
	th->rx_win = rte_cpu_to_be_16((uint16_t)rnd());
	o = (uint8_t *)(th + 1);
	for (uint32_t i = 0; i < optlen; i++)
		o[i] = (uint8_t)(rnd() % 3 == 0 ? rnd()
		                                : (uint8_t[]){1, 2, 3, 4, 5, 8, 10, 0}[rnd() % 8]);
	if ((th->tcp_flags & RTE_TCP_SYN_FLAG) && len == 0)
		*peer_seq = rte_be_to_cpu_32(th->sent_seq) + 1;
	else
		*peer_seq += len;
	pi = mp_pkt_info_of(m);
	if (mp_parse_frame(b, total, pi) != MP_DROP_NONE) {
		/* The network layer would have dropped it before the stack. */
		rte_pktmbuf_free(m);
		return NULL;
	}
	mp_cksum_fill(b, pi);
	pi->local = MP_LOCAL_HOST;
	return m;
}

static void
test_fuzz_segments(void **state)
{
	unsigned int avail = rte_mempool_avail_count(test_tcp_pool);
	static const uint8_t local[4] = {192, 0, 2, 2};
	uint32_t peer_seq[PEERS] = {0};
	struct mp_timer_wheel *w;
	struct mp_tcp_params p;
	struct mp_tcp_stack *s;
	uint64_t now = HZ, drops = 0;

	(void)state;
	w = mp_timer_wheel_create("fuzz_wheel", SOCKET_ID_ANY, TICK_US, now);
	assert_non_null(w);
	mp_tcp_params_default(&p);
	p.name = "fuzz";
	p.hz = HZ;
	p.pool = test_tcp_pool;
	p.wheel = w;
	p.output = sink;
	p.max_conns = PEERS + 2;
	p.syn_backlog = 2; /* cookies too */
	p.sndbuf = 16384;
	p.rcvbuf = 16384;
	p.max_time_wait = 2;
	s = mp_tcp_create(&p);
	assert_non_null(s);
	assert_non_null(mp_tcp_listen(s, AF_INET, local, 8080, &cb, NULL));
	for (unsigned int i = 0; i < SEGMENTS; i++) {
		int peer = (int)(rnd() % PEERS);
		struct rte_mbuf *m = random_segment(peer, &peer_seq[peer]);

		if (m != NULL)
			mp_tcp_input(s, &m, 1);
		if (rnd() % 16 == 0) {
			now += TICK_US * (1 + rnd() % 200);
			mp_tcp_set_now(s, now);
			mp_timer_wheel_advance(w, now, UINT32_MAX);
		}
	}
	for (unsigned int i = 0; i < MP_DROP_MAX; i++)
		drops += mp_tcp_stats(s)->drops[i];
	print_message("fuzz: %u segments, %lu dropped with a reason, %u sent, %lu accepted\n",
	              SEGMENTS, (unsigned long)drops, outputs,
	              (unsigned long)mp_tcp_stats(s)->st[MP_TCP_ST_ACCEPTED]);
	assert_true(drops > 0);
	assert_true(mp_tcp_stats(s)->st[MP_TCP_ST_ACCEPTED] > 0);
	assert_true(mp_tcp_stats(s)->st[MP_TCP_ST_BYTES_IN] > 0);
	mp_tcp_free(s);
	mp_timer_wheel_free(w);
	memset(conns, 0, sizeof(conns));
	assert_int_equal(rte_mempool_avail_count(test_tcp_pool), avail);
}

int
test_tcp_fuzz_run(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fuzz_segments),
	};

	return cmocka_run_group_tests_name("tcp_fuzz", tests, NULL, NULL);
}
