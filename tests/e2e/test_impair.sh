#!/usr/bin/env bash
# End to end, the packet-impairment stage (drivers/net/impair.c): the L4 topology of
# test_l4.sh (client namespace, server namespace with nginx, meshpath with a TCP VIP over
# af_packet, two workers) with `impair` on the client-side port, so both directions of every
# connection cross it once: requests on its RX, responses on its TX. Three runs, one config
# each: 1% loss, 5% loss, then reordering + duplication + delay with jitter. Each time a file
# downloaded through the VIP must keep its sha256, and /meshpath/impair must show the
# impairments in about the configured proportions.
#
# usage: test_impair.sh MESHPATH_BINARY      (as root)
source "$(dirname "$0")/lib.sh"
need_root
BIN=$(realpath "$1")
PY=/usr/bin/python3
NSC="mpi-cli-$E2E_ID"
NSS="mpi-srv-$E2E_ID"
VC="mpi-c$E2E_ID"
VS="mpi-s$E2E_ID"
SIZE_MB=${E2E_IMPAIR_MB:-16}

netns_add "$NSC"
netns_add "$NSS"
veth_to_ns "$NSC" vc0 "$VC"
veth_to_ns "$NSS" vs0 "$VS"
ip -n "$NSC" addr add 10.10.0.1/24 dev vc0
ip -n "$NSS" addr add 10.20.0.1/24 dev vs0

www="$E2E_DIR/www"
mkdir -p "$www"
head -c "${SIZE_MB}M" /dev/urandom >"$www/file.bin"
want_sha=$(sha256sum "$www/file.bin" | cut -d' ' -f1)
echo small >"$www/small.txt"
cat >"$E2E_DIR/nginx.conf" <<NGINX
daemon off;
user root; # the file sits in the test's private temporary directory
worker_processes 1;
pid $E2E_DIR/nginx.pid;
error_log $E2E_DIR/nginx.err warn;
events { worker_connections 64; }
http {
	access_log off;
	server {
		listen 10.20.0.1:80 reuseport;
		root $www;
	}
}
NGINX
ip netns exec "$NSS" nginx -c "$E2E_DIR/nginx.conf" -e "$E2E_DIR/nginx.err" &
E2E_PIDS+=($!)
for _ in $(seq 50); do
	ip netns exec "$NSS" curl -s -m 1 -o /dev/null "http://10.20.0.1/file.bin" && break
	sleep 0.1
done

config() { # IMPAIR_GROUP_BODY: the test's config with this impairment on port "cli"
	cat >"$E2E_DIR/impair.conf" <<CONF
eal = { args = ["--no-pci", "--no-huge", "-m", "1024", "--no-shconf"]; };
workers = { lcores = [1, 2]; cpus = [1, 1]; };
mempool = { mbufs = 32767; };
ports = (
	{ name = "cli"; device = "net_af_packet0,iface=$VC,qpairs=2";
	  addresses = ["10.10.0.254/24"];
	  impair = { $1 }; },
	{ name = "srv"; device = "net_af_packet1,iface=$VS,qpairs=2";
	  addresses = ["10.20.0.254/24"]; }
);
clusters = ( { name = "web"; snat = ["10.20.0.250"];
	endpoints = ( { address = "10.20.0.1"; port = 80; } ); } );
listeners = ( { name = "vip"; protocol = "tcp"; address = "10.10.0.100"; port = 80;
	cluster = "web"; } );
CONF
	"$BIN" --check "$E2E_DIR/impair.conf" >/dev/null || die "test config rejected: $1"
}

# impair DIR KEY: one counter of port cli, "rx" or "tx", from /meshpath/impair.
impair() {
	telemetry /meshpath/impair | $PY -c 'import json, sys
print(json.load(sys.stdin)["cli"][sys.argv[1]][sys.argv[2]])' "$1" "$2"
}

# near P K N: K of N is non-zero and within 5 binomial standard deviations of P * N (loose:
# a correct stage fails about once in 2 million runs; the packet counts vary from run to run).
near() {
	$PY -c 'import math, sys
p, k, n = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
sys.exit(0 if n > 0 and k > 0 and abs(k - p * n) <= 5 * math.sqrt(n * p * (1 - p)) else 1)' "$@"
}

# download NAME: fetch the file through the VIP; check its sha256 and how long it took.
download() {
	local t0 t1 sha
	t0=$(date +%s.%N)
	sha=$(ip netns exec "$NSC" curl -s -m 60 http://10.10.0.100/file.bin | sha256sum |
		cut -d' ' -f1)
	t1=$(date +%s.%N)
	check "$1: ${SIZE_MB} MB through the VIP has the right sha256 ($(
		$PY -c "print('%.1f s' % ($t1 - $t0))"))" [ "$sha" = "$want_sha" ]
}

# Run 1 and 2: loss alone, in both directions; the rest stays untouched.
for loss in 0.01 0.05; do
	config "loss = $loss; seed = 7;"
	meshpath_start "$BIN" "$E2E_DIR/impair.conf"
	check "loss $loss: meshpath warns that the port is impaired" \
		grep -q "port cli: IMPAIRED for testing: loss $loss" "$E2E_DIR/meshpath.log"
	download "loss $loss"
	for dir in rx tx; do
		pkts=$(impair "$dir" pkts)
		dropped=$(impair "$dir" dropped)
		check "loss $loss, $dir: $dropped of $pkts dropped" near "$loss" "$dropped" "$pkts"
		check "loss $loss, $dir: nothing else changed" bash -c "[ $(impair "$dir" duplicated) \
-eq 0 ] && [ $(impair "$dir" reordered) -eq 0 ] && [ $(impair "$dir" delayed) -eq 0 ]"
	done
	check "loss $loss: SIGTERM exits with status 0" meshpath_stop
done

# Run 3: reordering, duplication and a delay with jitter, no loss.
config "reorder = 0.02; duplicate = 0.01; delay_ms = 2; jitter_ms = 1; seed = 11;"
meshpath_start "$BIN" "$E2E_DIR/impair.conf"
download "reorder+duplicate+delay"
# The delay shows on the wire: 2-3 ms each way on top of a sub-millisecond RTT.
rtt=$(ip netns exec "$NSC" curl -s -m 5 -o /dev/null -w '%{time_connect}' http://10.10.0.100/)
check "reorder+duplicate+delay: connect takes one delayed round trip (${rtt} s)" \
	$PY -c "import sys; sys.exit(0 if 0.004 <= $rtt <= 0.5 else 1)"
# Held packets leave when traffic stops: each answer's last segment is held on TX with nothing
# sent after it. Were it stranded until the server's retransmission (200 ms or more), every
# one of these exchanges of a handful of packets would show it. On this shared machine the
# same requests take 30-130 ms without any impairment (two workers share a CPU): the median
# ignores the slow ones, and the bound stays below Linux's 200 ms minimum RTO.
times=$(for _ in $(seq 11); do
	ip netns exec "$NSC" curl -s -m 5 -o /dev/null -w '%{time_total}\n' \
		http://10.10.0.100/small.txt
done)
median=$(echo "$times" | sort -n | sed -n 6p)
check "reorder+duplicate+delay: 11 small requests, none waited for a retransmission \
(median ${median} s)" $PY -c "import sys; sys.exit(0 if $median < 0.18 else 1)"
for dir in rx tx; do
	pkts=$(impair "$dir" pkts)
	dup=$(impair "$dir" duplicated)
	reo=$(impair "$dir" reordered)
	delayed=$(impair "$dir" delayed)
	check "reorder+duplicate+delay, $dir: $dup of $pkts duplicated" near 0.01 "$dup" "$pkts"
	# A packet is only held back when none is held already: a hair under 2%.
	check "reorder+duplicate+delay, $dir: $reo of $pkts reordered" near 0.02 "$reo" "$pkts"
	check "reorder+duplicate+delay, $dir: every packet and copy delayed ($delayed)" \
		[ "$delayed" -eq $((pkts + dup - $(impair "$dir" hold_full))) ]
	check "reorder+duplicate+delay, $dir: no loss" [ "$(impair "$dir" dropped)" -eq 0 ]
done
check "reorder+duplicate+delay: SIGTERM exits with status 0" meshpath_stop
e2e_done
