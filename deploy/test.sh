#!/usr/bin/env bash
# test.sh — build everything and run every test (unit, integration, fuzz replays) against a
# throwaway PostgreSQL and the embedded dev broker, then the `kafka` label against a real cluster.
#
#   deploy/test.sh [--sanitize] [--no-kafka] [-- CTEST_ARGS...]
#
#   --sanitize   build into <repo>/build-asan with -DHUB_SANITIZE=ON (ASan + UBSan) and run with
#                leak detection and abort-on-error (the kafka label is left out: it tests the
#                cluster and the programs' users and ACLs, which the plain run already covers)
#   --no-kafka   leave the kafka label out (no JVM needed)
#   CTEST_ARGS   passed to ctest instead of the two runs below, e.g. `-- -L unit` or `-- -R broker`
#                (a kafka test selected this way still gets its cluster from the label's fixture)
#
# Builds into <repo>/build (or build-asan), starts PostgreSQL in <repo>/.state/pg-test[-asan]
# (see deploy/pg.sh for the /tmp fallback), wiped first so each run starts empty, exports
# HUB_TEST_PGHOST/PGPORT/PGDATABASE/PGUSER for the tests, and stops PostgreSQL on exit whatever
# happens. Without CTEST_ARGS it runs `ctest -LE kafka` (side by side, HUB_TEST_JOBS) and then
# `ctest -L kafka`: the fixture kafka_cluster_start fetches Apache Kafka with Maven (once, into
# ~/.cache/sams-hub), starts three KRaft brokers with TLS, SCRAM and the table's ACLs
# (deploy/kafka-local.sh), the label's tests run one at a time, and kafka_cluster_stop stops it.
# With CI=true, HUB_TEST_REQUIRE_ALL=1 turns every skipped test into a failure.
# Exits with ctest's status (the first failing run's).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

say() { printf '\ntest: %s\n' "$*" >&2; }
die() { printf 'test: error: %s\n' "$*" >&2; exit 2; }

sanitize=0
kafka=1
ctest_args=()
while (($#)); do
    case $1 in
    --sanitize) sanitize=1 ;;
    --no-kafka) kafka=0 ;;
    --)
        shift
        ctest_args=("$@")
        break
        ;;
    -h | --help)
        sed -n '2,25s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    *) die "unknown argument '$1' (usage: deploy/test.sh [--sanitize] [--no-kafka] [-- CTEST_ARGS...])" ;;
    esac
    shift
done

if ((sanitize)); then
    build_dir=$REPO_ROOT/build-asan
    pg_state=$REPO_ROOT/.state/pg-test-asan
    cmake_args=(-DHUB_SANITIZE=ON)
    kafka=0
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
else
    build_dir=$REPO_ROOT/build
    pg_state=$REPO_ROOT/.state/pg-test
    cmake_args=()
fi

if [[ ${CI:-} == true ]]; then
    export HUB_TEST_REQUIRE_ALL=1
fi

say "checking packages"
bash "$SCRIPT_DIR/setup.sh"

jobs=$(nproc 2>/dev/null || echo 2)
say "configuring and building in $build_dir${cmake_args[*]:+ (${cmake_args[*]})}"
cmake -S "$REPO_ROOT" -B "$build_dir" "${cmake_args[@]}"
cmake --build "$build_dir" -j "$jobs"

PG=("bash" "$SCRIPT_DIR/pg.sh")
pg_started=0
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
    local rc=$?
    if ((pg_started)); then
        "${PG[@]}" stop "$pg_state" || true
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting a throwaway PostgreSQL"
"${PG[@]}" destroy "$pg_state"
pg_started=1
"${PG[@]}" start "$pg_state"
eval "$("${PG[@]}" env "$pg_state")"
export HUB_TEST_PGHOST=$PGHOST HUB_TEST_PGPORT=$PGPORT
export HUB_TEST_PGDATABASE=$PGDATABASE HUB_TEST_PGUSER=$PGUSER

say "running ctest (HUB_TEST_PGHOST=$HUB_TEST_PGHOST HUB_TEST_REQUIRE_ALL=${HUB_TEST_REQUIRE_ALL:-0})"
rc=0
# Tests run side by side (HUB_TEST_JOBS, default 3): most of an integration test's time is spent
# waiting (group joins, outages, back-off), and each has its own broker, ports, database and
# temporary directory.
run_ctest() { ctest --test-dir "$build_dir" --output-on-failure --no-tests=error --timeout 600 "$@"; }
if ((${#ctest_args[@]})); then
    run_ctest -j "${HUB_TEST_JOBS:-3}" "${ctest_args[@]}" || rc=$?
else
    run_ctest -j "${HUB_TEST_JOBS:-3}" -LE kafka || rc=$?
    if ((kafka)); then
        say "running the kafka label against a local three-broker cluster (deploy/kafka-local.sh)"
        kafka_start=$(date +%s)
        krc=0
        run_ctest -L kafka || krc=$?
        say "kafka label: status $krc in $(($(date +%s) - kafka_start)) s"
        ((rc != 0)) || rc=$krc
    fi
fi
if ((rc == 0)); then
    say "all tests passed ($build_dir)"
else
    say "ctest failed with status $rc ($build_dir)"
fi
exit "$rc"
