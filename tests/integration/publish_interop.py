#!/usr/bin/python3
"""What `hub-publish` puts on the topics, read back with independent clients.

Used by test_publish_interop.sh, test_publish_bad_input.sh and tests/bench/bench_publish.sh:

  publish_interop.py pnr YYYYMMDDNNN          the 12-digit number with its Luhn check digit
  publish_interop.py events OUT.jsonl         interop input: every event type, every number form
  publish_interop.py bulk N OUT.jsonl         N valid events of all types (benchmarks)
  publish_interop.py forms EVENTS.jsonl...    every personnummer of the input in 10- and 12-digit
                                              form, with and without separator, one per line
  publish_interop.py verify BOOTSTRAP SCHEMA_DIR KEY_FILE EVENTS.jsonl
      reads every partition of every topic from the beginning with python3-confluent-kafka
      (librdkafka through its own binding, not our code) and checks that the topics hold exactly
      the input events, once each: the single-object header (C3 01 + CRC-64-AVRO fingerprint of
      the writer schema's canonical form, computed here), the body decoded by python3-avro with
      the writer schema from schemas/<record>/v*.avsc, every field equal to what the input says
      it must be (pseudonym = HMAC-SHA256 of the normalised 12-digit number, computed here;
      birth year and legal sex derived; dates as days, instants as milliseconds), and the Kafka
      key (the pseudonym; a contact change, which names no child, is keyed by its district).

Nothing here imports the hub's code: the normalisation, HMAC, canonical form fingerprint and
decoding are all done independently, so a bug on our side cannot be mirrored here.
"""
import datetime
import hashlib
import hmac
import io
import json
import os
import re
import sys
import time
import uuid

EPOCH_DATE = datetime.date(1970, 1, 1)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
CHILD_TYPES = {"placement", "school_start", "handover"}
TOPIC_OF = {
    "placement": "placement-events",
    "school_start": "school-start-events",
    "handover": "handover-events",
    "contact_change": "contact-change-events",
}


# --- personnummer ---------------------------------------------------------------------------

def luhn(nine):
    """Luhn check digit of the first nine digits of the 10-digit form."""
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return (10 - total % 10) % 10


def pnr12(eleven):
    """'YYYYMMDDNNN' -> 'YYYYMMDDNNNC'."""
    return eleven + str(luhn(eleven[2:11]))


PNR_RE = re.compile(r"(\d{2})?(\d{6})([-+]?)(\d{4})")


def normalise(s, today=None):
    """The 12-digit form of a personnummer or samordningsnummer as SKV 704 defines it: a 10-digit
    form lies in the latest century that does not put the birth date after today, 100 years
    earlier with '+'. Samordningsnummer keep day + 60."""
    m = PNR_RE.fullmatch(s)
    if not m:
        raise ValueError("not a personnummer form")
    century, yymmdd, sep, tail = m.groups()
    if century:
        return century + yymmdd + tail
    today = today or datetime.datetime.now(datetime.timezone.utc).date()
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    if dd > 60:
        dd -= 60
    year = today.year - today.year % 100 + yy
    if datetime.date(year, mm, dd) > today:
        year -= 100
    if sep == "+":
        year -= 100
    return "%04d%s%s" % (year, yymmdd[2:], tail)


def forms(norm):
    """Every way the number can be written: 12 and 10 digits, with and without separator."""
    return [norm, norm[:8] + "-" + norm[8:], norm[2:], norm[2:8] + "-" + norm[8:],
            norm[2:8] + "+" + norm[8:]]


def pseudonym(key, norm):
    return hmac.new(key, norm.encode("ascii"), hashlib.sha256).hexdigest()


# --- input ----------------------------------------------------------------------------------

def contact(name, n):
    return {"name": name, "role": "skolsamordnare", "phone": "08-508 000 %02d" % n,
            "email": "kontakt%d@example.se" % n}


def interop_events():
    """Every type, every optional field present and absent, every number form."""
    a = pnr12("20150312238")                       # 12 digits
    b = pnr12("20140972671")                       # samordningsnummer (day 12 + 60)
    c = pnr12("20120815123")                       # a boy
    d = pnr12("20100303456")
    e = pnr12("20170101987")
    f = pnr12("19151212123")                       # born 1915: written with '+'
    pl1, pl2, pl3 = ("a1b2c3d4-0000-4000-8000-%012d" % i for i in (1, 2, 3))
    ev = []

    def eid(i):
        return "3f1c9a2e-0b6d-4e8a-9c1f-%012d" % i

    ev.append({"type": "placement", "event_id": eid(1), "occurred_at": "2026-03-02T09:15:00+01:00",
               "district": "farsta", "personnummer": a[:8] + "-" + a[8:], "placement_id": pl1,
               "action": "started", "legal_basis": "SoL", "placement_form": "familjehem",
               "start_date": "2026-03-02", "school_change": True, "placement_municipality": "0138"})
    ev.append({"type": "placement", "event_id": eid(2).upper(),
               "occurred_at": "2026-03-20T10:00:00.123Z", "district": "jarva",
               "personnummer": b[2:8] + "-" + b[8:], "placement_id": pl2, "action": "started",
               "legal_basis": "LVU", "placement_form": "hvb", "start_date": "2026-03-19",
               "school_change": False})
    ev.append({"type": "placement", "event_id": eid(3), "occurred_at": "2026-06-30T16:00:00+02:00",
               "district": "jarva", "personnummer": b, "placement_id": pl2, "action": "ended",
               "legal_basis": "LVU", "placement_form": "hvb", "start_date": "2026-03-19",
               "end_date": "2026-06-30", "school_change": False})
    ev.append({"type": "placement", "event_id": eid(4), "occurred_at": "2025-12-31T23:59:59-05:00",
               "district": "bromma", "personnummer": c[2:], "placement_id": pl3,
               "action": "changed", "legal_basis": "SoL", "placement_form": "behandlingsfamilj",
               "start_date": "2025-11-01", "school_change": True, "placement_municipality": "1480"})
    ev.append({"type": "placement", "event_id": eid(5), "occurred_at": "2023-06-30T21:59:59Z",
               "district": "rinkeby-kista", "personnummer": f[2:8] + "+" + f[8:],
               "placement_id": pl3, "action": "changed", "legal_basis": "SoL",
               "placement_form": "jourhem", "start_date": "2023-06-01", "school_change": False})
    ev.append({"type": "school_start", "event_id": eid(6),
               "occurred_at": "2026-03-12T08:05:00+01:00", "district": "farsta",
               "personnummer": a, "placement_id": pl1.upper(), "school_unit": "12345678",
               "school_form": "grundskola", "start_date": "2026-03-12"})
    ev.append({"type": "school_start", "event_id": eid(7), "occurred_at": "2026-08-20T07:00:00Z",
               "district": "skarholmen", "personnummer": d[2:8] + "-" + d[8:],
               "placement_id": pl3, "school_unit": "87654321",
               "school_form": "anpassad_gymnasieskola", "start_date": "1970-01-01"})
    ev.append({"type": "handover", "event_id": eid(8), "occurred_at": "2026-03-03T14:00:00+01:00",
               "district": "farsta", "personnummer": a, "handover_id": "7e0d1c2b-0000-4000-8000-"
               "000000000001", "placement_id": pl1, "receiving_school_unit": "12345678",
               "sending_school_unit": "87654321", "planned_start_date": "2026-03-09",
               "legal_ground": "consent_guardian",
               "contact": contact("Anna Handläggare", 0)})
    ev.append({"type": "handover", "event_id": eid(9), "occurred_at": "2026-09-01T12:00:00+02:00",
               "district": "norra-innerstaden", "personnummer": e[:8] + "-" + e[8:],
               "handover_id": "7e0d1c2b-0000-4000-8000-000000000002", "placement_id": pl3,
               "receiving_school_unit": "11112222", "planned_start_date": "2026-09-07",
               "legal_ground": "none", "contact": contact("Åsa Öberg-Ünal", 1)})
    ev.append({"type": "contact_change", "event_id": eid(10),
               "occurred_at": "2026-04-01T09:00:00+02:00", "district": "farsta",
               "old_contact": contact("Anna Handläggare", 0),
               "new_contact": contact("Bo Samordnare", 1), "school_units": ["12345678"],
               "placements": [], "effective_date": "2026-04-01"})
    ev.append({"type": "contact_change", "event_id": eid(11), "occurred_at": "2026-05-04T10:30:00Z",
               "district": "jarva", "old_contact": contact("Bo Samordnare", 1),
               "new_contact": contact("Cecilia Ek", 2), "school_units": ["12345678", "87654321"],
               "placements": [pl1, pl2], "effective_date": "2026-05-11"})
    ev.append({"type": "contact_change", "event_id": eid(12), "occurred_at": "2026-05-05T10:30:00Z",
               "district": "bromma", "old_contact": contact("Cecilia Ek", 2),
               "new_contact": contact("David Lund", 3), "placements": [pl3.upper()],
               "effective_date": "2026-05-05"})
    return ev


def bulk_events(n):
    """n valid events, mostly placements, over n/20 children (so keys spread over partitions)."""
    kinds = ["placement"] * 5 + ["school_start"] * 2 + ["handover", "contact_change"]
    children = max(1, n // 20)
    pnrs = []
    for i in range(children):
        day = 1 + i % 28
        birth = "20%02d%02d%02d%03d" % (8 + i % 10, 1 + (i // 28) % 12, day, i % 1000)
        p = pnr12(birth)
        pnrs.append(p[:8] + "-" + p[8:])
    for i in range(n):
        t = kinds[i % len(kinds)]
        ev = {"type": t, "event_id": str(uuid.UUID(int=(0xBE7C << 96) + i, version=4)),
              "occurred_at": "2026-03-%02dT09:%02d:%02d+01:00" % (1 + i % 28, i % 60, i // 60 % 60),
              "district": ["farsta", "jarva", "bromma", "sodermalm"][i % 4]}
        pl = str(uuid.UUID(int=(0x91AC << 96) + i // 3, version=4))
        if t != "contact_change":
            ev["personnummer"] = pnrs[i % children]
        if t == "placement":
            ev.update({"placement_id": pl, "action": "started", "legal_basis": "SoL",
                       "placement_form": "familjehem", "start_date": "2026-03-02",
                       "school_change": True, "placement_municipality": "0180"})
        elif t == "school_start":
            ev.update({"placement_id": pl, "school_unit": "%08d" % (10000000 + i % 5000),
                       "school_form": "grundskola", "start_date": "2026-03-12"})
        elif t == "handover":
            ev.update({"handover_id": str(uuid.UUID(int=(0x4A4D << 96) + i, version=4)),
                       "placement_id": pl, "receiving_school_unit": "12345678",
                       "planned_start_date": "2026-03-09", "legal_ground": "consent_guardian",
                       "contact": contact("Anna Handläggare", i % 100)})
        else:
            ev.update({"old_contact": contact("Anna Handläggare", 0),
                       "new_contact": contact("Bo Samordnare", 1),
                       "school_units": ["12345678"], "placements": [pl],
                       "effective_date": "2026-04-01"})
        yield ev


def write_jsonl(path, events):
    with open(path, "w", encoding="utf-8") as fh:
        for ev in events:
            fh.write(json.dumps(ev, ensure_ascii=False, separators=(",", ":")) + "\n")


def read_jsonl(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# --- expected values ------------------------------------------------------------------------

def days(s):
    return (datetime.date.fromisoformat(s) - EPOCH_DATE).days


def millis(s):
    t = datetime.datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    return (t - EPOCH) // datetime.timedelta(milliseconds=1)


def expected(ev, key):
    """The record the hub must publish for input `ev` (field -> plain value). Uuids are written
    in canonical (lowercase) form whatever case the input used."""
    ev = dict(ev)
    for k in ("placement_id", "handover_id"):
        if k in ev:
            ev[k] = ev[k].lower()
    if "placements" in ev:
        ev["placements"] = [p.lower() for p in ev["placements"]]
    t = ev["type"]
    out = {"event_id": ev["event_id"].lower(), "occurred_at": millis(ev["occurred_at"]),
           "district": ev["district"]}
    if t in CHILD_TYPES:
        norm = normalise(ev["personnummer"])
        out["child"] = pseudonym(key, norm)
        out["birth_year"] = int(norm[:4])
        out["legal_sex"] = "male" if int(norm[10]) % 2 else "female"
    if t == "placement":
        out.update({k: ev[k] for k in ("placement_id", "action", "legal_basis", "placement_form",
                                       "school_change")})
        out["start_date"] = days(ev["start_date"])
        out["end_date"] = days(ev["end_date"]) if "end_date" in ev else None
        out["placement_municipality"] = ev.get("placement_municipality")
    elif t == "school_start":
        out.update({k: ev[k] for k in ("placement_id", "school_unit", "school_form")})
        out["start_date"] = days(ev["start_date"])
    elif t == "handover":
        out.update({k: ev[k] for k in ("handover_id", "placement_id", "receiving_school_unit",
                                       "legal_ground", "contact")})
        out["sending_school_unit"] = ev.get("sending_school_unit")
        out["planned_start_date"] = days(ev["planned_start_date"])
        out["sealed_content"] = None
    elif t == "contact_change":
        out.update({k: ev[k] for k in ("old_contact", "new_contact")})
        out["school_units"] = ev.get("school_units", [])
        out["placements"] = ev.get("placements", [])
        out["effective_date"] = days(ev["effective_date"])
    return out


# --- Avro: canonical form, fingerprint, decoding --------------------------------------------

def crc64_avro(data):
    """CRC-64-AVRO (Rabin), the table method of the Avro specification."""
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


def collapse_primitives(node):
    """python3-avro 1.11.1 writes a primitive carrying a logicalType as {"type":"string"} in its
    canonical form; the specification's [PRIMITIVES] rule (and the Java implementation, whose
    fingerprints are the published vectors) writes "string". Follow the specification."""
    if isinstance(node, dict):
        if set(node) == {"type"} and node["type"] in PRIMITIVES:
            return node["type"]
        return {k: collapse_primitives(v) for k, v in node.items()}
    if isinstance(node, list):
        return [collapse_primitives(v) for v in node]
    return node


def fingerprint(schema):
    """CRC-64-AVRO of the Parsing Canonical Form, from avro's own canonical_form (and avro's
    own fingerprint, where this avro has one, must agree)."""
    raw = json.dumps(json.loads(schema.canonical_form), separators=(",", ":"))
    canonical = json.dumps(collapse_primitives(json.loads(schema.canonical_form)),
                           separators=(",", ":"))
    fp = crc64_avro(canonical.encode("utf-8"))
    own = getattr(schema, "fingerprint", None)  # newer python3-avro; 1.11.1 has none
    if callable(own) and raw == canonical:
        try:
            digest = bytes(own("CRC-64-AVRO"))
        except Exception:  # noqa: BLE001 - that avro lacks the algorithm: ours stands alone
            digest = None
        if digest is not None and fp not in (int.from_bytes(digest, "little"),
                                             int.from_bytes(digest, "big")):
            raise AssertionError("avro's own CRC-64-AVRO %s != ours %016x" % (digest.hex(), fp))
    return fp


def load_schemas(schema_dir):
    """{record: {"by_fp": {fp: (version, schema)}, "newest": fp}}"""
    import avro.schema
    out = {}
    for record in sorted(os.listdir(schema_dir)):
        d = os.path.join(schema_dir, record)
        if not os.path.isdir(d):
            continue
        by_fp, newest = {}, (-1, None)
        for f in os.listdir(d):
            m = re.fullmatch(r"v(\d+)\.avsc", f)
            if not m:
                continue
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                schema = avro.schema.parse(fh.read())
            fp = fingerprint(schema)
            by_fp[fp] = (int(m.group(1)), schema)
            newest = max(newest, (int(m.group(1)), fp), key=lambda x: x[0])
        if by_fp:
            out[record] = {"by_fp": by_fp, "newest": newest[1]}
    return out


def plain(v):
    """python3-avro's logical values back to what is on the wire: days, milliseconds."""
    if isinstance(v, datetime.datetime):
        return (v - EPOCH) // datetime.timedelta(milliseconds=1)
    if isinstance(v, datetime.date):
        return (v - EPOCH_DATE).days
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def decode(value, schemas, record):
    """Checks the single-object header and decodes the body; returns (datum, schema)."""
    import avro.io
    if len(value) < 10 or value[:2] != b"\xc3\x01":
        raise ValueError("no single-object header (C3 01)")
    fp = int.from_bytes(value[2:10], "little")
    rec = schemas[record]
    if fp not in rec["by_fp"]:
        raise ValueError("fingerprint %016x is none of schemas/%s/v*.avsc" % (fp, record))
    if fp != rec["newest"]:
        raise ValueError("fingerprint %016x is not the newest schemas/%s version" % (fp, record))
    schema = rec["by_fp"][fp][1]
    body = io.BytesIO(value[10:])
    datum = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(body))
    if body.tell() != len(value) - 10:
        raise ValueError("%d trailing bytes after the record" % (len(value) - 10 - body.tell()))
    return plain(datum), schema


def field_default(schema, name):
    for f in schema.fields:
        if f.name == name:
            return f.default if f.has_default else "<no default>"
    return "<no such field>"


# --- reading every topic --------------------------------------------------------------------

def read_all(bootstrap, timeout=30.0):
    """Every message of every partition of every topic, from the beginning, as
    (topic, partition, offset, key, value); stops at the high watermarks taken first."""
    from confluent_kafka import Consumer, TopicPartition, KafkaException
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "publish-interop-%d" % os.getpid(),
                  "enable.auto.commit": False, "enable.partition.eof": False,
                  "auto.offset.reset": "earliest"})
    try:
        md = c.list_topics(timeout=10)
        assign, remaining = [], {}
        for name, t in sorted(md.topics.items()):
            if name.startswith("__"):
                continue
            if t.error is not None:
                raise KafkaException(t.error)
            for p in t.partitions:
                lo, hi = c.get_watermark_offsets(TopicPartition(name, p), timeout=10)
                if hi > lo:
                    assign.append(TopicPartition(name, p, lo))
                    remaining[(name, p)] = hi
        out = []
        if assign:
            c.assign(assign)
        deadline = time.monotonic() + timeout
        while remaining and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                raise KafkaException(m.error())
            tp = (m.topic(), m.partition())
            out.append((m.topic(), m.partition(), m.offset(), m.key(), m.value()))
            if tp in remaining and m.offset() + 1 >= remaining[tp]:
                del remaining[tp]
        if remaining:
            raise TimeoutError("partitions not read to their end: %s" % sorted(remaining))
        return out
    finally:
        c.close()


def verify(bootstrap, schema_dir, key_file, events_path):
    with open(key_file, "rb") as fh:
        key = fh.read()
    events = read_jsonl(events_path)
    schemas = load_schemas(schema_dir)
    want = {}
    for ev in events:
        want[ev["event_id"].lower()] = (ev, expected(ev, key))
    msgs = read_all(bootstrap)
    failures, seen = [], {}
    record_of_topic = {topic: rec for rec, topic in TOPIC_OF.items()}
    for topic, part, off, k, value in msgs:
        where = "%s[%d]@%d" % (topic, part, off)
        record = record_of_topic.get(topic)
        if record is None:
            failures.append("%s: a message on a topic no event goes to" % where)
            continue
        try:
            datum, schema = decode(value, schemas, record)
        except Exception as exc:  # noqa: BLE001 - reported, then the next message
            failures.append("%s: %s" % (where, exc))
            continue
        eid = datum.get("event_id")
        seen[eid] = seen.get(eid, 0) + 1
        if eid not in want:
            failures.append("%s: event_id %s is not in the input" % (where, eid))
            continue
        ev, exp = want[eid]
        if TOPIC_OF[ev["type"]] != topic:
            failures.append("%s: %s event %s on the wrong topic" % (where, ev["type"], eid))
        for name, value_ in exp.items():
            if datum.get(name, "<absent>") != value_:
                failures.append("%s: %s: %s = %r, expected %r" % (where, eid, name,
                                                                  datum.get(name, "<absent>"),
                                                                  value_))
        for name in datum:
            if name not in exp and datum[name] != field_default(schema, name):
                failures.append("%s: %s: %s = %r, not in the input and not its default" %
                                (where, eid, name, datum[name]))
        want_key = exp["child"] if ev["type"] in CHILD_TYPES else ev["district"]
        if k != want_key.encode("utf-8"):
            failures.append("%s: %s: key %r, expected %r" % (where, eid, k, want_key))
    for eid in want:
        if seen.get(eid, 0) != 1:
            failures.append("event_id %s is on the topics %d times, expected once" %
                            (eid, seen.get(eid, 0)))
    for f in failures:
        print("FAIL:", f)
    print("verify: %d messages read, %d events expected, %d failures" %
          (len(msgs), len(want), len(failures)))
    return 1 if failures else 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "pnr" and len(argv) == 3 and re.fullmatch(r"\d{11}", argv[2]):
        print(pnr12(argv[2]))
    elif cmd == "events" and len(argv) == 3:
        write_jsonl(argv[2], interop_events())
    elif cmd == "bulk" and len(argv) == 4:
        write_jsonl(argv[3], bulk_events(int(argv[2])))
    elif cmd == "forms" and len(argv) >= 3:
        found = set()
        for path in argv[2:]:
            for ev in read_jsonl(path):
                if "personnummer" in ev:
                    found.update(forms(normalise(ev["personnummer"])))
        print("\n".join(sorted(found)))
    elif cmd == "verify" and len(argv) == 6:
        return verify(*argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
