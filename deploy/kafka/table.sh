# shellcheck shell=bash
# table.sh — reads deploy/kafka/cluster.table for apply.sh and gen-strimzi.sh (source it).
#
#   kafka_table_expand TABLE DISTRICTS_CSV PREFIX
#
# Checks the table and prints it flat and expanded on stdout, tab-separated, in table order:
#
#   topic  NAME  PARTITIONS  REPLICAS  KEY=VALUE[ KEY=VALUE...]
#   acl    PRINCIPAL  TYPE  NAME  OPERATION[,OPERATION...]
#
# with PREFIX put before every topic name (topic lines and topic ACLs) and `district-*` expanded
# to district-<code> (`relay-*` to relay-<code>) for every current district (no valid_to) of
# DISTRICTS_CSV. Any error names
# FILE:LINE and returns 1 with nothing printed; an ACL on a topic the table does not define is an
# error (a typo would otherwise grant access to a topic nobody creates).
#
#   kafka_default_districts SCRIPT_DIR
#
# Prints where districts.csv is: the source tree's schemas/reference (deploy/kafka/../..), else
# the installed reference data next to the installed scripts (/usr/share/sams-hub/kafka/../reference).

kafka_default_districts() {
    local dir=$1
    if [[ -f $dir/../../schemas/reference/districts.csv ]]; then
        printf '%s\n' "$(cd "$dir/../.." && pwd)/schemas/reference/districts.csv"
    else
        printf '%s\n' "$(cd "$dir/.." && pwd)/reference/districts.csv"
    fi
}

kafka_table_expand() {
    local table=$1 districts=$2 prefix=$3 codes out
    [[ -r $table ]] || { printf 'kafka table: %s: cannot read\n' "$table" >&2; return 1; }
    [[ -r $districts ]] || { printf 'kafka table: %s: cannot read\n' "$districts" >&2; return 1; }
    [[ $prefix =~ ^[A-Za-z0-9._-]*$ ]] ||
        { printf "kafka table: prefix '%s': only letters, digits, '.', '_' and '-'\n" "$prefix" >&2; return 1; }

    # Current district codes: the `code` column of rows with an empty `valid_to`.
    codes=$(awk -F, -v file="$districts" '
        NR == 1 {
            for (i = 1; i <= NF; i++) col[$i] = i
            if (!("code" in col) || !("valid_to" in col)) {
                printf "kafka table: %s:1: needs columns code and valid_to\n", file > "/dev/stderr"
                bad = 1; exit 1
            }
            next
        }
        /^[[:space:]]*$/ { next }
        /"/ { printf "kafka table: %s:%d: quoted fields are not supported\n", file, NR > "/dev/stderr"
              bad = 1; exit 1 }
        $col["valid_to"] == "" {
            if ($col["code"] !~ /^[a-z0-9-]+$/) {
                printf "kafka table: %s:%d: district code \"%s\" is not [a-z0-9-]+\n", file, NR,
                       $col["code"] > "/dev/stderr"
                bad = 1; exit 1
            }
            print $col["code"]
        }
        END { exit bad }' "$districts") || return 1
    [[ -n $codes ]] || { printf 'kafka table: %s: no current district\n' "$districts" >&2; return 1; }

    out=$(awk -v file="$table" -v prefix="$prefix" -v codes="$codes" '
        function die(msg) { printf "kafka table: %s:%d: %s\n", file, FNR, msg > "/dev/stderr"; bad = 1; exit 1 }
        BEGIN {
            OFS = "\t"
            split("Read Write Create Delete Alter Describe ClusterAction DescribeConfigs " \
                  "AlterConfigs IdempotentWrite All", o, " ")
            for (i in o) valid_op[o[i]] = 1
            ndistricts = split(codes, district, "\n")
        }
        { sub(/#.*/, "") }
        NF == 0 { next }
        $1 == "topic" {
            if (NF < 4) die("topic needs NAME PARTITIONS REPLICAS [KEY=VALUE...]")
            if ($2 !~ /^[A-Za-z0-9._-]+$/) die("topic name \"" $2 "\" has characters Kafka refuses")
            if ($3 !~ /^[1-9][0-9]*$/) die("partitions \"" $3 "\" is not a positive number")
            if ($4 !~ /^[1-9][0-9]*$/) die("replicas \"" $4 "\" is not a positive number")
            if ($2 in topic) die("topic " $2 " defined twice")
            cfg = ""
            for (i = 5; i <= NF; i++) {
                if ($i !~ /^[a-z][a-z0-9.]*=[^=,]+$/) die("\"" $i "\" is not KEY=VALUE")
                cfg = cfg (i > 5 ? " " : "") $i
            }
            topic[$2] = 1
            lines[++n] = "topic" OFS prefix $2 OFS $3 OFS $4 OFS cfg
            next
        }
        $1 == "allow" {
            if (NF != 5) die("allow needs PRINCIPAL TYPE NAME OPERATIONS")
            if ($2 !~ /^[a-z0-9][a-z0-9-]*(\*)?$/ || ($2 ~ /\*/ && $2 != "district-*" && $2 != "relay-*"))
                die("principal \"" $2 "\" must be lowercase [a-z0-9-] (or district-*, relay-*)")
            if ($3 != "topic" && $3 != "group" && $3 != "cluster")
                die("type \"" $3 "\" is not topic, group or cluster")
            if ($3 == "cluster" && $4 != "kafka-cluster") die("the cluster resource is named kafka-cluster")
            m = split($5, ops, ",")
            for (i = 1; i <= m; i++)
                if (!(ops[i] in valid_op)) die("\"" ops[i] "\" is not a Kafka ACL operation")
            name = $4
            if ($3 == "topic") {
                if (!(name in topic)) die("ACL on topic " name ", which no topic line defines (above it)")
                name = prefix name
            }
            if ($2 == "district-*" || $2 == "relay-*") {
                for (d = 1; d <= ndistricts; d++)
                    lines[++n] = "acl" OFS substr($2, 1, length($2) - 1) district[d] OFS $3 OFS name OFS $5
            } else {
                lines[++n] = "acl" OFS $2 OFS $3 OFS name OFS $5
            }
            next
        }
        { die("unknown line kind \"" $1 "\" (topic or allow)") }
        END {
            if (bad) exit 1
            for (i = 1; i <= n; i++) print lines[i]
        }' "$table") || return 1
    printf '%s\n' "$out"
}
