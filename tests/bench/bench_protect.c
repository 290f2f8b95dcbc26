/*
 * bench_protect — how long the release audit of the statistics takes, and what protection costs.
 *
 *   bench_protect [PER_MONTH] [SEED]     (default 35 placements per district and month, seed 1)
 *
 * Builds, without a database, the cubes of a synthetic year (tests/tools/synth_placements.h:
 * eleven districts of uneven size, ~PER_MONTH placements per district-month) for one month, its
 * tertial and the whole year, as `hubctl report` would (hub_stats_build_rows: counting, hypercube
 * suppression, then the LP audit of everything published with its repair), and prints for each
 * the time of the whole build, the time of the audit, the audit's rounds and LPs, the information
 * loss (share of counts hidden; share of placements in hidden month × district × form × basis
 * cells) and the ratio of the year's audit time to its 10 s target (below 1 is within target).
 * The build of the same cube with the audit is compared with counting alone (the ceiling a report
 * cannot beat), in the same run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../tools/synth_placements.h"
#include "hub/core/date.h"
#include "hub/domain/district.h"
#include "hub/stats/stats.h"

#define TARGET_MS 10000.0

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int run(const hub_districts_t *t, const struct hub_stats_row *rows, size_t n,
               const char *label, double *audit_ms)
{
    struct hub_error err = {0};
    struct hub_stats_options opt = {.k = 5, .threshold_days = 14};
    hub_stats_t *s = NULL;

    if (hub_stats_period_parse(label, &opt.year, &opt.period, &err) != 0) {
        fprintf(stderr, "bench_protect: %s\n", err.msg);
        return 1;
    }
    opt.as_of = hub_date_to_days(&(struct hub_date){opt.year + 1, 2, 10});
    double t0 = now_ms();
    if (hub_stats_build_rows(t, &opt, rows, n, &s, &err) != 0) {
        fprintf(stderr, "bench_protect: %s: %s\n", label, err.msg);
        return 1;
    }
    double ms = now_ms() - t0;
    const struct hub_stats_protection *p = hub_stats_protection_of(s);
    const struct hub_suppress_report *r = hub_stats_suppression_of(s);
    printf("%-8s build %8.1f ms  audit %8.1f ms  rounds %zu  lps %zu  first-audit narrowed %zu  "
           "repaired %zu  days withheld %zu  kept totals hidden %zu\n",
           label, ms, p->ms, p->rounds, p->lps, p->narrowed_first, p->repaired, p->days_withheld,
           p->kept_hidden);
    printf("%-8s loss: %zu of %zu counts hidden (%.1f %%), %zu of them small; placements in "
           "hidden finest cells %" PRId64 " of %" PRId64 " (%.1f %%); hypercube fallbacks %zu\n",
           label, p->hidden, p->cells, p->cells ? 100.0 * (double)p->hidden / (double)p->cells : 0,
           p->small, p->placements_hidden, p->placements,
           p->placements ? 100.0 * (double)p->placements_hidden / (double)p->placements : 0,
           r->interval_fallbacks);
    *audit_ms = p->ms;
    hub_stats_destroy(s);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned per_month = 35;
    uint64_t seed = 1;
    char *end = NULL;
    if (argc > 1) {
        unsigned long v = strtoul(argv[1], &end, 10);
        if (!*argv[1] || *end || v < 1 || v > 100000) {
            fprintf(stderr, "bench_protect: PER_MONTH '%s': a number 1..100000\n", argv[1]);
            return 2;
        }
        per_month = (unsigned)v;
    }
    if (argc > 2) {
        unsigned long long v = strtoull(argv[2], &end, 10);
        if (!*argv[2] || *end) {
            fprintf(stderr, "bench_protect: SEED '%s': a number\n", argv[2]);
            return 2;
        }
        seed = v;
    }
    const char *src = getenv("HUB_SOURCE_DIR");
    char path[4096];
    struct hub_error err = {0};
    hub_districts_t *t = NULL;
    struct hub_stats_row *rows = NULL;
    double month_ms, tertial_ms, year_ms;

    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(path, sizeof path, "%s/schemas/reference/districts.csv", src ? src : ".");
    if (hub_districts_load(path, &t, &err) != 0) {
        fprintf(stderr, "bench_protect: %s (set HUB_SOURCE_DIR to the source tree)\n", err.msg);
        return 1;
    }
    int32_t as_of = hub_date_to_days(&(struct hub_date){2027, 2, 10});
    size_t n = synth_year(t, 2026, as_of, per_month, seed, &rows);
    if (n == 0) {
        fprintf(stderr, "bench_protect: out of memory\n");
        return 1;
    }
    printf("bench_protect: %zu placements in 2026, ~%u per district and month, seed %" PRIu64
           ", k = 5\n",
           n, per_month, seed);
    int rc = run(t, rows, n, "2026-11", &month_ms) || run(t, rows, n, "2026T3", &tertial_ms) ||
             run(t, rows, n, "2026", &year_ms);
    if (rc == 0)
        printf("bench_protect: year audit %.1f ms against the %.0f ms target: ratio %.3f\n",
               year_ms, TARGET_MS, year_ms / TARGET_MS);
    free(rows);
    hub_districts_destroy(t);
    return rc;
}
