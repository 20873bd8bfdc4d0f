/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/conf internals of HTTP resilience (issue 6): the rows that conf_http_route.c and
 * conf_l4.c splice into their tables, and the checks their finish hooks call. The parsing
 * lives in conf_resilience.c (a route's timeouts, retry and hash; a cluster's ring, outlier
 * detection, circuit breakers and retry budget) and conf_health.c (HTTP health checks).
 */
#ifndef CONF_L7_PRIV_H
#define CONF_L7_PRIV_H

#include "conf_priv.h"

/* conf_resilience.c */

extern const struct conf_schema conf_route_timeouts_schema;
extern const struct conf_schema conf_route_retry_schema;
extern const struct conf_schema conf_route_hash_schema;
extern const struct conf_schema conf_ring_hash_schema;
extern const struct conf_schema conf_outlier_schema;
extern const struct conf_schema conf_breakers_schema;
extern const struct conf_schema conf_retry_budget_schema;

/* The rows of a route's table (struct mp_conf_http_route). */
#define CONF_ROUTE_L7_KEYS                                                  \
	CONF_GROUP_KEY("timeouts", &conf_route_timeouts_schema, 0, NULL),   \
	        CONF_GROUP_KEY("retry", &conf_route_retry_schema, 0, NULL), \
	        CONF_GROUP_KEY("hash", &conf_route_hash_schema, 0, NULL)

/* The rows of a cluster's table (struct mp_conf_cluster). */
#define CONF_CLUSTER_L7_KEYS                                                        \
	CONF_GROUP_KEY("ring_hash", &conf_ring_hash_schema, 0, NULL),               \
	        CONF_GROUP_KEY("outlier_detection", &conf_outlier_schema, 0, NULL), \
	        CONF_GROUP_KEY("circuit_breakers", &conf_breakers_schema, 0, NULL), \
	        CONF_GROUP_KEY("retry_budget", &conf_retry_budget_schema, 0, NULL)

/*
 * A route's resilience against the rest of it, from the route's finish hook (its action is
 * known): the defaults of keys that are not plain integers, and `timeouts`, `retry` and `hash`
 * only on routes that forward, `hash` only when one of its clusters hashes.
 */
void
conf_route_l7_finish(struct conf_ctx *ctx, const config_setting_t *grp,
                     struct mp_conf_http_route *r);

/* A cluster's `ring_hash` against its policy, from the cluster's finish hook. */
void
conf_cluster_l7_finish(struct conf_ctx *ctx, const config_setting_t *grp,
                       struct mp_conf_cluster *cl);

/* An L4 listener (tcp, udp) cannot use a cluster whose policy serves HTTP only. */
void
conf_listener_l7_check(struct conf_ctx *ctx, const config_setting_t *grp,
                       const struct mp_conf_listener *l);

/* conf_health.c */

conf_handler_fn conf_health_type;
conf_handler_fn conf_health_path;
conf_handler_fn conf_health_host;
conf_handler_fn conf_health_statuses;

/* The rows added to a cluster's `health` table. */
#define CONF_HEALTH_HTTP_KEYS                                       \
	CONF_CUSTOM_KEY("type", conf_health_type, 0, NULL),         \
	        CONF_CUSTOM_KEY("path", conf_health_path, 0, NULL), \
	        CONF_CUSTOM_KEY("host", conf_health_host, 0, NULL), \
	        CONF_CUSTOM_KEY("expected_statuses", conf_health_statuses, 0, NULL)

/* HTTP keys against `type`, and their defaults; from the health group's finish hook. */
void
conf_health_http_finish(struct conf_ctx *ctx, const config_setting_t *grp,
                        struct mp_conf_cluster *cl);

#endif /* CONF_L7_PRIV_H */
