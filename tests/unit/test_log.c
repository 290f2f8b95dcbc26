/* test_log.c — log records, JSON mode, and the personnummer scrubber. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/core/log.h"

static void test_scrub_redacts_every_personnummer_form(void **state)
{
    (void)state;
    const char *forms[] = {"200001012386", "20000101-2386", "0001012386",
                           "000101-2386",  "000101+2386",   "200001612381"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "child=%s next", forms[i]);
        assert_int_equal(hub_log_scrub(line), 1);
        assert_null(strstr(line, forms[i]));
        assert_non_null(strstr(line, "[redacted]"));
        assert_non_null(strstr(line, " next"));
    }
}

static void test_scrub_keeps_hex_pseudonyms_offsets_and_times(void **state)
{
    (void)state;
    char line[] = "child=ab200001012386cd offset=123456 ts=2026-11-26T04:10:00.123Z "
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
            "pnr 200001012386 wrong");
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
        cmocka_unit_test(test_scrub_keeps_hex_pseudonyms_offsets_and_times),
        cmocka_unit_test(test_log_json_mode_makes_members_and_scrubs),
        cmocka_unit_test(test_log_logfmt_line_has_level_and_program),
        cmocka_unit_test(test_log_parses_levels_and_formats),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
