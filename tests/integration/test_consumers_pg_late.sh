#!/usr/bin/env bash
# PostgreSQL is down when the consumers start (a host booting, a database that comes up 50 s
# later): hub-readmodel, hub-notifier and hub-stats must not exit. They log that they wait,
# /readyz answers 503 "waiting for the database" meanwhile, and once PostgreSQL starts they catch
# up: every event in the read model, every handover delivered. Before issue 15 the three exited 1
# at once, and the units' restart limits left them failed for good.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/notifylib.sh"
need_cmd psql pg_isready curl
# A cluster of its own, since this test stops it.
PGS=$TMP/pg
bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >"$TMP/pg.out" 2>&1 || fail "cannot start PostgreSQL: $(tail -n 3 "$TMP/pg.out")"
at_exit "bash '$HUB_SOURCE_DIR/deploy/pg.sh' stop '$PGS' >/dev/null 2>&1"
eval "$(bash "$HUB_SOURCE_DIR/deploy/pg.sh" env "$PGS")"
export HUB_TEST_PGHOST=$PGHOST HUB_TEST_PGPORT=$PGPORT HUB_TEST_PGDATABASE=$PGDATABASE HUB_TEST_PGUSER=$PGUSER
start_broker
free_port() { "$HUB_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
RM_PORT=$(free_port)
NT_PORT=$(free_port)
write_conf "$TMP/rm.conf" "hub.metrics.listen=127.0.0.1:$RM_PORT"
notifier_conf "$TMP/nt.conf" "hub.metrics.listen=127.0.0.1:$NT_PORT"
migrate_db "$TMP/rm.conf"
ensure_schools_table
A=50000001
new_secret A
start_receiver A
add_school "$A" "http://127.0.0.1:${RECV_PORT[A]}/in" "$TMP/A.secret"
gen_events --children 300 --seed 21 >"$TMP/events.jsonl"
total=$(count_events "$TMP/events.jsonl")
publish "$TMP/rm.conf" "$TMP/events.jsonl"
notify_tool rate --config "$TMP/nt.conf" --school "$A" --rate 20 --seconds 1 >"$TMP/rate.out" \
    2>"$TMP/notify_tool.log" || fail "could not publish handovers: $(tail -n 3 "$TMP/notify_tool.log")"
N=$(sed -n 's/.*published=\([0-9]*\).*/\1/p' "$TMP/rate.out")
((N > 0)) || fail "no handover published"

bash "$HUB_SOURCE_DIR/deploy/pg.sh" stop "$PGS" >>"$TMP/pg.out" 2>&1 || fail "cannot stop PostgreSQL"
echo "PostgreSQL stopped" >&2
start_readmodel "$TMP/rm.conf" 1
start_notifier "$TMP/nt.conf" 1
"$HUB_BUILD_DIR/consumers/hub-stats" --config "$TMP/rm.conf" >"$TMP/stats.log" 2>&1 &
STATS_PID=$!
at_exit "kill -KILL $STATS_PID 2>/dev/null || true"

waiting() { [[ $(curl -s "http://127.0.0.1:$1/readyz") == *"waiting for the database"* ]]; }
wait_for 30 waiting "$RM_PORT" || fail "hub-readmodel's /readyz: '$(curl -s "http://127.0.0.1:$RM_PORT/readyz")'; $(tail -n 3 "$TMP/rm.1.log")"
wait_for 30 waiting "$NT_PORT" || fail "hub-notifier's /readyz: '$(curl -s "http://127.0.0.1:$NT_PORT/readyz")'; $(tail -n 3 "$TMP/nt.1.log")"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$RM_PORT/readyz")
[[ $code == 503 ]] || fail "hub-readmodel's /readyz answered $code while waiting (want 503)"
sleep 5
kill -0 "${RM_PID[1]}" 2>/dev/null || fail "hub-readmodel exited with PostgreSQL down: $(tail -n 3 "$TMP/rm.1.log")"
kill -0 "${NT_PID[1]}" 2>/dev/null || fail "hub-notifier exited with PostgreSQL down: $(tail -n 3 "$TMP/nt.1.log")"
kill -0 "$STATS_PID" 2>/dev/null || fail "hub-stats exited with PostgreSQL down: $(tail -n 3 "$TMP/stats.log")"
grep -q 'database unreachable at start; waiting' "$TMP/rm.1.log" || fail "hub-readmodel did not say it waits"

bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >>"$TMP/pg.out" 2>&1 || fail "cannot start PostgreSQL"
echo "PostgreSQL started" >&2
wait_processed "$total" 120
wait_sql 120 "select count(*) from hub.notifier_outbox where state = 'delivered'" "$N"
wait_for 30 curl -sf "http://127.0.0.1:$RM_PORT/readyz" -o /dev/null || fail "hub-readmodel never became ready"
kill_readmodel 1 TERM || fail "hub-readmodel did not stop cleanly: $(tail -n 3 "$TMP/rm.1.log")"
stop_notifier 1 || fail "hub-notifier did not stop cleanly: $(tail -n 3 "$TMP/nt.1.log")"
kill -TERM "$STATS_PID"
wait "$STATS_PID" || fail "hub-stats did not stop cleanly: $(tail -n 3 "$TMP/stats.log")"
pass "started with PostgreSQL down: waited, not ready; then $total events applied and every handover delivered"
