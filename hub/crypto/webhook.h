/*
 * webhook.h — Standard Webhooks (standardwebhooks.com, spec 1.0.0) symmetric signatures, and
 * strict base64.
 *
 * A signed request carries three headers:
 *     webhook-id:        a stable id of the message, the same on every retry (no '.')
 *     webhook-timestamp: integer unix seconds of this attempt
 *     webhook-signature: space-delimited list of "v1,<base64(HMAC-SHA256(key, id.ts.body))>"
 * The key is the raw secret bytes (the spec's "whsec_<base64>" is only how a secret is shown to a
 * person; our secret files hold the decoded bytes). Verification accepts any "v1," entry that
 * matches (secret rotation), compares in constant time (CRYPTO_memcmp), and refuses a timestamp
 * further than a tolerance from the clock in either direction (replays).
 */
#ifndef HUB_WEBHOOK_H
#define HUB_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "hub/core/err.h"

/* "v1," + 44 base64 characters + NUL. */
#define HUB_WEBHOOK_SIG_LEN 48
/* Longest webhook-id accepted or produced. */
#define HUB_WEBHOOK_ID_MAX 128
/* Default tolerance of webhook-timestamp against the clock, in seconds (spec: 5 minutes). */
#define HUB_WEBHOOK_TOLERANCE_S 300

/* Computes the "v1,<base64>" signature of `body` (`blen` bytes) sent with `id` at unix second
 * `ts` under the key `secret` (`slen` bytes, at least 1). Returns 0, HUB_EINVAL (empty or too long
 * id, id with '.', negative ts, empty secret), HUB_ENOMEM or HUB_ECRYPTO. */
int hub_webhook_sign(const uint8_t *secret, size_t slen, const char *id, int64_t ts,
                     const void *body, size_t blen, char sig[HUB_WEBHOOK_SIG_LEN],
                     struct hub_error *err) HUB_MUST_CHECK;

/* Verifies a received request: `id`, `ts` and `sig_header` are the header values as received
 * (NULL when absent), `body` the raw body. Returns 0 when some "v1," entry matches and `ts` lies
 * within `tolerance_s` of `now_s`; HUB_ESIGNATURE for a missing or malformed header, a stale or
 * future timestamp, or no matching signature (the message says which, never the secret);
 * HUB_ENOMEM or HUB_ECRYPTO. Entries of other schemes (v1a, ...) are skipped. */
int hub_webhook_verify(const uint8_t *secret, size_t slen, const char *id, const char *ts,
                       const char *sig_header, const void *body, size_t blen, int64_t now_s,
                       int64_t tolerance_s, struct hub_error *err) HUB_MUST_CHECK;

/* Length of the base64 text (with '=' padding, no NUL) of `n` bytes. */
size_t hub_base64_encoded_len(size_t n);

/* Writes the standard base64 (RFC 4648 §4, padded, no line breaks) of in[0..n) and a NUL into
 * `out` of `cap` bytes. Returns the text length, or 0 with out = "" when cap is too small (and
 * for n == 0). */
size_t hub_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap);

/* Decodes standard, padded base64 text s[0..len) into `out` of `cap` bytes, strictly: length a
 * multiple of 4, padding only at the end, unused bits zero, no whitespace. Stores the byte count
 * in *n. Returns 0, HUB_EINVAL (not canonical base64) or HUB_ERANGE (cap too small). */
int hub_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap,
                      size_t *n) HUB_MUST_CHECK;

#endif
