/*
 * synth_placements.h — a synthetic year of placements for the statistics, without a database:
 * rows for hub_stats_build_rows(), shared by the protection property test and its benchmark.
 *
 * Every district valid on the 15th of a month gets about `per_month` × its weight placements
 * that month (the weights make some districts small, so small counts abound), spread over the
 * seven placement forms, both legal bases, both sexes and the five age groups with uneven
 * weights; 70 % change school, 85 % of those have started school (0-120 days later, a third
 * after the 14-day threshold) if that day is not after the as-of date; about 3 % of children are
 * placed twice in the year. Deterministic for a seed.
 */
#ifndef HUB_TESTS_SYNTH_PLACEMENTS_H
#define HUB_TESTS_SYNTH_PLACEMENTS_H

#include <stdint.h>
#include <stdlib.h>

#include "hub/core/date.h"
#include "hub/domain/district.h"
#include "hub/stats/stats.h"

struct synth {
    uint64_t state;
};

static inline uint32_t synth_next(struct synth *r)
{
    r->state = r->state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(r->state >> 33);
}

/* 0..n-1 */
static inline uint32_t synth_below(struct synth *r, uint32_t n)
{
    return n ? synth_next(r) % n : 0;
}

/* An index into weights[0..n) (summing to 100). */
static inline size_t synth_pick(struct synth *r, const unsigned *weights, size_t n)
{
    uint32_t x = synth_below(r, 100);
    for (size_t i = 0; i < n; i++) {
        if (x < weights[i])
            return i;
        x -= weights[i];
    }
    return n - 1;
}

static int synth_by_child(const void *pa, const void *pb)
{
    const struct hub_stats_row *a = pa, *b = pb;
    return a->child < b->child ? -1 : a->child > b->child;
}

/* Fills *rows (malloc'd, the caller frees) with a year of placements; returns how many, 0 on
 * failure. District codes point into `districts`. */
static inline size_t synth_year(const hub_districts_t *districts, int year, int32_t as_of,
                                unsigned per_month, uint64_t seed, struct hub_stats_row **rows)
{
    static const unsigned form_w[HUB_FORM__COUNT] = {15, 40, 8, 25, 5, 4, 3};
    static const unsigned age_w[5] = {12, 30, 28, 25, 5};
    static const unsigned district_w[] = {150, 20, 100, 60, 130, 8, 90, 110, 40, 70, 120, 50};
    struct synth r = {seed * 2654435761u + 1};
    size_t n = 0, cap = 1024;
    int64_t next_child = 1;
    struct hub_stats_row *out = malloc(cap * sizeof *out);

    if (!out)
        return 0;
    for (int month = 1; month <= 12; month++) {
        int32_t first = hub_date_to_days(&(struct hub_date){year, month, 1});
        int32_t mid = first + 14;
        for (size_t i = 0; i < hub_districts_count(districts); i++) {
            const struct hub_district *d = hub_districts_at(districts, i);
            if (!hub_district_valid_on(d, mid))
                continue;
            unsigned w = district_w[i % (sizeof district_w / sizeof district_w[0])];
            unsigned count = per_month * w / 100 + synth_below(&r, 3);
            for (unsigned j = 0; j < count; j++) {
                if (n == cap) {
                    struct hub_stats_row *g = realloc(out, 2 * cap * sizeof *g);
                    if (!g) {
                        free(out);
                        return 0;
                    }
                    out = g;
                    cap *= 2;
                }
                struct hub_stats_row *p = &out[n++];
                p->district = d->code;
                p->start_date = first + (int32_t)synth_below(&r, 28);
                p->form = (enum hub_placement_form)synth_pick(&r, form_w, HUB_FORM__COUNT);
                p->basis = synth_below(&r, 100) < 35 ? HUB_BASIS_LVU : HUB_BASIS_SOL;
                p->sex = synth_below(&r, 2) ? HUB_SEX_FEMALE : HUB_SEX_MALE;
                p->age_group = 1 + synth_pick(&r, age_w, 5);
                p->school_change = synth_below(&r, 100) < 70;
                uint32_t kind = synth_below(&r, 100);
                p->days = kind < 60   ? synth_below(&r, 15)
                          : kind < 90 ? 15 + synth_below(&r, 26)
                                      : 41 + synth_below(&r, 80);
                p->started = p->school_change && synth_below(&r, 100) < 85 &&
                             p->start_date + p->days <= as_of;
                if (!p->started)
                    p->days = 0;
                /* ~3 % a child placed before in the year, in the same district */
                p->child = next_child++;
                if (n > 1 && synth_below(&r, 100) < 3) {
                    size_t back = synth_below(&r, (uint32_t)(n - 1));
                    if (out[back].district == p->district && out[back].sex == p->sex &&
                        out[back].age_group == p->age_group)
                        p->child = out[back].child;
                }
            }
        }
    }
    qsort(out, n, sizeof *out, synth_by_child);
    *rows = out;
    return n;
}

#endif
