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

const char hub_report_html_style[] =
    "body{font-family:\"DejaVu Sans\",Arial,Helvetica,sans-serif;color:#1b1b1b;max-width:1180px;"
    "margin:1.5em auto;padding:0 1.2em;line-height:1.45;font-size:15px}"
    "h1{font-size:1.75em;margin:0 0 .1em}h2{font-size:1.3em;margin:1.6em 0 .4em;"
    "border-bottom:2px solid #1f5fa8;padding-bottom:.15em}h3{font-size:1.05em;margin:1.2em 0 .3em}"
    ".sub{color:#4a4a4a;margin:0 0 1em}"
    ".info{background:#f2f6fb;border-left:5px solid #1f5fa8;padding:.5em 1.1em;margin:1em 0}"
    ".info ul{margin:.3em 0;padding-left:1.2em}"
    "table{border-collapse:collapse;margin:.4em 0 1.2em;font-size:.93em}"
    "th,td{border:1px solid #c5ccd6;padding:.22em .6em;text-align:right;white-space:nowrap}"
    "th:first-child,td:first-child{text-align:left}"
    "thead th{background:#e4ebf4;font-weight:600;vertical-align:bottom;white-space:normal}"
    "tr.total td{font-weight:700;background:#f5f5f5}"
    "td.small,td.hidden,td.na{color:#8a4b00}"
    ".key{font-size:.88em;color:#333}"
    ".grid{display:flex;flex-wrap:wrap;gap:0 2.2em}"
    "footer{margin-top:2.5em;font-size:.85em;color:#555;border-top:1px solid #ccc;"
    "padding-top:.5em}"
    "@media print{body{margin:0;max-width:none}h2{break-after:avoid}table{break-inside:avoid}}";

/* Writes text with &, <, >, " escaped. */
void hub_report_html_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}
