/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/stats: the access log's HTTP line. A record built the way the proxy builds it (strings
 * cut to their room and flagged), formatted into one JSON line pinned whole; hostile bytes from
 * the network (quotes, backslashes, control characters, bytes past ASCII, NUL) always come out
 * as ASCII JSON escapes, a cut string ends in "...", and what a local response lacks is null.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "mp_accesslog.h"
#include "test_stats.h"

/* A clock whose TSC counts nanoseconds from 2026-11-26T15:30:00Z. */
#define T0_NS 1795707000000000000ull
static const struct mp_alog_clock clk = {.hz = 1000000000ull, .anchor_tsc = 0, .anchor_ns = T0_NS};

/* A forwarded GET as the proxy records it: 10.0.0.1:40000 -> 10.0.0.2:8080, 1.5 ms total. */
static void
rec_http(struct mp_alog_rec *r, const char *host, const char *path)
{
	struct mp_alog_http *h = &r->http;

	memset(r, 0, sizeof(*r));
	r->type = MP_ALOG_HTTP;
	r->worker = 1;
	h->client_family = AF_INET;
	inet_pton(AF_INET, "10.0.0.1", h->client);
	h->client_port = rte_cpu_to_be_16(40000);
	h->upstream_family = AF_INET;
	inet_pton(AF_INET, "10.0.0.2", h->upstream);
	h->upstream_port = rte_cpu_to_be_16(8080);
	h->start_tsc = 123000000; /* 0.123 s after T0 */
	h->connect = 200000;
	h->first_byte = 900999;
	h->down_first_byte = 901500;
	h->total = 1500000;
	h->proxy_request = 3000;
	h->proxy_response = 2999;
	h->bytes_in = 78;
	h->bytes_out = 1234;
	h->status = 200;
	h->minor = 1;
	h->table = 0;
	h->vhost = 1;
	h->route = 7;
	h->cluster = 2;
	h->flags |= mp_alog_str_set(h->method, &h->method_len, MP_ALOG_METHOD_MAX, "GET", 3,
	                            MP_ALOG_F_METHOD_CUT);
	h->flags |= mp_alog_str_set(h->host, &h->host_len, MP_ALOG_HOST_MAX, host, strlen(host),
	                            MP_ALOG_F_HOST_CUT);
	h->flags |= mp_alog_str_set(h->path, &h->path_len, MP_ALOG_PATH_MAX, path, strlen(path),
	                            MP_ALOG_F_PATH_CUT);
	h->flags |= mp_alog_str_set(h->rid, &h->rid_len, MP_ALOG_RID_MAX, "rid-1", 5,
	                            MP_ALOG_F_RID_CUT);
}

static const struct mp_alog_http_names names = {
        .listener = "web", .table = "t", .vhost = "www", .cluster = "api"};

void
test_http_line_forwarded(void **st)
{
	struct mp_alog_rec r;
	char line[4096];
	int n;

	(void)st;
	rec_http(&r, "www.test", "/a/b?x=1");
	n = mp_alog_format_http(&r, &clk, &names, line, sizeof(line));
	assert_string_equal(
	        line,
	        "{\"time\":\"2026-11-26T15:30:00.123Z\",\"type\":\"http\",\"listener\":\"web\","
	        "\"client\":\"10.0.0.1:40000\",\"method\":\"GET\",\"host\":\"www.test\","
	        "\"path\":\"/a/b?x=1\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"bytes_in\":78,"
	        "\"bytes_out\":1234,\"upstream\":\"10.0.0.2:8080\",\"table\":\"t\",\"vhost\":"
	        "\"www\","
	        "\"route\":7,\"cluster\":\"api\",\"retries\":0,\"local_reason\":null,\"error\":"
	        "null,"
	        "\"request_id\":\"rid-1\",\"upstream_connect_us\":200,"
	        "\"upstream_first_byte_us\":900,\"downstream_first_byte_us\":901,"
	        "\"total_us\":1500,\"proxy_request_us\":3,\"proxy_response_us\":2,"
	        "\"worker\":1}\n");
	assert_int_equal(n, (int)strlen(line));
	/* Too small a buffer: an error, not a cut line. */
	assert_true(mp_alog_format_http(&r, &clk, &names, line, 100) < 0);
}

void
test_http_line_local(void **st)
{
	static const struct mp_alog_http_names none = {.listener = "web", .local = "no_route"};
	struct mp_alog_rec r;
	struct mp_alog_http *h = &r.http;
	char line[4096];

	(void)st;
	rec_http(&r, "api.test", "/other");
	h->upstream_family = 0;
	h->connect = h->first_byte = h->down_first_byte = h->proxy_request = h->proxy_response =
	        MP_ALOG_NO_TIME;
	h->status = 404;
	h->route = h->vhost = h->table = h->cluster = MP_ALOG_NO_INDEX;
	h->rid_len = 0;
	h->local = 1;
	h->flags |= MP_ALOG_F_CLIENT_GONE;
	assert_true(mp_alog_format_http(&r, &clk, &none, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "\"status\":404,"));
	assert_non_null(strstr(line, "\"upstream\":\"-\",\"table\":null,\"vhost\":null,"
	                             "\"route\":null,\"cluster\":null,"));
	assert_non_null(strstr(line, "\"local_reason\":\"no_route\",\"error\":\"client_closed\","
	                             "\"request_id\":null,\"upstream_connect_us\":null,"
	                             "\"upstream_first_byte_us\":null,"
	                             "\"downstream_first_byte_us\":null,\"total_us\":1500,"
	                             "\"proxy_request_us\":null,\"proxy_response_us\":null,"));
	/* An IPv6 client. */
	h->client_family = AF_INET6;
	inet_pton(AF_INET6, "fd00::1", h->client);
	assert_true(mp_alog_format_http(&r, &clk, &none, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "\"client\":\"[fd00::1]:40000\","));
	/* A record without a client family is not a record the proxy made. */
	h->client_family = 0;
	assert_true(mp_alog_format_http(&r, &clk, &none, line, sizeof(line)) < 0);
}

void
test_http_hostile_strings(void **st)
{
	static const char evil[] = "/\"},{\"status\":200\\\r\n\t\x01\x7f\xff\xc3\xa9";
	char out[256], path[400], line[4096];
	struct mp_alog_rec r;
	size_t n;

	(void)st;
	/* Past ASCII and control bytes are \u00XX escapes (\n \r \t short); quotes and backslash
	 * escaped. */
	n = mp_alog_json_bytes(out, sizeof(out), evil, sizeof(evil) - 1, false);
	assert_string_equal(out, "\"/\\\"},{\\\"status\\\":200\\\\\\r\\n\\t\\u0001"
	                         "\\u007f\\u00ff\\u00c3\\u00a9\"");
	assert_int_equal(n, strlen(out));
	/* A NUL inside the bytes does not end the string. */
	assert_int_equal(mp_alog_json_bytes(out, sizeof(out), "a\0b", 3, false), 10);
	assert_string_equal(out, "\"a\\u0000b\"");
	/* Cut: the marker inside the quotes; too small: NUL-terminated, the length needed. */
	mp_alog_json_bytes(out, sizeof(out), "abc", 3, true);
	assert_string_equal(out, "\"abc...\"");
	assert_int_equal(mp_alog_json_bytes(out, 4, "abcdef", 6, false), 8);
	assert_string_equal(out, "\"ab");

	/* A path longer than its room is cut to it and flagged; the line says so. */
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	rec_http(&r, evil, path);
	assert_int_equal(r.http.path_len, MP_ALOG_PATH_MAX);
	assert_true(r.http.flags & MP_ALOG_F_PATH_CUT);
	assert_false(r.http.flags & MP_ALOG_F_HOST_CUT);
	assert_true(mp_alog_format_http(&r, &clk, &names, line, sizeof(line)) > 0);
	memset(path + MP_ALOG_PATH_MAX, 0, 1);
	strcat(path, "...\",");
	assert_non_null(strstr(line, path));
	/* The hostile Host cannot close the string or add a field. */
	assert_non_null(strstr(line, "\"host\":\"/\\\"},{\\\"status\\\":200\\\\\\r\\n"));
	assert_null(strstr(line, "\"status\":200\\"));
	assert_null(strchr(line, '\r'));
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	for (n = 0; line[n] != '\0'; n++)
		assert_true((unsigned char)line[n] < 0x80);
}

void
test_http_str_set(void **st)
{
	char room[4];
	uint8_t len = 99;

	(void)st;
	assert_int_equal(mp_alog_str_set(room, &len, sizeof(room), "abcd", 4, 0x20), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(room, "abcd", 4);
	assert_int_equal(mp_alog_str_set(room, &len, sizeof(room), "vwxyz", 5, 0x20), 0x20);
	assert_int_equal(len, 4);
	assert_memory_equal(room, "vwxy", 4);
	assert_int_equal(mp_alog_str_set(room, &len, sizeof(room), "", 0, 0x20), 0);
	assert_int_equal(len, 0);
}
