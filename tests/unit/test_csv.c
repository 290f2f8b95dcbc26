/* test_csv.c — the one CSV reader and writer (hub/core/csv.h), tested once for every table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/core/csv.h"

#define TEXT(lit) lit, sizeof lit - 1

static void test_csv_reads_quotes_line_breaks_bom_and_blank_lines(void **state)
{
    (void)state;
    struct hub_csv_reader c;
    struct hub_csv_record r = {0};
    size_t bad = 0;
    const char *why = NULL;

    hub_csv_reader_init(&c,
                        TEXT("\xEF\xBB\xBF"
                             "a,b,c\r\n"
                             "\r\n"
                             "\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
                             "\n"
                             ",,\n"
                             "last,\"\",z"),
                        false);
    assert_int_equal(hub_csv_next(&c, &r, &bad, &why), 1);
    assert_int_equal(r.line, 1);
    assert_int_equal(r.nfields, 3);
    assert_string_equal(hub_csv_field(&r, 0), "a"); /* the byte-order mark is not part of it */
    assert_string_equal(hub_csv_field(&r, 2), "c"); /* nor the CR */
    assert_int_equal(hub_csv_next(&c, &r, &bad, &why), 1);
    assert_int_equal(r.line, 3);
    assert_string_equal(hub_csv_field(&r, 0), "x, y");
    assert_string_equal(hub_csv_field(&r, 1), "say \"hi\"");
    assert_string_equal(hub_csv_field(&r, 2), "two\nlines");
    assert_int_equal(hub_csv_next(&c, &r, &bad, &why), 1);
    assert_int_equal(r.line, 6); /* the line break inside the quotes was counted */
    assert_int_equal(r.nfields, 3);
    assert_string_equal(hub_csv_field(&r, 2), "");
    assert_int_equal(hub_csv_next(&c, &r, &bad, &why), 1);
    assert_int_equal(r.line, 7);
    assert_string_equal(hub_csv_field(&r, 0), "last");
    assert_string_equal(hub_csv_field(&r, 1), "");
    assert_string_equal(hub_csv_field(&r, 2), "z");
    assert_int_equal(hub_csv_next(&c, &r, &bad, &why), 0);
    hub_csv_record_free(&r);
}

static void test_csv_comments_only_when_asked(void **state)
{
    (void)state;
    struct hub_csv_reader c;
    struct hub_csv_record r = {0};
    size_t bad = 0;
    const char *why = NULL;

    hub_csv_reader_init(&c, TEXT("# note, with a comma\nk,v\n#x\n"), true);
    assert_int_equal(hub_csv_next(&c, &r, &bad, &why), 1);
    assert_int_equal(r.line, 2);
    assert_string_equal(hub_csv_field(&r, 0), "k");
    assert_int_equal(hub_csv_next(&c, &r, &bad, &why), 0);
    hub_csv_reader_init(&c, TEXT("# note, with a comma\n"), false);
    assert_int_equal(hub_csv_next(&c, &r, &bad, &why), 1);
    assert_int_equal(r.nfields, 2);
    assert_string_equal(hub_csv_field(&r, 0), "# note");
    hub_csv_record_free(&r);
}

/* Each syntax error names its field and line, and reading goes on at the next line. */
static void test_csv_syntax_errors_name_field_and_line(void **state)
{
    (void)state;
    struct hub_csv_reader c;
    struct hub_csv_record r = {0};
    size_t bad = 99;
    const char *why = NULL;

    hub_csv_reader_init(&c, TEXT("a,b\"c\nok\nx,\"q\"tail,y\nfine,\"open"), false);
    assert_int_equal(hub_csv_next(&c, &r, &bad, &why), HUB_EINVAL);
    assert_int_equal(r.line, 1);
    assert_int_equal(bad, 1);
    assert_non_null(strstr(why, "a quote inside an unquoted field"));
    assert_int_equal(hub_csv_next(&c, &r, &bad, &why), 1);
    assert_string_equal(hub_csv_field(&r, 0), "ok");
    assert_int_equal(hub_csv_next(&c, &r, &bad, &why), HUB_EINVAL);
    assert_int_equal(r.line, 3);
    assert_int_equal(bad, 1);
    assert_string_equal(why, "text after the closing quote");
    assert_int_equal(hub_csv_next(&c, &r, &bad, &why), HUB_EINVAL);
    assert_int_equal(r.line, 4);
    assert_int_equal(bad, 1);
    assert_string_equal(why, "a quoted field is not closed");
    hub_csv_record_free(&r);
}

static void test_csv_field_keeps_a_nul_byte_visible(void **state)
{
    (void)state;
    struct hub_csv_reader c;
    struct hub_csv_record r = {0};
    size_t bad = 0;
    const char *why = NULL;

    hub_csv_reader_init(&c, TEXT("a\0b,c\n"), false);
    assert_int_equal(hub_csv_next(&c, &r, &bad, &why), 1);
    assert_int_equal(hub_csv_field_len(&r, 0), 3);
    assert_int_equal(strlen(hub_csv_field(&r, 0)), 1); /* callers refuse it by this difference */
    hub_csv_record_free(&r);
}

/* Whatever a field holds, what the writer writes the reader reads back the same. */
static void test_csv_written_fields_read_back(void **state)
{
    (void)state;
    const char *fields[] = {
        "plain",        "",   "a,b", "say \"hi\"",          "cr\rhere", "lf\nhere",
        "crlf\r\nhere", "\"", ",",   "Enskede-\xC3\x85rsta"};
    size_t n = sizeof fields / sizeof fields[0];
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    for (int row = 0; row < 2; row++)
        for (size_t i = 0; i < n; i++)
            hub_csv_write_field(f, fields[i], i + 1 < n ? "," : row ? "\n" : "\r\n");
    hub_csv_write_field(f, NULL, "\n");
    fclose(f);

    struct hub_csv_reader c;
    struct hub_csv_record r = {0};
    size_t bad = 0;
    const char *why = NULL;
    hub_csv_reader_init(&c, buf, len, false);
    for (int row = 0; row < 2; row++) {
        assert_int_equal(hub_csv_next(&c, &r, &bad, &why), 1);
        assert_int_equal(r.nfields, n);
        for (size_t i = 0; i < n; i++)
            assert_string_equal(hub_csv_field(&r, i), fields[i]);
    }
    assert_int_equal(hub_csv_next(&c, &r, &bad, &why), 0); /* NULL: an empty field, a blank line */
    hub_csv_record_free(&r);
    free(buf);
}

static void test_csv_slurp_refuses_more_than_max(void **state)
{
    (void)state;
    char text[] = "0123456789";
    FILE *f = fmemopen(text, 10, "r");
    char *out = NULL;
    size_t len = 0;
    struct hub_error err = {0};
    assert_int_equal(hub_csv_slurp(f, "t.csv", 9, &out, &len, &err), HUB_ERANGE);
    assert_string_equal(err.msg, "t.csv: larger than 9 bytes");
    assert_null(out);
    rewind(f);
    assert_int_equal(hub_csv_slurp(f, "t.csv", 10, &out, &len, &err), 0);
    assert_int_equal(len, 10);
    assert_string_equal(out, text);
    free(out);
    fclose(f);
}

static int count_rows(void *ud, char **fields, unsigned long line, struct hub_error *err)
{
    size_t *n = ud;
    if (strcmp(fields[0], "stop") == 0)
        return hub_error_set(err, HUB_ECONFIG_VALUE, "row on line %lu refused", line);
    (*n)++;
    return 0;
}

/* Reads `text` (len bytes) as a table of columns a,b into a temp file; returns the load's code. */
static int read_table_n(const char *text, size_t len, bool comments, size_t *rows,
                        struct hub_error *err)
{
    static const char *const cols[] = {"a", "b"};
    char path[] = "/tmp/test_csv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fwrite(text, 1, len, f);
    fclose(f);
    *rows = 0;
    const struct hub_csv_table t = {.path = path,
                                    .columns = cols,
                                    .ncolumns = 2,
                                    .max_line = 64,
                                    .max_file = 4096,
                                    .comments = comments,
                                    .no_header = "no header; expected",
                                    .row = count_rows,
                                    .ud = rows};
    int rc = hub_csv_read_table(&t, err);
    unlink(path);
    return rc;
}

static int read_table(const char *text, bool comments, size_t *rows, struct hub_error *err)
{
    return read_table_n(text, strlen(text), comments, rows, err);
}

static void test_csv_table_checks_header_rows_and_callback(void **state)
{
    (void)state;
    struct hub_error err = {0};
    size_t rows = 0;
    assert_int_equal(read_table("# c\na,b\n1,2\n\n\"3\",4\n", true, &rows, &err), 0);
    assert_int_equal(rows, 2);
    assert_int_equal(read_table("# c\na,b\n", false, &rows, &err), HUB_ECONFIG_SYNTAX);
    assert_non_null(strstr(err.msg, ":1: expected the header a,b"));
    assert_int_equal(read_table("", false, &rows, &err), HUB_ECONFIG_SYNTAX);
    assert_non_null(strstr(err.msg, ": no header; expected a,b"));
    assert_int_equal(read_table("a,b\n1,2,3\n", false, &rows, &err), HUB_ECONFIG_SYNTAX);
    assert_non_null(strstr(err.msg, ":2: expected 2 fields (a,b), got 3"));
    assert_int_equal(read_table("a,b\n1,x\"y\n", false, &rows, &err), HUB_ECONFIG_SYNTAX);
    assert_non_null(strstr(err.msg, ":2: column 2 (b): a quote inside an unquoted field"));
    assert_int_equal(read_table_n(TEXT("a,b\n1,\"x\0y\"\n"), false, &rows, &err),
                     HUB_ECONFIG_SYNTAX);
    assert_non_null(strstr(err.msg, ":2: contains a NUL byte"));
    assert_int_equal(read_table("a,b\nstop,1\n2,2\n", false, &rows, &err), HUB_ECONFIG_VALUE);
    assert_string_equal(err.msg, "row on line 2 refused");
    assert_int_equal(rows, 0);
    char longline[200];
    snprintf(longline, sizeof longline, "a,b\n1,%0100d\n", 7);
    assert_int_equal(read_table(longline, false, &rows, &err), HUB_ECONFIG_SYNTAX);
    assert_non_null(strstr(err.msg, ":2: line longer than 64 bytes"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_reads_quotes_line_breaks_bom_and_blank_lines),
        cmocka_unit_test(test_csv_comments_only_when_asked),
        cmocka_unit_test(test_csv_syntax_errors_name_field_and_line),
        cmocka_unit_test(test_csv_field_keeps_a_nul_byte_visible),
        cmocka_unit_test(test_csv_written_fields_read_back),
        cmocka_unit_test(test_csv_slurp_refuses_more_than_max),
        cmocka_unit_test(test_csv_table_checks_header_rows_and_callback),
    };
    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
