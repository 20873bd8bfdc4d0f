/* SPDX-License-Identifier: BSD-3-Clause */
/* test_http: the lib/http unit tests. Each test_http_*.c file contributes one cmocka group;
 * this file holds the driver they share (test_http.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_http.h"

#define T_FIELDS 128

struct t_state {
	struct t_run *r;
	struct mp_http_parser hp;
	struct mp_http_field fields[T_FIELDS];
	const char *in;     /* the whole input: spans are resolved against it */
	uint64_t msg_start; /* stream offset of the current message */
	uint64_t pos;       /* stream offset consumed */
	char body[T_OUT_MAX];
	uint32_t body_len;
	bool stopped;
};

static void __attribute__((format(printf, 2, 3))) out(struct t_run *r, const char *fmt, ...)
{
	size_t n = strlen(r->out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->out + n, sizeof(r->out) - n, fmt, ap);
	va_end(ap);
}

static void
out_span(struct t_state *t, uint64_t base, struct mp_http_span s)
{
	out(t->r, "[%.*s]", (int)s.len, t->in + t->msg_start + base + s.off);
}

static void
on_head(struct t_state *t)
{
	const struct mp_http_msg *m = &t->hp.msg;

	out(t->r, "HEAD");
	if (t->r->kind == MP_HTTP_REQUEST) {
		out_span(t, 0, m->method);
		out(t->r, " m%u ", m->method_id);
		out_span(t, 0, m->target);
		out(t->r, " form%u", m->target_form);
	} else {
		out(t->r, " %u", m->status);
		out_span(t, 0, m->reason);
	}
	out(t->r, " 1.%u framing%u cl%" PRIu64 " ka%u flags%x seen%x len%u\n", m->minor, m->framing,
	    m->content_length, m->keep_alive, m->flags, m->hdr_seen, m->head_len);
	for (unsigned int i = 0; i < m->nfields; i++) {
		out(t->r, " ");
		out_span(t, 0, t->fields[i].name);
		out_span(t, 0, t->fields[i].value);
		out(t->r, " %s\n", mp_http_hdr_name(t->fields[i].id));
	}
}

static void
on_done(struct t_state *t)
{
	const struct mp_http_msg *m = &t->hp.msg;

	if (t->body_len != 0 ||
	    (m->framing != MP_HTTP_BODY_NONE && m->framing != MP_HTTP_BODY_TUNNEL))
		out(t->r, "BODY %u [%.*s]\n", t->body_len, (int)t->body_len, t->body);
	t->body_len = 0;
	for (unsigned int i = m->nfields; i < m->nfields + m->ntrailers; i++) {
		out(t->r, " T");
		out_span(t, m->trailer_off, t->fields[i].name);
		out_span(t, m->trailer_off, t->fields[i].value);
		out(t->r, "\n");
	}
	out(t->r, "DONE\n");
	t->r->done++;
}

static void
on_error(struct t_state *t)
{
	t->r->err = t->hp.err;
	out(t->r, "ERROR %s\n", mp_http_err_name(t->hp.err));
	t->stopped = true;
}

/* Feed one chunk until the parser wants more. */
static void
feed_chunk(struct t_state *t, const char *src, uint32_t n)
{
	char *buf = malloc(n ? n : 1);
	uint32_t off = 0;

	assert_non_null(buf);
	memcpy(buf, src, n);
	while (!t->stopped) {
		uint32_t used = UINT32_MAX;
		enum mp_http_event ev = mp_http_parse(&t->hp, (uint8_t *)buf + off, n - off, &used);

		assert_true(used <= n - off);
		off += used;
		t->pos += used;
		if (ev == MP_HTTP_AGAIN) {
			assert_int_equal(off, n);
			break;
		}
		switch (ev) {
		case MP_HTTP_HEAD:
			/* The head ends exactly where the parser stopped: the body starts there. */
			assert_int_equal(t->pos - t->msg_start, t->hp.msg.head_len);
			on_head(t);
			break;
		case MP_HTTP_BODY:
			/* The payload is inside this chunk, just before what is left. */
			assert_ptr_equal(t->hp.body + t->hp.body_len, (uint8_t *)buf + off);
			assert_true(t->body_len + t->hp.body_len <= sizeof(t->body));
			memcpy(t->body + t->body_len, t->hp.body, t->hp.body_len);
			t->body_len += t->hp.body_len;
			break;
		case MP_HTTP_DONE:
			on_done(t);
			t->msg_start = t->pos;
			break;
		case MP_HTTP_ERROR:
			on_error(t);
			break;
		default:
			fail();
		}
	}
	free(buf);
}

void
t_feed(struct t_run *r, const char *in, uint32_t len, const uint32_t *cuts, uint32_t ncuts)
{
	struct t_state *t = calloc(1, sizeof(*t));
	uint32_t start = 0;

	assert_non_null(t);
	r->out[0] = 0;
	r->err = MP_HTTP_ERR_NONE;
	r->done = 0;
	t->r = r;
	t->in = in;
	{
		struct mp_http_params p;

		if (r->params != NULL)
			p = *r->params;
		else
			mp_http_params_default(&p);
		p.simd = r->simd;
		assert_true(p.max_headers <= T_FIELDS);
		assert_int_equal(mp_http_init(&t->hp, r->kind, &p, t->fields), 0);
		assert_int_equal(mp_http_simd_of(&t->hp),
		                 r->simd == MP_HTTP_SIMD_AUTO ? mp_http_simd_best() : r->simd);
	}
	if (r->kind == MP_HTTP_RESPONSE)
		mp_http_expect_response(&t->hp, r->req_method);
	if (ncuts == UINT32_MAX) {
		for (uint32_t i = 0; i < len && !t->stopped; i++)
			feed_chunk(t, in + i, 1);
	} else {
		for (uint32_t i = 0; i <= ncuts && !t->stopped; i++) {
			uint32_t end = i < ncuts ? cuts[i] : len;

			feed_chunk(t, in + start, end - start);
			start = end;
		}
	}
	if (r->finish && !t->stopped) {
		enum mp_http_event ev = mp_http_finish(&t->hp);

		if (ev == MP_HTTP_DONE)
			on_done(t);
		else if (ev == MP_HTTP_ERROR)
			on_error(t);
		else
			out(r, "CLOSED\n");
	}
	free(t);
}

void
t_feed1(struct t_run *r, const char *in, uint32_t len)
{
	t_feed(r, in, len, NULL, 0);
}

static enum mp_http_err
one_err(enum mp_http_kind kind, const char *in, enum mp_http_method m)
{
	struct t_run *r = calloc(1, sizeof(*r));
	enum mp_http_err e;

	assert_non_null(r);
	r->kind = kind;
	r->req_method = m;
	t_feed1(r, in, (uint32_t)strlen(in));
	e = r->err;
	free(r);
	return e;
}

enum mp_http_err
t_req_err(const char *in)
{
	return one_err(MP_HTTP_REQUEST, in, MP_HTTP_M_GET);
}

enum mp_http_err
t_resp_err(const char *in, enum mp_http_method m)
{
	return one_err(MP_HTTP_RESPONSE, in, m);
}

unsigned int
t_simds(enum mp_http_simd out_simd[3])
{
	unsigned int n = 0;

	for (int s = MP_HTTP_SIMD_SCALAR; s <= (int)mp_http_simd_best(); s++)
		out_simd[n++] = (enum mp_http_simd)s;
	return n;
}

int
main(void)
{
	int failed = 0;

	failed += test_http_parse_run();
	failed += test_http_hostile_run();
	failed += test_http_split_run();
	return failed != 0;
}
