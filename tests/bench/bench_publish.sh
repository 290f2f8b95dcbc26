#!/usr/bin/env bash
# bench_publish.sh — how fast `hub-publish` publishes, next to kcat producing the same bytes.
#
#   tests/bench/bench_publish.sh [N]        (default N=200000; HUB_BUILD_DIR as for the tests)
#
# Starts its own dev broker, generates N valid events of all four types, and times
# `hub-publish` (read JSON, validate, pseudonymise, encode, produce with acks=all and
# idempotence, wait for every acknowledgement). It then dumps what hub-publish put on each topic
# with kcat (keys and Avro values as they are) and times kcat producing exactly those messages
# to the same topics with the same producer settings (acks=all, enable.idempotence=true,
# linger.ms=5, lz4), which is the cost of the transport alone. Prints both rates and the ratio
# hub-publish/kcat; a `--dry-run` timing shows the share of validation and encoding.
# A benchmark, not a test: it is not registered with ctest.
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

N=${1:-200000}
PYTHON=/usr/bin/python3
HUB_PUBLISH=$HUB_BUILD_DIR/producers/hub-publish
HELPER=$HUB_SOURCE_DIR/tests/integration/publish_interop.py
TOPICS=(placement-events school-start-events handover-events contact-change-events)
# Key and message delimiters for kcat: multi-byte, checked below not to occur in the data.
KEY_DELIM='\x1f\x1eHUBKEY\x1e\x1f'
MSG_DELIM='\x1e\x1dHUBMSG\x1d\x1e'
KCAT_PRODUCER=(-X enable.idempotence=true -X acks=all -X linger.ms=5 -X compression.type=lz4)

need_cmd kcat
[[ -x $PYTHON ]] || skip "$PYTHON is not installed"
[[ -x $HUB_PUBLISH ]] || fail "$HUB_PUBLISH is not built"
[[ $N =~ ^[1-9][0-9]*$ ]] || fail "N must be a positive number, not '$N'"

head -c 32 /dev/urandom >"$TMP/pseudonym.key"
chmod 0600 "$TMP/pseudonym.key"
start_broker
unset HUB_KAFKA_BOOTSTRAP_SERVERS
BOOTSTRAP=$(<"$HUB_BROKER_BOOTSTRAP_FILE")
# Unsigned events: signing (hub/crypto/sign.h) has its own tests and is not what this one checks.
cat >"$TMP/hub.conf" <<EOF
hub.bootstrap_file=$HUB_BROKER_BOOTSTRAP_FILE
hub.pseudonym.key_file=$TMP/pseudonym.key
hub.log.level=warn
hub.signing.required=false
EOF

# Sum of the high watermarks of the event topics.
messages_on_topics() {
    local t p args=() sum=0 off
    for t in "${TOPICS[@]}"; do
        for ((p = 0; p < 16; p++)); do
            args+=(-t "$t:$p:-1")
        done
    done
    kcat -b "$BOOTSTRAP" -Q -m 10 "${args[@]}" >"$TMP/offsets" 2>/dev/null ||
        fail "kcat -Q failed"
    while read -r off; do
        sum=$((sum + off))
    done < <(sed -n 's/.* offset \([0-9]*\)$/\1/p' "$TMP/offsets")
    echo "$sum"
}

# Seconds (with decimals) between two $EPOCHREALTIME readings.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

echo "bench_publish: generating $N events" >&2
"$PYTHON" "$HELPER" bulk "$N" "$TMP/events.jsonl"
bytes=$(stat -c %s "$TMP/events.jsonl")

# Validation and encoding alone.
t0=$EPOCHREALTIME
"$HUB_PUBLISH" --config "$TMP/hub.conf" --dry-run "$TMP/events.jsonl" 2>"$TMP/dry.err" || {
    cat "$TMP/dry.err" >&2
    fail "hub-publish --dry-run failed"
}
t1=$EPOCHREALTIME
dry_s=$(elapsed "$t0" "$t1")

# hub-publish, end to end.
t0=$EPOCHREALTIME
"$HUB_PUBLISH" --config "$TMP/hub.conf" "$TMP/events.jsonl" 2>"$TMP/publish.err" || {
    tail -n 5 "$TMP/publish.err" >&2
    fail "hub-publish failed"
}
t1=$EPOCHREALTIME
hub_s=$(elapsed "$t0" "$t1")
grep -q "$N of $N events acknowledged" "$TMP/publish.err" || fail "not every event was acknowledged"
(($(messages_on_topics) == N)) || fail "expected $N messages on the topics after hub-publish"

# The same messages, as bytes, for kcat.
dumped=0
for t in "${TOPICS[@]}"; do
    kcat -b "$BOOTSTRAP" -C -t "$t" -o beginning -e -q -f "%k$KEY_DELIM%s$MSG_DELIM" \
        >"$TMP/$t.dump" 2>/dev/null || fail "kcat could not dump $t"
    c=$(grep -aoF "$(printf '\x1e\x1dHUBMSG\x1d\x1e')" "$TMP/$t.dump" | wc -l)
    k=$(grep -aoF "$(printf '\x1f\x1eHUBKEY\x1e\x1f')" "$TMP/$t.dump" | wc -l)
    ((c == k)) || fail "$t: a delimiter occurs in the data; choose another"
    dumped=$((dumped + c))
done
((dumped == N)) || fail "dumped $dumped messages, expected $N"

t0=$EPOCHREALTIME
for t in "${TOPICS[@]}"; do
    [[ -s $TMP/$t.dump ]] || continue
    kcat -b "$BOOTSTRAP" -P -t "$t" -K "$KEY_DELIM" -D "$MSG_DELIM" "${KCAT_PRODUCER[@]}" \
        -l "$TMP/$t.dump" 2>"$TMP/kcat.err" || {
        cat "$TMP/kcat.err" >&2
        fail "kcat could not produce to $t"
    }
done
t1=$EPOCHREALTIME
kcat_s=$(elapsed "$t0" "$t1")
(($(messages_on_topics) == 2 * N)) || fail "kcat did not deliver all $N messages"

hub_rate=$(rate "$N" "$hub_s")
kcat_rate=$(rate "$N" "$kcat_s")
dry_rate=$(rate "$N" "$dry_s")
ratio=$(awk -v a="$hub_rate" -v b="$kcat_rate" 'BEGIN { printf "%.2f", a / b }')
printf 'bench_publish: %d events (%d bytes of JSON), %s, 3 mock brokers, 16 partitions\n' \
    "$N" "$bytes" "$(nproc) cores"
printf '  hub-publish --dry-run  %8.3f s  %9d events/s  (read, validate, pseudonymise, encode)\n' \
    "$dry_s" "$dry_rate"
printf '  hub-publish            %8.3f s  %9d events/s  (and produce, acks=all, idempotent)\n' \
    "$hub_s" "$hub_rate"
printf '  kcat -P same messages  %8.3f s  %9d msgs/s    (transport only, same settings)\n' \
    "$kcat_s" "$kcat_rate"
printf '  ratio hub-publish/kcat %8s\n' "$ratio"
