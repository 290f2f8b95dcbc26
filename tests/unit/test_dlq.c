/*
 * test_dlq.c — dead letters: a stable id per poison message, and a letter that fits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hub/kafka/dlq.h"

static const char *header(rd_kafka_headers_t *h, const char *name)
{
    const void *v = NULL;
    size_t n = 0;
    static char buf[256];
    if (rd_kafka_header_get_last(h, name, &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return NULL;
    snprintf(buf, sizeof buf, "%.*s", (int)n, (const char *)v);
    return buf;
}

static void test_dlq_id_is_stable_and_distinct_per_origin(void **state)
{
    (void)state;
    char a[HUB_DLQ_ID_HEX + 1], b[HUB_DLQ_ID_HEX + 1], c[HUB_DLQ_ID_HEX + 1];
    hub_dlq_id("hub-readmodel", "placement-events", 3, 17, a);
    hub_dlq_id("hub-readmodel", "placement-events", 3, 17, b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), HUB_DLQ_ID_HEX);
    assert_int_equal(strspn(a, "0123456789abcdef"), HUB_DLQ_ID_HEX);
    hub_dlq_id("hub-readmodel", "placement-events", 3, 18, c);
    assert_string_not_equal(a, c);
    hub_dlq_id("hub-readmodel", "placement-events", 4, 17, c);
    assert_string_not_equal(a, c);
    hub_dlq_id("hub-notifier", "placement-events", 3, 17, c);
    assert_string_not_equal(a, c);
    hub_dlq_id("hub-readmodel", "handover-events", 3, 17, c);
    assert_string_not_equal(a, c);
}

static void test_letter_keeps_the_value_when_it_fits(void **state)
{
    (void)state;
    struct hub_dlq_origin o = {"g", "placement-events", 1, 2, "decode", "not Avro"};
    struct hub_dlq_letter l;
    assert_int_equal(hub_dlq_letter_build(&o, "key", 3, "value", 5, 1000000, false, &l), 0);
    assert_false(l.value_omitted);
    assert_int_equal(l.value_len, 5);
    assert_memory_equal(l.value, "value", 5);
    assert_string_equal(header(l.headers, "hub.reason"), "decode");
    assert_string_equal(header(l.headers, "hub.source.offset"), "2");
    assert_string_equal(header(l.headers, "hub.dlq.id"), l.id);
    assert_null(header(l.headers, "hub.value.omitted"));
    rd_kafka_headers_destroy(l.headers);
}

/* One byte over the limit (headers and framing counted): the value goes, its length and digest
 * stay; and a letter the broker refused is rebuilt without the value however small. */
static void test_letter_over_the_limit_is_sent_without_its_value(void **state)
{
    (void)state;
    struct hub_dlq_origin o = {"g", "placement-events", 1, 2, "size", "too big"};
    struct hub_dlq_letter l;
    size_t n = 5000;
    char *v = malloc(n);
    assert_non_null(v);
    memset(v, 'a', n);
    /* find the smallest limit that keeps it whole */
    size_t limit = n;
    for (;; limit++) {
        assert_int_equal(hub_dlq_letter_build(&o, "key", 3, v, n, limit, false, &l), 0);
        bool whole = !l.value_omitted;
        rd_kafka_headers_destroy(l.headers);
        if (whole)
            break;
    }
    assert_int_equal(hub_dlq_letter_build(&o, "key", 3, v, n, limit - 1, false, &l), 0);
    assert_true(l.value_omitted);
    assert_null(l.value);
    assert_int_equal(l.value_len, 0);
    assert_string_equal(header(l.headers, "hub.value.omitted"), "5000");
    /* sha256 of 5000 'a's */
    assert_string_equal(header(l.headers, "hub.value.sha256"),
                        "c526c6222044dab5674de9c4ac7f4566ebb5e4d8bf9d8ea34c9cc8a7cc3c869c");
    assert_int_equal(l.key_len, 3);
    rd_kafka_headers_destroy(l.headers);

    assert_int_equal(hub_dlq_letter_build(&o, "key", 3, "v", 1, 1000000, true, &l), 0);
    assert_true(l.value_omitted);
    rd_kafka_headers_destroy(l.headers);

    /* a huge key goes too */
    assert_int_equal(hub_dlq_letter_build(&o, v, n, v, n, 1000, false, &l), 0);
    assert_true(l.value_omitted);
    assert_null(l.key);
    assert_string_equal(header(l.headers, "hub.key.omitted"), "5000");
    rd_kafka_headers_destroy(l.headers);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dlq_id_is_stable_and_distinct_per_origin),
        cmocka_unit_test(test_letter_keeps_the_value_when_it_fits),
        cmocka_unit_test(test_letter_over_the_limit_is_sent_without_its_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
