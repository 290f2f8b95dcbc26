/*
 * audit.c — the hash-chained disclosure log (see audit.h).
 */
#include "hub/notify/audit.h"
#include "hub/core/strbuf.h"
#include "hub/pg/pg.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define CANON_HEADER "hub.disclosure_log.v1\n"
#define N_COLS 16
#define FETCH_ROWS "1000"

void hub_audit_hex(const uint8_t *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
    if (!s || strlen(s) != 2 * n)
        return HUB_EINVAL;
    for (size_t i = 0; i < 2 * n; i++) {
        int c = (unsigned char)s[i], v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else
            return HUB_EINVAL;
        if (i % 2 == 0)
            out[i / 2] = (uint8_t)(v << 4);
        else
            out[i / 2] |= (uint8_t)v;
    }
    return 0;
}

static void field_str(struct hub_strbuf *b, const char *name, const char *v)
{
    char num[32];
    hub_strbuf_add(b, name, strlen(name));
    hub_strbuf_add(b, "=", 1);
    if (!v) {
        hub_strbuf_add(b, "-", 1);
    } else {
        size_t n = strlen(v);
        int k = snprintf(num, sizeof num, "%zu:", n);
        hub_strbuf_add(b, num, (size_t)k);
        hub_strbuf_add(b, v, n);
    }
    hub_strbuf_add(b, "\n", 1);
}

static void field_int(struct hub_strbuf *b, const char *name, int64_t v, bool null)
{
    char num[32];
    if (null) {
        field_str(b, name, NULL);
        return;
    }
    snprintf(num, sizeof num, "%" PRId64, v);
    field_str(b, name, num);
}

int hub_audit_canonical(const struct hub_audit_row *r, char **out, size_t *len)
{
    struct hub_strbuf b = HUB_STRBUF_INIT;
    *out = NULL;
    *len = 0;
    if (!r->kind || !r->school_unit || !r->outcome)
        return HUB_EINVAL;
    hub_strbuf_add(&b, CANON_HEADER, strlen(CANON_HEADER));
    field_int(&b, "id", r->id, false);
    field_int(&b, "at_ms", r->at_ms, false);
    field_str(&b, "kind", r->kind);
    field_str(&b, "school_unit", r->school_unit);
    field_str(&b, "notification_id", r->notification_id);
    field_str(&b, "handover_id", r->handover_id);
    field_str(&b, "placement_id", r->placement_id);
    field_str(&b, "source_event_id", r->source_event_id);
    field_str(&b, "district", r->district);
    field_str(&b, "legal_ground", r->legal_ground);
    field_str(&b, "outcome", r->outcome);
    field_int(&b, "attempt", r->attempt, false);
    field_int(&b, "http_status", r->http_status, r->http_status == 0);
    field_str(&b, "detail", r->detail);
    field_str(&b, "body_sha256", r->body_sha256);
    *len = b.len;
    *out = hub_strbuf_take(&b);
    if (!*out) {
        *len = 0;
        return HUB_ENOMEM;
    }
    return 0;
}

int hub_audit_row_hash(const uint8_t prev[HUB_AUDIT_HASH_LEN], const struct hub_audit_row *r,
                       uint8_t out[HUB_AUDIT_HASH_LEN])
{
    char *canon = NULL;
    size_t len = 0;
    unsigned int olen = 0;
    int rc = hub_audit_canonical(r, &canon, &len);
    if (rc)
        return rc;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    rc = HUB_ECRYPTO;
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
        EVP_DigestUpdate(ctx, prev, HUB_AUDIT_HASH_LEN) == 1 &&
        EVP_DigestUpdate(ctx, canon, len) == 1 && EVP_DigestFinal_ex(ctx, out, &olen) == 1 &&
        olen == HUB_AUDIT_HASH_LEN)
        rc = 0;
    EVP_MD_CTX_free(ctx);
    free(canon);
    return rc;
}

/* ---- append ---- */

static const char SQL_LOCK_HEAD[] =
    "SELECT last_id, encode(last_hash, 'hex') FROM hub.disclosure_head WHERE singleton FOR UPDATE";

static const char SQL_INSERT[] =
    "INSERT INTO hub.disclosure_log (id, at_ms, kind, school_unit, notification_id, handover_id,\n"
    "    placement_id, source_event_id, district, legal_ground, outcome, attempt, http_status,\n"
    "    detail, body_sha256, prev_hash, row_hash)\n"
    "SELECT u.id, u.at_ms, u.kind, u.school_unit, u.notification_id, u.handover_id,\n"
    "       u.placement_id, u.source_event_id, u.district, u.legal_ground, u.outcome, u.attempt,\n"
    "       u.http_status, u.detail, u.body_sha256, decode(u.prev, 'hex'), decode(u.h, 'hex')\n"
    "  FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[], $5::uuid[], $6::uuid[],\n"
    "              $7::uuid[], $8::uuid[], $9::text[], $10::text[], $11::text[], $12::int4[],\n"
    "              $13::int4[], $14::text[], $15::text[], $16::text[], $17::text[])\n"
    "    AS u(id, at_ms, kind, school_unit, notification_id, handover_id, placement_id,\n"
    "         source_event_id, district, legal_ground, outcome, attempt, http_status, detail,\n"
    "         body_sha256, prev, h)";

static const char SQL_MOVE_HEAD[] = "UPDATE hub.disclosure_head SET last_id = $1::int8,\n"
                                    "    last_hash = decode($2, 'hex') WHERE singleton";

static void add_opt(struct hub_pg_array *a, const char *s)
{
    if (s)
        hub_pg_array_add_text(a, s);
    else
        hub_pg_array_add_null(a);
}

int hub_audit_append(PGconn *conn, struct hub_audit_row *rows, size_t n, struct hub_error *err)
{
    struct hub_pg_array col[17];
    PGresult *res = NULL;
    uint8_t prev[HUB_AUDIT_HASH_LEN], h[HUB_AUDIT_HASH_LEN];
    char hex[HUB_AUDIT_HASH_HEX];
    int64_t last_id;
    int rc;

    if (n == 0)
        return 0;
    memset(col, 0, sizeof col);
    rc = hub_pg_exec(conn, "lock the disclosure log head", SQL_LOCK_HEAD, 0, NULL, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) != 1 || unhex(PQgetvalue(res, 0, 1), prev, sizeof prev) != 0) {
        PQclear(res);
        return hub_error_set(err, HUB_EPG, "hub.disclosure_head: missing or malformed");
    }
    errno = 0;
    last_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    if (errno || last_id < 0)
        return hub_error_set(err, HUB_EPG, "hub.disclosure_head: bad last_id");

    for (int k = 0; k < 17; k++)
        hub_pg_array_reset(&col[k]);
    for (size_t i = 0; i < n; i++) {
        struct hub_audit_row *r = &rows[i];
        r->id = last_id + 1 + (int64_t)i;
        if ((rc = hub_audit_row_hash(prev, r, h)) != 0) {
            rc = hub_error_set(err, rc, "disclosure log row: %s",
                               rc == HUB_EINVAL ? "kind, school_unit or outcome missing"
                                                : "cannot hash");
            goto out;
        }
        hub_pg_array_add_int(&col[0], r->id);
        hub_pg_array_add_int(&col[1], r->at_ms);
        hub_pg_array_add_text(&col[2], r->kind);
        hub_pg_array_add_text(&col[3], r->school_unit);
        add_opt(&col[4], r->notification_id);
        add_opt(&col[5], r->handover_id);
        add_opt(&col[6], r->placement_id);
        add_opt(&col[7], r->source_event_id);
        add_opt(&col[8], r->district);
        add_opt(&col[9], r->legal_ground);
        hub_pg_array_add_text(&col[10], r->outcome);
        hub_pg_array_add_int(&col[11], r->attempt);
        if (r->http_status)
            hub_pg_array_add_int(&col[12], r->http_status);
        else
            hub_pg_array_add_null(&col[12]);
        add_opt(&col[13], r->detail);
        add_opt(&col[14], r->body_sha256);
        hub_audit_hex(prev, sizeof prev, hex);
        hub_pg_array_add_text(&col[15], hex);
        hub_audit_hex(h, sizeof h, hex);
        hub_pg_array_add_text(&col[16], hex);
        memcpy(prev, h, sizeof prev);
    }
    const char *params[17];
    for (int k = 0; k < 17; k++)
        if (!(params[k] = hub_pg_array_finish(&col[k]))) {
            rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
            goto out;
        }
    rc = hub_pg_exec(conn, "append to the disclosure log", SQL_INSERT, 17, params, NULL, err);
    if (rc)
        goto out;
    char idbuf[24];
    snprintf(idbuf, sizeof idbuf, "%" PRId64, last_id + (int64_t)n);
    hub_audit_hex(prev, sizeof prev, hex);
    const char *hp[2] = {idbuf, hex};
    rc = hub_pg_exec(conn, "move the disclosure log head", SQL_MOVE_HEAD, 2, hp, NULL, err);
out:
    for (int k = 0; k < 17; k++)
        hub_pg_array_free(&col[k]);
    return rc;
}

/* ---- verify ---- */

static const char SQL_DECLARE[] =
    "DECLARE hub_audit_cur NO SCROLL CURSOR FOR\n"
    "SELECT id, at_ms, kind, school_unit, notification_id::text, handover_id::text,\n"
    "       placement_id::text, source_event_id::text, district, legal_ground, outcome, attempt,\n"
    "       http_status, detail, body_sha256, encode(prev_hash, 'hex'), encode(row_hash, 'hex')\n"
    "  FROM hub.disclosure_log ORDER BY id";

static const char *opt_val(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static bool parse_i64(const char *s, int64_t *out)
{
    char *end = NULL;
    if (!s || !*s)
        return false;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static bool broken(struct hub_audit_report *rep, int64_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool broken(struct hub_audit_report *rep, int64_t id, const char *fmt, ...)
{
    va_list ap;
    rep->intact = false;
    rep->bad_id = id;
    va_start(ap, fmt);
    vsnprintf(rep->problem, sizeof rep->problem, fmt, ap);
    va_end(ap);
    return false;
}

/* Checks one fetched row against the chain so far. Returns false at the first problem. */
static bool check_row(const PGresult *res, int i, int64_t *expect_id, uint8_t prev[32],
                      struct hub_audit_report *rep)
{
    struct hub_audit_row r = {0};
    int64_t attempt = 0, status = 0;
    uint8_t stored_prev[32], stored[32], computed[32];
    char hx1[HUB_AUDIT_HASH_HEX];

    if (!parse_i64(PQgetvalue(res, i, 0), &r.id))
        return broken(rep, *expect_id, "row after id %" PRId64 ": unreadable id", *expect_id - 1);
    if (r.id != *expect_id) {
        if (r.id > *expect_id)
            broken(rep, *expect_id,
                   "row %" PRId64 " is missing (deleted): ids jump from %" PRId64 " to %" PRId64,
                   *expect_id, *expect_id - 1, r.id);
        else
            broken(rep, r.id, "row %" PRId64 ": id out of sequence (expected %" PRId64 ")", r.id,
                   *expect_id);
        return false;
    }
    if (!parse_i64(PQgetvalue(res, i, 1), &r.at_ms) || !parse_i64(PQgetvalue(res, i, 11), &attempt))
        return broken(rep, r.id, "row %" PRId64 ": unreadable at_ms or attempt", r.id);
    if (!PQgetisnull(res, i, 12) && !parse_i64(PQgetvalue(res, i, 12), &status))
        return broken(rep, r.id, "row %" PRId64 ": unreadable http_status", r.id);
    r.kind = opt_val(res, i, 2);
    r.school_unit = opt_val(res, i, 3);
    r.notification_id = opt_val(res, i, 4);
    r.handover_id = opt_val(res, i, 5);
    r.placement_id = opt_val(res, i, 6);
    r.source_event_id = opt_val(res, i, 7);
    r.district = opt_val(res, i, 8);
    r.legal_ground = opt_val(res, i, 9);
    r.outcome = opt_val(res, i, 10);
    r.attempt = (int32_t)attempt;
    r.http_status = PQgetisnull(res, i, 12) ? 0 : (int32_t)status;
    if ((r.http_status == 0 && !PQgetisnull(res, i, 12)) || attempt != r.attempt)
        return broken(rep, r.id, "row %" PRId64 ": attempt or http_status out of range", r.id);
    r.detail = opt_val(res, i, 13);
    r.body_sha256 = opt_val(res, i, 14);
    if (unhex(PQgetvalue(res, i, 15), stored_prev, 32) || unhex(PQgetvalue(res, i, 16), stored, 32))
        return broken(rep, r.id, "row %" PRId64 ": prev_hash or row_hash malformed", r.id);
    if (memcmp(stored_prev, prev, 32) != 0) {
        hub_audit_hex(prev, 32, hx1);
        broken(rep, r.id,
               "row %" PRId64 ": prev_hash does not match the row_hash of row %" PRId64
               " (%s): the row before was altered or re-hashed, or rows were removed",
               r.id, r.id - 1, r.id == 1 ? "the zero hash" : hx1);
        return false;
    }
    if (hub_audit_row_hash(prev, &r, computed) != 0)
        return broken(rep, r.id, "row %" PRId64 ": a required field is NULL (altered)", r.id);
    if (memcmp(computed, stored, 32) != 0) {
        hub_audit_hex(computed, 32, hx1);
        broken(rep, r.id,
               "row %" PRId64 ": content does not match its row_hash (a field was altered; "
               "recomputed %s)",
               r.id, hx1);
        return false;
    }
    memcpy(prev, stored, 32);
    (*expect_id)++;
    rep->rows++;
    return true;
}

int hub_audit_verify(PGconn *conn, struct hub_audit_report *rep, struct hub_error *err)
{
    uint8_t prev[32] = {0};
    int64_t expect_id = 1;
    PGresult *res = NULL;
    int rc;

    memset(rep, 0, sizeof *rep);
    rep->intact = true;
    rc = hub_pg_exec(conn, "begin the audit snapshot",
                     "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL, err);
    if (rc)
        return rc;
    if ((rc = hub_pg_exec(conn, "open the disclosure log", SQL_DECLARE, 0, NULL, NULL, err)))
        goto out;
    for (;;) {
        rc = hub_pg_exec(conn, "read the disclosure log", "FETCH " FETCH_ROWS " FROM hub_audit_cur",
                         0, NULL, &res, err);
        if (rc)
            goto out;
        int n = PQntuples(res);
        if (PQnfields(res) != 17) {
            PQclear(res);
            rc = hub_error_set(err, HUB_EPG, "disclosure log: unexpected columns");
            goto out;
        }
        bool ok = true;
        for (int i = 0; i < n && ok; i++)
            ok = check_row(res, i, &expect_id, prev, rep);
        PQclear(res);
        res = NULL;
        if (!ok || n == 0)
            break;
    }
    if (rep->intact) {
        rc = hub_pg_exec(conn, "read the disclosure log head",
                         "SELECT last_id, encode(last_hash, 'hex') FROM hub.disclosure_head", 0,
                         NULL, &res, err);
        if (rc)
            goto out;
        int64_t head_id = -1;
        uint8_t head[32];
        if (PQntuples(res) != 1 || !parse_i64(PQgetvalue(res, 0, 0), &head_id) ||
            unhex(PQgetvalue(res, 0, 1), head, 32) != 0) {
            broken(rep, expect_id, "hub.disclosure_head is missing or malformed");
        } else if (head_id != expect_id - 1) {
            if (head_id > expect_id - 1)
                broken(rep, expect_id,
                       "rows %" PRId64 "..%" PRId64 " are missing (deleted): the head names row "
                       "%" PRId64 " as the last",
                       expect_id, head_id, head_id);
            else
                broken(rep, head_id + 1,
                       "the head names row %" PRId64 " as the last, but rows run to %" PRId64,
                       head_id, expect_id - 1);
        } else if (memcmp(head, prev, 32) != 0) {
            broken(rep, head_id, "row %" PRId64 ": the head's hash differs from the row's row_hash",
                   head_id);
        }
        PQclear(res);
        res = NULL;
    }
    if (rep->rows > 0 || rep->intact)
        hub_audit_hex(prev, 32, rep->head_hex);
    if (rep->rows == 0 && rep->intact)
        rep->head_hex[0] = '\0';
    rc = 0;
out:
    hub_pg_rollback(conn);
    return rc;
}
