#!/usr/bin/env python3
"""Send raw bytes to an HTTP server and print what comes back, for the cases curl will not
produce: pipelined requests in one write, smuggling attempts, malformed heads.

usage: http_raw.py ADDRESS PORT [IDLE_SECONDS [end]] < request-bytes

The request is read from stdin as text with "\\r\\n" written literally for CRLF (so a test can
keep it on one line) and sent in one write. The reply is read until the server closes or is
idle for IDLE_SECONDS (default 2), and printed as received (latin-1). With "end", a last line
says how the reply ended: "[end: closed]" (the server closed), "[end: reset]" or "[end: idle]"
(the connection was still open).
"""
import socket
import sys

addr, port = sys.argv[1], int(sys.argv[2])
idle = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
mark = len(sys.argv) > 4 and sys.argv[4] == "end"
data = sys.stdin.read().encode("latin-1").decode("unicode_escape").encode("latin-1")
family = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM)
s.settimeout(5)
s.connect((addr, port))
s.sendall(data)
s.settimeout(idle)
out = b""
end = "closed"
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
except socket.timeout:
    end = "idle"
except ConnectionResetError:
    end = "reset"
    if not mark:
        out += b"\n[reset]\n"
if mark:
    out += b"\n[end: %s]\n" % end.encode()
sys.stdout.write(out.decode("latin-1"))
