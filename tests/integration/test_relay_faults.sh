#!/usr/bin/env bash
# test_relay_faults.sh — the outbox relay under attack loses nothing, keeps each child's order and
# ends with the read model of a quiet run.
#
# District transactions (one at a time, each recording a change in the case system's own table and
# inserting events into the outbox in the same transaction: placements, school starts, handovers
# with content sealed from hub.schools.file, contact changes, and a few invalid rows) are written
# over about half a minute while:
#   - hub-relay is killed with SIGKILL at random moments (a supervisor restarts it, as systemd
#     would, also after it exits on its own);
#   - the district's PostgreSQL is stopped for 4 s and started again (a cluster of this test's
#     own, so a real restart), and later the relay's session is ended with pg_terminate_backend;
#   - the dev broker is frozen (SIGSTOP) for 8 s, longer than kafka.message.timeout.ms, so
#     deliveries fail and rows must be tried again (SIGCONT brings it back with its data).
# Then: every committed valid row is `sent` and reached the topics (the read model equals the one
# hub-publish makes of the same events on a fresh broker), every invalid row is `rejected` with
# its reason, a child's rows were marked sent strictly one after another in id order and reached
# its topic's partition in that order (every copy, read back with read_topic.py), the faults
# did hit (kills, retried deliveries, the relay saw the database go and come back), and no log
# holds a personnummer.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/relaylib.sh"
need_pg
RELAY=$HUB_BUILD_DIR/producers/hub-relay
[[ -x $RELAY ]] || fail "$RELAY is not built"

start_district_pg
start_broker
new_db
write_conf "$TMP/hub.conf"
migrate_db "$TMP/hub.conf"
demo_events 12 7 "$TMP/events.jsonl"
relay_conf "$TMP/relay.conf" "kafka.message.timeout.ms=3000" "hub.relay.retry_max_ms=1000" \
    "hub.relay.poll_ms=300" "hub.relay.batch_max=20" "pg.connect_timeout=2"
"$RELAY" --config "$TMP/relay.conf" --migrate >"$TMP/migrate.out" 2>&1 ||
    fail "hub-relay --migrate failed: $(cat "$TMP/migrate.out")"

# Invalid rows, spread through the stream: an impossible date, an unknown field, a personnummer in
# a clear-text field (the same child's, so its later rows must not wait behind the rejection).
"$HUB_PY" - "$TMP/events.jsonl" >"$TMP/invalid.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
pl = [e for e in ev if e["type"] == "placement"]
ho = [e for e in ev if e["type"] == "handover"]
print(json.dumps(dict(pl[0], event_id="6b0c1d2e-0000-4000-8000-000000000001", start_date="2026-02-30"), ensure_ascii=False))
print(json.dumps(dict(pl[5], event_id="6b0c1d2e-0000-4000-8000-000000000002", colour="blue"), ensure_ascii=False))
h = dict(ho[0], event_id="6b0c1d2e-0000-4000-8000-000000000003")
h["contact"] = dict(h["contact"], name="Kontakt " + h["personnummer"])
print(json.dumps(h, ensure_ascii=False))
PY
n=$(wc -l <"$TMP/events.jsonl")
"$HUB_PY" - "$TMP/events.jsonl" "$TMP/invalid.jsonl" >"$TMP/stream.in" <<'PY'
import sys
ev = open(sys.argv[1], encoding="utf-8").read().splitlines()
bad = open(sys.argv[2], encoding="utf-8").read().splitlines()
step = len(ev) // (len(bad) + 1)
out = []
for i, l in enumerate(ev):
    if i and i % step == 0 and bad:
        out.append(bad.pop(0))
    out.append(l)
out += bad
print("\n".join(out))
PY
outbox_sql "$TMP/stream.in" "$TMP/stream.sql" 4
mkdir -p "$TMP/txn"
awk -v dir="$TMP/txn" '/^BEGIN;/ {f = sprintf("%s/%05d.sql", dir, ++k)} {print > f}' "$TMP/stream.sql"
n_txn=$(ls "$TMP/txn" | wc -l)

# --- the relay under a supervisor that restarts it whenever it ends ----------------------------
: >"$TMP/relay.log"
supervise() {
    while [[ ! -e $TMP/stop-relay ]]; do
        "$RELAY" --config "$TMP/relay.conf" >>"$TMP/relay.log" 2>&1 &
        echo $! >"$TMP/relay.pid"
        local rc=0
        wait $! || rc=$?
        echo "$rc" >>"$TMP/relay.exits"
        sleep 0.2
    done
}
supervise &
supervisor=$!
at_exit "touch '$TMP/stop-relay'; kill -KILL \$(cat '$TMP/relay.pid' 2>/dev/null) 2>/dev/null; kill $supervisor 2>/dev/null"

# --- the district writes, one transaction at a time, retrying while its database is down --------
(for f in "$TMP"/txn/*.sql; do
    until district_psql -f "$f" >/dev/null 2>>"$TMP/writer.err"; do sleep 0.3; done
    sleep 0.25
done) &
writer=$!

# --- kill -9 at random moments ------------------------------------------------------------------
(while kill -0 "$writer" 2>/dev/null; do
    sleep "$(awk -v r=$RANDOM 'BEGIN {printf "%.2f", 0.7 + r / 32767 * 2.3}')"
    [[ -e $TMP/no-kills ]] && continue
    kill -KILL "$(cat "$TMP/relay.pid")" 2>/dev/null && echo kill >>"$TMP/kills"
done) &
killer=$!

sleep 4
_hub_log "stopping the district's PostgreSQL for 4 s"
bash "$HUB_SOURCE_DIR/deploy/pg.sh" stop "$DIST_PGS" >>"$TMP/district-pg.out" 2>&1 || fail "cannot stop the district's PostgreSQL"
sleep 4
bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$DIST_PGS" >>"$TMP/district-pg.out" 2>&1 || fail "cannot start the district's PostgreSQL again"
sleep 3
_hub_log "freezing the broker for 8 s (no kill -9 meanwhile, so that deliveries time out)"
touch "$TMP/no-kills"
kill -STOP "$HUB_BROKER_PID"
sleep 8
kill -CONT "$HUB_BROKER_PID"
sleep 2
rm -f "$TMP/no-kills"
_hub_log "ending the relay's database sessions"
district_psql -c "select count(pg_terminate_backend(pid)) from pg_stat_activity
                  where datname = 'district' and application_name = 'hub' and pid <> pg_backend_pid()" >/dev/null || true
wait "$writer" || fail "the district's writer failed"
kill "$killer" 2>/dev/null || true
wait "$killer" 2>/dev/null || true
_hub_log "all $n_txn district transactions committed; waiting for the outbox to drain"
wait_for 180 outbox_drained || fail "rows still pending: $(outbox_count pending); $(tail -n 5 "$TMP/relay.log")"
touch "$TMP/stop-relay"
kill -TERM "$(cat "$TMP/relay.pid")" 2>/dev/null || true
wait "$supervisor" || true

# --- what the outbox says -----------------------------------------------------------------------
total=$(district_psql -c "select count(*) from sams_outbox.events")
sent=$(outbox_count sent)
rejected=$(outbox_count rejected)
((total >= n + 3)) || fail "only $total rows in the outbox, $((n + 3)) were written"
((rejected == 3)) || fail "$rejected rows rejected, want 3: $(district_psql -c "select id, reason from sams_outbox.events where state = 'rejected'")"
((sent == total - 3)) || fail "$sent rows sent of $((total - 3)) valid ones"
district_psql -c "select reason from sams_outbox.events where state = 'rejected' order by id" >"$TMP/reasons"
grep -q '^start_date: ' "$TMP/reasons" || fail "no start_date reason: $(cat "$TMP/reasons")"
grep -q '^member [0-9]*: unknown field' "$TMP/reasons" || fail "no unknown-field reason: $(cat "$TMP/reasons")"
grep -q '^contact.name: holds a personnummer' "$TMP/reasons" || fail "no contact.name reason: $(cat "$TMP/reasons")"
bad=$(district_psql -c "select count(*) from (select sent_at, lag(sent_at) over (partition by order_key order by id) prev
                          from sams_outbox.events where state = 'sent') s where sent_at <= prev")
((bad == 0)) || fail "$bad rows were marked sent together with or before an earlier row of their child"

# --- the faults hit ---------------------------------------------------------------------------
kills=$(wc -l <"$TMP/kills" 2>/dev/null || echo 0)
((kills >= 3)) || fail "only $kills kill -9 landed"
retried=$(district_psql -c "select count(*) from sams_outbox.events where attempts > 1")
((retried > 0)) || fail "no row needed a second attempt: the faults did not hit the relay"
grep -q 'not acknowledged; it will be tried again' "$TMP/relay.log" ||
    fail "no delivery failed while the broker was frozen"
grep -qE 'msg="district database (back|failed)"' "$TMP/relay.log" ||
    fail "the relay never lost and regained the district's database"
if relay_log_has_pnr "$TMP/relay.log" "$TMP/reasons" "$TMP/writer.err"; then fail "a personnummer in clear"; fi

# --- on the topics: a child's messages are on one partition, in the order of its outbox rows ----
# Read back with an independent client (consumers/examples/read_topic.py). Every copy counts: a
# row published again after a kill must still come before the child's next row.
district_psql -F '|' -c "select id, lower(event ->> 'event_id') from sams_outbox.events where state = 'sent'" \
    >"$TMP/sent_ids"
BOOT=$(<"$HUB_BROKER_BOOTSTRAP_FILE")
for t in placement-events school-start-events handover-events contact-change-events; do
    "$HUB_PY" "$HUB_SOURCE_DIR/consumers/examples/read_topic.py" --bootstrap "$BOOT" --topic "$t" \
        --idle 3 >"$TMP/topic.$t" 2>"$TMP/read_topic.err" ||
        fail "read_topic.py $t: $(tail -n 2 "$TMP/read_topic.err")"
done
"$HUB_PY" - "$TMP/sent_ids" "$TMP"/topic.* <<'PY' || fail "per-child order on the topics is broken"
import json, sys
row = {}
for line in open(sys.argv[1]):
    i, e = line.strip().split("|")
    row.setdefault(e, []).append(int(i))
seen, bad = {}, 0
for path in sys.argv[2:]:
    msgs = [json.loads(l) for l in open(path) if l.strip()]
    for m in sorted(msgs, key=lambda m: (m["partition"], m["offset"])):
        eid = m["value"]["event_id"].lower()
        if eid not in row:
            print("%s: event %s is on the topic but no sent row has it" % (path, eid), file=sys.stderr)
            bad += 1
            continue
        k = (path, m["key"])
        part, last = seen.get(k, (m["partition"], 0))
        first = min(row[eid])
        if part != m["partition"] or first < last:
            print("%s: key %s: row %d after row %d (partition %d, offset %d)"
                  % (path, m["key"][:12], first, last, m["partition"], m["offset"]), file=sys.stderr)
            bad += 1
        seen[k] = (part, max(last, first))
n = sum(1 for _ in seen)
print("%d keys checked" % n, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# --- the read model equals a quiet run of the same events ------------------------------------
catch_up "$TMP/hub.conf" 180
dump_readmodel >"$TMP/faults.state"
stop_broker || true
start_broker
new_named_db quiet
PGDATABASE=quiet write_conf "$TMP/quiet.conf" "hub.schools.file=$TMP/schools.csv"
migrate_db "$TMP/quiet.conf"
publish "$TMP/quiet.conf" "$TMP/events.jsonl"
PGDATABASE=quiet catch_up "$TMP/quiet.conf" 180
PGDATABASE=quiet dump_readmodel >"$TMP/quiet.state"
diff -u "$TMP/quiet.state" "$TMP/faults.state" >"$TMP/diff" ||
    fail "the read model after the faults differs from the quiet run: $(head -n 20 "$TMP/diff")"
pass "$sent rows sent, 3 rejected, $n_txn transactions; $kills kill -9, $retried rows retried, a database restart, a frozen broker; read model equal to a quiet run"
