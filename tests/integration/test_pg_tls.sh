#!/usr/bin/env bash
# test_pg_tls.sh — the hub reaches PostgreSQL over TLS with pg.sslmode=verify-full, and refuses a
# server it cannot verify, saying why.
#
# Makes a CA and a server certificate for localhost (SAN DNS:localhost only) with openssl, and an
# unrelated second CA; starts its own throwaway PostgreSQL (deploy/pg.sh makes the cluster, then
# it is restarted listening on 127.0.0.1:<free port> with ssl=on, and pg_hba refusing TCP without
# TLS). Then `hubctl migrate --config` with pg.host=localhost pg.sslmode=verify-full:
#   - pg.sslrootcert = the CA                 → migrates (and the session is TLS: pg_stat_ssl);
#     also as a password role with the password in a pgpass file named by HUB_PG_PASSFILE (how
#     the systemd units pass it), and a wrong one is refused without showing it;
#   - pg.sslrootcert = the other CA           → exit 1, "certificate verify failed";
#   - pg.host=127.0.0.1 (not in the cert)     → exit 1, the certificate does not match the host;
#   - pg.sslrootcert missing                  → exit 1, the root certificate file does not exist;
#   - pg.sslmode=disable                      → exit 1, the server refuses unencrypted TCP.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_cmd openssl psql python3
PGBIN=${HUB_PGBIN:-/usr/lib/postgresql/15/bin}
[[ -x $PGBIN/pg_ctl ]] || skip "$PGBIN/pg_ctl not found (install postgresql-15: deploy/setup.sh)"
HUBCTL=$HUB_BUILD_DIR/deploy/hubctl
[[ -x $HUBCTL ]] || fail "$HUBCTL is not built"

# Nothing from the caller's environment may choose the server for us.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSSLMODE PGSSLROOTCERT PGSERVICE PGSSLCERT PGSSLKEY
while IFS= read -r v; do unset "$v"; done < <(compgen -e | grep '^HUB_PG_' || true)

# --- certificates --------------------------------------------------------------------------------
make_ca() { # NAME
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj "/CN=SAMS hub test CA $1" -keyout "$TMP/$1.key" -out "$TMP/$1.crt" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        >>"$TMP/openssl.log" 2>&1 || fail "openssl: cannot make CA $1: $(tail -n 3 "$TMP/openssl.log")"
}
make_ca ca
make_ca other-ca
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
    -keyout "$TMP/server.key" -out "$TMP/server.csr" >>"$TMP/openssl.log" 2>&1 ||
    fail "openssl: cannot make the server key: $(tail -n 3 "$TMP/openssl.log")"
cat >"$TMP/server.ext" <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost
EXT
openssl x509 -req -in "$TMP/server.csr" -CA "$TMP/ca.crt" -CAkey "$TMP/ca.key" -CAcreateserial \
    -days 2 -extfile "$TMP/server.ext" -out "$TMP/server.crt" >>"$TMP/openssl.log" 2>&1 ||
    fail "openssl: cannot sign the server certificate: $(tail -n 3 "$TMP/openssl.log")"
openssl verify -CAfile "$TMP/ca.crt" "$TMP/server.crt" >/dev/null || fail "the server certificate does not verify"

# --- a throwaway PostgreSQL with TLS on 127.0.0.1 ------------------------------------------------
PG_SH=$HUB_SOURCE_DIR/deploy/pg.sh
bash "$PG_SH" start "$TMP/pg" >"$TMP/pg.log" 2>&1 || fail "deploy/pg.sh start failed: $(tail -n 5 "$TMP/pg.log")"
at_exit 'bash "$PG_SH" destroy "$TMP/pg" >/dev/null 2>&1'
# pg.sh may have moved the cluster (root: somewhere the postgres user can reach); ask it.
STATE=$(bash "$PG_SH" env "$TMP/pg" | sed -n "s/^export PGHOST=//p")
STATE=$(eval "printf '%s' $STATE")
PGUSER_HUB=$(id -un)
bash "$PG_SH" stop "$TMP/pg" >>"$TMP/pg.log" 2>&1 || fail "deploy/pg.sh stop failed"

# PostgreSQL wants its key owned by the account it runs as, mode 0600.
if (($(id -u) == 0)); then OWNER=postgres; else OWNER=$(id -un); fi
as_owner() { if [[ $OWNER != "$(id -un)" ]]; then (cd / && runuser -u "$OWNER" -- "$@"); else "$@"; fi; }
mkdir -p "$STATE/tls"
cp "$TMP/server.crt" "$TMP/server.key" "$STATE/tls/"
chmod 0600 "$STATE/tls/server.key"
chmod 0644 "$STATE/tls/server.crt"
chown -R "$OWNER:" "$STATE/tls"

# TCP only with TLS: the first matching pg_hba line wins. Role hub_pw logs in with a password.
{
    printf 'hostssl   all hub_pw 127.0.0.1/32 scram-sha-256\n'
    printf 'hostssl   all all 127.0.0.1/32 trust\n'
    printf 'hostnossl all all 127.0.0.1/32 reject\n'
    printf 'hostnossl all all ::1/128      reject\n'
    cat "$STATE/data/pg_hba.conf"
} >"$TMP/pg_hba.conf"
cp "$TMP/pg_hba.conf" "$STATE/data/pg_hba.conf"
chown "$OWNER:" "$STATE/data/pg_hba.conf"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
started=0
for attempt in 1 2 3; do
    PORT=$(free_port)
    if as_owner "$PGBIN/pg_ctl" -D "$STATE/data" -l "$STATE/tls-server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c ssl=on -c ssl_cert_file=$STATE/tls/server.crt -c ssl_key_file=$STATE/tls/server.key -c ssl_min_protocol_version=TLSv1.2" \
        start >>"$TMP/pg.log" 2>&1; then
        started=1
        break
    fi
    _hub_log "PostgreSQL did not start on port $PORT (attempt $attempt): $(tail -n 2 "$STATE/tls-server.log" 2>/dev/null)"
done
((started)) || fail "PostgreSQL with TLS did not start: $(tail -n 5 "$STATE/tls-server.log" 2>/dev/null)"
at_exit 'as_owner "$PGBIN/pg_ctl" -D "$STATE/data" -m immediate -w stop >/dev/null 2>&1'
_hub_log "PostgreSQL with TLS on 127.0.0.1:$PORT (cluster $STATE)"
PASSWORD=$(openssl rand -hex 16)
psql -X -q -v ON_ERROR_STOP=1 -h "$STATE" -p "$PORT" -d hub -U "$PGUSER_HUB" -v pw="$PASSWORD" \
    >/dev/null 2>"$TMP/psql.err" <<'SQL' || fail "cannot create role hub_pw: $(cat "$TMP/psql.err")"
CREATE ROLE hub_pw LOGIN SUPERUSER PASSWORD :'pw';
SQL

# --- the hub over TLS ----------------------------------------------------------------------------
# Writes a config for hubctl: the common keys, then the KEY=VALUE arguments.
write_conf() { # FILE KEY=VALUE...
    local f=$1
    shift
    {
        printf 'hub.migrations_dir=%s\n' "$HUB_SOURCE_DIR/deploy/migrations"
        printf 'pg.port=%s\npg.dbname=hub\npg.user=%s\npg.connect_timeout=10\n' "$PORT" "$PGUSER_HUB"
        printf '%s\n' "$@"
    } >"$f"
}
# Runs hubctl migrate with a config; sets RC and OUT.
migrate() { # CONF
    RC=0
    OUT=$("$HUBCTL" migrate --config "$1" 2>&1) || RC=$?
}

write_conf "$TMP/good.conf" pg.host=localhost pg.sslmode=verify-full "pg.sslrootcert=$TMP/ca.crt"
migrate "$TMP/good.conf"
((RC == 0)) || fail "verify-full with the right CA: hubctl migrate exited $RC: $OUT"
[[ $OUT == *"schema version"* ]] || fail "verify-full with the right CA: unexpected output: $OUT"
_hub_log "right CA: ${OUT##*$'\n'}"
# The session really was TLS, with the server certificate checked.
ssl=$(psql -X -At "host=localhost port=$PORT dbname=hub user=$PGUSER_HUB sslmode=verify-full sslrootcert=$TMP/ca.crt" \
    -c "select ssl, version from pg_stat_ssl where pid = pg_backend_pid()" 2>&1) ||
    fail "psql over TLS failed: $ssl"
[[ $ssl == "t|TLSv1."[23] ]] || fail "the session is not TLS 1.2+: $ssl"
again=$("$HUBCTL" migrate --config "$TMP/good.conf" 2>&1) || fail "a second migrate over TLS failed: $again"
[[ $again == "applied 0 migrations;"* ]] || fail "a second migrate applied something: $again"

# The password as the systemd units hand it over: a pgpass file named by HUB_PG_PASSFILE
# (= pg.passfile), never in the config.
(umask 077 && printf 'localhost:%s:hub:hub_pw:%s\n' "$PORT" "$PASSWORD" >"$TMP/pgpass")
write_conf "$TMP/pw.conf" pg.host=localhost pg.sslmode=verify-full "pg.sslrootcert=$TMP/ca.crt"
sed -i "s/^pg.user=.*/pg.user=hub_pw/" "$TMP/pw.conf"
RC=0
OUT=$(HUB_PG_PASSFILE=$TMP/pgpass "$HUBCTL" migrate --config "$TMP/pw.conf" 2>&1) || RC=$?
((RC == 0)) || fail "password from HUB_PG_PASSFILE over verify-full: exited $RC: $OUT"
(umask 077 && printf 'localhost:%s:hub:hub_pw:wrong-%s\n' "$PORT" "$PASSWORD" >"$TMP/pgpass-wrong")
RC=0
OUT=$(HUB_PG_PASSFILE=$TMP/pgpass-wrong "$HUBCTL" migrate --config "$TMP/pw.conf" 2>&1) || RC=$?
((RC == 1)) || fail "a wrong password: expected exit 1, got $RC: $OUT"
[[ $OUT == *'password authentication failed for user "hub_pw"'* ]] || fail "the wrong password is not named: $OUT"
[[ $OUT != *"$PASSWORD"* ]] || fail "the message shows the password"

write_conf "$TMP/wrong-ca.conf" pg.host=localhost pg.sslmode=verify-full "pg.sslrootcert=$TMP/other-ca.crt"
migrate "$TMP/wrong-ca.conf"
((RC == 1)) || fail "verify-full with the wrong CA: expected exit 1, got $RC: $OUT"
[[ $OUT == *"certificate verify failed"* ]] || fail "the wrong CA is not named as the problem: $OUT"
[[ $OUT == *"cannot connect to PostgreSQL (host=localhost port=$PORT"* ]] || fail "the server is not named: $OUT"
_hub_log "wrong CA: $OUT"

write_conf "$TMP/wrong-name.conf" pg.host=127.0.0.1 pg.sslmode=verify-full "pg.sslrootcert=$TMP/ca.crt"
migrate "$TMP/wrong-name.conf"
((RC == 1)) || fail "verify-full with a host name not in the certificate: expected exit 1, got $RC: $OUT"
[[ $OUT == *'does not match host name "127.0.0.1"'* ]] || fail "the name mismatch is not named: $OUT"

write_conf "$TMP/no-ca.conf" pg.host=localhost pg.sslmode=verify-full "pg.sslrootcert=$TMP/missing.crt"
migrate "$TMP/no-ca.conf"
((RC == 1)) || fail "verify-full without the CA file: expected exit 1, got $RC: $OUT"
[[ $OUT == *"root certificate file"*"does not exist"* ]] || fail "the missing CA file is not named: $OUT"

write_conf "$TMP/plain.conf" pg.host=localhost pg.sslmode=disable
migrate "$TMP/plain.conf"
((RC == 1)) || fail "sslmode=disable against a TLS-only server: expected exit 1, got $RC: $OUT"
[[ $OUT == *"no encryption"* ]] || fail "the refusal of unencrypted TCP is not named: $OUT"

pass "verify-full migrates over TLS (trust and password via HUB_PG_PASSFILE); wrong CA, wrong host name, missing CA and no TLS are refused with the reason"
