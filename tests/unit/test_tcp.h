/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_TCP_H
#define TEST_TCP_H

struct rte_mempool;

/** Packet mbufs for every group, created once in main(). */
extern struct rte_mempool *test_tcp_pool;

/* Each returns the number of failed tests in its cmocka group. */
int
test_tcp_script_run(void);
int
test_tcp_pair_run(void);
int
test_tcp_fuzz_run(void);

#endif /* TEST_TCP_H */
