#!/usr/bin/env bash
# End to end, L2/L3: the real meshpath with two workers and two ports, one af_packet port on a
# veth and one tap port, each facing a network namespace. Asserts that ping and ping -6 get
# answers from meshpath's addresses (link-local too), that replies follow static routes through
# a gateway whose MAC meshpath resolves, that unroutable and unresolvable replies are counted,
# that a burst of malformed frames raises exactly the right drop counters while pings keep
# being answered, and that SIGTERM stops meshpath cleanly.
#
# usage: test_l3.sh MESHPATH_BINARY      (as root)
source "$(dirname "$0")/lib.sh"
need_root
BIN=$(realpath "$1")
HERE=$(dirname "$(realpath "$0")")
PY=/usr/bin/python3

NSA="mpa-$E2E_ID"
NSB="mpb-$E2E_ID"
VA="mpva$E2E_ID"  # root side of the veth, DPDK af_packet port "a"
TB="mptb$E2E_ID"  # tap created by meshpath, moved into $NSB, port "b"
WORKERS=${E2E_WORKERS:-2}
COUNT=${E2E_MALFORMED_COUNT:-40}

netns_add "$NSA"
netns_add "$NSB"
veth_to_ns "$NSA" va0 "$VA"
ip -n "$NSA" addr add 10.11.0.1/24 dev va0
ip -n "$NSA" addr add fd00:11::1/64 dev va0 nodad
# Off-link sources, reachable from meshpath only through its static routes via 10.11.0.1.
ip -n "$NSA" addr add 10.21.0.1/32 dev lo
ip -n "$NSA" addr add fd00:21::1/128 dev lo
ip -n "$NSA" addr add 10.99.0.1/32 dev lo   # no route back: replies are counted as no_route
ip -n "$NSA" addr add 10.31.0.1/32 dev lo   # routed via a gateway that never answers ARP
ip -n "$NSA" route add 10.12.0.0/24 via 10.11.0.254  # port b's subnet, behind meshpath

lcores=1 cpus=1
if [ "$WORKERS" -eq 2 ]; then lcores="1, 2" cpus="1, 1"; fi
cat >"$E2E_DIR/e2e.conf" <<CONF
eal = { args = ["--no-pci", "--no-huge", "-m", "512", "--no-shconf"]; };
workers = { main_lcore = 0; lcores = [$lcores]; cpus = [$cpus]; burst = 32; };
neighbour = { retrans_ms = 200; probes = 3; };
ports = (
	{ name = "a"; device = "net_af_packet0,iface=$VA,qpairs=$WORKERS";
	  addresses = ["10.11.0.254/24", "fd00:11::fe/64"]; },
	{ name = "b"; device = "net_tap0,iface=$TB";
	  addresses = ["10.12.0.254/24", "fd00:12::fe/64"]; }
);
routes = (
	{ dst = "10.21.0.0/24"; gateway = "10.11.0.1"; },
	{ dst = "fd00:21::/64"; gateway = "fd00:11::1"; },
	{ dst = "10.31.0.0/24"; gateway = "10.11.0.99"; }
);
CONF
"$BIN" --check "$E2E_DIR/e2e.conf" >/dev/null || die "test config rejected"

meshpath_start "$BIN" "$E2E_DIR/e2e.conf"

# The tap appears when meshpath starts; give it to namespace B with its own MAC (the tap PMD
# gives the kernel side the port's MAC, and two hosts must not share one).
ip link set "$TB" netns "$NSB"
ip -n "$NSB" link set "$TB" address 02:00:00:00:0b:01
ip -n "$NSB" addr add 10.12.0.1/24 dev "$TB"
ip -n "$NSB" addr add fd00:12::1/64 dev "$TB" nodad
ip -n "$NSB" link set "$TB" up

mac_a=$(sed -n 's/.*port a: .*(ethdev [0-9]*, [a-z_]*) \([0-9A-F:]*\) .*/\1/p' "$E2E_DIR/meshpath.log")
mac_b=$(sed -n 's/.*port b: .*(ethdev [0-9]*, [a-z_]*) \([0-9A-F:]*\) .*/\1/p' "$E2E_DIR/meshpath.log")
[ -n "$mac_a" ] && [ -n "$mac_b" ] || die "port MACs not in the log"
ll_a=$($PY -c 'import sys, ipaddress
m = [int(x, 16) for x in sys.argv[1].split(":")]
b = bytes([0xfe, 0x80] + [0] * 6 + [m[0] ^ 2, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]])
print(ipaddress.IPv6Address(b))' "$mac_a")

pings() { # NS COUNT ARGS...: true when every echo got a reply
	local ns=$1 n=$2
	shift 2
	ip netns exec "$ns" ping -q -c "$n" -i 0.1 -W 2 "$@" >"$E2E_DIR/ping.out" 2>&1
	grep -q " $n received" "$E2E_DIR/ping.out"
}
drop() { counter /meshpath/drops "$1"; }

check "ping meshpath on the af_packet port" pings "$NSA" 5 10.11.0.254
check "ping -6 meshpath on the af_packet port" pings "$NSA" 5 -6 fd00:11::fe
check "ping -6 meshpath's link-local address $ll_a" pings "$NSA" 3 -6 -I va0 "$ll_a"
check "ping meshpath on the tap port" pings "$NSB" 5 10.12.0.254
check "ping -6 meshpath on the tap port" pings "$NSB" 5 -6 fd00:12::fe
check "ping an address of port b through port a" pings "$NSA" 3 10.12.0.254
check "reply routed via the static route's gateway" pings "$NSA" 5 -I 10.21.0.1 10.11.0.254
check "IPv6 reply routed via the static route's gateway" pings "$NSA" 5 -6 -I fd00:21::1 fd00:11::fe

before=$(drop no_route)
ip netns exec "$NSA" ping -q -c 3 -i 0.1 -W 1 -I 10.99.0.1 10.11.0.254 >/dev/null 2>&1 || true
after=$(drop no_route)
check "replies without a route counted as no_route ($before -> $after)" [ $((after - before)) -ge 3 ]

before=$(drop neigh_unresolved)
ip netns exec "$NSA" ping -q -c 2 -i 0.1 -W 1 -I 10.31.0.1 10.11.0.254 >/dev/null 2>&1 || true
sleep 1.5 # 3 probes 200 ms apart, then the held replies are dropped
after=$(drop neigh_unresolved)
check "replies held for a silent gateway dropped as neigh_unresolved ($before -> $after)" \
	[ $((after - before)) -ge 1 ]
check "ARP requests sent for the silent gateway" [ "$(counter /meshpath/events arp_requests_out)" -ge 3 ]

# Malformed frames while pings run: each kind raises its own drop counter by exactly COUNT.
telemetry /meshpath/drops >"$E2E_DIR/drops.before"
ip netns exec "$NSA" ping -q -c 30 -i 0.05 -W 2 10.11.0.254 >"$E2E_DIR/ping.flood" 2>&1 &
ping_pid=$!
E2E_PIDS+=("$ping_pid")
ip netns exec "$NSA" "$PY" "$HERE/malformed.py" va0 "$mac_a" 10.11.0.1 10.11.0.254 \
	fd00:11::1 fd00:11::fe "$COUNT" -fragment >"$E2E_DIR/expected.json"
ip netns exec "$NSB" "$PY" "$HERE/malformed.py" "$TB" "$mac_b" 10.12.0.1 10.12.0.254 \
	fd00:12::1 fd00:12::fe "$COUNT" +fragment >"$E2E_DIR/expected_b.json"
wait "$ping_pid" || true
sleep 0.5
telemetry /meshpath/drops >"$E2E_DIR/drops.after"
check "pings answered during the malformed burst" grep -q " 30 received" "$E2E_DIR/ping.flood"
while read -r name want; do
	got=$($PY -c 'import json, sys
b = json.load(open(sys.argv[1])); a = json.load(open(sys.argv[2]))
print(a[sys.argv[3]] - b[sys.argv[3]])' "$E2E_DIR/drops.before" "$E2E_DIR/drops.after" "$name")
	check "drop counter $name rose by $want (got $got)" [ "$got" -eq "$want" ]
done < <($PY -c 'import json, sys
for f in sys.argv[1:]:
    for k, v in json.load(open(f)).items(): print(k, v)' "$E2E_DIR/expected.json" "$E2E_DIR/expected_b.json")

check "telemetry reports $WORKERS workers" [ "$(counter /meshpath/stats workers)" -eq "$WORKERS" ]
check "busy cycles counted" [ "$(counter /meshpath/stats busy_cycles)" -gt 0 ]
check "idle cycles counted" [ "$(counter /meshpath/stats idle_cycles)" -gt 0 ]
telemetry /meshpath/ports >"$E2E_DIR/ports.json"
for port in a b; do
	rx=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]["rx_pkts"])' \
		"$E2E_DIR/ports.json" "$port")
	check "telemetry shows port $port receiving ($rx packets)" [ "$rx" -gt 0 ]
done
check "SIGTERM exits with status 0" meshpath_stop
check "final counters printed" grep -q "meshpath: final counters" "$E2E_DIR/meshpath.log"
check "tap port removed on exit" bash -c "! ip -n $NSB link show $TB >/dev/null 2>&1"
e2e_done
