#!/usr/bin/env python3
"""WebSocket echo for the proxy's end-to-end tests, on Debian's python3-websockets.

usage: ws_echo.py server ADDRESS PORT
       ws_echo.py client URL ADDRESS PORT

The server echoes every message. The client opens URL (whose host is what the proxy routes on)
through a TCP connection to ADDRESS:PORT (the proxy), sends a text message, a 200 KiB binary message and 50 small messages, and
checks that each comes back unchanged and in order; it prints "ok N" (messages echoed) and exits
0, or prints what went wrong and exits 1.
"""
import asyncio
import os
import sys

import websockets


async def echo(ws, path=None):
    async for msg in ws:
        await ws.send(msg)


async def server(addr, port):
    async with websockets.serve(echo, addr, port, max_size=None):
        print("listening", flush=True)
        await asyncio.Future()


async def client(url, addr, port):
    msgs = ["hello through meshpath", os.urandom(200 * 1024)] + [f"m{i}" for i in range(50)]
    async with websockets.connect(url, host=addr, port=port, max_size=None,
                                  open_timeout=5) as ws:
        for m in msgs:
            await ws.send(m)
        for i, m in enumerate(msgs):
            got = await asyncio.wait_for(ws.recv(), 5)
            if got != m:
                print(f"message {i} came back different ({len(got)} vs {len(m)} bytes)")
                return 1
    print(f"ok {len(msgs)}")
    return 0


if sys.argv[1] == "server":
    asyncio.run(server(sys.argv[2], int(sys.argv[3])))
else:
    try:
        sys.exit(asyncio.run(client(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    except Exception as e:  # the test prints why
        print(f"failed: {type(e).__name__}: {e}")
        sys.exit(1)
