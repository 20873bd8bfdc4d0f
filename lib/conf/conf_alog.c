/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `access_log` section: where the control thread writes one JSON line per closed
 * connection and per HTTP request, and how many records each worker may queue for it. Absent: no
 * access log. Present: `path` is required; the file is opened at start (lib/stats accesslog.c).
 */
#include <limits.h>
#include <string.h>

#include "conf_priv.h"

#define CONF_ALOG_MIN_RING 64
#define CONF_ALOG_MAX_RING 1048576

static void
conf_alog_path(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, void *obj)
{
	struct mp_conf *conf = obj;
	char what[CONF_WHAT_LEN];
	const char *v;

	conf_key_name(ctx, k->name, what, sizeof(what));
	v = conf_get_string(ctx, s, k->name);
	if (v == NULL)
		return;
	if (v[0] == '\0') {
		conf_err(ctx, s, "%s is empty: give a file, e.g. \"/var/log/meshpath/access.log\"",
		         what);
		return;
	}
	if (strlen(v) >= sizeof(conf->alog_path)) {
		conf_err(ctx, s, "%s is %zu characters long: at most %zu are supported", what,
		         strlen(v), sizeof(conf->alog_path) - 1);
		return;
	}
	memcpy(conf->alog_path, v, strlen(v) + 1);
}

/* `l4` and `http`: which lines are written. */
static void
conf_alog_kind(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, void *obj)
{
	struct mp_conf *conf = obj;
	char what[CONF_WHAT_LEN];

	conf_key_name(ctx, k->name, what, sizeof(what));
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_err(ctx, s, "%s must be a boolean (true or false), not %s", what,
		         conf_type_name(config_setting_type(s)));
		return;
	}
	*(strcmp(k->name, "http") == 0 ? &conf->alog_http : &conf->alog_l4) =
	        config_setting_get_bool(s) != 0;
}

static void
conf_alog_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf *conf = obj;

	if (config_setting_get_member(grp, "path") == NULL)
		conf_err(ctx, grp,
		         "access_log needs a path, e.g. access_log = { path = "
		         "\"/var/log/meshpath/access.log\"; };");
	if (config_setting_get_member(grp, "l4") == NULL)
		conf->alog_l4 = true;
	if (config_setting_get_member(grp, "http") == NULL)
		conf->alog_http = true;
}

static const struct conf_key conf_alog_keys[] = {
        CONF_CUSTOM_KEY("path", conf_alog_path, 0, NULL),
        CONF_INT_KEY("ring_size", struct mp_conf, alog_ring_size, CONF_ALOG_MIN_RING,
                     CONF_ALOG_MAX_RING, MP_CONF_DEF_ALOG_RING_SIZE, CONF_F_POW2),
        CONF_CUSTOM_KEY("l4", conf_alog_kind, 0, NULL),
        CONF_CUSTOM_KEY("http", conf_alog_kind, 0, NULL),
};

const struct conf_schema conf_alog_schema = {
        .keys = conf_alog_keys,
        .n_keys = RTE_DIM(conf_alog_keys),
        .finish = conf_alog_finish,
};
