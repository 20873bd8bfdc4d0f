/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Group http_split: the parser is incremental, so how the input is cut must not matter.
 * For a set of messages (requests, responses, chunked bodies with extensions and trailers,
 * pipelines, and a few errors), on every scanner: every cut into two chunks, one byte at a
 * time, and random cuts into many chunks all give exactly the transcript of one chunk, and
 * all scanners give the same transcript. Then the same comparison on random mutations of
 * those messages, so the vector scanners are checked against the scalar one on bytes of
 * every class at every position.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_http.h"

#define SPLIT_SEED  0x68747470u /* fixed: a failure must replay */
#define RANDOM_CUTS 200
#define MAX_CUTS    12
#define FUZZ_ROUNDS 3000
#define FUZZ_MUTATE 4
#define FUZZ_BUF    1024

struct case_ {
	enum mp_http_kind kind;
	enum mp_http_method method;
	bool finish;
	const char *in;
};

#define LONG_VAL  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.~!$&'()*+,;=:@/?"
#define LONG_NAME "X-A-Rather-Long-Header-Name-Beyond-The-Lookup-Buffer"

static const struct case_ cases[] = {
        {MP_HTTP_REQUEST, MP_HTTP_M_GET, false,
         "GET /wiki/Special:Search?search=" LONG_VAL " HTTP/1.1\r\n"
         "Host: en.wikipedia.org\r\n"
         "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
         "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
         "Accept-Language: en-US,en;q=0.5\r\n"
         "Accept-Encoding: gzip, deflate, br\r\n"
         "X-Forwarded-For: 192.0.2.1, 198.51.100.2\r\n" LONG_NAME ": " LONG_VAL "\r\n"
         "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n"
         "Cookie: a=b; c=d; " LONG_VAL "\r\n"
         "Connection: keep-alive\r\n\r\n"},
        {MP_HTTP_REQUEST, MP_HTTP_M_GET, false,
         "\r\nPOST /api/v1/items HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
         "Content-Length: 27\r\nExpect: 100-continue\r\n\r\n{\"name\":\"x\",\"tags\":[1,2,3]}"
         "GET /next HTTP/1.1\r\nHost: api\r\n\r\n"
         "DELETE /items/7 HTTP/1.0\r\nConnection: close\r\n\r\n"},
        {MP_HTTP_REQUEST, MP_HTTP_M_GET, false,
         "PUT /upload HTTP/1.1\r\nHost: up\r\nTransfer-Encoding: chunked\r\n"
         "Trailer: X-Checksum\r\n\r\n"
         "1a;name=\"quoted \\\"value\\\"\"; other = tok\r\nabcdefghijklmnopqrstuvwxyz\r\n"
         "A\r\n0123456789\r\n0000\r\nX-Checksum: " LONG_VAL "\r\nX-More: 1\r\n\r\n"
         "OPTIONS * HTTP/1.1\r\nHost: up\r\n\r\n"},
        {MP_HTTP_RESPONSE, MP_HTTP_M_GET, false,
         "HTTP/1.1 200 OK\r\nDate: Thu, 26 Nov 2026 12:00:00 GMT\r\nServer: nginx/1.22.1\r\n"
         "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
         "51\r\n" LONG_VAL "\r\n" /* LONG_VAL is 81 bytes */
         "40\r\n0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_\r\n"
         "0\r\n\r\n"},
        {MP_HTTP_RESPONSE, MP_HTTP_M_POST, false,
         "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nLocation: /items/8\r\n"
         "Content-Length: 2\r\n\r\nokHTTP/1.1 304 Not Modified\r\nETag: \"abc\"\r\n\r\n"},
        {MP_HTTP_RESPONSE, MP_HTTP_M_GET, true,
         "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>" LONG_VAL "</html>"},
        /* Errors must be found at the same place however the input is cut. */
        {MP_HTTP_REQUEST, MP_HTTP_M_GET, false,
         "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
         "0\r\n\r\nG"},
        {MP_HTTP_REQUEST, MP_HTTP_M_GET, false,
         "GET / HTTP/1.1\r\nHost: a\r\nX-Long: " LONG_VAL "\x01" LONG_VAL "\r\n\r\n"},
        {MP_HTTP_REQUEST, MP_HTTP_M_GET, false,
         "GET / HTTP/1.1\r\nHost: a\r\n" LONG_NAME " : x\r\n\r\n"},
        {MP_HTTP_REQUEST, MP_HTTP_M_GET, false,
         "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
         "5\r\nhello\r\n5\r\nworldX\r\n"},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static struct t_run ref, got;
static uint64_t rng = SPLIT_SEED;

static uint32_t
rnd(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng >> 33);
}

static void
setup_run(struct t_run *r, const struct case_ *c, enum mp_http_simd simd)
{
	memset(r, 0, sizeof(*r));
	r->kind = c->kind;
	r->req_method = c->method;
	r->finish = c->finish;
	r->simd = simd;
}

static void
same(const struct t_run *a, const struct t_run *b, const char *what, uint32_t at)
{
	if (strcmp(a->out, b->out) != 0)
		print_error("%s (%u): want\n%s\ngot\n%s\n", what, at, a->out, b->out);
	assert_string_equal(a->out, b->out);
}

/* The transcript of in with one scanner, cut every possible way, equals the one-chunk one. */
static void
check_cuts(const struct case_ *c, const char *in, uint32_t len, enum mp_http_simd simd,
           bool all_two_cuts)
{
	uint32_t cuts[MAX_CUTS];

	setup_run(&got, c, simd);
	t_feed(&got, in, len, NULL, UINT32_MAX);
	same(&ref, &got, "byte at a time", 0);
	for (uint32_t k = 1; all_two_cuts && k < len; k++) {
		setup_run(&got, c, simd);
		t_feed(&got, in, len, &k, 1);
		same(&ref, &got, "two chunks cut at", k);
	}
	for (int i = 0; i < (all_two_cuts ? RANDOM_CUTS : 2); i++) {
		uint32_t n = 1 + rnd() % MAX_CUTS, prev = 0;

		for (uint32_t j = 0; j < n; j++) {
			prev += rnd() % (len / n + 1);
			cuts[j] = prev < len ? prev : len;
		}
		setup_run(&got, c, simd);
		t_feed(&got, in, len, cuts, n);
		same(&ref, &got, "random cuts", n);
	}
}

static void
test_splits(void **state)
{
	enum mp_http_simd simds[3];
	unsigned int ns = t_simds(simds);

	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		const struct case_ *c = &cases[i];
		uint32_t len = (uint32_t)strlen(c->in);

		setup_run(&ref, c, MP_HTTP_SIMD_SCALAR);
		t_feed1(&ref, c->in, len);
		/* The valid cases complete at least one message; the last four fail. */
		if (i < NCASES - 4) {
			assert_int_equal(ref.err, MP_HTTP_ERR_NONE);
			assert_true(ref.done >= 1);
		} else {
			assert_int_not_equal(ref.err, MP_HTTP_ERR_NONE);
		}
		for (unsigned int s = 0; s < ns; s++) {
			setup_run(&got, c, simds[s]);
			t_feed1(&got, c->in, len);
			same(&ref, &got, mp_http_simd_name(simds[s]), (uint32_t)i);
			check_cuts(c, c->in, len, simds[s], true);
		}
	}
}

/* Bytes that steer the parser: delimiters, whitespace, controls, and the classes' edges. */
static const uint8_t interesting[] = {'\r', '\n', ' ',  '\t', ':',  ';',  ',', '=', '"', '\\',
                                      0,    0x01, 0x1f, 0x7f, 0x80, 0xff, '|', '~', '{', '}',
                                      '0',  'a',  'A',  'f',  'F',  'g',  '/', '*', '@'};

static void
test_fuzz_scanners(void **state)
{
	enum mp_http_simd simds[3];
	unsigned int ns = t_simds(simds);
	char buf[FUZZ_BUF];

	(void)state;
	for (int round = 0; round < FUZZ_ROUNDS; round++) {
		const struct case_ *c = &cases[rnd() % NCASES];
		uint32_t len = (uint32_t)strlen(c->in);
		int nmut = 1 + (int)(rnd() % FUZZ_MUTATE);

		assert_true(len <= sizeof(buf));
		memcpy(buf, c->in, len);
		for (int m = 0; m < nmut; m++) {
			uint32_t at = rnd() % len;

			buf[at] = (char)(rnd() % 2 ? interesting[rnd() % sizeof(interesting)]
			                           : (uint8_t)rnd());
		}
		setup_run(&ref, c, MP_HTTP_SIMD_SCALAR);
		t_feed1(&ref, buf, len);
		check_cuts(c, buf, len, MP_HTTP_SIMD_SCALAR, false);
		for (unsigned int s = 1; s < ns; s++) {
			setup_run(&got, c, simds[s]);
			t_feed1(&got, buf, len);
			same(&ref, &got, mp_http_simd_name(simds[s]), (uint32_t)round);
			check_cuts(c, buf, len, simds[s], false);
		}
	}
}

int
test_http_split_run(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_splits),
	        cmocka_unit_test(test_fuzz_scanners),
	};

	return cmocka_run_group_tests_name("http_split", tests, NULL, NULL);
}
