/*
 * report_layout.h — what the report writers (report.h) share: the scope of a report, the periods
 * and districts it shows, and how counts and medians read. Uses only the cube (hub/stats/stats.h),
 * so the writers depend on it and it on none of them.
 */
#ifndef HUB_REPORT_LAYOUT_H
#define HUB_REPORT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hub/stats/stats.h"

struct hub_report_scope {
    size_t period;        /* the cube's period (hub_stats_options.period) */
    size_t district;      /* SIZE_MAX: the city and every district; else one district index */
    int64_t generated_ms; /* when the report was made (ms since the epoch), printed in it */
    /* A month report's HTML trend also shows the same month of the year before, as that year's
     * own publication shows it: the previous year's cube (period: the year, as of its end or the
     * report's as-of date), protected and audited as one. NULL: not shown. Borrowed. */
    const hub_stats_t *last_year;
};

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

/* The HTML reports' style sheet (self-contained, prints on A4) and text escaping (&, <, >, "),
 * shared by every HTML writer so that the pages look alike. */
extern const char hub_report_html_style[];
void hub_report_html_escape(FILE *f, const char *s);

#endif
