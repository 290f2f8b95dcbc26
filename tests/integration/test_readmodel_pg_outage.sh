#!/usr/bin/env bash
# PostgreSQL stops for a few seconds mid-stream: the consumer pauses its partitions, stays in its
# group, retries the same batch, and after the database returns the state is exact.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_cmd kcat psql pg_isready
# A cluster of its own, since this test stops it.
PGS=$TMP/pg
bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >"$TMP/pg.out" 2>&1 || fail "cannot start PostgreSQL: $(tail -n 3 "$TMP/pg.out")"
at_exit "bash '$HUB_SOURCE_DIR/deploy/pg.sh' stop '$PGS' >/dev/null 2>&1"
eval "$(bash "$HUB_SOURCE_DIR/deploy/pg.sh" env "$PGS")"
export HUB_TEST_PGHOST=$PGHOST HUB_TEST_PGPORT=$PGPORT HUB_TEST_PGDATABASE=$PGDATABASE HUB_TEST_PGUSER=$PGUSER
start_broker
write_conf "$TMP/hub.conf" "hub.consumer.batch_max=200"
migrate_db "$TMP/hub.conf"

gen_events --children 4000 --seed 11 >"$TMP/events.jsonl"
split -n l/5 -d "$TMP/events.jsonl" "$TMP/chunk."
total=$(count_events "$TMP/events.jsonl")

start_readmodel "$TMP/hub.conf" 1
(for c in "$TMP"/chunk.*; do
    "$HUB_BUILD_DIR/producers/hub-publish" --config "$TMP/hub.conf" "$c" 2>>"$TMP/publish.log" || exit 1
    sleep 2
done) &
publisher=$!

wait_processed 1500 120
bash "$HUB_SOURCE_DIR/deploy/pg.sh" stop "$PGS" >>"$TMP/pg.out" 2>&1 || fail "cannot stop PostgreSQL"
echo "PostgreSQL stopped" >&2
sleep 5
kill -0 "${RM_PID[1]}" 2>/dev/null || fail "hub-readmodel died while PostgreSQL was down: $(tail -n 5 "$TMP/rm.1.log")"
bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >>"$TMP/pg.out" 2>&1 || fail "cannot restart PostgreSQL"
echo "PostgreSQL started again" >&2
wait "$publisher" || fail "publishing failed"
wait_processed "$total" 180
kill_readmodel 1 TERM || fail "hub-readmodel did not stop cleanly: $(tail -n 5 "$TMP/rm.1.log")"
grep -q "partitions paused" "$TMP/rm.1.log" || fail "the consumer never paused (did the outage hit it?)"
grep -q "database back; partitions resumed" "$TMP/rm.1.log" || fail "the consumer never resumed"
dump_readmodel >"$TMP/outage.state"

new_named_db reference
PGDATABASE=reference write_conf "$TMP/ref.conf" "hub.readmodel.group=reference"
migrate_db "$TMP/ref.conf"
catch_up "$TMP/ref.conf" 300
PGDATABASE=reference dump_readmodel >"$TMP/ref.state"
diff -u "$TMP/ref.state" "$TMP/outage.state" >"$TMP/diff" || fail "state after the outage differs: $(head -n 20 "$TMP/diff")"
pass "$total events across a PostgreSQL outage, state exact"
