#!/usr/bin/env bash
# run.sh — the hub's main job on the embedded defaults: one command, end to end.
#
#   deploy/run.sh [--month YYYY-MM] [--seed N] [--children-per-district N] [--keep-running]
#   deploy/run.sh down          stop what --keep-running left up
#
# Installs what is missing, builds, starts a local PostgreSQL (<repo>/.state/pg) and the embedded
# dev broker, migrates, starts the consumers, generates a month of synthetic events for every
# district (hubctl demo-data), publishes them with hub-publish, waits until every consumer has
# caught up, prints what the hub now knows, and stops everything cleanly. Safe to re-run: the dev
# broker is in-memory, so each run rebuilds the read model from the events it publishes.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
# HUB_STATE_DIR and HUB_BUILD_DIR (an existing build: setup and build are skipped) let tests run
# the main job in a place of their own.
STATE=${HUB_STATE_DIR:-$REPO/.state}
RUN=$STATE/run
BUILD=${HUB_BUILD_DIR:-$REPO/build}
month=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
seed=1
per_district=40
keep=0

say() { printf 'run: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() { sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

stop_pidfile() { # NAME: SIGTERM the process in $RUN/NAME.pid and wait for it
    local f=$RUN/$1.pid pid
    [[ -f $f ]] || return 0
    pid=$(<"$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

down() {
    local p
    for p in readmodel broker; do stop_pidfile "$p"; done
    bash "$SCRIPT_DIR/pg.sh" stop "$STATE/pg" >/dev/null 2>&1 || true
}

case ${1:-} in
down)
    down
    say "stopped"
    exit 0
    ;;
esac
while (($#)); do
    case $1 in
    --month) month=$2; shift ;;
    --seed) seed=$2; shift ;;
    --children-per-district) per_district=$2; shift ;;
    --keep-running) keep=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
    esac
    shift
done
[[ $month =~ ^[0-9]{4}-(0[1-9]|1[0-2])$ ]] || die "--month: '$month' is not YYYY-MM"

if [[ -z ${HUB_BUILD_DIR:-} ]]; then
    say "1/8 packages"
    bash "$SCRIPT_DIR/setup.sh"
    say "2/8 build ($BUILD)"
    mkdir -p "$STATE"
    cmake -S "$REPO" -B "$BUILD" >/dev/null
    cmake --build "$BUILD" -j "$(nproc)" >"$STATE/build.log" 2>&1 || {
        tail -n 30 "$STATE/build.log" >&2
        die "build failed (full log: $STATE/build.log)"
    }
else
    say "1-2/8 using the build in $BUILD"
fi

# A previous --keep-running run is replaced by this one.
mkdir -p "$RUN" "$STATE/logs" "$STATE/secrets" "$STATE/demo"
chmod 700 "$STATE/secrets"
for p in readmodel broker; do stop_pidfile "$p"; done
if ((keep == 0)); then trap 'say "stopping"; down' EXIT; fi

say "3/8 PostgreSQL ($STATE/pg)"
bash "$SCRIPT_DIR/pg.sh" start "$STATE/pg" >"$STATE/logs/pg.log" 2>&1 ||
    die "PostgreSQL did not start: $(tail -n 3 "$STATE/logs/pg.log")"
eval "$(bash "$SCRIPT_DIR/pg.sh" env "$STATE/pg")"

say "4/8 dev broker"
rm -f "$RUN/bootstrap"
"$BUILD/deploy/hubctl" broker --bootstrap-file "$RUN/bootstrap" >"$STATE/logs/broker.out" \
    2>"$STATE/logs/broker.log" &
echo $! >"$RUN/broker.pid"
for _ in $(seq 1 150); do [[ -s $RUN/bootstrap ]] && break; sleep 0.1; done
[[ -s $RUN/bootstrap ]] || die "the dev broker did not start: $(tail -n 3 "$STATE/logs/broker.log")"
say "    $(head -n 1 "$STATE/logs/broker.out") (in memory)"

# Configuration: one properties file; the pseudonym key is made once and kept (mode 0600).
if [[ ! -s $STATE/secrets/pseudonym.key ]]; then
    (umask 077 && head -c 32 /dev/urandom >"$STATE/secrets/pseudonym.key")
fi
# Signing: a dev key pair for every district, made once and kept (deploy/dev-keys.sh): hub-publish
# signs each event with its district's key, the consumers verify against the public key table.
bash "$SCRIPT_DIR/dev-keys.sh" "$BUILD/deploy/hubctl" "$STATE/secrets/district-keys" \
    "$STATE/district-keys.csv" >"$STATE/logs/dev-keys.log" 2>&1 ||
    die "dev signing keys: $(tail -n 3 "$STATE/logs/dev-keys.log")"
CONF=$STATE/hub.conf
cat >"$CONF" <<CONF
# Written by deploy/run.sh for the local dev setup; see README.md for every key.
hub.bootstrap_file=$RUN/bootstrap
hub.pseudonym.key_file=$STATE/secrets/pseudonym.key
hub.signing.key_dir=$STATE/secrets/district-keys
hub.signing.keys_file=$STATE/district-keys.csv
pg.host=$PGHOST
pg.port=$PGPORT
pg.dbname=$PGDATABASE
pg.user=$PGUSER
# The dev broker waits out a departed member's session before rebalancing: keep it short.
kafka.session.timeout.ms=6000
kafka.heartbeat.interval.ms=500
CONF

say "5/8 migrate"
"$BUILD/deploy/hubctl" migrate --config "$CONF" 2>>"$STATE/logs/migrate.log" >&2 ||
    die "migration failed: $(tail -n 3 "$STATE/logs/migrate.log")"

say "6/8 consumers"
: >"$STATE/logs/readmodel.log"
# --rebuild: the broker is new and empty, so offsets stored by an earlier run mean nothing.
"$BUILD/consumers/hub-readmodel" --config "$CONF" --rebuild >>"$STATE/logs/readmodel.log" 2>&1 &
echo $! >"$RUN/readmodel.pid"

say "7/8 demo data for $month (seed $seed) and publish"
EVENTS=$STATE/demo/events-$month.jsonl
"$BUILD/deploy/hubctl" demo-data --seed "$seed" --month "$month" \
    --children-per-district "$per_district" --schools-csv "$STATE/demo/schools.csv" \
    --output "$EVENTS" 2>"$STATE/logs/demo.log" || die "demo-data failed: $(cat "$STATE/logs/demo.log")"
"$BUILD/producers/hub-publish" --config "$CONF" "$EVENTS" 2>"$STATE/logs/publish.log" ||
    die "hub-publish failed: $(tail -n 5 "$STATE/logs/publish.log")"
say "    $(tail -n 1 "$STATE/logs/publish.log")"
total=$(grep -c . "$EVENTS")

say "8/8 waiting for the read model to catch up"
psql_q() { psql -X -q -At -c "$1"; }
deadline=$((SECONDS + 180))
shown=-1
while :; do
    got=$(psql_q "select count(*) from hub.processed_events" 2>/dev/null || echo 0)
    if ((got != shown)); then
        printf '\rrun:     read model: %d of %d events' "$got" "$total" >&2
        shown=$got
    fi
    ((got >= total)) && break
    kill -0 "$(<"$RUN/readmodel.pid")" 2>/dev/null ||
        { echo >&2; die "hub-readmodel exited: $(tail -n 5 "$STATE/logs/readmodel.log")"; }
    ((SECONDS < deadline)) || { echo >&2; die "the read model did not catch up in 180 s"; }
    sleep 0.5
done
echo >&2

echo
echo "The hub now holds $month for every district (read model in $PGHOST, database $PGDATABASE):"
psql -X -q -P footer=off -c "
select p.district,
       count(*) as placements,
       count(distinct p.child) as children,
       count(*) filter (where p.school_change) as with_school_change,
       count(f.days_to_school_start) as school_started,
       percentile_cont(0.5) within group (order by f.days_to_school_start) as median_days
  from hub.placements p join hub.placement_first_school_start f using (placement_id)
 group by p.district order by p.district;"
echo "Logs: $STATE/logs/   Config: $CONF"
if ((keep)); then
    echo "Still running (--keep-running): psql -h $PGHOST -d $PGDATABASE; stop with: deploy/run.sh down"
fi
