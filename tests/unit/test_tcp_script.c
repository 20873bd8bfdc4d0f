/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scripted segment exchanges against the real stack, in the spirit of packetdrill: one file
 * under data/tcp/ per case, a fake clock, and the stack's output captured so every segment it
 * sends is checked (flags, sequence numbers, window, options, payload bytes, checksums, time).
 *
 * Script lines (times in seconds from the start, "+d" relative to the previous line):
 *   config KEY VALUE                 stack parameter, before anything else
 *   T < FLAGS SEQ:END(LEN) [ack N] [win N] [<OPTS>]   a segment from the peer
 *   T > FLAGS SEQ:END(LEN) [ack N] [win N] [<OPTS>]   the next segment meshpath must send
 *   T listen(PORT) | connect(PORT) | write(N) | shutdown() | close() | abort() | recv_done(N)
 *     | peer(PORT) (the peer's port for the next segments)
 *   T event NAME [N]                 the next callback must be NAME (data: N bytes, merged)
 *   T state NAME | stat NAME N | drop NAME N | autoconsume on|off | conns N
 * FLAGS: S F R P and "." for ACK. Inbound SEQ and outbound ACK are the peer's absolute
 * numbers; outbound SEQ and inbound ACK are relative to meshpath's ISN (as packetdrill does).
 * OPTS: mss N, sackOK, TS val N ecr N, nop, wscale N, sack A:B ...; in an expected segment "*"
 * matches any number, in an inbound one "ecr *" echoes meshpath's last TSval; inbound SACK
 * blocks are relative to meshpath's ISN, outbound ones are the peer's absolute numbers.
 * Payload bytes follow fixed patterns of the sequence number in both directions and are
 * checked on delivery and on the wire. Every packet sent must be expected; at the end every
 * mbuf must be back in the pool.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
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

#define HZ          1000000u /* the fake clock counts microseconds */
#define TICK        1000u    /* timer wheel resolution: 1 ms */
#define T0          1000000u /* script time 0 is 1 s on the clock (TSval 0 is special) */
#define TOL_US      2000u    /* a segment may leave up to 2 ms from its scripted time */
#define MAX_CAPTURE 256
#define MAX_EVENTS  256
#define TLINE_MAX   512
#define FRAME_MAX   2048
#define ETH_LEN     14
#define IP4_LEN     20
#define LOCAL_PORT  8080
#define PEER_PORT   40000
#define OPT_MAX     40

static const uint8_t local_ip[4] = {192, 0, 2, 2};
static const uint8_t peer_ip[4] = {192, 0, 2, 1};

struct captured {
	uint8_t b[FRAME_MAX];
	uint32_t len;
	uint64_t at;
};

struct event {
	char name[16];
	uint32_t n;
};

struct run {
	const char *file;
	int line;
	struct mp_tcp_params p;
	struct mp_tcp_stack *s;
	struct mp_timer_wheel *w;
	struct mp_tcp_conn *conn;
	uint64_t now;
	uint64_t last_t;
	struct captured cap[MAX_CAPTURE];
	unsigned int n_cap, cap_head;
	struct event ev[MAX_EVENTS];
	unsigned int n_ev, ev_head;
	bool have_iss;
	uint32_t iss;        /* meshpath's ISN */
	uint32_t last_tsval; /* meshpath's latest TSval */
	uint16_t lport;      /* meshpath's port, host order */
	uint16_t pport;      /* the peer's port */
	bool autoconsume;
	uint32_t peer_next; /* next peer byte the receiver should see */
	uint32_t written;   /* bytes given to mp_tcp_send() */
	bool closed;
};

static struct run *R;
static struct run *leftover; /* a failed script's run, cleaned up by the next one */

static void
fail_at(const char *fmt, ...)
{
	va_list ap;
	char msg[TLINE_MAX];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("%s:%d: %s", R->file, R->line, msg);
}

/* Payload patterns: byte at sequence number x. */
static inline uint8_t
peer_byte(uint32_t x)
{
	return (uint8_t)(x * 131u + 7u);
}

static inline uint8_t
our_byte(uint32_t rel)
{
	return (uint8_t)(rel * 31u + 5u);
}

/* ---------------------------------------------------------------------------------------- */
/* The stack's side: output capture and callbacks                                           */

static void
capture(void *ctx, struct rte_mbuf *m, int family, const uint8_t *dst, uint16_t port)
{
	struct captured *c;

	(void)ctx;
	(void)port;
	assert_int_equal(family, AF_INET);
	assert_memory_equal(dst, peer_ip, 4);
	if (R->n_cap - R->cap_head >= MAX_CAPTURE || R->n_cap >= MAX_CAPTURE) {
		rte_pktmbuf_free(m);
		fail_at("more than %d segments captured", MAX_CAPTURE);
	}
	if (R->p.linearize && m->nb_segs != 1) {
		rte_pktmbuf_free(m);
		fail_at("a chain of %u segments sent with linearize on", m->nb_segs);
	}
	c = &R->cap[R->n_cap++];
	/* A fake Ethernet header in front, so lib/net's parser and checksum check apply. */
	memset(c->b, 0, ETH_LEN);
	c->b[12] = 0x08;
	assert_true(m->pkt_len + ETH_LEN <= FRAME_MAX);
	{
		const void *d = rte_pktmbuf_read(m, 0, m->pkt_len, c->b + ETH_LEN);

		assert_non_null(d);
		if (d != c->b + ETH_LEN)
			memcpy(c->b + ETH_LEN, d, m->pkt_len);
	}
	c->len = m->pkt_len + ETH_LEN;
	c->at = R->now;
	rte_pktmbuf_free(m);
}

static void
push_event(const char *name, uint32_t n)
{
	struct event *e;

	if (strcmp(name, "data") == 0 && R->n_ev > R->ev_head &&
	    strcmp(R->ev[R->n_ev - 1].name, "data") == 0) {
		R->ev[R->n_ev - 1].n += n;
		return;
	}
	if (R->n_ev >= MAX_EVENTS)
		fail_at("too many events");
	e = &R->ev[R->n_ev++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->n = n;
}

static void
cb_accepted(struct mp_tcp_conn *c, void *arg)
{
	(void)arg;
	R->conn = c;
	R->written = 0;
	push_event("accepted", 0);
}

static void
cb_connected(struct mp_tcp_conn *c, void *arg)
{
	(void)arg;
	R->conn = c;
	push_event("connected", 0);
}

static void
cb_data(struct mp_tcp_conn *c, struct rte_mbuf *m, void *arg)
{
	uint32_t len = m->pkt_len, off = 0;

	(void)arg;
	/* The payload must be exactly the peer's next bytes: reassembly and trimming are right. */
	for (struct rte_mbuf *seg = m; seg != NULL; seg = seg->next) {
		const uint8_t *d = rte_pktmbuf_mtod(seg, const uint8_t *);

		for (uint32_t i = 0; i < seg->data_len; i++, off++)
			if (d[i] != peer_byte(R->peer_next + off)) {
				rte_pktmbuf_free(m);
				fail_at("delivered byte %u (peer seq %u) is wrong", off,
				        R->peer_next + off);
			}
	}
	assert_int_equal(off, len);
	R->peer_next += len;
	rte_pktmbuf_free(m);
	push_event("data", len);
	if (R->autoconsume)
		mp_tcp_recv_done(c, len);
}

static void
cb_writable(struct mp_tcp_conn *c, uint32_t space, void *arg)
{
	(void)c;
	(void)arg;
	(void)space;
	push_event("writable", 0);
}

static void
cb_peer_closed(struct mp_tcp_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	push_event("peer_closed", 0);
}

static void
cb_reset(struct mp_tcp_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	push_event("reset", 0);
}

static void
cb_closed(struct mp_tcp_conn *c, void *arg)
{
	(void)arg;
	if (c == R->conn)
		R->conn = NULL;
	push_event("closed", 0);
}

static const struct mp_tcp_callbacks callbacks = {
        .accepted = cb_accepted,
        .connected = cb_connected,
        .data = cb_data,
        .writable = cb_writable,
        .peer_closed = cb_peer_closed,
        .reset = cb_reset,
        .closed = cb_closed,
};

/* ---------------------------------------------------------------------------------------- */
/* Clock                                                                                     */

static void
advance(uint64_t until, bool stop_on_packet)
{
	while (R->now < until) {
		if (stop_on_packet && R->n_cap > R->cap_head)
			return;
		R->now = RTE_MIN(R->now + TICK, until);
		mp_tcp_set_now(R->s, R->now);
		mp_timer_wheel_advance(R->w, R->now, UINT32_MAX);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Segment specs                                                                              */

struct spec {
	uint8_t flags;
	uint32_t seq, end, len;
	bool has_ack, has_win, has_opts;
	uint32_t ack, win;
	char opts[TLINE_MAX];
};

static uint8_t
parse_flags(const char *f)
{
	uint8_t fl = 0;

	for (; *f; f++) {
		switch (*f) {
		case 'S':
			fl |= RTE_TCP_SYN_FLAG;
			break;
		case 'F':
			fl |= RTE_TCP_FIN_FLAG;
			break;
		case 'R':
			fl |= RTE_TCP_RST_FLAG;
			break;
		case 'P':
			fl |= RTE_TCP_PSH_FLAG;
			break;
		case '.':
			fl |= RTE_TCP_ACK_FLAG;
			break;
		default:
			fail_at("bad flag '%c'", *f);
		}
	}
	return fl;
}

static void
parse_spec(char *rest, struct spec *sp)
{
	char flags[8], *o;
	int n = 0;

	memset(sp, 0, sizeof(*sp));
	if (sscanf(rest, " %7s %u:%u(%u)%n", flags, &sp->seq, &sp->end, &sp->len, &n) != 4)
		fail_at("bad segment '%s'", rest);
	sp->flags = parse_flags(flags);
	if (sp->end - sp->seq != sp->len)
		fail_at("segment length disagrees with its range");
	rest += n;
	o = strchr(rest, '<');
	if (o != NULL) {
		char *e = strrchr(o, '>');

		if (e == NULL)
			fail_at("unterminated options");
		*e = '\0';
		snprintf(sp->opts, sizeof(sp->opts), "%s", o + 1);
		sp->has_opts = true;
		*o = '\0';
	}
	for (char *tok = strtok(rest, " \t"); tok != NULL; tok = strtok(NULL, " \t")) {
		char *val = strtok(NULL, " \t");

		if (val == NULL)
			fail_at("'%s' without a value", tok);
		if (strcmp(tok, "ack") == 0) {
			sp->has_ack = true;
			sp->ack = (uint32_t)strtoul(val, NULL, 0);
		} else if (strcmp(tok, "win") == 0) {
			sp->has_win = true;
			sp->win = (uint32_t)strtoul(val, NULL, 0);
		} else {
			fail_at("unknown segment field '%s'", tok);
		}
	}
}

static void
put32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, 4);
}

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return rte_be_to_cpu_32(v);
}

/* Encode an inbound option list. */
static uint32_t
encode_opts(const char *s, uint8_t *o)
{
	char buf[TLINE_MAX];
	uint32_t n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *it = strtok(buf, ","); it != NULL; it = strtok(NULL, ",")) {
		unsigned int a, b;
		char ecr[16];

		while (*it == ' ')
			it++;
		if (n + 10 > OPT_MAX)
			fail_at("options too long");
		if (sscanf(it, "mss %u", &a) == 1) {
			o[n++] = 2;
			o[n++] = 4;
			o[n++] = (uint8_t)(a >> 8);
			o[n++] = (uint8_t)a;
		} else if (strcmp(it, "sackOK") == 0) {
			o[n++] = 4;
			o[n++] = 2;
		} else if (strcmp(it, "nop") == 0) {
			o[n++] = 1;
		} else if (strcmp(it, "eol") == 0) {
			o[n++] = 0;
		} else if (sscanf(it, "wscale %u", &a) == 1) {
			o[n++] = 3;
			o[n++] = 3;
			o[n++] = (uint8_t)a;
		} else if (sscanf(it, "TS val %u ecr %15s", &a, ecr) == 2) {
			o[n++] = 8;
			o[n++] = 10;
			put32(o + n, a);
			put32(o + n + 4, strcmp(ecr, "*") == 0 ? R->last_tsval
			                                       : (uint32_t)strtoul(ecr, NULL, 0));
			n += 8;
		} else if (strncmp(it, "sack ", 5) == 0) {
			uint32_t len_at = n + 1;
			char *p = it + 5;
			int used;

			o[n++] = 5;
			o[n++] = 2;
			while (sscanf(p, " %u:%u%n", &a, &b, &used) == 2) {
				if (n + 8 > OPT_MAX)
					fail_at("options too long");
				/* Blocks of meshpath's data: relative to its ISN. */
				put32(o + n, a + R->iss);
				put32(o + n + 4, b + R->iss);
				n += 8;
				o[len_at] += 8;
				p += used;
			}
		} else if (sscanf(it, "raw %x", &a) == 1) {
			/* Arbitrary bytes, for malformed lists: "raw 0x0801" -> 08 01. */
			uint8_t tmp[4];
			int k = 0;

			for (uint32_t v = a; v != 0 || k == 0; v >>= 8)
				tmp[k++] = (uint8_t)v;
			while (k > 0)
				o[n++] = tmp[--k];
		} else {
			fail_at("unknown option '%s'", it);
		}
	}
	return n;
}

/* Render an outbound option list the way scripts write it. */
static void
render_opts(const uint8_t *o, uint32_t len, char *out, size_t cap)
{
	size_t w = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < len;) {
		const char *sep = w ? "," : "";

		switch (o[i]) {
		case 0:
			w += (size_t)snprintf(out + w, cap - w, "%seol", sep);
			i = len;
			break;
		case 1:
			w += (size_t)snprintf(out + w, cap - w, "%snop", sep);
			i++;
			break;
		case 2:
			w += (size_t)snprintf(out + w, cap - w, "%smss %u", sep,
			                      (unsigned int)(o[i + 2] << 8 | o[i + 3]));
			i += 4;
			break;
		case 3:
			w += (size_t)snprintf(out + w, cap - w, "%swscale %u", sep, o[i + 2]);
			i += 3;
			break;
		case 4:
			w += (size_t)snprintf(out + w, cap - w, "%ssackOK", sep);
			i += 2;
			break;
		case 8:
			w += (size_t)snprintf(out + w, cap - w, "%sTS val %u ecr %u", sep,
			                      get32(o + i + 2), get32(o + i + 6));
			R->last_tsval = get32(o + i + 2);
			i += 10;
			break;
		case 5:
			w += (size_t)snprintf(out + w, cap - w, "%ssack", sep);
			for (uint32_t b = i + 2; b + 8 <= i + o[i + 1]; b += 8)
				w += (size_t)snprintf(out + w, cap - w, " %u:%u", get32(o + b),
				                      get32(o + b + 4));
			i += o[i + 1];
			break;
		default:
			w += (size_t)snprintf(out + w, cap - w, "%sopt%u", sep, o[i]);
			i += o[i + 1] ? o[i + 1] : 1;
			break;
		}
		if (w >= cap)
			break;
	}
}

/* Pattern match where '*' in pat stands for a number; spaces are ignored. */
static bool
opts_match(const char *pat, const char *got)
{
	while (*pat || *got) {
		if (*pat == ' ') {
			pat++;
			continue;
		}
		if (*got == ' ') {
			got++;
			continue;
		}
		if (*pat == '*') {
			if (!isdigit((unsigned char)*got))
				return false;
			while (isdigit((unsigned char)*got))
				got++;
			pat++;
			continue;
		}
		if (*pat != *got)
			return false;
		pat++;
		got++;
	}
	return true;
}

/* ---------------------------------------------------------------------------------------- */
/* Inbound                                                                                   */

static void
inject(const struct spec *sp)
{
	uint8_t opt[OPT_MAX];
	uint32_t optlen = sp->has_opts ? encode_opts(sp->opts, opt) : 0;
	uint32_t thl = 20 + ((optlen + 3) & ~3u);
	uint32_t total = ETH_LEN + IP4_LEN + thl + sp->len;
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_tcp_pool);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	struct mp_pkt_info *pi;
	uint8_t *p;

	assert_non_null(m);
	assert_true(total <= rte_pktmbuf_tailroom(m));
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)total);
	memset(p, 0, total);
	p[12] = 0x08;
	ip = (struct rte_ipv4_hdr *)(p + ETH_LEN);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(IP4_LEN + thl + sp->len));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	memcpy(&ip->src_addr, peer_ip, 4);
	memcpy(&ip->dst_addr, local_ip, 4);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(R->pport);
	th->dst_port = rte_cpu_to_be_16(R->lport);
	th->sent_seq = rte_cpu_to_be_32(sp->seq);
	th->recv_ack = rte_cpu_to_be_32(sp->has_ack ? sp->ack + R->iss : 0);
	if (sp->has_ack)
		th->tcp_flags |= RTE_TCP_ACK_FLAG;
	th->tcp_flags |= sp->flags;
	th->data_off = (uint8_t)((thl / 4) << 4);
	th->rx_win = rte_cpu_to_be_16((uint16_t)(sp->has_win ? sp->win : 65535));
	memcpy(th + 1, opt, optlen);
	for (uint32_t i = 0; i < sp->len; i++)
		p[ETH_LEN + IP4_LEN + thl + i] = peer_byte(sp->seq + i);
	pi = mp_pkt_info_of(m);
	assert_int_equal(mp_parse_frame(p, total, pi), MP_DROP_NONE);
	mp_cksum_fill(p, pi);
	assert_int_equal(mp_cksum_verify(p, pi, false, false), MP_DROP_NONE);
	pi->local = MP_LOCAL_HOST;
	m->port = 0;
	if (sp->flags == RTE_TCP_SYN_FLAG)
		R->peer_next = sp->seq + 1; /* a new connection's byte stream starts here */
	mp_tcp_input(R->s, &m, 1);
}

/* ---------------------------------------------------------------------------------------- */
/* Outbound                                                                                  */

static void
describe(const struct captured *c, char *out, size_t cap)
{
	const struct rte_tcp_hdr *th = (const void *)(c->b + ETH_LEN + IP4_LEN);
	uint32_t thl = (uint32_t)(th->data_off >> 4) * 4;
	uint32_t len = c->len - ETH_LEN - IP4_LEN - thl;
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq) - (R->have_iss ? R->iss : 0);
	char opts[TLINE_MAX / 2];
	char fl[8];
	int k = 0;

	if (th->tcp_flags & RTE_TCP_SYN_FLAG)
		fl[k++] = 'S';
	if (th->tcp_flags & RTE_TCP_FIN_FLAG)
		fl[k++] = 'F';
	if (th->tcp_flags & RTE_TCP_RST_FLAG)
		fl[k++] = 'R';
	if (th->tcp_flags & RTE_TCP_PSH_FLAG)
		fl[k++] = 'P';
	if (th->tcp_flags & RTE_TCP_ACK_FLAG)
		fl[k++] = '.';
	fl[k] = '\0';
	render_opts((const uint8_t *)(th + 1), thl - 20, opts, sizeof(opts));
	snprintf(out, RTE_MIN(cap, (size_t)TLINE_MAX), "%.3f > %s %u:%u(%u) ack %u win %u <%s>",
	         (double)(c->at - T0) / 1e6, fl, seq, seq + len, len,
	         rte_be_to_cpu_32(th->recv_ack), rte_be_to_cpu_16(th->rx_win), opts);
}

static void
check_out(const struct spec *sp, uint64_t t)
{
	const struct captured *c;
	const struct rte_tcp_hdr *th;
	struct mp_pkt_info pi;
	uint32_t thl, len, seq;
	char desc[TLINE_MAX], opts[TLINE_MAX];

	advance(t + TOL_US, true);
	if (R->n_cap == R->cap_head)
		fail_at("expected a segment, none was sent");
	c = &R->cap[R->cap_head++];
	describe(c, desc, sizeof(desc));
	if (c->at + TOL_US < t)
		fail_at("segment sent too early: %s", desc);
	/* Checksums and header sanity, with lib/net's own parser. */
	if (mp_parse_frame(c->b, c->len, &pi) != MP_DROP_NONE)
		fail_at("meshpath sent an unparsable frame: %s", desc);
	if (mp_cksum_verify(c->b, &pi, false, false) != MP_DROP_NONE)
		fail_at("bad checksum: %s", desc);
	th = (const void *)(c->b + ETH_LEN + IP4_LEN);
	if (rte_be_to_cpu_16(th->src_port) != R->lport ||
	    rte_be_to_cpu_16(th->dst_port) != R->pport)
		fail_at("wrong ports: %s", desc);
	thl = (uint32_t)(th->data_off >> 4) * 4;
	len = c->len - ETH_LEN - IP4_LEN - thl;
	if (th->tcp_flags & RTE_TCP_SYN_FLAG) {
		R->iss = rte_be_to_cpu_32(th->sent_seq);
		R->have_iss = true;
		describe(c, desc, sizeof(desc));
	}
	seq = rte_be_to_cpu_32(th->sent_seq) - R->iss;
	render_opts((const uint8_t *)(th + 1), thl - 20, opts, sizeof(opts));
	if (th->tcp_flags != (sp->flags | (sp->has_ack ? RTE_TCP_ACK_FLAG : 0)) || seq != sp->seq ||
	    len != sp->len || (sp->has_ack && rte_be_to_cpu_32(th->recv_ack) != sp->ack) ||
	    (sp->has_win && rte_be_to_cpu_16(th->rx_win) != sp->win) ||
	    (sp->has_opts && !opts_match(sp->opts, opts)))
		fail_at("unexpected segment: %s", desc);
	for (uint32_t i = 0; i < len; i++)
		if (c->b[ETH_LEN + IP4_LEN + thl + i] != our_byte(seq - 1 + i))
			fail_at("wrong payload byte %u in %s", i, desc);
}

static void
no_pending(void)
{
	char desc[TLINE_MAX];

	if (R->n_cap > R->cap_head) {
		describe(&R->cap[R->cap_head], desc, sizeof(desc));
		fail_at("unexpected segment sent: %s", desc);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Commands                                                                                  */

static void
do_write(uint32_t n)
{
	struct rte_mbuf *head = NULL, *tail = NULL;
	uint32_t left = n, rel = R->written;
	int rc;

	/* Several segments of at most 1000 bytes: send queues hold chains. */
	while (left > 0) {
		uint32_t k = RTE_MIN(left, 1000u);
		struct rte_mbuf *m = rte_pktmbuf_alloc(test_tcp_pool);
		uint8_t *d;

		assert_non_null(m);
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)k);
		for (uint32_t i = 0; i < k; i++)
			d[i] = our_byte(rel + i);
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += k;
		}
		tail = m;
		rel += k;
		left -= k;
	}
	rc = mp_tcp_send(R->conn, head);
	if (rc != 0) {
		rte_pktmbuf_free(head);
		push_event(rc == -ENOBUFS ? "send_nobufs" : "send_notconn", 0);
		return;
	}
	R->written += n;
}

static void
ensure_stack(void)
{
	if (R->s != NULL)
		return;
	R->w = mp_timer_wheel_create("tcp_test_wheel", SOCKET_ID_ANY, TICK, R->now);
	assert_non_null(R->w);
	R->p.wheel = R->w;
	R->s = mp_tcp_create(&R->p);
	assert_non_null(R->s);
	mp_tcp_set_now(R->s, R->now);
}

static void
set_config(const char *k, const char *v)
{
	struct mp_tcp_params *p = &R->p;
	unsigned long n = strtoul(v, NULL, 0);

	if (R->s != NULL)
		fail_at("config after the stack started");
#define NUM(field)                                  \
	if (strcmp(k, #field) == 0) {               \
		p->field = (__typeof__(p->field))n; \
		return;                             \
	}
	NUM(max_conns)
	NUM(max_time_wait)
	NUM(syn_backlog)
	NUM(sndbuf)
	NUM(rcvbuf)
	NUM(worker_buf)
	NUM(ooo_max)
	NUM(mss)
	NUM(iw_segments)
	NUM(cc_algo)
	NUM(delayed_ack)
	NUM(sack)
	NUM(tlp)
	NUM(rack)
	NUM(timestamps)
	NUM(window_scaling)
	NUM(nagle)
	NUM(keepalive)
	NUM(syn_cookies)
	NUM(linearize)
	NUM(delack_ms)
	NUM(rto_init_ms)
	NUM(rto_min_ms)
	NUM(rto_max_ms)
	NUM(max_retries)
	NUM(syn_retries)
	NUM(time_wait_ms)
	NUM(fin_wait2_ms)
	NUM(keepalive_idle_s)
	NUM(keepalive_intvl_s)
	NUM(keepalive_probes)
	NUM(challenge_ack_limit)
	NUM(persist_max_ms)
#undef NUM
	fail_at("unknown config key '%s'", k);
}

static void
expect_event(const char *name, uint32_t n, bool has_n)
{
	const struct event *e;

	if (R->ev_head == R->n_ev)
		fail_at("expected event %s, none happened", name);
	e = &R->ev[R->ev_head++];
	if (strcmp(e->name, name) != 0)
		fail_at("expected event %s, got %s", name, e->name);
	if (has_n && e->n != n)
		fail_at("expected event %s %u, got %u", name, n, e->n);
}

static int
stat_index(const char *name)
{
	for (int i = 0; i < MP_TCP_ST_MAX; i++)
		if (strcmp(mp_tcp_stat_name((enum mp_tcp_stat)i), name) == 0)
			return i;
	fail_at("unknown stat '%s'", name);
	return -1;
}

static int
drop_index(const char *name)
{
	for (int i = 0; i < MP_DROP_MAX; i++)
		if (strcmp(mp_drop_name((enum mp_drop)i), name) == 0)
			return i;
	fail_at("unknown drop '%s'", name);
	return -1;
}

static void
run_line(char *line)
{
	char *cmd = line, *arg;
	uint64_t t;
	double secs;
	int n = 0;

	while (isspace((unsigned char)*cmd))
		cmd++;
	if (*cmd == '\0' || *cmd == '#')
		return;
	if (strncmp(cmd, "config ", 7) == 0) {
		char k[64], v[64];

		if (sscanf(cmd + 7, "%63s %63s", k, v) != 2)
			fail_at("bad config line");
		set_config(k, v);
		return;
	}
	if (*cmd == '+') {
		if (sscanf(cmd + 1, "%lf%n", &secs, &n) != 1)
			fail_at("bad time");
		t = R->last_t + (uint64_t)(secs * 1e6 + 0.5);
	} else {
		if (sscanf(cmd, "%lf%n", &secs, &n) != 1)
			fail_at("bad time");
		t = T0 + (uint64_t)(secs * 1e6 + 0.5);
	}
	R->last_t = t;
	cmd += n;
	while (isspace((unsigned char)*cmd))
		cmd++;
	ensure_stack();
	if (*cmd == '>' || *cmd == '<') {
		struct spec sp;

		parse_spec(cmd + 1, &sp);
		if (*cmd == '>') {
			check_out(&sp, t);
		} else {
			advance(t, false);
			no_pending();
			inject(&sp);
		}
		return;
	}
	arg = strchr(cmd, '(');
	if (arg != NULL) {
		unsigned long v = strtoul(arg + 1, NULL, 0);

		advance(t, false);
		no_pending();
		*arg = '\0';
		if (strcmp(cmd, "listen") == 0) {
			R->lport = (uint16_t)v;
			assert_non_null(mp_tcp_listen(R->s, AF_INET, local_ip, (uint16_t)v,
			                              &callbacks, NULL));
		} else if (strcmp(cmd, "peer") == 0) {
			R->pport = (uint16_t)v;
		} else if (strcmp(cmd, "connect") == 0) {
			R->pport = (uint16_t)v;
			R->conn = mp_tcp_connect(R->s, AF_INET, local_ip, peer_ip, (uint16_t)v, 0,
			                         &callbacks, NULL);
			assert_non_null(R->conn);
			R->lport = rte_be_to_cpu_16(mp_tcp_conn_tuple(R->conn)->lport);
		} else if (strcmp(cmd, "write") == 0) {
			assert_non_null(R->conn);
			do_write((uint32_t)v);
		} else if (strcmp(cmd, "recv_done") == 0) {
			assert_non_null(R->conn);
			mp_tcp_recv_done(R->conn, (uint32_t)v);
		} else if (strcmp(cmd, "shutdown") == 0) {
			assert_non_null(R->conn);
			mp_tcp_shutdown(R->conn);
		} else if (strcmp(cmd, "close") == 0) {
			assert_non_null(R->conn);
			mp_tcp_close(R->conn);
		} else if (strcmp(cmd, "abort") == 0) {
			assert_non_null(R->conn);
			mp_tcp_abort(R->conn);
		} else {
			fail_at("unknown call '%s'", cmd);
		}
		return;
	}
	advance(t, false);
	{
		char w1[32] = "", w2[32] = "";
		unsigned long v = 0;
		int k = sscanf(cmd, "%31s %31s %lu", w1, w2, &v);

		if (strcmp(w1, "event") == 0 && k >= 2) {
			expect_event(w2, (uint32_t)v, k == 3);
		} else if (strcmp(w1, "state") == 0 && k == 2) {
			const char *got = R->conn != NULL
			                          ? mp_tcp_state_name(mp_tcp_conn_state(R->conn))
			                          : "none";

			if (strcmp(got, w2) != 0)
				fail_at("state %s, expected %s", got, w2);
		} else if (strcmp(w1, "stat") == 0 && k == 3) {
			uint64_t got = mp_tcp_stats(R->s)->st[stat_index(w2)];

			if (got != v)
				fail_at("stat %s is %lu, expected %lu", w2, (unsigned long)got, v);
		} else if (strcmp(w1, "drop") == 0 && k == 3) {
			uint64_t got = mp_tcp_stats(R->s)->drops[drop_index(w2)];

			if (got != v)
				fail_at("drop %s is %lu, expected %lu", w2, (unsigned long)got, v);
		} else if (strcmp(w1, "conns") == 0 && k >= 2) {
			unsigned long want = strtoul(w2, NULL, 0);

			if (mp_tcp_conn_count(R->s) != want)
				fail_at("%u connections, expected %lu", mp_tcp_conn_count(R->s),
				        want);
		} else if (strcmp(w1, "autoconsume") == 0 && k == 2) {
			R->autoconsume = strcmp(w2, "on") == 0;
		} else {
			fail_at("unknown line '%s'", cmd);
		}
	}
}

static void
run_script(void **state)
{
	const char *name = *state;
	char path[TLINE_MAX], line[TLINE_MAX];
	unsigned int avail = rte_mempool_avail_count(test_tcp_pool);
	struct run *r = calloc(1, sizeof(*r));
	FILE *f;

	assert_non_null(r);
	if (leftover != NULL) {
		mp_tcp_free(leftover->s);
		mp_timer_wheel_free(leftover->w);
		free(leftover);
		avail = rte_mempool_avail_count(test_tcp_pool);
	}
	leftover = r;
	R = r;
	snprintf(path, sizeof(path), "%s/tcp/%s", MP_TEST_DATA_DIR, name);
	r->file = name;
	r->now = T0;
	r->lport = LOCAL_PORT;
	r->pport = PEER_PORT;
	r->autoconsume = true;
	mp_tcp_params_default(&r->p);
	r->p.name = "tcp_test";
	r->p.hz = HZ;
	r->p.pool = test_tcp_pool;
	r->p.output = capture;
	r->p.max_conns = 64;
	r->p.max_time_wait = 16;
	r->p.rcvbuf = 65535; /* window scale 0: windows in scripts read as bytes */
	r->p.cc_algo = MP_TCP_CC_NEWRENO;
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		r->line++;
		line[strcspn(line, "\n")] = '\0';
		run_line(line);
	}
	fclose(f);
	r->line++;
	/* Nothing unexpected may be left: no segment, no callback. */
	no_pending();
	if (r->ev_head != r->n_ev)
		fail_at("unexpected event at the end: %s", r->ev[r->ev_head].name);
	mp_tcp_free(r->s);
	mp_timer_wheel_free(r->w);
	assert_int_equal(rte_mempool_avail_count(test_tcp_pool), avail);
	free(r);
	leftover = NULL;
	R = NULL;
}

/* One cmocka test per script, named after it. */
#define SCRIPT(f)                                                                             \
	{                                                                                     \
		.name = (f), .test_func = run_script, .initial_state = (void *)(uintptr_t)(f) \
	}

int
test_tcp_script_run(void)
{
	const struct CMUnitTest tests[] = {
	        SCRIPT("passive_open.pkt"),
	        SCRIPT("active_open.pkt"),
	        SCRIPT("rto_backoff.pkt"),
	        SCRIPT("rto_giveup.pkt"),
	        SCRIPT("syn_retrans.pkt"),
	        SCRIPT("fast_retransmit.pkt"),
	        SCRIPT("sack_recovery.pkt"),
	        SCRIPT("lost_retransmit.pkt"),
	        SCRIPT("sack_window_change.pkt"),
	        SCRIPT("recovery_point.pkt"),
	        SCRIPT("lost_after_ack.pkt"),
	        SCRIPT("reo_window.pkt"),
	        SCRIPT("rto_sack_kept.pkt"),
	        SCRIPT("reo_dsack.pkt"),
	        SCRIPT("zero_window.pkt"),
	        SCRIPT("fin_simultaneous.pkt"),
	        SCRIPT("half_close.pkt"),
	        SCRIPT("rst_challenge.pkt"),
	        SCRIPT("paws.pkt"),
	        SCRIPT("syn_cookie.pkt"),
	        SCRIPT("time_wait.pkt"),
	        SCRIPT("out_of_order.pkt"),
	        SCRIPT("bad_input.pkt"),
	        SCRIPT("keepalive.pkt"),
	        SCRIPT("delayed_ack.pkt"),
	        SCRIPT("limits.pkt"),
	        SCRIPT("simultaneous_open.pkt"),
	        SCRIPT("connect_refused.pkt"),
	        SCRIPT("close_cases.pkt"),
	        SCRIPT("ooo_limit.pkt"),
	        SCRIPT("time_wait_limit.pkt"),
	        SCRIPT("time_wait_conn_limit.pkt"),
	        SCRIPT("cookie_no_ts.pkt"),
	        SCRIPT("linearize.pkt"),
	        SCRIPT("rto_ack_seq.pkt"),
	        SCRIPT("tlp_tail_loss.pkt"),
	        SCRIPT("tlp_off.pkt"),
	};

	return cmocka_run_group_tests_name("tcp_script", tests, NULL, NULL);
}
