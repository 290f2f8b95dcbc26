#!/usr/bin/env bash
# reader_attack.sh — (by hand, not in ctest) the published statistics against an outside reader (issue 13).
#
# A year of synthetic placements (11 districts, many small cells, a few tiny districts) goes
# straight into the read model; `hubctl report` publishes the months of T1, T1 and the year as
# CSV and JSON, all as of one date. tests/integration/reader_attack.py reads only those files,
# writes down every sum and inequality a reader knows, and derives each hidden cell's range by
# linear programming; the true values come from tests/integration/stats_truth.sql, computed from
# the read model without the hub's code. The test fails when a hidden count of 1..k-1 is narrowed
# (its range spans fewer than k values, or lies inside 1..k-1) in any publication alone or in all
# of them together, or when a district total of at least k is hidden.
#
# Second scenario: two late placements (March, Bromma and Farsta) and the March report published
# again with a later as-of date; old and new March reports are attacked together (the data
# changed, so their cells are separate unknowns).
#
# Not in ctest, on purpose: it also fails when a total of at least k is hidden, and on this data
# the city's month totals and two districts just above k are hidden to protect tiny districts'
# months (consumers/STATISTICS.md §5) — a known cost, not a leak. Measured 2026-12-06 (~12 s):
# every report alone, all twelve files together, and March before and after two late events
# together — no hidden count of 1..4 narrowed. Run it by hand against a test PostgreSQL:
#   deploy/pg.sh start /tmp/ra-pg; eval "$(deploy/pg.sh env /tmp/ra-pg)"
#   HUB_TEST_PGHOST=$PGHOST HUB_TEST_PGPORT=$PGPORT HUB_TEST_PGDATABASE=$PGDATABASE \
#   HUB_TEST_PGUSER=$PGUSER HUB_BUILD_DIR=build HUB_SOURCE_DIR=. bash tests/integration/reader_attack.sh
#
# READER_ATTACK_KEEP=DIR keeps the reports, the truths and the reader's output there.
# READER_ATTACK_EXACT=1 passes --exact (exact ranges everywhere; slower).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_pg

PY=/usr/bin/python3
[[ -x $PY ]] || skip "$PY is not installed"
"$PY" -c 'import ctypes; ctypes.CDLL("libglpk.so")' 2>/dev/null ||
    skip "libglpk.so is not installed (apt-get install libglpk-dev; deploy/setup.sh)"
HUBCTL=$HUB_BUILD_DIR/deploy/hubctl
[[ -x $HUBCTL ]] || fail "$HUBCTL is not built"
HERE=$HUB_SOURCE_DIR/tests/integration
ATTACK=$HERE/reader_attack.py

# The reader checks itself first (hand cases and brute force; no database).
"$PY" "$HERE/reader_attack_selftest.py" >"$TMP/selftest.out" 2>&1 ||
    fail "reader_attack_selftest.py: $(tail -n 20 "$TMP/selftest.out")"
tail -n 1 "$TMP/selftest.out"

DB=hub_reader_attack_$$
psql_hub -d "$PGDATABASE" -c "CREATE DATABASE $DB TEMPLATE template0 ENCODING 'UTF8'"
at_exit "psql_hub -d '$PGDATABASE' -c 'DROP DATABASE IF EXISTS $DB WITH (FORCE)'"
cat >"$TMP/hub.conf" <<CONF
pg.host=$PGHOST
pg.port=$PGPORT
pg.user=$PGUSER
pg.dbname=$DB
CONF
"$HUBCTL" migrate --config "$TMP/hub.conf" >/dev/null 2>"$TMP/err" || fail "migrate: $(<"$TMP/err")"

# 2026: per district and month a number of placements between lo and hi (Farsta and Skärholmen
# tiny, Norra innerstaden small), spread over the 7 forms (familjehem and jourhem common, SiS
# and skyddat boende rare), both legal bases, both sexes and all five age groups. Children come
# from a pool per district, so some are placed more than once. 65 % with school change; of
# those 88 % have a school start 0..39 days after the placement (some dated before it: 0 days;
# many over the 14-day threshold), a tenth of them a second, later one. Deterministic: md5.
psql_hub -d "$DB" <<'SQL'
CREATE FUNCTION pg_temp.h(t text) RETURNS bigint LANGUAGE sql IMMUTABLE
AS $$ SELECT ('x' || substr(md5(t), 1, 8))::bit(32)::bigint $$;

WITH d(code, lo, hi) AS (
    VALUES ('bromma', 20, 45), ('enskede-arsta-vantor', 35, 60), ('farsta', 3, 9),
           ('hasselby-vallingby', 25, 50), ('kungsholmen', 20, 35), ('skarholmen', 1, 6),
           ('skarpnack', 20, 40), ('sodermalm', 30, 55), ('hagersten-alvsjo', 20, 45),
           ('jarva', 40, 60), ('norra-innerstaden', 8, 20)),
dm AS (SELECT code, hi, m, lo + pg_temp.h(code || '/n/' || m) % (hi - lo + 1) AS n
         FROM d, generate_series(1, 12) m),
p AS (SELECT code, m, g, code || '/' || pg_temp.h(code || '/c/' || m || '/' || g) % (hi * 10) AS ck,
             pg_temp.h(code || '/f/' || m || '/' || g) % 100 AS f,
             pg_temp.h(code || '/b/' || m || '/' || g) % 100 AS b,
             pg_temp.h(code || '/s/' || m || '/' || g) % 100 AS s,
             make_date(2026, m, 1) + (pg_temp.h(code || '/d/' || m || '/' || g) % 28)::integer AS start_date
        FROM dm, generate_series(1, dm.n) g)
INSERT INTO hub.placements (placement_id, child, district, birth_year, legal_sex, action,
    legal_basis, placement_form, start_date, school_change, first_event_id, first_occurred_at,
    last_event_id, last_occurred_at, last_src_partition, last_src_offset)
SELECT gen_random_uuid(), md5(ck) || md5('pad' || ck), code,
       2026 - (pg_temp.h(ck || '/age') % 20)::integer,
       CASE WHEN pg_temp.h(ck || '/sex') % 2 = 0 THEN 'female' ELSE 'male' END, 'started',
       CASE WHEN b < 35 THEN 'LVU' ELSE 'SoL' END,
       CASE WHEN f < 35 THEN 'familjehem' WHEN f < 55 THEN 'jourhem' WHEN f < 73 THEN 'hvb'
            WHEN f < 84 THEN 'stodboende' WHEN f < 92 THEN 'behandlingsfamilj'
            WHEN f < 97 THEN 'sis' ELSE 'skyddat_boende' END,
       start_date, s < 65, gen_random_uuid(), now(), gen_random_uuid(), now(), 0,
       row_number() OVER (ORDER BY code, m, g)
  FROM p;

INSERT INTO hub.school_starts (event_id, placement_id, child, district, school_unit, school_form,
    start_date, occurred_at)
SELECT gen_random_uuid(), placement_id, child, district, '12345678', 'grundskola',
       start_date + (pg_temp.h(child || start_date || '/ss/' || k) % 45)::integer - 5 + 20 * (k - 1),
       now()
  FROM hub.placements, generate_series(1, 2) k
 WHERE school_change AND pg_temp.h(child || start_date || '/has') % 100 < 88
   AND (k = 1 OR pg_temp.h(child || start_date || '/two') % 100 < 10);
SQL
echo "placements: $(psql_hub -d "$DB" -c "SELECT count(*) || ' (' || count(DISTINCT child) || ' children), ' || sum(CASE WHEN school_change THEN 1 ELSE 0 END) || ' with school change' FROM hub.placements")"

AS_OF=2027-01-15
R=$TMP/reports
mkdir -p "$R"

report() { # NAME PERIOD-OPTION PERIOD AS-OF
    local name=$1 opt=$2 period=$3 as_of=$4 fmt
    for fmt in csv json; do
        "$HUBCTL" report --config "$TMP/hub.conf" "$opt" "$period" --as-of "$as_of" \
            --format "$fmt" --output "$R/$name.$fmt" >/dev/null 2>"$TMP/err" ||
            fail "hubctl report $opt $period --format $fmt: $(<"$TMP/err")"
    done
}

truth() { # FILE AS-OF
    psql_hub -d "$DB" -v as_of="$2" -v threshold=14 -f "$HERE/stats_truth.sql" >"$1" ||
        fail "stats_truth.sql"
}

for m in 01 02 03 04; do
    report "m2026-$m" --month "2026-$m" "$AS_OF"
done
report t2026T1 --tertial 2026T1 "$AS_OF"
report y2026 --year 2026 "$AS_OF"
truth "$R/truth-$AS_OF.json" "$AS_OF"

EXACT=()
[[ ${READER_ATTACK_EXACT:-0} == 1 ]] && EXACT=(--exact)
failures=()

attack() { # LABEL FILE... (CSV files are given as FILE@AS-OF)
    local label=$1 rc=0 out
    shift
    out=$R/attack-$label.out
    "$PY" "$ATTACK" --truth "$R/truth-$AS_OF.json" ${TRUTH2:+--truth "$TRUTH2"} "${EXACT[@]}" \
        "$@" >"$out" 2>&1 || rc=$?
    printf '%-22s %s\n' "$label:" "$(grep '^reader: hidden=' "$out" || echo "(no summary)")"
    grep -E '^reader: [0-9.]+ s' "$out" | sed 's/^/                       /'
    case $rc in
    0) ;;
    1)
        failures+=("$label: $(grep -c '^narrowed:' "$out") narrowed, $(grep -c '^hidden-total:' "$out") required totals hidden")
        grep -m 5 -E '^(narrowed|hidden-total):' "$out" | sed 's/^/    /'
        ;;
    *) fail "reader_attack.py ($label) exited $rc: $(tail -n 5 "$out")" ;;
    esac
}

pub() { # NAME: the CSV and the JSON of one report
    echo "$R/$1.csv@$AS_OF" "$R/$1.json"
}

# One publication at a time, then everything together.
for name in m2026-01 m2026-02 m2026-03 m2026-04 t2026T1 y2026; do
    # shellcheck disable=SC2046
    attack "$name" $(pub "$name")
done
# shellcheck disable=SC2046
attack months $(pub m2026-01) $(pub m2026-02) $(pub m2026-03) $(pub m2026-04)
# shellcheck disable=SC2046
attack months+T1 $(pub m2026-01) $(pub m2026-02) $(pub m2026-03) $(pub m2026-04) $(pub t2026T1)
# shellcheck disable=SC2046
attack all $(pub m2026-01) $(pub m2026-02) $(pub m2026-03) $(pub m2026-04) $(pub t2026T1) \
    $(pub y2026)

# Second scenario: two late placements in March, and March published again later.
AS_OF2=2027-01-20
psql_hub -d "$DB" <<'SQL'
INSERT INTO hub.placements (placement_id, child, district, birth_year, legal_sex, action,
    legal_basis, placement_form, start_date, school_change, first_event_id, first_occurred_at,
    last_event_id, last_occurred_at, last_src_partition, last_src_offset)
VALUES (gen_random_uuid(), md5('late1') || md5('pad'), 'bromma', 2014, 'female', 'started', 'LVU',
        'hvb', DATE '2026-03-12', true, gen_random_uuid(), now(), gen_random_uuid(), now(), 0,
        1000001),
       (gen_random_uuid(), md5('late2') || md5('pad'), 'farsta', 2011, 'male', 'started', 'SoL',
        'familjehem', DATE '2026-03-20', false, gen_random_uuid(), now(), gen_random_uuid(),
        now(), 0, 1000002);
INSERT INTO hub.school_starts (event_id, placement_id, child, district, school_unit, school_form,
    start_date, occurred_at)
SELECT gen_random_uuid(), placement_id, child, district, '12345678', 'grundskola',
       DATE '2026-04-06', now()
  FROM hub.placements WHERE child = md5('late1') || md5('pad');
SQL
report m2026-03-v2 --month 2026-03 "$AS_OF2"
truth "$R/truth-$AS_OF2.json" "$AS_OF2"
TRUTH2=$R/truth-$AS_OF2.json
attack m2026-03-v2 "$R/m2026-03-v2.csv@$AS_OF2" "$R/m2026-03-v2.json"
attack "m2026-03 v1+v2" $(pub m2026-03) "$R/m2026-03-v2.csv@$AS_OF2" "$R/m2026-03-v2.json"
TRUTH2=

if [[ -n ${READER_ATTACK_KEEP:-} ]]; then
    mkdir -p "$READER_ATTACK_KEEP"
    cp -- "$R"/* "$READER_ATTACK_KEEP"/
    echo "reports, truths and the reader's output kept in $READER_ATTACK_KEEP"
fi
if ((${#failures[@]})); then
    fail "narrowed hidden counts or hidden district totals: $(printf '%s; ' "${failures[@]}")"
fi
pass "no hidden count of 1..4 narrowed, alone or together; every total of at least 5 shown"
