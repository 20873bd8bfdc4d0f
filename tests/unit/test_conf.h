/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_conf: the lib/conf unit tests. test_conf.c holds the main group and main(); each
 * test_conf_*.c file contributes one more group, run from main(), and borrows test_conf.c's
 * helpers: write a config to a temporary file, load it into `conf` with the errors captured,
 * and assert the exact "FILE:LINE: message" lines.
 */
#ifndef TEST_CONF_H
#define TEST_CONF_H

#include "mp_conf.h"

#define TMP_TEMPLATE "/tmp/mp_test_conf_XXXXXX"

/* A valid file of five lines; tests append after it, so their lines start at 6. */
#define HEAD                                                        \
	"workers = { lcores = [1]; };\n"                            \
	"ports = (\n"                                               \
	"  { name = \"cli\"; device = \"net_tap0,iface=mp0\";\n"    \
	"    addresses = [\"10.0.0.254/24\", \"fd00::fe/64\"]; }\n" \
	");\n"

/*
 * A valid file of seven lines with a client-side and a server-side port, for the L4 sections;
 * tests append after it, so their lines start at 8.
 */
#define L4HEAD                                                           \
	"workers = { lcores = [1]; };\n"                                 \
	"ports = (\n"                                                    \
	"  { name = \"cli\"; device = \"net_tap0\";\n"                   \
	"    addresses = [\"10.10.0.254/24\", \"fd00:10::fe/64\"]; },\n" \
	"  { name = \"srv\"; device = \"net_tap1\";\n"                   \
	"    addresses = [\"10.20.0.254/24\", \"fd00:20::fe/64\"]; }\n"  \
	");\n"

/* What the last load() filled. */
extern struct mp_conf conf;
/* The temporary file of the last load(), which error lines name. */
extern char path[sizeof(TMP_TEMPLATE)];

/* Write text to a fresh temporary file and load it: the number of errors. */
int
load(const char *text);
/* The captured errors hold the whole line "<path>:<line>: <msg>". */
void
assert_err(unsigned int line, const char *msg);
/* Exactly one error, and it is this one. */
void
assert_only_err(int n, unsigned int line, const char *msg);
/* No error. */
void
assert_valid(int n);
/* Release what a test loaded. */
int
teardown(void **state);

/* test_conf_l7.c: HTTP resilience and HTTP health checks. Returns the failed tests. */
int
test_conf_l7(void);

#endif /* TEST_CONF_H */
