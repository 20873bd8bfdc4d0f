/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Addresses in the config: "10.0.0.1/24", "fd00::1/64" and plain gateways. Parsing goes through
 * inet_pton, which (unlike inet_aton) refuses the short forms "10.1" and "10.0.0.01", so what is
 * accepted is what a reader of the file would expect.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf_priv.h"

#define CONF_V4_BITS       32
#define CONF_V6_BITS       128
/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" and its terminator. */
#define CONF_ADDR_TEXT_MAX (INET6_ADDRSTRLEN + 4)

/* Parse the decimal prefix length after '/': digits only, no sign, no spaces. */
static int
conf_prefix_parse(const char *s, unsigned int max, unsigned int *len)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > max)
		return -1;
	*len = (unsigned int)v;
	return 0;
}

enum conf_addr_err
conf_addr_parse(const char *s, int with_prefix, struct mp_conf_addr *a)
{
	char host[CONF_ADDR_TEXT_MAX];
	const char *slash = strchr(s, '/');
	size_t hlen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	unsigned int plen;

	memset(a, 0, sizeof(*a));
	if (hlen >= sizeof(host))
		return CONF_ADDR_BAD;
	memcpy(host, s, hlen);
	host[hlen] = '\0';

	if (inet_pton(AF_INET, host, &a->v4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, host, a->v6) == 1)
		a->family = AF_INET6;
	else
		return CONF_ADDR_BAD;

	if (!with_prefix) {
		a->prefix = (uint8_t)conf_addr_bits(a);
		return slash != NULL ? CONF_ADDR_HAS_PREFIX : CONF_ADDR_OK;
	}
	if (slash == NULL)
		return CONF_ADDR_NO_PREFIX;
	if (conf_prefix_parse(slash + 1, conf_addr_bits(a), &plen) < 0)
		return CONF_ADDR_BAD_PREFIX;
	a->prefix = (uint8_t)plen;
	return CONF_ADDR_OK;
}

unsigned int
conf_addr_bits(const struct mp_conf_addr *a)
{
	return a->family == AF_INET6 ? CONF_V6_BITS : CONF_V4_BITS;
}

struct mp_conf_addr
conf_addr_network(const struct mp_conf_addr *a)
{
	struct mp_conf_addr n = *a;
	uint8_t *bytes = n.family == AF_INET6 ? n.v6 : (uint8_t *)&n.v4;
	unsigned int nbytes = conf_addr_bits(a) / 8;
	unsigned int i;

	for (i = 0; i < nbytes; i++) {
		unsigned int first = i * 8;

		if (first >= a->prefix)
			bytes[i] = 0;
		else if (a->prefix - first < 8)
			bytes[i] &= (uint8_t)(0xff << (8 - (a->prefix - first)));
	}
	return n;
}

bool
conf_addr_same(const struct mp_conf_addr *a, const struct mp_conf_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4 == b->v4;
	return memcmp(a->v6, b->v6, sizeof(a->v6)) == 0;
}

bool
conf_addr_in_prefix(const struct mp_conf_addr *net, const struct mp_conf_addr *host)
{
	struct mp_conf_addr h = *host;
	struct mp_conf_addr n, hn;

	if (net->family != host->family)
		return false;
	h.prefix = net->prefix;
	n = conf_addr_network(net);
	hn = conf_addr_network(&h);
	return conf_addr_same(&n, &hn);
}

const char *
conf_addr_special(const struct mp_conf_addr *a)
{
	if (a->family == AF_INET) {
		uint32_t h = ntohl(a->v4);

		if (h == INADDR_ANY)
			return "the unspecified address";
		if (IN_MULTICAST(h))
			return "a multicast address";
		if (h == INADDR_BROADCAST)
			return "the broadcast address";
		if ((h >> 24) == IN_LOOPBACKNET)
			return "a loopback address";
		return NULL;
	}
	if (IN6_IS_ADDR_UNSPECIFIED((const struct in6_addr *)a->v6))
		return "the unspecified address";
	if (IN6_IS_ADDR_MULTICAST((const struct in6_addr *)a->v6))
		return "a multicast address";
	if (IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)a->v6))
		return "the loopback address";
	return NULL;
}

/*
 * Always leaves a NUL-terminated string in buf (truncated when short) so callers can print
 * the result unconditionally; "unset" stands for family 0.
 */
const char *
mp_conf_addr_str(const struct mp_conf_addr *a, int with_prefix, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (buf == NULL || len == 0)
		return NULL;
	if (a == NULL || (a->family != AF_INET && a->family != AF_INET6) ||
	    inet_ntop(a->family, a->family == AF_INET ? (const void *)&a->v4 : (const void *)a->v6,
	              host, sizeof(host)) == NULL) {
		snprintf(buf, len, "unset");
		return buf;
	}
	if (with_prefix)
		snprintf(buf, len, "%s/%u", host, a->prefix);
	else
		snprintf(buf, len, "%s", host);
	return buf;
}
