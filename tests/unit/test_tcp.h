/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_TCP_H
#define TEST_TCP_H

#include <stdint.h>

#define TEST_DIM(a) (sizeof(a) / sizeof((a)[0]))

/* The tests' random streams: xorshift64, seeded with a constant so a failure replays. */
static inline uint64_t
test_xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

struct rte_mempool;

/** Packet mbufs for every group, created once in main(). */
extern struct rte_mempool *test_tcp_pool;

/* Each returns the number of failed tests in its cmocka group. */
int
test_tcp_cc_run(void);
int
test_tcp_cookie_run(void);
int
test_tcp_script_run(void);
int
test_tcp_pair_run(void);
int
test_tcp_fuzz_run(void);
int
test_tcp_rss_run(void);

#endif /* TEST_TCP_H */
