/* SPDX-License-Identifier: BSD-3-Clause */
/* The lib/proxy unit tests in files other than test_proxy.c (same executable, same EAL). */
#ifndef TEST_PROXY_H
#define TEST_PROXY_H

/* test_proxy_obs.c */
void
test_obs_forwarded(void **st);
void
test_obs_local_and_retry(void **st);
void
test_obs_first_byte_out(void **st);

#endif /* TEST_PROXY_H */
