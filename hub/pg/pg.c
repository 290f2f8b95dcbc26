/*
 * pg.c — connecting, checked statements, transactions and array literals (see pg.h).
 */
#include "hub/pg/pg.h"

#include <stdlib.h>
#include <string.h>

#include "hub/core/log.h"

/* Seconds libpq waits for a connection unless pg.connect_timeout or PGCONNECT_TIMEOUT say. */
#define HUB_PG_CONNECT_TIMEOUT "10"

/* Copies `src` into `dst` as one line: every run of whitespace (newlines and tabs in libpq's
 * messages) becomes one space, and leading and trailing whitespace is dropped. */
static void one_line(char *dst, size_t n, const char *src)
{
    size_t j = 0;
    bool space = false;

    if (n == 0)
        return;
    for (const char *p = src ? src : ""; *p && j + 1 < n; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
            space = j > 0;
            continue;
        }
        if (space && j + 2 < n)
            dst[j++] = ' ';
        space = false;
        dst[j++] = *p;
    }
    dst[j] = '\0';
}

/* Overwrites every occurrence of `secret` in `s` with '*' (libpq does not echo passwords, but a
 * message built from a malformed conninfo could). */
static void mask_secret(char *s, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    char *p = s;

    if (n == 0)
        return;
    while ((p = strstr(p, secret)) != NULL) {
        memset(p, '*', n);
        p += n;
    }
}

static const char *or_default(const char *s)
{
    return s && *s ? s : "(default)";
}

/* Routes server notices (NOTICE: schema "hub" already exists, skipping) through hub_log instead
 * of libpq's default of printing them on stderr: warnings at warn, the rest at debug. */
static void notice_receiver(void *arg, const PGresult *res)
{
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    char text[HUB_ERROR_MSG_MAX];

    (void)arg;
    one_line(text, sizeof text, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
    for (char *p = text; *p; p++)
        if (*p == '"')
            *p = '\'';
    hub_log(sev && strcmp(sev, "WARNING") == 0 ? HUB_LOG_WARN : HUB_LOG_DEBUG, "postgres notice",
            "severity=%s text=\"%s\"", sev ? sev : "NOTICE", text);
}

int hub_pg_connect_conninfo(const char *conninfo, PGconn **out, struct hub_error *err)
{
    /* Ours first: libpq lets later keywords, including those inside the expanded conninfo,
     * override earlier ones, so the configuration wins. An explicit keyword would also beat
     * PGCONNECT_TIMEOUT, so the default timeout only applies when that is unset. */
    const char *env_timeout = getenv("PGCONNECT_TIMEOUT");
    const char *const keys[] = {"client_encoding", "fallback_application_name", "connect_timeout",
                                "dbname", NULL};
    const char *const vals[] = {"UTF8", "hub",
                                env_timeout && *env_timeout ? env_timeout : HUB_PG_CONNECT_TIMEOUT,
                                conninfo ? conninfo : "", NULL};
    char msg[HUB_ERROR_MSG_MAX];
    PGconn *conn;
    int rc;

    *out = NULL;
    conn = PQconnectdbParams(keys, vals, 1);
    if (!conn)
        return hub_error_set(err, HUB_ENOMEM, "cannot connect to PostgreSQL: out of memory");
    if (PQstatus(conn) == CONNECTION_OK) {
        PQsetNoticeReceiver(conn, notice_receiver, NULL);
        *out = conn;
        return 0;
    }
    one_line(msg, sizeof msg, PQerrorMessage(conn));
    mask_secret(msg, PQpass(conn));
    rc = hub_error_set(err, HUB_EPG_CONNECT,
                       "cannot connect to PostgreSQL (host=%s port=%s dbname=%s user=%s): %s",
                       or_default(PQhost(conn)), or_default(PQport(conn)), or_default(PQdb(conn)),
                       or_default(PQuser(conn)), msg[0] ? msg : "unknown error");
    PQfinish(conn);
    return rc;
}

int hub_pg_connect(const hub_config_t *cfg, PGconn **out, struct hub_error *err)
{
    char *conninfo = NULL;
    int rc;

    *out = NULL;
    if (hub_config_pg_conninfo(cfg, &conninfo) != 0)
        return hub_error_set(err, HUB_ENOMEM, "cannot connect to PostgreSQL: out of memory");
    rc = hub_pg_connect_conninfo(conninfo, out, err);
    free(conninfo);
    return rc;
}

bool hub_pg_is_connection_error(const PGconn *conn, const PGresult *res)
{
    const char *state;

    if (!conn || PQstatus(conn) != CONNECTION_OK)
        return true;
    if (!res)
        return false;
    state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (!state)
        return false;
    return strncmp(state, "08", 2) == 0    /* connection_exception and its subclasses */
           || strncmp(state, "53", 2) == 0 /* insufficient resources: disk full, out of memory,
                                              too many connections */
           || strcmp(state, "57P01") == 0  /* admin_shutdown */
           || strcmp(state, "57P02") == 0  /* crash_shutdown */
           || strcmp(state, "57P03") == 0  /* cannot_connect_now (starting up, recovering) */
           || strcmp(state, "40001") == 0  /* serialization_failure */
           || strcmp(state, "40P01") == 0  /* deadlock_detected */
           || strcmp(state, "55P03") == 0; /* lock_not_available */
}

int hub_pg_check(const PGconn *conn, const PGresult *res, const char *purpose,
                 struct hub_error *err)
{
    char msg[HUB_ERROR_MSG_MAX];
    const char *primary = NULL;
    const char *state = NULL;
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int code;

    if (res && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK))
        return 0;
    code = hub_pg_is_connection_error(conn, res) ? HUB_EPG_CONNECT : HUB_EPG;
    if (res) {
        primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (!primary || !*primary)
            primary = PQresultErrorMessage(res);
    }
    if ((!primary || !*primary) && conn)
        primary = PQerrorMessage(conn);
    one_line(msg, sizeof msg, primary);
    if (!msg[0])
        one_line(msg, sizeof msg,
                 res ? PQresStatus(st) : "no result (out of memory or connection lost)");
    if (state)
        return hub_error_set(err, code, "%s: %s (SQLSTATE %s)", purpose, msg, state);
    return hub_error_set(err, code, "%s: %s", purpose, msg);
}

/* Checks `r`, hands it to the caller or clears it. */
static int finish_result(PGconn *conn, PGresult *r, const char *purpose, PGresult **res,
                         struct hub_error *err)
{
    int rc = hub_pg_check(conn, r, purpose, err);

    if (rc == 0 && res)
        *res = r;
    else
        PQclear(r);
    return rc;
}

int hub_pg_exec(PGconn *conn, const char *purpose, const char *sql, int nparams,
                const char *const *params, PGresult **res, struct hub_error *err)
{
    return hub_pg_exec_formats(conn, purpose, sql, nparams, params, NULL, NULL, res, err);
}

int hub_pg_exec_formats(PGconn *conn, const char *purpose, const char *sql, int nparams,
                        const char *const *params, const int *lengths, const int *formats,
                        PGresult **res, struct hub_error *err)
{
    if (res)
        *res = NULL;
    return finish_result(conn, PQexecParams(conn, sql, nparams, NULL, params, lengths, formats, 0),
                         purpose, res, err);
}

int hub_pg_exec_ids(PGconn *conn, const char *purpose, const char *sql, const char *const *ids,
                    size_t n, PGresult **res, struct hub_error *err)
{
    struct hub_pg_array a = {0};
    hub_pg_array_reset(&a);
    for (size_t i = 0; i < n; i++)
        hub_pg_array_add_text(&a, ids[i]);
    const char *params[1] = {hub_pg_array_finish(&a)};
    int rc = params[0] ? hub_pg_exec(conn, purpose, sql, 1, params, res, err)
                       : hub_error_set(err, HUB_ENOMEM, "%s: out of memory", purpose);
    hub_pg_array_free(&a);
    return rc;
}

int hub_pg_prepare(PGconn *conn, const char *purpose, const char *name, const char *sql,
                   struct hub_error *err)
{
    return finish_result(conn, PQprepare(conn, name, sql, 0, NULL), purpose, NULL, err);
}

int hub_pg_exec_prepared(PGconn *conn, const char *purpose, const char *name, int nparams,
                         const char *const *params, PGresult **res, struct hub_error *err)
{
    if (res)
        *res = NULL;
    return finish_result(conn, PQexecPrepared(conn, name, nparams, params, NULL, NULL, 0), purpose,
                         res, err);
}

int hub_pg_begin(PGconn *conn, struct hub_error *err)
{
    PGTransactionStatusType ts = PQtransactionStatus(conn);

    /* BEGIN inside a transaction is only a warning; the caller's COMMIT would then commit work
     * that is not its own. */
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR || ts == PQTRANS_ACTIVE)
        return hub_error_set(err, HUB_EINVAL,
                             "begin transaction: the session is already in a transaction");
    return finish_result(conn, PQexec(conn, "BEGIN"), "begin transaction", NULL, err);
}

int hub_pg_commit(PGconn *conn, struct hub_error *err)
{
    return finish_result(conn, PQexec(conn, "COMMIT"), "commit transaction", NULL, err);
}

void hub_pg_rollback(PGconn *conn)
{
    if (conn && PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) != PQTRANS_IDLE)
        PQclear(PQexec(conn, "ROLLBACK"));
}

int hub_pg_transaction(PGconn *conn, int (*fn)(PGconn *conn, void *ud, struct hub_error *err),
                       void *ud, struct hub_error *err)
{
    int rc = hub_pg_begin(conn, err);

    if (rc == 0)
        rc = fn(conn, ud, err);
    if (rc == 0)
        rc = hub_pg_commit(conn, err);
    if (rc != 0)
        hub_pg_rollback(conn);
    return rc;
}

/* ---- array literals ---- */

/* Makes room for `extra` more bytes plus the NUL; false (and failed) when out of memory. */
static bool array_reserve(struct hub_pg_array *a, size_t extra)
{
    size_t need, cap;
    char *d;

    if (a->failed)
        return false;
    if (extra > SIZE_MAX / 2 - a->len) {
        a->failed = true;
        return false;
    }
    need = a->len + extra + 1;
    if (need <= a->cap)
        return true;
    cap = a->cap ? a->cap : 256;
    while (cap < need)
        cap *= 2;
    d = realloc(a->data, cap);
    if (!d) {
        a->failed = true;
        return false;
    }
    a->data = d;
    a->cap = cap;
    return true;
}

/* Opens the literal if needed and writes the separator; reserves `extra` bytes for the element. */
static bool array_element(struct hub_pg_array *a, size_t extra)
{
    if (a->binary) /* a text element in a binary array */
        a->failed = true;
    if (a->finished) {
        a->failed = true;
        return false;
    }
    if (!array_reserve(a, extra + 2))
        return false;
    if (a->len == 0)
        a->data[a->len++] = '{';
    else
        a->data[a->len++] = ',';
    a->count++;
    return true;
}

void hub_pg_array_reset(struct hub_pg_array *a)
{
    a->len = 0;
    a->count = 0;
    a->failed = false;
    a->finished = false;
    a->binary = false;
    a->has_null = false;
    if (a->data)
        a->data[0] = '\0';
}

void hub_pg_array_add_textn(struct hub_pg_array *a, const char *s, size_t n)
{
    size_t special = 0;
    char *d;

    for (size_t i = 0; i < n; i++)
        special += s[i] == '"' || s[i] == '\\';
    if (!array_element(a, n + special + 2))
        return;
    d = a->data + a->len;
    *d++ = '"';
    if (special == 0) {
        memcpy(d, s, n);
        d += n;
    } else {
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '"' || s[i] == '\\')
                *d++ = '\\';
            *d++ = s[i];
        }
    }
    *d++ = '"';
    *d = '\0';
    a->len = (size_t)(d - a->data);
}

void hub_pg_array_add_text(struct hub_pg_array *a, const char *s)
{
    hub_pg_array_add_textn(a, s, strlen(s));
}

void hub_pg_array_add_null(struct hub_pg_array *a)
{
    if (!array_element(a, 4))
        return;
    memcpy(a->data + a->len, "NULL", 5);
    a->len += 4;
}

void hub_pg_array_add_int(struct hub_pg_array *a, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    /* Negate in unsigned arithmetic so INT64_MIN works. */
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[n++] = '-';
    if (!array_element(a, n))
        return;
    for (size_t i = 0; i < n; i++)
        a->data[a->len++] = tmp[n - 1 - i];
    a->data[a->len] = '\0';
}

void hub_pg_array_add_bool(struct hub_pg_array *a, bool v)
{
    if (!array_element(a, 1))
        return;
    a->data[a->len++] = v ? 't' : 'f';
    a->data[a->len] = '\0';
}

const char *hub_pg_array_finish(struct hub_pg_array *a)
{
    if (a->binary)
        a->failed = true;
    if (a->finished)
        return a->failed ? NULL : a->data;
    if (!array_reserve(a, 2))
        return NULL;
    if (a->len == 0)
        a->data[a->len++] = '{';
    a->data[a->len++] = '}';
    a->data[a->len] = '\0';
    a->finished = true;
    return a->data;
}

/* PostgreSQL's binary array format (array_recv): ndim, has-nulls flag, element type OID, then
 * per dimension its size and lower bound, all big-endian int32; then each element as its int32
 * length (-1: NULL) and bytes. */
#define BYTEA_OID 17
#define BYTEA_ARRAY_HEADER 20 /* one dimension */

static void put_be32(char *p, uint32_t v)
{
    p[0] = (char)(v >> 24);
    p[1] = (char)(v >> 16);
    p[2] = (char)(v >> 8);
    p[3] = (char)v;
}

void hub_pg_array_reset_bytea(struct hub_pg_array *a)
{
    hub_pg_array_reset(a);
    a->binary = true;
    a->has_null = false;
    if (array_reserve(a, BYTEA_ARRAY_HEADER))
        a->len = BYTEA_ARRAY_HEADER; /* filled in by hub_pg_array_finish_bytea */
}

void hub_pg_array_add_bytea(struct hub_pg_array *a, const void *b, size_t n)
{
    if (!a->binary || a->finished || (b && n > INT32_MAX) || a->count >= INT32_MAX) {
        a->failed = true;
        return;
    }
    if (!array_reserve(a, 4 + (b ? n : 0)))
        return;
    put_be32(a->data + a->len, b ? (uint32_t)n : UINT32_MAX);
    a->len += 4;
    if (b) {
        memcpy(a->data + a->len, b, n);
        a->len += n;
    } else {
        a->has_null = true;
    }
    a->count++;
}

const char *hub_pg_array_finish_bytea(struct hub_pg_array *a, int *len)
{
    if (!a->binary || a->failed || a->len > INT32_MAX) {
        a->failed = true;
        return NULL;
    }
    if (!a->finished) {
        if (a->count == 0) { /* no dimensions: the empty array */
            put_be32(a->data, 0);
            put_be32(a->data + 4, 0);
            put_be32(a->data + 8, BYTEA_OID);
            a->len = 12;
        } else {
            put_be32(a->data, 1);
            put_be32(a->data + 4, a->has_null ? 1 : 0);
            put_be32(a->data + 8, BYTEA_OID);
            put_be32(a->data + 12, (uint32_t)a->count);
            put_be32(a->data + 16, 1);
        }
        a->finished = true;
    }
    *len = (int)a->len;
    return a->data;
}

void hub_pg_array_free(struct hub_pg_array *a)
{
    if (!a)
        return;
    free(a->data);
    memset(a, 0, sizeof *a);
}
