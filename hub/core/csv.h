/*
 * csv.h — RFC 4180 CSV, written and read the same way everywhere.
 *
 * Writing: a field is quoted when it holds a comma, a quote, CR or LF, with every quote doubled.
 *
 * Reading: a whole text in memory, record by record. Fields are separated by commas; a quoted
 * field may hold commas, line breaks and doubled quotes (""), and must be followed by a comma or
 * the line end; a quote inside an unquoted field is an error. Lines end in LF or CRLF; a UTF-8
 * byte-order mark at the start is skipped, blank lines are skipped, and with `comments` so are
 * lines that start with '#'. A record knows the line it starts on; a syntax error names the field
 * and the reader moves past the offending line, so a caller may report it and read on.
 */
#ifndef HUB_CSV_H
#define HUB_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hub/core/err.h"

/* Writes field `v` (NULL: empty) to f, then `after` ("," or ";" between fields, the line end after
 * the last: "\n", or "\r\n" for Excel). A field holding ',', ';', '"' or a line end is quoted. */
void hub_csv_write_field(FILE *f, const char *v, const char *after);

struct hub_csv_reader {
    const char *p, *end;
    unsigned long line; /* of the next character */
    bool comments;      /* skip lines starting with '#' */
};

/* One record: field i is the NUL-terminated string hub_csv_field(r, i) of hub_csv_field_len(r, i)
 * bytes (a field may hold a NUL byte, which a strlen() shorter than the length shows). Reused
 * from record to record; zero it first, hub_csv_record_free() at the end. */
struct hub_csv_record {
    char *buf;
    size_t len, cap;
    size_t *offs, *lens;
    size_t nfields, fcap;
    unsigned long line; /* where the record starts */
};

/* Starts reading data[0..len) (not copied; it must outlive the reader). */
void hub_csv_reader_init(struct hub_csv_reader *c, const char *data, size_t len, bool comments);

/* Reads the next record into *r: 1, 0 at the end of the text, HUB_ENOMEM, or HUB_EINVAL on a
 * syntax error, with *bad_field the 0-based field and *why what is wrong (a constant text);
 * r->line is the record's line. */
int hub_csv_next(struct hub_csv_reader *c, struct hub_csv_record *r, size_t *bad_field,
                 const char **why) HUB_MUST_CHECK;

static inline const char *hub_csv_field(const struct hub_csv_record *r, size_t i)
{
    return r->buf + r->offs[i];
}

static inline size_t hub_csv_field_len(const struct hub_csv_record *r, size_t i)
{
    return r->lens[i];
}

void hub_csv_record_free(struct hub_csv_record *r);

/* Reads all of f into *out (free(); NUL-terminated, *len without the NUL). HUB_ERANGE with
 * "<name>: larger than <max> bytes", HUB_EIO, HUB_ENOMEM. */
int hub_csv_slurp(FILE *f, const char *name, size_t max, char **out, size_t *len,
                  struct hub_error *err) HUB_MUST_CHECK;

/* A table file: a header row naming `columns` exactly, then rows of that many fields. */
struct hub_csv_table {
    const char *path; /* the file read, or only the name in messages when `text` is set */
    const char *text; /* when not NULL: the table's text[0..text_len), read instead of the file */
    size_t text_len;
    const char *const *columns;
    size_t ncolumns;
    size_t max_line; /* bytes of one record, at most */
    size_t max_file; /* bytes of the file, at most */
    bool comments;   /* lines starting with '#' are skipped */
    const char
        *no_header; /* the error after "<path>: " when there is no row: "<no_header> <header>" */
    /* Called for every row, fields[0..ncolumns) NUL-terminated (writable, valid for the call). */
    int (*row)(void *ud, char **fields, unsigned long line, struct hub_error *err);
    void *ud;
};

/* Reads t->path: every syntax problem is HUB_ECONFIG_SYNTAX naming "<path>:<line>:" (and the
 * column where one is to blame): a quoting error, a record longer than max_line, a NUL byte, a
 * header other than the columns, a row with another number of fields, no header at all. Stops at
 * the first problem, or at the first non-zero return of t->row, which is returned. HUB_EIO when
 * the file cannot be opened or read, HUB_ERANGE when it is larger than max_file, HUB_ENOMEM. */
int hub_csv_read_table(const struct hub_csv_table *t, struct hub_error *err) HUB_MUST_CHECK;

#endif
