/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/lb internals: the layout of the cluster object and the per-worker state, and the entry
 * points of each policy's file (maglev.c, round_robin.c, random.c, least_conn.c). Each policy
 * builds its table on the control thread (lb_<policy>_build) and picks from it on the data
 * path (lb_<policy>_pick); lb.c validates and allocates, lb_dp.c dispatches.
 */
#ifndef LB_PRIV_H
#define LB_PRIV_H

#include <stdint.h>
#include <stdio.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_debug.h>

#include "mp_lb.h"

/* Round robin precomputes its sequence when it has at most this many picks per period... */
#define LB_RR_SEQ_MAX         (1u << 16)
/* ...and computing it costs at most this many steps (period x pickable endpoints). */
#define LB_RR_BUILD_STEPS_MAX (1u << 22)

/* One column of the random policy's alias table (Vose): ep[0], the column's own endpoint,
 * when the low 32 bits of the draw are below cut, ep[1], its alias, otherwise. Indexing by the
 * comparison keeps the pick free of a branch that would mispredict half the time. */
struct lb_alias {
	uint32_t cut;
	uint16_t ep[2];
};

/*
 * Immutable once built. The fields a pick reads come first, in one cache line; the arrays
 * follow the struct in the same allocation.
 */
struct mp_lb_cluster {
	enum mp_lb_policy policy;
	uint16_t n_endpoints;  /* configured */
	uint16_t n_up;         /* pickable: up and weight > 0 */
	uint32_t total_weight; /* of the pickable endpoints */

	/* maglev */
	uint32_t maglev_size;  /* M, a prime */
	uint64_t maglev_magic; /* Lemire's fastmod constant for M */
	uint16_t *maglev;      /* [M] endpoint index per slot */

	/* round robin: the smooth weighted sequence of one period, or NULL to run it live */
	uint32_t rr_period;
	uint16_t *rr_seq; /* [rr_period] */

	/* weighted draws: the random policy, least request's two choices (every policy) */
	struct lb_alias *alias; /* [n_up] */

	/* pickable endpoints in config order, for least connections and live round robin */
	uint16_t *up_ep;     /* [n_up] endpoint index */
	uint32_t *up_weight; /* [n_up] */

	struct mp_lb_endpoint *eps; /* [n_endpoints] */
	char name[MP_NAME_LEN];
} __rte_cache_aligned;

/* Written by its worker only. */
struct mp_lb_state {
	uint16_t n_endpoints;
	uint32_t rr_pos;  /* next index into rr_seq, reduced modulo the period on use */
	uint32_t lc_next; /* least connections: where the next scan starts in up_ep */
	uint64_t rng;     /* splitmix64 counter */
	uint32_t *active; /* [n_endpoints] flows open per endpoint */
	int32_t *rr_cw;   /* [n_endpoints] live smooth round robin: current weights */
} __rte_cache_aligned;

/*
 * hash % d for any 32-bit hash and d < 2^32 without a divide (Lemire, Kaser, Kurz, "Faster
 * Remainder by Direct Computation", 2019): two multiplies instead of a 26-cycle div.
 */
static inline uint64_t
lb_fastmod_magic(uint32_t d)
{
	return UINT64_MAX / d + 1;
}

static inline uint32_t
lb_fastmod(uint32_t a, uint64_t magic, uint32_t d)
{
	uint64_t low = magic * a;

	return (uint32_t)(((__uint128_t)low * d) >> 64);
}

static inline int
lb_maglev_pick(const struct mp_lb_cluster *c, uint32_t hash)
{
	return c->maglev[lb_fastmod(hash, c->maglev_magic, c->maglev_size)];
}

/* Print "PATH:LINE: cluster NAME: message" to err, or to the meshpath log when err is NULL. */
void
lb_err(FILE *err, const struct mp_conf *conf, int line, const struct mp_conf_cluster *cc,
       const char *fmt, ...) __rte_format_printf(5, 6);

/* Total order on endpoint identity (family, address, port): the order Maglev fills in. */
int
lb_ep_cmp(const struct mp_lb_endpoint *a, const struct mp_lb_endpoint *b);

/* Policy builds: fill the policy's part of c, whose endpoint arrays are filled already and
 * whose n_up is above 0. They return 0 or -ENOMEM (scratch memory). */
int
lb_maglev_check(const struct mp_conf *conf, const struct mp_conf_cluster *cc, FILE *err);
int
lb_maglev_build(struct mp_lb_cluster *c, const uint16_t *order);
/* Murmur3's 64-bit finaliser, and the hash of an endpoint's identity (family, port, address,
 * the same on every host) with a seed: Maglev's permutations and the ring hash's points. */
uint64_t
lb_fmix64(uint64_t h);
uint64_t
lb_ep_id_hash(const struct mp_lb_endpoint *e, uint64_t seed);
/* Endpoint e's Maglev preference list in a ring of m slots: offset, offset + skip, ... */
void
lb_maglev_perm(const struct mp_lb_endpoint *e, uint32_t m, uint32_t *offset, uint32_t *skip);
uint32_t
lb_rr_seq_len(uint32_t period, unsigned int n_up);
int
lb_rr_build(struct mp_lb_cluster *c);
int
lb_random_build(struct mp_lb_cluster *c);

/*
 * splitmix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", 2014): a
 * Weyl sequence through a 64-bit finaliser. One add and two multiplies, 8 bytes of state, passes
 * BigCrush, and any seed (0 included) is a good one, unlike plain xorshift.
 */
static inline uint64_t
lb_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* One weighted draw from the alias table (random.c): the high half of r chooses a column
 * uniformly, the low half its own endpoint or its alias. c->n_up > 0. */
static inline int
lb_alias_draw(const struct mp_lb_cluster *c, uint64_t r)
{
	uint32_t col = (uint32_t)(((r >> 32) * c->n_up) >> 32);
	const struct lb_alias *a = &c->alias[col];

	return a->ep[(uint32_t)r >= a->cut];
}

/* Data-path picks; c->n_up > 0. */
int
lb_rr_pick(const struct mp_lb_cluster *c, struct mp_lb_state *s);
int
lb_random_pick(const struct mp_lb_cluster *c, struct mp_lb_state *s);
int
lb_lc_pick(const struct mp_lb_cluster *c, struct mp_lb_state *s);
void
lb_maglev_pick_bulk(const struct mp_lb_cluster *c, const uint32_t *hashes, int32_t *eps,
                    unsigned int n);

/* One step of nginx's smooth weighted round robin over the pickable endpoints; cw is indexed
 * by endpoint index. Shared by the precomputed and the live path so both give one sequence. */
static inline uint16_t
lb_swrr_step(const uint16_t *up_ep, const uint32_t *up_weight, unsigned int n, uint32_t total,
             int32_t *cw)
{
	unsigned int best = 0;
	int32_t best_cw = INT32_MIN;

	for (unsigned int i = 0; i < n; i++) {
		int32_t w = cw[up_ep[i]] + (int32_t)up_weight[i];

		cw[up_ep[i]] = w;
		/* Strictly greater: on a tie the first in config order wins, as in nginx. */
		if (w > best_cw) {
			best_cw = w;
			best = i;
		}
	}
	cw[up_ep[best]] -= (int32_t)total;
	return up_ep[best];
}

#endif /* LB_PRIV_H */
