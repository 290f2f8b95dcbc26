#!/usr/bin/env bash
# test_demo_data.sh — `hubctl demo-data` output is accepted line for line by
# `hub-publish --dry-run` (no broker needed), is reproducible, two months of one seed share no
# event id, and `--with-content` is refused by a publisher without a school directory to seal
# with.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HUBCTL=$HUB_BUILD_DIR/deploy/hubctl
PUBLISH=$HUB_BUILD_DIR/producers/hub-publish
[[ -x $HUBCTL ]] || fail "$HUBCTL is not built"
[[ -x $PUBLISH ]] || fail "$PUBLISH is not built"

# The pseudonym key: 32 random bytes, readable by the owner only.
(umask 077 && head -c 32 /dev/urandom >"$TMP/pseudonym.key")
chmod 600 "$TMP/pseudonym.key"
printf 'hub.pseudonym.key_file=%s\n' "$TMP/pseudonym.key" >"$TMP/hub.conf"

# 1. The pipe: every line valid, exit 0.
rc=0
"$HUBCTL" demo-data --seed 1 --month 2026-03 2>"$TMP/demo.err" |
    "$PUBLISH" --dry-run --config "$TMP/hub.conf" >"$TMP/pub.out" 2>"$TMP/pub.err" || rc=$?
((rc == 0)) || fail "demo-data | hub-publish --dry-run: exit $rc: $(tail -n 5 "$TMP/pub.err")"
summary=$(tail -n 1 "$TMP/pub.err")
[[ $summary =~ ^hub-publish:\ ([0-9]+)\ valid,\ 0\ invalid\ lines\;\ nothing\ published\ \(dry\ run\)$ ]] ||
    fail "unexpected summary: $summary"
valid=${BASH_REMATCH[1]}
"$HUBCTL" demo-data --seed 1 --month 2026-03 --output "$TMP/a.jsonl" 2>/dev/null ||
    fail "demo-data --output failed"
lines=$(wc -l <"$TMP/a.jsonl")
((valid == lines && lines > 400)) || fail "$valid valid of $lines lines"
grep -q "^hubctl demo-data: 2026-03 seed 1: 11 districts, 440 children, $lines events" \
    "$TMP/demo.err" || fail "demo-data summary: $(<"$TMP/demo.err")"

# 2. Reproducible: the same seed gives the same bytes, another seed others; stdout == --output.
"$HUBCTL" demo-data --seed 1 --month 2026-03 >"$TMP/b.jsonl" 2>/dev/null
cmp -s "$TMP/a.jsonl" "$TMP/b.jsonl" || fail "seed 1 twice gave different output"
"$HUBCTL" demo-data --seed 2 --month 2026-03 >"$TMP/c.jsonl" 2>/dev/null
! cmp -s "$TMP/a.jsonl" "$TMP/c.jsonl" || fail "seeds 1 and 2 gave the same output"

# 2b. Another month of the same seed is new events: no event id in common (a consumer would drop
# them as duplicates).
"$HUBCTL" demo-data --seed 1 --month 2026-04 >"$TMP/april.jsonl" 2>/dev/null ||
    fail "demo-data --month 2026-04 failed"
grep -o '"event_id":"[^"]*"' "$TMP/a.jsonl" | sort -u >"$TMP/march.ids"
grep -o '"event_id":"[^"]*"' "$TMP/april.jsonl" | sort -u >"$TMP/april.ids"
(($(wc -l <"$TMP/april.ids") > 400)) || fail "too few events in 2026-04"
shared=$(comm -12 "$TMP/march.ids" "$TMP/april.ids" | wc -l)
((shared == 0)) || fail "2026-03 and 2026-04 of seed 1 share $shared event ids"

# 2c. --help describes --with-content as it is: sealed by hub-publish.
"$HUBCTL" demo-data --help >"$TMP/help.out" 2>&1 || fail "demo-data --help failed"
grep -q 'seals it' "$TMP/help.out" || fail "--help does not say hub-publish seals the content"
! grep -qi 'until sealing\|refused' "$TMP/help.out" || fail "--help: $(grep -i 'refused' "$TMP/help.out")"

# 2d. Last month's events run 15 days past it, into the future: a publisher refuses those
# (occurred_at beyond hub.clock.max_skew_s). With --until yesterday (what deploy/run.sh passes)
# nothing is dated after yesterday, and all of it is accepted.
last_month=$(TZ=Europe/Stockholm date -d "$(date +%Y-%m-15) -1 month" +%Y-%m)
yesterday=$(TZ=Europe/Stockholm date -d yesterday +%F)
"$HUBCTL" demo-data --seed 3 --month "$last_month" --follow-ups --until "$yesterday" >"$TMP/last.jsonl" 2>"$TMP/demo.err" ||
    fail "demo-data --until: $(cat "$TMP/demo.err")"
latest=$(grep -o '"occurred_at":"[^"]*"' "$TMP/last.jsonl" | cut -d'"' -f4 | cut -c1-10 | sort | tail -n 1)
[[ $latest < "$yesterday" || $latest == "$yesterday" ]] || fail "--until $yesterday wrote an event of $latest"
rc=0
"$PUBLISH" --dry-run --config "$TMP/hub.conf" "$TMP/last.jsonl" >/dev/null 2>"$TMP/pub.err" || rc=$?
((rc == 0)) || fail "last month with --until is refused: $(grep -v '^hub-publish: [0-9]' "$TMP/pub.err" | head -n 3)"
# the attack it answers: a month whose tail reaches past today, without --until
this_month=$(TZ=Europe/Stockholm date +%Y-%m)
if [[ $(TZ=Europe/Stockholm date +%d) -gt 1 ]]; then
    "$HUBCTL" demo-data --seed 3 --month "$this_month" >"$TMP/now.jsonl" 2>/dev/null
    rc=0
    "$PUBLISH" --dry-run --config "$TMP/hub.conf" "$TMP/now.jsonl" >/dev/null 2>"$TMP/pub.err" || rc=$?
    ((rc == 2)) && grep -q 'occurred_at' "$TMP/pub.err" || fail "this month's future events were not refused (exit $rc)"
    "$HUBCTL" demo-data --seed 3 --month "$this_month" --until "$yesterday" >"$TMP/now2.jsonl" 2>/dev/null
    "$PUBLISH" --dry-run --config "$TMP/hub.conf" "$TMP/now2.jsonl" >/dev/null 2>"$TMP/pub.err" ||
        fail "this month up to yesterday is refused: $(head -n 3 "$TMP/pub.err")"
fi
rc=0
"$HUBCTL" demo-data --seed 3 --month 2026-03 --until 2026-02-27 >/dev/null 2>"$TMP/demo.err" || rc=$?
((rc == 2)) && grep -q -- '--until is before the month' "$TMP/demo.err" || fail "--until before the month: exit $rc: $(cat "$TMP/demo.err")"

# 3. Every event type is there, and no content by default.
for t in placement school_start handover contact_change; do
    grep -q "^{\"type\":\"$t\"" "$TMP/a.jsonl" || fail "no $t event"
done
! grep -q '"content"' "$TMP/a.jsonl" || fail "content without --with-content"

# 4. The school directory: header, and every school the events name is in it.
"$HUBCTL" demo-data --seed 1 --month 2026-03 --schools-csv "$TMP/schools.csv" \
    --children-per-district 5 >/dev/null 2>&1 || fail "--schools-csv failed"
head -n 1 "$TMP/schools.csv" | grep -qx \
    'skolenhetskod,name,huvudman_type,kommunkod,webhook_url,public_key,signing_secret_ref,email' ||
    fail "schools.csv header: $(head -n 1 "$TMP/schools.csv")"
grep -o '"\(receiving_school_unit\|sending_school_unit\|school_unit\)":"[0-9]*"' "$TMP/a.jsonl" |
    cut -d'"' -f4 | sort -u >"$TMP/units"
while read -r unit; do
    grep -q "^$unit," "$TMP/schools.csv" || fail "school unit $unit is not in schools.csv"
done <"$TMP/units"

# 5. --with-content: the publisher refuses each handover with content (exit 2: no directory to
# seal with), the rest stays valid. A handover without a legal ground carries no content.
"$HUBCTL" demo-data --seed 1 --month 2026-03 --with-content >"$TMP/content.jsonl" 2>/dev/null
handovers=$(grep '^{"type":"handover"' "$TMP/content.jsonl" | grep -c '"content"')
grep '"legal_ground":"none"' "$TMP/content.jsonl" | grep -q '"content"' &&
    fail "--with-content gave a handover without a legal ground content"
grep -q '"legal_ground":"none"' "$TMP/content.jsonl" || fail "no handover without a legal ground"
rc=0
"$PUBLISH" --dry-run --config "$TMP/hub.conf" "$TMP/content.jsonl" >/dev/null 2>"$TMP/pub.err" ||
    rc=$?
((rc == 2)) || fail "--with-content through hub-publish: exit $rc, want 2"
grep -q "invalid lines\?; nothing published" "$TMP/pub.err" || fail "$(tail -n 1 "$TMP/pub.err")"
tail -n 1 "$TMP/pub.err" | grep -q ", $handovers invalid lines" ||
    fail "want $handovers invalid lines: $(tail -n 1 "$TMP/pub.err")"

# 6. Usage errors exit 2.
for args in "--month 2026-03" "--seed 1" "--seed 1 --month 2026-13" "--seed -1 --month 2026-03" \
    "--seed 1 --month 2006-12" "--seed 1 --month 2026-03 --children-per-district 0"; do
    rc=0
    # shellcheck disable=SC2086
    "$HUBCTL" demo-data $args >/dev/null 2>&1 || rc=$?
    ((rc == 2)) || fail "hubctl demo-data $args: exit $rc, want 2"
done

pass "$lines events, all valid for hub-publish"
