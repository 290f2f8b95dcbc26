/* test_pg.c — array literals for unnest() parameters, and result checks without a server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hub/pg/pg.h"

static void test_pg_array_empty_is_braces(void **state)
{
    (void)state;
    struct hub_pg_array a = {0};
    assert_string_equal(hub_pg_array_finish(&a), "{}");
    assert_int_equal(a.count, 0);
    hub_pg_array_reset(&a);
    assert_string_equal(hub_pg_array_finish(&a), "{}");
    hub_pg_array_free(&a);
}

static uint32_t be32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

/* PostgreSQL's array_recv layout: one dimension, the has-nulls flag, bytea's OID 17, the count and
 * lower bound 1; each element its big-endian length (-1 for NULL) and bytes, zero bytes kept. */
static void test_pg_bytea_array_is_postgresql_binary_layout(void **state)
{
    (void)state;
    struct hub_pg_array a = {0};
    const char sig[3] = {'\0', '\xff', '"'};
    int len = -1;

    hub_pg_array_reset_bytea(&a);
    hub_pg_array_add_bytea(&a, sig, sizeof sig);
    hub_pg_array_add_bytea(&a, NULL, 64);
    hub_pg_array_add_bytea(&a, "", 0);
    const char *d = hub_pg_array_finish_bytea(&a, &len);
    assert_non_null(d);
    assert_int_equal(len, 20 + 4 + 3 + 4 + 4);
    assert_int_equal(be32(d), 1);      /* dimensions */
    assert_int_equal(be32(d + 4), 1);  /* has a NULL */
    assert_int_equal(be32(d + 8), 17); /* bytea */
    assert_int_equal(be32(d + 12), 3); /* elements */
    assert_int_equal(be32(d + 16), 1); /* lower bound */
    assert_int_equal(be32(d + 20), 3);
    assert_memory_equal(d + 24, sig, 3);
    assert_int_equal(be32(d + 27), UINT32_MAX); /* NULL */
    assert_int_equal(be32(d + 31), 0);          /* empty, not NULL */

    hub_pg_array_reset_bytea(&a); /* reuse: no NULL now, and an empty array has no dimensions */
    d = hub_pg_array_finish_bytea(&a, &len);
    assert_non_null(d);
    assert_int_equal(len, 12);
    assert_int_equal(be32(d), 0);
    assert_int_equal(be32(d + 8), 17);

    hub_pg_array_reset_bytea(&a); /* a text element or a text finish spoils a binary array */
    hub_pg_array_add_text(&a, "x");
    assert_null(hub_pg_array_finish_bytea(&a, &len));
    hub_pg_array_reset_bytea(&a);
    assert_null(hub_pg_array_finish(&a));
    hub_pg_array_reset(&a); /* and back to text */
    hub_pg_array_add_text(&a, "x");
    assert_string_equal(hub_pg_array_finish(&a), "{\"x\"}");
    assert_null(hub_pg_array_finish_bytea(&a, &len));
    hub_pg_array_free(&a);
}

static void test_pg_array_quotes_and_escapes_every_text_element(void **state)
{
    (void)state;
    struct hub_pg_array a = {0};
    hub_pg_array_add_text(&a, "a");
    hub_pg_array_add_text(&a, "b \"c\"");
    hub_pg_array_add_text(&a, "back\\slash");
    hub_pg_array_add_text(&a, "");
    hub_pg_array_add_text(&a, "NULL");
    hub_pg_array_add_text(&a, "x,y{} z");
    hub_pg_array_add_text(&a, "Åsa Öberg");
    assert_string_equal(hub_pg_array_finish(&a),
                        "{\"a\",\"b \\\"c\\\"\",\"back\\\\slash\",\"\",\"NULL\",\"x,y{} z\","
                        "\"Åsa Öberg\"}");
    assert_int_equal(a.count, 7);
    hub_pg_array_free(&a);
}

static void test_pg_array_null_is_unquoted_and_text_null_is_quoted(void **state)
{
    (void)state;
    struct hub_pg_array a = {0};
    hub_pg_array_add_null(&a);
    hub_pg_array_add_text(&a, "NULL");
    hub_pg_array_add_null(&a);
    assert_string_equal(hub_pg_array_finish(&a), "{NULL,\"NULL\",NULL}");
    hub_pg_array_free(&a);
}

static void test_pg_array_formats_integers_and_booleans(void **state)
{
    (void)state;
    struct hub_pg_array a = {0};
    hub_pg_array_add_int(&a, 0);
    hub_pg_array_add_int(&a, -1);
    hub_pg_array_add_int(&a, 1700000000123);
    hub_pg_array_add_int(&a, INT64_MAX);
    hub_pg_array_add_int(&a, INT64_MIN);
    hub_pg_array_add_bool(&a, true);
    hub_pg_array_add_bool(&a, false);
    assert_string_equal(hub_pg_array_finish(&a), "{0,-1,1700000000123,9223372036854775807,"
                                                 "-9223372036854775808,t,f}");
    hub_pg_array_free(&a);
}

static void test_pg_array_textn_takes_exactly_n_bytes(void **state)
{
    (void)state;
    struct hub_pg_array a = {0};
    hub_pg_array_add_textn(&a, "abcdef", 3);
    hub_pg_array_add_textn(&a, "\"\"", 1);
    assert_string_equal(hub_pg_array_finish(&a), "{\"abc\",\"\\\"\"}");
    hub_pg_array_free(&a);
}

static void test_pg_array_nests_a_literal_as_one_escaped_element(void **state)
{
    (void)state;
    struct hub_pg_array inner = {0}, outer = {0};
    hub_pg_array_add_text(&inner, "12345678");
    hub_pg_array_add_text(&inner, "a\"b");
    const char *lit = hub_pg_array_finish(&inner);
    assert_string_equal(lit, "{\"12345678\",\"a\\\"b\"}");
    hub_pg_array_add_text(&outer, lit);
    hub_pg_array_reset(&inner);
    hub_pg_array_add_text(&outer, hub_pg_array_finish(&inner));
    assert_string_equal(hub_pg_array_finish(&outer),
                        "{\"{\\\"12345678\\\",\\\"a\\\\\\\"b\\\"}\",\"{}\"}");
    hub_pg_array_free(&inner);
    hub_pg_array_free(&outer);
}

static void test_pg_array_reset_reuses_memory(void **state)
{
    (void)state;
    struct hub_pg_array a = {0};
    for (int i = 0; i < 10000; i++)
        hub_pg_array_add_text(&a, "00000000-0000-4000-8000-000000000000");
    assert_non_null(hub_pg_array_finish(&a));
    assert_int_equal(a.count, 10000);
    assert_int_equal(a.len, 2 + 10000 * 38 + 9999);
    assert_int_equal(strlen(a.data), a.len);
    char *before = a.data;
    size_t cap = a.cap;
    hub_pg_array_reset(&a);
    hub_pg_array_add_int(&a, 7);
    assert_string_equal(hub_pg_array_finish(&a), "{7}");
    assert_ptr_equal(a.data, before);
    assert_int_equal(a.cap, cap);
    hub_pg_array_free(&a);
    assert_null(a.data);
    hub_pg_array_free(&a); /* twice is fine */
}

static void test_pg_array_append_after_finish_fails_sticky(void **state)
{
    (void)state;
    struct hub_pg_array a = {0};
    hub_pg_array_add_int(&a, 1);
    assert_string_equal(hub_pg_array_finish(&a), "{1}");
    assert_string_equal(hub_pg_array_finish(&a), "{1}"); /* idempotent */
    hub_pg_array_add_int(&a, 2);
    assert_true(a.failed);
    assert_null(hub_pg_array_finish(&a));
    hub_pg_array_reset(&a); /* reset clears the failure */
    hub_pg_array_add_int(&a, 3);
    assert_string_equal(hub_pg_array_finish(&a), "{3}");
    hub_pg_array_free(&a);
}

static void test_pg_without_connection_is_a_connection_error(void **state)
{
    (void)state;
    struct hub_error err = {0};
    assert_true(hub_pg_is_connection_error(NULL, NULL));
    assert_int_equal(hub_pg_check(NULL, NULL, "store offsets", &err), HUB_EPG_CONNECT);
    assert_int_equal(err.code, HUB_EPG_CONNECT);
    assert_non_null(strstr(err.msg, "store offsets: "));
    assert_null(strchr(err.msg, '\n'));
}

static void test_pg_connect_failure_names_target_not_password(void **state)
{
    (void)state;
    struct hub_error err = {0};
    PGconn *conn = NULL;
    int rc = hub_pg_connect_conninfo(
        "host=/nonexistent/hub-test port=5999 dbname=hubx user=someone password=s3cret-pw "
        "connect_timeout=2",
        &conn, &err);
    assert_int_equal(rc, HUB_EPG_CONNECT);
    assert_null(conn);
    assert_non_null(strstr(err.msg, "cannot connect to PostgreSQL"));
    assert_non_null(strstr(err.msg, "host=/nonexistent/hub-test"));
    assert_non_null(strstr(err.msg, "port=5999"));
    assert_non_null(strstr(err.msg, "dbname=hubx"));
    assert_non_null(strstr(err.msg, "user=someone"));
    assert_null(strstr(err.msg, "s3cret-pw"));
    assert_null(strchr(err.msg, '\n'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pg_array_empty_is_braces),
        cmocka_unit_test(test_pg_bytea_array_is_postgresql_binary_layout),
        cmocka_unit_test(test_pg_array_quotes_and_escapes_every_text_element),
        cmocka_unit_test(test_pg_array_null_is_unquoted_and_text_null_is_quoted),
        cmocka_unit_test(test_pg_array_formats_integers_and_booleans),
        cmocka_unit_test(test_pg_array_textn_takes_exactly_n_bytes),
        cmocka_unit_test(test_pg_array_nests_a_literal_as_one_escaped_element),
        cmocka_unit_test(test_pg_array_reset_reuses_memory),
        cmocka_unit_test(test_pg_array_append_after_finish_fails_sticky),
        cmocka_unit_test(test_pg_without_connection_is_a_connection_error),
        cmocka_unit_test(test_pg_connect_failure_names_target_not_password),
    };
    return cmocka_run_group_tests_name("pg", tests, NULL, NULL);
}
