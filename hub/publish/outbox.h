/*
 * outbox.h — the SQL of a district's outbox table (sams_outbox.events, the migrations in
 * deploy/outbox).
 *
 * The district's case system INSERTs events in its own transactions; the relay (relay.h) claims
 * committed pending rows, publishes them and marks each sent, rejected or due again later. Every
 * statement here is one short transaction of its own, and the claim uses FOR UPDATE SKIP LOCKED,
 * so the case system's writers never wait for the relay.
 *
 * A claim takes, in id order, pending rows that are due and not held by a live relay session,
 * and only the first pending row of each order key (the child, or the district for an event that
 * names none): a child's next row is claimed only once the one before it is sent or rejected.
 * A row held by a session that no longer exists (a relay killed, a database restarted) or for
 * longer than the lease can be claimed again.
 */
#ifndef HUB_OUTBOX_H
#define HUB_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "hub/core/err.h"

/* The schema the outbox migrations create, and the channel its trigger notifies. */
#define HUB_OUTBOX_SCHEMA "sams_outbox"
#define HUB_OUTBOX_CHANNEL "sams_outbox"

/* One claimed row; `event` points into the batch's result (valid until hub_outbox_batch_clear). */
struct hub_outbox_row {
    int64_t id;
    const char *event;
    size_t len;
    int attempts; /* counting this one */
};

struct hub_outbox_batch {
    struct hub_outbox_row *rows;
    size_t n;
    PGresult *res;
};

enum hub_outbox_verdict { HUB_OUTBOX_SENT, HUB_OUTBOX_REJECTED, HUB_OUTBOX_RETRY };

/* What became of one row. `text` (copied by hub_outbox_mark's statement, may be NULL) is the
 * rejection's reason or the transient error; `delay_ms` when the row may be tried again. */
struct hub_outbox_result {
    int64_t id;
    enum hub_outbox_verdict verdict;
    char text[512];
    int delay_ms;
};

/* LISTENs on HUB_OUTBOX_CHANNEL and prepares the statements on a new session. */
int hub_outbox_session(PGconn *conn, struct hub_error *err) HUB_MUST_CHECK;

/* Claims up to `max` rows (see above) for this session, adding one to each row's attempts.
 * *b is filled (rows sorted by id) and must be cleared. Errors as hub_pg_exec. */
int hub_outbox_claim(PGconn *conn, int max, int lease_s, struct hub_outbox_batch *b,
                     struct hub_error *err) HUB_MUST_CHECK;

void hub_outbox_batch_clear(struct hub_outbox_batch *b);

/* Records n results in one transaction; a row that is no longer pending is left as it is.
 * For each SENT row its seconds from created_at to now are passed to on_sent (may be NULL).
 * Errors as hub_pg_exec; nothing is recorded then. */
int hub_outbox_mark(PGconn *conn, const struct hub_outbox_result *r, size_t n,
                    void (*on_sent)(void *ud, double seconds), void *ud,
                    struct hub_error *err) HUB_MUST_CHECK;

/* Number of pending rows. */
int hub_outbox_pending(PGconn *conn, long *count, struct hub_error *err) HUB_MUST_CHECK;

/* Waits up to timeout_ms for a notification on the session (a commit that inserted rows);
 * 1 when one came (all queued ones are consumed), 0 on timeout, HUB_EPG_CONNECT when the session
 * is lost. */
int hub_outbox_wait(PGconn *conn, int timeout_ms, struct hub_error *err) HUB_MUST_CHECK;

#endif
