#!/usr/bin/env bash
# Issue 14: 32 slow connections from one address locked every school out of POST /v1/receipts
# (behind the TLS proxy all schools share that address). Real slow sockets from Python
# (slow_clients.py): 300 connections that trickle their headers one byte at a time, replaced as
# soon as the server closes one, all from 127.0.0.1 — more than the old per-address limit (32) and
# the connection limit (256). Meanwhile a well-behaved client sends a whole request every second:
# every one of them must be answered, and every slow connection of the first wave must have been
# closed by the server although it never stopped sending (the total request deadline).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/notifylib.sh"
need_pg
new_db
start_broker
notifier_conf "$TMP/hub.conf"
migrate_db "$TMP/hub.conf"
ensure_schools_table
start_notifier "$TMP/hub.conf" 1
wait_for 30 test -s "$TMP/notifier.port" || fail "the notifier did not publish its port"
PORT=$(<"$TMP/notifier.port")

# 3 deadlines (10 s each) long: the first wave must be gone within it
out=$("$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/slow_clients.py" 127.0.0.1 "$PORT" 300 30) ||
    fail "slow_clients.py failed"
echo "$out" >&2
read -r total answered opened wave closed < <("$HUB_PY" -c '
import json, sys
r = json.loads(sys.argv[1])
print(r["good_total"], r["good_answered"], r["slow_opened"], r["first_wave"], r["first_wave_closed"])' "$out")
((total >= 20)) || fail "only $total well-behaved requests were tried"
((answered == total)) || fail "well-behaved requests answered: $answered of $total"
((opened >= 300)) || fail "only $opened slow connections were opened"
((closed == wave)) || fail "the server closed $closed of the $wave first slow connections"
kill -0 "${NT_PID[1]}" 2>/dev/null || fail "the notifier died"
stop_notifier 1 || fail "the notifier did not stop cleanly"
pass "$answered of $total well-behaved requests answered among $opened slow connections"
