#!/usr/bin/env bash
# meshpath's TCP stack (lib/tcp) against the Linux kernel's, on the same namespace topology and
# in one run: single-connection goodput each way, accept+close connections per second, and the
# bytes of state per connection. A client namespace holds two identical veth links: one to
# meshpath (af_packet on the root-side end, one worker on CPU 1, its discard service on
# 10.50.0.100:9), one to a kernel namespace whose server (meshpath-tcp-peer sink, CPU 1) does
# what discard does on 10.51.0.100:9. The client side (meshpath-tcp-peer, CPU 0) is the same
# program against both. Both links have tx checksum offload off (af_packet needs it on the client
# side): the kernel cuts its GSO packets into 1448-byte segments in software before the veth, so
# every packet on both links is one segment. A third link, with the veth defaults (GSO packets
# of up to 64 KiB cross the veth whole), shows what the kernel gains from batching that
# meshpath's af_packet port does not have; it is context, not the baseline.
#
#   to the peer:    the client sends MIB MiB to discard and waits for its close (connect to EOF)
#   from the peer:  meshpath's test client (/meshpath/tcp/connect,...,send) or a kernel sender in
#                   the kernel namespace sends MIB MiB to a sink in the client namespace, which
#                   times accept to EOF
#   connections:    THREADS client threads loop connect, shutdown, wait for the close, close
#   state:          mp_tcp_conn_size() (telemetry connection_state_bytes) and meshpath's heap
#                   per preallocated connection, against the kernel's TCP slab object size
#
# usage: bench/tcp_goodput.sh BUILD_DIR [SECONDS]    (as root; prints markdown)
#   TCP_BENCH_MB (256): MiB per goodput run; TCP_BENCH_ROUNDS (3): rounds, each meshpath's runs
#   then the kernel's (the table gives the medians); TCP_BENCH_THREADS (8): client threads of
#   the connection-rate run
set -euo pipefail
BUILD=$(realpath "${1:-build}")
DUR=${2:-5}
MB=${TCP_BENCH_MB:-256}
ROUNDS=${TCP_BENCH_ROUNDS:-3}
THREADS=${TCP_BENCH_THREADS:-8}
PEER=$BUILD/bench/meshpath-tcp-peer
PY=/usr/bin/python3
ID=$$
DIR=$(mktemp -d /tmp/mpbt-tcp.XXXXXX)
NSC=mpbt-c$ID NSK=mpbt-k$ID VM=mpbt-m$ID
PREFIX=mpbt-$ID
PIDS=()
cleanup() {
	set +e
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	ip link del "$VM" 2>/dev/null
	for ns in "$NSC" "$NSK"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$DIR" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -x "$PEER" ] || { echo "tcp_goodput: $PEER is not built" >&2; exit 1; }

for ns in "$NSC" "$NSK"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
# Tens of thousands of short connections from one address: ports for all, TIME_WAIT reused.
ip netns exec "$NSC" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1
ip link add vc0 netns "$NSC" type veth peer name "$VM"
ip link add vc1 netns "$NSC" type veth peer name vk0 netns "$NSK"
ip link add vc2 netns "$NSC" type veth peer name vk1 netns "$NSK"
ip -n "$NSC" link set vc2 up
ip -n "$NSK" link set vk1 up
ip link set "$VM" up
sysctl -qw "net.ipv6.conf.$VM.disable_ipv6=1"
for x in "$NSC vc0" "$NSC vc1" "$NSK vk0"; do
	set -- $x
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
	ip -n "$1" link set "$2" up
done
ip -n "$NSC" addr add 10.50.0.1/24 dev vc0
ip -n "$NSC" addr add 10.51.0.1/24 dev vc1
ip -n "$NSK" addr add 10.51.0.100/24 dev vk0
ip -n "$NSC" addr add 10.52.0.1/24 dev vc2
ip -n "$NSK" addr add 10.52.0.100/24 dev vk1

telemetry() { # CMD: the JSON value of one telemetry command
	echo "$1" | $PY /usr/bin/dpdk-telemetry.py -f "$PREFIX" 2>/dev/null | $PY -c 'import sys, json
text = sys.stdin.read()
start = text.index("{\"" + sys.argv[1].split(",")[0])
obj, _ = json.JSONDecoder().raw_decode(text[start:])
print(json.dumps(obj[sys.argv[1].split(",")[0]]))' "$1"
}
field() { # JSON KEY
	$PY -c 'import sys, json; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}
mibs() { # the third field of a peer result line, or 0
	awk 'NF >= 3 {print $3; found = 1; exit} END {if (!found) print 0}' "$1"
}
sink_start() { # NS ADDRESS PORT OUT COUNT: a sink reporting its first COUNT connections
	ip netns exec "$1" taskset -c "$CPUS" "$PEER" sink "$2" "$3" "$5" >"$4" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 50); do grep -qs listening "$4" && return 0; sleep 0.1; done
	echo "tcp_goodput: sink on $2:$3 did not start" >&2
	return 1
}
sink_nth() { # OUT N: MiB/s of the sink's Nth connection, once it has ended (0 after 60 s)
	for _ in $(seq 600); do [ "$(wc -l <"$1")" -gt "$2" ] && break; sleep 0.1; done
	sed -n "$(($2 + 1))p" "$1" >"$1.res"
	mibs "$1.res"
}
heap_alloc() { # bytes meshpath has allocated from the DPDK heap of socket 0
	field "$(telemetry /eal/heap_info,0)" Alloc_size 2>/dev/null || echo 0
}

# ---- meshpath -------------------------------------------------------------------------------
mp_conf() { # MAX_CONNECTIONS
	cat >"$DIR/mp.conf" <<CONF
eal = { args = ["--no-pci", "--no-huge", "-m", "1024", "--no-shconf", "--file-prefix", "$PREFIX"]; };
workers = { main_lcore = 0; main_cpu = 1; lcores = [1]; cpus = [1]; };
mempool = { mbufs = 32767; };
ports = ( { name = "cli"; device = "net_af_packet0,iface=$VM"; addresses = ["10.50.0.254/24"]; } );
tcp = { max_connections = $1; };
listeners = ( { name = "discard"; protocol = "discard"; address = "10.50.0.100"; port = 9; } );
CONF
}
MP=
mp_start() {
	: >"$DIR/mp.log"
	"$BUILD/app/meshpath/meshpath" -c "$DIR/mp.conf" >"$DIR/mp.log" 2>&1 &
	MP=$!
	PIDS+=("$MP")
	for _ in $(seq 100); do grep -q "meshpath: running" "$DIR/mp.log" && return 0; sleep 0.1; done
	cat "$DIR/mp.log" >&2
	return 1
}
mp_stop() {
	kill -TERM "$MP"
	wait "$MP" || true
}

# The heap per preallocated connection: two starts that differ only in max_connections.
mp_conf 16384
mp_start
heap_small=$(heap_alloc)
mp_stop
mp_conf 65536

# The sinks stay up for every round: two in the client namespace for the "from" runs (CPU 0),
# the kernel's discard in the kernel namespace (CPU 1; idle while meshpath polls that CPU).
CPUS=0 sink_start "$NSC" 10.50.0.1 5001 "$DIR/mp_from.out" "$ROUNDS"
CPUS=0 sink_start "$NSC" 10.51.0.1 5002 "$DIR/k_from.out" "$ROUNDS"
CPUS=1 sink_start "$NSK" 10.51.0.100 9 "$DIR/k_sink.out" 0

MP_TO=() MP_FROM=() MP_CONNS=() K_TO=() K_FROM=() K_CONNS=() MP_RETRANS=() MP_USEC=()
mp_failed=0 k_failed=0 client_states=
for r in $(seq "$ROUNDS"); do
	# meshpath alone on CPU 1; a first short connection resolves the neighbours.
	mp_start
	[ "$r" -gt 1 ] || heap_large=$(heap_alloc)
	ip netns exec "$NSC" taskset -c 0 "$PEER" send 10.50.0.100 9 1 >/dev/null
	ip netns exec "$NSC" taskset -c 0 "$PEER" send 10.50.0.100 9 "$MB" >"$DIR/res"
	MP_TO+=("$(mibs "$DIR/res")")
	echo "/meshpath/tcp/connect,10.50.0.1,5001,$((MB << 20)),send" |
		$PY /usr/bin/dpdk-telemetry.py -f "$PREFIX" >/dev/null 2>&1
	state=
	for _ in $(seq 1200); do
		state=$(field "$(telemetry /meshpath/tcp/client)" state)
		case "$state" in done | failed) break ;; esac
		sleep 0.1
	done
	MP_FROM+=("$(sink_nth "$DIR/mp_from.out" "$r")")
	client=$(telemetry /meshpath/tcp/client)
	client_states+="$(field "$client" state) "
	MP_USEC+=("$(field "$client" usec)")
	ip netns exec "$NSC" taskset -c 0 "$PEER" conns 10.50.0.100 9 "$DUR" "$THREADS" >"$DIR/res"
	MP_CONNS+=("$(awk '{print $3}' "$DIR/res")")
	mp_failed=$((mp_failed + $(awk '{print $4}' "$DIR/res")))
	tcp=$(telemetry /meshpath/tcp)
	MP_RETRANS+=("$(field "$tcp" retransmitted_segments)/$(field "$tcp" rto_expiries)")
	mp_stop

	# The kernel, the same client against the same server program.
	ip netns exec "$NSC" taskset -c 0 "$PEER" send 10.51.0.100 9 1 >/dev/null
	ip netns exec "$NSC" taskset -c 0 "$PEER" send 10.51.0.100 9 "$MB" >"$DIR/res"
	K_TO+=("$(mibs "$DIR/res")")
	ip netns exec "$NSK" taskset -c 1 "$PEER" send 10.51.0.1 5002 "$MB" >/dev/null
	K_FROM+=("$(sink_nth "$DIR/k_from.out" "$r")")
	ip netns exec "$NSC" taskset -c 0 "$PEER" conns 10.51.0.100 9 "$DUR" "$THREADS" >"$DIR/res"
	K_CONNS+=("$(awk '{print $3}' "$DIR/res")")
	k_failed=$((k_failed + $(awk '{print $4}' "$DIR/res")))
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
mp_to=$(median "${MP_TO[@]}") mp_from=$(median "${MP_FROM[@]}") mp_conns=$(median "${MP_CONNS[@]}")
k_to=$(median "${K_TO[@]}") k_from=$(median "${K_FROM[@]}") k_conns=$(median "${K_CONNS[@]}")

# Context: the same kernel runs over a link with the veth offloads left on.
CPUS=1 sink_start "$NSK" 10.52.0.100 9 "$DIR/g_sink.out" 0
ip netns exec "$NSC" taskset -c 0 "$PEER" send 10.52.0.100 9 "$MB" >"$DIR/res"
g_to=$(mibs "$DIR/res")
CPUS=0 sink_start "$NSC" 10.52.0.1 5003 "$DIR/g_from.out" 1
ip netns exec "$NSK" taskset -c 1 "$PEER" send 10.52.0.1 5003 "$MB" >/dev/null
g_from=$(sink_nth "$DIR/g_from.out" 1)

# ---- state per connection -------------------------------------------------------------------
conn_bytes=$(field "$tcp" connection_state_bytes)
per_conn=$($PY -c "print(round(($heap_large - $heap_small) / (65536 - 16384)))")
slab() { awk -v n="$1" '$1 == n {print $4}' /proc/slabinfo; }
k_tcp=$(slab TCP)
k_tcp6=$(slab TCPv6)
k_inode=$(slab sock_inode_cache)
k_filp=$(slab filp)

ratio() { $PY -c "print('%.2f' % ($1 / $2 if $2 else 0))"; }
echo "| measure | meshpath | kernel | meshpath / kernel |"
echo "|---|---|---|---|"
echo "| goodput to the peer, MiB/s (client sends to discard) | $mp_to | $k_to | $(ratio "$mp_to" "$k_to") |"
echo "| goodput from the peer, MiB/s (the peer sends to a sink) | $mp_from | $k_from | $(ratio "$mp_from" "$k_from") |"
echo "| accept+close connections/s | $mp_conns | $k_conns | $(ratio "$mp_conns" "$k_conns") |"
echo "| bytes of state per connection (no buffers) | $conn_bytes | $k_tcp | $(ratio "$conn_bytes" "$k_tcp") |"
echo "| context: goodput to / from, kernel with veth GSO, MiB/s | $mp_to / $mp_from | $g_to / $g_from | $(ratio "$mp_to" "$g_to") / $(ratio "$mp_from" "$g_from") |"
echo
echo "- Medians of $ROUNDS rounds, each meshpath's runs then the kernel's; every run, in order:"
echo "  to the peer meshpath ${MP_TO[*]}, kernel ${K_TO[*]} MiB/s; from the peer meshpath"
echo "  ${MP_FROM[*]}, kernel ${K_FROM[*]} MiB/s; connections/s meshpath ${MP_CONNS[*]}, kernel"
echo "  ${K_CONNS[*]} (failed connections: meshpath $mp_failed, kernel $k_failed)."
echo "- meshpath: one worker on CPU 1, af_packet on a veth; the clients and sinks on CPU 0, the"
echo "  kernel's server on CPU 1. Goodput over $MB MiB per run; connections over ${DUR} s, $THREADS client"
echo "  threads. The kernel does a receiver's TCP work in softirq on the sending CPU (veth): the"
echo "  ratios compare the two setups, not equal CPU budgets."
echo "- meshpath's sending client (from the peer): ${client_states}in ${MP_USEC[*]} us from connect to"
echo "  close; segments retransmitted / RTO expiries by meshpath's stack per round: ${MP_RETRANS[*]}."
echo "- State: meshpath's \`struct mp_tcp_conn\` is $conn_bytes bytes; with its connection-table entry,"
echo "  meshpath's heap grows by $per_conn bytes per preallocated connection (max_connections 16384"
echo "  -> 65536). The kernel's \`tcp_sock\` (slab TCP) is $k_tcp bytes (TCPv6 $k_tcp6); a socket also"
echo "  takes a \`socket_alloc\` (sock_inode_cache, $k_inode bytes) and, when user space holds it, a"
echo "  \`file\` ($k_filp bytes). Neither side holds buffers for an idle connection. The ratio row"
echo "  compares the connection structures alone."
