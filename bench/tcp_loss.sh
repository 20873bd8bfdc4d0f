#!/usr/bin/env bash
# Goodput under random loss: meshpath's TCP stack against the Linux kernel's, in one run, on
# the same namespace topology. A client namespace holds two veth links: one to meshpath's echo
# service (af_packet, one worker on CPU 1, 10.60.0.100:7), one to a kernel namespace whose
# echo server (meshpath-tcp-peer echo, CPU 1, 10.61.0.100:7) does the same. The client (socat,
# CPU 0) sends MIB MiB and reads them back, the round trip timed from connect to the last byte
# and checked byte for byte.
#
# Loss hits single segments both ways on both paths, with the same probability per packet:
# meshpath's own impairment stage on its port (seeded, each round its own seed), nftables
# `numgen random` on the kernel path, in the input hooks of both kernel ends (after the veth,
# where every packet is one segment: both links have segmentation offloads off). A delivered
# packet is never delayed or reordered on either path.
#
# usage: bench/tcp_loss.sh BUILD_DIR [ROUNDS]    (as root; prints markdown)
#   TCP_LOSS_MB (8): MiB each way per round trip; TCP_LOSS_PCTS ("0 1 5"): loss in percent;
#   ROUNDS (5): round trips per loss and stack, alternating; the table gives the medians
set -euo pipefail
BUILD=$(realpath "${1:-build}")
ROUNDS=${2:-5}
MB=${TCP_LOSS_MB:-8}
PCTS=${TCP_LOSS_PCTS:-0 1 5}
BIN=$BUILD/app/meshpath/meshpath
PEER=$BUILD/bench/meshpath-tcp-peer
PY=/usr/bin/python3
for b in "$BIN" "$PEER"; do [ -x "$b" ] || { echo "tcp_loss: $b is not built" >&2; exit 1; }; done
source "$(dirname "$0")/../tests/e2e/lib.sh"
need_root

NSC=mpbl-c$E2E_ID NSK=mpbl-k$E2E_ID VM=mpbl-m$E2E_ID
netns_add "$NSC"
netns_add "$NSK"
veth_to_ns "$NSC" vc0 "$VM"
ip link add vc1 netns "$NSC" type veth peer name vk0 netns "$NSK"
ip -n "$NSC" addr add 10.60.0.1/24 dev vc0
for x in "$NSC vc1 10.61.0.1" "$NSK vk0 10.61.0.100"; do
	set -- $x
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 || true
	ip -n "$1" link set "$2" up
	ip -n "$1" addr add "$3/24" dev "$2"
done
head -c "${MB}M" /dev/urandom >"$E2E_DIR/in.bin"

# roundtrip ADDRESS: seconds for one echo round trip (the output compared with the input)
roundtrip() {
	local start end
	rm -f "$E2E_DIR/out.bin"
	start=$(date +%s.%N)
	timeout 300 taskset -c 0 ip netns exec "$NSC" socat -t 60 -T 60 \
		"OPEN:$E2E_DIR/in.bin,rdonly!!CREATE:$E2E_DIR/out.bin" "TCP4:$1:7" || true
	end=$(date +%s.%N)
	cmp -s "$E2E_DIR/in.bin" "$E2E_DIR/out.bin" || {
		echo "tcp_loss: $1: round trip corrupt ($(stat -c %s "$E2E_DIR/out.bin" 2>/dev/null || echo no) bytes back, $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s)" >&2
		exit 1
	}
	$PY -c "print(round($end - $start, 3))"
}

# kernel_loss PCT: drop PCT % of the echo's segments each way on the kernel path
kernel_loss() {
	local per10k x
	per10k=$(awk -v p="$1" 'BEGIN { printf "%d", p * 100 }')
	# Only the kernel path's packets: the client namespace reaches meshpath too.
	for x in "$NSK dport 10.61.0.1" "$NSC sport 10.61.0.100"; do
		set -- $x
		ip netns exec "$1" nft delete table inet mpbl 2>/dev/null || true
		[ "$per10k" -eq 0 ] && continue
		ip netns exec "$1" nft -f - <<NFT
table inet mpbl {
	chain in {
		type filter hook input priority 0;
		ip saddr $3 tcp $2 7 numgen random mod 10000 < $per10k drop
	}
}
NFT
	done
}

# The kernel's echo server (meshpath-tcp-peer echo, CPU 1), in its own process group: `ip netns
# exec` runs it as a child that a kill of ip would leave behind.
setsid taskset -c 1 ip netns exec "$NSK" "$PEER" echo 10.61.0.100 7 >/dev/null 2>&1 &
E2E_HOOKS+=("kill -- -$!")

meshpath_run() { # PCT SEED: one round trip through meshpath with that loss
	cat >"$E2E_DIR/mp.conf" <<CONF
eal = { args = ["--no-pci", "--no-huge", "-m", "1024", "--no-shconf"]; };
workers = { lcores = [1]; cpus = [1]; };
mempool = { mbufs = 32767; };
ports = (
	{ name = "cli"; device = "net_af_packet0,iface=$VM";
	  addresses = ["10.60.0.254/24"]; impair = { loss = $(awk -v p="$1" 'BEGIN { print p / 100 }'); seed = $2; }; }
);
listeners = ( { name = "echo"; protocol = "echo"; address = "10.60.0.100"; port = 7; } );
CONF
	meshpath_start "$BIN" "$E2E_DIR/mp.conf" >/dev/null
	roundtrip 10.60.0.100
	meshpath_stop
}

echo "| loss | meshpath s (median of $ROUNDS) | kernel s | meshpath goodput / kernel's | meshpath MiB/s | kernel MiB/s |"
echo "|---|---|---|---|---|---|"
for pct in $PCTS; do
	kernel_loss "$pct"
	mp=() k=()
	for r in $(seq "$ROUNDS"); do
		mp+=("$(meshpath_run "$pct" "$((862 + r))")")
		k+=("$(roundtrip 10.61.0.100)")
	done
	$PY - "$pct" "$MB" "${mp[*]}" "${k[*]}" <<'EOF'
import statistics, sys
pct, mb = sys.argv[1], float(sys.argv[2])
mp = statistics.median(float(x) for x in sys.argv[3].split())
k = statistics.median(float(x) for x in sys.argv[4].split())
print(f"| {pct} % | {mp:.3f} ({sys.argv[3]}) | {k:.3f} ({sys.argv[4]}) | {k / mp:.2f} | {mb / mp:.1f} | {mb / k:.1f} |")
EOF
done
