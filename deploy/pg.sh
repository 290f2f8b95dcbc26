#!/usr/bin/env bash
# pg.sh — a local, throwaway PostgreSQL 15 cluster for development and tests.
#
#   deploy/pg.sh start   [STATE_DIR]  initdb if needed, start, wait until ready, and make sure the
#                                     database `hub` and a superuser role for you exist
#   deploy/pg.sh stop    [STATE_DIR]  stop it (fine when it is not running)
#   deploy/pg.sh status  [STATE_DIR]  exit 0 when running, 3 when not
#   deploy/pg.sh env     [STATE_DIR]  print `export PGHOST=... PGPORT=... PGDATABASE=hub PGUSER=...`
#   deploy/pg.sh destroy [STATE_DIR]  stop it and delete its state directory
#
# STATE_DIR defaults to <repo>/.state/pg. The server listens only on a unix socket in STATE_DIR
# (no TCP); data lives in STATE_DIR/data, the server log in STATE_DIR/server.log.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` OS user; if
# that user cannot reach STATE_DIR (e.g. the repo is under /root), or the socket path would be too
# long, a directory under /tmp named after a hash of STATE_DIR is used instead (and reported).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
PGBIN=${HUB_PGBIN:-/usr/lib/postgresql/15/bin}
PORT=5432
DATABASE=hub
PG_OS_USER=postgres
BOOTSTRAP_ROLE=postgres
READY_TIMEOUT=60
# sun_path holds 108 bytes; the socket file name adds "/.s.PGSQL.5432" and the lock ".lock".
SOCKET_DIR_MAX=90

say() { printf 'pg: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
    sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

(($# >= 1 && $# <= 2)) || usage
cmd=$1
requested=${2:-$REPO_ROOT/.state/pg}
[[ $requested == /* ]] || requested=$PWD/$requested
[[ -x $PGBIN/pg_ctl ]] || die "$PGBIN/pg_ctl not found: install postgresql-15 (deploy/setup.sh)"

IS_ROOT=0
[[ $(id -u) -eq 0 ]] && IS_ROOT=1
INVOKER=$(id -un)

# Runs a command as the OS user that owns the cluster (from /, which that user can always enter;
# every path here is absolute).
as_owner() {
    if ((IS_ROOT)); then
        (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
        "$@"
    fi
}

# The nearest existing ancestor of $1 (or $1 itself).
existing_ancestor() {
    local d=$1
    while [[ ! -e $d ]]; do d=$(dirname "$d"); done
    printf '%s\n' "$d"
}

# Decides the effective state directory (deterministic, no side effects): STATE and WHY.
resolve_state_dir() {
    local req=$1 anc hash base
    WHY=
    if ((${#req} > SOCKET_DIR_MAX)); then
        WHY="the socket path under $req would be longer than the unix socket limit"
    elif ((IS_ROOT)); then
        id -u "$PG_OS_USER" >/dev/null 2>&1 ||
            die "running as root but there is no '$PG_OS_USER' OS user to own the cluster" \
                "(is postgresql-15 installed?)"
        anc=$(existing_ancestor "$req")
        if ! (cd / && runuser -u "$PG_OS_USER" -- test -x "$anc"); then
            WHY="the '$PG_OS_USER' user cannot reach $anc"
        fi
    fi
    if [[ -n $WHY ]]; then
        hash=$(printf '%s' "$req" | sha256sum | cut -c1-12)
        base=$(basename "$req")
        STATE=/tmp/sams-hub-${base:0:24}-$hash
    else
        STATE=$req
    fi
}

resolve_state_dir "$requested"
DATA=$STATE/data
LOG=$STATE/server.log

note_fallback() {
    [[ -z $WHY ]] || say "using $STATE instead of $requested: $WHY"
}

is_running() {
    [[ -f $DATA/PG_VERSION ]] && as_owner "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

# Creates the state directory owned by the cluster's OS user, refusing anything suspicious under
# /tmp (someone else's directory or a symlink at our predictable name).
make_state_dir() {
    if [[ -L $STATE ]]; then
        die "$STATE is a symlink; refusing to use it"
    fi
    if [[ -e $STATE ]]; then
        [[ -d $STATE ]] || die "$STATE exists and is not a directory"
        local owner
        owner=$(stat -c %U "$STATE")
        if [[ $owner != "$INVOKER" && $owner != "$PG_OS_USER" ]]; then
            die "$STATE belongs to '$owner'; refusing to use it (remove it or pick another dir)"
        fi
    fi
    (umask 022 && mkdir -p "$STATE")
    if ((IS_ROOT)); then
        chown "$PG_OS_USER:" "$STATE"
    fi
    chmod 700 "$STATE"
}

init_cluster() {
    [[ -f $DATA/PG_VERSION ]] && return 0
    say "initialising a new cluster in $DATA"
    as_owner "$PGBIN/initdb" -D "$DATA" -U "$BOOTSTRAP_ROLE" --auth=trust -E UTF8 --no-locale \
        >"$STATE/initdb.log" 2>&1 || {
        cat "$STATE/initdb.log" >&2
        die "initdb failed (log above, also in $STATE/initdb.log)"
    }
    # Socket only, in the state directory; the last setting in the file wins.
    cat >>"$DATA/postgresql.conf" <<CONF

# --- written by deploy/pg.sh ---
listen_addresses = ''
unix_socket_directories = '$STATE'
unix_socket_permissions = 0700
port = $PORT
CONF
}

wait_ready() {
    local i
    for ((i = 0; i < READY_TIMEOUT * 5; i++)); do
        if "$PGBIN/pg_isready" -q -h "$STATE" -p "$PORT" -d postgres -U "$BOOTSTRAP_ROLE"; then
            return 0
        fi
        sleep 0.2
    done
    tail -n 30 "$LOG" >&2 || true
    die "server did not become ready within ${READY_TIMEOUT}s (log: $LOG)"
}

# Creates the invoker's superuser role and the `hub` database when absent.
ensure_role_and_db() {
    "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$STATE" -p "$PORT" -U "$BOOTSTRAP_ROLE" \
        -d postgres -v role="$INVOKER" -v db="$DATABASE" >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I SUPERUSER LOGIN', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
}

cmd_start() {
    note_fallback
    make_state_dir
    init_cluster
    if is_running; then
        say "already running (socket in $STATE)"
    else
        say "starting PostgreSQL 15 (socket in $STATE, log $LOG)"
        as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t "$READY_TIMEOUT" start >/dev/null ||
            {
                tail -n 30 "$LOG" >&2 || true
                die "pg_ctl start failed (log: $LOG)"
            }
    fi
    wait_ready
    ensure_role_and_db || die "could not create role '$INVOKER' or database '$DATABASE'"
    say "ready: psql -h $STATE -p $PORT -d $DATABASE"
}

cmd_stop() {
    if is_running; then
        as_owner "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t "$READY_TIMEOUT" stop >/dev/null ||
            die "pg_ctl stop failed (log: $LOG)"
        say "stopped ($STATE)"
    else
        say "not running ($STATE)"
    fi
}

cmd_status() {
    if is_running; then
        say "running (socket in $STATE)"
        return 0
    fi
    say "not running ($STATE)"
    return 3
}

cmd_env() {
    printf 'export PGHOST=%q\n' "$STATE"
    printf 'export PGPORT=%q\n' "$PORT"
    printf 'export PGDATABASE=%q\n' "$DATABASE"
    printf 'export PGUSER=%q\n' "$INVOKER"
}

cmd_destroy() {
    cmd_stop
    if [[ -e $STATE ]]; then
        [[ -L $STATE ]] && die "$STATE is a symlink; refusing to delete it"
        rm -rf -- "$STATE"
        say "removed $STATE"
    fi
}

case $cmd in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
destroy) cmd_destroy ;;
-h | --help | help) usage ;;
*)
    say "unknown command '$cmd'"
    usage
    ;;
esac
