/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * meshpath HTTP/1.1 message parser (RFC 9110, RFC 9112): requests and responses.
 *
 * Incremental and zero-copy. The caller feeds the bytes of one direction of a connection in
 * order, in chunks of any size (the data segments of an mbuf chain one at a time, say), and
 * the parser answers with one event per call. It never allocates, never copies a field,
 * never keeps a pointer into a chunk after the call returns and never asks for a byte
 * twice: the state needed to resume in the middle of a token is in struct mp_http_parser,
 * which the caller embeds (a few hundred bytes) together with an array of fields.
 *
 * Where things are reported:
 * - The head (start line and header fields) is reported as spans: offsets from the first
 *   byte of the message, i.e. the first byte fed after mp_http_init() or after the previous
 *   message's MP_HTTP_DONE (empty lines before a request-line are part of the message and
 *   counted). The caller keeps the head's bytes (the mbuf chain) until MP_HTTP_HEAD and
 *   resolves spans itself: when the head sits in one buffer, span.off indexes it directly.
 * - Body payload (without chunk framing) is reported by MP_HTTP_BODY as a pointer into the
 *   chunk of the current call (mp_http_parser.body, .body_len), valid while that chunk is.
 * - Trailer fields follow the header fields in the same array; their spans are offsets from
 *   msg.trailer_off, the start of the trailer section in the message.
 *
 * Strictness: bare LF is rejected everywhere (a line ends in CRLF: the choice RFC 9112 2.2
 * leaves open), so are bare CR, NUL and other control characters in field values, obs-fold,
 * whitespace between a field name and its colon or before the first field, HTTP versions
 * other than 1.0 and 1.1, Content-Length together with Transfer-Encoding (requests and
 * responses), Transfer-Encoding in HTTP/1.0, a request whose Transfer-Encoding does not end
 * in chunked, parameters on a transfer coding, Content-Length lists of differing values, a
 * request-target byte outside %x21-7E, and a status-line without the SP after the code.
 * Empty lines before a request-line are skipped (RFC 9112 2.2). Trailer fields are checked
 * like header fields and reported, but never change framing or keep-alive. Every reason has
 * its own code (MP_HTTP_ERR_*) with the status a server answers (mp_http_err_status()).
 *
 * Scanners: the state machine is compiled with scalar, SSE4.2 and AVX2 scanners for the hot
 * loops (token, request-target and field-value bytes); mp_http_init() picks the best the CPU
 * runs, or the one params.simd forces. All give the same results (tests/unit/test_http).
 *
 * Data-path safety: mp_http_parse(), mp_http_finish(), mp_http_expect_response() and the
 * name/status lookups are data-path safe (no allocation, no syscall, no log, no lock).
 * mp_http_init() and mp_http_params_default() are control path but cheap.
 */
#ifndef MP_HTTP_H
#define MP_HTTP_H

#include <stdbool.h>
#include <stdint.h>

/* ---------------------------------------------------------------------------------------- */
/* Names declared once                                                                       */

/* MP_HTTP_ERR(symbol, "name in stats", status a server answers, "what it means") */
#define MP_HTTP_ERR_LIST(X)                                                                      \
	X(NONE, "none", 0, "not an error")                                                       \
	X(METHOD, "bad_method", 400, "method is not a token followed by one space")              \
	X(TARGET_CHAR, "bad_target_char", 400, "request-target byte outside visible ASCII")      \
	X(TARGET_FORM, "bad_target_form", 400, "request-target form not allowed here")           \
	X(REQUEST_LINE, "bad_request_line", 400, "request-line not method SP target SP vers")    \
	X(STATUS_LINE, "bad_status_line", 400, "status-line malformed")                          \
	X(VERSION, "bad_version", 400, "HTTP-version is not HTTP/DIGIT.DIGIT")                   \
	X(VERSION_UNSUPPORTED, "version_not_supported", 505, "HTTP version not 1.0 or 1.1")      \
	X(REQUEST_LINE_TOO_LONG, "request_line_too_long", 414, "request-line over the limit")    \
	X(STATUS_LINE_TOO_LONG, "status_line_too_long", 400, "status-line over the limit")       \
	X(BARE_LF, "bare_lf", 400, "line ended by LF without CR")                                \
	X(BARE_CR, "bare_cr", 400, "CR not followed by LF")                                      \
	X(NUL, "nul_byte", 400, "NUL byte in the head")                                          \
	X(NAME_CHAR, "bad_field_name", 400, "field name byte is not a token character")          \
	X(NAME_EMPTY, "empty_field_name", 400, "field line starts with a colon")                 \
	X(SPACE_BEFORE_COLON, "space_before_colon", 400, "whitespace between name and colon")    \
	X(NO_COLON, "field_without_colon", 400, "field line without a colon")                    \
	X(OBS_FOLD, "obs_fold", 400, "field line continued on the next line (obs-fold)")         \
	X(SPACE_AFTER_START, "space_after_start_line", 400, "first field line starts with WS")   \
	X(VALUE_CHAR, "bad_field_value", 400, "control character in a field value")              \
	X(HEADERS_TOO_LARGE, "header_section_too_large", 431, "header bytes over the limit")     \
	X(TOO_MANY_FIELDS, "too_many_fields", 431, "header field count over the limit")          \
	X(HOST_MISSING, "host_missing", 400, "HTTP/1.1 request without Host")                    \
	X(HOST_DUP, "host_duplicate", 400, "more than one Host field")                           \
	X(CL_BAD, "bad_content_length", 400, "Content-Length is not a list of digits")           \
	X(CL_MISMATCH, "content_length_mismatch", 400, "Content-Length values differ")           \
	X(CL_OVERFLOW, "content_length_overflow", 400, "Content-Length does not fit 64 bits")    \
	X(CL_AND_TE, "content_length_and_te", 400, "Content-Length with Transfer-Encoding")      \
	X(TE_HTTP10, "te_in_http10", 400, "Transfer-Encoding in an HTTP/1.0 message")            \
	X(TE_BAD, "bad_transfer_encoding", 400, "Transfer-Encoding empty or not tokens")         \
	X(TE_CHUNKED_TWICE, "chunked_twice", 400, "chunked applied more than once")              \
	X(TE_NOT_CHUNKED, "chunked_not_final", 400, "request coding list not ending in chunked") \
	X(TE_UNKNOWN, "unknown_transfer_coding", 501, "transfer coding not understood")          \
	X(BODY_TOO_LARGE, "body_too_large", 413, "body over the configured limit")               \
	X(CHUNK_SIZE, "bad_chunk_size", 400, "chunk-size missing or not hexadecimal")            \
	X(CHUNK_SIZE_OVERFLOW, "chunk_size_overflow", 400, "chunk-size over 16 hex digits")      \
	X(CHUNK_TOO_LARGE, "chunk_too_large", 413, "chunk over the configured limit")            \
	X(CHUNK_EXT, "bad_chunk_extension", 400, "chunk extension malformed")                    \
	X(CHUNK_LINE_TOO_LONG, "chunk_line_too_long", 400, "chunk-size line over the limit")     \
	X(CHUNK_CRLF, "chunk_data_without_crlf", 400, "chunk data not followed by CRLF")         \
	X(TRAILERS_TOO_LARGE, "trailer_section_too_large", 431, "trailer bytes over the limit")  \
	X(TRUNCATED, "truncated", 400, "connection closed inside a message")                     \
	X(AFTER_TUNNEL, "data_after_tunnel", 400, "bytes fed after the message became a tunnel")

/* MP_HTTP_HDR(symbol, "lower-case field name"): the fields a proxy acts on. */
#define MP_HTTP_HDR_LIST(X)                           \
	X(OTHER, "")                                  \
	X(HOST, "host")                               \
	X(CONTENT_LENGTH, "content-length")           \
	X(TRANSFER_ENCODING, "transfer-encoding")     \
	X(CONNECTION, "connection")                   \
	X(UPGRADE, "upgrade")                         \
	X(EXPECT, "expect")                           \
	X(KEEP_ALIVE, "keep-alive")                   \
	X(TE, "te")                                   \
	X(TRAILER, "trailer")                         \
	X(PROXY_CONNECTION, "proxy-connection")       \
	X(PROXY_AUTHORIZATION, "proxy-authorization") \
	X(PROXY_AUTHENTICATE, "proxy-authenticate")   \
	X(X_FORWARDED_FOR, "x-forwarded-for")         \
	X(X_FORWARDED_PROTO, "x-forwarded-proto")     \
	X(X_FORWARDED_HOST, "x-forwarded-host")       \
	X(X_REQUEST_ID, "x-request-id")               \
	X(FORWARDED, "forwarded")                     \
	X(VIA, "via")                                 \
	X(DATE, "date")                               \
	X(SERVER, "server")                           \
	X(CONTENT_TYPE, "content-type")               \
	X(CONTENT_ENCODING, "content-encoding")       \
	X(COOKIE, "cookie")                           \
	X(SET_COOKIE, "set-cookie")                   \
	X(AUTHORIZATION, "authorization")             \
	X(LOCATION, "location")                       \
	X(USER_AGENT, "user-agent")                   \
	X(ACCEPT_ENCODING, "accept-encoding")

/* MP_HTTP_METHOD(symbol, "token"): methods are case-sensitive (RFC 9110 9.1). */
#define MP_HTTP_METHOD_LIST(X) \
	X(OTHER, "")           \
	X(GET, "GET")          \
	X(HEAD, "HEAD")        \
	X(POST, "POST")        \
	X(PUT, "PUT")          \
	X(DELETE, "DELETE")    \
	X(CONNECT, "CONNECT")  \
	X(OPTIONS, "OPTIONS")  \
	X(TRACE, "TRACE")      \
	X(PATCH, "PATCH")

enum mp_http_err {
#define MP_HTTP_ERR_ENUM(sym, name, status, desc) MP_HTTP_ERR_##sym,
	MP_HTTP_ERR_LIST(MP_HTTP_ERR_ENUM)
#undef MP_HTTP_ERR_ENUM
	        MP_HTTP_ERR_MAX,
};

enum mp_http_hdr {
#define MP_HTTP_HDR_ENUM(sym, name) MP_HTTP_HDR_##sym,
	MP_HTTP_HDR_LIST(MP_HTTP_HDR_ENUM)
#undef MP_HTTP_HDR_ENUM
	        MP_HTTP_HDR_MAX,
};

enum mp_http_method {
#define MP_HTTP_METHOD_ENUM(sym, name) MP_HTTP_M_##sym,
	MP_HTTP_METHOD_LIST(MP_HTTP_METHOD_ENUM)
#undef MP_HTTP_METHOD_ENUM
	        MP_HTTP_M_MAX,
};

_Static_assert(MP_HTTP_HDR_MAX <= 32, "msg.hdr_seen is a 32-bit mask");

/* ---------------------------------------------------------------------------------------- */
/* Configuration                                                                             */

#define MP_HTTP_DEF_MAX_REQUEST_LINE 8192  /**< bytes, CRLF and leading empty lines included */
#define MP_HTTP_DEF_MAX_HEADER_BYTES 32768 /**< bytes after the start line, final CRLF included */
#define MP_HTTP_DEF_MAX_HEADERS      100   /**< field lines (headers and trailers together) */
#define MP_HTTP_DEF_MAX_CHUNK_LINE   4096  /**< chunk-size line up to its CR, extensions included */

enum mp_http_kind {
	MP_HTTP_REQUEST,
	MP_HTTP_RESPONSE,
};

/** Scanner variants; AUTO picks the best the CPU runs. Others force one (tests, benchmarks). */
enum mp_http_simd {
	MP_HTTP_SIMD_AUTO,
	MP_HTTP_SIMD_SCALAR,
	MP_HTTP_SIMD_SSE42,
	MP_HTTP_SIMD_AVX2,
};

struct mp_http_params {
	uint32_t max_request_line; /**< request/status line: more is 414 (requests) */
	uint32_t max_header_bytes; /**< header section, and the trailer section: more is 431 */
	uint32_t max_chunk_line;   /**< chunk-size line with extensions: more is 400 */
	uint16_t max_headers;      /**< fields; the field array holds this many: more is 431 */
	uint64_t max_body;         /**< body bytes (decoded for chunked); 0: no limit. 413 */
	uint64_t max_chunk_size;   /**< one chunk; 0: only the 16-hex-digit bound. 413 */
	enum mp_http_simd simd;    /**< AUTO by default */
};

/* ---------------------------------------------------------------------------------------- */
/* Output                                                                                    */

/** Bytes [off, off + len) of the message (of the trailer section, for trailer fields). */
struct mp_http_span {
	uint32_t off;
	uint32_t len;
};

/** One field line. The value has no leading or trailing whitespace. */
struct mp_http_field {
	struct mp_http_span name;
	struct mp_http_span value;
	uint32_t id; /**< enum mp_http_hdr; OTHER for names not in the list */
};

/** How the body of a message is delimited (RFC 9112 6.3). */
enum mp_http_framing {
	MP_HTTP_BODY_NONE,        /**< no body (or Content-Length: 0) */
	MP_HTTP_BODY_LENGTH,      /**< msg.content_length bytes */
	MP_HTTP_BODY_CHUNKED,     /**< chunked; payload decoded, trailers parsed */
	MP_HTTP_BODY_UNTIL_CLOSE, /**< response body ends when the connection closes */
	MP_HTTP_BODY_TUNNEL,      /**< 101 or 2xx to CONNECT: the bytes after the head are no
	                           * longer HTTP */
};

/** Request target forms (RFC 9112 3.2). */
enum mp_http_target_form {
	MP_HTTP_TARGET_ORIGIN,    /**< /path?query */
	MP_HTTP_TARGET_ABSOLUTE,  /**< scheme:... */
	MP_HTTP_TARGET_AUTHORITY, /**< host:port, CONNECT only */
	MP_HTTP_TARGET_ASTERISK,  /**< *, OPTIONS only */
};

#define MP_HTTP_F_CONN_CLOSE      (1u << 0) /**< Connection: close */
#define MP_HTTP_F_CONN_KEEP_ALIVE (1u << 1) /**< Connection: keep-alive */
#define MP_HTTP_F_CONN_UPGRADE    (1u << 2) /**< Connection: upgrade */
#define MP_HTTP_F_EXPECT_CONTINUE (1u << 3) /**< Expect: 100-continue */
#define MP_HTTP_F_EXPECT_OTHER    (1u << 4) /**< another expectation (a server answers 417) */
#define MP_HTTP_F_TE_OTHER        (1u << 5) /**< response: coding other than chunked (kept) */

/** What the head said. Valid from MP_HTTP_HEAD until the call after MP_HTTP_DONE. */
struct mp_http_msg {
	struct mp_http_span method; /**< request */
	struct mp_http_span target; /**< request */
	struct mp_http_span reason; /**< response: reason-phrase, may be empty */
	uint64_t content_length;    /**< with MP_HTTP_BODY_LENGTH (and when present) */
	uint64_t trailer_off;       /**< chunked: start of the trailer section */
	uint32_t head_len;          /**< bytes of the head, final CRLF included */
	uint32_t hdr_seen;          /**< bit (1 << enum mp_http_hdr) for each id in the head */
	uint32_t flags;             /**< MP_HTTP_F_* */
	uint16_t nfields;           /**< header fields: fields[0, nfields) */
	uint16_t ntrailers;         /**< trailer fields: fields[nfields, nfields + ntrailers) */
	uint16_t status;            /**< response */
	uint8_t method_id;          /**< enum mp_http_method */
	uint8_t target_form;        /**< enum mp_http_target_form */
	uint8_t minor;              /**< HTTP/1.minor: 0 or 1 */
	uint8_t framing;            /**< enum mp_http_framing */
	bool keep_alive;            /**< the connection may carry another message after this */
};

/** What mp_http_parse() reports, one per call. */
enum mp_http_event {
	MP_HTTP_AGAIN, /**< every byte consumed; feed more */
	MP_HTTP_HEAD,  /**< head complete: msg and fields[0, nfields) are valid */
	MP_HTTP_BODY,  /**< body payload at parser.body, parser.body_len */
	MP_HTTP_DONE,  /**< message complete (trailers in fields); the next byte starts the next */
	MP_HTTP_ERROR, /**< parser.err says why; the parser stays in error: close the connection */
};

/* ---------------------------------------------------------------------------------------- */
/* The parser                                                                                */

struct mp_http_parser;

typedef enum mp_http_event (*mp_http_parse_fn)(struct mp_http_parser *hp, const uint8_t *p,
                                               uint32_t len, uint32_t *used);

#define MP_HTTP_NAME_BUF 24 /**< longest field name or method looked up across a chunk split */
#define MP_HTTP_TOK_BUF  16 /**< longest list token (Connection, TE, Expect) looked up */

/**
 * Parser state, embedded by the caller. Read msg, err, body and body_len; the rest is
 * private to lib/http.
 */
struct mp_http_parser {
	struct mp_http_msg msg;
	const uint8_t *body; /**< MP_HTTP_BODY: payload in the current chunk */
	uint32_t body_len;
	uint32_t err; /**< enum mp_http_err after MP_HTTP_ERROR */

	/* private */
	mp_http_parse_fn parse;
	struct mp_http_field *fields;
	uint64_t pos;        /* bytes of this message consumed before the current call */
	uint64_t span_base;  /* what span offsets count from: 0, or msg.trailer_off */
	uint64_t remain;     /* body: bytes left in the Content-Length body or the chunk */
	uint64_t body_total; /* chunked: payload so far */
	uint64_t max_body;
	uint64_t max_chunk_size;
	uint64_t cl_cur; /* Content-Length element being read */
	uint32_t max_request_line;
	uint32_t max_header_bytes;
	uint32_t max_chunk_line;
	uint32_t lim_off; /* head: span offset where the current limit falls */
	uint32_t mark;    /* span offset where the current token started */
	uint32_t val_end; /* span offset after the last non-whitespace byte of the value */
	uint32_t chunk_line;
	uint16_t max_headers;
	uint16_t nf; /* fields stored, headers and trailers */
	uint8_t kind;
	uint8_t state;
	uint8_t after_done; /* state after MP_HTTP_DONE: next message or tunnel */
	uint8_t lim_err;
	uint8_t sub;    /* version byte index; chunk-ext state; list/CL sub-parser state */
	uint8_t vp;     /* sub-parser for the current value */
	uint8_t te;     /* Transfer-Encoding facts */
	uint8_t digits; /* chunk-size hex digits; Content-Length digits */
	uint8_t major;
	uint8_t trailer;    /* parsing the trailer section */
	uint8_t req_method; /* response: method of the request it answers */
	uint8_t name_len;   /* bytes in name_buf; > MP_HTTP_NAME_BUF: too long to be known */
	uint8_t name_split; /* the name/method started in an earlier chunk */
	uint8_t tok_len;
	uint8_t tok_junk;
	uint8_t cl_have; /* a Content-Length element was read */
	char name_buf[MP_HTTP_NAME_BUF];
	char tok_buf[MP_HTTP_TOK_BUF];
};

/** Fill params with the defaults (MP_HTTP_DEF_*, no body limit, AUTO scanner). */
void
mp_http_params_default(struct mp_http_params *params);

/**
 * Set up a parser for one direction of a connection.
 *
 * @param hp      the parser
 * @param kind    MP_HTTP_REQUEST or MP_HTTP_RESPONSE
 * @param params  limits and scanner; NULL for the defaults. Copied: need not outlive hp.
 * @param fields  room for params->max_headers fields, owned by the caller. The parser
 *                writes it from the first field line until MP_HTTP_HEAD (trailers until
 *                MP_HTTP_DONE), across calls: parsers may share one array only if their heads
 *                are never in progress at the same time.
 * @return 0, or -EINVAL when a limit is 0 or fields is NULL, or -ENOTSUP when a forced
 *         scanner does not run on this CPU
 */
int
mp_http_init(struct mp_http_parser *hp, enum mp_http_kind kind, const struct mp_http_params *params,
             struct mp_http_field *fields);

/**
 * Feed the next bytes of the stream and get the next event. Resumes where the previous call
 * stopped; call it again with the bytes after *used (an event may leave bytes unconsumed:
 * the next message's, say). Events that need no input (MP_HTTP_DONE after a head without a
 * body) come with len 0 too. Data-path safe.
 *
 * @param p     next bytes of the stream (may be NULL when len is 0)
 * @param len   how many
 * @param used  set to the bytes consumed, at most len
 */
static inline enum mp_http_event
mp_http_parse(struct mp_http_parser *hp, const uint8_t *p, uint32_t len, uint32_t *used)
{
	return hp->parse(hp, p, len, used);
}

/**
 * The connection closed. Returns MP_HTTP_DONE when that ends the message (a response body
 * until close, or a message whose DONE is still to be reported), MP_HTTP_AGAIN when no
 * message was in progress, or MP_HTTP_ERROR with MP_HTTP_ERR_TRUNCATED. Data-path safe.
 */
enum mp_http_event
mp_http_finish(struct mp_http_parser *hp);

/**
 * Response parsers: the method of the request the next response answers (HEAD and CONNECT
 * change its framing). Call before feeding each response; kept across 1xx responses.
 */
static inline void
mp_http_expect_response(struct mp_http_parser *hp, enum mp_http_method method)
{
	hp->req_method = (uint8_t)method;
}

/** The scanner hp runs. */
enum mp_http_simd
mp_http_simd_of(const struct mp_http_parser *hp);

/** The best scanner this CPU runs (what AUTO picks). */
enum mp_http_simd
mp_http_simd_best(void);

/** Name of a scanner variant ("scalar", "sse4.2", "avx2"). */
const char *
mp_http_simd_name(enum mp_http_simd s);

/** Name of an error as it appears in stats, or "?" when out of range. */
const char *
mp_http_err_name(enum mp_http_err e);

/** One-line description of an error. */
const char *
mp_http_err_desc(enum mp_http_err e);

/**
 * Status a server answers to a request that failed with e (400, 413, 414, 431, 501, 505).
 * A malformed response is the upstream's fault: a proxy answers its client 502.
 */
uint16_t
mp_http_err_status(enum mp_http_err e);

/** Lower-case name of a well-known field ("" for OTHER). */
const char *
mp_http_hdr_name(enum mp_http_hdr h);

/** Token of a method ("" for OTHER). */
const char *
mp_http_method_name(enum mp_http_method m);

#endif /* MP_HTTP_H */
