/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Circuit breakers: per worker per cluster gauges against this worker's share of each limit
 * (the division is explained at struct mp_lb_breaker_params). One writer, no atomics.
 */
#include <errno.h>

#include "lb_l7_priv.h"

static const char *const breaker_names[] = {
#define BREAKER_NAME(name, str) [MP_LB_BRK_##name] = str,
        MP_LB_BREAKERS(BREAKER_NAME)
#undef BREAKER_NAME
};

void
mp_lb_breaker_params_default(struct mp_lb_breaker_params *p)
{
	for (unsigned int k = 0; k < MP_LB_BRK_MAX; k++)
		p->max[k] = MP_LB_BREAKER_DEF_MAX;
	p->max[MP_LB_BRK_RETRIES] = MP_LB_BREAKER_DEF_MAX_RETRIES;
}

const char *
mp_lb_breaker_name(enum mp_lb_breaker_kind k)
{
	return (unsigned int)k < MP_LB_BRK_MAX ? breaker_names[k] : "none";
}

int
mp_lb_breaker_init(struct mp_lb_breaker *b, const struct mp_lb_breaker_params *p,
                   unsigned int n_workers)
{
	if (b == NULL || p == NULL || n_workers == 0)
		return -EINVAL;
	*b = (struct mp_lb_breaker){0};
	for (unsigned int k = 0; k < MP_LB_BRK_MAX; k++) {
		uint32_t max = p->max[k];

		/* ceil(max / workers), at least 1; 0 configured is no limit. */
		b->max[k] = max == 0 ? UINT32_MAX
		                     : (uint32_t)(((uint64_t)max + n_workers - 1) / n_workers);
	}
	return 0;
}

enum mp_lb_breaker_kind
mp_lb_breaker_acquire(struct mp_lb_breaker *b, uint32_t mask)
{
	for (unsigned int k = 0; k < MP_LB_BRK_MAX; k++) {
		if ((mask & MP_LB_BRK_BIT(k)) != 0 && b->active[k] >= b->max[k]) {
			b->overflow[k]++;
			return (enum mp_lb_breaker_kind)k;
		}
	}
	for (unsigned int k = 0; k < MP_LB_BRK_MAX; k++)
		b->active[k] += (mask >> k) & 1;
	return MP_LB_BRK_NONE;
}

void
mp_lb_breaker_release(struct mp_lb_breaker *b, uint32_t mask)
{
	for (unsigned int k = 0; k < MP_LB_BRK_MAX; k++) {
		if ((mask & MP_LB_BRK_BIT(k)) != 0 && b->active[k] > 0)
			b->active[k]--;
	}
}
