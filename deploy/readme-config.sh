#!/usr/bin/env bash
# readme-config.sh [BUILD_DIR] — rewrite README.md's configuration table from the key table.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-$REPO/build}
keys=$("$BUILD/deploy/hubctl" config-keys --markdown)
awk -v keys="$keys" '
    /<!-- config-keys:begin/ { print; print keys; skip = 1; next }
    /<!-- config-keys:end/ { skip = 0 }
    !skip { print }' "$REPO/README.md" >"$REPO/README.md.new"
mv "$REPO/README.md.new" "$REPO/README.md"
