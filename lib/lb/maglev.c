/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016, section 3.4): the control thread fills
 * a ring of M slots, M prime, with endpoint indexes; the data path picks ring[hash % M].
 *
 * Permutations. Endpoint i prefers the slots offset_i, offset_i + skip_i, offset_i + 2 skip_i,
 * ... (mod M), where offset_i = h1(id_i) % M and skip_i = h2(id_i) % (M - 1) + 1. M prime makes
 * every skip coprime with M, so each preference list is a permutation of the slots. id_i is
 * the endpoint's family, address and port, never its index: an endpoint keeps its preferences
 * when others are added, removed or reordered, which is what keeps disruption small.
 *
 * Filling. Endpoints take turns; on its turn an endpoint takes the first slot of its
 * preference list that is still empty. Weights use Katran's rule (MaglevHashV2): every round,
 * each endpoint adds its weight to a credit and takes a turn when the credit reaches the
 * largest weight W, which it then pays back. So the heaviest endpoints take a turn every round,
 * one of weight w takes w turns per W rounds, turns interleave instead of coming in runs of w,
 * and the shares of the ring follow the weights to within a slot. Turns inside one round go in
 * the order of endpoint identity (lb_ep_cmp), not config order: the ring does not change when
 * the config lists the same endpoints in another order.
 *
 * Katran runs this as a loop over every endpoint every round, O(M x N x W / sum(w)) visits:
 * O(M) for equal or similar weights, up to O(M x N) when one weight dwarfs the others. That
 * loop is used when it is cheap; otherwise a heap yields the same turns in O(M log N). Either
 * way the slot search dominates: about M ln M probes in all (620 thousand for M = 65537 and
 * N = 100), each a load that depends on the one before.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lb_priv.h"

/* Seeds of the two identity hashes. Changing them moves every flow of every cluster. */
#define MAGLEV_SEED_OFFSET UINT64_C(0x6d61676c65763031) /* "maglev01" */
#define MAGLEV_SEED_SKIP   UINT64_C(0x6d61676c65763032) /* "maglev02" */
/* Identity bytes hashed: family, port, pad, then the 16 address bytes. */
#define MAGLEV_ID_WORDS    3

/*
 * Above this many visits per slot, maglev_fill_rounds() costs more than the heap (a visit is
 * a few cycles, a heap step a few hundred).
 */
#define MAGLEV_VISITS_PER_SLOT 32

struct maglev_ep {
	uint64_t round;  /* heap: round of the next turn */
	uint32_t credit; /* rounds: weight banked towards the next turn */
	uint32_t pos;    /* next slot of the preference list */
	uint32_t skip;
	uint32_t turns;
	uint32_t weight;
	uint16_t ep;
};

static bool
maglev_is_prime(uint32_t m)
{
	if (m < 2)
		return false;
	if (m % 2 == 0)
		return m == 2;
	for (uint32_t d = 3; (uint64_t)d * d <= m; d += 2) {
		if (m % d == 0)
			return false;
	}
	return true;
}

/* The smallest prime >= m, for messages. */
static uint32_t
maglev_prime_at_least(uint32_t m)
{
	while (!maglev_is_prime(m))
		m++;
	return m;
}

/* The largest prime <= m, for messages. */
static uint32_t
maglev_prime_at_most(uint32_t m)
{
	while (m > 2 && !maglev_is_prime(m))
		m--;
	return m;
}

int
lb_maglev_check(const struct mp_conf *conf, const struct mp_conf_cluster *cc, FILE *err)
{
	uint64_t min = (uint64_t)MP_LB_MAGLEV_SLOTS_PER_EP * cc->n_endpoints;
	uint32_t m = cc->maglev_size;

	if (m > MP_LB_MAGLEV_SIZE_MAX) {
		lb_err(err, conf, cc->line, cc,
		       "maglev_size %u is above the largest supported, %u: use a prime no larger, "
		       "such as %u",
		       m, MP_LB_MAGLEV_SIZE_MAX, maglev_prime_at_most(MP_LB_MAGLEV_SIZE_MAX));
		return -EINVAL;
	}
	if (m < min) {
		/* min <= 100 x MP_MAX_ENDPOINTS, far below the largest size. */
		lb_err(err, conf, cc->line, cc,
		       "maglev_size %u is below %u slots x %u endpoints: use a prime of at least "
		       "%" PRIu64 ", such as %u",
		       m, MP_LB_MAGLEV_SLOTS_PER_EP, cc->n_endpoints, min,
		       maglev_prime_at_least((uint32_t)min));
		return -EINVAL;
	}
	if (!maglev_is_prime(m)) {
		lb_err(err, conf, cc->line, cc,
		       "maglev_size %u is not a prime, so some endpoints' slot permutations would "
		       "not cover the ring: use %u",
		       m, maglev_prime_at_least(m));
		return -EINVAL;
	}
	return 0;
}

/* Murmur3's 64-bit finaliser: a bijection with full avalanche. */
uint64_t
lb_fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

/*
 * Hash an endpoint's identity. The key is assembled byte by byte into little-endian words, so
 * the value, and with it the ring, is the same on every host.
 */
uint64_t
lb_ep_id_hash(const struct mp_lb_endpoint *e, uint64_t seed)
{
	uint8_t key[MAGLEV_ID_WORDS * 8] = {0};
	uint64_t h = seed;

	key[0] = e->family;
	memcpy(&key[2], &e->port, sizeof(e->port)); /* network order: bytes as on the wire */
	memcpy(&key[8], e->addr.v6, sizeof(e->addr.v6));
	for (unsigned int w = 0; w < MAGLEV_ID_WORDS; w++) {
		uint64_t v = 0;

		for (unsigned int b = 0; b < 8; b++)
			v |= (uint64_t)key[w * 8 + b] << (8 * b);
		h = lb_fmix64(h ^ v);
	}
	return h;
}

void
lb_maglev_perm(const struct mp_lb_endpoint *e, uint32_t m, uint32_t *offset, uint32_t *skip)
{
	*offset = (uint32_t)(lb_ep_id_hash(e, MAGLEV_SEED_OFFSET) % m);
	*skip = (uint32_t)(lb_ep_id_hash(e, MAGLEV_SEED_SKIP) % (m - 1)) + 1;
}

/*
 * One turn: the first slot of e's preference list not taken yet. The search is most of the
 * build (about M ln M probes in all, each a load that depends on the previous one), so it
 * probes a bitmap of taken slots, M / 8 bytes that stay in L1, rather than the ring itself.
 */
static inline void
maglev_take(struct maglev_ep *e, uint16_t *table, uint64_t *taken, uint32_t m)
{
	uint32_t pos = e->pos;

	/* At most m - 1 slots are taken before the last turn, so a free one is always found. */
	while (taken[pos / 64] & (UINT64_C(1) << (pos % 64))) {
		pos += e->skip;
		if (pos >= m)
			pos -= m;
	}
	taken[pos / 64] |= UINT64_C(1) << (pos % 64);
	table[pos] = e->ep;
	pos += e->skip;
	e->pos = pos >= m ? pos - m : pos;
}

/* Katran's loop as it is: every round visits every endpoint, in rank order. */
static void
maglev_fill_rounds(struct maglev_ep *mg, unsigned int n, uint32_t max_w, uint16_t *table,
                   uint64_t *taken, uint32_t m)
{
	uint32_t filled = 0;

	for (;;) {
		for (unsigned int r = 0; r < n; r++) {
			struct maglev_ep *e = &mg[r];

			e->credit += e->weight;
			if (e->credit < max_w)
				continue;
			e->credit -= max_w;
			maglev_take(e, table, taken, m);
			if (++filled == m)
				return;
		}
	}
}

/* Heap order: earlier round first, then identity rank (the index into mg). */
static inline bool
maglev_before(const struct maglev_ep *mg, uint16_t a, uint16_t b)
{
	if (mg[a].round != mg[b].round)
		return mg[a].round < mg[b].round;
	return a < b;
}

static void
maglev_sift_down(const struct maglev_ep *mg, uint16_t *heap, unsigned int n, unsigned int i)
{
	uint16_t x = heap[i];

	for (;;) {
		unsigned int l = 2 * i + 1;
		unsigned int m = l;

		if (l >= n)
			break;
		if (l + 1 < n && maglev_before(mg, heap[l + 1], heap[l]))
			m = l + 1;
		if (!maglev_before(mg, heap[m], x))
			break;
		heap[i] = heap[m];
		i = m;
	}
	heap[i] = x;
}

/*
 * The same turns as maglev_fill_rounds(), for weights so uneven that most of its visits would
 * find an endpoint without a turn: the k-th turn of an endpoint of weight w falls in round
 * ceil(k W / w), and a heap ordered by (round, rank) hands them out in order.
 */
static int
maglev_fill_heap(struct maglev_ep *mg, unsigned int n, uint32_t max_w, uint16_t *table,
                 uint64_t *taken, uint32_t m)
{
	uint16_t *heap = malloc(n * sizeof(*heap));

	if (heap == NULL)
		return -ENOMEM;
	for (unsigned int r = 0; r < n; r++) {
		mg[r].round = (max_w + mg[r].weight - 1) / mg[r].weight;
		heap[r] = (uint16_t)r;
	}
	for (unsigned int i = n / 2; i-- > 0;)
		maglev_sift_down(mg, heap, n, i);
	for (uint32_t filled = 0; filled < m; filled++) {
		struct maglev_ep *e = &mg[heap[0]];

		maglev_take(e, table, taken, m);
		e->turns++;
		e->round = ((uint64_t)(e->turns + 1) * max_w + e->weight - 1) / e->weight;
		maglev_sift_down(mg, heap, n, 0);
	}
	free(heap);
	return 0;
}

int
lb_maglev_build(struct mp_lb_cluster *c, const uint16_t *order)
{
	const uint32_t m = c->maglev_size;
	struct maglev_ep *mg;
	uint64_t *taken, rounds;
	uint32_t max_w = 0;
	unsigned int n = 0;
	int rc = 0;

	mg = calloc(c->n_up, sizeof(*mg));
	taken = calloc((m + 63) / 64, sizeof(*taken));
	if (mg == NULL || taken == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* Pickable endpoints in identity order: mg[rank]. */
	for (unsigned int i = 0; i < c->n_endpoints; i++) {
		const struct mp_lb_endpoint *e = &c->eps[order[i]];

		if (!e->up || e->weight == 0)
			continue;
		mg[n].ep = order[i];
		mg[n].weight = e->weight;
		lb_maglev_perm(e, m, &mg[n].pos, &mg[n].skip);
		max_w = RTE_MAX(max_w, e->weight);
		n++;
	}
	RTE_ASSERT(n == c->n_up);

	/*
	 * A round hands out sum(w) / W turns, so the ring fills in about M W / sum(w) rounds of
	 * n visits each: M visits for equal weights, up to M x n when one weight dwarfs the rest.
	 * A visit costs a few cycles, a heap step a few hundred (its compares mispredict).
	 */
	rounds = (uint64_t)m * max_w / c->total_weight + 1;
	if (rounds * n <= (uint64_t)MAGLEV_VISITS_PER_SLOT * m)
		maglev_fill_rounds(mg, n, max_w, c->maglev, taken, m);
	else
		rc = maglev_fill_heap(mg, n, max_w, c->maglev, taken, m);
out:
	free(taken);
	free(mg);
	return rc;
}

void
lb_maglev_pick_bulk(const struct mp_lb_cluster *c, const uint32_t *hashes, int32_t *eps,
                    unsigned int n)
{
	const uint16_t *table = c->maglev;
	const uint64_t magic = c->maglev_magic;
	const uint32_t m = c->maglev_size;

	/* The loads are independent: out-of-order execution overlaps their cache misses. */
	for (unsigned int i = 0; i < n; i++)
		eps[i] = table[lb_fastmod(hashes[i], magic, m)];
}
