#!/usr/bin/env bash
# The README's first command end to end with a fixed seed: deploy/run.sh publishes a month of
# demo data; what the hub holds equals what the input says (recomputed independently, in
# Python, from the JSON lines); no personnummer appears in any topic, the database or a log.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_cmd kcat psql pg_dump
export HUB_STATE_DIR=$TMP/state
at_exit "bash '$HUB_SOURCE_DIR/deploy/run.sh' down >/dev/null 2>&1"
bash "$HUB_SOURCE_DIR/deploy/run.sh" --month 2026-03 --seed 7 --children-per-district 30 \
    --keep-running >"$TMP/run.out" 2>"$TMP/run.err" ||
    fail "deploy/run.sh failed: $(tail -n 10 "$TMP/run.err")"
grep -q "The hub now holds 2026-03" "$TMP/run.out" || fail "no summary: $(cat "$TMP/run.out")"
EVENTS=$HUB_STATE_DIR/demo/events-2026-03.jsonl
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

# 2. No personnummer in clear: topics, database, logs.
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
for where in "$TMP/topics.bin" "$TMP/db.sql" "$HUB_STATE_DIR"/logs/* "$TMP/run.out" "$TMP/run.err"; do
    if grep -a -F -f "$TMP/numbers" "$where" >/dev/null; then
        fail "a personnummer appears in clear in $where"
    fi
done
pass "$(wc -l <"$TMP/expected") districts match the input; no personnummer in topics, database or logs"
