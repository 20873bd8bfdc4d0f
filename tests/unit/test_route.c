/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/route with the Hyperscan regex ops: route tables built from real config files, then
 * requests matched against them. Routes are told apart by their id (declaration order over the
 * table), so each test's config reads top to bottom as route 0, 1, 2...
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp_conf.h"
#include "mp_regex_hs.h"
#include "mp_route.h"

#define REPO_DIR     MP_TEST_DATA_DIR "/../../.."
#define TMP_TEMPLATE "/tmp/mp_test_route_XXXXXX"
#define MAX_HEADERS  8

/* A valid head of 9 lines: tests' route_tables start at line 10. */
#define HEAD                                                                                       \
	"workers = { lcores = [1]; };\n"                                                           \
	"ports = ( { name = \"p\"; device = \"net_tap0\"; addresses = [\"10.0.0.254/24\"]; } );\n" \
	"clusters = (\n"                                                                           \
	"  { name = \"a\"; endpoints = ( { address = \"10.0.0.1\"; port = 80; } ); },\n"           \
	"  { name = \"b\"; endpoints = ( { address = \"10.0.0.2\"; port = 80; } ); },\n"           \
	"  { name = \"c\"; endpoints = ( { address = \"10.0.0.3\"; port = 80; } ); }\n"            \
	");\n"                                                                                     \
	"listeners = ( { name = \"l\"; protocol = \"http\"; address = \"10.0.0.100\"; port = 80;"  \
	" routes = \"t\"; } );\n"                                                                  \
	"# route tables\n"

/* One table "t" with one virtual host for every domain, holding ROUTES. */
#define ONE_VHOST(routes)                                                                    \
	HEAD "route_tables = ( { name = \"t\"; virtual_hosts = ( { name = \"v\"; domains = " \
	     "[\"*\"]; routes = ( " routes " ); } ); } );\n"

#define TO_A "clusters = ( { name = \"a\"; } );"

static struct mp_conf conf;
static struct mp_route_l7_table *table;
static struct mp_route_scratch *scratch;
static char path[sizeof(TMP_TEMPLATE)];
static char *errs;
static size_t errs_len;

/* Load text, build table 0 with errors captured in errs. Returns the table or NULL. */
static struct mp_route_l7_table *
build(const char *text)
{
	size_t len = strlen(text);
	FILE *m;
	int fd, n;

	memcpy(path, TMP_TEMPLATE, sizeof(TMP_TEMPLATE));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	mp_conf_release(&conf);
	free(errs);
	errs = NULL;
	m = open_memstream(&errs, &errs_len);
	assert_non_null(m);
	n = mp_conf_load(path, &conf, m);
	unlink(path);
	if (n != 0) {
		fclose(m);
		fail_msg("config errors:\n%s", errs);
	}
	mp_route_table_free(table);
	table = mp_route_table_build(&conf, 0, mp_regex_hs_ops(), m);
	assert_int_equal(fclose(m), 0);
	if (table != NULL) {
		mp_route_scratch_free(scratch);
		scratch = mp_route_scratch_alloc(mp_regex_hs_ops());
		assert_non_null(scratch);
		assert_int_equal(mp_route_scratch_fit(scratch, table), 0);
	}
	return table;
}

static void
build_ok(const char *text)
{
	if (build(text) == NULL)
		fail_msg("route table not built:\n%s", errs);
}

static struct mp_route_str
str(const char *s)
{
	return (struct mp_route_str){s, (uint32_t)strlen(s)};
}

/*
 * Match METHOD HOST TARGET with headers "name: value" (NULL-terminated varargs). Returns the
 * id of the route, or -1 when none matched.
 */
static int
match(const char *method, const char *host, const char *target, ...)
{
	struct mp_route_header hs[MAX_HEADERS];
	struct mp_route_req req = {.method = str(method), .host = str(host), .headers = hs};
	const char *q = strchr(target, '?');
	const struct mp_route *r;
	const char *h;
	va_list ap;

	req.path = (struct mp_route_str){target, q != NULL ? (uint32_t)(q - target)
	                                                   : (uint32_t)strlen(target)};
	if (q != NULL)
		req.query = str(q + 1);
	va_start(ap, target);
	while ((h = va_arg(ap, const char *)) != NULL) {
		const char *colon = strchr(h, ':');

		assert_true(req.n_headers < MAX_HEADERS);
		hs[req.n_headers].name = (struct mp_route_str){h, (uint32_t)(colon - h)};
		hs[req.n_headers].value = str(colon + 2);
		req.n_headers++;
	}
	va_end(ap);
	r = mp_route_match(table, &req, scratch);
	return r != NULL ? (int)r->id : -1;
}

/* The route a GET of target on any host reaches. */
static int
get(const char *target)
{
	return match("GET", "example.com", target, NULL);
}

static const struct mp_route *
route_of(const char *method, const char *host, const char *target)
{
	struct mp_route_req req = {.method = str(method), .host = str(host), .path = str(target)};

	return mp_route_match(table, &req, scratch);
}

static int
teardown(void **state)
{
	(void)state;
	mp_route_table_free(table);
	table = NULL;
	mp_route_scratch_free(scratch);
	scratch = NULL;
	mp_conf_release(&conf);
	free(errs);
	errs = NULL;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */

static void
test_path_matchers(void **state)
{
	(void)state;
	build_ok(ONE_VHOST("{ match = { path = \"/exact\"; }; " TO_A " },"
	                   "{ match = { regex = \"/r/[a-z]+\"; }; " TO_A " },"
	                   "{ match = { prefix = \"/p/\"; }; " TO_A " }"));
	assert_int_equal(get("/exact"), 0);
	assert_int_equal(get("/exact/"), -1);
	assert_int_equal(get("/exac"), -1);
	assert_int_equal(get("/exact?x=1"), 0); /* the query is not part of the path */
	assert_int_equal(get("/r/abc"), 1);
	assert_int_equal(get("/p/"), 2);
	assert_int_equal(get("/p/anything/at/all"), 2);
	assert_int_equal(get("/p"), -1);
	assert_int_equal(get("/"), -1);
}

static void
test_regex_whole_path(void **state)
{
	(void)state;
	build_ok(ONE_VHOST("{ match = { regex = \"/a/[0-9]+\"; }; " TO_A " },"
	                   "{ match = { regex = \"/b/.*\"; }; " TO_A " }"));
	assert_int_equal(get("/a/1"), 0);
	assert_int_equal(get("/a/12345"), 0);
	assert_int_equal(get("/a/1x"), -1);  /* anchored at the end */
	assert_int_equal(get("/x/a/1"), -1); /* and at the start */
	assert_int_equal(get("/a/"), -1);
	assert_int_equal(get("/b/"), 1);     /* ".*" may match nothing */
	assert_int_equal(get("/b/x\ny"), 1); /* '.' matches any byte (DOTALL) */
}

static void
test_first_declared_wins(void **state)
{
	(void)state;
	/* A catch-all first shadows everything after it, however specific. */
	build_ok(ONE_VHOST("{ match = { prefix = \"/\"; }; " TO_A " },"
	                   "{ match = { path = \"/a\"; }; " TO_A " }"));
	assert_int_equal(get("/a"), 0);

	/* Regex routes keep their place among the others, and among themselves. */
	build_ok(ONE_VHOST("{ match = { prefix = \"/api/v2/\"; }; " TO_A " },"
	                   "{ match = { regex = \"/api/.*\"; }; " TO_A " },"
	                   "{ match = { regex = \"/api/v1/[a-z]+\"; }; " TO_A " },"
	                   "{ match = { path = \"/api/v1/users\"; }; " TO_A " },"
	                   "{ match = { regex = \"/other\"; }; " TO_A " }"));
	assert_int_equal(get("/api/v2/x"), 0);
	assert_int_equal(get("/api/v1/users"), 1);
	assert_int_equal(get("/other"), 4);
	assert_int_equal(get("/nothing"), -1);

	/* A later regex wins when the earlier ones fail on something else than the path. */
	build_ok(ONE_VHOST("{ match = { regex = \"/u/.*\"; methods = [\"POST\"]; }; " TO_A " },"
	                   "{ match = { regex = \"/u/[0-9]+\"; headers = ( { name = \"x\"; "
	                   "present = true; } ); }; " TO_A " },"
	                   "{ match = { regex = \"/u/[0-9]+\"; }; " TO_A " }"));
	assert_int_equal(match("POST", "h", "/u/1", NULL), 0);
	assert_int_equal(match("GET", "h", "/u/1", "X: y", NULL), 1);
	assert_int_equal(match("GET", "h", "/u/1", NULL), 2);
	assert_int_equal(match("GET", "h", "/u/a", NULL), -1);
}

#define HOSTS_TABLE                                                                         \
	HEAD "route_tables = ( { name = \"t\"; virtual_hosts = (\n"                         \
	     "{ name = \"exact\"; domains = [\"api.example.com\"]; routes = ( { match = { " \
	     "prefix = \"/\"; }; " TO_A " } ); },\n"                                        \
	     "{ name = \"wild\"; domains = [\"*.example.com\"]; routes = ( { match = { "    \
	     "prefix = \"/\"; }; " TO_A " } ); },\n"                                        \
	     "{ name = \"wilder\"; domains = [\"*.eu.example.com\", \"Www.Example.NET\"]; " \
	     "routes = ( { match = { prefix = \"/\"; }; " TO_A " } ); }"

static void
test_host_selection(void **state)
{
	(void)state;
	build_ok(HOSTS_TABLE ",\n{ name = \"any\"; domains = [\"*\"]; routes = ( { match = { "
	                     "prefix = \"/\"; }; " TO_A " } ); }\n); } );\n");
	assert_int_equal(match("GET", "api.example.com", "/", NULL), 0);
	assert_int_equal(match("GET", "API.Example.COM", "/", NULL), 0);      /* without case */
	assert_int_equal(match("GET", "api.example.com:8080", "/", NULL), 0); /* port ignored */
	assert_int_equal(match("GET", "api.example.com.", "/", NULL), 0);     /* FQDN dot */
	assert_int_equal(match("GET", "www.example.com", "/", NULL), 1);
	assert_int_equal(match("GET", "a.b.example.com:443", "/", NULL), 1);
	assert_int_equal(match("GET", "x.eu.example.com", "/", NULL), 2); /* longest suffix */
	assert_int_equal(match("GET", "eu.example.com", "/", NULL), 1);
	assert_int_equal(match("GET", "www.example.net", "/", NULL), 2);
	assert_int_equal(match("GET", "example.com", "/", NULL), 3); /* "*." needs a label */
	assert_int_equal(match("GET", "other.org", "/", NULL), 3);
	assert_int_equal(match("GET", "", "/", NULL), 3);
	assert_int_equal(match("GET", "[::1]:80", "/", NULL), 3);
	assert_int_equal(match("GET", "10.0.0.100:80", "/", NULL), 3);

	/* Without "*", a Host that no domain names gets no route (404). */
	build_ok(HOSTS_TABLE "\n); } );\n");
	assert_int_equal(match("GET", "other.org", "/", NULL), -1);
	assert_int_equal(match("GET", "example.com", "/", NULL), -1);
	assert_int_equal(match("GET", "api.example.com", "/", NULL), 0);
}

static void
test_methods_headers_query(void **state)
{
	(void)state;
	build_ok(ONE_VHOST(
	        "{ match = { prefix = \"/\"; methods = [\"PUT\", \"DELETE\"]; }; " TO_A " },"
	        "{ match = { prefix = \"/\"; headers = ( { name = \"X-Env\"; exact = \"prod\"; }, "
	        "{ name = \"x-user\"; regex = \"[a-z]+-[0-9]+\"; } ); }; " TO_A " },"
	        "{ match = { prefix = \"/\"; headers = ( { name = \"x-debug\"; present = true; } "
	        "); }; " TO_A " },"
	        "{ match = { prefix = \"/\"; query = ( { name = \"v\"; exact = \"2\"; } ); }; " TO_A
	        " },"
	        "{ match = { prefix = \"/\"; query = ( { name = \"q\"; regex = \"a.c\"; }, "
	        "{ name = \"p\"; present = true; } ); }; " TO_A " },"
	        "{ match = { prefix = \"/\"; methods = [\"GET\"]; }; " TO_A " }"));
	assert_int_equal(match("PUT", "h", "/", NULL), 0);
	assert_int_equal(match("DELETE", "h", "/", NULL), 0);
	assert_int_equal(match("POST", "h", "/", NULL), -1);
	assert_int_equal(match("get", "h", "/", NULL), -1); /* methods are case-sensitive */
	assert_int_equal(match("BREW", "h", "/", NULL), -1);

	/* Headers: names without case, every matcher must hold, any occurrence may match. */
	assert_int_equal(match("GET", "h", "/", "x-env: prod", "X-USER: bob-7", NULL), 1);
	assert_int_equal(match("GET", "h", "/", "x-env: prod", "x-user: bob-7x", NULL), 5);
	assert_int_equal(match("GET", "h", "/", "x-env: Prod", "x-user: bob-7", NULL), 5);
	assert_int_equal(match("GET", "h", "/", "x-user: bob-7", NULL), 5);
	assert_int_equal(match("GET", "h", "/", "x-env: dev", "x-env: prod", "x-user: al-1", NULL),
	                 1);
	assert_int_equal(match("GET", "h", "/", "X-Debug: ", NULL), 2);
	assert_int_equal(match("GET", "h", "/", "x-debu: 1", NULL), 5);

	/* Query: raw names and values, every matcher must hold. */
	assert_int_equal(match("GET", "h", "/?v=2", NULL), 3);
	assert_int_equal(match("GET", "h", "/?a=1&v=2&b", NULL), 3);
	assert_int_equal(match("GET", "h", "/?v=22", NULL), 5);
	assert_int_equal(match("GET", "h", "/?vv=2", NULL), 5);
	assert_int_equal(match("GET", "h", "/?q=abc&p", NULL), 4);
	assert_int_equal(match("GET", "h", "/?p=&q=axc", NULL), 4);
	assert_int_equal(match("GET", "h", "/?q=abcd&p", NULL), 5);
	assert_int_equal(match("GET", "h", "/?q=abc", NULL), 5);
	assert_int_equal(match("POST", "h", "/?p&q=abc", NULL), 4);
}

static void
test_weighted_split(void **state)
{
	unsigned int counts[3] = {0}, i;
	const unsigned int picks = 1000000;
	const struct mp_route *r;
	uint32_t x = 12345;

	(void)state;
	build_ok(ONE_VHOST(
	        "{ match = { prefix = \"/\"; }; clusters = ( { name = \"a\"; weight = "
	        "1; }, { name = \"c\"; weight = 3; }, { name = \"b\"; weight = 6; } ); }"));
	r = route_of("GET", "h", "/");
	assert_non_null(r);
	assert_int_equal(r->action, MP_ROUTE_CLUSTERS);
	assert_int_equal(r->n_clusters, 3);
	for (i = 0; i < picks; i++) {
		x = x * 1664525u + 1013904223u; /* an LCG stands in for the worker's random */
		counts[mp_route_pick_cluster(r, x)]++;
	}
	/* clusters a, b, c are indexes 0, 1, 2: 10%, 60%, 30% within half a percent. */
	assert_in_range(counts[0], picks / 10 - picks / 200, picks / 10 + picks / 200);
	assert_in_range(counts[1], picks * 6 / 10 - picks / 200, picks * 6 / 10 + picks / 200);
	assert_in_range(counts[2], picks * 3 / 10 - picks / 200, picks * 3 / 10 + picks / 200);
	/* The ends of the range land on the first and the last cluster. */
	assert_int_equal(mp_route_pick_cluster(r, 0), 0);
	assert_int_equal(mp_route_pick_cluster(r, UINT32_MAX), 1);
}

/* The matched route carries its timeouts, retry policy (ns, lib/lb's struct) and hash. */
static void
test_resilience(void **state)
{
	const struct mp_route *r;

	(void)state;
	build_ok(ONE_VHOST(
	        "{ match = { prefix = \"/a\"; }; " TO_A
	        " timeouts = { connect_ms = 500; first_byte_ms = 0; request_ms = 9000; idle_ms = "
	        "7; };"
	        " retry = { on = [\"reset\", \"504\"]; num_retries = 4; idempotent_only = false;"
	        " backoff_base_ms = 3; backoff_max_ms = 40; }; hash = { header = \"X-User\"; }; },"
	        "{ match = { prefix = \"/\"; }; " TO_A " }"));
	r = route_of("GET", "h", "/a");
	assert_non_null(r);
	assert_int_equal(r->timeouts.connect_ms, 500);
	assert_int_equal(r->timeouts.first_byte_ms, 0);
	assert_int_equal(r->timeouts.request_ms, 9000);
	assert_int_equal(r->timeouts.idle_ms, 7);
	assert_int_equal(r->retry.retry_on, MP_LB_RETRY_ON_RESET | MP_LB_RETRY_ON_504);
	assert_int_equal(r->retry.num_retries, 4);
	assert_false(r->retry.idempotent_only);
	assert_int_equal(r->retry.backoff_base, 3 * MP_LB_NS_PER_MS);
	assert_int_equal(r->retry.backoff_max, 40 * MP_LB_NS_PER_MS);
	assert_int_equal(r->retry.budget_percent, MP_LB_RETRY_DEF_BUDGET_PERCENT);
	assert_int_equal(r->retry.min_retry_concurrency, MP_LB_RETRY_DEF_BUDGET_MIN);
	assert_int_equal(r->hash_kind, MP_CONF_HASH_HEADER);
	assert_int_equal(r->hash_name.len, 6);
	assert_memory_equal(r->hash_name.p, "x-user", 6);

	/* Nothing written: lib/lb's defaults, no hash. */
	r = route_of("GET", "h", "/b");
	assert_non_null(r);
	assert_int_equal(r->timeouts.connect_ms, 0);
	assert_int_equal(r->timeouts.first_byte_ms, MP_CONF_DEF_FIRST_BYTE_MS);
	assert_int_equal(r->timeouts.idle_ms, MP_CONF_DEF_IDLE_MS);
	assert_int_equal(r->retry.retry_on, MP_LB_RETRY_DEF_ON);
	assert_int_equal(r->retry.num_retries, MP_LB_RETRY_DEF_NUM);
	assert_true(r->retry.idempotent_only);
	assert_int_equal(r->retry.backoff_base, MP_LB_RETRY_DEF_BACKOFF_BASE);
	assert_int_equal(r->retry.backoff_max, MP_LB_RETRY_DEF_BACKOFF_MAX);
	assert_int_equal(r->hash_kind, MP_CONF_HASH_NONE);
	assert_int_equal(r->hash_name.len, 0);
}

static void
test_rewrites(void **state)
{
	const struct mp_route *r;
	char out[128];
	struct mp_route_req req = {.method = str("GET"),
	                           .host = str("old.example.com:8080"),
	                           .path = str("/old/a/b"),
	                           .query = str("x=1")};

	(void)state;
	build_ok(ONE_VHOST(
	        "{ match = { prefix = \"/v1/\"; }; prefix_rewrite = \"/\"; " TO_A
	        " request_headers_add = ( { name = \"X-Route\"; value = \"v1\"; } ); "
	        "request_headers_remove = [\"X-Debug\", \"cookie\"]; response_headers_add = ( { "
	        "name = \"x-by\"; value = \"mp\"; } ); response_headers_remove = [\"server\"]; },"
	        "{ match = { path = \"/exact\"; }; prefix_rewrite = \"/other/place\"; " TO_A " },"
	        "{ match = { prefix = \"/old/\"; }; redirect = { prefix_rewrite = \"/new/\"; "
	        "code = 308; }; },"
	        "{ match = { prefix = \"/go\"; }; redirect = { scheme = \"https\"; host = "
	        "\"www.example.com\"; path = \"/landing\"; }; },"
	        "{ match = { prefix = \"/s\"; }; redirect = { scheme = \"https\"; }; },"
	        "{ match = { prefix = \"/\"; }; direct_response = { status = 503; body = "
	        "\"down\\n\"; }; }"));

	r = route_of("GET", "h", "/v1/users/1");
	assert_non_null(r);
	assert_int_equal(mp_route_rewrite_path(r, str("/v1/users/1"), out, sizeof(out)), 8);
	assert_memory_equal(out, "/users/1", 8);
	assert_int_equal(mp_route_rewrite_path(r, str("/v1/users/1"), out, 4), -1);
	assert_int_equal(r->n_req_add, 1);
	assert_memory_equal(r->req_add[0].name.p, "x-route", 7); /* names lower case */
	assert_memory_equal(r->req_add[0].value.p, "v1", 2);
	assert_int_equal(r->n_req_remove, 2);
	assert_memory_equal(r->req_remove[0].name.p, "x-debug", 7);
	assert_null(r->req_remove[0].value.p);
	assert_int_equal(r->n_resp_add, 1);
	assert_int_equal(r->n_resp_remove, 1);
	assert_memory_equal(r->resp_remove[0].name.p, "server", 6);

	r = route_of("GET", "h", "/exact");
	assert_int_equal(mp_route_rewrite_path(r, str("/exact"), out, sizeof(out)), 12);
	assert_memory_equal(out, "/other/place", 12);

	r = route_of("GET", "h", "/old/a/b");
	assert_int_equal(r->action, MP_ROUTE_REDIRECT);
	assert_int_equal(r->redirect_code, 308);
	assert_int_equal(mp_route_redirect_location(r, &req, out, sizeof(out)),
	                 (int)strlen("http://old.example.com:8080/new/a/b?x=1"));
	assert_memory_equal(out, "http://old.example.com:8080/new/a/b?x=1", 39);

	r = route_of("GET", "h", "/go/x");
	assert_int_equal(r->redirect_code, 301); /* the default */
	req.path = str("/go/x");
	req.query = str("");
	assert_int_equal(mp_route_redirect_location(r, &req, out, sizeof(out)), 31);
	assert_memory_equal(out, "https://www.example.com/landing", 31);

	r = route_of("GET", "h", "/s/1");
	req.path = str("/s/1");
	assert_int_equal(mp_route_redirect_location(r, &req, out, sizeof(out)), 32);
	assert_memory_equal(out, "https://old.example.com:8080/s/1", 32);
	assert_int_equal(mp_route_redirect_location(r, &req, out, 10), -1);

	r = route_of("GET", "h", "/else");
	assert_int_equal(r->action, MP_ROUTE_DIRECT);
	assert_int_equal(r->status, 503);
	assert_int_equal(r->body.len, 5);
	assert_memory_equal(r->body.p, "down\n", 5);
	/* No rewrite: the path goes as it came. */
	assert_int_equal(mp_route_rewrite_path(r, str("/else"), out, sizeof(out)), 5);
}

static void
test_regex_errors(void **state)
{
	(void)state;
	/* Every bad pattern, path or header or query, at its own line with the engine's text. */
	assert_null(build(HEAD
	                  "route_tables = ( { name = \"t\"; virtual_hosts = ( { name = \"v\";\n"
	                  "  domains = [\"*\"]; routes = (\n"
	                  "  { match = { regex = \"/ok/[0-9]+\"; }; " TO_A " },\n"
	                  "  { match = { regex = \"/bad/(\"; }; " TO_A " },\n"
	                  "  { match = { regex = \"/also[bad\"; }; " TO_A " },\n"
	                  "  { match = { prefix = \"/\"; headers = ( { name = \"x\";\n"
	                  "      regex = \"a{2,1}\"; } ); }; " TO_A " },\n"
	                  "  { match = { prefix = \"/\"; query = ( { name = \"x\";\n"
	                  "      regex = \"(?<n>a)\\\\k<n>\"; } ); }; " TO_A " }\n"
	                  "); } ); } );\n"));
	assert_non_null(strstr(errs, ":13: path regex \"/bad/(\" does not compile: "));
	assert_non_null(strstr(errs, ":14: path regex \"/also[bad\" does not compile: "));
	assert_non_null(strstr(errs, ":15: header regex \"a{2,1}\" does not compile: "));
	assert_non_null(strstr(errs, ":17: query regex \"(?<n>a)\\k<n>\" does not compile: "));
	assert_null(strstr(errs, "/ok/"));
	/* Hyperscan's own words come through. */
	assert_non_null(strstr(errs, "Missing close parenthesis"));
	/* An unbalanced ')' cannot escape the anchoring group. */
	assert_null(build(ONE_VHOST("{ match = { regex = \"/a)|(.*\"; }; " TO_A " }")));
	assert_non_null(strstr(errs, "does not compile"));
}

static void
test_example_config(void **state)
{
	FILE *m;
	int n;

	(void)state;
	m = open_memstream(&errs, &errs_len);
	n = mp_conf_load(REPO_DIR "/conf/examples/http-routes.conf", &conf, m);
	assert_int_equal(n, 0);
	table = mp_route_table_build(&conf, 0, mp_regex_hs_ops(), m);
	fclose(m);
	if (table == NULL)
		fail_msg("%s", errs);
	scratch = mp_route_scratch_alloc(mp_regex_hs_ops());
	assert_int_equal(mp_route_scratch_fit(scratch, table), 0);
	assert_string_equal(mp_route_table_name(table), "main");
	assert_int_equal(mp_route_table_routes(table), 8);
	assert_int_equal(conf.listeners[0].service, MP_SVC_HTTP);
	assert_int_equal(conf.listeners[0].routes, 0);
	assert_int_equal(conf.listeners[0].cluster, -1);

	assert_int_equal(match("GET", "api.example.com", "/healthz", NULL), 0);
	assert_int_equal(match("GET", "API.example.org:80", "/v1/users/42", NULL), 1);
	assert_int_equal(match("POST", "api.example.com", "/v1/users/42", NULL), 3);
	assert_int_equal(match("POST", "api.example.com", "/v1/x", "x-canary: 1", NULL), 2);
	assert_int_equal(match("GET", "api.example.com", "/v2", NULL), -1);
	assert_int_equal(match("GET", "blog.example.com", "/?preview", NULL), 4);
	assert_int_equal(match("GET", "blog.example.com", "/", NULL), 5);
	assert_int_equal(match("GET", "example.net", "/old/x", NULL), 6);
	assert_int_equal(match("GET", "example.net", "/x", NULL), 7);
}

/* Many routes: one database per virtual host, and the 1000th route still reached. */
static void
test_many_routes(void **state)
{
	size_t cap = 256 * 1024, at = 0;
	char *text = malloc(cap);
	unsigned int i;
	char target[64];

	(void)state;
	assert_non_null(text);
	at += (size_t)snprintf(text + at, cap - at, "%s", HEAD);
	at += (size_t)snprintf(text + at, cap - at,
	                       "route_tables = ( { name = \"t\"; virtual_hosts = ( { name = "
	                       "\"v\"; domains = [\"*\"]; routes = (\n");
	for (i = 0; i < 1000; i++)
		at += (size_t)snprintf(
		        text + at, cap - at, "%s{ match = { %s = \"/s%u/%s\"; }; " TO_A " }\n",
		        i == 0 ? "" : ",", i % 2 ? "regex" : "prefix", i, i % 2 ? "[0-9]+" : "");
	snprintf(text + at, cap - at, "); } ); } );\n");
	build_ok(text);
	free(text);
	assert_int_equal(mp_route_table_routes(table), 1000);
	for (i = 0; i < 1000; i += 37) {
		snprintf(target, sizeof(target), "/s%u/%s", i, i % 2 ? "123" : "x");
		assert_int_equal(get(target), (int)i);
	}
	assert_int_equal(get("/s999/123"), 999);
	assert_int_equal(get("/s999/x"), -1);
}

/* One worker scratch serves every table it was fitted to, as the snapshot's do. */
static void
test_two_tables_one_scratch(void **state)
{
	struct mp_route_l7_table *t2;
	struct mp_route_scratch *both;
	struct mp_route_req req = {.method = str("GET"), .host = str("h")};
	const struct mp_route *r;

	(void)state;
	build_ok(HEAD "route_tables = (\n"
	              "{ name = \"t\"; virtual_hosts = ( { name = \"v\"; domains = [\"*\"]; "
	              "routes = ( { match = { regex = \"/one/[0-9]+\"; }; " TO_A " } ); } ); },\n"
	              "{ name = \"u\"; virtual_hosts = ( { name = \"v\"; domains = [\"*\"]; "
	              "routes = ( { match = { prefix = \"/x\"; }; " TO_A " },\n"
	              "  { match = { regex = \"/two/[a-z]+\"; }; " TO_A " } ); } ); }\n"
	              ");\n");
	t2 = mp_route_table_build(&conf, 1, mp_regex_hs_ops(), NULL);
	assert_non_null(t2);
	assert_string_equal(mp_route_table_name(t2), "u");
	assert_null(mp_route_table_build(&conf, 2, mp_regex_hs_ops(), NULL));
	both = mp_route_scratch_alloc(mp_regex_hs_ops());
	assert_non_null(both);
	assert_int_equal(mp_route_scratch_fit(both, table), 0);
	assert_int_equal(mp_route_scratch_fit(both, t2), 0);

	req.path = str("/one/42");
	r = mp_route_match(table, &req, both);
	assert_non_null(r);
	assert_int_equal(r->id, 0);
	assert_null(mp_route_match(t2, &req, both));
	req.path = str("/two/abc");
	r = mp_route_match(t2, &req, both);
	assert_non_null(r);
	assert_int_equal(r->id, 1);
	assert_null(mp_route_match(table, &req, both));

	mp_route_scratch_free(both);
	mp_route_table_free(t2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_teardown(test_path_matchers, teardown),
	        cmocka_unit_test_teardown(test_regex_whole_path, teardown),
	        cmocka_unit_test_teardown(test_first_declared_wins, teardown),
	        cmocka_unit_test_teardown(test_host_selection, teardown),
	        cmocka_unit_test_teardown(test_methods_headers_query, teardown),
	        cmocka_unit_test_teardown(test_weighted_split, teardown),
	        cmocka_unit_test_teardown(test_resilience, teardown),
	        cmocka_unit_test_teardown(test_rewrites, teardown),
	        cmocka_unit_test_teardown(test_regex_errors, teardown),
	        cmocka_unit_test_teardown(test_example_config, teardown),
	        cmocka_unit_test_teardown(test_many_routes, teardown),
	        cmocka_unit_test_teardown(test_two_tables_one_scratch, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
