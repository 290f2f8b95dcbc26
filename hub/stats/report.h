/*
 * report.h — the monthly statistics as files: CSV for Excel, JSON for BI, HTML for the committee.
 *
 * Three writers over one protected cube (hub/stats.h): report.c (shared helpers and CSV),
 * report_json.c, report_html.c. They print only what hub_stats_get() returns, so a suppressed
 * value cannot leak through a writer; no writer sees a pseudonym or a single placement.
 *
 * A report shows one period of the cube's year and what it is made of: a month; a tertial with
 * its four months; a year with its months and tertials. Every district that belongs in a period
 * (hub_stats_district_in_period) gets rows, and the city (district "all") too, unless the scope
 * names one district.
 */
#ifndef HUB_REPORT_H
#define HUB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hub/core/err.h"
#include "hub/stats/stats.h"

enum hub_report_format { HUB_REPORT_CSV, HUB_REPORT_JSON, HUB_REPORT_HTML };

struct hub_report_scope {
    size_t period;        /* the cube's period (hub_stats_options.period) */
    size_t district;      /* SIZE_MAX: the city and every district; else one district index */
    int64_t generated_ms; /* when the report was made (ms since the epoch), printed in it */
};

/* Parses "csv", "json" or "html"; HUB_EINVAL otherwise. */
int hub_report_format_parse(const char *text, enum hub_report_format *out) HUB_MUST_CHECK;

/* Writes the report in `format` to `f`. HUB_EINVAL for a scope whose period is not the cube's
 * or an unknown district, HUB_EIO when writing fails, HUB_ENOMEM. Nothing is flushed or closed. */
int hub_report_write(FILE *f, enum hub_report_format format, const hub_stats_t *s,
                     const struct hub_report_scope *scope, struct hub_error *err) HUB_MUST_CHECK;

int hub_report_write_csv(FILE *f, const hub_stats_t *s, const struct hub_report_scope *scope,
                         struct hub_error *err) HUB_MUST_CHECK;
int hub_report_write_json(FILE *f, const hub_stats_t *s, const struct hub_report_scope *scope,
                          struct hub_error *err) HUB_MUST_CHECK;
int hub_report_write_html(FILE *f, const hub_stats_t *s, const struct hub_report_scope *scope,
                          struct hub_error *err) HUB_MUST_CHECK;

/* ---- helpers shared by the writers ---- */

#define HUB_REPORT_TEXT_MAX 24

/* The periods a scope shows, in reading order (each tertial after its months, the year last);
 * returns how many (1, 5 or 16). */
size_t hub_report_periods(const struct hub_report_scope *scope, size_t out[HUB_STATS_PERIODS]);

/* Whether district d has rows for period p in this scope. */
bool hub_report_includes(const hub_stats_t *s, const struct hub_report_scope *scope, size_t p,
                         size_t d);

/* A count as printed: the number, "<k" or "x". */
void hub_report_count_text(const struct hub_stats_cell *c, enum hub_stats_count which, int64_t k,
                           char buf[HUB_REPORT_TEXT_MAX]);

/* The median with one decimal ("4.5"), using `point` as the decimal separator. */
void hub_report_median_text(int64_t median_x10, char point, char buf[HUB_REPORT_TEXT_MAX]);

/* A district of the cube whose validity begins or ends inside the scope's period (a merger the
 * report must mention): fills *ended (valid_to inside) or *began and returns true. Always false
 * with current districts. */
bool hub_report_district_changed(const hub_stats_t *s, const struct hub_report_scope *scope,
                                 size_t d, bool *ended, bool *began);

#endif
