/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The parser with AVX2 scanners: 32 bytes per step, classes tested with compares (values,
 * targets) or an exact nibble lookup (tokens); the SSE4.2 scanners finish buffers shorter
 * than a vector. Chosen at run time only on CPUs with AVX2, so the whole file is compiled for
 * it whatever the project's -march (the DPDK pkg-config sets corei7).
 */
#pragma GCC target("avx2,sse4.2,bmi")

#include <immintrin.h>

#include "http_priv.h"
#include "http_sse42.h"

#define HTTP_AVX_LEN 32

/* Bit i set when byte i of the vector is outside the class; find the first. */
#define HTTP_AVX_SCAN(q, end, mask_expr, tail)                                              \
	do {                                                                                \
		while ((end) - (q) >= HTTP_AVX_LEN) {                                       \
			__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(q)); \
			uint32_t m = (uint32_t)_mm256_movemask_epi8(mask_expr);             \
			if (m != 0)                                                         \
				return (q) + __builtin_ctz(m);                              \
			(q) += HTTP_AVX_LEN;                                                \
		}                                                                           \
		return tail((q), (end));                                                    \
	} while (0)

/* b <= x, unsigned */
static inline __m256i
le_u8(__m256i b, uint8_t x)
{
	return _mm256_cmpeq_epi8(_mm256_min_epu8(b, _mm256_set1_epi8((char)x)), b);
}

/* b >= x, unsigned */
static inline __m256i
ge_u8(__m256i b, uint8_t x)
{
	return _mm256_cmpeq_epi8(_mm256_max_epu8(b, _mm256_set1_epi8((char)x)), b);
}

/* Stop at 0x00-0x1f but HTAB, and at DEL. */
static inline __m256i
value_stop(__m256i b)
{
	__m256i ctl =
	        _mm256_andnot_si256(_mm256_cmpeq_epi8(b, _mm256_set1_epi8('\t')), le_u8(b, 0x1f));

	return _mm256_or_si256(ctl, _mm256_cmpeq_epi8(b, _mm256_set1_epi8(0x7f)));
}

/* Stop at 0x00-0x20 and 0x7f-0xff. */
static inline __m256i
target_stop(__m256i b)
{
	return _mm256_or_si256(le_u8(b, 0x20), ge_u8(b, 0x7f));
}

/*
 * Stop at non-token bytes. Row lo of `rows` has bit hi set when byte (hi << 4 | lo) is a
 * token character (hi < 8); `cols` turns hi into that bit, and into 0 for bytes >= 0x80.
 */
static inline __m256i
token_stop(__m256i b)
{
	const __m256i rows = _mm256_setr_epi8(
	        (char)0xe8, (char)0xfc, (char)0xf8, (char)0xfc, (char)0xfc, (char)0xfc, (char)0xfc,
	        (char)0xfc, (char)0xf8, (char)0xf8, (char)0xf4, 0x54, (char)0xd0, 0x54, (char)0xf4,
	        0x70, (char)0xe8, (char)0xfc, (char)0xf8, (char)0xfc, (char)0xfc, (char)0xfc,
	        (char)0xfc, (char)0xfc, (char)0xf8, (char)0xf8, (char)0xf4, 0x54, (char)0xd0, 0x54,
	        (char)0xf4, 0x70);
	const __m256i cols =
	        _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, (char)128, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4,
	                         8, 16, 32, 64, (char)128, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m256i nib = _mm256_set1_epi8(0x0f);
	__m256i lo = _mm256_and_si256(b, nib);
	__m256i hi = _mm256_and_si256(_mm256_srli_epi16(b, 4), nib);
	__m256i hit =
	        _mm256_and_si256(_mm256_shuffle_epi8(rows, lo), _mm256_shuffle_epi8(cols, hi));

	return _mm256_cmpeq_epi8(hit, _mm256_setzero_si256());
}

static inline const uint8_t *
scan_value_avx2(const uint8_t *q, const uint8_t *end)
{
	HTTP_AVX_SCAN(q, end, value_stop(b), http_scan_value_sse42);
}

static inline const uint8_t *
scan_target_avx2(const uint8_t *q, const uint8_t *end)
{
	HTTP_AVX_SCAN(q, end, target_stop(b), http_scan_target_sse42);
}

static inline const uint8_t *
scan_token_avx2(const uint8_t *q, const uint8_t *end)
{
	HTTP_AVX_SCAN(q, end, token_stop(b), http_scan_token_sse42);
}

#define HTTP_PARSE_FN     mp_http_parse_avx2
#define SCAN_TOKEN(q, e)  scan_token_avx2(q, e)
#define SCAN_TARGET(q, e) scan_target_avx2(q, e)
#define SCAN_VALUE(q, e)  scan_value_avx2(q, e)
#include "http_parse_impl.h"
