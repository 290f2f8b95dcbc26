#!/usr/bin/env bash
# test_readmodel_follow_up.sh — follow-ups (issue 19) through hub-publish, the dev broker and
# hub-readmodel: kept exactly once, newest review per placement and tertial, and the bad ones
# dead-lettered.
#
#   - a placement and three follow-ups of it: T3 reviews on 2026-10-01 and (reported later)
#     2026-09-20, which must not replace the newer review, and one in T2;
#   - a follow-up reviewed before its placement started: dead letter `before_start`, both when the
#     placement is in the same batch and when it is already in the read model;
#   - a follow-up of an unknown placement: kept, pending (hub.follow_ups_unmatched);
#   - a follow-up by another district on the placement: dead letter `owner`;
#   - the whole file published again: nothing changes;
#   - a follow-up that arrives before its placement: kept as pending, and once the placement
#     arrives and started after the review, left out of the reports (before_start).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_pg
need_cmd kcat
new_db
start_broker
write_conf "$TMP/hub.conf"
migrate_db "$TMP/hub.conf"
BS=$(<"$HUB_BROKER_BOOTSTRAP_FILE")

A=$("$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/publish_interop.py" pnr 20150312238)
B=$("$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/publish_interop.py" pnr 20120815123)
P1=a1b2c3d4-0000-4000-8000-0000000000f1
P2=a1b2c3d4-0000-4000-8000-0000000000f2
P3=a1b2c3d4-0000-4000-8000-0000000000f3
EV=3f1c9a2e-0b6d-4e8a-9c1f-2a7d5e0b1c
follow_up() { # $1 event id suffix, $2 personnummer, $3 placement, $4 review, $5 occurred, $6 district, $7 goals
    printf '{"type":"follow_up","event_id":"%s%s","occurred_at":"%s","district":"%s",' "$EV" "$1" "$5" "$6"
    printf '"personnummer":"%s","placement_id":"%s","review_date":"%s","school_form":"grundskola",' "$2" "$3" "$4"
    printf '"grade_year":9,"attendance":"from_90","knowledge_goals":"%s","upper_secondary_eligible":true}\n' "$7"
}
placement() { # $1 event id suffix, $2 placement, $3 start
    printf '{"type":"placement","event_id":"%s%s","occurred_at":"%sT09:00:00+01:00",' "$EV" "$1" "$3"
    printf '"district":"farsta","personnummer":"%s","placement_id":"%s","action":"started",' "$A" "$2"
    printf '"legal_basis":"SoL","placement_form":"familjehem","start_date":"%s","school_change":true}\n' "$3"
}
placement 01 "$P1" 2026-03-02 >"$TMP/placement.jsonl"
publish "$TMP/hub.conf" "$TMP/placement.jsonl"
catch_up "$TMP/hub.conf" 60
{
    follow_up 02 "$A" "$P1" 2026-10-01 2026-10-02T10:00:00+02:00 farsta reached
    follow_up 03 "$A" "$P1" 2026-09-20 2026-10-20T10:00:00+02:00 farsta not_reached
    follow_up 04 "$A" "$P1" 2026-06-10 2026-06-11T10:00:00+02:00 farsta not_reached
    follow_up 05 "$A" "$P1" 2026-02-20 2026-03-03T10:00:00+01:00 farsta reached
    follow_up 06 "$B" "$P2" 2026-10-05 2026-10-06T10:00:00+02:00 farsta reached
    follow_up 07 "$A" "$P1" 2026-10-10 2026-10-11T10:00:00+02:00 jarva reached
} >"$TMP/events.jsonl"
publish "$TMP/hub.conf" "$TMP/events.jsonl"
catch_up "$TMP/hub.conf" 60

rows() {
    psql_hub -c "select string_agg(concat_ws('|', placement_id, tertial, review_date, knowledge_goals,
                 upper_secondary_eligible), ';' order by placement_id, tertial) from hub.follow_ups"
}
want="$P1|2026T2|2026-06-10|not_reached|t;$P1|2026T3|2026-10-01|reached|t;$P2|2026T3|2026-10-05|reached|t"
[[ $(rows) == "$want" ]] || fail "hub.follow_ups: $(rows), want $want"
[[ $(psql_hub -c "select why from hub.follow_ups_unmatched") == pending ]] ||
    fail "the follow-up of an unknown placement is not pending"
letters() { kcat -C -b "$BS" -t dlq.readmodel -o beginning -e -q -f '%h\n' >"$TMP/dlq.txt"; }
letters
[[ $(wc -l <"$TMP/dlq.txt") == 2 ]] || fail "dlq.readmodel holds $(wc -l <"$TMP/dlq.txt") letters, want 2: $(cat "$TMP/dlq.txt")"
grep -q "hub.reason=before_start,hub.detail=follow-up: review_date 2026-02-20 is before start_date 2026-03-02 of placement $P1" "$TMP/dlq.txt" ||
    fail "no before_start letter: $(cat "$TMP/dlq.txt")"
grep -q 'hub.reason=owner,' "$TMP/dlq.txt" || fail "no owner letter: $(cat "$TMP/dlq.txt")"

# Published again: nothing changes, the same two are dead-lettered again.
publish "$TMP/hub.conf" "$TMP/events.jsonl"
catch_up "$TMP/hub.conf" 60
letters
[[ $(grep -c 'hub.reason=before_start' "$TMP/dlq.txt") == 2 ]] || fail "after publishing again: $(cat "$TMP/dlq.txt")"
[[ $(rows) == "$want" ]] || fail "after publishing again: $(rows), want $want"
[[ $(psql_hub -c "select count(*) from hub.processed_events") == 5 ]] ||
    fail "processed events: $(psql_hub -c "select count(*) from hub.processed_events"), want 5"

# A follow-up that arrives before its placement is kept (pending); when the placement comes and
# started after the review, the follow-up is left out of the reports (before_start).
follow_up 08 "$A" "$P3" 2026-10-01 2026-10-02T10:00:00+02:00 farsta reached >"$TMP/early.jsonl"
publish "$TMP/hub.conf" "$TMP/early.jsonl"
catch_up "$TMP/hub.conf" 60
[[ $(psql_hub -c "select why from hub.follow_ups_unmatched where placement_id = '$P3'") == pending ]] ||
    fail "a follow-up before its placement is not pending"
placement 09 "$P3" 2026-11-02 >"$TMP/p3.jsonl"
publish "$TMP/hub.conf" "$TMP/p3.jsonl"
catch_up "$TMP/hub.conf" 60
[[ $(psql_hub -c "select why from hub.follow_ups_unmatched where placement_id = '$P3'") == before_start ]] ||
    fail "a follow-up reviewed before its placement started is not left out"
# Many follow-ups (second reviews, corrections, older reviews reported late) in one stream: the
# rows kept are exactly the newest review per placement, as the input says (computed in Python).
gen_events --children 300 --seed 5 --follow-ups >"$TMP/many.jsonl"
publish "$TMP/hub.conf" "$TMP/many.jsonl"
catch_up "$TMP/hub.conf" 120
"$HUB_PY" - "$TMP/many.jsonl" >"$TMP/want.txt" <<'PY'
import json, sys
best = {}
for e in map(json.loads, open(sys.argv[1], encoding="utf-8")):
    if e["type"] == "follow_up":
        key, rank = e["placement_id"], (e["review_date"], e["occurred_at"])
        if key not in best or rank > best[key][0]:
            best[key] = (rank, e["event_id"])
print("\n".join(sorted(v[1] for v in best.values())))
PY
# the generator's reviews are all in March (2026T1), which nothing above touches
psql_hub -c "select event_id from hub.follow_ups where tertial = '2026T1' order by 1" >"$TMP/got.txt"
diff -u "$TMP/want.txt" "$TMP/got.txt" >"$TMP/diff" || fail "kept follow-ups differ from the newest reviews of the input: $(head -n 10 "$TMP/diff")"
pass "newest review per placement and tertial kept once ($(wc -l <"$TMP/want.txt") placements of the generator too); before_start and owner dead-lettered"
