/* csv.c — RFC 4180 CSV (csv.h). */
#include "hub/core/csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void hub_csv_write_field(FILE *f, const char *v, const char *after)
{
    v = v ? v : "";
    if (strpbrk(v, ",;\"\r\n")) { /* quoted for either separator */
        fputc('"', f);
        for (const char *p = v; *p; p++) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p, f);
        }
        fputc('"', f);
    } else {
        fputs(v, f);
    }
    fputs(after, f);
}

/* ---- reading ---- */

void hub_csv_reader_init(struct hub_csv_reader *c, const char *data, size_t len, bool comments)
{
    c->p = data;
    c->end = data + len;
    c->line = 1;
    c->comments = comments;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        c->p += 3;
}

static int rec_putc(struct hub_csv_record *r, char ch)
{
    if (r->len == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        char *b = realloc(r->buf, cap);
        if (!b)
            return HUB_ENOMEM;
        r->buf = b;
        r->cap = cap;
    }
    r->buf[r->len++] = ch;
    return 0;
}

static int rec_end_field(struct hub_csv_record *r, size_t start)
{
    if (r->nfields == r->fcap) {
        size_t cap = r->fcap ? r->fcap * 2 : 16;
        size_t *o = realloc(r->offs, cap * sizeof *o);
        if (!o)
            return HUB_ENOMEM;
        r->offs = o;
        size_t *l = realloc(r->lens, cap * sizeof *l);
        if (!l)
            return HUB_ENOMEM;
        r->lens = l;
        r->fcap = cap;
    }
    r->offs[r->nfields] = start;
    r->lens[r->nfields] = r->len - start;
    r->nfields++;
    return rec_putc(r, '\0');
}

static bool at_eol(const struct hub_csv_reader *c)
{
    return c->p < c->end &&
           (*c->p == '\n' || (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n'));
}

static void skip_eol(struct hub_csv_reader *c)
{
    c->p += *c->p == '\r' ? 2 : 1;
    c->line++;
}

/* Skips to just after the end of the current physical line. */
static void skip_line(struct hub_csv_reader *c)
{
    while (c->p < c->end && !at_eol(c))
        c->p++;
    if (c->p < c->end)
        skip_eol(c);
}

/* Reads a quoted field (c->p just after the opening quote) into r. */
static int read_quoted(struct hub_csv_reader *c, struct hub_csv_record *r, const char **why)
{
    for (;;) {
        if (c->p >= c->end) {
            *why = "a quoted field is not closed";
            return HUB_EINVAL;
        }
        if (*c->p == '"') {
            if (c->p + 1 < c->end && c->p[1] == '"') {
                if (rec_putc(r, '"'))
                    return HUB_ENOMEM;
                c->p += 2;
                continue;
            }
            c->p++;
            break;
        }
        if (*c->p == '\n')
            c->line++;
        if (rec_putc(r, *c->p++))
            return HUB_ENOMEM;
    }
    if (c->p < c->end && *c->p != ',' && !at_eol(c)) {
        *why = "text after the closing quote";
        skip_line(c);
        return HUB_EINVAL;
    }
    return 0;
}

static int read_bare(struct hub_csv_reader *c, struct hub_csv_record *r, const char **why)
{
    while (c->p < c->end && *c->p != ',' && !at_eol(c)) {
        if (*c->p == '"') {
            *why = "a quote inside an unquoted field (quote the whole field and double the quote)";
            skip_line(c);
            return HUB_EINVAL;
        }
        if (rec_putc(r, *c->p++))
            return HUB_ENOMEM;
    }
    return 0;
}

int hub_csv_next(struct hub_csv_reader *c, struct hub_csv_record *r, size_t *bad_field,
                 const char **why)
{
    for (;;) {
        while (at_eol(c))
            skip_eol(c);
        if (c->comments && c->p < c->end && *c->p == '#') {
            skip_line(c);
            continue;
        }
        break;
    }
    if (c->p >= c->end)
        return 0;
    r->len = 0;
    r->nfields = 0;
    r->line = c->line;
    for (;;) {
        size_t start = r->len;
        int rc;
        if (c->p < c->end && *c->p == '"') {
            c->p++;
            rc = read_quoted(c, r, why);
        } else {
            rc = read_bare(c, r, why);
        }
        if (rc == HUB_EINVAL)
            *bad_field = r->nfields;
        if (rc)
            return rc;
        if (rec_end_field(r, start))
            return HUB_ENOMEM;
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end)
            skip_eol(c);
        return 1;
    }
}

void hub_csv_record_free(struct hub_csv_record *r)
{
    free(r->buf);
    free(r->offs);
    free(r->lens);
    memset(r, 0, sizeof *r);
}

int hub_csv_slurp(FILE *f, const char *name, size_t max, char **out, size_t *len,
                  struct hub_error *err)
{
    char *buf = NULL;
    size_t n = 0, cap = 0;
    *out = NULL;
    *len = 0;
    for (;;) {
        if (cap - n < 65536) {
            size_t ncap = cap ? cap * 2 : 65536 * 2;
            char *b = realloc(buf, ncap);
            if (!b) {
                free(buf);
                return hub_error_set(err, HUB_ENOMEM, "%s: out of memory", name);
            }
            buf = b;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n > max) {
            free(buf);
            return hub_error_set(err, HUB_ERANGE, "%s: larger than %zu bytes", name, max);
        }
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return hub_error_set(err, HUB_EIO, "%s: read error", name);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* ---- tables ---- */

#define TABLE_COLUMNS_MAX 32

static int table_error(const struct hub_csv_table *t, const struct hub_csv_record *r,
                       struct hub_error *err, size_t bad, const char *why)
{
    bool named = bad < t->ncolumns;
    return hub_error_set(err, HUB_ECONFIG_SYNTAX, "%s:%lu: column %zu%s%s%s: %s", t->path, r->line,
                         bad + 1, named ? " (" : "", named ? t->columns[bad] : "", named ? ")" : "",
                         why);
}

/* The problem with one record, or 0. */
static int table_record(const struct hub_csv_table *t, const struct hub_csv_record *r,
                        const char *header, bool *seen_header, struct hub_error *err)
{
    if (r->len > t->max_line)
        return hub_error_set(err, HUB_ECONFIG_SYNTAX, "%s:%lu: line longer than %zu bytes", t->path,
                             r->line, t->max_line);
    for (size_t i = 0; i < r->nfields; i++)
        if (strlen(hub_csv_field(r, i)) != hub_csv_field_len(r, i))
            return hub_error_set(err, HUB_ECONFIG_SYNTAX, "%s:%lu: contains a NUL byte", t->path,
                                 r->line);
    if (!*seen_header) {
        bool same = r->nfields == t->ncolumns;
        for (size_t i = 0; same && i < t->ncolumns; i++)
            same = strcmp(hub_csv_field(r, i), t->columns[i]) == 0;
        if (!same)
            return hub_error_set(err, HUB_ECONFIG_SYNTAX, "%s:%lu: expected the header %s", t->path,
                                 r->line, header);
        *seen_header = true;
        return 0;
    }
    if (r->nfields != t->ncolumns)
        return hub_error_set(err, HUB_ECONFIG_SYNTAX, "%s:%lu: expected %zu fields (%s), got %zu",
                             t->path, r->line, t->ncolumns, header, r->nfields);
    return 0;
}

int hub_csv_read_table(const struct hub_csv_table *t, struct hub_error *err)
{
    struct hub_csv_reader c;
    struct hub_csv_record r = {0};
    char header[1024];
    char *fields[TABLE_COLUMNS_MAX];
    char *data = NULL;
    size_t len = 0, pos = 0;
    bool seen_header = false;
    FILE *f = NULL;
    int rc;

    if (t->ncolumns == 0 || t->ncolumns > TABLE_COLUMNS_MAX)
        return hub_error_set(err, HUB_EINVAL, "%s: a table of %zu columns", t->path, t->ncolumns);
    header[0] = '\0';
    for (size_t i = 0; i < t->ncolumns && pos < sizeof header; i++)
        pos += (size_t)snprintf(header + pos, sizeof header - pos, "%s%s", i ? "," : "",
                                t->columns[i]);
    /* mode "r" of fmemopen reads exactly text_len bytes, NULs included (then refused) */
    f = t->text ? fmemopen((void *)t->text, t->text_len, "r") : fopen(t->path, "r");
    if (!f)
        return hub_error_set(err, HUB_EIO, "%s: cannot open: %s", t->path, strerror(errno));
    if ((rc = hub_csv_slurp(f, t->path, t->max_file, &data, &len, err)) != 0)
        goto out;
    hub_csv_reader_init(&c, data, len, t->comments);
    for (;;) {
        size_t bad = 0;
        const char *why = NULL;
        rc = hub_csv_next(&c, &r, &bad, &why);
        if (rc == 0)
            break;
        if (rc == HUB_ENOMEM) {
            rc = hub_error_set(err, HUB_ENOMEM, "%s: out of memory", t->path);
            goto out;
        }
        if (rc == HUB_EINVAL) {
            rc = table_error(t, &r, err, bad, why);
            goto out;
        }
        bool header_row = !seen_header;
        rc = table_record(t, &r, header, &seen_header, err);
        if (rc == 0 && !header_row) {
            for (size_t i = 0; i < t->ncolumns; i++)
                fields[i] = r.buf + r.offs[i];
            rc = t->row(t->ud, fields, r.line, err);
        }
        if (rc)
            goto out;
    }
    rc = seen_header
             ? 0
             : hub_error_set(err, HUB_ECONFIG_SYNTAX, "%s: %s %s", t->path, t->no_header, header);
out:
    hub_csv_record_free(&r);
    free(data);
    if (f)
        fclose(f);
    return rc;
}
