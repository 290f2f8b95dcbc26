#!/usr/bin/env bash
# Ctrl-C while hub-publish waits for acknowledgements: it stops within seconds (not after
# hub.publish.flush_timeout_ms), names every event that was not acknowledged and exits 1.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_pg # write_conf names the test database; hub-publish does not use it
write_conf "$TMP/hub.conf" "kafka.bootstrap.servers=127.0.0.1:1" \
    "hub.publish.flush_timeout_ms=60000" "kafka.message.timeout.ms=120000"
gen_events --children 300 --seed 4 >"$TMP/events.jsonl"
n=$(count_events "$TMP/events.jsonl")
"$HUB_BUILD_DIR/producers/hub-publish" --config "$TMP/hub.conf" "$TMP/events.jsonl" \
    >/dev/null 2>"$TMP/err" &
pid=$!
sleep 2
start=$SECONDS
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
took=$((SECONDS - start))
((rc == 1)) || fail "exit $rc after SIGINT, want 1: $(tail -n 3 "$TMP/err")"
((took < 30)) || fail "took ${took}s to stop after SIGINT (the flush timeout is 60 s)"
grep -q "interrupted; waiting up to" "$TMP/err" || fail "no word of the interruption: $(tail -n 3 "$TMP/err")"
named=$(grep -c "event_id=.* not \(acknowledged\|sent\)" "$TMP/err" || true)
((named == n)) || fail "$named of $n unacknowledged events named"
grep -q "0 of $n events acknowledged, $n not acknowledged" "$TMP/err" || fail "summary: $(tail -n 1 "$TMP/err")"
pass "stopped ${took}s after SIGINT, all $n events named"
