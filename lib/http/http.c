/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http: set-up, names, byte classes, and the per-field and per-message decisions the
 * state machine (http_parse_impl.h) calls out to: field ids, the Content-Length and token
 * list sub-parsers, body framing (RFC 9112 6.3) and keep-alive.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "http_priv.h"

/* ---------------------------------------------------------------------------------------- */
/* Byte classes                                                                              */

/* tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
 *         "~" / DIGIT / ALPHA */
const uint8_t mp_http_tchar[256] = {
        ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1,         ['&'] = 1,         ['\''] = 1,
        ['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1,         ['^'] = 1,         ['_'] = 1,
        ['`'] = 1, ['|'] = 1, ['~'] = 1, ['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
};

/* field-vchar = VCHAR / obs-text, with SP and HTAB inside a value */
const uint8_t mp_http_vchar[256] = {
        ['\t'] = 1,
        [' ' ... '~'] = 1,
        [0x80 ... 0xff] = 1,
};

const uint8_t mp_http_target[256] = {
        ['!' ... '~'] = 1,
};

/*
 * Chunk extensions: BWS is optional whitespace around ';' and '=', but a line may not end in
 * it, and a quoted-string takes qdtext and quoted-pairs ("\" HTAB / SP / VCHAR / obs-text).
 */
const uint8_t mp_http_ext_next[X_STATES][XC_CLASSES] = {
        /* columns: BAD TCHAR WS SEMI EQ DQUOTE BSLASH CR QDTEXT (enum http_ext_class) */
        [X_BWS_SEMI] = {X_BAD, X_BAD, X_BWS_SEMI, X_BWS_NAME, X_BAD, X_BAD, X_BAD, X_BAD, X_BAD},
        [X_BWS_NAME] = {X_BAD, X_NAME, X_BWS_NAME, X_BAD, X_BAD, X_BAD, X_BAD, X_BAD, X_BAD},
        [X_NAME] = {X_BAD, X_NAME, X_BWS_EQ, X_BWS_NAME, X_BWS_VAL, X_BAD, X_BAD, X_END, X_BAD},
        [X_BWS_EQ] = {X_BAD, X_BAD, X_BWS_EQ, X_BWS_NAME, X_BWS_VAL, X_BAD, X_BAD, X_BAD, X_BAD},
        [X_BWS_VAL] = {X_BAD, X_VAL, X_BWS_VAL, X_BAD, X_BAD, X_QUOTED, X_BAD, X_BAD, X_BAD},
        [X_VAL] = {X_BAD, X_VAL, X_BWS_SEMI, X_BWS_NAME, X_BAD, X_BAD, X_BAD, X_END, X_BAD},
        [X_QUOTED] = {X_BAD, X_QUOTED, X_QUOTED, X_QUOTED, X_QUOTED, X_AFTER_Q, X_QUOTED_BS, X_BAD,
                      X_QUOTED},
        [X_QUOTED_BS] = {X_BAD, X_QUOTED, X_QUOTED, X_QUOTED, X_QUOTED, X_QUOTED, X_QUOTED, X_BAD,
                         X_QUOTED},
        [X_AFTER_Q] = {X_BAD, X_BAD, X_BWS_SEMI, X_BWS_NAME, X_BAD, X_BAD, X_BAD, X_END, X_BAD},
};

/* ---------------------------------------------------------------------------------------- */
/* Names                                                                                     */

static const struct {
	const char *name;
	const char *desc;
	uint16_t status;
} errs[MP_HTTP_ERR_MAX] = {
#define MP_HTTP_ERR_ROW(sym, n, st, d) [MP_HTTP_ERR_##sym] = {n, d, st},
        MP_HTTP_ERR_LIST(MP_HTTP_ERR_ROW)
#undef MP_HTTP_ERR_ROW
};

static const char *const hdr_names[MP_HTTP_HDR_MAX] = {
#define MP_HTTP_HDR_ROW(sym, n) [MP_HTTP_HDR_##sym] = n,
        MP_HTTP_HDR_LIST(MP_HTTP_HDR_ROW)
#undef MP_HTTP_HDR_ROW
};

static const char *const method_names[MP_HTTP_M_MAX] = {
#define MP_HTTP_METHOD_ROW(sym, n) [MP_HTTP_M_##sym] = n,
        MP_HTTP_METHOD_LIST(MP_HTTP_METHOD_ROW)
#undef MP_HTTP_METHOD_ROW
};

const char *
mp_http_err_name(enum mp_http_err e)
{
	return (unsigned int)e < MP_HTTP_ERR_MAX ? errs[e].name : "?";
}

const char *
mp_http_err_desc(enum mp_http_err e)
{
	return (unsigned int)e < MP_HTTP_ERR_MAX ? errs[e].desc : "?";
}

uint16_t
mp_http_err_status(enum mp_http_err e)
{
	return (unsigned int)e < MP_HTTP_ERR_MAX ? errs[e].status : 400;
}

const char *
mp_http_hdr_name(enum mp_http_hdr h)
{
	return (unsigned int)h < MP_HTTP_HDR_MAX ? hdr_names[h] : "?";
}

const char *
mp_http_method_name(enum mp_http_method m)
{
	return (unsigned int)m < MP_HTTP_M_MAX ? method_names[m] : "?";
}

/* ---------------------------------------------------------------------------------------- */
/* Field and method ids                                                                      */

struct http_hdr_slot mp_http_hdr_slots[HTTP_HDR_SLOTS];

/* Fill the table of known field names before main(): the data path only reads it. */
static void __attribute__((constructor)) hdr_table_init(void)
{
	for (uint32_t id = 1; id < MP_HTTP_HDR_MAX; id++) {
		uint32_t len = (uint32_t)strlen(hdr_names[id]);
		uint32_t h = http_hdr_hash(hdr_names[id], len);

		while (mp_http_hdr_slots[h].id != MP_HTTP_HDR_OTHER)
			h = (h + 1) & (HTTP_HDR_SLOTS - 1);
		mp_http_hdr_slots[h].id = (uint8_t)id;
		mp_http_hdr_slots[h].len = (uint8_t)len;
		memcpy(mp_http_hdr_slots[h].name, hdr_names[id], len);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Value sub-parsers                                                                         */

enum { CL_PRE, CL_DIGITS, CL_POST };         /* hp->sub for VP_CL */
enum { LS_PRE, LS_TOKEN, LS_POST, LS_JUNK }; /* hp->sub for VP_LIST */

static inline bool
is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static bool
tok_is(const struct mp_http_parser *hp, const char *word)
{
	size_t n = strlen(word);

	return hp->tok_len == n && memcmp(hp->tok_buf, word, n) == 0;
}

/* One Content-Length element read: equal to any before it, or the message is rejected. */
static enum mp_http_err
cl_element(struct mp_http_parser *hp)
{
	if (hp->cl_have && hp->msg.content_length != hp->cl_cur)
		return MP_HTTP_ERR_CL_MISMATCH;
	hp->msg.content_length = hp->cl_cur;
	hp->cl_have = 1;
	return MP_HTTP_ERR_NONE;
}

/* Content-Length = 1*DIGIT, accepted as a comma list of identical values (RFC 9110 8.6). */
static enum mp_http_err
cl_feed(struct mp_http_parser *hp, const uint8_t *s, uint32_t n)
{
	enum mp_http_err err;

	for (uint32_t i = 0; i < n; i++) {
		uint8_t c = s[i];

		switch (hp->sub) {
		case CL_PRE:
			if (is_ows(c))
				continue;
			if (!http_is_digit(c))
				return MP_HTTP_ERR_CL_BAD;
			hp->cl_cur = c - '0';
			hp->digits = 1;
			hp->sub = CL_DIGITS;
			continue;
		case CL_DIGITS:
			if (http_is_digit(c)) {
				if (++hp->digits > HTTP_CL_MAX_DIGITS)
					return MP_HTTP_ERR_CL_OVERFLOW;
				hp->cl_cur = hp->cl_cur * 10 + (uint64_t)(c - '0');
				continue;
			}
			if (is_ows(c)) {
				hp->sub = CL_POST;
				continue;
			}
			break;
		case CL_POST:
			if (is_ows(c))
				continue;
			break;
		}
		if (c != ',')
			return MP_HTTP_ERR_CL_BAD;
		err = cl_element(hp);
		if (err != MP_HTTP_ERR_NONE)
			return err;
		hp->sub = CL_PRE;
	}
	return MP_HTTP_ERR_NONE;
}

static bool
te_known(const struct mp_http_parser *hp)
{
	return tok_is(hp, "gzip") || tok_is(hp, "deflate") || tok_is(hp, "compress") ||
	       tok_is(hp, "x-gzip") || tok_is(hp, "x-compress");
}

/* One element of a token list ended; tok_buf holds it in lower case. */
static void
list_element(struct mp_http_parser *hp)
{
	uint32_t id = hp->fields[hp->nf].id;

	if (hp->tok_len > MP_HTTP_TOK_BUF)
		hp->tok_len = MP_HTTP_TOK_BUF + 1; /* matches no word */
	switch (id) {
	case MP_HTTP_HDR_TRANSFER_ENCODING:
		if (hp->tok_junk) { /* parameters or a non-token: not supported */
			hp->te |= TE_BAD;
			return;
		}
		hp->te |= TE_CODING;
		if (tok_is(hp, "chunked")) {
			if (hp->te & TE_CHUNKED)
				hp->te |= TE_TWICE;
			hp->te |= TE_CHUNKED | TE_LAST_CHUNKED;
			return;
		}
		if (hp->te & TE_CHUNKED)
			hp->te |= TE_AFTER_CHUNKED;
		hp->te &= (uint8_t)~TE_LAST_CHUNKED;
		if (!te_known(hp))
			hp->te |= TE_UNKNOWN;
		return;
	case MP_HTTP_HDR_CONNECTION:
		if (hp->tok_junk)
			return;
		if (tok_is(hp, "close"))
			hp->msg.flags |= MP_HTTP_F_CONN_CLOSE;
		else if (tok_is(hp, "keep-alive"))
			hp->msg.flags |= MP_HTTP_F_CONN_KEEP_ALIVE;
		else if (tok_is(hp, "upgrade"))
			hp->msg.flags |= MP_HTTP_F_CONN_UPGRADE;
		return;
	case MP_HTTP_HDR_EXPECT:
		if (!hp->tok_junk && tok_is(hp, "100-continue"))
			hp->msg.flags |= MP_HTTP_F_EXPECT_CONTINUE;
		else
			hp->msg.flags |= MP_HTTP_F_EXPECT_OTHER;
		return;
	}
}

static inline void
tok_add(struct mp_http_parser *hp, uint8_t c)
{
	if (hp->tok_len < MP_HTTP_TOK_BUF)
		hp->tok_buf[hp->tok_len] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	if (hp->tok_len <= MP_HTTP_TOK_BUF)
		hp->tok_len++;
}

/* #element lists (RFC 9110 5.6.1): empty elements are skipped; an element that is not one
 * token is "junk" (Transfer-Encoding rejects it, the others ignore it). */
static void
list_feed(struct mp_http_parser *hp, const uint8_t *s, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint8_t c = s[i];

		switch (hp->sub) {
		case LS_PRE:
			if (is_ows(c) || c == ',')
				continue;
			hp->tok_len = 0;
			hp->tok_junk = !mp_http_tchar[c];
			if (hp->tok_junk) {
				hp->sub = LS_JUNK;
				continue;
			}
			tok_add(hp, c);
			hp->sub = LS_TOKEN;
			continue;
		case LS_TOKEN:
			if (mp_http_tchar[c]) {
				tok_add(hp, c);
				continue;
			}
			if (is_ows(c)) {
				hp->sub = LS_POST;
				continue;
			}
			break;
		case LS_POST:
			if (is_ows(c))
				continue;
			break;
		case LS_JUNK:
			break;
		}
		if (c == ',') {
			list_element(hp);
			hp->sub = LS_PRE;
		} else {
			hp->tok_junk = 1;
			hp->sub = LS_JUNK;
		}
	}
}

enum mp_http_err
mp_http_vp_feed(struct mp_http_parser *hp, const uint8_t *s, uint32_t n)
{
	if (hp->vp == VP_CL)
		return cl_feed(hp, s, n);
	list_feed(hp, s, n);
	return MP_HTTP_ERR_NONE;
}

enum mp_http_err
mp_http_vp_end(struct mp_http_parser *hp)
{
	if (hp->vp == VP_CL)
		return hp->sub == CL_PRE ? MP_HTTP_ERR_CL_BAD : cl_element(hp);
	if (hp->sub != LS_PRE)
		list_element(hp);
	return MP_HTTP_ERR_NONE;
}

enum mp_http_err
mp_http_name_end(struct mp_http_parser *hp)
{
	uint32_t id = hp->fields[hp->nf].id;

	hp->vp = VP_NONE;
	if (hp->trailer) /* trailer fields are reported, never acted on */
		return MP_HTTP_ERR_NONE;
	if (id == MP_HTTP_HDR_HOST && (hp->msg.hdr_seen & (1u << id)))
		return MP_HTTP_ERR_HOST_DUP;
	hp->msg.hdr_seen |= 1u << id;
	switch (id) {
	case MP_HTTP_HDR_CONTENT_LENGTH:
		hp->vp = VP_CL;
		hp->sub = CL_PRE;
		break;
	case MP_HTTP_HDR_TRANSFER_ENCODING:
		hp->te |= TE_SEEN;
		/* fall through */
	case MP_HTTP_HDR_CONNECTION:
	case MP_HTTP_HDR_EXPECT:
		hp->vp = VP_LIST;
		hp->sub = LS_PRE;
		break;
	}
	return MP_HTTP_ERR_NONE;
}

/* ---------------------------------------------------------------------------------------- */
/* Message decisions                                                                         */

#define HDR_BIT(h) (1u << MP_HTTP_HDR_##h)

/* Transfer-Encoding checks common to requests and responses (RFC 9112 6.1, 6.3). */
static enum mp_http_err
te_check(const struct mp_http_parser *hp)
{
	if (hp->msg.hdr_seen & HDR_BIT(CONTENT_LENGTH))
		return MP_HTTP_ERR_CL_AND_TE;
	if (hp->msg.minor == 0)
		return MP_HTTP_ERR_TE_HTTP10;
	if ((hp->te & TE_BAD) || !(hp->te & TE_CODING))
		return MP_HTTP_ERR_TE_BAD;
	if (hp->te & TE_TWICE)
		return MP_HTTP_ERR_TE_CHUNKED_TWICE;
	return MP_HTTP_ERR_NONE;
}

static enum mp_http_err
request_framing(struct mp_http_parser *hp)
{
	struct mp_http_msg *m = &hp->msg;
	enum mp_http_err err;

	if (m->minor == 1 && !(m->hdr_seen & HDR_BIT(HOST)))
		return MP_HTTP_ERR_HOST_MISSING;
	if (hp->te & TE_SEEN) {
		err = te_check(hp);
		if (err != MP_HTTP_ERR_NONE)
			return err;
		if (!(hp->te & TE_LAST_CHUNKED))
			return MP_HTTP_ERR_TE_NOT_CHUNKED;
		if (hp->te & TE_UNKNOWN)
			return MP_HTTP_ERR_TE_UNKNOWN;
		m->framing = MP_HTTP_BODY_CHUNKED;
	} else if (m->content_length != 0) {
		m->framing = MP_HTTP_BODY_LENGTH;
	} else {
		m->framing = MP_HTTP_BODY_NONE;
	}
	return MP_HTTP_ERR_NONE;
}

static enum mp_http_err
response_framing(struct mp_http_parser *hp)
{
	struct mp_http_msg *m = &hp->msg;
	enum mp_http_err err;

	if (hp->te & TE_SEEN) {
		err = te_check(hp);
		if (err != MP_HTTP_ERR_NONE)
			return err;
	}
	if (m->status == 101) {
		m->framing = MP_HTTP_BODY_TUNNEL;
	} else if (m->status < 200 || m->status == 204 || m->status == 304 ||
	           hp->req_method == MP_HTTP_M_HEAD) {
		m->framing = MP_HTTP_BODY_NONE;
	} else if (hp->req_method == MP_HTTP_M_CONNECT && m->status < 300) {
		m->framing = MP_HTTP_BODY_TUNNEL;
	} else if (hp->te & TE_SEEN) {
		/* A response may end in another coding: its body then runs until close. */
		if (hp->te & (TE_UNKNOWN | TE_AFTER_CHUNKED) || !(hp->te & TE_LAST_CHUNKED))
			m->flags |= MP_HTTP_F_TE_OTHER;
		m->framing = (hp->te & TE_LAST_CHUNKED) ? MP_HTTP_BODY_CHUNKED
		                                        : MP_HTTP_BODY_UNTIL_CLOSE;
	} else if (m->hdr_seen & HDR_BIT(CONTENT_LENGTH)) {
		m->framing = m->content_length != 0 ? MP_HTTP_BODY_LENGTH : MP_HTTP_BODY_NONE;
	} else {
		m->framing = MP_HTTP_BODY_UNTIL_CLOSE;
	}
	return MP_HTTP_ERR_NONE;
}

enum mp_http_err
mp_http_head_end(struct mp_http_parser *hp)
{
	struct mp_http_msg *m = &hp->msg;
	enum mp_http_err err;

	err = hp->kind == MP_HTTP_REQUEST ? request_framing(hp) : response_framing(hp);
	if (err != MP_HTTP_ERR_NONE)
		return err;
	if (m->framing == MP_HTTP_BODY_LENGTH && hp->max_body != 0 &&
	    m->content_length > hp->max_body)
		return MP_HTTP_ERR_BODY_TOO_LARGE;

	/* RFC 9112 9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive". */
	if (m->minor == 1)
		m->keep_alive = !(m->flags & MP_HTTP_F_CONN_CLOSE);
	else
		m->keep_alive = (m->flags & MP_HTTP_F_CONN_KEEP_ALIVE) &&
		                !(m->flags & MP_HTTP_F_CONN_CLOSE);

	switch (m->framing) {
	case MP_HTTP_BODY_NONE:
		hp->state = S_MSG_DONE;
		break;
	case MP_HTTP_BODY_LENGTH:
		hp->remain = m->content_length;
		hp->state = S_BODY_LENGTH;
		break;
	case MP_HTTP_BODY_CHUNKED:
		hp->state = S_CHUNK_START;
		break;
	case MP_HTTP_BODY_UNTIL_CLOSE:
		m->keep_alive = false;
		hp->state = S_BODY_CLOSE;
		break;
	case MP_HTTP_BODY_TUNNEL:
		m->keep_alive = false;
		hp->state = S_MSG_DONE;
		hp->after_done = S_TUNNEL;
		break;
	}
	return MP_HTTP_ERR_NONE;
}

enum mp_http_err
mp_http_chunk_size_end(struct mp_http_parser *hp)
{
	if (hp->max_chunk_size != 0 && hp->remain > hp->max_chunk_size)
		return MP_HTTP_ERR_CHUNK_TOO_LARGE;
	if (hp->remain > UINT64_MAX - hp->body_total)
		return MP_HTTP_ERR_BODY_TOO_LARGE;
	hp->body_total += hp->remain;
	if (hp->max_body != 0 && hp->body_total > hp->max_body)
		return MP_HTTP_ERR_BODY_TOO_LARGE;
	return MP_HTTP_ERR_NONE;
}

void
mp_http_msg_reset(struct mp_http_parser *hp)
{
	memset(&hp->msg, 0, sizeof(hp->msg));
	hp->body = NULL;
	hp->body_len = 0;
	hp->pos = 0;
	hp->span_base = 0;
	hp->remain = 0;
	hp->body_total = 0;
	hp->lim_off = hp->max_request_line;
	hp->lim_err = hp->kind == MP_HTTP_REQUEST ? MP_HTTP_ERR_REQUEST_LINE_TOO_LONG
	                                          : MP_HTTP_ERR_STATUS_LINE_TOO_LONG;
	hp->nf = 0;
	hp->state = S_START;
	hp->after_done = S_RESET;
	hp->sub = 0;
	hp->vp = VP_NONE;
	hp->te = 0;
	hp->major = 0;
	hp->trailer = 0;
	hp->cl_have = 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Set-up                                                                                    */

void
mp_http_params_default(struct mp_http_params *params)
{
	memset(params, 0, sizeof(*params));
	params->max_request_line = MP_HTTP_DEF_MAX_REQUEST_LINE;
	params->max_header_bytes = MP_HTTP_DEF_MAX_HEADER_BYTES;
	params->max_chunk_line = MP_HTTP_DEF_MAX_CHUNK_LINE;
	params->max_headers = MP_HTTP_DEF_MAX_HEADERS;
	params->simd = MP_HTTP_SIMD_AUTO;
}

enum mp_http_simd
mp_http_simd_best(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		return MP_HTTP_SIMD_AVX2;
	if (__builtin_cpu_supports("sse4.2"))
		return MP_HTTP_SIMD_SSE42;
	return MP_HTTP_SIMD_SCALAR;
}

const char *
mp_http_simd_name(enum mp_http_simd s)
{
	switch (s) {
	case MP_HTTP_SIMD_AUTO:
		return "auto";
	case MP_HTTP_SIMD_SCALAR:
		return "scalar";
	case MP_HTTP_SIMD_SSE42:
		return "sse4.2";
	case MP_HTTP_SIMD_AVX2:
		return "avx2";
	}
	return "?";
}

enum mp_http_simd
mp_http_simd_of(const struct mp_http_parser *hp)
{
	if (hp->parse == mp_http_parse_avx2)
		return MP_HTTP_SIMD_AVX2;
	if (hp->parse == mp_http_parse_sse42)
		return MP_HTTP_SIMD_SSE42;
	return MP_HTTP_SIMD_SCALAR;
}

int
mp_http_init(struct mp_http_parser *hp, enum mp_http_kind kind, const struct mp_http_params *params,
             struct mp_http_field *fields)
{
	struct mp_http_params def;
	enum mp_http_simd best = mp_http_simd_best(), want;

	if (params == NULL) {
		mp_http_params_default(&def);
		params = &def;
	}
	if (hp == NULL || fields == NULL || params->max_request_line == 0 ||
	    params->max_header_bytes == 0 || params->max_chunk_line == 0 ||
	    params->max_headers == 0 || (kind != MP_HTTP_REQUEST && kind != MP_HTTP_RESPONSE))
		return -EINVAL;
	want = params->simd == MP_HTTP_SIMD_AUTO ? best : params->simd;
	if (want > best)
		return -ENOTSUP;

	memset(hp, 0, sizeof(*hp));
	switch (want) {
	case MP_HTTP_SIMD_AVX2:
		hp->parse = mp_http_parse_avx2;
		break;
	case MP_HTTP_SIMD_SSE42:
		hp->parse = mp_http_parse_sse42;
		break;
	default:
		hp->parse = mp_http_parse_scalar;
		break;
	}
	hp->fields = fields;
	hp->kind = (uint8_t)kind;
	hp->max_request_line = params->max_request_line;
	hp->max_header_bytes = params->max_header_bytes;
	hp->max_chunk_line = params->max_chunk_line;
	hp->max_headers = params->max_headers;
	hp->max_body = params->max_body;
	hp->max_chunk_size = params->max_chunk_size;
	hp->req_method = MP_HTTP_M_GET;
	mp_http_msg_reset(hp);
	return 0;
}

enum mp_http_event
mp_http_finish(struct mp_http_parser *hp)
{
	switch ((enum http_state)hp->state) {
	case S_BODY_CLOSE:
		hp->state = S_RESET;
		return MP_HTTP_DONE;
	case S_MSG_DONE:
		hp->state = hp->after_done;
		return MP_HTTP_DONE;
	case S_START:
	case S_START_LF:
	case S_RESET:
	case S_TUNNEL:
		return MP_HTTP_AGAIN;
	case S_ERROR:
		return MP_HTTP_ERROR;
	default:
		hp->err = MP_HTTP_ERR_TRUNCATED;
		hp->state = S_ERROR;
		hp->msg.keep_alive = false;
		return MP_HTTP_ERROR;
	}
}
