/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp keyed sequence numbers: SipHash-2-4 against the reference vectors of the SipHash
 * paper's implementation (key 00..0f, message 00..len-1, len 0..63), RFC 6528 ISNs, SYN
 * cookies (round trip, tampering, expiry) and the options carried in timestamp bits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcp_cookie.h"
#include "test_tcp.h"

#define SEED       0x636f6f6bu /* fixed: a failure must replay */
#define N_TUPLES   256
#define MINUTE     60
#define PEER_ISN   0x12345678u
#define T_MADE     100000 /* seconds: a cookie's birth in the expiry tests */
#define ISN_STEPS  10000
#define TS_OPT_LEN 6 /* bits of TSval a cookie's options use */

/* vectors_sip64 of the reference implementation: SipHash-2-4(00..0f, 00..len-1). */
static const uint64_t sip_vectors[64] = {
        0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
        0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
        0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
        0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
        0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794, 0x4bc1b3f0968dd39c, 0xbb6dc91da77961bd,
        0xbed65cf21aa2ee98, 0xd0f2cbb02e3b67c7, 0x93536795e3a33e88, 0xa80c038ccd5ccec8,
        0xb8ad50c6f649af94, 0xbce192de8a85b8ea, 0x17d835b85bbb15f3, 0x2f2e6163076bcfad,
        0xde4daaaca71dc9a5, 0xa6a2506687956571, 0xad87a3535c49ef28, 0x32d892fad841c342,
        0x7127512f72f27cce, 0xa7f32346f95978e3, 0x12e0b01abb051238, 0x15e034d40fa197ae,
        0x314dffbe0815a3b4, 0x027990f029623981, 0xcadcd4e59ef40c4d, 0x9abfd8766a33735c,
        0x0e3ea96b5304a7d0, 0xad0c42d6fc585992, 0x187306c89bc215a9, 0xd4a60abcf3792b95,
        0xf935451de4f21df2, 0xa9538f0419755787, 0xdb9acddff56ca510, 0xd06c98cd5c0975eb,
        0xe612a3cb9ecba951, 0xc766e62cfcadaf96, 0xee64435a9752fe72, 0xa192d576b245165a,
        0x0a8787bf8ecb74b2, 0x81b3e73d20b49b6f, 0x7fa8220ba3b2ecea, 0x245731c13ca42499,
        0xb78dbfaf3a8d83bd, 0xea1ad565322a1a0b, 0x60e61c23a3795013, 0x6606d7e446282b93,
        0x6ca4ecb15c5f91e1, 0x9f626da15c9625f3, 0xe51b38608ef25f57, 0x958a324ceb064572,
};

/* The MSS table as the header promises it: the value at or below what the peer sent. */
static const uint16_t mss_table[8] = {536, 1220, 1300, 1360, 1400, 1440, 1460, 8960};

static const struct mp_tcp_secret key = {{0x0706050403020100, 0x0f0e0d0c0b0a0908}};

static struct mp_tcp_tuple
tuple4(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct mp_tcp_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = AF_INET;
	t.lport = lport;
	t.rport = rport;
	memcpy(t.laddr, &laddr, sizeof(laddr));
	memcpy(t.raddr, &raddr, sizeof(raddr));
	return t;
}

static struct mp_tcp_tuple
tuple_rand(uint64_t *seed)
{
	uint64_t r = test_xorshift(seed);

	return tuple4((uint32_t)r, (uint16_t)(r >> 32), (uint32_t)test_xorshift(seed),
	              (uint16_t)(r >> 48));
}

static void
test_siphash_vectors(void **state)
{
	uint8_t msg[64 + 8];
	unsigned int len, off;

	(void)state;
	for (off = 0; off < 8; off++) { /* every alignment of the input */
		for (len = 0; len < 64; len++)
			msg[off + len] = (uint8_t)len;
		for (len = 0; len < 64; len++) {
			uint64_t got = mp_tcp_siphash(&key, msg + off, len);

			if (got != sip_vectors[len])
				fail_msg("SipHash of %u bytes at offset %u: %016llx, want %016llx",
				         len, off, (unsigned long long)got,
				         (unsigned long long)sip_vectors[len]);
		}
	}
}

static void
test_secret_init(void **state)
{
	struct mp_tcp_secret a, b;

	(void)state;
	assert_int_equal(mp_tcp_secret_init(&a), 0);
	assert_int_equal(mp_tcp_secret_init(&b), 0);
	/* 128 random bits twice: equal or zero only by a failure of getrandom(). */
	assert_memory_not_equal(&a, &b, sizeof(a));
	assert_true(a.k[0] != 0 || a.k[1] != 0);
}

/* For one tuple the ISN advances by one every 4 us, wrapping modulo 2^32. */
static void
test_isn_monotonic(void **state)
{
	struct mp_tcp_tuple t = tuple4(0x0100000a, 0x5000, 0x0200000a, 0x3930);
	uint64_t seed = SEED, now = 123456789;
	uint32_t prev = mp_tcp_isn(&key, &t, now), isn;
	int i;

	(void)state;
	for (i = 0; i < ISN_STEPS; i++) {
		/* Steps from 4 us to about 2 hours: less than half the sequence space. */
		uint64_t step = 4 + test_xorshift(&seed) % (1ull << 32);

		now += step;
		isn = mp_tcp_isn(&key, &t, now);
		assert_true((int32_t)(isn - prev) > 0);
		prev = isn;
	}
	assert_int_equal(mp_tcp_isn(&key, &t, now + 400) - mp_tcp_isn(&key, &t, now), 100);
	now -= now % 4;
	assert_int_equal(mp_tcp_isn(&key, &t, now + 3) - mp_tcp_isn(&key, &t, now), 0);
}

static void
test_isn_per_tuple(void **state)
{
	struct mp_tcp_tuple t[N_TUPLES], u;
	struct mp_tcp_secret other = key;
	uint32_t isn[N_TUPLES];
	uint64_t seed = SEED;
	int i, j;

	(void)state;
	for (i = 0; i < N_TUPLES; i++) {
		t[i] = tuple_rand(&seed);
		isn[i] = mp_tcp_isn(&key, &t[i], 1000);
	}
	/* 256 random 32-bit values collide with probability 2^-17: a collision is a bug. */
	for (i = 0; i < N_TUPLES; i++)
		for (j = i + 1; j < N_TUPLES; j++)
			assert_int_not_equal(isn[i], isn[j]);
	/* Each field of the tuple counts, and so does the secret. */
	u = t[0];
	u.lport ^= 1;
	assert_int_not_equal(mp_tcp_isn(&key, &u, 1000), isn[0]);
	u = t[0];
	u.rport ^= 1;
	assert_int_not_equal(mp_tcp_isn(&key, &u, 1000), isn[0]);
	u = t[0];
	u.raddr[3] ^= 1;
	assert_int_not_equal(mp_tcp_isn(&key, &u, 1000), isn[0]);
	u = t[0];
	u.laddr[0] ^= 1;
	assert_int_not_equal(mp_tcp_isn(&key, &u, 1000), isn[0]);
	u = t[0];
	u.family = AF_INET6;
	assert_int_not_equal(mp_tcp_isn(&key, &u, 1000), isn[0]);
	other.k[1] ^= 1;
	assert_int_not_equal(mp_tcp_isn(&other, &t[0], 1000), isn[0]);
}

static void
test_cookie_mss_round_trip(void **state)
{
	struct mp_tcp_tuple t = tuple4(0x0100000a, 0x5000, 0x0200000a, 0x3930);
	uint64_t seed = SEED;
	unsigned int i;
	uint16_t mss, sent;
	uint32_t c;

	(void)state;
	for (i = 0; i < TEST_DIM(mss_table); i++) {
		uint16_t next = i + 1 < TEST_DIM(mss_table) ? mss_table[i + 1] : UINT16_MAX;
		/* The entry itself, one above it, and the largest value before the next. */
		const uint16_t probes[3] = {mss_table[i], (uint16_t)(mss_table[i] + 1),
		                            (uint16_t)(next - (i + 1 < TEST_DIM(mss_table)))};
		unsigned int p;

		for (p = 0; p < 3; p++) {
			uint32_t isn = (uint32_t)test_xorshift(&seed);

			sent = probes[p];
			c = mp_tcp_cookie_make(&key, &t, isn, sent, T_MADE);
			assert_int_equal(c & 7, i);
			mss = 0;
			assert_true(mp_tcp_cookie_check(&key, &t, isn, c, T_MADE, &mss));
			assert_int_equal(mss, mss_table[i]);
		}
	}
	/* Below the smallest entry: the smallest (RFC 9293's 536, which every host takes). */
	c = mp_tcp_cookie_make(&key, &t, PEER_ISN, 100, T_MADE);
	assert_true(mp_tcp_cookie_check(&key, &t, PEER_ISN, c, T_MADE, &mss));
	assert_int_equal(mss, 536);
}

static void
test_cookie_tampered(void **state)
{
	struct mp_tcp_tuple t = tuple4(0x0100000a, 0x5000, 0x0200000a, 0x3930), u;
	struct mp_tcp_secret other = key;
	uint32_t c = mp_tcp_cookie_make(&key, &t, PEER_ISN, 1460, T_MADE);
	uint16_t mss = 0;
	unsigned int bit, byte;

	(void)state;
	assert_true(mp_tcp_cookie_check(&key, &t, PEER_ISN, c, T_MADE, &mss));
	/* Every single-bit change of the cookie, MSS and minute bits included. */
	for (bit = 0; bit < 32; bit++)
		if (mp_tcp_cookie_check(&key, &t, PEER_ISN, c ^ (1u << bit), T_MADE, &mss))
			fail_msg("cookie %08x with bit %u flipped accepted", c, bit);
	for (bit = 0; bit < 32; bit++)
		assert_false(
		        mp_tcp_cookie_check(&key, &t, PEER_ISN ^ (1u << bit), c, T_MADE, &mss));
	/* Every bit of the tuple that is hashed. */
	for (byte = 0; byte < sizeof(t); byte++) {
		for (bit = 0; bit < 8; bit++) {
			u = t;
			((uint8_t *)&u)[byte] ^= (uint8_t)(1u << bit);
			if (mp_tcp_cookie_check(&key, &u, PEER_ISN, c, T_MADE, &mss))
				fail_msg("tuple byte %u bit %u flipped: cookie accepted", byte,
				         bit);
		}
	}
	other.k[0] ^= 1;
	assert_false(mp_tcp_cookie_check(&other, &t, PEER_ISN, c, T_MADE, &mss));
	assert_int_equal(mss, 1460); /* untouched by the rejections */
}

static void
cookie_at(uint64_t made, uint64_t checked, bool want)
{
	struct mp_tcp_tuple t = tuple4(0x0100000a, 0x5000, 0x0200000a, 0x3930);
	uint32_t c = mp_tcp_cookie_make(&key, &t, PEER_ISN, 1460, made);
	uint16_t mss;

	if (mp_tcp_cookie_check(&key, &t, PEER_ISN, c, checked, &mss) != want)
		fail_msg("cookie made at %llu s, checked at %llu s: %s, want %s",
		         (unsigned long long)made, (unsigned long long)checked,
		         want ? "rejected" : "accepted", want ? "accepted" : "rejected");
}

static void
test_cookie_expiry(void **state)
{
	uint64_t m = T_MADE - T_MADE % MINUTE; /* the start of a minute */
	uint64_t s, k;

	(void)state;
	/* Made at the last second of a minute, checked at the first of the next: accepted. */
	cookie_at(m + MINUTE - 1, m + MINUTE, true);
	/* Valid through the end of the following minute, whenever in its minute it was made. */
	for (s = m; s < m + MINUTE; s += 7) {
		cookie_at(s, s, true);
		cookie_at(s, m + 2 * MINUTE - 1, true);
		cookie_at(s, m + 2 * MINUTE, false); /* 2 minutes on: expired */
		cookie_at(s, m + 3 * MINUTE, false);
		cookie_at(s, m - 1, false); /* from the future */
	}
	/* The 5 minute bits repeat every 32 minutes: the hash still tells those apart. */
	for (k = 2; k <= 64; k++)
		cookie_at(m, m + k * MINUTE, false);
	/* Minute 0 has no previous minute. */
	cookie_at(0, 0, true);
	cookie_at(0, MINUTE + 1, true);
}

static void
test_cookie_ts_bits(void **state)
{
	struct mp_tcp_cookie_opts o, d;
	int ws, sack;
	uint32_t bits, tsval;

	(void)state;
	for (ws = -1; ws <= 14; ws++) {
		for (sack = 0; sack <= 1; sack++) {
			o = (struct mp_tcp_cookie_opts){
			        .mss = 1460, .wscale = (int8_t)ws, .sack_ok = sack, .ts_ok = true};
			bits = mp_tcp_cookie_ts_bits(&o);
			assert_true(bits < (1u << TS_OPT_LEN));
			/* Our TSval: a clock in the high bits, the options in the low 6. */
			tsval = (0xdeadbeefu & ~((1u << TS_OPT_LEN) - 1)) | bits;
			memset(&d, 0, sizeof(d));
			d.mss = 1220;
			mp_tcp_cookie_ts_decode(tsval, &d);
			assert_int_equal(d.wscale, ws);
			assert_int_equal(d.sack_ok, sack);
			assert_true(d.ts_ok);
			assert_int_equal(d.mss, 1220); /* the MSS comes from the cookie */
		}
	}
	/* Out-of-range shifts are "none" rather than a wrong shift. */
	o = (struct mp_tcp_cookie_opts){.wscale = 15, .ts_ok = true};
	mp_tcp_cookie_ts_decode(mp_tcp_cookie_ts_bits(&o), &d);
	assert_int_equal(d.wscale, -1);
}

int
test_tcp_cookie_run(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_siphash_vectors),
	        cmocka_unit_test(test_secret_init),
	        cmocka_unit_test(test_isn_monotonic),
	        cmocka_unit_test(test_isn_per_tuple),
	        cmocka_unit_test(test_cookie_mss_round_trip),
	        cmocka_unit_test(test_cookie_tampered),
	        cmocka_unit_test(test_cookie_expiry),
	        cmocka_unit_test(test_cookie_ts_bits),
	};

	return cmocka_run_group_tests_name("tcp_cookie", tests, NULL, NULL);
}
