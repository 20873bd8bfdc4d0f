#!/usr/bin/env bash
# Everything `make test` runs: build, unit tests, unit tests under ASan+UBSan, end-to-end
# tests. Ends with one line "N passed, N failed" and exits non-zero when anything failed or
# when no test ran at all.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-build-asan}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# meson test prints "Ok: N" and "Fail: N" (and friends) at the end of each run.
tally() {
	local ok fail
	ok=$(grep -E '^Ok:' "$log" | awk '{print $2}' | tail -1)
	fail=$(grep -E '^(Fail|Unexpected Pass|Timeout):' "$log" | awk '{s+=$2} END {print s+0}')
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${fail:-0}))
}

step() {
	echo "== $*"
	if ! "$@" 2>&1 | tee "$log"; then
		grep -qE '^(Ok|Fail):' "$log" || failed=$((failed + 1))
	fi
	tally
}

[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" || exit 1
[ -f "$ASAN_BUILD/build.ninja" ] ||
	meson setup "$ASAN_BUILD" -Db_sanitize=address,undefined -Db_lundef=false -Dbench=false || exit 1
ninja -C "$BUILD" || exit 1
ninja -C "$ASAN_BUILD" || exit 1

step meson test -C "$BUILD" --suite unit --print-errorlogs
# DPDK's EAL maps large regions ASan cannot shadow cheaply; these options keep it usable.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	step meson test -C "$ASAN_BUILD" --suite unit --print-errorlogs
if [ "$(id -u)" -eq 0 ]; then
	step meson test -C "$BUILD" --suite e2e --print-errorlogs --num-processes 1
else
	echo "== end-to-end tests need root (network namespaces): skipped"
	failed=$((failed + 1))
fi

echo
echo "Summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
