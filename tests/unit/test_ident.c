/* test_ident.c — skolenhetskod, kommunkod and UUID checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "hub/domain/ident.h"

static void test_school_unit_accepts_8_digits(void **state)
{
    struct hub_error err = {0};
    assert_int_equal(hub_school_unit_check("12345678", &err), 0);
    assert_int_equal(hub_school_unit_check("00000000", &err), 0);
}

static void test_school_unit_rejects_other_lengths_and_non_digits(void **state)
{
    const char *bad[] = {"",          "1234567",   "123456789", "1234567a",
                         " 12345678", "12345678 ", "1234-678"};
    struct hub_error err = {0};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hub_error_clear(&err);
        assert_int_equal(hub_school_unit_check(bad[i], &err), HUB_ESCHOOL_UNIT);
        assert_int_equal(err.code, HUB_ESCHOOL_UNIT);
    }
    assert_int_equal(hub_school_unit_check(NULL, &err), HUB_ESCHOOL_UNIT);
}

static void test_school_unit_error_does_not_echo_value(void **state)
{
    struct hub_error err = {0};

    /* A personnummer typed into the wrong field must not reach a log. */
    assert_int_equal(hub_school_unit_check("200001012384", &err), HUB_ESCHOOL_UNIT);
    assert_null(strstr(err.msg, "20000101"));
    assert_null(strstr(err.msg, "2384"));
}

static void test_kommun_accepts_4_digits(void **state)
{
    assert_int_equal(hub_kommun_check("0180", NULL), 0); /* Stockholm */
}

static void test_kommun_rejects_other_lengths_and_non_digits(void **state)
{
    const char *bad[] = {"", "180", "01800", "018a", "01 8"};
    struct hub_error err = {0};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hub_error_clear(&err);
        assert_int_equal(hub_kommun_check(bad[i], &err), HUB_EKOMMUN);
        assert_int_equal(err.code, HUB_EKOMMUN);
    }
    assert_int_equal(hub_kommun_check(NULL, &err), HUB_EKOMMUN);
}

static void test_uuid_accepts_canonical_either_case(void **state)
{
    assert_int_equal(hub_uuid_check("123e4567-e89b-12d3-a456-426614174000", NULL), 0);
    assert_int_equal(hub_uuid_check("123E4567-E89B-12D3-A456-426614174000", NULL), 0);
    assert_int_equal(hub_uuid_check("00000000-0000-0000-0000-000000000000", NULL), 0);
}

static void test_uuid_rejects_non_canonical_forms(void **state)
{
    const char *bad[] = {
        "",
        "123e4567e89b12d3a456426614174000",
        "{123e4567-e89b-12d3-a456-426614174000}",
        "123e4567-e89b-12d3-a456-42661417400",
        "123e4567-e89b-12d3-a456-4266141740000",
        "123e4567-e89b-12d3-a456_426614174000",
        "123e4567-e89b-12d3-a456-42661417400g",
        "123e456-7e89b-12d3-a456-426614174000",
        "urn:uuid:123e4567-e89b-12d3-a456-4266",
    };
    struct hub_error err = {0};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hub_error_clear(&err);
        if (hub_uuid_check(bad[i], &err) != HUB_EUUID) {
            print_error("accepted \"%s\"\n", bad[i]);
            fail();
        }
        assert_int_equal(err.code, HUB_EUUID);
    }
    assert_int_equal(hub_uuid_check(NULL, &err), HUB_EUUID);
}

static void test_uuid_error_names_position(void **state)
{
    struct hub_error err = {0};

    assert_int_equal(hub_uuid_check("123e4567-e89b-12d3-a456_426614174000", &err), HUB_EUUID);
    assert_non_null(strstr(err.msg, "character 24"));
}

static void test_uuid_parse_and_format_round_trip_lowercase(void **state)
{
    const uint8_t want[16] = {0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3,
                              0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00};
    uint8_t bytes[16];
    char text[HUB_UUID_STR_LEN];

    assert_int_equal(hub_uuid_parse("123E4567-E89B-12D3-A456-426614174000", bytes, NULL), 0);
    assert_memory_equal(bytes, want, 16);
    hub_uuid_format(bytes, text);
    assert_string_equal(text, "123e4567-e89b-12d3-a456-426614174000");
}

static void test_uuid_parse_rejects_malformed(void **state)
{
    uint8_t bytes[16];
    struct hub_error err = {0};

    assert_int_equal(hub_uuid_parse("123e4567-e89b-12d3-a456-42661417400", bytes, &err), HUB_EUUID);
    assert_int_equal(err.code, HUB_EUUID);
}

static void test_uuid_v4_random_is_canonical_version_4_and_differs(void **state)
{
    char a[HUB_UUID_STR_LEN], b[HUB_UUID_STR_LEN];

    assert_int_equal(hub_uuid_v4_random(a), 0);
    assert_int_equal(hub_uuid_v4_random(b), 0);
    assert_int_equal(hub_uuid_check(a, NULL), 0);
    assert_int_equal(strlen(a), 36);
    assert_int_equal(a[14], '4');
    assert_non_null(strchr("89ab", a[19]));
    for (size_t i = 0; i < 36; i++)
        assert_false(a[i] >= 'A' && a[i] <= 'F');
    assert_string_not_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_school_unit_accepts_8_digits),
        cmocka_unit_test(test_school_unit_rejects_other_lengths_and_non_digits),
        cmocka_unit_test(test_school_unit_error_does_not_echo_value),
        cmocka_unit_test(test_kommun_accepts_4_digits),
        cmocka_unit_test(test_kommun_rejects_other_lengths_and_non_digits),
        cmocka_unit_test(test_uuid_accepts_canonical_either_case),
        cmocka_unit_test(test_uuid_rejects_non_canonical_forms),
        cmocka_unit_test(test_uuid_error_names_position),
        cmocka_unit_test(test_uuid_parse_and_format_round_trip_lowercase),
        cmocka_unit_test(test_uuid_parse_rejects_malformed),
        cmocka_unit_test(test_uuid_v4_random_is_canonical_version_4_and_differs),
    };
    return cmocka_run_group_tests_name("ident", tests, NULL, NULL);
}
