/*
 * test_sign.c — event signatures: the canonical byte string, Ed25519 against RFC 8032 and a
 * vector made with python3-cryptography, the key table (parsing, errors, validity windows,
 * rotation), message checks, the parallel checker, and the publisher's signer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "hub/core/config.h"
#include "hub/core/date.h"
#include "hub/domain/district.h"
#include "hub/crypto/sign.h"

#define HEADER "key_id,district,public_key,valid_from,valid_to\n"

/* RFC 8032 §7.1 TEST 1 and TEST 2. */
static const char *const SEED1 = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char *const PUB1 = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char *const SIG1 = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555f"
                                "b8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
static const char *const SEED2 = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
static const char *const SIG2 = "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da08"
                                "5ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";
/* python3-cryptography: seed 1 signing canonical("placement-events", "k", "v"). */
static const char *const SIG_CANON = "6549b347155639177522ad440b3331acf43a737acaae45ebcacfc1189e79"
                                     "adbaa4bec3c2925808c251c4fdddbdc7c27fd2008d77956d70e405decdf8"
                                     "719ed008";

static char tmpdir[64];

static void unhex(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(hex), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static int32_t day(const char *iso)
{
    struct hub_date d;
    assert_int_equal(hub_date_parse_iso(iso, &d, NULL), 0);
    return hub_date_to_days(&d);
}

/* Milliseconds of an RFC 3339 instant. */
static int64_t at(const char *ts)
{
    int64_t ms = 0;
    assert_int_equal(hub_timestamp_parse_rfc3339(ts, &ms, NULL), 0);
    return ms;
}

static void path_in_tmp(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const char *content, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    size_t len = strlen(content);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static hub_sign_priv_t *seed_key(const char *hex)
{
    uint8_t seed[32];
    hub_sign_priv_t *k = NULL;
    unhex(hex, seed, 32);
    assert_int_equal(hub_sign_priv_from_seed(seed, &k, NULL), 0);
    return k;
}

/* "ID,DISTRICT,<base64 of k's public key>,FROM,TO\n" appended to buf. */
static void add_row(char *buf, size_t n, const char *id, const char *district,
                    const hub_sign_priv_t *k, const char *from, const char *to)
{
    uint8_t pub[32];
    char b64[45];
    hub_sign_priv_public(k, pub);
    hub_sign_public_base64(pub, b64);
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, "%s,%s,%s,%s,%s\n", id, district, b64, from, to);
}

static hub_districts_t *districts(void)
{
    const char *src = getenv("HUB_SOURCE_DIR");
    char path[4096];
    hub_districts_t *t = NULL;
    snprintf(path, sizeof path, "%s/schemas/reference/districts.csv",
             src && *src ? src : HUB_SOURCE_DIR);
    assert_int_equal(hub_districts_load(path, &t, NULL), 0);
    return t;
}

static hub_sign_keys_t *load_table(const char *content)
{
    char path[128];
    hub_sign_keys_t *t = NULL;
    struct hub_error err = {0};
    path_in_tmp(path, sizeof path, "keys.csv");
    write_file(path, content, 0644);
    if (hub_sign_keys_load(path, NULL, &t, &err) != 0)
        fail_msg("%s", err.msg);
    return t;
}

/* Loading `content` fails with `code` and a message containing `want`. */
static void expect_table_error(const char *content, int code, const char *want)
{
    char path[128];
    hub_sign_keys_t *t = NULL;
    struct hub_error err = {0};
    hub_districts_t *d = districts();
    path_in_tmp(path, sizeof path, "bad.csv");
    write_file(path, content, 0644);
    assert_int_equal(hub_sign_keys_load(path, d, &t, &err), code);
    assert_null(t);
    if (!strstr(err.msg, want))
        fail_msg("error '%s' does not contain '%s'", err.msg, want);
    hub_districts_destroy(d);
}

/* A signed message input: sig over canonical(topic, key, value) with k. */
struct msg {
    uint8_t sig[HUB_SIG_LEN];
    struct hub_sig_input in;
};

static void make_msg(struct msg *m, const hub_sign_priv_t *k, const char *key_id, const char *topic,
                     const char *key, const char *value, int64_t ts)
{
    uint8_t *c = NULL;
    size_t len = 0;
    assert_int_equal(
        hub_sign_canonical(topic, strlen(topic), key, strlen(key), value, strlen(value), &c, &len),
        0);
    assert_int_equal(hub_sign_priv_sign(k, c, len, m->sig, NULL), 0);
    free(c);
    m->in = (struct hub_sig_input){.topic = topic,
                                   .key = key,
                                   .key_len = strlen(key),
                                   .value = value,
                                   .value_len = strlen(value),
                                   .sig = m->sig,
                                   .sig_len = HUB_SIG_LEN,
                                   .key_id = key_id,
                                   .key_id_len = strlen(key_id),
                                   .seen_ms = ts};
}

static enum hub_sig_status check(const hub_sign_keys_t *t, const struct msg *m)
{
    struct hub_sig_result r;
    hub_sign_check(t, &m->in, &r);
    return r.status;
}

/* ---- canonical byte string and Ed25519 ---- */

static void test_canonical_is_three_length_prefixed_parts(void **state)
{
    (void)state;
    uint8_t *c = NULL;
    size_t len = 0;
    static const uint8_t want[] = {0, 0, 0, 1, 't', 0, 0, 0, 1, 'k', 0, 0, 0, 2, 'v', 'v'};
    assert_int_equal(hub_sign_canonical("t", 1, "k", 1, "vv", 2, &c, &len), 0);
    assert_int_equal(len, sizeof want);
    assert_memory_equal(c, want, sizeof want);
    free(c);
}

static void test_canonical_null_key_and_value_are_empty(void **state)
{
    (void)state;
    uint8_t *c = NULL;
    size_t len = 0;
    static const uint8_t want[] = {0, 0, 0, 2, 'a', 'b', 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(hub_sign_canonical("ab", 2, NULL, 0, NULL, 0, &c, &len), 0);
    assert_int_equal(len, sizeof want);
    assert_memory_equal(c, want, sizeof want);
    free(c);
}

static void test_canonical_moving_bytes_between_parts_changes_it(void **state)
{
    (void)state;
    uint8_t *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    /* "ab"+"c" and "a"+"bc" concatenate alike; the length prefixes keep them apart */
    assert_int_equal(hub_sign_canonical("t", 1, "ab", 2, "c", 1, &a, &la), 0);
    assert_int_equal(hub_sign_canonical("t", 1, "a", 1, "bc", 2, &b, &lb), 0);
    assert_int_equal(la, lb);
    assert_memory_not_equal(a, b, la);
    free(a);
    free(b);
}

static void test_ed25519_matches_rfc8032_vectors(void **state)
{
    (void)state;
    uint8_t pub[32], want_pub[32], sig[64], want[64];
    hub_sign_priv_t *k = seed_key(SEED1);
    hub_sign_priv_public(k, pub);
    unhex(PUB1, want_pub, 32);
    assert_memory_equal(pub, want_pub, 32);
    assert_int_equal(hub_sign_priv_sign(k, (const uint8_t *)"", 0, sig, NULL), 0);
    unhex(SIG1, want, 64);
    assert_memory_equal(sig, want, 64);
    assert_int_equal(hub_sign_verify_raw(pub, (const uint8_t *)"", 0, sig), 0);
    hub_sign_priv_destroy(k);

    k = seed_key(SEED2);
    const uint8_t msg = 0x72;
    assert_int_equal(hub_sign_priv_sign(k, &msg, 1, sig, NULL), 0);
    unhex(SIG2, want, 64);
    assert_memory_equal(sig, want, 64);
    hub_sign_priv_destroy(k);
}

static void test_signature_of_canonical_matches_python_cryptography(void **state)
{
    (void)state;
    uint8_t *c = NULL, sig[64], want[64];
    size_t len = 0;
    hub_sign_priv_t *k = seed_key(SEED1);
    assert_int_equal(hub_sign_canonical("placement-events", 16, "k", 1, "v", 1, &c, &len), 0);
    assert_int_equal(hub_sign_priv_sign(k, c, len, sig, NULL), 0);
    unhex(SIG_CANON, want, 64);
    assert_memory_equal(sig, want, 64);
    free(c);
    hub_sign_priv_destroy(k);
}

static void test_verify_rejects_altered_message_signature_and_key(void **state)
{
    (void)state;
    uint8_t pub[32], other_pub[32], sig[64];
    uint8_t msg[] = "a placement event";
    hub_sign_priv_t *k = seed_key(SEED1), *other = seed_key(SEED2);
    hub_sign_priv_public(k, pub);
    hub_sign_priv_public(other, other_pub);
    assert_int_equal(hub_sign_priv_sign(k, msg, sizeof msg, sig, NULL), 0);
    assert_int_equal(hub_sign_verify_raw(pub, msg, sizeof msg, sig), 0);
    msg[0] ^= 1;
    assert_int_equal(hub_sign_verify_raw(pub, msg, sizeof msg, sig), HUB_ESIGNATURE);
    msg[0] ^= 1;
    sig[10] ^= 0x40;
    assert_int_equal(hub_sign_verify_raw(pub, msg, sizeof msg, sig), HUB_ESIGNATURE);
    sig[10] ^= 0x40;
    assert_int_equal(hub_sign_verify_raw(other_pub, msg, sizeof msg, sig), HUB_ESIGNATURE);
    hub_sign_priv_destroy(k);
    hub_sign_priv_destroy(other);
}

static void test_public_key_base64_is_standard(void **state)
{
    (void)state;
    uint8_t pub[32];
    char b64[45];
    unhex(PUB1, pub, 32);
    hub_sign_public_base64(pub, b64);
    assert_string_equal(b64, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
}

static void test_key_id_charset(void **state)
{
    (void)state;
    assert_true(hub_sign_key_id_ok("farsta-2026a"));
    assert_true(hub_sign_key_id_ok("K.1_x"));
    assert_false(hub_sign_key_id_ok(""));
    assert_false(hub_sign_key_id_ok("-x"));
    assert_false(hub_sign_key_id_ok("a b"));
    assert_false(hub_sign_key_id_ok("a/b"));
    char longid[80];
    memset(longid, 'a', 65);
    longid[65] = '\0';
    assert_false(hub_sign_key_id_ok(longid));
    longid[64] = '\0';
    assert_true(hub_sign_key_id_ok(longid));
}

/* ---- private key files ---- */

static void test_pem_round_trip_mode_0600_and_never_overwritten(void **state)
{
    (void)state;
    char path[128];
    struct stat st;
    struct hub_error err = {0};
    hub_sign_priv_t *k = NULL, *back = NULL;
    uint8_t a[32], b[32];
    path_in_tmp(path, sizeof path, "k.pem");
    unlink(path);
    assert_int_equal(hub_sign_priv_generate(&k, NULL), 0);
    mode_t old = umask(0);
    assert_int_equal(hub_sign_priv_write_pem(k, path, &err), 0);
    umask(old);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(hub_sign_priv_write_pem(k, path, &err), HUB_EIO);
    assert_non_null(strstr(err.msg, "never overwritten"));
    assert_int_equal(hub_sign_priv_load(path, &back, &err), 0);
    hub_sign_priv_public(k, a);
    hub_sign_priv_public(back, b);
    assert_memory_equal(a, b, 32);
    chmod(path, 0640);
    hub_sign_priv_destroy(back);
    back = NULL;
    assert_int_equal(hub_sign_priv_load(path, &back, &err), HUB_ESECURITY);
    assert_null(back);
    unlink(path);
    hub_sign_priv_destroy(k);
}

static void test_pem_that_is_not_ed25519_is_refused(void **state)
{
    (void)state;
    char path[128];
    struct hub_error err = {0};
    hub_sign_priv_t *k = NULL;
    path_in_tmp(path, sizeof path, "ec.pem");
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(ec);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_PrivateKey(f, ec, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
    chmod(path, 0600);
    EVP_PKEY_free(ec);
    assert_int_equal(hub_sign_priv_load(path, &k, &err), HUB_ECRYPTO);
    assert_non_null(strstr(err.msg, "not an Ed25519 key"));
    write_file(path, "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n", 0600);
    assert_int_equal(hub_sign_priv_load(path, &k, &err), HUB_ECRYPTO);
    assert_non_null(strstr(err.msg, path));
    unlink(path);
}

/* ---- the key table ---- */

static void test_table_loads_with_comments_bom_crlf_and_open_end(void **state)
{
    (void)state;
    char buf[2048] = "\xef\xbb\xbf# the keys\r\n" HEADER "\r\n# rotation below\n";
    hub_sign_priv_t *k1 = seed_key(SEED1), *k2 = seed_key(SEED2);
    add_row(buf, sizeof buf, "farsta-2020", "farsta", k1, "2020-01-01", "2025-12-31");
    add_row(buf, sizeof buf, "farsta-2026", "farsta", k2, "2026-01-01", "");
    hub_sign_keys_t *t = load_table(buf);
    assert_int_equal(hub_sign_keys_count(t), 2);
    const struct hub_sign_key *a = hub_sign_keys_find(t, "farsta-2020", 11);
    const struct hub_sign_key *b = hub_sign_keys_find(t, "farsta-2026xyz", 11);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(b->key_id, "farsta-2026");
    assert_string_equal(a->district, "farsta");
    assert_int_equal(a->valid_from, day("2020-01-01"));
    assert_int_equal(a->valid_to, day("2025-12-31"));
    assert_int_equal(b->valid_to, INT32_MAX);
    assert_null(hub_sign_keys_find(t, "farsta", 6));
    assert_ptr_equal(hub_sign_keys_at(t, 1), b);
    assert_null(hub_sign_keys_at(t, 2));
    uint8_t pub[32];
    unhex(PUB1, pub, 32);
    assert_memory_equal(a->public_key, pub, 32);
    hub_sign_keys_destroy(t);
    hub_sign_priv_destroy(k1);
    hub_sign_priv_destroy(k2);
}

static void test_table_buffer_reads_len_bytes_and_names_the_text(void **state)
{
    (void)state;
    char buf[2048] = HEADER;
    hub_sign_priv_t *k1 = seed_key(SEED1);
    add_row(buf, sizeof buf, "farsta-2026", "farsta", k1, "2026-01-01", "");
    size_t one_row = strlen(buf);
    add_row(buf, sizeof buf, "farsta-2027", "farsta", k1, "2027-01-01", "");
    hub_sign_keys_t *t = NULL;
    struct hub_error err = {0};
    /* not NUL-terminated at `len`: the second row is not read */
    assert_int_equal(hub_sign_keys_load_buffer(buf, one_row, "mem.csv", NULL, &t, &err), 0);
    assert_int_equal(hub_sign_keys_count(t), 1);
    hub_sign_keys_destroy(t);
    assert_int_equal(hub_sign_keys_load_buffer(buf, one_row - 2, "mem.csv", NULL, &t, &err),
                     HUB_ECONFIG_SYNTAX);
    assert_null(t);
    assert_non_null(strstr(err.msg, "mem.csv:2: expected 5 fields"));
    hub_sign_priv_destroy(k1);
}

static void test_table_header_only_is_empty_and_the_repository_table_loads(void **state)
{
    (void)state;
    hub_sign_keys_t *t = load_table(HEADER "# nothing yet\n");
    assert_int_equal(hub_sign_keys_count(t), 0);
    hub_sign_keys_destroy(t);
    hub_config_t *cfg = NULL;
    char path[4096];
    assert_int_equal(hub_config_load(NULL, &cfg, NULL), 0);
    assert_int_equal(hub_sign_keys_path(cfg, path, sizeof path), 0);
    hub_districts_t *d = districts();
    t = NULL;
    if (!getenv("HUB_REFERENCE_DIR")) {
        assert_non_null(strstr(path, "schemas/reference/district-keys.csv"));
        assert_int_equal(hub_sign_keys_load(path, d, &t, NULL), 0);
        assert_int_equal(hub_sign_keys_count(t), 0);
    }
    assert_int_equal(hub_config_set(cfg, "hub.signing.keys_file", "/x/k.csv", "test", NULL), 0);
    assert_int_equal(hub_sign_keys_path(cfg, path, sizeof path), 0);
    assert_string_equal(path, "/x/k.csv");
    assert_int_equal(hub_config_set(cfg, "hub.signing.keys_file", "", "test", NULL), 0);
    assert_int_equal(hub_config_set(cfg, "hub.reference_dir", "/ref", "test", NULL), 0);
    assert_int_equal(hub_sign_keys_path(cfg, path, sizeof path), 0);
    assert_string_equal(path, "/ref/district-keys.csv");
    hub_sign_keys_destroy(t);
    hub_districts_destroy(d);
    hub_config_destroy(cfg);
}

static void test_table_errors_name_file_line_and_column(void **state)
{
    (void)state;
    char good[512] = HEADER, buf[1024];
    hub_sign_priv_t *k = seed_key(SEED1);
    add_row(good, sizeof good, "farsta-1", "farsta", k, "2026-01-01", "");
    const char *b64 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    expect_table_error("key,district\n", HUB_ECONFIG_SYNTAX, "bad.csv:1: expected the header");
    expect_table_error("", HUB_ECONFIG_SYNTAX, "no header");
    snprintf(buf, sizeof buf, HEADER "a,farsta,%s,2026-01-01\n", b64);
    expect_table_error(buf, HUB_ECONFIG_SYNTAX, "bad.csv:2: expected 5 fields");
    snprintf(buf, sizeof buf, HEADER "a b,farsta,%s,2026-01-01,\n", b64);
    expect_table_error(buf, HUB_ECONFIG_VALUE, "bad.csv:2: column 1 (key_id)");
    snprintf(buf, sizeof buf, "%sfarsta-1,bromma,%s,2026-01-01,\n", good, b64);
    expect_table_error(buf, HUB_ECONFIG_VALUE,
                       "bad.csv:3: column 1 (key_id): farsta-1 is already defined on line 2");
    snprintf(buf, sizeof buf, HEADER "a,Farsta,%s,2026-01-01,\n", b64);
    expect_table_error(buf, HUB_ECONFIG_VALUE, "bad.csv:2: column 2 (district)");
    snprintf(buf, sizeof buf, HEADER "a,atlantis,%s,2026-01-01,\n", b64);
    expect_table_error(buf, HUB_ECONFIG_VALUE,
                       "bad.csv:2: column 2 (district): unknown district atlantis");
    expect_table_error(HEADER "a,farsta,AAAA,2026-01-01,\n", HUB_ECONFIG_VALUE,
                       "bad.csv:2: column 3 (public_key)");
    /* 44 characters, but the last data character has bits the 32 bytes do not use */
    expect_table_error(HEADER "a,farsta,11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURp=,2026-01-01,\n",
                       HUB_ECONFIG_VALUE, "column 3 (public_key)");
    expect_table_error(HEADER "a,farsta,11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUR==,2026-01-01,\n",
                       HUB_ECONFIG_VALUE, "column 3 (public_key)");
    snprintf(buf, sizeof buf, HEADER "a,farsta,%s,2026-02-30,\n", b64);
    expect_table_error(buf, HUB_ECONFIG_VALUE, "bad.csv:2: column 4 (valid_from)");
    snprintf(buf, sizeof buf, HEADER "a,farsta,%s,2026-02-01,2026-01-31\n", b64);
    expect_table_error(buf, HUB_ECONFIG_VALUE,
                       "bad.csv:2: column 5 (valid_to): is before valid_from");
    hub_sign_priv_destroy(k);
}

static void test_validity_window_is_inclusive(void **state)
{
    (void)state;
    struct hub_sign_key k = {.valid_from = day("2026-01-01"), .valid_to = day("2026-12-31")};
    assert_false(hub_sign_key_valid_on(&k, day("2025-12-31")));
    assert_true(hub_sign_key_valid_on(&k, day("2026-01-01")));
    assert_true(hub_sign_key_valid_on(&k, day("2026-12-31")));
    assert_false(hub_sign_key_valid_on(&k, day("2027-01-01")));
    k.valid_to = INT32_MAX;
    assert_true(hub_sign_key_valid_on(&k, day("9999-12-31")));
    assert_false(hub_sign_key_valid_on(NULL, 0));
}

/* ---- checking messages ---- */

struct fixture {
    hub_sign_priv_t *old_key, *new_key, *bromma;
    hub_sign_keys_t *t;
};

/* farsta-old 2020-01-01..2025-12-31, farsta-new from 2026-01-01 (rotation), bromma-1 open. */
static struct fixture rotation(void)
{
    struct fixture f;
    char buf[1024] = HEADER;
    f.old_key = seed_key(SEED1);
    f.new_key = seed_key(SEED2);
    assert_int_equal(hub_sign_priv_generate(&f.bromma, NULL), 0);
    add_row(buf, sizeof buf, "farsta-old", "farsta", f.old_key, "2020-01-01", "2025-12-31");
    add_row(buf, sizeof buf, "farsta-new", "farsta", f.new_key, "2026-01-01", "");
    add_row(buf, sizeof buf, "bromma-1", "bromma", f.bromma, "2007-01-01", "");
    f.t = load_table(buf);
    return f;
}

static void fixture_free(struct fixture *f)
{
    hub_sign_keys_destroy(f->t);
    hub_sign_priv_destroy(f->old_key);
    hub_sign_priv_destroy(f->new_key);
    hub_sign_priv_destroy(f->bromma);
}

static void test_check_accepts_a_good_signature_and_names_the_signer(void **state)
{
    (void)state;
    struct fixture f = rotation();
    struct msg m;
    struct hub_sig_result r;
    make_msg(&m, f.new_key, "farsta-new", "placement-events", "child", "value",
             at("2026-03-01T10:00:00Z"));
    hub_sign_check(f.t, &m.in, &r);
    assert_int_equal(r.status, HUB_SIG_OK);
    assert_string_equal(r.key->district, "farsta");
    assert_string_equal(r.key->key_id, "farsta-new");
    fixture_free(&f);
}

static void test_check_missing_bad_unknown(void **state)
{
    (void)state;
    struct fixture f = rotation();
    struct msg m;
    struct hub_sig_result r;
    char detail[512];
    int64_t ts = at("2026-03-01T10:00:00Z");

    make_msg(&m, f.new_key, "farsta-new", "placement-events", "child", "value", ts);
    m.in.sig = NULL;
    hub_sign_check(f.t, &m.in, &r);
    assert_int_equal(r.status, HUB_SIG_MISSING);
    hub_sig_describe(&m.in, &r, detail, sizeof detail);
    assert_string_equal(detail, "missing signature: no hub.sig header");
    m.in.key_id = NULL;
    hub_sig_describe(&m.in, &r, detail, sizeof detail);
    assert_string_equal(detail, "missing signature: no hub.sig or hub.sig.key header");

    make_msg(&m, f.new_key, "farsta-new", "placement-events", "child", "value", ts);
    m.in.value = "valuf"; /* altered after signing */
    assert_int_equal(check(f.t, &m), HUB_SIG_BAD);
    make_msg(&m, f.new_key, "farsta-new", "placement-events", "child", "value", ts);
    m.in.topic = "school-start-events"; /* moved to another topic */
    assert_int_equal(check(f.t, &m), HUB_SIG_BAD);
    make_msg(&m, f.new_key, "farsta-new", "placement-events", "child", "value", ts);
    m.in.key = "other-child";
    m.in.key_len = 11;
    assert_int_equal(check(f.t, &m), HUB_SIG_BAD);
    make_msg(&m, f.bromma, "farsta-new", "placement-events", "child", "value", ts);
    hub_sign_check(f.t, &m.in, &r); /* bromma's key claiming to be farsta's */
    assert_int_equal(r.status, HUB_SIG_BAD);
    hub_sig_describe(&m.in, &r, detail, sizeof detail);
    assert_non_null(strstr(detail, "bad signature: does not verify with key farsta-new of farsta"));
    make_msg(&m, f.new_key, "farsta-new", "placement-events", "child", "value", ts);
    m.in.sig_len = 63;
    hub_sign_check(f.t, &m.in, &r);
    assert_int_equal(r.status, HUB_SIG_BAD);
    hub_sig_describe(&m.in, &r, detail, sizeof detail);
    assert_non_null(strstr(detail, "hub.sig is 63 bytes, not 64"));

    make_msg(&m, f.new_key, "farsta-x", "placement-events", "child", "value", ts);
    hub_sign_check(f.t, &m.in, &r);
    assert_int_equal(r.status, HUB_SIG_UNKNOWN_KEY);
    hub_sig_describe(&m.in, &r, detail, sizeof detail);
    assert_string_equal(detail, "unknown key: farsta-x is not in the key table");
    m.in.key_id = "19810101-1234\n";
    m.in.key_id_len = 14;
    hub_sign_check(f.t, &m.in, &r);
    hub_sig_describe(&m.in, &r, detail, sizeof detail);
    assert_string_equal(detail, "unknown key: hub.sig.key is not a well-formed key id");
    fixture_free(&f);
}

static void test_rotation_old_key_valid_until_its_last_stockholm_day(void **state)
{
    (void)state;
    struct fixture f = rotation();
    struct msg m;
    struct hub_sig_result r;
    char detail[512];
    /* the old key, while valid */
    make_msg(&m, f.old_key, "farsta-old", "t", "k", "v", at("2025-06-01T10:00:00Z"));
    assert_int_equal(check(f.t, &m), HUB_SIG_OK);
    /* 22:59 UTC on 31 December is 23:59 in Stockholm: still the old key's last day */
    make_msg(&m, f.old_key, "farsta-old", "t", "k", "v", at("2025-12-31T22:59:00Z"));
    assert_int_equal(check(f.t, &m), HUB_SIG_OK);
    /* 23:30 UTC is already 1 January in Stockholm */
    make_msg(&m, f.old_key, "farsta-old", "t", "k", "v", at("2025-12-31T23:30:00Z"));
    hub_sign_check(f.t, &m.in, &r);
    assert_int_equal(r.status, HUB_SIG_EXPIRED_KEY);
    hub_sig_describe(&m.in, &r, detail, sizeof detail);
    assert_string_equal(detail, "expired key: farsta-old of farsta is valid 2020-01-01 to "
                                "2025-12-31, the hub first saw the message on 2026-01-01");
    /* the new key from its first day, not before */
    make_msg(&m, f.new_key, "farsta-new", "t", "k", "v", at("2025-12-31T23:30:00Z"));
    assert_int_equal(check(f.t, &m), HUB_SIG_OK);
    make_msg(&m, f.new_key, "farsta-new", "t", "k", "v", at("2025-06-01T10:00:00Z"));
    hub_sign_check(f.t, &m.in, &r);
    assert_int_equal(r.status, HUB_SIG_NOT_YET_VALID);
    hub_sig_describe(&m.in, &r, detail, sizeof detail);
    assert_string_equal(detail, "key not yet valid: farsta-new of farsta is valid from "
                                "2026-01-01, the hub first saw the message on 2025-06-01");
    /* an expired key's signature is not even looked at: expired wins over bad */
    make_msg(&m, f.new_key, "farsta-old", "t", "k", "v", at("2026-06-01T10:00:00Z"));
    assert_int_equal(check(f.t, &m), HUB_SIG_EXPIRED_KEY);
    fixture_free(&f);
}

/* A version 2 message: signed at `signed_at` (its decimal in `time_buf`), first seen at `seen`. */
/* Verifying ahead on background threads gives every message the verdict hub_sign_check() would
 * reach alone: altered bytes, a wrong-length signature, an unknown key, a key id naming another
 * district's key, an expired or revoked key all keep their status, whatever the thread count. */
static void test_verified_ahead_gives_the_same_verdicts(void **state)
{
    (void)state;
    struct fixture f = rotation();
    enum { N = 200 };
    struct msg *m = calloc(N, sizeof *m);
    struct hub_sig_result *alone = calloc(N, sizeof *alone), *ahead = calloc(N, sizeof *ahead);
    struct hub_sig_input *in = calloc(N, sizeof *in);
    assert_non_null(m);
    assert_non_null(alone);
    assert_non_null(ahead);
    assert_non_null(in);
    int64_t ts = at("2026-03-01T10:00:00Z");
    for (size_t i = 0; i < N; i++) {
        switch (i % 8) {
        case 0:
            make_msg(&m[i], f.new_key, "farsta-new", "placement-events", "k", "value", ts);
            break;
        case 1: /* altered after signing */
            make_msg(&m[i], f.new_key, "farsta-new", "placement-events", "k", "value", ts);
            m[i].in.value = "valuf";
            break;
        case 2: /* one signature bit flipped */
            make_msg(&m[i], f.bromma, "bromma-1", "placement-events", "k", "value", ts);
            m[i].sig[HUB_SIG_LEN - 1] ^= 0x80;
            break;
        case 3: /* signed by bromma, claiming farsta's key */
            make_msg(&m[i], f.bromma, "farsta-new", "placement-events", "k", "value", ts);
            break;
        case 4: /* one byte short */
            make_msg(&m[i], f.new_key, "farsta-new", "placement-events", "k", "value", ts);
            m[i].in.sig_len = HUB_SIG_LEN - 1;
            break;
        case 5:
            make_msg(&m[i], f.new_key, "nobody-1", "placement-events", "k", "value", ts);
            break;
        case 6: /* a good signature by a key expired on the day it was first seen */
            make_msg(&m[i], f.old_key, "farsta-old", "placement-events", "k", "value", ts);
            break;
        default:
            make_msg(&m[i], f.bromma, "bromma-1", "school-start-events", "k", "value", ts);
            m[i].in.sig = NULL;
            break;
        }
        hub_sign_check(f.t, &m[i].in, &alone[i]);
    }
    for (int threads = 1; threads <= 4; threads++) {
        for (size_t i = 0; i < N; i++)
            in[i] = m[i].in;
        hub_sign_ahead_join(hub_sign_ahead_start(f.t, in, N, threads));
        for (size_t i = 0; i < N; i++) {
            assert_int_not_equal(in[i].crypto, HUB_SIG_CRYPTO_UNCHECKED);
            assert_int_equal(in[i].crypto,
                             i % 8 == 0 || i % 8 == 6 ? HUB_SIG_CRYPTO_OK : HUB_SIG_CRYPTO_BAD);
            hub_sign_check(f.t, &in[i], &ahead[i]);
            assert_int_equal(ahead[i].status, alone[i].status);
            assert_ptr_equal(ahead[i].key, alone[i].key);
        }
    }
    assert_int_equal(alone[0].status, HUB_SIG_OK);
    assert_int_equal(alone[1].status, HUB_SIG_BAD);
    assert_int_equal(alone[6].status, HUB_SIG_EXPIRED_KEY);
    assert_null(hub_sign_ahead_start(f.t, in, 0, 2)); /* nothing to do */
    hub_sign_ahead_join(NULL);
    free(m);
    free(alone);
    free(ahead);
    free(in);
    fixture_free(&f);
}

static void make_msg_v2(struct msg *m, char time_buf[24], const hub_sign_priv_t *k,
                        const char *key_id, const char *topic, int64_t signed_at, int64_t seen)
{
    uint8_t *c = NULL;
    size_t len = 0;
    assert_int_equal(
        hub_sign_canonical_v2(signed_at, topic, strlen(topic), "k", 1, "v", 1, &c, &len), 0);
    assert_int_equal(hub_sign_priv_sign(k, c, len, m->sig, NULL), 0);
    free(c);
    snprintf(time_buf, 24, "%lld", (long long)signed_at);
    m->in = (struct hub_sig_input){.topic = topic,
                                   .key = "k",
                                   .key_len = 1,
                                   .value = "v",
                                   .value_len = 1,
                                   .sig = m->sig,
                                   .sig_len = HUB_SIG_LEN,
                                   .key_id = key_id,
                                   .key_id_len = strlen(key_id),
                                   .seen_ms = seen,
                                   .version = "2",
                                   .version_len = 1,
                                   .signed_at = time_buf,
                                   .signed_at_len = strlen(time_buf)};
}

static void test_canonical_v2_is_tag_time_then_v1(void **state)
{
    (void)state;
    uint8_t *c = NULL;
    size_t len = 0;
    static const uint8_t want[] = {'S', 'A', 'M', 'S', '-', 'H', 'U', 'B', '-', 'S', 'I', 'G', '-',
                                   '2', 0,   0,   0,   0,   0,   0,   1,   2,   0,   0,   0,   1,
                                   't', 0,   0,   0,   1,   'k', 0,   0,   0,   2,   'v', 'v'};
    assert_int_equal(hub_sign_canonical_v2(258, "t", 1, "k", 1, "vv", 2, &c, &len), 0);
    assert_int_equal(len, sizeof want);
    assert_memory_equal(c, want, sizeof want);
    free(c);
    assert_int_equal(hub_sign_canonical_v2(-1, "t", 1, "k", 1, "vv", 2, &c, &len), HUB_EINVAL);
    assert_null(c);
}

/* Issue 14: a key retired on 2026-01-31 signs a new event and dates it 320 days back. The Kafka
 * timestamp is not looked at any more; a version 2 signing time that far before the hub first
 * saw the message is refused, and version 1 is judged on the day the hub first saw it. */
static void test_retired_key_backdating_new_events_is_refused(void **state)
{
    (void)state;
    hub_sign_priv_t *k = seed_key(SEED1);
    char buf[1024] = HEADER, tb[24], detail[512];
    add_row(buf, sizeof buf, "farsta-2025", "farsta", k, "2025-01-01", "2026-01-31");
    hub_sign_keys_t *t = load_table(buf);
    struct msg m;
    struct hub_sig_result r;
    int64_t seen = at("2026-12-06T10:00:00Z"), back = seen - INT64_C(320) * 86400000;

    make_msg_v2(&m, tb, k, "farsta-2025", "placement-events", back, seen);
    hub_sign_check(t, &m.in, &r);
    assert_int_equal(r.status, HUB_SIG_TIME);
    hub_sig_describe(&m.in, &r, detail, sizeof detail);
    assert_non_null(strstr(detail, "signing time out of range: signed with farsta-2025 of farsta "
                                   "at 2026-01-20T10:00:00.000Z, the hub first saw the message at "
                                   "2026-12-06T10:00:00.000Z"));
    /* signed today with the retired key: expired */
    make_msg_v2(&m, tb, k, "farsta-2025", "placement-events", seen, seen);
    assert_int_equal(check(t, &m), HUB_SIG_EXPIRED_KEY);
    /* version 1, whatever its Kafka timestamp: judged on the day the hub first saw it */
    make_msg(&m, k, "farsta-2025", "placement-events", "k", "v", seen);
    hub_sign_check(t, &m.in, &r);
    assert_int_equal(r.status, HUB_SIG_EXPIRED_KEY);
    hub_sig_describe(&m.in, &r, detail, sizeof detail);
    assert_string_equal(detail, "expired key: farsta-2025 of farsta is valid 2025-01-01 to "
                                "2026-01-31, the hub first saw the message on 2026-12-06");
    /* the same v2 message, seen by the hub when it was signed (history, on a rebuild): fine */
    make_msg_v2(&m, tb, k, "farsta-2025", "placement-events", back, back + 60000);
    assert_int_equal(check(t, &m), HUB_SIG_OK);
    hub_sign_keys_destroy(t);
    hub_sign_priv_destroy(k);
}

static void test_v2_time_window_and_tampered_time(void **state)
{
    (void)state;
    struct fixture f = rotation();
    struct msg m;
    char tb[24];
    int64_t seen = at("2026-03-01T10:00:00Z");
    hub_sign_keys_set_window(f.t, 300000, 86400000);
    /* a consumer that was stopped for 23 hours still accepts what was signed then */
    make_msg_v2(&m, tb, f.new_key, "farsta-new", "t", seen - 23 * 3600000, seen);
    assert_int_equal(check(f.t, &m), HUB_SIG_OK);
    make_msg_v2(&m, tb, f.new_key, "farsta-new", "t", seen - 25 * 3600000, seen);
    assert_int_equal(check(f.t, &m), HUB_SIG_TIME);
    /* a signer's clock a little ahead is allowed, far ahead is not */
    make_msg_v2(&m, tb, f.new_key, "farsta-new", "t", seen + 299000, seen);
    assert_int_equal(check(f.t, &m), HUB_SIG_OK);
    make_msg_v2(&m, tb, f.new_key, "farsta-new", "t", seen + 301000, seen);
    assert_int_equal(check(f.t, &m), HUB_SIG_TIME);
    /* the time is signed: changing hub.sig.time breaks the signature */
    make_msg_v2(&m, tb, f.new_key, "farsta-new", "t", seen - 1000, seen);
    snprintf(tb, 24, "%lld", (long long)(seen - 2000));
    m.in.signed_at_len = strlen(tb);
    assert_int_equal(check(f.t, &m), HUB_SIG_BAD);
    /* a v2 signature presented as v1 (header dropped) does not verify either */
    make_msg_v2(&m, tb, f.new_key, "farsta-new", "t", seen, seen);
    m.in.version = NULL;
    m.in.version_len = 0;
    assert_int_equal(check(f.t, &m), HUB_SIG_BAD);
    /* unknown versions and malformed times */
    make_msg_v2(&m, tb, f.new_key, "farsta-new", "t", seen, seen);
    m.in.version = "3";
    assert_int_equal(check(f.t, &m), HUB_SIG_FORMAT);
    make_msg_v2(&m, tb, f.new_key, "farsta-new", "t", seen, seen);
    m.in.signed_at = NULL;
    assert_int_equal(check(f.t, &m), HUB_SIG_FORMAT);
    make_msg_v2(&m, tb, f.new_key, "farsta-new", "t", seen, seen);
    m.in.signed_at = "-1";
    m.in.signed_at_len = 2;
    assert_int_equal(check(f.t, &m), HUB_SIG_FORMAT);
    make_msg_v2(&m, tb, f.new_key, "farsta-new", "t", seen, seen);
    m.in.signed_at = "1234567890123456";
    m.in.signed_at_len = 16;
    assert_int_equal(check(f.t, &m), HUB_SIG_FORMAT);
    fixture_free(&f);
}

/* Revocation refuses what the hub first sees from the revocation on, whatever the signing time
 * says, and keeps history the hub saw before (a rebuild looks the first sighting up). */
static void test_revoked_key_refuses_new_sightings_keeps_history(void **state)
{
    (void)state;
    hub_sign_priv_t *k = seed_key(SEED1);
    char buf[1024], b64[45], tb[24], detail[512];
    uint8_t pub[32];
    hub_sign_priv_public(k, pub);
    hub_sign_public_base64(pub, b64);
    snprintf(buf, sizeof buf,
             "key_id,district,public_key,valid_from,valid_to,revoked_at\n"
             "farsta-leaked,farsta,%s,2026-01-01,,2026-06-01T12:00:00Z\n"
             "farsta-day,farsta,%s,2026-01-01,,2026-07-01\n",
             b64, b64);
    hub_sign_keys_t *t = load_table(buf);
    assert_int_equal(hub_sign_keys_find(t, "farsta-leaked", 13)->revoked_at,
                     at("2026-06-01T12:00:00Z"));
    /* a date: from 00:00 in Stockholm (22:00 UTC the day before, in summer) */
    assert_int_equal(hub_sign_keys_find(t, "farsta-day", 10)->revoked_at,
                     at("2026-06-30T22:00:00Z"));
    struct msg m;
    struct hub_sig_result r;
    int64_t before = at("2026-06-01T11:59:59Z"), after = at("2026-06-01T12:00:00Z");
    make_msg_v2(&m, tb, k, "farsta-leaked", "t", before - 1000, before);
    assert_int_equal(check(t, &m), HUB_SIG_OK);
    /* the thief signs "before the revocation"; the hub sees it after */
    make_msg_v2(&m, tb, k, "farsta-leaked", "t", before - 1000, after);
    hub_sign_check(t, &m.in, &r);
    assert_int_equal(r.status, HUB_SIG_REVOKED_KEY);
    hub_sig_describe(&m.in, &r, detail, sizeof detail);
    assert_string_equal(detail, "revoked key: farsta-leaked of farsta is revoked from "
                                "2026-06-01T12:00:00.000Z, the hub first saw the message at "
                                "2026-06-01T12:00:00.000Z");
    make_msg(&m, k, "farsta-leaked", "t", "k", "v", after);
    assert_int_equal(check(t, &m), HUB_SIG_REVOKED_KEY);
    make_msg(&m, k, "farsta-leaked", "t", "k", "v", before);
    assert_int_equal(check(t, &m), HUB_SIG_OK);
    make_msg(&m, k, "farsta-day", "t", "k", "v", at("2026-06-30T21:59:59Z"));
    assert_int_equal(check(t, &m), HUB_SIG_OK);
    make_msg(&m, k, "farsta-day", "t", "k", "v", at("2026-06-30T22:00:00Z"));
    assert_int_equal(check(t, &m), HUB_SIG_REVOKED_KEY);
    hub_sign_keys_destroy(t);

    snprintf(buf, sizeof buf,
             "key_id,district,public_key,valid_from,valid_to,revoked_at\n"
             "a,farsta,%s,2026-01-01,,yesterday\n",
             b64);
    expect_table_error(buf, HUB_ECONFIG_VALUE,
                       "bad.csv:2: column 6 (revoked_at): must be empty, a date YYYY-MM-DD or an "
                       "RFC 3339 instant");
    snprintf(buf, sizeof buf,
             "key_id,district,public_key,valid_from,valid_to,revoked_at\n"
             "a,farsta,%s,2026-01-01,\n",
             b64);
    expect_table_error(buf, HUB_ECONFIG_SYNTAX, "bad.csv:2: expected 6 fields");
    hub_sign_priv_destroy(k);
}

static void test_check_many_in_threads_equals_one_by_one(void **state)
{
    (void)state;
    struct fixture f = rotation();
    enum { N = 300 };
    struct msg *m = calloc(N, sizeof *m);
    struct hub_sig_input *in = calloc(N, sizeof *in);
    struct hub_sig_result *one = calloc(N, sizeof *one), *many = calloc(N, sizeof *many);
    assert_non_null(m);
    assert_non_null(in);
    assert_non_null(one);
    assert_non_null(many);
    int64_t ts = at("2026-03-01T10:00:00Z");
    for (size_t i = 0; i < N; i++) {
        make_msg(&m[i], i % 2 ? f.new_key : f.bromma, i % 2 ? "farsta-new" : "bromma-1",
                 "placement-events", "k", "value", ts);
        if (i % 7 == 0)
            m[i].sig[0] ^= 1;
        if (i % 11 == 0)
            m[i].in.sig = NULL;
        in[i] = m[i].in;
        hub_sign_check(f.t, &in[i], &one[i]);
    }
    /* threads take the messages a few at a time: counts around that chunk and the
     * one-thread-per-16 limit, every message checked once and in its own place */
    static const size_t counts[] = {1, 7, 8, 9, 31, 33, 47, 300};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        for (int threads = 1; threads <= 5; threads += 2) {
            memset(many, 0xff, N * sizeof *many);
            hub_sign_check_many(f.t, in, many, counts[c], threads);
            for (size_t i = 0; i < counts[c]; i++) {
                assert_int_equal(many[i].status, one[i].status);
                assert_ptr_equal(many[i].key, one[i].key);
            }
            for (size_t i = counts[c]; i < N; i++) /* nothing written past the end */
                assert_int_equal(many[i].status, (enum hub_sig_status) - 1);
        }
    }
    size_t ok = 0;
    for (size_t i = 0; i < N; i++)
        ok += one[i].status == HUB_SIG_OK;
    assert_true(ok > N / 2 && ok < N);
    free(m);
    free(in);
    free(one);
    free(many);
    fixture_free(&f);
}

static void test_signer_covers_own_district_and_merged_ones(void **state)
{
    (void)state;
    hub_districts_t *d = districts();
    assert_true(hub_sign_signer_covers(d, "farsta", "farsta"));
    assert_false(hub_sign_signer_covers(d, "bromma", "farsta"));
    assert_true(hub_sign_signer_covers(d, "jarva", "rinkeby-kista"));
    assert_true(hub_sign_signer_covers(d, "hagersten-alvsjo", "alvsjo"));
    assert_false(hub_sign_signer_covers(d, "rinkeby-kista", "jarva"));
    assert_false(hub_sign_signer_covers(d, "jarva", "norrmalm"));
    assert_false(hub_sign_signer_covers(d, NULL, "farsta"));
    hub_districts_destroy(d);
}

/* ---- the publisher's signer ---- */

static hub_config_t *signing_config(const char *const *kv)
{
    hub_config_t *cfg = NULL;
    assert_int_equal(hub_config_load(NULL, &cfg, NULL), 0);
    for (size_t i = 0; kv[i]; i += 2)
        assert_int_equal(hub_config_set(cfg, kv[i], kv[i + 1], "test", NULL), 0);
    return cfg;
}

/* Signs (t, k, v) for `district` and checks the headers with `table`. */
static void sign_and_check(const hub_signer_t *s, const char *district, const hub_sign_keys_t *t,
                           const char *want_key)
{
    rd_kafka_headers_t *h = rd_kafka_headers_new(2);
    struct hub_error err = {0};
    if (hub_signer_sign(s, district, "placement-events", "k", 1, "v", 1, h, &err) != 0)
        fail_msg("%s", err.msg);
    struct hub_sig_input in = {
        .topic = "placement-events", .key = "k", .key_len = 1, .value = "v", .value_len = 1};
    assert_int_equal(rd_kafka_header_get_last(h, HUB_SIG_HEADER, &in.sig, &in.sig_len), 0);
    assert_int_equal(rd_kafka_header_get_last(h, HUB_SIG_KEY_HEADER, &in.key_id, &in.key_id_len),
                     0);
    /* the publisher signs version 2, with its signing time */
    assert_int_equal(
        rd_kafka_header_get_last(h, HUB_SIG_VERSION_HEADER, &in.version, &in.version_len), 0);
    assert_int_equal(
        rd_kafka_header_get_last(h, HUB_SIG_TIME_HEADER, &in.signed_at, &in.signed_at_len), 0);
    assert_int_equal(in.sig_len, 64);
    assert_memory_equal(in.version, "2", 1);
    in.seen_ms = (int64_t)time(NULL) * 1000;
    struct hub_sig_result r;
    hub_sign_check(t, &in, &r);
    assert_int_equal(r.status, HUB_SIG_OK);
    assert_string_equal(r.key->key_id, want_key);
    rd_kafka_headers_destroy(h);
}

static void test_signer_refuses_to_start_without_a_key_unless_not_required(void **state)
{
    (void)state;
    struct hub_error err = {0};
    hub_signer_t *s = NULL;
    static const char *const none[] = {NULL};
    hub_config_t *cfg = signing_config(none);
    assert_int_equal(hub_signer_new(cfg, NULL, &s, &err), HUB_ECONFIG_MISSING);
    assert_non_null(strstr(err.msg, "hub.signing.key_file: not set"));
    assert_int_equal(hub_config_set(cfg, "hub.signing.required", "false", "test", NULL), 0);
    assert_int_equal(hub_signer_new(cfg, NULL, &s, &err), 0);
    assert_null(s);
    hub_config_destroy(cfg);

    static const char *const no_id[] = {"hub.signing.key_file", "/nonexistent.pem", NULL};
    cfg = signing_config(no_id);
    assert_int_equal(hub_signer_new(cfg, NULL, &s, &err), HUB_ECONFIG_MISSING);
    assert_non_null(strstr(err.msg, "hub.signing.key_id"));
    hub_config_destroy(cfg);

    static const char *const both[] = {"hub.signing.key_file", "/a.pem", "hub.signing.key_dir",
                                       "/d", NULL};
    cfg = signing_config(both);
    assert_int_equal(hub_signer_new(cfg, NULL, &s, &err), HUB_ECONFIG_VALUE);
    hub_config_destroy(cfg);
}

static void test_signer_single_key_signs_for_its_district_only(void **state)
{
    (void)state;
    struct fixture f = rotation();
    hub_districts_t *d = districts();
    char table[128], pem[128];
    struct hub_error err = {0};
    hub_signer_t *s = NULL;
    char buf[1024] = HEADER;
    add_row(buf, sizeof buf, "farsta-new", "farsta", f.new_key, "2026-01-01", "");
    add_row(buf, sizeof buf, "farsta-old", "farsta", f.old_key, "2020-01-01", "2025-12-31");
    path_in_tmp(table, sizeof table, "single.csv");
    write_file(table, buf, 0644);
    path_in_tmp(pem, sizeof pem, "farsta-new.pem");
    unlink(pem);
    assert_int_equal(hub_sign_priv_write_pem(f.new_key, pem, NULL), 0);
    const char *kv[] = {"hub.signing.key_file",
                        pem,
                        "hub.signing.key_id",
                        "farsta-new",
                        "hub.signing.keys_file",
                        table,
                        NULL};
    hub_config_t *cfg = signing_config(kv);
    if (hub_signer_new(cfg, d, &s, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(hub_signer_count(s), 1);
    assert_int_equal(hub_signer_check_district(s, "farsta", &err), 0);
    assert_int_equal(hub_signer_check_district(s, "bromma", &err), HUB_ESIGNATURE);
    assert_non_null(strstr(err.msg, "farsta-new (hub.signing.key_file) is farsta's and cannot sign "
                                    "bromma's events"));
    rd_kafka_headers_t *h = rd_kafka_headers_new(2);
    assert_int_equal(hub_signer_sign(s, "bromma", "t", "k", 1, "v", 1, h, &err), HUB_ESIGNATURE);
    rd_kafka_headers_destroy(h);
    sign_and_check(s, "farsta", f.t, "farsta-new");
    hub_signer_destroy(s);
    s = NULL;

    /* the file is not the named key's: refused */
    assert_int_equal(hub_config_set(cfg, "hub.signing.key_id", "farsta-old", "test", NULL), 0);
    assert_int_equal(hub_signer_new(cfg, d, &s, &err), HUB_ECONFIG_VALUE);
    assert_non_null(strstr(err.msg, "is not the private key of farsta-old"));
    hub_config_destroy(cfg);
    unlink(pem);
    unlink(table);
    hub_districts_destroy(d);
    fixture_free(&f);
}

static void test_signer_key_dir_picks_each_districts_key_or_its_successors(void **state)
{
    (void)state;
    hub_districts_t *d = districts();
    char dir[128], table[128], pem[256];
    struct hub_error err = {0};
    hub_signer_t *s = NULL;
    hub_sign_priv_t *farsta = NULL, *jarva = NULL, *stale = NULL;
    char buf[1024] = HEADER;
    assert_int_equal(hub_sign_priv_generate(&farsta, NULL), 0);
    assert_int_equal(hub_sign_priv_generate(&jarva, NULL), 0);
    assert_int_equal(hub_sign_priv_generate(&stale, NULL), 0);
    add_row(buf, sizeof buf, "farsta-a", "farsta", stale, "2007-01-01", "2020-12-31");
    add_row(buf, sizeof buf, "farsta-b", "farsta", farsta, "2021-01-01", "");
    add_row(buf, sizeof buf, "jarva-a", "jarva", jarva, "2023-07-01", "");
    path_in_tmp(table, sizeof table, "dir.csv");
    write_file(table, buf, 0644);
    path_in_tmp(dir, sizeof dir, "keys");
    mkdir(dir, 0700);
    const char *ids[] = {"farsta-a", "farsta-b", "jarva-a"};
    hub_sign_priv_t *keys[] = {stale, farsta, jarva};
    for (int i = 0; i < 3; i++) {
        snprintf(pem, sizeof pem, "%s/%s.pem", dir, ids[i]);
        unlink(pem);
        assert_int_equal(hub_sign_priv_write_pem(keys[i], pem, NULL), 0);
    }
    hub_sign_keys_t *t = NULL;
    assert_int_equal(hub_sign_keys_load(table, d, &t, NULL), 0);
    const char *kv[] = {"hub.signing.key_dir", dir, "hub.signing.keys_file", table, NULL};
    hub_config_t *cfg = signing_config(kv);
    if (hub_signer_new(cfg, d, &s, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(hub_signer_count(s), 3);
    sign_and_check(s, "farsta", t, "farsta-b");       /* the one valid today */
    sign_and_check(s, "jarva", t, "jarva-a");         /* its own */
    sign_and_check(s, "rinkeby-kista", t, "jarva-a"); /* merged into jarva */
    assert_true(hub_sign_signer_covers(d, "jarva", "rinkeby-kista"));
    assert_int_equal(hub_signer_check_district(s, "bromma", &err), HUB_ESIGNATURE);
    assert_non_null(strstr(err.msg, "no key valid today for bromma"));
    hub_signer_destroy(s);

    /* a key file that is not its row's key is refused */
    snprintf(pem, sizeof pem, "%s/jarva-a.pem", dir);
    unlink(pem);
    assert_int_equal(hub_sign_priv_write_pem(farsta, pem, NULL), 0);
    s = NULL;
    assert_int_equal(hub_signer_new(cfg, d, &s, &err), HUB_ECONFIG_VALUE);
    assert_non_null(strstr(err.msg, "is not the private key of jarva-a"));
    for (int i = 0; i < 3; i++) {
        snprintf(pem, sizeof pem, "%s/%s.pem", dir, ids[i]);
        unlink(pem);
    }
    /* no key at all in the directory */
    assert_int_equal(hub_signer_new(cfg, d, &s, &err), HUB_ECONFIG_VALUE);
    assert_non_null(strstr(err.msg, "holds no <key_id>.pem"));
    rmdir(dir);
    unlink(table);
    hub_config_destroy(cfg);
    hub_sign_keys_destroy(t);
    hub_sign_priv_destroy(farsta);
    hub_sign_priv_destroy(jarva);
    hub_sign_priv_destroy(stale);
    hub_districts_destroy(d);
}

static int setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%.40s/test_sign_XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    path_in_tmp(path, sizeof path, "keys.csv");
    unlink(path);
    path_in_tmp(path, sizeof path, "bad.csv");
    unlink(path);
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_is_three_length_prefixed_parts),
        cmocka_unit_test(test_canonical_null_key_and_value_are_empty),
        cmocka_unit_test(test_canonical_moving_bytes_between_parts_changes_it),
        cmocka_unit_test(test_ed25519_matches_rfc8032_vectors),
        cmocka_unit_test(test_signature_of_canonical_matches_python_cryptography),
        cmocka_unit_test(test_verify_rejects_altered_message_signature_and_key),
        cmocka_unit_test(test_public_key_base64_is_standard),
        cmocka_unit_test(test_key_id_charset),
        cmocka_unit_test(test_pem_round_trip_mode_0600_and_never_overwritten),
        cmocka_unit_test(test_pem_that_is_not_ed25519_is_refused),
        cmocka_unit_test(test_table_loads_with_comments_bom_crlf_and_open_end),
        cmocka_unit_test(test_table_buffer_reads_len_bytes_and_names_the_text),
        cmocka_unit_test(test_table_header_only_is_empty_and_the_repository_table_loads),
        cmocka_unit_test(test_table_errors_name_file_line_and_column),
        cmocka_unit_test(test_validity_window_is_inclusive),
        cmocka_unit_test(test_check_accepts_a_good_signature_and_names_the_signer),
        cmocka_unit_test(test_check_missing_bad_unknown),
        cmocka_unit_test(test_rotation_old_key_valid_until_its_last_stockholm_day),
        cmocka_unit_test(test_check_many_in_threads_equals_one_by_one),
        cmocka_unit_test(test_verified_ahead_gives_the_same_verdicts),
        cmocka_unit_test(test_canonical_v2_is_tag_time_then_v1),
        cmocka_unit_test(test_retired_key_backdating_new_events_is_refused),
        cmocka_unit_test(test_v2_time_window_and_tampered_time),
        cmocka_unit_test(test_revoked_key_refuses_new_sightings_keeps_history),
        cmocka_unit_test(test_signer_covers_own_district_and_merged_ones),
        cmocka_unit_test(test_signer_refuses_to_start_without_a_key_unless_not_required),
        cmocka_unit_test(test_signer_single_key_signs_for_its_district_only),
        cmocka_unit_test(test_signer_key_dir_picks_each_districts_key_or_its_successors),
    };
    return cmocka_run_group_tests_name("sign", tests, setup, teardown);
}
