/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keyed sequence numbers for lib/tcp: initial sequence numbers (RFC 6528) and SYN cookies
 * (RFC 4987 section 3.6), both from SipHash-2-4 under a per-process secret.
 *
 * ISN = SipHash(secret, 4-tuple) + a clock ticking every 4 microseconds (RFC 9293 3.4.1), so
 * sequence spaces of successive incarnations of one 4-tuple move forward while an off-path
 * attacker cannot guess them.
 *
 * A SYN cookie is the ISN meshpath answers a SYN with when it keeps no state for it:
 *   bits 31..8  SipHash(secret, 4-tuple, peer ISN, minute counter) truncated to 24 bits
 *   bits  7..3  the low 5 bits of the minute counter (the cookie is valid for 2 minutes)
 *   bits  2..0  the index of the peer's MSS in a table of 8 common values (rounded down)
 * When the SYN carried timestamps, the low 6 bits of our TSval carry the rest of the SYN's
 * options (window scale 0-14 or "none", SACK-permitted), as Linux does, so a connection
 * rebuilt from a cookie keeps them.
 *
 * All functions are data-path safe and pure apart from reading the secret.
 */
#ifndef MP_TCP_COOKIE_H
#define MP_TCP_COOKIE_H

#include <stdbool.h>
#include <stdint.h>

/** The connection identity as the stack sees it; addresses and ports in network order. */
struct mp_tcp_tuple {
	uint8_t family;    /**< AF_INET or AF_INET6 */
	uint8_t pad[3];    /**< zero (the tuple is hashed as bytes) */
	uint16_t lport;    /**< meshpath's port */
	uint16_t rport;    /**< the peer's port */
	uint8_t laddr[16]; /**< IPv4 in the first 4 bytes, the rest zero */
	uint8_t raddr[16];
};

/** 128-bit SipHash key. */
struct mp_tcp_secret {
	uint64_t k[2];
};

/** Fill s from getrandom(). Control path. 0 or -errno. */
int
mp_tcp_secret_init(struct mp_tcp_secret *s);

/** SipHash-2-4 of len bytes under s (exposed for tests and for other keyed uses). */
uint64_t
mp_tcp_siphash(const struct mp_tcp_secret *s, const void *data, uint32_t len);

/** RFC 6528 initial sequence number for t at now_us (microseconds, monotonic). */
uint32_t
mp_tcp_isn(const struct mp_tcp_secret *s, const struct mp_tcp_tuple *t, uint64_t now_us);

/** The options a SYN cookie remembers. */
struct mp_tcp_cookie_opts {
	uint16_t mss;  /**< peer's MSS (the table value at or below what it sent) */
	int8_t wscale; /**< peer's window scale 0..14, or -1 when it sent none */
	bool sack_ok;  /**< peer sent SACK-permitted */
	bool ts_ok;    /**< peer sent timestamps (wscale and sack_ok only survive with them) */
};

/**
 * The cookie to send as our ISN in a SYN-ACK to a SYN from t with sequence peer_isn.
 * @param now_s  seconds, monotonic (the minute counter is now_s / 60)
 */
uint32_t
mp_tcp_cookie_make(const struct mp_tcp_secret *s, const struct mp_tcp_tuple *t, uint32_t peer_isn,
                   uint16_t peer_mss, uint64_t now_s);

/**
 * Check the ACK completing a cookie handshake: cookie = ack - 1, peer_isn = seq - 1. Accepts
 * cookies made in the current or the previous minute.
 * @param mss  set to the remembered MSS when valid
 * @return true when the cookie is ours and fresh
 */
bool
mp_tcp_cookie_check(const struct mp_tcp_secret *s, const struct mp_tcp_tuple *t, uint32_t peer_isn,
                    uint32_t cookie, uint64_t now_s, uint16_t *mss);

/** The low 6 bits to put in our TSval of the cookie SYN-ACK: encodes wscale and sack_ok. */
uint32_t
mp_tcp_cookie_ts_bits(const struct mp_tcp_cookie_opts *o);

/** Decode what mp_tcp_cookie_ts_bits() stored, from the TSecr of the completing ACK. */
void
mp_tcp_cookie_ts_decode(uint32_t tsecr, struct mp_tcp_cookie_opts *o);

#endif /* MP_TCP_COOKIE_H */
