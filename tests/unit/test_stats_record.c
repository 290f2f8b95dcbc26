/* test_stats_record.c — the monthly-stats record (hub/stats/stats_record.h): protected cells become
 * values and flags, the bytes are single-object Avro that the generic decoder reads back exactly,
 * the content hash ignores only the as-of date, the builder and the schema must agree, and the
 * closing calendar of hub-stats (hub/stats/stats_publish.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hub/avro/codec.h"
#include "hub/core/date.h"
#include "hub/stats/stats_publish.h"
#include "hub/stats/stats_record.h"

static hub_stats_record_schema_t *schema;

static int setup(void **state)
{
    struct hub_error err = {0};
    (void)state;
    if (hub_stats_record_schema_new(&schema, &err)) {
        fprintf(stderr, "hub_stats_record_schema_new: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hub_stats_record_schema_destroy(schema);
    return 0;
}

static void shown(struct hub_stats_cell *c, int64_t v)
{
    for (size_t i = 0; i < HUB_STATS__COUNTS; i++) {
        c->count[i] = v + (int64_t)i;
        c->mark[i] = HUB_STATS_SHOWN;
    }
    c->days_mark = HUB_STATS_SHOWN;
    c->days_median_x10 = 45;
    c->days_p90 = 12;
    c->days_max = 30;
}

/* A district-month with every kind of mark somewhere. */
static void sample(struct hub_stats_district_month *dm)
{
    memset(dm, 0, sizeof *dm);
    snprintf(dm->period, sizeof dm->period, "2026-03");
    dm->district = "farsta";
    dm->district_name = "Farsta";
    for (size_t f = 0; f < HUB_STATS_FORMS; f++)
        for (size_t b = 0; b < HUB_STATS_BASES; b++)
            shown(&dm->by_form_basis[f][b], (int64_t)(10 * f + b));
    for (size_t x = 0; x < HUB_STATS_SEXES; x++)
        for (size_t a = 0; a < HUB_STATS_AGES; a++)
            shown(&dm->by_sex_age[x][a], (int64_t)(7 * x + a));
    struct hub_stats_cell *c = &dm->by_form_basis[HUB_STATS_ALL][HUB_STATS_ALL];
    c->mark[HUB_STATS_CHILDREN] = HUB_STATS_HIDDEN;
    c->count[HUB_STATS_CHILDREN] = 0;
    c->mark[HUB_STATS_OVER_THRESHOLD] = HUB_STATS_HIDDEN;
    c->count[HUB_STATS_OVER_THRESHOLD] = 0;
    c = &dm->by_form_basis[1][2];
    c->days_mark = HUB_STATS_DAYS_WITHHELD;
    c->days_median_x10 = c->days_p90 = c->days_max = 0;
    c = &dm->by_sex_age[2][5];
    c->days_mark = HUB_STATS_NO_DATA;
    c->days_median_x10 = c->days_p90 = c->days_max = 0;
    c->count[HUB_STATS_PLACEMENTS] = 0;
}

static const struct hub_stats_record_meta meta = {20545, false, 5, 14}; /* as of 2026-04-02 */

static json_t *build(const struct hub_stats_district_month *dm,
                     const struct hub_stats_record_meta *m)
{
    struct hub_error err = {0};
    json_t *rec = NULL;
    if (hub_stats_record_build(dm, m, &rec, &err))
        fail_msg("build: %s", err.msg);
    return rec;
}

static void assert_count(const json_t *row, const char *name, json_int_t value, const char *flag)
{
    const json_t *c = json_object_get(row, name);
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "flag")), flag);
    if (strcmp(flag, "shown") == 0)
        assert_int_equal(json_integer_value(json_object_get(c, "value")), value);
    else
        assert_true(json_is_null(json_object_get(c, "value")));
}

static void test_marks_become_values_and_flags(void **state)
{
    struct hub_stats_district_month dm;
    (void)state;
    sample(&dm);
    json_t *rec = build(&dm, &meta);
    assert_string_equal(json_string_value(json_object_get(rec, "district")), "farsta");
    assert_string_equal(json_string_value(json_object_get(rec, "period")), "2026-03");
    assert_int_equal(json_integer_value(json_object_get(rec, "as_of")), 20545);
    assert_true(json_is_false(json_object_get(rec, "provisional")));
    assert_int_equal(json_integer_value(json_object_get(rec, "k")), 5);
    assert_string_equal(json_string_value(json_object_get(rec, "definitions_version")),
                        HUB_STATS_DEFINITIONS_VERSION);
    /* the record's own figures are the all/all cell */
    assert_count(rec, "placements_started", 0, "shown");
    assert_count(rec, "children_placed", 0, "suppressed");
    assert_count(rec, "over_threshold", 0, "suppressed");
    assert_count(rec, "not_started", 5, "shown");
    assert_true(json_real_value(json_object_get(rec, "days_median")) == 4.5);
    assert_int_equal(json_integer_value(json_object_get(rec, "days_p90")), 12);
    assert_string_equal(json_string_value(json_object_get(rec, "days_flag")), "shown");
    /* both tables, every row in report order */
    json_t *fb = json_object_get(rec, "by_form_basis"), *sa = json_object_get(rec, "by_sex_age");
    assert_int_equal(json_array_size(fb), HUB_STATS_FORMS * HUB_STATS_BASES);
    assert_int_equal(json_array_size(sa), HUB_STATS_SEXES * HUB_STATS_AGES);
    json_t *row = json_array_get(fb, 1 * HUB_STATS_BASES + 2);
    assert_string_equal(json_string_value(json_object_get(row, "placement_form")), "jourhem");
    assert_string_equal(json_string_value(json_object_get(row, "legal_basis")), "LVU");
    assert_count(row, "placements_started", 12, "shown");
    assert_string_equal(json_string_value(json_object_get(row, "days_flag")), "base_below_k");
    assert_true(json_is_null(json_object_get(row, "days_median")));
    assert_true(json_is_null(json_object_get(row, "days_max")));
    row = json_array_get(sa, 2 * HUB_STATS_AGES + 5);
    assert_string_equal(json_string_value(json_object_get(row, "legal_sex")), "male");
    assert_string_equal(json_string_value(json_object_get(row, "age_group")), "18+");
    assert_string_equal(json_string_value(json_object_get(row, "days_flag")), "no_data");
    assert_true(json_is_null(json_object_get(row, "days_p90")));
    json_decref(rec);
}

static void test_bytes_round_trip_through_the_generic_decoder(void **state)
{
    struct hub_stats_district_month dm;
    struct hub_error err = {0};
    struct hub_codec_schema_info info;
    hub_codec_t *codec = NULL;
    json_t *decoded = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    (void)state;
    sample(&dm);
    json_t *rec = build(&dm, &meta);
    if (hub_stats_record_encode(schema, rec, &buf, &len, &err))
        fail_msg("encode: %s", err.msg);
    assert_true(len > HUB_CODEC_HEADER_LEN);
    assert_int_equal(buf[0], 0xC3);
    assert_int_equal(buf[1], 0x01);
    uint64_t fp = 0;
    for (int i = 0; i < 8; i++)
        fp |= (uint64_t)buf[2 + i] << (8 * i);
    assert_true(fp == hub_stats_record_schema_fingerprint(schema));

    if (hub_codec_new(&codec, &err))
        fail_msg("codec: %s", err.msg);
    if (hub_codec_decode_json(codec, buf, len, &decoded, &info, &err))
        fail_msg("decode: %s", err.msg);
    assert_string_equal(info.record, HUB_STATS_RECORD_NAME);
    assert_int_equal(info.version, hub_stats_record_schema_version(schema));
    assert_int_equal(info.type, -1);
    assert_true(info.fingerprint == fp);
    if (!json_equal(decoded, rec)) {
        char *a = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
        char *b = json_dumps(decoded, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("decoded record differs:\n built:   %.600s\n decoded: %.600s", a, b);
    }
    /* every truncation fails cleanly */
    for (size_t n = 0; n < len; n++) {
        json_t *j = NULL;
        assert_true(hub_codec_decode_json(codec, buf, n, &j, NULL, &err) < 0);
        assert_null(j);
    }
    json_decref(decoded);
    hub_codec_destroy(codec);
    free(buf);
    json_decref(rec);
}

static void hash_of(const json_t *rec, uint8_t out[HUB_STATS_HASH_LEN])
{
    struct hub_error err = {0};
    if (hub_stats_record_hash(schema, rec, out, &err))
        fail_msg("hash: %s", err.msg);
}

static void test_content_hash_ignores_the_as_of_date_only(void **state)
{
    struct hub_stats_district_month dm;
    struct hub_stats_record_meta m = meta;
    uint8_t h0[HUB_STATS_HASH_LEN], h[HUB_STATS_HASH_LEN];
    (void)state;
    sample(&dm);
    json_t *rec = build(&dm, &m);
    hash_of(rec, h0);
    json_decref(rec);

    m.as_of += 40; /* another day, same figures */
    rec = build(&dm, &m);
    hash_of(rec, h);
    assert_memory_equal(h, h0, sizeof h);
    assert_int_equal(json_integer_value(json_object_get(rec, "as_of")), meta.as_of + 40);
    json_decref(rec);

    m = meta;
    m.provisional = true;
    rec = build(&dm, &m);
    hash_of(rec, h);
    assert_memory_not_equal(h, h0, sizeof h);
    json_decref(rec);

    /* a count, a flag (same value 0), a days figure */
    struct hub_stats_district_month d2 = dm;
    d2.by_sex_age[1][3].count[HUB_STATS_SCHOOL_STARTED]++;
    rec = build(&d2, &meta);
    hash_of(rec, h);
    assert_memory_not_equal(h, h0, sizeof h);
    json_decref(rec);
    d2 = dm;
    d2.by_form_basis[2][0].mark[HUB_STATS_PLACEMENTS] = HUB_STATS_HIDDEN;
    d2.by_form_basis[2][0].count[HUB_STATS_PLACEMENTS] = 0;
    struct hub_stats_district_month d3 = d2;
    d3.by_form_basis[2][0].mark[HUB_STATS_PLACEMENTS] = HUB_STATS_SHOWN; /* shown 0 */
    uint8_t h2[HUB_STATS_HASH_LEN];
    rec = build(&d2, &meta);
    hash_of(rec, h);
    json_decref(rec);
    rec = build(&d3, &meta);
    hash_of(rec, h2);
    json_decref(rec);
    assert_memory_not_equal(h, h2, sizeof h);
    d2 = dm;
    d2.by_form_basis[0][1].days_p90++;
    rec = build(&d2, &meta);
    hash_of(rec, h);
    assert_memory_not_equal(h, h0, sizeof h);
    json_decref(rec);
}

static void test_values_outside_int_range_are_refused(void **state)
{
    struct hub_stats_district_month dm;
    struct hub_error err = {0};
    json_t *rec = NULL;
    (void)state;
    sample(&dm);
    dm.by_sex_age[0][1].count[HUB_STATS_PLACEMENTS] = (int64_t)INT32_MAX + 1;
    assert_int_equal(hub_stats_record_build(&dm, &meta, &rec, &err), HUB_EINVAL);
    assert_null(rec);
    assert_non_null(strstr(err.msg, "farsta|2026-03"));
    sample(&dm);
    dm.by_sex_age[0][1].mark[HUB_STATS_PLACEMENTS] = HUB_STATS_NO_DATA; /* not a count mark */
    assert_int_equal(hub_stats_record_build(&dm, &meta, &rec, &err), HUB_EINVAL);
    assert_null(rec);
}

static void test_a_schema_the_builder_does_not_match_is_refused(void **state)
{
    static const char missing[] =
        "{\"type\":\"record\",\"name\":\"MonthlyStats\",\"namespace\":\"se.stockholm.sams\","
        "\"fields\":[{\"name\":\"district\",\"type\":\"string\"}]}";
    hub_stats_record_schema_t *s = NULL;
    struct hub_error err = {0};
    const struct hub_schema_text *v1 = NULL;
    (void)state;
    assert_int_equal(hub_stats_record_schema_new_from(missing, strlen(missing), 9, &s, &err),
                     HUB_EAVRO_SCHEMA);
    assert_null(s);
    assert_non_null(strstr(err.msg, "v9.avsc"));
    assert_non_null(strstr(err.msg, "district_name: written by the builder, not in the schema"));

    /* the real schema plus one field the builder does not write */
    for (size_t i = 0; i < hub_schema_texts_count; i++)
        if (strcmp(hub_schema_texts[i].record, HUB_STATS_RECORD_NAME) == 0 &&
            hub_schema_texts[i].version == 1)
            v1 = &hub_schema_texts[i];
    assert_non_null(v1);
    const char *at = strstr(v1->json, "\"fields\": [");
    assert_non_null(at);
    size_t head = (size_t)(at - v1->json) + strlen("\"fields\": [");
    static const char extra[] = "{\"name\": \"extra\", \"type\": \"int\", \"doc\": \"x\"},";
    char *text = malloc(v1->len + sizeof extra);
    assert_non_null(text);
    memcpy(text, v1->json, head);
    memcpy(text + head, extra, sizeof extra - 1);
    memcpy(text + head + sizeof extra - 1, v1->json + head, v1->len - head);
    assert_int_equal(
        hub_stats_record_schema_new_from(text, v1->len + sizeof extra - 1, 2, &s, &err),
        HUB_EAVRO_SCHEMA);
    assert_non_null(
        strstr(err.msg, "extra: a field of the schema that the builder does not write"));
    free(text);
    /* and the real one is accepted */
    assert_int_equal(hub_stats_record_schema_new_from(v1->json, v1->len, 1, &s, &err), 0);
    hub_stats_record_schema_destroy(s);
}

static void test_compare_counts_changed_revealed_and_hidden_cells(void **state)
{
    struct hub_stats_district_month dm, d2;
    struct hub_stats_record_diff d;
    (void)state;
    sample(&dm);
    json_t *a = build(&dm, &meta);
    hub_stats_record_compare(a, a, &d);
    assert_int_equal(
        d.cells, 6 * (HUB_STATS_FORMS * HUB_STATS_BASES + HUB_STATS_SEXES * HUB_STATS_AGES - 1));
    assert_int_equal(d.changed + d.revealed + d.hidden + d.days_changed, 0);

    d2 = dm;
    /* all/all children: <k → 3 shown */
    d2.by_form_basis[0][0].mark[HUB_STATS_CHILDREN] = HUB_STATS_SHOWN;
    d2.by_form_basis[0][0].count[HUB_STATS_CHILDREN] = 3;
    /* one shown cell hidden, one changed value, one days figure */
    d2.by_form_basis[3][1].mark[HUB_STATS_NOT_STARTED] = HUB_STATS_HIDDEN;
    d2.by_form_basis[3][1].count[HUB_STATS_NOT_STARTED] = 0;
    d2.by_sex_age[1][1].count[HUB_STATS_PLACEMENTS] += 2;
    d2.by_sex_age[1][2].days_max += 1;
    json_t *b = build(&d2, &meta);
    hub_stats_record_compare(a, b, &d);
    assert_int_equal(d.changed, 3);
    assert_int_equal(d.revealed, 1);
    assert_int_equal(d.hidden, 1);
    assert_int_equal(d.days_changed, 1);
    json_decref(a);
    json_decref(b);
}

static int32_t day(const char *iso)
{
    struct hub_date d;
    struct hub_error err = {0};
    if (hub_date_parse_iso(iso, &d, &err))
        fail_msg("%s", err.msg);
    return hub_date_to_days(&d);
}

static void assert_last_closed(const char *today, long after, int year, int month)
{
    int y = 0, m = 0;
    hub_stats_last_closed_month(day(today), after, &y, &m);
    if (y != year || m != month)
        fail_msg("on %s with %ld days: last closed %04d-%02d, expected %04d-%02d", today, after, y,
                 m, year, month);
}

static void test_a_month_closes_the_given_days_after_its_end(void **state)
{
    (void)state;
    assert_int_equal(hub_stats_month_close_day(2026, 1, 5), day("2026-02-06"));
    assert_int_equal(hub_stats_month_close_day(2026, 1, 0), day("2026-02-01"));
    assert_int_equal(hub_stats_month_close_day(2024, 2, 5), day("2024-03-06"));
    assert_int_equal(hub_stats_month_close_day(2025, 12, 5), day("2026-01-06"));
    assert_last_closed("2026-02-05", 5, 2025, 12);
    assert_last_closed("2026-02-06", 5, 2026, 1);
    assert_last_closed("2026-02-28", 5, 2026, 1);
    assert_last_closed("2026-03-05", 5, 2026, 1);
    assert_last_closed("2026-03-06", 5, 2026, 2);
    assert_last_closed("2026-01-05", 5, 2025, 11);
    assert_last_closed("2026-01-06", 5, 2025, 12);
    assert_last_closed("2026-02-01", 0, 2026, 1);
    assert_last_closed("2026-01-31", 0, 2025, 12);
    assert_last_closed("2026-04-15", 40, 2026, 2);
    /* every day of two years agrees with the close day */
    for (int32_t t = day("2025-01-01"); t < day("2027-01-01"); t++) {
        for (long after = 0; after <= 31; after += 31) {
            int y, m;
            hub_stats_last_closed_month(t, after, &y, &m);
            assert_true(hub_stats_month_close_day(y, m, after) <= t);
            int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
            assert_true(hub_stats_month_close_day(ny, nm, after) > t);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_marks_become_values_and_flags),
        cmocka_unit_test(test_bytes_round_trip_through_the_generic_decoder),
        cmocka_unit_test(test_content_hash_ignores_the_as_of_date_only),
        cmocka_unit_test(test_values_outside_int_range_are_refused),
        cmocka_unit_test(test_a_schema_the_builder_does_not_match_is_refused),
        cmocka_unit_test(test_compare_counts_changed_revealed_and_hidden_cells),
        cmocka_unit_test(test_a_month_closes_the_given_days_after_its_end),
    };
    return cmocka_run_group_tests_name("stats_record", tests, setup, teardown);
}
