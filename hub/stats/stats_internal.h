/*
 * stats_internal.h — the cube's layout, shared by the modules of the stats room that build and
 * protect it (stats.c counts, stats_audit.c audits). Not for the reports: they read cells through
 * hub_stats_get().
 */
#ifndef HUB_STATS_INTERNAL_H
#define HUB_STATS_INTERNAL_H

#include "hub/stats/stats.h"
#include "hub/stats/stats_audit.h"

#define PUB_PER_PD 41 /* published cells per period and district: 8 × 3 form/basis + 17 sex/age */
#define COORD_PER_PD (HUB_STATS_FORMS * HUB_STATS_BASES * HUB_STATS_SEXES * HUB_STATS_AGES)
#define CITY_CODE "all"
#define CITY_NAME "Hela staden"

struct sdist {
    char code[HUB_DISTRICT_CODE_MAX];
    char name[HUB_DISTRICT_NAME_MAX];
    const struct hub_district *ref;
};

/* Running order statistics of one published cell while rows pass by in order of days. */
struct days_acc {
    int64_t seen;
    int64_t lo, hi, p90, max;
};

struct hub_stats {
    struct hub_stats_options opt;
    struct hub_stats_notes notes;
    struct hub_suppress_report rep;
    struct hub_stats_protection prot;
    size_t nd, cap_d;
    struct sdist *dist;
    bool *in_period;       /* [p * nd + d] */
    int64_t *count;        /* [coord * HUB_STATS__COUNTS + c], the full cube */
    struct days_acc *days; /* [pub] */
    unsigned char *state;  /* [pub * HUB_STATS__COUNTS + c]: enum hub_suppress_state */
    bool *days_hidden; /* [pub]: days withheld by the audit (they would narrow over_threshold) */
    bool *known; /* [pub * HUB_STATS__COUNTS + c]: shown before with this value (the ledger) */
    /* the hypercubes of the suppression, as moves for the audit: move i is the counts
     * move_cell[move_start[i]..[i+1]) (pub * HUB_STATS__COUNTS + count) with their signs */
    size_t nmove, cap_move, move_nnz, cap_move_nnz;
    size_t *move_start, *move_cell;
    int *move_sign;
};

static inline size_t hub_stats_coord(const hub_stats_t *s, size_t p, size_t d, size_t f, size_t b,
                                     size_t x, size_t a)
{
    return ((((p * s->nd + d) * HUB_STATS_FORMS + f) * HUB_STATS_BASES + b) * HUB_STATS_SEXES + x) *
               HUB_STATS_AGES +
           a;
}

/* Index 0..40 of a published (form, basis, sex, age) within its period and district. */
static inline size_t hub_stats_slot(size_t f, size_t b, size_t x, size_t a)
{
    if (x == 0 && a == 0)
        return f * HUB_STATS_BASES + b;
    return HUB_STATS_FORMS * HUB_STATS_BASES + x * HUB_STATS_AGES + a - 1;
}

static inline size_t hub_stats_pub(const hub_stats_t *s, size_t p, size_t d, size_t slot)
{
    return (p * s->nd + d) * PUB_PER_PD + slot;
}

/* Whether the days figures of a published cell are shown: their base (school starts) shown and
 * at least k, and not withheld by the audit. */
bool hub_stats_days_shown(const hub_stats_t *s, size_t pub, size_t coord);

/* Audits the suppressed cube as a reader would and repairs it until no small count is narrowed
 * (stats_audit.c). */
int hub_stats_protect(hub_stats_t *s, struct hub_error *err) HUB_MUST_CHECK;

#endif
