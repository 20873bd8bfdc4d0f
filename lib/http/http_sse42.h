/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SSE4.2 scanners, shared by http_sse42.c and by http_avx2.c for buffers shorter than a
 * 32-byte vector. Include only from a file compiled for SSE4.2 (#pragma GCC target).
 */
#ifndef HTTP_SSE42_H
#define HTTP_SSE42_H

#include <nmmintrin.h>

#include "http_priv.h"

#define HTTP_SSE_LEN   16
#define HTTP_SSE_RANGE (_SIDD_UBYTE_OPS | _SIDD_CMP_RANGES | _SIDD_LEAST_SIGNIFICANT)

/* First byte of [q, end) inside one of the ranges (pairs of bytes, nbytes of them), or the
 * first vector-less tail position the scalar scanner must finish from. */
static inline const uint8_t *
http_sse42_find(const uint8_t *q, const uint8_t *end, const char *ranges, int nbytes)
{
	const __m128i r = _mm_loadu_si128((const __m128i *)(const void *)ranges);

	while (end - q >= HTTP_SSE_LEN) {
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)q);
		int i = _mm_cmpestri(r, nbytes, b, HTTP_SSE_LEN, HTTP_SSE_RANGE);

		if (i != HTTP_SSE_LEN)
			return q + i;
		q += HTTP_SSE_LEN;
	}
	return q;
}

/* Field value: stop at CTLs but HTAB (0x00-0x08, 0x0a-0x1f) and DEL. */
static inline const uint8_t *
http_scan_value_sse42(const uint8_t *q, const uint8_t *end)
{
	static const char ranges[HTTP_SSE_LEN] __attribute__((aligned(16))) =
	        "\000\010\012\037\177\177";

	q = http_sse42_find(q, end, ranges, 6);
	return q < end && !mp_http_vchar[*q] ? q : http_scan_class(q, end, mp_http_vchar);
}

/* Request target: stop at 0x00-0x20 and 0x7f-0xff. */
static inline const uint8_t *
http_scan_target_sse42(const uint8_t *q, const uint8_t *end)
{
	static const char ranges[HTTP_SSE_LEN] __attribute__((aligned(16))) = "\000\040\177\377";

	q = http_sse42_find(q, end, ranges, 4);
	return q < end && !mp_http_target[*q] ? q : http_scan_class(q, end, mp_http_target);
}

/*
 * Token: eight ranges hold every non-token byte but also '|' and '~' (tokens, rare in
 * names), so a stop on those is checked against the table and the scan goes on.
 */
static inline const uint8_t *
http_scan_token_sse42(const uint8_t *q, const uint8_t *end)
{
	static const char ranges[HTTP_SSE_LEN] __attribute__((aligned(16))) = {
	        0x00, ' ', '"', '"', '(', ')', ',', ',', '/', '/', ':', '@', '[', ']', '{', '\xff'};

	for (;;) {
		q = http_sse42_find(q, end, ranges, HTTP_SSE_LEN);
		if (q == end || !mp_http_tchar[*q])
			return q;
		if (end - q < HTTP_SSE_LEN)
			return http_scan_class(q, end, mp_http_tchar);
		q++;
	}
}

#endif /* HTTP_SSE42_H */
