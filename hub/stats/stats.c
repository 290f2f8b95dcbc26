/*
 * stats.c — one year of placements from the read model into a protected cube (see stats.h).
 *
 * Why counting happens in C and not in SQL GROUP BY: a placement's district is mapped through
 * the districts table (mergers, successors) before it is counted; distinct children, medians
 * and percentiles do not add up from months to tertials, years and the city, so they need the
 * individual rows; and a period has few enough rows (one per placement) that one ordered scan
 * is cheaper than sixteen grouped ones. Medians and the 90th percentile are exact: the rows are
 * sorted by days once and every cell picks the values at its ranks as they go by.
 *
 * The full cube (period × district × form × basis × sex × age, every level with its total) is
 * counted, including the cells no table publishes (e.g. form × sex): suppression needs them to
 * know which hidden values could move without making anything negative.
 */
#include "hub/stats/stats.h"
#include "hub/stats/stats_internal.h"
#include "hub/stats/stats_ledger.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/core/date.h"
#include "hub/pg/pg.h"

#define YEAR_MIN 1900
#define YEAR_MAX 9998

/* The placements that started in a period, each with what the definitions need (migration 002).
 * Distinct children are counted over dense_rank(), so no pseudonym leaves the database; rows come
 * in that order so each child's placements are adjacent. */
static const char STATS_SQL[] =
    "SELECT district, start_date - DATE '1970-01-01', placement_form, legal_basis, legal_sex,\n"
    "       age_group, school_change,\n"
    "       CASE WHEN school_change AND school_start_date <= $3::date\n"
    "            THEN days_to_school_start END,\n"
    "       dense_rank() OVER (ORDER BY child COLLATE \"C\")\n"
    "  FROM hub.stats_placements\n"
    " WHERE start_date BETWEEN $1::date AND $2::date\n"
    " ORDER BY child COLLATE \"C\"";

enum family { FAM_PLACEMENTS, FAM_CHILDREN, FAM_SCHOOL, FAM_OVER, FAM__COUNT };

struct row {
    size_t d;
    int month;
    size_t f, b, x, a;
    bool change, started;
    int64_t days;
    int64_t child;
};

static const char *const age_codes[HUB_STATS_AGES] = {"all",   "0-5",   "6-12",
                                                      "13-15", "16-17", "18+"};
static const char *const count_names[HUB_STATS__COUNTS] = {"placements_started", "children_placed",
                                                           "with_school_change", "school_started",
                                                           "over_threshold",     "not_started"};

/* ---- names and periods ---- */

const char *hub_stats_count_name(enum hub_stats_count c)
{
    return (unsigned)c < HUB_STATS__COUNTS ? count_names[c] : "?";
}

const char *hub_stats_form_code(size_t f)
{
    return f == 0 ? "all" : f < HUB_STATS_FORMS ? hub_placement_form_symbols[f - 1] : "?";
}

const char *hub_stats_basis_code(size_t b)
{
    return b == 0 ? "all" : b < HUB_STATS_BASES ? hub_legal_basis_symbols[b - 1] : "?";
}

const char *hub_stats_sex_code(size_t x)
{
    return x == 0 ? "all" : x < HUB_STATS_SEXES ? hub_legal_sex_symbols[x - 1] : "?";
}

const char *hub_stats_age_code(size_t a)
{
    return a < HUB_STATS_AGES ? age_codes[a] : "?";
}

enum hub_stats_period_kind hub_stats_period_kind(size_t period)
{
    return period == 0 ? HUB_STATS_YEAR : period <= 3 ? HUB_STATS_TERTIAL : HUB_STATS_MONTH;
}

int hub_stats_period_month(size_t period)
{
    return period >= 4 && period < HUB_STATS_PERIODS ? (int)period - 3 : 0;
}

static size_t tertial_of_month(int month)
{
    return (size_t)((month - 1) / 4 + 1);
}

bool hub_stats_period_within(size_t inner, size_t outer)
{
    if (inner == outer || outer == 0)
        return true;
    return hub_stats_period_kind(outer) == HUB_STATS_TERTIAL &&
           hub_stats_period_kind(inner) == HUB_STATS_MONTH &&
           tertial_of_month(hub_stats_period_month(inner)) == outer;
}

void hub_stats_period_label(int year, size_t period, char buf[HUB_STATS_PERIOD_LABEL_MAX])
{
    int y = year < 0 ? 0 : year > 9999 ? 9999 : year;
    switch (hub_stats_period_kind(period)) {
    case HUB_STATS_YEAR:
        snprintf(buf, HUB_STATS_PERIOD_LABEL_MAX, "%04d", y);
        break;
    case HUB_STATS_TERTIAL:
        snprintf(buf, HUB_STATS_PERIOD_LABEL_MAX, "%04dT%d", y, (int)period);
        break;
    default:
        snprintf(buf, HUB_STATS_PERIOD_LABEL_MAX, "%04d-%02d", y, hub_stats_period_month(period));
        break;
    }
}

static int32_t day_of(int year, int month, int day)
{
    struct hub_date d = {year, month, day};
    return hub_date_to_days(&d);
}

void hub_stats_period_range(int year, size_t period, int32_t *first, int32_t *last)
{
    int m1 = 1, m2 = 12;
    if (hub_stats_period_kind(period) == HUB_STATS_TERTIAL) {
        m1 = 4 * ((int)period - 1) + 1;
        m2 = m1 + 3;
    } else if (hub_stats_period_kind(period) == HUB_STATS_MONTH) {
        m1 = m2 = hub_stats_period_month(period);
    }
    *first = day_of(year, m1, 1);
    *last = day_of(year, m2, hub_date_days_in_month(year, m2));
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int digits_value(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

int hub_stats_period_parse(const char *text, int *year, size_t *period, struct hub_error *err)
{
    size_t n = text ? strlen(text) : 0;

    if (n >= 4 && all_digits(text, 4)) {
        int y = digits_value(text, 4);
        if (y < YEAR_MIN || y > YEAR_MAX)
            return hub_error_set(err, HUB_EINVAL, "period '%s': year outside %d..%d", text,
                                 YEAR_MIN, YEAR_MAX);
        if (n == 4) {
            *year = y;
            *period = 0;
            return 0;
        }
        if (n == 7 && text[4] == '-' && all_digits(text + 5, 2)) {
            int m = digits_value(text + 5, 2);
            if (m >= 1 && m <= 12) {
                *year = y;
                *period = (size_t)(3 + m);
                return 0;
            }
        }
        if (n == 6 && (text[4] == 'T' || text[4] == 't') && text[5] >= '1' && text[5] <= '3') {
            *year = y;
            *period = (size_t)(text[5] - '0');
            return 0;
        }
    }
    return hub_error_set(err, HUB_EINVAL,
                         "period '%.20s': expected YYYY-MM (month), YYYYTn (tertial 1..3) or "
                         "YYYY (year)",
                         text ? text : "");
}

/* ---- cube layout ---- */

bool hub_stats_key_published(const struct hub_stats_key *k)
{
    bool in_table = (k->sex == 0 && k->age == 0) || (k->form == 0 && k->basis == 0);
    bool detail = k->form != 0 || k->basis != 0 || k->sex != 0 || k->age != 0;
    /* A district's month is published as its totals only: its detail is mostly counts below k
     * (consumers/STATISTICS.md §5, "Coarser cells"). */
    return in_table &&
           !(detail && k->district != 0 && hub_stats_period_kind(k->period) == HUB_STATS_MONTH);
}

bool hub_stats_count_published(const struct hub_stats_key *k, enum hub_stats_count c)
{
    /* The school-start family and distinct children are shown for totals only: in a form, a
     * legal basis, a sex or an age group they are mostly below k (consumers/STATISTICS.md §5,
     * "Coarser cells"), and distinct children equal placements there almost everywhere. */
    bool total = k->form == 0 && k->basis == 0 && k->sex == 0 && k->age == 0;
    return hub_stats_key_published(k) && (c == HUB_STATS_PLACEMENTS || total);
}

/* ---- accessors ---- */

const struct hub_stats_options *hub_stats_options_of(const hub_stats_t *s)
{
    return &s->opt;
}

const struct hub_stats_notes *hub_stats_notes_of(const hub_stats_t *s)
{
    return &s->notes;
}

const struct hub_suppress_report *hub_stats_suppression_of(const hub_stats_t *s)
{
    return &s->rep;
}

const struct hub_stats_protection *hub_stats_protection_of(const hub_stats_t *s)
{
    return &s->prot;
}

size_t hub_stats_district_count(const hub_stats_t *s)
{
    return s->nd;
}

const char *hub_stats_district_code(const hub_stats_t *s, size_t d)
{
    return d < s->nd ? s->dist[d].code : "?";
}

const char *hub_stats_district_name(const hub_stats_t *s, size_t d)
{
    return d < s->nd ? s->dist[d].name : "?";
}

const struct hub_district *hub_stats_district_ref(const hub_stats_t *s, size_t d)
{
    return d < s->nd ? s->dist[d].ref : NULL;
}

size_t hub_stats_district_find(const hub_stats_t *s, const char *code)
{
    for (size_t d = 0; d < s->nd; d++)
        if (strcmp(s->dist[d].code, code) == 0)
            return d;
    return SIZE_MAX;
}

bool hub_stats_period_published(const hub_stats_t *s, size_t period)
{
    return period < HUB_STATS_PERIODS && hub_stats_period_within(period, s->opt.period);
}

bool hub_stats_district_in_period(const hub_stats_t *s, size_t period, size_t d)
{
    return period < HUB_STATS_PERIODS && d < s->nd && s->in_period[period * s->nd + d];
}

static bool key_ok(const hub_stats_t *s, const struct hub_stats_key *k)
{
    return hub_stats_period_published(s, k->period) && k->district < s->nd &&
           k->form < HUB_STATS_FORMS && k->basis < HUB_STATS_BASES && k->sex < HUB_STATS_SEXES &&
           k->age < HUB_STATS_AGES && hub_stats_key_published(k);
}

/* One symbol for every hidden count: a reader cannot tell a small count from one hidden to
 * protect it. */
static enum hub_stats_mark mark_of(unsigned char st)
{
    return st == HUB_SUPPRESS_PRIMARY || st == HUB_SUPPRESS_SECONDARY ? HUB_STATS_HIDDEN
                                                                      : HUB_STATS_SHOWN;
}

bool hub_stats_days_shown(const hub_stats_t *s, size_t pub, size_t coord)
{
    int64_t started = s->count[coord * HUB_STATS__COUNTS + HUB_STATS_SCHOOL_STARTED];
    return mark_of(s->state[pub * HUB_STATS__COUNTS + HUB_STATS_SCHOOL_STARTED]) ==
               HUB_STATS_SHOWN &&
           started >= s->opt.k && !s->days_hidden[pub];
}

static void fill_cell(const hub_stats_t *s, const struct hub_stats_key *k, bool protect,
                      struct hub_stats_cell *out)
{
    size_t coord = hub_stats_coord(s, k->period, k->district, k->form, k->basis, k->sex, k->age);
    size_t pub =
        hub_stats_pub(s, k->period, k->district, hub_stats_slot(k->form, k->basis, k->sex, k->age));
    const int64_t *cnt = &s->count[coord * HUB_STATS__COUNTS];
    const struct days_acc *da = &s->days[pub];
    int64_t started = cnt[HUB_STATS_SCHOOL_STARTED];

    memset(out, 0, sizeof *out);
    for (size_t c = 0; c < HUB_STATS__COUNTS; c++) {
        out->mark[c] = !protect ? HUB_STATS_SHOWN
                       : !hub_stats_count_published(k, (enum hub_stats_count)c)
                           ? HUB_STATS_NOT_PUBLISHED
                           : mark_of(s->state[pub * HUB_STATS__COUNTS + c]);
        out->count[c] = out->mark[c] == HUB_STATS_SHOWN ? cnt[c] : 0;
    }
    /* The days follow their base: when the number of school starts is hidden, so are the days
     * (else "no data" would reveal a hidden 0, and figures a hidden count of at least k); below
     * k they are not shown; and the audit withholds them where they would narrow a hidden
     * over_threshold. */
    if (!protect)
        out->days_mark = started == 0 ? HUB_STATS_NO_DATA : HUB_STATS_SHOWN;
    else if (out->mark[HUB_STATS_SCHOOL_STARTED] == HUB_STATS_NOT_PUBLISHED)
        out->days_mark = HUB_STATS_NOT_PUBLISHED;
    else if (out->mark[HUB_STATS_SCHOOL_STARTED] == HUB_STATS_SHOWN && started == 0)
        out->days_mark = HUB_STATS_NO_DATA;
    else
        out->days_mark =
            hub_stats_days_shown(s, pub, coord) ? HUB_STATS_SHOWN : HUB_STATS_DAYS_WITHHELD;
    if (out->days_mark == HUB_STATS_SHOWN) {
        out->days_median_x10 = (da->lo + da->hi) * 5;
        out->days_p90 = da->p90;
        out->days_max = da->max;
    }
}

int hub_stats_get(const hub_stats_t *s, const struct hub_stats_key *key, struct hub_stats_cell *out)
{
    if (!key_ok(s, key))
        return HUB_EINVAL;
    fill_cell(s, key, true, out);
    return 0;
}

int hub_stats_get_month_total(const hub_stats_t *s, int month, size_t district,
                              struct hub_stats_cell *out)
{
    int32_t first, last, rfirst, rlast;
    if (month < 1 || month > 12 || district >= s->nd)
        return HUB_EINVAL;
    hub_stats_period_range(s->opt.year, (size_t)(3 + month), &first, &last);
    hub_stats_period_range(s->opt.year, s->opt.period, &rfirst, &rlast);
    if (first > rlast)
        return HUB_EINVAL;
    fill_cell(s, &(struct hub_stats_key){(size_t)(3 + month), district, 0, 0, 0, 0}, true, out);
    return 0;
}

int hub_stats_get_unprotected(const hub_stats_t *s, const struct hub_stats_key *key,
                              struct hub_stats_cell *out)
{
    /* the truth of any cell of the two tables, published or not (a district's month detail) */
    if (!hub_stats_period_published(s, key->period) || key->district >= s->nd ||
        key->form >= HUB_STATS_FORMS || key->basis >= HUB_STATS_BASES ||
        key->sex >= HUB_STATS_SEXES || key->age >= HUB_STATS_AGES ||
        !((key->sex == 0 && key->age == 0) || (key->form == 0 && key->basis == 0)))
        return HUB_EINVAL;
    fill_cell(s, key, false, out);
    return 0;
}

/* A cell of a district-month record: a detail the month does not publish for a district reads
 * as hidden (the record's layout has every cell). */
static void month_cell(const hub_stats_t *s, const struct hub_stats_key *k,
                       struct hub_stats_cell *out)
{
    if (hub_stats_key_published(k)) {
        fill_cell(s, k, true, out);
        return;
    }
    memset(out, 0, sizeof *out);
    for (size_t c = 0; c < HUB_STATS__COUNTS; c++)
        out->mark[c] = HUB_STATS_HIDDEN;
    out->days_mark = HUB_STATS_DAYS_WITHHELD;
}

int hub_stats_district_month(const hub_stats_t *s, size_t d, int month,
                             struct hub_stats_district_month *out, struct hub_error *err)
{
    size_t p = (size_t)(3 + month);
    if (d >= s->nd || month < 1 || month > 12 || !hub_stats_period_published(s, p))
        return hub_error_set(err, HUB_EINVAL, "district %zu, month %d: not in this cube", d, month);
    hub_stats_period_label(s->opt.year, p, out->period);
    out->district = s->dist[d].code;
    out->district_name = s->dist[d].name;
    for (size_t f = 0; f < HUB_STATS_FORMS; f++)
        for (size_t b = 0; b < HUB_STATS_BASES; b++)
            month_cell(s, &(struct hub_stats_key){p, d, f, b, 0, 0}, &out->by_form_basis[f][b]);
    for (size_t x = 0; x < HUB_STATS_SEXES; x++)
        for (size_t a = 0; a < HUB_STATS_AGES; a++)
            month_cell(s, &(struct hub_stats_key){p, d, 0, 0, x, a}, &out->by_sex_age[x][a]);
    return 0;
}

/* ---- building ---- */

static int add_district(hub_stats_t *s, const char *code, const struct hub_district *ref,
                        size_t *index, struct hub_error *err)
{
    size_t found = hub_stats_district_find(s, code);
    if (found != SIZE_MAX) {
        if (index)
            *index = found;
        return 0;
    }
    if (s->nd == s->cap_d) {
        size_t cap = s->cap_d ? 2 * s->cap_d : 32;
        struct sdist *nd = realloc(s->dist, cap * sizeof *nd);
        if (!nd)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        s->dist = nd;
        s->cap_d = cap;
    }
    struct sdist *sd = &s->dist[s->nd];
    snprintf(sd->code, sizeof sd->code, "%s", code);
    snprintf(sd->name, sizeof sd->name, "%s", ref ? ref->name : code);
    sd->ref = ref;
    if (index)
        *index = s->nd;
    s->nd++;
    return 0;
}

/* The district a placement is counted under (see hub_stats_notes). */
static const char *map_district_noted(hub_stats_t *s, const hub_districts_t *t, const char *code,
                                      int32_t start);

static const char *map_district(hub_stats_t *s, const hub_districts_t *t, const char *code,
                                int32_t start, bool note)
{
    struct hub_stats_notes keep = s->notes;
    const char *mapped = map_district_noted(s, t, code, start);
    if (!note)
        s->notes = keep; /* a row outside the report period: counted, not noted */
    return mapped;
}

static const char *map_district_noted(hub_stats_t *s, const hub_districts_t *t, const char *code,
                                      int32_t start)
{
    const struct hub_district *ref = hub_districts_find(t, code), *cur;

    if (s->opt.current_districts) {
        cur = hub_districts_current(t, code, s->opt.as_of);
        if (cur && strcmp(cur->code, code) != 0) {
            s->notes.mapped_current++;
            return cur->code;
        }
        return code;
    }
    if (!ref || hub_district_valid_on(ref, start))
        return code;
    cur = hub_districts_current(t, code, start);
    if (cur) {
        s->notes.moved_forward++;
        return cur->code;
    }
    s->notes.kept_successor++;
    return code;
}

static int parse_i64(const char *text, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end)
        return HUB_EINVAL;
    *out = v;
    return 0;
}

/* One row of the statistics query as a hub_stats_row; the district points into res. */
static int parse_row(const PGresult *res, int i, struct hub_stats_row *r, struct hub_error *err)
{
    int64_t day = 0, v;

    r->district = PQgetvalue(res, i, 0);
    if (parse_i64(PQgetvalue(res, i, 1), &day) != 0 || day < INT32_MIN || day > INT32_MAX)
        return hub_error_set(err, HUB_EINVAL, "statistics query: row %d: bad start date", i);
    r->start_date = (int32_t)day;
    if (hub_placement_form_parse(PQgetvalue(res, i, 2), &r->form) != 0)
        return hub_error_set(err, HUB_EINVAL,
                             "hub.placements: placement_form '%.40s' is not a known form",
                             PQgetvalue(res, i, 2));
    if (hub_legal_basis_parse(PQgetvalue(res, i, 3), &r->basis) != 0)
        return hub_error_set(err, HUB_EINVAL,
                             "hub.placements: legal_basis '%.40s' is not SoL or LVU",
                             PQgetvalue(res, i, 3));
    if (hub_legal_sex_parse(PQgetvalue(res, i, 4), &r->sex) != 0)
        return hub_error_set(err, HUB_EINVAL,
                             "hub.placements: legal_sex '%.40s' is not female or male",
                             PQgetvalue(res, i, 4));
    r->age_group = 0;
    for (size_t a = 1; a < HUB_STATS_AGES; a++)
        if (strcmp(PQgetvalue(res, i, 5), age_codes[a]) == 0)
            r->age_group = a;
    if (r->age_group == 0)
        return hub_error_set(err, HUB_EINVAL, "hub.stats_placements: unknown age group '%.20s'",
                             PQgetvalue(res, i, 5));
    r->school_change = strcmp(PQgetvalue(res, i, 6), "t") == 0;
    r->started = !PQgetisnull(res, i, 7);
    r->days = 0;
    if (r->started && (parse_i64(PQgetvalue(res, i, 7), &v) != 0 || v < 0))
        return hub_error_set(err, HUB_EINVAL, "statistics query: row %d: bad days", i);
    if (r->started)
        r->days = v;
    if (parse_i64(PQgetvalue(res, i, 8), &r->child) != 0)
        return hub_error_set(err, HUB_EINVAL, "statistics query: row %d: bad child rank", i);
    return 0;
}

/* A hub_stats_row into the cube's coordinates. */
static int place_row(hub_stats_t *s, const hub_districts_t *t, size_t i,
                     const struct hub_stats_row *in, bool note, struct row *r,
                     struct hub_error *err)
{
    struct hub_date date;

    if ((unsigned)in->form >= HUB_FORM__COUNT || (unsigned)in->basis >= HUB_BASIS__COUNT ||
        (unsigned)in->sex >= HUB_SEX__COUNT || in->age_group < 1 ||
        in->age_group >= HUB_STATS_AGES || in->days < 0 || !in->district)
        return hub_error_set(err, HUB_EINVAL, "statistics: row %zu: a value out of range", i);
    hub_days_to_date(in->start_date, &date);
    r->month = date.month;
    r->f = (size_t)in->form + 1;
    r->b = (size_t)in->basis + 1;
    r->x = (size_t)in->sex + 1;
    r->a = in->age_group;
    r->change = in->school_change;
    r->started = in->school_change && in->started;
    r->days = r->started ? in->days : 0;
    r->child = in->child;
    const char *code = map_district(s, t, in->district, in->start_date, note);
    return add_district(s, code, hub_districts_find(t, code), &r->d, err);
}

static int compare_days(const void *pa, const void *pb)
{
    const struct row *a = *(const struct row *const *)pa, *b = *(const struct row *const *)pb;
    if (a->days != b->days)
        return a->days < b->days ? -1 : 1;
    return a < b ? -1 : a > b;
}

static void count_row(hub_stats_t *s, const struct row *r, int64_t *last_child)
{
    const size_t ps[3] = {0, tertial_of_month(r->month), (size_t)(3 + r->month)};
    const size_t ds[2] = {0, r->d}, fs[2] = {0, r->f}, bs[2] = {0, r->b}, xs[2] = {0, r->x},
                 as[2] = {0, r->a};

    for (size_t pi = 0; pi < 3; pi++)
        for (size_t di = 0; di < 2; di++)
            for (size_t fi = 0; fi < 2; fi++)
                for (size_t bi = 0; bi < 2; bi++)
                    for (size_t xi = 0; xi < 2; xi++)
                        for (size_t ai = 0; ai < 2; ai++) {
                            size_t coord =
                                hub_stats_coord(s, ps[pi], ds[di], fs[fi], bs[bi], xs[xi], as[ai]);
                            int64_t *c = &s->count[coord * HUB_STATS__COUNTS];
                            c[HUB_STATS_PLACEMENTS]++;
                            if (last_child[coord] != r->child) {
                                last_child[coord] = r->child;
                                c[HUB_STATS_CHILDREN]++;
                            }
                            if (!r->change)
                                continue;
                            c[HUB_STATS_WITH_SCHOOL_CHANGE]++;
                            if (!r->started) {
                                c[HUB_STATS_NOT_STARTED]++;
                                continue;
                            }
                            c[HUB_STATS_SCHOOL_STARTED]++;
                            if (r->days > s->opt.threshold_days)
                                c[HUB_STATS_OVER_THRESHOLD]++;
                        }
}

/* Feeds one started row, in ascending order of days, to the order statistics of every published
 * cell it belongs to. */
static void rank_row(hub_stats_t *s, const struct row *r)
{
    const size_t ps[3] = {0, tertial_of_month(r->month), (size_t)(3 + r->month)};
    const size_t ds[2] = {0, r->d};
    size_t slot[7][4], n = 0;

    for (size_t fi = 0; fi < 2; fi++)
        for (size_t bi = 0; bi < 2; bi++) {
            size_t f = fi ? r->f : 0, b = bi ? r->b : 0;
            slot[n][0] = f, slot[n][1] = b, slot[n][2] = 0, slot[n][3] = 0, n++;
        }
    for (size_t xi = 0; xi < 2; xi++)
        for (size_t ai = 0; ai < 2; ai++) {
            if (!xi && !ai)
                continue;
            size_t x = xi ? r->x : 0, a = ai ? r->a : 0;
            slot[n][0] = 0, slot[n][1] = 0, slot[n][2] = x, slot[n][3] = a, n++;
        }
    for (size_t pi = 0; pi < 3; pi++)
        for (size_t di = 0; di < 2; di++)
            for (size_t j = 0; j < n; j++) {
                size_t coord = hub_stats_coord(s, ps[pi], ds[di], slot[j][0], slot[j][1],
                                               slot[j][2], slot[j][3]);
                size_t pub =
                    hub_stats_pub(s, ps[pi], ds[di],
                                  hub_stats_slot(slot[j][0], slot[j][1], slot[j][2], slot[j][3]));
                int64_t total = s->count[coord * HUB_STATS__COUNTS + HUB_STATS_SCHOOL_STARTED];
                struct days_acc *da = &s->days[pub];
                int64_t rank = ++da->seen;
                /* median: mean of ranks floor((n+1)/2) and floor(n/2)+1 (the same when n is odd);
                 * p90: nearest rank ceil(0.9 n); max: rank n */
                if (rank == (total + 1) / 2)
                    da->lo = r->days;
                if (rank == total / 2 + 1)
                    da->hi = r->days;
                if (rank == (9 * total + 9) / 10)
                    da->p90 = r->days;
                if (rank == total)
                    da->max = r->days;
            }
}

static const int period_parent[HUB_STATS_PERIODS] = {-1, 0, 0, 0, 1, 1, 1, 1,
                                                     2,  2, 2, 2, 3, 3, 3, 3};
static const int measure_parent[3] = {-1, 0, 0}; /* with_school_change = started + not started */

static enum hub_stats_count family_count(enum family fam, size_t m)
{
    static const enum hub_stats_count school[3] = {HUB_STATS_WITH_SCHOOL_CHANGE,
                                                   HUB_STATS_SCHOOL_STARTED, HUB_STATS_NOT_STARTED};
    switch (fam) {
    case FAM_PLACEMENTS:
        return HUB_STATS_PLACEMENTS;
    case FAM_CHILDREN:
        return HUB_STATS_CHILDREN;
    case FAM_OVER:
        return HUB_STATS_OVER_THRESHOLD;
    default:
        return school[m];
    }
}

/* Keeps the hypercubes of one family as moves for the audit (pub * counts + count, sign). */
static int keep_moves(hub_stats_t *s, const hub_suppress_t *sup, enum family fam, size_t nm,
                      struct hub_error *err)
{
    for (size_t i = 0; i < hub_suppress_cube_count(sup); i++) {
        const int *sign;
        size_t n;
        const size_t *cell = hub_suppress_cube(sup, i, &sign, &n);
        if (s->nmove + 2 > s->cap_move) {
            size_t cap = s->cap_move ? 2 * s->cap_move : 1024;
            size_t *st = realloc(s->move_start, (cap + 1) * sizeof *st);
            if (!st)
                return hub_error_set(err, HUB_ENOMEM, "out of memory");
            s->move_start = st;
            s->cap_move = cap;
            if (s->nmove == 0)
                s->move_start[0] = 0;
        }
        if (s->move_nnz + n > s->cap_move_nnz) {
            size_t cap = s->cap_move_nnz ? 2 * s->cap_move_nnz : 8192;
            while (cap < s->move_nnz + n)
                cap *= 2;
            size_t *c = realloc(s->move_cell, cap * sizeof *c);
            if (c)
                s->move_cell = c;
            int *g = realloc(s->move_sign, cap * sizeof *g);
            if (g)
                s->move_sign = g;
            if (!c || !g)
                return hub_error_set(err, HUB_ENOMEM, "out of memory");
            s->cap_move_nnz = cap;
        }
        for (size_t j = 0; j < n; j++) {
            size_t coord = cell[j] / nm, m = cell[j] % nm, rest = coord % COORD_PER_PD;
            size_t a = rest % HUB_STATS_AGES, x = rest / HUB_STATS_AGES % HUB_STATS_SEXES;
            size_t b = rest / (HUB_STATS_AGES * HUB_STATS_SEXES) % HUB_STATS_BASES;
            size_t f = rest / (HUB_STATS_AGES * HUB_STATS_SEXES * HUB_STATS_BASES);
            size_t pub = coord / COORD_PER_PD * PUB_PER_PD + hub_stats_slot(f, b, x, a);
            s->move_cell[s->move_nnz] = pub * HUB_STATS__COUNTS + family_count(fam, m);
            s->move_sign[s->move_nnz++] = sign[j];
        }
        s->move_start[++s->nmove] = s->move_nnz;
    }
    return 0;
}

/* Suppresses one family of counts over the full cube and stores the outcome per published cell. */
static int suppress_family(hub_stats_t *s, enum family fam, struct hub_error *err)
{
    int *dparent = malloc(s->nd * sizeof *dparent);
    static const int flat8[8] = {-1, 0, 0, 0, 0, 0, 0, 0};
    struct hub_suppress_dim dims[7];
    size_t nm = fam == FAM_SCHOOL ? 3 : 1, ndims = fam == FAM_SCHOOL ? 7 : 6;
    hub_suppress_t *sup = NULL;
    struct hub_suppress_report rep;
    int rc;

    if (!dparent)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    for (size_t d = 0; d < s->nd; d++)
        dparent[d] = d == 0 ? -1 : 0;
    dims[0] = (struct hub_suppress_dim){HUB_STATS_PERIODS, period_parent};
    dims[1] = (struct hub_suppress_dim){s->nd, dparent};
    dims[2] = (struct hub_suppress_dim){HUB_STATS_FORMS, flat8};
    dims[3] = (struct hub_suppress_dim){HUB_STATS_BASES, flat8};
    dims[4] = (struct hub_suppress_dim){HUB_STATS_SEXES, flat8};
    dims[5] = (struct hub_suppress_dim){HUB_STATS_AGES, flat8};
    dims[6] = (struct hub_suppress_dim){3, measure_parent};
    if ((rc = hub_suppress_new(ndims, dims, &sup, err)) != 0)
        goto out;
    /* The suppression table's layout is the cube's with the measure last. */
    size_t ncoord = HUB_STATS_PERIODS * s->nd * COORD_PER_PD;
    for (size_t coord = 0; coord < ncoord; coord++) {
        size_t a = coord % HUB_STATS_AGES, x = coord / HUB_STATS_AGES % HUB_STATS_SEXES;
        size_t b = coord / (HUB_STATS_AGES * HUB_STATS_SEXES) % HUB_STATS_BASES;
        size_t f = coord / (HUB_STATS_AGES * HUB_STATS_SEXES * HUB_STATS_BASES) % HUB_STATS_FORMS;
        size_t pd = coord / COORD_PER_PD;
        struct hub_stats_key k = {pd / s->nd, pd % s->nd, f, b, x, a};
        enum hub_suppress_state st = !hub_stats_count_published(&k, family_count(fam, 0))
                                         ? HUB_SUPPRESS_UNPUBLISHED
                                     : s->in_period[pd] ? HUB_SUPPRESS_PUBLISHED
                                                        : HUB_SUPPRESS_FIXED;
        if (fam == FAM_PLACEMENTS && st == HUB_SUPPRESS_PUBLISHED && k.district != 0 &&
            k.form == 0 && k.basis == 0 && k.sex == 0 && k.age == 0 &&
            s->count[coord * HUB_STATS__COUNTS] >= s->opt.k)
            hub_suppress_keep(sup, coord); /* a district's total stays shown if at all possible */
        for (size_t m = 0; m < nm; m++)
            hub_suppress_set(sup, coord * nm + m,
                             s->count[coord * HUB_STATS__COUNTS + family_count(fam, m)], st);
    }
    if ((rc = hub_suppress_run(sup, s->opt.k, &rep, err)) != 0)
        goto out;
    for (size_t coord = 0; coord < ncoord; coord++) {
        size_t pd = coord / COORD_PER_PD, rest = coord % COORD_PER_PD;
        size_t a = rest % HUB_STATS_AGES, x = rest / HUB_STATS_AGES % HUB_STATS_SEXES;
        size_t b = rest / (HUB_STATS_AGES * HUB_STATS_SEXES) % HUB_STATS_BASES;
        size_t f = rest / (HUB_STATS_AGES * HUB_STATS_SEXES * HUB_STATS_BASES);
        if (!((x == 0 && a == 0) || (f == 0 && b == 0)))
            continue;
        size_t pub = pd * PUB_PER_PD + hub_stats_slot(f, b, x, a);
        for (size_t m = 0; m < nm; m++)
            s->state[pub * HUB_STATS__COUNTS + family_count(fam, m)] =
                (unsigned char)hub_suppress_state(sup, coord * nm + m);
    }
    s->rep.primary += rep.primary;
    s->rep.secondary += rep.secondary;
    s->rep.hypercubes += rep.hypercubes;
    s->rep.interval_fallbacks += rep.interval_fallbacks;
    s->rep.classic_fixes += rep.classic_fixes;
    rc = keep_moves(s, sup, fam, nm, err);
out:
    hub_suppress_destroy(sup);
    free(dparent);
    return rc;
}

/* What was published before (stats_ledger.h): hidden stays hidden; shown with the same value is
 * known to the reader, so it stays shown and the audit takes it as a constant. */
static void apply_ledger(hub_stats_t *s)
{
    for (size_t i = 0; i < hub_stats_ledger_count(s->opt.ledger); i++) {
        const struct hub_stats_ledger_cell *lc = hub_stats_ledger_at(s->opt.ledger, i);
        size_t d = hub_stats_district_find(s, lc->district), p = (size_t)(3 + lc->month);
        struct hub_stats_key key = lc->key;
        key.period = p;
        key.district = d;
        if (d == SIZE_MAX || !hub_stats_count_published(&key, lc->count))
            continue; /* a district or a cell this publication does not have */
        size_t coord = hub_stats_coord(s, p, d, key.form, key.basis, key.sex, key.age);
        size_t pub = hub_stats_pub(s, p, d, hub_stats_slot(key.form, key.basis, key.sex, key.age));
        size_t at = pub * HUB_STATS__COUNTS + lc->count;
        unsigned char *st = &s->state[at];
        if (*st == HUB_SUPPRESS_FIXED || *st == HUB_SUPPRESS_UNPUBLISHED)
            continue;
        if (lc->hidden) {
            if (*st == HUB_SUPPRESS_PUBLISHED)
                *st = HUB_SUPPRESS_SECONDARY; /* hidden once, hidden again */
        } else if (s->count[coord * HUB_STATS__COUNTS + lc->count] == lc->value) {
            s->known[at] = true;
            if (*st == HUB_SUPPRESS_SECONDARY)
                *st = HUB_SUPPRESS_PUBLISHED; /* the reader knows it: hiding protects nothing */
        }
    }
}

static int fetch(PGconn *conn, const hub_stats_t *s, PGresult **res, struct hub_error *err)
{
    int32_t first, last;
    char a[HUB_DATE_ISO_LEN], b[HUB_DATE_ISO_LEN], c[HUB_DATE_ISO_LEN];

    *res = NULL;
    hub_stats_period_range(s->opt.year, 0, &first, &last); /* the year: see build_cube */
    if (s->opt.as_of < last)
        last = s->opt.as_of;
    if (last < first)
        return 0; /* the period had not begun at the as-of date */
    if (hub_date_format(first, a) != 0 || hub_date_format(last, b) != 0 ||
        hub_date_format(s->opt.as_of, c) != 0)
        return hub_error_set(err, HUB_EINVAL, "statistics: date out of range");
    const char *params[3] = {a, b, c};
    return hub_pg_exec(conn, "read the period's placements for the statistics", STATS_SQL, 3,
                       params, res, err);
}

static int check_options(const struct hub_stats_options *o, struct hub_error *err)
{
    struct hub_date d;
    if (o->period >= HUB_STATS_PERIODS)
        return hub_error_set(err, HUB_EINVAL, "statistics: no period %zu", o->period);
    if (o->year < YEAR_MIN || o->year > YEAR_MAX)
        return hub_error_set(err, HUB_EINVAL, "statistics: year %d outside %d..%d", o->year,
                             YEAR_MIN, YEAR_MAX);
    if (o->k < HUB_STATS_K_MIN)
        return hub_error_set(err, HUB_EINVAL, "statistics: k = %lld; it must be at least %d",
                             (long long)o->k, HUB_STATS_K_MIN);
    if (o->threshold_days < 0)
        return hub_error_set(err, HUB_EINVAL, "statistics: negative threshold");
    hub_days_to_date(o->as_of, &d);
    if (d.year < 1 || d.year > 9999)
        return hub_error_set(err, HUB_EINVAL, "statistics: as-of date out of range");
    return 0;
}

static int build_cube(hub_stats_t *s, const hub_districts_t *t, const struct hub_stats_row *in,
                      size_t nin, struct hub_error *err)
{
    struct row *rows = NULL, **started = NULL;
    int64_t *last_child = NULL;
    size_t nstarted = 0, ncoord, nrows = 0;
    int32_t first, last;
    int rc = 0;

    /* The whole year up to the as-of date: a month, its tertial and its year are protected as
     * one publication, whichever of them the report shows (a reader holds them all). */
    hub_stats_period_range(s->opt.year, 0, &first, &last);
    if (s->opt.as_of < last)
        last = s->opt.as_of;
    int32_t rfirst, rlast;
    hub_stats_period_range(s->opt.year, s->opt.period, &rfirst, &rlast);
    if (nin && !(rows = calloc(nin, sizeof *rows)))
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    for (size_t i = 0; i < nin; i++) {
        if (in[i].start_date < first || in[i].start_date > last)
            continue; /* outside the period or after the as-of date */
        bool note = in[i].start_date >= rfirst && in[i].start_date <= rlast;
        if ((rc = place_row(s, t, i, &in[i], note, &rows[nrows], err)) != 0)
            goto out;
        if (nrows > 0 && rows[nrows].child < rows[nrows - 1].child) {
            rc = hub_error_set(err, HUB_EINTERNAL, "statistics: rows not in child order");
            goto out;
        }
        nstarted += rows[nrows].started;
        s->notes.placements += note;
        nrows++;
    }
    ncoord = HUB_STATS_PERIODS * s->nd * COORD_PER_PD;
    s->count = calloc(ncoord * HUB_STATS__COUNTS, sizeof *s->count);
    s->days = calloc(HUB_STATS_PERIODS * s->nd * PUB_PER_PD, sizeof *s->days);
    s->state = calloc(HUB_STATS_PERIODS * s->nd * PUB_PER_PD * HUB_STATS__COUNTS, 1);
    s->in_period = calloc(HUB_STATS_PERIODS * s->nd, sizeof *s->in_period);
    s->days_hidden = calloc(HUB_STATS_PERIODS * s->nd * PUB_PER_PD, sizeof *s->days_hidden);
    s->known = calloc(HUB_STATS_PERIODS * s->nd * PUB_PER_PD * HUB_STATS__COUNTS, sizeof *s->known);
    last_child = malloc(ncoord * sizeof *last_child);
    started = malloc((nstarted ? nstarted : 1) * sizeof *started);
    if (!s->count || !s->days || !s->state || !s->in_period || !s->days_hidden || !s->known ||
        !last_child || !started) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t c = 0; c < ncoord; c++)
        last_child[c] = -1;
    nstarted = 0;
    for (size_t i = 0; i < nrows; i++) {
        count_row(s, &rows[i], last_child);
        if (rows[i].started)
            started[nstarted++] = &rows[i];
    }
    qsort(started, nstarted, sizeof *started, compare_days);
    for (size_t i = 0; i < nstarted; i++)
        rank_row(s, started[i]);
    /* Which districts belong in which period: valid then (or today, with current districts),
     * or with placements then. */
    for (size_t p = 0; p < HUB_STATS_PERIODS; p++) {
        int32_t pfirst, plast;
        hub_stats_period_range(s->opt.year, p, &pfirst, &plast);
        for (size_t d = 0; d < s->nd; d++) {
            const struct hub_district *ref = s->dist[d].ref;
            bool inp = d == 0;
            if (ref && s->opt.current_districts)
                inp = inp || hub_district_valid_on(ref, s->opt.as_of);
            else if (ref)
                inp = inp || (ref->valid_from <= plast && ref->valid_to >= pfirst);
            size_t coord = hub_stats_coord(s, p, d, 0, 0, 0, 0);
            inp = inp || s->count[coord * HUB_STATS__COUNTS + HUB_STATS_PLACEMENTS] > 0;
            s->in_period[p * s->nd + d] = inp;
        }
    }
    for (int fam = 0; fam < FAM__COUNT && rc == 0; fam++)
        rc = suppress_family(s, (enum family)fam, err);
    if (rc == 0)
        apply_ledger(s);
    if (rc == 0)
        rc = hub_stats_protect(s, err);
out:
    free(started);
    free(last_child);
    free(rows);
    return rc;
}

/* A cube with the city and the period's districts, nothing counted yet. */
static int new_cube(const hub_districts_t *districts, const struct hub_stats_options *opt,
                    hub_stats_t **out, struct hub_error *err)
{
    hub_stats_t *s = NULL;
    int32_t first, last;
    int rc;

    *out = NULL;
    if ((rc = check_options(opt, err)) != 0)
        return rc;
    if (!(s = calloc(1, sizeof *s)))
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    s->opt = *opt;
    if ((rc = add_district(s, CITY_CODE, NULL, NULL, err)) != 0)
        goto fail;
    snprintf(s->dist[0].name, sizeof s->dist[0].name, "%s", CITY_NAME);
    /* The period's districts in reference-table order; codes met only in the data follow. */
    hub_stats_period_range(opt->year, opt->period, &first, &last);
    for (size_t i = 0; i < hub_districts_count(districts); i++) {
        const struct hub_district *d = hub_districts_at(districts, i);
        bool in = opt->current_districts ? hub_district_valid_on(d, opt->as_of)
                                         : d->valid_from <= last && d->valid_to >= first;
        if (in && (rc = add_district(s, d->code, d, NULL, err)) != 0)
            goto fail;
    }
    *out = s;
    return 0;
fail:
    hub_stats_destroy(s);
    return rc;
}

int hub_stats_build_rows(const hub_districts_t *districts, const struct hub_stats_options *opt,
                         const struct hub_stats_row *rows, size_t n, hub_stats_t **out,
                         struct hub_error *err)
{
    hub_stats_t *s = NULL;
    int rc;

    *out = NULL;
    if ((rc = new_cube(districts, opt, &s, err)) != 0)
        return rc;
    if ((rc = build_cube(s, districts, rows, n, err)) != 0) {
        hub_stats_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

int hub_stats_build(PGconn *conn, const hub_districts_t *districts,
                    const struct hub_stats_options *opt, hub_stats_t **out, struct hub_error *err)
{
    hub_stats_t *s = NULL;
    PGresult *res = NULL;
    struct hub_stats_row *rows = NULL;
    size_t n = 0;
    int rc;

    *out = NULL;
    if ((rc = new_cube(districts, opt, &s, err)) != 0)
        return rc;
    if ((rc = fetch(conn, s, &res, err)) != 0)
        goto fail;
    n = res ? (size_t)PQntuples(res) : 0;
    if (n && !(rows = calloc(n, sizeof *rows))) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        if ((rc = parse_row(res, (int)i, &rows[i], err)) != 0)
            goto fail;
    if ((rc = build_cube(s, districts, rows, n, err)) != 0)
        goto fail;
    free(rows);
    PQclear(res);
    *out = s;
    return 0;
fail:
    free(rows);
    PQclear(res);
    hub_stats_destroy(s);
    return rc;
}

void hub_stats_destroy(hub_stats_t *s)
{
    if (!s)
        return;
    free(s->dist);
    free(s->in_period);
    free(s->count);
    free(s->days);
    free(s->state);
    free(s->days_hidden);
    free(s->known);
    free(s->move_start);
    free(s->move_cell);
    free(s->move_sign);
    free(s);
}
