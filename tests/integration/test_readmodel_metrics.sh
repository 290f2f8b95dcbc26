#!/usr/bin/env bash
# Operability of a running consumer: every counter and gauge exists at 0 before the first event;
# /metrics counts exactly what was published, per topic; /healthz answers; /readyz is ready with
# partitions and a live database, turns unready while PostgreSQL is stopped, and ready again
# after; the lag gauge counts the events that wait during the outage (held in memory or not
# fetched) and returns to 0 once they are committed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_cmd kcat curl psql pg_isready
PGS=$TMP/pg
bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >"$TMP/pg.out" 2>&1 || fail "cannot start PostgreSQL"
at_exit "bash '$HUB_SOURCE_DIR/deploy/pg.sh' stop '$PGS' >/dev/null 2>&1"
eval "$(bash "$HUB_SOURCE_DIR/deploy/pg.sh" env "$PGS")"
export HUB_TEST_PGHOST=$PGHOST HUB_TEST_PGPORT=$PGPORT HUB_TEST_PGDATABASE=$PGDATABASE HUB_TEST_PGUSER=$PGUSER
start_broker
port=$((20000 + RANDOM % 20000))
write_conf "$TMP/hub.conf" "hub.metrics.listen=127.0.0.1:$port"
migrate_db "$TMP/hub.conf"
M=http://127.0.0.1:$port

start_readmodel "$TMP/hub.conf" 1
wait_for 60 curl -sf "$M/readyz" -o /dev/null || fail "never ready: $(curl -s "$M/readyz"; tail -n 3 "$TMP/rm.1.log")"
curl -sf "$M/healthz" | grep -qx ok || fail "/healthz does not say ok"
curl -sf "$M/metrics" >"$TMP/m0"
for series in 'hub_consumed_total{topic="placement-events"} 0' 'hub_consumed_total{topic="handover-events"} 0' \
    'hub_consumer_lag_messages{topic="placement-events"} 0' 'hub_db_retries_total 0'; do
    grep -qxF "$series" "$TMP/m0" || fail "before the first event /metrics lacks '$series': $(grep -E 'consumed|lag|retries' "$TMP/m0" | head -n 5)"
done

gen_events --children 200 --seed 5 >"$TMP/events.jsonl"
publish "$TMP/hub.conf" "$TMP/events.jsonl"
total=$(count_events "$TMP/events.jsonl")
placements=$(grep -c '"type": "placement"' "$TMP/events.jsonl")
wait_processed "$total" 120
consumed() { curl -sf "$M/metrics" | sed -n "s/^hub_consumed_total{topic=\"$1\"} //p"; }
placements_counted() { [[ $(consumed placement-events) == "$placements" ]]; }
wait_for 10 placements_counted ||
    fail "/metrics says $(consumed placement-events) placement events, $placements were published"
sum=$(curl -sf "$M/metrics" | awk '/^hub_consumed_total\{/ {s += $2} END {print s}')
((sum == total)) || fail "/metrics counts $sum messages in all, $total were published"
curl -sf "$M/metrics" | grep -q '^hub_batch_seconds_count [1-9]' || fail "no batch latency histogram"
curl -sf "$M/metrics" | grep -q '^hub_consumer_lag_messages{topic="placement-events"} 0$' ||
    fail "lag not 0 after catching up: $(curl -sf "$M/metrics" | grep lag)"

bash "$HUB_SOURCE_DIR/deploy/pg.sh" stop "$PGS" >>"$TMP/pg.out" 2>&1 || fail "cannot stop PostgreSQL"
unready() { [[ $(curl -s -o /dev/null -w '%{http_code}' "$M/readyz") == 503 ]]; }
wait_for 20 unready ||
    fail "/readyz still ready while PostgreSQL is stopped: $(tail -n 5 "$TMP/rm.1.log")"
curl -s "$M/readyz" | grep -q "database" || fail "/readyz does not say why"
# events published during the outage are behind, whether fetched or not
gen_events --children 60 --seed 6 --placements-only >"$TMP/during.jsonl"
during=$(count_events "$TMP/during.jsonl")
publish "$TMP/hub.conf" "$TMP/during.jsonl"
lag_now() { curl -sf "$M/metrics" | sed -n 's/^hub_consumer_lag_messages{topic="placement-events"} //p'; }
lagging() { [[ $(lag_now) == "$during" ]]; }
wait_for 20 lagging || fail "lag is $(lag_now) with $during placement events waiting for the database"
bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >>"$TMP/pg.out" 2>&1 || fail "cannot restart PostgreSQL"
wait_for 30 curl -sf "$M/readyz" -o /dev/null || fail "/readyz not ready again after PostgreSQL returned"
wait_processed $((total + during)) 60
caught_up() { [[ $(lag_now) == 0 ]]; }
wait_for 20 caught_up || fail "lag is $(lag_now) after the outage's events were committed"
kill_readmodel 1 TERM || fail "hub-readmodel did not stop cleanly"
pass "$total events counted; readiness followed the database"
