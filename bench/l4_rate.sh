#!/usr/bin/env bash
# L4 packet rate: meshpath's full-NAT UDP path against testpmd's io forwarding, on the same
# virtual device (memif) and the same generator (meshpath-l4gen), measured in the same run.
# The generator sends UDP datagrams from FLOWS distinct clients and counts what comes back:
# through testpmd unchanged (looped), through meshpath NATed to one of four endpoints (which the
# generator also plays). Both devices under test poll on CPU 1, the generator on CPU 0.
#
# The ratio per core compares what each device spends per packet while it has packets (busy
# cycles: testpmd's --record-core-cycles, meshpath's telemetry over the measured seconds). The
# rates are printed too, but their ratio flatters meshpath: one generator core cannot keep
# testpmd busy (most of its polls come back empty), so testpmd's rate is the generator's.
#
# usage: bench/l4_rate.sh BUILD_DIR [SECONDS]      (as root; prints a markdown table)
set -euo pipefail
BUILD=$(realpath "${1:-build}")
SECONDS_MEASURE=${2:-5}
WARMUP=4
# Packets per RX burst, the same for testpmd and meshpath.
BURST=${L4_BURST:-64}
DIR=$(mktemp -d /tmp/mp-l4rate.XXXXXX)
SOCK="$DIR/memif.sock"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	rm -rf "$DIR" /var/run/dpdk/mpl4-gen /var/run/dpdk/mpl4-dut
}
trap cleanup EXIT
EAL_GEN=(--no-pci --no-huge -m 512 --no-shconf --file-prefix mpl4-gen -l 0
	--vdev "net_memif0,role=client,socket=$SOCK")
. "$(dirname "$0")/l4_conf.sh"

# The flows' order after their first packets (bench/l4gen.c): seq, round robin in the order
# the flow table allocated them, which a hardware prefetcher follows; scatter, every entry
# read a random one, as real traffic gives.
ORDER=${L4_ORDER:-seq}
# The generator stays connected after its report (L4GEN_LINGER) until the device under test has
# been stopped: DPDK 22.11's memif unmaps the shared memory when the peer leaves, under a worker
# that may still be polling it (meshpath waits for its workers first, drivers/net/port_unmap.c;
# testpmd does not).
gen_start() { # PEER_MAC FLOWS SIZE: start the generator
	: >"$DIR/gen.out"
	L4GEN_LINGER=1 "$BUILD/bench/meshpath-l4gen" "${EAL_GEN[@]}" -- "$1" "$L4_VIP" "$2" "$3" \
		"$WARMUP" "$SECONDS_MEASURE" "$ORDER" >"$DIR/gen.out" 2>/dev/null &
	GEN=$!
	PIDS+=("$GEN")
}
gen_report() { # wait for the generator's JSON line, into gen.json
	while ! grep -q '^{' "$DIR/gen.out" && kill -0 "$GEN" 2>/dev/null; do sleep 0.1; done
	grep '^{' "$DIR/gen.out" >"$DIR/gen.json" || true
}
gen_stop() {
	kill -TERM "$GEN" 2>/dev/null || true
	wait "$GEN" 2>/dev/null || true
}

baseline() { # FLOWS SIZE
	testpmd_start "$SOCK" mpl4-dut "$DIR/testpmd.log"
	local t=$TP_PID
	gen_start 02:00:00:00:00:01 "$1" "$2"
	gen_report
	kill -INT "$t" 2>/dev/null || true
	wait "$t" || true
	gen_stop
	# Printed as it stops: cycles spent in bursts that brought packets, per packet.
	testpmd_cycles "$DIR/testpmd.log" >"$DIR/tp_cycles"
	grep -m1 'RX-bursts' "$DIR/testpmd.log" >"$DIR/tp_bursts" || true
	cat "$DIR/gen.json"
}

meshpath_run() { # FLOWS SIZE
	local m
	meshpath_start "$BUILD" "$DIR/mp.conf" "$SOCK" "$1" "$EAL_DUT"
	m=$MP_PID
	if [ -n "${L4_PERF:-}" ]; then # profile the measured seconds into L4_PERF (a perf.data path)
		(sleep "$WARMUP"; perf record -e cpu-clock -p "$m" -o "$L4_PERF" -- sleep "$SECONDS_MEASURE" \
			>/dev/null 2>&1) &
	fi
	gen_start "$L4_DUT_MAC" "$1" "$2"
	# Busy cycles over the measured seconds only: the warm-up also creates every flow.
	sleep "$WARMUP"
	tel_stats >"$DIR/stats0.json"
	gen_report
	tel_stats >"$DIR/stats.json"
	[ -z "${L4_STATS:-}" ] || cp "$DIR/stats.json" "$L4_STATS-$1-$2.json"
	kill -0 "$m" 2>/dev/null || { echo "meshpath exited early:" >&2; tail -20 "$DIR/mp.conf.log" >&2; }
	busy_per_pkt "$DIR/stats0.json" "$DIR/stats.json" >"$DIR/cycles"
	kill -TERM "$m"; wait "$m" || true
	gen_stop
	cat "$DIR/gen.json"
}

l4_eal_dut # sets EAL_DUT (and reserves hugepages when L4_HUGEPAGES is set)

pps() { /usr/bin/python3 -c 'import json, sys; print(int(json.loads(sys.argv[1])["rx_pps"]))' "$1"; }

# L4_ROUNDS=N: testpmd and meshpath alternate N times per case; each column is the median of
# the rounds (the ratios are medians of each round's ratio; each round's is printed too). This
# machine is shared: one round can move by 10 % or more.
ROUNDS=${L4_ROUNDS:-1}
/usr/bin/python3 "$(dirname "$0")/l4_table.py" --header rate
for size in ${L4_SIZES:-64 512}; do
	for flows in ${L4_FLOWS:-1000 1000000}; do
		: >"$DIR/rounds"
		for _ in $(seq "$ROUNDS"); do
			b=$(baseline "$flows" "$size")
			m=$(meshpath_run "$flows" "$size")
			tc=$(cat "$DIR/tp_cycles" 2>/dev/null || true)
			mc=$(cat "$DIR/cycles" 2>/dev/null || true)
			polls=$(sed 's/.*\[\(.*\)\].*/\1/' "$DIR/tp_bursts" 2>/dev/null | tr ' ' '_' || true)
			# One line per round, every field present ("?" when a device printed nothing).
			printf '%s %s %s %s %s\n' "${tc:-?}" "${mc:-?}" "$(pps "$b")" "$(pps "$m")" \
				"${polls:-?}" >>"$DIR/rounds"
		done
		/usr/bin/python3 "$(dirname "$0")/l4_table.py" rate "$size" "$flows" "$DIR/rounds"
	done
done
