/*
 * directory.c — the school directory: CSV parsing and validation, hub.schools, and the
 * `school-directory` topic.
 *
 * The CSV is read whole (it is small: Sweden has a few thousand school units) and parsed by a
 * small RFC 4180 state machine that reports the line each record starts on. Validation collects
 * every problem of every row, so an operator fixes a file in one round.
 */
#include "hub/directory/directory.h"
#include "hub/kafka/kafka.h"
#include "hub/core/csv.h"
#include "hub/crypto/sign.h"
#include "hub/core/netguard.h"
#include "hub/core/utf8.h"
#include "hub/pg/pg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

static const char *const huvudman_names[HUB_HUVUDMAN__COUNT] = {"kommunal", "fristående",
                                                                "statlig"};
static const char *const column_names[HUB_SCHOOLS_COLUMNS] = {
    "skolenhetskod", "name",       "huvudman_type",      "kommunkod",
    "webhook_url",   "public_key", "signing_secret_ref", "email"};
enum { COL_UNIT, COL_NAME, COL_HUVUDMAN, COL_KOMMUN, COL_URL, COL_KEY, COL_SECRET, COL_EMAIL };

struct hub_directory {
    struct hub_school *v;
    size_t n, cap;
};

const char *hub_huvudman_name(enum hub_huvudman h)
{
    return (unsigned)h < HUB_HUVUDMAN__COUNT ? huvudman_names[h] : NULL;
}

int hub_huvudman_parse(const char *s, enum hub_huvudman *out)
{
    for (int i = 0; s && i < HUB_HUVUDMAN__COUNT; i++) {
        if (strcmp(s, huvudman_names[i]) == 0) {
            *out = (enum hub_huvudman)i;
            return 0;
        }
    }
    return HUB_EENUM;
}

/* ---- the directory as a sorted array ---- */

static void school_free(struct hub_school *s)
{
    free(s->name);
    free(s->webhook_url);
    free(s->public_key);
    free(s->signing_secret_ref);
    free(s->email);
    memset(s, 0, sizeof *s);
}

void hub_directory_destroy(hub_directory_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        school_free(&d->v[i]);
    free(d->v);
    free(d);
}

static struct hub_school *dir_push(hub_directory_t *d)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        struct hub_school *v = realloc(d->v, cap * sizeof *v);
        if (!v)
            return NULL;
        d->v = v;
        d->cap = cap;
    }
    struct hub_school *s = &d->v[d->n++];
    memset(s, 0, sizeof *s);
    return s;
}

static int cmp_school(const void *a, const void *b)
{
    return strcmp(((const struct hub_school *)a)->unit, ((const struct hub_school *)b)->unit);
}

size_t hub_directory_count(const hub_directory_t *d)
{
    return d ? d->n : 0;
}

const struct hub_school *hub_directory_at(const hub_directory_t *d, size_t i)
{
    return d && i < d->n ? &d->v[i] : NULL;
}

const struct hub_school *hub_directory_find(const hub_directory_t *d, const char *unit)
{
    struct hub_school key;
    if (!d || d->n == 0 || !unit || strlen(unit) >= sizeof key.unit)
        return NULL;
    memcpy(key.unit, unit, strlen(unit) + 1);
    return bsearch(&key, d->v, d->n, sizeof *d->v, cmp_school);
}

int hub_directory_recipient_key(const hub_directory_t *d, const char *unit,
                                uint8_t out[HUB_SEAL_KEY_LEN], struct hub_error *err)
{
    const struct hub_school *s = hub_directory_find(d, unit);
    if (!s)
        return hub_error_set(err, HUB_ENOTFOUND, "receiving school %s is not in the directory",
                             unit);
    if (s->removed)
        return hub_error_set(err, HUB_ENOTFOUND,
                             "receiving school %s was removed from the directory (%s)", unit,
                             s->removed_at);
    if (!s->public_key)
        return hub_error_set(err, HUB_ENOTFOUND,
                             "receiving school %s has no public key in the directory", unit);
    if (!s->public_key_ok)
        return hub_error_set(err, HUB_ESEAL_KEY,
                             "receiving school %s has an unusable public key in the directory",
                             unit);
    memcpy(out, s->public_key_raw, HUB_SEAL_KEY_LEN);
    return 0;
}

/* ---- CSV ---- */

/* ---- validation ---- */

struct checker {
    const char *name;
    hub_directory_problem_fn on_problem;
    void *ud;
    size_t problems;
    struct hub_error first;
    /* skolenhetskod → line, open addressing over the 8-digit value (+1, 0 = empty) */
    uint32_t *keys;
    unsigned long *lines;
    size_t slots, used;
};

static void problem(struct checker *k, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(struct checker *k, unsigned long line, const char *fmt, ...)
{
    char text[HUB_ERROR_MSG_MAX], full[HUB_ERROR_MSG_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    snprintf(full, sizeof full, "%s:%lu: %s", k->name, line, text);
    if (k->problems++ == 0)
        hub_error_set(&k->first, HUB_EINVAL, "%s", full);
    if (k->on_problem)
        k->on_problem(k->ud, full);
}

static bool all_digits(const char *s, size_t want)
{
    size_t n = strlen(s);
    if (n != want)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Records skolenhetskod `code` (8 digits) on `line`; returns the earlier line or 0. */
static unsigned long seen_before(struct checker *k, const char *code, unsigned long line,
                                 int *nomem)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v * 10 + (uint32_t)(code[i] - '0');
    v += 1;
    if ((k->used + 1) * 2 > k->slots) {
        size_t slots = k->slots ? k->slots * 2 : 1024;
        uint32_t *keys = calloc(slots, sizeof *keys);
        unsigned long *lines = calloc(slots, sizeof *lines);
        if (!keys || !lines) {
            free(keys);
            free(lines);
            *nomem = 1;
            return 0;
        }
        for (size_t i = 0; i < k->slots; i++) {
            if (!k->keys[i])
                continue;
            size_t h = (k->keys[i] * 2654435761u) & (slots - 1);
            while (keys[h])
                h = (h + 1) & (slots - 1);
            keys[h] = k->keys[i];
            lines[h] = k->lines[i];
        }
        free(k->keys);
        free(k->lines);
        k->keys = keys;
        k->lines = lines;
        k->slots = slots;
    }
    size_t h = (v * 2654435761u) & (k->slots - 1);
    while (k->keys[h]) {
        if (k->keys[h] == v)
            return k->lines[h];
        h = (h + 1) & (k->slots - 1);
    }
    k->keys[h] = v;
    k->lines[h] = line;
    k->used++;
    return 0;
}

/* The form of a webhook URL, parsed by libcurl's URL API (hub/netguard.h): https, or http to a
 * loopback address (the tests' and the demo's receiver); no user information; a host. Whether
 * the address may be called at all is judged at import (hub_directory_import) and on every
 * connection, with the operator's hub.notifier.allow_ranges. */
static void check_url(struct checker *k, unsigned long line, const char *url)
{
    static const struct hub_netallow any = {
        2, {{AF_INET, {0}, 0}, {AF_INET6, {0}, 0}}}; /* 0.0.0.0/0 and ::/0: the form only */
    struct hub_error e = {0};
    if (strlen(url) > HUB_SCHOOL_URL_MAX) {
        problem(k, line, "webhook_url: longer than %d bytes", HUB_SCHOOL_URL_MAX);
        return;
    }
    if (strchr(url, ' ')) {
        problem(k, line, "webhook_url: contains a space (percent-encode it as %%20)");
        return;
    }
    if (hub_net_check_url(url, strncasecmp(url, "http://", 7) == 0, &any, &e) != 0) {
        problem(k, line, "%s", e.msg);
        return;
    }
    if (strncasecmp(url, "https://", 8) != 0 && !hub_net_url_is_loopback(url))
        problem(k, line,
                "webhook_url: http:// is allowed only for a loopback host (tests); a school's "
                "endpoint is https://");
}

static void check_email(struct checker *k, unsigned long line, const char *e)
{
    const char *at = strchr(e, '@');
    const char *dom = at ? at + 1 : NULL;
    size_t n = strlen(e);
    if (n > HUB_SCHOOL_EMAIL_MAX)
        problem(k, line, "email: longer than %d bytes", HUB_SCHOOL_EMAIL_MAX);
    else if (!at || at == e || strchr(dom, '@') || !strchr(dom, '.') || *dom == '.' ||
             e[n - 1] == '.' || strchr(e, ' '))
        problem(k, line, "email: '%s' is not an e-mail address", e);
}

static int dup_opt(const char *s, char **out)
{
    *out = NULL;
    if (!*s)
        return 0;
    *out = strdup(s);
    return *out ? 0 : HUB_ENOMEM;
}

/* Validates one data record; adds the school to `d` when it is valid. */
static int check_row(struct checker *k, const struct hub_csv_record *r, hub_directory_t *d)
{
    unsigned long line = r->line;
    size_t before = k->problems;
    int nomem = 0;
    enum hub_huvudman hm = HUB_HUVUDMAN_KOMMUNAL;
    uint8_t raw[HUB_SEAL_KEY_LEN];
    bool key_ok = false;

    if (r->nfields != HUB_SCHOOLS_COLUMNS) {
        problem(k, line, "row: %zu columns, expected %d (%s)", r->nfields, HUB_SCHOOLS_COLUMNS,
                HUB_SCHOOLS_CSV_HEADER);
        return 0;
    }
    for (size_t i = 0; i < HUB_SCHOOLS_COLUMNS; i++) {
        const unsigned char *s = (const unsigned char *)hub_csv_field(r, i);
        size_t n = r->lens[i];
        bool ctrl = false;
        for (size_t j = 0; j < n; j++)
            if (s[j] < 0x20 || s[j] == 0x7f)
                ctrl = true;
        if (ctrl)
            problem(k, line, "%s: contains a control character (a line break, tab or NUL)",
                    column_names[i]);
        else if (!hub_utf8_valid(s, n))
            problem(k, line, "%s: not valid UTF-8", column_names[i]);
    }
    if (k->problems != before)
        return 0;

    const char *unit = hub_csv_field(r, COL_UNIT);
    if (!all_digits(unit, 8)) {
        problem(k, line, "skolenhetskod: '%s' is not 8 digits", unit);
    } else {
        unsigned long prev = seen_before(k, unit, line, &nomem);
        if (nomem)
            return HUB_ENOMEM;
        if (prev)
            problem(k, line, "skolenhetskod: %s is already on line %lu", unit, prev);
    }
    const char *name = hub_csv_field(r, COL_NAME);
    size_t name_len = strlen(name);
    if (name_len == 0)
        problem(k, line, "name: empty");
    else if (name_len > HUB_SCHOOL_NAME_MAX)
        problem(k, line, "name: longer than %d bytes", HUB_SCHOOL_NAME_MAX);
    else if (name[0] == ' ' || name[name_len - 1] == ' ')
        problem(k, line, "name: begins or ends with a space");
    const char *hs = hub_csv_field(r, COL_HUVUDMAN);
    if (hub_huvudman_parse(hs, &hm) != 0)
        problem(k, line, "huvudman_type: '%s' is not kommunal, fristående or statlig", hs);
    const char *kommun = hub_csv_field(r, COL_KOMMUN);
    if (!all_digits(kommun, 4))
        problem(k, line, "kommunkod: '%s' is not 4 digits", kommun);
    const char *url = hub_csv_field(r, COL_URL);
    if (*url)
        check_url(k, line, url);
    const char *key = hub_csv_field(r, COL_KEY);
    if (*key) {
        struct hub_error e = {0};
        if (hub_seal_public_key_parse(key, raw, &e) != 0)
            problem(k, line, "public_key: %s", e.msg);
        else
            key_ok = true;
    }
    const char *secret = hub_csv_field(r, COL_SECRET);
    if (*secret) {
        if (secret[0] != '/')
            problem(k, line, "signing_secret_ref: must be an absolute path");
        else if (strlen(secret) > HUB_SCHOOL_PATH_MAX)
            problem(k, line, "signing_secret_ref: longer than %d bytes", HUB_SCHOOL_PATH_MAX);
    }
    const char *email = hub_csv_field(r, COL_EMAIL);
    if (*email)
        check_email(k, line, email);
    if (k->problems != before || k->problems != 0)
        return 0; /* nothing is returned from an invalid file: stop collecting schools */

    struct hub_school *s = dir_push(d);
    if (!s)
        return HUB_ENOMEM;
    memcpy(s->unit, unit, 9);
    memcpy(s->kommun, kommun, 5);
    s->huvudman = hm;
    s->line = line;
    s->public_key_ok = key_ok;
    if (key_ok)
        memcpy(s->public_key_raw, raw, sizeof raw);
    if (!(s->name = strdup(name)) || dup_opt(url, &s->webhook_url) ||
        dup_opt(key, &s->public_key) || dup_opt(secret, &s->signing_secret_ref) ||
        dup_opt(email, &s->email))
        return HUB_ENOMEM;
    return 0;
}

static int check_header(struct checker *k, const struct hub_csv_record *r)
{
    bool ok = r->nfields == HUB_SCHOOLS_COLUMNS;
    for (size_t i = 0; ok && i < HUB_SCHOOLS_COLUMNS; i++)
        ok = strcmp(hub_csv_field(r, i), column_names[i]) == 0;
    if (!ok)
        problem(k, r->line, "header: expected %s", HUB_SCHOOLS_CSV_HEADER);
    return ok ? 0 : HUB_EINVAL;
}

int hub_directory_read_csv(FILE *f, const char *name, hub_directory_problem_fn on_problem, void *ud,
                           hub_directory_t **out, struct hub_error *err)
{
    struct checker k = {.name = name ? name : "<schools>", .on_problem = on_problem, .ud = ud};
    struct hub_csv_record r = {0};
    struct hub_csv_reader c;
    hub_directory_t *d = NULL;
    char *data = NULL;
    size_t len = 0;
    size_t bad = 0;
    const char *why = NULL;
    bool header = true;
    int rc;

    *out = NULL;
    if ((rc = hub_csv_slurp(f, k.name, HUB_SCHOOLS_FILE_MAX, &data, &len, err)) != 0)
        return rc;
    d = calloc(1, sizeof *d);
    if (!d) {
        rc = hub_error_set(err, HUB_ENOMEM, "%s: out of memory", k.name);
        goto out;
    }
    hub_csv_reader_init(&c, data, len, false);
    for (;;) {
        rc = hub_csv_next(&c, &r, &bad, &why);
        if (rc == 0)
            break;
        if (rc == HUB_ENOMEM) {
            rc = hub_error_set(err, HUB_ENOMEM, "%s: out of memory", k.name);
            goto out;
        }
        if (rc == HUB_EINVAL) {
            problem(&k, r.line, "%s: %s", bad < HUB_SCHOOLS_COLUMNS ? column_names[bad] : "row",
                    why);
            if (header)
                break;
            continue;
        }
        if (header) {
            header = false;
            if (check_header(&k, &r) != 0)
                break;
            continue;
        }
        if (check_row(&k, &r, d) != 0) {
            rc = hub_error_set(err, HUB_ENOMEM, "%s: out of memory", k.name);
            goto out;
        }
    }
    if (header && k.problems == 0)
        problem(&k, 1, "header: the file is empty; expected %s", HUB_SCHOOLS_CSV_HEADER);
    if (k.problems) {
        if (k.problems > 1)
            hub_error_set(err, HUB_EINVAL, "%s (and %zu more problem%s)", k.first.msg,
                          k.problems - 1, k.problems == 2 ? "" : "s");
        else
            hub_error_set(err, HUB_EINVAL, "%s", k.first.msg);
        rc = HUB_EINVAL;
        goto out;
    }
    if (d->n > 1)
        qsort(d->v, d->n, sizeof *d->v, cmp_school);
    *out = d;
    d = NULL;
    rc = 0;
out:
    hub_directory_destroy(d);
    hub_csv_record_free(&r);
    free(k.keys);
    free(k.lines);
    free(data);
    return rc;
}

int hub_directory_load_csv(const char *path, hub_directory_problem_fn on_problem, void *ud,
                           hub_directory_t **out, struct hub_error *err)
{
    FILE *f;
    int rc;
    *out = NULL;
    if (!path || !*path)
        return hub_error_set(err, HUB_EINVAL, "school directory: no file named");
    f = fopen(path, "rb");
    if (!f)
        return hub_error_set(err, HUB_EIO, "%s: cannot open: %s", path, strerror(errno));
    rc = hub_directory_read_csv(f, path, on_problem, ud, out, err);
    fclose(f);
    return rc;
}

int hub_directory_write_csv(FILE *out, const hub_directory_t *d, bool include_removed,
                            struct hub_error *err)
{
    fputs(HUB_SCHOOLS_CSV_HEADER "\n", out);
    for (size_t i = 0; d && i < d->n; i++) {
        const struct hub_school *s = &d->v[i];
        if (s->removed && !include_removed)
            continue;
        hub_csv_write_field(out, s->unit, ",");
        hub_csv_write_field(out, s->name, ",");
        hub_csv_write_field(out, huvudman_names[s->huvudman], ",");
        hub_csv_write_field(out, s->kommun, ",");
        hub_csv_write_field(out, s->webhook_url, ",");
        hub_csv_write_field(out, s->public_key, ",");
        hub_csv_write_field(out, s->signing_secret_ref, ",");
        hub_csv_write_field(out, s->email, "\n");
    }
    if (fflush(out) != 0 || ferror(out))
        return hub_error_set(err, HUB_EIO, "writing the school directory failed");
    return 0;
}

int hub_directory_school_record(const struct hub_school *s, json_t **out, struct hub_error *err)
{
    json_t *o = json_object();
    int bad = !o;

    *out = NULL;
    bad = bad || json_object_set_new(o, "skolenhetskod", json_string(s->unit)) ||
          json_object_set_new(o, "name", json_string(s->name)) ||
          json_object_set_new(o, "huvudman_type", json_string(huvudman_names[s->huvudman])) ||
          json_object_set_new(o, "kommunkod", json_string(s->kommun)) ||
          json_object_set_new(o, "public_key",
                              s->public_key ? json_string(s->public_key) : json_null());
    if (bad) {
        json_decref(o);
        return hub_error_set(err, HUB_ENOMEM, "school %s: cannot build its directory record",
                             s->unit);
    }
    *out = o;
    return 0;
}

int hub_directory_schema_new(hub_avro_record_schema_t **out, struct hub_error *err)
{
    /* a school with every optional field set, so that every field of the schema is written */
    char name[] = "sample", key[] = "sample";
    struct hub_school sample = {.unit = "00000000",
                                .name = name,
                                .huvudman = HUB_HUVUDMAN_KOMMUNAL,
                                .kommun = "0180",
                                .public_key = key};
    hub_avro_record_schema_t *schema = NULL;
    json_t *rec = NULL;
    int rc;

    *out = NULL;
    if ((rc = hub_avro_record_schema_new(HUB_DIRECTORY_RECORD_NAME, &schema, err)) != 0)
        return rc;
    if ((rc = hub_directory_school_record(&sample, &rec, err)) == 0)
        rc = hub_avro_record_check_builder(schema, rec, err);
    json_decref(rec);
    if (rc) {
        hub_avro_record_schema_destroy(schema);
        return rc;
    }
    *out = schema;
    return 0;
}

int hub_directory_school_value(const hub_avro_record_schema_t *schema, const struct hub_school *s,
                               uint8_t **out, size_t *len, struct hub_error *err)
{
    json_t *rec = NULL;
    int rc;

    *out = NULL;
    *len = 0;
    if ((rc = hub_directory_school_record(s, &rec, err)) != 0)
        return rc;
    rc = hub_avro_record_encode(schema, rec, out, len, err);
    json_decref(rec);
    if (rc)
        hub_error_prefix(err, "school %s: ", s->unit);
    return rc;
}

/* ---- PostgreSQL ---- */

/* Adds the hint to migrate when hub.schools does not exist (SQLSTATE 42P01). */
static int with_hint(int rc, struct hub_error *err)
{
    if (rc && err && strstr(err->msg, "42P01")) {
        char msg[HUB_ERROR_MSG_MAX];
        memcpy(msg, err->msg, sizeof msg);
        hub_error_set(err, rc, "%.400s; run `hubctl migrate` (migration 003 creates hub.schools)",
                      msg);
    }
    return rc;
}

static int copy_opt(const PGresult *res, int row, int col, char **out)
{
    *out = NULL;
    if (PQgetisnull(res, row, col))
        return 0;
    *out = strdup(PQgetvalue(res, row, col));
    return *out ? 0 : HUB_ENOMEM;
}

int hub_directory_load_pg(PGconn *conn, hub_directory_t **out, struct hub_error *err)
{
    static const char sql[] =
        "SELECT skolenhetskod, name, huvudman_type, kommunkod, webhook_url, public_key,"
        "       signing_secret_ref, email,"
        "       coalesce(to_char(removed_at AT TIME ZONE 'UTC',"
        "                        'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), ''),"
        "       to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        "  FROM hub.schools ORDER BY skolenhetskod COLLATE \"C\"";
    PGresult *res = NULL;
    hub_directory_t *d = NULL;
    int rc;

    *out = NULL;
    rc = with_hint(hub_pg_exec(conn, "load the school directory", sql, 0, NULL, &res, err), err);
    if (rc)
        return rc;
    d = calloc(1, sizeof *d);
    if (!d) {
        rc = hub_error_set(err, HUB_ENOMEM, "school directory: out of memory");
        goto out;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        struct hub_school *s = dir_push(d);
        const char *unit = PQgetvalue(res, i, 0), *kommun = PQgetvalue(res, i, 3);
        if (!s) {
            rc = hub_error_set(err, HUB_ENOMEM, "school directory: out of memory");
            goto out;
        }
        if (!all_digits(unit, 8) || !all_digits(kommun, 4) ||
            hub_huvudman_parse(PQgetvalue(res, i, 2), &s->huvudman) != 0) {
            d->n--;
            rc = hub_error_set(err, HUB_EPG, "hub.schools: a row breaks the table's checks");
            goto out;
        }
        memcpy(s->unit, unit, 9);
        memcpy(s->kommun, kommun, 5);
        snprintf(s->removed_at, sizeof s->removed_at, "%s", PQgetvalue(res, i, 8));
        snprintf(s->updated_at, sizeof s->updated_at, "%s", PQgetvalue(res, i, 9));
        s->removed = s->removed_at[0] != '\0';
        if (!(s->name = strdup(PQgetvalue(res, i, 1))) || copy_opt(res, i, 4, &s->webhook_url) ||
            copy_opt(res, i, 5, &s->public_key) || copy_opt(res, i, 6, &s->signing_secret_ref) ||
            copy_opt(res, i, 7, &s->email)) {
            rc = hub_error_set(err, HUB_ENOMEM, "school directory: out of memory");
            goto out;
        }
        if (s->public_key) {
            struct hub_error e = {0};
            s->public_key_ok = hub_seal_public_key_parse(s->public_key, s->public_key_raw, &e) == 0;
        }
    }
    if (d->n > 1)
        qsort(d->v, d->n, sizeof *d->v, cmp_school);
    *out = d;
    d = NULL;
out:
    hub_directory_destroy(d);
    PQclear(res);
    return rc;
}

void hub_directory_changes_free(struct hub_directory_changes *ch)
{
    if (!ch)
        return;
    free(ch->v);
    memset(ch, 0, sizeof *ch);
}

static int change_add(struct hub_directory_changes *ch, const char *unit,
                      enum hub_directory_change_kind kind)
{
    if (ch->n == ch->cap) {
        size_t cap = ch->cap ? ch->cap * 2 : 64;
        struct hub_directory_change *v = realloc(ch->v, cap * sizeof *v);
        if (!v)
            return HUB_ENOMEM;
        ch->v = v;
        ch->cap = cap;
    }
    snprintf(ch->v[ch->n].unit, sizeof ch->v[ch->n].unit, "%s", unit);
    ch->v[ch->n].kind = kind;
    ch->n++;
    if (kind == HUB_DIR_ADDED)
        ch->added++;
    else if (kind == HUB_DIR_CHANGED)
        ch->changed++;
    else
        ch->removed++;
    return 0;
}

static int cmp_change(const void *a, const void *b)
{
    const struct hub_directory_change *x = a, *y = b;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    return strcmp(x->unit, y->unit);
}

int hub_directory_apply(PGconn *conn, const hub_directory_t *d, struct hub_directory_changes *ch,
                        struct hub_error *err)
{
    /* A row is written only when some column differs, or when it was removed and is back. */
    static const char upsert[] =
        "INSERT INTO hub.schools AS s (skolenhetskod, name, huvudman_type, kommunkod,"
        "                              webhook_url, public_key, signing_secret_ref, email)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
        "                      $6::text[], $7::text[], $8::text[])"
        " ON CONFLICT (skolenhetskod) DO UPDATE SET"
        "   name = EXCLUDED.name, huvudman_type = EXCLUDED.huvudman_type,"
        "   kommunkod = EXCLUDED.kommunkod, webhook_url = EXCLUDED.webhook_url,"
        "   public_key = EXCLUDED.public_key, signing_secret_ref = EXCLUDED.signing_secret_ref,"
        "   email = EXCLUDED.email, removed_at = NULL, updated_at = now()"
        " WHERE (s.name, s.huvudman_type, s.kommunkod, s.webhook_url, s.public_key,"
        "        s.signing_secret_ref, s.email, s.removed_at)"
        "   IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.huvudman_type, EXCLUDED.kommunkod,"
        "        EXCLUDED.webhook_url, EXCLUDED.public_key, EXCLUDED.signing_secret_ref,"
        "        EXCLUDED.email, NULL::timestamptz)"
        " RETURNING s.skolenhetskod, (s.xmax = 0) AS inserted";
    static const char remove[] =
        "UPDATE hub.schools SET removed_at = now(), updated_at = now()"
        " WHERE removed_at IS NULL AND NOT (skolenhetskod = ANY ($1::text[]))"
        " RETURNING skolenhetskod";
    struct hub_pg_array a[HUB_SCHOOLS_COLUMNS];
    const char *params[HUB_SCHOOLS_COLUMNS];
    PGresult *res = NULL;
    int rc;

    memset(a, 0, sizeof a);
    rc = with_hint(hub_pg_exec(conn, "lock hub.schools",
                               "LOCK TABLE hub.schools IN SHARE ROW EXCLUSIVE MODE", 0, NULL, NULL,
                               err),
                   err);
    if (rc)
        return rc;
    for (size_t c = 0; c < HUB_SCHOOLS_COLUMNS; c++)
        hub_pg_array_reset(&a[c]);
    for (size_t i = 0; i < d->n; i++) {
        const struct hub_school *s = &d->v[i];
        const char *v[HUB_SCHOOLS_COLUMNS] = {
            s->unit,        s->name,       huvudman_names[s->huvudman], s->kommun,
            s->webhook_url, s->public_key, s->signing_secret_ref,       s->email};
        for (size_t c = 0; c < HUB_SCHOOLS_COLUMNS; c++) {
            if (v[c])
                hub_pg_array_add_text(&a[c], v[c]);
            else
                hub_pg_array_add_null(&a[c]);
        }
    }
    for (size_t c = 0; c < HUB_SCHOOLS_COLUMNS; c++) {
        if (!(params[c] = hub_pg_array_finish(&a[c]))) {
            rc = hub_error_set(err, HUB_ENOMEM, "school directory: out of memory");
            goto out;
        }
    }
    if ((rc = hub_pg_exec(conn, "upsert hub.schools", upsert, HUB_SCHOOLS_COLUMNS, params, &res,
                          err)))
        goto out;
    for (int i = 0; i < PQntuples(res); i++) {
        bool inserted = PQgetvalue(res, i, 1)[0] == 't';
        if (change_add(ch, PQgetvalue(res, i, 0), inserted ? HUB_DIR_ADDED : HUB_DIR_CHANGED)) {
            rc = hub_error_set(err, HUB_ENOMEM, "school directory: out of memory");
            goto out;
        }
    }
    PQclear(res);
    res = NULL;
    if ((rc = hub_pg_exec(conn, "mark removed schools in hub.schools", remove, 1, params, &res,
                          err)))
        goto out;
    for (int i = 0; i < PQntuples(res); i++) {
        if (change_add(ch, PQgetvalue(res, i, 0), HUB_DIR_REMOVED)) {
            rc = hub_error_set(err, HUB_ENOMEM, "school directory: out of memory");
            goto out;
        }
    }
    if (ch->n > 1)
        qsort(ch->v, ch->n, sizeof *ch->v, cmp_change);
    ch->unchanged = d->n - ch->added - ch->changed;
out:
    PQclear(res);
    for (size_t c = 0; c < HUB_SCHOOLS_COLUMNS; c++)
        hub_pg_array_free(&a[c]);
    return rc;
}

/* Delivery bookkeeping of one import. */
struct delivery {
    size_t acked, failed;
    rd_kafka_resp_err_t first;
};

static void on_delivery(void *ud, void *msg_opaque, rd_kafka_resp_err_t e)
{
    struct delivery *st = ud;
    (void)msg_opaque;
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
        st->acked++;
    } else {
        if (st->failed++ == 0)
            st->first = e;
    }
}

/* Where and how the messages of an import go. */
struct directory_pub {
    hub_producer_t *p;
    const char *topic;
    const hub_avro_record_schema_t *schema;
    const hub_signer_t *signer; /* NULL: unsigned (hub.signing.required=false, no key) */
};

/* Enqueues the value of `s` (or a tombstone when s is NULL) under key `unit`, signed with the
 * hub's key when there is a signer: a tombstone's signature covers its empty value (sign.h). */
static int send_school(const struct directory_pub *pub, const char *unit,
                       const struct hub_school *s, struct hub_error *err)
{
    rd_kafka_headers_t *hdrs = NULL;
    uint8_t *val = NULL;
    size_t len = 0;
    int rc;

    if (s && (rc = hub_directory_school_value(pub->schema, s, &val, &len, err)) != 0)
        return rc;
    if (pub->signer) {
        if (!(hdrs = rd_kafka_headers_new(4))) {
            free(val);
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        }
        rc = hub_signer_sign(pub->signer, HUB_SIGN_HUB, pub->topic, unit, strlen(unit), val, len,
                             hdrs, err);
        if (rc) {
            hub_error_prefix(err, "school %s: ", unit);
            goto out;
        }
    }
    rc = hub_producer_send(pub->p, pub->topic, unit, strlen(unit), val, len, hdrs, NULL, err);
    if (rc == 0)
        hdrs = NULL; /* the producer's now */
out:
    if (hdrs)
        rd_kafka_headers_destroy(hdrs);
    free(val);
    return rc;
}

/* Sends every message of the import; counts them in *sent. */
static int publish_changes(PGconn *conn, const struct directory_pub *pub, const hub_directory_t *d,
                           const struct hub_directory_changes *ch, unsigned flags, size_t *sent,
                           struct hub_error *err)
{
    PGresult *res = NULL;
    int rc = 0;

    if (flags & HUB_DIRECTORY_REPUBLISH) {
        for (size_t i = 0; i < d->n && !rc; i++)
            if (!(rc = send_school(pub, d->v[i].unit, &d->v[i], err)))
                (*sent)++;
        if (rc || (rc = hub_pg_exec(conn, "list removed schools",
                                    "SELECT skolenhetskod FROM hub.schools"
                                    " WHERE removed_at IS NOT NULL ORDER BY 1",
                                    0, NULL, &res, err)))
            return rc;
        for (int i = 0; i < PQntuples(res) && !rc; i++)
            if (!(rc = send_school(pub, PQgetvalue(res, i, 0), NULL, err)))
                (*sent)++;
        PQclear(res);
        return rc;
    }
    for (size_t i = 0; i < ch->n && !rc; i++) {
        const struct hub_directory_change *c = &ch->v[i];
        const struct hub_school *s =
            c->kind == HUB_DIR_REMOVED ? NULL : hub_directory_find(d, c->unit);
        if (c->kind != HUB_DIR_REMOVED && !s)
            return hub_error_set(err, HUB_EINTERNAL, "school %s changed but is not in the file",
                                 c->unit);
        if (!(rc = send_school(pub, c->unit, s, err)))
            (*sent)++;
    }
    return rc;
}

/* Refuses a directory whose webhook URL names a loopback, private, link-local or other non-public
 * address (hub/netguard.h) outside hub.notifier.allow_ranges: a blind SSRF. Names resolve later,
 * on every connection, and are judged there. */
static int check_endpoints(const hub_config_t *cfg, const hub_directory_t *d, struct hub_error *err)
{
    struct hub_netallow allow;
    int rc = hub_netallow_parse(hub_config_get(cfg, "hub.notifier.allow_ranges"), &allow, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < d->n; i++) {
        const struct hub_school *s = &d->v[i];
        if (s->removed || !s->webhook_url || !*s->webhook_url)
            continue;
        if ((rc = hub_net_check_url(s->webhook_url, true, &allow, err)) != 0) {
            hub_error_prefix(err, "school %s: ", s->unit);
            return rc;
        }
    }
    return 0;
}

int hub_directory_import(const hub_config_t *cfg, const hub_directory_t *d, unsigned flags,
                         struct hub_directory_changes *ch, struct hub_error *err)
{
    PGconn *conn = NULL;
    hub_producer_t *p = NULL;
    hub_avro_record_schema_t *schema = NULL;
    hub_signer_t *signer = NULL;
    struct directory_pub pub;
    struct delivery st = {0};
    char topic[256];
    size_t sent = 0;
    bool in_tx = false;
    int rc;

    if (!d || d->n == 0)
        return hub_error_set(err, HUB_EINVAL,
                             "the directory names no school; importing it would remove every "
                             "school, refused");
    if ((rc = check_endpoints(cfg, d, err)) != 0)
        return rc;
    if ((rc = hub_directory_schema_new(&schema, err)) != 0)
        return rc;
    if (!(flags & HUB_DIRECTORY_DRY_RUN)) {
        /* the directory is the city's: signed with the hub's own key, like the receipts */
        if ((rc = hub_signer_new(cfg, NULL, &signer, err)) != 0 ||
            (signer && (rc = hub_signer_check_district(signer, HUB_SIGN_HUB, err)) != 0)) {
            hub_error_prefix(err, "school-directory signing (hub.signing.key_file must be the "
                                  "hub's own key, district " HUB_SIGN_HUB "): ");
            goto out;
        }
    }
    if ((rc = hub_pg_connect(cfg, &conn, err)) != 0)
        goto out;
    if (!(flags & HUB_DIRECTORY_DRY_RUN) &&
        (rc = hub_producer_new(cfg, "hubctl-schools", on_delivery, &st, &p, err)) != 0)
        goto out;
    hub_config_topic(cfg, HUB_TOPIC_SCHOOL_DIRECTORY, topic, sizeof topic);
    if ((rc = hub_pg_begin(conn, err)) != 0)
        goto out;
    in_tx = true;
    if ((rc = hub_directory_apply(conn, d, ch, err)) != 0)
        goto out;
    if (flags & HUB_DIRECTORY_DRY_RUN)
        goto out; /* rolled back below */
    pub = (struct directory_pub){p, topic, schema, signer};
    rc = publish_changes(conn, &pub, d, ch, flags, &sent, err);
    /* Wait for the reports of whatever was enqueued, even after a failed enqueue. */
    (void)hub_producer_flush(p, (int)hub_config_get_int(cfg, "hub.publish.flush_timeout_ms"));
    if (rc)
        goto out;
    ch->published = st.acked;
    if (st.acked != sent) {
        rc = hub_error_set(err, HUB_EKAFKA_UNDELIVERED,
                           "%zu of %zu school-directory messages not acknowledged (%s); the "
                           "database is unchanged",
                           sent - st.acked, sent,
                           st.failed ? rd_kafka_err2str(st.first)
                                     : "no answer within hub.publish.flush_timeout_ms");
        goto out;
    }
    rc = hub_pg_commit(conn, err);
    in_tx = false;
out:
    if (in_tx)
        hub_pg_rollback(conn);
    hub_producer_destroy(p);
    PQfinish(conn);
    hub_signer_destroy(signer);
    hub_avro_record_schema_destroy(schema);
    return rc;
}
