#!/usr/bin/env bash
# `make bench`: run the micro benchmarks and keep the results. Numbers from this shared, noisy
# machine mean something only as ratios to a baseline measured in the same run (bench/README.md).
#
# usage: bench/run.sh BUILD_DIR [extra Google Benchmark flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
out="bench/results/$(date +%Y-%m-%d)-$(hostname -s)"
mkdir -p "$out/raw"
echo "== micro benchmarks -> $out/raw/micro.json"
"$BUILD/bench/meshpath-bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
	--benchmark_out="$out/raw/micro.json" --benchmark_out_format=json "$@"
if [ "$(id -u)" -eq 0 ]; then
	echo "== L4 packet rate against testpmd io -> $out/l4_rate.md"
	./bench/l4_rate.sh "$BUILD" 5 | tee "$out/l4_rate.md"
	echo "== L4 new connections per second against HAProxy and nginx stream -> $out/l4_conns.md"
	./bench/l4_conns.sh "$BUILD" 5 | tee "$out/l4_conns.md"
else
	echo "== L4 packet rate needs root (DPDK with memif): skipped"
fi
