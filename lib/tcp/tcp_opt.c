/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP option parsing (RFC 9293 3.1, RFC 7323, RFC 2018): bounds-checked before every read.
 * A malformed list (a length below 2 or past the header, a known option of the wrong size)
 * rejects the segment, the way Linux treats it; unknown options are skipped.
 */
#include <string.h>

#include <rte_byteorder.h>

#include "tcp_priv.h"

enum {
	OPT_EOL = 0,
	OPT_NOP = 1,
	OPT_MSS = 2,
	OPT_WS = 3,
	OPT_SACK_OK = 4,
	OPT_SACK = 5,
	OPT_TS = 8,
};

#define OPT_MSS_LEN     4
#define OPT_WS_LEN      3
#define OPT_SACK_OK_LEN 2
#define OPT_TS_LEN      10
#define OPT_SACK_BLOCK  8

static inline uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_32(v);
}

bool
tcp_opt_parse(const uint8_t *p, uint32_t len, bool syn, struct tcp_seg *sg)
{
	uint32_t i = 0;

	while (i < len) {
		uint8_t kind = p[i];
		uint8_t olen;

		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return false;
		olen = p[i + 1];
		if (olen < 2 || i + olen > len)
			return false;
		switch (kind) {
		case OPT_MSS:
			if (olen != OPT_MSS_LEN)
				return false;
			if (syn) {
				sg->has_mss = 1;
				sg->mss = (uint16_t)((p[i + 2] << 8) | p[i + 3]);
			}
			break;
		case OPT_WS:
			if (olen != OPT_WS_LEN)
				return false;
			if (syn) {
				sg->has_ws = 1;
				/* RFC 7323 2.3: larger shifts are treated as 14. */
				sg->wscale = RTE_MIN(p[i + 2], TCP_MAX_WSCALE);
			}
			break;
		case OPT_SACK_OK:
			if (olen != OPT_SACK_OK_LEN)
				return false;
			if (syn)
				sg->sack_ok = 1;
			break;
		case OPT_TS:
			if (olen != OPT_TS_LEN)
				return false;
			sg->has_ts = 1;
			sg->tsval = rd32(p + i + 2);
			sg->tsecr = rd32(p + i + 6);
			break;
		case OPT_SACK:
			if ((olen - 2) % OPT_SACK_BLOCK != 0)
				return false;
			for (uint32_t b = i + 2; b + OPT_SACK_BLOCK <= i + olen && sg->n_sack < 4;
			     b += OPT_SACK_BLOCK) {
				sg->sack[sg->n_sack].start = rd32(p + b);
				sg->sack[sg->n_sack].end = rd32(p + b + 4);
				sg->n_sack++;
			}
			break;
		default:
			break;
		}
		i += olen;
	}
	return true;
}
