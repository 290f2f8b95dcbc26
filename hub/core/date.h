/*
 * date.h — calendar dates, RFC 3339 timestamps and the Stockholm calendar day.
 *
 * Dates are proleptic Gregorian. On the wire (Avro `date`) a date is an int32 count of days since
 * 1970-01-01 (negative before); timestamps are int64 milliseconds since 1970-01-01T00:00:00Z
 * (Avro `timestamp-millis`). Nothing here reads the TZ environment or keeps state.
 */
#ifndef HUB_DATE_H
#define HUB_DATE_H

#include <stdbool.h>
#include <stdint.h>

#include "hub/core/err.h"

struct hub_date {
    int year;  /* 1..9999 for a valid date */
    int month; /* 1..12 */
    int day;   /* 1..31, within the month */
};

/* Buffer sizes for the formatters, terminating NUL included. */
#define HUB_DATE_ISO_LEN 11  /* "YYYY-MM-DD" */
#define HUB_TIMESTAMP_LEN 32 /* "YYYY-MM-DDTHH:MM:SS.mmmZ" */

/* True for Gregorian leap years (divisible by 4, not by 100 unless by 400). */
bool hub_date_is_leap(int year);

/* Days in `month` (1..12) of `year`; 0 when `month` is out of range. */
int hub_date_days_in_month(int year, int month);

/* True when `d` is not NULL and is a real calendar date with year 1..9999. */
bool hub_date_valid(const struct hub_date *d);

/*
 * Parses exactly "YYYY-MM-DD" (ten characters, nothing before or after) into `out`.
 * Returns 0, or HUB_EDATE (malformed or not a calendar date). The message quotes the input only
 * when it has the shape of a date, so a misplaced personnummer is never echoed.
 */
HUB_MUST_CHECK int hub_date_parse_iso(const char *s, struct hub_date *out, struct hub_error *err);

/* Days since 1970-01-01 of a valid date `d` (negative before 1970). Undefined for invalid `d`. */
int32_t hub_date_to_days(const struct hub_date *d);

/* The calendar date `days` after (or before, if negative) 1970-01-01. */
void hub_days_to_date(int32_t days, struct hub_date *out);

/*
 * Writes `days` as "YYYY-MM-DD" into `buf`. Returns 0, or HUB_ERANGE (and writes "") when the
 * year is outside 0000..9999.
 */
int hub_date_format(int32_t days, char buf[HUB_DATE_ISO_LEN]);

/* Today's date in UTC, from the system clock. */
struct hub_date hub_date_today_utc(void);

/*
 * Parses an RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)". 'T' and 'Z'
 * may be lowercase; the offset is required; fractions are truncated to milliseconds; leap
 * seconds (:60) are refused. Stores milliseconds since the epoch in `*ms_since_epoch`.
 * Returns 0, or HUB_EDATE; as above, the input is quoted only when it has the right shape.
 */
HUB_MUST_CHECK int hub_timestamp_parse_rfc3339(const char *s, int64_t *ms_since_epoch,
                                               struct hub_error *err);

/*
 * Writes `ms` as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) into `buf`. Returns 0, or HUB_ERANGE (and writes
 * "") when the year is outside 0000..9999.
 */
int hub_timestamp_format_rfc3339(int64_t ms, char buf[HUB_TIMESTAMP_LEN]);

/*
 * Europe/Stockholm's offset from UTC at the instant `ms`, in minutes: 60 (CET), or 120 (CEST)
 * from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October. The EU
 * rule is applied to every year: exact from 1996 on; Sweden's earlier rules differ.
 */
int hub_stockholm_utc_offset_minutes(int64_t ms);

/* The calendar date in Europe/Stockholm (days since 1970-01-01) of the instant `ms`. */
int32_t hub_days_stockholm_from_ms(int64_t ms);

#endif
