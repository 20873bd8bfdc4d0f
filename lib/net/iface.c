/* SPDX-License-Identifier: BSD-3-Clause */
/* The L3 view of a port: its own addresses, including the IPv6 link-local one. */
#include <string.h>

#include "mp_conf.h"
#include "net_priv.h"

/* fe80::/64 with the modified EUI-64 interface identifier of mac (RFC 4291 appendix A). */
static void
iface_linklocal(struct mp_net_addr *a, const struct rte_ether_addr *mac)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	a->prefix = 64;
	a->addr[0] = 0xfe;
	a->addr[1] = 0x80;
	a->addr[8] = mac->addr_bytes[0] ^ 0x02;
	a->addr[9] = mac->addr_bytes[1];
	a->addr[10] = mac->addr_bytes[2];
	a->addr[11] = 0xff;
	a->addr[12] = 0xfe;
	a->addr[13] = mac->addr_bytes[3];
	a->addr[14] = mac->addr_bytes[4];
	a->addr[15] = mac->addr_bytes[5];
}

void
mp_net_iface_init(struct mp_net_iface *ifc, const struct mp_conf_port *c, uint16_t port_id,
                  const struct rte_ether_addr *mac, uint16_t mtu, bool rx_ip_csum, bool rx_l4_csum)
{
	unsigned int i;

	memset(ifc, 0, sizeof(*ifc));
	ifc->port_id = port_id;
	ifc->mtu = mtu;
	ifc->mac = *mac;
	ifc->rx_ip_csum = rx_ip_csum;
	ifc->rx_l4_csum = rx_l4_csum;
	for (i = 0; i < c->n_addrs && i < MP_MAX_PORT_ADDRS; i++) {
		struct mp_net_addr *a = &ifc->addrs[ifc->n_addrs++];

		a->family = c->addrs[i].family;
		a->prefix = c->addrs[i].prefix;
		if (a->family == AF_INET)
			memcpy(a->addr, &c->addrs[i].v4, 4);
		else
			memcpy(a->addr, c->addrs[i].v6, 16);
	}
	iface_linklocal(&ifc->addrs[ifc->n_addrs++], mac);
}

bool
mp_net_addr_in_prefix(const struct mp_net_addr *p, int family, const uint8_t *addr)
{
	unsigned int full = p->prefix / 8, rest = p->prefix % 8;

	if (p->family != family)
		return false;
	if (memcmp(p->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((p->addr[full] ^ addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

const struct mp_net_addr *
mp_net_iface_source(const struct mp_net_iface *ifc, int family, const uint8_t *dst)
{
	const struct mp_net_addr *any = NULL;
	bool ll = family == AF_INET6 && net_ip6_is_linklocal(dst);
	unsigned int i;

	/* Prefer an address on the destination's subnet; link-local talks to link-local. */
	for (i = 0; i < ifc->n_addrs; i++) {
		const struct mp_net_addr *a = &ifc->addrs[i];

		if (a->family != family)
			continue;
		if (mp_net_addr_in_prefix(a, family, dst))
			return a;
		if (family == AF_INET6 && net_ip6_is_linklocal(a->addr) != ll)
			continue;
		if (any == NULL)
			any = a;
	}
	return any;
}
