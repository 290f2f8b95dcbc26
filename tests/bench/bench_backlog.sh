#!/usr/bin/env bash
# bench_backlog.sh [N] — hub-readmodel's peak memory and ingest rate reading a backlog of N events.
#
# Publishes N signed placement events while no consumer runs, then reads the whole backlog into
# an empty database four times (old, new, new, old, so that load drifting on a shared machine
# weighs on both alike): with librdkafka's own prefetch settings (what the consumers used before
# issue 15: queued.min.messages=100000 per partition, queued.max.messages.kbytes=65536,
# fetch.max.bytes=52428800) and with the hub's defaults (hub/kafka/kafka.c). Prints the peak resident
# memory (/usr/bin/time -v) and the rate of each setting, and the ratios new ÷ old. Target: peak
# ≤ 40 MiB at N = 200000 with a rate ≥ 0.9 of the old settings'. A benchmark, not a test.
set -euo pipefail
N=${1:-200000}
HUB_TEST_NAME=bench_backlog
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../integration/hublib.sh"
[[ -x /usr/bin/time ]] || fail "/usr/bin/time is missing (Debian package time)"
PGS=$TMP/pg
bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >"$TMP/pg.out" 2>&1 || fail "cannot start PostgreSQL"
at_exit "bash '$HUB_SOURCE_DIR/deploy/pg.sh' stop '$PGS' >/dev/null 2>&1"
eval "$(bash "$HUB_SOURCE_DIR/deploy/pg.sh" env "$PGS")"
start_broker >/dev/null 2>&1
base=$PGDATABASE
write_conf "$TMP/pub.conf"
gen_events --children "$N" --placements-only --seed 7 >"$TMP/events.jsonl"
publish "$TMP/pub.conf" "$TMP/events.jsonl"

OLD=(kafka.queued.min.messages=100000 kafka.queued.max.messages.kbytes=65536
    kafka.fetch.max.bytes=52428800 kafka.fetch.message.max.bytes=1048576)
run() { # run NAME [K=V...]: read the backlog into a fresh database; prints "rss_kib rate"
    local name=$1
    shift
    psql -X -q -d "$base" -c "create database bench_$name" >/dev/null
    PGDATABASE=bench_$name write_conf "$TMP/$name.conf" "$@"
    migrate_db "$TMP/$name.conf"
    /usr/bin/time -v -o "$TMP/$name.time" "$HUB_BUILD_DIR/consumers/hub-readmodel" \
        --config "$TMP/$name.conf" --exit-when-idle 2000 >"$TMP/$name.log" 2>&1 ||
        fail "hub-readmodel ($name) failed: $(tail -n 3 "$TMP/$name.log")"
    local got
    got=$(psql -X -A -t -d "bench_$name" -c "select count(*) from hub.placements")
    ((got == N)) || fail "$name: read model holds $got of $N placements"
    local rss busy
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/$name.time")
    busy=$(sed -n 's/.*msg="stopped".*busy_ms=\([0-9]*\).*/\1/p' "$TMP/$name.log")
    echo "$rss $busy"
}
# Order old, new, new, old: load on the machine that drifts during the runs weighs on both alike.
read -r old_rss old_busy < <(run old1 "${OLD[@]}")
read -r new_rss new_busy < <(run new1)
read -r new_rss2 new_busy2 < <(run new2)
read -r old_rss2 old_busy2 < <(run old2 "${OLD[@]}")
awk -v n="$N" -v orss="$old_rss" -v orss2="$old_rss2" -v obusy="$((old_busy + old_busy2))" \
    -v nrss="$new_rss" -v nrss2="$new_rss2" -v nbusy="$((new_busy + new_busy2))" 'BEGIN {
    orate = 2 * n / (obusy / 1000.0); nrate = 2 * n / (nbusy / 1000.0)
    if (orss2 > orss) orss = orss2
    if (nrss2 > nrss) nrss = nrss2
    printf "hub-readmodel reading a backlog of %d signed placement events (two runs each)\n", n
    printf "  librdkafka prefetch defaults (before)  peak RSS %6.1f MiB  %7.0f events/s\n", orss / 1024, orate
    printf "  hub defaults (hub/kafka/kafka.c)       peak RSS %6.1f MiB  %7.0f events/s\n", nrss / 1024, nrate
    printf "  ratio peak RSS new/old %.2f   ratio rate new/old %.2f (target peak <= 40 MiB, rate >= 0.90)\n", nrss / orss, nrate / orate
}'
