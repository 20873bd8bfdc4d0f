/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/conf internals: the declarative schema that drives validation, the error collector and
 * the address helpers.
 *
 * A section of the file (the top level, `workers`, one element of `ports`, ...) is described by
 * a struct conf_schema: a table of struct conf_key, one row per key. conf_walk_group() reads a
 * libconfig group against such a table: it stores plain integers itself, recurses into
 * sub-groups and lists of groups, calls a handler for keys that need parsing (strings,
 * addresses, arrays), reports required keys that are missing and members that are not in the
 * table ("did you mean" comes from the same table), then runs the section's finish hook for
 * checks that involve several keys. Adding a key is one row in a table.
 */
#ifndef CONF_PRIV_H
#define CONF_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include <libconfig.h>

#include "mp_conf.h"

struct conf_ctx;
struct conf_key;

/** Parses one setting that is more than a ranged integer; reports its own errors. */
typedef void(conf_handler_fn)(struct conf_ctx *ctx, const struct conf_key *k,
                              const config_setting_t *s, void *obj);

/** Cross-key checks for a section, run after every key of it was read. */
typedef void(conf_finish_fn)(struct conf_ctx *ctx, const config_setting_t *grp, void *obj);

enum conf_kind {
	CONF_INT,    /**< integer in [min, max], stored at off (size 2 or 4) */
	CONF_GROUP,  /**< group { }, keys of `sub` stored into the same object */
	CONF_LIST,   /**< list ( { }, ... ) of `sub` groups, stored in an array at off */
	CONF_CUSTOM, /**< anything else: `fn` parses it */
};

/* Room for setting names in messages: "route_tables[0].virtual_hosts[3].routes[9].match.regex". */
#define CONF_WHAT_LEN 192

#define CONF_F_REQUIRED (1u << 0)
#define CONF_F_POW2     (1u << 1) /**< CONF_INT: must be a power of two */
#define CONF_F_PRIME    (1u << 2) /**< CONF_INT: must be a prime number */
#define CONF_F_ZERO_OFF (1u << 3) /**< CONF_INT: 0 (off) is valid besides [min, max] */

/* What a name (of a port, cluster, listener) may be made of; MP_NAME_LEN bounds its length. */
#define CONF_NAME_CHARS      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
/* Room for a list of names in a message: "use one of \"a\", \"b\", ...". */
#define CONF_LOOKUP_TEXT_LEN 512

struct conf_schema;

struct conf_key {
	const char *name;
	enum conf_kind kind;
	unsigned int flags;
	long long min; /**< CONF_INT: smallest value */
	long long max; /**< CONF_INT: largest value; CONF_LIST: most elements */
	long long def; /**< CONF_INT: default, applied by conf_schema_defaults() */
	size_t off;    /**< CONF_INT: field; CONF_LIST: first element of the array */
	size_t size;   /**< CONF_INT: field size; CONF_LIST, CONF_CUSTOM list: element size */
	size_t n_off;  /**< CONF_LIST: unsigned int element count */
	const struct conf_schema *sub; /**< CONF_GROUP, CONF_LIST, CONF_CUSTOM list */
	conf_handler_fn *fn;           /**< CONF_CUSTOM */
	/** What to write when the key is missing (required keys) or a list is empty. */
	const char *hint;
};

/* Table rows. `st` is the struct the section is stored in, `f` the field. */
#define CONF_INT_KEY(n, st, f, lo, hi, d, fl)                                           \
	{                                                                               \
		.name = (n), .kind = CONF_INT, .flags = (fl), .min = (lo), .max = (hi), \
		.def = (d), .off = offsetof(st, f), .size = sizeof(((st *)0)->f),       \
	}
#define CONF_REQ_INT_KEY(n, st, f, lo, hi, h)                                                      \
	{                                                                                          \
		.name = (n), .kind = CONF_INT, .flags = CONF_F_REQUIRED, .min = (lo), .max = (hi), \
		.off = offsetof(st, f), .size = sizeof(((st *)0)->f), .hint = (h),                 \
	}
#define CONF_GROUP_KEY(n, s, fl, h)                                                      \
	{                                                                                \
		.name = (n), .kind = CONF_GROUP, .flags = (fl), .sub = (s), .hint = (h), \
	}
#define CONF_LIST_KEY(n, st, arr, cnt, s, fl, h)                             \
	{                                                                    \
		.name = (n), .kind = CONF_LIST, .flags = (fl),               \
		.max = sizeof(((st *)0)->arr) / sizeof(((st *)0)->arr[0]),   \
		.off = offsetof(st, arr), .size = sizeof(((st *)0)->arr[0]), \
		.n_off = offsetof(st, cnt), .sub = (s), .hint = (h),         \
	}
#define CONF_CUSTOM_KEY(n, handler, fl, h)                                                     \
	{                                                                                      \
		.name = (n), .kind = CONF_CUSTOM, .flags = (fl), .fn = (handler), .hint = (h), \
	}

/*
 * A list of `s` groups whose elements live outside the section's object (a cluster's endpoints
 * are in conf->endpoints): `handler` picks the place and calls conf_walk_list().
 */
#define CONF_CUSTOM_LIST_KEY(n, handler, s, elem, fl, h)                                      \
	{                                                                                     \
		.name = (n), .kind = CONF_CUSTOM, .flags = (fl), .fn = (handler), .sub = (s), \
		.size = sizeof(elem), .hint = (h),                                            \
	}

struct conf_schema {
	const struct conf_key *keys;
	unsigned int n_keys; /**< at most 64: `seen` is a bit mask */
	conf_finish_fn *finish;
	/** CONF_LIST elements: shown when an element is not a group, e.g. "{ dst = ...; }". */
	const char *elem_example;
};

/** Where the walker is, for messages. */
struct conf_where {
	char key_prefix[128]; /**< "" at the top, "workers.", "ports[0]." */
	char label[128];      /**< "the file", "workers", "ports[0]" */
	char named[192];      /**< label plus the element's name: "ports[0] (\"cli\")" */
	char in[208];         /**< "at the top level", "in workers", "in ports[0] (\"cli\")" */
};

struct conf_msg {
	const char *file; /**< NULL for the main file */
	unsigned int line;
	unsigned int seq; /**< keeps messages on one line in the order they were found */
	char *text;
};

struct conf_ctx {
	const char *path;
	const char *dir;  /**< path's directory with its '/', "" when none: where @include looks */
	const char *text; /**< the main file's contents, to quote integer literals */
	struct mp_conf *conf;
	FILE *err;
	struct conf_msg *msgs;
	unsigned int n_msgs;
	unsigned int cap_msgs;
	unsigned int n_errors;
	const struct conf_where *where; /**< section being walked */
	/** The cluster whose endpoints are being read, so an endpoint can see its siblings. */
	const struct mp_conf_cluster *cluster;
	/** The route table whose virtual hosts are being read (conf_http.c). */
	const struct mp_conf_route_table *table;
};

/* conf_schema.c */

/** Record an error at setting `s` (its file and line; the top of the file when NULL). */
void
conf_err(struct conf_ctx *ctx, const config_setting_t *s, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/**
 * snprintf for names and labels in messages. Truncation is accepted (a cut name still reads),
 * which is what this says to the compiler's -Wformat-truncation.
 */
void
conf_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** "workers.burst": `name` in the section being walked. */
const char *
conf_key_name(const struct conf_ctx *ctx, const char *name, char *buf, size_t len);

/**
 * libconfig names an @include'd file as written, relative to the including file's directory:
 * the prefix that makes such a name usable from the current directory ("" if not needed).
 */
const char *
conf_file_dir(const char *dir, const char *file);

/** Print the collected errors sorted by file and line, free them, return how many. */
int
conf_err_flush(struct conf_ctx *ctx);

/** Apply the CONF_INT defaults of a schema and its sub-groups to obj. */
void
conf_schema_defaults(const struct conf_schema *schema, void *obj);

/**
 * Read the list `s` of k->sub groups into the array `base` of k->size elements: at most `max`
 * of them, counted in *count. Reports a list that is not one, an empty list when k is
 * required ("is empty: <k->hint>"), and more than max elements ("has N entries: <limit>").
 * CONF_LIST keys go through it; so do handlers of lists stored elsewhere.
 */
void
conf_walk_list(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
               void *base, unsigned int *count, unsigned int max, const char *limit);

/** Read group `grp` against `schema` into `obj`; returns the bit mask of keys present. */
uint64_t
conf_walk_group(struct conf_ctx *ctx, const config_setting_t *grp, const struct conf_schema *schema,
                void *obj, const struct conf_where *where);

/** "an integer", "a string", ... for a libconfig type, to finish "must be X, not Y". */
const char *
conf_type_name(int type);

/** The member `name` of group `grp` when present, else `grp`: the line to blame. */
const config_setting_t *
conf_member_or(const config_setting_t *grp, const char *name);

/**
 * Index into `names` of the closest candidate within edit distance 2, or -1. NULL and empty
 * entries (elements whose own name was rejected) are skipped.
 */
int
conf_suggest(const char *word, const char *const *names, unsigned int n);

/**
 * Find `v`, the value of `s` (named `what` in messages), in `names`. Returns its index, or -1
 * after reporting `what "v" is <noun>; did you mean "x"?`, or `...: use one of "a", "b"`, or,
 * when there is no name to offer, `...: <none>`.
 */
int
conf_lookup(struct conf_ctx *ctx, const config_setting_t *s, const char *what, const char *v,
            const char *const *names, unsigned int n, const char *noun, const char *none);

/**
 * Key k's string value looked up in names (as conf_lookup(), `what` being the key's path):
 * its index, or -1 after the error is reported. none_hint is said when names is empty.
 */
int
conf_choice(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
            const char *const *names, size_t n, const char *kind, const char *none_hint);

/**
 * The value of `s` as the name of a port, cluster or listener: 1..MP_NAME_LEN-1 characters of
 * CONF_NAME_CHARS. Returns it, or NULL after reporting what is wrong; uniqueness is the caller's.
 */
const char *
conf_get_name(struct conf_ctx *ctx, const config_setting_t *s, const char *what);

/** v is a prime number (Maglev table sizes). */
bool
conf_is_prime(uint64_t v);

/** The string value of `s`, or NULL after reporting "'<what>' must be a string, not ...". */
const char *
conf_get_string(struct conf_ctx *ctx, const config_setting_t *s, const char *what);

/**
 * Check that `s` is an array or list whose elements can be read one by one (libconfig arrays
 * are `[ ]`, lists `( )`); reports "must be <expected>" otherwise. Returns the length or -1.
 */
int
conf_get_seq(struct conf_ctx *ctx, const config_setting_t *s, const char *what,
             const char *expected);

/**
 * Read an integer in [min, max] from `s`, reporting wrong types and out-of-range values
 * against the name `what` ("workers.burst"). Returns 0 and sets *v, or -1.
 */
int
conf_get_int(struct conf_ctx *ctx, const config_setting_t *s, const char *what, long long min,
             long long max, unsigned int flags, long long *v);

/* conf_net.c */

extern const struct conf_schema conf_port_schema;
extern const struct conf_schema conf_route_schema;

/* Room for "10.0.0.0/24 on \"cli\", ..." lists of prefixes in one message. */
#define CONF_LIST_TEXT_LEN 512
/* "ffff:...:ffff/128" */
#define CONF_ADDR_BUF      (INET6_ADDRSTRLEN + 4)

/**
 * The port address whose connected prefix holds `host`, or NULL; *on is set to its port. Only
 * port `only` is searched when it is >= 0. A route's gateway, a VIP and an SNAT address must
 * be on-link this way: the port found answers ARP/NDP for them and sends towards them.
 */
const struct mp_conf_addr *
conf_onlink_subnet(const struct mp_conf *conf, const struct mp_conf_addr *host, int only,
                   const struct mp_conf_port **on);

/**
 * Write "10.0.0.0/24 on \"a\", 10.1.0.0/24 on \"b\"": the connected prefixes of `family` on
 * port `only` (every port when < 0). Returns how many.
 */
unsigned int
conf_prefix_list(const struct mp_conf *conf, int family, int only, char *out, size_t len);

/* conf_l4.c */

extern const struct conf_schema conf_flows_schema;
extern const struct conf_schema conf_admin_schema;
extern const struct conf_schema conf_alog_schema;
extern const struct conf_schema conf_cluster_schema;
extern const struct conf_schema conf_listener_schema;

/**
 * Key k's value at s as the name (of a `kind`) of element `index` of a list, checked against
 * the elements before it (from `first`, `stride` bytes apart, name first, line at line_off);
 * copied to dst (MP_NAME_LEN) when valid and unique, else reported.
 */
void
conf_unique_name(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 const char *kind, char *dst, const void *first, size_t stride, size_t line_off,
                 unsigned int index);

/** Key k's value as the name of a cluster: its index, or -1 after the error is reported. */
int
conf_cluster_choice(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s);

/* conf_http.c */

extern const struct conf_schema conf_route_table_schema;

/** `route_tables` at the top level: the CONF_CUSTOM_LIST_KEY handler that fills conf->http. */
conf_handler_fn conf_http_tables;

/** A listener's `routes`: the name of a route table, resolved to its index. */
conf_handler_fn conf_listener_routes;

/**
 * A listener's cluster and route table against its protocol: "http" takes `routes` and no
 * `cluster`, "tcp" and "udp" the reverse. Run by the listener's finish hook.
 */
void
conf_http_listener_check(struct conf_ctx *ctx, const config_setting_t *grp,
                         struct mp_conf_listener *l);

/* conf_tcp.c */

extern const struct conf_schema conf_tcp_schema;

/* conf_proxy.c */

extern const struct conf_schema conf_proxy_schema;

/* conf_addr.c */

enum conf_addr_err {
	CONF_ADDR_OK = 0,
	CONF_ADDR_BAD,        /**< not an IPv4 or IPv6 address */
	CONF_ADDR_NO_PREFIX,  /**< "/len" required but missing */
	CONF_ADDR_BAD_PREFIX, /**< "/len" not a number or too long for the family */
	CONF_ADDR_HAS_PREFIX, /**< "/len" given where a plain address is expected */
};

/** Parse "ADDR/LEN" (with_prefix) or "ADDR" into a. */
enum conf_addr_err
conf_addr_parse(const char *s, int with_prefix, struct mp_conf_addr *a);

/** Most bits in a prefix of the address's family: 32 or 128. */
unsigned int
conf_addr_bits(const struct mp_conf_addr *a);

/** a with the bits after its prefix cleared. */
struct mp_conf_addr
conf_addr_network(const struct mp_conf_addr *a);

/** Same family and same address bits (prefix lengths ignored). */
bool
conf_addr_same(const struct mp_conf_addr *a, const struct mp_conf_addr *b);

/** `host` lies inside the prefix net/net->prefix. */
bool
conf_addr_in_prefix(const struct mp_conf_addr *net, const struct mp_conf_addr *host);

/** Why an address cannot be a host address (unspecified, multicast...), or NULL when it can. */
const char *
conf_addr_special(const struct mp_conf_addr *a);

#endif /* CONF_PRIV_H */
