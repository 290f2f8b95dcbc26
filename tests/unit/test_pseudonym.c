/*
 * test_pseudonym.c — HMAC-SHA256 (RFC 4231), secret key files and personnummer pseudonyms.
 *
 * Personnummer are synthetic (000101-238 with its Luhn digit 4).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hub/crypto/hmac.h"
#include "hub/domain/pnr.h"
#include "hub/crypto/pseudonym.h"
#include "hub/crypto/secret.h"
#include <openssl/evp.h>
#include <openssl/rand.h>

/* 32-byte test key: SHA-256 of "sams-hub pseudonym test key" (a counter such as 00 01 02 … is
 * refused as too weak, see test_pseudonym_refuses_weak_keys). */
static const uint8_t test_key[32] = {
    0x61, 0x94, 0x7f, 0x88, 0x10, 0x4e, 0x01, 0xa0, 0xb2, 0xaa, 0x56, 0x3f, 0x77, 0x4a, 0xed, 0xef,
    0xa8, 0x62, 0xa0, 0xb5, 0xa3, 0x0b, 0x84, 0x66, 0x4b, 0x09, 0x70, 0xab, 0x0b, 0xb7, 0x46, 0xba};

/*
 * Known answers, computed at development time with
 *   printf %s 200001012384 | openssl dgst -sha256 -mac HMAC \
 *     -macopt hexkey:61947f88104e01a0b2aa563f774aedefa862a0b5a30b84664b0970ab0bb746ba
 * and likewise for 190001012384.
 */
static const char pseudonym_200001012384[] =
    "1f6281a61087c3bdd68229ae2da8e39f74a3d5dd511c1ecc5f0277e04c8c3eca";
static const char pseudonym_190001012384[] =
    "ee338b44f35729bcd6ef7e275cac99653f53456629477b28b19a0902cac8d70c";

static const struct hub_date today = {2026, 3, 1};

static void to_hex(const uint8_t *b, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static void assert_hmac(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
                        const char *want_hex)
{
    uint8_t mac[HUB_HMAC_SHA256_LEN];
    char hex[2 * HUB_HMAC_SHA256_LEN + 1];

    assert_int_equal(hub_hmac_sha256(key, klen, msg, mlen, mac), 0);
    to_hex(mac, sizeof mac, hex);
    assert_string_equal(hex, want_hex);
}

static void test_hmac_rfc4231_case_1(void **state)
{
    uint8_t key[20];
    memset(key, 0x0b, sizeof key);
    assert_hmac(key, sizeof key, (const uint8_t *)"Hi There", 8,
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

static void test_hmac_rfc4231_case_2_short_key(void **state)
{
    const char *msg = "what do ya want for nothing?";
    assert_hmac((const uint8_t *)"Jefe", 4, (const uint8_t *)msg, strlen(msg),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_hmac_rfc4231_case_3(void **state)
{
    uint8_t key[20], msg[50];
    memset(key, 0xaa, sizeof key);
    memset(msg, 0xdd, sizeof msg);
    assert_hmac(key, sizeof key, msg, sizeof msg,
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

static void test_hmac_rfc4231_case_4(void **state)
{
    uint8_t key[25], msg[50];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i + 1);
    memset(msg, 0xcd, sizeof msg);
    assert_hmac(key, sizeof key, msg, sizeof msg,
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

static void test_hmac_rfc4231_case_6_key_longer_than_block(void **state)
{
    uint8_t key[131];
    const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
    memset(key, 0xaa, sizeof key);
    assert_hmac(key, sizeof key, (const uint8_t *)msg, strlen(msg),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_hmac_rfc4231_case_7_key_and_data_longer_than_block(void **state)
{
    uint8_t key[131];
    const char *msg = "This is a test using a larger than block-size key and a larger than "
                      "block-size data. The key needs to be hashed before being used by the "
                      "HMAC algorithm.";
    memset(key, 0xaa, sizeof key);
    assert_hmac(key, sizeof key, (const uint8_t *)msg, strlen(msg),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void parse(const char *in, struct hub_pnr *p)
{
    assert_int_equal(hub_pnr_parse(in, &today, p, NULL), 0);
}

static void test_pseudonym_known_answer(void **state)
{
    hub_pseudonym_t *ps = NULL;
    struct hub_pnr p;
    char hex[HUB_PSEUDONYM_HEX_LEN];

    assert_int_equal(hub_pseudonym_new_from_bytes(test_key, sizeof test_key, &ps, NULL), 0);
    parse("20000101-2384", &p);
    assert_int_equal(hub_pseudonym_of(ps, &p, hex), 0);
    assert_string_equal(hex, pseudonym_200001012384);
    hub_pseudonym_destroy(ps);
}

static void test_pseudonym_repeated_calls_reuse_the_key(void **state)
{
    hub_pseudonym_t *ps = NULL;
    struct hub_pnr a, b;
    char hex[HUB_PSEUDONYM_HEX_LEN];

    assert_int_equal(hub_pseudonym_new_from_bytes(test_key, sizeof test_key, &ps, NULL), 0);
    parse("000101-2384", &a);
    parse("000101+2384", &b); /* born 1900 */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(hub_pseudonym_of(ps, &a, hex), 0);
        assert_string_equal(hex, pseudonym_200001012384);
        assert_int_equal(hub_pseudonym_of(ps, &b, hex), 0);
        assert_string_equal(hex, pseudonym_190001012384);
    }
    hub_pseudonym_destroy(ps);
}

static void test_pseudonym_same_person_10_and_12_digit_forms_agree(void **state)
{
    const char *forms[] = {"0001012384", "000101-2384", "200001012384", "20000101-2384"};
    hub_pseudonym_t *ps = NULL;
    struct hub_pnr p;
    char hex[HUB_PSEUDONYM_HEX_LEN];

    assert_int_equal(hub_pseudonym_new_from_bytes(test_key, sizeof test_key, &ps, NULL), 0);
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        parse(forms[i], &p);
        assert_int_equal(hub_pseudonym_of(ps, &p, hex), 0);
        assert_string_equal(hex, pseudonym_200001012384);
    }
    hub_pseudonym_destroy(ps);
}

static void test_pseudonym_refuses_unparsed_pnr(void **state)
{
    hub_pseudonym_t *ps = NULL;
    struct hub_pnr p;
    char hex[HUB_PSEUDONYM_HEX_LEN];

    memset(&p, 0, sizeof p);
    assert_int_equal(hub_pseudonym_new_from_bytes(test_key, sizeof test_key, &ps, NULL), 0);
    assert_int_equal(hub_pseudonym_of(ps, &p, hex), HUB_EINVAL);
    assert_string_equal(hex, "");
    hub_pseudonym_destroy(ps);
    hub_pseudonym_destroy(NULL);
}

static void test_pseudonym_refuses_short_key_bytes(void **state)
{
    hub_pseudonym_t *ps = NULL;
    struct hub_error err = {0};

    assert_int_equal(hub_pseudonym_new_from_bytes(test_key, 31, &ps, &err), HUB_ECONFIG_VALUE);
    assert_int_equal(err.code, HUB_ECONFIG_VALUE);
    assert_null(ps);
    assert_int_equal(hub_pseudonym_new_from_bytes(NULL, 0, &ps, &err), HUB_ECONFIG_VALUE);
}

/* Issue 14: a key of 32 zero bytes or 32 'a's was accepted. Weak keys are refused, for bytes and
 * for key files alike, and the message never shows a byte of the key. */
static void test_pseudonym_refuses_weak_keys(void **state)
{
    (void)state;
    uint8_t weak[6][32];
    memset(weak[0], 0, 32);   /* 32 zero bytes */
    memset(weak[1], 'a', 32); /* 32 'a's */
    for (size_t i = 0; i < 32; i++) {
        weak[2][i] = (uint8_t)i;                     /* a counter 00 01 02 … */
        weak[3][i] = (uint8_t)(i * 7 + 1);           /* any arithmetic sequence */
        weak[4][i] = test_key[i % 16];               /* a random block, twice */
        weak[5][i] = (uint8_t) "0123456789"[i % 10]; /* a short pattern that does not divide 32 */
    }
    for (size_t k = 0; k < 6; k++) {
        hub_pseudonym_t *ps = NULL;
        struct hub_error err = {0};
        assert_int_equal(hub_pseudonym_new_from_bytes(weak[k], 32, &ps, &err), HUB_ECONFIG_VALUE);
        assert_null(ps);
        assert_non_null(strstr(err.msg, "pseudonym key: the key "));
    }
    /* the strength check alone: a key typed from few distinct characters */
    struct hub_error err = {0};
    const char *pass = "abbaabababbbaabaabbbabaababbabab"; /* no pattern, two characters */
    assert_int_equal(hub_secret_check_strength((const uint8_t *)pass, strlen(pass), &err),
                     HUB_ECONFIG_VALUE);
    assert_non_null(strstr(err.msg, "too little entropy"));
    assert_int_equal(hub_secret_check_strength(weak[1], 32, &err), HUB_ECONFIG_VALUE);
    assert_non_null(strstr(err.msg, "repeats a 1-byte pattern"));
}

/* What deploy/run.sh and the tests make (head -c 32 /dev/urandom), and the hex or base64 text of
 * random bytes, passes: 2,000 fresh keys of each kind. */
static void test_pseudonym_accepts_random_keys(void **state)
{
    (void)state;
    static const char hex[] = "0123456789abcdef";
    for (int n = 0; n < 2000; n++) {
        uint8_t raw[32];
        char text[65];
        struct hub_error err = {0};
        assert_int_equal(RAND_bytes(raw, sizeof raw), 1);
        if (hub_secret_check_strength(raw, sizeof raw, &err) != 0)
            fail_msg("a random key was refused: %s", err.msg);
        for (size_t i = 0; i < sizeof raw; i++) {
            text[2 * i] = hex[raw[i] >> 4];
            text[2 * i + 1] = hex[raw[i] & 15];
        }
        if (hub_secret_check_strength((const uint8_t *)text, 64, &err) != 0)
            fail_msg("the hex text of a random key was refused: %s", err.msg);
        assert_int_equal(EVP_EncodeBlock((unsigned char *)text, raw, sizeof raw), 44);
        if (hub_secret_check_strength((const uint8_t *)text, 44, &err) != 0)
            fail_msg("the base64 text of a random key was refused: %s", err.msg);
    }
}

/* Writes `len` bytes to a new temp file with `mode`; path in `path` (caller unlinks). */
static void write_key_file(char path[64], const void *data, size_t len, mode_t mode)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, 64, "%.40s/hubkey_XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    if (len > 0)
        assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

static void test_pseudonym_loads_key_file_with_mode_0600(void **state)
{
    char path[64];
    hub_pseudonym_t *ps = NULL;
    struct hub_error err = {0};
    struct hub_pnr p;
    char hex[HUB_PSEUDONYM_HEX_LEN];

    write_key_file(path, test_key, sizeof test_key, 0600);
    int rc = hub_pseudonym_load_key(path, &ps, &err);
    unlink(path);
    if (rc != 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    parse("0001012384", &p);
    assert_int_equal(hub_pseudonym_of(ps, &p, hex), 0);
    assert_string_equal(hex, pseudonym_200001012384);
    hub_pseudonym_destroy(ps);
}

static void test_pseudonym_refuses_key_file_readable_by_others(void **state)
{
    static const mode_t modes[] = {0644, 0640, 0604, 0620, 0602};
    static const char *const names[] = {"0644", "0640", "0604", "0620", "0602"};

    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        char path[64];
        hub_pseudonym_t *ps = NULL;
        struct hub_error err = {0};

        write_key_file(path, test_key, sizeof test_key, modes[i]);
        int rc = hub_pseudonym_load_key(path, &ps, &err);
        unlink(path);
        assert_int_equal(rc, HUB_ESECURITY);
        assert_int_equal(err.code, HUB_ESECURITY);
        assert_null(ps);
        assert_non_null(strstr(err.msg, "pseudonym key"));
        assert_non_null(strstr(err.msg, path));
        assert_non_null(strstr(err.msg, names[i]));
        assert_non_null(strstr(err.msg, "chmod 600"));
    }
}

static void test_pseudonym_refuses_symlink_to_readable_key_file(void **state)
{
    char path[64], link[80];
    hub_pseudonym_t *ps = NULL;
    struct hub_error err = {0};

    write_key_file(path, test_key, sizeof test_key, 0644);
    snprintf(link, sizeof link, "%s.link", path);
    assert_int_equal(symlink(path, link), 0);
    int rc = hub_pseudonym_load_key(link, &ps, &err);
    assert_int_equal(chmod(path, 0600), 0);
    int rc_after_chmod = hub_pseudonym_load_key(link, &ps, NULL);
    unlink(link);
    unlink(path);
    assert_int_equal(rc, HUB_ESECURITY);
    assert_int_equal(rc_after_chmod, 0);
    hub_pseudonym_destroy(ps);
}

static void test_pseudonym_refuses_empty_and_short_key_files(void **state)
{
    char path[64];
    hub_pseudonym_t *ps = NULL;
    struct hub_error err = {0};

    write_key_file(path, "", 0, 0600);
    int rc = hub_pseudonym_load_key(path, &ps, &err);
    unlink(path);
    assert_int_equal(rc, HUB_ECONFIG_VALUE);
    assert_int_equal(err.code, HUB_ECONFIG_VALUE);
    assert_non_null(strstr(err.msg, path));
    assert_null(ps);

    write_key_file(path, test_key, 31, 0600);
    rc = hub_pseudonym_load_key(path, &ps, &err);
    unlink(path);
    assert_int_equal(rc, HUB_ECONFIG_VALUE);
    assert_non_null(strstr(err.msg, "31 bytes"));
    assert_null(ps);

    /* 32 'a's in a file: refused, the file named */
    write_key_file(path, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 32, 0600);
    rc = hub_pseudonym_load_key(path, &ps, &err);
    unlink(path);
    assert_int_equal(rc, HUB_ECONFIG_VALUE);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "repeats a 1-byte pattern"));
    assert_null(ps);
}

static void test_pseudonym_missing_key_file_is_eio(void **state)
{
    hub_pseudonym_t *ps = NULL;
    struct hub_error err = {0};

    assert_int_equal(hub_pseudonym_load_key("/nonexistent/key", &ps, &err), HUB_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/key"));
    assert_null(ps);
}

static void test_secret_file_read_returns_raw_bytes(void **state)
{
    char path[64];
    uint8_t *buf = NULL;
    size_t len = 0;

    write_key_file(path, "key\n", 4, 0400);
    int rc = hub_secret_file_read(path, &buf, &len, NULL);
    unlink(path);
    assert_int_equal(rc, 0);
    assert_int_equal(len, 4);
    assert_memory_equal(buf, "key\n", 4);
    hub_secret_free(buf, len);
    hub_secret_free(NULL, 0);
}

static void test_secret_file_read_refuses_directory(void **state)
{
    uint8_t *buf = (uint8_t *)&buf;
    size_t len = 1;
    char dir[64];
    const char *tmp = getenv("TMPDIR");

    snprintf(dir, sizeof dir, "%.40s/hubdir_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    int rc = hub_secret_file_read(dir, &buf, &len, NULL);
    rmdir(dir);
    assert_int_equal(rc, HUB_ECONFIG_VALUE);
    assert_null(buf);
    assert_int_equal(len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_rfc4231_case_1),
        cmocka_unit_test(test_hmac_rfc4231_case_2_short_key),
        cmocka_unit_test(test_hmac_rfc4231_case_3),
        cmocka_unit_test(test_hmac_rfc4231_case_4),
        cmocka_unit_test(test_hmac_rfc4231_case_6_key_longer_than_block),
        cmocka_unit_test(test_hmac_rfc4231_case_7_key_and_data_longer_than_block),
        cmocka_unit_test(test_pseudonym_known_answer),
        cmocka_unit_test(test_pseudonym_repeated_calls_reuse_the_key),
        cmocka_unit_test(test_pseudonym_same_person_10_and_12_digit_forms_agree),
        cmocka_unit_test(test_pseudonym_refuses_unparsed_pnr),
        cmocka_unit_test(test_pseudonym_refuses_short_key_bytes),
        cmocka_unit_test(test_pseudonym_refuses_weak_keys),
        cmocka_unit_test(test_pseudonym_accepts_random_keys),
        cmocka_unit_test(test_pseudonym_loads_key_file_with_mode_0600),
        cmocka_unit_test(test_pseudonym_refuses_key_file_readable_by_others),
        cmocka_unit_test(test_pseudonym_refuses_symlink_to_readable_key_file),
        cmocka_unit_test(test_pseudonym_refuses_empty_and_short_key_files),
        cmocka_unit_test(test_pseudonym_missing_key_file_is_eio),
        cmocka_unit_test(test_secret_file_read_returns_raw_bytes),
        cmocka_unit_test(test_secret_file_read_refuses_directory),
    };
    return cmocka_run_group_tests_name("pseudonym", tests, NULL, NULL);
}
