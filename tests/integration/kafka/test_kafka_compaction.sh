#!/usr/bin/env bash
# school-directory on the real cluster is compacted as the table says (cleanup.policy=compact,
# tombstones kept delete.retention.ms = a day): `hubctl schools import`, as user hub-directory,
# publishes a school five times over (renamed each time) and removes another; once the log
# cleaner has run, the topic holds the latest value of the renamed school only, and the removed
# school only as its tombstone (key, null value). Only segment.ms and min.cleanable.dirty.ratio
# of the topic are lowered here, so that the cleaner runs within the test instead of days later;
# the policy itself is the table's.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/kafkalib.sh"
need_pg
need_kafka
new_db
kafka_conf "$TMP/dir.conf" hub-directory
migrate_db "$TMP/dir.conf"

# school units of this run only (8 digits, starting 97)
base=$((97000000 + (RANDOM * 32768 + RANDOM) % 990000))
KEEP=$base RENAMED=$((base + 1)) REMOVED=$((base + 2))
csv() { # NAME-OF-RENAMED [WITH-REMOVED]
    echo "skolenhetskod,name,huvudman_type,kommunkod,webhook_url,public_key,signing_secret_ref,email"
    echo "$KEEP,Kvarskolan,kommunal,0180,,,,"
    echo "$RENAMED,$1,fristående,0180,,,,"
    [[ -z ${2:-} ]] || echo "$REMOVED,Nedlagda skolan,kommunal,0180,,,,"
}
import() {
    "$HUB_BUILD_DIR/deploy/hubctl" schools import --config "$TMP/dir.conf" "$1" >>"$TMP/import.log" 2>&1 ||
        fail "hubctl schools import failed as hub-directory: $(tail -n 3 "$TMP/import.log")"
}

"$KAFKA_LOCAL_BIN/kafka-configs.sh" --bootstrap-server "$KAFKA_LOCAL_BOOTSTRAP" \
    --command-config "$KAFKA_LOCAL_CLIENTS/admin.properties" --alter --entity-type topics \
    --entity-name school-directory --add-config segment.ms=1000,min.cleanable.dirty.ratio=0.01 \
    >"$TMP/configs.log" 2>&1 || fail "kafka-configs.sh --alter failed: $(tail -n 3 "$TMP/configs.log")"

for v in 1 2 3 4 5; do
    csv "Bytesskolan v$v" with-removed >"$TMP/v$v.csv"
    import "$TMP/v$v.csv"
    sleep 1.1 # a new segment for every version
done
csv "Bytesskolan v5" >"$TMP/removed.csv"
import "$TMP/removed.csv"

# "KEY PARTITION VALUE-LENGTH VALUE" of every record of ours on the topic (-1: a tombstone). The
# value is Avro (schemas/school_directory): binary, but its strings are there as UTF-8 and none of
# this test's values holds a newline byte, so grep -a reads one record per line — in the C locale,
# where '.' matches any byte (in UTF-8 it does not match the fingerprint's invalid sequences).
export LC_ALL=C
records() {
    kc admin -C -t school-directory -o beginning -e -q -f '%k %p %S %s\n' |
        grep -a -E "^($RENAMED|$REMOVED) " || true
}
records >"$TMP/before.txt"
# (the cleaner may already have removed some of the five versions: segments roll every second)
grep -aq "^$RENAMED [0-9]* [0-9]* .*Bytesskolan v5" "$TMP/before.txt" || fail "version 5 is not on the topic: $(cat "$TMP/before.txt")"
grep -aq "^$REMOVED [0-9]* -1 " "$TMP/before.txt" || fail "no tombstone for the removed school: $(cat "$TMP/before.txt")"

# The cleaner never touches a partition's active segment: after segment.ms, one more record in
# each of our partitions (a tombstone for a unit that never existed) rolls it.
sleep 1.1
FILLER=$((base + 3))
for p in $(awk '{print $2}' "$TMP/before.txt" | sort -u); do
    printf '%s:\n' "$FILLER" | kc hub-directory -P -K: -Z -t school-directory -p "$p" ||
        fail "hub-directory cannot write a record to school-directory/$p"
done

compacted() {
    records >"$TMP/now.txt"
    [[ $(grep -ac "^$RENAMED " "$TMP/now.txt") == 1 && $(grep -ac "^$REMOVED " "$TMP/now.txt") == 1 ]]
}
wait_secs 240 compacted || fail "not compacted within 240 s (before: $(wc -l <"$TMP/before.txt") records, now: $(cat "$TMP/now.txt"))"
grep -aq "^$RENAMED [0-9]* [0-9]* .*Bytesskolan v5" "$TMP/now.txt" || fail "the surviving value is not the latest: $(cat "$TMP/now.txt")"
grep -aq "^$REMOVED [0-9]* -1 " "$TMP/now.txt" || fail "the tombstone did not survive compaction (kept a day): $(cat "$TMP/now.txt")"
pass "five versions and a removal of two schools compacted to 2 records: the latest value and the tombstone"
