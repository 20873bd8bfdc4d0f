/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routes. The control thread builds one rte_fib (DIR24_8) and one rte_fib6 (TRIE) whose
 * next-hop values index an array of struct mp_nexthop; workers only look up. A reload builds a
 * new table and swaps the pointer (RCU, with the reload issue).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_malloc.h>

#include "mp_conf.h"
#include "net_priv.h"

/* Groups of 256 entries for IPv4 prefixes longer than /24 and for the IPv6 trie levels. */
#define ROUTE_TBL8 1024

struct mp_route_table {
	struct rte_fib *fib4;
	struct rte_fib6 *fib6;
	unsigned int n_routes;
	unsigned int n_nh;
	struct mp_nexthop nh[];
};

static unsigned int route_seq;

static int
route_add(struct mp_route_table *rt, const struct mp_net_addr *dst, const struct mp_nexthop *nh)
{
	uint32_t id = rt->n_nh++;
	int rc;

	rt->nh[id] = *nh;
	if (dst->family == AF_INET)
		rc = rte_fib_add(rt->fib4, rte_be_to_cpu_32(net_ip4(dst->addr)), dst->prefix, id);
	else
		rc = rte_fib6_add(rt->fib6, dst->addr, dst->prefix, id);
	if (rc == 0)
		rt->n_routes++;
	return rc;
}

/* The prefix of an address: host bits cleared. */
static void
route_prefix_of(struct mp_net_addr *out, const struct mp_net_addr *a)
{
	unsigned int len = a->family == AF_INET ? 4 : 16, i;

	*out = *a;
	for (i = 0; i < len; i++) {
		unsigned int bit = i * 8;

		if (bit >= a->prefix)
			out->addr[i] = 0;
		else if (bit + 8 > a->prefix)
			out->addr[i] &= (uint8_t)(0xff << (8 - (a->prefix - bit)));
	}
}

static int
route_gateway_port(const struct mp_net_iface *ifaces, unsigned int n, int family, const uint8_t *gw)
{
	unsigned int p, i;

	for (p = 0; p < n; p++)
		for (i = 0; i < ifaces[p].n_addrs; i++)
			if (mp_net_addr_in_prefix(&ifaces[p].addrs[i], family, gw) &&
			    !(family == AF_INET6 && net_ip6_is_linklocal(ifaces[p].addrs[i].addr)))
				return (int)p;
	return -1;
}

static int
route_add_static(struct mp_route_table *rt, const struct mp_conf_route *r,
                 const struct mp_net_iface *ifaces, unsigned int n)
{
	struct mp_net_addr dst = {.family = r->dst.family, .prefix = r->dst.prefix};
	struct mp_nexthop nh = {.family = r->dst.family};
	size_t len = r->dst.family == AF_INET ? 4 : 16;
	int port = r->port;

	memcpy(dst.addr, r->dst.family == AF_INET ? (const void *)&r->dst.v4 : r->dst.v6, len);
	if (r->gateway.family != 0) {
		nh.gateway = 1;
		memcpy(nh.addr,
		       r->gateway.family == AF_INET ? (const void *)&r->gateway.v4 : r->gateway.v6,
		       len);
		if (port < 0)
			port = route_gateway_port(ifaces, n, nh.family, nh.addr);
	}
	if (port < 0) {
		MP_LOG(ERR, "route at line %d: gateway is on no port's subnet", r->line);
		return -EINVAL;
	}
	nh.port = (uint16_t)port;
	return route_add(rt, &dst, &nh);
}

struct mp_route_table *
mp_route_build(const struct mp_conf *conf, const struct mp_net_iface *ifaces, unsigned int n,
               int socket_id)
{
	unsigned int max_nh = MP_MAX_ROUTES + n * (MP_MAX_PORT_ADDRS + 1) + 1;
	struct rte_fib_conf c4 = {
	        .type = RTE_FIB_DIR24_8,
	        .default_nh = MP_NH_NONE,
	        .max_routes = (int)max_nh,
	        .dir24_8 = {.nh_sz = RTE_FIB_DIR24_8_2B, .num_tbl8 = ROUTE_TBL8},
	};
	struct rte_fib6_conf c6 = {
	        .type = RTE_FIB6_TRIE,
	        .default_nh = MP_NH_NONE,
	        .max_routes = (int)max_nh,
	        .trie = {.nh_sz = RTE_FIB6_TRIE_2B, .num_tbl8 = ROUTE_TBL8},
	};
	struct mp_route_table *rt;
	char name[32];
	unsigned int seq = route_seq++, p, i;
	int rc;

	rt = rte_zmalloc_socket("mp_routes", sizeof(*rt) + max_nh * sizeof(rt->nh[0]),
	                        RTE_CACHE_LINE_SIZE, socket_id);
	if (rt == NULL) {
		MP_LOG(ERR, "no memory for the route table: raise -m in eal.args");
		return NULL;
	}
	rt->n_nh = 1; /* id 0 is MP_NH_NONE */
	snprintf(name, sizeof(name), "mp_fib4_%u", seq);
	rt->fib4 = rte_fib_create(name, socket_id, &c4);
	snprintf(name, sizeof(name), "mp_fib6_%u", seq);
	rt->fib6 = rte_fib6_create(name, socket_id, &c6);
	if (rt->fib4 == NULL || rt->fib6 == NULL) {
		MP_LOG(ERR,
		       "cannot create the FIBs (%s): the IPv4 table needs 32 MB, raise -m in "
		       "eal.args",
		       rte_strerror(rte_errno));
		goto fail;
	}

	for (p = 0; p < n; p++) {
		for (i = 0; i < ifaces[p].n_addrs; i++) {
			const struct mp_net_addr *a = &ifaces[p].addrs[i];
			struct mp_nexthop nh = {.port = (uint16_t)p, .family = a->family};
			struct mp_net_addr pfx;

			/* Link-local has no route: it is scoped to the port it arrived on. */
			if (a->family == AF_INET6 && net_ip6_is_linklocal(a->addr))
				continue;
			route_prefix_of(&pfx, a);
			rc = route_add(rt, &pfx, &nh);
			if (rc < 0) {
				MP_LOG(ERR, "port %u: cannot add connected route: %s", p,
				       rte_strerror(-rc));
				goto fail;
			}
		}
	}
	for (i = 0; i < conf->n_routes; i++) {
		rc = route_add_static(rt, &conf->routes[i], ifaces, n);
		if (rc < 0) {
			MP_LOG(ERR, "route at line %d: cannot add: %s", conf->routes[i].line,
			       rte_strerror(-rc));
			goto fail;
		}
	}
	return rt;
fail:
	mp_route_free(rt);
	return NULL;
}

void
mp_route_free(struct mp_route_table *rt)
{
	if (rt == NULL)
		return;
	rte_fib_free(rt->fib4);
	rte_fib6_free(rt->fib6);
	rte_free(rt);
}

unsigned int
mp_route_count(const struct mp_route_table *rt)
{
	return rt->n_routes;
}

const struct mp_nexthop *
mp_route_lookup4(const struct mp_route_table *rt, uint32_t dst)
{
	uint32_t ip = rte_be_to_cpu_32(dst);
	uint64_t nh = MP_NH_NONE;

	/* rte_fib's lookup takes a non-const table but only reads it. */
	rte_fib_lookup_bulk((struct rte_fib *)(uintptr_t)rt->fib4, &ip, &nh, 1);
	return nh == MP_NH_NONE || nh >= rt->n_nh ? NULL : &rt->nh[nh];
}

const struct mp_nexthop *
mp_route_lookup6(const struct mp_route_table *rt, const uint8_t dst[16])
{
	uint8_t ip[1][RTE_FIB6_IPV6_ADDR_SIZE];
	uint64_t nh = MP_NH_NONE;

	memcpy(ip[0], dst, sizeof(ip[0]));
	rte_fib6_lookup_bulk((struct rte_fib6 *)(uintptr_t)rt->fib6, ip, &nh, 1);
	return nh == MP_NH_NONE || nh >= rt->n_nh ? NULL : &rt->nh[nh];
}
