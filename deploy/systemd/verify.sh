#!/usr/bin/env bash
# verify.sh — checks the hub's systemd units offline, without a running systemd.
#
#   deploy/systemd/verify.sh [--root DIR] [--max-exposure N]
#
# Without --root: the units of deploy/systemd/. A scratch root is made with the host's unit tree
# (/lib/systemd/system, for the targets they name), the units, and an executable stub at every
# ExecStart path: `systemd-analyze verify` refuses a unit whose program does not exist, and the
# programs are not installed on this machine (the consumers may not even be written yet). That the
# real programs are where the units say is checked by deploy/package-check.sh, which runs this with
# --root on the extracted package.
# With --root DIR: the units in DIR/lib/systemd/system with the programs DIR holds (no stubs).
#
# For each hub-*.service:
#   1. `systemd-analyze verify --root=...`: syntax, directives, the programs exist;
#   2. the sandbox we promise is there (DynamicUser, ProtectSystem=strict, empty
#      CapabilityBoundingSet, SystemCallFilter, ...), ExecStart is /usr/bin/hub-* --config
#      /etc/sams-hub/*.conf, long-running ones restart on failure;
#   3. `systemd-analyze security --offline`: overall exposure at most N (default 2.0 of 10).
# Exits 0 when every unit passes, 1 otherwise; needs package systemd (not a running systemd).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HOST_UNITS=/lib/systemd/system

say() { printf 'systemd-verify: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

root=
max_exposure=2.0
while (($#)); do
    case $1 in
    --root) root=${2:?--root needs a directory}; shift ;;
    --max-exposure) max_exposure=${2:?--max-exposure needs a number}; shift ;;
    -h | --help) sed -n '2,22s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument '$1'" ;;
    esac
    shift
done
[[ $max_exposure =~ ^[0-9]+(\.[0-9])?$ ]] || die "--max-exposure: '$max_exposure' is not like 2.0"
command -v systemd-analyze >/dev/null 2>&1 || die "systemd-analyze not found: install package systemd"
[[ -d $HOST_UNITS ]] || die "$HOST_UNITS not found: install package systemd"

scratch=$(mktemp -d)
trap 'rm -rf -- "$scratch"' EXIT

if [[ -z $root ]]; then
    root=$scratch/root
    mkdir -p "$root/lib/systemd/system"
    cp "$SCRIPT_DIR"/*.service "$root/lib/systemd/system/"
    stubs=1
else
    [[ -d $root/lib/systemd/system ]] || die "$root/lib/systemd/system: no units there"
    root=$(cd "$root" && pwd)
    stubs=0
fi
units=()
for f in "$root"/lib/systemd/system/hub-*.service; do
    [[ -e $f ]] && units+=("$(basename "$f")")
done
((${#units[@]})) || die "no hub-*.service in $root/lib/systemd/system"

# The host's unit tree for targets and dependencies (ours win on a name clash: -n).
cp -an "$HOST_UNITS/." "$root/lib/systemd/system/"

# The sandbox every unit must have, exactly as written here.
REQUIRED=(
    "DynamicUser=yes" "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes"
    "PrivateDevices=yes" "NoNewPrivileges=yes" "CapabilityBoundingSet=" "AmbientCapabilities="
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "SystemCallFilter=@system-service"
    "SystemCallArchitectures=native" "MemoryDenyWriteExecute=yes" "RestrictNamespaces=yes"
    "RestrictSUIDSGID=yes" "LockPersonality=yes" "ProtectKernelTunables=yes"
    "ProtectKernelModules=yes" "ProtectControlGroups=yes" "UMask=0077" "LimitCORE=0"
    "Environment=HUB_PG_PASSFILE=%d/pgpass"
)

failed=0
unit_failed=0
bad() { say "FAIL $1: $2"; failed=1; unit_failed=1; }

for u in "${units[@]}"; do
    f=$root/lib/systemd/system/$u
    unit_failed=0
    note=
    exec_line=$(grep -E '^ExecStart=' "$f" || true)
    [[ $(grep -c '^ExecStart=' "$f") == 1 ]] || { bad "$u" "needs exactly one ExecStart="; continue; }
    if [[ ! $exec_line =~ ^ExecStart=(/usr/bin/hub-[a-z]+)\ --config\ /etc/sams-hub/[a-z]+\.conf( |$) ]]; then
        bad "$u" "ExecStart is not '/usr/bin/hub-* --config /etc/sams-hub/*.conf': $exec_line"
        continue
    fi
    program=${BASH_REMATCH[1]}
    if ((stubs)); then
        mkdir -p "$root/usr/bin"
        if [[ ! -e $root$program ]]; then
            printf '#!/bin/sh\nexit 0\n' >"$root$program"
            chmod 755 "$root$program"
        fi
        note=", program stubbed"
    fi
    for d in "${REQUIRED[@]}"; do
        grep -qxF -- "$d" "$f" || bad "$u" "missing '$d'"
    done
    if grep -qx 'Type=oneshot' "$f"; then
        grep -q '^Conflicts=' "$f" || bad "$u" "a one-shot hub unit must conflict with the service it replaces"
    else
        grep -qx 'Restart=on-failure' "$f" || bad "$u" "missing 'Restart=on-failure'"
        grep -qx 'Type=notify' "$f" || bad "$u" "a long-running hub unit is Type=notify (the programs speak sd_notify)"
        grep -qE '^WatchdogSec=[1-9][0-9]*s?$' "$f" || bad "$u" "missing a WatchdogSec= (the loops ping it)"
        grep -qx 'NotifyAccess=main' "$f" || bad "$u" "missing 'NotifyAccess=main'"
        grep -qE '^RestartSec=[1-9][0-9]*s?$' "$f" || bad "$u" "missing a RestartSec= of at least 1 s"
        grep -qx 'WantedBy=multi-user.target' "$f" || bad "$u" "not installable (WantedBy=multi-user.target)"
    fi
    grep -qE '^LoadCredential=pgpass:/etc/sams-hub/secrets/[a-z]+\.pgpass$' "$f" ||
        bad "$u" "the PostgreSQL password must come as credential 'pgpass' from /etc/sams-hub/secrets"

    if ! (cd "$root" && systemd-analyze verify --root="$root" "$u") >"$scratch/verify.out" 2>&1; then
        bad "$u" "systemd-analyze verify: $(tr '\n' ' ' <"$scratch/verify.out")"
    elif [[ -s $scratch/verify.out ]]; then
        # verify exits 0 on some warnings; ours must be clean.
        bad "$u" "systemd-analyze verify warned: $(tr '\n' ' ' <"$scratch/verify.out")"
    fi

    # systemd-analyze's threshold is the exposure times ten.
    threshold=$(awk -v e="$max_exposure" 'BEGIN { printf "%d", e * 10 + 0.5 }')
    exposure=$( (cd "$root" && systemd-analyze security --offline=yes --root="$root" "$u" 2>&1) |
        sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    if [[ -z $exposure ]]; then
        bad "$u" "systemd-analyze security gave no exposure level"
    elif ! (cd "$root" && systemd-analyze security --offline=yes --threshold="$threshold" \
        --root="$root" "$u") >/dev/null 2>&1; then
        bad "$u" "exposure $exposure is above $max_exposure"
    fi
    ((unit_failed)) || say "ok $u: $program$note, exposure $exposure"
done

if ((failed)); then
    say "some units failed"
    exit 1
fi
say "${#units[@]} units verified"
