#!/usr/bin/env bash
# End to end, the HTTP proxy's resilience (issue 6 items 1-5): a client namespace and a server
# namespace joined to meshpath by af_packet ports; scripted upstreams (http_upstream.py), three
# well-behaved ("u1", "u2", "u3"), one that resets every connection ("rst"), one that answers
# 500 to everything ("e500"), ones answering 503, 502 and 504 ("e503", "e502", "e504"), a port
# that refuses, an address nobody answers.
#
# Asserts: a GET retried after an upstream reset, a 503, 502 or 504 or a refused connect succeeds
# on the other endpoint, a POST is not retried; 504 from a slow upstream within first_byte_ms,
# request_ms and idle_ms; 408 for a client
# too slow sending its body, and for one too slow sending its head (http.downstream_idle_ms),
# while idle keep-alive connections are closed without a byte; 504 for a connect timeout within
# connect_ms; an endpoint answering 500 ejected after consecutive_5xx and back after
# base_ejection_ms; max_requests answering 503 with x-meshpath-overflow while another cluster
# keeps serving, max_connections and max_pending_requests too, and max_retries answering 503
# in place of a failure whose retry it refuses; round robin even, least request
# honouring weights, ring hash sticky by header and by cookie (same key, same endpoint; keys
# spread); the counters in /meshpath/http/clusters and the Prometheus text.
#
# usage: test_http_resilience.sh MESHPATH_BINARY      (as root)
source "$(dirname "$0")/lib.sh"
need_root
BIN=$(realpath "$1")
HERE=$(dirname "$(realpath "$0")")
PY=/usr/bin/python3
NSC="mprc-$E2E_ID"
NSS="mprs-$E2E_ID"
VC="mrc$E2E_ID"
VS="mrs$E2E_ID"
# One worker by default: ejection counts, breaker shares and round robin are per worker, and
# one worker makes them exact. E2E_WORKERS=2 runs the same checks on two.
WORKERS=${E2E_WORKERS:-1}
VIP=10.31.0.100
# The admin listener (Prometheus) on loopback: a port the kernel just said is free.
ADMIN_PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

netns_add "$NSC"
netns_add "$NSS"
veth_to_ns "$NSC" vc0 "$VC"
veth_to_ns "$NSS" vs0 "$VS"
ip -n "$NSC" addr add 10.31.0.1/24 dev vc0
for i in 1 2 3 4 5 6 7 8; do ip -n "$NSS" addr add "10.41.0.$i/24" dev vs0; done
ip -n "$NSC" route add default via 10.31.0.254
ip -n "$NSS" route add default via 10.41.0.254

: >"$E2E_DIR/upstream.log"
up() { # ADDR_SUFFIX NAME MODE
	ip netns exec "$NSS" $PY "$HERE/http_upstream.py" "10.41.0.$1" 8080 "$2" \
		"$E2E_DIR/upstream.log" "$3" >"$E2E_DIR/$2.out" 2>&1 &
	E2E_PIDS+=($!)
}
up 1 u1 ok
up 2 u2 ok
up 3 u3 ok
up 4 rst reset
up 5 e500 500
up 6 e503 503
up 7 e502 502
up 8 e504 504

lcores=1 cpus=1
if [ "$WORKERS" -eq 2 ]; then lcores="1, 2" cpus="1, 1"; fi
ep() { echo "{ address = \"10.41.0.$1\"; port = 8080; ${2:-} }"; }
cat >"$E2E_DIR/r.conf" <<CONF
eal = { args = ["--no-pci", "--no-huge", "-m", "512", "--no-shconf"]; };
workers = { lcores = [$lcores]; cpus = [$cpus]; };
mempool = { mbufs = 16383; };
http = { connect_timeout_ms = 5000; downstream_idle_ms = 1500; };
admin = { port = $ADMIN_PORT; };
access_log = { path = "$E2E_DIR/access.log"; };
ports = (
	{ name = "cli"; device = "net_af_packet0,iface=$VC,qpairs=$WORKERS";
	  addresses = ["10.31.0.254/24"]; },
	{ name = "srv"; device = "net_af_packet1,iface=$VS,qpairs=$WORKERS";
	  addresses = ["10.41.0.254/24"]; }
);
clusters = (
	{ name = "flaky"; policy = "round_robin"; endpoints = ( $(ep 1), $(ep 4) ); },
	{ name = "five"; policy = "round_robin"; endpoints = ( $(ep 6), $(ep 3) ); },
	{ name = "two"; policy = "round_robin"; endpoints = ( $(ep 7), $(ep 3) ); },
	{ name = "four"; policy = "round_robin"; endpoints = ( $(ep 8), $(ep 3) ); },
	{ name = "refused"; policy = "round_robin";
	  endpoints = ( { address = "10.41.0.2"; port = 9; }, $(ep 2) ); },
	{ name = "eject"; policy = "round_robin"; endpoints = ( $(ep 2), $(ep 5) );
	  outlier_detection = { consecutive_5xx = 3; base_ejection_ms = 3000;
				max_ejection_ms = 3000; decay_interval_ms = 0;
				max_ejection_percent = 50; }; },
	{ name = "slow"; endpoints = ( $(ep 3) ); },
	{ name = "tight"; endpoints = ( $(ep 3) ); circuit_breakers = { max_requests = $WORKERS; }; },
	{ name = "rr"; policy = "round_robin"; endpoints = ( $(ep 1), $(ep 2), $(ep 3) ); },
	{ name = "lr"; policy = "least_request";
	  endpoints = ( $(ep 1 "weight = 3;"), $(ep 2 "weight = 1;") ); },
	{ name = "ring"; policy = "ring_hash"; endpoints = ( $(ep 1), $(ep 2), $(ep 3) ); },
	{ name = "mg"; policy = "maglev"; maglev_size = 307; endpoints = ( $(ep 1), $(ep 2), $(ep 3) ); },
	{ name = "tightc"; endpoints = ( $(ep 3) ); circuit_breakers = { max_connections = $WORKERS; }; },
	{ name = "rbrk"; policy = "round_robin"; endpoints = ( $(ep 6), $(ep 3) );
	  circuit_breakers = { max_retries = $WORKERS; }; },
	{ name = "deadp"; endpoints = ( { address = "10.41.0.9"; port = 80; } );
	  circuit_breakers = { max_pending_requests = $WORKERS; }; },
	{ name = "dead"; endpoints = ( { address = "10.41.0.9"; port = 80; } ); }
);
route_tables = ( {
	name = "t";
	virtual_hosts = ( { name = "r"; domains = ["*"];
	  routes = (
		{ match = { prefix = "/flaky"; }; clusters = ( { name = "flaky"; } );
		  retry = { num_retries = 1; backoff_base_ms = 5; backoff_max_ms = 20; }; },
		{ match = { prefix = "/five"; }; clusters = ( { name = "five"; } ); },
		{ match = { prefix = "/two"; }; clusters = ( { name = "two"; } ); },
		{ match = { prefix = "/four"; }; clusters = ( { name = "four"; } ); },
		{ match = { prefix = "/refused"; }; clusters = ( { name = "refused"; } ); },
		{ match = { prefix = "/idle/"; }; prefix_rewrite = "/"; clusters = ( { name = "slow"; } );
		  timeouts = { first_byte_ms = 0; idle_ms = 400; }; retry = { num_retries = 0; }; },
		{ match = { prefix = "/eject"; }; clusters = ( { name = "eject"; } );
		  retry = { num_retries = 0; }; },
		{ match = { prefix = "/slow"; }; clusters = ( { name = "slow"; } );
		  timeouts = { first_byte_ms = 500; }; retry = { num_retries = 0; }; },
		{ match = { prefix = "/whole/"; }; prefix_rewrite = "/"; clusters = ( { name = "slow"; } );
		  timeouts = { request_ms = 700; }; retry = { num_retries = 0; }; },
		{ match = { prefix = "/dead"; }; clusters = ( { name = "dead"; } );
		  timeouts = { connect_ms = 300; }; retry = { num_retries = 0; }; },
		{ match = { prefix = "/tight/"; }; prefix_rewrite = "/"; clusters = ( { name = "tight"; } );
		  retry = { num_retries = 0; }; },
		{ match = { prefix = "/tightc/"; }; prefix_rewrite = "/"; clusters = ( { name = "tightc"; } );
		  retry = { num_retries = 0; }; },
		{ match = { prefix = "/rbrk/"; }; prefix_rewrite = "/"; clusters = ( { name = "rbrk"; } );
		  retry = { num_retries = 1; backoff_base_ms = 1; backoff_max_ms = 1; }; },
		{ match = { prefix = "/pend"; }; clusters = ( { name = "deadp"; } );
		  timeouts = { connect_ms = 1000; }; retry = { num_retries = 0; }; },
		{ match = { prefix = "/mg"; }; clusters = ( { name = "mg"; } ); hash = { source_address = true; }; },
		{ match = { prefix = "/rr"; }; clusters = ( { name = "rr"; } ); },
		{ match = { prefix = "/lr"; }; clusters = ( { name = "lr"; } ); },
		{ match = { prefix = "/ringh"; }; clusters = ( { name = "ring"; } );
		  hash = { header = "x-user"; }; },
		{ match = { prefix = "/ringc"; }; clusters = ( { name = "ring"; } );
		  hash = { cookie = "sid"; }; }
	  ); } );
} );
listeners = (
	{ name = "web"; protocol = "http"; address = "$VIP"; port = 80; routes = "t"; }
);
CONF
"$BIN" --check "$E2E_DIR/r.conf" >/dev/null || die "test config rejected"
for i in 1 2 3; do
	for _ in $(seq 50); do
		ip netns exec "$NSS" curl -s -m 1 -o /dev/null "http://10.41.0.$i:8080/" && break
		sleep 0.1
	done
done
meshpath_start "$BIN" "$E2E_DIR/r.conf"

c() { ip netns exec "$NSC" curl -s -m 10 -H "Host: r.test" "$@"; }
# tally PATH N [ARGS...]: http_tally.py's JSON for N requests.
tally() { local p=$1 n=$2; shift 2; ip netns exec "$NSC" $PY "$HERE/http_tally.py" "$VIP" 80 r.test "$p" "$n" "$@"; }
# jq JSON EXPR: a value of a JSON text (j is the object).
jq() { $PY -c 'import sys, json; j = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
# clu CLUSTER KEY: a counter of /meshpath/http/clusters.
clu() { telemetry "/meshpath/http/clusters,$1" | $PY -c 'import sys, json; print(json.load(sys.stdin)[sys.argv[1]][sys.argv[2]])' "$1" "$2"; }
lines() { grep -c -- "$1" "$E2E_DIR/upstream.log" || true; }
# nfiles -l|-il PATTERN FILE...: how many of the files have a line matching PATTERN.
nfiles() { { grep "$@" || true; } | wc -l; }
# all CONDITION...: every condition (a shell command line, evaluated) holds.
all() { local cond; for cond in "$@"; do eval "$cond" || return 1; done; }

# ---- Retries ----
t=$(tally /flaky 20)
check "GET retried after a reset: 20 of 20 answered 200 ($(jq "$t" 'j["status"]'))" \
	[ "$(jq "$t" 'j["status"].get("200", 0)')" = 20 ]
check "every answer came from u1 ($(jq "$t" 'j["names"]'))" [ "$(jq "$t" 'j["names"].get("u1", 0)')" = 20 ]
check "the resetting endpoint was tried ($(lines '^rst GET /flaky') times)" [ "$(lines '^rst GET /flaky')" -ge 5 ]
check "retries counted (retry_retry $(clu flaky retry_retry))" [ "$(clu flaky retry_retry)" -ge 5 ]
t=$(tally /five 10)
check "GET retried after a 503: 10 of 10 answered 200 by u3 ($(jq "$t" 'j["names"]'))" \
	[ "$(jq "$t" 'j["names"].get("u3", 0)')" = 10 ]
check "the 503 endpoint was tried ($(lines '^e503 GET /five') times)" [ "$(lines '^e503 GET /five')" -ge 3 ]
for x in "two 502" "four 504"; do
	set -- $x
	t=$(tally "/$1" 10)
	check "GET retried after a $2: 10 of 10 answered 200 by u3 ($(jq "$t" 'j["names"]'))" \
		[ "$(jq "$t" 'j["names"].get("u3", 0)')" = 10 ]
	check "the $2 endpoint was tried ($(lines "^e$2 GET /$1") times)" [ "$(lines "^e$2 GET /$1")" -ge 3 ]
done
# A full /meshpath/http/clusters reply is cut at DPDK's 16 KiB: these clusters need the ",NAME" form.
check "/meshpath/http/clusters,NAME answers that cluster alone" \
	[ "$(telemetry /meshpath/http/clusters,dead | $PY -c 'import sys, json; print(list(json.load(sys.stdin)))')" = "['dead']" ]
t=$(tally /refused 10)
check "GET retried after a refused connect: 10 of 10 answered 200 by u2 ($(jq "$t" 'j["names"]'))" \
	[ "$(jq "$t" 'j["names"].get("u2", 0)')" = 10 ]
check "the refusing endpoint was tried (connect failures retried: $(clu refused retry_retry))" \
	[ "$(clu refused retry_retry)" -ge 3 ]
t=$(tally /flaky 10 -X POST -d body)
rst_posts=$(lines '^rst POST /flaky')
u1_posts=$(lines '^u1 POST /flaky')
check "POST after a reset not retried: 502s ($(jq "$t" 'j["status"]'))" \
	[ "$(jq "$t" 'j["status"].get("502", 0)')" = "$rst_posts" ]
check "POST: each reached exactly one upstream (u1 $u1_posts + rst $rst_posts = 10)" \
	all '[ "$rst_posts" -ge 1 ]' '[ $((u1_posts + rst_posts)) -eq 10 ]'
check "POST: counted as not idempotent ($(clu flaky retry_no_not_idempotent))" \
	[ "$(clu flaky retry_no_not_idempotent)" -ge 1 ]
t=$(tally /flaky 6 -X PUT -d body)
rst_puts=$(lines '^rst PUT /flaky')
refused=$(telemetry /meshpath/http | $PY -c 'import sys, json; print(json.load(sys.stdin)["errors"]["retries_refused_with_body"])')
check "PUT with a body after a reset: not retried, its body is not kept (502 $(jq "$t" 'j["status"].get("502", 0)'), refused $refused)" \
	all '[ "$rst_puts" -ge 1 ]' '[ "$(jq "$t" "j[\"status\"].get(\"502\", 0)")" = "$rst_puts" ]' '[ "$refused" = "$rst_puts" ]'

# ---- Timeouts ----
r=$(c -o /dev/null -w '%{http_code} %{time_total}' "http://$VIP/slow?ms=3000")
check "first_byte_ms 500: 504 from an upstream taking 3 s ($r)" \
	all '[ "${r% *}" = 504 ]' "$PY -c 'import sys; sys.exit(not 0.4 < float(sys.argv[1]) < 1.5)' ${r#* }"
r=$(c -o /dev/null -w '%{http_code} %{time_total}' "http://$VIP/whole/slow?ms=3000")
check "request_ms 700: 504 from an upstream taking 3 s ($r)" \
	all '[ "${r% *}" = 504 ]' "$PY -c 'import sys; sys.exit(not 0.6 < float(sys.argv[1]) < 1.6)' ${r#* }"
r=$(c -o /dev/null -w '%{http_code} %{time_total}' "http://$VIP/idle/slow?ms=3000")
check "idle_ms 400: 504 when no byte moves for 400 ms ($r)" \
	all '[ "${r% *}" = 504 ]' "$PY -c 'import sys; sys.exit(not 0.3 < float(sys.argv[1]) < 1.4)' ${r#* }"
r=$(printf 'POST /whole/x HTTP/1.1\\r\\nHost: r.test\\r\\nContent-Length: 100\\r\\n\\r\\nabc' |
	ip netns exec "$NSC" $PY "$HERE/http_raw.py" "$VIP" 80 3 | head -1 | tr -d '\r')
check "request_ms 700: a client that sends 3 of 100 body bytes gets 408 ($r)" [ "${r:0:12}" = "HTTP/1.1 408" ]
# Slow heads, four connections at once: each one's time to the proxy's close and what it sent
# (the first 40 bytes of a body): a head begun and stalled gets 408 once downstream_idle_ms
# (1.5 s) is over; an idle keep-alive connection, one that never sent a byte, and one that sent
# only the empty line a client may add after a request are closed then without a byte.
ip netns exec "$NSC" $PY - "$VIP" >"$E2E_DIR/idle.json" <<'PYIDLE'
import json, socket, sys, threading, time
GET = b"GET /rr HTTP/1.1\r\nHost: r.test\r\n\r\n"
cases = {"partial": b"GET / HTTP/1.1\r\nHost: x\r\n", "idle": GET, "empty": b"", "crlf": GET + b"\r\n"}
out = {}
def run(name, data):
    s = socket.create_connection((sys.argv[1], 80), timeout=6)
    t0 = time.monotonic()
    s.sendall(data)
    got, eof = b"", False
    try:
        while True:
            b = s.recv(65536)
            if not b:
                eof = True
                break
            got += b
    except OSError:
        pass
    secs = time.monotonic() - t0
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    cl = [int(l.split(":", 1)[1]) for l in lines[1:] if l.lower().startswith("content-length:")]
    out[name] = {"status": lines[0], "body": body[:min(cl[0], 40)].decode("latin-1") if cl else "",
                 "extra": len(body) - cl[0] if cl else len(got), "eof": eof, "secs": round(secs, 2)}
ts = [threading.Thread(target=run, args=kv) for kv in cases.items()]
for t in ts: t.start()
for t in ts: t.join()
print(json.dumps(out))
PYIDLE
idle=$(cat "$E2E_DIR/idle.json")
echo "     slow heads: $idle"
# ij CASE KEY: a value of the slow heads' JSON.
ij() { jq "$idle" "j[\"$1\"][\"$2\"]"; }
check "a head begun and stalled: 408 naming the cause, then closed, after downstream_idle_ms ($(ij partial status), $(ij partial secs) s)" \
	all '[ "$(ij partial status | cut -c1-12)" = "HTTP/1.1 408" ]' '[ "$(ij partial body)" = "request timeout" ]' \
	'[ "$(ij partial eof)" = True ]' "$PY -c 'import sys; sys.exit(not 1.2 < float(sys.argv[1]) < 3.5)' $(ij partial secs)"
check "idle keep-alive connection after a 200: closed after downstream_idle_ms without a byte ($(ij idle status), $(ij idle extra) bytes more, $(ij idle secs) s)" \
	all '[ "$(ij idle status | cut -c1-12)" = "HTTP/1.1 200" ]' '[ "$(ij idle extra)" = 0 ]' '[ "$(ij idle eof)" = True ]' \
	"$PY -c 'import sys; sys.exit(not 1.2 < float(sys.argv[1]) < 3.5)' $(ij idle secs)"
check "a connection that never sent a byte: closed without one ($(ij empty extra) bytes, $(ij empty secs) s)" \
	all '[ "$(ij empty extra)" = 0 ]' '[ "$(ij empty eof)" = True ]' \
	"$PY -c 'import sys; sys.exit(not 1.2 < float(sys.argv[1]) < 3.5)' $(ij empty secs)"
check "an empty line after a request is no request begun: closed without a 408 ($(ij crlf status), $(ij crlf extra) bytes more)" \
	all '[ "$(ij crlf status | cut -c1-12)" = "HTTP/1.1 200" ]' '[ "$(ij crlf extra)" = 0 ]' '[ "$(ij crlf eof)" = True ]'
r=$(c -o /dev/null -w '%{http_code} %{time_total}' "http://$VIP/dead")
check "connect_ms 300: 504 when the endpoint never answers ($r)" \
	all '[ "${r% *}" = 504 ]' "$PY -c 'import sys; sys.exit(not float(sys.argv[1]) < 1.5)' ${r#* }"
check "timeouts counted by kind (slow first_byte $(clu slow timeouts_first_byte), request $(clu slow timeouts_request), idle $(clu slow timeouts_idle); dead connect $(clu dead timeouts_connect))" \
	all '[ "$(clu slow timeouts_first_byte)" -ge 1 ]' '[ "$(clu slow timeouts_request)" -ge 2 ]' \
	'[ "$(clu slow timeouts_idle)" -ge 1 ]' \
	'[ "$(clu dead timeouts_connect)" -ge 1 ]'
check "after timeouts, the slow upstream still serves" [ "$(c -o /dev/null -w '%{http_code}' "http://$VIP/slow?ms=10")" = 200 ]

# ---- Outlier ejection ----
t=$(tally /eject 12)
check "before ejection: e500 answers 500s ($(jq "$t" 'j["status"]'))" [ "$(jq "$t" 'j["status"].get("500", 0)')" -ge 3 ]
# Each worker ejects on its own requests' outcomes: until every worker has (two workers may
# not have seen three 500s each in 12 requests).
for _ in $(seq 8); do
	[ "$(clu eject outlier_ejections_total)" -ge "$WORKERS" ] && break
	tally /eject 4 >/dev/null
done
check "ejection counted (outlier_ejections_total $(clu eject outlier_ejections_total))" \
	[ "$(clu eject outlier_ejections_total)" -ge "$WORKERS" ]
t=$(tally /eject 20)
check "while ejected: 20 of 20 from u2 ($(jq "$t" 'j["names"]'))" [ "$(jq "$t" 'j["names"].get("u2", 0)')" = 20 ]
check "ejected endpoints gauge: at least 1 (outlier_ejections_active $(clu eject outlier_ejections_active))" \
	[ "$(clu eject outlier_ejections_active)" -ge 1 ]
sleep 3.1
for _ in $(seq 15); do [ "$(clu eject outlier_ejections_active)" = 0 ] && break; sleep 0.1; done
check "ejection over: the gauge back to 0 within a tick ($(clu eject outlier_ejections_active))" \
	[ "$(clu eject outlier_ejections_active)" = 0 ]
t=$(tally /eject 10)
check "after base_ejection_ms, e500 is picked again ($(jq "$t" 'j["status"]'))" \
	[ "$(jq "$t" 'j["status"].get("500", 0)')" -ge 1 ]

# ---- Circuit breaker ----
brk_pids=()
for i in 1 2 3 4 5 6; do
	c -o /dev/null -D "$E2E_DIR/brk$i.h" "http://$VIP/tight/slow?ms=1500" &
	brk_pids+=($!)
done
sleep 0.5
other=$(c -o /dev/null -w '%{http_code}' "http://$VIP/rr")
wait "${brk_pids[@]}"
n503=$(nfiles -l '^HTTP/1.1 503' "$E2E_DIR"/brk*.h)
nhdr=$(nfiles -il '^x-meshpath-overflow: max_requests' "$E2E_DIR"/brk*.h)
n200=$(nfiles -l '^HTTP/1.1 200' "$E2E_DIR"/brk*.h)
check "max_requests: overflow answered 503 ($n503 of 6) with x-meshpath-overflow: max_requests ($nhdr)" \
	all '[ "$n503" -ge 1 ]' '[ "$nhdr" -eq "$n503" ]' '[ "$n200" -ge 1 ]' '[ $((n503 + n200)) -eq 6 ]'
check "another cluster serves during the overload ($other)" [ "$other" = 200 ]
check "overflow counted ($(clu tight overflow_max_requests))" [ "$(clu tight overflow_max_requests)" = "$n503" ]
check "breaker gauges back to 0 (active_max_requests $(clu tight active_max_requests))" \
	[ "$(clu tight active_max_requests)" = 0 ]

# burst NAME PATH N: N requests at once; their heads in $E2E_DIR/NAME<i>.h.
burst() {
	local pids=() i
	for i in $(seq "$3"); do
		c -o /dev/null -D "$E2E_DIR/$1$i.h" "http://$VIP$2" &
		pids+=($!)
	done
	wait "${pids[@]}"
}
burst conn /tightc/slow?ms=1000 4
n503=$(nfiles -l '^HTTP/1.1 503' "$E2E_DIR"/conn*.h)
nhdr=$(nfiles -il '^x-meshpath-overflow: max_connections' "$E2E_DIR"/conn*.h)
check "max_connections: a request needing one more connection gets 503 ($n503 of 4, header $nhdr, counted $(clu tightc overflow_max_connections))" \
	all '[ "$n503" -ge 1 ]' '[ "$nhdr" -eq "$n503" ]' '[ "$(clu tightc overflow_max_connections)" -eq "$n503" ]'
burst pend /pend 3
n503=$(nfiles -l '^HTTP/1.1 503' "$E2E_DIR"/pend*.h)
nhdr=$(nfiles -il '^x-meshpath-overflow: max_pending_requests' "$E2E_DIR"/pend*.h)
n504=$(nfiles -l '^HTTP/1.1 504' "$E2E_DIR"/pend*.h)
check "max_pending_requests: requests beyond the connects pending get 503 ($n503 of 3, header $nhdr; 504 $n504)" \
	all '[ "$n503" -ge 1 ]' '[ "$nhdr" -eq "$n503" ]' '[ $((n503 + n504)) -eq 3 ]'

# max_retries ($WORKERS, one per worker): requests that meet e503 first want a retry; while
# one retry is in flight (u3 takes 1.5 s), the others are refused and answered 503 naming
# the breaker, not with e503's own 503.
rb_pids=()
for i in 1 2 3 4 5 6 7 8; do
	c -D "$E2E_DIR/rb$i.h" -o "$E2E_DIR/rb$i.b" "http://$VIP/rbrk/slow?ms=1500" &
	rb_pids+=($!)
done
wait "${rb_pids[@]}"
n503=$(nfiles -l '^HTTP/1.1 503' "$E2E_DIR"/rb*.h)
nhdr=$(nfiles -il '^x-meshpath-overflow: max_retries' "$E2E_DIR"/rb*.h)
n200=$(nfiles -l '^HTTP/1.1 200' "$E2E_DIR"/rb*.h)
nbody=$(nfiles -lx 'upstream overflow' "$E2E_DIR"/rb*.b)
check "max_retries: a refused retry answers 503 with x-meshpath-overflow: max_retries ($n503 of 8, header $nhdr, body $nbody; 200 $n200)" \
	all '[ "$n503" -ge 1 ]' '[ "$nhdr" -eq "$n503" ]' '[ "$nbody" -eq "$n503" ]' '[ $((n503 + n200)) -eq 8 ]'
check "max_retries: overflow counted ($(clu rbrk overflow_max_retries)), gauge back to 0 ($(clu rbrk active_max_retries))" \
	all '[ "$(clu rbrk overflow_max_retries)" -eq "$n503" ]' '[ "$(clu rbrk active_max_retries)" = 0 ]'

# ---- L7 load balancing ----
t=$(tally /rr 60)
check "round robin: 60 requests even over 3 endpoints ($(jq "$t" 'j["names"]'))" \
	all "[ \"\$(jq '$t' 'min(j[\"names\"].get(n, 0) for n in (\"u1\", \"u2\", \"u3\"))')\" -ge $((WORKERS == 1 ? 20 : 14)) ]"
t=$(tally /mg 10)
check "maglev on the source address: one client, one endpoint ($(jq "$t" 'j["names"]'))" \
	all "[ \"\$(jq '$t' 'len(j[\"names\"])')\" = 1 ]" "[ \"\$(jq '$t' 'j[\"status\"].get(\"200\", 0)')\" = 10 ]"
t=$(tally /lr 200)
check "least request honours weights 3:1 ($(jq "$t" 'j["names"]'))" between "$(jq "$t" 'j["names"].get("u1", 0)')" 120 180
t=$(tally /ringh 10 -H 'x-user: alice')
check "ring hash by header: one key, one endpoint ($(jq "$t" 'j["names"]'))" [ "$(jq "$t" 'len(j["names"])')" = 1 ]
t2=$(tally /ringh 10 -H 'X-User: alice')
check "ring hash by header: the same endpoint again (header name without case)" [ "$(jq "$t" 'j["seq"][0]')" = "$(jq "$t2" 'j["seq"][0]')" ]
t=$(tally /ringh 30 --vary x-user)
check "ring hash by header: 30 keys spread over the endpoints ($(jq "$t" 'j["names"]'))" [ "$(jq "$t" 'len(j["names"])')" -ge 2 ]
t3=$(tally /ringh 30 --vary x-user)
check "ring hash by header: each key keeps its endpoint" [ "$(jq "$t" 'j["seq"]')" = "$(jq "$t3" 'j["seq"]')" ]
t=$(tally /ringc 10 -H 'Cookie: a=1; sid=s42; b=2')
check "ring hash by cookie: one key, one endpoint ($(jq "$t" 'j["names"]'))" [ "$(jq "$t" 'len(j["names"])')" = 1 ]
t=$(tally /ringc 30 --vary-cookie sid)
t3=$(tally /ringc 30 --vary-cookie sid)
check "ring hash by cookie: keys spread ($(jq "$t" 'j["names"]')) and stick" \
	all "[ \"\$(jq '$t' 'len(j[\"names\"])')\" -ge 2 ]" "[ \"\$(jq '$t' 'j[\"seq\"]')\" = \"\$(jq '$t3' 'j[\"seq\"]')\" ]"

# ---- Prometheus (parsed by prometheus_client) ----
curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" >"$E2E_DIR/metrics.txt"
prom=$($PY "$HERE/prom_check.py" "$E2E_DIR/metrics.txt" \
	'meshpath_http_retry_verdicts_total{cluster="flaky",verdict="retry"}' \
	'meshpath_http_outlier_ejections_total{cluster="eject"}' \
	'meshpath_http_breaker_overflow_total{breaker="max_requests",cluster="tight"}' \
	'meshpath_http_timeouts_total{cluster="slow",kind="first_byte"}' 2>&1) || true
echo "     metrics: $(echo $prom)"
read -r pretry peject pover ptimeout <<<"$(echo $prom)"
check "Prometheus: retries, ejections, breaker overflows, timeouts ($pretry $peject $pover $ptimeout)" \
	all '[ "${pretry:-0}" -ge 5 ]' '[ "${peject:-0}" -ge 1 ]' '[ "${pover:-0}" -ge 1 ]' '[ "${ptimeout:-0}" -ge 1 ]'

check "SIGTERM: meshpath exits with status 0" meshpath_stop

# ---- The access log: one line per request above, with what happened to it ----
# Written by the control thread; complete once meshpath has exited.
$PY - "$E2E_DIR/access.log" <<'PYCHECK' >"$E2E_DIR/alog.out" 2>&1 || true
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
http = [l for l in lines if l.get("type") == "http"]
def p(l): return l["path"].split("?")[0]
def ok(what, cond):
    print(("ok   " if cond else "FAIL ") + what)
def some(what, pred):
    n = sum(1 for l in http if pred(l))
    ok("%s (%d lines)" % (what, n), n > 0)
def none(what, pred):
    bad = [l for l in http if pred(l)]
    ok("%s%s" % (what, "" if not bad else ": " + json.dumps(bad[0])), not bad)
ok("every line parses and is an http record (%d)" % len(http), len(http) == len(lines) > 100)
some("GET /flaky retried after a reset: 200 from u1 with retries >= 1",
     lambda l: p(l) == "/flaky" and l["method"] == "GET" and l["status"] == 200
     and l["retries"] >= 1 and l["upstream"] == "10.41.0.1:8080" and l["cluster"] == "flaky")
none("POST /flaky never retried (retries 0 on every POST line)",
     lambda l: p(l) == "/flaky" and l["method"] == "POST" and l["retries"] != 0)
some("POST /flaky after a reset: 502 upstream_reset from the resetting endpoint",
     lambda l: p(l) == "/flaky" and l["method"] == "POST" and l["status"] == 502
     and l["local_reason"] == "upstream_reset" and l["upstream"] == "10.41.0.4:8080")
some("GET /five retried after a 503: 200 from u3 with retries >= 1",
     lambda l: p(l) == "/five" and l["status"] == 200 and l["retries"] >= 1
     and l["upstream"] == "10.41.0.3:8080")
some("first_byte_ms: 504 upstream_timeout on /slow, upstream connected, no first byte",
     lambda l: p(l) == "/slow" and l["status"] == 504 and l["local_reason"] == "upstream_timeout"
     and l["upstream_connect_us"] is not None and l["upstream_first_byte_us"] is None
     and 450000 <= l["total_us"] <= 2500000)
some("connect_ms: 504 upstream_connect_timeout on /dead naming the endpoint tried",
     lambda l: p(l) == "/dead" and l["status"] == 504
     and l["local_reason"] == "upstream_connect_timeout" and l["upstream"] == "10.41.0.9:80")
some("slow client: 408 request_timeout", lambda l: l["status"] == 408
     and l["local_reason"] == "request_timeout")
some("slow head: 408 request_timeout, no method or path (the head never came whole), no route",
     lambda l: l["status"] == 408 and l["local_reason"] == "request_timeout"
     and l["method"] == "" and l["path"] == "" and l["route"] is None and l["upstream"] == "-")
some("ejection: 500s from e500 on /eject", lambda l: p(l) == "/eject" and l["status"] == 500
     and l["upstream"] == "10.41.0.5:8080")
some("breaker: 503 circuit_breaker_overflow on /tight/, no upstream tried",
     lambda l: p(l).startswith("/tight/") and l["status"] == 503
     and l["local_reason"] == "circuit_breaker_overflow" and l["upstream"] == "-")
some("max_retries: 503 circuit_breaker_overflow on /rbrk/, after the attempt on e503, no retry",
     lambda l: p(l).startswith("/rbrk/") and l["status"] == 503
     and l["local_reason"] == "circuit_breaker_overflow" and l["upstream"] == "10.41.0.6:8080"
     and l["retries"] == 0)
some("ring hash: /ringh lines from the ring cluster", lambda l: p(l) == "/ringh"
     and l["cluster"] == "ring" and l["status"] == 200)
PYCHECK
while read -r verdict what; do
	check "access log: $what" [ "$verdict" = ok ]
done <"$E2E_DIR/alog.out"
check "access log: the checker ran ($(wc -l <"$E2E_DIR/alog.out") checks)" [ "$(grep -c '^ok\|^FAIL' "$E2E_DIR/alog.out")" -eq 13 ]
e2e_done
