#!/usr/bin/env bash
# `make demo`: run meshpath on conf/meshpath.conf (one tap port, one worker, no hugepages),
# put the tap into a network namespace that plays a client host and two upstream servers
# (nginx "blue" on 10.10.0.11 and "green" on 10.10.0.12), ping meshpath over IPv4 and IPv6 (and
# through its static route), send curl requests through its HTTP listener 10.10.0.100 routed by
# Host and path and show which upstream answered each, show the telemetry, stop it with SIGTERM
# and print the final counters. Everything it creates is removed on exit.
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

say "two upstream servers in $NS: nginx blue (10.10.0.11) and green (10.10.0.12)"
for up in blue:11 green:12; do
	name=${up%:*}
	ip -n "$NS" addr add "10.10.0.${up#*:}/24" dev "$TAP"
	cat >"$E2E_DIR/nginx-$name.conf" <<NGINX
daemon off;
worker_processes 1;
pid $E2E_DIR/nginx-$name.pid;
error_log $E2E_DIR/nginx-$name.err warn;
events { worker_connections 64; }
http {
	access_log off;
	server {
		listen 10.10.0.${up#*:}:80;
		location / { return 200 "$name answered \$request_method \$request_uri\n"; }
	}
}
NGINX
	ip netns exec "$NS" nginx -c "$E2E_DIR/nginx-$name.conf" -e "$E2E_DIR/nginx-$name.err" &
	E2E_PIDS+=($!)
	for _ in $(seq 50); do
		ip netns exec "$NS" curl -s -m 1 -o /dev/null "http://10.10.0.${up#*:}/" && break
		sleep 0.1
	done
done

demo_curl() { # HOST PATH: one request through meshpath's HTTP listener, and what answered
	printf '%-44s -> ' "curl -H 'Host: $1' http://10.10.0.100$2"
	ip netns exec "$NS" curl -s -m 5 -H "Host: $1" "http://10.10.0.100$2" || echo "(failed)"
}
say "HTTP through meshpath (listener 10.10.0.100:80, route table \"demo\" in $CONF)"
demo_curl blue.demo /
demo_curl blue.demo /green/x
demo_curl shop.demo /green/cart
demo_curl shop.demo /healthz
for i in 1 2 3 4; do demo_curl shop.demo "/split/$i"; done

say "telemetry: dpdk-telemetry.py -f $E2E_PREFIX, /meshpath/stats and /meshpath/events"
telemetry /meshpath/stats
telemetry /meshpath/events
telemetry /meshpath/http || true

say "SIGTERM: meshpath stops its workers and ports and prints its counters"
meshpath_stop
sed -n '/final counters/,$p' "$E2E_DIR/meshpath.log"
say "done; namespace and tap removed"
