/*
 * stats.h — the monthly statistics for socialnämnden: placed children, placement form, days from
 * placement to school start, per district and month, with tertial, year and city totals, small
 * counts protected (hub/stats/suppress.h). Definitions: consumers/STATISTICS.md.
 *
 * hub_stats_build() reads the placements of one report period from the read model (the view
 * hub.stats_placements of migration 002, parameterised SQL), counts them into an in-memory cube
 * and suppresses it. The period is a month, a tertial or a year; a tertial is published with its
 * four months and a year with its months and tertials, and those are protected together (a
 * month hidden in the tertial cannot be recovered as the tertial minus the other months). Only
 * placements that started by the end of the period count, so a January report does not depend
 * on February. Reports of different periods are each protected on their own; see
 * consumers/STATISTICS.md for what that means for publishing both.
 *
 * Cube coordinates: period (0 = the year, 1..3 = T1..T3, 4..15 = January..December), district
 * (0 = the whole city, then the districts of the year), placement form (0 = all, then
 * hub_placement_form order + 1), legal basis (0 = all, SoL, LVU), legal sex (0 = all, female,
 * male), age group (0 = all, 0-5, 6-12, 13-15, 16-17, 18+). Two tables are published per period
 * and district: form × legal basis (sex = age = all) and sex × age group (form = basis = all).
 *
 * What leaves this module through hub_stats_get() is publishable: suppressed values read 0 with
 * a mark saying why. The pseudonyms never leave PostgreSQL (distinct children are counted over a
 * dense_rank computed there). A built cube is read-only.
 */
#ifndef HUB_STATS_H
#define HUB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "hub/domain/district.h"
#include "hub/core/err.h"
#include "hub/domain/event.h"
#include "hub/stats/stats_audit.h"
#include "hub/stats/suppress.h"

/* Bumped whenever a definition in consumers/STATISTICS.md changes meaning. */
#define HUB_STATS_DEFINITIONS_VERSION "1"

#define HUB_STATS_ALL 0
#define HUB_STATS_PERIODS 16
#define HUB_STATS_FORMS (HUB_FORM__COUNT + 1)
#define HUB_STATS_BASES (HUB_BASIS__COUNT + 1)
#define HUB_STATS_SEXES (HUB_SEX__COUNT + 1)
#define HUB_STATS_AGES 6
#define HUB_STATS_PERIOD_LABEL_MAX 8 /* "2026-01", "2026T3", "2026" */

#define HUB_STATS_K_DEFAULT 5
#define HUB_STATS_K_MIN 3
#define HUB_STATS_THRESHOLD_DEFAULT 14

enum hub_stats_period_kind { HUB_STATS_YEAR, HUB_STATS_TERTIAL, HUB_STATS_MONTH };

/* The counts of a cell, in report column order. */
enum hub_stats_count {
    HUB_STATS_PLACEMENTS,         /* placements_started */
    HUB_STATS_CHILDREN,           /* children_placed: distinct pseudonyms */
    HUB_STATS_WITH_SCHOOL_CHANGE, /* with_school_change */
    HUB_STATS_SCHOOL_STARTED,     /* school_started: with school change and a school start */
    HUB_STATS_OVER_THRESHOLD,     /* over_threshold: school_started with days > threshold */
    HUB_STATS_NOT_STARTED,        /* not_started: with school change, no school start yet */
    HUB_STATS__COUNTS
};

enum hub_stats_mark {
    HUB_STATS_SHOWN,         /* the value is exact */
    HUB_STATS_HIDDEN,        /* hidden, shown as "x": a count from 1 to k-1 or one hidden to protect
                                such counts (one symbol, so a reader cannot tell which) */
    HUB_STATS_NO_DATA,       /* days: no school start in the cell */
    HUB_STATS_NOT_PUBLISHED, /* not published at this level: the school-start family, distinct
                                children and the days only for totals (form, basis, sex and age
                                all) */
    HUB_STATS_DAYS_WITHHELD, /* days: not shown — their base (school starts) is hidden, or they
                                would narrow a hidden over_threshold */
};

typedef struct hub_stats_ledger hub_stats_ledger_t; /* hub/stats/stats_ledger.h */

struct hub_stats_options {
    int year;               /* 1900..9998 */
    size_t period;          /* the report period: 0 the year, 1..3 a tertial, 4..15 a month */
    int32_t as_of;          /* days since 1970-01-01 */
    int64_t k;              /* >= HUB_STATS_K_MIN */
    int64_t threshold_days; /* >= 0 */
    bool current_districts; /* map every district to its successor valid on as_of */
    /* what was published before about the year (NULL: nothing); borrowed for the build */
    const hub_stats_ledger_t *ledger;
};

/* A cell as it may be published. Counts are 0 unless their mark is SHOWN; the days figures are 0
 * unless days_mark is SHOWN. days_median_x10 is the median times ten (exact: the median is a
 * whole number or a half). */
struct hub_stats_cell {
    int64_t count[HUB_STATS__COUNTS];
    enum hub_stats_mark mark[HUB_STATS__COUNTS];
    enum hub_stats_mark days_mark;
    int64_t days_median_x10, days_p90, days_max;
};

struct hub_stats_key {
    size_t period, district, form, basis, sex, age;
};

/* Notes a report must make about districts. */
struct hub_stats_notes {
    size_t placements;     /* placements counted (started in the period, on or before as_of) */
    size_t moved_forward;  /* recorded under a district that had merged by the start date:
                              counted under its successor valid then */
    size_t kept_successor; /* recorded under a district that did not exist yet on the start
                              date (a successor): counted under it as recorded */
    size_t mapped_current; /* with current_districts: counted under today's district */
};

typedef struct hub_stats hub_stats_t;

/* Builds the period's cube from the read model behind `conn` (schema version >= 2) with
 * `districts` (borrowed; must outlive *out). *out is the caller's (hub_stats_destroy). Errors:
 * HUB_EINVAL (bad options; a stored placement with an unknown form, basis, sex or age group),
 * HUB_EPG / HUB_EPG_CONNECT (the query failed; the message says which), HUB_ENOMEM. */
int hub_stats_build(PGconn *conn, const hub_districts_t *districts,
                    const struct hub_stats_options *opt, hub_stats_t **out,
                    struct hub_error *err) HUB_MUST_CHECK;

/* One placement as the statistics read it (a row of the query in consumers/STATISTICS.md §6),
 * for building a cube without a database (tests, benchmarks). */
struct hub_stats_row {
    const char *district; /* as recorded; mapped like the query's rows */
    int32_t start_date;   /* days since 1970-01-01 */
    enum hub_placement_form form;
    enum hub_legal_basis basis;
    enum hub_legal_sex sex;
    size_t age_group;   /* 1..5: 0-5, 6-12, 13-15, 16-17, 18+ */
    bool school_change; /* with a change of school */
    bool started;       /* a first school start on or before the as-of date */
    int64_t days;       /* days to that school start (>= 0) */
    int64_t child;      /* the child, as a number; rows in ascending order of it */
};

/* hub_stats_build over rows instead of the read model. Rows outside the period or after the
 * as-of date are left out, as the query does. Errors as hub_stats_build, HUB_EINTERNAL for rows
 * not in order of child. */
int hub_stats_build_rows(const hub_districts_t *districts, const struct hub_stats_options *opt,
                         const struct hub_stats_row *rows, size_t n, hub_stats_t **out,
                         struct hub_error *err) HUB_MUST_CHECK;

void hub_stats_destroy(hub_stats_t *s);

const struct hub_stats_options *hub_stats_options_of(const hub_stats_t *s);
const struct hub_stats_notes *hub_stats_notes_of(const hub_stats_t *s);
/* The suppression summed over the four tables (placements, children, school, over threshold). */
const struct hub_suppress_report *hub_stats_suppression_of(const hub_stats_t *s);
/* What protection cost (information loss) and what the release audit found. */
const struct hub_stats_protection *hub_stats_protection_of(const hub_stats_t *s);

/* Districts: index 0 is the city ("all", "Hela staden"); then the districts valid at some day of
 * the period (or, with current_districts, on as_of) in reference-table order, then any other
 * code found in the data. ref is NULL for the city and for codes not in the table. */
size_t hub_stats_district_count(const hub_stats_t *s);
const char *hub_stats_district_code(const hub_stats_t *s, size_t d);
const char *hub_stats_district_name(const hub_stats_t *s, size_t d);
const struct hub_district *hub_stats_district_ref(const hub_stats_t *s, size_t d);
/* Index of `code`, or SIZE_MAX. */
size_t hub_stats_district_find(const hub_stats_t *s, const char *code);
/* Whether district d belongs in period p: valid at some day of it, or with placements in it.
 * Cells outside are structural zeros (never shown, never used to hide others). */
bool hub_stats_district_in_period(const hub_stats_t *s, size_t period, size_t d);

/* Whether period p is published by this cube (the report period or lies within it). */
bool hub_stats_period_published(const hub_stats_t *s, size_t period);

/* The publishable cell at `key`. HUB_EINVAL when the key is out of range, its period is not
 * published (hub_stats_period_published) or it is not in a published table (a form or basis
 * other than all together with a sex or age group other than all). */
int hub_stats_get(const hub_stats_t *s, const struct hub_stats_key *key,
                  struct hub_stats_cell *out) HUB_MUST_CHECK;

/* A district's total (form, basis, sex and age all) in any month of the cube's year, as
 * protected: the year is one publication, so the months before a month report's own are
 * published consistently with it (for trends). HUB_EINVAL out of range or for a month after
 * the report period. */
int hub_stats_get_month_total(const hub_stats_t *s, int month, size_t district,
                              struct hub_stats_cell *out) HUB_MUST_CHECK;

/* The same cell before suppression, every mark SHOWN (days: NO_DATA when none). For tests and
 * audits only: a report must never print these. */
int hub_stats_get_unprotected(const hub_stats_t *s, const struct hub_stats_key *key,
                              struct hub_stats_cell *out) HUB_MUST_CHECK;

/* True when the key's form, basis, sex and age lie in a published table. */
bool hub_stats_key_published(const struct hub_stats_key *key);

/* True when count c is published at a published key: placements_started at every one; the
 * other counts and the days only at totals (form, basis, sex and age all). */
bool hub_stats_count_published(const struct hub_stats_key *key, enum hub_stats_count c);

/*
 * The unit a statistics consumer publishes (topic monthly-stats, key "<district>|YYYY-MM"): one
 * district (or the city, d = 0) in one month (1..12) of a cube built for that month (or for its
 * tertial or year), both tables, already protected. HUB_EINVAL for a month the cube does not
 * publish.
 */
struct hub_stats_district_month {
    char period[HUB_STATS_PERIOD_LABEL_MAX];
    const char *district; /* owned by the cube */
    const char *district_name;
    struct hub_stats_cell by_form_basis[HUB_STATS_FORMS][HUB_STATS_BASES];
    struct hub_stats_cell by_sex_age[HUB_STATS_SEXES][HUB_STATS_AGES];
};
int hub_stats_district_month(const hub_stats_t *s, size_t d, int month,
                             struct hub_stats_district_month *out,
                             struct hub_error *err) HUB_MUST_CHECK;

/* ---- periods ---- */

/* Parses "YYYY-MM", "YYYYTn" (n = 1..3) or "YYYY" into the year and the period index.
 * HUB_EINVAL with a message quoting the text. */
int hub_stats_period_parse(const char *text, int *year, size_t *period,
                           struct hub_error *err) HUB_MUST_CHECK;
enum hub_stats_period_kind hub_stats_period_kind(size_t period);
/* "2026-01", "2026T1" or "2026". */
void hub_stats_period_label(int year, size_t period, char buf[HUB_STATS_PERIOD_LABEL_MAX]);
/* First and last day (days since 1970-01-01) of the period. */
void hub_stats_period_range(int year, size_t period, int32_t *first, int32_t *last);
/* The month (1..12) of a month period; 0 for a tertial or the year. */
int hub_stats_period_month(size_t period);
/* Whether `inner` is `outer` or lies within it (a month in its tertial and in the year). */
bool hub_stats_period_within(size_t inner, size_t outer);

/* ---- names used in reports ---- */

const char *hub_stats_count_name(enum hub_stats_count c); /* "placements_started", ... */
const char *hub_stats_form_code(size_t f);                /* "all", "jourhem", ... */
const char *hub_stats_basis_code(size_t b);               /* "all", "SoL", "LVU" */
const char *hub_stats_sex_code(size_t x);                 /* "all", "female", "male" */
const char *hub_stats_age_code(size_t a);                 /* "all", "0-5", ..., "18+" */

#endif
