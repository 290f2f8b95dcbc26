#!/usr/bin/env bash
# Brokers die under a stream of events on the real cluster (acks=all, min.insync.replicas=2,
# replication factor 3), and hub-publish's exit code says exactly what was acknowledged.
#
# 1. Eleven districts publish, each as its own user (district-<code>), while hub-readmodel
#    consumes as hub-readmodel. Mid-stream the broker leading placement-events partition 0 is
#    killed with SIGKILL, and so is the read-model consumer once. Two brokers keep the ISR at
#    the minimum: every hub-publish must exit 0, and then the event topics grew by exactly the
#    number of events published (0 lost, 0 written twice on the broker).
# 2. With a second broker killed (one left: below min.insync.replicas), hub-publish must not
#    claim success: exit 1, naming every event it did not get acknowledged. With the brokers
#    back, the same file is published again and exits 0 (event ids make that safe).
# 3. The read model then holds every event id of both phases, and equals, table by table, the
#    read model an undisturbed consumer builds from the same topics in a fresh database: no loss
#    and no duplicate from either kill.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/kafkalib.sh"
need_pg
need_kafka
new_db
KL=(bash "$HUB_SOURCE_DIR/deploy/kafka-local.sh")
EVENT_TOPICS=(placement-events school-start-events handover-events contact-change-events)

kafka_conf "$TMP/rm.conf" hub-readmodel "hub.consumer.batch_max=300"
migrate_db "$TMP/rm.conf"
mapfile -t DISTRICTS < <(awk -F, 'NR > 1 && $4 == "" {print $1}' "$HUB_SOURCE_DIR/schemas/reference/districts.csv")
seed=1600
for d in "${DISTRICTS[@]}"; do
    kafka_conf "$TMP/pub.$d.conf" "district-$d" "hub.publish.flush_timeout_ms=120000"
    seed=$((seed + 1)) # (one seed for all would give every district the same event ids)
    gen_events --children 130 --seed "$seed" --district "$d" >"$TMP/events.$d.jsonl"
done
cat "$TMP"/events.*.jsonl >"$TMP/all1.jsonl"
total1=$(count_events "$TMP/all1.jsonl")
((total1 >= 4000)) || fail "generator made only $total1 events"

# Brokers killed here come back whatever happens, for the tests after this one.
restore_brokers() {
    local n
    for n in 1 2 3; do "${KL[@]}" start-node "$n" >/dev/null 2>&1 || true; done
}
at_exit restore_brokers

before=$(hw_sum "${EVENT_TOPICS[@]}")
start_readmodel "$TMP/rm.conf" 1
(for d in "${DISTRICTS[@]}"; do
    rc=0
    "$HUB_BUILD_DIR/producers/hub-publish" --config "$TMP/pub.$d.conf" "$TMP/events.$d.jsonl" \
        2>"$TMP/publish.$d.log" || rc=$?
    echo "$d $rc" >>"$TMP/publish.rc"
done) &
publisher=$!

# Mid-stream: once a fifth of the events are on the brokers, kill the leader of
# placement-events/0, then the consumer.
past_fifth() { (($(hw_sum "${EVENT_TOPICS[@]}") > before + total1 / 5)); }
wait_secs 300 past_fifth || fail "the stream did not start: $(cat "$TMP"/publish.*.log | tail -n 3)"
leader=$(leader_of placement-events 0)
[[ $leader =~ ^[123]$ ]] || fail "no leader for placement-events/0: '$leader'"
at=$(($(hw_sum "${EVENT_TOPICS[@]}") - before))
"${KL[@]}" kill-node "$leader" 2>>"$TMP/kl.log"
_hub_log "killed broker $leader (leader of placement-events/0) with $at of $total1 events on the brokers"
sleep 2
kill_readmodel 1 KILL || true
start_readmodel "$TMP/rm.conf" 1

wait "$publisher" || true
bad=$(awk '$2 != 0' "$TMP/publish.rc")
[[ -z $bad ]] || fail "hub-publish failed with one broker down (min.insync.replicas=2 still met): $bad: $(tail -n 3 "$TMP/publish.$(awk '$2 != 0 {print $1; exit}' "$TMP/publish.rc").log")"
(($(wc -l <"$TMP/publish.rc") == ${#DISTRICTS[@]})) || fail "not every district published"
grown=$(($(hw_sum "${EVENT_TOPICS[@]}") - before))
((grown == total1)) || fail "hub-publish acknowledged $total1 events, the event topics grew by $grown"
_hub_log "phase 1: $total1 events acknowledged, topics grew by $grown, with broker $leader down"

# --- 2. below min.insync.replicas: no false success ----------------------------------------------
second=$((leader % 3 + 1))
"${KL[@]}" kill-node "$second" 2>>"$TMP/kl.log"
gen_events --children 20 --seed 17 --district bromma >"$TMP/late.jsonl"
n_late=$(count_events "$TMP/late.jsonl")
kafka_conf "$TMP/late.conf" district-bromma "hub.publish.flush_timeout_ms=8000" "kafka.message.timeout.ms=7000"
rc=0
timeout 120 "$HUB_BUILD_DIR/producers/hub-publish" --config "$TMP/late.conf" "$TMP/late.jsonl" \
    2>"$TMP/late.log" || rc=$?
((rc == 1)) || fail "one broker of three (below min.insync.replicas=2): hub-publish exited $rc, want 1: $(tail -n 3 "$TMP/late.log")"
named=0
while read -r id; do
    grep -q -- "$id" "$TMP/late.log" && named=$((named + 1))
done < <(grep -o '"event_id": *"[^"]*"' "$TMP/late.jsonl" | sed 's/.*"\([^"]*\)"$/\1/')
((named == n_late)) || fail "hub-publish named $named of the $n_late events it could not get acknowledged"
_hub_log "phase 2: exit 1 with one broker left, all $n_late unacknowledged events named"

"${KL[@]}" start-node "$second" 2>>"$TMP/kl.log" || fail "broker $second did not come back"
"${KL[@]}" start-node "$leader" 2>>"$TMP/kl.log" || fail "broker $leader did not come back"
kafka_conf "$TMP/late.conf" district-bromma "hub.publish.flush_timeout_ms=120000"
publish "$TMP/late.conf" "$TMP/late.jsonl"

# --- 3. the read model: every event, once, as an undisturbed consumer sees the same log ---------
cat "$TMP/all1.jsonl" "$TMP/late.jsonl" | grep -o '"event_id": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/' |
    sort -u >"$TMP/ids.txt"
want=$(wc -l <"$TMP/ids.txt")
psql_hub -c "create table want_ids (id uuid primary key)"
psql_hub -c "\\copy want_ids from '$TMP/ids.txt'"
missing_ids() {
    psql_hub -c "select count(*) from want_ids where id not in (select event_id from hub.processed_events)"
}
ok=0
for ((i = 0; i < 240; i++)); do
    m=$(missing_ids)
    if ((m == 0)); then ok=1; break; fi
    sleep 1
done
((ok)) || fail "the read model lacks $m of the $want event ids after 240 s: $(tail -n 5 "$TMP/rm.1.log")"
sleep 3 # let it finish whatever else is on the topics
kill_readmodel 1 TERM || fail "hub-readmodel did not stop cleanly: $(tail -n 5 "$TMP/rm.1.log")"
dump_readmodel >"$TMP/killed.state"

new_named_db "${PGDATABASE}_ref"
PGDATABASE=${PGDATABASE}_ref kafka_conf "$TMP/ref.conf" hub-readmodel
migrate_db "$TMP/ref.conf"
# (not catch_up's exit-when-idle: a real group's assignment can leave a few idle seconds at the
# start; the reference runs until it has processed as many events as the killed one)
n_killed=$(psql_hub -c "select count(*) from hub.processed_events")
start_readmodel "$TMP/ref.conf" 2
ref_done() { (($(PGDATABASE=${PGDATABASE}_ref psql_hub -c "select count(*) from hub.processed_events") >= n_killed)); }
wait_secs 300 ref_done || fail "the undisturbed consumer processed $(PGDATABASE=${PGDATABASE}_ref psql_hub -c "select count(*) from hub.processed_events") of $n_killed events in 300 s"
sleep 3
kill_readmodel 2 TERM || fail "the reference hub-readmodel did not stop cleanly: $(tail -n 5 "$TMP/rm.2.log")"
PGDATABASE=${PGDATABASE}_ref dump_readmodel >"$TMP/ref.state"
diff -u "$TMP/ref.state" "$TMP/killed.state" >"$TMP/diff" ||
    fail "the read model after the kills differs from an undisturbed one: $(head -n 20 "$TMP/diff")"
pass "broker $leader (leader) killed mid-stream at $at/$total1: $total1 acknowledged, topics +$grown (0 lost, 0 duplicated); one broker left: exit 1, $n_late named; read model equals the undisturbed one"
