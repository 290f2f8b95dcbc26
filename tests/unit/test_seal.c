/*
 * test_seal.c — sealing for one school (hub/crypto/seal.h): round trips, every way a sealed message
 * can be wrong, keys and key files, and a vector sealed by an independent implementation
 * (tests/integration/seal_interop.py, python3-cryptography).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "hub/crypto/seal.h"

#define HID "00000000-0000-4000-8000-000000000001"
#define PID "00000000-0000-4000-8000-000000000002"
#define UNIT "99018001"
#define AAD HID "|" PID "|" UNIT
#define PLAIN "{\"grade\":\"5\",\"needs\":[\"l\xc3\xa4sning\"]}"

struct keys {
    EVP_PKEY *a, *b; /* two schools */
    uint8_t a_pub[HUB_SEAL_KEY_LEN], b_pub[HUB_SEAL_KEY_LEN];
};

static int setup(void **state)
{
    struct keys *k = calloc(1, sizeof *k);
    struct hub_error err = {0};
    if (!k)
        return -1;
    k->a = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    k->b = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    if (!k->a || !k->b || hub_seal_public_key_of(k->a, k->a_pub, &err) != 0 ||
        hub_seal_public_key_of(k->b, k->b_pub, &err) != 0)
        return -1;
    *state = k;
    return 0;
}

static int teardown(void **state)
{
    struct keys *k = *state;
    EVP_PKEY_free(k->a);
    EVP_PKEY_free(k->b);
    free(k);
    return 0;
}

static void seal_plain(const struct keys *k, uint8_t **out, size_t *len)
{
    struct hub_error err = {0};
    assert_int_equal(hub_seal(k->a_pub, (const uint8_t *)AAD, strlen(AAD), (const uint8_t *)PLAIN,
                              strlen(PLAIN), out, len, &err),
                     0);
}

/* Opens a private copy of exactly n bytes, so that ASan sees any read past the input. */
static int open_copy(EVP_PKEY *key, const char *aad, const uint8_t *sealed, size_t n,
                     struct hub_error *err)
{
    uint8_t *copy = malloc(n ? n : 1), *plain = (uint8_t *)"x";
    size_t plain_len = 7;
    int rc;
    assert_non_null(copy);
    if (n)
        memcpy(copy, sealed, n);
    rc = hub_seal_open(key, (const uint8_t *)aad, strlen(aad), copy, n, &plain, &plain_len, err);
    free(copy);
    if (rc) {
        assert_null(plain);
        assert_int_equal(plain_len, 0);
        assert_int_equal(err->code, rc);
        assert_null(strstr(err->msg, "grade")); /* never the plaintext */
    } else {
        free(plain);
    }
    return rc;
}

static void test_seal_round_trip(void **state)
{
    struct keys *k = *state;
    struct hub_error err = {0};
    uint8_t *sealed = NULL, *plain = NULL;
    size_t n = 0, plain_len = 0;

    seal_plain(k, &sealed, &n);
    assert_int_equal(n, HUB_SEAL_HEADER_LEN + strlen(PLAIN));
    assert_int_equal(sealed[0], 1);
    for (size_t i = 0; i + 5 <= n; i++) /* no plaintext in the sealed bytes */
        assert_memory_not_equal(sealed + i, "grade", 5);
    assert_int_equal(
        hub_seal_open(k->a, (const uint8_t *)AAD, strlen(AAD), sealed, n, &plain, &plain_len, &err),
        0);
    assert_int_equal(plain_len, strlen(PLAIN));
    assert_memory_equal(plain, PLAIN, plain_len);
    assert_int_equal(plain[plain_len], '\0');
    free(plain);
    free(sealed);
}

static void test_seal_empty_plaintext_round_trip(void **state)
{
    struct keys *k = *state;
    struct hub_error err = {0};
    uint8_t *sealed = NULL, *plain = NULL;
    size_t n = 0, plain_len = 9;
    assert_int_equal(hub_seal(k->a_pub, NULL, 0, NULL, 0, &sealed, &n, &err), 0);
    assert_int_equal(n, HUB_SEAL_HEADER_LEN);
    assert_int_equal(hub_seal_open(k->a, NULL, 0, sealed, n, &plain, &plain_len, &err), 0);
    assert_int_equal(plain_len, 0);
    assert_int_equal(plain[0], '\0');
    free(plain);
    free(sealed);
}

static void test_seal_is_fresh_every_time(void **state)
{
    struct keys *k = *state;
    uint8_t *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    seal_plain(k, &x, &nx);
    seal_plain(k, &y, &ny);
    assert_int_equal(nx, ny);
    assert_memory_not_equal(x + 1, y + 1, HUB_SEAL_KEY_LEN);                    /* ephemeral key */
    assert_memory_not_equal(x + 1 + HUB_SEAL_KEY_LEN, y + 1 + HUB_SEAL_KEY_LEN, /* IV */
                            HUB_SEAL_IV_LEN);
    free(x);
    free(y);
}

static void test_seal_open_with_another_schools_key_fails(void **state)
{
    struct keys *k = *state;
    struct hub_error err = {0};
    uint8_t *sealed = NULL;
    size_t n = 0;
    seal_plain(k, &sealed, &n);
    assert_int_equal(open_copy(k->b, AAD, sealed, n, &err), HUB_ESEAL_AUTH);
    assert_non_null(strstr(err.msg, "another key"));
    free(sealed);
}

static void test_seal_every_flipped_byte_fails(void **state)
{
    struct keys *k = *state;
    struct hub_error err = {0};
    uint8_t *sealed = NULL;
    size_t n = 0;
    seal_plain(k, &sealed, &n);
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            sealed[i] ^= (uint8_t)(1u << bit);
            int rc = open_copy(k->a, AAD, sealed, n, &err);
            sealed[i] ^= (uint8_t)(1u << bit);
            if (i == 0)
                assert_int_equal(rc, HUB_ESEAL_VERSION);
            else if (i <= HUB_SEAL_KEY_LEN) /* the ephemeral key: wrong key, or not a key */
                assert_true(rc == HUB_ESEAL_AUTH || rc == HUB_ESEAL_KEY);
            else
                assert_int_equal(rc, HUB_ESEAL_AUTH);
        }
    }
    assert_int_equal(open_copy(k->a, AAD, sealed, n, &err), 0); /* restored */
    free(sealed);
}

static void test_seal_changed_aad_fails(void **state)
{
    struct keys *k = *state;
    struct hub_error err = {0};
    uint8_t *sealed = NULL;
    size_t n = 0;
    static const char *const others[] = {
        "",
        HID "|" PID "|99018002",                              /* another school */
        HID "|00000000-0000-4000-8000-000000000003|" UNIT,    /* another placement */
        "00000000-0000-4000-8000-000000000009|" PID "|" UNIT, /* another handover */
        PID "|" HID "|" UNIT,                                 /* ids swapped */
        AAD " ",                                              /* one byte more */
        HID "|" PID "|9901800",                               /* one byte less */
    };
    seal_plain(k, &sealed, &n);
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        assert_int_equal(open_copy(k->a, others[i], sealed, n, &err), HUB_ESEAL_AUTH);
    free(sealed);
}

static void test_seal_truncated_fails(void **state)
{
    struct keys *k = *state;
    struct hub_error err = {0};
    uint8_t *sealed = NULL;
    size_t n = 0;
    seal_plain(k, &sealed, &n);
    for (size_t len = 0; len < n; len++) {
        int rc = open_copy(k->a, AAD, sealed, len, &err);
        assert_int_equal(rc, len < HUB_SEAL_HEADER_LEN ? HUB_ESEAL_TRUNCATED : HUB_ESEAL_AUTH);
    }
    assert_int_equal(open_copy(k->a, AAD, NULL, 0, &err), HUB_ESEAL_TRUNCATED);
    free(sealed);
}

static void test_seal_extended_fails(void **state)
{
    struct keys *k = *state;
    struct hub_error err = {0};
    uint8_t *sealed = NULL;
    size_t n = 0;
    seal_plain(k, &sealed, &n);
    uint8_t *longer = calloc(1, n + 1);
    assert_non_null(longer);
    memcpy(longer, sealed, n);
    assert_int_equal(open_copy(k->a, AAD, longer, n + 1, &err), HUB_ESEAL_AUTH);
    free(longer);
    free(sealed);
}

static void test_seal_refuses_low_order_keys(void **state)
{
    struct keys *k = *state;
    struct hub_error err = {0};
    uint8_t zero[HUB_SEAL_KEY_LEN] = {0}, one[HUB_SEAL_KEY_LEN] = {1};
    uint8_t *out = (uint8_t *)"x";
    size_t n = 3;
    assert_int_equal(hub_seal(zero, NULL, 0, (const uint8_t *)"x", 1, &out, &n, &err),
                     HUB_ESEAL_KEY);
    assert_null(out);
    assert_int_equal(n, 0);
    assert_int_equal(hub_seal(one, NULL, 0, (const uint8_t *)"x", 1, &out, &n, &err),
                     HUB_ESEAL_KEY);
    /* a header whose ephemeral key is a low-order point */
    uint8_t *sealed = NULL;
    size_t len = 0;
    seal_plain(k, &sealed, &len);
    memset(sealed + 1, 0, HUB_SEAL_KEY_LEN);
    assert_int_equal(open_copy(k->a, AAD, sealed, len, &err), HUB_ESEAL_KEY);
    assert_non_null(strstr(err.msg, "ephemeral"));
    free(sealed);
}

static void test_seal_refuses_oversized_input(void **state)
{
    struct keys *k = *state;
    struct hub_error err = {0};
    uint8_t *out = NULL;
    size_t n = 0;
    uint8_t *big = calloc(1, HUB_SEAL_PLAIN_MAX + 1);
    assert_non_null(big);
    assert_int_equal(hub_seal(k->a_pub, NULL, 0, big, HUB_SEAL_PLAIN_MAX + 1, &out, &n, &err),
                     HUB_ERANGE);
    assert_int_equal(hub_seal(k->a_pub, big, HUB_SEAL_AAD_MAX + 1, big, 1, &out, &n, &err),
                     HUB_ERANGE);
    free(big);
}

/* Sealed by tests/integration/seal_interop.py (python3-cryptography) for the private key
 * 01 02 … 20 (hex), with AAD and PLAIN above. */
static const uint8_t python_vector[] = {
    0x01, 0xac, 0x67, 0x46, 0xbd, 0x03, 0xe9, 0x27, 0xff, 0x49, 0x13, 0xb7, 0x8d, 0x7f, 0xc6, 0xd3,
    0xef, 0xff, 0xd8, 0x4b, 0x3d, 0x7e, 0xed, 0x9d, 0xac, 0x88, 0xdc, 0x14, 0x9a, 0xff, 0x3d, 0x9d,
    0x30, 0x11, 0x01, 0xf6, 0xad, 0x8c, 0x6c, 0x22, 0x6c, 0x63, 0x25, 0x29, 0x55, 0x39, 0xa1, 0xc1,
    0xb5, 0x10, 0x57, 0x15, 0xec, 0x16, 0x8c, 0x45, 0x03, 0x2b, 0x8b, 0xd5, 0xcb, 0xa9, 0x19, 0x65,
    0x86, 0xa6, 0xa3, 0x05, 0x7f, 0xef, 0x1c, 0x91, 0xf4, 0xc5, 0x68, 0x48, 0x68, 0x7a, 0xad, 0xb4,
    0x5c, 0xe1, 0xf6, 0xb7, 0x87, 0x4d, 0xcb, 0x5d, 0xf8, 0x23, 0x20, 0x94, 0x57, 0x06, 0xae,
};

static void test_seal_opens_what_an_independent_implementation_sealed(void **state)
{
    uint8_t priv[HUB_SEAL_KEY_LEN], pub[HUB_SEAL_KEY_LEN];
    static const uint8_t want_pub[HUB_SEAL_KEY_LEN] = {
        0x07, 0xa3, 0x7c, 0xbc, 0x14, 0x20, 0x93, 0xc8, 0xb7, 0x55, 0xdc,
        0x1b, 0x10, 0xe8, 0x6c, 0xb4, 0x26, 0x37, 0x4a, 0xd1, 0x6a, 0xa8,
        0x53, 0xed, 0x0b, 0xdf, 0xc0, 0xb2, 0xb8, 0x6d, 0x1c, 0x7c};
    struct hub_error err = {0};
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    (void)state;
    for (int i = 0; i < HUB_SEAL_KEY_LEN; i++)
        priv[i] = (uint8_t)(i + 1);
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, sizeof priv);
    assert_non_null(k);
    assert_int_equal(hub_seal_public_key_of(k, pub, &err), 0);
    assert_memory_equal(pub, want_pub, sizeof pub);
    EVP_PKEY_free(k);
    assert_int_equal(hub_seal_open_raw(priv, (const uint8_t *)AAD, strlen(AAD), python_vector,
                                       sizeof python_vector, &plain, &plain_len, &err),
                     0);
    assert_int_equal(plain_len, strlen(PLAIN));
    assert_memory_equal(plain, PLAIN, plain_len);
    free(plain);
}

static void test_seal_handover_aad_is_the_ids(void **state)
{
    char aad[HUB_SEAL_HANDOVER_AAD_LEN];
    struct hub_error err = {0};
    (void)state;
    assert_int_equal(hub_seal_handover_aad(HID, PID, UNIT, aad, &err), 0);
    assert_string_equal(aad, AAD);
    assert_int_equal(strlen(aad), HUB_SEAL_HANDOVER_AAD_LEN - 1);
    assert_int_equal(
        hub_seal_handover_aad("0D9F0000-0000-4000-8000-0000000000AB", PID, UNIT, aad, &err), 0);
    assert_string_equal(aad, "0d9f0000-0000-4000-8000-0000000000ab|" PID "|" UNIT);
    assert_int_equal(hub_seal_handover_aad("not-a-uuid", PID, UNIT, aad, &err), HUB_EUUID);
    assert_non_null(strstr(err.msg, "handover_id: "));
    assert_int_equal(hub_seal_handover_aad(HID, PID "x", UNIT, aad, &err), HUB_EUUID);
    assert_non_null(strstr(err.msg, "placement_id: "));
    assert_int_equal(hub_seal_handover_aad(HID, PID, "1234567", aad, &err), HUB_ESCHOOL_UNIT);
    assert_int_equal(hub_seal_handover_aad(HID, PID, NULL, aad, &err), HUB_ESCHOOL_UNIT);
}

static void test_seal_open_handover_binds_the_ids(void **state)
{
    struct keys *k = *state;
    struct hub_error err = {0};
    uint8_t *sealed = NULL;
    size_t n = 0, len = 0;
    char *json = NULL;
    seal_plain(k, &sealed, &n);
    assert_int_equal(hub_seal_open_handover(k->a, HID, PID, UNIT, sealed, n, &json, &len, &err), 0);
    assert_string_equal(json, PLAIN);
    assert_int_equal(len, strlen(PLAIN));
    free(json);
    assert_int_equal(
        hub_seal_open_handover(k->a, HID, PID, "99018002", sealed, n, &json, &len, &err),
        HUB_ESEAL_AUTH);
    assert_null(json);
    free(sealed);
}

/* ---- keys and key files ---- */

struct tmpdir {
    char dir[64];
};

static void make_tmpdir(struct tmpdir *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/test_seal.XXXXXX");
    assert_non_null(mkdtemp(t->dir));
}

static void path_in(const struct tmpdir *t, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", t->dir, name);
}

static void test_seal_keygen_writes_private_key_0600_and_public_base64(void **state)
{
    struct tmpdir t;
    char priv[128], pub[128], b64[HUB_SEAL_PUB_B64_LEN], line[128];
    uint8_t raw[HUB_SEAL_KEY_LEN], of[HUB_SEAL_KEY_LEN];
    struct hub_error err = {0};
    struct stat st;
    EVP_PKEY *k = NULL;
    (void)state;
    make_tmpdir(&t);
    path_in(&t, "school.pem", priv, sizeof priv);
    path_in(&t, "school.pub", pub, sizeof pub);
    mode_t old = umask(0); /* the private key is 0600 whatever the umask */
    int rc = hub_seal_keygen_files(priv, pub, b64, &err);
    umask(old);
    assert_int_equal(rc, 0);
    assert_int_equal(stat(priv, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(stat(pub, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(strlen(b64), 44);
    FILE *f = fopen(pub, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_int_equal(strlen(line), 45);
    assert_memory_equal(line, b64, 44);
    assert_int_equal(line[44], '\n');
    f = fopen(priv, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_string_equal(line, "-----BEGIN PRIVATE KEY-----\n"); /* PKCS#8 */
    /* the files belong together */
    assert_int_equal(hub_seal_private_key_load(priv, &k, &err), 0);
    assert_int_equal(hub_seal_public_key_parse(b64, raw, &err), 0);
    assert_int_equal(hub_seal_public_key_of(k, of, &err), 0);
    assert_memory_equal(raw, of, sizeof raw);
    EVP_PKEY_free(k);

    /* never overwrites a private key, and leaves no public file behind */
    char pub2[128];
    path_in(&t, "other.pub", pub2, sizeof pub2);
    assert_int_equal(hub_seal_keygen_files(priv, pub2, b64, &err), HUB_EIO);
    assert_non_null(strstr(err.msg, "never overwritten"));
    assert_string_equal(b64, "");
    assert_int_equal(access(pub2, F_OK), -1);
    assert_int_equal(hub_seal_private_key_load(priv, &k, &err), 0); /* still the same key */
    assert_int_equal(hub_seal_public_key_of(k, of, &err), 0);
    assert_memory_equal(raw, of, sizeof raw);
    EVP_PKEY_free(k);
    unlink(priv);
    unlink(pub);
    rmdir(t.dir);
}

static void test_seal_private_key_load_refuses_readable_and_wrong_keys(void **state)
{
    struct tmpdir t;
    char priv[128], pub[128], ed[128], junk[128], b64[HUB_SEAL_PUB_B64_LEN];
    struct hub_error err = {0};
    EVP_PKEY *k = NULL;
    (void)state;
    make_tmpdir(&t);
    path_in(&t, "school.pem", priv, sizeof priv);
    path_in(&t, "school.pub", pub, sizeof pub);
    assert_int_equal(hub_seal_keygen_files(priv, pub, b64, &err), 0);
    assert_int_equal(chmod(priv, 0640), 0);
    assert_int_equal(hub_seal_private_key_load(priv, &k, &err), HUB_ESECURITY);
    assert_null(k);
    assert_int_equal(chmod(priv, 0600), 0);

    /* an Ed25519 key is not a sealing key */
    path_in(&t, "ed25519.pem", ed, sizeof ed);
    EVP_PKEY *e = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(e);
    FILE *f = fopen(ed, "w");
    assert_non_null(f);
    assert_int_equal(chmod(ed, 0600), 0);
    assert_int_equal(PEM_write_PrivateKey(f, e, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
    EVP_PKEY_free(e);
    assert_int_equal(hub_seal_private_key_load(ed, &k, &err), HUB_ESEAL_KEY);
    assert_non_null(strstr(err.msg, "not X25519"));

    path_in(&t, "junk.pem", junk, sizeof junk);
    f = fopen(junk, "w");
    assert_non_null(f);
    assert_int_equal(chmod(junk, 0600), 0);
    fputs("not a key\n", f);
    fclose(f);
    assert_int_equal(hub_seal_private_key_load(junk, &k, &err), HUB_ESEAL_KEY);
    assert_int_equal(hub_seal_private_key_load("/nonexistent/key.pem", &k, &err), HUB_EIO);
    unlink(priv);
    unlink(pub);
    unlink(ed);
    unlink(junk);
    rmdir(t.dir);
}

static void test_seal_public_key_parse_is_strict(void **state)
{
    struct keys *k = *state;
    struct hub_error err = {0};
    char b64[HUB_SEAL_PUB_B64_LEN], bad[64];
    uint8_t raw[HUB_SEAL_KEY_LEN];
    hub_seal_public_key_format(k->a_pub, b64);
    assert_int_equal(strlen(b64), 44);
    assert_int_equal(hub_seal_public_key_parse(b64, raw, &err), 0);
    assert_memory_equal(raw, k->a_pub, sizeof raw);

    assert_int_equal(hub_seal_public_key_parse("", raw, &err), HUB_ESEAL_KEY);
    snprintf(bad, sizeof bad, "%.43s", b64); /* 43 characters */
    assert_int_equal(hub_seal_public_key_parse(bad, raw, &err), HUB_ESEAL_KEY);
    assert_non_null(strstr(err.msg, "43 characters"));
    snprintf(bad, sizeof bad, "%s=", b64); /* 45 */
    assert_int_equal(hub_seal_public_key_parse(bad, raw, &err), HUB_ESEAL_KEY);
    snprintf(bad, sizeof bad, " %.43s", b64); /* whitespace */
    assert_int_equal(hub_seal_public_key_parse(bad, raw, &err), HUB_ESEAL_KEY);
    snprintf(bad, sizeof bad, "%s", b64);
    bad[5] = '-'; /* base64url is not the alphabet */
    assert_int_equal(hub_seal_public_key_parse(bad, raw, &err), HUB_ESEAL_KEY);
    assert_non_null(strstr(err.msg, "character 6"));
    snprintf(bad, sizeof bad, "%.43sA", b64); /* no padding */
    assert_int_equal(hub_seal_public_key_parse(bad, raw, &err), HUB_ESEAL_KEY);
    /* 'B' in the last position sets a bit beyond the 32 bytes: not canonical */
    assert_int_equal(
        hub_seal_public_key_parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", raw, &err),
        HUB_ESEAL_KEY);
    assert_non_null(strstr(err.msg, "canonical"));
    /* the same point spelt with the top bit set, and a u-coordinate above 2^255 - 19 */
    uint8_t alt[HUB_SEAL_KEY_LEN];
    memcpy(alt, k->a_pub, sizeof alt);
    alt[31] |= 0x80;
    hub_seal_public_key_format(alt, bad);
    assert_int_equal(hub_seal_public_key_parse(bad, raw, &err), HUB_ESEAL_KEY);
    assert_non_null(strstr(err.msg, "not reduced"));
    memset(alt, 0xff, sizeof alt);
    alt[0] = 0xee;
    alt[31] = 0x7f;
    hub_seal_public_key_format(alt, bad);
    assert_int_equal(hub_seal_public_key_parse(bad, raw, &err), HUB_ESEAL_KEY);
    assert_non_null(strstr(err.msg, "not reduced"));
    /* all-zero: a low-order point */
    assert_int_equal(
        hub_seal_public_key_parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", raw, &err),
        HUB_ESEAL_KEY);
    assert_non_null(strstr(err.msg, "low-order"));
}

static void test_seal_base64_decode_takes_line_breaks(void **state)
{
    struct keys *k = *state;
    struct hub_error err = {0};
    uint8_t *sealed = NULL, *back = NULL;
    size_t n = 0, back_len = 0;
    seal_plain(k, &sealed, &n);
    /* base64 with a line break every 64 characters, as `base64` writes it */
    size_t cap = n * 2 + 16, pos = 0;
    char *text = malloc(cap);
    unsigned char *tmp = malloc(cap);
    assert_non_null(text);
    assert_non_null(tmp);
    int len = EVP_EncodeBlock(tmp, sealed, (int)n);
    for (int i = 0; i < len; i++) {
        text[pos++] = (char)tmp[i];
        if (i % 64 == 63)
            text[pos++] = '\n';
    }
    text[pos++] = '\n';
    assert_int_equal(hub_seal_base64_decode(text, pos, &back, &back_len, &err), 0);
    assert_int_equal(back_len, n);
    assert_memory_equal(back, sealed, n);
    free(back);
    assert_int_equal(hub_seal_base64_decode("!!!!", 4, &back, &back_len, &err), HUB_EINVAL);
    assert_null(back);
    free(text);
    free(tmp);
    free(sealed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seal_round_trip),
        cmocka_unit_test(test_seal_empty_plaintext_round_trip),
        cmocka_unit_test(test_seal_is_fresh_every_time),
        cmocka_unit_test(test_seal_open_with_another_schools_key_fails),
        cmocka_unit_test(test_seal_every_flipped_byte_fails),
        cmocka_unit_test(test_seal_changed_aad_fails),
        cmocka_unit_test(test_seal_truncated_fails),
        cmocka_unit_test(test_seal_extended_fails),
        cmocka_unit_test(test_seal_refuses_low_order_keys),
        cmocka_unit_test(test_seal_refuses_oversized_input),
        cmocka_unit_test(test_seal_opens_what_an_independent_implementation_sealed),
        cmocka_unit_test(test_seal_handover_aad_is_the_ids),
        cmocka_unit_test(test_seal_open_handover_binds_the_ids),
        cmocka_unit_test(test_seal_keygen_writes_private_key_0600_and_public_base64),
        cmocka_unit_test(test_seal_private_key_load_refuses_readable_and_wrong_keys),
        cmocka_unit_test(test_seal_public_key_parse_is_strict),
        cmocka_unit_test(test_seal_base64_decode_takes_line_breaks),
    };
    return cmocka_run_group_tests_name("seal", tests, setup, teardown);
}
