#!/usr/bin/env bash
# End to end, active HTTP health checks: a client namespace and a server namespace joined to
# meshpath by af_packet ports, two workers. Three scripted HTTP upstreams (health_server.py)
# form cluster "web" behind TCP VIP 10.10.0.100:80, checked with GET /ok on meshpath's own TCP
# stack. Asserts that the checks carry the configured path, Host and User-Agent; that an
# upstream answering 500 on /ok goes down (telemetry) and gets no new connections, then comes
# back when it answers 200 again; that one that accepts and never answers goes down by
# timeout, one that answers something that is not HTTP goes down as malformed, and one that
# refuses connections goes down as connect_failed; that each comes back; that a cluster of an
# HTTP-only policy is checked too; that the checks follow a reload.
#
# usage: test_health_http.sh MESHPATH_BINARY      (as root)
source "$(dirname "$0")/lib.sh"
need_root
BIN=$(realpath "$1")
PY=/usr/bin/python3
NSC="mphcc-$E2E_ID"
NSS="mphcs-$E2E_ID"
VC="mhc$E2E_ID"
VS="mhs$E2E_ID"
WORKERS=${E2E_WORKERS:-2}
# Checks every 600 ms, 500 ms to answer, down after 3 failures: slow enough for a loaded
# 2-CPU machine (two pollers share CPU 1), quick enough for a test.
INTERVAL=600

netns_add "$NSC"
netns_add "$NSS"
veth_to_ns "$NSC" vc0 "$VC"
veth_to_ns "$NSS" vs0 "$VS"
ip -n "$NSC" addr add 10.10.0.1/24 dev vc0
for i in 1 2 3; do ip -n "$NSS" addr add "10.20.0.$i/24" dev vs0; done

mode() { # INDEX MODE: what upstream INDEX answers on /ok from now on
	echo "$2" >"$E2E_DIR/mode$1"
}
declare -A UPSTREAM_PID
start_upstream() { # INDEX
	ip netns exec "$NSS" "$PY" "$(dirname "$0")/health_server.py" "10.20.0.$1" 8080 \
		"backend $1" "$E2E_DIR/mode$1" "$E2E_DIR/requests$1.log" &
	UPSTREAM_PID[$1]=$!
	E2E_PIDS+=($!)
}
for i in 1 2 3; do
	mode "$i" 200
	start_upstream "$i"
done
for i in 1 2 3; do # the upstreams answer directly before meshpath is involved
	for _ in $(seq 50); do
		ip netns exec "$NSS" curl -s -m 1 "http://10.20.0.$i:8080/" >/dev/null && break
		sleep 0.1
	done
done

lcores=1 cpus=1
if [ "$WORKERS" -eq 2 ]; then lcores="1, 2" cpus="1, 1"; fi
cat >"$E2E_DIR/hc.conf" <<CONF
eal = { args = ["--no-pci", "--no-huge", "-m", "512", "--no-shconf"]; };
workers = { lcores = [$lcores]; cpus = [$cpus]; };
flows = { max = 1024; tcp_close_ms = 1000; };
ports = (
	{ name = "cli"; device = "net_af_packet0,iface=$VC,qpairs=$WORKERS";
	  addresses = ["10.10.0.254/24"]; },
	{ name = "srv"; device = "net_af_packet1,iface=$VS,qpairs=$WORKERS";
	  addresses = ["10.20.0.254/24"]; }
);
clusters = (
	{ name = "web"; policy = "round_robin";
	  endpoints = ( { address = "10.20.0.1"; port = 8080; },
	                { address = "10.20.0.2"; port = 8080; },
	                { address = "10.20.0.3"; port = 8080; } );
	  health = { type = "http"; path = "/ok"; host = "health.test";
	             expected_statuses = ["200-299"];
	             interval_ms = $INTERVAL; timeout_ms = 500; rise = 2; fall = 3; }; },
	# HTTP only (no L4 listener may name it): built, and checked like any other.
	{ name = "sticky"; policy = "ring_hash"; ring_hash = { size = 1024; };
	  endpoints = ( { address = "10.20.0.1"; port = 8080; } );
	  outlier_detection = { }; circuit_breakers = { max_requests = 100; };
	  health = { type = "http"; path = "/ok"; interval_ms = $INTERVAL; timeout_ms = 500; }; }
);
listeners = (
	{ name = "web-vip"; protocol = "tcp"; address = "10.10.0.100"; port = 80; cluster = "web"; }
);
CONF
"$BIN" --check "$E2E_DIR/hc.conf" >/dev/null || die "test config rejected"
meshpath_start "$BIN" "$E2E_DIR/hc.conf"

health() { endpoint_health web "$1"; }     # INDEX (1-based) of cluster web: up or down
wait_health() { wait_endpoint_health web "$1" "$2"; } # INDEX STATE: up to 10 s
hc() { # KEY: a counter of /meshpath/health/http
	counter /meshpath/health/http "$1"
}
# N requests through the VIP, one connection each; the answering backends in FILE.
through_vip() { # N FILE
	: >"$2"
	for _ in $(seq "$1"); do
		ip netns exec "$NSC" curl -s -m 2 http://10.10.0.100/ >>"$2" || echo "failed" >>"$2"
	done
}

for i in 1 2 3; do check "upstream $i reported up" wait_health "$i" up; done
check "the ring_hash cluster's endpoint reported up" wait_endpoint_health sticky 1 up
policy=$(telemetry /meshpath/l4/clusters | $PY -c 'import json, sys; print(json.load(sys.stdin)["sticky"]["policy"])')
check "telemetry names its policy ($policy)" [ "$policy" = ring_hash ]
sleep 1 # a few rounds of checks
check "checks were answered ok ($(hc ok))" [ "$(hc ok)" -ge 4 ]
check "upstream 1 received GET /ok HTTP/1.1 with Host, User-Agent and Connection: close" \
	grep -qx 'GET /ok HTTP/1.1|health.test|meshpath-health|close' "$E2E_DIR/requests1.log"
n0=$(grep -c '^GET /ok HTTP/1.1|health.test|' "$E2E_DIR/requests1.log" || true)
sleep 3
n1=$(($(grep -c '^GET /ok HTTP/1.1|health.test|' "$E2E_DIR/requests1.log" || true) - n0))
check "one check per interval_ms ($n1 in 3 s at $INTERVAL ms)" between "$n1" 3 7
through_vip 30 "$E2E_DIR/vip0.out"
check "30 connections through the VIP all answered" bash -c "! grep -q failed '$E2E_DIR/vip0.out'"

# 500 on /ok: down, and new connections go to the others.
mode 2 500
check "upstream 2 answering 500 marked down" wait_health 2 down
check "counted as bad_status ($(hc bad_status))" [ "$(hc bad_status)" -ge 2 ]
check "upstreams 1 and 3 stay up" [ "$(health 1)$(health 3)" = upup ]
through_vip 30 "$E2E_DIR/vip1.out"
check "30 connections all answered while upstream 2 is down" \
	bash -c "! grep -q failed '$E2E_DIR/vip1.out' && [ \$(wc -l <'$E2E_DIR/vip1.out') -eq 30 ]"
check "none went to upstream 2" bash -c "! grep -q '^backend 2\$' '$E2E_DIR/vip1.out'"

# 200 again: back up, and it takes connections again.
mode 2 200
check "upstream 2 back up once it answers 200" wait_health 2 up
through_vip 30 "$E2E_DIR/vip2.out"
n=$(grep -c '^backend 2$' "$E2E_DIR/vip2.out" || true)
check "upstream 2 takes new connections again ($n of 30)" [ "$n" -gt 0 ]

# Accepts, reads the request, never answers: down by timeout_ms.
before=$(hc timeouts)
mode 3 hang
check "upstream 3 that never answers marked down" wait_health 3 down
check "counted as timeouts ($before -> $(hc timeouts))" [ "$(hc timeouts)" -ge $((before + 2)) ]
mode 3 200
check "upstream 3 back up" wait_health 3 up

# Not HTTP: down as malformed.
mode 1 garbage
check "upstream 1 answering garbage marked down" wait_health 1 down
check "in the ring_hash cluster too" wait_endpoint_health sticky 1 down
check "counted as malformed ($(hc malformed))" [ "$(hc malformed)" -ge 2 ]
mode 1 200
check "upstream 1 back up" wait_health 1 up

# Nothing listens: the connection is refused.
kill -TERM "${UPSTREAM_PID[2]}"
wait "${UPSTREAM_PID[2]}" 2>/dev/null || true
pid_forget "${UPSTREAM_PID[2]}" # gone: its PID may be reused
check "upstream 2 that refuses connections marked down" wait_health 2 down
check "counted as connect_failed ($(hc connect_failed))" [ "$(hc connect_failed)" -ge 3 ]
start_upstream 2
check "upstream 2 back up once it listens again" wait_health 2 up

# A check ends with the upstream's FIN and meshpath's, not a reset: resets are the timed-out
# checks' (and, on a loaded machine, answers to segments that arrive after one), far fewer
# than one per check.
resets=$(counter /meshpath/tcp resets_sent) started=$(hc started)
check "check connections end without resets ($resets resets, $(hc timeouts) timeouts, $started checks)" \
	[ "$resets" -le $(($(hc timeouts) + started / 10)) ]

# A reload (a new generation: probe state starts over, checks of the old one are dropped) with
# another path: the checks follow it, and still take an upstream down.
sed -i 's|path = "/ok";|path = "/ok?v=2";|; s|expected_statuses = \["200-299"\];|expected_statuses = ["200-299"]; # v2|' \
	"$E2E_DIR/hc.conf"
kill -HUP "$MESHPATH_PID"
wait_generation() { # N: up to 10 s
	for _ in $(seq 50); do
		[ "$(counter /meshpath/config generation)" -eq "$1" ] && return 0
		sleep 0.2
	done
	return 1
}
check "reload applied (generation 2)" wait_generation 2
sleep 1
check "checks after the reload GET the new path" grep -q '^GET /ok?v=2 HTTP/1.1|' "$E2E_DIR/requests3.log"
check "upstreams up after the reload" \
	[ "$(health 1)$(health 2)$(health 3)" = upupup ]
mode 2 503
check "upstream 2 answering 503 marked down after the reload" wait_health 2 down
mode 2 200
check "and back up" wait_health 2 up

check "no check failed for want of a route ($(hc no_route))" [ "$(hc no_route)" -eq 0 ]
check "meshpath stops cleanly" meshpath_stop
e2e_done
