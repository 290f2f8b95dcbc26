#!/usr/bin/env bash
# Least privilege in PostgreSQL: report_reader cannot select from any table or view that holds a
# pseudonym (the permission error is asserted) and reads only the published figures; writer roles
# reach only their own tables; hub-readmodel runs as a login that has nothing but its writer role.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_pg
need_cmd kcat
new_db
start_broker
write_conf "$TMP/hub.conf"
migrate_db "$TMP/hub.conf"

as_role() { # ROLE SQL: runs SQL with the role's privileges; prints psql's stderr on failure
    psql -X -q -At -v ON_ERROR_STOP=1 -c "SET ROLE $1" -c "$2" 2>&1
}
denied() { # ROLE RELATION
    local out
    out=$(as_role "$1" "select 1 from $2 limit 1") && fail "$1 may read $2"
    grep -q "permission denied for" <<<"$out" || fail "$1 on $2: not a permission error: $out"
}

# Every relation in schema hub with a child pseudonym column is closed to report_reader.
child_relations=$(psql_hub -c "select table_schema || '.' || table_name from information_schema.columns
                                 where table_schema = 'hub' and column_name = 'child'")
[[ -n $child_relations ]] || fail "found no relation with a child column"
for rel in $child_relations; do denied report_reader "$rel"; done
for rel in hub.processed_events hub.consumer_offsets hub.disclosure_log hub.schools hub.stats_published; do
    denied report_reader "$rel"
done
as_role report_reader "select count(*) from hub.report_published" >/dev/null ||
    fail "report_reader cannot read hub.report_published"
[[ -z $(psql_hub -c "select column_name from information_schema.columns where table_schema = 'hub'
                       and table_name = 'report_published' and column_name in ('child', 'placement_id')") ]] ||
    fail "hub.report_published carries per-child columns"

# Writers reach their own tables only.
denied hub_readmodel_writer hub.disclosure_log
denied hub_readmodel_writer hub.notifier_outbox
denied hub_notifier_writer hub.placements
denied hub_stats_writer hub.notifier_outbox
as_role hub_notifier_writer "update hub.disclosure_log set at_ms = 0" >/dev/null &&
    fail "hub_notifier_writer may change the disclosure log"

# hub-readmodel works with nothing but hub_readmodel_writer.
psql_hub -c "drop role if exists rm_login_$$; create role rm_login_$$ login in role hub_readmodel_writer" >/dev/null
at_exit "psql -X -q -d '${HUB_TEST_PGDATABASE:-hub}' -c 'drop role if exists rm_login_$$' >/dev/null 2>&1"
write_conf "$TMP/rm.conf" "pg.user=rm_login_$$"
publish "$TMP/rm.conf" "$HUB_SOURCE_DIR/tests/integration/data/readmodel_phase2.jsonl"
catch_up "$TMP/rm.conf" 120
[[ $(psql_hub -c "select count(*) from hub.placements") == 4 ]] || fail "hub-readmodel as its writer role wrote no placements"

# Issue 14: each program's role touches only its own offsets. The attack: the notifier's role
# rewinds (or deletes, or plants) the read model's offsets. Row-level security leaves them as they are.
before=$(psql_hub -c "select topic, partition, next_offset from hub.consumer_offsets
                       where group_id = 'hub-readmodel' order by 1, 2")
[[ -n $before ]] || fail "hub-readmodel stored no offsets"
out=$(as_role hub_notifier_writer "update hub.consumer_offsets set next_offset = 0
                                    where group_id = 'hub-readmodel'") || fail "update: $out"
out=$(as_role hub_notifier_writer "delete from hub.consumer_offsets where group_id = 'hub-readmodel'") ||
    fail "delete: $out"
[[ $(as_role hub_notifier_writer "select count(*) from hub.consumer_offsets where group_id = 'hub-readmodel'") == 0 ]] ||
    fail "hub_notifier_writer sees hub-readmodel's offsets"
out=$(as_role hub_notifier_writer "insert into hub.consumer_offsets (writer, group_id, topic, partition, next_offset)
                                    values ('hub_readmodel_writer', 'hub-readmodel', 'placement-events', 99, 0)") &&
    fail "hub_notifier_writer planted an offset row of hub_readmodel_writer"
grep -q "row-level security" <<<"$out" || fail "planting a row: not a row-level security error: $out"
after=$(psql_hub -c "select topic, partition, next_offset from hub.consumer_offsets
                      where group_id = 'hub-readmodel' order by 1, 2")
[[ $before == "$after" ]] || fail "the notifier's role changed hub-readmodel's offsets"
[[ $(psql_hub -c "select distinct writer from hub.consumer_offsets where group_id = 'hub-readmodel'") == hub_readmodel_writer ]] ||
    fail "hub-readmodel's offsets are not hub_readmodel_writer's"
# The notifier's own offsets stay its own: a row it writes is invisible to the read model's role.
as_role hub_notifier_writer "insert into hub.consumer_offsets (group_id, topic, partition, next_offset)
                              values ('hub-readmodel', 'placement-events', 0, 0)" >/dev/null ||
    fail "hub_notifier_writer cannot write an offset row of its own"
[[ $(as_role hub_readmodel_writer "select count(*) from hub.consumer_offsets where writer <> 'hub_readmodel_writer'") == 0 ]] ||
    fail "hub_readmodel_writer sees another writer's offsets"
catch_up "$TMP/rm.conf" 60
[[ $(psql_hub -c "select count(*) from hub.placements") == 4 ]] || fail "hub-readmodel after the planted row: placements changed"
pass "report_reader sees no pseudonym; writers stay in their tables and their own offsets"
