#!/usr/bin/env bash
# The README's configuration table is exactly what `hubctl config-keys --markdown` prints from the
# key table in hub/core/config.c, so a key can never be documented and unknown (or the reverse).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$HUB_BUILD_DIR/deploy/hubctl" config-keys --markdown >"$TMP/keys.md"
sed -n '/<!-- config-keys:begin/,/<!-- config-keys:end/p' "$HUB_SOURCE_DIR/README.md" |
    sed '1d;$d' >"$TMP/readme.md"
diff -u "$TMP/readme.md" "$TMP/keys.md" >"$TMP/diff" || fail "README.md's configuration table is out of date; regenerate it with:
  hubctl config-keys --markdown   (between the config-keys markers)
$(cat "$TMP/diff")"
pass
