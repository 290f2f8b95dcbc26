#!/usr/bin/env bash
# The consumer, not only the publisher, refuses a district on a day it did not exist.
#
# Two placement events of rinkeby-kista, encoded straight through the codec (hub-publish would
# refuse the second) and properly signed by jarva's key (Järva took over Rinkeby-Kista, so the
# signer check lets both through): one on 2023-06-30, the district's last day, and one on
# 2023-07-01, the day after it ended. The first is applied; the second goes to dlq.readmodel with
# reason `district`. A consumer that skipped the district-date check would apply both.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/hublib.sh"
need_pg
need_cmd kcat
new_db
start_broker
write_conf "$TMP/hub.conf"
migrate_db "$TMP/hub.conf"
BS=$(<"$HUB_BROKER_BOOTSTRAP_FILE")
AVRO=$HUB_BUILD_DIR/tests/tools/avro_tool

# 12:00 in Stockholm (UTC+2 in summer) on each day.
"$AVRO" encode-sample placement 0 rinkeby-kista 1688119200000 >"$TMP/last-day.bin"
"$AVRO" encode-sample placement 2 rinkeby-kista 1688205600000 >"$TMP/day-after.bin"
id() { "$AVRO" decode "$1" | "$HUB_PY" -c 'import json,sys; v=json.load(sys.stdin)["value"]; print(v[sys.argv[1]])' "$2"; }
for f in last-day day-after; do
    "$HUB_PY" "$HUB_SOURCE_DIR/tests/integration/sign_tool.py" produce "$BS" placement-events \
        "$(id "$TMP/$f.bin" child)" "$HUB_DEV_KEY_DIR/jarva-dev.pem" jarva-dev "$TMP/$f.bin" \
        >>"$TMP/produce.log" 2>&1 || fail "could not produce $f: $(tail -n 3 "$TMP/produce.log")"
done
catch_up "$TMP/hub.conf" 60

applied() { psql_hub -c "select count(*) from hub.processed_events where event_id = '$1'"; }
[[ $(applied "$(id "$TMP/last-day.bin" event_id)") == 1 ]] ||
    fail "the event on rinkeby-kista's last day was not applied: $(grep -m1 'dead letter' "$TMP/catchup.log")"
[[ $(applied "$(id "$TMP/day-after.bin" event_id)") == 0 ]] ||
    fail "the event on the day after rinkeby-kista ended was applied"
kcat -C -b "$BS" -t dlq.readmodel -o beginning -e -q -f '%h\n' >"$TMP/dlq.txt"
[[ $(wc -l <"$TMP/dlq.txt") == 1 ]] || fail "dlq.readmodel holds $(wc -l <"$TMP/dlq.txt") letters, want 1"
grep -q 'hub.reason=district,.*rinkeby-kista' "$TMP/dlq.txt" || fail "letter: $(cat "$TMP/dlq.txt")"
pass "rinkeby-kista applied on 2023-06-30, dead-lettered (district) on 2023-07-01"
