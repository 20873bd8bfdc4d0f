/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUBIC's arithmetic, exposed for the unit tests (tests/unit/test_tcp_cc.c) so they can hold
 * it against RFC 9438's formulas computed in floating point.
 */
#ifndef TCP_CC_PRIV_H
#define TCP_CC_PRIV_H

#include <stdint.h>

#include "tcp_cc.h"

/** floor(cbrt(x)), integer only. */
uint32_t
tcp_cc_cbrt(uint64_t x);

/** RFC 9438 K = cbrt((w_max - cwnd_epoch) / C) in ms, windows in bytes; 0 when w_max <= cwnd_epoch.
 */
uint32_t
tcp_cc_cubic_k_ms(uint32_t w_max, uint32_t cwnd_epoch, uint16_t mss);

/** W_cubic(t) = C * (t - K)^3 + W_max in bytes (0 at the least), from cc's w_max, k_ms, mss. */
uint64_t
tcp_cc_cubic_w(const struct mp_tcp_cc *cc, uint64_t t_us);

#endif /* TCP_CC_PRIV_H */
