#!/usr/bin/env python3
"""http_test_server.py -- the HTTP endpoint test_post.sh posts results to.

One process, one port, the behaviour chosen by the request's path:

  /ok        200; the request is recorded (as by every path)
  /fail500   always 500
  /r429      always 429 Too Many Requests
  /r404      always 404 (a client error: must not be retried)
  /flaky     503 for the first two requests, then 200
  /hang      reads the request, then sleeps --hang seconds before answering

Every request is appended to --record as one JSON line: {"path", "method",
"headers" (name -> value, names lower-cased), "body", "time" (monotonic
seconds)}, before the answer, so a test counts attempts by path. The port
(0: any free one) is written to --port-file once the server listens.
Python standard library only.
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FLAKY_FAILURES = 2


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    counts = {}
    lock = threading.Lock()

    def log_message(self, fmt, *args):  # quiet: the record file says it all
        pass

    def record(self, body):
        entry = {
            "path": self.path,
            "method": self.command,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
            "time": time.monotonic(),
        }
        with Handler.lock:
            Handler.counts[self.path] = Handler.counts.get(self.path, 0) + 1
            n = Handler.counts[self.path]
            with open(self.server.record_path, "a") as f:
                f.write(json.dumps(entry) + "\n")
        return n

    def answer(self, code, text):
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        n = self.record(body)
        if self.path == "/ok":
            self.answer(200, "stored\n")
        elif self.path == "/fail500":
            self.answer(500, "broken on purpose\n")
        elif self.path == "/r429":
            self.answer(429, "slow down\n")
        elif self.path == "/r404":
            self.answer(404, "no such endpoint\n")
        elif self.path == "/flaky":
            self.answer(503 if n <= FLAKY_FAILURES else 200, "attempt %d\n" % n)
        elif self.path == "/hang":
            time.sleep(self.server.hang_seconds)
            try:
                self.answer(200, "too late\n")
            except OSError:
                pass  # the client gave up long ago
        else:
            self.answer(404, "unknown test path\n")

    do_PUT = do_POST


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--hang", type=float, default=60.0)
    args = ap.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.record_path = args.record
    server.hang_seconds = args.hang
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)  # appears whole, once listening
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
