/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two stacks talking over a simulated wire with a fixed seed: a client sends a byte pattern to
 * the echo service and checks every byte that comes back, while the wire loses, duplicates,
 * reorders and delays segments. Each run must finish (both sides closed) within a bound of
 * simulated time, with the bytes intact and every mbuf back in the pool.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "mp_net.h"
#include "mp_tcp.h"
#include "mp_timer.h"
#include "test_tcp.h"

#define HZ       1000000u /* microseconds */
#define TICK_US  1000u
#define T0       1000000u
#define WIRE_MAX 8192
#define ETH_LEN  14
#define CHUNK    1000u
#define PORT     7
#define LIMIT_S  600u /* simulated seconds a run may take */

static const uint8_t cli_ip[4] = {10, 0, 0, 1};
static const uint8_t srv_ip[4] = {10, 0, 0, 2};

struct impair {
	const char *name;
	uint32_t loss_ppm;
	uint32_t dup_ppm;
	uint32_t reorder_ppm; /* extra delay of up to 3 base delays */
	uint32_t delay_us;    /* one way */
	uint32_t bytes;       /* to send and get back */
	uint8_t cc_algo;
	bool sack;
};

struct wire_pkt {
	struct rte_mbuf *m;
	uint64_t at;
	int to; /* 0: client, 1: server */
};

struct pair {
	const struct impair *im;
	struct mp_timer_wheel *w[2];
	struct mp_tcp_stack *s[2];
	struct wire_pkt q[WIRE_MAX];
	unsigned int n_q;
	uint64_t now;
	uint64_t rng;
	struct mp_tcp_conn *cli;
	uint32_t sent, echoed;
	bool cli_closed, cli_peer_closed, cli_reset;
	uint64_t wire_pkts, wire_lost;
};

static struct pair *P;

static uint32_t
rnd(void)
{
	/* xorshift64*: fixed seed, so a failure replays. */
	P->rng ^= P->rng >> 12;
	P->rng ^= P->rng << 25;
	P->rng ^= P->rng >> 27;
	return (uint32_t)((P->rng * 2685821657736338717ull) >> 32);
}

static bool
chance(uint32_t ppm)
{
	return rnd() % 1000000u < ppm;
}

/* A copy of m as a received frame: Ethernet in front, parsed, one segment. */
static struct rte_mbuf *
to_frame(const struct rte_mbuf *m)
{
	struct rte_mbuf *f = rte_pktmbuf_alloc(test_tcp_pool);
	struct mp_pkt_info *pi;
	uint8_t *p;

	assert_non_null(f);
	p = (uint8_t *)rte_pktmbuf_append(f, (uint16_t)(m->pkt_len + ETH_LEN));
	assert_non_null(p);
	memset(p, 0, ETH_LEN);
	p[12] = 0x08;
	assert_non_null(rte_pktmbuf_read(m, 0, m->pkt_len, p + ETH_LEN));
	if (rte_pktmbuf_read(m, 0, m->pkt_len, p + ETH_LEN) != p + ETH_LEN)
		memcpy(p + ETH_LEN, rte_pktmbuf_read(m, 0, m->pkt_len, p + ETH_LEN), m->pkt_len);
	pi = mp_pkt_info_of(f);
	if (mp_parse_frame(p, f->pkt_len, pi) != MP_DROP_NONE ||
	    mp_cksum_verify(p, pi, false, false) != MP_DROP_NONE)
		fail_msg("%s: bad segment sent (%u bytes, %u segments): %s", P->im->name,
		         m->pkt_len, m->nb_segs,
		         mp_drop_name(mp_parse_frame(p, f->pkt_len, pi) != MP_DROP_NONE
		                              ? mp_parse_frame(p, f->pkt_len, pi)
		                              : mp_cksum_verify(p, pi, false, false)));
	pi->local = MP_LOCAL_HOST;
	return f;
}

static void
wire_put(int to, struct rte_mbuf *f, uint64_t delay)
{
	assert_true(P->n_q < WIRE_MAX);
	P->q[P->n_q].m = f;
	P->q[P->n_q].at = P->now + delay;
	P->q[P->n_q].to = to;
	P->n_q++;
}

static void
wire_out(void *ctx, struct rte_mbuf *m, int family, const uint8_t *dst, uint16_t port)
{
	int to = (int)(uintptr_t)ctx;
	const struct impair *im = P->im;
	uint64_t delay = im->delay_us;
	struct rte_mbuf *f;

	(void)port;
	assert_int_equal(family, AF_INET);
	assert_memory_equal(dst, to == 1 ? srv_ip : cli_ip, 4);
	P->wire_pkts++;
	if (chance(im->loss_ppm)) {
		P->wire_lost++;
		rte_pktmbuf_free(m);
		return;
	}
	f = to_frame(m);
	rte_pktmbuf_free(m);
	if (chance(im->reorder_ppm))
		delay += rnd() % (3 * im->delay_us + 1);
	if (chance(im->dup_ppm)) {
		struct rte_mbuf *d = rte_pktmbuf_copy(f, test_tcp_pool, 0, UINT32_MAX);

		assert_non_null(d);
		wire_put(to, d, delay + rnd() % (im->delay_us + 1));
	}
	wire_put(to, f, delay);
}

/* ---------------------------------------------------------------------------------------- */
/* The client                                                                                */

static inline uint8_t
pattern(uint32_t off)
{
	return (uint8_t)(off * 2654435761u >> 24);
}

static void
cli_fill(struct mp_tcp_conn *c)
{
	while (P->sent < P->im->bytes) {
		uint32_t n = RTE_MIN(CHUNK, P->im->bytes - P->sent);
		struct rte_mbuf *m;
		uint8_t *d;

		int rc;

		m = rte_pktmbuf_alloc(test_tcp_pool);
		assert_non_null(m);
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		for (uint32_t i = 0; i < n; i++)
			d[i] = pattern(P->sent + i);
		/* A refused send is what arms `writable`. */
		rc = mp_tcp_send(c, m);
		if (rc == -ENOBUFS) {
			rte_pktmbuf_free(m);
			return;
		}
		assert_int_equal(rc, 0);
		P->sent += n;
	}
	mp_tcp_shutdown(c);
}

static void
cli_connected(struct mp_tcp_conn *c, void *arg)
{
	(void)arg;
	cli_fill(c);
}

static void
cli_writable(struct mp_tcp_conn *c, uint32_t space, void *arg)
{
	(void)arg;
	(void)space;
	cli_fill(c);
}

static void
cli_data(struct mp_tcp_conn *c, struct rte_mbuf *m, void *arg)
{
	uint32_t len = m->pkt_len;

	(void)arg;
	for (struct rte_mbuf *seg = m; seg != NULL; seg = seg->next) {
		const uint8_t *d = rte_pktmbuf_mtod(seg, const uint8_t *);

		for (uint32_t i = 0; i < seg->data_len; i++, P->echoed++)
			if (d[i] != pattern(P->echoed)) {
				rte_pktmbuf_free(m);
				fail_msg("%s: echoed byte %u is wrong", P->im->name, P->echoed);
			}
	}
	rte_pktmbuf_free(m);
	mp_tcp_recv_done(c, len);
}

static void
cli_peer_closed(struct mp_tcp_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	P->cli_peer_closed = true;
}

static void
cli_reset(struct mp_tcp_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	P->cli_reset = true;
}

static void
cli_closed(struct mp_tcp_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	P->cli_closed = true;
	P->cli = NULL;
}

static const struct mp_tcp_callbacks cli_cb = {
        .connected = cli_connected,
        .data = cli_data,
        .writable = cli_writable,
        .peer_closed = cli_peer_closed,
        .reset = cli_reset,
        .closed = cli_closed,
};

/* ---------------------------------------------------------------------------------------- */

static void
deliver_due(void)
{
	unsigned int i = 0;

	while (i < P->n_q) {
		if (P->q[i].at <= P->now) {
			struct wire_pkt wp = P->q[i];

			/* Keep the order of the rest (reordering comes from the delays only). */
			memmove(&P->q[i], &P->q[i + 1], (P->n_q - i - 1) * sizeof(P->q[0]));
			P->n_q--;
			mp_tcp_input(P->s[wp.to], &wp.m, 1);
		} else {
			i++;
		}
	}
}

static void
run_pair(void **state)
{
	const struct impair *im = *state;
	unsigned int avail = rte_mempool_avail_count(test_tcp_pool);
	struct mp_tcp_params p;
	struct pair *pr = calloc(1, sizeof(*pr));
	const char *names[2] = {"pair_cli", "pair_srv"};

	assert_non_null(pr);
	if (P != NULL) {
		/* What a failed run left behind. */
		for (unsigned int i = 0; i < P->n_q; i++)
			rte_pktmbuf_free(P->q[i].m);
		for (int i = 0; i < 2; i++) {
			mp_tcp_free(P->s[i]);
			mp_timer_wheel_free(P->w[i]);
		}
		free(P);
		avail = rte_mempool_avail_count(test_tcp_pool);
	}
	P = pr;
	pr->im = im;
	pr->now = T0;
	pr->rng = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 2; i++) {
		pr->w[i] = mp_timer_wheel_create(names[i], SOCKET_ID_ANY, TICK_US, pr->now);
		assert_non_null(pr->w[i]);
		mp_tcp_params_default(&p);
		p.name = names[i];
		p.hz = HZ;
		p.pool = test_tcp_pool;
		p.wheel = pr->w[i];
		p.output = wire_out;
		p.output_ctx = (void *)(uintptr_t)(1 - i);
		p.max_conns = 16;
		p.cc_algo = im->cc_algo;
		p.sack = im->sack;
		p.sndbuf = 128 * 1024;
		p.rcvbuf = 128 * 1024;
		pr->s[i] = mp_tcp_create(&p);
		assert_non_null(pr->s[i]);
		mp_tcp_set_now(pr->s[i], pr->now);
	}
	assert_non_null(
	        mp_tcp_listen(pr->s[1], AF_INET, srv_ip, PORT, &mp_tcp_echo_callbacks, NULL));
	pr->cli = mp_tcp_connect(pr->s[0], AF_INET, cli_ip, srv_ip, PORT, 0, &cli_cb, NULL);
	assert_non_null(pr->cli);
	while (!(pr->cli_closed && mp_tcp_conn_count(pr->s[1]) == 0)) {
		if (pr->now > T0 + (uint64_t)LIMIT_S * HZ)
			fail_msg("%s: not done after %us: sent %u echoed %u", im->name, LIMIT_S,
			         pr->sent, pr->echoed);
		pr->now += TICK_US;
		for (int i = 0; i < 2; i++) {
			mp_tcp_set_now(pr->s[i], pr->now);
			mp_timer_wheel_advance(pr->w[i], pr->now, UINT32_MAX);
		}
		deliver_due();
	}
	assert_false(pr->cli_reset);
	assert_true(pr->cli_peer_closed);
	assert_int_equal(pr->sent, im->bytes);
	assert_int_equal(pr->echoed, im->bytes);
	print_message("%s: %u bytes each way in %.2f s simulated, %lu segments, %lu lost, "
	              "%lu retransmitted, %lu rto\n",
	              im->name, im->bytes, (double)(pr->now - T0) / HZ,
	              (unsigned long)pr->wire_pkts, (unsigned long)pr->wire_lost,
	              (unsigned long)(mp_tcp_stats(pr->s[0])->st[MP_TCP_ST_RETRANS_SEGS] +
	                              mp_tcp_stats(pr->s[1])->st[MP_TCP_ST_RETRANS_SEGS]),
	              (unsigned long)(mp_tcp_stats(pr->s[0])->st[MP_TCP_ST_RTO_EXPIRED] +
	                              mp_tcp_stats(pr->s[1])->st[MP_TCP_ST_RTO_EXPIRED]));
	for (unsigned int i = 0; i < pr->n_q; i++)
		rte_pktmbuf_free(pr->q[i].m);
	for (int i = 0; i < 2; i++) {
		mp_tcp_free(pr->s[i]);
		mp_timer_wheel_free(pr->w[i]);
	}
	assert_int_equal(rte_mempool_avail_count(test_tcp_pool), avail);
	free(pr);
	P = NULL;
}

#define MB (1024u * 1024u)

static const struct impair cases[] = {
        {"clean", 0, 0, 0, 5000, 4 * MB, MP_TCP_CC_NEWRENO, true},
        {"loss 1%", 10000, 0, 0, 5000, 2 * MB, MP_TCP_CC_NEWRENO, true},
        {"loss 5%", 50000, 0, 0, 5000, 1 * MB, MP_TCP_CC_NEWRENO, true},
        {"loss 5% no SACK", 50000, 0, 0, 5000, 1 * MB, MP_TCP_CC_NEWRENO, false},
        {"reorder 5%", 0, 0, 50000, 5000, 2 * MB, MP_TCP_CC_NEWRENO, true},
        {"duplicate 5%", 0, 50000, 0, 5000, 2 * MB, MP_TCP_CC_NEWRENO, true},
        {"all of it, cubic", 20000, 20000, 20000, 10000, 1 * MB, MP_TCP_CC_CUBIC, true},
};

#define PAIR(i)                                                                                  \
	{                                                                                        \
		.name = cases[i].name, .test_func = run_pair, .initial_state = (void *)&cases[i] \
	}

int
test_tcp_pair_run(void)
{
	const struct CMUnitTest tests[] = {
	        PAIR(0), PAIR(1), PAIR(2), PAIR(3), PAIR(4), PAIR(5), PAIR(6),
	};

	return cmocka_run_group_tests_name("tcp_pair", tests, NULL, NULL);
}
