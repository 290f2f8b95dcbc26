/*
 * rmstore.c — batched, exactly-once writes of the read model (see rmstore.h).
 *
 * This module owns the SQL of the read-model tables (hub.placements, hub.school_starts,
 * hub.handovers, hub.handover_receipts, hub.contact_changes, hub.follow_ups), hub.processed_events
 * and hub.consumer_offsets. Each statement takes whole columns as text-format array literals and
 * unnests them server-side, so a batch costs one round trip per table touched, not per row.
 * Dates travel as day numbers and instants as epoch milliseconds; the SQL converts them.
 */
#include "hub/readmodel/rmstore.h"
#include "hub/core/utf8.h"
#include "hub/domain/event_valid.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hub/pg/pg.h"

/* Widest statement: hub.handovers. */
#define RM_MAX_COLS 19

#define RM_UUID_LEN 36

enum rm_stmt {
    ST_PROCESSED,
    ST_PLACEMENTS,
    ST_SCHOOL_STARTS,
    ST_HANDOVERS,
    ST_RECEIPTS,
    ST_CONTACT_CHANGES,
    ST_FOLLOW_UPS,
    ST_OFFSETS,
    ST_LOAD_OFFSET,
    ST_LOAD_OFFSETS,
    ST__COUNT
};

struct rm_stmt_def {
    const char *name;
    const char *purpose;
    const char *sql;
};

/* The newest-wins rule of hub.placements and hub.handovers, written once: the last_* columns
 * follow the newer event, and a row changes only when the event's (occurred_at, source offset) is
 * greater than the stored one; first_* are written on insert only. Ends an ON CONFLICT DO UPDATE
 * SET list on table alias t. */
#define RM_NEWEST_WINS                                                                             \
    "    last_event_id = EXCLUDED.last_event_id, last_occurred_at = EXCLUDED.last_occurred_at,\n"  \
    "    last_src_partition = EXCLUDED.last_src_partition,\n"                                      \
    "    last_src_offset = EXCLUDED.last_src_offset, updated_at = now()\n"                         \
    "WHERE (EXCLUDED.last_occurred_at, EXCLUDED.last_src_offset)\n"                                \
    "    > (t.last_occurred_at, t.last_src_offset)"

/* `to_timestamp(ms / 1000.0::float8)` is exact to the millisecond for every instant accepted:
 * to_timestamp rounds to whole microseconds. */
static const struct rm_stmt_def rm_stmts[ST__COUNT] = {
    [ST_PROCESSED] = {"hub_rm_processed", "record processed event ids",
                      "INSERT INTO hub.processed_events (event_id, topic, partition, \"offset\")\n"
                      "SELECT * FROM unnest($1::uuid[], $2::text[], $3::int4[], $4::int8[])\n"
                      "ON CONFLICT (event_id) DO NOTHING\n"
                      "RETURNING event_id"},
    /* Newest wins (RM_NEWEST_WINS). The age group at the start is written here and no birth year
     * (migration 011): hub.age_group_at is inlined, and the table's trigger, which does the same
     * for other writers, fires only for a row that brings a birth year. */
    [ST_PLACEMENTS] =
        {"hub_rm_placements", "upsert hub.placements",
         "INSERT INTO hub.placements AS t (placement_id, child, district, age_group, legal_sex,\n"
         "    action, legal_basis, placement_form, start_date, end_date, school_change,\n"
         "    placement_municipality, first_event_id, first_occurred_at, last_event_id,\n"
         "    last_occurred_at, last_src_partition, last_src_offset)\n"
         "SELECT u.placement_id, u.child, u.district,\n"
         "       hub.age_group_at(u.birth_year, DATE '1970-01-01' + u.start_days),\n"
         "       u.legal_sex, u.action, u.legal_basis, u.placement_form,\n"
         "       DATE '1970-01-01' + u.start_days, DATE '1970-01-01' + u.end_days,\n"
         "       u.school_change, u.municipality,\n"
         "       u.first_event_id, to_timestamp(u.first_ms / 1000.0::float8), u.last_event_id,\n"
         "       to_timestamp(u.last_ms / 1000.0::float8), u.src_partition, u.src_offset\n"
         "  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int4[], $5::text[], $6::text[],\n"
         "              $7::text[], $8::text[], $9::int4[], $10::int4[], $11::bool[],\n"
         "              $12::text[], $13::uuid[], $14::int8[], $15::uuid[], $16::int8[],\n"
         "              $17::int4[], $18::int8[])\n"
         "    AS u(placement_id, child, district, birth_year, legal_sex, action, legal_basis,\n"
         "         placement_form, start_days, end_days, school_change, municipality,\n"
         "         first_event_id, first_ms, last_event_id, last_ms, src_partition, src_offset)\n"
         "ON CONFLICT (placement_id) DO UPDATE SET\n"
         "    child = EXCLUDED.child, district = EXCLUDED.district,\n"
         "    age_group = EXCLUDED.age_group, legal_sex = EXCLUDED.legal_sex,\n"
         "    action = EXCLUDED.action, legal_basis = EXCLUDED.legal_basis,\n"
         "    placement_form = EXCLUDED.placement_form, start_date = EXCLUDED.start_date,\n"
         "    end_date = EXCLUDED.end_date, school_change = EXCLUDED.school_change,\n"
         "    placement_municipality = EXCLUDED.placement_municipality,\n" RM_NEWEST_WINS},
    [ST_SCHOOL_STARTS] =
        {"hub_rm_school_starts", "insert into hub.school_starts",
         "INSERT INTO hub.school_starts (event_id, placement_id, child, district, school_unit,\n"
         "    school_form, start_date, occurred_at)\n"
         "SELECT u.event_id, u.placement_id, u.child, u.district, u.school_unit, u.school_form,\n"
         "       DATE '1970-01-01' + u.start_days, to_timestamp(u.occurred_ms / 1000.0::float8)\n"
         "  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],\n"
         "              $7::int4[], $8::int8[])\n"
         "    AS u(event_id, placement_id, child, district, school_unit, school_form, start_days,\n"
         "         occurred_ms)\n"
         "ON CONFLICT (event_id) DO NOTHING"},
    /* Newest wins, as for placements. */
    [ST_HANDOVERS] =
        {"hub_rm_handovers", "upsert hub.handovers",
         "INSERT INTO hub.handovers AS t (handover_id, placement_id, child, district,\n"
         "    receiving_school_unit, sending_school_unit, planned_start_date, legal_ground,\n"
         "    contact_name, contact_role, contact_phone, contact_email, has_sealed_content,\n"
         "    first_event_id, first_occurred_at, last_event_id, last_occurred_at,\n"
         "    last_src_partition, last_src_offset)\n"
         "SELECT u.handover_id, u.placement_id, u.child, u.district, u.receiving, u.sending,\n"
         "       DATE '1970-01-01' + u.planned_days, u.legal_ground, u.contact_name,\n"
         "       u.contact_role, u.contact_phone, u.contact_email, u.has_sealed,\n"
         "       u.first_event_id, to_timestamp(u.first_ms / 1000.0::float8), u.last_event_id,\n"
         "       to_timestamp(u.last_ms / 1000.0::float8), u.src_partition, u.src_offset\n"
         "  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],\n"
         "              $7::int4[], $8::text[], $9::text[], $10::text[], $11::text[],\n"
         "              $12::text[], $13::bool[], $14::uuid[], $15::int8[], $16::uuid[],\n"
         "              $17::int8[], $18::int4[], $19::int8[])\n"
         "    AS u(handover_id, placement_id, child, district, receiving, sending, planned_days,\n"
         "         legal_ground, contact_name, contact_role, contact_phone, contact_email,\n"
         "         has_sealed, first_event_id, first_ms, last_event_id, last_ms, src_partition,\n"
         "         src_offset)\n"
         "ON CONFLICT (handover_id) DO UPDATE SET\n"
         "    placement_id = EXCLUDED.placement_id, child = EXCLUDED.child,\n"
         "    district = EXCLUDED.district, receiving_school_unit = "
         "EXCLUDED.receiving_school_unit,\n"
         "    sending_school_unit = EXCLUDED.sending_school_unit,\n"
         "    planned_start_date = EXCLUDED.planned_start_date,\n"
         "    legal_ground = EXCLUDED.legal_ground, contact_name = EXCLUDED.contact_name,\n"
         "    contact_role = EXCLUDED.contact_role, contact_phone = EXCLUDED.contact_phone,\n"
         "    contact_email = EXCLUDED.contact_email,\n"
         "    has_sealed_content = EXCLUDED.has_sealed_content,\n" RM_NEWEST_WINS},
    [ST_RECEIPTS] =
        {"hub_rm_receipts", "insert into hub.handover_receipts",
         "INSERT INTO hub.handover_receipts (event_id, handover_id, child, district, school_unit,\n"
         "    status, at, detail, occurred_at)\n"
         "SELECT u.event_id, u.handover_id, u.child, u.district, u.school_unit, u.status,\n"
         "       to_timestamp(u.at_ms / 1000.0::float8), u.detail,\n"
         "       to_timestamp(u.occurred_ms / 1000.0::float8)\n"
         "  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],\n"
         "              $7::int8[], $8::text[], $9::int8[])\n"
         "    AS u(event_id, handover_id, child, district, school_unit, status, at_ms, detail,\n"
         "         occurred_ms)\n"
         "ON CONFLICT (event_id) DO NOTHING"},
    /* school_units and placements arrive as arrays of array literals (unnest would flatten a
     * two-dimensional array) and are cast per row. */
    [ST_CONTACT_CHANGES] =
        {"hub_rm_contact_changes", "insert into hub.contact_changes",
         "INSERT INTO hub.contact_changes (event_id, district, occurred_at, old_contact_name,\n"
         "    old_contact_role, old_contact_phone, old_contact_email, new_contact_name,\n"
         "    new_contact_role, new_contact_phone, new_contact_email, school_units, placements,\n"
         "    effective_date)\n"
         "SELECT u.event_id, u.district, to_timestamp(u.occurred_ms / 1000.0::float8),\n"
         "       u.old_name, u.old_role, u.old_phone, u.old_email, u.new_name, u.new_role,\n"
         "       u.new_phone, u.new_email, u.school_units::text[], u.placements::uuid[],\n"
         "       DATE '1970-01-01' + u.effective_days\n"
         "  FROM unnest($1::uuid[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::text[],\n"
         "              $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],\n"
         "              $12::text[], $13::text[], $14::int4[])\n"
         "    AS u(event_id, district, occurred_ms, old_name, old_role, old_phone, old_email,\n"
         "         new_name, new_role, new_phone, new_email, school_units, placements,\n"
         "         effective_days)\n"
         "ON CONFLICT (event_id) DO NOTHING"},
    /* Newest review wins per placement, tertial and district: by (review_date, occurred_at,
     * offset), within the batch (DISTINCT ON) and against the stored row (the WHERE). One child's
     * events share a partition, so their offsets are comparable. */
    [ST_FOLLOW_UPS] =
        {"hub_rm_follow_ups", "upsert hub.follow_ups",
         "INSERT INTO hub.follow_ups AS t (placement_id, tertial, child, district, legal_sex,\n"
         "    review_date, school_form, grade_year, attendance, knowledge_goals,\n"
         "    upper_secondary_eligible, on_track_for_diploma, event_id, occurred_at,\n"
         "    src_partition, src_offset)\n"
         "SELECT DISTINCT ON (u.placement_id, hub.tertial_of(DATE '1970-01-01' + u.review_days),\n"
         "                   u.district)\n"
         "       u.placement_id, hub.tertial_of(DATE '1970-01-01' + u.review_days), u.child,\n"
         "       u.district, u.legal_sex, DATE '1970-01-01' + u.review_days, u.school_form,\n"
         "       u.grade_year, u.attendance, u.goals, u.eligible, u.on_track, u.event_id,\n"
         "       to_timestamp(u.occurred_ms / 1000.0::float8), u.src_partition, u.src_offset\n"
         "  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::text[],\n"
         "              $7::int4[], $8::text[], $9::text[], $10::bool[], $11::bool[],\n"
         "              $12::uuid[], $13::int8[], $14::int4[], $15::int8[])\n"
         "    AS u(placement_id, child, district, legal_sex, review_days, school_form,\n"
         "         grade_year, attendance, goals, eligible, on_track, event_id, occurred_ms,\n"
         "         src_partition, src_offset)\n"
         " ORDER BY u.placement_id, hub.tertial_of(DATE '1970-01-01' + u.review_days),\n"
         "          u.district, u.review_days DESC, u.occurred_ms DESC, u.src_offset DESC\n"
         "ON CONFLICT (placement_id, tertial, district) DO UPDATE SET\n"
         "    child = EXCLUDED.child, legal_sex = EXCLUDED.legal_sex,\n"
         "    review_date = EXCLUDED.review_date, school_form = EXCLUDED.school_form,\n"
         "    grade_year = EXCLUDED.grade_year, attendance = EXCLUDED.attendance,\n"
         "    knowledge_goals = EXCLUDED.knowledge_goals,\n"
         "    upper_secondary_eligible = EXCLUDED.upper_secondary_eligible,\n"
         "    on_track_for_diploma = EXCLUDED.on_track_for_diploma, event_id = EXCLUDED.event_id,\n"
         "    occurred_at = EXCLUDED.occurred_at, src_partition = EXCLUDED.src_partition,\n"
         "    src_offset = EXCLUDED.src_offset, updated_at = now()\n"
         "WHERE (EXCLUDED.review_date, EXCLUDED.occurred_at, EXCLUDED.src_offset)\n"
         "    > (t.review_date, t.occurred_at, t.src_offset)"},
    [ST_OFFSETS] =
        {"hub_rm_offsets", "store consumer offsets",
         "INSERT INTO hub.consumer_offsets AS t (group_id, topic, partition, next_offset,\n"
         "    updated_at)\n"
         "SELECT $1, u.topic, u.partition, u.next_offset, now()\n"
         "  FROM unnest($2::text[], $3::int4[], $4::int8[]) AS u(topic, partition, next_offset)\n"
         "ON CONFLICT (writer, group_id, topic, partition) DO UPDATE\n"
         "   SET next_offset = EXCLUDED.next_offset, updated_at = EXCLUDED.updated_at"},
    [ST_LOAD_OFFSET] = {"hub_rm_load_offset", "load consumer offset",
                        "SELECT next_offset FROM hub.consumer_offsets\n"
                        " WHERE writer = hub.offsets_writer() AND group_id = $1 AND topic = $2\n"
                        "   AND partition = $3::int4"},
    [ST_LOAD_OFFSETS] = {"hub_rm_load_offsets", "load consumer offsets",
                         "SELECT topic, partition, next_offset FROM hub.consumer_offsets\n"
                         " WHERE writer = hub.offsets_writer() AND group_id = $1\n"
                         " ORDER BY topic, partition"},
};

static const char SQL_RESET_TABLES[] =
    "TRUNCATE hub.placements, hub.school_starts, hub.handovers, hub.handover_receipts,\n"
    "         hub.contact_changes, hub.follow_ups, hub.processed_events, hub.owner_conflicts";
static const char SQL_RESET_OFFSETS[] =
    "DELETE FROM hub.consumer_offsets WHERE writer = hub.offsets_writer() AND group_id = $1";

/* A sort key: `key` is a uuid (compared case-insensitively), then occurred_at, then offset. */
struct rm_key {
    const char *key;
    int64_t occurred_at;
    int64_t offset;
    size_t idx; /* into the batch's items */
};

struct hub_rmstore {
    PGconn *conn;
    const struct hub_rm_eviction *evict; /* for the next apply */
    size_t n_evict;
    const struct hub_rm_claim *claims;
    size_t n_claims;
    char *group;
    struct hub_pg_array col[RM_MAX_COLS];
    struct hub_pg_array inner;
    struct rm_key *keys; /* scratch for one table's rows */
    struct rm_key *ids;  /* the batch's distinct event ids, sorted */
    size_t n_ids;
    unsigned char *fresh; /* per item: 1 when its event id was new to processed_events */
    size_t cap;           /* of keys, ids and fresh */
    struct hub_rm_offset *offs;
    size_t offs_cap;
};

const char *hub_rmstore_placements_sql(void)
{
    return rm_stmts[ST_PLACEMENTS].sql;
}

/* ---- checking items ---- */

int hub_rmstore_check_item(const struct hub_rm_item *item, struct hub_error *err)
{
    if (!item || !item->ev)
        return hub_error_set(err, HUB_EINVAL, "event: missing");
    if (!item->topic || !item->topic[0])
        return hub_error_set(err, HUB_EINVAL, "topic: missing");
    if (!hub_utf8_valid(item->topic, strlen(item->topic)))
        return hub_error_set(err, HUB_EINVAL, "topic: not valid UTF-8");
    if (item->partition < 0)
        return hub_error_set(err, HUB_EINVAL, "partition: negative");
    if (item->offset < 0)
        return hub_error_set(err, HUB_EINVAL, "offset: negative");
    return hub_event_validate(item->ev, err);
}

/* ---- store lifecycle ---- */

static int prepare_all(PGconn *conn, struct hub_error *err)
{
    for (size_t i = 0; i < ST__COUNT; i++) {
        char purpose[128];
        snprintf(purpose, sizeof purpose, "prepare \"%s\"", rm_stmts[i].purpose);
        int rc = hub_pg_prepare(conn, purpose, rm_stmts[i].name, rm_stmts[i].sql, err);
        if (rc)
            return rc;
    }
    return 0;
}

int hub_rmstore_new(PGconn *conn, const char *group, hub_rmstore_t **out, struct hub_error *err)
{
    hub_rmstore_t *s;
    int rc;

    *out = NULL;
    if (!conn || !group || !*group)
        return hub_error_set(err, HUB_EINVAL, "read-model store: no connection or empty group");
    s = calloc(1, sizeof *s);
    if (!s || !(s->group = strdup(group))) {
        free(s);
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    rc = hub_rmstore_set_conn(s, conn, err);
    if (rc) {
        hub_rmstore_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

int hub_rmstore_set_conn(hub_rmstore_t *store, PGconn *conn, struct hub_error *err)
{
    store->conn = conn;
    return prepare_all(conn, err);
}

void hub_rmstore_destroy(hub_rmstore_t *store)
{
    if (!store)
        return;
    for (size_t i = 0; i < RM_MAX_COLS; i++)
        hub_pg_array_free(&store->col[i]);
    hub_pg_array_free(&store->inner);
    free(store->keys);
    free(store->ids);
    free(store->fresh);
    free(store->offs);
    free(store->group);
    free(store);
}

static int reserve(hub_rmstore_t *s, size_t n, size_t n_off, struct hub_error *err)
{
    if (n > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < n)
            cap *= 2;
        struct rm_key *k = realloc(s->keys, cap * sizeof *k);
        if (k)
            s->keys = k;
        struct rm_key *d = realloc(s->ids, cap * sizeof *d);
        if (d)
            s->ids = d;
        unsigned char *f = realloc(s->fresh, cap);
        if (f)
            s->fresh = f;
        if (!k || !d || !f)
            return hub_error_set(err, HUB_ENOMEM, "out of memory for a batch of %zu", n);
        s->cap = cap;
    }
    if (n_off > s->offs_cap) {
        struct hub_rm_offset *o = realloc(s->offs, n_off * sizeof *o);
        if (!o)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        s->offs = o;
        s->offs_cap = n_off;
    }
    return 0;
}

/* ---- applying a batch ---- */

static int cmp_key(const void *a, const void *b)
{
    const struct rm_key *x = a, *y = b;
    int c = memcmp(x->key, y->key, RM_UUID_LEN);

    if (c)
        return c;
    if (x->occurred_at != y->occurred_at)
        return x->occurred_at < y->occurred_at ? -1 : 1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static bool same_key(const struct rm_key *a, const struct rm_key *b)
{
    return memcmp(a->key, b->key, RM_UUID_LEN) == 0;
}

static void reset_cols(hub_rmstore_t *s, size_t ncols)
{
    for (size_t i = 0; i < ncols; i++)
        hub_pg_array_reset(&s->col[i]);
}

/* Runs a prepared statement whose parameters are the first `ncols` columns, after `scalar` when
 * it is not NULL. */
static int exec_cols(hub_rmstore_t *s, enum rm_stmt st, const char *scalar, size_t ncols,
                     PGresult **res, struct hub_error *err)
{
    const char *params[RM_MAX_COLS + 1];
    size_t np = 0;

    if (scalar)
        params[np++] = scalar;
    for (size_t i = 0; i < ncols; i++) {
        params[np] = hub_pg_array_finish(&s->col[i]);
        if (!params[np++])
            return hub_error_set(err, HUB_ENOMEM, "%s: out of memory", rm_stmts[st].purpose);
    }
    return hub_pg_exec_prepared(s->conn, rm_stmts[st].purpose, rm_stmts[st].name, (int)np, params,
                                res, err);
}

/* Sorts the batch's event ids and keeps one item per id (the lowest offset): s->ids. */
static void distinct_ids(hub_rmstore_t *s, const struct hub_rm_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s->keys[i] = (struct rm_key){items[i].ev->common.event_id, 0, items[i].offset, i};
    qsort(s->keys, n, sizeof *s->keys, cmp_key);
    s->n_ids = 0;
    for (size_t i = 0; i < n; i++)
        if (s->n_ids == 0 || !same_key(&s->ids[s->n_ids - 1], &s->keys[i]))
            s->ids[s->n_ids++] = s->keys[i];
}

static int cmp_id_str(const void *key, const void *elem)
{
    return memcmp(key, ((const struct rm_key *)elem)->key, RM_UUID_LEN);
}

/* Inserts the distinct ids into hub.processed_events and marks the items whose id was new. */
static int record_processed(hub_rmstore_t *s, const struct hub_rm_item *items, size_t n,
                            size_t *applied, struct hub_error *err)
{
    PGresult *res = NULL;
    int rc;

    memset(s->fresh, 0, n);
    reset_cols(s, 4);
    for (size_t i = 0; i < s->n_ids; i++) {
        const struct hub_rm_item *it = &items[s->ids[i].idx];
        hub_pg_array_add_textn(&s->col[0], it->ev->common.event_id, RM_UUID_LEN);
        hub_pg_array_add_text(&s->col[1], it->topic);
        hub_pg_array_add_int(&s->col[2], it->partition);
        hub_pg_array_add_int(&s->col[3], it->offset);
    }
    rc = exec_cols(s, ST_PROCESSED, NULL, 4, &res, err);
    if (rc)
        return rc;
    int rows = PQntuples(res);
    for (int r = 0; r < rows; r++) {
        const char *id = PQgetvalue(res, r, 0);
        const struct rm_key *k = strlen(id) == RM_UUID_LEN
                                     ? bsearch(id, s->ids, s->n_ids, sizeof *s->ids, cmp_id_str)
                                     : NULL;
        if (!k) {
            PQclear(res);
            return hub_error_set(err, HUB_EINTERNAL,
                                 "record processed event ids: the database returned an id not "
                                 "in the batch");
        }
        s->fresh[k->idx] = 1;
    }
    PQclear(res);
    *applied = (size_t)rows;
    return 0;
}

/* Puts the fresh items of `type` into s->keys, keyed by the uuid `key_of` returns, sorted by
 * (key, occurred_at, offset). Returns how many. */
static size_t collect(hub_rmstore_t *s, const struct hub_rm_item *items, size_t n,
                      enum hub_event_type type, const char *(*key_of)(const struct hub_event *))
{
    size_t m = 0;

    for (size_t i = 0; i < n; i++) {
        const struct hub_event *ev = items[i].ev;
        if (s->fresh[i] && ev->type == type)
            s->keys[m++] = (struct rm_key){key_of(ev), ev->common.occurred_at, items[i].offset, i};
    }
    qsort(s->keys, m, sizeof *s->keys, cmp_key);
    return m;
}

static const char *key_event_id(const struct hub_event *ev)
{
    return ev->common.event_id;
}

static const char *key_placement(const struct hub_event *ev)
{
    return ev->u.placement.placement_id;
}

static const char *key_handover(const struct hub_event *ev)
{
    return ev->u.handover.handover_id;
}

/* For the run of equal keys starting at keys[i]: the newest item (last of the run, as runs are
 * sorted by occurred_at and offset) and the first seen (lowest offset). Returns the run's end. */
static size_t run_of(const hub_rmstore_t *s, size_t i, size_t m, size_t *newest, size_t *first)
{
    size_t j = i, lo = i;

    while (j + 1 < m && same_key(&s->keys[j + 1], &s->keys[i])) {
        j++;
        if (s->keys[j].offset < s->keys[lo].offset)
            lo = j;
    }
    *newest = s->keys[j].idx;
    *first = s->keys[lo].idx;
    return j + 1;
}

static void add_opt_text(struct hub_pg_array *a, bool present, const char *s)
{
    if (present)
        hub_pg_array_add_text(a, s);
    else
        hub_pg_array_add_null(a);
}

static int apply_placements(hub_rmstore_t *s, const struct hub_rm_item *items, size_t n,
                            struct hub_error *err)
{
    size_t m = collect(s, items, n, HUB_EV_PLACEMENT, key_placement);
    struct hub_pg_array *c = s->col;

    if (m == 0)
        return 0;
    reset_cols(s, 18);
    for (size_t i = 0, next; i < m; i = next) {
        size_t newest, first;
        next = run_of(s, i, m, &newest, &first);
        const struct hub_rm_item *it = &items[newest];
        const struct hub_event *ev = it->ev, *fev = items[first].ev;
        const struct hub_placement *p = &ev->u.placement;
        hub_pg_array_add_textn(&c[0], p->placement_id, RM_UUID_LEN);
        hub_pg_array_add_text(&c[1], ev->common.child);
        hub_pg_array_add_text(&c[2], ev->common.district);
        hub_pg_array_add_int(&c[3], ev->common.birth_year);
        hub_pg_array_add_text(&c[4], hub_legal_sex_name(ev->common.legal_sex));
        hub_pg_array_add_text(&c[5], hub_placement_action_name(p->action));
        hub_pg_array_add_text(&c[6], hub_legal_basis_name(p->legal_basis));
        hub_pg_array_add_text(&c[7], hub_placement_form_name(p->placement_form));
        hub_pg_array_add_int(&c[8], p->start_date);
        if (p->has_end_date)
            hub_pg_array_add_int(&c[9], p->end_date);
        else
            hub_pg_array_add_null(&c[9]);
        hub_pg_array_add_bool(&c[10], p->school_change);
        add_opt_text(&c[11], p->has_placement_municipality, p->placement_municipality);
        hub_pg_array_add_textn(&c[12], fev->common.event_id, RM_UUID_LEN);
        hub_pg_array_add_int(&c[13], fev->common.occurred_at);
        hub_pg_array_add_textn(&c[14], ev->common.event_id, RM_UUID_LEN);
        hub_pg_array_add_int(&c[15], ev->common.occurred_at);
        hub_pg_array_add_int(&c[16], it->partition);
        hub_pg_array_add_int(&c[17], it->offset);
    }
    return exec_cols(s, ST_PLACEMENTS, NULL, 18, NULL, err);
}

static int apply_school_starts(hub_rmstore_t *s, const struct hub_rm_item *items, size_t n,
                               struct hub_error *err)
{
    size_t m = collect(s, items, n, HUB_EV_SCHOOL_START, key_event_id);
    struct hub_pg_array *c = s->col;

    if (m == 0)
        return 0;
    reset_cols(s, 8);
    for (size_t i = 0; i < m; i++) {
        const struct hub_event *ev = items[s->keys[i].idx].ev;
        const struct hub_school_start *ss = &ev->u.school_start;
        hub_pg_array_add_textn(&c[0], ev->common.event_id, RM_UUID_LEN);
        hub_pg_array_add_textn(&c[1], ss->placement_id, RM_UUID_LEN);
        hub_pg_array_add_text(&c[2], ev->common.child);
        hub_pg_array_add_text(&c[3], ev->common.district);
        hub_pg_array_add_text(&c[4], ss->school_unit);
        hub_pg_array_add_text(&c[5], hub_school_form_name(ss->school_form));
        hub_pg_array_add_int(&c[6], ss->start_date);
        hub_pg_array_add_int(&c[7], ev->common.occurred_at);
    }
    return exec_cols(s, ST_SCHOOL_STARTS, NULL, 8, NULL, err);
}

static int apply_handovers(hub_rmstore_t *s, const struct hub_rm_item *items, size_t n,
                           struct hub_error *err)
{
    size_t m = collect(s, items, n, HUB_EV_HANDOVER, key_handover);
    struct hub_pg_array *c = s->col;

    if (m == 0)
        return 0;
    reset_cols(s, 19);
    for (size_t i = 0, next; i < m; i = next) {
        size_t newest, first;
        next = run_of(s, i, m, &newest, &first);
        const struct hub_rm_item *it = &items[newest];
        const struct hub_event *ev = it->ev, *fev = items[first].ev;
        const struct hub_handover *h = &ev->u.handover;
        hub_pg_array_add_textn(&c[0], h->handover_id, RM_UUID_LEN);
        hub_pg_array_add_textn(&c[1], h->placement_id, RM_UUID_LEN);
        hub_pg_array_add_text(&c[2], ev->common.child);
        hub_pg_array_add_text(&c[3], ev->common.district);
        hub_pg_array_add_text(&c[4], h->receiving_school_unit);
        add_opt_text(&c[5], h->has_sending_school_unit, h->sending_school_unit);
        hub_pg_array_add_int(&c[6], h->planned_start_date);
        hub_pg_array_add_text(&c[7], hub_legal_ground_name(h->legal_ground));
        hub_pg_array_add_text(&c[8], h->contact.name);
        hub_pg_array_add_text(&c[9], h->contact.role);
        hub_pg_array_add_text(&c[10], h->contact.phone);
        hub_pg_array_add_text(&c[11], h->contact.email);
        hub_pg_array_add_bool(&c[12], h->sealed_content != NULL);
        hub_pg_array_add_textn(&c[13], fev->common.event_id, RM_UUID_LEN);
        hub_pg_array_add_int(&c[14], fev->common.occurred_at);
        hub_pg_array_add_textn(&c[15], ev->common.event_id, RM_UUID_LEN);
        hub_pg_array_add_int(&c[16], ev->common.occurred_at);
        hub_pg_array_add_int(&c[17], it->partition);
        hub_pg_array_add_int(&c[18], it->offset);
    }
    return exec_cols(s, ST_HANDOVERS, NULL, 19, NULL, err);
}

static int apply_receipts(hub_rmstore_t *s, const struct hub_rm_item *items, size_t n,
                          struct hub_error *err)
{
    size_t m = collect(s, items, n, HUB_EV_HANDOVER_RECEIPT, key_event_id);
    struct hub_pg_array *c = s->col;

    if (m == 0)
        return 0;
    reset_cols(s, 9);
    for (size_t i = 0; i < m; i++) {
        const struct hub_event *ev = items[s->keys[i].idx].ev;
        const struct hub_handover_receipt *r = &ev->u.receipt;
        hub_pg_array_add_textn(&c[0], ev->common.event_id, RM_UUID_LEN);
        hub_pg_array_add_textn(&c[1], r->handover_id, RM_UUID_LEN);
        add_opt_text(&c[2], ev->common.child[0] != '\0', ev->common.child);
        hub_pg_array_add_text(&c[3], ev->common.district);
        hub_pg_array_add_text(&c[4], r->school_unit);
        hub_pg_array_add_text(&c[5], hub_receipt_status_name(r->status));
        hub_pg_array_add_int(&c[6], r->at);
        add_opt_text(&c[7], r->has_detail, r->detail);
        hub_pg_array_add_int(&c[8], ev->common.occurred_at);
    }
    return exec_cols(s, ST_RECEIPTS, NULL, 9, NULL, err);
}

/* Appends the array literal of `count` strings of `size` bytes each as one text element. */
static void add_nested(hub_rmstore_t *s, struct hub_pg_array *col, const char *strings, size_t size,
                       size_t count)
{
    const char *lit;

    hub_pg_array_reset(&s->inner);
    for (size_t i = 0; i < count; i++)
        hub_pg_array_add_text(&s->inner, strings + i * size);
    lit = hub_pg_array_finish(&s->inner);
    if (lit)
        hub_pg_array_add_textn(col, lit, s->inner.len);
    else
        col->failed = true;
}

static void add_contact(struct hub_pg_array *c, const struct hub_contact *k)
{
    hub_pg_array_add_text(&c[0], k->name);
    hub_pg_array_add_text(&c[1], k->role);
    hub_pg_array_add_text(&c[2], k->phone);
    hub_pg_array_add_text(&c[3], k->email);
}

static int apply_contact_changes(hub_rmstore_t *s, const struct hub_rm_item *items, size_t n,
                                 struct hub_error *err)
{
    size_t m = collect(s, items, n, HUB_EV_CONTACT_CHANGE, key_event_id);
    struct hub_pg_array *c = s->col;

    if (m == 0)
        return 0;
    reset_cols(s, 14);
    for (size_t i = 0; i < m; i++) {
        const struct hub_event *ev = items[s->keys[i].idx].ev;
        const struct hub_contact_change *k = &ev->u.contact_change;
        hub_pg_array_add_textn(&c[0], ev->common.event_id, RM_UUID_LEN);
        hub_pg_array_add_text(&c[1], ev->common.district);
        hub_pg_array_add_int(&c[2], ev->common.occurred_at);
        add_contact(&c[3], &k->old_contact);
        add_contact(&c[7], &k->new_contact);
        add_nested(s, &c[11], k->school_units[0], sizeof k->school_units[0], k->n_school_units);
        add_nested(s, &c[12], k->placements[0], sizeof k->placements[0], k->n_placements);
        hub_pg_array_add_int(&c[13], k->effective_date);
    }
    return exec_cols(s, ST_CONTACT_CHANGES, NULL, 14, NULL, err);
}

static void add_opt_bool(struct hub_pg_array *a, bool present, bool v)
{
    if (present)
        hub_pg_array_add_bool(a, v);
    else
        hub_pg_array_add_null(a);
}

/* Every fresh follow-up goes to the statement, which keeps the newest per placement, tertial and
 * district. */
static int apply_follow_ups(hub_rmstore_t *s, const struct hub_rm_item *items, size_t n,
                            struct hub_error *err)
{
    size_t m = collect(s, items, n, HUB_EV_FOLLOW_UP, key_event_id);
    struct hub_pg_array *c = s->col;

    if (m == 0)
        return 0;
    reset_cols(s, 15);
    for (size_t i = 0; i < m; i++) {
        const struct hub_rm_item *it = &items[s->keys[i].idx];
        const struct hub_event *ev = it->ev;
        const struct hub_follow_up *f = &ev->u.follow_up;
        hub_pg_array_add_textn(&c[0], f->placement_id, RM_UUID_LEN);
        hub_pg_array_add_text(&c[1], ev->common.child);
        hub_pg_array_add_text(&c[2], ev->common.district);
        hub_pg_array_add_text(&c[3], hub_legal_sex_name(ev->common.legal_sex));
        hub_pg_array_add_int(&c[4], f->review_date);
        hub_pg_array_add_text(&c[5], hub_fu_school_form_name(f->school_form));
        hub_pg_array_add_int(&c[6], f->grade_year);
        hub_pg_array_add_text(&c[7], hub_attendance_name(f->attendance));
        hub_pg_array_add_text(&c[8], hub_goals_name(f->knowledge_goals));
        add_opt_bool(&c[9], f->has_eligible, f->eligible);
        add_opt_bool(&c[10], f->has_on_track, f->on_track);
        hub_pg_array_add_textn(&c[11], ev->common.event_id, RM_UUID_LEN);
        hub_pg_array_add_int(&c[12], ev->common.occurred_at);
        hub_pg_array_add_int(&c[13], it->partition);
        hub_pg_array_add_int(&c[14], it->offset);
    }
    return exec_cols(s, ST_FOLLOW_UPS, NULL, 15, NULL, err);
}

/* Stores the offsets, one row per (topic, partition): the highest when one is given twice. */
static int store_offsets(hub_rmstore_t *s, const struct hub_rm_offset *offs, size_t n_off,
                         struct hub_error *err)
{
    size_t m = 0;

    for (size_t i = 0; i < n_off; i++) {
        size_t j = 0;
        while (j < m && !(s->offs[j].partition == offs[i].partition &&
                          strcmp(s->offs[j].topic, offs[i].topic) == 0))
            j++;
        if (j == m)
            s->offs[m++] = offs[i];
        else if (offs[i].next_offset > s->offs[j].next_offset)
            s->offs[j].next_offset = offs[i].next_offset;
    }
    reset_cols(s, 3);
    for (size_t i = 0; i < m; i++) {
        hub_pg_array_add_text(&s->col[0], s->offs[i].topic);
        hub_pg_array_add_int(&s->col[1], s->offs[i].partition);
        hub_pg_array_add_int(&s->col[2], s->offs[i].next_offset);
    }
    return exec_cols(s, ST_OFFSETS, s->group, 3, NULL, err);
}

static int apply_evictions(hub_rmstore_t *s, struct hub_error *err);
static int register_claims(hub_rmstore_t *s, struct hub_error *err);

static int check_batch(const struct hub_rm_item *items, size_t n, const struct hub_rm_offset *offs,
                       size_t n_off, struct hub_rm_stats *stats, struct hub_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (items[i].checked)
            continue;
        int rc = hub_rmstore_check_item(&items[i], err);
        if (rc) {
            stats->bad_item = i;
            if (items[i].topic)
                hub_error_prefix(err, "item %zu (%s/%d@%lld): ", i, items[i].topic,
                                 (int)items[i].partition, (long long)items[i].offset);
            else
                hub_error_prefix(err, "item %zu: ", i);
            return rc;
        }
    }
    for (size_t i = 0; i < n_off; i++) {
        const struct hub_rm_offset *o = &offs[i];
        if (!o->topic || !o->topic[0] || !hub_utf8_valid(o->topic, strlen(o->topic)) ||
            o->partition < 0 || o->next_offset < 0)
            return hub_error_set(err, HUB_EINVAL,
                                 "offset %zu: needs a UTF-8 topic, a partition >= 0 and a next "
                                 "offset >= 0",
                                 i);
    }
    return 0;
}

int hub_rmstore_apply(hub_rmstore_t *store, const struct hub_rm_item *items, size_t n,
                      const struct hub_rm_offset *next_offsets, size_t n_off,
                      struct hub_rm_stats *stats, struct hub_error *err)
{
    struct hub_rm_stats local;
    size_t applied = 0;
    int rc;

    if (!stats)
        stats = &local;
    *stats = (struct hub_rm_stats){0, 0, HUB_RM_NO_ITEM};
    if ((n && !items) || (n_off && !next_offsets))
        return hub_error_set(err, HUB_EINVAL, "read-model batch: NULL items or offsets");
    rc = check_batch(items, n, next_offsets, n_off, stats, err);
    if (rc == 0)
        rc = reserve(store, n, n_off, err);
    if (rc || (n == 0 && n_off == 0))
        return rc;

    rc = hub_pg_begin(store->conn, err);
    if (rc)
        return rc;
    if (store->n_claims)
        rc = register_claims(store, err);
    if (rc == 0 && store->n_evict)
        rc = apply_evictions(store, err);
    if (rc == 0 && n) {
        distinct_ids(store, items, n);
        rc = record_processed(store, items, n, &applied, err);
        if (rc == 0 && applied) {
            rc = apply_placements(store, items, n, err);
            if (rc == 0)
                rc = apply_school_starts(store, items, n, err);
            if (rc == 0)
                rc = apply_handovers(store, items, n, err);
            if (rc == 0)
                rc = apply_receipts(store, items, n, err);
            if (rc == 0)
                rc = apply_contact_changes(store, items, n, err);
            if (rc == 0)
                rc = apply_follow_ups(store, items, n, err);
        }
    }
    if (rc == 0 && n_off)
        rc = store_offsets(store, next_offsets, n_off, err);
    if (rc == 0)
        rc = hub_pg_commit(store->conn, err);
    hub_rmstore_set_ownership(store, NULL, 0, NULL, 0);
    if (rc) {
        hub_pg_rollback(store->conn);
        return rc;
    }
    stats->applied = applied;
    stats->duplicates = n - applied;
    return 0;
}

/* ---- ownership ---- */

void hub_rmstore_set_ownership(hub_rmstore_t *store, const struct hub_rm_claim *claims,
                               size_t n_claims, const struct hub_rm_eviction *ev, size_t n_ev)
{
    store->claims = claims;
    store->n_claims = claims ? n_claims : 0;
    store->evict = ev;
    store->n_evict = ev ? n_ev : 0;
}

static int register_claims(hub_rmstore_t *s, struct hub_error *err)
{
    static const char sql[] =
        "INSERT INTO hub.record_owners (kind, id, district)\n"
        "SELECT CASE u.kind WHEN 'p' THEN 'placement' ELSE 'handover' END, u.id, u.district\n"
        "  FROM unnest($1::text[], $2::uuid[], $3::text[]) AS u(kind, id, district)\n"
        "ON CONFLICT DO NOTHING";
    PGresult *res = NULL;
    reset_cols(s, 3);
    for (size_t i = 0; i < s->n_claims; i++) {
        char kind[2] = {s->claims[i].kind, '\0'};
        hub_pg_array_add_text(&s->col[0], kind);
        hub_pg_array_add_text(&s->col[1], s->claims[i].id);
        hub_pg_array_add_text(&s->col[2], s->claims[i].district);
    }
    const char *params[3];
    for (int c = 0; c < 3; c++)
        if (!(params[c] = hub_pg_array_finish(&s->col[c])))
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
    int rc = hub_pg_exec(s->conn, "register record owners", sql, 3, params, &res, err);
    PQclear(res);
    return rc;
}

static int apply_evictions(hub_rmstore_t *s, struct hub_error *err)
{
    static const char sql[] =
        "WITH e AS (SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[],\n"
        "                                $5::text[]) AS u(kind, id, placement_id, district, "
        "owner)),\n"
        "  s AS (DELETE FROM hub.school_starts t USING e\n"
        "         WHERE e.kind = 's' AND t.event_id = e.id RETURNING t.event_id),\n"
        "  h AS (DELETE FROM hub.handovers t USING e\n"
        "         WHERE e.kind = 'h' AND t.handover_id = e.id\n"
        "         RETURNING t.handover_id, t.first_event_id, t.last_event_id),\n"
        /* as if refused: a rebuild, reading the placement first, dead-letters them instead */
        "  p AS (DELETE FROM hub.processed_events WHERE event_id IN (\n"
        "         SELECT event_id FROM s UNION ALL SELECT first_event_id FROM h\n"
        "         UNION ALL SELECT last_event_id FROM h))\n"
        "INSERT INTO hub.owner_conflicts (kind, record_id, placement_id, district, owner)\n"
        "SELECT CASE e.kind WHEN 's' THEN 'school_start' ELSE 'handover' END, e.id,\n"
        "       e.placement_id, e.district, e.owner\n"
        "  FROM e WHERE e.id IN (SELECT event_id FROM s UNION ALL SELECT handover_id FROM h)\n"
        "ON CONFLICT DO NOTHING";
    reset_cols(s, 5);
    for (size_t i = 0; i < s->n_evict; i++) {
        const struct hub_rm_eviction *e = &s->evict[i];
        char kind[2] = {e->kind, '\0'};
        hub_pg_array_add_text(&s->col[0], kind);
        hub_pg_array_add_text(&s->col[1], e->id);
        hub_pg_array_add_text(&s->col[2], e->placement_id);
        hub_pg_array_add_text(&s->col[3], e->district);
        hub_pg_array_add_text(&s->col[4], e->owner);
    }
    const char *params[5];
    for (int c = 0; c < 5; c++)
        if (!(params[c] = hub_pg_array_finish(&s->col[c])))
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
    return hub_pg_exec(s->conn, "move records of another district's placement out", sql, 5, params,
                       NULL, err);
}

int hub_rmstore_placement_starts(hub_rmstore_t *store, const char *const *ids, size_t n,
                                 int (*put)(void *ud, const char *id, int32_t start_day), void *ud,
                                 struct hub_error *err)
{
    static const char sql[] = "SELECT placement_id::text, start_date - DATE '1970-01-01'\n"
                              "  FROM hub.placements WHERE placement_id = ANY($1::uuid[])";
    PGresult *res = NULL;
    if (n == 0)
        return 0;
    int rc = hub_pg_exec_ids(store->conn, "look up placement starts", sql, ids, n, &res, err);
    for (int r = 0; rc == 0 && r < PQntuples(res); r++) {
        char *end = NULL;
        long day = strtol(PQgetvalue(res, r, 1), &end, 10);
        if (end == PQgetvalue(res, r, 1) || *end || day < INT32_MIN || day > INT32_MAX)
            rc = hub_error_set(err, HUB_EINTERNAL, "look up placement starts: not a day number");
        else
            rc = put(ud, PQgetvalue(res, r, 0), (int32_t)day);
    }
    PQclear(res);
    return rc;
}

int hub_rmstore_owners(hub_rmstore_t *store, bool handovers, const char *const *ids, size_t n,
                       int (*put)(void *ud, const char *id, const char *district), void *ud,
                       struct hub_error *err)
{
    /* the registry of contested records first, then the read model's own rows */
    static const char sql_p[] = "SELECT DISTINCT ON (id) id::text, district FROM (\n"
                                "  SELECT 0 AS pri, id, district FROM hub.record_owners\n"
                                "   WHERE kind = 'placement' AND id = ANY($1::uuid[])\n"
                                "  UNION ALL\n"
                                "  SELECT 1, placement_id, district FROM hub.placements\n"
                                "   WHERE placement_id = ANY($1::uuid[])) o\n"
                                " ORDER BY id, pri";
    static const char sql_h[] = "SELECT DISTINCT ON (id) id::text, district FROM (\n"
                                "  SELECT 0 AS pri, id, district FROM hub.record_owners\n"
                                "   WHERE kind = 'handover' AND id = ANY($1::uuid[])\n"
                                "  UNION ALL\n"
                                "  SELECT 1, handover_id, district FROM hub.handovers\n"
                                "   WHERE handover_id = ANY($1::uuid[])) o\n"
                                " ORDER BY id, pri";
    PGresult *res = NULL;
    if (n == 0)
        return 0;
    int rc = hub_pg_exec_ids(store->conn, "look up record owners", handovers ? sql_h : sql_p, ids,
                             n, &res, err);
    for (int r = 0; rc == 0 && r < PQntuples(res); r++)
        if (put(ud, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1)) != 0)
            rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
    PQclear(res);
    return rc;
}

int hub_rmstore_dependents(hub_rmstore_t *store, const char *const *placement_ids, size_t n,
                           struct hub_rm_eviction **out, size_t *n_out, struct hub_error *err)
{
    static const char sql[] =
        "SELECT 's', event_id::text, placement_id::text, district FROM hub.school_starts\n"
        " WHERE placement_id = ANY($1::uuid[])\n"
        "UNION ALL\n"
        "SELECT 'h', handover_id::text, placement_id::text, district FROM hub.handovers\n"
        " WHERE placement_id = ANY($1::uuid[])";
    PGresult *res = NULL;
    *out = NULL;
    *n_out = 0;
    if (n == 0)
        return 0;
    int rc = hub_pg_exec_ids(store->conn, "look up records naming new placements", sql,
                             placement_ids, n, &res, err);
    size_t rows = rc == 0 ? (size_t)PQntuples(res) : 0;
    if (rows > 0 && !(*out = calloc(rows, sizeof **out)))
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
    for (size_t r = 0; rc == 0 && r < rows; r++) {
        struct hub_rm_eviction *e = &(*out)[r];
        e->kind = PQgetvalue(res, (int)r, 0)[0];
        snprintf(e->id, sizeof e->id, "%s", PQgetvalue(res, (int)r, 1));
        snprintf(e->placement_id, sizeof e->placement_id, "%s", PQgetvalue(res, (int)r, 2));
        snprintf(e->district, sizeof e->district, "%s", PQgetvalue(res, (int)r, 3));
    }
    if (rc == 0)
        *n_out = rows;
    PQclear(res);
    return rc;
}

/* ---- offsets and reset ---- */

static int parse_i64(const char *s, int64_t *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);

    if (end == s || *end != '\0')
        return HUB_EINTERNAL;
    *out = (int64_t)v;
    return 0;
}

int hub_rmstore_load_offset(hub_rmstore_t *store, const char *topic, int32_t partition,
                            int64_t *next_offset, struct hub_error *err)
{
    char part[16];
    const char *params[3] = {store->group, topic, part};
    PGresult *res = NULL;
    int rc;

    *next_offset = -1;
    snprintf(part, sizeof part, "%d", (int)partition);
    rc = hub_pg_exec_prepared(store->conn, rm_stmts[ST_LOAD_OFFSET].purpose,
                              rm_stmts[ST_LOAD_OFFSET].name, 3, params, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) == 1 && parse_i64(PQgetvalue(res, 0, 0), next_offset) != 0)
        rc = hub_error_set(err, HUB_EINTERNAL, "load consumer offset: not a number");
    PQclear(res);
    return rc;
}

int hub_rmstore_load_offsets(hub_rmstore_t *store, struct hub_rm_offset **out, size_t *n,
                             struct hub_error *err)
{
    const char *params[1] = {store->group};
    PGresult *res = NULL;
    size_t rows, strings = 0;
    struct hub_rm_offset *v;
    char *p;
    int rc;

    *out = NULL;
    *n = 0;
    rc = hub_pg_exec_prepared(store->conn, rm_stmts[ST_LOAD_OFFSETS].purpose,
                              rm_stmts[ST_LOAD_OFFSETS].name, 1, params, &res, err);
    if (rc)
        return rc;
    rows = (size_t)PQntuples(res);
    if (rows == 0) {
        PQclear(res);
        return 0;
    }
    for (size_t i = 0; i < rows; i++)
        strings += strlen(PQgetvalue(res, (int)i, 0)) + 1;
    v = malloc(rows * sizeof *v + strings);
    if (!v) {
        PQclear(res);
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    p = (char *)(v + rows);
    for (size_t i = 0; i < rows && rc == 0; i++) {
        const char *topic = PQgetvalue(res, (int)i, 0);
        size_t len = strlen(topic) + 1;
        int64_t part = 0;
        memcpy(p, topic, len);
        v[i].topic = p;
        p += len;
        if (parse_i64(PQgetvalue(res, (int)i, 1), &part) != 0 ||
            parse_i64(PQgetvalue(res, (int)i, 2), &v[i].next_offset) != 0)
            rc = hub_error_set(err, HUB_EINTERNAL, "load consumer offsets: not a number");
        v[i].partition = (int32_t)part;
    }
    PQclear(res);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = rows;
    return 0;
}

static int reset_in_tx(PGconn *conn, void *ud, struct hub_error *err)
{
    const hub_rmstore_t *s = ud;
    const char *params[1] = {s->group};
    int rc = hub_pg_exec(conn, "empty the read model", SQL_RESET_TABLES, 0, NULL, NULL, err);

    if (rc == 0)
        rc = hub_pg_exec(conn, "delete the group's consumer offsets", SQL_RESET_OFFSETS, 1, params,
                         NULL, err);
    return rc;
}

int hub_rmstore_reset(hub_rmstore_t *store, struct hub_error *err)
{
    return hub_pg_transaction(store->conn, reset_in_tx, store, err);
}
