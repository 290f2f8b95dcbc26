#!/usr/bin/env bash
# test_broker.sh — `hubctl broker` serves the hub topics over the real Kafka protocol.
#
# An independent client (kcat) must see every hub topic with 16 partitions, produce and consume a
# message through it; the broker must publish its address atomically, stop cleanly on SIGTERM
# (exit 0) and remove its bootstrap file; bad command lines exit 2.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_cmd kcat

HUBCTL=$HUB_BUILD_DIR/deploy/hubctl
TOPICS=(placement-events school-start-events handover-events handover-receipts
    contact-change-events follow-up-events school-directory monthly-stats follow-up-stats
    dlq.readmodel dlq.notifier dlq.stats)

# Runs hubctl with the given arguments and checks its exit status.
expect_exit() {
    local want=$1 rc=0
    shift
    "$HUBCTL" "$@" >"$TMP/cli.out" 2>"$TMP/cli.err" </dev/null || rc=$?
    ((rc == want)) || {
        cat "$TMP/cli.err" >&2
        fail "hubctl $* exited $rc, expected $want"
    }
}

# Checks with kcat -L that every hub topic (with prefix $1) has $2 partitions and no other exists.
check_topics() {
    local prefix=$1 partitions=$2 t listed
    kcat -b "$HUB_KAFKA_BOOTSTRAP_SERVERS" -L -m 10 >"$TMP/metadata" 2>"$TMP/kcat.err" || {
        cat "$TMP/kcat.err" >&2
        fail "kcat -L against $HUB_KAFKA_BOOTSTRAP_SERVERS failed"
    }
    for t in "${TOPICS[@]}"; do
        grep -qF "topic \"$prefix$t\" with $partitions partitions:" "$TMP/metadata" || {
            cat "$TMP/metadata" >&2
            fail "topic '$prefix$t' with $partitions partitions not in the metadata"
        }
    done
    listed=$(grep -c '^ *topic "' "$TMP/metadata" || true)
    ((listed == ${#TOPICS[@]})) || fail "metadata lists $listed topics, expected ${#TOPICS[@]}"
}

# --- command line -----------------------------------------------------------------------------
[[ -x $HUBCTL ]] || fail "$HUBCTL is not built"
expect_exit 2
expect_exit 0 --help
grep -q '^  broker ' "$TMP/cli.out" || fail "usage does not list the broker command"
expect_exit 2 no-such-command
expect_exit 0 broker --help
expect_exit 2 broker --partitions 0
expect_exit 2 broker --brokers many
expect_exit 2 broker --no-such-option
expect_exit 2 broker stray-argument
expect_exit 2 broker --prefix 'bad topic/'
expect_exit 1 broker --bootstrap-file "$TMP/no/such/dir/bootstrap"

# --- default broker: the hub topics, 16 partitions, a round trip through kcat -------------------
start_broker
bootstrap_file=$HUB_BROKER_BOOTSTRAP_FILE
wait_for 5 grep -q '^bootstrap.servers=' "$TMP/broker.out" ||
    fail "no bootstrap.servers= line on stdout"
[[ $(<"$TMP/broker.out") == "bootstrap.servers=$HUB_KAFKA_BOOTSTRAP_SERVERS" ]] ||
    fail "stdout '$(<"$TMP/broker.out")' does not match the file '$HUB_KAFKA_BOOTSTRAP_SERVERS'"
[[ $HUB_KAFKA_BOOTSTRAP_SERVERS =~ ^127\.0\.0\.1:[0-9]+(,127\.0\.0\.1:[0-9]+){2}$ ]] ||
    fail "bootstrap list '$HUB_KAFKA_BOOTSTRAP_SERVERS' is not three 127.0.0.1 brokers"
grep -q 'in-memory' "$TMP/broker.log" || fail "the broker does not say it is in-memory"
grep -q '100000 batches' "$TMP/broker.log" || fail "the broker does not state its retention"
if compgen -G "$TMP/*.tmp.*" >/dev/null; then
    fail "a temporary bootstrap file was left behind"
fi

check_topics "" 16

payload="hello-$$-$RANDOM"
printf 'child-pseudonym-1\t%s\n' "$payload" |
    kcat -b "$HUB_KAFKA_BOOTSTRAP_SERVERS" -P -t placement-events -p 7 -K $'\t' \
        -X enable.idempotence=true -X acks=all 2>"$TMP/kcat.err" || {
    cat "$TMP/kcat.err" >&2
    fail "kcat could not produce to placement-events"
}
got=$(timeout 30 kcat -b "$HUB_KAFKA_BOOTSTRAP_SERVERS" -C -t placement-events -p 7 \
    -o beginning -c 1 -e -f '%k=%s\n' 2>"$TMP/kcat.err") || {
    cat "$TMP/kcat.err" >&2
    fail "kcat could not consume from placement-events"
}
[[ $got == "child-pseudonym-1=$payload" ]] || fail "consumed '$got', expected the produced message"

rc=0
stop_broker || rc=$?
((rc == 0)) || fail "hubctl broker exited $rc on SIGTERM, expected 0"
[[ ! -e $bootstrap_file ]] || fail "bootstrap file $bootstrap_file still exists after exit"
grep -q 'stopping' "$TMP/broker.log" || fail "the broker did not report stopping"

# --- options: prefix, partitions, one broker ----------------------------------------------------
start_broker --prefix it. --partitions 4 --brokers 1
[[ $HUB_KAFKA_BOOTSTRAP_SERVERS =~ ^127\.0\.0\.1:[0-9]+$ ]] ||
    fail "bootstrap list '$HUB_KAFKA_BOOTSTRAP_SERVERS' is not one 127.0.0.1 broker"
check_topics "it." 4
rc=0
stop_broker || rc=$?
((rc == 0)) || fail "hubctl broker (prefix it.) exited $rc on SIGTERM, expected 0"
[[ ! -e $bootstrap_file ]] || fail "bootstrap file still exists after the second broker's exit"

pass "topics, round trip, clean shutdown, options and usage errors"
