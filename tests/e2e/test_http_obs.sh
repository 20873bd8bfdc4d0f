#!/usr/bin/env bash
# End to end, what the HTTP proxy lets operators see: the access log (one JSON line per request,
# written by the control thread, reopened on SIGUSR1), latency histograms per route and cluster
# and the proxy's own time in telemetry, and all of it in the Prometheus text of the admin
# listener, read with a real parser (prom_check.py, python3-prometheus-client).
#
# A client namespace and a server namespace joined to meshpath by af_packet ports; the upstream
# is http_upstream.py (answers with what it received; /echo/reset resets without answering);
# one address in the server namespace has no listener on its port (refused). Requests of every
# kind: forwarded 200s, a 404 without a route, a direct response, a 502 for a refused connect
# and one for an upstream reset, a hostile request id and a path too long for the record: each
# line's fields, its timings in order (upstream connect <= upstream first byte <= downstream
# first byte <= total). The Prometheus text: one TYPE line per family, and every
# meshpath_http_* family named in conf/README.md. Then wrk against a ring of 64 records: every
# request is a record queued (and written) or dropped and counted.
#
# usage: test_http_obs.sh MESHPATH_BINARY      (as root)
source "$(dirname "$0")/lib.sh"
need_root
BIN=$(realpath "$1")
HERE=$(dirname "$(realpath "$0")")
PY=/usr/bin/python3
NSC="mpoc-$E2E_ID"
NSS="mpos-$E2E_ID"
VC="moc$E2E_ID"
VS="mos$E2E_ID"
VIP=10.50.0.100
ADMIN_PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LOG="$E2E_DIR/access.log"
N_OK=20

netns_add "$NSC"
netns_add "$NSS"
veth_to_ns "$NSC" vc0 "$VC"
veth_to_ns "$NSS" vs0 "$VS"
ip -n "$NSC" addr add 10.50.0.1/24 dev vc0
ip -n "$NSS" addr add 10.51.0.1/24 dev vs0
ip -n "$NSC" route add default via 10.50.0.254
ip -n "$NSS" route add default via 10.51.0.254
: >"$E2E_DIR/upstream.log"
ip netns exec "$NSS" $PY "$HERE/http_upstream.py" 10.51.0.1 8080 echo "$E2E_DIR/upstream.log" \
	>"$E2E_DIR/upstream.out" 2>&1 &
E2E_PIDS+=($!)

cat >"$E2E_DIR/obs.conf" <<CONF
eal = { args = ["--no-pci", "--no-huge", "-m", "512", "--no-shconf"]; };
workers = { lcores = [1]; cpus = [1]; };
mempool = { mbufs = 8191; };
ports = (
	{ name = "cli"; device = "net_af_packet0,iface=$VC"; addresses = ["10.50.0.254/24"]; },
	{ name = "srv"; device = "net_af_packet1,iface=$VS"; addresses = ["10.51.0.254/24"]; }
);
clusters = (
	{ name = "echo"; endpoints = ( { address = "10.51.0.1"; port = 8080; } ); },
	{ name = "refused"; endpoints = ( { address = "10.51.0.1"; port = 8081; } ); }
);
route_tables = ( {
	name = "t";
	virtual_hosts = (
		{ name = "www"; domains = ["www.test"];
		  routes = (
			{ match = { prefix = "/echo/"; }; prefix_rewrite = "/"; clusters = ( { name = "echo"; } ); },
			{ match = { prefix = "/direct"; }; direct_response = { status = 418; body = "teapot\n"; }; },
			{ match = { prefix = "/refused"; }; clusters = ( { name = "refused"; } ); }
		  ); },
		{ name = "api"; domains = ["api.test"];
		  routes = ( { match = { path = "/only"; }; direct_response = { status = 200; body = "only\n"; }; } ); }
	);
} );
listeners = (
	{ name = "web"; protocol = "http"; address = "$VIP"; port = 80; routes = "t"; }
);
admin = { port = $ADMIN_PORT; };
access_log = { path = "$LOG"; ring_size = 64; };
CONF
"$BIN" --check "$E2E_DIR/obs.conf" >/dev/null || die "test config rejected"
for _ in $(seq 50); do
	ip netns exec "$NSS" curl -s -m 1 -o /dev/null "http://10.51.0.1:8080/" && break
	sleep 0.1
done
meshpath_start "$BIN" "$E2E_DIR/obs.conf"

c() { ip netns exec "$NSC" curl -s -m 10 "$@"; }
# all CONDITION...: every condition (a shell command line, evaluated) holds.
all() { local cond; for cond in "$@"; do eval "$cond" || return 1; done; }
raw() { ip netns exec "$NSC" $PY "$HERE/http_raw.py" "$VIP" 80 1; }
# lines PATTERN: access-log lines (of FILE, default the log) whose path contains PATTERN
lines() { grep -c -F -- "$1" "${2:-$LOG}" || true; }
# wait_lines N [FILE]: until FILE has at least N lines (the writer ticks every 100 ms)
wait_lines() {
	for _ in $(seq 50); do
		[ "$(wc -l <"${2:-$LOG}")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- Requests of every kind ----
# Forwarded: N_OK on one connection; curl says what it sent and received for the first.
urls=()
for i in $(seq 2 "$N_OK"); do urls+=(-o /dev/null "http://$VIP/echo/ok$i?x=$i"); done
c -H "Host: www.test" -o /dev/null -w '%{size_request} %{size_header} %{size_download}\n' \
	"http://$VIP/echo/ok1?x=1" "${urls[@]}" >"$E2E_DIR/sizes"
read -r req_sz hdr_sz body_sz <"$E2E_DIR/sizes"
s404=$(c -o /dev/null -w '%{http_code}' -H "Host: api.test" "http://$VIP/other")
s418=$(c -o /dev/null -w '%{http_code}' -H "Host: www.test" "http://$VIP/direct")
s502=$(c -o /dev/null -w '%{http_code}' -H "Host: www.test" "http://$VIP/refused")
s502r=$(c -o /dev/null -w '%{http_code}' -H "Host: www.test" "http://$VIP/echo/reset")
check "the requests got their statuses (404 $s404, 418 $s418, 502 $s502, 502 $s502r)" \
	[ "$s404 $s418 $s502 $s502r" = "404 418 502 502" ]
# A request id with quotes, a backslash and bytes past ASCII; a path longer than the record.
long="/echo/long-$(printf 'p%.0s' $(seq 400))"
printf '%s' 'GET /echo/hostile HTTP/1.1\r\nHost: www.test\r\nX-Request-Id: a"b\\c\xe9},{"status":1\r\n\r\nGET '"$long"' HTTP/1.1\r\nHost: www.test\r\nConnection: close\r\n\r\n' |
	raw >"$E2E_DIR/raw.out"
check "the hostile and the long request were answered" [ "$(grep -c '^HTTP/1.1 200' "$E2E_DIR/raw.out")" -eq 2 ]
total=$((N_OK + 6))
check "access log: $total lines written" wait_lines "$total"

# ---- The lines ----
rc=0
$PY - "$LOG" "$N_OK" "$req_sz" "$hdr_sz" "$body_sz" >"$E2E_DIR/lines.out" 2>&1 <<'PYEOF' || rc=$?
import json, sys
path, n_ok, req_sz, hdr_sz, body_sz = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:6])
raw = open(path, "rb").read()
fails = []
def check(what, cond):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)
check("the file is ASCII", all(b < 0x80 for b in raw))
recs = []
for line in raw.decode("ascii").splitlines():
    try:
        recs.append(json.loads(line))
    except ValueError as e:
        check("line parses: %r (%s)" % (line[:80], e), False)
check("every line parses as JSON (%d)" % len(recs), len(recs) >= n_ok + 6)
check("every line is an http record", all(r["type"] == "http" for r in recs))
by = lambda p: [r for r in recs if r["path"].startswith(p)]
ok = by("/echo/ok")
check("%d forwarded lines" % len(ok), len(ok) == n_ok)
f = by("/echo/ok1?")[0]
check("forwarded: method, host, path, status", (f["method"], f["host"], f["path"], f["status"]) == ("GET", "www.test", "/echo/ok1?x=1", 200))
check("forwarded: client is the client namespace (%s)" % f["client"], f["client"].startswith("10.50.0.1:"))
check("forwarded: upstream endpoint (%s)" % f["upstream"], f["upstream"] == "10.51.0.1:8080")
check("forwarded: listener, table, vhost, route, cluster", (f["listener"], f["table"], f["vhost"], f["route"], f["cluster"]) == ("web", "t", "www", 0, "echo"))
check("forwarded: bytes_in %d = curl's request %d" % (f["bytes_in"], req_sz), f["bytes_in"] == req_sz)
check("forwarded: bytes_out %d = curl's head + body %d" % (f["bytes_out"], hdr_sz + body_sz), f["bytes_out"] == hdr_sz + body_sz)
check("forwarded: a generated request id (%s)" % f["request_id"], len(f["request_id"] or "") == 36)
check("forwarded: retries 0, no local reason, no error", (f["retries"], f["local_reason"], f["error"]) == (0, None, None))
for r in ok:
    t = (r["upstream_connect_us"], r["upstream_first_byte_us"], r["downstream_first_byte_us"], r["total_us"])
    if not (None not in t and 0 <= t[0] <= t[1] <= t[2] <= t[3] and r["proxy_request_us"] is not None and r["proxy_response_us"] is not None):
        check("timings ordered for %s: %s" % (r["path"], t), False)
        break
else:
    check("forwarded: timings ordered, connect <= upstream first byte <= downstream first byte <= total, hop times present", True)
check("forwarded: the downstream first byte is the upstream's plus the proxy's response time", all(abs(r["downstream_first_byte_us"] - r["upstream_first_byte_us"] - r["proxy_response_us"]) <= 1 for r in ok))
check("forwarded: the proxy's own time is within the total", all(r["proxy_request_us"] + r["proxy_response_us"] <= r["total_us"] for r in ok))
n4 = by("/other")[0]
check("404: status, no route, no upstream, local reason no_route", (n4["status"], n4["route"], n4["cluster"], n4["upstream"], n4["local_reason"], n4["host"]) == (404, None, None, "-", "no_route", "api.test"))
check("404: upstream timings null, total present", (n4["upstream_connect_us"], n4["upstream_first_byte_us"], n4["proxy_request_us"]) == (None, None, None) and n4["total_us"] >= 0)
check("404: the local response's first byte out, within the total (%s <= %s)" % (n4["downstream_first_byte_us"], n4["total_us"]), n4["downstream_first_byte_us"] is not None and 0 <= n4["downstream_first_byte_us"] <= n4["total_us"])
d = by("/direct")[0]
check("direct: 418, route 1, local reason direct_response, no upstream", (d["status"], d["route"], d["local_reason"], d["upstream"], d["request_id"]) == (418, 1, "direct_response", "-", None))
check("direct: bytes_out is head and body (%d)" % d["bytes_out"], d["bytes_out"] > len("teapot\n"))
e = by("/refused")[0]
check("refused: 502 upstream_connect_failed naming the endpoint it tried (%s)" % e["upstream"], (e["status"], e["local_reason"], e["upstream"], e["cluster"]) == (502, "upstream_connect_failed", "10.51.0.1:8081", "refused"))
rs = by("/echo/reset")[0]
check("reset: 502 upstream_reset, endpoint, connect time, no first byte", (rs["status"], rs["local_reason"], rs["upstream"], rs["upstream_first_byte_us"]) == (502, "upstream_reset", "10.51.0.1:8080", None) and rs["upstream_connect_us"] is not None)
check("reset: its 502 went out after the failed attempts (downstream first byte %s >= connect %s)" % (rs["downstream_first_byte_us"], rs["upstream_connect_us"]), rs["downstream_first_byte_us"] is not None and rs["upstream_connect_us"] <= rs["downstream_first_byte_us"] <= rs["total_us"])
# The pooled connection reset without a byte: sent once more on a new one (a retry), which
# resets too; then the route's default retry policy (reset in retry_on, num_retries 1) tries once
# more: two retries in the record.
check("reset: tried again on a new connection, then by the retry policy: retries 2 (%d)" % rs["retries"], rs["retries"] == 2)
h = by("/echo/hostile")[0]
check("hostile request id logged as sent, inside its string (%r)" % h["request_id"], h["request_id"] == 'a"b\\c\u00e9},{"status":1')
check("hostile: the status field is the response's", h["status"] == 200)
l = by("/echo/long-")[0]
check("long path cut to the record with the marker (%d chars)" % len(l["path"]), l["path"].endswith("...") and len(l["path"]) == 224 + 3 and l["path"][:-3] == ("/echo/long-" + "p" * 400)[:224])
sys.exit(1 if fails else 0)
PYEOF
sed 's/^/     /' "$E2E_DIR/lines.out"
check "access-log lines carry the right fields" [ "$rc" -eq 0 ]

# ---- Rotation ----
mv "$LOG" "$LOG.1"
kill -USR1 "$MESHPATH_PID"
for _ in $(seq 50); do [ -e "$LOG" ] && break; sleep 0.1; done
check "SIGUSR1: the log is opened again under its name" [ -e "$LOG" ]
for i in 1 2 3; do c -o /dev/null -H "Host: www.test" "http://$VIP/echo/rotated$i"; done
check "after rotation: new lines go to the new file" wait_lines 3
check "  three of them, all the rotated requests" [ "$(lines /echo/rotated)" -eq 3 ]
check "  and none to the moved file" [ "$(lines /echo/rotated "$LOG.1")" -eq 0 ]
check "  the moved file kept its lines" [ "$(wc -l <"$LOG.1")" -eq "$total" ]

# ---- Histograms in telemetry ----
n_echo=$((N_OK + 1 + 2 + 3)) # ok, reset, hostile and long, rotated: every request of route 0
tel_get() { # CMD KEY FIELD
	telemetry "$1" | $PY -c 'import sys, json; print(json.load(sys.stdin)[sys.argv[1]][sys.argv[2]])' "$2" "$3"
}
route=$(telemetry /meshpath/http/routes)
echo "     route t/0: $route" | cut -c1-400
q() { $PY -c 'import sys, json; j = json.loads(sys.argv[1])[sys.argv[2]]; print(*[j[k] for k in sys.argv[3:]])' "$@"; }
read -r rq rs p50 p90 p99 p999 ups up50 up99 <<<"$(q "$route" t/0 requests request_samples request_p50_us \
	request_p90_us request_p99_us request_p999_us upstream_samples upstream_p50_us upstream_p99_us)"
check "route t/0: a latency sample per request ($rs samples, $rq requests, $n_echo sent)" \
	all "[ $rs -eq $rq ]" "[ $rq -eq $n_echo ]"
check "route t/0: quantiles ordered, non-zero (p50 $p50 p90 $p90 p99 $p99 p99.9 $p999 us)" \
	all "[ $p50 -gt 0 ]" "[ $p50 -le $p90 ]" "[ $p90 -le $p99 ]" "[ $p99 -le $p999 ]"
check "route t/0: upstream response time for the answered ones ($ups samples, p50 $up50 <= p99 $up99 <= request p99.9)" \
	all "[ $ups -eq $((n_echo - 1)) ]" "[ $up50 -le $up99 ]" "[ $up99 -le $p999 ]"
read -r crq crs <<<"$(q "$(telemetry /meshpath/http/clusters)" echo requests request_samples)"
check "cluster echo: a sample per request ($crs samples, $crq requests)" [ "$crs" -eq "$crq" ]
read -r drs <<<"$(q "$route" t/1 request_samples)"
check "route t/1 (direct response): its sample ($drs)" [ "$drs" -eq 1 ]
http=$(telemetry /meshpath/http)
read -r hs h50 h99 rs2 r50 r99 <<<"$($PY -c 'import sys, json; j = json.loads(sys.argv[1]); print(*[j[k] for k in sys.argv[2:]])' "$http" \
	proxy_request_samples proxy_request_p50_ns proxy_request_p99_ns proxy_response_samples \
	proxy_response_p50_ns proxy_response_p99_ns)"
check "the proxy's own time: request direction sampled per forwarded request ($hs, p50 $h50 <= p99 $h99 ns)" \
	all "[ $hs -eq $((n_echo - 1)) ]" "[ $h50 -gt 0 ]" "[ $h50 -le $h99 ]"
check "  response direction ($rs2, p50 $r50 <= p99 $r99 ns)" \
	all "[ $rs2 -eq $((n_echo - 1)) ]" "[ $r50 -gt 0 ]" "[ $r50 -le $r99 ]"

# ---- Prometheus ----
curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" >"$E2E_DIR/metrics.txt"
prc=0
prom=$($PY "$HERE/prom_check.py" "$E2E_DIR/metrics.txt" \
	'meshpath_http_request_seconds_count{cluster="echo"}' \
	'meshpath_http_request_seconds_count{table="t",route="0"}' \
	'meshpath_http_request_seconds_bucket{table="t",route="0",le="+Inf"}' \
	'meshpath_http_upstream_response_seconds_count{cluster="echo"}' \
	'meshpath_http_proxy_seconds_count{direction="request"}' \
	'meshpath_http_proxy_seconds_count{direction="response"}' \
	'meshpath_http_requests_total{cluster="echo"}' \
	'meshpath_http_local_responses_total{reason="no_route"}' \
	'meshpath_events_total{event="access_log_records_queued"}' \
	'meshpath_events_total{event="access_log_records_dropped"}' 2>&1) || prc=$?
echo "     metrics: $(echo $prom)"
check "Prometheus text parses with prometheus_client, histograms cumulative" [ "$prc" -eq 0 ]
read -r pc pr pinf pup phr phs preq p404 pq pd <<<"$(echo $prom)"
check "  request histograms count every request (cluster $pc = $crq, route $pr = $rq = +Inf $pinf)" \
	all "[ ${pc:-x} = $crq ]" "[ ${pr:-x} = $rq ]" "[ ${pinf:-x} = $rq ]"
check "  upstream and hop histograms ($pup, $phr, $phs)" \
	all "[ ${pup:-x} = $ups ]" "[ ${phr:-x} = $hs ]" "[ ${phs:-x} = $rs2 ]"
check "  counters: requests $preq, no_route $p404" all "[ ${preq:-x} = $crq ]" "[ ${p404:-x} = 1 ]"
check "  access-log records queued $pq = lines, none dropped ($pd)" \
	all "[ ${pq:-x} -eq $((total + 3)) ]" "[ ${pd:-x} = 0 ]"
check "  every family has HELP and TYPE" all \
	'grep -q "^# TYPE meshpath_http_request_seconds histogram" "$E2E_DIR/metrics.txt"' \
	'grep -q "^# TYPE meshpath_http_proxy_seconds histogram" "$E2E_DIR/metrics.txt"' \
	'grep -q "^# TYPE meshpath_http_upstream_response_seconds histogram" "$E2E_DIR/metrics.txt"'
dups=$(grep '^# TYPE ' "$E2E_DIR/metrics.txt" | awk '{print $3}' | sort | uniq -d | tr '\n' ' ')
check "  every family has one TYPE line (repeated: ${dups:-none})" [ -z "$dups" ]
fams=$(grep '^# TYPE meshpath_http_' "$E2E_DIR/metrics.txt" | awk '{print $3}' | sort -u)
undoc=$(for f in $fams; do grep -qF "\`$f\`" "$HERE/../../conf/README.md" || echo "$f"; done | tr '\n' ' ')
check "  every meshpath_http_* family served ($(echo $fams | wc -w)) is named in conf/README.md (missing: ${undoc:-none})" \
	all "[ $(echo $fams | wc -w) -ge 20 ]" '[ -z "$undoc" ]'

# ---- Under load a full ring drops records and counts them; the worker never waits ----
ev() { counter /meshpath/events "access_log_records_$1"; }
q0=$(ev queued) d0=$(ev dropped) l0=$(wc -l <"$LOG")
ip netns exec "$NSC" wrk -t1 -c16 -d2s -H "Host: www.test" "http://$VIP/echo/wrk" >"$E2E_DIR/wrk.out" 2>&1 || true
sleep 1
q1=$(ev queued) d1=$(ev dropped) l1=$(wc -l <"$LOG")
read -r crq2 <<<"$(q "$(telemetry /meshpath/http/clusters)" echo requests)"
n=$((crq2 - crq))
echo "     wrk: $n requests, $((q1 - q0)) records queued, $((d1 - d0)) dropped (ring of 64), $((l1 - l0)) lines"
check "load: every request made a record, queued or dropped ($n = $((q1 - q0)) + $((d1 - d0)))" \
	all "[ $n -gt 64 ]" "[ $n -eq $((q1 - q0 + d1 - d0)) ]"
check "load: every queued record is a line" [ $((l1 - l0)) -eq $((q1 - q0)) ]
check "load: the histograms still count every request" \
	[ "$(q "$(telemetry /meshpath/http/clusters)" echo request_samples)" -eq "$crq2" ]

check "SIGTERM: meshpath exits with status 0" meshpath_stop
e2e_done
