#!/usr/bin/python3
"""sign_tool.py — event signatures done independently of the hub's C code (hub/crypto/sign.h).

Ed25519 comes from python3-cryptography, Kafka from python3-confluent-kafka; the canonical byte
string is rebuilt here from its description in hub/crypto/sign.h, so a mismatch on either side shows.

  sign_tool.py produce BOOTSTRAP TOPIC KEY PEM KEY_ID FILE...
      produces each FILE's bytes as one message with key KEY, signed with the private key PEM
      and headers hub.sig / hub.sig.key=KEY_ID (test_readmodel_poison.sh: poison that is
      properly signed, so decoding and district checks are what reject it).

  sign_tool.py verify BOOTSTRAP KEYS_CSV TOPIC... 
      reads every message of the TOPICs and verifies its signature against the key table;
      prints "verified N" or exits 1 naming the first message that fails.

  sign_tool.py resign BOOTSTRAP SRC_PREFIX PEM KEY_ID VERSION SIGNED_AT_MS KAFKA_TS_MS
      re-produces every message hub-publish put on the SRC_PREFIX-prefixed event topics onto the
      unprefixed topic, signed with PEM as KEY_ID: VERSION 1 (no hub.sig.v) or 2 (signed at
      SIGNED_AT_MS, in hub.sig.time), with the Kafka timestamp KAFKA_TS_MS (test_signed_time.sh:
      a retired or revoked key signing new events dated back).

  sign_tool.py retime BOOTSTRAP SRC_PREFIX PEM KEY_ID SCHEMA OCCURRED_AT
      re-produces every placement event hub-publish put on SRC_PREFIXplacement-events onto
      placement-events with its occurred_at set to OCCURRED_AT (ISO 8601, e.g.
      9999-12-31T00:00:00+00:00), decoded and re-encoded with python3-avro and SCHEMA (the
      writer's .avsc), then signed now (version 2) with PEM as KEY_ID (test_event_future.sh).

  sign_tool.py forge BOOTSTRAP SRC_PREFIX KEY_DIR OUT_LOG
      reads every message hub-publish put on the SRC_PREFIX-prefixed event topics (properly
      signed for those topics) and re-produces each onto the unprefixed topic as one kind of
      forgery, round-robin; the first message is instead signed (version 1) with farsta-old
      (expired in 2020) with a Kafka timestamp of 2020-06-01, when that key was valid: the hub
      judges keys on when it first saw a message, so it must be refused as an expired key.
      Keys: KEY_DIR/<key_id>.pem. Writes "KIND" per forged message to OUT_LOG.
"""
import struct
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
import base64

EVENT_TOPICS = ["placement-events", "school-start-events", "handover-events",
                "handover-receipts", "contact-change-events"]


def canonical(topic, key, value):
    parts = [topic.encode(), key or b"", value or b""]
    return b"".join(struct.pack(">I", len(p)) + p for p in parts)


def canonical_v2(signed_at_ms, topic, key, value):
    return b"SAMS-HUB-SIG-2" + struct.pack(">Q", signed_at_ms) + canonical(topic, key, value)


def load_private(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def read_all(bootstrap, topics):
    """Every message of `topics` from the beginning: (topic, key, value, headers, timestamp)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "sign-tool",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    md = c.list_topics(timeout=10)
    parts = [TopicPartition(t, p, 0) for t in topics if t in md.topics
             for p in md.topics[t].partitions]
    out = []
    if not parts:
        c.close()
        return out
    c.assign(parts)
    left = {(tp.topic, tp.partition) for tp in parts}
    deadline = time.time() + 60
    while left and time.time() < deadline:
        m = c.poll(1.0)
        if m is None:
            continue
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                left.discard((m.topic(), m.partition()))
                continue
            raise SystemExit(f"consume error: {m.error()}")
        out.append((m.topic(), m.key(), m.value(), m.headers() or [], m.timestamp()[1]))
    c.close()
    if left:
        raise SystemExit(f"did not reach the end of {sorted(left)}")
    return out


def producer(bootstrap):
    # message.max.bytes above the hub's own limit: tests play a foreign producer that writes what a
    # stock broker accepts (up to 1048588 bytes), which no hub producer would send.
    return Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
                     "message.max.bytes": 2000000})


def flush(p):
    if p.flush(30) != 0:
        raise SystemExit("messages not acknowledged")


def cmd_produce(bootstrap, topic, key, pem, key_id, *files):
    k = load_private(pem)
    p = producer(bootstrap)
    for name in files:
        value = open(name, "rb").read()
        sig = k.sign(canonical(topic, key.encode(), value))
        p.produce(topic, value=value, key=key.encode(),
                  headers=[("hub.sig", sig), ("hub.sig.key", key_id.encode())])
    flush(p)
    print(f"produced {len(files)}")


def load_table(path):
    keys = {}
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("key_id,"):
            continue
        kid, district, pub = line.split(",")[:3]
        keys[kid] = (district, Ed25519PublicKey.from_public_bytes(base64.b64decode(pub)))
    return keys


def cmd_verify(bootstrap, keys_csv, *topics):
    keys = load_table(keys_csv)
    n = 0
    for topic, key, value, headers, _ts in read_all(bootstrap, list(topics)):
        h = dict(headers)
        if "hub.sig" not in h or "hub.sig.key" not in h:
            raise SystemExit(f"{topic}: a message without hub.sig/hub.sig.key")
        kid = h["hub.sig.key"].decode()
        if kid not in keys:
            raise SystemExit(f"{topic}: unknown key {kid}")
        if len(h["hub.sig"]) != 64:
            raise SystemExit(f"{topic}: hub.sig is {len(h['hub.sig'])} bytes")
        version = h.get("hub.sig.v", b"1").decode()
        if version == "2":
            signed = canonical_v2(int(h["hub.sig.time"].decode()), topic, key, value)
        elif version == "1":
            signed = canonical(topic, key, value)
        else:
            raise SystemExit(f"{topic}: hub.sig.v {version!r}")
        try:
            keys[kid][1].verify(h["hub.sig"], signed)
        except InvalidSignature:
            raise SystemExit(f"{topic}: signature by {kid} does not verify")
        n += 1
    print(f"verified {n}")


KINDS = ["unsigned", "other_district", "altered", "unknown_key", "expired_key", "not_yet_valid",
         "moved_topic", "short_sig"]


def cmd_resign(bootstrap, src_prefix, pem, key_id, version, signed_at_ms, kafka_ts_ms):
    src = read_all(bootstrap, [src_prefix + t for t in EVENT_TOPICS])
    k = load_private(pem)
    p = producer(bootstrap)
    for stopic, key, value, _headers, _ts in src:
        topic = stopic[len(src_prefix):]
        hdrs = [("hub.sig.key", key_id.encode())]
        if version == "2":
            hdrs += [("hub.sig", k.sign(canonical_v2(int(signed_at_ms), topic, key, value))),
                     ("hub.sig.v", b"2"), ("hub.sig.time", signed_at_ms.encode())]
        else:
            hdrs += [("hub.sig", k.sign(canonical(topic, key, value)))]
        p.produce(topic, value=value, key=key, timestamp=int(kafka_ts_ms), headers=hdrs)
    flush(p)
    print(f"resigned {len(src)}")


def cmd_retime(bootstrap, src_prefix, pem, key_id, schema_path, occurred_at):
    import datetime
    import io
    import avro.io
    import avro.schema
    schema = avro.schema.parse(open(schema_path).read())
    when = datetime.datetime.fromisoformat(occurred_at)
    k = load_private(pem)
    p = producer(bootstrap)
    n = 0
    for _stopic, key, value, _headers, _ts in read_all(bootstrap, [src_prefix + "placement-events"]):
        head, body = value[:10], value[10:]
        datum = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(body)))
        datum["occurred_at"] = when
        out = io.BytesIO()
        avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(out))
        value = head + out.getvalue()
        now = int(time.time() * 1000)
        sig = k.sign(canonical_v2(now, "placement-events", key, value))
        p.produce("placement-events", value=value, key=key,
                  headers=[("hub.sig", sig), ("hub.sig.key", key_id.encode()),
                           ("hub.sig.v", b"2"), ("hub.sig.time", str(now).encode())])
        n += 1
    flush(p)
    print(f"retimed {n}")


def cmd_forge(bootstrap, src_prefix, key_dir, out_log):
    src = read_all(bootstrap, [src_prefix + t for t in EVENT_TOPICS])
    if len(src) < len(KINDS) + 1:
        raise SystemExit(f"only {len(src)} source messages")
    key = {kid: load_private(f"{key_dir}/{kid}.pem")
           for kid in ["farsta-dev", "bromma-dev", "farsta-old", "farsta-next"]}
    p = producer(bootstrap)
    log = open(out_log, "w")
    for i, (stopic, k, v, headers, _ts) in enumerate(src):
        topic = stopic[len(src_prefix):]
        c = canonical(topic, k, v)
        if i == 0:  # rotation: the old key, at a time it was valid
            ts = int(time.mktime((2020, 6, 1, 12, 0, 0, 0, 0, -1)) * 1000)
            p.produce(topic, value=v, key=k, timestamp=ts,
                      headers=[("hub.sig", key["farsta-old"].sign(c)),
                               ("hub.sig.key", b"farsta-old")])
            log.write("expired_key_at_old_time\n")
            continue
        kind = KINDS[(i - 1) % len(KINDS)]
        hdrs = None
        value = v
        if kind == "other_district":
            hdrs = [("hub.sig", key["bromma-dev"].sign(c)), ("hub.sig.key", b"bromma-dev")]
        elif kind == "altered":
            hdrs = [("hub.sig", key["farsta-dev"].sign(c)), ("hub.sig.key", b"farsta-dev")]
            value = v[:-1] + bytes([v[-1] ^ 1])
        elif kind == "unknown_key":
            hdrs = [("hub.sig", key["farsta-dev"].sign(c)), ("hub.sig.key", b"farsta-nope")]
        elif kind == "expired_key":
            hdrs = [("hub.sig", key["farsta-old"].sign(c)), ("hub.sig.key", b"farsta-old")]
        elif kind == "not_yet_valid":
            hdrs = [("hub.sig", key["farsta-next"].sign(c)), ("hub.sig.key", b"farsta-next")]
        elif kind == "moved_topic":
            hdrs = headers  # hub-publish's own signature, made for the staging topic
        elif kind == "short_sig":
            hdrs = [("hub.sig", key["farsta-dev"].sign(c)[:63]), ("hub.sig.key", b"farsta-dev")]
        if hdrs is None:
            p.produce(topic, value=value, key=k)
        else:
            p.produce(topic, value=value, key=k, headers=hdrs)
        log.write(kind + "\n")
    flush(p)
    log.close()
    print(f"forged {len(src)}")


def main():
    cmds = {"produce": cmd_produce, "verify": cmd_verify, "forge": cmd_forge,
            "resign": cmd_resign, "retime": cmd_retime}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        raise SystemExit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
