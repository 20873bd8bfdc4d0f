/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active health checks, data side: a TCP connect per endpoint every interval, sent through the
 * data path from the probe port of that endpoint by the worker the port steers to. A SYN-ACK
 * that acknowledges the SYN is a success (answered with a RST, so the endpoint keeps no
 * half-open connection); a RST, or nothing within the timeout, is a failure. HTTP checks run
 * on the same schedule and worker, through the checker (struct mp_l4_http_checker), which
 * reports its verdicts with mp_l4_probe_done(). Results are counted per endpoint; the control
 * thread turns them into up/down (health.c).
 */
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "l4_priv.h"
#include "mp_counters.h"

/* Passes over the probes per second: the resolution of interval and timeout. */
#define PROBE_SCANS_PER_SEC 100
/* The checks' SYN carries an MSS option, as a real client's would. */
#define PROBE_TCP_LEN       (sizeof(struct rte_tcp_hdr) + 4)
#define PROBE_MSS           1460
#define PROBE_WINDOW        64240

static uint16_t
probe_port(unsigned int idx)
{
	return (uint16_t)(MP_L4_PROBE_PORT_BASE + idx);
}

static void
probe_send(struct mp_l4_ctx *c, unsigned int cluster, unsigned int idx, uint32_t seq)
{
	const struct mp_conf_endpoint *ce = &c->cfg->conf->endpoints[idx];
	int family = ce->addr.family;
	const uint8_t *dst = family == AF_INET ? (const uint8_t *)&ce->addr.v4 : ce->addr.v6;
	uint16_t l3_len =
	        family == AF_INET ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
	const uint8_t *src = l4_source_addr(c, cluster, family, dst, idx, NULL);
	struct rte_tcp_hdr *t;
	struct mp_pkt_info pi;
	struct rte_mbuf *m;
	uint8_t *l3, *opt;

	if (src == NULL) {
		mp_count_drop(c->net->cnt, MP_DROP_NO_ROUTE);
		return;
	}
	m = rte_pktmbuf_alloc(c->net->pool);
	if (m == NULL) {
		mp_count_drop(c->net->cnt, MP_DROP_NO_MBUF);
		return;
	}
	l3 = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l3_len + PROBE_TCP_LEN));
	if (l3 == NULL) {
		mp_net_drop(c->net, m, MP_DROP_NO_MBUF);
		return;
	}
	memset(l3, 0, l3_len + PROBE_TCP_LEN);
	if (family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(l3_len + PROBE_TCP_LEN));
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		memcpy(&ip->src_addr, src, 4);
		memcpy(&ip->dst_addr, dst, 4);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(PROBE_TCP_LEN);
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, src, 16);
		memcpy(ip->dst_addr, dst, 16);
	}
	t = (struct rte_tcp_hdr *)(l3 + l3_len);
	t->src_port = rte_cpu_to_be_16(probe_port(idx));
	t->dst_port = rte_cpu_to_be_16(ce->port);
	t->sent_seq = rte_cpu_to_be_32(seq);
	t->data_off = PROBE_TCP_LEN / 4 << 4;
	t->tcp_flags = RTE_TCP_SYN_FLAG;
	t->rx_win = rte_cpu_to_be_16(PROBE_WINDOW);
	opt = (uint8_t *)(t + 1);
	opt[0] = 2; /* MSS, RFC 9293 3.2 */
	opt[1] = 4;
	opt[2] = PROBE_MSS >> 8;
	opt[3] = PROBE_MSS & 0xff;

	memset(&pi, 0, sizeof(pi));
	pi.l3 = family == AF_INET ? MP_L3_IPV4 : MP_L3_IPV6;
	pi.l3_len = l3_len;
	pi.l4_off = l3_len;
	pi.l4_len = PROBE_TCP_LEN;
	pi.l4_proto = IPPROTO_TCP;
	pi.pkt_len = l3_len + PROBE_TCP_LEN;
	mp_cksum_fill(l3, &pi);
	mp_net_output(c->net, m, family, dst, 0);
}

void
l4_probe_poll(struct mp_l4_ctx *c)
{
	const struct mp_conf *conf = c->cfg->conf;
	uint64_t now = c->net->now, ms;
	uint16_t nw = c->net->n_workers, self = c->net->worker;
	unsigned int i, j;

	/* Called every loop: nothing but this compare until the next pass is due. */
	if (now < c->next_probe_scan)
		return;
	ms = rte_get_tsc_hz() / 1000;
	c->next_probe_scan = now + ms * (1000 / PROBE_SCANS_PER_SEC);
	for (i = 0; i < conf->n_clusters; i++) {
		const struct mp_conf_cluster *cc = &conf->clusters[i];
		bool http = cc->health.type == MP_CONF_HC_HTTP && c->http_check != NULL;

		if (!cc->health.enabled)
			continue;
		for (j = 0; j < cc->n_endpoints; j++) {
			unsigned int idx = cc->first_endpoint + j;
			struct mp_l4_probe *pr = &c->ws->probes[idx];

			if (probe_port(idx) % nw != self)
				continue;
			if (pr->sent_tsc != 0 && now - pr->sent_tsc >= cc->health.timeout_ms * ms) {
				c->ws->estats[idx].probe_failed++;
				pr->sent_tsc = 0;
				/* After the count: a verdict the cancel brings is stale. */
				if (http)
					c->http_check->cancel(c->http_check->arg, idx);
			}
			if (pr->sent_tsc == 0 && now >= pr->next_tsc) {
				pr->seq = (uint32_t)(now >> 4) ^ (idx * 2654435761u);
				pr->sent_tsc = now;
				pr->next_tsc = now + cc->health.interval_ms * ms;
				if (!http)
					probe_send(c, i, idx, pr->seq);
				else if (c->http_check->start(c->http_check->arg, i, idx, now) < 0)
					mp_l4_probe_done(c, idx, now, false);
			}
		}
	}
}

bool
mp_l4_probe_done(struct mp_l4_ctx *c, unsigned int idx, uint64_t token, bool ok)
{
	struct mp_l4_probe *pr;

	if (idx >= c->cfg->conf->n_endpoints)
		return false;
	pr = &c->ws->probes[idx];
	if (token == 0 || pr->sent_tsc != token)
		return false;
	pr->sent_tsc = 0;
	if (ok)
		c->ws->estats[idx].probe_ok++;
	else
		c->ws->estats[idx].probe_failed++;
	return true;
}

bool
l4_probe_input(struct mp_l4_ctx *c, struct rte_mbuf *m, uint16_t port)
{
	struct mp_pkt_info *pi = mp_pkt_info_of(m);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_tcp_hdr *t = (const struct rte_tcp_hdr *)(p + pi->l4_off);
	const struct mp_conf_endpoint *ce;
	struct mp_l4_probe *pr;
	uint16_t dport;
	unsigned int idx;
	size_t alen;

	if (pi->l4_proto != IPPROTO_TCP || pi->local == MP_LOCAL_VIP)
		return false;
	dport = rte_be_to_cpu_16(t->dst_port);
	if (dport < MP_L4_PROBE_PORT_BASE || dport >= MP_L4_SNAT_PORT_MIN)
		return false;
	idx = dport - MP_L4_PROBE_PORT_BASE;
	if (idx >= c->cfg->conf->n_endpoints) {
		mp_net_drop(c->net, m, MP_DROP_NO_FLOW);
		return true;
	}
	pr = &c->ws->probes[idx];
	ce = &c->cfg->conf->endpoints[idx];
	alen = ce->addr.family == AF_INET ? 4 : 16;
	if (rte_be_to_cpu_16(t->src_port) != ce->port ||
	    memcmp(p + pi->l3_off + (pi->l3 == MP_L3_IPV4 ? 12 : 8),
	           ce->addr.family == AF_INET ? (const void *)&ce->addr.v4 : ce->addr.v6,
	           alen) != 0) {
		mp_net_drop(c->net, m, MP_DROP_NO_FLOW);
		return true;
	}
	/*
	 * From the endpoint, but not the answer to the pending SYN: a SYN-ACK that came after its
	 * check timed out, or the endpoint still holding an earlier check's half-open connection
	 * (our RST for it lost) and acknowledging that one. Reset it, as RFC 9293 3.10.7.3 has a
	 * SYN-SENT end answer an unacceptable ACK: left alone, the stale connection would answer
	 * every new check with its old acknowledgement until the endpoint gives up on it, a
	 * minute of failed checks for a healthy endpoint.
	 */
	if (pr->sent_tsc == 0 || !(t->tcp_flags & RTE_TCP_ACK_FLAG) ||
	    rte_be_to_cpu_32(t->recv_ack) != pr->seq + 1) {
		c->ws->estats[idx].probe_stale_resets++;
		mp_net_reject(c->net, m, pi, port);
		return true;
	}
	pr->sent_tsc = 0;
	if ((t->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG)) == RTE_TCP_SYN_FLAG) {
		c->ws->estats[idx].probe_ok++;
		mp_net_reject(c->net, m, pi, port); /* RST: the check is done */
	} else {
		if (t->tcp_flags & RTE_TCP_RST_FLAG)
			c->ws->estats[idx].probe_failed++;
		rte_pktmbuf_free(m);
	}
	return true;
}
