/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/http internals shared by the control file (http.c) and the parser variants. */
#ifndef HTTP_PRIV_H
#define HTTP_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mp_http.h"

/* Parser states. Head states are clamped to the current limit; body states are not. */
enum http_state {
	S_START = 0,    /* before a message: empty lines (requests), then the start line */
	S_START_LF,     /* CR of an empty line seen */
	S_METHOD,       /* in the method token */
	S_TARGET_START, /* after the method's SP */
	S_SCHEME,       /* absolute-form: in the scheme */
	S_TARGET,       /* in the request-target */
	S_ASTERISK,     /* after "*": SP must follow */
	S_VERSION,      /* in HTTP-version, sub is the byte index */
	S_VERSION_END,  /* after HTTP-version: CR (request) or SP (response) */
	S_STATUS,       /* in the status code, sub is the digit index */
	S_REASON,       /* in the reason-phrase */
	S_LINE_LF,      /* CR of the start line seen */
	S_FIELD_START,  /* at the start of a field line or of the final empty line */
	S_NAME,         /* in a field name */
	S_VALUE_START,  /* after the colon: OWS */
	S_VALUE,        /* in a field value */
	S_VALUE_LF,     /* CR after a value seen */
	S_HEAD_LF,      /* CR of the empty line ending the head or trailers seen */
	S_BODY_LENGTH,  /* Content-Length body */
	S_BODY_CLOSE,   /* body until the connection closes */
	S_CHUNK_START,  /* first hex digit of a chunk-size */
	S_CHUNK_SIZE,   /* in chunk-size */
	S_CHUNK_EXT,    /* in chunk extensions; sub is enum http_ext_state */
	S_CHUNK_LF,     /* CR of the chunk-size line seen */
	S_CHUNK_DATA,   /* in chunk data */
	S_CHUNK_DATA_CR,
	S_CHUNK_DATA_LF,
	S_MSG_DONE, /* report MP_HTTP_DONE, then go to after_done */
	S_RESET,    /* reset the message, then S_START */
	S_TUNNEL,   /* the connection is no longer HTTP */
	S_ERROR,
};

/* Chunk extension grammar (RFC 9112 7.1.1), one state per position. */
enum http_ext_state {
	X_BWS_SEMI,  /* whitespace seen: ';' must follow */
	X_BWS_NAME,  /* after ';': name after optional whitespace */
	X_NAME,      /* in chunk-ext-name */
	X_BWS_EQ,    /* whitespace after the name: '=' or ';' must follow */
	X_BWS_VAL,   /* after '=': value after optional whitespace */
	X_VAL,       /* in a token value */
	X_QUOTED,    /* in a quoted-string value */
	X_QUOTED_BS, /* after a backslash in a quoted-string */
	X_AFTER_Q,   /* after the closing quote */
	X_STATES,
	X_END = X_STATES, /* CR: the line ends */
	X_BAD,            /* the byte is not allowed here */
};

/* Byte classes of the chunk extension grammar. */
enum http_ext_class {
	XC_BAD,    /* CTLs but HTAB, DEL */
	XC_TCHAR,  /* token character */
	XC_WS,     /* SP, HTAB */
	XC_SEMI,   /* ; */
	XC_EQ,     /* = */
	XC_DQUOTE, /* " */
	XC_BSLASH, /* \ */
	XC_CR,     /* CR */
	XC_QDTEXT, /* any other VCHAR or obs-text: only inside quotes */
	XC_CLASSES,
};

/* Next state by state and byte class: the whole grammar in one table (http.c). */
extern const uint8_t mp_http_ext_next[X_STATES][XC_CLASSES];

/* Value sub-parsers: the fields whose values decide framing and connection handling. */
enum http_vp {
	VP_NONE,
	VP_CL,   /* Content-Length */
	VP_LIST, /* comma-separated tokens: Transfer-Encoding, Connection, Expect */
};

/* hp->te bits */
#define TE_SEEN          (1u << 0)
#define TE_LAST_CHUNKED  (1u << 1)
#define TE_CHUNKED       (1u << 2) /* chunked appeared */
#define TE_TWICE         (1u << 3)
#define TE_UNKNOWN       (1u << 4)
#define TE_BAD           (1u << 5)
#define TE_CODING        (1u << 6) /* at least one coding */
#define TE_AFTER_CHUNKED (1u << 7)

#define HTTP_CL_MAX_DIGITS 19   /* 10^19 - 1 fits 64 bits; longer is an overflow */
#define HTTP_CHUNK_MAX_HEX 16   /* 16 hex digits fill 64 bits */
#define HTTP_VERSION_LEN   8    /* "HTTP/1.1" */
#define HTTP_STATUS_MIN    100  /* 3DIGIT, but no class below 1xx */
#define HTTP_NOT_HEX       0xff /* http_hexval() of a byte that is not a hex digit */
#define HTTP_DEL           0x7f
#define HTTP_MIN(a, b)     ((a) < (b) ? (a) : (b))

/* Byte classes: 1 when the byte belongs. */
extern const uint8_t mp_http_tchar[256];  /* token (RFC 9110 5.6.2) */
extern const uint8_t mp_http_vchar[256];  /* field-value byte: VCHAR, obs-text, SP, HTAB */
extern const uint8_t mp_http_target[256]; /* request-target byte: %x21-7E */

/* Feed [s, s + n) of a Content-Length or list value to its sub-parser. */
enum mp_http_err
mp_http_vp_feed(struct mp_http_parser *hp, const uint8_t *s, uint32_t n);

/* The value ended: finish its sub-parser. */
enum mp_http_err
mp_http_vp_end(struct mp_http_parser *hp);

/* The field name fields[nf] ended: checks and sub-parser choice for its id. */
enum mp_http_err
mp_http_name_end(struct mp_http_parser *hp);

/* The head ended at span offset head_len: framing, keep-alive, the next state. */
enum mp_http_err
mp_http_head_end(struct mp_http_parser *hp);

/* A chunk-size line ended: checks and the next state. */
enum mp_http_err
mp_http_chunk_size_end(struct mp_http_parser *hp);

/* Forget the previous message. */
void
mp_http_msg_reset(struct mp_http_parser *hp);

enum mp_http_event
mp_http_parse_scalar(struct mp_http_parser *hp, const uint8_t *p, uint32_t len, uint32_t *used);
enum mp_http_event
mp_http_parse_sse42(struct mp_http_parser *hp, const uint8_t *p, uint32_t len, uint32_t *used);
enum mp_http_event
mp_http_parse_avx2(struct mp_http_parser *hp, const uint8_t *p, uint32_t len, uint32_t *used);

static inline bool
http_is_digit(uint8_t c)
{
	return (uint8_t)(c - '0') < 10;
}

static inline bool
http_is_alpha(uint8_t c)
{
	return (uint8_t)((c | 0x20) - 'a') < 26;
}

static inline uint8_t
http_hexval(uint8_t c)
{
	if (http_is_digit(c))
		return (uint8_t)(c - '0');
	if ((uint8_t)((c | 0x20) - 'a') < 6)
		return (uint8_t)((c | 0x20) - 'a' + 10);
	return HTTP_NOT_HEX;
}

static inline bool
http_is_scheme(uint8_t c)
{
	return http_is_alpha(c) || http_is_digit(c) || c == '+' || c == '-' || c == '.';
}

static inline uint8_t
http_ext_class(uint8_t c)
{
	if (mp_http_tchar[c])
		return XC_TCHAR;
	switch (c) {
	case ' ':
	case '\t':
		return XC_WS;
	case ';':
		return XC_SEMI;
	case '=':
		return XC_EQ;
	case '"':
		return XC_DQUOTE;
	case '\\':
		return XC_BSLASH;
	case '\r':
		return XC_CR;
	}
	return c > ' ' && c != HTTP_DEL ? XC_QDTEXT : XC_BAD;
}

static inline uint32_t
http_add_sat(uint32_t a, uint32_t b)
{
	return a + b < a ? UINT32_MAX : a + b;
}

/* End of what a head state may read: the input's end or the current limit, the nearer. */
static inline const uint8_t *
http_head_lim(const struct mp_http_parser *hp, const uint8_t *p, uint32_t len, uint32_t base)
{
	uint32_t room = hp->lim_off - base;

	return room < len ? p + room : p + len;
}

/* A method or field name runs to the end of the chunk: keep its bytes for the lookup, as many
 * as a known one can have. */
static inline void
http_name_piece(struct mp_http_parser *hp, const uint8_t *s, const uint8_t *q)
{
	uint32_t n = (uint32_t)(q - s);

	hp->name_split = 1;
	if (hp->name_len + n <= MP_HTTP_NAME_BUF) {
		memcpy(hp->name_buf + hp->name_len, s, n);
		hp->name_len = (uint8_t)(hp->name_len + n);
	} else {
		hp->name_len = MP_HTTP_NAME_BUF + 1;
	}
}

/*
 * Known field names sit in a small open-addressed table keyed by length and three bytes,
 * filled once before main() (http.c); a lookup costs a hash and, usually, one compare of a
 * name that matches, a word at a time.
 */
#define HTTP_HDR_SLOTS 64
#define HTTP_LOWER64   0x2020202020202020ull
#define HTTP_LOWER32   0x20202020u

struct http_hdr_slot {
	uint8_t id;                  /* enum mp_http_hdr; OTHER marks a free slot */
	uint8_t len;                 /* of name */
	char name[MP_HTTP_NAME_BUF]; /* lower case, zero padded */
};

extern struct http_hdr_slot mp_http_hdr_slots[HTTP_HDR_SLOTS];

static inline uint32_t
http_hdr_hash(const char *name, uint32_t len)
{
	uint32_t a = (uint8_t)name[0] | 0x20, b = (uint8_t)name[len - 1] | 0x20;
	uint32_t m = (uint8_t)name[len / 2] | 0x20;

	return (len * 7 + a * 31 + b * 131 + m * 17) & (HTTP_HDR_SLOTS - 1);
}

/*
 * name[0, len) is a token and known a lower-case name of the same length. OR-ing 0x20
 * lower-cases the token's letters and cannot turn another token character into a letter or
 * '-', the only bytes known names hold. Reads stay inside name: words overlap at the end.
 */
static inline bool
http_name_eq(const char *name, const char *known, uint32_t len)
{
	uint64_t x, y;
	uint32_t i, u, v;

	if (len >= sizeof(x)) {
		for (i = 0; i + sizeof(x) < len; i += sizeof(x)) {
			memcpy(&x, name + i, sizeof(x));
			memcpy(&y, known + i, sizeof(y));
			if ((x | HTTP_LOWER64) != y)
				return false;
		}
		memcpy(&x, name + len - sizeof(x), sizeof(x));
		memcpy(&y, known + len - sizeof(y), sizeof(y));
		return (x | HTTP_LOWER64) == y;
	}
	if (len >= sizeof(u)) {
		memcpy(&u, name, sizeof(u));
		memcpy(&v, known, sizeof(v));
		if ((u | HTTP_LOWER32) != v)
			return false;
		memcpy(&u, name + len - sizeof(u), sizeof(u));
		memcpy(&v, known + len - sizeof(v), sizeof(v));
		return (u | HTTP_LOWER32) == v;
	}
	for (i = 0; i < len; i++)
		if (((uint8_t)name[i] | 0x20) != (uint8_t)known[i])
			return false;
	return true;
}

/* Field id of a name (any case), MP_HTTP_HDR_OTHER when not a known one. Inlined into
 * the name state of each parser variant: it runs once per field. */
static inline __attribute__((always_inline)) uint32_t
http_hdr_lookup(const char *name, uint32_t len)
{
	uint32_t h;

	if (len == 0 || len > MP_HTTP_NAME_BUF)
		return MP_HTTP_HDR_OTHER;
	for (h = http_hdr_hash(name, len); mp_http_hdr_slots[h].id != MP_HTTP_HDR_OTHER;
	     h = (h + 1) & (HTTP_HDR_SLOTS - 1)) {
		const struct http_hdr_slot *sl = &mp_http_hdr_slots[h];

		if (sl->len == len && http_name_eq(name, sl->name, len))
			return sl->id;
	}
	return MP_HTTP_HDR_OTHER;
}

/* Method id of a token (case-sensitive), MP_HTTP_M_OTHER when not a known one. */
static inline uint8_t
http_method_lookup(const char *m, uint32_t len)
{
#define HTTP_METHOD_MATCH(sym, n)                                                      \
	if (sizeof(n) > 1 && len == sizeof(n) - 1 && memcmp(m, n, sizeof(n) - 1) == 0) \
		return MP_HTTP_M_##sym;
	MP_HTTP_METHOD_LIST(HTTP_METHOD_MATCH)
#undef HTTP_METHOD_MATCH
	return MP_HTTP_M_OTHER;
}

/* Scalar scanners, also the tails of the vector ones: the first byte not in the class. */
static inline const uint8_t *
http_scan_class(const uint8_t *q, const uint8_t *end, const uint8_t *cls)
{
	while (end - q >= 4) {
		if (!cls[q[0]])
			return q;
		if (!cls[q[1]])
			return q + 1;
		if (!cls[q[2]])
			return q + 2;
		if (!cls[q[3]])
			return q + 3;
		q += 4;
	}
	while (q < end && cls[*q])
		q++;
	return q;
}

#endif /* HTTP_PRIV_H */
