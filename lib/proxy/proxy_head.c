/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The heads the HTTP proxy writes (data path: no allocation, no syscall, no lock, no log).
 *
 * A forwarded head is written in one pass over lib/http's fields, deciding on their id.
 * Kept field lines are not rebuilt from name and value: consecutive kept lines form a run of
 * the received bytes, copied with one memcpy when a line the proxy drops or rewrites ends the
 * run. lib/http has checked every byte of them (no obs-fold, no bare CR, no NUL) and field
 * lines sit back to back, so line i ends where line i + 1 starts, and the last one two bytes
 * before the end of the head. A typical request is then three or four copies.
 *
 * Decisions, with the practice they follow:
 * - A Connection field naming Host, Content-Length or Transfer-Encoding does not remove them:
 *   a client must not strip the Host the proxy routed on or the framing it parsed (the
 *   request-smuggling and routing tricks behind "hop-by-hop abuse"). The same fields are never
 *   removed by a route either, and a route cannot add them, nor Connection and the other
 *   hop-by-hop fields the proxy writes itself (Envoy refuses host in request_headers_to_add).
 * - Route removals apply to the received fields; the proxy's own fields are added after them,
 *   as in Envoy: removing x-forwarded-for drops the received addresses, the client's is still
 *   sent. A route addition is appended, never replaces: remove and add to replace.
 * - X-Forwarded-For and Via are each written once, where the first received one was (or after
 *   the kept fields when none was), with the received values in order; empty values are left
 *   out. X-Forwarded-Proto, X-Request-Id when added, route additions and Connection follow the
 *   kept fields in that order.
 * - An HTTP/1.0 request without Host gets an empty one: it goes upstream as HTTP/1.1, which
 *   requires the field (RFC 9112 3.2: empty when the target has no authority).
 * - Dechunking a response for an HTTP/1.0 client drops Trailer with Transfer-Encoding: the
 *   trailer fields it announces are not forwarded.
 * - Local responses carry no Server field, and no Date: the writer reads no clock (RFC 9110
 *   6.6.1 wants Date from an origin server that has one; a caller could pass a cached value).
 */
#include <errno.h>
#include <string.h>

#include "mp_proxy_head.h"

#define HDR_BIT(h) (1u << MP_HTTP_HDR_##h)

/* Connection options remembered for the pass over fields; more are looked up by a rescan. */
#define PROXY_CONN_TOKENS 8

/*
 * The writers take the output by pointer; inlined, it stays in registers instead of making
 * every write wait for the previous one's store.
 */
#define PROXY_INLINE inline __attribute__((always_inline))

/* No run of kept field lines is open. */
#define PROXY_NO_RUN UINT32_MAX

_Static_assert(sizeof(MP_PROXY_VIA) > 4, "MP_PROXY_VIA starts with the protocol version");

/* ---------------------------------------------------------------------------------------- */
/* Output                                                                                    */

/* The output buffer. Once something does not fit, nothing more is written. */
struct wr {
	uint8_t *p;
	uint32_t left;
	bool full;
};

static inline uint64_t
load64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
load32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * memcpy for the short strings a head is made of (a method, an address, a field line): two
 * overlapping loads and stores of the largest width that fits, both inside [0, n), instead
 * of a call into libc; longer runs go to libc's memcpy.
 */
static PROXY_INLINE void
copy(uint8_t *d, const uint8_t *s, uint32_t n)
{
	uint64_t a, b;
	uint32_t c, e;
	uint16_t g, h;

	if (__builtin_constant_p(n) || n > 16) {
		memcpy(d, s, n);
	} else if (n >= 8) {
		a = load64(s);
		b = load64(s + n - 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		c = load32(s);
		e = load32(s + n - 4);
		memcpy(d, &c, 4);
		memcpy(d + n - 4, &e, 4);
	} else if (n >= 2) {
		memcpy(&g, s, 2);
		memcpy(&h, s + n - 2, 2);
		memcpy(d, &g, 2);
		memcpy(d + n - 2, &h, 2);
	} else if (n == 1) {
		d[0] = s[0];
	}
}

static PROXY_INLINE void
put(struct wr *w, const void *s, uint32_t n)
{
	if (__builtin_expect(n > w->left, 0)) {
		w->left = 0;
		w->full = true;
		return;
	}
	copy(w->p, s, n);
	w->p += n;
	w->left -= n;
}

#define PUT_LIT(w, s) put(w, s, sizeof(s) - 1)

static PROXY_INLINE void
put_str(struct wr *w, struct mp_route_str s)
{
	put(w, s.p, s.len);
}

/* A field line "name: value" (name a string literal). */
#define PUT_FIELD(w, name, v) put_field(w, name ": ", sizeof(name ": ") - 1, v)

static PROXY_INLINE void
put_field(struct wr *w, const char *name_colon, uint32_t n, struct mp_route_str v)
{
	put(w, name_colon, n);
	put_str(w, v);
	PUT_LIT(w, "\r\n");
}

/* Decimal digits written straight into the output (no bounce buffer to store and reload). */
static PROXY_INLINE void
put_u32(struct wr *w, uint32_t v)
{
	uint32_t n = 1, i;
	uint8_t *p = w->p;

	for (uint32_t t = v; t >= 10; t /= 10)
		n++;
	if (n > w->left) {
		w->left = 0;
		w->full = true;
		return;
	}
	w->p += n;
	w->left -= n;
	for (i = n; i > 0; i--) {
		p[i - 1] = (uint8_t)('0' + v % 10);
		v /= 10;
	}
}

/* "HTTP/1.1 NNN " for a status of three digits (lib/http's, or 100..599 from the config). */
static PROXY_INLINE void
put_status(struct wr *w, uint16_t status)
{
	uint32_t s = status < 1000 ? status : 999; /* (no "% 1000": GCC emits a div for it) */
	uint8_t *p = w->p;

	PUT_LIT(w, "HTTP/1.1 NNN ");
	if (w->full)
		return;
	p[9] = (uint8_t)('0' + s / 100);
	p[10] = (uint8_t)('0' + s / 10 % 10);
	p[11] = (uint8_t)('0' + s % 10);
}

static inline int
wr_end(const struct wr *w, const uint8_t *out)
{
	return w->full ? -ENOSPC : (int)(w->p - out);
}

/* ---------------------------------------------------------------------------------------- */
/* Names                                                                                     */

static inline uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* a (any case) equals lc (lower case) over n bytes. */
static inline bool
eq_lc(const uint8_t *a, const char *lc, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (lower(a[i]) != (uint8_t)lc[i])
			return false;
	return true;
}

/* a equals b over n bytes, both in any case. */
static inline bool
eq_nocase(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/*
 * p[0, n) equals lc, a lower-case literal of letters and '-' only, in any case; n is a
 * constant >= 2 once inlined. Compares words with 0x20 OR-ed in, which maps 'A'-'Z' onto
 * 'a'-'z', and onto '-' only CR, a byte lib/http never lets into a name or a value: exact
 * for such literals, and a few instructions instead of a loop.
 */
static PROXY_INLINE bool
eq_alpha(const uint8_t *p, const char *lc, uint32_t n)
{
	const uint64_t m8 = 0x2020202020202020ull;
	const uint32_t m4 = 0x20202020u;
	uint32_t i;

	if (n >= 8) {
		for (i = 0; i + 8 <= n; i += 8)
			if ((load64(p + i) | m8) != load64(lc + i))
				return false;
		return (load64(p + n - 8) | m8) == load64(lc + n - 8);
	}
	if (n >= 4)
		return (load32(p) | m4) == load32(lc) &&
		       (load32(p + n - 4) | m4) == load32(lc + n - 4);
	return ((p[0] | 0x20) == lc[0]) && ((p[n - 1] | 0x20) == lc[n - 1]) &&
	       (n < 3 || (p[1] | 0x20) == lc[1]);
}

#define EQ_LIT(p, n, lit) ((n) == sizeof(lit) - 1 && eq_alpha(p, lit, sizeof(lit) - 1))

/*
 * A Connection option that names no field to drop: "close" (no field has that name), the
 * fields with rules of their own (keep-alive and TE are dropped anyway, upgrade kept when
 * upgrading) and those no client may strip (Host, framing).
 */
static bool
conn_token_ignored(const uint8_t *p, uint32_t n)
{
	switch (n) {
	case 2:
		return EQ_LIT(p, n, "te");
	case 4:
		return EQ_LIT(p, n, "host");
	case 5:
		return EQ_LIT(p, n, "close");
	case 7:
		return EQ_LIT(p, n, "upgrade");
	case 10:
		return EQ_LIT(p, n, "keep-alive");
	case 14:
		return EQ_LIT(p, n, "content-length");
	case 17:
		return EQ_LIT(p, n, "transfer-encoding");
	}
	return false;
}

/*
 * A route addition the proxy does not take: a field it owns (Host, framing) or writes itself
 * per connection (Connection and the other hop-by-hop fields). Names are lower case.
 */
static bool
route_add_refused(const char *name, uint32_t n)
{
	const uint8_t *p = (const uint8_t *)name;

	switch (n) {
	case 2:
		return EQ_LIT(p, n, "te");
	case 4:
		return EQ_LIT(p, n, "host");
	case 7:
		return EQ_LIT(p, n, "upgrade");
	case 10:
		return EQ_LIT(p, n, "connection") || EQ_LIT(p, n, "keep-alive");
	case 14:
		return EQ_LIT(p, n, "content-length");
	case 16:
		return EQ_LIT(p, n, "proxy-connection");
	case 17:
		return EQ_LIT(p, n, "transfer-encoding");
	}
	return false;
}

/* ---------------------------------------------------------------------------------------- */
/* Connection options (RFC 9110 7.6.1)                                                       */

/* The field names the Connection fields of a head list, as spans into the head. */
struct conn_opts {
	const uint8_t *head;
	const struct mp_http_field *fields;
	uint32_t nfields;
	uint32_t n;    /* options in tok */
	bool overflow; /* more than PROXY_CONN_TOKENS: conn_names() rescans the fields */
	struct mp_http_span tok[PROXY_CONN_TOKENS];
};

/*
 * The next element of the list v[*pos, len): commas and whitespace around it skipped. Returns
 * false at the end of the list, else sets *start and *n.
 */
static bool
list_next(const uint8_t *v, uint32_t len, uint32_t *pos, uint32_t *start, uint32_t *n)
{
	uint32_t i = *pos, s, e;

	while (i < len && (v[i] == ',' || v[i] == ' ' || v[i] == '\t'))
		i++;
	if (i == len) {
		*pos = i;
		return false;
	}
	s = i;
	while (i < len && v[i] != ',')
		i++;
	e = i;
	while (v[e - 1] == ' ' || v[e - 1] == '\t') /* v[s] is neither: stops at s + 1 */
		e--;
	*pos = i;
	*start = s;
	*n = e - s;
	return true;
}

static void
conn_collect(struct conn_opts *c)
{
	for (uint32_t i = 0; i < c->nfields; i++) {
		const struct mp_http_field *f = &c->fields[i];
		const uint8_t *v;
		uint32_t pos = 0, s, n;

		if (f->id != MP_HTTP_HDR_CONNECTION)
			continue;
		v = c->head + f->value.off;
		/* The usual value, one option such as keep-alive, needs no list walk. */
		if (conn_token_ignored(v, f->value.len))
			continue;
		while (list_next(v, f->value.len, &pos, &s, &n)) {
			if (conn_token_ignored(v + s, n))
				continue;
			if (c->n == PROXY_CONN_TOKENS) {
				c->overflow = true;
				return;
			}
			c->tok[c->n].off = f->value.off + s;
			c->tok[c->n].len = n;
			c->n++;
		}
	}
}

static inline void
conn_init(struct conn_opts *c, const uint8_t *head, const struct mp_http_field *fields,
          uint32_t nfields, uint32_t hdr_seen)
{
	c->head = head;
	c->fields = fields;
	c->nfields = nfields;
	c->n = 0;
	c->overflow = false;
	if (hdr_seen & HDR_BIT(CONNECTION))
		conn_collect(c);
}

/* A Connection field of the head names the field called name[0, len). */
static bool
conn_names(const struct conn_opts *c, const uint8_t *name, uint32_t len)
{
	if (!c->overflow) {
		for (uint32_t k = 0; k < c->n; k++)
			if (c->tok[k].len == len && eq_nocase(c->head + c->tok[k].off, name, len))
				return true;
		return false;
	}
	/* A client listing more than PROXY_CONN_TOKENS options pays for a rescan per field. */
	for (uint32_t i = 0; i < c->nfields; i++) {
		const struct mp_http_field *f = &c->fields[i];
		const uint8_t *v = c->head + f->value.off;
		uint32_t pos = 0, s, n;

		if (f->id != MP_HTTP_HDR_CONNECTION)
			continue;
		while (list_next(v, f->value.len, &pos, &s, &n))
			if (n == len && eq_nocase(v + s, name, len) &&
			    !conn_token_ignored(v + s, n))
				return true;
	}
	return false;
}

/* ---------------------------------------------------------------------------------------- */
/* Field decisions and the proxy's fields                                                    */

static bool
route_removes(const struct mp_route_header_op *ops, uint32_t n, const uint8_t *name, uint32_t len)
{
	for (uint32_t i = 0; i < n; i++)
		if (ops[i].name.len == len && eq_lc(name, ops[i].name.p, len))
			return true;
	return false;
}

/* The field is dropped because a Connection field or the route names it. */
static inline bool
field_dropped(const struct conn_opts *c, const struct mp_route_header_op *rm, uint32_t nrm,
              const struct mp_http_field *f)
{
	const uint8_t *name = c->head + f->name.off;

	return ((c->n != 0 || c->overflow) && conn_names(c, name, f->name.len)) ||
	       (nrm != 0 && route_removes(rm, nrm, name, f->name.len));
}

/* Copy the open run of kept field lines, up to end (the start of the line that ends it). */
static PROXY_INLINE void
run_flush(struct wr *w, const uint8_t *head, uint32_t *run, uint32_t end)
{
	if (*run != PROXY_NO_RUN) {
		put(w, head + *run, end - *run);
		*run = PROXY_NO_RUN;
	}
}

/*
 * One X-Forwarded-For field: the values of fields[i, n) with its id, then client; nothing
 * when there is neither.
 */
static PROXY_INLINE void
put_xff(struct wr *w, const uint8_t *head, const struct mp_http_field *f, uint32_t i, uint32_t n,
        struct mp_route_str client)
{
	uint8_t *p0 = w->p;
	uint32_t left0 = w->left;
	bool sep = false;

	PUT_LIT(w, "X-Forwarded-For: ");
	for (; i < n; i++) {
		if (f[i].id != MP_HTTP_HDR_X_FORWARDED_FOR || f[i].value.len == 0)
			continue;
		if (sep)
			PUT_LIT(w, ", ");
		put(w, head + f[i].value.off, f[i].value.len);
		sep = true;
	}
	if (client.len != 0) {
		if (sep)
			PUT_LIT(w, ", ");
		put_str(w, client);
		sep = true;
	}
	if (!sep && !w->full) {
		w->p = p0;
		w->left = left0;
		return;
	}
	PUT_LIT(w, "\r\n");
}

/* One Via field: the values of fields[i, n) with its id, then the proxy's entry. */
static PROXY_INLINE void
put_via(struct wr *w, const uint8_t *head, const struct mp_http_field *f, uint32_t i, uint32_t n,
        uint8_t minor)
{
	char ver[3] = {'1', '.', (char)('0' + minor)};

	PUT_LIT(w, "Via: ");
	for (; i < n; i++) {
		if (f[i].id != MP_HTTP_HDR_VIA || f[i].value.len == 0)
			continue;
		put(w, head + f[i].value.off, f[i].value.len);
		PUT_LIT(w, ", ");
	}
	/* MP_PROXY_VIA with the received-protocol of the message received. */
	put(w, ver, sizeof(ver));
	put(w, MP_PROXY_VIA + 3, sizeof(MP_PROXY_VIA) - 4);
	PUT_LIT(w, "\r\n");
}

static PROXY_INLINE void
put_adds(struct wr *w, const struct mp_route_header_op *ops, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (route_add_refused(ops[i].name.p, ops[i].name.len))
			continue;
		put_str(w, ops[i].name);
		PUT_LIT(w, ": ");
		put_str(w, ops[i].value);
		PUT_LIT(w, "\r\n");
	}
}

static PROXY_INLINE void
put_conn(struct wr *w, uint8_t conn)
{
	switch (conn) {
	case MP_PROXY_CONN_KEEP_ALIVE:
		PUT_LIT(w, "Connection: keep-alive\r\n");
		break;
	case MP_PROXY_CONN_CLOSE:
		PUT_LIT(w, "Connection: close\r\n");
		break;
	case MP_PROXY_CONN_UPGRADE:
		PUT_LIT(w, "Connection: upgrade\r\n");
		break;
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Forwarded heads                                                                           */

/* What the pass over a forwarded head's fields reads, and what it leaves to write after it. */
struct fwd {
	const uint8_t *head;
	const struct mp_http_field *f;
	uint32_t n;
	const struct mp_route_header_op *rm; /* the route's removals */
	uint32_t nrm;
	struct conn_opts co;
	struct mp_route_str client; /* request: the address X-Forwarded-For gets */
	uint8_t conn;               /* enum mp_proxy_conn */
	uint8_t minor;
	bool dechunk;  /* response: drop Transfer-Encoding and Trailer */
	bool xff_done; /* request: X-Forwarded-For written */
	bool via_done; /* Via written */
	bool rid_kept; /* request: an X-Request-Id kept */
};

static inline void
fwd_init(struct fwd *x, const uint8_t *head, const struct mp_http_msg *m,
         const struct mp_http_field *f, const struct mp_route_header_op *rm, uint32_t nrm,
         uint8_t conn)
{
	x->head = head;
	x->f = f;
	x->n = m->nfields;
	x->rm = rm;
	x->nrm = nrm;
	x->conn = conn;
	x->minor = m->minor;
	x->client = (struct mp_route_str){NULL, 0};
	x->dechunk = false;
	x->xff_done = false;
	x->via_done = false;
	x->rid_kept = false;
	conn_init(&x->co, head, f, m->nfields, m->hdr_seen);
}

/*
 * The kept, dropped and merged field lines of a forwarded head, up to its end (head_len).
 * req is a constant in both callers: each gets a copy without the other's cases.
 */
static PROXY_INLINE void
fwd_fields(struct wr *w, struct fwd *x, uint32_t head_len, bool req)
{
	/* Fields with a rule of their own; the others are kept unless named for removal. */
	const uint32_t own =
	        HDR_BIT(CONNECTION) | HDR_BIT(KEEP_ALIVE) | HDR_BIT(PROXY_CONNECTION) |
	        HDR_BIT(TE) | HDR_BIT(UPGRADE) | HDR_BIT(VIA) |
	        (req ? HDR_BIT(X_FORWARDED_PROTO) | HDR_BIT(X_FORWARDED_FOR) | HDR_BIT(X_REQUEST_ID)
	             : 0) |
	        (x->dechunk ? HDR_BIT(TRANSFER_ENCODING) | HDR_BIT(TRAILER) : 0);
	/* Fields to look at: all of them when a Connection field or the route names some. */
	const uint32_t look = x->co.n != 0 || x->co.overflow || x->nrm != 0 ? UINT32_MAX : own;
	const struct mp_http_field *f = x->f;
	const uint8_t *h = x->head;
	uint32_t run = PROXY_NO_RUN, n = x->n;

	for (uint32_t i = 0; i < n; i++) {
		const struct mp_http_field *fi = &f[i];

		/* The common case: a field kept as received, extending the run. */
		if (!((look >> fi->id) & 1))
			goto keep;
		switch (fi->id) {
		case MP_HTTP_HDR_HOST:
		case MP_HTTP_HDR_CONTENT_LENGTH:
			goto keep;
		case MP_HTTP_HDR_TRANSFER_ENCODING:
			if (x->dechunk)
				goto drop;
			goto keep;
		case MP_HTTP_HDR_TRAILER:
			if (x->dechunk)
				goto drop;
			break;
		case MP_HTTP_HDR_CONNECTION:
		case MP_HTTP_HDR_KEEP_ALIVE:
		case MP_HTTP_HDR_PROXY_CONNECTION:
		case MP_HTTP_HDR_TE:
			goto drop;
		case MP_HTTP_HDR_X_FORWARDED_PROTO: /* replaced by the proxy's */
			if (req)
				goto drop;
			break;
		case MP_HTTP_HDR_UPGRADE:
			if (x->conn != MP_PROXY_CONN_UPGRADE)
				goto drop;
			break;
		}
		if (field_dropped(&x->co, x->rm, x->nrm, fi))
			goto drop;
		switch (fi->id) {
		case MP_HTTP_HDR_X_FORWARDED_FOR:
			if (!req)
				break;
			run_flush(w, h, &run, fi->name.off);
			if (!x->xff_done)
				put_xff(w, h, x->f, i, x->n, x->client);
			x->xff_done = true;
			continue;
		case MP_HTTP_HDR_VIA:
			run_flush(w, h, &run, fi->name.off);
			if (!x->via_done)
				put_via(w, h, x->f, i, x->n, x->minor);
			x->via_done = true;
			continue;
		case MP_HTTP_HDR_X_REQUEST_ID:
			if (!req)
				break;
			if (x->rid_kept)
				goto drop;
			x->rid_kept = true;
			break;
		}
	keep:
		if (run == PROXY_NO_RUN)
			run = fi->name.off;
		continue;
	drop:
		run_flush(w, h, &run, fi->name.off);
	}
	/* The last field line ends where the final CRLF starts. */
	run_flush(w, h, &run, head_len - 2);
}

int
mp_proxy_write_request(const struct mp_proxy_req_head *r, uint8_t *out, uint32_t cap)
{
	const struct mp_http_msg *m = r->msg;
	const uint8_t *h = r->head;
	const struct mp_route *rt = r->route;
	struct wr w = {out, cap, false};
	struct fwd x;

	fwd_init(&x, h, m, r->fields, rt != NULL ? rt->req_remove : NULL,
	         rt != NULL ? rt->n_req_remove : 0, r->conn);
	x.client = r->client;

	put(&w, h + m->method.off, m->method.len);
	PUT_LIT(&w, " ");
	if (r->target.len != 0)
		put_str(&w, r->target);
	else
		put(&w, h + m->target.off, m->target.len);
	PUT_LIT(&w, " HTTP/1.1\r\n");
	if (!(m->hdr_seen & HDR_BIT(HOST)))
		PUT_LIT(&w, "Host: \r\n");

	fwd_fields(&w, &x, m->head_len, true);

	if (!x.xff_done)
		put_xff(&w, h, x.f, x.n, x.n, r->client);
	if (r->proto.len != 0)
		PUT_FIELD(&w, "X-Forwarded-Proto", r->proto);
	if (!x.rid_kept && r->req_id.len != 0)
		PUT_FIELD(&w, "X-Request-Id", r->req_id);
	if (!x.via_done)
		put_via(&w, h, x.f, x.n, x.n, m->minor);
	if (rt != NULL)
		put_adds(&w, rt->req_add, rt->n_req_add);
	put_conn(&w, r->conn);
	PUT_LIT(&w, "\r\n");
	return wr_end(&w, out);
}

int
mp_proxy_write_response(const struct mp_proxy_resp_head *r, uint8_t *out, uint32_t cap)
{
	const struct mp_http_msg *m = r->msg;
	const uint8_t *h = r->head;
	const struct mp_route *rt = r->route;
	struct wr w = {out, cap, false};
	struct fwd x;

	fwd_init(&x, h, m, r->fields, rt != NULL ? rt->resp_remove : NULL,
	         rt != NULL ? rt->n_resp_remove : 0, r->conn);
	x.dechunk = r->dechunk;

	put_status(&w, m->status);
	put(&w, h + m->reason.off, m->reason.len);
	PUT_LIT(&w, "\r\n");

	fwd_fields(&w, &x, m->head_len, false);

	if (!x.via_done)
		put_via(&w, h, x.f, x.n, x.n, m->minor);
	if (rt != NULL)
		put_adds(&w, rt->resp_add, rt->n_resp_add);
	put_conn(&w, r->conn);
	PUT_LIT(&w, "\r\n");
	return wr_end(&w, out);
}

/* ---------------------------------------------------------------------------------------- */
/* Local responses                                                                           */

/* A field the proxy writes in a local response, unless the route removes it. */
static bool
local_keeps(const struct mp_route_header_op *rm, uint32_t nrm, const char *lc_name)
{
	return nrm == 0 ||
	       !route_removes(rm, nrm, (const uint8_t *)lc_name, (uint32_t)strlen(lc_name));
}

int
mp_proxy_write_local(const struct mp_proxy_local *r, uint8_t *out, uint32_t cap)
{
	const struct mp_route_header_op *rm = NULL;
	uint16_t s = r->status;
	/* RFC 9110 6.4.1, 9.3.6: these carry neither content nor Content-Length. */
	bool bodyless = s < 200 || s == 204 || s == 304 || (r->connect && s < 300);
	bool body = !bodyless && r->body.len != 0;
	const char *reason = r->connect && s == 200 ? "Connection Established" : mp_proxy_reason(s);
	struct wr w = {out, cap, false};
	uint32_t nrm = 0;

	if (r->route != NULL) {
		rm = r->route->resp_remove;
		nrm = r->route->n_resp_remove;
	}
	put_status(&w, s);
	put(&w, reason, (uint32_t)strlen(reason));
	PUT_LIT(&w, "\r\n");
	if (body && local_keeps(rm, nrm, "content-type"))
		PUT_LIT(&w, "Content-Type: text/plain\r\n");
	if (!bodyless) {
		PUT_LIT(&w, "Content-Length: ");
		put_u32(&w, body ? r->body.len : 0);
		PUT_LIT(&w, "\r\n");
	}
	if (r->location.len != 0 && local_keeps(rm, nrm, "location"))
		PUT_FIELD(&w, "Location", r->location);
	if (r->overflow.len != 0 && local_keeps(rm, nrm, "x-meshpath-overflow"))
		PUT_FIELD(&w, "x-meshpath-overflow", r->overflow);
	if (r->route != NULL)
		put_adds(&w, r->route->resp_add, r->route->n_resp_add);
	put_conn(&w, r->conn);
	PUT_LIT(&w, "\r\n");
	if (body && !r->head_only)
		put_str(&w, r->body);
	return wr_end(&w, out);
}

/* ---------------------------------------------------------------------------------------- */
/* Request ids                                                                               */

void
mp_proxy_request_id(uint64_t r0, uint64_t r1, char out[MP_PROXY_REQUEST_ID_LEN])
{
	static const char hex[] = "0123456789abcdef";
	/* RFC 9562 5.4: version 4 in bits 48-51, variant 10 in bits 64-65 of the 128. */
	uint64_t hi = (r0 & ~0xf000ull) | 0x4000ull;
	uint64_t lo = (r1 & ~(3ull << 62)) | (2ull << 62);
	uint32_t k = 0;

	/* 8-4-4-4-12 hex digits: hi gives the first three groups, lo the last two. */
	for (uint32_t i = 0; i < 16; i++) {
		if (i == 8 || i == 12)
			out[k++] = '-';
		out[k++] = hex[(hi >> (60 - 4 * i)) & 0xf];
	}
	for (uint32_t i = 0; i < 16; i++) {
		if (i == 0 || i == 4)
			out[k++] = '-';
		out[k++] = hex[(lo >> (60 - 4 * i)) & 0xf];
	}
}
