#!/usr/bin/env bash
# hub-notifier end to end, against the dev broker, PostgreSQL and two independent Python webhook
# receivers (schools A and B) that verify the Standard Webhooks signature themselves:
#   - a handover reaches only its receiving school, signed, with the sealed bytes exactly as
#     published (base64) and without the child's pseudonym;
#   - legal_ground none: no request anywhere, a withheld receipt on handover-receipts;
#   - a school without an endpoint (not in the directory, no webhook_url, removed): failed at once;
#   - receipts from schools: 401 bad/missing/stale signature, 200 acknowledged (idempotent), 403
#     for another school's handover (wrong_recipient in the log), 404 unknown, 409 withheld;
#   - a contact-person change reaches exactly the schools with an active handover under that
#     contact, within the event's scope;
#   - overdue after N working days, once;
#   - every receipt event is on handover-receipts (read back by hub-readmodel, which checks the
#     key is the child pseudonym);
#   - the disclosure log verifies, and `hubctl audit verify` names a tampered and a deleted row.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/notifylib.sh"
need_pg
new_db
start_broker
METRICS_PORT=$((20000 + RANDOM % 20000))
notifier_conf "$TMP/hub.conf" "hub.metrics.listen=127.0.0.1:$METRICS_PORT"
migrate_db "$TMP/hub.conf"
ensure_schools_table

A=10000001 B=10000002 C=10000003 D=10000004 NOWHERE=19999999
new_secret A
new_secret B
new_secret D
start_receiver A
start_receiver B
add_school "$A" "http://127.0.0.1:${RECV_PORT[A]}/hooks/sams" "$TMP/A.secret"
add_school "$B" "http://127.0.0.1:${RECV_PORT[B]}/hooks/sams" "$TMP/B.secret"
add_school "$C" "" "$TMP/B.secret"                               # no webhook_url
add_school "$D" "http://127.0.0.1:${RECV_PORT[B]}/" "$TMP/D.secret" # removed below
psql_hub -c "update hub.schools set removed_at = now() where skolenhetskod = '$D'"

start_notifier "$TMP/hub.conf" 1
wait_for 30 test -s "$TMP/notifier.port" || fail "no receipt endpoint port: $(tail -5 "$TMP/nt.1.log")"
PORT=$(<"$TMP/notifier.port")

# --- 1. delivery with sealed bytes, to the named school only --------------------------------
head -c 300 /dev/urandom >"$TMP/sealed.bin"
printf '\x00\xff"\\{}' >>"$TMP/sealed.bin" # bytes JSON and base64 must carry untouched
out=$(notify_tool handover --config "$TMP/hub.conf" --school "$A" --sealed-file "$TMP/sealed.bin" \
    --contact-email anna@stockholm.se) || fail "publish failed"
H1=$(sed -n 's/.*handover_id=\([^ ]*\).*/\1/p' <<<"$out")
CHILD1=$(sed -n 's/.*child=\([0-9a-f]*\).*/\1/p' <<<"$out")
wait_sql 60 "select state from hub.notifier_outbox where handover_id = '$H1'" delivered
[[ $(recv_count A "b.get('handover_id') == '$H1' and r['sig_valid'] and r['status'] == 200") == 1 ]] ||
    fail "school A did not receive handover $H1 exactly once with a valid signature"
want=$(base64 -w0 "$TMP/sealed.bin")
[[ $(recv_count A "b.get('handover_id') == '$H1' and b.get('sealed_content') == '$want'") == 1 ]] ||
    fail "sealed_content differs from the published bytes"
[[ $(recv_count A "'$CHILD1' in r['body']") == 0 ]] || fail "the child's pseudonym reached the school"
[[ $(recv_count A "b.get('handover_id') == '$H1' and b.get('type') == 'handover.created' and b.get('receiving_school_unit') == '$A' and b.get('district') == 'farsta' and b.get('contact', {}).get('email') == 'anna@stockholm.se' and r['webhook_id'] == r['webhook_id'].strip() and r['content_type'] == 'application/json'") == 1 ]] ||
    fail "body fields or headers not as documented"
WID1=$(psql_hub -c "select id from hub.notifier_outbox where handover_id = '$H1'")
[[ $(recv_count A "r['webhook_id'] == '$WID1'") == 1 ]] || fail "webhook-id is not the notification id"
[[ $(recv_count B "True") == 0 ]] || fail "school B was contacted"

# --- 2. no legal ground: withheld, nothing sent --------------------------------------------
out=$(notify_tool handover --config "$TMP/hub.conf" --school "$A" --legal-ground none) ||
    fail "publish failed"
H0=$(sed -n 's/.*handover_id=\([^ ]*\).*/\1/p' <<<"$out")
wait_sql 30 "select state || ':' || (body is null) from hub.notifier_outbox where handover_id = '$H0'" "withheld:true"
# ... and sealed content without a legal ground never leaves the district (issue 14): such a
# handover is dead-lettered (no_legal_ground, value withheld), not even recorded as withheld.
out=$(notify_tool handover --config "$TMP/hub.conf" --school "$A" --legal-ground none \
    --sealed-file "$TMP/sealed.bin") || fail "publish failed"
HN=$(sed -n 's/.*handover_id=\([^ ]*\).*/\1/p' <<<"$out")
wait_for 30 bash -c "kcat -C -b '$(<"$HUB_BROKER_BOOTSTRAP_FILE")' -t dlq.notifier -o beginning -e -q -f '%h\n' 2>/dev/null | grep -q 'hub.reason=no_legal_ground'" ||
    fail "a handover with content and legal_ground none is not in dlq.notifier"
[[ $(psql_hub -c "select count(*) from hub.notifier_outbox where handover_id = '$HN'") == 0 ]] ||
    fail "a handover with content and legal_ground none reached the outbox"

# --- 3. no endpoint: failed at once --------------------------------------------------------
HC=$(notify_tool handover --config "$TMP/hub.conf" --school "$C" | sed -n 's/.*handover_id=\([^ ]*\).*/\1/p')
HD=$(notify_tool handover --config "$TMP/hub.conf" --school "$D" | sed -n 's/.*handover_id=\([^ ]*\).*/\1/p')
HN=$(notify_tool handover --config "$TMP/hub.conf" --school "$NOWHERE" | sed -n 's/.*handover_id=\([^ ]*\).*/\1/p')
for h in "$HC" "$HD" "$HN"; do
    wait_sql 30 "select state || ':' || attempts from hub.notifier_outbox where handover_id = '$h'" "failed:1"
done
expect_like() { # SQL PATTERN
    local got
    got=$(psql_hub -c "$1")
    [[ $got == $2 ]] || fail "query: $1
  expected like: $2
  got:           $got"
}
expect_like "select last_error from hub.notifier_outbox where handover_id = '$HC'" "no endpoint: no webhook_url*"
expect_like "select last_error from hub.notifier_outbox where handover_id = '$HD'" "no endpoint: school unit removed*"
expect_like "select last_error from hub.notifier_outbox where handover_id = '$HN'" "no endpoint: school unit not in the directory*"
sleep 1 # anything wrongly sent would have arrived by now
[[ $(recv_count A "b.get('handover_id') == '$H0'") == 0 ]] || fail "withheld handover reached school A"
[[ $(recv_count B "True") == 0 ]] || fail "school B was contacted"

# --- 4. receipts from schools -------------------------------------------------------------
code() { receipt --port "$PORT" "$@" | cut -d' ' -f1; }
[[ $(code --secret-file "$TMP/A.secret" --handover "$H1" --school "$A" --bad-signature) == 401 ]] || fail "bad signature not 401"
[[ $(code --secret-file "$TMP/A.secret" --handover "$H1" --school "$A" --no-signature) == 401 ]] || fail "no signature not 401"
[[ $(code --secret-file "$TMP/A.secret" --handover "$H1" --school "$A" --timestamp-offset -400) == 401 ]] || fail "stale timestamp not 401"
[[ $(code --secret-file "$TMP/B.secret" --handover "$H1" --school "$A") == 401 ]] || fail "another school's secret not 401"
[[ $(psql_hub -c "select count(*) from hub.notifier_outbox where acknowledged_at is not null") == 0 ]] ||
    fail "a refused receipt acknowledged something"
[[ $(code --secret-file "$TMP/B.secret" --handover "$H1" --school "$B") == 403 ]] || fail "wrong recipient not 403"
grep -q 'reason=wrong_recipient' "$TMP/nt.1.log" || fail "no wrong_recipient note in the log"
[[ $(code --secret-file "$TMP/A.secret" --handover 00000000-0000-4000-8000-0000000000ff --school "$A") == 404 ]] || fail "unknown handover not 404"
[[ $(code --secret-file "$TMP/A.secret" --handover "$H0" --school "$A") == 409 ]] || fail "withheld handover not 409"
r=$(receipt --port "$PORT" --secret-file "$TMP/A.secret" --handover "$H1" --school "$A")
[[ $r == '200 {"status":"acknowledged"}' ]] || fail "valid receipt: $r"
r=$(receipt --port "$PORT" --secret-file "$TMP/A.secret" --handover "$H1" --school "$A")
[[ $r == '200 {"status":"already_acknowledged"}' ]] || fail "repeated receipt: $r"
[[ $(psql_hub -c "select count(*) from hub.notifier_receipts where handover_id = '$H1' and status = 'acknowledged'") == 1 ]] ||
    fail "acknowledged receipt not queued exactly once"
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/receipts") == 405 ]] || fail "GET not 405"
[[ $(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/elsewhere") == 404 ]] || fail "other path not 404"
head -c 9000 /dev/zero | tr '\0' a >"$TMP/big"
[[ $(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$TMP/big" "http://127.0.0.1:$PORT/v1/receipts") == 413 ]] || fail "big body not 413"

# --- 5. contact-person change -------------------------------------------------------------
out=$(notify_tool handover --config "$TMP/hub.conf" --school "$A" --contact-email Olle@Stockholm.se)
H2=$(sed -n 's/.*handover_id=\([^ ]*\).*/\1/p' <<<"$out")
out=$(notify_tool handover --config "$TMP/hub.conf" --school "$B" --contact-email olle@stockholm.se)
H3=$(sed -n 's/.*handover_id=\([^ ]*\).*/\1/p' <<<"$out")
wait_sql 30 "select count(*) from hub.notifier_outbox where handover_id in ('$H2','$H3') and state = 'delivered'" 2
# the change names school A only: B's handover under the same contact is out of scope
EV=$(notify_tool contact-change --config "$TMP/hub.conf" --old-email olle@stockholm.se \
    --new-name "Kim Samordnare" --new-email kim@stockholm.se --school "$A" | sed -n 's/event_id=//p')
wait_sql 30 "select count(*) from hub.notifier_outbox where source_event_id = '$EV' and state = 'delivered'" 1
[[ $(recv_count A "b.get('type') == 'contact.changed' and r['sig_valid'] and [h['handover_id'] for h in b['handovers']] == ['$H2'] and b['new_contact']['email'] == 'kim@stockholm.se'") == 1 ]] ||
    fail "school A did not get the contact change for $H2 alone"
[[ $(recv_count B "b.get('type') == 'contact.changed'") == 0 ]] || fail "school B got an out-of-scope contact change"
# a change from the new contact now matches H2 (moved), with scope by placement
P2=$(psql_hub -c "select placement_id from hub.notifier_outbox where handover_id = '$H2'")
EV2=$(notify_tool contact-change --config "$TMP/hub.conf" --old-email kim@stockholm.se \
    --new-name "Lo" --new-email lo@stockholm.se --placement "$P2" | sed -n 's/event_id=//p')
wait_sql 30 "select count(*) from hub.notifier_outbox where source_event_id = '$EV2' and state = 'delivered'" 1

# --- 6. overdue, once -----------------------------------------------------------------------
psql_hub -c "update hub.notifier_outbox set delivered_at = now() - interval '30 days' where handover_id = '$H2'"
wait_sql 30 "select count(*) from hub.notifier_receipts where handover_id = '$H2' and status = 'overdue'" 1
sleep 2.5 # several scans later: still once
[[ $(psql_hub -c "select count(*) from hub.notifier_receipts where handover_id = '$H2' and status = 'overdue'") == 1 ]] ||
    fail "overdue emitted more than once"
wait_sql 30 "select count(*) from hub.notifier_receipts where published_at is null" 0

# The notifier's own series on /metrics: deliveries by outcome and the pending gauges.
metrics=$(curl -sf "http://127.0.0.1:$METRICS_PORT/metrics") || fail "no /metrics from hub-notifier"
delivered=$(sed -n 's/^hub_deliveries_total{outcome="delivered"} //p' <<<"$metrics")
[[ $delivered == "$(psql_hub -c "select count(*) from hub.notifier_outbox where state = 'delivered'")" ]] ||
    fail "/metrics says $delivered delivered: $(grep deliveries <<<"$metrics")"
grep -q '^hub_oldest_pending_seconds ' <<<"$metrics" || fail "no oldest-pending gauge on /metrics"
grep -q '^hub_consumed_total{topic="handover-events"} [1-9]' <<<"$metrics" || fail "no consumed count"
stop_notifier 1 || fail "hub-notifier did not stop cleanly: $(tail -5 "$TMP/nt.1.log")"

# --- 7. the receipts really are on handover-receipts -----------------------------------------
catch_up "$TMP/hub.conf" 120
expect() {
    local got
    got=$(psql_hub -F'|' -c "$1")
    [[ $got == "$2" ]] || fail "query: $1
  expected: $2
  got:      $got"
}
expect "select string_agg(status, ',' order by status) from hub.handover_receipts where handover_id = '$H1'" "acknowledged,delivered"
expect "select status || '|' || school_unit || '|' || child from hub.handover_receipts where handover_id = '$H0'" "withheld|$A|$(psql_hub -c "select child from hub.notifier_outbox where handover_id = '$H0'")"
expect "select string_agg(status, ',') from hub.handover_receipts where handover_id in ('$HC', '$HD', '$HN')" "failed,failed,failed"
expect "select string_agg(status, ',' order by status) from hub.handover_receipts where handover_id = '$H2'" "delivered,overdue"
expect "select count(*) from hub.handover_receipts" "$(psql_hub -c "select count(*) from hub.notifier_receipts")"
[[ $(psql_hub -c "select count(*) from hub.handover_receipts where child = '$CHILD1'") == 2 ]] || fail "receipts not keyed to the child"
# Receipts carry the hub's own signature; the same receipt signed by a district is refused.
BS=$(<"$HUB_BROKER_BOOTSTRAP_FILE")
read -r rpart roff rkey < <(kcat -C -b "$BS" -t handover-receipts -o beginning -c 1 -e -q -f '%p %o %k\n')
kcat -C -b "$BS" -t handover-receipts -p "$rpart" -o "$roff" -c 1 -e -q -f '%s' >"$TMP/receipt.bin"
kcat -C -b "$BS" -t handover-receipts -p "$rpart" -o "$roff" -c 1 -e -q -f '%h\n' | grep -q 'hub.sig.key=hub-dev' ||
    fail "the notifier's receipt is not signed with the hub's key"
before=$(psql_hub -c "select count(*) from hub.handover_receipts")
"$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/sign_tool.py" produce "$BS" handover-receipts "$rkey" \
    "$HUB_DEV_KEY_DIR/farsta-dev.pem" farsta-dev "$TMP/receipt.bin" >/dev/null ||
    fail "could not produce the district-signed receipt"
catch_up "$TMP/hub.conf" 120
[[ $(psql_hub -c "select count(*) from hub.handover_receipts") == "$before" ]] || fail "a district-signed receipt changed the read model"
kcat -C -b "$BS" -t dlq.readmodel -o beginning -e -q -f '%h\n' | grep -q 'hub.reason=signer,hub.detail=.*signed by farsta (key farsta-dev)' ||
    fail "the district-signed receipt is not in dlq.readmodel with reason signer"

# --- 8. the disclosure log ------------------------------------------------------------------
HUBCTL=$HUB_BUILD_DIR/deploy/hubctl
expect "select string_agg(kind || ':' || outcome, ',' order by id) from hub.disclosure_log where handover_id = '$H1'" "dispatch:sent,attempt:delivered,acknowledged:acknowledged"
expect "select kind || ':' || outcome || ':' || legal_ground from hub.disclosure_log where handover_id = '$H0'" "withheld:withheld:none"
expect "select kind || ':' || outcome || ':' || attempt from hub.disclosure_log where handover_id = '$HC'" "failed:no_endpoint:1"
rows=$(psql_hub -c "select count(*) from hub.disclosure_log")
out=$("$HUBCTL" audit verify --config "$TMP/hub.conf") || fail "audit verify failed on an intact log: $out"
[[ $out == *"$rows rows"* ]] || fail "audit verify did not print the row count: $out"
head=$(psql_hub -c "select encode(row_hash, 'hex') from hub.disclosure_log order by id desc limit 1")
[[ $out == *"$head"* ]] || fail "audit verify did not print the head hash: $out"
# the table refuses changes...
if psql_hub -c "update hub.disclosure_log set outcome = 'x' where id = 2" 2>/dev/null; then
    fail "disclosure log accepted an UPDATE"
fi
# ...but an owner can switch that off: the chain still tells
psql_hub -c "alter table hub.disclosure_log disable trigger disclosure_log_no_update_delete"
orig=$(psql_hub -c "select outcome from hub.disclosure_log where id = 2")
psql_hub -c "update hub.disclosure_log set outcome = 'delivered_x' where id = 2"
rc=0
out=$("$HUBCTL" audit verify --config "$TMP/hub.conf" 2>&1) || rc=$?
((rc == 1)) || fail "audit verify exit $rc after tampering: $out"
[[ $out == *"row 2:"*"altered"* ]] || fail "audit verify did not name row 2: $out"
psql_hub -c "update hub.disclosure_log set outcome = '$orig' where id = 2"
"$HUBCTL" audit verify --config "$TMP/hub.conf" >/dev/null || fail "restored log does not verify"
psql_hub -c "delete from hub.disclosure_log where id = 3"
rc=0
out=$("$HUBCTL" audit verify --config "$TMP/hub.conf" 2>&1) || rc=$?
((rc == 1)) || fail "audit verify exit $rc after a deletion: $out"
[[ $out == *"row 3 is missing"* ]] || fail "audit verify did not name deleted row 3: $out"
# a removed tail is noticed through the head
psql_hub -c "delete from hub.disclosure_log where id >= 3"
rc=0
out=$("$HUBCTL" audit verify --config "$TMP/hub.conf" 2>&1) || rc=$?
((rc == 1)) && [[ $out == *"missing"* ]] || fail "audit verify missed a removed tail (exit $rc): $out"
pass
