#!/usr/bin/env bash
# 100 poison messages (garbage, truncated Avro, unknown fingerprint, unknown district) produced
# among good events: all land in dlq.readmodel with their reason and origin, every good event is
# in the read model, and the consumer never stops. The poison is properly signed with farsta's
# key (tests/integration/sign_tool.py, python3-cryptography), so what rejects it is decoding and
# the district check, not the signature check that comes first (test_readmodel_forged.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_pg
need_cmd kcat
new_db
start_broker
write_conf "$TMP/hub.conf"
migrate_db "$TMP/hub.conf"
BS=$(<"$HUB_BROKER_BOOTSTRAP_FILE")

gen_events --children 300 --seed 3 --district farsta >"$TMP/events.jsonl"
split -n l/2 -d "$TMP/events.jsonl" "$TMP/chunk."
total=$(count_events "$TMP/events.jsonl")
publish "$TMP/hub.conf" "$TMP/chunk.00"

# One valid placement message, raw, to make the poison from.
read -r part off key < <(kcat -C -b "$BS" -t placement-events -o beginning -c 1 -e -q -f '%p %o %k\n')
kcat -C -b "$BS" -t placement-events -p "$part" -o "$off" -c 1 -e -q -f '%s' >"$TMP/valid.bin"
[[ -s $TMP/valid.bin && ${#key} == 64 ]] || fail "could not read a valid message back"
mkdir "$TMP/poison"
"$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/make_poison.py" "$TMP/valid.bin" "$TMP/poison"
"$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/sign_tool.py" produce "$BS" placement-events "$key" \
    "$HUB_DEV_KEY_DIR/farsta-dev.pem" farsta-dev "$TMP"/poison/* >"$TMP/produce.log" 2>&1 ||
    fail "could not produce the signed poison: $(tail -n 3 "$TMP/produce.log")"

publish "$TMP/hub.conf" "$TMP/chunk.01"
catch_up "$TMP/hub.conf" 120

[[ $(psql_hub -c "select count(*) from hub.processed_events") == "$total" ]] ||
    fail "read model holds $(psql_hub -c 'select count(*) from hub.processed_events') of $total good events"
kcat -C -b "$BS" -t dlq.readmodel -o beginning -e -q -f '%h|%k\n' >"$TMP/dlq.txt"
n=$(wc -l <"$TMP/dlq.txt")
((n == 100)) || fail "dlq.readmodel holds $n messages, want 100"
decode=$(grep -c 'hub.reason=decode' "$TMP/dlq.txt" || true)
district=$(grep -c 'hub.reason=district' "$TMP/dlq.txt" || true)
((decode == 75 && district == 25)) || fail "reasons: decode=$decode district=$district, want 75 and 25"
grep -q 'hub.reason=signature' "$TMP/dlq.txt" && fail "a properly signed poison message failed its signature check"
grep -v -q 'hub.source.topic=placement-events' "$TMP/dlq.txt" && fail "a dead letter lacks its source topic"
grep -c 'hub.source.offset=[0-9]' "$TMP/dlq.txt" | grep -qx 100 || fail "dead letters lack source offsets"
grep -c "|$key\$" "$TMP/dlq.txt" | grep -qx 100 || fail "dead letters lost their original key"
grep -q 'hub.detail=.*unknown.*fingerprint\|hub.detail=.*fingerprint' "$TMP/dlq.txt" || fail "no fingerprint detail: $(head -n 3 "$TMP/dlq.txt")"
pass "100 dead letters with reasons, $total good events applied"
