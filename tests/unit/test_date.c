/*
 * test_date.c — calendar arithmetic, RFC 3339 timestamps and the Stockholm calendar day.
 *
 * Expected day numbers and instants were computed with Python's datetime and zoneinfo.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hub/core/date.h"

static int32_t days_of(int y, int m, int d)
{
    struct hub_date date = {y, m, d};
    assert_true(hub_date_valid(&date));
    return hub_date_to_days(&date);
}

static int64_t ts(const char *s)
{
    int64_t ms = 0;
    struct hub_error err = {0};
    if (hub_timestamp_parse_rfc3339(s, &ms, &err) != 0) {
        print_error("%s: %s\n", s, err.msg);
        fail();
    }
    return ms;
}

static void assert_ts_rejected(const char *s)
{
    int64_t ms = 42;
    struct hub_error err = {0};

    if (hub_timestamp_parse_rfc3339(s, &ms, &err) != HUB_EDATE) {
        print_error("accepted \"%s\"\n", s);
        fail();
    }
    assert_int_equal(err.code, HUB_EDATE);
    assert_int_equal(ms, 42); /* untouched */
}

static void test_date_leap_years_follow_gregorian_rule(void **state)
{
    assert_true(hub_date_is_leap(2000));
    assert_true(hub_date_is_leap(2024));
    assert_false(hub_date_is_leap(1900));
    assert_false(hub_date_is_leap(2100));
    assert_false(hub_date_is_leap(2026));
    assert_int_equal(hub_date_days_in_month(2024, 2), 29);
    assert_int_equal(hub_date_days_in_month(2026, 2), 28);
    assert_int_equal(hub_date_days_in_month(2026, 13), 0);
}

static void test_date_valid_rejects_impossible_dates(void **state)
{
    const struct hub_date bad[] = {{2026, 2, 29}, {2026, 2, 30}, {2026, 4, 31}, {2026, 13, 1},
                                   {2026, 0, 1},  {2026, 1, 0},  {0, 1, 1},     {10000, 1, 1}};
    const struct hub_date good = {2024, 2, 29};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(hub_date_valid(&bad[i]));
    assert_true(hub_date_valid(&good));
    assert_false(hub_date_valid(NULL));
}

static void test_date_days_since_epoch_known_values(void **state)
{
    assert_int_equal(days_of(1970, 1, 1), 0);
    assert_int_equal(days_of(1969, 12, 31), -1);
    assert_int_equal(days_of(2000, 2, 29), 11016);
    assert_int_equal(days_of(2000, 3, 1), 11017);
    assert_int_equal(days_of(1900, 3, 1), -25508);
    assert_int_equal(days_of(1600, 2, 29), -135081);
    assert_int_equal(days_of(2026, 3, 1), 20513);
    assert_int_equal(days_of(1, 1, 1), -719162);
    assert_int_equal(days_of(9999, 12, 31), 2932896);
}

static void test_date_days_round_trip_and_step_one_day(void **state)
{
    struct hub_date prev, cur;

    hub_days_to_date(-719162, &prev);
    assert_int_equal(prev.year, 1);
    for (int32_t day = -719161; day <= 2932896; day++) {
        hub_days_to_date(day, &cur);
        assert_true(hub_date_valid(&cur));
        assert_int_equal(hub_date_to_days(&cur), day);
        /* cur is the day after prev */
        if (cur.day != 1) {
            assert_int_equal(cur.day, prev.day + 1);
        } else {
            assert_int_equal(prev.day, hub_date_days_in_month(prev.year, prev.month));
            assert_int_equal(cur.month, prev.month == 12 ? 1 : prev.month + 1);
            assert_int_equal(cur.year, prev.month == 12 ? prev.year + 1 : prev.year);
        }
        prev = cur;
    }
}

static void test_date_parse_iso_accepts_exact_form(void **state)
{
    struct hub_date d;
    struct hub_error err = {0};

    assert_int_equal(hub_date_parse_iso("2024-02-29", &d, &err), 0);
    assert_int_equal(d.year, 2024);
    assert_int_equal(d.month, 2);
    assert_int_equal(d.day, 29);
}

static void test_date_parse_iso_rejects_non_dates(void **state)
{
    const char *bad[] = {"2026-02-30", "2026-02-29", "2026-13-01", "2026-00-10",  "2026-01-00",
                         "2026-1-01",  "2026-01-1",  "20260101",   "2026-01-01T", " 2026-01-01",
                         "2026/01/01", "",           "0000-01-01", "2026-01-0a"};
    struct hub_date d;
    struct hub_error err = {0};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hub_error_clear(&err);
        if (hub_date_parse_iso(bad[i], &d, &err) != HUB_EDATE) {
            print_error("accepted \"%s\"\n", bad[i]);
            fail();
        }
        assert_int_equal(err.code, HUB_EDATE);
    }
    assert_int_equal(hub_date_parse_iso(NULL, &d, &err), HUB_EDATE);
}

static void test_date_parse_iso_quotes_only_date_shaped_input(void **state)
{
    struct hub_date d;
    struct hub_error err = {0};

    assert_int_equal(hub_date_parse_iso("2026-02-30", &d, &err), HUB_EDATE);
    assert_non_null(strstr(err.msg, "2026-02-30"));
    assert_int_equal(hub_date_parse_iso("000101-2384", &d, &err), HUB_EDATE);
    assert_null(strstr(err.msg, "000101"));
}

static void test_date_format_writes_iso_and_refuses_out_of_range(void **state)
{
    char buf[HUB_DATE_ISO_LEN];

    assert_int_equal(hub_date_format(0, buf), 0);
    assert_string_equal(buf, "1970-01-01");
    assert_int_equal(hub_date_format(-1, buf), 0);
    assert_string_equal(buf, "1969-12-31");
    assert_int_equal(hub_date_format(11016, buf), 0);
    assert_string_equal(buf, "2000-02-29");
    assert_int_equal(hub_date_format(2932896, buf), 0);
    assert_string_equal(buf, "9999-12-31");
    assert_int_equal(hub_date_format(2932897, buf), HUB_ERANGE);
    assert_string_equal(buf, "");
    assert_int_equal(hub_date_format(INT32_MIN, buf), HUB_ERANGE);
}

static void test_date_today_utc_is_valid_and_matches_clock(void **state)
{
    struct hub_date d = hub_date_today_utc();
    int64_t now = (int64_t)time(NULL);

    assert_true(hub_date_valid(&d));
    /* Allow for the clock crossing midnight between the two calls. */
    assert_in_range(hub_date_to_days(&d), now / 86400 - 1, now / 86400 + 1);
}

static void test_timestamp_parses_utc_and_fractions(void **state)
{
    assert_int_equal(ts("2026-03-01T12:34:56Z"), INT64_C(1772368496000));
    assert_int_equal(ts("2026-03-01t12:34:56z"), INT64_C(1772368496000));
    assert_int_equal(ts("2026-03-01T12:34:56.789Z"), INT64_C(1772368496789));
    assert_int_equal(ts("2026-03-01T12:34:56.7Z"), INT64_C(1772368496700));
    assert_int_equal(ts("2026-03-01T12:34:56.123999Z"), INT64_C(1772368496123));
    assert_int_equal(ts("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(ts("1969-12-31T23:59:59.999Z"), -1);
}

static void test_timestamp_applies_offsets(void **state)
{
    assert_int_equal(ts("2026-03-01T13:34:56+01:00"), INT64_C(1772368496000));
    assert_int_equal(ts("2026-03-01T07:04:56-05:30"), INT64_C(1772368496000));
    assert_int_equal(ts("2026-03-01T12:34:56+00:00"), INT64_C(1772368496000));
    assert_int_equal(ts("2026-03-01T12:34:56-00:00"), INT64_C(1772368496000));
    /* An offset can move the instant into another UTC day. */
    assert_int_equal(ts("2026-03-02T00:30:00+02:00"), ts("2026-03-01T22:30:00Z"));
}

static void test_timestamp_rejects_missing_offset_and_bad_values(void **state)
{
    assert_ts_rejected("2026-03-01T12:34:56");
    assert_ts_rejected("2026-03-01T12:34:56.5");
    assert_ts_rejected("2026-03-01 12:34:56Z");
    assert_ts_rejected("2026-03-01");
    assert_ts_rejected("2026-02-30T12:00:00Z");
    assert_ts_rejected("2026-03-01T24:00:00Z");
    assert_ts_rejected("2026-03-01T12:60:00Z");
    assert_ts_rejected("2026-03-01T12:00:60Z");
    assert_ts_rejected("2026-03-01T12:00:00.Z");
    assert_ts_rejected("2026-03-01T12:00:00+01");
    assert_ts_rejected("2026-03-01T12:00:00+0100");
    assert_ts_rejected("2026-03-01T12:00:00+24:00");
    assert_ts_rejected("2026-03-01T12:00:00+01:60");
    assert_ts_rejected("2026-03-01T12:00:00Zjunk");
    assert_ts_rejected("2026-03-01T12:00:00+01:00 ");
    assert_ts_rejected("2026-3-01T12:00:00Z");
    assert_ts_rejected("");
    assert_ts_rejected(NULL);
}

static void test_timestamp_format_is_utc_with_milliseconds(void **state)
{
    char buf[HUB_TIMESTAMP_LEN];

    assert_int_equal(hub_timestamp_format_rfc3339(0, buf), 0);
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
    assert_int_equal(hub_timestamp_format_rfc3339(-1, buf), 0);
    assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
    assert_int_equal(hub_timestamp_format_rfc3339(INT64_C(1772368496789), buf), 0);
    assert_string_equal(buf, "2026-03-01T12:34:56.789Z");
    assert_int_equal(ts(buf), INT64_C(1772368496789));
    assert_int_equal(hub_timestamp_format_rfc3339(INT64_MAX, buf), HUB_ERANGE);
    assert_string_equal(buf, "");
    assert_int_equal(hub_timestamp_format_rfc3339(INT64_MIN, buf), HUB_ERANGE);
}

static void test_stockholm_summer_time_starts_last_sunday_of_march_0100_utc(void **state)
{
    /* 2026-03-29 is the last Sunday of March. */
    assert_int_equal(hub_stockholm_utc_offset_minutes(ts("2026-03-29T00:59:59Z")), 60);
    assert_int_equal(hub_stockholm_utc_offset_minutes(ts("2026-03-29T00:59:59.999Z")), 60);
    assert_int_equal(hub_stockholm_utc_offset_minutes(ts("2026-03-29T01:00:00Z")), 120);
    assert_int_equal(hub_days_stockholm_from_ms(ts("2026-03-29T00:59:59Z")), days_of(2026, 3, 29));
    assert_int_equal(hub_days_stockholm_from_ms(ts("2026-03-29T01:00:00Z")), days_of(2026, 3, 29));
    /* Local midnight moves from 23:00Z (CET) to 22:00Z (CEST) across that Sunday. */
    assert_int_equal(hub_days_stockholm_from_ms(ts("2026-03-28T22:59:59Z")), days_of(2026, 3, 28));
    assert_int_equal(hub_days_stockholm_from_ms(ts("2026-03-28T23:00:00Z")), days_of(2026, 3, 29));
    assert_int_equal(hub_days_stockholm_from_ms(ts("2026-03-29T21:59:59Z")), days_of(2026, 3, 29));
    assert_int_equal(hub_days_stockholm_from_ms(ts("2026-03-29T22:00:00Z")), days_of(2026, 3, 30));
}

static void test_stockholm_summer_time_ends_last_sunday_of_october_0100_utc(void **state)
{
    /* 2026-10-25 is the last Sunday of October. */
    assert_int_equal(hub_stockholm_utc_offset_minutes(ts("2026-10-25T00:59:59Z")), 120);
    assert_int_equal(hub_stockholm_utc_offset_minutes(ts("2026-10-25T01:00:00Z")), 60);
    assert_int_equal(hub_days_stockholm_from_ms(ts("2026-10-24T21:59:59Z")), days_of(2026, 10, 24));
    assert_int_equal(hub_days_stockholm_from_ms(ts("2026-10-24T22:00:00Z")), days_of(2026, 10, 25));
    assert_int_equal(hub_days_stockholm_from_ms(ts("2026-10-25T22:59:59Z")), days_of(2026, 10, 25));
    assert_int_equal(hub_days_stockholm_from_ms(ts("2026-10-25T23:00:00Z")), days_of(2026, 10, 26));
}

static void test_stockholm_2330_local_on_last_day_of_month_stays_in_that_month(void **state)
{
    /* 23:30 local on 30 April (CEST) is 21:30Z: still 30 April in Stockholm. */
    assert_int_equal(hub_days_stockholm_from_ms(ts("2026-04-30T23:30:00+02:00")),
                     days_of(2026, 4, 30));
    /* 23:30 local on 31 January (CET) is 22:30Z: still 31 January. */
    assert_int_equal(hub_days_stockholm_from_ms(ts("2026-01-31T23:30:00+01:00")),
                     days_of(2026, 1, 31));
    /* 23:30Z on those days is already the next month (and year) in Stockholm. */
    assert_int_equal(hub_days_stockholm_from_ms(ts("2026-04-30T23:30:00Z")), days_of(2026, 5, 1));
    assert_int_equal(hub_days_stockholm_from_ms(ts("2026-12-31T23:30:00Z")), days_of(2027, 1, 1));
    /* Before the epoch, division must round down. */
    assert_int_equal(hub_days_stockholm_from_ms(ts("1969-12-31T23:30:00Z")), 0);
    assert_int_equal(hub_days_stockholm_from_ms(ts("1969-12-31T22:59:59Z")), -1);
}

static void test_stockholm_day_matches_system_tzdata_1996_to_2037(void **state)
{
    const char *zone = "/usr/share/zoneinfo/Europe/Stockholm";

    if (access(zone, R_OK) != 0) {
        print_message("SKIPPED: %s not installed; cross-check against tzdata not run\n", zone);
        skip();
    }
    assert_int_equal(setenv("TZ", "Europe/Stockholm", 1), 0);
    tzset();
    /* Every 15 minutes from 1996 through 2037 (time_t stays 32-bit safe). */
    for (int64_t s = INT64_C(820454400); s < INT64_C(2145916800); s += 900) {
        time_t t = (time_t)s;
        struct tm tm;
        assert_non_null(localtime_r(&t, &tm));
        struct hub_date local = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
        int32_t ours = hub_days_stockholm_from_ms(s * 1000);
        if (ours != hub_date_to_days(&local)) {
            print_error("mismatch at %lld\n", (long long)s);
            fail();
        }
        int64_t local_s = (int64_t)hub_date_to_days(&local) * 86400 + tm.tm_hour * 3600 +
                          tm.tm_min * 60 + tm.tm_sec;
        assert_int_equal(hub_stockholm_utc_offset_minutes(s * 1000), (local_s - s) / 60);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_leap_years_follow_gregorian_rule),
        cmocka_unit_test(test_date_valid_rejects_impossible_dates),
        cmocka_unit_test(test_date_days_since_epoch_known_values),
        cmocka_unit_test(test_date_days_round_trip_and_step_one_day),
        cmocka_unit_test(test_date_parse_iso_accepts_exact_form),
        cmocka_unit_test(test_date_parse_iso_rejects_non_dates),
        cmocka_unit_test(test_date_parse_iso_quotes_only_date_shaped_input),
        cmocka_unit_test(test_date_format_writes_iso_and_refuses_out_of_range),
        cmocka_unit_test(test_date_today_utc_is_valid_and_matches_clock),
        cmocka_unit_test(test_timestamp_parses_utc_and_fractions),
        cmocka_unit_test(test_timestamp_applies_offsets),
        cmocka_unit_test(test_timestamp_rejects_missing_offset_and_bad_values),
        cmocka_unit_test(test_timestamp_format_is_utc_with_milliseconds),
        cmocka_unit_test(test_stockholm_summer_time_starts_last_sunday_of_march_0100_utc),
        cmocka_unit_test(test_stockholm_summer_time_ends_last_sunday_of_october_0100_utc),
        cmocka_unit_test(test_stockholm_2330_local_on_last_day_of_month_stays_in_that_month),
        cmocka_unit_test(test_stockholm_day_matches_system_tzdata_1996_to_2037),
    };
    return cmocka_run_group_tests_name("date", tests, NULL, NULL);
}
