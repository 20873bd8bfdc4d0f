/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/route internals: the compiled table that route.c builds and route_dp.c reads. */
#ifndef ROUTE_PRIV_H
#define ROUTE_PRIV_H

#include "mp_arena.h"
#include "mp_route.h"

/* Longest Host (without port) that can reach an exact or wildcard domain: a DNS name. */
#define ROUTE_HOST_MAX  255
/* A slot of the domain hash with no entry. */
#define ROUTE_SLOT_FREE UINT16_MAX

/* One header or query matcher of a route. */
struct route_kv {
	struct mp_route_str name;  /* header names lower case */
	struct mp_route_str value; /* MP_CONF_VALUE_EXACT */
	uint32_t kind;             /* enum mp_conf_value_match */
	struct mp_regex_db *db;    /* MP_CONF_VALUE_REGEX: the pattern alone, whole value */
};

/* A route: how it matches, then what it does. */
struct route_entry {
	uint32_t path_kind; /* enum mp_conf_path_match */
	struct mp_route_str path;
	uint32_t methods; /* bit (1 << enum mp_conf_method); 0 = any */
	uint16_t n_headers, n_query;
	const struct route_kv *headers;
	const struct route_kv *query;
	struct mp_route r;
};

struct route_vhost {
	const char *name;
	unsigned int n_routes;
	struct route_entry *routes;
	struct mp_regex_db *path_db; /* the path regexes, id = index in routes; NULL if none */
	unsigned int n_words;        /* of the route bitmaps: (n_routes + 63) / 64 */
	const uint64_t *plain;       /* the routes that match no path regex: a bit each */
};

/* Exact domains by name, wildcard ones by their suffix with its dot: ".example.com". */
struct route_slot {
	const char *key;
	uint32_t len;
	uint32_t hash;
	uint16_t vhost; /* ROUTE_SLOT_FREE when empty */
};

struct mp_route_l7_table {
	char name[MP_NAME_LEN];
	const struct mp_regex_ops *ops;
	uint32_t mask; /* slots - 1, slots a power of two */
	struct route_slot *slots;
	bool has_wildcards;
	int default_vhost; /* "*", -1 when none */
	unsigned int n_vhosts;
	struct route_vhost *vhosts;
	unsigned int n_routes;
	unsigned int max_vhost_routes; /* sizes the scratch's bitmap */
	struct mp_arena arena;         /* everything above but the regex databases */
};

struct mp_route_scratch {
	const struct mp_regex_ops *ops;
	struct mp_regex_scratch *rx;
	unsigned int n_words; /* of bits */
	uint64_t *bits;       /* the routes of a virtual host whose path regex matched */
	char host[ROUTE_HOST_MAX + 1];
};

/* FNV-1a over a lower-case key: the build and the data path hash alike. */
static inline uint32_t
route_hash(const char *p, uint32_t len)
{
	uint32_t h = 2166136261u;
	uint32_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

#endif /* ROUTE_PRIV_H */
