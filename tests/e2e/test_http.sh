#!/usr/bin/env bash
# End to end, the HTTP reverse proxy (a focused smoke test): a client namespace and a server
# namespace joined to meshpath by af_packet ports, two workers. Two nginx instances on distinct
# addresses in the server namespace each serve a file naming itself (and one a 100 MB file); a
# small Python server answers POSTs with the size and sha256 of the body it received. meshpath
# serves http://10.40.0.100/ with a route table routing by Host and by path, a direct response
# and a redirect. Asserts with curl: each route reaches its intended upstream, keep-alive
# (two URLs in one curl run share one upstream connection: meshpath counts it reused), a
# request on a pooled connection the server closed is sent again on a new one, 502 for an
# endpoint that refuses, 404 for no route, the direct response, the redirect, a 100 MB
# download with the same sha256, chunked and sized POSTs whose bodies arrive whole, a request
# with Content-Length and Transfer-Encoding answered 400 without reaching an upstream; the
# counters in telemetry and Prometheus (with the packet buffers); and that meshpath exits cleanly.
#
# usage: test_http.sh MESHPATH_BINARY      (as root)
source "$(dirname "$0")/lib.sh"
need_root
BIN=$(realpath "$1")
PY=/usr/bin/python3
NSC="mph-c$E2E_ID"
NSS="mph-s$E2E_ID"
VC="mhc$E2E_ID"
VS="mhs$E2E_ID"
VIP=10.40.0.100
# The admin listener (Prometheus) on loopback: a port the kernel just said is free.
ADMIN_PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

netns_add "$NSC"
netns_add "$NSS"
veth_to_ns "$NSC" vc0 "$VC"
veth_to_ns "$NSS" vs0 "$VS"
ip -n "$NSC" addr add 10.40.0.1/24 dev vc0
for i in 1 2 3; do ip -n "$NSS" addr add "10.41.0.$i/24" dev vs0; done

www="$E2E_DIR/www"
mkdir -p "$www"
head -c 100M /dev/urandom >"$www/big.bin"
want_sha=$(sha256sum "$www/big.bin" | cut -d' ' -f1)
for i in 1 2; do
	mkdir -p "$www/$i/api"
	echo "backend $i" >"$www/$i/index.html"
	echo "backend $i api" >"$www/$i/api/index.html"
	ln -s "$www/big.bin" "$www/$i/big.bin"
	cat >"$E2E_DIR/nginx$i.conf" <<NGINX
daemon off;
user root; # the files sit in the test's private temporary directory
worker_processes 1;
pid $E2E_DIR/nginx$i.pid;
error_log $E2E_DIR/nginx$i.err warn;
events { worker_connections 1024; }
http {
	log_format conn '\$connection \$request';
	access_log $E2E_DIR/nginx$i.access conn;
	keepalive_requests 100000;
	server {
		listen 10.41.0.$i:80;
		root $www/$i;
	}
}
NGINX
	ip netns exec "$NSS" nginx -c "$E2E_DIR/nginx$i.conf" -e "$E2E_DIR/nginx$i.err" &
	E2E_PIDS+=($!)
done
# A POST sink: answers "LENGTH SHA256" of the body it read (chunked or Content-Length), and
# counts every request it sees in a file (the smuggling check reads it).
cat >"$E2E_DIR/sink.py" <<'PYEOF'
import hashlib, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[1]

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_POST(self):
        with open(LOG, "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
        data = self.body()
        out = b"%d %s\n" % (len(data), hashlib.sha256(data).hexdigest().encode())
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self):
        if self.path.startswith("/post/once"):
            # One answer per connection: a later request on it sees the connection closed
            # with no response, as when a server times a kept-alive connection out just as
            # the next request arrives.
            self.n = getattr(self, "n", 0) + 1
            if self.n > 1:
                self.close_connection = True
                return
        # The request head as received, for checks of what the proxy forwards.
        out = ("%s %s\n" % (self.command, self.path)).encode() + bytes(self.headers)
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

ThreadingHTTPServer(("10.41.0.3", 8080), H).serve_forever()
PYEOF
: >"$E2E_DIR/sink.log"
ip netns exec "$NSS" $PY "$E2E_DIR/sink.py" "$E2E_DIR/sink.log" &
E2E_PIDS+=($!)

cat >"$E2E_DIR/http.conf" <<CONF
eal = { args = ["--no-pci", "--no-huge", "-m", "1024", "--no-shconf"]; };
workers = { lcores = [1, 2]; cpus = [1, 1]; };
mempool = { mbufs = 32767; };
ports = (
	{ name = "cli"; device = "net_af_packet0,iface=$VC,qpairs=2"; addresses = ["10.40.0.254/24"]; },
	{ name = "srv"; device = "net_af_packet1,iface=$VS,qpairs=2"; addresses = ["10.41.0.254/24"]; }
);
http = { connect_timeout_ms = 2000; max_body = 200000000; };
clusters = (
	{ name = "one"; endpoints = ( { address = "10.41.0.1"; port = 80; } ); },
	{ name = "two"; endpoints = ( { address = "10.41.0.2"; port = 80; } ); },
	{ name = "sink"; endpoints = ( { address = "10.41.0.3"; port = 8080; } ); },
	{ name = "refused"; endpoints = ( { address = "10.41.0.3"; port = 81; } ); }
);
route_tables = ( {
	name = "main";
	virtual_hosts = (
		{ name = "two"; domains = ["two.test"];
		  routes = ( { match = { prefix = "/"; }; clusters = ( { name = "two"; } ); } ); },
		{ name = "any"; domains = ["*"];
		  routes = (
			{ match = { path = "/healthz"; };
			  direct_response = { status = 200; body = "meshpath ok\n"; }; },
			{ match = { prefix = "/old/"; };
			  redirect = { prefix_rewrite = "/new/"; code = 302; }; },
			{ match = { prefix = "/api/"; }; clusters = ( { name = "two"; } ); },
			{ match = { prefix = "/post"; }; clusters = ( { name = "sink"; } ); },
			{ match = { prefix = "/refused"; }; clusters = ( { name = "refused"; } ); },
			{ match = { prefix = "/"; headers = ( { name = "x-none"; present = true; } ); };
			  clusters = ( { name = "two"; } ); },
			{ match = { path = "/"; }; clusters = ( { name = "one"; } ); },
			{ match = { path = "/big.bin"; }; clusters = ( { name = "one"; } ); }
		  ); }
	);
} );
listeners = (
	{ name = "web"; protocol = "http"; address = "$VIP"; port = 80; routes = "main"; }
);
admin = { port = $ADMIN_PORT; };
CONF
"$BIN" --check "$E2E_DIR/http.conf" >/dev/null || die "test config rejected"
meshpath_start "$BIN" "$E2E_DIR/http.conf"

curl_c() { # curl in the client namespace, bounded in time
	timeout 60 ip netns exec "$NSC" curl -sS --max-time 50 "$@"
}
counter_in() { # CMD GROUP KEY: a number from a dict inside a telemetry dict
	telemetry "$1" | $PY -c 'import sys, json; print(json.load(sys.stdin)[sys.argv[1]][sys.argv[2]])' "$2" "$3"
}

check "GET / by path reaches backend 1" [ "$(curl_c "http://$VIP/")" = "backend 1" ]
check "GET / with Host two.test reaches backend 2" \
	[ "$(curl_c -H 'Host: two.test' "http://$VIP/")" = "backend 2" ]
check "GET /api/ by prefix reaches backend 2" [ "$(curl_c "http://$VIP/api/")" = "backend 2 api" ]

# Keep-alive: two URLs in one curl run, one client connection; nginx sees them on one
# connection, and meshpath counts the upstream connection reused.
before=$(telemetry /meshpath/http/clusters | $PY -c 'import sys, json; print(json.load(sys.stdin)["one"]["upstream_connections_reused"])')
: >"$E2E_DIR/nginx1.access"
out=$(curl_c "http://$VIP/" "http://$VIP/")
check "two URLs in one curl run both answered" [ "$out" = "$(printf 'backend 1\nbackend 1')" ]
after=$(telemetry /meshpath/http/clusters | $PY -c 'import sys, json; print(json.load(sys.stdin)["one"]["upstream_connections_reused"])')
check "the second request reused the pooled upstream connection ($before -> $after)" \
	[ "$after" -gt "$before" ]
sleep 0.5
conns=$(cut -d' ' -f1 "$E2E_DIR/nginx1.access" | sort -u | wc -l)
check "nginx saw both requests on one connection ($(wc -l <"$E2E_DIR/nginx1.access") lines)" \
	[ "$(wc -l <"$E2E_DIR/nginx1.access") $conns" = "2 1" ]
fwd=$(curl_c -H 'Connection: keep-alive, x-hop' -H 'x-hop: 1' "http://$VIP/post/head?q=1")
check "the forwarded request keeps its target" grep -q "^GET /post/head?q=1" <<<"$fwd"
check "  gets Via" grep -qi "^via: 1.1 meshpath" <<<"$fwd"
check "  gets X-Forwarded-For with the client" grep -qi "^x-forwarded-for: 10.40.0.1" <<<"$fwd"
check "  loses its Connection field" bash -c '! grep -qi "^connection: keep-alive, x-hop" <<<"$1"' _ "$fwd"

# A pooled connection the server closes as the request arrives: sent again on a new one.
out=$(curl_c "http://$VIP/post/once/1" "http://$VIP/post/once/2" | grep -c '^GET /post/once')
retries=$(counter_in /meshpath/http errors stale_connection_retries)
check "a request on a pooled connection closed under it is retried once ($retries retries)" \
	[ "$out $((retries >= 1))" = "2 1" ]
resp=$(curl_c -s -w ' %{http_code}' "http://$VIP/refused")
check "connection refused by the endpoint: 502 naming the cause ($resp)" \
	[ "$resp" = "upstream connect failed 502" ]

code=$(curl_c -o /dev/null -w '%{http_code}' "http://$VIP/nothing/here")
check "no route: 404 (got $code)" [ "$code" = "404" ]
check "direct response" [ "$(curl_c "http://$VIP/healthz")" = "meshpath ok" ]
hdrs=$(curl_c -D - -o /dev/null "http://$VIP/old/page?x=1")
check "redirect: 302 with the rewritten Location" \
	grep -qi "^location: http://$VIP/new/page?x=1" <<<"$hdrs"
check "redirect: status 302" grep -q "^HTTP/1.1 302" <<<"$hdrs"

start=$(date +%s.%N)
got_sha=$(curl_c "http://$VIP/big.bin" | sha256sum | cut -d' ' -f1)
end=$(date +%s.%N)
echo "     100 MB in $($PY -c "print(round($end - $start, 1))") s"
check "100 MB download through the proxy has the same sha256" [ "$got_sha" = "$want_sha" ]

head -c 3M /dev/urandom >"$E2E_DIR/up.bin"
up_sha=$(sha256sum "$E2E_DIR/up.bin" | cut -d' ' -f1)
out=$(curl_c -H 'Transfer-Encoding: chunked' --data-binary "@$E2E_DIR/up.bin" "http://$VIP/post")
check "chunked POST of 3 MiB arrives whole (got: $out)" [ "$out" = "3145728 $up_sha" ]
out=$(curl_c --data-binary "@$E2E_DIR/up.bin" "http://$VIP/post")
check "Content-Length POST of 3 MiB arrives whole" [ "$out" = "3145728 $up_sha" ]

# CL + TE: 400 and the connection closed; nothing of it reaches the sink.
: >"$E2E_DIR/sink.log"
resp=$(printf 'POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /post HTTP/1.1\r\nHost: x\r\n\r\n' |
	timeout 20 ip netns exec "$NSC" socat -t 5 - "TCP4:$VIP:80" 2>/dev/null || true)
check "Content-Length with Transfer-Encoding: 400" grep -q "^HTTP/1.1 400" <<<"$resp"
check "  with the parser's reason as the body" grep -q "content_length_and_te" <<<"$resp"
check "  and no second response (connection closed)" [ "$(grep -c '^HTTP/1.1' <<<"$resp")" -eq 1 ]
sleep 0.3
check "  and nothing reached the upstream" [ ! -s "$E2E_DIR/sink.log" ]

stats=$(telemetry /meshpath/http)
echo "     $stats"
check "meshpath counted the parse error" \
	[ "$($PY -c 'import sys, json; print(json.loads(sys.argv[1])["errors"]["request_parse_errors"])' "$stats")" -ge 1 ]
check "meshpath counted the 404" \
	[ "$($PY -c 'import sys, json; print(json.loads(sys.argv[1])["local_responses"]["no_route"])' "$stats")" -ge 1 ]
curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" >"$E2E_DIR/metrics.txt"
prom=$($PY "$(dirname "$0")/prom_check.py" "$E2E_DIR/metrics.txt" \
	'meshpath_http_local_responses_total{reason="no_route"}' \
	'meshpath_http_upstream_connections_reused_total{cluster="one"}' \
	'meshpath_http_requests_total{route="7",table="main"}' \
	'meshpath_mbufs{}' 'meshpath_mbufs_in_use{}' 2>&1) || true
echo "     metrics: $(echo $prom)"
read -r p404 preused proute pmbufs pinuse <<<"$(echo $prom)"
check "Prometheus text parses and counts the 404" [ "${p404:-0}" = "1" ]
check "  the reused upstream connections" [ "${preused:-0}" -ge 1 ]
check "  the requests of route main/7 (path /)" [ "${proute:-0}" -ge 3 ]
check "  the packet buffers: $pmbufs in the pool (mempool.mbufs), $pinuse in use" \
	[ "${pmbufs:-0} $((${pinuse:-99999} < 32767))" = "32767 1" ]
check "meshpath exits cleanly" meshpath_stop
e2e_done
