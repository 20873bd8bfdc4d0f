#!/usr/bin/env python3
"""A client that pipelines requests and reads the responses only when told to, for the tests of
the proxy's buffering: what meshpath holds while a client does not read.

usage: http_reader.py ADDRESS PORT GO_FILE REQUEST... > responses

Each REQUEST is text with "\\r\\n" written literally for CRLF; "N*REQUEST" stands for N copies.
All of them go out in one sendall on a thread of their own (it blocks when the server stops
taking them) over a socket with a 64 KiB receive buffer, and "sent" is printed. Then, unless
GO_FILE is "-", nothing is read until the file GO_FILE exists (at most 60 s). Then one line per
response: "STATUS BYTES SHA256" (the response's bytes, head included, and the sha256 of its
body). Responses must have a Content-Length, or end with the connection; no 1xx.
"""
import hashlib
import os
import socket
import sys
import threading
import time

addr, port, go = sys.argv[1], int(sys.argv[2]), sys.argv[3]
reqs = []
for arg in sys.argv[4:]:
    n, star, text = arg.partition("*")
    if not (star and n.isdigit()):
        n, text = "1", arg
    reqs += [text.encode("latin-1").decode("unicode_escape").encode("latin-1")] * int(n)

s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.settimeout(60)
s.connect((addr, port))
sender = threading.Thread(target=s.sendall, args=(b"".join(reqs),), daemon=True)
sender.start()
print("sent", flush=True)
if go != "-":
    for _ in range(600):
        if os.path.exists(go):
            break
        time.sleep(0.1)
f = s.makefile("rb")
for _ in reqs:
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = f.readline()
        if not line:
            sys.exit("connection closed before a response")
        head += line
    lengths = [l.split(b":", 1)[1] for l in head.split(b"\r\n")
               if l.lower().startswith(b"content-length:")]
    left = int(lengths[0]) if lengths else -1
    h = hashlib.sha256()
    n = 0
    while left != 0:
        chunk = f.read(min(left, 1 << 20) if left > 0 else 1 << 20)
        if not chunk:
            break
        h.update(chunk)
        n += len(chunk)
        left -= len(chunk)
    print(head.split(b" ")[1].decode(), len(head) + n, h.hexdigest(), flush=True)
sender.join()
