/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Group http_hostile: inputs a strict RFC 9110/9112 parser rejects, each with the exact
 * reason (and so the status a server answers), on every scanner: request smuggling shapes
 * (CL.TE, TE.CL, codings after chunked, whitespace before the colon, differing lengths),
 * chunk framing errors, forbidden bytes, and every configurable limit at its edge.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_http.h"

#define H "Host: a\r\n"

struct bad {
	const char *in;
	enum mp_http_err err;
};

static struct t_run run;

static enum mp_http_err
req_err_simd(const char *in, uint32_t len, enum mp_http_simd simd,
             const struct mp_http_params *params)
{
	memset(&run, 0, sizeof(run));
	run.kind = MP_HTTP_REQUEST;
	run.simd = simd;
	run.params = params;
	t_feed1(&run, in, len);
	return run.err;
}

/* Every scanner gives the same error. */
static void
expect_req_err(const char *in, uint32_t len, const struct mp_http_params *params,
               enum mp_http_err want)
{
	enum mp_http_simd simds[3];
	unsigned int n = t_simds(simds);

	for (unsigned int i = 0; i < n; i++) {
		enum mp_http_err got = req_err_simd(in, len, simds[i], params);

		if (got != want)
			print_error("input [%s] %s: got %s, want %s\n", in,
			            mp_http_simd_name(simds[i]), mp_http_err_name(got),
			            mp_http_err_name(want));
		assert_int_equal(got, want);
	}
}

static void
check_table(const struct bad *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_req_err(t[i].in, (uint32_t)strlen(t[i].in), NULL, t[i].err);
}

static void
test_smuggling(void **state)
{
	static const struct bad t[] = {
	        /* CL.TE and TE.CL: either order, either value */
	        {"POST / HTTP/1.1\r\n" H "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
	         "0\r\n\r\nG",
	         MP_HTTP_ERR_CL_AND_TE},
	        {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
	         "8\r\nSMUGGLED\r\n0\r\n\r\n",
	         MP_HTTP_ERR_CL_AND_TE},
	        {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, identity\r\n\r\n",
	         MP_HTTP_ERR_TE_NOT_CHUNKED},
	        {"POST / HTTP/1.1\r\n" H
	         "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
	         MP_HTTP_ERR_TE_NOT_CHUNKED},
	        {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n\r\n",
	         MP_HTTP_ERR_TE_NOT_CHUNKED},
	        {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, chunked\r\n\r\n",
	         MP_HTTP_ERR_TE_CHUNKED_TWICE},
	        {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: xchunked, chunked\r\n\r\n",
	         MP_HTTP_ERR_TE_UNKNOWN},
	        {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked;q=1\r\n\r\n",
	         MP_HTTP_ERR_TE_BAD},
	        {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: \"chunked\"\r\n\r\n",
	         MP_HTTP_ERR_TE_BAD},
	        {"POST / HTTP/1.1\r\n" H "Transfer-Encoding: \r\n\r\n", MP_HTTP_ERR_TE_BAD},
	        {"POST / HTTP/1.1\r\n" H "Transfer-Encoding : chunked\r\n\r\n",
	         MP_HTTP_ERR_SPACE_BEFORE_COLON},
	        {"POST / HTTP/1.1\r\n" H "Transfer-Encoding\t: chunked\r\n\r\n",
	         MP_HTTP_ERR_SPACE_BEFORE_COLON},
	        {"POST / HTTP/1.1\r\n" H "Transfer-Encoding:\r\n chunked\r\n\r\n",
	         MP_HTTP_ERR_OBS_FOLD},
	        {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", MP_HTTP_ERR_TE_HTTP10},
	        {"POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
	         MP_HTTP_ERR_CL_MISMATCH},
	        {"POST / HTTP/1.1\r\n" H "Content-Length: 5, 6\r\n\r\n", MP_HTTP_ERR_CL_MISMATCH},
	        {"POST / HTTP/1.1\r\n" H "Content-Length: 5,\r\n\r\n", MP_HTTP_ERR_CL_BAD},
	        {"POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", MP_HTTP_ERR_CL_BAD},
	        {"POST / HTTP/1.1\r\n" H "Content-Length: +5\r\n\r\n", MP_HTTP_ERR_CL_BAD},
	        {"POST / HTTP/1.1\r\n" H "Content-Length: 0x5\r\n\r\n", MP_HTTP_ERR_CL_BAD},
	        {"POST / HTTP/1.1\r\n" H "Content-Length: 1 2\r\n\r\n", MP_HTTP_ERR_CL_BAD},
	        {"POST / HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", MP_HTTP_ERR_CL_BAD},
	        {"POST / HTTP/1.1\r\n" H "Content-Length: 18446744073709551616\r\n\r\n",
	         MP_HTTP_ERR_CL_OVERFLOW},
	        {"GET / HTTP/1.1\r\n" H "Host: b\r\n\r\n", MP_HTTP_ERR_HOST_DUP},
	        {"GET / HTTP/1.1\r\n\r\n", MP_HTTP_ERR_HOST_MISSING},
	};

	(void)state;
	check_table(t, sizeof(t) / sizeof(t[0]));
}

static void
test_chunk_errors(void **state)
{
#define CH "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n"
	static const struct bad t[] = {
	        {CH "10000000000000000\r\n", MP_HTTP_ERR_CHUNK_SIZE_OVERFLOW},
	        {CH "00000000000000001\r\nx\r\n", MP_HTTP_ERR_CHUNK_SIZE_OVERFLOW},
	        {CH "5\r\nhelloX\r\n0\r\n\r\n", MP_HTTP_ERR_CHUNK_CRLF},
	        {CH "5\r\nhello\n0\r\n\r\n", MP_HTTP_ERR_CHUNK_CRLF},
	        {CH "5\nhello\r\n0\r\n\r\n", MP_HTTP_ERR_BARE_LF},
	        {CH "5\rhello\r\n0\r\n\r\n", MP_HTTP_ERR_BARE_CR},
	        {CH "\r\n", MP_HTTP_ERR_CHUNK_SIZE},
	        {CH "-1\r\n", MP_HTTP_ERR_CHUNK_SIZE},
	        {CH "0x5\r\n", MP_HTTP_ERR_CHUNK_SIZE},
	        {CH "5 \r\nhello\r\n", MP_HTTP_ERR_CHUNK_EXT},
	        {CH "5;\r\nhello\r\n", MP_HTTP_ERR_CHUNK_EXT},
	        {CH "5;a=\r\nhello\r\n", MP_HTTP_ERR_CHUNK_EXT},
	        {CH "5;a=\"b\r\nhello\r\n", MP_HTTP_ERR_CHUNK_EXT},
	        {CH "5;a b\r\nhello\r\n", MP_HTTP_ERR_CHUNK_EXT},
	        {CH "5;a=b c\r\nhello\r\n", MP_HTTP_ERR_CHUNK_EXT},
	        {CH "5;a=\"\x01\"\r\nhello\r\n", MP_HTTP_ERR_CHUNK_EXT},
	        {CH "0\r\nX: a\nb\r\n\r\n", MP_HTTP_ERR_BARE_LF},
	        {CH "0\r\n x\r\n\r\n", MP_HTTP_ERR_OBS_FOLD},
	        {CH "0\r\nX : y\r\n\r\n", MP_HTTP_ERR_SPACE_BEFORE_COLON},
	};

	(void)state;
	check_table(t, sizeof(t) / sizeof(t[0]));
	/* Extensions that are valid: BWS around ';' and '=', quoted values with escapes. */
	expect_req_err(
	        CH "5 ; a = b ;c;d=\"x\\\"y;\" \t;e\r\nhello\r\n0;z\r\n\r\n",
	        (uint32_t)strlen(CH "5 ; a = b ;c;d=\"x\\\"y;\" \t;e\r\nhello\r\n0;z\r\n\r\n"),
	        NULL, MP_HTTP_ERR_NONE);
}

static void
test_bytes(void **state)
{
	static const struct bad t[] = {
	        {"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", MP_HTTP_ERR_BARE_CR},
	        {"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", MP_HTTP_ERR_BARE_LF},
	        {"GET / HTTP/1.1\nHost: a\r\n\r\n", MP_HTTP_ERR_BARE_LF},
	        {"GET / HTTP/1.1\r\nHost: a\r\n\n", MP_HTTP_ERR_BARE_LF},
	        {"GET / HTTP/1.1\r\nHost: a\r\n\rX", MP_HTTP_ERR_BARE_CR},
	        {"GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n", MP_HTTP_ERR_VALUE_CHAR},
	        {"GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", MP_HTTP_ERR_VALUE_CHAR},
	        {"GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", MP_HTTP_ERR_NAME_CHAR},
	        {"GET / HTTP/1.1\r\nHost\xc3: a\r\n\r\n", MP_HTTP_ERR_NAME_CHAR},
	        {"GET / HTTP/1.1\r\n: a\r\n\r\n", MP_HTTP_ERR_NAME_EMPTY},
	        {"GET / HTTP/1.1\r\nHost\r\n\r\n", MP_HTTP_ERR_NO_COLON},
	        {"GET / HTTP/1.1\r\n Host: a\r\n\r\n", MP_HTTP_ERR_SPACE_AFTER_START},
	        {"GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n", MP_HTTP_ERR_OBS_FOLD},
	        {"G(T / HTTP/1.1\r\n" H "\r\n", MP_HTTP_ERR_METHOD},
	        {" GET / HTTP/1.1\r\n" H "\r\n", MP_HTTP_ERR_METHOD},
	        {"GET  / HTTP/1.1\r\n" H "\r\n", MP_HTTP_ERR_REQUEST_LINE},
	        {"GET / HTTP/1.1 \r\n" H "\r\n", MP_HTTP_ERR_REQUEST_LINE},
	        {"GET /\r\n", MP_HTTP_ERR_REQUEST_LINE},
	        {"GET /a\x80 HTTP/1.1\r\n" H "\r\n", MP_HTTP_ERR_TARGET_CHAR},
	        {"GET /a\tb HTTP/1.1\r\n" H "\r\n", MP_HTTP_ERR_TARGET_CHAR},
	        {"GET * HTTP/1.1\r\n" H "\r\n", MP_HTTP_ERR_TARGET_FORM},
	        {"GET 1http://a/ HTTP/1.1\r\n" H "\r\n", MP_HTTP_ERR_TARGET_FORM},
	        {"GET ht@p://a/ HTTP/1.1\r\n" H "\r\n", MP_HTTP_ERR_TARGET_FORM},
	        {"CONNECT / HTTP/1.1\r\n" H "\r\n", MP_HTTP_ERR_TARGET_FORM},
	        {"GET / HTTP/2.0\r\n" H "\r\n", MP_HTTP_ERR_VERSION_UNSUPPORTED},
	        {"GET / HTTP/1.2\r\n" H "\r\n", MP_HTTP_ERR_VERSION_UNSUPPORTED},
	        {"GET / HTTP/0.9\r\n" H "\r\n", MP_HTTP_ERR_VERSION_UNSUPPORTED},
	        {"GET / http/1.1\r\n" H "\r\n", MP_HTTP_ERR_VERSION},
	        {"GET / HTTP/1.10\r\n" H "\r\n", MP_HTTP_ERR_REQUEST_LINE},
	        {"GET / HTTP/11\r\n" H "\r\n", MP_HTTP_ERR_VERSION},
	};

	(void)state;
	check_table(t, sizeof(t) / sizeof(t[0]));
	/* NUL bytes: in the method, the target, a name, a value. */
	expect_req_err("G\0T / HTTP/1.1\r\n\r\n", 18, NULL, MP_HTTP_ERR_METHOD);
	expect_req_err("GET /\0 HTTP/1.1\r\n\r\n", 19, NULL, MP_HTTP_ERR_TARGET_CHAR);
	expect_req_err("GET / HTTP/1.1\r\nHo\0st: a\r\n\r\n", 28, NULL, MP_HTTP_ERR_NUL);
	expect_req_err("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 29, NULL, MP_HTTP_ERR_NUL);
	expect_req_err("GET / HTTP/1.1\r\nHost: a\r\n\0\r\n", 28, NULL, MP_HTTP_ERR_NUL);
}

static void
test_responses_bad(void **state)
{
	(void)state;
	assert_int_equal(t_resp_err("HTTP/1.1 200\r\n\r\n", MP_HTTP_M_GET),
	                 MP_HTTP_ERR_STATUS_LINE);
	assert_int_equal(t_resp_err("HTTP/1.1 20 OK\r\n\r\n", MP_HTTP_M_GET),
	                 MP_HTTP_ERR_STATUS_LINE);
	assert_int_equal(t_resp_err("HTTP/1.1 099 OK\r\n\r\n", MP_HTTP_M_GET),
	                 MP_HTTP_ERR_STATUS_LINE);
	assert_int_equal(t_resp_err("HTTP/2 200 OK\r\n\r\n", MP_HTTP_M_GET), MP_HTTP_ERR_VERSION);
	assert_int_equal(t_resp_err("HTTP/1.1 200 O\x01K\r\n\r\n", MP_HTTP_M_GET),
	                 MP_HTTP_ERR_STATUS_LINE);
	assert_int_equal(t_resp_err("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	                            "Transfer-Encoding: chunked\r\n\r\n",
	                            MP_HTTP_M_GET),
	                 MP_HTTP_ERR_CL_AND_TE);
	assert_int_equal(t_resp_err("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
	                            "\r\n",
	                            MP_HTTP_M_GET),
	                 MP_HTTP_ERR_CL_MISMATCH);
	/* An unknown coding is fine in a response (it is forwarded, read until close). */
	assert_int_equal(t_resp_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: foo, chunked\r\n\r\n"
	                            "0\r\n\r\n",
	                            MP_HTTP_M_GET),
	                 MP_HTTP_ERR_NONE);
}

/* Build "GET /aaa... HTTP/1.1\r\n" of exactly line_len bytes, then fields. */
static char *
long_request(uint32_t line_len, uint32_t nfields, uint32_t value_len, uint32_t *len)
{
	const uint32_t fixed = 4 + 11; /* "GET " + " HTTP/1.1\r\n" */
	uint32_t cap = line_len + 16 + nfields * (value_len + 32) + 16, n = 0;
	char *b = malloc(cap);

	if (b == NULL)
		abort();
	assert_true(line_len > fixed);
	n += (uint32_t)sprintf(b, "GET /");
	memset(b + n, 'a', line_len - fixed - 1);
	n += line_len - fixed - 1;
	n += (uint32_t)sprintf(b + n, " HTTP/1.1\r\nHost: a\r\n");
	for (uint32_t i = 0; i < nfields; i++) {
		n += (uint32_t)sprintf(b + n, "X-%u: ", i);
		memset(b + n, 'v', value_len);
		n += value_len;
		n += (uint32_t)sprintf(b + n, "\r\n");
	}
	n += (uint32_t)sprintf(b + n, "\r\n");
	assert_true(n < cap);
	*len = n;
	return b;
}

static void
test_limits(void **state)
{
	struct mp_http_params p;
	uint32_t len;
	char *b;

	(void)state;
	mp_http_params_default(&p);
	/* The request line: at the limit passes, one byte more is 414. */
	b = long_request(MP_HTTP_DEF_MAX_REQUEST_LINE, 0, 0, &len);
	expect_req_err(b, len, NULL, MP_HTTP_ERR_NONE);
	free(b);
	b = long_request(MP_HTTP_DEF_MAX_REQUEST_LINE + 1, 0, 0, &len);
	expect_req_err(b, len, NULL, MP_HTTP_ERR_REQUEST_LINE_TOO_LONG);
	free(b);

	/* Header bytes: "Host: a\r\n" (9) + one field + the final CRLF, at the limit and over. */
	p.max_header_bytes = 9 + (uint32_t)strlen("X-0: \r\n") + 1000 + 2;
	b = long_request(64, 1, 1000, &len);
	expect_req_err(b, len, &p, MP_HTTP_ERR_NONE);
	p.max_header_bytes--;
	expect_req_err(b, len, &p, MP_HTTP_ERR_HEADERS_TOO_LARGE);
	free(b);
	b = long_request(64, 50, 1000, &len); /* 50 KiB in fewer fields than the count limit */
	expect_req_err(b, len, NULL, MP_HTTP_ERR_HEADERS_TOO_LARGE);
	free(b);

	/* Field count: Host plus 99 is 100, one more is 431. */
	b = long_request(64, MP_HTTP_DEF_MAX_HEADERS - 1, 4, &len);
	expect_req_err(b, len, NULL, MP_HTTP_ERR_NONE);
	free(b);
	b = long_request(64, MP_HTTP_DEF_MAX_HEADERS, 4, &len);
	expect_req_err(b, len, NULL, MP_HTTP_ERR_TOO_MANY_FIELDS);
	free(b);

	/* Body limits: Content-Length at once, chunked as chunks add up. */
	mp_http_params_default(&p);
	p.max_body = 10;
	expect_req_err("POST / HTTP/1.1\r\n" H "Content-Length: 10\r\n\r\n0123456789", 58, &p,
	               MP_HTTP_ERR_NONE);
	expect_req_err("POST / HTTP/1.1\r\n" H "Content-Length: 11\r\n\r\n", 48, &p,
	               MP_HTTP_ERR_BODY_TOO_LARGE);
	expect_req_err(CH "6\r\n012345\r\n5\r\n01234\r\n0\r\n\r\n",
	               (uint32_t)strlen(CH "6\r\n012345\r\n5\r\n01234\r\n0\r\n\r\n"), &p,
	               MP_HTTP_ERR_BODY_TOO_LARGE);
	mp_http_params_default(&p);
	/* 16 hex digits are fine: the chunk is still being read when the input ends. */
	expect_req_err(CH "ffffffffffffffff\r\n1\r\n",
	               (uint32_t)strlen(CH "ffffffffffffffff\r\n1\r\n"), &p, MP_HTTP_ERR_NONE);
	p.max_chunk_size = 4;
	expect_req_err(CH "4\r\n0123\r\n5\r\n01234\r\n0\r\n\r\n",
	               (uint32_t)strlen(CH "4\r\n0123\r\n5\r\n01234\r\n0\r\n\r\n"), &p,
	               MP_HTTP_ERR_CHUNK_TOO_LARGE);
	mp_http_params_default(&p);
	p.max_chunk_line = 8;
	expect_req_err(CH "5;abcd\r\nhello\r\n0\r\n\r\n",
	               (uint32_t)strlen(CH "5;abcd\r\nhello\r\n0\r\n\r\n"), &p, MP_HTTP_ERR_NONE);
	expect_req_err(CH "5;abcdefgh\r\nhello\r\n0\r\n\r\n",
	               (uint32_t)strlen(CH "5;abcdefgh\r\nhello\r\n0\r\n\r\n"), &p,
	               MP_HTTP_ERR_CHUNK_LINE_TOO_LONG);
	/* Trailers have the header byte limit of their own. */
	{
		static const char tr[] = "POST / HTTP/1.1\r\nHost: a\r\n"
		                         "Transfer-Encoding: chunked\r\n\r\n0\r\n"
		                         "X-Long: 0123456789012345678901234567890123456789\r\n\r\n";

		p.max_header_bytes = 40;
		expect_req_err(tr, sizeof(tr) - 1, &p, MP_HTTP_ERR_TRAILERS_TOO_LARGE);
	}
}

/* Bad parameters are refused. */
static void
test_init(void **state)
{
	struct mp_http_parser hp;
	struct mp_http_field f[4];
	struct mp_http_params p;

	(void)state;
	/* A parser per connection direction: keep it within a few cache lines. */
	assert_true(sizeof(struct mp_http_parser) <= 256);
	mp_http_params_default(&p);
	assert_int_equal(mp_http_init(&hp, MP_HTTP_REQUEST, &p, NULL), -EINVAL);
	p.max_headers = 0;
	assert_int_equal(mp_http_init(&hp, MP_HTTP_REQUEST, &p, f), -EINVAL);
	mp_http_params_default(&p);
	assert_int_equal(mp_http_init(&hp, (enum mp_http_kind)7, &p, f), -EINVAL);
	p.simd = MP_HTTP_SIMD_SCALAR;
	assert_int_equal(mp_http_init(&hp, MP_HTTP_REQUEST, &p, f), 0);
	assert_int_equal(mp_http_simd_of(&hp), MP_HTTP_SIMD_SCALAR);
	assert_int_equal(mp_http_init(&hp, MP_HTTP_RESPONSE, NULL, f), 0);
	assert_int_equal(mp_http_simd_of(&hp), mp_http_simd_best());
}

int
test_http_hostile_run(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_smuggling), cmocka_unit_test(test_chunk_errors),
	        cmocka_unit_test(test_bytes),     cmocka_unit_test(test_responses_bad),
	        cmocka_unit_test(test_limits),    cmocka_unit_test(test_init),
	};

	return cmocka_run_group_tests_name("http_hostile", tests, NULL, NULL);
}
