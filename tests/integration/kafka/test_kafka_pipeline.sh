#!/usr/bin/env bash
# The hub end to end on the real cluster, every program as its own user with only its ACLs:
#   1. districts publish (each as district-<code>) the read-model fixtures; hub-readmodel (as
#      hub-readmodel) holds exactly the expected rows, arrival order across topics notwithstanding;
#   2. forged messages — bytes that are no event, and well-formed events without a signature —
#      written by a district's user (ACLs let a district write its topics; they cannot judge
#      content) are dead-lettered on dlq.readmodel and dlq.notifier with reason signature (checked
#      before anything else), every one of them, and none reaches the read model;
#   3. hub-notifier (as hub-notifier) reads handover-events and contact-change-events: a handover
#      reaches the school's webhook signed, a contact change reaches the school under that
#      contact (the ACL the table once lacked), a handover without legal ground is withheld, and
#      the receipts it writes to handover-receipts come back into the read model.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../notifylib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/kafkalib.sh"
need_pg
need_kafka
new_db
D=$HUB_SOURCE_DIR/tests/integration/data
kafka_conf "$TMP/rm.conf" hub-readmodel "hub.consumer.batch_wait_ms=10"
migrate_db "$TMP/rm.conf"

# Publishes FILE's events district by district, each as that district's user.
publish_as_districts() {
    local file=$1 d
    for d in $(grep -o '"district": *"[^"]*"' "$file" | sed 's/.*"\([^"]*\)"$/\1/' | sort -u); do
        grep -E "\"district\": *\"$d\"" "$file" >"$TMP/in.$d.jsonl"
        kafka_conf "$TMP/pub.$d.conf" "district-$d"
        publish "$TMP/pub.$d.conf" "$TMP/in.$d.jsonl"
    done
}

# --- 1. publish → read model, exact ----------------------------------------------------------
start_readmodel "$TMP/rm.conf" 1
publish_as_districts "$D/readmodel_phase1.jsonl"
publish_as_districts "$D/readmodel_phase2.jsonl"
grep -ho '"event_id": *"[^"]*"' "$D/readmodel_phase1.jsonl" "$D/readmodel_phase2.jsonl" |
    sed 's/.*"\([^"]*\)"$/\1/' | sort -u >"$TMP/ids.txt"
(($(wc -l <"$TMP/ids.txt") == 13)) || fail "the fixtures hold $(wc -l <"$TMP/ids.txt") events, want 13"
psql_hub -c "create table want_ids (id uuid primary key)"
psql_hub -c "\\copy want_ids from '$TMP/ids.txt'"
wait_sql 120 "select count(*) from want_ids where id in (select event_id from hub.processed_events)" 13

expect() { # SQL expected-output
    local got
    got=$(psql_hub -F'|' -c "$1")
    [[ $got == "$2" ]] || fail "query: $1
  expected: $2
  got:      $got"
}
A1=00000000-0000-4000-8000-0000000000a1
A2=00000000-0000-4000-8000-0000000000a2
A3=00000000-0000-4000-8000-0000000000a3
A4=00000000-0000-4000-8000-0000000000a4
OURS="placement_id in ('$A1','$A2','$A3','$A4')"
expect "select count(*) from hub.placements where $OURS" 4
expect "select action, legal_basis, placement_form, start_date, end_date, district, age_group, legal_sex, placement_municipality from hub.placements where placement_id='$A1'" \
    "changed|LVU|hvb|2026-03-02||farsta|6-12|female|0138"
expect "select school_unit, school_start_date, days_to_school_start from hub.placement_first_school_start where placement_id='$A1'" \
    "12345678|2026-03-12|10"
expect "select action, placement_form, end_date, age_group, legal_sex from hub.placements where placement_id='$A2'" \
    "ended|sis|2026-03-25|6-12|male"
expect "select days_to_school_start from hub.placement_first_school_start where placement_id='$A2'" "0"
expect "select coalesce(days_to_school_start::text, 'none') from hub.placement_first_school_start where placement_id='$A3'" "none"
expect "select days_to_school_start from hub.placement_first_school_start where placement_id='$A4'" "5"
expect "select legal_ground, contact_name, receiving_school_unit from hub.handovers where $OURS" "none|Eva Socialsekreterare|55555555"
expect "select count(distinct child) from hub.placements where placement_id in ('$A1','$A4')" "1"

# --- 2. forged messages: dead letters with reasons -------------------------------------------------
# "TOPIC PARTITION END" of every event topic's partition
ends() {
    local t p args=()
    for t in placement-events school-start-events handover-events contact-change-events; do
        for ((p = 0; p < 16; p++)); do args+=(-t "$t:$p:-1"); done
    done
    kc admin -Q "${args[@]}" | sed -n 's/^\([^ ]*\) \[\([0-9]*\)\] offset \([0-9]*\)$/\1 \2 \3/p' | sort
}
ends >"$TMP/ends.before"
(($(wc -l <"$TMP/ends.before") == 64)) || fail "cannot read the event topics' end offsets"
printf 'forged-key-1:%s\n' 'this is not an event' | kc district-bromma -P -K: -t placement-events ||
    fail "district-bromma cannot write placement-events"
# well-formed events without a signature (a district publisher with hub.signing.required=false)
gen_events --children 2 --seed 99 --district bromma >"$TMP/unsigned.jsonl"
grep -q '"type": *"handover"' "$TMP/unsigned.jsonl" || fail "no handover among the unsigned events"
kafka_conf "$TMP/unsigned.conf" district-bromma "hub.signing.required=false" "hub.signing.key_dir="
publish "$TMP/unsigned.conf" "$TMP/unsigned.jsonl"
n_unsigned=$(count_events "$TMP/unsigned.jsonl")
ends >"$TMP/ends.after"
# Every message written since (ours alone: the label's tests run one at a time) must come out on
# DLQ_TOPIC with reason signature and its exact origin (topic, partition, offset).
forged_origins() { # TOPIC-FILTER: "topic,partition,offset" of each forged message on those topics
    join <(awk '{print $1 "/" $2, $3}' "$TMP/ends.before") <(awk '{print $1 "/" $2, $3}' "$TMP/ends.after") |
        awk -v f="$1" '{split($1, tp, "/"); if (tp[1] ~ f) for (o = $2; o < $3; o++) print tp[1] "," tp[2] "," o}'
}
forged_origins . >"$TMP/forged.txt"
(($(wc -l <"$TMP/forged.txt") == 1 + n_unsigned)) ||
    fail "$(wc -l <"$TMP/forged.txt") messages written, want $((1 + n_unsigned))"
all_dead() { # DLQ_TOPIC TOPIC-FILTER
    kc admin -C -t "$1" -o beginning -e -q -f '%h\n' |
        sed -n 's/.*hub.reason=signature,.*hub.source.topic=\([^,]*\),hub.source.partition=\([0-9]*\),hub.source.offset=\([0-9]*\).*/\1,\2,\3/p' |
        sort -u >"$TMP/dead.$1"
    [[ -z $(comm -23 <(forged_origins "$2" | sort) "$TMP/dead.$1") ]]
}
wait_secs 90 all_dead dlq.readmodel . ||
    fail "forged messages not dead-lettered by hub-readmodel: $(comm -23 <(forged_origins . | sort) "$TMP/dead.dlq.readmodel" | head -n 3)"
[[ $(psql_hub -c "select count(*) from hub.processed_events where event_id in ($(grep -o '"event_id": *"[^"]*"' "$TMP/unsigned.jsonl" | sed "s/.*\"\([^\"]*\)\"$/'\1'/" | paste -sd,))") == 0 ]] ||
    fail "an unsigned event reached the read model"

# --- 3. hub-notifier as its own user --------------------------------------------------------------
ensure_schools_table
A=$((96000000 + RANDOM % 100000))
new_secret A
start_receiver A
add_school "$A" "http://127.0.0.1:${RECV_PORT[A]}/hooks/sams" "$TMP/A.secret"
kafka_conf "$TMP/nt.conf" hub-notifier "hub.notifier.listen=127.0.0.1:0" "hub.notifier.allow_ranges=127.0.0.0/8" \
    "hub.notifier.listen_port_file=$TMP/notifier.port" "hub.notifier.allow_http=true" \
    "hub.notifier.poll_ms=100" "hub.notifier.backoff_base_ms=200" "hub.notifier.backoff_max_s=1" \
    "hub.notifier.timeout_s=5" "hub.notifier.lease_s=60" "hub.consumer.batch_wait_ms=10"
kafka_conf "$TMP/farsta.conf" district-farsta
start_notifier "$TMP/nt.conf" 1
wait_secs 60 test -s "$TMP/notifier.port" || fail "no receipt endpoint port: $(tail -5 "$TMP/nt.1.log")"
wait_secs 90 all_dead dlq.notifier 'handover-events|contact-change-events' ||
    fail "forged handovers not dead-lettered by hub-notifier: $(comm -23 <(forged_origins 'handover-events|contact-change-events' | sort) "$TMP/dead.dlq.notifier" | head -n 3)"

out=$(notify_tool handover --config "$TMP/farsta.conf" --district farsta --school "$A" \
    --contact-email olle@stockholm.se) || fail "publishing a handover as district-farsta failed"
H1=$(sed -n 's/.*handover_id=\([^ ]*\).*/\1/p' <<<"$out")
wait_sql 90 "select state from hub.notifier_outbox where handover_id = '$H1'" delivered
[[ $(recv_count A "b.get('handover_id') == '$H1' and r['sig_valid'] and r['status'] == 200") == 1 ]] ||
    fail "school $A did not receive handover $H1 once, signed"

EV=$(notify_tool contact-change --config "$TMP/farsta.conf" --district farsta --old-email olle@stockholm.se \
    --new-name "Kim Samordnare" --new-email kim@stockholm.se --school "$A" | sed -n 's/event_id=//p')
[[ -n $EV ]] || fail "publishing a contact change as district-farsta failed"
wait_sql 90 "select count(*) from hub.notifier_outbox where source_event_id = '$EV' and state = 'delivered'" 1
[[ $(recv_count A "b.get('type') == 'contact.changed' and r['sig_valid'] and b['new_contact']['email'] == 'kim@stockholm.se'") == 1 ]] ||
    fail "school $A did not get the contact change"

out=$(notify_tool handover --config "$TMP/farsta.conf" --district farsta --school "$A" --legal-ground none) ||
    fail "publishing a handover without legal ground failed"
H0=$(sed -n 's/.*handover_id=\([^ ]*\).*/\1/p' <<<"$out")
wait_sql 60 "select state from hub.notifier_outbox where handover_id = '$H0'" withheld
# the notifier's receipts (withheld, delivered) went to handover-receipts as hub-notifier, and the
# read model read them back as hub-readmodel
wait_sql 90 "select count(*) from hub.handover_receipts where handover_id in ('$H0', '$H1')" 2
stop_notifier 1 || fail "hub-notifier did not stop cleanly: $(tail -n 5 "$TMP/nt.1.log")"
kill_readmodel 1 TERM || fail "hub-readmodel did not stop cleanly: $(tail -n 5 "$TMP/rm.1.log")"
pass "13 events exact; $((1 + n_unsigned)) forged messages dead-lettered with their origin; notifier: handover, contact change, withheld, receipts back in the read model"
