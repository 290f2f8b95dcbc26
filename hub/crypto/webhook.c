/*
 * webhook.c — Standard Webhooks signatures and strict base64 (see webhook.h).
 */
#include "hub/crypto/webhook.h"
#include "hub/crypto/hmac.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t hub_base64_encoded_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

size_t hub_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t need = hub_base64_encoded_len(n);
    size_t j = 0;

    if (cap == 0)
        return 0;
    if (n == 0 || need + 1 > cap || need < n) {
        out[0] = '\0';
        return 0;
    }
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[j++] = b64_alphabet[(v >> 18) & 63];
        out[j++] = b64_alphabet[(v >> 12) & 63];
        out[j++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
        out[j++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
    }
    out[j] = '\0';
    return j;
}

/* Value of a base64 character, or -1. */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int hub_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *n)
{
    size_t j = 0;

    *n = 0;
    if (len % 4 != 0)
        return HUB_EINVAL;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        bool last = i + 4 == len;
        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)s[i + (size_t)k];
            if (c == '=' && last && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad) /* data after '=' */
                return HUB_EINVAL;
            v[k] = b64_value(c);
            if (v[k] < 0)
                return HUB_EINVAL;
        }
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        size_t produce = 3 - (size_t)pad;
        /* canonical: the bits the padding leaves unused must be zero */
        if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
            return HUB_EINVAL;
        if (j + produce > cap)
            return HUB_ERANGE;
        out[j++] = (uint8_t)(w >> 16);
        if (produce > 1)
            out[j++] = (uint8_t)(w >> 8);
        if (produce > 2)
            out[j++] = (uint8_t)w;
    }
    *n = j;
    return 0;
}

/* The MAC of "{id}.{ts}.{body}" under the secret. */
static int compute_mac(const uint8_t *secret, size_t slen, const char *id, const char *ts,
                       const void *body, size_t blen, uint8_t mac[HUB_HMAC_SHA256_LEN],
                       struct hub_error *err)
{
    size_t idlen = strlen(id), tslen = strlen(ts);
    size_t total = idlen + 1 + tslen + 1 + blen;
    uint8_t *msg = malloc(total ? total : 1);
    if (!msg)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    memcpy(msg, id, idlen);
    msg[idlen] = '.';
    memcpy(msg + idlen + 1, ts, tslen);
    msg[idlen + 1 + tslen] = '.';
    if (blen)
        memcpy(msg + idlen + tslen + 2, body, blen);
    int rc = hub_hmac_sha256(secret, slen, msg, total, mac);
    free(msg);
    if (rc)
        return hub_error_set(err, HUB_ECRYPTO, "webhook signature: HMAC-SHA256 failed");
    return 0;
}

static int check_id(const char *id, struct hub_error *err)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0)
        return hub_error_set(err, HUB_EINVAL, "webhook-id is empty");
    if (n > HUB_WEBHOOK_ID_MAX)
        return hub_error_set(err, HUB_EINVAL, "webhook-id is longer than %d characters",
                             HUB_WEBHOOK_ID_MAX);
    for (size_t i = 0; i < n; i++)
        if (id[i] == '.' || (unsigned char)id[i] < 0x21 || (unsigned char)id[i] > 0x7e)
            return hub_error_set(err, HUB_EINVAL,
                                 "webhook-id holds a '.', a space or a non-ASCII character");
    return 0;
}

int hub_webhook_sign(const uint8_t *secret, size_t slen, const char *id, int64_t ts,
                     const void *body, size_t blen, char sig[HUB_WEBHOOK_SIG_LEN],
                     struct hub_error *err)
{
    uint8_t mac[HUB_HMAC_SHA256_LEN];
    char tsbuf[24];
    int rc;

    sig[0] = '\0';
    if ((rc = check_id(id, err)) != 0)
        return rc;
    if (ts < 0)
        return hub_error_set(err, HUB_EINVAL, "webhook-timestamp is negative");
    if (!secret || slen == 0)
        return hub_error_set(err, HUB_EINVAL, "webhook signing secret is empty");
    snprintf(tsbuf, sizeof tsbuf, "%" PRId64, ts);
    if ((rc = compute_mac(secret, slen, id, tsbuf, body, blen, mac, err)) != 0)
        return rc;
    memcpy(sig, "v1,", 3);
    hub_base64_encode(mac, sizeof mac, sig + 3, HUB_WEBHOOK_SIG_LEN - 3);
    OPENSSL_cleanse(mac, sizeof mac);
    return 0;
}

/* Parses webhook-timestamp: 1 to 19 ASCII digits. */
static int parse_ts(const char *ts, int64_t *out)
{
    int64_t v = 0;
    size_t n = strlen(ts);
    if (n == 0 || n > 18)
        return HUB_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (ts[i] < '0' || ts[i] > '9')
            return HUB_EINVAL;
        v = v * 10 + (ts[i] - '0');
    }
    *out = v;
    return 0;
}

int hub_webhook_verify(const uint8_t *secret, size_t slen, const char *id, const char *ts,
                       const char *sig_header, const void *body, size_t blen, int64_t now_s,
                       int64_t tolerance_s, struct hub_error *err)
{
    uint8_t mac[HUB_HMAC_SHA256_LEN];
    int64_t t = 0;
    bool matched = false, any_v1 = false;
    int rc;

    if (!id || !ts || !sig_header)
        return hub_error_set(err, HUB_ESIGNATURE, "missing header %s",
                             !id   ? "webhook-id"
                             : !ts ? "webhook-timestamp"
                                   : "webhook-signature");
    if (check_id(id, err) != 0)
        return hub_error_set(err, HUB_ESIGNATURE, "malformed webhook-id");
    if (parse_ts(ts, &t) != 0)
        return hub_error_set(err, HUB_ESIGNATURE, "webhook-timestamp is not unix seconds");
    if (t < now_s - tolerance_s || t > now_s + tolerance_s)
        return hub_error_set(err, HUB_ESIGNATURE,
                             "webhook-timestamp is %" PRId64 " s from the clock (tolerance %" PRId64
                             " s)",
                             t - now_s, tolerance_s);
    if (!secret || slen == 0)
        return hub_error_set(err, HUB_ESIGNATURE, "no signing secret");
    if ((rc = compute_mac(secret, slen, id, ts, body, blen, mac, err)) != 0)
        return rc;
    const char *p = sig_header;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        size_t n = (size_t)(end - p);
        if (n > 3 && memcmp(p, "v1,", 3) == 0) {
            uint8_t got[HUB_HMAC_SHA256_LEN + 3];
            size_t glen = 0;
            any_v1 = true;
            if (hub_base64_decode(p + 3, n - 3, got, sizeof got, &glen) == 0 &&
                glen == HUB_HMAC_SHA256_LEN && CRYPTO_memcmp(got, mac, HUB_HMAC_SHA256_LEN) == 0)
                matched = true; /* keep scanning: constant work per entry */
        }
        p = end;
    }
    OPENSSL_cleanse(mac, sizeof mac);
    if (matched)
        return 0;
    return hub_error_set(err, HUB_ESIGNATURE, "%s",
                         any_v1 ? "no v1 signature matches" : "no v1 signature in the header");
}
