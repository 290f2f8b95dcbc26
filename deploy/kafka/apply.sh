#!/usr/bin/env bash
# apply.sh — creates the hub's topics and ACLs on a real Kafka cluster from deploy/kafka/cluster.table.
#
#   deploy/kafka/apply.sh --bootstrap-server HOST:PORT [--command-config FILE] [--dry-run]
#                         [--prefix P] [--kafka-bin DIR] [--only topics|acls]
#                         [--table FILE] [--districts CSV] [--scram-passwords DIR]
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
#   --scram-passwords DIR  also create (or reset) the SCRAM-SHA-512 user of every principal of
#                       the table, with the password in DIR/PRINCIPAL.password (each must exist;
#                       without this option users are left to whoever manages them)
#
# Per topic: `kafka-topics.sh --create --if-not-exists` (partitions, replication factor, configs),
# then, when the topic already existed, `kafka-configs.sh --alter --add-config` so that it gets the
# table's configs too (the dry run lists the alter for every topic). With --scram-passwords, per
# principal `kafka-configs.sh --alter --entity-type users --add-config-file F`, F a 0600 temporary
# file holding `SCRAM-SHA-512=iterations=8192,password=...` (a properties file, so no brackets;
# never on a command line; removed on exit). ACLs: one `kafka-acls.sh --add` per
# group of table lines that grant the same operations on the same type of resource — every
# --allow-principal gets every --operation on every --topic/--group named in that command, which
# is exactly the table's lines, in fewer JVM starts. All are idempotent: run it after every change
# of the table. It never deletes a topic or an ACL and never changes a partition count (that
# would move children to other partitions); list what is there with `kafka-acls.sh --list` to
# find ACLs the table no longer has.
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
scram_dir=

while (($#)); do
    case $1 in
    --bootstrap-server | --command-config | --prefix | --kafka-bin | --only | --table | --districts | \
        --scram-passwords)
        (($# >= 2)) || usage_error "$1 needs a value"
        case $1 in
        --bootstrap-server) bootstrap=$2 ;;
        --command-config) command_config=$2 ;;
        --prefix) prefix=$2 ;;
        --kafka-bin) kafka_bin=$2 ;;
        --only) only=$2 ;;
        --table) table=$2 ;;
        --districts) districts=$2 ;;
        --scram-passwords) scram_dir=$2 ;;
        esac
        shift
        ;;
    --dry-run) dry_run=1 ;;
    -h | --help)
        sed -n '2,41s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
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
principals=$(awk -F'\t' '$1 == "acl" && !seen[$2]++ {print $2}' <<<"$rows")
if [[ -n $scram_dir ]]; then
    for p in $principals; do
        [[ -r $scram_dir/$p.password ]] || usage_error "--scram-passwords: $scram_dir/$p.password: cannot read"
        [[ -s $scram_dir/$p.password ]] || usage_error "--scram-passwords: $scram_dir/$p.password is empty"
    done
fi

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

# A command as it may be shown: SCRAM passwords replaced by ***.
shown() { sed -E 's/password=[^],]*/password=***/g' <<<"$*"; }

# Prints one command (dry run) or runs it, stopping at the first failure. Its standard output
# goes to stderr and is kept in $last_out.
last_out=
run() {
    if ((dry_run)); then
        local w sep= line=
        for w in "$@"; do
            line+=$sep$(quote "$w")
            sep=' '
        done
        shown "$line"
        return 0
    fi
    printf '+ %s\n' "$(shown "$*")" >&2
    local rc=0
    last_out=$("$@") || rc=$?
    [[ -z $last_out ]] || printf '%s\n' "$last_out" >&2
    if ((rc)); then
        say "error: failed (exit $rc): $(shown "$*")"
        exit 1
    fi
    n_run=$((n_run + 1))
}

if [[ $only != acls ]]; then
    while IFS=$'\t' read -r kind name partitions replicas configs; do
        [[ $kind == topic ]] || continue
        args=(--create --if-not-exists --topic "$name" --partitions "$partitions"
            --replication-factor "$replicas")
        for c in $configs; do args+=(--config "$c"); done
        run "$TOPICS" "${common[@]}" "${args[@]}"
        # A topic created just now has the table's configs already (kafka-topics.sh says so).
        if [[ -n $configs && $last_out != *"Created topic $name."* ]]; then
            run "$CONFIGS" "${common[@]}" --alter --entity-type topics --entity-name "$name" \
                --add-config "${configs// /,}"
        fi
    done <<<"$rows"
fi

if [[ -n $scram_dir && $only != topics ]]; then
    # the password goes in a 0600 file (--add-config-file), never on a command line
    scram_file=$(umask 077 && mktemp "${TMPDIR:-/tmp}/apply-scram.XXXXXX")
    trap 'rm -f -- "$scram_file"' EXIT
    for p in $principals; do
        ((dry_run)) || printf 'SCRAM-SHA-512=iterations=8192,password=%s\n' "$(<"$scram_dir/$p.password")" >"$scram_file"
        run "$CONFIGS" "${common[@]}" --alter --entity-type users --entity-name "$p" \
            --add-config-file "$scram_file"
    done
    : >"$scram_file"
fi

if [[ $only != topics ]]; then
    # Groups the ACL lines: first the names each (type, operations, principal) gets, then the
    # principals that get the same names; prints TYPE OPS PRINCIPALS NAMES (lists comma-separated)
    # in the order of the lines that start each group.
    groups=$(awk -F'\t' '
        $1 != "acl" { next }
        {
            k = $3 SUBSEP $5 SUBSEP $2
            if (!(k in names)) { order[++n] = k; names[k] = $4 } else names[k] = names[k] "," $4
        }
        END {
            for (i = 1; i <= n; i++) {
                split(order[i], f, SUBSEP)
                g = f[1] SUBSEP f[2] SUBSEP names[order[i]]
                if (!(g in who)) { gorder[++m] = g; who[g] = f[3] } else who[g] = who[g] "," f[3]
            }
            for (i = 1; i <= m; i++) {
                split(gorder[i], f, SUBSEP)
                printf "%s\t%s\t%s\t%s\n", f[1], f[2], who[gorder[i]], f[3]
            }
        }' <<<"$rows")
    while IFS=$'\t' read -r type ops who names; do
        [[ -n $type ]] || continue
        args=(--add)
        IFS=, read -ra list <<<"$who"
        for p in "${list[@]}"; do args+=(--allow-principal "User:$p"); done
        args+=(--allow-host '*')
        IFS=, read -ra list <<<"$ops"
        for op in "${list[@]}"; do args+=(--operation "$op"); done
        IFS=, read -ra list <<<"$names"
        case $type in
        topic) for n in "${list[@]}"; do args+=(--topic "$n"); done ;;
        group) for n in "${list[@]}"; do args+=(--group "$n"); done ;;
        cluster) args+=(--cluster) ;;
        esac
        [[ $type == cluster ]] || args+=(--resource-pattern-type literal)
        run "$ACLS" "${common[@]}" "${args[@]}"
    done <<<"$groups"
fi

((dry_run)) || say "done: $n_run commands succeeded against $bootstrap"
