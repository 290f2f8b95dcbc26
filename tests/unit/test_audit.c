/* test_audit.c — the disclosure log's canonical serialisation and hash chain (no server needed;
 * tests/integration/test_notifier.sh verifies a real chain and its tampering). Expected values
 * were computed independently with Python's hashlib from the format documented in
 * hub/notify/audit.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hub/notify/audit.h"

static const char CANON_1[] = "hub.disclosure_log.v1\n"
                              "id=1:1\n"
                              "at_ms=13:1767225600123\n"
                              "kind=7:attempt\n"
                              "school_unit=8:12345678\n"
                              "notification_id=36:11111111-1111-8111-8111-111111111111\n"
                              "handover_id=36:22222222-2222-4222-8222-222222222222\n"
                              "placement_id=-\n"
                              "source_event_id=36:33333333-3333-4333-8333-333333333333\n"
                              "district=6:farsta\n"
                              "legal_ground=16:consent_guardian\n"
                              "outcome=8:http_503\n"
                              "attempt=1:2\n"
                              "http_status=3:503\n"
                              "detail=13:HTTP 503 \xc3\x85sa\n"
                              "body_sha256=-\n";

static struct hub_audit_row row1(void)
{
    struct hub_audit_row r = {0};
    r.id = 1;
    r.at_ms = 1767225600123LL;
    r.kind = "attempt";
    r.school_unit = "12345678";
    r.notification_id = "11111111-1111-8111-8111-111111111111";
    r.handover_id = "22222222-2222-4222-8222-222222222222";
    r.source_event_id = "33333333-3333-4333-8333-333333333333";
    r.district = "farsta";
    r.legal_ground = "consent_guardian";
    r.outcome = "http_503";
    r.attempt = 2;
    r.http_status = 503;
    r.detail = "HTTP 503 \xc3\x85sa";
    return r;
}

static void test_audit_canonical_is_length_prefixed(void **state)
{
    (void)state;
    struct hub_audit_row r = row1();
    char *c = NULL;
    size_t len = 0;
    assert_int_equal(hub_audit_canonical(&r, &c, &len), 0);
    assert_int_equal(len, strlen(CANON_1));
    assert_memory_equal(c, CANON_1, len);
    free(c);
}

static void test_audit_chain_matches_python(void **state)
{
    (void)state;
    uint8_t zero[32] = {0}, h1[32], h2[32];
    char hex[HUB_AUDIT_HASH_HEX];
    struct hub_audit_row r = row1();
    assert_int_equal(hub_audit_row_hash(zero, &r, h1), 0);
    hub_audit_hex(h1, 32, hex);
    assert_string_equal(hex, "1b6238186c5b2237f111c294a99d21dddee70e122fc6a3314f8e1a9b1e593b1b");
    r.id = 2;
    r.http_status = 0; /* NULL */
    r.outcome = "delivered";
    assert_int_equal(hub_audit_row_hash(h1, &r, h2), 0);
    hub_audit_hex(h2, 32, hex);
    assert_string_equal(hex, "503ab74b4ff97a378f48e8e2ed2ba64310b76106b0139c824817b88f4428b29f");
}

static void test_audit_hash_changes_with_every_field_and_the_link(void **state)
{
    (void)state;
    uint8_t zero[32] = {0}, base[32], h[32];
    struct hub_audit_row r = row1();
    assert_int_equal(hub_audit_row_hash(zero, &r, base), 0);

    struct hub_audit_row v = r;
    v.attempt = 3;
    assert_int_equal(hub_audit_row_hash(zero, &v, h), 0);
    assert_memory_not_equal(h, base, 32);
    v = r;
    v.placement_id = ""; /* empty string is not NULL */
    assert_int_equal(hub_audit_row_hash(zero, &v, h), 0);
    assert_memory_not_equal(h, base, 32);
    v = r;
    v.at_ms++;
    assert_int_equal(hub_audit_row_hash(zero, &v, h), 0);
    assert_memory_not_equal(h, base, 32);
    /* moving a byte between adjacent fields cannot collide thanks to length prefixes */
    v = r;
    v.district = "farstaconsent_guardian";
    v.legal_ground = "";
    assert_int_equal(hub_audit_row_hash(zero, &v, h), 0);
    assert_memory_not_equal(h, base, 32);
    uint8_t other_prev[32] = {1};
    assert_int_equal(hub_audit_row_hash(other_prev, &r, h), 0);
    assert_memory_not_equal(h, base, 32);
}

static void test_audit_refuses_rows_missing_required_fields(void **state)
{
    (void)state;
    uint8_t zero[32] = {0}, h[32];
    struct hub_audit_row r = row1();
    r.kind = NULL;
    assert_int_equal(hub_audit_row_hash(zero, &r, h), HUB_EINVAL);
    r = row1();
    r.outcome = NULL;
    assert_int_equal(hub_audit_row_hash(zero, &r, h), HUB_EINVAL);
    r = row1();
    r.school_unit = NULL;
    char *c = NULL;
    size_t len = 1;
    assert_int_equal(hub_audit_canonical(&r, &c, &len), HUB_EINVAL);
    assert_null(c);
    assert_int_equal(len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_canonical_is_length_prefixed),
        cmocka_unit_test(test_audit_chain_matches_python),
        cmocka_unit_test(test_audit_hash_changes_with_every_field_and_the_link),
        cmocka_unit_test(test_audit_refuses_rows_missing_required_fields),
    };
    return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
