#!/usr/bin/env bash
# dev-keys.sh HUBCTL KEY_DIR TABLE — signing keys for the dev setup and the tests: one Ed25519 key
# pair per district of districts.csv (current and former), id <code>-dev, valid from 2007-01-01,
# and hub-dev for the hub's own identity (hub-notifier signs receipts with it)
# with no end. Private keys go to KEY_DIR/<key_id>.pem (dir 0700, files 0600: what
# hub.signing.key_dir reads); the public key table to TABLE (hub.signing.keys_file).
#
# Idempotent: keys already in KEY_DIR with their row in TABLE are kept; missing ones are made.
# Never for production: there each district makes its own key (hubctl districts keygen) and
# only the public rows are collected.
set -euo pipefail
HUBCTL=$1
DIR=$2
TABLE=$3
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DISTRICTS=${HUB_REFERENCE_DIR:-$REPO/schemas/reference}/districts.csv
FROM=2007-01-01

mkdir -p "$DIR"
chmod 700 "$DIR"
new=$(mktemp "$TABLE.XXXXXX")
trap 'rm -f "$new"' EXIT
{
    echo "key_id,district,public_key,valid_from,valid_to,revoked_at" # plain CSV: no comments
} >"$new"
made=0
while IFS=, read -r code _; do
    [[ $code == code || -z $code || $code == \#* ]] && continue
    id=$code-dev
    row=$(grep -m 1 "^$id," "$TABLE" 2>/dev/null || true)
    if [[ -n $row && -s $DIR/$id.pem ]]; then
        # a row of a table written before revoked_at existed gets the empty sixth column
        [[ $row == *,*,*,*,*,* ]] || row="$row,"
        echo "$row" >>"$new"
        continue
    fi
    rm -f "$DIR/$id.pem"
    "$HUBCTL" districts keygen --district "$code" --key-id "$id" --valid-from "$FROM" \
        --districts "$DISTRICTS" --out-private "$DIR/$id.pem" >>"$new"
    made=$((made + 1))
done < <(cat "$DISTRICTS"; echo "hub,the hub's own signing identity (receipts)")
chmod 644 "$new"
mv "$new" "$TABLE"
trap - EXIT
echo "dev-keys: $made new, $(grep -c -- '-dev,' "$TABLE") keys in $TABLE"
