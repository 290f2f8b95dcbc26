#!/usr/bin/env bash
# test_avro_interop.sh — our Avro is the standard one: Apache Avro's Python implementation
# (Debian python3-avro) agrees with our canonical forms and fingerprints for every schema in
# schemas/, decodes the bytes our codec writes to the same values, and the bytes it writes decode
# in C (see avro_interop.py). Skips (exit 77) only if python3-avro is missing and
# HUB_TEST_REQUIRE_ALL is not set.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Debian's python3, not a pyenv shim that lacks the Debian packages.
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || skip "$PYTHON is not installed"
"$PYTHON" -c 'import avro.io, avro.schema' 2>/dev/null ||
    skip "python3-avro is not installed (apt-get install python3-avro)"

AVRO_TOOL=$HUB_BUILD_DIR/tests/tools/avro_tool
[[ -x $AVRO_TOOL ]] || fail "$AVRO_TOOL not built (cmake --build $HUB_BUILD_DIR)"

"$PYTHON" "$HUB_SOURCE_DIR/tests/integration/avro_interop.py" "$AVRO_TOOL" \
    "$HUB_SOURCE_DIR/schemas" "$TMP" || fail "Python and C disagree (see above)"
pass
