/*
 * log.c — logfmt/JSON records on stderr, scrubbed of anything that looks like a personnummer.
 */
#include "hub/log.h"
#include "hub/date.h"
#include "hub/err.h"
#include "hub/pnr.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#define LOG_LINE_MAX 4096

static struct {
    char program[64];
    enum hub_log_level min_level;
    enum hub_log_format format;
    FILE *stream;
} logger = {"hub", HUB_LOG_INFO, HUB_LOG_LOGFMT, NULL};

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void hub_log_setup(const char *program, enum hub_log_level min_level, enum hub_log_format fmt)
{
    snprintf(logger.program, sizeof logger.program, "%s", program ? program : "hub");
    logger.min_level = min_level;
    logger.format = fmt;
}

void hub_log_set_stream(FILE *f)
{
    logger.stream = f;
}

int hub_log_level_parse(const char *s, enum hub_log_level *out)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum hub_log_level)i;
            return 0;
        }
    }
    return HUB_EINVAL;
}

int hub_log_format_parse(const char *s, enum hub_log_format *out)
{
    if (strcmp(s, "logfmt") == 0)
        *out = HUB_LOG_LOGFMT;
    else if (strcmp(s, "json") == 0)
        *out = HUB_LOG_JSON;
    else
        return HUB_EINVAL;
    return 0;
}

size_t hub_log_scrub(char *s)
{
    static const char mask[] = "[redacted]";
    size_t count = 0, len = strlen(s), at, n;
    char *p = s;

    /* The same detector the clear-text field checks use (hub/pnr.h): one definition of what a
     * personnummer looks like, with its check digit, found even when joined to letters. */
    while (hub_pnr_find(p, len, &at, &n)) {
        for (size_t k = 0; k < n; k++)
            p[at + k] = k < sizeof mask - 1 ? mask[k] : '*';
        count++;
        p += at + n;
        len -= at + n;
    }
    return count;
}

static void now_rfc3339(char buf[HUB_TIMESTAMP_LEN])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    hub_timestamp_format_rfc3339((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000L, buf);
}

/* Appends `s` as a JSON string body (without quotes) to out[*pos..n). */
static void json_append_escaped(char *out, size_t n, size_t *pos, const char *s, size_t len)
{
    for (size_t i = 0; i < len && *pos + 7 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[(*pos)++] = '\\';
            out[(*pos)++] = (char)c;
        } else if (c < 0x20) {
            *pos += (size_t)snprintf(out + *pos, n - *pos, "\\u%04x", c);
        } else {
            out[(*pos)++] = (char)c;
        }
    }
    out[*pos] = '\0';
}

static void json_append_raw(char *out, size_t n, size_t *pos, const char *s)
{
    size_t len = strlen(s);
    if (*pos + len >= n)
        len = n - *pos - 1;
    memcpy(out + *pos, s, len);
    *pos += len;
    out[*pos] = '\0';
}

/* Turns logfmt pairs (k=v k="v w") into JSON members appended to out. */
static void logfmt_to_json(char *out, size_t n, size_t *pos, const char *fields)
{
    const char *p = fields;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *k = p;
        while (*p && *p != '=' && *p != ' ')
            p++;
        size_t klen = (size_t)(p - k);
        const char *v = p;
        size_t vlen = 0;
        if (*p == '=') {
            p++;
            if (*p == '"') {
                v = ++p;
                while (*p && !(*p == '"' && p[-1] != '\\'))
                    p++;
                vlen = (size_t)(p - v);
                if (*p == '"')
                    p++;
            } else {
                v = p;
                while (*p && *p != ' ')
                    p++;
                vlen = (size_t)(p - v);
            }
        }
        json_append_raw(out, n, pos, ",\"");
        json_append_escaped(out, n, pos, k, klen);
        json_append_raw(out, n, pos, "\":\"");
        json_append_escaped(out, n, pos, v, vlen);
        json_append_raw(out, n, pos, "\"");
    }
}

void hub_log(enum hub_log_level level, const char *msg, const char *fields, ...)
{
    char ts[HUB_TIMESTAMP_LEN];
    char fbuf[LOG_LINE_MAX];
    char line[LOG_LINE_MAX + 256];
    FILE *f = logger.stream ? logger.stream : stderr;

    if (level < logger.min_level)
        return;
    fbuf[0] = '\0';
    if (fields) {
        va_list ap;
        va_start(ap, fields);
        vsnprintf(fbuf, sizeof fbuf, fields, ap);
        va_end(ap);
    }
    now_rfc3339(ts);
    if (logger.format == HUB_LOG_JSON) {
        size_t pos = 0;
        line[0] = '\0';
        json_append_raw(line, sizeof line, &pos, "{\"ts\":\"");
        json_append_raw(line, sizeof line, &pos, ts);
        json_append_raw(line, sizeof line, &pos, "\",\"level\":\"");
        json_append_raw(line, sizeof line, &pos, level_names[level]);
        json_append_raw(line, sizeof line, &pos, "\",\"prog\":\"");
        json_append_escaped(line, sizeof line, &pos, logger.program, strlen(logger.program));
        json_append_raw(line, sizeof line, &pos, "\",\"msg\":\"");
        json_append_escaped(line, sizeof line, &pos, msg, strlen(msg));
        json_append_raw(line, sizeof line, &pos, "\"");
        logfmt_to_json(line, sizeof line, &pos, fbuf);
        json_append_raw(line, sizeof line, &pos, "}");
    } else {
        snprintf(line, sizeof line, "ts=%s level=%s prog=%s msg=\"%s\"%s%s", ts, level_names[level],
                 logger.program, msg, fbuf[0] ? " " : "", fbuf);
    }
    hub_log_scrub(line);
    fprintf(f, "%s\n", line);
    fflush(f);
}

void hub_log_plain(const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    hub_log_scrub(line);
    fprintf(logger.stream ? logger.stream : stderr, "%s\n", line);
}
