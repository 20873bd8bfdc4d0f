#!/usr/bin/python3
"""Send bursts of malformed or unwanted frames at meshpath and print, as JSON, the drop
counters each burst must raise: {"counter name": expected increase}.

usage: malformed.py IFACE DST_MAC SRC_IP4 DST_IP4 SRC_IP6 DST_IP6 COUNT [+KIND,..|-KIND,..]
The last argument keeps only (+) or leaves out (-) the named kinds: af_packet ports never see
IP fragments, because the PMD's fanout group asks the kernel to reassemble them first.
Run inside the namespace that owns IFACE. Every frame is addressed to meshpath's own MAC and
addresses (never elsewhere); each kind hits exactly one named drop reason.
"""
import json
import sys

from scapy.all import (ARP, ICMP, IP, UDP, TCP, Dot1Q, Ether, ICMPv6EchoRequest, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop, Raw, conf, get_if_hwaddr, sendp)

conf.verb = 0
iface, dst_mac, src4, dst4, src6, dst6, count = sys.argv[1:8]
count = int(count)
select = sys.argv[8] if len(sys.argv) > 8 else "-"
src_mac = get_if_hwaddr(iface)
eth = Ether(dst=dst_mac, src=src_mac)


def ip4_raw(**kw):
    """An IPv4 echo request to meshpath, built then serialised so fields can be broken."""
    return bytearray(bytes(eth / IP(src=src4, dst=dst4, **kw) / ICMP() / Raw(b"x" * 16)))


def with_bad_ip_csum():
    b = ip4_raw()
    b[14 + 10] ^= 0xFF
    return bytes(b)


def with_total_length(n):
    b = ip4_raw()
    b[14 + 2:14 + 4] = n.to_bytes(2, "big")
    return bytes(b)


def with_byte(off, value):
    b = ip4_raw()
    b[off] = value
    return bytes(b)


arp_bad = bytearray(bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=src_mac) /
                          ARP(op=1, psrc=src4, pdst=dst4, hwsrc=src_mac)))
arp_bad[14 + 4] = 8  # hardware address length 8: not Ethernet

kinds = [
    ("ipv4_bad_checksum", with_bad_ip_csum()),
    ("l4_bad_checksum", bytes(eth / IP(src=src4, dst=dst4) / ICMP(chksum=0x1234))),
    ("l4_bad_checksum", bytes(eth / IP(src=src4, dst=dst4) / UDP(sport=1, dport=9, chksum=0x1234)
                              / Raw(b"payload"))),
    ("ipv4_truncated", with_total_length(1400)),
    ("ipv4_bad_total_length", with_total_length(10)),
    ("ipv4_bad_ihl", with_byte(14, 0x44)),
    ("ipv4_bad_version", with_byte(14, 0x55)),
    ("ipv4_bad_source", bytes(eth / IP(src="224.0.0.9", dst=dst4) / ICMP())),
    ("tcp_bad_data_offset", bytes(eth / IP(src=src4, dst=dst4) / TCP(dataofs=15))),
    ("udp_bad_length", bytes(eth / IP(src=src4, dst=dst4) / UDP(sport=1, dport=9, len=200)
                             / Raw(b"x" * 8))),
    ("l4_truncated", bytes(eth / IP(src=src4, dst=dst4, proto=6) / Raw(b"\x00" * 10))),
    ("fragment", bytes(eth / IP(src=src4, dst=dst4, flags="MF") / ICMP() / Raw(b"x" * 16))),
    ("icmp_unhandled", bytes(eth / IP(src=src4, dst=dst4) / ICMP(type=13))),
    ("no_listener", bytes(eth / IP(src=src4, dst=dst4) / UDP(sport=1, dport=9) / Raw(b"hi"))),
    ("ipv6_ext_limit", bytes(eth / IPv6(src=src6, dst=dst6) /
                             (IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                              IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                              IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                              IPv6ExtHdrDestOpt()) / ICMPv6EchoRequest())),
    ("ipv6_ext_bad_order", bytes(eth / IPv6(src=src6, dst=dst6) / IPv6ExtHdrDestOpt() /
                                 IPv6ExtHdrHopByHop() / ICMPv6EchoRequest())),
    ("ipv6_bad_source", bytes(eth / IPv6(src="ff02::5", dst=dst6) / ICMPv6EchoRequest())),
    ("vlan_not_configured", bytes(eth / Dot1Q(vlan=5) / IP(src=src4, dst=dst4) / ICMP())),
    ("vlan_too_many_tags", bytes(eth / Dot1Q(vlan=5) / Dot1Q(vlan=6) / Dot1Q(vlan=7) /
                                 IP(src=src4, dst=dst4) / ICMP())),
    ("arp_malformed", bytes(arp_bad)),
    ("ethertype_unknown", bytes(eth)[:12] + b"\x88\xb5" + b"\x00" * 46),
    ("l2_not_for_us", bytes(Ether(dst="02:00:00:00:00:99", src=src_mac) /
                            IP(src=src4, dst=dst4) / ICMP())),
]

names = set(select[1:].split(",")) - {""}
kinds = [(n, f) for n, f in kinds if (n in names) == (select[0] == "+")]
expected = {}
frames = []
for name, frame in kinds:
    expected[name] = expected.get(name, 0) + count
    frames.append(frame)
# Interleave the kinds so a burst mixes good and bad parsing paths.
sendp([Raw(f) for _ in range(count) for f in frames], iface=iface)
print(json.dumps(expected))
