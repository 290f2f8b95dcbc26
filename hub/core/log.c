/*
 * log.c — logfmt/JSON records on stderr, scrubbed of anything that looks like a personnummer.
 *
 * The caller's fields arrive as a printf template of logfmt pairs; each value is formatted on its
 * own (split_fields), made valid UTF-8 and scrubbed, then encoded: logfmt quoting and escaping
 * here, JSON by jansson. So a value holding quotes, '=', spaces, newlines or bytes that are not
 * UTF-8 stays one value, and every line parses back.
 */
#include "hub/core/log.h"
#include "hub/core/date.h"
#include "hub/core/err.h"
#include "hub/core/pnrscan.h"

#include "hub/core/strbuf.h"
#include "hub/core/utf8.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>

#define LOG_LINE_MAX 4096  /* a plain line (hub_log_plain) */
#define LOG_VALUE_MAX 4096 /* bytes of one field value, cut on a character boundary */
#define LOG_FIELDS_MAX 32  /* fields of one record; more are dropped */

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

    /* The same detector the clear-text field checks use (hub/core/pnrscan.h): one definition of
     * what a personnummer looks like, with its check digit, found even when joined to letters. */
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

/* ---- the caller's fields: template → (key, value) pairs ---- */

/* One field of a record: its key from the template, its value as the template made it. */
struct field {
    struct hub_strbuf key;
    struct hub_strbuf value;
    bool quoted; /* the template wrote key="…": logfmt keeps the quotes even when not needed */
};

struct fields {
    struct field f[LOG_FIELDS_MAX];
    size_t n;
};

/* The conversions a template may use are the ones printf checked at the call (hub_log carries
 * the format attribute); each is redone alone with its own argument. The one-conversion format is
 * built here from the template, so it is not a literal. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* A signed integer conversion (%d, %i) of length `len` ("", "hh", "h", "l", "ll", "z", "j", "t").
 */
static void convert_signed(struct hub_strbuf *b, const char *spec, const char *len, va_list *ap)
{
    if (strcmp(len, "ll") == 0)
        hub_strbuf_printf(b, spec, va_arg(*ap, long long));
    else if (strcmp(len, "l") == 0)
        hub_strbuf_printf(b, spec, va_arg(*ap, long));
    else if (strcmp(len, "z") == 0)
        hub_strbuf_printf(b, spec, va_arg(*ap, ssize_t));
    else if (strcmp(len, "j") == 0)
        hub_strbuf_printf(b, spec, va_arg(*ap, intmax_t));
    else if (strcmp(len, "t") == 0)
        hub_strbuf_printf(b, spec, va_arg(*ap, ptrdiff_t));
    else
        hub_strbuf_printf(b, spec, va_arg(*ap, int)); /* int, short, char */
}

/* An unsigned integer conversion (%u, %o, %x, %X). */
static void convert_unsigned(struct hub_strbuf *b, const char *spec, const char *len, va_list *ap)
{
    if (strcmp(len, "ll") == 0)
        hub_strbuf_printf(b, spec, va_arg(*ap, unsigned long long));
    else if (strcmp(len, "l") == 0)
        hub_strbuf_printf(b, spec, va_arg(*ap, unsigned long));
    else if (strcmp(len, "z") == 0)
        hub_strbuf_printf(b, spec, va_arg(*ap, size_t));
    else if (strcmp(len, "j") == 0)
        hub_strbuf_printf(b, spec, va_arg(*ap, uintmax_t));
    else if (strcmp(len, "t") == 0)
        hub_strbuf_printf(b, spec, va_arg(*ap, ptrdiff_t));
    else
        hub_strbuf_printf(b, spec, va_arg(*ap, unsigned int));
}

/* Formats the conversion at *pp (just after its '%') with its argument(s) from *ap onto b, and
 * moves *pp past it. */
static void convert(struct hub_strbuf *b, const char **pp, va_list *ap)
{
    const char *p = *pp;
    char spec[48];
    size_t n = 0;

    spec[n++] = '%';
    while (*p && strchr("-+ #0", *p) && n < 8)
        spec[n++] = *p++;
    if (*p == '*') {
        n += (size_t)snprintf(spec + n, sizeof spec - n, "%d", va_arg(*ap, int));
        p++;
    }
    while (isdigit((unsigned char)*p) && n < 20)
        spec[n++] = *p++;
    if (*p == '.') {
        spec[n++] = *p++;
        if (*p == '*') {
            n += (size_t)snprintf(spec + n, sizeof spec - n, "%d", va_arg(*ap, int));
            p++;
        }
        while (isdigit((unsigned char)*p) && n < 36)
            spec[n++] = *p++;
    }
    char len[3] = "";
    if (*p && strchr("hlzjtL", *p)) {
        len[0] = *p++;
        if ((len[0] == 'h' || len[0] == 'l') && *p == len[0])
            len[1] = *p++;
    }
    char conv = *p;
    if (conv)
        p++;
    *pp = p;
    n += (size_t)snprintf(spec + n, sizeof spec - n, "%s%c", len, conv);

    switch (conv) {
    case 'd':
    case 'i':
        convert_signed(b, spec, len, ap);
        break;
    case 'u':
    case 'o':
    case 'x':
    case 'X':
        convert_unsigned(b, spec, len, ap);
        break;
    case 'c':
        hub_strbuf_printf(b, spec, va_arg(*ap, int));
        break;
    case 's': {
        const char *v = va_arg(*ap, const char *);
        hub_strbuf_printf(b, spec, v ? v : "(null)");
        break;
    }
    case 'p':
        hub_strbuf_printf(b, spec, va_arg(*ap, void *));
        break;
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
    case 'a':
    case 'A':
        if (strcmp(len, "L") == 0)
            hub_strbuf_printf(b, spec, va_arg(*ap, long double));
        else
            hub_strbuf_printf(b, spec, va_arg(*ap, double));
        break;
    case '%':
        hub_strbuf_char(b, '%');
        break;
    default: /* %n or nothing: printed as written, no argument taken */
        hub_strbuf_str(b, spec);
        break;
    }
}

#pragma GCC diagnostic pop

/* Appends template text [p, end) to b, formatting conversions unless `literal`. */
static void expand(struct hub_strbuf *b, const char *p, const char *end, bool literal, va_list *ap)
{
    while (p < end) {
        if (!literal && *p == '%') {
            p++;
            convert(b, &p, ap);
        } else {
            hub_strbuf_char(b, *p++);
        }
    }
}

/* Splits a template of logfmt pairs (`k=%s k="%s" k=v`) into fields, formatting each value with
 * its own arguments, so whatever a value holds stays inside it. A token without '=' is formatted
 * first and the result read as pairs (`"... %s", "first=true"`): text the caller wrote, not data.
 * With `literal`, '%' is plain text (reading such an expansion). */
static void split_fields(struct fields *fs, const char *t, bool literal, va_list *ap)
{
    const char *p = t;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *k = p;
        while (*p && *p != '=' && *p != ' ' && (literal || *p != '%'))
            p++;
        if (*p != '=') { /* a bare token: formatted, then read as pairs */
            while (*p && *p != ' ')
                p++;
            struct hub_strbuf text = HUB_STRBUF_INIT;
            expand(&text, k, p, literal, ap);
            if (text.s)
                split_fields(fs, text.s, true, ap);
            hub_strbuf_free(&text);
            continue;
        }
        struct field discard = {HUB_STRBUF_INIT, HUB_STRBUF_INIT, false};
        struct field *f = fs->n < LOG_FIELDS_MAX ? &fs->f[fs->n++] : &discard;
        hub_strbuf_add(&f->key, k, (size_t)(p - k));
        p++; /* '=' */
        const char *v = p, *end;
        if (*p == '"') {
            f->quoted = true;
            v = ++p;
            while (*p && *p != '"')
                p++;
            end = p;
            if (*p == '"')
                p++;
        } else {
            while (*p && *p != ' ')
                p++;
            end = p;
        }
        hub_strbuf_add(&f->value, "", 0);
        expand(&f->value, v, end, literal, ap);
        if (f == &discard) {
            hub_strbuf_free(&discard.key);
            hub_strbuf_free(&discard.value);
        }
    }
}

static void fields_free(struct fields *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        hub_strbuf_free(&fs->f[i].key);
        hub_strbuf_free(&fs->f[i].value);
    }
    fs->n = 0;
}

/* ---- encoding ---- */

/* Copies s into b as valid UTF-8 of at most `max` bytes: every byte that does not start a valid
 * sequence becomes U+FFFD, and the text is cut on a character boundary. */
static void append_utf8(struct hub_strbuf *b, const char *s, size_t n, size_t max)
{
    size_t used = 0;
    for (size_t i = 0; i < n;) {
        size_t len = hub_utf8_seq(s + i, n - i);
        const char *piece = len ? s + i : "\xEF\xBF\xBD";
        size_t plen = len ? len : 3;
        if (used + plen > max)
            break;
        hub_strbuf_add(b, piece, plen);
        used += plen;
        i += len ? len : 1;
    }
}

/* Makes every field value valid UTF-8 within LOG_VALUE_MAX bytes and scrubs it: a value is
 * scrubbed on its own before any escaping, so a personnummer after a newline or a quote is
 * found as well. */
static void fields_clean(struct fields *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        struct field *f = &fs->f[i];
        struct hub_strbuf clean = HUB_STRBUF_INIT;
        hub_strbuf_add(&clean, "", 0);
        append_utf8(&clean, hub_strbuf_text(&f->value), f->value.len, LOG_VALUE_MAX);
        if (clean.s)
            hub_log_scrub(clean.s);
        hub_strbuf_free(&f->value);
        f->value = clean;
        /* a key is the template's; anything but [A-Za-z0-9_.-] in it becomes '_' */
        for (size_t k = 0; k < f->key.len; k++) {
            char c = f->key.s[k];
            if (!isalnum((unsigned char)c) && c != '_' && c != '.' && c != '-')
                f->key.s[k] = '_';
        }
        if (f->key.len == 0)
            hub_strbuf_str(&f->key, "_");
    }
}

/* A logfmt value: bare when it is a non-empty run of printable characters other than space,
 * '=' and '"' (and the template did not quote it), else quoted with \" \\ \n \r \t and \u00XX. */
static void logfmt_value(struct hub_strbuf *b, const char *v, size_t n, bool quote)
{
    if (!quote) {
        quote = n == 0;
        for (size_t i = 0; i < n && !quote; i++) {
            unsigned char c = (unsigned char)v[i];
            quote = c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7F;
        }
    }
    if (!quote) {
        hub_strbuf_add(b, v, n);
        return;
    }
    hub_strbuf_char(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        switch (c) {
        case '"':
            hub_strbuf_str(b, "\\\"");
            break;
        case '\\':
            hub_strbuf_str(b, "\\\\");
            break;
        case '\n':
            hub_strbuf_str(b, "\\n");
            break;
        case '\r':
            hub_strbuf_str(b, "\\r");
            break;
        case '\t':
            hub_strbuf_str(b, "\\t");
            break;
        default:
            if (c < 0x20 || c == 0x7F)
                hub_strbuf_printf(b, "\\u%04x", c);
            else
                hub_strbuf_char(b, (char)c);
        }
    }
    hub_strbuf_char(b, '"');
}

static void encode_logfmt(struct hub_strbuf *line, const char *ts, enum hub_log_level level,
                          const char *msg, const struct fields *fs)
{
    hub_strbuf_printf(line, "ts=%s level=%s prog=", ts, level_names[level]);
    logfmt_value(line, logger.program, strlen(logger.program), false);
    hub_strbuf_str(line, " msg=");
    logfmt_value(line, msg, strlen(msg), true);
    for (size_t i = 0; i < fs->n; i++) {
        hub_strbuf_char(line, ' ');
        hub_strbuf_add(line, fs->f[i].key.s, fs->f[i].key.len);
        hub_strbuf_char(line, '=');
        logfmt_value(line, hub_strbuf_text(&fs->f[i].value), fs->f[i].value.len, fs->f[i].quoted);
    }
}

/* Sets key (made unique by trailing '_' so that no field hides ts, level, prog or msg). */
static int json_set_unique(json_t *obj, const char *key, json_t *v)
{
    struct hub_strbuf k = HUB_STRBUF_INIT;
    hub_strbuf_str(&k, key);
    while (!k.failed && json_object_get(obj, k.s))
        hub_strbuf_char(&k, '_');
    int rc = k.failed ? -1 : json_object_set_new(obj, k.s, v);
    if (k.failed)
        json_decref(v);
    hub_strbuf_free(&k);
    return rc;
}

/* Members ts, level, prog, msg, then every field, all strings; jansson does the quoting. */
static void encode_json(struct hub_strbuf *line, const char *ts, enum hub_log_level level,
                        const char *msg, const struct fields *fs)
{
    struct hub_strbuf clean = HUB_STRBUF_INIT;
    json_t *obj = json_object();
    int rc = obj ? 0 : -1;
    rc |= json_object_set_new(obj, "ts", json_string(ts));
    rc |= json_object_set_new(obj, "level", json_string(level_names[level]));
    append_utf8(&clean, logger.program, strlen(logger.program), LOG_VALUE_MAX);
    rc |= json_object_set_new(obj, "prog", json_stringn(hub_strbuf_text(&clean), clean.len));
    hub_strbuf_free(&clean);
    append_utf8(&clean, msg, strlen(msg), LOG_VALUE_MAX);
    rc |= json_object_set_new(obj, "msg", json_stringn(hub_strbuf_text(&clean), clean.len));
    hub_strbuf_free(&clean);
    for (size_t i = 0; rc == 0 && i < fs->n; i++)
        rc |= json_set_unique(obj, fs->f[i].key.s,
                              json_stringn(hub_strbuf_text(&fs->f[i].value), fs->f[i].value.len));
    char *text = rc == 0 ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text)
        hub_strbuf_str(line, text);
    else
        line->failed = true;
    free(text);
    json_decref(obj);
}

void hub_log(enum hub_log_level level, const char *msg, const char *fields, ...)
{
    char ts[HUB_TIMESTAMP_LEN];
    struct fields fs = {.n = 0};
    struct hub_strbuf line = HUB_STRBUF_INIT;
    FILE *f = logger.stream ? logger.stream : stderr;

    if (level < logger.min_level)
        return;
    if (fields) {
        va_list ap;
        va_start(ap, fields);
        split_fields(&fs, fields, false, &ap);
        va_end(ap);
    }
    fields_clean(&fs);
    now_rfc3339(ts);
    if (logger.format == HUB_LOG_JSON)
        encode_json(&line, ts, level, msg ? msg : "", &fs);
    else
        encode_logfmt(&line, ts, level, msg ? msg : "", &fs);
    fields_free(&fs);
    if (line.failed || !line.s) {
        fprintf(f,
                logger.format == HUB_LOG_JSON
                    ? "{\"ts\":\"%s\",\"level\":\"error\",\"msg\":\"log record lost\"}\n"
                    : "ts=%s level=error msg=\"log record lost\"\n",
                ts);
    } else {
        hub_log_scrub(line.s);
        fprintf(f, "%s\n", line.s);
    }
    fflush(f);
    hub_strbuf_free(&line);
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
