/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/conf: mp_conf_load(), mp_conf_defaults(), mp_conf_addr_str().
 *
 * Each test writes a config to a temporary file, loads it with the errors captured in memory,
 * and asserts the count and the exact "FILE:LINE: message" lines: the messages are the
 * interface a user sees, so they are pinned word for word. Config texts are written one line
 * per string literal so the line numbers can be read off the source.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mp_conf.h"
#include "test_conf.h"

#define REPO_DIR MP_TEST_DATA_DIR "/../../.."

/* The conf is large (routes table); one static instance keeps it off the test's stack. */
struct mp_conf conf;
char path[sizeof(TMP_TEMPLATE)];
static char *errs;
static size_t errs_len;

static void
reset_errs(void)
{
	free(errs);
	errs = NULL;
	errs_len = 0;
}

static int
load_path(const char *p)
{
	FILE *m;
	int n;

	reset_errs();
	mp_conf_release(&conf); /* the route tables of the previous load */
	m = open_memstream(&errs, &errs_len);
	assert_non_null(m);
	n = mp_conf_load(p, &conf, m);
	assert_int_equal(fclose(m), 0);
	return n;
}

/* Write text to a fresh temporary file (named in `path`) and load it. */
int
load(const char *text)
{
	size_t len = strlen(text);
	int fd, n;

	memcpy(path, TMP_TEMPLATE, sizeof(TMP_TEMPLATE));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	n = load_path(path);
	unlink(path);
	return n;
}

static unsigned int
count_lines(const char *s)
{
	unsigned int n = 0;

	for (; s != NULL && *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* The captured errors hold the whole line "<path>:<line>: <msg>". */
void
assert_err(unsigned int line, const char *msg)
{
	char want[1024];
	const char *p;
	size_t wlen;

	snprintf(want, sizeof(want), "%s:%u: %s\n", path, line, msg);
	wlen = strlen(want);
	for (p = errs; p != NULL && *p != '\0'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, want, wlen) == 0)
			return;
		if (strchr(p, '\n') == NULL)
			break;
	}
	fputs(errs != NULL ? errs : "", stderr);
	fail_msg("missing error line:\n  %s got:\n%s", want, errs != NULL ? errs : "(nothing)");
}

/* Exactly one error, and it is this one. */
void
assert_only_err(int n, unsigned int line, const char *msg)
{
	if (n != 1)
		fail_msg("expected 1 error, got %d:\n%s", n, errs != NULL ? errs : "");
	assert_err(line, msg);
}

void
assert_valid(int n)
{
	if (n != 0)
		fail_msg("expected a valid config, got %d errors:\n%s", n, errs);
	assert_true(errs == NULL || errs[0] == '\0');
}

static uint32_t
v4(const char *s)
{
	uint32_t a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void
assert_v4(const struct mp_conf_addr *a, const char *s, unsigned int prefix)
{
	assert_int_equal(a->family, AF_INET);
	assert_int_equal(a->v4, v4(s));
	assert_int_equal(a->prefix, prefix);
}

static void
assert_v6(const struct mp_conf_addr *a, const char *s, unsigned int prefix)
{
	uint8_t want[16];

	assert_int_equal(inet_pton(AF_INET6, s, want), 1);
	assert_int_equal(a->family, AF_INET6);
	assert_memory_equal(a->v6, want, sizeof(want));
	assert_int_equal(a->prefix, prefix);
}

int
teardown(void **state)
{
	(void)state;
	reset_errs();
	mp_conf_release(&conf);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* The shipped configs                                                                        */

static void
test_shipped_configs_valid(void **state)
{
	const char *dir = REPO_DIR "/conf/examples";
	char p[PATH_MAX];
	unsigned int n_examples = 0;
	bool seen_l4 = false;
	struct dirent *d;
	DIR *dh;

	(void)state;
	assert_valid(load_path(REPO_DIR "/conf/meshpath.conf"));

	dh = opendir(dir);
	assert_non_null(dh);
	while ((d = readdir(dh)) != NULL) {
		size_t len = strlen(d->d_name);
		int n;

		if (len < 5 || strcmp(d->d_name + len - 5, ".conf") != 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
		n = load_path(p);
		if (n != 0)
			fail_msg("%s: %d errors:\n%s", p, n, errs);
		n_examples++;
		seen_l4 |= strcmp(d->d_name, "l4-lb.conf") == 0;
	}
	closedir(dh);
	assert_true(n_examples >= 2);
	assert_true(seen_l4);
}

static void
test_default_conf_values(void **state)
{
	static const char *const args[] = {"--no-pci", "--no-huge", "-m", "512", "--no-shconf"};
	const struct mp_conf_port *p;
	const struct mp_conf_route *r;
	unsigned int i;

	(void)state;
	assert_valid(load_path(REPO_DIR "/conf/meshpath.conf"));
	assert_string_equal(conf.path, REPO_DIR "/conf/meshpath.conf");

	assert_int_equal(conf.eal_argc, 5);
	for (i = 0; i < 5; i++)
		assert_string_equal(conf.eal_argv[i], args[i]);

	assert_int_equal(conf.main_lcore, 0);
	assert_int_equal(conf.main_cpu, 0);
	assert_int_equal(conf.n_workers, 1);
	assert_int_equal(conf.worker_lcores[0], 1);
	assert_int_equal(conf.worker_cpus[0], 1);
	assert_int_equal(conf.burst, 64);

	assert_int_equal(conf.n_ports, 1);
	p = &conf.ports[0];
	assert_string_equal(p->name, "cli");
	assert_string_equal(p->devargs, "net_tap0,iface=mp-cli");
	assert_int_equal(p->mtu, 1500);
	assert_int_equal(p->rx_desc, 1024);
	assert_int_equal(p->tx_desc, 1024);
	assert_int_equal(p->n_addrs, 2);
	assert_int_equal(p->addrs[0].family, AF_INET);
	assert_int_equal(p->addrs[0].v4, v4("10.10.0.254"));
	assert_int_equal(p->addrs[0].prefix, 24);
	assert_v6(&p->addrs[1], "fd00:10::fe", 64);
	assert_true(p->line > 0);

	assert_int_equal(conf.n_routes, 2);
	r = &conf.routes[0];
	assert_int_equal(r->dst.family, AF_INET);
	assert_int_equal(r->dst.v4, v4("10.20.0.0"));
	assert_int_equal(r->dst.prefix, 24);
	assert_int_equal(r->gateway.family, AF_INET);
	assert_int_equal(r->gateway.v4, v4("10.10.0.1"));
	assert_int_equal(r->port, -1);
	r = &conf.routes[1];
	assert_v6(&r->dst, "fd00:20::", 64);
	assert_v6(&r->gateway, "fd00:10::1", 128);
	assert_int_equal(r->port, -1);
}

static void
test_two_workers_values(void **state)
{
	(void)state;
	assert_valid(load_path(REPO_DIR "/conf/examples/two-workers.conf"));
	assert_int_equal(conf.n_workers, 2);
	assert_int_equal(conf.worker_lcores[0], 1);
	assert_int_equal(conf.worker_lcores[1], 2);
	assert_int_equal(conf.worker_cpus[0], 1);
	assert_int_equal(conf.worker_cpus[1], 1);
	assert_int_equal(conf.n_ports, 2);
	assert_string_equal(conf.ports[0].name, "a");
	assert_string_equal(conf.ports[0].devargs, "net_af_packet0,iface=mp-v0");
	assert_string_equal(conf.ports[1].name, "b");
	assert_string_equal(conf.ports[1].devargs, "net_af_packet1,iface=mp-v1");
	assert_int_equal(conf.ports[1].addrs[0].v4, v4("10.12.0.254"));
	assert_v6(&conf.ports[1].addrs[1], "fd00:12::fe", 64);
	assert_int_equal(conf.n_routes, 2);
	assert_int_equal(conf.routes[0].port, -1);
	assert_int_equal(conf.routes[1].port, 1);
}

/* ---------------------------------------------------------------------------------------- */
/* Values and defaults                                                                        */

static void
assert_flows_defaults(void)
{
	assert_int_equal(conf.max_flows, MP_CONF_DEF_FLOWS);
	assert_int_equal(conf.tcp_syn_ms, MP_CONF_DEF_TCP_SYN_MS);
	assert_int_equal(conf.tcp_established_ms, MP_CONF_DEF_TCP_EST_MS);
	assert_int_equal(conf.tcp_fin_ms, MP_CONF_DEF_TCP_FIN_MS);
	assert_int_equal(conf.tcp_close_ms, MP_CONF_DEF_TCP_CLOSE_MS);
	assert_int_equal(conf.udp_ms, MP_CONF_DEF_UDP_MS);
	assert_int_equal(conf.connect_fail_ms, MP_CONF_DEF_CONNECT_FAIL_MS);
	assert_int_equal(conf.tcp_mss_clamp, 0);
}

static void
test_l4_example_values(void **state)
{
	const struct mp_conf_cluster *c;
	const struct mp_conf_listener *l;
	unsigned int i;

	(void)state;
	assert_valid(load_path(REPO_DIR "/conf/examples/l4-lb.conf"));
	assert_int_equal(conf.n_ports, 2);
	assert_string_equal(conf.ports[0].devargs, "net_af_packet0,iface=mp-v0");
	assert_string_equal(conf.ports[1].devargs, "net_af_packet1,iface=mp-v1");
	assert_v4(&conf.ports[1].addrs[0], "10.20.0.254", 24);
	assert_v6(&conf.ports[1].addrs[1], "fd00:20::fe", 64);
	assert_flows_defaults();

	assert_int_equal(conf.n_clusters, 3);
	assert_int_equal(conf.n_endpoints, 7);
	c = &conf.clusters[0];
	assert_string_equal(c->name, "web");
	assert_int_equal(c->policy, MP_LB_MAGLEV);
	assert_int_equal(c->maglev_size, 65537);
	assert_int_equal(c->first_endpoint, 0);
	assert_int_equal(c->n_endpoints, 3);
	assert_v4(&conf.endpoints[0].addr, "10.20.0.1", 32);
	assert_v4(&conf.endpoints[1].addr, "10.20.0.2", 32);
	assert_v4(&conf.endpoints[2].addr, "10.20.0.3", 32);
	for (i = 0; i < 3; i++)
		assert_int_equal(conf.endpoints[i].port, 80);
	assert_int_equal(conf.endpoints[0].weight, 1);
	assert_int_equal(conf.endpoints[2].weight, 2);
	assert_int_equal(c->n_snat, 1);
	assert_v4(&c->snat[0], "10.20.0.250", 32);
	assert_true(c->health.enabled);
	assert_int_equal(c->health.interval_ms, 2000);
	assert_int_equal(c->health.timeout_ms, 1000);
	assert_int_equal(c->health.rise, 2);
	assert_int_equal(c->health.fall, 3);

	c = &conf.clusters[1];
	assert_string_equal(c->name, "web6");
	assert_int_equal(c->policy, MP_LB_MAGLEV);
	assert_int_equal(c->first_endpoint, 3);
	assert_int_equal(c->n_endpoints, 3);
	assert_v6(&conf.endpoints[3].addr, "fd00:20::1", 128);
	assert_v6(&conf.endpoints[5].addr, "fd00:20::3", 128);
	assert_int_equal(c->n_snat, 1);
	assert_v6(&c->snat[0], "fd00:20::250", 128);
	assert_true(c->health.enabled);
	assert_int_equal(c->health.interval_ms, MP_CONF_DEF_HC_INTERVAL_MS);

	c = &conf.clusters[2];
	assert_string_equal(c->name, "dns");
	assert_int_equal(c->policy, MP_LB_ROUND_ROBIN);
	assert_int_equal(c->first_endpoint, 6);
	assert_int_equal(c->n_endpoints, 1);
	assert_v4(&conf.endpoints[6].addr, "10.20.0.1", 32);
	assert_int_equal(conf.endpoints[6].port, 5353);
	assert_int_equal(c->n_snat, 0);
	assert_false(c->health.enabled);

	assert_int_equal(conf.n_listeners, 3);
	l = &conf.listeners[0];
	assert_string_equal(l->name, "web-vip");
	assert_int_equal(l->proto, MP_L4_TCP);
	assert_v4(&l->vip, "10.10.0.100", 32);
	assert_int_equal(l->port, 80);
	assert_int_equal(l->port_last, 80);
	assert_int_equal(l->cluster, 0);
	l = &conf.listeners[1];
	assert_string_equal(l->name, "web6-vip");
	assert_int_equal(l->proto, MP_L4_TCP);
	assert_v6(&l->vip, "fd00:10::100", 128);
	assert_int_equal(l->port, 80);
	assert_int_equal(l->cluster, 1);
	l = &conf.listeners[2];
	assert_string_equal(l->name, "dns-vip");
	assert_int_equal(l->proto, MP_L4_UDP);
	assert_v4(&l->vip, "10.10.0.100", 32);
	assert_int_equal(l->port, 53);
	assert_int_equal(l->port_last, 53);
	assert_int_equal(l->cluster, 2);
}

static void
test_defaults_function(void **state)
{
	(void)state;
	memset(&conf, 0xa5, sizeof(conf));
	mp_conf_defaults(&conf);
	assert_int_equal(conf.path[0], '\0');
	assert_int_equal(conf.eal_argc, 0);
	assert_int_equal(conf.main_lcore, MP_CONF_DEF_MAIN_LCORE);
	assert_int_equal(conf.main_cpu, MP_CONF_DEF_MAIN_LCORE);
	assert_int_equal(conf.n_workers, 0);
	assert_int_equal(conf.burst, MP_CONF_DEF_BURST);
	assert_int_equal(conf.mbufs, MP_CONF_DEF_MBUFS);
	assert_int_equal(conf.mbuf_cache, MP_CONF_DEF_MBUF_CACHE);
	assert_int_equal(conf.ring_size, MP_CONF_DEF_RING_SIZE);
	assert_int_equal(conf.neigh_entries, MP_CONF_DEF_NEIGH_ENTRIES);
	assert_int_equal(conf.neigh_queue, MP_CONF_DEF_NEIGH_QUEUE);
	assert_int_equal(conf.neigh_reach_ms, MP_CONF_DEF_NEIGH_REACH_MS);
	assert_int_equal(conf.neigh_retrans_ms, MP_CONF_DEF_NEIGH_RETRANS_MS);
	assert_int_equal(conf.neigh_probes, MP_CONF_DEF_NEIGH_PROBES);
	assert_int_equal(conf.n_ports, 0);
	assert_int_equal(conf.n_routes, 0);
	assert_flows_defaults();
	assert_int_equal(conf.n_listeners, 0);
	assert_int_equal(conf.n_clusters, 0);
	assert_int_equal(conf.n_endpoints, 0);
}

static void
test_defaults_when_absent(void **state)
{
	(void)state;
	assert_valid(load("workers = { main_lcore = 3; lcores = [1, 2]; };\n"
	                  "ports = ( { name = \"p\"; device = \"0000:01:00.0\"; } );\n"));
	assert_int_equal(conf.eal_argc, 0);
	assert_int_equal(conf.main_lcore, 3);
	assert_int_equal(conf.main_cpu, 3);
	assert_int_equal(conf.worker_cpus[0], 1);
	assert_int_equal(conf.worker_cpus[1], 2);
	assert_int_equal(conf.burst, MP_CONF_DEF_BURST);
	assert_int_equal(conf.mbufs, MP_CONF_DEF_MBUFS);
	assert_int_equal(conf.mbuf_cache, MP_CONF_DEF_MBUF_CACHE);
	assert_int_equal(conf.ring_size, MP_CONF_DEF_RING_SIZE);
	assert_int_equal(conf.neigh_entries, MP_CONF_DEF_NEIGH_ENTRIES);
	assert_int_equal(conf.neigh_probes, MP_CONF_DEF_NEIGH_PROBES);
	assert_int_equal(conf.ports[0].mtu, MP_CONF_DEF_MTU);
	assert_int_equal(conf.ports[0].rx_desc, MP_CONF_DEF_RX_DESC);
	assert_int_equal(conf.ports[0].tx_desc, MP_CONF_DEF_TX_DESC);
	assert_int_equal(conf.ports[0].n_addrs, 0);
	assert_int_equal(conf.n_routes, 0);
	assert_flows_defaults();
	assert_int_equal(conf.n_listeners, 0);
	assert_int_equal(conf.n_clusters, 0);
	assert_int_equal(conf.n_endpoints, 0);
}

static void
test_every_key_parsed(void **state)
{
	(void)state;
	assert_valid(
	        load("eal = { args = (\"--no-huge\", \"-m\", \"256\"); };\n"
	             "workers = { main_lcore = 2; main_cpu = 0; lcores = [0x3, 4];\n"
	             "  cpus = [1, 0]; burst = 64; };\n"
	             "mempool = { mbufs = 4095L; cache = 0; };\n"
	             "rings = { size = 65536; };\n"
	             "neighbour = { entries = 16; queue = 256; reachable_ms = 3600000;\n"
	             "  retrans_ms = 100; probes = 20; };\n"
	             "ports = (\n"
	             "  { name = \"p_0-A\"; device = \"01:00.1\"; mtu = 9000;\n"
	             "    rx_desc = 64; tx_desc = 16384; addresses = (\"192.168.1.1/30\"); },\n"
	             "  { name = \"q\"; device = \"net_ring0\"; mtu = 68; }\n"
	             ");\n"
	             "routes = (\n"
	             "  { dst = \"0.0.0.0/0\"; gateway = \"192.168.1.2\"; port = \"p_0-A\"; },\n"
	             "  { dst = \"172.16.0.0/12\"; port = \"q\"; }\n"
	             ");\n"));
	assert_int_equal(conf.eal_argc, 3);
	assert_string_equal(conf.eal_argv[2], "256");
	assert_int_equal(conf.main_lcore, 2);
	assert_int_equal(conf.main_cpu, 0);
	assert_int_equal(conf.worker_lcores[0], 3);
	assert_int_equal(conf.worker_cpus[1], 0);
	assert_int_equal(conf.burst, 64);
	assert_int_equal(conf.mbufs, 4095);
	assert_int_equal(conf.mbuf_cache, 0);
	assert_int_equal(conf.ring_size, 65536);
	assert_int_equal(conf.neigh_entries, 16);
	assert_int_equal(conf.neigh_queue, 256);
	assert_int_equal(conf.neigh_reach_ms, 3600000);
	assert_int_equal(conf.neigh_retrans_ms, 100);
	assert_int_equal(conf.neigh_probes, 20);
	assert_string_equal(conf.ports[0].name, "p_0-A");
	assert_int_equal(conf.ports[0].mtu, 9000);
	assert_int_equal(conf.ports[0].rx_desc, 64);
	assert_int_equal(conf.ports[0].tx_desc, 16384);
	assert_int_equal(conf.ports[0].addrs[0].prefix, 30);
	assert_int_equal(conf.ports[1].mtu, 68);
	assert_int_equal(conf.routes[0].dst.prefix, 0);
	assert_int_equal(conf.routes[0].port, 0);
	assert_int_equal(conf.routes[1].port, 1);
	assert_int_equal(conf.routes[1].gateway.family, 0);
	assert_int_equal(conf.routes[1].line, 15);
}

/* ---------------------------------------------------------------------------------------- */
/* Unknown keys                                                                               */

static void
test_unknown_key_did_you_mean(void **state)
{
	(void)state;
	assert_only_err(load("workers = { lcores = [1]; };\n" /* 1 */
	                     "ports = (\n"
	                     "  {\n" /* 3 */
	                     "    name = \"cli\";\n"
	                     "    device = \"net_tap0,iface=mp0\";\n"
	                     "    mtuu = 1500;\n" /* 6 */
	                     "  }\n"
	                     ");\n"),
	                6, "unknown key 'mtuu' in ports[0] (\"cli\"); did you mean 'mtu'?");
}

static void
test_unknown_keys_every_level(void **state)
{
	int n;

	(void)state;
	n = load(HEAD "wrokers = 1;\n"                                                      /* 6 */
	              "workers2 = { };\n"                                                   /* 7 */
	              "mempool = { MBUFS = 8191; pool = 1; };\n"                            /* 8 */
	              "neighbour = { retrans = 100; };\n"                                   /* 9 */
	              "routes = ( { dst = \"10.1.0.0/16\"; port = \"cli\"; via = 1; } );\n" /* 10 */
	              "eal = { arg = []; };\n" /* 11 */);
	assert_err(6, "unknown key 'wrokers' at the top level; did you mean 'workers'?");
	assert_err(7, "unknown key 'workers2' at the top level; did you mean 'workers'?");
	assert_err(8, "unknown key 'MBUFS' in mempool; did you mean 'mbufs'?");
	assert_err(8, "unknown key 'pool' in mempool: valid keys are mbufs, cache");
	assert_err(9, "unknown key 'retrans' in neighbour: valid keys are entries, queue, "
	              "reachable_ms, retrans_ms, probes");
	assert_err(10, "unknown key 'via' in routes[0]: valid keys are dst, gateway, port");
	assert_err(11, "unknown key 'arg' in eal; did you mean 'args'?");
	assert_int_equal(n, 7);
	assert_int_equal(count_lines(errs), 7);
}

/* ---------------------------------------------------------------------------------------- */
/* Types                                                                                      */

static void
test_wrong_types(void **state)
{
	int n;

	(void)state;
	n = load("workers = {\n"                                        /* 1 */
	         "  lcores = [1];\n"                                    /* 2 */
	         "  burst = \"32\";\n"                                  /* 3 */
	         "  main_lcore = 0.0;\n"                                /* 4 */
	         "  main_cpu = true;\n"                                 /* 5 */
	         "};\n"                                                 /* 6 */
	         "rings = 5;\n"                                         /* 7 */
	         "eal = { args = \"--no-huge\"; };\n"                   /* 8 */
	         "ports = (\n"                                          /* 9 */
	         "  { name = 5; device = \"net_tap0\"; mtu = [1500];\n" /* 10 */
	         "    addresses = [1, 2]; },\n"                         /* 11 */
	         "  \"p1\" );\n"                                        /* 12 */
	         "# libconfig dates a list element by the token after it: ')' on 12\n"
	         "routes = { dst = \"10.0.0.0/8\"; };\n" /* 14 */);
	assert_err(3, "'burst' must be an integer, not a string");
	assert_err(4, "'main_lcore' must be an integer, not a floating-point number");
	assert_err(5, "'main_cpu' must be an integer, not a boolean");
	assert_err(7, "'rings' must be a group { ... }, not an integer");
	assert_err(8, "'args' must be a list of strings, e.g. [\"--no-huge\", \"-m\", \"512\"], "
	              "not a string");
	assert_err(10, "'name' must be a string, not an integer");
	assert_err(10, "'mtu' must be an integer, not an array [ ... ]");
	assert_err(11, "'addresses[0]' must be a string, not an integer");
	assert_err(11, "'addresses[1]' must be a string, not an integer");
	assert_err(12,
	           "ports[1] must be a group { name = \"p0\"; device = \"...\"; }, not a string");
	assert_err(14,
	           "'routes' must be a list of groups, not a group: write routes = ( { ... } );");
	assert_int_equal(n, 11);
}

static void
test_int64_accepted_in_range(void **state)
{
	(void)state;
	assert_valid(load(HEAD "mempool = { mbufs = 100000L; };\n"));
	assert_int_equal(conf.mbufs, 100000);
	assert_only_err(load(HEAD "mempool = { mbufs = 100000000000L; };\n"), 6,
	                "mempool.mbufs = 100000000000 is out of range: use 1024..16777215");
}

/* ---------------------------------------------------------------------------------------- */
/* Port impairment (tests only)                                                               */

static void
test_port_impair(void **state)
{
	const struct mp_conf_impair *im;
	int n;

	(void)state;
	n = load("workers = { lcores = [1]; };\n"
	         "ports = ( { name = \"a\"; device = \"net_tap0\";\n"
	         "  impair = { loss = 0.01; duplicate = 0; reorder = 0.25; delay_ms = 5;\n"
	         "             jitter_ms = 2; seed = 42; }; },\n"
	         "  { name = \"b\"; device = \"net_tap1\"; impair = { }; },\n"
	         "  { name = \"c\"; device = \"net_tap2\"; } );\n");
	assert_valid(n);
	im = &conf.ports[0].impair;
	assert_true(im->enabled);
	assert_true(im->loss == 0.01);
	assert_true(im->duplicate == 0.0);
	assert_true(im->reorder == 0.25);
	assert_int_equal(im->delay_ms, 5);
	assert_int_equal(im->jitter_ms, 2);
	assert_int_equal(im->seed, 42);
	im = &conf.ports[1].impair;
	assert_true(im->enabled);
	assert_true(im->loss == 0.0);
	assert_int_equal(im->seed, MP_CONF_DEF_IMPAIR_SEED);
	assert_false(conf.ports[2].impair.enabled);

	n = load("workers = { lcores = [1]; };\n"                     /* 1 */
	         "ports = ( { name = \"a\"; device = \"net_tap0\";\n" /* 2 */
	         "  impair = { loss = 1.0;\n"                         /* 3 */
	         "    duplicate = -0.5;\n"                            /* 4 */
	         "    reorder = \"often\";\n"                         /* 5 */
	         "    delay_ms = 1001;\n"                             /* 6 */
	         "    lose = 0.1; }; } );\n" /* 7 */);
	assert_err(3, "ports[0].impair.loss = 1 is not a probability in [0, 1): write e.g. 0.01 "
	              "for one packet in a hundred, 0 for none");
	assert_err(4, "ports[0].impair.duplicate = -0.5 is not a probability in [0, 1): write e.g. "
	              "0.01 for one packet in a hundred, 0 for none");
	assert_err(5, "ports[0].impair.reorder must be a probability such as 0.01, not a string");
	assert_err(6, "ports[0].impair.delay_ms = 1001 is out of range: use 0..1000");
	assert_err(7, "unknown key 'lose' in ports[0].impair; did you mean 'loss'?");
	assert_int_equal(n, 5);
}

/* Ranges                                                                                     */

static void
test_out_of_range(void **state)
{
	int n;

	(void)state;
	n = load("workers = { lcores = [1, 200]; burst = 0; main_lcore = 128; };\n" /* 1 */
	         "ports = ( { name = \"p\"; device = \"net_tap0\";\n"               /* 2 */
	         "  mtu = 9001;\n"                                                  /* 3 */
	         "  rx_desc = 1000;\n"                                              /* 4 */
	         "  tx_desc = 32768; } );\n"                                        /* 5 */
	         "rings = { size = 32; };\n"                                        /* 6 */
	         "mempool = { mbufs = 3000000000; cache = 513; };\n"                /* 7 */
	         "neighbour = { probes = -1; };\n" /* 8 */);
	assert_err(1, "workers.lcores[1] = 200 is out of range: use 0..127");
	assert_err(1, "workers.burst = 0 is out of range: use 1..256");
	assert_err(1, "workers.main_lcore = 128 is out of range: use 0..127");
	assert_err(3, "ports[0].mtu = 9001 is out of range: use 68..9000");
	assert_err(4, "ports[0].rx_desc = 1000 is not a power of two: use 512 or 1024");
	assert_err(5, "ports[0].tx_desc = 32768 is out of range: use 64..16384");
	assert_err(6, "rings.size = 32 is out of range: use 64..65536");
	/* libconfig 1.5 wraps 3000000000 to a negative int: the message quotes the file. */
	assert_err(7, "mempool.mbufs = 3000000000 is out of range: use 1024..16777215");
	assert_err(7, "mempool.cache = 513 is out of range: use 0..512");
	assert_err(8, "neighbour.probes = -1 is out of range: use 1..20");
	assert_int_equal(n, 10);
}

static void
test_power_of_two_hints(void **state)
{
	(void)state;
	assert_only_err(load(HEAD "rings = { size = 65000; };\n"), 6,
	                "rings.size = 65000 is not a power of two: use 32768 or 65536");
	assert_only_err(load(HEAD "rings = { size = 100; };\n"), 6,
	                "rings.size = 100 is not a power of two: use 64 or 128");
}

/* ---------------------------------------------------------------------------------------- */
/* Workers                                                                                    */

static void
test_workers_lcores(void **state)
{
	int n;

	(void)state;
	n = load("workers = {\n"              /* 1 */
	         "  main_lcore = 2;\n"        /* 2 */
	         "  lcores = [1, 2, 3, 1];\n" /* 3 */
	         "  cpus = [1, 1];\n"         /* 4 */
	         "};\n"                       /* 5 */
	         "ports = ( { name = \"p\"; device = \"net_tap0\"; } );\n");
	assert_err(3, "workers.lcores[1] = 2 is the main lcore (workers.main_lcore): give the "
	              "worker another lcore");
	assert_err(3, "workers.lcores[3] = 1 is already workers.lcores[0]: list each lcore once");
	assert_err(4, "workers.cpus lists 2 CPUs for 4 worker lcores: give one CPU per lcore");
	assert_int_equal(n, 3);

	assert_only_err(
	        load("workers = { lcores = []; };\n"
	             "ports = ( { name = \"p\"; device = \"net_tap0\"; } );\n"),
	        1, "workers.lcores is empty: list at least one worker lcore, e.g. lcores = [1];");
	assert_only_err(load("workers = { burst = 8; };\n"
	                     "ports = ( { name = \"p\"; device = \"net_tap0\"; } );\n"),
	                1, "workers has no 'lcores': list the worker lcores, e.g. lcores = [1];");
}

static void
test_workers_too_many(void **state)
{
	char text[1024];
	size_t used;
	int i;

	(void)state;
	used = (size_t)snprintf(text, sizeof(text), "workers = { lcores = [");
	for (i = 1; i <= MP_MAX_WORKERS + 1; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%d",
		                         i > 1 ? ", " : "", i);
	snprintf(text + used, sizeof(text) - used,
	         "]; };\nports = ( { name = \"p\"; device = \"net_tap0\"; } );\n");
	assert_only_err(load(text), 1,
	                "workers.lcores has 65 entries: at most 64 workers are supported");
}

/* ---------------------------------------------------------------------------------------- */
/* EAL                                                                                        */

static void
test_eal_args(void **state)
{
	char text[2048];
	char long_arg[MP_EAL_ARG_LEN + 1];
	int n;

	(void)state;
	memset(long_arg, 'x', sizeof(long_arg) - 1);
	long_arg[sizeof(long_arg) - 1] = '\0';
	snprintf(text, sizeof(text),
	         HEAD "eal = { args = (\n" /* 6 */
	              "  \"--no-huge\",\n" /* 7 */
	              "  \"\",\n"          /* 8 */
	              "  \"%s\",\n"        /* 9 */
	              "  512\n"            /* 10 */
	              "); };\n",
	         long_arg);
	n = load(text);
	assert_err(8, "eal.args[1] is an empty string: remove it");
	assert_err(9, "eal.args[2] is 256 characters long: at most 255 are supported");
	assert_err(10, "'args[3]' must be a string, not an integer");
	assert_int_equal(n, 3);
}

/* ---------------------------------------------------------------------------------------- */
/* Ports                                                                                      */

static void
test_missing_required(void **state)
{
	int n;

	(void)state;
	n = load("workers = { lcores = [1]; };\n"            /* 1 */
	         "ports = (\n"                               /* 2 */
	         "  {\n"                                     /* 3 */
	         "    name = \"cli\";\n"                     /* 4 */
	         "  },\n"                                    /* 5 */
	         "  { device = \"net_tap1\"; }\n"            /* 6 */
	         ");\n"                                      /* 7 */
	         "routes = ( { gateway = \"10.0.0.1\"; },\n" /* 8 */
	         "  { dst = \"10.1.0.0/16\"; } );\n" /* 9 */);
	assert_err(3, "ports[0] has no 'device': set it to a PCI address or a vdev string such as "
	              "\"net_tap0,iface=mp0\"");
	assert_err(6, "ports[1] has no 'name': set it to a unique name such as \"p0\" (letters, "
	              "digits, '_', '-')");
	assert_err(8, "routes[0] has no 'dst': set it to the destination prefix, e.g. dst = "
	              "\"10.20.0.0/16\";");
	assert_err(9, "routes[1] has neither 'gateway' nor 'port': set the next hop (gateway = "
	              "\"10.0.0.1\";) or, for an on-link prefix, the port (port = \"p0\";)");
	/* routes[0]'s gateway is checked too: no port has an IPv4 address. */
	assert_err(8, "gateway 10.0.0.1 is not on any port's subnet: no port has an IPv4 address; "
	              "add one in the gateway's subnet to the port that reaches it");
	assert_int_equal(n, 5);
}

static void
test_missing_sections(void **state)
{
	int n;

	(void)state;
	n = load("# nothing but a comment\n");
	assert_err(1, "the file has no 'workers': add the worker lcores, e.g. workers = { lcores = "
	              "[1]; };");
	assert_err(1, "the file has no 'ports': add at least one port, e.g. ports = ( { name = "
	              "\"p0\"; device = \"net_tap0,iface=mp0\"; addresses = [\"10.0.0.254/24\"]; "
	              "} );");
	assert_int_equal(n, 2);

	assert_only_err(load("workers = { lcores = [1]; };\nports = ();\n"), 2,
	                "ports is empty: add at least one port, e.g. ports = ( { name = \"p0\"; "
	                "device = \"net_tap0,iface=mp0\"; addresses = [\"10.0.0.254/24\"]; } );");
	assert_only_err(load("workers = { lcores = [1]; };\nports = [];\n"), 2,
	                "ports is empty: add at least one port, e.g. ports = ( { name = \"p0\"; "
	                "device = \"net_tap0,iface=mp0\"; addresses = [\"10.0.0.254/24\"]; } );");
}

static void
test_port_names(void **state)
{
	int n;

	(void)state;
	n = load("workers = { lcores = [1]; };\n"                  /* 1 */
	         "ports = (\n"                                     /* 2 */
	         "  { name = \"cli\"; device = \"net_tap0\"; },\n" /* 3 */
	         "  { name = \"cli\"; device = \"net_tap1\"; },\n" /* 4 */
	         "  { name = \"\"; device = \"net_tap2\"; },\n"    /* 5 */
	         "  { name = \"a b\"; device = \"net_tap3\"; },\n" /* 6 */
	         "  { name = \"abcdefghijabcdefghijabcdefghij012\"; device = \"net_tap4\"; }\n"
	         ");\n");
	assert_err(4, "port name \"cli\" is already used by the port at line 3: give each port its "
	              "own name");
	assert_err(5, "ports[2].name \"\" is 0 characters long: use 1..31 characters");
	assert_err(6, "ports[3].name \"a b\" contains ' ': use only letters, digits, '_' and '-'");
	assert_err(7, "ports[4].name \"abcdefghijabcdefghijabcdefghij012\" is 33 characters long: "
	              "use 1..31 characters");
	assert_int_equal(n, 4);
}

static void
test_port_devices(void **state)
{
	char text[MP_DEVARGS_LEN + 128];
	size_t used;
	int n;

	(void)state;
	n = load("workers = { lcores = [1]; };\n"                        /* 1 */
	         "ports = (\n"                                           /* 2 */
	         "  { name = \"a\"; device = \"net_tap0,iface=x\"; },\n" /* 3 */
	         "  { name = \"b\"; device = \"net_tap0,iface=y\"; },\n" /* 4 */
	         "  { name = \"c\"; device = \"0000:01:00.0\"; },\n"     /* 5 */
	         "  { name = \"d\"; device = \"01:00.0\"; },\n"          /* 6 */
	         "  { name = \"e\"; device = \"0000:01:00\"; },\n"       /* 7 */
	         "  { name = \"f\"; device = \"net tap\"; },\n"          /* 8 */
	         "  { name = \"g\"; device = \"-net\"; },\n"             /* 9 */
	         "  { name = \"h\"; device = \"\"; },\n"                 /* 10 */
	         "  { name = \"i\"; device = \"net.tap,x=1\"; }\n"       /* 11 */
	         ");\n");
	assert_err(4, "device \"net_tap0,iface=y\" is already used by port \"a\" (line 3): give "
	              "each port its own device (a vdev needs its own name, e.g. net_tap1)");
	assert_err(6,
	           "device \"01:00.0\" is already used by port \"c\" (line 5): give each port its "
	           "own device (a vdev needs its own name, e.g. net_tap1)");
	assert_err(7, "ports[4].device \"0000:01:00\" is not a valid PCI address (expected "
	              "domain:bus:device.function such as \"0000:01:00.0\")");
	assert_err(8, "ports[5].device \"net tap\" contains a space");
	assert_err(9, "ports[6].device \"-net\" is neither a PCI address (\"0000:01:00.0\") nor a "
	              "vdev string (\"net_tap0,iface=mp0\")");
	assert_err(10, "ports[7].device \"\" is empty");
	assert_err(11, "ports[8].device \"net.tap,x=1\" has a bad vdev name: use letters, digits "
	               "and '_' before the first ',' (e.g. \"net_tap0,iface=mp0\")");
	assert_int_equal(n, 7);

	/* A device string one character over the limit. */
	used = (size_t)snprintf(
	        text, sizeof(text),
	        "workers = { lcores = [1]; };\nports = ( { name = \"p\"; device = \"");
	memset(text + used, 'a', MP_DEVARGS_LEN);
	snprintf(text + used + MP_DEVARGS_LEN, sizeof(text) - used - MP_DEVARGS_LEN, "\"; } );\n");
	assert_only_err(load(text), 2,
	                "ports[0].device is 256 characters long: at most 255 are supported");
}

static void
test_bad_addresses(void **state)
{
	int n;

	(void)state;
	n = load("workers = { lcores = [1]; };\n"                                   /* 1 */
	         "ports = ( { name = \"p\"; device = \"net_tap0\"; addresses = (\n" /* 2 */
	         "  \"10.0.0.300/24\",\n"                                           /* 3 */
	         "  \"10.0.0.1\",\n"                                                /* 4 */
	         "  \"10.0.0.1/33\",\n"                                             /* 5 */
	         "  \"fd00::1/129\",\n"                                             /* 6 */
	         "  \"10.0.0.1/0\",\n"                                              /* 7 */
	         "  \"224.0.0.1/4\",\n"                                             /* 8 */
	         "  \"::/64\",\n"                                                   /* 9 */
	         "  \"10.0.0.1/ 24\" ); } );\n");                                   /* 10 */
	assert_err(3, "address \"10.0.0.300/24\" is not a valid IPv4 or IPv6 address with prefix "
	              "(expected e.g. \"10.0.0.1/24\")");
	assert_err(4, "address \"10.0.0.1\" has no prefix length: write it with one, e.g. "
	              "\"10.0.0.1/24\"");
	assert_err(5, "address \"10.0.0.1/33\" has a bad prefix length: use /1../32 for IPv4");
	assert_err(6, "address \"fd00::1/129\" has a bad prefix length: use /1../128 for IPv6");
	assert_err(7, "address \"10.0.0.1/0\" has a bad prefix length: use /1../32 for IPv4");
	assert_err(8, "address \"224.0.0.1/4\" is a multicast address: a port address must be a "
	              "unicast host address");
	assert_err(9, "address \"::/64\" is the unspecified address: a port address must be a "
	              "unicast host address");
	assert_err(10, "address \"10.0.0.1/ 24\" has a bad prefix length: use /1../32 for IPv4");
	assert_int_equal(n, 8);
}

static void
test_too_many_addresses(void **state)
{
	(void)state;
	assert_only_err(load("workers = { lcores = [1]; };\n"
	                     "ports = ( { name = \"p\"; device = \"net_tap0\"; addresses = [\n"
	                     "\"10.0.0.1/24\", \"10.0.0.2/24\", \"10.0.0.3/24\", \"10.0.0.4/24\",\n"
	                     "\"10.0.0.5/24\", \"10.0.0.6/24\", \"10.0.0.7/24\", \"10.0.0.8/24\",\n"
	                     "\"10.0.0.9/24\"]; } );\n"),
	                2, "ports[0].addresses has 9 entries: at most 8 per port are supported");
}

static void
test_duplicate_addresses(void **state)
{
	int n;

	(void)state;
	n = load("workers = { lcores = [1]; };\n"                                           /* 1 */
	         "ports = (\n"                                                              /* 2 */
	         "  { name = \"a\"; device = \"net_tap0\";\n"                               /* 3 */
	         "    addresses = [\"10.0.0.1/24\", \"fd00::1/64\", \"10.0.0.1/16\"]; },\n" /* 4 */
	         "  { name = \"b\"; device = \"net_tap1\";\n"                               /* 5 */
	         "    addresses = [\"10.0.0.1/8\", \"FD00:0::1/64\"]; }\n"                  /* 6 */
	         ");\n");
	assert_err(4, "address \"10.0.0.1/16\" is listed twice on this port");
	assert_err(6, "address 10.0.0.1 is already on port \"a\" (line 3): an address can be on "
	              "one port only");
	assert_err(6, "address fd00::1 is already on port \"a\" (line 3): an address can be on one "
	              "port only");
	assert_int_equal(n, 3);
}

static void
test_ipv6_needs_mtu_1280(void **state)
{
	(void)state;
	assert_only_err(load("workers = { lcores = [1]; };\n"
	                     "ports = ( { name = \"p\"; device = \"net_tap0\";\n"
	                     "  mtu = 1279;\n"
	                     "  addresses = [\"10.0.0.1/24\", \"fd00::1/64\"]; } );\n"),
	                3,
	                "ports[0].mtu = 1279 is too small for IPv6 address fd00::1/64: IPv6 needs "
	                "mtu >= 1280");
	assert_valid(load("workers = { lcores = [1]; };\n"
	                  "ports = ( { name = \"p\"; device = \"net_tap0\";\n"
	                  "  mtu = 576; addresses = [\"10.0.0.1/24\"]; } );\n"));
	assert_int_equal(conf.ports[0].mtu, 576);
}

static void
test_too_many_ports(void **state)
{
	char text[4096];
	size_t used;
	int i;

	(void)state;
	used = (size_t)snprintf(text, sizeof(text), "workers = { lcores = [1]; };\nports = (\n");
	for (i = 0; i <= MP_MAX_PORTS; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
		                         "%s{ name = \"p%d\"; device = \"net_tap%d\"; }\n",
		                         i > 0 ? "," : "", i, i);
	snprintf(text + used, sizeof(text) - used, ");\n");
	assert_only_err(load(text), 2, "ports has 17 entries: at most 16 are supported");
	assert_int_equal(conf.n_ports, MP_MAX_PORTS);
}

/* ---------------------------------------------------------------------------------------- */
/* Routes                                                                                     */

static void
test_route_host_bits(void **state)
{
	int n;

	(void)state;
	n = load(HEAD "routes = (\n"                                      /* 6 */
	              "  { dst = \"10.20.1.0/16\"; port = \"cli\"; },\n"  /* 7 */
	              "  { dst = \"fd00:20::1/64\"; port = \"cli\"; },\n" /* 8 */
	              "  { dst = \"10.20.0.0/20\"; port = \"cli\"; }\n"   /* 9 */
	              ");\n");
	assert_err(7, "routes[0].dst \"10.20.1.0/16\" has host bits set: did you mean "
	              "10.20.0.0/16?");
	assert_err(8, "routes[1].dst \"fd00:20::1/64\" has host bits set: did you mean "
	              "fd00:20::/64?");
	assert_int_equal(n, 2);
}

static void
test_route_bad_dst_and_gateway(void **state)
{
	int n;

	(void)state;
	n = load(HEAD "routes = (\n"                                                   /* 6 */
	              "  { dst = \"10.20.0.0\"; port = \"cli\"; },\n"                  /* 7 */
	              "  { dst = \"10.20.0.0/33\"; port = \"cli\"; },\n"               /* 8 */
	              "  { dst = \"bogus/8\"; port = \"cli\"; },\n"                    /* 9 */
	              "  { dst = \"10.21.0.0/16\"; gateway = \"10.0.0.1/24\"; },\n"    /* 10 */
	              "  { dst = \"10.22.0.0/16\"; gateway = \"10.0.0\"; },\n"         /* 11 */
	              "  { dst = \"10.23.0.0/16\"; gateway = \"255.255.255.255\"; }\n" /* 12 */
	              ");\n");
	assert_err(7, "routes[0].dst \"10.20.0.0\" has no prefix length: write it with one, e.g. "
	              "\"10.20.0.0/32\" for this host alone");
	assert_err(8, "routes[1].dst \"10.20.0.0/33\" has a bad prefix length: use /0../32 for "
	              "IPv4");
	assert_err(9, "routes[2].dst \"bogus/8\" is not a valid IPv4 or IPv6 prefix (expected e.g. "
	              "\"10.20.0.0/16\")");
	assert_err(10, "routes[3].gateway \"10.0.0.1/24\" must be a plain address without a prefix "
	               "length: write \"10.0.0.1\"");
	assert_err(11, "routes[4].gateway \"10.0.0\" is not a valid IPv4 or IPv6 address (expected "
	               "e.g. \"10.0.0.1\")");
	assert_err(12, "routes[5].gateway \"255.255.255.255\" is the broadcast address: use the "
	               "next-hop router's unicast address");
	assert_int_equal(n, 6);
}

static void
test_route_gateway_subnet(void **state)
{
	int n;

	(void)state;
	n = load("workers = { lcores = [1]; };\n"                             /* 1 */
	         "ports = (\n"                                                /* 2 */
	         "  { name = \"a\"; device = \"net_tap0\";\n"                 /* 3 */
	         "    addresses = [\"10.0.0.254/24\", \"fd00::fe/64\"]; },\n" /* 4 */
	         "  { name = \"b\"; device = \"net_tap1\";\n"                 /* 5 */
	         "    addresses = [\"10.1.0.254/24\"]; }\n"                   /* 6 */
	         ");\n"                                                       /* 7 */
	         "routes = (\n"                                               /* 8 */
	         "  { dst = \"10.20.0.0/16\"; gateway = \"10.0.0.1\"; },\n"   /* 9: ok */
	         "  { dst = \"10.21.0.0/16\"; gateway = \"10.9.9.9\"; },\n"   /* 10 */
	         "  { dst = \"10.22.0.0/16\"; gateway = \"10.0.0.1\"; port = \"b\"; },\n" /* 11 */
	         "  { dst = \"10.23.0.0/16\"; gateway = \"10.1.0.1\"; port = \"b\"; },\n" /* 12: ok
	                                                                                   */
	         "  { dst = \"fd00:1::/64\"; gateway = \"fd00::1\"; port = \"b\"; },\n"   /* 13 */
	         "  { dst = \"fd00:2::/64\"; gateway = \"10.0.0.1\"; },\n"                /* 14 */
	         "  { dst = \"10.24.0.0/16\"; gateway = \"10.0.0.254\"; },\n"             /* 15 */
	         "  { dst = \"10.25.0.0/16\"; port = \"a\"; }\n" /* 16: ok */
	         ");\n");
	assert_err(10,
	           "gateway 10.9.9.9 is not on any port's subnet: use a next hop inside "
	           "10.0.0.0/24 on \"a\", 10.1.0.0/24 on \"b\", or add an address in its subnet "
	           "to a port");
	assert_err(11, "gateway 10.0.0.1 is not on port \"b\"'s subnet (10.1.0.0/24 on \"b\"): use "
	               "a next hop inside it");
	assert_err(13, "gateway fd00::1 is not on port \"b\"'s subnet: the port has no IPv6 "
	               "address; add one in the gateway's subnet");
	assert_err(14,
	           "routes[5].gateway 10.0.0.1 is IPv4 but dst fd00:2::/64 is IPv6: use an IPv6 "
	           "gateway");
	assert_err(15, "routes[6].gateway 10.0.0.254 is port \"a\"'s own address: use the next-hop "
	               "router's address");
	assert_int_equal(n, 5);
	assert_int_equal(conf.routes[0].port, -1);
	assert_int_equal(conf.routes[3].port, 1);
	assert_int_equal(conf.routes[7].port, 0);
}

static void
test_route_port_names(void **state)
{
	int n;

	(void)state;
	n = load(HEAD "routes = (\n"                                       /* 6 */
	              "  { dst = \"10.20.0.0/16\"; port = \"clli\"; },\n"  /* 7 */
	              "  { dst = \"10.21.0.0/16\"; port = \"uplink\"; }\n" /* 8 */
	              ");\n");
	assert_err(7, "routes[0].port \"clli\" is not the name of a port; did you mean \"cli\"?");
	assert_err(8, "routes[1].port \"uplink\" is not the name of a port: use one of \"cli\"");
	assert_int_equal(n, 2);
}

static void
test_route_duplicate_dst(void **state)
{
	(void)state;
	assert_only_err(
	        load(HEAD "routes = (\n"                                             /* 6 */
	                  "  { dst = \"10.20.0.0/16\"; gateway = \"10.0.0.1\"; },\n" /* 7 */
	                  "  { dst = \"10.20.0.0/24\"; gateway = \"10.0.0.1\"; },\n" /* 8 */
	                  "  { dst = \"10.20.0.0/16\"; gateway = \"10.0.0.2\"; }\n"  /* 9 */
	                  ");\n"),
	        9,
	        "routes[2].dst 10.20.0.0/16 is already routed at line 7: keep one route per "
	        "destination");
}

/* ---------------------------------------------------------------------------------------- */
/* L4 load balancing: flows, clusters, listeners                                              */

static void
test_l4_every_key_parsed(void **state)
{
	const struct mp_conf_cluster *c;
	const struct mp_conf_listener *l;

	(void)state;
	assert_valid(load(
	        L4HEAD
	        "flows = { max = 1024; tcp_syn_ms = 600000; tcp_established_ms = 86400000;\n"
	        "  tcp_fin_ms = 1000; tcp_close_ms = 600000; udp_ms = 86400000;\n"
	        "  connect_fail_ms = 60000; tcp_mss_clamp = 1460; };\n"
	        "clusters = (\n" /* 11 */
	        "  { name = \"a_1\"; policy = \"least_connections\"; maglev_size = 251;\n"
	        "    endpoints = ( { address = \"10.20.0.1\"; port = 1; weight = 0; },\n"
	        "      { address = \"10.30.0.1\"; port = 65535; weight = 65535; } );\n"
	        "    snat = [\"10.20.0.250\", \"10.10.0.250\"];\n" /* 15 */
	        "    health = { interval_ms = 100; timeout_ms = 50; rise = 100; fall = 1; };\n"
	        "  },\n" /* 17 */
	        "  { name = \"b-2\"; policy = \"random\"; maglev_size = 16777213;\n"
	        "    endpoints = ( { address = \"fd00:20::1\"; port = 443; } ); },\n"
	        "  # no listener uses this one: accepted\n" /* 20 */
	        "  { name = \"unused\"; policy = \"round_robin\";\n"
	        "    endpoints = ( { address = \"10.20.0.1\"; port = 2; } ); }\n"
	        ");\n" /* 23 */
	        "listeners = (\n"
	        "  { name = \"l\"; protocol = \"udp\"; address = \"10.10.0.100\"; port = 1000;\n"
	        "    port_last = 1999; cluster = \"a_1\"; },\n"
	        "  { name = \"m\"; protocol = \"udp\"; address = \"10.10.0.100\"; port = 2000;\n"
	        "    cluster = \"a_1\"; },\n"
	        "  # same VIP and ports, other protocol: no overlap\n"
	        "  { name = \"n\"; protocol = \"tcp\"; address = \"10.10.0.100\"; port = 1000;\n"
	        "    port_last = 65535; cluster = \"a_1\"; },\n"
	        "  { name = \"o\"; protocol = \"tcp\"; address = \"fd00:10::100\"; port = 443;\n"
	        "    cluster = \"b-2\"; }\n"
	        ");\n"));
	assert_int_equal(conf.max_flows, 1024);
	assert_int_equal(conf.tcp_syn_ms, 600000);
	assert_int_equal(conf.tcp_established_ms, 86400000);
	assert_int_equal(conf.tcp_fin_ms, 1000);
	assert_int_equal(conf.tcp_close_ms, 600000);
	assert_int_equal(conf.udp_ms, 86400000);
	assert_int_equal(conf.connect_fail_ms, 60000);
	assert_int_equal(conf.tcp_mss_clamp, 1460);

	assert_int_equal(conf.n_clusters, 3);
	assert_int_equal(conf.n_endpoints, 4);
	c = &conf.clusters[0];
	assert_string_equal(c->name, "a_1");
	assert_int_equal(c->policy, MP_LB_LEAST_CONN);
	assert_int_equal(c->maglev_size, 251);
	assert_int_equal(c->first_endpoint, 0);
	assert_int_equal(c->n_endpoints, 2);
	assert_int_equal(c->line, 12);
	assert_v4(&conf.endpoints[0].addr, "10.20.0.1", 32);
	assert_int_equal(conf.endpoints[0].port, 1);
	assert_int_equal(conf.endpoints[0].weight, 0);
	assert_int_equal(conf.endpoints[0].line, 13);
	assert_v4(&conf.endpoints[1].addr, "10.30.0.1", 32);
	assert_int_equal(conf.endpoints[1].port, 65535);
	assert_int_equal(conf.endpoints[1].weight, 65535);
	assert_int_equal(c->n_snat, 2);
	assert_v4(&c->snat[0], "10.20.0.250", 32);
	assert_v4(&c->snat[1], "10.10.0.250", 32);
	assert_true(c->health.enabled);
	assert_int_equal(c->health.interval_ms, 100);
	assert_int_equal(c->health.timeout_ms, 50);
	assert_int_equal(c->health.rise, 100);
	assert_int_equal(c->health.fall, 1);

	c = &conf.clusters[1];
	assert_string_equal(c->name, "b-2");
	assert_int_equal(c->policy, MP_LB_RANDOM);
	assert_int_equal(c->maglev_size, 16777213);
	assert_int_equal(c->first_endpoint, 2);
	assert_int_equal(c->n_endpoints, 1);
	assert_v6(&conf.endpoints[2].addr, "fd00:20::1", 128);
	assert_int_equal(conf.endpoints[2].port, 443);
	assert_int_equal(conf.endpoints[2].weight, MP_CONF_DEF_WEIGHT);
	assert_int_equal(c->n_snat, 0);
	assert_false(c->health.enabled);

	c = &conf.clusters[2];
	assert_int_equal(c->policy, MP_LB_ROUND_ROBIN);
	assert_int_equal(c->first_endpoint, 3);
	assert_int_equal(c->n_endpoints, 1);
	assert_int_equal(conf.endpoints[3].port, 2);

	assert_int_equal(conf.n_listeners, 4);
	l = &conf.listeners[0];
	assert_string_equal(l->name, "l");
	assert_int_equal(l->proto, MP_L4_UDP);
	assert_v4(&l->vip, "10.10.0.100", 32);
	assert_int_equal(l->port, 1000);
	assert_int_equal(l->port_last, 1999);
	assert_int_equal(l->cluster, 0);
	assert_int_equal(l->line, 25);
	l = &conf.listeners[1];
	assert_int_equal(l->port, 2000);
	assert_int_equal(l->port_last, 2000);
	l = &conf.listeners[2];
	assert_int_equal(l->proto, MP_L4_TCP);
	assert_int_equal(l->port_last, 65535);
	l = &conf.listeners[3];
	assert_v6(&l->vip, "fd00:10::100", 128);
	assert_int_equal(l->cluster, 1);
}

/* What a cluster, endpoint and listener get when only the required keys are written. */
static void
test_l4_defaults(void **state)
{
	const struct mp_conf_cluster *c;

	(void)state;
	assert_valid(load(L4HEAD
	                  "clusters = ( { name = \"web\";\n"
	                  "  endpoints = ( { address = \"10.20.0.1\"; port = 80; } );\n"
	                  "  health = { }; } );\n"
	                  "listeners = ( { name = \"v\"; protocol = \"tcp\";\n"
	                  "  address = \"10.10.0.100\"; port = 80; cluster = \"web\"; } );\n"));
	assert_flows_defaults();
	c = &conf.clusters[0];
	assert_int_equal(c->policy, MP_LB_MAGLEV);
	assert_int_equal(c->maglev_size, MP_CONF_DEF_MAGLEV_SIZE);
	assert_int_equal(c->n_snat, 0);
	assert_true(c->health.enabled);
	assert_int_equal(c->health.interval_ms, MP_CONF_DEF_HC_INTERVAL_MS);
	assert_int_equal(c->health.timeout_ms, MP_CONF_DEF_HC_TIMEOUT_MS);
	assert_int_equal(c->health.rise, MP_CONF_DEF_HC_RISE);
	assert_int_equal(c->health.fall, MP_CONF_DEF_HC_FALL);
	assert_int_equal(conf.endpoints[0].weight, MP_CONF_DEF_WEIGHT);
	assert_int_equal(conf.listeners[0].port_last, 80);
	assert_int_equal(conf.listeners[0].cluster, 0);
}

/* Listeners meshpath serves itself on its TCP stack, and the `tcp` section. */
static void
test_tcp_section_and_services(void **state)
{
	(void)state;
	assert_valid(load(L4HEAD "listeners = ( { name = \"e\"; protocol = \"echo\";\n"
	                         "  address = \"10.10.0.100\"; port = 7; },\n"
	                         "  { name = \"d\"; protocol = \"discard\";\n"
	                         "  address = \"10.10.0.100\"; port = 9; } );\n"));
	assert_int_equal(conf.listeners[0].service, MP_SVC_ECHO);
	assert_int_equal(conf.listeners[0].proto, MP_L4_TCP);
	assert_int_equal(conf.listeners[0].cluster, -1);
	assert_int_equal(conf.listeners[1].service, MP_SVC_DISCARD);
	assert_int_equal(conf.tcp.max_conns, MP_CONF_DEF_TCP_CONNS);
	assert_int_equal(conf.tcp.sndbuf, MP_CONF_DEF_TCP_BUF);
	assert_int_equal(conf.tcp.delayed_ack, 1);
	assert_int_equal(conf.tcp.keepalive, 0);
	assert_int_equal(conf.tcp.nagle, 0);
	assert_int_equal(conf.tcp.tlp, 1);
	assert_int_equal(conf.tcp.rack, 1);
	assert_int_equal(conf.tcp.cc, 0);
	reset_errs();

	assert_valid(load(L4HEAD "tcp = { max_connections = 1000; send_buffer = 65536;\n"
	                         "  delayed_ack = 0; keepalive = 1; keepalive_idle_s = 30;\n"
	                         "  tail_loss_probes = 0; reordering_window = 0;\n"
	                         "  congestion_control = \"newreno\"; time_wait_ms = 0; };\n"));
	assert_int_equal(conf.tcp.max_conns, 1000);
	assert_int_equal(conf.tcp.sndbuf, 65536);
	assert_int_equal(conf.tcp.delayed_ack, 0);
	assert_int_equal(conf.tcp.keepalive, 1);
	assert_int_equal(conf.tcp.keepalive_idle_s, 30);
	assert_int_equal(conf.tcp.tlp, 0);
	assert_int_equal(conf.tcp.rack, 0);
	assert_int_equal(conf.tcp.cc, 1);
	assert_int_equal(conf.tcp.time_wait_ms, 0);
	reset_errs();

	assert_only_err(load(L4HEAD "tcp = { congestion_control = \"bbr\"; };\n"), 8,
	                "tcp.congestion_control \"bbr\" is not a congestion control algorithm: "
	                "use one of \"cubic\", \"newreno\"");
	reset_errs();
	assert_only_err(load(L4HEAD "tcp = { rto_min_ms = 2000; };\n"), 8,
	                "tcp.rto_min_ms = 2000, rto_initial_ms = 1000 and rto_max_ms = 60000 must "
	                "be in increasing order: the initial RTO lies between the bounds");
	reset_errs();
	assert_only_err(load(L4HEAD
	                     "clusters = ( { name = \"web\";\n"
	                     "  endpoints = ( { address = \"10.20.0.1\"; port = 80; } ); } );\n"
	                     "listeners = ( { name = \"e\"; protocol = \"echo\";\n"
	                     "  address = \"10.10.0.100\"; port = 7; cluster = \"web\"; } );\n"),
	                11,
	                "listeners[0] (\"e\") is served by meshpath itself (protocol \"echo\"): "
	                "remove its cluster");
}

/* The `http` section: the proxy's limits, with their defaults, ranges and the head bound. */
static void
test_http_proxy_section(void **state)
{
	(void)state;
	assert_valid(load(L4HEAD));
	assert_int_equal(conf.proxy.max_request_line, MP_CONF_DEF_HTTP_REQUEST_LINE);
	assert_int_equal(conf.proxy.max_header_bytes, MP_CONF_DEF_HTTP_HEADER_BYTES);
	assert_int_equal(conf.proxy.max_headers, MP_CONF_DEF_HTTP_HEADERS);
	assert_int_equal(conf.proxy.max_body, 0);
	assert_int_equal(conf.proxy.upstream_idle_ms, 60000);
	assert_int_equal(conf.proxy.downstream_idle_ms, 60000);
	assert_int_equal(conf.proxy.connect_timeout_ms, 5000);
	assert_int_equal(conf.proxy.max_requests, 1000);
	assert_int_equal(conf.proxy.max_downstream, MP_CONF_DEF_HTTP_DOWNSTREAM);
	assert_int_equal(conf.proxy.max_upstream, MP_CONF_DEF_HTTP_UPSTREAM);
	reset_errs();

	assert_valid(load(L4HEAD "http = { max_request_line = 1024; max_header_bytes = 4096;\n"
	                         "  max_headers = 20; max_body = 1000000; upstream_idle_ms = 5;\n"
	                         "  downstream_idle_ms = 7; connect_timeout_ms = 100;\n"
	                         "  max_requests_per_connection = 0;\n"
	                         "  max_downstream_connections = 10;\n"
	                         "  max_upstream_connections = 20; };\n"));
	assert_int_equal(conf.proxy.max_request_line, 1024);
	assert_int_equal(conf.proxy.max_header_bytes, 4096);
	assert_int_equal(conf.proxy.max_headers, 20);
	assert_int_equal(conf.proxy.max_body, 1000000);
	assert_int_equal(conf.proxy.upstream_idle_ms, 5);
	assert_int_equal(conf.proxy.downstream_idle_ms, 7);
	assert_int_equal(conf.proxy.connect_timeout_ms, 100);
	assert_int_equal(conf.proxy.max_requests, 0);
	assert_int_equal(conf.proxy.max_downstream, 10);
	assert_int_equal(conf.proxy.max_upstream, 20);
	reset_errs();

	assert_only_err(load(L4HEAD "http = {\n connect_timeout_ms = 0; };\n"), 9,
	                "http.connect_timeout_ms = 0 is out of range: use 1..86400000");
	reset_errs();
	assert_only_err(load(L4HEAD "http = { max_request_line = 600000;\n"
	                            "  max_header_bytes = 600000; };\n"),
	                9,
	                "http.max_request_line + max_header_bytes = 1200000 is over 1048576: "
	                "lower one of them");
	reset_errs();
	assert_only_err(load(L4HEAD "http = { max_headres = 10; };\n"), 8,
	                "unknown key 'max_headres' in http; did you mean 'max_headers'?");
}

static void
test_l4_unknown_keys(void **state)
{
	int n;

	(void)state;
	n = load(L4HEAD
	         "flows = { max_flows = 1; };\n"                 /* 8 */
	         "clusters = ( {\n"                              /* 9 */
	         "  name = \"web\"; polcy = \"maglev\";\n"       /* 10 */
	         "  endpoints = (\n"                             /* 11 */
	         "    { adress = \"10.20.0.1\"; port = 80; },\n" /* 12 */
	         "    { address = \"10.20.0.2\"; port = 80; wieght = 2; prio = 1; } );\n"
	         "  health = { interval = 1000; }; } );\n" /* 14 */
	         "listeners = ( { name = \"v\"; protocol = \"tcp\"; address = \"10.10.0.100\";\n"
	         "  port = 80; cluster = \"web\"; vip = 1; } );\n" /* 16 */);
	assert_err(8, "unknown key 'max_flows' in flows: valid keys are max, tcp_syn_ms, "
	              "tcp_established_ms, tcp_fin_ms, tcp_close_ms, udp_ms, connect_fail_ms, "
	              "tcp_mss_clamp");
	assert_err(10, "unknown key 'polcy' in clusters[0] (\"web\"); did you mean 'policy'?");
	assert_err(12, "clusters[0].endpoints[0] has no 'address': set it to the server's address, "
	               "e.g. address = \"10.20.0.1\";");
	assert_err(12, "unknown key 'adress' in clusters[0].endpoints[0]; did you mean 'address'?");
	assert_err(13, "unknown key 'wieght' in clusters[0].endpoints[1]; did you mean 'weight'?");
	assert_err(13, "unknown key 'prio' in clusters[0].endpoints[1]: valid keys are address, "
	               "port, weight");
	assert_err(14, "unknown key 'interval' in clusters[0].health: valid keys are interval_ms, "
	               "timeout_ms, rise, fall, type, path, host, expected_statuses");
	assert_err(16, "unknown key 'vip' in listeners[0] (\"v\"): valid keys are name, protocol, "
	               "address, port, port_last, cluster, routes");
	assert_int_equal(n, 8);
}

static void
test_l4_policy_and_protocol(void **state)
{
	int n;

	(void)state;
	n = load(L4HEAD "clusters = (\n"                                                    /* 8 */
	                "  { name = \"a\"; policy = \"maglve\";\n"                          /* 9 */
	                "    endpoints = ( { address = \"10.20.0.1\"; port = 80; } ); },\n" /* 10 */
	                "  { name = \"b\"; policy = \"hash\";\n"                            /* 11 */
	                "    endpoints = ( { address = \"10.20.0.1\"; port = 81; } ); },\n" /* 12 */
	                "  { name = \"c\"; policy = 1;\n"                                   /* 13 */
	                "    endpoints = ( { address = \"10.20.0.1\"; port = 82; } ); }\n"  /* 14 */
	                ");\n"                                                              /* 15 */
	                "listeners = (\n"                                                   /* 16 */
	                "  { name = \"x\"; protocol = \"tpc\"; address = \"10.10.0.100\";\n"
	                "    port = 80; cluster = \"a\"; },\n" /* 18 */
	                "  { name = \"y\"; protocol = \"quic\"; address = \"10.10.0.100\";\n"
	                "    port = 81; cluster = \"a\"; },\n" /* 20 */
	                "  { name = \"z\"; protocol = \"TCP\"; address = \"10.10.0.100\";\n"
	                "    port = 82; cluster = \"a\"; }\n" /* 22 */
	                ");\n");
	assert_err(9, "clusters[0].policy \"maglve\" is not a policy; did you mean \"maglev\"?");
	assert_err(11, "clusters[1].policy \"hash\" is not a policy: use one of \"maglev\", "
	               "\"round_robin\", \"random\", \"least_connections\", \"least_request\", "
	               "\"ring_hash\"");
	assert_err(13, "'policy' must be a string, not an integer");
	assert_err(17, "listeners[0].protocol \"tpc\" is not a protocol; did you mean \"tcp\"?");
	assert_err(19, "listeners[1].protocol \"quic\" is not a protocol: use one of \"tcp\", "
	               "\"udp\", \"http\", \"echo\", \"discard\"");
	assert_err(21, "listeners[2].protocol \"TCP\" is not a protocol; did you mean \"tcp\"?");
	assert_int_equal(n, 6);
}

static void
test_l4_unknown_cluster(void **state)
{
	int n;

	(void)state;
	n = load(L4HEAD "clusters = ( { name = \"web\";\n"                                  /* 8 */
	                "  endpoints = ( { address = \"10.20.0.1\"; port = 80; } ); } );\n" /* 9 */
	                "listeners = (\n"                                                   /* 10 */
	                "  { name = \"a\"; protocol = \"tcp\"; address = \"10.10.0.100\";\n"
	                "    port = 80; cluster = \"wbe\"; },\n" /* 12 */
	                "  { name = \"b\"; protocol = \"tcp\"; address = \"10.10.0.100\";\n"
	                "    port = 81; cluster = \"dns\"; }\n" /* 14 */
	                ");\n");
	assert_err(12, "listeners[0].cluster \"wbe\" is not the name of a cluster; did you mean "
	               "\"web\"?");
	assert_err(14, "listeners[1].cluster \"dns\" is not the name of a cluster: use one of "
	               "\"web\"");
	assert_int_equal(n, 2);
	assert_int_equal(conf.listeners[0].cluster, -1);

	assert_only_err(
	        load(L4HEAD "listeners = ( { name = \"a\"; protocol = \"tcp\";\n"
	                    "  address = \"10.10.0.100\"; port = 80; cluster = \"web\"; } );\n"),
	        9,
	        "listeners[0].cluster \"web\" is not the name of a cluster: no clusters are "
	        "defined; add it under clusters = ( ... );");
}

/* A cluster with `n` endpoints 10.20.0.1:1..n, the given maglev_size and policy, on line 8. */
static int
load_cluster_of(unsigned int n, unsigned int maglev_size, const char *policy)
{
	size_t cap = sizeof(L4HEAD) + 128 + (size_t)n * 48;
	char *text = malloc(cap);
	size_t used;
	unsigned int i;
	int rc;

	assert_non_null(text);
	used = (size_t)snprintf(text, cap,
	                        L4HEAD "clusters = ( { name = \"big\"; policy = \"%s\"; "
	                               "maglev_size = %u; endpoints = (",
	                        policy, maglev_size);
	for (i = 1; i <= n; i++)
		used += (size_t)snprintf(text + used, cap - used,
		                         "%s{ address = \"10.20.0.1\"; port = %u; }",
		                         i > 1 ? "," : "", i);
	snprintf(text + used, cap - used, "); } );\n");
	rc = load(text);
	free(text);
	return rc;
}

static void
test_l4_maglev_size(void **state)
{
	(void)state;
	assert_only_err(
	        load_cluster_of(3, 65536, "maglev"), 8,
	        "clusters[0].maglev_size = 65536 is not a prime number: use 65521 or 65537");
	assert_only_err(load_cluster_of(3, 252, "maglev"), 8,
	                "clusters[0].maglev_size = 252 is not a prime number: use 251 or 257");
	assert_only_err(load_cluster_of(3, 16777212, "maglev"), 8,
	                "clusters[0].maglev_size = 16777212 is not a prime number: use 16777199 or "
	                "16777213");
	assert_only_err(load_cluster_of(3, 250, "maglev"), 8,
	                "clusters[0].maglev_size = 250 is out of range: use 251..16777213");
	assert_only_err(load_cluster_of(3, 16777216, "maglev"), 8,
	                "clusters[0].maglev_size = 16777216 is out of range: use 251..16777213");

	/* 251 slots hold 2 endpoints at 100 x; the 3rd is one too many. */
	assert_valid(load_cluster_of(2, 251, "maglev"));
	assert_only_err(load_cluster_of(3, 251, "maglev"), 8,
	                "clusters[0].maglev_size = 251 is less than 100 x the cluster's 3 "
	                "endpoints: Maglev would give some endpoints far more flows than others; "
	                "use a prime of at least 100 x endpoints, such as 307");
	/* Without Maglev the table is not built; the size must still be a valid one. */
	assert_valid(load_cluster_of(26, 251, "round_robin"));
	assert_only_err(
	        load_cluster_of(3, 65536, "random"), 8,
	        "clusters[0].maglev_size = 65536 is not a prime number: use 65521 or 65537");
}

static void
test_l4_family_mismatch(void **state)
{
	int n;

	(void)state;
	n = load(L4HEAD "clusters = (\n"                                       /* 8 */
	                "  { name = \"mixed\";\n"                              /* 9 */
	                "    endpoints = (\n"                                  /* 10 */
	                "      { address = \"10.20.0.1\"; port = 80; },\n"     /* 11 */
	                "      { address = \"fd00:20::1\"; port = 80; }\n"     /* 12 */
	                "    );\n"                                             /* 13 */
	                "    snat = [\"fd00:20::250\", \"10.20.0.250\"]; },\n" /* 14 */
	                "  { name = \"web6\";\n"                               /* 15 */
	                "    endpoints = ( { address = \"fd00:20::2\"; port = 80; } ); }\n"
	                ");\n"            /* 17 */
	                "listeners = (\n" /* 18 */
	                "  { name = \"v\"; protocol = \"tcp\"; address = \"10.10.0.100\";\n"
	                "    port = 80; cluster = \"web6\"; }\n" /* 20 */
	                ");\n");
	assert_err(12,
	           "clusters[0].endpoints[1].address fd00:20::1 is IPv6 but the cluster's first "
	           "endpoint (line 11) is IPv4: a cluster's endpoints share one family; put the "
	           "IPv6 endpoints in a cluster of their own");
	assert_err(14, "clusters[0].snat[0] fd00:20::250 is IPv6 but the cluster's endpoints are "
	               "IPv4: connections to the endpoints leave from the SNAT addresses; use IPv4 "
	               "addresses");
	assert_err(19, "listeners[0].address 10.10.0.100 is IPv4 but cluster \"web6\" has IPv6 "
	               "endpoints: meshpath does full NAT, not NAT64, so a VIP and its endpoints "
	               "share one family; use an IPv6 VIP or a cluster of IPv4 endpoints");
	assert_int_equal(n, 3);
	assert_int_equal(conf.clusters[0].n_snat, 1);
	assert_v4(&conf.clusters[0].snat[0], "10.20.0.250", 32);
}

static void
test_l4_port_ranges(void **state)
{
	int n;

	(void)state;
	n = load(L4HEAD "clusters = ( { name = \"web\";\n"                                  /* 8 */
	                "  endpoints = ( { address = \"10.20.0.1\"; port = 80; } ); } );\n" /* 9 */
	                "listeners = (\n"                                                   /* 10 */
	                "  { name = \"a\"; protocol = \"tcp\"; address = \"10.10.0.100\";\n"
	                "    port = 8000; port_last = 8099; cluster = \"web\"; },\n" /* 12 */
	                "  { name = \"b\"; protocol = \"tcp\"; address = \"10.10.0.100\";\n"
	                "    port = 8099; cluster = \"web\"; },\n" /* 14 */
	                "  { name = \"c\"; protocol = \"tcp\"; address = \"10.10.0.100\";\n"
	                "    port = 7000; port_last = 8000; cluster = \"web\"; },\n" /* 16 */
	                "  { name = \"d\"; protocol = \"udp\"; address = \"10.10.0.100\";\n"
	                "    port = 8000; cluster = \"web\"; },\n" /* 18 */
	                "  { name = \"e\"; protocol = \"tcp\"; address = \"10.10.0.101\";\n"
	                "    port = 8000; cluster = \"web\"; },\n" /* 20 */
	                "  { name = \"f\"; protocol = \"tcp\"; address = \"10.10.0.100\";\n"
	                "    port = 8100; cluster = \"web\"; },\n" /* 22 */
	                "  { name = \"g\"; protocol = \"tcp\"; address = \"10.10.0.100\";\n"
	                "    port = 9500; port_last = 9400; cluster = \"web\"; },\n" /* 24 */
	                "  { name = \"h\"; protocol = \"tcp\"; address = \"10.10.0.100\";\n"
	                "    port = 0; port_last = 65536; cluster = \"web\"; }\n" /* 26 */
	                ");\n");
	assert_err(14,
	           "listeners[1] (\"b\") takes tcp 10.10.0.100 port 8099, which overlaps "
	           "listener \"a\" (line 11) on ports 8000..8099: give each listener of one VIP "
	           "and protocol ports of its own");
	assert_err(16,
	           "listeners[2] (\"c\") takes tcp 10.10.0.100 ports 7000..8000, which overlaps "
	           "listener \"a\" (line 11) on ports 8000..8099: give each listener of one VIP "
	           "and protocol ports of its own");
	assert_err(24, "listeners[6].port_last = 9400 is below listeners[6].port = 9500: use "
	               "9500..65535, or leave port_last out for port 9500 alone");
	assert_err(26, "listeners[7].port = 0 is out of range: use 1..65535");
	assert_err(26, "listeners[7].port_last = 65536 is out of range: use 1..65535");
	assert_int_equal(n, 5);
	assert_int_equal(conf.listeners[6].port_last, 9500);
}

static void
test_l4_onlink(void **state)
{
	int n;

	(void)state;
	n = load("workers = { lcores = [1]; };\n"                                       /* 1 */
	         "ports = (\n"                                                          /* 2 */
	         "  { name = \"cli\"; device = \"net_tap0\";\n"                         /* 3 */
	         "    addresses = [\"10.10.0.254/24\"]; },\n"                           /* 4 */
	         "  { name = \"srv\"; device = \"net_tap1\";\n"                         /* 5 */
	         "    addresses = [\"10.20.0.254/24\"]; }\n"                            /* 6 */
	         ");\n"                                                                 /* 7 */
	         "routes = ( { dst = \"10.99.0.0/24\"; gateway = \"10.10.0.1\"; } );\n" /* 8 */
	         "clusters = ( { name = \"web\";\n"                                     /* 9 */
	         "  # endpoints may sit behind a router\n"                              /* 10 */
	         "  endpoints = ( { address = \"10.99.0.1\"; port = 80; } );\n"         /* 11 */
	         "  snat = [\"10.30.0.250\", \"10.99.0.250\"]; } );\n"                  /* 12 */
	         "listeners = (\n"                                                      /* 13 */
	         "  { name = \"a\"; protocol = \"tcp\"; address = \"10.99.0.100\";\n"   /* 14 */
	         "    port = 80; cluster = \"web\"; },\n"                               /* 15 */
	         "  { name = \"b\"; protocol = \"tcp\"; address = \"fd00:10::100\";\n"  /* 16 */
	         "    port = 80; cluster = \"web\"; }\n"                                /* 17 */
	         ");\n");
	assert_err(12, "clusters[0].snat[0] 10.30.0.250 is not on any port's subnet, so no port "
	               "would answer ARP for it: use an address inside 10.10.0.0/24 on \"cli\", "
	               "10.20.0.0/24 on \"srv\", or add an address in its subnet to a port");
	assert_err(12, "clusters[0].snat[1] 10.99.0.250 is not on any port's subnet, so no port "
	               "would answer ARP for it: use an address inside 10.10.0.0/24 on \"cli\", "
	               "10.20.0.0/24 on \"srv\", or add an address in its subnet to a port");
	assert_err(14, "listeners[0].address 10.99.0.100 is not on any port's subnet, so no port "
	               "would answer ARP for it: use an address inside 10.10.0.0/24 on \"cli\", "
	               "10.20.0.0/24 on \"srv\", or add an address in its subnet to a port");
	assert_err(16, "listeners[1].address fd00:10::100 is not on any port's subnet: no port has "
	               "an IPv6 address; add one in its subnet to the port that should answer NDP "
	               "for it");
	assert_int_equal(n, 4);
}

/* meshpath's addresses (ports, VIPs, SNAT) are distinct, and no endpoint has one of them. */
static void
test_l4_own_addresses(void **state)
{
	int n;

	(void)state;
	n = load(L4HEAD "clusters = (\n"                                                 /* 8 */
	                "  { name = \"a\";\n"                                            /* 9 */
	                "    endpoints = ( { address = \"10.20.0.254\"; port = 80; },\n" /* 10 */
	                "      { address = \"10.20.0.1\"; port = 80; } );\n"             /* 11 */
	                "    snat = [\"10.20.0.254\", \"10.20.0.1\", \"10.20.0.250\",\n" /* 12 */
	                "      \"10.20.0.250\"]; },\n"                                   /* 13 */
	                "  { name = \"b\";\n"                                            /* 14 */
	                "    endpoints = ( { address = \"10.20.0.250\"; port = 80; },\n" /* 15 */
	                "      { address = \"10.20.0.2\"; port = 80; } );\n"             /* 16 */
	                "    snat = [\"10.20.0.250\", \"10.20.0.2\"]; }\n"               /* 17 */
	                ");\n"                                                           /* 18 */
	                "listeners = (\n"                                                /* 19 */
	                "  { name = \"v1\"; protocol = \"tcp\"; address = \"10.10.0.254\";\n"
	                "    port = 80; cluster = \"a\"; },\n" /* 21 */
	                "  { name = \"v2\"; protocol = \"tcp\"; address = \"10.20.0.250\";\n"
	                "    port = 80; cluster = \"a\"; },\n" /* 23 */
	                "  { name = \"v3\"; protocol = \"tcp\"; address = \"10.20.0.1\";\n"
	                "    port = 80; cluster = \"a\"; }\n" /* 25 */
	                ");\n");
	assert_err(10,
	           "clusters[0].endpoints[0].address 10.20.0.254 is port \"srv\"'s own address: "
	           "an endpoint is a server behind meshpath; use the server's address");
	/* libconfig dates an array element by the token after it. */
	assert_err(12,
	           "clusters[0].snat[0] 10.20.0.254 is port \"srv\"'s own address: pick another "
	           "address in that subnet");
	assert_err(12, "clusters[0].snat[1] 10.20.0.1 is the address of an endpoint of cluster "
	               "\"a\" (line 11): an SNAT address is meshpath's own; use one that no server "
	               "has");
	assert_err(13, "clusters[0].snat[3] 10.20.0.250 is listed twice in this cluster's snat");
	assert_err(15, "clusters[1].endpoints[0].address 10.20.0.250 is an SNAT address of cluster "
	               "\"a\" (line 9): an endpoint is a server behind meshpath; use the server's "
	               "address");
	assert_err(17,
	           "clusters[1].snat[0] 10.20.0.250 is already an SNAT address of cluster \"a\" "
	           "(line 9): give each cluster SNAT addresses of its own");
	assert_err(17, "clusters[1].snat[1] 10.20.0.2 is the address of an endpoint of cluster "
	               "\"b\" (line 16): an SNAT address is meshpath's own; use one that no server "
	               "has");
	assert_err(20, "listeners[0].address 10.10.0.254 is port \"cli\"'s own address: pick "
	               "another address in that subnet");
	assert_err(22, "listeners[1].address 10.20.0.250 is an SNAT address of cluster \"a\" (line "
	               "9): give the VIP an address of its own");
	assert_err(24, "listeners[2].address 10.20.0.1 is the address of an endpoint of cluster "
	               "\"a\" (line 11): a VIP is meshpath's own address; use one that no server "
	               "has");
	assert_int_equal(n, 10);
}

static void
test_l4_endpoints(void **state)
{
	int n;

	(void)state;
	n = load(L4HEAD "clusters = ( { name = \"web\"; endpoints = (\n"           /* 8 */
	                "  { address = \"10.20.0.1\"; port = 80; },\n"             /* 9 */
	                "  { address = \"10.20.0.1\"; port = 81; },\n"             /* 10 */
	                "  { address = \"10.20.0.1\"; port = 80; weight = 5; },\n" /* 11 */
	                "  { address = \"10.20.0.2\"; port = 80; weight = 65536; },\n"
	                "  { address = \"10.20.0.3\"; port = 0; weight = -1; },\n" /* 13 */
	                "  { address = \"10.20.0.4/32\"; port = 80; },\n"          /* 14 */
	                "  { address = \"10.20.0\"; port = 80; },\n"               /* 15 */
	                "  { address = \"224.0.0.1\"; port = 80; },\n"             /* 16 */
	                "  { port = 80; },\n"                                      /* 17 */
	                "  { address = \"10.20.0.5\"; },\n"                        /* 18 */
	                "  { address = 10; port = 80; },\n"                        /* 19 */
	                "  \"10.20.0.6\" ); } );\n" /* 20 */);
	assert_err(11, "clusters[0].endpoints[2] (10.20.0.1 port 80) is already in this cluster at "
	               "line 9: list each endpoint once (its weight sets its share)");
	assert_err(12, "clusters[0].endpoints[3].weight = 65536 is out of range: use 0..65535");
	assert_err(13, "clusters[0].endpoints[4].port = 0 is out of range: use 1..65535");
	assert_err(13, "clusters[0].endpoints[4].weight = -1 is out of range: use 0..65535");
	assert_err(14, "clusters[0].endpoints[5].address \"10.20.0.4/32\" must be a plain address "
	               "without a prefix length: write \"10.20.0.4\"");
	assert_err(15, "clusters[0].endpoints[6].address \"10.20.0\" is not a valid IPv4 or IPv6 "
	               "address (expected e.g. \"10.20.0.1\")");
	assert_err(16, "clusters[0].endpoints[7].address \"224.0.0.1\" is a multicast address: use "
	               "a unicast address");
	assert_err(17, "clusters[0].endpoints[8] has no 'address': set it to the server's address, "
	               "e.g. address = \"10.20.0.1\";");
	assert_err(18, "clusters[0].endpoints[9] has no 'port': set it to the server's port, e.g. "
	               "port = 80;");
	assert_err(19, "'address' must be a string, not an integer");
	assert_err(20,
	           "clusters[0].endpoints[11] must be a group { address = \"10.20.0.1\"; port = "
	           "80; }, not a string");
	assert_int_equal(n, 11);
	assert_int_equal(conf.clusters[0].n_endpoints, 11);
	assert_int_equal(conf.n_endpoints, 11);
}

static void
test_l4_required_and_names(void **state)
{
	int n;

	(void)state;
	n = load(L4HEAD "clusters = (\n"                           /* 8 */
	                "  { policy = \"random\"; },\n"            /* 9 */
	                "  { name = \"web\"; endpoints = (); },\n" /* 10 */
	                "  { name = \"web\";\n"                    /* 11 */
	                "    endpoints = ( { address = \"10.20.0.1\"; port = 80; } ); },\n"
	                "  { name = \"a b\"; endpoints = 5; },\n"                          /* 13 */
	                "  { name = \"c\"; endpoints = { address = \"10.20.0.1\"; }; },\n" /* 14 */
	                "  \"x\" );\n"                                                     /* 15 */
	                "listeners = (\n"                                                  /* 16 */
	                "  { },\n"                                                         /* 17 */
	                "  { name = \"v\"; protocol = \"tcp\"; address = \"10.10.0.100\";\n"
	                "    port = 80; cluster = \"web\"; },\n" /* 19 */
	                "  { name = \"v\"; protocol = \"tcp\"; address = \"10.10.0.100\";\n"
	                "    port = 81; cluster = \"web\"; }\n" /* 21 */
	                ");\n");
	assert_err(9,
	           "clusters[0] has no 'name': set it to a unique name such as \"web\" (letters, "
	           "digits, '_', '-')");
	assert_err(9, "clusters[0] has no 'endpoints': add the servers, e.g. endpoints = ( { "
	              "address = \"10.20.0.1\"; port = 80; } );");
	assert_err(10, "clusters[1].endpoints is empty: add the servers, e.g. endpoints = ( { "
	               "address = \"10.20.0.1\"; port = 80; } );");
	assert_err(11, "cluster name \"web\" is already used by the cluster at line 10: give each "
	               "cluster its own name");
	assert_err(13, "clusters[3].name \"a b\" contains ' ': use only letters, digits, '_' and "
	               "'-'");
	assert_err(13, "'endpoints' must be a list of groups ( { ... }, ... ), not an integer");
	assert_err(14, "'endpoints' must be a list of groups, not a group: write endpoints = ( { "
	               "... } );");
	assert_err(15,
	           "clusters[5] must be a group { name = \"web\"; endpoints = ( ... ); }, not a "
	           "string");
	assert_err(17, "listeners[0] has no 'name': set it to a unique name such as \"web-vip\" "
	               "(letters, digits, '_', '-')");
	assert_err(17, "listeners[0] has no 'protocol': set it to \"tcp\", \"udp\", \"http\", "
	               "\"echo\" or \"discard\"");
	assert_err(17, "listeners[0] has no 'address': set it to the virtual IP that clients "
	               "connect to, e.g. address = \"10.10.0.100\";");
	assert_err(17, "listeners[0] has no 'port': set it to the port that clients connect to, "
	               "e.g. port = 80;");
	assert_err(17, "listeners[0] has no 'cluster': set it to the name of the cluster that "
	               "serves it, e.g. cluster = \"web\";");
	assert_err(20, "listener name \"v\" is already used by the listener at line 18: give each "
	               "listener its own name");
	assert_int_equal(n, 14);
	assert_int_equal(conf.listeners[0].cluster, -1);
	assert_int_equal(conf.listeners[1].cluster, 1);
}

static void
test_l4_ranges(void **state)
{
	int n;

	(void)state;
	n = load(L4HEAD "flows = { max = 1023; tcp_syn_ms = 999; tcp_established_ms = 86400001;\n"
	                "  tcp_fin_ms = 600001; udp_ms = 0; tcp_mss_clamp = 535; };\n" /* 9 */
	                "clusters = ( { name = \"web\";\n"                             /* 10 */
	                "  endpoints = ( { address = \"10.20.0.1\"; port = 80; } );\n" /* 11 */
	                "  health = { interval_ms = 99; timeout_ms = 60001;\n"         /* 12 */
	                "    rise = 0; fall = 101; }; } );\n" /* 13 */);
	assert_err(8, "flows.max = 1023 is out of range: use 1024..16777216");
	assert_err(8, "flows.tcp_syn_ms = 999 is out of range: use 1000..600000");
	assert_err(8, "flows.tcp_established_ms = 86400001 is out of range: use 10000..86400000");
	assert_err(9, "flows.tcp_fin_ms = 600001 is out of range: use 1000..600000");
	assert_err(9, "flows.udp_ms = 0 is out of range: use 1000..86400000");
	assert_err(9, "flows.tcp_mss_clamp = 535 is out of range: use 0 (off) or 536..9000");
	assert_err(12, "clusters[0].health.interval_ms = 99 is out of range: use 100..3600000");
	assert_err(12, "clusters[0].health.timeout_ms = 60001 is out of range: use 50..60000");
	assert_err(13, "clusters[0].health.rise = 0 is out of range: use 1..100");
	assert_err(13, "clusters[0].health.fall = 101 is out of range: use 1..100");
	assert_int_equal(n, 10);

	assert_only_err(load(L4HEAD "flows = { tcp_mss_clamp = 9001; };\n"), 8,
	                "flows.tcp_mss_clamp = 9001 is out of range: use 0 (off) or 536..9000");
	assert_valid(load(L4HEAD "flows = { tcp_mss_clamp = 9000; connect_fail_ms = 100; };\n"));
	assert_int_equal(conf.tcp_mss_clamp, 9000);
	assert_int_equal(conf.connect_fail_ms, 100);
}

/* connect_fail_ms < tcp_syn_ms and health timeout_ms < interval_ms, blamed on what was written. */
static void
test_l4_timeout_order(void **state)
{
	(void)state;
	assert_only_err(load(L4HEAD "flows = {\n"
	                            "  connect_fail_ms = 10000;\n" /* 9 */
	                            "};\n"),
	                9,
	                "flows.connect_fail_ms = 10000 must be below flows.tcp_syn_ms = 10000: an "
	                "unanswered SYN counts as a failed connect before its flow expires; lower "
	                "connect_fail_ms or raise tcp_syn_ms");
	assert_only_err(load(L4HEAD "flows = {\n"
	                            "  tcp_syn_ms = 2000;\n" /* 9 */
	                            "};\n"),
	                9,
	                "flows.connect_fail_ms = 3000 must be below flows.tcp_syn_ms = 2000: an "
	                "unanswered SYN counts as a failed connect before its flow expires; lower "
	                "connect_fail_ms or raise tcp_syn_ms");
	assert_only_err(load(L4HEAD "clusters = ( { name = \"web\";\n"
	                            "  endpoints = ( { address = \"10.20.0.1\"; port = 80; } );\n"
	                            "  health = { timeout_ms = 2000; }; } );\n" /* 10 */),
	                10,
	                "clusters[0].health.timeout_ms = 2000 must be below "
	                "clusters[0].health.interval_ms = 2000: a check must time out before the "
	                "next one starts; lower timeout_ms or raise interval_ms");
	assert_only_err(load(L4HEAD "clusters = ( { name = \"web\";\n"
	                            "  endpoints = ( { address = \"10.20.0.1\"; port = 80; } );\n"
	                            "  health = {\n"
	                            "    interval_ms = 500; }; } );\n" /* 11 */),
	                11,
	                "clusters[0].health.timeout_ms = 1000 must be below "
	                "clusters[0].health.interval_ms = 500: a check must time out before the "
	                "next one starts; lower timeout_ms or raise interval_ms");
}

static void
test_l4_too_many(void **state)
{
	const unsigned int first = MP_MAX_ENDPOINTS - 96;
	size_t cap = sizeof(L4HEAD) + 128 + (size_t)(MP_MAX_ENDPOINTS + 1) * 48;
	char *text = malloc(cap);
	size_t used;
	unsigned int i;
	int n;

	(void)state;
	assert_non_null(text);
	/* round_robin: 4000 endpoints would need a Maglev table of 400009 slots. */
	used = (size_t)snprintf(text, cap,
	                        L4HEAD "clusters = (\n  { name = \"a\"; policy = \"round_robin\"; "
	                               "endpoints = (");
	for (i = 1; i <= first; i++)
		used += (size_t)snprintf(text + used, cap - used,
		                         "%s{ address = \"10.20.0.1\"; port = %u; }",
		                         i > 1 ? "," : "", i);
	used += (size_t)snprintf(
	        text + used, cap - used,
	        "); },\n  { name = \"b\"; policy = \"round_robin\";\n  endpoints = (");
	for (i = 1; i <= 97; i++)
		used += (size_t)snprintf(text + used, cap - used,
		                         "%s{ address = \"10.20.0.2\"; port = %u; }",
		                         i > 1 ? "," : "", i);
	snprintf(text + used, cap - used, "); }\n);\n");
	n = load(text);
	free(text);
	/* A list is dated by its key's line: `endpoints = (` is on 11. */
	assert_only_err(
	        n, 11,
	        "clusters[1].endpoints has 97 entries: at most 4096 endpoints are supported "
	        "over all clusters and the clusters above use 4000");
	assert_int_equal(conf.n_endpoints, MP_MAX_ENDPOINTS);
	assert_int_equal(conf.clusters[1].first_endpoint, first);
	assert_int_equal(conf.clusters[1].n_endpoints, 96);

	assert_only_err(
	        load(L4HEAD "clusters = ( { name = \"a\";\n"
	                    "  endpoints = ( { address = \"10.20.0.1\"; port = 80; } );\n"
	                    "  snat = [\"10.20.0.100\", \"10.20.0.101\", \"10.20.0.102\", "
	                    "\"10.20.0.103\", \"10.20.0.104\", \"10.20.0.105\", \"10.20.0.106\", "
	                    "\"10.20.0.107\", \"10.20.0.108\", \"10.20.0.109\", \"10.20.0.110\", "
	                    "\"10.20.0.111\", \"10.20.0.112\", \"10.20.0.113\", \"10.20.0.114\", "
	                    "\"10.20.0.115\", \"10.20.0.116\"]; } );\n"),
	        10, "clusters[0].snat has 17 entries: at most 16 per cluster are supported");
	assert_int_equal(conf.clusters[0].n_snat, MP_MAX_SNAT_ADDRS);
}

/* ---------------------------------------------------------------------------------------- */
/* Reporting                                                                                  */

static void
test_multiple_errors_sorted(void **state)
{
	const char *last;
	char want[256];
	int n;

	(void)state;
	n = load("routes = ( { dst = \"10.1.0.1/16\"; port = \"p\"; } );\n"  /* 1 */
	         "workers = {\n"                                             /* 2 */
	         "  lcores = [1];\n"                                         /* 3 */
	         "  brust = 32;\n"                                           /* 4 */
	         "};\n"                                                      /* 5 */
	         "ports = (\n"                                               /* 6 */
	         "  { name = \"p\"; device = \"net_tap0\"; mtu = 50;\n"      /* 7 */
	         "    addresses = [\"10.0.0.1/24\", \"10.0.0.300/24\"]; }\n" /* 8 */
	         ");\n"                                                      /* 9 */
	         "rings = { size = 100; };\n" /* 10 */);
	assert_int_equal(n, 5);
	assert_int_equal(count_lines(errs), 5);
	assert_err(1, "routes[0].dst \"10.1.0.1/16\" has host bits set: did you mean 10.1.0.0/16?");
	assert_err(4, "unknown key 'brust' in workers; did you mean 'burst'?");
	assert_err(7, "ports[0].mtu = 50 is out of range: use 68..9000");
	assert_err(8, "address \"10.0.0.300/24\" is not a valid IPv4 or IPv6 address with prefix "
	              "(expected e.g. \"10.0.0.1/24\")");
	assert_err(10, "rings.size = 100 is not a power of two: use 64 or 128");

	/* Routes are checked after ports, but printed in file order: line 1 first, 10 last. */
	snprintf(want, sizeof(want), "%s:1: ", path);
	assert_memory_equal(errs, want, strlen(want));
	snprintf(want, sizeof(want), "\n%s:10: ", path);
	last = strstr(errs, want);
	assert_non_null(last);
	assert_null(strchr(last + 1, '\n')[1] != '\0' ? last : NULL);
}

static void
test_syntax_error(void **state)
{
	(void)state;
	assert_only_err(
	        load("workers = {\n"
	             "  lcores = [1];\n"
	             "  burst = 32\n"
	             "  main_lcore = = 0;\n"
	             "};\n"),
	        4,
	        "syntax error (look for a missing ';', '=', quote or closing bracket on this "
	        "line or the one before)");
	assert_only_err(load(HEAD "ports = ();\n"), 6,
	                "duplicate setting name: each key may appear once per group; remove or "
	                "rename one of them");
	assert_only_err(load(HEAD "eal = { args = [\"-m\", 512]; };\n"), 6,
	                "mismatched element type in array: the values in [ ] must all have the "
	                "same type");
}

static void
test_unreadable_files(void **state)
{
	int n;

	(void)state;
	n = load_path("/nonexistent/meshpath.conf");
	assert_int_equal(n, 1);
	assert_string_equal(errs,
	                    "/nonexistent/meshpath.conf: cannot read: No such file or directory\n");

	n = load_path("/tmp");
	assert_int_equal(n, 1);
	assert_string_equal(errs, "/tmp: cannot read: Is a directory\n");

	/* No error stream: still counted. */
	assert_int_equal(mp_conf_load("/nonexistent/meshpath.conf", &conf, NULL), 1);
}

static void
test_null_err_stream(void **state)
{
	char p[] = TMP_TEMPLATE;
	const char *text = "workers = { burst = 0; lcores = [1]; };\n";
	int fd;

	(void)state;
	fd = mkstemp(p);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	/* burst out of range, no ports */
	assert_int_equal(mp_conf_load(p, &conf, NULL), 2);
	unlink(p);
}

static void
test_include_relative(void **state)
{
	char dir[] = "/tmp/mp_test_conf_dir_XXXXXX";
	char main_path[PATH_MAX], inc_path[PATH_MAX], want[PATH_MAX + 128];
	FILE *f;
	int n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(main_path, sizeof(main_path), "%s/main.conf", dir);
	snprintf(inc_path, sizeof(inc_path), "%s/ports.inc", dir);
	f = fopen(inc_path, "w");
	assert_non_null(f);
	fputs("ports = (\n  { name = \"p\"; device = \"net_tap0\"; mtu = 1; }\n);\n", f);
	fclose(f);
	f = fopen(main_path, "w");
	assert_non_null(f);
	fputs("workers = { lcores = [1]; };\n@include \"ports.inc\"\n", f);
	fclose(f);

	n = load_path(main_path);
	assert_int_equal(n, 1);
	snprintf(want, sizeof(want), "%s:2: ports[0].mtu = 1 is out of range: use 68..9000\n",
	         inc_path);
	assert_string_equal(errs, want);
	unlink(inc_path);
	unlink(main_path);
	rmdir(dir);
}

/* The whole report for a realistic broken file, as `meshpath --check` would print it. */
static void
test_broken_file_report(void **state)
{
	const char *p = MP_TEST_DATA_DIR "/conf/broken.conf";
	char want[4096];
	int n;

	(void)state;
	n = load_path(p);
	snprintf(want, sizeof(want),
	         "%1$s:9: workers.lcores[0] = 0 is the main lcore (workers.main_lcore): give the "
	         "worker another lcore\n"
	         "%1$s:10: 'burst' must be an integer, not a string\n"
	         "%1$s:15: unknown key 'cahce' in mempool; did you mean 'cache'?\n"
	         "%1$s:22: unknown key 'mtuu' in ports[0] (\"cli\"); did you mean 'mtu'?\n"
	         "%1$s:23: address \"10.10.0.300/24\" is not a valid IPv4 or IPv6 address with "
	         "prefix (expected e.g. \"10.0.0.1/24\")\n"
	         "%1$s:25: ports[1] has no 'device': set it to a PCI address or a vdev string such "
	         "as \"net_tap0,iface=mp0\"\n"
	         "%1$s:32: routes[0].dst \"10.20.0.1/24\" has host bits set: did you mean "
	         "10.20.0.0/24?\n"
	         "%1$s:33: gateway 10.9.9.9 is not on any port's subnet: use a next hop inside "
	         "10.10.0.0/24 on \"cli\", 10.30.0.0/24 on \"srv\", or add an address in its "
	         "subnet to a port\n",
	         p);
	assert_string_equal(errs, want);
	assert_int_equal(n, 8);
}

/* ---------------------------------------------------------------------------------------- */
/* mp_conf_addr_str                                                                           */

/* admin: absent means none; present needs a port, takes loopback by default, any address. */
static void
test_admin(void **state)
{
	static const char base[] = "workers = { lcores = [1]; };\n"
	                           "ports = ( { name = \"p\"; device = \"net_ring0\"; } );\n";
	char text[512];
	uint8_t any6[16] = {0};

	(void)state;
	assert_valid(load(base));
	assert_int_equal(conf.admin_port, 0);
	snprintf(text, sizeof(text), "%sadmin = { port = 9901; };\n", base);
	assert_valid(load(text));
	assert_int_equal(conf.admin_port, 9901);
	assert_int_equal(conf.admin_addr.family, AF_INET);
	assert_int_equal(conf.admin_addr.v4, v4("127.0.0.1"));
	snprintf(text, sizeof(text), "%sadmin = { address = \"::\"; port = 80; };\n", base);
	assert_valid(load(text));
	assert_int_equal(conf.admin_addr.family, AF_INET6);
	assert_memory_equal(conf.admin_addr.v6, any6, 16);
	snprintf(text, sizeof(text), "%sadmin = { address = \"127.0.0.1\"; };\n", base);
	assert_only_err(load(text), 3, "admin needs a port, e.g. admin = { port = 9901; };");
	snprintf(text, sizeof(text), "%sadmin = { address = \"10.0.0.1/8\"; port = 1; };\n", base);
	assert_only_err(load(text), 3,
	                "admin.address \"10.0.0.1/8\" is not an IPv4 or IPv6 address without a "
	                "prefix length: write e.g. \"127.0.0.1\" (loopback only) or \"0.0.0.0\" "
	                "(every address)");
	snprintf(text, sizeof(text), "%sadmin = { port = 70000; };\n", base);
	assert_int_equal(load(text), 1);
}

/* access_log: absent means none; present needs a path; ring_size and l4 have defaults. */
static void
test_access_log(void **state)
{
	static const char base[] = "workers = { lcores = [1]; };\n"
	                           "ports = ( { name = \"p\"; device = \"net_ring0\"; } );\n";
	char text[512];

	(void)state;
	assert_valid(load(base));
	assert_string_equal(conf.alog_path, "");
	snprintf(text, sizeof(text), "%saccess_log = { path = \"/tmp/a.log\"; };\n", base);
	assert_valid(load(text));
	assert_string_equal(conf.alog_path, "/tmp/a.log");
	assert_int_equal(conf.alog_ring_size, 4096);
	assert_true(conf.alog_l4);
	assert_true(conf.alog_http);
	snprintf(text, sizeof(text),
	         "%saccess_log = { path = \"a.log\"; ring_size = 128; l4 = false; http = false; "
	         "};\n",
	         base);
	assert_valid(load(text));
	assert_int_equal(conf.alog_ring_size, 128);
	assert_false(conf.alog_l4);
	assert_false(conf.alog_http);
	snprintf(text, sizeof(text), "%saccess_log = { ring_size = 128; };\n", base);
	assert_only_err(load(text), 3,
	                "access_log needs a path, e.g. access_log = { path = "
	                "\"/var/log/meshpath/access.log\"; };");
	snprintf(text, sizeof(text), "%saccess_log = { path = \"\"; };\n", base);
	assert_only_err(load(text), 3,
	                "access_log.path is empty: give a file, e.g. "
	                "\"/var/log/meshpath/access.log\"");
	snprintf(text, sizeof(text), "%saccess_log = { path = \"a\"; l4 = 1; };\n", base);
	assert_only_err(load(text), 3,
	                "access_log.l4 must be a boolean (true or false), not an integer");
	snprintf(text, sizeof(text), "%saccess_log = { path = \"a\"; http = \"no\"; };\n", base);
	assert_only_err(load(text), 3,
	                "access_log.http must be a boolean (true or false), not a string");
	snprintf(text, sizeof(text), "%saccess_log = { path = \"a\"; ring_size = 100; };\n", base);
	assert_only_err(load(text), 3,
	                "access_log.ring_size = 100 is not a power of two: use 64 or 128");
}

static void
test_addr_str(void **state)
{
	struct mp_conf_addr a = {.family = AF_INET, .prefix = 24};
	char buf[64], small[8];

	(void)state;
	a.v4 = v4("10.0.0.254");
	assert_string_equal(mp_conf_addr_str(&a, 1, buf, sizeof(buf)), "10.0.0.254/24");
	assert_string_equal(mp_conf_addr_str(&a, 0, buf, sizeof(buf)), "10.0.0.254");
	assert_ptr_equal(mp_conf_addr_str(&a, 1, buf, sizeof(buf)), buf);

	a.family = AF_INET6;
	a.prefix = 64;
	assert_int_equal(inet_pton(AF_INET6, "fd00:10:0:0::fe", a.v6), 1);
	assert_string_equal(mp_conf_addr_str(&a, 1, buf, sizeof(buf)), "fd00:10::fe/64");
	assert_string_equal(mp_conf_addr_str(&a, 0, buf, sizeof(buf)), "fd00:10::fe");

	/* Short buffers truncate but stay terminated. */
	assert_string_equal(mp_conf_addr_str(&a, 1, small, sizeof(small)), "fd00:10");

	a.family = 0;
	assert_string_equal(mp_conf_addr_str(&a, 1, buf, sizeof(buf)), "unset");
	assert_null(mp_conf_addr_str(&a, 1, buf, 0));
}

/* The HTTP example: what a listener and a route table hold after loading. */
static void
test_http_example_values(void **state)
{
	const struct mp_conf_http *h;
	const struct mp_conf_http_route *r;

	(void)state;
	assert_valid(load_path(REPO_DIR "/conf/examples/http-routes.conf"));
	h = conf.http;
	assert_non_null(h);
	assert_int_equal(h->n_tables, 1);
	assert_string_equal(h->tables[0].name, "main");
	assert_int_equal(h->tables[0].vhosts.n, 3);
	assert_int_equal(h->n_routes, 8);
	assert_string_equal(h->vhosts[0].name, "api");
	assert_int_equal(h->vhosts[0].domains.n, 2);
	assert_string_equal(h->domains[h->vhosts[1].domains.first], "*.example.com");
	r = &h->routes[1];
	assert_int_equal(r->path_kind, MP_CONF_PATH_REGEX);
	assert_string_equal(r->path, "/v1/users/[0-9]+");
	assert_int_equal(r->methods, (1u << MP_CONF_M_GET) | (1u << MP_CONF_M_HEAD));
	assert_int_equal(r->action, MP_CONF_ACTION_CLUSTERS);
	assert_int_equal(r->req_add.n, 1);
	assert_string_equal(h->header_ops[r->req_add.first].name, "x-route");
	r = &h->routes[3];
	assert_int_equal(r->clusters.n, 2);
	assert_int_equal(h->splits[r->clusters.first].weight, 90);
	assert_int_equal(h->splits[r->clusters.first + 1].cluster, 1);
	assert_string_equal(r->prefix_rewrite, "/");
	r = &h->routes[6];
	assert_int_equal(r->action, MP_CONF_ACTION_REDIRECT);
	assert_int_equal(r->redirect_code, 308);
	assert_int_equal(h->routes[7].redirect_code, MP_CONF_DEF_REDIRECT_CODE);
	assert_int_equal(conf.listeners[0].service, MP_SVC_HTTP);
	assert_int_equal(conf.listeners[0].proto, MP_L4_TCP);
	assert_int_equal(conf.listeners[0].routes, 0);
	assert_int_equal(conf.listeners[0].cluster, -1);
}

/* Every kind of mistake in route_tables and http listeners, with its line and its fix. */
static void
test_http_errors(void **state)
{
	int n;

	(void)state;
	n = load("workers = { lcores = [1]; };\n" /* 1 */
	         "ports = ( { name = \"p\"; device = \"net_tap0\"; addresses = "
	         "[\"10.0.0.254/24\"]; } );\n" /* 2 */
	         "clusters = (\n"              /* 3 */
	         "  { name = \"web\"; endpoints = ( { address = \"10.0.0.1\"; port = 80; } ); "
	         "}\n"                                   /* 4 */
	         ");\n"                                  /* 5 */
	         "route_tables = (\n"                    /* 6 */
	         "  { name = \"t\"; virtual_hosts = (\n" /* 7 */
	         "    { name = \"a\"; domains = [\"a.example.com\", \"*.example.com\", "
	         "\"A.example.com\"];\n" /* 8 */
	         "      routes = (\n"    /* 9 */
	         "        { match = { prefix = \"/\"; path = \"/x\"; }; clusters = ( { name = "
	         "\"web\"; } ); },\n" /* 10 */
	         "        { match = { methods = [\"GET\", \"gte\"]; }; clusters = ( { name = "
	         "\"wbe\"; weight = 0; } ); },\n"              /* 11 */
	         "        { match = { prefix = \"x\"; }; },\n" /* 12 */
	         "        { match = { prefix = \"/\"; }; clusters = ( { name = \"web\"; } ); "
	         "redirect = { host = \"h\"; }; },\n" /* 13 */
	         "        { match = { regex = \"/r\"; headers = ( { name = \"bad name\"; exact "
	         "= \"1\"; }, { name = \"x\"; } ); };\n" /* 14 */
	         "          prefix_rewrite = \"/\"; clusters = ( { name = \"web\"; } ); },\n" /* 15
	                                                                                       */
	         "        { match = { prefix = \"/\"; query = ( { name = \"a=b\"; present = "
	         "false; } ); };\n"                           /* 16 */
	         "          redirect = { code = 305; }; },\n" /* 17 */
	         "        { match = { prefix = \"/\"; }; direct_response = { status = 99; }; "
	         "mtach = 1; }\n" /* 18 */
	         "      ); },\n"  /* 19 */
	         "    { name = \"a\"; domains = [\"*.example.com\", \"b.example.com:80\", "
	         "\"*x.com\", \"*\"]; routes = (\n" /* 20 */
	         "        { match = { path = \"/\"; }; redirect = { prefix_rewrite = \"/b\"; "
	         "path = \"/c\"; }; }\n"                     /* 21 */
	         "      ); }\n"                              /* 22 */
	         "  ); },\n"                                 /* 23 */
	         "  { name = \"t\"; virtual_hosts = (); }\n" /* 24 */
	         ");\n"                                      /* 25 */
	         "listeners = (\n"                           /* 26 */
	         "  { name = \"l1\"; protocol = \"http\"; address = \"10.0.0.100\"; port = 80; "
	         "cluster = \"web\"; },\n" /* 27 */
	         "  { name = \"l2\"; protocol = \"http\"; address = \"10.0.0.100\"; port = 81; "
	         "routes = \"tt\"; },\n" /* 28 */
	         "  { name = \"l3\"; protocol = \"tcp\"; address = \"10.0.0.100\"; port = 82; "
	         "cluster = \"web\"; routes = \"t\"; },\n" /* 29 */
	         "  { name = \"l4\"; protocol = \"http\"; address = \"10.0.0.100\"; port = 83; "
	         "}\n" /* 30 */
	         ");\n" /* 31 */);
	assert_err(8, "route_tables[0].virtual_hosts[0].domains[2] \"A.example.com\" is listed "
	              "twice (domains compare without case): list each domain once");
	assert_err(10, "route_tables[0].virtual_hosts[0].routes[0].match sets both 'path' and "
	               "'prefix': keep one");
	assert_err(11, "route_tables[0].virtual_hosts[0].routes[1].match.methods[1] \"gte\" is not "
	               "a method (methods are upper case); did you mean \"GET\"?");
	assert_err(11, "route_tables[0].virtual_hosts[0].routes[1].match has none of 'path', "
	               "'prefix' or 'regex': add one, e.g. prefix = \"/\"; for every path");
	assert_err(11, "route_tables[0].virtual_hosts[0].routes[1].clusters[0].name \"wbe\" is not "
	               "the name of a cluster; did you mean \"web\"?");
	assert_err(11, "route_tables[0].virtual_hosts[0].routes[1].clusters[0].weight = 0 is out "
	               "of range: use 1..65535");
	assert_err(12, "route_tables[0].virtual_hosts[0].routes[2].match.prefix \"x\" does not "
	               "start with '/': write \"/x\"");
	assert_err(12,
	           "route_tables[0].virtual_hosts[0].routes[2] has none of 'clusters', 'redirect' "
	           "or 'direct_response': add one, e.g. clusters = ( { name = \"web\"; } );");
	assert_err(13, "route_tables[0].virtual_hosts[0].routes[3] sets both 'clusters' and "
	               "'redirect': keep one");
	assert_err(14, "route_tables[0].virtual_hosts[0].routes[4].match.headers[0].name \"bad "
	               "name\" contains ' ', which a header name cannot hold: use letters, digits "
	               "and !#$%&'*+-.^_`|~ only");
	assert_err(14, "route_tables[0].virtual_hosts[0].routes[4].match.headers[1] has none of "
	               "'exact', 'present' or 'regex': add one, e.g. present = true;");
	assert_err(15, "route_tables[0].virtual_hosts[0].routes[4].prefix_rewrite replaces the "
	               "part of the path that match.prefix or match.path matched, and this route "
	               "matches a regex: match a prefix, or remove it");
	assert_err(
	        16,
	        "route_tables[0].virtual_hosts[0].routes[5].match.query[0].name \"a=b\" contains "
	        "'&', '=' or '#': write the parameter's name alone, as it appears before '='");
	assert_err(16,
	           "route_tables[0].virtual_hosts[0].routes[5].match.query[0].present = false is "
	           "not supported: write present = true; or match a value with exact or regex");
	assert_err(17, "route_tables[0].virtual_hosts[0].routes[5].redirect.code = 305 is not a "
	               "redirect status: use 301, 302, 303, 307 or 308");
	assert_err(17, "route_tables[0].virtual_hosts[0].routes[5].redirect changes nothing, so "
	               "the client would be sent back to the same URL: set scheme, host, path or "
	               "prefix_rewrite");
	assert_err(18, "route_tables[0].virtual_hosts[0].routes[6].direct_response.status = 99 is "
	               "out of range: use 200..599");
	assert_err(18, "unknown key 'mtach' in route_tables[0].virtual_hosts[0].routes[6]; did you "
	               "mean 'match'?");
	assert_err(20, "virtual host name \"a\" is already used by the virtual host at line 8: "
	               "give each virtual host its own name");
	assert_err(
	        20,
	        "route_tables[0].virtual_hosts[1].domains[0] \"*.example.com\" is already a domain "
	        "of virtual host \"a\" (line 8): a domain belongs to one virtual host of a table");
	assert_err(20, "route_tables[0].virtual_hosts[1].domains[1] \"b.example.com:80\" has a "
	               "port: ports in Host are ignored for matching; write the name alone");
	assert_err(20, "route_tables[0].virtual_hosts[1].domains[2] \"*x.com\": a wildcard is "
	               "\"*\" alone or \"*.\" followed by a domain, e.g. \"*.example.com\"");
	assert_err(21, "route_tables[0].virtual_hosts[1].routes[0].redirect sets both 'path' and "
	               "'prefix_rewrite': keep one");
	assert_err(24, "route table name \"t\" is already used by the route table at line 7: give "
	               "each route table its own name");
	assert_err(24,
	           "route_tables[1].virtual_hosts is empty: add at least one, e.g. virtual_hosts = "
	           "( { name = \"any\"; domains = [\"*\"]; routes = ( ... ); } );");
	assert_err(27,
	           "listeners[0] (\"l1\") has protocol \"http\", which routes each request by its "
	           "route table: name the clusters in the table's routes and remove 'cluster'");
	assert_err(27, "listeners[0] (\"l1\") has protocol \"http\" and no 'routes': set it to the "
	               "name of a route table, e.g. routes = \"main\";");
	assert_err(
	        28,
	        "listeners[1].routes \"tt\" is not the name of a route table; did you mean \"t\"?");
	assert_err(29, "listeners[2] (\"l3\") has protocol \"tcp\": 'routes' needs protocol "
	               "\"http\"; remove it or change the protocol");
	assert_err(30, "listeners[3] (\"l4\") has protocol \"http\" and no 'routes': set it to the "
	               "name of a route table, e.g. routes = \"main\";");
	assert_int_equal(n, 30);
	assert_null(conf.http); /* released on failure */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_teardown(test_shipped_configs_valid, teardown),
	        cmocka_unit_test_teardown(test_default_conf_values, teardown),
	        cmocka_unit_test_teardown(test_two_workers_values, teardown),
	        cmocka_unit_test_teardown(test_defaults_function, teardown),
	        cmocka_unit_test_teardown(test_defaults_when_absent, teardown),
	        cmocka_unit_test_teardown(test_every_key_parsed, teardown),
	        cmocka_unit_test_teardown(test_unknown_key_did_you_mean, teardown),
	        cmocka_unit_test_teardown(test_unknown_keys_every_level, teardown),
	        cmocka_unit_test_teardown(test_wrong_types, teardown),
	        cmocka_unit_test_teardown(test_int64_accepted_in_range, teardown),
	        cmocka_unit_test_teardown(test_out_of_range, teardown),
	        cmocka_unit_test_teardown(test_power_of_two_hints, teardown),
	        cmocka_unit_test_teardown(test_workers_lcores, teardown),
	        cmocka_unit_test_teardown(test_workers_too_many, teardown),
	        cmocka_unit_test_teardown(test_eal_args, teardown),
	        cmocka_unit_test_teardown(test_missing_required, teardown),
	        cmocka_unit_test_teardown(test_missing_sections, teardown),
	        cmocka_unit_test_teardown(test_port_names, teardown),
	        cmocka_unit_test_teardown(test_port_devices, teardown),
	        cmocka_unit_test_teardown(test_bad_addresses, teardown),
	        cmocka_unit_test_teardown(test_too_many_addresses, teardown),
	        cmocka_unit_test_teardown(test_duplicate_addresses, teardown),
	        cmocka_unit_test_teardown(test_ipv6_needs_mtu_1280, teardown),
	        cmocka_unit_test_teardown(test_too_many_ports, teardown),
	        cmocka_unit_test_teardown(test_route_host_bits, teardown),
	        cmocka_unit_test_teardown(test_route_bad_dst_and_gateway, teardown),
	        cmocka_unit_test_teardown(test_route_gateway_subnet, teardown),
	        cmocka_unit_test_teardown(test_route_port_names, teardown),
	        cmocka_unit_test_teardown(test_route_duplicate_dst, teardown),
	        cmocka_unit_test_teardown(test_l4_example_values, teardown),
	        cmocka_unit_test_teardown(test_l4_every_key_parsed, teardown),
	        cmocka_unit_test_teardown(test_l4_defaults, teardown),
	        cmocka_unit_test_teardown(test_tcp_section_and_services, teardown),
	        cmocka_unit_test_teardown(test_l4_unknown_keys, teardown),
	        cmocka_unit_test_teardown(test_l4_policy_and_protocol, teardown),
	        cmocka_unit_test_teardown(test_l4_unknown_cluster, teardown),
	        cmocka_unit_test_teardown(test_l4_maglev_size, teardown),
	        cmocka_unit_test_teardown(test_l4_family_mismatch, teardown),
	        cmocka_unit_test_teardown(test_l4_port_ranges, teardown),
	        cmocka_unit_test_teardown(test_l4_onlink, teardown),
	        cmocka_unit_test_teardown(test_l4_own_addresses, teardown),
	        cmocka_unit_test_teardown(test_l4_endpoints, teardown),
	        cmocka_unit_test_teardown(test_l4_required_and_names, teardown),
	        cmocka_unit_test_teardown(test_l4_ranges, teardown),
	        cmocka_unit_test_teardown(test_l4_timeout_order, teardown),
	        cmocka_unit_test_teardown(test_http_example_values, teardown),
	        cmocka_unit_test_teardown(test_http_errors, teardown),
	        cmocka_unit_test_teardown(test_l4_too_many, teardown),
	        cmocka_unit_test_teardown(test_multiple_errors_sorted, teardown),
	        cmocka_unit_test_teardown(test_syntax_error, teardown),
	        cmocka_unit_test_teardown(test_unreadable_files, teardown),
	        cmocka_unit_test_teardown(test_null_err_stream, teardown),
	        cmocka_unit_test_teardown(test_include_relative, teardown),
	        cmocka_unit_test_teardown(test_broken_file_report, teardown),
	        cmocka_unit_test_teardown(test_addr_str, teardown),
	        cmocka_unit_test_teardown(test_admin, teardown),
	        cmocka_unit_test_teardown(test_http_proxy_section, teardown),
	        cmocka_unit_test_teardown(test_access_log, teardown),
	        cmocka_unit_test_teardown(test_port_impair, teardown),
	};

	int failed = cmocka_run_group_tests_name("conf", tests, NULL, NULL);

	return failed + test_conf_l7();
}
