#!/usr/bin/python3
"""read_topic.py — a consumer outside the hub, written from schemas/SCHEMAS.md alone.

    read_topic.py --bootstrap HOST:PORT --topic TOPIC [--max N] [--idle SECONDS]
                  [-X librdkafka.property=value ...]

Reads TOPIC from the beginning (a throwaway consumer group, nothing committed) with
python3-confluent-kafka and prints one JSON line per message: partition, offset, key and the
decoded value. Every value is Avro single-object encoding: C3 01, the schema's fingerprint
(8 bytes, little-endian), the Avro body. The fingerprint → schema table is read from
schemas/SCHEMAS.md (the table's 'uint64' column and schema file), and the body is decoded with
python3-avro's DatumReader and that schema. It does not compute fingerprints with python3-avro
(whose canonical form differs from the specification for logical types; SCHEMAS.md says why).

Stops after --max messages or when nothing arrived for --idle seconds (default 5). Exit codes:
0 done, 1 a message it cannot decode (named by partition and offset), 2 usage. Needs Debian's
python3-avro and python3-confluent-kafka (/usr/bin/python3). For a cluster with TLS and SCRAM pass
the client properties with -X (security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512, ...).
"""
import argparse
import datetime
import decimal
import io
import json
import os
import re
import sys
import uuid

import avro.io
import avro.schema
from confluent_kafka import Consumer, KafkaError

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = os.path.normpath(os.path.join(HERE, "..", "..", "schemas"))


def schema_table(doc_path):
    """fingerprint (int) -> parsed schema, from the table in SCHEMAS.md."""
    table = {}
    row = re.compile(r"^\| `[^`]+` \| `([^`]+)` \| `0x([0-9a-f]{16})` \|")
    with open(doc_path, encoding="utf-8") as f:
        for line in f:
            m = row.match(line)
            if not m:
                continue
            with open(os.path.join(os.path.dirname(doc_path), m.group(1)), encoding="utf-8") as s:
                table[int(m.group(2), 16)] = avro.schema.parse(s.read())
    if not table:
        raise SystemExit("read_topic.py: no schema table in %s" % doc_path)
    return table


def plain(v):
    """Avro values as JSON: bytes as hex, dates and instants as ISO text."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, (uuid.UUID, decimal.Decimal)):
        return str(v)
    return v


def decode(table, value):
    if value is None:
        return None  # a tombstone (compacted topics)
    if len(value) < 10 or value[:2] != b"\xc3\x01":
        raise ValueError("not Avro single-object encoding (no C3 01 header)")
    fp = int.from_bytes(value[2:10], "little")
    schema = table.get(fp)
    if schema is None:
        raise ValueError("fingerprint %016x is not in SCHEMAS.md" % fp)
    body = io.BytesIO(value[10:])
    datum = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(body))
    if body.tell() != len(value) - 10:
        raise ValueError("%d bytes after the record" % (len(value) - 10 - body.tell()))
    return {"schema": schema.fullname, "value": plain(datum)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--max", type=int, default=0)
    ap.add_argument("--idle", type=float, default=5.0)
    ap.add_argument("--doc", default=os.path.join(SCHEMAS, "SCHEMAS.md"))
    ap.add_argument("-X", action="append", default=[], metavar="PROPERTY=VALUE")
    a = ap.parse_args()
    conf = {"bootstrap.servers": a.bootstrap, "group.id": "read-topic-%s" % uuid.uuid4(),
            "auto.offset.reset": "earliest", "enable.auto.commit": False}
    for p in a.X:
        if "=" not in p:
            ap.error("-X %s: expected PROPERTY=VALUE" % p)
        k, v = p.split("=", 1)
        conf[k] = v
    table = schema_table(a.doc)
    c = Consumer(conf)
    c.subscribe([a.topic])
    n = 0
    idle_since = datetime.datetime.now()
    try:
        while not a.max or n < a.max:
            m = c.poll(0.5)
            if m is None:
                if (datetime.datetime.now() - idle_since).total_seconds() > a.idle:
                    break
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise SystemExit("read_topic.py: %s" % m.error())
            idle_since = datetime.datetime.now()
            try:
                out = decode(table, m.value())
            except Exception as e:  # one line naming the message, exit 1
                print("read_topic.py: %s partition %d offset %d: %s"
                      % (a.topic, m.partition(), m.offset(), e), file=sys.stderr)
                return 1
            key = m.key().decode("utf-8", "replace") if m.key() is not None else None
            print(json.dumps({"partition": m.partition(), "offset": m.offset(), "key": key,
                              **(out or {"value": None})}, ensure_ascii=False))
            n += 1
    finally:
        c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
