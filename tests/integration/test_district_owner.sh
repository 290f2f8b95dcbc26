#!/usr/bin/env bash
# test_district_owner.sh — issue 14: a district may change only the records it owns.
#
# The attack, as the issue reproduced it: bromma's publisher (only bromma-dev.pem in its config)
# publishes properly signed events that reuse farsta's placement_id and handover_id — a
# `placement ended`, a school start, the same handover, a new handover naming farsta's placement
# and a contact change with farsta's placement in scope. hub-publish cannot know who owns an id
# and sends them; hub-readmodel dead-letters all five with reason `owner` and the read model is
# byte for byte what it was; hub-notifier dead-letters the three it reads and no notification
# for bromma exists. A district merged into another (rinkeby-kista → jarva) is acted for by its
# successor.
# Arrival order: a bromma school start naming a placement the read model has not seen yet is kept
# until farsta's placement arrives, then moved to hub.owner_conflicts; `--rebuild` (which reads
# the topics in another order) ends with the same read model.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/notifylib.sh"
need_pg
need_cmd kcat
new_db
start_broker
notifier_conf "$TMP/hub.conf"
migrate_db "$TMP/hub.conf"
ensure_schools_table
BS=$(<"$HUB_BROKER_BOOTSTRAP_FILE")
write_conf "$TMP/bromma.conf" "hub.signing.key_dir=" \
    "hub.signing.key_file=$HUB_DEV_KEY_DIR/bromma-dev.pem" "hub.signing.key_id=bromma-dev"

A=20150312-2382 B=20140501-1238 C=20160707-4562
P1=00000000-0000-4000-8000-0000000000b1 P2=00000000-0000-4000-8000-0000000000b2
P3=00000000-0000-4000-8000-0000000000b3
H1=00000000-0000-4000-8000-0000000000c1 H2=00000000-0000-4000-8000-0000000000c2
CONTACT='{"name":"Anna Handläggare","role":"skolsamordnare","phone":"08-508 000 00","email":"anna@example.se"}'
placement() { # ID DISTRICT PNR PLACEMENT ACTION OCCURRED START [EXTRA]
    printf '{"type":"placement","event_id":"00000000-0000-4000-8000-%012d","occurred_at":"%s",' "$1" "$6"
    printf '"district":"%s","personnummer":"%s","placement_id":"%s","action":"%s",' "$2" "$3" "$4" "$5"
    printf '"legal_basis":"SoL","placement_form":"familjehem","start_date":"%s","school_change":true%s}\n' "$7" "${8:-}"
}
school_start() { # ID DISTRICT PNR PLACEMENT
    printf '{"type":"school_start","event_id":"00000000-0000-4000-8000-%012d","occurred_at":"2026-03-12T08:05:00+01:00",' "$1"
    printf '"district":"%s","personnummer":"%s","placement_id":"%s","school_unit":"12345678",' "$2" "$3" "$4"
    printf '"school_form":"grundskola","start_date":"2026-03-12"}\n'
}
handover() { # ID DISTRICT PNR HANDOVER PLACEMENT
    printf '{"type":"handover","event_id":"00000000-0000-4000-8000-%012d","occurred_at":"2026-03-03T14:00:00+01:00",' "$1"
    printf '"district":"%s","personnummer":"%s","handover_id":"%s","placement_id":"%s",' "$2" "$3" "$4" "$5"
    printf '"receiving_school_unit":"12345678","planned_start_date":"2026-03-09",'
    printf '"legal_ground":"consent_guardian","contact":%s}\n' "$CONTACT"
}
contact_change() { # ID DISTRICT PLACEMENT
    printf '{"type":"contact_change","event_id":"00000000-0000-4000-8000-%012d","occurred_at":"2026-04-01T09:00:00+02:00",' "$1"
    printf '"district":"%s","old_contact":%s,"new_contact":%s,"placements":["%s"],"effective_date":"2026-04-01"}\n' \
        "$2" "$CONTACT" "$CONTACT" "$3"
}
dlq_owner() { # TOPIC: its dead letters with reason owner
    kcat -C -b "$BS" -t "$1" -o beginning -e -q -f '%h\n' 2>/dev/null | grep "hub.reason=owner," || true
}

# ---- farsta's records ----
{
    placement 1 farsta "$A" "$P1" started 2026-03-02T09:00:00+01:00 2026-03-02
    school_start 2 farsta "$A" "$P1"
    handover 3 farsta "$A" "$H1" "$P1"
} >"$TMP/farsta.jsonl"
publish "$TMP/hub.conf" "$TMP/farsta.jsonl"
catch_up "$TMP/hub.conf" 120
dump_readmodel >"$TMP/before.txt"
grep -q "^placement|$P1|.*|farsta|" "$TMP/before.txt" || fail "farsta's placement is missing: $(cat "$TMP/before.txt")"

# ---- bromma reuses farsta's ids ----
{
    placement 11 bromma "$B" "$P1" ended 2026-03-20T09:00:00+01:00 2026-03-02 ',"end_date":"2026-03-20"'
    school_start 12 bromma "$B" "$P1"
    handover 13 bromma "$B" "$H1" "$P1"
    handover 14 bromma "$B" "$H2" "$P1"
    contact_change 15 bromma "$P1"
} >"$TMP/bromma.jsonl"
publish "$TMP/bromma.conf" "$TMP/bromma.jsonl"
catch_up "$TMP/hub.conf" 120
dump_readmodel >"$TMP/after.txt"
diff -u "$TMP/before.txt" "$TMP/after.txt" >"$TMP/diff.txt" ||
    fail "bromma changed farsta's records: $(head -n 20 "$TMP/diff.txt")"
dlq_owner dlq.readmodel >"$TMP/dlq.rm"
[[ $(wc -l <"$TMP/dlq.rm") == 5 ]] || fail "dlq.readmodel: $(wc -l <"$TMP/dlq.rm") owner dead letters, want 5: $(cat "$TMP/dlq.rm")"
for want in "000000000011: placement $P1 belongs to farsta; bromma may change only its own records" \
    "000000000012: placement $P1 belongs to farsta" "000000000013: handover $H1 belongs to farsta" \
    "000000000014: placement $P1 belongs to farsta" "000000000015: placement $P1 belongs to farsta"; do
    grep -qF "hub.detail=event_id=00000000-0000-4000-8000-$want" "$TMP/dlq.rm" ||
        fail "no owner dead letter '$want': $(cat "$TMP/dlq.rm")"
done

# the contest is registered for good, so a rebuild decides it the same way
[[ $(psql_hub -c "select kind || ':' || district from hub.record_owners where id = '$P1'") == placement:farsta ]] ||
    fail "hub.record_owners: $(psql_hub -c "select * from hub.record_owners")"

# ---- arrival order: bromma's school start before farsta's placement ----
school_start 21 bromma "$B" "$P2" >"$TMP/early.jsonl"
publish "$TMP/bromma.conf" "$TMP/early.jsonl"
catch_up "$TMP/hub.conf" 120
[[ $(psql_hub -c "select count(*) from hub.school_starts where placement_id = '$P2'") == 1 ]] ||
    fail "a school start before its placement was not kept"
{
    placement 22 farsta "$C" "$P2" started 2026-03-05T09:00:00+01:00 2026-03-05
    school_start 23 farsta "$C" "$P2"
} >"$TMP/late.jsonl"
publish "$TMP/hub.conf" "$TMP/late.jsonl"
catch_up "$TMP/hub.conf" 120
[[ $(psql_hub -c "select string_agg(district, ',') from hub.school_starts where placement_id = '$P2'") == farsta ]] ||
    fail "school starts of farsta's placement: $(psql_hub -c "select district from hub.school_starts where placement_id = '$P2'")"
[[ $(psql_hub -c "select kind, district, owner from hub.owner_conflicts where placement_id = '$P2'") == "school_start|bromma|farsta" ]] ||
    fail "owner_conflicts: $(psql_hub -c "select * from hub.owner_conflicts")"

# ---- a successor acts for the district merged into it ----
placement 31 rinkeby-kista "$C" "$P3" started 2023-05-02T09:00:00+02:00 2023-05-02 >"$TMP/rk.jsonl"
placement 32 jarva "$C" "$P3" changed 2026-05-02T09:00:00+02:00 2023-05-02 >"$TMP/jarva.jsonl"
publish "$TMP/hub.conf" "$TMP/rk.jsonl"
catch_up "$TMP/hub.conf" 120
publish "$TMP/hub.conf" "$TMP/jarva.jsonl"
catch_up "$TMP/hub.conf" 120
[[ $(psql_hub -c "select action from hub.placements where placement_id = '$P3'") == changed ]] ||
    fail "jarva could not change rinkeby-kista's placement"
[[ $(dlq_owner dlq.readmodel | wc -l) == 5 ]] || fail "more owner dead letters than bromma's five"

# ---- --rebuild reads the topics in another order and ends the same ----
dump_readmodel >"$TMP/before-rebuild.txt"
catch_up "$TMP/hub.conf" 120 --rebuild
dump_readmodel >"$TMP/after-rebuild.txt"
diff -u "$TMP/before-rebuild.txt" "$TMP/after-rebuild.txt" >"$TMP/diff.txt" ||
    fail "read model differs after --rebuild: $(head -n 20 "$TMP/diff.txt")"

# ---- the notifier does not act for bromma on farsta's records ----
start_notifier "$TMP/hub.conf" 1
nt_owner_dead() { (($(dlq_owner dlq.notifier | wc -l) >= 3)); }
wait_for 60 nt_owner_dead || fail "dlq.notifier: $(dlq_owner dlq.notifier | wc -l) owner dead letters, want 3"
wait_sql 60 "select count(*) from hub.notifier_outbox where handover_id = '$H1'" 1
stop_notifier 1 || true
dlq_owner dlq.notifier >"$TMP/dlq.nt"
[[ $(wc -l <"$TMP/dlq.nt") == 3 ]] || fail "dlq.notifier: $(cat "$TMP/dlq.nt")"
grep -qF "000000000013: handover $H1 belongs to farsta" "$TMP/dlq.nt" || fail "notifier: reused handover: $(cat "$TMP/dlq.nt")"
grep -qF "000000000014: placement $P1 belongs to farsta" "$TMP/dlq.nt" || fail "notifier: handover on farsta's placement: $(cat "$TMP/dlq.nt")"
grep -qF "000000000015: placement $P1 belongs to farsta" "$TMP/dlq.nt" || fail "notifier: contact change: $(cat "$TMP/dlq.nt")"
[[ $(psql_hub -c "select count(*) from hub.notifier_outbox where district = 'bromma'") == 0 ]] ||
    fail "the notifier queued notifications for bromma's events"
pass "bromma's 5 events on farsta's records dead-lettered (read model unchanged, notifier silent); early school start moved out; --rebuild equal"
