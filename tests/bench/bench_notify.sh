#!/usr/bin/env bash
# bench_notify.sh [RATE] [SECONDS] — hub-notifier latency at a fixed event rate.
#
# Publishes RATE handover events a second for SECONDS seconds (default 50/s for 20 s, each with 64
# sealed bytes) to one school whose webhook is the test receiver (Python, verifying every
# signature), with hub-notifier running and joined beforehand, and prints the latency from
# publish (the event's occurred_at, stamped as it is sent) to
#   - received: the school's receiver got the signed request, and
#   - delivered: the notifier recorded the 2xx (and queued the delivered receipt)
# as p50/p95/p99/max, plus the rate achieved; "queued" (the consumer's transaction began) splits
# the Kafka leg from the notifier's own (queued -> received). A throwaway PostgreSQL and the dev broker are
# started here. Not a ctest test.
set -euo pipefail
RATE=${1:-50}
SECS=${2:-20}
HUB_TEST_NAME=bench_notify
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../integration/hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../integration/notifylib.sh"
PGS=$TMP/pg
bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >"$TMP/pg.out" 2>&1 || fail "cannot start PostgreSQL"
at_exit "bash '$HUB_SOURCE_DIR/deploy/pg.sh' stop '$PGS' >/dev/null 2>&1"
eval "$(bash "$HUB_SOURCE_DIR/deploy/pg.sh" env "$PGS")"
start_broker >/dev/null 2>&1
# The dev broker (librdkafka's mock cluster) holds an empty fetch for the consumer's full
# fetch.wait.max.ms even when data arrives meanwhile, and makes the consumer back off
# fetch.error.backoff.ms (500 ms by default) now and then; a real broker does neither. Both are
# set to HUB_BENCH_FETCH_WAIT_MS (default 10) so the figures show the notifier, not the mock;
# HUB_BENCH_FETCH_WAIT_MS=500 shows the dev broker with librdkafka's defaults.
FETCH_WAIT=${HUB_BENCH_FETCH_WAIT_MS:-10}
# The notifier as deploy/etc/sams-hub/notifier.conf.example runs it: hub.consumer.batch_wait_ms=0
# (a batch is what is already queued; nothing is waited for). HUB_BENCH_BATCH_WAIT_MS=50 shows the
# default that suits the read model (at 100/s: p99 54 ms with 10, 33 ms with 0).
BATCH_WAIT=${HUB_BENCH_BATCH_WAIT_MS:-0}
notifier_conf "$TMP/hub.conf" "hub.log.level=warn" "hub.notifier.poll_ms=1000" \
    "hub.consumer.batch_wait_ms=$BATCH_WAIT" "kafka.fetch.wait.max.ms=$FETCH_WAIT" "kafka.fetch.error.backoff.ms=$FETCH_WAIT"
migrate_db "$TMP/hub.conf"
ensure_schools_table
new_secret S
start_receiver S
add_school 40000001 "http://127.0.0.1:${RECV_PORT[S]}/in" "$TMP/S.secret"

start_notifier "$TMP/hub.conf" 0
# the first handover waits for the group join; publish only once that is done
notify_tool handover --config "$TMP/hub.conf" --school 40000001 >/dev/null
wait_sql 60 "select count(*) from hub.notifier_outbox where state = 'delivered'" 1
psql_hub -c "truncate hub.notifier_outbox" >/dev/null
: >"$TMP/recv.S.jsonl"

N=$((RATE * SECS))
t0=$(date +%s.%N)
notify_tool rate --config "$TMP/hub.conf" --school 40000001 --rate "$RATE" --seconds "$SECS" >/dev/null
t1=$(date +%s.%N)
wait_sql 120 "select count(*) from hub.notifier_outbox where state = 'delivered'" "$N"
stop_notifier 0 || true

psql_hub -F' ' -c "select handover_id, extract(epoch from event_occurred_at), extract(epoch from delivered_at),
                            extract(epoch from created_at) from hub.notifier_outbox" >"$TMP/outbox.txt"
"$HUB_PY" - "$TMP/outbox.txt" "$TMP/recv.S.jsonl" "$RATE" "$SECS" "$t0" "$t1" "$FETCH_WAIT" <<'PY'
import json, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
occ = {h: float(o) for h, o, _, _ in rows}
delivered = sorted((float(d) - float(o)) * 1000 for _, o, d, _ in rows)
queued = sorted((float(c) - float(o)) * 1000 for _, o, _, c in rows)
received = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    if not r["sig_valid"] or r["status"] != 200:
        continue
    h = json.loads(r["body"])["handover_id"]
    if h in occ and h not in received:
        received[h] = (r["t"] - occ[h]) * 1000
recv = sorted(received.values())
created = {h: float(c) for h, _, _, c in rows}
own = sorted(received[h] - (created[h] - occ[h]) * 1000 for h in received)
def pct(v, p):
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]
rate, secs, t0, t1 = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
print(f"hub-notifier latency, {len(rows)} handovers at {rate}/s for {secs} s "
      f"(published at {len(rows) / (t1 - t0):.1f}/s), one school, Python receiver verifying "
      f"signatures, consumer fetch.wait.max.ms and fetch.error.backoff.ms {sys.argv[7]}")
for name, v in (("publish -> queued in the outbox    ", queued),
                ("publish -> received by the school ", recv),
                ("publish -> delivered (2xx recorded)", delivered),
                ("queued  -> received (notifier only)", own)):
    print(f"  {name}  p50 {pct(v, 50):7.1f} ms  p95 {pct(v, 95):7.1f} ms  "
          f"p99 {pct(v, 99):7.1f} ms  max {v[-1]:7.1f} ms  (n={len(v)})")
PY
