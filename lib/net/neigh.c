/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour table (ARP/NDP cache) of one worker.
 *
 * An rte_hash maps the 20-byte key to a slot. The slot indexes a flat array of entries and a
 * flat array of slots * queue_len mbuf pointers, the packets an unresolved entry holds. All of
 * it is allocated in mp_neigh_create(), so resolve, learn and expire never allocate, lock, log
 * or make a system call. Only the owning worker writes the table; the hash is created without
 * any concurrency flag because nobody else reads it while the worker runs.
 *
 * Held packets only ever leave an entry all at once (learn releases them, giving up or free
 * drops them), so each entry's queue is a plain array filled from index 0: FIFO order is the
 * array order and no head index is needed.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "mp_net.h"

/* The hash compares keys with memcmp over the whole struct, so it must have no hidden padding. */
static_assert(sizeof(struct mp_neigh_key) == 20, "mp_neigh_key must be 20 packed bytes");
static_assert(sizeof(struct mp_neigh_key) == 2 * sizeof(uint64_t) + sizeof(uint32_t),
              "neigh_hash() reads the key as two words and a tail");

/* rte_hash refuses fewer entries than a bucket holds (its private RTE_HASH_BUCKET_ENTRIES). */
#define NEIGH_HASH_MIN_ENTRIES 8u

/* One cache line per entry: a hit touches the hash's bucket and key, then only this line. */
struct neigh_entry {
	struct mp_neigh_key key; /* copy of the hash key: expire and walk go by slot, not by key */
	struct rte_ether_addr mac;
	uint8_t used;
	uint8_t state;        /* enum mp_neigh_state */
	hash_sig_t sig;       /* hash of key, so removal does not hash it again */
	uint32_t held;        /* packets in this entry's queue */
	uint32_t probes;      /* solicitations since the last confirmation */
	uint64_t updated_tsc; /* last confirmation, or creation while INCOMPLETE */
	uint64_t probe_tsc;   /* last solicitation; meaningful only when probes > 0 */
} __rte_cache_aligned;

struct mp_neigh_table {
	struct rte_hash *hash;
	struct neigh_entry *entries; /* [slots] */
	struct rte_mbuf **queue;     /* [slots * queue_len], entry s owns [s * queue_len, ...) */
	uint32_t slots;              /* hash positions: capacity, raised to the hash's minimum */
	uint32_t capacity;           /* params->entries; count never exceeds it */
	uint32_t count;
	uint32_t cursor; /* next slot mp_neigh_expire() looks at */
	uint32_t queue_len;
	uint32_t max_probes;
	uint64_t reachable_tsc;
	uint64_t retrans_tsc;
	struct mp_neigh_stats stats;
} __rte_cache_aligned;

/* Time since then; zero if the clock reads earlier than then, so no entry ages by wrap-around. */
static inline uint64_t
neigh_age(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

/*
 * rte_hash_crc() reads the key as uint64_t words, but a key is only 2-byte aligned wherever
 * the caller keeps it: copy it into words first (the compiler turns the memcpy into plain loads).
 */
static uint32_t
neigh_hash(const void *key, uint32_t key_len, uint32_t init_val)
{
	uint64_t w[2];
	uint32_t tail;

	RTE_SET_USED(key_len); /* always sizeof(struct mp_neigh_key) */
	memcpy(w, key, sizeof(w));
	memcpy(&tail, (const uint8_t *)key + sizeof(w), sizeof(tail));
	init_val = rte_hash_crc_8byte(w[0], init_val);
	init_val = rte_hash_crc_8byte(w[1], init_val);
	return rte_hash_crc_4byte(tail, init_val);
}

static inline struct rte_mbuf **
neigh_queue(const struct mp_neigh_table *t, uint32_t slot)
{
	return &t->queue[(size_t)slot * t->queue_len];
}

static inline void
neigh_probe_sent(struct mp_neigh_table *t, struct neigh_entry *e, uint64_t now)
{
	e->probes++;
	e->probe_tsc = now;
	t->stats.probes++;
}

/*
 * Add k at a free slot. The capacity is checked here because the hash may be larger than it
 * (the hash has a minimum size). With its extendable table the hash takes every one of its
 * entries, so the add itself should not fail; if it did, the caller sees a full table.
 */
static int32_t
neigh_add(struct mp_neigh_table *t, const struct mp_neigh_key *k, hash_sig_t sig, uint64_t now,
          enum mp_neigh_state state)
{
	struct neigh_entry *e;
	int32_t pos;

	if (t->count >= t->capacity)
		return -ENOSPC;
	pos = rte_hash_add_key_with_hash(t->hash, k, sig);
	if (pos < 0)
		return pos;
	e = &t->entries[pos];
	e->key = *k;
	e->used = 1;
	e->state = (uint8_t)state;
	e->sig = sig;
	e->updated_tsc = now;
	t->count++;
	t->stats.created++;
	return pos;
}

/* Forget a slot. Its held packets must have been handed back already. */
static void
neigh_remove(struct mp_neigh_table *t, uint32_t slot)
{
	struct neigh_entry *e = &t->entries[slot];

	rte_hash_del_key_with_hash(t->hash, &e->key, e->sig);
	memset(e, 0, sizeof(*e));
	t->count--;
}

/* Hand every held packet of a slot to drop(), oldest first, and empty its queue. */
static uint32_t
neigh_drop_held(struct mp_neigh_table *t, uint32_t slot,
                void (*drop)(struct rte_mbuf *m, void *arg), void *arg)
{
	struct neigh_entry *e = &t->entries[slot];
	struct rte_mbuf **q = neigh_queue(t, slot);
	uint32_t n = e->held;
	uint32_t i;

	e->held = 0;
	if (drop != NULL) {
		for (i = 0; i < n; i++)
			drop(q[i], arg);
	}
	return n;
}

static enum mp_neigh_verdict
neigh_hold(struct mp_neigh_table *t, uint32_t slot, struct rte_mbuf *m)
{
	struct neigh_entry *e = &t->entries[slot];

	if (m == NULL)
		return MP_NEIGH_HELD;
	if (e->held >= t->queue_len)
		return MP_NEIGH_QUEUE_FULL;
	neigh_queue(t, slot)[e->held++] = m;
	return MP_NEIGH_HELD;
}

/*
 * A STALE entry in use is re-probed once per retrans_tsc, and no more than max_probes times
 * since its last confirmation, the same bound as an INCOMPLETE entry: a neighbour that went
 * away costs a bounded number of solicitations before the entry ages out.
 */
static inline bool
neigh_stale_probe_due(const struct mp_neigh_table *t, const struct neigh_entry *e, uint64_t now)
{
	if (e->probes >= t->max_probes)
		return false;
	return e->probes == 0 || neigh_age(now, e->probe_tsc) >= t->retrans_tsc;
}

/* STALE past a second reachable_tsc since the last confirmation; written to avoid 2x overflow. */
static inline bool
neigh_stale_expired(const struct mp_neigh_table *t, const struct neigh_entry *e, uint64_t now)
{
	uint64_t age = neigh_age(now, e->updated_tsc);

	return age >= t->reachable_tsc && age - t->reachable_tsc >= t->reachable_tsc;
}

static void
neigh_fill_info(const struct neigh_entry *e, struct mp_neigh_info *info)
{
	info->key = e->key;
	info->mac = e->mac;
	info->state = (enum mp_neigh_state)e->state;
	info->updated_tsc = e->updated_tsc;
	info->held = e->held;
	info->probes = e->probes;
}

struct mp_neigh_table *
mp_neigh_create(const struct mp_neigh_params *params)
{
	struct rte_hash_parameters hp;
	struct mp_neigh_table *t;
	uint32_t slots;
	size_t queue_size;
	int err = ENOMEM; /* rte_zmalloc_socket() does not set rte_errno */

	if (params == NULL || params->name == NULL || params->entries == 0 ||
	    params->entries > RTE_HASH_ENTRIES_MAX || params->max_probes == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* A smaller capacity still gets a hash of the minimum size; neigh_add() enforces it. */
	slots = RTE_MAX(params->entries, NEIGH_HASH_MIN_ENTRIES);
	if (params->queue_len > SIZE_MAX / sizeof(struct rte_mbuf *) / slots) {
		rte_errno = EINVAL;
		return NULL;
	}
	queue_size = (size_t)slots * params->queue_len * sizeof(struct rte_mbuf *);

	t = rte_zmalloc_socket("mp_neigh", sizeof(*t), RTE_CACHE_LINE_SIZE, params->socket_id);
	if (t == NULL) {
		rte_errno = err;
		return NULL;
	}
	t->slots = slots;
	t->capacity = params->entries;
	t->queue_len = params->queue_len;
	t->max_probes = params->max_probes;
	t->reachable_tsc = params->reachable_tsc;
	t->retrans_tsc = params->retrans_tsc;

	t->entries = rte_zmalloc_socket("mp_neigh_entries", (size_t)slots * sizeof(*t->entries),
	                                RTE_CACHE_LINE_SIZE, params->socket_id);
	if (t->entries == NULL)
		goto err_free_table;
	/* rte_zmalloc() fails on size 0: a table that holds no packets needs no queue. */
	if (queue_size > 0) {
		t->queue = rte_zmalloc_socket("mp_neigh_queue", queue_size, RTE_CACHE_LINE_SIZE,
		                              params->socket_id);
		if (t->queue == NULL)
			goto err_free_entries;
	}

	/*
	 * No concurrency flag: one writer and no concurrent reader. The extendable table lets the
	 * hash take every one of its entries instead of failing on a full cuckoo path first.
	 */
	memset(&hp, 0, sizeof(hp));
	hp.name = params->name;
	hp.entries = slots;
	hp.key_len = sizeof(struct mp_neigh_key);
	hp.hash_func = neigh_hash;
	hp.socket_id = params->socket_id;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	rte_errno = 0;
	t->hash = rte_hash_create(&hp);
	if (t->hash == NULL) {
		/* A name clash sets EEXIST; its allocation failures leave rte_errno alone. */
		if (rte_errno != 0)
			err = rte_errno;
		goto err_free_queue;
	}
	return t;

err_free_queue:
	rte_free(t->queue);
err_free_entries:
	rte_free(t->entries);
err_free_table:
	rte_free(t);
	rte_errno = err;
	return NULL;
}

void
mp_neigh_free(struct mp_neigh_table *t, void (*drop)(struct rte_mbuf *m, void *arg), void *arg)
{
	uint32_t slot;

	if (t == NULL)
		return;
	for (slot = 0; slot < t->slots; slot++) {
		if (t->entries[slot].used)
			neigh_drop_held(t, slot, drop, arg);
	}
	rte_hash_free(t->hash);
	rte_free(t->queue);
	rte_free(t->entries);
	rte_free(t);
}

enum mp_neigh_verdict
mp_neigh_resolve(struct mp_neigh_table *t, const struct mp_neigh_key *k, uint64_t now,
                 struct rte_mbuf *m, struct rte_ether_addr *mac, bool *probe)
{
	hash_sig_t sig = rte_hash_hash(t->hash, k);
	struct neigh_entry *e;
	int32_t pos;

	*probe = false;
	pos = rte_hash_lookup_with_hash(t->hash, k, sig);
	if (pos < 0) {
		pos = neigh_add(t, k, sig, now, MP_NEIGH_INCOMPLETE);
		if (pos < 0)
			return MP_NEIGH_TABLE_FULL;
		/* The first solicitation goes now; mp_neigh_expire() paces the others. */
		neigh_probe_sent(t, &t->entries[pos], now);
		*probe = true;
		return neigh_hold(t, (uint32_t)pos, m);
	}

	e = &t->entries[pos];
	switch ((enum mp_neigh_state)e->state) {
	case MP_NEIGH_INCOMPLETE:
		return neigh_hold(t, (uint32_t)pos, m);
	case MP_NEIGH_REACHABLE:
		if (neigh_age(now, e->updated_tsc) < t->reachable_tsc)
			break;
		/*
		 * Aged but not yet swept by mp_neigh_expire(): treat it as STALE now, so an entry
		 * in use is re-probed however slowly the sweep goes round.
		 */
		e->state = MP_NEIGH_STALE;
		t->stats.stale++;
		/* fall through */
	case MP_NEIGH_STALE:
		if (neigh_stale_probe_due(t, e, now)) {
			neigh_probe_sent(t, e, now);
			*probe = true;
		}
		break;
	}
	*mac = e->mac;
	return MP_NEIGH_OK;
}

unsigned int
mp_neigh_learn(struct mp_neigh_table *t, const struct mp_neigh_key *k,
               const struct rte_ether_addr *mac, uint64_t now, bool create, struct rte_mbuf **out)
{
	hash_sig_t sig = rte_hash_hash(t->hash, k);
	struct neigh_entry *e;
	uint32_t n = 0;
	int32_t pos;

	pos = rte_hash_lookup_with_hash(t->hash, k, sig);
	if (pos < 0) {
		if (!create)
			return 0;
		pos = neigh_add(t, k, sig, now, MP_NEIGH_REACHABLE);
		if (pos < 0)
			return 0;
	}

	e = &t->entries[pos];
	if (e->state == MP_NEIGH_INCOMPLETE) {
		n = e->held;
		if (n > 0)
			memcpy(out, neigh_queue(t, (uint32_t)pos), n * sizeof(*out));
		e->held = 0;
		t->stats.resolved++;
		t->stats.released += n;
	}
	e->mac = *mac;
	e->state = MP_NEIGH_REACHABLE;
	e->updated_tsc = now;
	e->probes = 0;
	t->stats.learned++;
	return n;
}

/* Age one entry; see mp_neigh_expire(). */
static void
neigh_expire_one(struct mp_neigh_table *t, uint32_t slot, uint64_t now,
                 void (*probe)(const struct mp_neigh_key *k, void *arg),
                 void (*drop)(struct rte_mbuf *m, void *arg), void *arg)
{
	struct neigh_entry *e = &t->entries[slot];

	switch ((enum mp_neigh_state)e->state) {
	case MP_NEIGH_INCOMPLETE:
		if (neigh_age(now, e->probe_tsc) < t->retrans_tsc)
			return;
		if (e->probes < t->max_probes) {
			neigh_probe_sent(t, e, now);
			if (probe != NULL)
				probe(&e->key, arg);
			return;
		}
		t->stats.dropped += neigh_drop_held(t, slot, drop, arg);
		t->stats.unresolved++;
		neigh_remove(t, slot);
		return;
	case MP_NEIGH_REACHABLE:
		if (neigh_age(now, e->updated_tsc) < t->reachable_tsc)
			return;
		e->state = MP_NEIGH_STALE;
		t->stats.stale++;
		/* A sweep slower than reachable_tsc may find it due for removal as well. */
		/* fall through */
	case MP_NEIGH_STALE:
		if (!neigh_stale_expired(t, e, now))
			return;
		t->stats.expired++;
		neigh_remove(t, slot);
		return;
	}
}

/*
 * The budget counts slots looked at, used or free, so the cost of a call is bounded whatever
 * the occupancy; a full sweep takes slots / budget calls, and no call looks at a slot twice.
 * The callbacks must not call back into the table: the entry they come from is mid-update.
 */
void
mp_neigh_expire(struct mp_neigh_table *t, uint64_t now, unsigned int budget,
                void (*probe)(const struct mp_neigh_key *k, void *arg),
                void (*drop)(struct rte_mbuf *m, void *arg), void *arg)
{
	uint32_t n = RTE_MIN((uint32_t)budget, t->slots);
	uint32_t slot;

	while (n-- > 0 && t->count > 0) {
		slot = t->cursor;
		if (++t->cursor == t->slots)
			t->cursor = 0;
		if (t->entries[slot].used)
			neigh_expire_one(t, slot, now, probe, drop, arg);
	}
}

bool
mp_neigh_get(const struct mp_neigh_table *t, const struct mp_neigh_key *k,
             struct mp_neigh_info *info)
{
	int32_t pos = rte_hash_lookup(t->hash, k);

	if (pos < 0)
		return false;
	if (info != NULL)
		neigh_fill_info(&t->entries[pos], info);
	return true;
}

void
mp_neigh_walk(const struct mp_neigh_table *t, int (*fn)(const struct mp_neigh_info *i, void *arg),
              void *arg)
{
	struct mp_neigh_info info;
	uint32_t slot;

	for (slot = 0; slot < t->slots; slot++) {
		if (!t->entries[slot].used)
			continue;
		neigh_fill_info(&t->entries[slot], &info);
		if (fn(&info, arg) != 0)
			return;
	}
}

unsigned int
mp_neigh_count(const struct mp_neigh_table *t)
{
	return t->count;
}

const struct mp_neigh_stats *
mp_neigh_stats(const struct mp_neigh_table *t)
{
	return &t->stats;
}
