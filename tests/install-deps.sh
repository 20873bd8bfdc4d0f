#!/usr/bin/env bash
# Install the Debian 12 packages meshpath needs to build, test, demo and benchmark.
# Idempotent: installs only what is missing, and runs apt-get update only when it must.
set -euo pipefail

# Build: compiler, meson, and the libraries meshpath links (pkg-config names in meson.build).
build_pkgs=(
	build-essential
	meson
	ninja-build
	pkg-config
	clang-format
	libdpdk-dev
	libhyperscan-dev
	libconfig-dev
	libssl-dev
	libcmocka-dev
	libbenchmark-dev
)
# Run and test: dpdk brings dpdk-telemetry.py and dpdk-dumpcap; the rest are the kernel-side
# peers of the end-to-end tests (namespaces, ping, raw frames with scapy, HTTP backends and
# clients, a UDP echo server, a WebSocket client and server).
test_pkgs=(
	dpdk
	dpdk-dev
	iproute2
	iputils-ping
	ethtool
	procps
	python3
	python3-scapy
	python3-prometheus-client
	python3-websockets
	nginx-light
	curl
	wrk
	socat
)
# Benchmarks only: the peers meshpath is compared with.
bench_pkgs=(
	haproxy
	libnginx-mod-stream
	python3-matplotlib
	nftables
	libhttp-parser-dev
)

missing=()
want=("${build_pkgs[@]}" "${test_pkgs[@]}")
[ "${1:-}" = "--bench" ] && want+=("${bench_pkgs[@]}")
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
