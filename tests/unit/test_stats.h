/* SPDX-License-Identifier: BSD-3-Clause */
/* The lib/stats unit tests in files other than test_stats.c. */
#ifndef TEST_STATS_H
#define TEST_STATS_H

/* test_stats_http.c */
void
test_http_line_forwarded(void **st);
void
test_http_line_local(void **st);
void
test_http_hostile_strings(void **st);
void
test_http_str_set(void **st);

#endif /* TEST_STATS_H */
