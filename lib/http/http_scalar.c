/* SPDX-License-Identifier: BSD-3-Clause */
/* The parser with table-driven scalar scanners: runs anywhere, and is what the vector
 * variants fall back to for the last bytes of a buffer. */
#include "http_priv.h"

#define HTTP_PARSE_FN     mp_http_parse_scalar
#define SCAN_TOKEN(q, e)  http_scan_class(q, e, mp_http_tchar)
#define SCAN_TARGET(q, e) http_scan_class(q, e, mp_http_target)
#define SCAN_VALUE(q, e)  http_scan_class(q, e, mp_http_vchar)
#include "http_parse_impl.h"
