#!/usr/bin/env bash
# Instructions per packet of meshpath's L4 data path, counted by callgrind: the same traffic as
# bench/l4_rate.sh (UDP from FLOWS clients to a VIP, full NAT to four endpoints, over memif),
# with meshpath under valgrind. Instruction counts do not depend on what else the machine runs,
# so two builds compare exactly where packet rates on a shared machine move by 10 % between
# runs. They say nothing of cache misses: at a million flows those cost more than the
# instructions (bench/l4_rate.sh measures both).
#
# usage: bench/l4_instr.sh BUILD_DIR [FLOWS] [SECONDS]     (as root or not; prints a table)
set -euo pipefail
BUILD=$(realpath "${1:-build}")
FLOWS=${2:-1000}
SECONDS_MEASURE=${3:-6}
command -v valgrind >/dev/null || { echo "l4_instr: needs valgrind" >&2; exit 2; }
DIR=$(mktemp -d /tmp/mp-l4instr.XXXXXX)
SOCK="$DIR/memif.sock"
VG=
GEN=
cleanup() {
	[ -z "$VG" ] || kill -KILL "$VG" 2>/dev/null || true
	[ -z "$GEN" ] || kill -KILL "$GEN" 2>/dev/null || true
	[ -n "${L4_INSTR_KEEP:-}" ] || rm -rf "$DIR"
	rm -rf /var/run/dpdk/mpl4i-dut /var/run/dpdk/mpl4i-gen
}
trap cleanup EXIT

. "$(dirname "$0")/l4_conf.sh"
l4_conf "$DIR/mp.conf" "$SOCK" "$FLOWS" 64 \
	'"--no-pci", "--no-huge", "-m", "1024", "--no-shconf", "--file-prefix", "mpl4i-dut"'
"$BUILD/app/meshpath/meshpath" --check "$DIR/mp.conf" >/dev/null

# Only the worker is counted: start-up (EAL, tables) would swamp a few seconds of traffic.
valgrind --tool=callgrind --collect-atstart=no --toggle-collect=mp_worker_main \
	--callgrind-out-file="$DIR/cg.out" "$BUILD/app/meshpath/meshpath" -c "$DIR/mp.conf" \
	>"$DIR/mp.log" 2>&1 &
VG=$!
for _ in $(seq 300); do
	grep -q "running:" "$DIR/mp.log" 2>/dev/null && break
	kill -0 "$VG" 2>/dev/null || { tail -20 "$DIR/mp.log" >&2; exit 1; }
	sleep 0.2
done
# The generator stays connected until meshpath has stopped (see bench/l4_rate.sh).
L4GEN_LINGER=1 "$BUILD/bench/meshpath-l4gen" --no-pci --no-huge -m 512 --no-shconf \
	--file-prefix mpl4i-gen -l 0 --vdev "net_memif0,role=client,socket=$SOCK" -- \
	"$L4_DUT_MAC" "$L4_VIP" "$FLOWS" 64 2 "$SECONDS_MEASURE" >"$DIR/gen.out" 2>/dev/null &
GEN=$!
while ! grep -q '^{' "$DIR/gen.out" && kill -0 "$GEN" 2>/dev/null; do sleep 0.1; done
grep '^{' "$DIR/gen.out" >"$DIR/gen.json" || true
kill -TERM "$VG"
wait "$VG" || true
VG=
kill -TERM "$GEN" 2>/dev/null || true
wait "$GEN" 2>/dev/null || true
GEN=

# Forwarded packets: what meshpath sent, from its final counters (a handful of ARP requests
# among them).
packets=$(sed -n 's/.*port p0 .* tx \([0-9]*\) pkts.*/\1/p' "$DIR/mp.log" | head -1)
[ -n "$packets" ] && [ "$packets" -gt 0 ] || { echo "l4_instr: no packet forwarded" >&2; tail -20 "$DIR/mp.log" >&2; exit 1; }

# Each function's own instructions, summed over the source files inlined into it. The stage
# entry points stay out of line (net_dp.c, l4_dp.c), so every per-packet instruction of
# meshpath's falls in a function other than the loop's (mp_worker_main, mp_net_flush); memif's
# copies (its own library, libc's memset and memcpy, the TLS lookups of its mempool calls) do
# not count. rte_fib's lookup does: meshpath calls it per packet.
echo "| function | instructions per packet |"
echo "|---|---|"
callgrind_annotate --auto=no --threshold=100 "$DIR/cg.out" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | grep -v 'PROGRAM TOTALS' |
	awk -v pk="$packets" '
	{
		n = $1; gsub(",", "", n)
		f = $0; sub(/^ *[0-9,]+ \( *[0-9.]+%\) +/, "", f); src = f
		sub(/ \[.*/, "", f); sub(/.*:/, "", f); sub(/\.(lto_priv|part|isra|constprop)\.[0-9]+$/, "", f)
		if (src ~ /librte_fib/)
			f = "rte_fib (route lookup)"
		else if (src ~ /^(\?\?\?|\.\/)/) # no symbols (memif), or glibc and ld.so sources
			next
		if (f == "mp_worker_main" || f == "mp_net_flush")
			next
		s[f] += n
		t += n
	}
	END {
		for (f in s)
			if (s[f] / pk >= 0.5)
				printf "| %s | %.1f |\n", f, s[f] / pk | "sort -t\"|\" -k3 -rn"
		close("sort -t\"|\" -k3 -rn")
		printf "| **total** | **%.1f** |\n", t / pk
	}'
echo
# L4_INSTR_OUT=FILE: keep callgrind's output there, for callgrind_annotate by source line.
[ -z "${L4_INSTR_OUT:-}" ] || cp "$DIR/cg.out" "$L4_INSTR_OUT"
# L4_INSTR_ALL=1: every function of the worker at 1 instruction per packet or more.
[ -z "${L4_INSTR_ALL:-}" ] || callgrind_annotate --auto=no --threshold=100 "$DIR/cg.out" 2>/dev/null |
	grep -E '^ *[0-9,]+ \(' | grep -v 'PROGRAM TOTALS' |
	awk -v pk="$packets" '{ n = $1; gsub(",", "", n); if (n / pk >= 1) printf "%8.1f  %s\n", n / pk, $NF == "" ? $0 : $0 }' |
	sed -E 's/ +[0-9,]+ \( *[0-9.]+%\) +/  /' | cut -c1-150
echo "$packets packets forwarded ($FLOWS flows, 64-byte frames); generator: $(cat "$DIR/gen.json")"
