/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/flow internals shared by flow.c (control), flow_dp.c, flow_tcp.c and nat.c. */
#ifndef FLOW_PRIV_H
#define FLOW_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>

#include "mp_flow.h"

/* The index (flow_hash.c): buckets of 8 slots, one cache line each. */
#define FLOW_HASH_SLOTS     8
/* Buckets a key may live in, from its home on: bounds every lookup. */
#define FLOW_HASH_MAX_PROBE 16

struct flow_hash_bucket {
	uint16_t sig[FLOW_HASH_SLOTS]; /* high 16 bits of the key's hash */
	uint32_t ref[FLOW_HASH_SLOTS]; /* flow index << 1 | direction */
	uint8_t used;                  /* slot bitmap */
	uint8_t pad;
	uint16_t spill; /* keys homed at or before this bucket that live after it */
} __rte_cache_aligned;

struct flow_hash {
	struct flow_hash_bucket *b;
	uint32_t mask; /* buckets - 1 */
};

struct mp_flow_table {
	struct flow_hash index; /* 2 keys per flow */
	struct mp_flow *flows;  /* [max_flows] */
	uint32_t *free_stack;   /* free entry indexes; the top is reused first (warm) */
	uint32_t n_free;
	uint32_t max_flows;
	uint32_t count;
	uint16_t mss_clamp;
	struct mp_timer_wheel *wheel;
	uint64_t timeout[MP_FLOW_S_MAX]; /* by enum mp_flow_state */
	uint64_t connect_fail_tsc;       /* <= timeout[SYN_SENT]; 0: never reported */
	mp_flow_expire_fn on_expire;
	mp_flow_event_fn on_event;
	void *arg;
	uint64_t stats[MP_FLOW_STAT_MAX];
} __rte_cache_aligned;

static inline uint16_t
flow_hash_sig(uint32_t hv)
{
	return (uint16_t)(hv >> 16);
}

/* Whether direction dir of f arrives with key k: the entry holds the addresses (src then dst,
 * contiguous) and ports of each direction in the key's own order. Keys are zero-filled past an
 * IPv4 address, so an IPv4 flow compares 4 bytes of each. */
static inline bool
flow_key_matches(const struct mp_flow *f, unsigned int dir, const struct mp_flow_key *k)
{
	uint32_t fp, kp;

	memcpy(&fp, &f->port[2 * dir], sizeof(fp));
	memcpy(&kp, &k->sport, sizeof(kp));
	if (fp != kp || f->family != k->family || f->proto != k->proto)
		return false;
	if (f->family == AF_INET)
		return memcmp(f->addr4[2 * dir], k->src, sizeof(f->addr4[0])) == 0 &&
		       memcmp(f->addr4[2 * dir + 1], k->dst, sizeof(f->addr4[0])) == 0;
	return memcmp(f->addr6[2 * dir], k->src, 2 * sizeof(f->addr6[0])) == 0;
}

/* mp_flow_addr() for the table's own writes: the family's slot of address end. */
static inline uint8_t *
flow_addr(struct mp_flow *f, unsigned int end)
{
	return f->family == AF_INET ? f->addr4[end] : f->addr6[end];
}

/* Count a packet of len bytes in direction dir: line 0's low halves, line 3 on a carry. */
static inline void
flow_count(struct mp_flow *f, unsigned int dir, uint32_t len)
{
	uint32_t b = f->bytes_lo[dir] + len;

	if (unlikely(++f->pkts_lo[dir] == 0))
		f->pkts_hi[dir]++;
	if (unlikely(b < len))
		f->bytes_hi[dir]++;
	f->bytes_lo[dir] = b;
}

/* Fill f->nat_ck for an IPv4 flow whose addresses and ports are set (nat.c). */
void
flow_nat_deltas(struct mp_flow *f);

/* A flow's reference in the index. */
static inline uint32_t
flow_ref(const struct mp_flow_table *t, const struct mp_flow *f, unsigned int dir)
{
	return (uint32_t)(f - t->flows) << 1 | dir;
}

/** Size the index for keys keys. 0 or -ENOMEM. */
int
flow_hash_init(struct flow_hash *h, uint32_t keys, int socket_id);
void
flow_hash_fini(struct flow_hash *h);
/*
 * The hash of an IPv4 flow's tuple: CRC32-C of its two words, the addresses and the rest (ports,
 * family, protocol), which are the IPv4 key's only non-zero words, laid out as in the key.
 */
static inline uint32_t
flow_hash4(uint64_t addrs, uint32_t ports, uint8_t proto)
{
	uint64_t rest = ports | (uint64_t)AF_INET << 32 | (uint64_t)proto << 40;

	RTE_BUILD_BUG_ON(offsetof(struct mp_flow_key, sport) != 32 ||
	                 offsetof(struct mp_flow_key, family) != 36 ||
	                 offsetof(struct mp_flow_key, proto) != 37);
	return rte_hash_crc_8byte(rest, rte_hash_crc_8byte(addrs, 0));
}

/* The IPv4 tuple of key k. */
static inline void
flow_key_tuple4(const struct mp_flow_key *k, struct mp_flow_tuple4 *tu)
{
	uint8_t a[8];

	memcpy(a, k->src, 4);
	memcpy(a + 4, k->dst, 4);
	memcpy(&tu->addrs, a, sizeof(tu->addrs));
	memcpy(&tu->ports, &k->sport, sizeof(tu->ports));
	tu->proto = k->proto;
}

/** The key's hash (inline: once per packet): flow_hash4() for IPv4, CRC32-C of its five words
 * for IPv6. */
static inline uint32_t
flow_key_hash(const struct mp_flow_key *k)
{
	uint64_t w[sizeof(*k) / sizeof(uint64_t)];
	uint32_t v = 0;
	unsigned int i;

	if (k->family == AF_INET) {
		struct mp_flow_tuple4 tu;

		flow_key_tuple4(k, &tu);
		return flow_hash4(tu.addrs, tu.ports, tu.proto);
	}
	memcpy(w, k, sizeof(w));
	for (i = 0; i < RTE_DIM(w); i++)
		v = rte_hash_crc_8byte(w[i], v);
	return v;
}

/* Whether direction dir of IPv4 flow f arrives with tuple tu. */
static inline bool
flow_tuple4_matches(const struct mp_flow *f, unsigned int dir, const struct mp_flow_tuple4 *tu)
{
	uint64_t fa;
	uint32_t fp;

	memcpy(&fa, f->addr4[2 * dir], sizeof(fa)); /* this direction's source, then destination */
	memcpy(&fp, &f->port[2 * dir], sizeof(fp));
	return fa == tu->addrs && fp == tu->ports && f->family == AF_INET && f->proto == tu->proto;
}
/** The reference of key k (hash hv), from the first-th bucket of its chain on (0: home); -1. */
int64_t
flow_hash_find(const struct mp_flow_table *t, const struct mp_flow_key *k, uint32_t hv,
               unsigned int first);
/** Add ref under hash hv. 0, or -ENOSPC when the FLOW_HASH_MAX_PROBE buckets from home are
 * full. */
int
flow_hash_add(struct flow_hash *h, uint32_t hv, uint32_t ref);
/** Remove ref (stored under hash hv); a no-op when absent. */
void
flow_hash_del(struct flow_hash *h, uint32_t hv, uint32_t ref);

/*
 * When f's timer must fire: the state's timeout after the last refresh, or earlier while a SYN
 * waits for its answer and the connect failure has not been reported. connect_fail_tsc is at most
 * the SYN timeout (mp_flow_table_create() caps it), so in that case it alone decides.
 */
static inline uint64_t
flow_due(const struct mp_flow_table *t, const struct mp_flow *f)
{
	if (f->state == MP_FLOW_S_SYN_SENT && !(f->flags & MP_FLOW_F_HEALTH_DONE) &&
	    t->connect_fail_tsc != 0)
		return f->last_tsc + t->connect_fail_tsc;
	return f->last_tsc + t->timeout[f->state];
}

static inline void
flow_arm(struct mp_flow_table *t, struct mp_flow *f, uint64_t due)
{
	f->armed_tsc = due;
	mp_timer_arm(t->wheel, &f->timer, due);
}

/*
 * After a state change: re-arm only when the new deadline is earlier than the armed one. A later
 * deadline waits for the timer to fire, which then re-arms for the rest (flow_timer_fn()).
 */
static inline void
flow_rearm_if_sooner(struct mp_flow_table *t, struct mp_flow *f)
{
	uint64_t due = flow_due(t, f);

	if (due < f->armed_tsc)
		flow_arm(t, f, due);
}

#endif /* FLOW_PRIV_H */
