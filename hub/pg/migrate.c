/*
 * migrate.c — numbered SQL migrations under an advisory lock (see migrate.h).
 *
 * This module owns hub.schema_migrations; everything else in schema `hub` comes from the files.
 */
#include "hub/pg/migrate.h"
#include "hub/core/paths.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/core/log.h"
#include "hub/pg/pg.h"

/* The advisory lock key of migrations: "hubmigr" in ASCII, unlikely to collide. */
#define MIGRATE_LOCK_KEY "29402463180777330"
/* A migration larger than this is a mistake (a data dump in the wrong place). */
#define MIGRATE_FILE_MAX (16u * 1024u * 1024u)
#define MIGRATE_NAME_MAX 256

/* The statements on the bookkeeping table, with the schema's name put in for "%s" (a checked
 * identifier, see schema_ok). */
#define SQL_CREATE_SCHEMA "CREATE SCHEMA IF NOT EXISTS %s"
#define SQL_CREATE_TABLE                                                                           \
    "CREATE TABLE IF NOT EXISTS %s.schema_migrations (\n"                                          \
    "    version integer PRIMARY KEY,\n"                                                           \
    "    name text NOT NULL,\n"                                                                    \
    "    applied_at timestamptz NOT NULL DEFAULT now()\n"                                          \
    ");"
static const char SQL_LOCK[] = "SELECT pg_advisory_lock($1::bigint)";
static const char SQL_UNLOCK[] = "SELECT pg_advisory_unlock($1::bigint)";
#define SQL_APPLIED "SELECT version FROM %s.schema_migrations ORDER BY version"
#define SQL_RECORD                                                                                 \
    "INSERT INTO %s.schema_migrations (version, name, applied_at) VALUES ($1::int, $2, now())"
#define SQL_HAS_TABLE "SELECT to_regclass('%s.schema_migrations') IS NOT NULL"
#define SQL_MAX_VERSION "SELECT coalesce(max(version), 0) FROM %s.schema_migrations"

/* Longest schema name (PostgreSQL's NAMEDATALEN - 1) and longest statement above with it. */
#define MIGRATE_SCHEMA_MAX 63
#define MIGRATE_SQL_MAX 512

/* The statement `tmpl` (one of the SQL_* literals) with the schema's name, in buf. */
#define with_schema(buf, tmpl, schema) (snprintf(buf, MIGRATE_SQL_MAX, tmpl, schema), buf)

/* A schema name we put into SQL text: a lowercase identifier, nothing to quote. */
static bool schema_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > MIGRATE_SCHEMA_MAX || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

struct migration {
    int version;
    char name[MIGRATE_NAME_MAX];
};

struct migration_list {
    struct migration *v;
    size_t n, cap;
};

int hub_migrate_default_dir(char *buf, size_t n)
{
    return hub_data_dir(HUB_DATA_MIGRATIONS, buf, n);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* "012_add_index.sql" → 12; -1 when the name is not NNN_name.sql. */
static int parse_version(const char *name)
{
    const char *p = name;
    long v = 0;

    if (*p < '0' || *p > '9')
        return -1;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (*p - '0');
        if (v > INT_MAX)
            return -1;
        p++;
    }
    if (*p != '_' || v == 0)
        return -1;
    for (p++; *p && strcmp(p, ".sql") != 0; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return -1;
    }
    return (int)v;
}

static int cmp_migration(const void *a, const void *b)
{
    const struct migration *x = a, *y = b;
    return (x->version > y->version) - (x->version < y->version);
}

static int list_migrations(const char *dir, struct migration_list *out, struct hub_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int rc = 0;

    if (!d)
        return hub_error_set(err, HUB_EIO, "migrations directory %s: %s", dir, strerror(errno));
    while ((e = readdir(d)) != NULL) {
        if (!ends_with(e->d_name, ".sql"))
            continue;
        int version = parse_version(e->d_name);
        if (version < 0 || strlen(e->d_name) >= MIGRATE_NAME_MAX) {
            rc = hub_error_set(err, HUB_EINVAL,
                               "%s/%s: a migration must be named NNN_name.sql (NNN > 0, name of "
                               "letters, digits, '_', '-')",
                               dir, e->d_name);
            break;
        }
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 16;
            struct migration *v = realloc(out->v, cap * sizeof *v);
            if (!v) {
                rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
                break;
            }
            out->v = v;
            out->cap = cap;
        }
        out->v[out->n].version = version;
        snprintf(out->v[out->n].name, sizeof out->v[out->n].name, "%s", e->d_name);
        out->n++;
    }
    closedir(d);
    if (rc)
        return rc;
    if (out->n == 0)
        return hub_error_set(err, HUB_ENOTFOUND, "migrations directory %s: no NNN_name.sql files",
                             dir);
    qsort(out->v, out->n, sizeof *out->v, cmp_migration);
    for (size_t i = 1; i < out->n; i++)
        if (out->v[i].version == out->v[i - 1].version)
            return hub_error_set(err, HUB_EINVAL, "%s: %s and %s have the same version %d", dir,
                                 out->v[i - 1].name, out->v[i].name, out->v[i].version);
    return 0;
}

/* Reads a whole file into a NUL-terminated heap buffer. */
static int read_file(const char *path, char **out, struct hub_error *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;

    *out = NULL;
    if (!f)
        return hub_error_set(err, HUB_EIO, "%s: cannot open: %s", path, strerror(errno));
    for (;;) {
        if (cap - len < 4096 + 1) {
            cap = cap ? cap * 2 : 16384;
            if (cap > MIGRATE_FILE_MAX + 4096 + 1) {
                rc = hub_error_set(err, HUB_EINVAL, "%s: larger than %u bytes", path,
                                   MIGRATE_FILE_MAX);
                break;
            }
            char *nb = realloc(buf, cap);
            if (!nb) {
                rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    if (rc == 0 && ferror(f))
        rc = hub_error_set(err, HUB_EIO, "%s: read error", path);
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    *out = buf;
    return 0;
}

/* The 1-based line of the character at 1-based `position` (PostgreSQL counts characters). */
static long line_of(const char *sql, long position)
{
    long line = 1, chars = 0;

    for (const unsigned char *p = (const unsigned char *)sql; *p; p++) {
        if ((*p & 0xC0) != 0x80 && ++chars >= position)
            break;
        if (*p == '\n')
            line++;
    }
    return line;
}

struct apply_ctx {
    const struct migration *m;
    const char *sql;
    const char *schema;
};

static int apply_one(PGconn *conn, void *ud, struct hub_error *err)
{
    const struct apply_ctx *c = ud;
    char version[16];
    const char *params[2];
    PGresult *res = PQexec(conn, c->sql);
    char purpose[MIGRATE_NAME_MAX + 64];
    int rc;

    if (res && PQresultStatus(res) == PGRES_EMPTY_QUERY) {
        rc = 0;
    } else {
        const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
        long line = 0;
        if (pos) {
            char *end = NULL;
            long p = strtol(pos, &end, 10);
            if (end != pos && p > 0)
                line = line_of(c->sql, p);
        }
        if (line > 0)
            snprintf(purpose, sizeof purpose, "migration %s line %ld", c->m->name, line);
        else
            snprintf(purpose, sizeof purpose, "migration %s", c->m->name);
        rc = hub_pg_check(conn, res, purpose, err);
    }
    PQclear(res);
    if (rc)
        return rc;
    snprintf(version, sizeof version, "%d", c->m->version);
    params[0] = version;
    params[1] = c->m->name;
    snprintf(purpose, sizeof purpose, "record migration %s", c->m->name);
    char sql[MIGRATE_SQL_MAX];
    return hub_pg_exec(conn, purpose, with_schema(sql, SQL_RECORD, c->schema), 2, params, NULL,
                       err);
}

static int bootstrap(PGconn *conn, void *ud, struct hub_error *err)
{
    const char *schema = ud;
    char sql[MIGRATE_SQL_MAX];
    int rc;

    rc = hub_pg_exec(conn, "create the schema", with_schema(sql, SQL_CREATE_SCHEMA, schema), 0,
                     NULL, NULL, err);
    if (rc == 0)
        rc = hub_pg_exec(conn, "create the schema_migrations table",
                         with_schema(sql, SQL_CREATE_TABLE, schema), 0, NULL, NULL, err);
    return rc;
}

/* Fills `applied` (sorted) with the versions already in the database. */
static int load_applied(PGconn *conn, const char *schema, int **applied, size_t *n,
                        struct hub_error *err)
{
    PGresult *res = NULL;
    char sql[MIGRATE_SQL_MAX];
    int rc = hub_pg_exec(conn, "read schema_migrations", with_schema(sql, SQL_APPLIED, schema), 0,
                         NULL, &res, err);

    *applied = NULL;
    *n = 0;
    if (rc)
        return rc;
    size_t rows = (size_t)PQntuples(res);
    if (rows) {
        *applied = calloc(rows, sizeof **applied);
        if (!*applied) {
            PQclear(res);
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        }
    }
    for (size_t i = 0; i < rows; i++)
        (*applied)[i] = (int)strtol(PQgetvalue(res, (int)i, 0), NULL, 10);
    *n = rows;
    PQclear(res);
    return 0;
}

static bool contains(const int *v, size_t n, int x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] == x)
            return true;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static int apply_pending(PGconn *conn, const char *dir, const char *schema,
                         const struct migration_list *files, int *count, struct hub_error *err)
{
    int *applied = NULL;
    size_t n_applied = 0;
    int rc;

    rc = hub_pg_transaction(conn, bootstrap, (void *)schema, err);
    if (rc == 0)
        rc = load_applied(conn, schema, &applied, &n_applied, err);
    if (rc)
        goto out;
    int newest_file = files->v[files->n - 1].version;
    if (n_applied && applied[n_applied - 1] > newest_file) {
        rc = hub_error_set(err, HUB_EPG_SCHEMA,
                           "database schema is at version %d, newer than the newest migration "
                           "this program knows (%d, %s in %s); use a newer build of the hub",
                           applied[n_applied - 1], newest_file, files->v[files->n - 1].name, dir);
        goto out;
    }
    for (size_t i = 0; i < files->n; i++) {
        const struct migration *m = &files->v[i];
        char path[PATH_MAX];
        char *sql = NULL;

        if (contains(applied, n_applied, m->version))
            continue;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, m->name) >= sizeof path) {
            rc = hub_error_set(err, HUB_ERANGE, "%s/%s: path too long", dir, m->name);
            goto out;
        }
        rc = read_file(path, &sql, err);
        if (rc)
            goto out;
        struct apply_ctx ctx = {m, sql, schema};
        rc = hub_pg_transaction(conn, apply_one, &ctx, err);
        free(sql);
        if (rc)
            goto out;
        (*count)++;
        hub_log(HUB_LOG_INFO, "migration applied", "schema=%s version=%d name=%s", schema,
                m->version, m->name);
    }
out:
    free(applied);
    return rc;
}

int hub_migrate(PGconn *conn, const char *migrations_dir, int *applied_count, struct hub_error *err)
{
    return hub_migrate_schema(conn, migrations_dir, "hub", applied_count, err);
}

int hub_migrate_schema(PGconn *conn, const char *migrations_dir, const char *schema,
                       int *applied_count, struct hub_error *err)
{
    struct migration_list files = {NULL, 0, 0};
    const char *key[1] = {MIGRATE_LOCK_KEY};
    int count = 0;
    int rc;

    if (applied_count)
        *applied_count = 0;
    if (!schema_ok(schema))
        return hub_error_set(err, HUB_EINVAL,
                             "migrations: schema name must be a lowercase identifier of at most %d "
                             "characters",
                             MIGRATE_SCHEMA_MAX);
    rc = list_migrations(migrations_dir, &files, err);
    if (rc)
        goto out;
    rc = hub_pg_exec(conn, "take the migration lock", SQL_LOCK, 1, key, NULL, err);
    if (rc)
        goto out;
    rc = apply_pending(conn, migrations_dir, schema, &files, &count, err);
    if (PQstatus(conn) == CONNECTION_OK) {
        struct hub_error unlock_err;
        if (hub_pg_exec(conn, "release the migration lock", SQL_UNLOCK, 1, key, NULL,
                        &unlock_err) != 0 &&
            rc == 0) {
            rc = unlock_err.code;
            if (err)
                *err = unlock_err;
        }
    }
out:
    if (applied_count)
        *applied_count = count;
    free(files.v);
    return rc;
}

int hub_migrate_version(PGconn *conn, int *version, struct hub_error *err)
{
    return hub_migrate_schema_version(conn, "hub", version, err);
}

int hub_migrate_schema_version(PGconn *conn, const char *schema, int *version,
                               struct hub_error *err)
{
    PGresult *res = NULL;
    char sql[MIGRATE_SQL_MAX];
    int rc;

    *version = 0;
    if (!schema_ok(schema))
        return hub_error_set(err, HUB_EINVAL, "migrations: bad schema name");
    rc = hub_pg_exec(conn, "look for schema_migrations", with_schema(sql, SQL_HAS_TABLE, schema), 0,
                     NULL, &res, err);
    if (rc)
        return rc;
    bool has = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!has)
        return 0;
    rc = hub_pg_exec(conn, "read the schema version", with_schema(sql, SQL_MAX_VERSION, schema), 0,
                     NULL, &res, err);
    if (rc)
        return rc;
    *version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}
