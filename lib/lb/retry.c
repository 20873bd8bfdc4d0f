/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Retry decisions, back-off and budget: pure functions of the policy, the request's state and
 * the cluster's gauges. The proxy owns the timer that waits out the back-off and the gauges
 * (active requests and retries are the circuit breakers' gauges, struct mp_lb_breaker).
 */
#include "lb_l7_priv.h"

static const char *const retry_verdict_names[] = {
#define RETRY_NAME(name, desc) [MP_LB_RETRY_##name] = desc,
        MP_LB_RETRY_VERDICTS(RETRY_NAME)
#undef RETRY_NAME
};

void
mp_lb_retry_params_default(struct mp_lb_retry_params *p)
{
	*p = (struct mp_lb_retry_params){
	        .retry_on = MP_LB_RETRY_DEF_ON,
	        .num_retries = MP_LB_RETRY_DEF_NUM,
	        .idempotent_only = true,
	        .backoff_base = MP_LB_RETRY_DEF_BACKOFF_BASE,
	        .backoff_max = MP_LB_RETRY_DEF_BACKOFF_MAX,
	        .budget_percent = MP_LB_RETRY_DEF_BUDGET_PERCENT,
	        .min_retry_concurrency = MP_LB_RETRY_DEF_BUDGET_MIN,
	};
}

const char *
mp_lb_retry_verdict_name(enum mp_lb_retry_verdict v)
{
	return (unsigned int)v < RTE_DIM(retry_verdict_names) ? retry_verdict_names[v] : "unknown";
}

bool
mp_lb_retry_budget_allows(const struct mp_lb_retry_params *p, uint32_t active_requests,
                          uint32_t active_retries)
{
	uint64_t share = (uint64_t)p->budget_percent * active_requests / 100;

	return active_retries < RTE_MAX(share, (uint64_t)p->min_retry_concurrency);
}

/* The retry_on bit a failed attempt needs, 0 when the attempt did not fail. */
static uint32_t
retry_cause(const struct mp_lb_retry_req *req)
{
	switch (req->end) {
	case MP_LB_END_CONNECT_FAILURE:
		return MP_LB_RETRY_ON_CONNECT_FAILURE;
	case MP_LB_END_RESET:
		return MP_LB_RETRY_ON_RESET;
	case MP_LB_END_RESPONSE:
		break;
	}
	switch (req->status) {
	case 502:
		return MP_LB_RETRY_ON_502;
	case 503:
		return MP_LB_RETRY_ON_503;
	case 504:
		return MP_LB_RETRY_ON_504;
	}
	return 0;
}

static enum mp_lb_retry_verdict
retry_verdict(const struct mp_lb_retry_params *p, const struct mp_lb_retry_req *req,
              uint32_t active_requests, uint32_t active_retries)
{
	uint32_t cause = retry_cause(req);

	if (cause == 0)
		return MP_LB_RETRY_NO_SUCCESS;
	if ((p->retry_on & cause) == 0)
		return MP_LB_RETRY_NO_NOT_RETRIABLE;
	if (req->downstream_started)
		return MP_LB_RETRY_NO_STARTED;
	if (p->idempotent_only && !req->idempotent)
		return MP_LB_RETRY_NO_NOT_IDEMPOTENT;
	if (req->retries_done >= p->num_retries)
		return MP_LB_RETRY_NO_EXHAUSTED;
	if (!mp_lb_retry_budget_allows(p, active_requests, active_retries))
		return MP_LB_RETRY_NO_BUDGET;
	return MP_LB_RETRY_RETRY;
}

enum mp_lb_retry_verdict
mp_lb_retry_decide(const struct mp_lb_retry_params *p, const struct mp_lb_retry_req *req,
                   uint32_t active_requests, uint32_t active_retries,
                   struct mp_lb_retry_stats *stats)
{
	enum mp_lb_retry_verdict v = retry_verdict(p, req, active_requests, active_retries);

	if (stats != NULL)
		stats->verdicts[v]++;
	return v;
}

uint64_t
mp_lb_retry_backoff(const struct mp_lb_retry_params *p, uint32_t retries_done, uint64_t random)
{
	uint64_t cap = p->backoff_max;

	/* base x 2^n, or the cap once that would pass it (or overflow). */
	if (retries_done < 64 && p->backoff_base <= (cap >> retries_done))
		cap = p->backoff_base << retries_done;
	/* Uniform in [0, cap) without a divide: the high word of random x cap. */
	return (uint64_t)(((__uint128_t)random * cap) >> 64);
}
