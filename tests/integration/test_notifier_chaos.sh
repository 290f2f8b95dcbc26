#!/usr/bin/env bash
# kill -9 of hub-notifier while deliveries are in flight, several times: nothing is lost (every
# handover is delivered and its `delivered` receipt is on handover-receipts exactly once), any
# duplicate at the school carries the same webhook-id as the original, no other school is ever
# contacted, every request the school saw has its write-ahead `dispatch` row in the disclosure
# log, and the log still verifies.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/notifylib.sh"
need_pg
new_db
start_broker
N=${HUB_CHAOS_EVENTS:-300}
notifier_conf "$TMP/hub.conf" "hub.notifier.parallel=4"
migrate_db "$TMP/hub.conf"
ensure_schools_table
A=30000001 B=30000002
new_secret A
new_secret B
recv_mode A slow 0.1 # 4 in flight, ~40 deliveries a second: kills land mid-request
start_receiver A
start_receiver B
add_school "$A" "http://127.0.0.1:${RECV_PORT[A]}/in" "$TMP/A.secret"
add_school "$B" "http://127.0.0.1:${RECV_PORT[B]}/in" "$TMP/B.secret"

notify_tool rate --config "$TMP/hub.conf" --school "$A" --rate $((N / 2)) --seconds 2 >/dev/null ||
    fail "publishing failed"
start_notifier "$TMP/hub.conf" 0
for round in 1 2 3 4; do
    # wait until deliveries are flowing, then kill in the middle of them
    wait_for 60 _sql_is "select (count(*) > 0)::text from hub.notifier_outbox where lease_until > now()" true ||
        fail "round $round: no delivery in flight"
    sleep 0.$((RANDOM % 5 + 3))
    stop_notifier $((round - 1)) KILL || true
    echo "round $round: killed with $(psql_hub -c "select count(*) from hub.notifier_outbox where state = 'delivered'") of $N delivered" >&2
    start_notifier "$TMP/hub.conf" "$round"
done
wait_sql 180 "select count(*) from hub.notifier_outbox where state = 'delivered'" "$N"
wait_sql 60 "select count(*) from hub.notifier_receipts where published_at is null" 0
# librdkafka 2.0.2 asserts when a cooperative-sticky consumer closes before its first assignment
# (confluentinc/librdkafka#4312): let the group settle before the clean stop
wait_for 60 grep -q "partitions assigned" "$TMP/nt.4.log" || fail "the last notifier never joined"
stop_notifier 4 || fail "hub-notifier did not stop cleanly: $(tail -n 5 "$TMP/nt.4.log")"

[[ $(psql_hub -c "select count(*) from hub.notifier_outbox") == "$N" ]] || fail "not $N notifications"
"$HUB_PY" - "$TMP/recv.A.jsonl" "$N" <<'PY' >"$TMP/check.out" || fail "receiver check: $(cat "$TMP/check.out")"
import json, sys
ids = {}
ok = set()
dups = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if not r["sig_valid"]:
        sys.exit(f"invalid signature on {r['webhook_id']}")
    h = json.loads(r["body"])["handover_id"]
    ids.setdefault(h, set()).add(r["webhook_id"])
    if r["status"] == 200:
        ok.add(h)
    dups += r["duplicate"]
n = int(sys.argv[2])
if len(ok) != n:
    sys.exit(f"{len(ok)} of {n} handovers reached the school")
bad = [h for h, w in ids.items() if len(w) != 1]
if bad:
    sys.exit(f"handover {bad[0]} arrived under several webhook-ids: {ids[bad[0]]}")
print(f"requests={sum(1 for _ in open(sys.argv[1]))} duplicates={dups}")
PY
echo "receiver: $(cat "$TMP/check.out")" >&2
[[ $(recv_count B "True") == 0 ]] || fail "another school was contacted"
# the webhook-id is the notification id
psql_hub -c "select id from hub.notifier_outbox" >"$TMP/ids"
total=$(recv_count A "True")
[[ $(recv_count A "r['webhook_id'] in set(open('$TMP/ids').read().split())") == "$total" ]] ||
    fail "a request carried a webhook-id that is no notification's id"
# every request the school saw was logged before it was sent
"$HUB_PY" - "$TMP/recv.A.jsonl" >"$TMP/seen" <<'PY'
import collections, json, sys
c = collections.Counter(json.loads(l)["webhook_id"] for l in open(sys.argv[1]))
for k, v in c.items():
    print(f"{k} {v}")
PY
psql_hub -F' ' -c "select notification_id, count(*) from hub.disclosure_log where kind = 'dispatch' group by 1" >"$TMP/logged"
"$HUB_PY" - "$TMP/seen" "$TMP/logged" <<'PY' || fail "requests without a dispatch row in the disclosure log"
import sys
seen = dict(l.split() for l in open(sys.argv[1]))
logged = dict(l.split() for l in open(sys.argv[2]))
missing = [k for k, v in seen.items() if int(logged.get(k, 0)) < int(v)]
if missing:
    sys.exit(f"{len(missing)} notifications were sent more often than logged, e.g. {missing[0]}")
PY
[[ $(psql_hub -c "select count(*) from hub.notifier_receipts where status = 'delivered'") == "$N" ]] ||
    fail "not one delivered receipt per handover"
catch_up "$TMP/hub.conf" 120
[[ $(psql_hub -c "select count(*) from hub.handover_receipts where status = 'delivered'") == "$N" ]] ||
    fail "handover-receipts does not hold exactly $N delivered receipts"
"$HUB_BUILD_DIR/deploy/hubctl" audit verify --config "$TMP/hub.conf" >"$TMP/audit.out" ||
    fail "disclosure log does not verify: $(cat "$TMP/audit.out")"
echo "$(cat "$TMP/audit.out")" >&2
pass "$N delivered across 4 kill -9; $(cat "$TMP/check.out")"
