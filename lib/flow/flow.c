/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker flow table: creation, flow create and destroy, and expiry.
 *
 * Entries live in one preallocated array; a stack of free indexes hands them out, most recently
 * freed first so a busy table keeps reusing warm cache lines. The index (flow_hash.c) holds
 * both keys of every flow as references to the entry, which holds the keys themselves. It has
 * room for all 2 x max_flows keys at half load, so once a free entry exists the adds cannot
 * fail for lack of room.
 *
 * Expiry is lazy. Every flow's timer is armed from create to free. Packets only move last_tsc
 * forward; when the timer fires, flow_timer_fn() looks at last_tsc and the state's timeout and
 * either re-arms for the rest or expires the flow. A busy flow therefore costs one timer
 * operation per timeout period, not one per packet, and still expires exactly one timeout after
 * its last packet (to the wheel's tick).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h> /* MS_PER_S */
#include <rte_errno.h>
#include <rte_malloc.h>

#include "flow_priv.h"

static_assert(sizeof(struct mp_flow_key) == 5 * sizeof(uint64_t), "mp_flow_key is 40 bytes");
static_assert(sizeof(struct mp_flow) == 4 * RTE_CACHE_LINE_SIZE, "mp_flow is 256 bytes");
static_assert(offsetof(struct mp_flow, addr6) == RTE_CACHE_LINE_SIZE,
              "an IPv4 flow's packets touch line 0 only");
static_assert(offsetof(struct mp_flow, pkts_hi) == 3 * RTE_CACHE_LINE_SIZE,
              "high halves on line 3");
static_assert(offsetof(struct mp_flow, timer) == 2 * RTE_CACHE_LINE_SIZE, "timer on line 2");
static_assert(sizeof(struct flow_hash_bucket) == RTE_CACHE_LINE_SIZE, "a bucket is one line");

#define FLOW_KEYS_PER_FLOW 2u
/* References keep the flow index in 31 bits. */
#define FLOW_MAX_FLOWS     (UINT32_MAX >> 1)

static const char *const flow_stat_names[] = {
#define MP_FLOW_STAT_NAME(sym, name) name,
        MP_FLOW_STAT_LIST(MP_FLOW_STAT_NAME)
#undef MP_FLOW_STAT_NAME
};

const char *
mp_flow_stat_name(enum mp_flow_stat s)
{
	if ((unsigned int)s >= RTE_DIM(flow_stat_names))
		return "?";
	return flow_stat_names[s];
}

/* ms at hz cycles per second, without overflowing for any 32-bit ms and any plausible hz. */
static uint64_t
ms_to_tsc(uint32_t ms, uint64_t hz)
{
	return hz / MS_PER_S * ms + hz % MS_PER_S * ms / MS_PER_S;
}

void
mp_flow_params_from_conf(struct mp_flow_params *p, const struct mp_conf *conf, uint64_t tsc_hz)
{
	memset(p, 0, sizeof(*p));
	p->max_flows = conf->max_flows;
	p->syn_tsc = ms_to_tsc(conf->tcp_syn_ms, tsc_hz);
	p->established_tsc = ms_to_tsc(conf->tcp_established_ms, tsc_hz);
	p->fin_tsc = ms_to_tsc(conf->tcp_fin_ms, tsc_hz);
	p->close_tsc = ms_to_tsc(conf->tcp_close_ms, tsc_hz);
	p->udp_tsc = ms_to_tsc(conf->udp_ms, tsc_hz);
	p->connect_fail_tsc = ms_to_tsc(conf->connect_fail_ms, tsc_hz);
	p->mss_clamp = conf->tcp_mss_clamp;
}

static void
flow_timeouts(struct mp_flow_table *t, const struct mp_flow_params *p)
{
	t->timeout[MP_FLOW_S_NONE] = p->syn_tsc;
	t->timeout[MP_FLOW_S_SYN_SENT] = p->syn_tsc;
	t->timeout[MP_FLOW_S_SYN_RECV] = p->syn_tsc;
	t->timeout[MP_FLOW_S_ESTABLISHED] = p->established_tsc;
	t->timeout[MP_FLOW_S_FIN_WAIT] = p->fin_tsc;
	t->timeout[MP_FLOW_S_CLOSE_WAIT] = p->fin_tsc;
	t->timeout[MP_FLOW_S_LAST_ACK] = p->fin_tsc;
	t->timeout[MP_FLOW_S_TIME_WAIT] = p->close_tsc;
	t->timeout[MP_FLOW_S_CLOSE] = p->close_tsc;
	t->timeout[MP_FLOW_S_UDP] = p->udp_tsc;
	/* A SYN still unanswered when the flow expires was not answered in time either. */
	t->connect_fail_tsc = RTE_MIN(p->connect_fail_tsc, p->syn_tsc);
}

struct mp_flow_table *
mp_flow_table_create(const struct mp_flow_params *params)
{
	struct mp_flow_table *t;
	uint32_t i;
	int err = ENOMEM; /* rte_zmalloc_socket() does not set rte_errno */

	if (params == NULL || params->name == NULL || params->wheel == NULL ||
	    params->max_flows == 0 || params->max_flows > FLOW_MAX_FLOWS / FLOW_KEYS_PER_FLOW) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("mp_flow", sizeof(*t), RTE_CACHE_LINE_SIZE, params->socket_id);
	if (t == NULL) {
		rte_errno = err;
		return NULL;
	}
	t->max_flows = params->max_flows;
	t->wheel = params->wheel;
	t->mss_clamp = params->mss_clamp;
	t->on_expire = params->on_expire;
	t->on_event = params->on_event;
	t->arg = params->arg;
	flow_timeouts(t, params);

	t->flows = rte_zmalloc_socket("mp_flow_entries", (size_t)t->max_flows * sizeof(*t->flows),
	                              RTE_CACHE_LINE_SIZE, params->socket_id);
	if (t->flows == NULL)
		goto err_free_table;
	t->free_stack = rte_malloc_socket("mp_flow_free", (size_t)t->max_flows * sizeof(uint32_t),
	                                  RTE_CACHE_LINE_SIZE, params->socket_id);
	if (t->free_stack == NULL)
		goto err_free_flows;
	/* Entry 0 on top: a fresh table fills the array from its start. */
	for (i = 0; i < t->max_flows; i++)
		t->free_stack[i] = t->max_flows - 1 - i;
	t->n_free = t->max_flows;

	if (flow_hash_init(&t->index, t->max_flows * FLOW_KEYS_PER_FLOW, params->socket_id) < 0)
		goto err_free_stack;
	return t;

err_free_stack:
	rte_free(t->free_stack);
err_free_flows:
	rte_free(t->flows);
err_free_table:
	rte_free(t);
	rte_errno = err;
	return NULL;
}

void
mp_flow_table_free(struct mp_flow_table *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	/* The wheel outlives the table: leave no timer of ours linked into it. */
	for (i = 0; i < t->max_flows; i++) {
		if (t->flows[i].flags & MP_FLOW_F_USED)
			mp_timer_cancel(t->wheel, &t->flows[i].timer);
	}
	flow_hash_fini(&t->index);
	rte_free(t->free_stack);
	rte_free(t->flows);
	rte_free(t);
}

/* Remove both keys and return the entry to the free stack. The timer must be disarmed. */
static void
flow_release(struct mp_flow_table *t, struct mp_flow *f)
{
	struct mp_flow_key k;
	unsigned int dir;

	for (dir = MP_FLOW_DIR_ORIG; dir <= MP_FLOW_DIR_REPLY; dir++) {
		mp_flow_key_of(f, dir, &k);
		flow_hash_del(&t->index, flow_key_hash(&k), flow_ref(t, f, dir));
	}
	f->flags = 0;
	t->free_stack[t->n_free++] = (uint32_t)(f - t->flows);
	t->count--;
}

/*
 * A flow's timer fired. Report a SYN that went unanswered for connect_fail, then either re-arm
 * for what is left of the state's timeout (packets moved last_tsc since the timer was armed) or
 * expire the flow: the caller's callback first, then the entry goes back to the free stack.
 */
static void
flow_timer_fn(struct mp_timer *tm, uint64_t now)
{
	struct mp_flow *f = container_of(tm, struct mp_flow, timer);
	struct mp_flow_table *t = f->table;
	uint64_t due;

	if (f->state == MP_FLOW_S_SYN_SENT && !(f->flags & MP_FLOW_F_HEALTH_DONE) &&
	    t->connect_fail_tsc != 0 && now >= f->last_tsc + t->connect_fail_tsc) {
		f->flags |= MP_FLOW_F_HEALTH_DONE;
		t->stats[MP_FLOW_STAT_CONNECT_TIMEOUT]++;
		if (t->on_event != NULL)
			t->on_event(f, MP_FLOW_EV_CONNECT_TIMEOUT, t->arg);
	}
	due = flow_due(t, f);
	if (due > now) {
		t->stats[MP_FLOW_STAT_REARMED]++;
		flow_arm(t, f, due);
		return;
	}
	t->stats[MP_FLOW_STAT_EXPIRED]++;
	if (t->on_expire != NULL)
		t->on_expire(f, t->arg);
	flow_release(t, f);
}

/* Same family and protocol, one the table handles. */
static bool
flow_keys_valid(const struct mp_flow_key *orig, const struct mp_flow_key *reply)
{
	if (orig->family != reply->family || orig->proto != reply->proto)
		return false;
	if (orig->family != AF_INET && orig->family != AF_INET6)
		return false;
	return orig->proto == IPPROTO_TCP || orig->proto == IPPROTO_UDP;
}

struct mp_flow *
mp_flow_create(struct mp_flow_table *t, const struct mp_flow_key *orig,
               const struct mp_flow_key *reply, uint64_t now)
{
	struct mp_flow_key k[2];
	uint32_t hv[2];
	struct mp_flow *f;
	unsigned int dir;

	if (!flow_keys_valid(orig, reply)) {
		t->stats[MP_FLOW_STAT_INVALID]++;
		rte_errno = EINVAL;
		return NULL;
	}
	if (t->n_free == 0) {
		t->stats[MP_FLOW_STAT_FULL]++;
		rte_errno = ENOSPC;
		return NULL;
	}
	/*
	 * Canonical copies: a caller's key with stray bytes past an IPv4 address or in the pad
	 * would be stored as given but deleted as rebuilt from the entry, and leak its hash slot.
	 */
	mp_flow_key_set(&k[0], orig->family, orig->proto, orig->src, orig->dst, orig->sport,
	                orig->dport);
	mp_flow_key_set(&k[1], reply->family, reply->proto, reply->src, reply->dst, reply->sport,
	                reply->dport);
	hv[0] = flow_key_hash(&k[0]);
	hv[1] = flow_key_hash(&k[1]);
	/* Adding a present key would shadow it: refuse, the caller picks another port. */
	if (memcmp(&k[0], &k[1], sizeof(k[0])) == 0 || flow_hash_find(t, &k[0], hv[0], 0) >= 0 ||
	    flow_hash_find(t, &k[1], hv[1], 0) >= 0) {
		t->stats[MP_FLOW_STAT_COLLISION]++;
		rte_errno = EEXIST;
		return NULL;
	}

	/* The index compares keys against the entry: fill it before indexing it. */
	f = &t->flows[t->free_stack[t->n_free - 1]];
	memset(f, 0, sizeof(*f));
	f->family = k[0].family;
	for (dir = MP_FLOW_DIR_ORIG; dir <= MP_FLOW_DIR_REPLY; dir++) {
		memcpy(flow_addr(f, 2 * dir), k[dir].src, mp_flow_addr_len(f->family));
		memcpy(flow_addr(f, 2 * dir + 1), k[dir].dst, mp_flow_addr_len(f->family));
		f->port[2 * dir] = k[dir].sport;
		f->port[2 * dir + 1] = k[dir].dport;
	}
	f->proto = k[0].proto;
	flow_nat_deltas(f);
	f->state = f->proto == IPPROTO_TCP ? MP_FLOW_S_NONE : MP_FLOW_S_UDP;
	f->flags = MP_FLOW_F_USED;
	f->last_tsc = now;
	f->created_tsc = now;
	f->table = t;
	for (dir = MP_FLOW_DIR_ORIG; dir <= MP_FLOW_DIR_REPLY; dir++) {
		if (flow_hash_add(&t->index, hv[dir], flow_ref(t, f, dir)) < 0) {
			/* Only keys crafted to share a bucket get here (see flow_hash.c). */
			if (dir == MP_FLOW_DIR_REPLY)
				flow_hash_del(&t->index, hv[0], flow_ref(t, f, 0));
			f->flags = 0;
			t->stats[MP_FLOW_STAT_CHAIN_FULL]++;
			rte_errno = ENOSPC;
			return NULL;
		}
	}
	t->n_free--;
	t->count++;
	mp_timer_init(&f->timer, flow_timer_fn);
	/*
	 * A TCP flow's first segment is nearly always the SYN: arm for the connect failure now, so
	 * the move to SYN_SENT finds the timer where it belongs instead of re-arming it.
	 */
	if (f->state == MP_FLOW_S_NONE && t->connect_fail_tsc != 0)
		flow_arm(t, f, now + t->connect_fail_tsc);
	else
		flow_arm(t, f, flow_due(t, f));
	t->stats[MP_FLOW_STAT_CREATED]++;
	return f;
}

void
mp_flow_destroy(struct mp_flow_table *t, struct mp_flow *f)
{
	if (!(f->flags & MP_FLOW_F_USED))
		return;
	mp_timer_cancel(t->wheel, &f->timer);
	flow_release(t, f);
	t->stats[MP_FLOW_STAT_DESTROYED]++;
}

uint32_t
mp_flow_count(const struct mp_flow_table *t)
{
	return t->count;
}

const uint64_t *
mp_flow_stats(const struct mp_flow_table *t)
{
	return t->stats;
}

void
mp_flow_walk(struct mp_flow_table *t, int (*fn)(struct mp_flow *f, void *arg), void *arg)
{
	uint32_t i;

	for (i = 0; i < t->max_flows; i++) {
		if ((t->flows[i].flags & MP_FLOW_F_USED) && fn(&t->flows[i], arg) != 0)
			return;
	}
}
