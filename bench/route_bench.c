/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/route micro benchmarks: matching a request in a virtual host of N regex routes
 * (N = 10, 100, 1000), through lib/route with the Hyperscan ops (one database per virtual
 * host, one scan per request), against the baseline a simple proxy would write: the same
 * regexes compiled with POSIX regcomp(), tried one by one in declaration order until the first
 * match. Report route_match/N/hyperscan as a ratio to route_match/N/baseline_posix (the names
differ in one component, so bench/report.py pairs them).
 *
 * Route i is "/svc<i>/v[0-9]+/items/[a-z0-9]+", so every route's regex must be tried to know
 * it does not match. The requests are 256 paths that hit routes spread over the table (the
 * linear scan tries about N/2 regexes per request) and one in eight that matches no route (it
 * tries all N). Tables are built once per N and kept: Google Benchmark calls a benchmark
 * several times while it sizes the run, and compiling 1000 patterns takes a while.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "mp_conf.h"
#include "mp_regex_hs.h"
#include "mp_route.h"

#define N_PATHS    256 /* a power of two: the walk wraps with a mask */
#define MISS_EVERY 8   /* one request in eight matches no route */
#define PATH_LEN   64
#define N_SIZES    3

static const unsigned int sizes[N_SIZES] = {10, 100, 1000};

struct route_bench {
	unsigned int n; /* routes */
	bool ready;
	struct mp_conf conf;
	struct mp_route_l7_table *table;
	struct mp_route_scratch *scratch;
	regex_t *posix;
	char paths[N_PATHS][PATH_LEN];
};

static struct route_bench benches[N_SIZES];

/* The config of one virtual host with n regex routes, in a temporary file; its path or NULL. */
static bool
bench_conf(struct route_bench *b)
{
	char path[] = "/tmp/mp_route_bench_XXXXXX";
	unsigned int i;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	if (fd < 0)
		return false;
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return false;
	}
	fprintf(f, "workers = { lcores = [1]; };\n"
	           "ports = ( { name = \"p\"; device = \"net_tap0\"; addresses = "
	           "[\"10.0.0.254/24\"]; } );\n"
	           "clusters = ( { name = \"a\"; endpoints = ( { address = \"10.0.0.1\"; port = "
	           "80; } ); } );\n"
	           "route_tables = ( { name = \"t\"; virtual_hosts = ( { name = \"v\"; domains = "
	           "[\"*\"]; routes = (\n");
	for (i = 0; i < b->n; i++)
		fprintf(f,
		        "%s{ match = { regex = \"/svc%u/v[0-9]+/items/[a-z0-9]+\"; }; clusters = "
		        "( { name = \"a\"; } ); }\n",
		        i == 0 ? "" : ",", i);
	fprintf(f, "); } ); } );\n");
	fclose(f);
	i = (unsigned int)mp_conf_load(path, &b->conf, stderr);
	unlink(path);
	return i == 0;
}

static bool
bench_posix(struct route_bench *b)
{
	char re[PATH_LEN];
	unsigned int i;

	b->posix = calloc(b->n, sizeof(*b->posix));
	if (b->posix == NULL)
		return false;
	for (i = 0; i < b->n; i++) {
		/* Anchored like lib/route's: the regex must match the whole path. */
		snprintf(re, sizeof(re), "^/svc%u/v[0-9]+/items/[a-z0-9]+$", i);
		if (regcomp(&b->posix[i], re, REG_EXTENDED | REG_NOSUB) != 0)
			return false;
	}
	return true;
}

static void
bench_paths(struct route_bench *b)
{
	unsigned int i;

	for (i = 0; i < N_PATHS; i++) {
		/* 7919 is prime: the hits spread over the whole table. */
		unsigned int r = (i * 7919u) % b->n;

		if (i % MISS_EVERY == MISS_EVERY - 1)
			snprintf(b->paths[i], PATH_LEN, "/svc%u/v2/items/x-y", r);
		else
			snprintf(b->paths[i], PATH_LEN, "/svc%u/v%u/items/abc%u", r, i % 3 + 1, i);
	}
}

static struct route_bench *
bench_get(struct mp_bench_state *s, unsigned int n)
{
	struct route_bench *b = NULL;
	unsigned int i;

	for (i = 0; i < N_SIZES; i++)
		if (sizes[i] == n)
			b = &benches[i];
	if (b->ready)
		return b;
	b->n = n;
	if (!bench_conf(b)) {
		mp_bench_skip(s, "the generated config did not load");
		return NULL;
	}
	b->table = mp_route_table_build(&b->conf, 0, mp_regex_hs_ops(), stderr);
	b->scratch = mp_route_scratch_alloc(mp_regex_hs_ops());
	if (b->table == NULL || b->scratch == NULL ||
	    mp_route_scratch_fit(b->scratch, b->table) < 0 || !bench_posix(b)) {
		mp_bench_skip(s, "cannot build the route table or the POSIX regexes");
		return NULL;
	}
	bench_paths(b);
	b->ready = true;
	return b;
}

static void
bench_report(struct mp_bench_state *s, unsigned int n, unsigned int hits)
{
	char label[64];

	snprintf(label, sizeof(label), "%u regex routes, %u%% hits", n, hits * 100 / N_PATHS);
	mp_bench_set_label(s, label);
	mp_bench_set_items(s, mp_bench_iterations(s));
	mp_bench_counter(s, "ns_per_req", 1,
	                 MP_BENCH_C_RATE | MP_BENCH_C_PER_ITERATION | MP_BENCH_C_INVERT);
}

/* lib/route: Host lookup, one Hyperscan scan of the path, the bitmap read in order. */
static void
route_match_hs(struct mp_bench_state *s, void *arg)
{
	unsigned int n = (unsigned int)(uintptr_t)arg, i = 0, hits = 0, k;
	struct route_bench *b = bench_get(s, n);
	struct mp_route_req req = {
	        .method = {"GET", 3},
	        .host = {"api.example.com", 15},
	};

	if (b == NULL)
		return;
	for (k = 0; k < N_PATHS; k++) {
		req.path = (struct mp_route_str){b->paths[k], (uint32_t)strlen(b->paths[k])};
		hits += mp_route_match(b->table, &req, b->scratch) != NULL;
	}
	while (mp_bench_keep_running(s)) {
		const char *p = b->paths[i++ & (N_PATHS - 1)];
		const struct mp_route *r;

		req.path = (struct mp_route_str){p, (uint32_t)strlen(p)};
		r = mp_route_match(b->table, &req, b->scratch);
		mp_bench_do_not_optimize(r);
	}
	bench_report(s, n, hits);
}

/* Baseline: the same regexes with POSIX regexec(), one after the other, first match wins. */
static void
route_match_baseline_posix(struct mp_bench_state *s, void *arg)
{
	unsigned int n = (unsigned int)(uintptr_t)arg, i = 0, hits = 0, k, j;
	struct route_bench *b = bench_get(s, n);

	if (b == NULL)
		return;
	for (k = 0; k < N_PATHS; k++)
		for (j = 0; j < n; j++)
			if (regexec(&b->posix[j], b->paths[k], 0, NULL, 0) == 0) {
				hits++;
				break;
			}
	while (mp_bench_keep_running(s)) {
		const char *p = b->paths[i++ & (N_PATHS - 1)];
		unsigned int found = n;

		for (j = 0; j < n; j++)
			if (regexec(&b->posix[j], p, 0, NULL, 0) == 0) {
				found = j;
				break;
			}
		mp_bench_do_not_optimize(&found);
	}
	bench_report(s, n, hits);
}

MP_BENCH_ARG(route_match_hs, "route_match/10/hyperscan", (void *)10)
MP_BENCH_ARG(route_match_hs, "route_match/100/hyperscan", (void *)100)
MP_BENCH_ARG(route_match_hs, "route_match/1000/hyperscan", (void *)1000)
MP_BENCH_ARG(route_match_baseline_posix, "route_match/10/baseline_posix", (void *)10)
MP_BENCH_ARG(route_match_baseline_posix, "route_match/100/baseline_posix", (void *)100)
MP_BENCH_ARG(route_match_baseline_posix, "route_match/1000/baseline_posix", (void *)1000)
