#!/usr/bin/env bash
# PostgreSQL stops for a few seconds while hub-notifier is consuming and delivering: nothing
# dies, nothing is lost (every handover is delivered exactly as far as the school can tell: one
# 2xx per webhook-id), outcomes made during the outage are recorded when the database is back,
# the receipt endpoint answers 503 meanwhile, and the disclosure log still verifies.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/notifylib.sh"
need_cmd psql pg_isready
# A cluster of its own, since this test stops it.
PGS=$TMP/pg
bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >"$TMP/pg.out" 2>&1 || fail "cannot start PostgreSQL: $(tail -n 3 "$TMP/pg.out")"
at_exit "bash '$HUB_SOURCE_DIR/deploy/pg.sh' stop '$PGS' >/dev/null 2>&1"
eval "$(bash "$HUB_SOURCE_DIR/deploy/pg.sh" env "$PGS")"
export HUB_TEST_PGHOST=$PGHOST HUB_TEST_PGPORT=$PGPORT HUB_TEST_PGDATABASE=$PGDATABASE HUB_TEST_PGUSER=$PGUSER
start_broker
N=200
notifier_conf "$TMP/hub.conf" "hub.notifier.parallel=2"
migrate_db "$TMP/hub.conf"
ensure_schools_table
A=50000001
new_secret A
recv_mode A slow 0.05
start_receiver A
add_school "$A" "http://127.0.0.1:${RECV_PORT[A]}/in" "$TMP/A.secret"

start_notifier "$TMP/hub.conf" 1
wait_for 30 test -s "$TMP/notifier.port" || fail "no receipt endpoint"
PORT=$(<"$TMP/notifier.port")
(notify_tool rate --config "$TMP/hub.conf" --school "$A" --rate 20 --seconds $((N / 20)) >/dev/null) &
publisher=$!
wait_for 60 _sql_is "select (count(*) >= 20)::text from hub.notifier_outbox where state = 'delivered'" true ||
    fail "deliveries did not start"
bash "$HUB_SOURCE_DIR/deploy/pg.sh" stop "$PGS" >>"$TMP/pg.out" 2>&1 || fail "cannot stop PostgreSQL"
echo "PostgreSQL stopped" >&2
sleep 1
code=$(receipt --port "$PORT" --secret-file "$TMP/A.secret" --handover 00000000-0000-4000-8000-000000000001 --school "$A" | cut -d' ' -f1)
[[ $code == 503 ]] || fail "receipt endpoint answered $code without a database (want 503)"
sleep 4
kill -0 "${NT_PID[1]}" 2>/dev/null || fail "hub-notifier died while PostgreSQL was down: $(tail -n 5 "$TMP/nt.1.log")"
bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >>"$TMP/pg.out" 2>&1 || fail "cannot restart PostgreSQL"
echo "PostgreSQL started again" >&2
wait "$publisher" || fail "publishing failed"
wait_sql 120 "select count(*) from hub.notifier_outbox where state = 'delivered'" "$N"
wait_sql 60 "select count(*) from hub.notifier_receipts where published_at is null" 0
stop_notifier 1 || fail "hub-notifier did not stop cleanly: $(tail -n 5 "$TMP/nt.1.log")"
grep -q "database unreachable" "$TMP/nt.1.log" || fail "the outage never hit the delivery worker"
[[ $(recv_count A "r['status'] == 200 and not r['duplicate']") == "$N" ]] || fail "not $N first deliveries"
"$HUB_PY" - "$TMP/recv.A.jsonl" <<'PY' || fail "a handover arrived under several webhook-ids"
import json, sys
ids = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    ids.setdefault(json.loads(r["body"])["handover_id"], set()).add(r["webhook_id"])
sys.exit(any(len(w) != 1 for w in ids.values()))
PY
[[ $(psql_hub -c "select count(*) from hub.notifier_receipts where status = 'delivered'") == "$N" ]] ||
    fail "not one delivered receipt per handover"
"$HUB_BUILD_DIR/deploy/hubctl" audit verify --config "$TMP/hub.conf" >/dev/null || fail "disclosure log does not verify"
pass "$N delivered across a PostgreSQL outage; $(recv_count A "r['duplicate']") duplicate(s) at the school"
