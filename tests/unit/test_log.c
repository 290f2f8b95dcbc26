/* test_log.c — log records, JSON mode, and the personnummer scrubber. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/log.h"

static void test_scrub_redacts_every_personnummer_form(void **state)
{
    (void)state;
    const char *forms[] = {"200001012384", "20000101-2384", "0001012384",
                           "000101-2384",  "000101+2384",   "200001612381"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "child=%s next", forms[i]);
        assert_int_equal(hub_log_scrub(line), 1);
        assert_null(strstr(line, forms[i]));
        assert_non_null(strstr(line, "[redacted]"));
        assert_non_null(strstr(line, " next"));
    }
}

/* Finding (issue 14): a number joined to letters slipped through ("pnr201503122382"). */
static void test_scrub_redacts_personnummer_joined_to_letters(void **state)
{
    (void)state;
    const char *lines[] = {"why=pnr201503122382", "type: 'x201503122382' is not one of",
                           "k=ab20150312-2382cd", "name=KalleAnka150312-2382x",
                           "child=ab200001012384cd"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "%s", lines[i]);
        assert_int_equal(hub_log_scrub(line), 1);
        assert_null(strstr(line, "2382"));
        assert_null(strstr(line, "2384"));
        assert_non_null(strstr(line, "[redacted]"));
    }
}

/* The check digit keeps numbers that only look like a date: a wrong check digit, a longer run. */
static void test_scrub_keeps_numbers_with_a_wrong_check_digit(void **state)
{
    (void)state;
    char line[] = "n=201503122383 m=x1503122381y ms=1767225600123 o=2015031223820";
    char copy[sizeof line];
    memcpy(copy, line, sizeof line);
    assert_int_equal(hub_log_scrub(line), 0);
    assert_string_equal(line, copy);
}

static void test_scrub_keeps_hex_pseudonyms_offsets_and_times(void **state)
{
    (void)state;
    char line[] = "child=7f3c2a10e45b9d0c1f6a8b7e2d3c4b5a6f7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c "
                  "offset=123456 ts=2026-11-26T04:10:00.123Z "
                  "ms=1767225600123 id=7f3c2a10-0000-4000-8000-000000000001";
    char copy[sizeof line];
    memcpy(copy, line, sizeof line);
    assert_int_equal(hub_log_scrub(line), 0);
    assert_string_equal(line, copy);
}

static void test_log_json_mode_makes_members_and_scrubs(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    hub_log_set_stream(f);
    hub_log_setup("test", HUB_LOG_INFO, HUB_LOG_JSON);
    hub_log(HUB_LOG_WARN, "bad \"line\"", "file=%s line=%d why=\"%s\"", "a.jsonl", 12,
            "pnr 200001012384 wrong");
    hub_log(HUB_LOG_DEBUG, "hidden", NULL);
    fclose(f);
    hub_log_set_stream(NULL);
    assert_non_null(strstr(buf, "\"level\":\"warn\""));
    assert_non_null(strstr(buf, "\"msg\":\"bad \\\"line\\\"\""));
    assert_non_null(strstr(buf, "\"file\":\"a.jsonl\",\"line\":\"12\""));
    assert_non_null(strstr(buf, "\"why\":\"pnr [redacted]** wrong\""));
    assert_null(strstr(buf, "hidden"));
    free(buf);
}

static void test_log_logfmt_line_has_level_and_program(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    hub_log_set_stream(f);
    hub_log_setup("hub-publish", HUB_LOG_DEBUG, HUB_LOG_LOGFMT);
    hub_log(HUB_LOG_INFO, "published", "n=%d", 3);
    fclose(f);
    hub_log_set_stream(NULL);
    assert_non_null(strstr(buf, " level=info prog=hub-publish msg=\"published\" n=3\n"));
    free(buf);
}

static void test_log_parses_levels_and_formats(void **state)
{
    (void)state;
    enum hub_log_level l;
    enum hub_log_format fm;
    assert_int_equal(hub_log_level_parse("warn", &l), 0);
    assert_int_equal(l, HUB_LOG_WARN);
    assert_int_not_equal(hub_log_level_parse("loud", &l), 0);
    assert_int_equal(hub_log_format_parse("json", &fm), 0);
    assert_int_equal(fm, HUB_LOG_JSON);
    assert_int_not_equal(hub_log_format_parse("xml", &fm), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scrub_redacts_every_personnummer_form),
        cmocka_unit_test(test_scrub_redacts_personnummer_joined_to_letters),
        cmocka_unit_test(test_scrub_keeps_numbers_with_a_wrong_check_digit),
        cmocka_unit_test(test_scrub_keeps_hex_pseudonyms_offsets_and_times),
        cmocka_unit_test(test_log_json_mode_makes_members_and_scrubs),
        cmocka_unit_test(test_log_logfmt_line_has_level_and_program),
        cmocka_unit_test(test_log_parses_levels_and_formats),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
