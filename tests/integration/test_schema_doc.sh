#!/usr/bin/env bash
# test_schema_doc.sh — schemas/SCHEMAS.md (every topic's schema, fingerprint and canonical form,
# for consumers outside the hub) is what tests/tools/gen_schema_doc.sh makes from schemas/ with
# the hub's own Avro code: a schema changed without the page fails here.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

AVRO_TOOL=$HUB_BUILD_DIR/tests/tools/avro_tool
[[ -x $AVRO_TOOL ]] || fail "$AVRO_TOOL not built"
bash "$HUB_SOURCE_DIR/tests/tools/gen_schema_doc.sh" "$AVRO_TOOL" "$HUB_SOURCE_DIR/schemas" \
    >"$TMP/SCHEMAS.md" || fail "gen_schema_doc.sh failed"
diff -u "$HUB_SOURCE_DIR/schemas/SCHEMAS.md" "$TMP/SCHEMAS.md" >"$TMP/diff" ||
    fail "schemas/SCHEMAS.md is stale; regenerate: tests/tools/gen_schema_doc.sh $AVRO_TOOL schemas >schemas/SCHEMAS.md
$(head -20 "$TMP/diff")"
# every Avro topic of the hub is in the table, with a fingerprint
for t in placement-events school-start-events handover-events contact-change-events follow-up-events \
    handover-receipts monthly-stats follow-up-stats; do
    grep -qE "^\| \`$t\` \| \`[a-z_]+/v[0-9]+\.avsc\` \| \`0x[0-9a-f]{16}\`" "$TMP/SCHEMAS.md" ||
        fail "$t is not in the table"
done
pass
