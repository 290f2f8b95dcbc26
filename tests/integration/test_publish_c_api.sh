#!/usr/bin/env bash
# test_publish_c_api.sh — the example district program (producers/examples/publish_placement.c,
# built on the public C API) publishes against the dev broker and reports "acknowledged"; what it
# published is, field for field, what hub-publish would publish for the same event (checked with
# the independent clients of publish_interop.py). The public header compiles on its own as C11
# (and C++ where a compiler is installed); invalid input and a bad config exit 2 without printing
# the personnummer.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PYTHON=/usr/bin/python3
EXAMPLE=$HUB_BUILD_DIR/producers/publish_placement
HELPER=$HUB_SOURCE_DIR/tests/integration/publish_interop.py
HEADER_DIR=$HUB_SOURCE_DIR/producers/include

need_cmd kcat cc
[[ -x $PYTHON ]] || skip "$PYTHON is not installed"
"$PYTHON" -c 'import avro.io, avro.schema, confluent_kafka' 2>/dev/null ||
    skip "python3-avro or python3-confluent-kafka is not installed"
[[ -x $EXAMPLE ]] || fail "$EXAMPLE is not built"

# The header is the contract district systems build against: it must stand alone.
printf '#include <sams_publish.h>\nint main(void) { return sams_publisher_outcome(0, 0) == SAMS_ACKED; }\n' \
    >"$TMP/header.c"
cc -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I"$HEADER_DIR" "$TMP/header.c" ||
    fail "sams_publish.h does not compile on its own as C11"
if command -v c++ >/dev/null 2>&1; then
    cp "$TMP/header.c" "$TMP/header.cc"
    c++ -Wall -Wextra -Werror -fsyntax-only -I"$HEADER_DIR" "$TMP/header.cc" ||
        fail "sams_publish.h does not compile as C++"
fi

head -c 32 /dev/urandom >"$TMP/pseudonym.key"
chmod 0600 "$TMP/pseudonym.key"
start_broker
unset HUB_KAFKA_BOOTSTRAP_SERVERS
BOOTSTRAP=$(<"$HUB_BROKER_BOOTSTRAP_FILE")
# Unsigned events: signing (hub/crypto/sign.h) has its own tests and is not what this one checks.
cat >"$TMP/hub.conf" <<EOF
hub.bootstrap_file=$HUB_BROKER_BOOTSTRAP_FILE
hub.pseudonym.key_file=$TMP/pseudonym.key
hub.signing.required=false
EOF

PNR=$("$PYTHON" "$HELPER" pnr 20160229456) # a leap day
PNR_DASH=${PNR:0:8}-${PNR:8}
for n in "$PNR" "$PNR_DASH" "${PNR:2}" "${PNR:2:6}-${PNR:8}" "${PNR:2:6}+${PNR:8}"; do
    printf '%s\n' "$n"
done >"$TMP/forms"

rc=0
"$EXAMPLE" "$TMP/hub.conf" "$PNR_DASH" >"$TMP/out" 2>"$TMP/err" || rc=$?
((rc == 0)) || {
    cat "$TMP/out" "$TMP/err" >&2
    fail "publish_placement exited $rc, expected 0"
}
grep -qx 'event 5b0f8f0e-2f43-4c53-9d0b-8b1f6a1e0c01: acknowledged' "$TMP/out" || {
    cat "$TMP/out" >&2
    fail "publish_placement did not print 'acknowledged'"
}
! grep -aqF -f "$TMP/forms" "$TMP/out" "$TMP/err" || fail "publish_placement printed the personnummer"

# What it published is the event publish_placement.c describes, once.
cat >"$TMP/expected.jsonl" <<EOF
{"type":"placement","event_id":"5b0f8f0e-2f43-4c53-9d0b-8b1f6a1e0c01","occurred_at":"2026-03-02T09:15:00+01:00","district":"farsta","personnummer":"$PNR_DASH","placement_id":"0c8e2f7a-93a4-4d55-8f51-6e3b8f1a2b01","action":"started","legal_basis":"SoL","placement_form":"familjehem","start_date":"2026-03-02","school_change":true}
EOF
"$PYTHON" "$HELPER" verify "$BOOTSTRAP" "$HUB_SOURCE_DIR/schemas" "$TMP/pseudonym.key" \
    "$TMP/expected.jsonl" >"$TMP/verify.out" || {
    cat "$TMP/verify.out" >&2
    fail "the topic does not hold the example's event as the input contract says"
}
kcat -b "$BOOTSTRAP" -C -t placement-events -o beginning -e -q -f 'key=%k value=%s\n' \
    >"$TMP/topic.raw" 2>/dev/null || fail "kcat could not read placement-events"
! grep -aqF -f "$TMP/forms" "$TMP/topic.raw" || fail "the personnummer is on the topic"

# Invalid input: exit 2, the field named, the number not printed.
rc=0
"$EXAMPLE" "$TMP/hub.conf" "${PNR:0:11}$(((${PNR:11} + 1) % 10))" >"$TMP/out" 2>"$TMP/err" || rc=$?
((rc == 2)) || fail "publish_placement with a wrong check digit exited $rc, expected 2"
grep -q '^invalid: personnummer: ' "$TMP/err" || {
    cat "$TMP/err" >&2
    fail "publish_placement did not name the personnummer field"
}
! grep -aq "${PNR:2:8}" "$TMP/err" || fail "the refused number was printed"

# A config without the pseudonym key: exit 2, the key named.
printf 'hub.bootstrap_file=%s\nhub.signing.required=false\n' "$HUB_BROKER_BOOTSTRAP_FILE" \
    >"$TMP/nokey.conf"
rc=0
"$EXAMPLE" "$TMP/nokey.conf" "$PNR_DASH" >"$TMP/out" 2>"$TMP/err" || rc=$?
((rc == 2)) || fail "publish_placement without a key exited $rc, expected 2"
grep -q 'hub.pseudonym.key_file' "$TMP/err" || fail "the missing key is not named"
pass
