/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http micro benchmarks: meshpath's parser (each scanner variant the CPU runs) against
 * Debian's http-parser (libhttp-parser-dev, nodejs/http-parser 2.9) on the same messages, in
 * the same binary and run, so the ratio is what to read (bench/README.md).
 *
 * One iteration parses one whole message that sits in one warm buffer, to its end: the head
 * with every field recorded as spans, and the body decoded. http-parser is given the
 * callbacks a proxy would need to get the same out of it (field and value spans, the URL,
 * body bytes), each doing no more than storing a pointer and a length, as meshpath's parser
 * does itself. Reported: ns_per_req and bytes_per_second (the message's wire bytes).
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "mp_http.h"

#if __has_include(<http_parser.h>)
#include <http_parser.h>
#define HAVE_HTTP_PARSER 1
#endif

#define FIELDS_MAX 128

struct http_case {
	const char *desc;
	enum mp_http_kind kind;
	const char *msg;
	uint32_t len;
};

/* curl's GET: the smallest request a proxy sees often. */
static struct http_case small_get = {
        .desc = "GET, 3 fields",
        .kind = MP_HTTP_REQUEST,
        .msg = "GET /api/v1/users/12345 HTTP/1.1\r\n"
               "Host: api.example.com\r\n"
               "User-Agent: curl/7.88.1\r\n"
               "Accept: */*\r\n"
               "\r\n",
};

/* What a browser sends for a page: 15 fields, long User-Agent, Accept and Cookie values. */
static struct http_case browser_get = {
        .desc = "browser GET, 15 fields",
        .kind = MP_HTTP_REQUEST,
        .msg = "GET /wiki/Hypertext_Transfer_Protocol?action=history&offset=20231105 HTTP/1.1\r\n"
               "Host: en.wikipedia.org\r\n"
               "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 "
               "Firefox/120.0\r\n"
               "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
               "image/webp,*/*;q=0.8\r\n"
               "Accept-Language: en-US,en;q=0.5\r\n"
               "Accept-Encoding: gzip, deflate, br\r\n"
               "Referer: https://en.wikipedia.org/wiki/Main_Page\r\n"
               "Connection: keep-alive\r\n"
               "Cookie: WMF-Last-Access=26-Nov-2026; WMF-Last-Access-Global=26-Nov-2026; "
               "GeoIP=DE:BE:Berlin:52.52:13.40:v4; enwikimwuser-sessionId=0123456789abcdef\r\n"
               "Upgrade-Insecure-Requests: 1\r\n"
               "Sec-Fetch-Dest: document\r\n"
               "Sec-Fetch-Mode: navigate\r\n"
               "Sec-Fetch-Site: same-origin\r\n"
               "Sec-Fetch-User: ?1\r\n"
               "If-Modified-Since: Wed, 25 Nov 2026 10:00:00 GMT\r\n"
               "X-Forwarded-For: 192.0.2.10, 198.51.100.7\r\n"
               "\r\n",
};

/* An nginx-style response with a chunked body of 3 chunks (1 KiB of payload) and trailers. */
static char chunked_buf[4096];
static struct http_case chunked_resp = {
        .desc = "response, chunked 3 x 341 B + trailer",
        .kind = MP_HTTP_RESPONSE,
        .msg = chunked_buf,
};

static void
build_chunked(void)
{
	char payload[342];
	int n;

	if (chunked_buf[0] != 0)
		return;
	for (unsigned int i = 0; i < sizeof(payload) - 1; i++)
		payload[i] = (char)('a' + i % 26);
	payload[sizeof(payload) - 1] = 0;
	n = snprintf(chunked_buf, sizeof(chunked_buf),
	             "HTTP/1.1 200 OK\r\n"
	             "Server: nginx/1.22.1\r\n"
	             "Date: Thu, 26 Nov 2026 12:00:00 GMT\r\n"
	             "Content-Type: application/json\r\n"
	             "Transfer-Encoding: chunked\r\n"
	             "Connection: keep-alive\r\n"
	             "Trailer: X-Checksum\r\n"
	             "\r\n"
	             "155\r\n%s\r\n155\r\n%s\r\n155\r\n%s\r\n0\r\nX-Checksum: 0123abcd\r\n\r\n",
	             payload, payload, payload);
	chunked_resp.len = (uint32_t)n;
}

static void
case_setup(struct http_case *c)
{
	build_chunked();
	if (c->len == 0)
		c->len = (uint32_t)strlen(c->msg);
}

static void
report(struct mp_bench_state *s, const struct http_case *c, const char *who)
{
	char label[128];

	snprintf(label, sizeof(label), "%s; %s; %u B", who, c->desc, c->len);
	mp_bench_set_label(s, label);
	mp_bench_set_items(s, mp_bench_iterations(s));
	mp_bench_set_bytes(s, mp_bench_iterations(s) * (int64_t)c->len);
	mp_bench_counter(s, "ns_per_req", 1,
	                 MP_BENCH_C_RATE | MP_BENCH_C_PER_ITERATION | MP_BENCH_C_INVERT);
}

/* ---------------------------------------------------------------------------------------- */
/* meshpath                                                                                  */

struct mp_arg {
	struct http_case *c;
	enum mp_http_simd simd;
};

/* Parse one whole message; false when it did not parse to its end. */
static inline bool
mp_parse_one(struct mp_http_parser *hp, const struct http_case *c, uint64_t *body)
{
	const uint8_t *p = (const uint8_t *)c->msg;
	uint32_t off = 0, used;

	if (c->kind == MP_HTTP_RESPONSE)
		mp_http_expect_response(hp, MP_HTTP_M_GET);
	for (;;) {
		switch (mp_http_parse(hp, p + off, c->len - off, &used)) {
		case MP_HTTP_HEAD:
			break;
		case MP_HTTP_BODY:
			*body += hp->body_len;
			break;
		case MP_HTTP_DONE:
			return off + used == c->len;
		default:
			return false;
		}
		off += used;
	}
}

static void
mp_bench(struct mp_bench_state *s, void *arg)
{
	struct mp_arg *a = arg;
	struct mp_http_field fields[FIELDS_MAX];
	struct mp_http_params params;
	struct mp_http_parser hp;
	uint64_t body = 0;
	char who[32];

	case_setup(a->c);
	mp_http_params_default(&params);
	params.simd = a->simd;
	if (mp_http_init(&hp, a->c->kind, &params, fields) != 0) {
		mp_bench_skip(s, "scanner not supported on this CPU");
		return;
	}
	if (!mp_parse_one(&hp, a->c, &body)) {
		mp_bench_skip(s, "setup: the message did not parse");
		return;
	}
	while (mp_bench_keep_running(s)) {
		mp_bench_do_not_optimize(a->c->msg);
		mp_parse_one(&hp, a->c, &body);
		mp_bench_do_not_optimize(&hp);
	}
	mp_bench_do_not_optimize(&body);
	snprintf(who, sizeof(who), "meshpath %s", mp_http_simd_name(a->simd));
	report(s, a->c, who);
}

#define MP_CASE(var, c, simd) static struct mp_arg var = {&(c), (simd)}

MP_CASE(mp_small_scalar, small_get, MP_HTTP_SIMD_SCALAR);
MP_CASE(mp_small_sse42, small_get, MP_HTTP_SIMD_SSE42);
MP_CASE(mp_small_avx2, small_get, MP_HTTP_SIMD_AVX2);
MP_CASE(mp_browser_scalar, browser_get, MP_HTTP_SIMD_SCALAR);
MP_CASE(mp_browser_sse42, browser_get, MP_HTTP_SIMD_SSE42);
MP_CASE(mp_browser_avx2, browser_get, MP_HTTP_SIMD_AVX2);
MP_CASE(mp_chunked_scalar, chunked_resp, MP_HTTP_SIMD_SCALAR);
MP_CASE(mp_chunked_sse42, chunked_resp, MP_HTTP_SIMD_SSE42);
MP_CASE(mp_chunked_avx2, chunked_resp, MP_HTTP_SIMD_AVX2);

MP_BENCH_ARG(mp_bench, "http_parse/small_get/meshpath_scalar", &mp_small_scalar);
MP_BENCH_ARG(mp_bench, "http_parse/small_get/meshpath_sse42", &mp_small_sse42);
MP_BENCH_ARG(mp_bench, "http_parse/small_get/meshpath_avx2", &mp_small_avx2);
MP_BENCH_ARG(mp_bench, "http_parse/browser_get/meshpath_scalar", &mp_browser_scalar);
MP_BENCH_ARG(mp_bench, "http_parse/browser_get/meshpath_sse42", &mp_browser_sse42);
MP_BENCH_ARG(mp_bench, "http_parse/browser_get/meshpath_avx2", &mp_browser_avx2);
MP_BENCH_ARG(mp_bench, "http_parse/chunked_resp/meshpath_scalar", &mp_chunked_scalar);
MP_BENCH_ARG(mp_bench, "http_parse/chunked_resp/meshpath_sse42", &mp_chunked_sse42);
MP_BENCH_ARG(mp_bench, "http_parse/chunked_resp/meshpath_avx2", &mp_chunked_avx2);

/* ---------------------------------------------------------------------------------------- */
/* http-parser                                                                               */

#ifdef HAVE_HTTP_PARSER

#define HTTP_PARSER_VERSION_STR \
	MP_BENCH_STR(HTTP_PARSER_VERSION_MAJOR) "." MP_BENCH_STR(HTTP_PARSER_VERSION_MINOR)
#define MP_BENCH_STR2(x) #x
#define MP_BENCH_STR(x)  MP_BENCH_STR2(x)

/* What the callbacks record: the same facts meshpath's parser reports. */
struct hp_out {
	const char *url;
	size_t url_len;
	struct {
		const char *p;
		size_t len;
	} name[FIELDS_MAX], value[FIELDS_MAX];
	unsigned int n; /* fields */
	uint64_t body;  /* payload bytes */
	unsigned int done;
};

static int
on_url(http_parser *p, const char *at, size_t len)
{
	struct hp_out *o = p->data;

	o->url = at;
	o->url_len = len;
	return 0;
}

/* Callbacks may come in pieces; here the message is in one buffer, so they do not. */
static int
on_field(http_parser *p, const char *at, size_t len)
{
	struct hp_out *o = p->data;

	if (o->n == FIELDS_MAX)
		return 1;
	o->name[o->n].p = at;
	o->name[o->n].len = len;
	return 0;
}

static int
on_value(http_parser *p, const char *at, size_t len)
{
	struct hp_out *o = p->data;

	o->value[o->n].p = at;
	o->value[o->n].len = len;
	o->n++;
	return 0;
}

static int
on_headers_complete(http_parser *p)
{
	(void)p;
	return 0;
}

static int
on_body(http_parser *p, const char *at, size_t len)
{
	struct hp_out *o = p->data;

	(void)at;
	o->body += len;
	return 0;
}

static int
on_message_begin(http_parser *p)
{
	struct hp_out *o = p->data;

	o->n = 0;
	return 0;
}

static int
on_message_complete(http_parser *p)
{
	struct hp_out *o = p->data;

	o->done++;
	return 0;
}

static const http_parser_settings hp_settings = {
        .on_message_begin = on_message_begin,
        .on_url = on_url,
        .on_header_field = on_field,
        .on_header_value = on_value,
        .on_headers_complete = on_headers_complete,
        .on_body = on_body,
        .on_message_complete = on_message_complete,
};

static void
hp_bench(struct mp_bench_state *s, void *arg)
{
	struct http_case *c = arg;
	struct hp_out o = {0};
	http_parser p;
	unsigned int want;

	case_setup(c);
	http_parser_init(&p, c->kind == MP_HTTP_REQUEST ? HTTP_REQUEST : HTTP_RESPONSE);
	p.data = &o;
	if (http_parser_execute(&p, &hp_settings, c->msg, c->len) != c->len ||
	    HTTP_PARSER_ERRNO(&p) != HPE_OK || o.done != 1) {
		mp_bench_skip(s, "setup: the message did not parse");
		return;
	}
	while (mp_bench_keep_running(s)) {
		mp_bench_do_not_optimize(c->msg);
		http_parser_execute(&p, &hp_settings, c->msg, c->len);
		mp_bench_do_not_optimize(&o);
	}
	want = (unsigned int)mp_bench_iterations(s) + 1;
	if (o.done != want || HTTP_PARSER_ERRNO(&p) != HPE_OK) {
		mp_bench_skip(s, "a message did not parse in the timed loop");
		return;
	}
	report(s, c, "http-parser " HTTP_PARSER_VERSION_STR);
}

MP_BENCH_ARG(hp_bench, "http_parse/small_get/http_parser", &small_get);
MP_BENCH_ARG(hp_bench, "http_parse/browser_get/http_parser", &browser_get);
MP_BENCH_ARG(hp_bench, "http_parse/chunked_resp/http_parser", &chunked_resp);

#endif /* HAVE_HTTP_PARSER */
