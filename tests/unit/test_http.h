/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_http: shared driver. A run feeds an input to a fresh parser in the chunks a split
 * list says, each chunk copied into a heap block of exactly its size (under AddressSanitizer
 * a read past a chunk fails), and writes down everything the parser reported as text: the
 * transcript. Tests assert exact transcripts, and that every split gives the same one.
 */
#ifndef TEST_HTTP_H
#define TEST_HTTP_H

#include <stdint.h>

#include "mp_http.h"

#define T_OUT_MAX 16384

struct t_run {
	enum mp_http_kind kind;
	enum mp_http_simd simd;
	const struct mp_http_params *params; /* NULL: defaults */
	enum mp_http_method req_method;      /* responses: the request's method */
	bool finish;                         /* call mp_http_finish() at the end of input */
	char out[T_OUT_MAX];                 /* the transcript */
	enum mp_http_err err;                /* last error, NONE when none */
	unsigned int done;                   /* messages completed */
};

/* Feed in[0, len) cut at the ascending offsets cuts[0, ncuts); 1 byte at a time when
 * ncuts is UINT32_MAX (cuts ignored). */
void
t_feed(struct t_run *r, const char *in, uint32_t len, const uint32_t *cuts, uint32_t ncuts);

/* One chunk. */
void
t_feed1(struct t_run *r, const char *in, uint32_t len);

/* Parse in as a request (or response) in one chunk with default params and the best
 * scanner; return the error (NONE when it parsed). */
enum mp_http_err
t_req_err(const char *in);
enum mp_http_err
t_resp_err(const char *in, enum mp_http_method m);

/* The scanners this CPU runs, scalar first; returns how many. */
unsigned int
t_simds(enum mp_http_simd out[3]);

int
test_http_parse_run(void);
int
test_http_hostile_run(void);
int
test_http_split_run(void);

#endif /* TEST_HTTP_H */
