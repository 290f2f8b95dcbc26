#!/usr/bin/env bash
# On the real cluster, every principal of deploy/kafka/cluster.table can do its job and nothing
# more, as the broker (StandardAuthorizer, no allow-if-no-ACL) enforces it:
#   - hub-readmodel cannot write monthly-stats or an event topic, nor use another group;
#   - district-bromma cannot read handover-receipts (anyone's: ACLs cannot split a topic by
#     district, so districts read no receipts at all) nor its own events, and cannot write the
#     hub's topics; which district an event claims is checked by its signature (read model: DLQ
#     reason signer), not by ACLs;
#   - hub-notifier reads handovers and contact changes, not placements; hub-stats writes its
#     figures and reads nothing; hub-directory writes the directory only;
#   - a wrong password and a client without TLS are refused;
#   - every topic has the partitions, replication factor and configs of its table line (apply.sh
#     really applied them).
# The positive half (each program doing its job as its own user) is test_kafka_pipeline's.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../hublib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/kafkalib.sh"
need_kafka

denied() { principal_denied "$@" || fail "$1 may $2 $3: $(tail -n 1 "$TMP/denied.log")"; }
allowed() {
    if principal_denied "$@"; then fail "$1 may not $2 $3: $(tail -n 1 "$TMP/denied.log")"; fi
    tail -n 1 "$TMP/denied.log" | grep -q 'rc=0 ' || fail "$1 $2 $3 failed: $(tail -n 1 "$TMP/denied.log")"
}

# hub-readmodel: reads, never writes what others own
denied hub-readmodel produce monthly-stats
denied hub-readmodel produce placement-events
denied hub-readmodel produce handover-receipts
# its own group only (kcat -G joins a group; the broker checks Read on the group)
out=$(timeout 40 kcat -F "$KAFKA_LOCAL_CLIENTS/hub-readmodel.rdkafka" -G not-hub-readmodel \
    handover-receipts -e 2>&1) && fail "hub-readmodel joined group not-hub-readmodel"
grep -qiE 'group authori[sz]ation failed' <<<"$out" ||
    fail "hub-readmodel in another group: not a group authorization error: $(tail -n 2 <<<"$out")"

# district-bromma: writes its events, reads nothing
denied district-bromma consume handover-receipts
denied district-bromma consume placement-events
denied district-bromma produce handover-receipts
denied district-bromma produce monthly-stats
denied district-bromma produce school-directory
denied district-bromma produce dlq.readmodel

# hub-notifier
denied hub-notifier consume placement-events
denied hub-notifier produce placement-events
denied hub-notifier produce monthly-stats

# hub-stats and hub-directory write their topic and nothing else
allowed hub-stats produce monthly-stats
denied hub-stats consume monthly-stats
denied hub-stats produce handover-events
allowed hub-directory produce school-directory
denied hub-directory produce handover-receipts
denied hub-directory consume school-directory

# admin (the super user of apply.sh) sees what the others wrote
[[ $(hw_sum monthly-stats) -ge 1 ]] || fail "hub-stats' message is not on monthly-stats"

# authentication: a wrong password, no TLS
sed 's/^sasl.password=.*/sasl.password=wrong-password/' "$KAFKA_LOCAL_CLIENTS/hub-stats.rdkafka" >"$TMP/wrong.rdkafka"
out=$(timeout 30 kcat -F "$TMP/wrong.rdkafka" -L -m 5 2>&1) && fail "a wrong password was accepted"
grep -qi 'authentication' <<<"$out" || fail "wrong password: no authentication error: $(tail -n 1 <<<"$out")"
grep -v '^ssl\.\|^security\.protocol' "$KAFKA_LOCAL_CLIENTS/hub-stats.rdkafka" >"$TMP/plain.rdkafka"
echo "security.protocol=sasl_plaintext" >>"$TMP/plain.rdkafka"
timeout 30 kcat -F "$TMP/plain.rdkafka" -L -m 5 >/dev/null 2>&1 && fail "a client without TLS got metadata"

# The topics as the table says: partitions, replicas and every KEY=VALUE, on the cluster.
"$KAFKA_LOCAL_BIN/kafka-configs.sh" --bootstrap-server "$KAFKA_LOCAL_BOOTSTRAP" \
    --command-config "$KAFKA_LOCAL_CLIENTS/admin.properties" --describe --entity-type topics \
    >"$TMP/configs.txt" 2>"$TMP/configs.err" || fail "kafka-configs.sh --describe failed: $(tail -n 3 "$TMP/configs.err")"
kc admin -L >"$TMP/metadata.txt" || fail "no metadata as admin"
n_topics=0
while read -r kind name partitions replicas configs; do
    [[ $kind == topic ]] || continue
    n_topics=$((n_topics + 1))
    grep -q "^  topic \"$name\" with $partitions partitions:" "$TMP/metadata.txt" ||
        fail "$name: not on the cluster with $partitions partitions"
    n_rep=$(awk -v t="$name" '$1 == "topic" {cur = $2} cur == "\"" t "\"" && $1 == "partition" {print $6}' "$TMP/metadata.txt" |
        sed 's/,$//' | awk -F, '{print NF}' | sort -u | tr '\n' ' ')
    [[ $n_rep == "$replicas " ]] || fail "$name: replicas per partition '$n_rep', the table says $replicas"
    section=$(awk -v t="$name" '/^Dynamic configs for topic / {cur = $5} cur == t' "$TMP/configs.txt")
    for kv in $configs; do
        grep -q "^  $kv " <<<"$section" || fail "$name: $kv is not in effect on the cluster"
    done
done < <(source "$HUB_SOURCE_DIR/deploy/kafka/table.sh" &&
    kafka_table_expand "$HUB_SOURCE_DIR/deploy/kafka/cluster.table" \
        "$HUB_SOURCE_DIR/schemas/reference/districts.csv" "")
((n_topics >= 10)) || fail "only $n_topics topics in the table"

pass "as seven principals, every forbidden produce/consume refused; $n_topics topics as the table says"
