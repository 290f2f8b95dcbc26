/*
 * seal.h — sealing a handover's content for one receiving school, and opening it there.
 *
 * The district's publisher seals; the hub and Kafka carry only the sealed bytes; the school opens
 * them with its X25519 private key. Only the school can open them: no key of the hub is involved.
 * The format below is the whole contract, so that a school system can implement it in any
 * language with X25519, HKDF-SHA256 and AES-256-GCM (or link this module).
 *
 * Sealed format, version 1 (all lengths in bytes, no padding, nothing else before or after):
 *
 *     offset  length  field
 *          0       1  version = 0x01
 *          1      32  E: the sender's ephemeral X25519 public key (raw, RFC 7748)
 *         33      12  IV: the AES-256-GCM nonce, random per message
 *         45      16  T: the AES-256-GCM authentication tag
 *         61       n  C: the ciphertext, exactly as long as the plaintext
 *
 * To seal plaintext P for a school with X25519 public key R (32 bytes), with application AAD A:
 *     1. make a fresh X25519 key pair (e, E);
 *     2. Z = X25519(e, R)                  (refuse an all-zero Z: R is a low-order point)
 *     3. K = HKDF-SHA256(IKM = Z, salt = E ‖ R, info = "sams-hub seal v1", L = 32)   (RFC 5869)
 *     4. IV = 12 random bytes
 *     5. C, T = AES-256-GCM-Encrypt(K, IV, P, aad = bytes 0..44 of the message ‖ A)
 *        (the GCM AAD is the version byte, E and IV as laid out above, then A)
 * To open with private key r (public key R): read E and IV, Z = X25519(r, E), derive K as in 3,
 * and decrypt and verify with the same GCM AAD. Z and K are wiped after use.
 *
 * The AAD of a handover binds the content to that handover, so sealed bytes moved to another
 * handover, placement or school fail to open. It is the ASCII text
 *     handover_id "|" placement_id "|" receiving_school_unit
 * with both ids as lowercase canonical UUIDs (36 characters) and the skolenhetskod as its 8
 * digits, e.g. "0d9f…-…|5a1c…-…|99018001" (82 bytes); hub_seal_handover_aad() builds it.
 *
 * The plaintext of a handover is the `content` object of the hub-publish input
 * (producers/INPUT.md) as compact JSON text in UTF-8.
 *
 * Keys: a school's public key is published as base64 (RFC 4648, with padding: 44 characters) of
 * its raw 32 bytes, in the school directory's public_key column (hub/directory/directory.h). The
 * private key is kept in a PEM file (PKCS#8, "BEGIN PRIVATE KEY") of mode 0600, as OpenSSL writes
 * it
 * (`openssl genpkey -algorithm X25519`) or hub_seal_keygen_files() does.
 *
 * Errors: HUB_ESEAL_TRUNCATED (shorter than the 61-byte header), HUB_ESEAL_VERSION (first byte
 * not 1), HUB_ESEAL_KEY (a key is not X25519, or E or R is a low-order point), HUB_ESEAL_AUTH
 * (the tag does not verify: the wrong private key, or any byte of E, IV, tag or ciphertext, or
 * the AAD, was changed, or the ciphertext was cut short — GCM cannot tell these apart, by design),
 * HUB_ERANGE (too large), HUB_ENOMEM, HUB_ECRYPTO (OpenSSL failed for another reason). No error
 * message ever contains plaintext.
 */
#ifndef HUB_SEAL_H
#define HUB_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "hub/core/err.h"

#define HUB_SEAL_VERSION 1
#define HUB_SEAL_KEY_LEN 32 /* X25519 public and private keys */
#define HUB_SEAL_IV_LEN 12
#define HUB_SEAL_TAG_LEN 16
#define HUB_SEAL_HEADER_LEN (1 + HUB_SEAL_KEY_LEN + HUB_SEAL_IV_LEN + HUB_SEAL_TAG_LEN) /* 61 */
#define HUB_SEAL_INFO "sams-hub seal v1" /* the HKDF info label */
#define HUB_SEAL_PLAIN_MAX (1024 * 1024) /* largest plaintext sealed or opened */
#define HUB_SEAL_AAD_MAX (64 * 1024)     /* largest application AAD */
#define HUB_SEAL_PUB_B64_LEN 45          /* 44 base64 characters of a public key + NUL */
#define HUB_SEAL_HANDOVER_AAD_LEN 83     /* 36 + 1 + 36 + 1 + 8 characters + NUL */

/*
 * Seals `n` bytes of `plain` (may be NULL when n is 0) for the holder of the X25519 private key
 * whose public key is `recipient_pub`, bound to `aad` (`aad_len` bytes; may be NULL when 0).
 * On success *out is a new malloc'd buffer of *out_len = HUB_SEAL_HEADER_LEN + n bytes, owned by
 * the caller (free()). Errors: HUB_ESEAL_KEY (recipient_pub is a low-order point), HUB_ERANGE
 * (n > HUB_SEAL_PLAIN_MAX or aad_len > HUB_SEAL_AAD_MAX), HUB_ENOMEM, HUB_ECRYPTO; then *out is
 * NULL and *out_len 0.
 */
HUB_MUST_CHECK int hub_seal(const uint8_t recipient_pub[HUB_SEAL_KEY_LEN], const uint8_t *aad,
                            size_t aad_len, const uint8_t *plain, size_t n, uint8_t **out,
                            size_t *out_len, struct hub_error *err);

/*
 * Opens `n` bytes of `sealed` with the X25519 private key `priv` (borrowed) and the same `aad`
 * used to seal. On success *plain is a new malloc'd buffer of *plain_len bytes followed by a NUL
 * that *plain_len does not count, owned by the caller, who should wipe it (OPENSSL_cleanse)
 * before free(). Errors as listed at the top of this file; then *plain is NULL, *plain_len 0.
 * Never reads outside sealed[0..n).
 */
HUB_MUST_CHECK int hub_seal_open(EVP_PKEY *priv, const uint8_t *aad, size_t aad_len,
                                 const uint8_t *sealed, size_t n, uint8_t **plain,
                                 size_t *plain_len, struct hub_error *err);

/* Like hub_seal_open with the raw 32-byte X25519 private key. */
HUB_MUST_CHECK int hub_seal_open_raw(const uint8_t priv[HUB_SEAL_KEY_LEN], const uint8_t *aad,
                                     size_t aad_len, const uint8_t *sealed, size_t n,
                                     uint8_t **plain, size_t *plain_len, struct hub_error *err);

/*
 * Writes the AAD of a handover (see above) into `out`: checks that both ids are UUIDs (either
 * case; written lowercase) and `school_unit` an 8-digit skolenhetskod. Returns 0, or HUB_EUUID /
 * HUB_ESCHOOL_UNIT with a message naming the argument.
 */
HUB_MUST_CHECK int hub_seal_handover_aad(const char *handover_id, const char *placement_id,
                                         const char *school_unit,
                                         char out[HUB_SEAL_HANDOVER_AAD_LEN],
                                         struct hub_error *err);

/*
 * What a school system calls: opens the sealed content of one handover with the school's private
 * key `priv` (borrowed) and the ids the handover event carries (handover_id, placement_id,
 * receiving_school_unit). On success *content_json is the content as NUL-terminated JSON text
 * (*len bytes), owned by the caller, who should wipe (OPENSSL_cleanse) and free() it. Errors as
 * hub_seal_open and hub_seal_handover_aad.
 */
HUB_MUST_CHECK int hub_seal_open_handover(EVP_PKEY *priv, const char *handover_id,
                                          const char *placement_id, const char *school_unit,
                                          const uint8_t *sealed, size_t n, char **content_json,
                                          size_t *len, struct hub_error *err);

/*
 * Loads an X25519 private key from a PEM file (PKCS#8, unencrypted) read with
 * hub_secret_file_read(), so a file that group or others can read is refused (HUB_ESECURITY).
 * On success *out is the caller's (EVP_PKEY_free). Errors: HUB_EIO, HUB_ESECURITY,
 * HUB_ECONFIG_VALUE (empty or oversized file), HUB_ESEAL_KEY (not a PEM private key, or not
 * X25519); messages start with the path.
 */
HUB_MUST_CHECK int hub_seal_private_key_load(const char *path, EVP_PKEY **out,
                                             struct hub_error *err);

/*
 * Makes a new X25519 key pair: writes the private key as PEM (PKCS#8) to `priv_path`, a file
 * created here with mode 0600 (refused with HUB_EIO if it exists already, so no key is ever
 * overwritten), and the public key's base64 and a newline to `pub_path` (created or replaced,
 * mode 0644); the base64 also goes to `pub_b64`. On error neither file is left behind.
 * Errors: HUB_EIO, HUB_ECRYPTO, HUB_ENOMEM.
 */
HUB_MUST_CHECK int hub_seal_keygen_files(const char *priv_path, const char *pub_path,
                                         char pub_b64[HUB_SEAL_PUB_B64_LEN], struct hub_error *err);

/*
 * Decodes a public key given as base64 of its raw 32 bytes: exactly 44 characters of the
 * standard alphabet ending in one '=', nothing else (no whitespace), canonical (unused bits
 * zero; the u-coordinate below 2^255 - 19, as a key derived from a private key always is), and
 * not a low-order X25519 point. Returns 0, or HUB_ESEAL_KEY with a message that
 * says what is wrong (without the key).
 */
HUB_MUST_CHECK int hub_seal_public_key_parse(const char *b64, uint8_t out[HUB_SEAL_KEY_LEN],
                                             struct hub_error *err);

/* Writes the base64 of a raw public key (44 characters and a NUL) into `out`. */
void hub_seal_public_key_format(const uint8_t pub[HUB_SEAL_KEY_LEN],
                                char out[HUB_SEAL_PUB_B64_LEN]);

/* The raw public key of an X25519 private key. Returns 0 or HUB_ESEAL_KEY (not X25519). */
HUB_MUST_CHECK int hub_seal_public_key_of(EVP_PKEY *priv, uint8_t out[HUB_SEAL_KEY_LEN],
                                          struct hub_error *err);

/*
 * Decodes base64 text (standard alphabet, padding required, line breaks and other whitespace
 * ignored) into a new malloc'd buffer *out of *out_len bytes (caller frees). For sealed content
 * passed as text (hub-open --base64). Returns 0, HUB_EINVAL (not base64), HUB_ENOMEM.
 */
HUB_MUST_CHECK int hub_seal_base64_decode(const char *text, size_t len, uint8_t **out,
                                          size_t *out_len, struct hub_error *err);

#endif
