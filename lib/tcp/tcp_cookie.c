/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012), RFC 6528
 * initial sequence numbers and SYN cookies. See tcp_cookie.h for the cookie's layout.
 *
 * The cookie's hash also covers the MSS index (bits 2..0), so an ACK that changes those bits
 * fails the check instead of choosing another MSS.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "tcp_cookie.h"

#define SIP_C0 0x736f6d6570736575ull /* "somepseudorandomlygeneratedbytes" */
#define SIP_C1 0x646f72616e646f6dull
#define SIP_C2 0x6c7967656e657261ull
#define SIP_C3 0x7465646279746573ull

#define ISN_US_PER_TICK 4 /* RFC 9293 section 3.4.1: the ISN clock ticks every 4 us */

#define COOKIE_SECONDS_PER_COUNT 60
#define COOKIE_HASH_SHIFT        8
#define COOKIE_COUNT_SHIFT       3
#define COOKIE_COUNT_MASK        0x1fu /* 5 bits of the minute counter */
#define COOKIE_MSS_MASK          0x7u

#define TS_WSCALE_MASK 0xfu
#define TS_WSCALE_NONE 0xfu /* no window scale option: 15 is not a valid shift */
#define TS_WSCALE_MAX  14   /* RFC 7323 section 2.3 */
#define TS_SACK_OK     0x10u

/*
 * MSS values a cookie can carry, ascending: IPv4's minimum (RFC 9293), IPv6's minimum MTU
 * (1280 - 60), common tunnel and VPN paths, Ethernet IPv6 (1500 - 60) and IPv4 (1500 - 40),
 * and a 9000-byte jumbo frame for IPv4. A peer's MSS is rounded down to one of these; below
 * 536 it gets 536, which RFC 9293 requires every host to accept.
 */
static const uint16_t cookie_mss[] = {536, 1220, 1300, 1360, 1400, 1440, 1460, 8960};
#define COOKIE_N_MSS (sizeof(cookie_mss) / sizeof(cookie_mss[0]))
_Static_assert(COOKIE_N_MSS == COOKIE_MSS_MASK + 1, "the MSS index is 3 bits");

static inline uint64_t
rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND                     \
	do {                         \
		v0 += v1;            \
		v1 = rotl64(v1, 13); \
		v1 ^= v0;            \
		v0 = rotl64(v0, 32); \
		v2 += v3;            \
		v3 = rotl64(v3, 16); \
		v3 ^= v2;            \
		v0 += v3;            \
		v3 = rotl64(v3, 21); \
		v3 ^= v0;            \
		v2 += v1;            \
		v1 = rotl64(v1, 17); \
		v1 ^= v2;            \
		v2 = rotl64(v2, 32); \
	} while (0)

uint64_t
mp_tcp_siphash(const struct mp_tcp_secret *s, const void *data, uint32_t len)
{
	const uint8_t *p = data;
	const uint8_t *end = p + (len & ~7u);
	uint64_t v0 = s->k[0] ^ SIP_C0;
	uint64_t v1 = s->k[1] ^ SIP_C1;
	uint64_t v2 = s->k[0] ^ SIP_C2;
	uint64_t v3 = s->k[1] ^ SIP_C3;
	uint64_t m, b = (uint64_t)len << 56;
	uint32_t i;

	for (; p != end; p += 8) {
		memcpy(&m, p, sizeof(m));
		m = le64toh(m);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (i = 0; i < (len & 7u); i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

int
mp_tcp_secret_init(struct mp_tcp_secret *s)
{
	uint8_t *p = (uint8_t *)s->k;
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(s->k)) {
		n = getrandom(p + got, sizeof(s->k) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

uint32_t
mp_tcp_isn(const struct mp_tcp_secret *s, const struct mp_tcp_tuple *t, uint64_t now_us)
{
	/* RFC 6528 section 3: ISN = M + F(localip, localport, remoteip, remoteport, key). */
	return (uint32_t)(now_us / ISN_US_PER_TICK) + (uint32_t)mp_tcp_siphash(s, t, sizeof(*t));
}

/* What a cookie's hash covers; packed by hand into one buffer so no padding is hashed. */
#define COOKIE_IN_LEN (sizeof(struct mp_tcp_tuple) + 3 * sizeof(uint32_t))

static uint32_t
cookie_hash(const struct mp_tcp_secret *s, const struct mp_tcp_tuple *t, uint32_t peer_isn,
            uint32_t count, uint32_t mss_idx)
{
	uint8_t in[COOKIE_IN_LEN];
	uint8_t *p = in;

	memcpy(p, t, sizeof(*t));
	p += sizeof(*t);
	memcpy(p, &peer_isn, sizeof(peer_isn));
	p += sizeof(peer_isn);
	memcpy(p, &count, sizeof(count));
	p += sizeof(count);
	memcpy(p, &mss_idx, sizeof(mss_idx));
	return (uint32_t)mp_tcp_siphash(s, in, sizeof(in)) << COOKIE_HASH_SHIFT;
}

static uint32_t
cookie_mss_index(uint16_t mss)
{
	uint32_t i = COOKIE_N_MSS - 1;

	while (i > 0 && cookie_mss[i] > mss)
		i--;
	return i;
}

uint32_t
mp_tcp_cookie_make(const struct mp_tcp_secret *s, const struct mp_tcp_tuple *t, uint32_t peer_isn,
                   uint16_t peer_mss, uint64_t now_s)
{
	uint32_t count = (uint32_t)(now_s / COOKIE_SECONDS_PER_COUNT);
	uint32_t idx = cookie_mss_index(peer_mss);

	return cookie_hash(s, t, peer_isn, count, idx) |
	       (count & COOKIE_COUNT_MASK) << COOKIE_COUNT_SHIFT | idx;
}

bool
mp_tcp_cookie_check(const struct mp_tcp_secret *s, const struct mp_tcp_tuple *t, uint32_t peer_isn,
                    uint32_t cookie, uint64_t now_s, uint16_t *mss)
{
	uint32_t now = (uint32_t)(now_s / COOKIE_SECONDS_PER_COUNT);
	uint32_t low = (cookie >> COOKIE_COUNT_SHIFT) & COOKIE_COUNT_MASK;
	uint32_t idx = cookie & COOKIE_MSS_MASK;
	uint32_t count;

	/* The 5 counter bits name the minute: this one or the one before, nothing else. */
	if (low == (now & COOKIE_COUNT_MASK))
		count = now;
	else if (now > 0 && low == ((now - 1) & COOKIE_COUNT_MASK))
		count = now - 1;
	else
		return false;
	if ((cookie & ~((1u << COOKIE_HASH_SHIFT) - 1)) != cookie_hash(s, t, peer_isn, count, idx))
		return false;
	*mss = cookie_mss[idx];
	return true;
}

uint32_t
mp_tcp_cookie_ts_bits(const struct mp_tcp_cookie_opts *o)
{
	uint32_t bits;

	if (o->wscale >= 0 && o->wscale <= TS_WSCALE_MAX)
		bits = (uint32_t)o->wscale;
	else
		bits = TS_WSCALE_NONE;
	if (o->sack_ok)
		bits |= TS_SACK_OK;
	return bits;
}

void
mp_tcp_cookie_ts_decode(uint32_t tsecr, struct mp_tcp_cookie_opts *o)
{
	uint32_t ws = tsecr & TS_WSCALE_MASK;

	/* The ACK echoed our TSval, so the peer does timestamps; o->mss is left as it is. */
	o->wscale = ws == TS_WSCALE_NONE ? -1 : (int8_t)ws;
	o->sack_ok = (tsecr & TS_SACK_OK) != 0;
	o->ts_ok = true;
}
