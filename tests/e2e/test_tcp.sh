#!/usr/bin/env bash
# End to end, meshpath's own TCP stack against the Linux kernel as the peer: a client namespace
# joined to meshpath by an af_packet port, two workers, the echo (RFC 862) and discard (RFC 863)
# services on 10.30.0.100. Asserts that a large socat round trip through echo comes back with
# the same sha256, that 1000 concurrent short connections all echo correctly, that half-close
# works (data sent before the client's FIN is echoed after it; discard closes after the FIN),
# that meshpath counts it all and exits cleanly; then, restarted with a small SYN backlog, that
# real clients get through a SYN flood from spoofed sources on SYN cookies. Active open too:
# meshpath's test client (/meshpath/tcp/connect) moves 100 MB each way through a kernel echo
# server.
#
# usage: test_tcp.sh MESHPATH_BINARY      (as root)
#   E2E_TCP_MB: size of the round trip in MiB (default 1024)
source "$(dirname "$0")/lib.sh"
need_root
BIN=$(realpath "$1")
PY=/usr/bin/python3
NS="mpt-c$E2E_ID"
VETH="mpt-$E2E_ID"
MB=${E2E_TCP_MB:-1024}
CONNS=${E2E_TCP_CONNS:-1000}

netns_add "$NS"
veth_to_ns "$NS" vc0 "$VETH"
ip -n "$NS" addr add 10.30.0.1/24 dev vc0
ip -n "$NS" addr add fd00:30::1/64 dev vc0 nodad
# Many short connections from one address: ports for all of them, TIME_WAIT reused.
ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="10000 60999" net.ipv4.tcp_tw_reuse=1

cat >"$E2E_DIR/tcp.conf" <<CONF
eal = { args = ["--no-pci", "--no-huge", "-m", "1024", "--no-shconf"]; };
workers = { lcores = [1, 2]; cpus = [1, 1]; };
mempool = { mbufs = 32767; };
ports = (
	{ name = "cli"; device = "net_af_packet0,iface=$VETH,qpairs=2";
	  addresses = ["10.30.0.254/24", "fd00:30::fe/64"]; }
);
tcp = { max_connections = 4096; };
listeners = (
	{ name = "echo"; protocol = "echo"; address = "10.30.0.100"; port = 7; },
	{ name = "discard"; protocol = "discard"; address = "10.30.0.100"; port = 9; },
	{ name = "echo6"; protocol = "echo"; address = "fd00:30::100"; port = 7; }
);
CONF
meshpath_start "$BIN" "$E2E_DIR/tcp.conf"

# A round trip through echo: socat sends the file, shuts its write side at the end, and reads
# until meshpath closes (echo closes once everything is sent back).
head -c "${MB}M" /dev/urandom >"$E2E_DIR/in.bin"
want=$(sha256sum <"$E2E_DIR/in.bin" | cut -d' ' -f1)
start=$(date +%s.%N)
timeout 300 ip netns exec "$NS" socat -t 60 -T 60 -b 65536 \
	"OPEN:$E2E_DIR/in.bin,rdonly!!CREATE:$E2E_DIR/out.bin" TCP4:10.30.0.100:7 || true
end=$(date +%s.%N)
got=$(sha256sum <"$E2E_DIR/out.bin" | cut -d' ' -f1)
echo "     ${MB} MiB each way in $($PY -c "print(round($end - $start, 1))") s"
check "echo round trip of $MB MiB has the same sha256" [ "$got" = "$want" ]
rm -f "$E2E_DIR/in.bin" "$E2E_DIR/out.bin"

# Concurrent short connections, and half-close, from one Python client.
cat >"$E2E_DIR/client.py" <<'PYEOF'
import asyncio, os, socket, sys

HOST = "10.30.0.100"

async def echo_once(i, sem):
    async with sem:
        r, w = await asyncio.open_connection(HOST, 7)
        msg = (b"%06d:" % i) + os.urandom(200)
        w.write(msg)
        await w.drain()
        w.write_eof()
        got = await r.read(-1)
        w.close()
        return got == msg

async def many(n):
    sem = asyncio.Semaphore(n)
    res = await asyncio.gather(*(echo_once(i, sem) for i in range(n)), return_exceptions=True)
    ok = sum(1 for x in res if x is True)
    print(ok)

def half_close():
    # Data sent before our FIN is echoed after it; the read side stays open until meshpath closes.
    s = socket.create_connection((HOST, 7), timeout=20)
    data = os.urandom(1 << 20)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    got = bytearray()
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
    s.close()
    print("echo-half-close", "ok" if bytes(got) == data else "bad %d" % len(got))
    # discard: send, shut, then EOF with nothing back.
    s = socket.create_connection((HOST, 9), timeout=20)
    s.sendall(os.urandom(4 << 20))
    s.shutdown(socket.SHUT_WR)
    b = s.recv(1)
    s.close()
    print("discard-half-close", "ok" if b == b"" else "bad")

if sys.argv[1] == "many":
    asyncio.run(asyncio.wait_for(many(int(sys.argv[2])), 120))
else:
    half_close()
PYEOF
# IPv6: 1 MiB through the echo service on fd00:30::100.
head -c 1M /dev/urandom >"$E2E_DIR/in6.bin"
timeout 60 ip netns exec "$NS" socat -t 20 -T 20 \
	"OPEN:$E2E_DIR/in6.bin,rdonly!!CREATE:$E2E_DIR/out6.bin" "TCP6:[fd00:30::100]:7" || true
check "echo over IPv6 returns the same 1 MiB" cmp -s "$E2E_DIR/in6.bin" "$E2E_DIR/out6.bin"

ok=$(timeout 150 ip netns exec "$NS" $PY "$E2E_DIR/client.py" many "$CONNS" 2>&1 | tail -1)
check "$CONNS concurrent connections all echo (got ${ok:-nothing})" [ "$ok" = "$CONNS" ]
hc=$(timeout 60 ip netns exec "$NS" $PY "$E2E_DIR/client.py" half 2>&1)
check "half-close: echo answers after the client's FIN" grep -q "echo-half-close ok" <<<"$hc"
check "half-close: discard closes after the client's FIN" grep -q "discard-half-close ok" <<<"$hc"

# Active open: meshpath's test client connects to a kernel echo server in the namespace, sends
# 100 MB of a pattern and checks every byte that comes back.
ACTIVE_MB=${E2E_TCP_ACTIVE_MB:-100}
# (socat's PIPE can deadlock on its own pipe under a stream this size: a small Python server.)
cat >"$E2E_DIR/echo_server.py" <<'PYEOF'
import asyncio

async def echo(r, w):
    while True:
        b = await r.read(65536)
        if not b:
            break
        w.write(b)
        await w.drain()
    w.close()

async def main():
    srv = await asyncio.start_server(echo, "10.30.0.1", 5001)
    async with srv:
        await srv.serve_forever()

asyncio.run(main())
PYEOF
ip netns exec "$NS" $PY "$E2E_DIR/echo_server.py" &
E2E_PIDS+=($!)
for _ in $(seq 50); do
	ip netns exec "$NS" ss -tln | grep -q 10.30.0.1:5001 && break
	sleep 0.1
done
echo "/meshpath/tcp/connect,10.30.0.1,5001,$((ACTIVE_MB << 20))" |
	$PY /usr/bin/dpdk-telemetry.py -f "$E2E_PREFIX" >/dev/null 2>&1
state=
for _ in $(seq 1200); do
	state=$(telemetry /meshpath/tcp/client | $PY -c 'import sys, json; print(json.load(sys.stdin)["state"])')
	case "$state" in done | failed) break ;; esac
	sleep 0.1
done
client=$(telemetry /meshpath/tcp/client)
echo "     active open: $client"
check "meshpath's own connection moved $ACTIVE_MB MB each way intact (state $state)" \
	[ "$state" = done ]
check "active opens counted" [ "$(counter /meshpath/tcp connected)" -ge 1 ]

accepted=$(counter /meshpath/tcp accepted)
check "telemetry counts the accepted connections ($accepted)" between "$accepted" "$((CONNS + 4))" "$((CONNS + 4 + 50))"
check "telemetry shows no connection left open" \
	[ "$(telemetry /meshpath/tcp | $PY -c 'import sys, json; c = json.load(sys.stdin)["connections"]; print(sum(v for k, v in c.items() if k != "time_wait"))')" = 0 ]
check "meshpath exits cleanly" meshpath_stop

# A SYN flood from spoofed sources while real clients connect: with a small backlog the flood
# fills it at once, and the clients get through on SYN cookies (RFC 4987).
sed -i 's/^tcp = .*/tcp = { max_connections = 4096; syn_backlog = 16; };/' "$E2E_DIR/tcp.conf"
meshpath_start "$BIN" "$E2E_DIR/tcp.conf"

# The TCP stacks listen on the echo and discard ports from the start: a reload that moves one
# is refused and the running configuration stays.
sed -i 's/port = 9; }/port = 19; }/' "$E2E_DIR/tcp.conf"
kill -HUP "$MESHPATH_PID"
for _ in $(seq 50); do
	[ "$(counter /meshpath/config reload_failures)" -ge 1 ] && break
	sleep 0.2
done
check "a reload that moves the discard listener is refused" \
	grep -q "section 'listeners (the echo and discard ones)' changed" "$E2E_DIR/meshpath.log"
sed -i 's/port = 19; }/port = 9; }/' "$E2E_DIR/tcp.conf"

cat >"$E2E_DIR/flood.py" <<'PYEOF'
import random, sys, time
from scapy.all import IP, TCP, conf, send
conf.verb = 0
random.seed(862)
pkts = [IP(src="10.30.0.%d" % random.randint(2, 99), dst="10.30.0.100") /
        TCP(sport=random.randint(1024, 65535), dport=7, flags="S", seq=random.getrandbits(32))
        for _ in range(4000)]
end = time.time() + float(sys.argv[1])
while time.time() < end:
    send(pkts, inter=0)
PYEOF
timeout 60 ip netns exec "$NS" $PY "$E2E_DIR/flood.py" 40 >"$E2E_DIR/flood.out" 2>&1 &
FLOOD_PID=$!
E2E_PIDS+=("$FLOOD_PID")
# The clients start once the flood has filled the backlog (meshpath answers with cookies).
for _ in $(seq 300); do
	[ "$(counter /meshpath/tcp syn_cookies_sent)" -gt 100 ] && break
	sleep 0.1
done
good=0
for i in $(seq 20); do
	out=$(echo "hello $i" | timeout 10 ip netns exec "$NS" socat -t 5 - TCP4:10.30.0.100:7 2>/dev/null || true)
	[ "$out" = "hello $i" ] && good=$((good + 1))
done
kill -TERM "$FLOOD_PID" 2>/dev/null
wait "$FLOOD_PID" 2>/dev/null || true
check "20 clients echo during a SYN flood (got $good)" [ "$good" -eq 20 ]
sent=$(counter /meshpath/tcp syn_cookies_sent)
acc=$(counter /meshpath/tcp syn_cookies_accepted)
check "SYN cookies sent ($sent) and real clients accepted through them ($acc)" \
	eval '[ "$sent" -gt 100 ] && [ "$acc" -ge 20 ]'
check "meshpath still serves after the flood" \
	[ "$(echo after | timeout 10 ip netns exec "$NS" socat -t 5 - TCP4:10.30.0.100:7 2>/dev/null)" = after ]
check "meshpath exits cleanly after the flood" meshpath_stop
e2e_done
