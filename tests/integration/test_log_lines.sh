#!/usr/bin/env bash
# Log lines parse back, whatever the values hold: hub-readmodel with PostgreSQL unreachable
# through a socket directory whose name holds quotes, '=', a space and a personnummer-like run
# writes its error in JSON (HUB_LOG_FORMAT=json) and in logfmt; every line is read back by an
# independent parser, the error value comes back whole, and the personnummer does not.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_cmd python3

sock="$TMP/no \"such\" dir=x 200001012384"
mkdir -p "$sock"
head -c 32 /dev/urandom >"$TMP/pseudonym.key"
chmod 600 "$TMP/pseudonym.key"
cat >"$TMP/hub.conf" <<CONF
kafka.bootstrap.servers=127.0.0.1:1
hub.pseudonym.key_file=$TMP/pseudonym.key
hub.signing.required=false
pg.host=$sock
pg.dbname=hub
pg.connect_timeout=2
CONF

for format in json logfmt; do
    rc=0
    # hub-readmodel waits for a database that is unreachable at start (README "Starting before
    # the database"), logging the error on each attempt; SIGTERM after a few attempts ends it
    # with exit 1 ("stopped while waiting for the database").
    # --foreground: without it timeout follows its SIGTERM with SIGCONT to the process (and its
    # group). Under ASan the process stops within a millisecond or two and LeakSanitizer's exit
    # check ptrace-attaches to it; a SIGCONT landing between PTRACE_ATTACH and the tracee taking
    # the attach's SIGSTOP discards that SIGSTOP (kernel rule), the tracer waits for it forever and
    # the process never exits (21 of 300 runs under CPU load; 0 of 300 with --foreground).
    # A process that does not end within 20 s of the SIGTERM is still killed (exit 137) and named.
    HUB_LOG_FORMAT=$format timeout --foreground --preserve-status -s TERM -k 20 4 \
        "$HUB_BUILD_DIR/consumers/hub-readmodel" --config "$TMP/hub.conf" 2>"$TMP/$format.log" || rc=$?
    [[ $rc != 137 ]] || fail "$format: hub-readmodel did not stop within 20 s of SIGTERM: $(tail -n 3 "$TMP/$format.log")"
    [[ $rc == 1 ]] || fail "$format: hub-readmodel exited $rc, want 1: $(tail -n 3 "$TMP/$format.log")"
    grep -q 'database unreachable at start' "$TMP/$format.log" || fail "$format: no waiting line"
    ! grep -q 200001012384 "$TMP/$format.log" || fail "$format: a personnummer-like run left the process"
    python3 - "$format" "$TMP/$format.log" "$sock" <<'PY' || fail "$format: a line does not parse back"
import json, sys

fmt, path, sock = sys.argv[1], sys.argv[2], sys.argv[3]

def logfmt(line):
    """Strict logfmt: key=value separated by single spaces; bare values have no space, quote,
    '=' or control character; quoted values know \\" \\\\ \\n \\r \\t and \\u00XX."""
    out, i, n = {}, 0, len(line)
    while i < n:
        j = i
        while j < n and line[j] not in ' ="' and ord(line[j]) > 32:
            j += 1
        if j == i or j >= n or line[j] != '=':
            raise ValueError(f"no key at {i}: {line[i:i+20]!r}")
        key, i = line[i:j], j + 1
        if i < n and line[i] == '"':
            i += 1
            val = []
            while True:
                if i >= n:
                    raise ValueError("unterminated quote")
                c = line[i]
                if c == '"':
                    i += 1
                    break
                if ord(c) < 32:
                    raise ValueError("control character in a quoted value")
                if c == '\\':
                    e = line[i + 1]
                    if e == 'u' and line[i + 2:i + 4] == '00':
                        val.append(chr(int(line[i + 4:i + 6], 16)))
                        i += 6
                        continue
                    val.append({'"': '"', '\\': '\\', 'n': '\n', 'r': '\r', 't': '\t'}[e])
                    i += 2
                    continue
                val.append(c)
                i += 1
            value = ''.join(val)
        else:
            j = i
            while j < n and line[j] != ' ':
                if line[j] in '"=' or ord(line[j]) < 32:
                    raise ValueError(f"bad character in a bare value at {j}")
                j += 1
            value, i = line[i:j], j
        if key in out:
            raise ValueError(f"key {key} twice")
        out[key] = value
        if i < n:
            if line[i] != ' ' or i + 1 >= n:
                raise ValueError(f"no separator at {i}")
            i += 1
    return out

records = []
with open(path, encoding='utf-8') as f:
    for raw in f:
        line = raw.rstrip('\n')
        records.append(json.loads(line) if fmt == 'json' else logfmt(line))
# the connect error is in each "waiting" warning, the stop in the final error
errors = [r for r in records if r.get('level') in ('error', 'warn')]
assert errors, 'no error or warning record'
want = sock.replace('200001012384', '[redacted]**')
assert any(want in r.get('error', '') for r in errors), f'the socket path is not in the error: {errors}'
for r in records:
    for k in ('ts', 'level', 'prog', 'msg'):
        assert k in r, f'{k} missing in {r}'
PY
done
pass
