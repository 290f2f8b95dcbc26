/*
 * ident.h — checks for the fixed-format identifiers events carry: skolenhetskod (Skolverket's
 * 8-digit school unit code), kommunkod (SCB's 4-digit municipality code) and UUIDs.
 *
 * Messages describe what is wrong (length, position) without quoting the value, since a
 * misplaced personnummer in one of these fields must not end up in a log.
 */
#ifndef HUB_IDENT_H
#define HUB_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/core/err.h"

#define HUB_UUID_STR_LEN 37 /* 36 characters and NUL */

/* Returns 0 when `s` is exactly 8 ASCII digits, else HUB_ESCHOOL_UNIT. */
HUB_MUST_CHECK int hub_school_unit_check(const char *s, struct hub_error *err);

/* Returns 0 when `s` is exactly 4 ASCII digits, else HUB_EKOMMUN. */
HUB_MUST_CHECK int hub_kommun_check(const char *s, struct hub_error *err);

/*
 * Returns 0 when `s` is a canonical UUID: 8-4-4-4-12 hex digits (either case) separated by '-',
 * nothing before or after; else HUB_EUUID naming the first bad position (1-based).
 */
HUB_MUST_CHECK int hub_uuid_check(const char *s, struct hub_error *err);

/* Checks `s` as hub_uuid_check does and stores its 16 bytes in `out`. Returns 0 or HUB_EUUID. */
HUB_MUST_CHECK int hub_uuid_parse(const char *s, uint8_t out[16], struct hub_error *err);

/* Writes the 16 bytes `in` as a lowercase canonical UUID into `out`. */
void hub_uuid_format(const uint8_t in[16], char out[HUB_UUID_STR_LEN]);

/*
 * Writes a random (version 4, RFC 4122 variant) UUID, lowercase, into `out`, using OpenSSL's
 * RAND_bytes. Returns 0, or HUB_ECRYPTO (and writes "") if the generator fails.
 */
HUB_MUST_CHECK int hub_uuid_v4_random(char out[HUB_UUID_STR_LEN]);

/* True when s[0..n) are all lowercase hex digits (table-driven; on hot paths). */
bool hub_is_lower_hex(const char *s, size_t n);

/* True when s is a uuid in lowercase canonical 8-4-4-4-12 form followed by NUL. Safe on any
 * NUL-terminated string (shorter ones are read only up to their NUL). */
bool hub_is_canonical_uuid(const char *s);

#endif
