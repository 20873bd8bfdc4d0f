/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cluster objects and per-worker state: validation, allocation, the endpoint arrays every
 * policy shares. The policy tables are built by each policy's own file. Control path only.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "lb_priv.h"

void
lb_err(FILE *err, const struct mp_conf *conf, int line, const struct mp_conf_cluster *cc,
       const char *fmt, ...)
{
	const char *path = conf->path[0] != '\0' ? conf->path : "<config>";
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err != NULL)
		fprintf(err, "%s:%d: cluster %s: %s\n", path, line, cc->name, msg);
	else
		MP_LOG(ERR, "%s:%d: cluster %s: %s", path, line, cc->name, msg);
}

int
lb_ep_cmp(const struct mp_lb_endpoint *a, const struct mp_lb_endpoint *b)
{
	int d;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	/* The unused 12 bytes of an IPv4 address are zero, so comparing all 16 is fine. */
	d = memcmp(a->addr.v6, b->addr.v6, sizeof(a->addr.v6));
	if (d != 0)
		return d;
	return memcmp(&a->port, &b->port, sizeof(a->port));
}

static int
lb_order_cmp(const void *pa, const void *pb, void *arg)
{
	const struct mp_lb_endpoint *eps = arg;
	uint16_t a = *(const uint16_t *)pa;
	uint16_t b = *(const uint16_t *)pb;
	int d = lb_ep_cmp(&eps[a], &eps[b]);

	/* Only equal identities tie, and those are rejected; the index keeps the order total. */
	if (d != 0)
		return d;
	return a < b ? -1 : a > b;
}

/* Checks that need the config only; the duplicate check needs the built endpoints. */
static int
lb_check(const struct mp_conf *conf, const struct mp_conf_cluster *cc, FILE *err)
{
	const struct mp_conf_endpoint *ce;
	char addr[64];
	int rc = 0;

	if (cc->n_endpoints == 0) {
		lb_err(err, conf, cc->line, cc, "no endpoints: list at least one in `endpoints`");
		return -EINVAL;
	}
	if (cc->n_endpoints > MP_MAX_ENDPOINTS) {
		lb_err(err, conf, cc->line, cc,
		       "%u endpoints, more than the %u meshpath supports: split the cluster",
		       cc->n_endpoints, MP_MAX_ENDPOINTS);
		return -EINVAL;
	}
	if (cc->first_endpoint > conf->n_endpoints ||
	    cc->n_endpoints > conf->n_endpoints - cc->first_endpoint) {
		lb_err(err, conf, cc->line, cc,
		       "endpoints %u..%u lie outside the config's %u endpoints (a config bug)",
		       cc->first_endpoint, cc->first_endpoint + cc->n_endpoints - 1,
		       conf->n_endpoints);
		return -EINVAL;
	}
	ce = &conf->endpoints[cc->first_endpoint];
	for (unsigned int i = 0; i < cc->n_endpoints; i++) {
		if (ce[i].addr.family != AF_INET && ce[i].addr.family != AF_INET6) {
			lb_err(err, conf, ce[i].line, cc,
			       "endpoint %u: address family %u is neither IPv4 nor IPv6", i,
			       ce[i].addr.family);
			rc = -EINVAL;
			continue;
		}
		if (ce[i].weight > MP_LB_WEIGHT_MAX) {
			lb_err(err, conf, ce[i].line, cc,
			       "endpoint %s port %u: weight %u is above %u: lower it (0 drains)",
			       mp_conf_addr_str(&ce[i].addr, 0, addr, sizeof(addr)), ce[i].port,
			       ce[i].weight, MP_LB_WEIGHT_MAX);
			rc = -EINVAL;
		}
	}
	switch (cc->policy) {
	case MP_LB_MAGLEV:
		if (lb_maglev_check(conf, cc, err) != 0)
			rc = -EINVAL;
		break;
	case MP_LB_ROUND_ROBIN:
	case MP_LB_RANDOM:
	case MP_LB_LEAST_CONN:
	case MP_LB_LEAST_REQUEST: /* draws from the alias table, built for every policy */
	case MP_LB_RING_HASH:     /* the ring is the proxy's: mp_lb_ring_build() */
		break;
	default:
		lb_err(err, conf, cc->line, cc,
		       "policy %d unknown: use maglev, round_robin, random, least_connections, "
		       "least_request or ring_hash",
		       (int)cc->policy);
		rc = -EINVAL;
	}
	return rc;
}

/*
 * Sort every endpoint index by identity into order[] and reject a second endpoint with the
 * address and port of another: Maglev would give both the same permutation, and which one
 * wins a slot would then depend on config order.
 */
static int
lb_sort_check_dups(const struct mp_conf *conf, const struct mp_conf_cluster *cc,
                   const struct mp_lb_endpoint *eps, uint16_t *order, FILE *err)
{
	const struct mp_conf_endpoint *ce = &conf->endpoints[cc->first_endpoint];
	char addr[64];
	int rc = 0;

	for (unsigned int i = 0; i < cc->n_endpoints; i++)
		order[i] = (uint16_t)i;
	qsort_r(order, cc->n_endpoints, sizeof(*order), lb_order_cmp, (void *)(uintptr_t)eps);
	for (unsigned int i = 1; i < cc->n_endpoints; i++) {
		uint16_t a = order[i - 1];
		uint16_t b = order[i];

		if (lb_ep_cmp(&eps[a], &eps[b]) != 0)
			continue;
		lb_err(err, conf, ce[b].line, cc,
		       "endpoint %s port %u is listed twice (lines %d and %d): remove one, or "
		       "give one entry the sum of the weights",
		       mp_conf_addr_str(&ce[b].addr, 0, addr, sizeof(addr)), ce[b].port, ce[a].line,
		       ce[b].line);
		rc = -EINVAL;
	}
	return rc;
}

static unsigned int
lb_gcd(unsigned int a, unsigned int b)
{
	while (b != 0) {
		unsigned int t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Reserve size bytes at alignment align in the object being laid out; returns the offset. */
static size_t
lb_carve(size_t *len, size_t size, size_t align)
{
	size_t off = RTE_ALIGN_CEIL(*len, align);

	*len = off + size;
	return off;
}

int
mp_lb_cluster_build(const struct mp_conf *conf, unsigned int cluster, const uint8_t *up, int socket,
                    FILE *err, struct mp_lb_cluster **out)
{
	const struct mp_conf_cluster *cc;
	const struct mp_conf_endpoint *ce;
	struct mp_lb_cluster *c;
	uint16_t *order = NULL;
	unsigned int n, n_up = 0, gcd = 0;
	uint32_t total = 0, seq_len = 0;
	size_t len = sizeof(*c), off_eps, off_alias = 0, off_weight, off_ep, off_table = 0;
	size_t off_seq = 0;
	int rc;

	if (conf == NULL || out == NULL || cluster >= conf->n_clusters) {
		if (err != NULL)
			fprintf(err, "lb: cluster %u does not exist\n", cluster);
		else
			MP_LOG(ERR, "lb: cluster %u does not exist", cluster);
		return -EINVAL;
	}
	cc = &conf->clusters[cluster];
	rc = lb_check(conf, cc, err);
	if (rc != 0)
		return rc;
	n = cc->n_endpoints;
	ce = &conf->endpoints[cc->first_endpoint];

	for (unsigned int i = 0; i < n; i++) {
		if ((up != NULL && up[i] == 0) || ce[i].weight == 0)
			continue;
		n_up++;
		total += ce[i].weight;
		gcd = lb_gcd(gcd, ce[i].weight);
	}
	if (cc->policy == MP_LB_ROUND_ROBIN && n_up > 0)
		seq_len = lb_rr_seq_len(total / gcd, n_up);

	/* One allocation, largest alignment first; the ring starts on a cache line. */
	off_eps = lb_carve(&len, n * sizeof(struct mp_lb_endpoint), alignof(struct mp_lb_endpoint));
	/* Every policy: least request draws from it whatever the cluster's own policy. */
	off_alias = lb_carve(&len, n_up * sizeof(struct lb_alias), alignof(struct lb_alias));
	off_weight = lb_carve(&len, n_up * sizeof(uint32_t), alignof(uint32_t));
	off_ep = lb_carve(&len, n_up * sizeof(uint16_t), alignof(uint16_t));
	if (cc->policy == MP_LB_MAGLEV && n_up > 0)
		off_table = lb_carve(&len, (size_t)cc->maglev_size * sizeof(uint16_t),
		                     RTE_CACHE_LINE_SIZE);
	if (seq_len > 0)
		off_seq = lb_carve(&len, seq_len * sizeof(uint16_t), alignof(uint16_t));

	c = rte_zmalloc_socket("mp_lb_cluster", len, RTE_CACHE_LINE_SIZE, socket);
	if (c == NULL) {
		lb_err(err, conf, cc->line, cc, "out of memory for %zu bytes", len);
		return -ENOMEM;
	}
	c->policy = cc->policy;
	c->n_endpoints = (uint16_t)n;
	c->n_up = (uint16_t)n_up;
	c->total_weight = total;
	snprintf(c->name, sizeof(c->name), "%s", cc->name);
	c->eps = RTE_PTR_ADD(c, off_eps);
	c->up_weight = RTE_PTR_ADD(c, off_weight);
	c->up_ep = RTE_PTR_ADD(c, off_ep);
	/* Pointers of the parts not carved stay NULL: mp_lb_maglev_table() relies on it. */
	c->alias = RTE_PTR_ADD(c, off_alias);
	if (cc->policy == MP_LB_MAGLEV && n_up > 0) {
		c->maglev = RTE_PTR_ADD(c, off_table);
		c->maglev_size = cc->maglev_size;
		c->maglev_magic = lb_fastmod_magic(cc->maglev_size);
	}
	if (seq_len > 0) {
		c->rr_seq = RTE_PTR_ADD(c, off_seq);
		c->rr_period = seq_len;
	}

	n_up = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct mp_lb_endpoint *e = &c->eps[i];

		e->family = ce[i].addr.family;
		if (e->family == AF_INET)
			e->addr.v4 = ce[i].addr.v4;
		else
			memcpy(e->addr.v6, ce[i].addr.v6, sizeof(e->addr.v6));
		e->port = rte_cpu_to_be_16(ce[i].port);
		e->up = up == NULL || up[i] != 0;
		e->weight = ce[i].weight;
		if (e->up && e->weight > 0) {
			c->up_ep[n_up] = (uint16_t)i;
			c->up_weight[n_up] = e->weight;
			n_up++;
		}
	}

	order = malloc(n * sizeof(*order));
	if (order == NULL) {
		lb_err(err, conf, cc->line, cc, "out of memory sorting %u endpoints", n);
		rc = -ENOMEM;
		goto err_free;
	}
	rc = lb_sort_check_dups(conf, cc, c->eps, order, err);
	if (rc != 0)
		goto err_free;
	if (n_up > 0) {
		/* The alias table, whatever the policy: least request draws from it too. */
		rc = lb_random_build(c);
		if (rc == 0 && c->policy == MP_LB_MAGLEV)
			rc = lb_maglev_build(c, order);
		else if (rc == 0 && c->policy == MP_LB_ROUND_ROBIN)
			rc = lb_rr_build(c);
		if (rc != 0) {
			lb_err(err, conf, cc->line, cc, "out of memory while building the %s table",
			       c->policy == MP_LB_MAGLEV ? "Maglev" : "policy");
			goto err_free;
		}
	}
	free(order);
	*out = c;
	return 0;

err_free:
	free(order);
	rte_free(c);
	return rc;
}

void
mp_lb_cluster_free(struct mp_lb_cluster *c)
{
	rte_free(c);
}

enum mp_lb_policy
mp_lb_cluster_policy(const struct mp_lb_cluster *c)
{
	return c->policy;
}

uint16_t
mp_lb_cluster_n_endpoints(const struct mp_lb_cluster *c)
{
	return c->n_endpoints;
}

uint16_t
mp_lb_cluster_n_pickable(const struct mp_lb_cluster *c)
{
	return c->n_up;
}

const struct mp_lb_endpoint *
mp_lb_endpoint(const struct mp_lb_cluster *c, uint16_t ep)
{
	RTE_ASSERT(ep < c->n_endpoints);
	return &c->eps[ep];
}

const uint16_t *
mp_lb_maglev_table(const struct mp_lb_cluster *c, uint32_t *size)
{
	*size = c->maglev != NULL ? c->maglev_size : 0;
	return c->maglev;
}

struct mp_lb_state *
mp_lb_state_create(const struct mp_lb_cluster *c, int socket, uint64_t seed)
{
	struct mp_lb_state *s;
	size_t len = sizeof(*s);
	size_t off_active, off_cw;

	if (c == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	off_active = lb_carve(&len, c->n_endpoints * sizeof(uint32_t), alignof(uint32_t));
	off_cw = lb_carve(&len, c->n_endpoints * sizeof(int32_t), alignof(int32_t));
	s = rte_zmalloc_socket("mp_lb_state", len, RTE_CACHE_LINE_SIZE, socket);
	if (s == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	s->n_endpoints = c->n_endpoints;
	s->active = RTE_PTR_ADD(s, off_active);
	s->rr_cw = RTE_PTR_ADD(s, off_cw);
	s->rng = seed;
	/* Start each worker's round robin and least-connections scan somewhere of its own, so
	 * that the workers' first flows do not all go to the first endpoint. Both positions are
	 * reduced modulo the current period or endpoint count when used. */
	s->rr_pos = (uint32_t)lb_splitmix64(&s->rng);
	s->lc_next = s->rr_pos;
	return s;
}

void
mp_lb_state_free(struct mp_lb_state *s)
{
	rte_free(s);
}

uint32_t
mp_lb_state_active(const struct mp_lb_state *s, uint16_t ep)
{
	RTE_ASSERT(ep < s->n_endpoints);
	return s->active[ep];
}
