/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The HTTP part of the config: route tables (`route_tables`), their virtual hosts and routes,
 * as mp_conf_load() validated them. Control path only; lib/route compiles a table into what
 * the data path reads.
 *
 * Route tables can hold thousands of routes, so they do not sit in struct mp_conf's static
 * arrays: conf->http is one block allocated by mp_conf_load() and freed by mp_conf_release().
 * Elements refer to each other by index (first_x, n_x) into the flat arrays of the block, like
 * a cluster's endpoints in conf->endpoints. Strings live in the block's arena.
 */
#ifndef MP_CONF_HTTP_H
#define MP_CONF_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "mp_arena.h"

/* Limits; conf/README.md quotes them. */
#define MP_CONF_MAX_ROUTE_TABLES 64    /**< `route_tables` entries */
#define MP_CONF_MAX_VHOSTS       1024  /**< `virtual_hosts` per table */
#define MP_CONF_MAX_DOMAINS      256   /**< `domains` per virtual host */
#define MP_CONF_MAX_HTTP_ROUTES  65536 /**< `routes` per virtual host */
#define MP_CONF_MAX_MATCHERS     32    /**< `headers` or `query` entries per route */
#define MP_CONF_MAX_SPLIT        64    /**< `clusters` entries (traffic split) per route */
#define MP_CONF_MAX_HEADER_OPS   32    /**< entries of each `*_headers_add/remove` list */
#define MP_CONF_MAX_DOMAIN_LEN   253   /**< a DNS name */
#define MP_CONF_MAX_PATH_LEN     2048  /**< `path`, `prefix`, rewrites */
#define MP_CONF_MAX_REGEX_LEN    1024  /**< `regex` */
#define MP_CONF_MAX_VALUE_LEN    1024  /**< header values, `body` is MP_CONF_MAX_BODY_LEN */
#define MP_CONF_MAX_BODY_LEN     4096  /**< `direct_response.body` */

#define MP_CONF_DEF_REDIRECT_CODE 301
#define MP_CONF_DEF_SPLIT_WEIGHT  1

/* Per-route timeouts and retries (conf/README.md, routes: `timeouts`, `retry`); 0 = off. */
#define MP_CONF_DEF_CONNECT_MS      0 /**< 0: the proxy-wide connect timeout applies */
#define MP_CONF_DEF_FIRST_BYTE_MS   15000
#define MP_CONF_DEF_REQUEST_MS      0
#define MP_CONF_DEF_IDLE_MS         300000
#define MP_CONF_DEF_NUM_RETRIES     1
#define MP_CONF_DEF_BACKOFF_BASE_MS 25
#define MP_CONF_DEF_BACKOFF_MAX_MS  250
#define MP_CONF_MAX_HASH_NAME_LEN   256 /**< `hash.header`, `hash.cookie` */

/** `retry.on`: a bit each, the same bits as lib/lb's MP_LB_RETRY_ON_*. */
#define MP_CONF_RETRY_ON_LIST(X)                 \
	X(CONNECT_FAILURE, "connect_failure", 0) \
	X(RESET, "reset", 1)                     \
	X(502, "502", 2)                         \
	X(503, "503", 3)                         \
	X(504, "504", 4)

enum mp_conf_retry_on {
#define MP_CONF_RETRY_ON_ENUM(sym, name, bit) MP_CONF_RETRY_ON_##sym = 1u << (bit),
	MP_CONF_RETRY_ON_LIST(MP_CONF_RETRY_ON_ENUM)
#undef MP_CONF_RETRY_ON_ENUM
};
#define MP_CONF_RETRY_ON_ALL 0x1fu

/** `timeouts` of a route, in ms; 0 = off (connect_ms 0: the proxy-wide default). */
struct mp_conf_timeouts {
	uint32_t connect_ms;    /**< upstream connection not up in time: 504 */
	uint32_t first_byte_ms; /**< request sent, no response byte in time: 504 */
	uint32_t request_ms;    /**< whole exchange: 408 while the request arrives, else 504 */
	uint32_t idle_ms;       /**< no byte either way: 408 while the request arrives, else 504 */
};

/** `retry` of a route: lib/lb's struct mp_lb_retry_params in ms, without the budget. */
struct mp_conf_retry {
	uint32_t on;              /**< `on`: MP_CONF_RETRY_ON_* bits */
	uint32_t num_retries;     /**< 0 = no retries */
	bool idempotent_only;     /**< retry GET, HEAD, OPTIONS, TRACE, PUT, DELETE only */
	uint32_t backoff_base_ms; /**< first back-off bound; doubles per retry */
	uint32_t backoff_max_ms;  /**< bound of every back-off, >= backoff_base_ms */
};

/** What ring_hash and maglev clusters hash for a request of the route (`hash`). */
enum mp_conf_hash_kind {
	MP_CONF_HASH_NONE = 0, /**< no `hash`: a random key per request */
	MP_CONF_HASH_HEADER,   /**< `header`: the value of that header (lower-cased name) */
	MP_CONF_HASH_COOKIE,   /**< `cookie`: the value of that cookie */
	MP_CONF_HASH_SOURCE,   /**< `source_address = true`: the client's address */
};

/** Methods a route may list; a bit each in mp_conf_http_route.methods. */
enum mp_conf_method {
	MP_CONF_M_GET = 0,
	MP_CONF_M_HEAD,
	MP_CONF_M_POST,
	MP_CONF_M_PUT,
	MP_CONF_M_DELETE,
	MP_CONF_M_CONNECT,
	MP_CONF_M_OPTIONS,
	MP_CONF_M_TRACE,
	MP_CONF_M_PATCH,
	MP_CONF_N_METHODS,
};

/** The names of enum mp_conf_method, upper case as on the wire. */
extern const char *const mp_conf_method_names[MP_CONF_N_METHODS];

enum mp_conf_path_match {
	MP_CONF_PATH_NONE = 0, /**< not set (an error the validator reports) */
	MP_CONF_PATH_EXACT,    /**< `match.path`: the whole path, before '?' */
	MP_CONF_PATH_PREFIX,   /**< `match.prefix`: the path starts with it */
	MP_CONF_PATH_REGEX,    /**< `match.regex`: the regex matches the whole path */
};

enum mp_conf_value_match {
	MP_CONF_VALUE_NONE = 0, /**< not set (reported) */
	MP_CONF_VALUE_EXACT,    /**< `exact`: the value, byte for byte */
	MP_CONF_VALUE_PRESENT,  /**< `present = true`: any value */
	MP_CONF_VALUE_REGEX,    /**< `regex`: matches the whole value */
};

/** One element of `match.headers` or `match.query`. */
struct mp_conf_kv_match {
	const char *name;  /**< `name`: headers lower-cased; query names as written */
	const char *value; /**< `exact` or `regex`; NULL for present */
	uint32_t kind;     /**< enum mp_conf_value_match */
	int line;
};

/** One element of `clusters`: a share of the route's traffic. */
struct mp_conf_split {
	int cluster;     /**< `name`: index into conf->clusters */
	uint32_t weight; /**< `weight`: 1..65535 */
	int line;
};

/** One element of a `*_headers_add` list (value set) or `*_headers_remove` (value NULL). */
struct mp_conf_header_op {
	const char *name; /**< lower-cased */
	const char *value;
};

enum mp_conf_route_action {
	MP_CONF_ACTION_NONE = 0, /**< not set (reported) */
	MP_CONF_ACTION_CLUSTERS, /**< `clusters`: forward, split by weight */
	MP_CONF_ACTION_REDIRECT, /**< `redirect` */
	MP_CONF_ACTION_DIRECT,   /**< `direct_response` */
};

/** Index ranges into one of the flat arrays of struct mp_conf_http. */
struct mp_conf_range {
	unsigned int first;
	unsigned int n;
};

struct mp_conf_http_route {
	/* match */
	uint32_t path_kind;           /**< enum mp_conf_path_match */
	const char *path;             /**< `path`, `prefix` or `regex` */
	uint32_t methods;             /**< `methods`: bit (1 << enum mp_conf_method); 0 = any */
	struct mp_conf_range headers; /**< `headers`, in kv_matches */
	struct mp_conf_range query;   /**< `query`, in kv_matches */
	/* action */
	uint32_t action;               /**< enum mp_conf_route_action */
	struct mp_conf_range clusters; /**< `clusters`, in splits */
	const char *redirect_scheme;   /**< `redirect.scheme`, NULL: keep */
	const char *redirect_host;     /**< `redirect.host`, NULL: keep */
	const char *redirect_path;     /**< `redirect.path`, NULL: keep */
	const char *redirect_prefix;   /**< `redirect.prefix_rewrite`, NULL: none */
	uint32_t redirect_code;        /**< `redirect.code` */
	uint32_t status;               /**< `direct_response.status` */
	const char *body;              /**< `direct_response.body`, NULL: empty */
	/* rewrites */
	const char *prefix_rewrite;       /**< `prefix_rewrite`, NULL: none */
	struct mp_conf_range req_add;     /**< `request_headers_add`, in header_ops */
	struct mp_conf_range req_remove;  /**< `request_headers_remove`, in header_ops */
	struct mp_conf_range resp_add;    /**< `response_headers_add`, in header_ops */
	struct mp_conf_range resp_remove; /**< `response_headers_remove`, in header_ops */
	/* resilience (issue 6) */
	struct mp_conf_timeouts timeouts; /**< `timeouts` (defaults when absent) */
	struct mp_conf_retry retry;       /**< `retry` (defaults when absent) */
	uint32_t hash_kind;               /**< `hash`: enum mp_conf_hash_kind */
	const char *hash_name;            /**< header (lower case) or cookie name; else NULL */
	int line;
	int path_line; /**< line of the `path`/`prefix`/`regex` key, for regex errors */
};

struct mp_conf_vhost {
	char name[MP_NAME_LEN];       /**< `name`: unique in its table */
	struct mp_conf_range domains; /**< `domains`, in domains: lower-cased */
	struct mp_conf_range routes;  /**< `routes`, in routes: in declaration order */
	int line;
};

struct mp_conf_route_table {
	char name[MP_NAME_LEN];      /**< `name`: unique, named by listeners' `routes` */
	struct mp_conf_range vhosts; /**< `virtual_hosts`, in vhosts */
	int line;
};

/** Everything `route_tables` holds; conf->http, NULL when the file has no route tables. */
struct mp_conf_http {
	unsigned int n_tables, cap_tables;
	struct mp_conf_route_table *tables;
	unsigned int n_vhosts, cap_vhosts;
	struct mp_conf_vhost *vhosts;
	unsigned int n_domains, cap_domains;
	const char **domains;
	unsigned int n_routes, cap_routes;
	struct mp_conf_http_route *routes;
	unsigned int n_kv_matches, cap_kv_matches;
	struct mp_conf_kv_match *kv_matches;
	unsigned int n_splits, cap_splits;
	struct mp_conf_split *splits;
	unsigned int n_header_ops, cap_header_ops;
	struct mp_conf_header_op *header_ops;
	struct mp_arena strings;
};

#endif /* MP_CONF_HTTP_H */
