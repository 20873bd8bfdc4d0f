#!/usr/bin/env bash
# L4 packet rate, paired in time: meshpath's full-NAT UDP path against testpmd's io forwarding,
# the same traffic and devices as bench/l4_rate.sh, but both devices run at once, each on its own
# memif link, and the generator sends to them in turns of L4_SLICE_MS (default 500 ms) while the
# one without traffic is held with SIGSTOP (meshpath-l4gen's paired mode, bench/l4gen.c). On a
# shared host whose speed moves by tens of percent within a minute, runs of seconds one after the
# other compare different machines; turns of half a second compare the same one. Each device
# gets SECONDS of traffic in all, after meshpath's warm-up (which creates its flows).
#
# The ratio per core is testpmd's busy cycles per packet over meshpath's, as in l4_rate.sh: each
# device counts only the loop iterations that brought packets, and every turn ends with the
# device's queue drained, so the SIGSTOP lands in an empty poll and a held spell never counts
# as work.
#
# usage: bench/l4_paired.sh BUILD_DIR [SECONDS]      (as root; prints a markdown table)
set -euo pipefail
BUILD=$(realpath "${1:-build}")
SECONDS_MEASURE=${2:-10}
WARMUP=4
BURST=${L4_BURST:-64}
SLICE_MS=${L4_SLICE_MS:-500}
ORDER=${L4_ORDER:-scatter}
# L4_BASE=DIR: the baseline is meshpath built in DIR instead of testpmd (an A/B run of two
# builds, each with its own flow tables: give L4_HUGEPAGES room for two, 1600 or more).
# L4_BASE_FLOWS=N (with L4_BASE): the baseline gets N flows, not the case's: what a flow count
# costs, measured in the same turns (L4_BASE=build L4_BASE_FLOWS=1000 L4_FLOWS=1000000).
# L4_BASE_BURST=N (with L4_BASE): the baseline's RX burst is N, not L4_BURST: what a burst size
# is worth (L4_BASE=build L4_BASE_BURST=32 L4_BURST=64).
BASE_BUILD=
BASE_FLOWS=
BASE_BURST=
[ -z "${L4_BASE:-}" ] || BASE_BUILD=$(realpath "$L4_BASE")
[ -z "$BASE_BUILD" ] || BASE_FLOWS=${L4_BASE_FLOWS:-}
[ -z "$BASE_BUILD" ] || BASE_BURST=${L4_BASE_BURST:-}
DIR=$(mktemp -d /tmp/mp-l4paired.XXXXXX)
PIDS=()
stop_all() { # end what this script started and is still running
	# A held process handles SIGTERM only once it runs again.
	for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	PIDS=()
}
cleanup() {
	stop_all
	rm -rf "$DIR" /var/run/dpdk/mpl4-gen /var/run/dpdk/mpl4-dut /var/run/dpdk/mpl4-base
}
trap cleanup EXIT
. "$(dirname "$0")/l4_conf.sh"
BASE_MAC=02:00:00:00:00:01 # testpmd's io forwarding does not look at it
[ -z "$BASE_BUILD" ] || BASE_MAC=$L4_DUT_MAC

l4_eal_dut # sets EAL_DUT (and reserves hugepages when L4_HUGEPAGES is set)

# The round trip of a cache line between CPU 0 (the generator's) and the last CPU (the devices'),
# in ns, measured while no device runs: the host's placement of the two, which sets what memif's
# copies cost (bench/memprobe.c; "?" when the probe is not built).
handoff() {
	"$BUILD/bench/meshpath-memprobe" --handoff 2>/dev/null || echo "?"
}

round() { # FLOWS SIZE N: paired run N of the case; prints "base_cycles meshpath_cycles base_pps dut_pps turns
	# handoff_before/handoff_after"
	local flows=$1 size=$2 n=$3 base mp gen h0 keep
	h0=$(handoff)
	if [ -n "$BASE_BUILD" ]; then
		BURST=${BASE_BURST:-$BURST} meshpath_start "$BASE_BUILD" "$DIR/base.conf" \
			"$DIR/base.sock" "${BASE_FLOWS:-$flows}" "${EAL_DUT//mpl4-dut/mpl4-base}" || return 1
		base=$MP_PID
	else
		testpmd_start "$DIR/base.sock" mpl4-base "$DIR/testpmd.log" || return 1
		base=$TP_PID
	fi
	meshpath_start "$BUILD" "$DIR/mp.conf" "$DIR/dut.sock" "$flows" "$EAL_DUT" || return 1
	mp=$MP_PID
	: >"$DIR/gen.out"
	L4GEN_LINGER=1 "$BUILD/bench/meshpath-l4gen" --no-pci --no-huge -m 512 --no-shconf \
		--file-prefix mpl4-gen -l 0 --vdev "net_memif0,role=client,socket=$DIR/base.sock" \
		--vdev "net_memif1,role=client,socket=$DIR/dut.sock" -- paired "$BASE_MAC" "$base" \
		"$L4_DUT_MAC" "$mp" "$L4_VIP" "${BASE_FLOWS:+$BASE_FLOWS:}$flows" "$size" "$WARMUP" \
		"$SECONDS_MEASURE" "$ORDER" "$SLICE_MS" >"$DIR/gen.out" 2>"$DIR/gen.err" &
	gen=$!
	PIDS+=("$gen")
	# The meshpaths' counters after the warm-up (the generator waits for SIGUSR1) and at the end.
	while ! grep -q '^warm' "$DIR/gen.out" && kill -0 "$gen" 2>/dev/null; do sleep 0.1; done
	tel_stats >"$DIR/stats0.json"
	[ -z "$BASE_BUILD" ] || tel_stats mpl4-base >"$DIR/base0.json"
	kill -USR1 "$gen" 2>/dev/null || true
	while ! grep -q '^{' "$DIR/gen.out" && kill -0 "$gen" 2>/dev/null; do sleep 0.1; done
	grep -q '^{' "$DIR/gen.out" || { echo "generator failed:" >&2; cat "$DIR/gen.err" >&2; return 1; }
	tel_stats >"$DIR/stats.json"
	[ -z "$BASE_BUILD" ] || tel_stats mpl4-base >"$DIR/base.json"
	keep=${L4_STATS:+$L4_STATS-$flows-$size-$n}
	if [ -n "$keep" ]; then # keep both reads and the generator's report, a set per round
		cp "$DIR/stats0.json" "$keep.0.json"
		cp "$DIR/stats.json" "$keep.json"
		grep '^{' "$DIR/gen.out" >"$keep.gen.json"
		echo /meshpath/drops | /usr/bin/python3 /usr/bin/dpdk-telemetry.py -f mpl4-dut \
			>"$keep.drops.json" 2>/dev/null || true
	fi
	kill -INT "$base" 2>/dev/null || true
	wait "$base" || true
	# testpmd's last report (its cycles and its bursts' sizes), printed as it stops.
	[ -z "$keep" ] || [ -n "$BASE_BUILD" ] || cp "$DIR/testpmd.log" "$keep.testpmd.log"
	kill -TERM "$mp" 2>/dev/null || true
	wait "$mp" || true
	kill -TERM "$gen" 2>/dev/null || true
	wait "$gen" 2>/dev/null || true
	PIDS=()
	# Each meshpath's busy cycles per packet, checked against the seconds it had traffic or was
	# drained (busy_per_pkt discards a run that exceeds them), then the generator's rates.
	local report base_s dut_s rest
	report=$(grep '^{' "$DIR/gen.out")
	read -r base_s dut_s rest < <(/usr/bin/python3 -c 'import json, sys
g = json.loads(sys.argv[1])
print(g["base"]["active_s"], g["dut"]["active_s"], int(g["base"]["rx_pps"]),
      int(g["dut"]["rx_pps"]), g["turns"])' "$report")
	if [ -n "$BASE_BUILD" ]; then
		printf '%s ' "$(busy_per_pkt "$DIR/base0.json" "$DIR/base.json" "$base_s")"
	else
		printf '%s ' "$(testpmd_cycles "$DIR/testpmd.log")"
	fi
	printf '%s %s %s/%s\n' "$(busy_per_pkt "$DIR/stats0.json" "$DIR/stats.json" "$dut_s")" \
		"$rest" "$h0" "$(handoff)"
}

# L4_ROUNDS=N paired runs per case; the columns are their medians, each run's ratio printed too.
ROUNDS=${L4_ROUNDS:-3}
MODE=paired
[ -z "$BASE_BUILD" ] || MODE=ab
/usr/bin/python3 "$(dirname "$0")/l4_table.py" --header $MODE
for size in ${L4_SIZES:-64 512}; do
	for flows in ${L4_FLOWS:-1000 1000000}; do
		: >"$DIR/rounds"
		for n in $(seq "$ROUNDS"); do
			round "$flows" "$size" "$n" >>"$DIR/rounds" || { echo "? ? ? ? ? ?/?" >>"$DIR/rounds"; stop_all; }
		done
		/usr/bin/python3 "$(dirname "$0")/l4_table.py" $MODE "$size" "$flows" "$DIR/rounds"
	done
done
