/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The parser with SSE4.2 scanners: PCMPESTRI in range mode finds the first byte of a class of
 * ranges in 16 bytes (as picohttpparser does). Chosen at run time only on CPUs with SSE4.2,
 * so the whole file is compiled for it whatever the project's -march.
 */
#pragma GCC target("sse4.2")

#include <nmmintrin.h>

#include "http_priv.h"
#include "http_sse42.h"

#define HTTP_PARSE_FN     mp_http_parse_sse42
#define SCAN_TOKEN(q, e)  http_scan_token_sse42(q, e)
#define SCAN_TARGET(q, e) http_scan_target_sse42(q, e)
#define SCAN_VALUE(q, e)  http_scan_value_sse42(q, e)
#include "http_parse_impl.h"
