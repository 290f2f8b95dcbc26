/* test_strbuf.c — the one growing string buffer (hub/core/strbuf.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hub/core/strbuf.h"

static void test_strbuf_grows_and_hands_over(void **state)
{
    (void)state;
    struct hub_strbuf b = HUB_STRBUF_INIT;
    assert_string_equal(hub_strbuf_text(&b), "");
    for (int i = 0; i < 1000; i++)
        hub_strbuf_printf(&b, "%d,", i % 10);
    assert_int_equal(b.len, 2000);
    assert_int_equal(strlen(b.s), 2000);
    assert_memory_equal(b.s, "0,1,2,", 6);
    hub_strbuf_add(&b, "a\0b", 3); /* bytes, NUL included */
    assert_int_equal(b.len, 2003);
    assert_memory_equal(b.s + 2000, "a\0b", 4);
    hub_strbuf_truncate(&b, 2);
    hub_strbuf_char(&b, 'x');
    hub_strbuf_str(&b, "yz");
    char *s = hub_strbuf_take(&b);
    assert_string_equal(s, "0,xyz");
    assert_null(b.s);
    assert_int_equal(b.len, 0);
    free(s);
    s = hub_strbuf_take(&b); /* nothing appended: an empty string, not NULL */
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

static void test_strbuf_failure_is_sticky(void **state)
{
    (void)state;
    struct hub_strbuf b = HUB_STRBUF_INIT;
    hub_strbuf_str(&b, "kept");
    hub_strbuf_add(&b, "x", SIZE_MAX / 2); /* cannot be had */
    assert_true(b.failed);
    hub_strbuf_str(&b, "more");
    assert_string_equal(hub_strbuf_text(&b), "kept");
    assert_null(hub_strbuf_take(&b));
    assert_false(b.failed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strbuf_grows_and_hands_over),
        cmocka_unit_test(test_strbuf_failure_is_sticky),
    };
    return cmocka_run_group_tests_name("strbuf", tests, NULL, NULL);
}
