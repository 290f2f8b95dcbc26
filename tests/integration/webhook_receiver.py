#!/usr/bin/env python3
"""A school's webhook receiver for the hub-notifier tests, written independently of the hub's C.

Verifies every request by the Standard Webhooks rules (standardwebhooks.com, spec 1.0.0) with
Python's hmac/hashlib: HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{raw body}" under the
school's raw secret bytes, any "v1,<base64>" entry of webhook-signature compared with
hmac.compare_digest, webhook-timestamp within 5 minutes. Records each request as one JSON line and
answers as the mode file says, re-read on every request:

    ok            200 (also for a webhook-id already accepted: the receiver is idempotent and
                  records such a request with "duplicate": true)
    500           500
    503 N         503 with Retry-After: N
    slow S        sleep S seconds, then 200
    410           410 Gone

A request with a bad signature gets 401 whatever the mode.

    webhook_receiver.py --name A --secret-file F --log F --mode-file F (--port N | --port-file F)
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time

TOLERANCE_S = 300


def verify(secret, headers, body):
    wid = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sig = headers.get("webhook-signature")
    if not wid or not ts or not sig:
        return False, "missing header"
    if "." in wid:
        return False, "dot in webhook-id"
    if not ts.isdigit():
        return False, "timestamp not digits"
    if abs(time.time() - int(ts)) > TOLERANCE_S:
        return False, "stale timestamp"
    signed = wid.encode() + b"." + ts.encode() + b"." + body
    expected = hmac.new(secret, signed, hashlib.sha256).digest()
    for entry in sig.split(" "):
        if not entry.startswith("v1,"):
            continue
        try:
            got = base64.b64decode(entry[3:], validate=True)
        except ValueError:
            continue
        if hmac.compare_digest(got, expected):
            return True, "ok"
    return False, "no matching signature"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--secret-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--mode-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    args = ap.parse_args()

    with open(args.secret_file, "rb") as f:
        secret = f.read()
    lock = threading.Lock()
    accepted = set()
    log = open(args.log, "a", encoding="utf-8")

    def mode():
        try:
            with open(args.mode_file, encoding="utf-8") as f:
                return f.read().split()
        except OSError:
            return ["ok"]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every answer
        disable_nagle_algorithm = True

        def log_message(self, fmt, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            headers = {k.lower(): v for k, v in self.headers.items()}
            ok, why = verify(secret, headers, body)
            m = mode()
            wid = headers.get("webhook-id", "")
            extra = {}
            if not ok:
                status = 401
            elif m[0] == "500":
                status = 500
            elif m[0] == "503":
                status = 503
                extra["Retry-After"] = m[1] if len(m) > 1 else "1"
            elif m[0] == "410":
                status = 410
            else:
                if m[0] == "slow" and len(m) > 1:
                    time.sleep(float(m[1]))
                status = 200
            with lock:
                duplicate = status == 200 and wid in accepted
                if status == 200:
                    accepted.add(wid)
                rec = {
                    "receiver": args.name,
                    "t": time.time(),
                    "path": self.path,
                    "webhook_id": wid,
                    "webhook_timestamp": headers.get("webhook-timestamp"),
                    "sig_valid": ok,
                    "why": why,
                    "status": status,
                    "duplicate": duplicate,
                    "content_type": headers.get("content-type"),
                    "body": body.decode("utf-8", "replace"),
                }
                log.write(json.dumps(rec) + "\n")
                log.flush()
            out = b'{"ok":true}' if status == 200 else b'{"ok":false}'
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    class Server(http.server.ThreadingHTTPServer):
        allow_reuse_address = True
        daemon_threads = True
        # the default backlog of 5 drops connection attempts of a burst (the notifier opens up
        # to hub.notifier.parallel at once), and a dropped SYN is retried only after 1 s
        request_queue_size = 128

    srv = Server(("127.0.0.1", args.port), Handler)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(f"{srv.server_address[1]}\n")
        os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
