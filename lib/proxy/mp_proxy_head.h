/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Heads the HTTP proxy writes: the request head it forwards upstream, the response head it
 * forwards downstream, and the responses it makes itself (errors, redirects, direct responses).
 *
 * A forwarded head is the received one, parsed by lib/http, rewritten field by field into a
 * flat buffer: the start line rebuilt, hop-by-hop fields dropped (RFC 9110 7.6.1: Connection,
 * every field the Connection field names, Keep-Alive, Proxy-Connection, TE, Upgrade unless the
 * request is being upgraded), the route's removals and additions applied, and the proxy's own
 * fields added (X-Forwarded-For, X-Forwarded-Proto, X-Request-Id, Via). Field lines the proxy
 * keeps are copied byte for byte (name case and value as received), in their order.
 *
 * Pure functions over the caller's buffers: no allocation, no syscall, no log. Data-path safe.
 */
#ifndef MP_PROXY_HEAD_H
#define MP_PROXY_HEAD_H

#include <stdbool.h>
#include <stdint.h>

#include "mp_http.h"
#include "mp_route.h"

/** Length of an X-Request-Id the proxy generates: a UUID in its 36-character text form. */
#define MP_PROXY_REQUEST_ID_LEN 36

/**
 * What the proxy sends in the Via field it appends (RFC 9110 7.6.3). The received-protocol is
 * that of the message received: "1.0 meshpath" when it was HTTP/1.0.
 */
#define MP_PROXY_VIA "1.1 meshpath"

/** What a forwarded head says about the connection it travels on. */
enum mp_proxy_conn {
	MP_PROXY_CONN_DEFAULT,    /**< nothing: HTTP/1.1 persistence is the default */
	MP_PROXY_CONN_KEEP_ALIVE, /**< "Connection: keep-alive" (to an HTTP/1.0 client) */
	MP_PROXY_CONN_CLOSE,      /**< "Connection: close" */
	MP_PROXY_CONN_UPGRADE,    /**< "Connection: upgrade", the Upgrade field kept */
};

/** A request to forward upstream. */
struct mp_proxy_req_head {
	const uint8_t *head;                /**< the received head, contiguous: spans index it */
	const struct mp_http_msg *msg;      /**< lib/http's result for it */
	const struct mp_http_field *fields; /**< fields[0, msg->nfields) */
	struct mp_route_str target;         /**< request-target to send (after a prefix rewrite) */
	struct mp_route_str client;         /**< client address as text, for X-Forwarded-For */
	struct mp_route_str proto;          /**< X-Forwarded-Proto value: "http" */
	struct mp_route_str req_id;         /**< X-Request-Id to add when the request has none */
	const struct mp_route *route;       /**< request_headers_remove/add; NULL: none */
	uint8_t conn;                       /**< enum mp_proxy_conn for the upstream connection */
};

/** A response to forward downstream. */
struct mp_proxy_resp_head {
	const uint8_t *head;                /**< the received head, contiguous: spans index it */
	const struct mp_http_msg *msg;      /**< lib/http's result for it */
	const struct mp_http_field *fields; /**< fields[0, msg->nfields) */
	const struct mp_route *route;       /**< response_headers_remove/add; NULL: none */
	uint8_t conn;                       /**< enum mp_proxy_conn for the client connection */
	/**
	 * Drop Transfer-Encoding: the proxy decodes the chunked body for an HTTP/1.0 client and
	 * delimits it by closing the connection (conn is then MP_PROXY_CONN_CLOSE).
	 */
	bool dechunk;
};

/** A response the proxy makes itself. */
struct mp_proxy_local {
	uint16_t status;
	uint8_t conn;                 /**< enum mp_proxy_conn */
	bool head_only;               /**< answering HEAD: Content-Length of body, no body bytes */
	struct mp_route_str body;     /**< text/plain body; len 0: none */
	struct mp_route_str location; /**< Location (redirects); len 0: none */
	struct mp_route_str overflow; /**< x-meshpath-overflow: the breaker's name; len 0: none */
	const struct mp_route *route; /**< response_headers_remove/add (direct responses) */
	/**
	 * Answering CONNECT: a 2xx carries no Content-Length and no body (RFC 9110 9.3.6), and a
	 * 200 says "Connection Established".
	 */
	bool connect;
};

/**
 * Write the upstream request head: "METHOD target HTTP/1.1", the kept fields, the proxy's.
 * X-Forwarded-For gets the client appended to the received value(s) (one field, ", "
 * separated); X-Forwarded-Proto is set to proto (a received one is replaced); X-Request-Id is
 * kept when present, else req_id is added; Via gets MP_PROXY_VIA appended. A target, client,
 * proto or req_id of length 0 means: the received target; no address appended; no
 * X-Forwarded-Proto; no X-Request-Id added.
 *
 * @return bytes written, or -ENOSPC when the head does not fit in cap
 */
int
mp_proxy_write_request(const struct mp_proxy_req_head *r, uint8_t *out, uint32_t cap);

/**
 * Write the downstream response head: "HTTP/1.1 status reason", the kept fields, Via, the
 * route's additions, and the Connection field conn asks for.
 *
 * @return bytes written, or -ENOSPC when the head does not fit in cap
 */
int
mp_proxy_write_response(const struct mp_proxy_resp_head *r, uint8_t *out, uint32_t cap);

/**
 * Write a whole local response, head and (unless head_only) body: status line with the
 * standard reason phrase, Content-Type: text/plain when there is a body, Content-Length,
 * Location and x-meshpath-overflow when set, the route's additions, Connection as asked.
 *
 * @return bytes written, or -ENOSPC when it does not fit in cap
 */
int
mp_proxy_write_local(const struct mp_proxy_local *r, uint8_t *out, uint32_t cap);

/** The standard reason phrase of a status ("Bad Gateway"), "" when unknown. */
const char *
mp_proxy_reason(uint16_t status);

/**
 * Format a random (version 4) UUID from two 64-bit random numbers into out (exactly
 * MP_PROXY_REQUEST_ID_LEN bytes, no NUL).
 */
void
mp_proxy_request_id(uint64_t r0, uint64_t r1, char out[MP_PROXY_REQUEST_ID_LEN]);

#endif /* MP_PROXY_HEAD_H */
