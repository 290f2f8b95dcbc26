/* test_codec.c — single-object encoding of every event type (hub/avro/codec.h): round trips,
 * hostile input, domain checks, and decoding across schema versions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hub/avro/avro_value.h"
#include "hub/avro/codec.h"
#include "tests/tools/sample_events.h"

static hub_codec_t *codec;

static int setup(void **state)
{
    struct hub_error err = {0};
    (void)state;
    if (hub_codec_new(&codec, &err)) {
        fprintf(stderr, "hub_codec_new: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hub_codec_destroy(codec);
    return 0;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
            *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static char *read_repo_file(const char *rel, size_t *len)
{
    char path[1024];
    char *text;
    snprintf(path, sizeof path, "%s/%s", HUB_SOURCE_DIR, rel);
    text = read_file(path, len);
    if (!text)
        fail_msg("cannot read %s", path);
    return text;
}

/* Field-by-field equality that names the first difference. */
static void assert_events_equal(const struct hub_event *a, const struct hub_event *b)
{
    assert_int_equal(a->type, b->type);
    assert_memory_equal(&a->common, &b->common, sizeof a->common);
    if (a->type == HUB_EV_HANDOVER) {
        const struct hub_handover *x = &a->u.handover, *y = &b->u.handover;
        assert_memory_equal(x, y, offsetof(struct hub_handover, sealed_content));
        assert_int_equal(x->sealed_content == NULL, y->sealed_content == NULL);
        assert_int_equal(x->sealed_content_len, y->sealed_content_len);
        if (x->sealed_content_len)
            assert_memory_equal(x->sealed_content, y->sealed_content, x->sealed_content_len);
        return;
    }
    assert_memory_equal(&a->u, &b->u, sizeof a->u);
}

static void round_trip(const struct hub_event *ev)
{
    struct hub_error err = {0};
    struct hub_event out;
    uint8_t *buf = NULL;
    size_t len = 0;
    uint64_t fp = 0;
    if (hub_codec_encode(codec, ev, &buf, &len, &err))
        fail_msg("encode %s: %s", hub_event_type_name(ev->type), err.msg);
    assert_true(len <= hub_codec_encoded_size_max(codec, ev));
    assert_int_equal(buf[0], 0xC3);
    assert_int_equal(buf[1], 0x01);
    for (int i = 0; i < 8; i++)
        fp |= (uint64_t)buf[2 + i] << (8 * i);
    assert_true(fp == hub_avro_schema_fingerprint(hub_codec_schema(codec, ev->type)));
    if (hub_codec_decode(codec, buf, len, &out, &err))
        fail_msg("decode %s: %s", hub_event_type_name(ev->type), err.msg);
    assert_events_equal(ev, &out);
    hub_event_clear(&out);
    free(buf);
}

static void test_every_record_round_trips_with_values_and_nulls(void **state)
{
    (void)state;
    for (int t = 0; t < HUB_EV__COUNT; t++) {
        for (int v = 0; v < 2; v++) {
            struct hub_event ev;
            hub_sample_event(&ev, (enum hub_event_type)t, v);
            round_trip(&ev);
            hub_event_clear(&ev);
        }
    }
}

static void test_every_enum_symbol_round_trips(void **state)
{
    (void)state;
    for (int t = 0; t < HUB_EV__COUNT; t++) {
        for (int v = 0; v < HUB_SAMPLE_VARIANTS; v++) {
            struct hub_event ev;
            hub_sample_event(&ev, (enum hub_event_type)t, v);
            round_trip(&ev);
            hub_event_clear(&ev);
        }
    }
}

static void test_edge_values_round_trip(void **state)
{
    struct hub_event ev;
    (void)state;
    hub_sample_event(&ev, HUB_EV_HANDOVER, 0);
    free(ev.u.handover.sealed_content);
    ev.u.handover.sealed_content = malloc(1); /* empty but not null */
    ev.u.handover.sealed_content_len = 0;
    ev.common.occurred_at = INT64_MIN;
    ev.u.handover.planned_start_date = INT32_MIN;
    memset(ev.u.handover.contact.phone, 0, sizeof ev.u.handover.contact.phone);
    memset(ev.u.handover.contact.name, 'x', HUB_CONTACT_NAME_STR - 1);
    ev.u.handover.contact.name[HUB_CONTACT_NAME_STR - 1] = '\0';
    round_trip(&ev);
    hub_event_clear(&ev);

    hub_sample_event(&ev, HUB_EV_CONTACT_CHANGE, 0);
    ev.u.contact_change.n_school_units = HUB_SCOPE_MAX;
    ev.u.contact_change.n_placements = HUB_SCOPE_MAX;
    for (int i = 0; i < HUB_SCOPE_MAX; i++) {
        snprintf(ev.u.contact_change.school_units[i], HUB_SCHOOL_UNIT_STR, "%08d", i);
        hub_sample_uuid(ev.u.contact_change.placements[i], (unsigned)i);
    }
    ev.common.occurred_at = INT64_MAX;
    round_trip(&ev);
    hub_event_clear(&ev);
}

static void test_encode_into_a_short_buffer_is_erange(void **state)
{
    struct hub_event ev;
    struct hub_error err = {0};
    uint8_t small[40], big[4096];
    size_t len = 0;
    (void)state;
    hub_sample_event(&ev, HUB_EV_PLACEMENT, 0);
    assert_int_equal(hub_codec_encode_into(codec, &ev, small, sizeof small, &len, &err),
                     HUB_ERANGE);
    assert_int_equal(hub_codec_encode_into(codec, &ev, big, sizeof big, &len, &err), 0);
    assert_true(len > 40);
}

static void expect_encode_error(struct hub_event *ev, const char *field)
{
    struct hub_error err = {0};
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(hub_codec_encode(codec, ev, &buf, &len, &err), HUB_EAVRO_VALUE);
    assert_null(buf);
    if (!strstr(err.msg, field))
        fail_msg("message does not name %s: %s", field, err.msg);
    hub_event_clear(ev);
}

static void test_encode_refuses_values_outside_the_domain(void **state)
{
    struct hub_event ev;
    (void)state;
    hub_sample_event(&ev, HUB_EV_PLACEMENT, 0);
    ev.common.event_id[3] = 'G';
    expect_encode_error(&ev, "event_id");
    hub_sample_event(&ev, HUB_EV_PLACEMENT, 0);
    ev.common.child[10] = 'A';
    expect_encode_error(&ev, "child");
    hub_sample_event(&ev, HUB_EV_PLACEMENT, 0);
    ev.u.placement.placement_form = HUB_FORM__COUNT;
    expect_encode_error(&ev, "placement_form");
    hub_sample_event(&ev, HUB_EV_PLACEMENT, 0);
    memcpy(ev.u.placement.placement_municipality, "01800", HUB_KOMMUN_STR); /* no NUL */
    expect_encode_error(&ev, "placement_municipality");
    hub_sample_event(&ev, HUB_EV_PLACEMENT, 0);
    ev.common.birth_year = 1066;
    expect_encode_error(&ev, "birth_year");
    hub_sample_event(&ev, HUB_EV_PLACEMENT, 0);
    ev.common.district[0] = 'J';
    expect_encode_error(&ev, "district");
    hub_sample_event(&ev, HUB_EV_SCHOOL_START, 0);
    ev.u.school_start.school_unit[7] = '\0';
    expect_encode_error(&ev, "school_unit");
    hub_sample_event(&ev, HUB_EV_HANDOVER, 0);
    ev.u.handover.contact.role[0] = (char)0xff;
    expect_encode_error(&ev, "contact.role");
    hub_sample_event(&ev, HUB_EV_CONTACT_CHANGE, 0);
    ev.u.contact_change.n_placements = HUB_SCOPE_MAX + 1;
    expect_encode_error(&ev, "placements");
    hub_sample_event(&ev, HUB_EV_CONTACT_CHANGE, 0);
    ev.u.contact_change.school_units[1][0] = 'x';
    expect_encode_error(&ev, "school_units");
}

static void test_encode_of_an_unknown_type_fails(void **state)
{
    struct hub_event ev;
    struct hub_error err = {0};
    uint8_t *buf = NULL;
    size_t len;
    (void)state;
    hub_event_init(&ev, HUB_EV__COUNT);
    assert_int_equal(hub_codec_encode(codec, &ev, &buf, &len, &err), HUB_EAVRO_SCHEMA);
}

/* ---- hostile input ---- */

static int decode_rc(const uint8_t *buf, size_t len, struct hub_error *err)
{
    struct hub_event out;
    int rc;
    memset(&out, 0xa5, sizeof out);
    rc = hub_codec_decode(codec, buf, len, &out, err);
    if (rc) {
        struct hub_event zero;
        memset(&zero, 0, sizeof zero);
        assert_memory_equal(&out, &zero, sizeof out); /* nothing owned, nothing stale */
        assert_int_equal(err->code, rc);
    } else {
        hub_event_clear(&out);
    }
    return rc;
}

static void test_decode_rejects_bad_framing(void **state)
{
    static const uint8_t not_avro[] = {'{', '"', 'a', '"', '}', 0, 0, 0, 0, 0, 0};
    static const uint8_t confluent[] = {0x00, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t short_hdr[] = {0xC3, 0x01, 0x12, 0x34};
    static const uint8_t unknown_fp[] = {0xC3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0x00};
    struct hub_error err = {0};
    (void)state;
    assert_int_equal(decode_rc(NULL, 0, &err), HUB_EAVRO_MAGIC);
    assert_int_equal(decode_rc(not_avro, sizeof not_avro, &err), HUB_EAVRO_MAGIC);
    assert_int_equal(decode_rc(confluent, sizeof confluent, &err), HUB_EAVRO_MAGIC);
    assert_int_equal(decode_rc(short_hdr, sizeof short_hdr, &err), HUB_EAVRO_TRUNCATED);
    assert_int_equal(decode_rc(short_hdr, 1, &err), HUB_EAVRO_TRUNCATED);
    assert_int_equal(decode_rc(unknown_fp, sizeof unknown_fp, &err), HUB_EAVRO_FINGERPRINT);
    assert_non_null(strstr(err.msg, "0807060504030201"));
}

static void test_decode_of_every_truncation_and_trailing_bytes_fails_cleanly(void **state)
{
    struct hub_error err = {0};
    (void)state;
    for (int t = 0; t < HUB_EV__COUNT; t++) {
        struct hub_event ev;
        uint8_t *buf = NULL, *longer;
        size_t len = 0;
        hub_sample_event(&ev, (enum hub_event_type)t, 0);
        assert_int_equal(hub_codec_encode(codec, &ev, &buf, &len, &err), 0);
        for (size_t k = 0; k < len; k++) {
            /* a copy of exactly k bytes, so that ASan sees any read past the end */
            uint8_t *cut = malloc(k ? k : 1);
            int rc;
            memcpy(cut, buf, k);
            rc = decode_rc(cut, k, &err);
            free(cut);
            if (k < HUB_CODEC_HEADER_LEN)
                assert_true(rc == HUB_EAVRO_MAGIC || rc == HUB_EAVRO_TRUNCATED);
            else if (rc != HUB_EAVRO_TRUNCATED && rc != HUB_EAVRO_HUGELEN && rc != HUB_EAVRO_VALUE)
                fail_msg("%s cut at %zu: %s", hub_event_type_name(ev.type), k, err.msg);
        }
        longer = malloc(len + 1);
        memcpy(longer, buf, len);
        longer[len] = 0;
        assert_int_equal(decode_rc(longer, len + 1, &err), HUB_EAVRO_TRAILING);
        free(longer);
        free(buf);
        hub_event_clear(&ev);
    }
}

/* Encodes `json` with `schema_text` (a wire-compatible variant of a real schema, e.g. an enum
 * replaced by a long) and frames it with the fingerprint of `type`'s real schema. */
static uint8_t *craft(enum hub_event_type type, const char *schema_text, const char *json,
                      size_t *len)
{
    hub_avro_schema_t *s = NULL;
    struct hub_error err = {0};
    struct hub_avro_writer w;
    json_t *v = json_loads(json, JSON_ALLOW_NUL, NULL);
    uint64_t fp = hub_avro_schema_fingerprint(hub_codec_schema(codec, type));
    uint8_t hdr[HUB_CODEC_HEADER_LEN] = {0xC3, 0x01};
    if (!v)
        fail_msg("bad test json: %s", json);
    if (hub_avro_schema_parse(schema_text, strlen(schema_text), &s, &err))
        fail_msg("bad test schema: %s", err.msg);
    for (int i = 0; i < 8; i++)
        hdr[2 + i] = (uint8_t)(fp >> (8 * i));
    hub_avro_writer_init_heap(&w, 0);
    hub_avro_write_raw(&w, hdr, sizeof hdr);
    if (hub_avro_encode_json(hub_avro_schema_root(s), v, &w, &err))
        fail_msg("craft: %s", err.msg);
    json_decref(v);
    hub_avro_schema_destroy(s);
    *len = w.len;
    return w.buf;
}

#define SCHOOL_START_LOOSE                                                                         \
    "{\"type\":\"record\",\"name\":\"SchoolStart\",\"fields\":["                                   \
    "{\"name\":\"event_id\",\"type\":\"string\"},{\"name\":\"occurred_at\",\"type\":\"long\"},"    \
    "{\"name\":\"district\",\"type\":%s},{\"name\":\"child\",\"type\":\"string\"},"                \
    "{\"name\":\"birth_year\",\"type\":\"long\"},{\"name\":\"legal_sex\",\"type\":\"long\"},"      \
    "{\"name\":\"placement_id\",\"type\":\"string\"},{\"name\":\"school_unit\",\"type\":"          \
    "\"string\"},{\"name\":\"school_form\",\"type\":\"long\"},{\"name\":\"start_date\","           \
    "\"type\":\"long\"}]}"

#define UUID_A "\"0b7e4c52-3a8f-4d4e-9c1a-2f3b4c5d6e7f\""
#define PSEUDO                                                                                     \
    "\""                                                                                           \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"                             \
    "\""

static int school_start_rc(const char *district_type, const char *district, const char *event_id,
                           const char *child, long birth_year, long sex, const char *unit,
                           long form, struct hub_error *err)
{
    char schema[2048], json[1024];
    uint8_t *buf;
    size_t len;
    int rc;
    snprintf(schema, sizeof schema, SCHOOL_START_LOOSE, district_type);
    snprintf(json, sizeof json,
             "{\"event_id\":%s,\"occurred_at\":1,\"district\":%s,\"child\":%s,\"birth_year\":%ld,"
             "\"legal_sex\":%ld,\"placement_id\":" UUID_A ",\"school_unit\":%s,"
             "\"school_form\":%ld,\"start_date\":20000}",
             event_id, district, child, birth_year, sex, unit, form);
    buf = craft(HUB_EV_SCHOOL_START, schema, json, &len);
    rc = decode_rc(buf, len, err);
    free(buf);
    return rc;
}

static void test_decode_reports_each_fault_with_its_own_code(void **state)
{
    struct hub_error err = {0};
    (void)state;
    /* the loose schema itself produces valid bytes */
    assert_int_equal(school_start_rc("\"string\"", "\"jarva\"", UUID_A, PSEUDO, 2012, 1,
                                     "\"12345678\"", 4, &err),
                     0);
    assert_int_equal(school_start_rc("\"string\"", "\"jarva\"", UUID_A, PSEUDO, 2012, 2,
                                     "\"12345678\"", 4, &err),
                     HUB_EAVRO_ENUM);
    assert_non_null(strstr(err.msg, "legal_sex"));
    assert_int_equal(school_start_rc("\"string\"", "\"jarva\"", UUID_A, PSEUDO, 2012, -1,
                                     "\"12345678\"", 0, &err),
                     HUB_EAVRO_ENUM);
    assert_int_equal(school_start_rc("\"string\"", "\"jarva\"", UUID_A, PSEUDO, 2012, 0,
                                     "\"12345678\"", 5, &err),
                     HUB_EAVRO_ENUM);
    assert_non_null(strstr(err.msg, "school_form"));
    assert_int_equal(
        school_start_rc("\"long\"", "-3", UUID_A, PSEUDO, 2012, 0, "\"12345678\"", 0, &err),
        HUB_EAVRO_NEGLEN);
    assert_non_null(strstr(err.msg, "district"));
    assert_int_equal(
        school_start_rc("\"long\"", "100000", UUID_A, PSEUDO, 2012, 0, "\"12345678\"", 0, &err),
        HUB_EAVRO_HUGELEN);
    assert_int_equal(school_start_rc("\"long\"", "4611686018427387904", UUID_A, PSEUDO, 2012, 0,
                                     "\"12345678\"", 0, &err),
                     HUB_EAVRO_HUGELEN);
    assert_int_equal(school_start_rc("\"string\"", "\"jarva\"", UUID_A, PSEUDO, 4294967296L, 0,
                                     "\"12345678\"", 0, &err),
                     HUB_EAVRO_VARINT);
    assert_non_null(strstr(err.msg, "birth_year"));
}

static void test_decode_checks_the_domain_of_values(void **state)
{
    struct hub_error err = {0};
    (void)state;
    assert_int_equal(school_start_rc("\"string\"", "\"jarva\"",
                                     "\"0B7E4C52-3A8F-4D4E-9C1A-2F3B4C5D6E7F\"", PSEUDO, 2012, 0,
                                     "\"12345678\"", 0, &err),
                     HUB_EAVRO_VALUE);
    assert_non_null(strstr(err.msg, "event_id"));
    assert_int_equal(school_start_rc("\"string\"", "\"jarva\"", "\"not-a-uuid\"", PSEUDO, 2012, 0,
                                     "\"12345678\"", 0, &err),
                     HUB_EAVRO_VALUE);
    assert_int_equal(school_start_rc("\"string\"", "\"jarva\"", UUID_A, "\"abc\"", 2012, 0,
                                     "\"12345678\"", 0, &err),
                     HUB_EAVRO_VALUE);
    assert_non_null(strstr(err.msg, "child"));
    assert_int_equal(
        school_start_rc("\"string\"", "\"jarva\"", UUID_A, PSEUDO, 2012, 0, "\"1234567\"", 0, &err),
        HUB_EAVRO_VALUE);
    assert_non_null(strstr(err.msg, "school_unit"));
    assert_int_equal(school_start_rc("\"string\"", "\"jarva\"", UUID_A, PSEUDO, 2012, 0,
                                     "\"1234567x\"", 0, &err),
                     HUB_EAVRO_VALUE);
    assert_int_equal(school_start_rc("\"string\"", "\"Järva\"", UUID_A, PSEUDO, 2012, 0,
                                     "\"12345678\"", 0, &err),
                     HUB_EAVRO_VALUE);
    assert_int_equal(
        school_start_rc("\"string\"", "\"\"", UUID_A, PSEUDO, 2012, 0, "\"12345678\"", 0, &err),
        HUB_EAVRO_VALUE);
    assert_int_equal(school_start_rc("\"string\"",
                                     "\"a-district-code-far-too-long-for-its-buffer\"", UUID_A,
                                     PSEUDO, 2012, 0, "\"12345678\"", 0, &err),
                     HUB_EAVRO_VALUE);
    assert_non_null(strstr(err.msg, "at most 31"));
    assert_int_equal(school_start_rc("\"string\"", "\"ja\\u0000rva\"", UUID_A, PSEUDO, 2012, 0,
                                     "\"12345678\"", 0, &err),
                     HUB_EAVRO_VALUE);
    assert_int_equal(school_start_rc("\"string\"", "\"jarva\"", UUID_A, PSEUDO, 1800, 0,
                                     "\"12345678\"", 0, &err),
                     HUB_EAVRO_VALUE);
    assert_non_null(strstr(err.msg, "birth_year"));
}

static void test_decode_rejects_bad_union_index_bool_utf8_and_oversized_arrays(void **state)
{
    struct hub_error err = {0};
    struct hub_event ev;
    uint8_t *buf = NULL;
    size_t len = 0;
    (void)state;

    /* union index: the last field of a minimal placement is placement_municipality (null = 00);
     * make it 7 */
    hub_sample_event(&ev, HUB_EV_PLACEMENT, 1);
    assert_int_equal(hub_codec_encode(codec, &ev, &buf, &len, &err), 0);
    assert_int_equal(buf[len - 1], 0x00);
    buf[len - 1] = 0x0e;
    assert_int_equal(decode_rc(buf, len, &err), HUB_EAVRO_UNION);
    assert_non_null(strstr(err.msg, "placement_municipality"));
    /* school_change is the byte before it */
    buf[len - 1] = 0x00;
    buf[len - 2] = 0x02;
    assert_int_equal(decode_rc(buf, len, &err), HUB_EAVRO_VALUE);
    assert_non_null(strstr(err.msg, "school_change"));
    free(buf);

    /* invalid UTF-8 in a contact's e-mail (the last string of the record's contact) */
    hub_sample_event(&ev, HUB_EV_HANDOVER, 1);
    assert_int_equal(hub_codec_encode(codec, &ev, &buf, &len, &err), 0);
    assert_int_equal(buf[len - 1], 0x00); /* sealed_content null */
    buf[len - 2] = 0xc0;                  /* last byte of email: overlong encoding start */
    assert_int_equal(decode_rc(buf, len, &err), HUB_EAVRO_VALUE);
    assert_non_null(strstr(err.msg, "contact.email"));
    free(buf);
    hub_event_clear(&ev);

    /* 33 school units */
    {
        char json[4096];
        size_t k = 0;
        const char *contact = "{\"name\":\"A\",\"role\":\"B\",\"phone\":\"\",\"email\":\"\"}";
        k += (size_t)snprintf(json + k, sizeof json - k,
                              "{\"event_id\":" UUID_A ",\"occurred_at\":1,\"district\":\"jarva\","
                              "\"old_contact\":%s,\"new_contact\":%s,\"school_units\":[",
                              contact, contact);
        for (int i = 0; i < HUB_SCOPE_MAX + 1; i++)
            k += (size_t)snprintf(json + k, sizeof json - k, "%s\"%08d\"", i ? "," : "", i);
        snprintf(json + k, sizeof json - k, "],\"placements\":[],\"effective_date\":3}");
        {
            size_t slen;
            char *schema = read_repo_file("schemas/contact_change/v1.avsc", &slen);
            buf = craft(HUB_EV_CONTACT_CHANGE, schema, json, &len);
            free(schema);
        }
        assert_int_equal(decode_rc(buf, len, &err), HUB_EAVRO_VALUE);
        assert_non_null(strstr(err.msg, "school_units"));
        free(buf);
    }
}

static void test_decode_json_gives_the_reader_shape(void **state)
{
    struct hub_error err = {0};
    struct hub_codec_schema_info info;
    struct hub_event ev;
    uint8_t *buf = NULL;
    size_t len = 0;
    json_t *out = NULL;
    (void)state;
    hub_sample_event(&ev, HUB_EV_HANDOVER, 0);
    assert_int_equal(hub_codec_encode(codec, &ev, &buf, &len, &err), 0);
    assert_int_equal(hub_codec_decode_json(codec, buf, len, &out, &info, &err), 0);
    assert_string_equal(info.record, "handover");
    assert_int_equal(info.version, 1);
    assert_int_equal(info.type, HUB_EV_HANDOVER);
    assert_string_equal(json_string_value(json_object_get(out, "legal_ground")),
                        hub_legal_ground_name(ev.u.handover.legal_ground));
    assert_string_equal(json_string_value(json_object_get(json_object_get(out, "contact"), "name")),
                        ev.u.handover.contact.name);
    assert_int_equal(json_string_length(json_object_get(out, "sealed_content")) > 0, 1);
    json_decref(out);
    assert_int_equal(hub_codec_lookup(codec, buf, len, &info, &err), 0);
    assert_true(info.fingerprint ==
                hub_avro_schema_fingerprint(hub_codec_schema(codec, HUB_EV_HANDOVER)));
    free(buf);
    hub_event_clear(&ev);
}

/* ---- evolution through the struct path ---- */

static uint8_t *encode_with(const char *schema_rel, json_t *v, size_t *len)
{
    size_t slen;
    char *text = read_repo_file(schema_rel, &slen);
    hub_avro_schema_t *s = NULL;
    struct hub_error err = {0};
    struct hub_avro_writer w;
    uint64_t fp;
    uint8_t hdr[HUB_CODEC_HEADER_LEN] = {0xC3, 0x01};
    if (hub_avro_schema_parse(text, slen, &s, &err))
        fail_msg("%s: %s", schema_rel, err.msg);
    fp = hub_avro_schema_fingerprint(s);
    for (int i = 0; i < 8; i++)
        hdr[2 + i] = (uint8_t)(fp >> (8 * i));
    hub_avro_writer_init_heap(&w, 0);
    hub_avro_write_raw(&w, hdr, sizeof hdr);
    if (hub_avro_encode_json(hub_avro_schema_root(s), v, &w, &err))
        fail_msg("%s: %s", schema_rel, err.msg);
    hub_avro_schema_destroy(s);
    free(text);
    *len = w.len;
    return w.buf;
}

static json_t *placement_json(void)
{
    json_t *v = json_loads(
        "{\"event_id\":" UUID_A ",\"occurred_at\":1767225600000,\"district\":\"jarva\","
        "\"child\":" PSEUDO ",\"birth_year\":2013,\"legal_sex\":\"male\",\"placement_id\":"
        "\"1b7e4c52-3a8f-4d4e-9c1a-2f3b4c5d6e7f\",\"action\":\"changed\",\"legal_basis\":\"LVU\","
        "\"placement_form\":\"sis\",\"start_date\":20454,\"end_date\":20500,"
        "\"school_change\":false,\"placement_municipality\":\"0184\"}",
        0, NULL);
    assert_non_null(v);
    return v;
}

static void assert_placement_core(const struct hub_event *ev)
{
    assert_int_equal(ev->type, HUB_EV_PLACEMENT);
    assert_string_equal(ev->common.event_id, "0b7e4c52-3a8f-4d4e-9c1a-2f3b4c5d6e7f");
    assert_int_equal(ev->common.occurred_at, 1767225600000LL);
    assert_int_equal(ev->common.birth_year, 2013);
    assert_int_equal(ev->common.legal_sex, HUB_SEX_MALE);
    assert_int_equal(ev->u.placement.action, HUB_ACTION_CHANGED);
    assert_int_equal(ev->u.placement.legal_basis, HUB_BASIS_LVU);
    assert_int_equal(ev->u.placement.placement_form, HUB_FORM_SIS);
    assert_int_equal(ev->u.placement.start_date, 20454);
}

/* v1 code (this build) reads bytes of a newer v2 writer: added fields skipped. */
static void test_v1_code_decodes_v2_bytes_skipping_added_fields(void **state)
{
    size_t slen, len;
    char *v2 = read_repo_file("tests/unit/data/evolution/placement_v2.avsc", &slen);
    struct hub_error err = {0};
    struct hub_event ev;
    json_t *v = placement_json();
    uint8_t *buf;
    (void)state;
    json_object_set_new(v, "care_days", json_integer(12));
    json_object_set_new(v, "interpreter_needed", json_true());
    buf = encode_with("tests/unit/data/evolution/placement_v2.avsc", v, &len);
    /* unknown until the codec learns v2 */
    assert_int_equal(decode_rc(buf, len, &err), HUB_EAVRO_FINGERPRINT);
    if (hub_codec_add_writer_schema(codec, v2, slen, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(hub_codec_add_writer_schema(codec, v2, slen, &err), 0); /* idempotent */
    if (hub_codec_decode(codec, buf, len, &ev, &err))
        fail_msg("%s", err.msg);
    assert_placement_core(&ev);
    assert_true(ev.u.placement.has_end_date);
    assert_int_equal(ev.u.placement.end_date, 20500);
    assert_false(ev.u.placement.school_change);
    assert_string_equal(ev.u.placement.placement_municipality, "0184");
    hub_event_clear(&ev);
    free(buf);
    /* a symbol v2 appended is unknown here */
    json_object_set_new(v, "placement_form", json_string("kontaktfamilj"));
    buf = encode_with("tests/unit/data/evolution/placement_v2.avsc", v, &len);
    assert_int_equal(decode_rc(buf, len, &err), HUB_EAVRO_ENUM);
    assert_non_null(strstr(err.msg, "kontaktfamilj"));
    free(buf);
    json_decref(v);
    free(v2);
}

/* Bytes of an older writer (v0: no end_date, no placement_municipality) decode into today's
 * struct with the reader's defaults. */
static void test_old_writer_bytes_get_the_readers_defaults(void **state)
{
    size_t slen, len;
    char *v0 = read_repo_file("tests/unit/data/evolution/placement_v0.avsc", &slen);
    char *dflt_text;
    size_t dlen;
    struct hub_error err = {0};
    struct hub_event ev;
    json_t *v = placement_json();
    uint8_t *buf;
    hub_codec_t *c2 = NULL;
    struct hub_schema_text texts[2];
    (void)state;
    json_object_del(v, "end_date");
    json_object_del(v, "placement_municipality");
    buf = encode_with("tests/unit/data/evolution/placement_v0.avsc", v, &len);

    /* today's v1: null defaults */
    if (hub_codec_add_writer_schema(codec, v0, slen, &err))
        fail_msg("%s", err.msg);
    if (hub_codec_decode(codec, buf, len, &ev, &err))
        fail_msg("%s", err.msg);
    assert_placement_core(&ev);
    assert_false(ev.u.placement.has_end_date);
    assert_false(ev.u.placement.has_placement_municipality);
    hub_event_clear(&ev);

    /* a reader with non-null defaults: they reach the struct */
    dflt_text = read_repo_file("tests/unit/data/evolution/placement_defaults.avsc", &dlen);
    texts[0] = (struct hub_schema_text){"placement", 1, "placement_v0.avsc", v0, slen};
    texts[1] = (struct hub_schema_text){"placement", 2, "placement_defaults.avsc", dflt_text, dlen};
    if (hub_codec_new_from(texts, 2, &c2, &err))
        fail_msg("%s", err.msg);
    if (hub_codec_decode(c2, buf, len, &ev, &err))
        fail_msg("%s", err.msg);
    assert_placement_core(&ev);
    assert_false(ev.u.placement.has_end_date);
    assert_true(ev.u.placement.has_placement_municipality);
    assert_string_equal(ev.u.placement.placement_municipality, "0180");
    assert_false(ev.u.placement.school_change); /* present in v0: not defaulted */
    hub_event_clear(&ev);
    /* and that codec encodes with the newest version, which it also reads */
    hub_sample_event(&ev, HUB_EV_PLACEMENT, 0);
    {
        uint8_t *b2 = NULL;
        size_t l2 = 0;
        struct hub_event back;
        assert_int_equal(hub_codec_encode(c2, &ev, &b2, &l2, &err), 0);
        assert_int_equal(hub_codec_decode(c2, b2, l2, &back, &err), 0);
        assert_events_equal(&ev, &back);
        /* the default codec does not know that schema */
        assert_int_equal(decode_rc(b2, l2, &err), HUB_EAVRO_FINGERPRINT);
        free(b2);
    }
    hub_codec_destroy(c2);
    free(dflt_text);
    free(buf);
    json_decref(v);
    free(v0);
}

static void test_codec_refuses_incompatible_or_unbound_schemas(void **state)
{
    static const char *const bad[] = {
        "tests/unit/data/evolution/placement_bad_nodefault.avsc",
        "tests/unit/data/evolution/placement_bad_type.avsc",
        "tests/unit/data/evolution/placement_bad_enum_removed.avsc",
    };
    struct hub_error err = {0};
    size_t len;
    char *v1 = read_repo_file("schemas/placement/v1.avsc", &len);
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t blen;
        char *text = read_repo_file(bad[i], &blen);
        hub_codec_t *c2 = NULL;
        struct hub_schema_text texts[2] = {
            {"placement", 1, "schemas/placement/v1.avsc", v1, len},
            {"placement", 2, bad[i], text, blen},
        };
        /* as the newest version: either incompatible with v1 or not matching the C struct */
        assert_int_equal(hub_codec_new_from(texts, 2, &c2, &err), HUB_EAVRO_SCHEMA);
        assert_null(c2);
        free(text);
    }
    /* as an older version whose data v1 could not read */
    {
        size_t blen;
        char *text = read_repo_file(bad[1], &blen);
        hub_codec_t *c2 = NULL;
        struct hub_schema_text texts[2] = {
            {"placement", 1, bad[1], text, blen},
            {"placement", 2, "schemas/placement/v1.avsc", v1, len},
        };
        assert_int_equal(hub_codec_new_from(texts, 2, &c2, &err), HUB_EAVRO_SCHEMA);
        assert_non_null(strstr(err.msg, "incompatible"));
        assert_non_null(strstr(err.msg, "birth_year"));
        free(text);
    }
    free(v1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_record_round_trips_with_values_and_nulls),
        cmocka_unit_test(test_every_enum_symbol_round_trips),
        cmocka_unit_test(test_edge_values_round_trip),
        cmocka_unit_test(test_encode_into_a_short_buffer_is_erange),
        cmocka_unit_test(test_encode_refuses_values_outside_the_domain),
        cmocka_unit_test(test_encode_of_an_unknown_type_fails),
        cmocka_unit_test(test_decode_rejects_bad_framing),
        cmocka_unit_test(test_decode_of_every_truncation_and_trailing_bytes_fails_cleanly),
        cmocka_unit_test(test_decode_reports_each_fault_with_its_own_code),
        cmocka_unit_test(test_decode_checks_the_domain_of_values),
        cmocka_unit_test(test_decode_rejects_bad_union_index_bool_utf8_and_oversized_arrays),
        cmocka_unit_test(test_decode_json_gives_the_reader_shape),
        cmocka_unit_test(test_v1_code_decodes_v2_bytes_skipping_added_fields),
        cmocka_unit_test(test_old_writer_bytes_get_the_readers_defaults),
        cmocka_unit_test(test_codec_refuses_incompatible_or_unbound_schemas),
    };
    return cmocka_run_group_tests_name("codec", tests, setup, teardown);
}
