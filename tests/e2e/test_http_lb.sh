#!/usr/bin/env bash
# End to end, the HTTP proxy's load balancing and health checks (issue 6 items 5 and 6): a client
# namespace and a server namespace joined to meshpath by af_packet ports; scripted upstreams
# (http_upstream.py) whose health answers (GET /health) a test switches through a file: "ua",
# "ub", "uc" well-behaved, "slow" answering after 250 ms, "h1" and "h2" for the health checks,
# "e500" answering 500 to everything but /health, "d" answering 200 to everything but /health.
# The client namespace holds 600 more addresses (on its loopback, reached through a static
# route) for keys by source address. One worker: round robin is then exact.
#
# Asserts: weighted round robin (3:1:1) exact over 100 requests and smooth (every 5 requests in a
# row hold 3, 1 and 1), unweighted exact thirds; least request (power of two choices) sending
# the slow endpoint at most a fifth of 240 requests from 8 concurrent clients (round robin would
# send it a third); ring hash and Maglev keyed on a header, a cookie and the source address:
# 600 keys sent twice, each answered by one endpoint, shares within 25 % of the weights (2:1:1),
# a cookie's value hashed like the same header value; once an endpoint is down by its health
# checks, none of its keys answered by it, they spread over the others, and the others' keys
# stay (ring hash: all; Maglev: all but 1 %); when it returns, every key back where it was;
# HTTP health checks of an HTTP-routed cluster taking an endpoint down after exactly `fall`
# failed checks and back after exactly `rise` passed ones (telemetry read every 10 ms), no
# request reaching it while down, its share again after; health and outlier ejection combined:
# an endpoint answering 500 while its checks pass is ejected and avoided until the ejection
# ends, one down by its checks is avoided though never ejected, and picked once they pass.
#
# usage: test_http_lb.sh MESHPATH_BINARY      (as root)
source "$(dirname "$0")/lib.sh"
need_root
BIN=$(realpath "$1")
HERE=$(dirname "$(realpath "$0")")
PY=/usr/bin/python3
NSC="mplbc-$E2E_ID"
NSS="mplbs-$E2E_ID"
VC="mlc$E2E_ID"
VS="mls$E2E_ID"
VIP=10.61.0.100
KEYS=600
# Health checks every 400 ms, 300 ms to answer; down after 3 failures, up after 2 passes. The
# control thread applies a result within its 100 ms tick: the interval leaves a telemetry reader
# 300 ms to see the state change before the next check.
FALL=3 RISE=2
HEALTH="health = { type = \"http\"; path = \"/health\"; interval_ms = 400; timeout_ms = 300;
	             rise = $RISE; fall = $FALL; };"

netns_add "$NSC"
netns_add "$NSS"
veth_to_ns "$NSC" vc0 "$VC"
veth_to_ns "$NSS" vs0 "$VS"
ip -n "$NSC" addr add 10.61.0.1/24 dev vc0
ip -n "$NSC" route add default via 10.61.0.254
# The source-address keys: 10.63.0.1 .. 10.63.0.250, 10.63.1.1, ... as http_tally.py --source
# numbers them.
for i in $(seq 0 $((KEYS - 1))); do
	echo "address add 10.63.$((i / 250)).$((i % 250 + 1))/32 dev lo"
done | ip -n "$NSC" -batch -
for i in 1 2 3 4 5 6 7 8; do ip -n "$NSS" addr add "10.62.0.$i/24" dev vs0; done
ip -n "$NSS" route add default via 10.62.0.254

: >"$E2E_DIR/upstream.log"
up() { # ADDR_SUFFIX NAME MODE: an upstream whose /health answers what $E2E_DIR/NAME.health says
	ip netns exec "$NSS" $PY "$HERE/http_upstream.py" "10.62.0.$1" 8080 "$2" \
		"$E2E_DIR/upstream.log" "$3" "$E2E_DIR/$2.health" >"$E2E_DIR/$2.out" 2>&1 &
	E2E_PIDS+=($!)
}
up 1 ua ok
up 2 ub ok
up 3 uc ok
up 4 slow delay=250
up 5 h1 ok
up 6 h2 ok
up 7 e500 500
up 8 d ok
echo 500 >"$E2E_DIR/d.health" # down from the start

ep() { echo "{ address = \"10.62.0.$1\"; port = 8080; ${2:-} }"; }
hashed() { # 1-3 weighted 2:1:1
	echo "endpoints = ( $(ep 1 'weight = 2;'), $(ep 2), $(ep 3) ); $HEALTH"
}
hash_routes() { # CLUSTER: /CLUSTERh, /CLUSTERc, /CLUSTERs hash a header, a cookie, the source
	echo "{ match = { prefix = \"/$1h\"; }; clusters = ( { name = \"$1\"; } );
		  hash = { header = \"x-user\"; }; },
		{ match = { prefix = \"/$1c\"; }; clusters = ( { name = \"$1\"; } );
		  hash = { cookie = \"sid\"; }; },
		{ match = { prefix = \"/$1s\"; }; clusters = ( { name = \"$1\"; } );
		  hash = { source_address = true; }; },"
}
cat >"$E2E_DIR/lb.conf" <<CONF
eal = { args = ["--no-pci", "--no-huge", "-m", "512", "--no-shconf"]; };
workers = { lcores = [1]; cpus = [1]; };
mempool = { mbufs = 16383; };
ports = (
	{ name = "cli"; device = "net_af_packet0,iface=$VC,qpairs=1";
	  addresses = ["10.61.0.254/24"]; },
	{ name = "srv"; device = "net_af_packet1,iface=$VS,qpairs=1";
	  addresses = ["10.62.0.254/24"]; }
);
routes = ( { dst = "10.63.0.0/16"; gateway = "10.61.0.1"; } );
clusters = (
	{ name = "rrw"; policy = "round_robin";
	  endpoints = ( $(ep 1 'weight = 3;'), $(ep 2), $(ep 3) ); },
	{ name = "rre"; policy = "round_robin"; endpoints = ( $(ep 1), $(ep 2), $(ep 3) ); },
	{ name = "lr"; policy = "least_request"; endpoints = ( $(ep 1), $(ep 2), $(ep 4) ); },
	{ name = "ring"; policy = "ring_hash"; $(hashed) },
	{ name = "mg"; policy = "maglev"; $(hashed) },
	{ name = "hc"; policy = "round_robin"; endpoints = ( $(ep 5), $(ep 6) ); $HEALTH },
	{ name = "mix"; policy = "round_robin"; endpoints = ( $(ep 5), $(ep 7), $(ep 8) ); $HEALTH
	  outlier_detection = { consecutive_5xx = 3; base_ejection_ms = 3000;
				max_ejection_ms = 3000; decay_interval_ms = 0;
				max_ejection_percent = 50; }; }
);
route_tables = ( {
	name = "t";
	virtual_hosts = ( { name = "lb"; domains = ["*"];
	  routes = (
		{ match = { prefix = "/rrw"; }; clusters = ( { name = "rrw"; } ); },
		{ match = { prefix = "/rre"; }; clusters = ( { name = "rre"; } ); },
		{ match = { prefix = "/lr"; }; clusters = ( { name = "lr"; } ); },
		$(hash_routes ring)
		$(hash_routes mg)
		{ match = { prefix = "/hc"; }; clusters = ( { name = "hc"; } ); },
		{ match = { prefix = "/mix"; }; clusters = ( { name = "mix"; } );
		  retry = { num_retries = 0; }; }
	  ); } );
} );
listeners = (
	{ name = "web"; protocol = "http"; address = "$VIP"; port = 80; routes = "t"; }
);
CONF
"$BIN" --check "$E2E_DIR/lb.conf" >/dev/null || die "test config rejected"
for i in 1 2 3 4 5 6 7 8; do
	for _ in $(seq 50); do
		ip netns exec "$NSS" curl -s -m 1 -o /dev/null "http://10.62.0.$i:8080/health" && break
		sleep 0.1
	done
done
meshpath_start "$BIN" "$E2E_DIR/lb.conf"

# tally PATH N [http_tally.py options...]: http_tally.py's JSON.
tally() { local p=$1 n=$2; shift 2; ip netns exec "$NSC" $PY "$HERE/http_tally.py" "$VIP" 80 lb.test "$p" "$n" "$@"; }
# jq JSON EXPR: a value of a JSON text (j is the object).
jq() { $PY -c 'import sys, json; j = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
# n JSON NAME: how many requests NAME answered.
n() { jq "$1" "j['names'].get('$2', 0)"; }
# all CONDITION...: every condition (a shell command line, evaluated) holds.
all() { local cond; for cond in "$@"; do eval "$cond" || return 1; done; }

# ---- Round robin ----
t=$(tally /rrw 100)
check "weighted round robin 3:1:1: 100 requests, 60/20/20 ($(jq "$t" 'j["names"]'))" \
	[ "$(n "$t" ua) $(n "$t" ub) $(n "$t" uc)" = "60 20 20" ]
check "weighted round robin is smooth: every 5 requests in a row hold 3 ua, 1 ub, 1 uc" \
	[ "$(jq "$t" 'sum(1 for i in range(96) if sorted(j["seq"][i:i + 5]) != ["ua", "ua", "ua", "ub", "uc"])')" = 0 ]
t=$(tally /rre 99 --conc 4)
check "round robin: 99 requests, 33 each ($(jq "$t" 'j["names"]'))" \
	[ "$(n "$t" ua) $(n "$t" ub) $(n "$t" uc)" = "33 33 33" ]

# ---- Least request: the slow endpoint holds its requests, P2C sends it fewer ----
t=$(tally /lr 240 --conc 8)
slow=$(n "$t" slow)
check "least request: 240 requests from 8 clients all answered ($(jq "$t" 'j["status"]'))" \
	[ "$(jq "$t" 'j["status"].get("200", 0)')" = 240 ]
check "least request: the slow endpoint gets at most a fifth (round robin: a third) ($(jq "$t" 'j["names"]'))" \
	all '[ "$slow" -ge 1 ]' '[ "$slow" -le 48 ]' \
	'[ "$(n "$t" ua)" -ge $((2 * slow)) ]' '[ "$(n "$t" ub)" -ge $((2 * slow)) ]'

# ---- Ring hash and Maglev: stickiness, spread by weight (2:1:1), disruption ----
declare -A KEYOPT=([h]="--vary x-user" [c]="--vary-cookie sid" [s]="--source 10.63.0.0")
declare -A KIND=([h]="header" [c]="cookie" [s]="source address")
for pol in ring mg; do
	for k in h c s; do
		tally "/$pol$k" "$KEYS" ${KEYOPT[$k]} --conc 8 --rounds 2 >"$E2E_DIR/$pol$k.0"
		t=$(cat "$E2E_DIR/$pol$k.0")
		check "$pol by ${KIND[$k]}: $KEYS keys twice, all answered, each key by one endpoint ($(jq "$t" 'j["status"]'), $(jq "$t" 'j["unstable"]') unstable)" \
			all "[ \"\$(jq '$t' 'j[\"status\"].get(\"200\", 0)')\" = $((2 * KEYS)) ]" "[ \"\$(jq '$t' 'j[\"unstable\"]')\" = 0 ]"
		check "$pol by ${KIND[$k]}: shares within 25 % of 2:1:1 ($(jq "$t" 'j["names"]'))" \
			all "between $(n "$t" ua) 225 375" "between $(n "$t" ub) 113 187" "between $(n "$t" uc) 113 187"
	done
done

for pol in ring mg; do
	check "$pol: the cookie's value is the key (each key on the endpoint its header twin went to)" \
		$PY -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["seq"] != json.load(open(sys.argv[2]))["seq"])' \
		"$E2E_DIR/${pol}h.0" "$E2E_DIR/${pol}c.0"
done

# moved A B: JSON over two rounds' files: "moved" (keys A has on ua or ub that B has elsewhere),
# "uc" (keys A has on uc), "to_uc" (keys B has on uc), "uc_to" (uc's keys of A where B has them).
moved() {
	$PY - "$1" "$2" <<'PYM'
import json, sys
a, b = (json.load(open(f))["seq"] for f in sys.argv[1:3])
print(json.dumps({"moved": sum(1 for x, y in zip(a, b) if x != "uc" and x != y),
                  "uc": a.count("uc"), "to_uc": b.count("uc"),
                  "uc_to": {n: sum(1 for x, y in zip(a, b) if x == "uc" and y == n)
                            for n in ("ua", "ub", "-")}}))
PYM
}
# seen_at JSON STATE: health_watch.py's observations show the endpoint still in the other state
# while fewer than fall (down) or rise (up) checks failed or passed, and in STATE once exactly
# that many did.
seen_at() {
	$PY - "$1" "$2" "$FALL" "$RISE" <<'PYS'
import json, sys
w, state, fall, rise = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
col, need = (1, fall) if state == "down" else (0, rise)
early = [o for o in w["seen"] if o[col] < need and o[2] == state]
first = [o for o in w["seen"] if o[2] == state][:1]
sys.exit(1 if early or not first or first[0][col] != need else 0)
PYS
}

# uc's checks fail: down in both clusters; the keys of ua and ub stay, uc's spread over them.
w=$($PY "$HERE/health_watch.py" "$E2E_PREFIX" ring 2 down 10 "$E2E_DIR/uc.health" 500) || true
check "ring: uc down after exactly $FALL failed checks (passed, failed since; health: $(jq "$w" 'j["seen"]'))" \
	seen_at "$w" down
check "maglev: uc down too" wait_endpoint_health mg 3 down
for pol in ring mg; do
	for k in h c s; do
		t=$(tally "/$pol$k" "$KEYS" ${KEYOPT[$k]} --conc 8 | tee "$E2E_DIR/$pol$k.1")
		m=$(moved "$E2E_DIR/$pol$k.0" "$E2E_DIR/$pol$k.1")
		# Ring hash moves no other key. Maglev refills its table without uc and may move a
		# few (NSDI 2016, 3.4): at most 1 % here.
		most=$([ $pol = ring ] && echo 0 || echo $((KEYS / 100)))
		check "$pol by ${KIND[$k]}, uc down: all answered, none by uc, ua's and ub's keys stay (at most $most move), uc's spread over both ($m)" \
			all "[ \"\$(jq '$t' 'j[\"status\"].get(\"200\", 0)')\" = $KEYS ]" \
			"[ \"\$(jq '$m' 'j[\"to_uc\"]')\" = 0 ]" \
			"[ \"\$(jq '$m' 'j[\"moved\"]')\" -le $most ]" \
			"[ \"\$(jq '$m' 'min(j[\"uc_to\"][\"ua\"], j[\"uc_to\"][\"ub\"]) * 10')\" -ge \"\$(jq '$m' 'j[\"uc\"]')\" ]"
	done
done
# uc back: every key where it was before (the cookie's keys are the header's: not again).
w=$($PY "$HERE/health_watch.py" "$E2E_PREFIX" ring 2 up 10 "$E2E_DIR/uc.health" 200) || true
check "ring: uc up after exactly $RISE passed checks ($(jq "$w" 'j["seen"]'))" seen_at "$w" up
check "maglev: uc up too" wait_endpoint_health mg 3 up
for pol in ring mg; do
	for k in h s; do
		tally "/$pol$k" "$KEYS" ${KEYOPT[$k]} --conc 8 >"$E2E_DIR/$pol$k.2"
		check "$pol by ${KIND[$k]}, uc back: every key on the endpoint it had at first" \
			$PY -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["seq"] != json.load(open(sys.argv[2]))["seq"])' \
			"$E2E_DIR/$pol$k.0" "$E2E_DIR/$pol$k.2"
	done
done

# ---- HTTP health checks of an HTTP-routed cluster ----
t=$(tally /hc 20)
check "health: h1 and h2 both serve at first ($(jq "$t" 'j["names"]'))" \
	[ "$(n "$t" h1) $(n "$t" h2)" = "10 10" ]
bad0=$(counter /meshpath/health/http bad_status)
w=$($PY "$HERE/health_watch.py" "$E2E_PREFIX" hc 1 down 10 "$E2E_DIR/h2.health" 500) || true
check "health: h2 answering 500 on /health is up until $FALL checks failed, down at $FALL ($(jq "$w" 'j["seen"]'))" \
	seen_at "$w" down
check "health: the failures counted as bad_status ($bad0 -> $(counter /meshpath/health/http bad_status))" \
	[ "$(counter /meshpath/health/http bad_status)" -ge $((bad0 + FALL)) ]
before=$(grep -c '^h2 GET /hc' "$E2E_DIR/upstream.log" || true)
t=$(tally /hc 40 --conc 8)
check "health: while h2 is down, 40 of 40 answered by h1 ($(jq "$t" 'j["names"]'))" \
	[ "$(n "$t" h1)" = 40 ]
check "health: no request reached h2" [ "$(grep -c '^h2 GET /hc' "$E2E_DIR/upstream.log" || true)" = "$before" ]
w=$($PY "$HERE/health_watch.py" "$E2E_PREFIX" hc 1 up 10 "$E2E_DIR/h2.health" 200) || true
check "health: h2 answering 200 again is down until $RISE checks passed, up at $RISE ($(jq "$w" 'j["seen"]'))" \
	seen_at "$w" up
t=$(tally /hc 20)
check "health: h2 serves again ($(jq "$t" 'j["names"]'))" [ "$(n "$t" h1) $(n "$t" h2)" = "10 10" ]

# ---- Health and outlier ejection combined ----
# mix: h1; e500 (500 to requests, its checks pass); d (200 to requests, its checks fail).
clu() { telemetry /meshpath/http/clusters | $PY -c 'import sys, json; print(json.load(sys.stdin)[sys.argv[1]][sys.argv[2]])' "$1" "$2"; }
check "mix: d down by its health checks, e500 up" \
	all 'wait_endpoint_health mix 3 down' '[ "$(endpoint_health mix 2)" = up ]'
# The requests while ejected go at once: base_ejection_ms leaves time for the checks after.
t=$(tally /mix 12)
t2=$(tally /mix 20 --conc 8)
ej="$(clu mix outlier_ejections_total) $(clu mix outlier_ejections_active) $(endpoint_health mix 2)"
check "mix: e500 answers 500 until ejected after 3, d never picked ($(jq "$t" 'j["names"]'), $(jq "$t" 'j["status"]'))" \
	all "[ \"$(n "$t" e500) $(n "$t" h1)\" = '3 9' ]" "[ \"$(jq "$t" 'j["status"].get("500", 0)')\" = 3 ]"
check "mix: while e500 is ejected and d down, 20 of 20 from h1 ($(jq "$t2" 'j["names"]'))" \
	[ "$(n "$t2" h1)" = 20 ]
check "mix: then one ejection (e500's) counted, active, and e500's checks passing ($ej)" \
	[ "$ej" = "1 1 up" ]
for _ in $(seq 50); do [ "$(clu mix outlier_ejections_active)" = 0 ] && break; sleep 0.1; done
check "mix: the ejection ends ($(clu mix outlier_ejections_active) active)" [ "$(clu mix outlier_ejections_active)" = 0 ]
t=$(tally /mix 20)
check "mix: after the ejection e500 is picked again, d, down but never ejected, still not ($(jq "$t" 'j["names"]'))" \
	all "[ \"$(n "$t" e500)\" -ge 1 ]" "[ \"$(n "$t" d)\" = 0 ]" '[ "$(endpoint_health mix 3)" = down ]'
echo 200 >"$E2E_DIR/d.health"
check "mix: d up once its checks pass" wait_endpoint_health mix 3 up
t=$(tally /mix 20)
check "mix: d picked again ($(jq "$t" 'j["names"]'))" [ "$(n "$t" d)" -ge 1 ]

check "SIGTERM: meshpath exits with status 0" meshpath_stop
e2e_done
