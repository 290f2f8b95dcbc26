/*
 * audit.h — the disclosure log: an append-only, hash-chained record of every delivery attempt
 * (written ahead as `dispatch`, then its outcome as `attempt`), withheld decision, failure, overdue
 * notice and acknowledgement (hub.disclosure_log, migration 004_notifier.sql).
 *
 * Chain: rows have contiguous ids from 1, and
 *     row_hash(id) = SHA-256(prev_hash ‖ canonical(row)),   prev_hash(1) = 32 zero bytes,
 *     prev_hash(id) = row_hash(id - 1),
 * and hub.disclosure_head holds the last id and hash. Appends lock the head row (SELECT ... FOR
 * UPDATE), so concurrent writers form one linear chain; the head also reveals a removed tail.
 *
 * canonical(row) is, byte for byte:
 *     "hub.disclosure_log.v1\n"
 *     then for each field, in this order: id, at_ms, kind, school_unit, notification_id,
 *     handover_id, placement_id, source_event_id, district, legal_ground, outcome, attempt,
 *     http_status, detail, body_sha256 —
 *         <name> "=" ( "-" for NULL | <decimal byte length> ":" <bytes> ) "\n"
 * where integers are decimal text, uuids lowercase canonical text. Length prefixes make it
 * unambiguous whatever the values contain.
 *
 * The chain detects a changed or removed row and a removed tail as long as the head hash printed
 * by `hubctl audit verify` is kept somewhere the database's owner cannot rewrite; without that
 * anchor an owner could recompute the whole chain.
 */
#ifndef HUB_AUDIT_H
#define HUB_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "hub/core/err.h"

#define HUB_AUDIT_HASH_LEN 32
#define HUB_AUDIT_HASH_HEX 65 /* 64 hex digits + NUL */

/* One row. Strings are borrowed; NULL pointers are SQL NULL (kind, school_unit and outcome are
 * required). http_status 0 means NULL. `id` is assigned by hub_audit_append(). */
struct hub_audit_row {
    int64_t id;
    int64_t at_ms;
    const char *kind; /* dispatch | attempt | withheld | failed | overdue | acknowledged */
    const char *school_unit;
    const char *notification_id;
    const char *handover_id;
    const char *placement_id;
    const char *source_event_id;
    const char *district;
    const char *legal_ground;
    const char *outcome;
    int32_t attempt;
    int32_t http_status;
    const char *detail;
    const char *body_sha256;
};

/* The canonical serialisation of `r` (see above) in a new buffer *out of *len bytes (caller
 * frees). Returns 0, HUB_EINVAL (a required field is NULL) or HUB_ENOMEM. */
int hub_audit_canonical(const struct hub_audit_row *r, char **out, size_t *len) HUB_MUST_CHECK;

/* row_hash = SHA-256(prev ‖ canonical(r)) into `out`. Returns 0, HUB_EINVAL, HUB_ENOMEM or
 * HUB_ECRYPTO. */
int hub_audit_row_hash(const uint8_t prev[HUB_AUDIT_HASH_LEN], const struct hub_audit_row *r,
                       uint8_t out[HUB_AUDIT_HASH_LEN]) HUB_MUST_CHECK;

/* Appends `n` rows (ids are assigned in order into rows[i].id) inside the caller's open
 * transaction on `conn`: locks the head, chains, inserts and moves the head. The head lock is held
 * until the caller commits, so call this LAST in a transaction (after other row locks), keeping
 * one lock order everywhere. n == 0 does nothing. Errors as hub_pg_exec (HUB_EPG_CONNECT,
 * HUB_EPG), HUB_EINVAL, HUB_ENOMEM, HUB_ECRYPTO; the caller rolls back. */
int hub_audit_append(PGconn *conn, struct hub_audit_row *rows, size_t n,
                     struct hub_error *err) HUB_MUST_CHECK;

/* What hub_audit_verify() found. */
struct hub_audit_report {
    bool intact;
    int64_t rows;                      /* rows checked */
    char head_hex[HUB_AUDIT_HASH_HEX]; /* hash of the last row ("" when none) */
    int64_t bad_id;                    /* first row found altered or missing; 0 when intact */
    char problem[HUB_ERROR_MSG_MAX];   /* what mismatched, naming the row */
};

/* Recomputes the whole chain in one read-only snapshot (streamed through a cursor), checking
 * contiguous ids, each prev_hash against the row before, each row_hash against the row's content
 * and the head against the last row. Stops at the first problem. Returns 0 when the check ran (see
 * rep->intact), or HUB_EPG_CONNECT / HUB_EPG / HUB_ENOMEM when it could not. */
int hub_audit_verify(PGconn *conn, struct hub_audit_report *rep,
                     struct hub_error *err) HUB_MUST_CHECK;

/* Lowercase hex of `n` bytes into out (2n+1 bytes). */
void hub_audit_hex(const uint8_t *in, size_t n, char *out);

#endif
