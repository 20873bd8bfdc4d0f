/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_NET_H
#define TEST_NET_H

/* Each returns the number of failed tests in its cmocka group. */
int
test_net_parse_run(void);
int
test_net_neigh_run(void);
int
test_net_rss_run(void);

#endif /* TEST_NET_H */
