/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lb: the lib/lb unit tests. test_lb.c holds the cluster and L4 policy group and main();
 * each test_lb_*.c file contributes one more cmocka group, run from main() after the EAL is up,
 * and borrows test_lb.c's config helpers (a config that test_setup() empties and objects that
 * test_teardown() frees).
 */
#ifndef TEST_LB_H
#define TEST_LB_H

#include <stdint.h>

#include "mp_lb.h"

/* Add a cluster whose endpoint i has identity ids[i] (i when NULL) and weight w[i] (1). */
unsigned int
add_cluster(enum mp_lb_policy policy, uint32_t maglev_size, unsigned int n, const uint32_t *ids,
            const uint32_t *w);
/* Build cluster ci with health up (NULL: all up), asserting success; freed by teardown. */
struct mp_lb_cluster *
build(unsigned int ci, const uint8_t *up);
/* Free the cluster build() returned last, for loops that build more than teardown tracks. */
void
free_last_cluster(void);
/* A state for c, freed by teardown. */
struct mp_lb_state *
state(const struct mp_lb_cluster *c, uint64_t seed);
int
test_setup(void **st);
int
test_teardown(void **st);

double
dabs(double x);
double
dmax(double a, double b);
double
dsqrt(double x);
double
chi2(const uint64_t *observed, const double *expected, unsigned int n);

/* Each returns the number of failed tests in its cmocka group. */
int
test_lb_outlier_run(void);
int
test_lb_retry_run(void);
int
test_lb_l7_run(void);

#endif /* TEST_LB_H */
