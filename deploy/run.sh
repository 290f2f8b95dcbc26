#!/usr/bin/env bash
# run.sh — the hub's main job on the embedded defaults: one command, end to end.
#
#   deploy/run.sh [--month YYYY-MM] [--seed N] [--children-per-district N] [--keep-running]
#                 [--kafka]
#   deploy/run.sh down          stop what --keep-running left up
#
# --kafka: the same job on a real three-broker Kafka cluster on 127.0.0.1 instead of the dev broker
# (deploy/kafka-local.sh in <state>/kafka: KRaft, TLS, SCRAM-SHA-512, the ACLs of
# deploy/kafka/cluster.table; needs Java, and Maven once), every program as its own user: each
# district publishes its events as district-<code>, hub-readmodel, hub-notifier, hub-stats and
# the directory import (hub-directory) as themselves. A cluster already running in
# KAFKA_LOCAL_STATE is used (and left running); else one is started in <state>/kafka and stopped.
#
# Installs what is missing, builds, starts a local PostgreSQL (<repo>/.state/pg) and the embedded
# dev broker, migrates, imports a demo school directory (municipal and independent schools, some
# outside Stockholm, each with a key pair, a webhook secret and a local webhook receiver), starts
# hub-readmodel and hub-notifier, generates a month of synthetic events for every district
# (hubctl demo-data, handover content sealed for each receiving school), publishes them signed
# with hub-publish, waits until every consumer has caught up, publishes the month's statistics
# (hub-stats) and writes the report (hubctl report), prints a summary, and stops everything
# cleanly. Safe to re-run: the dev broker is in-memory, so each run rebuilds the read model from
# the events it publishes.
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
kafka=0
# --kafka: a cluster already running in KAFKA_LOCAL_STATE (deploy/kafka-local.sh) is used and left
# running; otherwise one is started in <state>/kafka and stopped at the end.
KAFKA_STATE=${KAFKA_LOCAL_STATE:-$STATE/kafka}
kafka_started=0

say() { printf 'run: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() { sed -n '2,23s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

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
    for p in notifier readmodel schools broker; do stop_pidfile "$p"; done
    if ((kafka_started)); then
        bash "$SCRIPT_DIR/kafka-local.sh" stop --state "$KAFKA_STATE" >/dev/null 2>&1 || true
    fi
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
    --kafka) kafka=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
    esac
    shift
done
[[ $month =~ ^[0-9]{4}-(0[1-9]|1[0-2])$ ]] || die "--month: '$month' is not YYYY-MM"

if [[ -z ${HUB_BUILD_DIR:-} ]]; then
    say "1/10 packages"
    bash "$SCRIPT_DIR/setup.sh"
    say "2/10 build ($BUILD)"
    mkdir -p "$STATE"
    cmake -S "$REPO" -B "$BUILD" >/dev/null
    cmake --build "$BUILD" -j "$(nproc)" >"$STATE/build.log" 2>&1 || {
        tail -n 30 "$STATE/build.log" >&2
        die "build failed (full log: $STATE/build.log)"
    }
else
    say "1-2/10 using the build in $BUILD"
fi

# A previous --keep-running run is replaced by this one.
mkdir -p "$RUN" "$STATE/logs" "$STATE/secrets" "$STATE/demo"
chmod 700 "$STATE/secrets"
for p in notifier readmodel schools broker; do stop_pidfile "$p"; done
if ((keep == 0)); then trap 'say "stopping"; down' EXIT; fi

say "3/10 PostgreSQL ($STATE/pg)"
bash "$SCRIPT_DIR/pg.sh" start "$STATE/pg" >"$STATE/logs/pg.log" 2>&1 ||
    die "PostgreSQL did not start: $(tail -n 3 "$STATE/logs/pg.log")"
eval "$(bash "$SCRIPT_DIR/pg.sh" env "$STATE/pg")"

if ((kafka)); then
    say "4/10 Kafka: three KRaft brokers with TLS, SCRAM and the table's ACLs ($KAFKA_STATE)"
    if bash "$SCRIPT_DIR/kafka-local.sh" status --state "$KAFKA_STATE" >/dev/null 2>&1 &&
        [[ -n ${KAFKA_LOCAL_STATE:-} ]]; then
        say "    using the cluster running there (left running)"
    else
        kafka_started=1
        bash "$SCRIPT_DIR/kafka-local.sh" start --state "$KAFKA_STATE" >"$STATE/logs/kafka.out" \
            2>"$STATE/logs/kafka.log" || die "the Kafka cluster did not start: $(tail -n 3 "$STATE/logs/kafka.log")"
        say "    $(grep 'started in' "$STATE/logs/kafka.log" | sed 's/^kafka-local: //')"
    fi
    say "    bootstrap $(sed -n 's/^KAFKA_LOCAL_BOOTSTRAP=//p' "$KAFKA_STATE/env")"
else
    say "4/10 dev broker"
    rm -f "$RUN/bootstrap"
    "$BUILD/deploy/hubctl" broker --bootstrap-file "$RUN/bootstrap" >"$STATE/logs/broker.out" \
        2>"$STATE/logs/broker.log" &
    echo $! >"$RUN/broker.pid"
    for _ in $(seq 1 150); do [[ -s $RUN/bootstrap ]] && break; sleep 0.1; done
    [[ -s $RUN/bootstrap ]] || die "the dev broker did not start: $(tail -n 3 "$STATE/logs/broker.log")"
    say "    $(head -n 1 "$STATE/logs/broker.out") (in memory)"
fi

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

# The config a program runs with: hub.conf, plus on the real cluster its own user's client
# properties (bootstrap, SASL_SSL, SCRAM user and password, CA) from deploy/kafka-local.sh.
conf_for() { # PRINCIPAL: prints the config file's path
    if ((kafka)); then
        mkdir -p "$STATE/conf"
        (umask 077 && cat "$CONF" "$KAFKA_STATE/clients/$1.conf" >"$STATE/conf/$1.conf")
        printf '%s\n' "$STATE/conf/$1.conf"
    else
        printf '%s\n' "$CONF"
    fi
}

say "5/10 migrate"
"$BUILD/deploy/hubctl" migrate --config "$CONF" 2>>"$STATE/logs/migrate.log" >&2 ||
    die "migration failed: $(tail -n 3 "$STATE/logs/migrate.log")"

say "6/10 demo schools: keys, webhook secrets, a local receiver, the directory"
EVENTS=$STATE/demo/events-$month.jsonl
SCHOOLS=$STATE/demo/schools
mkdir -p "$SCHOOLS/keys" "$SCHOOLS/secrets"
chmod 700 "$SCHOOLS/keys" "$SCHOOLS/secrets"
# --until yesterday: nothing from the future (a month's events run 15 days past it, and
# hub-publish refuses an event dated later than now)
"$BUILD/deploy/hubctl" demo-data --seed "$seed" --month "$month" --with-content --follow-ups \
    --until "$(TZ=Europe/Stockholm date -d yesterday +%F)" \
    --children-per-district "$per_district" --schools-csv "$SCHOOLS/directory-demo.csv" \
    --output "$EVENTS" 2>"$STATE/logs/demo.log" || die "demo-data failed: $(cat "$STATE/logs/demo.log")"
codes=$(awk -F, 'NR > 1 {print $1}' "$SCHOOLS/directory-demo.csv")
for code in $codes; do # each school's own X25519 key pair and webhook secret, made once
    [[ -s $SCHOOLS/keys/$code.pem ]] ||
        "$BUILD/deploy/hubctl" schools keygen --out-private "$SCHOOLS/keys/$code.pem" \
            --out-public "$SCHOOLS/keys/$code.pub" >/dev/null 2>>"$STATE/logs/schools.log" ||
        die "schools keygen: $(tail -n 2 "$STATE/logs/schools.log")"
    [[ -s $SCHOOLS/secrets/$code.secret ]] ||
        (umask 077 && head -c 32 /dev/urandom >"$SCHOOLS/secrets/$code.secret")
done
rm -f "$RUN/schools.port"
/usr/bin/python3 "$SCRIPT_DIR/demo_schools.py" --secrets "$SCHOOLS/secrets" --keys "$SCHOOLS/keys" \
    --inbox "$SCHOOLS/inbox" \
    --hub-open "$BUILD/consumers/hub-open" --log "$STATE/logs/schools-received.jsonl" \
    --port-file "$RUN/schools.port" >>"$STATE/logs/schools.log" 2>&1 &
echo $! >"$RUN/schools.pid"
: >"$STATE/logs/schools-received.jsonl"
for _ in $(seq 1 100); do [[ -s $RUN/schools.port ]] && break; sleep 0.1; done
[[ -s $RUN/schools.port ]] || die "the demo schools' receiver did not start"
port=$(<"$RUN/schools.port")
# The directory: the demo's schools with their endpoint, public key and secret file filled in.
awk -F, -v OFS=, -v port="$port" -v keys="$SCHOOLS/keys" -v secrets="$SCHOOLS/secrets" '
    NR == 1 { print; next }
    { getline pub < (keys "/" $1 ".pub"); close(keys "/" $1 ".pub")
      $5 = "http://127.0.0.1:" port "/schools/" $1; $6 = pub; $7 = secrets "/" $1 ".secret"
      print }' "$SCHOOLS/directory-demo.csv" >"$SCHOOLS/directory.csv"
cat >>"$CONF" <<CONF
# The school directory: hub-publish seals handover content with each school's public key.
hub.schools.file=$SCHOOLS/directory.csv
# The demo schools' receiver is plain HTTP on loopback: allowed here, explicitly (a school's
# endpoint is otherwise https on a public address).
hub.notifier.allow_http=true
hub.notifier.allow_ranges=127.0.0.0/8
hub.notifier.listen=127.0.0.1:0
hub.notifier.listen_port_file=$RUN/receipts.port
CONF
"$BUILD/deploy/hubctl" schools import --config "$(conf_for hub-directory)" "$SCHOOLS/directory.csv" \
    >>"$STATE/logs/schools.log" 2>&1 || die "schools import: $(tail -n 3 "$STATE/logs/schools.log")"
nschools=$(awk 'END {print NR - 1}' "$SCHOOLS/directory.csv")
say "    $nschools schools ($(awk -F, 'NR > 1 && $3 == "fristående"' "$SCHOOLS/directory.csv" | wc -l) fristående, $(awk -F, 'NR > 1 && $4 != "0180"' "$SCHOOLS/directory.csv" | wc -l) outside Stockholm) at http://127.0.0.1:$port/schools/<skolenhetskod>"

say "7/10 consumers: hub-readmodel, hub-notifier"
: >"$STATE/logs/readmodel.log"
: >"$STATE/logs/notifier.log"
# --rebuild: the broker is new and empty, so offsets stored by an earlier run mean nothing; the
# notifier's offsets likewise, while its outbox keeps every notification it ever made.
# Each consumer serves /metrics, /healthz and /readyz on a free loopback port (hub.metrics.listen).
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
rm_ops=127.0.0.1:$(free_port)
nt_ops=127.0.0.1:$(free_port)
echo "$rm_ops" >"$RUN/readmodel.ops"
echo "$nt_ops" >"$RUN/notifier.ops"
HUB_METRICS_LISTEN=$rm_ops "$BUILD/consumers/hub-readmodel" --config "$(conf_for hub-readmodel)" --rebuild >>"$STATE/logs/readmodel.log" 2>&1 &
echo $! >"$RUN/readmodel.pid"
psql -X -q -c "delete from hub.consumer_offsets where group_id = 'hub-notifier'" >/dev/null
HUB_METRICS_LISTEN=$nt_ops "$BUILD/consumers/hub-notifier" --config "$(conf_for hub-notifier)" >>"$STATE/logs/notifier.log" 2>&1 &
echo $! >"$RUN/notifier.pid"
say "    hub-readmodel: http://$rm_ops/metrics (/readyz, /healthz); hub-notifier: http://$nt_ops/metrics"

say "8/10 publish $month (seed $seed), signed, content sealed"
if ((kafka)); then
    # each district publishes its own events as its own user
    : >"$STATE/logs/publish.log"
    for d in $(grep -o '"district":"[^"]*"' "$EVENTS" | cut -d'"' -f4 | sort -u); do
        grep -F "\"district\":\"$d\"" "$EVENTS" >"$STATE/demo/events-$month.$d.jsonl"
        "$BUILD/producers/hub-publish" --config "$(conf_for "district-$d")" \
            "$STATE/demo/events-$month.$d.jsonl" 2>>"$STATE/logs/publish.log" ||
            die "hub-publish failed for $d (as district-$d): $(tail -n 5 "$STATE/logs/publish.log")"
    done
    say "    $(grep -c . "$EVENTS") events acknowledged, $(grep -o '"district":"[^"]*"' "$EVENTS" | sort -u | wc -l) districts each as its own user"
else
    # One district (RELAY_DISTRICT) publishes through its transactional outbox instead: its case
    # system writes each event into sams_outbox.events of its own database in the transaction of
    # the change, and hub-relay publishes what was committed (producers/OUTBOX.md). The others
    # publish their files with hub-publish.
    RELAY_DISTRICT=farsta
    grep -vF "\"district\":\"$RELAY_DISTRICT\"" "$EVENTS" >"$STATE/demo/events-$month.others.jsonl" || true
    grep -F "\"district\":\"$RELAY_DISTRICT\"" "$EVENTS" >"$STATE/demo/events-$month.$RELAY_DISTRICT.jsonl" || true
    "$BUILD/producers/hub-publish" --config "$CONF" "$STATE/demo/events-$month.others.jsonl" \
        2>"$STATE/logs/publish.log" || die "hub-publish failed: $(tail -n 5 "$STATE/logs/publish.log")"
    say "    hub-publish, every district but $RELAY_DISTRICT: $(tail -n 1 "$STATE/logs/publish.log")"
    district_db=district_$RELAY_DISTRICT
    psql -X -q -v ON_ERROR_STOP=1 -c "drop database if exists $district_db" -c "create database $district_db" \
        >/dev/null || die "cannot create $RELAY_DISTRICT's database $district_db"
    RELAY_CONF=$STATE/relay-$RELAY_DISTRICT.conf
    (umask 077 && { cat "$CONF"; echo "pg.dbname=$district_db"; echo "hub.relay.poll_ms=200"; } >"$RELAY_CONF")
    : >"$STATE/logs/relay.log"
    "$BUILD/producers/hub-relay" --config "$RELAY_CONF" --migrate >>"$STATE/logs/relay.log" 2>&1 ||
        die "hub-relay --migrate failed: $(tail -n 3 "$STATE/logs/relay.log")"
    "$BUILD/producers/hub-relay" --config "$RELAY_CONF" --exit-when-idle 1500 >>"$STATE/logs/relay.log" 2>&1 &
    relay_pid=$!
    # The district's case system: each change and its event in one transaction.
    /usr/bin/python3 - "$STATE/demo/events-$month.$RELAY_DISTRICT.jsonl" <<'PY' |
import sys
print("CREATE TABLE case_changes (id bigserial PRIMARY KEY, at timestamptz DEFAULT now());")
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    if line:
        assert "$ev$" not in line
        print("BEGIN;")
        print("INSERT INTO case_changes DEFAULT VALUES;")
        print("INSERT INTO sams_outbox.events (event) VALUES ($ev$%s$ev$);" % line)
        print("COMMIT;")
PY
        psql -X -q -v ON_ERROR_STOP=1 -d "$district_db" >/dev/null ||
        die "$RELAY_DISTRICT's case system could not write its outbox"
    wait "$relay_pid" || die "hub-relay failed: $(tail -n 5 "$STATE/logs/relay.log")"
    outbox=$(psql -X -q -At -F' ' -d "$district_db" -c \
        "select count(*) filter (where state = 'sent'), count(*) filter (where state = 'rejected'), count(*) filter (where state = 'pending') from sams_outbox.events")
    read -r o_sent o_rejected o_pending <<<"$outbox"
    ((o_pending == 0 && o_rejected == 0)) ||
        die "$RELAY_DISTRICT's outbox: $o_sent sent, $o_rejected rejected, $o_pending pending"
    say "    hub-relay, $RELAY_DISTRICT through its outbox (database $district_db): $o_sent events committed, acknowledged and marked sent"
fi
total=$(grep -c . "$EVENTS")
handovers=$(grep -c '"type":"handover"' "$EVENTS" || true)

say "9/10 waiting for the consumers to catch up"
psql_q() { psql -X -q -At -c "$1"; }
alive() { kill -0 "$(<"$RUN/$1.pid")" 2>/dev/null || { echo >&2; die "hub-$1 exited: $(tail -n 5 "$STATE/logs/$1.log")"; }; }
deadline=$((SECONDS + 240))
shown=
while :; do
    got=$(psql_q "select count(*) from hub.processed_events where topic not like '%handover-receipts'" 2>/dev/null || echo 0)
    noted=$(psql_q "select count(*) filter (where state <> 'pending') from hub.notifier_outbox where kind = 'handover'" 2>/dev/null || echo 0)
    line=$(printf 'read model: %d of %d events   notifier: %d of %d handovers decided' "$got" "$total" "$noted" "$handovers")
    if [[ $line != "$shown" ]]; then
        printf '\rrun:     %s' "$line" >&2
        shown=$line
    fi
    ((got >= total && noted >= handovers)) && break
    alive readmodel
    alive notifier
    ((SECONDS < deadline)) || { echo >&2; die "the consumers did not catch up in 240 s"; }
    sleep 0.5
done
echo >&2

say "10/10 statistics: hub-stats publishes $month, hubctl report writes it and the follow-up of schooling"
"$BUILD/consumers/hub-stats" --config "$(conf_for hub-stats)" --publish "$month" >>"$STATE/logs/stats.log" 2>&1 ||
    die "hub-stats failed: $(tail -n 3 "$STATE/logs/stats.log")"
mkdir -p "$STATE/reports"
for fmt in csv html json; do
    "$BUILD/deploy/hubctl" report --config "$CONF" --month "$month" --provisional --format "$fmt" \
        --output "$STATE/reports/report-$month.$fmt" 2>>"$STATE/logs/report.log" ||
        die "hubctl report failed: $(tail -n 3 "$STATE/logs/report.log")"
done

echo
echo "Monthly report for socialnämnden, $month, city of Stockholm (hidden counts shown as x):"
/usr/bin/python3 - "$STATE/reports/report-$month.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
city = [r for r in rows if r["district"] == "all" and r["placement_form"] == "all" and r["legal_basis"] == "all"][0]
print(f"  placements started {city['placements_started']}, children placed {city['children_placed']}, "
      f"with a change of school {city['with_school_change']}")
print(f"  school started {city['school_started']}, not yet {city['not_started']}; days to school start: "
      f"median {city['days_median'] or '–'}, 90th percentile {city['days_p90'] or '–'}, "
      f"max {city['days_max'] or '–'}; over the threshold {city['over_threshold']}")
print("  by district (placements / median days):", ", ".join(
    f"{r['district_name']} {r['placements_started']}/{r['days_median'] or '–'}" for r in rows
    if r["district"] != "all" and r["placement_form"] == "all" and r["legal_basis"] == "all"))
PY
echo "  full report: $STATE/reports/report-$month.html (also .csv, .json)"

# The follow-up of schooling (issue 19) for the month's tertial: the demo children's follow-ups.
tertial="${month%-*}T$(((10#${month#*-} - 1) / 4 + 1))"
for fmt in csv html json; do
    "$BUILD/deploy/hubctl" report --config "$CONF" --follow-up --tertial "$tertial" --provisional \
        --format "$fmt" --output "$STATE/reports/follow-up-$tertial.$fmt" 2>>"$STATE/logs/report.log" ||
        die "hubctl report --follow-up failed: $(tail -n 3 "$STATE/logs/report.log")"
done
"$BUILD/deploy/hubctl" report --config "$(conf_for hub-stats)" --follow-up --tertial "$tertial" \
    --provisional --publish 2>>"$STATE/logs/report.log" ||
    die "hubctl report --follow-up --publish failed: $(tail -n 3 "$STATE/logs/report.log")"
echo
echo "Follow-up of schooling, $tertial so far, city of Stockholm (x: hidden to protect small numbers):"
/usr/bin/python3 - "$STATE/reports/follow-up-$tertial.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
pct = lambda v: v + " %" if v not in ("", "x") else (v or "–")
city = [r for r in rows if r["district"] == "all" and r["group"] == "all"][0]
print(f"  children followed up {city['followed_up']}; attendance at least 90 % {pct(city['attendance_90_share'])}")
print(f"  knowledge goals reached in grundskolan {city['goals_reached']} of {city['goals_assessed']} assessed: "
      f"{pct(city['goals_reached_share'])} (target 75 %); eligible for upper secondary in year 9 "
      f"{city['eligible']} of {city['eligibility_given']}: {pct(city['eligible_share'])}")
print("  knowledge goals by legal sex:", ", ".join(
    f"{'girls' if r['group'] == 'female' else 'boys'} {pct(r['goals_reached_share'])}"
    for r in rows if r["district"] == "all" and r["table"] == "sex" and r["group"] != "all"))
PY
echo "  full report: $STATE/reports/follow-up-$tertial.html (also .csv, .json); for BI on the topic follow-up-stats"
echo
echo "Schools notified about the $handovers handovers:"
psql -X -q -At -F' ' -c "select state, count(*) from hub.notifier_outbox where kind = 'handover' group by state order by state" |
    awk '{printf "  %-10s %s\n", $1, $2}'
/usr/bin/python3 - "$STATE/logs/schools-received.jsonl" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
first = [r for r in rs if not r["duplicate"]]
print(f"  the schools' receiver verified {len(rs)} signed requests at {len({r['school'] for r in first})} schools, "
      f"opened {sum(1 for r in first if r['opened'])} sealed contents, "
      f"{sum(1 for r in first if not r['addressed_here'])} at a wrong school")
PY
echo "  disclosure log: $("$BUILD/deploy/hubctl" audit verify --config "$CONF" 2>&1 | tail -n 1)"
echo
echo "Logs: $STATE/logs/   Config: $CONF"
if ((keep)); then
    echo "Still running (--keep-running): psql -h $PGHOST -d $PGDATABASE; stop with: deploy/run.sh down"
    echo "  metrics: curl http://$rm_ops/metrics (hub-readmodel), curl http://$nt_ops/metrics (hub-notifier)"
fi
