/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The L4 stage's data path: steer each packet to the worker that owns its flow, look flows up
 * in bursts, open new flows on listeners (pick an endpoint, choose an SNAT address and a port
 * that steers replies back here), NAT and send. No locks, no syscalls, no allocation, no logs.
 */
#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "l4_priv.h"
#include "mp_counters.h"
#include "mp_flow.h"
#include "mp_lb.h"
#include "mp_timer.h"

/* Packets taken from the steering ring per loop, and timer handlers run per loop. */
#define L4_STEER_BURST     64
#define L4_TIMER_BUDGET    256
#define L4_SNAT_PORT_TRIES 32
#define L4_SNAT_RSS_TRIES  1024u

static inline uint64_t
l4_rand(struct mp_l4_ctx *c)
{
	/* xorshift64: fast, and good enough to spread SNAT ports. */
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

/* An SNAT port whose value names this worker (port % workers == worker), so that replies are
 * steered here from whichever queue they arrive on. */
static uint16_t
l4_snat_port(struct mp_l4_ctx *c)
{
	uint32_t nw = c->net->n_workers;
	uint32_t lo = (MP_L4_SNAT_PORT_MIN + nw - 1) / nw * nw;
	uint32_t slots = (UINT16_MAX - lo) / nw;

	return (uint16_t)(lo + (uint32_t)(l4_rand(c) % slots) * nw + c->net->worker);
}

/*
 * The SNAT port for a flow to endpoint ep:eport from snat, when the replies arrive on a port
 * whose RSS meshpath can predict: one that also makes the device deliver them to this worker's
 * queue, so they need no steering. 0 when the port cannot predict or no candidate was found
 * within the tries (the steering rule still holds for the port then chosen).
 */
static uint16_t
l4_snat_port_rss(struct mp_l4_ctx *c, const struct mp_net_rss *rss, int family, const uint8_t *ep,
                 rte_be16_t eport, const uint8_t *snat)
{
	uint32_t nw = c->net->n_workers;

	if (rss == NULL || nw == 1)
		return 0;
	/* A candidate matches both rules with odds 1/nw^2: 16 nw^2 tries miss with odds < 1e-7. */
	return mp_net_rss_pick_dport(rss, family, ep, snat, eport, c->net->queue, (uint16_t)nw,
	                             c->net->worker, MP_L4_SNAT_PORT_MIN, (uint32_t)l4_rand(c),
	                             RTE_MIN(16 * nw * nw, L4_SNAT_RSS_TRIES));
}

/* The config-wide index of endpoint ep of cluster (of the configuration's clusters): what the
 * stats are indexed by. */
static inline unsigned int
l4_ep_index(const struct mp_conf_cluster *clusters, unsigned int cluster, uint32_t ep)
{
	return clusters[cluster].first_endpoint + ep;
}

void
mp_l4_flow_event(struct mp_flow *f, enum mp_flow_event ev, void *arg)
{
	struct mp_l4_ctx *c = arg;

	if (ev == MP_FLOW_EV_CONNECT_TIMEOUT && f->user == c->cfg->generation)
		c->ws->estats[l4_ep_index(c->cfg->conf->clusters, f->cluster, f->endpoint)]
		        .connect_failed++;
}

void
mp_l4_flow_expired(struct mp_flow *f, void *arg)
{
	struct mp_l4_ctx *c = arg;

	/* A flow of an older generation counted in states that are gone. */
	if (f->user == c->cfg->generation)
		mp_lb_flow_close(c->ws->lb[f->cluster], (uint16_t)f->endpoint);
	mp_count_event(c->net->cnt, MP_EV_L4_FLOWS_CLOSED);
	if (c->alog != NULL)
		l4_alog_flow(c, f);
}

/* The meshpath port index of an ethdev port id (steered packets carry only the latter). */
static uint16_t
l4_port_index(const struct mp_l4_ctx *c, uint16_t port_id)
{
	uint16_t p;

	for (p = 0; p < c->net->n_ports; p++)
		if (c->net->ifaces[p].port_id == port_id)
			return p;
	return 0;
}

/* The source address for a flow to endpoint addr: the cluster's SNAT pool, else the address of
 * the port the endpoint is reached through. *egress (when not NULL) is set to that port. */
const uint8_t *
l4_source_addr(struct mp_l4_ctx *c, unsigned int cluster, int family, const uint8_t *ep,
               uint32_t hash, uint16_t *egress)
{
	const struct mp_net_addr *a;
	const struct mp_nexthop *nh;
	unsigned int n = c->cfg->n_snat[cluster];

	if (n != 0 && egress == NULL)
		return c->cfg->snat[cluster][hash % n].addr;
	nh = family == AF_INET ? mp_route_lookup4(c->net->routes, *(const uint32_t *)ep)
	                       : mp_route_lookup6(c->net->routes, ep);
	if (nh == NULL)
		return NULL;
	if (egress != NULL)
		*egress = nh->port;
	if (n != 0)
		return c->cfg->snat[cluster][hash % n].addr;
	a = mp_net_iface_source(&c->net->ifaces[nh->port], family, nh->gateway ? nh->addr : ep);
	return a != NULL ? a->addr : NULL;
}

static bool
l4_is_syn(const uint8_t *p, const struct mp_pkt_info *pi)
{
	uint8_t flags = p[pi->l4_off + 13];

	return (flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) ==
	       RTE_TCP_SYN_FLAG;
}

/* Open a flow for a packet that matched none; NULL when it was dropped (and counted). */
static struct mp_flow *
l4_open(struct mp_l4_ctx *c, const struct mp_flow_key *k, struct rte_mbuf *m, uint16_t port)
{
	const struct mp_pkt_info *pi = mp_pkt_info_of(m);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct mp_l4_listener *l;
	const struct mp_lb_endpoint *e;
	const struct mp_lb_cluster *cl;
	const uint8_t *snat, *ep_addr;
	const struct mp_net_rss *rss;
	struct mp_flow_key rk;
	uint16_t egress = 0;
	struct mp_flow *f = NULL;
	uint32_t hash;
	unsigned int i;
	int ep;

	if (pi->local == MP_LOCAL_SNAT) {
		mp_net_drop(c->net, m, MP_DROP_NO_FLOW);
		return NULL;
	}
	if (pi->local == MP_LOCAL_HOST && k->proto == IPPROTO_TCP && c->serve != NULL) {
		/* TCP to a host address that no flow or probe claimed: meshpath's own connections
		 * (active opens pick a port that steers here); the stack answers the rest. */
		c->serve(c->serve_arg, &m, 1);
		return NULL;
	}
	l = pi->local != MP_LOCAL_VIP ? NULL
	                              : mp_l4_listener_find(c->cfg->listeners, k->family, k->proto,
	                                                    k->dst, rte_be_to_cpu_16(k->dport));
	if (l == NULL || (l->service != MP_SVC_NONE && c->serve == NULL)) {
		/* A closed port: say so, as a host would. */
		mp_count_drop(c->net->cnt, MP_DROP_NO_LISTENER);
		mp_net_reject(c->net, m, pi, port);
		return NULL;
	}
	if (l->service != MP_SVC_NONE) {
		/* meshpath's own service: every segment of it goes to the TCP stack. */
		c->serve(c->serve_arg, &m, 1);
		return NULL;
	}
	if (k->proto == IPPROTO_TCP && !l4_is_syn(p, pi)) {
		mp_net_drop(c->net, m, MP_DROP_NO_FLOW);
		return NULL;
	}
	hash = k->family == AF_INET
	               ? mp_lb_hash_v4(*(const rte_be32_t *)k->src, *(const rte_be32_t *)k->dst,
	                               k->sport, k->dport, k->proto, MP_LB_HASH_SEED)
	               : mp_lb_hash_v6(k->src, k->dst, k->sport, k->dport, k->proto,
	                               MP_LB_HASH_SEED);
	cl = c->cfg->clusters[l->cluster];
	ep = mp_lb_pick(cl, c->ws->lb[l->cluster], hash);
	if (ep < 0) {
		c->ws->lstats[l->id].refused++;
		mp_count_drop(c->net->cnt, MP_DROP_NO_ENDPOINT);
		mp_net_reject(c->net, m, pi, port);
		return NULL;
	}
	e = mp_lb_endpoint(cl, (uint16_t)ep);
	ep_addr = e->family == AF_INET ? (const uint8_t *)&e->addr.v4 : e->addr.v6;
	snat = l4_source_addr(c, l->cluster, k->family, ep_addr, hash, &egress);
	if (snat == NULL) {
		mp_net_drop(c->net, m, MP_DROP_NO_ROUTE);
		return NULL;
	}
	rss = c->net->ifaces[egress].rss;
	for (i = 0; i < L4_SNAT_PORT_TRIES; i++) {
		uint16_t sport = l4_snat_port_rss(c, rss, k->family, ep_addr, e->port, snat);

		if (sport != 0)
			mp_count_event(c->net->cnt, MP_EV_L4_SNAT_RSS);
		else if (rss != NULL && c->net->n_workers > 1)
			mp_count_event(c->net->cnt, MP_EV_L4_SNAT_RSS_MISS);
		mp_flow_key_set(&rk, k->family, k->proto, ep_addr, snat, e->port,
		                rte_cpu_to_be_16(sport != 0 ? sport : l4_snat_port(c)));
		f = mp_flow_create(c->flows, k, &rk, c->net->now);
		if (f != NULL || rte_errno != EEXIST)
			break;
	}
	if (f == NULL) {
		c->ws->lstats[l->id].refused++;
		mp_net_drop(c->net, m,
		            i == L4_SNAT_PORT_TRIES ? MP_DROP_SNAT_PORTS : MP_DROP_FLOW_FULL);
		return NULL;
	}
	f->user = c->cfg->generation;
	f->endpoint = (uint32_t)ep;
	f->listener = l->id;
	f->cluster = l->cluster;
	c->ws->lstats[l->id].flows++;
	c->ws->estats[l4_ep_index(c->cfg->conf->clusters, l->cluster, (uint32_t)ep)].flows++;
	mp_lb_flow_open(c->ws->lb[l->cluster], (uint16_t)ep);
	mp_count_event(c->net->cnt, MP_EV_L4_FLOWS_OPENED);
	return f;
}

/*
 * What forwarding a burst's packets reads of the context, read once per burst (l4_burst_init()):
 * NAT writes the packets through byte pointers, which may alias anything, so without these
 * copies the compiler reads the context again for every packet.
 */
struct l4_burst {
	struct mp_l4_ctx *c;
	struct mp_net_ctx *net;
	struct mp_l4_worker_state *ws;
	const struct mp_conf_cluster *clusters;
	uint64_t now;
	uint16_t generation;
};

static inline void
l4_burst_init(struct l4_burst *b, struct mp_l4_ctx *c)
{
	b->c = c;
	b->net = c->net;
	b->ws = c->ws;
	b->clusters = c->cfg->conf->clusters;
	b->now = c->net->now;
	b->generation = c->cfg->generation;
}

/* The statistics of one packet of f (len bytes of IP header and payload) in direction dir. */
static inline void
l4_count(const struct l4_burst *b, const struct mp_flow *f, unsigned int dir, uint32_t len,
         enum mp_flow_event ev)
{
	struct mp_l4_endpoint_stats *es;
	struct mp_l4_listener_stats *ls;

	/* Flows of an older generation forward but count nowhere: their indexes are gone. */
	if (f->user != b->generation)
		return;
	es = &b->ws->estats[l4_ep_index(b->clusters, f->cluster, f->endpoint)];
	ls = &b->ws->lstats[f->listener];
	ls->pkts[dir]++;
	ls->bytes[dir] += len;
	es->bytes[dir] += len;
	if (ev == MP_FLOW_EV_CONNECT_OK) {
		es->connect_ok++;
		mp_hist_record(&b->ws->connect[f->cluster], b->now - f->created_tsc);
	}
	es->connect_failed += ev == MP_FLOW_EV_CONNECT_RST;
}

/* Track, NAT and send one packet of flow f. */
static void
l4_forward(struct mp_l4_ctx *c, struct mp_flow *f, unsigned int dir, struct rte_mbuf *m,
           uint16_t port)
{
	struct mp_pkt_info *pi = mp_pkt_info_of(m);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	int family = pi->l3 == MP_L3_IPV4 ? AF_INET : AF_INET6;
	enum mp_flow_event ev = mp_flow_track(c->flows, f, dir, p, pi, c->net->now);
	struct l4_burst b;
	uint8_t *l3;

	l4_burst_init(&b, c);
	l4_count(&b, f, dir, pi->pkt_len - pi->l3_off, ev);
	if (!mp_flow_nat(c->flows, f, dir, p, pi)) {
		mp_net_drop(c->net, m, MP_DROP_NAT_FAILED);
		return;
	}
	l3 = p + pi->l3_off;
	/* Checksums were updated in software: no stale receive flags may reach a TX offload. */
	m->ol_flags = 0;
	mp_net_forward(c->net, m, pi->l3_off, family, family == AF_INET ? l3 + 16 : l3 + 24, port);
}

/*
 * l4_forward() for an IPv4 TCP or UDP packet, taken the short way when its flow is in its steady
 * state (mp_flow_refresh(): no TCP state to run, no SYN whose MSS to clamp); the whole way when
 * not.
 */
static inline void
l4_forward4(const struct l4_burst *b, struct mp_flow *f, unsigned int dir, struct rte_mbuf *m,
            uint16_t port)
{
	const struct mp_pkt_info *pi = mp_pkt_info_of(m);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *l3 = p + pi->l3_off, *l4 = p + pi->l4_off;
	uint32_t len = pi->pkt_len - pi->l3_off;
	uint8_t flags =
	        pi->l4_proto == IPPROTO_TCP ? ((const struct rte_tcp_hdr *)l4)->tcp_flags : 0;

	if (!mp_flow_refresh(f, dir, flags, len, b->now)) {
		l4_forward(b->c, f, dir, m, port);
		return;
	}
	l4_count(b, f, dir, len, MP_FLOW_EV_NONE);
	mp_flow_nat4(f, dir, l3, l4, pi->l4_proto);
	m->ol_flags = 0;
	mp_net_forward(b->net, m, pi->l3_off, AF_INET, l3 + offsetof(struct rte_ipv4_hdr, dst_addr),
	               port);
}

/*
 * An ICMP error about a tracked flow (fragmentation needed, unreachable, time exceeded) goes to
 * the flow's other end translated: outer addresses, and the quoted header, as that end sent it.
 * Without it, path MTU discovery through the load balancer breaks.
 */
static void
l4_icmp_error(struct mp_l4_ctx *c, struct rte_mbuf *m, uint16_t port)
{
	struct mp_pkt_info *pi = mp_pkt_info_of(m);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	const struct mp_flow_key *kp;
	struct mp_flow_nat a;
	struct mp_flow_key k;
	struct mp_flow *f;
	uint8_t dir, *l3;
	int family;

	if (!mp_flow_icmp_key(p, pi, &k)) {
		mp_net_drop(c->net, m, MP_DROP_L4_PROTO);
		return;
	}
	kp = &k;
	if (mp_flow_lookup_bulk(c->flows, &kp, 1, &f, &dir) != 1) {
		mp_net_drop(c->net, m, MP_DROP_NO_FLOW);
		return;
	}
	mp_flow_nat_of(f, dir, &a);
	if (!mp_flow_nat_icmp(p, pi, &a)) {
		mp_net_drop(c->net, m, MP_DROP_NAT_FAILED);
		return;
	}
	family = pi->l3 == MP_L3_IPV4 ? AF_INET : AF_INET6;
	l3 = (uint8_t *)rte_pktmbuf_adj(m, pi->l3_off);
	m->ol_flags = 0;
	mp_count_event(c->net->cnt, MP_EV_L4_ICMP_TRANSLATED);
	mp_net_output(c->net, m, family, family == AF_INET ? l3 + 16 : l3 + 24, port);
}

/* A packet with key k that no flow of the burst's lookup matched: open one, or hand it on. */
static void
l4_miss(struct mp_l4_ctx *c, uint16_t port, struct rte_mbuf *m, const struct mp_flow_key *k,
        bool *opened)
{
	struct mp_flow *f;
	uint8_t d;

	/* A flow opened earlier in this burst is not in the bulk answer: ask again. */
	if (*opened && mp_flow_lookup_bulk(c->flows, &k, 1, &f, &d) == 1) {
		l4_forward(c, f, d, m, port);
		return;
	}
	if (l4_probe_input(c, m, port))
		return;
	f = l4_open(c, k, m, port);
	if (f == NULL)
		return;
	*opened = true;
	l4_forward(c, f, MP_FLOW_DIR_ORIG, m, port);
}

/* How l4_process() looks a packet up. */
enum l4_lane {
	L4_LANE_V4,   /* IPv4 TCP or UDP: by its tuple, in the packet */
	L4_LANE_KEY,  /* IPv6 TCP or UDP: by a key */
	L4_LANE_ICMP, /* an ICMP error, handled at once */
};

/*
 * Look up a burst of packets this worker owns and forward each, in order. IPv4 TCP and UDP, most
 * of the traffic, are looked up by the tuple in the packet and, when their flow is in its steady
 * state, forwarded without building a key (l4_forward4()).
 */
static void
l4_process(struct mp_l4_ctx *c, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct mp_flow_tuple4 tu[L4_STEER_BURST];
	struct mp_flow *f4[L4_STEER_BURST];
	uint8_t d4[L4_STEER_BURST];
	struct mp_flow_key keys[L4_STEER_BURST];
	const struct mp_flow_key *kp[L4_STEER_BURST];
	struct mp_flow *fk[L4_STEER_BURST];
	uint8_t dk[L4_STEER_BURST];
	uint8_t lane[L4_STEER_BURST];
	unsigned int i, n4 = 0, nk = 0;
	bool opened = false;
	struct l4_burst b;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct mp_pkt_info *pi = mp_pkt_info_of(m);
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

		if (pi->l3 == MP_L3_IPV4 &&
		    (pi->l4_proto == IPPROTO_TCP || pi->l4_proto == IPPROTO_UDP) &&
		    pi->l4_len != 0 && !(pi->flags & MP_PKT_F_FRAG)) {
			mp_flow_tuple4_from_pkt(&tu[n4++], p + pi->l3_off, p + pi->l4_off,
			                        pi->l4_proto);
			lane[i] = L4_LANE_V4;
		} else if (mp_flow_key_from_pkt(&keys[nk], p, pi)) {
			kp[nk] = &keys[nk];
			nk++;
			lane[i] = L4_LANE_KEY;
		} else {
			lane[i] = L4_LANE_ICMP;
		}
	}
	if (n4 != 0)
		mp_flow_lookup4_bulk(c->flows, tu, n4, f4, d4);
	if (nk != 0)
		mp_flow_lookup_bulk(c->flows, kp, nk, fk, dk);
	l4_burst_init(&b, c);
	for (i = 0, n4 = 0, nk = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct mp_flow_key k;

		switch (lane[i]) {
		case L4_LANE_V4:
			if (f4[n4] != NULL) {
				l4_forward4(&b, f4[n4], d4[n4], m, port);
			} else {
				mp_flow_key_from_pkt(&k, rte_pktmbuf_mtod(m, const uint8_t *),
				                     mp_pkt_info_of(m));
				l4_miss(c, port, m, &k, &opened);
			}
			n4++;
			break;
		case L4_LANE_KEY:
			if (fk[nk] != NULL)
				l4_forward(c, fk[nk], dk[nk], m, port);
			else
				l4_miss(c, port, m, &keys[nk], &opened);
			nk++;
			break;
		case L4_LANE_ICMP:
			l4_icmp_error(c, m, port);
			break;
		}
	}
}

/* Out of line, as mp_net_input(): one call per burst, and profiles tell the stages apart. */
__rte_noinline void
mp_l4_input(struct mp_l4_ctx *c, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *mine[L4_STEER_BURST];
	uint16_t self = c->net->worker, nw = c->net->n_workers;
	unsigned int i, k = 0;

	if (nw == 1) { /* everything is this worker's */
		for (i = 0; i < n; i += L4_STEER_BURST)
			l4_process(c, port, &pkts[i],
			           (uint16_t)RTE_MIN(n - i, (unsigned int)L4_STEER_BURST));
		return;
	}
	for (i = 0; i < n; i++) {
		uint16_t owner = mp_l4_owner(pkts[i], c->port_rss[port], self, nw);

		if (owner != self) {
			if (rte_ring_mp_enqueue(c->rings[owner], pkts[i]) != 0)
				mp_net_drop(c->net, pkts[i], MP_DROP_RING_FULL);
			else
				mp_count_event(c->net->cnt, MP_EV_L4_STEERED_OUT);
			continue;
		}
		mine[k++] = pkts[i];
		if (k == L4_STEER_BURST) {
			l4_process(c, port, mine, (uint16_t)k);
			k = 0;
		}
	}
	if (k != 0)
		l4_process(c, port, mine, (uint16_t)k);
}

void
mp_l4_poll(struct mp_l4_ctx *c)
{
	struct rte_mbuf *pkts[L4_STEER_BURST];
	unsigned int n, i, start;

	n = rte_ring_sc_dequeue_burst(c->rings[c->net->worker], (void **)pkts, L4_STEER_BURST,
	                              NULL);
	if (n != 0) {
		c->net->cnt->events[MP_EV_L4_STEERED_IN] += n;
		/* Keep runs of one ingress port together: output needs it only for link-local
		 * destinations, but bursts stay bursts. */
		for (start = 0, i = 1; i <= n; i++) {
			if (i < n && pkts[i]->port == pkts[start]->port)
				continue;
			l4_process(c, l4_port_index(c, pkts[start]->port), &pkts[start],
			           (uint16_t)(i - start));
			start = i;
		}
	}
	l4_probe_poll(c);
	mp_timer_wheel_advance(c->wheel, c->net->now, L4_TIMER_BUDGET);
}
