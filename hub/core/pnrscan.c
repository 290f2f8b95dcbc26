/* pnrscan.c — finding personnummer in any text (pnrscan.h). */
#include "hub/core/pnrscan.h"

#include <string.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int two_digits(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* True when `s[0..n)` are all digits except possibly position `sep_at` (-1 for none). */
static bool digits_except(const char *s, size_t n, int sep_at)
{
    for (size_t i = 0; i < n; i++) {
        if ((int)i != sep_at && !is_digit(s[i]))
            return false;
    }
    return true;
}

int hub_pnr_luhn_digit(const char *nine_digits)
{
    int sum = 0;

    if (!nine_digits)
        return -1;
    for (int i = 0; i < 9; i++) {
        if (!is_digit(nine_digits[i]))
            return -1;
        int v = (nine_digits[i] - '0') * (i % 2 == 0 ? 2 : 1);
        sum += v > 9 ? v - 9 : v;
    }
    return (10 - sum % 10) % 10;
}

/* Month 01..12 and day 01..31 (samordningsnummer 61..91) at `mmdd`; digits already checked. */
static bool plausible_mmdd(const char *mmdd)
{
    int m = two_digits(mmdd), d = two_digits(mmdd + 2);
    return m >= 1 && m <= 12 && ((d >= 1 && d <= 31) || (d >= 61 && d <= 91));
}

/* Whether the 10-digit form `d10` has a plausible date and the right check digit. */
static bool plausible_d10(const char *d10)
{
    return plausible_mmdd(d10 + 2) && hub_pnr_luhn_digit(d10) == d10[9] - '0';
}

static bool is_sep(char c)
{
    return c == '-' || c == '+';
}

/* Length of a personnummer written at s[0..left) that ends at a non-digit, or 0. */
static size_t pnr_at(const char *s, size_t left)
{
    char d10[10];
    bool century = left >= 2 && (s[0] == '1' || s[0] == '2');

    if (century && left >= 13 && digits_except(s, 13, 8) && is_sep(s[8]) &&
        (left == 13 || !is_digit(s[13]))) {
        memcpy(d10, s + 2, 6);
        memcpy(d10 + 6, s + 9, 4);
        if (plausible_d10(d10))
            return 13;
    }
    if (century && left >= 12 && digits_except(s, 12, -1) && (left == 12 || !is_digit(s[12])) &&
        plausible_d10(s + 2))
        return 12;
    if (left >= 11 && digits_except(s, 11, 6) && is_sep(s[6]) && (left == 11 || !is_digit(s[11]))) {
        memcpy(d10, s, 6);
        memcpy(d10 + 6, s + 7, 4);
        if (plausible_d10(d10))
            return 11;
    }
    if (left >= 10 && digits_except(s, 10, -1) && (left == 10 || !is_digit(s[10])) &&
        plausible_d10(s))
        return 10;
    return 0;
}

bool hub_pnr_find(const char *s, size_t len, size_t *at, size_t *n)
{
    if (!s)
        return false;
    for (size_t i = 0; i + 10 <= len; i++) {
        if (!is_digit(s[i]) || (i > 0 && is_digit(s[i - 1])))
            continue;
        size_t k = pnr_at(s + i, len - i);
        if (k) {
            if (at)
                *at = i;
            if (n)
                *n = k;
            return true;
        }
    }
    return false;
}
