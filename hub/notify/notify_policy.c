/*
 * notify_policy.c — back-off, Retry-After and working days (see notify_policy.h).
 */
#include "hub/notify/notify_policy.h"
#include "hub/core/date.h"

#include <string.h>

#define MS_PER_DAY 86400000LL
#define RETRY_AFTER_MAX_S (10LL * 366 * 86400)

int64_t hub_notify_backoff_ms(int attempt, int64_t base_ms, int64_t max_ms, int jitter_pct,
                              uint64_t rnd)
{
    if (attempt < 1)
        attempt = 1;
    if (base_ms < 1)
        base_ms = 1;
    if (max_ms < base_ms)
        max_ms = base_ms;
    if (jitter_pct < 0)
        jitter_pct = 0;
    if (jitter_pct > 100)
        jitter_pct = 100;
    int64_t d = base_ms;
    for (int i = 1; i < attempt && d < max_ms; i++)
        d = d > max_ms / 2 ? max_ms : d * 2;
    if (d > max_ms)
        d = max_ms;
    int64_t span = d / 100 * jitter_pct + (d % 100) * jitter_pct / 100; /* d*j/100, no overflow */
    int64_t jitter = span > 0 ? (int64_t)(rnd % (uint64_t)(span + 1)) : 0;
    return d - jitter;
}

/* ---- Retry-After ---- */

struct cursor {
    const char *p;
};

static bool lit(struct cursor *c, const char *s)
{
    size_t n = strlen(s);
    if (strncmp(c->p, s, n) != 0)
        return false;
    c->p += n;
    return true;
}

/* Exactly `n` digits. */
static bool digits(struct cursor *c, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (c->p[i] < '0' || c->p[i] > '9')
            return false;
        v = v * 10 + (c->p[i] - '0');
    }
    c->p += n;
    *out = v;
    return true;
}

static const char *const short_days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const long_days[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static bool day_name(struct cursor *c, const char *const *names)
{
    for (int i = 0; i < 7; i++)
        if (lit(c, names[i]))
            return true;
    return false;
}

static bool month_name(struct cursor *c, int *month)
{
    for (int i = 0; i < 12; i++)
        if (lit(c, months[i])) {
            *month = i + 1;
            return true;
        }
    return false;
}

/* "HH:MM:SS" (leap second 60 accepted as the next second would be: clamped to 59). */
static bool time_of_day(struct cursor *c, int *secs)
{
    int h, m, s;
    if (!digits(c, 2, &h) || !lit(c, ":") || !digits(c, 2, &m) || !lit(c, ":") ||
        !digits(c, 2, &s) || h > 23 || m > 59 || s > 60)
        return false;
    *secs = h * 3600 + m * 60 + (s == 60 ? 59 : s);
    return true;
}

static bool to_unix(int year, int month, int day, int secs, int64_t *out)
{
    struct hub_date d = {year, month, day};
    if (!hub_date_valid(&d))
        return false;
    *out = (int64_t)hub_date_to_days(&d) * 86400 + secs;
    return true;
}

static bool parse_http_date(const char *s, int64_t now_s, int64_t *out)
{
    struct cursor c = {s};
    int day, month, year, secs;

    /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
    if (day_name(&c, short_days) && lit(&c, ", ")) {
        if (digits(&c, 2, &day) && lit(&c, " ") && month_name(&c, &month) && lit(&c, " ") &&
            digits(&c, 4, &year) && lit(&c, " ") && time_of_day(&c, &secs) && lit(&c, " GMT") &&
            *c.p == '\0')
            return to_unix(year, month, day, secs, out);
        return false;
    }
    /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
    c.p = s;
    if (day_name(&c, long_days) && lit(&c, ", ")) {
        int yy;
        if (!(digits(&c, 2, &day) && lit(&c, "-") && month_name(&c, &month) && lit(&c, "-") &&
              digits(&c, 2, &yy) && lit(&c, " ") && time_of_day(&c, &secs) && lit(&c, " GMT") &&
              *c.p == '\0'))
            return false;
        /* RFC 9110: a two-digit year more than 50 years in the future is in the past century */
        struct hub_date today;
        hub_days_to_date((int32_t)(now_s / 86400), &today);
        year = today.year / 100 * 100 + yy;
        if (year > today.year + 50)
            year -= 100;
        return to_unix(year, month, day, secs, out);
    }
    /* asctime: Sun Nov  6 08:49:37 1994 */
    c.p = s;
    if (day_name(&c, short_days) && lit(&c, " ") && month_name(&c, &month) && lit(&c, " ")) {
        if (*c.p == ' ') {
            c.p++;
            if (!digits(&c, 1, &day))
                return false;
        } else if (!digits(&c, 2, &day)) {
            return false;
        }
        if (lit(&c, " ") && time_of_day(&c, &secs) && lit(&c, " ") && digits(&c, 4, &year) &&
            *c.p == '\0')
            return to_unix(year, month, day, secs, out);
    }
    return false;
}

int hub_notify_retry_after_parse(const char *value, int64_t now_s, int64_t *delay_s)
{
    char buf[64];
    size_t n;

    if (!value)
        return HUB_EINVAL;
    while (*value == ' ' || *value == '\t')
        value++;
    n = strlen(value);
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t' || value[n - 1] == '\r' ||
                     value[n - 1] == '\n'))
        n--;
    if (n == 0 || n >= sizeof buf)
        return HUB_EINVAL;
    memcpy(buf, value, n);
    buf[n] = '\0';

    if (buf[0] >= '0' && buf[0] <= '9') {
        int64_t v = 0;
        for (size_t i = 0; i < n; i++) {
            if (buf[i] < '0' || buf[i] > '9')
                return HUB_EINVAL;
            v = v * 10 + (buf[i] - '0');
            if (v > RETRY_AFTER_MAX_S)
                return HUB_EINVAL;
        }
        *delay_s = v;
        return 0;
    }
    int64_t at;
    if (!parse_http_date(buf, now_s, &at))
        return HUB_EINVAL;
    *delay_s = at > now_s ? at - now_s : 0;
    return 0;
}

/* ---- working days ---- */

bool hub_notify_is_workday(int32_t day)
{
    /* 1970-01-01 was a Thursday: weekday 0 = Monday */
    int64_t wd = ((int64_t)day + 3) % 7;
    if (wd < 0)
        wd += 7;
    return wd < 5;
}

int32_t hub_notify_add_workdays(int32_t day, int n)
{
    while (n > 0) {
        day++;
        if (hub_notify_is_workday(day))
            n--;
    }
    return day;
}

int64_t hub_notify_stockholm_day_start_ms(int32_t day)
{
    int64_t utc_midnight = (int64_t)day * MS_PER_DAY;
    /* Local midnight is 22:00 or 23:00 UTC the day before; clocks change at 01:00 UTC, so the
     * offset two hours before UTC midnight is the one in force at local midnight. */
    int off = hub_stockholm_utc_offset_minutes(utc_midnight - 2 * 3600000LL);
    return utc_midnight - (int64_t)off * 60000;
}

int64_t hub_notify_overdue_cutoff_ms(int64_t now_ms, int n)
{
    int32_t today = hub_days_stockholm_from_ms(now_ms);
    int32_t d = today - 1;
    if (n < 0)
        n = 0;
    /* the latest delivery day whose deadline has passed (deadline < today) */
    while (hub_notify_add_workdays(d, n) >= today)
        d--;
    return hub_notify_stockholm_day_start_ms(d + 1);
}
