#!/usr/bin/env bash
# hub-notifier retries: the receiving school answers 500s, then 503 with Retry-After, then is down
# for a while; the notice arrives once it is back, exactly once (one 2xx for its webhook-id, which
# every attempt carried), never at another school; Retry-After is honoured; every attempt is in
# the disclosure log. Then: a school that never answers is given up after hub.notifier.retry_for_s
# (failed receipt), and 410 Gone fails at once.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/notifylib.sh"
need_pg
new_db
start_broker
notifier_conf "$TMP/hub.conf"
migrate_db "$TMP/hub.conf"
ensure_schools_table

A=20000001 B=20000002 E=20000005 F=20000006
new_secret A
new_secret B
new_secret E
new_secret F
start_receiver A
start_receiver B
start_receiver F
PORT_A=${RECV_PORT[A]}
add_school "$A" "http://127.0.0.1:$PORT_A/in" "$TMP/A.secret"
add_school "$B" "http://127.0.0.1:${RECV_PORT[B]}/in" "$TMP/B.secret"
add_school "$F" "http://127.0.0.1:${RECV_PORT[F]}/in" "$TMP/F.secret"

recv_mode A 500
start_notifier "$TMP/hub.conf" 1
H=$(notify_tool handover --config "$TMP/hub.conf" --school "$A" | sed -n 's/.*handover_id=\([^ ]*\).*/\1/p')
[[ -n $H ]] || fail "publish failed"
wait_for 60 recv_at_least 3 A "r['status'] == 500" || fail "fewer than 3 attempts answered 500"

# 503 with Retry-After: 2 — the next attempt must wait at least 2 s (back-off alone is <= 1 s)
recv_mode A 503 2
wait_for 30 recv_at_least 1 A "r['status'] == 503" || fail "no attempt answered 503"
recv_mode A 500
first503=$("$HUB_PY" -c "
import json, sys
print(next(i for i, l in enumerate(open(sys.argv[1])) if json.loads(l)['status'] == 503))" "$TMP/recv.A.jsonl")
wait_for 30 recv_at_least $((first503 + 2)) A True || fail "no attempt after the 503"
gap=$("$HUB_PY" - "$TMP/recv.A.jsonl" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
i = next(i for i, r in enumerate(rs) if r["status"] == 503)
print(f"{rs[i + 1]['t'] - rs[i]['t']:.2f}")
PY
)
awk -v g="$gap" 'BEGIN { exit !(g >= 1.95) }' || fail "Retry-After: 2 not honoured (next attempt after ${gap}s)"

# the school goes down for a while
stop_receiver A
before=$(psql_hub -c "select attempts from hub.notifier_outbox where handover_id = '$H'")
wait_for 30 _sql_is "select (attempts >= $before + 2 and last_status is null)::text from hub.notifier_outbox where handover_id = '$H'" true ||
    fail "no failed attempts while the school was down"
expect_like_sql() {
    local got
    got=$(psql_hub -c "$1")
    [[ $got == $2 ]] || fail "query: $1; expected like $2; got $got"
}
expect_like_sql "select last_error from hub.notifier_outbox where handover_id = '$H'" "*onnect*"
[[ $(psql_hub -c "select state from hub.notifier_outbox where handover_id = '$H'") == pending ]] || fail "not pending while down"

# back again: delivered, once
recv_mode A ok
start_receiver A "$PORT_A"
wait_sql 60 "select state from hub.notifier_outbox where handover_id = '$H'" delivered
sleep 1
[[ $(recv_count A "b.get('handover_id') == '$H' and r['status'] == 200") == 1 ]] || fail "not exactly one 2xx for the handover"
[[ $(recv_count A "b.get('handover_id') == '$H' and r['duplicate']") == 0 ]] || fail "a duplicate was delivered"
WID=$(psql_hub -c "select id from hub.notifier_outbox where handover_id = '$H'")
total=$(recv_count A "b.get('handover_id') == '$H'")
[[ $(recv_count A "b.get('handover_id') == '$H' and r['webhook_id'] == '$WID' and r['sig_valid']") == "$total" ]] ||
    fail "not every attempt carried webhook-id $WID with a valid signature"
[[ $(recv_count B "True") == 0 ]] || fail "another school was contacted"
attempts=$(psql_hub -c "select attempts from hub.notifier_outbox where handover_id = '$H'")
[[ $(psql_hub -c "select count(*) from hub.disclosure_log where handover_id = '$H' and kind = 'attempt'") == "$attempts" ]] ||
    fail "the disclosure log does not hold every attempt ($attempts)"
[[ $(psql_hub -c "select count(*) from hub.disclosure_log where handover_id = '$H' and kind = 'dispatch'") == "$attempts" ]] ||
    fail "the disclosure log does not hold every dispatch ($attempts)"
outcomes=$(psql_hub -c "select string_agg(distinct outcome, ',' order by outcome) from hub.disclosure_log where handover_id = '$H'")
[[ $outcomes == connect_error,delivered,http_500,http_503,sent ]] || fail "attempt outcomes: $outcomes"
[[ $(psql_hub -c "select count(*) from hub.notifier_receipts where handover_id = '$H'") == 1 ]] || fail "not one receipt"
stop_notifier 1 || fail "hub-notifier did not stop cleanly"

# --- giving up after retry_for_s, and 410 Gone ---------------------------------------------------
notifier_conf "$TMP/short.conf" "hub.notifier.retry_for_s=2"
add_school "$E" "http://127.0.0.1:1/never" "$TMP/E.secret" # nothing listens on port 1
recv_mode F 410
start_notifier "$TMP/short.conf" 2
HE=$(notify_tool handover --config "$TMP/hub.conf" --school "$E" | sed -n 's/.*handover_id=\([^ ]*\).*/\1/p')
HF=$(notify_tool handover --config "$TMP/hub.conf" --school "$F" | sed -n 's/.*handover_id=\([^ ]*\).*/\1/p')
wait_sql 60 "select state from hub.notifier_outbox where handover_id = '$HE'" failed
expect_like_sql "select last_error from hub.notifier_outbox where handover_id = '$HE'" "gave up after * attempts: *"
expect_like_sql "select (attempts > 1)::text from hub.notifier_outbox where handover_id = '$HE'" true
wait_sql 30 "select state || ':' || attempts || ':' || last_status from hub.notifier_outbox where handover_id = '$HF'" "failed:1:410"
wait_sql 30 "select string_agg(status, ',') from hub.notifier_receipts where handover_id in ('$HE', '$HF') and published_at is not null" "failed,failed"
[[ $(psql_hub -c "select kind || ':' || outcome from hub.disclosure_log where handover_id = '$HE' and kind = 'failed'") == failed:gave_up ]] ||
    fail "no gave_up row in the disclosure log"
[[ $(psql_hub -c "select kind || ':' || outcome from hub.disclosure_log where handover_id = '$HF' order by id" | tr '\n' ' ') == "dispatch:sent attempt:gone failed:gone " ]] ||
    fail "410 not logged as gone"
stop_notifier 2 || fail "hub-notifier did not stop cleanly"
"$HUB_BUILD_DIR/deploy/hubctl" audit verify --config "$TMP/hub.conf" >/dev/null || fail "disclosure log does not verify"
pass
