#!/usr/bin/env bash
# setup.sh — installs the Debian 12 packages the hub needs to build, test and run locally.
#
# Idempotent and fast when everything is present (one dpkg-query, no network). Otherwise runs
# `apt-get update` once and installs only what is missing, through sudo when not root.
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config clang libclang-rt-14-dev clang-format
    librdkafka-dev libavro-dev libpq-dev libssl-dev libcmocka-dev libjansson-dev
    libcurl4-openssl-dev libglpk-dev
    postgresql-15 postgresql-client-15
    kcat python3 python3-confluent-kafka python3-avro python3-cryptography curl time
    libmicrohttpd-dev chromium fonts-dejavu-core
    systemd python3-yaml openssl file dpkg-dev
    openjdk-17-jre-headless maven
)

say() { printf 'setup: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

command -v dpkg-query >/dev/null 2>&1 ||
    die "dpkg-query not found: this script supports Debian 12 (bookworm) only"

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    [[ $status == ii* ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    say "all ${#PACKAGES[@]} packages are installed"
    exit 0
fi

say "missing packages: ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    die "not root and sudo is not installed; run as root: apt-get install ${missing[*]}"
fi

export DEBIAN_FRONTEND=noninteractive
say "running apt-get update"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null ||
    die "apt-get update failed (network or apt sources?)"
say "installing: ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null ||
    die "apt-get install failed for: ${missing[*]}"

still=()
for pkg in "${missing[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    [[ $status == ii* ]] || still+=("$pkg")
done
((${#still[@]} == 0)) || die "still not installed after apt-get: ${still[*]}"
say "done: installed ${#missing[@]} package(s)"
