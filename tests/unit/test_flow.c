/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for lib/flow: NAT rewrites and their checksums, MSS clamping, ICMP error
 * translation, the flow table at a million flows with expiry through the timer wheel, and the
 * TCP state machine with the timeouts it arms.
 *
 * Packets are real frames built here, parsed by mp_parse_frame() and checksummed by lib/net, so
 * every incremental update is compared against a from-scratch mp_cksum_fill(). Time is fake:
 * the TSC runs at T_HZ (1 MHz, one cycle per microsecond) and the wheel ticks every
 * millisecond; the timeouts are the config defaults.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_eal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_log.h>
#include <rte_tcp.h>

#include "mp_conf.h"
#include "mp_flow.h"
#include "mp_net.h"
#include "mp_timer.h"

/* The index is private; the churn test checks its bookkeeping directly. */
#include "flow_priv.h"

#define SEED        0x6d70666c6f77ULL /* "mpflow" */
#define NAT_ROUNDS  5000
#define MSS_ROUNDS  2000
#define BUF_LEN     2048
#define ETH_LEN     14
#define IP4_LEN     20
#define IP6_LEN     40
#define TCP_LEN     20
#define UDP_LEN     8
#define ICMP_HDR    8
#define PAYLOAD_MAX 1400
#define TYPE_IP4    0x0800
#define TYPE_IP6    0x86dd
#define TCP_CK_OFF  16
#define UDP_CK_OFF  6

/* Fake time: 1 cycle = 1 us, a wheel tick = 1 ms; T0 is where the clock starts. */
#define T_HZ    UINT64_C(1000000)
#define T_TICK  (T_HZ / 1000)
#define T0      UINT64_C(1000000000)
#define T_MS(n) ((uint64_t)(n)*T_TICK)

/* The config defaults in cycles. */
#define T_SYN   T_MS(MP_CONF_DEF_TCP_SYN_MS)
#define T_EST   T_MS(MP_CONF_DEF_TCP_EST_MS)
#define T_FIN   T_MS(MP_CONF_DEF_TCP_FIN_MS)
#define T_CLOSE T_MS(MP_CONF_DEF_TCP_CLOSE_MS)
#define T_UDP   T_MS(MP_CONF_DEF_UDP_MS)
#define T_CF    T_MS(MP_CONF_DEF_CONNECT_FAIL_MS)

#define BIG_FLOWS (1u << 20)
#define BURST     32

/* ---------------------------------------------------------------------------------------- */
/* Random numbers (xorshift64*), fixed seed                                                  */

static uint64_t rng_state = SEED;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

/* A unicast source the parser accepts: not loopback, multicast or broadcast. */
static void
rnd_addr(int family, uint8_t *a)
{
	unsigned int i;

	memset(a, 0, 16);
	for (i = 0; i < mp_flow_addr_len(family); i++)
		a[i] = (uint8_t)rnd();
	if (family == AF_INET)
		a[0] = (uint8_t)(1 + rnd_below(223)); /* 1..223 */
	else
		a[0] = (uint8_t)(0x20 + rnd_below(0xdf)); /* 0x20..0xfe */
	if (family == AF_INET && a[0] == 127)
		a[0] = 128;
}

/* ---------------------------------------------------------------------------------------- */
/* Frames                                                                                    */

struct tpkt {
	uint8_t buf[BUF_LEN];
	uint32_t len;
	struct mp_pkt_info pi;
};

struct spec {
	int family;
	uint8_t proto;
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport; /* host order */
	uint16_t dport;
	uint8_t tcp_flags;
	uint32_t seq;
	uint32_t ack;
	uint32_t payload;      /* bytes */
	uint32_t ip4_opts;     /* bytes of IPv4 options, a multiple of 4 up to 40 */
	uint32_t ip6_ext;      /* bytes of a destination options header, 0 or a multiple of 8 */
	uint8_t tcp_opts[40];  /* raw options, tcp_opts_len bytes */
	uint32_t tcp_opts_len; /* a multiple of 4 up to 40 */
	bool udp_no_cksum;     /* IPv4 UDP sent with checksum 0 */
};

static uint8_t *
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	return put16(p + 2, (uint16_t)v);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint8_t *
put_eth(uint8_t *p, uint16_t type)
{
	static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02};

	memcpy(p, macs, sizeof(macs));
	return put16(p + sizeof(macs), type);
}

/* IP header of l4_bytes payload (extension header included for IPv6); returns its end. */
static uint8_t *
put_ip(uint8_t *q, const struct spec *s, uint8_t proto, uint32_t l4_bytes)
{
	if (s->family == AF_INET) {
		uint32_t hl = IP4_LEN + s->ip4_opts;

		q[0] = (uint8_t)(0x40 | hl / 4);
		q[1] = 0;
		put16(q + 2, (uint16_t)(hl + l4_bytes));
		put16(q + 4, (uint16_t)rnd());
		put16(q + 6, 0x4000); /* DF */
		q[8] = 64;
		q[9] = proto;
		put16(q + 10, 0);
		memcpy(q + 12, s->src, 4);
		memcpy(q + 16, s->dst, 4);
		/* NOPs, then an EOL in the last byte: valid options the parser walks. */
		memset(q + IP4_LEN, 1, s->ip4_opts);
		if (s->ip4_opts != 0)
			q[hl - 1] = 0;
		return q + hl;
	}
	q[0] = 0x60;
	q[1] = 0;
	q[2] = 0;
	q[3] = 0;
	put16(q + 4, (uint16_t)(s->ip6_ext + l4_bytes));
	q[6] = s->ip6_ext != 0 ? 60 : proto;
	q[7] = 64;
	memcpy(q + 8, s->src, 16);
	memcpy(q + 24, s->dst, 16);
	q += IP6_LEN;
	if (s->ip6_ext != 0) {
		/* Destination options holding one PadN. */
		memset(q, 0, s->ip6_ext);
		q[0] = proto;
		q[1] = (uint8_t)(s->ip6_ext / 8 - 1);
		q[2] = 1;
		q[3] = (uint8_t)(s->ip6_ext - 4);
		q += s->ip6_ext;
	}
	return q;
}

static void
parse_ok(struct tpkt *t)
{
	assert_int_equal(mp_parse_frame(t->buf, t->len, &t->pi), MP_DROP_NONE);
}

/* Build, parse and checksum a TCP or UDP frame. */
static void
build(const struct spec *s, struct tpkt *t)
{
	uint32_t l4_hdr = s->proto == IPPROTO_TCP ? TCP_LEN + s->tcp_opts_len : UDP_LEN;
	uint8_t *q, *l4;
	uint32_t i;

	memset(t, 0, sizeof(*t));
	q = put_eth(t->buf, s->family == AF_INET ? TYPE_IP4 : TYPE_IP6);
	q = put_ip(q, s, s->proto, l4_hdr + s->payload);
	l4 = q;
	put16(q, s->sport);
	put16(q + 2, s->dport);
	if (s->proto == IPPROTO_TCP) {
		put32(q + 4, s->seq);
		put32(q + 8, s->ack);
		q[12] = (uint8_t)((l4_hdr / 4) << 4);
		q[13] = s->tcp_flags;
		put16(q + 14, 65535);
		memcpy(q + TCP_LEN, s->tcp_opts, s->tcp_opts_len);
	} else {
		put16(q + 4, (uint16_t)(UDP_LEN + s->payload));
	}
	q += l4_hdr;
	for (i = 0; i < s->payload; i++)
		q[i] = (uint8_t)rnd();
	t->len = (uint32_t)(q + s->payload - t->buf);
	parse_ok(t);
	mp_cksum_fill(t->buf, &t->pi);
	if (s->udp_no_cksum)
		put16(l4 + UDP_CK_OFF, 0);
	assert_int_equal(mp_cksum_verify(t->buf, &t->pi, false, false), MP_DROP_NONE);
}

/* Random TCP options from the usual kinds, padded with NOPs to a multiple of 4. */
static void
rnd_tcp_opts(struct spec *s)
{
	uint32_t n = 0, want = rnd_below(41);

	while (n < want) {
		switch (rnd_below(5)) {
		case 0:
			s->tcp_opts[n++] = 1;
			break;
		case 1:
			if (n + 4 > 40)
				goto pad;
			s->tcp_opts[n] = 2;
			s->tcp_opts[n + 1] = 4;
			put16(&s->tcp_opts[n + 2], (uint16_t)(500 + rnd_below(9000)));
			n += 4;
			break;
		case 2:
			if (n + 3 > 40)
				goto pad;
			s->tcp_opts[n] = 3;
			s->tcp_opts[n + 1] = 3;
			s->tcp_opts[n + 2] = (uint8_t)rnd_below(15);
			n += 3;
			break;
		case 3:
			if (n + 2 > 40)
				goto pad;
			s->tcp_opts[n] = 4;
			s->tcp_opts[n + 1] = 2;
			n += 2;
			break;
		default:
			if (n + 10 > 40)
				goto pad;
			s->tcp_opts[n] = 8;
			s->tcp_opts[n + 1] = 10;
			put32(&s->tcp_opts[n + 2], (uint32_t)rnd());
			put32(&s->tcp_opts[n + 6], (uint32_t)rnd());
			n += 10;
			break;
		}
	}
pad:
	while (n % 4 != 0)
		s->tcp_opts[n++] = 1;
	s->tcp_opts_len = n;
}

static void
rnd_spec(struct spec *s)
{
	memset(s, 0, sizeof(*s));
	s->family = rnd_below(2) ? AF_INET : AF_INET6;
	s->proto = rnd_below(2) ? IPPROTO_TCP : IPPROTO_UDP;
	rnd_addr(s->family, s->src);
	rnd_addr(s->family, s->dst);
	s->sport = (uint16_t)rnd();
	s->dport = (uint16_t)rnd();
	s->payload = rnd_below(PAYLOAD_MAX + 1);
	if (s->family == AF_INET && rnd_below(4) == 0)
		s->ip4_opts = 4 * (1 + rnd_below(10));
	if (s->family == AF_INET6 && rnd_below(4) == 0)
		s->ip6_ext = 8 * (1 + rnd_below(4));
	if (s->proto == IPPROTO_TCP) {
		s->tcp_flags = (uint8_t)rnd();
		s->seq = (uint32_t)rnd();
		s->ack = (uint32_t)rnd();
		if (rnd_below(2))
			rnd_tcp_opts(s);
	} else if (s->family == AF_INET && rnd_below(8) == 0) {
		s->udp_no_cksum = true;
	}
}

static void
rnd_nat(int family, struct mp_flow_nat *a)
{
	memset(a, 0, sizeof(*a));
	rnd_addr(family, a->src);
	rnd_addr(family, a->dst);
	a->sport = (rte_be16_t)rnd();
	a->dport = (rte_be16_t)rnd();
}

static const uint8_t *
pkt_src(const struct tpkt *t)
{
	return t->buf + t->pi.l3_off + (t->pi.l3 == MP_L3_IPV4 ? 12 : 8);
}

static const uint8_t *
pkt_dst(const struct tpkt *t)
{
	return t->buf + t->pi.l3_off + (t->pi.l3 == MP_L3_IPV4 ? 16 : 24);
}

/* The NAT that undoes what packet t looked like: its own addresses and ports. */
static void
nat_from_pkt(const struct tpkt *t, struct mp_flow_nat *a)
{
	unsigned int alen = t->pi.l3 == MP_L3_IPV4 ? 4 : 16;

	memset(a, 0, sizeof(*a));
	memcpy(a->src, pkt_src(t), alen);
	memcpy(a->dst, pkt_dst(t), alen);
	memcpy(&a->sport, t->buf + t->pi.l4_off, 2);
	memcpy(&a->dport, t->buf + t->pi.l4_off + 2, 2);
}

/*
 * t's checksums must be exactly what a full recompute writes (and verify). A UDP/IPv4 packet
 * sent without a checksum must still have none.
 */
static void
assert_cksums_exact(const struct tpkt *t, bool udp_no_cksum)
{
	static struct tpkt ref;
	uint8_t *ck = (uint8_t *)t->buf + t->pi.l4_off + UDP_CK_OFF;

	ref = *t;
	mp_cksum_fill(ref.buf, &ref.pi);
	if (udp_no_cksum) {
		assert_int_equal(get16(ck), 0);
		put16(ref.buf + ref.pi.l4_off + UDP_CK_OFF, 0);
	}
	assert_memory_equal(t->buf, ref.buf, t->len);
	assert_int_equal(mp_cksum_verify(t->buf, &t->pi, false, false), MP_DROP_NONE);
}

/* ---------------------------------------------------------------------------------------- */
/* NAT rewrites                                                                              */

static void
test_nat_random(void **state)
{
	static struct tpkt t, orig;
	unsigned int i, v4 = 0, v6 = 0, tcp = 0, udp = 0, opts = 0, none = 0;

	(void)state;
	rng_state = SEED;
	for (i = 0; i < NAT_ROUNDS; i++) {
		struct mp_flow_nat a, back;
		struct spec s;

		rnd_spec(&s);
		build(&s, &t);
		orig = t;
		rnd_nat(s.family, &a);
		nat_from_pkt(&orig, &back);

		assert_true(mp_flow_nat_rewrite(t.buf, &t.pi, &a));
		assert_memory_equal(pkt_src(&t), a.src, mp_flow_addr_len(s.family));
		assert_memory_equal(pkt_dst(&t), a.dst, mp_flow_addr_len(s.family));
		assert_memory_equal(t.buf + t.pi.l4_off, &a.sport, 2);
		assert_memory_equal(t.buf + t.pi.l4_off + 2, &a.dport, 2);
		assert_cksums_exact(&t, s.udp_no_cksum);

		/* And back: every byte as it was. */
		assert_true(mp_flow_nat_rewrite(t.buf, &t.pi, &back));
		assert_memory_equal(t.buf, orig.buf, t.len);

		v4 += s.family == AF_INET;
		v6 += s.family == AF_INET6;
		tcp += s.proto == IPPROTO_TCP;
		udp += s.proto == IPPROTO_UDP;
		opts += s.ip4_opts != 0 || s.ip6_ext != 0 || s.tcp_opts_len != 0;
		none += s.udp_no_cksum;
	}
	/* The seed covers every kind. */
	assert_true(v4 > 0 && v6 > 0 && tcp > 0 && udp > 0 && opts > 0 && none > 0);
}

/* Fragments and non-TCP/UDP are refused untouched. */
static void
test_nat_refuses(void **state)
{
	static struct tpkt t, orig;
	struct mp_flow_nat a;
	struct spec s;

	(void)state;
	rng_state = SEED + 1;
	rnd_spec(&s);
	s.family = AF_INET;
	s.proto = IPPROTO_UDP;
	s.udp_no_cksum = false;
	s.ip4_opts = 0;
	build(&s, &t);
	rnd_nat(AF_INET, &a);

	/* A first fragment: MF set. */
	put16(t.buf + ETH_LEN + 6, 0x2000);
	mp_cksum_fill(t.buf, &t.pi);
	parse_ok(&t);
	assert_true(t.pi.flags & MP_PKT_F_FRAG);
	orig = t;
	assert_false(mp_flow_nat_rewrite(t.buf, &t.pi, &a));
	assert_memory_equal(t.buf, orig.buf, t.len);

	/* Another protocol. */
	put16(t.buf + ETH_LEN + 6, 0x4000);
	t.buf[ETH_LEN + 9] = 47; /* GRE */
	mp_cksum_fill(t.buf, &t.pi);
	parse_ok(&t);
	orig = t;
	assert_false(mp_flow_nat_rewrite(t.buf, &t.pi, &a));
	assert_memory_equal(t.buf, orig.buf, t.len);
}

/* ---------------------------------------------------------------------------------------- */
/* MSS clamping                                                                              */

/* A TCP SYN with the given raw options (a multiple of 4 bytes). */
static void
build_syn(struct tpkt *t, int family, uint8_t flags, const uint8_t *opts, uint32_t len)
{
	struct spec s;

	memset(&s, 0, sizeof(s));
	s.family = family;
	s.proto = IPPROTO_TCP;
	rnd_addr(family, s.src);
	rnd_addr(family, s.dst);
	s.sport = 40000;
	s.dport = 80;
	s.tcp_flags = flags;
	s.seq = 12345;
	if (len != 0)
		memcpy(s.tcp_opts, opts, len);
	s.tcp_opts_len = len;
	build(&s, t);
}

static uint16_t
mss_at(const struct tpkt *t, uint32_t opt_off)
{
	return get16(t->buf + t->pi.l4_off + TCP_LEN + opt_off + 2);
}

static void
test_mss_clamp(void **state)
{
	/* MSS at an even offset, then at an odd one (behind one NOP). */
	static const uint8_t even[] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2};
	static const uint8_t odd[] = {1, 2, 4, 0x23, 0x28, 1, 1, 0};
	static const uint8_t small[] = {2, 4, 0x02, 0x00};
	static const uint8_t absent[] = {1, 1, 4, 2, 3, 3, 7, 0};
	static struct tpkt t, orig;
	int fam;

	(void)state;
	rng_state = SEED + 2;
	for (fam = 0; fam < 2; fam++) {
		int family = fam == 0 ? AF_INET : AF_INET6;

		build_syn(&t, family, RTE_TCP_SYN_FLAG, even, sizeof(even));
		assert_true(mp_flow_mss_clamp(t.buf, &t.pi, 1400));
		assert_int_equal(mss_at(&t, 0), 1400);
		assert_cksums_exact(&t, false);

		build_syn(&t, family, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, odd, sizeof(odd));
		assert_true(mp_flow_mss_clamp(t.buf, &t.pi, 1220));
		assert_int_equal(mss_at(&t, 1), 1220);
		assert_cksums_exact(&t, false);

		/* Already below: left alone. */
		build_syn(&t, family, RTE_TCP_SYN_FLAG, small, sizeof(small));
		orig = t;
		assert_false(mp_flow_mss_clamp(t.buf, &t.pi, 1400));
		assert_memory_equal(t.buf, orig.buf, t.len);

		/* Absent, or no options at all. */
		build_syn(&t, family, RTE_TCP_SYN_FLAG, absent, sizeof(absent));
		orig = t;
		assert_false(mp_flow_mss_clamp(t.buf, &t.pi, 536));
		assert_memory_equal(t.buf, orig.buf, t.len);
		build_syn(&t, family, RTE_TCP_SYN_FLAG, NULL, 0);
		assert_false(mp_flow_mss_clamp(t.buf, &t.pi, 536));

		/* Not a SYN. */
		build_syn(&t, family, RTE_TCP_ACK_FLAG, even, sizeof(even));
		orig = t;
		assert_false(mp_flow_mss_clamp(t.buf, &t.pi, 536));
		assert_memory_equal(t.buf, orig.buf, t.len);
	}
}

static void
test_mss_malformed(void **state)
{
	static const struct {
		uint8_t opts[12];
		uint32_t len;
	} bad[] = {
	        {{2, 3, 0x05, 0xb4}, 4},                     /* MSS with length 3 */
	        {{2, 5, 0x05, 0xb4}, 4},                     /* MSS longer than the options */
	        {{1, 1, 1, 2}, 4},                           /* kind in the last byte, no length */
	        {{8, 0, 2, 4, 0x05, 0xb4, 1, 1}, 8},         /* length 0 before the MSS */
	        {{8, 1, 2, 4, 0x05, 0xb4, 1, 1}, 8},         /* length 1 before the MSS */
	        {{0, 1, 1, 1, 2, 4, 0x05, 0xb4}, 8},         /* EOL before the MSS */
	        {{1, 8, 12, 1, 2, 3, 4, 5, 6, 7, 2, 4}, 12}, /* option running past the end */
	};
	static struct tpkt t, orig;
	unsigned int i;

	(void)state;
	rng_state = SEED + 3;
	for (i = 0; i < RTE_DIM(bad); i++) {
		build_syn(&t, AF_INET, RTE_TCP_SYN_FLAG, bad[i].opts, bad[i].len);
		orig = t;
		assert_false(mp_flow_mss_clamp(t.buf, &t.pi, 536));
		assert_memory_equal(t.buf, orig.buf, t.len);
	}
	/* Random option bytes: whatever the walk decides, checksums stay exact. */
	for (i = 0; i < MSS_ROUNDS; i++) {
		uint8_t opts[40];
		uint32_t j, len = 4 * (1 + rnd_below(10));

		for (j = 0; j < len; j++)
			opts[j] = (uint8_t)(rnd_below(4) == 0 ? 2 : rnd_below(12));
		build_syn(&t, rnd_below(2) ? AF_INET : AF_INET6, RTE_TCP_SYN_FLAG, opts, len);
		mp_flow_mss_clamp(t.buf, &t.pi, (uint16_t)(536 + rnd_below(1000)));
		assert_cksums_exact(&t, false);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Tables, wheels and callbacks shared by the table tests                                    */

static struct mp_conf conf;
static struct mp_timer_wheel *wheel;
static struct mp_flow_table *table;
static unsigned int name_seq;
static uint64_t now;

/* What the callbacks saw. */
static struct {
	uint64_t expired;
	uint8_t *per_flow; /* [BIG_FLOWS] expiry count by f->endpoint */
	unsigned int events;
	enum mp_flow_event last_event;
	uint64_t event_tsc;
} rec;

static void
rec_expire(struct mp_flow *f, void *arg)
{
	assert_ptr_equal(arg, &rec);
	assert_true(f->flags & MP_FLOW_F_USED);
	rec.expired++;
	if (rec.per_flow != NULL) {
		assert_true(f->endpoint < BIG_FLOWS);
		rec.per_flow[f->endpoint]++;
	}
}

static void
rec_event(struct mp_flow *f, enum mp_flow_event ev, void *arg)
{
	(void)f;
	assert_ptr_equal(arg, &rec);
	rec.events++;
	rec.last_event = ev;
	rec.event_tsc = now;
}

static struct mp_flow_table *
make_table(uint32_t max_flows)
{
	struct mp_flow_params p;
	char name[RTE_HASH_NAMESIZE];

	memset(&p, 0, sizeof(p));
	mp_flow_params_from_conf(&p, &conf, T_HZ);
	snprintf(name, sizeof(name), "test_flow_%u", name_seq++);
	p.name = name;
	p.socket_id = SOCKET_ID_ANY;
	p.max_flows = max_flows;
	p.wheel = wheel;
	p.on_expire = rec_expire;
	p.on_event = rec_event;
	p.arg = &rec;
	return mp_flow_table_create(&p);
}

static int
table_setup(void **state)
{
	(void)state;
	memset(&rec, 0, sizeof(rec));
	now = T0;
	wheel = mp_timer_wheel_create("test_flow_wheel", SOCKET_ID_ANY, T_TICK, now);
	assert_non_null(wheel);
	table = make_table(1024);
	assert_non_null(table);
	return 0;
}

static int
table_teardown(void **state)
{
	(void)state;
	mp_flow_table_free(table);
	table = NULL;
	assert_int_equal(mp_timer_wheel_count(wheel), 0);
	mp_timer_wheel_free(wheel);
	wheel = NULL;
	free(rec.per_flow);
	rec.per_flow = NULL;
	return 0;
}

/* Move the clock to t and run every timer due by then. */
static void
advance(uint64_t t)
{
	assert_true(t >= now);
	now = t;
	while (mp_timer_wheel_advance(wheel, now, UINT_MAX) > 0)
		;
}

static struct mp_flow *
lookup1(const struct mp_flow_key *k, uint8_t *dir)
{
	const struct mp_flow_key *keys[1] = {k};
	struct mp_flow *f;
	uint8_t d;

	mp_flow_lookup_bulk(table, keys, 1, &f, dir != NULL ? dir : &d);
	return f;
}

/* The tuple an IPv4 packet with key k carries, laid out as in the packet's headers. */
static void
tuple_of_key(const struct mp_flow_key *k, struct mp_flow_tuple4 *tu)
{
	uint8_t ip[IP4_LEN] = {0}, l4[4];

	assert_int_equal(k->family, AF_INET);
	memcpy(ip + 12, k->src, 4);
	memcpy(ip + 16, k->dst, 4);
	memcpy(l4, &k->sport, 2);
	memcpy(l4 + 2, &k->dport, 2);
	mp_flow_tuple4_from_pkt(tu, ip, l4, k->proto);
}

/* mp_flow_lookup4_bulk() of IPv4 key k: must answer as lookup1(). */
static struct mp_flow *
lookup1_4(const struct mp_flow_key *k, uint8_t *dir)
{
	struct mp_flow_tuple4 tu;
	struct mp_flow *f;
	uint8_t d;

	tuple_of_key(k, &tu);
	mp_flow_lookup4_bulk(table, &tu, 1, &f, dir != NULL ? dir : &d);
	return f;
}

/* ---------------------------------------------------------------------------------------- */
/* The table                                                                                 */

/*
 * Flow i of the big table: client -> VIP and endpoint -> SNAT address:port, every fourth over
 * IPv6, alternately UDP and TCP. Client addresses and SNAT ports are unique by i.
 */
static void
big_keys(uint32_t i, struct mp_flow_key *o, struct mp_flow_key *r)
{
	int family = (i & 3) == 3 ? AF_INET6 : AF_INET;
	uint8_t proto = (i & 1) ? IPPROTO_TCP : IPPROTO_UDP;
	uint8_t client[16] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
	uint8_t vip[16] = {192, 0, 2, 1};
	uint8_t ep[16] = {172, 16, (uint8_t)(i % 16), 1};
	uint8_t snat[16] = {100, 64, (uint8_t)(i >> 16), 1};

	if (family == AF_INET6) {
		/* The same bytes after a 2001:db8:: prefix. */
		uint8_t *a[] = {client, vip, ep, snat};
		unsigned int j;

		for (j = 0; j < RTE_DIM(a); j++) {
			memmove(a[j] + 12, a[j], 4);
			memset(a[j], 0, 12);
			a[j][0] = 0x20;
			a[j][1] = 0x01;
			a[j][2] = 0x0d;
			a[j][3] = 0xb8;
		}
	}
	mp_flow_key_set(o, family, proto, client, vip, rte_cpu_to_be_16(40000),
	                rte_cpu_to_be_16(80));
	mp_flow_key_set(r, family, proto, ep, snat, rte_cpu_to_be_16(8080),
	                rte_cpu_to_be_16((uint16_t)i));
}

static void
big_fill(struct mp_flow **flows)
{
	uint32_t i;

	for (i = 0; i < BIG_FLOWS; i++) {
		struct mp_flow_key o, r;
		struct mp_flow *f;

		big_keys(i, &o, &r);
		f = mp_flow_create(table, &o, &r, now);
		assert_non_null(f);
		f->endpoint = i;
		flows[i] = f;
	}
	assert_int_equal(mp_flow_count(table), BIG_FLOWS);
}

/* Look every flow up from both directions, BURST keys at a time; want NULL or flows[]. */
static void
big_lookup(struct mp_flow *const *flows, bool want_hit)
{
	static struct mp_flow_key keys[2 * BURST];
	const struct mp_flow_key *kp[2 * BURST];
	struct mp_flow *out[2 * BURST], *out4[2 * BURST];
	uint8_t dir[2 * BURST], dir4[2 * BURST];
	struct mp_flow_tuple4 tu[2 * BURST];
	uint32_t i, j, n4, want[2 * BURST];

	for (i = 0; i < BIG_FLOWS; i += BURST) {
		for (j = 0; j < BURST; j++) {
			big_keys(i + j, &keys[2 * j], &keys[2 * j + 1]);
			kp[2 * j] = &keys[2 * j];
			kp[2 * j + 1] = &keys[2 * j + 1];
		}
		assert_int_equal(mp_flow_lookup_bulk(table, kp, 2 * BURST, out, dir),
		                 want_hit ? 2 * BURST : 0);
		for (j = 0; j < 2 * BURST; j++) {
			if (!want_hit) {
				assert_null(out[j]);
				continue;
			}
			assert_ptr_equal(out[j], flows[i + j / 2]);
			assert_int_equal(dir[j], j % 2 ? MP_FLOW_DIR_REPLY : MP_FLOW_DIR_ORIG);
		}
		/* The IPv4 ones by their tuples, as packets carry them: the same answers. */
		for (j = 0, n4 = 0; j < 2 * BURST; j++)
			if (keys[j].family == AF_INET) {
				tuple_of_key(&keys[j], &tu[n4]);
				want[n4++] = j;
			}
		assert_int_equal(mp_flow_lookup4_bulk(table, tu, n4, out4, dir4),
		                 want_hit ? n4 : 0);
		for (j = 0; j < n4; j++) {
			assert_ptr_equal(out4[j], out[want[j]]);
			assert_int_equal(dir4[j], dir[want[j]]);
		}
	}
}

static void
test_table_million(void **state)
{
	struct mp_flow **flows = calloc(BIG_FLOWS, sizeof(*flows));
	struct mp_flow_key o, r;
	uint32_t i;

	(void)state;
	assert_non_null(flows);
	rec.per_flow = calloc(BIG_FLOWS, 1);
	assert_non_null(rec.per_flow);
	mp_flow_table_free(table);
	table = make_table(BIG_FLOWS);
	assert_non_null(table);

	big_fill(flows);
	assert_int_equal(mp_timer_wheel_count(wheel), BIG_FLOWS);
	big_lookup(flows, true);

	/* Full: refused and counted, nothing changes. */
	big_keys(BIG_FLOWS, &o, &r);
	assert_null(mp_flow_create(table, &o, &r, now));
	assert_int_equal(rte_errno, ENOSPC);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_FULL], 1);

	/*
	 * TCP flows without a segment were armed for connect_fail: there they find no SYN to
	 * report and re-arm for the rest of the SYN timeout. Nothing expires yet.
	 */
	advance(now + T_CF - 1);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_REARMED], 0);
	advance(T0 + T_CF + T_TICK);
	assert_int_equal(rec.expired, 0);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_REARMED], BIG_FLOWS / 2);
	assert_int_equal(mp_timer_wheel_count(wheel), BIG_FLOWS);
	/* Past every timeout: UDP after udp, TCP after syn. */
	advance(T0 + RTE_MAX(T_UDP, T_SYN) + T_TICK);
	assert_int_equal(rec.expired, BIG_FLOWS);
	for (i = 0; i < BIG_FLOWS; i++)
		assert_int_equal(rec.per_flow[i], 1);
	assert_int_equal(mp_flow_count(table), 0);
	assert_int_equal(mp_timer_wheel_count(wheel), 0);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_EXPIRED], BIG_FLOWS);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_REARMED], BIG_FLOWS / 2);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_CONNECT_TIMEOUT], 0);
	big_lookup(flows, false);

	/* Refill: every entry and every hash slot came back. */
	big_fill(flows);
	big_lookup(flows, true);
	assert_null(mp_flow_create(table, &o, &r, now));
	free(flows);
}

static void
test_table_create_refused(void **state)
{
	struct mp_flow_key o, r, x, y;
	const uint64_t *st = mp_flow_stats(table);

	(void)state;
	/* Flows 1, 5, 9 and 13 are all TCP over IPv4; 7 is TCP over IPv6. */
	big_keys(1, &o, &r);
	assert_non_null(mp_flow_create(table, &o, &r, now));

	/* Either key already tracked: the caller must pick another SNAT port. */
	big_keys(5, &x, &y);
	assert_null(mp_flow_create(table, &o, &y, now));
	assert_int_equal(rte_errno, EEXIST);
	big_keys(9, &x, &y);
	assert_null(mp_flow_create(table, &x, &r, now));
	assert_int_equal(rte_errno, EEXIST);
	/* Both directions the same key. */
	assert_null(mp_flow_create(table, &x, &x, now));
	assert_int_equal(rte_errno, EEXIST);
	assert_int_equal(st[MP_FLOW_STAT_COLLISION], 3);

	/* Mixed families, mixed protocols, ICMP. */
	big_keys(7, &x, &y);
	big_keys(13, &o, &r);
	assert_null(mp_flow_create(table, &o, &y, now));
	assert_int_equal(rte_errno, EINVAL);
	r.proto = IPPROTO_UDP;
	assert_null(mp_flow_create(table, &o, &r, now));
	assert_int_equal(rte_errno, EINVAL);
	o.proto = r.proto = IPPROTO_ICMP;
	assert_null(mp_flow_create(table, &o, &r, now));
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(st[MP_FLOW_STAT_INVALID], 3);
	assert_int_equal(mp_flow_count(table), 1);
	assert_int_equal(st[MP_FLOW_STAT_CREATED], 1);
}

static void
test_table_full_small(void **state)
{
	struct mp_flow *f[4];
	struct mp_flow_key o, r;
	uint32_t i;

	(void)state;
	mp_flow_table_free(table);
	table = make_table(4);
	assert_non_null(table);
	for (i = 0; i < 4; i++) {
		big_keys(i, &o, &r);
		f[i] = mp_flow_create(table, &o, &r, now);
		assert_non_null(f[i]);
	}
	big_keys(4, &o, &r);
	assert_null(mp_flow_create(table, &o, &r, now));
	assert_int_equal(rte_errno, ENOSPC);

	/* Destroy frees the entry at once, without a callback; the keys are gone. */
	big_keys(2, &o, &r);
	mp_flow_destroy(table, f[2]);
	assert_null(lookup1(&o, NULL));
	assert_null(lookup1(&r, NULL));
	assert_int_equal(rec.expired, 0);
	assert_int_equal(mp_timer_wheel_count(wheel), 3);
	big_keys(4, &o, &r);
	assert_ptr_equal(mp_flow_create(table, &o, &r, now), f[2]);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_DESTROYED], 1);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_FULL], 1);
}

/* Keys with stray bytes where the hash wants zeros are stored canonical, so nothing leaks. */
static void
test_table_key_canonical(void **state)
{
	struct mp_flow_key o, r, clean;
	struct mp_flow *f;
	uint8_t dir;

	(void)state;
	big_keys(0, &o, &r);
	clean = o;
	o.pad = 0xabcd;
	o.src[7] = 0x55; /* IPv4: past the address */
	f = mp_flow_create(table, &o, &r, now);
	assert_non_null(f);
	assert_ptr_equal(lookup1(&clean, &dir), f);
	assert_int_equal(dir, MP_FLOW_DIR_ORIG);
	assert_ptr_equal(lookup1(&r, &dir), f);
	assert_int_equal(dir, MP_FLOW_DIR_REPLY);
	mp_flow_destroy(table, f);
	assert_null(lookup1(&clean, NULL));
	assert_int_equal(mp_flow_count(table), 0);
}

static int
count_fn(struct mp_flow *f, void *arg)
{
	unsigned int *n = arg;

	(*n)++;
	/* Destroying the flow being visited is allowed. */
	if (f->endpoint == 1)
		mp_flow_destroy(table, f);
	return 0;
}

static void
test_table_walk_stats(void **state)
{
	struct mp_flow_key o, r;
	unsigned int i, n = 0;

	(void)state;
	for (i = 0; i < 3; i++) {
		big_keys(i, &o, &r);
		mp_flow_create(table, &o, &r, now)->endpoint = i;
	}
	mp_flow_walk(table, count_fn, &n);
	assert_int_equal(n, 3);
	assert_int_equal(mp_flow_count(table), 2);
	assert_string_equal(mp_flow_stat_name(MP_FLOW_STAT_CREATED), "flows_created");
	assert_string_equal(mp_flow_stat_name(MP_FLOW_STAT_MAX), "?");
	for (i = 0; i < MP_FLOW_STAT_MAX; i++)
		assert_true(strlen(mp_flow_stat_name(i)) > 0);
}

static void
test_table_params_invalid(void **state)
{
	struct mp_flow_params p;

	(void)state;
	memset(&p, 0, sizeof(p));
	mp_flow_params_from_conf(&p, &conf, T_HZ);
	assert_int_equal(p.syn_tsc, T_SYN);
	assert_int_equal(p.established_tsc, T_EST);
	assert_int_equal(p.connect_fail_tsc, T_CF);
	p.name = "test_flow_bad";
	p.wheel = wheel;
	p.max_flows = 0;
	assert_null(mp_flow_table_create(&p));
	assert_int_equal(rte_errno, EINVAL);
	p.max_flows = 16;
	p.wheel = NULL;
	assert_null(mp_flow_table_create(&p));
	assert_null(mp_flow_table_create(NULL));
}

/*
 * Churn on a small table: random creates and destroys, every live flow found from both
 * directions after each step and every destroyed one gone. Buckets at half load overflow now
 * and then, so the spill path (keys stored past a full home bucket) is exercised; at the end,
 * an empty index has no slot used and no spill left.
 */
#define CHURN_FLOWS 64
#define CHURN_STEPS 20000

static void
churn_keys(uint32_t id, struct mp_flow_key *o, struct mp_flow_key *r)
{
	uint8_t client[16] = {10, 9, (uint8_t)(id >> 8), (uint8_t)id};
	uint8_t vip[16] = {192, 0, 2, 1}, ep[16] = {172, 16, 0, 1}, snat[16] = {192, 0, 2, 2};

	mp_flow_key_set(o, AF_INET, IPPROTO_UDP, client, vip, rte_cpu_to_be_16(1000), 53);
	mp_flow_key_set(r, AF_INET, IPPROTO_UDP, ep, snat, 53,
	                rte_cpu_to_be_16((uint16_t)(5000 + id)));
}

static void
test_table_churn(void **state)
{
	struct mp_flow *live[4 * CHURN_FLOWS] = {NULL};
	struct mp_flow_key o, r;
	unsigned int step, id, spilled = 0, n_live = 0;
	uint32_t b;

	(void)state;
	mp_flow_table_free(table);
	table = make_table(CHURN_FLOWS);
	assert_non_null(table);
	rng_state = SEED + 29;
	for (step = 0; step < CHURN_STEPS; step++) {
		id = (unsigned int)(rnd() % RTE_DIM(live));
		churn_keys(id, &o, &r);
		if (live[id] != NULL) {
			mp_flow_destroy(table, live[id]);
			live[id] = NULL;
			n_live--;
		} else if (n_live < CHURN_FLOWS) {
			live[id] = mp_flow_create(table, &o, &r, now);
			assert_non_null(live[id]);
			n_live++;
		}
		for (id = 0; id < RTE_DIM(live); id++) {
			uint8_t d;

			churn_keys(id, &o, &r);
			assert_ptr_equal(lookup1(&o, &d), live[id]);
			if (live[id] != NULL)
				assert_int_equal(d, MP_FLOW_DIR_ORIG);
			assert_ptr_equal(lookup1(&r, &d), live[id]);
			if (live[id] != NULL)
				assert_int_equal(d, MP_FLOW_DIR_REPLY);
		}
		for (b = 0; b <= table->index.mask; b++)
			spilled += table->index.b[b].spill != 0;
	}
	assert_true(spilled > 0);
	for (id = 0; id < RTE_DIM(live); id++)
		if (live[id] != NULL)
			mp_flow_destroy(table, live[id]);
	assert_int_equal(mp_flow_count(table), 0);
	for (b = 0; b <= table->index.mask; b++) {
		assert_int_equal(table->index.b[b].used, 0);
		assert_int_equal(table->index.b[b].spill, 0);
	}
}

/*
 * Keys crafted to share one home bucket (CRC32 is linear: an attacker who picks source
 * addresses and ports can do it) fill at most FLOW_HASH_MAX_PROBE buckets; the next such flow
 * is refused and counted, every flow already in is still found, and other flows still open.
 */
static void
test_table_chain_bounded(void **state)
{
	const unsigned int cap = FLOW_HASH_MAX_PROBE * FLOW_HASH_SLOTS;
	struct mp_flow_key o, r, other_o, other_r;
	struct mp_flow *f[2 * FLOW_HASH_MAX_PROBE * FLOW_HASH_SLOTS];
	uint32_t target = 0, id, n = 0, refused = 0;
	unsigned int i;

	(void)state;
	mp_flow_table_free(table);
	table = make_table(4096);
	assert_non_null(table);
	for (id = 0; n < RTE_DIM(f) && id < (1u << 24); id++) {
		uint8_t client[16] = {10, (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
		uint8_t vip[16] = {192, 0, 2, 1}, ep[16] = {172, 16, 0, 1};
		uint8_t snat[16] = {192, 0, 2, (uint8_t)(2 + n / 60000)};

		mp_flow_key_set(&o, AF_INET, IPPROTO_TCP, client, vip, rte_cpu_to_be_16(4000), 80);
		if (n == 0)
			target = flow_key_hash(&o) & table->index.mask;
		else if ((flow_key_hash(&o) & table->index.mask) != target)
			continue;
		mp_flow_key_set(&r, AF_INET, IPPROTO_TCP, ep, snat, 80,
		                rte_cpu_to_be_16((uint16_t)(1024 + n)));
		f[n] = mp_flow_create(table, &o, &r, now);
		if (f[n] == NULL) {
			assert_int_equal(rte_errno, ENOSPC);
			refused++;
		}
		n++;
	}
	assert_int_equal(n, RTE_DIM(f));
	/* Every crafted flow beyond the chain's room is refused (more when a reply key happens to
	 * take a slot of the chain too). */
	assert_true(refused >= RTE_DIM(f) - cap);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_CHAIN_FULL], refused);
	for (i = 0; i < n; i++) {
		if (f[i] == NULL)
			continue;
		mp_flow_key_of(f[i], MP_FLOW_DIR_ORIG, &o);
		mp_flow_key_of(f[i], MP_FLOW_DIR_REPLY, &r);
		assert_ptr_equal(lookup1(&o, NULL), f[i]);
		assert_ptr_equal(lookup1(&r, NULL), f[i]);
		/* Most of the chain lives past its home bucket: found by tuple all the same. */
		assert_ptr_equal(lookup1_4(&o, NULL), f[i]);
		assert_ptr_equal(lookup1_4(&r, NULL), f[i]);
	}
	churn_keys(7, &other_o, &other_r);
	assert_non_null(mp_flow_create(table, &other_o, &other_r, now));
}

/* ---------------------------------------------------------------------------------------- */
/* TCP and UDP state tracking                                                                */

/* One connection through the balancer: client -> VIP, endpoint -> SNAT. */
struct conn {
	int family;
	uint8_t proto;
	uint8_t client[16], vip[16], ep[16], snat[16];
	uint16_t cport, vport, eport, sport;
	struct mp_flow *f;
};

static struct conn c;

static void
conn_init(int family, uint8_t proto)
{
	struct mp_flow_key o, r;

	memset(&c, 0, sizeof(c));
	c.family = family;
	c.proto = proto;
	rnd_addr(family, c.client);
	rnd_addr(family, c.vip);
	rnd_addr(family, c.ep);
	rnd_addr(family, c.snat);
	c.cport = 40001;
	c.vport = 80;
	c.eport = 8080;
	c.sport = 1025;
	mp_flow_key_set(&o, family, proto, c.client, c.vip, rte_cpu_to_be_16(c.cport),
	                rte_cpu_to_be_16(c.vport));
	mp_flow_key_set(&r, family, proto, c.ep, c.snat, rte_cpu_to_be_16(c.eport),
	                rte_cpu_to_be_16(c.sport));
	c.f = mp_flow_create(table, &o, &r, now);
	assert_non_null(c.f);
}

/* A packet of the connection in direction dir, as it arrives (before NAT). */
static void
conn_pkt(struct tpkt *t, unsigned int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	struct spec s;

	memset(&s, 0, sizeof(s));
	s.family = c.family;
	s.proto = c.proto;
	memcpy(s.src, dir == MP_FLOW_DIR_ORIG ? c.client : c.ep, 16);
	memcpy(s.dst, dir == MP_FLOW_DIR_ORIG ? c.vip : c.snat, 16);
	s.sport = dir == MP_FLOW_DIR_ORIG ? c.cport : c.eport;
	s.dport = dir == MP_FLOW_DIR_ORIG ? c.vport : c.sport;
	s.tcp_flags = flags;
	s.seq = seq;
	s.ack = ack;
	s.payload = len;
	build(&s, t);
}

/* Send one segment through lookup and tracking; the lookup must find the flow and dir. */
static enum mp_flow_event
seg(unsigned int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	static struct tpkt t;
	struct mp_flow_key k;
	uint8_t d;

	conn_pkt(&t, dir, flags, seq, ack, len);
	assert_true(mp_flow_key_from_pkt(&k, t.buf, &t.pi));
	assert_ptr_equal(lookup1(&k, &d), c.f);
	assert_int_equal(d, dir);
	if (c.family == AF_INET) {
		struct mp_flow_tuple4 tu;
		struct mp_flow *f;

		mp_flow_tuple4_from_pkt(&tu, t.buf + t.pi.l3_off, t.buf + t.pi.l4_off, c.proto);
		assert_int_equal(mp_flow_lookup4_bulk(table, &tu, 1, &f, &d), 1);
		assert_ptr_equal(f, c.f);
		assert_int_equal(d, dir);
	}
	return mp_flow_track(table, c.f, dir, t.buf, &t.pi, now);
}

static bool
conn_alive(void)
{
	struct mp_flow_key k;

	mp_flow_key_set(&k, c.family, c.proto, c.client, c.vip, rte_cpu_to_be_16(c.cport),
	                rte_cpu_to_be_16(c.vport));
	return lookup1(&k, NULL) != NULL;
}

/* The flow lives until exactly due (to the tick), then expires with one callback. */
static void
assert_expires_at(uint64_t due)
{
	uint64_t before = rec.expired;

	advance(due - 1);
	assert_true(conn_alive());
	advance(due + T_TICK);
	assert_false(conn_alive());
	assert_int_equal(rec.expired, before + 1);
	assert_int_equal(mp_flow_count(table), 0);
}

#define ORIG  MP_FLOW_DIR_ORIG
#define REPLY MP_FLOW_DIR_REPLY
#define SYN   RTE_TCP_SYN_FLAG
#define ACK   RTE_TCP_ACK_FLAG
#define FIN   RTE_TCP_FIN_FLAG
#define RST   RTE_TCP_RST_FLAG
#define PSH   RTE_TCP_PSH_FLAG
#define C_ISN 1000u
#define S_ISN 0xfffffff0u /* the server's sequence numbers wrap during the test */

/*
 * SYN, SYN-ACK, ACK: the health event is CONNECT_OK, on the client's ACK. The timer stays
 * where the SYN put it (connect_fail), earlier than the established timeout.
 */
static void
handshake(void)
{
	uint64_t t_syn = now;

	assert_int_equal(seg(ORIG, SYN, C_ISN, 0, 0), MP_FLOW_EV_NONE);
	assert_int_equal(c.f->state, MP_FLOW_S_SYN_SENT);
	assert_int_equal(c.f->armed_tsc, now + T_CF);
	now += T_MS(1);
	assert_int_equal(seg(REPLY, SYN | ACK, S_ISN, C_ISN + 1, 0), MP_FLOW_EV_NONE);
	assert_int_equal(c.f->state, MP_FLOW_S_SYN_RECV);
	now += T_MS(1);
	assert_int_equal(seg(ORIG, ACK, C_ISN + 1, S_ISN + 1, 0), MP_FLOW_EV_CONNECT_OK);
	assert_int_equal(c.f->state, MP_FLOW_S_ESTABLISHED);
	assert_int_equal(c.f->armed_tsc, t_syn + T_CF);
}

/* Let the connect_fail deadline pass: the timer finds the flow established and re-arms. */
static void
settle(void)
{
	uint64_t rearmed = mp_flow_stats(table)[MP_FLOW_STAT_REARMED];

	advance(c.f->created_tsc + T_CF + T_TICK);
	assert_true(conn_alive());
	assert_int_equal(c.f->armed_tsc, c.f->last_tsc + T_EST);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_REARMED], rearmed + 1);
}

static void
test_tcp_open_close(void **state)
{
	uint64_t armed_before;
	int fam;

	(void)state;
	rng_state = SEED + 4;
	for (fam = 0; fam < 2; fam++) {
		conn_init(fam == 0 ? AF_INET : AF_INET6, IPPROTO_TCP);
		handshake();
		/* Data both ways: counters and refresh, no state change, no timer touched. */
		armed_before = c.f->armed_tsc;
		now += T_MS(5);
		assert_int_equal(seg(ORIG, ACK | PSH, C_ISN + 1, S_ISN + 1, 100), MP_FLOW_EV_NONE);
		assert_int_equal(seg(REPLY, ACK | PSH, S_ISN + 1, C_ISN + 101, 200),
		                 MP_FLOW_EV_NONE);
		assert_int_equal(c.f->armed_tsc, armed_before);
		assert_int_equal(c.f->last_tsc, now);
		assert_int_equal(mp_flow_pkts(c.f, ORIG), 3);
		assert_int_equal(mp_flow_pkts(c.f, REPLY), 2);

		/* The early deadline fires, finds the flow established and re-arms lazily. */
		settle();

		/* Client closes: FIN_WAIT arms fin at once (sooner than established). */
		now += T_MS(1);
		seg(ORIG, FIN | ACK, C_ISN + 101, S_ISN + 201, 0);
		assert_int_equal(c.f->state, MP_FLOW_S_FIN_WAIT);
		assert_int_equal(c.f->armed_tsc, now + T_FIN);
		/* An ACK short of the FIN does not acknowledge it. */
		seg(REPLY, ACK, S_ISN + 201, C_ISN + 101, 0);
		assert_int_equal(c.f->state, MP_FLOW_S_FIN_WAIT);
		seg(REPLY, ACK, S_ISN + 201, C_ISN + 102, 0);
		assert_int_equal(c.f->state, MP_FLOW_S_CLOSE_WAIT);
		seg(REPLY, FIN | ACK, S_ISN + 201, C_ISN + 102, 0);
		assert_int_equal(c.f->state, MP_FLOW_S_LAST_ACK);
		now += T_MS(1);
		seg(ORIG, ACK, C_ISN + 102, S_ISN + 202, 0);
		assert_int_equal(c.f->state, MP_FLOW_S_TIME_WAIT);
		assert_int_equal(c.f->armed_tsc, now + T_CLOSE);
		assert_expires_at(now + T_CLOSE);
	}
	assert_int_equal(rec.events, 0); /* OK comes back from mp_flow_track(), not the callback */
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_CONNECT_OK], 2);
}

static void
test_tcp_simultaneous_close(void **state)
{
	(void)state;
	rng_state = SEED + 5;
	conn_init(AF_INET, IPPROTO_TCP);
	handshake();
	settle();
	now += T_MS(10);
	seg(ORIG, FIN | ACK, C_ISN + 1, S_ISN + 1, 0);
	assert_int_equal(c.f->state, MP_FLOW_S_FIN_WAIT);
	/* The endpoint's FIN crosses the client's: it does not acknowledge it yet. */
	seg(REPLY, FIN | ACK, S_ISN + 1, C_ISN + 1, 0);
	assert_int_equal(c.f->state, MP_FLOW_S_LAST_ACK);
	/* Same timeout as FIN_WAIT, entered at the same time: the timer stays where it is. */
	assert_int_equal(c.f->armed_tsc, now + T_FIN);
	seg(ORIG, ACK, C_ISN + 2, S_ISN + 2, 0);
	assert_int_equal(c.f->state, MP_FLOW_S_LAST_ACK);
	now += T_MS(1);
	seg(REPLY, ACK, S_ISN + 2, C_ISN + 2, 0);
	assert_int_equal(c.f->state, MP_FLOW_S_TIME_WAIT);
	assert_int_equal(c.f->armed_tsc, now + T_CLOSE);
	assert_expires_at(now + T_CLOSE);

	/* Port reuse: a new SYN on a closed flow opens it again. */
	rng_state = SEED + 6;
	conn_init(AF_INET, IPPROTO_TCP);
	handshake();
	settle();
	seg(ORIG, RST, C_ISN + 1, 0, 0);
	assert_int_equal(c.f->armed_tsc, now + T_CLOSE);
	assert_int_equal(c.f->state, MP_FLOW_S_CLOSE);
	now += T_MS(100);
	seg(ORIG, SYN, C_ISN + 7777, 0, 0);
	assert_int_equal(c.f->state, MP_FLOW_S_SYN_SENT);
	assert_int_equal(c.f->armed_tsc, now + T_CF);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_REOPENED], 1);
	assert_int_equal(c.f->tcp[ORIG], MP_FLOW_TCP_SYN);
	assert_int_equal(c.f->tcp[REPLY], 0);
}

static void
test_tcp_rst(void **state)
{
	(void)state;
	rng_state = SEED + 7;
	conn_init(AF_INET6, IPPROTO_TCP);
	handshake();
	settle();
	now += T_MS(500);
	/* Established: any RST closes, and the close timeout is armed at once. */
	assert_int_equal(seg(REPLY, RST, S_ISN + 1, 0, 0), MP_FLOW_EV_NONE);
	assert_int_equal(c.f->state, MP_FLOW_S_CLOSE);
	assert_int_equal(c.f->armed_tsc, now + T_CLOSE);
	assert_true(c.f->tcp[REPLY] & MP_FLOW_TCP_RST);
	/* Stragglers after the RST keep the flow in CLOSE, refreshing it. */
	now += T_MS(2);
	seg(ORIG, ACK, C_ISN + 1, S_ISN + 1, 10);
	assert_int_equal(c.f->state, MP_FLOW_S_CLOSE);
	assert_expires_at(now + T_CLOSE);
	assert_int_equal(rec.events, 0);
}

static void
test_tcp_refused(void **state)
{
	(void)state;
	rng_state = SEED + 8;
	conn_init(AF_INET, IPPROTO_TCP);
	assert_int_equal(seg(ORIG, SYN, C_ISN, 0, 0), MP_FLOW_EV_NONE);
	now += T_MS(1);
	/* A RST that does not acknowledge the SYN is not an answer (RFC 9293 3.10.7.3). */
	assert_int_equal(seg(REPLY, RST | ACK, 0, C_ISN + 5, 0), MP_FLOW_EV_NONE);
	assert_int_equal(c.f->state, MP_FLOW_S_SYN_SENT);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_HANDSHAKE_BAD], 1);
	/* Nor is a SYN-ACK for another SYN. */
	assert_int_equal(seg(REPLY, SYN | ACK, S_ISN, C_ISN + 9, 0), MP_FLOW_EV_NONE);
	assert_int_equal(c.f->state, MP_FLOW_S_SYN_SENT);
	/* The endpoint refuses: passive failure, once. */
	assert_int_equal(seg(REPLY, RST | ACK, 0, C_ISN + 1, 0), MP_FLOW_EV_CONNECT_RST);
	assert_int_equal(c.f->state, MP_FLOW_S_CLOSE);
	/* Close is later than the connect_fail deadline still armed: that one fires first. */
	assert_int_equal(c.f->armed_tsc, c.f->created_tsc + T_CF);
	assert_int_equal(seg(REPLY, RST | ACK, 0, C_ISN + 1, 0), MP_FLOW_EV_NONE);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_CONNECT_RST], 1);
	/* No connect timeout afterwards: the SYN was answered. */
	assert_expires_at(now + T_CLOSE);
	assert_int_equal(rec.events, 0);

	/* A RST after the SYN-ACK (in SYN_RECV) is a refusal too when it follows the SYN-ACK. */
	conn_init(AF_INET, IPPROTO_TCP);
	seg(ORIG, SYN, C_ISN, 0, 0);
	seg(REPLY, SYN | ACK, S_ISN, C_ISN + 1, 0);
	assert_int_equal(seg(REPLY, RST, S_ISN + 5, 0, 0), MP_FLOW_EV_NONE);
	assert_int_equal(c.f->state, MP_FLOW_S_SYN_RECV);
	assert_int_equal(seg(REPLY, RST, S_ISN + 1, 0, 0), MP_FLOW_EV_CONNECT_RST);
	assert_int_equal(c.f->state, MP_FLOW_S_CLOSE);
	mp_flow_destroy(table, c.f);
}

static void
test_tcp_syn_timeout(void **state)
{
	uint64_t t_syn;

	(void)state;
	rng_state = SEED + 9;
	conn_init(AF_INET, IPPROTO_TCP);
	t_syn = now;
	seg(ORIG, SYN, C_ISN, 0, 0);
	assert_int_equal(c.f->armed_tsc, t_syn + T_CF);
	/* Retransmitted SYNs do not push the deadlines back. */
	now += T_MS(1000);
	seg(ORIG, SYN, C_ISN, 0, 0);
	now += T_MS(1000);
	seg(ORIG, SYN, C_ISN, 0, 0);
	assert_int_equal(c.f->armed_tsc, t_syn + T_CF);
	advance(t_syn + T_CF - 1);
	assert_int_equal(rec.events, 0);
	advance(t_syn + T_CF + T_TICK);
	assert_int_equal(rec.events, 1);
	assert_int_equal(rec.last_event, MP_FLOW_EV_CONNECT_TIMEOUT);
	assert_true(conn_alive());
	assert_int_equal(c.f->state, MP_FLOW_S_SYN_SENT);
	assert_int_equal(c.f->armed_tsc, t_syn + T_SYN);
	now += T_MS(1000);
	seg(ORIG, SYN, C_ISN, 0, 0);
	/* The flow still goes after the SYN timeout from the first SYN, with no second event. */
	assert_expires_at(t_syn + T_SYN);
	assert_int_equal(rec.events, 1);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_CONNECT_TIMEOUT], 1);
}

static void
test_tcp_midstream_and_udp(void **state)
{
	uint64_t last;
	unsigned int i;

	(void)state;
	rng_state = SEED + 10;
	/* A first segment that is not a SYN: picked up as established, no health event. */
	conn_init(AF_INET, IPPROTO_TCP);
	assert_int_equal(seg(ORIG, ACK | PSH, 5, 7, 100), MP_FLOW_EV_NONE);
	assert_int_equal(c.f->state, MP_FLOW_S_ESTABLISHED);
	assert_true(c.f->flags & MP_FLOW_F_MIDSTREAM);
	advance(now + T_CF + T_TICK);
	assert_int_equal(rec.events, 0);
	assert_int_equal(c.f->armed_tsc, c.f->last_tsc + T_EST);
	mp_flow_destroy(table, c.f);

	/* UDP: every packet refreshes; the flow goes udp after the last one. */
	conn_init(AF_INET6, IPPROTO_UDP);
	assert_int_equal(c.f->state, MP_FLOW_S_UDP);
	assert_int_equal(c.f->armed_tsc, now + T_UDP);
	for (i = 0; i < 5; i++) {
		now += T_UDP / 2;
		advance(now);
		assert_true(conn_alive());
		seg(i % 2 ? REPLY : ORIG, 0, 0, 0, 32);
	}
	last = now;
	assert_int_equal(mp_flow_pkts(c.f, ORIG) + mp_flow_pkts(c.f, REPLY), 5);
	assert_int_equal(mp_flow_bytes(c.f, ORIG), 3 * (IP6_LEN + UDP_LEN + 32));
	assert_expires_at(last + T_UDP);
}

/* The per-packet counters keep 32 bits on the packet's line and carry into the high halves. */
static void
test_counters_carry(void **state)
{
	const uint32_t len = IP4_LEN + UDP_LEN + 100;

	(void)state;
	rng_state = SEED + 11;
	conn_init(AF_INET, IPPROTO_UDP);
	seg(ORIG, 0, 0, 0, 100);
	assert_int_equal(mp_flow_pkts(c.f, ORIG), 1);
	assert_int_equal(mp_flow_bytes(c.f, ORIG), len);
	/* The next packet wraps both low parts of the original direction (16 bits of packets,
	 * 32 of bytes). */
	c.f->pkts_lo[ORIG] = UINT16_MAX;
	c.f->bytes_lo[ORIG] = UINT32_MAX - len + 2;
	seg(ORIG, 0, 0, 0, 100);
	assert_int_equal(mp_flow_pkts(c.f, ORIG), UINT64_C(1) << 16);
	assert_int_equal(mp_flow_bytes(c.f, ORIG), (UINT64_C(1) << 32) + 1);
	seg(ORIG, 0, 0, 0, 100);
	assert_int_equal(mp_flow_pkts(c.f, ORIG), (UINT64_C(1) << 16) + 1);
	assert_int_equal(mp_flow_bytes(c.f, ORIG), (UINT64_C(1) << 32) + 1 + len);
	/* The other direction kept its own. */
	assert_int_equal(mp_flow_pkts(c.f, REPLY), 0);
	seg(REPLY, 0, 0, 0, 100);
	assert_int_equal(mp_flow_pkts(c.f, REPLY), 1);
	assert_int_equal(mp_flow_bytes(c.f, REPLY), len);
	mp_flow_destroy(table, c.f);
}

/* ---------------------------------------------------------------------------------------- */
/* NAT through the flow, and ICMP errors                                                     */

/* Build an ICMP error from src to dst quoting qlen bytes at quote. */
static void
build_icmp_err(struct tpkt *t, int family, const uint8_t *src, const uint8_t *dst, uint8_t type,
               uint8_t code, uint32_t word, const uint8_t *quote, uint32_t qlen)
{
	uint8_t proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	struct spec s;
	uint8_t *q;

	memset(&s, 0, sizeof(s));
	s.family = family;
	memcpy(s.src, src, 16);
	memcpy(s.dst, dst, 16);
	memset(t, 0, sizeof(*t));
	q = put_eth(t->buf, family == AF_INET ? TYPE_IP4 : TYPE_IP6);
	q = put_ip(q, &s, proto, ICMP_HDR + qlen);
	q[0] = type;
	q[1] = code;
	put32(q + 4, word);
	memcpy(q + ICMP_HDR, quote, qlen);
	t->len = (uint32_t)(q + ICMP_HDR + qlen - t->buf);
	parse_ok(t);
	mp_cksum_fill(t->buf, &t->pi);
	assert_int_equal(mp_cksum_verify(t->buf, &t->pi, false, false), MP_DROP_NONE);
}

/*
 * A packet goes through the flow in direction dir and a router past the balancer answers it
 * with an error. The error's key finds the flow in the other direction, and its translation
 * must show the sender its own packet, byte for byte as it sent it, from the address it sent to.
 */
static void
icmp_round_trip(unsigned int dir, uint32_t quote_l4)
{
	static struct tpkt p, p0, e;
	uint8_t router[16];
	struct mp_flow_nat a;
	struct mp_flow_key k;
	uint32_t qlen;
	uint8_t d;
	int v4 = c.family == AF_INET;
	uint8_t type = v4 ? 3 : 2;        /* fragmentation needed / packet too big */
	uint32_t word = v4 ? 1400 : 1280; /* next-hop MTU */

	conn_pkt(&p, dir, ACK | PSH, 77, 88, 300);
	p0 = p;
	assert_true(mp_flow_nat(table, c.f, dir, p.buf, &p.pi));
	assert_int_equal(mp_cksum_verify(p.buf, &p.pi, false, false), MP_DROP_NONE);

	qlen = p.pi.l4_off - p.pi.l3_off + quote_l4;
	rnd_addr(c.family, router);
	build_icmp_err(&e, c.family, router, pkt_src(&p), type, v4 ? 4 : 0, word,
	               p.buf + p.pi.l3_off, qlen);
	assert_true(mp_flow_icmp_key(e.buf, &e.pi, &k));
	assert_ptr_equal(lookup1(&k, &d), c.f);
	assert_int_equal(d, 1 - dir);

	mp_flow_nat_of(c.f, d, &a);
	assert_true(mp_flow_nat_icmp(e.buf, &e.pi, &a));
	assert_int_equal(mp_cksum_verify(e.buf, &e.pi, false, false), MP_DROP_NONE);
	/* From where the sender sent its packet, to the sender. */
	assert_memory_equal(pkt_src(&e), pkt_dst(&p0), mp_flow_addr_len(c.family));
	assert_memory_equal(pkt_dst(&e), pkt_src(&p0), mp_flow_addr_len(c.family));
	assert_int_equal(get16(e.buf + e.pi.l4_off + 6), word & 0xffff);
	/* The quote is the sender's own packet again, checksums included. */
	assert_memory_equal(e.buf + e.pi.l4_off + ICMP_HDR, p0.buf + p0.pi.l3_off, qlen);
}

static void
test_icmp_translate(void **state)
{
	int fam, proto;

	(void)state;
	rng_state = SEED + 11;
	for (fam = 0; fam < 2; fam++) {
		for (proto = 0; proto < 2; proto++) {
			conn_init(fam == 0 ? AF_INET : AF_INET6,
			          proto == 0 ? IPPROTO_TCP : IPPROTO_UDP);
			/* Whole packet quoted, and only the 8 bytes RFC 792 promises. */
			icmp_round_trip(ORIG, (proto == 0 ? TCP_LEN : UDP_LEN) + 300);
			icmp_round_trip(REPLY, (proto == 0 ? TCP_LEN : UDP_LEN) + 300);
			icmp_round_trip(ORIG, 8);
			icmp_round_trip(REPLY, 8);
			mp_flow_destroy(table, c.f);
		}
	}
}

static void
test_icmp_refused(void **state)
{
	static struct tpkt p, e, orig;
	uint8_t router[16];
	struct mp_flow_nat a;
	struct mp_flow_key k;
	uint32_t hl;

	(void)state;
	rng_state = SEED + 12;
	conn_init(AF_INET, IPPROTO_UDP);
	conn_pkt(&p, ORIG, 0, 0, 0, 20);
	hl = p.pi.l4_off - p.pi.l3_off;
	rnd_addr(AF_INET, router);
	mp_flow_nat_of(c.f, REPLY, &a);

	/* Echo request: not an error. */
	build_icmp_err(&e, AF_INET, router, c.vip, 8, 0, 0, p.buf + p.pi.l3_off, hl + 8);
	assert_false(mp_flow_icmp_key(e.buf, &e.pi, &k));
	orig = e;
	assert_false(mp_flow_nat_icmp(e.buf, &e.pi, &a));
	assert_memory_equal(e.buf, orig.buf, e.len);
	/* Quote too short for the ports, or for the IP header. */
	build_icmp_err(&e, AF_INET, router, c.vip, 3, 1, 0, p.buf + p.pi.l3_off, hl + 7);
	assert_false(mp_flow_icmp_key(e.buf, &e.pi, &k));
	build_icmp_err(&e, AF_INET, router, c.vip, 11, 0, 0, p.buf + p.pi.l3_off, 19);
	assert_false(mp_flow_icmp_key(e.buf, &e.pi, &k));
	/* A later fragment quoted: no ports in it. */
	put16(p.buf + p.pi.l3_off + 6, 0x0010);
	build_icmp_err(&e, AF_INET, router, c.vip, 3, 1, 0, p.buf + p.pi.l3_off, hl + 8);
	assert_false(mp_flow_icmp_key(e.buf, &e.pi, &k));
	put16(p.buf + p.pi.l3_off + 6, 0x4000);
	/* Bad IHL in the quote. */
	p.buf[p.pi.l3_off] = 0x4f;
	build_icmp_err(&e, AF_INET, router, c.vip, 3, 1, 0, p.buf + p.pi.l3_off, hl + 8);
	assert_false(mp_flow_icmp_key(e.buf, &e.pi, &k));
	p.buf[p.pi.l3_off] = 0x45;
	/* The quote is ICMP itself. */
	p.buf[p.pi.l3_off + 9] = IPPROTO_ICMP;
	build_icmp_err(&e, AF_INET, router, c.vip, 3, 1, 0, p.buf + p.pi.l3_off, hl + 8);
	assert_false(mp_flow_icmp_key(e.buf, &e.pi, &k));
	p.buf[p.pi.l3_off + 9] = IPPROTO_UDP;
	/* Time exceeded with a good quote works. */
	build_icmp_err(&e, AF_INET, router, c.vip, 11, 0, 0, p.buf + p.pi.l3_off, hl + 8);
	assert_true(mp_flow_icmp_key(e.buf, &e.pi, &k));
	mp_flow_destroy(table, c.f);
}

/* mp_flow_nat() through the table clamps the MSS of SYNs both ways when configured. */
static void
test_flow_nat_clamp(void **state)
{
	static struct tpkt t;
	struct mp_flow_params p;
	struct mp_flow_key o, r;
	uint8_t opts[4] = {2, 4, 0x23, 0x28}; /* MSS 9000 */
	struct spec s;

	(void)state;
	rng_state = SEED + 13;
	mp_flow_table_free(table);
	memset(&p, 0, sizeof(p));
	conf.tcp_mss_clamp = 1360;
	mp_flow_params_from_conf(&p, &conf, T_HZ);
	conf.tcp_mss_clamp = 0;
	p.name = "test_flow_clamp";
	p.max_flows = 8;
	p.wheel = wheel;
	table = mp_flow_table_create(&p);
	assert_non_null(table);

	memset(&s, 0, sizeof(s));
	s.family = AF_INET6;
	s.proto = IPPROTO_TCP;
	rnd_addr(AF_INET6, s.src);
	rnd_addr(AF_INET6, s.dst);
	s.sport = 33333;
	s.dport = 443;
	s.tcp_flags = SYN;
	memcpy(s.tcp_opts, opts, sizeof(opts));
	s.tcp_opts_len = sizeof(opts);
	build(&s, &t);
	assert_true(mp_flow_key_from_pkt(&o, t.buf, &t.pi));
	mp_flow_key_set(&r, AF_INET6, IPPROTO_TCP, s.src, s.dst, rte_cpu_to_be_16(8443),
	                rte_cpu_to_be_16(2000));
	c.f = mp_flow_create(table, &o, &r, now);
	assert_non_null(c.f);
	assert_true(mp_flow_nat(table, c.f, ORIG, t.buf, &t.pi));
	assert_int_equal(mss_at(&t, 0), 1360);
	assert_cksums_exact(&t, false);
	assert_int_equal(get16(t.buf + t.pi.l4_off), 2000);
	assert_int_equal(get16(t.buf + t.pi.l4_off + 2), 8443);
	assert_int_equal(mp_flow_stats(table)[MP_FLOW_STAT_MSS_CLAMPED], 1);
}

/*
 * The short way of the L4 stage (lib/l4 l4_forward4()): mp_flow_nat4() rewrites every byte as
 * mp_flow_nat() does, for random IPv4 TCP and UDP packets of random flows, both directions, with
 * IPv4 options, TCP options and UDP without checksum among them.
 */
static void
test_flow_nat4(void **state)
{
	static struct tpkt t, t4;
	unsigned int i, tcp = 0, udp = 0, none = 0, opts = 0;

	(void)state;
	rng_state = SEED + 17;
	for (i = 0; i < NAT_ROUNDS; i++) {
		unsigned int dir = rnd_below(2);
		struct spec s;

		rnd_spec(&s);
		s.family = AF_INET;
		s.ip6_ext = 0;
		s.ip4_opts = rnd_below(4) == 0 ? 4 * (1 + rnd_below(10)) : 0;
		s.udp_no_cksum = s.proto == IPPROTO_UDP && rnd_below(8) == 0;
		s.tcp_flags &= (uint8_t)~SYN; /* a SYN takes the whole way (MSS clamping) */
		conn_init(AF_INET, s.proto);
		memcpy(s.src, dir == ORIG ? c.client : c.ep, 4);
		memcpy(s.dst, dir == ORIG ? c.vip : c.snat, 4);
		s.sport = dir == ORIG ? c.cport : c.eport;
		s.dport = dir == ORIG ? c.vport : c.sport;
		build(&s, &t);
		t4 = t;

		assert_true(mp_flow_nat(table, c.f, dir, t.buf, &t.pi));
		mp_flow_nat4(c.f, dir, t4.buf + t4.pi.l3_off, t4.buf + t4.pi.l4_off, s.proto);
		assert_memory_equal(t4.buf, t.buf, t.len);
		assert_cksums_exact(&t4, s.udp_no_cksum);
		mp_flow_destroy(table, c.f);

		tcp += s.proto == IPPROTO_TCP;
		udp += s.proto == IPPROTO_UDP;
		none += s.udp_no_cksum;
		opts += s.ip4_opts != 0;
	}
	assert_true(tcp > 0 && udp > 0 && none > 0 && opts > 0);
}

/* mp_flow_refresh() takes what mp_flow_track() would only refresh, and leaves the rest to it. */
static void
test_flow_refresh(void **state)
{
	uint64_t pkts, bytes;

	(void)state;
	rng_state = SEED + 19;
	conn_init(AF_INET, IPPROTO_UDP);
	now += T_MS(3);
	assert_true(mp_flow_refresh(c.f, REPLY, 0, 100, now));
	assert_int_equal(mp_flow_pkts(c.f, REPLY), 1);
	assert_int_equal(mp_flow_bytes(c.f, REPLY), 100);
	assert_int_equal(mp_flow_pkts(c.f, ORIG), 0);
	assert_int_equal(c.f->last_tsc, now);
	mp_flow_destroy(table, c.f);

	conn_init(AF_INET, IPPROTO_TCP);
	/* Before the handshake: the state machine's. */
	assert_false(mp_flow_refresh(c.f, ORIG, ACK, 40, now));
	assert_false(mp_flow_refresh(c.f, ORIG, SYN, 40, now));
	assert_int_equal(mp_flow_pkts(c.f, ORIG), 0);
	handshake();
	pkts = mp_flow_pkts(c.f, ORIG);
	bytes = mp_flow_bytes(c.f, ORIG);
	now += T_MS(5);
	assert_true(mp_flow_refresh(c.f, ORIG, ACK | PSH, 1000, now));
	assert_int_equal(mp_flow_pkts(c.f, ORIG), pkts + 1);
	assert_int_equal(mp_flow_bytes(c.f, ORIG), bytes + 1000);
	assert_int_equal(c.f->last_tsc, now);
	/* A FIN, RST or SYN changes state or must be checked: untouched. */
	now += T_MS(5);
	assert_false(mp_flow_refresh(c.f, ORIG, FIN | ACK, 40, now));
	assert_false(mp_flow_refresh(c.f, REPLY, RST, 40, now));
	assert_false(mp_flow_refresh(c.f, REPLY, SYN | ACK, 40, now));
	assert_int_equal(mp_flow_pkts(c.f, ORIG), pkts + 1);
	assert_int_equal(mp_flow_bytes(c.f, ORIG), bytes + 1000);
	assert_int_equal(c.f->state, MP_FLOW_S_ESTABLISHED);
	assert_int_not_equal(c.f->last_tsc, now);
	/* And the FIN through mp_flow_track() moves the state on. */
	assert_int_equal(seg(ORIG, FIN | ACK, C_ISN + 1, S_ISN + 1, 0), MP_FLOW_EV_NONE);
	assert_int_not_equal(c.f->state, MP_FLOW_S_ESTABLISHED);
	assert_false(mp_flow_refresh(c.f, ORIG, ACK, 40, now));
}

/* ---------------------------------------------------------------------------------------- */

static int
group_setup(void **state)
{
	(void)state;
	if (test_eal_init("test_flow", "2048") < 0)
		return -1;
	mp_conf_defaults(&conf);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

#define TABLE_TEST(f) cmocka_unit_test_setup_teardown(f, table_setup, table_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_nat_random), cmocka_unit_test(test_nat_refuses),
	        cmocka_unit_test(test_mss_clamp),  cmocka_unit_test(test_mss_malformed),
	        TABLE_TEST(test_table_million),    TABLE_TEST(test_table_create_refused),
	        TABLE_TEST(test_table_full_small), TABLE_TEST(test_table_key_canonical),
	        TABLE_TEST(test_table_walk_stats), TABLE_TEST(test_table_params_invalid),
	        TABLE_TEST(test_tcp_open_close),   TABLE_TEST(test_tcp_simultaneous_close),
	        TABLE_TEST(test_tcp_rst),          TABLE_TEST(test_tcp_refused),
	        TABLE_TEST(test_tcp_syn_timeout),  TABLE_TEST(test_tcp_midstream_and_udp),
	        TABLE_TEST(test_counters_carry),   TABLE_TEST(test_icmp_translate),
	        TABLE_TEST(test_icmp_refused),     TABLE_TEST(test_flow_nat_clamp),
	        TABLE_TEST(test_table_churn),      TABLE_TEST(test_table_chain_bounded),
	        TABLE_TEST(test_flow_nat4),        TABLE_TEST(test_flow_refresh),
	};

	return cmocka_run_group_tests_name("flow", tests, group_setup, group_teardown) != 0;
}
