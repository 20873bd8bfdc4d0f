#!/usr/bin/env bash
# `make bench`: the whole benchmark suite, one step after another, with a progress line per step,
# into bench/results/<date>-<host>/ (raw outputs in raw/, then report.md and PNG plots written by
# bench/report.py). Numbers from this shared, noisy machine mean something only as ratios to a
# baseline measured in the same run (bench/README.md). Each macro script cleans up its own
# namespaces and processes on exit, also when interrupted.
#
# usage: bench/run.sh BUILD_DIR [extra Google Benchmark flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
out="bench/results/$(date +%Y-%m-%d)-$(hostname -s)"
raw="$out/raw"
mkdir -p "$raw"
: >"$raw/steps.txt"
START=$(date +%s)

{
	echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "host:     $(hostname -s), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "cpu:      $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "kernel:   $(uname -r)"
	echo "meshpath: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (modified)')"
	echo "dpdk:     $(pkg-config --modversion libdpdk 2>/dev/null || echo '?')"
} >"$raw/meta.txt"

STEPS=4
[ "$(id -u)" -eq 0 ] && STEPS=10
N=0
step() { # NAME OUTPUT COMMAND...: run one step, its stdout into OUTPUT (- for the suite's own
	# stdout: reopening /dev/stdout would truncate a log file it is redirected to), log how it went
	local name=$1 file=$2 t0 rc=0
	shift 2
	N=$((N + 1))
	t0=$(date +%s)
	printf '[%d/%d] %-50s (at %ds)\n' "$N" "$STEPS" "$name" "$((t0 - START))"
	if [ "$file" = - ]; then
		"$@" || rc=$?
	else
		"$@" >"$file" || rc=$?
	fi
	printf '%s\t%d\t%s\n' "$name" "$(($(date +%s) - t0))" \
		"$([ $rc -eq 0 ] && echo ok || echo "failed ($rc)")" >>"$raw/steps.txt"
	[ $rc -eq 0 ] || echo "      failed with status $rc; the report shows what ran" >&2
}

# What a random load costs once its page is beyond the TLB's reach (bench/memprobe.c): it
# decides the L4 rows at a million flows. In 2 MiB pages as meshpath's flow tables, reserved for
# the step when root can (40 more, given back on exit, also when interrupted).
memprobe() (
	before=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$(id -u)" -eq 0 ]; then
		trap 'echo "$before" >/proc/sys/vm/nr_hugepages' EXIT
		echo $((before + 40)) >/proc/sys/vm/nr_hugepages
	fi
	taskset -c "$(($(nproc) - 1))" "$BUILD/bench/meshpath-memprobe"
)

step "micro benchmarks (Google Benchmark, 3 repetitions)" "$raw/micro.txt" \
	"$BUILD/bench/meshpath-bench" --benchmark_repetitions=3 \
	--benchmark_report_aggregates_only=true --benchmark_out="$raw/micro.json" \
	--benchmark_out_format=json "$@"
step "random loads: packed, and one per 4 KiB page" "$raw/memprobe.md" memprobe
if [ "$(id -u)" -eq 0 ]; then
	# Hugepages for meshpath's flow tables, as in production; given back afterwards.
	step "L4 packet rate against testpmd io (memif)" "$raw/l4_rate.md" \
		env L4_HUGEPAGES=1024 ./bench/l4_rate.sh "$BUILD" 5
	step "L4 packet rate against testpmd io, paired in time" "$raw/l4_paired.md" \
		env L4_HUGEPAGES=1024 ./bench/l4_paired.sh "$BUILD" 5
	step "L4 new connections/s against HAProxy and nginx" "$raw/l4_conns.md" \
		./bench/l4_conns.sh "$BUILD" 5
	# L7: HTTP through kernel forwarding, nginx, HAProxy and meshpath (when it serves HTTP),
	# then idle connections; each about 4 and 2 minutes.
	step "L7 rate and open-loop latency (3 workloads x proxies)" "$raw/l7.md" \
		./bench/l7.sh "$BUILD" "$raw" rate 4
	step "L7 memory: 10k and 100k idle connections" "$raw/l7_mem.md" \
		./bench/l7.sh "$BUILD" "$raw" memory
	step "TCP stack against the kernel (goodput, conns/s, state)" "$raw/tcp_goodput.md" \
		./bench/tcp_goodput.sh "$BUILD" 5
	step "L4, L7 and TCP tables printed" - cat "$raw/memprobe.md" "$raw/l4_rate.md" "$raw/l4_paired.md" "$raw/l4_conns.md" \
		"$raw/l7.md" "$raw/l7_mem.md" "$raw/tcp_goodput.md"
else
	echo "      the macro benchmarks need root (DPDK devices, namespaces): skipped"
fi
step "report and plots" "$raw/report.txt" /usr/bin/python3 bench/report.py "$out"
echo "done in $(($(date +%s) - START))s: $out/report.md"
