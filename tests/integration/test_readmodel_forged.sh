#!/usr/bin/env bash
# test_readmodel_forged.sh — forged events among good ones never reach the read model.
#
# Good events are published with hub-publish (each signed with its district's key) and checked
# with an independent verifier (python3-cryptography). Then farsta events that hub-publish put on
# staging topics are re-produced onto the real topics as forgeries (sign_tool.py forge): unsigned,
# signed with bromma's key, altered after signing, an unknown key id, a key expired before today,
# a key valid only from 2030, the original signature made for the staging topic, a truncated
# signature. Every forgery lands in dlq.readmodel with reason `signature` (and the detail saying
# which) or `signer` (another district's valid key), and none of their events is in the read
# model; the one message signed with an expired key at a Kafka timestamp when that key was valid
# (rotation) is accepted. The consumer never stops. A one-district publisher (hub.signing.key_file
# + key_id, the production shape) signs its district's events and refuses another district's;
# a publisher without a key and a consumer with an empty key table refuse to start.
#
# Note: hub/kafka/consumer.c verifies for every consumer and hub-notifier checks the signer as the read
# model does, so a forged handover reaches no school either; a test of that belongs with the
# notifier's (test_notifier.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_pg
need_cmd kcat
"$HUB_PY" -c 'import confluent_kafka, cryptography' 2>/dev/null ||
    skip "python3-confluent-kafka or python3-cryptography is not installed"
TOOL=$HUB_SOURCE_DIR/tests/integration/sign_tool.py
HUBCTL=$HUB_BUILD_DIR/deploy/hubctl
new_db
start_broker
write_conf "$TMP/hub.conf"
migrate_db "$TMP/hub.conf"
BS=$(<"$HUB_BROKER_BOOTSTRAP_FILE")

# Rotation keys for farsta next to the dev keys: one that expired in 2020, one valid from 2030.
"$HUBCTL" districts keygen --district farsta --key-id farsta-old --valid-from 2020-01-01 \
    --valid-to 2020-12-31 --out-private "$TMP/farsta-old.pem" >>"$HUB_DEV_KEYS_FILE" ||
    fail "keygen farsta-old"
"$HUBCTL" districts keygen --district farsta --key-id farsta-next --valid-from 2030-01-01 \
    --out-private "$TMP/farsta-next.pem" >>"$HUB_DEV_KEYS_FILE" || fail "keygen farsta-next"
cp -p "$HUB_DEV_KEY_DIR/farsta-dev.pem" "$HUB_DEV_KEY_DIR/bromma-dev.pem" "$TMP/"
"$HUBCTL" districts check-keys --keys "$HUB_DEV_KEYS_FILE" >"$TMP/check-keys.out" ||
    fail "check-keys: $(cat "$TMP/check-keys.out")"
grep -q ": 20 keys; 0 districts" "$TMP/check-keys.out" || fail "check-keys: $(cat "$TMP/check-keys.out")"

# Good events of every district, signed by hub-publish; verified independently.
gen_events --children 120 --seed 11 >"$TMP/good.jsonl"
split -n l/2 -d "$TMP/good.jsonl" "$TMP/good."
good=$(count_events "$TMP/good.jsonl")
publish "$TMP/hub.conf" "$TMP/good.00"
"$HUB_PY" "$TOOL" verify "$BS" "$HUB_DEV_KEYS_FILE" placement-events school-start-events \
    handover-events >"$TMP/verify.out" 2>&1 || fail "independent verification: $(cat "$TMP/verify.out")"
grep -q "^verified [1-9]" "$TMP/verify.out" || fail "nothing verified: $(cat "$TMP/verify.out")"

# The victims: farsta events, published (signed) to staging topics, then forged onto the real ones.
gen_events --children 40 --seed 12 --district farsta >"$TMP/forged.jsonl"
write_conf "$TMP/staging.conf" "hub.topic.prefix=staging."
publish "$TMP/staging.conf" "$TMP/forged.jsonl"
"$HUB_PY" "$TOOL" forge "$BS" staging. "$TMP" "$TMP/kinds.txt" >"$TMP/forge.out" 2>&1 ||
    fail "forge: $(cat "$TMP/forge.out")"
publish "$TMP/hub.conf" "$TMP/good.01"

# One district's publisher: its own events are signed and accepted; another district's are
# refused before anything is sent.
write_conf "$TMP/farsta.conf" "hub.signing.key_dir=" "hub.signing.key_file=$TMP/farsta-dev.pem" \
    "hub.signing.key_id=farsta-dev"
gen_events --children 10 --seed 13 --district farsta >"$TMP/farsta.jsonl"
publish "$TMP/farsta.conf" "$TMP/farsta.jsonl"
good=$((good + $(count_events "$TMP/farsta.jsonl")))
gen_events --children 2 --seed 14 --district bromma >"$TMP/bromma.jsonl"
rc=0
"$HUB_BUILD_DIR/producers/hub-publish" --config "$TMP/farsta.conf" "$TMP/bromma.jsonl" \
    >/dev/null 2>"$TMP/bromma.err" || rc=$?
((rc == 2)) || fail "farsta's publisher given bromma's events: exit $rc, want 2"
grep -qF "bromma.jsonl:1: district: the signing key farsta-dev (hub.signing.key_file) is farsta's and cannot sign bromma's events" \
    "$TMP/bromma.err" || fail "bromma's events: $(head -n 3 "$TMP/bromma.err")"
grep -q "nothing published" "$TMP/bromma.err" || fail "bromma's events: $(tail -n 1 "$TMP/bromma.err")"

# No key: the publisher refuses to start naming the key; an empty key table stops a consumer.
write_conf "$TMP/nokey.conf" "hub.signing.key_dir="
rc=0
"$HUB_BUILD_DIR/producers/hub-publish" --config "$TMP/nokey.conf" "$TMP/farsta.jsonl" \
    >/dev/null 2>"$TMP/nokey.err" || rc=$?
((rc == 2)) && grep -q "hub.signing.key_file: not set" "$TMP/nokey.err" ||
    fail "publisher without a key: exit $rc: $(cat "$TMP/nokey.err")"
write_conf "$TMP/nokeys.conf" "hub.signing.keys_file=$HUB_SOURCE_DIR/schemas/reference/district-keys.csv"
rc=0
"$HUB_BUILD_DIR/consumers/hub-readmodel" --config "$TMP/nokeys.conf" --exit-when-idle 1000 \
    >"$TMP/nokeys.err" 2>&1 || rc=$?
((rc == 2)) && grep -q "hub.signing.keys_file: .* holds no keys" "$TMP/nokeys.err" ||
    fail "consumer with an empty key table: exit $rc: $(tail -n 2 "$TMP/nokeys.err")"

catch_up "$TMP/hub.conf" 120

forged=$(wc -l <"$TMP/kinds.txt")
n_kind() { grep -c "^$1\$" "$TMP/kinds.txt" || true; }
# The read model: every good event, the one rotation event, no forgery.
got=$(psql_hub -c "select count(*) from hub.processed_events")
((got == good + 1)) || fail "read model processed $got events, want $good good + 1 (rotation)"
grep -o '"event_id": *"[^"]*"' "$TMP/forged.jsonl" | sed 's/.*"\([^"]*\)"$/\1/' >"$TMP/forged.ids"
in_rm=$(psql_hub -c "select count(*) from hub.processed_events
                     where event_id::text = any(string_to_array('$(paste -sd, "$TMP/forged.ids")', ','))")
((in_rm == 1)) || fail "$in_rm forged events reached the read model (want only the rotation one)"

# The dead letters: each kind with its reason and detail.
kcat -C -b "$BS" -t dlq.readmodel -o beginning -e -q -f '%h\n' >"$TMP/dlq.txt"
n=$(wc -l <"$TMP/dlq.txt")
((n == forged - 1)) || fail "dlq.readmodel holds $n messages, want $((forged - 1))"
expect() { # REASON DETAIL-REGEX KIND
    local c
    c=$(grep -c "hub.reason=$1,hub.detail=$2" "$TMP/dlq.txt" || true)
    ((c == $(n_kind "$3"))) || fail "$3: $c dead letters with reason $1 and detail /$2/, want $(n_kind "$3")"
}
expect signature 'missing signature' unsigned
expect signer 'event_id=.*: signed by bromma (key bromma-dev), but the event is farsta' other_district
expect signature 'unknown key: farsta-nope' unknown_key
expect signature 'expired key: farsta-old of farsta is valid 2020-01-01 to 2020-12-31' expired_key
expect signature 'key not yet valid: farsta-next' not_yet_valid
expect signature 'bad signature: hub.sig is 63 bytes' short_sig
bad=$(grep -c 'hub.reason=signature,hub.detail=bad signature: does not verify' "$TMP/dlq.txt" || true)
((bad == $(n_kind altered) + $(n_kind moved_topic))) ||
    fail "$bad 'does not verify' dead letters, want altered + moved_topic"
grep -q 'hub.reason=\(decode\|district\|key_mismatch\|wrong_topic\)' "$TMP/dlq.txt" &&
    fail "a forgery was rejected for something other than its signature"
grep -q 'msg="stopped".*bad_signatures=[1-9]' "$TMP/catchup.log" ||
    fail "hub-readmodel did not count bad signatures: $(grep stopped "$TMP/catchup.log" | tail -n 1)"
pass "$((forged - 1)) forgeries dead-lettered by kind, $good good events and 1 rotated-key event applied"
