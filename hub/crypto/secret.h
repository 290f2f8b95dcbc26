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

/* Overwrites `len` bytes of `buf` with OPENSSL_cleanse and frees it. Accepts NULL. */
void hub_secret_free(uint8_t *buf, size_t len);

#endif
