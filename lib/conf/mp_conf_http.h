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
