#!/usr/bin/env bash
# test_report_html.sh — the HTML statistics report opens in a real browser and shows the totals.
#
# Builds a read model with 60 placements in January 2026 (Södermalm 25, Kungsholmen 20, Bromma 15;
# every cell 0 or at least 5, so nothing is hidden and every total can be checked), writes
# `hubctl report --format html`, renders it with headless Chromium to a PNG (must exist and be
# more than a blank page) and checks through --dump-dom that the rendered page holds the expected
# totals, k and the as-of date, and no pseudonym. The screenshot is kept in the build directory
# (report_html_test.png) for a human to look at.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_pg
need_cmd chromium

HUBCTL=$HUB_BUILD_DIR/deploy/hubctl
[[ -x $HUBCTL ]] || fail "$HUBCTL is not built"

DB=hub_report_html_$$
psql_hub -d "$PGDATABASE" -c "CREATE DATABASE $DB TEMPLATE template0 ENCODING 'UTF8'"
at_exit "psql_hub -d '$PGDATABASE' -c 'DROP DATABASE IF EXISTS $DB WITH (FORCE)'"
cat >"$TMP/hub.conf" <<CONF
pg.host=$PGHOST
pg.port=$PGPORT
pg.user=$PGUSER
pg.dbname=$DB
CONF
"$HUBCTL" migrate --config "$TMP/hub.conf" >/dev/null 2>"$TMP/err" || fail "migrate: $(<"$TMP/err")"

# district, first g, last g, form, basis, days to school start
psql_hub -d "$DB" <<'SQL'
INSERT INTO hub.placements (placement_id, child, district, birth_year, legal_sex, action,
    legal_basis, placement_form, start_date, school_change, first_event_id, first_occurred_at,
    last_event_id, last_occurred_at, last_src_partition, last_src_offset)
SELECT gen_random_uuid(), md5('child' || g) || md5('pad' || g), f.district, 2014, 'female',
       'started', f.basis, f.form, DATE '2026-01-01' + (g % 28), true, gen_random_uuid(), now(),
       gen_random_uuid(), now(), 0, g
  FROM (VALUES ('sodermalm', 1, 15, 'familjehem', 'SoL'), ('sodermalm', 16, 25, 'jourhem', 'LVU'),
               ('kungsholmen', 26, 35, 'familjehem', 'SoL'), ('kungsholmen', 36, 45, 'hvb', 'SoL'),
               ('bromma', 46, 60, 'familjehem', 'LVU')) AS f(district, lo, hi, form, basis),
       generate_series(f.lo, f.hi) AS g;
INSERT INTO hub.school_starts (event_id, placement_id, child, district, school_unit, school_form,
    start_date, occurred_at)
SELECT gen_random_uuid(), placement_id, child, district, '12345678', 'grundskola',
       start_date + CASE district WHEN 'sodermalm' THEN 3 WHEN 'kungsholmen' THEN 7 ELSE 10 END,
       now()
  FROM hub.placements;
SQL
CHILD=$(psql_hub -d "$DB" -c "SELECT child FROM hub.placements LIMIT 1")

"$HUBCTL" report --config "$TMP/hub.conf" --month 2026-01 --as-of 2026-03-01 --format html \
    --output "$TMP/report.html" 2>"$TMP/err" || fail "report: $(<"$TMP/err")"
[[ -s $TMP/report.html ]] || fail "no HTML written"
! grep -q "$CHILD" "$TMP/report.html" || fail "a pseudonym is in the report"
! grep -qiE '<script|https?://[a-z]' "$TMP/report.html" || fail "the page is not self-contained"
# a later month shows the year's trend per district, protected like the rest (a count from 1 to
# k-1 never appears as a number under a bar)
"$HUBCTL" report --config "$TMP/hub.conf" --month 2026-02 --as-of 2026-03-01 --format html \
    --output "$TMP/feb.html" 2>"$TMP/err" || fail "report: $(<"$TMP/err")"
grep -q "Utveckling under året" "$TMP/feb.html" || fail "no trend in a February report"
grep -q "<title>januari: " "$TMP/feb.html" || fail "the trend has no January bar"
grep -q 'class="trend-n"' "$TMP/feb.html" || fail "the trend has no numbers"
! grep -qE 'class="trend-n"[^>]*>[1-4]</text>' "$TMP/feb.html" || fail "a small count is shown in the trend"
# ... and the same month a year before, exactly as the year 2025's own publication (its year
# report) shows it: Södermalm 12, Kungsholmen 3 (small: hidden there, so x here), Bromma 9.
psql_hub -d "$DB" <<'SQL'
INSERT INTO hub.placements (placement_id, child, district, birth_year, legal_sex, action,
    legal_basis, placement_form, start_date, school_change, first_event_id, first_occurred_at,
    last_event_id, last_occurred_at, last_src_partition, last_src_offset)
SELECT gen_random_uuid(), md5('old' || g) || md5('pad' || g), f.district, 2013, 'male',
       'started', 'SoL', 'familjehem', DATE '2025-02-01' + (g % 27), false, gen_random_uuid(),
       now(), gen_random_uuid(), now(), 0, 1000 + g
  FROM (VALUES ('sodermalm', 1, 12), ('kungsholmen', 13, 15), ('bromma', 16, 24))
       AS f(district, lo, hi), generate_series(f.lo, f.hi) AS g;
SQL
"$HUBCTL" report --config "$TMP/hub.conf" --month 2026-02 --as-of 2026-03-01 --format html \
    --output "$TMP/feb.html" 2>"$TMP/err" || fail "report: $(<"$TMP/err")"
"$HUBCTL" report --config "$TMP/hub.conf" --year 2025 --as-of 2026-03-01 --format json \
    --output "$TMP/2025.json" 2>"$TMP/err" || fail "report: $(<"$TMP/err")"
grep -q "<th>februari 2025</th>" "$TMP/feb.html" || fail "no column for February 2025 in the trend"
/usr/bin/python3 - "$TMP/feb.html" "$TMP/2025.json" <<'PY' || fail "the year before's column differs from 2025's publication"
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
table = html[html.index('<table class="trend">'):]
table = table[:table.index("</table>")]
got = dict(re.findall(r'<tr><td>([^<]+)</td><td><svg.*?</svg></td><td class="num">([^<]*)</td></tr>', table))
want = {}
for r in json.load(open(sys.argv[2], encoding="utf-8"))["rows"]:
    if r["period"] == "2025-02" and r["placement_form"] == "all" and r["legal_basis"] == "all" \
            and r["district"] != "all":
        v = r["placements_started"]
        want[r["district_name"]] = "x" if v is None else str(v)
assert got == want, (got, want)
assert got["Kungsholmen"] == "x" and got["Södermalm"] in ("12", "x") and got["Bromma"] in ("9", "x"), got
assert not any(v in ("1", "2", "3", "4") for v in got.values()), got
print("last year:", got, file=sys.stderr)
PY
# the footer's time is Stockholm's: the hour written equals the hour in Europe/Stockholm now
# (or a minute later), with CET or CEST
hour=$(TZ=Europe/Stockholm date +%H)
grep -qE "Skapad [0-9-]+ ($hour|$(TZ=Europe/Stockholm date -d '+1 min' +%H)):[0-9]{2} svensk tid \(CES?T\)" \
    "$TMP/report.html" || fail "the footer's time is not Stockholm time: $(grep -o 'Skapad[^<]*' "$TMP/report.html")"

CHROMIUM_ARGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync)
mkdir -p "$TMP/profile1" "$TMP/profile2"
(cd "$TMP" && timeout 120 chromium "${CHROMIUM_ARGS[@]}" --user-data-dir="$TMP/profile1" \
    --screenshot="$TMP/report.png" --window-size=1280,2000 "file://$TMP/report.html") \
    >"$TMP/chromium.log" 2>&1 || fail "chromium --screenshot failed: $(tail -5 "$TMP/chromium.log")"
[[ -f $TMP/report.png ]] || fail "no screenshot"
# A PNG of 1280 x 2000 and, with tables and a chart, far more than a blank page compresses to.
[[ $(head -c 8 "$TMP/report.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
    fail "the screenshot is not a PNG"
size=$(stat -c %s "$TMP/report.png")
((size > 40000)) || fail "the screenshot is only $size bytes: a blank page?"
[[ $(od -An -tu1 -j16 -N8 "$TMP/report.png" | tr -s ' ' | sed 's/^ //') == "0 0 5 0 0 0 7 208" ]] ||
    fail "the screenshot is not 1280 x 2000"
cp -f "$TMP/report.png" "$HUB_BUILD_DIR/report_html_test.png" 2>/dev/null || true

(cd "$TMP" && timeout 120 chromium "${CHROMIUM_ARGS[@]}" --user-data-dir="$TMP/profile2" \
    --dump-dom "file://$TMP/report.html") >"$TMP/dom.html" 2>"$TMP/chromium.log" ||
    fail "chromium --dump-dom failed: $(tail -5 "$TMP/chromium.log")"
dom() { grep -qF -- "$1" "$TMP/dom.html" || fail "the rendered page lacks: $1"; }
dom 'lang="sv"'
dom 'Månadsrapport januari 2026'
dom '<span id="as-of">2026-03-01</span>'
dom '<span id="k">5</span>'
dom 'Små tal visas inte.'
# Overview: placements, children, with school change, started, median, p90, max, over 14, not
# started. City: 25 × 3 days, 20 × 7, 15 × 10 → median of ranks 30 and 31 = 7, p90 rank 54 = 10.
dom '<td>Hela staden</td><td>60</td><td>60</td><td>60</td><td>60</td><td>7,0</td><td>10</td><td>10</td><td>0</td><td>0</td>'
dom '<td>Södermalm</td><td>25</td><td>25</td><td>25</td><td>25</td><td>3,0</td><td>3</td><td>3</td>'
dom '<td>Kungsholmen</td><td>20</td><td>20</td><td>20</td><td>20</td><td>7,0</td><td>7</td><td>7</td>'
dom '<td>Bromma</td><td>15</td><td>15</td><td>15</td><td>15</td><td>10,0</td><td>10</td><td>10</td>'
# By form for the city: familjehem 15 + 10 + 15 = 40 (SoL 25, LVU 15).
dom '<td>Familjehem</td><td>40</td><td>25</td><td>15</td>'
dom '<svg'
dom '7,0 / 10</text>'
# a month: by form for the city only (a district's month detail is not published), 2 by sex and age
(($(grep -o "<h3>" "$TMP/dom.html" | wc -l) == 3)) || fail "expected 3 sub-headings (the city by form, 2 by sex and age)"
! grep -qF -- "$CHILD" "$TMP/dom.html" || fail "a pseudonym is in the rendered page"

pass
