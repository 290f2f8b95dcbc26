#!/usr/bin/env bash
# test_demo_data.sh — `hubctl demo-data` output is accepted line for line by
# `hub-publish --dry-run` (no broker needed), is reproducible, and `--with-content` is refused by
# the publisher until sealing exists.
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
