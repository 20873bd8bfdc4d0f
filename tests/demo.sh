#!/usr/bin/env bash
# `make demo`: run meshpath on conf/meshpath.conf (one tap port, one worker, no hugepages),
# put the tap into a network namespace that plays a client host, ping meshpath over IPv4 and
# IPv6 (and through its static route), show the telemetry, stop it with SIGTERM and print the
# final counters. Everything it creates is removed on exit.
#
# usage: demo.sh MESHPATH_BINARY CONFIG     (as root)
E2E_ID=demo
source "$(dirname "$0")/e2e/lib.sh"
need_root
BIN=$(realpath "$1")
CONF=$(realpath "$2")
NS=mp-demo
TAP=mp-cli # the tap device named in conf/meshpath.conf

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

ip netns del "$NS" 2>/dev/null || true
say "meshpath --check $CONF"
"$BIN" --check "$CONF"

say "starting meshpath (log: meshpath.log below)"
netns_add "$NS"
meshpath_start "$BIN" "$CONF"
grep "^meshpath:" "$E2E_DIR/meshpath.log"

say "the client namespace $NS: $TAP with 10.10.0.1/24 and fd00:10::1/64"
ip link set "$TAP" netns "$NS"
ip -n "$NS" link set "$TAP" address 02:00:00:00:0a:01
ip -n "$NS" addr add 10.10.0.1/24 dev "$TAP"
ip -n "$NS" addr add fd00:10::1/64 dev "$TAP" nodad
# 10.20.0.1 sits behind the client "router" 10.10.0.1: meshpath reaches it by a static route.
ip -n "$NS" addr add 10.20.0.1/32 dev lo
ip -n "$NS" link set "$TAP" up

say "ping meshpath (IPv4)"
ip netns exec "$NS" ping -c 3 -i 0.2 -W 2 10.10.0.254
say "ping -6 meshpath (IPv6; NDP first)"
ip netns exec "$NS" ping -6 -c 3 -i 0.2 -W 2 fd00:10::fe
say "ping from 10.20.0.1: the replies take meshpath's route 10.20.0.0/24 via 10.10.0.1"
ip netns exec "$NS" ping -c 3 -i 0.2 -W 2 -I 10.20.0.1 10.10.0.254
say "the client's neighbour table"
ip -n "$NS" neigh show dev "$TAP"

say "telemetry: dpdk-telemetry.py -f $E2E_PREFIX, /meshpath/stats and /meshpath/events"
telemetry /meshpath/stats
telemetry /meshpath/events

say "SIGTERM: meshpath stops its workers and ports and prints its counters"
meshpath_stop
sed -n '/final counters/,$p' "$E2E_DIR/meshpath.log"
say "done; namespace and tap removed"
