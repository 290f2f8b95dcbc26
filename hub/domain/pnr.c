/*
 * pnr.c — parsing and checking personnummer and samordningsnummer.
 *
 * Everything is reduced to the 10-digit form YYMMDDNNNC plus a four-digit birth year, because
 * the Luhn digit and the sex digit are defined on the 10-digit form. Error messages name the
 * rule that failed and nothing from the input.
 */
#include "hub/domain/pnr.h"

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
