#!/usr/bin/env bash
# Issue 14: nothing stopped a core dump of a process holding keys. A program that has loaded the
# pseudonym key (hub-publish --dry-run, waiting on its input) is killed with SIGSEGV while the
# shell allows core files of any size: no core file appears, its core limit is 0 (soft and hard),
# and the same crash of a plain process in the same place does leave a core (so the check can
# fail). The units' LimitCORE=0 is checked by deploy/systemd/verify.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HUB_PUBLISH=$HUB_BUILD_DIR/producers/hub-publish
[[ -x $HUB_PUBLISH ]] || fail "$HUB_PUBLISH is not built"
pattern=$(cat /proc/sys/kernel/core_pattern)
[[ $pattern == core* ]] ||
    skip "kernel.core_pattern is '$pattern': cores do not land in the working directory here"

head -c 32 /dev/urandom >"$TMP/pseudonym.key"
chmod 600 "$TMP/pseudonym.key"
printf 'hub.pseudonym.key_file=%s\nhub.signing.required=false\n' "$TMP/pseudonym.key" >"$TMP/hub.conf"
mkdir "$TMP/cwd" "$TMP/cwd-control"
mkfifo "$TMP/input"

# Runs "$@" in directory $1 with unlimited cores, stdin from the fifo; sets PID.
start_in() {
    local dir=$1
    shift
    (cd "$dir" && ulimit -c unlimited && exec "$@" <"$TMP/input") >"$TMP/out" 2>"$TMP/err" &
    PID=$!
    exec 7>"$TMP/input" # the writer end: the program now waits for input
}

# The control: a process without our start-up leaves a core where the kernel puts it.
start_in "$TMP/cwd-control" sleep 60
kill -SEGV "$PID"
wait "$PID" 2>/dev/null || true
exec 7>&-
ls "$TMP"/cwd-control/core* >/dev/null 2>&1 ||
    skip "a crashing process leaves no core here even without our protection (container limits)"

start_in "$TMP/cwd" "$HUB_PUBLISH" --config "$TMP/hub.conf" --dry-run
for ((i = 0; i < 100; i++)); do
    grep -q 'Max core file size' "/proc/$PID/limits" 2>/dev/null &&
        [[ $(readlink "/proc/$PID/exe" 2>/dev/null) == *hub-publish ]] && break
    sleep 0.05
done
sleep 0.5 # past hub_app_start: the key is read after it
limits=$(grep 'Max core file size' "/proc/$PID/limits")
read -r soft hard _ < <(sed 's/Max core file size *//' <<<"$limits")
[[ $soft == 0 && $hard == 0 ]] || fail "core limit of hub-publish: $limits"
kill -SEGV "$PID"
wait "$PID" 2>/dev/null || true
exec 7>&-
if ls "$TMP"/cwd/core* >/dev/null 2>&1; then
    fail "hub-publish left a core dump: $(ls "$TMP"/cwd)"
fi
pass "no core dump of a process holding the pseudonym key (the control left one)"
