#!/usr/bin/env python3
"""A school acknowledging a handover at hub-notifier's POST /v1/receipts, signed independently of
the hub's C (Standard Webhooks: HMAC-SHA256 over "{id}.{timestamp}.{body}", "v1,<base64>").

    receipt_client.py --port N --secret-file F --handover U --school S
                      [--bad-signature] [--timestamp-offset SECONDS] [--no-signature]

Prints "<HTTP status> <response body>" on one line; exit 0 whenever an answer came.
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import sys
import time
import uuid


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--secret-file", required=True)
    ap.add_argument("--handover", required=True)
    ap.add_argument("--school", required=True)
    ap.add_argument("--bad-signature", action="store_true")
    ap.add_argument("--no-signature", action="store_true")
    ap.add_argument("--timestamp-offset", type=int, default=0)
    args = ap.parse_args()
    with open(args.secret_file, "rb") as f:
        secret = f.read()
    body = json.dumps({"handover_id": args.handover, "school_unit": args.school},
                      separators=(",", ":")).encode()
    wid = "ack_" + uuid.uuid4().hex
    ts = str(int(time.time()) + args.timestamp_offset)
    mac = hmac.new(secret, wid.encode() + b"." + ts.encode() + b"." + body, hashlib.sha256)
    digest = bytearray(mac.digest())
    if args.bad_signature:
        digest[0] ^= 1
    headers = {"Content-Type": "application/json"}
    if not args.no_signature:
        headers.update({"webhook-id": wid, "webhook-timestamp": ts,
                        "webhook-signature": "v1," + base64.b64encode(bytes(digest)).decode()})
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
    conn.request("POST", "/v1/receipts", body=body, headers=headers)
    r = conn.getresponse()
    print(r.status, r.read().decode().strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
