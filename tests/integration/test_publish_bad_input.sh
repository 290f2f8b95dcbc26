#!/usr/bin/env bash
# test_publish_bad_input.sh — `hub-publish` refuses bad input, bad configuration and an absent
# cluster with a clear message and the documented exit code, publishes nothing it should not, and
# never prints a personnummer.
#
# Each validation rule of producers/INPUT.md gets a file whose third line breaks it (the first two
# are valid): exit 2, the message "FILE:3: field: …", no message on any topic (kcat), and no
# personnummer on stderr in any form. Then --skip-invalid, --dry-run, a missing or too readable key
# file, an unreachable cluster (exit 1, every event named) and publishing the same file twice.
# HUB_TEST_VERBOSE=1 prints what hub-publish said for each rule.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PYTHON=/usr/bin/python3
HUB_PUBLISH=$HUB_BUILD_DIR/producers/hub-publish
HELPER=$HUB_SOURCE_DIR/tests/integration/publish_interop.py

need_cmd kcat
[[ -x $PYTHON ]] || skip "$PYTHON is not installed"
"$PYTHON" -c 'import avro.io, avro.schema, confluent_kafka' 2>/dev/null ||
    skip "python3-avro or python3-confluent-kafka is not installed"
[[ -x $HUB_PUBLISH ]] || fail "$HUB_PUBLISH is not built"

head -c 32 /dev/urandom >"$TMP/pseudonym.key"
chmod 0600 "$TMP/pseudonym.key"
start_broker
BOOTSTRAP=$(<"$HUB_BROKER_BOOTSTRAP_FILE")
# Each config names its cluster itself; the environment must not override it.
unset HUB_KAFKA_BOOTSTRAP_SERVERS
# Unsigned events: signing (hub/crypto/sign.h) has its own tests and is not what this one checks.
cat >"$TMP/hub.conf" <<EOF
hub.bootstrap_file=$HUB_BROKER_BOOTSTRAP_FILE
hub.pseudonym.key_file=$TMP/pseudonym.key
hub.signing.required=false
EOF

# Synthetic numbers with valid check digits (and a few that are wrong on purpose).
A=$("$PYTHON" "$HELPER" pnr 20150312238)   # 12 digits
B=$("$PYTHON" "$HELPER" pnr 20120815123)
FEB30=$("$PYTHON" "$HELPER" pnr 20150230238) # check digit right, date wrong
A_DASH=${A:0:8}-${A:8}
A_WRONG=${A:0:11}$(((${A:11} + 1) % 10))
FEB30_DASH=${FEB30:0:8}-${FEB30:8}
ALL_NUMBERS=("$A" "$B" "$FEB30" "$A_WRONG")

# Every form (12 and 10 digits, with and without separator) of every number above.
for n in "${ALL_NUMBERS[@]}"; do
    printf '%s\n' "$n" "${n:0:8}-${n:8}" "${n:2}" "${n:2:6}-${n:8}" "${n:2:6}+${n:8}"
done >"$TMP/forms"

# Fails if $1 (a file) holds any form of any number.
no_personnummer() {
    if grep -aF -f "$TMP/forms" "$1" >/dev/null; then
        fail "$2: a personnummer was printed: $(grep -aoF -f "$TMP/forms" "$1" | head -1 |
            sed 's/[0-9]/#/g') (digits masked)"
    fi
}

# Prints the number of messages on all partitions of all topics (high watermarks, via kcat).
total_messages() {
    local t p i args=() n=0 sum=0 off
    kcat -b "$BOOTSTRAP" -L -m 10 >"$TMP/metadata" 2>"$TMP/kcat.err" || {
        cat "$TMP/kcat.err" >&2
        fail "kcat -L failed"
    }
    while read -r t p; do
        for ((i = 0; i < p; i++)); do
            args+=(-t "$t:$i:-1")
            n=$((n + 1))
        done
    done < <(sed -n 's/^ *topic "\([^"]*\)" with \([0-9]*\) partitions:.*/\1 \2/p' "$TMP/metadata")
    ((n >= 4 * 16)) || fail "kcat -L lists only $n partitions"
    kcat -b "$BOOTSTRAP" -Q -m 10 "${args[@]}" >"$TMP/offsets" 2>"$TMP/kcat.err" || {
        cat "$TMP/kcat.err" >&2
        fail "kcat -Q failed"
    }
    while read -r off; do
        sum=$((sum + off))
    done < <(sed -n 's/.* offset \(-\?[0-9]*\)$/\1/p' "$TMP/offsets")
    (($(grep -c ' offset ' "$TMP/offsets") == n)) ||
        fail "kcat -Q answered for $(grep -c ' offset ' "$TMP/offsets") of $n partitions"
    echo "$sum"
}

# Runs hub-publish ARGS...; sets RC, output in $TMP/out and $TMP/err.
publish() {
    RC=0
    "$HUB_PUBLISH" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || RC=$?
}

expect_rc() {
    ((RC == $1)) || {
        cat "$TMP/err" >&2
        fail "$2: hub-publish exited $RC, expected $1"
    }
}

expect_err() {
    grep -qF -- "$1" "$TMP/err" || {
        cat "$TMP/err" >&2
        fail "$2: stderr lacks '$1'"
    }
}

# --- valid lines the cases start with --------------------------------------------------------
EV=3f1c9a2e-0b6d-4e8a-9c1f-2a7d5e0b1c
PL=a1b2c3d4-0000-4000-8000-000000000001
placement() { # $1: event id suffix, $2: personnummer, $3: extra fields (",k":v...)
    printf '{"type":"placement","event_id":"%s%s","occurred_at":"2026-03-02T09:15:00+01:00",' \
        "$EV" "$1"
    printf '"district":"farsta","personnummer":"%s","placement_id":"%s","action":"started",' "$2" "$PL"
    printf '"legal_basis":"SoL","placement_form":"familjehem","start_date":"2026-03-02",'
    printf '"school_change":true%s}\n' "$3"
}
school_start() {
    printf '{"type":"school_start","event_id":"%s%s","occurred_at":"2026-03-12T08:05:00+01:00",' \
        "$EV" "$1"
    printf '"district":"farsta","personnummer":"%s","placement_id":"%s","school_unit":"%s",' \
        "$2" "$PL" "$3"
    printf '"school_form":"grundskola","start_date":"2026-03-12"}\n'
}
CONTACT='{"name":"Anna Handläggare","role":"skolsamordnare","phone":"08-508 000 00","email":"anna@example.se"}'
handover() {
    printf '{"type":"handover","event_id":"%s%s","occurred_at":"2026-03-03T14:00:00+01:00",' "$EV" "$1"
    printf '"district":"farsta","personnummer":"%s","handover_id":"7e0d1c2b-0000-4000-8000-000000000001",' "$2"
    printf '"placement_id":"%s","receiving_school_unit":"12345678","planned_start_date":"2026-03-09",' "$PL"
    printf '"legal_ground":"consent_guardian","contact":%s%s}\n' "$CONTACT" "$3"
}
contact_change() {
    printf '{"type":"contact_change","event_id":"%s%s","occurred_at":"2026-04-01T09:00:00+02:00",' "$EV" "$1"
    printf '"district":"farsta","old_contact":%s,"new_contact":%s,%s,"effective_date":"2026-04-01"}\n' \
        "$CONTACT" "$CONTACT" "$2"
}
follow_up() { # $1: event id suffix, $2: personnummer, $3: extra fields (",k":v...)
    printf '{"type":"follow_up","event_id":"%s%s","occurred_at":"2026-10-02T15:00:00+02:00",' "$EV" "$1"
    printf '"district":"farsta","personnummer":"%s","placement_id":"%s","review_date":"2026-10-01",' "$2" "$PL"
    printf '"school_form":"grundskola","grade_year":9,"attendance":"from_80_to_89",'
    printf '"knowledge_goals":"not_reached"%s}\n' "$3"
}

# --- one case per rule ------------------------------------------------------------------------
# case NAME FIELD_PREFIX LINE: the file is two valid lines and LINE; the message must be
# "FILE:3: FIELD_PREFIX".
n_cases=0
bad_case() {
    local name=$1 want=$2 line=$3 file=$TMP/$1.jsonl
    {
        placement 01 "$A_DASH" ''
        school_start 02 "$B" 12345678
        printf '%s\n' "$line"
    } >"$file"
    publish --config "$TMP/hub.conf" "$file"
    expect_rc 2 "$name"
    expect_err "$file:3: $want" "$name"
    if grep -qF "$file:1:" "$TMP/err" || grep -qF "$file:2:" "$TMP/err"; then
        cat "$TMP/err" >&2
        fail "$name: a valid line was reported"
    fi
    expect_err "2 valid, 1 invalid line; nothing published" "$name"
    no_personnummer "$TMP/err" "$name"
    no_personnummer "$TMP/out" "$name"
    local total
    total=$(total_messages)
    ((total == 0)) || fail "$name: $total messages reached the topics, expected none"
    if [[ ${HUB_TEST_VERBOSE:-0} == 1 ]]; then
        sed "s|^$TMP/||" "$TMP/err" >&2
    fi
    n_cases=$((n_cases + 1))
}

bad_case bad_json 'not valid JSON: ' \
    "{\"type\":\"placement\",\"event_id\":\"${EV}03\",\"personnummer\":\"$A_DASH"
bad_case bad_json_bare_number 'not valid JSON: ' \
    "{\"type\":\"placement\",\"event_id\":\"${EV}03\",\"personnummer\":$A_DASH}"
# jansson quotes the input near an error; not even the last four digits may come through.
! grep -qF -- "-${A:8}" "$TMP/err" || fail "bad_json_bare_number: part of the number was printed"
bad_case not_an_object 'not a JSON object' '["placement"]'
bad_case unknown_type "type: not one of" "$(placement 03 "$A" '' | sed 's/"placement"/"placment"/')"
bad_case missing_field 'start_date: required' "$(placement 03 "$A" '' | sed 's/"start_date":"2026-03-02",//')"
bad_case unknown_field 'member 12: unknown field (the fields are type, event_id' "$(placement 03 "$A" ',"start_datum":"2026-03-02"')"
bad_case unknown_contact_field 'contact: member 5: unknown field (the fields are name, role' \
    "$(handover 03 "$A" '' | sed 's/"email":"anna@example.se"/&,"mobile":"070"/')"
bad_case bad_uuid 'event_id: ' "$(placement 03 "$A" '' | sed "s/${EV}03/${EV}0/")"
bad_case bad_placement_uuid 'placement_id: ' "$(placement 03 "$A" '' | sed "s/$PL/${PL:0:35}g/")"
bad_case bad_rfc3339 'occurred_at: ' "$(placement 03 "$A" '' | sed 's/2026-03-02T09:15:00+01:00/2026-03-02 09:15:00/')"
bad_case rfc3339_no_offset 'occurred_at: ' "$(placement 03 "$A" '' | sed 's/2026-03-02T09:15:00+01:00/2026-03-02T09:15:00/')"
# issue 14: an event dated 9999-12-31 would win every newest-wins comparison in the read model
bad_case occurred_in_future 'occurred_at: more than 300 s ahead of the clock (hub.clock.max_skew_s)' \
    "$(placement 03 "$A" '' | sed 's/2026-03-02T09:15:00+01:00/9999-12-31T23:00:00+01:00/')"
bad_case bad_date 'start_date: ' "$(placement 03 "$A" '' | sed 's/"start_date":"2026-03-02"/"start_date":"2026-02-30"/')"
bad_case wrong_check_digit 'personnummer: ' "$(placement 03 "$A_WRONG" '')"
bad_case february_30 'personnummer: ' "$(placement 03 "$FEB30_DASH" '')"
bad_case bad_length 'personnummer: ' "$(placement 03 "${A:0:11}" '')"
bad_case bad_length_long 'personnummer: ' "$(placement 03 "${A}0" '')"
bad_case letters 'personnummer: ' "$(placement 03 "${A:0:8}-${A:8:2}X${A:11}" '')"
bad_case personnummer_number 'personnummer: must be a string' \
    "$(placement 03 "$A" '' | sed "s/\"$A\"/$A/")"
bad_case district_unknown 'district: ' "$(placement 03 "$A" '' | sed 's/"farsta"/"atlantis"/')"
bad_case district_not_valid_then 'district: ' \
    "$(placement 03 "$A" '' | sed 's/"farsta"/"rinkeby-kista"/; s/2026-03-02T09:15:00+01:00/2024-05-02T09:15:00+02:00/')"
bad_case end_before_start 'end_date: ' \
    "$(placement 03 "$A" ',"end_date":"2026-03-01"' | sed 's/"started"/"ended"/')"
bad_case ended_without_end_date 'end_date: required when action is ended' \
    "$(placement 03 "$A" '' | sed 's/"started"/"ended"/')"
bad_case bad_action "action: not one of" "$(placement 03 "$A" '' | sed 's/"started"/"stopped"/')"
bad_case school_change_string 'school_change: ' "$(placement 03 "$A" '' | sed 's/"school_change":true/"school_change":"yes"/')"
bad_case bad_skolenhetskod 'school_unit: ' "$(school_start 03 "$A" 1234567)"
bad_case skolenhetskod_letters 'school_unit: ' "$(school_start 03 "$A" 1234567A)"
bad_case bad_kommunkod 'placement_municipality: ' "$(placement 03 "$A" ',"placement_municipality":"01380"')"
bad_case handover_content 'content: ' "$(handover 03 "$A" ',"content":{"needs":"extra support in reading"}')"
bad_case handover_no_contact 'contact: required' \
    "$(handover 03 "$A" '' | sed "s/,\"contact\":$CONTACT//")"
bad_case contact_change_empty_scope 'school_units: ' "$(contact_change 03 '"school_units":[],"placements":[]')"
bad_case contact_change_no_scope 'school_units: ' "$(contact_change 03 '"placements":[]' | sed 's/"placements":\[\],//')"
bad_case contact_change_personnummer 'member 8: unknown field' \
    "$(contact_change 03 "\"school_units\":[\"12345678\"],\"personnummer\":\"$A\"")"
# What every consumer refuses (hub/domain/event_valid.h) is refused before it is sent, not
# published to be dead-lettered: a date the read model cannot hold.
bad_case start_date_before_1900 'event: start_date: outside 1900..9999' \
    "$(placement 03 "$B" '' | sed 's/"start_date":"2026-03-02"/"start_date":"1850-03-02"/')"

# Issue 19: follow-ups of schooling.
bad_case follow_up_attendance 'attendance: not one of from_90, from_80_to_89' \
    "$(follow_up 03 "$A" '' | sed 's/"from_80_to_89"/"from_95"/')"
bad_case follow_up_goals 'knowledge_goals: not one of reached' \
    "$(follow_up 03 "$A" '' | sed 's/"not_reached"/"partly"/')"
bad_case follow_up_school_form 'school_form: not one of grundskola, gymnasieskola' \
    "$(follow_up 03 "$A" '' | sed 's/"grundskola"/"forskoleklass"/')"
bad_case follow_up_grade_year 'grade_year: 10 is not a grade year' \
    "$(follow_up 03 "$A" '' | sed 's/"grade_year":9/"grade_year":10/')"
bad_case follow_up_grade_year_gymnasium 'grade_year: 5 is not a grade year of gymnasieskola (1..4)' \
    "$(follow_up 03 "$A" '' | sed 's/"grundskola","grade_year":9/"gymnasieskola","grade_year":5/')"
bad_case follow_up_eligible_year_8 'upper_secondary_eligible: only given in year 9 of grundskola' \
    "$(follow_up 03 "$A" ',"upper_secondary_eligible":true' | sed 's/"grade_year":9/"grade_year":8/')"
bad_case follow_up_on_track_grundskola 'on_track_for_diploma: only given in gymnasieskola' \
    "$(follow_up 03 "$A" ',"on_track_for_diploma":true')"
bad_case follow_up_eligible_string 'upper_secondary_eligible: must be true, false or null' \
    "$(follow_up 03 "$A" ',"upper_secondary_eligible":"yes"')"
bad_case follow_up_review_after_report 'review_date: after occurred_at' \
    "$(follow_up 03 "$A" '' | sed 's/"review_date":"2026-10-01"/"review_date":"2026-10-20"/')"
bad_case follow_up_free_text 'member 12: unknown field' \
    "$(follow_up 03 "$A" ',"comment":"skolk"')"

# Issue 14: errors never echo a value, even one that hides a number behind letters; the forms
# file above lists the bare numbers, so an echo of "x<number>" would be caught by no_personnummer.
bad_case type_echo "type: not one of" "$(placement 03 "$A" '' | sed "s/\"placement\"/\"x$A\"/")"
bad_case action_echo "action: not one of" "$(placement 03 "$A" '' | sed "s/\"started\"/\"pnr$A_DASH\"/")"
bad_case field_name_echo 'member 12: unknown field' "$(placement 03 "$A" ",\"x$A\":1")"
bad_case district_echo 'district: ' "$(placement 03 "$A" '' | sed "s/\"farsta\"/\"d$A\"/")"
# ... and a personnummer in a free-text field is refused, naming the field.
bad_case identity_in_contact_name 'contact.name: holds a personnummer' \
    "$(handover 03 "$A" '' | sed "s/Anna Handläggare/Kalle Anka $A_DASH/")"
bad_case identity_joined_to_letters 'contact.role: holds a personnummer' \
    "$(handover 03 "$A" '' | sed "s/skolsamordnare/pnr$A/")"
bad_case identity_in_new_contact 'new_contact.email: holds a personnummer' \
    "$(contact_change 03 '"school_units":["12345678"]' | sed "s/anna@example.se/k${A:2}@example.se/2")"
bad_case identity_in_phone 'contact.phone: holds a personnummer' \
    "$(handover 03 "$A" '' | sed "s/08-508 000 00/${B:2:6}-${B:8}/")"
# Content without a legal ground never leaves the district.
bad_case content_without_ground 'content: legal_ground is none' \
    "$(handover 03 "$A" ',"content":{"needs":"extra support in reading"}' | sed 's/"consent_guardian"/"none"/')"

# A line that starts with a NUL byte is invalid, not blank: never skipped silently.
{
    placement 01 "$A_DASH" ''
    printf '\n  \t\n'
    printf '\0{"type":"placement"}\n'
} >"$TMP/nul.jsonl"
publish --config "$TMP/hub.conf" "$TMP/nul.jsonl"
expect_rc 2 nul_byte
expect_err "$TMP/nul.jsonl:4: not valid JSON" nul_byte
expect_err "1 valid, 1 invalid line; nothing published" nul_byte

# Every problem of a line is reported, not just the first.
{
    placement 01 "$A_WRONG" ',"end_date":"2026-01-01","placement_municipality":"x"' |
        sed 's/"farsta"/"atlantis"/; s/"SoL"/"sol"/'
} >"$TMP/many.jsonl"
publish --config "$TMP/hub.conf" "$TMP/many.jsonl"
expect_rc 2 many_problems
for field in personnummer legal_basis end_date placement_municipality district; do
    expect_err "$TMP/many.jsonl:1: $field: " many_problems
done
no_personnummer "$TMP/err" many_problems

# Problems in several files: each named with its own file and line.
publish --config "$TMP/hub.conf" "$TMP/bad_uuid.jsonl" "$TMP/letters.jsonl"
expect_rc 2 two_files
expect_err "$TMP/bad_uuid.jsonl:3: event_id: " two_files
expect_err "$TMP/letters.jsonl:3: personnummer: " two_files
(($(total_messages) == 0)) || fail "messages reached the topics from invalid input"

# --- --dry-run: validates only ----------------------------------------------------------------
{
    placement 11 "$A_DASH" ''
    school_start 12 "$B" 12345678
    handover 13 "$A" ''
    contact_change 14 '"school_units":["12345678"],"placements":[]'
} >"$TMP/valid.jsonl"
publish --config "$TMP/hub.conf" --dry-run "$TMP/valid.jsonl"
expect_rc 0 dry_run
expect_err "4 valid, 0 invalid lines; nothing published (dry run)" dry_run
{
    follow_up 15 "$A" ',"upper_secondary_eligible":false'
    follow_up 16 "$B" ',"on_track_for_diploma":true' | sed 's/"grundskola","grade_year":9/"gymnasieskola","grade_year":2/'
    follow_up 17 "$B" '' | sed 's/"grade_year":9/"grade_year":3/; s/"not_reached"/"not_assessed"/'
} >"$TMP/follow_ups.jsonl"
publish --config "$TMP/hub.conf" --dry-run "$TMP/follow_ups.jsonl"
expect_rc 0 dry_run_follow_ups
expect_err "3 valid, 0 invalid lines; nothing published (dry run)" dry_run_follow_ups
publish --config "$TMP/hub.conf" --dry-run "$TMP/letters.jsonl"
expect_rc 2 dry_run_invalid
expect_err "$TMP/letters.jsonl:3: personnummer: " dry_run_invalid
(($(total_messages) == 0)) || fail "--dry-run published"

# --- --skip-invalid: the valid lines go out, the invalid are reported, exit 2 -----------------
{
    placement 21 "$A_DASH" ''
    placement 22 "$A_WRONG" ''
    school_start 23 "$B" 12345678
    school_start 24 "$B" 123
    contact_change 25 '"school_units":["12345678"],"placements":[]'
} >"$TMP/mixed.jsonl"
publish --config "$TMP/hub.conf" --skip-invalid "$TMP/mixed.jsonl"
expect_rc 2 skip_invalid
expect_err "$TMP/mixed.jsonl:2: personnummer: " skip_invalid
expect_err "$TMP/mixed.jsonl:4: school_unit: " skip_invalid
expect_err "3 of 3 events acknowledged, 0 not acknowledged, 2 invalid lines skipped" skip_invalid
no_personnummer "$TMP/err" skip_invalid
(($(total_messages) == 3)) || fail "--skip-invalid: $(total_messages) messages on the topics, expected 3"
# Exactly the three valid events, each once (independent client and decoder).
sed -n '1p;3p;5p' "$TMP/mixed.jsonl" >"$TMP/mixed-valid.jsonl"
"$PYTHON" "$HELPER" verify "$BOOTSTRAP" "$HUB_SOURCE_DIR/schemas" "$TMP/pseudonym.key" \
    "$TMP/mixed-valid.jsonl" >"$TMP/verify.out" || {
    cat "$TMP/verify.out" >&2
    fail "--skip-invalid: the topics do not hold exactly the valid lines"
}

# --- publishing the same file again is accepted (consumers deduplicate by event id) ----------
publish --config "$TMP/hub.conf" "$TMP/valid.jsonl"
expect_rc 0 publish_valid
expect_err "4 of 4 events acknowledged, 0 not acknowledged" publish_valid
publish --config "$TMP/hub.conf" "$TMP/valid.jsonl"
expect_rc 0 republish
expect_err "4 of 4 events acknowledged, 0 not acknowledged" republish
(($(total_messages) == 3 + 4 + 4)) || fail "re-publish: $(total_messages) messages, expected 11"
no_personnummer "$TMP/err" republish

# Standard input, when no file is named.
RC=0
"$HUB_PUBLISH" --config "$TMP/hub.conf" --dry-run <"$TMP/letters.jsonl" >"$TMP/out" \
    2>"$TMP/err" || RC=$?
expect_rc 2 stdin
expect_err "<stdin>:3: personnummer: " stdin

# --- configuration ----------------------------------------------------------------------------
printf 'hub.bootstrap_file=%s\nhub.signing.required=false\n' "$HUB_BROKER_BOOTSTRAP_FILE" \
    >"$TMP/nokey.conf"
publish --config "$TMP/nokey.conf" "$TMP/valid.jsonl"
expect_rc 2 missing_key_file_key
expect_err "hub.pseudonym.key_file" missing_key_file_key

cp "$TMP/pseudonym.key" "$TMP/open.key"
chmod 0644 "$TMP/open.key"
printf 'hub.bootstrap_file=%s\nhub.pseudonym.key_file=%s\nhub.signing.required=false\n' \
    "$HUB_BROKER_BOOTSTRAP_FILE" "$TMP/open.key" >"$TMP/openkey.conf"
publish --config "$TMP/openkey.conf" "$TMP/valid.jsonl"
expect_rc 2 key_file_mode
expect_err "$TMP/open.key" key_file_mode

head -c 16 /dev/urandom >"$TMP/short.key"
chmod 0600 "$TMP/short.key"
sed "s|$TMP/open.key|$TMP/short.key|" "$TMP/openkey.conf" >"$TMP/shortkey.conf"
publish --config "$TMP/shortkey.conf" "$TMP/valid.jsonl"
expect_rc 2 key_too_short
expect_err "$TMP/short.key" key_too_short

publish --config "$TMP/no-such.conf" "$TMP/valid.jsonl"
expect_rc 2 no_config_file
publish "$TMP/valid.jsonl"
expect_rc 2 no_config_option
publish --config "$TMP/hub.conf" "$TMP/no-such.jsonl"
expect_rc 2 no_input_file
(($(total_messages) == 11)) || fail "a refused configuration published something"

# --- no cluster: every event named as not acknowledged, exit 1 --------------------------------
# Nobody listens on port 1. With kafka.message.timeout.ms below the flush timeout, the reports
# arrive (FAILED); without it the flush times out first (PENDING). Both must name every event.
cat >"$TMP/down.conf" <<EOF
kafka.bootstrap.servers=127.0.0.1:1
hub.pseudonym.key_file=$TMP/pseudonym.key
hub.publish.flush_timeout_ms=3000
kafka.message.timeout.ms=1500
hub.signing.required=false
EOF
for conf in down down-pending; do
    if [[ $conf == down-pending ]]; then
        grep -v message.timeout "$TMP/down.conf" | sed 's/=3000/=1000/' >"$TMP/down-pending.conf"
    fi
    start=$SECONDS
    publish --config "$TMP/$conf.conf" "$TMP/valid.jsonl"
    expect_rc 1 "$conf"
    ((SECONDS - start < 30)) || fail "$conf: hub-publish took $((SECONDS - start)) s"
    for i in 11 12 13 14; do
        expect_err "event_id=$EV$i not acknowledged: " "$conf"
    done
    expect_err "0 of 4 events acknowledged, 4 not acknowledged" "$conf"
    no_personnummer "$TMP/err" "$conf"
done
grep -qF "no answer within hub.publish.flush_timeout_ms" "$TMP/err" ||
    fail "down-pending: the unanswered events are not said to be pending"

pass "$n_cases rules, options, configuration and an absent cluster"
