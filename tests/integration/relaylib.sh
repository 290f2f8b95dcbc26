# shellcheck shell=bash
# relaylib.sh — helpers for the outbox relay tests (source lib.sh and hublib.sh first).
#
#   start_district_pg       a PostgreSQL cluster of the test's own playing the district's database
#                           (so it can be stopped and started): $DIST_PGS; database `district`
#                           with a case-system table cases.changes; exports DIST_PGHOST/DIST_PGPORT
#   district_psql ARGS..    psql on the district's database
#   relay_conf FILE [K=V..] write_conf (hublib.sh) with pg.* naming the district's database, and
#                           hub.schools.file=$TMP/schools.csv when that file exists
#   demo_events N SEED OUT  hubctl demo-data (all four types, handovers with content) for N
#                           children per district, and $TMP/schools.csv: its school directory with
#                           one public key for every school ($TMP/school.pem opens them all)
#   outbox_sql IN OUT [PER_TXN]  SQL of district transactions: each records a change in
#                           cases.changes and inserts PER_TXN (default 7) events of IN (JSON lines)
#                           into sams_outbox.events in the same transaction
#   outbox_count STATE      number of outbox rows in STATE (pending, sent, rejected)
#   outbox_drained          true when no row is pending
#   relay_log_has_pnr FILE.. true when any personnummer of $TMP/*.jsonl appears in the files (any
#                           written form: 10 or 12 digits, with or without - or +)

start_district_pg() {
    DIST_PGS=$TMP/district-pg
    bash "$HUB_SOURCE_DIR/deploy/pg.sh" start "$DIST_PGS" >"$TMP/district-pg.out" 2>&1 ||
        fail "cannot start the district's PostgreSQL: $(tail -n 3 "$TMP/district-pg.out")"
    at_exit "bash '$HUB_SOURCE_DIR/deploy/pg.sh' stop '$DIST_PGS' >/dev/null 2>&1"
    DIST_PGHOST=$(bash "$HUB_SOURCE_DIR/deploy/pg.sh" env "$DIST_PGS" | sed -n "s/^export PGHOST=//p")
    DIST_PGPORT=$(bash "$HUB_SOURCE_DIR/deploy/pg.sh" env "$DIST_PGS" | sed -n "s/^export PGPORT=//p")
    export DIST_PGHOST DIST_PGPORT
    psql -X -q -v ON_ERROR_STOP=1 -h "$DIST_PGHOST" -p "$DIST_PGPORT" -d hub \
        -c "create database district" >/dev/null || fail "cannot create the district's database"
    district_psql -c "create schema cases" \
        -c "create table cases.changes (id bigserial primary key, what text not null, at timestamptz not null default now())" ||
        fail "cannot create the case system's table"
}

district_psql() {
    psql -X -q -v ON_ERROR_STOP=1 -At -h "$DIST_PGHOST" -p "$DIST_PGPORT" -d district "$@"
}

relay_conf() {
    local file=$1
    shift
    local schools=()
    [[ -s $TMP/schools.csv ]] && schools=("hub.schools.file=$TMP/schools.csv")
    write_conf "$file" "${schools[@]}" "pg.host=$DIST_PGHOST" "pg.port=$DIST_PGPORT" \
        "pg.dbname=district" "$@"
}

demo_events() {
    local n=$1 seed=$2 out=$3
    "$HUB_BUILD_DIR/deploy/hubctl" demo-data --seed "$seed" --month 2026-03 --with-content \
        --children-per-district "$n" --schools-csv "$TMP/schools-demo.csv" -o "$out" \
        2>"$TMP/demo.log" || fail "hubctl demo-data failed: $(cat "$TMP/demo.log")"
    if [[ ! -s $TMP/school.pub ]]; then
        "$HUB_BUILD_DIR/deploy/hubctl" schools keygen --out-private "$TMP/school.pem" \
            --out-public "$TMP/school.pub" >/dev/null 2>"$TMP/keygen.log" ||
            fail "schools keygen failed: $(cat "$TMP/keygen.log")"
    fi
    awk -F, -v OFS=, -v pub="$(<"$TMP/school.pub")" 'NR == 1 { print; next } { $6 = pub; print }' \
        "$TMP/schools-demo.csv" >"$TMP/schools.csv"
}

outbox_sql() {
    "$HUB_PY" - "$1" "${3:-7}" >"$2" <<'PY'
import sys
lines = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
per = int(sys.argv[2])
tag = "$ev$"
for i in range(0, len(lines), per):
    chunk = lines[i:i + per]
    print("BEGIN;")
    print("INSERT INTO cases.changes (what) VALUES ('batch %d');" % i)
    for l in chunk:
        assert tag not in l
        print("INSERT INTO sams_outbox.events (event) VALUES (%s%s%s);" % (tag, l, tag))
    print("COMMIT;")
PY
}

outbox_count() {
    district_psql -c "select count(*) from sams_outbox.events where state = '$1'"
}

outbox_drained() {
    [[ $(outbox_count pending 2>/dev/null) == 0 ]]
}

relay_log_has_pnr() {
    "$HUB_PY" - "$TMP" "$@" <<'PY'
import glob, json, re, sys
tails = set()
for f in glob.glob(sys.argv[1] + "/*.jsonl"):
    for line in open(f, encoding="utf-8"):
        try:
            p = json.loads(line).get("personnummer")
        except ValueError:
            p = None
        if isinstance(p, str):
            d = re.sub(r"\D", "", p)
            if len(d) >= 10:
                tails.add(d[-10:])
found = False
for f in sys.argv[2:]:
    text = re.sub(r"[-+]", "", open(f, encoding="utf-8", errors="replace").read())
    for t in tails:
        if t in text:
            print("%s holds a personnummer of the test data" % f, file=sys.stderr)
            found = True
            break
sys.exit(0 if found else 1)
PY
}
