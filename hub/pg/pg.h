/*
 * pg.h — the small amount of libpq plumbing every PostgreSQL user in the hub shares.
 *
 * Connecting from the configuration, running a statement and turning a bad result into one line
 * that names what the statement was for, telling "the database went away, retry later"
 * (HUB_EPG_CONNECT) from "the statement or the data is wrong" (HUB_EPG), transactions, and a
 * builder for the text-format array literals that `INSERT ... SELECT FROM unnest($1::uuid[], ...)`
 * batch statements take as parameters.
 *
 * Error messages carry the server's primary message and SQLSTATE, never its DETAIL (which can
 * quote a whole row) and never the password.
 */
#ifndef HUB_PG_H
#define HUB_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "hub/core/config.h"
#include "hub/core/err.h"

/* Opens a session with the conninfo built from the pg.* keys (libpq's PG* environment variables
 * fill what they leave out), client_encoding UTF8, application name "hub" and a 10 s connect
 * timeout unless the config (or PGCONNECT_TIMEOUT) says otherwise; server notices go to hub_log
 * (warnings at warn, the rest at debug). On success *out is the caller's (PQfinish). Fails with
 * HUB_EPG_CONNECT and a message naming host, port, database and user; HUB_ENOMEM. */
int hub_pg_connect(const hub_config_t *cfg, PGconn **out, struct hub_error *err) HUB_MUST_CHECK;

/* Like hub_pg_connect with a ready conninfo string ("host=/tmp dbname=hub"; "" for defaults). */
int hub_pg_connect_conninfo(const char *conninfo, PGconn **out,
                            struct hub_error *err) HUB_MUST_CHECK;

/* True when a failure comes from the server's or the session's state, not from the statement:
 * connection lost, server shutting down or starting, out of connections, disk or memory, and the
 * transient conflicts (deadlock, serialization failure, lock not available). The remedy is the
 * same for all: reconnect (if PQstatus says so) and retry the same work later. False for errors
 * in the statement or its data. `res` may be NULL (e.g. PQexec returned NULL). */
bool hub_pg_is_connection_error(const PGconn *conn, const PGresult *res);

/* Checks a result: 0 when it is PGRES_COMMAND_OK or PGRES_TUPLES_OK; otherwise fills `err` with
 * "<purpose>: <primary message> (SQLSTATE xxxxx)" and returns HUB_EPG_CONNECT or HUB_EPG (see
 * hub_pg_is_connection_error). Does not clear `res`; `res` may be NULL. */
int hub_pg_check(const PGconn *conn, const PGresult *res, const char *purpose,
                 struct hub_error *err) HUB_MUST_CHECK;

/* Runs `sql` with `nparams` text parameters (NULL entries are SQL NULL) and checks the result.
 * On success, when `res` is not NULL the result is stored there for the caller (PQclear), else it
 * is cleared. On failure nothing is stored and the result is cleared. */
int hub_pg_exec(PGconn *conn, const char *purpose, const char *sql, int nparams,
                const char *const *params, PGresult **res, struct hub_error *err) HUB_MUST_CHECK;

/* hub_pg_exec with parameters in text (formats[i] 0, NUL-terminated) or binary format
 * (formats[i] 1, lengths[i] bytes), as PQexecParams takes them. */
int hub_pg_exec_formats(PGconn *conn, const char *purpose, const char *sql, int nparams,
                        const char *const *params, const int *lengths, const int *formats,
                        PGresult **res, struct hub_error *err) HUB_MUST_CHECK;

/* hub_pg_exec with one parameter, $1: the text array of ids[0..n) (cast it in the SQL, e.g.
 * `= ANY($1::uuid[])`). The result as hub_pg_exec; HUB_ENOMEM when the array cannot be built. */
int hub_pg_exec_ids(PGconn *conn, const char *purpose, const char *sql, const char *const *ids,
                    size_t n, PGresult **res, struct hub_error *err) HUB_MUST_CHECK;

/* Prepares `sql` as the named statement (parameter types come from casts in the SQL). */
int hub_pg_prepare(PGconn *conn, const char *purpose, const char *name, const char *sql,
                   struct hub_error *err) HUB_MUST_CHECK;

/* Like hub_pg_exec for a statement prepared with hub_pg_prepare. */
int hub_pg_exec_prepared(PGconn *conn, const char *purpose, const char *name, int nparams,
                         const char *const *params, PGresult **res,
                         struct hub_error *err) HUB_MUST_CHECK;

/* BEGIN / COMMIT; errors as hub_pg_exec. BEGIN refuses (HUB_EINVAL) a session that is already in
 * a transaction. A failed COMMIT leaves no transaction open; after a connection error during
 * COMMIT the outcome is unknown, so work must be safe to repeat. */
int hub_pg_begin(PGconn *conn, struct hub_error *err) HUB_MUST_CHECK;
int hub_pg_commit(PGconn *conn, struct hub_error *err) HUB_MUST_CHECK;

/* Best-effort ROLLBACK (nothing to report when the session is already gone). */
void hub_pg_rollback(PGconn *conn);

/* Runs fn(conn, ud, err) between BEGIN and COMMIT; rolls back when fn returns non-zero or COMMIT
 * fails. Returns fn's code or the BEGIN/COMMIT error. */
int hub_pg_transaction(PGconn *conn, int (*fn)(PGconn *conn, void *ud, struct hub_error *err),
                       void *ud, struct hub_error *err) HUB_MUST_CHECK;

/*
 * A text-format array literal under construction, e.g. {"a","b \"c\"",NULL,42}, for a parameter
 * cast to an array type ($1::text[], $2::uuid[], $3::int8[]). Text elements are always quoted
 * with '"' and '\' escaped, so empty strings, "NULL", commas, braces and spaces survive. Append
 * failures (out of memory) stick on the array and are reported by hub_pg_array_finish, like
 * ferror. Zero-initialise, reuse across batches with hub_pg_array_reset (keeps the memory), and
 * release with hub_pg_array_free.
 */
struct hub_pg_array {
    char *data;
    size_t len, cap;
    size_t count;  /* elements appended since the last reset */
    bool failed;   /* an append ran out of memory */
    bool finished; /* '}' written */
    bool binary;   /* a binary bytea[] (hub_pg_array_reset_bytea), not a text literal */
    bool has_null; /* binary: a NULL element was added */
};

/* Starts an empty literal ("{"), keeping the allocated memory. */
void hub_pg_array_reset(struct hub_pg_array *a);

/* Appends one element: a quoted and escaped string (`n` bytes; `s` needs no NUL), SQL NULL, an
 * integer, or a boolean (t/f). */
void hub_pg_array_add_text(struct hub_pg_array *a, const char *s);
void hub_pg_array_add_textn(struct hub_pg_array *a, const char *s, size_t n);
void hub_pg_array_add_null(struct hub_pg_array *a);
void hub_pg_array_add_int(struct hub_pg_array *a, int64_t v);
void hub_pg_array_add_bool(struct hub_pg_array *a, bool v);

/* Closes the literal and returns it (owned by `a`, valid until the next reset or free), or NULL
 * when an append failed. Appending after finish is a programming error (the array is failed). */
const char *hub_pg_array_finish(struct hub_pg_array *a);

/*
 * The same struct builds a bytea[] parameter in PostgreSQL's binary array format instead, for
 * hub_pg_exec_formats with format 1: no hex to encode and no text for the server to parse. Start
 * with hub_pg_array_reset_bytea; add elements of any length (NULL `b`: SQL NULL); finish returns
 * the bytes and sets *len, or NULL when an append failed. The text appends do not mix with it.
 */
void hub_pg_array_reset_bytea(struct hub_pg_array *a);
void hub_pg_array_add_bytea(struct hub_pg_array *a, const void *b, size_t n);
const char *hub_pg_array_finish_bytea(struct hub_pg_array *a, int *len);

void hub_pg_array_free(struct hub_pg_array *a);

#endif
