/*
 * pnr.c — parsing and checking personnummer and samordningsnummer.
 *
 * Everything is reduced to the 10-digit form YYMMDDNNNC plus a four-digit birth year, because
 * the Luhn digit and the sex digit are defined on the 10-digit form. Error messages name the
 * rule that failed and nothing from the input.
 */
#include "hub/pnr.h"

#include <string.h>

#define PNR_COORDINATION_OFFSET 60

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int two_digits(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
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

/* True when `s[0..n)` are all digits except possibly position `sep_at` (-1 for none). */
static bool digits_except(const char *s, size_t n, int sep_at)
{
    for (size_t i = 0; i < n; i++) {
        if ((int)i != sep_at && !is_digit(s[i]))
            return false;
    }
    return true;
}

/* Explains why `in` (of length `len`) is not one of the accepted forms. */
static int format_error(const char *in, size_t len, struct hub_error *err)
{
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '-' || in[i] == '+')
            return hub_error_set(err, HUB_EPNR_FORMAT,
                                 "personnummer: separator '-' or '+' must come right after the "
                                 "birth date (YYMMDD-NNNC or YYYYMMDD-NNNC)");
    }
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(in[i]))
            return hub_error_set(err, HUB_EPNR_FORMAT,
                                 "personnummer: only digits and one separator '-' or '+' are "
                                 "allowed");
    }
    return hub_error_set(err, HUB_EPNR_FORMAT, "personnummer: expected 10 or 12 digits");
}

int hub_pnr_parse(const char *in, const struct hub_date *today_or_null, struct hub_pnr *out,
                  struct hub_error *err)
{
    const char *kind = "personnummer";
    char d10[10]; /* YYMMDDNNNC */
    struct hub_date today, birth;
    bool has_century = false, centenarian = false, coordination = false;
    int century_year = 0;
    size_t len;
    int rc;

    if (!out)
        return hub_error_set(err, HUB_EINVAL, "personnummer: no output given");
    memset(out, 0, sizeof *out);
    if (!in)
        return hub_error_set(err, HUB_EPNR_FORMAT, "personnummer: missing value");

    len = strnlen(in, 14);
    if (len == 10 && digits_except(in, 10, -1)) {
        memcpy(d10, in, 10);
    } else if (len == 11 && (in[6] == '-' || in[6] == '+') && digits_except(in, 11, 6)) {
        memcpy(d10, in, 6);
        memcpy(d10 + 6, in + 7, 4);
        centenarian = in[6] == '+';
    } else if (len == 12 && digits_except(in, 12, -1)) {
        has_century = true;
        century_year = (in[0] - '0') * 1000 + (in[1] - '0') * 100 + two_digits(in + 2);
        memcpy(d10, in + 2, 10);
    } else if (len == 13 && in[8] == '-' && digits_except(in, 13, 8)) {
        has_century = true;
        century_year = (in[0] - '0') * 1000 + (in[1] - '0') * 100 + two_digits(in + 2);
        memcpy(d10, in + 2, 6);
        memcpy(d10 + 6, in + 9, 4);
    } else if (len == 13 && in[8] == '+' && digits_except(in, 13, 8)) {
        return hub_error_set(err, HUB_EPNR_FORMAT,
                             "personnummer: '+' is only used with the 10-digit form");
    } else {
        return format_error(in, len, err);
    }

    if (today_or_null) {
        if (!hub_date_valid(today_or_null))
            return hub_error_set(err, HUB_EINVAL, "personnummer: reference date is not valid");
        today = *today_or_null;
    } else {
        today = hub_date_today_utc();
    }

    birth.month = two_digits(d10 + 2);
    birth.day = two_digits(d10 + 4);
    if (birth.day > PNR_COORDINATION_OFFSET) {
        kind = "samordningsnummer";
        coordination = true;
        birth.day -= PNR_COORDINATION_OFFSET;
        if (birth.day > 31)
            return hub_error_set(err, HUB_EPNR_DATE, "%s: day must be 61..91", kind);
    }
    if (birth.month < 1 || birth.month > 12)
        return hub_error_set(err, HUB_EPNR_DATE, "%s: month must be 01..12", kind);

    if (has_century) {
        birth.year = century_year;
    } else {
        /* The most recent century that does not put the birth after today. */
        birth.year = today.year - today.year % 100 + two_digits(d10);
        if (birth.year > today.year ||
            (birth.year == today.year &&
             (birth.month > today.month || (birth.month == today.month && birth.day > today.day))))
            birth.year -= 100;
        if (centenarian)
            birth.year -= 100;
    }
    if (!hub_date_valid(&birth))
        return hub_error_set(err, HUB_EPNR_DATE, "%s: birth date is not a calendar date", kind);
    if (hub_date_to_days(&birth) > hub_date_to_days(&today))
        return hub_error_set(err, HUB_EPNR_DATE, "%s: birth date is in the future", kind);

    rc = hub_pnr_luhn_digit(d10);
    if (rc != d10[9] - '0')
        return hub_error_set(err, HUB_EPNR_CHECKSUM, "%s: check digit is wrong", kind);

    out->norm[0] = (char)('0' + birth.year / 1000);
    out->norm[1] = (char)('0' + birth.year / 100 % 10);
    memcpy(out->norm + 2, d10, 10);
    out->norm[12] = '\0';
    out->birth = birth;
    out->is_coordination = coordination;
    out->sex = (d10[8] - '0') % 2 == 1 ? HUB_PNR_SEX_MALE : HUB_PNR_SEX_FEMALE;
    return 0;
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
