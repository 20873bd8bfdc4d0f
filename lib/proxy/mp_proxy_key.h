/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The hash keys of HTTP requests for ring_hash and Maglev clusters (a route's `hash`): the
 * value of a header, of a cookie or the client's address, hashed to a well-mixed 64-bit key.
 * Pure functions: no state, no allocation; data-path safe.
 */
#ifndef MP_PROXY_KEY_H
#define MP_PROXY_KEY_H

#include <stdbool.h>
#include <stdint.h>

#include "mp_route.h"

/**
 * A 64-bit key of len bytes: FNV-1a, then MurmurHash3's 64-bit finalizer, so that every bit
 * of the key depends on every byte (the ring and Maglev read its top or low bits). The same
 * bytes give the same key in every process.
 */
uint64_t
mp_proxy_key_hash(const void *p, uint32_t len);

/**
 * The value of cookie `name` in one Cookie header's value ("a=1; sid=x"; RFC 6265 5.4: pairs
 * separated by ";" and optional white space). Names are compared as written; the first pair of
 * that name wins. White space around the value is not part of it.
 * @return true with *value set (possibly empty) when the cookie is there
 */
bool
mp_proxy_key_cookie(struct mp_route_str header_value, struct mp_route_str name,
                    struct mp_route_str *value);

#endif /* MP_PROXY_KEY_H */
