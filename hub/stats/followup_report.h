/*
 * followup_report.h — the follow-up of schooling (followup.h) as files: CSV, JSON for BI and a
 * self-contained HTML page in Swedish with a chart, in the style of the monthly report.
 *
 * The writers print only what hub_followup_get() and hub_followup_share() return, so a hidden
 * count cannot leak through them. Rows: for the city and every district (or one district), the
 * three tables (by legal sex, placement form, school form), each with its "all" row. Columns: the
 * children followed up; attendance of at least 90 % (count and share); knowledge goals in
 * grundskolan (assessed, reached, share, against the 75 % target); eligibility for upper
 * secondary school in year 9 (answer given, eligible, share). A hidden count reads "x"; a share
 * whose base or numerator is hidden reads "x"; an empty cell means none to count (base 0) or not
 * applicable (goals and eligibility in gymnasieskola).
 */
#ifndef HUB_FOLLOWUP_REPORT_H
#define HUB_FOLLOWUP_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hub/core/err.h"
#include "hub/stats/followup.h"
#include "hub/stats/report.h"

struct hub_fu_scope {
    size_t district;      /* SIZE_MAX: the city and every district; else one district index */
    int64_t generated_ms; /* when the report was made, printed in it */
};

/* Writes the report in `format` to f. HUB_EINVAL for a district out of range, HUB_EIO when
 * writing fails, HUB_ENOMEM. Nothing is flushed or closed. */
int hub_followup_write(FILE *f, enum hub_report_format format, const hub_followup_t *t,
                       const struct hub_fu_scope *scope, struct hub_error *err) HUB_MUST_CHECK;

#endif
