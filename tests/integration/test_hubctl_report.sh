#!/usr/bin/env bash
# test_hubctl_report.sh — `hubctl report`: periods, formats, --district, --as-of,
# --current-districts, --output, k from the config, exit codes, and no pseudonym in any output.
# (The numbers themselves are checked by stats_test; the HTML in a browser by test_report_html.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_pg
need_cmd python3

HUBCTL=$HUB_BUILD_DIR/deploy/hubctl
[[ -x $HUBCTL ]] || fail "$HUBCTL is not built"

DB=hub_report_cli_$$
psql_hub -d "$PGDATABASE" -c "CREATE DATABASE $DB TEMPLATE template0 ENCODING 'UTF8'"
at_exit "psql_hub -d '$PGDATABASE' -c 'DROP DATABASE IF EXISTS $DB WITH (FORCE)'"
cat >"$TMP/hub.conf" <<CONF
pg.host=$PGHOST
pg.port=$PGPORT
pg.user=$PGUSER
pg.dbname=$DB
CONF

expect_exit() {
    local want=$1 rc=0
    shift
    "$HUBCTL" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || rc=$?
    ((rc == want)) || fail "hubctl $* exited $rc, expected $want: $(head -c 600 "$TMP/err")"
}

# Before migrating: a runtime failure that says what to do.
expect_exit 1 report --config "$TMP/hub.conf" --month 2026-01
grep -q "hubctl migrate" "$TMP/err" || fail "unmigrated database: $(<"$TMP/err")"
"$HUBCTL" migrate --config "$TMP/hub.conf" >/dev/null 2>"$TMP/err" || fail "migrate: $(<"$TMP/err")"

# 400 placements in 2026 over four districts, and four around the 2023 merger.
psql_hub -d "$DB" <<'SQL'
INSERT INTO hub.placements (placement_id, child, district, birth_year, legal_sex, action,
    legal_basis, placement_form, start_date, school_change, first_event_id, first_occurred_at,
    last_event_id, last_occurred_at, last_src_partition, last_src_offset)
SELECT gen_random_uuid(), md5('child' || (g % 350)) || md5('pad'), (ARRAY['sodermalm', 'farsta',
       'kungsholmen', 'jarva'])[1 + g % 4], 2008 + g % 17,
       CASE WHEN g % 3 = 0 THEN 'male' ELSE 'female' END, 'started',
       CASE WHEN g % 4 = 1 THEN 'LVU' ELSE 'SoL' END,
       (ARRAY['jourhem', 'familjehem', 'hvb', 'stodboende'])[1 + (g / 4) % 4],
       DATE '2026-01-01' + (g * 7) % 181, g % 6 <> 0, gen_random_uuid(), now(),
       gen_random_uuid(), now(), 0, g
  FROM generate_series(1, 400) g;
INSERT INTO hub.school_starts (event_id, placement_id, child, district, school_unit, school_form,
    start_date, occurred_at)
SELECT gen_random_uuid(), placement_id, child, district, '12345678', 'grundskola',
       start_date + (last_src_offset % 30)::integer - 2, now()
  FROM hub.placements WHERE school_change AND last_src_offset % 7 <> 0;
INSERT INTO hub.placements (placement_id, child, district, birth_year, legal_sex, action,
    legal_basis, placement_form, start_date, school_change, first_event_id, first_occurred_at,
    last_event_id, last_occurred_at, last_src_partition, last_src_offset)
SELECT gen_random_uuid(), md5('old' || g) || md5('pad'), d, 2012, 'female', 'started', 'LVU',
       'hvb', s::date, false, gen_random_uuid(), now(), gen_random_uuid(), now(), 0, 1000 + g
  FROM (VALUES (1, 'rinkeby-kista', '2023-03-10'), (2, 'spanga-tensta', '2023-04-11'),
               (3, 'jarva', '2023-08-05'), (4, 'farsta', '2023-08-06')) AS v(g, d, s);
SQL
CHILD=$(psql_hub -d "$DB" -c "SELECT child FROM hub.placements ORDER BY last_src_offset LIMIT 1")
no_child() { ! grep -qF -- "$CHILD" "$1" || fail "a pseudonym is in $1"; }

# Usage and input errors: exit 2.
expect_exit 2 report --config "$TMP/hub.conf"
expect_exit 2 report --config "$TMP/hub.conf" --month 2026-01 --year 2026
expect_exit 2 report --config "$TMP/hub.conf" --month 2026-13
expect_exit 2 report --config "$TMP/hub.conf" --month 2026T1
expect_exit 2 report --config "$TMP/hub.conf" --tertial 2026T4
expect_exit 2 report --config "$TMP/hub.conf" --month 2026-01 --format pdf
expect_exit 2 report --config "$TMP/hub.conf" --month 2026-01 --as-of 2026-02-30
# a period that has not begun: a clear error, nothing written
expect_exit 2 report --config "$TMP/hub.conf" --month 2027-01 --as-of 2026-12-31
grep -q "2027-01 has not begun on the as-of date 2026-12-31" "$TMP/err" || fail "future month: $(<"$TMP/err")"
[[ ! -s $TMP/out ]] || fail "a future month wrote something"
expect_exit 2 report --config "$TMP/hub.conf" --month 2026-12 --as-of 2026-12-06
grep -q "not over" "$TMP/err" || fail "a month in progress: $(<"$TMP/err")"
expect_exit 2 report --config "$TMP/hub.conf" --month 2026-01 --district atlantis
expect_exit 2 report --config "$TMP/hub.conf" --month 2026-01 --district rinkeby-kista
expect_exit 2 report --config "$TMP/hub.conf" --month 2026-01 --bogus
expect_exit 2 report --config "$TMP/missing.conf" --month 2026-01
printf 'hub.stats.k=2\n' >>"$TMP/k2.conf"
cat "$TMP/hub.conf" >>"$TMP/k2.conf"
expect_exit 2 report --config "$TMP/k2.conf" --month 2026-01
grep -q "hub.stats.k" "$TMP/err" || fail "k = 2 not named: $(<"$TMP/err")"
expect_exit 0 report --help
grep -q -- "--current-districts" "$TMP/out" || fail "--help lacks --current-districts"
"$HUBCTL" --help | grep -q "^  report " || fail "hubctl --help does not list report"

# CSV to stdout: BOM + header; a month: the city's 8 forms × 3 bases, each district's total.
expect_exit 0 report --config "$TMP/hub.conf" --month 2026-03 --as-of 2026-12-31
cp "$TMP/out" "$TMP/march.csv"
[[ $(head -c 3 "$TMP/march.csv" | od -An -tx1 | tr -d ' \n') == efbbbf ]] || fail "no UTF-8 BOM"
head -1 "$TMP/march.csv" | tr -d '\r' | tail -c +4 | grep -qx \
    'period,district,district_name,placement_form,legal_basis,placements_started,children_placed,with_school_change,school_started,days_median,days_p90,days_max,over_threshold,not_started' ||
    fail "CSV header: $(head -1 "$TMP/march.csv")"
(($(wc -l <"$TMP/march.csv") == 1 + 24 + 11)) || fail "CSV rows: $(wc -l <"$TMP/march.csv")"
grep -q $'^2026-03,all,Hela staden,all,all,' "$TMP/march.csv" || fail "no city total row"
grep -q $'^2026-03,all,Hela staden,familjehem,SoL,' "$TMP/march.csv" || fail "no form row"
grep -q $'^2026-03,sodermalm,Södermalm,all,all,' "$TMP/march.csv" || fail "no district total row"
! grep -q $'^2026-03,sodermalm,Södermalm,familjehem,' "$TMP/march.csv" ||
    fail "a district's month detail is published"
# no count from 1 to 4 is printed as a number
python3 - "$TMP/march.csv" <<'PY' || fail "a small count is shown in the CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8-sig', newline='')))
cols = ['placements_started', 'children_placed', 'with_school_change', 'school_started',
        'over_threshold', 'not_started']
for r in rows:
    for c in cols:
        v = r[c]
        # one symbol for every hidden count; empty: not published at this level
        assert v in ('x', '') or (v.isdigit() and not 1 <= int(v) <= 4), (r, c)
        assert v != '' or c == 'placements_started' or r['placement_form'] != 'all' or \
            r['legal_basis'] != 'all', (r, c)
    if r['days_median']:
        assert r['school_started'] in ('x',) or int(r['school_started']) >= 5, r
print(len(rows), 'rows ok')
PY
no_child "$TMP/march.csv"
# the Swedish dialect: the same rows, semicolons and a decimal comma, which Excel in Swedish opens
expect_exit 0 report --config "$TMP/hub.conf" --month 2026-03 --as-of 2026-12-31 --format csv-sv
cp "$TMP/out" "$TMP/march-sv.csv"
python3 - "$TMP/march.csv" "$TMP/march-sv.csv" <<'PY' || fail "csv-sv differs from csv beyond the dialect"
import csv, sys
en = list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline='')))
sv = list(csv.reader(open(sys.argv[2], encoding='utf-8-sig', newline=''), delimiter=';'))
assert len(en) == len(sv) and en[0] == sv[0], (len(en), len(sv))
for a, b in zip(en, sv):
    assert [x.replace('.', ',') if x.replace('.', '').isdigit() else x for x in a] == b, (a, b)
assert any(',' in x for row in sv for x in row) or not any('.' in x for row in en for x in row)
print('csv-sv ok')
PY

# A tertial: its four months and itself; one district only; to a file, atomically.
expect_exit 0 report --config "$TMP/hub.conf" --tertial 2026T1 --district farsta --as-of 2026-12-31 \
    --output "$TMP/t1.csv"
[[ ! -s $TMP/out ]] || fail "--output also wrote to stdout"
[[ -s $TMP/t1.csv ]] || fail "--output file missing"
ls "$TMP"/t1.csv.* >/dev/null 2>&1 && fail "a temporary file was left behind"
cut -d, -f1 "$TMP/t1.csv" | tail -n +2 | sort -u | tr '\n' ' ' | grep -qx '2026-01 2026-02 2026-03 2026-04 2026T1 ' ||
    fail "tertial periods: $(cut -d, -f1 "$TMP/t1.csv" | sort -u | tr '\n' ' ')"
cut -d, -f2 "$TMP/t1.csv" | tail -n +2 | sort -u | grep -qx farsta || fail "other districts in --district"
# the tertial with its 24 form × basis rows, each month with its total only
(($(wc -l <"$TMP/t1.csv") == 1 + 24 + 4)) || fail "tertial rows: $(wc -l <"$TMP/t1.csv")"

# JSON: k and the threshold from the config, as-of, both tables.
cat "$TMP/hub.conf" >"$TMP/k3.conf"
printf 'hub.stats.k=3\nhub.stats.threshold_days=10\n' >>"$TMP/k3.conf"
expect_exit 0 report --config "$TMP/k3.conf" --year 2026 --as-of 2026-12-31 --format json
cp "$TMP/out" "$TMP/year.json"
python3 - "$TMP/year.json" <<'PY' || fail "JSON content"
import json, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
assert d['k'] == 3 and d['threshold_days'] == 10 and d['as_of'] == '2026-12-31', d
assert d['definitions_version'] and d['period'] == '2026' and d['period_kind'] == 'year'
periods = [p['period'] for p in d['periods']]
assert len(periods) == 16 and periods[-1] == '2026' and '2026T2' in periods, periods
assert {r['period'] for r in d['rows']} == set(periods)
# each period × district: 24 form × basis rows and 18 sex × age rows, a district's month 1 and 1
full = len({(r['period'], r['district']) for r in d['rows'] if r['placement_form'] != 'all'})
assert len(d['by_sex_age']) == full * 18 + (len(d['rows']) - full * 24), (len(d['by_sex_age']), full)
city = [r for r in d['rows'] if r['period'] == '2026' and r['district'] == 'all'
        and r['placement_form'] == 'all' and r['legal_basis'] == 'all'][0]
assert city['placements_started'] == 400, city
for r in d['rows'] + d['by_sex_age']:
    for c in ('placements_started', 'children_placed', 'not_started', 'over_threshold'):
        v = r[c]
        assert (v is None and r['hidden'][c] in ('x', 'not published')) or not 1 <= v <= 2, (r, c)
print('json ok')
PY
no_child "$TMP/year.json"

# As-of: nothing after it counts.
expect_exit 2 report --config "$TMP/hub.conf" --year 2026 --as-of 2026-01-31 --format json
grep -q "2026 is not over on the as-of date 2026-01-31.*--provisional" "$TMP/err" ||
    fail "a year in progress without --provisional: $(<"$TMP/err")"
expect_exit 0 report --config "$TMP/hub.conf" --year 2026 --as-of 2026-01-31 --format json --provisional
python3 -c "
import json, sys
d = json.load(open('$TMP/out'))
feb = [r for r in d['rows'] if r['period'] == '2026-02' and r['district'] == 'all' and r['placement_form'] == 'all' and r['legal_basis'] == 'all'][0]
assert feb['placements_started'] == 0, feb
assert d['notes']['placements_counted'] < 400
" || fail "--as-of 2026-01-31 still counts later placements"

# The 2023 merger: both old and new districts in the year, each in its months, and a note.
expect_exit 0 report --config "$TMP/hub.conf" --year 2023 --as-of 2026-01-31 --format html
grep -q "Rinkeby-Kista fanns till och med 2023-06-30 och ingår sedan i Järva" "$TMP/out" ||
    fail "no merger note in the 2023 HTML"
expect_exit 0 report --config "$TMP/hub.conf" --year 2023 --as-of 2026-01-31
grep -q '^2023-03,rinkeby-kista,' "$TMP/out" || fail "no Rinkeby-Kista in March 2023"
! grep -q '^2023-08,rinkeby-kista,' "$TMP/out" || fail "Rinkeby-Kista after it merged"
! grep -q '^2023-03,jarva,' "$TMP/out" || fail "Järva before it existed"
grep -q '^2023-08,jarva,' "$TMP/out" || fail "no Järva in August 2023"
expect_exit 0 report --config "$TMP/hub.conf" --year 2023 --as-of 2026-01-31 --current-districts
! grep -q ',rinkeby-kista,' "$TMP/out" || fail "--current-districts still lists Rinkeby-Kista"
grep -q '^2023-03,jarva,' "$TMP/out" || fail "--current-districts: no Järva in March 2023"
expect_exit 0 report --config "$TMP/hub.conf" --month 2023-03 --as-of 2026-01-31 --current-districts \
    --district jarva --format json
no_child "$TMP/out"

# A failing output path is a runtime failure and leaves nothing behind.
expect_exit 1 report --config "$TMP/hub.conf" --month 2026-01 --output "$TMP/no/such/dir/r.csv"

pass
