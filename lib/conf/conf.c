/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath's config schema, first part: the process sections (eal, workers, mempool, rings,
 * neighbour), the top-level table and mp_conf_load(). The network sections (ports, routes) are
 * in conf_net.c, the L4 load-balancing ones (flows, clusters, listeners) in conf_l4.c;
 * conf_schema.c walks the tables; conf/README.md documents every row.
 *
 * Rows of a table are read in order and sections in the order of conf_top_keys, whatever the
 * order in the file, so a key may depend on the rows above it: `lcores` on `main_lcore`, routes
 * on ports, clusters on ports, route tables on clusters, listeners on clusters and route tables.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf_priv.h"

/* Ranges. Limits that size arrays come from mp_base.h, DPDK's from rte_config.h. */
#define CONF_MAX_LCORE         (RTE_MAX_LCORE - 1)
#define CONF_MAX_CPU           (CPU_SETSIZE - 1)
#define CONF_MIN_MBUFS         1024
#define CONF_MAX_MBUFS         16777215 /* 2^24 - 1: mempools are best sized 2^n - 1 */
#define CONF_MIN_RING          64
#define CONF_MAX_RING          65536
#define CONF_MIN_NEIGH_ENTRIES 16
#define CONF_MAX_NEIGH_ENTRIES 1048576
#define CONF_MAX_NEIGH_QUEUE   256
#define CONF_MIN_REACH_MS      1000
#define CONF_MAX_REACH_MS      3600000
#define CONF_MIN_RETRANS_MS    100
#define CONF_MAX_RETRANS_MS    60000
#define CONF_MAX_PROBES        20

/* A config file is a few kilobytes; this only stops a mistaken path from eating memory. */
#define CONF_MAX_FILE_SIZE (16u << 20)

/* ------------------------------------------------------------------------------------------ */
/* eal                                                                                        */

static void
conf_eal_args(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, void *obj)
{
	struct mp_conf *conf = obj;
	char what[CONF_WHAT_LEN];
	int n, i;

	conf_key_name(ctx, k->name, what, sizeof(what));
	n = conf_get_seq(ctx, s, k->name,
	                 "a list of strings, e.g. [\"--no-huge\", \"-m\", \"512\"]");
	if (n < 0)
		return;
	if (n > MP_MAX_EAL_ARGS) {
		conf_err(ctx, s, "%s has %d entries: at most %d are supported", what, n,
		         MP_MAX_EAL_ARGS);
		n = MP_MAX_EAL_ARGS;
	}
	conf->eal_argc = 0;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		char ewhat[CONF_WHAT_LEN];
		const char *v;

		conf_fmt(ewhat, sizeof(ewhat), "%s[%d]", k->name, i);
		v = conf_get_string(ctx, e, ewhat);
		if (v == NULL)
			continue;
		if (v[0] == '\0') {
			conf_err(ctx, e, "%s[%d] is an empty string: remove it", what, i);
			continue;
		}
		if (strlen(v) >= MP_EAL_ARG_LEN) {
			conf_err(ctx, e, "%s[%d] is %zu characters long: at most %d are supported",
			         what, i, strlen(v), MP_EAL_ARG_LEN - 1);
			continue;
		}
		memcpy(conf->eal_argv[conf->eal_argc++], v, strlen(v) + 1);
	}
}

static const struct conf_key conf_eal_keys[] = {
        CONF_CUSTOM_KEY("args", conf_eal_args, 0, NULL),
};

static const struct conf_schema conf_eal = {
        .keys = conf_eal_keys,
        .n_keys = RTE_DIM(conf_eal_keys),
};

/* ------------------------------------------------------------------------------------------ */
/* workers                                                                                    */

static void
conf_workers_lcores(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                    void *obj)
{
	struct mp_conf *conf = obj;
	bool ok[MP_MAX_WORKERS] = {false};
	char what[CONF_WHAT_LEN];
	int n, i, j;

	conf_key_name(ctx, k->name, what, sizeof(what));
	n = conf_get_seq(ctx, s, k->name, "an array of lcore ids, e.g. [1, 2]");
	if (n < 0)
		return;
	if (n == 0) {
		conf_err(ctx, s, "%s is empty: list at least one worker lcore, e.g. lcores = [1];",
		         what);
		return;
	}
	if (n > MP_MAX_WORKERS) {
		conf_err(ctx, s, "%s has %d entries: at most %d workers are supported", what, n,
		         MP_MAX_WORKERS);
		n = MP_MAX_WORKERS;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		char ewhat[CONF_WHAT_LEN];
		long long v;

		conf_fmt(ewhat, sizeof(ewhat), "%s[%d]", what, i);
		conf->worker_lcores[i] = 0;
		if (conf_get_int(ctx, e, ewhat, 0, CONF_MAX_LCORE, 0, &v) < 0)
			continue;
		conf->worker_lcores[i] = (unsigned int)v;
		if (v == conf->main_lcore) {
			conf_err(ctx, e,
			         "%s = %lld is the main lcore (workers.main_lcore): give the "
			         "worker another lcore",
			         ewhat, v);
			continue;
		}
		for (j = 0; j < i; j++)
			if (ok[j] && conf->worker_lcores[j] == v)
				break;
		if (j < i) {
			conf_err(ctx, e, "%s = %lld is already %s[%d]: list each lcore once", ewhat,
			         v, what, j);
			continue;
		}
		ok[i] = true;
	}
	/* Counted even when an entry was wrong, so `cpus` is compared with what was written. */
	conf->n_workers = (unsigned int)n;
}

static void
conf_workers_cpus(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
                  void *obj)
{
	const config_setting_t *lcores =
	        config_setting_get_member(config_setting_parent(s), "lcores");
	struct mp_conf *conf = obj;
	char what[CONF_WHAT_LEN];
	int n, i;

	conf_key_name(ctx, k->name, what, sizeof(what));
	n = conf_get_seq(ctx, s, k->name, "an array of CPU ids, one per worker lcore, e.g. [1, 1]");
	if (n < 0)
		return;
	if (lcores != NULL && config_setting_is_aggregate(lcores) &&
	    n != config_setting_length(lcores))
		conf_err(ctx, s, "%s lists %d CPU%s for %d worker lcore%s: give one CPU per lcore",
		         what, n, n == 1 ? "" : "s", config_setting_length(lcores),
		         config_setting_length(lcores) == 1 ? "" : "s");
	for (i = 0; i < n && i < MP_MAX_WORKERS; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		char ewhat[CONF_WHAT_LEN];
		long long v;

		conf_fmt(ewhat, sizeof(ewhat), "%s[%d]", what, i);
		if (conf_get_int(ctx, e, ewhat, 0, CONF_MAX_CPU, 0, &v) == 0)
			conf->worker_cpus[i] = (unsigned int)v;
	}
}

static void
conf_workers_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf *conf = obj;
	unsigned int i;

	RTE_SET_USED(ctx);
	if (config_setting_get_member(grp, "main_cpu") == NULL)
		conf->main_cpu = conf->main_lcore;
	if (config_setting_get_member(grp, "cpus") == NULL)
		for (i = 0; i < conf->n_workers; i++)
			conf->worker_cpus[i] = conf->worker_lcores[i];
}

static const struct conf_key conf_workers_keys[] = {
        CONF_INT_KEY("main_lcore", struct mp_conf, main_lcore, 0, CONF_MAX_LCORE,
                     MP_CONF_DEF_MAIN_LCORE, 0),
        CONF_INT_KEY("main_cpu", struct mp_conf, main_cpu, 0, CONF_MAX_CPU, MP_CONF_DEF_MAIN_LCORE,
                     0),
        CONF_CUSTOM_KEY("lcores", conf_workers_lcores, CONF_F_REQUIRED,
                        "list the worker lcores, e.g. lcores = [1];"),
        CONF_CUSTOM_KEY("cpus", conf_workers_cpus, 0, NULL),
        CONF_INT_KEY("burst", struct mp_conf, burst, 1, MP_MAX_BURST, MP_CONF_DEF_BURST, 0),
};

static const struct conf_schema conf_workers = {
        .keys = conf_workers_keys,
        .n_keys = RTE_DIM(conf_workers_keys),
        .finish = conf_workers_finish,
};

/* ------------------------------------------------------------------------------------------ */
/* mempool, rings, neighbour                                                                  */

/*
 * rte_mempool_create() refuses a cache with cache * 1.5 > n. The ranges above cannot produce
 * that today (512 * 1.5 < 1024); the check stays so that widening a range cannot turn it into
 * a start-up failure.
 */
static void
conf_mempool_finish(struct conf_ctx *ctx, const config_setting_t *grp, void *obj)
{
	struct mp_conf *conf = obj;

	if ((uint64_t)conf->mbuf_cache * 3 > (uint64_t)conf->mbufs * 2)
		conf_err(ctx, conf_member_or(grp, "cache"),
		         "mempool.cache = %u is too large for mempool.mbufs = %u: DPDK needs "
		         "cache * 1.5 <= mbufs; use cache <= %u",
		         conf->mbuf_cache, conf->mbufs, (unsigned int)(conf->mbufs * 2ull / 3));
}

static const struct conf_key conf_mempool_keys[] = {
        CONF_INT_KEY("mbufs", struct mp_conf, mbufs, CONF_MIN_MBUFS, CONF_MAX_MBUFS,
                     MP_CONF_DEF_MBUFS, 0),
        CONF_INT_KEY("cache", struct mp_conf, mbuf_cache, 0, RTE_MEMPOOL_CACHE_MAX_SIZE,
                     MP_CONF_DEF_MBUF_CACHE, 0),
};

static const struct conf_schema conf_mempool = {
        .keys = conf_mempool_keys,
        .n_keys = RTE_DIM(conf_mempool_keys),
        .finish = conf_mempool_finish,
};

static const struct conf_key conf_rings_keys[] = {
        CONF_INT_KEY("size", struct mp_conf, ring_size, CONF_MIN_RING, CONF_MAX_RING,
                     MP_CONF_DEF_RING_SIZE, CONF_F_POW2),
        CONF_INT_KEY("steer_size", struct mp_conf, steer_ring_size, CONF_MIN_RING, CONF_MAX_RING,
                     MP_CONF_DEF_STEER_RING_SIZE, CONF_F_POW2),
};

static const struct conf_schema conf_rings = {
        .keys = conf_rings_keys,
        .n_keys = RTE_DIM(conf_rings_keys),
};

static const struct conf_key conf_neigh_keys[] = {
        CONF_INT_KEY("entries", struct mp_conf, neigh_entries, CONF_MIN_NEIGH_ENTRIES,
                     CONF_MAX_NEIGH_ENTRIES, MP_CONF_DEF_NEIGH_ENTRIES, 0),
        CONF_INT_KEY("queue", struct mp_conf, neigh_queue, 1, CONF_MAX_NEIGH_QUEUE,
                     MP_CONF_DEF_NEIGH_QUEUE, 0),
        CONF_INT_KEY("reachable_ms", struct mp_conf, neigh_reach_ms, CONF_MIN_REACH_MS,
                     CONF_MAX_REACH_MS, MP_CONF_DEF_NEIGH_REACH_MS, 0),
        CONF_INT_KEY("retrans_ms", struct mp_conf, neigh_retrans_ms, CONF_MIN_RETRANS_MS,
                     CONF_MAX_RETRANS_MS, MP_CONF_DEF_NEIGH_RETRANS_MS, 0),
        CONF_INT_KEY("probes", struct mp_conf, neigh_probes, 1, CONF_MAX_PROBES,
                     MP_CONF_DEF_NEIGH_PROBES, 0),
};

static const struct conf_schema conf_neigh = {
        .keys = conf_neigh_keys,
        .n_keys = RTE_DIM(conf_neigh_keys),
};

/* ------------------------------------------------------------------------------------------ */
/* the file                                                                                   */

static const struct conf_key conf_top_keys[] = {
        CONF_GROUP_KEY("eal", &conf_eal, 0, NULL),
        CONF_GROUP_KEY("workers", &conf_workers, CONF_F_REQUIRED,
                       "add the worker lcores, e.g. workers = { lcores = [1]; };"),
        CONF_GROUP_KEY("mempool", &conf_mempool, 0, NULL),
        CONF_GROUP_KEY("rings", &conf_rings, 0, NULL),
        CONF_GROUP_KEY("neighbour", &conf_neigh, 0, NULL),
        CONF_LIST_KEY("ports", struct mp_conf, ports, n_ports, &conf_port_schema, CONF_F_REQUIRED,
                      "add at least one port, e.g. ports = ( { name = \"p0\"; device = "
                      "\"net_tap0,iface=mp0\"; addresses = [\"10.0.0.254/24\"]; } );"),
        CONF_LIST_KEY("routes", struct mp_conf, routes, n_routes, &conf_route_schema, 0, NULL),
        CONF_GROUP_KEY("flows", &conf_flows_schema, 0, NULL),
        CONF_GROUP_KEY("tcp", &conf_tcp_schema, 0, NULL),
        CONF_GROUP_KEY("http", &conf_proxy_schema, 0, NULL),
        CONF_LIST_KEY("clusters", struct mp_conf, clusters, n_clusters, &conf_cluster_schema, 0,
                      NULL),
        CONF_CUSTOM_LIST_KEY("route_tables", conf_http_tables, &conf_route_table_schema,
                             struct mp_conf_route_table, 0, NULL),
        CONF_LIST_KEY("listeners", struct mp_conf, listeners, n_listeners, &conf_listener_schema, 0,
                      NULL),
        CONF_GROUP_KEY("admin", &conf_admin_schema, 0, NULL),
        CONF_GROUP_KEY("access_log", &conf_alog_schema, 0, NULL),
};

static const struct conf_schema conf_top = {
        .keys = conf_top_keys,
        .n_keys = RTE_DIM(conf_top_keys),
};

void
mp_conf_defaults(struct mp_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf_schema_defaults(&conf_top, conf);
	conf->main_cpu = conf->main_lcore;
}

/* Read the whole file: libconfig then parses from memory and range errors can quote it. */
static char *
conf_read_text(const char *path, FILE *err)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int e;

	f = fopen(path, "r");
	if (f == NULL) {
		e = errno;
		goto fail;
	}
	if (fstat(fileno(f), &st) < 0) {
		e = errno;
		goto fail_close;
	}
	if (S_ISDIR(st.st_mode)) {
		e = EISDIR;
		goto fail_close;
	}
	for (;;) {
		size_t n;

		if (cap - len < 2) {
			char *grown;

			if (cap >= CONF_MAX_FILE_SIZE) {
				e = EFBIG;
				goto fail_close;
			}
			cap = cap != 0 ? cap * 2 : 4096;
			grown = realloc(text, cap);
			if (grown == NULL) {
				e = ENOMEM;
				goto fail_close;
			}
			text = grown;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		e = EIO;
		goto fail_close;
	}
	fclose(f);
	text[len] = '\0';
	return text;

fail_close:
	fclose(f);
fail:
	free(text);
	if (err != NULL)
		fprintf(err, "%s: cannot read: %s\n", path, strerror(e));
	return NULL;
}

/* libconfig's messages say what broke; add what to look for. */
static const char *
conf_syntax_hint(const char *text)
{
	if (text == NULL)
		return "";
	if (strcmp(text, "syntax error") == 0)
		return " (look for a missing ';', '=', quote or closing bracket on this line or "
		       "the "
		       "one before)";
	if (strcmp(text, "duplicate setting name") == 0)
		return ": each key may appear once per group; remove or rename one of them";
	if (strstr(text, "mismatched element type") != NULL)
		return ": the values in [ ] must all have the same type";
	return "";
}

int
mp_conf_load(const char *path, struct mp_conf *conf, FILE *err)
{
	struct conf_where top = {
	        .key_prefix = "",
	        .label = "the file",
	        .named = "the file",
	        .in = "at the top level",
	};
	struct conf_ctx ctx = {0};
	char dir[PATH_MAX];
	const char *slash;
	config_t cfg;
	char *text;
	int n;

	if (path == NULL || conf == NULL) {
		if (err != NULL)
			fprintf(err, "mp_conf_load: no path or no conf given\n");
		return 1;
	}
	text = conf_read_text(path, err);
	if (text == NULL)
		return 1;
	mp_conf_defaults(conf);
	snprintf(conf->path, sizeof(conf->path), "%s", path);

	config_init(&cfg);
	/* @include "x.conf" is relative to the including file, not to the working directory. */
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash != NULL ? (int)(slash - path) + 1 : 0, path);
	if (dir[0] != '\0')
		config_set_include_dir(&cfg, dir);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		if (err != NULL)
			fprintf(err, "%s%s:%d: %s%s\n", conf_file_dir(dir, config_error_file(&cfg)),
			        config_error_file(&cfg) != NULL ? config_error_file(&cfg) : path,
			        config_error_line(&cfg), config_error_text(&cfg),
			        conf_syntax_hint(config_error_text(&cfg)));
		n = 1;
		goto out;
	}

	ctx.path = path;
	ctx.dir = dir;
	ctx.text = text;
	ctx.conf = conf;
	ctx.err = err;
	conf_walk_group(&ctx, config_root_setting(&cfg), &conf_top, conf, &top);
	n = conf_err_flush(&ctx);
	if (n != 0)
		mp_conf_release(conf);
out:
	config_destroy(&cfg);
	free(text);
	return n;
}
