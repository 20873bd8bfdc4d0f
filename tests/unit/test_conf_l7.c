/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/conf, HTTP resilience (issue 6): a route's `timeouts`, `retry` and `hash`; a cluster's
 * HTTP policies, `ring_hash`, `outlier_detection`, `circuit_breakers`, `retry_budget`; the
 * HTTP kind of `health`. Defaults, every key's value, and every error with its line, word for
 * word (see test_conf.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "test_conf.h"

static const struct mp_conf_http_route *
route(unsigned int i)
{
	assert_non_null(conf.http);
	assert_true(i < conf.http->n_routes);
	return &conf.http->routes[i];
}

/* Only what is required, and HTTP checks. */
static const char defaults_text[] =
        L4HEAD "clusters = ( { name = \"web\";\n"
               "    endpoints = ( { address = \"10.20.0.1\"; port = 80; } );\n"
               "    health = { type = \"http\"; }; },\n"
               "  { name = \"tcp\";\n"
               "    endpoints = ( { address = \"10.20.0.2\"; port = 80; } );\n"
               "    health = { }; } );\n"
               "route_tables = ( { name = \"t\";\n"
               "  virtual_hosts = ( { name = \"a\"; domains = [\"*\"];\n"
               "  routes = ( { match = { prefix = \"/\"; };\n"
               "               clusters = ( { name = \"web\"; } ); } ); } ); } );\n";

/* Nothing written: every default, and outlier detection off. */
static void
test_l7_defaults(void **state)
{
	const struct mp_conf_http_route *r;
	const struct mp_conf_cluster *c;

	(void)state;
	assert_valid(load(defaults_text));
	c = &conf.clusters[0];
	assert_int_equal(c->ring_size, MP_CONF_DEF_HASH_RING_SIZE);
	assert_false(c->outlier.enabled);
	assert_int_equal(c->outlier.consecutive_5xx, MP_CONF_DEF_OUTLIER_5XX);
	assert_int_equal(c->outlier.consecutive_connect, MP_CONF_DEF_OUTLIER_CONNECT);
	assert_int_equal(c->outlier.base_ejection_ms, MP_CONF_DEF_OUTLIER_BASE_MS);
	assert_int_equal(c->outlier.max_ejection_ms, MP_CONF_DEF_OUTLIER_MAX_MS);
	assert_int_equal(c->outlier.decay_interval_ms, MP_CONF_DEF_OUTLIER_DECAY_MS);
	assert_int_equal(c->outlier.max_ejection_percent, MP_CONF_DEF_OUTLIER_MAX_PERCENT);
	assert_int_equal(c->breakers.max_connections, MP_CONF_DEF_BREAKER_MAX);
	assert_int_equal(c->breakers.max_pending_requests, MP_CONF_DEF_BREAKER_MAX);
	assert_int_equal(c->breakers.max_requests, MP_CONF_DEF_BREAKER_MAX);
	assert_int_equal(c->breakers.max_retries, MP_CONF_DEF_BREAKER_MAX_RETRIES);
	assert_int_equal(c->retry_budget_percent, MP_CONF_DEF_RETRY_BUDGET_PERCENT);
	assert_int_equal(c->retry_budget_min, MP_CONF_DEF_RETRY_BUDGET_MIN);
	/* HTTP checks: GET / with the cluster's name as Host, 200..399 pass. */
	assert_int_equal(c->health.type, MP_CONF_HC_HTTP);
	assert_string_equal(c->health.path, "/");
	assert_string_equal(c->health.host, "web");
	assert_int_equal(c->health.n_statuses, 1);
	assert_false(mp_conf_health_status_ok(&c->health, 199));
	assert_true(mp_conf_health_status_ok(&c->health, 200));
	assert_true(mp_conf_health_status_ok(&c->health, 399));
	assert_false(mp_conf_health_status_ok(&c->health, 400));
	assert_int_equal(conf.clusters[1].health.type, MP_CONF_HC_TCP);

	r = route(0);
	assert_int_equal(r->timeouts.connect_ms, 0);
	assert_int_equal(r->timeouts.first_byte_ms, MP_CONF_DEF_FIRST_BYTE_MS);
	assert_int_equal(r->timeouts.request_ms, 0);
	assert_int_equal(r->timeouts.idle_ms, MP_CONF_DEF_IDLE_MS);
	assert_int_equal(r->retry.on, MP_CONF_RETRY_ON_ALL);
	assert_int_equal(r->retry.num_retries, MP_CONF_DEF_NUM_RETRIES);
	assert_true(r->retry.idempotent_only);
	assert_int_equal(r->retry.backoff_base_ms, MP_CONF_DEF_BACKOFF_BASE_MS);
	assert_int_equal(r->retry.backoff_max_ms, MP_CONF_DEF_BACKOFF_MAX_MS);
	assert_int_equal(r->hash_kind, MP_CONF_HASH_NONE);
	assert_null(r->hash_name);
}

/* Every key written. */
static const char values_text[] =
        L4HEAD "clusters = (\n"
               "  { name = \"web\"; policy = \"ring_hash\";\n"
               "    endpoints = ( { address = \"10.20.0.1\"; port = 80; } );\n"
               "    ring_hash = { size = 1024; };\n"
               "    outlier_detection = { consecutive_5xx = 3;\n"
               "      consecutive_connect_failures = 0; base_ejection_ms = 1000;\n"
               "      max_ejection_ms = 2000; decay_interval_ms = 0;\n"
               "      max_ejection_percent = 50; };\n"
               "    circuit_breakers = { max_connections = 10;\n"
               "      max_pending_requests = 0; max_requests = 20; max_retries = 2; };\n"
               "    retry_budget = { percent = 50; min_retry_concurrency = 1; };\n"
               "    health = { type = \"http\"; path = \"/healthz?full=1\";\n"
               "      host = \"web.internal:8080\";\n"
               "      expected_statuses = ( 200, \"204-206\", \"300\" ); }; },\n"
               "  { name = \"lr\"; policy = \"least_request\";\n"
               "    endpoints = ( { address = \"10.20.0.2\"; port = 80; } );\n"
               "    health = { type = \"tcp\"; }; } );\n"
               "route_tables = ( { name = \"t\";\n"
               "  virtual_hosts = ( { name = \"a\"; domains = [\"*\"];\n"
               "  routes = (\n"
               "    { match = { prefix = \"/a\"; }; clusters = ( { name = \"web\"; } );\n"
               "      timeouts = { connect_ms = 500; first_byte_ms = 0;\n"
               "                   request_ms = 30000; idle_ms = 0; };\n"
               "      retry = { on = [\"connect_failure\", \"503\"]; num_retries = 3;\n"
               "        idempotent_only = false; backoff_base_ms = 10;\n"
               "        backoff_max_ms = 10; };\n"
               "      hash = { header = \"X-User\"; }; },\n"
               "    { match = { prefix = \"/b\"; }; clusters = ( { name = \"web\"; } );\n"
               "      retry = { num_retries = 0; }; hash = { cookie = \"Sid\"; }; },\n"
               "    { match = { prefix = \"/c\"; };\n"
               "      clusters = ( { name = \"web\"; }, { name = \"lr\"; } );\n"
               "      hash = { source_address = true; }; },\n"
               "    { match = { prefix = \"/\"; }; clusters = ( { name = \"lr\"; } ); }\n"
               "  ); } ); } );\n"
               "listeners = ( { name = \"h\"; protocol = \"http\";\n"
               "  address = \"10.10.0.100\"; port = 80; routes = \"t\"; } );\n";

/* Every key written: its value lands where the proxy reads it. */
static void
test_l7_values(void **state)
{
	const struct mp_conf_http_route *r;
	const struct mp_conf_cluster *c;

	(void)state;
	assert_valid(load(values_text));
	c = &conf.clusters[0];
	assert_int_equal(c->policy, MP_LB_RING_HASH);
	assert_int_equal(c->ring_size, 1024);
	assert_true(c->outlier.enabled);
	assert_int_equal(c->outlier.consecutive_5xx, 3);
	assert_int_equal(c->outlier.consecutive_connect, 0);
	assert_int_equal(c->outlier.base_ejection_ms, 1000);
	assert_int_equal(c->outlier.max_ejection_ms, 2000);
	assert_int_equal(c->outlier.decay_interval_ms, 0);
	assert_int_equal(c->outlier.max_ejection_percent, 50);
	assert_int_equal(c->breakers.max_connections, 10);
	assert_int_equal(c->breakers.max_pending_requests, 0);
	assert_int_equal(c->breakers.max_requests, 20);
	assert_int_equal(c->breakers.max_retries, 2);
	assert_int_equal(c->retry_budget_percent, 50);
	assert_int_equal(c->retry_budget_min, 1);
	assert_string_equal(c->health.path, "/healthz?full=1");
	assert_string_equal(c->health.host, "web.internal:8080");
	assert_int_equal(c->health.n_statuses, 3);
	assert_true(mp_conf_health_status_ok(&c->health, 200));
	assert_false(mp_conf_health_status_ok(&c->health, 201));
	assert_false(mp_conf_health_status_ok(&c->health, 203));
	assert_true(mp_conf_health_status_ok(&c->health, 204));
	assert_true(mp_conf_health_status_ok(&c->health, 206));
	assert_false(mp_conf_health_status_ok(&c->health, 207));
	assert_true(mp_conf_health_status_ok(&c->health, 300));
	assert_false(mp_conf_health_status_ok(&c->health, 301));
	assert_int_equal(conf.clusters[1].policy, MP_LB_LEAST_REQUEST);
	assert_int_equal(conf.clusters[1].health.type, MP_CONF_HC_TCP);

	r = route(0);
	assert_int_equal(r->timeouts.connect_ms, 500);
	assert_int_equal(r->timeouts.first_byte_ms, 0);
	assert_int_equal(r->timeouts.request_ms, 30000);
	assert_int_equal(r->timeouts.idle_ms, 0);
	assert_int_equal(r->retry.on, MP_CONF_RETRY_ON_CONNECT_FAILURE | MP_CONF_RETRY_ON_503);
	assert_int_equal(r->retry.num_retries, 3);
	assert_false(r->retry.idempotent_only);
	assert_int_equal(r->retry.backoff_base_ms, 10);
	assert_int_equal(r->retry.backoff_max_ms, 10);
	assert_int_equal(r->hash_kind, MP_CONF_HASH_HEADER);
	assert_string_equal(r->hash_name, "x-user"); /* header names compare without case */
	r = route(1);
	assert_int_equal(r->retry.num_retries, 0);
	assert_int_equal(r->retry.on, MP_CONF_RETRY_ON_ALL);
	assert_true(r->retry.idempotent_only);
	assert_int_equal(r->hash_kind, MP_CONF_HASH_COOKIE);
	assert_string_equal(r->hash_name, "Sid"); /* cookie names do not */
	r = route(2);
	assert_int_equal(r->hash_kind, MP_CONF_HASH_SOURCE);
	assert_null(r->hash_name);
}

/* Each line of the file is one literal, its number in the comment. */
static const char cluster_errors_text[] = L4HEAD                /* lines 1-7 */
        "clusters = (\n"                                        /* 8 */
        "  { name = \"a\"; policy = \"ring_hash\";\n"           /* 9 */
        "    endpoints = ( { address = \"10.20.0.1\";\n"        /* 10 */
        "                    port = 80; } );\n"                 /* 11 */
        "    ring_hash = { size = 0; };\n"                      /* 12 */
        "    outlier_detection = { consecutive_5xx = 0;\n"      /* 13 */
        "      consecutive_connect_failures = 0;\n"             /* 14 */
        "      base_ejection_ms = 5000;\n"                      /* 15 */
        "      max_ejection_ms = 1000;\n"                       /* 16 */
        "      max_ejection_percent = 101; };\n"                /* 17 */
        "    circuit_breakers = { max_requests = -1;\n"         /* 18 */
        "      max_retriez = 3; };\n"                           /* 19 */
        "    retry_budget = { percent = 200; };\n"              /* 20 */
        "    health = { path = \"/x\"; host = \"h\"; }; },\n"   /* 21 */
        "  { name = \"b\"; policy = \"maglev\";\n"              /* 22 */
        "    endpoints = ( { address = \"10.20.0.2\";\n"        /* 23 */
        "                    port = 80; } );\n"                 /* 24 */
        "    ring_hash = { };\n"                                /* 25 */
        "    health = { type = \"htp\";\n"                      /* 26 */
        "      expected_statuses = ( \"200-\", 99,\n"           /* 27 */
        "        \"399-200\", \"600\", 2.5 ); }; },\n"          /* 28 */
        "  { name = \"c\";\n"                                   /* 29 */
        "    endpoints = ( { address = \"10.20.0.3\";\n"        /* 30 */
        "                    port = 80; } );\n"                 /* 31 */
        "    health = { type = \"http\"; path = \"ok\";\n"      /* 32 */
        "      host = \"a b\"; expected_statuses = []; }; },\n" /* 33 */
        "  { name = \"d\";\n"                                   /* 34 */
        "    endpoints = ( { address = \"10.20.0.4\";\n"        /* 35 */
        "                    port = 80; } );\n"                 /* 36 */
        "    health = { type = \"http\"; path = \"/a b\";\n"    /* 37 */
        "      expected_statuses = [200, 201, 202, 203,\n"      /* 38 */
        "        204, 205, 206, 207, 208, 209, 210,\n"          /* 39 */
        "        211, 212, 213, 214, 215, 216]; }; }\n"         /* 40 */
        ");\n"                                                  /* 41 */
        "listeners = ( { name = \"v\"; protocol = \"tcp\";\n"   /* 42 */
        "  address = \"10.10.0.100\"; port = 80;\n"             /* 43 */
        "  cluster = \"a\"; } );\n" /* 44 */;

/* Every mistake in a cluster's resilience keys and HTTP checks, with its line and its fix. */
static void
test_l7_cluster_errors(void **state)
{
	int n;

	(void)state;
	n = load(cluster_errors_text);
	assert_err(12, "clusters[0].ring_hash.size = 0 is out of range: use 1..8388608");
	assert_err(13,
	           "clusters[0].outlier_detection turns both detectors off (consecutive_5xx = 0 "
	           "and consecutive_connect_failures = 0): set one above 0, or remove the "
	           "group");
	assert_err(17, "clusters[0].outlier_detection.max_ejection_percent = 101 is out of range: "
	               "use 0..100");
	assert_err(16, "clusters[0].outlier_detection.max_ejection_ms = 1000 is below "
	               "clusters[0].outlier_detection.base_ejection_ms = 5000: the cap must be at "
	               "least the first ejection; raise max_ejection_ms or lower base_ejection_ms");
	assert_err(18, "clusters[0].circuit_breakers.max_requests = -1 is out of range: use "
	               "0..100000000");
	assert_err(19, "unknown key 'max_retriez' in clusters[0].circuit_breakers; did you mean "
	               "'max_retries'?");
	assert_err(20, "clusters[0].retry_budget.percent = 200 is out of range: use 0..100");
	assert_err(21, "clusters[0].health.path is for HTTP checks, and this check is a TCP "
	               "connect: set type = \"http\"; or remove it");
	assert_err(21, "clusters[0].health.host is for HTTP checks, and this check is a TCP "
	               "connect: set type = \"http\"; or remove it");
	assert_err(25, "clusters[1].ring_hash sizes the ring of policy = \"ring_hash\", and this "
	               "cluster's policy is another: remove it, or set policy = \"ring_hash\";");
	assert_err(26, "clusters[1].health.type \"htp\" is not a check type; did you mean "
	               "\"http\"?");
	assert_err(27, "clusters[1].health.expected_statuses[0] \"200-\" is not a status or a "
	               "range of statuses: write e.g. 200 or \"200-399\"");
	assert_err(27, "clusters[1].health.expected_statuses[1] = 99 is out of range: use "
	               "100..599");
	assert_err(28, "clusters[1].health.expected_statuses[2] \"399-200\" ends below its start: "
	               "write \"200-399\"");
	assert_err(28, "clusters[1].health.expected_statuses[3] \"600\" is out of range: statuses "
	               "are 100..599");
	assert_err(28, "clusters[1].health.expected_statuses[4] must be a status (200) or a range "
	               "(\"200-399\"), not a floating-point number");
	assert_err(32, "clusters[2].health.path \"ok\" does not start with '/': write \"/ok\"");
	assert_err(33, "clusters[2].health.host \"a b\" contains byte 0x20: write a host name or "
	               "address, with \":port\" if needed");
	assert_err(33, "clusters[2].health.expected_statuses is empty, so no check could pass: "
	               "list statuses, or remove it for 200-399");
	assert_err(37, "clusters[3].health.path contains byte 0x20: a request path holds visible "
	               "characters other than '#' only (percent-encode the others)");
	assert_err(38, "clusters[3].health.expected_statuses has 17 entries: at most 16 are "
	               "supported; merge them into ranges");
	assert_err(44,
	           "listeners[0].cluster \"a\" (line 9) has policy = \"ring_hash\", which "
	           "balances HTTP requests, and this listener forwards TCP connections: name a "
	           "cluster whose policy is \"maglev\" or \"least_connections\", or use protocol "
	           "= \"http\"");
	assert_int_equal(n, 22);
}

/* Each line of the file is one literal, its number in the comment. */
static const char route_errors_text[] = L4HEAD                     /* lines 1-7 */
        "clusters = ( { name = \"mg\";\n"                          /* 8 */
        "    endpoints = ( { address = \"10.20.0.1\";\n"           /* 9 */
        "                    port = 80; } ); },\n"                 /* 10 */
        "  { name = \"rr\"; policy = \"round_robin\";\n"           /* 11 */
        "    endpoints = ( { address = \"10.20.0.2\";\n"           /* 12 */
        "                    port = 80; } ); } );\n"               /* 13 */
        "route_tables = ( { name = \"t\";\n"                       /* 14 */
        "  virtual_hosts = ( { name = \"a\"; domains = [\"*\"];\n" /* 15 */
        "  routes = (\n"                                           /* 16 */
        "    { match = { prefix = \"/a\"; };\n"                    /* 17 */
        "      clusters = ( { name = \"mg\"; } );\n"               /* 18 */
        "      timeouts = { connect_ms = 600001;\n"                /* 19 */
        "        first_byte_ms = -1; idle_mss = 5; };\n"           /* 20 */
        "      retry = { on = [\"5xx\", \"rest\", \"reset\",\n"    /* 21 */
        "                     \"reset\"];\n"                       /* 22 */
        "        num_retries = 101;\n"                             /* 23 */
        "        idempotent_only = 1;\n"                           /* 24 */
        "        backoff_base_ms = 100;\n"                         /* 25 */
        "        backoff_max_ms = 50; };\n"                        /* 26 */
        "      hash = { header = \"x user\";\n"                    /* 27 */
        "        cookie = \"sid\"; }; },\n"                        /* 28 */
        "    { match = { prefix = \"/b\"; };\n"                    /* 29 */
        "      clusters = ( { name = \"mg\"; } );\n"               /* 30 */
        "      retry = { on = []; };\n"                            /* 31 */
        "      hash = { source_address = false; }; },\n"           /* 32 */
        "    { match = { prefix = \"/c\"; };\n"                    /* 33 */
        "      clusters = ( { name = \"mg\"; } );\n"               /* 34 */
        "      retry = { on = [503]; }; hash = { }; },\n"          /* 35 */
        "    { match = { prefix = \"/d\"; };\n"                    /* 36 */
        "      clusters = ( { name = \"mg\"; } );\n"               /* 37 */
        "      hash = { cookie = \"s;d\"; }; },\n"                 /* 38 */
        "    { match = { prefix = \"/e\"; };\n"                    /* 39 */
        "      clusters = ( { name = \"rr\"; } );\n"               /* 40 */
        "      hash = { header = \"x-user\"; }; },\n"              /* 41 */
        "    { match = { prefix = \"/\"; };\n"                     /* 42 */
        "      direct_response = { status = 200; };\n"             /* 43 */
        "      timeouts = { }; retry = { }; } );\n"                /* 44 */
        "} ); } );\n" /* 45 */;

/* Every mistake in a route's timeouts, retry and hash, with its line and its fix. */
static void
test_l7_route_errors(void **state)
{
	int n;

	(void)state;
	n = load(route_errors_text);
#define R(i) "route_tables[0].virtual_hosts[0].routes[" #i "]."
	assert_err(19, R(0) "timeouts.connect_ms = 600001 is out of range: use 0..600000");
	assert_err(20, R(0) "timeouts.first_byte_ms = -1 is out of range: use 0 (off) or "
	                    "1..86400000");
	assert_err(20, "unknown key 'idle_mss' in " R(0) "timeouts; did you mean 'idle_ms'?");
	assert_err(21, R(0) "retry.on[0] \"5xx\" is not one failure: of the 5xx statuses meshpath "
	                    "retries 502, 503 and 504; list those you want, e.g. [\"502\", "
	                    "\"503\", \"504\"]");
	assert_err(21, R(0) "retry.on[1] \"rest\" is not a failure meshpath retries; did you mean "
	                    "\"reset\"?");
	assert_err(22, R(0) "retry.on[3] \"reset\" is listed twice: list each once");
	assert_err(23, R(0) "retry.num_retries = 101 is out of range: use 0..100");
	assert_err(24, R(0) "retry.idempotent_only must be a boolean (true or false), not an "
	                    "integer");
	assert_err(26, R(0) "retry.backoff_max_ms = 50 is below " R(
	                       0) "retry.backoff_base_ms = "
	                          "100: the cap must be at least the first back-off; raise "
	                          "backoff_max_ms or lower backoff_base_ms");
	assert_err(27, R(0) "hash.header \"x user\" contains ' ', which a header name cannot "
	                    "hold: use letters, digits and !#$%&'*+-.^_`|~ only");
	assert_err(28, "route_tables[0].virtual_hosts[0].routes[0].hash sets both 'header' and "
	               "'cookie': keep one");
	assert_err(31, R(1) "retry.on is empty: list what to retry on, or set num_retries = 0 to "
	                    "turn retries off");
	assert_err(32, R(1) "hash.source_address = false hashes nothing: write source_address = "
	                    "true; or hash a header or a cookie");
	assert_err(35, R(2) "retry.on[0] must be a string: write \"503\"");
	assert_err(35, "route_tables[0].virtual_hosts[0].routes[2].hash has none of 'header', "
	               "'cookie' or 'source_address': add one, e.g. header = \"x-user\";");
	assert_err(38, R(3) "hash.cookie \"s;d\" contains byte 0x3b, which a cookie name cannot "
	                    "hold: use letters, digits and !#$%&'*+-.^_`|~ only");
	assert_err(41, R(4) "hash picks endpoints in clusters whose policy is \"ring_hash\" or "
	                    "\"maglev\", and this route's clusters (\"rr\") use neither: remove "
	                    "it, or set policy = \"ring_hash\"; in the cluster");
	assert_err(44, R(5) "timeouts applies to requests forwarded to clusters, and this route "
	                    "has direct_response: remove it");
	assert_err(44, R(5) "retry applies to requests forwarded to clusters, and this route has "
	                    "direct_response: remove it");
#undef R
	assert_int_equal(n, 19);
}

int
test_conf_l7(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_teardown(test_l7_defaults, teardown),
	        cmocka_unit_test_teardown(test_l7_values, teardown),
	        cmocka_unit_test_teardown(test_l7_cluster_errors, teardown),
	        cmocka_unit_test_teardown(test_l7_route_errors, teardown),
	};

	return cmocka_run_group_tests_name("conf_l7", tests, NULL, NULL);
}
