#!/usr/bin/env bash
# test_reader_selftest.sh — the outside reader (reader_attack.py: parses the published reports,
# its own relations, LPs through libglpk from Python) checks itself on hand-known cases and
# against brute force on random tables. The full attack on a year is reader_attack.sh, by hand.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PY=/usr/bin/python3
[[ -x $PY ]] || skip "$PY is not installed"
"$PY" -c 'import ctypes; ctypes.CDLL("libglpk.so")' 2>/dev/null ||
    skip "libglpk.so is not installed (apt-get install libglpk-dev; deploy/setup.sh)"
"$PY" "$HUB_SOURCE_DIR/tests/integration/reader_attack_selftest.py" >"$TMP/out" 2>&1 ||
    fail "$(tail -n 20 "$TMP/out")"
pass "$(tail -n 1 "$TMP/out")"
