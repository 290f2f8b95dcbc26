#!/usr/bin/python3
"""Interop of our Avro codec with Apache Avro's own Python implementation (Debian python3-avro).

Run by test_avro_interop.sh as: avro_interop.py AVRO_TOOL SCHEMA_DIR WORK_DIR

1. canonical: for every schemas/<record>/v<N>.avsc our Parsing Canonical Form equals Python's
   canonical_form, and our fingerprint equals a CRC-64-AVRO computed here.
2. C -> Python: sample events our encoder wrote decode in Python (header checked, body read with
   avro.io.DatumReader to its last byte) to the values our decoder reports.
3. Python -> C: datums written by avro.io.DatumWriter (every enum symbol, nulls and values), framed
   in single-object encoding here, decode in C (JSON and struct paths) to the same values.

python3-avro 1.11.1 keeps a primitive that carries extra attributes (e.g. logicalType) as
{"type":"string"} in its canonical form, where the specification ([PRIMITIVES]) and the Java
implementation, whose fingerprints are the published test vectors, write "string". We follow the
specification; such objects are collapsed here before comparing, and counted in the output.
"""
import datetime
import io
import json
import os
import subprocess
import sys
import uuid
import warnings

import avro.io
import avro.schema

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
EPOCH_DATE = datetime.date(1970, 1, 1)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
VARIANTS = 8

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def crc64_avro(data):
    """CRC-64-AVRO (Rabin) with the table method of the specification."""
    empty = 0xC15D213AA4D7A795
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (empty & -(fp & 1))
        table.append(fp)
    fp = empty
    for b in data:
        fp = (fp >> 8) ^ table[(fp ^ b) & 0xFF]
    return fp


collapsed = 0


def collapse_primitives(node):
    global collapsed
    if isinstance(node, dict):
        if set(node.keys()) == {"type"} and node["type"] in PRIMITIVES:
            collapsed += 1
            return node["type"]
        return {k: collapse_primitives(v) for k, v in node.items()}
    if isinstance(node, list):
        return [collapse_primitives(v) for v in node]
    return node


def spec_canonical(schema):
    return json.dumps(collapse_primitives(json.loads(schema.canonical_form)), separators=(",", ":"))


def tool(avro_tool, *args):
    return subprocess.run([avro_tool, *args], check=True, stdout=subprocess.PIPE).stdout


def plain(v):
    """Python datum -> the JSON shape avro_tool prints."""
    if isinstance(v, datetime.datetime):
        return (v - EPOCH) // datetime.timedelta(milliseconds=1)
    if isinstance(v, datetime.date):
        return (v - EPOCH_DATE).days
    if isinstance(v, bytes):
        return v.decode("latin-1")
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def records(schema_dir):
    """{record: [(version, path, schema)]} sorted by version."""
    out = {}
    for record in sorted(os.listdir(schema_dir)):
        d = os.path.join(schema_dir, record)
        if not os.path.isdir(d):
            continue
        versions = []
        for f in os.listdir(d):
            if f.startswith("v") and f.endswith(".avsc"):
                path = os.path.join(d, f)
                with open(path) as fh:
                    versions.append((int(f[1:-5]), path, avro.schema.parse(fh.read())))
        if versions:
            out[record] = sorted(versions, key=lambda t: t[0])
    return out


def check_canonical(avro_tool, recs):
    n = 0
    for record, versions in recs.items():
        for version, path, schema in versions:
            ours = tool(avro_tool, "canonical", path).decode().rstrip("\n")
            theirs = spec_canonical(schema)
            if ours != theirs:
                fail(f"{path}: canonical form differs\n  C:      {ours}\n  Python: {theirs}")
            fp = tool(avro_tool, "fingerprint", path).decode().strip()
            if int(fp, 16) != crc64_avro(ours.encode()):
                fail(f"{path}: fingerprint {fp} != {crc64_avro(ours.encode()):016x}")
            n += 1
    print(f"canonical: {n} schemas agree ({collapsed} logical-type primitives collapsed in "
          "Python's form)")


def header_fp(data):
    if data[:2] != b"\xc3\x01" or len(data) < 10:
        raise ValueError("no single-object header")
    return int.from_bytes(data[2:10], "little")


def check_c_to_python(avro_tool, recs, work):
    n = 0
    for record, versions in recs.items():
        version, path, schema = versions[-1]
        fp = crc64_avro(spec_canonical(schema).encode())
        for variant in range(VARIANTS):
            data = tool(avro_tool, "encode-sample", record, str(variant))
            where = f"{record} sample {variant}"
            if header_fp(data) != fp:
                fail(f"{where}: header fingerprint {header_fp(data):016x}, want {fp:016x}")
                continue
            body = io.BytesIO(data[10:])
            datum = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(body))
            if body.tell() != len(data) - 10:
                fail(f"{where}: Python read {body.tell()} of {len(data) - 10} body bytes")
            msg = os.path.join(work, f"c_{record}_{variant}.bin")
            with open(msg, "wb") as fh:
                fh.write(data)
            ours = json.loads(tool(avro_tool, "decode", msg))
            if ours["record"] != record or plain(datum) != ours["value"]:
                fail(f"{where}: Python decoded {plain(datum)}\n  C decoded {ours['value']}")
            n += 1
    print(f"C -> Python: {n} messages agree")


def sample_value(schema, name, i):
    """A domain-valid Python datum for field `name` of `schema`, variant i."""
    t = schema.type
    if t == "union":
        branches = [s for s in schema.schemas if s.type != "null"]
        if i % 2 == 1 and len(branches) < len(schema.schemas):
            return None
        return sample_value(branches[0], name, i)
    logical = getattr(schema, "logical_type", None)
    if t == "record":
        return {f.name: sample_value(f.type, f.name, i) for f in schema.fields}
    if t == "enum":
        return schema.symbols[i % len(schema.symbols)]
    if t == "array":
        return [sample_value(schema.items, name, i * 10 + k) for k in range(i % 4)]
    if t == "boolean":
        return i % 2 == 0
    if t == "bytes":
        return bytes((i * 31 + k) % 256 for k in range(40 + i))
    if t == "int":
        if logical == "date":
            return datetime.date(2026, 1, 1) + datetime.timedelta(days=i)
        return 2010 + i % 8 if name == "birth_year" else i
    if t == "long":
        if logical == "timestamp-millis":
            return EPOCH + datetime.timedelta(milliseconds=1767225600123 + i * 1000)
        return i
    if t in ("float", "double"):
        return i + 0.5
    if t == "string":
        if logical == "uuid" or name.endswith("_id") or name == "placements":
            return str(uuid.UUID(int=(0x5EED << 64) + i * 7919, version=4))
        if name == "child":
            return ("%064x" % (0xABCDEF * (i + 1)))[-64:]
        if name == "district":
            return ["jarva", "bromma", "norra-innerstaden"][i % 3]
        if "school_unit" in name:
            return "%08d" % (10000000 + i * 101)
        if name == "placement_municipality":
            return "0180"
        if name == "name":
            return f"Åsa Öberg {i}"
        if name == "role":
            return "skolsamordnare"
        if name == "phone":
            return "" if i % 3 == 0 else "08-508 000 %02d" % i
        if name == "email":
            return f"asa.oberg{i}@stockholm.se"
        return f"text {i}"
    raise ValueError(f"no sample for {t}")


def check_python_to_c(avro_tool, recs, work):
    n = 0
    for record, versions in recs.items():
        version, path, schema = versions[-1]
        fp = crc64_avro(spec_canonical(schema).encode())
        for i in range(VARIANTS):
            datum = sample_value(schema, record, i)
            out = io.BytesIO()
            out.write(b"\xc3\x01" + fp.to_bytes(8, "little"))
            avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(out))
            msg = os.path.join(work, f"py_{record}_{i}.bin")
            with open(msg, "wb") as fh:
                fh.write(out.getvalue())
            res = subprocess.run([avro_tool, "decode", msg], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            if res.returncode != 0:
                fail(f"{record} datum {i}: C could not decode: {res.stderr.decode().strip()}")
                continue
            ours = json.loads(res.stdout)
            if ours["value"] != plain(datum):
                fail(f"{record} datum {i}: Python wrote {plain(datum)}\n  C decoded {ours['value']}")
            n += 1
    print(f"Python -> C: {n} messages agree")


def main():
    if len(sys.argv) != 4:
        print("usage: avro_interop.py AVRO_TOOL SCHEMA_DIR WORK_DIR", file=sys.stderr)
        return 2
    avro_tool, schema_dir, work = sys.argv[1:]
    warnings.simplefilter("error")  # an ignored logical type would hide a wrong sample
    recs = records(schema_dir)
    if not recs:
        print("no schemas found", file=sys.stderr)
        return 1
    check_canonical(avro_tool, recs)
    check_c_to_python(avro_tool, recs, work)
    check_python_to_c(avro_tool, recs, work)
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
