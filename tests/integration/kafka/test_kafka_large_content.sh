#!/usr/bin/env bash
# A handover with content close to the hub's limit (an encoded event at most HUB_EVENT_MAX_BYTES,
# 983,040 bytes, below the producers' message.max.bytes of 1,000,000 and the topics'
# max.message.bytes of 1,048,588; see the README's size table) passes
# the whole way on the real cluster: hub-publish (as district-farsta) seals it for the school and
# gets it acknowledged, hub-readmodel stores the handover, hub-notifier delivers it to the school's
# webhook, and the school opens exactly the published content with its private key (hub-open).
# Content of 980,000 bytes of JSON: sealed 980,061 bytes, plus the rest of the Avro record (a few
# hundred bytes); hub-publish refuses anything over the limit before sending (sams_publish_test
# checks the limit to the byte).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../notifylib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/kafkalib.sh"
need_pg
need_kafka
new_db
CONTENT_BYTES=980000
kafka_conf "$TMP/rm.conf" hub-readmodel
migrate_db "$TMP/rm.conf"
ensure_schools_table

S=$((95000000 + RANDOM % 100000))
new_secret S
start_receiver S
"$HUB_BUILD_DIR/deploy/hubctl" schools keygen --out-private "$TMP/S.pem" --out-public "$TMP/S.pub" \
    >/dev/null 2>"$TMP/keygen.err" || fail "hubctl schools keygen: $(cat "$TMP/keygen.err")"
add_school "$S" "http://127.0.0.1:${RECV_PORT[S]}/hooks/sams" "$TMP/S.secret"
psql_hub -c "update hub.schools set public_key = '$(tr -d '\n' <"$TMP/S.pub")' where skolenhetskod = '$S'"

# One handover of farsta for school S with the large content.
gen_events --children 3 --seed 18 --district farsta >"$TMP/gen.jsonl"
grep -m 1 '"type": *"handover"' "$TMP/gen.jsonl" >"$TMP/h.jsonl" || fail "the generator made no handover"
"$HUB_PY" - "$TMP/h.jsonl" "$S" "$CONTENT_BYTES" <<'PY' || fail "cannot make the large handover"
import json, sys
path, school, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
ev = json.loads(open(path).read())
ev["receiving_school_unit"] = school
ev["legal_ground"] = "consent_guardian"
content = {"notes": ""}
pad = size - len(json.dumps(content, separators=(",", ":"), sort_keys=True))
content["notes"] = "x" * pad
assert len(json.dumps(content, separators=(",", ":"), sort_keys=True)) == size
ev["content"] = content
open(path, "w").write(json.dumps(ev) + "\n")
PY
HID=$("$HUB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["handover_id"])' "$TMP/h.jsonl")
PID=$("$HUB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["placement_id"])' "$TMP/h.jsonl")

kafka_conf "$TMP/nt.conf" hub-notifier "hub.notifier.listen=127.0.0.1:0" "hub.notifier.allow_ranges=127.0.0.0/8" \
    "hub.notifier.listen_port_file=$TMP/notifier.port" "hub.notifier.allow_http=true" \
    "hub.notifier.poll_ms=100" "hub.notifier.timeout_s=30"
start_notifier "$TMP/nt.conf" 1
start_readmodel "$TMP/rm.conf" 1

kafka_conf "$TMP/farsta.conf" district-farsta
publish "$TMP/farsta.conf" "$TMP/h.jsonl"
grep -q '1 of 1 events acknowledged' "$TMP/publish.log" || fail "hub-publish: $(tail -n 2 "$TMP/publish.log")"

wait_sql 120 "select count(*) from hub.handovers where handover_id = '$HID'" 1
wait_sql 120 "select state from hub.notifier_outbox where handover_id = '$HID'" delivered
"$HUB_PY" - "$TMP/recv.S.jsonl" "$HID" "$TMP/sealed.b64" <<'PY' || fail "the school did not get the handover with its sealed content"
import json, sys
log, hid, out = sys.argv[1:]
for line in open(log, encoding="utf-8"):
    r = json.loads(line)
    if r["status"] != 200 or not r["sig_valid"]:
        continue
    b = json.loads(r["body"])
    if b.get("handover_id") == hid and b.get("sealed_content"):
        open(out, "w").write(b["sealed_content"])
        sys.exit(0)
sys.exit(1)
PY
"$HUB_BUILD_DIR/consumers/hub-open" --base64 --key "$TMP/S.pem" --handover-id "$HID" \
    --placement-id "$PID" --school-unit "$S" <"$TMP/sealed.b64" >"$TMP/opened.json" 2>"$TMP/open.err" ||
    fail "hub-open failed: $(cat "$TMP/open.err")"
"$HUB_PY" - "$TMP/h.jsonl" "$TMP/opened.json" <<'PY' || fail "the opened content differs from the published content"
import json, sys
want = json.load(open(sys.argv[1]))["content"]
got = json.loads(open(sys.argv[2], "rb").read().decode("utf-8"))
assert got == want
PY
stop_notifier 1 || fail "hub-notifier did not stop cleanly"
kill_readmodel 1 TERM || fail "hub-readmodel did not stop cleanly"
pass "$CONTENT_BYTES bytes of content: published, stored, delivered and opened unchanged"
