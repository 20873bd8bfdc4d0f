#!/usr/bin/env python3
"""An HTTP/1.1 upstream for the proxy's end-to-end tests: it answers every request with what it
received, so a test can see what the proxy forwarded.

usage: http_upstream.py ADDRESS PORT NAME LOGFILE [MODE [HEALTHFILE]]

Every request is answered 200 with a JSON body: the server's NAME, the request line, the header
fields in order, the body's length and sha256, the connection's number and the request's number
on that connection (so a test sees upstream keep-alive). Request bodies with Content-Length or
chunked are read; "Expect: 100-continue" is answered with a 100 first. Special paths:

  /early      a 103 Early Hints before the 200 (a 1xx the proxy must relay)
  /notmod     304 Not Modified, no body
  /chunked    the 200 in chunked encoding (three chunks and a trailer)
  /close      a body delimited by closing the connection (no Content-Length)
  /reset      the connection reset without a response
  /slow?ms=N  the 200 after N milliseconds
  /status/N   status N (a short text body)

MODE (the resilience tests' misbehaving upstreams) applies to every request: "ok" (default),
"reset" (reset without a response, as /reset), a status code such as "500" (that status, as
/status/500), "delay=MS" (every answer after MS milliseconds, as /slow?ms=MS).

With HEALTHFILE, GET /health answers the status written in that file, read at each request
(200 when it is missing or empty), whatever MODE says: a test fails and restores an upstream's
health checks while its other requests go on as MODE has them.

One line per request goes to LOGFILE ("NAME METHOD TARGET conn=N"), flushed at once: a test counts
what reached the upstream (a smuggled second request would show as a line) and on which of the
server's connections. When a client closes a connection, "closed conn=N" goes to stdout.
"""
import asyncio
import hashlib
import json
import socket
import struct
import sys

ADDR, PORT, NAME, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
MODE = sys.argv[5] if len(sys.argv) > 5 else "ok"
HEALTH = sys.argv[6] if len(sys.argv) > 6 else None
log = open(LOG, "a", buffering=1)
conn_seq = 0


def health_status():
    try:
        with open(HEALTH) as f:
            return f.read().strip() or "200"
    except FileNotFoundError:
        return "200"


async def read_head(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].split(b"\r\n")
    method, target, version = lines[0].decode("latin-1").split(" ", 2)
    fields = []
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        fields.append([name, value.strip()])
    return method, target, version, fields


def field(fields, name):
    vals = [v for n, v in fields if n.lower() == name]
    return vals[0] if vals else None


async def read_body(reader, writer, fields):
    if (field(fields, "expect") or "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
    te = (field(fields, "transfer-encoding") or "").lower()
    h = hashlib.sha256()
    n = 0
    if te.endswith("chunked"):
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                break
            data = await reader.readexactly(size)
            await reader.readexactly(2)
            h.update(data)
            n += size
    else:
        left = int(field(fields, "content-length") or "0")
        while left > 0:
            data = await reader.read(min(left, 1 << 16))
            if not data:
                raise asyncio.IncompleteReadError(b"", left)
            h.update(data)
            n += len(data)
            left -= len(data)
    return n, h.hexdigest()


async def serve(reader, writer):
    global conn_seq
    conn_seq += 1
    conn = conn_seq
    req_no = 0
    try:
        while True:
            try:
                method, target, version, fields = await read_head(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                print(f"closed conn={conn}", flush=True)
                writer.close()
                return
            req_no += 1
            log.write(f"{NAME} {method} {target} conn={conn}\n")
            n, sha = await read_body(reader, writer, fields)
            path = target.split("?")[0]
            body = json.dumps({"name": NAME, "method": method, "target": target,
                               "version": version, "headers": fields, "body_len": n,
                               "body_sha256": sha, "conn": conn, "req": req_no}).encode() + b"\n"
            if HEALTH is not None and path == "/health":
                path = "/status/" + health_status()
            elif MODE == "reset":
                path = "/reset"
            elif MODE.isdigit():
                path = "/status/" + MODE
            elif MODE.startswith("delay="):
                await asyncio.sleep(int(MODE[len("delay="):]) / 1000)
            if path == "/slow":
                ms = int(dict(kv.split("=", 1) for kv in target.split("?", 1)[1].split("&")
                              if "=" in kv).get("ms", "0")) if "?" in target else 0
                await asyncio.sleep(ms / 1000)
            if path == "/reset":
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.close()
                return
            if path == "/early":
                writer.write(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
            if path.startswith("/status/"):
                code = int(path[len("/status/"):])
                text = f"{NAME} status {code}\n".encode()
                writer.write(b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n%s"
                             % (code, len(text), b"" if method == "HEAD" else text))
            elif path == "/notmod":
                writer.write(b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n")
            elif path == "/chunked":
                third = len(body) // 3
                parts = [body[:third], body[third:2 * third], body[2 * third:]]
                out = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" \
                      b"Transfer-Encoding: chunked\r\nTrailer: x-sum\r\n\r\n"
                for p in parts:
                    out += b"%x\r\n%s\r\n" % (len(p), p)
                out += b"0\r\nx-sum: " + hashlib.sha256(body).hexdigest().encode() + b"\r\n\r\n"
                writer.write(out)
            elif path == "/close":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Connection: close\r\n\r\n" + body)
                await writer.drain()
                writer.close()
                return
            else:
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" \
                       b"Content-Length: %d\r\n\r\n" % len(body)
                writer.write(head + (b"" if method == "HEAD" else body))
            await writer.drain()
            if (field(fields, "connection") or "").lower() == "close":
                writer.close()
                return
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        writer.close()


async def main():
    family = socket.AF_INET6 if ":" in ADDR else socket.AF_INET
    server = await asyncio.start_server(serve, ADDR, PORT, family=family, reuse_address=True)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
