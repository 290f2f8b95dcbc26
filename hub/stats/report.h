/*
 * report.h — the monthly statistics as files: CSV for Excel, JSON for BI, HTML for the committee.
 *
 * Three writers over one protected cube (hub/stats/stats.h): report.c (entry point and CSV),
 * report_json.c, report_html.c; what they share is in report_layout.h. They print only what
 * hub_stats_get() returns, so a suppressed value cannot leak through a writer; no writer sees a
 * pseudonym or a single placement.
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
#include "hub/stats/report_layout.h"
#include "hub/stats/stats.h"

enum hub_report_format { HUB_REPORT_CSV, HUB_REPORT_CSV_SV, HUB_REPORT_JSON, HUB_REPORT_HTML };

/* Parses "csv", "csv-sv", "json" or "html"; HUB_EINVAL otherwise. "csv" is comma separated with
 * a decimal point (RFC 4180, what most tools read); "csv-sv" the dialect a Swedish Excel opens
 * with a double click: semicolon separated, decimal comma. */
int hub_report_format_parse(const char *text, enum hub_report_format *out) HUB_MUST_CHECK;

/* Writes the report in `format` to `f`. HUB_EINVAL for a scope whose period is not the cube's
 * or an unknown district, HUB_EIO when writing fails, HUB_ENOMEM. Nothing is flushed or closed. */
int hub_report_write(FILE *f, enum hub_report_format format, const hub_stats_t *s,
                     const struct hub_report_scope *scope, struct hub_error *err) HUB_MUST_CHECK;

int hub_report_write_csv(FILE *f, const hub_stats_t *s, const struct hub_report_scope *scope,
                         bool swedish, struct hub_error *err) HUB_MUST_CHECK;
int hub_report_write_json(FILE *f, const hub_stats_t *s, const struct hub_report_scope *scope,
                          struct hub_error *err) HUB_MUST_CHECK;
int hub_report_write_html(FILE *f, const hub_stats_t *s, const struct hub_report_scope *scope,
                          struct hub_error *err) HUB_MUST_CHECK;

#endif
