/*
 * notify_store.h — the notifier's tables (deploy/migrations/004_notifier.sql): its processed event
 * ids and offsets, the outbox of notifications, the receipts waiting for publication, and the
 * state transitions the consumer, the delivery worker and the receipt endpoint make.
 *
 * All SQL of those tables lives here. Functions marked "in the caller's transaction" run inside a
 * BEGIN the caller opened; the others open and commit their own. Every transaction that also
 * appends to the disclosure log does so last (hub/notify/audit.h), after its outbox row locks, so
 * lock order is the same everywhere. Errors are those of hub_pg_exec (HUB_EPG_CONNECT: the database
 * went away or a transient conflict — retry; HUB_EPG: the statement failed), plus HUB_ENOMEM.
 *
 * Claiming (FOR UPDATE SKIP LOCKED, then a lease): a claimed row carries lease_until and the
 * backend pid of the claiming session. Another worker may take it over when the lease has expired
 * or that session no longer exists (a killed notifier's sessions end with it), so a crash delays
 * nothing and forgets nothing; the row keeps its id, so the re-delivery carries the same
 * webhook-id. Not thread-safe per connection: each thread uses its own PGconn.
 */
#ifndef HUB_NOTIFY_STORE_H
#define HUB_NOTIFY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "hub/core/err.h"
#include "hub/domain/event.h"

#define HUB_NSTORE_ID_STR 37

/* A notification to insert (in the caller's transaction). Strings are borrowed; NULL = SQL NULL. */
struct hub_nstore_note {
    char id[HUB_NSTORE_ID_STR];
    const char *kind; /* "handover" | "contact_change" */
    const char *source_event_id;
    const char *school_unit;
    const char *district;
    const char *handover_id;
    const char *placement_id;
    const char *child;
    const char *legal_ground;
    const char *contact_name;
    const char *contact_email;
    int64_t event_occurred_at_ms;
    const char *body; /* NULL when withheld */
    const char *body_sha256;
    const char *state; /* "pending" | "withheld" */
    int64_t deadline_ms;
};

/* A receipt event to publish later (in the caller's transaction). */
struct hub_nstore_receipt {
    char event_id[HUB_NSTORE_ID_STR];
    const char *notification_id;
    const char *handover_id;
    const char *child;
    const char *district;
    const char *school_unit;
    enum hub_receipt_status status;
    int64_t at_ms;
    const char *detail;
};

/* One consumed message for the processed-ids table. */
struct hub_nstore_source {
    const char *event_id;
    const char *topic;
    int32_t partition;
    int64_t offset;
};

/* The next offset of a partition. */
struct hub_nstore_offset {
    const char *topic;
    int32_t partition;
    int64_t next_offset;
};

/* A stable uuid (version 8, RFC 9562) from the SHA-256 of "hub-notifier" and `parts`, each
 * NUL-separated: the same inputs always give the same id, so notifications keep their webhook-id
 * and receipts their event id across retries, crashes and replays. */
void hub_nstore_derive_id(const char *const *parts, size_t n, char out[HUB_NSTORE_ID_STR]);

/* Records `n` event ids (in the caller's transaction); is_new[i] tells whether srcs[i] was not
 * seen before (a duplicate within the call counts as seen after its first occurrence). */
int hub_nstore_mark_processed(PGconn *conn, const struct hub_nstore_source *srcs, size_t n,
                              bool *is_new, struct hub_error *err) HUB_MUST_CHECK;

/* Inserts notifications (in the caller's transaction); one already present for the same
 * (source event, school) is left alone. */
int hub_nstore_add_notes(PGconn *conn, const struct hub_nstore_note *notes, size_t n,
                         struct hub_error *err) HUB_MUST_CHECK;

/* Inserts receipts to publish (in the caller's transaction); an event id already present is left
 * alone. */
int hub_nstore_add_receipts(PGconn *conn, const struct hub_nstore_receipt *r, size_t n,
                            struct hub_error *err) HUB_MUST_CHECK;

/* Stores the group's next offsets (in the caller's transaction). */
int hub_nstore_store_offsets(PGconn *conn, const char *group, const struct hub_nstore_offset *o,
                             size_t n, struct hub_error *err) HUB_MUST_CHECK;

/* The group's stored next offset of a partition, -1 when none. */
int hub_nstore_load_offset(PGconn *conn, const char *group, const char *topic, int32_t partition,
                           int64_t *next, struct hub_error *err) HUB_MUST_CHECK;

/* Wakes delivery workers LISTENing on HUB_NSTORE_CHANNEL (in the caller's transaction; sent on
 * commit). */
#define HUB_NSTORE_CHANNEL "hub_notifier"
int hub_nstore_notify(PGconn *conn, struct hub_error *err) HUB_MUST_CHECK;

/* A handover notification a contact change concerns. */
struct hub_nstore_match {
    char id[HUB_NSTORE_ID_STR];
    char school_unit[HUB_SCHOOL_UNIT_STR];
    char handover_id[HUB_NSTORE_ID_STR];
    char placement_id[HUB_NSTORE_ID_STR];
};

/*
 * For a contact change (in the caller's transaction): finds the active (pending or delivered)
 * handover notifications of the event's district under the old contact — matched on e-mail,
 * case-insensitively, or on the name when the old e-mail is empty — within the event's scope
 * (school units or placements; both empty: all of that contact's), locks them, and moves them to
 * the new contact so that a later change from the new contact matches too. *out (caller frees,
 * NULL when none) is sorted by school unit, then creation.
 */
int hub_nstore_match_contact(PGconn *conn, const struct hub_event *ev,
                             struct hub_nstore_match **out, size_t *n,
                             struct hub_error *err) HUB_MUST_CHECK;

/* A claimed notification, with the directory entry of its school as it is now. */
struct hub_nstore_claim {
    char id[HUB_NSTORE_ID_STR];
    char kind[16];
    char school_unit[HUB_SCHOOL_UNIT_STR];
    char district[HUB_DISTRICT_STR];
    char source_event_id[HUB_NSTORE_ID_STR];
    char handover_id[HUB_NSTORE_ID_STR]; /* "" for contact-change notices */
    char placement_id[HUB_NSTORE_ID_STR];
    char child[HUB_PSEUDONYM_STR];
    char legal_ground[40];
    char body_sha256[65];
    char *body; /* owned; hub_nstore_claim_clear() */
    size_t body_len;
    int attempt; /* 1 for the first attempt */
    int64_t deadline_ms;
    bool school_known;   /* a row in hub.schools */
    bool school_removed; /* removed_at is set */
    char *webhook_url;   /* owned; NULL when none */
    char *secret_ref;    /* owned; NULL when none */
};

void hub_nstore_claim_clear(struct hub_nstore_claim *c);

/* Claims up to `max` due notifications for `lease_s` seconds (in the caller's transaction, which
 * should also log their dispatch). *out (caller frees each with hub_nstore_claim_clear, then the
 * array) holds *n rows, oldest due first. */
int hub_nstore_claim(PGconn *conn, int max, int lease_s, struct hub_nstore_claim **out, size_t *n,
                     struct hub_error *err) HUB_MUST_CHECK;

/* Appends a `dispatch` row to the disclosure log for each notification about to be sent (in the
 * caller's transaction, committed before any byte leaves): the write-ahead record of a
 * disclosure. */
int hub_nstore_log_dispatch(PGconn *conn, const struct hub_nstore_claim *const *c, size_t n,
                            int64_t at_ms, struct hub_error *err) HUB_MUST_CHECK;

enum hub_nstore_verdict {
    HUB_NSTORE_DELIVERED, /* 2xx: final */
    HUB_NSTORE_RETRY,     /* try again at next_attempt_ms */
    HUB_NSTORE_FAILED,    /* final: given up, gone, or no endpoint */
};

/* What one attempt came to. Strings borrowed. */
struct hub_nstore_outcome {
    enum hub_nstore_verdict verdict;
    const char *outcome; /* short code: delivered, http_503, timeout, no_endpoint, gone, ... */
    const char *detail;  /* one line, never personal data; may be NULL */
    int http_status;     /* 0 when there was no response */
    bool attempted;      /* a request was sent (false for no_endpoint) */
    int64_t at_ms;
    int64_t next_attempt_ms; /* HUB_NSTORE_RETRY only */
};

/* Records `n` attempts in one transaction: for each, the outbox transition (only if the row is
 * still pending — a late duplicate changes no state; a retry only for the claim it belongs to),
 * the delivered/failed receipt of a handover, and the disclosure-log rows (the attempt's
 * outcome; and a `failed` row when it gave up). changed[i] (array may be NULL) tells whether
 * c[i]'s state moved. */
int hub_nstore_record(PGconn *conn, const struct hub_nstore_claim *const *c,
                      const struct hub_nstore_outcome *const *o, size_t n, bool *changed,
                      struct hub_error *err) HUB_MUST_CHECK;

/* A receipt to publish. */
struct hub_nstore_pub {
    char event_id[HUB_NSTORE_ID_STR];
    char handover_id[HUB_NSTORE_ID_STR];
    char child[HUB_PSEUDONYM_STR];
    char district[HUB_DISTRICT_STR];
    char school_unit[HUB_SCHOOL_UNIT_STR];
    char status[24];
    char detail[HUB_DETAIL_STR];
    bool has_detail;
    int64_t at_ms;
    int64_t created_ms; /* when it was queued: the event's occurred_at */
    int64_t seq;        /* queue order */
};

/* Claims up to `max` unpublished receipts for `lease_s` seconds (own transaction, committed
 * asynchronously: a lost lease only means publishing again), in creation order. *out is the
 * caller's (free). */
int hub_nstore_claim_receipts(PGconn *conn, int max, int lease_s, struct hub_nstore_pub **out,
                              size_t *n, struct hub_error *err) HUB_MUST_CHECK;

/* Marks receipts published (acked by Kafka), or releases their lease (not acked); committed
 * asynchronously like the claim. */
int hub_nstore_receipts_done(PGconn *conn, const char *const *event_ids, size_t n, bool published,
                             struct hub_error *err) HUB_MUST_CHECK;

/* Emits the overdue receipt (once) for up to `max` handover notifications delivered before
 * cutoff_ms and not acknowledged (own transaction). *count (may be NULL) gets how many. */
int hub_nstore_mark_overdue(PGconn *conn, int64_t cutoff_ms, int working_days, int max,
                            size_t *count, struct hub_error *err) HUB_MUST_CHECK;

/* Pending notifications and the age in seconds of the oldest (0 when none), for /metrics. */
int hub_nstore_pending_age(PGconn *conn, int64_t *pending, double *oldest_s,
                           struct hub_error *err) HUB_MUST_CHECK;

enum hub_nstore_ack {
    HUB_NSTORE_ACK_OK,              /* recorded now */
    HUB_NSTORE_ACK_ALREADY,         /* acknowledged before: nothing new */
    HUB_NSTORE_ACK_UNKNOWN,         /* no such handover */
    HUB_NSTORE_ACK_WRONG_RECIPIENT, /* the handover was addressed to another school */
    HUB_NSTORE_ACK_WITHHELD,        /* nothing was sent to this school (withheld) */
};

/* Records a school's acknowledgement of a handover (own transaction): sets acknowledged_at on the
 * school's unacknowledged notifications of that handover (an updated handover is a new
 * notification and is acknowledged anew), queues the `acknowledged` receipt and appends the
 * disclosure-log row. `webhook_id` is the school's request id, logged as detail. */
int hub_nstore_acknowledge(PGconn *conn, const char *handover_id, const char *school_unit,
                           const char *webhook_id, int64_t at_ms, enum hub_nstore_ack *result,
                           struct hub_error *err) HUB_MUST_CHECK;

/* The directory entry of a school for the receipt endpoint: whether it is known and removed, and
 * its signing secret's file (*secret_ref, caller frees; NULL when none). */
int hub_nstore_school(PGconn *conn, const char *school_unit, bool *known, bool *removed,
                      char **secret_ref, struct hub_error *err) HUB_MUST_CHECK;

#endif
