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

# Count test cases, not programs: cmocka ends with "[  PASSED  ] N test(s)." and
# "[  FAILED  ] N test(s)", the end-to-end scripts with "N passed, M failed". A program that
# died before reporting shows only in meson's own "Fail:" count, which is added when no case
# failure explains it.
tally() { # LOGFILE (meson's testlog.txt for the step)
	local txt=$1 p f mfail
	p=$(grep -hoE '^\[  PASSED  \] [0-9]+' "$txt" | awk '{s+=$NF} END {print s+0}')
	p=$((p + $(grep -hE '^[0-9]+ passed, [0-9]+ failed' "$txt" | awk '{s+=$1} END {print s+0}')))
	f=$(grep -hoE '^\[  FAILED  \] [0-9]+ test' "$txt" | awk '{s+=$(NF-1)} END {print s+0}')
	f=$((f + $(grep -hE '^[0-9]+ passed, [0-9]+ failed' "$txt" | awk '{s+=$3} END {print s+0}')))
	mfail=$(grep -E '^(Fail|Unexpected Pass|Timeout):' "$log" | awk '{s+=$NF} END {print s+0}')
	[ "$f" -eq 0 ] && f=$mfail
	passed=$((passed + p))
	failed=$((failed + f))
}

step() { # BUILD_DIR LOGBASE meson-test-args...
	local dir=$1 base=$2
	shift 2
	echo "== meson test -C $dir $*"
	rm -f "$dir/meson-logs/$base.txt"
	meson test -C "$dir" --logbase "$base" --print-errorlogs "$@" 2>&1 | tee "$log"
	if [ -f "$dir/meson-logs/$base.txt" ]; then
		tally "$dir/meson-logs/$base.txt"
	else
		failed=$((failed + 1))
	fi
}

[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" || exit 1
[ -f "$ASAN_BUILD/build.ninja" ] ||
	meson setup "$ASAN_BUILD" -Db_sanitize=address,undefined -Db_lundef=false -Db_lto=false -Dbench=false || exit 1
ninja -C "$BUILD" || exit 1
ninja -C "$ASAN_BUILD" || exit 1

step "$BUILD" unit --suite unit
# DPDK's EAL maps large regions ASan cannot shadow cheaply; these options keep it usable.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	step "$ASAN_BUILD" unit-asan --suite unit
if [ "$(id -u)" -eq 0 ]; then
	step "$BUILD" e2e --suite e2e --num-processes 1
	# The same end-to-end tests with the ASan+UBSan-built meshpath: a memory error or a leak
	# aborts it or fails its exit status, and the test with it.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		step "$ASAN_BUILD" e2e-asan --suite e2e --num-processes 1
else
	echo "== end-to-end tests need root (network namespaces): skipped"
	failed=$((failed + 1))
fi

echo
echo "Summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
