/*
 * stats_record.c — the monthly-stats record: built from a protected district-month as JSON,
 * encoded through the generic schema-driven writer (stats_record.h).
 */
#include "hub/stats/stats_record.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const enum hub_stats_count count_order[] = {
    HUB_STATS_PLACEMENTS,     HUB_STATS_CHILDREN,    HUB_STATS_WITH_SCHOOL_CHANGE,
    HUB_STATS_SCHOOL_STARTED, HUB_STATS_NOT_STARTED, HUB_STATS_OVER_THRESHOLD,
};
#define N_COUNTS (sizeof count_order / sizeof count_order[0])

static const char *const days_fields[] = {"days_median", "days_p90", "days_max", "days_flag"};
#define N_DAYS_FIELDS (sizeof days_fields / sizeof days_fields[0])

/* ---- building ---- */

static int set(json_t *obj, const char *key, json_t *v)
{
    return v ? json_object_set_new(obj, key, v) : -1;
}

static json_t *int_or_null(int64_t v, bool shown, bool *range_ok)
{
    if (!shown)
        return json_null();
    if (v < INT32_MIN || v > INT32_MAX) {
        *range_ok = false;
        return json_null();
    }
    return json_integer((json_int_t)v);
}

static const char *count_flag(enum hub_stats_mark m, bool *ok)
{
    switch (m) {
    case HUB_STATS_SHOWN:
        return "shown";
    case HUB_STATS_HIDDEN:
    case HUB_STATS_NOT_PUBLISHED: /* the record has no flag of its own for it */
        return "suppressed";
    default:
        *ok = false;
        return "suppressed";
    }
}

static const char *days_flag(enum hub_stats_mark m, bool *ok)
{
    switch (m) {
    case HUB_STATS_SHOWN:
        return "shown";
    case HUB_STATS_NO_DATA:
        return "no_data";
    case HUB_STATS_DAYS_WITHHELD:
    case HUB_STATS_NOT_PUBLISHED:
        return "base_below_k";
    default:
        *ok = false;
        return "base_below_k";
    }
}

/* Adds the six protected counts and the days figures of `c` to `obj`. Returns 0, -1 (memory) or
 * 1 (a value that cannot be represented). */
static int add_figures(json_t *obj, const struct hub_stats_cell *c)
{
    bool ok = true;
    for (size_t i = 0; i < N_COUNTS; i++) {
        enum hub_stats_count which = count_order[i];
        bool shown = c->mark[which] == HUB_STATS_SHOWN;
        json_t *cnt = json_object();
        if (!cnt || set(obj, hub_stats_count_name(which), cnt) ||
            set(cnt, "value", int_or_null(c->count[which], shown, &ok)) ||
            set(cnt, "flag", json_string(count_flag(c->mark[which], &ok))))
            return -1;
    }
    bool days = c->days_mark == HUB_STATS_SHOWN;
    if (set(obj, "days_median",
            days ? json_real((double)c->days_median_x10 / 10.0) : json_null()) ||
        set(obj, "days_p90", int_or_null(c->days_p90, days, &ok)) ||
        set(obj, "days_max", int_or_null(c->days_max, days, &ok)) ||
        set(obj, "days_flag", json_string(days_flag(c->days_mark, &ok))))
        return -1;
    return ok ? 0 : 1;
}

int hub_stats_record_build(const struct hub_stats_district_month *dm,
                           const struct hub_stats_record_meta *meta, json_t **out,
                           struct hub_error *err)
{
    json_t *rec = json_object(), *fb = json_array(), *sa = json_array();
    int rc = -1;

    *out = NULL;
    if (!rec || !fb || !sa) {
        json_decref(fb);
        json_decref(sa);
        goto out;
    }
    if (meta->k < INT32_MIN || meta->k > INT32_MAX || meta->threshold_days < INT32_MIN ||
        meta->threshold_days > INT32_MAX) {
        json_decref(fb);
        json_decref(sa);
        rc = 1;
        goto out;
    }
    if (set(rec, "district", json_string(dm->district)) ||
        set(rec, "district_name", json_string(dm->district_name)) ||
        set(rec, "period", json_string(dm->period)) ||
        set(rec, "as_of", json_integer(meta->as_of)) ||
        set(rec, "provisional", json_boolean(meta->provisional)) ||
        set(rec, "k", json_integer((json_int_t)meta->k)) ||
        set(rec, "threshold_days", json_integer((json_int_t)meta->threshold_days)) ||
        set(rec, "definitions_version", json_string(HUB_STATS_DEFINITIONS_VERSION))) {
        json_decref(fb);
        json_decref(sa);
        goto out;
    }
    rc = add_figures(rec, &dm->by_form_basis[HUB_STATS_ALL][HUB_STATS_ALL]);
    /* the arrays belong to rec from here on, also on failure */
    if (rc == 0 && (set(rec, "by_form_basis", fb) | set(rec, "by_sex_age", sa)))
        rc = -1;
    for (size_t f = 0; rc == 0 && f < HUB_STATS_FORMS; f++) {
        for (size_t b = 0; rc == 0 && b < HUB_STATS_BASES; b++) {
            json_t *row = json_object();
            if (!row || json_array_append_new(fb, row) ||
                set(row, "placement_form", json_string(hub_stats_form_code(f))) ||
                set(row, "legal_basis", json_string(hub_stats_basis_code(b))))
                rc = -1;
            else
                rc = add_figures(row, &dm->by_form_basis[f][b]);
        }
    }
    for (size_t x = 0; rc == 0 && x < HUB_STATS_SEXES; x++) {
        for (size_t a = 0; rc == 0 && a < HUB_STATS_AGES; a++) {
            json_t *row = json_object();
            if (!row || json_array_append_new(sa, row) ||
                set(row, "legal_sex", json_string(hub_stats_sex_code(x))) ||
                set(row, "age_group", json_string(hub_stats_age_code(a))))
                rc = -1;
            else
                rc = add_figures(row, &dm->by_sex_age[x][a]);
        }
    }
out:
    if (rc == 0) {
        *out = rec;
        return 0;
    }
    json_decref(rec);
    if (rc > 0)
        return hub_error_set(err, HUB_EINVAL,
                             "monthly stats %s|%s: a figure does not fit the record (int range) "
                             "or has an unknown mark",
                             dm->district, dm->period);
    return hub_error_set(err, HUB_ENOMEM, "out of memory building a monthly stats record");
}

/* ---- the schema ---- */

/* A district-month whose every cell is a shown zero, for checking the builder against the
 * schema. */
static void sample_month(struct hub_stats_district_month *dm)
{
    memset(dm, 0, sizeof *dm);
    snprintf(dm->period, sizeof dm->period, "2000-01");
    dm->district = "all";
    dm->district_name = "Hela staden";
}

/* Checks once that the records built here match `s` exactly. */
static int check_builder(const hub_avro_record_schema_t *s, struct hub_error *err)
{
    struct hub_stats_district_month dm;
    struct hub_stats_record_meta meta = {0, false, HUB_STATS_K_DEFAULT,
                                         HUB_STATS_THRESHOLD_DEFAULT};
    json_t *sample = NULL;
    int rc;

    sample_month(&dm);
    rc = hub_stats_record_build(&dm, &meta, &sample, err);
    if (rc == 0)
        rc = hub_avro_record_check_builder(s, sample, err);
    else
        hub_error_prefix(err, "schemas/%s/v%d.avsc: ", HUB_STATS_RECORD_NAME,
                         hub_avro_record_schema_version(s));
    json_decref(sample);
    return rc;
}

int hub_stats_record_schema_new_from(const char *json, size_t len, int version,
                                     hub_stats_record_schema_t **out, struct hub_error *err)
{
    hub_avro_record_schema_t *s = NULL;
    int rc;

    *out = NULL;
    rc = hub_avro_record_schema_new_from(HUB_STATS_RECORD_NAME, json, len, version, &s, err);
    if (rc == 0 && (rc = check_builder(s, err)) != 0)
        hub_avro_record_schema_destroy(s);
    else if (rc == 0)
        *out = s;
    return rc;
}

int hub_stats_record_schema_new(hub_stats_record_schema_t **out, struct hub_error *err)
{
    hub_avro_record_schema_t *s = NULL;
    int rc;

    *out = NULL;
    rc = hub_avro_record_schema_new(HUB_STATS_RECORD_NAME, &s, err);
    if (rc == 0 && (rc = check_builder(s, err)) != 0)
        hub_avro_record_schema_destroy(s);
    else if (rc == 0)
        *out = s;
    return rc;
}

void hub_stats_record_schema_destroy(hub_stats_record_schema_t *s)
{
    hub_avro_record_schema_destroy(s);
}

int hub_stats_record_schema_version(const hub_stats_record_schema_t *s)
{
    return hub_avro_record_schema_version(s);
}

uint64_t hub_stats_record_schema_fingerprint(const hub_stats_record_schema_t *s)
{
    return hub_avro_record_schema_fingerprint(s);
}

/* ---- encoding ---- */

int hub_stats_record_encode(const hub_stats_record_schema_t *s, const json_t *rec, uint8_t **buf,
                            size_t *len, struct hub_error *err)
{
    return hub_avro_record_encode(s, rec, buf, len, err);
}

int hub_stats_record_hash(const hub_stats_record_schema_t *s, const json_t *rec,
                          uint8_t out[HUB_STATS_HASH_LEN], struct hub_error *err)
{
    json_t *copy = json_deep_copy(rec);
    uint8_t *buf = NULL;
    size_t len = 0;
    unsigned int n = 0;
    int rc;

    if (!copy || json_object_set_new(copy, "as_of", json_integer(0)) != 0) {
        json_decref(copy);
        return hub_error_set(err, HUB_ENOMEM, "out of memory hashing a monthly stats record");
    }
    rc = hub_stats_record_encode(s, copy, &buf, &len, err);
    json_decref(copy);
    if (rc)
        return rc;
    if (EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) != 1 || n != HUB_STATS_HASH_LEN)
        rc = hub_error_set(err, HUB_ECRYPTO, "SHA-256 of a monthly stats record failed");
    free(buf);
    return rc;
}

/* ---- comparing ---- */

static bool is_shown(const json_t *cnt)
{
    const char *f = json_string_value(json_object_get(cnt, "flag"));
    return f && strcmp(f, "shown") == 0;
}

static void compare_row(const json_t *prev, const json_t *cur, struct hub_stats_record_diff *d)
{
    bool days_differ = false;
    for (size_t i = 0; i < N_COUNTS; i++) {
        const char *name = hub_stats_count_name(count_order[i]);
        const json_t *p = json_object_get(prev, name), *c = json_object_get(cur, name);
        d->cells++;
        if (!json_equal((json_t *)p, (json_t *)c))
            d->changed++;
        if (p && c && !is_shown(p) && is_shown(c))
            d->revealed++;
        if (p && c && is_shown(p) && !is_shown(c))
            d->hidden++;
    }
    for (size_t i = 0; i < N_DAYS_FIELDS; i++)
        days_differ = days_differ || !json_equal(json_object_get((json_t *)prev, days_fields[i]),
                                                 json_object_get((json_t *)cur, days_fields[i]));
    if (days_differ)
        d->days_changed++;
}

static bool same_labels(const json_t *a, const json_t *b, const char *l1, const char *l2)
{
    return json_equal(json_object_get((json_t *)a, l1), json_object_get((json_t *)b, l1)) &&
           json_equal(json_object_get((json_t *)a, l2), json_object_get((json_t *)b, l2));
}

static bool is_all_all(const json_t *row, const char *l1, const char *l2)
{
    const char *a = json_string_value(json_object_get(row, l1));
    const char *b = json_string_value(json_object_get(row, l2));
    return a && b && strcmp(a, "all") == 0 && strcmp(b, "all") == 0;
}

/* Compares one table (array of rows labelled by l1, l2); with skip_total the all/all row is left
 * out (it repeats a cell of the other table). */
static void compare_table(const json_t *prev, const json_t *cur, const char *l1, const char *l2,
                          bool skip_total, struct hub_stats_record_diff *d)
{
    size_t i, j;
    for (i = 0; i < json_array_size(cur); i++) {
        const json_t *c = json_array_get(cur, i), *p = NULL;
        if (skip_total && is_all_all(c, l1, l2))
            continue;
        for (j = 0; !p && j < json_array_size(prev); j++)
            if (same_labels(json_array_get(prev, j), c, l1, l2))
                p = json_array_get(prev, j);
        if (p) {
            compare_row(p, c, d);
        } else {
            d->cells += N_COUNTS;
            d->changed += N_COUNTS;
            d->days_changed++;
        }
    }
    for (j = 0; j < json_array_size(prev); j++) {
        const json_t *p = json_array_get(prev, j);
        bool found = false;
        if (skip_total && is_all_all(p, l1, l2))
            continue;
        for (i = 0; !found && i < json_array_size(cur); i++)
            found = same_labels(p, json_array_get(cur, i), l1, l2);
        if (!found) {
            d->cells += N_COUNTS;
            d->changed += N_COUNTS;
            d->days_changed++;
        }
    }
}

void hub_stats_record_compare(const json_t *prev, const json_t *cur,
                              struct hub_stats_record_diff *out)
{
    memset(out, 0, sizeof *out);
    compare_table(json_object_get(prev, "by_form_basis"), json_object_get(cur, "by_form_basis"),
                  "placement_form", "legal_basis", false, out);
    compare_table(json_object_get(prev, "by_sex_age"), json_object_get(cur, "by_sex_age"),
                  "legal_sex", "age_group", true, out);
}
