/*
 * test_event_input.c — what the publish contract's JSON input says back about a bad event
 * (hub/publish/event_input.h): problems name the field and never quote a personnummer, not even
 * one put where it does not belong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hub/publish/event_input.h"

/* synthetic personnummer 2015-03-12 238-2 (valid check digit) */
#define PNR_DIGITS "1503122382"

struct fixture {
    hub_districts_t *districts;
    hub_pseudonym_t *pseudonym;
};

static int setup(void **state)
{
    /* any fixed random bytes (a key must not be a pattern) */
    static const uint8_t key[32] = {0x3c, 0x9e, 0x51, 0xd7, 0x08, 0xa2, 0x6f, 0xe4,
                                    0x17, 0xb9, 0x4d, 0x80, 0xf3, 0x26, 0xca, 0x5b,
                                    0x91, 0x0e, 0x7a, 0xc5, 0x33, 0xe8, 0x62, 0x1f,
                                    0xad, 0x44, 0xd0, 0x89, 0x2b, 0xf6, 0x75, 0x13};
    struct fixture *f = calloc(1, sizeof *f);
    struct hub_error err = {0};
    assert_non_null(f);
    assert_int_equal(hub_districts_load_dir(NULL, &f->districts, &err), 0);
    assert_int_equal(hub_pseudonym_new_from_bytes(key, sizeof key, &f->pseudonym, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    hub_districts_destroy(f->districts);
    hub_pseudonym_destroy(f->pseudonym);
    free(f);
    return 0;
}

/* Runs `json` and returns its problems, all joined by '\n' into `out`. */
static int problems_of(struct fixture *f, const char *json, char *out, size_t n)
{
    struct hub_input_ctx ctx = {.districts = f->districts, .pseudonym = f->pseudonym};
    struct hub_input_problems probs;
    struct hub_event ev;
    int rc = hub_event_from_json(&ctx, json, strlen(json), &ev, NULL, &probs);
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < probs.n && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s\n", probs.p[i].text);
    hub_event_clear(&ev);
    return rc;
}

#define PLACEMENT_START                                                                            \
    "{\"type\":\"placement\",\"event_id\":\"3f1c9a2e-0b6d-4e8a-9c1f-2a7d5e0b1c01\","               \
    "\"occurred_at\":\"2026-03-02T09:15:00+01:00\",\"district\":\"farsta\","                       \
    "\"placement_id\":\"a1b2c3d4-0000-4000-8000-000000000001\",\"legal_basis\":\"SoL\","           \
    "\"placement_form\":\"hvb\",\"school_change\":true,"

/* Found by fuzzing (tests/fuzz/fuzz_event_input.c): the name of an unknown field, an enum value
 * and a date were quoted as given, so a personnummer typed into the wrong place came back in the
 * error line. Now none of them quotes it; the fields are still named. */
static void test_problems_never_quote_a_misplaced_personnummer(void **state)
{
    char text[4096];
    const char *json = PLACEMENT_START "\"personnummer\":\"20150312-2382\","
                                       "\"x20150312-2382\":1,"
                                       "\"action\":\"20150312-2382\","
                                       "\"start_date\":\"20150312-2382\"}";
    assert_int_equal(problems_of(*state, json, text, sizeof text), HUB_EINVAL);
    assert_null(strstr(text, PNR_DIGITS));
    assert_null(strstr(text, "2382"));
    assert_non_null(strstr(text, ": unknown field"));
    assert_non_null(strstr(text, "action: not one of"));
    assert_non_null(strstr(text, "start_date:"));
}

/* A date is still quoted in full, so that the wrong one can be found. */
static void test_problems_quote_short_values_and_dates(void **state)
{
    char text[4096];
    const char *json = PLACEMENT_START "\"personnummer\":\"20150312-2382\","
                                       "\"action\":\"started\",\"start_date\":\"2026-02-30\"}";
    assert_int_equal(problems_of(*state, json, text, sizeof text), HUB_EINVAL);
    assert_non_null(strstr(text, "start_date:"));
    assert_non_null(strstr(text, "2026-02-30"));
}

/* Found by fuzzing: a 12-digit personnummer of another century ("00150312-2382", born in the
 * year 15) passed the input and only failed when the codec refused its birth year. */
static void test_personnummer_of_a_year_before_1900_is_refused_by_the_input(void **state)
{
    char text[4096];
    const char *json = PLACEMENT_START "\"personnummer\":\"00150312-2382\","
                                       "\"action\":\"started\",\"start_date\":\"2026-03-02\"}";
    assert_int_equal(problems_of(*state, json, text, sizeof text), HUB_EINVAL);
    assert_string_equal(text, "personnummer: birth year before 1900\n");
}

/* Found by fuzzing: the child's personnummer typed into a free-text field (a contact's name or
 * e-mail) passed, and would have been published in clear with the pseudonymised event. The
 * general detector now takes the usual forms; the child's own digits are refused in any form. */
static void test_the_childs_personnummer_in_another_field_is_refused(void **state)
{
    char text[4096];
    const char *json =
        "{\"type\":\"handover\",\"event_id\":\"3f1c9a2e-0b6d-4e8a-9c1f-2a7d5e0b1c03\","
        "\"occurred_at\":\"2026-03-03T14:00:00+01:00\",\"district\":\"farsta\","
        "\"personnummer\":\"20150312-2382\","
        "\"handover_id\":\"7e0d1c2b-0000-4000-8000-000000000001\","
        "\"placement_id\":\"a1b2c3d4-0000-4000-8000-000000000001\","
        "\"receiving_school_unit\":\"12345678\",\"planned_start_date\":\"2026-03-09\","
        "\"legal_ground\":\"consent_guardian\",\"contact\":{\"name\":\"Anna (barn 150312 - 2382)\","
        "\"role\":\"skolsamordnare\",\"phone\":\"08-508 000 00\","
        "\"email\":\"anna@example.se\"}}";
    assert_int_equal(problems_of(*state, json, text, sizeof text), HUB_EINVAL);
    assert_string_equal(
        text, "contact.name: holds the child's personnummer, which must not be sent in clear\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_problems_never_quote_a_misplaced_personnummer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_problems_quote_short_values_and_dates, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_personnummer_of_a_year_before_1900_is_refused_by_the_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_childs_personnummer_in_another_field_is_refused,
                                        setup, teardown),
    };
    return cmocka_run_group_tests_name("event_input", tests, NULL, NULL);
}
