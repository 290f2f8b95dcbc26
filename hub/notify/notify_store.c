/*
 * notify_store.c — SQL of the notifier's tables (see notify_store.h).
 */
#include "hub/notify/notify_store.h"
#include "hub/notify/audit.h"
#include "hub/pg/pg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#define I64_STR 24

/* ---- small helpers ---- */

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

static int64_t to_i64(const char *s)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s ? s : "", &end, 10);
    return errno || !end || *end ? 0 : (int64_t)v;
}

static void fmt_i64(char buf[I64_STR], int64_t v)
{
    snprintf(buf, I64_STR, "%" PRId64, v);
}

static void add_opt(struct hub_pg_array *a, const char *s)
{
    if (s)
        hub_pg_array_add_text(a, s);
    else
        hub_pg_array_add_null(a);
}

static char *dup_or_null(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

/* Resets `n` arrays, for a batch statement. */
static void arrays_reset(struct hub_pg_array *a, size_t n)
{
    for (size_t k = 0; k < n; k++)
        hub_pg_array_reset(&a[k]);
}

static void arrays_free(struct hub_pg_array *a, size_t n)
{
    for (size_t k = 0; k < n; k++)
        hub_pg_array_free(&a[k]);
}

/* Finishes `n` arrays into params; HUB_ENOMEM when one failed. */
static int arrays_finish(struct hub_pg_array *a, size_t n, const char **params,
                         struct hub_error *err)
{
    for (size_t k = 0; k < n; k++)
        if (!(params[k] = hub_pg_array_finish(&a[k])))
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
    return 0;
}

void hub_nstore_derive_id(const char *const *parts, size_t n, char out[HUB_NSTORE_ID_STR])
{
    static const char tag[] = "hub-notifier";
    uint8_t md[32];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    static const char hx[] = "0123456789abcdef";

    memset(md, 0, sizeof md);
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
        EVP_DigestUpdate(ctx, tag, sizeof tag); /* with its NUL */
        for (size_t i = 0; i < n; i++)
            EVP_DigestUpdate(ctx, parts[i] ? parts[i] : "", strlen(parts[i] ? parts[i] : "") + 1);
        EVP_DigestFinal_ex(ctx, md, &mdlen);
    }
    EVP_MD_CTX_free(ctx);
    md[6] = (uint8_t)((md[6] & 0x0f) | 0x80); /* version 8: custom */
    md[8] = (uint8_t)((md[8] & 0x3f) | 0x80); /* variant 10xx */
    size_t j = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[j++] = '-';
        out[j++] = hx[md[i] >> 4];
        out[j++] = hx[md[i] & 15];
    }
    out[j] = '\0';
}

/* ---- consumer side ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int hub_nstore_mark_processed(PGconn *conn, const struct hub_nstore_source *srcs, size_t n,
                              bool *is_new, struct hub_error *err)
{
    static const char sql[] =
        "INSERT INTO hub.notifier_events (event_id, topic, partition, \"offset\")\n"
        "SELECT u.e, u.t, u.p, u.o\n"
        "  FROM unnest($1::uuid[], $2::text[], $3::int4[], $4::int8[]) AS u(e, t, p, o)\n"
        "ON CONFLICT (event_id) DO NOTHING RETURNING event_id::text";
    struct hub_pg_array col[4];
    const char *params[4];
    PGresult *res = NULL;
    const char **fresh = NULL;
    bool *used = NULL;
    int rc;

    for (size_t i = 0; i < n; i++)
        is_new[i] = false;
    if (n == 0)
        return 0;
    memset(col, 0, sizeof col);
    arrays_reset(col, 4);
    for (size_t i = 0; i < n; i++) {
        hub_pg_array_add_text(&col[0], srcs[i].event_id);
        hub_pg_array_add_text(&col[1], srcs[i].topic);
        hub_pg_array_add_int(&col[2], srcs[i].partition);
        hub_pg_array_add_int(&col[3], srcs[i].offset);
    }
    if ((rc = arrays_finish(col, 4, params, err)) ||
        (rc = hub_pg_exec(conn, "record notifier event ids", sql, 4, params, &res, err)))
        goto out;
    size_t m = (size_t)PQntuples(res);
    fresh = calloc(m ? m : 1, sizeof *fresh);
    used = calloc(m ? m : 1, sizeof *used);
    if (!fresh || !used) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < m; k++)
        fresh[k] = PQgetvalue(res, (int)k, 0);
    qsort(fresh, m, sizeof *fresh, cmp_str);
    for (size_t i = 0; i < n; i++) {
        const char *key = srcs[i].event_id;
        const char **hit = bsearch(&key, fresh, m, sizeof *fresh, cmp_str);
        if (hit && !used[hit - fresh]) {
            used[hit - fresh] = true;
            is_new[i] = true;
        }
    }
out:
    free(fresh);
    free(used);
    PQclear(res);
    arrays_free(col, 4);
    return rc;
}

int hub_nstore_add_notes(PGconn *conn, const struct hub_nstore_note *notes, size_t n,
                         struct hub_error *err)
{
    static const char sql[] =
        "INSERT INTO hub.notifier_outbox (id, kind, source_event_id, school_unit, district,\n"
        "    handover_id, placement_id, child, legal_ground, contact_name, contact_email,\n"
        "    event_occurred_at, body, body_sha256, state, deadline, next_attempt_at)\n"
        "SELECT u.id, u.kind, u.src, u.school, u.district, u.hid, u.pid, u.child, u.lg, u.cn,\n"
        "       u.ce, to_timestamp(u.occ / 1000.0::float8), u.body, u.bsha, u.state,\n"
        "       to_timestamp(u.dl / 1000.0::float8),\n"
        "       CASE WHEN u.state = 'pending' THEN now() END\n"
        "  FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::uuid[],\n"
        "              $7::uuid[], $8::text[], $9::text[], $10::text[], $11::text[], $12::int8[],\n"
        "              $13::text[], $14::text[], $15::text[], $16::int8[])\n"
        "    AS u(id, kind, src, school, district, hid, pid, child, lg, cn, ce, occ, body, bsha,\n"
        "         state, dl)\n"
        "ON CONFLICT DO NOTHING";
    struct hub_pg_array col[16];
    const char *params[16];
    int rc;

    if (n == 0)
        return 0;
    memset(col, 0, sizeof col);
    arrays_reset(col, 16);
    for (size_t i = 0; i < n; i++) {
        const struct hub_nstore_note *t = &notes[i];
        hub_pg_array_add_text(&col[0], t->id);
        hub_pg_array_add_text(&col[1], t->kind);
        hub_pg_array_add_text(&col[2], t->source_event_id);
        hub_pg_array_add_text(&col[3], t->school_unit);
        hub_pg_array_add_text(&col[4], t->district);
        add_opt(&col[5], t->handover_id);
        add_opt(&col[6], t->placement_id);
        add_opt(&col[7], t->child);
        add_opt(&col[8], t->legal_ground);
        add_opt(&col[9], t->contact_name);
        add_opt(&col[10], t->contact_email);
        hub_pg_array_add_int(&col[11], t->event_occurred_at_ms);
        add_opt(&col[12], t->body);
        add_opt(&col[13], t->body_sha256);
        hub_pg_array_add_text(&col[14], t->state);
        hub_pg_array_add_int(&col[15], t->deadline_ms);
    }
    if ((rc = arrays_finish(col, 16, params, err)) == 0)
        rc = hub_pg_exec(conn, "queue notifications", sql, 16, params, NULL, err);
    arrays_free(col, 16);
    return rc;
}

int hub_nstore_add_receipts(PGconn *conn, const struct hub_nstore_receipt *r, size_t n,
                            struct hub_error *err)
{
    static const char sql[] =
        "INSERT INTO hub.notifier_receipts (event_id, notification_id, handover_id, child,\n"
        "    district, school_unit, status, at, detail)\n"
        "SELECT u.e, u.nid, u.hid, u.child, u.district, u.school, u.status,\n"
        "       to_timestamp(u.at / 1000.0::float8), u.detail\n"
        "  FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[],\n"
        "              $7::text[], $8::int8[], $9::text[])\n"
        "    AS u(e, nid, hid, child, district, school, status, at, detail)\n"
        "ON CONFLICT (event_id) DO NOTHING";
    struct hub_pg_array col[9];
    const char *params[9];
    int rc;

    if (n == 0)
        return 0;
    memset(col, 0, sizeof col);
    arrays_reset(col, 9);
    for (size_t i = 0; i < n; i++) {
        hub_pg_array_add_text(&col[0], r[i].event_id);
        add_opt(&col[1], r[i].notification_id);
        hub_pg_array_add_text(&col[2], r[i].handover_id);
        hub_pg_array_add_text(&col[3], r[i].child);
        hub_pg_array_add_text(&col[4], r[i].district);
        hub_pg_array_add_text(&col[5], r[i].school_unit);
        hub_pg_array_add_text(&col[6], hub_receipt_status_name(r[i].status));
        hub_pg_array_add_int(&col[7], r[i].at_ms);
        add_opt(&col[8], r[i].detail);
    }
    if ((rc = arrays_finish(col, 9, params, err)) == 0)
        rc = hub_pg_exec(conn, "queue receipts", sql, 9, params, NULL, err);
    arrays_free(col, 9);
    return rc;
}

int hub_nstore_store_offsets(PGconn *conn, const char *group, const struct hub_nstore_offset *o,
                             size_t n, struct hub_error *err)
{
    static const char sql[] =
        "INSERT INTO hub.consumer_offsets AS t (group_id, topic, partition, next_offset,\n"
        "    updated_at)\n"
        "SELECT $1, u.topic, u.partition, u.next_offset, now()\n"
        "  FROM unnest($2::text[], $3::int4[], $4::int8[]) AS u(topic, partition, next_offset)\n"
        "ON CONFLICT (writer, group_id, topic, partition) DO UPDATE\n"
        "   SET next_offset = EXCLUDED.next_offset, updated_at = EXCLUDED.updated_at";
    struct hub_pg_array col[3];
    const char *params[4] = {group};
    int rc;

    if (n == 0)
        return 0;
    memset(col, 0, sizeof col);
    arrays_reset(col, 3);
    for (size_t i = 0; i < n; i++) {
        hub_pg_array_add_text(&col[0], o[i].topic);
        hub_pg_array_add_int(&col[1], o[i].partition);
        hub_pg_array_add_int(&col[2], o[i].next_offset);
    }
    if ((rc = arrays_finish(col, 3, params + 1, err)) == 0)
        rc = hub_pg_exec(conn, "store notifier offsets", sql, 4, params, NULL, err);
    arrays_free(col, 3);
    return rc;
}

int hub_nstore_load_offset(PGconn *conn, const char *group, const char *topic, int32_t partition,
                           int64_t *next, struct hub_error *err)
{
    static const char sql[] = "SELECT next_offset FROM hub.consumer_offsets\n"
                              " WHERE writer = hub.offsets_writer() AND group_id = $1\n"
                              "   AND topic = $2 AND partition = $3::int4";
    char part[16];
    const char *params[3] = {group, topic, part};
    PGresult *res = NULL;
    int rc;

    *next = -1;
    snprintf(part, sizeof part, "%d", (int)partition);
    if ((rc = hub_pg_exec(conn, "load notifier offset", sql, 3, params, &res, err)))
        return rc;
    if (PQntuples(res) == 1)
        *next = to_i64(PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

int hub_nstore_notify(PGconn *conn, struct hub_error *err)
{
    return hub_pg_exec(conn, "wake the delivery workers",
                       "SELECT pg_notify('" HUB_NSTORE_CHANNEL "', '')", 0, NULL, NULL, err);
}

struct match_sort {
    struct hub_nstore_match m;
    int64_t created;
};

static int cmp_match(const void *a, const void *b)
{
    const struct match_sort *x = a, *y = b;
    int c = strcmp(x->m.school_unit, y->m.school_unit);
    if (c)
        return c;
    if (x->created != y->created)
        return x->created < y->created ? -1 : 1;
    return strcmp(x->m.id, y->m.id);
}

int hub_nstore_owners(PGconn *conn, bool handovers, const char *const *ids, size_t n,
                      int (*put)(void *ud, const char *id, const char *district), void *ud,
                      struct hub_error *err)
{
    /* the read model's registry of first claims first (placements are known there from their
     * own events), then the notifier's own first handover notification */
    static const char sql_h[] =
        "SELECT DISTINCT ON (id) id::text, district FROM (\n"
        "  SELECT 0 AS pri, id, district, claimed_at AS at FROM hub.record_owners\n"
        "   WHERE kind = 'handover' AND id = ANY($1::uuid[])\n"
        "  UNION ALL\n"
        "  SELECT 1, handover_id, district, created_at FROM hub.notifier_outbox\n"
        "   WHERE kind = 'handover' AND handover_id = ANY($1::uuid[])) o\n"
        " ORDER BY id, pri, at";
    static const char sql_p[] =
        "SELECT DISTINCT ON (id) id::text, district FROM (\n"
        "  SELECT 0 AS pri, id, district, claimed_at AS at FROM hub.record_owners\n"
        "   WHERE kind = 'placement' AND id = ANY($1::uuid[])\n"
        "  UNION ALL\n"
        "  SELECT 1, placement_id, district, NULL FROM hub.placement_owners\n"
        "   WHERE placement_id = ANY($1::uuid[])\n"
        "  UNION ALL\n"
        "  SELECT 2, placement_id, district, created_at FROM hub.notifier_outbox\n"
        "   WHERE kind = 'handover' AND placement_id = ANY($1::uuid[])) o\n"
        " ORDER BY id, pri, at";
    PGresult *res = NULL;
    if (n == 0)
        return 0;
    int rc = hub_pg_exec_ids(conn, "look up notification owners", handovers ? sql_h : sql_p, ids, n,
                             &res, err);
    for (int r = 0; rc == 0 && r < PQntuples(res); r++)
        if (put(ud, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1)) != 0)
            rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
    PQclear(res);
    return rc;
}

int hub_nstore_match_contact(PGconn *conn, const struct hub_event *ev,
                             struct hub_nstore_match **out, size_t *n, struct hub_error *err)
{
    static const char sql[] =
        "WITH m AS (\n"
        "  SELECT id, created_at FROM hub.notifier_outbox\n"
        "   WHERE kind = 'handover' AND district = $1 AND state IN ('pending', 'delivered')\n"
        "     AND (($2 <> '' AND lower(contact_email) = lower($2))\n"
        "          OR ($2 = '' AND coalesce(contact_email, '') = '' AND contact_name = $3))\n"
        "     AND ((cardinality($4::text[]) = 0 AND cardinality($5::uuid[]) = 0)\n"
        "          OR school_unit = ANY($4::text[]) OR placement_id = ANY($5::uuid[]))\n"
        "   FOR UPDATE)\n"
        "UPDATE hub.notifier_outbox o SET contact_name = $6, contact_email = $7\n"
        "  FROM m WHERE o.id = m.id\n"
        "RETURNING o.id::text, o.school_unit, o.handover_id::text, o.placement_id::text,\n"
        "          (extract(epoch FROM m.created_at) * 1000000)::int8";
    const struct hub_contact_change *k = &ev->u.contact_change;
    struct hub_pg_array units = {0}, places = {0};
    const char *params[7];
    PGresult *res = NULL;
    struct match_sort *tmp = NULL;
    int rc;

    *out = NULL;
    *n = 0;
    hub_pg_array_reset(&units);
    hub_pg_array_reset(&places);
    for (size_t i = 0; i < k->n_school_units && i < HUB_SCOPE_MAX; i++)
        hub_pg_array_add_text(&units, k->school_units[i]);
    for (size_t i = 0; i < k->n_placements && i < HUB_SCOPE_MAX; i++)
        hub_pg_array_add_text(&places, k->placements[i]);
    params[0] = ev->common.district;
    params[1] = k->old_contact.email;
    params[2] = k->old_contact.name;
    params[3] = hub_pg_array_finish(&units);
    params[4] = hub_pg_array_finish(&places);
    params[5] = k->new_contact.name;
    params[6] = k->new_contact.email;
    if (!params[3] || !params[4]) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = hub_pg_exec(conn, "match a contact change", sql, 7, params, &res, err)))
        goto out;
    size_t m = (size_t)PQntuples(res);
    if (m == 0)
        goto out;
    tmp = calloc(m, sizeof *tmp);
    *out = calloc(m, sizeof **out);
    if (!tmp || !*out) {
        free(*out);
        *out = NULL;
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < m; i++) {
        int r = (int)i;
        copy(tmp[i].m.id, sizeof tmp[i].m.id, PQgetvalue(res, r, 0));
        copy(tmp[i].m.school_unit, sizeof tmp[i].m.school_unit, PQgetvalue(res, r, 1));
        copy(tmp[i].m.handover_id, sizeof tmp[i].m.handover_id, PQgetvalue(res, r, 2));
        copy(tmp[i].m.placement_id, sizeof tmp[i].m.placement_id, PQgetvalue(res, r, 3));
        tmp[i].created = to_i64(PQgetvalue(res, r, 4));
    }
    qsort(tmp, m, sizeof *tmp, cmp_match);
    for (size_t i = 0; i < m; i++)
        (*out)[i] = tmp[i].m;
    *n = m;
out:
    free(tmp);
    PQclear(res);
    hub_pg_array_free(&units);
    hub_pg_array_free(&places);
    return rc;
}

/* ---- delivery side ---- */

void hub_nstore_claim_clear(struct hub_nstore_claim *c)
{
    if (!c)
        return;
    free(c->body);
    free(c->webhook_url);
    free(c->secret_ref);
    memset(c, 0, sizeof *c);
}

int hub_nstore_claim(PGconn *conn, int max, int lease_s, struct hub_nstore_claim **out, size_t *n,
                     struct hub_error *err)
{
    static const char sql[] =
        "WITH c AS (\n"
        "  SELECT id FROM hub.notifier_outbox o\n"
        "   WHERE state = 'pending' AND next_attempt_at <= now()\n"
        "     AND (lease_until IS NULL OR lease_until < now()\n"
        "          OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = o.lease_pid))\n"
        "   ORDER BY next_attempt_at LIMIT $1::int4 FOR UPDATE SKIP LOCKED),\n"
        "u AS (\n"
        "  UPDATE hub.notifier_outbox o\n"
        "     SET lease_until = now() + make_interval(secs => $2::int4),\n"
        "         lease_pid = pg_backend_pid(), attempts = o.attempts + 1\n"
        "    FROM c WHERE o.id = c.id\n"
        "  RETURNING o.*)\n"
        "SELECT u.id::text, u.kind, u.school_unit, u.district, u.source_event_id::text,\n"
        "       coalesce(u.handover_id::text, ''), coalesce(u.placement_id::text, ''),\n"
        "       coalesce(u.child, ''), coalesce(u.legal_ground, ''),\n"
        "       coalesce(u.body_sha256, ''), u.body, u.attempts,\n"
        "       (extract(epoch FROM u.deadline) * 1000)::int8,\n"
        "       s.skolenhetskod IS NOT NULL, s.removed_at IS NOT NULL, s.webhook_url,\n"
        "       s.signing_secret_ref\n"
        "  FROM u LEFT JOIN hub.schools s ON s.skolenhetskod = u.school_unit\n"
        " ORDER BY u.next_attempt_at, u.id";
    char smax[16], slease[16];
    const char *params[2] = {smax, slease};
    PGresult *res = NULL;
    int rc;

    *out = NULL;
    *n = 0;
    snprintf(smax, sizeof smax, "%d", max);
    snprintf(slease, sizeof slease, "%d", lease_s);
    if ((rc = hub_pg_exec(conn, "claim due notifications", sql, 2, params, &res, err)))
        return rc;
    size_t m = (size_t)PQntuples(res);
    if (m == 0) {
        PQclear(res);
        return 0;
    }
    struct hub_nstore_claim *c = calloc(m, sizeof *c);
    if (!c) {
        PQclear(res);
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < m; i++) {
        int r = (int)i;
        struct hub_nstore_claim *x = &c[i];
        copy(x->id, sizeof x->id, PQgetvalue(res, r, 0));
        copy(x->kind, sizeof x->kind, PQgetvalue(res, r, 1));
        copy(x->school_unit, sizeof x->school_unit, PQgetvalue(res, r, 2));
        copy(x->district, sizeof x->district, PQgetvalue(res, r, 3));
        copy(x->source_event_id, sizeof x->source_event_id, PQgetvalue(res, r, 4));
        copy(x->handover_id, sizeof x->handover_id, PQgetvalue(res, r, 5));
        copy(x->placement_id, sizeof x->placement_id, PQgetvalue(res, r, 6));
        copy(x->child, sizeof x->child, PQgetvalue(res, r, 7));
        copy(x->legal_ground, sizeof x->legal_ground, PQgetvalue(res, r, 8));
        copy(x->body_sha256, sizeof x->body_sha256, PQgetvalue(res, r, 9));
        x->body = dup_or_null(res, r, 10);
        x->body_len = x->body ? strlen(x->body) : 0;
        x->attempt = (int)to_i64(PQgetvalue(res, r, 11));
        x->deadline_ms = to_i64(PQgetvalue(res, r, 12));
        x->school_known = PQgetvalue(res, r, 13)[0] == 't';
        x->school_removed = PQgetvalue(res, r, 14)[0] == 't';
        x->webhook_url = dup_or_null(res, r, 15);
        x->secret_ref = dup_or_null(res, r, 16);
        if ((!x->body && !PQgetisnull(res, r, 10)) ||
            (!x->webhook_url && !PQgetisnull(res, r, 15)) ||
            (!x->secret_ref && !PQgetisnull(res, r, 16))) {
            for (size_t k = 0; k <= i; k++)
                hub_nstore_claim_clear(&c[k]);
            free(c);
            PQclear(res);
            /* the leases expire; nothing is lost */
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        }
    }
    PQclear(res);
    *out = c;
    *n = m;
    return 0;
}

int hub_nstore_log_dispatch(PGconn *conn, const struct hub_nstore_claim *const *c, size_t n,
                            int64_t at_ms, struct hub_error *err)
{
    if (n == 0)
        return 0;
    struct hub_audit_row *rows = calloc(n, sizeof *rows);
    if (!rows)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const struct hub_nstore_claim *x = c[i];
        rows[i].at_ms = at_ms;
        rows[i].kind = "dispatch";
        rows[i].school_unit = x->school_unit;
        rows[i].notification_id = x->id;
        rows[i].handover_id = x->handover_id[0] ? x->handover_id : NULL;
        rows[i].placement_id = x->placement_id[0] ? x->placement_id : NULL;
        rows[i].source_event_id = x->source_event_id;
        rows[i].district = x->district;
        rows[i].legal_ground = x->legal_ground[0] ? x->legal_ground : NULL;
        rows[i].outcome = "sent";
        rows[i].attempt = x->attempt;
        rows[i].body_sha256 = x->body_sha256[0] ? x->body_sha256 : NULL;
    }
    int rc = hub_audit_append(conn, rows, n, err);
    free(rows);
    return rc;
}

static const char SQL_REC_DELIVERED[] =
    "UPDATE hub.notifier_outbox SET state = 'delivered', delivered_at = to_timestamp($2::int8 / "
    "1000.0::float8),\n"
    "       next_attempt_at = NULL, lease_until = NULL, lease_pid = NULL,\n"
    "       last_status = $3::int4, last_error = NULL, body = NULL\n"
    " WHERE id = $1::uuid AND state = 'pending' RETURNING id";
static const char SQL_REC_FAILED[] =
    "UPDATE hub.notifier_outbox SET state = 'failed', failed_at = to_timestamp($2::int8 / "
    "1000.0::float8),\n"
    "       next_attempt_at = NULL, lease_until = NULL, lease_pid = NULL,\n"
    "       last_status = $3::int4, last_error = $4, body = NULL\n"
    " WHERE id = $1::uuid AND state = 'pending' RETURNING id";
/* A retry only applies to the claim it belongs to: a later claim has a higher attempt count. */
static const char SQL_REC_RETRY[] =
    "UPDATE hub.notifier_outbox SET next_attempt_at = to_timestamp($2::int8 / 1000.0::float8),\n"
    "       lease_until = NULL, lease_pid = NULL, last_status = $3::int4, last_error = $4\n"
    " WHERE id = $1::uuid AND state = 'pending' AND attempts = $5::int4 RETURNING id";

/* Applies one outcome (in the caller's transaction) and adds its disclosure-log rows to rows[]
 * (room for two). */
static int record_one(PGconn *conn, const struct hub_nstore_claim *c,
                      const struct hub_nstore_outcome *o, bool *changed, struct hub_audit_row *rows,
                      size_t *n_rows, struct hub_error *err)
{
    char at[I64_STR], status[I64_STR], attempt[I64_STR];
    const char *params[5] = {c->id, at, o->http_status ? status : NULL, o->detail, attempt};
    PGresult *res = NULL;
    int rc;

    fmt_i64(at, o->verdict == HUB_NSTORE_RETRY ? o->next_attempt_ms : o->at_ms);
    fmt_i64(status, o->http_status);
    fmt_i64(attempt, c->attempt);
    const char *sql = o->verdict == HUB_NSTORE_DELIVERED ? SQL_REC_DELIVERED
                      : o->verdict == HUB_NSTORE_FAILED  ? SQL_REC_FAILED
                                                         : SQL_REC_RETRY;
    int np = o->verdict == HUB_NSTORE_DELIVERED ? 3 : o->verdict == HUB_NSTORE_FAILED ? 4 : 5;
    if ((rc = hub_pg_exec(conn, "record a delivery attempt", sql, np, params, &res, err)))
        return rc;
    *changed = PQntuples(res) == 1;
    PQclear(res);

    bool is_handover = strcmp(c->kind, "handover") == 0;
    if (*changed && is_handover && o->verdict != HUB_NSTORE_RETRY) {
        struct hub_nstore_receipt r = {0};
        r.status = o->verdict == HUB_NSTORE_DELIVERED ? HUB_RECEIPT_DELIVERED : HUB_RECEIPT_FAILED;
        const char *parts[2] = {c->id, hub_receipt_status_name(r.status)};
        hub_nstore_derive_id(parts, 2, r.event_id);
        r.notification_id = c->id;
        r.handover_id = c->handover_id;
        r.child = c->child;
        r.district = c->district;
        r.school_unit = c->school_unit;
        r.at_ms = o->at_ms;
        char detail[HUB_DETAIL_STR];
        if (o->verdict == HUB_NSTORE_DELIVERED)
            snprintf(detail, sizeof detail, "HTTP %d on attempt %d", o->http_status, c->attempt);
        else
            snprintf(detail, sizeof detail, "%s", o->detail ? o->detail : o->outcome);
        r.detail = detail;
        if ((rc = hub_nstore_add_receipts(conn, &r, 1, err)))
            return rc;
    }
    struct hub_audit_row base = {0};
    base.at_ms = o->at_ms;
    base.school_unit = c->school_unit;
    base.notification_id = c->id;
    base.handover_id = c->handover_id[0] ? c->handover_id : NULL;
    base.placement_id = c->placement_id[0] ? c->placement_id : NULL;
    base.source_event_id = c->source_event_id;
    base.district = c->district;
    base.legal_ground = c->legal_ground[0] ? c->legal_ground : NULL;
    base.attempt = c->attempt;
    base.body_sha256 = c->body_sha256[0] ? c->body_sha256 : NULL;
    if (o->attempted) {
        struct hub_audit_row *a = &rows[(*n_rows)++];
        *a = base;
        a->kind = "attempt";
        a->outcome = o->outcome;
        a->http_status = o->http_status;
        a->detail = o->detail;
    }
    if (*changed && o->verdict == HUB_NSTORE_FAILED) {
        struct hub_audit_row *a = &rows[(*n_rows)++];
        *a = base;
        a->kind = "failed";
        a->outcome =
            o->attempted ? (strcmp(o->outcome, "gone") == 0 ? "gone" : "gave_up") : o->outcome;
        a->detail = o->detail;
        if (!o->attempted)
            a->body_sha256 = NULL; /* nothing was sent */
    }
    return 0;
}

int hub_nstore_record(PGconn *conn, const struct hub_nstore_claim *const *c,
                      const struct hub_nstore_outcome *const *o, size_t n, bool *changed,
                      struct hub_error *err)
{
    struct hub_audit_row *rows = NULL;
    bool *ch = NULL;
    size_t n_rows = 0;
    int rc;

    if (n == 0)
        return 0;
    rows = calloc(2 * n, sizeof *rows);
    ch = calloc(n, sizeof *ch);
    if (!rows || !ch) {
        free(rows);
        free(ch);
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    rc = hub_pg_begin(conn, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = record_one(conn, c[i], o[i], &ch[i], rows, &n_rows, err);
    if (rc == 0)
        rc = hub_audit_append(conn, rows, n_rows, err);
    if (rc == 0)
        rc = hub_pg_commit(conn, err);
    if (rc)
        hub_pg_rollback(conn);
    for (size_t i = 0; changed && i < n; i++)
        changed[i] = rc == 0 && ch[i];
    free(rows);
    free(ch);
    return rc;
}

static int cmp_seq(const void *a, const void *b)
{
    const struct hub_nstore_pub *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int hub_nstore_claim_receipts(PGconn *conn, int max, int lease_s, struct hub_nstore_pub **out,
                              size_t *n, struct hub_error *err)
{
    static const char sql[] =
        "WITH c AS (\n"
        "  SELECT event_id FROM hub.notifier_receipts r\n"
        "   WHERE published_at IS NULL\n"
        "     AND (lease_until IS NULL OR lease_until < now()\n"
        "          OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.lease_pid))\n"
        "   ORDER BY seq LIMIT $1::int4 FOR UPDATE SKIP LOCKED)\n"
        "UPDATE hub.notifier_receipts r\n"
        "   SET lease_until = now() + make_interval(secs => $2::int4), lease_pid = "
        "pg_backend_pid()\n"
        "  FROM c WHERE r.event_id = c.event_id\n"
        "RETURNING r.event_id::text, r.handover_id::text, r.child, r.district, r.school_unit,\n"
        "          r.status, r.detail, (extract(epoch FROM r.at) * 1000)::int8,\n"
        "          (extract(epoch FROM r.created_at) * 1000)::int8, r.seq";
    char smax[16], slease[16];
    const char *params[2] = {smax, slease};
    PGresult *res = NULL;
    int rc;

    *out = NULL;
    *n = 0;
    snprintf(smax, sizeof smax, "%d", max);
    snprintf(slease, sizeof slease, "%d", lease_s);
    /* Losing this lease in a crash only means publishing again (same event ids): no need to wait
     * for the WAL flush. */
    if ((rc = hub_pg_begin(conn, err)) ||
        (rc = hub_pg_exec(conn, "relax commit", "SET LOCAL synchronous_commit TO off", 0, NULL,
                          NULL, err)) ||
        (rc = hub_pg_exec(conn, "claim receipts to publish", sql, 2, params, &res, err)) ||
        (rc = hub_pg_commit(conn, err))) {
        PQclear(res);
        hub_pg_rollback(conn);
        return rc;
    }
    size_t m = (size_t)PQntuples(res);
    if (m == 0) {
        PQclear(res);
        return 0;
    }
    struct hub_nstore_pub *p = calloc(m, sizeof *p);
    if (!p) {
        PQclear(res);
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < m; i++) {
        int r = (int)i;
        copy(p[i].event_id, sizeof p[i].event_id, PQgetvalue(res, r, 0));
        copy(p[i].handover_id, sizeof p[i].handover_id, PQgetvalue(res, r, 1));
        copy(p[i].child, sizeof p[i].child, PQgetvalue(res, r, 2));
        copy(p[i].district, sizeof p[i].district, PQgetvalue(res, r, 3));
        copy(p[i].school_unit, sizeof p[i].school_unit, PQgetvalue(res, r, 4));
        copy(p[i].status, sizeof p[i].status, PQgetvalue(res, r, 5));
        p[i].has_detail = !PQgetisnull(res, r, 6);
        copy(p[i].detail, sizeof p[i].detail, PQgetvalue(res, r, 6));
        p[i].at_ms = to_i64(PQgetvalue(res, r, 7));
        p[i].created_ms = to_i64(PQgetvalue(res, r, 8));
        p[i].seq = to_i64(PQgetvalue(res, r, 9));
    }
    PQclear(res);
    qsort(p, m, sizeof *p, cmp_seq);
    *out = p;
    *n = m;
    return 0;
}

int hub_nstore_receipts_done(PGconn *conn, const char *const *event_ids, size_t n, bool published,
                             struct hub_error *err)
{
    static const char sql_pub[] =
        "UPDATE hub.notifier_receipts SET published_at = now(), lease_until = NULL,\n"
        "       lease_pid = NULL WHERE event_id = ANY($1::uuid[])";
    static const char sql_rel[] =
        "UPDATE hub.notifier_receipts SET lease_until = NULL, lease_pid = NULL\n"
        " WHERE event_id = ANY($1::uuid[]) AND published_at IS NULL";
    struct hub_pg_array a = {0};
    const char *params[1];
    int rc;

    if (n == 0)
        return 0;
    hub_pg_array_reset(&a);
    for (size_t i = 0; i < n; i++)
        hub_pg_array_add_text(&a, event_ids[i]);
    if (!(params[0] = hub_pg_array_finish(&a))) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
    } else {
        /* losing this mark in a crash only means publishing again: commit asynchronously */
        rc = hub_pg_begin(conn, err);
        if (rc == 0)
            rc = hub_pg_exec(conn, "relax commit", "SET LOCAL synchronous_commit TO off", 0, NULL,
                             NULL, err);
        if (rc == 0)
            rc = hub_pg_exec(conn, published ? "mark receipts published" : "release receipts",
                             published ? sql_pub : sql_rel, 1, params, NULL, err);
        if (rc == 0)
            rc = hub_pg_commit(conn, err);
        if (rc)
            hub_pg_rollback(conn);
    }
    hub_pg_array_free(&a);
    return rc;
}

static int overdue_tx(PGconn *conn, int64_t cutoff_ms, int working_days, int max, size_t *count,
                      struct hub_error *err)
{
    static const char sql_sel[] =
        "SELECT id::text, school_unit, district, handover_id::text, placement_id::text, child,\n"
        "       legal_ground, source_event_id::text, body_sha256\n"
        "  FROM hub.notifier_outbox\n"
        " WHERE state = 'delivered' AND kind = 'handover' AND acknowledged_at IS NULL\n"
        "   AND overdue_at IS NULL AND delivered_at < to_timestamp($1::int8 / 1000.0::float8)\n"
        " ORDER BY delivered_at LIMIT $2::int4 FOR UPDATE SKIP LOCKED";
    static const char sql_upd[] = "UPDATE hub.notifier_outbox SET overdue_at = now()\n"
                                  " WHERE id = ANY($1::uuid[])";
    char cut[I64_STR], smax[16];
    const char *params[2] = {cut, smax};
    PGresult *res = NULL;
    struct hub_nstore_receipt *rc_rows = NULL;
    struct hub_audit_row *au = NULL;
    struct hub_pg_array ids = {0};
    char detail[HUB_DETAIL_STR];
    int rc;

    fmt_i64(cut, cutoff_ms);
    snprintf(smax, sizeof smax, "%d", max);
    if ((rc = hub_pg_exec(conn, "find overdue handovers", sql_sel, 2, params, &res, err)))
        return rc;
    size_t m = (size_t)PQntuples(res);
    *count = m;
    if (m == 0)
        goto out;
    rc_rows = calloc(m, sizeof *rc_rows);
    au = calloc(m, sizeof *au);
    if (!rc_rows || !au) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(detail, sizeof detail, "not acknowledged within %d working days of delivery",
             working_days);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    hub_pg_array_reset(&ids);
    for (size_t i = 0; i < m; i++) {
        int r = (int)i;
        const char *id = PQgetvalue(res, r, 0);
        hub_pg_array_add_text(&ids, id);
        const char *parts[2] = {id, "overdue"};
        hub_nstore_derive_id(parts, 2, rc_rows[i].event_id);
        rc_rows[i].notification_id = id;
        rc_rows[i].school_unit = PQgetvalue(res, r, 1);
        rc_rows[i].district = PQgetvalue(res, r, 2);
        rc_rows[i].handover_id = PQgetvalue(res, r, 3);
        rc_rows[i].child = PQgetvalue(res, r, 5);
        rc_rows[i].status = HUB_RECEIPT_OVERDUE;
        rc_rows[i].at_ms = now_ms;
        rc_rows[i].detail = detail;
        au[i] = (struct hub_audit_row){0};
        au[i].at_ms = now_ms;
        au[i].kind = "overdue";
        au[i].school_unit = PQgetvalue(res, r, 1);
        au[i].notification_id = id;
        au[i].handover_id = PQgetvalue(res, r, 3);
        au[i].placement_id = PQgetisnull(res, r, 4) ? NULL : PQgetvalue(res, r, 4);
        au[i].source_event_id = PQgetvalue(res, r, 7);
        au[i].district = PQgetvalue(res, r, 2);
        au[i].legal_ground = PQgetisnull(res, r, 6) ? NULL : PQgetvalue(res, r, 6);
        au[i].outcome = "overdue";
        au[i].detail = detail;
    }
    const char *p1[1] = {hub_pg_array_finish(&ids)};
    if (!p1[0]) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = hub_pg_exec(conn, "mark handovers overdue", sql_upd, 1, p1, NULL, err)) ||
        (rc = hub_nstore_add_receipts(conn, rc_rows, m, err)) ||
        (rc = hub_audit_append(conn, au, m, err)))
        goto out;
out:
    hub_pg_array_free(&ids);
    free(rc_rows);
    free(au);
    PQclear(res);
    return rc;
}

int hub_nstore_mark_overdue(PGconn *conn, int64_t cutoff_ms, int working_days, int max,
                            size_t *count, struct hub_error *err)
{
    size_t n = 0;
    int rc = hub_pg_begin(conn, err);
    if (rc == 0)
        rc = overdue_tx(conn, cutoff_ms, working_days, max, &n, err);
    if (rc == 0)
        rc = hub_pg_commit(conn, err);
    if (rc)
        hub_pg_rollback(conn);
    if (count)
        *count = rc == 0 ? n : 0;
    return rc;
}

static int ack_tx(PGconn *conn, const char *handover_id, const char *school_unit,
                  const char *webhook_id, int64_t at_ms, enum hub_nstore_ack *result,
                  struct hub_error *err)
{
    static const char sql_sel[] =
        "SELECT id::text, school_unit, state, acknowledged_at IS NOT NULL, district,\n"
        "       placement_id::text, child, legal_ground, source_event_id::text\n"
        "  FROM hub.notifier_outbox WHERE kind = 'handover' AND handover_id = $1::uuid\n"
        " ORDER BY created_at, id FOR UPDATE";
    static const char sql_upd[] =
        "UPDATE hub.notifier_outbox SET acknowledged_at = to_timestamp($3::int8 / 1000.0::float8)\n"
        " WHERE kind = 'handover' AND handover_id = $1::uuid AND school_unit = $2\n"
        "   AND state <> 'withheld' AND acknowledged_at IS NULL";
    const char *p1[1] = {handover_id};
    PGresult *res = NULL;
    int rc;

    if ((rc = hub_pg_exec(conn, "look up the acknowledged handover", sql_sel, 1, p1, &res, err)))
        return rc;
    int n = PQntuples(res), mine = -1;
    bool withheld_here = false, sent_here = false;
    for (int i = 0; i < n; i++) {
        if (strcmp(PQgetvalue(res, i, 1), school_unit) != 0)
            continue;
        if (strcmp(PQgetvalue(res, i, 2), "withheld") == 0) {
            withheld_here = true;
            continue;
        }
        sent_here = true;
        if (PQgetvalue(res, i, 3)[0] != 't')
            mine = i; /* the newest unacknowledged notification (an update of the handover) */
    }
    if (n == 0)
        *result = HUB_NSTORE_ACK_UNKNOWN;
    else if (!sent_here)
        *result = withheld_here ? HUB_NSTORE_ACK_WITHHELD : HUB_NSTORE_ACK_WRONG_RECIPIENT;
    else if (mine < 0)
        *result = HUB_NSTORE_ACK_ALREADY;
    else
        *result = HUB_NSTORE_ACK_OK;
    if (*result != HUB_NSTORE_ACK_OK) {
        PQclear(res);
        return 0;
    }
    char at[I64_STR], detail[HUB_DETAIL_STR];
    fmt_i64(at, at_ms);
    const char *p3[3] = {handover_id, school_unit, at};
    if ((rc = hub_pg_exec(conn, "record an acknowledgement", sql_upd, 3, p3, NULL, err))) {
        PQclear(res);
        return rc;
    }
    snprintf(detail, sizeof detail, "acknowledged by the school (request %s)", webhook_id);
    struct hub_nstore_receipt r = {0};
    r.notification_id = PQgetvalue(res, mine, 0);
    const char *parts[2] = {r.notification_id, "acknowledged"};
    hub_nstore_derive_id(parts, 2, r.event_id);
    r.handover_id = handover_id;
    r.child = PQgetvalue(res, mine, 6);
    r.district = PQgetvalue(res, mine, 4);
    r.school_unit = school_unit;
    r.status = HUB_RECEIPT_ACKNOWLEDGED;
    r.at_ms = at_ms;
    r.detail = detail;
    struct hub_audit_row a = {0};
    a.at_ms = at_ms;
    a.kind = "acknowledged";
    a.school_unit = school_unit;
    a.notification_id = r.notification_id;
    a.handover_id = handover_id;
    a.placement_id = PQgetisnull(res, mine, 5) ? NULL : PQgetvalue(res, mine, 5);
    a.source_event_id = PQgetvalue(res, mine, 8);
    a.district = r.district;
    a.legal_ground = PQgetisnull(res, mine, 7) ? NULL : PQgetvalue(res, mine, 7);
    a.outcome = "acknowledged";
    a.detail = detail;
    rc = hub_nstore_add_receipts(conn, &r, 1, err);
    if (rc == 0)
        rc = hub_nstore_notify(conn, err); /* the delivery worker publishes the receipt */
    if (rc == 0)
        rc = hub_audit_append(conn, &a, 1, err);
    PQclear(res);
    return rc;
}

int hub_nstore_acknowledge(PGconn *conn, const char *handover_id, const char *school_unit,
                           const char *webhook_id, int64_t at_ms, enum hub_nstore_ack *result,
                           struct hub_error *err)
{
    int rc = hub_pg_begin(conn, err);
    if (rc == 0)
        rc = ack_tx(conn, handover_id, school_unit, webhook_id, at_ms, result, err);
    if (rc == 0)
        rc = hub_pg_commit(conn, err);
    if (rc)
        hub_pg_rollback(conn);
    return rc;
}

int hub_nstore_school(PGconn *conn, const char *school_unit, bool *known, bool *removed,
                      char **secret_ref, struct hub_error *err)
{
    static const char sql[] = "SELECT removed_at IS NOT NULL, signing_secret_ref FROM hub.schools\n"
                              " WHERE skolenhetskod = $1";
    const char *params[1] = {school_unit};
    PGresult *res = NULL;
    int rc;

    *known = *removed = false;
    *secret_ref = NULL;
    if ((rc = hub_pg_exec(conn, "look up a school", sql, 1, params, &res, err)))
        return rc;
    if (PQntuples(res) == 1) {
        *known = true;
        *removed = PQgetvalue(res, 0, 0)[0] == 't';
        if (!PQgetisnull(res, 0, 1) && !(*secret_ref = strdup(PQgetvalue(res, 0, 1))))
            rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    PQclear(res);
    return rc;
}

int hub_nstore_pending_age(PGconn *conn, int64_t *pending, double *oldest_s, struct hub_error *err)
{
    PGresult *res = NULL;
    int rc = hub_pg_exec(conn, "measure pending notifications",
                         "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)"
                         "  FROM hub.notifier_outbox WHERE state = 'pending'",
                         0, NULL, &res, err);
    if (rc)
        return rc;
    *pending = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    *oldest_s = strtod(PQgetvalue(res, 0, 1), NULL);
    PQclear(res);
    return 0;
}
