#!/usr/bin/env bash
# Two hub-readmodel processes in one group split the partitions between them; the combined result
# is exact (equal to one undisturbed consumer's).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_pg
need_cmd kcat
new_db
start_broker
write_conf "$TMP/hub.conf" "hub.consumer.batch_max=200"
migrate_db "$TMP/hub.conf"
gen_events --children 3000 --seed 21 >"$TMP/events.jsonl"
split -n l/3 -d "$TMP/events.jsonl" "$TMP/chunk."
total=$(count_events "$TMP/events.jsonl")

start_readmodel "$TMP/hub.conf" 1
start_readmodel "$TMP/hub.conf" 2
# wait until both members hold partitions before the events flow
for n in 1 2; do
    wait_for 60 grep -q "partitions assigned" "$TMP/rm.$n.log" || fail "member $n got no partitions: $(tail -n 3 "$TMP/rm.$n.log")"
done
for c in "$TMP"/chunk.*; do publish "$TMP/hub.conf" "$c"; sleep 1; done
wait_processed "$total" 180
kill_readmodel 1 TERM || fail "member 1 did not stop cleanly"
kill_readmodel 2 TERM || fail "member 2 did not stop cleanly"
for n in 1 2; do
    consumed=$(sed -n 's/.*msg="stopped" consumed=\([0-9]*\).*/\1/p' "$TMP/rm.$n.log" | tail -n 1)
    ((consumed > 0)) || fail "member $n consumed nothing: the partitions were not split"
    echo "member $n consumed $consumed" >&2
done
dump_readmodel >"$TMP/split.state"

new_named_db "${PGDATABASE}_ref"
PGDATABASE=${PGDATABASE}_ref write_conf "$TMP/ref.conf" "hub.readmodel.group=reference"
migrate_db "$TMP/ref.conf"
catch_up "$TMP/ref.conf" 300
PGDATABASE=${PGDATABASE}_ref dump_readmodel >"$TMP/ref.state"
diff -u "$TMP/ref.state" "$TMP/split.state" >"$TMP/diff" || fail "split consumption differs: $(head -n 20 "$TMP/diff")"
pass "two members, $total events, exact"
