#!/usr/bin/env bash
# kill -9 the read-model consumer at random moments, six times, while 20,000 events flow; after
# the last restart the read model equals that of an undisturbed consumer: no loss, no duplicates
# (follow-ups too: newest review per placement and tertial, corrections and late reports among them).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_pg
need_cmd kcat
new_db
start_broker
write_conf "$TMP/hub.conf" "hub.consumer.batch_max=200"
migrate_db "$TMP/hub.conf"

gen_events --children 7100 --seed 7 --follow-ups >"$TMP/events.jsonl"
split -n l/10 -d "$TMP/events.jsonl" "$TMP/chunk."
total=$(count_events "$TMP/events.jsonl")
((total >= 20000)) || fail "generator made only $total events"
grep -q '"type": "follow_up"' "$TMP/events.jsonl" || fail "the events hold no follow-up"

RANDOM=42
start_readmodel "$TMP/hub.conf" 1
(for c in "$TMP"/chunk.*; do
    "$HUB_BUILD_DIR/producers/hub-publish" --config "$TMP/hub.conf" "$c" 2>>"$TMP/publish.log" || exit 1
    sleep 5
done) &
publisher=$!

kills=0
while ((kills < 6)); do
    # wait until this incarnation has committed something, then kill it mid-stream
    before=$(psql_hub -c "select count(*) from hub.processed_events")
    for ((i = 0; i < 400; i++)); do
        now=$(psql_hub -c "select count(*) from hub.processed_events")
        ((now > before)) && break
        sleep 0.05
    done
    ((now >= total)) && break
    sleep "0.$((RANDOM % 5))$((RANDOM % 10))"
    kill_readmodel 1 KILL || true
    kills=$((kills + 1))
    echo "kill -9 #$kills at $(psql_hub -c 'select count(*) from hub.processed_events') of $total" >&2
    start_readmodel "$TMP/hub.conf" 1
done
wait "$publisher" || fail "publishing failed: $(tail -n 3 "$TMP/publish.log")"
((kills >= 5)) || fail "only $kills kills happened before the stream ended"
wait_processed "$total" 240
kill_readmodel 1 TERM || fail "hub-readmodel did not stop cleanly on SIGTERM: $(tail -n 5 "$TMP/rm.1.log")"
dump_readmodel >"$TMP/chaos.state"

# The undisturbed reference: another database, another group, the same topics.
new_named_db "${PGDATABASE}_ref"
PGDATABASE=${PGDATABASE}_ref write_conf "$TMP/ref.conf" "hub.readmodel.group=reference"
migrate_db "$TMP/ref.conf"
catch_up "$TMP/ref.conf" 300
PGDATABASE=${PGDATABASE}_ref dump_readmodel >"$TMP/ref.state"
diff -u "$TMP/ref.state" "$TMP/chaos.state" >"$TMP/diff" || fail "read model after $kills kills differs from the reference: $(head -n 20 "$TMP/diff")"
[[ $(tail -n 1 "$TMP/chaos.state") == "processed|$total" ]] || fail "processed events: $(tail -n 1 "$TMP/chaos.state"), want $total"
pass "$kills kills, $total events, state equals the reference"
