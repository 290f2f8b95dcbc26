/*
 * stats_audit.h — the release gate of the statistics: every count a report publishes, audited as
 * a reader would attack it, and repaired until no small count can be narrowed.
 *
 * hub_stats_build() runs it on every cube after the hypercubes (hub/stats/suppress.h) have chosen
 * the hidden cells of each family: it hands every published count of every period of the report
 * (a tertial with its months, a year with its tertials and months), every district and the city,
 * all six measures, to the LP auditor (hub/stats/sdc_audit.h) with every relation a reader knows —
 * the margins of both tables, districts → city, months → tertial → year, with_school_change =
 * school_started + not_started, over_threshold <= school_started, with_school_change and
 * children_placed <= placements_started, distinct children between a total and its parts, and the
 * bounds the shown days figures put on a hidden over_threshold. Where a small count is still
 * narrowed it asks the auditor which relations bind it and hides the cheapest shown cell in one
 * of them (or withholds the days figures that bind it), and audits again, until nothing is
 * narrowed. A cube that cannot be protected is an error: nothing of it is released.
 *
 * The reader's knowledge of a hidden count is "0 or more": one symbol for every hidden count.
 * Definitions and reasoning: consumers/STATISTICS.md §5.
 */
#ifndef HUB_STATS_AUDIT_H
#define HUB_STATS_AUDIT_H

#include <stddef.h>
#include <stdint.h>

/* What protection cost and what the audit found, for one cube. */
struct hub_stats_protection {
    size_t cells;              /* published counts (every measure, period, district, cell) */
    size_t hidden;             /* of them hidden */
    size_t small;              /* hidden counts whose value is 1..k-1 */
    size_t repaired;           /* counts hidden by the audit's repair, after the hypercubes */
    size_t days_withheld;      /* days figures withheld by the audit */
    size_t kept_hidden;        /* district totals >= k that had to be hidden (should be 0) */
    int64_t placements;        /* placements in the report period's district × form × basis
                                  cells (a month: the city's form × basis cells) */
    int64_t placements_hidden; /* ... of them in hidden cells */
    size_t narrowed_first;     /* small counts the first audit found narrowed */
    size_t narrowed;           /* after the repair: 0 in every released cube */
    size_t rounds;             /* audit rounds (1 when the hypercubes were enough) */
    size_t lps;                /* linear programs solved */
    double ms;                 /* wall time of audit and repair */
};

#endif
