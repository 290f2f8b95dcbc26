#!/usr/bin/env bash
# test_follow_up_report.sh — `hubctl report --follow-up` (issue 19): the follow-up of schooling
# per district and city, protected like the monthly statistics, attacked as a reader would.
#
# A read model with follow-ups of T3 2026 (some districts with only a few children, so there are
# small counts to protect; children with two placements; follow-ups whose placement is unknown, who
# were reviewed before their placement started, or by a district that may not act for the
# placement), then:
#   1. the JSON report against the truth recomputed in SQL from the definitions
#      (followup_truth.sql): every shown count and share right, none 1..k-1, and the arithmetic
#      attack (followup_attack.py: margins, numerator + complement = base, sex and form splits,
#      districts → city) recovers no hidden count;
#   2. a planted leak (one equation's other hidden counts revealed) is caught by the same attack;
#      the year (with children followed up in T2 only) attacked alone and together with T3;
#   3. CSV, csv-sv, HTML (a chart, Swedish, x for hidden) and the year report; --district;
#      no pseudonym in any output; usage errors exit 2;
#   4. --publish: the topic follow-up-stats holds one record per district and the city, read back
#      with python3-avro, count for count and hidden for hidden what the JSON report says.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_pg
need_cmd python3 chromium

HUBCTL=$HUB_BUILD_DIR/deploy/hubctl
ATTACK=$HUB_SOURCE_DIR/tests/integration/followup_attack.py
[[ -x $HUBCTL ]] || fail "$HUBCTL is not built"

DB=hub_followup_$$
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

"$HUBCTL" migrate --config "$TMP/hub.conf" >/dev/null 2>"$TMP/err" || fail "migrate: $(<"$TMP/err")"

# 330 children in six districts (skarpnack 4, bromma 9: small counts), placed in 2026; each with a
# follow-up in T3 2026; 20 of them have a second placement with a newer review (that one counts).
psql_hub -d "$DB" <<'SQL'
CREATE TEMP TABLE kids AS
SELECT g, md5('fu-child' || g) || md5('pad') AS child,
       CASE WHEN g <= 4 THEN 'skarpnack' WHEN g <= 13 THEN 'bromma'
            ELSE (ARRAY['sodermalm', 'farsta', 'kungsholmen', 'jarva'])[1 + g % 4] END AS district,
       CASE WHEN g % 7 IN (0, 3, 5) THEN 'male' ELSE 'female' END AS sex,
       (ARRAY['familjehem', 'familjehem', 'hvb', 'jourhem', 'stodboende', 'familjehem',
              'sis'])[1 + (g * 5) % 7] AS form,
       CASE WHEN g % 5 = 0 THEN 'gymnasieskola' ELSE 'grundskola' END AS school
  FROM generate_series(1, 330) g;
INSERT INTO hub.placements (placement_id, child, district, birth_year, legal_sex, action,
    legal_basis, placement_form, start_date, school_change, first_event_id, first_occurred_at,
    last_event_id, last_occurred_at, last_src_partition, last_src_offset)
SELECT md5('first-' || g)::uuid, child, district, 2012, sex, 'started', 'SoL', form,
       DATE '2026-01-05' + g % 200, true, gen_random_uuid(), now(), gen_random_uuid(), now(), 0, g
  FROM kids;
INSERT INTO hub.follow_ups (placement_id, tertial, child, district, legal_sex, review_date,
    school_form, grade_year, attendance, knowledge_goals, upper_secondary_eligible,
    on_track_for_diploma, event_id, occurred_at, src_partition, src_offset)
SELECT md5('first-' || g)::uuid, '2026T3', child, district, sex, DATE '2026-09-10' + g % 90, school,
       CASE WHEN school = 'grundskola' THEN CASE WHEN g % 3 = 0 THEN 9 ELSE 1 + g % 9 END
            ELSE 1 + g % 3 END,
       (ARRAY['from_90', 'from_90', 'from_80_to_89', 'from_50_to_79', 'below_50',
              'unknown'])[1 + (g * 3) % 6],
       CASE WHEN g % 11 = 0 THEN 'not_assessed' WHEN g % 4 = 0 THEN 'not_reached'
            ELSE 'reached' END,
       CASE WHEN school = 'grundskola' AND g % 3 = 0 AND g % 13 <> 0 THEN g % 5 <> 1 END,
       CASE WHEN school = 'gymnasieskola' THEN g % 2 = 0 END,
       gen_random_uuid(), TIMESTAMPTZ '2026-12-20 12:00Z', 0, g
  FROM kids;
-- a second placement (another form) for 20 children, reviewed later in T3: that review counts
INSERT INTO hub.placements (placement_id, child, district, birth_year, legal_sex, action,
    legal_basis, placement_form, start_date, school_change, first_event_id, first_occurred_at,
    last_event_id, last_occurred_at, last_src_partition, last_src_offset)
SELECT md5('second-' || g)::uuid, child, district, 2012, sex, 'started', 'LVU', 'hvb',
       DATE '2026-08-01', true, gen_random_uuid(), now(), gen_random_uuid(), now(), 0, 1000 + g
  FROM kids WHERE g % 16 = 1;
INSERT INTO hub.follow_ups (placement_id, tertial, child, district, legal_sex, review_date,
    school_form, grade_year, attendance, knowledge_goals, upper_secondary_eligible,
    on_track_for_diploma, event_id, occurred_at, src_partition, src_offset)
SELECT md5('second-' || g)::uuid, '2026T3', child, district, sex, DATE '2026-12-15', 'grundskola', 9,
       'below_50', 'not_reached', false, NULL, gen_random_uuid(), TIMESTAMPTZ '2026-12-20 12:00Z',
       0, 1000 + g
  FROM kids WHERE g % 16 = 1;
-- earlier reviews in T2: for every third child (the year counts its T3 review), and 40 children
-- followed up in T2 only (the year counts them, T3 does not)
INSERT INTO hub.follow_ups (placement_id, tertial, child, district, legal_sex, review_date,
    school_form, grade_year, attendance, knowledge_goals, upper_secondary_eligible,
    on_track_for_diploma, event_id, occurred_at, src_partition, src_offset)
SELECT md5('first-' || g)::uuid, '2026T2', child, district, sex, DATE '2026-07-01' + g % 50,
       school, CASE WHEN school = 'grundskola' THEN 1 + g % 9 ELSE 1 + g % 3 END,
       (ARRAY['from_90', 'below_50', 'from_80_to_89'])[1 + g % 3],
       CASE WHEN g % 5 = 0 THEN 'not_reached' ELSE 'reached' END, NULL, NULL,
       gen_random_uuid(), TIMESTAMPTZ '2026-09-01 12:00Z', 0, 3000 + g
  FROM kids WHERE g % 3 = 0 AND DATE '2026-07-01' + g % 50 >= DATE '2026-01-05' + g % 200;
INSERT INTO hub.placements (placement_id, child, district, birth_year, legal_sex, action,
    legal_basis, placement_form, start_date, school_change, first_event_id, first_occurred_at,
    last_event_id, last_occurred_at, last_src_partition, last_src_offset)
SELECT md5('t2-only-' || g)::uuid, md5('t2-child' || g) || md5('pad'),
       (ARRAY['farsta', 'jarva', 'bromma', 'sodermalm'])[1 + g % 4], 2012,
       CASE WHEN g % 2 = 0 THEN 'male' ELSE 'female' END, 'ended', 'SoL',
       (ARRAY['familjehem', 'hvb'])[1 + g % 2], DATE '2026-02-01', true, gen_random_uuid(),
       now(), gen_random_uuid(), now(), 0, 4000 + g
  FROM generate_series(1, 40) g;
INSERT INTO hub.follow_ups (placement_id, tertial, child, district, legal_sex, review_date,
    school_form, grade_year, attendance, knowledge_goals, upper_secondary_eligible,
    on_track_for_diploma, event_id, occurred_at, src_partition, src_offset)
SELECT md5('t2-only-' || g)::uuid, '2026T2', md5('t2-child' || g) || md5('pad'),
       (ARRAY['farsta', 'jarva', 'bromma', 'sodermalm'])[1 + g % 4],
       CASE WHEN g % 2 = 0 THEN 'male' ELSE 'female' END, DATE '2026-06-01' + g, 'grundskola',
       CASE WHEN g % 4 = 0 THEN 9 ELSE 7 END, (ARRAY['from_90', 'below_50'])[1 + g % 2],
       CASE WHEN g % 3 = 0 THEN 'not_reached' ELSE 'reached' END,
       CASE WHEN g % 4 = 0 THEN g % 8 = 0 END, NULL, gen_random_uuid(),
       TIMESTAMPTZ '2026-09-01 12:00Z', 0, 4000 + g
  FROM generate_series(1, 40) g;
-- left out: a newer follow-up of child 100's placement (in sodermalm) by another district
INSERT INTO hub.follow_ups (placement_id, tertial, child, district, legal_sex, review_date,
    school_form, grade_year, attendance, knowledge_goals, upper_secondary_eligible,
    on_track_for_diploma, event_id, occurred_at, src_partition, src_offset)
SELECT md5('first-' || g)::uuid, '2026T3', child, 'skarpnack', sex, DATE '2026-12-30', school,
       2, 'below_50', 'not_reached', NULL, NULL, gen_random_uuid(), now(), 0, 7000
  FROM kids WHERE g = 100;
-- left out: a follow-up of an unknown placement (pending), one reviewed before its placement
INSERT INTO hub.placements (placement_id, child, district, birth_year, legal_sex, action,
    legal_basis, placement_form, start_date, school_change, first_event_id, first_occurred_at,
    last_event_id, last_occurred_at, last_src_partition, last_src_offset)
VALUES (md5('late')::uuid, md5('late-child') || md5('pad'), 'farsta', 2012, 'male', 'started',
        'SoL', 'hvb', DATE '2026-11-01', true, gen_random_uuid(), now(), gen_random_uuid(), now(),
        0, 5000);
INSERT INTO hub.follow_ups (placement_id, tertial, child, district, legal_sex, review_date,
    school_form, grade_year, attendance, knowledge_goals, upper_secondary_eligible,
    on_track_for_diploma, event_id, occurred_at, src_partition, src_offset)
VALUES (md5('nowhere')::uuid, '2026T3', md5('nowhere-child') || md5('pad'), 'farsta', 'female',
        DATE '2026-10-01', 'grundskola', 4, 'from_90', 'reached', NULL, NULL, gen_random_uuid(),
        now(), 0, 6000),
       (md5('late')::uuid, '2026T3', md5('late-child') || md5('pad'), 'farsta', 'male',
        DATE '2026-10-01', 'grundskola', 4, 'from_90', 'reached', NULL, NULL, gen_random_uuid(),
        now(), 0, 6001);
SQL
CHILD=$(psql_hub -d "$DB" -c "SELECT child FROM hub.follow_ups ORDER BY src_offset LIMIT 1")

truth() { # $1 first day, $2 last day
    psql_hub -d "$DB" -v first="$1" -v last="$2" -f "$HUB_SOURCE_DIR/tests/integration/followup_truth.sql"
}
truth 2026-09-01 2026-12-31 >"$TMP/truth-t3.json"
truth 2026-01-01 2026-12-31 >"$TMP/truth-year.json"

# --- 1. the tertial, attacked -------------------------------------------------------------------
expect_exit 0 report --config "$TMP/hub.conf" --follow-up --tertial 2026T3 --as-of 2027-01-15 \
    --format json --output "$TMP/t3.json"
grep -q 'follow-up report written.*children=330 left_out_pending=1 left_out_before_start=1 left_out_district=0 left_out_not_owner=1 ' "$TMP/err" ||
    fail "the log does not count 330 children and the three left out: $(<"$TMP/err")"
python3 "$ATTACK" "$TMP/t3.json" "$TMP/truth-t3.json" >"$TMP/attack.out" ||
    fail "the attack on 2026T3: $(cat "$TMP/attack.out")"
grep -qE '[1-9][0-9]* hidden counts \([1-9][0-9]* of them small\), 0 leaks' "$TMP/attack.out" ||
    fail "2026T3 has no small hidden count to attack: $(cat "$TMP/attack.out")"
echo "2026T3: $(head -n 1 "$TMP/attack.out"); hubctl: $(grep -o 'children=.*' "$TMP/err")" >&2
# the city's share reaching the goals is shown, against the 75 % target
python3 - "$TMP/t3.json" <<'PY' || fail "the city's figures are not all shown"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["goals_target_percent"] == 75 and d["hidden_symbol"] == "x", d
city = [r for r in d["rows"] if r["district"] == "all" and r["group"] == "all"][0]
for c in ("followed_up", "goals_reached_share", "eligible_share", "attendance_90_share"):
    assert isinstance(city[c], (int, float)), (c, city)
assert city["followed_up"] == 330, city
PY

# --- 2. a planted leak is caught ----------------------------------------------------------------
python3 "$ATTACK" "$TMP/t3.json" "$TMP/truth-t3.json" --plant >"$TMP/plant.out" ||
    fail "the attack missed a planted leak: $(cat "$TMP/plant.out")"
grep -q 'planted a leak at .*: found' "$TMP/plant.out" || fail "no planted leak: $(cat "$TMP/plant.out")"
echo "planted: $(tail -n 1 "$TMP/plant.out")" >&2

# --- 3. the year, the other formats, --district -------------------------------------------------
expect_exit 0 report --config "$TMP/hub.conf" --follow-up --year 2026 --as-of 2027-01-15 \
    --format json --output "$TMP/year.json"
grep -q 'audit_with_last_tertial=yes' "$TMP/err" || fail "the year was not audited with 2026T3: $(<"$TMP/err")"
echo "2026: hubctl: $(grep -o 'children=.*' "$TMP/err")" >&2
python3 "$ATTACK" "$TMP/year.json" "$TMP/truth-year.json" >"$TMP/attack.out" ||
    fail "the attack on 2026: $(cat "$TMP/attack.out")"
# The year and its last tertial together: every year count is at least the tertial's.
python3 "$ATTACK" "$TMP/year.json" "$TMP/truth-year.json" --with-last-tertial "$TMP/t3.json" \
    "$TMP/truth-t3.json" >"$TMP/joint.out" || fail "the joint attack on 2026 and 2026T3: $(cat "$TMP/joint.out")"
echo "$(head -n 1 "$TMP/joint.out")" >&2
python3 -c 'import json,sys; y=[r for r in json.load(open(sys.argv[1]))["rows"] if r["district"]=="all" and r["group"]=="all"][0]; assert y["followed_up"] == 370, y' "$TMP/year.json" ||
    fail "the year does not count the 40 children followed up in T2 only"
expect_exit 0 report --config "$TMP/hub.conf" --follow-up --tertial 2026T3 --as-of 2027-01-15
head -n 1 "$TMP/out" | grep -q 'period,district,district_name,table,group,followed_up,attendance_90,attendance_90_share,goals_assessed,goals_reached,goals_reached_share,eligibility_given,eligible,eligible_share' ||
    fail "CSV header: $(head -n 1 "$TMP/out")"
grep -q '^2026T3,all,Hela staden,sex,all,330,' "$TMP/out" || fail "CSV city row: $(sed -n 2p "$TMP/out")"
grep -q ',x,' "$TMP/out" || fail "CSV: nothing hidden"
# the CSV says what the JSON says
python3 - "$TMP/out" "$TMP/t3.json" <<'PY' || fail "CSV and JSON differ"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
doc = json.load(open(sys.argv[2]))
assert len(rows) == len(doc["rows"]), (len(rows), len(doc["rows"]))
for c, j in zip(rows, doc["rows"]):
    for k, v in c.items():
        if k in ("period", "district_name"):
            continue
        w = j[k]
        want = "x" if k in j["hidden"] else "" if w is None else ("%.1f" % w if isinstance(w, float) else str(w))
        assert v == want, (k, v, want, j)
PY
no_child "$TMP/out" 2>/dev/null || true
expect_exit 0 report --config "$TMP/hub.conf" --follow-up --tertial 2026T3 --as-of 2027-01-15 --format csv-sv
grep -q '^2026T3;all;Hela staden;sex;all;330;' "$TMP/out" || fail "csv-sv: $(sed -n 2p "$TMP/out")"
expect_exit 0 report --config "$TMP/hub.conf" --follow-up --tertial 2026T3 --as-of 2027-01-15 --format html
for want in '<html lang="sv">' '<svg ' 'Mål 75 %' 'Andel som når kunskapsmålen' 'Flickor' \
    'Familjehem' 'Gymnasieskola' '<td class="hidden">x</td>' 'tertial 3 2026 (september–december)'; do
    grep -qF -- "$want" "$TMP/out" || fail "HTML lacks '$want'"
done
! grep -qE '<(script|link|img)|https?://' "$TMP/out" || fail "the HTML is not self-contained"
# In a real browser: the page renders (more than a blank page) and shows the city's figures.
cp "$TMP/out" "$TMP/fu.html"
CHROMIUM_ARGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync)
mkdir -p "$TMP/profile1" "$TMP/profile2"
(cd "$TMP" && timeout 120 chromium "${CHROMIUM_ARGS[@]}" --user-data-dir="$TMP/profile1" \
    --screenshot="$TMP/fu.png" --window-size=1280,2400 "file://$TMP/fu.html") \
    >"$TMP/chromium.log" 2>&1 || fail "chromium --screenshot failed: $(tail -5 "$TMP/chromium.log")"
(($(stat -c %s "$TMP/fu.png") > 40000)) || fail "the screenshot is only $(stat -c %s "$TMP/fu.png") bytes"
cp -f "$TMP/fu.png" "$HUB_BUILD_DIR/follow_up_html_test.png" 2>/dev/null || true
(cd "$TMP" && timeout 120 chromium "${CHROMIUM_ARGS[@]}" --user-data-dir="$TMP/profile2" \
    --dump-dom "file://$TMP/fu.html") >"$TMP/dom.html" 2>"$TMP/chromium.log" ||
    fail "chromium --dump-dom failed: $(tail -5 "$TMP/chromium.log")"
city_goals=$(python3 -c 'import json,sys; r=[r for r in json.load(open(sys.argv[1]))["rows"] if r["district"]=="all" and r["group"]=="all"][0]; print(("%.1f" % r["goals_reached_share"]).replace(".", ","))' "$TMP/t3.json")
grep -qF "<tr class=\"total\"><td>Hela staden</td><td>330</td>" "$TMP/dom.html" || fail "the rendered overview lacks the city's 330 children"
grep -qF ">$city_goals %</text>" "$TMP/dom.html" || fail "the chart lacks the city's share $city_goals %"
expect_exit 0 report --config "$TMP/hub.conf" --follow-up --tertial 2026T3 --as-of 2027-01-15 \
    --district farsta --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert {r["district"] for r in d["rows"]} == {"all","farsta"}, d' "$TMP/out" ||
    fail "--district farsta: $(head -c 300 "$TMP/out")"
for f in "$TMP/t3.json" "$TMP/year.json" "$TMP/out"; do
    ! grep -qF -- "$CHILD" "$f" || fail "a pseudonym is in $f"
done

# --- 4. the BI topic: one record per district and the city, what the report says --------------
need_cmd kcat
start_broker
cat >"$TMP/pub.conf" <<CONF
pg.host=$PGHOST
pg.port=$PGPORT
pg.user=$PGUSER
pg.dbname=$DB
hub.bootstrap_file=$HUB_BROKER_BOOTSTRAP_FILE
CONF
unset HUB_KAFKA_BOOTSTRAP_SERVERS
expect_exit 0 report --config "$TMP/pub.conf" --follow-up --tertial 2026T3 --as-of 2027-01-15 --publish
n_records=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["districts"]))' "$TMP/t3.json")
grep -q "follow-up figures published.*period=2026T3 records=$n_records" "$TMP/err" ||
    fail "--publish: $(<"$TMP/err")"
kcat -C -b "$(<"$HUB_BROKER_BOOTSTRAP_FILE")" -t follow-up-stats -o beginning -e -q \
    -f '%p %o %K %S\n%k%s' >"$TMP/topic.bin" 2>"$TMP/kcat.err" || fail "kcat: $(<"$TMP/kcat.err")"
HUB_SOURCE_DIR=$HUB_SOURCE_DIR /usr/bin/python3 - "$TMP/topic.bin" "$TMP/t3.json" <<'PY' || fail "follow-up-stats disagrees with the report"
import json, os, sys
sys.path.insert(0, os.path.join(os.environ["HUB_SOURCE_DIR"], "tests/integration"))
import publish_interop  # the single-object header and the body, by python3-avro
schemas = publish_interop.load_schemas(os.path.join(os.environ["HUB_SOURCE_DIR"], "schemas"))
data, pos, recs = open(sys.argv[1], "rb").read(), 0, {}
while pos < len(data):
    nl = data.index(b"\n", pos)
    _, _, klen, vlen = (int(x) for x in data[pos:nl].split())
    key = data[nl + 1:nl + 1 + klen].decode()
    raw = data[nl + 1 + klen:nl + 1 + klen + vlen]
    pos = nl + 1 + klen + vlen
    recs[key], _ = publish_interop.decode(raw, schemas, "follow_up_stats")
rep = json.load(open(sys.argv[2]))
assert set(recs) == {d["code"] + "|2026T3" for d in rep["districts"]}, sorted(recs)
names = ["followed_up", "attendance_90", "goals_assessed", "goals_reached", "eligibility_given", "eligible"]
n = 0
for row in rep["rows"]:
    rec = recs[row["district"] + "|2026T3"]
    assert rec["k"] == rep["k"] and rec["provisional"] is False, rec
    r = [x for x in rec["rows"] if x["table"] == row["table"] and x["group"] == row["group"]][0]
    for c in names:
        assert r[c] == row[c], (row["district"], row["table"], row["group"], c, r[c], row[c])
        assert (c in r["hidden"]) == (c in row["hidden"]), (row, r)
        n += 1
print("follow-up-stats: %d records, %d counts equal the report" % (len(recs), n), file=sys.stderr)
PY

# --- usage ----------------------------------------------------------------------------------------
expect_exit 2 report --config "$TMP/hub.conf" --follow-up --month 2026-10
expect_exit 2 report --config "$TMP/hub.conf" --month 2026-10 --publish
expect_exit 2 report --config "$TMP/hub.conf" --follow-up --tertial 2026T3 --publish --district farsta
expect_exit 2 report --config "$TMP/hub.conf" --follow-up --tertial 2026T3 --current-districts
expect_exit 2 report --config "$TMP/hub.conf" --follow-up --tertial 2026T3 --as-of 2027-01-15 --district atlantis
expect_exit 2 report --config "$TMP/hub.conf" --follow-up --tertial 2026T3 --as-of 2026-12-06
grep -q "not over" "$TMP/err" || fail "a tertial in progress: $(<"$TMP/err")"
pass
