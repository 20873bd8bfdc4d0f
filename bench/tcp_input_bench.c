/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/tcp's segment input fast path, ns per segment, against the least a receiver of the same
 * frames must do.
 *
 * One stack (the real one: mp_tcp_create() with its defaults unless said below) holds one
 * ESTABLISHED IPv4 connection, opened by a fake peer with a scripted handshake (SYN with MSS
 * 1460, SACK, timestamps and window scale 7, then the ACK), as tests/unit/test_tcp_script.c
 * does. Frames are built like that test builds them: Ethernet, IPv4, TCP with the 12-byte
 * timestamp option (NOP NOP TS, what Linux sends), checksums written, parsed by lib/net's
 * mp_parse_frame() into mp_pkt_info_of(m) and marked local: what mp_net_input() hands to
 * mp_tcp_input(). Sequence numbers, ACK numbers and TSvals advance from frame to frame, so the
 * stack sees one real stream.
 *
 * The frames of many bursts are built while the clock is paused (mp_bench_pause()); the timed
 * loop is one mp_tcp_input() of a burst of 32 per iteration and nothing else. The stack's
 * clock (a fake microsecond clock, and its timer wheel) advances 1 ms per refill, and the
 * peer's TSval by one: about what a 10 Gb/s Linux sender does (one TSval per ms).
 *
 *   tcp_input/data_in_order/ts_1448   the receiver: full-size in-order data segments (1448 B
 *                                     payload, 1514 B frames). The data callback releases the
 *                                     bytes at once (mp_tcp_recv_done()) and frees the chain;
 *                                     delayed ACKs are on, so the stack sends one ACK per two
 *                                     segments, through an output function that frees it.
 *   tcp_input/pure_ack/ts_ack         the sender: pure ACKs (66 B frames), each for two
 *                                     segments in flight. The send queue is trimmed (two mbufs
 *                                     freed per ACK), RTT sampled from the echoed TSval, the
 *                                     retransmission timer rearmed, and CUBIC's window grows
 *                                     in congestion avoidance (see ack_warmup()
 *                                     and ack_refill()).
 *   tcp_input/baseline/<shape>        the baseline of each: the same frames, in the same
 *                                     bursts, with the same prefetch of the next frame that
 *                                     mp_tcp_input() does; per frame, read the TCP header
 *                                     fields the stack reads first (ports, sequence and ACK
 *                                     numbers, window, flags, data offset, at the offset
 *                                     mp_pkt_info gives) and rte_pktmbuf_free() the mbuf.
 *
 * Why this baseline: every segment the stack receives must at least be looked at and given
 * back to its pool, whatever the stack; the checksum is not in it because mp_net_input()
 * verified it before (or the device did). So the ratio is the stack's cost over touching
 * and freeing the packet: connection lookup, the RFC 9293 checks, ACK and window processing,
 * delivery, delayed ACKs and the ACKs themselves (header mbuf, headers, checksum, output).
 *
 * Each run checks, before it is timed and after every refill, that the stack took every byte
 * (stats bytes_received and the data callback both grew by what was sent; no drop counted),
 * or that every ACK trimmed the send queue (mp_tcp_send_space()); a run that would measure a
 * drop path instead is marked failed with the reason.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>

#include "harness.h"
#include "mp_net.h"
#include "mp_tcp.h"
#include "mp_timer.h"

#define BURST         32
#define MSS           1448 /* payload of a full segment with timestamps: 1460 - 12 */
#define ANNOUNCED_MSS 1460
#define ETH_LEN       14
#define IP4_LEN       20
#define TCP_LEN       20
#define TS_OPT_LEN    12
#define HDR_LEN       (ETH_LEN + IP4_LEN + TCP_LEN + TS_OPT_LEN) /* 66 */
#define SYN_OPT_LEN   24       /* MSS 4, NOP WS 4, SACK_OK 2, NOP NOP, TS 10, NOP NOP */
#define HZ            1000000u /* the fake clock counts microseconds */
#define TICK_US       1000u    /* timer wheel resolution */
#define STEP_US       1000u    /* the clock advances this much per refill */
#define T0            1000000u
#define PEER_WSCALE   7
#define PEER_WIN      65535u /* << PEER_WSCALE: 8 MiB, never the limit */
#define PEER_ISS      1000000u
#define PEER_PORT     40000
#define LOCAL_PORT    80
#define DATA_BURSTS   32                    /* bursts built per refill: 1024 frames */
#define MAX_FRAMES    (DATA_BURSTS * BURST) /* frames built per refill, at most */
#define ACK_SEGS      2                     /* segments each ACK acknowledges */
#define FLIGHT_MAX    4096 /* segments in flight at most: 5.9 MB, below the 8 MiB window */
#define RTO_FLIGHT    1024 /* segments in flight when the setup's RTO fires */
#define WARMUP_ROUNDS 40   /* round trips before timing: slow start is over by then */
#define SNDBUF        (16u << 20)
#define RX_POOL_N     4095
#define TX_POOL_N     16383
#define POOL_CACHE    256

static const uint8_t local_ip[4] = {192, 0, 2, 2};
static const uint8_t peer_ip[4] = {192, 0, 2, 1};

/* One run's connection and what the fake peer knows of it. One run at a time. */
struct tin {
	struct mp_tcp_stack *s;
	struct mp_timer_wheel *w;
	struct mp_tcp_conn *conn;
	uint64_t now;
	uint32_t peer_seq;   /* the peer's next sequence number */
	uint32_t peer_ack;   /* what the peer acknowledges (meshpath's sequence space) */
	uint32_t peer_tsval; /* the peer's TSval */
	uint32_t our_tsval;  /* meshpath's latest TSval, echoed */
	uint32_t snd_end;    /* end of the highest segment meshpath sent */
	bool capture;        /* read every segment sent (setup, refills, pure_ack) */
	bool saw_syn;
	uint64_t out_pkts;
	uint64_t delivered;
	uint64_t queued; /* pure_ack: bytes given to mp_tcp_send() */
	struct rte_mbuf *frames[MAX_FRAMES];
	unsigned int n_frames, cursor;
};

static struct tin T;
static struct rte_mempool *rx_pool, *tx_pool;

/* The payload of every data segment: fixed, so a buffer written once serves every frame. */
static inline uint8_t
payload_byte(uint32_t i)
{
	return (uint8_t)(i * 131u + 7u);
}

static void
rx_buf_fill(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct rte_mbuf *m = obj;
	uint8_t *p = (uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM + HDR_LEN;

	(void)mp;
	(void)arg;
	(void)idx;
	for (uint32_t i = 0; i < MSS; i++)
		p[i] = payload_byte(i);
}

/* Every buffer of rx_pool gets the payload where a data frame's payload goes. */
static void
rx_pool_fill(void)
{
	rte_mempool_obj_iter(rx_pool, rx_buf_fill, NULL);
}

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return rte_be_to_cpu_32(v);
}

static void
put32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, 4);
}

/* ---------------------------------------------------------------------------------------- */
/* The stack's side: output and callbacks                                                    */

/* What the peer learns from a segment meshpath sent (data at the IPv4 header). */
static void
tin_capture(struct tin *t, const struct rte_mbuf *m)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t ihl = (uint32_t)(ip[0] & 0xf) * 4;
	const uint8_t *th = ip + ihl;
	uint32_t thl = (uint32_t)(th[12] >> 4) * 4;
	uint32_t len = (uint32_t)(ip[2] << 8 | ip[3]) - ihl - thl;
	uint32_t seq = get32(th + 4), end;

	end = seq + len + !!(th[13] & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG));
	if (th[13] & RTE_TCP_SYN_FLAG) {
		t->saw_syn = true;
		t->peer_ack = end;
		t->snd_end = end;
	}
	if ((int32_t)(end - t->snd_end) > 0)
		t->snd_end = end;
	for (uint32_t i = TCP_LEN; i < thl;) {
		if (th[i] == 0)
			break;
		if (th[i] == 1) {
			i++;
			continue;
		}
		if (th[i] == 8 && i + 10 <= thl)
			t->our_tsval = get32(th + i + 2);
		i += th[i + 1] ? th[i + 1] : 1;
	}
}

static void
tin_output(void *ctx, struct rte_mbuf *m, int family, const uint8_t *dst, uint16_t port)
{
	struct tin *t = ctx;

	(void)family;
	(void)dst;
	(void)port;
	t->out_pkts++;
	if (t->capture)
		tin_capture(t, m);
	rte_pktmbuf_free(m);
}

static void
cb_accepted(struct mp_tcp_conn *c, void *arg)
{
	((struct tin *)arg)->conn = c;
}

static void
cb_data(struct mp_tcp_conn *c, struct rte_mbuf *m, void *arg)
{
	uint32_t len = m->pkt_len;

	((struct tin *)arg)->delivered += len;
	mp_tcp_recv_done(c, len);
	rte_pktmbuf_free(m);
}

static void
cb_closed(struct mp_tcp_conn *c, void *arg)
{
	(void)c;
	((struct tin *)arg)->conn = NULL;
}

static const struct mp_tcp_callbacks tin_callbacks = {
        .accepted = cb_accepted,
        .data = cb_data,
        .closed = cb_closed,
};

/* ---------------------------------------------------------------------------------------- */
/* Frames from the peer                                                                      */

/*
 * A frame from the peer as mp_net_input() hands it over: built, checksummed and parsed like
 * tests/unit/test_tcp_script.c's inject(). NULL when the pool is empty.
 */
static struct rte_mbuf *
tin_frame(struct tin *t, uint8_t flags, const uint8_t *opt, uint32_t optlen, uint32_t len)
{
	uint32_t thl = TCP_LEN + optlen;
	uint32_t total = ETH_LEN + IP4_LEN + thl + len;
	struct rte_mbuf *m = rte_pktmbuf_alloc(rx_pool);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	struct mp_pkt_info *pi;
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)total);
	memset(p, 0, ETH_LEN + IP4_LEN + thl);
	p[12] = 0x08;
	ip = (struct rte_ipv4_hdr *)(p + ETH_LEN);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(IP4_LEN + thl + len));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	memcpy(&ip->src_addr, peer_ip, 4);
	memcpy(&ip->dst_addr, local_ip, 4);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(PEER_PORT);
	th->dst_port = rte_cpu_to_be_16(LOCAL_PORT);
	th->sent_seq = rte_cpu_to_be_32(t->peer_seq);
	th->recv_ack = rte_cpu_to_be_32(flags & RTE_TCP_ACK_FLAG ? t->peer_ack : 0);
	th->tcp_flags = flags;
	th->data_off = (uint8_t)((thl / 4) << 4);
	th->rx_win = rte_cpu_to_be_16(PEER_WIN);
	memcpy(th + 1, opt, optlen);
	for (uint32_t i = 0; i < len; i++)
		p[total - len + i] = payload_byte(i);
	pi = mp_pkt_info_of(m);
	if (mp_parse_frame(p, total, pi) != MP_DROP_NONE) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	mp_cksum_fill(p, pi);
	pi->local = MP_LOCAL_HOST;
	m->port = 0;
	return m;
}

/* RFC 1624 (3): the checksum after a 32-bit field changed from old to new. */
static uint16_t
cksum_adjust32(uint16_t ck, uint32_t old, uint32_t new)
{
	uint32_t sum = (uint16_t)~ck;

	sum += (uint16_t) ~(old >> 16) + (uint16_t)~old + (new >> 16) + (new & 0xffff);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * A copy of the template frame tpl with another sequence and ACK number, checksum adjusted:
 * the cheap way to build many frames while the clock is paused. The payload is not copied:
 * every buffer of rx_pool holds the pattern already (rx_pool_fill()). NULL when the pool is
 * empty.
 */
static struct rte_mbuf *
tin_frame_like(const struct rte_mbuf *tpl, uint32_t seq, uint32_t ack)
{
	const struct mp_pkt_info *tpi = mp_pkt_info_of((struct rte_mbuf *)(uintptr_t)tpl);
	struct rte_mbuf *m = rte_pktmbuf_alloc(rx_pool);
	const struct rte_tcp_hdr *tth;
	struct rte_tcp_hdr *th;
	uint16_t ck;
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)tpl->pkt_len);
	memcpy(p, rte_pktmbuf_mtod(tpl, const void *), (size_t)tpi->l4_off + tpi->l4_len);
	tth = rte_pktmbuf_mtod_offset(tpl, const struct rte_tcp_hdr *, tpi->l4_off);
	th = (struct rte_tcp_hdr *)(p + tpi->l4_off);
	ck = rte_be_to_cpu_16(tth->cksum);
	ck = cksum_adjust32(ck, rte_be_to_cpu_32(tth->sent_seq), seq);
	ck = cksum_adjust32(ck, rte_be_to_cpu_32(tth->recv_ack), ack);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->cksum = rte_cpu_to_be_16(ck);
	*mp_pkt_info_of(m) = *tpi;
	m->port = 0;
	return m;
}

/* NOP NOP TS val ecr: the peer's TSval, meshpath's latest echoed. */
static void
ts_opt(const struct tin *t, uint8_t *o)
{
	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	put32(o + 4, t->peer_tsval);
	put32(o + 8, t->our_tsval);
}

/* A segment from the peer, into the stack at once (setup only). */
static bool
tin_send(struct tin *t, uint8_t flags, const uint8_t *opt, uint32_t optlen, uint32_t len)
{
	struct rte_mbuf *m = tin_frame(t, flags, opt, optlen, len);

	if (m == NULL)
		return false;
	mp_tcp_input(t->s, &m, 1);
	return true;
}

static void
tin_advance(struct tin *t, uint64_t us)
{
	uint64_t until = t->now + us;

	while (t->now < until) {
		t->now = RTE_MIN(t->now + TICK_US, until);
		mp_tcp_set_now(t->s, t->now);
		mp_timer_wheel_advance(t->w, t->now, UINT32_MAX);
	}
}

static uint64_t
tin_drops(const struct tin *t)
{
	const struct mp_tcp_stats *st = mp_tcp_stats(t->s);
	uint64_t n = 0;

	for (unsigned int i = 0; i < MP_DROP_MAX; i++)
		n += st->drops[i];
	return n;
}

static void
tin_free_frames(struct tin *t)
{
	for (unsigned int i = t->cursor; i < t->n_frames; i++)
		rte_pktmbuf_free(t->frames[i]);
	t->n_frames = t->cursor = 0;
}

static void
tin_teardown(struct tin *t)
{
	tin_free_frames(t);
	if (t->s != NULL)
		mp_tcp_free(t->s);
	if (t->w != NULL)
		mp_timer_wheel_free(t->w);
	memset(t, 0, sizeof(*t));
}

/*
 * EAL, pools, a stack listening on LOCAL_PORT, and the handshake. NULL on success, else what
 * went wrong (the run is skipped with it).
 */
static const char *
tin_setup(struct tin *t, bool sender)
{
	static const uint8_t syn_opt_head[] = {
	        2, 4, ANNOUNCED_MSS >> 8, ANNOUNCED_MSS & 0xff, 1, 3, 3, PEER_WSCALE, 4, 2, 1, 1};
	uint8_t syn[SYN_OPT_LEN], opt[TS_OPT_LEN];
	struct mp_tcp_params p;

	memset(t, 0, sizeof(*t));
	if (!mp_bench_eal())
		return "EAL did not start";
	if (mp_pkt_info_register() < 0)
		return "mp_pkt_info_register() failed";
	if (rx_pool == NULL)
		rx_pool = rte_pktmbuf_pool_create("tin_rx", RX_POOL_N, POOL_CACHE, 0,
		                                  RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (tx_pool == NULL)
		tx_pool = rte_pktmbuf_pool_create("tin_tx", TX_POOL_N, POOL_CACHE, 0,
		                                  RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (rx_pool == NULL || tx_pool == NULL)
		return "no mbuf pool";
	t->now = T0;
	t->w = mp_timer_wheel_create("tin_wheel", SOCKET_ID_ANY, TICK_US, t->now);
	if (t->w == NULL)
		return "no timer wheel";
	mp_tcp_params_default(&p);
	p.name = "tin";
	p.hz = HZ;
	p.pool = tx_pool;
	p.wheel = t->w;
	p.output = tin_output;
	p.output_ctx = t;
	p.max_conns = 16;
	if (sender) {
		/* Room for the flight; the first window sends RTO_FLIGHT segments at once. */
		p.sndbuf = SNDBUF;
		p.iw_segments = RTO_FLIGHT;
	}
	t->s = mp_tcp_create(&p);
	if (t->s == NULL)
		return "mp_tcp_create() failed";
	mp_tcp_set_now(t->s, t->now);
	if (mp_tcp_listen(t->s, AF_INET, local_ip, LOCAL_PORT, &tin_callbacks, t) == NULL)
		return "mp_tcp_listen() failed";
	t->capture = true;
	t->peer_seq = PEER_ISS;
	t->peer_tsval = 1;
	memcpy(syn, syn_opt_head, sizeof(syn_opt_head));
	syn[12] = 8;
	syn[13] = 10;
	put32(syn + 14, t->peer_tsval);
	put32(syn + 18, 0);
	syn[22] = 1;
	syn[23] = 1;
	if (!tin_send(t, RTE_TCP_SYN_FLAG, syn, sizeof(syn), 0))
		return "SYN not built";
	if (!t->saw_syn)
		return "no SYN-ACK";
	t->peer_seq++;
	ts_opt(t, opt);
	if (!tin_send(t, RTE_TCP_ACK_FLAG, opt, TS_OPT_LEN, 0))
		return "ACK not built";
	if (t->conn == NULL || mp_tcp_conn_state(t->conn) != MP_TCP_ESTABLISHED)
		return "the handshake did not establish the connection";
	/* The SYN's options overwrote the start of a payload: every buffer gets it again. */
	rx_pool_fill();
	return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* The receiver: in-order data                                                               */

/*
 * The next DATA_BURSTS bursts of data, one TSval later: one frame built in full, the others
 * copied from it with their sequence numbers. False when a frame is not built.
 */
static bool
data_refill(struct tin *t)
{
	uint8_t opt[TS_OPT_LEN];
	struct rte_mbuf *tpl;

	tin_advance(t, STEP_US);
	t->peer_tsval++;
	ts_opt(t, opt);
	t->n_frames = t->cursor = 0;
	tpl = tin_frame(t, RTE_TCP_ACK_FLAG, opt, TS_OPT_LEN, MSS);
	if (tpl == NULL)
		return false;
	t->frames[t->n_frames++] = tpl;
	t->peer_seq += MSS;
	while (t->n_frames < DATA_BURSTS * BURST) {
		struct rte_mbuf *m = tin_frame_like(tpl, t->peer_seq, t->peer_ack);

		if (m == NULL)
			return false;
		t->frames[t->n_frames++] = m;
		t->peer_seq += MSS;
	}
	return true;
}

/* Are the frames of the refill valid, as mp_net_input() would have checked? */
static bool
frames_valid(const struct tin *t)
{
	for (unsigned int i = 0; i < t->n_frames; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(t->frames[i], const uint8_t *);
		struct mp_pkt_info pi;

		if (mp_parse_frame(p, t->frames[i]->pkt_len, &pi) != MP_DROP_NONE ||
		    mp_cksum_verify(p, &pi, false, false) != MP_DROP_NONE)
			return false;
	}
	return true;
}

/* Did the stack take exactly what was sent? NULL if so. */
static const char *
data_check(const struct tin *t, uint64_t sent)
{
	if (mp_tcp_stats(t->s)->st[MP_TCP_ST_BYTES_IN] != sent)
		return "bytes_received is not what was sent: the stack dropped data";
	if (t->delivered != sent)
		return "the data callback did not get every byte sent";
	if (tin_drops(t) != 0)
		return "the stack counted a drop";
	if (t->conn == NULL || mp_tcp_conn_state(t->conn) != MP_TCP_ESTABLISHED)
		return "the connection left ESTABLISHED";
	return NULL;
}

static void
report_per_segment(struct mp_bench_state *s, const char *label)
{
	mp_bench_set_items(s, mp_bench_iterations(s) * BURST);
	mp_bench_counter(s, "ns_per_seg", BURST,
	                 MP_BENCH_C_RATE | MP_BENCH_C_PER_ITERATION | MP_BENCH_C_INVERT);
	mp_bench_set_label(s, label);
}

static void
skip(struct mp_bench_state *s, const char *what, const char *why)
{
	fprintf(stderr, "%s: %s\n", what, why);
	mp_bench_skip(s, why);
}

/* The least a receiver does with a segment: read the header fields, free the mbuf. */
static inline void
baseline_burst(struct rte_mbuf **pkts, unsigned int n, uint64_t *acc)
{
	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct mp_pkt_info *pi = mp_pkt_info_of(m);
		const struct rte_tcp_hdr *th;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, pi->l4_off);
		*acc += rte_be_to_cpu_32(th->sent_seq) ^ rte_be_to_cpu_32(th->recv_ack);
		*acc += (uint32_t)th->src_port << 16 ^ th->dst_port;
		*acc += (uint32_t)rte_be_to_cpu_16(th->rx_win) << 16 ^
		        (uint32_t)th->tcp_flags << 8 ^ th->data_off;
		*acc += pi->pkt_len - pi->l4_off - pi->l4_len;
		rte_pktmbuf_free(m);
	}
}

/* Builds the next frames (the clock is stopped); NULL, or why the run must stop. */
typedef const char *(*tin_refill_fn)(struct tin *t, void *ctx, bool baseline);

/*
 * The timed loop of every benchmark here: one burst per iteration, into the stack or into the
 * baseline, and a refill with the clock stopped when the frames run out. NULL, or why a refill
 * stopped the run.
 */
static const char *
tin_run(struct mp_bench_state *s, struct tin *t, bool baseline, tin_refill_fn refill, void *ctx)
{
	const char *err = NULL;
	uint64_t acc = 0;

	while (mp_bench_keep_running(s)) {
		if (t->cursor == t->n_frames) {
			mp_bench_pause(s);
			err = refill(t, ctx, baseline);
			mp_bench_resume(s);
			if (err != NULL)
				break;
		}
		if (baseline)
			baseline_burst(&t->frames[t->cursor], BURST, &acc);
		else
			mp_tcp_input(t->s, &t->frames[t->cursor], BURST);
		t->cursor += BURST;
	}
	mp_bench_do_not_optimize(&acc);
	return err;
}

/* The receiver's refill: check what the last frames did, then the next ones. */
static const char *
data_next(struct tin *t, void *ctx, bool baseline)
{
	uint64_t *sent = ctx;
	const char *err = baseline ? NULL : data_check(t, *sent);

	if (err != NULL)
		return err;
	if (!data_refill(t))
		return "frames not built";
	*sent += (uint64_t)t->n_frames * MSS;
	return NULL;
}

static void
data_in_order(struct mp_bench_state *s, void *arg)
{
	bool baseline = arg != NULL;
	const char *what = baseline ? "tcp_input/baseline/ts_1448" : "tcp_input/data_in_order";
	struct tin *t = &T;
	const char *err;
	uint64_t sent, out0;

	err = tin_setup(t, false);
	/* One refill through the stack before the clock starts: it must take every byte. */
	if (err == NULL && !data_refill(t))
		err = "frames not built";
	if (err == NULL && !frames_valid(t))
		err = "a frame built does not parse or has a bad checksum";
	if (err == NULL) {
		sent = mp_tcp_stats(t->s)->st[MP_TCP_ST_BYTES_IN];
		out0 = t->out_pkts;
		t->capture = false;
		mp_tcp_input(t->s, t->frames, (uint16_t)t->n_frames);
		t->cursor = t->n_frames;
		sent += (uint64_t)t->n_frames * MSS;
		err = data_check(t, sent);
		/* Delayed ACKs: one per two segments, give or take a window update. */
		if (err == NULL && (t->out_pkts - out0 < t->n_frames / 2 ||
		                    t->out_pkts - out0 > t->n_frames / 2 + t->n_frames / 16))
			err = "not about one ACK per two segments";
	}
	if (err != NULL) {
		skip(s, what, err);
		tin_teardown(t);
		return;
	}
	err = tin_run(s, t, baseline, data_next, &sent);
	if (err != NULL)
		skip(s, what, err);
	if (err == NULL)
		report_per_segment(s, "IPv4, TCP with timestamps, 1448 B payload (1514 B frames)");
	tin_teardown(t);
}
MP_BENCH_ARG(data_in_order, "tcp_input/data_in_order/ts_1448", NULL);
MP_BENCH_ARG(data_in_order, "tcp_input/baseline/ts_1448", (void *)1);

/* ---------------------------------------------------------------------------------------- */
/* The sender: pure ACKs                                                                     */

struct ack_run {
	uint32_t acked;       /* what the peer has acknowledged so far */
	uint64_t acked_bytes; /* since the handshake (the sequence space wraps at 4 GiB) */
	uint32_t prev_tsval;  /* meshpath's TSval of the previous refill: the ACKs echo it */
	uint32_t flight_first, flight_last; /* segments in flight after the first and last refill */
};

/* Queue one segment of data; true if the stack sent it at once (the window had room). */
static bool
ack_offer_segment(struct tin *t)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tx_pool);
	uint64_t out0 = t->out_pkts;
	char *d;

	if (m == NULL)
		return false;
	d = rte_pktmbuf_append(m, MSS);
	memset(d, 0x5a, MSS);
	if (mp_tcp_send(t->conn, m) != 0) {
		rte_pktmbuf_free(m);
		return false;
	}
	t->queued += MSS;
	return t->out_pkts != out0;
}

/* Fill the congestion window: segments until one stays queued, or FLIGHT_MAX in flight. */
static void
ack_fill(struct tin *t, const struct ack_run *r)
{
	while (t->snd_end - r->acked < FLIGHT_MAX * MSS && ack_offer_segment(t))
		;
}

/* ACK frames for n * ACK_SEGS segments from r->acked on. False when a frame is not built. */
static bool
ack_build(struct tin *t, struct ack_run *r, unsigned int n)
{
	uint8_t opt[TS_OPT_LEN];
	struct rte_mbuf *tpl;

	t->our_tsval = r->prev_tsval;
	ts_opt(t, opt);
	t->n_frames = t->cursor = 0;
	t->peer_ack = r->acked;
	tpl = tin_frame(t, RTE_TCP_ACK_FLAG, opt, TS_OPT_LEN, 0);
	if (tpl == NULL)
		return false;
	while (t->n_frames < n) {
		uint32_t ack = r->acked + (t->n_frames + 1) * ACK_SEGS * MSS;
		struct rte_mbuf *m = tin_frame_like(tpl, t->peer_seq, ack);

		if (m == NULL) {
			rte_pktmbuf_free(tpl);
			return false;
		}
		t->frames[t->n_frames++] = m;
	}
	rte_pktmbuf_free(tpl);
	r->acked += n * ACK_SEGS * MSS;
	r->acked_bytes += n * ACK_SEGS * MSS;
	return true;
}

/* Did every ACK trim the send queue? NULL if so. */
static const char *
ack_check(const struct tin *t, const struct ack_run *r)
{
	if (mp_tcp_send_space(t->conn) != SNDBUF - (t->queued - r->acked_bytes))
		return "the send queue is not trimmed to the bytes acknowledged";
	if (tin_drops(t) != 0)
		return "the stack counted a drop";
	if (mp_tcp_conn_state(t->conn) != MP_TCP_ESTABLISHED)
		return "the connection left ESTABLISHED";
	return NULL;
}

/*
 * One round trip of the clock: time passes, the window is filled, and the ACKs of the older
 * half of the flight are built (a multiple of BURST of them). Acknowledging only half keeps
 * the flight above half the window at every ACK, so the window is "in use" and may grow
 * (RFC 7661 as lib/tcp applies it); acknowledging all of it would leave the sender
 * application-limited for the second half.
 */
static const char *
ack_refill(struct tin *t, struct ack_run *r)
{
	uint32_t flight;
	unsigned int n;

	tin_advance(t, STEP_US);
	t->peer_tsval++;
	r->prev_tsval = t->our_tsval;
	ack_fill(t, r);
	flight = (t->snd_end - r->acked) / MSS;
	n = flight / ACK_SEGS / 2 / BURST * BURST;
	if (n == 0)
		return "less than a burst of ACKs in flight";
	if (r->flight_first == 0)
		r->flight_first = flight;
	r->flight_last = flight;
	return ack_build(t, r, RTE_MIN(n, (unsigned int)MAX_FRAMES)) ? NULL : "frames not built";
}

/*
 * The connection leaves slow start the way a real one does, through a loss: RTO_FLIGHT
 * segments go out unanswered until the retransmission timer fires (ssthresh becomes 0.7 of
 * that flight, CUBIC's plateau its size), then everything is acknowledged and the window
 * climbs back in WARMUP_ROUNDS round trips, each acknowledging the whole flight, one ACK per
 * two segments. After that, congestion avoidance: the window grows slowly, by CUBIC's curve.
 */
static const char *
ack_warmup(struct tin *t, struct ack_run *r)
{
	uint8_t opt[TS_OPT_LEN];

	r->acked = t->snd_end;
	for (unsigned int i = 0; i < RTO_FLIGHT; i++)
		if (!ack_offer_segment(t))
			return "the initial window did not send RTO_FLIGHT segments";
	for (unsigned int ms = 0; mp_tcp_stats(t->s)->st[MP_TCP_ST_RTO_EXPIRED] == 0; ms++) {
		if (ms > 5000)
			return "no retransmission timeout";
		tin_advance(t, TICK_US);
	}
	for (unsigned int round = 0; round < WARMUP_ROUNDS; round++) {
		tin_advance(t, STEP_US);
		t->peer_tsval++;
		ack_fill(t, r);
		ts_opt(t, opt);
		while (r->acked != t->snd_end) {
			uint32_t step = RTE_MIN(t->snd_end - r->acked, (uint32_t)ACK_SEGS * MSS);

			r->acked += step;
			r->acked_bytes += step;
			t->peer_ack = r->acked;
			if (!tin_send(t, RTE_TCP_ACK_FLAG, opt, TS_OPT_LEN, 0))
				return "ACK not built";
		}
		if (ack_check(t, r) != NULL)
			return ack_check(t, r);
	}
	return NULL;
}

/* The sender's refill: check the last ACKs trimmed the queue, then the next round trip. */
static const char *
ack_next(struct tin *t, void *ctx, bool baseline)
{
	struct ack_run *r = ctx;
	const char *err;

	if (baseline) /* no stack to fill: the same frames, ACK numbers advancing */
		return ack_build(t, r, MAX_FRAMES / 2) ? NULL : "frames not built";
	err = ack_check(t, r);
	return err != NULL ? err : ack_refill(t, r);
}

static void
pure_ack(struct mp_bench_state *s, void *arg)
{
	bool baseline = arg != NULL;
	const char *what = baseline ? "tcp_input/baseline/ts_ack" : "tcp_input/pure_ack";
	struct ack_run r = {0};
	struct tin *t = &T;
	const char *err;
	char label[128];

	err = tin_setup(t, true);
	if (err == NULL)
		err = ack_warmup(t, &r);
	/* One round through the stack before the clock starts. */
	if (err == NULL)
		err = ack_refill(t, &r);
	if (err == NULL && !frames_valid(t))
		err = "a frame built does not parse or has a bad checksum";
	if (err == NULL) {
		mp_tcp_input(t->s, t->frames, (uint16_t)t->n_frames);
		t->cursor = t->n_frames;
		err = ack_check(t, &r);
	}
	if (err != NULL) {
		skip(s, what, err);
		tin_teardown(t);
		return;
	}
	err = tin_run(s, t, baseline, ack_next, &r);
	if (err != NULL)
		skip(s, what, err);
	if (err == NULL) {
		if (baseline)
			snprintf(label, sizeof(label),
			         "IPv4, TCP with timestamps, no payload (66 B)");
		else
			snprintf(label, sizeof(label),
			         "ACKs of 2 segments; in flight at refills: %u, then %u segments",
			         r.flight_first, r.flight_last);
		report_per_segment(s, label);
	}
	tin_teardown(t);
}
MP_BENCH_ARG(pure_ack, "tcp_input/pure_ack/ts_ack", NULL);
MP_BENCH_ARG(pure_ack, "tcp_input/baseline/ts_ack", (void *)1);
