/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/proxy's byte queues (proxy_q.c) on real mbufs: queue arithmetic, the copy-or-clone of a
 * segment piece, and the body mover at every split point of a message across two segments:
 * exactly the message's body goes to the destination (framing kept, or only the payload when
 * dechunking), the next message stays in the source, and each moved byte is released once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "proxy_priv.h"
#include "test_eal.h"
#include "test_proxy.h"

#define TEST_POOL_MBUFS 1023
#define TEST_HEAD_CAP   4096

static struct rte_mempool *pool;
static struct mp_http_field fields[MP_HTTP_DEF_MAX_HEADERS];
static uint8_t head_buf[TEST_HEAD_CAP];

static int
group_setup(void **state)
{
	(void)state;
	if (test_eal_init("test_proxy", "256") < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("test_proxy", TEST_POOL_MBUFS, 0, 0,
	                               RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

static struct rte_mbuf *
mk(const char *s, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), s, len);
	return m;
}

/* The bytes of q, flattened, and the sum of what its mbufs release. */
static uint32_t
q_text(const struct px_q *q, char *out, uint32_t cap, uint32_t *release)
{
	uint32_t n = 0;

	*release = 0;
	for (const struct rte_mbuf *m = q->head; m != NULL; m = m->next) {
		assert_true(n + m->data_len <= cap);
		memcpy(out + n, rte_pktmbuf_mtod(m, const char *), m->data_len);
		n += m->data_len;
		*release += m->hash.usr;
	}
	assert_int_equal(n, q->bytes);
	return n;
}

static void
test_queue_basics(void **state)
{
	struct px_q q = {0};
	struct rte_mbuf *a = mk("hello ", 6), *b = mk("world", 5), *c = mk("!!", 2);
	char buf[32];
	unsigned int avail = rte_mempool_avail_count(pool);

	(void)state;
	assert_int_equal(rte_pktmbuf_chain(a, b), 0);
	assert_int_equal(rte_pktmbuf_chain(a, c), 0);
	px_q_push_chain(&q, a);
	assert_int_equal(q.bytes, 13);
	px_q_copy(&q, 13, (uint8_t *)buf);
	assert_memory_equal(buf, "hello world!!", 13);
	px_q_drop(&q, 8);
	assert_int_equal(q.bytes, 5);
	px_q_copy(&q, 5, (uint8_t *)buf);
	assert_memory_equal(buf, "rld!!", 5);
	/* The first segment went back to the pool. */
	assert_int_equal(rte_mempool_avail_count(pool), avail + 1);
	px_q_free(&q);
	assert_null(q.head);
	assert_int_equal(rte_mempool_avail_count(pool), avail + 3);
}

static void
test_seg_range(void **state)
{
	char data[1000];
	struct rte_mbuf *m, *r;

	(void)state;
	for (unsigned int i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	m = mk(data, sizeof(data));

	r = px_seg_range(m, 10, 100, pool, PX_SMALL_COPY);
	assert_non_null(r);
	assert_true(RTE_MBUF_DIRECT(r)); /* short: copied */
	assert_int_equal(r->data_len, 100);
	assert_memory_equal(rte_pktmbuf_mtod(r, char *), data + 10, 100);
	rte_pktmbuf_free(r);

	r = px_seg_range(m, 300, 600, pool, PX_SMALL_COPY);
	assert_non_null(r);
	assert_true(RTE_MBUF_CLONED(r)); /* long: an indirect mbuf on m's data */
	assert_int_equal(r->data_len, 600);
	assert_int_equal(r->pkt_len, 600);
	assert_memory_equal(rte_pktmbuf_mtod(r, char *), data + 300, 600);
	assert_int_equal(rte_mbuf_refcnt_read(m), 2);
	assert_int_equal(m->data_len, sizeof(data)); /* m unchanged */
	rte_pktmbuf_free(r);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	rte_pktmbuf_free(m);
}

/*
 * Feed msg (a head, a body, then `next`) in two segments split at every point; after the head
 * move the body. want: what the destination must hold.
 */
static void
check_split_moves(const char *msg, const char *want, const char *next, bool dechunk)
{
	struct mp_proxy_worker pw = {0};
	struct mp_http_parser tmpl;
	uint32_t len = (uint32_t)strlen(msg), want_len = (uint32_t)strlen(want);
	char got[512];
	unsigned int avail = rte_mempool_avail_count(pool);

	pw.pool = pool;
	pw.head_buf = head_buf;
	pw.head_cap = sizeof(head_buf);
	assert_int_equal(mp_http_init(&tmpl, MP_HTTP_REQUEST, NULL, fields), 0);
	for (uint32_t split = 1; split < len; split++) {
		struct px_q src = {0}, dst = {0};
		struct mp_http_parser hp = tmpl;
		const uint8_t *head = NULL;
		uint64_t moved = 0;
		uint32_t n, release;
		struct rte_mbuf *a = mk(msg, split), *b = mk(msg + split, len - split);

		assert_int_equal(rte_pktmbuf_chain(a, b), 0);
		px_q_push_chain(&src, a);
		assert_int_equal(px_parse_head(&pw, &hp, &src, &head), MP_HTTP_HEAD);
		assert_memory_equal(head, msg, hp.msg.head_len);
		px_q_drop(&src, hp.msg.head_len);
		assert_int_equal(px_move_body(&pw, &hp, &src, &dst, dechunk, NULL, &moved),
		                 MP_HTTP_DONE);
		n = q_text(&dst, got, sizeof(got), &release);
		assert_int_equal(n, want_len);
		assert_memory_equal(got, want, want_len);
		assert_int_equal(moved, len - hp.msg.head_len - strlen(next));
		if (!dechunk)
			assert_int_equal(release, moved); /* each byte released once */
		else
			assert_true(release <= moved); /* framing may go back at once */
		n = q_text(&src, got, sizeof(got), &release);
		assert_int_equal(n, strlen(next));
		assert_memory_equal(got, next, n);
		assert_int_equal(release, 0);
		px_q_free(&src);
		px_q_free(&dst);
	}
	assert_int_equal(rte_mempool_avail_count(pool), avail);
}

static void
test_move_length_body(void **state)
{
	(void)state;
	check_split_moves("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
	                  "0123456789GET /b HTTP/1.1\r\n",
	                  "0123456789", "GET /b HTTP/1.1\r\n", false);
}

static void
test_move_chunked_body(void **state)
{
	static const char msg[] =
	        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	        "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n"
	        "GET /next";

	(void)state;
	/* Forwarded with its framing as received. */
	check_split_moves(msg, "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n",
	                  "GET /next", false);
	/* Decoded (for an HTTP/1.0 client): the payload only. */
	check_split_moves(msg, "hello world", "GET /next", true);
}

static void
test_move_bad_chunk(void **state)
{
	struct mp_proxy_worker pw = {0};
	struct mp_http_parser hp;
	struct px_q src = {0}, dst = {0};
	const uint8_t *head = NULL;
	uint64_t moved = 0;
	static const char msg[] =
	        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n";

	(void)state;
	pw.pool = pool;
	pw.head_buf = head_buf;
	pw.head_cap = sizeof(head_buf);
	assert_int_equal(mp_http_init(&hp, MP_HTTP_REQUEST, NULL, fields), 0);
	px_q_push_chain(&src, mk(msg, sizeof(msg) - 1));
	assert_int_equal(px_parse_head(&pw, &hp, &src, &head), MP_HTTP_HEAD);
	px_q_drop(&src, hp.msg.head_len);
	assert_int_equal(px_move_body(&pw, &hp, &src, &dst, false, NULL, &moved), MP_HTTP_ERROR);
	assert_int_equal(hp.err, MP_HTTP_ERR_CHUNK_SIZE);
	assert_true(px_q_empty(&dst));
	px_q_free(&src);
}

/* A head that is not complete yet is reported again from its start, nothing consumed. */
static void
test_head_again(void **state)
{
	struct mp_proxy_worker pw = {0};
	struct mp_http_parser hp;
	struct px_q src = {0};
	const uint8_t *head = NULL;

	(void)state;
	pw.pool = pool;
	pw.head_buf = head_buf;
	pw.head_cap = sizeof(head_buf);
	assert_int_equal(mp_http_init(&hp, MP_HTTP_REQUEST, NULL, fields), 0);
	px_q_push_chain(&src, mk("GET / HTTP/1.1\r\nHost: x\r\n", 25));
	assert_int_equal(px_parse_head(&pw, &hp, &src, &head), MP_HTTP_AGAIN);
	assert_int_equal(src.bytes, 25);
	px_q_free(&src);
}

/* The end of a head is looked for in new bytes only, also across segments. */
static void
test_head_ready(void **state)
{
	struct px_q q = {0};
	uint32_t scanned = 0;

	(void)state;
	px_q_push_chain(&q, mk("GET / HTTP/1.1\r\nHost: x\r", 25));
	assert_false(px_q_head_ready(&q, &scanned, 1000));
	assert_int_equal(scanned, 25);
	px_q_push_chain(&q, mk("\n\r", 2));
	assert_false(px_q_head_ready(&q, &scanned, 1000));
	px_q_push_chain(&q, mk("\n", 1)); /* the empty line straddles three segments */
	assert_true(px_q_head_ready(&q, &scanned, 1000));
	px_q_free(&q);

	/* Bare LF ends a head too (the parser rejects it: the client hears why at once). */
	scanned = 0;
	px_q_push_chain(&q, mk("GET / HTTP/1.1\n\n", 16));
	assert_true(px_q_head_ready(&q, &scanned, 1000));
	px_q_free(&q);

	/* Past the limit, the parser is asked anyway and reports it. */
	scanned = 0;
	px_q_push_chain(&q, mk("GET /aaaaaaaaaaaaaaaaaaaa", 25));
	assert_false(px_q_head_ready(&q, &scanned, 30));
	px_q_push_chain(&q, mk("aaaaaaaaaa", 10));
	assert_true(px_q_head_ready(&q, &scanned, 30));
	px_q_free(&q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_queue_basics),
	        cmocka_unit_test(test_seg_range),
	        cmocka_unit_test(test_move_length_body),
	        cmocka_unit_test(test_move_chunked_body),
	        cmocka_unit_test(test_move_bad_chunk),
	        cmocka_unit_test(test_head_again),
	        cmocka_unit_test(test_head_ready),
	        cmocka_unit_test(test_obs_forwarded),
	        cmocka_unit_test(test_obs_local_and_retry),
	        cmocka_unit_test(test_obs_first_byte_out),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
