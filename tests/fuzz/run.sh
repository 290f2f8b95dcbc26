#!/usr/bin/env bash
# run.sh — builds every libFuzzer target (tests/fuzz/fuzz_*.c) with clang, ASan and UBSan into
# <repo>/build-fuzz and runs them for about HUB_FUZZ_SECONDS (default 150) in total, shared
# equally: 15 s for each of the ten targets. The whole run, build included, ends within
# HUB_FUZZ_DEADLINE seconds (default 270, under CI's 300 s step): when the build was slow, each
# target gets less (never under 5 s). Exits non-zero on any crash, leak, timeout or sanitizer
# report (the reproducer is written to build-fuzz/fuzz-artifacts/). New inputs go to build-fuzz/fuzz-corpus/, never into
# the repo's seed corpus.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$repo/build-fuzz
total=${HUB_FUZZ_SECONDS:-150}
deadline=${HUB_FUZZ_DEADLINE:-270}
start=$(date +%s)

command -v clang >/dev/null || { echo "run.sh: clang is not installed" >&2; exit 1; }

# Coverage instrumentation (fuzzer-no-link) and sanitizers on everything, so that libhub's code
# guides the fuzzer; the targets themselves link libFuzzer.
cmake -S "$repo" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHUB_FUZZ=ON -DHUB_SANITIZE=ON -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null

targets=()
for src in "$repo"/tests/fuzz/fuzz_*.c; do
    targets+=("$(basename "$src" .c)")
done
((${#targets[@]} > 0)) || { echo "run.sh: no fuzz targets" >&2; exit 1; }
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

per=$((total / ${#targets[@]}))
# what is left before the deadline, less a second of start-up and corpus loading per target
left=$((deadline - ($(date +%s) - start) - ${#targets[@]}))
if ((per * ${#targets[@]} > left)); then
    per=$((left / ${#targets[@]}))
    ((per >= 5)) || per=5
    echo "run.sh: the build took $(($(date +%s) - start))s: ${per}s per target (deadline ${deadline}s)"
fi
((per >= 5)) || per=5
mkdir -p "$build/fuzz-artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
for t in "${targets[@]}"; do
    name=${t#fuzz_}
    work=$build/fuzz-corpus/$name
    mkdir -p "$work"
    echo "== $t: ${per}s"
    if ! "$build/tests/fuzz/$t" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$t-" \
        "$work" "$repo/tests/fuzz/corpus/$name"; then
        echo "run.sh: $t failed; reproducer in $build/fuzz-artifacts/" >&2
        status=1
    fi
done
exit $status
