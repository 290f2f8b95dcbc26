/* hmac.h — one-shot HMAC-SHA256 (RFC 2104 / RFC 4231) through OpenSSL 3 EVP_MAC. */
#ifndef HUB_HMAC_H
#define HUB_HMAC_H

#include <stddef.h>
#include <stdint.h>

#include "hub/core/err.h"

#define HUB_HMAC_SHA256_LEN 32

/*
 * Computes HMAC-SHA256 of `msg` (`mlen` bytes) under `key` (`klen` bytes; may be empty) into
 * `out`. Returns 0, or HUB_ECRYPTO if OpenSSL fails (then `out` is zeroed).
 */
HUB_MUST_CHECK int hub_hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
                                   uint8_t out[HUB_HMAC_SHA256_LEN]);

#endif
