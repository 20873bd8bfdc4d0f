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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mp_conf.h"

#define REPO_DIR     MP_TEST_DATA_DIR "/../../.."
#define TMP_TEMPLATE "/tmp/mp_test_conf_XXXXXX"

/* A valid file of five lines; tests append after it, so their lines start at 6. */
#define HEAD                                                        \
	"workers = { lcores = [1]; };\n"                            \
	"ports = (\n"                                               \
	"  { name = \"cli\"; device = \"net_tap0,iface=mp0\";\n"    \
	"    addresses = [\"10.0.0.254/24\", \"fd00::fe/64\"]; }\n" \
	");\n"

/* The conf is large (routes table); one static instance keeps it off the test's stack. */
static struct mp_conf conf;
static char path[sizeof(TMP_TEMPLATE)];
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
	m = open_memstream(&errs, &errs_len);
	assert_non_null(m);
	n = mp_conf_load(p, &conf, m);
	assert_int_equal(fclose(m), 0);
	return n;
}

/* Write text to a fresh temporary file (named in `path`) and load it. */
static int
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
static void
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
	fail_msg("missing error line:\n  %s got:\n%s", want, errs != NULL ? errs : "(nothing)");
}

/* Exactly one error, and it is this one. */
static void
assert_only_err(int n, unsigned int line, const char *msg)
{
	if (n != 1)
		fail_msg("expected 1 error, got %d:\n%s", n, errs != NULL ? errs : "");
	assert_err(line, msg);
}

static void
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
assert_v6(const struct mp_conf_addr *a, const char *s, unsigned int prefix)
{
	uint8_t want[16];

	assert_int_equal(inet_pton(AF_INET6, s, want), 1);
	assert_int_equal(a->family, AF_INET6);
	assert_memory_equal(a->v6, want, sizeof(want));
	assert_int_equal(a->prefix, prefix);
}

static int
teardown(void **state)
{
	(void)state;
	reset_errs();
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
	}
	closedir(dh);
	assert_true(n_examples >= 1);
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
	assert_int_equal(conf.burst, 32);

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
	        cmocka_unit_test_teardown(test_multiple_errors_sorted, teardown),
	        cmocka_unit_test_teardown(test_syntax_error, teardown),
	        cmocka_unit_test_teardown(test_unreadable_files, teardown),
	        cmocka_unit_test_teardown(test_null_err_stream, teardown),
	        cmocka_unit_test_teardown(test_include_relative, teardown),
	        cmocka_unit_test_teardown(test_broken_file_report, teardown),
	        cmocka_unit_test_teardown(test_addr_str, teardown),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
