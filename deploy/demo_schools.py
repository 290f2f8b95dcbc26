#!/usr/bin/python3
"""demo_schools.py — every demo school's webhook receiver, in one process, for deploy/run.sh.

Each school lives at http://127.0.0.1:PORT/schools/<skolenhetskod> and has its own signing secret
(SECRETS/<code>.secret) and X25519 private key (KEYS/<code>.pem). A notification is accepted only
when its Standard Webhooks signature verifies under that school's secret (HMAC-SHA256 over
"{webhook-id}.{webhook-timestamp}.{body}", timestamp within 5 minutes); it is recorded once per
webhook-id. As NOTIFIER.md tells a school to, the raw body of every accepted notification is
stored (INBOX/<skolenhetskod>/<webhook-id>.json, mode 0600), and a handover's sealed content is
opened from that file with the school's private key: `hub-open --key KEYS/<code>.pem --delivery
FILE`; it counts as opened when the output parses as JSON. The log (one JSON line per accepted
notification) holds ids and counts only, never the content.

    demo_schools.py --secrets DIR --keys DIR --inbox DIR --hub-open PATH --log FILE --port-file FILE
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import threading
import time

TOLERANCE_S = 300


def verify(secret, headers, body):
    wid, ts, sig = (headers.get(h) for h in ("webhook-id", "webhook-timestamp",
                                              "webhook-signature"))
    if not wid or not ts or not sig or not ts.isdigit():
        return False
    if abs(time.time() - int(ts)) > TOLERANCE_S:
        return False
    expected = hmac.new(secret, f"{wid}.{ts}.".encode() + body, hashlib.sha256).digest()
    for entry in sig.split(" "):
        if entry.startswith("v1,"):
            try:
                if hmac.compare_digest(base64.b64decode(entry[3:], validate=True), expected):
                    return True
            except ValueError:
                continue
    return False


def main():
    ap = argparse.ArgumentParser()
    for a in ("--secrets", "--keys", "--inbox", "--hub-open", "--log", "--port-file"):
        ap.add_argument(a, required=True)
    args = ap.parse_args()
    lock = threading.Lock()
    seen = set()
    log = open(args.log, "a", encoding="utf-8")

    def store(code, wid, body):
        folder = os.path.join(args.inbox, code)
        os.makedirs(folder, mode=0o700, exist_ok=True)
        path = os.path.join(folder, wid + ".json")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(body)
        return path

    def open_sealed(code, path):
        r = subprocess.run([args.hub_open, "--key", os.path.join(args.keys, code + ".pem"),
                            "--delivery", "--school-unit", code, path], capture_output=True)
        if r.returncode != 0:
            return False
        json.loads(r.stdout)
        return True

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def answer(self, status):
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):
            parts = self.path.strip("/").split("/")
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if len(parts) != 2 or parts[0] != "schools" or not parts[1].isdigit():
                return self.answer(404)
            code = parts[1]
            try:
                secret = open(os.path.join(args.secrets, code + ".secret"), "rb").read()
            except OSError:
                return self.answer(404)
            if not verify(secret, self.headers, body):
                return self.answer(401)
            note = json.loads(body)
            wid = self.headers["webhook-id"]
            with lock:
                duplicate = wid in seen
                seen.add(wid)
            opened = None
            if not duplicate and wid.replace("-", "").isalnum():
                path = store(code, wid, body)
                if note.get("sealed_content"):
                    opened = open_sealed(code, path)
            with lock:
                log.write(json.dumps({"school": code, "type": note.get("type"),
                                      "handover_id": note.get("handover_id"),
                                      "webhook_id": wid, "duplicate": duplicate,
                                      "addressed_here": note.get("receiving_school_unit",
                                                                 code) == code,
                                      "opened": opened}) + "\n")
                log.flush()
            self.answer(200)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
