#!/usr/bin/env bash
# L4 new connections per second through a TCP VIP: meshpath (one worker, af_packet) against
# HAProxy (mode tcp) and nginx (stream), on the same namespace topology, measured in one run.
# A client namespace runs wrk with "Connection: close" (every request a new connection) against
# 10.10.0.100:80; a proxy namespace holds whichever proxy is measured; three nginx backends sit in
# a server namespace. The proxies run one at a time on CPU 1, wrk and the backends on CPU 0.
#
# usage: bench/l4_conns.sh BUILD_DIR [SECONDS]      (as root; prints a markdown table)
set -euo pipefail
BUILD=$(realpath "${1:-build}")
DUR=${2:-5}
ID=$$
DIR=$(mktemp -d /tmp/mp-l4conns.XXXXXX)
NSC=mpbc-$ID NSP=mpbp-$ID NSS=mpbs-$ID
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	for ns in "$NSC" "$NSP" "$NSS"; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$DIR" "/var/run/dpdk/mpbc-$ID"
}
trap cleanup EXIT
for ns in "$NSC" "$NSP" "$NSS"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	# Tens of thousands of short connections per run: without these, TIME_WAIT left by one
	# proxy's run starves the next one of ephemeral ports.
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" \
		net.ipv4.tcp_tw_reuse=1
done
ip link add vc0 netns "$NSC" type veth peer name pc0 netns "$NSP"
ip link add vs0 netns "$NSS" type veth peer name ps0 netns "$NSP"
for x in "$NSC vc0" "$NSS vs0" "$NSP pc0" "$NSP ps0"; do
	set -- $x
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
	ip -n "$1" link set "$2" up
done
ip -n "$NSC" addr add 10.10.0.1/24 dev vc0
for i in 1 2 3; do ip -n "$NSS" addr add "10.20.0.$i/24" dev vs0; done
mkdir -p "$DIR/www"
echo backend >"$DIR/www/index.html"
for i in 1 2 3; do
	cat >"$DIR/nginx$i.conf" <<NGINX
daemon off; user root; worker_processes 1; pid $DIR/nginx$i.pid; error_log $DIR/nginx$i.err;
events { worker_connections 4096; }
http { access_log off; server { listen 10.20.0.$i:80 reuseport backlog=4096; root $DIR/www; } }
NGINX
	ip netns exec "$NSS" taskset -c 0 nginx -c "$DIR/nginx$i.conf" &
	PIDS+=($!)
done
sleep 1

run_wrk() { # -> new connections per second
	ip netns exec "$NSC" taskset -c 0 wrk -t 1 -c 16 -d "${DUR}s" -H "Connection: close" \
		http://10.10.0.100/ >"$DIR/wrk.out" 2>&1 || true
	awk '/Requests\/sec/ {print int($2)}' "$DIR/wrk.out"
}

kernel_proxy_addrs() { # the kernel proxies own the VIP on the proxy namespace's veths
	ip -n "$NSP" addr add 10.10.0.254/24 dev pc0
	ip -n "$NSP" addr add 10.10.0.100/24 dev pc0
	ip -n "$NSP" addr add 10.20.0.254/24 dev ps0
}
kernel_proxy_flush() {
	ip -n "$NSP" addr flush dev pc0
	ip -n "$NSP" addr flush dev ps0
}

# meshpath: af_packet on the proxy namespace's veth ends, full-NAT to the three backends.
cat >"$DIR/mp.conf" <<CONF
eal = { args = ["--no-pci", "--no-huge", "-m", "1024", "--no-shconf", "--file-prefix", "mpbc-$ID"]; };
workers = { main_lcore = 0; main_cpu = 1; lcores = [1]; cpus = [1]; };
mempool = { mbufs = 32767; };
ports = (
	{ name = "cli"; device = "net_af_packet0,iface=pc0"; addresses = ["10.10.0.254/24"]; },
	{ name = "srv"; device = "net_af_packet1,iface=ps0"; addresses = ["10.20.0.254/24"]; }
);
clusters = ( { name = "web"; snat = ["10.20.0.250"];
	endpoints = ( { address = "10.20.0.1"; port = 80; }, { address = "10.20.0.2"; port = 80; },
		      { address = "10.20.0.3"; port = 80; } ); } );
listeners = ( { name = "vip"; protocol = "tcp"; address = "10.10.0.100"; port = 80; cluster = "web"; } );
CONF
ip netns exec "$NSP" "$BUILD/app/meshpath/meshpath" -c "$DIR/mp.conf" >"$DIR/mp.log" 2>&1 &
mp=$!
PIDS+=("$mp")
for _ in $(seq 100); do grep -q "meshpath: running" "$DIR/mp.log" && break; sleep 0.1; done
ip netns exec "$NSC" curl -s -m 5 http://10.10.0.100/ >/dev/null
mesh=$(run_wrk)
mesh_busy=$(echo /meshpath/stats | /usr/bin/python3 /usr/bin/dpdk-telemetry.py -f "mpbc-$ID" 2>/dev/null |
	grep -o '"busy_cycles": [0-9]*' | grep -o '[0-9]*$' || echo 0)
kill -TERM "$mp"; wait "$mp" || true

kernel_proxy_addrs
cat >"$DIR/haproxy.cfg" <<CFG
global
	maxconn 8000
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend vip
	bind 10.10.0.100:80
	default_backend web
backend web
	balance roundrobin
	server b1 10.20.0.1:80
	server b2 10.20.0.2:80
	server b3 10.20.0.3:80
CFG
ip netns exec "$NSP" taskset -c 1 haproxy -f "$DIR/haproxy.cfg" -db >"$DIR/haproxy.log" 2>&1 &
hp=$!
PIDS+=("$hp")
sleep 1
haproxy=$(run_wrk)
[ -n "$haproxy" ] || { cat "$DIR/wrk.out" "$DIR/haproxy.log" >&2; haproxy=0; }
kill -TERM "$hp"; wait "$hp" || true

cat >"$DIR/stream.conf" <<NGINX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
daemon off; user root; worker_processes 1; pid $DIR/stream.pid; error_log $DIR/stream.err;
events { worker_connections 20000; }
stream {
	upstream web { server 10.20.0.1:80; server 10.20.0.2:80; server 10.20.0.3:80; }
	server { listen 10.10.0.100:80 backlog=4096; proxy_pass web; }
}
NGINX
ip netns exec "$NSP" taskset -c 1 nginx -c "$DIR/stream.conf" &
ng=$!
PIDS+=("$ng")
sleep 1
nginx=$(run_wrk)
[ -n "$nginx" ] || { cat "$DIR/wrk.out" "$DIR/stream.err" >&2; nginx=0; }
kill -TERM "$ng"; wait "$ng" || true
kernel_proxy_flush

ratio() { /usr/bin/python3 -c "print('%.2f' % ($1 / $2 if $2 else 0))"; }
echo "| proxy | new connections/s | meshpath / it |"
echo "|---|---|---|"
echo "| meshpath (L4 full-NAT, 1 worker) | $mesh | 1.00 |"
echo "| HAProxy mode tcp (1 process) | $haproxy | $(ratio "$mesh" "$haproxy") |"
echo "| nginx stream (1 worker) | $nginx | $(ratio "$mesh" "$nginx") |"
echo
echo "meshpath busy cycles over the run: $mesh_busy (they include the af_packet PMD's send"
echo "syscalls: on this virtual device they are not meshpath's own cost per connection)"
