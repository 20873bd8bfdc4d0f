/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Toeplitz hash a device's RSS computes, so meshpath can predict the queue a packet will
 * arrive on. Connections meshpath opens itself (SNAT flows, upstream TCP) pick a local port
 * whose replies the device delivers to the opening worker's own queue, and no packet of the
 * flow has to change cores.
 *
 * Toeplitz is linear over XOR: hash(a ^ b) = hash(a) ^ hash(b). The hash of a reply tuple is
 * the hash of its fixed part (addresses, the peer's port) XOR the contribution of each set bit
 * of the one port meshpath chooses, and those 16 contributions are precomputed per family: a
 * candidate port costs 16 XORs instead of a full hash.
 */
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>

#include "mp_net.h"

/* Where the destination port starts in the hashed input: addresses, then source port. */
#define RSS_DPORT_BIT4 ((4 + 4 + 2) * 8)
#define RSS_DPORT_BIT6 ((16 + 16 + 2) * 8)

/* The 32 key bits starting at bit `bit` of the key (bits past the end read as zero). */
static uint32_t
rss_key_window(const uint8_t *key, uint32_t key_len, uint32_t bit)
{
	uint32_t byte = bit / 8, shift = bit % 8, i;
	uint64_t w = 0;

	for (i = 0; i < 5; i++)
		w = (w << 8) | (byte + i < key_len ? key[byte + i] : 0);
	return (uint32_t)(w >> (8 - shift));
}

uint32_t
mp_net_toeplitz(const uint8_t *key, uint32_t key_len, const uint8_t *in, uint32_t len)
{
	uint32_t hash = 0, i;
	int b;

	for (i = 0; i < len; i++)
		for (b = 7; b >= 0; b--)
			if (in[i] & (1u << b))
				hash ^= rss_key_window(key, key_len, i * 8 + (uint32_t)(7 - b));
	return hash;
}

void
mp_net_rss_init(struct mp_net_rss *r, const uint8_t *key, uint16_t key_len, const uint16_t *reta,
                uint16_t reta_size, bool l4)
{
	unsigned int b;

	memset(r, 0, sizeof(*r));
	if (key_len > MP_NET_RSS_KEY_MAX || reta_size == 0 || reta_size > MP_NET_RSS_RETA_MAX ||
	    (reta_size & (reta_size - 1)) != 0)
		return; /* not predictable: known stays false */
	memcpy(r->key, key, key_len);
	memcpy(r->reta, reta, reta_size * sizeof(reta[0]));
	r->key_len = key_len;
	r->reta_size = reta_size;
	r->l4 = l4;
	/* Bit b of the port value (b = 0 is the least significant) is input bit 15 - b. */
	for (b = 0; b < 16; b++) {
		r->dport_win4[b] = rss_key_window(key, key_len, RSS_DPORT_BIT4 + 15 - b);
		r->dport_win6[b] = rss_key_window(key, key_len, RSS_DPORT_BIT6 + 15 - b);
	}
	r->known = true;
}

/* Input bytes in the device's order: source address, destination address, source port,
 * destination port (all network order). Returns the length hashed. */
static uint32_t
rss_input(const struct mp_net_rss *r, int family, const uint8_t *src, const uint8_t *dst,
          rte_be16_t sport, rte_be16_t dport, uint8_t in[36])
{
	uint32_t alen = family == AF_INET ? 4 : 16;

	memcpy(in, src, alen);
	memcpy(in + alen, dst, alen);
	if (!r->l4)
		return 2 * alen;
	memcpy(in + 2 * alen, &sport, 2);
	memcpy(in + 2 * alen + 2, &dport, 2);
	return 2 * alen + 4;
}

uint32_t
mp_net_rss_hash(const struct mp_net_rss *r, int family, const uint8_t *src, const uint8_t *dst,
                rte_be16_t sport, rte_be16_t dport)
{
	uint8_t in[36];
	uint32_t len = rss_input(r, family, src, dst, sport, dport, in);

	return mp_net_toeplitz(r->key, r->key_len, in, len);
}

uint16_t
mp_net_rss_queue(const struct mp_net_rss *r, int family, const uint8_t *src, const uint8_t *dst,
                 rte_be16_t sport, rte_be16_t dport)
{
	return r->reta[mp_net_rss_hash(r, family, src, dst, sport, dport) & (r->reta_size - 1u)];
}

uint16_t
mp_net_rss_pick_dport(const struct mp_net_rss *r, int family, const uint8_t *src,
                      const uint8_t *dst, rte_be16_t sport, uint16_t queue, uint16_t n_workers,
                      uint16_t worker, uint16_t min_port, uint32_t start, uint32_t tries)
{
	const uint32_t *win = family == AF_INET ? r->dport_win4 : r->dport_win6;
	uint32_t lo = (min_port + n_workers - 1u) / n_workers * n_workers + worker;
	uint32_t slots, base, i;

	if (!r->known || !r->l4 || lo > UINT16_MAX)
		return 0;
	slots = (UINT16_MAX - lo) / n_workers + 1;
	base = mp_net_rss_hash(r, family, src, dst, sport, 0);
	for (i = 0; i < tries && i < slots; i++) {
		uint32_t port = lo + ((start + i) % slots) * n_workers, h = base, b;

		for (b = 0; b < 16; b++)
			if (port & (1u << b))
				h ^= win[b];
		if (r->reta[h & (r->reta_size - 1u)] == queue)
			return (uint16_t)port;
	}
	return 0;
}
