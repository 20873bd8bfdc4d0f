/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/proxy head serialisation: what the proxy pays, per request and per response, to write
 * the head it forwards (hop-by-hop fields dropped, X-Forwarded-For, X-Forwarded-Proto,
 * X-Request-Id and Via added), against the least a proxy could do with the same bytes: copy
 * the received head as it is (memcpy), in the same binary and run (bench/README.md).
 *
 * The heads are parsed once by lib/http before the timed loop; one iteration writes the head
 * BURST times into one warm buffer. Reported: ns_per_head and bytes_per_second (of the
 * received head).
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "mp_http.h"
#include "mp_proxy_head.h"

#define BURST   16
#define OUT_MAX 4096

struct head_case {
	const char *desc;
	enum mp_http_kind kind;
	const char *msg;
	uint32_t len;
	bool ready;
	struct mp_http_parser hp;
	struct mp_http_field fields[MP_HTTP_DEF_MAX_HEADERS];
};

/* A browser's page request: 11 fields, 508 bytes, Connection: keep-alive to drop. */
static struct head_case browser_req = {
        .desc = "browser GET, 11 fields",
        .kind = MP_HTTP_REQUEST,
        .msg = "GET /docs/guide/index.html?lang=en HTTP/1.1\r\n"
               "Host: www.example.com\r\n"
               "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 "
               "Firefox/120.0\r\n"
               "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
               "Accept-Language: en-US,en;q=0.5\r\n"
               "Accept-Encoding: gzip, deflate, br\r\n"
               "Referer: https://www.example.com/docs/\r\n"
               "Connection: keep-alive\r\n"
               "Cookie: session=7f3a9c1e5b2d4f60; theme=dark\r\n"
               "Upgrade-Insecure-Requests: 1\r\n"
               "Sec-Fetch-Dest: document\r\n"
               "If-None-Match: \"5f1c-63a1b2c3d4e5f\"\r\n"
               "\r\n",
};

/* nginx serving a static file: 10 fields, 331 bytes, Connection and Keep-Alive to drop. */
static struct head_case nginx_resp = {
        .desc = "nginx 200, 10 fields",
        .kind = MP_HTTP_RESPONSE,
        .msg = "HTTP/1.1 200 OK\r\n"
               "Server: nginx/1.22.1\r\n"
               "Date: Thu, 26 Nov 2026 12:00:00 GMT\r\n"
               "Content-Type: text/html; charset=utf-8\r\n"
               "Content-Length: 24389\r\n"
               "Last-Modified: Wed, 25 Nov 2026 10:00:00 GMT\r\n"
               "Connection: keep-alive\r\n"
               "Keep-Alive: timeout=5\r\n"
               "ETag: \"5f1c-63a1b2c3d4e5f\"\r\n"
               "Cache-Control: max-age=3600\r\n"
               "Accept-Ranges: bytes\r\n"
               "\r\n",
};

/* Parse the case once; false when it does not parse as one whole head. */
static bool
case_setup(struct head_case *c)
{
	uint32_t used = 0;

	if (c->ready)
		return true;
	c->len = (uint32_t)strlen(c->msg);
	if (mp_http_init(&c->hp, c->kind, NULL, c->fields) != 0)
		return false;
	if (c->kind == MP_HTTP_RESPONSE)
		mp_http_expect_response(&c->hp, MP_HTTP_M_GET);
	if (mp_http_parse(&c->hp, (const uint8_t *)c->msg, c->len, &used) != MP_HTTP_HEAD ||
	    used != c->len)
		return false;
	c->ready = true;
	return true;
}

static void
report(struct mp_bench_state *s, const struct head_case *c, const char *who, int out_len)
{
	char label[128];

	snprintf(label, sizeof(label), "%s; %s; %u B in, %d B out", who, c->desc, c->len, out_len);
	mp_bench_set_label(s, label);
	mp_bench_set_items(s, mp_bench_iterations(s) * BURST);
	mp_bench_set_bytes(s, mp_bench_iterations(s) * BURST * (int64_t)c->len);
	mp_bench_counter(s, "ns_per_head", BURST,
	                 MP_BENCH_C_RATE | MP_BENCH_C_PER_ITERATION | MP_BENCH_C_INVERT);
}

/* The baseline: copy the received head as it is. */
static void
baseline_memcpy(struct mp_bench_state *s, void *arg)
{
	struct head_case *c = arg;
	static uint8_t out[OUT_MAX];

	if (!case_setup(c)) {
		mp_bench_skip(s, "the head does not parse");
		return;
	}
	while (mp_bench_keep_running(s)) {
		for (int i = 0; i < BURST; i++) {
			memcpy(out, c->msg, c->len);
			mp_bench_do_not_optimize(out);
		}
	}
	report(s, c, "memcpy of the received head", (int)c->len);
}

/* mp_proxy_write_request() or mp_proxy_write_response(), as the connection manager calls it. */
static void
rewrite(struct mp_bench_state *s, void *arg)
{
	struct head_case *c = arg;
	static uint8_t out[OUT_MAX];
	struct mp_proxy_req_head rq;
	struct mp_proxy_resp_head rs;
	int n;

	if (!case_setup(c)) {
		mp_bench_skip(s, "the head does not parse");
		return;
	}
	rq = (struct mp_proxy_req_head){
	        .head = (const uint8_t *)c->msg,
	        .msg = &c->hp.msg,
	        .fields = c->fields,
	        .client = {"198.51.100.23", 13},
	        .proto = {"http", 4},
	        .req_id = {"3f2b8c4e-9d1a-4e7b-a5c6-0b1d2e3f4a5b", MP_PROXY_REQUEST_ID_LEN},
	        .conn = MP_PROXY_CONN_DEFAULT,
	};
	rs = (struct mp_proxy_resp_head){
	        .head = (const uint8_t *)c->msg,
	        .msg = &c->hp.msg,
	        .fields = c->fields,
	        .conn = MP_PROXY_CONN_KEEP_ALIVE,
	};
	n = c->kind == MP_HTTP_REQUEST ? mp_proxy_write_request(&rq, out, sizeof(out))
	                               : mp_proxy_write_response(&rs, out, sizeof(out));
	if (n <= 0) {
		mp_bench_skip(s, "the writer failed");
		return;
	}
	while (mp_bench_keep_running(s)) {
		for (int i = 0; i < BURST; i++) {
			if (c->kind == MP_HTTP_REQUEST)
				mp_proxy_write_request(&rq, out, sizeof(out));
			else
				mp_proxy_write_response(&rs, out, sizeof(out));
			mp_bench_do_not_optimize(out);
		}
	}
	report(s, c,
	       c->kind == MP_HTTP_REQUEST ? "mp_proxy_write_request" : "mp_proxy_write_response",
	       n);
}

MP_BENCH_ARG(baseline_memcpy, "proxy_head/browser_request/baseline_memcpy", &browser_req);
MP_BENCH_ARG(rewrite, "proxy_head/browser_request/meshpath", &browser_req);
MP_BENCH_ARG(baseline_memcpy, "proxy_head/nginx_response/baseline_memcpy", &nginx_resp);
MP_BENCH_ARG(rewrite, "proxy_head/nginx_response/meshpath", &nginx_resp);
