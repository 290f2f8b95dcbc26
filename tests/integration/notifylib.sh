# shellcheck shell=bash
# notifylib.sh — helpers for the hub-notifier integration tests (source lib.sh and hublib.sh first).
#
#   ensure_schools_table          create hub.schools as migration 003_directory.sql defines it, if
#                                 the database does not have it yet
#   add_school UNIT URL SECRET    a directory row (URL or SECRET may be '' for NULL)
#   new_secret NAME               a fresh 32-byte 0600 secret file $TMP/NAME.secret
#   start_receiver NAME [PORT]    tests/integration/webhook_receiver.py as school NAME; its port in
#                                 RECV_PORT[NAME], log $TMP/recv.NAME.jsonl, mode file
#                                 $TMP/recv.NAME.mode ("ok" unless set)
#   stop_receiver NAME            kill it (the "school is down")
#   recv_mode NAME MODE...        change its answers (ok | 500 | 503 N | slow S | 410)
#   recv_count NAME FILTER        number of logged requests matching a python expression over r
#                                 (the request) and b (its JSON body)
#   recv_at_least N NAME FILTER   true when recv_count NAME FILTER >= N (for wait_for)
#   start_notifier CONF N         hub-notifier #N in the background ($TMP/nt.N.log); pid NT_PID[N]
#   stop_notifier N [SIG]         signal it (default TERM) and wait; returns its exit status
#   notify_tool ARGS...           the test tool (tests/tools/notify_tool.c)
#   receipt ARGS...               tests/integration/receipt_client.py
#   wait_sql SECS SQL WANT        wait until SQL prints WANT
#   notifier_conf FILE [K=V..]    write_conf plus the notifier's test settings

declare -A RECV_PORT=() RECV_PID=() NT_PID=()

# On failure, show the notifiers' last words (lib.sh's cleanup evaluates this with its `rc`).
at_exit 'if ((rc != 0 && rc != 77)); then for f in "$TMP"/nt.*.log; do [[ -f $f ]] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }; done; fi'

ensure_schools_table() {
    psql_hub <<'SQL'
DO $$
BEGIN
    IF to_regclass('hub.schools') IS NULL THEN
        CREATE TABLE hub.schools (
            skolenhetskod      text PRIMARY KEY,
            name               text NOT NULL,
            huvudman_type      text NOT NULL
                               CHECK (huvudman_type IN ('kommunal', 'fristående', 'statlig')),
            kommunkod          text NOT NULL,
            webhook_url        text,
            public_key         text,
            signing_secret_ref text,
            email              text,
            removed_at         timestamptz,
            updated_at         timestamptz NOT NULL DEFAULT now()
        );
    END IF;
END
$$;
SQL
}

add_school() {
    local unit=$1 url=$2 secret=$3
    psql_hub -v unit="$unit" -v url="$url" -v secret="$secret" <<'SQL'
INSERT INTO hub.schools (skolenhetskod, name, huvudman_type, kommunkod, webhook_url,
                         signing_secret_ref)
VALUES (:'unit', 'Testskolan ' || :'unit', 'kommunal', '0180', nullif(:'url', ''),
        nullif(:'secret', ''))
ON CONFLICT (skolenhetskod) DO UPDATE
   SET webhook_url = EXCLUDED.webhook_url, signing_secret_ref = EXCLUDED.signing_secret_ref,
       removed_at = NULL, updated_at = now();
SQL
}

new_secret() {
    head -c 32 /dev/urandom >"$TMP/$1.secret"
    chmod 600 "$TMP/$1.secret"
}

recv_mode() {
    local name=$1
    shift
    echo "$*" >"$TMP/recv.$name.mode"
}

start_receiver() {
    local name=$1 port=${2:-0}
    local pf=$TMP/recv.$name.port
    [[ -f $TMP/recv.$name.mode ]] || recv_mode "$name" ok
    rm -f -- "$pf"
    "$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/webhook_receiver.py" --name "$name" \
        --secret-file "$TMP/$name.secret" --log "$TMP/recv.$name.jsonl" \
        --mode-file "$TMP/recv.$name.mode" --port "$port" --port-file "$pf" \
        >>"$TMP/recv.$name.out" 2>&1 &
    RECV_PID[$name]=$!
    at_exit "kill ${RECV_PID[$name]} 2>/dev/null"
    wait_for 10 test -s "$pf" || fail "receiver $name did not start: $(cat "$TMP/recv.$name.out")"
    RECV_PORT[$name]=$(<"$pf")
    touch "$TMP/recv.$name.jsonl"
}

stop_receiver() {
    local pid=${RECV_PID[$1]:-}
    [[ -n $pid ]] || return 0
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "RECV_PID[$1]"
}

# recv_count NAME 'python boolean expression over r (a logged request)'
recv_count() {
    "$HUB_PY" - "$TMP/recv.$1.jsonl" "$2" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    b = {}
    try:
        b = json.loads(r["body"])
    except ValueError:
        pass
    if eval(sys.argv[2], {"r": r, "b": b}):
        n += 1
print(n)
PY
}

recv_at_least() {
    (($(recv_count "$2" "$3") >= $1))
}

start_notifier() {
    local conf=$1 n=$2
    "$HUB_BUILD_DIR/consumers/hub-notifier" --config "$conf" >>"$TMP/nt.$n.log" 2>&1 &
    NT_PID[$n]=$!
    at_exit "kill -9 ${NT_PID[$n]} 2>/dev/null"
}

stop_notifier() {
    local n=$1 sig=${2:-TERM} pid=${NT_PID[$1]:-} rc=0
    [[ -n $pid ]] || return 0
    kill -"$sig" "$pid" 2>/dev/null || true
    wait "$pid" || rc=$?
    unset "NT_PID[$n]"
    return "$rc"
}

notify_tool() {
    "$HUB_BUILD_DIR/tests/tools/notify_tool" "$@"
}

receipt() {
    "$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/receipt_client.py" "$@"
}

_sql_is() {
    [[ $(psql_hub -c "$1" 2>/dev/null) == "$2" ]]
}

wait_sql() {
    local secs=$1 sql=$2 want=$3
    wait_for "$secs" _sql_is "$sql" "$want" ||
        fail "waited ${secs}s for [$sql] = [$want]; got [$(psql_hub -c "$sql" 2>&1)]"
}

notifier_conf() {
    local file=$1
    shift
    write_conf "$file" "hub.notifier.listen=127.0.0.1:0" \
        "hub.notifier.listen_port_file=$TMP/notifier.port" "hub.notifier.allow_http=true" \
        "hub.notifier.allow_ranges=127.0.0.0/8" \
        "hub.notifier.poll_ms=100" "hub.notifier.backoff_base_ms=200" \
        "hub.notifier.backoff_max_s=1" "hub.notifier.timeout_s=5" "hub.notifier.lease_s=60" \
        "hub.notifier.overdue_scan_s=1" "hub.consumer.batch_wait_ms=0" "$@"
}
