#!/usr/bin/env bash
# test_hubctl_migrate.sh — `hubctl migrate`: applies, is idempotent, refuses a newer database,
# and keeps its exit codes (0 ok, 1 runtime failure, 2 usage or configuration error).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_pg

HUBCTL=$HUB_BUILD_DIR/deploy/hubctl
[[ -x $HUBCTL ]] || fail "$HUBCTL is not built"

DB=hub_migrate_sh_$$
psql_hub -d "$PGDATABASE" -c "CREATE DATABASE $DB TEMPLATE template0 ENCODING 'UTF8'"
at_exit "psql_hub -d '$PGDATABASE' -c 'DROP DATABASE IF EXISTS $DB WITH (FORCE)'"

cat >"$TMP/hub.conf" <<CONF
pg.host=$PGHOST
pg.port=$PGPORT
pg.user=$PGUSER
pg.dbname=$DB
pg.password=not-echoed-secret
CONF
NFILES=$(find "$HUB_SOURCE_DIR/deploy/migrations" -maxdepth 1 -name '[0-9]*_*.sql' | wc -l)

out=$("$HUBCTL" migrate --config "$TMP/hub.conf" 2>"$TMP/err") || fail "first migrate: $(<"$TMP/err")"
[[ $out == "applied $NFILES migration"*"; schema version "* ]] || fail "first migrate said: $out"

out=$("$HUBCTL" migrate --config "$TMP/hub.conf" 2>"$TMP/err") || fail "second migrate: $(<"$TMP/err")"
[[ $out == "applied 0 migrations; schema version "* ]] || fail "second migrate said: $out"
[[ $(psql_hub -d "$DB" -c "SELECT count(*) FROM hub.schema_migrations") == "$NFILES" ]] ||
    fail "hub.schema_migrations does not hold $NFILES rows"

# A database from a newer build is refused.
psql_hub -d "$DB" -c "INSERT INTO hub.schema_migrations (version, name) VALUES (99999, 'future')"
rc=0
"$HUBCTL" migrate --config "$TMP/hub.conf" >/dev/null 2>"$TMP/err" || rc=$?
((rc == 1)) || fail "newer database: exit $rc, want 1"
grep -q "newer than the newest migration" "$TMP/err" || fail "newer database: $(<"$TMP/err")"
psql_hub -d "$DB" -c "DELETE FROM hub.schema_migrations WHERE version = 99999"

# Usage and configuration errors exit 2; an unreachable server exits 1 without the password.
rc=0
"$HUBCTL" migrate --no-such-option >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "unknown option: exit $rc, want 2"
rc=0
"$HUBCTL" migrate --config "$TMP/missing.conf" >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "missing config: exit $rc, want 2"
rc=0
"$HUBCTL" migrate --config "$TMP/hub.conf" --dir "$TMP" >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "empty migrations dir: exit $rc, want 2"
# A mistyped libpq keyword is a configuration error (2, not restarted), named with its line.
{ cat "$TMP/hub.conf"; echo "pg.dbnam=hub"; } >"$TMP/typo.conf"
rc=0
"$HUBCTL" migrate --config "$TMP/typo.conf" >/dev/null 2>"$TMP/err" || rc=$?
((rc == 2)) || fail "pg.dbnam: exit $rc, want 2"
grep -q "typo.conf:[0-9]*: pg.dbnam: not a libpq connection keyword (did you mean pg.dbname?)" \
    "$TMP/err" || fail "pg.dbnam: $(<"$TMP/err")"
sed "s|^pg.host=.*|pg.host=$TMP/no-server|" "$TMP/hub.conf" >"$TMP/bad.conf"
rc=0
"$HUBCTL" migrate --config "$TMP/bad.conf" >/dev/null 2>"$TMP/err" || rc=$?
((rc == 1)) || fail "unreachable server: exit $rc, want 1"
grep -q "cannot connect to PostgreSQL" "$TMP/err" || fail "unreachable server: $(<"$TMP/err")"
! grep -q "not-echoed-secret" "$TMP/err" || fail "the password was echoed"

pass
