# shellcheck shell=bash
# kafkalib.sh — helpers for the kafka label (source ../lib.sh and ../hublib.sh first).
#
# The label's cluster is started once (test kafka_cluster_start: deploy/kafka-local.sh start
# --state $KAFKA_LOCAL_STATE) with the table's topics without a prefix; tests run one at a time
# and tell their own data apart by ids and by high-watermark differences.
#
#   need_kafka                   the cluster answers (else FAIL, never skip: the fixture started
#                                it); sets KAFKA_LOCAL_* from its env file
#   kafka_conf FILE PRINCIPAL [K=V..]  write_conf, then the principal's client properties
#                                (bootstrap, SASL_SSL, its SCRAM user) and K=V
#   kc PRINCIPAL KCAT-ARGS..     kcat as PRINCIPAL (admin: the super user)
#   hw_sum TOPIC...              sum of the high watermarks of every partition of the topics
#   leader_of TOPIC PARTITION    node id of the partition's leader
#   wait_secs SECS CMD...        retry CMD until it succeeds, at most SECS seconds of wall time
#   principal_denied PRINCIPAL produce|consume TOPIC
#                                true when the cluster refuses it with an authorization error

need_kafka() {
    need_cmd kcat java
    local state=${KAFKA_LOCAL_STATE:-}
    [[ -n $state && -s $state/env ]] ||
        fail "no local Kafka cluster: KAFKA_LOCAL_STATE=${state:-unset} (run with ctest -L kafka, whose fixture starts it)"
    # shellcheck disable=SC1091
    source "$state/env"
    export KAFKA_LOCAL_STATE KAFKA_LOCAL_BOOTSTRAP KAFKA_LOCAL_CLIENTS KAFKA_LOCAL_CA
    bash "$HUB_SOURCE_DIR/deploy/kafka-local.sh" status --state "$state" >/dev/null ||
        fail "the local Kafka cluster in $state is not fully up: $(bash "$HUB_SOURCE_DIR/deploy/kafka-local.sh" status --state "$state")"
}

kafka_conf() {
    local file=$1 principal=$2
    shift 2
    [[ -r $KAFKA_LOCAL_CLIENTS/$principal.conf ]] || fail "no client properties for $principal"
    write_conf "$file"
    {
        cat "$KAFKA_LOCAL_CLIENTS/$principal.conf"
        # a real cluster: the group coordinator does not need the dev broker's short timeouts,
        # but a consumer killed with -9 should be noticed soon
        echo "kafka.session.timeout.ms=10000"
        echo "kafka.heartbeat.interval.ms=1000"
        local kv
        for kv in "$@"; do echo "$kv"; done
    } >>"$file"
}

kc() {
    local principal=$1
    shift
    kcat -F "$KAFKA_LOCAL_CLIENTS/$principal.rdkafka" "$@" 2>>"$TMP/kcat.log"
}

hw_sum() {
    local t p args=() sum=0 line
    for t in "$@"; do
        for ((p = 0; p < 16; p++)); do args+=(-t "$t:$p:-1"); done
    done
    # kcat -Q prints "TOPIC [P] offset N" per partition for the logical end (-1)
    while read -r line; do
        [[ $line =~ offset\ ([0-9]+) ]] && sum=$((sum + BASH_REMATCH[1]))
    done < <(kc admin -Q "${args[@]}")
    echo "$sum"
}

leader_of() {
    # (awk reads to the end: an early exit would fail the pipeline under pipefail)
    kc admin -L -t "$1" | awk -v p="$2" '$1 == "partition" && $2 == p "," && !n++ {print $4}' | tr -d ,
}

principal_denied() {
    local who=$1 what=$2 topic=$3 out rc=0
    if [[ $what == produce ]]; then
        out=$(printf 'k:x\n' | timeout 30 kcat -F "$KAFKA_LOCAL_CLIENTS/$who.rdkafka" -P -K: -t "$topic" \
            -X message.timeout.ms=10000 2>&1) || rc=$?
    else
        out=$(timeout 30 kcat -F "$KAFKA_LOCAL_CLIENTS/$who.rdkafka" -C -t "$topic" -o beginning -e \
            -c 1 2>&1) || rc=$?
    fi
    printf '%s %s %s: rc=%s %s\n' "$who" "$what" "$topic" "$rc" "$out" >>"$TMP/denied.log"
    ((rc != 0)) && grep -qiE 'authori[sz]ation failed|not authorized' <<<"$out"
}

# wait_secs SECS CMD...: retry CMD (every 0.5 s) until it succeeds, for at most SECS seconds of
# wall time (lib.sh's wait_for counts tries, and a kcat round trip is much longer than its 0.1 s).
wait_secs() {
    local end=$((SECONDS + $1))
    shift
    while ((SECONDS < end)); do
        "$@" && return 0
        sleep 0.5
    done
    "$@"
}
