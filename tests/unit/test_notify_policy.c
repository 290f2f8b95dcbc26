/* test_notify_policy.c — back-off and jitter bounds, Retry-After, working days, overdue cut-off.
 * Expected instants were computed independently with Python's zoneinfo (Europe/Stockholm). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hub/notify/notify_policy.h"

#define NOV_6_1994_084937 784111777LL

static void test_backoff_doubles_up_to_the_cap_without_jitter(void **state)
{
    (void)state;
    assert_int_equal(hub_notify_backoff_ms(1, 5000, 60000, 0, 12345), 5000);
    assert_int_equal(hub_notify_backoff_ms(2, 5000, 60000, 0, 12345), 10000);
    assert_int_equal(hub_notify_backoff_ms(4, 5000, 60000, 0, 12345), 40000);
    assert_int_equal(hub_notify_backoff_ms(5, 5000, 60000, 0, 12345), 60000);
    assert_int_equal(hub_notify_backoff_ms(1000, 5000, 60000, 0, 12345), 60000);
    assert_int_equal(hub_notify_backoff_ms(0, 5000, 60000, 0, 1), 5000); /* clamped to 1 */
    /* huge attempt counts and caps do not overflow */
    assert_int_equal(hub_notify_backoff_ms(1 << 30, 1000, INT64_MAX / 2, 0, 0), INT64_MAX / 2);
}

static void test_backoff_jitter_stays_within_bounds(void **state)
{
    (void)state;
    uint64_t x = 0x243f6a8885a308d3ULL;
    for (int attempt = 1; attempt <= 30; attempt++) {
        int64_t d = hub_notify_backoff_ms(attempt, 5000, 21600000, 0, 0);
        int64_t lo = d - d * 20 / 100, seen_lo = INT64_MAX, seen_hi = 0;
        for (int i = 0; i < 2000; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            int64_t v = hub_notify_backoff_ms(attempt, 5000, 21600000, 20, x);
            assert_true(v >= lo);
            assert_true(v <= d);
            assert_true(v <= 21600000);
            seen_lo = v < seen_lo ? v : seen_lo;
            seen_hi = v > seen_hi ? v : seen_hi;
        }
        /* the jitter really spreads: most of the range is used */
        assert_true(seen_hi - seen_lo > (d - lo) / 2);
    }
    /* the extremes of rnd hit the extremes of the range */
    assert_int_equal(hub_notify_backoff_ms(1, 1000, 10000, 50, 0), 1000);
    assert_int_equal(hub_notify_backoff_ms(1, 1000, 10000, 50, 500), 500);
    assert_int_equal(hub_notify_backoff_ms(1, 1000, 10000, 100, 1000), 0);
    assert_int_equal(hub_notify_backoff_ms(1, 1000, 10000, 150, 1000), 0); /* clamped to 100 */
}

static void test_retry_after_parses_delta_seconds(void **state)
{
    (void)state;
    int64_t d = -1;
    assert_int_equal(hub_notify_retry_after_parse("120", 1000, &d), 0);
    assert_int_equal(d, 120);
    assert_int_equal(hub_notify_retry_after_parse("  0 \r\n", 1000, &d), 0);
    assert_int_equal(d, 0);
    const char *bad[] = {"", " ", "-5", "1.5", "12a", "0x10", "999999999999", NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(hub_notify_retry_after_parse(bad[i], 1000, &d), HUB_EINVAL);
    assert_int_equal(hub_notify_retry_after_parse(NULL, 1000, &d), HUB_EINVAL);
}

static void test_retry_after_parses_all_three_http_date_formats(void **state)
{
    (void)state;
    int64_t d = -1, now = NOV_6_1994_084937 - 100;
    assert_int_equal(hub_notify_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", now, &d), 0);
    assert_int_equal(d, 100);
    assert_int_equal(hub_notify_retry_after_parse("Sunday, 06-Nov-94 08:49:37 GMT", now, &d), 0);
    assert_int_equal(d, 100);
    assert_int_equal(hub_notify_retry_after_parse("Sun Nov  6 08:49:37 1994", now, &d), 0);
    assert_int_equal(d, 100);
    /* a date in the past means now */
    assert_int_equal(hub_notify_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", now + 1000, &d),
                     0);
    assert_int_equal(d, 0);
    const char *bad[] = {"Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Nov 1994 08:49:37 GMT",
                         "Sun, 06 Nov 1994 24:00:00 GMT", "Sun 06 Nov 1994 08:49:37 GMT",
                         "Sun, 06 Foo 1994 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT",
                         "Sun Nov 6 08:49:37 1994",       "Sun, 06 Nov 1994 08:49:37 GMT x",
                         "Xyz, 06 Nov 1994 08:49:37 GMT", NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(hub_notify_retry_after_parse(bad[i], now, &d), HUB_EINVAL);
}

static void test_workdays_skip_weekends(void **state)
{
    (void)state;
    /* 2026-03-06 is a Friday (day 20518), 2026-03-07 a Saturday */
    assert_true(hub_notify_is_workday(20518));
    assert_false(hub_notify_is_workday(20519));
    assert_false(hub_notify_is_workday(20520));
    assert_true(hub_notify_is_workday(20521));
    assert_true(hub_notify_is_workday(0));   /* 1970-01-01, a Thursday */
    assert_false(hub_notify_is_workday(-5)); /* 1969-12-27, a Saturday */
    assert_int_equal(hub_notify_add_workdays(20518, 0), 20518);
    assert_int_equal(hub_notify_add_workdays(20518, 1), 20521); /* Fri + 1 = Mon */
    assert_int_equal(hub_notify_add_workdays(20518, 3), 20523); /* Fri + 3 = Wed */
    assert_int_equal(hub_notify_add_workdays(20519, 3), 20523); /* Sat + 3 = Wed */
    assert_int_equal(hub_notify_add_workdays(20518, 5), 20525); /* Fri + 5 = Fri */
    assert_int_equal(hub_notify_add_workdays(20518, 10), 20532);
}

static void test_stockholm_day_start_follows_dst(void **state)
{
    (void)state;
    assert_int_equal(hub_notify_stockholm_day_start_ms(20524), 1773270000000LL); /* CET */
    assert_int_equal(hub_notify_stockholm_day_start_ms(20542), 1774821600000LL); /* CEST */
    assert_int_equal(hub_notify_stockholm_day_start_ms(20635), 1782856800000LL);
    assert_int_equal(hub_notify_stockholm_day_start_ms(20752), 1792969200000LL); /* CET again */
}

static void test_overdue_cutoff_counts_working_days(void **state)
{
    (void)state;
    /* Thursday 2026-03-12 10:00Z, 3 working days: deliveries before Monday 03-09 00:00 local
     * (2026-03-08T23:00Z) are overdue — a Friday delivery's deadline was Wednesday — while a
     * Monday delivery (deadline Thursday) is not yet. */
    int64_t cut = hub_notify_overdue_cutoff_ms(1773309600000LL, 3);
    assert_int_equal(cut, 1773010800000LL);
    /* just after local midnight the same holds (the date is what counts) */
    assert_int_equal(hub_notify_overdue_cutoff_ms(1773271800000LL, 3), 1773010800000LL);
    /* 0 working days: overdue from the day after delivery */
    assert_int_equal(hub_notify_overdue_cutoff_ms(1773309600000LL, 0),
                     hub_notify_stockholm_day_start_ms(20524));
    /* monotone: a later "now" never moves the cut-off back */
    int64_t prev = 0;
    for (int64_t t = 1773309600000LL; t < 1773309600000LL + 20LL * 86400000; t += 3600000) {
        int64_t c = hub_notify_overdue_cutoff_ms(t, 3);
        assert_true(c >= prev);
        assert_true(c < t);
        prev = c;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_doubles_up_to_the_cap_without_jitter),
        cmocka_unit_test(test_backoff_jitter_stays_within_bounds),
        cmocka_unit_test(test_retry_after_parses_delta_seconds),
        cmocka_unit_test(test_retry_after_parses_all_three_http_date_formats),
        cmocka_unit_test(test_workdays_skip_weekends),
        cmocka_unit_test(test_stockholm_day_start_follows_dst),
        cmocka_unit_test(test_overdue_cutoff_counts_working_days),
    };
    return cmocka_run_group_tests_name("notify_policy", tests, NULL, NULL);
}
