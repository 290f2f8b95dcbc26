#!/usr/bin/env bash
# test_event_future.sh — issue 14: an event dated 9999-12-31 must not pin a placement's state.
#
# The attack: a district system (not hub-publish, which refuses such a line with exit 2 — see
# test_publish_bad_input.sh) publishes a properly signed `changed` of a farsta placement with
# occurred_at 9999-12-31. Before issue 14 it won the newest-wins comparison for good and a real
# correction (`ended`) published afterwards was lost. Now it goes to dlq.readmodel with reason
# `future` (occurred_at more than hub.clock.max_skew_s after the hub first saw it), the read
# model keeps the placement as it was, and the correction is applied.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_pg
need_cmd kcat
"$HUB_PY" -c 'import confluent_kafka, cryptography, avro' 2>/dev/null ||
    skip "python3-confluent-kafka, python3-cryptography or python3-avro is not installed"
TOOL=$HUB_SOURCE_DIR/tests/integration/sign_tool.py
new_db
start_broker
write_conf "$TMP/hub.conf"
migrate_db "$TMP/hub.conf"
BS=$(<"$HUB_BROKER_BOOTSTRAP_FILE")

P=00000000-0000-4000-8000-0000000000f1
ev() { # ID ACTION OCCURRED_AT [EXTRA]
    printf '{"type":"placement","event_id":"00000000-0000-4000-8000-0000000001%s","occurred_at":"%s",' "$1" "$3"
    printf '"district":"farsta","personnummer":"20150312-2382","placement_id":"%s","action":"%s",' "$P" "$2"
    printf '"legal_basis":"SoL","placement_form":"familjehem","start_date":"2026-03-02","school_change":true%s}\n' "${4:-}"
}
ev 01 started 2026-03-02T09:00:00+01:00 >"$TMP/started.jsonl"
ev 02 changed 2026-03-05T10:00:00+01:00 >"$TMP/changed.jsonl"
ev 03 ended 2026-06-10T10:00:00+02:00 ',"end_date":"2026-06-10"' >"$TMP/ended.jsonl"

publish "$TMP/hub.conf" "$TMP/started.jsonl"
write_conf "$TMP/staging.conf" "hub.topic.prefix=staging."
publish "$TMP/staging.conf" "$TMP/changed.jsonl"
"$HUB_PY" "$TOOL" retime "$BS" staging. "$HUB_DEV_KEY_DIR/farsta-dev.pem" farsta-dev \
    "$HUB_SOURCE_DIR/schemas/placement/v1.avsc" 9999-12-31T00:00:00+00:00 >"$TMP/retime.out" 2>&1 ||
    fail "retime: $(cat "$TMP/retime.out")"
grep -q "^retimed 1$" "$TMP/retime.out" || fail "retime: $(cat "$TMP/retime.out")"
catch_up "$TMP/hub.conf" 120
row() { psql_hub -c "select action, extract(year from last_occurred_at) from hub.placements where placement_id = '$P'"; }
[[ $(row) == "started|2026" ]] || fail "after the event from 9999: placement is $(row), want started|2026"
kcat -C -b "$BS" -t dlq.readmodel -o beginning -e -q -f '%h\n' >"$TMP/dlq.txt" 2>/dev/null || true
[[ $(wc -l <"$TMP/dlq.txt") == 1 ]] || fail "dlq.readmodel: $(cat "$TMP/dlq.txt")"
grep -q "hub.reason=future,hub.detail=event_id=00000000-0000-4000-8000-000000000102: occurred_at is more than 300 s after the hub first saw the message" \
    "$TMP/dlq.txt" || fail "dead letter: $(cat "$TMP/dlq.txt")"
[[ $(psql_hub -c "select count(*) from hub.processed_events where event_id = '00000000-0000-4000-8000-000000000102'") == 0 ]] ||
    fail "the event from 9999 was recorded as processed"

# The real correction is applied: nothing pins the placement.
publish "$TMP/hub.conf" "$TMP/ended.jsonl"
catch_up "$TMP/hub.conf" 120
[[ $(row) == "ended|2026" ]] || fail "after the correction: placement is $(row), want ended|2026"
pass "an event from 9999 dead-lettered (future); the later correction applied"
