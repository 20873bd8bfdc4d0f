/* SPDX-License-Identifier: BSD-3-Clause */
/* The hash keys of requests for hashing clusters: mp_proxy_key.h. */
#include <string.h>

#include "mp_proxy_key.h"

uint64_t
mp_proxy_key_hash(const void *v, uint32_t len)
{
	const uint8_t *p = v;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (uint32_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static inline bool
key_ws(uint8_t c)
{
	return c == ' ' || c == '\t';
}

bool
mp_proxy_key_cookie(struct mp_route_str header_value, struct mp_route_str name,
                    struct mp_route_str *value)
{
	const uint8_t *p = (const uint8_t *)header_value.p, *end = p + header_value.len;

	while (p < end) {
		const uint8_t *semi = memchr(p, ';', (size_t)(end - p)), *eq, *v, *e;

		if (semi == NULL)
			semi = end;
		while (p < semi && key_ws(*p))
			p++;
		eq = memchr(p, '=', (size_t)(semi - p));
		if (eq != NULL && (uint32_t)(eq - p) == name.len &&
		    memcmp(p, name.p, name.len) == 0) {
			for (v = eq + 1; v < semi && key_ws(*v); v++)
				;
			for (e = semi; e > v && key_ws(e[-1]); e--)
				;
			*value = (struct mp_route_str){.p = (const char *)v,
			                               .len = (uint32_t)(e - v)};
			return true;
		}
		p = semi + 1;
	}
	return false;
}
