#!/usr/bin/env bash
# bench_readmodel.sh [N] — read-model ingest against its ceilings, in one run.
#
# Loads N placement events into the dev broker, runs hub-readmodel from empty to caught up, and
# prints its events/s next to the raw unnest upsert of the very same rows (the ceiling) and a
# row-by-row insert (the baseline), as ratios. Target: ingest ≥ 0.6 of the ceiling.
# N defaults to 100000 (the dev broker keeps ~5 MiB per partition: 16 partitions hold ~400k).
set -euo pipefail
N=${1:-100000}
HUB_TEST_NAME=bench_readmodel
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../integration/hublib.sh"
PGS=$TMP/pg
bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$PGS" >"$TMP/pg.out" 2>&1 || fail "cannot start PostgreSQL"
at_exit "bash '$HUB_SOURCE_DIR/deploy/pg.sh' stop '$PGS' >/dev/null 2>&1"
eval "$(bash "$HUB_SOURCE_DIR/deploy/pg.sh" env "$PGS")"
start_broker >/dev/null 2>&1
BATCH=${HUB_BENCH_BATCH:-2000}
# Unsigned (hub.signing.required=false, no publisher key): this measures the database path;
# signature verification, the costliest step per event, is measured by bench_verify.sh.
write_conf "$TMP/hub.conf" "hub.consumer.batch_max=$BATCH" "hub.signing.required=false" \
    "hub.signing.key_dir="
migrate_db "$TMP/hub.conf"
gen_events --children "$N" --placements-only --seed 1 >"$TMP/events.jsonl"
publish "$TMP/hub.conf" "$TMP/events.jsonl"

"$HUB_BUILD_DIR/consumers/hub-readmodel" --config "$TMP/hub.conf" --exit-when-idle 2000 \
    >"$TMP/rm.log" 2>&1 || fail "hub-readmodel failed: $(tail -n 3 "$TMP/rm.log")"
got=$(psql_hub -c "select count(*) from hub.placements")
((got == N)) || fail "read model holds $got of $N placements"
busy=$(sed -n 's/.*msg="stopped".*busy_ms=\([0-9]*\).*/\1/p' "$TMP/rm.log")
ceil=$("$HUB_BUILD_DIR/tests/bench/bench_readmodel_ceiling" "$BATCH")
rows=$(sed -n 's/.*rows=\([0-9]*\).*/\1/p' <<<"$ceil")
raw=$(sed -n 's/.*raw_rows_per_s=\([0-9]*\).*/\1/p' <<<"$ceil")
rbr=$(sed -n 's/.*row_by_row_rows_per_s=\([0-9]*\).*/\1/p' <<<"$ceil")
awk -v n="$N" -v busy="$busy" -v raw="$raw" -v rbr="$rbr" -v b="$BATCH" 'BEGIN {
    rate = n / (busy / 1000.0)
    printf "read-model ingest, %d placement events, batches of %d\n", n, b
    printf "  hub-readmodel (Kafka → decode → check → PostgreSQL, exactly once) %9.0f events/s\n", rate
    printf "  raw unnest upsert of the same rows (ceiling)                       %9.0f rows/s\n", raw
    printf "  row-by-row prepared insert of the same rows (baseline)             %9.0f rows/s\n", rbr
    printf "  ratio ingest/ceiling %.2f (target >= 0.60)   baseline/ceiling %.2f\n", rate / raw, rbr / raw
}'
