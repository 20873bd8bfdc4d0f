# Sourced by bench/l4_rate.sh, bench/l4_paired.sh and bench/l4_instr.sh: the device under
# test's side of the L4 benchmark topology, and meshpath's configuration for it. One worker on CPU 1 does full NAT
# from a UDP VIP to four endpoints; the generator (meshpath-l4gen) plays the clients and the
# endpoints on the other end of one memif link.
L4_VIP=198.18.255.100
L4_DUT_MAC=02:00:00:00:00:fe

# l4_conf FILE SOCK FLOWS BURST EAL_ARGS: write meshpath's config to FILE. EAL_ARGS is the
# libconfig list's body ("--no-pci", "--in-memory", ...).
l4_conf() {
	local file=$1 sock=$2 flows=$3 burst=$4 eal=$5 snat
	# A million flows to four endpoints need more than one address's 64K ports: 16 SNAT
	# addresses. Room for a quarter more flows than are sent.
	snat=$(for i in $(seq 16); do printf '"198.18.200.%d"%s' "$i" "$([ "$i" -lt 16 ] && echo ', ')"; done)
	cat >"$file" <<CONF
eal = { args = [$eal]; };
workers = { main_lcore = 0; main_cpu = 1; lcores = [1]; cpus = [1]; burst = $burst; };
mempool = { mbufs = 16383; };
flows = { max = $((flows < 1024 ? 1024 : flows + flows / 4)); udp_ms = 600000; };
ports = ( { name = "p0"; device = "net_memif0,role=server,socket=$sock,mac=$L4_DUT_MAC";
	    addresses = ["198.18.0.254/16"]; } );
clusters = ( { name = "sink"; snat = [$snat];
	endpoints = ( { address = "198.18.100.1"; port = 9; }, { address = "198.18.100.2"; port = 9; },
		      { address = "198.18.100.3"; port = 9; }, { address = "198.18.100.4"; port = 9; } ); } );
listeners = ( { name = "vip"; protocol = "udp"; address = "$L4_VIP"; port = 9; cluster = "sink"; } );
CONF
}

# The device under test is the memif server and starts first: the generator's clock (warm-up,
# then measurement) only starts once the device is up, however long its start takes (a million
# flows' tables take seconds to allocate and clear).
wait_ready() { # PID TEXT LOG: until LOG says TEXT (60 s at most; memif sockets are abstract)
	for _ in $(seq 600); do
		kill -0 "$1" 2>/dev/null || { echo "device under test exited:" >&2; tail -20 "$3" >&2; return 1; }
		grep -q "$2" "$3" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "device under test not ready after 60 s" >&2
	return 1
}

tel_stats() { # [PREFIX]: meshpath's /meshpath/stats, as JSON (EAL file prefix mpl4-dut)
	echo /meshpath/stats | /usr/bin/python3 /usr/bin/dpdk-telemetry.py -f "${1:-mpl4-dut}" 2>/dev/null || true
}

busy_per_pkt() { # STATS0 STATS1 [MAX_S]: meshpath's busy cycles per received packet between
	# two reads; "?" (and why, on stderr) when it was busy longer than MAX_S seconds, which in a
	# paired run means a hold landed in a poll that had packets
	/usr/bin/python3 - "$@" <<'PY' || echo "?"
import json, sys
a, b = (json.load(open(f))["/meshpath/stats"] for f in sys.argv[1:3])
n, busy = b["rx_pkts"] - a["rx_pkts"], b["busy_cycles"] - a["busy_cycles"]
if len(sys.argv) > 3 and busy / b["tsc_hz"] > float(sys.argv[3]) * 1.01:
    print("meshpath busy %.2f s while it had traffic %.2f s: run discarded"
          % (busy / b["tsc_hz"], float(sys.argv[3])), file=sys.stderr)
    n = 0
print("%.0f" % (busy / n) if n > 0 else "?")
PY
}

# The devices under test, started in the background: the caller's PIDS array gets each PID, and
# BURST is the RX burst of both.
testpmd_start() { # SOCK PREFIX LOG: testpmd io forwarding as the memif server; PID in TP_PID
	: >"$3" # emptied before the fork: see wait_ready
	dpdk-testpmd --no-pci --no-huge -m 512 --no-shconf --file-prefix "$2" --lcores '0@1,1@1' \
		--vdev "net_memif0,role=server,socket=$1" -- --forward-mode=io --port-topology=loop \
		--auto-start --burst="$BURST" --total-num-mbufs=16384 --stats-period 100 \
		--record-core-cycles --record-burst-stats >"$3" 2>&1 &
	TP_PID=$!
	PIDS+=("$TP_PID")
	wait_ready "$TP_PID" "packet forwarding - ports=" "$3"
}

testpmd_cycles() { # LOG: testpmd's busy cycles per packet, printed as it stopped ("?" if not)
	local c
	c=$(grep -o 'CPU cycles/packet=[0-9.]*' "$1" | tail -1 | cut -d= -f2)
	echo "${c:-?}"
}

meshpath_start() { # BUILD CONF SOCK FLOWS EAL: meshpath as the memif server; PID in MP_PID
	l4_conf "$2" "$3" "$4" "$BURST" "$5"
	"$1/app/meshpath/meshpath" --check "$2" >/dev/null || return 1
	: >"$2.log" # emptied before the fork: see wait_ready
	"$1/app/meshpath/meshpath" -c "$2" >"$2.log" 2>&1 &
	MP_PID=$!
	PIDS+=("$MP_PID")
	wait_ready "$MP_PID" "running:" "$2.log"
}

# l4_eal_dut: meshpath's EAL arguments into EAL_DUT. Flow tables live in hugepages when the
# machine has them (L4_HUGEPAGES=N reserves N 2 MiB pages for the run and gives them back on
# exit, after the caller's cleanup): that is how meshpath runs in production, and a million flows
# on 4 KiB pages measure TLB misses more than meshpath.
l4_eal_dut() {
	EAL_DUT='"--no-pci", "--no-huge", "-m", "2048", "--no-shconf", "--file-prefix", "mpl4-dut"'
	if [ "${L4_HUGEPAGES:-0}" -gt 0 ]; then
		HUGE_BEFORE=$(cat /proc/sys/vm/nr_hugepages)
		echo "$L4_HUGEPAGES" >/proc/sys/vm/nr_hugepages
		trap 'cleanup; echo "$HUGE_BEFORE" >/proc/sys/vm/nr_hugepages' EXIT
		EAL_DUT='"--no-pci", "--in-memory", "-m", "1536", "--file-prefix", "mpl4-dut"'
	fi
}
