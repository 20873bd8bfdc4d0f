/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUB (drop at merge): a throwaway minimal implementation of mp_proxy_head.h so that the
 * connection manager builds and runs before the real proxy_head.c lands. Copies the start
 * line and every field except the hop-by-hop ones, appends Via and X-Forwarded-For, writes
 * simple local responses.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mp_proxy_head.h"

struct stub_buf {
	uint8_t *p;
	uint32_t len, cap;
	bool over;
};

static void
put(struct stub_buf *b, const void *s, uint32_t n)
{
	if (b->over || b->len + n > b->cap) {
		b->over = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
puts_(struct stub_buf *b, const char *s)
{
	put(b, s, (uint32_t)strlen(s));
}

static bool
hop_by_hop(uint32_t id, bool upgrade)
{
	return id == MP_HTTP_HDR_CONNECTION || id == MP_HTTP_HDR_KEEP_ALIVE ||
	       id == MP_HTTP_HDR_PROXY_CONNECTION || id == MP_HTTP_HDR_TE ||
	       (id == MP_HTTP_HDR_UPGRADE && !upgrade);
}

static bool
removed(const struct mp_route_header_op *ops, uint16_t n, const uint8_t *name, uint32_t len)
{
	for (uint16_t i = 0; i < n; i++)
		if (ops[i].name.len == len &&
		    strncasecmp(ops[i].name.p, (const char *)name, len) == 0)
			return true;
	return false;
}

static void
add_ops(struct stub_buf *b, const struct mp_route_header_op *ops, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		put(b, ops[i].name.p, ops[i].name.len);
		puts_(b, ": ");
		put(b, ops[i].value.p, ops[i].value.len);
		puts_(b, "\r\n");
	}
}

static void
conn_field(struct stub_buf *b, uint8_t conn)
{
	if (conn == MP_PROXY_CONN_KEEP_ALIVE)
		puts_(b, "Connection: keep-alive\r\n");
	else if (conn == MP_PROXY_CONN_CLOSE)
		puts_(b, "Connection: close\r\n");
	else if (conn == MP_PROXY_CONN_UPGRADE)
		puts_(b, "Connection: upgrade\r\n");
}

int
mp_proxy_write_request(const struct mp_proxy_req_head *r, uint8_t *out, uint32_t cap)
{
	struct stub_buf b = {.p = out, .cap = cap};
	bool upgrade = r->conn == MP_PROXY_CONN_UPGRADE, xff = false, rid = false;
	const struct mp_http_msg *m = r->msg;

	put(&b, r->head + m->method.off, m->method.len);
	puts_(&b, " ");
	put(&b, r->target.p, r->target.len);
	puts_(&b, " HTTP/1.1\r\n");
	for (unsigned int i = 0; i < m->nfields; i++) {
		const struct mp_http_field *f = &r->fields[i];

		if (hop_by_hop(f->id, upgrade) || f->id == MP_HTTP_HDR_X_FORWARDED_PROTO)
			continue;
		if (r->route != NULL && removed(r->route->req_remove, r->route->n_req_remove,
		                                r->head + f->name.off, f->name.len))
			continue;
		put(&b, r->head + f->name.off, f->name.len);
		puts_(&b, ": ");
		put(&b, r->head + f->value.off, f->value.len);
		if (f->id == MP_HTTP_HDR_X_FORWARDED_FOR && !xff) {
			xff = true;
			puts_(&b, ", ");
			put(&b, r->client.p, r->client.len);
		}
		rid |= f->id == MP_HTTP_HDR_X_REQUEST_ID;
		puts_(&b, "\r\n");
	}
	if (!xff) {
		puts_(&b, "X-Forwarded-For: ");
		put(&b, r->client.p, r->client.len);
		puts_(&b, "\r\n");
	}
	puts_(&b, "X-Forwarded-Proto: ");
	put(&b, r->proto.p, r->proto.len);
	puts_(&b, "\r\n");
	if (!rid) {
		puts_(&b, "X-Request-Id: ");
		put(&b, r->req_id.p, r->req_id.len);
		puts_(&b, "\r\n");
	}
	puts_(&b, "Via: " MP_PROXY_VIA "\r\n");
	if (r->route != NULL)
		add_ops(&b, r->route->req_add, r->route->n_req_add);
	conn_field(&b, r->conn);
	puts_(&b, "\r\n");
	return b.over ? -ENOSPC : (int)b.len;
}

int
mp_proxy_write_response(const struct mp_proxy_resp_head *r, uint8_t *out, uint32_t cap)
{
	struct stub_buf b = {.p = out, .cap = cap};
	const struct mp_http_msg *m = r->msg;
	char line[64];

	snprintf(line, sizeof(line), "HTTP/1.1 %u ", m->status);
	puts_(&b, line);
	put(&b, r->head + m->reason.off, m->reason.len);
	puts_(&b, "\r\n");
	for (unsigned int i = 0; i < m->nfields; i++) {
		const struct mp_http_field *f = &r->fields[i];

		if (hop_by_hop(f->id, r->conn == MP_PROXY_CONN_UPGRADE) ||
		    (r->dechunk && f->id == MP_HTTP_HDR_TRANSFER_ENCODING))
			continue;
		if (r->route != NULL && removed(r->route->resp_remove, r->route->n_resp_remove,
		                                r->head + f->name.off, f->name.len))
			continue;
		put(&b, r->head + f->name.off, f->name.len);
		puts_(&b, ": ");
		put(&b, r->head + f->value.off, f->value.len);
		puts_(&b, "\r\n");
	}
	puts_(&b, "Via: " MP_PROXY_VIA "\r\n");
	if (r->route != NULL)
		add_ops(&b, r->route->resp_add, r->route->n_resp_add);
	conn_field(&b, r->conn);
	puts_(&b, "\r\n");
	return b.over ? -ENOSPC : (int)b.len;
}

int
mp_proxy_write_local(const struct mp_proxy_local *r, uint8_t *out, uint32_t cap)
{
	struct stub_buf b = {.p = out, .cap = cap};
	char line[96];

	snprintf(line, sizeof(line), "HTTP/1.1 %u %s\r\n", r->status, mp_proxy_reason(r->status));
	puts_(&b, line);
	if (r->body.len != 0)
		puts_(&b, "Content-Type: text/plain\r\n");
	if (!(r->status == 200 && r->body.len == 0 && r->location.len == 0)) {
		snprintf(line, sizeof(line), "Content-Length: %u\r\n", r->body.len);
		puts_(&b, line);
	}
	if (r->location.len != 0) {
		puts_(&b, "Location: ");
		put(&b, r->location.p, r->location.len);
		puts_(&b, "\r\n");
	}
	if (r->route != NULL)
		add_ops(&b, r->route->resp_add, r->route->n_resp_add);
	conn_field(&b, r->conn);
	puts_(&b, "\r\n");
	if (!r->head_only)
		put(&b, r->body.p, r->body.len);
	return b.over ? -ENOSPC : (int)b.len;
}

const char *
mp_proxy_reason(uint16_t status)
{
	switch (status) {
	case 200:
		return "OK";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 307:
		return "Temporary Redirect";
	case 308:
		return "Permanent Redirect";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "";
	}
}

void
mp_proxy_request_id(uint64_t r0, uint64_t r1, char out[MP_PROXY_REQUEST_ID_LEN])
{
	char tmp[MP_PROXY_REQUEST_ID_LEN + 1];

	snprintf(tmp, sizeof(tmp), "%08x-%04x-4%03x-%04x-%012llx", (unsigned int)(r0 >> 32),
	         (unsigned int)(r0 >> 16) & 0xffff, (unsigned int)r0 & 0xfff,
	         (unsigned int)((r1 >> 48) & 0x3fff) | 0x8000,
	         (unsigned long long)(r1 & 0xffffffffffffULL));
	memcpy(out, tmp, MP_PROXY_REQUEST_ID_LEN);
}
