/*
 * seal.c — X25519 + HKDF-SHA256 + AES-256-GCM sealing for one recipient (format in seal.h).
 *
 * Every secret (the ephemeral private key lives inside its EVP_PKEY, the shared secret Z, the
 * derived key K) is wiped before the function returns, on every path.
 */
#include "hub/crypto/seal.h"
#include "hub/domain/ident.h"
#include "hub/crypto/secret.h"
#include "hub/crypto/webhook.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#define OFF_EPH 1
#define OFF_IV (OFF_EPH + HUB_SEAL_KEY_LEN)
#define OFF_TAG (OFF_IV + HUB_SEAL_IV_LEN)
#define GCM_AAD_HEADER_LEN OFF_TAG /* version, E and IV */

/* Z = X25519(own, peer_pub). Fails with HUB_ESEAL_KEY when the peer key is a low-order point
 * (OpenSSL refuses the all-zero result) or not a key at all. */
static int derive_shared(EVP_PKEY *own, const uint8_t peer_pub[HUB_SEAL_KEY_LEN],
                         uint8_t z[HUB_SEAL_KEY_LEN], const char *whose, struct hub_error *err)
{
    EVP_PKEY *peer = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    size_t zlen = HUB_SEAL_KEY_LEN;
    int rc = 0;

    peer = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer_pub, HUB_SEAL_KEY_LEN);
    if (!peer) {
        rc = hub_error_set(err, HUB_ESEAL_KEY, "%s is not an X25519 public key", whose);
        goto out;
    }
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, own, NULL);
    if (!ctx || EVP_PKEY_derive_init(ctx) <= 0) {
        rc = hub_error_set(err, HUB_ECRYPTO, "X25519: cannot start key agreement");
        goto out;
    }
    if (EVP_PKEY_derive_set_peer(ctx, peer) <= 0 || EVP_PKEY_derive(ctx, z, &zlen) <= 0 ||
        zlen != HUB_SEAL_KEY_LEN) {
        rc = hub_error_set(err, HUB_ESEAL_KEY,
                           "%s is not a usable X25519 public key (a low-order point)", whose);
        goto out;
    }
out:
    if (rc)
        OPENSSL_cleanse(z, HUB_SEAL_KEY_LEN);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    return rc;
}

/* K = HKDF-SHA256(IKM = Z, salt = E ‖ R, info = HUB_SEAL_INFO, L = 32). */
static int derive_key(const uint8_t z[HUB_SEAL_KEY_LEN], const uint8_t eph[HUB_SEAL_KEY_LEN],
                      const uint8_t recipient[HUB_SEAL_KEY_LEN], uint8_t key[32],
                      struct hub_error *err)
{
    uint8_t salt[2 * HUB_SEAL_KEY_LEN];
    char digest[] = "SHA256";
    char info[] = HUB_SEAL_INFO;
    OSSL_PARAM params[5];
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    int rc = 0;

    memcpy(salt, eph, HUB_SEAL_KEY_LEN);
    memcpy(salt + HUB_SEAL_KEY_LEN, recipient, HUB_SEAL_KEY_LEN);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, HUB_SEAL_KEY_LEN);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt, sizeof salt);
    params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, strlen(info));
    params[4] = OSSL_PARAM_construct_end();
    if (!kctx || EVP_KDF_derive(kctx, key, 32, params) <= 0) {
        OPENSSL_cleanse(key, 32);
        rc = hub_error_set(err, HUB_ECRYPTO, "HKDF-SHA256 failed");
    }
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return rc;
}

/* Feeds the GCM AAD: the message's first 45 bytes, then the application AAD. */
static int gcm_aad(EVP_CIPHER_CTX *c, bool encrypt, const uint8_t *header, const uint8_t *aad,
                   size_t aad_len)
{
    int outl = 0;
    int (*update)(EVP_CIPHER_CTX *, unsigned char *, int *, const unsigned char *, int) =
        encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate;
    if (update(c, NULL, &outl, header, GCM_AAD_HEADER_LEN) <= 0)
        return -1;
    if (aad_len > 0 && update(c, NULL, &outl, aad, (int)aad_len) <= 0)
        return -1;
    return 0;
}

int hub_seal(const uint8_t recipient_pub[HUB_SEAL_KEY_LEN], const uint8_t *aad, size_t aad_len,
             const uint8_t *plain, size_t n, uint8_t **out, size_t *out_len, struct hub_error *err)
{
    uint8_t z[HUB_SEAL_KEY_LEN], key[32];
    EVP_PKEY *eph = NULL;
    EVP_CIPHER_CTX *c = NULL;
    uint8_t *buf = NULL;
    size_t eph_len = HUB_SEAL_KEY_LEN;
    int outl = 0, rc = 0;

    *out = NULL;
    *out_len = 0;
    if (n > HUB_SEAL_PLAIN_MAX)
        return hub_error_set(err, HUB_ERANGE, "seal: %zu bytes to seal, at most %d", n,
                             HUB_SEAL_PLAIN_MAX);
    if (aad_len > HUB_SEAL_AAD_MAX)
        return hub_error_set(err, HUB_ERANGE, "seal: AAD of %zu bytes, at most %d", aad_len,
                             HUB_SEAL_AAD_MAX);
    buf = malloc(HUB_SEAL_HEADER_LEN + n);
    if (!buf)
        return hub_error_set(err, HUB_ENOMEM, "seal: out of memory");
    buf[0] = HUB_SEAL_VERSION;

    eph = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    if (!eph || EVP_PKEY_get_raw_public_key(eph, buf + OFF_EPH, &eph_len) <= 0 ||
        eph_len != HUB_SEAL_KEY_LEN) {
        rc = hub_error_set(err, HUB_ECRYPTO, "seal: cannot make an ephemeral X25519 key");
        goto out;
    }
    if ((rc = derive_shared(eph, recipient_pub, z, "the recipient's key", err)) != 0) {
        hub_error_prefix(err, "seal: ");
        goto out;
    }
    rc = derive_key(z, buf + OFF_EPH, recipient_pub, key, err);
    OPENSSL_cleanse(z, sizeof z);
    if (rc)
        goto out;
    if (RAND_bytes(buf + OFF_IV, HUB_SEAL_IV_LEN) != 1) {
        rc = hub_error_set(err, HUB_ECRYPTO, "seal: the random generator failed");
        goto out;
    }
    c = EVP_CIPHER_CTX_new();
    if (!c || EVP_EncryptInit_ex2(c, EVP_aes_256_gcm(), key, buf + OFF_IV, NULL) <= 0 ||
        gcm_aad(c, true, buf, aad, aad_len) != 0 ||
        (n > 0 && EVP_EncryptUpdate(c, buf + HUB_SEAL_HEADER_LEN, &outl, plain, (int)n) <= 0) ||
        EVP_EncryptFinal_ex(c, buf + HUB_SEAL_HEADER_LEN + outl, &outl) <= 0 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, HUB_SEAL_TAG_LEN, buf + OFF_TAG) <= 0) {
        rc = hub_error_set(err, HUB_ECRYPTO, "seal: AES-256-GCM encryption failed");
        goto out;
    }
    *out = buf;
    *out_len = HUB_SEAL_HEADER_LEN + n;
    buf = NULL;
out:
    OPENSSL_cleanse(key, sizeof key);
    EVP_CIPHER_CTX_free(c);
    EVP_PKEY_free(eph);
    if (buf) {
        OPENSSL_cleanse(buf, HUB_SEAL_HEADER_LEN + n);
        free(buf);
    }
    return rc;
}

int hub_seal_public_key_of(EVP_PKEY *priv, uint8_t out[HUB_SEAL_KEY_LEN], struct hub_error *err)
{
    size_t len = HUB_SEAL_KEY_LEN;
    if (!priv || !EVP_PKEY_is_a(priv, "X25519"))
        return hub_error_set(err, HUB_ESEAL_KEY, "the private key is not an X25519 key");
    if (EVP_PKEY_get_raw_public_key(priv, out, &len) <= 0 || len != HUB_SEAL_KEY_LEN)
        return hub_error_set(err, HUB_ESEAL_KEY, "the X25519 key has no public part");
    return 0;
}

int hub_seal_open(EVP_PKEY *priv, const uint8_t *aad, size_t aad_len, const uint8_t *sealed,
                  size_t n, uint8_t **plain, size_t *plain_len, struct hub_error *err)
{
    uint8_t own_pub[HUB_SEAL_KEY_LEN], z[HUB_SEAL_KEY_LEN], key[32];
    uint8_t tag[HUB_SEAL_TAG_LEN];
    EVP_CIPHER_CTX *c = NULL;
    uint8_t *buf = NULL;
    size_t clen = 0;
    int outl = 0, rc = 0;

    *plain = NULL;
    *plain_len = 0;
    if (!sealed || n < HUB_SEAL_HEADER_LEN)
        return hub_error_set(err, HUB_ESEAL_TRUNCATED,
                             "sealed content: %zu bytes, shorter than the %d-byte header "
                             "(truncated)",
                             sealed ? n : 0, HUB_SEAL_HEADER_LEN);
    if (sealed[0] != HUB_SEAL_VERSION)
        return hub_error_set(err, HUB_ESEAL_VERSION,
                             "sealed content: format version %u is not known (this program "
                             "opens version %d)",
                             sealed[0], HUB_SEAL_VERSION);
    clen = n - HUB_SEAL_HEADER_LEN;
    if (clen > HUB_SEAL_PLAIN_MAX)
        return hub_error_set(err, HUB_ERANGE, "sealed content: %zu bytes, at most %d", n,
                             HUB_SEAL_HEADER_LEN + HUB_SEAL_PLAIN_MAX);
    if (aad_len > HUB_SEAL_AAD_MAX)
        return hub_error_set(err, HUB_ERANGE, "open: AAD of %zu bytes, at most %d", aad_len,
                             HUB_SEAL_AAD_MAX);
    if ((rc = hub_seal_public_key_of(priv, own_pub, err)) != 0) {
        hub_error_prefix(err, "open: ");
        return rc;
    }
    if ((rc = derive_shared(priv, sealed + OFF_EPH, z, "the ephemeral key in the header", err))) {
        hub_error_prefix(err, "sealed content: ");
        return rc;
    }
    rc = derive_key(z, sealed + OFF_EPH, own_pub, key, err);
    OPENSSL_cleanse(z, sizeof z);
    if (rc)
        goto out;
    buf = malloc(clen + 1);
    if (!buf) {
        rc = hub_error_set(err, HUB_ENOMEM, "open: out of memory");
        goto out;
    }
    memcpy(tag, sealed + OFF_TAG, sizeof tag);
    c = EVP_CIPHER_CTX_new();
    if (!c || EVP_DecryptInit_ex2(c, EVP_aes_256_gcm(), key, sealed + OFF_IV, NULL) <= 0 ||
        gcm_aad(c, false, sealed, aad, aad_len) != 0 ||
        (clen > 0 &&
         EVP_DecryptUpdate(c, buf, &outl, sealed + HUB_SEAL_HEADER_LEN, (int)clen) <= 0) ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, HUB_SEAL_TAG_LEN, tag) <= 0) {
        rc = hub_error_set(err, HUB_ECRYPTO, "open: AES-256-GCM decryption failed");
        goto out;
    }
    if (EVP_DecryptFinal_ex(c, buf + outl, &outl) <= 0) {
        rc = hub_error_set(err, HUB_ESEAL_AUTH,
                           "sealed content does not authenticate: sealed for another key, or "
                           "its bytes or the ids it belongs to (AAD) were changed");
        goto out;
    }
    buf[clen] = '\0';
    *plain = buf;
    *plain_len = clen;
    buf = NULL;
out:
    OPENSSL_cleanse(key, sizeof key);
    EVP_CIPHER_CTX_free(c);
    if (buf) {
        OPENSSL_cleanse(buf, clen + 1);
        free(buf);
    }
    return rc;
}

int hub_seal_open_raw(const uint8_t priv[HUB_SEAL_KEY_LEN], const uint8_t *aad, size_t aad_len,
                      const uint8_t *sealed, size_t n, uint8_t **plain, size_t *plain_len,
                      struct hub_error *err)
{
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, HUB_SEAL_KEY_LEN);
    int rc;
    if (!k) {
        *plain = NULL;
        *plain_len = 0;
        return hub_error_set(err, HUB_ESEAL_KEY, "open: not an X25519 private key");
    }
    rc = hub_seal_open(k, aad, aad_len, sealed, n, plain, plain_len, err);
    EVP_PKEY_free(k); /* OpenSSL wipes the key material it held */
    return rc;
}

int hub_seal_handover_aad(const char *handover_id, const char *placement_id,
                          const char *school_unit, char out[HUB_SEAL_HANDOVER_AAD_LEN],
                          struct hub_error *err)
{
    const char *ids[2] = {handover_id, placement_id};
    const char *names[2] = {"handover_id", "placement_id"};
    size_t pos = 0;
    int rc;

    out[0] = '\0';
    for (int i = 0; i < 2; i++) {
        if (!ids[i] || (rc = hub_uuid_check(ids[i], err)) != 0) {
            if (!ids[i])
                return hub_error_set(err, HUB_EUUID, "%s: missing", names[i]);
            hub_error_prefix(err, "%s: ", names[i]);
            return rc;
        }
        for (size_t k = 0; k < HUB_UUID_STR_LEN - 1; k++) {
            char ch = ids[i][k];
            out[pos++] = (char)((ch >= 'A' && ch <= 'F') ? ch - 'A' + 'a' : ch);
        }
        out[pos++] = '|';
    }
    if (!school_unit)
        return hub_error_set(err, HUB_ESCHOOL_UNIT, "school unit: missing");
    if ((rc = hub_school_unit_check(school_unit, err)) != 0) {
        out[0] = '\0';
        hub_error_prefix(err, "school unit: ");
        return rc;
    }
    memcpy(out + pos, school_unit, 8);
    out[pos + 8] = '\0';
    return 0;
}

int hub_seal_open_handover(EVP_PKEY *priv, const char *handover_id, const char *placement_id,
                           const char *school_unit, const uint8_t *sealed, size_t n,
                           char **content_json, size_t *len, struct hub_error *err)
{
    char aad[HUB_SEAL_HANDOVER_AAD_LEN];
    uint8_t *plain = NULL;
    int rc;

    *content_json = NULL;
    *len = 0;
    if ((rc = hub_seal_handover_aad(handover_id, placement_id, school_unit, aad, err)) != 0)
        return rc;
    rc = hub_seal_open(priv, (const uint8_t *)aad, strlen(aad), sealed, n, &plain, len, err);
    if (rc == 0)
        *content_json = (char *)plain;
    return rc;
}

int hub_seal_private_key_load(const char *path, EVP_PKEY **out, struct hub_error *err)
{
    uint8_t *pem = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    EVP_PKEY *k = NULL;
    int rc;

    *out = NULL;
    if ((rc = hub_secret_file_read(path, &pem, &len, err)) != 0)
        return rc;
    if (len > INT_MAX || !(bio = BIO_new_mem_buf(pem, (int)len))) {
        rc = hub_error_set(err, HUB_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    if (!k) {
        rc = hub_error_set(err, HUB_ESEAL_KEY,
                           "%s: not an unencrypted PEM private key (expected PKCS#8, "
                           "\"BEGIN PRIVATE KEY\")",
                           path);
        goto out;
    }
    if (!EVP_PKEY_is_a(k, "X25519")) {
        rc = hub_error_set(err, HUB_ESEAL_KEY, "%s: a %s key, not X25519", path,
                           EVP_PKEY_get0_type_name(k) ? EVP_PKEY_get0_type_name(k) : "different");
        EVP_PKEY_free(k);
        k = NULL;
        goto out;
    }
    *out = k;
out:
    BIO_free(bio);
    hub_secret_free(pem, len);
    return rc;
}

void hub_seal_public_key_format(const uint8_t pub[HUB_SEAL_KEY_LEN], char out[HUB_SEAL_PUB_B64_LEN])
{
    EVP_EncodeBlock((unsigned char *)out, pub, HUB_SEAL_KEY_LEN);
    out[HUB_SEAL_PUB_B64_LEN - 1] = '\0';
}

static int b64_value(char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

int hub_seal_public_key_parse(const char *b64, uint8_t out[HUB_SEAL_KEY_LEN], struct hub_error *err)
{
    uint8_t tmp[HUB_SEAL_KEY_LEN + 1], z[HUB_SEAL_KEY_LEN];
    size_t n = b64 ? strlen(b64) : 0;
    EVP_PKEY *probe = NULL;
    int rc;

    if (n != HUB_SEAL_PUB_B64_LEN - 1)
        return hub_error_set(err, HUB_ESEAL_KEY,
                             "%zu characters; a public key is base64 of 32 bytes: 44 characters "
                             "ending in '='",
                             n);
    for (size_t i = 0; i < n - 1; i++)
        if (b64_value(b64[i]) < 0)
            return hub_error_set(err, HUB_ESEAL_KEY,
                                 "character %zu is not in the base64 alphabet (A-Z a-z 0-9 + /)",
                                 i + 1);
    if (b64[n - 1] != '=')
        return hub_error_set(err, HUB_ESEAL_KEY, "does not end in '=' (base64 of 32 bytes)");
    if (b64_value(b64[n - 2]) & 0x3)
        return hub_error_set(err, HUB_ESEAL_KEY, "not canonical base64 (last character)");
    if (EVP_DecodeBlock(tmp, (const unsigned char *)b64, (int)n) != HUB_SEAL_KEY_LEN + 1)
        return hub_error_set(err, HUB_ESEAL_KEY, "not base64");
    /* The school derives its own public key, always canonical (below 2^255 - 19, top bit
     * clear), and HKDF's salt holds the key's bytes: another spelling of the same point would
     * make content the school cannot open. */
    bool above_p = tmp[31] == 0x7f && tmp[0] >= 0xed;
    for (int i = 1; i < 31 && above_p; i++)
        above_p = tmp[i] == 0xff;
    if ((tmp[31] & 0x80) || above_p)
        return hub_error_set(err, HUB_ESEAL_KEY,
                             "not a canonical X25519 public key (the u-coordinate is not reduced)");
    /* A trial key agreement refuses low-order points, which would make every seal fail. */
    probe = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    if (!probe)
        return hub_error_set(err, HUB_ECRYPTO, "cannot make an X25519 key");
    rc = derive_shared(probe, tmp, z, "the key", err);
    OPENSSL_cleanse(z, sizeof z);
    EVP_PKEY_free(probe);
    if (rc)
        return rc;
    memcpy(out, tmp, HUB_SEAL_KEY_LEN);
    return 0;
}

int hub_seal_base64_decode(const char *text, size_t len, uint8_t **out, size_t *out_len,
                           struct hub_error *err)
{
    /* the strict decoder (hub/crypto/webhook.h) once the line breaks and other whitespace are
     * gone: OpenSSL's EVP_DecodeUpdate would stop quietly at a '-' and take what came before */
    char *packed = malloc(len + 1);
    uint8_t *buf = malloc(len / 4 * 3 + 3);
    size_t n = 0, got = 0;
    int rc = 0;

    *out = NULL;
    *out_len = 0;
    if (!packed || !buf) {
        rc = hub_error_set(err, HUB_ENOMEM, "base64: out of memory");
        goto out;
    }
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
            packed[n++] = text[i];
    if (n == 0 || hub_base64_decode(packed, n, buf, len / 4 * 3 + 3, &got) != 0) {
        rc = hub_error_set(err, HUB_EINVAL,
                           n == 0 ? "not base64 (empty)"
                                  : "not base64 (standard alphabet, padded, whitespace only "
                                    "between characters)");
        goto out;
    }
    *out = buf;
    *out_len = got;
    buf = NULL;
out:
    free(packed);
    free(buf);
    return rc;
}

/* Writes all of buf to fd. */
static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int hub_seal_keygen_files(const char *priv_path, const char *pub_path,
                          char pub_b64[HUB_SEAL_PUB_B64_LEN], struct hub_error *err)
{
    EVP_PKEY *k = NULL;
    BIO *bio = NULL;
    uint8_t pub[HUB_SEAL_KEY_LEN];
    char line[HUB_SEAL_PUB_B64_LEN + 1];
    char *pem = NULL;
    long pem_len;
    int fd = -1, pfd = -1, rc = 0;
    bool priv_created = false, pub_created = false;

    pub_b64[0] = '\0';
    if (!priv_path || !*priv_path || !pub_path || !*pub_path)
        return hub_error_set(err, HUB_EINVAL, "keygen: both output files must be named");
    k = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    if (!k || (rc = hub_seal_public_key_of(k, pub, err)) != 0) {
        rc = hub_error_set(err, HUB_ECRYPTO, "keygen: cannot make an X25519 key");
        goto out;
    }
    /* BIO_s_secmem: OpenSSL wipes the PEM text when the BIO is freed. */
    bio = BIO_new(BIO_s_secmem());
    if (!bio || PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) != 1 ||
        (pem_len = BIO_get_mem_data(bio, &pem)) <= 0) {
        rc = hub_error_set(err, HUB_ECRYPTO, "keygen: cannot write the key as PEM");
        goto out;
    }
    fd = open(priv_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        rc = hub_error_set(err, HUB_EIO, "%s: cannot create: %s%s", priv_path, strerror(errno),
                           errno == EEXIST ? " (a private key is never overwritten)" : "");
        goto out;
    }
    priv_created = true;
    /* The umask can only remove bits; make the mode exactly 0600 whatever it is. */
    if (fchmod(fd, 0600) != 0 || write_all(fd, pem, (size_t)pem_len) != 0 || fsync(fd) != 0) {
        rc = hub_error_set(err, HUB_EIO, "%s: cannot write: %s", priv_path, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = hub_error_set(err, HUB_EIO, "%s: cannot write: %s", priv_path, strerror(errno));
        goto out;
    }
    fd = -1;
    hub_seal_public_key_format(pub, pub_b64);
    snprintf(line, sizeof line, "%s\n", pub_b64);
    pfd = open(pub_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (pfd < 0) {
        rc = hub_error_set(err, HUB_EIO, "%s: cannot create: %s", pub_path, strerror(errno));
        goto out;
    }
    pub_created = true;
    if (write_all(pfd, line, strlen(line)) != 0 || close(pfd) != 0) {
        pfd = -1;
        rc = hub_error_set(err, HUB_EIO, "%s: cannot write: %s", pub_path, strerror(errno));
        goto out;
    }
    pfd = -1;
out:
    if (fd >= 0)
        close(fd);
    if (pfd >= 0)
        close(pfd);
    if (rc) {
        if (priv_created)
            unlink(priv_path);
        if (pub_created)
            unlink(pub_path);
        pub_b64[0] = '\0';
    }
    BIO_free(bio);
    EVP_PKEY_free(k);
    return rc;
}
