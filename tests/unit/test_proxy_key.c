/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/proxy's request hash keys (mp_proxy_key.h): cookies found by exact name wherever they
 * are in the header, with white space trimmed and names that merely share a prefix passed
 * over; hash keys the same for the same bytes and spread evenly over buckets by their top and
 * low bits, as ring hash and Maglev read them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "mp_proxy_key.h"

#define S(lit) ((struct mp_route_str){lit, sizeof(lit) - 1})

/* The cookie's value, or "(none)". */
static const char *
cookie(struct mp_route_str hdr, struct mp_route_str name)
{
	static char buf[128];
	struct mp_route_str v;

	if (!mp_proxy_key_cookie(hdr, name, &v))
		return "(none)";
	assert_true(v.len < sizeof(buf));
	memcpy(buf, v.p, v.len);
	buf[v.len] = '\0';
	return buf;
}

static void
test_cookie(void **state)
{
	(void)state;
	assert_string_equal(cookie(S("sid=abc"), S("sid")), "abc");
	assert_string_equal(cookie(S("a=1; sid=abc; b=2"), S("sid")), "abc");
	assert_string_equal(cookie(S("a=1;sid=abc"), S("sid")), "abc");
	assert_string_equal(cookie(S("a=1;  \tsid = x"), S("sid ")), "x");
	assert_string_equal(cookie(S("a=1; sid=abc  "), S("sid")), "abc");
	assert_string_equal(cookie(S("sidx=1; xsid=2; sid=3"), S("sid")), "3");
	assert_string_equal(cookie(S("sid=1; sid=2"), S("sid")), "1");
	assert_string_equal(cookie(S("a=1; sid="), S("sid")), "");
	assert_string_equal(cookie(S("a=1; SID=abc"), S("sid")), "(none)");
	assert_string_equal(cookie(S("a=1; sid"), S("sid")), "(none)");
	assert_string_equal(cookie(S(""), S("sid")), "(none)");
	assert_string_equal(cookie(S(";;; sid=q;"), S("sid")), "q");
	/* "=" inside a value belongs to it. */
	assert_string_equal(cookie(S("sid=a=b; c=d"), S("sid")), "a=b");
}

static void
test_hash_stable(void **state)
{
	(void)state;
	assert_int_equal(mp_proxy_key_hash("alice", 5), mp_proxy_key_hash("alice", 5));
	assert_int_not_equal(mp_proxy_key_hash("alice", 5), mp_proxy_key_hash("alicf", 5));
	assert_int_not_equal(mp_proxy_key_hash("", 0), mp_proxy_key_hash("\0", 1));
}

/* 30000 keys "key<i>" over 3 buckets by the top bits and by the low bits: each within 5%. */
static void
test_hash_spread(void **state)
{
	unsigned int top[3] = {0}, low[3] = {0};
	char k[32];

	(void)state;
	for (unsigned int i = 0; i < 30000; i++) {
		int n = snprintf(k, sizeof(k), "key%u", i);
		uint64_t h = mp_proxy_key_hash(k, (uint32_t)n);

		top[(h >> 32) * 3 >> 32]++;
		low[(h & 0xffffffffu) % 3]++;
	}
	for (unsigned int b = 0; b < 3; b++) {
		assert_in_range(top[b], 9500, 10500);
		assert_in_range(low[b], 9500, 10500);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cookie),
	        cmocka_unit_test(test_hash_stable),
	        cmocka_unit_test(test_hash_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
