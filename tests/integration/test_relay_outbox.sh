#!/usr/bin/env bash
# test_relay_outbox.sh — hub-relay publishes a district's outbox as hub-publish would.
#
# The district's database (a cluster of this test's own) gets the outbox with `hub-relay
# --migrate` (twice: the second applies nothing). District transactions record a change in their
# own table and insert every kind of event (handovers with content, sealed with the school
# directory of hub.schools.file) plus invalid rows into sams_outbox.events. Then:
#   - every valid row is `sent`, every invalid one `rejected` with a reason naming the row's field,
#     and the log names the row id; no personnummer in the log or in any reason;
#   - /metrics counts them and /readyz says ready;
#   - the read model built from what the relay published equals the one built from hub-publish
#     publishing the same events to a fresh broker (the one shared path);
#   - a child's rows were marked sent one after another (never two in one batch);
#   - a row locked by another session is passed over, not waited for (SKIP LOCKED).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/relaylib.sh"
need_pg
need_cmd curl
RELAY=$HUB_BUILD_DIR/producers/hub-relay
[[ -x $RELAY ]] || fail "$RELAY is not built"

start_district_pg
start_broker
new_db
write_conf "$TMP/hub.conf"
migrate_db "$TMP/hub.conf"
demo_events 6 3 "$TMP/events.jsonl"
relay_conf "$TMP/relay.conf" "hub.metrics.listen=127.0.0.1:0" "hub.relay.batch_max=50"

# --- the outbox, migrated twice -----------------------------------------------------------------
"$RELAY" --config "$TMP/relay.conf" --migrate >"$TMP/migrate1.out" 2>&1 ||
    fail "hub-relay --migrate failed: $(cat "$TMP/migrate1.out")"
grep -q "1 migration applied now" "$TMP/migrate1.out" || fail "first migrate: $(cat "$TMP/migrate1.out")"
"$RELAY" --config "$TMP/relay.conf" --migrate >"$TMP/migrate2.out" 2>&1 ||
    fail "second hub-relay --migrate failed: $(cat "$TMP/migrate2.out")"
grep -q "0 migrations applied now" "$TMP/migrate2.out" || fail "second migrate: $(cat "$TMP/migrate2.out")"
[[ $(district_psql -c "select max(version) from sams_outbox.schema_migrations") == 1 ]] ||
    fail "sams_outbox.schema_migrations is not at version 1"

# --- district transactions: valid events, and invalid rows between them ------------------------
n=$(wc -l <"$TMP/events.jsonl")
P=$(grep -m1 '"type":"placement"' "$TMP/events.jsonl" | "$HUB_PY" -c 'import json,sys; print(json.load(sys.stdin)["personnummer"])')
"$HUB_PY" - "$TMP/events.jsonl" "$P" >"$TMP/invalid.jsonl" <<'PY'
import json, sys
first = next(e for e in map(json.loads, open(sys.argv[1])) if e["type"] == "placement")
bad_date = dict(first, event_id="3f2a1b4c-0000-4000-8000-000000000001", start_date="2026-02-30")
unknown = dict(first, event_id="3f2a1b4c-0000-4000-8000-000000000002", colour="blue")
pnr_in_field = dict(first, event_id="3f2a1b4c-0000-4000-8000-000000000003", placement_municipality=sys.argv[2])
for e in (bad_date, unknown, pnr_in_field):
    print(json.dumps(e, ensure_ascii=False))
PY
head -n $((n / 2)) "$TMP/events.jsonl" >"$TMP/mixed.in"
cat "$TMP/invalid.jsonl" >>"$TMP/mixed.in"
tail -n +$((n / 2 + 1)) "$TMP/events.jsonl" >>"$TMP/mixed.in"
outbox_sql "$TMP/mixed.in" "$TMP/mixed.sql" 5
district_psql -f "$TMP/mixed.sql" >/dev/null || fail "the district's transactions failed"
[[ $(district_psql -c "select count(*) from sams_outbox.events where state = 'pending'") == $((n + 3)) ]] ||
    fail "not every inserted row is pending"

# --- the relay, until the outbox is empty ----------------------------------------------------------
# Meanwhile another session holds the first row locked (a second relay in the middle of its claim,
# a DBA's SELECT ... FOR UPDATE): the relay passes over it (SKIP LOCKED) instead of waiting, and
# publishes every row of every other child while the lock is held; a new district transaction
# commits meanwhile too.
locked=$(district_psql -c "select min(id) from sams_outbox.events")
key=$(district_psql -c "select order_key from sams_outbox.events where id = $locked")
PGAPPNAME=outbox-locker district_psql -c "begin" \
    -c "select id from sams_outbox.events where id = $locked for update" \
    -c "select pg_sleep(60)" -c "commit" >/dev/null 2>&1 &
locker=$!
at_exit "kill $locker 2>/dev/null"
locked_now() {
    [[ $(district_psql -c "select count(*) from pg_stat_activity where application_name = 'outbox-locker'
                             and wait_event = 'PgSleep'") == 1 ]]
}
wait_for 20 locked_now || fail "the locking session did not start"
"$RELAY" --config "$TMP/relay.conf" >"$TMP/relay.log" 2>&1 &
relay=$!
at_exit "kill -KILL $relay 2>/dev/null"
wait_for 30 grep -q 'msg="started"' "$TMP/relay.log" || fail "hub-relay did not start: $(tail -n 5 "$TMP/relay.log")"
others_done() {
    [[ $(district_psql -c "select count(*) from sams_outbox.events where state = 'pending' and order_key <> '$key'") == 0 ]]
}
wait_for 30 others_done || fail "while one row was locked, the other children's rows were not published"
kill -0 "$locker" 2>/dev/null || fail "the lock was released too early to prove anything"
[[ $(district_psql -c "select state from sams_outbox.events where id = $locked") == pending ]] ||
    fail "the locked row was published while locked"
district_psql -c "select pg_terminate_backend(pid) from pg_stat_activity
                  where application_name = 'outbox-locker'" >/dev/null
wait "$locker" 2>/dev/null || true
wait_for 60 outbox_drained ||
    fail "rows still pending: $(tail -n 5 "$TMP/relay.log")"
port=$(sed -n 's/.*msg="ops endpoints listening".* port=\([0-9]*\).*/\1/p' "$TMP/relay.log" | head -n 1)
[[ -n $port ]] || fail "hub-relay does not say where /metrics is: $(head -n 3 "$TMP/relay.log")"
curl -fsS "http://127.0.0.1:$port/metrics" >"$TMP/metrics" || fail "GET /metrics failed"
grep -qx "hub_relay_sent_total $n" "$TMP/metrics" || fail "/metrics: $(grep hub_relay_sent "$TMP/metrics")"
grep -qx "hub_relay_rejected_total 3" "$TMP/metrics" || fail "/metrics: $(grep hub_relay_rej "$TMP/metrics")"
grep -q "^hub_relay_latency_seconds_count $n" "$TMP/metrics" || fail "/metrics: no latency histogram"
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || fail "/readyz is not ready"
kill -TERM "$relay"
rc=0
wait "$relay" || rc=$?
((rc == 0)) || fail "hub-relay exited $rc on SIGTERM: $(tail -n 5 "$TMP/relay.log")"

[[ $(district_psql -c "select count(*) from sams_outbox.events where state = 'sent'") == "$n" ]] ||
    fail "not all $n valid rows are sent"
district_psql -c "select id, reason from sams_outbox.events where state = 'rejected' order by id" >"$TMP/rejected"
(($(wc -l <"$TMP/rejected") == 3)) || fail "expected 3 rejected rows: $(cat "$TMP/rejected")"
grep -q '|start_date: ' "$TMP/rejected" || fail "no start_date reason: $(cat "$TMP/rejected")"
grep -q '|member [0-9]*: unknown field' "$TMP/rejected" || fail "no unknown-field reason: $(cat "$TMP/rejected")"
grep -q '|placement_municipality: ' "$TMP/rejected" || fail "no placement_municipality reason: $(cat "$TMP/rejected")"
while IFS='|' read -r id _; do
    grep -q "outbox row $id: " "$TMP/relay.log" || fail "the log does not name rejected row $id"
done <"$TMP/rejected"
if relay_log_has_pnr "$TMP/relay.log" "$TMP/rejected"; then fail "a personnummer in clear"; fi
# A child's rows were marked in separate batches, in id order.
bad=$(district_psql -c "select count(*) from (select sent_at, lag(sent_at) over (partition by order_key order by id) prev
                          from sams_outbox.events where state = 'sent') s where sent_at <= prev")
((bad == 0)) || fail "$bad rows were sent together with or before an earlier row of their child"

# --- the read model equals the one hub-publish gives for the same events -------------------------
catch_up "$TMP/hub.conf" 120
dump_readmodel >"$TMP/relay.state"
stop_broker || true
start_broker
new_named_db reference
PGDATABASE=reference write_conf "$TMP/ref.conf" "hub.schools.file=$TMP/schools.csv"
migrate_db "$TMP/ref.conf"
publish "$TMP/ref.conf" "$TMP/events.jsonl"
PGDATABASE=reference catch_up "$TMP/ref.conf" 120
PGDATABASE=reference dump_readmodel >"$TMP/ref.state"
diff -u "$TMP/ref.state" "$TMP/relay.state" >"$TMP/diff" ||
    fail "the read model from the relay differs from hub-publish's: $(head -n 20 "$TMP/diff")"
grep -q "^handover|" "$TMP/relay.state" || fail "no handover reached the read model"
pass "$n rows sent, 3 rejected with their reasons; read model equal to hub-publish's"
