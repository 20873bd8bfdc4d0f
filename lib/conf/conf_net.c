/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath's config schema, network part: ports (names, devices, addresses) and routes, which
 * are checked against the ports: a gateway must be on a port's subnet, a route's port must
 * exist. conf.c reads ports before routes whatever their order in the file.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <sys/socket.h>

#include "conf_priv.h"

#define CONF_MIN_MTU      68 /* RFC 791: every IPv4 link carries 68 bytes */
#define CONF_MAX_MTU      9000
#define CONF_MIN_MTU_IPV6 1280 /* RFC 8200 section 5 */
#define CONF_MIN_DESC     64
#define CONF_MAX_DESC     16384

#define CONF_PORT_EXAMPLE  "such as \"net_tap0,iface=mp0\""
#define CONF_MAX_IMPAIR_MS 1000 /* delay_ms, jitter_ms: packets are held in a bounded buffer */

/* ------------------------------------------------------------------------------------------ */
/* ports                                                                                      */

static unsigned int
conf_port_index(const struct conf_ctx *ctx, const struct mp_conf_port *port)
{
	return (unsigned int)(port - ctx->conf->ports);
}

static void
conf_port_name(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, void *obj)
{
	struct mp_conf_port *port = obj;
	char what[CONF_WHAT_LEN];
	const char *v;
	unsigned int i;

	conf_key_name(ctx, k->name, what, sizeof(what));
	v = conf_get_name(ctx, s, what);
	if (v == NULL)
		return;
	for (i = 0; i < conf_port_index(ctx, port); i++) {
		if (strcmp(ctx->conf->ports[i].name, v) == 0) {
			conf_err(ctx, s,
			         "port name \"%s\" is already used by the port at line %d: give "
			         "each port its own name",
			         v, ctx->conf->ports[i].line);
			return;
		}
	}
	memcpy(port->name, v, strlen(v) + 1);
}

static int
conf_hex_run(const char *s, int len)
{
	int i;

	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * A PCI address as DPDK's bus parser takes it: "DDDD:BB:DD.F" or the short "BB:DD.F". On
 * success writes the long form to id, so that "01:00.0" and "0000:01:00.0" compare equal.
 */
static int
conf_pci_parse(const char *s, size_t len, char *id, size_t idlen)
{
	const char *p = s;
	char *c;

	if (len == sizeof("DDDD:BB:DD.F") - 1) {
		if (!conf_hex_run(p, 4) || p[4] != ':')
			return -1;
		p += sizeof("DDDD:") - 1;
	} else if (len != sizeof("BB:DD.F") - 1) {
		return -1;
	}
	if (!conf_hex_run(p, 2) || p[2] != ':' || !conf_hex_run(p + 3, 2) || p[5] != '.' ||
	    p[6] < '0' || p[6] > '7')
		return -1;
	if (p != s)
		snprintf(id, idlen, "%.4s:%.7s", s, p);
	else
		snprintf(id, idlen, "0000:%.7s", p);
	for (c = id; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	return 0;
}

/*
 * Check a `device` string and give it an identity for the uniqueness check: the long PCI
 * address, or the vdev name before the first ',' (DPDK refuses two vdevs of one name even
 * with different arguments). dev is shorter than MP_DEVARGS_LEN. Returns NULL when fine,
 * else what is wrong.
 */
static const char *
conf_device_check(const char *dev, char *id, size_t idlen)
{
	size_t name_len = strcspn(dev, ",");
	size_t i;

	if (dev[0] == '\0')
		return "is empty";
	for (i = 0; dev[i] != '\0'; i++)
		if (isspace((unsigned char)dev[i]))
			return "contains a space";
	if (conf_pci_parse(dev, name_len, id, idlen) == 0)
		return NULL;
	if (isxdigit((unsigned char)dev[0]) && memchr(dev, ':', name_len) != NULL)
		return "is not a valid PCI address (expected domain:bus:device.function such as "
		       "\"0000:01:00.0\")";
	if (!isalpha((unsigned char)dev[0]))
		return "is neither a PCI address (\"0000:01:00.0\") nor a vdev string (\"net_tap0,"
		       "iface=mp0\")";
	for (i = 0; i < name_len; i++)
		if (!isalnum((unsigned char)dev[i]) && dev[i] != '_')
			return "has a bad vdev name: use letters, digits and '_' before the first "
			       "',' (e.g. \"net_tap0,iface=mp0\")";
	snprintf(id, idlen, "%.*s", (int)name_len, dev);
	return NULL;
}

static void
conf_port_device(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 void *obj)
{
	struct mp_conf_port *port = obj;
	char what[CONF_WHAT_LEN];
	char id[MP_DEVARGS_LEN];
	const char *v, *why;
	unsigned int i;

	conf_key_name(ctx, k->name, what, sizeof(what));
	v = conf_get_string(ctx, s, k->name);
	if (v == NULL)
		return;
	if (strlen(v) >= MP_DEVARGS_LEN) {
		conf_err(ctx, s, "%s is %zu characters long: at most %d are supported", what,
		         strlen(v), MP_DEVARGS_LEN - 1);
		return;
	}
	why = conf_device_check(v, id, sizeof(id));
	if (why != NULL) {
		conf_err(ctx, s, "%s \"%s\" %s", what, v, why);
		return;
	}
	for (i = 0; i < conf_port_index(ctx, port); i++) {
		const struct mp_conf_port *o = &ctx->conf->ports[i];
		char oid[MP_DEVARGS_LEN];

		if (o->devargs[0] == '\0' ||
		    conf_device_check(o->devargs, oid, sizeof(oid)) != NULL || strcmp(id, oid) != 0)
			continue;
		conf_err(ctx, s,
		         "device \"%s\" is already used by port \"%s\" (line %d): give each port "
		         "its own device (a vdev needs its own name, e.g. net_tap1)",
		         v, o->name, o->line);
		return;
	}
	memcpy(port->devargs, v, strlen(v) + 1);
}

/* Report address `a` (text `v`, element `e`) when another port or this one already has it. */
static bool
conf_port_addr_dup(struct conf_ctx *ctx, const struct mp_conf_port *port, const config_setting_t *e,
                   const char *v, const struct mp_conf_addr *a)
{
	char buf[CONF_ADDR_BUF];
	unsigned int i, j;

	for (i = 0; i <= conf_port_index(ctx, port); i++) {
		const struct mp_conf_port *o = &ctx->conf->ports[i];

		for (j = 0; j < o->n_addrs; j++) {
			if (!conf_addr_same(&o->addrs[j], a))
				continue;
			if (o == port)
				conf_err(ctx, e, "address \"%s\" is listed twice on this port", v);
			else
				conf_err(ctx, e,
				         "address %s is already on port \"%s\" (line %d): an "
				         "address can be on one port only",
				         mp_conf_addr_str(a, 0, buf, sizeof(buf)), o->name,
				         o->line);
			return true;
		}
	}
	return false;
}

static void
conf_port_addresses(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                    void *obj)
{
	struct mp_conf_port *port = obj;
	char what[CONF_WHAT_LEN];
	int n, i;

	conf_key_name(ctx, k->name, what, sizeof(what));
	n = conf_get_seq(ctx, s, k->name,
	                 "a list of \"ADDR/PREFIX\" strings, e.g. [\"10.0.0.1/24\", "
	                 "\"fd00::1/64\"]");
	if (n < 0)
		return;
	if (n > MP_MAX_PORT_ADDRS) {
		conf_err(ctx, s, "%s has %d entries: at most %d per port are supported", what, n,
		         MP_MAX_PORT_ADDRS);
		n = MP_MAX_PORT_ADDRS;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		char ewhat[CONF_WHAT_LEN];
		struct mp_conf_addr a;
		const char *v, *special;

		conf_fmt(ewhat, sizeof(ewhat), "%s[%d]", k->name, i);
		v = conf_get_string(ctx, e, ewhat);
		if (v == NULL)
			continue;
		switch (conf_addr_parse(v, 1, &a)) {
		case CONF_ADDR_OK:
			break;
		case CONF_ADDR_NO_PREFIX:
			conf_err(ctx, e,
			         "address \"%s\" has no prefix length: write it with one, e.g. "
			         "\"%s/%u\"",
			         v, v, a.family == AF_INET6 ? 64 : 24);
			continue;
		case CONF_ADDR_BAD_PREFIX:
			conf_err(ctx, e,
			         "address \"%s\" has a bad prefix length: use /1../%u for %s", v,
			         conf_addr_bits(&a), a.family == AF_INET6 ? "IPv6" : "IPv4");
			continue;
		default:
			conf_err(ctx, e,
			         "address \"%s\" is not a valid IPv4 or IPv6 address with prefix "
			         "(expected e.g. \"10.0.0.1/24\")",
			         v);
			continue;
		}
		if (a.prefix == 0) {
			conf_err(ctx, e,
			         "address \"%s\" has a bad prefix length: use /1../%u for %s", v,
			         conf_addr_bits(&a), a.family == AF_INET6 ? "IPv6" : "IPv4");
			continue;
		}
		special = conf_addr_special(&a);
		if (special != NULL) {
			conf_err(ctx, e,
			         "address \"%s\" is %s: a port address must be a unicast host "
			         "address",
			         v, special);
			continue;
		}
		if (conf_port_addr_dup(ctx, port, e, v, &a))
			continue;
		port->addrs[port->n_addrs++] = a;
	}
}

static void
conf_port_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf_port *port = obj;
	char buf[CONF_ADDR_BUF];
	unsigned int i;

	port->line = config_setting_source_line(grp);
	if (port->mtu >= CONF_MIN_MTU_IPV6)
		return;
	for (i = 0; i < port->n_addrs; i++) {
		if (port->addrs[i].family != AF_INET6)
			continue;
		conf_err(ctx, conf_member_or(grp, "mtu"),
		         "%smtu = %u is too small for IPv6 address %s: IPv6 needs mtu >= %d",
		         ctx->where->key_prefix, port->mtu,
		         mp_conf_addr_str(&port->addrs[i], 1, buf, sizeof(buf)), CONF_MIN_MTU_IPV6);
		return;
	}
}

/* A probability of the `impair` group: a number in [0, 1), stored as a double at k->off. */
static void
conf_impair_prob(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                 void *obj)
{
	char what[CONF_WHAT_LEN];
	double v;

	conf_key_name(ctx, k->name, what, sizeof(what));
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(s);
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v = (double)config_setting_get_int64(s);
		break;
	default:
		conf_err(ctx, s, "%s must be a probability such as 0.01, not %s", what,
		         conf_type_name(config_setting_type(s)));
		return;
	}
	if (!(v >= 0.0 && v < 1.0)) {
		conf_err(ctx, s,
		         "%s = %g is not a probability in [0, 1): write e.g. 0.01 for one packet "
		         "in a hundred, 0 for none",
		         what, v);
		return;
	}
	memcpy((uint8_t *)obj + k->off, &v, sizeof(v));
}

static void
conf_impair_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf_port *port = obj;

	(void)ctx;
	(void)grp;
	port->impair.enabled = true;
}

#define CONF_PROB_KEY(n, f)                                               \
	{                                                                 \
		.name = (n), .kind = CONF_CUSTOM, .fn = conf_impair_prob, \
		.off = offsetof(struct mp_conf_port, f),                  \
	}

static const struct conf_key conf_impair_keys[] = {
        CONF_PROB_KEY("loss", impair.loss),
        CONF_PROB_KEY("duplicate", impair.duplicate),
        CONF_PROB_KEY("reorder", impair.reorder),
        CONF_INT_KEY("delay_ms", struct mp_conf_port, impair.delay_ms, 0, CONF_MAX_IMPAIR_MS, 0, 0),
        CONF_INT_KEY("jitter_ms", struct mp_conf_port, impair.jitter_ms, 0, CONF_MAX_IMPAIR_MS, 0,
                     0),
        CONF_INT_KEY("seed", struct mp_conf_port, impair.seed, 0, UINT32_MAX,
                     MP_CONF_DEF_IMPAIR_SEED, 0),
};

static const struct conf_schema conf_impair_schema = {
        .keys = conf_impair_keys,
        .n_keys = RTE_DIM(conf_impair_keys),
        .finish = conf_impair_finish,
};

static const struct conf_key conf_port_keys[] = {
        CONF_CUSTOM_KEY("name", conf_port_name, CONF_F_REQUIRED,
                        "set it to a unique name such as \"p0\" (letters, digits, '_', '-')"),
        CONF_CUSTOM_KEY("device", conf_port_device, CONF_F_REQUIRED,
                        "set it to a PCI address or a vdev string " CONF_PORT_EXAMPLE),
        CONF_INT_KEY("mtu", struct mp_conf_port, mtu, CONF_MIN_MTU, CONF_MAX_MTU, MP_CONF_DEF_MTU,
                     0),
        CONF_INT_KEY("rx_desc", struct mp_conf_port, rx_desc, CONF_MIN_DESC, CONF_MAX_DESC,
                     MP_CONF_DEF_RX_DESC, CONF_F_POW2),
        CONF_INT_KEY("tx_desc", struct mp_conf_port, tx_desc, CONF_MIN_DESC, CONF_MAX_DESC,
                     MP_CONF_DEF_TX_DESC, CONF_F_POW2),
        CONF_CUSTOM_KEY("addresses", conf_port_addresses, 0, NULL),
        CONF_GROUP_KEY("impair", &conf_impair_schema, 0, NULL),
};

const struct conf_schema conf_port_schema = {
        .keys = conf_port_keys,
        .n_keys = RTE_DIM(conf_port_keys),
        .finish = conf_port_finish,
        .elem_example = "{ name = \"p0\"; device = \"...\"; }",
};

/* ------------------------------------------------------------------------------------------ */
/* routes                                                                                     */

static unsigned int
conf_route_index(const struct conf_ctx *ctx, const struct mp_conf_route *r)
{
	return (unsigned int)(r - ctx->conf->routes);
}

static void
conf_route_dst(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, void *obj)
{
	struct mp_conf_route *route = obj;
	char what[CONF_WHAT_LEN];
	char buf[CONF_ADDR_BUF];
	struct mp_conf_addr a, net;
	const char *v;
	unsigned int i;

	conf_key_name(ctx, k->name, what, sizeof(what));
	v = conf_get_string(ctx, s, k->name);
	if (v == NULL)
		return;
	switch (conf_addr_parse(v, 1, &a)) {
	case CONF_ADDR_OK:
		break;
	case CONF_ADDR_NO_PREFIX:
		conf_err(ctx, s,
		         "%s \"%s\" has no prefix length: write it with one, e.g. \"%s/%u\" for "
		         "this host alone",
		         what, v, v, conf_addr_bits(&a));
		return;
	case CONF_ADDR_BAD_PREFIX:
		conf_err(ctx, s, "%s \"%s\" has a bad prefix length: use /0../%u for %s", what, v,
		         conf_addr_bits(&a), a.family == AF_INET6 ? "IPv6" : "IPv4");
		return;
	default:
		conf_err(ctx, s,
		         "%s \"%s\" is not a valid IPv4 or IPv6 prefix (expected e.g. "
		         "\"10.20.0.0/16\")",
		         what, v);
		return;
	}
	net = conf_addr_network(&a);
	if (!conf_addr_same(&net, &a)) {
		conf_err(ctx, s, "%s \"%s\" has host bits set: did you mean %s?", what, v,
		         mp_conf_addr_str(&net, 1, buf, sizeof(buf)));
		return;
	}
	for (i = 0; i < conf_route_index(ctx, route); i++) {
		const struct mp_conf_route *o = &ctx->conf->routes[i];

		if (o->dst.prefix == a.prefix && conf_addr_same(&o->dst, &a)) {
			conf_err(ctx, s,
			         "%s %s is already routed at line %d: keep one route per "
			         "destination",
			         what, mp_conf_addr_str(&a, 1, buf, sizeof(buf)), o->line);
			return;
		}
	}
	route->dst = a;
}

static void
conf_route_gateway(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                   void *obj)
{
	struct mp_conf_route *route = obj;
	char what[CONF_WHAT_LEN];
	char buf[CONF_ADDR_BUF];
	struct mp_conf_addr a;
	const char *v, *special;

	conf_key_name(ctx, k->name, what, sizeof(what));
	v = conf_get_string(ctx, s, k->name);
	if (v == NULL)
		return;
	switch (conf_addr_parse(v, 0, &a)) {
	case CONF_ADDR_OK:
		break;
	case CONF_ADDR_HAS_PREFIX:
		conf_err(ctx, s,
		         "%s \"%s\" must be a plain address without a prefix length: write "
		         "\"%s\"",
		         what, v, mp_conf_addr_str(&a, 0, buf, sizeof(buf)));
		return;
	default:
		conf_err(ctx, s,
		         "%s \"%s\" is not a valid IPv4 or IPv6 address (expected e.g. "
		         "\"10.0.0.1\")",
		         what, v);
		return;
	}
	special = conf_addr_special(&a);
	if (special != NULL) {
		conf_err(ctx, s, "%s \"%s\" is %s: use the next-hop router's unicast address", what,
		         v, special);
		return;
	}
	route->gateway = a;
}

static void
conf_route_port(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                void *obj)
{
	const char *names[MP_MAX_PORTS];
	struct mp_conf_route *route = obj;
	const struct mp_conf *conf = ctx->conf;
	unsigned int i;

	for (i = 0; i < conf->n_ports; i++)
		names[i] = conf->ports[i].name;
	route->port = conf_choice(ctx, k, s, names, conf->n_ports, "the name of a port",
	                          "no ports are defined");
}

const struct mp_conf_addr *
conf_onlink_subnet(const struct mp_conf *conf, const struct mp_conf_addr *host, int only,
                   const struct mp_conf_port **on)
{
	unsigned int i, j;

	for (i = 0; i < conf->n_ports; i++) {
		if (only >= 0 && (int)i != only)
			continue;
		for (j = 0; j < conf->ports[i].n_addrs; j++) {
			if (conf_addr_in_prefix(&conf->ports[i].addrs[j], host)) {
				*on = &conf->ports[i];
				return &conf->ports[i].addrs[j];
			}
		}
	}
	return NULL;
}

unsigned int
conf_prefix_list(const struct mp_conf *conf, int family, int only, char *out, size_t len)
{
	char buf[CONF_ADDR_BUF];
	unsigned int i, j, n = 0;
	size_t used = 0;

	out[0] = '\0';
	for (i = 0; i < conf->n_ports; i++) {
		if (only >= 0 && (int)i != only)
			continue;
		for (j = 0; j < conf->ports[i].n_addrs && used < len; j++) {
			struct mp_conf_addr net = conf_addr_network(&conf->ports[i].addrs[j]);

			if (net.family != family)
				continue;
			used += (size_t)snprintf(
			        out + used, len - used, "%s%s on \"%s\"", n != 0 ? ", " : "",
			        mp_conf_addr_str(&net, 1, buf, sizeof(buf)), conf->ports[i].name);
			n++;
		}
	}
	return n;
}

static void
conf_route_check_gateway(struct conf_ctx *ctx, const config_setting_t *grp,
                         struct mp_conf_route *route)
{
	const config_setting_t *gs = conf_member_or(grp, "gateway");
	const char *prefix = ctx->where->key_prefix;
	const struct mp_conf *conf = ctx->conf;
	const struct mp_conf_port *on = NULL;
	const struct mp_conf_addr *subnet;
	char list[CONF_LIST_TEXT_LEN];
	char gw[CONF_ADDR_BUF];
	char dst[CONF_ADDR_BUF];
	const char *fam = route->gateway.family == AF_INET6 ? "IPv6" : "IPv4";

	mp_conf_addr_str(&route->gateway, 0, gw, sizeof(gw));
	if (route->dst.family != 0 && route->dst.family != route->gateway.family) {
		conf_err(ctx, gs, "%sgateway %s is %s but dst %s is %s: use an %s gateway", prefix,
		         gw, fam, mp_conf_addr_str(&route->dst, 1, dst, sizeof(dst)),
		         route->dst.family == AF_INET6 ? "IPv6" : "IPv4",
		         route->dst.family == AF_INET6 ? "IPv6" : "IPv4");
		return;
	}
	/* A named port that did not resolve was reported already. */
	if (config_setting_get_member(grp, "port") != NULL && route->port < 0)
		return;

	subnet = conf_onlink_subnet(conf, &route->gateway, route->port, &on);
	if (subnet != NULL && conf_addr_same(subnet, &route->gateway)) {
		conf_err(ctx, gs,
		         "%sgateway %s is port \"%s\"'s own address: use the next-hop router's "
		         "address",
		         prefix, gw, on->name);
		return;
	}
	if (subnet != NULL)
		return;
	if (route->port >= 0) {
		const struct mp_conf_port *p = &conf->ports[route->port];

		if (conf_prefix_list(conf, route->gateway.family, route->port, list,
		                     sizeof(list)) == 0)
			conf_err(ctx, gs,
			         "gateway %s is not on port \"%s\"'s subnet: the port has no %s "
			         "address; add one in the gateway's subnet",
			         gw, p->name, fam);
		else
			conf_err(ctx, gs,
			         "gateway %s is not on port \"%s\"'s subnet (%s): use a next hop "
			         "inside it",
			         gw, p->name, list);
		return;
	}
	if (conf_prefix_list(conf, route->gateway.family, -1, list, sizeof(list)) == 0)
		conf_err(ctx, gs,
		         "gateway %s is not on any port's subnet: no port has an %s address; add "
		         "one in the gateway's subnet to the port that reaches it",
		         gw, fam);
	else
		conf_err(ctx, gs,
		         "gateway %s is not on any port's subnet: use a next hop inside %s, or add "
		         "an address in its subnet to a port",
		         gw, list);
}

static void
conf_route_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf_route *route = obj;
	bool has_gw = config_setting_get_member(grp, "gateway") != NULL;
	bool has_port = config_setting_get_member(grp, "port") != NULL;

	route->line = config_setting_source_line(grp);
	if (!has_port)
		route->port = -1;
	if (!has_gw && !has_port) {
		conf_err(ctx, grp,
		         "%s has neither 'gateway' nor 'port': set the next hop (gateway = "
		         "\"10.0.0.1\";) or, for an on-link prefix, the port (port = \"p0\";)",
		         ctx->where->label);
		return;
	}
	if (route->gateway.family != 0)
		conf_route_check_gateway(ctx, grp, route);
}

static const struct conf_key conf_route_keys[] = {
        CONF_CUSTOM_KEY("dst", conf_route_dst, CONF_F_REQUIRED,
                        "set it to the destination prefix, e.g. dst = \"10.20.0.0/16\";"),
        CONF_CUSTOM_KEY("gateway", conf_route_gateway, 0, NULL),
        CONF_CUSTOM_KEY("port", conf_route_port, 0, NULL),
};

const struct conf_schema conf_route_schema = {
        .keys = conf_route_keys,
        .n_keys = RTE_DIM(conf_route_keys),
        .finish = conf_route_finish,
        .elem_example = "{ dst = \"10.20.0.0/16\"; gateway = \"10.0.0.1\"; }",
};
