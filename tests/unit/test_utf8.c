/* test_utf8.c — the one strict UTF-8 validator (hub/core/utf8.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hub/core/utf8.h"

#define V(lit) hub_utf8_valid(lit, sizeof lit - 1)

static void test_utf8_accepts_every_length(void **state)
{
    (void)state;
    assert_true(V(""));
    assert_true(V("plain ascii"));
    assert_true(V("\x00"));                               /* U+0000 */
    assert_true(V("Enskede-\xC3\x85rsta-Vant\xC3\xB6r")); /* Å, ö */
    assert_true(V("\xE2\x82\xAC"));                       /* € */
    assert_true(V("\xEF\xBF\xBD"));                       /* U+FFFD */
    assert_true(V("\xF0\x9F\x98\x80"));                   /* U+1F600 */
    assert_true(V("\xF4\x8F\xBF\xBF"));                   /* U+10FFFF, the last */
    assert_int_equal(hub_utf8_seq("\xF0\x9F\x98\x80", 4), 4);
    assert_int_equal(hub_utf8_seq("\xC3\xA5", 2), 2);
    assert_int_equal(hub_utf8_seq("a", 1), 1);
}

static void test_utf8_refuses_what_postgresql_refuses(void **state)
{
    (void)state;
    assert_false(V("\x80"));             /* a lone continuation byte */
    assert_false(V("\xC0\xAF"));         /* overlong '/' */
    assert_false(V("\xC1\xBF"));         /* overlong */
    assert_false(V("\xE0\x80\xAF"));     /* overlong, 3 bytes */
    assert_false(V("\xF0\x80\x80\xAF")); /* overlong, 4 bytes */
    assert_false(V("\xED\xA0\x80"));     /* U+D800, a surrogate */
    assert_false(V("\xED\xBF\xBF"));     /* U+DFFF */
    assert_false(V("\xF4\x90\x80\x80")); /* U+110000 */
    assert_false(V("\xF5\x80\x80\x80")); /* no such lead byte */
    assert_false(V("\xFF"));
    assert_false(V("ok\xC3"));                            /* cut at the end */
    assert_false(V("\xE2\x82"));                          /* cut at the end */
    assert_false(V("\xC3("));                             /* continuation missing */
    assert_int_equal(hub_utf8_seq("\xE2\x82\xAC", 2), 0); /* shorter than the sequence */
    assert_int_equal(hub_utf8_seq("\xED\xA0\x80", 3), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_accepts_every_length),
        cmocka_unit_test(test_utf8_refuses_what_postgresql_refuses),
    };
    return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
