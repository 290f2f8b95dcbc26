/*
 * report.c — the report entry point (format, scope check, dispatch) and the CSV writer.
 *
 * CSV for Excel: UTF-8 with a byte-order mark (without it Excel reads Å, Ä, Ö as two characters
 * each), comma separated with a decimal point, or (csv-sv, for a Swedish Excel) semicolon
 * separated with a decimal comma; CRLF line ends (RFC 4180), one header row, then one row per
 * period × district × placement form × legal basis, "all" rows for every total and district
 * "all" for the city (a district's month: its total only). Hidden counts read "x"; counts not
 * published at a level and days figures not shown are empty.
 */
#include "hub/stats/report.h"
#include "hub/core/csv.h"

#include <inttypes.h>
#include <string.h>

int hub_report_format_parse(const char *text, enum hub_report_format *out)
{
    if (strcmp(text, "csv") == 0)
        *out = HUB_REPORT_CSV;
    else if (strcmp(text, "csv-sv") == 0)
        *out = HUB_REPORT_CSV_SV;
    else if (strcmp(text, "json") == 0)
        *out = HUB_REPORT_JSON;
    else if (strcmp(text, "html") == 0)
        *out = HUB_REPORT_HTML;
    else
        return HUB_EINVAL;
    return 0;
}

int hub_report_write(FILE *f, enum hub_report_format format, const hub_stats_t *s,
                     const struct hub_report_scope *scope, struct hub_error *err)
{
    if (scope->period != hub_stats_options_of(s)->period ||
        (scope->district != SIZE_MAX && scope->district >= hub_stats_district_count(s)))
        return hub_error_set(err, HUB_EINVAL, "report: the scope is not the cube's period");
    switch (format) {
    case HUB_REPORT_CSV:
    case HUB_REPORT_CSV_SV:
        return hub_report_write_csv(f, s, scope, format == HUB_REPORT_CSV_SV, err);
    case HUB_REPORT_JSON:
        return hub_report_write_json(f, s, scope, err);
    case HUB_REPORT_HTML:
        return hub_report_write_html(f, s, scope, err);
    }
    return hub_error_set(err, HUB_EINVAL, "report: unknown format");
}

/* ---- CSV ---- */

static const char *const csv_header[] = {
    "period",         "district",           "district_name",   "placement_form",
    "legal_basis",    "placements_started", "children_placed", "with_school_change",
    "school_started", "days_median",        "days_p90",        "days_max",
    "over_threshold", "not_started"};
#define CSV_COLUMNS (sizeof csv_header / sizeof csv_header[0])

int hub_report_write_csv(FILE *f, const hub_stats_t *s, const struct hub_report_scope *scope,
                         bool swedish, struct hub_error *err)
{
    const char *sep = swedish ? ";" : ",";
    char point = swedish ? ',' : '.';
    const struct hub_stats_options *o = hub_stats_options_of(s);
    size_t periods[HUB_STATS_PERIODS], np = hub_report_periods(scope, periods);
    static const enum hub_stats_count before_days[] = {HUB_STATS_PLACEMENTS, HUB_STATS_CHILDREN,
                                                       HUB_STATS_WITH_SCHOOL_CHANGE,
                                                       HUB_STATS_SCHOOL_STARTED};
    char label[HUB_STATS_PERIOD_LABEL_MAX], t[HUB_REPORT_TEXT_MAX];

    fputs("\xEF\xBB\xBF", f);
    for (size_t i = 0; i < CSV_COLUMNS; i++)
        hub_csv_write_field(f, csv_header[i], i + 1 == CSV_COLUMNS ? "\r\n" : sep);
    for (size_t pi = 0; pi < np; pi++) {
        size_t p = periods[pi];
        hub_stats_period_label(o->year, p, label);
        for (size_t d = 0; d < hub_stats_district_count(s); d++) {
            if (!hub_report_includes(s, scope, p, d))
                continue;
            for (size_t fm = 0; fm < HUB_STATS_FORMS; fm++) {
                for (size_t b = 0; b < HUB_STATS_BASES; b++) {
                    struct hub_stats_cell c;
                    struct hub_stats_key key = {p, d, fm, b, 0, 0};
                    if (!hub_stats_key_published(&key))
                        continue; /* a district's month: totals only */
                    if (hub_stats_get(s, &key, &c) != 0)
                        return hub_error_set(err, HUB_EINTERNAL, "report: no cell");
                    hub_csv_write_field(f, label, sep);
                    hub_csv_write_field(f, hub_stats_district_code(s, d), sep);
                    hub_csv_write_field(f, hub_stats_district_name(s, d), sep);
                    hub_csv_write_field(f, hub_stats_form_code(fm), sep);
                    hub_csv_write_field(f, hub_stats_basis_code(b), sep);
                    for (size_t i = 0; i < sizeof before_days / sizeof before_days[0]; i++) {
                        hub_report_count_text(&c, before_days[i], o->k, t);
                        hub_csv_write_field(f, t, sep);
                    }
                    bool days = c.days_mark == HUB_STATS_SHOWN;
                    hub_report_median_text(c.days_median_x10, point, t);
                    hub_csv_write_field(f, days ? t : "", sep);
                    snprintf(t, sizeof t, "%" PRId64, c.days_p90);
                    hub_csv_write_field(f, days ? t : "", sep);
                    snprintf(t, sizeof t, "%" PRId64, c.days_max);
                    hub_csv_write_field(f, days ? t : "", sep);
                    hub_report_count_text(&c, HUB_STATS_OVER_THRESHOLD, o->k, t);
                    hub_csv_write_field(f, t, sep);
                    hub_report_count_text(&c, HUB_STATS_NOT_STARTED, o->k, t);
                    hub_csv_write_field(f, t, "\r\n");
                }
            }
        }
    }
    if (ferror(f))
        return hub_error_set(err, HUB_EIO, "report: writing the CSV failed");
    return 0;
}
