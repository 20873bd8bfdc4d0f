/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath's config schema, L4 load-balancing part: `flows` (connection tracking limits and
 * timeouts), `clusters` (endpoints, SNAT pools, health checks) and `listeners` (VIPs). conf.c
 * reads them after ports and routes, and clusters before listeners, so SNAT addresses and VIPs
 * are checked against the ports' subnets and a listener can name a cluster.
 *
 * meshpath owns its port addresses, VIPs and SNAT addresses: each must be distinct, and an
 * endpoint (a server behind meshpath) can be none of them. A clash is reported once, at the
 * setting read second: within a cluster the endpoints are read before `snat`, and every
 * cluster before the listeners.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "conf_l7_priv.h"

#define CONF_MIN_FLOWS           1024
#define CONF_MAX_FLOWS           16777216
#define CONF_MIN_TCP_STATE_MS    1000 /* tcp_syn_ms, tcp_fin_ms, tcp_close_ms */
#define CONF_MAX_TCP_STATE_MS    600000
#define CONF_MIN_TCP_EST_MS      10000
#define CONF_MAX_TCP_EST_MS      86400000 /* a day */
#define CONF_MIN_UDP_MS          1000
#define CONF_MAX_UDP_MS          86400000
#define CONF_MIN_CONNECT_FAIL_MS 100
#define CONF_MAX_CONNECT_FAIL_MS 60000
#define CONF_MSS_CLAMP_OFF       0
#define CONF_MIN_MSS             536 /* RFC 9293 3.7.1: the MSS every host must accept */
#define CONF_MAX_MSS             9000

#define CONF_MIN_MAGLEV       251
#define CONF_MAX_MAGLEV       16777213 /* the largest prime below 2^24 */
/*
 * Maglev's table gives each endpoint about size / endpoints slots; the paper keeps size above
 * 100 x endpoints so that the shares differ by about 1%, and lib/lb refuses to build a smaller
 * table (MP_LB_MAGLEV_SLOTS_PER_EP), so the check here is the same.
 */
#define CONF_MAGLEV_RATIO     100
#define CONF_MAGLEV_MIN_RATIO 100
#define CONF_MAX_WEIGHT       65535
#define CONF_MIN_HC_INTERVAL  100
#define CONF_MAX_HC_INTERVAL  3600000
#define CONF_MIN_HC_TIMEOUT   50
#define CONF_MAX_HC_TIMEOUT   60000
#define CONF_MAX_HC_COUNT     100 /* rise, fall */
#define CONF_MAX_L4_PORT      65535

/* "ports 65535..65535" */
#define CONF_PORTS_BUF 24

/* ------------------------------------------------------------------------------------------ */
/* helpers                                                                                    */

static const char *
conf_family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

static const char *
conf_proto_name(enum mp_l4_proto proto)
{
	return proto == MP_L4_UDP ? "udp" : "tcp";
}

/* "port 80" or "ports 80..89". */
static const char *
conf_ports_str(uint16_t first, uint16_t last, char *buf, size_t len)
{
	if (first == last)
		conf_fmt(buf, len, "port %u", first);
	else
		conf_fmt(buf, len, "ports %u..%u", first, last);
	return buf;
}

/*
 * Parse `v`, the value of `s` (named `what`), as a plain unicast address without "/len", as an
 * endpoint, a VIP and an SNAT address are written. Returns 0, or -1 after saying what to write.
 */
static int
conf_parse_host(struct conf_ctx *ctx, const config_setting_t *s, const char *what, const char *v,
                const char *example, struct mp_conf_addr *a)
{
	char buf[CONF_ADDR_BUF];
	const char *special;

	switch (conf_addr_parse(v, 0, a)) {
	case CONF_ADDR_OK:
		break;
	case CONF_ADDR_HAS_PREFIX:
		conf_err(ctx, s,
		         "%s \"%s\" must be a plain address without a prefix length: write \"%s\"",
		         what, v, mp_conf_addr_str(a, 0, buf, sizeof(buf)));
		return -1;
	default:
		conf_err(ctx, s,
		         "%s \"%s\" is not a valid IPv4 or IPv6 address (expected e.g. \"%s\")",
		         what, v, example);
		return -1;
	}
	special = conf_addr_special(a);
	if (special != NULL) {
		conf_err(ctx, s, "%s \"%s\" is %s: use a unicast address", what, v, special);
		return -1;
	}
	return 0;
}

/* The port that has `a` as one of its own addresses, or NULL. */
static const struct mp_conf_port *
conf_port_owning(const struct mp_conf *conf, const struct mp_conf_addr *a)
{
	unsigned int i, j;

	for (i = 0; i < conf->n_ports; i++)
		for (j = 0; j < conf->ports[i].n_addrs; j++)
			if (conf_addr_same(&conf->ports[i].addrs[j], a))
				return &conf->ports[i];
	return NULL;
}

/* The cluster among the first n that has `a` in its SNAT pool, or NULL. */
static const struct mp_conf_cluster *
conf_snat_owner(const struct mp_conf *conf, unsigned int n, const struct mp_conf_addr *a)
{
	unsigned int i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < conf->clusters[i].n_snat; j++)
			if (conf_addr_same(&conf->clusters[i].snat[j], a))
				return &conf->clusters[i];
	return NULL;
}

/* The first endpoint at address `a` in the first n clusters, or NULL; *cl gets its cluster. */
static const struct mp_conf_endpoint *
conf_endpoint_at(const struct mp_conf *conf, unsigned int n, const struct mp_conf_addr *a,
                 const struct mp_conf_cluster **cl)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		const struct mp_conf_cluster *c = &conf->clusters[i];

		for (j = c->first_endpoint; j < c->first_endpoint + c->n_endpoints; j++) {
			if (conf_addr_same(&conf->endpoints[j].addr, a)) {
				*cl = c;
				return &conf->endpoints[j];
			}
		}
	}
	return NULL;
}

/* The family of a cluster's endpoints: that of the first one read; 0 when none was valid. */
static int
conf_cluster_family(const struct mp_conf *conf, const struct mp_conf_cluster *cl)
{
	unsigned int i;

	for (i = cl->first_endpoint; i < cl->first_endpoint + cl->n_endpoints; i++)
		if (conf->endpoints[i].addr.family != 0)
			return conf->endpoints[i].addr.family;
	return 0;
}

/*
 * A VIP or an SNAT address must lie in a port's connected prefix, like a gateway:
 * that port answers ARP/NDP for it. It cannot be a port's own address. Returns true when fine.
 */
static bool
conf_check_onlink(struct conf_ctx *ctx, const config_setting_t *s, const char *what,
                  const struct mp_conf_addr *a)
{
	const struct mp_conf *conf = ctx->conf;
	const struct mp_conf_port *on = NULL, *own;
	char list[CONF_LIST_TEXT_LEN];
	char buf[CONF_ADDR_BUF];

	mp_conf_addr_str(a, 0, buf, sizeof(buf));
	own = conf_port_owning(conf, a);
	if (own != NULL) {
		conf_err(ctx, s,
		         "%s %s is port \"%s\"'s own address: pick another address in that subnet",
		         what, buf, own->name);
		return false;
	}
	if (conf_onlink_subnet(conf, a, -1, &on) != NULL)
		return true;
	if (conf_prefix_list(conf, a->family, -1, list, sizeof(list)) == 0)
		conf_err(ctx, s,
		         "%s %s is not on any port's subnet: no port has an %s address; add one "
		         "in its subnet to the port that should answer %s for it",
		         what, buf, conf_family_name(a->family),
		         a->family == AF_INET6 ? "NDP" : "ARP");
	else
		conf_err(
		        ctx, s,
		        "%s %s is not on any port's subnet, so no port would answer %s for it: use "
		        "an address inside %s, or add an address in its subnet to a port",
		        what, buf, a->family == AF_INET6 ? "NDP" : "ARP", list);
	return false;
}

/* ------------------------------------------------------------------------------------------ */
/* flows                                                                                      */

/*
 * An unanswered SYN counts as a failed connect (a passive health signal) after
 * connect_fail_ms; the flow itself goes after tcp_syn_ms, so the first must come first.
 */
static void
conf_flows_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	const config_setting_t *blame = config_setting_get_member(grp, "connect_fail_ms");
	struct mp_conf *conf = obj;

	if (conf->connect_fail_ms < conf->tcp_syn_ms)
		return;
	if (blame == NULL)
		blame = conf_member_or(grp, "tcp_syn_ms");
	conf_err(ctx, blame,
	         "flows.connect_fail_ms = %u must be below flows.tcp_syn_ms = %u: an unanswered "
	         "SYN counts as a failed connect before its flow expires; lower connect_fail_ms "
	         "or raise tcp_syn_ms",
	         conf->connect_fail_ms, conf->tcp_syn_ms);
}

static const struct conf_key conf_flows_keys[] = {
        CONF_INT_KEY("max", struct mp_conf, max_flows, CONF_MIN_FLOWS, CONF_MAX_FLOWS,
                     MP_CONF_DEF_FLOWS, 0),
        CONF_INT_KEY("tcp_syn_ms", struct mp_conf, tcp_syn_ms, CONF_MIN_TCP_STATE_MS,
                     CONF_MAX_TCP_STATE_MS, MP_CONF_DEF_TCP_SYN_MS, 0),
        CONF_INT_KEY("tcp_established_ms", struct mp_conf, tcp_established_ms, CONF_MIN_TCP_EST_MS,
                     CONF_MAX_TCP_EST_MS, MP_CONF_DEF_TCP_EST_MS, 0),
        CONF_INT_KEY("tcp_fin_ms", struct mp_conf, tcp_fin_ms, CONF_MIN_TCP_STATE_MS,
                     CONF_MAX_TCP_STATE_MS, MP_CONF_DEF_TCP_FIN_MS, 0),
        CONF_INT_KEY("tcp_close_ms", struct mp_conf, tcp_close_ms, CONF_MIN_TCP_STATE_MS,
                     CONF_MAX_TCP_STATE_MS, MP_CONF_DEF_TCP_CLOSE_MS, 0),
        CONF_INT_KEY("udp_ms", struct mp_conf, udp_ms, CONF_MIN_UDP_MS, CONF_MAX_UDP_MS,
                     MP_CONF_DEF_UDP_MS, 0),
        CONF_INT_KEY("connect_fail_ms", struct mp_conf, connect_fail_ms, CONF_MIN_CONNECT_FAIL_MS,
                     CONF_MAX_CONNECT_FAIL_MS, MP_CONF_DEF_CONNECT_FAIL_MS, 0),
        CONF_INT_KEY("tcp_mss_clamp", struct mp_conf, tcp_mss_clamp, CONF_MIN_MSS, CONF_MAX_MSS,
                     CONF_MSS_CLAMP_OFF, CONF_F_ZERO_OFF),
};

const struct conf_schema conf_flows_schema = {
        .keys = conf_flows_keys,
        .n_keys = RTE_DIM(conf_flows_keys),
        .finish = conf_flows_finish,
};

/* ------------------------------------------------------------------------------------------ */
/* clusters: endpoints                                                                        */

/*
 * An endpoint is a server: not meshpath's own address, nor an SNAT address of the clusters
 * above (this cluster's `snat` checks itself against its endpoints), and of the family of the
 * cluster's endpoints before it, from ctx->cluster->first_endpoint.
 */
static void
conf_endpoint_address(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                      void *obj)
{
	struct mp_conf_endpoint *ep = obj;
	const struct mp_conf *conf = ctx->conf;
	const struct mp_conf_cluster *ocl;
	const struct mp_conf_endpoint *o;
	const struct mp_conf_port *own;
	char what[CONF_WHAT_LEN];
	char buf[CONF_ADDR_BUF];
	struct mp_conf_addr a;
	const char *v;

	conf_key_name(ctx, k->name, what, sizeof(what));
	v = conf_get_string(ctx, s, k->name);
	if (v == NULL || conf_parse_host(ctx, s, what, v, "10.20.0.1", &a) < 0)
		return;
	mp_conf_addr_str(&a, 0, buf, sizeof(buf));
	own = conf_port_owning(conf, &a);
	if (own != NULL) {
		conf_err(ctx, s,
		         "%s %s is port \"%s\"'s own address: an endpoint is a server behind "
		         "meshpath; use the server's address",
		         what, buf, own->name);
		return;
	}
	ocl = conf_snat_owner(conf, (unsigned int)(ctx->cluster - conf->clusters), &a);
	if (ocl != NULL) {
		conf_err(ctx, s,
		         "%s %s is an SNAT address of cluster \"%s\" (line %d): an endpoint is a "
		         "server behind meshpath; use the server's address",
		         what, buf, ocl->name, ocl->line);
		return;
	}
	for (o = &conf->endpoints[ctx->cluster->first_endpoint]; o < ep; o++) {
		if (o->addr.family == 0)
			continue;
		if (o->addr.family != a.family) {
			conf_err(ctx, s,
			         "%s %s is %s but the cluster's first endpoint (line %d) is %s: a "
			         "cluster's endpoints share one family; put the %s endpoints in a "
			         "cluster of their own",
			         what, buf, conf_family_name(a.family), o->line,
			         conf_family_name(o->addr.family), conf_family_name(a.family));
			return;
		}
		break;
	}
	ep->addr = a;
}

static void
conf_endpoint_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf_endpoint *ep = obj;
	const struct mp_conf *conf = ctx->conf;
	const struct mp_conf_endpoint *o;
	char buf[CONF_ADDR_BUF];

	ep->line = config_setting_source_line(grp);
	if (ep->addr.family == 0 || ep->port == 0)
		return;
	for (o = &conf->endpoints[ctx->cluster->first_endpoint]; o < ep; o++) {
		if (o->port != ep->port || !conf_addr_same(&o->addr, &ep->addr))
			continue;
		conf_err(
		        ctx, conf_member_or(grp, "address"),
		        "%s (%s port %u) is already in this cluster at line %d: list each endpoint "
		        "once (its weight sets its share)",
		        ctx->where->label, mp_conf_addr_str(&ep->addr, 0, buf, sizeof(buf)),
		        ep->port, o->line);
		return;
	}
}

static const struct conf_key conf_endpoint_keys[] = {
        CONF_CUSTOM_KEY("address", conf_endpoint_address, CONF_F_REQUIRED,
                        "set it to the server's address, e.g. address = \"10.20.0.1\";"),
        CONF_REQ_INT_KEY("port", struct mp_conf_endpoint, port, 1, CONF_MAX_L4_PORT,
                         "set it to the server's port, e.g. port = 80;"),
        CONF_INT_KEY("weight", struct mp_conf_endpoint, weight, 0, CONF_MAX_WEIGHT,
                     MP_CONF_DEF_WEIGHT, 0),
};

static const struct conf_schema conf_endpoint_schema = {
        .keys = conf_endpoint_keys,
        .n_keys = RTE_DIM(conf_endpoint_keys),
        .finish = conf_endpoint_finish,
        .elem_example = "{ address = \"10.20.0.1\"; port = 80; }",
};

/* A cluster's endpoints go to the shared conf->endpoints, after those of the clusters above. */
static void
conf_cluster_endpoints(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                       void *obj)
{
	struct mp_conf_cluster *cl = obj;
	struct mp_conf *conf = ctx->conf;
	char limit[CONF_WHAT_LEN];

	cl->first_endpoint = conf->n_endpoints;
	conf_fmt(limit, sizeof(limit),
	         "at most %d endpoints are supported over all clusters and the clusters above "
	         "use %u",
	         MP_MAX_ENDPOINTS, conf->n_endpoints);
	ctx->cluster = cl;
	conf_walk_list(ctx, k, s, &conf->endpoints[conf->n_endpoints], &cl->n_endpoints,
	               MP_MAX_ENDPOINTS - conf->n_endpoints, limit);
	ctx->cluster = NULL;
	conf->n_endpoints += cl->n_endpoints;
}

/* ------------------------------------------------------------------------------------------ */
/* clusters                                                                                   */

static const char *const conf_policy_names[] = {
        [MP_LB_MAGLEV] = "maglev",
        [MP_LB_ROUND_ROBIN] = "round_robin",
        [MP_LB_RANDOM] = "random",
        [MP_LB_LEAST_CONN] = "least_connections",
        [MP_LB_LEAST_REQUEST] = "least_request",
        [MP_LB_RING_HASH] = "ring_hash",
};

const char *
mp_conf_policy_name(enum mp_lb_policy p)
{
	return (unsigned int)p < RTE_DIM(conf_policy_names) ? conf_policy_names[p] : "?";
}

/*
 * The name of element `index` of a list (clusters, listeners), checked against the elements
 * before it; copied to dst (MP_NAME_LEN) when valid and unique. The name is each element's first
 * member, and its config line sits at line_off.
 */
_Static_assert(offsetof(struct mp_conf_cluster, name) == 0, "cluster name first");
_Static_assert(offsetof(struct mp_conf_listener, name) == 0, "listener name first");

void
conf_unique_name(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 const char *kind, char *dst, const void *first, size_t stride, size_t line_off,
                 unsigned int index)
{
	char what[CONF_WHAT_LEN];
	const char *v;
	unsigned int i;

	conf_key_name(ctx, k->name, what, sizeof(what));
	v = conf_get_name(ctx, s, what);
	if (v == NULL)
		return;
	for (i = 0; i < index; i++) {
		const char *e = (const char *)first + i * stride;

		if (strcmp(e, v) == 0) {
			conf_err(ctx, s,
			         "%s name \"%s\" is already used by the %s at line %d: give each "
			         "%s its "
			         "own name",
			         kind, v, kind, *(const int *)(e + line_off), kind);
			return;
		}
	}
	memcpy(dst, v, strlen(v) + 1);
}

static void
conf_cluster_name(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                  void *obj)
{
	struct mp_conf_cluster *cl = obj;

	conf_unique_name(ctx, k, s, "cluster", cl->name, ctx->conf->clusters, sizeof(*cl),
	                 offsetof(struct mp_conf_cluster, line),
	                 (unsigned int)(cl - ctx->conf->clusters));
}

static void
conf_cluster_policy(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                    void *obj)
{
	struct mp_conf_cluster *cl = obj;
	int i = conf_choice(ctx, k, s, conf_policy_names, RTE_DIM(conf_policy_names), "a policy",
	                    "");

	if (i >= 0)
		cl->policy = (enum mp_lb_policy)i;
}

/*
 * Read after `endpoints` (see the table), so each address can be checked against the
 * cluster's endpoints: their family, and no address of a server.
 */
static void
conf_cluster_snat(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                  void *obj)
{
	struct mp_conf_cluster *cl = obj;
	const struct mp_conf *conf = ctx->conf;
	unsigned int idx = (unsigned int)(cl - conf->clusters);
	int family = conf_cluster_family(conf, cl);
	char what[CONF_WHAT_LEN];
	int n, i;

	conf_key_name(ctx, k->name, what, sizeof(what));
	n = conf_get_seq(ctx, s, k->name, "an array of addresses, e.g. [\"10.20.0.250\"]");
	if (n < 0)
		return;
	if (n > MP_MAX_SNAT_ADDRS) {
		conf_err(ctx, s, "%s has %d entries: at most %d per cluster are supported", what, n,
		         MP_MAX_SNAT_ADDRS);
		n = MP_MAX_SNAT_ADDRS;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		const struct mp_conf_endpoint *ep;
		const struct mp_conf_cluster *ocl;
		char ewhat[CONF_WHAT_LEN], short_name[CONF_WHAT_LEN];
		char buf[CONF_ADDR_BUF];
		struct mp_conf_addr a;
		const char *v;
		unsigned int j;

		conf_fmt(short_name, sizeof(short_name), "%s[%d]", k->name, i);
		conf_fmt(ewhat, sizeof(ewhat), "%s[%d]", what, i);
		v = conf_get_string(ctx, e, short_name);
		if (v == NULL || conf_parse_host(ctx, e, ewhat, v, "10.20.0.250", &a) < 0)
			continue;
		mp_conf_addr_str(&a, 0, buf, sizeof(buf));
		if (family != 0 && a.family != family) {
			conf_err(ctx, e,
			         "%s %s is %s but the cluster's endpoints are %s: connections to "
			         "the endpoints leave from the SNAT addresses; use %s addresses",
			         ewhat, buf, conf_family_name(a.family), conf_family_name(family),
			         conf_family_name(family));
			continue;
		}
		for (j = 0; j < cl->n_snat; j++)
			if (conf_addr_same(&cl->snat[j], &a))
				break;
		if (j < cl->n_snat) {
			conf_err(ctx, e, "%s %s is listed twice in this cluster's snat", ewhat,
			         buf);
			continue;
		}
		ocl = conf_snat_owner(conf, idx, &a);
		if (ocl != NULL) {
			conf_err(ctx, e,
			         "%s %s is already an SNAT address of cluster \"%s\" (line %d): "
			         "give each cluster SNAT addresses of its own",
			         ewhat, buf, ocl->name, ocl->line);
			continue;
		}
		ep = conf_endpoint_at(conf, idx + 1, &a, &ocl);
		if (ep != NULL) {
			conf_err(ctx, e,
			         "%s %s is the address of an endpoint of cluster \"%s\" (line %d): "
			         "an SNAT address is meshpath's own; use one that no server has",
			         ewhat, buf, ocl->name, ep->line);
			continue;
		}
		if (!conf_check_onlink(ctx, e, ewhat, &a))
			continue;
		cl->snat[cl->n_snat++] = a;
	}
}

/* A check must end before the next one starts. */
static void
conf_health_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf_cluster *cl = obj;
	const config_setting_t *blame = config_setting_get_member(grp, "timeout_ms");
	const char *prefix = ctx->where->key_prefix;

	cl->health.enabled = true;
	conf_health_http_finish(ctx, grp, cl);
	if (cl->health.timeout_ms < cl->health.interval_ms)
		return;
	if (blame == NULL)
		blame = conf_member_or(grp, "interval_ms");
	conf_err(ctx, blame,
	         "%stimeout_ms = %u must be below %sinterval_ms = %u: a check must time out "
	         "before the next one starts; lower timeout_ms or raise interval_ms",
	         prefix, cl->health.timeout_ms, prefix, cl->health.interval_ms);
}

static const struct conf_key conf_health_keys[] = {
        CONF_INT_KEY("interval_ms", struct mp_conf_cluster, health.interval_ms,
                     CONF_MIN_HC_INTERVAL, CONF_MAX_HC_INTERVAL, MP_CONF_DEF_HC_INTERVAL_MS, 0),
        CONF_INT_KEY("timeout_ms", struct mp_conf_cluster, health.timeout_ms, CONF_MIN_HC_TIMEOUT,
                     CONF_MAX_HC_TIMEOUT, MP_CONF_DEF_HC_TIMEOUT_MS, 0),
        CONF_INT_KEY("rise", struct mp_conf_cluster, health.rise, 1, CONF_MAX_HC_COUNT,
                     MP_CONF_DEF_HC_RISE, 0),
        CONF_INT_KEY("fall", struct mp_conf_cluster, health.fall, 1, CONF_MAX_HC_COUNT,
                     MP_CONF_DEF_HC_FALL, 0),
        CONF_HEALTH_HTTP_KEYS,
};

static const struct conf_schema conf_health_schema = {
        .keys = conf_health_keys,
        .n_keys = RTE_DIM(conf_health_keys),
        .finish = conf_health_finish,
};

/* The smallest prime >= v, capped at the largest table size. */
static uint64_t
conf_prime_at_least(uint64_t v)
{
	if (v >= CONF_MAX_MAGLEV)
		return CONF_MAX_MAGLEV;
	while (!conf_is_prime(v))
		v++;
	return v;
}

static void
conf_cluster_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf_cluster *cl = obj;

	cl->line = config_setting_source_line(grp);
	conf_cluster_l7_finish(ctx, grp, cl);
	/* Other policies build no table: a small maglev_size does them no harm. */
	if (cl->policy != MP_LB_MAGLEV ||
	    (uint64_t)cl->maglev_size >= (uint64_t)CONF_MAGLEV_MIN_RATIO * cl->n_endpoints)
		return;
	conf_err(ctx, conf_member_or(grp, "maglev_size"),
	         "%smaglev_size = %u is less than %d x the cluster's %u endpoints: Maglev would "
	         "give some endpoints far more flows than others; use a prime of at least %d x "
	         "endpoints, such as %" PRIu64,
	         ctx->where->key_prefix, cl->maglev_size, CONF_MAGLEV_MIN_RATIO, cl->n_endpoints,
	         CONF_MAGLEV_RATIO,
	         conf_prime_at_least((uint64_t)CONF_MAGLEV_RATIO * cl->n_endpoints));
}

/* `endpoints` comes before `snat`: the SNAT addresses are checked against the endpoints. */
static const struct conf_key conf_cluster_keys[] = {
        CONF_CUSTOM_KEY("name", conf_cluster_name, CONF_F_REQUIRED,
                        "set it to a unique name such as \"web\" (letters, digits, '_', '-')"),
        CONF_CUSTOM_KEY("policy", conf_cluster_policy, 0, NULL),
        CONF_INT_KEY("maglev_size", struct mp_conf_cluster, maglev_size, CONF_MIN_MAGLEV,
                     CONF_MAX_MAGLEV, MP_CONF_DEF_MAGLEV_SIZE, CONF_F_PRIME),
        CONF_CUSTOM_LIST_KEY("endpoints", conf_cluster_endpoints, &conf_endpoint_schema,
                             struct mp_conf_endpoint, CONF_F_REQUIRED,
                             "add the servers, e.g. endpoints = ( { address = \"10.20.0.1\"; "
                             "port = 80; } );"),
        CONF_CUSTOM_KEY("snat", conf_cluster_snat, 0, NULL),
        CONF_GROUP_KEY("health", &conf_health_schema, 0, NULL),
        CONF_CLUSTER_L7_KEYS,
};

const struct conf_schema conf_cluster_schema = {
        .keys = conf_cluster_keys,
        .n_keys = RTE_DIM(conf_cluster_keys),
        .finish = conf_cluster_finish,
        .elem_example = "{ name = \"web\"; endpoints = ( ... ); }",
};

/* ------------------------------------------------------------------------------------------ */
/* listeners                                                                                  */

static const char *const conf_proto_names[] = {"tcp", "udp", "http", "echo", "discard"};
static const enum mp_l4_proto conf_proto_values[] = {MP_L4_TCP, MP_L4_UDP, MP_L4_TCP, MP_L4_TCP,
                                                     MP_L4_TCP};
static const enum mp_conf_service conf_proto_services[] = {MP_SVC_NONE, MP_SVC_NONE, MP_SVC_HTTP,
                                                           MP_SVC_ECHO, MP_SVC_DISCARD};

static void
conf_listener_name(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                   void *obj)
{
	struct mp_conf_listener *l = obj;

	conf_unique_name(ctx, k, s, "listener", l->name, ctx->conf->listeners, sizeof(*l),
	                 offsetof(struct mp_conf_listener, line),
	                 (unsigned int)(l - ctx->conf->listeners));
}

static void
conf_listener_protocol(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                       void *obj)
{
	struct mp_conf_listener *l = obj;
	int i = conf_choice(ctx, k, s, conf_proto_names, RTE_DIM(conf_proto_names), "a protocol",
	                    "");

	if (i >= 0) {
		l->proto = conf_proto_values[i];
		l->service = conf_proto_services[i];
	}
}

static void
conf_listener_address(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                      void *obj)
{
	struct mp_conf_listener *l = obj;
	const struct mp_conf *conf = ctx->conf;
	const struct mp_conf_cluster *ocl;
	const struct mp_conf_endpoint *ep;
	char buf[CONF_ADDR_BUF];
	char what[CONF_WHAT_LEN];
	struct mp_conf_addr a;
	const char *v;

	conf_key_name(ctx, k->name, what, sizeof(what));
	v = conf_get_string(ctx, s, k->name);
	if (v == NULL || conf_parse_host(ctx, s, what, v, "10.10.0.100", &a) < 0)
		return;
	mp_conf_addr_str(&a, 0, buf, sizeof(buf));
	ocl = conf_snat_owner(conf, conf->n_clusters, &a);
	if (ocl != NULL) {
		conf_err(ctx, s,
		         "%s %s is an SNAT address of cluster \"%s\" (line %d): give the VIP an "
		         "address of its own",
		         what, buf, ocl->name, ocl->line);
		return;
	}
	ep = conf_endpoint_at(conf, conf->n_clusters, &a, &ocl);
	if (ep != NULL) {
		conf_err(ctx, s,
		         "%s %s is the address of an endpoint of cluster \"%s\" (line %d): a VIP "
		         "is meshpath's own address; use one that no server has",
		         what, buf, ocl->name, ep->line);
		return;
	}
	if (!conf_check_onlink(ctx, s, what, &a))
		return;
	l->vip = a;
}

int
conf_cluster_choice(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s)
{
	const char *names[MP_MAX_CLUSTERS];
	const struct mp_conf *conf = ctx->conf;
	unsigned int i;

	for (i = 0; i < conf->n_clusters; i++)
		names[i] = conf->clusters[i].name;
	return conf_choice(ctx, k, s, names, conf->n_clusters, "the name of a cluster",
	                   "no clusters are defined; add it under clusters = ( ... );");
}

static void
conf_listener_cluster(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                      void *obj)
{
	((struct mp_conf_listener *)obj)->cluster = conf_cluster_choice(ctx, k, s);
}

/* Two listeners of one protocol and VIP cannot share a port: which would get the packet? */
static void
conf_listener_overlap(struct conf_ctx *ctx, const config_setting_t *grp,
                      const struct mp_conf_listener *l)
{
	const struct mp_conf *conf = ctx->conf;
	const struct mp_conf_listener *o;
	char mine[CONF_PORTS_BUF], theirs[CONF_PORTS_BUF];
	char buf[CONF_ADDR_BUF];

	for (o = conf->listeners; o < l; o++) {
		if (o->proto != l->proto || o->port == 0 || !conf_addr_same(&o->vip, &l->vip) ||
		    o->port > l->port_last || l->port > o->port_last)
			continue;
		conf_err(ctx, conf_member_or(grp, "port"),
		         "%s takes %s %s %s, which overlaps listener \"%s\" (line %d) on %s: give "
		         "each listener of one VIP and protocol ports of its own",
		         ctx->where->named, conf_proto_name(l->proto),
		         mp_conf_addr_str(&l->vip, 0, buf, sizeof(buf)),
		         conf_ports_str(l->port, l->port_last, mine, sizeof(mine)), o->name,
		         o->line, conf_ports_str(o->port, o->port_last, theirs, sizeof(theirs)));
		return;
	}
}

static void
conf_listener_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf_listener *l = obj;
	const struct mp_conf *conf = ctx->conf;
	const char *prefix = ctx->where->key_prefix;
	char buf[CONF_ADDR_BUF];
	int family;

	l->line = config_setting_source_line(grp);
	conf_http_listener_check(ctx, grp, l);
	conf_listener_l7_check(ctx, grp, l);
	/* 0: not given, or out of range and reported. */
	if (l->port_last == 0) {
		l->port_last = l->port;
	} else if (l->port != 0 && l->port_last < l->port) {
		conf_err(
		        ctx, conf_member_or(grp, "port_last"),
		        "%sport_last = %u is below %sport = %u: use %u..%d, or leave port_last out "
		        "for port %u alone",
		        prefix, l->port_last, prefix, l->port, l->port, CONF_MAX_L4_PORT, l->port);
		l->port_last = l->port;
	}
	if (l->vip.family == 0)
		return;
	if (l->cluster >= 0) {
		const struct mp_conf_cluster *cl = &conf->clusters[l->cluster];

		family = conf_cluster_family(conf, cl);
		if (family != 0 && family != l->vip.family) {
			conf_err(ctx, conf_member_or(grp, "address"),
			         "%saddress %s is %s but cluster \"%s\" has %s endpoints: meshpath "
			         "does full NAT, not NAT64, so a VIP and its endpoints share one "
			         "family; use an %s VIP or a cluster of %s endpoints",
			         prefix, mp_conf_addr_str(&l->vip, 0, buf, sizeof(buf)),
			         conf_family_name(l->vip.family), cl->name,
			         conf_family_name(family), conf_family_name(family),
			         conf_family_name(l->vip.family));
		}
	}
	if (l->proto != 0 && l->port != 0)
		conf_listener_overlap(ctx, grp, l);
}

static const struct conf_key conf_listener_keys[] = {
        CONF_CUSTOM_KEY("name", conf_listener_name, CONF_F_REQUIRED,
                        "set it to a unique name such as \"web-vip\" (letters, digits, '_', "
                        "'-')"),
        CONF_CUSTOM_KEY("protocol", conf_listener_protocol, CONF_F_REQUIRED,
                        "set it to \"tcp\", \"udp\", \"http\", \"echo\" or \"discard\""),
        CONF_CUSTOM_KEY("address", conf_listener_address, CONF_F_REQUIRED,
                        "set it to the virtual IP that clients connect to, e.g. address = "
                        "\"10.10.0.100\";"),
        CONF_REQ_INT_KEY("port", struct mp_conf_listener, port, 1, CONF_MAX_L4_PORT,
                         "set it to the port that clients connect to, e.g. port = 80;"),
        CONF_INT_KEY("port_last", struct mp_conf_listener, port_last, 1, CONF_MAX_L4_PORT, 0, 0),
        CONF_CUSTOM_KEY("cluster", conf_listener_cluster, 0, NULL),
        CONF_CUSTOM_KEY("routes", conf_listener_routes, 0, NULL),
};

const struct conf_schema conf_listener_schema = {
        .keys = conf_listener_keys,
        .n_keys = RTE_DIM(conf_listener_keys),
        .finish = conf_listener_finish,
        .elem_example = "{ name = \"web-vip\"; protocol = \"tcp\"; ... }",
};
