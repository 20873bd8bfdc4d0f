/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `admin` section: where the control thread serves the Prometheus scrape endpoint. Absent:
 * no admin listener. Present: `port` is required, `address` defaults to loopback, so the
 * endpoint is not reachable from the network unless the operator says so.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "conf_priv.h"

static void
conf_admin_address(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                   void *obj)
{
	struct mp_conf *conf = obj;
	char what[CONF_WHAT_LEN];
	const char *v;

	conf_key_name(ctx, k->name, what, sizeof(what));
	v = conf_get_string(ctx, s, k->name);
	if (v == NULL)
		return;
	if (conf_addr_parse(v, 0, &conf->admin_addr) != CONF_ADDR_OK)
		conf_err(ctx, s,
		         "%s \"%s\" is not an IPv4 or IPv6 address without a prefix length: write "
		         "e.g. \"127.0.0.1\" (loopback only) or \"0.0.0.0\" (every address)",
		         what, v);
}

static void
conf_admin_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf *conf = obj;

	/* A port given out of range was reported already. */
	if (config_setting_get_member(grp, "port") == NULL)
		conf_err(ctx, grp, "admin needs a port, e.g. admin = { port = 9901; };");
	if (conf->admin_addr.family == 0) {
		conf->admin_addr.family = AF_INET;
		conf->admin_addr.v4 = htonl(INADDR_LOOPBACK);
	}
}

static const struct conf_key conf_admin_keys[] = {
        CONF_CUSTOM_KEY("address", conf_admin_address, 0, NULL),
        CONF_INT_KEY("port", struct mp_conf, admin_port, 1, UINT16_MAX, 0, 0),
};

const struct conf_schema conf_admin_schema = {
        .keys = conf_admin_keys,
        .n_keys = RTE_DIM(conf_admin_keys),
        .finish = conf_admin_finish,
};
