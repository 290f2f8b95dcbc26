#!/usr/bin/env bash
# test_hub_stats.sh — hub-stats publishes every district-month of the closed months to
# monthly-stats with exactly the figures of `hubctl report` (read back with kcat, decoded with
# python3-avro after checking the schema fingerprint), publishes nothing on a second pass or on
# another day with the same data, only the changed district-months after a late school start,
# provisional figures on demand, a tombstone for a district-month that is gone, records all of it
# in hub.stats_published, and stops cleanly on SIGTERM.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_pg
need_cmd kcat
"$HUB_PY" -c 'import avro.io' 2>/dev/null || skip "python3-avro is not installed (run deploy/setup.sh)"
new_db
start_broker
BOOT=$HUB_KAFKA_BOOTSTRAP_SERVERS
# Feb and Mar 2026 are closed on 10 April (default: 5 days after the end); April is not.
write_conf "$TMP/hub.conf" hub.stats.lookback_months=2
migrate_db "$TMP/hub.conf"

STATS=$HUB_BUILD_DIR/consumers/hub-stats
HUBCTL=$HUB_BUILD_DIR/deploy/hubctl
TOPIC_PY=$HUB_SOURCE_DIR/tests/integration/stats_topic.py
[[ -x $STATS ]] || fail "$STATS is not built"

NOW=2026-04-10

stats() { # expected-exit args...
    local want=$1 rc=0
    shift
    "$STATS" --config "$TMP/hub.conf" "$@" >>"$TMP/stats.log" 2>&1 </dev/null || rc=$?
    ((rc == want)) || fail "hub-stats $* exited $rc, expected $want: $(tail -n 5 "$TMP/stats.log")"
}

# Every message of the topic, decoded, into $TMP/msgs.jsonl (the previous read kept as
# $TMP/msgs.prev); prints how many.
read_topic() {
    [[ ! -f $TMP/msgs.jsonl ]] || cp "$TMP/msgs.jsonl" "$TMP/msgs.prev"
    kcat -C -b "$BOOT" -t monthly-stats -o beginning -e -q -f '%p %o %K %S\n%k%s' \
        >"$TMP/topic.raw" 2>"$TMP/kcat.err" || fail "kcat: $(cat "$TMP/kcat.err")"
    "$HUB_PY" "$TOPIC_PY" decode "$HUB_SOURCE_DIR/schemas" <"$TMP/topic.raw" >"$TMP/msgs.jsonl" ||
        fail "decoding the monthly-stats topic failed"
    wc -l <"$TMP/msgs.jsonl"
}

report() { # month out-file
    "$HUBCTL" report --config "$TMP/hub.conf" --month "$1" --as-of "$NOW" --provisional --format json \
        --output "$2" 2>>"$TMP/report.log" || fail "hubctl report --month $1 failed"
}

check_month() { # month: the topic's newest records of the month equal the report
    report "$1" "$TMP/report-$1.json"
    "$HUB_PY" "$TOPIC_PY" check "$TMP/msgs.jsonl" "$TMP/report-$1.json" ||
        fail "$1: the published records differ from hubctl report"
}

rows() { psql_hub -c "select count(*) from hub.stats_published $1"; }

# 60 children placed in March 2026 across the districts; a school start for most.
gen_events --children 60 --month 2026-03 --seed 7 >"$TMP/events.jsonl"
publish "$TMP/hub.conf" "$TMP/events.jsonl"
catch_up "$TMP/hub.conf" 120

# --- a first pass publishes every district-month of February and March ----------------------
stats 0 --once --now "$NOW"
n1=$(read_topic)
n_mar=$(check_month 2026-03)
n_feb=$(check_month 2026-02)
((n1 == n_mar + n_feb)) || fail "first pass: $n1 messages, expected $n_mar + $n_feb"
((n_mar > 5)) || fail "only $n_mar district-months in March"
[[ $(rows "") == "$n1" ]] || fail "hub.stats_published holds $(rows "") rows, $n1 published"
grep -q 'provisional": true' "$TMP/msgs.jsonl" && fail "a closed month was published as provisional"
# the protection did something: small counts and hidden cells are on the topic, as flags
grep -q '"flag": "below_k"' "$TMP/msgs.jsonl" && fail "a below_k flag: every hidden count is suppressed"
grep -q '"flag": "suppressed"' "$TMP/msgs.jsonl" || fail "no suppressed count in the records"
cp "$TMP/report-2026-03.json" "$TMP/before.json"

# --- the same data again, also on another day: nothing is published --------------------------
stats 0 --once --now "$NOW"
stats 0 --once --now 2026-04-11
[[ $(read_topic) == "$n1" ]] || fail "an unchanged pass published something"
[[ $(rows "") == "$n1" ]] || fail "an unchanged pass recorded something"
grep -q 'published=0 unchanged='"$n1" "$TMP/stats.log" || fail "the pass did not log unchanged=$n1"

# --- a late school start in March: only the district-months that changed -------------------
"$HUB_PY" - "$TMP/events.jsonl" >"$TMP/late.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
started = {e["placement_id"] for e in events if e["type"] == "school_start"}
p = next(e for e in events if e["type"] == "placement" and e["action"] == "started"
         and e["school_change"] and e["placement_id"] not in started)
print(json.dumps({"type": "school_start", "event_id": "00000000-0000-4000-8000-00000000beef",
                  "occurred_at": "2026-03-30T08:00:00+02:00", "district": p["district"],
                  "personnummer": p["personnummer"], "placement_id": p["placement_id"],
                  "school_unit": "12345678", "school_form": "grundskola",
                  "start_date": "2026-03-30"}))
PY
publish "$TMP/hub.conf" "$TMP/late.jsonl"
catch_up "$TMP/hub.conf" 120
report 2026-03 "$TMP/after.json"
"$HUB_PY" "$TOPIC_PY" changed "$TMP/before.json" "$TMP/after.json" | sed 's/$/|2026-03/' |
    sort >"$TMP/want-changed"
[[ -s $TMP/want-changed ]] || fail "the late school start changed no figure of the report"
grep -qx 'all|2026-03' "$TMP/want-changed" || fail "the city's figures did not change"
stats 0 --once --now "$NOW"
read_topic >/dev/null
"$HUB_PY" "$TOPIC_PY" new "$TMP/msgs.prev" "$TMP/msgs.jsonl" >"$TMP/got-changed"
diff -u "$TMP/want-changed" "$TMP/got-changed" ||
    fail "republished district-months differ from those whose figures changed"
n2=$(wc -l <"$TMP/msgs.jsonl")
check_month 2026-03 >/dev/null
check_month 2026-02 >/dev/null
[[ $(rows "") == "$n2" ]] || fail "hub.stats_published does not hold every publication"
grep -q 'msg="published district-month changed; new version replaces it" district=all period=2026-03' \
    "$TMP/stats.log" || fail "no warning for the changed, already published city month"

# --- on demand: April now (provisional), one district of March again -------------------------
stats 0 --publish 2026-04 --now "$NOW"
read_topic >/dev/null
n_apr=$("$HUB_PY" "$TOPIC_PY" count "$TMP/msgs.jsonl" 2026-04)
((n_apr > 5)) || fail "--publish 2026-04 sent $n_apr messages"
[[ $(grep '"key": "[^"]*|2026-04"' "$TMP/msgs.jsonl" | grep -c '"provisional": true') == "$n_apr" ]] ||
    fail "April's records are not all provisional"
[[ $(rows "where period = '2026-04' and provisional") == "$n_apr" ]] ||
    fail "April not recorded as provisional"
report 2026-04 "$TMP/report-2026-04.json"
"$HUB_PY" "$TOPIC_PY" check "$TMP/msgs.jsonl" "$TMP/report-2026-04.json" >/dev/null ||
    fail "2026-04: the published records differ from hubctl report"
before=$(wc -l <"$TMP/msgs.jsonl")
stats 0 --publish 2026-03 --district farsta --now "$NOW"
[[ $(read_topic) == $((before + 1)) ]] || fail "--publish --district farsta sent other than one"
[[ $("$HUB_PY" "$TOPIC_PY" new "$TMP/msgs.prev" "$TMP/msgs.jsonl") == "farsta|2026-03" ]] ||
    fail "--publish --district farsta did not send farsta|2026-03"
stats 2 --publish 2026-05 --now "$NOW"
stats 2 --publish 2026-03 --district atlantis --now "$NOW"
stats 2 --publish 2026-13
stats 2 --district farsta --now "$NOW"
stats 2 --once --publish 2026-03

# --- a district-month that is gone gets a tombstone ------------------------------------------
psql_hub <<'SQL'
INSERT INTO hub.placements (placement_id, child, district, birth_year, legal_sex, action,
    legal_basis, placement_form, start_date, school_change, first_event_id, first_occurred_at,
    last_event_id, last_occurred_at, last_src_partition, last_src_offset)
VALUES ('00000000-0000-4000-8000-00000000dead', repeat('ab', 32), 'testdistrikt', 2014, 'female',
        'started', 'SoL', 'hvb', DATE '2026-03-15', false, gen_random_uuid(), now(),
        gen_random_uuid(), now(), 0, 999999);
SQL
stats 0 --once --now "$NOW"
read_topic >/dev/null
check_month 2026-03 >/dev/null
grep -q '"key": "testdistrikt|2026-03"' "$TMP/msgs.jsonl" || fail "testdistrikt|2026-03 not published"
psql_hub -c "DELETE FROM hub.placements WHERE placement_id = '00000000-0000-4000-8000-00000000dead'"
stats 0 --once --now "$NOW"
read_topic >/dev/null
"$HUB_PY" "$TOPIC_PY" new "$TMP/msgs.prev" "$TMP/msgs.jsonl" >"$TMP/gone"
grep -qx 'testdistrikt|2026-03 null' "$TMP/gone" || fail "no tombstone for testdistrikt|2026-03: $(cat "$TMP/gone")"
check_month 2026-03 >/dev/null
[[ $(psql_hub -c "select withdrawn from hub.stats_published_latest where district = 'testdistrikt'") == t ]] ||
    fail "the tombstone is not recorded"
n3=$(wc -l <"$TMP/msgs.jsonl")
stats 0 --once --now "$NOW"
[[ $(read_topic) == "$n3" ]] || fail "a tombstone was sent twice"

# --- no pseudonym and no personnummer on the topic ---------------------------------------------
psql_hub -c "select distinct child from hub.placements" >"$TMP/children"
while read -r c; do
    ! grep -qF -- "$c" "$TMP/topic.raw" || fail "a child pseudonym is on the monthly-stats topic"
done <"$TMP/children"
grep -o '"personnummer": "[^"]*"' "$TMP/events.jsonl" | cut -d'"' -f4 | tr -d '-' >"$TMP/pnr"
while read -r p; do
    ! grep -qF -- "$p" "$TMP/topic.raw" || fail "a personnummer is on the monthly-stats topic"
done <"$TMP/pnr"

# --- long-running: a pass at start, SIGTERM finishes it and exits 0 ---------------------------
"$STATS" --config "$TMP/hub.conf" --now "$NOW" >"$TMP/run.log" 2>&1 &
pid=$!
at_exit "kill -KILL $pid 2>/dev/null"
wait_for 60 grep -q 'msg="pass done"' "$TMP/run.log" || fail "no pass at start: $(tail -n 5 "$TMP/run.log")"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
((rc == 0)) || fail "hub-stats exited $rc on SIGTERM: $(tail -n 5 "$TMP/run.log")"
grep -q 'msg="stopped"' "$TMP/run.log" || fail "hub-stats did not log its stop"
[[ $(read_topic) == "$n3" ]] || fail "the long-running pass published unchanged figures"

pass "$n_mar + $n_feb district-months identical to hubctl report; $(wc -l <"$TMP/want-changed") republished after a change; $n_apr provisional on demand; tombstone"
