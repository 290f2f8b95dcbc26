/*
 * secret.h — reading secret files (keys) that only their owner may access.
 *
 * The mode is checked on the opened file (fstat), so a symlink is judged by its target and the
 * file cannot be swapped between the check and the read.
 */
#ifndef HUB_SECRET_H
#define HUB_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include "hub/core/err.h"

/* Largest secret file read, in bytes; larger files are refused. */
#define HUB_SECRET_MAX_BYTES (1024 * 1024)

/*
 * Reads the whole of `path` as raw bytes (nothing trimmed) into a new buffer `*buf` of `*len`
 * bytes, owned by the caller, who releases it with hub_secret_free(). Refuses with HUB_ESECURITY
 * a file whose mode gives group or others any access (message names the file and its mode),
 * with HUB_ECONFIG_VALUE an empty, oversized or non-regular file, and with HUB_EIO a file that
 * cannot be opened or read. On error `*buf` is NULL and `*len` 0. Messages start with the path
 * ("/x/key: mode 0644 is readable by group or others; chmod 600") so that callers can prefix
 * what the file is for with hub_error_prefix().
 */
HUB_MUST_CHECK int hub_secret_file_read(const char *path, uint8_t **buf, size_t *len,
                                        struct hub_error *err);

/* Least estimated strength of a key, in bits (the 112-bit security level of NIST SP 800-57). */
#define HUB_SECRET_MIN_BITS 112

/*
 * Refuses a key that is obviously not random, before it protects anything: one that repeats a
 * pattern (all bytes equal, "abab…", any block repeated at least twice), or whose estimated
 * strength is below HUB_SECRET_MIN_BITS. The estimate is the smaller of two plug-in entropies:
 * of the byte values (n·H of their histogram) and of the differences between neighbouring bytes
 * (which catches counters such as 00 01 02 …). 32 random bytes score about 150 bits (the lowest
 * of 200,000 draws: 135), the hex or base64 text of 32 random bytes about 250 and 190; 32 zero
 * bytes or 32 'a's score 0. Returns 0 or HUB_ECONFIG_VALUE with a message naming the rule
 * (never a byte of the key).
 */
HUB_MUST_CHECK int hub_secret_check_strength(const uint8_t *key, size_t len, struct hub_error *err);

/* Overwrites `len` bytes of `buf` with OPENSSL_cleanse and frees it. Accepts NULL. */
void hub_secret_free(uint8_t *buf, size_t len);

#endif
