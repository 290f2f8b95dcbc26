# shellcheck shell=bash
# lib.sh — shared helpers for tests/integration/test_*.sh. Source it first:
#
#     source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# On sourcing it sets `set -euo pipefail`, HUB_SOURCE_DIR and HUB_BUILD_DIR (ctest sets both; the
# defaults are the repo and <repo>/build), and TMP: a fresh temp directory for this test, removed
# by an EXIT trap together with anything registered with at_exit and a broker left running.
# Do not set your own EXIT trap; use at_exit.
#
# Exit codes: 0 pass, 1 fail, 77 skip. When HUB_TEST_REQUIRE_ALL=1 (CI), a skip is a failure.
#
# Functions:
#   fail MSG...          print "FAIL: <test>: MSG" and exit 1
#   pass [MSG]           print "PASS: <test>" and exit 0
#   skip REASON          exit 77 with a loud reason (exit 1 under HUB_TEST_REQUIRE_ALL=1)
#   need_cmd CMD...      skip unless every CMD is on PATH
#   need_pg              skip unless the test PostgreSQL answers (HUB_TEST_PGHOST, HUB_TEST_PGPORT,
#                        HUB_TEST_PGDATABASE, HUB_TEST_PGUSER, set by deploy/test.sh); exports
#                        PGHOST/PGPORT/PGDATABASE/PGUSER so libpq programs (and the hub's pg.*
#                        config, when unset) reach it
#   psql_hub ARGS...     after need_pg: psql on the test database; no psqlrc, ON_ERROR_STOP=1,
#                        quiet, tuples only, unaligned (e.g. psql_hub -c 'select 1')
#   start_broker [ARGS]  start `hubctl broker` (extra ARGS passed on), wait for its address,
#                        export HUB_KAFKA_BOOTSTRAP_SERVERS; HUB_BROKER_PID holds its pid,
#                        HUB_BROKER_BOOTSTRAP_FILE the file, $TMP/broker.{out,log} its output
#   stop_broker          SIGTERM the broker, wait (SIGKILL after 10 s); returns its exit status
#   at_exit CMD          run CMD (a string, eval'd) on exit, last registered first
#   wait_for SECS CMD... retry CMD every 0.1 s until it succeeds; non-zero after SECS seconds
#   dev_keys             make (once per test) a signing key for every district with
#                        deploy/dev-keys.sh: private keys in HUB_DEV_KEY_DIR (<code>-dev.pem, for
#                        hub.signing.key_dir, or one as hub.signing.key_file with key_id
#                        <code>-dev), public key table HUB_DEV_KEYS_FILE (hub.signing.keys_file)
set -euo pipefail

HUB_TEST_NAME=$(basename "$0" .sh)
HUB_SOURCE_DIR=${HUB_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HUB_BUILD_DIR=${HUB_BUILD_DIR:-$HUB_SOURCE_DIR/build}
export HUB_SOURCE_DIR HUB_BUILD_DIR

# Seconds start_broker waits for the bootstrap file.
HUB_BROKER_START_TIMEOUT=${HUB_BROKER_START_TIMEOUT:-15}

HUB_BROKER_PID=
_HUB_AT_EXIT=()

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hub-$HUB_TEST_NAME.XXXXXX")

_hub_log() { printf '%s: %s\n' "$HUB_TEST_NAME" "$*" >&2; }

at_exit() { _HUB_AT_EXIT+=("$1"); }

_hub_cleanup() {
    local rc=$? i
    set +e
    for ((i = ${#_HUB_AT_EXIT[@]} - 1; i >= 0; i--)); do
        eval "${_HUB_AT_EXIT[i]}"
    done
    if [[ -n $HUB_BROKER_PID ]]; then
        stop_broker >/dev/null 2>&1
    fi
    if ((rc != 0 && rc != 77)) && [[ -s $TMP/broker.log ]]; then
        _hub_log "last lines of the broker's stderr:"
        tail -n 20 "$TMP/broker.log" >&2
    fi
    rm -rf -- "$TMP"
    exit "$rc"
}
trap _hub_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    printf 'FAIL: %s: %s\n' "$HUB_TEST_NAME" "$*" >&2
    exit 1
}

pass() {
    printf 'PASS: %s%s\n' "$HUB_TEST_NAME" "${1:+: $1}"
    exit 0
}

skip() {
    if [[ ${HUB_TEST_REQUIRE_ALL:-0} == 1 ]]; then
        fail "would be skipped, but HUB_TEST_REQUIRE_ALL=1 requires it to run: $*"
    fi
    printf '\n*** SKIPPED: %s: %s ***\n\n' "$HUB_TEST_NAME" "$*" >&2
    exit 77
}

need_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || skip "'$c' is not installed (run deploy/setup.sh)"
    done
}

wait_for() {
    local secs=$1 i
    shift
    for ((i = 0; i < secs * 10; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

need_pg() {
    need_cmd psql pg_isready
    [[ -n ${HUB_TEST_PGHOST:-} ]] ||
        skip "no test PostgreSQL: HUB_TEST_PGHOST is not set (run tests with deploy/test.sh)"
    export PGHOST=$HUB_TEST_PGHOST
    export PGPORT=${HUB_TEST_PGPORT:-5432}
    export PGDATABASE=${HUB_TEST_PGDATABASE:-hub}
    export PGUSER=${HUB_TEST_PGUSER:-$(id -un)}
    pg_isready -q -h "$PGHOST" -p "$PGPORT" -d "$PGDATABASE" -U "$PGUSER" ||
        skip "test PostgreSQL at $PGHOST:$PGPORT does not answer (pg_isready failed)"
}

psql_hub() {
    psql -X -q -v ON_ERROR_STOP=1 -At "$@"
}

start_broker() {
    local bin=$HUB_BUILD_DIR/deploy/hubctl file=$TMP/bootstrap
    [[ -z $HUB_BROKER_PID ]] || fail "start_broker: a broker is already running (pid $HUB_BROKER_PID)"
    [[ -x $bin ]] || fail "start_broker: $bin is not built"
    rm -f -- "$file"
    "$bin" broker --bootstrap-file "$file" "$@" >"$TMP/broker.out" 2>"$TMP/broker.log" &
    HUB_BROKER_PID=$!
    local i
    for ((i = 0; i < HUB_BROKER_START_TIMEOUT * 10; i++)); do
        [[ -s $file ]] && break
        if ! kill -0 "$HUB_BROKER_PID" 2>/dev/null; then
            local rc=0
            wait "$HUB_BROKER_PID" || rc=$?
            HUB_BROKER_PID=
            fail "start_broker: hubctl broker exited with status $rc before publishing its address"
        fi
        sleep 0.1
    done
    [[ -s $file ]] ||
        fail "start_broker: no bootstrap file after ${HUB_BROKER_START_TIMEOUT}s ($file)"
    HUB_KAFKA_BOOTSTRAP_SERVERS=$(<"$file")
    export HUB_KAFKA_BOOTSTRAP_SERVERS
    export HUB_BROKER_BOOTSTRAP_FILE=$file
    _hub_log "broker pid $HUB_BROKER_PID at $HUB_KAFKA_BOOTSTRAP_SERVERS"
}

# True when process $1 has exited (gone, or a zombie waiting for `wait`; kill -0 sees zombies).
_hub_gone() {
    local st
    st=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    st=${st##*) }
    [[ ${st:0:1} == Z ]]
}

stop_broker() {
    local pid=$HUB_BROKER_PID rc=0
    [[ -n $pid ]] || return 0
    HUB_BROKER_PID=
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_for 10 _hub_gone "$pid"; then
        _hub_log "broker pid $pid ignored SIGTERM for 10 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" || rc=$?
    unset HUB_KAFKA_BOOTSTRAP_SERVERS
    return "$rc"
}

dev_keys() {
    HUB_DEV_KEY_DIR=$TMP/district-keys
    HUB_DEV_KEYS_FILE=$TMP/district-keys.csv
    [[ -s $HUB_DEV_KEYS_FILE ]] && return 0
    bash "$HUB_SOURCE_DIR/deploy/dev-keys.sh" "$HUB_BUILD_DIR/deploy/hubctl" "$HUB_DEV_KEY_DIR" \
        "$HUB_DEV_KEYS_FILE" >"$TMP/dev-keys.log" 2>&1 ||
        fail "deploy/dev-keys.sh failed: $(tail -n 3 "$TMP/dev-keys.log")"
}
