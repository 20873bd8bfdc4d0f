#!/usr/bin/env python3
"""A misbehaving HTTP upstream for the health-check tests.

usage: health_server.py ADDRESS PORT NAME MODEFILE LOGFILE

GET /ok (with any query) answers as MODEFILE says, read at each request: "200" or another status (that status),
"hang" (accept, read the request, never answer), "garbage" (a reply that is not HTTP, then
close). Every other path answers 200 with "NAME\\n". Each request's line and headers are
appended to LOGFILE as one line: "METHOD PATH VERSION|host|user-agent|connection".
"""
import http.server
import sys
import time

ADDRESS, PORT, NAME, MODEFILE, LOGFILE = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        with open(LOGFILE, "a") as f:
            f.write("%s|%s|%s|%s\n" % (self.requestline, self.headers.get("host"),
                                       self.headers.get("user-agent"),
                                       self.headers.get("connection")))
        if self.path.split("?")[0] != "/ok":
            self.reply(200, NAME + "\n")
            return
        with open(MODEFILE) as f:
            mode = f.read().strip()
        if mode == "hang":
            time.sleep(3600)
        elif mode == "garbage":
            self.wfile.write(b"this is not http\r\n\r\n")
            self.close_connection = True
        else:
            self.reply(int(mode), "health " + mode + "\n")

    def reply(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


Server((ADDRESS, PORT), Handler).serve_forever()
