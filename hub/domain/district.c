/*
 * district.c — loading and querying the district table (schemas/reference/districts.csv).
 *
 * The table is small (tens of rows), so lookups are linear. The CSV reader handles RFC 4180
 * quoting on a single line, a UTF-8 byte order mark and CRLF endings; every rejected row is
 * reported by file, line, column and field name so that whoever edits the table can fix it.
 */
#include "hub/domain/district.h"
#include "hub/core/csv.h"
#include "hub/core/paths.h"
#include "hub/core/utf8.h"
#include "hub/core/pnrscan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/core/date.h"

#define NFIELDS 5
#define MAX_LINE 4096
#define MAX_FILE (16 * 1024 * 1024) /* largest table read */

enum { F_CODE, F_NAME, F_VALID_FROM, F_VALID_TO, F_SUCCESSOR };

static const char *const field_names[NFIELDS] = {"code", "name", "valid_from", "valid_to",
                                                 "successor"};

struct row {
    struct hub_district d; /* first, so that &row->d is what callers see */
    size_t line;
};

struct hub_districts {
    struct row *rows;
    size_t n, cap;
};

void hub_districts_destroy(hub_districts_t *t)
{
    if (!t)
        return;
    free(t->rows);
    free(t);
}

size_t hub_districts_count(const hub_districts_t *t)
{
    return t ? t->n : 0;
}

const struct hub_district *hub_districts_at(const hub_districts_t *t, size_t index)
{
    if (!t || index >= t->n)
        return NULL;
    return &t->rows[index].d;
}

static const struct row *find_row(const hub_districts_t *t, const char *code)
{
    if (!t || !code)
        return NULL;
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->rows[i].d.code, code) == 0)
            return &t->rows[i];
    }
    return NULL;
}

const struct hub_district *hub_districts_find(const hub_districts_t *t, const char *code)
{
    const struct row *r = find_row(t, code);
    return r ? &r->d : NULL;
}

bool hub_district_valid_on(const struct hub_district *d, int32_t day)
{
    return d && day >= d->valid_from && day <= d->valid_to;
}

bool hub_district_code_valid(const char *s)
{
    size_t len = s ? strnlen(s, HUB_DISTRICT_CODE_MAX) : 0;

    if (len == 0 || len >= HUB_DISTRICT_CODE_MAX || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

/* True when `s` is well-formed UTF-8 (no overlong forms, surrogates) without control chars. */
static bool is_utf8_text(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return hub_utf8_valid(s, strlen(s));
}

/* Sets a HUB_ECONFIG_VALUE error for field `f` of `path`:`line`. */
static int field_error(struct hub_error *err, const char *path, size_t line, int f,
                       const char *what)
{
    return hub_error_set(err, HUB_ECONFIG_VALUE, "%s:%zu: column %d (%s): %s", path, line, f + 1,
                         field_names[f], what);
}

static int parse_date_field(const char *s, const char *path, size_t line, int f, int32_t *out,
                            struct hub_error *err)
{
    struct hub_error local;
    struct hub_date d;

    if (hub_date_parse_iso(s, &d, &local) != 0)
        return field_error(err, path, line, f, local.msg);
    *out = hub_date_to_days(&d);
    return 0;
}

/* Checks and stores one data row; `fields` hold NFIELDS strings. */
static int parse_row(hub_districts_t *t, char *fields[NFIELDS], const char *path, size_t line,
                     struct hub_error *err)
{
    struct row r;
    const struct row *dup;
    int rc;

    memset(&r, 0, sizeof r);
    r.line = line;
    if (!hub_district_code_valid(fields[F_CODE]))
        return field_error(err, path, line, F_CODE,
                           "must be 1-31 characters: a-z first, then a-z, 0-9 or '-'");
    dup = find_row(t, fields[F_CODE]);
    if (dup) {
        return hub_error_set(err, HUB_ECONFIG_VALUE,
                             "%s:%zu: column 1 (code): %s is already defined on line %zu", path,
                             line, fields[F_CODE], dup->line);
    }
    memcpy(r.d.code, fields[F_CODE], strlen(fields[F_CODE]) + 1);

    if (fields[F_NAME][0] == '\0' || strlen(fields[F_NAME]) >= HUB_DISTRICT_NAME_MAX)
        return field_error(err, path, line, F_NAME, "must be 1-63 bytes");
    if (!is_utf8_text(fields[F_NAME]))
        return field_error(err, path, line, F_NAME,
                           "is not UTF-8 text (or contains control characters)");
    memcpy(r.d.name, fields[F_NAME], strlen(fields[F_NAME]) + 1);

    rc = parse_date_field(fields[F_VALID_FROM], path, line, F_VALID_FROM, &r.d.valid_from, err);
    if (rc != 0)
        return rc;
    r.d.valid_to = INT32_MAX;
    if (fields[F_VALID_TO][0] != '\0') {
        rc = parse_date_field(fields[F_VALID_TO], path, line, F_VALID_TO, &r.d.valid_to, err);
        if (rc != 0)
            return rc;
        if (r.d.valid_to < r.d.valid_from)
            return field_error(err, path, line, F_VALID_TO, "is before valid_from");
    }

    if (fields[F_SUCCESSOR][0] != '\0') {
        if (!hub_district_code_valid(fields[F_SUCCESSOR]))
            return field_error(err, path, line, F_SUCCESSOR, "is not a district code");
        if (strcmp(fields[F_SUCCESSOR], r.d.code) == 0)
            return field_error(err, path, line, F_SUCCESSOR, "names the district itself");
        if (r.d.valid_to == INT32_MAX)
            return field_error(err, path, line, F_SUCCESSOR,
                               "set, but valid_to is empty (the district still exists)");
        memcpy(r.d.successor, fields[F_SUCCESSOR], strlen(fields[F_SUCCESSOR]) + 1);
    }

    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 32;
        struct row *rows = realloc(t->rows, cap * sizeof *rows);
        if (!rows)
            return hub_error_set(err, HUB_ENOMEM, "%s:%zu: out of memory", path, line);
        t->rows = rows;
        t->cap = cap;
    }
    t->rows[t->n++] = r;
    return 0;
}

/* Every successor must exist, and following successors must end (no cycle). */
static int check_successors(const hub_districts_t *t, const char *path, struct hub_error *err)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct row *r = &t->rows[i];
        size_t steps = 0;

        while (r->d.successor[0] != '\0') {
            const struct row *next = find_row(t, r->d.successor);
            if (!next)
                return hub_error_set(err, HUB_ECONFIG_VALUE,
                                     "%s:%zu: column 5 (successor): unknown district %s", path,
                                     r->line, r->d.successor);
            if (++steps > t->n)
                return hub_error_set(err, HUB_ECONFIG_VALUE,
                                     "%s:%zu: column 5 (successor): successors form a cycle", path,
                                     t->rows[i].line);
            r = next;
        }
    }
    return 0;
}

/* What a row of the table needs: the table being filled and the file's name. */
struct load_ctx {
    hub_districts_t *t;
    const char *path;
};

static int district_row(void *ud, char **fields, unsigned long line, struct hub_error *err)
{
    struct load_ctx *x = ud;
    return parse_row(x->t, fields, x->path, line, err);
}

int hub_districts_load(const char *csv_path, hub_districts_t **out, struct hub_error *err)
{
    hub_districts_t *t = NULL;
    int rc;

    if (!out)
        return hub_error_set(err, HUB_EINVAL, "districts: no output given");
    *out = NULL;
    if (!csv_path)
        return hub_error_set(err, HUB_EINVAL, "districts: no file given");
    t = calloc(1, sizeof *t);
    if (!t)
        return hub_error_set(err, HUB_ENOMEM, "%s: out of memory", csv_path);
    struct load_ctx x = {t, csv_path};
    const struct hub_csv_table table = {.path = csv_path,
                                        .columns = field_names,
                                        .ncolumns = NFIELDS,
                                        .max_line = MAX_LINE,
                                        .max_file = MAX_FILE,
                                        .no_header = "empty file; expected the header",
                                        .row = district_row,
                                        .ud = &x};
    if ((rc = hub_csv_read_table(&table, err)) != 0)
        goto out;
    if (t->n == 0) {
        rc = hub_error_set(err, HUB_ECONFIG_VALUE, "%s: no districts after the header", csv_path);
        goto out;
    }
    if ((rc = check_successors(t, csv_path, err)) != 0)
        goto out;
    *out = t;
    t = NULL;
out:
    hub_districts_destroy(t);
    return rc;
}

int hub_districts_check(const hub_districts_t *t, const char *code, int32_t day,
                        struct hub_error *err)
{
    const struct hub_district *d = hub_districts_find(t, code);
    char on[HUB_DATE_ISO_LEN], from[HUB_DATE_ISO_LEN], to[HUB_DATE_ISO_LEN];

    if (!d) {
        /* Only echo what looks like a code: never a stray personnummer. */
        if (code && hub_district_code_valid(code) && !hub_pnr_find(code, strlen(code), NULL, NULL))
            return hub_error_set(err, HUB_EDISTRICT, "unknown district code %s", code);
        return hub_error_set(err, HUB_EDISTRICT,
                             "district code is not one (lowercase a-z, 0-9, "
                             "'-')");
    }
    if (hub_district_valid_on(d, day))
        return 0;
    if (hub_date_format(day, on) != 0)
        memcpy(on, "?", 2);
    if (hub_date_format(d->valid_from, from) != 0)
        memcpy(from, "?", 2);
    if (d->valid_to == INT32_MAX)
        return hub_error_set(err, HUB_EDISTRICT_DATE,
                             "district %s is not valid on %s (valid from %s)", d->code, on, from);
    if (hub_date_format(d->valid_to, to) != 0)
        memcpy(to, "?", 2);
    return hub_error_set(err, HUB_EDISTRICT_DATE,
                         "district %s is not valid on %s (valid %s to %s%s%s)", d->code, on, from,
                         to, d->successor[0] ? "; successor " : "", d->successor);
}

const struct hub_district *hub_districts_current(const hub_districts_t *t, const char *code,
                                                 int32_t day)
{
    const struct hub_district *d = hub_districts_find(t, code);

    /* Loading rejected cycles, so the chain is at most count long. */
    for (size_t steps = 0; d && steps <= hub_districts_count(t); steps++) {
        if (hub_district_valid_on(d, day))
            return d;
        if (day < d->valid_from || d->successor[0] == '\0')
            return NULL;
        d = hub_districts_find(t, d->successor);
    }
    return NULL;
}

int hub_districts_default_path(char *buf, size_t n)
{
    char dir[4096];
    int len;

    if (!buf || n == 0)
        return HUB_EINVAL;
    if (hub_data_dir(HUB_DATA_REFERENCE, dir, sizeof dir) != 0)
        return HUB_ERANGE;
    len = snprintf(buf, n, "%s/%s", dir, HUB_DISTRICTS_FILE);
    if (len < 0 || (size_t)len >= n) {
        buf[0] = '\0';
        return HUB_ERANGE;
    }
    return 0;
}

int hub_districts_load_dir(const char *dir, hub_districts_t **out, struct hub_error *err)
{
    char path[4096];
    int len;

    *out = NULL;
    if (dir && *dir) {
        len = snprintf(path, sizeof path, "%s/%s", dir, HUB_DISTRICTS_FILE);
        if (len < 0 || (size_t)len >= sizeof path)
            return hub_error_set(err, HUB_ERANGE, "hub.reference_dir: path too long");
    } else if (hub_districts_default_path(path, sizeof path) != 0) {
        return hub_error_set(err, HUB_ERANGE, "districts table: default path too long");
    }
    return hub_districts_load(path, out, err);
}
