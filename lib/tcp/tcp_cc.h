/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control for lib/tcp: CUBIC (RFC 9438, the default) and NewReno (RFC 5681 window
 * growth; the RFC 6582 partial-ACK handling lives in the loss-recovery code of the stack).
 *
 * This file only moves cwnd and ssthresh. The stack decides when a congestion event happened
 * (three duplicate ACKs, SACK loss detection, an RTO), runs loss recovery, and asks here how big
 * the window is. The state is embedded in every connection, so it stays small (<= 48 bytes).
 * Every function is data-path safe: no allocation, no floating point, no division in the ACK
 * path beyond integer arithmetic.
 */
#ifndef MP_TCP_CC_H
#define MP_TCP_CC_H

#include <stdint.h>

enum mp_tcp_cc_algo {
	MP_TCP_CC_CUBIC = 0,
	MP_TCP_CC_NEWRENO,
};

struct mp_tcp_cc {
	uint32_t cwnd;     /**< congestion window, bytes */
	uint32_t ssthresh; /**< slow-start threshold, bytes; UINT32_MAX until the first loss */
	uint16_t mss;      /**< sender MSS, bytes */
	uint8_t algo;      /**< enum mp_tcp_cc_algo */
	uint8_t in_recovery;
	uint32_t acked; /**< bytes acked in congestion avoidance not yet turned into cwnd */
	/* CUBIC (RFC 9438 section 4); unused by NewReno */
	uint32_t w_max;          /**< window before the last reduction, bytes */
	uint32_t w_est;          /**< Reno-friendly estimate (section 4.3), bytes */
	uint32_t k_ms;           /**< time to reach w_max again, ms */
	uint32_t cwnd_epoch;     /**< cwnd at the start of the epoch, bytes */
	uint64_t epoch_start_us; /**< start of the congestion-avoidance epoch; 0: none yet */
};

/**
 * Start a connection's window: cwnd = the RFC 6928 initial window (iw_segments * mss, at most
 * what RFC 5681 section 3.1 allows when iw_segments is 0), ssthresh = UINT32_MAX.
 */
void
mp_tcp_cc_init(struct mp_tcp_cc *cc, enum mp_tcp_cc_algo algo, uint16_t mss, uint32_t iw_segments);

/**
 * New data acknowledged outside loss recovery: grow the window (slow start below ssthresh,
 * then congestion avoidance of the chosen algorithm).
 * @param acked    bytes newly acknowledged by this ACK
 * @param flight   bytes in flight before this ACK (growth is limited when cwnd is not used:
 *                 RFC 9438 section 4.8 / RFC 7661)
 * @param now_us   current time, microseconds (any monotonic origin)
 * @param srtt_us  smoothed RTT, microseconds (0 when no sample yet)
 */
void
mp_tcp_cc_on_ack(struct mp_tcp_cc *cc, uint32_t acked, uint32_t flight, uint64_t now_us,
                 uint32_t srtt_us);

/**
 * A congestion event detected by duplicate ACKs or SACK (not an RTO): set ssthresh and cwnd
 * for fast recovery (NewReno: max(flight / 2, 2 * mss); CUBIC: beta_cubic = 0.7 with fast
 * convergence) and mark the connection in recovery. Called once per recovery episode.
 */
void
mp_tcp_cc_on_congestion(struct mp_tcp_cc *cc, uint32_t flight, uint64_t now_us);

/** Loss recovery ended (the recovery point was acknowledged): cwnd = ssthresh. */
void
mp_tcp_cc_on_recovery_end(struct mp_tcp_cc *cc);

/**
 * The retransmission timer expired: ssthresh as for a congestion event (first RTO of a
 * back-off series only: pass first = 0 for the later ones) and cwnd = 1 * mss (RFC 5681 (4)).
 */
void
mp_tcp_cc_on_rto(struct mp_tcp_cc *cc, uint32_t flight, uint64_t now_us, int first);

/** The connection was idle for more than an RTO: restart from the initial window (RFC 5681
 * section 4.1), keeping ssthresh. */
void
mp_tcp_cc_on_idle(struct mp_tcp_cc *cc, uint32_t iw_segments);

#endif /* MP_TCP_CC_H */
