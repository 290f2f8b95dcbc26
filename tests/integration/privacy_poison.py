#!/usr/bin/python3
"""privacy_poison.py VALID_HANDOVER OUTDIR — handovers a careless district could sign and send.

From one valid handover message (single-object Avro, as hub-publish wrote it) makes, with
python3-avro and the writer schema in schemas/handover/v1.avsc (the fingerprint bytes are kept):
  identity.NN   the contact's name, phone or e-mail carries a personnummer in clear (issue 14)
  noground.NN   sealed content with legal_ground `none`
Each gets its own event id and handover id, printed one per line as "FILE HANDOVER_ID".
"""
import io
import os
import sys
import uuid

import avro.io
import avro.schema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "..", "schemas", "handover", "v1.avsc")
PNR = "20150312-2382"  # synthetic, valid check digit (the number of the issue)

valid = open(sys.argv[1], "rb").read()
out = sys.argv[2]
assert valid[:2] == b"\xc3\x01", "not single-object encoded"
schema = avro.schema.parse(open(SCHEMA).read())
header, body = valid[:10], valid[10:]
record = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(body)))


def write(name, rec):
    buf = io.BytesIO()
    avro.io.DatumWriter(schema).write(rec, avro.io.BinaryEncoder(buf))
    with open(os.path.join(out, name), "wb") as f:
        f.write(header + buf.getvalue())
    print(name, rec["handover_id"])


variants = [
    ("identity.00", {"contact": dict(record["contact"], name="Kalle Anka " + PNR)}),
    ("identity.01", {"contact": dict(record["contact"], name="pnr" + PNR.replace("-", ""))}),
    ("identity.02", {"contact": dict(record["contact"], email="k" + PNR + "@example.se")}),
    ("noground.00", {"legal_ground": "none", "sealed_content": os.urandom(96)}),
    ("noground.01", {"legal_ground": "none", "sealed_content": b"\x01" * 64}),
]
for name, change in variants:
    rec = dict(record)
    rec.update(change)
    rec["event_id"] = str(uuid.uuid4())
    rec["handover_id"] = str(uuid.uuid4())
    write(name, rec)
