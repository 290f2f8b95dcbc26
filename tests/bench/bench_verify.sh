#!/usr/bin/env bash
# bench_verify.sh [N] — the read model with signature verification against the raw verify rate.
#
# Publishes N signed placement events (each with its district's dev key) to the dev broker, runs
# hub-readmodel from empty to caught up twice — verifying with one thread per CPU (the default),
# then again (--rebuild) with hub.signing.verify_threads=1 — and prints its events/s (from the
# final busy_ms log field) next to the raw Ed25519 verify rate of one core over the very same
# messages in the same run (bench_verify: a bare EVP_DigestVerify loop), as ratios.
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
start_broker >/dev/null 2>&1
BATCH=${HUB_BENCH_BATCH:-2000}
CPUS=$(nproc)
write_conf "$TMP/hub.conf" "hub.consumer.batch_max=$BATCH"
write_conf "$TMP/one.conf" "hub.consumer.batch_max=$BATCH" "hub.signing.verify_threads=1"
migrate_db "$TMP/hub.conf"
gen_events --children "$N" --placements-only --seed 1 >"$TMP/events.jsonl"
publish "$TMP/hub.conf" "$TMP/events.jsonl"

run_rm() { # CONF LOG [ARGS]: hub-readmodel until idle; prints "busy_ms verify_ms"
    local conf=$1 log=$2
    shift 2
    "$HUB_BUILD_DIR/consumers/hub-readmodel" --config "$conf" --exit-when-idle 2000 "$@" \
        >"$log" 2>&1 || fail "hub-readmodel failed: $(tail -n 3 "$log")"
    local got
    got=$(psql_hub -c "select count(*) from hub.placements")
    ((got == N)) || fail "read model holds $got of $N placements"
    grep -q 'msg="stopped".*bad_signatures=0 ' "$log" || fail "signatures failed: $(grep stopped "$log")"
    grep -o "verified_ahead=[0-9]*" "$log" >&2
    sed -n 's/.*msg="stopped".*sighting_ms=\([0-9]*\) commit_ms=\([0-9]*\) verify_ms=\([0-9]*\) busy_ms=\([0-9]*\).*/\4 \3 \1 \2/p' "$log"
}
read -r busy_n verify_n seen_n commit_n < <(run_rm "$TMP/hub.conf" "$TMP/rm.log")
read -r busy_1 verify_1 seen_1 commit_1 < <(run_rm "$TMP/one.conf" "$TMP/rm1.log" --rebuild)
raw_line=$("$HUB_BUILD_DIR/tests/bench/bench_verify" "$TMP/hub.conf" "$CPUS") ||
    fail "bench_verify failed"
msgs=$(sed -n 's/.*messages=\([0-9]*\).*/\1/p' <<<"$raw_line")
((msgs == N)) || fail "bench_verify read $msgs messages, want $N"
raw=$(sed -n 's/.*raw_per_s=\([0-9]*\).*/\1/p' <<<"$raw_line")
chk=$(sed -n 's/.*check_per_s=\([0-9]*\).*/\1/p' <<<"$raw_line")
par=$(sed -n 's/.*parallel_per_s=\([0-9]*\).*/\1/p' <<<"$raw_line")
awk -v n="$N" -v bn="$busy_n" -v vn="$verify_n" -v b1="$busy_1" -v v1="$verify_1" -v raw="$raw" \
    -v sn="$seen_n" -v cn="$commit_n" -v s1="$seen_1" -v c1="$commit_1" \
    -v chk="$chk" -v par="$par" -v cpus="$CPUS" -v b="$BATCH" 'BEGIN {
    rn = n / (bn / 1000.0); r1 = n / (b1 / 1000.0)
    printf "signature verification, %d signed placement events, batches of %d, %d CPUs\n", n, b, cpus
    printf "  hub-readmodel, verify_threads=%d (default)  %9.0f events/s  (of busy time: verifying %4.1f%%, sightings %4.1f%%, commit %4.1f%%)\n", cpus, rn, 100 * vn / bn, 100 * sn / bn, 100 * cn / bn
    printf "  hub-readmodel, verify_threads=1            %9.0f events/s  (of busy time: verifying %4.1f%%, sightings %4.1f%%, commit %4.1f%%)\n", r1, 100 * v1 / b1, 100 * s1 / b1, 100 * c1 / b1
    printf "  raw EVP_DigestVerify loop, 1 thread          %9.0f verifies/s (the one-core ceiling)\n", raw
    printf "  hub_sign_check, 1 thread                     %9.0f verifies/s\n", chk
    printf "  hub_sign_check_many, %d threads               %9.0f verifies/s\n", cpus, par
    printf "  ratio read model/raw verify: %.2f (default threads), %.2f (1 thread)   check/raw %.2f\n", rn / raw, r1 / raw, chk / raw
    printf "  ratio read model/%d-thread verify: %.2f (goal >= 0.8: verification overlapped with the rest)\n", cpus, rn / par
}'
