/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_BASE_H
#define TEST_BASE_H

/* Each returns the number of failed tests in its cmocka group. */
int
test_base_hist_run(void);

#endif /* TEST_BASE_H */
