#!/usr/bin/env bash
# test_publish_interop.sh — what `hub-publish` puts on the topics is what the input says, read by
# clients we did not write.
#
# Publishes placement, school-start, handover and contact-change events (every personnummer form:
# 10 and 12 digits, '-', '+', none, samordningsnummer) to our own dev broker, then
# publish_interop.py reads every partition of every topic with python3-confluent-kafka, checks
# the single-object header against a CRC-64-AVRO computed in Python from avro's canonical form,
# decodes with python3-avro and the writer schema from schemas/, and compares every field and
# key with values computed independently (HMAC-SHA256 pseudonym, birth year, legal sex, days,
# milliseconds). The consumer example consumers/examples/read_topic.py, written from
# schemas/SCHEMAS.md alone, decodes the same topics. Finally the raw bytes of every topic (keys and values, dumped with kcat) and
# everything hub-publish printed must hold no personnummer in any form.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PYTHON=/usr/bin/python3
HUB_PUBLISH=$HUB_BUILD_DIR/producers/hub-publish
HELPER=$HUB_SOURCE_DIR/tests/integration/publish_interop.py

need_cmd kcat
[[ -x $PYTHON ]] || skip "$PYTHON is not installed"
"$PYTHON" -c 'import avro.io, avro.schema' 2>/dev/null ||
    skip "python3-avro is not installed (apt-get install python3-avro)"
"$PYTHON" -c 'import confluent_kafka' 2>/dev/null ||
    skip "python3-confluent-kafka is not installed (apt-get install python3-confluent-kafka)"
[[ -x $HUB_PUBLISH ]] || fail "$HUB_PUBLISH is not built"

# The city-wide key: raw random bytes, readable by the owner only.
head -c 48 /dev/urandom >"$TMP/pseudonym.key"
chmod 0600 "$TMP/pseudonym.key"

start_broker
# Unsigned events: signing (hub/crypto/sign.h) has its own tests and is not what this one checks.
cat >"$TMP/hub.conf" <<EOF
hub.bootstrap_file=$HUB_BROKER_BOOTSTRAP_FILE
hub.pseudonym.key_file=$TMP/pseudonym.key
hub.signing.required=false
EOF
# The config file names the broker; the environment must not override it.
unset HUB_KAFKA_BOOTSTRAP_SERVERS
BOOTSTRAP=$(<"$HUB_BROKER_BOOTSTRAP_FILE")

"$PYTHON" "$HELPER" events "$TMP/events.jsonl"
n_events=$(grep -c . "$TMP/events.jsonl")
for t in placement school_start handover contact_change; do
    grep -q "\"type\":\"$t\"" "$TMP/events.jsonl" || fail "the input has no $t event"
done

rc=0
"$HUB_PUBLISH" --config "$TMP/hub.conf" "$TMP/events.jsonl" >"$TMP/publish.out" \
    2>"$TMP/publish.err" || rc=$?
if ((rc != 0)); then
    cat "$TMP/publish.err" >&2
    fail "hub-publish exited $rc, expected 0"
fi
grep -q "^hub-publish: $n_events of $n_events events acknowledged, 0 not acknowledged" \
    "$TMP/publish.err" || {
    cat "$TMP/publish.err" >&2
    fail "hub-publish did not report all $n_events events acknowledged"
}

# Every field, key and header, read and decoded by independent clients.
"$PYTHON" "$HELPER" verify "$BOOTSTRAP" "$HUB_SOURCE_DIR/schemas" "$TMP/pseudonym.key" \
    "$TMP/events.jsonl" || fail "the topics do not hold the input events (see above)"

# The consumer example written from schemas/SCHEMAS.md alone decodes every event topic: as many
# messages as the input has events of the type, with the input's event ids.
READER=$HUB_SOURCE_DIR/consumers/examples/read_topic.py
for tt in placement:placement-events school_start:school-start-events handover:handover-events \
    contact_change:contact-change-events; do
    type=${tt%%:*} topic=${tt#*:}
    "$PYTHON" "$READER" --bootstrap "$BOOTSTRAP" --topic "$topic" --idle 4 >"$TMP/read-$topic" \
        2>"$TMP/read.err" || fail "read_topic.py $topic: $(<"$TMP/read.err")"
    "$PYTHON" - "$TMP/events.jsonl" "$TMP/read-$topic" "$type" <<'PY' ||
import json, sys
want = sorted(json.loads(l)["event_id"].lower() for l in open(sys.argv[1]) if l.strip()
              and json.loads(l)["type"] == sys.argv[3])
got = sorted(str(json.loads(l)["value"]["event_id"]).lower() for l in open(sys.argv[2]))
assert want and got == want, (sys.argv[3], want[:2], got[:2])
PY
        fail "read_topic.py: $topic does not hold the input's $type events"
done

# The raw bytes of every partition of every topic: no personnummer in any form.
"$PYTHON" "$HELPER" forms "$TMP/events.jsonl" >"$TMP/forms"
(($(wc -l <"$TMP/forms") >= 5 * 6)) || fail "expected the forms of six numbers, got $(wc -l <"$TMP/forms")"
kcat -b "$BOOTSTRAP" -L -m 10 >"$TMP/metadata" 2>"$TMP/kcat.err" || {
    cat "$TMP/kcat.err" >&2
    fail "kcat -L failed"
}
mapfile -t topics < <(sed -n 's/^ *topic "\([^"]*\)" with .*/\1/p' "$TMP/metadata")
((${#topics[@]} >= 4)) || fail "kcat lists only ${#topics[@]} topics"
: >"$TMP/topics.raw"
for t in "${topics[@]}"; do
    kcat -b "$BOOTSTRAP" -C -t "$t" -o beginning -e -q -m 10 -f 'key=%k value=%s\n' \
        >>"$TMP/topics.raw" 2>"$TMP/kcat.err" || {
        cat "$TMP/kcat.err" >&2
        fail "kcat could not read topic $t"
    }
done
dumped=$(grep -ac '^key=' "$TMP/topics.raw" || true)
((dumped >= n_events)) || fail "kcat dumped $dumped messages, expected at least $n_events"
if grep -aF -f "$TMP/forms" "$TMP/topics.raw" >/dev/null; then
    fail "a personnummer is on a topic: $(grep -aoF -f "$TMP/forms" "$TMP/topics.raw" | head -1 |
        sed 's/[0-9]/#/g') (digits masked)"
fi
if grep -aF -f "$TMP/forms" "$TMP/publish.out" "$TMP/publish.err" >/dev/null; then
    fail "hub-publish printed a personnummer"
fi
pass "$n_events events, $dumped messages checked"
