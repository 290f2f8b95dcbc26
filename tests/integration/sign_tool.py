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

  sign_tool.py forge BOOTSTRAP SRC_PREFIX KEY_DIR OUT_LOG
      reads every message hub-publish put on the SRC_PREFIX-prefixed event topics (properly
      signed for those topics) and re-produces each onto the unprefixed topic as one kind of
      forgery, round-robin; the first message is instead signed with farsta-old (expired today)
      with a Kafka timestamp of 2020-06-01, when that key was valid: it must be accepted.
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
    return Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})


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
        kid, district, pub, _vf, _vt = line.split(",")
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
        try:
            keys[kid][1].verify(h["hub.sig"], canonical(topic, key, value))
        except InvalidSignature:
            raise SystemExit(f"{topic}: signature by {kid} does not verify")
        n += 1
    print(f"verified {n}")


KINDS = ["unsigned", "other_district", "altered", "unknown_key", "expired_key", "not_yet_valid",
         "moved_topic", "short_sig"]


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
            log.write("accepted_old_key_at_old_time\n")
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
    cmds = {"produce": cmd_produce, "verify": cmd_verify, "forge": cmd_forge}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        raise SystemExit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
