#!/usr/bin/env bash
# End to end, command line: `meshpath --check` accepts the shipped configs, names the file and
# line of every error (a misspelled key and a route regex that does not compile included) and
# exits 1; `meshpath -c` refuses to start
# on the same file with the same messages.
#
# usage: test_cli.sh MESHPATH_BINARY
source "$(dirname "$0")/lib.sh"
BIN=$(realpath "$1")
ROOT=$(dirname "$(realpath "$0")")/../..

for f in "$ROOT"/conf/meshpath.conf "$ROOT"/conf/examples/*.conf; do
	check "--check accepts $(basename "$f")" "$BIN" --check "$f"
done

bad="$E2E_DIR/bad.conf"
cat >"$bad" <<'CONF'
eal = { args = ["--no-pci"]; };
workers = { lcores = [1]; burst = 32; };
ports = (
	{
		name = "cli";
		device = "net_tap0,iface=mpx0";
		mtuu = 1500;
		addresses = ["10.0.0.300/24"];
	}
);
CONF
set +e
"$BIN" --check "$bad" >"$E2E_DIR/check.out" 2>&1
rc=$?
"$BIN" -c "$bad" >"$E2E_DIR/run.out" 2>&1
run_rc=$?
set -e
check "--check exits 1 on errors" [ "$rc" -eq 1 ]
check "misspelled key named with its line" \
	grep -q "^$bad:7: .*'mtuu'.*did you mean 'mtu'" "$E2E_DIR/check.out"
check "bad address named with its line" grep -q "^$bad:8: .*10.0.0.300/24" "$E2E_DIR/check.out"
check "-c refuses to start on an invalid config" [ "$run_rc" -ne 0 ]
check "-c prints the same messages" grep -q "^$bad:7: .*'mtuu'" "$E2E_DIR/run.out"
check "-c does not start the EAL" bash -c "! grep -q 'EAL:' '$E2E_DIR/run.out'"
# A route regex that Hyperscan refuses: named with its line and the engine's words.
rx="$E2E_DIR/badrx.conf"
sed 's|regex = "/v1/users/\[0-9\]+"|regex = "/v1/users/([0-9]+"|' \
	"$ROOT/conf/examples/http-routes.conf" >"$rx"
set +e
"$BIN" --check "$rx" >"$E2E_DIR/rx.out" 2>&1
rc=$?
set -e
check "--check exits 1 on a regex that does not compile" [ "$rc" -eq 1 ]
check "bad regex named with its line and the engine's message" \
	grep -q "^$rx:[0-9]*: path regex \"/v1/users/(\[0-9\]+\" does not compile: Missing close" \
	"$E2E_DIR/rx.out"
set +e
"$BIN" --check "$E2E_DIR/missing.conf" >"$E2E_DIR/missing.out" 2>&1
rc=$?
set -e
check "missing file reported" [ "$rc" -eq 1 ]
check "missing file named" grep -q "missing.conf" "$E2E_DIR/missing.out"
check "usage on no arguments" bash -c "! '$BIN' >/dev/null 2>&1"
e2e_done
