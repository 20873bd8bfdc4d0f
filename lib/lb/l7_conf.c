/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The config's HTTP resilience keys (lib/conf, in ms) as lib/lb's parameter structs (in ns).
 * The config quotes lib/lb's defaults in its own units; the assertions below keep the two
 * lists equal.
 */
#include "lb_l7_priv.h"

_Static_assert(MP_CONF_DEF_OUTLIER_5XX == MP_LB_OUTLIER_DEF_CONSECUTIVE_5XX &&
                       MP_CONF_DEF_OUTLIER_CONNECT == MP_LB_OUTLIER_DEF_CONSECUTIVE_CONNECT &&
                       MP_CONF_DEF_OUTLIER_BASE_MS * MP_LB_NS_PER_MS ==
                               MP_LB_OUTLIER_DEF_BASE_EJECTION &&
                       MP_CONF_DEF_OUTLIER_MAX_MS * MP_LB_NS_PER_MS ==
                               MP_LB_OUTLIER_DEF_MAX_EJECTION &&
                       MP_CONF_DEF_OUTLIER_DECAY_MS * MP_LB_NS_PER_MS ==
                               MP_LB_OUTLIER_DEF_DECAY_INTERVAL &&
                       MP_CONF_DEF_OUTLIER_MAX_PERCENT == MP_LB_OUTLIER_DEF_MAX_EJECTION_PCT,
               "outlier_detection defaults are lib/lb's");
_Static_assert(MP_CONF_DEF_BREAKER_MAX == MP_LB_BREAKER_DEF_MAX &&
                       MP_CONF_DEF_BREAKER_MAX_RETRIES == MP_LB_BREAKER_DEF_MAX_RETRIES,
               "circuit_breakers defaults are lib/lb's");
_Static_assert(MP_CONF_DEF_NUM_RETRIES == MP_LB_RETRY_DEF_NUM &&
                       MP_CONF_DEF_BACKOFF_BASE_MS * MP_LB_NS_PER_MS ==
                               MP_LB_RETRY_DEF_BACKOFF_BASE &&
                       MP_CONF_DEF_BACKOFF_MAX_MS * MP_LB_NS_PER_MS ==
                               MP_LB_RETRY_DEF_BACKOFF_MAX &&
                       MP_CONF_DEF_RETRY_BUDGET_PERCENT == MP_LB_RETRY_DEF_BUDGET_PERCENT &&
                       MP_CONF_DEF_RETRY_BUDGET_MIN == MP_LB_RETRY_DEF_BUDGET_MIN,
               "retry and retry_budget defaults are lib/lb's");
_Static_assert(MP_CONF_RETRY_ON_CONNECT_FAILURE == MP_LB_RETRY_ON_CONNECT_FAILURE &&
                       MP_CONF_RETRY_ON_RESET == MP_LB_RETRY_ON_RESET &&
                       MP_CONF_RETRY_ON_502 == MP_LB_RETRY_ON_502 &&
                       MP_CONF_RETRY_ON_503 == MP_LB_RETRY_ON_503 &&
                       MP_CONF_RETRY_ON_504 == MP_LB_RETRY_ON_504 &&
                       MP_CONF_RETRY_ON_ALL == MP_LB_RETRY_ON_ALL,
               "retry.on bits are lib/lb's");
_Static_assert(MP_CONF_DEF_HASH_RING_SIZE == MP_LB_RING_DEF_SIZE,
               "ring_hash.size default is lib/lb's");

void
mp_lb_outlier_params_from_conf(struct mp_lb_outlier_params *p, const struct mp_conf_cluster *cc)
{
	const struct mp_conf_outlier *o = &cc->outlier;

	p->consecutive_5xx = o->consecutive_5xx;
	p->consecutive_connect = o->consecutive_connect;
	p->base_ejection = o->base_ejection_ms * MP_LB_NS_PER_MS;
	p->max_ejection = o->max_ejection_ms * MP_LB_NS_PER_MS;
	p->decay_interval = o->decay_interval_ms * MP_LB_NS_PER_MS;
	p->max_ejection_percent = o->max_ejection_percent;
}

void
mp_lb_breaker_params_from_conf(struct mp_lb_breaker_params *p, const struct mp_conf_cluster *cc)
{
	p->max[MP_LB_BRK_CONNECTIONS] = cc->breakers.max_connections;
	p->max[MP_LB_BRK_PENDING] = cc->breakers.max_pending_requests;
	p->max[MP_LB_BRK_REQUESTS] = cc->breakers.max_requests;
	p->max[MP_LB_BRK_RETRIES] = cc->breakers.max_retries;
}

void
mp_lb_retry_params_from_conf(struct mp_lb_retry_params *p, const struct mp_conf_retry *r,
                             const struct mp_conf_cluster *cc)
{
	p->retry_on = r->on;
	p->num_retries = r->num_retries;
	p->idempotent_only = r->idempotent_only;
	p->backoff_base = r->backoff_base_ms * MP_LB_NS_PER_MS;
	p->backoff_max = r->backoff_max_ms * MP_LB_NS_PER_MS;
	p->budget_percent = cc != NULL ? cc->retry_budget_percent : MP_LB_RETRY_DEF_BUDGET_PERCENT;
	p->min_retry_concurrency = cc != NULL ? cc->retry_budget_min : MP_LB_RETRY_DEF_BUDGET_MIN;
}
