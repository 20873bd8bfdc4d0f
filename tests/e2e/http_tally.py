#!/usr/bin/env python3
"""Send N requests through the proxy, one connection each, and count who answered them: the
resilience and load-balancing tests' client (a distribution, a run of statuses, stickiness,
disruption, concurrency).

usage: http_tally.py ADDRESS PORT HOST PATH N [-X METHOD] [-d BODY] [-H 'name: value']...
                     [--vary NAME | --vary-cookie NAME | --source BASE] [--conc C] [--rounds R]

Request i carries key i: --vary NAME sends header NAME with the value "key<i>", --vary-cookie
NAME a cookie NAME=key<i> (between two other cookies), --source BASE connects from the address
BASE + 256 * (i // 250) + i % 250 + 1 (10.63.0.0 gives 10.63.0.1 .. 10.63.0.250, 10.63.1.1, ...:
the test puts them on the client's namespace); "{i}" in a -H value is replaced by i as well.
--conc C keeps C requests in flight (default 1: one after the other, in order). --rounds R sends
the N requests R times, one round after the other.

Prints one JSON object: "status" (count per status code over every round), "names" (count per
upstream name in the first round: the name in the scripted upstream's JSON, or in its "NAME
status CODE" answer; "-" for other bodies), "seq" (the names of the first round by request
number) and "unstable" (requests whose name was not the same in every round).
"""
import argparse
import concurrent.futures
import http.client
import ipaddress
import json
import socket
import threading

p = argparse.ArgumentParser()
p.add_argument("addr")
p.add_argument("port", type=int)
p.add_argument("host")
p.add_argument("path")
p.add_argument("n", type=int)
p.add_argument("-X", dest="method", default="GET")
p.add_argument("-d", dest="data", default=None)
p.add_argument("-H", dest="headers", action="append", default=[])
key = p.add_mutually_exclusive_group()
key.add_argument("--vary", default=None)
key.add_argument("--vary-cookie", default=None)
key.add_argument("--source", default=None)
p.add_argument("--conc", type=int, default=1)
p.add_argument("--rounds", type=int, default=1)
a = p.parse_args()

lock = threading.Lock()
status = {}


def upstream_name(body):
    try:
        return json.loads(body)["name"]
    except (ValueError, KeyError, TypeError):
        words = body.split()
        return words[0].decode() if len(words) == 3 and words[1] == b"status" else "-"


def source(i):
    base = int(ipaddress.IPv4Address(a.source))
    return str(ipaddress.IPv4Address(base + 256 * (i // 250) + i % 250 + 1))


def one(i):
    hdrs = {"Host": a.host}
    for h in a.headers:
        k, _, v = h.partition(":")
        hdrs[k.strip()] = v.strip().replace("{i}", str(i))
    if a.vary:
        hdrs[a.vary] = f"key{i}"
    if a.vary_cookie:
        hdrs["Cookie"] = f"other=1; {a.vary_cookie}=key{i}; z=2"
    src = (source(i), 0) if a.source else None
    c = http.client.HTTPConnection(a.addr, a.port, timeout=10, source_address=src)
    try:
        c.request(a.method, a.path, body=a.data, headers=hdrs)
        r = c.getresponse()
        code, name = str(r.status), upstream_name(r.read())
    except (OSError, http.client.HTTPException, socket.timeout):
        code, name = "error", "-"
    finally:
        c.close()
    with lock:
        status[code] = status.get(code, 0) + 1
    return name


rounds = []
with concurrent.futures.ThreadPoolExecutor(max_workers=a.conc) as pool:
    for _ in range(a.rounds):
        rounds.append(list(pool.map(one, range(a.n))))
names = {}
for name in rounds[0]:
    names[name] = names.get(name, 0) + 1
unstable = sum(1 for i in range(a.n) if len({r[i] for r in rounds}) > 1)
print(json.dumps({"status": status, "names": names, "seq": rounds[0], "unstable": unstable}))
