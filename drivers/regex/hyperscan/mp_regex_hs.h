/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The regex ops (mp_regex.h) on Hyperscan, block mode.
 *
 * Every pattern is compiled with HS_FLAG_SINGLEMATCH (a scan reports an id once: routing wants
 * to know whether, not where), HS_FLAG_DOTALL ('.' also matches a newline, so a pattern means
 * the same on any bytes) and HS_FLAG_ALLOWEMPTY (".*" is a valid pattern for an empty header
 * value). MP_REGEX_F_WHOLE anchors each pattern at both ends, \A(?:pattern)\z, so it matches
 * the whole buffer, as Envoy's safe_regex does; the pattern is first checked alone, so an
 * unbalanced ')' cannot escape the group.
 */
#ifndef MP_REGEX_HS_H
#define MP_REGEX_HS_H

#include "mp_regex.h"

/** The Hyperscan implementation of the regex ops; static, never freed. */
const struct mp_regex_ops *
mp_regex_hs_ops(void);

#endif /* MP_REGEX_HS_H */
