#!/usr/bin/env bash
# run_all.sh — every benchmark in one command, then one table.
#
#   tests/bench/run_all.sh            (HUB_BUILD_DIR defaults to <repo>/build; build it first)
#
# Runs the codec, publish, read-model, verification, notify, backlog, relay, restart,
# statistics-audit and report benchmarks (each starts its own dev broker and PostgreSQL), then the
# main job (deploy/run.sh) to read each consumer's peak resident memory, and prints one table: every row is a ratio against a ceiling measured in
# the same run, or an absolute figure marked as such. Full outputs go to $OUT (printed at the end).
# Sizes: HUB_BENCH_PUBLISH_N (100000), HUB_BENCH_READMODEL_N (100000), HUB_BENCH_VERIFY_N (30000),
# HUB_BENCH_REPORT_N (1000000), HUB_BENCH_BACKLOG_N (200000). Takes several minutes. A benchmark,
# not a test.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export HUB_BUILD_DIR=${HUB_BUILD_DIR:-$REPO/build}
OUT=$(mktemp -d /tmp/hub-bench.XXXXXX)
B=$REPO/tests/bench
say() { printf 'bench: %s\n' "$*" >&2; }

say "codec"
"$HUB_BUILD_DIR/tests/bench/bench_codec" >"$OUT/codec.txt" 2>&1
say "publish"
bash "$B/bench_publish.sh" "${HUB_BENCH_PUBLISH_N:-100000}" >"$OUT/publish.txt" 2>&1
say "read model"
bash "$B/bench_readmodel.sh" "${HUB_BENCH_READMODEL_N:-100000}" >"$OUT/readmodel.txt" 2>&1
say "signature verification"
bash "$B/bench_verify.sh" "${HUB_BENCH_VERIFY_N:-30000}" >"$OUT/verify.txt" 2>&1
say "notify latency"
bash "$B/bench_notify.sh" 100 20 >"$OUT/notify.txt" 2>&1
say "backlog memory"
bash "$B/bench_backlog.sh" "${HUB_BENCH_BACKLOG_N:-200000}" >"$OUT/backlog.txt" 2>&1
say "outbox relay"
bash "$B/bench_relay.sh" >"$OUT/relay.txt" 2>&1
say "restart to assignment"
bash "$B/bench_restart.sh" 3 >"$OUT/restart.txt" 2>&1
say "statistics audit and information loss (a synthetic year)"
HUB_SOURCE_DIR=$REPO "$HUB_BUILD_DIR/tests/bench/bench_protect" >"$OUT/protect.txt" 2>&1
say "report (generates the placements straight into PostgreSQL)"
(
    HUB_TEST_NAME=bench_report
    source "$REPO/tests/integration/lib.sh"
    bash "$REPO/deploy/pg.sh" start "$TMP/pg" >/dev/null 2>&1
    at_exit "bash '$REPO/deploy/pg.sh' stop '$TMP/pg' >/dev/null 2>&1"
    eval "$(bash "$REPO/deploy/pg.sh" env "$TMP/pg")"
    export HUB_TEST_PGHOST=$PGHOST HUB_TEST_PGPORT=$PGPORT HUB_TEST_PGDATABASE=$PGDATABASE HUB_TEST_PGUSER=$PGUSER
    "$HUB_BUILD_DIR/tests/bench/bench_report" "${HUB_BENCH_REPORT_N:-1000000}"
) >"$OUT/report.txt" 2>&1
say "peak memory of each consumer during the main job"
export HUB_STATE_DIR=$OUT/state
bash "$REPO/deploy/run.sh" --keep-running >"$OUT/main-job.txt" 2>&1
rss() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$(<"$HUB_STATE_DIR/run/$1.pid")/status"; }
rss_readmodel=$(rss readmodel)
rss_notifier=$(rss notifier)
/usr/bin/time -f '%M' -o "$OUT/stats.rss" "$HUB_BUILD_DIR/consumers/hub-stats" \
    --config "$HUB_STATE_DIR/hub.conf" --publish "$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)" \
    >/dev/null 2>&1
rss_stats=$(awk '{printf "%.1f", $1 / 1024}' "$OUT/stats.rss")
bash "$REPO/deploy/run.sh" down >/dev/null 2>&1

g() { sed -n "$2" "$OUT/$1" | head -n 1; } # first match of a sed -n expression in an output
enc=$(awk '$2 == "encode" {print $1 " " $6}' "$OUT/codec.txt" | tr '\n' ' ')
dec=$(awk '$2 == "decode" {print $1 " " $6}' "$OUT/codec.txt" | tr '\n' ' ')
pub_ratio=$(g publish.txt 's/.*ratio hub-publish\/kcat *\([0-9.]*\).*/\1/p')
pub_rate=$(g publish.txt 's/^  hub-publish  *[0-9.]* s *\([0-9]*\) events.*/\1/p')
rm_ratio=$(g readmodel.txt 's/.*ratio ingest\/ceiling \([0-9.]*\).*/\1/p')
rm_rate=$(g readmodel.txt 's/.*exactly once) *\([0-9]*\) events.*/\1/p')
rbr_ratio=$(g readmodel.txt 's/.*baseline\/ceiling \([0-9.]*\).*/\1/p')
ver_ratio=$(g verify.txt 's/.*ratio read model\/raw verify: \([0-9.]*\).*/\1/p')
ver_par=$(g verify.txt 's/.*ratio read model\/[0-9]*-thread verify: \([0-9.]*\).*/\1/p')
ver_rate=$(g verify.txt 's/.*(default) *\([0-9]*\) events.*/\1/p')
notify=$(g notify.txt 's/.*publish -> received by the school  *p50 *\([0-9.]*\) ms.*p99 *\([0-9.]*\) ms.*/p50 \1 ms, p99 \2 ms/p')
backlog=$(g backlog.txt 's/.*ratio peak RSS new\/old \([0-9.]*\) *ratio rate new\/old \([0-9.]*\).*/\1 (peak), \2 (rate)/p')
relay=$(g relay.txt 's/^ratio relay\/hub-publish: \([0-9.]*\).*/\1/p')
relay_lat=$(g relay.txt 's/.*rows): p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*/p50 \1 ms, p99 \2 ms/p')
restart=$(g restart.txt 's/.*after SIGTERM:.*ratio \([0-9.]*\).*/\1 after SIGTERM/p')
report=$(g report.txt 's/.*month [0-9-]* (\([0-9]*\) placements): \([0-9.]*\) s.*/\2 s for a month (\1 placements)/p')
protect=$(g protect.txt 's/.*year audit \([0-9.]*\) ms against the \([0-9]*\) ms target: ratio \([0-9.]*\).*/\3 (\1 ms)/p')
loss=$(g protect.txt 's/^2026 .*loss: [0-9]* of [0-9]* counts hidden (\([0-9.]*\) %).*cells [0-9]* of [0-9]* (\([0-9.]*\) %).*/\1 % of counts, \2 % of placements/p')
report_n=$(g report.txt 's/.*generated \([0-9]*\) placements.*/\1/p')

printf '\n%-44s %-40s %s\n' "benchmark" "result" "kind"
printf '%-44s %-40s %s\n' "--------------------------------------------" "----------------------------------------" "--------------------------------"
printf '%-44s %-40s %s\n' "Avro encode, hub ÷ raw Avro-C" "$enc" "ratio, same records, same run"
printf '%-44s %-40s %s\n' "Avro decode, hub ÷ raw Avro-C" "$dec" "ratio, same records, same run"
printf '%-44s %-40s %s\n' "publish, hub-publish ÷ kcat (same bytes)" "${pub_ratio} (${pub_rate} events/s)" "ratio, same run"
printf '%-44s %-40s %s\n' "read-model ingest ÷ raw unnest upsert" "${rm_ratio} (${rm_rate} events/s; target 0.6)" "ratio, same rows, same run"
printf '%-44s %-40s %s\n' "row-by-row insert ÷ raw unnest upsert" "${rbr_ratio}" "ratio, same rows, same run"
printf '%-44s %-40s %s\n' "read model with signatures ÷ raw verify" "${ver_ratio} (${ver_rate} events/s)" "ratio, same messages, same run"
printf '%-44s %-40s %s\n' "read model with signatures ÷ all-core verify" "${ver_par} (goal 0.8)" "ratio, same messages, same run"
printf '%-44s %-40s %s\n' "notify latency, publish → school" "$notify" "absolute, 100 events/s (goal p99 ≤ 50 ms)"
printf '%-44s %-40s %s\n' "backlog: peak RSS / rate, new ÷ old prefetch" "$backlog" "ratio, same backlog, same run"
printf '%-44s %-40s %s\n' "outbox relay ÷ hub-publish (same events)" "$relay" "ratio, same run"
printf '%-44s %-40s %s\n' "outbox commit → acknowledged and marked" "$relay_lat" "absolute, steady rate"
printf '%-44s %-40s %s\n' "restart → partitions, static ÷ dynamic" "$restart" "ratio, same run (dev broker)"
printf '%-44s %-40s %s\n' "report over $report_n placements" "$report" "absolute (target 1 s)"
printf '%-44s %-40s %s\n' "disclosure audit of a year ÷ 10 s target" "$protect" "ratio (bench_protect, ~35/district-month)"
printf '%-44s %-40s %s\n' "information loss of that year" "$loss" "hidden share (counts; placements in cells)"
printf '%-44s %-40s %s\n' "peak RSS hub-readmodel / notifier / stats" "$rss_readmodel / $rss_notifier / $rss_stats MiB" "absolute, during the main job"
printf '\nfull outputs: %s\n' "$OUT"
