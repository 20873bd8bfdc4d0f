#!/usr/bin/env bash
# End to end, the HTTP/1.1 reverse proxy: a client namespace and a server namespace joined to
# meshpath by af_packet ports. Upstreams in the server namespace: two nginx ("a", "b") that say
# who they are, two scripted upstreams (http_upstream.py) that answer with what they received,
# a WebSocket echo server, and an address nobody listens on. One HTTP listener routes by Host,
# path, headers, query and method (route table "t").
#
# Asserts, through real curl, wrk, Python sockets and a WebSocket client: every routing rule
# kind reaches its upstream (exact, prefix, regex, headers, query, method, wildcard and default
# hosts, weighted split, redirect, direct response, 404); the forwarded request carries the
# proxy's fields and the route's rewrites and no hop-by-hop fields; keep-alive on both sides and
# pipelining (responses in order); a chunked upload, Expect: 100-continue, a 100 MB download with
# equal sha256; HEAD, 304, 1xx, chunked and close-delimited responses (dechunked for HTTP/1.0);
# HTTP/1.0 requests closed after their response, or kept open with "Connection: keep-alive";
# a WebSocket echo through Upgrade; a CONNECT tunnel; smuggling attempts answered 400 that never
# reach an upstream; 502 when the upstream resets, 504 when it does not answer; wrk under load
# with no errors; and the access-log line of each of these (pipelined in order, the 101, the big
# transfers' bytes, the 400s, 502s).
#
# Then meshpath again with small `http` limits and a short upstream pool: a request line, a
# header section, a field count and a body over their limits answered 414, 431, 431 and 413,
# the connection closed and nothing forwarded; an upstream connection closed after its
# max_requests_per_connection and after upstream_idle_ms in its pool (the upstream sees the
# closes); the route and cluster counters (responses by class, connections opened and reused,
# bytes in and out) equal to what curl sent and received, also for a response pipelined behind
# a 100 MB one; and a client that reads nothing of a 100 MB response, or of the answers to 20000
# pipelined requests, for a while holds meshpath to a bounded number of packet buffers.
#
# usage: test_http_proxy.sh MESHPATH_BINARY      (as root)
source "$(dirname "$0")/lib.sh"
need_root
BIN=$(realpath "$1")
HERE=$(dirname "$(realpath "$0")")
PY=/usr/bin/python3
NSC="mphc-$E2E_ID"
NSS="mphs-$E2E_ID"
VC="mhc$E2E_ID"
VS="mhs$E2E_ID"
WORKERS=${E2E_WORKERS:-2}
VIP=10.30.0.100

netns_add "$NSC"
netns_add "$NSS"
veth_to_ns "$NSC" vc0 "$VC"
veth_to_ns "$NSS" vs0 "$VS"
ip -n "$NSC" addr add 10.30.0.1/24 dev vc0
for i in 1 2 3 4 5; do ip -n "$NSS" addr add "10.40.0.$i/24" dev vs0; done
ip -n "$NSC" route add default via 10.30.0.254
ip -n "$NSS" route add default via 10.40.0.254

# nginx "a" and "b": a line naming themselves for every path, and a 100 MB file.
www="$E2E_DIR/www"
mkdir -p "$www"
head -c 100M /dev/urandom >"$www/big.bin"
big_sha=$(sha256sum "$www/big.bin" | cut -d' ' -f1)
for n in a b; do
	i=$([ "$n" = a ] && echo 1 || echo 2)
	cat >"$E2E_DIR/nginx-$n.conf" <<NGINX
daemon off;
user root;
worker_processes 1;
pid $E2E_DIR/nginx-$n.pid;
error_log $E2E_DIR/nginx-$n.err warn;
events { worker_connections 1024; }
http {
	access_log $E2E_DIR/nginx-$n.access;
	keepalive_requests 100000;
	server {
		listen 10.40.0.$i:80;
		location = /big.bin { root $www; }
		location / { return 200 "upstream-$n \$request_method \$request_uri\n"; }
	}
}
NGINX
	ip netns exec "$NSS" nginx -c "$E2E_DIR/nginx-$n.conf" -e "$E2E_DIR/nginx-$n.err" &
	E2E_PIDS+=($!)
done
: >"$E2E_DIR/upstream.log"
for i in 3 4; do
	name=$([ "$i" = 3 ] && echo echo-a || echo echo-b)
	ip netns exec "$NSS" $PY "$HERE/http_upstream.py" "10.40.0.$i" 8080 "$name" \
		"$E2E_DIR/upstream.log" >"$E2E_DIR/$name.out" 2>&1 &
	E2E_PIDS+=($!)
done
ip netns exec "$NSS" $PY "$HERE/ws_echo.py" server 10.40.0.5 8765 >"$E2E_DIR/ws.out" 2>&1 &
E2E_PIDS+=($!)
# A TCP echo service (RFC 862) for CONNECT tunnels.
ip netns exec "$NSS" socat TCP4-LISTEN:7,bind=10.40.0.5,reuseaddr,fork PIPE &
E2E_PIDS+=($!)

lcores=1 cpus=1
if [ "$WORKERS" -eq 2 ]; then lcores="1, 2" cpus="1, 1"; fi
# conf_head: the EAL, workers, mempool and ports of both configurations below.
conf_head() {
	cat <<CONF
eal = { args = ["--no-pci", "--no-huge", "-m", "1024", "--no-shconf"]; };
workers = { lcores = [$lcores]; cpus = [$cpus]; };
mempool = { mbufs = 32767; };
ports = (
	{ name = "cli"; device = "net_af_packet0,iface=$VC,qpairs=$WORKERS";
	  addresses = ["10.30.0.254/24"]; },
	{ name = "srv"; device = "net_af_packet1,iface=$VS,qpairs=$WORKERS";
	  addresses = ["10.40.0.254/24"]; }
);
CONF
}
{ conf_head; cat <<CONF
clusters = (
	{ name = "a"; endpoints = ( { address = "10.40.0.1"; port = 80; } ); },
	{ name = "b"; endpoints = ( { address = "10.40.0.2"; port = 80; } ); },
	{ name = "nginx"; endpoints = ( { address = "10.40.0.1"; port = 80; },
					{ address = "10.40.0.2"; port = 80; } ); },
	{ name = "echo"; endpoints = ( { address = "10.40.0.3"; port = 8080; } ); },
	{ name = "ws"; endpoints = ( { address = "10.40.0.5"; port = 8765; } ); },
	{ name = "dead"; endpoints = ( { address = "10.40.0.9"; port = 80; } ); },
	{ name = "tunnel"; endpoints = ( { address = "10.40.0.5"; port = 7; } ); }
);
route_tables = ( {
	name = "t";
	virtual_hosts = (
		{ name = "www"; domains = ["www.test"];
		  routes = (
			{ match = { regex = ".*"; methods = ["CONNECT"]; }; clusters = ( { name = "tunnel"; } ); },
			{ match = { path = "/exact"; }; clusters = ( { name = "a"; } ); },
			{ match = { regex = "/re/[0-9]+"; }; clusters = ( { name = "b"; } ); },
			{ match = { prefix = "/hdr"; headers = ( { name = "x-pick"; exact = "b"; } ); };
			  clusters = ( { name = "b"; } ); },
			{ match = { prefix = "/hdr"; headers = ( { name = "x-present"; present = true; } ); };
			  direct_response = { status = 200; body = "header present\n"; }; },
			{ match = { prefix = "/hdr"; headers = ( { name = "x-re"; regex = "v[0-9]+"; } ); };
			  direct_response = { status = 200; body = "header regex\n"; }; },
			{ match = { prefix = "/q"; query = ( { name = "pick"; exact = "b"; } ); };
			  clusters = ( { name = "b"; } ); },
			{ match = { prefix = "/m"; methods = ["POST"]; };
			  direct_response = { status = 201; body = "post only\n"; }; },
			{ match = { prefix = "/split"; };
			  clusters = ( { name = "a"; weight = 3; }, { name = "b"; weight = 1; } ); },
			{ match = { prefix = "/old/"; }; redirect = { prefix_rewrite = "/new/"; code = 302; }; },
			{ match = { prefix = "/direct"; }; direct_response = { status = 418; body = "teapot\n"; }; },
			{ match = { prefix = "/echo/"; }; prefix_rewrite = "/";
			  request_headers_add = ( { name = "x-added"; value = "yes"; } );
			  request_headers_remove = ["x-secret"];
			  response_headers_add = ( { name = "x-resp"; value = "r"; } );
			  response_headers_remove = ["x-drop-me"];
			  clusters = ( { name = "echo"; } ); },
			{ match = { prefix = "/ws"; }; clusters = ( { name = "ws"; } ); },
			{ match = { prefix = "/dead"; }; clusters = ( { name = "dead"; } );
			  retry = { num_retries = 0; }; },	# one connect timeout, within curl's 10 s
			{ match = { prefix = "/"; }; clusters = ( { name = "nginx"; } ); }
		  ); },
		{ name = "api"; domains = ["api.test"];
		  routes = ( { match = { path = "/only"; }; direct_response = { status = 200; body = "only\n"; }; } ); },
		{ name = "wild"; domains = ["*.wild.test"];
		  routes = ( { match = { prefix = "/"; }; clusters = ( { name = "b"; } ); } ); },
		{ name = "default"; domains = ["*"];
		  routes = ( { match = { prefix = "/"; }; clusters = ( { name = "a"; } ); } ); }
	);
} );
listeners = (
	{ name = "web"; protocol = "http"; address = "$VIP"; port = 80; routes = "t"; }
);
access_log = { path = "$E2E_DIR/access.log"; };
CONF
} >"$E2E_DIR/http.conf"
"$BIN" --check "$E2E_DIR/http.conf" >/dev/null || die "test config rejected"
for a in 10.40.0.1:80 10.40.0.2:80 10.40.0.3:8080 10.40.0.4:8080; do
	for _ in $(seq 50); do
		ip netns exec "$NSS" curl -s -m 1 -o /dev/null "http://$a/" && break
		sleep 0.1
	done
done
for _ in $(seq 50); do grep -q listening "$E2E_DIR/ws.out" && break; sleep 0.1; done
meshpath_start "$BIN" "$E2E_DIR/http.conf"

# c ARGS...: curl from the client namespace; the Host is given with -H.
c() { ip netns exec "$NSC" curl -s -m 10 "$@"; }
# get HOST PATH [ARGS...]: the body.
get() { local h=$1 p=$2; shift 2; c -H "Host: $h" "$@" "http://$VIP$p"; }
# status HOST PATH [ARGS...]: the status code.
status() { local h=$1 p=$2; shift 2; c -o /dev/null -w '%{http_code}' -H "Host: $h" "$@" "http://$VIP$p"; }
# json FILE EXPR: a value from the upstream's JSON answer (j is the object).
json() { $PY -c 'import sys, json; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# raw [IDLE [end]]: bytes from stdin ("\r\n" written literally) to the VIP, the reply on stdout;
# with "end", a last line says how it ended ("[end: closed]", "[end: idle]", "[end: reset]").
raw() { ip netns exec "$NSC" $PY "$HERE/http_raw.py" "$VIP" 80 "${1:-2}" ${2:+"$2"}; }
# all CONDITION...: every condition (a shell command line, evaluated) holds.
all() { local cond; for cond in "$@"; do eval "$cond" || return 1; done; }
# not COMMAND...: the command fails.
not() { ! "$@"; }
# upstream_saw TEXT: a request whose target contains TEXT reached a scripted upstream.
upstream_saw() { grep -q -- "$1" "$E2E_DIR/upstream.log"; }

# ---- Routing: each rule kind reaches its intended upstream ----
check "exact path -> a" [ "$(get www.test /exact)" = "upstream-a GET /exact" ]
check "regex path -> b" [ "$(get www.test /re/42)" = "upstream-b GET /re/42" ]
out=$(get www.test /re/x4)
check "regex matches the whole path only (/re/x4 falls through: $out)" \
	all '[ "${out#upstream-}" != "$out" ]' '[ "${out%/re/x4}" != "$out" ]'
check "header exact -> b" [ "$(get www.test /hdr -H 'x-pick: b')" = "upstream-b GET /hdr" ]
check "header present -> direct" [ "$(get www.test /hdr -H 'x-present;')" = "header present" ]
check "header regex -> direct" [ "$(get www.test /hdr -H 'x-re: v12')" = "header regex" ]
check "header regex must match the whole value" [ "$(get www.test /hdr -H 'x-re: v12x')" != "header regex" ]
check "query parameter -> b" [ "$(get www.test '/q?x=1&pick=b')" = "upstream-b GET /q?x=1&pick=b" ]
check "method POST -> 201" [ "$(status www.test /m -X POST)" = 201 ]
out=$(get www.test /m)
check "method GET falls through to the catch-all ($out)" [ "${out#upstream-}" != "$out" ]
check "wildcard host -> b" [ "$(get x.y.wild.test /w)" = "upstream-b GET /w" ]
check "Host with port and case -> the same virtual host" [ "$(get 'WWW.Test:80' /exact)" = "upstream-a GET /exact" ]
check "default host -> a" [ "$(get other.example /d)" = "upstream-a GET /d" ]
check "no route in the virtual host -> 404" [ "$(status api.test /other)" = 404 ]
check "direct response status and body" \
	all '[ "$(status www.test /direct)" = 418 ]' '[ "$(get www.test /direct)" = "teapot" ]'
loc=$(c -o /dev/null -w '%{http_code} %{redirect_url}' -H "Host: www.test" "http://$VIP/old/x/y?k=v")
check "redirect: 302 to the rewritten prefix, query kept ($loc)" [ "$loc" = "302 http://www.test/new/x/y?k=v" ]
na=0 nb=0
for _ in $(seq 200); do
	case $(get www.test /split) in
	"upstream-a GET /split") na=$((na + 1)) ;;
	"upstream-b GET /split") nb=$((nb + 1)) ;;
	esac
done
# weights 3:1 -> 150 of 200 expected; 120..180 is beyond 5 sigma.
check "weighted split 3:1 ($na a, $nb b)" between "$na" 120 180
check "weighted split: every request answered" [ $((na + nb)) -eq 200 ]

# ---- What the upstream receives, and what the client gets back ----
c -D "$E2E_DIR/h.hdr" -o "$E2E_DIR/h.json" -H "Host: www.test" -H "Connection: keep-alive, x-hop" \
	-H "x-hop: 1" -H "Keep-Alive: timeout=5" -H "x-secret: s" -H "X-Forwarded-For: 192.0.2.7" \
	-H "X-Forwarded-Proto: https" "http://$VIP/echo/path?x=1"
hdr() { json "$E2E_DIR/h.json" "[v for n, v in j['headers'] if n.lower() == '$1']"; }
check "prefix rewrite: the upstream got /path?x=1" [ "$(json "$E2E_DIR/h.json" "j['target']")" = "/path?x=1" ]
check "upstream request is HTTP/1.1" [ "$(json "$E2E_DIR/h.json" "j['version']")" = "HTTP/1.1" ]
check "route adds x-added" [ "$(hdr x-added)" = "['yes']" ]
check "route removes x-secret" [ "$(hdr x-secret)" = "[]" ]
check "hop-by-hop: no Connection, Keep-Alive, or field named by Connection" \
	[ "$(hdr connection)$(hdr keep-alive)$(hdr x-hop)" = "[][][]" ]
check "X-Forwarded-For appends the client ($(hdr x-forwarded-for))" \
	[ "$(hdr x-forwarded-for)" = "['192.0.2.7, 10.30.0.1']" ]
check "X-Forwarded-Proto is the listener's ($(hdr x-forwarded-proto))" [ "$(hdr x-forwarded-proto)" = "['http']" ]
rid=$(json "$E2E_DIR/h.json" "[v for n, v in j['headers'] if n.lower() == 'x-request-id'][0]")
check "X-Request-Id generated ($rid)" \
	grep -qE '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' <<<"$rid"
c -o "$E2E_DIR/h2.json" -H "Host: www.test" -H "X-Request-Id: keep-me-1" "http://$VIP/echo/rid"
check "X-Request-Id kept when present" \
	[ "$(json "$E2E_DIR/h2.json" "[v for n, v in j['headers'] if n.lower() == 'x-request-id']")" = "['keep-me-1']" ]
check "Via added upstream ($(hdr via))" [ "$(hdr via)" = "['1.1 meshpath']" ]
check "Host forwarded as received" [ "$(hdr host)" = "['www.test']" ]
check "response: route adds x-resp" grep -qi '^x-resp: r' "$E2E_DIR/h.hdr"
check "response: Via added" grep -qi '^via: 1.1 meshpath' "$E2E_DIR/h.hdr"

# ---- Keep-alive and pipelining ----
n=$(c -o /dev/null -o /dev/null -w '%{num_connects}\n' -H "Host: www.test" "http://$VIP/echo/k1" \
	"http://$VIP/echo/k2" | tr '\n' ' ')
check "downstream keep-alive: two requests, one connection ($n)" [ "$n" = "1 0 " ]
c -H "Host: www.test" -o "$E2E_DIR/k1.json" "http://$VIP/echo/u1" -o "$E2E_DIR/k2.json" "http://$VIP/echo/u2"
check "upstream keep-alive: the second request reused the upstream connection" \
	all '[ "$(json "$E2E_DIR/k2.json" "j[\"conn\"]")" = "$(json "$E2E_DIR/k1.json" "j[\"conn\"]")" ]' \
	'[ "$(json "$E2E_DIR/k2.json" "j[\"req\"]")" -ge 2 ]'
printf '%s' 'GET /echo/p1 HTTP/1.1\r\nHost: www.test\r\n\r\nGET /echo/p2 HTTP/1.1\r\nHost: www.test\r\n\r\nGET /exact HTTP/1.1\r\nHost: www.test\r\n\r\nGET /echo/p3 HTTP/1.1\r\nHost: www.test\r\nConnection: close\r\n\r\n' |
	raw >"$E2E_DIR/pipe.out"
order=$(grep -o -E '"target": "/p[0-9]"|upstream-a GET /exact' "$E2E_DIR/pipe.out" | tr '\n' ' ')
check "pipelining: four requests in one write, four responses in order ($order)" \
	[ "$order" = '"target": "/p1" "target": "/p2" upstream-a GET /exact "target": "/p3" ' ]
check "pipelining: Connection: close on the last closes after its response" \
	[ "$(grep -c '^HTTP/1.1 200' "$E2E_DIR/pipe.out")" -eq 4 ]

# ---- Bodies ----
head -c 5M /dev/urandom >"$E2E_DIR/up.bin"
up_sha=$(sha256sum "$E2E_DIR/up.bin" | cut -d' ' -f1)
c -H "Host: www.test" -H "Transfer-Encoding: chunked" -T "$E2E_DIR/up.bin" -o "$E2E_DIR/up.json" "http://$VIP/echo/up"
check "chunked upload: 5 MB arrive intact upstream" \
	[ "$(json "$E2E_DIR/up.json" "j['body_sha256']")" = "$up_sha" ]
c -v -H "Host: www.test" -H "Expect: 100-continue" --data-binary "@$E2E_DIR/up.bin" \
	-o "$E2E_DIR/exp.json" "http://$VIP/echo/expect" 2>"$E2E_DIR/exp.err"
check "Expect: 100-continue relayed (curl saw 100 Continue)" grep -q '^< HTTP/1.1 100' "$E2E_DIR/exp.err"
check "Expect: 100-continue: the body arrived intact" \
	[ "$(json "$E2E_DIR/exp.json" "j['body_sha256']")" = "$up_sha" ]
t0=$(date +%s.%N)
got=$(c -m 120 -H "Host: www.test" "http://$VIP/big.bin" | sha256sum | cut -d' ' -f1)
t1=$(date +%s.%N)
check "100 MB download: equal sha256 ($(echo "$t1 - $t0" | bc) s)" [ "$got" = "$big_sha" ]
c -I -H "Host: www.test" -o "$E2E_DIR/head.out" -w '%{size_download}' "http://$VIP/echo/h" >"$E2E_DIR/head.size"
check "HEAD: 200 with Content-Length and no body" \
	all 'grep -qi "^content-length: [1-9]" "$E2E_DIR/head.out"' '[ "$(cat "$E2E_DIR/head.size")" = 0 ]'
n=$(c -o /dev/null -w '%{http_code}:%{num_connects} ' -H "Host: www.test" -X HEAD "http://$VIP/echo/h2" \
	-o /dev/null -X GET "http://$VIP/echo/after-head")
check "HEAD then GET on one connection ($n)" [ "$n" = "200:1 200:0 " ]
n=$(c -o /dev/null -w '%{http_code}:%{num_connects} ' -H "Host: www.test" "http://$VIP/echo/notmod" \
	-o /dev/null "http://$VIP/echo/after-304")
check "304 without a body, then the next request on the connection ($n)" [ "$n" = "304:1 200:0 " ]
c -v -o /dev/null -H "Host: www.test" "http://$VIP/echo/early" 2>"$E2E_DIR/early.err"
check "1xx: 103 Early Hints relayed before the 200" \
	all 'grep -q "^< HTTP/1.1 103" "$E2E_DIR/early.err"' 'grep -q "^< HTTP/1.1 200" "$E2E_DIR/early.err"'
c -o "$E2E_DIR/ch.json" -H "Host: www.test" "http://$VIP/echo/chunked"
check "chunked response forwarded (valid JSON)" [ "$(json "$E2E_DIR/ch.json" "j['target']")" = "/chunked" ]
c -0 -D "$E2E_DIR/ch10.hdr" -o "$E2E_DIR/ch10.json" -H "Host: www.test" "http://$VIP/echo/chunked"
check "HTTP/1.0 client: chunked response decoded, no Transfer-Encoding" \
	all '[ "$(json "$E2E_DIR/ch10.json" "j[\"target\"]")" = "/chunked" ]' '! grep -qi "^transfer-encoding" "$E2E_DIR/ch10.hdr"'
# HTTP/1.0 (RFC 9112 9.3): without Connection the connection ends with the response; with
# "Connection: keep-alive" the response says keep-alive and the connection takes another request.
printf '%s' 'GET /echo/ten HTTP/1.0\r\nHost: www.test\r\n\r\n' | raw 3 end >"$E2E_DIR/ten.out"
check "HTTP/1.0 request without Connection: answered 200" grep -q '^HTTP/1.1 200' "$E2E_DIR/ten.out"
check "  with no Connection: keep-alive, and meshpath closed the connection after it" \
	all '! grep -qi "^connection: keep-alive" "$E2E_DIR/ten.out"' 'grep -qxF "[end: closed]" "$E2E_DIR/ten.out"'
cat >"$E2E_DIR/ka10.py" <<'PYEOF'
import json, socket, sys

s = socket.create_connection((sys.argv[1], 80), timeout=5)
buf = b""
for path in ("/echo/ka10-1", "/echo/ka10-2"):
    s.sendall(b"GET %s HTTP/1.0\r\nHost: www.test\r\nConnection: keep-alive\r\n\r\n" % path.encode())
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, _, buf = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    while len(buf) < int(fields.get("content-length", "0")):
        buf += s.recv(65536)
    body, buf = buf[:int(fields["content-length"])], buf[int(fields["content-length"]):]
    print(lines[0].split(" ")[1], fields.get("connection", "-"), json.loads(body)["target"])
s.settimeout(1.5)
try:
    print("closed" if s.recv(1) == b"" else "data")
except socket.timeout:
    print("open")
PYEOF
ka=$(ip netns exec "$NSC" $PY "$E2E_DIR/ka10.py" "$VIP" 2>&1 | tr '\n' ' ' || true)
check "HTTP/1.0 with Connection: keep-alive: two requests on one socket, each answered keep-alive, the connection left open ($ka)" \
	[ "$ka" = "200 keep-alive /ka10-1 200 keep-alive /ka10-2 open " ]
c -o "$E2E_DIR/cl.json" -H "Host: www.test" "http://$VIP/echo/close"
check "response delimited by close forwarded whole" [ "$(json "$E2E_DIR/cl.json" "j['target']")" = "/close" ]

# ---- WebSocket through Upgrade ----
ws=$(ip netns exec "$NSC" timeout 20 $PY "$HERE/ws_echo.py" client ws://www.test/ws "$VIP" 80 2>&1 || true)
check "WebSocket echo through Upgrade ($ws)" [ "$ws" = "ok 52" ]

# ---- CONNECT: meshpath opens the tunnel itself and moves bytes both ways ----
printf '%s' 'CONNECT www.test:7 HTTP/1.1\r\nHost: www.test:7\r\n\r\nhello through the tunnel\n' |
	raw >"$E2E_DIR/connect.out"
check "CONNECT: 200 Connection Established" grep -q '^HTTP/1.1 200 Connection Established' "$E2E_DIR/connect.out"
check "CONNECT: the bytes after the head come back through the echo service" \
	grep -q '^hello through the tunnel$' "$E2E_DIR/connect.out"

# ---- Hostile requests: answered 400, never reaching an upstream ----
smuggle() { # NAME REQUEST: 400 and nothing reached the scripted upstreams
	local name=$1 req=$2 before after
	before=$(wc -l <"$E2E_DIR/upstream.log")
	printf '%s' "$req" | raw 1 >"$E2E_DIR/smuggle.out"
	after=$(wc -l <"$E2E_DIR/upstream.log")
	check "$name: answered 400" grep -q '^HTTP/1.1 400' "$E2E_DIR/smuggle.out"
	check "$name: nothing reached an upstream" [ "$after" -eq "$before" ]
	check "$name: one response only" [ "$(grep -c '^HTTP/1.1' "$E2E_DIR/smuggle.out")" -eq 1 ]
}
smuggle "CL.TE" 'POST /echo/s HTTP/1.1\r\nHost: www.test\r\nContent-Length: 49\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /echo/smuggled HTTP/1.1\r\nHost: www.test\r\n\r\n'
smuggle "TE.CL" 'POST /echo/s HTTP/1.1\r\nHost: www.test\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n2c\r\nGET /echo/smuggled HTTP/1.1\r\nHost: www.test\r\n\r\n0\r\n\r\n'
smuggle "Transfer-Encoding: chunked, identity" 'POST /echo/s HTTP/1.1\r\nHost: www.test\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n'
smuggle "Transfer-Encoding with space before colon" 'POST /echo/s HTTP/1.1\r\nHost: www.test\r\nTransfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n'
smuggle "two different Content-Length" 'POST /echo/s HTTP/1.1\r\nHost: www.test\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'
check "no smuggled request ever reached an upstream" not upstream_saw smuggled

# ---- No upstream ----
s=$(status www.test /dead)
check "cluster whose endpoint does not answer: the connect timeout answered 504 ($s)" [ "$s" = 504 ]
body=$(get www.test /dead)
check "the error body names the cause ($body)" [ "$body" = "upstream connect timeout" ]
s=$(status www.test /echo/reset)
check "upstream resets before responding -> 502 ($s)" [ "$s" = 502 ]
check "after errors, the proxy still serves" [ "$(get www.test /exact)" = "upstream-a GET /exact" ]

# ---- Load: wrk, keep-alive ----
ip netns exec "$NSC" wrk -t1 -c32 -d3s -H "Host: www.test" "http://$VIP/exact" >"$E2E_DIR/wrk.out" 2>&1 || true
reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$E2E_DIR/wrk.out")
check "wrk 32 connections: requests answered (${reqs:-none})" [ "${reqs:-0}" -gt 100 ]
check "wrk: no socket errors and no non-2xx" not grep -q -E 'Socket errors|Non-2xx' "$E2E_DIR/wrk.out"
check "after wrk, the proxy still serves" [ "$(get www.test /exact)" = "upstream-a GET /exact" ]

# ---- The access log of all the above: a line per request, each one JSON ----
sleep 0.5
alog() { # EXPR: true for the access log's lines L (a list of dicts)
	$PY -c 'import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$E2E_DIR/access.log" "$1"
}
check "access log: every line parses, one per request ($(wc -l <"$E2E_DIR/access.log") lines)" \
	alog 'len(L) > 300 and all(r["type"] == "http" for r in L)'
check "access log: the pipelined requests, in order, on one client port" \
	alog '(lambda c: [r["path"] for r in L if r["client"] == c])(next(r["client"] for r in L if r["path"] == "/echo/p1")) == ["/echo/p1", "/echo/p2", "/exact", "/echo/p3"]'
check "access log: the WebSocket upgrade as a 101 to its endpoint" \
	alog 'any(r["path"] == "/ws" and r["status"] == 101 and r["upstream"] == "10.40.0.5:8765" for r in L)'
check "access log: the 100 MB download's bytes out, the 5 MB upload's bytes in" \
	alog 'any(r["path"] == "/big.bin" and r["bytes_out"] > 100 << 20 for r in L) and any(r["path"] == "/echo/up" and r["bytes_in"] > 5 << 20 for r in L)'
check "access log: smuggling attempts answered 400 by meshpath, never forwarded" \
	alog 'sum(r["status"] == 400 and r["local_reason"] == "bad_request" and r["upstream"] == "-" for r in L) >= 5'
check "access log: the upstream reset as a 502 naming the endpoint" \
	alog 'any(r["path"] == "/echo/reset" and r["status"] == 502 and r["local_reason"] == "upstream_reset" and r["upstream"] == "10.40.0.3:8080" for r in L)'
check "access log: the redirect and the 404 answered locally" \
	alog 'any(r["status"] == 302 and r["local_reason"] == "redirect" for r in L) and any(r["status"] == 404 and r["local_reason"] == "no_route" and r["route"] is None for r in L)'

check "SIGTERM: meshpath exits with status 0" meshpath_stop

# ==== Second run: small request limits, a short upstream pool, counters from zero ====
# meshpath again on the same namespaces and upstreams: requests over the `http` limits are
# answered 414/431/413 and never forwarded; an upstream connection carries 3 requests at most
# and is closed after 2 s idle in its pool; every request below is known, so the counters of
# /meshpath/http/routes and /clusters must equal what the client sent and received; and a
# client that stops reading a 100 MB response holds meshpath to a bounded number of buffers.
{ conf_head; cat <<CONF
http = { max_request_line = 256; max_header_bytes = 1024; max_headers = 16; max_body = 4096;
	 max_requests_per_connection = 3; upstream_idle_ms = 2000; };
clusters = (
	{ name = "echo"; endpoints = ( { address = "10.40.0.3"; port = 8080; } ); },
	{ name = "count"; endpoints = ( { address = "10.40.0.4"; port = 8080; } ); },
	{ name = "a"; endpoints = ( { address = "10.40.0.1"; port = 80; } ); }
);
route_tables = ( {
	name = "l";
	virtual_hosts = ( { name = "any"; domains = ["*"]; routes = (
		{ match = { prefix = "/count/"; }; prefix_rewrite = "/"; clusters = ( { name = "count"; } ); },
		{ match = { prefix = "/teapot"; }; direct_response = { status = 418; body = "teapot\n"; }; },
		{ match = { path = "/big.bin"; }; clusters = ( { name = "a"; } ); },
		{ match = { prefix = "/"; }; clusters = ( { name = "echo"; } ); }
	); } );
} );
listeners = (
	{ name = "web"; protocol = "http"; address = "$VIP"; port = 80; routes = "l"; }
);
CONF
} >"$E2E_DIR/limits.conf"
"$BIN" --check "$E2E_DIR/limits.conf" >/dev/null || die "second test config rejected"
meshpath_start "$BIN" "$E2E_DIR/limits.conf"
# tel CMD EXPR: EXPR over telemetry CMD's JSON (j).
tel() { telemetry "$1" | $PY -c 'import sys, json; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"; }
check "second run: the proxy serves" [ "$(get www.test /x | json /dev/stdin "j['target']")" = "/x" ]

# ---- Limits: each answered by meshpath with its status, the connection closed, nothing forwarded
limit() { # NAME STATUS REQUEST
	local name=$1 want=$2 req=$3 before after
	before=$(wc -l <"$E2E_DIR/upstream.log")
	printf '%s' "$req" | raw 3 end >"$E2E_DIR/limit.out"
	sleep 0.2
	after=$(wc -l <"$E2E_DIR/upstream.log")
	check "$name: answered $want ($(head -1 "$E2E_DIR/limit.out" | tr -d '\r'))" \
		grep -q "^HTTP/1.1 $want " "$E2E_DIR/limit.out"
	check "$name: the connection closed after the response" grep -qxF '[end: closed]' "$E2E_DIR/limit.out"
	check "$name: nothing reached an upstream" [ "$after" -eq "$before" ]
}
fill() { head -c "$2" /dev/zero | tr '\0' "$1"; } # CHAR N: N times CHAR
fields() { for i in $(seq "$1"); do printf 'X-F%d: v\\r\\n' "$i"; done; } # N header fields
limit "request line of 300 bytes (max_request_line 256)" 414 \
	"GET /echo/$(fill a 300) HTTP/1.1\r\nHost: www.test\r\n\r\n"
limit "header section over 1024 bytes (max_header_bytes)" 431 \
	"GET /echo/hb HTTP/1.1\r\nHost: www.test\r\nX-Big: $(fill b 1100)\r\n\r\n"
limit "17 header fields (max_headers 16)" 431 \
	"GET /echo/hc HTTP/1.1\r\nHost: www.test\r\n$(fields 16)\r\n"
limit "Content-Length 4097 (max_body 4096)" 413 \
	"POST /echo/cl HTTP/1.1\r\nHost: www.test\r\nContent-Length: 4097\r\n\r\n$(fill c 4097)"
check "the limit errors counted: 4 parse errors, 4 bad_request local responses" \
	[ "$(tel /meshpath/http "(j['errors']['request_parse_errors'], j['local_responses']['bad_request'])")" = "(4, 4)" ]
printf '%s' "GET /echo/hc16 HTTP/1.1\r\nHost: www.test\r\n$(fields 15)\r\n" | raw 1 >"$E2E_DIR/limit.out"
check "16 header fields: forwarded" grep -q '"target": "/echo/hc16"' "$E2E_DIR/limit.out"
head -c 4096 /dev/urandom >"$E2E_DIR/b4096"
c -o "$E2E_DIR/b4096.json" -H "Host: www.test" --data-binary "@$E2E_DIR/b4096" "http://$VIP/echo/b4096"
check "a body of 4096 bytes (the limit): forwarded whole" \
	[ "$(json "$E2E_DIR/b4096.json" "j['body_len']")" = 4096 ]
# A chunked body is streamed: its head is forwarded before the body's size is known, the
# chunk that goes over the limit ends it.
printf '%s' "POST /echo/ch HTTP/1.1\r\nHost: www.test\r\nTransfer-Encoding: chunked\r\n\r\n1001\r\n$(fill d 4097)\r\n0\r\n\r\n" |
	raw 3 end >"$E2E_DIR/limit.out"
check "chunked body over max_body: 413" grep -q '^HTTP/1.1 413 ' "$E2E_DIR/limit.out"
check "  and the connection closed after it" grep -qxF '[end: closed]' "$E2E_DIR/limit.out"

# ---- Upstream pool: max_requests_per_connection 3, upstream_idle_ms 2000 ----
# Nine requests in one curl run: one client connection, one worker, one endpoint ("count" is
# echo-b alone); statuses and sizes are known, so the route's and the cluster's counters are too.
head -c 3000 /dev/urandom >"$E2E_DIR/b3000"
# curl's bytes: sent (request heads and bodies), received (response heads, bodies).
fmt='%{http_code} %{num_connects} %{size_request} %{size_header} %{size_download}\n'
args=()
for p in ok1 status/404 ok2 status/500 ok3 status/404 ok4 status/500; do
	args+=(-o /dev/null "http://$VIP/count/$p")
done
c -H "Host: count.test" -w "$fmt" "${args[@]}" --next -s -m 10 -H "Host: count.test" -w "$fmt" \
	-o /dev/null --data-binary "@$E2E_DIR/b3000" "http://$VIP/count/post" >"$E2E_DIR/count.w"
check "nine requests on one client connection: 200 404 200 500 200 404 200 500 200 ($(cut -d' ' -f1,2 "$E2E_DIR/count.w" | tr '\n' ' '))" \
	[ "$(cut -d' ' -f1,2 "$E2E_DIR/count.w" | tr '\n' ' ')" = "200 1 404 0 200 0 500 0 200 0 404 0 200 0 500 0 200 0 " ]
conns=$(grep '^echo-b ' "$E2E_DIR/upstream.log" | tail -9 | sed 's/.*conn=//' | tr '\n' ' ')
check "the upstream got them on 3 connections, 3 requests each ($conns)" \
	$PY -c 'import sys; c = sys.argv[1].split(); sys.exit(not (len(c) == 9 and len(set(c)) == 3 and c == sorted(c, key=int) and all(c.count(x) == 3 for x in c)))' "$conns"
sleep 2.5 # the closes reach the upstream; every pool of the earlier checks has timed out
check "meshpath closed each of them after its third request (the upstream saw the closes)" \
	all "$(for n in $(tr ' ' '\n' <<<"$conns" | sort -u); do printf 'grep -qx "closed conn=%s" "$E2E_DIR/echo-b.out" ' "$n"; done | sed 's/ grep/ \&\& grep/g')"
sent=$(awk '{ n += $3 } END { print n }' "$E2E_DIR/count.w")
got=$(awk '{ n += $4 + $5 } END { print n }' "$E2E_DIR/count.w")
want="9 5 2 2 0 3 6 $sent $got"
keys="['requests'], j['responses_2xx'], j['responses_4xx'], j['responses_5xx'], j['local_responses'], j['upstream_connections_opened'], j['upstream_connections_reused'], j['bytes_in'], j['bytes_out']"
# counters KIND NAME: the counters above in that order, of cluster NAME (KIND clusters) or of
# route NAME ("l/0", KIND routes)
counters() {
	tel "/meshpath/http/$1" "' '.join(str(x) for x in (lambda j: (j$keys))(next(v for k, v in j.items() if k == '$2' or v.get('name') == '$2')))"
}
check "cluster count: requests, 2xx 4xx 5xx, local, connections opened and reused, bytes in and out = $want ($(counters clusters count))" \
	[ "$(counters clusters count)" = "$want" ]
check "route l/0 (/count/): the same ($(counters routes l/0))" [ "$(counters routes l/0)" = "$want" ]
c -H "Host: count.test" -w "$fmt" -o /dev/null "http://$VIP/teapot" -o /dev/null "http://$VIP/teapot" >"$E2E_DIR/teapot.w"
sent=$(awk '{ n += $3 } END { print n }' "$E2E_DIR/teapot.w")
got=$(awk '{ n += $4 + $5 } END { print n }' "$E2E_DIR/teapot.w")
check "route l/1 (direct response 418, twice): $(counters routes l/1)" \
	[ "$(counters routes l/1)" = "2 0 2 0 2 0 0 $sent $got" ]

# Idle expiry: one request leaves its connection in the pool; 2 s later meshpath closes it.
idle0=$(tel /meshpath/http "j['errors']['upstream_idle_timeouts']")
c -o "$E2E_DIR/idle1.json" -H "Host: count.test" "http://$VIP/count/idle1"
conn1=$(json "$E2E_DIR/idle1.json" "j['conn']")
idle=$(tel /meshpath/http "j['upstream_idle']")
check "one request: its upstream connection waits in the pool ($idle idle)" [ "$idle" = 1 ]
sleep 3
check "after upstream_idle_ms the pool is empty, one idle timeout counted" \
	[ "$(tel /meshpath/http "(j['upstream_idle'], j['errors']['upstream_idle_timeouts'] - $idle0)")" = "(0, 1)" ]
check "  and the upstream saw meshpath close the connection" grep -qx "closed conn=$conn1" "$E2E_DIR/echo-b.out"
c -o "$E2E_DIR/idle2.json" -H "Host: count.test" "http://$VIP/count/idle2"
check "the next request goes on a new upstream connection" \
	[ "$(json "$E2E_DIR/idle2.json" "j['conn'] > $conn1 and j['req'] == 1")" = True ]
check "cluster count: 5 upstream connections opened, still 6 reused" \
	[ "$(counters clusters count | cut -d' ' -f6,7)" = "5 6" ]

# ---- Bounded buffering: a client that stops reading a 100 MB response ----
# Its socket takes 64 KiB; meshpath may hold what the client's window, its own send buffer and
# the upstream connection's receive window allow (256 KiB each by default), not the response.
# reader GO REQUEST...: http_reader.py from the client namespace (reads once GO exists)
reader() { local go=$1; shift; ip netns exec "$NSC" $PY "$HERE/http_reader.py" "$VIP" 80 "$go" "$@"; }
# stalled OUT: once OUT says "sent", the most mbufs in use over 2 s (the windows filled first)
stalled() {
	local n peak=0
	for _ in $(seq 100); do grep -q sent "$1" && break; sleep 0.1; done
	sleep 1.5
	for _ in 1 2 3 4; do
		n=$(counter /meshpath/stats mbufs_in_use)
		[ "$n" -gt "$peak" ] && peak=$n
		sleep 0.5
	done
	echo "$peak"
}
base=$(counter /meshpath/stats mbufs_in_use)
reader "$E2E_DIR/slow.go" 'GET /big.bin HTTP/1.1\r\nHost: www.test\r\n\r\n' >"$E2E_DIR/slow.out" 2>&1 &
slow=$!
peak=$(stalled "$E2E_DIR/slow.out")
stalled_out=$(counters routes l/2 | cut -d' ' -f9)
touch "$E2E_DIR/slow.go"
wait "$slow" || true
read -r code len sha <<<"$(tail -1 "$E2E_DIR/slow.out")"
echo "     mbufs in use: $base before, $peak at most while the client did not read; $stalled_out bytes sent to it by then"
check "while the client does not read, meshpath sent it a bounded part of the response ($stalled_out bytes)" \
	[ "$stalled_out" -lt $((4 << 20)) ]
check "  and holds a bounded number of buffers: $((peak - base)) more than before (2 KiB each; the response is 100 MiB)" \
	[ $((peak - base)) -lt 2048 ]
check "then the client reads it all: 200, 100 MiB, equal sha256 ($code $len)" \
	all '[ "$code $sha" = "200 $big_sha" ]' '[ "$len" -gt $((100 << 20)) ]'
check "  and bytes_out of its route is all it received" [ "$(counters routes l/2 | cut -d' ' -f9)" = "$len" ]
sleep 0.5
after=$(counter /meshpath/stats mbufs_in_use)
check "after it, the buffers are back to the pool ($after in use, $base before)" [ "$after" -le $((base + 64)) ]
check "no buffer ran out ($(tel /meshpath/http "j['errors']['mbuf_exhausted']") mbuf_exhausted)" \
	[ "$(tel /meshpath/http "j['errors']['mbuf_exhausted']")" = 0 ]

# Pipelined behind the 100 MB response, a request for the direct response: answered once the
# big one is queued whole, while its last part may still wait for room in TCP. The bytes out
# are counted for the request they answer.
big0=$(counters routes l/2 | cut -d' ' -f9)
tea0=$(counters routes l/1 | cut -d' ' -f9)
reader - 'GET /big.bin HTTP/1.1\r\nHost: www.test\r\n\r\n' \
	'GET /teapot HTTP/1.1\r\nHost: www.test\r\nConnection: close\r\n\r\n' >"$E2E_DIR/pipe2.out" 2>&1 || true
read -r code1 n1 sha1 code2 n2 _ <<<"$(grep -v sent "$E2E_DIR/pipe2.out" | tr '\n' ' ')"
check "a direct response pipelined behind the 100 MB one follows it ($code1 $code2)" \
	[ "$code1 $sha1 $code2" = "200 $big_sha 418" ]
big1=$(counters routes l/2 | cut -d' ' -f9)
tea1=$(counters routes l/1 | cut -d' ' -f9)
check "  bytes_out of route l/2 grew by the big response ($((big1 - big0)), received $n1)" \
	[ $((big1 - big0)) = "$n1" ]
check "  bytes_out of route l/1 by the direct response ($((tea1 - tea0)), received $n2)" \
	[ $((tea1 - tea0)) = "$n2" ]

# 20000 pipelined requests meshpath answers itself, from a client that reads nothing for a
# while: the answers wait in TCP's send buffer, the requests after them in the receive window.
base=$(counter /meshpath/stats mbufs_in_use)
reader "$E2E_DIR/pipe3.go" '19999*GET /teapot HTTP/1.1\r\nHost: www.test\r\n\r\n' \
	'GET /teapot HTTP/1.1\r\nHost: www.test\r\nConnection: close\r\n\r\n' >"$E2E_DIR/pipe3.out" 2>&1 &
pipe3=$!
peak=$(stalled "$E2E_DIR/pipe3.out")
touch "$E2E_DIR/pipe3.go"
wait "$pipe3" || true
check "20000 pipelined requests for the direct response, the client not reading: $((peak - base)) more mbufs in use" \
	[ $((peak - base)) -lt 8000 ]
check "  then it reads all 20000 answers" [ "$(grep -c '^418 ' "$E2E_DIR/pipe3.out")" = 20000 ]
check "second run: SIGTERM, meshpath exits with status 0" meshpath_stop

e2e_done
