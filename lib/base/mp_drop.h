/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Every reason meshpath drops a packet, declared once. Each reason is an enum value, a counter
 * in every worker and a name in the stats (telemetry and the exit report).
 *
 * To add a reason, add one MP_DROP() line below; nothing else needs to change.
 */
#ifndef MP_DROP_H
#define MP_DROP_H

/* MP_DROP(symbol, "name in stats", "what it means") */
#define MP_DROP_LIST(MP_DROP)                                                                     \
	MP_DROP(NONE, "none", "not a drop: parse succeeded")                                      \
	MP_DROP(ETH_TRUNC, "eth_truncated", "frame shorter than an Ethernet header")              \
	MP_DROP(VLAN_TRUNC, "vlan_truncated", "802.1Q tag cut short")                             \
	MP_DROP(VLAN_STACK, "vlan_too_many_tags", "more VLAN tags than the parser accepts")       \
	MP_DROP(ETHERTYPE, "ethertype_unknown", "EtherType meshpath does not handle")             \
	MP_DROP(VLAN_UNCONF, "vlan_not_configured", "tagged frame: no VLAN interface configured") \
	MP_DROP(L2_NOT_OURS, "l2_not_for_us", "unicast frame to another MAC address")             \
	MP_DROP(NOT_CONTIG, "headers_not_contiguous", "headers span mbuf segments")               \
	MP_DROP(ARP_TRUNC, "arp_truncated", "ARP packet shorter than its header")                 \
	MP_DROP(ARP_BAD, "arp_malformed", "ARP not Ethernet/IPv4, bad lengths or opcode")         \
	MP_DROP(ARP_NOT_OURS, "arp_not_for_us", "ARP for an address that is not ours")            \
	MP_DROP(IP4_TRUNC, "ipv4_truncated", "IPv4 header or total length beyond the frame")      \
	MP_DROP(IP4_VERSION, "ipv4_bad_version", "IPv4 version field is not 4")                   \
	MP_DROP(IP4_HDRLEN, "ipv4_bad_ihl", "IPv4 IHL below 5 or beyond total length")            \
	MP_DROP(IP4_TOTLEN, "ipv4_bad_total_length", "IPv4 total length below header length")     \
	MP_DROP(IP4_CSUM, "ipv4_bad_checksum", "IPv4 header checksum wrong")                      \
	MP_DROP(IP4_OPTS, "ipv4_bad_options", "IPv4 options malformed")                           \
	MP_DROP(IP4_SRC, "ipv4_bad_source", "IPv4 source is multicast, broadcast or loopback")    \
	MP_DROP(IP4_TTL, "ipv4_ttl_zero", "IPv4 TTL zero on arrival")                             \
	MP_DROP(IP6_TRUNC, "ipv6_truncated", "IPv6 header or payload length beyond the frame")    \
	MP_DROP(IP6_VERSION, "ipv6_bad_version", "IPv6 version field is not 6")                   \
	MP_DROP(IP6_EXT_TRUNC, "ipv6_ext_truncated", "IPv6 extension header beyond the payload")  \
	MP_DROP(IP6_EXT_LIMIT, "ipv6_ext_limit", "IPv6 extension chain longer than the bound")    \
	MP_DROP(IP6_EXT_ORDER, "ipv6_ext_bad_order", "Hop-by-Hop not first in the chain")         \
	MP_DROP(IP6_SRC, "ipv6_bad_source", "IPv6 source is multicast or loopback")               \
	MP_DROP(FRAGMENT, "fragment", "IP fragment: not reassembled")                             \
	MP_DROP(L4_TRUNC, "l4_truncated", "TCP/UDP/ICMP header beyond the IP payload")            \
	MP_DROP(TCP_HDRLEN, "tcp_bad_data_offset",                                                \
	        "TCP data offset below 5 or beyond the payload")                                  \
	MP_DROP(UDP_LEN, "udp_bad_length", "UDP length field disagrees with the IP payload")      \
	MP_DROP(L4_CSUM, "l4_bad_checksum", "TCP, UDP, ICMP or ICMPv6 checksum wrong")            \
	MP_DROP(ICMP_TYPE, "icmp_unhandled", "ICMP/ICMPv6 type meshpath does not answer")         \
	MP_DROP(NDP_BAD, "ndp_malformed", "NDP message failing RFC 4861 validity checks")         \
	MP_DROP(NOT_LOCAL, "not_local", "not addressed to meshpath and nothing forwards it")      \
	MP_DROP(NO_LISTENER, "no_listener", "TCP/UDP to an own address and port nothing serves")  \
	MP_DROP(L4_PROTO, "l4_protocol_unsupported",                                              \
	        "VIP/SNAT packet that is not TCP, UDP or an ICMP error")                          \
	MP_DROP(NO_FLOW, "l4_no_flow", "TCP non-SYN, reply or ICMP error matching no flow")       \
	MP_DROP(NO_ENDPOINT, "l4_no_endpoint_up", "every endpoint of the cluster is down")        \
	MP_DROP(FLOW_FULL, "l4_flow_table_full", "the worker's flow table is full")               \
	MP_DROP(SNAT_PORTS, "l4_snat_ports_exhausted", "no free SNAT port for a new flow")        \
	MP_DROP(NAT_FAILED, "l4_nat_failed", "packet could not be rewritten")                     \
	MP_DROP(ICMP_RATE, "icmp_error_rate_limited", "ICMP error not sent: over the rate limit") \
	MP_DROP(NO_SOURCE, "no_source_address", "no own address on the egress port to send from") \
	MP_DROP(NO_ROUTE, "no_route", "no route to the destination")                              \
	MP_DROP(NEIGH_QUEUE_FULL, "neigh_queue_full", "waiting-for-resolution queue full")        \
	MP_DROP(NEIGH_TABLE_FULL, "neigh_table_full", "neighbour table full")                     \
	MP_DROP(NEIGH_UNRESOLVED, "neigh_unresolved",                                             \
	        "neighbour never answered: queued packet dropped")                                \
	MP_DROP(MTU, "mtu_exceeded", "packet larger than the egress MTU")                         \
	MP_DROP(NO_MBUF, "no_mbuf", "mempool exhausted while building a packet")                  \
	MP_DROP(TX_FULL, "tx_full", "device TX queue full")                                       \
	MP_DROP(RING_FULL, "ring_full", "inter-worker ring full")                                 \
	MP_DROP(TCP_OPTS, "tcp_bad_options", "TCP option list malformed")                         \
	MP_DROP(TCP_FLAGS, "tcp_bad_flags", "TCP flag combination not accepted (SYN+RST, none)")  \
	MP_DROP(TCP_NO_CONN, "tcp_no_connection", "TCP segment for no connection or listener")    \
	MP_DROP(TCP_PAWS, "tcp_paws", "TCP timestamp older than the last one seen (RFC 7323)")    \
	MP_DROP(TCP_WINDOW, "tcp_out_of_window", "TCP segment outside the receive window")        \
	MP_DROP(TCP_ACK, "tcp_bad_ack", "TCP ACK for data never sent or too old (RFC 5961 5)")    \
	MP_DROP(TCP_NO_ACK, "tcp_no_ack", "TCP segment without ACK in a synchronized state")      \
	MP_DROP(TCP_RST, "tcp_rst_ignored", "TCP RST not at the expected sequence (RFC 5961 3)")  \
	MP_DROP(TCP_SYN, "tcp_syn_in_window", "TCP SYN on an open connection (RFC 5961 4)")       \
	MP_DROP(TCP_CONN_LIMIT, "tcp_connection_limit", "no free TCP connection in the worker")   \
	MP_DROP(TCP_BACKLOG, "tcp_syn_backlog_full", "SYN backlog full and SYN cookies off")      \
	MP_DROP(TCP_COOKIE, "tcp_bad_cookie", "ACK for no connection with an invalid cookie")     \
	MP_DROP(TCP_OOO_FULL, "tcp_ooo_full", "out-of-order segment over the byte limits")        \
	MP_DROP(TCP_DUP, "tcp_duplicate", "TCP segment carrying only data already received")      \
	MP_DROP(TCP_CLOSED, "tcp_after_close", "TCP data after the application closed")

enum mp_drop {
#define MP_DROP_ENUM(sym, name, desc) MP_DROP_##sym,
	MP_DROP_LIST(MP_DROP_ENUM)
#undef MP_DROP_ENUM
	        MP_DROP_MAX,
};

/** Name of a drop reason as it appears in stats, or "?" when out of range. */
const char *
mp_drop_name(enum mp_drop d);

/** One-line description of a drop reason. */
const char *
mp_drop_desc(enum mp_drop d);

#endif /* MP_DROP_H */
