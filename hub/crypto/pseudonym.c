/*
 * pseudonym.c — keyed pseudonyms of personnummer.
 *
 * The handle keeps one EVP_MAC_CTX keyed once; each pseudonym re-initialises it with a NULL key,
 * which makes OpenSSL reuse the keyed inner/outer state instead of fetching the algorithm and
 * processing the key again. The handle also keeps a copy of the key (cleansed on destroy) to
 * re-key the context if a provider refuses the NULL-key re-initialisation.
 */
#include "hub/crypto/pseudonym.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "hub/crypto/hmac.h"
#include "hub/crypto/secret.h"

struct hub_pseudonym {
    uint8_t *key;
    size_t key_len;
    EVP_MAC *mac;
    EVP_MAC_CTX *ctx;
};

void hub_pseudonym_destroy(hub_pseudonym_t *p)
{
    if (!p)
        return;
    EVP_MAC_CTX_free(p->ctx);
    EVP_MAC_free(p->mac);
    hub_secret_free(p->key, p->key_len);
    free(p);
}

/*
 * Readies the context for a new message. A NULL key re-initialises it with the key it already
 * holds; should a provider not support that, the kept copy of the key is set again.
 */
static int rekey(hub_pseudonym_t *p)
{
    char digest[] = "SHA256";
    OSSL_PARAM params[2];

    if (EVP_MAC_init(p->ctx, NULL, 0, NULL) == 1)
        return 0;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    return EVP_MAC_init(p->ctx, p->key, p->key_len, params) == 1 ? 0 : HUB_ECRYPTO;
}

int hub_pseudonym_new_from_bytes(const uint8_t *key, size_t len, hub_pseudonym_t **out,
                                 struct hub_error *err)
{
    char digest[] = "SHA256";
    OSSL_PARAM params[2];
    hub_pseudonym_t *p = NULL;
    int rc = 0;

    if (!out)
        return hub_error_set(err, HUB_EINVAL, "pseudonym key: no output given");
    *out = NULL;
    if (!key || len < HUB_PSEUDONYM_MIN_KEY)
        return hub_error_set(err, HUB_ECONFIG_VALUE,
                             "pseudonym key: %zu bytes is too short; at least %d are needed",
                             key ? len : 0, HUB_PSEUDONYM_MIN_KEY);
    if ((rc = hub_secret_check_strength(key, len, err)) != 0) {
        hub_error_prefix(err, "pseudonym key: ");
        return rc;
    }

    p = calloc(1, sizeof *p);
    if (!p)
        return hub_error_set(err, HUB_ENOMEM, "pseudonym key: out of memory");
    p->key = malloc(len);
    if (!p->key) {
        rc = hub_error_set(err, HUB_ENOMEM, "pseudonym key: out of memory");
        goto out;
    }
    memcpy(p->key, key, len);
    p->key_len = len;

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    p->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (p->mac)
        p->ctx = EVP_MAC_CTX_new(p->mac);
    if (!p->ctx || EVP_MAC_init(p->ctx, p->key, p->key_len, params) != 1) {
        rc = hub_error_set(err, HUB_ECRYPTO, "pseudonym key: OpenSSL cannot set up HMAC-SHA256");
        goto out;
    }
    *out = p;
    p = NULL;

out:
    hub_pseudonym_destroy(p);
    return rc;
}

int hub_pseudonym_load_key(const char *key_file, hub_pseudonym_t **out, struct hub_error *err)
{
    uint8_t *key = NULL;
    size_t len = 0;
    int rc;

    if (!out)
        return hub_error_set(err, HUB_EINVAL, "pseudonym key: no output given");
    *out = NULL;
    rc = hub_secret_file_read(key_file, &key, &len, err);
    if (rc != 0) {
        hub_error_prefix(err, "pseudonym key ");
        return rc;
    }
    if (len < HUB_PSEUDONYM_MIN_KEY) {
        rc = hub_error_set(err, HUB_ECONFIG_VALUE,
                           "pseudonym key %s: %zu bytes is too short; at least %d are needed",
                           key_file, len, HUB_PSEUDONYM_MIN_KEY);
        goto out;
    }
    if ((rc = hub_secret_check_strength(key, len, err)) != 0) {
        hub_error_prefix(err, "pseudonym key %s: ", key_file);
        goto out;
    }
    rc = hub_pseudonym_new_from_bytes(key, len, out, err);

out:
    hub_secret_free(key, len);
    return rc;
}

int hub_pseudonym_of(hub_pseudonym_t *p, const struct hub_pnr *pnr,
                     char out_hex[HUB_PSEUDONYM_HEX_LEN])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t mac[HUB_HMAC_SHA256_LEN];
    size_t maclen = 0;

    out_hex[0] = '\0';
    if (!p || !pnr || strnlen(pnr->norm, sizeof pnr->norm) != 12)
        return HUB_EINVAL;
    for (size_t i = 0; i < 12; i++) {
        if (pnr->norm[i] < '0' || pnr->norm[i] > '9')
            return HUB_EINVAL;
    }
    if (rekey(p) != 0 || EVP_MAC_update(p->ctx, (const unsigned char *)pnr->norm, 12) != 1 ||
        EVP_MAC_final(p->ctx, mac, &maclen, sizeof mac) != 1 || maclen != sizeof mac) {
        OPENSSL_cleanse(mac, sizeof mac);
        return HUB_ECRYPTO;
    }
    for (size_t i = 0; i < sizeof mac; i++) {
        out_hex[2 * i] = hex[mac[i] >> 4];
        out_hex[2 * i + 1] = hex[mac[i] & 0x0f];
    }
    out_hex[2 * HUB_HMAC_SHA256_LEN] = '\0';
    OPENSSL_cleanse(mac, sizeof mac);
    return 0;
}
