#!/usr/bin/python3
"""directory_check.py — the `school-directory` topic read as a consumer outside the hub would,
without the hub's C code: signatures with python3-cryptography (sign_tool.py rebuilds the
canonical byte string from hub/crypto/sign.h), values with python3-avro (the fingerprint computed
here with avro_interop.py's CRC-64-AVRO of the schema's canonical form).

  directory_check.py read BOOTSTRAP TOPIC KEYS_CSV SCHEMA
      reads every message of TOPIC and prints one line per message, in order per partition:
        ok KEY JSON        signed by a key of district "hub" in KEYS_CSV, value decoded (JSON with
                           sorted keys), or NULL for a tombstone
        bad KEY REASON     anything else; then exits 1 (after printing every message)

  directory_check.py encode SCHEMA JSON OUT
      writes the record JSON (a school-directory value) to OUT in single-object encoding: what a
      forger without the hub's key can make from the published schema.

  directory_check.py replay BOOTSTRAP TOPIC KEY FILE
      produces FILE's bytes under KEY with the signature headers (hub.sig*) of the newest message
      of KEY on TOPIC: a genuine hub signature on another value.
"""
import io
import json
import os
import sys

import avro.io
import avro.schema
from confluent_kafka import Producer
from cryptography.exceptions import InvalidSignature

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from avro_interop import crc64_avro, spec_canonical  # noqa: E402
from sign_tool import canonical, canonical_v2, load_table, read_all  # noqa: E402

HUB_DISTRICT = "hub"


def load_schema(path):
    schema = avro.schema.parse(open(path, encoding="utf-8").read())
    return schema, crc64_avro(spec_canonical(schema).encode())


def check_signature(keys, topic, key, value, h):
    """None when the message is signed by the hub's key, else why not."""
    if "hub.sig" not in h or "hub.sig.key" not in h:
        return "unsigned (no hub.sig/hub.sig.key)"
    kid = h["hub.sig.key"].decode(errors="replace")
    if kid not in keys:
        return f"unknown key {kid}"
    district, pub = keys[kid]
    if district != HUB_DISTRICT:
        return f"key {kid} is district {district}'s, not the hub's"
    if len(h["hub.sig"]) != 64:
        return f"hub.sig is {len(h['hub.sig'])} bytes"
    version = h.get("hub.sig.v", b"1").decode(errors="replace")
    if version == "2":
        signed = canonical_v2(int(h["hub.sig.time"].decode()), topic, key, value)
    elif version == "1":
        signed = canonical(topic, key, value)
    else:
        return f"hub.sig.v {version!r}"
    try:
        pub.verify(h["hub.sig"], signed)
    except InvalidSignature:
        return f"signature by {kid} does not verify"
    return None


def decode(schema, fp, value):
    if len(value) < 10 or value[:2] != b"\xc3\x01":
        raise ValueError("not Avro single-object encoding")
    got = int.from_bytes(value[2:10], "little")
    if got != fp:
        raise ValueError(f"fingerprint {got:016x}, schema's {fp:016x}")
    buf = io.BytesIO(value[10:])
    rec = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(buf))
    if buf.read():
        raise ValueError("bytes after the record")
    return rec


def cmd_read(bootstrap, topic, keys_csv, schema_path):
    keys = load_table(keys_csv)
    schema, fp = load_schema(schema_path)
    bad = 0
    for t, key, value, headers, _ts in read_all(bootstrap, [topic]):
        k = (key or b"").decode(errors="replace")
        why = check_signature(keys, t, key, value, dict(headers))
        if why is None and value is not None:
            try:
                rec = decode(schema, fp, value)
            except Exception as e:  # noqa: BLE001 — any decoding failure is a bad message
                why = f"value does not decode: {e}"
        if why is not None:
            bad += 1
            print(f"bad {k} {why}")
        elif value is None:
            print(f"ok {k} NULL")
        else:
            print(f"ok {k} {json.dumps(rec, sort_keys=True, ensure_ascii=False, separators=(',', ':'))}")
    return 1 if bad else 0


def cmd_encode(schema_path, record_json, out):
    schema, fp = load_schema(schema_path)
    buf = io.BytesIO()
    avro.io.DatumWriter(schema).write(json.loads(record_json), avro.io.BinaryEncoder(buf))
    with open(out, "wb") as f:
        f.write(b"\xc3\x01" + fp.to_bytes(8, "little") + buf.getvalue())
    return 0


def cmd_replay(bootstrap, topic, key, path):
    sig = None
    for _t, k, _v, headers, _ts in read_all(bootstrap, [topic]):
        if k == key.encode():
            sig = [(n, v) for n, v in headers if n.startswith("hub.sig")]
    if not sig:
        raise SystemExit(f"replay: no signed message of {key} on {topic}")
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    p.produce(topic, value=open(path, "rb").read(), key=key.encode(), headers=sig)
    if p.flush(30) != 0:
        raise SystemExit("replay: message not acknowledged")
    return 0


def main():
    cmds = {"read": (cmd_read, 4), "encode": (cmd_encode, 3), "replay": (cmd_replay, 4)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or len(sys.argv) - 2 != cmds[sys.argv[1]][1]:
        raise SystemExit(__doc__)
    fn, _n = cmds[sys.argv[1]]
    return fn(*sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
