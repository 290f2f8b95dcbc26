#!/usr/bin/env bash
# Issue 14, "identities never in clear", replayed on the consumer side: a district signs and
# sends handovers whose contact carries a personnummer in clear (in a name, joined to letters, in
# an e-mail address), and handovers with sealed content but legal_ground `none`. Each lands in
# dlq.readmodel with reason identity_in_clear or no_legal_ground and WITHOUT its value (the number
# is not copied onto one more topic), nothing of it reaches the read model, and the consumer's log
# never prints the number. The messages are signed with farsta's key (sign_tool.py), so it is the
# privacy check that refuses them, not the signature or district checks.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_pg
need_cmd kcat
new_db
start_broker
write_conf "$TMP/hub.conf"
migrate_db "$TMP/hub.conf"
BS=$(<"$HUB_BROKER_BOOTSTRAP_FILE")

gen_events --children 40 --seed 14 --district farsta >"$TMP/events.jsonl"
total=$(count_events "$TMP/events.jsonl")
publish "$TMP/hub.conf" "$TMP/events.jsonl"

read -r part off key < <(kcat -C -b "$BS" -t handover-events -o beginning -c 1 -e -q -f '%p %o %k\n')
kcat -C -b "$BS" -t handover-events -p "$part" -o "$off" -c 1 -e -q -f '%s' >"$TMP/valid.bin"
[[ -s $TMP/valid.bin && ${#key} == 64 ]] || fail "could not read a valid handover back"
mkdir "$TMP/poison"
"$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/privacy_poison.py" "$TMP/valid.bin" "$TMP/poison" \
    >"$TMP/poison.ids" || fail "privacy_poison.py failed"
"$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/sign_tool.py" produce "$BS" handover-events "$key" \
    "$HUB_DEV_KEY_DIR/farsta-dev.pem" farsta-dev "$TMP"/poison/* >"$TMP/produce.log" 2>&1 ||
    fail "could not produce the signed handovers: $(tail -n 3 "$TMP/produce.log")"
catch_up "$TMP/hub.conf" 120

[[ $(psql_hub -c "select count(*) from hub.processed_events") == "$total" ]] ||
    fail "read model holds $(psql_hub -c 'select count(*) from hub.processed_events') events, want $total"
while read -r _ hid; do
    [[ $(psql_hub -c "select count(*) from hub.handovers where handover_id = '$hid'") == 0 ]] ||
        fail "handover $hid reached the read model"
done <"$TMP/poison.ids"

kcat -C -b "$BS" -t dlq.readmodel -o beginning -e -q -f '%h|%S|%s\n' >"$TMP/dlq.txt"
identity=$(grep -c 'hub.reason=identity_in_clear' "$TMP/dlq.txt" || true)
noground=$(grep -c 'hub.reason=no_legal_ground' "$TMP/dlq.txt" || true)
((identity == 3 && noground == 2)) ||
    fail "dead letters: identity_in_clear=$identity no_legal_ground=$noground, want 3 and 2"
(($(grep -c 'hub.value=withheld' "$TMP/dlq.txt") == 5)) || fail "a dead letter lacks hub.value=withheld"
# %S is the value's size: -1 (null) for every withheld dead letter
(($(grep -c '|-1|$' "$TMP/dlq.txt") == 5)) || fail "a dead letter carries the refused value: $(cut -c1-200 "$TMP/dlq.txt")"
grep -q 'hub.detail=event_id=[0-9a-f-]*: contact.name: holds a personnummer' "$TMP/dlq.txt" ||
    fail "no detail naming contact.name: $(head -n 2 "$TMP/dlq.txt")"
grep -q 'hub.detail=event_id=[0-9a-f-]*: contact.email: holds a personnummer' "$TMP/dlq.txt" ||
    fail "no detail naming contact.email"
grep -q 'hub.detail=event_id=[0-9a-f-]*: content: legal_ground is none' "$TMP/dlq.txt" ||
    fail "no detail naming content"
for f in "$TMP/dlq.txt" "$TMP/catchup.log"; do
    if grep -aE '20150312-?2382|150312-?2382' "$f" >/dev/null; then
        fail "$(basename "$f") holds the personnummer"
    fi
done
psql_hub -c "select * from hub.handovers" | grep -qE '150312-?2382' && fail "the read model holds it"
pass "5 signed handovers refused: 3 identity_in_clear, 2 no_legal_ground, values withheld"
