#!/usr/bin/python3
"""make_poison.py VALID_MESSAGE OUTDIR — 100 poison messages made from one valid one.

25 garbage, 25 truncated Avro, 25 with an unknown schema fingerprint, 25 well-formed but naming a
district that does not exist (the valid message must name `farsta`).
"""
import os
import random
import sys

valid = open(sys.argv[1], "rb").read()
out = sys.argv[2]
assert valid[:2] == b"\xc3\x01", "not single-object encoded"
assert b"\x0cfarsta" in valid, "the valid message must name district farsta"
rng = random.Random(5)
for i in range(25):
    body = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200)))
    if body[:2] == b"\xc3\x01":
        body = b"\x00" + body
    open(os.path.join(out, f"garbage.{i:02d}"), "wb").write(body)
    cut = rng.randint(11, len(valid) - 1)
    open(os.path.join(out, f"truncated.{i:02d}"), "wb").write(valid[:cut])
    fp = bytes(rng.getrandbits(8) for _ in range(8))
    open(os.path.join(out, f"fingerprint.{i:02d}"), "wb").write(b"\xc3\x01" + fp + valid[10:])
    open(os.path.join(out, f"district.{i:02d}"), "wb").write(
        valid.replace(b"\x0cfarsta", b"\x0cxxxxxx", 1))
