/*
 * report_json.c — the statistics for BI tools: one JSON document (report.h).
 *
 * Besides the rows of the CSV (period × district × form × legal basis) it carries the legal sex ×
 * age group table ("by_sex_age"), k, the threshold, the as-of date, the definitions version and
 * the districts with their validity. A value that is not shown is null, and the row's "hidden"
 * object says why: "<k" (a count from 1 to k-1), "x" (hidden to protect another cell) or
 * "base<k" (days figures over fewer than k school starts). No school start at all: null, no
 * reason.
 */
#include "hub/stats/report.h"

#include <jansson.h>
#include <string.h>

#include "hub/core/date.h"

static int set(json_t *obj, const char *key, json_t *v)
{
    return v ? json_object_set_new(obj, key, v) : -1;
}

static json_t *date_json(int32_t day)
{
    char buf[HUB_DATE_ISO_LEN];
    if (day == INT32_MAX || hub_date_format(day, buf) != 0)
        return json_null();
    return json_string(buf);
}

/* Adds the measures of cell c to row (and the reasons for hidden ones to row.hidden). */
static int add_measures(json_t *row, const struct hub_stats_cell *c, int64_t k)
{
    static const enum hub_stats_count order[] = {
        HUB_STATS_PLACEMENTS,     HUB_STATS_CHILDREN,       HUB_STATS_WITH_SCHOOL_CHANGE,
        HUB_STATS_SCHOOL_STARTED, HUB_STATS_OVER_THRESHOLD, HUB_STATS_NOT_STARTED};
    json_t *hidden = json_object();
    char why[HUB_REPORT_TEXT_MAX];
    int rc = hidden ? 0 : -1;

    for (size_t i = 0; i < sizeof order / sizeof order[0] && rc == 0; i++) {
        enum hub_stats_count which = order[i];
        const char *name = hub_stats_count_name(which);
        if (c->mark[which] == HUB_STATS_SHOWN) {
            rc = set(row, name, json_integer(c->count[which]));
            continue;
        }
        hub_report_count_text(c, which, k, why);
        if (c->mark[which] == HUB_STATS_NOT_PUBLISHED)
            snprintf(why, sizeof why, "not published");
        rc = set(row, name, json_null());
        if (rc == 0)
            rc = set(hidden, name, json_string(why));
    }
    if (rc == 0 && c->days_mark == HUB_STATS_SHOWN) {
        rc = set(row, "days_median", json_real((double)c->days_median_x10 / 10.0));
        if (rc == 0)
            rc = set(row, "days_p90", json_integer(c->days_p90));
        if (rc == 0)
            rc = set(row, "days_max", json_integer(c->days_max));
    } else if (rc == 0) {
        rc = set(row, "days_median", json_null());
        if (rc == 0)
            rc = set(row, "days_p90", json_null());
        if (rc == 0)
            rc = set(row, "days_max", json_null());
        if (rc == 0 &&
            (c->days_mark == HUB_STATS_DAYS_WITHHELD || c->days_mark == HUB_STATS_NOT_PUBLISHED)) {
            /* one reason whatever the cause, like the counts' one symbol */
            snprintf(why, sizeof why, "%s",
                     c->days_mark == HUB_STATS_NOT_PUBLISHED ? "not published" : "x");
            for (size_t i = 0; i < 3 && rc == 0; i++)
                rc = set(hidden,
                         i == 0   ? "days_median"
                         : i == 1 ? "days_p90"
                                  : "days_max",
                         json_string(why));
        }
    }
    if (rc == 0 && json_object_size(hidden) > 0)
        return set(row, "hidden", hidden);
    json_decref(hidden);
    return rc;
}

static json_t *row_head(const hub_stats_t *s, const char *label, size_t d)
{
    json_t *row = json_object();
    if (row && set(row, "period", json_string(label)) == 0 &&
        set(row, "district", json_string(hub_stats_district_code(s, d))) == 0 &&
        set(row, "district_name", json_string(hub_stats_district_name(s, d))) == 0)
        return row;
    json_decref(row);
    return NULL;
}

/* Appends the rows of both tables for every period and district in scope. */
static int add_rows(json_t *rows, json_t *by_sex_age, const hub_stats_t *s,
                    const struct hub_report_scope *scope)
{
    const struct hub_stats_options *o = hub_stats_options_of(s);
    size_t periods[HUB_STATS_PERIODS], np = hub_report_periods(scope, periods);
    char label[HUB_STATS_PERIOD_LABEL_MAX];

    for (size_t pi = 0; pi < np; pi++) {
        size_t p = periods[pi];
        hub_stats_period_label(o->year, p, label);
        for (size_t d = 0; d < hub_stats_district_count(s); d++) {
            if (!hub_report_includes(s, scope, p, d))
                continue;
            for (size_t f = 0; f < HUB_STATS_FORMS; f++) {
                for (size_t b = 0; b < HUB_STATS_BASES; b++) {
                    struct hub_stats_cell c;
                    if (!hub_stats_key_published(&(struct hub_stats_key){p, d, f, b, 0, 0}))
                        continue; /* a district's month: totals only */
                    json_t *row = row_head(s, label, d);
                    /* appended first: from then on the array owns it, also on failure */
                    if (!row || json_array_append_new(rows, row) ||
                        hub_stats_get(s, &(struct hub_stats_key){p, d, f, b, 0, 0}, &c) ||
                        set(row, "placement_form", json_string(hub_stats_form_code(f))) ||
                        set(row, "legal_basis", json_string(hub_stats_basis_code(b))) ||
                        add_measures(row, &c, o->k))
                        return -1;
                }
            }
            for (size_t x = 0; x < HUB_STATS_SEXES; x++) {
                for (size_t a = 0; a < HUB_STATS_AGES; a++) {
                    struct hub_stats_cell c;
                    if (!hub_stats_key_published(&(struct hub_stats_key){p, d, 0, 0, x, a}))
                        continue;
                    json_t *row = row_head(s, label, d);
                    if (!row || json_array_append_new(by_sex_age, row) ||
                        hub_stats_get(s, &(struct hub_stats_key){p, d, 0, 0, x, a}, &c) ||
                        set(row, "legal_sex", json_string(hub_stats_sex_code(x))) ||
                        set(row, "age_group", json_string(hub_stats_age_code(a))) ||
                        add_measures(row, &c, o->k))
                        return -1;
                }
            }
        }
    }
    return 0;
}

static json_t *districts_json(const hub_stats_t *s, const struct hub_report_scope *scope)
{
    json_t *arr = json_array();
    for (size_t d = 0; arr && d < hub_stats_district_count(s); d++) {
        const struct hub_district *ref = hub_stats_district_ref(s, d);
        bool ended, began, any = false;
        if (scope->district != SIZE_MAX && d != scope->district)
            continue;
        for (size_t p = 0; p < HUB_STATS_PERIODS; p++)
            any = any || (hub_stats_period_within(p, scope->period) &&
                          hub_stats_district_in_period(s, p, d));
        if (!any)
            continue;
        json_t *o = json_object();
        bool changed = hub_report_district_changed(s, scope, d, &ended, &began);
        if (!o || json_array_append_new(arr, o) ||
            set(o, "code", json_string(hub_stats_district_code(s, d))) ||
            set(o, "name", json_string(hub_stats_district_name(s, d))) ||
            set(o, "valid_from", ref ? date_json(ref->valid_from) : json_null()) ||
            set(o, "valid_to", ref ? date_json(ref->valid_to) : json_null()) ||
            set(o, "successor",
                ref && ref->successor[0] ? json_string(ref->successor) : json_null()) ||
            set(o, "changed_in_period", json_boolean(changed))) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

int hub_report_write_json(FILE *f, const hub_stats_t *s, const struct hub_report_scope *scope,
                          struct hub_error *err)
{
    const struct hub_stats_options *o = hub_stats_options_of(s);
    const struct hub_stats_notes *n = hub_stats_notes_of(s);
    char label[HUB_STATS_PERIOD_LABEL_MAX], generated[HUB_TIMESTAMP_LEN];
    static const char *const kinds[] = {"year", "tertial", "month"};
    size_t list[HUB_STATS_PERIODS], np = hub_report_periods(scope, list);
    json_t *doc = json_object(), *notes = json_object(), *periods = json_array();
    json_t *rows = json_array(), *sa = json_array();
    int rc = -1;

    hub_stats_period_label(o->year, scope->period, label);
    if (hub_timestamp_format_rfc3339(scope->generated_ms, generated) != 0)
        generated[0] = '\0';
    /* Metadata first; the containers are owned by doc from here on (borrowed pointers kept). */
    if (!doc || set(doc, "report", json_string("placerade-barn-skolstart")) ||
        set(doc, "definitions_version", json_string(HUB_STATS_DEFINITIONS_VERSION)) ||
        set(doc, "definitions", json_string("consumers/STATISTICS.md")) ||
        set(doc, "generated_at", json_string(generated)) ||
        set(doc, "as_of", date_json(o->as_of)) || set(doc, "period", json_string(label)) ||
        set(doc, "period_kind", json_string(kinds[hub_stats_period_kind(scope->period)])) ||
        set(doc, "district",
            json_string(scope->district == SIZE_MAX
                            ? "all"
                            : hub_stats_district_code(s, scope->district))) ||
        set(doc, "k", json_integer(o->k)) ||
        set(doc, "threshold_days", json_integer(o->threshold_days)) ||
        set(doc, "districts_as", json_string(o->current_districts ? "current" : "on_start_date"))) {
        json_decref(notes), json_decref(periods), json_decref(rows), json_decref(sa);
        goto out;
    }
    if (set(doc, "notes", notes) | set(doc, "periods", periods) |
        set(doc, "districts", districts_json(s, scope)) | set(doc, "rows", rows) |
        set(doc, "by_sex_age", sa))
        goto out;
    for (size_t i = 0; i < np; i++) {
        char pl[HUB_STATS_PERIOD_LABEL_MAX];
        int32_t first, last;
        json_t *po = json_object();
        hub_stats_period_label(o->year, list[i], pl);
        hub_stats_period_range(o->year, list[i], &first, &last);
        if (!po || json_array_append_new(periods, po) || set(po, "period", json_string(pl)) ||
            set(po, "kind", json_string(kinds[hub_stats_period_kind(list[i])])) ||
            set(po, "first_day", date_json(first)) || set(po, "last_day", date_json(last)))
            goto out;
    }
    if (set(notes, "placements_counted", json_integer((json_int_t)n->placements)) ||
        set(notes, "counted_under_successor_at_start",
            json_integer((json_int_t)n->moved_forward)) ||
        set(notes, "recorded_under_later_district", json_integer((json_int_t)n->kept_successor)) ||
        set(notes, "mapped_to_current_district", json_integer((json_int_t)n->mapped_current)))
        goto out;
    if (add_rows(rows, sa, s, scope) != 0)
        goto out;
    if (json_dumpf(doc, f, JSON_INDENT(1) | JSON_REAL_PRECISION(6)) != 0 || fputc('\n', f) == EOF)
        rc = -2;
    else
        rc = 0;
out:
    json_decref(doc);
    if (rc == -1)
        return hub_error_set(err, HUB_ENOMEM, "report: out of memory building the JSON");
    if (rc == -2)
        return hub_error_set(err, HUB_EIO, "report: writing the JSON failed");
    return 0;
}
