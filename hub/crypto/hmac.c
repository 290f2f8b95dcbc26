/* hmac.c — one-shot HMAC-SHA256 with OpenSSL 3's EVP_MAC API. */
#include "hub/crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

int hub_hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
                    uint8_t out[HUB_HMAC_SHA256_LEN])
{
    static const uint8_t empty[1] = {0};
    char digest[] = "SHA256";
    OSSL_PARAM params[2];
    EVP_MAC *mac = NULL;
    EVP_MAC_CTX *ctx = NULL;
    size_t outlen = 0;
    int rc = HUB_ECRYPTO;

    if (!key || klen == 0) {
        key = empty; /* OpenSSL wants a non-NULL key even when it is empty */
        klen = 0;
    }
    if (!msg)
        msg = empty;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();

    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!mac)
        goto out;
    ctx = EVP_MAC_CTX_new(mac);
    if (!ctx)
        goto out;
    if (EVP_MAC_init(ctx, key, klen, params) != 1 || EVP_MAC_update(ctx, msg, mlen) != 1 ||
        EVP_MAC_final(ctx, out, &outlen, HUB_HMAC_SHA256_LEN) != 1 || outlen != HUB_HMAC_SHA256_LEN)
        goto out;
    rc = 0;

out:
    if (rc != 0)
        OPENSSL_cleanse(out, HUB_HMAC_SHA256_LEN);
    EVP_MAC_CTX_free(ctx); /* cleanses the keyed state */
    EVP_MAC_free(mac);
    return rc;
}
