#!/usr/bin/env bash
# apply.sh — creates the hub's topics and ACLs on a real Kafka cluster from deploy/kafka/cluster.table.
#
#   deploy/kafka/apply.sh --bootstrap-server HOST:PORT [--command-config FILE] [--dry-run]
#                         [--prefix P] [--kafka-bin DIR] [--only topics|acls]
#                         [--table FILE] [--districts CSV]
#
#   --bootstrap-server  a broker of the cluster (required)
#   --command-config    client properties for the admin tools (SASL_SSL, an admin/super user);
#                       passed to every kafka-*.sh command
#   --dry-run           print the commands, one per line, shell-quoted; run nothing
#   --prefix P          hub.topic.prefix of the deployment, put before every topic name
#   --kafka-bin DIR     directory of kafka-topics.sh, kafka-configs.sh, kafka-acls.sh (default:
#                       $KAFKA_HOME/bin if set, else PATH)
#   --only topics|acls  do one half only
#   --table, --districts  the table (default: cluster.table next to this script) and the
#                       districts, one user per current district (default: the source tree's
#                       schemas/reference/districts.csv, or the installed
#                       /usr/share/sams-hub/reference/districts.csv)
#
# Per topic: `kafka-topics.sh --create --if-not-exists` (partitions, replication factor, configs),
# then `kafka-configs.sh --alter --add-config` so that a topic that already existed gets the
# table's configs too. Per ACL line: `kafka-acls.sh --add --allow-principal User:NAME`. All three
# are idempotent: run it after every change of the table. It never deletes a topic or an ACL and
# never changes a partition count (that would move children to other partitions); list what is
# there with `kafka-acls.sh --list` to find ACLs the table no longer has.
# Exits 0 when every command succeeded, 1 at the first that failed (named), 2 on usage errors.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=table.sh
source "$SCRIPT_DIR/table.sh"

say() { printf 'apply: %s\n' "$*" >&2; }
usage_error() { say "error: $*"; say "usage: see the top of $0 (or --help)"; exit 2; }

bootstrap=
command_config=
dry_run=0
prefix=
kafka_bin=${KAFKA_HOME:+$KAFKA_HOME/bin}
only=
table=$SCRIPT_DIR/cluster.table
districts=$(kafka_default_districts "$SCRIPT_DIR")

while (($#)); do
    case $1 in
    --bootstrap-server | --command-config | --prefix | --kafka-bin | --only | --table | --districts)
        (($# >= 2)) || usage_error "$1 needs a value"
        case $1 in
        --bootstrap-server) bootstrap=$2 ;;
        --command-config) command_config=$2 ;;
        --prefix) prefix=$2 ;;
        --kafka-bin) kafka_bin=$2 ;;
        --only) only=$2 ;;
        --table) table=$2 ;;
        --districts) districts=$2 ;;
        esac
        shift
        ;;
    --dry-run) dry_run=1 ;;
    -h | --help)
        sed -n '2,30s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    *) usage_error "unknown argument '$1'" ;;
    esac
    shift
done
[[ -n $bootstrap ]] || usage_error "--bootstrap-server is required"
[[ -z $only || $only == topics || $only == acls ]] || usage_error "--only: '$only' is not topics or acls"
if [[ -n $command_config ]] && ((!dry_run)); then
    [[ -r $command_config ]] || usage_error "--command-config: $command_config: cannot read"
fi

rows=$(kafka_table_expand "$table" "$districts" "$prefix") || exit 2

tool() { printf '%s\n' "${kafka_bin:+$kafka_bin/}$1"; }
TOPICS=$(tool kafka-topics.sh)
CONFIGS=$(tool kafka-configs.sh)
ACLS=$(tool kafka-acls.sh)
if ((!dry_run)); then
    for t in "$TOPICS" "$CONFIGS" "$ACLS"; do
        command -v "$t" >/dev/null 2>&1 ||
            usage_error "$t not found (install Kafka's command-line tools; --kafka-bin DIR or KAFKA_HOME)"
    done
fi
common=(--bootstrap-server "$bootstrap")
[[ -z $command_config ]] || common+=(--command-config "$command_config")

n_run=0
# Shell-quotes one word: as it is when it is plain, else in single quotes.
quote() {
    if [[ $1 =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
        printf '%s' "$1"
    else
        printf "'%s'" "${1//\'/\'\\\'\'}"
    fi
}

# Prints one command (dry run) or runs it, stopping at the first failure.
run() {
    if ((dry_run)); then
        local w sep=
        for w in "$@"; do
            printf '%s' "$sep"
            quote "$w"
            sep=' '
        done
        printf '\n'
        return 0
    fi
    printf '+ %s\n' "$*" >&2
    "$@" || {
        say "error: failed (exit $?): $*"
        exit 1
    }
    n_run=$((n_run + 1))
}

if [[ $only != acls ]]; then
    while IFS=$'\t' read -r kind name partitions replicas configs; do
        [[ $kind == topic ]] || continue
        args=(--create --if-not-exists --topic "$name" --partitions "$partitions"
            --replication-factor "$replicas")
        for c in $configs; do args+=(--config "$c"); done
        run "$TOPICS" "${common[@]}" "${args[@]}"
        if [[ -n $configs ]]; then
            run "$CONFIGS" "${common[@]}" --alter --entity-type topics --entity-name "$name" \
                --add-config "${configs// /,}"
        fi
    done <<<"$rows"
fi

if [[ $only != topics ]]; then
    while IFS=$'\t' read -r kind principal type name ops; do
        [[ $kind == acl ]] || continue
        args=(--add --allow-principal "User:$principal" --allow-host '*')
        IFS=, read -ra op_list <<<"$ops"
        for op in "${op_list[@]}"; do args+=(--operation "$op"); done
        case $type in
        topic) args+=(--topic "$name" --resource-pattern-type literal) ;;
        group) args+=(--group "$name" --resource-pattern-type literal) ;;
        cluster) args+=(--cluster) ;;
        esac
        run "$ACLS" "${common[@]}" "${args[@]}"
    done <<<"$rows"
fi

((dry_run)) || say "done: $n_run commands succeeded against $bootstrap"
