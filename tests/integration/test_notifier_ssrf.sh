#!/usr/bin/env bash
# Issue 14, blind SSRF through the school directory. With no hub.notifier.allow_ranges:
#   1. a directory row whose webhook is a name that RESOLVES to loopback (the machine's own host
#      name) is never connected to: the address is judged after resolution, the receiver listening
#      there sees no request, the outbox says address_refused (retried, nothing on the wire);
#   2. rows naming loopback and metadata addresses as literals, and one hiding another host
#      behind a user name ("http://127.0.0.1:PORT@host/"), fail at once as no_endpoint;
#   3. `hubctl schools import` refuses a CSV with such a URL, naming the school, not the URL.
# The control: the same school with allow_ranges=127.0.0.0/8 gets its handover (the tests and
# the demo deliver to loopback that way).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/notifylib.sh"
need_pg
new_db
start_broker

# A name that resolves to a loopback address on this machine (not "localhost", which is judged
# before resolution).
LOOPNAME=
for n in "$(hostname)" ip6-localhost ip6-loopback; do
    addr=$(getent ahosts "$n" 2>/dev/null | awk 'NR == 1 {print $1}')
    if [[ $addr == 127.* || $addr == ::1 ]]; then
        LOOPNAME=$n
        break
    fi
done
[[ -n $LOOPNAME ]] || fail "no host name resolves to a loopback address here (hostname, ip6-localhost)"

notifier_conf "$TMP/open.conf"
grep -v '^hub.notifier.allow_ranges=' "$TMP/open.conf" >"$TMP/hub.conf"
migrate_db "$TMP/hub.conf"
ensure_schools_table

A=30000001 B=30000002 C=30000003 D=30000004
for s in A B C D; do new_secret "$s"; done
start_receiver A
PORT=${RECV_PORT[A]}
add_school "$A" "http://$LOOPNAME:$PORT/in" "$TMP/A.secret"
add_school "$B" "http://169.254.169.254/latest/meta-data/" "$TMP/B.secret"
add_school "$C" "http://[::ffff:127.0.0.1]:$PORT/in" "$TMP/C.secret"
add_school "$D" "http://127.0.0.1:$PORT@$LOOPNAME:$PORT/in" "$TMP/D.secret"

start_notifier "$TMP/hub.conf" 1
declare -A H=()
for s in A B C D; do
    unit=${!s}
    H[$s]=$(notify_tool handover --config "$TMP/hub.conf" --school "$unit" |
        sed -n 's/.*handover_id=\([^ ]*\).*/\1/p')
    [[ -n ${H[$s]} ]] || fail "publishing the handover for $s failed"
done
for s in B C D; do
    wait_sql 60 "select state from hub.notifier_outbox where handover_id = '${H[$s]}'" failed
done
wait_for 60 _sql_is "select (attempts >= 2)::text from hub.notifier_outbox where handover_id = '${H[A]}'" true ||
    fail "the resolved-loopback school was not attempted twice"
[[ $(psql_hub -c "select state from hub.notifier_outbox where handover_id = '${H[A]}'") == pending ]] ||
    fail "school A: $(psql_hub -c "select state, last_error from hub.notifier_outbox where handover_id = '${H[A]}'")"
[[ $(psql_hub -c "select count(*) > 0 and bool_and(outcome = 'address_refused') from hub.disclosure_log where handover_id = '${H[A]}' and kind = 'attempt'") == t ]] ||
    fail "school A: attempts logged as $(psql_hub -c "select string_agg(outcome, ',') from hub.disclosure_log where handover_id = '${H[A]}'")"
psql_hub -c "select last_error from hub.notifier_outbox where handover_id = '${H[A]}'" | grep -q 'is loopback, not public' ||
    fail "school A: no reason given"
psql_hub -c "select last_error from hub.notifier_outbox where handover_id = '${H[B]}'" | grep -q 'link-local (cloud metadata)' ||
    fail "school B: $(psql_hub -c "select last_error from hub.notifier_outbox where handover_id = '${H[B]}'")"
psql_hub -c "select last_error from hub.notifier_outbox where handover_id = '${H[D]}'" | grep -q "user name or password" ||
    fail "school D: $(psql_hub -c "select last_error from hub.notifier_outbox where handover_id = '${H[D]}'")"
[[ $(recv_count A True) == 0 ]] || fail "the receiver on loopback was contacted"
stop_notifier 1

# The control: the operator allows loopback; the pending handover of A is delivered.
start_notifier "$TMP/open.conf" 2
wait_sql 60 "select state from hub.notifier_outbox where handover_id = '${H[A]}'" delivered
[[ $(recv_count A "b.get('handover_id') == '${H[A]}'") == 1 ]] || fail "control: not delivered once"
stop_notifier 2

# The import: refused without the allowance, naming the school and the rule, not the URL.
HDR="skolenhetskod,name,huvudman_type,kommunkod,webhook_url,public_key,signing_secret_ref,email"
import() { # $1 conf, $2 url
    printf '%s\n%s,Skolan,kommunal,0180,%s,,%s,a@example.se\n' "$HDR" 30000009 "$2" "$TMP/A.secret" >"$TMP/dir.csv"
    RC=0
    "$HUB_BUILD_DIR/deploy/hubctl" schools import --config "$1" "$TMP/dir.csv" >"$TMP/import.out" 2>"$TMP/import.err" || RC=$?
}
for url in "https://169.254.169.254/x" "https://10.0.0.5/hook" "https://[fd00:ec2::254]/" \
    "https://2130706433/hook" "https://localhost/hook" "http://localhost:80@example.org/"; do
    import "$TMP/hub.conf" "$url"
    ((RC == 2)) || fail "import of a school at a forbidden address: exit $RC ($(cat "$TMP/import.err"))"
    grep -qE 'school 30000009: webhook_url: |webhook_url: a user name' "$TMP/import.err" ||
        fail "import: no reason naming the school: $(cat "$TMP/import.err")"
    ! grep -qF "$url" "$TMP/import.err" || fail "import echoed the URL"
done
[[ $(psql_hub -c "select count(*) from hub.schools where skolenhetskod = '30000009'") == 0 ]] ||
    fail "a refused school reached the directory"
import "$TMP/open.conf" "https://127.0.0.1:8443/hook"
((RC == 0)) || fail "import with the allowance: exit $RC ($(cat "$TMP/import.err"))"
pass "no call to loopback, private or metadata addresses without an explicit allowance"
