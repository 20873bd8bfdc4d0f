# Shared helpers for the end-to-end tests (bash, sourced). Each test creates its own namespaces
# and veths with a per-run suffix, starts the real meshpath binary, and removes everything it
# made on exit, also on failure or interruption. Processes are ended by PID only.
set -euo pipefail

E2E_ID=${E2E_ID:-$$}
E2E_DIR=$(mktemp -d "/tmp/mp-e2e-$E2E_ID.XXXXXX")
E2E_NETNS=()
E2E_LINKS=()
E2E_PIDS=()
E2E_HOOKS=() # commands run first on exit, e.g. to put back a system setting
MESHPATH_PID=
E2E_FAILS=0
E2E_CHECKS=0

e2e_cleanup() {
	local rc=$?
	set +e
	for pid in "${E2E_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${E2E_PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	done
	for hook in "${E2E_HOOKS[@]}"; do eval "$hook"; done
	for l in "${E2E_LINKS[@]}"; do ip link del "$l" 2>/dev/null; done
	for ns in "${E2E_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	# EAL's runtime folder (its telemetry socket), left behind by a process that ended.
	[ -z "${E2E_PREFIX:-}" ] || rm -rf "/var/run/dpdk/$E2E_PREFIX"
	if [ "$rc" -ne 0 ] && [ -f "$E2E_DIR/meshpath.log" ]; then
		echo "---- meshpath log ----"
		tail -50 "$E2E_DIR/meshpath.log"
	fi
	rm -rf "$E2E_DIR"
	exit "$rc"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "FAIL: $*" >&2
	exit 1
}

# check DESCRIPTION COMMAND...: run a check, report it, remember failures.
check() {
	local what=$1
	shift
	E2E_CHECKS=$((E2E_CHECKS + 1))
	if "$@"; then
		echo "ok   - $what"
	else
		echo "FAIL - $what"
		E2E_FAILS=$((E2E_FAILS + 1))
	fi
}

# between N LO HI: LO <= N <= HI
between() {
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# quiet COMMAND...: run without output, for checks whose command talks.
quiet() {
	"$@" >/dev/null 2>&1
}

# Finish: non-zero exit when any check failed.
e2e_done() {
	echo "$((E2E_CHECKS - E2E_FAILS)) passed, $E2E_FAILS failed"
	[ "$E2E_FAILS" -eq 0 ]
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "end-to-end tests need root (network namespaces)"
}

# netns_add NAME: a namespace with loopback up, deleted on exit.
netns_add() {
	ip netns add "$1"
	E2E_NETNS+=("$1")
	ip -n "$1" link set lo up
	# Quiet IPv6 autoconfiguration: the tests add their addresses themselves.
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
}

# veth_to_ns NS NSIDE ROOTSIDE: a veth pair; NSIDE goes into NS, ROOTSIDE stays for DPDK.
veth_to_ns() {
	ip link add "$2" netns "$1" type veth peer name "$3"
	E2E_LINKS+=("$3")
	ip link set "$3" up
	# The root side only carries frames for meshpath: no kernel IPv6 on it.
	sysctl -qw "net.ipv6.conf.$3.disable_ipv6=1"
	# With af_packet the kernel must not leave checksums to absent hardware.
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
	ip -n "$1" link set "$2" up
}

# pid_forget PID: drop PID from E2E_PIDS once it has been waited for (its number may be
# reused). An exact match: a pattern substitution would also cut it out of longer PIDs.
pid_forget() {
	local kept=() p
	for p in "${E2E_PIDS[@]}"; do
		[ "$p" = "$1" ] || kept+=("$p")
	done
	E2E_PIDS=("${kept[@]}")
}

# meshpath_start BINARY CONFIG [EAL args...]: start meshpath, wait until its workers run.
meshpath_start() {
	local bin=$1 conf=$2
	shift 2
	E2E_PREFIX="mp-e2e-$E2E_ID"
	# Empty the log here: the redirect below happens in the forked child, and a wait that
	# reads the log before then would find the previous run's "running" line.
	: >"$E2E_DIR/meshpath.log"
	"$bin" -c "$conf" -- --file-prefix "$E2E_PREFIX" "$@" >"$E2E_DIR/meshpath.log" 2>&1 &
	MESHPATH_PID=$!
	E2E_PIDS+=("$MESHPATH_PID")
	for _ in $(seq 100); do
		if grep -q "meshpath: running" "$E2E_DIR/meshpath.log"; then
			# A command DPDK refused (e.g. help text over 128 bytes) drops the ones after it.
			grep -q "telemetry commands not registered" "$E2E_DIR/meshpath.log" &&
				die "meshpath: $(grep "telemetry commands not registered" "$E2E_DIR/meshpath.log")"
			return 0
		fi
		kill -0 "$MESHPATH_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$E2E_DIR/meshpath.log"
	die "meshpath did not start"
}

# meshpath_stop: SIGTERM, wait for a clean exit (status 0) within 10 s.
meshpath_stop() {
	local rc
	kill -TERM "$MESHPATH_PID"
	for _ in $(seq 100); do kill -0 "$MESHPATH_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$MESHPATH_PID" 2>/dev/null; then
		return 1
	fi
	wait "$MESHPATH_PID"
	rc=$?
	pid_forget "$MESHPATH_PID"
	return "$rc"
}

# telemetry CMD: the JSON value of a telemetry command, through DPDK's own client.
telemetry() {
	echo "$1" | /usr/bin/python3 /usr/bin/dpdk-telemetry.py -f "$E2E_PREFIX" 2>/dev/null |
		/usr/bin/python3 -c 'import sys, json
text = sys.stdin.read()
key = sys.argv[1].split(",")[0]  # the reply names the command without its parameters
start = text.index("{\"" + key)
obj, _ = json.JSONDecoder().raw_decode(text[start:])
print(json.dumps(obj[key]))' "$1"
}

# counter CMD KEY: one number from a telemetry dict.
counter() {
	telemetry "$1" | /usr/bin/python3 -c 'import sys, json; print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}

# endpoint_field CLUSTER INDEX FIELD: FIELD of endpoint INDEX (1-based) of the cluster, as
# telemetry's /meshpath/l4/clusters reports it.
endpoint_field() {
	telemetry "/meshpath/l4/clusters,$1" | /usr/bin/python3 -c 'import json, sys
print(json.load(sys.stdin)[sys.argv[1]]["endpoint%d" % (int(sys.argv[2]) - 1)][sys.argv[3]])' \
		"$1" "$2" "$3"
}

# endpoint_health CLUSTER INDEX: "up" or "down".
endpoint_health() { endpoint_field "$1" "$2" health; }

# wait_endpoint_health CLUSTER INDEX STATE: until the endpoint is in STATE, up to 10 s.
wait_endpoint_health() {
	for _ in $(seq 50); do
		[ "$(endpoint_health "$1" "$2")" = "$3" ] && return 0
		sleep 0.2
	done
	return 1
}
