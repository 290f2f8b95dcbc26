/* test_log.c — log records, JSON mode, and the personnummer scrubber. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <inttypes.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hub/core/log.h"

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

/* ---- every line parses back, whatever the values hold ---- */

#define MAX_PAIRS 32

struct pairs {
    size_t n;
    char key[MAX_PAIRS][64];
    char value[MAX_PAIRS][1024];
};

/* A strict logfmt reader: key=value pairs separated by one space; a bare value has no space, '"',
 * '=' or control character; a quoted one knows \" \\ \n \r \t and \u00XX. -1 on anything else. */
static int logfmt_parse(const char *line, struct pairs *out)
{
    const char *p = line;
    out->n = 0;
    while (*p) {
        if (out->n == MAX_PAIRS)
            return -1;
        size_t k = 0, v = 0;
        while (*p && *p != '=' && *p != ' ' && *p != '"' && (unsigned char)*p > ' ') {
            if (k + 1 >= sizeof out->key[0])
                return -1;
            out->key[out->n][k++] = *p++;
        }
        if (k == 0 || *p != '=')
            return -1;
        out->key[out->n][k] = '\0';
        p++;
        char *val = out->value[out->n];
        if (*p == '"') {
            p++;
            while (*p != '"') {
                char c = *p++;
                if (c == '\0' || (unsigned char)c < ' ')
                    return -1;
                if (c == '\\') {
                    char e = *p++;
                    if (e == '"' || e == '\\')
                        c = e;
                    else if (e == 'n')
                        c = '\n';
                    else if (e == 'r')
                        c = '\r';
                    else if (e == 't')
                        c = '\t';
                    else if (e == 'u' && p[0] == '0' && p[1] == '0' &&
                             isxdigit((unsigned char)p[2]) && isxdigit((unsigned char)p[3])) {
                        char hex[3] = {p[2], p[3], 0};
                        c = (char)strtol(hex, NULL, 16);
                        p += 4;
                    } else
                        return -1;
                }
                if (v + 1 >= sizeof out->value[0])
                    return -1;
                val[v++] = c;
            }
            p++;
        } else {
            while (*p && *p != ' ') {
                if (*p == '"' || *p == '=' || (unsigned char)*p < ' ' ||
                    v + 1 >= sizeof out->value[0])
                    return -1;
                val[v++] = *p++;
            }
        }
        val[v] = '\0';
        out->n++;
        if (*p == ' ' && p[1] != '\0' && p[1] != ' ')
            p++;
        else if (*p)
            return -1;
    }
    return 0;
}

static int json_parse(const char *line, struct pairs *out)
{
    json_error_t e;
    json_t *obj = json_loads(line, JSON_REJECT_DUPLICATES, &e);
    const char *key;
    json_t *v;
    out->n = 0;
    if (!json_is_object(obj)) {
        json_decref(obj);
        return -1;
    }
    json_object_foreach(obj, key, v)
    {
        if (!json_is_string(v) || out->n == MAX_PAIRS) {
            json_decref(obj);
            return -1;
        }
        snprintf(out->key[out->n], sizeof out->key[0], "%s", key);
        snprintf(out->value[out->n], sizeof out->value[0], "%s", json_string_value(v));
        out->n++;
    }
    json_decref(obj);
    return 0;
}

static const char *pair(const struct pairs *ps, const char *key)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->key[i], key) == 0)
            return ps->value[i];
    return NULL;
}

#define PG_ERROR                                                                                   \
    "connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: No such file or "               \
    "directory\n\tIs the server running locally and accepting connections on that socket?"
#define REPLACEMENT "\xEF\xBF\xBD"

/* Values an adversary or a broken peer controls, through the real templates' shapes. */
static void log_hostile_record(void)
{
    hub_log(HUB_LOG_ERROR, "connect \"failed\"",
            "error=\"%s\" path=%s n=%d empty=%s eq=%s bad=%s nl=%s pct=%s back=\"%s\" %s", PG_ERROR,
            "/tmp/a b=c\\d\"e", 42, "", "a=b", "\xff\xc3(ok\xe2\x82", "line1\n200001012384 x",
            "100%s %d", "\\\"", "first=true");
}

static void check_hostile_pairs(const struct pairs *ps)
{
    assert_string_equal(pair(ps, "level"), "error");
    assert_string_equal(pair(ps, "prog"), "test");
    assert_string_equal(pair(ps, "msg"), "connect \"failed\"");
    assert_non_null(pair(ps, "ts"));
    assert_string_equal(pair(ps, "error"), PG_ERROR);
    assert_string_equal(pair(ps, "path"), "/tmp/a b=c\\d\"e");
    assert_string_equal(pair(ps, "n"), "42");
    assert_string_equal(pair(ps, "empty"), "");
    assert_string_equal(pair(ps, "eq"), "a=b");
    assert_string_equal(pair(ps, "bad"), REPLACEMENT REPLACEMENT "(ok" REPLACEMENT REPLACEMENT);
    assert_string_equal(pair(ps, "nl"), "line1\n[redacted]** x");
    assert_string_equal(pair(ps, "pct"), "100%s %d");
    assert_string_equal(pair(ps, "back"), "\\\"");
    assert_string_equal(pair(ps, "first"), "true");
    assert_int_equal(ps->n, 14);
}

static char *capture(enum hub_log_format fmt, void (*fn)(void))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    hub_log_set_stream(f);
    hub_log_setup("test", HUB_LOG_DEBUG, fmt);
    fn();
    fclose(f);
    hub_log_set_stream(NULL);
    char *copy = strdup(buf);
    free(buf);
    assert_non_null(copy);
    return copy;
}

static void test_log_logfmt_parses_back_whatever_the_values(void **state)
{
    (void)state;
    struct pairs ps;
    char *buf = capture(HUB_LOG_LOGFMT, log_hostile_record);
    char *nl = strchr(buf, '\n');
    assert_non_null(nl);
    assert_string_equal(nl + 1, ""); /* one record, one line */
    *nl = '\0';
    assert_null(strstr(buf, "200001012384"));
    assert_int_equal(logfmt_parse(buf, &ps), 0);
    check_hostile_pairs(&ps);
    free(buf);
}

static void test_log_json_parses_back_whatever_the_values(void **state)
{
    (void)state;
    struct pairs ps;
    char *buf = capture(HUB_LOG_JSON, log_hostile_record);
    char *nl = strchr(buf, '\n');
    assert_non_null(nl);
    assert_string_equal(nl + 1, "");
    *nl = '\0';
    assert_null(strstr(buf, "200001012384"));
    assert_int_equal(json_parse(buf, &ps), 0);
    check_hostile_pairs(&ps);
    free(buf);
}

static void log_colliding_and_long(void)
{
    static char big[6000];
    memset(big, 'x', sizeof big - 1);
    memcpy(big + 4095, "\xC3\xA5", 2); /* 'å' straddling the cut at 4096 */
    hub_log(HUB_LOG_INFO, "m", "msg=%s level=%s big=%s", "not the message", "loud", big);
}

/* A field named like a header member does not hide it (JSON keeps keys unique), and a value
 * longer than the limit is cut on a character boundary, still valid UTF-8. */
static void test_log_json_keeps_header_and_cuts_on_characters(void **state)
{
    (void)state;
    struct pairs ps;
    char *buf = capture(HUB_LOG_JSON, log_colliding_and_long);
    *strchr(buf, '\n') = '\0';
    assert_int_equal(json_parse(buf, &ps), 0);
    assert_string_equal(pair(&ps, "msg"), "m");
    assert_string_equal(pair(&ps, "msg_"), "not the message");
    assert_string_equal(pair(&ps, "level"), "info");
    assert_string_equal(pair(&ps, "level_"), "loud");
    assert_int_equal(strlen(pair(&ps, "big")), 1023); /* the test's buffer, not the log's */
    free(buf);
    buf = capture(HUB_LOG_LOGFMT, log_colliding_and_long);
    const char *big = strstr(buf, " big=");
    assert_non_null(big);
    big += 5;
    size_t n = strcspn(big, "\n");
    assert_int_equal(n, 4095); /* 'å' would end at byte 4097: left out whole */
    free(buf);
}

static void log_every_conversion(void)
{
    hub_log(HUB_LOG_INFO, "m",
            "a=%zu b=%lld c=%" PRId64 " d=%ld e=%u f=%c g=%.*s h=%% i=%5d j=%x k=%s l=%.1f "
            "m=%hhd n=%-3s| o=%zd p=\"%s and %d\"",
            (size_t)18446744073709551615u, -9000000000000000000LL, INT64_C(-42), -7L, 4000000000u,
            'Q', 3, "abcdef", -12, 255, "last", 2.25, (signed char)-5, "x", (ssize_t)-3, "two", 2);
}

/* Every conversion takes exactly its own argument: a wrong va_arg would garble every field after
 * it. The values come back as printf would write them. */
static void test_log_formats_each_conversion_like_printf(void **state)
{
    (void)state;
    struct pairs ps;
    char *buf = capture(HUB_LOG_LOGFMT, log_every_conversion);
    *strchr(buf, '\n') = '\0';
    assert_int_equal(logfmt_parse(buf, &ps), 0);
    assert_string_equal(pair(&ps, "a"), "18446744073709551615");
    assert_string_equal(pair(&ps, "b"), "-9000000000000000000");
    assert_string_equal(pair(&ps, "c"), "-42");
    assert_string_equal(pair(&ps, "d"), "-7");
    assert_string_equal(pair(&ps, "e"), "4000000000");
    assert_string_equal(pair(&ps, "f"), "Q");
    assert_string_equal(pair(&ps, "g"), "abc");
    assert_string_equal(pair(&ps, "h"), "%");
    assert_string_equal(pair(&ps, "i"), "  -12");
    assert_string_equal(pair(&ps, "j"), "ff");
    assert_string_equal(pair(&ps, "k"), "last");
    assert_string_equal(pair(&ps, "l"), "2.2");
    assert_string_equal(pair(&ps, "m"), "-5");
    assert_string_equal(pair(&ps, "n"), "x  |");
    assert_string_equal(pair(&ps, "o"), "-3");
    assert_string_equal(pair(&ps, "p"), "two and 2");
    free(buf);
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
        cmocka_unit_test(test_log_logfmt_parses_back_whatever_the_values),
        cmocka_unit_test(test_log_json_parses_back_whatever_the_values),
        cmocka_unit_test(test_log_json_keeps_header_and_cuts_on_characters),
        cmocka_unit_test(test_log_formats_each_conversion_like_printf),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
