#!/usr/bin/env bash
# bench_verify.sh [N] — the read model with signature verification against the raw verify rate.
#
# Publishes N signed placement events (each with its district's dev key) to the dev broker, runs
# hub-readmodel from empty to caught up twice — verifying with one thread per CPU (the default),
# then again (--rebuild) with hub.signing.verify_threads=1 — and prints its events/s (from the
# final busy_ms log field) next to the raw Ed25519 verify rate of one core over the very same
# messages in the same run (bench_verify: a bare EVP_DigestVerify loop), as ratios; then where the
# machine's CPU went per event (all processes, from /proc/stat), and verification's share of it —
# the most the ratio to the all-core verify rate can be while PostgreSQL and the broker share the CPUs.
# With pg_stat_statements loaded, last the database's execution time per event by statement.
# N defaults to 50000.
set -euo pipefail
N=${1:-50000}
HUB_TEST_NAME=bench_verify
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../integration/hublib.sh"
PGS=$TMP/pg
bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >"$TMP/pg.out" 2>&1 || fail "cannot start PostgreSQL"
at_exit "bash '$HUB_SOURCE_DIR/deploy/pg.sh' stop '$PGS' >/dev/null 2>&1"
eval "$(bash "$HUB_SOURCE_DIR/deploy/pg.sh" env "$PGS")"
# pg_stat_statements (shipped with the server) for the database's time per event by statement;
# the benchmark runs without the breakdown where the module cannot be loaded.
STATEMENTS=no
if psql_hub -d postgres -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" &&
    bash "$HUB_SOURCE_DIR/deploy/pg.sh" stop "$PGS" >>"$TMP/pg.out" 2>&1 &&
    bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >>"$TMP/pg.out" 2>&1; then
    STATEMENTS=yes
else
    bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >>"$TMP/pg.out" 2>&1 || fail "cannot restart PostgreSQL"
fi
start_broker >/dev/null 2>&1
BATCH=${HUB_BENCH_BATCH:-2000}
CPUS=$(nproc)
# HUB_BENCH_CONF: extra configuration lines (space-separated K=V) for both runs, e.g. prefetch settings
read -r -a EXTRA <<<"${HUB_BENCH_CONF:-}"
write_conf "$TMP/hub.conf" "hub.consumer.batch_max=$BATCH" "${EXTRA[@]}"
write_conf "$TMP/one.conf" "hub.consumer.batch_max=$BATCH" "hub.signing.verify_threads=1" "${EXTRA[@]}"
migrate_db "$TMP/hub.conf"
gen_events --children "$N" --placements-only --seed 1 >"$TMP/events.jsonl"
publish "$TMP/hub.conf" "$TMP/events.jsonl"

# The machine's busy CPU time so far in ms (all processes: hub-readmodel, PostgreSQL, the broker).
machine_busy_ms() {
    awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" { printf "%.0f", ($2 + $3 + $4 + $7 + $8 + $9) * 1000 / hz }' /proc/stat
}

# A process's CPU time so far in ms (utime + stime; the fields after the command name).
proc_cpu_ms() {
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1000 / hz }' "/proc/$1/stat"
}

run_rm() { # CONF LOG [ARGS]: hub-readmodel until idle; prints "busy verify sightings commit rm_cpu machine_cpu broker_cpu" (ms)
    local conf=$1 log=$2
    shift 2
    local m0 b0
    m0=$(machine_busy_ms)
    b0=$(proc_cpu_ms "$HUB_BROKER_PID")
    /usr/bin/time -f '%U %S' -o "$log.cpu" "$HUB_BUILD_DIR/consumers/hub-readmodel" --config "$conf" \
        --exit-when-idle 2000 "$@" >"$log" 2>&1 || fail "hub-readmodel failed: $(tail -n 3 "$log")"
    local machine=$(($(machine_busy_ms) - m0)) broker=$(($(proc_cpu_ms "$HUB_BROKER_PID") - b0)) rm_cpu got
    rm_cpu=$(awk '{printf "%.0f", ($1 + $2) * 1000}' "$log.cpu")
    got=$(psql_hub -c "select count(*) from hub.placements")
    ((got == N)) || fail "read model holds $got of $N placements"
    grep -q 'msg="stopped".*bad_signatures=0 ' "$log" || fail "signatures failed: $(grep stopped "$log")"
    grep -o "verified_ahead=[0-9]*" "$log" >&2
    sed -n "s/.*msg=\"stopped\".*sighting_ms=\([0-9]*\) commit_ms=\([0-9]*\) verify_ms=\([0-9]*\) busy_ms=\([0-9]*\).*/\4 \3 \1 \2 $rm_cpu $machine $broker/p" "$log"
}
if [[ $STATEMENTS == yes ]] && psql_hub -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null; then
    psql_hub -c "SELECT pg_stat_statements_reset()" >/dev/null
else
    STATEMENTS=no
fi
read -r busy_n verify_n seen_n commit_n rmcpu_n mcpu_n bcpu_n < <(run_rm "$TMP/hub.conf" "$TMP/rm.log")
# The database's execution time per event by statement in the default run (planning, the wire,
# and the commit's WAL flush are not in it).
by_statement=
if [[ $STATEMENTS == yes ]]; then
    by_statement=$(psql_hub -F ' ' -c "
        SELECT round((1000 * total_exec_time / $N)::numeric, 1), calls,
               left(regexp_replace(query, '\s+', ' ', 'g'), 70)
          FROM pg_stat_statements
         WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE 'select count(*)%' AND total_exec_time * 1000 / $N >= 0.1
         ORDER BY total_exec_time DESC")
fi
read -r busy_1 verify_1 seen_1 commit_1 _ _ _ < <(run_rm "$TMP/one.conf" "$TMP/rm1.log" --rebuild)
raw_line=$("$HUB_BUILD_DIR/tests/bench/bench_verify" "$TMP/hub.conf" "$CPUS") ||
    fail "bench_verify failed"
msgs=$(sed -n 's/.*messages=\([0-9]*\).*/\1/p' <<<"$raw_line")
((msgs == N)) || fail "bench_verify read $msgs messages, want $N"
raw=$(sed -n 's/.*raw_per_s=\([0-9]*\).*/\1/p' <<<"$raw_line")
chk=$(sed -n 's/.*check_per_s=\([0-9]*\).*/\1/p' <<<"$raw_line")
par=$(sed -n 's/.*parallel_per_s=\([0-9]*\).*/\1/p' <<<"$raw_line")
awk -v n="$N" -v bn="$busy_n" -v vn="$verify_n" -v b1="$busy_1" -v v1="$verify_1" -v raw="$raw" \
    -v sn="$seen_n" -v cn="$commit_n" -v s1="$seen_1" -v c1="$commit_1" \
    -v chk="$chk" -v par="$par" -v cpus="$CPUS" -v b="$BATCH" \
    -v rmcpu="$rmcpu_n" -v mcpu="$mcpu_n" -v bcpu="$bcpu_n" 'BEGIN {
    rn = n / (bn / 1000.0); r1 = n / (b1 / 1000.0)
    printf "signature verification, %d signed placement events, batches of %d, %d CPUs\n", n, b, cpus
    printf "  hub-readmodel, verify_threads=%d (default)  %9.0f events/s  (of busy time: verifying %4.1f%%, sightings %4.1f%%, commit %4.1f%%)\n", cpus, rn, 100 * vn / bn, 100 * sn / bn, 100 * cn / bn
    printf "  hub-readmodel, verify_threads=1            %9.0f events/s  (of busy time: verifying %4.1f%%, sightings %4.1f%%, commit %4.1f%%)\n", r1, 100 * v1 / b1, 100 * s1 / b1, 100 * c1 / b1
    printf "  raw EVP_DigestVerify loop, 1 thread          %9.0f verifies/s (the one-core ceiling)\n", raw
    printf "  hub_sign_check, 1 thread                     %9.0f verifies/s\n", chk
    printf "  hub_sign_check_many, %d threads               %9.0f verifies/s\n", cpus, par
    printf "  ratio read model/raw verify: %.2f (default threads), %.2f (1 thread)   check/raw %.2f\n", rn / raw, r1 / raw, chk / raw
    printf "  ratio read model/%d-thread verify: %.2f (goal >= 0.8: verification overlapped with the rest)\n", cpus, rn / par
    # Where the CPU went in the default run (whole process lifetime, start-up and the idle exit
    # included): the busy time of the machine per event, and the share of it verification takes at the raw
    # rate. When the machine is saturated, rate / all-core verify rate cannot exceed that share.
    tot = 1000 * mcpu / n; ver = 1e6 / raw; rm = 1000 * rmcpu / n; br = 1000 * bcpu / n
    printf "  CPU per event (default run): %.1f us in all on the machine: hub-readmodel %.1f us (verifying at the raw rate would be %.1f us), the dev broker %.1f us, PostgreSQL and the rest %.1f us; the machine %.0f%% busy on %d CPUs while the read model was (%.1f s; its start and idle exit counted in)\n", tot, rm, ver, br, tot - rm - br, 100 * mcpu / (bn * cpus), cpus, bn / 1000
    printf "  share of that CPU spent verifying: %.2f, %.2f without the dev broker (the ceiling of the ratio above when every CPU is busy; > 0.8 needs everything else <= %.1f us per event)\n", ver / tot, ver / (tot - br), ver / 4
}'
if [[ -n $by_statement ]]; then
    awk '{ sum += $1 } END { printf "  PostgreSQL executing, per event (pg_stat_statements, default run): %.1f us in all\n", sum }' <<<"$by_statement"
    awk '{ us = $1; calls = $2; $1 = ""; $2 = ""; sub(/^  /, ""); printf "    %5.1f us  %4d calls  %s\n", us, calls, $0 }' <<<"$by_statement"
fi
