#!/usr/bin/env bash
# test_signed_time.sh — issue 14: a key is judged on a time its signer cannot choose.
#
# The attack: farsta's key farsta-2025 was retired on 2026-01-31 (valid_to). Its holder signs new
# events and dates them 320 days back — once as a version 2 signature whose signed time says so,
# once as version 1 with only the Kafka timestamp set back (what was accepted before). Both go to
# dlq.readmodel with reason `signature` ("signing time out of range", "expired key ... the hub
# first saw the message on <today>"); none reaches the read model, and hub-publish refuses the
# retired key outright (exit 2).
# Revocation: farsta-leak signs history that the read model applies; then the key gets a
# revoked_at. A thief's events signed with it and dated before the revocation are dead-lettered
# ("revoked key"), hub-publish refuses the key, and `hub-readmodel --rebuild` still accepts the
# history it signed before (its first sightings are kept), leaving the read model as it was.
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

"$HUBCTL" districts keygen --district farsta --key-id farsta-2025 --valid-from 2025-01-01 \
    --valid-to 2026-01-31 --out-private "$TMP/farsta-2025.pem" >>"$HUB_DEV_KEYS_FILE" ||
    fail "keygen farsta-2025"
"$HUBCTL" districts keygen --district farsta --key-id farsta-leak --valid-from 2007-01-01 \
    --out-private "$TMP/farsta-leak.pem" >>"$HUB_DEV_KEYS_FILE" || fail "keygen farsta-leak"
grep -q '^farsta-leak,farsta,[^,]*,2007-01-01,,$' "$HUB_DEV_KEYS_FILE" ||
    fail "keygen does not print the six columns: $(grep farsta-leak "$HUB_DEV_KEYS_FILE")"

dlq() { kcat -C -b "$BS" -t dlq.readmodel -o beginning -e -q -f '%h\n' 2>/dev/null || true; }
n_dlq() { dlq | grep -c "$1" || true; }
processed() { psql_hub -c "select count(*) from hub.processed_events"; }

# ---- the retired key, dated back ----
gen_events --children 4 --seed 21 --district farsta >"$TMP/attack.jsonl"
attack=$(count_events "$TMP/attack.jsonl")
write_conf "$TMP/staging.conf" "hub.topic.prefix=staging."
publish "$TMP/staging.conf" "$TMP/attack.jsonl"
now=$(date +%s%3N)
back=$((now - 320 * 86400000))
"$HUB_PY" "$TOOL" resign "$BS" staging. "$TMP/farsta-2025.pem" farsta-2025 2 "$back" "$back" \
    >"$TMP/resign.out" 2>&1 || fail "resign v2: $(cat "$TMP/resign.out")"
"$HUB_PY" "$TOOL" resign "$BS" staging. "$TMP/farsta-2025.pem" farsta-2025 1 0 "$back" \
    >"$TMP/resign.out" 2>&1 || fail "resign v1: $(cat "$TMP/resign.out")"
write_conf "$TMP/retired.conf" "hub.signing.key_dir=" "hub.signing.key_file=$TMP/farsta-2025.pem" \
    "hub.signing.key_id=farsta-2025"
rc=0
"$HUB_BUILD_DIR/producers/hub-publish" --config "$TMP/retired.conf" "$TMP/attack.jsonl" \
    >/dev/null 2>"$TMP/retired.err" || rc=$?
((rc == 2)) && grep -q "hub.signing.key_id: farsta-2025 is valid 2025-01-01 to 2026-01-31" "$TMP/retired.err" ||
    fail "hub-publish with the retired key: exit $rc: $(tail -n 1 "$TMP/retired.err")"
catch_up "$TMP/hub.conf" 120
[[ $(processed) == 0 ]] || fail "the retired key's back-dated events reached the read model: $(processed)"
v2=$(n_dlq "hub.reason=signature,hub.detail=signing time out of range: signed with farsta-2025 of farsta at ")
((v2 == attack)) || fail "$v2 version 2 dead letters 'signing time out of range', want $attack: $(dlq | head -n 2)"
v1=$(n_dlq "hub.reason=signature,hub.detail=expired key: farsta-2025 of farsta is valid 2025-01-01 to 2026-01-31, the hub first saw the message on $(TZ=Europe/Stockholm date +%F)")
((v1 == attack)) || fail "$v1 version 1 dead letters 'expired key', want $attack: $(dlq | tail -n 2)"
[[ $(psql_hub -c "select count(*) from hub.signature_sightings where key_id = 'farsta-2025'") == 0 ]] ||
    fail "refused signatures were recorded as sightings"

# ---- revocation: history stays, what is first seen afterwards is refused ----
gen_events --children 6 --seed 22 --district farsta >"$TMP/history.jsonl"
history=$(count_events "$TMP/history.jsonl")
write_conf "$TMP/leak.conf" "hub.signing.key_dir=" "hub.signing.key_file=$TMP/farsta-leak.pem" \
    "hub.signing.key_id=farsta-leak"
publish "$TMP/leak.conf" "$TMP/history.jsonl"
catch_up "$TMP/hub.conf" 120
[[ $(processed) == "$history" ]] || fail "history signed by farsta-leak: $(processed) of $history events applied"
[[ $(psql_hub -c "select count(*) from hub.signature_sightings where key_id = 'farsta-leak'") == "$history" ]] ||
    fail "history's sightings not recorded"
dump_readmodel >"$TMP/before.txt"

revoked=$(date -u +%FT%T.%3NZ)
sed -i "/^farsta-leak,/ s/,\$/,$revoked/" "$HUB_DEV_KEYS_FILE"
grep -q "^farsta-leak,.*,$revoked\$" "$HUB_DEV_KEYS_FILE" || fail "could not revoke farsta-leak"
"$HUBCTL" districts check-keys --keys "$HUB_DEV_KEYS_FILE" >"$TMP/check-keys.out" ||
    fail "check-keys with a revoked key: $(cat "$TMP/check-keys.out")"
grep -q "^revoked: farsta-leak of farsta from " "$TMP/check-keys.out" ||
    fail "check-keys does not list the revoked key: $(cat "$TMP/check-keys.out")"
sleep 1
gen_events --children 3 --seed 23 --district farsta >"$TMP/thief.jsonl"
thief=$(count_events "$TMP/thief.jsonl")
write_conf "$TMP/staging2.conf" "hub.topic.prefix=staging2."
publish "$TMP/staging2.conf" "$TMP/thief.jsonl"
before_rev=$(($(date -d "$revoked" +%s%3N) - 60000))
"$HUB_PY" "$TOOL" resign "$BS" staging2. "$TMP/farsta-leak.pem" farsta-leak 2 "$before_rev" \
    "$before_rev" >"$TMP/resign.out" 2>&1 || fail "resign thief: $(cat "$TMP/resign.out")"
rc=0
"$HUB_BUILD_DIR/producers/hub-publish" --config "$TMP/leak.conf" "$TMP/thief.jsonl" \
    >/dev/null 2>"$TMP/leak.err" || rc=$?
((rc == 2)) && grep -q "hub.signing.key_id: farsta-leak is revoked from" "$TMP/leak.err" ||
    fail "hub-publish with the revoked key: exit $rc: $(tail -n 1 "$TMP/leak.err")"
catch_up "$TMP/hub.conf" 120
[[ $(processed) == "$history" ]] || fail "the thief's events reached the read model: $(processed) events"
rev=$(n_dlq "hub.reason=signature,hub.detail=revoked key: farsta-leak of farsta is revoked from ")
((rev == thief)) || fail "$rev 'revoked key' dead letters, want $thief"

# A rebuild judges every message on its first sighting: the history is accepted again, the
# attacks refused again, and the read model comes back the same.
catch_up "$TMP/hub.conf" 120 --rebuild
[[ $(processed) == "$history" ]] || fail "after --rebuild: $(processed) events, want the $history of the history"
dump_readmodel >"$TMP/after.txt"
diff -u "$TMP/before.txt" "$TMP/after.txt" >"$TMP/diff.txt" || fail "read model differs after --rebuild: $(head -n 20 "$TMP/diff.txt")"
rev=$(n_dlq "hub.reason=signature,hub.detail=revoked key: farsta-leak of farsta is revoked from ")
((rev == 2 * thief)) || fail "after --rebuild: $rev 'revoked key' dead letters, want $((2 * thief))"
pass "retired key dated back: $((2 * attack)) refused; revoked key: $thief refused, $history of its history kept through --rebuild"
