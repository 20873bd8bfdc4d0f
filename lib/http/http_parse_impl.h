/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP/1.1 state machine, compiled once per scanner variant: http_scalar.c, http_sse42.c
 * and http_avx2.c define HTTP_PARSE_FN and the three scanners, then include this file, so
 * each variant inlines its own scanners into the hot states instead of calling through a
 * pointer per field. Not a header to include anywhere else.
 *
 * Each scanner, SCAN_x(q, end), returns the first byte in [q, end) outside its class, or end:
 *   SCAN_TOKEN   token characters (method, field name)
 *   SCAN_TARGET  request-target bytes, %x21-7E
 *   SCAN_VALUE   field-value bytes: VCHAR, obs-text, SP, HTAB
 *
 * Resuming: every state that can run out of input saves itself in hp->state and returns
 * MP_HTTP_AGAIN; positions are kept as span offsets (OFF()), never as pointers, and the only
 * bytes kept are a short name or method split across chunks (name_buf) and the list token
 * being read (tok_buf). Head states read no further than `lim`, the end of the input or the
 * current limit, whichever comes first: reaching a limit that is not the end of the input is
 * the limit's error.
 */
#if !defined(HTTP_PARSE_FN) || !defined(SCAN_TOKEN) || !defined(SCAN_TARGET) || !defined(SCAN_VALUE)
#error "define HTTP_PARSE_FN and the scanners before including http_parse_impl.h"
#endif

/* Span offset of a pointer into the current chunk. */
#define OFF(x) (base + (uint32_t)((x)-p))

#define RET(ev)                               \
	do {                                  \
		*used = (uint32_t)(q - p);    \
		hp->pos += (uint64_t)(q - p); \
		return (ev);                  \
	} while (0)

/* Out of input (or at the limit) in a head state: save it and stop. */
#define NEED(st)                          \
	do {                              \
		if (q >= lim) {           \
			hp->state = (st); \
			goto need;        \
		}                         \
	} while (0)

/* Out of input in a body state. */
#define NEED_BODY(st)                       \
	do {                                \
		if (q >= e) {               \
			hp->state = (st);   \
			RET(MP_HTTP_AGAIN); \
		}                           \
	} while (0)

#define FAIL(x)            \
	do {               \
		err = (x); \
		goto fail; \
	} while (0)

enum mp_http_event
HTTP_PARSE_FN(struct mp_http_parser *hp, const uint8_t *p, uint32_t len, uint32_t *used)
{
	const uint8_t *q = p, *e = p + len, *lim, *s = p;
	struct mp_http_field *f;
	enum mp_http_err err;
	uint32_t base;
	uint64_t n;
	uint8_t c = 0, h;

	if (hp->state == S_RESET)
		mp_http_msg_reset(hp);
	base = (uint32_t)(hp->pos - hp->span_base);
	lim = http_head_lim(hp, p, len, base);

	switch ((enum http_state)hp->state) {
	case S_START:
		goto s_start;
	case S_START_LF:
		goto s_start_lf;
	case S_METHOD:
		goto s_method;
	case S_TARGET_START:
		goto s_target_start;
	case S_SCHEME:
		goto s_scheme;
	case S_TARGET:
		goto s_target;
	case S_ASTERISK:
		goto s_asterisk;
	case S_VERSION:
		goto s_version;
	case S_VERSION_END:
		goto s_version_end;
	case S_STATUS:
		goto s_status;
	case S_REASON:
		goto s_reason;
	case S_LINE_LF:
		goto s_line_lf;
	case S_FIELD_START:
		goto s_field_start;
	case S_NAME:
		goto s_name;
	case S_VALUE_START:
		goto s_value_start;
	case S_VALUE:
		goto s_value;
	case S_VALUE_LF:
		goto s_value_lf;
	case S_HEAD_LF:
		goto s_head_lf;
	case S_BODY_LENGTH:
		goto s_body_length;
	case S_BODY_CLOSE:
		goto s_body_close;
	case S_CHUNK_START:
		goto s_chunk_start;
	case S_CHUNK_SIZE:
		goto s_chunk_size;
	case S_CHUNK_EXT:
		goto s_chunk_ext;
	case S_CHUNK_LF:
		goto s_chunk_lf;
	case S_CHUNK_DATA:
		goto s_chunk_data;
	case S_CHUNK_DATA_CR:
		goto s_chunk_data_cr;
	case S_CHUNK_DATA_LF:
		goto s_chunk_data_lf;
	case S_MSG_DONE:
		goto s_msg_done;
	case S_TUNNEL:
		if (len == 0)
			RET(MP_HTTP_AGAIN);
		FAIL(MP_HTTP_ERR_AFTER_TUNNEL);
	case S_RESET:
	case S_ERROR:
		break;
	}
	RET(MP_HTTP_ERROR);

	/* ---- start line ------------------------------------------------------------------ */
s_start:
	NEED(S_START);
	if (hp->kind == MP_HTTP_RESPONSE)
		goto s_version;
	c = *q;
	if (mp_http_tchar[c]) {
		hp->mark = OFF(q);
		hp->name_split = 0;
		hp->name_len = 0;
		s = q;
		goto s_method;
	}
	if (c != '\r')
		FAIL(c == '\n' ? MP_HTTP_ERR_BARE_LF : MP_HTTP_ERR_METHOD);
	q++;
s_start_lf: /* an empty line before the request-line (RFC 9112 2.2) */
	NEED(S_START_LF);
	if (*q != '\n')
		FAIL(MP_HTTP_ERR_BARE_CR);
	q++;
	goto s_start;

s_method:
	q = SCAN_TOKEN(q, lim);
	if (q >= lim) {
		http_name_piece(hp, s, q);
		NEED(S_METHOD);
	}
	if (*q != ' ')
		FAIL(MP_HTTP_ERR_METHOD);
	hp->msg.method.off = hp->mark;
	hp->msg.method.len = OFF(q) - hp->mark;
	if (hp->name_split) {
		http_name_piece(hp, s, q);
		hp->msg.method_id = hp->name_len <= MP_HTTP_NAME_BUF
		                            ? http_method_lookup(hp->name_buf, hp->name_len)
		                            : MP_HTTP_M_OTHER;
	} else {
		hp->msg.method_id = http_method_lookup((const char *)s, (uint32_t)(q - s));
	}
	q++;

s_target_start:
	NEED(S_TARGET_START);
	c = *q;
	hp->mark = OFF(q);
	if (hp->msg.method_id == MP_HTTP_M_CONNECT) {
		if (c == '/' || c == '*')
			FAIL(MP_HTTP_ERR_TARGET_FORM);
		hp->msg.target_form = MP_HTTP_TARGET_AUTHORITY;
		goto s_target;
	}
	if (c == '/') {
		hp->msg.target_form = MP_HTTP_TARGET_ORIGIN;
		q++;
		goto s_target;
	}
	if (c == '*') {
		if (hp->msg.method_id != MP_HTTP_M_OPTIONS)
			FAIL(MP_HTTP_ERR_TARGET_FORM);
		hp->msg.target_form = MP_HTTP_TARGET_ASTERISK;
		q++;
		goto s_asterisk;
	}
	if (http_is_alpha(c)) {
		hp->msg.target_form = MP_HTTP_TARGET_ABSOLUTE;
		q++;
		goto s_scheme;
	}
	if (c == ' ')
		FAIL(MP_HTTP_ERR_REQUEST_LINE);
	FAIL(mp_http_target[c] ? MP_HTTP_ERR_TARGET_FORM : MP_HTTP_ERR_TARGET_CHAR);

s_scheme: /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	for (;;) {
		NEED(S_SCHEME);
		c = *q++;
		if (c == ':')
			break;
		if (!http_is_scheme(c))
			FAIL(MP_HTTP_ERR_TARGET_FORM);
	}

s_target:
	q = SCAN_TARGET(q, lim);
	NEED(S_TARGET);
	c = *q;
	if (c != ' ')
		FAIL(c == '\r' || c == '\n' ? MP_HTTP_ERR_REQUEST_LINE : MP_HTTP_ERR_TARGET_CHAR);
	hp->msg.target.off = hp->mark;
	hp->msg.target.len = OFF(q) - hp->mark;
	if (hp->msg.target.len == 0)
		FAIL(MP_HTTP_ERR_REQUEST_LINE);
	q++;
	hp->sub = 0;
	goto s_version;

s_asterisk:
	NEED(S_ASTERISK);
	if (*q != ' ')
		FAIL(MP_HTTP_ERR_TARGET_FORM);
	hp->msg.target.off = hp->mark;
	hp->msg.target.len = 1;
	q++;
	hp->sub = 0;

s_version: /* HTTP-version = "HTTP/" DIGIT "." DIGIT, byte hp->sub of it next */
	if (hp->sub == 0 && lim - q >= HTTP_VERSION_LEN && memcmp(q, "HTTP/1.", 7) == 0 &&
	    (q[7] == '0' || q[7] == '1')) {
		hp->major = 1;
		hp->msg.minor = (uint8_t)(q[7] - '0');
		q += HTTP_VERSION_LEN;
		goto s_version_end;
	}
	while (hp->sub < HTTP_VERSION_LEN) {
		NEED(S_VERSION);
		c = *q;
		if (hp->sub < 5) {
			if (c != (uint8_t) "HTTP/"[hp->sub])
				FAIL(MP_HTTP_ERR_VERSION);
		} else if (hp->sub == 6) {
			if (c != '.')
				FAIL(MP_HTTP_ERR_VERSION);
		} else if (!http_is_digit(c)) {
			FAIL(MP_HTTP_ERR_VERSION);
		} else if (hp->sub == 5) {
			hp->major = (uint8_t)(c - '0');
		} else {
			hp->msg.minor = (uint8_t)(c - '0');
		}
		q++;
		hp->sub++;
	}

s_version_end:
	NEED(S_VERSION_END);
	c = *q;
	if (hp->kind == MP_HTTP_REQUEST) {
		if (c != '\r')
			FAIL(c == '\n' ? MP_HTTP_ERR_BARE_LF : MP_HTTP_ERR_REQUEST_LINE);
	} else if (c != ' ') {
		FAIL(MP_HTTP_ERR_STATUS_LINE);
	}
	if (hp->major != 1 || hp->msg.minor > 1)
		FAIL(MP_HTTP_ERR_VERSION_UNSUPPORTED);
	q++;
	if (hp->kind == MP_HTTP_REQUEST)
		goto s_line_lf;
	hp->sub = 0;
	hp->msg.status = 0;

s_status: /* status-code = 3DIGIT, then SP */
	for (;;) {
		NEED(S_STATUS);
		c = *q++;
		if (hp->sub == 3)
			break;
		if (!http_is_digit(c))
			FAIL(MP_HTTP_ERR_STATUS_LINE);
		hp->msg.status = (uint16_t)(hp->msg.status * 10 + (c - '0'));
		hp->sub++;
	}
	if (c != ' ' || hp->msg.status < HTTP_STATUS_MIN)
		FAIL(MP_HTTP_ERR_STATUS_LINE);
	hp->mark = OFF(q);

s_reason: /* reason-phrase = *( HTAB / SP / VCHAR / obs-text ) */
	q = SCAN_VALUE(q, lim);
	NEED(S_REASON);
	c = *q;
	if (c != '\r')
		FAIL(c == '\n' ? MP_HTTP_ERR_BARE_LF
		     : c == 0  ? MP_HTTP_ERR_NUL
		               : MP_HTTP_ERR_STATUS_LINE);
	hp->msg.reason.off = hp->mark;
	hp->msg.reason.len = OFF(q) - hp->mark;
	q++;

s_line_lf:
	NEED(S_LINE_LF);
	if (*q != '\n')
		FAIL(MP_HTTP_ERR_BARE_CR);
	q++;
	hp->lim_off = http_add_sat(OFF(q), hp->max_header_bytes);
	hp->lim_err = MP_HTTP_ERR_HEADERS_TOO_LARGE;
	lim = http_head_lim(hp, p, len, base);

	/* ---- field lines (headers and trailers) ------------------------------------------ */
s_field_start:
	NEED(S_FIELD_START);
	c = *q;
	if (mp_http_tchar[c]) {
		hp->mark = OFF(q);
		hp->name_split = 0;
		hp->name_len = 0;
		s = q;
		goto s_name;
	}
	if (c == '\r') {
		q++;
		goto s_head_lf;
	}
	switch (c) {
	case ' ':
	case '\t':
		FAIL(hp->nf == 0 && !hp->trailer ? MP_HTTP_ERR_SPACE_AFTER_START
		                                 : MP_HTTP_ERR_OBS_FOLD);
	case '\n':
		FAIL(MP_HTTP_ERR_BARE_LF);
	case ':':
		FAIL(MP_HTTP_ERR_NAME_EMPTY);
	case 0:
		FAIL(MP_HTTP_ERR_NUL);
	default:
		FAIL(MP_HTTP_ERR_NAME_CHAR);
	}

s_name:
	q = SCAN_TOKEN(q, lim);
	if (q >= lim) {
		http_name_piece(hp, s, q);
		NEED(S_NAME);
	}
	c = *q;
	if (c != ':')
		FAIL(c == ' ' || c == '\t'    ? MP_HTTP_ERR_SPACE_BEFORE_COLON
		     : c == '\r' || c == '\n' ? MP_HTTP_ERR_NO_COLON
		     : c == 0                 ? MP_HTTP_ERR_NUL
		                              : MP_HTTP_ERR_NAME_CHAR);
	if (hp->nf >= hp->max_headers)
		FAIL(MP_HTTP_ERR_TOO_MANY_FIELDS);
	f = &hp->fields[hp->nf];
	f->name.off = hp->mark;
	f->name.len = OFF(q) - hp->mark;
	if (hp->name_split) {
		http_name_piece(hp, s, q);
		f->id = hp->name_len <= MP_HTTP_NAME_BUF
		                ? http_hdr_lookup(hp->name_buf, hp->name_len)
		                : MP_HTTP_HDR_OTHER;
	} else {
		f->id = http_hdr_lookup((const char *)s, (uint32_t)(q - s));
	}
	err = mp_http_name_end(hp);
	if (err != MP_HTTP_ERR_NONE)
		goto fail;
	q++;

s_value_start:
	while (q < lim && (*q == ' ' || *q == '\t'))
		q++;
	NEED(S_VALUE_START);
	hp->mark = OFF(q);
	hp->val_end = hp->mark;

s_value:
	s = q;
	q = SCAN_VALUE(q, lim);
	if (q > s) {
		const uint8_t *t = q;

		/* Trailing whitespace is not part of the value; usually there is none. */
		while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
			t--;
		if (t > s)
			hp->val_end = OFF(t);
		if (hp->vp != VP_NONE) {
			err = mp_http_vp_feed(hp, s, (uint32_t)(q - s));
			if (err != MP_HTTP_ERR_NONE)
				goto fail;
		}
	}
	NEED(S_VALUE);
	c = *q;
	if (c != '\r')
		FAIL(c == '\n' ? MP_HTTP_ERR_BARE_LF
		     : c == 0  ? MP_HTTP_ERR_NUL
		               : MP_HTTP_ERR_VALUE_CHAR);
	q++;

s_value_lf:
	NEED(S_VALUE_LF);
	if (*q != '\n')
		FAIL(MP_HTTP_ERR_BARE_CR);
	q++;
	f = &hp->fields[hp->nf];
	f->value.off = hp->mark;
	f->value.len = hp->val_end - hp->mark;
	if (hp->vp != VP_NONE) {
		err = mp_http_vp_end(hp);
		if (err != MP_HTTP_ERR_NONE)
			goto fail;
	}
	hp->nf++;
	goto s_field_start;

s_head_lf:
	NEED(S_HEAD_LF);
	if (*q != '\n')
		FAIL(MP_HTTP_ERR_BARE_CR);
	q++;
	if (hp->trailer) {
		hp->msg.ntrailers = (uint16_t)(hp->nf - hp->msg.nfields);
		goto s_msg_done;
	}
	hp->msg.nfields = hp->nf;
	hp->msg.head_len = OFF(q);
	err = mp_http_head_end(hp); /* sets the next state */
	if (err != MP_HTTP_ERR_NONE)
		goto fail;
	RET(MP_HTTP_HEAD);

	/* ---- bodies ---------------------------------------------------------------------- */
s_body_length:
	NEED_BODY(S_BODY_LENGTH);
	n = HTTP_MIN(hp->remain, (uint64_t)(e - q));
	hp->body = q;
	hp->body_len = (uint32_t)n;
	q += n;
	hp->remain -= n;
	hp->state = hp->remain != 0 ? S_BODY_LENGTH : S_MSG_DONE;
	RET(MP_HTTP_BODY);

s_body_close:
	NEED_BODY(S_BODY_CLOSE);
	hp->body = q;
	hp->body_len = (uint32_t)(e - q);
	q = e;
	RET(MP_HTTP_BODY);

s_chunk_start: /* chunk-size = 1*HEXDIG */
	NEED_BODY(S_CHUNK_START);
	c = *q;
	h = http_hexval(c);
	if (h == HTTP_NOT_HEX)
		FAIL(c == '\n' ? MP_HTTP_ERR_BARE_LF : MP_HTTP_ERR_CHUNK_SIZE);
	hp->remain = h;
	hp->digits = 1;
	q++;

s_chunk_size:
	for (;;) {
		NEED_BODY(S_CHUNK_SIZE);
		c = *q;
		h = http_hexval(c);
		if (h == HTTP_NOT_HEX)
			break;
		if (hp->digits == HTTP_CHUNK_MAX_HEX)
			FAIL(MP_HTTP_ERR_CHUNK_SIZE_OVERFLOW);
		hp->remain = hp->remain << 4 | h;
		hp->digits++;
		q++;
	}
	hp->chunk_line = hp->digits + 1u; /* with the byte after the digits */
	q++;
	if (c == '\r')
		goto s_chunk_lf;
	if (c == ';')
		hp->sub = X_BWS_NAME;
	else if (c == ' ' || c == '\t')
		hp->sub = X_BWS_SEMI;
	else
		FAIL(c == '\n' ? MP_HTTP_ERR_BARE_LF : MP_HTTP_ERR_CHUNK_SIZE);

s_chunk_ext: /* chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) */
	for (;;) {
		NEED_BODY(S_CHUNK_EXT);
		if (++hp->chunk_line > hp->max_chunk_line)
			FAIL(MP_HTTP_ERR_CHUNK_LINE_TOO_LONG);
		c = *q;
		h = mp_http_ext_next[hp->sub][http_ext_class(c)];
		if (h == X_BAD)
			FAIL(c == '\n' ? MP_HTTP_ERR_BARE_LF : MP_HTTP_ERR_CHUNK_EXT);
		q++;
		if (h == X_END)
			break;
		hp->sub = h;
	}

s_chunk_lf:
	NEED_BODY(S_CHUNK_LF);
	if (*q != '\n')
		FAIL(MP_HTTP_ERR_BARE_CR);
	q++;
	if (hp->remain == 0) {
		/* last-chunk: the trailer section follows, with span offsets of its own. */
		hp->trailer = 1;
		hp->msg.trailer_off = hp->pos + (uint64_t)(q - p);
		hp->span_base = hp->msg.trailer_off;
		base = 0u - (uint32_t)(q - p); /* so that OFF(q) is 0 */
		hp->lim_off = hp->max_header_bytes;
		hp->lim_err = MP_HTTP_ERR_TRAILERS_TOO_LARGE;
		lim = http_head_lim(hp, p, len, base);
		goto s_field_start;
	}
	err = mp_http_chunk_size_end(hp);
	if (err != MP_HTTP_ERR_NONE)
		goto fail;

s_chunk_data:
	NEED_BODY(S_CHUNK_DATA);
	n = HTTP_MIN(hp->remain, (uint64_t)(e - q));
	hp->body = q;
	hp->body_len = (uint32_t)n;
	q += n;
	hp->remain -= n;
	hp->state = hp->remain != 0 ? S_CHUNK_DATA : S_CHUNK_DATA_CR;
	RET(MP_HTTP_BODY);

s_chunk_data_cr:
	NEED_BODY(S_CHUNK_DATA_CR);
	if (*q != '\r')
		FAIL(MP_HTTP_ERR_CHUNK_CRLF);
	q++;
s_chunk_data_lf:
	NEED_BODY(S_CHUNK_DATA_LF);
	if (*q != '\n')
		FAIL(MP_HTTP_ERR_CHUNK_CRLF);
	q++;
	goto s_chunk_start;

s_msg_done:
	hp->state = hp->after_done;
	RET(MP_HTTP_DONE);

need:
	if (lim < e)
		FAIL((enum mp_http_err)hp->lim_err);
	RET(MP_HTTP_AGAIN);

fail:
	hp->err = err;
	hp->state = S_ERROR;
	hp->msg.keep_alive = false;
	RET(MP_HTTP_ERROR);
}

#undef OFF
#undef RET
#undef NEED
#undef NEED_BODY
#undef FAIL
