#!/usr/bin/env bash
# End to end, the L7 benchmarks' load generator (bench/l7load.c) against a real nginx in a
# namespace: at a configured open-loop rate it sends that many requests (within 3 %) and gets
# every response, keep-alive and with a connection per request; it reads Content-Length and
# chunked bodies (1 MiB, and nginx's echo module when installed); closed loop runs; the idle
# mode holds its connections; refused connections and 404s are counted as errors of their kind.
#
# usage: test_l7load.sh MESHPATH_L7LOAD_BINARY      (as root)
source "$(dirname "$0")/lib.sh"
need_root
LOAD=$(realpath "$1")
PY=/usr/bin/python3
NS="mpl7-$E2E_ID"

netns_add "$NS"
ip -n "$NS" addr add 10.40.0.1/24 dev lo
mkdir -p "$E2E_DIR/www" "$E2E_DIR/tmp"
head -c 100 /dev/zero | tr '\0' x >"$E2E_DIR/www/small"
head -c 1048576 /dev/urandom >"$E2E_DIR/www/big"
ECHO_MOD=/usr/lib/nginx/modules/ngx_http_echo_module.so
{
	[ -f "$ECHO_MOD" ] && echo "load_module $ECHO_MOD;"
	cat <<NGINX
daemon off; user root; worker_processes 1; pid $E2E_DIR/nginx.pid; error_log $E2E_DIR/nginx.err;
events { worker_connections 4096; }
http {
	access_log off; keepalive_requests 1000000; keepalive_timeout 60s;
	client_body_temp_path $E2E_DIR/tmp; proxy_temp_path $E2E_DIR/tmp;
	fastcgi_temp_path $E2E_DIR/tmp; uwsgi_temp_path $E2E_DIR/tmp; scgi_temp_path $E2E_DIR/tmp;
	server {
		listen 10.40.0.1:80 backlog=4096; root $E2E_DIR/www;
		$([ -f "$ECHO_MOD" ] && echo 'location /chunked { echo "hello"; echo "world"; }')
	}
}
NGINX
} >"$E2E_DIR/nginx.conf"
ip netns exec "$NS" nginx -c "$E2E_DIR/nginx.conf" &
E2E_PIDS+=($!)
for _ in $(seq 50); do
	ip netns exec "$NS" curl -s -m 1 -o /dev/null http://10.40.0.1/small && break
	sleep 0.1
done

run() { # l7load ARGS... -> its JSON line in $E2E_DIR/out.json
	ip netns exec "$NS" "$LOAD" "$@" >"$E2E_DIR/out.json"
}
field() { # dotted path into the last JSON line -> integer
	"$PY" -c "import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1])
for k in sys.argv[2].split('.'): d = d[k]
print(int(d))" "$E2E_DIR/out.json" "$1"
}

# Open loop, keep-alive: 1500 req/s for 4 s is 6000 requests.
run -a 10.40.0.1:80 -p /small -c 8 -r 1500 -d 4 -w 1
check "open loop keep-alive: 6000 requests in 4 s at 1500/s, within 3 % ($(field requests))" \
	between "$(field requests)" 5820 6000
check "open loop keep-alive: no errors" [ "$(field errors.total)" -eq 0 ]
check "open loop keep-alive: achieved rate within 3 % of 1500 ($(field rate_achieved))" \
	between "$(field rate_achieved)" 1455 1545
check "open loop keep-alive: latencies ordered, p50 > 0" \
	"$PY" -c "import json; l=json.load(open('$E2E_DIR/out.json'))['latency_us']
assert 0 < l['p50'] <= l['p90'] <= l['p99'] <= l['p999'] <= l['max'] * 1.02, l"
check "open loop keep-alive: 103 CDF points, quantiles rising" \
	"$PY" -c "import json; c=json.load(open('$E2E_DIR/out.json'))['cdf']
assert len(c) == 103 and all(a[0] < b[0] and a[1] <= b[1] for a, b in zip(c, c[1:])), c"

# Open loop, a connection per request.
run -a 10.40.0.1:80 -p /small -c 8 -r 500 -d 3 -w 1 -m close
check "open loop new connections: 1500 requests in 3 s at 500/s, within 3 % ($(field requests))" \
	between "$(field requests)" 1455 1500
check "open loop new connections: no errors" [ "$(field errors.total)" -eq 0 ]

# Content-Length bodies of 1 MiB: every byte counted.
run -a 10.40.0.1:80 -p /big -c 2 -r 20 -d 2 -w 1
check "1 MiB responses: 40 requests in 2 s, no errors" \
	test "$(field requests)" -ge 38 -a "$(field errors.total)" -eq 0
check "1 MiB responses: about 20 MiB/s received ($(field bytes_per_s))" \
	between "$(field bytes_per_s)" 19000000 23000000

# Chunked bodies (nginx's echo module streams them).
if [ -f "$ECHO_MOD" ]; then
	check "the echo module answers chunked" quiet sh -c "ip netns exec $NS curl -s -D - \
		http://10.40.0.1/chunked | grep -qi '^transfer-encoding: chunked'"
	run -a 10.40.0.1:80 -p /chunked -c 4 -r 400 -d 2 -w 1
	check "chunked responses: 800 requests, no errors ($(field requests))" \
		between "$(field requests)" 776 800
	check "chunked responses: no errors" [ "$(field errors.total)" -eq 0 ]
fi

# Closed loop: as fast as the server answers.
run -a 10.40.0.1:80 -p /small -c 8 -r 0 -d 2 -w 0.5
check "closed loop: more than 1000 requests/s, no errors ($(field rate_achieved))" \
	test "$(field rate_achieved)" -gt 1000 -a "$(field errors.total)" -eq 0

# Idle mode: 2000 connections held after one request each.
ip netns exec "$NS" "$LOAD" -a 10.40.0.1:80 -p /small -c 200 -i 2000 -d 1 >"$E2E_DIR/out.json"
check "idle mode: 2000 connections held, then still held" \
	[ "$(grep -c '"held":2000,' "$E2E_DIR/out.json")" -eq 2 ]
check "idle mode: no errors" [ "$(field errors.total)" -eq 0 ]

# Errors by kind.
run -a 10.40.0.1:81 -p /small -c 2 -r 100 -d 1 -w 0
check "a closed port: connect errors, no requests" \
	test "$(field errors.connect)" -gt 0 -a "$(field requests)" -eq 0
run -a 10.40.0.1:80 -p /missing -c 2 -r 100 -d 1 -w 0
check "404s: 100 counted as status_not_2xx ($(field errors.status_not_2xx))" \
	between "$(field errors.status_not_2xx)" 97 100

e2e_done
