/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/proxy's head writer: real heads parsed by lib/http are rewritten, and every output is
 * parsed again by lib/http, which must find a valid message with exactly the expected start
 * line and field lines, in order. Local responses are compared byte for byte. Every writer is
 * run at every capacity below the length it needs, over a guard region that must stay as it
 * was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mp_http.h"
#include "mp_proxy_head.h"

#define OUT_MAX 4096
#define GUARD   64
#define CLIENT  "192.0.2.7"
#define RID     "0b9c3f5e-8a41-4d2a-9b7e-5f1c2d3e4a5b"

#define S(lit)      ((struct mp_route_str){lit, sizeof(lit) - 1})
#define FIELDS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_FIELDS   ((const char *const[]){NULL})
#define OPS(...)    ((const struct mp_route_header_op[]){__VA_ARGS__})
#define NOPS(...)   ((uint16_t)(sizeof(OPS(__VA_ARGS__)) / sizeof(struct mp_route_header_op)))
#define ADD(n, v)          \
	{                  \
		S(n), S(v) \
	}
#define REMOVE(n)               \
	{                       \
		S(n),           \
		{               \
			NULL, 0 \
		}               \
	}
#define PROXY_FIELDS "X-Forwarded-For: " CLIENT, "X-Forwarded-Proto: http", "X-Request-Id: " RID

/* The received message: lib/http's parser, its fields and the bytes they index. */
static struct mp_http_parser in_hp;
static struct mp_http_field in_fields[MP_HTTP_DEF_MAX_HEADERS];
static const uint8_t *in_buf;

/* The rewritten head, with room for a guard region after any capacity tried. */
static uint8_t out[OUT_MAX + GUARD];

/* Parse text as a head of kind (responses answer method); the head must be all of text. */
static void
parse_in(enum mp_http_kind kind, enum mp_http_method method, const char *text)
{
	uint32_t len = (uint32_t)strlen(text), used = 0;
	enum mp_http_event ev;

	assert_int_equal(mp_http_init(&in_hp, kind, NULL, in_fields), 0);
	if (kind == MP_HTTP_RESPONSE)
		mp_http_expect_response(&in_hp, method);
	in_buf = (const uint8_t *)text;
	ev = mp_http_parse(&in_hp, in_buf, len, &used);
	if (ev != MP_HTTP_HEAD)
		fail_msg("input does not parse (%s):\n%s", mp_http_err_name(in_hp.err), text);
	assert_int_equal(used, len);
	assert_int_equal(in_hp.msg.head_len, len);
}

/* A request parsed from text, to be forwarded with the usual proxy fields. */
static struct mp_proxy_req_head
req_in(const char *text)
{
	parse_in(MP_HTTP_REQUEST, MP_HTTP_M_OTHER, text);
	return (struct mp_proxy_req_head){
	        .head = in_buf,
	        .msg = &in_hp.msg,
	        .fields = in_fields,
	        .client = S(CLIENT),
	        .proto = S("http"),
	        .req_id = S(RID),
	        .conn = MP_PROXY_CONN_DEFAULT,
	};
}

static struct mp_proxy_resp_head
resp_in(enum mp_http_method method, const char *text)
{
	parse_in(MP_HTTP_RESPONSE, method, text);
	return (struct mp_proxy_resp_head){
	        .head = in_buf,
	        .msg = &in_hp.msg,
	        .fields = in_fields,
	        .conn = MP_PROXY_CONN_DEFAULT,
	};
}

/*
 * Parse p[0, n) with lib/http as a message of kind (a response to method): it must be valid,
 * start with the line start, and hold exactly the field lines exp ("name: value"), in order.
 * Returns the head's length.
 */
static uint32_t
check_head(const uint8_t *p, uint32_t n, enum mp_http_kind kind, enum mp_http_method method,
           const char *start, const char *const *exp)
{
	static struct mp_http_parser hp;
	static struct mp_http_field f[MP_HTTP_DEF_MAX_HEADERS];
	uint32_t used = 0, nexp = 0, sl = (uint32_t)strlen(start);
	char line[1024];

	assert_int_equal(mp_http_init(&hp, kind, NULL, f), 0);
	if (kind == MP_HTTP_RESPONSE)
		mp_http_expect_response(&hp, method);
	if (mp_http_parse(&hp, p, n, &used) != MP_HTTP_HEAD)
		fail_msg("output is not a valid head (%s):\n%.*s", mp_http_err_name(hp.err), (int)n,
		         (const char *)p);
	if (n < sl + 2 || memcmp(p, start, sl) != 0 || memcmp(p + sl, "\r\n", 2) != 0)
		fail_msg("start line is not \"%s\":\n%.*s", start, (int)n, (const char *)p);
	while (exp[nexp] != NULL)
		nexp++;
	if (hp.msg.nfields != nexp)
		fail_msg("%u fields, expected %u:\n%.*s", hp.msg.nfields, nexp, (int)n,
		         (const char *)p);
	for (uint32_t i = 0; i < nexp; i++) {
		snprintf(line, sizeof(line), "%.*s: %.*s", (int)f[i].name.len,
		         (const char *)p + f[i].name.off, (int)f[i].value.len,
		         (const char *)p + f[i].value.off);
		assert_string_equal(line, exp[i]);
	}
	return hp.msg.head_len;
}

/* Forward r; the output must be one whole head: start, exactly the fields exp. */
static int
check_req(const struct mp_proxy_req_head *r, const char *start, const char *const *exp)
{
	int n = mp_proxy_write_request(r, out, OUT_MAX);

	assert_true(n > 0);
	assert_int_equal(check_head(out, (uint32_t)n, MP_HTTP_REQUEST, MP_HTTP_M_OTHER, start, exp),
	                 n);
	return n;
}

static int
check_resp(const struct mp_proxy_resp_head *r, enum mp_http_method method, const char *start,
           const char *const *exp)
{
	int n = mp_proxy_write_response(r, out, OUT_MAX);

	assert_true(n > 0);
	assert_int_equal(check_head(out, (uint32_t)n, MP_HTTP_RESPONSE, method, start, exp), n);
	return n;
}

/* A local response must be exactly want, and parse as a response to method. */
static void
check_local(const struct mp_proxy_local *l, enum mp_http_method method, const char *want)
{
	static struct mp_http_parser hp;
	static struct mp_http_field f[MP_HTTP_DEF_MAX_HEADERS];
	int n = mp_proxy_write_local(l, out, OUT_MAX);
	uint32_t used = 0;

	assert_true(n > 0);
	if ((size_t)n != strlen(want) || memcmp(out, want, (size_t)n) != 0)
		fail_msg("local response:\n%.*s\nexpected:\n%s", n, (const char *)out, want);
	assert_int_equal(mp_http_init(&hp, MP_HTTP_RESPONSE, NULL, f), 0);
	mp_http_expect_response(&hp, method);
	assert_int_equal(mp_http_parse(&hp, out, (uint32_t)n, &used), MP_HTTP_HEAD);
}

/* The output holds these bytes somewhere (a field line copied byte for byte). */
static void
assert_out_has(int n, const char *s)
{
	if (memmem(out, (size_t)n, s, strlen(s)) == NULL)
		fail_msg("output has no \"%s\":\n%.*s", s, n, (const char *)out);
}

/* ---------------------------------------------------------------------------------------- */
/* Requests                                                                                  */

static void
test_request_plain(void **state)
{
	struct mp_proxy_req_head r;
	int n;

	(void)state;
	r = req_in("GET /index.html?q=1 HTTP/1.1\r\n"
	           "Host: www.example.com\r\n"
	           "user-AGENT: curl/7.88.1\r\n"
	           "Accept:\t*/* \r\n"
	           "Content-Length: 0\r\n"
	           "\r\n");
	n = check_req(&r, "GET /index.html?q=1 HTTP/1.1",
	              FIELDS("Host: www.example.com", "user-AGENT: curl/7.88.1", "Accept: */*",
	                     "Content-Length: 0", PROXY_FIELDS, "Via: 1.1 meshpath"));
	/* Kept lines are the received bytes: name case, whitespace and all. */
	assert_out_has(n, "\r\nuser-AGENT: curl/7.88.1\r\nAccept:\t*/* \r\nContent-Length: 0\r\n");

	/* The target to send, the method as received, nothing optional. */
	r = req_in("PURGE /a/b HTTP/1.1\r\nHost: h\r\n\r\n");
	r.target = S("/b");
	r.client = (struct mp_route_str){NULL, 0};
	r.proto = (struct mp_route_str){NULL, 0};
	r.req_id = (struct mp_route_str){NULL, 0};
	check_req(&r, "PURGE /b HTTP/1.1", FIELDS("Host: h", "Via: 1.1 meshpath"));

	/* Empty lines before the request-line count in the spans. */
	r = req_in("\r\n\r\nDELETE /x HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nConnection: close\r\n\r\n");
	check_req(&r, "DELETE /x HTTP/1.1",
	          FIELDS("Host: h", "X-A: 1", PROXY_FIELDS, "Via: 1.1 meshpath"));
}

static void
test_request_hop_by_hop(void **state)
{
	struct mp_proxy_req_head r;
	int n;

	(void)state;
	r = req_in("GET / HTTP/1.1\r\n"
	           "Connection: keep-alive, Upgrade, TE\r\n"
	           "Host: h\r\n"
	           "Keep-Alive: timeout=5, max=100\r\n"
	           "X-A: 1\r\n"
	           "Proxy-Connection: keep-alive\r\n"
	           "TE: trailers\r\n"
	           "Upgrade: websocket\r\n"
	           "X-B: 2 \t\r\n"
	           "\r\n");
	n = check_req(&r, "GET / HTTP/1.1",
	              FIELDS("Host: h", "X-A: 1", "X-B: 2", PROXY_FIELDS, "Via: 1.1 meshpath"));
	/* The last field line is copied to its CRLF, trailing whitespace and all. */
	assert_out_has(n, "\r\nX-B: 2 \t\r\nX-Forwarded-For: ");

	/* What the upstream connection wants is said once, at the end. */
	r.conn = MP_PROXY_CONN_CLOSE;
	check_req(&r, "GET / HTTP/1.1",
	          FIELDS("Host: h", "X-A: 1", "X-B: 2", PROXY_FIELDS, "Via: 1.1 meshpath",
	                 "Connection: close"));
	r.conn = MP_PROXY_CONN_KEEP_ALIVE;
	check_req(&r, "GET / HTTP/1.1",
	          FIELDS("Host: h", "X-A: 1", "X-B: 2", PROXY_FIELDS, "Via: 1.1 meshpath",
	                 "Connection: keep-alive"));
}

static void
test_request_upgrade(void **state)
{
	struct mp_proxy_req_head r;

	(void)state;
	r = req_in("GET /chat HTTP/1.1\r\n"
	           "Host: h\r\n"
	           "Upgrade: websocket\r\n"
	           "Connection: Upgrade\r\n"
	           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	           "Sec-WebSocket-Version: 13\r\n"
	           "\r\n");
	r.conn = MP_PROXY_CONN_UPGRADE;
	check_req(&r, "GET /chat HTTP/1.1",
	          FIELDS("Host: h", "Upgrade: websocket",
	                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
	                 PROXY_FIELDS, "Via: 1.1 meshpath", "Connection: upgrade"));
	r.conn = MP_PROXY_CONN_DEFAULT;
	check_req(&r, "GET /chat HTTP/1.1",
	          FIELDS("Host: h", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
	                 "Sec-WebSocket-Version: 13", PROXY_FIELDS, "Via: 1.1 meshpath"));
}

static void
test_connection_names_fields(void **state)
{
	struct mp_proxy_req_head r;

	(void)state;
	/* Two Connection fields, odd spacing and case; Host and framing named but kept. */
	r = req_in("POST /up HTTP/1.1\r\n"
	           "Host: h\r\n"
	           "Connection: X-Foo ,, x-bar\t, Host\r\n"
	           "X-Foo: 1\r\n"
	           "X-Keep: 2\r\n"
	           "X-BAR: 3\r\n"
	           "Content-Length: 4\r\n"
	           "Cookie: c=1\r\n"
	           "connection: CONTENT-LENGTH, cookie, close\r\n"
	           "\r\n");
	check_req(&r, "POST /up HTTP/1.1",
	          FIELDS("Host: h", "X-Keep: 2", "Content-Length: 4", PROXY_FIELDS,
	                 "Via: 1.1 meshpath"));

	/* Transfer-Encoding named: kept, the body stays chunked. */
	r = req_in("POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	           "Connection: transfer-encoding, te\r\nTE: trailers\r\n\r\n");
	check_req(
	        &r, "POST /up HTTP/1.1",
	        FIELDS("Host: h", "Transfer-Encoding: chunked", PROXY_FIELDS, "Via: 1.1 meshpath"));

	/* More options than the writer remembers: the rest are still honoured. */
	r = req_in("GET / HTTP/1.1\r\nHost: h\r\n"
	           "Connection: a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, host, A11\r\n"
	           "A1: x\r\nB: x\r\nA9: x\r\nA10: x\r\nA11: x\r\nA12: x\r\n\r\n");
	check_req(&r, "GET / HTTP/1.1",
	          FIELDS("Host: h", "B: x", "A12: x", PROXY_FIELDS, "Via: 1.1 meshpath"));

	/* Naming the proxy's own fields drops the received ones; the proxy's are still sent. */
	r = req_in(
	        "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 6.6.6.6\r\nVia: 1.0 evil\r\n"
	        "X-Request-Id: forged\r\nConnection: x-forwarded-for, via, x-request-id\r\n\r\n");
	check_req(&r, "GET / HTTP/1.1", FIELDS("Host: h", PROXY_FIELDS, "Via: 1.1 meshpath"));
}

static void
test_forwarded_for(void **state)
{
	struct mp_proxy_req_head r;

	(void)state;
	/* Two fields merge into one where the first was, the client last. */
	r = req_in("GET / HTTP/1.1\r\n"
	           "Host: h\r\n"
	           "X-Forwarded-For: 203.0.113.1, 203.0.113.2\r\n"
	           "X-A: 1\r\n"
	           "x-forwarded-for: 2001:db8::1\r\n"
	           "X-Forwarded-For:\r\n"
	           "X-B: 2\r\n"
	           "\r\n");
	check_req(&r, "GET / HTTP/1.1",
	          FIELDS("Host: h",
	                 "X-Forwarded-For: 203.0.113.1, 203.0.113.2, 2001:db8::1, " CLIENT,
	                 "X-A: 1", "X-B: 2", "X-Forwarded-Proto: http", "X-Request-Id: " RID,
	                 "Via: 1.1 meshpath"));

	/* Without a client address the received values go on alone... */
	r.client = (struct mp_route_str){NULL, 0};
	check_req(&r, "GET / HTTP/1.1",
	          FIELDS("Host: h", "X-Forwarded-For: 203.0.113.1, 203.0.113.2, 2001:db8::1",
	                 "X-A: 1", "X-B: 2", "X-Forwarded-Proto: http", "X-Request-Id: " RID,
	                 "Via: 1.1 meshpath"));

	/* ...and with neither there is no field at all. */
	r = req_in("GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: \r\n\r\n");
	r.client = (struct mp_route_str){NULL, 0};
	check_req(&r, "GET / HTTP/1.1",
	          FIELDS("Host: h", "X-Forwarded-Proto: http", "X-Request-Id: " RID,
	                 "Via: 1.1 meshpath"));
}

static void
test_forwarded_proto_and_request_id(void **state)
{
	static const struct mp_route_header_op rm[] = {REMOVE("x-request-id")};
	struct mp_route rt = {.req_remove = rm, .n_req_remove = 1};
	struct mp_proxy_req_head r;

	(void)state;
	/* A received X-Forwarded-Proto is replaced; the first X-Request-Id is kept, alone. */
	r = req_in("GET / HTTP/1.1\r\n"
	           "X-Forwarded-Proto: https\r\n"
	           "X-Request-Id: abc-1\r\n"
	           "Host: h\r\n"
	           "x-forwarded-proto: gopher\r\n"
	           "X-Request-ID: abc-2\r\n"
	           "\r\n");
	check_req(&r, "GET / HTTP/1.1",
	          FIELDS("X-Request-Id: abc-1", "Host: h", "X-Forwarded-For: " CLIENT,
	                 "X-Forwarded-Proto: http", "Via: 1.1 meshpath"));

	/* None received: req_id is added. */
	r = req_in("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	check_req(&r, "GET / HTTP/1.1", FIELDS("Host: h", PROXY_FIELDS, "Via: 1.1 meshpath"));

	/* A route removing x-request-id removes the received one: req_id is added. */
	r = req_in("GET / HTTP/1.1\r\nX-REQUEST-ID: forged\r\nHost: h\r\n\r\n");
	r.route = &rt;
	check_req(&r, "GET / HTTP/1.1", FIELDS("Host: h", PROXY_FIELDS, "Via: 1.1 meshpath"));
}

static void
test_via(void **state)
{
	struct mp_proxy_req_head r;

	(void)state;
	r = req_in("GET / HTTP/1.1\r\n"
	           "Via: 1.0 fred, 1.1 p.example.net\r\n"
	           "Host: h\r\n"
	           "via: 1.1 other\r\n"
	           "\r\n");
	check_req(&r, "GET / HTTP/1.1",
	          FIELDS("Via: 1.0 fred, 1.1 p.example.net, 1.1 other, 1.1 meshpath", "Host: h",
	                 PROXY_FIELDS));
}

static void
test_http10_request(void **state)
{
	struct mp_proxy_req_head r;

	(void)state;
	/* Upstream is HTTP/1.1: an empty Host is added when there was none; Via says 1.0. */
	r = req_in("GET /old HTTP/1.0\r\n"
	           "User-Agent: Lynx\r\n"
	           "Connection: keep-alive\r\n"
	           "\r\n");
	check_req(&r, "GET /old HTTP/1.1",
	          FIELDS("Host: ", "User-Agent: Lynx", PROXY_FIELDS, "Via: 1.0 meshpath"));

	r = req_in("HEAD /old HTTP/1.0\r\nHost: h\r\n\r\n");
	check_req(&r, "HEAD /old HTTP/1.1", FIELDS("Host: h", PROXY_FIELDS, "Via: 1.0 meshpath"));
}

static const struct mp_route_header_op req_removes[] = {
        REMOVE("x-secret"), REMOVE("x-forwarded-for"), REMOVE("host"), /* never removed */
        REMOVE("content-length"),                                      /* never removed */
};
static const struct mp_route_header_op req_adds[] = {
        ADD("x-route", "api"),
        ADD("host", "evil.example"),   /* refused */
        ADD("content-length", "99"),   /* refused */
        ADD("connection", "close"),    /* refused */
        ADD("transfer-encoding", "x"), /* refused */
        ADD("x-empty", ""),
};

static void
test_route_ops_request(void **state)
{
	struct mp_route rt = {
	        .req_remove = req_removes,
	        .n_req_remove = sizeof(req_removes) / sizeof(req_removes[0]),
	        .req_add = req_adds,
	        .n_req_add = sizeof(req_adds) / sizeof(req_adds[0]),
	};
	struct mp_proxy_req_head r;

	(void)state;
	r = req_in("POST / HTTP/1.1\r\n"
	           "Host: h\r\n"
	           "X-SECRET: 1\r\n"
	           "X-Forwarded-For: 203.0.113.9\r\n"
	           "X-Secret-Not: 2\r\n"
	           "x-Secret: 3\r\n"
	           "Content-Length: 0\r\n"
	           "\r\n");
	r.route = &rt;
	r.conn = MP_PROXY_CONN_KEEP_ALIVE;
	check_req(&r, "POST / HTTP/1.1",
	          FIELDS("Host: h", "X-Secret-Not: 2", "Content-Length: 0", PROXY_FIELDS,
	                 "Via: 1.1 meshpath", "x-route: api",
	                 "x-empty: ", "Connection: keep-alive"));
}

/* ---------------------------------------------------------------------------------------- */
/* Responses                                                                                 */

static void
test_response_plain(void **state)
{
	struct mp_proxy_resp_head r;
	int n;

	(void)state;
	r = resp_in(MP_HTTP_M_GET, "HTTP/1.1 200 OK\r\n"
	                           "Server: nginx/1.22.1\r\n"
	                           "Content-Type: text/html\r\n"
	                           "Content-Length: 612\r\n"
	                           "Connection: keep-alive, X-Hop\r\n"
	                           "Keep-Alive: timeout=5\r\n"
	                           "X-Hop: 1\r\n"
	                           "Proxy-Connection: close\r\n"
	                           "Upgrade: h2c\r\n"
	                           "ETag:  \"64d39a40-264\"\r\n"
	                           "\r\n");
	n = check_resp(&r, MP_HTTP_M_GET, "HTTP/1.1 200 OK",
	               FIELDS("Server: nginx/1.22.1", "Content-Type: text/html",
	                      "Content-Length: 612", "ETag: \"64d39a40-264\"",
	                      "Via: 1.1 meshpath"));
	assert_out_has(n, "\r\nETag:  \"64d39a40-264\"\r\n");
	r.conn = MP_PROXY_CONN_KEEP_ALIVE;
	check_resp(&r, MP_HTTP_M_GET, "HTTP/1.1 200 OK",
	           FIELDS("Server: nginx/1.22.1", "Content-Type: text/html", "Content-Length: 612",
	                  "ETag: \"64d39a40-264\"", "Via: 1.1 meshpath", "Connection: keep-alive"));

	/* An HTTP/1.0 response goes out as 1.1, Via saying what was received. */
	r = resp_in(MP_HTTP_M_GET, "HTTP/1.0 404 Not Found\r\nVia: 1.1 cache\r\n"
	                           "Content-Length: 0\r\n\r\n");
	check_resp(&r, MP_HTTP_M_GET, "HTTP/1.1 404 Not Found",
	           FIELDS("Via: 1.1 cache, 1.0 meshpath", "Content-Length: 0"));
}

static void
test_response_empty_reason(void **state)
{
	struct mp_proxy_resp_head r;
	int n;

	(void)state;
	r = resp_in(MP_HTTP_M_GET, "HTTP/1.1 204 \r\nDate: Thu, 26 Nov 2026 12:00:00 GMT\r\n\r\n");
	n = check_resp(&r, MP_HTTP_M_GET, "HTTP/1.1 204 ",
	               FIELDS("Date: Thu, 26 Nov 2026 12:00:00 GMT", "Via: 1.1 meshpath"));
	assert_int_equal(memcmp(out, "HTTP/1.1 204 \r\nDate:", 20), 0);
	(void)n;

	r = resp_in(MP_HTTP_M_GET, "HTTP/1.1 599 Custom Words Here\r\nContent-Length: 0\r\n\r\n");
	check_resp(&r, MP_HTTP_M_GET, "HTTP/1.1 599 Custom Words Here",
	           FIELDS("Content-Length: 0", "Via: 1.1 meshpath"));
}

static void
test_response_dechunk(void **state)
{
	static const char chunked[] = "HTTP/1.1 200 OK\r\n"
	                              "Content-Type: application/json\r\n"
	                              "Transfer-Encoding: chunked\r\n"
	                              "Trailer: X-Checksum\r\n"
	                              "X-A: 1\r\n"
	                              "\r\n";
	struct mp_proxy_resp_head r;

	(void)state;
	r = resp_in(MP_HTTP_M_GET, chunked);
	check_resp(&r, MP_HTTP_M_GET, "HTTP/1.1 200 OK",
	           FIELDS("Content-Type: application/json", "Transfer-Encoding: chunked",
	                  "Trailer: X-Checksum", "X-A: 1", "Via: 1.1 meshpath"));
	r.dechunk = true;
	r.conn = MP_PROXY_CONN_CLOSE;
	check_resp(&r, MP_HTTP_M_GET, "HTTP/1.1 200 OK",
	           FIELDS("Content-Type: application/json", "X-A: 1", "Via: 1.1 meshpath",
	                  "Connection: close"));
	/* The output's body now runs until close. */
	{
		struct mp_http_parser hp;
		struct mp_http_field f[MP_HTTP_DEF_MAX_HEADERS];
		int n = mp_proxy_write_response(&r, out, OUT_MAX);
		uint32_t used;

		assert_int_equal(mp_http_init(&hp, MP_HTTP_RESPONSE, NULL, f), 0);
		mp_http_expect_response(&hp, MP_HTTP_M_GET);
		assert_int_equal(mp_http_parse(&hp, out, (uint32_t)n, &used), MP_HTTP_HEAD);
		assert_int_equal(hp.msg.framing, MP_HTTP_BODY_UNTIL_CLOSE);
	}
}

static void
test_response_upgrade(void **state)
{
	struct mp_proxy_resp_head r;

	(void)state;
	r = resp_in(MP_HTTP_M_GET, "HTTP/1.1 101 Switching Protocols\r\n"
	                           "Upgrade: websocket\r\n"
	                           "Connection: Upgrade\r\n"
	                           "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	                           "\r\n");
	r.conn = MP_PROXY_CONN_UPGRADE;
	check_resp(&r, MP_HTTP_M_GET, "HTTP/1.1 101 Switching Protocols",
	           FIELDS("Upgrade: websocket",
	                  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Via: 1.1 meshpath",
	                  "Connection: upgrade"));
	r.conn = MP_PROXY_CONN_CLOSE;
	check_resp(&r, MP_HTTP_M_GET, "HTTP/1.1 101 Switching Protocols",
	           FIELDS("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Via: 1.1 meshpath",
	                  "Connection: close"));
}

static const struct mp_route_header_op resp_removes[] = {
        REMOVE("server"), REMOVE("content-length"), /* never removed */
        REMOVE("via"), /* the received Via goes, the proxy's entry stays */
};
static const struct mp_route_header_op resp_adds[] = {
        ADD("x-served-by", "meshpath"), ADD("strict-transport-security", "max-age=31536000"),
        ADD("upgrade", "h2c"), /* refused */
};

static void
test_route_ops_response(void **state)
{
	struct mp_route rt = {
	        .resp_remove = resp_removes,
	        .n_resp_remove = sizeof(resp_removes) / sizeof(resp_removes[0]),
	        .resp_add = resp_adds,
	        .n_resp_add = sizeof(resp_adds) / sizeof(resp_adds[0]),
	};
	struct mp_proxy_resp_head r;

	(void)state;
	r = resp_in(MP_HTTP_M_GET, "HTTP/1.1 200 OK\r\nSERVER: Apache\r\nVia: 1.1 cdn\r\n"
	                           "Content-Length: 2\r\nX-A: 1\r\n\r\n");
	r.route = &rt;
	check_resp(&r, MP_HTTP_M_GET, "HTTP/1.1 200 OK",
	           FIELDS("Content-Length: 2", "X-A: 1", "Via: 1.1 meshpath",
	                  "x-served-by: meshpath", "strict-transport-security: max-age=31536000"));
}

/* ---------------------------------------------------------------------------------------- */
/* Local responses                                                                           */

static void
test_local(void **state)
{
	static const struct mp_route_header_op adds[] = {ADD("x-served-by", "meshpath")};
	static const struct mp_route_header_op removes[] = {REMOVE("content-type")};
	struct mp_route rt = {.resp_add = adds, .n_resp_add = 1};
	struct mp_route rt_rm = {.resp_remove = removes, .n_resp_remove = 1};
	struct mp_proxy_local l;

	(void)state;
	l = (struct mp_proxy_local){.status = 404, .body = S("no route\n")};
	check_local(&l, MP_HTTP_M_GET,
	            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n"
	            "\r\nno route\n");

	/* HEAD: the same head, no body bytes. */
	l.head_only = true;
	check_local(&l, MP_HTTP_M_HEAD,
	            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n"
	            "\r\n");

	l = (struct mp_proxy_local){.status = 301, .location = S("https://example.com/a?b=1")};
	check_local(&l, MP_HTTP_M_GET,
	            "HTTP/1.1 301 Moved Permanently\r\nContent-Length: 0\r\n"
	            "Location: https://example.com/a?b=1\r\n\r\n");

	l = (struct mp_proxy_local){.status = 503,
	                            .conn = MP_PROXY_CONN_CLOSE,
	                            .body = S("upstream overflow\n"),
	                            .overflow = S("backend-a")};
	check_local(&l, MP_HTTP_M_GET,
	            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
	            "Content-Length: 18\r\nx-meshpath-overflow: backend-a\r\nConnection: close\r\n"
	            "\r\nupstream overflow\n");

	/* 204, 304 and 1xx carry no Content-Length and no body, whatever the caller gave. */
	l = (struct mp_proxy_local){.status = 204, .body = S("x")};
	check_local(&l, MP_HTTP_M_GET, "HTTP/1.1 204 No Content\r\n\r\n");
	l.status = 304;
	check_local(&l, MP_HTTP_M_GET, "HTTP/1.1 304 Not Modified\r\n\r\n");
	l.status = 100;
	l.conn = MP_PROXY_CONN_KEEP_ALIVE;
	check_local(&l, MP_HTTP_M_GET, "HTTP/1.1 100 Continue\r\nConnection: keep-alive\r\n\r\n");

	/* A CONNECT tunnel's 200: nothing; an error to CONNECT is an ordinary response. */
	l = (struct mp_proxy_local){.status = 200, .connect = true};
	check_local(&l, MP_HTTP_M_CONNECT, "HTTP/1.1 200 Connection Established\r\n\r\n");
	l = (struct mp_proxy_local){.status = 502, .connect = true, .body = S("bad gateway\n")};
	check_local(&l, MP_HTTP_M_CONNECT,
	            "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n"
	            "\r\nbad gateway\n");

	/* A direct response with the route's additions; and one whose route removes a field. */
	l = (struct mp_proxy_local){.status = 200, .body = S("ok\n"), .route = &rt};
	check_local(&l, MP_HTTP_M_GET,
	            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
	            "x-served-by: meshpath\r\n\r\nok\n");
	l.route = &rt_rm;
	check_local(&l, MP_HTTP_M_GET, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");

	/* An unregistered status: an empty reason. */
	l = (struct mp_proxy_local){.status = 599};
	check_local(&l, MP_HTTP_M_GET, "HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n");
}

/* ---------------------------------------------------------------------------------------- */
/* Capacity                                                                                  */

typedef int (*write_fn)(const void *r, uint8_t *out, uint32_t cap);

static int
w_req(const void *r, uint8_t *o, uint32_t cap)
{
	return mp_proxy_write_request(r, o, cap);
}

static int
w_resp(const void *r, uint8_t *o, uint32_t cap)
{
	return mp_proxy_write_response(r, o, cap);
}

static int
w_local(const void *r, uint8_t *o, uint32_t cap)
{
	return mp_proxy_write_local(r, o, cap);
}

/* Every capacity below the full length fails with -ENOSPC and writes nothing past it. */
static void
check_caps(write_fn fn, const void *r)
{
	static uint8_t want[OUT_MAX];
	int full = fn(r, want, OUT_MAX);

	assert_true(full > 0 && full < OUT_MAX);
	for (uint32_t cap = 0; cap <= (uint32_t)full; cap++) {
		int n;

		memset(out, 0xa5, sizeof(out));
		n = fn(r, out, cap);
		if (cap < (uint32_t)full) {
			assert_int_equal(n, -ENOSPC);
		} else {
			assert_int_equal(n, full);
			assert_memory_equal(out, want, (size_t)full);
		}
		for (uint32_t k = cap; k < sizeof(out); k++)
			if (out[k] != 0xa5)
				fail_msg("cap %u of %d: byte %u written", cap, full, k);
	}
}

static void
test_no_space(void **state)
{
	struct mp_route rt = {
	        .req_remove = req_removes,
	        .n_req_remove = sizeof(req_removes) / sizeof(req_removes[0]),
	        .req_add = req_adds,
	        .n_req_add = sizeof(req_adds) / sizeof(req_adds[0]),
	        .resp_remove = resp_removes,
	        .n_resp_remove = sizeof(resp_removes) / sizeof(resp_removes[0]),
	        .resp_add = resp_adds,
	        .n_resp_add = sizeof(resp_adds) / sizeof(resp_adds[0]),
	};
	struct mp_proxy_req_head rq;
	struct mp_proxy_resp_head rs;
	struct mp_proxy_local l;

	(void)state;
	rq = req_in("POST /a HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.2.3.4\r\nX-Secret: 1\r\n"
	            "Connection: x-a, keep-alive\r\nX-A: 1\r\nVia: 1.1 x\r\nX-B: 2\r\n"
	            "Content-Length: 3\r\n\r\n");
	rq.route = &rt;
	rq.conn = MP_PROXY_CONN_CLOSE;
	check_caps(w_req, &rq);
	/* The X-Forwarded-For that turns out empty is taken back: the cap must still hold. */
	rq = req_in("GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For:\r\n\r\n");
	rq.client = (struct mp_route_str){NULL, 0};
	check_caps(w_req, &rq);

	rs = resp_in(MP_HTTP_M_GET, "HTTP/1.1 200 OK\r\nServer: x\r\nTransfer-Encoding: chunked\r\n"
	                            "Via: 1.1 a\r\nX-A: 1\r\n\r\n");
	rs.route = &rt;
	rs.dechunk = true;
	rs.conn = MP_PROXY_CONN_CLOSE;
	check_caps(w_resp, &rs);

	l = (struct mp_proxy_local){.status = 503,
	                            .conn = MP_PROXY_CONN_CLOSE,
	                            .body = S("no healthy upstream\n"),
	                            .location = S("/x"),
	                            .overflow = S("c"),
	                            .route = &rt};
	check_caps(w_local, &l);
}

/* ---------------------------------------------------------------------------------------- */
/* Request ids and reasons                                                                   */

static void
check_uuid4(const char *id)
{
	for (int i = 0; i < MP_PROXY_REQUEST_ID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(id[i], '-');
		else if (strchr("0123456789abcdef", id[i]) == NULL || id[i] == '\0')
			fail_msg("byte %d of %.36s is not lower-case hex", i, id);
	}
	assert_int_equal(id[14], '4');
	assert_non_null(strchr("89ab", id[19]));
}

static void
test_request_id(void **state)
{
	char id[MP_PROXY_REQUEST_ID_LEN + 1];
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	id[MP_PROXY_REQUEST_ID_LEN] = 'Z'; /* not written */
	mp_proxy_request_id(0, 0, id);
	assert_memory_equal(id, "00000000-0000-4000-8000-000000000000", 36);
	mp_proxy_request_id(~0ull, ~0ull, id);
	assert_memory_equal(id, "ffffffff-ffff-4fff-bfff-ffffffffffff", 36);
	mp_proxy_request_id(0x0123456789abcdefull, 0xfedcba9876543210ull, id);
	assert_memory_equal(id, "01234567-89ab-4def-bedc-ba9876543210", 36);
	assert_int_equal(id[MP_PROXY_REQUEST_ID_LEN], 'Z');
	for (int i = 0; i < 1000; i++) {
		uint64_t a = x * (uint64_t)(2 * i + 1), b = x ^ (a << 7) ^ (a >> 3);

		mp_proxy_request_id(a, b, id);
		check_uuid4(id);
	}
}

static void
test_reason(void **state)
{
	(void)state;
	assert_string_equal(mp_proxy_reason(100), "Continue");
	assert_string_equal(mp_proxy_reason(200), "OK");
	assert_string_equal(mp_proxy_reason(204), "No Content");
	assert_string_equal(mp_proxy_reason(308), "Permanent Redirect");
	assert_string_equal(mp_proxy_reason(404), "Not Found");
	assert_string_equal(mp_proxy_reason(413), "Content Too Large");
	assert_string_equal(mp_proxy_reason(421), "Misdirected Request");
	assert_string_equal(mp_proxy_reason(429), "Too Many Requests");
	assert_string_equal(mp_proxy_reason(431), "Request Header Fields Too Large");
	assert_string_equal(mp_proxy_reason(502), "Bad Gateway");
	assert_string_equal(mp_proxy_reason(503), "Service Unavailable");
	assert_string_equal(mp_proxy_reason(504), "Gateway Timeout");
	assert_string_equal(mp_proxy_reason(511), "Network Authentication Required");
	assert_string_equal(mp_proxy_reason(0), "");
	assert_string_equal(mp_proxy_reason(99), "");
	assert_string_equal(mp_proxy_reason(306), "");
	assert_string_equal(mp_proxy_reason(418), "");
	assert_string_equal(mp_proxy_reason(512), "");
	assert_string_equal(mp_proxy_reason(999), "");
	/* Every status lib/http answers a bad request with has its phrase. */
	for (int e = 1; e < MP_HTTP_ERR_MAX; e++)
		assert_true(mp_proxy_reason(mp_http_err_status((enum mp_http_err)e))[0] != '\0');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_request_plain),
	        cmocka_unit_test(test_request_hop_by_hop),
	        cmocka_unit_test(test_request_upgrade),
	        cmocka_unit_test(test_connection_names_fields),
	        cmocka_unit_test(test_forwarded_for),
	        cmocka_unit_test(test_forwarded_proto_and_request_id),
	        cmocka_unit_test(test_via),
	        cmocka_unit_test(test_http10_request),
	        cmocka_unit_test(test_route_ops_request),
	        cmocka_unit_test(test_response_plain),
	        cmocka_unit_test(test_response_empty_reason),
	        cmocka_unit_test(test_response_dechunk),
	        cmocka_unit_test(test_response_upgrade),
	        cmocka_unit_test(test_route_ops_response),
	        cmocka_unit_test(test_local),
	        cmocka_unit_test(test_no_space),
	        cmocka_unit_test(test_request_id),
	        cmocka_unit_test(test_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
