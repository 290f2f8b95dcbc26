/*
 * codec.c — single-object Avro encoding of struct hub_event, every schema version decoding.
 *
 * Three layers, all set up once in hub_codec_new_from():
 *   - slot tables (`bindings[]`): for each event type, the schema's field names mapped to the C
 *     members that hold them, with a kind and a domain check. They are checked against the newest
 *     schema of the record, so table, struct and schema cannot drift apart unnoticed;
 *   - an encode program per record: the slots in the newest schema's field order, with the union
 *     branch numbers of optional fields;
 *   - a decode program per writer version: one op per writer field (read into a slot, or skip),
 *     plus an image of struct hub_event with the defaults of reader fields that writer lacks,
 * copied into the output before the ops run.
 */
#include "hub/avro/codec.h"
#include "hub/core/utf8.h"
#include "hub/domain/ident.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/avro/avro_bin.h"
#include "hub/avro/avro_value.h"

#define RECORD_NAME_MAX 64
#define BIRTH_YEAR_MIN HUB_BIRTH_YEAR_MIN
#define BIRTH_YEAR_MAX HUB_BIRTH_YEAR_MAX

static const uint8_t magic[2] = {0xC3, 0x01};

/* ---- slot tables ---- */

enum slot_kind {
    SLOT_BOOL,
    SLOT_INT32,
    SLOT_INT64,
    SLOT_STR,       /* char[size], NUL-terminated */
    SLOT_ENUM,      /* a C enum whose values are the indexes of `symbols` */
    SLOT_BYTES,     /* uint8_t * (heap, NULL = null) + size_t length at cnt_off */
    SLOT_RECORD,    /* a nested struct described by `fields` */
    SLOT_STR_ARRAY, /* char[max][size] + size_t count at cnt_off */
};

enum check {
    CHK_NONE,
    CHK_UUID,
    CHK_PSEUDONYM,
    CHK_SCHOOL_UNIT,
    CHK_KOMMUN,
    CHK_DISTRICT,
    CHK_TEXT,
    CHK_BIRTH_YEAR,
};

struct slot {
    const char *name;
    enum slot_kind kind;
    enum check check;
    bool optional;    /* the schema type is a union of null and this kind */
    uint32_t off;     /* offset in the containing struct */
    uint32_t size;    /* char buffer size (strings, array elements) */
    uint32_t has_off; /* optional (not bytes): offset of the bool has_ flag */
    uint32_t cnt_off; /* bytes: length; arrays: element count */
    uint32_t max;     /* arrays: most elements */
    const char *const *symbols;
    uint32_t n_symbols;
    const struct slot *fields;
    uint32_t n_fields;
};

#define EV(m) ((uint32_t)offsetof(struct hub_event, m))
#define CT(m) ((uint32_t)offsetof(struct hub_contact, m))
#define NSLOTS(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

_Static_assert(sizeof(enum hub_placement_action) == sizeof(int), "enum slots are stored as int");
_Static_assert(sizeof(enum hub_legal_basis) == sizeof(int), "enum slots are stored as int");
_Static_assert(sizeof(enum hub_placement_form) == sizeof(int), "enum slots are stored as int");
_Static_assert(sizeof(enum hub_school_form) == sizeof(int), "enum slots are stored as int");
_Static_assert(sizeof(enum hub_legal_ground) == sizeof(int), "enum slots are stored as int");
_Static_assert(sizeof(enum hub_receipt_status) == sizeof(int), "enum slots are stored as int");
_Static_assert(sizeof(enum hub_legal_sex) == sizeof(int), "enum slots are stored as int");
_Static_assert(sizeof(enum hub_fu_school_form) == sizeof(int), "enum slots are stored as int");
_Static_assert(sizeof(enum hub_attendance) == sizeof(int), "enum slots are stored as int");
_Static_assert(sizeof(enum hub_goals) == sizeof(int), "enum slots are stored as int");

#define STR_SLOT(nm, member, sz, chk)                                                              \
    {                                                                                              \
        .name = nm, .kind = SLOT_STR, .check = chk, .off = EV(member), .size = sz                  \
    }
#define OPT_STR_SLOT(nm, member, has, sz, chk)                                                     \
    {                                                                                              \
        .name = nm, .kind = SLOT_STR, .check = chk, .optional = true, .off = EV(member),           \
        .size = sz, .has_off = EV(has)                                                             \
    }
#define ENUM_SLOT(nm, member, table, count)                                                        \
    {                                                                                              \
        .name = nm, .kind = SLOT_ENUM, .off = EV(member), .symbols = table, .n_symbols = count     \
    }
#define SCALAR_SLOT(nm, k, member)                                                                 \
    {                                                                                              \
        .name = nm, .kind = k, .off = EV(member)                                                   \
    }

#define COMMON_SLOTS                                                                               \
    STR_SLOT("event_id", common.event_id, HUB_UUID_STR, CHK_UUID),                                 \
        SCALAR_SLOT("occurred_at", SLOT_INT64, common.occurred_at),                                \
        STR_SLOT("district", common.district, HUB_DISTRICT_STR, CHK_DISTRICT)
#define CHILD_SLOT STR_SLOT("child", common.child, HUB_PSEUDONYM_STR, CHK_PSEUDONYM)
#define CHILD_FACT_SLOTS                                                                           \
    {.name = "birth_year",                                                                         \
     .kind = SLOT_INT32,                                                                           \
     .check = CHK_BIRTH_YEAR,                                                                      \
     .off = EV(common.birth_year)},                                                                \
        ENUM_SLOT("legal_sex", common.legal_sex, hub_legal_sex_symbols, HUB_SEX__COUNT)

static const struct slot contact_slots[] = {
    {.name = "name",
     .kind = SLOT_STR,
     .check = CHK_TEXT,
     .off = CT(name),
     .size = HUB_CONTACT_NAME_STR},
    {.name = "role",
     .kind = SLOT_STR,
     .check = CHK_TEXT,
     .off = CT(role),
     .size = HUB_CONTACT_ROLE_STR},
    {.name = "phone",
     .kind = SLOT_STR,
     .check = CHK_TEXT,
     .off = CT(phone),
     .size = HUB_CONTACT_PHONE_STR},
    {.name = "email",
     .kind = SLOT_STR,
     .check = CHK_TEXT,
     .off = CT(email),
     .size = HUB_CONTACT_EMAIL_STR},
};

#define CONTACT_SLOT(nm, member)                                                                   \
    {                                                                                              \
        .name = nm, .kind = SLOT_RECORD, .off = EV(member), .fields = contact_slots,               \
        .n_fields = NSLOTS(contact_slots)                                                          \
    }

static const struct slot placement_slots[] = {
    COMMON_SLOTS,
    CHILD_SLOT,
    CHILD_FACT_SLOTS,
    STR_SLOT("placement_id", u.placement.placement_id, HUB_UUID_STR, CHK_UUID),
    ENUM_SLOT("action", u.placement.action, hub_placement_action_symbols, HUB_ACTION__COUNT),
    ENUM_SLOT("legal_basis", u.placement.legal_basis, hub_legal_basis_symbols, HUB_BASIS__COUNT),
    ENUM_SLOT("placement_form", u.placement.placement_form, hub_placement_form_symbols,
              HUB_FORM__COUNT),
    SCALAR_SLOT("start_date", SLOT_INT32, u.placement.start_date),
    {.name = "end_date",
     .kind = SLOT_INT32,
     .optional = true,
     .off = EV(u.placement.end_date),
     .has_off = EV(u.placement.has_end_date)},
    SCALAR_SLOT("school_change", SLOT_BOOL, u.placement.school_change),
    OPT_STR_SLOT("placement_municipality", u.placement.placement_municipality,
                 u.placement.has_placement_municipality, HUB_KOMMUN_STR, CHK_KOMMUN),
};

static const struct slot school_start_slots[] = {
    COMMON_SLOTS,
    CHILD_SLOT,
    CHILD_FACT_SLOTS,
    STR_SLOT("placement_id", u.school_start.placement_id, HUB_UUID_STR, CHK_UUID),
    STR_SLOT("school_unit", u.school_start.school_unit, HUB_SCHOOL_UNIT_STR, CHK_SCHOOL_UNIT),
    ENUM_SLOT("school_form", u.school_start.school_form, hub_school_form_symbols,
              HUB_SCHOOL__COUNT),
    SCALAR_SLOT("start_date", SLOT_INT32, u.school_start.start_date),
};

static const struct slot handover_slots[] = {
    COMMON_SLOTS,
    CHILD_SLOT,
    CHILD_FACT_SLOTS,
    STR_SLOT("handover_id", u.handover.handover_id, HUB_UUID_STR, CHK_UUID),
    STR_SLOT("placement_id", u.handover.placement_id, HUB_UUID_STR, CHK_UUID),
    STR_SLOT("receiving_school_unit", u.handover.receiving_school_unit, HUB_SCHOOL_UNIT_STR,
             CHK_SCHOOL_UNIT),
    OPT_STR_SLOT("sending_school_unit", u.handover.sending_school_unit,
                 u.handover.has_sending_school_unit, HUB_SCHOOL_UNIT_STR, CHK_SCHOOL_UNIT),
    SCALAR_SLOT("planned_start_date", SLOT_INT32, u.handover.planned_start_date),
    ENUM_SLOT("legal_ground", u.handover.legal_ground, hub_legal_ground_symbols, HUB_GROUND__COUNT),
    CONTACT_SLOT("contact", u.handover.contact),
    {.name = "sealed_content",
     .kind = SLOT_BYTES,
     .optional = true,
     .off = EV(u.handover.sealed_content),
     .cnt_off = EV(u.handover.sealed_content_len)},
};

static const struct slot receipt_slots[] = {
    COMMON_SLOTS,
    CHILD_SLOT,
    STR_SLOT("handover_id", u.receipt.handover_id, HUB_UUID_STR, CHK_UUID),
    STR_SLOT("school_unit", u.receipt.school_unit, HUB_SCHOOL_UNIT_STR, CHK_SCHOOL_UNIT),
    ENUM_SLOT("status", u.receipt.status, hub_receipt_status_symbols, HUB_RECEIPT__COUNT),
    SCALAR_SLOT("at", SLOT_INT64, u.receipt.at),
    OPT_STR_SLOT("detail", u.receipt.detail, u.receipt.has_detail, HUB_DETAIL_STR, CHK_TEXT),
};

static const struct slot contact_change_slots[] = {
    COMMON_SLOTS,
    CONTACT_SLOT("old_contact", u.contact_change.old_contact),
    CONTACT_SLOT("new_contact", u.contact_change.new_contact),
    {.name = "school_units",
     .kind = SLOT_STR_ARRAY,
     .check = CHK_SCHOOL_UNIT,
     .off = EV(u.contact_change.school_units),
     .size = HUB_SCHOOL_UNIT_STR,
     .cnt_off = EV(u.contact_change.n_school_units),
     .max = HUB_SCOPE_MAX},
    {.name = "placements",
     .kind = SLOT_STR_ARRAY,
     .check = CHK_UUID,
     .off = EV(u.contact_change.placements),
     .size = HUB_UUID_STR,
     .cnt_off = EV(u.contact_change.n_placements),
     .max = HUB_SCOPE_MAX},
    SCALAR_SLOT("effective_date", SLOT_INT32, u.contact_change.effective_date),
};

static const struct slot follow_up_slots[] = {
    COMMON_SLOTS,
    CHILD_SLOT,
    CHILD_FACT_SLOTS,
    STR_SLOT("placement_id", u.follow_up.placement_id, HUB_UUID_STR, CHK_UUID),
    SCALAR_SLOT("review_date", SLOT_INT32, u.follow_up.review_date),
    ENUM_SLOT("school_form", u.follow_up.school_form, hub_fu_school_form_symbols,
              HUB_FU_SCHOOL__COUNT),
    SCALAR_SLOT("grade_year", SLOT_INT32, u.follow_up.grade_year),
    ENUM_SLOT("attendance", u.follow_up.attendance, hub_attendance_symbols, HUB_ATT__COUNT),
    ENUM_SLOT("knowledge_goals", u.follow_up.knowledge_goals, hub_goals_symbols, HUB_GOALS__COUNT),
    {.name = "upper_secondary_eligible",
     .kind = SLOT_BOOL,
     .optional = true,
     .off = EV(u.follow_up.eligible),
     .has_off = EV(u.follow_up.has_eligible)},
    {.name = "on_track_for_diploma",
     .kind = SLOT_BOOL,
     .optional = true,
     .off = EV(u.follow_up.on_track),
     .has_off = EV(u.follow_up.has_on_track)},
};

/* One row per event type, indexed by enum hub_event_type. */
static const struct slot bindings_root[HUB_EV__COUNT] = {
    [HUB_EV_PLACEMENT] = {.name = "placement",
                          .kind = SLOT_RECORD,
                          .fields = placement_slots,
                          .n_fields = NSLOTS(placement_slots)},
    [HUB_EV_SCHOOL_START] = {.name = "school_start",
                             .kind = SLOT_RECORD,
                             .fields = school_start_slots,
                             .n_fields = NSLOTS(school_start_slots)},
    [HUB_EV_HANDOVER] = {.name = "handover",
                         .kind = SLOT_RECORD,
                         .fields = handover_slots,
                         .n_fields = NSLOTS(handover_slots)},
    [HUB_EV_HANDOVER_RECEIPT] = {.name = "handover_receipt",
                                 .kind = SLOT_RECORD,
                                 .fields = receipt_slots,
                                 .n_fields = NSLOTS(receipt_slots)},
    [HUB_EV_CONTACT_CHANGE] = {.name = "contact_change",
                               .kind = SLOT_RECORD,
                               .fields = contact_change_slots,
                               .n_fields = NSLOTS(contact_change_slots)},
    [HUB_EV_FOLLOW_UP] = {.name = "follow_up",
                          .kind = SLOT_RECORD,
                          .fields = follow_up_slots,
                          .n_fields = NSLOTS(follow_up_slots)},
};

/* ---- programs ---- */

enum op_kind {
    OP_SKIP, /* writer field the reader does not have */
    OP_NULL, /* null branch into an optional slot */
    OP_FAIL, /* writer union branch the reader cannot hold */
    OP_BOOL,
    OP_INT32,
    OP_INT64,
    OP_INT_TO_INT64,
    OP_STR,
    OP_ENUM,
    OP_BYTES,
    OP_RECORD,
    OP_UNION,
    OP_STR_ARRAY,
};

struct op {
    enum op_kind kind;
    const struct slot *slot;       /* NULL for OP_SKIP */
    const struct hub_avro_node *w; /* writer schema of the value */
    char *path;                    /* "contact.name", for messages */
    int *enum_map;                 /* writer symbol index -> C value, -1 if none */
    size_t n_map;
    struct op *sub; /* OP_RECORD: per writer field; OP_UNION: per branch */
    size_t n_sub;
};

struct enc_op {
    const struct slot *slot;
    int64_t null_branch, value_branch; /* optional slots */
    struct enc_op *sub;                /* nested record, in schema order */
    size_t n_sub;
};

struct record {
    char name[RECORD_NAME_MAX];
    int type;                        /* enum hub_event_type or -1 */
    const hub_avro_schema_t *reader; /* newest version */
    int reader_version;
    uint64_t reader_fp;
    struct enc_op enc; /* root: slot = bindings_root[type] */
    size_t size_bound; /* encoded body size bound, sealed content excluded */
};

struct writer {
    uint64_t fp;
    hub_avro_schema_t *schema;
    size_t rec; /* index into records */
    int version;
    struct op *ops; /* NULL if the record has no C binding */
    size_t n_ops;
    struct hub_event *image; /* defaults for what this writer lacks */
};

struct hub_codec {
    struct writer *writers;
    size_t n_writers, cap_writers;
    struct record *records;
    size_t n_records;
    int by_type[HUB_EV__COUNT]; /* record index or -1 */
};

/* ---- domain checks ---- */

static bool all_hex_lower(const uint8_t *p, size_t n)
{
    return hub_is_lower_hex((const char *)p, n);
}

static bool all_digits(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

/* Returns NULL if `p[0..n)` passes `check`, else what it should have been. */
static const char *check_string(enum check check, const uint8_t *p, size_t n)
{
    switch (check) {
    case CHK_UUID:
        if (n != 36 || p[8] != '-' || p[13] != '-' || p[18] != '-' || p[23] != '-' ||
            !all_hex_lower(p, 8) || !all_hex_lower(p + 9, 4) || !all_hex_lower(p + 14, 4) ||
            !all_hex_lower(p + 19, 4) || !all_hex_lower(p + 24, 12))
            return "not a uuid in lowercase canonical form";
        return NULL;
    case CHK_PSEUDONYM:
        return n == 64 && all_hex_lower(p, n) ? NULL : "not a pseudonym (64 lowercase hex digits)";
    case CHK_SCHOOL_UNIT:
        return n == 8 && all_digits(p, n) ? NULL : "not a skolenhetskod (8 digits)";
    case CHK_KOMMUN:
        return n == 4 && all_digits(p, n) ? NULL : "not a kommunkod (4 digits)";
    case CHK_DISTRICT:
        if (n == 0)
            return "empty district code";
        for (size_t i = 0; i < n; i++)
            if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '-'))
                return "not a district code ([a-z0-9-]+)";
        return NULL;
    case CHK_TEXT:
        return hub_utf8_valid(p, n) ? NULL : "not valid UTF-8";
    default:
        return NULL;
    }
}

/* ---- decoding ---- */

struct dstate {
    struct hub_avro_reader r;
    struct hub_error *err;
};

static int dfail(struct dstate *d, int code, const struct op *op, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int dfail(struct dstate *d, int code, const struct op *op, const char *fmt, ...)
{
    char msg[HUB_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hub_error_set(d->err, code, "%s: %s (at byte %zu)", op->path, msg,
                         HUB_CODEC_HEADER_LEN + hub_avro_reader_offset(&d->r));
}

static int dread_fail(struct dstate *d, const struct op *op, int rc)
{
    return dfail(d, rc, op, "%s", hub_avro_read_strerror(rc));
}

/* Reads a string into a char[size] buffer, checking length, NUL and domain. */
static int read_str(struct dstate *d, const struct op *op, char *dst)
{
    const struct slot *s = op->slot;
    const uint8_t *p;
    size_t n;
    const char *bad;
    int rc = hub_avro_read_bytes(&d->r, &p, &n);
    if (rc)
        return dread_fail(d, op, rc);
    if (n >= s->size)
        return dfail(d, HUB_EAVRO_VALUE, op, "%zu bytes, at most %u fit", n, s->size - 1);
    if (memchr(p, 0, n))
        return dfail(d, HUB_EAVRO_VALUE, op, "string holds a NUL byte");
    bad = check_string(s->check, p, n);
    if (bad)
        return dfail(d, HUB_EAVRO_VALUE, op, "%s", bad);
    memcpy(dst, p, n);
    dst[n] = '\0';
    return 0;
}

static int run_op(struct dstate *d, const struct op *op, uint8_t *base);

static int run_str_array(struct dstate *d, const struct op *op, uint8_t *base)
{
    const struct slot *s = op->slot;
    size_t total = 0, n;
    int rc;
    for (;;) {
        rc = hub_avro_read_block_count(&d->r, 1, 0, &n);
        if (rc)
            return dread_fail(d, op, rc);
        if (n == 0)
            break;
        if (n > s->max - total)
            return dfail(d, HUB_EAVRO_VALUE, op, "more than %u entries", s->max);
        for (size_t i = 0; i < n; i++, total++) {
            rc = read_str(d, op, (char *)base + s->off + total * s->size);
            if (rc)
                return rc;
        }
    }
    memcpy(base + s->cnt_off, &total, sizeof total);
    return 0;
}

/* A null: an absent optional value (or no bytes). */
static void run_null(const struct slot *s, uint8_t *base)
{
    if (s->kind == SLOT_BYTES) {
        uint8_t *null_ptr = NULL;
        size_t zero = 0;
        memcpy(base + s->off, &null_ptr, sizeof null_ptr);
        memcpy(base + s->cnt_off, &zero, sizeof zero);
    } else {
        base[s->has_off] = false;
    }
}

/* An enum index mapped to this reader's C enum value, stored at `at`. */
static int run_enum(struct dstate *d, const struct op *op, uint8_t *at)
{
    int64_t v;
    int value;
    int rc = hub_avro_read_long(&d->r, &v);
    if (rc)
        return dread_fail(d, op, rc);
    if (v < 0 || (uint64_t)v >= op->n_map)
        return dfail(d, HUB_EAVRO_ENUM, op, "enum index %lld out of range (%zu symbols)",
                     (long long)v, op->n_map);
    value = op->enum_map[v];
    if (value < 0)
        return dfail(d, HUB_EAVRO_ENUM, op, "symbol '%s' is unknown to this reader",
                     op->w->symbols[v]);
    memcpy(at, &value, sizeof value);
    return 0;
}

/* Bytes copied into a new buffer stored at `at` (the old one freed), their count at `count`. */
static int run_bytes(struct dstate *d, const struct op *op, uint8_t *at, uint8_t *count)
{
    const uint8_t *p;
    size_t n;
    uint8_t *copy, *old;
    int rc = hub_avro_read_bytes(&d->r, &p, &n);
    if (rc)
        return dread_fail(d, op, rc);
    copy = malloc(n ? n : 1);
    if (!copy)
        return dfail(d, HUB_ENOMEM, op, "out of memory");
    if (n)
        memcpy(copy, p, n);
    memcpy(&old, at, sizeof old);
    free(old);
    memcpy(at, &copy, sizeof copy);
    memcpy(count, &n, sizeof n);
    return 0;
}

/* The branch the writer chose, run against the same record. */
static int run_union(struct dstate *d, const struct op *op, uint8_t *base)
{
    int64_t v;
    int rc = hub_avro_read_long(&d->r, &v);
    if (rc)
        return dread_fail(d, op, rc);
    if (v < 0 || (uint64_t)v >= op->n_sub)
        return dfail(d, HUB_EAVRO_UNION, op, "union index %lld out of range (%zu branches)",
                     (long long)v, op->n_sub);
    return run_op(d, &op->sub[v], base);
}

static int run_op(struct dstate *d, const struct op *op, uint8_t *base)
{
    const struct slot *s = op->slot;
    int64_t v;
    int32_t i32;
    int rc;

    switch (op->kind) {
    case OP_SKIP:
        rc = hub_avro_skip(op->w, &d->r, NULL);
        return rc ? dread_fail(d, op, rc) : 0;
    case OP_NULL:
        run_null(s, base);
        return 0;
    case OP_FAIL:
        return dfail(d, HUB_EAVRO_SCHEMA, op, "writer sent a %s, which this reader cannot hold",
                     op->w->fullname ? op->w->fullname : hub_avro_type_name(op->w->type));
    case OP_BOOL: {
        bool b;
        rc = hub_avro_read_bool(&d->r, &b);
        if (rc)
            return rc == HUB_EAVRO_VALUE ? dfail(d, rc, op, "boolean byte is neither 0 nor 1")
                                         : dread_fail(d, op, rc);
        memcpy(base + s->off, &b, sizeof b);
        break;
    }
    case OP_INT32:
        rc = hub_avro_read_int(&d->r, &i32);
        if (rc)
            return dread_fail(d, op, rc);
        if (s->check == CHK_BIRTH_YEAR && (i32 < BIRTH_YEAR_MIN || i32 > BIRTH_YEAR_MAX))
            return dfail(d, HUB_EAVRO_VALUE, op, "not a birth year in %d-%d", BIRTH_YEAR_MIN,
                         BIRTH_YEAR_MAX);
        memcpy(base + s->off, &i32, sizeof i32);
        break;
    case OP_INT64:
        rc = hub_avro_read_long(&d->r, &v);
        if (rc)
            return dread_fail(d, op, rc);
        memcpy(base + s->off, &v, sizeof v);
        break;
    case OP_INT_TO_INT64:
        rc = hub_avro_read_int(&d->r, &i32);
        if (rc)
            return dread_fail(d, op, rc);
        v = i32;
        memcpy(base + s->off, &v, sizeof v);
        break;
    case OP_STR:
        rc = read_str(d, op, (char *)base + s->off);
        if (rc)
            return rc;
        break;
    case OP_ENUM:
        if ((rc = run_enum(d, op, base + s->off)) != 0)
            return rc;
        break;
    case OP_BYTES:
        if ((rc = run_bytes(d, op, base + s->off, base + s->cnt_off)) != 0)
            return rc;
        break;
    case OP_RECORD:
        for (size_t i = 0; i < op->n_sub; i++) {
            rc = run_op(d, &op->sub[i], base + s->off);
            if (rc)
                return rc;
        }
        return 0;
    case OP_UNION:
        return run_union(d, op, base);
    case OP_STR_ARRAY:
        return run_str_array(d, op, base);
    }
    if (s->optional && s->kind != SLOT_BYTES)
        base[s->has_off] = true;
    return 0;
}

/* ---- building the decode program ---- */

struct build {
    struct hub_error *err;
    const char *what; /* "placement v1" */
};

static int bfail(struct build *b, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bfail(struct build *b, const char *path, const char *fmt, ...)
{
    char msg[HUB_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hub_error_set(b->err, HUB_EAVRO_SCHEMA, "%s: %s: %s", b->what, path, msg);
}

static char *join_path(const char *prefix, const char *name)
{
    size_t a = prefix ? strlen(prefix) : 0, n = strlen(name);
    char *p = malloc(a + 1 + n + 1);
    if (!p)
        return NULL;
    if (a) {
        memcpy(p, prefix, a);
        p[a] = '.';
        memcpy(p + a + 1, name, n + 1);
    } else {
        memcpy(p, name, n + 1);
    }
    return p;
}

static void free_ops(struct op *ops, size_t n)
{
    if (!ops)
        return;
    for (size_t i = 0; i < n; i++) {
        free(ops[i].path);
        free(ops[i].enum_map);
        free_ops(ops[i].sub, ops[i].n_sub);
    }
    free(ops);
}

/* The non-null branch of an optional reader type, or the type itself. */
static const struct hub_avro_node *value_branch(const struct hub_avro_node *r)
{
    if (r->type != HUB_AVRO_UNION)
        return r;
    for (size_t i = 0; i < r->n_branches; i++)
        if (r->branches[i]->type != HUB_AVRO_NULL)
            return r->branches[i];
    return r;
}

static int build_record(struct build *b, const struct hub_avro_node *w,
                        const struct hub_avro_node *r, const struct slot *rs, uint8_t *image,
                        const char *prefix, struct op **ops_out, size_t *n_out);

/* Stores reader default `def` of slot `s` (reader type `r`) into `base`. */
static int apply_default(struct build *b, const struct slot *s, const struct hub_avro_node *r,
                         const json_t *def, uint8_t *base, const char *path)
{
    const struct hub_avro_node *vr = value_branch(r);
    if (json_is_null(def)) {
        if (!s->optional)
            return bfail(b, path, "default null for a field that cannot be null");
        if (s->kind != SLOT_BYTES)
            base[s->has_off] = false;
        return 0;
    }
    switch (s->kind) {
    case SLOT_BOOL: {
        bool v = json_is_true(def);
        memcpy(base + s->off, &v, sizeof v);
        break;
    }
    case SLOT_INT32: {
        int32_t v = (int32_t)json_integer_value(def);
        memcpy(base + s->off, &v, sizeof v);
        break;
    }
    case SLOT_INT64: {
        int64_t v = (int64_t)json_integer_value(def);
        memcpy(base + s->off, &v, sizeof v);
        break;
    }
    case SLOT_STR: {
        const char *v = json_string_value(def);
        size_t n = json_string_length(def);
        if (!v || n >= s->size || memchr(v, 0, n) || check_string(s->check, (const uint8_t *)v, n))
            return bfail(b, path, "default does not pass the field's check");
        memcpy(base + s->off, v, n + 1);
        break;
    }
    case SLOT_ENUM: {
        int idx = -1;
        for (uint32_t i = 0; i < s->n_symbols; i++)
            if (strcmp(s->symbols[i], json_string_value(def)) == 0)
                idx = (int)i;
        if (idx < 0)
            return bfail(b, path, "default symbol unknown to the C enum");
        memcpy(base + s->off, &idx, sizeof idx);
        break;
    }
    case SLOT_RECORD:
        for (uint32_t i = 0; i < s->n_fields; i++) {
            const struct slot *fs = &s->fields[i];
            const struct hub_avro_field *rf = hub_avro_record_field(vr, fs->name);
            const json_t *fv = json_object_get(def, fs->name);
            char *sub = join_path(path, fs->name);
            int rc;
            if (!sub)
                return hub_error_set(b->err, HUB_ENOMEM, "codec: out of memory");
            rc = apply_default(b, fs, rf->type, fv ? fv : rf->default_value, base + s->off, sub);
            free(sub);
            if (rc)
                return rc;
        }
        break;
    case SLOT_STR_ARRAY: {
        size_t n = json_array_size(def);
        if (n > s->max)
            return bfail(b, path, "default has more than %u entries", s->max);
        for (size_t i = 0; i < n; i++) {
            const char *v = json_string_value(json_array_get(def, i));
            size_t len = json_string_length(json_array_get(def, i));
            if (!v || len >= s->size || check_string(s->check, (const uint8_t *)v, len))
                return bfail(b, path, "default entry %zu does not pass the field's check", i);
            memcpy(base + s->off + i * s->size, v, len + 1);
        }
        memcpy(base + s->cnt_off, &n, sizeof n);
        break;
    }
    case SLOT_BYTES:
        return bfail(b, path, "only null is supported as default for bytes");
    }
    if (s->optional && s->kind != SLOT_BYTES)
        base[s->has_off] = true;
    return 0;
}

/* Builds the op reading a value written as `w` into slot `s` (reader type `r`). */
static int build_value(struct build *b, const struct hub_avro_node *w,
                       const struct hub_avro_node *r, const struct slot *s, uint8_t *image,
                       struct op *op)
{
    const struct hub_avro_node *vr = value_branch(r);
    op->slot = s;
    op->w = w;
    if (w->type == HUB_AVRO_UNION) {
        op->kind = OP_UNION;
        op->n_sub = w->n_branches;
        op->sub = calloc(w->n_branches ? w->n_branches : 1, sizeof *op->sub);
        if (!op->sub)
            return hub_error_set(b->err, HUB_ENOMEM, "codec: out of memory");
        for (size_t i = 0; i < w->n_branches; i++) {
            struct op *sub = &op->sub[i];
            int rc;
            sub->path = strdup(op->path);
            if (!sub->path)
                return hub_error_set(b->err, HUB_ENOMEM, "codec: out of memory");
            rc = build_value(b, w->branches[i], r, s, image, sub);
            if (rc == HUB_EAVRO_SCHEMA) {
                /* Checked compatible, so only a branch this reader never sees gets here. */
                free_ops(sub->sub, sub->n_sub);
                free(sub->enum_map);
                sub->sub = NULL;
                sub->n_sub = 0;
                sub->enum_map = NULL;
                sub->kind = OP_FAIL;
                sub->w = w->branches[i];
                hub_error_clear(b->err);
            } else if (rc) {
                return rc;
            }
        }
        return 0;
    }
    if (w->type == HUB_AVRO_NULL) {
        if (!s->optional)
            return bfail(b, op->path, "writer null into a field that cannot be null");
        op->kind = OP_NULL;
        return 0;
    }
    switch (s->kind) {
    case SLOT_BOOL:
        if (w->type != HUB_AVRO_BOOLEAN)
            break;
        op->kind = OP_BOOL;
        return 0;
    case SLOT_INT32:
        if (w->type != HUB_AVRO_INT)
            break;
        op->kind = OP_INT32;
        return 0;
    case SLOT_INT64:
        if (w->type != HUB_AVRO_INT && w->type != HUB_AVRO_LONG)
            break;
        op->kind = w->type == HUB_AVRO_INT ? OP_INT_TO_INT64 : OP_INT64;
        return 0;
    case SLOT_STR:
    case SLOT_BYTES:
        if (w->type != HUB_AVRO_STRING && w->type != HUB_AVRO_BYTES)
            break;
        op->kind = s->kind == SLOT_STR ? OP_STR : OP_BYTES;
        return 0;
    case SLOT_ENUM:
        if (w->type != HUB_AVRO_ENUM || !hub_avro_node_matches(vr, w))
            break;
        op->kind = OP_ENUM;
        op->n_map = w->n_symbols;
        op->enum_map = malloc((w->n_symbols ? w->n_symbols : 1) * sizeof *op->enum_map);
        if (!op->enum_map)
            return hub_error_set(b->err, HUB_ENOMEM, "codec: out of memory");
        for (size_t i = 0; i < w->n_symbols; i++) {
            const char *sym = w->symbols[i];
            op->enum_map[i] = -1;
            if (hub_avro_enum_index(vr, sym) < 0 && vr->enum_default)
                sym = vr->enum_default;
            for (uint32_t k = 0; k < s->n_symbols; k++)
                if (strcmp(s->symbols[k], sym) == 0)
                    op->enum_map[i] = (int)k;
        }
        return 0;
    case SLOT_RECORD:
        if (w->type != HUB_AVRO_RECORD || !hub_avro_node_matches(vr, w))
            break;
        op->kind = OP_RECORD;
        return build_record(b, w, vr, s, image + s->off, op->path, &op->sub, &op->n_sub);
    case SLOT_STR_ARRAY:
        if (w->type != HUB_AVRO_ARRAY ||
            (w->items->type != HUB_AVRO_STRING && w->items->type != HUB_AVRO_BYTES))
            break;
        op->kind = OP_STR_ARRAY;
        return 0;
    }
    return bfail(b, op->path, "writer type %s cannot be read into this field",
                 w->fullname ? w->fullname : hub_avro_type_name(w->type));
}

/* Builds one op per field of writer record `w` read into the slots `rs->fields` (reader record
 * `r`), and stores in `image` the defaults of reader fields `w` lacks. */
static int build_record(struct build *b, const struct hub_avro_node *w,
                        const struct hub_avro_node *r, const struct slot *rs, uint8_t *image,
                        const char *prefix, struct op **ops_out, size_t *n_out)
{
    bool used[64] = {false};
    struct op *ops;
    size_t i;
    int rc;

    if (rs->n_fields > sizeof used / sizeof used[0])
        return bfail(b, prefix ? prefix : "(root)", "too many fields in one record");
    ops = calloc(w->n_fields ? w->n_fields : 1, sizeof *ops);
    if (!ops)
        return hub_error_set(b->err, HUB_ENOMEM, "codec: out of memory");
    *ops_out = ops;
    *n_out = w->n_fields;
    for (i = 0; i < w->n_fields; i++) {
        const struct hub_avro_field *wf = &w->fields[i];
        const struct hub_avro_field *rf = NULL;
        uint32_t k;
        ops[i].path = join_path(prefix, wf->name);
        if (!ops[i].path)
            return hub_error_set(b->err, HUB_ENOMEM, "codec: out of memory");
        for (k = 0; k < rs->n_fields; k++) {
            rf = hub_avro_record_field(r, rs->fields[k].name);
            if (strcmp(rf->name, wf->name) == 0)
                break;
            size_t a;
            for (a = 0; a < rf->n_aliases && strcmp(rf->aliases[a], wf->name) != 0; a++)
                ;
            if (a < rf->n_aliases)
                break;
        }
        if (k == rs->n_fields || used[k]) {
            ops[i].kind = OP_SKIP;
            ops[i].w = wf->type;
            continue;
        }
        used[k] = true;
        rc = build_value(b, wf->type, rf->type, &rs->fields[k], image, &ops[i]);
        if (rc)
            return rc;
    }
    for (uint32_t k = 0; k < rs->n_fields; k++) {
        const struct hub_avro_field *rf;
        char *path;
        if (used[k])
            continue;
        rf = hub_avro_record_field(r, rs->fields[k].name);
        path = join_path(prefix, rf->name);
        if (!path)
            return hub_error_set(b->err, HUB_ENOMEM, "codec: out of memory");
        rc = rf->default_value
                 ? apply_default(b, &rs->fields[k], rf->type, rf->default_value, image, path)
                 : bfail(b, path, "the writer lacks this field and it has no default");
        free(path);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- checking a slot table against the newest schema, and the encode program ---- */

static int check_slot(struct build *b, const struct slot *s, const struct hub_avro_node *r,
                      const char *path, struct enc_op *eop, size_t *bound);

static int check_record_slots(struct build *b, const struct slot *rs, const struct hub_avro_node *r,
                              const char *prefix, struct enc_op *eop, size_t *bound)
{
    size_t i;
    uint32_t k;
    int rc;
    if (r->type != HUB_AVRO_RECORD)
        return bfail(b, prefix ? prefix : "(root)", "the schema has %s, the C struct a record",
                     hub_avro_type_name(r->type));
    if (r->n_fields != rs->n_fields)
        return bfail(b, prefix ? prefix : "(root)",
                     "the schema has %zu fields, the C binding %u (fields must match one to one)",
                     r->n_fields, rs->n_fields);
    eop->sub = calloc(r->n_fields ? r->n_fields : 1, sizeof *eop->sub);
    if (!eop->sub)
        return hub_error_set(b->err, HUB_ENOMEM, "codec: out of memory");
    eop->n_sub = r->n_fields;
    for (i = 0; i < r->n_fields; i++) {
        char *path = join_path(prefix, r->fields[i].name);
        if (!path)
            return hub_error_set(b->err, HUB_ENOMEM, "codec: out of memory");
        for (k = 0; k < rs->n_fields && strcmp(rs->fields[k].name, r->fields[i].name) != 0; k++)
            ;
        rc = k == rs->n_fields
                 ? bfail(b, path, "field has no C binding")
                 : check_slot(b, &rs->fields[k], r->fields[i].type, path, &eop->sub[i], bound);
        free(path);
        if (rc)
            return rc;
    }
    return 0;
}

static void free_enc(struct enc_op *e)
{
    for (size_t i = 0; i < e->n_sub; i++)
        free_enc(&e->sub[i]);
    free(e->sub);
    e->sub = NULL;
    e->n_sub = 0;
}

static int check_slot(struct build *b, const struct slot *s, const struct hub_avro_node *r,
                      const char *path, struct enc_op *eop, size_t *bound)
{
    const struct hub_avro_node *v = r;
    enum hub_avro_type want;
    eop->slot = s;
    if (s->optional) {
        if (r->type != HUB_AVRO_UNION || r->n_branches != 2 ||
            (r->branches[0]->type == HUB_AVRO_NULL) == (r->branches[1]->type == HUB_AVRO_NULL))
            return bfail(b, path,
                         "optional in C, so the schema must be a union of null and one type");
        eop->null_branch = r->branches[0]->type == HUB_AVRO_NULL ? 0 : 1;
        eop->value_branch = 1 - eop->null_branch;
        v = r->branches[eop->value_branch];
        *bound += 1;
    }
    switch (s->kind) {
    case SLOT_BOOL:
        want = HUB_AVRO_BOOLEAN;
        *bound += 1;
        break;
    case SLOT_INT32:
        want = HUB_AVRO_INT;
        *bound += 5;
        break;
    case SLOT_INT64:
        want = HUB_AVRO_LONG;
        *bound += 10;
        break;
    case SLOT_STR:
        want = HUB_AVRO_STRING;
        *bound += 10 + s->size;
        break;
    case SLOT_BYTES:
        want = HUB_AVRO_BYTES;
        *bound += 10;
        break;
    case SLOT_ENUM:
        want = HUB_AVRO_ENUM;
        *bound += 5;
        break;
    case SLOT_RECORD:
        return check_record_slots(b, s, v, path, eop, bound);
    case SLOT_STR_ARRAY:
        if (v->type != HUB_AVRO_ARRAY || v->items->type != HUB_AVRO_STRING)
            return bfail(b, path, "the C binding is an array of strings, the schema %s",
                         hub_avro_type_name(v->type));
        *bound += 10 + (size_t)s->max * (10 + s->size) + 1;
        return 0;
    default:
        return bfail(b, path, "unknown slot kind");
    }
    if (v->type != want)
        return bfail(b, path, "the schema has %s, the C binding %s", hub_avro_type_name(v->type),
                     hub_avro_type_name(want));
    if (s->kind == SLOT_ENUM) {
        bool same = v->n_symbols == s->n_symbols;
        for (uint32_t i = 0; same && i < s->n_symbols; i++)
            same = strcmp(v->symbols[i], s->symbols[i]) == 0;
        if (!same)
            return bfail(b, path,
                         "enum %s symbols differ from the C enum's table (same symbols, same "
                         "order)",
                         v->fullname);
    }
    return 0;
}

/* ---- encoding ---- */

struct estate {
    struct hub_avro_writer w;
    struct hub_error *err;
    char path[128];
};

static int efail(struct estate *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int efail(struct estate *e, const char *field, const char *fmt, ...)
{
    char msg[HUB_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hub_error_set(e->err, HUB_EAVRO_VALUE, "encode: %s%s%s: %s", e->path,
                         e->path[0] ? "." : "", field, msg);
}

static int enc_str(struct estate *e, const struct slot *s, const char *p)
{
    size_t n = strnlen(p, s->size);
    const char *bad;
    if (n == s->size)
        return efail(e, s->name, "not NUL-terminated within its %u bytes", s->size);
    bad = check_string(s->check, (const uint8_t *)p, n);
    if (bad)
        return efail(e, s->name, "%s", bad);
    hub_avro_write_bytes(&e->w, p, n);
    return 0;
}

static int enc_op(struct estate *e, const struct enc_op *eop, const uint8_t *base)
{
    const struct slot *s = eop->slot;
    int rc;
    if (s->optional) {
        bool present;
        if (s->kind == SLOT_BYTES) {
            const uint8_t *ptr;
            memcpy(&ptr, base + s->off, sizeof ptr);
            present = ptr != NULL;
        } else {
            present = base[s->has_off] != 0;
        }
        if (!present) {
            hub_avro_write_long(&e->w, eop->null_branch);
            return 0;
        }
        hub_avro_write_long(&e->w, eop->value_branch);
    }
    switch (s->kind) {
    case SLOT_BOOL:
        hub_avro_write_bool(&e->w, base[s->off] != 0);
        return 0;
    case SLOT_INT32: {
        int32_t v;
        memcpy(&v, base + s->off, sizeof v);
        if (s->check == CHK_BIRTH_YEAR && (v < BIRTH_YEAR_MIN || v > BIRTH_YEAR_MAX))
            return efail(e, s->name, "not a birth year in %d-%d", BIRTH_YEAR_MIN, BIRTH_YEAR_MAX);
        hub_avro_write_long(&e->w, v);
        return 0;
    }
    case SLOT_INT64: {
        int64_t v;
        memcpy(&v, base + s->off, sizeof v);
        hub_avro_write_long(&e->w, v);
        return 0;
    }
    case SLOT_STR:
        return enc_str(e, s, (const char *)base + s->off);
    case SLOT_ENUM: {
        int v;
        memcpy(&v, base + s->off, sizeof v);
        if (v < 0 || (uint32_t)v >= s->n_symbols)
            return efail(e, s->name, "enum value %d out of range (%u symbols)", v, s->n_symbols);
        hub_avro_write_long(&e->w, v);
        return 0;
    }
    case SLOT_BYTES: {
        const uint8_t *ptr;
        size_t n;
        memcpy(&ptr, base + s->off, sizeof ptr);
        memcpy(&n, base + s->cnt_off, sizeof n);
        hub_avro_write_bytes(&e->w, ptr, n);
        return 0;
    }
    case SLOT_RECORD: {
        size_t old = strlen(e->path);
        snprintf(e->path + old, sizeof e->path - old, "%s%s", old ? "." : "", s->name);
        for (size_t i = 0; i < eop->n_sub; i++) {
            rc = enc_op(e, &eop->sub[i], base + s->off);
            if (rc)
                return rc;
        }
        e->path[old] = '\0';
        return 0;
    }
    case SLOT_STR_ARRAY: {
        size_t n;
        memcpy(&n, base + s->cnt_off, sizeof n);
        if (n > s->max)
            return efail(e, s->name, "%zu entries, at most %u", n, s->max);
        if (n)
            hub_avro_write_long(&e->w, (int64_t)n);
        for (size_t i = 0; i < n; i++) {
            rc = enc_str(e, s, (const char *)base + s->off + i * s->size);
            if (rc)
                return rc;
        }
        hub_avro_write_long(&e->w, 0);
        return 0;
    }
    }
    return efail(e, s->name, "unknown slot kind");
}

static const struct record *record_of(const hub_codec_t *c, const struct hub_event *ev)
{
    if ((unsigned)ev->type >= HUB_EV__COUNT || c->by_type[ev->type] < 0)
        return NULL;
    return &c->records[c->by_type[ev->type]];
}

size_t hub_codec_encoded_size_max(const hub_codec_t *c, const struct hub_event *ev)
{
    const struct record *rec = record_of(c, ev);
    size_t n;
    if (!rec)
        return 0;
    n = HUB_CODEC_HEADER_LEN + rec->size_bound;
    if (ev->type == HUB_EV_HANDOVER && ev->u.handover.sealed_content)
        n += ev->u.handover.sealed_content_len;
    return n;
}

static int encode(const hub_codec_t *c, const struct hub_event *ev, struct estate *e)
{
    const struct record *rec = record_of(c, ev);
    uint8_t header[HUB_CODEC_HEADER_LEN];
    int rc;
    if (!rec)
        return hub_error_set(e->err, HUB_EAVRO_SCHEMA, "encode: event type %d has no schema",
                             (int)ev->type);
    header[0] = magic[0];
    header[1] = magic[1];
    for (int i = 0; i < 8; i++)
        header[2 + i] = (uint8_t)(rec->reader_fp >> (8 * i));
    hub_avro_write_raw(&e->w, header, sizeof header);
    e->path[0] = '\0';
    for (size_t i = 0; i < rec->enc.n_sub; i++) {
        rc = enc_op(e, &rec->enc.sub[i], (const uint8_t *)ev);
        if (rc) {
            hub_error_prefix(e->err, "%s v%d: ", rec->name, rec->reader_version);
            return rc;
        }
    }
    if (e->w.err)
        return hub_error_set(e->err, e->w.err, "encode: %s v%d: %s", rec->name, rec->reader_version,
                             e->w.err == HUB_ERANGE ? "buffer too small" : "out of memory");
    return 0;
}

int hub_codec_encode_into(const hub_codec_t *c, const struct hub_event *ev, uint8_t *buf,
                          size_t cap, size_t *len, struct hub_error *err)
{
    struct estate e;
    int rc;
    e.err = err;
    hub_avro_writer_init_fixed(&e.w, buf, cap);
    rc = encode(c, ev, &e);
    if (rc)
        return rc;
    *len = e.w.len;
    return 0;
}

int hub_codec_encode(const hub_codec_t *c, const struct hub_event *ev, uint8_t **buf, size_t *len,
                     struct hub_error *err)
{
    size_t cap = hub_codec_encoded_size_max(c, ev);
    uint8_t *p;
    int rc;
    *buf = NULL;
    *len = 0;
    if (cap == 0)
        return hub_error_set(err, HUB_EAVRO_SCHEMA, "encode: event type %d has no schema",
                             (int)ev->type);
    p = malloc(cap);
    if (!p)
        return hub_error_set(err, HUB_ENOMEM, "encode: out of memory");
    rc = hub_codec_encode_into(c, ev, p, cap, len, err);
    if (rc) {
        free(p);
        return rc;
    }
    *buf = p;
    return 0;
}

/* ---- decoding ---- */

static const struct writer *find_writer(const hub_codec_t *c, uint64_t fp)
{
    for (size_t i = 0; i < c->n_writers; i++)
        if (c->writers[i].fp == fp)
            return &c->writers[i];
    return NULL;
}

static void fill_info(const hub_codec_t *c, const struct writer *w,
                      struct hub_codec_schema_info *info)
{
    if (!info)
        return;
    info->record = c->records[w->rec].name;
    info->version = w->version;
    info->fingerprint = w->fp;
    info->canonical = hub_avro_schema_canonical(w->schema);
    info->type = c->records[w->rec].type;
}

static int lookup(const hub_codec_t *c, const uint8_t *buf, size_t len, const struct writer **out,
                  struct hub_error *err)
{
    uint64_t fp = 0;
    const struct writer *w;
    if ((len >= 1 && buf[0] != magic[0]) || (len >= 2 && buf[1] != magic[1]) || len == 0)
        return hub_error_set(err, HUB_EAVRO_MAGIC,
                             "decode: not Avro single-object encoding (no C3 01 marker)");
    if (len < HUB_CODEC_HEADER_LEN)
        return hub_error_set(err, HUB_EAVRO_TRUNCATED,
                             "decode: %zu bytes, shorter than the 10-byte header", len);
    for (int i = 0; i < 8; i++)
        fp |= (uint64_t)buf[2 + i] << (8 * i);
    w = find_writer(c, fp);
    if (!w)
        return hub_error_set(err, HUB_EAVRO_FINGERPRINT,
                             "decode: no known schema has fingerprint %016llx",
                             (unsigned long long)fp);
    *out = w;
    return 0;
}

int hub_codec_lookup(const hub_codec_t *c, const uint8_t *buf, size_t len,
                     struct hub_codec_schema_info *info, struct hub_error *err)
{
    const struct writer *w = NULL;
    int rc = lookup(c, buf, len, &w, err);
    if (rc == 0)
        fill_info(c, w, info);
    return rc;
}

int hub_codec_decode(const hub_codec_t *c, const uint8_t *buf, size_t len, struct hub_event *out,
                     struct hub_error *err)
{
    const struct writer *w = NULL;
    struct dstate d;
    int rc = lookup(c, buf, len, &w, err);
    if (rc)
        goto fail;
    if (!w->ops) {
        rc = hub_error_set(err, HUB_EAVRO_SCHEMA, "decode: record '%s' has no C binding",
                           c->records[w->rec].name);
        goto fail;
    }
    memcpy(out, w->image, sizeof *out);
    hub_avro_reader_init(&d.r, buf + HUB_CODEC_HEADER_LEN, len - HUB_CODEC_HEADER_LEN);
    d.err = err;
    for (size_t i = 0; i < w->n_ops; i++) {
        rc = run_op(&d, &w->ops[i], (uint8_t *)out);
        if (rc) {
            hub_error_prefix(err, "decode: %s v%d: ", c->records[w->rec].name, w->version);
            hub_event_clear(out);
            goto fail;
        }
    }
    if (hub_avro_reader_left(&d.r)) {
        rc = hub_error_set(err, HUB_EAVRO_TRAILING, "decode: %s v%d: %zu bytes after the record",
                           c->records[w->rec].name, w->version, hub_avro_reader_left(&d.r));
        hub_event_clear(out);
        goto fail;
    }
    return 0;
fail:
    memset(out, 0, sizeof *out);
    return rc;
}

int hub_codec_decode_json(const hub_codec_t *c, const uint8_t *buf, size_t len, json_t **out,
                          struct hub_codec_schema_info *info, struct hub_error *err)
{
    const struct writer *w = NULL;
    struct hub_avro_reader r;
    const struct record *rec;
    int rc;
    *out = NULL;
    rc = lookup(c, buf, len, &w, err);
    if (rc)
        return rc;
    rec = &c->records[w->rec];
    hub_avro_reader_init(&r, buf + HUB_CODEC_HEADER_LEN, len - HUB_CODEC_HEADER_LEN);
    rc = hub_avro_decode_json(hub_avro_schema_root(w->schema), hub_avro_schema_root(rec->reader),
                              &r, out, err);
    if (rc) {
        hub_error_prefix(err, "decode: %s v%d: ", rec->name, w->version);
        return rc;
    }
    if (hub_avro_reader_left(&r)) {
        json_decref(*out);
        *out = NULL;
        return hub_error_set(err, HUB_EAVRO_TRAILING, "decode: %s v%d: %zu bytes after the record",
                             rec->name, w->version, hub_avro_reader_left(&r));
    }
    fill_info(c, w, info);
    return 0;
}

/* ---- creation ---- */

static void free_writer(struct writer *w)
{
    free_ops(w->ops, w->n_ops);
    free(w->image);
    hub_avro_schema_destroy(w->schema);
}

void hub_codec_destroy(hub_codec_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_writers; i++)
        free_writer(&c->writers[i]);
    for (size_t i = 0; i < c->n_records; i++)
        free_enc(&c->records[i].enc);
    free(c->writers);
    free(c->records);
    free(c);
}

/* Builds the decode program of writer `w` into the shape of its record's newest version. */
static int build_writer(hub_codec_t *c, struct writer *w, struct hub_error *err)
{
    const struct record *rec = &c->records[w->rec];
    const struct hub_avro_node *wr = hub_avro_schema_root(w->schema);
    const struct hub_avro_node *rr = hub_avro_schema_root(rec->reader);
    char what[RECORD_NAME_MAX + 32];
    struct build b = {err, what};
    int rc;

    snprintf(what, sizeof what, "%s v%d", rec->name, w->version);
    /* A symbol added by a newer writer fails only the messages that carry it. */
    rc = hub_avro_schema_check_compatible(rr, wr, HUB_AVRO_COMPAT_LAZY_ENUMS, err);
    if (rc) {
        hub_error_prefix(err, "%s read as v%d: ", what, rec->reader_version);
        return rc;
    }
    if (rec->type < 0)
        return 0;
    w->image = calloc(1, sizeof *w->image);
    if (!w->image)
        return hub_error_set(err, HUB_ENOMEM, "codec: out of memory");
    w->image->type = (enum hub_event_type)rec->type;
    return build_record(&b, wr, rr, &bindings_root[rec->type], (uint8_t *)w->image, NULL, &w->ops,
                        &w->n_ops);
}

static int add_writer(hub_codec_t *c, hub_avro_schema_t *s, size_t rec, int version,
                      struct writer **out, struct hub_error *err)
{
    struct writer *w;
    if (c->n_writers == c->cap_writers) {
        size_t cap = c->cap_writers ? c->cap_writers * 2 : 16;
        struct writer *p = realloc(c->writers, cap * sizeof *p);
        if (!p)
            return hub_error_set(err, HUB_ENOMEM, "codec: out of memory");
        c->writers = p;
        c->cap_writers = cap;
    }
    w = &c->writers[c->n_writers++];
    memset(w, 0, sizeof *w);
    w->schema = s;
    w->fp = hub_avro_schema_fingerprint(s);
    w->rec = rec;
    w->version = version;
    *out = w;
    return 0;
}

static int setup_record(hub_codec_t *c, struct record *rec, struct hub_error *err)
{
    enum hub_event_type t;
    char what[RECORD_NAME_MAX + 32];
    struct build b = {err, what};
    const struct hub_avro_node *root = hub_avro_schema_root(rec->reader);
    int rc;

    snprintf(what, sizeof what, "%s v%d", rec->name, rec->reader_version);
    if (root->type != HUB_AVRO_RECORD)
        return hub_error_set(err, HUB_EAVRO_SCHEMA, "%s: the schema is not a record", what);
    rec->reader_fp = hub_avro_schema_fingerprint(rec->reader);
    rec->type = -1;
    if (hub_event_type_parse(rec->name, &t) != 0)
        return 0; /* no C binding (yet): JSON decoding only */
    rec->type = (int)t;
    c->by_type[t] = (int)(rec - c->records);
    rc = check_record_slots(&b, &bindings_root[t], root, NULL, &rec->enc, &rec->size_bound);
    rec->enc.slot = &bindings_root[t];
    return rc;
}

int hub_codec_new_from(const struct hub_schema_text *schemas, size_t n, hub_codec_t **out,
                       struct hub_error *err)
{
    hub_codec_t *c = calloc(1, sizeof *c);
    size_t i, k;
    int rc = 0;

    *out = NULL;
    if (!c)
        return hub_error_set(err, HUB_ENOMEM, "codec: out of memory");
    for (i = 0; i < HUB_EV__COUNT; i++)
        c->by_type[i] = -1;
    c->records = calloc(n ? n : 1, sizeof *c->records);
    if (!c->records) {
        rc = hub_error_set(err, HUB_ENOMEM, "codec: out of memory");
        goto out;
    }
    /* parse every text; group by record; the newest version is the reader */
    for (i = 0; i < n; i++) {
        const struct hub_schema_text *t = &schemas[i];
        hub_avro_schema_t *s = NULL;
        struct writer *w = NULL;
        if (strlen(t->record) >= RECORD_NAME_MAX) {
            rc = hub_error_set(err, HUB_EAVRO_SCHEMA, "%s: record name too long", t->path);
            goto out;
        }
        rc = hub_avro_schema_parse(t->json, t->len, &s, err);
        if (rc) {
            hub_error_prefix(err, "%s: ", t->path);
            goto out;
        }
        for (k = 0; k < c->n_records && strcmp(c->records[k].name, t->record) != 0; k++)
            ;
        if (k == c->n_records) {
            snprintf(c->records[k].name, sizeof c->records[k].name, "%s", t->record);
            c->records[k].reader_version = -1;
            c->n_records++;
        }
        for (size_t j = 0; j < c->n_writers; j++) {
            if (c->writers[j].rec == k && c->writers[j].version == t->version) {
                hub_avro_schema_destroy(s);
                rc = hub_error_set(err, HUB_EAVRO_SCHEMA, "%s: version %d given twice", t->path,
                                   t->version);
                goto out;
            }
        }
        rc = add_writer(c, s, k, t->version, &w, err);
        if (rc) {
            hub_avro_schema_destroy(s);
            goto out;
        }
        if (t->version > c->records[k].reader_version) {
            c->records[k].reader_version = t->version;
            c->records[k].reader = s;
        }
    }
    for (k = 0; k < c->n_records; k++) {
        rc = setup_record(c, &c->records[k], err);
        if (rc)
            goto out;
    }
    for (i = 0; i < c->n_writers; i++) {
        const struct writer *dup = find_writer(c, c->writers[i].fp);
        if (dup != &c->writers[i] && dup->rec != c->writers[i].rec) {
            rc = hub_error_set(err, HUB_EAVRO_SCHEMA,
                               "records %s and %s have the same canonical schema",
                               c->records[dup->rec].name, c->records[c->writers[i].rec].name);
            goto out;
        }
        rc = build_writer(c, &c->writers[i], err);
        if (rc)
            goto out;
    }
    *out = c;
    c = NULL;
out:
    hub_codec_destroy(c);
    return rc;
}

int hub_codec_new(hub_codec_t **out, struct hub_error *err)
{
    return hub_codec_new_from(hub_schema_texts, hub_schema_texts_count, out, err);
}

int hub_codec_add_writer_schema(hub_codec_t *c, const char *json, size_t len, struct hub_error *err)
{
    hub_avro_schema_t *s = NULL;
    struct writer *w = NULL;
    const struct hub_avro_node *root;
    size_t k;
    int rc = hub_avro_schema_parse(json, len, &s, err);
    if (rc)
        return rc;
    root = hub_avro_schema_root(s);
    if (find_writer(c, hub_avro_schema_fingerprint(s))) {
        hub_avro_schema_destroy(s);
        return 0;
    }
    for (k = 0; k < c->n_records; k++) {
        const struct hub_avro_node *rr = hub_avro_schema_root(c->records[k].reader);
        if (root->type == HUB_AVRO_RECORD && rr->type == HUB_AVRO_RECORD &&
            strcmp(rr->fullname, root->fullname) == 0)
            break;
    }
    if (k == c->n_records) {
        rc = hub_error_set(err, HUB_EAVRO_SCHEMA, "schema: no record named %s in this codec",
                           root->fullname ? root->fullname : hub_avro_type_name(root->type));
        hub_avro_schema_destroy(s);
        return rc;
    }
    rc = add_writer(c, s, k, 0, &w, err);
    if (rc) {
        hub_avro_schema_destroy(s);
        return rc;
    }
    rc = build_writer(c, w, err);
    if (rc) {
        free_writer(w);
        c->n_writers--;
    }
    return rc;
}

const hub_avro_schema_t *hub_codec_schema(const hub_codec_t *c, enum hub_event_type type)
{
    if ((unsigned)type >= HUB_EV__COUNT || c->by_type[type] < 0)
        return NULL;
    return c->records[c->by_type[type]].reader;
}

size_t hub_codec_schema_count(const hub_codec_t *c)
{
    return c->n_writers;
}

void hub_codec_schema_info_at(const hub_codec_t *c, size_t i, struct hub_codec_schema_info *info)
{
    fill_info(c, &c->writers[i], info);
}
