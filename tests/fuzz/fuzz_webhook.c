/*
 * fuzz_webhook.c — libFuzzer target for what schools send the notifier: webhook signature headers
 * (hub_webhook_verify), base64 (hub_base64_decode), Retry-After (hub_notify_retry_after_parse)
 * and the receipt body (hub_receipt_parse).
 *
 * The input is up to five fields separated by NUL bytes: webhook-id, webhook-timestamp,
 * webhook-signature, Retry-After, body. Properties, beyond "no crash, no read past the input,
 * no leak": verification of arbitrary headers fails unless they are a real signature; a
 * signature we make over the same body verifies; base64 decoding is strict, so whatever decodes
 * re-encodes to the very same text; a Retry-After that parses gives a delay >= 0.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/notify/notify_policy.h"
#include "hub/notify/notify_receipts.h"
#include "hub/crypto/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1767225600

static const uint8_t key[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

/* Copies field `i` (NUL-separated) into a new NUL-terminated string; NULL when absent. */
static char *field(const uint8_t *data, size_t size, int i, size_t *len)
{
    size_t start = 0;
    for (int k = 0; k < i; k++) {
        const uint8_t *z = memchr(data + start, 0, size - start);
        if (!z)
            return NULL;
        start = (size_t)(z - data) + 1;
    }
    if (start > size)
        return NULL;
    const uint8_t *z = i < 4 ? memchr(data + start, 0, size - start) : NULL;
    size_t n = z ? (size_t)(z - data) - start : size - start;
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, data + start, n);
    s[n] = '\0';
    *len = n;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t ilen = 0, tlen = 0, slen = 0, rlen = 0, blen = 0;
    char *id = field(data, size, 0, &ilen);
    char *ts = field(data, size, 1, &tlen);
    char *sig = field(data, size, 2, &slen);
    char *ra = field(data, size, 3, &rlen);
    char *body = field(data, size, 4, &blen);
    const char *b = body ? body : "";
    struct hub_error err;

    int rc = hub_webhook_verify(key, sizeof key, id, ts, sig, b, blen, NOW, 300, &err);
    if (rc != 0 && rc != HUB_ESIGNATURE && rc != HUB_ENOMEM)
        abort();

    /* our own signature over the fuzzed id and body verifies (when the id is usable) */
    char mine[HUB_WEBHOOK_SIG_LEN];
    if (id && hub_webhook_sign(key, sizeof key, id, NOW, b, blen, mine, &err) == 0) {
        if (hub_webhook_verify(key, sizeof key, id, "1767225600", mine, b, blen, NOW, 300, &err))
            abort();
        /* and a signature for another body does not */
        if (blen > 0 && hub_webhook_verify(key, sizeof key, id, "1767225600", mine, b, blen - 1,
                                           NOW, 300, &err) == 0)
            abort();
    }

    /* strict base64: what decodes re-encodes to itself */
    if (sig) {
        size_t cap = slen / 4 * 3 + 3, n = 0;
        uint8_t *out = malloc(cap);
        if (!out)
            abort();
        if (hub_base64_decode(sig, slen, out, cap, &n) == 0 && n > 0) {
            char *again = malloc(hub_base64_encoded_len(n) + 1);
            if (!again)
                abort();
            if (hub_base64_encode(out, n, again, hub_base64_encoded_len(n) + 1) != slen ||
                memcmp(again, sig, slen) != 0)
                abort();
            free(again);
        }
        free(out);
    }

    int64_t delay = -1;
    if (ra && hub_notify_retry_after_parse(ra, NOW, &delay) == 0 && delay < 0)
        abort();

    char hid[HUB_UUID_STR], unit[HUB_SCHOOL_UNIT_STR];
    const char *why = NULL;
    if (hub_receipt_parse(b, blen, hid, unit, &why) == 0) {
        if (strlen(hid) != 36 || strlen(unit) != 8)
            abort();
    } else if (!why) {
        abort();
    }
    free(id);
    free(ts);
    free(sig);
    free(ra);
    free(body);
    return 0;
}
