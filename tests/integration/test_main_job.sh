#!/usr/bin/env bash
# The README's first command end to end: deploy/run.sh publishes a month of demo data; what the
# hub holds and the CSV report say equals what the input says (recomputed independently, in
# Python, from the JSON lines); every school received exactly the handovers addressed to it and
# could open their sealed content; no personnummer appears in any topic, the database, a report or
# a log. The main job is started by the README's "Try it" block, whose every line then runs as
# written (from the repository's root, with .state/ and build/ pointed at this test's).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_cmd kcat psql pg_dump
export HUB_STATE_DIR=$TMP/state
at_exit "bash '$HUB_SOURCE_DIR/deploy/run.sh' down >/dev/null 2>&1"
# The README's block, as written; .state/ and build/ (at the start of a word) become ours.
sed -n '/<!-- try-it:begin -->/,/<!-- try-it:end -->/p' "$HUB_SOURCE_DIR/README.md" |
    sed -e '1,2d' -e '$d' | sed -e '$d' >"$TMP/try-it"
mapfile -t TRY <"$TMP/try-it"
((${#TRY[@]} >= 4)) || fail "the README's try-it block has ${#TRY[@]} lines"
[[ ${TRY[0]} == "./deploy/run.sh "*"--keep-running"* ]] || fail "try-it does not start with the main job: ${TRY[0]}"
[[ ${TRY[-1]} == "./deploy/run.sh down" ]] || fail "try-it does not end with './deploy/run.sh down': ${TRY[-1]}"
as_written() { # LINE: runs it from the repository's root
    local line=$1
    line=${line//.state\//$HUB_STATE_DIR/}
    line=$(sed -E "s#(^|[ (\"])build/#\1$HUB_BUILD_DIR/#g" <<<"$line")
    (cd "$HUB_SOURCE_DIR" && bash -o pipefail -c "$line")
}
as_written "${TRY[0]}" >"$TMP/run.out" 2>"$TMP/run.err" ||
    fail "${TRY[0]} failed: $(tail -n 10 "$TMP/run.err")"
month=$(sed -n 's/.*--month \([0-9-]*\).*/\1/p' <<<"${TRY[0]}")
grep -q "Monthly report for socialnämnden, $month" "$TMP/run.out" || fail "no summary: $(cat "$TMP/run.out")"
EVENTS=$HUB_STATE_DIR/demo/events-$month.jsonl
# The configuration deploy/run.sh wrote itself draws no warning: no program is told a property
# of the other role (the consumers' session timeouts reach no producer).
if grep -rh "will be ignored by this" "$TMP/run.err" "$HUB_STATE_DIR/logs" >"$TMP/confwarn"; then
    fail "a program warns about the configuration deploy/run.sh wrote: $(head -n 2 "$TMP/confwarn")"
fi
eval "$(bash "$HUB_SOURCE_DIR/deploy/pg.sh" env "$HUB_STATE_DIR/pg")"

# 1. The read model says what the input says.
"$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/expected_stats.py" "$EVENTS" >"$TMP/expected"
psql -X -q -At -F' ' -c "
select p.district, count(*), count(distinct p.child), count(*) filter (where p.school_change),
       count(f.days_to_school_start) filter (where p.school_change),
       coalesce(round((percentile_cont(0.5) within group (order by f.days_to_school_start)
           filter (where p.school_change))::numeric, 1)::text, '')
  from hub.placements p join hub.placement_first_school_start f using (placement_id)
 group by p.district order by p.district" >"$TMP/actual"
diff -u "$TMP/expected" "$TMP/actual" || fail "the read model disagrees with the input"

# 2. The CSV report agrees with the input wherever it shows a number; "x" hides a count.
REPORT=$HUB_STATE_DIR/reports/report-$month.csv
[[ -s $REPORT ]] || fail "no CSV report at $REPORT"
"$HUB_PY" - "$TMP/expected" "$REPORT" <<'PY' || fail "the CSV report disagrees with the input"
import csv, sys
expected = {}
for line in open(sys.argv[1]):
    d, placements, children, change, started, median = (line.split() + [""])[:6]
    expected[d] = {"placements_started": placements, "children_placed": children,
                   "with_school_change": change, "school_started": started, "days_median": median}
rows = [r for r in csv.DictReader(open(sys.argv[2], encoding="utf-8-sig"))
        if r["district"] != "all" and r["placement_form"] == "all" and r["legal_basis"] == "all"]
assert {r["district"] for r in rows} == set(expected), "districts differ"
shown = 0
for r in rows:
    for col, want in expected[r["district"]].items():
        got = r[col]
        if got == "" or got == "x":
            continue  # not shown (hidden to protect another cell, or its base is hidden)
        if got.startswith("<"):
            assert 1 <= int(want) < int(got[1:]), (r["district"], col, got, want)
        else:
            assert float(got) == float(want), (r["district"], col, got, want)
            shown += 1
assert shown >= len(rows) * 2, f"only {shown} cells shown: the comparison would prove little"
print(f"report: {shown} shown cells equal the input", file=sys.stderr)
PY

# 3. Every school got exactly the handovers addressed to it (none withheld ones), and opened them.
"$HUB_PY" - "$EVENTS" "$HUB_STATE_DIR/logs/schools-received.jsonl" <<'PY' || fail "deliveries differ from the handovers"
import json, sys
want = {(e["handover_id"], e["receiving_school_unit"])
        for e in map(json.loads, open(sys.argv[1], encoding="utf-8"))
        if e["type"] == "handover" and e["legal_ground"] != "none"}
got = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
handovers = [r for r in got if r["type"] == "handover.created" and not r["duplicate"]]
have = {(r["handover_id"], r["school"]) for r in handovers}
assert have == want, f"missing {sorted(want - have)[:3]}, unexpected {sorted(have - want)[:3]}"
assert len(handovers) == len(want), "a school received a handover twice under new ids"
assert all(r["opened"] for r in handovers), "a school could not open its sealed content"
print(f"schools: {len(want)} handovers, each at its own school, all opened", file=sys.stderr)
PY

# 4. The follow-up of schooling (issue 19): the tertial's city figures recomputed from the input.
grep -q "Follow-up of schooling, 2026T1" "$TMP/run.out" || fail "no follow-up summary: $(cat "$TMP/run.out")"
grep -A3 "Follow-up of schooling, 2026T1" "$TMP/run.out" >&2
FU=$HUB_STATE_DIR/reports/follow-up-2026T1.csv
[[ -s $FU ]] || fail "no follow-up report at $FU"
"$HUB_PY" - "$EVENTS" "$FU" <<'PY' || fail "the follow-up report disagrees with the input"
import csv, json, sys
events = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
start = {e["placement_id"]: (e["start_date"], e["district"]) for e in events
         if e["type"] == "placement" and e["action"] == "started"}
newest = {}  # per child (personnummer): the newest follow-up of T1 2026 that counts
for e in events:
    if e["type"] != "follow_up" or not ("2026-01-01" <= e["review_date"] <= "2026-04-30"):
        continue
    s = start.get(e["placement_id"])
    if s is None or e["review_date"] < s[0]:
        continue
    key = (e["review_date"], e["occurred_at"])
    if e["personnummer"] not in newest or key > newest[e["personnummer"]][0]:
        newest[e["personnummer"]] = (key, e)
fus = [e for _, e in newest.values()]
grund = [e for e in fus if e["school_form"] == "grundskola"]
want = {
    "followed_up": len(fus),
    "attendance_90": sum(e["attendance"] == "from_90" for e in fus),
    "goals_assessed": sum(e["knowledge_goals"] != "not_assessed" for e in grund),
    "goals_reached": sum(e["knowledge_goals"] == "reached" for e in grund),
    "eligibility_given": sum(e["grade_year"] == 9 and "upper_secondary_eligible" in e for e in grund),
    "eligible": sum(e["grade_year"] == 9 and e.get("upper_secondary_eligible") is True for e in grund),
}
city = [r for r in csv.DictReader(open(sys.argv[2], encoding="utf-8-sig"))
        if r["district"] == "all" and r["group"] == "all"][0]
shown = 0
for col, v in want.items():
    if city[col] != "x":
        assert int(city[col]) == v, (col, city[col], v)
        shown += 1
g = city["goals_reached_share"]
if g not in ("", "x"):
    assert abs(float(g) - round(1000 * want["goals_reached"] / want["goals_assessed"]) / 10) < 0.05, g
assert want["followed_up"] > 0 and shown >= 4, (want, city)
print(f"follow-up: {want['followed_up']} children, {shown} city counts equal the input", file=sys.stderr)
PY

# 5. No personnummer in clear: topics, database, reports, logs.
"$HUB_PY" - "$EVENTS" >"$TMP/numbers" <<'PY'
import json, sys
seen = set()
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    p = e.get("personnummer")
    if not p:
        continue
    d = "".join(c for c in p if c.isdigit())
    full = d if len(d) == 12 else None
    ten = d[-10:]
    for form in {ten, ten[:6] + "-" + ten[6:], ten[:6] + "+" + ten[6:]} | (
            {full, full[:8] + "-" + full[8:]} if full else set()):
        seen.add(form)
print("\n".join(sorted(seen)))
PY
[[ -s $TMP/numbers ]] || fail "no personnummer found in the demo input?"
# control: the same search does find them where they are (the district's own input)
grep -a -F -f "$TMP/numbers" "$EVENTS" >/dev/null || fail "the search finds nothing even in the input"
BS=$(<"$HUB_STATE_DIR/run/bootstrap")
: >"$TMP/topics.bin"
for t in $(kcat -b "$BS" -L -J | "$HUB_PY" -c 'import json,sys; print(" ".join(t["topic"] for t in json.load(sys.stdin)["topics"]))'); do
    kcat -C -b "$BS" -t "$t" -o beginning -e -q -f '%k %s %h\n' >>"$TMP/topics.bin" 2>/dev/null || true
done
[[ -s $TMP/topics.bin ]] || fail "could not read the topics back"
pg_dump -d "$PGDATABASE" >"$TMP/db.sql"
for where in "$TMP/topics.bin" "$TMP/db.sql" "$HUB_STATE_DIR"/logs/* "$HUB_STATE_DIR"/reports/* "$TMP/run.out" "$TMP/run.err"; do
    if grep -a -F -f "$TMP/numbers" "$where" >/dev/null; then
        fail "a personnummer appears in clear in $where"
    fi
done
# 5. The rest of the README's block, each line as written (the last stops the main job).
for ((i = 1; i < ${#TRY[@]}; i++)); do
    as_written "${TRY[i]}" >"$TMP/try.$i.out" 2>&1 || fail "README line failed ($?): ${TRY[i]}: $(tail -n 3 "$TMP/try.$i.out")"
done
grep -q '^hub_consumed_total{topic="placement-events"} [1-9]' "$TMP"/try.*.out || fail "the README's curl of /metrics shows no placements consumed"
grep -qx 'ready' "$TMP"/try.*.out || fail "the README's curl of /readyz did not say ready"
[[ -s $HUB_STATE_DIR/reports/excel-$month.csv ]] && head -n 1 "$HUB_STATE_DIR/reports/excel-$month.csv" | grep -q ';' ||
    fail "the README's csv-sv report is missing or not semicolon-separated"

pass "$(wc -l <"$TMP/expected") districts and the report match the input; schools got exactly their handovers; no personnummer anywhere"
