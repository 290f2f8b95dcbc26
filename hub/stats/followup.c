/*
 * followup.c — the follow-up tables, counted, suppressed and audited (followup.h).
 *
 * Cell layout: one cube per measure, coordinates (district, sex, form, school, outcome) with the
 * outcome fastest, exactly the cube hub/stats/suppress.h protects; the audit numbers the cells of
 * measure m as m * cube size + cube index, so one index space serves suppression, audit and the
 * writers.
 */
#include "hub/stats/followup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hub/kafka/owner.h"
#include "hub/pg/pg.h"
#include "hub/stats/sdc_audit.h"
#include "hub/stats/stats.h"
#include "hub/stats/suppress.h"

#define FU_DIMS 5
#define FU_REPAIR_ROUNDS_MAX 400
#define FU_BLOCKERS_MAX 64

struct hub_followup {
    struct hub_fu_options opt;
    struct hub_fu_notes notes;
    size_t nd;                       /* districts including the city */
    char (*codes)[HUB_DISTRICT_STR]; /* [0] = "all" */
    const char **names;              /* borrowed from the districts table; [0] = the city */
    size_t ncell;                    /* cells of one measure's cube */
    int64_t *value;                  /* [measure * ncell + cell] true counts */
    unsigned char *state;            /* enum hub_suppress_state, after protection */
};

static const int flat3[3] = {-1, 0, 0};
static const int flat8[HUB_FU_FORMS] = {-1, 0, 0, 0, 0, 0, 0, 0};

/* ---- coordinates ---- */

static size_t cell_of(size_t d, size_t sex, size_t form, size_t school, size_t o)
{
    return (((d * HUB_FU_SEXES + sex) * HUB_FU_FORMS + form) * HUB_FU_SCHOOLS + school) *
               HUB_FU__OUTCOMES +
           o;
}

static void coord_of(size_t cell, size_t *d, size_t *sex, size_t *form, size_t *school, size_t *o)
{
    *o = cell % HUB_FU__OUTCOMES;
    cell /= HUB_FU__OUTCOMES;
    *school = cell % HUB_FU_SCHOOLS;
    cell /= HUB_FU_SCHOOLS;
    *form = cell % HUB_FU_FORMS;
    cell /= HUB_FU_FORMS;
    *sex = cell % HUB_FU_SEXES;
    *d = cell / HUB_FU_SEXES;
}

static size_t table_cell(size_t d, enum hub_fu_table t, size_t g, enum hub_fu_outcome o)
{
    return cell_of(d, t == HUB_FU_BY_SEX ? g : 0, t == HUB_FU_BY_FORM ? g : 0,
                   t == HUB_FU_BY_SCHOOL ? g : 0, o);
}

/* Published: at most one of sex, form and school split. */
static bool published(size_t sex, size_t form, size_t school)
{
    return (sex != 0) + (form != 0) + (school != 0) <= 1;
}

/* The counts a reader looks for first: every count of the city, and each district's totals. Kept
 * shown unless nothing else protects a small count (hub_suppress_keep; the repair likewise). */
static bool wanted(size_t cell)
{
    size_t d, sex, form, school, o;
    coord_of(cell, &d, &sex, &form, &school, &o);
    return o != HUB_FU_NO && (d == 0 || (sex == 0 && form == 0 && school == 0));
}

/* Goals and eligibility are about grundskola: their gymnasieskola cells are structural zeros. */
static bool structural(enum hub_fu_measure m, size_t school)
{
    return m != HUB_FU_ATTENDANCE && school == 1 + HUB_FU_GYMNASIESKOLA;
}

/* ---- names ---- */

size_t hub_followup_group_count(enum hub_fu_table t)
{
    return t == HUB_FU_BY_SEX ? HUB_FU_SEXES : t == HUB_FU_BY_FORM ? HUB_FU_FORMS : HUB_FU_SCHOOLS;
}

const char *hub_followup_group_code(enum hub_fu_table t, size_t g)
{
    if (g == 0)
        return "all";
    switch (t) {
    case HUB_FU_BY_SEX:
        return hub_legal_sex_name((enum hub_legal_sex)(g - 1));
    case HUB_FU_BY_FORM:
        return hub_placement_form_name((enum hub_placement_form)(g - 1));
    case HUB_FU_BY_SCHOOL:
        return hub_fu_school_form_name((enum hub_fu_school_form)(g - 1));
    default:
        return NULL;
    }
}

const char *hub_followup_table_code(enum hub_fu_table t)
{
    static const char *const codes[HUB_FU__TABLES] = {"sex", "placement_form", "school_form"};
    return (unsigned)t < HUB_FU__TABLES ? codes[t] : NULL;
}

bool hub_followup_applies(enum hub_fu_measure m, enum hub_fu_table t, size_t g)
{
    return !(t == HUB_FU_BY_SCHOOL && structural(m, g));
}

/* ---- counting ---- */

/* Adds one child to outcome `o` (and the base) of measure m, in every margin it belongs to. */
static void add(hub_followup_t *f, enum hub_fu_measure m, size_t d, size_t sex, size_t form,
                size_t school, enum hub_fu_outcome o)
{
    int64_t *v = f->value + (size_t)m * f->ncell;
    size_t ds[2] = {0, d}, xs[2] = {0, sex}, fs[2] = {0, form}, ss[2] = {0, school};
    for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 2; b++)
            for (size_t c = 0; c < 2; c++)
                for (size_t e = 0; e < 2; e++) {
                    v[cell_of(ds[a], xs[b], fs[c], ss[e], HUB_FU_BASE)]++;
                    v[cell_of(ds[a], xs[b], fs[c], ss[e], o)]++;
                }
}

static size_t find_district(const hub_followup_t *f, const char *code)
{
    for (size_t d = 1; d < f->nd; d++)
        if (strcmp(f->codes[d], code) == 0)
            return d;
    return 0;
}

static void count_row(hub_followup_t *f, const hub_districts_t *t, int32_t last,
                      const struct hub_fu_row *r)
{
    size_t d = find_district(f, r->district);
    if (d == 0) {
        const struct hub_district *now = hub_districts_current(t, r->district, last);
        d = now ? find_district(f, now->code) : 0;
    }
    if (d == 0 || (unsigned)r->legal_sex >= HUB_SEX__COUNT ||
        (unsigned)r->placement_form >= HUB_FORM__COUNT ||
        (unsigned)r->school_form >= HUB_FU_SCHOOL__COUNT) {
        f->notes.other_district++;
        return;
    }
    size_t sex = 1 + (size_t)r->legal_sex, form = 1 + (size_t)r->placement_form;
    size_t school = 1 + (size_t)r->school_form;
    f->notes.children++;
    add(f, HUB_FU_ATTENDANCE, d, sex, form, school,
        r->attendance == HUB_ATT_90_PLUS ? HUB_FU_YES : HUB_FU_NO);
    if (r->school_form != HUB_FU_GRUNDSKOLA)
        return;
    if (r->knowledge_goals != HUB_GOALS_NOT_ASSESSED)
        add(f, HUB_FU_GOALS, d, sex, form, school,
            r->knowledge_goals == HUB_GOALS_REACHED ? HUB_FU_YES : HUB_FU_NO);
    if (r->grade_year == 9 && r->has_eligible)
        add(f, HUB_FU_ELIGIBLE, d, sex, form, school, r->eligible ? HUB_FU_YES : HUB_FU_NO);
}

/* ---- protection: the hypercubes per measure ---- */

static int suppress_measure(hub_followup_t *f, enum hub_fu_measure m, struct hub_error *err)
{
    int *dparent = malloc(f->nd * sizeof *dparent);
    hub_suppress_t *sup = NULL;
    struct hub_suppress_report rep = {0};
    int rc;

    if (!dparent)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    dparent[0] = -1;
    for (size_t d = 1; d < f->nd; d++)
        dparent[d] = 0;
    const struct hub_suppress_dim dims[FU_DIMS] = {{f->nd, dparent},
                                                   {HUB_FU_SEXES, flat3},
                                                   {HUB_FU_FORMS, flat8},
                                                   {HUB_FU_SCHOOLS, flat3},
                                                   {HUB_FU__OUTCOMES, flat3}};
    if ((rc = hub_suppress_new(FU_DIMS, dims, &sup, err)) != 0)
        goto out;
    const int64_t *v = f->value + (size_t)m * f->ncell;
    for (size_t c = 0; c < f->ncell; c++) {
        size_t d, sex, form, school, o;
        coord_of(c, &d, &sex, &form, &school, &o);
        enum hub_suppress_state st = !published(sex, form, school) ? HUB_SUPPRESS_UNPUBLISHED
                                     : structural(m, school)       ? HUB_SUPPRESS_FIXED
                                                                   : HUB_SUPPRESS_PUBLISHED;
        hub_suppress_set(sup, c, v[c], st);
        if (st == HUB_SUPPRESS_PUBLISHED && wanted(c))
            hub_suppress_keep(sup, c);
    }
    if ((rc = hub_suppress_run(sup, f->opt.k, &rep, err)) != 0)
        goto out;
    for (size_t c = 0; c < f->ncell; c++)
        f->state[(size_t)m * f->ncell + c] = (unsigned char)hub_suppress_state(sup, c);
    f->notes.primary += rep.primary;
out:
    hub_suppress_destroy(sup);
    free(dparent);
    return rc;
}

/* ---- protection: the audit of everything published together ---- */

static bool is_hidden(unsigned char st)
{
    return st == HUB_SUPPRESS_PRIMARY || st == HUB_SUPPRESS_SECONDARY;
}

static bool is_shown(unsigned char st)
{
    return st == HUB_SUPPRESS_PUBLISHED || st == HUB_SUPPRESS_FIXED;
}

/* A relation over up to HUB_FU_FORMS + 1 audit cells: lhs = sum of the others (EQ) or lhs <= rhs
 * cell (LE, two cells). */
static int relation(hub_sdc_audit_t *a, const size_t *cells, size_t n, enum hub_sdc_rel rel,
                    struct hub_error *err)
{
    int coef[64];
    if (n > sizeof coef / sizeof coef[0])
        return hub_error_set(err, HUB_EINTERNAL, "follow-up audit: relation too long");
    coef[0] = 1;
    for (size_t i = 1; i < n; i++)
        coef[i] = -1;
    return hub_sdc_audit_relation(a, n, cells, coef, rel, 0, err);
}

/* Every line of measure m's published tables: outcome, districts → city, each table's groups. */
static int measure_relations(const hub_followup_t *f, hub_sdc_audit_t *a, size_t off,
                             enum hub_fu_measure m, struct hub_error *err)
{
    size_t base = off + (size_t)m * f->ncell, cells[64];
    int rc = 0;
    if (f->nd > sizeof cells / sizeof cells[0])
        return hub_error_set(err, HUB_EINTERNAL, "follow-up audit: %zu districts, at most %zu",
                             f->nd, sizeof cells / sizeof cells[0]);
    for (size_t d = 0; rc == 0 && d < f->nd; d++)
        for (int t = 0; rc == 0 && t < HUB_FU__TABLES; t++)
            for (size_t g = 0; rc == 0 && g < hub_followup_group_count((enum hub_fu_table)t); g++) {
                if (g == 0 && t != HUB_FU_BY_SEX)
                    continue; /* the all row once */
                cells[0] = base + table_cell(d, (enum hub_fu_table)t, g, HUB_FU_BASE);
                cells[1] = base + table_cell(d, (enum hub_fu_table)t, g, HUB_FU_YES);
                cells[2] = base + table_cell(d, (enum hub_fu_table)t, g, HUB_FU_NO);
                rc = relation(a, cells, 3, HUB_SDC_EQ, err);
                if (rc == 0 && d == 0) {
                    for (size_t o = 0; rc == 0 && o < HUB_FU__OUTCOMES; o++) {
                        for (size_t k = 0; k < f->nd; k++)
                            cells[k] = base + table_cell(k, (enum hub_fu_table)t, g,
                                                         (enum hub_fu_outcome)o);
                        rc = relation(a, cells, f->nd, HUB_SDC_EQ, err);
                    }
                }
            }
    for (size_t d = 0; rc == 0 && d < f->nd; d++)
        for (int t = 0; rc == 0 && t < HUB_FU__TABLES; t++)
            for (size_t o = 0; rc == 0 && o < HUB_FU__OUTCOMES; o++) {
                size_t n = hub_followup_group_count((enum hub_fu_table)t);
                for (size_t g = 0; g < n; g++)
                    cells[g] =
                        base + table_cell(d, (enum hub_fu_table)t, g, (enum hub_fu_outcome)o);
                rc = relation(a, cells, n, HUB_SDC_EQ, err);
            }
    return rc;
}

/* Between measures: a goals or eligibility base is at most the children followed up in the same
 * cell, and the city-wide one at most those in grundskola. */
static int cross_relations(const hub_followup_t *f, hub_sdc_audit_t *a, size_t off,
                           struct hub_error *err)
{
    int rc = 0;
    size_t cells[2];
    for (int m = HUB_FU_GOALS; rc == 0 && m <= HUB_FU_ELIGIBLE; m++)
        for (size_t d = 0; rc == 0 && d < f->nd; d++)
            for (int t = 0; rc == 0 && t < HUB_FU__TABLES; t++)
                for (size_t g = 0; rc == 0 && g < hub_followup_group_count((enum hub_fu_table)t);
                     g++) {
                    if (!hub_followup_applies((enum hub_fu_measure)m, (enum hub_fu_table)t, g))
                        continue;
                    cells[0] = off + (size_t)m * f->ncell +
                               table_cell(d, (enum hub_fu_table)t, g, HUB_FU_BASE);
                    cells[1] = off + table_cell(d, (enum hub_fu_table)t, g, HUB_FU_BASE);
                    if (g == 0 && t == HUB_FU_BY_SCHOOL)
                        cells[1] = off + table_cell(d, HUB_FU_BY_SCHOOL, 1 + HUB_FU_GRUNDSKOLA,
                                                    HUB_FU_BASE);
                    rc = relation(a, cells, 2, HUB_SDC_LE, err);
                }
    return rc;
}

static void audit_cells(const hub_followup_t *f, hub_sdc_audit_t *a, size_t off)
{
    for (size_t i = 0; i < HUB_FU__MEASURES * f->ncell; i++) {
        if (is_hidden(f->state[i]))
            hub_sdc_audit_hidden(a, off + i, f->value[i], 0, HUB_SDC_UNBOUNDED);
        else
            hub_sdc_audit_shown(a, off + i, f->value[i]);
    }
}

/* The same districts in the same order: the two reports' cells line up. */
static bool same_layout(const hub_followup_t *f, const hub_followup_t *g)
{
    if (f->nd != g->nd)
        return false;
    for (size_t d = 0; d < f->nd; d++)
        if (strcmp(f->codes[d], g->codes[d]) != 0)
            return false;
    return true;
}

/* A year and its last tertial: every child of the tertial counts in the year with the same
 * follow-up (its newest of the year), so every year count is at least the tertial's. */
static int period_relations(const hub_followup_t *f, hub_sdc_audit_t *a, size_t off,
                            struct hub_error *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < HUB_FU__MEASURES * f->ncell; i++) {
        size_t cells[2] = {off + i, i};
        if (f->state[i] != HUB_SUPPRESS_UNPUBLISHED)
            rc = relation(a, cells, 2, HUB_SDC_LE, err);
    }
    return rc;
}

/* Whether shown cell c is cheaper to hide than shown cell b: one not wanted() before one that is,
 * then a non-zero count before a zero (hiding a zero protects little), then the smaller. */
static bool cheaper(const hub_followup_t *f, size_t c, size_t b)
{
    bool wc = wanted(c % f->ncell), wb = wanted(b % f->ncell);
    if (wc != wb)
        return !wc;
    if ((f->value[c] != 0) != (f->value[b] != 0))
        return f->value[c] != 0;
    return f->value[c] < f->value[b];
}

/* Hides the cheapest shown, non-structural count among the cells of the relations that bind a
 * narrowed cell (cheaper()). Returns whether one was found. */
static bool hide_one(hub_followup_t *f, hub_sdc_audit_t *a, const size_t *rels, size_t nrels)
{
    size_t best = SIZE_MAX;
    for (size_t r = 0; r < nrels; r++) {
        size_t n = 0;
        const size_t *cells = hub_sdc_audit_relation_cells(a, rels[r], &n);
        for (size_t i = 0; i < n; i++) {
            size_t c = cells[i];
            if (c >= HUB_FU__MEASURES * f->ncell || f->state[c] != HUB_SUPPRESS_PUBLISHED)
                continue; /* only this report's own shown counts (not the tertial's) */
            if (best == SIZE_MAX || cheaper(f, c, best))
                best = c;
        }
    }
    if (best == SIZE_MAX)
        return false;
    f->state[best] = HUB_SUPPRESS_SECONDARY;
    hub_sdc_audit_hidden(a, best, f->value[best], 0, HUB_SDC_UNBOUNDED);
    f->notes.repaired++;
    return true;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Audits f, and with `prev` (the last tertial of f's year, already published as it is) every
 * relation between the two; repairs by hiding more of f's counts only. */
static int audit(hub_followup_t *f, const hub_followup_t *prev, struct hub_error *err)
{
    hub_sdc_audit_t *a = NULL;
    struct hub_sdc_result res = {0};
    size_t rels[FU_BLOCKERS_MAX], own = HUB_FU__MEASURES * f->ncell;
    double t0 = now_ms();
    int rc;

    if (prev && !same_layout(f, prev))
        prev = NULL; /* a merger inside the year: the cells do not line up (not audited jointly) */
    if ((rc = hub_sdc_audit_new(prev ? 2 * own : own, &a, err)) != 0)
        return rc;
    audit_cells(f, a, 0);
    if (prev)
        audit_cells(prev, a, own);
    for (int m = 0; rc == 0 && m < HUB_FU__MEASURES; m++) {
        rc = measure_relations(f, a, 0, (enum hub_fu_measure)m, err);
        if (rc == 0 && prev)
            rc = measure_relations(prev, a, own, (enum hub_fu_measure)m, err);
    }
    if (rc == 0)
        rc = cross_relations(f, a, 0, err);
    if (rc == 0 && prev)
        rc = cross_relations(prev, a, own, err);
    if (rc == 0 && prev) {
        rc = period_relations(f, a, own, err);
        f->notes.joint = true;
    }
    for (size_t round = 0; rc == 0; round++) {
        if ((rc = hub_sdc_audit_run(a, f->opt.k, HUB_SDC_RULE, &res, err)) != 0)
            break;
        f->notes.rounds++;
        f->notes.lps += res.lps;
        if (round == 0)
            f->notes.narrowed_first = res.narrowed;
        if (res.narrowed == 0)
            break;
        if (round == FU_REPAIR_ROUNDS_MAX) {
            rc = hub_error_set(err, HUB_EINTERNAL,
                               "follow-up tables: %zu small counts still narrowed after %d "
                               "repair rounds; nothing is released",
                               res.narrowed, FU_REPAIR_ROUNDS_MAX);
            break;
        }
        bool progress = false;
        for (size_t c = 0; rc == 0 && c < (prev ? 2 * own : own) && !progress; c++) {
            size_t n = 0;
            if (!hub_sdc_audit_narrowed(a, c))
                continue;
            rc = hub_sdc_audit_blockers(a, c, f->opt.k, rels, FU_BLOCKERS_MAX, &n, err);
            if (rc == 0)
                progress = hide_one(f, a, rels, n);
        }
        if (rc == 0 && !progress)
            rc = hub_error_set(err, HUB_EINTERNAL,
                               "follow-up tables: a small count is narrowed and no shown count "
                               "binds it; nothing is released");
    }
    f->notes.ms = now_ms() - t0;
    hub_sdc_audit_destroy(a);
    return rc;
}

/* ---- building ---- */

static int check_options(const struct hub_fu_options *o, struct hub_error *err)
{
    if (!o || o->period > 3)
        return hub_error_set(err, HUB_EINVAL,
                             "follow-up report: the period must be a year or a "
                             "tertial");
    if (o->year < 1900 || o->year > 9999)
        return hub_error_set(err, HUB_EINVAL, "follow-up report: year %d out of range", o->year);
    if (o->k < HUB_STATS_K_MIN)
        return hub_error_set(err, HUB_EINVAL, "hub.stats.k: %lld is below %d", (long long)o->k,
                             HUB_STATS_K_MIN);
    return 0;
}

static int new_tables(const hub_districts_t *t, const struct hub_fu_options *opt,
                      hub_followup_t **out, struct hub_error *err)
{
    int32_t first, last;
    int rc;
    *out = NULL;
    if ((rc = check_options(opt, err)) != 0)
        return rc;
    hub_followup_t *f = calloc(1, sizeof *f);
    size_t n = hub_districts_count(t);
    if (!f)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    f->opt = *opt;
    f->codes = calloc(n + 1, sizeof *f->codes);
    f->names = calloc(n + 1, sizeof *f->names);
    if (!f->codes || !f->names) {
        hub_followup_destroy(f);
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    hub_stats_period_range(opt->year, opt->period, &first, &last);
    snprintf(f->codes[0], sizeof f->codes[0], "all");
    f->names[0] = "Hela staden";
    f->nd = 1;
    for (size_t i = 0; i < n; i++) {
        const struct hub_district *d = hub_districts_at(t, i);
        if (d->valid_from > last || d->valid_to < first)
            continue;
        snprintf(f->codes[f->nd], sizeof f->codes[f->nd], "%s", d->code);
        f->names[f->nd++] = d->name;
    }
    f->ncell = cell_of(f->nd, 0, 0, 0, 0);
    f->value = calloc(HUB_FU__MEASURES * f->ncell, sizeof *f->value);
    f->state = calloc(HUB_FU__MEASURES * f->ncell, 1);
    if (!f->value || !f->state) {
        hub_followup_destroy(f);
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    *out = f;
    return 0;
}

static int protect(hub_followup_t *f, const hub_followup_t *prev, struct hub_error *err)
{
    int rc = 0;
    for (int m = 0; rc == 0 && m < HUB_FU__MEASURES; m++)
        rc = suppress_measure(f, (enum hub_fu_measure)m, err);
    if (rc == 0)
        rc = audit(f, prev, err);
    for (size_t i = 0; rc == 0 && i < HUB_FU__MEASURES * f->ncell; i++) {
        if (f->state[i] == HUB_SUPPRESS_UNPUBLISHED)
            continue;
        f->notes.cells++;
        if (is_hidden(f->state[i]))
            f->notes.hidden++;
    }
    return rc;
}

static int build_rows(const hub_districts_t *districts, const struct hub_fu_options *opt,
                      const struct hub_fu_row *rows, size_t n, const hub_followup_t *prev,
                      hub_followup_t **out, struct hub_error *err)
{
    hub_followup_t *f = NULL;
    int32_t first, last;
    int rc = new_tables(districts, opt, &f, err);
    if (rc)
        return rc;
    hub_stats_period_range(opt->year, opt->period, &first, &last);
    for (size_t i = 0; i < n; i++)
        count_row(f, districts, last, &rows[i]);
    if ((rc = protect(f, prev, err)) != 0) {
        hub_followup_destroy(f);
        return rc;
    }
    *out = f;
    return 0;
}

int hub_followup_build_rows(const hub_districts_t *districts, const struct hub_fu_options *opt,
                            const struct hub_fu_row *rows, size_t n, hub_followup_t **out,
                            struct hub_error *err)
{
    return build_rows(districts, opt, rows, n, NULL, out, err);
}

/* The follow-ups reviewed in the period whose placement is known and had started, each child's
 * newest first; the pseudonym stays here (only its rank comes back), and the placement's district
 * with each, for the owner rule. */
static const char FU_SQL[] =
    "SELECT dense_rank() OVER (ORDER BY f.child), f.district, f.legal_sex, p.placement_form,\n"
    "       f.school_form, f.grade_year, f.attendance, f.knowledge_goals,\n"
    "       coalesce(f.upper_secondary_eligible::text, ''), p.district\n"
    "  FROM hub.follow_ups f\n"
    "  JOIN hub.placements p ON p.placement_id = f.placement_id\n"
    " WHERE f.review_date BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4\n"
    "   AND f.review_date >= p.start_date\n"
    " ORDER BY f.child, f.review_date DESC, f.occurred_at DESC, f.src_offset DESC";
static const char FU_UNMATCHED_SQL[] =
    "SELECT count(*) FILTER (WHERE why = 'pending'), count(*) FILTER (WHERE why = 'before_start')\n"
    "  FROM hub.follow_ups_unmatched\n"
    " WHERE review_date BETWEEN DATE '1970-01-01' + $1::int4 AND DATE '1970-01-01' + $2::int4";

/* Row i of FU_SQL (column 0 is the child's rank, 9 the placement's district). */
static int parse_row(const PGresult *res, int i, struct hub_fu_row *r, struct hub_error *err)
{
    const char *grade = PQgetvalue(res, i, 5), *elig = PQgetvalue(res, i, 8);
    char *end = NULL;
    long g = strtol(grade, &end, 10);
    memset(r, 0, sizeof *r);
    snprintf(r->district, sizeof r->district, "%s", PQgetvalue(res, i, 1));
    if (hub_legal_sex_parse(PQgetvalue(res, i, 2), &r->legal_sex) != 0 ||
        hub_placement_form_parse(PQgetvalue(res, i, 3), &r->placement_form) != 0 ||
        hub_fu_school_form_parse(PQgetvalue(res, i, 4), &r->school_form) != 0 ||
        hub_attendance_parse(PQgetvalue(res, i, 6), &r->attendance) != 0 ||
        hub_goals_parse(PQgetvalue(res, i, 7), &r->knowledge_goals) != 0 || end == grade || *end ||
        g < 1 || g > HUB_FU_GRUNDSKOLA_YEARS)
        return hub_error_set(err, HUB_EINTERNAL,
                             "hub.follow_ups: row %d holds a value the hub does not know", i + 1);
    r->grade_year = (int32_t)g;
    r->has_eligible = elig[0] != '\0';
    r->eligible = strcmp(elig, "true") == 0;
    return 0;
}

int hub_followup_build(PGconn *conn, const hub_districts_t *districts,
                       const struct hub_fu_options *opt, hub_followup_t **out,
                       struct hub_error *err)
{
    PGresult *res = NULL, *un = NULL;
    struct hub_fu_row *rows = NULL;
    hub_followup_t *f = NULL, *last_tertial = NULL;
    int32_t first, last;
    char p1[16], p2[16];
    int rc;

    *out = NULL;
    if ((rc = check_options(opt, err)) != 0)
        return rc;
    /* a year is protected together with its last tertial, as that is (or will be) published */
    if (opt->period == 0) {
        struct hub_fu_options t3 = *opt;
        t3.period = 3;
        if ((rc = hub_followup_build(conn, districts, &t3, &last_tertial, err)) != 0)
            return rc;
    }
    hub_stats_period_range(opt->year, opt->period, &first, &last);
    snprintf(p1, sizeof p1, "%d", (int)first);
    snprintf(p2, sizeof p2, "%d", (int)last);
    const char *params[2] = {p1, p2};
    if ((rc = hub_pg_exec(conn, "read the follow-ups", FU_SQL, 2, params, &res, err)) != 0 ||
        (rc = hub_pg_exec(conn, "count the unmatched follow-ups", FU_UNMATCHED_SQL, 2, params, &un,
                          err)) != 0)
        goto out;
    int n = PQntuples(res);
    rows = calloc(n > 0 ? (size_t)n : 1, sizeof *rows);
    if (!rows) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory for %d follow-ups", n);
        goto out;
    }
    /* per child the first row (its newest) of a district that may act for the placement */
    size_t kept = 0, not_owner = 0;
    const char *last_rank = "";
    for (int i = 0; rc == 0 && i < n; i++) {
        if (strcmp(PQgetvalue(res, i, 0), last_rank) == 0)
            continue; /* this child is counted already */
        if (!hub_owner_may_act(districts, PQgetvalue(res, i, 1), PQgetvalue(res, i, 9))) {
            not_owner++;
            continue;
        }
        last_rank = PQgetvalue(res, i, 0);
        rc = parse_row(res, i, &rows[kept++], err);
    }
    if (rc == 0)
        rc = build_rows(districts, opt, rows, kept, last_tertial, &f, err);
    if (rc == 0)
        f->notes.not_owner = not_owner;
    if (rc == 0 && PQntuples(un) == 1) {
        f->notes.pending = (size_t)strtoull(PQgetvalue(un, 0, 0), NULL, 10);
        f->notes.before_start = (size_t)strtoull(PQgetvalue(un, 0, 1), NULL, 10);
    }
    if (rc == 0)
        *out = f;
out:
    hub_followup_destroy(last_tertial);
    free(rows);
    PQclear(res);
    PQclear(un);
    return rc;
}

void hub_followup_destroy(hub_followup_t *f)
{
    if (!f)
        return;
    free(f->codes);
    free(f->names);
    free(f->value);
    free(f->state);
    free(f);
}

/* ---- reading ---- */

const struct hub_fu_options *hub_followup_options(const hub_followup_t *f)
{
    return &f->opt;
}

const struct hub_fu_notes *hub_followup_notes(const hub_followup_t *f)
{
    return &f->notes;
}

size_t hub_followup_district_count(const hub_followup_t *f)
{
    return f->nd;
}

const char *hub_followup_district_code(const hub_followup_t *f, size_t d)
{
    return d < f->nd ? f->codes[d] : NULL;
}

const char *hub_followup_district_name(const hub_followup_t *f, size_t d)
{
    return d < f->nd ? f->names[d] : NULL;
}

static bool valid_key(const hub_followup_t *f, size_t d, enum hub_fu_table t, size_t g,
                      enum hub_fu_measure m, enum hub_fu_outcome o)
{
    return d < f->nd && (unsigned)t < HUB_FU__TABLES && g < hub_followup_group_count(t) &&
           (unsigned)m < HUB_FU__MEASURES && (unsigned)o < HUB_FU__OUTCOMES;
}

struct hub_fu_count hub_followup_get(const hub_followup_t *f, size_t d, enum hub_fu_table t,
                                     size_t g, enum hub_fu_measure m, enum hub_fu_outcome o)
{
    struct hub_fu_count c = {0, true};
    if (!valid_key(f, d, t, g, m, o))
        return c;
    size_t i = (size_t)m * f->ncell + table_cell(d, t, g, o);
    c.hidden = !is_shown(f->state[i]);
    c.value = c.hidden ? 0 : f->value[i];
    return c;
}

bool hub_followup_share(const hub_followup_t *f, size_t d, enum hub_fu_table t, size_t g,
                        enum hub_fu_measure m, int64_t *per_mille)
{
    struct hub_fu_count b = hub_followup_get(f, d, t, g, m, HUB_FU_BASE);
    struct hub_fu_count y = hub_followup_get(f, d, t, g, m, HUB_FU_YES);
    struct hub_fu_count no = hub_followup_get(f, d, t, g, m, HUB_FU_NO);
    if (b.hidden || y.hidden || no.hidden || b.value <= 0)
        return false;
    *per_mille = (y.value * 1000 + b.value / 2) / b.value;
    return true;
}

int64_t hub_followup_true_value(const hub_followup_t *f, size_t d, enum hub_fu_table t, size_t g,
                                enum hub_fu_measure m, enum hub_fu_outcome o)
{
    if (!valid_key(f, d, t, g, m, o))
        return 0;
    return f->value[(size_t)m * f->ncell + table_cell(d, t, g, o)];
}
