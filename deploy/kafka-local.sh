#!/usr/bin/env bash
# kafka-local.sh — a real three-broker Apache Kafka cluster (KRaft) on 127.0.0.1 for tests and
# `deploy/run.sh --kafka`: TLS, SCRAM-SHA-512 and the ACLs of deploy/kafka/cluster.table.
#
#   deploy/kafka-local.sh start [--state DIR] [--prefix P]...   fresh cluster, topics, users, ACLs
#   deploy/kafka-local.sh stop  [--state DIR]                   stop every broker (SIGTERM, then KILL)
#   deploy/kafka-local.sh env   [--state DIR]                   shell lines: bootstrap and files
#   deploy/kafka-local.sh apply [--state DIR] [--prefix P]...   the table again (another prefix)
#   deploy/kafka-local.sh fetch                                 only fetch the server (Maven)
#   deploy/kafka-local.sh kill-node N | start-node N [--state DIR]   SIGKILL / restart broker N
#   deploy/kafka-local.sh status [--state DIR]                  which brokers run (exit 1: not all)
#
# start: fetches the Kafka server pinned in deploy/kafka/local/pom.xml with Maven into a cache
# (KAFKA_LOCAL_CACHE, default ~/.cache/sams-hub/kafka-VERSION) the first time, and never again;
# makes an openssl CA and a broker certificate; formats three combined broker+controller nodes
# (node ids 1-3, static quorum) and starts them, each with a small heap (KAFKA_LOCAL_HEAP, default
# 512m). Listeners: CLIENT (SASL_SSL, SCRAM-SHA-512: what the hub's programs use), INTERNAL and
# CONTROLLER (TLS with client certificates: the brokers' own traffic). The StandardAuthorizer
# allows nothing that no ACL allows; the super users are `admin` (SCRAM, created when the nodes are
# formatted) and the brokers' certificate. Then deploy/kafka/apply.sh — the script an operator
# runs — creates the table's topics, one SCRAM user per principal of the table (random passwords
# in DIR/secrets) and its ACLs, once per --prefix (default: no prefix).
# The cluster is throwaway: start stops and wipes what an earlier start left in DIR (default
# <repo>/.state/kafka). Ports: the first free block from KAFKA_LOCAL_PORT (default 19092): clients
# on PORT..PORT+2, internal PORT+10.., controllers PORT+20...
#
# Files in DIR for clients: clients/PRINCIPAL.conf (kafka.* lines for a hub config: bootstrap,
# SASL_SSL, the principal's user and password, the CA), clients/PRINCIPAL.rdkafka (the same without
# the kafka. prefix, for `kcat -F`), clients/admin.properties (the Java tools' --command-config),
# bin/kafka-{topics,configs,acls}.sh, logs in node-N/broker.log.
# Exits 0 on success, 1 on a runtime failure (named), 2 on usage errors.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
POM=$SCRIPT_DIR/kafka/local/pom.xml
NODES=(1 2 3)

say() { printf 'kafka-local: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
usage_error() { say "error: $*"; say "usage: see the top of $0 (or --help)"; exit 2; }

verb=${1:-}
[[ -n $verb ]] || usage_error "no verb (start, stop, env, apply, fetch, kill-node, start-node, status)"
shift
node_arg=
if [[ $verb == kill-node || $verb == start-node ]]; then
    [[ ${1:-} =~ ^[123]$ ]] || usage_error "$verb needs a node number 1, 2 or 3"
    node_arg=$1
    shift
fi
STATE=${KAFKA_LOCAL_STATE:-$REPO_ROOT/.state/kafka}
prefixes=()
while (($#)); do
    case $1 in
    --state)
        (($# >= 2)) || usage_error "--state needs a directory"
        STATE=$2
        shift
        ;;
    --prefix)
        (($# >= 2)) || usage_error "--prefix needs a value"
        prefixes+=("$2")
        shift
        ;;
    -h | --help)
        sed -n '2,33s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    *) usage_error "unknown argument '$1'" ;;
    esac
    shift
done
((${#prefixes[@]})) || prefixes=("")
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)

KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")
[[ -n $KAFKA_VERSION ]] || die "$POM: no <kafka.version>"
CACHE=${KAFKA_LOCAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sams-hub/kafka-$KAFKA_VERSION}
LIB=$CACHE/lib
HEAP=${KAFKA_LOCAL_HEAP:-512m}

# --- the server from Maven Central, once ---------------------------------------------------------
pom_sum() { sha256sum "$POM" | cut -d' ' -f1; }

fetch() {
    if [[ -f $LIB/.complete && $(<"$LIB/.complete") == "$(pom_sum)" ]]; then
        return 0
    fi
    command -v mvn >/dev/null 2>&1 || die "mvn not found (run deploy/setup.sh: package maven)"
    say "fetching Apache Kafka $KAFKA_VERSION with Maven into $CACHE (once)"
    rm -rf -- "$LIB.tmp"
    mkdir -p "$CACHE"
    mvn -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$LIB.tmp" \
        -Dmdep.includeScope=runtime >"$CACHE/mvn.log" 2>&1 ||
        die "mvn dependency:copy-dependencies failed: $(tail -n 5 "$CACHE/mvn.log")"
    [[ -f $LIB.tmp/kafka_2.13-$KAFKA_VERSION.jar ]] || die "Maven fetched no kafka_2.13-$KAFKA_VERSION.jar"
    pom_sum >"$LIB.tmp/.complete"
    rm -rf -- "$LIB"
    mv -- "$LIB.tmp" "$LIB"
}

need_java() {
    command -v java >/dev/null 2>&1 || die "java not found (run deploy/setup.sh: openjdk-17-jre-headless)"
}

# --- ports ---------------------------------------------------------------------------------------
port_busy() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_ports() {
    local base=${KAFKA_LOCAL_PORT:-19092} p ok
    for ((; base < 60000; base += 100)); do
        ok=1
        for p in $base $((base + 1)) $((base + 2)) $((base + 10)) $((base + 11)) $((base + 12)) \
            $((base + 20)) $((base + 21)) $((base + 22)); do
            if port_busy "$p"; then
                ok=0
                break
            fi
        done
        if ((ok)); then
            printf '%s\n' "$base"
            return 0
        fi
    done
    die "no free block of ports from ${KAFKA_LOCAL_PORT:-19092} up"
}

base_port() { [[ -s $STATE/port ]] || die "$STATE: no cluster was started here"; cat "$STATE/port"; }
bootstrap() {
    local b
    b=$(base_port)
    printf '127.0.0.1:%s,127.0.0.1:%s,127.0.0.1:%s\n' "$b" $((b + 1)) $((b + 2))
}

# --- processes -----------------------------------------------------------------------------------
node_pid() { [[ -s $STATE/node-$1/pid ]] && cat "$STATE/node-$1/pid"; }
node_alive() {
    local pid
    pid=$(node_pid "$1") || return 1
    kill -0 "$pid" 2>/dev/null && grep -q 'kafka\.Kafka' "/proc/$pid/cmdline" 2>/dev/null
}

# log4j 1 (reload4j) configurations: the brokers log INFO to their broker.log, tools WARN to stderr.
write_log4j() {
    local level
    for level in INFO WARN; do
        cat >"$STATE/log4j-$level.properties" <<EOF
log4j.rootLogger=$level, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.Target=System.err
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
    done
}

# JVM options of a short-lived tool: small, quick to start; class data sharing from an archive
# the first tool run writes into the cache (about a third off every later start).
tool_jvm_opts() {
    printf '%s\n' -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
        "-Dlog4j.configuration=file:$STATE/log4j-WARN.properties"
}

java_tool() { # CLASS ARGS...: a short-lived JVM for the admin and storage tools
    local class=$1
    shift
    # shellcheck disable=SC2046 # one option a line, none with blanks
    java $(tool_jvm_opts) -cp "$LIB/*" "$class" "$@"
}

start_node() {
    local n=$1 dir=$STATE/node-$1
    node_alive "$n" && return 0
    # setsid and no inherited descriptors: the broker outlives this script and whoever ran it
    # (ctest waits for every holder of a test's output to close it).
    setsid java "-Xmx$HEAP" "-Xms$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
        -Djava.awt.headless=true "-Dlog4j.configuration=file:$STATE/log4j-INFO.properties" \
        -cp "$LIB/*" kafka.Kafka "$dir/server.properties" \
        </dev/null >>"$dir/broker.log" 2>&1 &
    local pid=$! i
    echo "$pid" >"$dir/pid"
    # Until the child has exec'd, its command line is still this script's: node_alive would call
    # it dead (seen under heavy load). Wait for the exec.
    for ((i = 0; i < 600; i++)); do
        grep -q 'kafka\.Kafka' "/proc/$pid/cmdline" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    node_alive "$n" || die "broker $n did not start: $(tail -n 5 "$dir/broker.log")"
}

stop_nodes() {
    local n pid pids=() i
    for n in "${NODES[@]}"; do
        if node_alive "$n"; then
            pid=$(node_pid "$n")
            pids+=("$pid")
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    ((${#pids[@]})) || { say "no broker running in $STATE"; return 0; }
    for ((i = 0; i < 300; i++)); do
        for pid in "${pids[@]}"; do
            kill -0 "$pid" 2>/dev/null && break
            pid=
        done
        [[ -z $pid ]] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            say "broker pid $pid did not stop within 30 s of SIGTERM; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    say "stopped ${#pids[@]} broker(s) in $STATE"
}

# --- certificates, secrets, configuration -------------------------------------------------------
make_tls() {
    local t=$STATE/tls
    mkdir -p "$t"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
        -subj "/CN=sams-hub local Kafka CA" -keyout "$t/ca.key" -out "$t/ca.pem" 2>"$t/openssl.log" ||
        die "openssl: cannot make the CA: $(tail -n 2 "$t/openssl.log")"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=sams-hub-broker" \
        -keyout "$t/broker.key.tmp" -out "$t/broker.csr" 2>>"$t/openssl.log" ||
        die "openssl: cannot make the broker key"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >"$t/ext.cnf"
    openssl x509 -req -in "$t/broker.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial \
        -days 30 -extfile "$t/ext.cnf" -out "$t/broker.crt" 2>>"$t/openssl.log" ||
        die "openssl: cannot sign the broker certificate"
    # Java's PEM key store wants PKCS#8, the key first, then the chain.
    openssl pkcs8 -topk8 -nocrypt -in "$t/broker.key.tmp" -out "$t/broker.key" 2>>"$t/openssl.log" ||
        die "openssl: cannot convert the broker key"
    cat "$t/broker.key" "$t/broker.crt" >"$t/broker.pem"
    rm -f -- "$t/broker.key.tmp" "$t/broker.csr" "$t/ca.srl"
    chmod 600 "$t/ca.key" "$t/broker.key" "$t/broker.pem"
}

# Prints every principal of the table (users to create), one a line.
table_principals() {
    # shellcheck source=kafka/table.sh
    source "$SCRIPT_DIR/kafka/table.sh"
    kafka_table_expand "$SCRIPT_DIR/kafka/cluster.table" "$(kafka_default_districts "$SCRIPT_DIR/kafka")" "" |
        awk -F'\t' '$1 == "acl" && !seen[$2]++ {print $2}'
}

new_password() { head -c 24 /dev/urandom | base64 | tr -d '/+=\n'; }

make_secrets() {
    local s=$STATE/secrets p
    mkdir -p "$s"
    chmod 700 "$s"
    for p in admin $(table_principals); do
        (umask 077 && new_password >"$s/$p.password")
    done
}

write_server_properties() {
    local n=$1 b=$2 dir=$STATE/node-$1 voters
    voters="1@127.0.0.1:$((b + 20)),2@127.0.0.1:$((b + 21)),3@127.0.0.1:$((b + 22))"
    mkdir -p "$dir/data"
    cat >"$dir/server.properties" <<EOF
# written by deploy/kafka-local.sh; node $n of a throwaway local cluster
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
listeners=CLIENT://127.0.0.1:$((b + n - 1)),INTERNAL://127.0.0.1:$((b + 10 + n - 1)),CONTROLLER://127.0.0.1:$((b + 20 + n - 1))
advertised.listeners=CLIENT://127.0.0.1:$((b + n - 1)),INTERNAL://127.0.0.1:$((b + 10 + n - 1))
listener.security.protocol.map=CLIENT:SASL_SSL,INTERNAL:SSL,CONTROLLER:SSL
inter.broker.listener.name=INTERNAL
log.dirs=$dir/data

# TLS everywhere; the brokers know each other by their certificate
ssl.keystore.type=PEM
ssl.keystore.location=$STATE/tls/broker.pem
ssl.truststore.type=PEM
ssl.truststore.location=$STATE/tls/ca.pem
listener.name.internal.ssl.client.auth=required
listener.name.controller.ssl.client.auth=required

# clients: SCRAM-SHA-512 over TLS
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;

# only what an ACL allows
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:CN=sams-hub-broker

# as in production: no topic appears by accident, acks=all survives one broker down
auto.create.topics.enable=false
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
offsets.topic.replication.factor=3
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0

# small: three brokers share a 2-core machine
num.network.threads=2
num.io.threads=2
background.threads=2
num.replica.fetchers=1
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=8388608
log.cleaner.backoff.ms=1000
EOF
}

# The main class of an admin tool: org.apache.kafka.tools in Kafka 4, some still in kafka.admin
# (kafka_2.13's jar) in 3.x.
tool_class() {
    local c
    for c in "org.apache.kafka.tools.$1" "kafka.admin.$1"; do
        # a jar's central directory holds its file names uncompressed
        if grep -aqF "${c//.//}.class" "$LIB"/kafka-tools-*.jar "$LIB"/kafka_2.13-*.jar; then
            printf '%s\n' "$c"
            return 0
        fi
    done
    die "no $1 class in $LIB's Kafka jars"
}

write_client_files() {
    local b c=$STATE/clients p pw boot
    b=$(base_port)
    boot=$(bootstrap)
    mkdir -p "$c"
    chmod 700 "$c"
    for f in "$STATE"/secrets/*.password; do
        p=$(basename "$f" .password)
        pw=$(<"$f")
        (
            umask 077
            {
                echo "bootstrap.servers=$boot"
                echo "security.protocol=SASL_SSL"
                echo "sasl.mechanisms=SCRAM-SHA-512"
                echo "sasl.username=$p"
                echo "sasl.password=$pw"
                echo "ssl.ca.location=$STATE/tls/ca.pem"
                echo "ssl.endpoint.identification.algorithm=https"
            } >"$c/$p.rdkafka"
            sed 's/^/kafka./' "$c/$p.rdkafka" >"$c/$p.conf"
        )
    done
    (
        umask 077
        cat >"$c/admin.properties" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(<"$STATE/secrets/admin.password")";
ssl.truststore.type=PEM
ssl.truststore.location=$STATE/tls/ca.pem
EOF
    )
    mkdir -p "$STATE/bin"
    local tool class
    for tool in kafka-topics.sh:TopicCommand kafka-configs.sh:ConfigCommand kafka-acls.sh:AclCommand; do
        class=$(tool_class "${tool#*:}")
        cat >"$STATE/bin/${tool%%:*}" <<EOF
#!/bin/sh
# written by deploy/kafka-local.sh: Kafka $KAFKA_VERSION's ${tool%%:*} from the Maven cache
jsa=$CACHE/tools.jsa
if [ -f "\$jsa" ]; then cds="-XX:SharedArchiveFile=\$jsa"; else cds="-XX:ArchiveClassesAtExit=\$jsa.\$\$"; fi
java $(tool_jvm_opts | tr '\n' ' ')\$cds -cp '$LIB/*' $class "\$@"
rc=\$?
[ -f "\$jsa" ] || [ ! -f "\$jsa.\$\$" ] || mv -f "\$jsa.\$\$" "\$jsa"
exit \$rc
EOF
        chmod +x "$STATE/bin/${tool%%:*}"
    done
    cat >"$STATE/env" <<EOF
KAFKA_LOCAL_STATE=$STATE
KAFKA_LOCAL_BOOTSTRAP=$boot
KAFKA_LOCAL_CLIENTS=$c
KAFKA_LOCAL_CA=$STATE/tls/ca.pem
KAFKA_LOCAL_ADMIN_PROPERTIES=$c/admin.properties
KAFKA_LOCAL_BIN=$STATE/bin
EOF
}

# True when every broker answers metadata requests as admin and sees all three.
cluster_ready() {
    local out
    out=$(kcat -F "$STATE/clients/admin.rdkafka" -L -m 5 2>/dev/null) || return 1
    [[ $(grep -c '^  broker [0-9]* at ' <<<"$out") == 3 ]]
}

wait_ready() {
    local secs=$1 i n
    for ((i = 0; i < secs * 2; i++)); do
        for n in "${NODES[@]}"; do
            node_alive "$n" || die "broker $n exited: $(tail -n 5 "$STATE/node-$n/broker.log")"
        done
        cluster_ready && return 0
        sleep 0.5
    done
    die "the cluster did not answer with three brokers within ${secs}s (logs: $STATE/node-*/broker.log)"
}

apply_table() {
    local p
    for p in "${prefixes[@]}"; do
        say "applying deploy/kafka/cluster.table${p:+ with prefix $p}"
        bash "$SCRIPT_DIR/kafka/apply.sh" --bootstrap-server "$(bootstrap)" \
            --command-config "$STATE/clients/admin.properties" --kafka-bin "$STATE/bin" \
            ${p:+--prefix "$p"} ${SCRAM:+--scram-passwords "$STATE/secrets"} \
            >"$STATE/apply.log" 2>&1 || die "apply.sh failed: $(tail -n 5 "$STATE/apply.log")"
        SCRAM= # users once: they do not depend on the prefix
    done
}

case $verb in
fetch)
    fetch
    say "Kafka $KAFKA_VERSION in $LIB"
    ;;
start)
    need_java
    command -v kcat >/dev/null 2>&1 || die "kcat not found (run deploy/setup.sh)"
    command -v openssl >/dev/null 2>&1 || die "openssl not found (run deploy/setup.sh)"
    t0=$(date +%s%N)
    fetch
    for n in "${NODES[@]}"; do
        if node_alive "$n"; then
            say "brokers of an earlier start still run in $STATE: stopping them (the cluster is throwaway)"
            stop_nodes
            break
        fi
    done
    rm -rf -- "$STATE"/node-* "$STATE/tls" "$STATE/secrets" "$STATE/clients" "$STATE/bin" "$STATE/env"
    b=$(pick_ports)
    echo "$b" >"$STATE/port"
    make_tls
    write_log4j
    make_secrets
    write_client_files
    cid=$(java_tool kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    [[ $cid =~ ^[A-Za-z0-9_-]{22}$ ]] || die "kafka-storage random-uuid printed '$cid'"
    fmt_pids=()
    for n in "${NODES[@]}"; do
        write_server_properties "$n" "$b"
        java_tool kafka.tools.StorageTool format --cluster-id "$cid" \
            --config "$STATE/node-$n/server.properties" \
            --add-scram "SCRAM-SHA-512=[name=admin,password=$(<"$STATE/secrets/admin.password")]" \
            >"$STATE/node-$n/format.log" 2>&1 &
        fmt_pids+=($!)
    done
    for i in "${!fmt_pids[@]}"; do
        wait "${fmt_pids[i]}" || die "formatting node $((i + 1)) failed: $(tail -n 3 "$STATE/node-$((i + 1))/format.log")"
    done
    for n in "${NODES[@]}"; do start_node "$n"; done
    wait_ready 180
    t1=$(date +%s%N)
    say "three brokers up at $(bootstrap) in $(((t1 - t0) / 1000000)) ms"
    SCRAM=1
    apply_table
    t2=$(date +%s%N)
    say "topics, users and ACLs applied in $(((t2 - t1) / 1000000)) ms; started in $(((t2 - t0) / 1000000)) ms"
    echo "bootstrap: $(bootstrap)"
    echo "client properties (one file per program's principal, kafka.* lines for its hub config):"
    for f in "$STATE"/clients/*.conf; do echo "  $f"; done
    echo "admin tools: --command-config $STATE/clients/admin.properties, tools in $STATE/bin"
    ;;
apply)
    need_java
    SCRAM=
    apply_table
    ;;
stop) stop_nodes ;;
env) cat "$STATE/env" 2>/dev/null || die "$STATE: no cluster was started here" ;;
status)
    rc=0
    for n in "${NODES[@]}"; do
        if node_alive "$n"; then echo "node $n: running (pid $(node_pid "$n"))"; else echo "node $n: stopped"; rc=1; fi
    done
    exit "$rc"
    ;;
kill-node)
    node_alive "$node_arg" || die "broker $node_arg is not running"
    kill -KILL "$(node_pid "$node_arg")"
    say "broker $node_arg killed (SIGKILL)"
    ;;
start-node)
    need_java
    start_node "$node_arg"
    # the node is back when the cluster lists it again (others may still be down)
    for ((i = 0; i < 240; i++)); do
        node_alive "$node_arg" || die "broker $node_arg exited: $(tail -n 5 "$STATE/node-$node_arg/broker.log")"
        if kcat -F "$STATE/clients/admin.rdkafka" -L -m 5 2>/dev/null | grep -q "^  broker $node_arg at "; then
            say "broker $node_arg runs again"
            exit 0
        fi
        sleep 0.5
    done
    die "broker $node_arg is not back in the cluster's metadata after 120 s"
    ;;
*) usage_error "unknown verb '$verb'" ;;
esac
