/*
 * test_pnr.c — personnummer and samordningsnummer parsing.
 *
 * All numbers are synthetic: birth dates picked for the case at hand, check digits computed with
 * the Luhn rule (e.g. 000101-238 -> 4). "Today" is fixed at 2026-03-01 unless a test says
 * otherwise, so century inference does not depend on the clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "hub/domain/pnr.h"

static const struct hub_date today = {2026, 3, 1};

static void assert_pnr(const char *in, const char *norm, int y, int m, int d, bool coord,
                       enum hub_pnr_sex sex)
{
    struct hub_pnr p;
    struct hub_error err = {0};

    assert_int_equal(hub_pnr_parse(in, &today, &p, &err), 0);
    assert_string_equal(p.norm, norm);
    assert_int_equal(p.birth.year, y);
    assert_int_equal(p.birth.month, m);
    assert_int_equal(p.birth.day, d);
    assert_int_equal(p.is_coordination, coord);
    assert_int_equal(p.sex, sex);
}

/*
 * Parses `in` expecting error `code`, and checks that the message quotes no four consecutive
 * characters of the input (so neither the number nor a recognisable part of it is echoed).
 */
static void assert_pnr_error(const char *in, const struct hub_date *when, int code)
{
    struct hub_pnr p;
    struct hub_error err = {0};
    size_t len = strlen(in);

    assert_int_equal(hub_pnr_parse(in, when, &p, &err), code);
    assert_int_equal(err.code, code);
    assert_true(err.msg[0] != '\0');
    if (len > 0)
        assert_null(strstr(err.msg, in));
    for (size_t i = 0; i + 4 <= len; i++) {
        char window[5];
        memcpy(window, in + i, 4);
        window[4] = '\0';
        if (strstr(err.msg, window)) {
            print_error("message \"%s\" echoes \"%s\" of the input\n", err.msg, window);
            fail();
        }
    }
    assert_string_equal(p.norm, ""); /* nothing half-filled on error */
}

static void test_pnr_luhn_digit_matches_skatteverket_example(void **state)
{
    assert_int_equal(hub_pnr_luhn_digit("811218987"), 6);
    assert_int_equal(hub_pnr_luhn_digit("000101238"), 4);
    assert_int_equal(hub_pnr_luhn_digit("00010123x"), -1);
    assert_int_equal(hub_pnr_luhn_digit(NULL), -1);
}

static void test_pnr_accepts_10_digits(void **state)
{
    assert_pnr("0001012384", "200001012384", 2000, 1, 1, false, HUB_PNR_SEX_FEMALE);
}

static void test_pnr_accepts_10_digits_with_dash(void **state)
{
    assert_pnr("000101-2384", "200001012384", 2000, 1, 1, false, HUB_PNR_SEX_FEMALE);
}

static void test_pnr_accepts_12_digits(void **state)
{
    assert_pnr("200001012384", "200001012384", 2000, 1, 1, false, HUB_PNR_SEX_FEMALE);
}

static void test_pnr_accepts_12_digits_with_dash(void **state)
{
    assert_pnr("20000101-2384", "200001012384", 2000, 1, 1, false, HUB_PNR_SEX_FEMALE);
}

static void test_pnr_plus_means_a_hundred_years_older(void **state)
{
    assert_pnr("000101+2384", "190001012384", 1900, 1, 1, false, HUB_PNR_SEX_FEMALE);
}

static void test_pnr_century_is_the_latest_not_in_the_future(void **state)
{
    struct hub_pnr p;
    const struct hub_date end_2024 = {2024, 12, 31};

    assert_int_equal(hub_pnr_parse("250101-1239", &today, &p, NULL), 0);
    assert_int_equal(p.birth.year, 2025);
    assert_int_equal(hub_pnr_parse("250101-1239", &end_2024, &p, NULL), 0);
    assert_int_equal(p.birth.year, 1925);
    assert_string_equal(p.norm, "192501011239");
    assert_int_equal(hub_pnr_parse("991231-2387", &today, &p, NULL), 0);
    assert_int_equal(p.birth.year, 1999);
}

static void test_pnr_born_today_is_this_century_tomorrow_the_last(void **state)
{
    struct hub_pnr p;

    assert_int_equal(hub_pnr_parse("260301-1236", &today, &p, NULL), 0);
    assert_int_equal(p.birth.year, 2026);
    assert_int_equal(hub_pnr_parse("260302-1235", &today, &p, NULL), 0);
    assert_int_equal(p.birth.year, 1926);
}

static void test_pnr_null_today_uses_the_clock(void **state)
{
    struct hub_pnr p;

    assert_int_equal(hub_pnr_parse("000101-2384", NULL, &p, NULL), 0);
    assert_string_equal(p.norm, "200001012384");
}

static void test_pnr_samordningsnummer_has_day_plus_60(void **state)
{
    assert_pnr("000161-2381", "200001612381", 2000, 1, 1, true, HUB_PNR_SEX_FEMALE);
    assert_pnr("20000161-2381", "200001612381", 2000, 1, 1, true, HUB_PNR_SEX_FEMALE);
    assert_pnr("000191-2385", "200001912385", 2000, 1, 31, true, HUB_PNR_SEX_FEMALE);
}

static void test_pnr_odd_ninth_digit_is_male(void **state)
{
    assert_pnr("000101-2392", "200001012392", 2000, 1, 1, false, HUB_PNR_SEX_MALE);
    assert_pnr("811218-9876", "198112189876", 1981, 12, 18, false, HUB_PNR_SEX_MALE);
}

static void test_pnr_29_february_valid_in_leap_year(void **state)
{
    assert_pnr("20000229-2381", "200002292381", 2000, 2, 29, false, HUB_PNR_SEX_FEMALE);
    assert_pnr("000229-2381", "200002292381", 2000, 2, 29, false, HUB_PNR_SEX_FEMALE);
}

static void test_pnr_rejects_29_february_in_non_leap_year(void **state)
{
    assert_pnr_error("010229-2380", &today, HUB_EPNR_DATE);
    assert_pnr_error("20010229-2380", &today, HUB_EPNR_DATE);
    /* 1900 is not a leap year (divisible by 100, not by 400). */
    assert_pnr_error("000229+2381", &today, HUB_EPNR_DATE);
}

static void test_pnr_rejects_30_february(void **state)
{
    assert_pnr_error("000230-2388", &today, HUB_EPNR_DATE);
}

static void test_pnr_rejects_month_13(void **state)
{
    assert_pnr_error("001301-2380", &today, HUB_EPNR_DATE);
}

static void test_pnr_rejects_day_0(void **state)
{
    assert_pnr_error("000100-2385", &today, HUB_EPNR_DATE);
}

static void test_pnr_rejects_samordning_day_out_of_range(void **state)
{
    assert_pnr_error("000192-2384", &today, HUB_EPNR_DATE); /* day 92 */
    assert_pnr_error("000160-2382", &today, HUB_EPNR_DATE); /* day 60: neither kind */
    assert_pnr_error("000132-2387", &today, HUB_EPNR_DATE); /* day 32 */
}

static void test_pnr_rejects_12_digit_birth_in_the_future(void **state)
{
    assert_pnr_error("20270101-1237", &today, HUB_EPNR_DATE);
}

static void test_pnr_rejects_wrong_check_digit(void **state)
{
    assert_pnr_error("000101-2385", &today, HUB_EPNR_CHECKSUM);
    assert_pnr_error("0001012385", &today, HUB_EPNR_CHECKSUM);
    assert_pnr_error("200001012385", &today, HUB_EPNR_CHECKSUM);
}

static void test_pnr_rejects_bad_length(void **state)
{
    assert_pnr_error("", &today, HUB_EPNR_FORMAT);
    assert_pnr_error("00010123", &today, HUB_EPNR_FORMAT);
    assert_pnr_error("000101238", &today, HUB_EPNR_FORMAT);
    assert_pnr_error("20000101238", &today, HUB_EPNR_FORMAT);
    assert_pnr_error("2000010123845", &today, HUB_EPNR_FORMAT);
    assert_pnr_error("20000101-23845", &today, HUB_EPNR_FORMAT);
    assert_pnr_error("000101-2384 ", &today, HUB_EPNR_FORMAT);
}

static void test_pnr_rejects_letters(void **state)
{
    assert_pnr_error("00010A-2384", &today, HUB_EPNR_FORMAT);
    assert_pnr_error("000101238X", &today, HUB_EPNR_FORMAT);
    assert_pnr_error("2000O1012384", &today, HUB_EPNR_FORMAT);
}

static void test_pnr_rejects_bad_separator_position(void **state)
{
    assert_pnr_error("0001-012384", &today, HUB_EPNR_FORMAT);
    assert_pnr_error("00010-12384", &today, HUB_EPNR_FORMAT);
    assert_pnr_error("200001-012384", &today, HUB_EPNR_FORMAT);
    assert_pnr_error("000101 2384", &today, HUB_EPNR_FORMAT);
    assert_pnr_error("000101--2384", &today, HUB_EPNR_FORMAT);
    assert_pnr_error("20000101+2384", &today, HUB_EPNR_FORMAT); /* '+' only in 10-digit form */
}

static void test_pnr_rejects_null_input(void **state)
{
    struct hub_pnr p;
    struct hub_error err = {0};

    assert_int_equal(hub_pnr_parse(NULL, &today, &p, &err), HUB_EPNR_FORMAT);
    assert_int_equal(err.code, HUB_EPNR_FORMAT);
}

/* The shared detector finds every written form, inside free text and joined to letters. */
static void test_pnr_find_locates_numbers_in_free_text(void **state)
{
    (void)state;
    struct {
        const char *text;
        size_t at, n;
    } cases[] = {
        {"Kalle Anka 20150312-2382", 11, 13}, {"pnr201503122382", 3, 12},
        {"150312-2382 ringer", 0, 11},        {"x1503122382", 1, 10},
        {"tel 150312+2382.", 4, 11},          {"samordning 200001612381", 11, 12},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t at = 99, n = 99;
        assert_true(hub_pnr_find(cases[i].text, strlen(cases[i].text), &at, &n));
        assert_int_equal(at, cases[i].at);
        assert_int_equal(n, cases[i].n);
    }
}

static void test_pnr_find_ignores_look_alikes(void **state)
{
    (void)state;
    const char *texts[] = {"20150312-2383",    /* wrong check digit */
                           "2015031223820",    /* part of a longer digit run */
                           "08-123 456 78",    /* a phone number */
                           "2015-03-12 23:82", /* a date and a time */
                           "201513122382",     /* month 13 */
                           "Anna Svensson",    "", "123456789"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        assert_false(hub_pnr_find(texts[i], strlen(texts[i]), NULL, NULL));
    /* the length bounds the search: the number beyond it is not read */
    assert_false(hub_pnr_find("ab 201503122382", 8, NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pnr_luhn_digit_matches_skatteverket_example),
        cmocka_unit_test(test_pnr_accepts_10_digits),
        cmocka_unit_test(test_pnr_accepts_10_digits_with_dash),
        cmocka_unit_test(test_pnr_accepts_12_digits),
        cmocka_unit_test(test_pnr_accepts_12_digits_with_dash),
        cmocka_unit_test(test_pnr_plus_means_a_hundred_years_older),
        cmocka_unit_test(test_pnr_century_is_the_latest_not_in_the_future),
        cmocka_unit_test(test_pnr_born_today_is_this_century_tomorrow_the_last),
        cmocka_unit_test(test_pnr_null_today_uses_the_clock),
        cmocka_unit_test(test_pnr_samordningsnummer_has_day_plus_60),
        cmocka_unit_test(test_pnr_odd_ninth_digit_is_male),
        cmocka_unit_test(test_pnr_29_february_valid_in_leap_year),
        cmocka_unit_test(test_pnr_rejects_29_february_in_non_leap_year),
        cmocka_unit_test(test_pnr_rejects_30_february),
        cmocka_unit_test(test_pnr_rejects_month_13),
        cmocka_unit_test(test_pnr_rejects_day_0),
        cmocka_unit_test(test_pnr_rejects_samordning_day_out_of_range),
        cmocka_unit_test(test_pnr_rejects_12_digit_birth_in_the_future),
        cmocka_unit_test(test_pnr_rejects_wrong_check_digit),
        cmocka_unit_test(test_pnr_rejects_bad_length),
        cmocka_unit_test(test_pnr_rejects_letters),
        cmocka_unit_test(test_pnr_rejects_bad_separator_position),
        cmocka_unit_test(test_pnr_rejects_null_input),
        cmocka_unit_test(test_pnr_find_locates_numbers_in_free_text),
        cmocka_unit_test(test_pnr_find_ignores_look_alikes),
    };
    return cmocka_run_group_tests_name("pnr", tests, NULL, NULL);
}
