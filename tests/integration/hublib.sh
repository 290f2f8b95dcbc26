# shellcheck shell=bash
# hublib.sh — hub-specific helpers for integration tests, on top of lib.sh (source lib.sh first).
#
#   new_db                  create a private database for this test (dropped on exit), migrate it,
#                           and export PGDATABASE; needs need_pg first
#   write_conf FILE [K=V..] write a hub config for the running broker and the test database, with
#                           a fresh 0600 pseudonym key ($TMP/pseudonym.key), every district's
#                           signing key (dev_keys: hub.signing.key_dir + hub.signing.keys_file,
#                           so hub-publish signs each event with its district's key) and extra
#                           keys (a later line wins, e.g. hub.signing.key_dir=)
#   gen_events ARGS..       tests/integration/gen_events.py (synthetic events as JSON lines)
#   dump_readmodel          the read model's content, sorted, without arrival-dependent columns
#   start_readmodel CONF N  start hub-readmodel #N in the background ($TMP/rm.N.log); pid in RM_PID[N]
#   kill_readmodel N [SIG]  signal it (default TERM) and wait
#   wait_idle_readmodel CONF SECS  run hub-readmodel until idle for 3 s (at most SECS seconds)

HUB_PY=/usr/bin/python3
declare -A RM_PID=()

# Consumers started in the background die with the test, whether it passes or fails.
_kill_all_readmodels() {
    local n
    for n in "${!RM_PID[@]}"; do kill -KILL "${RM_PID[$n]}" 2>/dev/null || true; done
}
at_exit _kill_all_readmodels

new_db() {
    local db
    db="hub_t_$(echo "$HUB_TEST_NAME" | tr -c 'a-z0-9\n' '_')_$$"
    psql -X -q -v ON_ERROR_STOP=1 -d "${HUB_TEST_PGDATABASE:-hub}" -c "create database $db" ||
        fail "cannot create database $db"
    at_exit "psql -X -q -d '${HUB_TEST_PGDATABASE:-hub}' -c 'drop database if exists $db with (force)' >/dev/null 2>&1"
    export PGDATABASE=$db
}

write_conf() {
    local file=$1
    shift
    if [[ ! -f $TMP/pseudonym.key ]]; then
        head -c 32 /dev/urandom >"$TMP/pseudonym.key"
        chmod 600 "$TMP/pseudonym.key"
    fi
    dev_keys
    {
        echo "hub.bootstrap_file=${HUB_BROKER_BOOTSTRAP_FILE:-$TMP/bootstrap}"
        echo "hub.pseudonym.key_file=$TMP/pseudonym.key"
        echo "pg.host=$PGHOST"
        echo "pg.port=$PGPORT"
        echo "pg.dbname=$PGDATABASE"
        echo "pg.user=$PGUSER"
        echo "kafka.session.timeout.ms=6000"
        echo "kafka.heartbeat.interval.ms=500"
        echo "hub.consumer.retry_max_ms=1000"
        echo "hub.signing.key_dir=$HUB_DEV_KEY_DIR"
        echo "hub.signing.keys_file=$HUB_DEV_KEYS_FILE"
        local kv
        for kv in "$@"; do echo "$kv"; done
    } >"$file"
    # the broker address comes from the file, not the environment
    unset HUB_KAFKA_BOOTSTRAP_SERVERS
}

migrate_db() {
    "$HUB_BUILD_DIR/deploy/hubctl" migrate --config "$1" >/dev/null 2>"$TMP/migrate.log" ||
        fail "hubctl migrate failed: $(cat "$TMP/migrate.log")"
}

gen_events() {
    "$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/gen_events.py" "$@"
}

publish() {
    local conf=$1
    shift
    "$HUB_BUILD_DIR/producers/hub-publish" --config "$conf" "$@" 2>"$TMP/publish.log" ||
        fail "hub-publish failed ($?): $(tail -n 5 "$TMP/publish.log")"
}

# Sorted content of every read-model table; columns that depend on when or where a row arrived
# (offsets, partitions, wall-clock times) are left out so two correct runs compare equal.
dump_readmodel() {
    psql_hub <<'SQL'
select 'placement', placement_id, child, district, age_group, legal_sex, action, legal_basis,
       placement_form, start_date, end_date, school_change, placement_municipality,
       last_event_id, last_occurred_at
  from hub.placements order by placement_id;
select 'school_start', event_id, placement_id, child, district, school_unit, school_form,
       start_date, occurred_at from hub.school_starts order by event_id;
select 'handover', handover_id, placement_id, child, district, receiving_school_unit,
       sending_school_unit, planned_start_date, legal_ground, contact_name, contact_email,
       last_event_id from hub.handovers order by handover_id;
select 'contact_change', event_id, old_contact_name, new_contact_name, school_units, placements,
       effective_date from hub.contact_changes order by event_id;
select 'days', placement_id, days_to_school_start from hub.placement_first_school_start
 order by placement_id;
select 'follow_up', placement_id, tertial, district, child, legal_sex, review_date, school_form,
       grade_year, attendance, knowledge_goals, upper_secondary_eligible, on_track_for_diploma,
       event_id, occurred_at
  from hub.follow_ups order by placement_id, tertial, district;
select 'processed', count(*) from hub.processed_events;
SQL
}

start_readmodel() {
    local conf=$1 n=$2
    shift 2
    "$HUB_BUILD_DIR/consumers/hub-readmodel" --config "$conf" "$@" >>"$TMP/rm.$n.log" 2>&1 &
    RM_PID[$n]=$!
}

kill_readmodel() {
    local n=$1 sig=${2:-TERM} pid=${RM_PID[$1]:-}
    [[ -n $pid ]] || return 0
    kill -"$sig" "$pid" 2>/dev/null || true
    local rc=0
    wait "$pid" || rc=$?
    unset "RM_PID[$n]"
    return "$rc"
}

# Runs hub-readmodel in the foreground until it has had nothing to do for 3 s.
catch_up() {
    local conf=$1 secs=${2:-120} rc=0
    shift 2 || true
    timeout "$secs" "$HUB_BUILD_DIR/consumers/hub-readmodel" --config "$conf" \
        --exit-when-idle 3000 "$@" >>"$TMP/catchup.log" 2>&1 || rc=$?
    ((rc == 0)) || fail "hub-readmodel did not catch up (exit $rc): $(tail -n 5 "$TMP/catchup.log")"
}

# Creates a second database named $1 (dropped on exit) and migrates it with config $2.
new_named_db() {
    local db=$1
    psql -X -q -v ON_ERROR_STOP=1 -d "${HUB_TEST_PGDATABASE:-hub}" -c "create database $db" ||
        fail "cannot create database $db"
    at_exit "psql -X -q -d '${HUB_TEST_PGDATABASE:-hub}' -c 'drop database if exists $db with (force)' >/dev/null 2>&1"
}

# Number of events in a JSON-lines file (distinct event ids).
count_events() {
    grep -o '"event_id": *"[^"]*"' "$@" | sort -u | wc -l
}

# Waits until the read model has processed $1 event ids (at most $2 seconds).
wait_processed() {
    local want=$1 secs=$2 got=0 i
    for ((i = 0; i < secs * 4; i++)); do
        got=$(psql_hub -c "select count(*) from hub.processed_events" 2>/dev/null || echo 0)
        ((got >= want)) && return 0
        sleep 0.25
    done
    fail "read model processed $got of $want events within ${secs}s"
}
