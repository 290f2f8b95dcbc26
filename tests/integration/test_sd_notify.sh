#!/usr/bin/env bash
# systemd's notification protocol (units with Type=notify, WatchdogSec=): a program under
# $NOTIFY_SOCKET says READY=1 once its loop runs (also while it waits for PostgreSQL, so that
# `systemctl start` does not hang on a database that boots later), pings WATCHDOG=1 from the loop
# itself — so a loop stuck in a call stops the pings and systemd would restart it — and says
# STOPPING=1 at SIGTERM. The attack on the watchdog: a commit held up by a table lock. Pings that
# came from a timer thread would go on; ours stop until the lock is released. A NOTIFY_SOCKET
# that is not a socket address is warned about once and changes nothing else.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_pg
need_cmd psql
new_db
start_broker
write_conf "$TMP/rm.conf"
migrate_db "$TMP/rm.conf"

# start_listener NAME ADDRESS: the fake systemd, logging to $TMP/NAME.notify
start_listener() {
    "$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/sd_listener.py" "$2" "$TMP/$1.notify" &
    local pid=$!
    at_exit "kill $pid 2>/dev/null || true"
    wait_for 10 "$HUB_PY" -c "import socket,sys; a=sys.argv[1]; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect(chr(0)+a[1:] if a[0]=='@' else a)" "$2" ||
        fail "listener on $2 did not start"
}
said() { grep -c -- "$2" "$TMP/$1.notify" 2>/dev/null || true; }
has_said() { (($(said "$1" "$2") >= ${3:-1})); }

# 1. hub-readmodel at work: READY=1 with a status, pings every half interval, STOPPING=1.
start_listener rm "$TMP/notify.sock"
gen_events --children 40 --seed 5 >"$TMP/events.jsonl"
total=$(count_events "$TMP/events.jsonl")
publish "$TMP/rm.conf" "$TMP/events.jsonl"
NOTIFY_SOCKET=$TMP/notify.sock WATCHDOG_USEC=1000000 start_readmodel "$TMP/rm.conf" 1
wait_for 30 has_said rm 'READY=1|STATUS=consuming' || fail "no READY=1: $(cat "$TMP/rm.notify"; tail -n 3 "$TMP/rm.1.log")"
wait_processed "$total" 60
wait_for 20 has_said rm '^[0-9.]* WATCHDOG=1$' 4 || fail "fewer than 4 watchdog pings: $(cat "$TMP/rm.notify")"

# The attack: hold the read model's tables so the next batch's commit cannot finish.
psql -X -q -v ON_ERROR_STOP=1 >"$TMP/lock.out" 2>&1 <<'SQL' &
begin;
lock table hub.processed_events, hub.placements, hub.school_starts, hub.handovers in access exclusive mode;
select pg_sleep(9);
commit;
SQL
LOCK_PID=$!
at_exit "kill $LOCK_PID 2>/dev/null || true"
locked() { [[ $(psql_hub -c "select count(*) from pg_locks where relation = 'hub.processed_events'::regclass and granted and mode = 'AccessExclusiveLock'") == 1 ]]; }
wait_for 10 locked || fail "the lock was not taken: $(cat "$TMP/lock.out")"
gen_events --children 3 --seed 6 >"$TMP/more.jsonl"
more=$(count_events "$TMP/more.jsonl")
publish "$TMP/rm.conf" "$TMP/more.jsonl"
blocked() { [[ $(psql_hub -c "select count(*) from pg_locks where not granted") -ge 1 ]]; }
wait_for 20 blocked || fail "hub-readmodel never waited for the lock"
t_blocked=$(date +%s.%N)
sleep 4
t_end=$(date +%s.%N)
kill -0 "$LOCK_PID" 2>/dev/null || fail "the lock ended before the check window did"
# one ping may have been on its way when the commit began; none after that
during=$(awk -v a="$t_blocked" -v b="$t_end" '$2 == "WATCHDOG=1" && $1 > a + 0.6 && $1 < b' "$TMP/rm.notify" | wc -l)
((during == 0)) || fail "$during watchdog pings while the loop was stuck in a commit (they must come from the loop)"
wait "$LOCK_PID" || true
wait_processed $((total + more)) 60
t_free=$(date +%s.%N)
resumed() { [[ $(awk -v a="$t_free" '$2 == "WATCHDOG=1" && $1 > a' "$TMP/rm.notify" | wc -l) -ge 2 ]]; }
wait_for 10 resumed || fail "watchdog pings did not resume after the lock"
kill_readmodel 1 TERM || fail "hub-readmodel did not stop cleanly: $(tail -n 3 "$TMP/rm.1.log")"
has_said rm 'STOPPING=1' || fail "no STOPPING=1 at SIGTERM: $(tail -n 3 "$TMP/rm.notify")"
(($(said rm 'READY=1') == 1)) || fail "READY=1 said $(said rm 'READY=1') times"

# 2. PostgreSQL unreachable at start: READY=1 at once with a waiting status, pings go on
#    (abstract socket address this time).
write_conf "$TMP/down.conf" "pg.port=1"
start_listener down "@sams-hub-test-$$"
NOTIFY_SOCKET=@sams-hub-test-$$ WATCHDOG_USEC=1000000 start_readmodel "$TMP/down.conf" 2
wait_for 30 has_said down 'READY=1|STATUS=waiting for the database' ||
    fail "no READY=1 while waiting for the database: $(cat "$TMP/down.notify"; tail -n 3 "$TMP/rm.2.log")"
wait_for 20 has_said down '^[0-9.]* WATCHDOG=1$' 4 || fail "no watchdog pings while waiting: $(cat "$TMP/down.notify")"
kill_readmodel 2 TERM || true

# 3. A watchdog meant for another process (WATCHDOG_PID) is not pinged.
start_listener other "$TMP/other.sock"
NOTIFY_SOCKET=$TMP/other.sock WATCHDOG_USEC=1000000 WATCHDOG_PID=1 start_readmodel "$TMP/rm.conf" 3
wait_for 30 has_said other 'READY=1' || fail "no READY=1: $(tail -n 3 "$TMP/rm.3.log")"
sleep 2
(($(said other 'WATCHDOG=1') == 0)) || fail "pinged a watchdog set for pid 1"
kill_readmodel 3 TERM || fail "hub-readmodel did not stop cleanly"

# 4. A NOTIFY_SOCKET that is no socket address: one warning, the work done all the same.
NOTIFY_SOCKET=relative/notify.sock WATCHDOG_USEC=1000000 catch_up "$TMP/rm.conf" 60 --rebuild
warnings=$(grep -c 'msg="cannot notify systemd"' "$TMP/catchup.log" || true)
((warnings == 1)) || fail "$warnings warnings about NOTIFY_SOCKET (want exactly 1): $(grep systemd "$TMP/catchup.log" | head -n 3)"
got=$(psql_hub -c "select count(*) from hub.processed_events")
((got == total + more)) || fail "with a bad NOTIFY_SOCKET the read model holds $got of $((total + more)) events"

pass "READY=1 (also while waiting for PostgreSQL), watchdog pings from the loop (stopped while a commit was stuck), STOPPING=1; a bad NOTIFY_SOCKET only warned"
