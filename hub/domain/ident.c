/* ident.c — skolenhetskod, kommunkod and UUID syntax checks, UUID parse/format/generate. */
#include "hub/domain/ident.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/rand.h>

#define UUID_LEN 36

/*
 * Checks that `s` is exactly `n` ASCII digits. Returns 0, or `code` with a message starting
 * with `what`.
 */
static int check_digits(const char *s, size_t n, int code, const char *what, struct hub_error *err)
{
    size_t len;

    if (!s)
        return hub_error_set(err, code, "%s: missing value", what);
    len = strnlen(s, n + 1);
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return hub_error_set(err, code, "%s: character %zu is not a digit", what, i + 1);
    }
    if (len != n)
        return hub_error_set(err, code, "%s: expected exactly %zu digits, got %s%zu", what, n,
                             len > n ? "more than " : "", len > n ? n : len);
    return 0;
}

int hub_school_unit_check(const char *s, struct hub_error *err)
{
    return check_digits(s, 8, HUB_ESCHOOL_UNIT, "skolenhetskod", err);
}

int hub_kommun_check(const char *s, struct hub_error *err)
{
    return check_digits(s, 4, HUB_EKOMMUN, "kommunkod", err);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool is_dash_position(size_t i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

int hub_uuid_check(const char *s, struct hub_error *err)
{
    size_t len;

    if (!s)
        return hub_error_set(err, HUB_EUUID, "uuid: missing value");
    len = strnlen(s, UUID_LEN + 1);
    for (size_t i = 0; i < len && i < UUID_LEN; i++) {
        if (is_dash_position(i) && s[i] != '-')
            return hub_error_set(err, HUB_EUUID, "uuid: character %zu must be '-'", i + 1);
        if (!is_dash_position(i) && hex_value(s[i]) < 0)
            return hub_error_set(err, HUB_EUUID, "uuid: character %zu is not a hex digit", i + 1);
    }
    if (len != UUID_LEN)
        return hub_error_set(err, HUB_EUUID, "uuid: expected 36 characters (8-4-4-4-12), got %s",
                             len > UUID_LEN ? "more" : "fewer");
    return 0;
}

int hub_uuid_parse(const char *s, uint8_t out[16], struct hub_error *err)
{
    int rc = hub_uuid_check(s, err);
    size_t n = 0;

    if (rc != 0)
        return rc;
    for (size_t i = 0; i < UUID_LEN; i++) {
        if (is_dash_position(i))
            continue;
        int hi = hex_value(s[i]);
        int lo = hex_value(s[i + 1]);
        out[n++] = (uint8_t)(hi << 4 | lo);
        i++;
    }
    return 0;
}

void hub_uuid_format(const uint8_t in[16], char out[HUB_UUID_STR_LEN])
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;

    for (size_t i = 0; i < UUID_LEN; i++) {
        if (is_dash_position(i)) {
            out[i] = '-';
            continue;
        }
        out[i] = hex[in[n] >> 4];
        out[i + 1] = hex[in[n] & 0x0f];
        n++;
        i++;
    }
    out[UUID_LEN] = '\0';
}

int hub_uuid_v4_random(char out[HUB_UUID_STR_LEN])
{
    uint8_t b[16];

    if (RAND_bytes(b, sizeof b) != 1) {
        out[0] = '\0';
        return HUB_ECRYPTO;
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* variant 10xx */
    hub_uuid_format(b, out);
    return 0;
}

/* 1 for '0'-'9' and 'a'-'f'. */
static const unsigned char lower_hex[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1};

bool hub_is_lower_hex(const char *s, size_t n)
{
    unsigned char ok = 1;
    for (size_t i = 0; i < n; i++)
        ok &= lower_hex[(unsigned char)s[i]];
    return ok != 0;
}

bool hub_is_canonical_uuid(const char *s)
{
    /* the length first: hub_is_lower_hex reads all n bytes, also past a NUL */
    if (strnlen(s, HUB_UUID_STR_LEN) != HUB_UUID_STR_LEN - 1)
        return false;
    return hub_is_lower_hex(s, 8) && s[8] == '-' && hub_is_lower_hex(s + 9, 4) && s[13] == '-' &&
           hub_is_lower_hex(s + 14, 4) && s[18] == '-' && hub_is_lower_hex(s + 19, 4) &&
           s[23] == '-' && hub_is_lower_hex(s + 24, 12) && s[36] == '\0';
}
