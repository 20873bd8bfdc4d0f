/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/stats: the access log. The record's JSON line field by field (pinned whole: it is what
 * log pipelines parse), JSON string escaping, times, and the ring between a worker and the
 * writer: a full ring drops and counts, the writer writes every queued record once and names
 * only records of the generation it knows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_ring.h>

#include "mp_accesslog.h"
#include "mp_flow.h"
#include "test_eal.h"
#include "test_stats.h"

/* A clock whose TSC counts nanoseconds from 2026-11-26T15:30:00Z. */
#define T0_NS 1795707000000000000ull
static const struct mp_alog_clock clk = {.hz = 1000000000ull, .anchor_tsc = 0, .anchor_ns = T0_NS};

static void
rec_v4(struct mp_alog_rec *r)
{
	struct mp_alog_l4 *l = &r->l4;

	memset(r, 0, sizeof(*r));
	r->type = MP_ALOG_L4;
	r->worker = 1;
	r->tsc = 3123456789ull; /* 3.123 s after T0 */
	inet_pton(AF_INET, "10.10.0.1", l->addr[MP_FLOW_ORIG_SRC]);
	inet_pton(AF_INET, "10.10.0.100", l->addr[MP_FLOW_ORIG_DST]);
	inet_pton(AF_INET, "10.20.0.2", l->addr[MP_FLOW_REPLY_SRC]);
	inet_pton(AF_INET, "10.20.0.250", l->addr[MP_FLOW_REPLY_DST]);
	l->port[MP_FLOW_ORIG_SRC] = htons(40000);
	l->port[MP_FLOW_ORIG_DST] = htons(80);
	l->port[MP_FLOW_REPLY_SRC] = htons(8080);
	l->port[MP_FLOW_REPLY_DST] = htons(51001);
	l->pkts[0] = 5;
	l->pkts[1] = 7;
	l->bytes[0] = 400;
	l->bytes[1] = 9000;
	l->start_tsc = 1000000000ull;
	l->last_tsc = 2250999999ull; /* 1250.999 ms: rounded down */
	l->family = AF_INET;
	l->proto = IPPROTO_TCP;
	l->state = MP_FLOW_S_TIME_WAIT;
	l->reason = MP_ALOG_R_FIN;
	l->generation = 1;
}

static void
test_format_l4_v4(void **st)
{
	struct mp_alog_rec r;
	char out[1024];
	int n;

	(void)st;
	rec_v4(&r);
	n = mp_alog_format(&r, &clk, "web-vip", "web", out, sizeof(out));
	assert_string_equal(
	        out,
	        "{\"time\":\"2026-11-26T15:30:03.123Z\",\"type\":\"l4\",\"listener\":\"web-vip\","
	        "\"protocol\":\"tcp\",\"client\":\"10.10.0.1:40000\",\"vip\":\"10.10.0.100:80\","
	        "\"snat\":\"10.20.0.250:51001\",\"endpoint\":\"10.20.0.2:8080\","
	        "\"cluster\":\"web\",\"packets_in\":5,\"packets_out\":7,\"bytes_in\":400,"
	        "\"bytes_out\":9000,\"duration_ms\":1250,\"state\":\"time_wait\","
	        "\"reason\":\"fin\",\"worker\":1}\n");
	assert_int_equal(n, (int)strlen(out));
	/* Too small a buffer is an error, not a cut line. */
	assert_true(mp_alog_format(&r, &clk, "web-vip", "web", out, 100) < 0);
}

static void
test_format_l4_v6_udp_unnamed(void **st)
{
	struct mp_alog_rec r;
	struct mp_alog_l4 *l = &r.l4;
	char out[1024];

	(void)st;
	rec_v4(&r);
	memset(l->addr, 0, sizeof(l->addr));
	l->family = AF_INET6;
	l->proto = IPPROTO_UDP;
	l->state = MP_FLOW_S_UDP;
	l->reason = MP_ALOG_R_TIMEOUT;
	inet_pton(AF_INET6, "fd00:10::1", l->addr[MP_FLOW_ORIG_SRC]);
	inet_pton(AF_INET6, "fd00:10::100", l->addr[MP_FLOW_ORIG_DST]);
	inet_pton(AF_INET6, "fd00:20::2", l->addr[MP_FLOW_REPLY_SRC]);
	inet_pton(AF_INET6, "fd00:20::250", l->addr[MP_FLOW_REPLY_DST]);
	l->last_tsc = l->start_tsc; /* one packet: no duration */
	assert_true(mp_alog_format(&r, &clk, NULL, NULL, out, sizeof(out)) > 0);
	assert_string_equal(
	        out, "{\"time\":\"2026-11-26T15:30:03.123Z\",\"type\":\"l4\",\"listener\":null,"
	             "\"protocol\":\"udp\",\"client\":\"[fd00:10::1]:40000\","
	             "\"vip\":\"[fd00:10::100]:80\",\"snat\":\"[fd00:20::250]:51001\","
	             "\"endpoint\":\"[fd00:20::2]:8080\",\"cluster\":null,\"packets_in\":5,"
	             "\"packets_out\":7,\"bytes_in\":400,\"bytes_out\":9000,\"duration_ms\":0,"
	             "\"state\":\"udp\",\"reason\":\"timeout\",\"worker\":1}\n");
}

static void
test_format_reasons(void **st)
{
	static const struct {
		uint8_t state, reason;
		const char *text;
	} cases[] = {
	        {MP_FLOW_S_CLOSE, MP_ALOG_R_RST, "\"state\":\"close\",\"reason\":\"rst\""},
	        {MP_FLOW_S_SYN_SENT, MP_ALOG_R_CONNECT_FAILED,
	         "\"state\":\"syn_sent\",\"reason\":\"connect_failed\""},
	        {MP_FLOW_S_ESTABLISHED, MP_ALOG_R_TIMEOUT,
	         "\"state\":\"established\",\"reason\":\"timeout\""},
	        {MP_FLOW_S_FIN_WAIT, MP_ALOG_R_FIN_TIMEOUT,
	         "\"state\":\"fin_wait\",\"reason\":\"fin_timeout\""},
	};
	struct mp_alog_rec r;
	char out[1024];
	unsigned int i;

	(void)st;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rec_v4(&r);
		r.l4.state = cases[i].state;
		r.l4.reason = cases[i].reason;
		assert_true(mp_alog_format(&r, &clk, "l", "c", out, sizeof(out)) > 0);
		assert_non_null(strstr(out, cases[i].text));
	}
	rec_v4(&r);
	r.type = 99; /* not a type this writer knows */
	assert_true(mp_alog_format(&r, &clk, "l", "c", out, sizeof(out)) < 0);
}

static void
test_json_escape(void **st)
{
	char out[64];

	(void)st;
	assert_int_equal(mp_alog_json_str(out, sizeof(out), "a\"b\\c\n\r\t\x01\x1f\x7f/é"), 36);
	assert_string_equal(out, "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f\\u007f/é\"");
	assert_int_equal(mp_alog_json_str(out, sizeof(out), ""), 2);
	assert_string_equal(out, "\"\"");
	/* Cut short: NUL-terminated within len, and the length it needed. */
	assert_int_equal(mp_alog_json_str(out, 5, "abcdef"), 8);
	assert_string_equal(out, "\"abc");
	/* A name that does not fit its room is written as null, not cut. */
	{
		struct mp_alog_rec r;
		char line[1024], name[200];

		memset(name, 'x', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		rec_v4(&r);
		assert_true(mp_alog_format(&r, &clk, name, "c\"q", line, sizeof(line)) > 0);
		assert_non_null(strstr(line, "\"listener\":null,"));
		assert_non_null(strstr(line, "\"cluster\":\"c\\\"q\","));
	}
}

static void
test_iso8601(void **st)
{
	char out[32];

	(void)st;
	mp_alog_iso8601(0, out, sizeof(out));
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	mp_alog_iso8601(T0_NS + 999999999ull, out, sizeof(out));
	assert_string_equal(out, "2026-11-26T15:30:00.999Z");
	mp_alog_iso8601(951782400000000000ull + 86399001000000ull, out, sizeof(out));
	assert_string_equal(out, "2000-02-29T23:59:59.001Z");
}

/* Count lines of path, and copy line `want` (0-based) into out. */
static unsigned int
read_lines(const char *path, unsigned int want, char *out, size_t len)
{
	char line[1024];
	unsigned int n = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (n == want)
			snprintf(out, len, "%s", line);
		n++;
	}
	fclose(f);
	return n;
}

static void
test_ring_drop_and_drain(void **st)
{
	char path[] = "/tmp/mp_test_alog_XXXXXX", moved[64], line[1024];
	struct mp_counters *cnt = calloc(1, sizeof(*cnt));
	struct mp_conf *conf = calloc(1, sizeof(*conf));
	struct mp_alog_writer w;
	struct mp_alog_names names;
	struct mp_alog_rec r;
	unsigned int i;
	int fd;

	(void)st;
	assert_non_null(cnt);
	assert_non_null(conf);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	conf->n_listeners = 1;
	snprintf(conf->listeners[0].name, MP_NAME_LEN, "web-vip");
	conf->n_clusters = 2;
	snprintf(conf->clusters[1].name, MP_NAME_LEN, "web");
	names.conf = conf;
	names.generation = 1;

	assert_int_equal(mp_alog_writer_open(&w, path, 2, 64, SOCKET_ID_ANY), 0);
	w.clock = clk;
	/* Worker 0 queues 70 records into a ring of 64: 6 dropped and counted. */
	rec_v4(&r);
	r.l4.cluster = 1;
	for (i = 0; i < 70; i++) {
		r.l4.pkts[0] = i;
		mp_alog_put(w.rings[0], cnt, &r);
	}
	assert_int_equal(cnt->events[MP_EV_ALOG_QUEUED], 64);
	assert_int_equal(cnt->events[MP_EV_ALOG_DROPPED], 6);
	/* Worker 1: a record of an older generation (a reload renumbered the names). */
	r.l4.generation = 0;
	mp_alog_put(w.rings[1], cnt, &r);

	/* A drain takes at most the budget from each ring. */
	w.budget = 40;
	assert_int_equal(mp_alog_writer_drain(&w, &names), 41);
	assert_int_equal(mp_alog_writer_drain(&w, &names), 24);
	assert_int_equal(mp_alog_writer_drain(&w, &names), 0);
	assert_int_equal(w.lines, 65);
	assert_int_equal(w.write_errors, 0);
	/* In ring order, each once; worker 0's first batch, then worker 1's, then the rest. */
	assert_int_equal(read_lines(path, 0, line, sizeof(line)), 65);
	assert_non_null(strstr(line, "\"listener\":\"web-vip\","));
	assert_non_null(strstr(line, "\"cluster\":\"web\","));
	assert_non_null(strstr(line, "\"packets_in\":0,"));
	read_lines(path, 40, line, sizeof(line));
	assert_non_null(strstr(line, "\"listener\":null,"));
	assert_non_null(strstr(line, "\"cluster\":null,"));
	read_lines(path, 64, line, sizeof(line));
	assert_non_null(strstr(line, "\"packets_in\":63,"));

	/* Rotation: move the file, reopen; the next records go to a new file at the path. */
	snprintf(moved, sizeof(moved), "%s.1", path);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(mp_alog_writer_reopen(&w), 0);
	assert_int_equal(w.reopens, 1);
	r.l4.generation = 1;
	mp_alog_put(w.rings[1], cnt, &r);
	mp_alog_writer_close(&w, &names); /* drains what is left */
	assert_int_equal(read_lines(moved, 0, line, sizeof(line)), 65);
	assert_int_equal(read_lines(path, 0, line, sizeof(line)), 1);
	assert_non_null(strstr(line, "\"worker\":1}"));
	assert_int_equal(w.lines, 66);
	unlink(path);
	unlink(moved);
	free(conf);
	free(cnt);
}

static void
test_open_fails_with_path(void **st)
{
	struct mp_alog_writer w;

	(void)st;
	assert_int_equal(
	        mp_alog_writer_open(&w, "/nonexistent-dir/access.log", 1, 64, SOCKET_ID_ANY),
	        -ENOENT);
	assert_int_equal(w.n_rings, 0);
	assert_null(w.f);
	/* The rings were freed: the same names can be created again. */
	assert_int_equal(mp_alog_writer_open(&w, "/dev/null", 1, 64, SOCKET_ID_ANY), 0);
	mp_alog_writer_close(&w, NULL);
}

static int
group_setup(void **st)
{
	(void)st;
	return test_eal_init("test_stats", "64");
}

static int
group_teardown(void **st)
{
	(void)st;
	rte_eal_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_format_l4_v4),
	        cmocka_unit_test(test_format_l4_v6_udp_unnamed),
	        cmocka_unit_test(test_format_reasons),
	        cmocka_unit_test(test_json_escape),
	        cmocka_unit_test(test_http_line_forwarded),
	        cmocka_unit_test(test_http_line_local),
	        cmocka_unit_test(test_http_hostile_strings),
	        cmocka_unit_test(test_http_str_set),
	        cmocka_unit_test(test_iso8601),
	        cmocka_unit_test(test_ring_drop_and_drain),
	        cmocka_unit_test(test_open_fails_with_path),
	};

	return cmocka_run_group_tests_name("stats", tests, group_setup, group_teardown);
}
