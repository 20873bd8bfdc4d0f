/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath: options, config, EAL, and the start and stop of every module in order.
 *
 *   meshpath -c FILE [-- EAL-ARGS...]   run; EAL arguments after -- override the config's
 *   meshpath --check FILE               validate a config, print every error, exit 0 or 1
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>
#include <rte_version.h>

#include "meshpath.h"
#include "mp_proxy_obs.h"
#include "mp_regex_hs.h"

#define EAL_ARGV_MAX (MP_MAX_EAL_ARGS * 2 + 8)

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
	        "usage: %s -c FILE [-- EAL-ARGS...]\n"
	        "       %s --check FILE\n"
	        "  -c, --config FILE  run with this config (see conf/README.md)\n"
	        "      --check FILE   validate FILE: print every error as FILE:LINE: message\n"
	        "  -h, --help         this text\n"
	        "      --version      print the version\n"
	        "EAL arguments after -- come after the config's eal.args, so they override them;\n"
	        "when they set -l, --lcores or -c, the config's workers.lcores is not used.\n",
	        prog, prog);
}

static bool
args_have(int argc, char **argv, const char *const *opts)
{
	int i, j;

	for (i = 0; i < argc; i++)
		for (j = 0; opts[j] != NULL; j++)
			if (strcmp(argv[i], opts[j]) == 0 ||
			    (strncmp(argv[i], opts[j], strlen(opts[j])) == 0 &&
			     argv[i][strlen(opts[j])] == '='))
				return true;
	return false;
}

/* argv for rte_eal_init: program name, lcores from the config, eal.args, then the overrides. */
static int
eal_argv_build(const struct mp_conf *conf, const char *prog, int n_extra, char **extra, char **out,
               char *lcores, size_t lcores_len)
{
	static const char *const lcore_opts[] = {"-l", "--lcores", "-c", NULL};
	static const char *const main_opts[] = {"--main-lcore", NULL};
	int n = 0, i, off;
	unsigned int w;

	out[n++] = (char *)(uintptr_t)prog;
	if (!args_have(n_extra, extra, lcore_opts)) {
		off = snprintf(lcores, lcores_len, "%u@%u", conf->main_lcore, conf->main_cpu);
		for (w = 0; w < conf->n_workers && off < (int)lcores_len; w++)
			off += snprintf(lcores + off, lcores_len - (size_t)off, ",%u@%u",
			                conf->worker_lcores[w], conf->worker_cpus[w]);
		out[n++] = (char *)(uintptr_t) "--lcores";
		out[n++] = lcores;
		if (!args_have(n_extra, extra, main_opts)) {
			static char main_lcore[16];

			snprintf(main_lcore, sizeof(main_lcore), "%u", conf->main_lcore);
			out[n++] = (char *)(uintptr_t) "--main-lcore";
			out[n++] = main_lcore;
		}
	}
	for (i = 0; i < conf->eal_argc; i++)
		out[n++] = (char *)(uintptr_t)conf->eal_argv[i];
	for (i = 0; i < n_extra && n < EAL_ARGV_MAX - 1; i++)
		out[n++] = extra[i];
	out[n] = NULL;
	return n;
}

static int
setup_pool(struct meshpath *mp)
{
	mp->pool = rte_pktmbuf_pool_create("mp_mbufs", mp->conf->mbufs, mp->conf->mbuf_cache, 0,
	                                   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (mp->pool == NULL) {
		MP_LOG(ERR,
		       "cannot create a pool of %u packet buffers (%s): lower mempool.mbufs or "
		       "give "
		       "the EAL more memory (-m in eal.args, or hugepages)",
		       mp->conf->mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

static int
setup_ports(struct meshpath *mp)
{
	unsigned int i;
	int rc;

	for (i = 0; i < mp->conf->n_ports; i++) {
		struct mp_port *p = &mp->ports[i];

		rc = mp_port_setup(p, (uint16_t)i, &mp->conf->ports[i], (uint16_t)mp->n_workers,
		                   mp->pool);
		mp->n_ports = i + 1; /* so a failure closes what was opened */
		if (rc < 0)
			return rc;
		mp_net_iface_init(&mp->ifaces[i], &mp->conf->ports[i], p->port_id, &p->mac, p->mtu,
		                  p->rx_ip_csum, p->rx_l4_csum);
		mp->ifaces[i].rss = p->rss_state.known ? &p->rss_state : NULL;
		memcpy(mp->stats.port_name[i], p->name, MP_NAME_LEN);
		mp->port_rss[i] = p->rss;
		mp->stats.port_id[i] = p->port_id;
	}
	mp->stats.n_ports = mp->n_ports;
	return mp_snapshot_first(mp);
}

static int
setup_worker(struct meshpath *mp, unsigned int idx, unsigned int lcore)
{
	const struct mp_conf *conf = mp->conf;
	uint64_t ms = rte_get_tsc_hz() / 1000;
	int socket = (int)rte_lcore_to_socket_id(lcore);
	struct mp_neigh_params np = {
	        .socket_id = socket,
	        .entries = conf->neigh_entries,
	        .queue_len = conf->neigh_queue,
	        .reachable_tsc = conf->neigh_reach_ms * ms,
	        .retrans_tsc = conf->neigh_retrans_ms * ms,
	        .max_probes = conf->neigh_probes,
	};
	char name[RTE_RING_NAMESIZE];
	struct mp_worker *w;

	w = rte_zmalloc_socket("mp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL)
		return -ENOMEM;
	mp->workers[idx] = w;
	w->lcore = lcore;
	w->index = idx;
	w->rcu = mp->rcu;
	w->burst = conf->burst;
	w->quit = &mp->quit;

	snprintf(name, sizeof(name), "mp_neigh_%u", idx);
	np.name = name;
	w->net.neigh = mp_neigh_create(&np);
	if (w->net.neigh == NULL) {
		MP_LOG(ERR,
		       "worker %u: cannot create a neighbour table of %u entries (%s): lower "
		       "neighbour.entries or give the EAL more memory",
		       idx, conf->neigh_entries, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	snprintf(name, sizeof(name), "mp_updates_%u", idx);
	mp->rings[idx] = rte_ring_create_elem(name, sizeof(struct mp_neigh_update), conf->ring_size,
	                                      socket, RING_F_SC_DEQ);
	if (mp->rings[idx] == NULL) {
		MP_LOG(ERR, "worker %u: cannot create its ring of %u: %s", idx, conf->ring_size,
		       rte_strerror(rte_errno));
		return -ENOMEM;
	}
	w->net.queue = (uint16_t)idx;
	w->net.worker = (uint16_t)idx;
	w->net.n_workers = (uint16_t)mp->n_workers;
	w->net.n_ports = (uint16_t)mp->n_ports;
	w->net.ifaces = mp->ifaces;
	w->snap = &mp->snap;
	w->net.cnt = &w->counters;
	w->net.pool = mp->pool;
	w->net.rings = mp->rings;
	if (mp_net_ctx_init(&w->net, conf->burst, socket) < 0)
		return -ENOMEM;
	mp->steer[idx] = mp_l4_ring_create(idx, conf->steer_ring_size, socket);
	if (mp->steer[idx] == NULL) {
		MP_LOG(ERR, "worker %u: cannot create its steering ring of %u: %s", idx,
		       conf->steer_ring_size, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	w->l4.net = &w->net;

	w->l4.rings = mp->steer;
	w->l4.port_rss = mp->port_rss;
	if (mp_l4_ctx_init(&w->l4, conf, socket) < 0)
		return -ENOMEM;
	if (mp_app_tcp_setup(mp, w, socket) < 0)
		return -ENOMEM;
	if (mp_app_health_http_setup(w) < 0)
		return -ENOMEM;

	mp->stats.counters[idx] = &w->counters;
	mp->stats.neigh[idx] = w->net.neigh;
	mp->stats.lcore[idx] = lcore;
	mp->stats.flows[idx] = w->l4.flows;
	return 0;
}

static void
drop_held(struct rte_mbuf *m, void *arg __rte_unused)
{
	rte_pktmbuf_free(m);
}

static void
teardown(struct meshpath *mp)
{
	unsigned int i;

	for (i = 0; i < mp->n_ports; i++)
		mp_port_close(&mp->ports[i]);
	for (i = 0; i < mp->n_workers; i++) {
		struct mp_worker *w = mp->workers[i];

		if (w == NULL)
			continue;
		mp_app_tcp_teardown(w);
		mp_app_health_http_teardown(w);
		mp_l4_ctx_fini(&w->l4);
		mp_net_ctx_fini(&w->net);
		if (w->net.neigh != NULL)
			mp_neigh_free(w->net.neigh, drop_held, NULL);
		rte_ring_free(mp->rings[i]);
		rte_ring_free(mp->steer[i]);
		rte_free(w);
	}

	mp_app_tcp_fini();
	mp_port_unmap_guard(NULL);
	rte_free(mp->rcu);
	mp_snapshot_free(mp->snap);
	mp->snap = NULL;
	rte_mempool_free(mp->pool);
}

static int
run(struct mp_conf *conf, const char *prog, int n_extra, char **extra)
{
	static struct meshpath mp; /* workers keep pointers into it until they stop */
	char *eal_argv[EAL_ARGV_MAX];
	char lcores[1024];
	unsigned int lcore, i;
	int eal_argc, rc;

	eal_argc = eal_argv_build(conf, prog, n_extra, extra, eal_argv, lcores, sizeof(lcores));
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "meshpath: EAL init failed: %s; check eal.args in %s\n",
		        rte_strerror(rte_errno), conf->path);
		return 1;
	}
	mp_log_init();
	mp_control_signals();
	mp.conf = conf;
	mp.regex = mp_regex_hs_ops();
	pthread_mutex_init(&mp.lock, NULL);
	mp.stats.lock = &mp.lock;
	mp.stats.alog = &mp.alog;
	mp.n_workers = rte_lcore_count() - 1;
	if (mp.n_workers == 0 || mp.n_workers > MP_MAX_WORKERS) {
		MP_LOG(ERR,
		       "%u worker lcores: give 1..%u in workers.lcores (the main lcore only "
		       "runs the control thread)",
		       mp.n_workers, MP_MAX_WORKERS);
		rc = 1;
		goto out;
	}
	/* Packet capture (dpdk-dumpcap) needs the multi-process channel, absent with
	 * --no-shconf or --in-memory; meshpath runs without it. */
	if (rte_pdump_init() < 0)
		MP_LOG(INFO,
		       "packet capture unavailable (%s): run without --no-shconf and "
		       "--in-memory to use dpdk-dumpcap",
		       rte_strerror(rte_errno));

	rc = mp_pkt_info_register();
	if (rc < 0) {
		MP_LOG(ERR, "cannot register the packet metadata field: %s", rte_strerror(-rc));
		rc = 1;
		goto out;
	}
	mp.rcu = rte_zmalloc("mp_rcu", rte_rcu_qsbr_get_memsize(mp.n_workers), RTE_CACHE_LINE_SIZE);
	if (mp.rcu == NULL || rte_rcu_qsbr_init(mp.rcu, mp.n_workers) != 0) {
		MP_LOG(ERR, "cannot set up RCU for %u workers", mp.n_workers);
		rc = 1;
		goto out;
	}
	/* Before any port exists: a memif peer may leave as soon as one does. */
	mp_port_unmap_guard(mp.rcu);
	rc = setup_pool(&mp);
	mp.stats.pool = mp.pool;
	if (rc == 0)
		rc = setup_ports(&mp);
	i = 0;
	RTE_LCORE_FOREACH_WORKER (lcore) {
		if (rc < 0)
			break;
		rc = setup_worker(&mp, i++, lcore);
	}
	mp.stats.n_workers = i;
	if (rc < 0) {
		rc = 1;
		goto out;
	}
	rc = mp_stats_init(&mp.stats);
	if (rc == 0)
		rc = mp_control_telemetry(&mp);
	if (rc == 0)
		rc = mp_app_tcp_telemetry(&mp);
	if (rc == 0)
		rc = mp_app_proxy_telemetry(&mp);
	if (rc == 0)
		rc = mp_app_health_http_telemetry(&mp);
	if (rc < 0)
		MP_LOG(WARNING, "telemetry commands not registered: %s", rte_strerror(-rc));
	if (mp_admin_open(&mp.admin, mp.conf) < 0) {
		rc = 1;
		goto out;
	}
	if (mp.conf->alog_path[0] != '\0') {
		if (mp_alog_writer_open(&mp.alog, mp.conf->alog_path, mp.n_workers,
		                        mp.conf->alog_ring_size, (int)rte_socket_id()) < 0) {
			rc = 1;
			goto out;
		}
		for (i = 0; i < mp.n_workers && mp.conf->alog_l4; i++)
			mp.workers[i]->l4.alog = mp.alog.rings[i];
		/* Every HTTP request gets a line: the proxy shares the worker's ring. */
		for (i = 0; i < mp.n_workers && mp.conf->alog_http; i++) {
			if (mp.workers[i]->proxy == NULL ||
			    mp_proxy_access_log(mp.workers[i]->proxy, mp.alog.rings[i],
			                        &mp.workers[i]->counters) == 0)
				continue;
			MP_LOG(ERR,
			       "access log: no memory for worker %u's HTTP records (512 bytes per "
			       "downstream connection): lower http.max_downstream_connections or "
			       "give the EAL more memory",
			       i);
			rc = 1;
			goto out;
		}
	}

	i = 0;
	RTE_LCORE_FOREACH_WORKER (lcore)
		rte_eal_remote_launch(mp_worker_main, mp.workers[i++], lcore);
	MP_LOG(INFO, "running: %u worker(s), %u port(s); SIGINT or SIGTERM stops", mp.n_workers,
	       mp.n_ports);
	mp_control_run(&mp);
	mp_admin_close(&mp.admin);
	for (i = 0; i < mp.n_ports; i++)
		mp_port_stop(&mp.ports[i]);
	mp_stats_print(&mp.stats, stdout);
	rc = 0;
out:
	teardown(&mp);
	rte_pdump_uninit();
	rte_eal_cleanup();
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"config", required_argument, NULL, 'c'},
	        {"check", required_argument, NULL, 'k'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'v'},
	        {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *check = NULL;
	struct mp_conf *conf;
	unsigned int tables = 0;
	int opt, errors, rc;

	while ((opt = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'k':
			check = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'v':
			printf("meshpath %s (%s)\n", MESHPATH_VERSION, rte_version());
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if ((config == NULL) == (check == NULL)) {
		usage(stderr, argv[0]);
		return 2;
	}
	conf = calloc(1, sizeof(*conf));
	if (conf == NULL) {
		fprintf(stderr, "meshpath: out of memory\n");
		return 1;
	}
	errors = mp_conf_load(check != NULL ? check : config, conf, stderr);
	/* The schema holds; now compile what it leaves to engines (the route tables' regexes). */
	if (errors == 0)
		tables = mp_snapshot_http_check(conf, mp_regex_hs_ops(), stderr, NULL);
	if (check != NULL) {
		if (errors == 0 && tables == 0)
			printf("%s: ok\n", check);
		else if (errors != 0)
			fprintf(stderr, "%s: %d error%s\n", check, errors, errors == 1 ? "" : "s");
		else
			fprintf(stderr, "%s: %u route table%s not built\n", check, tables,
			        tables == 1 ? "" : "s");
		mp_conf_release(conf);
		free(conf);
		return errors == 0 && tables == 0 ? 0 : 1;
	}
	if (errors != 0 || tables != 0) {
		if (errors != 0)
			fprintf(stderr, "%s: %d error%s; meshpath not started\n", config, errors,
			        errors == 1 ? "" : "s");
		else
			fprintf(stderr, "%s: %u route table%s not built; meshpath not started\n",
			        config, tables, tables == 1 ? "" : "s");
		mp_conf_release(conf);
		free(conf);
		return 1;
	}
	rc = run(conf, argv[0], argc - optind, argv + optind);
	mp_conf_release(conf);
	free(conf);
	return rc;
}
