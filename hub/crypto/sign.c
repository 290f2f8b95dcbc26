/*
 * sign.c — Ed25519 signatures over (topic, key, value), the district key table, and the
 * publisher's signer.
 *
 * Verification is the costliest step per consumed event (~100 µs on one core against a few µs
 * for everything else), so each table row keeps its parsed EVP_PKEY and hub_sign_check_many()
 * spreads a batch over threads. Everything read-only after loading is shared between them.
 */
#include "hub/crypto/sign.h"
#include "hub/core/csv.h"
#include "hub/core/paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "hub/core/date.h"
#include "hub/core/log.h"
#include "hub/crypto/secret.h"

#define NFIELDS 6 /* with revoked_at; tables written before issue 14 have the first five */
#define NFIELDS_V1 5
#define SIGNED_AT_DIGITS_MAX 15
#define MAX_LINE 4096
#define MAX_FILE (16 * 1024 * 1024) /* largest key table read */
#define PUBLIC_B64_LEN 44           /* base64 of 32 bytes: 43 characters and one '=' */
#define MIN_PER_THREAD 16           /* fewer messages than this per thread are not worth a thread */
#define PEM_MAX_BYTES (16384)       /* an Ed25519 PKCS#8 PEM is ~120 bytes */

enum { F_KEY_ID, F_DISTRICT, F_PUBLIC_KEY, F_VALID_FROM, F_VALID_TO, F_REVOKED_AT };

static const char *const field_names[NFIELDS] = {"key_id",     "district", "public_key",
                                                 "valid_from", "valid_to", "revoked_at"};

/* ---- canonical byte string ---- */

static uint8_t *put_part(uint8_t *p, const void *data, size_t len)
{
    p[0] = (uint8_t)(len >> 24);
    p[1] = (uint8_t)(len >> 16);
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    if (len)
        memcpy(p + 4, data, len);
    return p + 4 + len;
}

int hub_sign_canonical(const char *topic, size_t topic_len, const void *key, size_t key_len,
                       const void *value, size_t value_len, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (topic_len > UINT32_MAX || key_len > UINT32_MAX || value_len > UINT32_MAX)
        return HUB_ERANGE;
    if ((topic_len && !topic) || (key_len && !key) || (value_len && !value))
        return HUB_EINVAL;
    /* Each part is at most 2^32 - 1, so the sum cannot wrap a 64-bit size_t. */
    size_t total = 12 + topic_len + key_len + value_len;
    if (total < topic_len || total < value_len)
        return HUB_ERANGE;
    uint8_t *buf = malloc(total);
    if (!buf)
        return HUB_ENOMEM;
    uint8_t *p = put_part(buf, topic, topic_len);
    p = put_part(p, key, key_len);
    (void)put_part(p, value, value_len);
    *out = buf;
    *len = total;
    return 0;
}

int hub_sign_canonical_v2(int64_t signed_at_ms, const char *topic, size_t topic_len,
                          const void *key, size_t key_len, const void *value, size_t value_len,
                          uint8_t **out, size_t *len)
{
    uint8_t *v1 = NULL, *buf;
    size_t v1_len = 0, head = HUB_SIG_V2_TAG_LEN + 8;
    *out = NULL;
    *len = 0;
    if (signed_at_ms < 0)
        return HUB_EINVAL;
    int rc = hub_sign_canonical(topic, topic_len, key, key_len, value, value_len, &v1, &v1_len);
    if (rc)
        return rc;
    buf = malloc(head + v1_len);
    if (!buf) {
        free(v1);
        return HUB_ENOMEM;
    }
    memcpy(buf, HUB_SIG_V2_TAG, HUB_SIG_V2_TAG_LEN);
    for (int i = 0; i < 8; i++)
        buf[HUB_SIG_V2_TAG_LEN + i] = (uint8_t)((uint64_t)signed_at_ms >> (56 - 8 * i));
    memcpy(buf + head, v1, v1_len);
    free(v1);
    *out = buf;
    *len = head + v1_len;
    return 0;
}

/* ---- base64 of a public key ---- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void hub_sign_public_base64(const uint8_t pub[HUB_SIGN_PUBLIC_LEN], char out[45])
{
    size_t o = 0;
    for (size_t i = 0; i < HUB_SIGN_PUBLIC_LEN; i += 3) {
        uint32_t v = (uint32_t)pub[i] << 16;
        size_t have = HUB_SIGN_PUBLIC_LEN - i;
        if (have > 1)
            v |= (uint32_t)pub[i + 1] << 8;
        if (have > 2)
            v |= pub[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = have > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = have > 2 ? b64_alphabet[v & 63] : '=';
    }
    out[o] = '\0';
}

static int b64_value(char c)
{
    const char *p = c ? strchr(b64_alphabet, c) : NULL;
    return p ? (int)(p - b64_alphabet) : -1;
}

/* Strict: exactly 44 characters, one '=' at the end, unused bits zero (one spelling per key). */
static bool public_from_base64(const char *s, uint8_t pub[HUB_SIGN_PUBLIC_LEN])
{
    if (strlen(s) != PUBLIC_B64_LEN || s[43] != '=')
        return false;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < 43; i++) {
        int v = b64_value(s[i]);
        if (v < 0)
            return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o < HUB_SIGN_PUBLIC_LEN)
                pub[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return o == HUB_SIGN_PUBLIC_LEN && acc == 0;
}

/* ---- private keys ---- */

struct hub_sign_priv {
    EVP_PKEY *pkey;
    uint8_t pub[HUB_SIGN_PUBLIC_LEN];
};

static int priv_wrap(EVP_PKEY *pkey, hub_sign_priv_t **out, struct hub_error *err)
{
    size_t plen = HUB_SIGN_PUBLIC_LEN;
    hub_sign_priv_t *k = calloc(1, sizeof *k);
    if (!k) {
        EVP_PKEY_free(pkey);
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    k->pkey = pkey;
    if (EVP_PKEY_get_raw_public_key(pkey, k->pub, &plen) != 1 || plen != HUB_SIGN_PUBLIC_LEN) {
        hub_sign_priv_destroy(k);
        return hub_error_set(err, HUB_ECRYPTO, "Ed25519: cannot read the public key");
    }
    *out = k;
    return 0;
}

int hub_sign_priv_generate(hub_sign_priv_t **out, struct hub_error *err)
{
    *out = NULL;
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!pkey)
        return hub_error_set(err, HUB_ECRYPTO, "Ed25519: key generation failed");
    return priv_wrap(pkey, out, err);
}

int hub_sign_priv_from_seed(const uint8_t seed[32], hub_sign_priv_t **out, struct hub_error *err)
{
    *out = NULL;
    EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, seed, 32);
    if (!pkey)
        return hub_error_set(err, HUB_ECRYPTO, "Ed25519: not a private key");
    return priv_wrap(pkey, out, err);
}

/* An encrypted PEM must fail, never prompt on the terminal. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

int hub_sign_priv_load(const char *path, hub_sign_priv_t **out, struct hub_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = hub_secret_file_read(path, &data, &len, err);
    if (rc)
        return rc;
    EVP_PKEY *pkey = NULL;
    BIO *bio = len <= PEM_MAX_BYTES ? BIO_new_mem_buf(data, (int)len) : NULL;
    if (bio) {
        pkey = PEM_read_bio_PrivateKey_ex(bio, NULL, no_password, NULL, NULL, NULL);
        BIO_free(bio);
    }
    hub_secret_free(data, len);
    if (!pkey)
        return hub_error_set(err, HUB_ECRYPTO,
                             "%s: not an unencrypted PEM private key (expected PKCS#8 \"BEGIN "
                             "PRIVATE KEY\" from `hubctl districts keygen`)",
                             path);
    if (!EVP_PKEY_is_a(pkey, "ED25519")) {
        EVP_PKEY_free(pkey);
        return hub_error_set(err, HUB_ECRYPTO, "%s: not an Ed25519 key", path);
    }
    return priv_wrap(pkey, out, err);
}

int hub_sign_priv_write_pem(const hub_sign_priv_t *k, const char *path, struct hub_error *err)
{
    BIO *bio = BIO_new(BIO_s_secmem());
    char *pem = NULL;
    long pem_len;
    int rc = 0;
    if (!bio || PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
        (pem_len = BIO_get_mem_data(bio, &pem)) <= 0) {
        BIO_free(bio);
        return hub_error_set(err, HUB_ECRYPTO, "Ed25519: cannot encode the private key as PEM");
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = hub_error_set(err, HUB_EIO, "%s: cannot create: %s%s", path, strerror(errno),
                           errno == EEXIST ? " (an existing key is never overwritten)" : "");
        BIO_free(bio);
        return rc;
    }
    size_t done = 0;
    while (rc == 0 && done < (size_t)pem_len) {
        ssize_t n = write(fd, pem + done, (size_t)pem_len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = hub_error_set(err, HUB_EIO, "%s: cannot write: %s", path, strerror(errno));
        else
            done += (size_t)n;
    }
    /* umask may have taken bits away, never added: make the mode exactly 0600 */
    if (rc == 0 && fchmod(fd, 0600) != 0)
        rc = hub_error_set(err, HUB_EIO, "%s: cannot chmod 600: %s", path, strerror(errno));
    if (rc == 0 && fsync(fd) != 0)
        rc = hub_error_set(err, HUB_EIO, "%s: cannot sync: %s", path, strerror(errno));
    if (close(fd) != 0 && rc == 0)
        rc = hub_error_set(err, HUB_EIO, "%s: cannot close: %s", path, strerror(errno));
    if (rc)
        unlink(path);
    BIO_free(bio); /* a secure-heap BIO: cleansed on free */
    return rc;
}

void hub_sign_priv_public(const hub_sign_priv_t *k, uint8_t pub[HUB_SIGN_PUBLIC_LEN])
{
    memcpy(pub, k->pub, HUB_SIGN_PUBLIC_LEN);
}

int hub_sign_priv_sign(const hub_sign_priv_t *k, const uint8_t *msg, size_t len,
                       uint8_t sig[HUB_SIG_LEN], struct hub_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t siglen = HUB_SIG_LEN;
    int ok = ctx && EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, k->pkey, NULL) == 1 &&
             EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == HUB_SIG_LEN;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        memset(sig, 0, HUB_SIG_LEN);
        return hub_error_set(err, HUB_ECRYPTO, "Ed25519: signing failed");
    }
    return 0;
}

void hub_sign_priv_destroy(hub_sign_priv_t *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

static int verify_pkey(EVP_PKEY *pkey, const uint8_t *msg, size_t len,
                       const uint8_t sig[HUB_SIG_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return HUB_ECRYPTO;
    int rc = HUB_ECRYPTO;
    if (EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, pkey, NULL) == 1) {
        int v = EVP_DigestVerify(ctx, sig, HUB_SIG_LEN, msg, len);
        rc = v == 1 ? 0 : HUB_ESIGNATURE;
    }
    EVP_MD_CTX_free(ctx);
    return rc;
}

int hub_sign_verify_raw(const uint8_t pub[HUB_SIGN_PUBLIC_LEN], const uint8_t *msg, size_t len,
                        const uint8_t sig[HUB_SIG_LEN])
{
    EVP_PKEY *pkey =
        EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, pub, HUB_SIGN_PUBLIC_LEN);
    if (!pkey)
        return HUB_ECRYPTO;
    int rc = verify_pkey(pkey, msg, len, sig);
    EVP_PKEY_free(pkey);
    return rc;
}

bool hub_sign_key_id_ok(const char *s)
{
    size_t len = s ? strnlen(s, HUB_SIGN_KEY_ID_MAX + 1) : 0;
    if (len == 0 || len > HUB_SIGN_KEY_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return true;
}

/* ---- the key table ---- */

struct row {
    struct hub_sign_key k; /* first, so that &row->k is what callers see */
    size_t line;
    EVP_PKEY *pkey;
};

struct hub_sign_keys {
    struct row *rows;
    size_t n, cap;
    int64_t max_skew_ms, max_delay_ms; /* the window of v2 signing times around first seen */
};

void hub_sign_keys_set_window(hub_sign_keys_t *t, int64_t max_skew_ms, int64_t max_delay_ms)
{
    if (!t)
        return;
    t->max_skew_ms = max_skew_ms;
    t->max_delay_ms = max_delay_ms;
}

void hub_sign_keys_destroy(hub_sign_keys_t *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        EVP_PKEY_free(t->rows[i].pkey);
    free(t->rows);
    free(t);
}

size_t hub_sign_keys_count(const hub_sign_keys_t *t)
{
    return t ? t->n : 0;
}

const struct hub_sign_key *hub_sign_keys_at(const hub_sign_keys_t *t, size_t index)
{
    return t && index < t->n ? &t->rows[index].k : NULL;
}

const struct hub_sign_key *hub_sign_keys_find(const hub_sign_keys_t *t, const char *key_id,
                                              size_t len)
{
    if (!t || !key_id || len == 0 || len > HUB_SIGN_KEY_ID_MAX)
        return NULL;
    for (size_t i = 0; i < t->n; i++) {
        const char *id = t->rows[i].k.key_id;
        if (strlen(id) == len && memcmp(id, key_id, len) == 0)
            return &t->rows[i].k;
    }
    return NULL;
}

bool hub_sign_key_valid_on(const struct hub_sign_key *k, int32_t day)
{
    return k && day >= k->valid_from && day <= k->valid_to;
}

int hub_sign_key_verify(const struct hub_sign_key *k, const uint8_t *msg, size_t len,
                        const uint8_t sig[HUB_SIG_LEN])
{
    /* Keys handed out by a table are the first member of its rows. */
    const struct row *r = (const struct row *)k;
    return verify_pkey(r->pkey, msg, len, sig);
}

static int field_error(struct hub_error *err, const char *path, size_t line, int f,
                       const char *what)
{
    return hub_error_set(err, HUB_ECONFIG_VALUE, "%s:%zu: column %d (%s): %s", path, line, f + 1,
                         field_names[f], what);
}

static int parse_date_field(const char *s, const char *path, size_t line, int f, int32_t *out,
                            struct hub_error *err)
{
    struct hub_error local = {0};
    struct hub_date d;
    if (hub_date_parse_iso(s, &d, &local) != 0)
        return field_error(err, path, line, f, local.msg);
    *out = hub_date_to_days(&d);
    return 0;
}

/* 00:00 Stockholm time on `day`. */
static int64_t stockholm_midnight_ms(int32_t day)
{
    int64_t utc = (int64_t)day * 86400000;
    /* the offset an hour before UTC midnight is the one in force at local midnight (the clocks
     * change at 01:00 UTC) */
    return utc - (int64_t)hub_stockholm_utc_offset_minutes(utc - 3600000) * 60000;
}

static int parse_row(hub_sign_keys_t *t, char *fields[NFIELDS], const hub_districts_t *districts,
                     const char *path, size_t line, struct hub_error *err)
{
    struct row r;
    memset(&r, 0, sizeof r);
    r.line = line;
    if (!hub_sign_key_id_ok(fields[F_KEY_ID]))
        return field_error(err, path, line, F_KEY_ID,
                           "must be 1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter "
                           "or digit");
    const struct hub_sign_key *dup =
        hub_sign_keys_find(t, fields[F_KEY_ID], strlen(fields[F_KEY_ID]));
    if (dup)
        return hub_error_set(err, HUB_ECONFIG_VALUE,
                             "%s:%zu: column 1 (key_id): %s is already defined on line %zu", path,
                             line, fields[F_KEY_ID], ((const struct row *)dup)->line);
    memcpy(r.k.key_id, fields[F_KEY_ID], strlen(fields[F_KEY_ID]) + 1);

    if (!hub_district_code_valid(fields[F_DISTRICT]))
        return field_error(err, path, line, F_DISTRICT,
                           "must be a district code: a-z first, then a-z, 0-9 or '-'");
    if (districts && strcmp(fields[F_DISTRICT], HUB_SIGN_HUB) != 0 &&
        !hub_districts_find(districts, fields[F_DISTRICT])) {
        char what[96];
        snprintf(what, sizeof what, "unknown district %s", fields[F_DISTRICT]);
        return field_error(err, path, line, F_DISTRICT, what);
    }
    memcpy(r.k.district, fields[F_DISTRICT], strlen(fields[F_DISTRICT]) + 1);

    if (!public_from_base64(fields[F_PUBLIC_KEY], r.k.public_key))
        return field_error(err, path, line, F_PUBLIC_KEY,
                           "must be the standard base64 of a raw 32-byte Ed25519 public key (44 "
                           "characters ending in '=')");

    int rc = parse_date_field(fields[F_VALID_FROM], path, line, F_VALID_FROM, &r.k.valid_from, err);
    if (rc)
        return rc;
    r.k.valid_to = INT32_MAX;
    if (fields[F_VALID_TO][0] != '\0') {
        rc = parse_date_field(fields[F_VALID_TO], path, line, F_VALID_TO, &r.k.valid_to, err);
        if (rc)
            return rc;
        if (r.k.valid_to < r.k.valid_from)
            return field_error(err, path, line, F_VALID_TO, "is before valid_from");
    }
    r.k.revoked_at = INT64_MAX;
    const char *rev = fields[F_REVOKED_AT];
    if (rev && rev[0] != '\0') {
        struct hub_error local = {0};
        if (strlen(rev) == 10) {
            int32_t d;
            if ((rc = parse_date_field(rev, path, line, F_REVOKED_AT, &d, err)) != 0)
                return rc;
            r.k.revoked_at = stockholm_midnight_ms(d);
        } else if (hub_timestamp_parse_rfc3339(rev, &r.k.revoked_at, &local) != 0) {
            return field_error(err, path, line, F_REVOKED_AT,
                               "must be empty, a date YYYY-MM-DD or an RFC 3339 instant");
        }
    }
    r.pkey =
        EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, r.k.public_key, HUB_SIGN_PUBLIC_LEN);
    if (!r.pkey)
        return field_error(err, path, line, F_PUBLIC_KEY, "is not a usable Ed25519 public key");
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 32;
        struct row *rows = realloc(t->rows, cap * sizeof *rows);
        if (!rows) {
            EVP_PKEY_free(r.pkey);
            return hub_error_set(err, HUB_ENOMEM, "%s:%zu: out of memory", path, line);
        }
        t->rows = rows;
        t->cap = cap;
    }
    t->rows[t->n++] = r;
    return 0;
}

/* What a row of the key table needs. */
struct load_ctx {
    hub_sign_keys_t *t;
    const hub_districts_t *districts;
    const char *path;
    size_t nfields; /* NFIELDS, or NFIELDS_V1 for a table without revoked_at */
};

static int key_row(void *ud, char **fields, unsigned long line, struct hub_error *err)
{
    struct load_ctx *x = ud;
    char *all[NFIELDS] = {NULL};
    for (size_t i = 0; i < x->nfields && i < NFIELDS; i++)
        all[i] = fields[i];
    return parse_row(x->t, all, x->districts, x->path, line, err);
}

/* The table from the file `path`, or from text[0..len) named path when text is set. */
static int keys_load_from(const char *path, const char *text, size_t len,
                          const hub_districts_t *districts, hub_sign_keys_t **out,
                          struct hub_error *err)
{
    hub_sign_keys_t *t = NULL;
    int rc;

    *out = NULL;
    if (!path || !*path)
        return hub_error_set(err, HUB_EINVAL, "key table: no file given");
    t = calloc(1, sizeof *t);
    if (!t)
        return hub_error_set(err, HUB_ENOMEM, "%s: out of memory", path);
    t->max_skew_ms = HUB_SIGN_DEFAULT_SKEW_MS;
    t->max_delay_ms = HUB_SIGN_DEFAULT_DELAY_MS;
    struct load_ctx x = {t, districts, path, NFIELDS};
    struct hub_csv_table table = {.path = path,
                                  .text = text,
                                  .text_len = len,
                                  .columns = field_names,
                                  .ncolumns = NFIELDS,
                                  .max_line = MAX_LINE,
                                  .max_file = MAX_FILE,
                                  .comments = true,
                                  .no_header = "no header; expected",
                                  .row = key_row,
                                  .ud = &x};
    if ((rc = hub_csv_read_table(&table, err)) != 0) {
        /* a table written before revoked_at existed has the first five columns only */
        struct hub_error v1_err = {0};
        hub_sign_keys_destroy(t);
        t = calloc(1, sizeof *t);
        if (!t)
            return rc;
        t->max_skew_ms = HUB_SIGN_DEFAULT_SKEW_MS;
        t->max_delay_ms = HUB_SIGN_DEFAULT_DELAY_MS;
        x.t = t;
        x.nfields = NFIELDS_V1;
        table.ncolumns = NFIELDS_V1;
        int rc1 = hub_csv_read_table(&table, &v1_err);
        if (rc1 != 0) {
            hub_sign_keys_destroy(t);
            /* the five-column header matched: its row's error is the one to tell */
            if (!strstr(v1_err.msg, "expected the header") && !strstr(v1_err.msg, "no header")) {
                if (err)
                    *err = v1_err;
                return rc1;
            }
            return rc; /* the error against the current header */
        }
    }
    *out = t;
    return 0;
}

int hub_sign_keys_load(const char *path, const hub_districts_t *districts, hub_sign_keys_t **out,
                       struct hub_error *err)
{
    return keys_load_from(path, NULL, 0, districts, out, err);
}

int hub_sign_keys_load_buffer(const char *text, size_t len, const char *name,
                              const hub_districts_t *districts, hub_sign_keys_t **out,
                              struct hub_error *err)
{
    *out = NULL;
    if (!name || !*name || (!text && len))
        return hub_error_set(err, HUB_EINVAL, "key table: no text given");
    return keys_load_from(name, text ? text : "", len, districts, out, err);
}

int hub_sign_keys_path(const hub_config_t *cfg, char *buf, size_t n)
{
    const char *file = cfg ? hub_config_get(cfg, "hub.signing.keys_file") : NULL;
    const char *dir = cfg ? hub_config_get(cfg, "hub.reference_dir") : NULL;
    char data[4096];
    int len;
    if (!buf || n == 0)
        return HUB_EINVAL;
    if (file && *file)
        len = snprintf(buf, n, "%s", file);
    else if (dir && *dir)
        len = snprintf(buf, n, "%s/%s", dir, HUB_SIGN_KEYS_FILE);
    else if (hub_data_dir(HUB_DATA_REFERENCE, data, sizeof data) == 0)
        len = snprintf(buf, n, "%s/%s", data, HUB_SIGN_KEYS_FILE);
    else
        len = -1;
    if (len < 0 || (size_t)len >= n) {
        buf[0] = '\0';
        return HUB_ERANGE;
    }
    return 0;
}

bool hub_sign_signer_covers(const hub_districts_t *districts, const char *signer_district,
                            const char *event_district)
{
    if (!signer_district || !event_district)
        return false;
    if (strcmp(signer_district, event_district) == 0)
        return true;
    const struct hub_district *d = hub_districts_find(districts, event_district);
    /* Loading the districts rejected cycles, so the chain is at most count long. */
    for (size_t steps = 0; d && d->successor[0] && steps < hub_districts_count(districts);
         steps++) {
        if (strcmp(d->successor, signer_district) == 0)
            return true;
        d = hub_districts_find(districts, d->successor);
    }
    return false;
}

/* ---- verifying messages ---- */

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void hub_sig_input_from_message(rd_kafka_message_t *m, struct hub_sig_input *in)
{
    rd_kafka_headers_t *hdrs = NULL;
    memset(in, 0, sizeof *in);
    in->topic = rd_kafka_topic_name(m->rkt);
    in->key = m->key;
    in->key_len = m->key ? m->key_len : 0;
    in->value = m->payload;
    in->value_len = m->payload ? m->len : 0;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
        if (rd_kafka_header_get_last(hdrs, HUB_SIG_HEADER, &in->sig, &in->sig_len) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
            in->sig = NULL;
            in->sig_len = 0;
        }
        if (rd_kafka_header_get_last(hdrs, HUB_SIG_KEY_HEADER, &in->key_id, &in->key_id_len) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
            in->key_id = NULL;
            in->key_id_len = 0;
        }
        if (rd_kafka_header_get_last(hdrs, HUB_SIG_VERSION_HEADER, &in->version,
                                     &in->version_len) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            in->version = NULL;
            in->version_len = 0;
        }
        if (rd_kafka_header_get_last(hdrs, HUB_SIG_TIME_HEADER, &in->signed_at,
                                     &in->signed_at_len) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            in->signed_at = NULL;
            in->signed_at_len = 0;
        }
    }
    /* never the Kafka timestamp: the producer chooses it and nothing signs it */
    in->seen_ms = wall_ms();
}

/* The signature version of `in`: 1 (no hub.sig.v), 2, or 0 for anything else. */
static int sig_version(const struct hub_sig_input *in)
{
    if (!in->version)
        return 1;
    if (in->version_len == 1 && ((const char *)in->version)[0] == '2')
        return 2;
    return 0;
}

/* Parses hub.sig.time: 1-15 ASCII digits. */
static bool parse_signed_at(const struct hub_sig_input *in, int64_t *out)
{
    const char *p = in->signed_at;
    int64_t v = 0;
    if (!p || in->signed_at_len == 0 || in->signed_at_len > SIGNED_AT_DIGITS_MAX)
        return false;
    for (size_t i = 0; i < in->signed_at_len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

int hub_sig_canonical_of(const struct hub_sig_input *in, uint8_t **out, size_t *len)
{
    int version = sig_version(in);
    int64_t signed_at = 0;
    if (version == 0 || (version == 2 && !parse_signed_at(in, &signed_at)))
        return HUB_EINVAL;
    return version == 2 ? hub_sign_canonical_v2(signed_at, in->topic, strlen(in->topic), in->key,
                                                in->key_len, in->value, in->value_len, out, len)
                        : hub_sign_canonical(in->topic, strlen(in->topic), in->key, in->key_len,
                                             in->value, in->value_len, out, len);
}

/* The signature bytes alone: the key the message names, the canonical string of its version,
 * Ed25519. BAD for anything that cannot verify (unknown key, wrong length, bad version). */
static enum hub_sig_crypto verify_bytes(const hub_sign_keys_t *t, const struct hub_sig_input *in)
{
    if (!in->sig || !in->key_id || in->sig_len != HUB_SIG_LEN)
        return HUB_SIG_CRYPTO_BAD;
    const struct hub_sign_key *k = hub_sign_keys_find(t, in->key_id, in->key_id_len);
    uint8_t *msg = NULL;
    size_t len = 0;
    if (!k || hub_sig_canonical_of(in, &msg, &len) != 0)
        return HUB_SIG_CRYPTO_BAD;
    bool ok = hub_sign_key_verify(k, msg, len, in->sig) == 0;
    free(msg);
    return ok ? HUB_SIG_CRYPTO_OK : HUB_SIG_CRYPTO_BAD;
}

void hub_sign_check(const hub_sign_keys_t *t, const struct hub_sig_input *in,
                    struct hub_sig_result *out)
{
    out->key = NULL;
    if (!in->sig || !in->key_id) {
        out->status = HUB_SIG_MISSING;
        return;
    }
    const struct hub_sign_key *k = hub_sign_keys_find(t, in->key_id, in->key_id_len);
    if (!k) {
        out->status = HUB_SIG_UNKNOWN_KEY;
        return;
    }
    out->key = k;
    int version = sig_version(in);
    int64_t signed_at = 0;
    if (version == 0 || (version == 2 && !parse_signed_at(in, &signed_at))) {
        out->status = HUB_SIG_FORMAT;
        return;
    }
    /* revocation: judged on when the hub first saw the message, which the signer cannot choose */
    if (in->seen_ms >= k->revoked_at) {
        out->status = HUB_SIG_REVOKED_KEY;
        return;
    }
    if (version == 2 &&
        (signed_at > in->seen_ms + t->max_skew_ms || signed_at < in->seen_ms - t->max_delay_ms)) {
        out->status = HUB_SIG_TIME;
        return;
    }
    int32_t day = hub_days_stockholm_from_ms(version == 2 ? signed_at : in->seen_ms);
    if (day > k->valid_to) {
        out->status = HUB_SIG_EXPIRED_KEY;
        return;
    }
    if (day < k->valid_from) {
        out->status = HUB_SIG_NOT_YET_VALID;
        return;
    }
    enum hub_sig_crypto v =
        in->crypto != HUB_SIG_CRYPTO_UNCHECKED ? in->crypto : verify_bytes(t, in);
    out->status = v == HUB_SIG_CRYPTO_OK ? HUB_SIG_OK : HUB_SIG_BAD;
}

/*
 * Verification spread over threads. The messages are not cut into one fixed range per thread:
 * every thread takes the next VERIFY_CHUNK messages until none are left. A thread that shares
 * its CPU with other work (the consumer's PostgreSQL backend, say) then does fewer, instead of
 * leaving the others idle at the end with half its range still to do — with fixed ranges a
 * CPU sat idle for a fifth of hub-readmodel's busy time (bench_verify.sh).
 */
#define VERIFY_CHUNK 8

struct verify_work {
    const hub_sign_keys_t *t;
    const struct hub_sig_input *in; /* full checks: results into out[] */
    struct hub_sig_result *out;
    struct hub_sig_input *ahead; /* or verifying ahead: the bytes' verdict into ahead[i].crypto */
    size_t n;
    atomic_size_t next; /* the first message no thread has taken yet */
};

static void *verify_worker(void *arg)
{
    struct verify_work *w = arg;
    for (;;) {
        size_t from = atomic_fetch_add(&w->next, VERIFY_CHUNK);
        if (from >= w->n)
            return NULL;
        size_t to = w->n - from < VERIFY_CHUNK ? w->n : from + VERIFY_CHUNK;
        for (size_t i = from; i < to; i++) {
            if (w->ahead)
                w->ahead[i].crypto = verify_bytes(w->t, &w->ahead[i]);
            else
                hub_sign_check(w->t, &w->in[i], &w->out[i]);
        }
    }
}

/* How many threads `threads` asks for, within bounds, with at least MIN_PER_THREAD messages each
 * (at least one). */
static size_t verify_workers(int threads, size_t n)
{
    size_t workers = threads > 1 ? (size_t)threads : 1;
    if (workers > HUB_SIGN_VERIFY_THREADS_MAX)
        workers = HUB_SIGN_VERIFY_THREADS_MAX;
    if (workers > n / MIN_PER_THREAD)
        workers = n / MIN_PER_THREAD > 0 ? n / MIN_PER_THREAD : 1;
    return workers;
}

void hub_sign_check_many(const hub_sign_keys_t *t, const struct hub_sig_input *in,
                         struct hub_sig_result *out, size_t n, int threads)
{
    struct verify_work w = {.t = t, .in = in, .out = out, .n = n};
    size_t workers = verify_workers(threads, n);
    pthread_t tid[HUB_SIGN_VERIFY_THREADS_MAX];
    bool started[HUB_SIGN_VERIFY_THREADS_MAX] = {false};

    atomic_init(&w.next, 0);
    /* this thread is a worker too; one not started leaves its share to the others */
    for (size_t k = 1; k < workers; k++)
        started[k] = pthread_create(&tid[k], NULL, verify_worker, &w) == 0;
    (void)verify_worker(&w);
    for (size_t k = 1; k < workers; k++)
        if (started[k])
            pthread_join(tid[k], NULL);
}

struct hub_sign_ahead {
    size_t workers;
    pthread_t tid[HUB_SIGN_VERIFY_THREADS_MAX];
    bool started[HUB_SIGN_VERIFY_THREADS_MAX];
    struct verify_work work;
};

hub_sign_ahead_t *hub_sign_ahead_start(const hub_sign_keys_t *t, struct hub_sig_input *in, size_t n,
                                       int threads)
{
    if (!t || n == 0)
        return NULL;
    hub_sign_ahead_t *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->work.t = t;
    a->work.ahead = in;
    a->work.n = n;
    atomic_init(&a->work.next, 0);
    a->workers = verify_workers(threads, n);
    for (size_t k = 0; k < a->workers; k++)
        a->started[k] = pthread_create(&a->tid[k], NULL, verify_worker, &a->work) == 0;
    return a;
}

void hub_sign_ahead_join(hub_sign_ahead_t *a)
{
    if (!a)
        return;
    for (size_t k = 0; k < a->workers; k++)
        if (a->started[k])
            pthread_join(a->tid[k], NULL);
    (void)verify_worker(&a->work); /* what no thread took (none could be started): done here */
    free(a);
}

const char *hub_sig_status_name(enum hub_sig_status s)
{
    switch (s) {
    case HUB_SIG_OK:
        return "ok";
    case HUB_SIG_MISSING:
        return "missing";
    case HUB_SIG_BAD:
        return "bad";
    case HUB_SIG_UNKNOWN_KEY:
        return "unknown_key";
    case HUB_SIG_EXPIRED_KEY:
        return "expired_key";
    case HUB_SIG_NOT_YET_VALID:
        return "not_yet_valid";
    case HUB_SIG_REVOKED_KEY:
        return "revoked_key";
    case HUB_SIG_TIME:
        return "time";
    case HUB_SIG_FORMAT:
        return "format";
    }
    return "unknown";
}

static void format_day(int32_t day, char out[HUB_DATE_ISO_LEN])
{
    if (day == INT32_MAX || hub_date_format(day, out) != 0)
        snprintf(out, HUB_DATE_ISO_LEN, "%s", day == INT32_MAX ? "open" : "?");
}

void hub_sig_describe(const struct hub_sig_input *in, const struct hub_sig_result *r, char *buf,
                      size_t n)
{
    const struct hub_sign_key *k = r->key;
    char from[HUB_DATE_ISO_LEN] = "", to[HUB_DATE_ISO_LEN] = "", on[HUB_DATE_ISO_LEN] = "";
    char seen[HUB_TIMESTAMP_LEN] = "?", signed_ts[HUB_TIMESTAMP_LEN] = "?",
         revoked[HUB_TIMESTAMP_LEN] = "?";
    int64_t signed_at = 0;
    bool v2 = sig_version(in) == 2 && parse_signed_at(in, &signed_at);
    if (k) {
        format_day(k->valid_from, from);
        format_day(k->valid_to, to);
        if (k->revoked_at != INT64_MAX)
            (void)hub_timestamp_format_rfc3339(k->revoked_at, revoked);
    }
    format_day(hub_days_stockholm_from_ms(v2 ? signed_at : in->seen_ms), on);
    (void)hub_timestamp_format_rfc3339(in->seen_ms, seen);
    if (v2)
        (void)hub_timestamp_format_rfc3339(signed_at, signed_ts);
    const char *when = v2 ? "the message was signed on" : "the hub first saw the message on";
    switch (r->status) {
    case HUB_SIG_OK:
        snprintf(buf, n, "signature ok: key %s of %s", k ? k->key_id : "?", k ? k->district : "?");
        break;
    case HUB_SIG_MISSING:
        snprintf(buf, n, "missing signature: no %s header",
                 !in->sig && !in->key_id ? HUB_SIG_HEADER " or " HUB_SIG_KEY_HEADER
                 : !in->sig              ? HUB_SIG_HEADER
                                         : HUB_SIG_KEY_HEADER);
        break;
    case HUB_SIG_BAD:
        if (in->sig_len != HUB_SIG_LEN)
            snprintf(buf, n, "bad signature: %s is %zu bytes, not %d (key %s of %s)",
                     HUB_SIG_HEADER, in->sig_len, HUB_SIG_LEN, k ? k->key_id : "?",
                     k ? k->district : "?");
        else
            snprintf(buf, n,
                     "bad signature: does not verify with key %s of %s (altered after signing, "
                     "or signed with another key)",
                     k ? k->key_id : "?", k ? k->district : "?");
        break;
    case HUB_SIG_UNKNOWN_KEY: {
        char id[HUB_SIGN_KEY_ID_MAX + 1] = "";
        if (in->key_id_len <= HUB_SIGN_KEY_ID_MAX) {
            memcpy(id, in->key_id, in->key_id_len);
            id[in->key_id_len] = '\0';
        }
        if (hub_sign_key_id_ok(id))
            snprintf(buf, n, "unknown key: %s is not in the key table", id);
        else
            snprintf(buf, n, "unknown key: %s is not a well-formed key id", HUB_SIG_KEY_HEADER);
        break;
    }
    case HUB_SIG_EXPIRED_KEY:
        snprintf(buf, n, "expired key: %s of %s is valid %s to %s, %s %s", k->key_id, k->district,
                 from, to, when, on);
        break;
    case HUB_SIG_NOT_YET_VALID:
        snprintf(buf, n, "key not yet valid: %s of %s is valid from %s, %s %s", k->key_id,
                 k->district, from, when, on);
        break;
    case HUB_SIG_REVOKED_KEY:
        snprintf(buf, n,
                 "revoked key: %s of %s is revoked from %s, the hub first saw the message at %s",
                 k->key_id, k->district, revoked, seen);
        break;
    case HUB_SIG_TIME:
        snprintf(buf, n,
                 "signing time out of range: signed with %s of %s at %s, the hub first saw the "
                 "message at %s (hub.clock.max_skew_s after it, hub.signing.max_delay_s before it)",
                 k->key_id, k->district, signed_ts, seen);
        break;
    case HUB_SIG_FORMAT:
        snprintf(buf, n,
                 "bad signature header: %s must be absent (version 1) or 2 with %s holding the "
                 "signing time in decimal milliseconds (key %s of %s)",
                 HUB_SIG_VERSION_HEADER, HUB_SIG_TIME_HEADER, k ? k->key_id : "?",
                 k ? k->district : "?");
        break;
    }
}

/* ---- the publisher's signer ---- */

struct signer_key {
    hub_sign_priv_t *priv;
    char key_id[HUB_SIGN_KEY_ID_MAX + 1];
    char district[HUB_DISTRICT_CODE_MAX]; /* "" when the key table does not know the key */
    int32_t valid_from, valid_to;
    int64_t revoked_at; /* INT64_MAX when not revoked */
};

struct hub_signer {
    const hub_districts_t *districts;
    struct signer_key *keys;
    size_t n;
    bool single; /* hub.signing.key_file: one key, used for every event it covers */
};

size_t hub_signer_count(const hub_signer_t *s)
{
    return s ? s->n : 0;
}

void hub_signer_destroy(hub_signer_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        hub_sign_priv_destroy(s->keys[i].priv);
    free(s->keys);
    free(s);
}

static int32_t today(void)
{
    return hub_days_stockholm_from_ms(wall_ms());
}

/* Adds `priv` (taken over) under the table row `k` (NULL: unknown to the table). */
static int signer_add(hub_signer_t *s, hub_sign_priv_t *priv, const char *key_id,
                      const struct hub_sign_key *k, struct hub_error *err)
{
    struct signer_key *keys = realloc(s->keys, (s->n + 1) * sizeof *keys);
    if (!keys) {
        hub_sign_priv_destroy(priv);
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    s->keys = keys;
    struct signer_key *sk = &s->keys[s->n++];
    memset(sk, 0, sizeof *sk);
    sk->priv = priv;
    snprintf(sk->key_id, sizeof sk->key_id, "%s", key_id);
    sk->valid_from = INT32_MIN;
    sk->valid_to = INT32_MAX;
    sk->revoked_at = INT64_MAX;
    if (k) {
        snprintf(sk->district, sizeof sk->district, "%s", k->district);
        sk->valid_from = k->valid_from;
        sk->valid_to = k->valid_to;
        sk->revoked_at = k->revoked_at;
    }
    return 0;
}

static bool same_public(const hub_sign_priv_t *priv, const struct hub_sign_key *k)
{
    return CRYPTO_memcmp(priv->pub, k->public_key, HUB_SIGN_PUBLIC_LEN) == 0;
}

static int open_single(hub_signer_t *s, const char *key_file, const char *key_id,
                       const hub_sign_keys_t *table, const char *table_path, struct hub_error *err)
{
    hub_sign_priv_t *priv = NULL;
    int rc;
    if (!key_id || !*key_id)
        return hub_error_set(err, HUB_ECONFIG_MISSING,
                             "hub.signing.key_id: not set; it names the key in "
                             "hub.signing.key_file (the key_id column of the key table)");
    if (!hub_sign_key_id_ok(key_id))
        return hub_error_set(err, HUB_ECONFIG_VALUE,
                             "hub.signing.key_id: not a key id (1-64 of A-Z a-z 0-9 . _ -)");
    if ((rc = hub_sign_priv_load(key_file, &priv, err)) != 0) {
        hub_error_prefix(err, "hub.signing.key_file: ");
        return rc;
    }
    const struct hub_sign_key *k = hub_sign_keys_find(table, key_id, strlen(key_id));
    if (k && !same_public(priv, k)) {
        hub_sign_priv_destroy(priv);
        return hub_error_set(err, HUB_ECONFIG_VALUE,
                             "hub.signing.key_file: %s is not the private key of %s: its public "
                             "key differs from the one in %s",
                             key_file, key_id, table_path);
    }
    int32_t day = today();
    if (k && k->revoked_at <= wall_ms()) {
        char ts[HUB_TIMESTAMP_LEN] = "?";
        (void)hub_timestamp_format_rfc3339(k->revoked_at, ts);
        hub_sign_priv_destroy(priv);
        return hub_error_set(err, HUB_ECONFIG_VALUE,
                             "hub.signing.key_id: %s is revoked from %s (%s); consumers would "
                             "dead-letter every event",
                             key_id, ts, table_path);
    }
    if (k && !hub_sign_key_valid_on(k, day)) {
        char from[HUB_DATE_ISO_LEN], to[HUB_DATE_ISO_LEN];
        format_day(k->valid_from, from);
        format_day(k->valid_to, to);
        hub_sign_priv_destroy(priv);
        return hub_error_set(err, HUB_ECONFIG_VALUE,
                             "hub.signing.key_id: %s is valid %s to %s (%s), not today; consumers "
                             "would dead-letter every event",
                             key_id, from, to, table_path);
    }
    if (!k)
        hub_log(HUB_LOG_WARN, "signing key not in the local key table",
                "key_id=%s keys_file=%s hint=\"consumers dead-letter its events unless their "
                "table has it\"",
                key_id, table_path);
    s->single = true;
    return signer_add(s, priv, key_id, k, err);
}

static int open_dir(hub_signer_t *s, const char *dir, const hub_sign_keys_t *table,
                    const char *table_path, struct hub_error *err)
{
    for (size_t i = 0; i < hub_sign_keys_count(table); i++) {
        const struct hub_sign_key *k = hub_sign_keys_at(table, i);
        char path[4096];
        struct stat st;
        int len = snprintf(path, sizeof path, "%s/%s.pem", dir, k->key_id);
        if (len < 0 || (size_t)len >= sizeof path)
            return hub_error_set(err, HUB_ERANGE, "hub.signing.key_dir: path too long");
        if (stat(path, &st) != 0 && errno == ENOENT)
            continue;
        hub_sign_priv_t *priv = NULL;
        int rc = hub_sign_priv_load(path, &priv, err);
        if (rc) {
            hub_error_prefix(err, "hub.signing.key_dir: ");
            return rc;
        }
        if (!same_public(priv, k)) {
            hub_sign_priv_destroy(priv);
            return hub_error_set(err, HUB_ECONFIG_VALUE,
                                 "hub.signing.key_dir: %s is not the private key of %s: its "
                                 "public key differs from the one in %s",
                                 path, k->key_id, table_path);
        }
        if ((rc = signer_add(s, priv, k->key_id, k, err)) != 0)
            return rc;
    }
    if (s->n == 0)
        return hub_error_set(err, HUB_ECONFIG_VALUE,
                             "hub.signing.key_dir: %s holds no <key_id>.pem for any key in %s", dir,
                             table_path);
    return 0;
}

int hub_signer_new(const hub_config_t *cfg, const hub_districts_t *districts, hub_signer_t **out,
                   struct hub_error *err)
{
    const char *key_file = hub_config_get(cfg, "hub.signing.key_file");
    const char *key_id = hub_config_get(cfg, "hub.signing.key_id");
    const char *key_dir = hub_config_get(cfg, "hub.signing.key_dir");
    bool has_file = key_file && *key_file, has_dir = key_dir && *key_dir;
    hub_sign_keys_t *table = NULL;
    hub_signer_t *s = NULL;
    char table_path[4096];
    int rc;

    *out = NULL;
    if (has_file && has_dir)
        return hub_error_set(err, HUB_ECONFIG_VALUE,
                             "hub.signing.key_file and hub.signing.key_dir are both set; use "
                             "key_file for one district's key or key_dir for several");
    if (!has_file && !has_dir) {
        if (hub_config_get_bool(cfg, "hub.signing.required"))
            return hub_error_set(
                err, HUB_ECONFIG_MISSING,
                "hub.signing.key_file: not set; every event is signed with its district's "
                "Ed25519 key (hub.signing.key_file and hub.signing.key_id; make one with "
                "`hubctl districts keygen`), or set hub.signing.required=false to publish "
                "unsigned events that consumers requiring signatures dead-letter");
        hub_log(HUB_LOG_WARN, "publishing unsigned events",
                "hint=\"hub.signing.required=false and no hub.signing.key_file\"");
        return 0;
    }
    if (hub_sign_keys_path(cfg, table_path, sizeof table_path) != 0)
        return hub_error_set(err, HUB_ERANGE, "hub.signing.keys_file: path too long");
    if ((rc = hub_sign_keys_load(table_path, NULL, &table, err)) != 0) {
        hub_error_prefix(err, "hub.signing.keys_file: ");
        return rc;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    s->districts = districts;
    rc = has_file ? open_single(s, key_file, key_id, table, table_path, err)
                  : open_dir(s, key_dir, table, table_path, err);
    if (rc)
        goto out;
    hub_log(HUB_LOG_INFO, "signing events", "keys=%zu first_key_id=%s district=%s", s->n,
            s->keys[0].key_id, s->keys[0].district[0] ? s->keys[0].district : "(not in table)");
    *out = s;
    s = NULL;
out:
    hub_signer_destroy(s);
    hub_sign_keys_destroy(table);
    return rc;
}

/* The key to sign an event of `district` with at `now`, or NULL. */
static const struct signer_key *pick_key(const hub_signer_t *s, const char *district, int64_t now)
{
    int32_t day = hub_days_stockholm_from_ms(now);
    if (s->single) {
        const struct signer_key *k = &s->keys[0];
        if (k->district[0] && !hub_sign_signer_covers(s->districts, k->district, district))
            return NULL;
        return day >= k->valid_from && day <= k->valid_to && now < k->revoked_at ? k : NULL;
    }
    /* The district's own newest valid key, else its successor's (which took over its records). */
    const char *d = district;
    for (size_t steps = 0; d && steps <= hub_districts_count(s->districts); steps++) {
        const struct signer_key *best = NULL;
        for (size_t i = 0; i < s->n; i++) {
            const struct signer_key *k = &s->keys[i];
            if (strcmp(k->district, d) == 0 && day >= k->valid_from && day <= k->valid_to &&
                now < k->revoked_at && (!best || k->valid_from > best->valid_from))
                best = k;
        }
        if (best)
            return best;
        const struct hub_district *row = hub_districts_find(s->districts, d);
        d = row && row->successor[0] ? row->successor : NULL;
    }
    return NULL;
}

int hub_signer_check_district(const hub_signer_t *s, const char *district, struct hub_error *err)
{
    if (pick_key(s, district, wall_ms()))
        return 0;
    const struct signer_key *k = &s->keys[0];
    if (s->single && k->district[0] && !hub_sign_signer_covers(s->districts, k->district, district))
        return hub_error_set(err, HUB_ESIGNATURE,
                             "the signing key %s (hub.signing.key_file) is %s's and cannot sign "
                             "%s's events",
                             k->key_id, k->district, district);
    if (s->single) {
        char from[HUB_DATE_ISO_LEN], to[HUB_DATE_ISO_LEN];
        format_day(k->valid_from, from);
        format_day(k->valid_to, to);
        return hub_error_set(err, HUB_ESIGNATURE,
                             "the signing key %s (hub.signing.key_file) is valid %s to %s, not "
                             "today, or revoked",
                             k->key_id, from, to);
    }
    return hub_error_set(err, HUB_ESIGNATURE,
                         "hub.signing.key_dir holds no key valid today for %s (nor for a district "
                         "it was merged into) that is not revoked",
                         district);
}

int hub_signer_sign(const hub_signer_t *s, const char *district, const char *topic, const void *key,
                    size_t key_len, const void *value, size_t value_len, rd_kafka_headers_t *hdrs,
                    struct hub_error *err)
{
    uint8_t *msg = NULL, sig[HUB_SIG_LEN];
    size_t len = 0;
    int64_t now = wall_ms();
    char at[24];
    const struct signer_key *k = pick_key(s, district, now);
    if (!k)
        return hub_signer_check_district(s, district, err);
    int rc = hub_sign_canonical_v2(now, topic, strlen(topic), key, key_len, value, value_len, &msg,
                                   &len);
    if (rc)
        return hub_error_set(err, rc, "signing: message too large");
    snprintf(at, sizeof at, "%lld", (long long)now);
    rc = hub_sign_priv_sign(k->priv, msg, len, sig, err);
    free(msg);
    if (rc)
        return rc;
    if (rd_kafka_header_add(hdrs, HUB_SIG_HEADER, -1, sig, HUB_SIG_LEN) ||
        rd_kafka_header_add(hdrs, HUB_SIG_KEY_HEADER, -1, k->key_id, -1) ||
        rd_kafka_header_add(hdrs, HUB_SIG_VERSION_HEADER, -1, "2", 1) ||
        rd_kafka_header_add(hdrs, HUB_SIG_TIME_HEADER, -1, at, -1))
        return hub_error_set(err, HUB_EKAFKA, "signing: cannot add the signature headers");
    return 0;
}
