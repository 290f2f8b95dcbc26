/*
 * outbox.c — claim and mark rows of sams_outbox.events (see outbox.h and deploy/outbox/).
 */
#include "hub/publish/outbox.h"
#include "hub/pg/pg.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One statement, so one short transaction: the rows to claim are locked with SKIP LOCKED (a row a
 * concurrent relay is claiming is passed over, never waited for) and stamped with this session.
 * `= ANY (ARRAY(...))` rather than `IN (...)`: the planner then looks the ids up by key instead of
 * scanning the whole table, whose sent rows only grow (measured: 38 vs 77 ms for 2,000 of 48,000).
 * A row is claimable when it is pending and due, not held by a live session (backend_start guards
 * against a reused pid) nor for longer than the lease, and no earlier pending row has its key. */
static const char SQL_CLAIM[] =
    "UPDATE sams_outbox.events e\n"
    "   SET claimed_by = pg_backend_pid(), claimed_at = now(), attempts = e.attempts + 1\n"
    " WHERE e.id = ANY (ARRAY(\n"
    "   SELECT o.id FROM sams_outbox.events o\n"
    "    WHERE o.state = 'pending' AND o.next_attempt_at <= now()\n"
    "      AND (o.claimed_by IS NULL\n"
    "           OR o.claimed_at < now() - make_interval(secs => $2::int)\n"
    "           OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a\n"
    "                           WHERE a.pid = o.claimed_by AND a.backend_start <= o.claimed_at))\n"
    "      AND NOT EXISTS (SELECT 1 FROM sams_outbox.events p\n"
    "                       WHERE p.state = 'pending' AND p.order_key = o.order_key\n"
    "                         AND p.id < o.id)\n"
    "    ORDER BY o.id LIMIT $1::int\n"
    "      FOR UPDATE SKIP LOCKED))\n"
    "RETURNING e.id, e.event::text, e.attempts";

static const char SQL_SENT[] =
    "UPDATE sams_outbox.events\n"
    "   SET state = 'sent', sent_at = now(), claimed_by = NULL, claimed_at = NULL\n"
    " WHERE id = ANY($1::bigint[]) AND state = 'pending'\n"
    "RETURNING extract(epoch FROM now() - created_at)";

static const char SQL_REJECTED[] =
    "UPDATE sams_outbox.events e\n"
    "   SET state = 'rejected', rejected_at = now(), reason = r.reason, claimed_by = NULL,\n"
    "       claimed_at = NULL\n"
    "  FROM unnest($1::bigint[], $2::text[]) AS r(id, reason)\n"
    " WHERE e.id = r.id AND e.state = 'pending'";

static const char SQL_RETRY[] =
    "UPDATE sams_outbox.events e\n"
    "   SET claimed_by = NULL, claimed_at = NULL, last_error = r.error,\n"
    "       next_attempt_at = now() + make_interval(secs => r.delay_ms / 1000.0)\n"
    "  FROM unnest($1::bigint[], $2::text[], $3::int[]) AS r(id, error, delay_ms)\n"
    " WHERE e.id = r.id AND e.state = 'pending'";

static const char SQL_PENDING[] = "SELECT count(*) FROM sams_outbox.events WHERE state = 'pending'";

int hub_outbox_session(PGconn *conn, struct hub_error *err)
{
    int rc = hub_pg_exec(conn, "listen for outbox commits", "LISTEN " HUB_OUTBOX_CHANNEL, 0, NULL,
                         NULL, err);
    if (rc == 0)
        rc = hub_pg_prepare(conn, "claim outbox rows", "outbox_claim", SQL_CLAIM, err);
    if (rc == 0)
        rc = hub_pg_prepare(conn, "mark outbox rows sent", "outbox_sent", SQL_SENT, err);
    if (rc == 0)
        rc =
            hub_pg_prepare(conn, "mark outbox rows rejected", "outbox_rejected", SQL_REJECTED, err);
    if (rc == 0)
        rc = hub_pg_prepare(conn, "put outbox rows back", "outbox_retry", SQL_RETRY, err);
    return rc;
}

static int cmp_row(const void *a, const void *b)
{
    const struct hub_outbox_row *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

int hub_outbox_claim(PGconn *conn, int max, int lease_s, struct hub_outbox_batch *b,
                     struct hub_error *err)
{
    char smax[16], slease[16];
    const char *params[2] = {smax, slease};
    snprintf(smax, sizeof smax, "%d", max);
    snprintf(slease, sizeof slease, "%d", lease_s);
    memset(b, 0, sizeof *b);
    int rc =
        hub_pg_exec_prepared(conn, "claim outbox rows", "outbox_claim", 2, params, &b->res, err);
    if (rc)
        return rc;
    size_t n = (size_t)PQntuples(b->res);
    if (n == 0)
        return 0;
    b->rows = calloc(n, sizeof *b->rows);
    if (!b->rows) {
        hub_outbox_batch_clear(b);
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        struct hub_outbox_row *r = &b->rows[i];
        r->id = strtoll(PQgetvalue(b->res, (int)i, 0), NULL, 10);
        r->event = PQgetvalue(b->res, (int)i, 1);
        r->len = (size_t)PQgetlength(b->res, (int)i, 1);
        r->attempts = (int)strtol(PQgetvalue(b->res, (int)i, 2), NULL, 10);
    }
    b->n = n;
    qsort(b->rows, n, sizeof *b->rows, cmp_row);
    return 0;
}

void hub_outbox_batch_clear(struct hub_outbox_batch *b)
{
    if (!b)
        return;
    free(b->rows);
    PQclear(b->res);
    memset(b, 0, sizeof *b);
}

struct mark_ctx {
    const struct hub_outbox_result *r;
    size_t n;
    void (*on_sent)(void *ud, double seconds);
    void *ud;
    struct hub_pg_array ids[3], text[2], delay;
};

/* The ids (and texts, delays) of the results with verdict v into the arrays of slot k. */
static size_t collect(struct mark_ctx *c, enum hub_outbox_verdict v, int k)
{
    size_t count = 0;
    hub_pg_array_reset(&c->ids[k]);
    if (k > 0)
        hub_pg_array_reset(&c->text[k - 1]);
    if (k == 2)
        hub_pg_array_reset(&c->delay);
    for (size_t i = 0; i < c->n; i++) {
        if (c->r[i].verdict != v)
            continue;
        hub_pg_array_add_int(&c->ids[k], c->r[i].id);
        if (k > 0)
            hub_pg_array_add_text(&c->text[k - 1], c->r[i].text);
        if (k == 2)
            hub_pg_array_add_int(&c->delay, c->r[i].delay_ms);
        count++;
    }
    return count;
}

static int mark_all(PGconn *conn, void *ud, struct hub_error *err)
{
    struct mark_ctx *c = ud;
    const char *p[3];
    PGresult *res = NULL;
    int rc;

    if (collect(c, HUB_OUTBOX_SENT, 0)) {
        if (!(p[0] = hub_pg_array_finish(&c->ids[0])))
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        if ((rc = hub_pg_exec_prepared(conn, "mark outbox rows sent", "outbox_sent", 1, p, &res,
                                       err)) != 0)
            return rc;
        for (int i = 0; c->on_sent && i < PQntuples(res); i++)
            c->on_sent(c->ud, strtod(PQgetvalue(res, i, 0), NULL));
        PQclear(res);
    }
    if (collect(c, HUB_OUTBOX_REJECTED, 1)) {
        if (!(p[0] = hub_pg_array_finish(&c->ids[1])) || !(p[1] = hub_pg_array_finish(&c->text[0])))
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        if ((rc = hub_pg_exec_prepared(conn, "mark outbox rows rejected", "outbox_rejected", 2, p,
                                       NULL, err)) != 0)
            return rc;
    }
    if (collect(c, HUB_OUTBOX_RETRY, 2)) {
        if (!(p[0] = hub_pg_array_finish(&c->ids[2])) ||
            !(p[1] = hub_pg_array_finish(&c->text[1])) || !(p[2] = hub_pg_array_finish(&c->delay)))
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        if ((rc = hub_pg_exec_prepared(conn, "put outbox rows back", "outbox_retry", 3, p, NULL,
                                       err)) != 0)
            return rc;
    }
    return 0;
}

int hub_outbox_mark(PGconn *conn, const struct hub_outbox_result *r, size_t n,
                    void (*on_sent)(void *ud, double seconds), void *ud, struct hub_error *err)
{
    struct mark_ctx c;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.n = n;
    c.on_sent = on_sent;
    c.ud = ud;
    int rc = n ? hub_pg_transaction(conn, mark_all, &c, err) : 0;
    for (int k = 0; k < 3; k++)
        hub_pg_array_free(&c.ids[k]);
    hub_pg_array_free(&c.text[0]);
    hub_pg_array_free(&c.text[1]);
    hub_pg_array_free(&c.delay);
    return rc;
}

int hub_outbox_pending(PGconn *conn, long *count, struct hub_error *err)
{
    PGresult *res = NULL;
    int rc = hub_pg_exec(conn, "count pending outbox rows", SQL_PENDING, 0, NULL, &res, err);
    *count = 0;
    if (rc)
        return rc;
    *count = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

/* Consumes what the server sent; 1 when a notification was among it. */
static int drain(PGconn *conn, struct hub_error *err)
{
    PGnotify *n;
    int got = 0;
    if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK)
        return hub_error_set(err, HUB_EPG_CONNECT, "outbox session lost: %s", PQerrorMessage(conn));
    while ((n = PQnotifies(conn)) != NULL) {
        got = 1;
        PQfreemem(n);
    }
    return got;
}

int hub_outbox_wait(PGconn *conn, int timeout_ms, struct hub_error *err)
{
    int got = drain(conn, err);
    if (got != 0)
        return got;
    struct pollfd pfd = {PQsocket(conn), POLLIN, 0};
    if (pfd.fd < 0)
        return hub_error_set(err, HUB_EPG_CONNECT, "outbox session lost: no socket");
    int r = poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno != EINTR)
        return hub_error_set(err, HUB_EIO, "poll: %s", strerror(errno));
    if (r <= 0)
        return 0;
    return drain(conn, err);
}
