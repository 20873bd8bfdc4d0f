/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-worker counters. Each worker owns one struct mp_counters and is its only writer; the
 * control thread and telemetry read it without locks (aligned 64-bit loads are atomic on the
 * platforms DPDK supports, and a counter read a few cycles late is fine). Summing across
 * workers happens in lib/stats, never on the data path.
 */
#ifndef MP_COUNTERS_H
#define MP_COUNTERS_H

#include <stdint.h>

#include <rte_common.h>

#include "mp_base.h"
#include "mp_drop.h"

/* MP_EVENT(symbol, "name in stats") : things the data path did, other than drops. */
#define MP_EVENT_LIST(MP_EVENT)                                          \
	MP_EVENT(ARP_REQ_IN, "arp_requests_in")                          \
	MP_EVENT(ARP_REPLY_IN, "arp_replies_in")                         \
	MP_EVENT(ARP_REPLY_OUT, "arp_replies_out")                       \
	MP_EVENT(ARP_REQ_OUT, "arp_requests_out")                        \
	MP_EVENT(NDP_NS_IN, "ndp_solicitations_in")                      \
	MP_EVENT(NDP_NA_IN, "ndp_advertisements_in")                     \
	MP_EVENT(NDP_NA_OUT, "ndp_advertisements_out")                   \
	MP_EVENT(NDP_NS_OUT, "ndp_solicitations_out")                    \
	MP_EVENT(ICMP_ECHO_OUT, "icmp_echo_replies_out")                 \
	MP_EVENT(ICMP6_ECHO_OUT, "icmp6_echo_replies_out")               \
	MP_EVENT(NEIGH_SHARED_OUT, "neigh_updates_shared")               \
	MP_EVENT(NEIGH_SHARED_IN, "neigh_updates_received")              \
	MP_EVENT(L4_STEERED_OUT, "l4_packets_steered_to_other_workers")  \
	MP_EVENT(L4_STEERED_IN, "l4_packets_steered_from_other_workers") \
	MP_EVENT(L4_FLOWS_OPENED, "l4_flows_opened")                     \
	MP_EVENT(L4_FLOWS_CLOSED, "l4_flows_closed")                     \
	MP_EVENT(L4_SNAT_RSS, "l4_snat_ports_chosen_by_rss")             \
	MP_EVENT(L4_SNAT_RSS_MISS, "l4_snat_ports_rss_not_found")        \
	MP_EVENT(L4_ICMP_TRANSLATED, "l4_icmp_errors_translated")        \
	MP_EVENT(RST_OUT, "tcp_resets_sent")                             \
	MP_EVENT(ICMP_UNREACH_OUT, "icmp_port_unreachable_sent")         \
	MP_EVENT(CSUM_SW_VERIFIED, "checksums_verified_in_software")     \
	MP_EVENT(CSUM_HW_VERIFIED, "checksums_verified_by_device")       \
	MP_EVENT(ALOG_QUEUED, "access_log_records_queued")               \
	MP_EVENT(ALOG_DROPPED, "access_log_records_dropped")

enum mp_event {
#define MP_EVENT_ENUM(sym, name) MP_EV_##sym,
	MP_EVENT_LIST(MP_EVENT_ENUM)
#undef MP_EVENT_ENUM
	        MP_EV_MAX,
};

/** Name of an event counter as it appears in stats. */
const char *
mp_event_name(enum mp_event e);

struct mp_port_counters {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
};

struct mp_counters {
	struct mp_port_counters port[MP_MAX_PORTS];
	uint64_t drops[MP_DROP_MAX];
	uint64_t events[MP_EV_MAX];
	/* Poll accounting: TSC cycles spent in loop iterations that received packets (busy) and
	 * in those that found none (idle). busy_cycles / rx packets is the CPU cost per packet of
	 * a poll-mode core, which always shows 100% in top. */
	uint64_t busy_cycles;
	uint64_t idle_cycles;
	uint64_t busy_polls;
	uint64_t idle_polls;
} __rte_cache_aligned;

/** Count one drop: the data path's only reaction to a bad packet besides freeing it. */
static inline void
mp_count_drop(struct mp_counters *c, enum mp_drop d)
{
	c->drops[d]++;
}

static inline void
mp_count_event(struct mp_counters *c, enum mp_event e)
{
	c->events[e]++;
}

#endif /* MP_COUNTERS_H */
