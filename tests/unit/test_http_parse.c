/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Group http_parse: valid requests and responses of many shapes, each checked as the exact
 * transcript of what the parser reported (test_http.h): spans, ids, framing, keep-alive,
 * decoded bodies and trailers. Also the name tables (errors, fields, methods).
 *
 * Transcript lines: HEAD[method] m<id> [target] form<f> 1.<minor> framing<f> cl<n> ka<b>
 * flags<hex> seen<hex> len<head bytes>, one " [name][value] id-name" per field, "BODY n [..]"
 * when there is a body, " T[name][value]" per trailer, DONE, ERROR <name>, CLOSED.
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

static struct t_run run;

static void
expect_kind(enum mp_http_kind kind, enum mp_http_method m, bool finish, const char *in,
            const char *want)
{
	enum mp_http_simd simds[3];
	unsigned int n = t_simds(simds);

	for (unsigned int i = 0; i < n; i++) {
		memset(&run, 0, sizeof(run));
		run.kind = kind;
		run.req_method = m;
		run.finish = finish;
		run.simd = simds[i];
		t_feed1(&run, in, (uint32_t)strlen(in));
		assert_string_equal(run.out, want);
	}
}

static void
expect_req(const char *in, const char *want)
{
	expect_kind(MP_HTTP_REQUEST, MP_HTTP_M_GET, false, in, want);
}

static void
test_get_simple(void **state)
{
	(void)state;
	expect_req("GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\n"
	           "Accept: */*\r\n\r\n",
	           "HEAD[GET] m1 [/index.html?q=1] form0 1.1 framing0 cl0 ka1 flags0 seen8000003 "
	           "len86\n"
	           " [Host][example.com] host\n"
	           " [User-Agent][curl/8.0] user-agent\n"
	           " [Accept][*/*] \n"
	           "DONE\n");
}

/* OWS around values is not part of them; empty values; obs-text and HTAB inside values;
 * names in any case still get their id. */
static void
test_field_values(void **state)
{
	(void)state;
	expect_req("GET / HTTP/1.1\r\nhOsT:a.b\r\nX-Empty:\r\nX-Ws: \t \r\n"
	           "X-In:  a \t b \t\r\nX-Obs: caf\xc3\xa9\r\nX-REQUEST-ID: 7\r\n\r\n",
	           "HEAD[GET] m1 [/] form0 1.1 framing0 cl0 ka1 flags0 seen10003 len95\n"
	           " [hOsT][a.b] host\n"
	           " [X-Empty][] \n"
	           " [X-Ws][] \n"
	           " [X-In][a \t b] \n"
	           " [X-Obs][caf\xc3\xa9] \n"
	           " [X-REQUEST-ID][7] x-request-id\n"
	           "DONE\n");
}

static void
test_post_pipelined(void **state)
{
	(void)state;
	expect_req("POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
	           "GET / HTTP/1.1\r\nHost: b\r\n\r\n",
	           "HEAD[POST] m3 [/submit] form0 1.1 framing1 cl5 ka1 flags0 seen6 len53\n"
	           " [Host][a] host\n"
	           " [Content-Length][5] content-length\n"
	           "BODY 5 [hello]\n"
	           "DONE\n"
	           "HEAD[GET] m1 [/] form0 1.1 framing0 cl0 ka1 flags0 seen2 len27\n"
	           " [Host][b] host\n"
	           "DONE\n");
}

/* Empty lines before a request-line are skipped (RFC 9112 2.2) but count in the spans. */
static void
test_leading_crlf(void **state)
{
	(void)state;
	expect_req("\r\n\r\nGET / HTTP/1.1\r\nHost: b\r\n\r\n",
	           "HEAD[GET] m1 [/] form0 1.1 framing0 cl0 ka1 flags0 seen2 len31\n"
	           " [Host][b] host\n"
	           "DONE\n");
}

static void
test_chunked_request(void **state)
{
	(void)state;
	expect_req("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n"
	           "Trailer: X-Sum\r\n\r\n"
	           "5;name=val;q=\"a b\\\"\"\r\nhello\r\n6 ; ext\r\n world\r\n"
	           "A\r\n0123456789\r\n000\r\nX-Sum: 42 \r\nX-B: \r\n\r\n",
	           "HEAD[POST] m3 [/up] form0 1.1 framing2 cl0 ka1 flags0 seen20a len80\n"
	           " [Host][x] host\n"
	           " [Transfer-Encoding][gzip, chunked] transfer-encoding\n"
	           " [Trailer][X-Sum] trailer\n"
	           "BODY 21 [hello world0123456789]\n"
	           " T[X-Sum][42]\n"
	           " T[X-B][]\n"
	           "DONE\n");
}

/* Duplicate Content-Length, in one field as a list or in two fields, equal values. */
static void
test_cl_duplicates(void **state)
{
	(void)state;
	expect_req("PUT /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\nContent-Length: 003\r\n"
	           "\r\nabc",
	           "HEAD[PUT] m4 [/a] form0 1.1 framing1 cl3 ka1 flags0 seen6 len71\n"
	           " [Host][h] host\n"
	           " [Content-Length][3, 3] content-length\n"
	           " [Content-Length][003] content-length\n"
	           "BODY 3 [abc]\n"
	           "DONE\n");
	expect_req("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
	           "HEAD[POST] m3 [/] form0 1.1 framing0 cl0 ka1 flags0 seen6 len47\n"
	           " [Host][h] host\n"
	           " [Content-Length][0] content-length\n"
	           "DONE\n");
}

/* Keep-alive (RFC 9112 9.3) and the other list-valued fields. */
static void
test_keep_alive(void **state)
{
	(void)state;
	expect_req("GET / HTTP/1.0\r\n\r\n",
	           "HEAD[GET] m1 [/] form0 1.0 framing0 cl0 ka0 flags0 seen0 len18\nDONE\n");
	expect_req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
	           "HEAD[GET] m1 [/] form0 1.0 framing0 cl0 ka1 flags2 seen10 len42\n"
	           " [Connection][Keep-Alive] connection\n"
	           "DONE\n");
	expect_req(
	        "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, ,close\r\nUpgrade: websocket\r\n"
	        "\r\n",
	        "HEAD[GET] m1 [/] form0 1.1 framing0 cl0 ka0 flags5 seen32 len76\n"
	        " [Host][a] host\n"
	        " [Connection][Upgrade, ,close] connection\n"
	        " [Upgrade][websocket] upgrade\n"
	        "DONE\n");
	expect_req(
	        "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx",
	        "HEAD[PUT] m4 [/] form0 1.1 framing1 cl1 ka1 flags8 seen46 len68\n"
	        " [Host][a] host\n"
	        " [Expect][100-Continue] expect\n"
	        " [Content-Length][1] content-length\n"
	        "BODY 1 [x]\n"
	        "DONE\n");
}

static void
test_target_forms(void **state)
{
	(void)state;
	expect_req("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
	           "HEAD[CONNECT] m6 [example.com:443] form2 1.1 framing0 cl0 ka1 flags0 seen2 "
	           "len59\n"
	           " [Host][example.com:443] host\n"
	           "DONE\n");
	expect_req("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
	           "HEAD[OPTIONS] m7 [*] form3 1.1 framing0 cl0 ka1 flags0 seen2 len31\n"
	           " [Host][a] host\n"
	           "DONE\n");
	expect_req("GET http://a.example/b?c HTTP/1.1\r\nHost: a.example\r\n\r\n",
	           "HEAD[GET] m1 [http://a.example/b?c] form1 1.1 framing0 cl0 ka1 flags0 seen2 "
	           "len54\n"
	           " [Host][a.example] host\n"
	           "DONE\n");
	/* Methods are case-sensitive tokens: unknown ones parse as OTHER. */
	expect_req("get / HTTP/1.1\r\nHost: a\r\n\r\n",
	           "HEAD[get] m0 [/] form0 1.1 framing0 cl0 ka1 flags0 seen2 len27\n"
	           " [Host][a] host\n"
	           "DONE\n");
}

static void
test_responses(void **state)
{
	const char *r200 = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nServer: t\r\n\r\nabc";

	(void)state;
	expect_kind(MP_HTTP_RESPONSE, MP_HTTP_M_GET, false, r200,
	            "HEAD 200[OK] 1.1 framing1 cl3 ka1 flags0 seen100004 len49\n"
	            " [Content-Length][3] content-length\n"
	            " [Server][t] server\n"
	            "BODY 3 [abc]\n"
	            "DONE\n");
	/* To HEAD: no body whatever the fields say; "abc" is the next response, and bad. */
	expect_kind(MP_HTTP_RESPONSE, MP_HTTP_M_HEAD, false, r200,
	            "HEAD 200[OK] 1.1 framing0 cl3 ka1 flags0 seen100004 len49\n"
	            " [Content-Length][3] content-length\n"
	            " [Server][t] server\n"
	            "DONE\n"
	            "ERROR bad_version\n");
	expect_kind(MP_HTTP_RESPONSE, MP_HTTP_M_GET, false,
	            "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 \r\nContent-Length: 9\r\n\r\n",
	            "HEAD 204[No Content] 1.1 framing0 cl0 ka1 flags0 seen0 len27\n"
	            "DONE\n"
	            "HEAD 304[] 1.1 framing0 cl9 ka1 flags0 seen4 len36\n"
	            " [Content-Length][9] content-length\n"
	            "DONE\n");
	expect_kind(MP_HTTP_RESPONSE, MP_HTTP_M_POST, false,
	            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	            "\r\n4\r\nWiki\r\n0\r\n\r\n",
	            "HEAD 100[Continue] 1.1 framing0 cl0 ka1 flags0 seen0 len25\n"
	            "DONE\n"
	            "HEAD 200[OK] 1.1 framing2 cl0 ka1 flags0 seen8 len47\n"
	            " [Transfer-Encoding][chunked] transfer-encoding\n"
	            "BODY 4 [Wiki]\n"
	            "DONE\n");
	expect_kind(MP_HTTP_RESPONSE, MP_HTTP_M_GET, true, "HTTP/1.0 200 OK\r\n\r\nabc",
	            "HEAD 200[OK] 1.0 framing3 cl0 ka0 flags0 seen0 len19\n"
	            "BODY 3 [abc]\n"
	            "DONE\n");
	/* A response may end in a coding other than chunked: read until close. */
	expect_kind(MP_HTTP_RESPONSE, MP_HTTP_M_GET, true,
	            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz",
	            "HEAD 200[OK] 1.1 framing3 cl0 ka0 flags20 seen8 len44\n"
	            " [Transfer-Encoding][gzip] transfer-encoding\n"
	            "BODY 3 [xyz]\n"
	            "DONE\n");
	/* 101 and 2xx to CONNECT: a tunnel; bytes after it are not the parser's. */
	expect_kind(MP_HTTP_RESPONSE, MP_HTTP_M_GET, false,
	            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	            "Connection: Upgrade\r\n\r\n\x81\x05hello",
	            "HEAD 101[Switching Protocols] 1.1 framing4 cl0 ka0 flags4 seen30 len77\n"
	            " [Upgrade][websocket] upgrade\n"
	            " [Connection][Upgrade] connection\n"
	            "DONE\n"
	            "ERROR data_after_tunnel\n");
	expect_kind(MP_HTTP_RESPONSE, MP_HTTP_M_CONNECT, false, "HTTP/1.1 200 OK\r\n\r\n",
	            "HEAD 200[OK] 1.1 framing4 cl0 ka0 flags0 seen0 len19\n"
	            "DONE\n");
	/* Closing between messages is clean; inside one it is not. */
	expect_kind(MP_HTTP_RESPONSE, MP_HTTP_M_GET, true, "", "CLOSED\n");
	expect_kind(MP_HTTP_RESPONSE, MP_HTTP_M_GET, true,
	            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab",
	            "HEAD 200[OK] 1.1 framing1 cl5 ka1 flags0 seen4 len38\n"
	            " [Content-Length][5] content-length\n"
	            "ERROR truncated\n");
}

/* Every error, field and method has a name; error names are unique. */
static void
test_names(void **state)
{
	(void)state;
	for (int i = 0; i < MP_HTTP_ERR_MAX; i++) {
		const char *n = mp_http_err_name((enum mp_http_err)i);

		assert_true(strlen(n) > 0);
		assert_true(strlen(mp_http_err_desc((enum mp_http_err)i)) > 0);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, mp_http_err_name((enum mp_http_err)j));
		if (i != MP_HTTP_ERR_NONE)
			assert_true(mp_http_err_status((enum mp_http_err)i) >= 400);
	}
	assert_string_equal(mp_http_err_name(MP_HTTP_ERR_MAX), "?");
	assert_int_equal(mp_http_err_status(MP_HTTP_ERR_REQUEST_LINE_TOO_LONG), 414);
	assert_int_equal(mp_http_err_status(MP_HTTP_ERR_HEADERS_TOO_LARGE), 431);
	assert_int_equal(mp_http_err_status(MP_HTTP_ERR_TOO_MANY_FIELDS), 431);
	assert_int_equal(mp_http_err_status(MP_HTTP_ERR_BODY_TOO_LARGE), 413);
	assert_int_equal(mp_http_err_status(MP_HTTP_ERR_TE_UNKNOWN), 501);
	assert_int_equal(mp_http_err_status(MP_HTTP_ERR_VERSION_UNSUPPORTED), 505);
	assert_int_equal(mp_http_err_status(MP_HTTP_ERR_CL_AND_TE), 400);
	assert_string_equal(mp_http_hdr_name(MP_HTTP_HDR_X_FORWARDED_FOR), "x-forwarded-for");
	assert_string_equal(mp_http_method_name(MP_HTTP_M_PATCH), "PATCH");
}

/* Each known field name, in upper case, gets its id; near misses get OTHER. */
static void
test_field_ids(void **state)
{
	char in[256], want[512];

	(void)state;
	for (int id = 1; id < MP_HTTP_HDR_MAX; id++) {
		const char *n = mp_http_hdr_name((enum mp_http_hdr)id);
		char up[32], miss[32];
		size_t len = strlen(n);

		for (size_t i = 0; i <= len; i++)
			up[i] = (char)(n[i] >= 'a' && n[i] <= 'z' ? n[i] - 32 : n[i]);
		snprintf(miss, sizeof(miss), "%sx", n);
		/* HTTP/1.0 so that no Host is needed; values that the framing accepts. */
		snprintf(in, sizeof(in), "GET / HTTP/1.0\r\n%s: 0\r\n%s: 1\r\n\r\n", up, miss);
		memset(&run, 0, sizeof(run));
		run.kind = MP_HTTP_REQUEST;
		t_feed1(&run, in, (uint32_t)strlen(in));
		if (id == MP_HTTP_HDR_TRANSFER_ENCODING) {
			assert_int_equal(run.err, MP_HTTP_ERR_TE_HTTP10);
			continue;
		}
		snprintf(want, sizeof(want), " [%s][0] %s\n [%s][1] \n", up, n, miss);
		assert_non_null(strstr(run.out, want));
	}
}

int
test_http_parse_run(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_get_simple),      cmocka_unit_test(test_field_values),
	        cmocka_unit_test(test_post_pipelined),  cmocka_unit_test(test_leading_crlf),
	        cmocka_unit_test(test_chunked_request), cmocka_unit_test(test_cl_duplicates),
	        cmocka_unit_test(test_keep_alive),      cmocka_unit_test(test_target_forms),
	        cmocka_unit_test(test_responses),       cmocka_unit_test(test_names),
	        cmocka_unit_test(test_field_ids),
	};

	return cmocka_run_group_tests_name("http_parse", tests, NULL, NULL);
}
