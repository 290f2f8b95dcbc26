/*
 * stats_audit.c — the reader's attack on a suppressed cube, and its repair (see stats_audit.h).
 *
 * Audit cells: one per published count, numbered (published period-district-cell) × measure.
 * Cells of districts outside a period are shown zeros (the reader knows they are 0). The
 * relations are written down from the definitions in consumers/STATISTICS.md, not from the
 * hypercube code, so the audit checks the suppression rather than repeating it.
 *
 * Why repair by the binding relations: the hypercubes protect each family against its own
 * equations, but not against what families say about each other (a hidden placements count
 * cannot drop below a shown with_school_change) nor against the days figures; the LP knows
 * every relation, and its dual names those that stop a small count from ranging far enough.
 * Hiding a shown cell of one of them relaxes it; hiding never narrows anything else (a constant
 * becomes a variable whose range holds the constant), so the repair only ever needs to look at
 * the cells still narrowed, and it ends: every round hides at least one cell or gives up.
 */
#include "hub/stats/stats_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hub/stats/sdc_audit.h"

#define NM HUB_STATS__COUNTS
#define LINE_MAX_CELLS 64
#define REPAIR_ROUNDS 200
#define BLOCKERS_MAX 256
/* Choosing a cell to hide: its value, plus these. */
#define COST_ZERO 40      /* a zero rarely widens anything */
#define COST_KEEP 1000000 /* a district's placements total that is at least k */
#define COST_TOTAL 20     /* a total (more figures depend on it) */

struct aud {
    hub_stats_t *s;
    hub_sdc_audit_t *a;
    size_t npub;      /* published period-district-cells */
    size_t *pub_of;   /* [npub]: cube pub index */
    size_t *idx_of;   /* [cube pub]: audit index or SIZE_MAX */
    size_t *days_pub; /* [relation]: the pub whose days figures it comes from, or SIZE_MAX */
    size_t cap_days;
    bool *keep; /* [audit cell] */
    /* one round of repairs decides on the audit as it was, then applies: */
    bool *to_hide;     /* [audit cell] */
    bool *to_withhold; /* [cube pub] */
    size_t cells[LINE_MAX_CELLS];
    int coef[LINE_MAX_CELLS];
    size_t n;
};

static void slot_key(size_t slot, size_t *f, size_t *b, size_t *x, size_t *a)
{
    if (slot < HUB_STATS_FORMS * HUB_STATS_BASES) {
        *f = slot / HUB_STATS_BASES, *b = slot % HUB_STATS_BASES, *x = 0, *a = 0;
        return;
    }
    slot = slot - HUB_STATS_FORMS * HUB_STATS_BASES + 1; /* x * ages + a (see hub_stats_slot) */
    *f = 0, *b = 0, *x = slot / HUB_STATS_AGES, *a = slot % HUB_STATS_AGES;
}

static size_t coord_of_pub(const hub_stats_t *s, size_t pub)
{
    size_t f, b, x, a, pd = pub / PUB_PER_PD;
    slot_key(pub % PUB_PER_PD, &f, &b, &x, &a);
    return hub_stats_coord(s, pd / s->nd, pd % s->nd, f, b, x, a);
}

static bool is_hidden_state(unsigned char st)
{
    return st == HUB_SUPPRESS_PRIMARY || st == HUB_SUPPRESS_SECONDARY;
}

static bool count_published(const hub_stats_t *s, size_t pub, size_t m)
{
    size_t pd = pub / PUB_PER_PD, f, b, x, a;
    slot_key(pub % PUB_PER_PD, &f, &b, &x, &a);
    return hub_stats_count_published(&(struct hub_stats_key){pd / s->nd, pd % s->nd, f, b, x, a},
                                     (enum hub_stats_count)m);
}

/* Audit cell of (period, district, slot, measure); SIZE_MAX for a count not published. */
static size_t acell(const struct aud *u, size_t p, size_t d, size_t slot, size_t m)
{
    size_t pub = hub_stats_pub(u->s, p, d, slot), i = u->idx_of[pub];
    return i == SIZE_MAX || !count_published(u->s, pub, m) ? SIZE_MAX : i * NM + m;
}

static void put(struct aud *u, size_t cell, int coef)
{
    if (u->n < LINE_MAX_CELLS) {
        u->cells[u->n] = cell;
        u->coef[u->n++] = coef;
    }
}

static int emit(struct aud *u, enum hub_sdc_rel rel, int64_t rhs, size_t days_pub,
                struct hub_error *err)
{
    size_t r = hub_sdc_audit_relation_count(u->a);
    int rc = hub_sdc_audit_relation(u->a, u->n, u->cells, u->coef, rel, rhs, err);
    u->n = 0;
    if (rc != 0)
        return rc;
    if (r >= u->cap_days) {
        size_t cap = u->cap_days ? 2 * u->cap_days : 4096;
        while (cap <= r)
            cap *= 2;
        size_t *dp = realloc(u->days_pub, cap * sizeof *dp);
        if (!dp)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        u->days_pub = dp;
        u->cap_days = cap;
    }
    u->days_pub[r] = days_pub;
    return 0;
}

/* One line: total = sum of parts for an additive measure; for distinct children (`children`
 * and not `additive_children`) total <= sum of parts and total >= each part. */
static int line(struct aud *u, const size_t *cells, size_t n, bool children, struct hub_error *err)
{
    int rc;
    /* A line with a cell no table publishes is not a relation the reader can use by itself
     * (see consumers/STATISTICS.md §5 on the detail of a district's month). */
    for (size_t i = 0; i < n; i++)
        if (cells[i] == SIZE_MAX)
            return 0;
    put(u, cells[0], 1);
    for (size_t i = 1; i < n; i++)
        put(u, cells[i], -1);
    if (!children)
        return emit(u, HUB_SDC_EQ, 0, SIZE_MAX, err);
    if ((rc = emit(u, HUB_SDC_LE, 0, SIZE_MAX, err)) != 0)
        return rc;
    for (size_t i = 1; i < n; i++) {
        put(u, cells[0], 1);
        put(u, cells[i], -1);
        if ((rc = emit(u, HUB_SDC_GE, 0, SIZE_MAX, err)) != 0)
            return rc;
    }
    return 0;
}

/* Every line of measure m. Distinct children add up over sex and age group (a child has one
 * legal sex and, within one calendar year, one age group) but not over forms, bases, districts
 * or months. */
static int lines_of(struct aud *u, size_t m, struct hub_error *err)
{
    const hub_stats_t *s = u->s;
    size_t c[LINE_MAX_CELLS], n;
    bool ch = m == HUB_STATS_CHILDREN;
    int rc = 0;

    for (size_t p = 0; p < HUB_STATS_PERIODS; p++) {
        for (size_t d = 0; d < s->nd; d++) {
            for (size_t b = 0; b < HUB_STATS_BASES && rc == 0; b++) { /* forms */
                n = 0;
                for (size_t f = 0; f < HUB_STATS_FORMS; f++)
                    c[n++] = acell(u, p, d, hub_stats_slot(f, b, 0, 0), m);
                rc = line(u, c, n, ch, err);
            }
            for (size_t f = 0; f < HUB_STATS_FORMS && rc == 0; f++) { /* bases */
                n = 0;
                for (size_t b = 0; b < HUB_STATS_BASES; b++)
                    c[n++] = acell(u, p, d, hub_stats_slot(f, b, 0, 0), m);
                rc = line(u, c, n, ch, err);
            }
            for (size_t x = 0; x < HUB_STATS_SEXES && rc == 0; x++) { /* age groups */
                n = 0;
                for (size_t a = 0; a < HUB_STATS_AGES; a++)
                    c[n++] = acell(u, p, d, hub_stats_slot(0, 0, x, a), m);
                rc = line(u, c, n, false, err);
            }
            for (size_t a = 0; a < HUB_STATS_AGES && rc == 0; a++) { /* sexes */
                n = 0;
                for (size_t x = 0; x < HUB_STATS_SEXES; x++)
                    c[n++] = acell(u, p, d, hub_stats_slot(0, 0, x, a), m);
                rc = line(u, c, n, false, err);
            }
            if (rc != 0)
                return rc;
        }
        for (size_t slot = 0; slot < PUB_PER_PD && rc == 0; slot++) { /* districts -> city */
            n = 0;
            for (size_t d = 0; d < s->nd; d++)
                c[n++] = acell(u, p, d, slot, m);
            rc = line(u, c, n, ch, err);
        }
        /* months -> tertial, tertials -> year, where the total is published */
        if (hub_stats_period_kind(p) == HUB_STATS_MONTH)
            continue;
        for (size_t d = 0; d < s->nd && rc == 0; d++)
            for (size_t slot = 0; slot < PUB_PER_PD && rc == 0; slot++) {
                n = 0;
                c[n++] = acell(u, p, d, slot, m);
                for (size_t q = 1; q < HUB_STATS_PERIODS; q++)
                    if (q != p && hub_stats_period_within(q, p) &&
                        hub_stats_period_kind(q) == hub_stats_period_kind(p) + 1)
                        c[n++] = acell(u, q, d, slot, m);
                rc = line(u, c, n, ch, err);
            }
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int pair(struct aud *u, size_t a, int ca, size_t b, int cb, enum hub_sdc_rel rel,
                struct hub_error *err)
{
    put(u, a, ca);
    put(u, b, cb);
    return emit(u, rel, 0, SIZE_MAX, err);
}

/* What a shown value at rank r (ascending) of the school_started = n days says about the hidden
 * over_threshold: above the threshold iff over >= n - r + 1. */
static int rank_bound(struct aud *u, size_t over, size_t pub, int64_t n, int64_t r, bool above,
                      struct hub_error *err)
{
    put(u, over, 1);
    return above ? emit(u, HUB_SDC_GE, n - r + 1, pub, err) : emit(u, HUB_SDC_LE, n - r, pub, err);
}

/* Relations between measures of one cell, and the days figures' bounds on a hidden
 * over_threshold. */
static int cell_relations(struct aud *u, size_t i, struct hub_error *err)
{
    const hub_stats_t *s = u->s;
    size_t pub = u->pub_of[i], coord = coord_of_pub(s, pub), b = i * NM;
    const int64_t *cnt = &s->count[coord * NM];
    int rc;

    if (pub % PUB_PER_PD != 0)
        return 0; /* only totals publish more than placements */
    put(u, b + HUB_STATS_WITH_SCHOOL_CHANGE, 1);
    put(u, b + HUB_STATS_SCHOOL_STARTED, -1);
    put(u, b + HUB_STATS_NOT_STARTED, -1);
    if ((rc = emit(u, HUB_SDC_EQ, 0, SIZE_MAX, err)) != 0 ||
        (rc = pair(u, b + HUB_STATS_OVER_THRESHOLD, 1, b + HUB_STATS_SCHOOL_STARTED, -1, HUB_SDC_LE,
                   err)) != 0 ||
        (rc = pair(u, b + HUB_STATS_WITH_SCHOOL_CHANGE, 1, b + HUB_STATS_PLACEMENTS, -1, HUB_SDC_LE,
                   err)) != 0 ||
        (rc = pair(u, b + HUB_STATS_CHILDREN, 1, b + HUB_STATS_PLACEMENTS, -1, HUB_SDC_LE, err)) !=
            0)
        return rc;
    if (!hub_sdc_audit_is_hidden(u->a, b + HUB_STATS_OVER_THRESHOLD) ||
        !hub_stats_days_shown(s, pub, coord))
        return 0;
    const struct days_acc *da = &s->days[pub];
    int64_t n = cnt[HUB_STATS_SCHOOL_STARTED], thr = s->opt.threshold_days;
    int64_t med_x10 = (da->lo + da->hi) * 5;
    size_t over = b + HUB_STATS_OVER_THRESHOLD;
    /* the median is the mean of ranks (n+1)/2 and n/2+1: the lower is at most its floor, the
     * upper at least its ceiling */
    if (med_x10 / 10 <= thr && (rc = rank_bound(u, over, pub, n, (n + 1) / 2, false, err)) != 0)
        return rc;
    if ((med_x10 + 9) / 10 > thr && (rc = rank_bound(u, over, pub, n, n / 2 + 1, true, err)) != 0)
        return rc;
    if ((rc = rank_bound(u, over, pub, n, (9 * n + 9) / 10, da->p90 > thr, err)) != 0)
        return rc;
    return rank_bound(u, over, pub, n, n, da->max > thr, err);
}

/* The keys of a hypercube's corners, every measure, as a window of the audit. */
static int window(struct aud *u, const size_t *cells, size_t n, struct hub_error *err)
{
    size_t w[LINE_MAX_CELLS * NM], nw = 0;
    for (size_t i = 0; i < n && nw + NM <= sizeof w / sizeof w[0]; i++) {
        size_t key = cells[i] / NM;
        bool seen = false;
        for (size_t j = 0; j < nw && !seen; j += NM)
            seen = w[j] / NM == key;
        for (size_t m = 0; m < NM && !seen; m++)
            w[nw++] = key * NM + m;
    }
    return hub_sdc_audit_window(u->a, nw, w, err);
}

/* The suppression's hypercubes as moves for the audit; a placements move also as one that moves
 * the distinct children along where they are hidden (children <= placements would stop it). */
static int moves(struct aud *u, struct hub_error *err)
{
    const hub_stats_t *s = u->s;
    size_t cap = 0, *cells = NULL;
    int *coef = NULL, rc = 0;

    for (size_t i = 0; i < s->nmove; i++) {
        size_t b = s->move_start[i], e = s->move_start[i + 1], n = 0;
        bool placements = false;
        if (2 * (e - b) > cap) {
            cap = 2 * (e - b);
            free(cells);
            free(coef);
            cells = malloc(cap * sizeof *cells);
            coef = malloc(cap * sizeof *coef);
            if (!cells || !coef) {
                rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
                break;
            }
        }
        for (size_t j = b; j < e; j++) {
            size_t pub = s->move_cell[j] / NM, m = s->move_cell[j] % NM;
            if (u->idx_of[pub] == SIZE_MAX)
                continue;
            cells[n] = u->idx_of[pub] * NM + m;
            coef[n++] = s->move_sign[j];
            placements = m == HUB_STATS_PLACEMENTS;
        }
        if ((rc = hub_sdc_audit_move(u->a, n, cells, coef, err)) != 0 ||
            (rc = window(u, cells, n, err)) != 0)
            break;
        if (!placements)
            continue;
        size_t n0 = n;
        for (size_t j = 0; j < n0; j++) {
            size_t ch = cells[j] - HUB_STATS_PLACEMENTS + HUB_STATS_CHILDREN;
            if (hub_sdc_audit_is_hidden(u->a, ch)) {
                cells[n] = ch;
                coef[n++] = coef[j];
            }
        }
        if (n > n0 && (rc = hub_sdc_audit_move(u->a, n, cells, coef, err)) != 0)
            break;
    }
    free(cells);
    free(coef);
    return rc;
}

static int build(struct aud *u, struct hub_error *err)
{
    hub_stats_t *s = u->s;
    size_t npub_all = HUB_STATS_PERIODS * s->nd * PUB_PER_PD;
    int rc;

    u->idx_of = malloc(npub_all * sizeof *u->idx_of);
    u->pub_of = malloc(npub_all * sizeof *u->pub_of);
    if (!u->idx_of || !u->pub_of)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    for (size_t pub = 0; pub < npub_all; pub++) {
        size_t pd = pub / PUB_PER_PD, f, b, x, a;
        u->idx_of[pub] = SIZE_MAX;
        slot_key(pub % PUB_PER_PD, &f, &b, &x, &a);
        if (!hub_stats_key_published(&(struct hub_stats_key){pd / s->nd, pd % s->nd, f, b, x, a}))
            continue;
        u->idx_of[pub] = u->npub;
        u->pub_of[u->npub++] = pub;
    }
    if ((rc = hub_sdc_audit_new(u->npub * NM, &u->a, err)) != 0)
        return rc;
    if (!(u->keep = calloc(u->npub * NM + 1, sizeof *u->keep)))
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    for (size_t i = 0; i < u->npub; i++) {
        size_t pub = u->pub_of[i], coord = coord_of_pub(s, pub), pd = pub / PUB_PER_PD;
        for (size_t m = 0; m < NM; m++) {
            int64_t v = s->count[coord * NM + m];
            if (count_published(s, pub, m) && is_hidden_state(s->state[pub * NM + m]))
                hub_sdc_audit_hidden(u->a, i * NM + m, v, 0, HUB_SDC_UNBOUNDED);
            else
                hub_sdc_audit_shown(u->a, i * NM + m, v);
        }
        /* a district's placements total of at least k stays shown if at all possible */
        u->keep[i * NM + HUB_STATS_PLACEMENTS] =
            pd % s->nd != 0 && pub % PUB_PER_PD == 0 && s->count[coord * NM] >= s->opt.k;
    }
    for (size_t m = 0; m < NM; m++)
        if ((rc = lines_of(u, m, err)) != 0)
            return rc;
    for (size_t i = 0; i < u->npub; i++)
        if ((rc = cell_relations(u, i, err)) != 0)
            return rc;
    return moves(u, err);
}

/* Withholds the days figures of a pub: its relations go. */
static void withhold_days(struct aud *u, size_t pub)
{
    size_t nrel = hub_sdc_audit_relation_count(u->a);
    if (u->s->days_hidden[pub])
        return;
    u->s->days_hidden[pub] = true;
    u->s->prot.days_withheld++;
    for (size_t r = 0; r < nrel; r++)
        if (u->days_pub[r] == pub)
            hub_sdc_audit_relation_off(u->a, r);
}

static void hide(struct aud *u, size_t cell)
{
    hub_stats_t *s = u->s;
    size_t pub = u->pub_of[cell / NM], m = cell % NM;
    int64_t v = s->count[coord_of_pub(s, pub) * NM + m];

    hub_sdc_audit_hidden(u->a, cell, v, 0, HUB_SDC_UNBOUNDED);
    s->state[pub * NM + m] = HUB_SUPPRESS_SECONDARY;
    s->prot.repaired++;
    if (u->keep[cell])
        s->prot.kept_hidden++;
    if (m == HUB_STATS_SCHOOL_STARTED) { /* the days follow their base */
        size_t nrel = hub_sdc_audit_relation_count(u->a);
        for (size_t r = 0; r < nrel; r++)
            if (u->days_pub[r] == pub)
                hub_sdc_audit_relation_off(u->a, r);
    }
}

/* One repair step for a narrowed cell: withhold the days that bind it, else hide the cheapest
 * shown cell of a binding relation. False when nothing can be relaxed. */
static int pick(struct aud *u, const size_t *rels, size_t nrels, bool last_resort, bool *done);

static int repair(struct aud *u, size_t cell, bool *done, struct hub_error *err)
{
    size_t rels[BLOCKERS_MAX], nrels;
    int rc;

    *done = false;
    if ((rc = hub_sdc_audit_blockers_local(u->a, cell, u->s->opt.k, rels, BLOCKERS_MAX, &nrels,
                                           err)) != 0)
        return rc;
    if ((rc = pick(u, rels, nrels, false, done)) != 0 || *done)
        return rc;
    if ((rc = hub_sdc_audit_blockers(u->a, cell, u->s->opt.k, rels, BLOCKERS_MAX, &nrels, err)) !=
        0)
        return rc;
    if ((rc = pick(u, rels, nrels, false, done)) != 0 || *done)
        return rc;
    /* What binds is a kept total (a district's placements): what would bind if the kept
     * totals were given up? Hide that, and audit again. */
    size_t nsup;
    if ((rc = hub_sdc_audit_blockers_supposing(u->a, cell, u->s->opt.k, u->keep, rels + nrels,
                                               BLOCKERS_MAX - nrels, &nsup, err)) != 0)
        return rc;
    if ((rc = pick(u, rels + nrels, nsup, false, done)) != 0 || *done)
        return rc;
    return pick(u, rels, nrels, true, done);
}

/* Relaxes one of the binding relations: withholds the days figures behind one, else hides the
 * cheapest shown cell of one (a district's total only as a last resort, when the LP of the whole
 * component found nothing else). */
static int pick(struct aud *u, const size_t *rels, size_t nrels, bool last_resort, bool *done)
{
    size_t best = SIZE_MAX;
    int64_t best_cost = INT64_MAX;
    for (size_t i = 0; i < nrels; i++)
        if (u->days_pub[rels[i]] != SIZE_MAX) {
            u->to_withhold[u->days_pub[rels[i]]] = true;
            *done = true;
            return 0;
        }
    for (size_t i = 0; i < nrels; i++) {
        size_t n;
        const size_t *cells = hub_sdc_audit_relation_cells(u->a, rels[i], &n);
        for (size_t j = 0; j < n; j++) {
            size_t c = cells[j], pub = u->pub_of[c / NM];
            if (hub_sdc_audit_is_hidden(u->a, c) ||
                u->s->state[pub * NM + c % NM] == HUB_SUPPRESS_FIXED ||
                u->s->known[pub * NM + c % NM] || /* published before: the reader has it */
                (u->keep[c] && !last_resort))
                continue;
            int64_t v = u->s->count[coord_of_pub(u->s, pub) * NM + c % NM];
            int64_t cost = v + (v == 0 ? COST_ZERO : 0) + (u->keep[c] ? COST_KEEP : 0) +
                           (pub % PUB_PER_PD == 0 ? COST_TOTAL : 0);
            if (cost < best_cost) {
                best_cost = cost;
                best = c;
            }
        }
    }
    if (best != SIZE_MAX) {
        u->to_hide[best] = true;
        *done = true;
    }
    return 0;
}

static void loss(struct aud *u)
{
    hub_stats_t *s = u->s;
    struct hub_stats_protection *pr = &s->prot;

    pr->cells = pr->hidden = pr->small = 0;
    pr->placements = pr->placements_hidden = 0;
    for (size_t i = 0; i < u->npub; i++) {
        size_t pub = u->pub_of[i], coord = coord_of_pub(s, pub), pd = pub / PUB_PER_PD;
        size_t p = pd / s->nd, d = pd % s->nd, slot = pub % PUB_PER_PD, f, b, x, a;
        for (size_t m = 0; m < NM; m++) {
            int64_t v = s->count[coord * NM + m];
            if (!count_published(s, pub, m))
                continue;
            pr->cells++;
            if (!is_hidden_state(s->state[pub * NM + m]))
                continue;
            pr->hidden++;
            pr->small += v >= 1 && v < s->opt.k;
        }
        slot_key(slot, &f, &b, &x, &a);
        /* the finest cells of the report's own period that partition its placements: the
         * districts' forms × bases, for a month the city's */
        bool month = hub_stats_period_kind(p) == HUB_STATS_MONTH;
        if (p != s->opt.period || f == 0 || b == 0 || x != 0 || (month ? d != 0 : d == 0))
            continue;
        pr->placements += s->count[coord * NM];
        if (is_hidden_state(s->state[pub * NM + HUB_STATS_PLACEMENTS]))
            pr->placements_hidden += s->count[coord * NM];
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int hub_stats_protect(hub_stats_t *s, struct hub_error *err)
{
    struct aud u = {.s = s};
    struct hub_sdc_result res;
    bool *focus = NULL;
    double t0 = now_ms();
    int rc;

    memset(&s->prot, 0, sizeof s->prot);
    if ((rc = build(&u, err)) != 0)
        goto out;
    if ((rc = hub_sdc_audit_run(u.a, s->opt.k, HUB_SDC_RULE, &res, err)) != 0)
        goto out;
    s->prot.rounds = 1;

    s->prot.lps = res.lps;
    s->prot.narrowed_first = res.narrowed;
    if (res.narrowed > 0 && !(focus = calloc(u.npub * NM, sizeof *focus))) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    size_t npub_all = HUB_STATS_PERIODS * s->nd * PUB_PER_PD;
    if (res.narrowed > 0 && (!(u.to_hide = calloc(u.npub * NM, sizeof *u.to_hide)) ||
                             !(u.to_withhold = calloc(npub_all, sizeof *u.to_withhold)))) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    while (res.narrowed > 0 && s->prot.rounds < REPAIR_ROUNDS) {
        bool progress = false;
        memset(focus, 0, u.npub * NM * sizeof *focus);
        /* every narrowed cell's repair is chosen on the same audit (one LP of a component
         * serves them all), then applied */
        for (size_t c = 0; c < u.npub * NM; c++) {
            bool done;
            if (!hub_sdc_audit_narrowed(u.a, c))
                continue;
            focus[c] = true;
            if ((rc = repair(&u, c, &done, err)) != 0)
                goto out;
            progress = progress || done;
        }
        if (!progress)
            break;
        for (size_t c = 0; c < u.npub * NM; c++)
            if (u.to_hide[c] && !hub_sdc_audit_is_hidden(u.a, c))
                hide(&u, c);
        for (size_t pub = 0; pub < npub_all; pub++)
            if (u.to_withhold[pub])
                withhold_days(&u, pub);
        memset(u.to_hide, 0, u.npub * NM * sizeof *u.to_hide);
        memset(u.to_withhold, 0, npub_all * sizeof *u.to_withhold);
        if ((rc = hub_sdc_audit_recheck(u.a, s->opt.k, focus, &res, err)) != 0)
            goto out;
        s->prot.rounds++;
        s->prot.lps += res.lps;
    }
    s->prot.narrowed = res.narrowed;
    loss(&u);
    s->prot.ms = now_ms() - t0;
    if (res.narrowed > 0)
        rc = hub_error_set(err, HUB_EINTERNAL,
                           "statistics: %zu small counts could not be protected against a "
                           "reader's arithmetic (audit after %zu rounds); nothing is released",
                           res.narrowed, s->prot.rounds);
out:
    free(focus);
    free(u.to_hide);
    free(u.to_withhold);
    free(u.keep);
    free(u.days_pub);
    free(u.pub_of);
    free(u.idx_of);
    hub_sdc_audit_destroy(u.a);
    return rc;
}
