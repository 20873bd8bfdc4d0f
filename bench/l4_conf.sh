# Sourced by bench/l4_rate.sh and bench/l4_instr.sh: the device under test's side of the L4
# benchmark topology, and meshpath's configuration for it. One worker on CPU 1 does full NAT
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
