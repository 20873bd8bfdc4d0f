#!/usr/bin/env python3
"""Watch one endpoint's health checks through telemetry while its health changes: the moment an
endpoint goes down or comes back, against how many checks it failed or passed.

usage: health_watch.py PREFIX CLUSTER INDEX STATE TIMEOUT FILE CONTENT

Connects to the telemetry socket of the DPDK process with file prefix PREFIX, reads
/meshpath/l4/clusters once, then writes CONTENT to FILE (the upstream's health answer, see
http_upstream.py), and reads again every 10 ms until endpoint INDEX (0-based) of CLUSTER is in
STATE ("up" or "down"), at most TIMEOUT seconds. Prints one JSON object: "before" (checks_ok,
checks_failed, health before the write) and "seen" (every distinct [checks passed since,
checks failed since, health] read after it, in order); exits 1 on the timeout.
"""
import json
import socket
import sys
import time

prefix, cluster, index, state, timeout, path, content = sys.argv[1:8]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
sock.connect(f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2")
info = json.loads(sock.recv(1024))
buf_len = info["max_output_len"]


def read():
    sock.send(b"/meshpath/l4/clusters")
    ep = json.loads(sock.recv(buf_len))["/meshpath/l4/clusters"][cluster][f"endpoint{index}"]
    return ep["checks_ok"], ep["checks_failed"], ep["health"]


ok0, failed0, health0 = read()
with open(path, "w") as f:
    f.write(content + "\n")
seen = []
deadline = time.monotonic() + float(timeout)
done = False
while not done and time.monotonic() < deadline:
    ok, failed, health = read()
    obs = [ok - ok0, failed - failed0, health]
    if not seen or seen[-1] != obs:
        seen.append(obs)
    done = health == state
    time.sleep(0.01)
print(json.dumps({"before": [ok0, failed0, health0], "seen": seen}))
sys.exit(0 if done else 1)
