#!/usr/bin/env bash
# bench_relay.sh — the outbox relay's rate next to hub-publish on the same events, and its commit
# → acknowledged latency at a steady rate.
#
#   tests/bench/bench_relay.sh [CHILDREN_PER_DISTRICT] [RATE] [SECONDS]
#                                     (defaults 800 ≈ 20,000 events, 200 rows/s, 15 s)
#
# Starts a dev broker and a PostgreSQL cluster of its own as the district's database. Generates
# events of all four types (handovers with content, sealed with a school directory file; every
# event signed), then
#   1. times hub-publish publishing the file (read, validate, pseudonymise, seal, sign, encode,
#      produce, wait for every acknowledgement);
#   2. inserts the same events into the outbox (500 per transaction, not timed) and times hub-relay
#      from its start until the last row is marked sent (the same work, plus claiming and marking
#      in PostgreSQL, and at most one row per child per batch);
#   3. with the relay idle, inserts rows one per transaction at RATE rows/s for SECONDS and reports
#      p50/p99 of (sent_at − created_at): from the inserting commit to the row being marked sent,
#      which happens only after Kafka acknowledged it.
# Prints both rates and the ratio relay/hub-publish. A benchmark, not a test (no ctest entry).
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../integration/hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../integration/relaylib.sh"

PER=${1:-800}
RATE=${2:-200}
SECS=${3:-15}
for v in "$PER" "$RATE" "$SECS"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || fail "arguments must be positive numbers, not '$v'"
done
RELAY=$HUB_BUILD_DIR/producers/hub-relay
PUBLISH=$HUB_BUILD_DIR/producers/hub-publish
[[ -x $RELAY && -x $PUBLISH ]] || fail "build hub-relay and hub-publish first"

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

start_district_pg
export PGHOST=$DIST_PGHOST PGPORT=$DIST_PGPORT PGDATABASE=district PGUSER=${PGUSER:-$(id -un)}
start_broker
demo_events "$PER" 11 "$TMP/events.jsonl"
n=$(wc -l <"$TMP/events.jsonl")
relay_conf "$TMP/relay.conf" "hub.log.level=warn"
"$RELAY" --config "$TMP/relay.conf" --migrate >/dev/null 2>"$TMP/migrate.err" ||
    fail "hub-relay --migrate: $(cat "$TMP/migrate.err")"

echo "bench_relay: $n events; hub-publish" >&2
t0=$EPOCHREALTIME
"$PUBLISH" --config "$TMP/relay.conf" "$TMP/events.jsonl" 2>"$TMP/publish.err" ||
    fail "hub-publish failed: $(tail -n 3 "$TMP/publish.err")"
t1=$EPOCHREALTIME
pub_s=$(elapsed "$t0" "$t1")

echo "bench_relay: filling the outbox" >&2
outbox_sql "$TMP/events.jsonl" "$TMP/fill.sql" 500
district_psql -f "$TMP/fill.sql" >/dev/null || fail "cannot fill the outbox"
echo "bench_relay: hub-relay" >&2
start_epoch=$EPOCHREALTIME
"$RELAY" --config "$TMP/relay.conf" >"$TMP/relay.log" 2>&1 &
relay=$!
at_exit "kill -KILL $relay 2>/dev/null"
wait_for 600 outbox_drained || fail "the relay did not drain the outbox: $(tail -n 3 "$TMP/relay.log")"
last=$(district_psql -c "select extract(epoch from max(sent_at)) from sams_outbox.events")
relay_s=$(elapsed "$start_epoch" "$last")
[[ $(outbox_count sent) == "$n" ]] || fail "not every row was sent: $(outbox_count sent) of $n"

echo "bench_relay: latency at $RATE rows/s for $SECS s" >&2
mark=$(district_psql -c "select coalesce(max(id), 0) from sams_outbox.events")
"$HUB_PY" - "$TMP/events.jsonl" "$RATE" "$SECS" <<'PY' | district_psql >/dev/null || fail "the steady inserts failed"
import sys, time
lines = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8")]
rate, secs = int(sys.argv[2]), int(sys.argv[3])
start = time.monotonic()
for i in range(rate * secs):
    due = start + i / rate
    now = time.monotonic()
    if due > now:
        time.sleep(due - now)
    print("INSERT INTO sams_outbox.events (event) VALUES ($ev$%s$ev$);" % lines[i % len(lines)], flush=True)
PY
wait_for 120 outbox_drained || fail "the steady rows were not all sent"
read -r p50 p99 cnt < <(district_psql -F ' ' -c "
    select round((percentile_cont(0.5) within group (order by s) * 1000)::numeric, 1),
           round((percentile_cont(0.99) within group (order by s) * 1000)::numeric, 1), count(*)
      from (select extract(epoch from sent_at - created_at) s from sams_outbox.events
             where id > $mark and state = 'sent') x")
kill -TERM "$relay"
wait "$relay" || true

pub_rate=$(rate "$n" "$pub_s")
relay_rate=$(rate "$n" "$relay_s")
printf '%-44s %10s %10s\n' "what" "events/s" "seconds"
printf '%-44s %10s %10s\n' "hub-publish (file → acknowledged)" "$pub_rate" "$pub_s"
printf '%-44s %10s %10s\n' "hub-relay (outbox → acknowledged → marked)" "$relay_rate" "$relay_s"
printf 'ratio relay/hub-publish: %s\n' "$(awk -v a="$relay_rate" -v b="$pub_rate" 'BEGIN { printf "%.2f", a / b }')"
printf 'commit → acknowledged and marked sent at %s rows/s (%s rows): p50 %s ms, p99 %s ms\n' \
    "$RATE" "$cnt" "$p50" "$p99"
