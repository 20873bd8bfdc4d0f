/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outlier ejection, per worker per cluster: consecutive 5xx and consecutive connect failures
 * per endpoint, ejection for base x k (k = ejections, decayed) up to a cap, within a share of
 * the cluster. The rules are in mp_lb_l7.h (struct mp_lb_outlier_params).
 *
 * Nothing runs on a timer: an ejection ends when `now` passes its `until`, and k decays by the
 * time elapsed since the ejection ended, worked out when it is next needed. Only the
 * active-ejections gauge needs a sweep (mp_lb_outlier_tick(), or the share check, which runs
 * one before it refuses an ejection, so expired ejections never block new ones).
 */
#include <errno.h>
#include <stdalign.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "lb_l7_priv.h"

void
mp_lb_outlier_params_default(struct mp_lb_outlier_params *p)
{
	*p = (struct mp_lb_outlier_params){
	        .consecutive_5xx = MP_LB_OUTLIER_DEF_CONSECUTIVE_5XX,
	        .consecutive_connect = MP_LB_OUTLIER_DEF_CONSECUTIVE_CONNECT,
	        .base_ejection = MP_LB_OUTLIER_DEF_BASE_EJECTION,
	        .max_ejection = MP_LB_OUTLIER_DEF_MAX_EJECTION,
	        .decay_interval = MP_LB_OUTLIER_DEF_DECAY_INTERVAL,
	        .max_ejection_percent = MP_LB_OUTLIER_DEF_MAX_EJECTION_PCT,
	};
}

struct mp_lb_outlier *
mp_lb_outlier_create(uint16_t n_endpoints, const struct mp_lb_outlier_params *p, int socket)
{
	struct mp_lb_outlier *o;
	size_t off = RTE_ALIGN_CEIL(sizeof(*o), alignof(struct lb_outlier_ep));

	if (n_endpoints == 0 || p == NULL || p->max_ejection_percent > 100) {
		rte_errno = EINVAL;
		return NULL;
	}
	o = rte_zmalloc_socket("mp_lb_outlier", off + n_endpoints * sizeof(struct lb_outlier_ep),
	                       RTE_CACHE_LINE_SIZE, socket);
	if (o == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	o->p = *p;
	/* Envoy: max_ejection_time below base_ejection_time means base. */
	if (o->p.max_ejection < o->p.base_ejection)
		o->p.max_ejection = o->p.base_ejection;
	o->n_endpoints = n_endpoints;
	o->ep = RTE_PTR_ADD(o, off);
	return o;
}

void
mp_lb_outlier_free(struct mp_lb_outlier *o)
{
	rte_free(o);
}

/* k at now: one step down per whole decay_interval since decay_from, while not ejected. */
static void
outlier_decay(const struct mp_lb_outlier *o, struct lb_outlier_ep *e, uint64_t now)
{
	uint64_t steps;

	if (e->mult == 0 || now < e->until || o->p.decay_interval == 0 || now < e->decay_from)
		return;
	steps = (now - e->decay_from) / o->p.decay_interval;
	if (steps == 0)
		return;
	e->decay_from += steps * o->p.decay_interval;
	e->mult = steps >= e->mult ? 0 : e->mult - (uint32_t)steps;
}

unsigned int
mp_lb_outlier_tick(struct mp_lb_outlier *o, uint64_t now)
{
	unsigned int back = 0;

	for (unsigned int i = 0; i < o->n_endpoints; i++) {
		struct lb_outlier_ep *e = &o->ep[i];

		if (e->counted && now >= e->until) {
			e->counted = 0;
			back++;
		}
	}
	o->stats.ejections_active -= back;
	return back;
}

/*
 * Whether one more ejection stays within the share bound (mp_lb_outlier_params). Below 100%
 * the bound itself keeps one endpoint in: after x 100 <= pct x n < 100 n means after < n.
 */
static bool
outlier_share_allows(const struct mp_lb_outlier *o)
{
	uint64_t after = (uint64_t)o->stats.ejections_active + 1;

	return after * 100 <= (uint64_t)o->p.max_ejection_percent * o->n_endpoints;
}

static bool
outlier_eject(struct mp_lb_outlier *o, struct lb_outlier_ep *e, uint64_t now)
{
	uint64_t t;

	/* Its own last ejection, ended but not ticked yet, must not count against it (nor be
	 * counted twice in the gauge below). */
	if (e->counted) {
		e->counted = 0;
		o->stats.ejections_active--;
	}
	if (!outlier_share_allows(o)) {
		/* The gauge may hold ejections that ended since the last tick. */
		if (mp_lb_outlier_tick(o, now) == 0 || !outlier_share_allows(o)) {
			o->stats.ejections_overflow++;
			return false;
		}
	}
	outlier_decay(o, e, now);
	e->mult++;
	/* base x k, capped; the cap also keeps the product from overflowing. */
	t = o->p.base_ejection;
	if (e->mult > 1 && t != 0)
		t = o->p.max_ejection / e->mult < t ? o->p.max_ejection : t * e->mult;
	t = RTE_MIN(t, o->p.max_ejection);
	e->until = now + t;
	e->decay_from = e->until;
	e->n_5xx = 0;
	e->n_connect = 0;
	e->ejections++;
	e->counted = 1;
	o->stats.ejections_active++;
	o->stats.ejections_total++;
	return true;
}

bool
mp_lb_outlier_report(struct mp_lb_outlier *o, uint16_t ep, enum mp_lb_outcome outcome, uint64_t now)
{
	struct lb_outlier_ep *e;
	uint32_t *count, threshold;
	uint64_t *stat;

	RTE_ASSERT(ep < o->n_endpoints);
	e = &o->ep[ep];
	if (outcome == MP_LB_OUTCOME_SUCCESS) {
		e->n_5xx = 0;
		e->n_connect = 0;
		return false;
	}
	/* Failures of requests that were in flight when ep was ejected: not counted, so that ep
	 * comes back with a clean slate and needs N new failures to go out again. */
	if (now < e->until)
		return false;
	if (outcome == MP_LB_OUTCOME_5XX) {
		e->n_connect = 0; /* the connection worked */
		count = &e->n_5xx;
		threshold = o->p.consecutive_5xx;
		stat = &o->stats.ejections_consecutive_5xx;
	} else {
		count = &e->n_connect;
		threshold = o->p.consecutive_connect;
		stat = &o->stats.ejections_consecutive_connect;
	}
	(*count)++;
	if (threshold == 0 || *count < threshold || !outlier_eject(o, e, now))
		return false;
	(*stat)++;
	return true;
}

bool
mp_lb_outlier_ejected(const struct mp_lb_outlier *o, uint16_t ep, uint64_t now)
{
	RTE_ASSERT(o == NULL || ep < o->n_endpoints);
	return lb_ejected(o, ep, now);
}

const struct mp_lb_outlier_stats *
mp_lb_outlier_stats(const struct mp_lb_outlier *o)
{
	return &o->stats;
}

void
mp_lb_outlier_ep(const struct mp_lb_outlier *o, uint16_t ep, uint64_t now,
                 struct mp_lb_outlier_ep_info *info)
{
	struct lb_outlier_ep e;

	RTE_ASSERT(ep < o->n_endpoints);
	e = o->ep[ep];
	outlier_decay(o, &e, now); /* on a copy: reading does not write */
	*info = (struct mp_lb_outlier_ep_info){
	        .ejections = e.ejections,
	        .ejected_until = e.until,
	        .multiplier = e.mult,
	        .consecutive_5xx = e.n_5xx,
	        .consecutive_connect = e.n_connect,
	        .ejected = now < e.until,
	};
}
