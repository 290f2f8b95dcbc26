/*
 * report_layout.c — what the three report writers share (report_layout.h): which periods and
 * districts a report shows, and how a count or a median reads.
 */
#include "hub/stats/report_layout.h"

#include <inttypes.h>
#include <stdio.h>

size_t hub_report_periods(const struct hub_report_scope *scope, size_t out[HUB_STATS_PERIODS])
{
    size_t n = 0;
    for (size_t t = 1; t <= 3; t++) {
        for (size_t p = 4; p < HUB_STATS_PERIODS; p++)
            if (hub_stats_period_within(p, t) && hub_stats_period_within(p, scope->period))
                out[n++] = p;
        if (hub_stats_period_within(t, scope->period))
            out[n++] = t;
    }
    if (scope->period == 0)
        out[n++] = 0;
    return n;
}

bool hub_report_includes(const hub_stats_t *s, const struct hub_report_scope *scope, size_t p,
                         size_t d)
{
    if (scope->district != SIZE_MAX && d != scope->district)
        return false;
    return hub_stats_district_in_period(s, p, d);
}

void hub_report_count_text(const struct hub_stats_cell *c, enum hub_stats_count which, int64_t k,
                           char buf[HUB_REPORT_TEXT_MAX])
{
    switch (c->mark[which]) {
    case HUB_STATS_HIDDEN:
        snprintf(buf, HUB_REPORT_TEXT_MAX, "x");
        break;
    case HUB_STATS_NOT_PUBLISHED:
        buf[0] = '\0';
        break;
    default:
        snprintf(buf, HUB_REPORT_TEXT_MAX, "%" PRId64, c->count[which]);
        break;
    }
}

void hub_report_median_text(int64_t median_x10, char point, char buf[HUB_REPORT_TEXT_MAX])
{
    snprintf(buf, HUB_REPORT_TEXT_MAX, "%" PRId64 "%c%" PRId64, median_x10 / 10, point,
             median_x10 % 10);
}

bool hub_report_district_changed(const hub_stats_t *s, const struct hub_report_scope *scope,
                                 size_t d, bool *ended, bool *began)
{
    const struct hub_district *ref = hub_stats_district_ref(s, d);
    int32_t first, last;

    *ended = *began = false;
    if (!ref || hub_stats_options_of(s)->current_districts)
        return false;
    hub_stats_period_range(hub_stats_options_of(s)->year, scope->period, &first, &last);
    *ended = ref->valid_to >= first && ref->valid_to < last;
    *began = ref->valid_from > first && ref->valid_from <= last;
    return *ended || *began;
}
