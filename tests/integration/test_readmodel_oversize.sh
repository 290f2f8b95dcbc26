#!/usr/bin/env bash
# Oversized and poison messages never block a partition, and each dead letter appears once.
#
# Attack: 20 signed garbage messages, then a signed value one byte over the hub's event limit
# (HUB_EVENT_MAX_BYTES = 983040: dead-lettered whole, reason `size`), then a signed 1,000,500-byte
# value (what a stock broker accepts, but over the DLQ producer's message.max.bytes of 1,000,000:
# its letter can never be sent whole), then 20 more garbage messages, all on one partition among
# good events. Before the fix the 1,000,500-byte letter failed "Message size too large", the batch
# was retried forever with every partition paused, and each retry sent the letters before it
# again. Now: every good event is applied, and dlq.readmodel holds exactly one letter per poison
# message, each with its own hub.dlq.id; the big one without its value but with its length and
# SHA-256 in headers.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_pg
need_cmd kcat
new_db
start_broker
write_conf "$TMP/hub.conf"
migrate_db "$TMP/hub.conf"
BS=$(<"$HUB_BROKER_BOOTSTRAP_FILE")

gen_events --children 200 --seed 5 --district farsta >"$TMP/events.jsonl"
split -n l/2 -d "$TMP/events.jsonl" "$TMP/chunk."
total=$(count_events "$TMP/events.jsonl")
publish "$TMP/hub.conf" "$TMP/chunk.00"
key=$(kcat -C -b "$BS" -t placement-events -o beginning -c 1 -e -q -f '%k')
[[ ${#key} == 64 ]] || fail "could not read a key back"

mkdir "$TMP/poison"
for i in $(seq -w 1 20); do head -c 200 /dev/urandom >"$TMP/poison/a$i"; done
head -c 983041 /dev/urandom >"$TMP/poison/b1-over-event-limit"
head -c 1000500 /dev/urandom >"$TMP/poison/b2-over-message-limit"
for i in $(seq -w 1 20); do head -c 200 /dev/urandom >"$TMP/poison/c$i"; done
"$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/sign_tool.py" produce "$BS" placement-events "$key" \
    "$HUB_DEV_KEY_DIR/farsta-dev.pem" farsta-dev "$TMP"/poison/* >"$TMP/produce.log" 2>&1 ||
    fail "could not produce the signed poison: $(tail -n 3 "$TMP/produce.log")"
publish "$TMP/hub.conf" "$TMP/chunk.01"
catch_up "$TMP/hub.conf" 120

got=$(psql_hub -c "select count(*) from hub.processed_events")
[[ $got == "$total" ]] || fail "read model holds $got of $total good events"

kcat -C -b "$BS" -t dlq.readmodel -o beginning -e -q -f '%S|%h\n' >"$TMP/dlq.txt"
n=$(wc -l <"$TMP/dlq.txt")
((n == 42)) || fail "dlq.readmodel holds $n letters for 42 poison messages"
ids=$(grep -o 'hub.dlq.id=[0-9a-f]*' "$TMP/dlq.txt" | sort -u | wc -l)
((ids == 42)) || fail "$ids distinct hub.dlq.id in 42 letters"
size_letters=$(grep -c 'hub.reason=size' "$TMP/dlq.txt" || true)
((size_letters == 2)) || fail "$size_letters letters with reason size, want 2"
grep -q '^983041|.*hub.reason=size' "$TMP/dlq.txt" ||
    fail "the letter of the value one byte over the event limit is not whole"
digest=$(sha256sum "$TMP/poison/b2-over-message-limit" | cut -d' ' -f1)
grep -q "^-1|.*hub.reason=size.*hub.value.omitted=1000500,hub.value.sha256=$digest" "$TMP/dlq.txt" ||
    fail "the 1,000,500-byte letter lacks a null value with length and digest: $(grep -v '^200|' "$TMP/dlq.txt" | cut -c1-300)"
pass "42 poison messages (two oversized) → 42 letters, each once; $total good events applied"
