#!/usr/bin/env bash
# bench_restart.sh [ROUNDS] — how long a restarted hub-readmodel waits for its partitions.
#
# One member of the group is stopped (SIGTERM, and kill -9) and started again at once, ROUNDS
# times each, with and without static group membership (kafka.group.instance.id), against the dev
# broker; prints the mean seconds from the new process's start to its "partitions assigned" line,
# and the ratio static ÷ dynamic. session.timeout.ms=6000 as in the tests. A benchmark, not a test.
set -euo pipefail
ROUNDS=${1:-3}
HUB_TEST_NAME=bench_restart
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../integration/hublib.sh"
PGS=$TMP/pg
bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >"$TMP/pg.out" 2>&1 || fail "cannot start PostgreSQL"
at_exit "bash '$HUB_SOURCE_DIR/deploy/pg.sh' stop '$PGS' >/dev/null 2>&1"
eval "$(bash "$HUB_SOURCE_DIR/deploy/pg.sh" env "$PGS")"
start_broker >/dev/null 2>&1
write_conf "$TMP/dyn.conf" "hub.readmodel.group=g-dynamic"
write_conf "$TMP/static.conf" "hub.readmodel.group=g-static" "kafka.group.instance.id=readmodel-1"
migrate_db "$TMP/dyn.conf"

ms() { date +%s%3N; }
# assigned_after N: ms until rm.N.log shows "partitions assigned", at most 60 s
assigned_after() {
    local log=$TMP/rm.$1.log t0=$2 i
    for ((i = 0; i < 1200; i++)); do
        grep -q 'partitions assigned' "$log" 2>/dev/null && { echo $(($(ms) - t0)); return; }
        sleep 0.05
    done
    echo 60000
}
measure() { # measure CONF SIGNAL: mean ms over ROUNDS restarts
    local conf=$1 sig=$2 sum=0 r n=0
    : >"$TMP/rm.$n.log"
    start_readmodel "$conf" "$n"
    assigned_after "$n" "$(ms)" >/dev/null
    for ((r = 1; r <= ROUNDS; r++)); do
        kill_readmodel "$n" "$sig" || true
        n=$r
        : >"$TMP/rm.$n.log"
        local t0
        t0=$(ms)
        start_readmodel "$conf" "$n"
        sum=$((sum + $(assigned_after "$n" "$t0")))
    done
    kill_readmodel "$n" TERM || true
    echo $((sum / ROUNDS))
}
dyn_term=$(measure "$TMP/dyn.conf" TERM)
st_term=$(measure "$TMP/static.conf" TERM)
dyn_kill=$(measure "$TMP/dyn.conf" KILL)
st_kill=$(measure "$TMP/static.conf" KILL)
awk -v dt="$dyn_term" -v st="$st_term" -v dk="$dyn_kill" -v sk="$st_kill" -v r="$ROUNDS" 'BEGIN {
    printf "restart of one hub-readmodel until its partitions are assigned (mean of %d, dev broker)\n", r
    printf "  after SIGTERM: dynamic membership %5.1f s, static (group.instance.id) %5.1f s, ratio %.2f\n", dt / 1000, st / 1000, st / dt
    printf "  after kill -9: dynamic membership %5.1f s, static (group.instance.id) %5.1f s, ratio %.2f\n", dk / 1000, sk / 1000, sk / dk
}'
