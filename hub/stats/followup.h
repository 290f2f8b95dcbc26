/*
 * followup.h — the follow-up of placed children's schooling (issue 19, seed 004) as protected
 * tables: per district and for the city, children followed up, the share reaching the knowledge
 * goals in grundskolan (against the 75 % target), the share eligible for upper secondary school in
 * year 9 and the share attending at least 90 %, split by legal sex, by placement form and by
 * school form. Definitions: consumers/STATISTICS.md §"Follow-up of schooling".
 *
 * The unit is the child: in the report period (a tertial or a year) each child counts once, with
 * its newest follow-up whose review falls in the period and whose placement is known and started
 * on or before the review, reported by the placement's district or one it was merged into (the
 * owner rule of hub/kafka/owner.h); the rest are left out and counted in hub_followup_notes. The
 * child's pseudonym never leaves PostgreSQL (only a rank of it does).
 *
 * Each share is published as two counts, its base and its numerator; the complement (base −
 * numerator) is known to every reader, so it is protected like a published count. Three measures:
 *   ATTENDANCE  base = children followed up,              yes = attendance at least 90 %
 *   GOALS       base = grundskola, goals assessed,         yes = reached in all subjects
 *   ELIGIBLE    base = year 9 of grundskola, answer given, yes = gymnasiebehörig
 * Each measure is one cube of hub/stats/suppress.h: district (city → districts) × legal sex ×
 * placement form × school form × outcome (base → yes, no); published are the cells with at most
 * one of sex, placement form and school form split (three one-way tables sharing their total).
 * Counts 1..k-1 are hidden (primary) and the hypercubes hide what would give them away
 * (secondary); then every published count of the three measures goes to the LP auditor
 * (hub/stats/sdc_audit.h) with every relation a reader knows — the margins of each table,
 * districts → city, base = yes + no, and between measures: a goals or eligibility base is at most
 * the children followed up in the same cell (and in grundskola). Where a small count is still
 * narrowed the cheapest shown count among the relations that bind it is hidden, and the audit
 * runs again, until none is; a report that cannot be protected is an error. A year is audited
 * together with its last tertial (built and protected as its own report would be): every count
 * of the year is at least the tertial's, and the repair hides more of the year's counts only.
 *
 * Every hidden count reads "x" (one symbol: hidden for being small or to protect another). A share
 * is shown only when its base and numerator are shown (then the complement is shown too).
 */
#ifndef HUB_FOLLOWUP_H
#define HUB_FOLLOWUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "hub/core/err.h"
#include "hub/domain/district.h"
#include "hub/domain/event.h"

#define HUB_FU_DEFINITIONS_VERSION "1"
#define HUB_FU_GOALS_TARGET_PCT 75 /* the city's target: 75 % reach the knowledge goals */

enum hub_fu_measure { HUB_FU_ATTENDANCE, HUB_FU_GOALS, HUB_FU_ELIGIBLE, HUB_FU__MEASURES };
enum hub_fu_outcome { HUB_FU_BASE, HUB_FU_YES, HUB_FU_NO, HUB_FU__OUTCOMES };

/* The three published tables; their group 0 is "all" (the same row in each). */
enum hub_fu_table { HUB_FU_BY_SEX, HUB_FU_BY_FORM, HUB_FU_BY_SCHOOL, HUB_FU__TABLES };
#define HUB_FU_SEXES (HUB_SEX__COUNT + 1)
#define HUB_FU_FORMS (HUB_FORM__COUNT + 1)
#define HUB_FU_SCHOOLS (HUB_FU_SCHOOL__COUNT + 1)

/* One child's newest follow-up in the period, as counted. */
struct hub_fu_row {
    char district[HUB_DISTRICT_STR];
    enum hub_legal_sex legal_sex;
    enum hub_placement_form placement_form;
    enum hub_fu_school_form school_form;
    int32_t grade_year;
    enum hub_attendance attendance;
    enum hub_goals knowledge_goals;
    bool has_eligible, eligible;
};

struct hub_fu_options {
    int year;
    size_t period; /* hub/stats/stats.h numbering: 0 the year, 1..3 the tertials */
    int64_t k;     /* protection level, >= HUB_STATS_K_MIN */
};

/* A published count: its value when shown; hidden ones read 0. */
struct hub_fu_count {
    int64_t value;
    bool hidden;
};

/* What was left out or found, for the log (never in the report: no figure about few children). */
struct hub_fu_notes {
    size_t children;       /* counted */
    size_t pending;        /* follow-ups in the period whose placement is unknown */
    size_t before_start;   /* ... reviewed before their placement started */
    size_t other_district; /* ... of a district not in the period (skipped) */
    size_t not_owner;      /* ... by a district that may not act for the placement (skipped) */
    size_t cells, hidden, primary, repaired, narrowed_first, rounds, lps;
    bool joint; /* a year audited together with its last tertial */
    double ms;
};

typedef struct hub_followup hub_followup_t;

/* Reads the period's follow-ups from the read model (hub.follow_ups joined to hub.placements,
 * migration 010) and builds the protected tables. *out is the caller's (hub_followup_destroy).
 * HUB_EINVAL for bad options, HUB_EPG_* from the database, HUB_EINTERNAL when the tables cannot
 * be protected (nothing is returned then), HUB_ENOMEM. */
int hub_followup_build(PGconn *conn, const hub_districts_t *districts,
                       const struct hub_fu_options *opt, hub_followup_t **out,
                       struct hub_error *err) HUB_MUST_CHECK;

/* The same from rows in memory (tests, benchmarks). */
int hub_followup_build_rows(const hub_districts_t *districts, const struct hub_fu_options *opt,
                            const struct hub_fu_row *rows, size_t n, hub_followup_t **out,
                            struct hub_error *err) HUB_MUST_CHECK;

void hub_followup_destroy(hub_followup_t *f);

const struct hub_fu_options *hub_followup_options(const hub_followup_t *f);
const struct hub_fu_notes *hub_followup_notes(const hub_followup_t *f);

/* Districts: 0 is the city, then the districts valid on some day of the period. */
size_t hub_followup_district_count(const hub_followup_t *f);
const char *hub_followup_district_code(const hub_followup_t *f, size_t d); /* "all" for 0 */
const char *hub_followup_district_name(const hub_followup_t *f, size_t d);

/* Groups of a table: 0 is "all"; then female, male / the placement forms / grundskola,
 * gymnasieskola. Codes are the event symbols ("all" for 0). */
size_t hub_followup_group_count(enum hub_fu_table t);
const char *hub_followup_group_code(enum hub_fu_table t, size_t g);
const char *hub_followup_table_code(enum hub_fu_table t); /* "sex", "placement_form", ... */

/* Whether a measure applies to a group: goals and eligibility only where grundskola can be. */
bool hub_followup_applies(enum hub_fu_measure m, enum hub_fu_table t, size_t g);

/* The published count of (district, table, group, measure, outcome); the NO outcome is the
 * complement, which a reader derives and the report does not print. */
struct hub_fu_count hub_followup_get(const hub_followup_t *f, size_t d, enum hub_fu_table t,
                                     size_t g, enum hub_fu_measure m, enum hub_fu_outcome o);

/* The share yes/base in per mille, rounded, when both are shown and base > 0: true and *pm. */
bool hub_followup_share(const hub_followup_t *f, size_t d, enum hub_fu_table t, size_t g,
                        enum hub_fu_measure m, int64_t *per_mille);

/* The true count, protected or not: for tests and the audit only, never for a report. */
int64_t hub_followup_true_value(const hub_followup_t *f, size_t d, enum hub_fu_table t, size_t g,
                                enum hub_fu_measure m, enum hub_fu_outcome o);

#endif
