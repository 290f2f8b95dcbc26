/*
 * pseudonym.h — the child's pseudonym: lowercase hex of HMAC-SHA256(key, 12-digit personnummer).
 *
 * Districts compute it before anything leaves them; the hub only ever sees the pseudonym. The
 * same key everywhere makes the same child the same pseudonym across districts and events; the
 * key is a secret (a file only its owner can read, at least HUB_PSEUDONYM_MIN_KEY bytes).
 */
#ifndef HUB_PSEUDONYM_H
#define HUB_PSEUDONYM_H

#include <stddef.h>
#include <stdint.h>

#include "hub/core/err.h"
#include "hub/domain/pnr.h"

#define HUB_PSEUDONYM_MIN_KEY 32 /* bytes */
#define HUB_PSEUDONYM_HEX_LEN 65 /* 64 hex characters and NUL */

/* Holds the key and a keyed HMAC context. Not thread-safe: use one handle per thread. */
typedef struct hub_pseudonym hub_pseudonym_t;

/*
 * Reads the key as raw bytes from `key_file` (nothing trimmed) and returns a new handle in
 * `*out`, owned by the caller (hub_pseudonym_destroy). Returns 0; HUB_ESECURITY if group or
 * others have access to the file (message names the file and its mode); HUB_ECONFIG_VALUE for
 * an empty file, a key shorter than HUB_PSEUDONYM_MIN_KEY or one too weak for
 * hub_secret_check_strength (hub/crypto/secret.h: a repeated pattern, too little entropy); HUB_EIO;
 * HUB_ENOMEM; HUB_ECRYPTO.
 */
HUB_MUST_CHECK int hub_pseudonym_load_key(const char *key_file, hub_pseudonym_t **out,
                                          struct hub_error *err);

/*
 * As hub_pseudonym_load_key, from `len` bytes at `key` (copied; the caller keeps its buffer).
 * Returns 0, HUB_ECONFIG_VALUE (shorter than HUB_PSEUDONYM_MIN_KEY, or too weak), HUB_ENOMEM or
 * HUB_ECRYPTO.
 */
HUB_MUST_CHECK int hub_pseudonym_new_from_bytes(const uint8_t *key, size_t len,
                                                hub_pseudonym_t **out, struct hub_error *err);

/*
 * Writes the pseudonym of `pnr` (HMAC over its 12 ASCII digits `norm`) as 64 lowercase hex
 * characters and a NUL into `out_hex`. Returns 0, HUB_EINVAL if `pnr->norm` is not 12 digits,
 * or HUB_ECRYPTO (then `out_hex` is "").
 */
HUB_MUST_CHECK int hub_pseudonym_of(hub_pseudonym_t *p, const struct hub_pnr *pnr,
                                    char out_hex[HUB_PSEUDONYM_HEX_LEN]);

/* Cleanses the key (OPENSSL_cleanse) and frees the handle. Accepts NULL. */
void hub_pseudonym_destroy(hub_pseudonym_t *p);

#endif
