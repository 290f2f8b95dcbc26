/*
 * date.c — Gregorian calendar arithmetic, RFC 3339 timestamps and the Stockholm calendar day.
 *
 * Day counts use Howard Hinnant's days_from_civil / civil_from_days algorithms, which are exact
 * for negative days and need no tables. Time zones are computed here from the EU summer-time
 * rule rather than through TZ/localtime, which would be process-global state.
 */
#include "hub/core/date.h"

#include <string.h>
#include <time.h>

#define MS_PER_SECOND INT64_C(1000)
#define MS_PER_MINUTE (60 * MS_PER_SECOND)
#define MS_PER_HOUR (60 * MS_PER_MINUTE)
#define MS_PER_DAY (24 * MS_PER_HOUR)

/* Days from 1970-01-01 to 0001-01-01 and to 9999-12-31. */
#define DAYS_YEAR_1 (-719162)
#define DAYS_YEAR_9999_END 2932896

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

bool hub_date_is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int hub_date_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && hub_date_is_leap(year))
        return 29;
    return days[month - 1];
}

bool hub_date_valid(const struct hub_date *d)
{
    if (!d || d->year < 1 || d->year > 9999)
        return false;
    return d->day >= 1 && d->day <= hub_date_days_in_month(d->year, d->month);
}

/* Reads exactly `n` ASCII digits at `s` into `*out`; false if any is not a digit. */
static bool read_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* True when `s` starts with "DDDD-DD-DD"; fills `d` without checking the calendar. */
static bool read_date_shape(const char *s, struct hub_date *d)
{
    return read_digits(s, 4, &d->year) && s[4] == '-' && read_digits(s + 5, 2, &d->month) &&
           s[7] == '-' && read_digits(s + 8, 2, &d->day);
}

int hub_date_parse_iso(const char *s, struct hub_date *out, struct hub_error *err)
{
    struct hub_date d;

    if (!s || !out)
        return hub_error_set(err, HUB_EDATE, "date: missing value");
    /* strnlen keeps a long non-date from being walked past what we need. */
    if (strnlen(s, 11) != 10 || !read_date_shape(s, &d))
        return hub_error_set(err, HUB_EDATE, "date: not in the form YYYY-MM-DD");
    if (!hub_date_valid(&d))
        return hub_error_set(err, HUB_EDATE, "date: %s is not a calendar date", s);
    *out = d;
    return 0;
}

int32_t hub_date_to_days(const struct hub_date *d)
{
    return (int32_t)days_from_civil(d->year, d->month, d->day);
}

void hub_days_to_date(int32_t days, struct hub_date *out)
{
    int64_t y;
    civil_from_days(days, &y, &out->month, &out->day);
    out->year = (int)y;
}

/* Writes `v` as exactly `n` decimal digits at `p` (v must be below 10^n). */
static void put_digits(char *p, int64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Writes "YYYY-MM-DD" (no NUL) at `p`; year must be 0..9999. */
static void put_date(char *p, int64_t y, int m, int d)
{
    put_digits(p, y, 4);
    p[4] = '-';
    put_digits(p + 5, m, 2);
    p[7] = '-';
    put_digits(p + 8, d, 2);
}

int hub_date_format(int32_t days, char buf[HUB_DATE_ISO_LEN])
{
    struct hub_date d;

    hub_days_to_date(days, &d);
    if (d.year < 0 || d.year > 9999) {
        buf[0] = '\0';
        return HUB_ERANGE;
    }
    put_date(buf, d.year, d.month, d.day);
    buf[10] = '\0';
    return 0;
}

struct hub_date hub_date_today_utc(void)
{
    struct hub_date d;
    int64_t now = (int64_t)time(NULL);
    hub_days_to_date((int32_t)floor_div(now, 86400), &d);
    return d;
}

int hub_timestamp_parse_rfc3339(const char *s, int64_t *ms_since_epoch, struct hub_error *err)
{
    struct hub_date d;
    int hh, mi, ss, oh = 0, om = 0;
    int64_t frac_ms = 0;
    int sign = 0;
    const char *p;

    if (!s || !ms_since_epoch)
        return hub_error_set(err, HUB_EDATE, "timestamp: missing value");
    if (strnlen(s, 19) < 19 || !read_date_shape(s, &d) || (s[10] != 'T' && s[10] != 't') ||
        !read_digits(s + 11, 2, &hh) || s[13] != ':' || !read_digits(s + 14, 2, &mi) ||
        s[16] != ':' || !read_digits(s + 17, 2, &ss))
        goto shape;
    p = s + 19;
    if (*p == '.') {
        const char *digits = ++p;
        int used = 0; /* digits beyond milliseconds are truncated */
        for (; *p >= '0' && *p <= '9'; p++) {
            if (used < 3) {
                frac_ms = frac_ms * 10 + (*p - '0');
                used++;
            }
        }
        if (p == digits)
            goto shape;
        for (; used < 3; used++)
            frac_ms *= 10;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        if (!read_digits(p + 1, 2, &oh) || p[3] != ':' || !read_digits(p + 4, 2, &om))
            goto shape;
        p += 6;
    } else {
        goto shape;
    }
    if (*p != '\0')
        goto shape;

    if (!hub_date_valid(&d))
        return hub_error_set(err, HUB_EDATE, "timestamp: %.40s: date is not a calendar date", s);
    if (hh > 23 || mi > 59 || ss > 59)
        return hub_error_set(err, HUB_EDATE, "timestamp: %.40s: time of day out of range", s);
    if (oh > 23 || om > 59)
        return hub_error_set(err, HUB_EDATE, "timestamp: %.40s: UTC offset out of range", s);

    *ms_since_epoch = days_from_civil(d.year, d.month, d.day) * MS_PER_DAY + hh * MS_PER_HOUR +
                      mi * MS_PER_MINUTE + ss * MS_PER_SECOND + frac_ms -
                      sign * (oh * MS_PER_HOUR + om * MS_PER_MINUTE);
    return 0;

shape:
    return hub_error_set(err, HUB_EDATE,
                         "timestamp: not in the form YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)");
}

int hub_timestamp_format_rfc3339(int64_t ms, char buf[HUB_TIMESTAMP_LEN])
{
    int64_t days = floor_div(ms, MS_PER_DAY);
    int64_t rem, y;
    int m, d;

    if (days < DAYS_YEAR_1 - 366 || days > DAYS_YEAR_9999_END) {
        buf[0] = '\0';
        return HUB_ERANGE;
    }
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        buf[0] = '\0';
        return HUB_ERANGE;
    }
    rem = ms - days * MS_PER_DAY;
    put_date(buf, y, m, d);
    buf[10] = 'T';
    put_digits(buf + 11, rem / MS_PER_HOUR, 2);
    buf[13] = ':';
    put_digits(buf + 14, rem / MS_PER_MINUTE % 60, 2);
    buf[16] = ':';
    put_digits(buf + 17, rem / MS_PER_SECOND % 60, 2);
    buf[19] = '.';
    put_digits(buf + 20, rem % MS_PER_SECOND, 3);
    buf[23] = 'Z';
    buf[24] = '\0';
    return 0;
}

/* Day number of the last Sunday of `month` in `year` (1970-01-01 was a Thursday). */
static int64_t last_sunday(int64_t year, int month)
{
    int64_t last = days_from_civil(year, month, hub_date_days_in_month((int)year, month));
    int64_t weekday = last + 4 - floor_div(last + 4, 7) * 7; /* 0 = Sunday */
    return last - weekday;
}

int hub_stockholm_utc_offset_minutes(int64_t ms)
{
    const int64_t lo = DAYS_YEAR_1 * MS_PER_DAY;
    const int64_t hi = (DAYS_YEAR_9999_END + 1) * MS_PER_DAY;
    int64_t y, start, end;
    int m, d;

    if (ms < lo || ms >= hi)
        return 60; /* outside the calendar we handle: plain CET */
    civil_from_days(floor_div(ms, MS_PER_DAY), &y, &m, &d);
    start = last_sunday(y, 3) * MS_PER_DAY + MS_PER_HOUR;
    end = last_sunday(y, 10) * MS_PER_DAY + MS_PER_HOUR;
    return ms >= start && ms < end ? 120 : 60;
}

int32_t hub_days_stockholm_from_ms(int64_t ms)
{
    int64_t offset = hub_stockholm_utc_offset_minutes(ms) * MS_PER_MINUTE;
    int64_t day;

    if (ms > INT64_MAX - offset)
        return INT32_MAX;
    day = floor_div(ms + offset, MS_PER_DAY);
    if (day > INT32_MAX)
        return INT32_MAX;
    if (day < INT32_MIN)
        return INT32_MIN;
    return (int32_t)day;
}
