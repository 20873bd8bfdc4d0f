#!/usr/bin/env python3
"""Send N requests through the proxy, one connection each, and count who answered them: the
resilience tests' client (a distribution, a run of statuses, stickiness).

usage: http_tally.py ADDRESS PORT HOST PATH N [-X METHOD] [-d BODY] [-H 'name: value']...
                     [--vary NAME] [--vary-cookie NAME]

--vary NAME sends header NAME with the value "key<i>" (request i), --vary-cookie NAME a cookie
NAME=key<i>; "{i}" in a -H value is replaced by i as well. Prints one JSON object: "status"
(count per status code), "names" (count per upstream name, from the scripted upstream's JSON
body; "-" for other bodies) and "seq" (the names in request order).
"""
import argparse
import http.client
import json
import socket

p = argparse.ArgumentParser()
p.add_argument("addr")
p.add_argument("port", type=int)
p.add_argument("host")
p.add_argument("path")
p.add_argument("n", type=int)
p.add_argument("-X", dest="method", default="GET")
p.add_argument("-d", dest="data", default=None)
p.add_argument("-H", dest="headers", action="append", default=[])
p.add_argument("--vary", default=None)
p.add_argument("--vary-cookie", default=None)
a = p.parse_args()

status, names, seq = {}, {}, []
for i in range(a.n):
    hdrs = {"Host": a.host}
    for h in a.headers:
        k, _, v = h.partition(":")
        hdrs[k.strip()] = v.strip().replace("{i}", str(i))
    if a.vary:
        hdrs[a.vary] = f"key{i}"
    if a.vary_cookie:
        hdrs["Cookie"] = f"other=1; {a.vary_cookie}=key{i}"
    c = http.client.HTTPConnection(a.addr, a.port, timeout=10)
    try:
        c.request(a.method, a.path, body=a.data, headers=hdrs)
        r = c.getresponse()
        body = r.read()
        code = str(r.status)
        try:
            name = json.loads(body)["name"]
        except (ValueError, KeyError, TypeError):
            name = "-"
    except (OSError, http.client.HTTPException, socket.timeout):
        code, name = "error", "-"
    finally:
        c.close()
    status[code] = status.get(code, 0) + 1
    names[name] = names.get(name, 0) + 1
    seq.append(name)
print(json.dumps({"status": status, "names": names, "seq": seq}))
