/* test_webhook.c — Standard Webhooks signing and verification, and strict base64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hub/crypto/webhook.h"

/* The standard-webhooks libraries' own test vector: secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
 * (base64 of the key bytes), id msg_p5jXN8AQM9LWM0D4loKWxJek, timestamp 1614265330, body
 * {"test": 2432232314}; the expected value was recomputed independently with Python's hmac. */
#define KAT_SECRET_B64 "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define KAT_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define KAT_TS 1614265330
#define KAT_BODY "{\"test\": 2432232314}"
#define KAT_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static size_t kat_key(uint8_t key[32])
{
    size_t n = 0;
    assert_int_equal(hub_base64_decode(KAT_SECRET_B64, strlen(KAT_SECRET_B64), key, 32, &n), 0);
    return n;
}

static void test_webhook_sign_matches_standard_vector(void **state)
{
    (void)state;
    uint8_t key[32];
    size_t klen = kat_key(key);
    char sig[HUB_WEBHOOK_SIG_LEN];
    assert_int_equal(
        hub_webhook_sign(key, klen, KAT_ID, KAT_TS, KAT_BODY, strlen(KAT_BODY), sig, NULL), 0);
    assert_string_equal(sig, KAT_SIG);
}

static void test_webhook_sign_matches_python_for_our_ids(void **state)
{
    (void)state;
    uint8_t key[32];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)i;
    const char *body = "{\"type\":\"handover.created\",\"handover_id\":\"x\"}";
    char sig[HUB_WEBHOOK_SIG_LEN];
    assert_int_equal(hub_webhook_sign(key, 32, "0a1b2c3d-0000-8000-8000-000000000001", 1767225600,
                                      body, strlen(body), sig, NULL),
                     0);
    assert_string_equal(sig, "v1,FQmJ+SUcjYKWTFlEzfWjANQakpeoo0gm2h8VuuD8Hlw=");
}

static void test_webhook_sign_refuses_dotted_or_empty_id(void **state)
{
    (void)state;
    uint8_t key[1] = {1};
    char sig[HUB_WEBHOOK_SIG_LEN];
    struct hub_error err = {0};
    assert_int_equal(hub_webhook_sign(key, 1, "a.b", 1, "x", 1, sig, &err), HUB_EINVAL);
    assert_int_equal(hub_webhook_sign(key, 1, "", 1, "x", 1, sig, &err), HUB_EINVAL);
    assert_int_equal(hub_webhook_sign(key, 0, "a", 1, "x", 1, sig, &err), HUB_EINVAL);
    assert_int_equal(hub_webhook_sign(key, 1, "a", -1, "x", 1, sig, &err), HUB_EINVAL);
}

static void test_webhook_verify_accepts_valid_and_rotated_lists(void **state)
{
    (void)state;
    uint8_t key[32];
    size_t klen = kat_key(key);
    struct hub_error err = {0};
    assert_int_equal(hub_webhook_verify(key, klen, KAT_ID, "1614265330", KAT_SIG, KAT_BODY,
                                        strlen(KAT_BODY), KAT_TS + 10, 300, &err),
                     0);
    /* an old key's signature and an asymmetric one first, ours last */
    const char *list = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1a,xyz " KAT_SIG;
    assert_int_equal(hub_webhook_verify(key, klen, KAT_ID, "1614265330", list, KAT_BODY,
                                        strlen(KAT_BODY), KAT_TS, 300, &err),
                     0);
}

static void test_webhook_verify_rejects_tampering(void **state)
{
    (void)state;
    uint8_t key[32];
    size_t klen = kat_key(key);
    struct hub_error err = {0};
    const char *other = "{\"test\": 2432232315}";
    assert_int_equal(hub_webhook_verify(key, klen, KAT_ID, "1614265330", KAT_SIG, other,
                                        strlen(other), KAT_TS, 300, &err),
                     HUB_ESIGNATURE);
    assert_int_equal(hub_webhook_verify(key, klen, "msg_other", "1614265330", KAT_SIG, KAT_BODY,
                                        strlen(KAT_BODY), KAT_TS, 300, &err),
                     HUB_ESIGNATURE);
    assert_int_equal(hub_webhook_verify(key, klen, KAT_ID, "1614265331", KAT_SIG, KAT_BODY,
                                        strlen(KAT_BODY), KAT_TS, 300, &err),
                     HUB_ESIGNATURE);
    key[0] ^= 1;
    assert_int_equal(hub_webhook_verify(key, klen, KAT_ID, "1614265330", KAT_SIG, KAT_BODY,
                                        strlen(KAT_BODY), KAT_TS, 300, &err),
                     HUB_ESIGNATURE);
    assert_non_null(strstr(err.msg, "no v1 signature matches"));
}

static void test_webhook_verify_rejects_stale_and_future_timestamps(void **state)
{
    (void)state;
    uint8_t key[32];
    size_t klen = kat_key(key);
    struct hub_error err = {0};
    assert_int_equal(hub_webhook_verify(key, klen, KAT_ID, "1614265330", KAT_SIG, KAT_BODY,
                                        strlen(KAT_BODY), KAT_TS + 301, 300, &err),
                     HUB_ESIGNATURE);
    assert_non_null(strstr(err.msg, "from the clock"));
    assert_int_equal(hub_webhook_verify(key, klen, KAT_ID, "1614265330", KAT_SIG, KAT_BODY,
                                        strlen(KAT_BODY), KAT_TS - 301, 300, &err),
                     HUB_ESIGNATURE);
    assert_int_equal(hub_webhook_verify(key, klen, KAT_ID, "1614265330", KAT_SIG, KAT_BODY,
                                        strlen(KAT_BODY), KAT_TS + 300, 300, &err),
                     0);
}

static void test_webhook_verify_rejects_malformed_headers(void **state)
{
    (void)state;
    uint8_t key[32];
    size_t klen = kat_key(key);
    struct hub_error err = {0};
    const char *bad_ts[] = {"", "-1", "1614265330.5", "16142653300000000000", " 1614265330"};
    for (size_t i = 0; i < sizeof bad_ts / sizeof *bad_ts; i++)
        assert_int_equal(hub_webhook_verify(key, klen, KAT_ID, bad_ts[i], KAT_SIG, KAT_BODY,
                                            strlen(KAT_BODY), KAT_TS, 300, &err),
                         HUB_ESIGNATURE);
    assert_int_equal(hub_webhook_verify(key, klen, NULL, "1614265330", KAT_SIG, KAT_BODY,
                                        strlen(KAT_BODY), KAT_TS, 300, &err),
                     HUB_ESIGNATURE);
    assert_int_equal(hub_webhook_verify(key, klen, KAT_ID, "1614265330", NULL, KAT_BODY,
                                        strlen(KAT_BODY), KAT_TS, 300, &err),
                     HUB_ESIGNATURE);
    const char *bad_sig[] = {"",
                             "v1,",
                             "v1",
                             "v2,"
                             "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                             "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
                             "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=="};
    for (size_t i = 0; i < sizeof bad_sig / sizeof *bad_sig; i++)
        assert_int_equal(hub_webhook_verify(key, klen, KAT_ID, "1614265330", bad_sig[i], KAT_BODY,
                                            strlen(KAT_BODY), KAT_TS, 300, &err),
                         HUB_ESIGNATURE);
}

static void test_base64_round_trips_and_is_strict(void **state)
{
    (void)state;
    const char *vec[][2] = {{"f", "Zg=="},        {"fo", "Zm8="},        {"foo", "Zm9v"},
                            {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    char out[32];
    uint8_t back[32];
    size_t n;
    for (size_t i = 0; i < 6; i++) {
        size_t len = strlen(vec[i][0]);
        assert_int_equal(hub_base64_encode((const uint8_t *)vec[i][0], len, out, sizeof out),
                         strlen(vec[i][1]));
        assert_string_equal(out, vec[i][1]);
        assert_int_equal(hub_base64_decode(out, strlen(out), back, sizeof back, &n), 0);
        assert_int_equal(n, len);
        assert_memory_equal(back, vec[i][0], len);
    }
    const char *bad[] = {
        "Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n", "=Zm9", "Zg==Zg=="};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(hub_base64_decode(bad[i], strlen(bad[i]), back, sizeof back, &n),
                         HUB_EINVAL);
    assert_int_equal(hub_base64_decode("Zm9vYmFy", 8, back, 5, &n), HUB_ERANGE);
    assert_int_equal(hub_base64_encode((const uint8_t *)"foo", 3, out, 4), 0);
    uint8_t all[256];
    char big[400];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    size_t e = hub_base64_encode(all, sizeof all, big, sizeof big);
    assert_int_equal(e, hub_base64_encoded_len(256));
    uint8_t round[256];
    assert_int_equal(hub_base64_decode(big, e, round, sizeof round, &n), 0);
    assert_int_equal(n, 256);
    assert_memory_equal(round, all, 256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_webhook_sign_matches_standard_vector),
        cmocka_unit_test(test_webhook_sign_matches_python_for_our_ids),
        cmocka_unit_test(test_webhook_sign_refuses_dotted_or_empty_id),
        cmocka_unit_test(test_webhook_verify_accepts_valid_and_rotated_lists),
        cmocka_unit_test(test_webhook_verify_rejects_tampering),
        cmocka_unit_test(test_webhook_verify_rejects_stale_and_future_timestamps),
        cmocka_unit_test(test_webhook_verify_rejects_malformed_headers),
        cmocka_unit_test(test_base64_round_trips_and_is_strict),
    };
    return cmocka_run_group_tests_name("webhook", tests, NULL, NULL);
}
