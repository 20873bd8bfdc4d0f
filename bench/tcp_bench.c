/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp micro benchmarks, ns per call:
 *
 *   tcp_cc/on_ack/newreno  mp_tcp_cc_on_ack() in congestion avoidance (the baseline: a few
 *                          adds and a compare);
 *   tcp_cc/on_ack/cubic    the same ACKs through CUBIC: W_cubic(t) twice (128-bit cube),
 *                          the Reno-friendly estimate (one 64-bit division) and the step.
 *                          Each iteration replays ACK_BATCH ACKs of one MSS, 100 us apart,
 *                          from a window of 1000 segments just after a loss.
 *   tcp_cookie/siphash48   SipHash-2-4 of 48 bytes, the baseline for the two below;
 *   tcp_cookie/make        mp_tcp_cookie_make() (one SipHash of 52 bytes);
 *   tcp_cookie/check       mp_tcp_cookie_check() of a valid cookie;
 *   tcp_cookie/isn         mp_tcp_isn() (one SipHash of 40 bytes).
 */
#include <string.h>
#include <sys/socket.h>

#include "harness.h"
#include "tcp_cc.h"
#include "tcp_cookie.h"

#define ACK_BATCH  1024
#define ACK_GAP_US 100
#define RTT_US     100000
#define MSS        1448
#define W_LOSS     (1000 * MSS)
#define COOKIE_N   1024
#define NOW_S      100000
#define SIP_IN_LEN 48

static void
report_per_call(struct mp_bench_state *s, int64_t calls)
{
	mp_bench_set_items(s, mp_bench_iterations(s) * calls);
	mp_bench_counter(s, "ns_per_call", (double)calls,
	                 MP_BENCH_C_RATE | MP_BENCH_C_PER_ITERATION | MP_BENCH_C_INVERT);
}

static void
cc_on_ack(struct mp_bench_state *s, void *arg)
{
	enum mp_tcp_cc_algo algo = (enum mp_tcp_cc_algo)(uintptr_t)arg;
	struct mp_tcp_cc base, cc;
	uint64_t now = 1000000;
	unsigned int i;

	mp_tcp_cc_init(&base, algo, MSS, 10);
	base.cwnd = W_LOSS;
	mp_tcp_cc_on_congestion(&base, W_LOSS, now);
	mp_tcp_cc_on_recovery_end(&base);
	while (mp_bench_keep_running(s)) {
		cc = base;
		for (i = 0; i < ACK_BATCH; i++) {
			now += ACK_GAP_US;
			mp_tcp_cc_on_ack(&cc, MSS, cc.cwnd, now, RTT_US);
		}
		mp_bench_do_not_optimize(&cc);
		now -= ACK_BATCH * ACK_GAP_US; /* the same ACKs every iteration */
	}
	report_per_call(s, ACK_BATCH);
}
MP_BENCH_ARG(cc_on_ack, "tcp_cc/on_ack/newreno", (void *)(uintptr_t)MP_TCP_CC_NEWRENO);
MP_BENCH_ARG(cc_on_ack, "tcp_cc/on_ack/cubic", (void *)(uintptr_t)MP_TCP_CC_CUBIC);

static const struct mp_tcp_secret bench_key = {{0x0706050403020100, 0x0f0e0d0c0b0a0908}};

/* COOKIE_N tuples, one per connection attempt: 10.0.0.1:80 <- 10.1.x.y:port. */
static struct mp_tcp_tuple *
bench_tuples(void)
{
	static struct mp_tcp_tuple t[COOKIE_N];
	uint32_t i;

	for (i = 0; i < COOKIE_N; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].family = AF_INET;
		t[i].lport = 80;
		t[i].rport = (uint16_t)(20000 + i);
		t[i].laddr[0] = 10;
		t[i].laddr[3] = 1;
		t[i].raddr[0] = 10;
		t[i].raddr[1] = 1;
		t[i].raddr[2] = (uint8_t)(i >> 8);
		t[i].raddr[3] = (uint8_t)i;
	}
	return t;
}

static void
cookie_siphash48(struct mp_bench_state *s, void *arg)
{
	uint8_t in[COOKIE_N][SIP_IN_LEN];
	uint64_t acc = 0;
	unsigned int i;

	(void)arg;
	for (i = 0; i < COOKIE_N; i++)
		memset(in[i], (int)i, SIP_IN_LEN);
	while (mp_bench_keep_running(s))
		for (i = 0; i < COOKIE_N; i++)
			acc += mp_tcp_siphash(&bench_key, in[i], SIP_IN_LEN);
	mp_bench_do_not_optimize(&acc);
	report_per_call(s, COOKIE_N);
}
MP_BENCH_ARG(cookie_siphash48, "tcp_cookie/siphash48", NULL);

static void
cookie_make(struct mp_bench_state *s, void *arg)
{
	struct mp_tcp_tuple *t = bench_tuples();
	uint32_t acc = 0;
	unsigned int i;

	(void)arg;
	while (mp_bench_keep_running(s))
		for (i = 0; i < COOKIE_N; i++)
			acc += mp_tcp_cookie_make(&bench_key, &t[i], i * 2654435761u, 1460, NOW_S);
	mp_bench_do_not_optimize(&acc);
	report_per_call(s, COOKIE_N);
}
MP_BENCH_ARG(cookie_make, "tcp_cookie/make", NULL);

static void
cookie_check(struct mp_bench_state *s, void *arg)
{
	struct mp_tcp_tuple *t = bench_tuples();
	static uint32_t cookie[COOKIE_N];
	unsigned int i, good = 0;
	uint16_t mss;

	(void)arg;
	for (i = 0; i < COOKIE_N; i++)
		cookie[i] = mp_tcp_cookie_make(&bench_key, &t[i], i * 2654435761u, 1460, NOW_S);
	while (mp_bench_keep_running(s))
		for (i = 0; i < COOKIE_N; i++)
			good += mp_tcp_cookie_check(&bench_key, &t[i], i * 2654435761u, cookie[i],
			                            NOW_S + 1, &mss);
	mp_bench_do_not_optimize(&good);
	if (good != mp_bench_iterations(s) * COOKIE_N)
		mp_bench_set_label(s, "BUG: a valid cookie was rejected");
	report_per_call(s, COOKIE_N);
}
MP_BENCH_ARG(cookie_check, "tcp_cookie/check", NULL);

static void
cookie_isn(struct mp_bench_state *s, void *arg)
{
	struct mp_tcp_tuple *t = bench_tuples();
	uint64_t now = 1000000;
	uint32_t acc = 0;
	unsigned int i;

	(void)arg;
	while (mp_bench_keep_running(s))
		for (i = 0; i < COOKIE_N; i++)
			acc += mp_tcp_isn(&bench_key, &t[i], now++);
	mp_bench_do_not_optimize(&acc);
	report_per_call(s, COOKIE_N);
}
MP_BENCH_ARG(cookie_isn, "tcp_cookie/isn", NULL);
