#!/usr/bin/env bash
# L7 end to end: HTTP/1.1 through meshpath, nginx and HAProxy as reverse proxies, with kernel
# forwarding (ip_forward + DNAT, no proxy at all) as the floor, on one namespace topology:
#
#   client ns 10.10.0.1-4 --veth-- proxy ns (VIP 10.10.0.100:80) --veth-- server ns 10.20.0.1-4
#
# One nginx upstream in the server namespace serves /small (100 B) and /big (1 MiB). The proxy
# under test runs alone on CPU 1 (taskset; the proxy namespace's receive processing is steered
# there too, with RPS), the load generator and the upstream share CPU 0.
#
#   rate:   {keep-alive small responses, a connection per request, 1 MiB transfers} x proxies:
#           wrk -t1 -c32 closed loop (the maximum rate, the proxy's CPU time per request and
#           its RSS), then meshpath-l7load open loop at 25/50/75 % of the slowest proxy's
#           closed-loop peak for the same workload in this run, the same loads for every
#           proxy and the kernel (p50/p99/p99.9 without coordinated omission).
#   memory: 10k, then 100k idle keep-alive client connections (each sent one request) held
#           through each proxy; the proxy's RSS before and after: bytes per connection.
#
# meshpath runs when the binary serves HTTP (an "http" listener answers through it); otherwise
# its rows say "not available" and why. Results: one JSON object per measurement appended to
# RAW/l7.jsonl (RAW/l7_mem.jsonl), markdown tables on stdout (bench/report.py --l7 FILE).
#
# usage: bench/l7.sh BUILD_DIR RAW_DIR rate|memory [SECONDS]     (as root)
set -euo pipefail
BUILD=$(realpath "${1:-build}")
RAW=$(realpath "${2:-.}")
MODE=${3:-rate}
DUR=${4:-4}
HERE=$(dirname "$(realpath "$0")")
ID=$$
DIR=$(mktemp -d /tmp/mpb7-l7.XXXXXX)
NSC=mpb7c-$ID NSP=mpb7p-$ID NSS=mpb7s-$ID
PREFIX=mpb7-$ID
PY=/usr/bin/python3
LOAD=$BUILD/bench/meshpath-l7load
MESHPATH=$BUILD/app/meshpath/meshpath
VIP=10.10.0.100
PIDS=()
WARM=1
DRAIN=2

cleanup() {
	local p
	set +e
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	for ns in "$NSC" "$NSP" "$NSS"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$DIR" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { echo "      l7 $MODE: $*" >&2; }

[ -x "$LOAD" ] || { echo "l7.sh: $LOAD missing: build with -Dbench=true" >&2; exit 1; }
# The hard limit on descriptors is what this sandbox gives (raising it needs CAP_SYS_RESOURCE):
# a process holds at most FDMAX sockets, so 100k connections need several processes.
FDMAX=$(ulimit -Hn)
ulimit -n "$FDMAX"

# ---- topology ---------------------------------------------------------------------------------
for ns in "$NSC" "$NSP" "$NSS"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" \
		net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=8192 net.ipv4.tcp_max_syn_backlog=8192
done
ip link add vc0 netns "$NSC" type veth peer name pc0 netns "$NSP"
ip link add vs0 netns "$NSS" type veth peer name ps0 netns "$NSP"
for x in "$NSC vc0" "$NSS vs0" "$NSP pc0" "$NSP ps0"; do
	set -- $x
	# Software checksums everywhere: af_packet (meshpath) needs it, and every proxy gets the
	# same wire.
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
	ip -n "$1" link set "$2" up
done
# What arrives in the proxy namespace is processed on the proxy's CPU, whichever proxy it is.
for d in pc0 ps0; do
	ip netns exec "$NSP" sh -c "echo 2 >/sys/class/net/$d/queues/rx-0/rps_cpus" 2>/dev/null || true
done
for i in 1 2 3 4; do
	ip -n "$NSC" addr add "10.10.0.$i/24" dev vc0
	ip -n "$NSS" addr add "10.20.0.$i/24" dev vs0
done
ip -n "$NSC" route add default via 10.10.0.254
ip -n "$NSS" route add default via 10.20.0.254

mkdir -p "$DIR/www" "$DIR/tmp"
head -c 100 /dev/zero | tr '\0' x >"$DIR/www/small"
head -c 1048576 /dev/urandom >"$DIR/www/big"

# nginx_head NAME WORKERS: the start of an nginx config, up to inside http { (both nginx run
# as many workers as asked, with all the descriptors they may have, and long keep-alives)
nginx_head() {
	cat <<NGINX
daemon off; user root; worker_processes $2; worker_rlimit_nofile $FDMAX;
pid $DIR/$1.pid; error_log $DIR/$1.err;
events { worker_connections $((FDMAX - 100)); }
http {
	access_log off; keepalive_requests 1000000; keepalive_timeout 600s;
	client_body_temp_path $DIR/tmp; proxy_temp_path $DIR/tmp; fastcgi_temp_path $DIR/tmp;
	uwsgi_temp_path $DIR/tmp; scgi_temp_path $DIR/tmp;
NGINX
}

# upstream WORKERS: the nginx upstream on CPU 0, on the four server addresses.
upstream_start() {
	local w=$1
	cat >"$DIR/up.conf" <<NGINX
$(nginx_head up "$w")
	server { listen 80 reuseport backlog=8192; root $DIR/www; }
}
NGINX
	ip netns exec "$NSS" taskset -c 0 nginx -c "$DIR/up.conf" &
	UP=$!
	PIDS+=("$UP")
	for _ in $(seq 50); do
		ip netns exec "$NSS" curl -s -m 1 -o /dev/null http://10.20.0.1/small && return 0
		sleep 0.1
	done
	echo "l7.sh: the upstream nginx did not start: $(cat "$DIR/up.err")" >&2
	exit 1
}

# ---- the proxies -------------------------------------------------------------------------------
# Each proxy_<name>_start sets PROXY_PIDS (the processes whose CPU time and RSS are the proxy's)
# or returns non-zero with NA set to why it is not available. NPROC: processes (memory mode).
kernel_addrs() {
	ip -n "$NSP" addr add 10.10.0.254/24 dev pc0
	ip -n "$NSP" addr add "$VIP/24" dev pc0
	ip -n "$NSP" addr add 10.20.0.254/24 dev ps0
}
kernel_flush() {
	ip -n "$NSP" addr flush dev pc0
	ip -n "$NSP" addr flush dev ps0
}

proxy_kernel_start() {
	kernel_addrs
	ip netns exec "$NSP" sysctl -qw net.ipv4.ip_forward=1 net.netfilter.nf_conntrack_max=524288 \
		2>/dev/null || ip netns exec "$NSP" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NSP" nft -f - <<NFT
table ip mpb7 {
	chain pre { type nat hook prerouting priority -100; ip daddr $VIP tcp dport 80 dnat to 10.20.0.1:80; }
}
NFT
	PROXY_PIDS=()
}
proxy_kernel_stop() {
	ip netns exec "$NSP" nft delete table ip mpb7
	ip netns exec "$NSP" sysctl -qw net.ipv4.ip_forward=0
	kernel_flush
}

servers() { # the upstream servers, in the syntax of $1
	local i
	for i in $(seq "$NSERVERS"); do
		case $1 in
		nginx) echo "server 10.20.0.$i:80;" ;;
		haproxy) echo "	server s$i 10.20.0.$i:80" ;;
		meshpath) echo "{ address = \"10.20.0.$i\"; port = 80; }$([ "$i" -lt "$NSERVERS" ] && echo ,)" ;;
		esac
	done
}

proxy_nginx_start() {
	kernel_addrs
	cat >"$DIR/nginx.conf" <<NGINX
$(nginx_head nginx "$NPROC")
	upstream up { $(servers nginx) keepalive 64; keepalive_requests 1000000; keepalive_timeout 600s; }
	server {
		listen $VIP:80 reuseport backlog=8192;
		location / {
			proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection "";
			# Stream large bodies through the buffers, never through a temporary file.
			proxy_max_temp_file_size 0;
		}
	}
}
NGINX
	ip netns exec "$NSP" taskset -c 1 nginx -c "$DIR/nginx.conf" &
	PROXY_MAIN=$!
	PIDS+=("$PROXY_MAIN")
	# The master and its workers (the workers are the master's children), once all are up.
	for _ in $(seq 100); do
		PROXY_PIDS=("$PROXY_MAIN" $(cat "/proc/$PROXY_MAIN/task/"*/children 2>/dev/null))
		[ "${#PROXY_PIDS[@]}" -gt "$NPROC" ] && break
		sleep 0.1
	done
}
proxy_nginx_stop() {
	kill -TERM "$PROXY_MAIN"
	wait "$PROXY_MAIN" || true
	kernel_flush
}

proxy_haproxy_start() {
	local i
	kernel_addrs
	# Each process holds at most FDMAX descriptors: a client and a server side each.
	cat >"$DIR/haproxy.cfg" <<CFG
global
	maxconn $(((FDMAX - 200) / 2))
	nbthread 1
defaults
	mode http
	timeout connect 5s
	timeout client 600s
	timeout server 600s
	timeout http-keep-alive 600s
	http-reuse always
frontend vip
	bind $VIP:80
	default_backend up
backend up
	balance roundrobin
$(servers haproxy)
CFG
	PROXY_PIDS=()
	# HAProxy binds with SO_REUSEPORT: several processes share the VIP (memory mode).
	for i in $(seq "$NPROC"); do
		ip netns exec "$NSP" taskset -c 1 haproxy -f "$DIR/haproxy.cfg" -db \
			>>"$DIR/haproxy.log" 2>&1 &
		PIDS+=($!)
		PROXY_PIDS+=($!)
	done
	sleep 0.5
}
proxy_haproxy_stop() {
	local p
	for p in "${PROXY_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PROXY_PIDS[@]}"; do wait "$p" || true; done
	kernel_flush
}

# af_packet's receive ring holds 512 frames by default: the upstream's kernel TCP sends a 1 MiB
# response in bursts larger than that, and what overflows the ring is lost before meshpath sees
# it (a quarter of the upstream's segments were retransmitted, 220 RTOs in 4 s). 4096 frames of
# 2 KiB per ring hold a burst; a NIC's ring is sized the same way.
MP_FRAMES=4096
proxy_meshpath_start() {
	[ -x "$MESHPATH" ] || { NA="no binary at $MESHPATH"; return 1; }
	cat >"$DIR/mp.conf" <<CONF
eal = { args = ["--no-pci", "--no-huge", "-m", "$MP_MEM", "--no-shconf", "--file-prefix", "$PREFIX"]; };
workers = { main_lcore = 0; main_cpu = 1; lcores = [1]; cpus = [1]; };
mempool = { mbufs = 32767; };
tcp = { max_connections = $MP_CONNS; time_wait_ms = 1000; };
http = { max_downstream_connections = $MP_HTTP_CONNS; };
ports = (
	{ name = "cli"; device = "net_af_packet0,iface=pc0,framecnt=$MP_FRAMES"; addresses = ["10.10.0.254/24"]; },
	{ name = "srv"; device = "net_af_packet1,iface=ps0,framecnt=$MP_FRAMES"; addresses = ["10.20.0.254/24"]; }
);
clusters = ( { name = "up"; endpoints = ( $(servers meshpath) ); } );
route_tables = ( { name = "t"; virtual_hosts = ( { name = "any"; domains = ["*"];
	routes = ( { match = { prefix = "/"; }; clusters = ( { name = "up"; } ); } ); } ); } );
listeners = ( { name = "web"; protocol = "http"; address = "$VIP"; port = 80; routes = "t"; } );
CONF
	: >"$DIR/mp.log"
	ip netns exec "$NSP" "$MESHPATH" -c "$DIR/mp.conf" >"$DIR/mp.log" 2>&1 &
	PROXY_MAIN=$!
	PIDS+=("$PROXY_MAIN")
	PROXY_PIDS=("$PROXY_MAIN")
	for _ in $(seq 100); do
		grep -q "meshpath: running" "$DIR/mp.log" && break
		kill -0 "$PROXY_MAIN" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q "meshpath: running" "$DIR/mp.log"; then
		NA="did not start: $(grep -m1 -iE 'error|cannot|not ' "$DIR/mp.log" | cut -c1-160)"
		kill -KILL "$PROXY_MAIN" 2>/dev/null || true
		wait "$PROXY_MAIN" 2>/dev/null || true
		return 1
	fi
	# Serving HTTP means answering a request with the upstream's body through the listener.
	if [ "$(ip netns exec "$NSC" curl -s -m 3 "http://$VIP/small" 2>/dev/null)" != \
		"$(cat "$DIR/www/small")" ]; then
		NA="runs, but its http listener does not answer with the upstream's response yet"
		proxy_meshpath_stop
		return 1
	fi
}
proxy_meshpath_stop() {
	kill -TERM "$PROXY_MAIN" 2>/dev/null || true
	wait "$PROXY_MAIN" || true
}

# ---- measurements ------------------------------------------------------------------------------
cpu_ticks() { # utime + stime of PROXY_PIDS, in clock ticks
	local p t=0 s
	for p in "${PROXY_PIDS[@]}"; do
		s=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		set -- $s
		t=$((t + ${12} + ${13}))
	done
	echo "$t"
}
rss_kb() { # VmRSS of PROXY_PIDS, summed
	local p t=0 v
	for p in "${PROXY_PIDS[@]}"; do
		v=$(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
mp_stat() { # FIELD of meshpath's /meshpath/stats
	echo /meshpath/stats | ip netns exec "$NSP" "$PY" /usr/bin/dpdk-telemetry.py -f "$PREFIX" \
		2>/dev/null | grep -o "\"$1\": [0-9]*" | grep -o '[0-9]*$' || echo 0
}
busy_s() { # the proxy's CPU seconds so far: its busy cycles for meshpath (a poll-mode core is
	# always at 100 %), utime + stime for the others, nothing for the kernel (softirq)
	case $1 in
	meshpath) "$PY" -c "print($(mp_stat busy_cycles) / max(1, $(mp_stat tsc_hz)))" ;;
	kernel) echo 0 ;;
	*) "$PY" -c "print($(cpu_ticks) / $(getconf CLK_TCK))" ;;
	esac
}

workload() { # NAME -> PATH and the extra wrk header / l7load mode
	case $1 in
	keepalive_small) WPATH=/small WMODE=keepalive ;;
	new_conn_small) WPATH=/small WMODE=close ;;
	keepalive_1MiB) WPATH=/big WMODE=keepalive ;;
	esac
}

# wrk_run -> JSON {"rate":..,"p50_us":..,"p99_us":..,"errors":..} (wrk is closed loop: its
# latencies hide queueing; the open-loop runs below are the latency numbers to quote)
wrk_run() {
	local hdr=()
	[ "$WMODE" = close ] && hdr=(-H "Connection: close")
	ip netns exec "$NSC" taskset -c 0 wrk -t1 -c32 -d "${DUR}s" --latency "${hdr[@]}" \
		"http://$VIP$WPATH" >"$DIR/wrk.out" 2>&1 || true
	"$PY" - "$DIR/wrk.out" <<'PYEOF'
import json, re, sys
t = open(sys.argv[1]).read()
def us(s):
    m = re.match(r"([\d.]+)(us|ms|s)", s)
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)] if m else None
q = dict(re.findall(r"^\s+(\d+)%\s+(\S+)", t, re.M))
rate = re.search(r"Requests/sec:\s+([\d.]+)", t)
err = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", t))
m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
err += int(m.group(1)) if m else 0
bps = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", t)
mult = {"B": 1, "KB": 1024, "MB": 1 << 20, "GB": 1 << 30}
print(json.dumps({"rate": float(rate.group(1)) if rate else 0,
                  "requests": int(re.search(r"(\d+) requests in", t).group(1)) if rate else 0,
                  "p50_us": us(q.get("50", "")), "p99_us": us(q.get("99", "")),
                  "bytes_per_s": float(bps.group(1)) * mult.get(bps.group(2), 1) if bps else 0,
                  "errors": err}))
PYEOF
}

emit() { # one JSON line into the results
	echo "$1" >>"$OUT"
}

# start_proxy NAME: start it, or record why it is not available (returns non-zero then)
start_proxy() {
	NA=
	"proxy_${1}_start" && return 0
	log "$WL / $1: not available ($NA)"
	[ -n "${NA_SEEN[$1]:-}" ] && return 1
	NA_SEEN[$1]=1
	emit "{\"workload\":\"$WL\",\"proxy\":\"$1\",\"available\":false,\"why\":$("$PY" -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$NA")}"
	return 1
}

declare -A PEAK NA_SEEN
rate_mode() {
	local proxy c0 c1 r0 w pct rate res base
	OUT=$RAW/l7.jsonl
	: >"$OUT"
	NSERVERS=1 NPROC=1 MP_MEM=1024 MP_CONNS=16384 MP_HTTP_CONNS=4096
	upstream_start 1
	for WL in keepalive_small new_conn_small keepalive_1MiB; do
		workload "$WL"
		NA_SEEN=()
		# 1. Closed loop: each proxy's maximum rate, CPU per request and RSS.
		base=
		for proxy in kernel nginx haproxy meshpath; do
			start_proxy "$proxy" || continue
			ip netns exec "$NSC" curl -s -m 3 -o /dev/null "http://$VIP/small" ||
				log "$WL / $proxy: warm-up request failed"
			c0=$(busy_s "$proxy")
			w=$(wrk_run)
			c1=$(busy_s "$proxy")
			r0=$(rss_kb)
			rate=$("$PY" -c "import json; print(int(json.loads('$w')['rate']))")
			PEAK[$proxy]=$rate
			# The open-loop loads below are shares of the slowest proxy's peak: every
			# proxy is then measured at the same loads, below its saturation.
			[ "$proxy" != kernel ] && [ "$rate" -gt 0 ] &&
				{ [ -z "$base" ] || [ "$rate" -lt "$base" ]; } && base=$rate
			log "$WL / $proxy: closed loop $rate req/s"
			emit "{\"workload\":\"$WL\",\"proxy\":\"$proxy\",\"available\":true,\"kind\":\"closed\",\"wrk\":$w,\"cpu_s\":$("$PY" -c "print($c1 - $c0)"),\"rss_kb\":$r0}"
			"proxy_${proxy}_stop"
		done
		base=${base:-${PEAK[kernel]:-1000}}
		# 2. Open loop at fixed offered loads: latency without coordinated omission.
		for proxy in kernel nginx haproxy meshpath; do
			start_proxy "$proxy" || continue
			ip netns exec "$NSC" curl -s -m 3 -o /dev/null "http://$VIP/small" || true
			for pct in 25 50 75; do
				rate=$(((base * pct + 50) / 100))
				res=$(ip netns exec "$NSC" taskset -c 0 "$LOAD" -a "$VIP:80" -p "$WPATH" \
					-m "$WMODE" -c 32 -r "$rate" -d "$DUR" -w "$WARM" -D "$DRAIN")
				emit "{\"workload\":\"$WL\",\"proxy\":\"$proxy\",\"available\":true,\"kind\":\"open\",\"load_pct\":$pct,\"base_rate\":$base,\"kernel_peak\":${PEAK[kernel]:-0},\"l7load\":$res}"
			done
			log "$WL / $proxy: open loop at 25/50/75 % of $base req/s done"
			"proxy_${proxy}_stop"
		done
	done
}

# idle_open N: open N more idle connections through the VIP (processes of at most PER_TOOL
# each, from the four client addresses in turn); waits until each process says "ready".
TOOLS=()
NTOOL=0
idle_open() {
	local left=$1 n f
	local files=()
	while [ "$left" -gt 0 ]; do
		n=$((left < PER_TOOL ? left : PER_TOOL))
		f=$DIR/idle$NTOOL.out
		: >"$f"
		ip netns exec "$NSC" taskset -c 0 "$LOAD" -a "$VIP:80" -p /small -c 256 -i "$n" -d 900 \
			-b "10.10.0.$((NTOOL % 4 + 1))" >"$f" 2>&1 &
		TOOLS+=($!)
		PIDS+=($!)
		files+=("$f")
		NTOOL=$((NTOOL + 1))
		left=$((left - n))
	done
	for f in "${files[@]}"; do
		for _ in $(seq 1300); do grep -q ready "$f" && break; sleep 0.1; done
	done
}
idle_held() { # connections held by every tool so far (their "ready" lines)
	cat "$DIR"/idle*.out 2>/dev/null | grep -o '"held":[0-9]*' | grep -o '[0-9]*$' |
		awk '{s += $1} END {print s + 0}'
}
idle_errors() { # errors of every tool so far (their "ready" lines)
	cat "$DIR"/idle*.out 2>/dev/null | grep -o '"errors":{"total":[0-9]*' | grep -o '[0-9]*$' |
		awk '{s += $1} END {print s + 0}'
}
idle_close() {
	local p
	for p in "${TOOLS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${TOOLS[@]}"; do wait "$p" 2>/dev/null || true; done
	TOOLS=()
	NTOOL=0
	rm -f "$DIR"/idle*.out
	sleep 1
}

memory_mode() {
	local proxy r0 r1 r2 h1 h2 extra
	OUT=$RAW/l7_mem.jsonl
	: >"$OUT"
	PER_TOOL=$((FDMAX - 500))
	# Up to 100k connections: each process of nginx or HAProxy holds at most (FDMAX - 200) / 2
	# client connections (a server side may be attached to each), with room for reuseport's
	# uneven spread.
	NSERVERS=4
	NPROC=$(((100000 * 5 / 4) / ((FDMAX - 200) / 2) + 1))
	MP_MEM=4096 MP_CONNS=262144 MP_HTTP_CONNS=131072
	upstream_start "$NPROC"
	WL=idle
	for proxy in kernel nginx haproxy meshpath; do
		start_proxy "$proxy" || continue
		ip netns exec "$NSC" curl -s -m 3 -o /dev/null "http://$VIP/small" || true
		sleep 0.5
		r0=$(rss_kb)
		idle_open 10000
		h1=$(idle_held)
		sleep 1
		r1=$(rss_kb)
		idle_open 90000
		h2=$(idle_held)
		sleep 1
		r2=$(rss_kb)
		extra=
		case $proxy in
		kernel)
			# No process: the state is one conntrack entry per connection.
			extra=",\"conntrack\":$(ip netns exec "$NSP" cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo 0),\"conntrack_obj_bytes\":$(awk '$1 == "nf_conntrack" {print $4}' /proc/slabinfo 2>/dev/null || echo 0)"
			;;
		meshpath)
			# Preallocated at start: say how much, and what one connection holds.
			extra=",\"tcp_max_connections\":$MP_CONNS,\"http_max_downstream_connections\":$MP_HTTP_CONNS,\"eal_mb\":$MP_MEM,\"sizes\":$("$BUILD/bench/meshpath-sizes" 2>/dev/null || echo '{}')"
			;;
		esac
		log "$proxy: held $h1 then $h2; RSS $r0 -> $r1 -> $r2 kB"
		emit "{\"proxy\":\"$proxy\",\"available\":true,\"processes\":${#PROXY_PIDS[@]},\"rss0_kb\":$r0,\"held1\":$h1,\"rss1_kb\":$r1,\"held2\":$h2,\"rss2_kb\":$r2,\"idle_errors\":$(idle_errors)$extra}"
		idle_close
		"proxy_${proxy}_stop"
	done
}

case $MODE in
rate) rate_mode ;;
memory) memory_mode ;;
*) echo "usage: $0 BUILD_DIR RAW_DIR rate|memory [SECONDS]" >&2; exit 2 ;;
esac
"$PY" "$HERE/report.py" --l7 "$OUT"
