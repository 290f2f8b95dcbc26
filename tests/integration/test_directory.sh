#!/usr/bin/env bash
# test_directory.sh — the school directory and sealed handover content, end to end.
#
# `hubctl schools import` of the demo directory (with keys from `hubctl schools keygen` on some
# rows): the table holds every school, friskolor and other municipalities included, and the
# compacted topic `school-directory` one message per school; importing the same file again
# touches no row and publishes nothing; an invalid file changes nothing; a school left out is
# marked removed and gets a tombstone. Every message is read back without the hub's C code
# (directory_check.py): signed with the hub's key (a tombstone too), its value the Avro record of
# schemas/school_directory (no webhook URL, no e-mail), which consumers/examples/read_topic.py
# decodes as well; a value forged by whoever lacks the hub's key (unsigned, signed by a district,
# or carrying the hub's signature of another value) fails that verification. Then hub-publish
# seals a handover's content for its receiving school (directory from hub.schools.file, and from
# PostgreSQL): the raw message on
# `handover-events` holds no plaintext, avro_tool decodes it, and both `hub-open` and an
# independent implementation (seal_interop.py, python3-cryptography) open the sealed content to
# exactly the published content — with the school's key only, and for that handover only.
# Handovers to a school without a key, an unknown or a removed school publish nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_pg
need_cmd kcat base64
[[ -x $HUB_PY ]] || skip "$HUB_PY is not installed"
"$HUB_PY" -c 'import cryptography.hazmat.primitives.ciphers.aead' 2>/dev/null ||
    skip "python3-cryptography is not installed"
"$HUB_PY" -c 'import avro.io, confluent_kafka' 2>/dev/null ||
    skip "python3-avro or python3-confluent-kafka is not installed (run deploy/setup.sh)"

HUBCTL=$HUB_BUILD_DIR/deploy/hubctl
OPEN=$HUB_BUILD_DIR/consumers/hub-open
AVRO=$HUB_BUILD_DIR/tests/tools/avro_tool
INTEROP=$HUB_SOURCE_DIR/tests/integration/seal_interop.py
CHECK=$HUB_SOURCE_DIR/tests/integration/directory_check.py
SIGN_TOOL=$HUB_SOURCE_DIR/tests/integration/sign_tool.py
SCHEMA=$HUB_SOURCE_DIR/schemas/school_directory/v1.avsc
for b in "$HUBCTL" "$OPEN" "$AVRO" "$HUB_BUILD_DIR/producers/hub-publish"; do
    [[ -x $b ]] || fail "$b is not built"
done

new_db
start_broker
write_conf "$TMP/hub.conf"
migrate_db "$TMP/hub.conf"
BOOT=$(<"$HUB_BROKER_BOOTSTRAP_FILE")

expect() { # SQL expected-output
    local got
    got=$(psql_hub -F'|' -c "$1")
    [[ $got == "$2" ]] || fail "query: $1
  expected: $2
  got:      $got"
}

# Messages on a topic: the sum of its partitions' high watermarks (the dev broker keeps all).
topic_count() {
    local parts i args=() sum=0 off
    parts=$(kcat -b "$BOOT" -L -t "$1" -m 10 2>"$TMP/kcat.err" |
        sed -n 's/^ *topic "[^"]*" with \([0-9]*\) partitions:.*/\1/p')
    [[ -n $parts ]] || fail "kcat -L $1 failed: $(cat "$TMP/kcat.err")"
    for ((i = 0; i < parts; i++)); do args+=(-t "$1:$i:-1"); done
    kcat -b "$BOOT" -Q -m 10 "${args[@]}" >"$TMP/watermarks" 2>"$TMP/kcat.err" ||
        fail "kcat -Q $1 failed: $(cat "$TMP/kcat.err")"
    while read -r off; do sum=$((sum + off)); done < <(sed -n 's/.* offset \([0-9]*\)$/\1/p' "$TMP/watermarks")
    (($(grep -c ' offset ' "$TMP/watermarks") == parts)) || fail "kcat -Q $1: not every partition answered"
    echo "$sum"
}
# Every message of a topic as "KEY VALUE" lines (FORMAT to override), NULL for a tombstone's
# value; read again until kcat -e has seen them all.
topic_dump() { # TOPIC [FORMAT]
    local want i
    want=$(topic_count "$1")
    for ((i = 0; i < 20; i++)); do
        timeout 30 kcat -b "$BOOT" -C -t "$1" -e -q -Z -f "${2:-%k %s\n}" >"$TMP/dump" 2>"$TMP/kcat.err" ||
            fail "kcat could not read $1: $(cat "$TMP/kcat.err")"
        if (($(wc -l <"$TMP/dump") == want)); then
            cat "$TMP/dump"
            return 0
        fi
        sleep 0.5
    done
    fail "kcat read $(wc -l <"$TMP/dump") of the $want messages on $1"
}

# Every message of school-directory verified and decoded independently (directory_check.py): a
# line per message, "ok KEY JSON|NULL" or "bad KEY REASON"; fails unless one line per message.
dir_read() {
    local want i
    want=$(topic_count school-directory)
    for ((i = 0; i < 20; i++)); do
        local drc=0
        "$HUB_PY" "$CHECK" read "$BOOT" school-directory "$HUB_DEV_KEYS_FILE" "$SCHEMA" \
            >"$TMP/dirread" 2>"$TMP/dirread.err" || drc=$?
        ((drc <= 1)) || fail "directory_check.py read failed: $(cat "$TMP/dirread.err")"
        if (($(wc -l <"$TMP/dirread") == want)); then
            cat "$TMP/dirread"
            return "$drc"
        fi
        sleep 0.5
    done
    fail "directory_check.py read $(wc -l <"$TMP/dirread") of the $want messages"
}

import() { # CSV, output in $TMP/import.{out,err}, exit code in $rc
    rc=0
    "$HUBCTL" schools import --config "$TMP/hub.conf" "$@" >"$TMP/import.out" 2>"$TMP/import.err" ||
        rc=$?
}

# ---- the demo directory and events, keys for three schools ----
"$HUBCTL" demo-data --seed 1 --month 2026-03 --with-content --schools-csv "$TMP/demo.csv" \
    -o "$TMP/events.jsonl" 2>/dev/null || fail "hubctl demo-data failed"
N=$(($(wc -l <"$TMP/demo.csv") - 1))
# The first handover with content; R is its receiving school.
grep -m1 '"type":"handover".*"content":' "$TMP/events.jsonl" >"$TMP/handover.jsonl" ||
    fail "no handover with content in the demo events"
field() { "$HUB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
R=$(field "$TMP/handover.jsonl" receiving_school_unit)
SENDING=$("$HUB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("sending_school_unit",""))' "$TMP/handover.jsonl")
# Two more schools with keys (S2 a friskola), one without (NOKEY), one to remove (GONE).
read -r S2 NOKEY GONE < <("$HUB_PY" - "$TMP/demo.csv" "$R" "$SENDING" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
taken = {sys.argv[2], sys.argv[3]}
fri = [r["skolenhetskod"] for r in rows if r["huvudman_type"] == "fristående" and r["skolenhetskod"] not in taken]
rest = [r["skolenhetskod"] for r in rows if r["skolenhetskod"] not in taken and r["skolenhetskod"] != fri[0]]
print(fri[0], rest[0], rest[1])
PY
)
[[ -n $GONE ]] || fail "could not pick schools from the demo directory"
for s in "$R" "$S2"; do
    "$HUBCTL" schools keygen --out-private "$TMP/$s.pem" --out-public "$TMP/$s.pub" \
        >"$TMP/$s.stdout" 2>"$TMP/keygen.err" || fail "keygen failed: $(cat "$TMP/keygen.err")"
    [[ $(stat -c %a "$TMP/$s.pem") == 600 ]] || fail "private key $s.pem is not mode 0600"
    [[ $(<"$TMP/$s.stdout") == "$(<"$TMP/$s.pub")" ]] || fail "keygen: stdout is not the public key"
    [[ $(wc -c <"$TMP/$s.pub") == 45 ]] || fail "keygen: public key is not 44 base64 characters"
done
"$HUBCTL" schools keygen --out-private "$TMP/$R.pem" --out-public "$TMP/again.pub" \
    >/dev/null 2>&1 && fail "keygen overwrote a private key"
[[ ! -e $TMP/again.pub ]] || fail "keygen left a public key behind after refusing"
printf 'signing secret\n' >"$TMP/$S2.secret"
chmod 600 "$TMP/$S2.secret"

# Sets public_key (and, for S2, a webhook) on rows of a CSV; drops the units given with -UNIT.
edit_csv() { # IN OUT [UNIT=KEYFILE | -UNIT | UNIT:name=NEW]...
    "$HUB_PY" - "$@" <<'PY'
import csv, sys
src, dst, edits = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = list(csv.DictReader(open(src, encoding="utf-8")))
fields = "skolenhetskod,name,huvudman_type,kommunkod,webhook_url,public_key,signing_secret_ref,email".split(",")
drop = {e[1:] for e in edits if e.startswith("-")}
for e in edits:
    if "=" in e and ":" not in e:
        unit, keyfile = e.split("=", 1)
        for r in rows:
            if r["skolenhetskod"] == unit:
                r["public_key"] = open(keyfile).read().strip()
    elif ":" in e:
        unit, kv = e.split(":", 1)
        k, v = kv.split("=", 1)
        for r in rows:
            if r["skolenhetskod"] == unit:
                r[k] = v
with open(dst, "w", encoding="utf-8", newline="") as f:
    w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(r for r in rows if r["skolenhetskod"] not in drop)
PY
}
edit_csv "$TMP/demo.csv" "$TMP/schools.csv" "$R=$TMP/$R.pub" "$S2=$TMP/$S2.pub" \
    "$S2:webhook_url=https://$S2.example.se/sams" "$S2:signing_secret_ref=$TMP/$S2.secret"

# ---- import ----
import "$TMP/schools.csv"
((rc == 0)) || fail "import failed ($rc): $(cat "$TMP/import.err")"
grep -qF "$N schools: $N added, 0 changed, 0 removed, 0 unchanged; $N messages acknowledged" \
    "$TMP/import.out" || fail "first import: unexpected summary: $(tail -1 "$TMP/import.out")"
expect "select count(*), count(public_key), count(webhook_url), count(removed_at) from hub.schools" \
    "$N|2|1|0"
expect "select public_key from hub.schools where skolenhetskod='$R'" "$(<"$TMP/$R.pub")"
expect "select huvudman_type, signing_secret_ref from hub.schools where skolenhetskod='$S2'" \
    "fristående|$TMP/$S2.secret"
expect "select count(*) > 0 from hub.schools where huvudman_type='fristående'" "t"
expect "select count(*) > 0 from hub.schools where kommunkod <> '0180'" "t"
# the table holds exactly the CSV
"$HUB_PY" - "$TMP/schools.csv" >"$TMP/want.txt" <<'PY'
import csv, sys
for r in sorted(csv.DictReader(open(sys.argv[1], encoding="utf-8")), key=lambda r: r["skolenhetskod"]):
    print("|".join(r[k] for k in "skolenhetskod,name,huvudman_type,kommunkod,webhook_url,public_key,signing_secret_ref,email".split(",")))
PY
psql_hub -F'|' -c "select skolenhetskod, name, huvudman_type, kommunkod, coalesce(webhook_url,''),
    coalesce(public_key,''), coalesce(signing_secret_ref,''), coalesce(email,'')
    from hub.schools order by skolenhetskod collate \"C\"" >"$TMP/got.txt"
diff -u "$TMP/want.txt" "$TMP/got.txt" >&2 || fail "hub.schools differs from the CSV"

[[ $(topic_count school-directory) == "$N" ]] || fail "school-directory: expected $N messages"
dir_read >"$TMP/dir.txt" || fail "school-directory does not verify and decode independently: $(grep '^bad ' "$TMP/dir.txt" | head -3)"
grep "^ok $S2 " "$TMP/dir.txt" | cut -d' ' -f3- >"$TMP/s2.json"
"$HUB_PY" - "$TMP/s2.json" "$S2" "$(<"$TMP/$S2.pub")" <<'PY' || fail "school-directory value of $S2 is wrong: $(cat "$TMP/s2.json")"
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
# the schema's fields only: no webhook URL or e-mail on a topic others read
assert sorted(doc) == ["huvudman_type", "kommunkod", "name", "public_key", "skolenhetskod"], doc
assert doc["skolenhetskod"] == sys.argv[2], doc
assert doc["huvudman_type"] == "fristående" and doc["public_key"] == sys.argv[3], doc
PY
grep -q "^ok $NOKEY .*\"public_key\":null" "$TMP/dir.txt" || fail "$NOKEY: public_key is not null"
! grep -qE 'https://|@' "$TMP/dir.txt" || fail "school-directory publishes a webhook URL or e-mail"
# the consumer example written from schemas/SCHEMAS.md alone decodes the topic too
"$HUB_PY" "$HUB_SOURCE_DIR/consumers/examples/read_topic.py" --bootstrap "$BOOT" \
    --topic school-directory --max "$N" --idle 10 >"$TMP/read.jsonl" 2>"$TMP/read.err" ||
    fail "read_topic.py school-directory: $(cat "$TMP/read.err")"
"$HUB_PY" - "$TMP/read.jsonl" "$N" "$S2" "$(<"$TMP/$S2.pub")" <<'PY' || fail "read_topic.py does not read school-directory: $(head -3 "$TMP/read.jsonl")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(rows) == int(sys.argv[2]), len(rows)
s2 = [r["value"] for r in rows if r["key"] == sys.argv[3]]
assert len(s2) == 1 and s2[0]["public_key"] == sys.argv[4], s2
PY

# ---- the same file again: nothing touched, nothing published ----
before=$(psql_hub -c "select max(updated_at), sum(xmin::text::bigint) from hub.schools")
import "$TMP/schools.csv"
((rc == 0)) || fail "re-import failed ($rc): $(cat "$TMP/import.err")"
grep -qF "$N schools: 0 added, 0 changed, 0 removed, $N unchanged; 0 messages acknowledged" \
    "$TMP/import.out" || fail "re-import: unexpected summary: $(tail -1 "$TMP/import.out")"
[[ $(psql_hub -c "select max(updated_at), sum(xmin::text::bigint) from hub.schools") == "$before" ]] ||
    fail "re-import wrote rows"
[[ $(topic_count school-directory) == "$N" ]] || fail "re-import published messages"

# ---- an invalid file changes nothing ----
edit_csv "$TMP/schools.csv" "$TMP/bad.csv" "-$GONE" "$NOKEY:kommunkod=180"
bad_line=$(($(grep -n "^$NOKEY," "$TMP/bad.csv" | cut -d: -f1)))
import "$TMP/bad.csv"
((rc == 2)) || fail "invalid file: exit $rc, expected 2"
grep -qF "$TMP/bad.csv:$bad_line: kommunkod: '180' is not 4 digits" "$TMP/import.err" ||
    fail "invalid file: no FILE:LINE: column message: $(cat "$TMP/import.err")"
grep -qF "nothing changed" "$TMP/import.err" || fail "invalid file: does not say nothing changed"
[[ $(psql_hub -c "select max(updated_at), sum(xmin::text::bigint) from hub.schools") == "$before" ]] ||
    fail "an invalid file changed hub.schools"
[[ $(topic_count school-directory) == "$N" ]] || fail "an invalid file published messages"

# ---- a school left out is removed (tombstone); a changed name is published ----
edit_csv "$TMP/schools.csv" "$TMP/schools2.csv" "-$GONE" "$NOKEY:name=Nytt namn, med komma"
import "$TMP/schools2.csv" --dry-run
((rc == 0)) || fail "dry run failed ($rc): $(cat "$TMP/import.err")"
grep -qx "removed $GONE" "$TMP/import.out" || fail "dry run does not show the removal"
grep -qF "dry run: nothing changed or published" "$TMP/import.out" || fail "dry run summary"
expect "select count(removed_at) from hub.schools" "0"
import "$TMP/schools2.csv"
((rc == 0)) || fail "import with a removal failed ($rc): $(cat "$TMP/import.err")"
grep -qx "changed $NOKEY" "$TMP/import.out" || fail "the changed school is not reported"
grep -qx "removed $GONE" "$TMP/import.out" || fail "the removed school is not reported"
grep -qF "0 added, 1 changed, 1 removed, $((N - 2)) unchanged; 2 messages acknowledged" \
    "$TMP/import.out" || fail "removal: unexpected summary: $(tail -1 "$TMP/import.out")"
expect "select skolenhetskod from hub.schools where removed_at is not null" "$GONE"
expect "select name from hub.schools where skolenhetskod='$NOKEY'" "Nytt namn, med komma"
dir_read >"$TMP/dir.txt" || fail "after the removal: $(grep '^bad ' "$TMP/dir.txt" | head -3)"
[[ $(wc -l <"$TMP/dir.txt") == $((N + 2)) ]] || fail "expected $((N + 2)) messages after the removal"
[[ $(grep " $GONE " "$TMP/dir.txt" | tail -1) == "ok $GONE NULL" ]] ||
    fail "no signed tombstone for $GONE: $(grep " $GONE " "$TMP/dir.txt")"
grep "^ok $NOKEY " "$TMP/dir.txt" | tail -1 | grep -qF '"name":"Nytt namn, med komma"' ||
    fail "the changed name of $NOKEY was not published"

# ---- hubctl schools list ----
"$HUBCTL" schools list --config "$TMP/hub.conf" >"$TMP/list.txt" 2>"$TMP/list.err" ||
    fail "schools list failed: $(cat "$TMP/list.err")"
grep -q "^$GONE .*removed 20" "$TMP/list.txt" || fail "list: $GONE is not shown as removed"
grep -q "^$R .* yes " "$TMP/list.txt" || fail "list: $R has no key"
grep -qF "$N schools, $((N - 1)) current, 1 removed" "$TMP/list.txt" || fail "list: summary"
"$HUBCTL" schools list --config "$TMP/hub.conf" --csv >"$TMP/export.csv" || fail "list --csv failed"
import "$TMP/export.csv"
((rc == 0)) && grep -qF "0 added, 0 changed, 0 removed, $((N - 1)) unchanged" "$TMP/import.out" ||
    fail "the exported CSV does not import unchanged: $(cat "$TMP/import.out" "$TMP/import.err")"

# --republish (for a new, empty topic): every current school and a tombstone per removed one
before=$(topic_count school-directory)
import "$TMP/schools2.csv" --republish
((rc == 0)) && grep -qF "0 added, 0 changed, 0 removed, $((N - 1)) unchanged; $N messages acknowledged" \
    "$TMP/import.out" || fail "--republish: $(cat "$TMP/import.out" "$TMP/import.err")"
[[ $(topic_count school-directory) == $((before + N)) ]] || fail "--republish: not $N more messages"
dir_read >"$TMP/dir.txt" || fail "--republish: $(grep '^bad ' "$TMP/dir.txt" | head -3)"
[[ $(grep " $GONE " "$TMP/dir.txt" | tail -1) == "ok $GONE NULL" ]] ||
    fail "--republish: no signed tombstone for $GONE"

# ---- forgeries: whoever lacks the hub's key cannot put a school's key on the topic ----
# A value is what anyone can make from the published schema: R with the attacker's public key.
total=$(topic_count school-directory)
"$HUBCTL" schools keygen --out-private "$TMP/evil.key" --out-public "$TMP/evil.pub" >/dev/null \
    2>"$TMP/keygen.err" ||
    fail "keygen failed: $(cat "$TMP/keygen.err")"
grep "^ok $R " "$TMP/dir.txt" | tail -1 | cut -d' ' -f3- |
    "$HUB_PY" -c 'import json, sys; d = json.load(sys.stdin); d["public_key"] = sys.argv[1]; print(json.dumps(d))' \
        "$(<"$TMP/evil.pub")" >"$TMP/forged.json"
"$HUB_PY" "$CHECK" encode "$SCHEMA" "$(<"$TMP/forged.json")" "$TMP/forged.bin" ||
    fail "could not encode the forged value"
# 1. the hub's genuine signature of R's (newest) value, on the forged value
"$HUB_PY" "$CHECK" replay "$BOOT" school-directory "$R" "$TMP/forged.bin" ||
    fail "could not replay the hub's signature"
# 2. unsigned, produced by kcat
kcat -b "$BOOT" -P -t school-directory -k "$R" "$TMP/forged.bin" 2>"$TMP/kcat.err" ||
    fail "kcat could not produce: $(cat "$TMP/kcat.err")"
# 3. signed, but with a district's key, not the hub's
"$HUB_PY" "$SIGN_TOOL" produce "$BOOT" school-directory "$R" "$HUB_DEV_KEY_DIR/farsta-dev.pem" \
    farsta-dev "$TMP/forged.bin" >/dev/null || fail "sign_tool could not produce"
[[ $(topic_count school-directory) == $((total + 3)) ]] || fail "the three forgeries are not on the topic"
dir_read >"$TMP/forged.txt" && fail "forged school-directory messages verify"
grep '^bad ' "$TMP/forged.txt" >"$TMP/forged.tail"
[[ $(wc -l <"$TMP/forged.tail") == 3 ]] || fail "not exactly the 3 forgeries refused: $(cat "$TMP/forged.tail")"
grep -qx "bad $R unsigned (no hub.sig/hub.sig.key)" "$TMP/forged.tail" || fail "the unsigned forgery: $(cat "$TMP/forged.tail")"
grep -qx "bad $R key farsta-dev is district farsta's, not the hub's" "$TMP/forged.tail" ||
    fail "the forgery signed by farsta: $(cat "$TMP/forged.tail")"
grep -qx "bad $R signature by hub-dev does not verify" "$TMP/forged.tail" ||
    fail "the forgery with the hub's signature of another value: $(cat "$TMP/forged.tail")"
! grep -qF "$(<"$TMP/evil.pub")" <(grep '^ok ' "$TMP/forged.txt") || fail "the attacker's key was accepted"

# ---- hub-publish seals the content for R ----
write_conf "$TMP/pub.conf" "hub.schools.file=$TMP/schools2.csv"
publish "$TMP/pub.conf" "$TMP/handover.jsonl"
[[ $(topic_count handover-events) == 1 ]] || fail "expected one handover message"
read -r off part < <(topic_dump handover-events '%o %p\n')
timeout 30 kcat -b "$BOOT" -C -t handover-events -p "$part" -o "$off" -c 1 -e -q -f '%s' \
    >"$TMP/raw.bin" 2>"$TMP/kcat.err" || fail "kcat could not read the handover: $(cat "$TMP/kcat.err")"
[[ -s $TMP/raw.bin ]] || fail "kcat read an empty handover message"
"$HUB_PY" - "$TMP/handover.jsonl" "$TMP/raw.bin" <<'PY' || fail "the raw message holds plaintext of the content"
import json, sys
content = json.load(open(sys.argv[1], encoding="utf-8"))["content"]
raw = open(sys.argv[2], "rb").read()
words = ["needs", "languages", "grade"]
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            words.append(k); walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
    else:
        words.append(str(v))
walk(content)
for w in words:
    if len(w) >= 3 and w.encode() in raw:
        sys.exit("found %r" % w)
PY
"$AVRO" decode "$TMP/raw.bin" >"$TMP/decoded.json" 2>"$TMP/avro.err" ||
    fail "avro_tool decode failed: $(cat "$TMP/avro.err")"
read -r HID PID UNIT < <("$HUB_PY" - "$TMP/decoded.json" "$TMP/sealed.bin" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))["value"]
sc = v["sealed_content"]
if isinstance(sc, dict):  # a union written as {"bytes": ...}
    (sc,) = sc.values()
open(sys.argv[2], "wb").write(sc.encode("latin-1"))
print(v["handover_id"], v["placement_id"], v["receiving_school_unit"])
PY
)
[[ $UNIT == "$R" ]] || fail "decoded receiving school $UNIT, expected $R"
[[ $(head -c1 "$TMP/sealed.bin" | od -An -tu1 | tr -d ' ') == 1 ]] || fail "sealed content is not version 1"

same_content() { # FILE-with-opened-JSON WHAT
    "$HUB_PY" - "$TMP/handover.jsonl" "$1" <<'PY' || fail "$2: opened content differs from the published content"
import json, sys
want = json.load(open(sys.argv[1], encoding="utf-8"))["content"]
got = json.loads(open(sys.argv[2], "rb").read().decode("utf-8"))
assert got == want, (got, want)
PY
}
"$OPEN" --key "$TMP/$R.pem" --handover-id "$HID" --placement-id "$PID" --school-unit "$R" \
    "$TMP/sealed.bin" >"$TMP/opened.json" 2>"$TMP/open.err" ||
    fail "hub-open failed: $(cat "$TMP/open.err")"
same_content "$TMP/opened.json" "hub-open"
base64 "$TMP/sealed.bin" | "$OPEN" --base64 --key "$TMP/$R.pem" --handover-id "$HID" \
    --placement-id "$PID" --school-unit "$R" >"$TMP/opened64.json" 2>"$TMP/open.err" ||
    fail "hub-open --base64 failed: $(cat "$TMP/open.err")"
same_content "$TMP/opened64.json" "hub-open --base64"
AAD=$("$HUB_PY" "$INTEROP" handover-aad "$HID" "$PID" "$R")
"$HUB_PY" "$INTEROP" open --key "$TMP/$R.pem" --aad "$AAD" "$TMP/sealed.bin" >"$TMP/opened.py" ||
    fail "the independent implementation could not open the sealed content"
same_content "$TMP/opened.py" "seal_interop.py"
# The other way round: what the independent implementation seals, hub-open opens.
"$HUB_PY" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["content"]))' \
    "$TMP/handover.jsonl" >"$TMP/content.json"
"$HUB_PY" "$INTEROP" seal --pub "$(<"$TMP/$R.pub")" --aad "$AAD" "$TMP/content.json" >"$TMP/py.sealed"
"$OPEN" --key "$TMP/$R.pem" --handover-id "$HID" --placement-id "$PID" --school-unit "$R" \
    "$TMP/py.sealed" >"$TMP/opened2.json" 2>"$TMP/open.err" ||
    fail "hub-open could not open what seal_interop.py sealed: $(cat "$TMP/open.err")"
same_content "$TMP/opened2.json" "hub-open of python-sealed content"

# What a school's receiver stores — the notification body as received — opens with one command
# (hub-open --delivery); a body whose ids were changed, one addressed elsewhere, one without
# content, duplicate keys or broken JSON do not, each with a one-line reason.
body() { # FILE [HANDOVER_ID] [SEALED_FILE|null] [DUPLICATE]
    "$HUB_PY" - "$@" <<'PY'
import base64, json, sys
out, hid = sys.argv[1], sys.argv[2]
sealed = None if sys.argv[3] == "null" else base64.b64encode(open(sys.argv[3], "rb").read()).decode()
text = json.dumps({"type": "handover.created", "timestamp": "2026-03-02T08:15:00.000Z",
                   "handover_id": hid, "placement_id": sys.argv[5], "district": "farsta",
                   "receiving_school_unit": sys.argv[6], "planned_start_date": "2026-03-09",
                   "legal_ground": "consent_guardian", "contact": {"name": "Kontakt"},
                   "sealed_content": sealed})
if sys.argv[4] == "dup":
    text = text[:-1] + ', "handover_id": "%s"}' % hid
open(out, "w").write(text)
PY
}
body "$TMP/body.json" "$HID" "$TMP/sealed.bin" - "$PID" "$R"
"$OPEN" --key "$TMP/$R.pem" --delivery "$TMP/body.json" >"$TMP/opened_d.json" 2>"$TMP/open.err" ||
    fail "hub-open --delivery failed: $(cat "$TMP/open.err")"
same_content "$TMP/opened_d.json" "hub-open --delivery"
"$OPEN" --key "$TMP/$R.pem" --delivery --school-unit "$R" <"$TMP/body.json" >"$TMP/opened_d2.json" 2>"$TMP/open.err" ||
    fail "hub-open --delivery from stdin failed: $(cat "$TMP/open.err")"
same_content "$TMP/opened_d2.json" "hub-open --delivery (stdin)"
refused() { # WHAT EXPECTED-TEXT ARGS...: exit 2, nothing printed, the reason named
    local what=$1 want=$2 rc=0
    shift 2
    "$OPEN" "$@" >"$TMP/refused.out" 2>"$TMP/refused.err" || rc=$?
    ((rc == 2)) || fail "$what: exit $rc, expected 2 ($(cat "$TMP/refused.err"))"
    [[ ! -s $TMP/refused.out ]] || fail "$what: printed something"
    grep -qF -- "$want" "$TMP/refused.err" || fail "$what: '$(cat "$TMP/refused.err")' does not say '$want'"
    (($(wc -l <"$TMP/refused.err") == 1)) || fail "$what: more than one line: $(cat "$TMP/refused.err")"
}
other_hid=$("$HUB_PY" -c 'import uuid; print(uuid.uuid4())')
body "$TMP/moved.json" "$other_hid" "$TMP/sealed.bin" - "$PID" "$R"
refused "content moved to another handover" "does not authenticate" --key "$TMP/$R.pem" --delivery "$TMP/moved.json"
refused "a body for another school" "addressed to school unit $R, not $S2" --key "$TMP/$R.pem" --delivery --school-unit "$S2" "$TMP/body.json"
body "$TMP/null.json" "$HID" null - "$PID" "$R"
refused "no content" "carries no sealed content" --key "$TMP/$R.pem" --delivery "$TMP/null.json"
body "$TMP/dup.json" "$HID" "$TMP/sealed.bin" dup "$PID" "$R"
refused "duplicate keys" "not JSON" --key "$TMP/$R.pem" --delivery "$TMP/dup.json"
printf '{"type":"handover.created",' >"$TMP/broken.json"
refused "broken JSON" "not JSON (line 1" --key "$TMP/$R.pem" --delivery "$TMP/broken.json"
sed 's/"placement_id": "[^"]*"/"placement_id": "not-a-uuid"/' "$TMP/body.json" >"$TMP/badid.json"
refused "a malformed id" "placement_id: not a canonical uuid" --key "$TMP/$R.pem" --delivery "$TMP/badid.json"
# A stored body one byte over hub-open's input limit (4 x (61 + 1 MiB)) is refused before it is
# read whole; one of exactly the limit is read and judged (here: not JSON).
limit=$((4 * (61 + 1024 * 1024)))
head -c $((limit + 1)) /dev/zero | tr '\0' ' ' >"$TMP/huge.json"
refused "a body one byte over the limit" "too large for sealed content" --key "$TMP/$R.pem" --delivery "$TMP/huge.json"
head -c "$limit" /dev/zero | tr '\0' ' ' >"$TMP/huge.json"
refused "a body of exactly the limit" "not JSON" --key "$TMP/$R.pem" --delivery "$TMP/huge.json"
rc=0
"$OPEN" --key "$TMP/$R.pem" --delivery --handover-id "$HID" "$TMP/body.json" >/dev/null 2>"$TMP/open.err" || rc=$?
((rc == 2)) && head -n 1 "$TMP/open.err" | grep -qF "leave out" || fail "--delivery with ids: exit $rc: $(head -n 1 "$TMP/open.err")"

# Only R's key, and only this handover's ids, open it.
rc=0
"$OPEN" --key "$TMP/$S2.pem" --handover-id "$HID" --placement-id "$PID" --school-unit "$R" \
    "$TMP/sealed.bin" >"$TMP/wrong.out" 2>"$TMP/open.err" || rc=$?
((rc == 2)) || fail "hub-open with another school's key: exit $rc, expected 2"
[[ ! -s $TMP/wrong.out ]] || fail "hub-open printed something with the wrong key"
grep -qF "does not authenticate" "$TMP/open.err" || fail "wrong key: $(cat "$TMP/open.err")"
rc=0
"$OPEN" --key "$TMP/$R.pem" --handover-id "$PID" --placement-id "$HID" --school-unit "$R" \
    "$TMP/sealed.bin" >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "hub-open with swapped ids: exit $rc, expected 2"
head -c 40 "$TMP/sealed.bin" >"$TMP/short.bin"
rc=0
"$OPEN" --key "$TMP/$R.pem" --handover-id "$HID" --placement-id "$PID" --school-unit "$R" \
    "$TMP/short.bin" >/dev/null 2>"$TMP/open.err" || rc=$?
((rc == 2)) && grep -qF "truncated" "$TMP/open.err" || fail "truncated input: exit $rc: $(cat "$TMP/open.err")"
chmod 644 "$TMP/$R.pem"
rc=0
"$OPEN" --key "$TMP/$R.pem" --handover-id "$HID" --placement-id "$PID" --school-unit "$R" \
    "$TMP/sealed.bin" >/dev/null 2>"$TMP/open.err" || rc=$?
((rc == 2)) && grep -qF "readable by group or others" "$TMP/open.err" ||
    fail "a readable private key was used: exit $rc: $(cat "$TMP/open.err")"
chmod 600 "$TMP/$R.pem"

# ---- handovers that cannot be sealed publish nothing ----
variant() { # OUT UNIT: the handover with new ids, sent to UNIT
    "$HUB_PY" - "$TMP/handover.jsonl" "$1" "$2" <<'PY'
import json, sys, uuid
ev = json.load(open(sys.argv[1], encoding="utf-8"))
ev["event_id"] = str(uuid.uuid4()); ev["handover_id"] = str(uuid.uuid4())
ev["receiving_school_unit"] = sys.argv[3]
ev.pop("sending_school_unit", None)
open(sys.argv[2], "w", encoding="utf-8").write(json.dumps(ev, ensure_ascii=False) + "\n")
PY
}
refused() { # CONF UNIT MESSAGE
    variant "$TMP/refused.jsonl" "$2"
    rc=0
    "$HUB_BUILD_DIR/producers/hub-publish" --config "$1" "$TMP/refused.jsonl" >/dev/null \
        2>"$TMP/refused.err" || rc=$?
    ((rc == 2)) || fail "handover to $2: exit $rc, expected 2: $(cat "$TMP/refused.err")"
    grep -F "$TMP/refused.jsonl:1: content: $3" "$TMP/refused.err" | grep -qF "; nothing published" ||
        fail "handover to $2: expected '$3': $(cat "$TMP/refused.err")"
    [[ $(topic_count handover-events) == 1 ]] || fail "handover to $2 was published"
}
refused "$TMP/pub.conf" "$NOKEY" "receiving school $NOKEY has no public key in the directory"
refused "$TMP/pub.conf" 12345678 "receiving school 12345678 is not in the directory"
refused "$TMP/pub.conf" "$GONE" "receiving school $GONE is not in the directory"
# Without hub.schools.file the publisher reads hub.schools, where GONE is marked removed.
write_conf "$TMP/pg.conf"
refused "$TMP/pg.conf" "$GONE" "receiving school $GONE was removed from the directory"
refused "$TMP/pg.conf" "$NOKEY" "receiving school $NOKEY has no public key in the directory"
variant "$TMP/to_s2.jsonl" "$S2"
publish "$TMP/pg.conf" "$TMP/to_s2.jsonl"
[[ $(topic_count handover-events) == 2 ]] || fail "the handover to $S2 (directory from PostgreSQL) was not published"
# S2 opens it with its own key (found by its handover_id among the two messages).
H2=$(field "$TMP/to_s2.jsonl" handover_id)
P2=$(field "$TMP/to_s2.jsonl" placement_id)
opened=0
topic_dump handover-events '%o %p\n' >"$TMP/offsets"
while read -r off part; do
    timeout 30 kcat -b "$BOOT" -C -t handover-events -p "$part" -o "$off" -c 1 -e -q -f '%s' \
        >"$TMP/m.bin" 2>/dev/null || continue
    "$AVRO" decode "$TMP/m.bin" >"$TMP/m.json" 2>/dev/null || continue
    grep -qF "\"$H2\"" "$TMP/m.json" || continue
    "$HUB_PY" -c 'import json,sys; v=json.load(open(sys.argv[1]))["value"]["sealed_content"]; v=list(v.values())[0] if isinstance(v,dict) else v; open(sys.argv[2],"wb").write(v.encode("latin-1"))' \
        "$TMP/m.json" "$TMP/s2.sealed"
    "$OPEN" --key "$TMP/$S2.pem" --handover-id "$H2" --placement-id "$P2" --school-unit "$S2" \
        "$TMP/s2.sealed" >"$TMP/s2.opened" 2>"$TMP/open.err" ||
        fail "$S2 could not open its content: $(cat "$TMP/open.err")"
    same_content "$TMP/s2.opened" "content sealed with the directory from PostgreSQL"
    opened=1
done <"$TMP/offsets"
((opened == 1)) || fail "the handover to $S2 was not found on the topic"

pass "$N schools imported, re-import idempotent, removal tombstoned, content sealed and opened"
