/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `http` section: the HTTP proxy's parser limits, timeouts and connection limits, per
 * worker. Every key is optional and documented with its default in conf/README.md. The
 * connection limits size pools made at start: a reload that changes them is refused like a
 * change of `tcp`.
 */
#include "conf_priv.h"

#define PROXY_KEY(n, f, lo, hi, d, fl) CONF_INT_KEY(n, struct mp_conf, proxy.f, lo, hi, d, fl)

#define CONF_PROXY_MIN_LINE    64
#define CONF_PROXY_MAX_LINE    (1 << 20)
#define CONF_PROXY_MIN_HEADER  64
#define CONF_PROXY_MAX_HEADER  (1 << 20)
#define CONF_PROXY_MAX_FIELDS  1024
#define CONF_PROXY_MAX_MS      86400000
#define CONF_PROXY_MIN_CONNS   1
#define CONF_PROXY_MAX_CONNS   (1 << 22)
#define CONF_PROXY_MAX_REQS    (1 << 30)
#define CONF_PROXY_MAX_BODY_LL 4294967295LL

/*
 * A head must fit the per-worker buffer a split head is copied into, and the limits are the
 * parser's: request line plus header section is the longest head.
 */
static void
conf_proxy_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	const struct mp_conf_proxy *p = &((struct mp_conf *)obj)->proxy;

	if ((uint64_t)p->max_request_line + p->max_header_bytes <= CONF_PROXY_MAX_HEADER)
		return;
	conf_err(ctx, conf_member_or(grp, "max_header_bytes"),
	         "http.max_request_line + max_header_bytes = %u is over %u: lower one of them",
	         p->max_request_line + p->max_header_bytes, CONF_PROXY_MAX_HEADER);
}

static const struct conf_key conf_proxy_keys[] = {
        PROXY_KEY("max_request_line", max_request_line, CONF_PROXY_MIN_LINE, CONF_PROXY_MAX_LINE,
                  MP_CONF_DEF_HTTP_REQUEST_LINE, 0),
        PROXY_KEY("max_header_bytes", max_header_bytes, CONF_PROXY_MIN_HEADER,
                  CONF_PROXY_MAX_HEADER, MP_CONF_DEF_HTTP_HEADER_BYTES, 0),
        PROXY_KEY("max_headers", max_headers, 1, CONF_PROXY_MAX_FIELDS, MP_CONF_DEF_HTTP_HEADERS,
                  0),
        PROXY_KEY("max_body", max_body, 1, CONF_PROXY_MAX_BODY_LL, 0, CONF_F_ZERO_OFF),
        PROXY_KEY("upstream_idle_ms", upstream_idle_ms, 1, CONF_PROXY_MAX_MS,
                  MP_CONF_DEF_HTTP_UP_IDLE_MS, 0),
        PROXY_KEY("downstream_idle_ms", downstream_idle_ms, 1, CONF_PROXY_MAX_MS,
                  MP_CONF_DEF_HTTP_DOWN_IDLE_MS, 0),
        PROXY_KEY("connect_timeout_ms", connect_timeout_ms, 1, CONF_PROXY_MAX_MS,
                  MP_CONF_DEF_HTTP_CONNECT_MS, 0),
        PROXY_KEY("max_requests_per_connection", max_requests, 1, CONF_PROXY_MAX_REQS,
                  MP_CONF_DEF_HTTP_MAX_REQUESTS, CONF_F_ZERO_OFF),
        PROXY_KEY("max_downstream_connections", max_downstream, CONF_PROXY_MIN_CONNS,
                  CONF_PROXY_MAX_CONNS, MP_CONF_DEF_HTTP_DOWNSTREAM, 0),
        PROXY_KEY("max_upstream_connections", max_upstream, CONF_PROXY_MIN_CONNS,
                  CONF_PROXY_MAX_CONNS, MP_CONF_DEF_HTTP_UPSTREAM, 0),
};

const struct conf_schema conf_proxy_schema = {
        .keys = conf_proxy_keys,
        .n_keys = RTE_DIM(conf_proxy_keys),
        .finish = conf_proxy_finish,
};
