/*
 * test_district.c — the district table: validity edges, successors and CSV errors.
 *
 * The real table is found through $HUB_SOURCE_DIR (set by ctest) or the HUB_SOURCE_DIR compile
 * definition; malformed tables are written to temporary files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/core/date.h"
#include "hub/domain/district.h"

#define HEADER "code,name,valid_from,valid_to,successor\n"

static int32_t day(const char *iso)
{
    struct hub_date d;
    assert_int_equal(hub_date_parse_iso(iso, &d, NULL), 0);
    return hub_date_to_days(&d);
}

static int setup_real_table(void **state)
{
    const char *src = getenv("HUB_SOURCE_DIR");
    char path[4096];
    struct hub_error err = {0};
    hub_districts_t *t = NULL;

    snprintf(path, sizeof path, "%s/schemas/reference/districts.csv",
             src && *src ? src : HUB_SOURCE_DIR);
    if (hub_districts_load(path, &t, &err) != 0) {
        print_error("%s\n", err.msg);
        return -1;
    }
    *state = t;
    return 0;
}

static int teardown_table(void **state)
{
    hub_districts_destroy(*state);
    return 0;
}

/* Writes `content` to a new temporary file whose path is left in `path` (caller unlinks). */
static void write_temp(char path[64], const char *content)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, 64, "%.40s/districts_XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(content);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

/* Loads `content` from a temporary file and expects error `code` with "FILE:`where`" in it. */
static void assert_load_fails(const char *content, int code, const char *where)
{
    char path[64], want[160];
    struct hub_error err = {0};
    hub_districts_t *t = (hub_districts_t *)&err; /* must be reset to NULL */

    write_temp(path, content);
    int rc = hub_districts_load(path, &t, &err);
    unlink(path);
    if (rc != code) {
        print_error("expected %s, got %s: %s\n", hub_err_name(code), hub_err_name(rc), err.msg);
        fail();
    }
    assert_null(t);
    assert_int_equal(err.code, code);
    snprintf(want, sizeof want, "%s:%s", path, where);
    if (!strstr(err.msg, want)) {
        print_error("message \"%s\" lacks \"%s\"\n", err.msg, want);
        fail();
    }
}

static hub_districts_t *load_ok(const char *content)
{
    char path[64];
    struct hub_error err = {0};
    hub_districts_t *t = NULL;

    write_temp(path, content);
    int rc = hub_districts_load(path, &t, &err);
    unlink(path);
    if (rc != 0) {
        print_error("%s\n", err.msg);
        fail();
    }
    return t;
}

static void test_district_table_has_17_rows_in_file_order(void **state)
{
    const hub_districts_t *t = *state;

    assert_int_equal(hub_districts_count(t), 17);
    assert_string_equal(hub_districts_at(t, 0)->code, "bromma");
    assert_string_equal(hub_districts_at(t, 16)->code, "ostermalm");
    assert_null(hub_districts_at(t, 17));
    assert_string_equal(hub_districts_find(t, "jarva")->name, "J\xc3\xa4rva");
    assert_string_equal(hub_districts_find(t, "enskede-arsta-vantor")->name,
                        "Enskede-\xc3\x85rsta-Vant\xc3\xb6r");
    assert_null(hub_districts_find(t, "kista"));
    assert_int_equal(hub_districts_find(t, "bromma")->valid_to, INT32_MAX);
    assert_int_equal(hub_districts_find(t, "rinkeby-kista")->valid_to, day("2023-06-30"));
}

static void test_district_rinkeby_kista_valid_2023_06_30_not_2023_07_01(void **state)
{
    const hub_districts_t *t = *state;
    struct hub_error err = {0};

    assert_int_equal(hub_districts_check(t, "rinkeby-kista", day("2023-06-30"), &err), 0);
    assert_int_equal(hub_districts_check(t, "rinkeby-kista", day("2023-07-01"), &err),
                     HUB_EDISTRICT_DATE);
    assert_int_equal(err.code, HUB_EDISTRICT_DATE);
    assert_non_null(strstr(err.msg, "rinkeby-kista"));
    assert_non_null(strstr(err.msg, "2023-07-01"));
    assert_non_null(strstr(err.msg, "2007-01-01 to 2023-06-30"));
    assert_non_null(strstr(err.msg, "jarva"));
}

static void test_district_jarva_valid_2023_07_01_not_2023_06_30(void **state)
{
    const hub_districts_t *t = *state;
    struct hub_error err = {0};

    assert_int_equal(hub_districts_check(t, "jarva", day("2023-07-01"), &err), 0);
    assert_int_equal(hub_districts_check(t, "jarva", day("2023-06-30"), &err), HUB_EDISTRICT_DATE);
    assert_non_null(strstr(err.msg, "jarva"));
    assert_non_null(strstr(err.msg, "2023-06-30"));
    assert_non_null(strstr(err.msg, "valid from 2023-07-01"));
}

static void test_district_every_merger_edge(void **state)
{
    const hub_districts_t *t = *state;
    static const struct {
        const char *old_code, *new_code, *last_day, *first_day;
    } mergers[] = {
        {"hagersten-liljeholmen", "hagersten-alvsjo", "2020-06-30", "2020-07-01"},
        {"alvsjo", "hagersten-alvsjo", "2020-06-30", "2020-07-01"},
        {"rinkeby-kista", "jarva", "2023-06-30", "2023-07-01"},
        {"spanga-tensta", "jarva", "2023-06-30", "2023-07-01"},
        {"norrmalm", "norra-innerstaden", "2023-06-30", "2023-07-01"},
        {"ostermalm", "norra-innerstaden", "2023-06-30", "2023-07-01"},
    };

    for (size_t i = 0; i < sizeof mergers / sizeof mergers[0]; i++) {
        int32_t last = day(mergers[i].last_day), first = day(mergers[i].first_day);
        assert_int_equal(hub_districts_check(t, mergers[i].old_code, last, NULL), 0);
        assert_int_equal(hub_districts_check(t, mergers[i].old_code, first, NULL),
                         HUB_EDISTRICT_DATE);
        assert_int_equal(hub_districts_check(t, mergers[i].new_code, last, NULL),
                         HUB_EDISTRICT_DATE);
        assert_int_equal(hub_districts_check(t, mergers[i].new_code, first, NULL), 0);
        assert_string_equal(hub_districts_find(t, mergers[i].old_code)->successor,
                            mergers[i].new_code);
    }
}

static void test_district_not_valid_before_2007(void **state)
{
    const hub_districts_t *t = *state;

    assert_int_equal(hub_districts_check(t, "bromma", day("2006-12-31"), NULL), HUB_EDISTRICT_DATE);
    assert_int_equal(hub_districts_check(t, "bromma", day("2007-01-01"), NULL), 0);
    assert_int_equal(hub_districts_check(t, "bromma", day("2100-01-01"), NULL), 0);
}

static void test_district_unknown_code_is_edistrict(void **state)
{
    const hub_districts_t *t = *state;
    struct hub_error err = {0};

    assert_int_equal(hub_districts_check(t, "kista", day("2024-01-01"), &err), HUB_EDISTRICT);
    assert_int_equal(err.code, HUB_EDISTRICT);
    assert_non_null(strstr(err.msg, "kista"));
    assert_int_equal(hub_districts_check(t, NULL, day("2024-01-01"), &err), HUB_EDISTRICT);
    /* Something that is not a district code is not echoed. */
    assert_int_equal(hub_districts_check(t, "200001012384", 0, &err), HUB_EDISTRICT);
    assert_null(strstr(err.msg, "2384"));
}

static void test_district_current_follows_successors(void **state)
{
    const hub_districts_t *t = *state;
    int32_t now = day("2026-03-01");

    assert_string_equal(hub_districts_current(t, "rinkeby-kista", now)->code, "jarva");
    assert_string_equal(hub_districts_current(t, "spanga-tensta", now)->code, "jarva");
    assert_string_equal(hub_districts_current(t, "norrmalm", now)->code, "norra-innerstaden");
    assert_string_equal(hub_districts_current(t, "ostermalm", now)->code, "norra-innerstaden");
    assert_string_equal(hub_districts_current(t, "alvsjo", now)->code, "hagersten-alvsjo");
    assert_string_equal(hub_districts_current(t, "hagersten-liljeholmen", now)->code,
                        "hagersten-alvsjo");
    assert_string_equal(hub_districts_current(t, "bromma", now)->code, "bromma");
    /* On the last day before a merger the old district is still current. */
    assert_string_equal(hub_districts_current(t, "rinkeby-kista", day("2023-06-30"))->code,
                        "rinkeby-kista");
    assert_string_equal(hub_districts_current(t, "rinkeby-kista", day("2023-07-01"))->code,
                        "jarva");
    /* Before a district existed there is nothing to map to. */
    assert_null(hub_districts_current(t, "jarva", day("2020-01-01")));
    assert_null(hub_districts_current(t, "kista", now));
}

static void test_district_current_follows_a_chain(void **state)
{
    hub_districts_t *t = load_ok(HEADER "a,A,2000-01-01,2009-12-31,b\n"
                                        "b,B,2010-01-01,2019-12-31,c\n"
                                        "c,C,2020-01-01,,\n");

    assert_string_equal(hub_districts_current(t, "a", day("2025-01-01"))->code, "c");
    assert_string_equal(hub_districts_current(t, "a", day("2015-01-01"))->code, "b");
    hub_districts_destroy(t);
}

static void test_district_csv_accepts_quotes_crlf_and_bom(void **state)
{
    hub_districts_t *t = load_ok("\xef\xbb\xbf"
                                 "code,name,valid_from,valid_to,successor\r\n"
                                 "x,\"Name, with \"\"quotes\"\"\",2000-01-01,,\r\n"
                                 "\r\n");

    assert_int_equal(hub_districts_count(t), 1);
    assert_string_equal(hub_districts_at(t, 0)->name, "Name, with \"quotes\"");
    hub_districts_destroy(t);
}

static void test_district_buffer_reads_len_bytes_and_names_the_text(void **state)
{
    static const char text[] = HEADER "x,X,2000-01-01,,\ny,Y,2000-01-01,,\n";
    size_t one_row = strlen(HEADER "x,X,2000-01-01,,\n");
    hub_districts_t *t = NULL;
    struct hub_error err = {0};
    (void)state;
    /* not NUL-terminated at `len`: the second row is not read */
    assert_int_equal(hub_districts_load_buffer(text, one_row, "mem.csv", &t, &err), 0);
    assert_int_equal(hub_districts_count(t), 1);
    hub_districts_destroy(t);
    assert_int_equal(hub_districts_load_buffer(text, one_row - 3, "mem.csv", &t, &err),
                     HUB_ECONFIG_SYNTAX);
    assert_null(t);
    assert_non_null(strstr(err.msg, "mem.csv:2: expected 5 fields"));
    assert_int_equal(hub_districts_load_buffer(NULL, 0, "mem.csv", &t, &err), HUB_ECONFIG_SYNTAX);
    assert_non_null(strstr(err.msg, "mem.csv: empty file"));
}

static void test_district_csv_reports_wrong_header_at_line_1(void **state)
{
    assert_load_fails("code,name,from,to,successor\nx,X,2000-01-01,,\n", HUB_ECONFIG_SYNTAX, "1:");
    assert_load_fails("", HUB_ECONFIG_SYNTAX, " empty file");
}

static void test_district_csv_reports_wrong_field_count_with_line(void **state)
{
    assert_load_fails(HEADER "x,X,2000-01-01,,\ny,Y,2000-01-01,\n", HUB_ECONFIG_SYNTAX,
                      "3: expected 5 fields");
    assert_load_fails(HEADER "x,X,2000-01-01,,,\n", HUB_ECONFIG_SYNTAX, "2: expected 5 fields");
}

static void test_district_csv_reports_bad_quoting_with_column(void **state)
{
    assert_load_fails(HEADER "x,\"X,2000-01-01,,\n", HUB_ECONFIG_SYNTAX, "2: column 2 (name)");
    assert_load_fails(HEADER "x,\"X\"y,2000-01-01,,\n", HUB_ECONFIG_SYNTAX, "2: column 2 (name)");
    assert_load_fails(HEADER "x,X\"y,2000-01-01,,\n", HUB_ECONFIG_SYNTAX, "2: column 2 (name)");
}

static void test_district_csv_reports_bad_dates_with_column(void **state)
{
    assert_load_fails(HEADER "x,X,2000-02-30,,\n", HUB_ECONFIG_VALUE, "2: column 3 (valid_from)");
    assert_load_fails(HEADER "x,X,,,\n", HUB_ECONFIG_VALUE, "2: column 3 (valid_from)");
    assert_load_fails(HEADER "x,X,2000-01-01,2023-13-01,\n", HUB_ECONFIG_VALUE,
                      "2: column 4 (valid_to)");
    assert_load_fails(HEADER "x,X,2000-01-01,1999-12-31,\n", HUB_ECONFIG_VALUE,
                      "2: column 4 (valid_to): is before valid_from");
}

static void test_district_csv_reports_bad_code_and_name(void **state)
{
    assert_load_fails(HEADER "Bromma,X,2000-01-01,,\n", HUB_ECONFIG_VALUE, "2: column 1 (code)");
    assert_load_fails(HEADER ",X,2000-01-01,,\n", HUB_ECONFIG_VALUE, "2: column 1 (code)");
    assert_load_fails(HEADER "x,,2000-01-01,,\n", HUB_ECONFIG_VALUE, "2: column 2 (name)");
    assert_load_fails(HEADER "x,\xff,2000-01-01,,\n", HUB_ECONFIG_VALUE, "2: column 2 (name)");
    assert_load_fails(HEADER "x,\xc3\xa4\xc3,2000-01-01,,\n", HUB_ECONFIG_VALUE,
                      "2: column 2 (name)");
}

static void test_district_csv_reports_duplicate_code(void **state)
{
    assert_load_fails(HEADER "x,X,2000-01-01,,\ny,Y,2000-01-01,,\nx,X2,2001-01-01,,\n",
                      HUB_ECONFIG_VALUE, "4: column 1 (code): x is already defined on line 2");
}

static void test_district_csv_reports_unknown_successor(void **state)
{
    assert_load_fails(HEADER "x,X,2000-01-01,2009-12-31,nowhere\n", HUB_ECONFIG_VALUE,
                      "2: column 5 (successor): unknown district nowhere");
}

static void test_district_csv_reports_successor_cycle_and_open_predecessor(void **state)
{
    assert_load_fails(HEADER "x,X,2000-01-01,2009-12-31,y\ny,Y,2000-01-01,2009-12-31,x\n",
                      HUB_ECONFIG_VALUE, "2: column 5 (successor): successors form a cycle");
    assert_load_fails(HEADER "x,X,2000-01-01,,y\ny,Y,2000-01-01,,\n", HUB_ECONFIG_VALUE,
                      "2: column 5 (successor)");
    assert_load_fails(HEADER "x,X,2000-01-01,2009-12-31,x\n", HUB_ECONFIG_VALUE,
                      "2: column 5 (successor)");
}

static void test_district_csv_header_only_is_empty_table(void **state)
{
    assert_load_fails(HEADER, HUB_ECONFIG_VALUE, " no districts");
}

static void test_district_missing_file_is_eio(void **state)
{
    struct hub_error err = {0};
    hub_districts_t *t = NULL;

    assert_int_equal(hub_districts_load("/nonexistent/districts.csv", &t, &err), HUB_EIO);
    assert_null(t);
    assert_non_null(strstr(err.msg, "/nonexistent/districts.csv"));
}

static void test_district_default_path_uses_env_or_source_tree(void **state)
{
    char buf[4096], small[8];

    assert_int_equal(unsetenv("HUB_REFERENCE_DIR"), 0);
    assert_int_equal(hub_districts_default_path(buf, sizeof buf), 0);
    assert_string_equal(buf, HUB_SOURCE_DIR "/schemas/reference/districts.csv");
    assert_int_equal(setenv("HUB_REFERENCE_DIR", "/etc/hub/reference", 1), 0);
    assert_int_equal(hub_districts_default_path(buf, sizeof buf), 0);
    assert_string_equal(buf, "/etc/hub/reference/districts.csv");
    assert_int_equal(hub_districts_default_path(small, sizeof small), HUB_ERANGE);
    assert_int_equal(setenv("HUB_REFERENCE_DIR", "", 1), 0);
    assert_int_equal(hub_districts_default_path(buf, sizeof buf), 0);
    assert_string_equal(buf, HUB_SOURCE_DIR "/schemas/reference/districts.csv");
    assert_int_equal(unsetenv("HUB_REFERENCE_DIR"), 0);
    assert_int_equal(hub_districts_default_path(NULL, 0), HUB_EINVAL);
}

/* The one district-code check, used by the district table and the signing-key table alike. */
static void test_district_code_valid(void **state)
{
    (void)state;
    assert_true(hub_district_code_valid("bromma"));
    assert_true(hub_district_code_valid("enskede-arsta-vantor"));
    assert_true(hub_district_code_valid("x9"));
    assert_false(hub_district_code_valid(NULL));
    assert_false(hub_district_code_valid(""));
    assert_false(hub_district_code_valid("9x"));
    assert_false(hub_district_code_valid("-x"));
    assert_false(hub_district_code_valid("Bromma"));
    assert_false(hub_district_code_valid("a b"));
    assert_false(hub_district_code_valid("\xc3\xa5"));
    assert_true(hub_district_code_valid("abcdefghijklmnopqrstuvwxyz01234"));   /* 31 */
    assert_false(hub_district_code_valid("abcdefghijklmnopqrstuvwxyz012345")); /* 32 */
}

/* The shipped reference tables are plain CSV: no comment line a standard reader would take for a
 * row, every row with the header's number of fields. */
static void test_reference_tables_are_plain_csv(void **state)
{
    (void)state;
    static const char *const files[] = {"districts.csv", "district-keys.csv"};
    const char *src = getenv("HUB_SOURCE_DIR");
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4096], line[1024];
        snprintf(path, sizeof path, "%s/schemas/reference/%s", src && *src ? src : HUB_SOURCE_DIR,
                 files[i]);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        int fields = -1, rows = 0;
        while (fgets(line, sizeof line, f)) {
            int n = 1;
            assert_true(line[0] != '#');
            for (const char *p = line; *p; p++)
                n += *p == ',';
            if (fields < 0)
                fields = n;
            assert_int_equal(n, fields);
            rows++;
        }
        fclose(f);
        assert_true(rows >= 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_tables_are_plain_csv),
        cmocka_unit_test_setup_teardown(test_district_table_has_17_rows_in_file_order,
                                        setup_real_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_district_rinkeby_kista_valid_2023_06_30_not_2023_07_01,
                                        setup_real_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_district_jarva_valid_2023_07_01_not_2023_06_30,
                                        setup_real_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_district_every_merger_edge, setup_real_table,
                                        teardown_table),
        cmocka_unit_test_setup_teardown(test_district_not_valid_before_2007, setup_real_table,
                                        teardown_table),
        cmocka_unit_test_setup_teardown(test_district_unknown_code_is_edistrict, setup_real_table,
                                        teardown_table),
        cmocka_unit_test_setup_teardown(test_district_current_follows_successors, setup_real_table,
                                        teardown_table),
        cmocka_unit_test(test_district_current_follows_a_chain),
        cmocka_unit_test(test_district_csv_accepts_quotes_crlf_and_bom),
        cmocka_unit_test(test_district_buffer_reads_len_bytes_and_names_the_text),
        cmocka_unit_test(test_district_code_valid),
        cmocka_unit_test(test_district_csv_reports_wrong_header_at_line_1),
        cmocka_unit_test(test_district_csv_reports_wrong_field_count_with_line),
        cmocka_unit_test(test_district_csv_reports_bad_quoting_with_column),
        cmocka_unit_test(test_district_csv_reports_bad_dates_with_column),
        cmocka_unit_test(test_district_csv_reports_bad_code_and_name),
        cmocka_unit_test(test_district_csv_reports_duplicate_code),
        cmocka_unit_test(test_district_csv_reports_unknown_successor),
        cmocka_unit_test(test_district_csv_reports_successor_cycle_and_open_predecessor),
        cmocka_unit_test(test_district_csv_header_only_is_empty_table),
        cmocka_unit_test(test_district_missing_file_is_eio),
        cmocka_unit_test(test_district_default_path_uses_env_or_source_tree),
    };
    return cmocka_run_group_tests_name("district", tests, NULL, NULL);
}
