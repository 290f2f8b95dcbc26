/*
 * sdc_audit.c — the reader's linear programs over published tables (see sdc_audit.h).
 *
 * Why components: a relation ties cells together only through its hidden cells (shown ones are
 * constants), so the hidden cells fall into independent groups and each group is a much smaller
 * LP. Why one LP per group re-optimised per cell: GLPK keeps the last optimal basis, so changing
 * the objective from one cell to the next costs a few pivots instead of a solve from scratch.
 */
#include "hub/stats/sdc_audit.h"

#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LP_EPS 1e-6

struct acell {
    int64_t value, lo, hi;
    int64_t min, max; /* derived range (after a run) */
    bool hidden, narrowed;
};

struct hub_sdc_audit {
    size_t n;
    struct acell *cell;
    size_t nrel, cap_rel, nnz, cap_nnz;
    size_t *rel_start; /* [nrel + 1] into rel_cell / rel_coef */
    enum hub_sdc_rel *rel_type;
    int64_t *rel_rhs;
    size_t *rel_cell;
    int *rel_coef;
    /* during a run: cell -> relations, and scratch for the local LPs */
    size_t *inc_start, *inc;
    unsigned *cell_mark, *rel_mark, stamp;
    size_t *local_cells, *local_col;
};

int hub_sdc_audit_new(size_t ncells, hub_sdc_audit_t **out, struct hub_error *err)
{
    hub_sdc_audit_t *a = calloc(1, sizeof *a);
    *out = NULL;
    if (!a || !(a->cell = calloc(ncells ? ncells : 1, sizeof *a->cell)) ||
        !(a->rel_start = calloc(1, sizeof *a->rel_start))) {
        hub_sdc_audit_destroy(a);
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    a->n = ncells;
    *out = a;
    return 0;
}

void hub_sdc_audit_destroy(hub_sdc_audit_t *a)
{
    if (!a)
        return;
    free(a->cell);
    free(a->rel_start);
    free(a->rel_type);
    free(a->rel_rhs);
    free(a->rel_cell);
    free(a->rel_coef);
    free(a->inc_start);
    free(a->inc);
    free(a->cell_mark);
    free(a->rel_mark);
    free(a->local_cells);
    free(a->local_col);
    free(a);
}

size_t hub_sdc_audit_cells(const hub_sdc_audit_t *a)
{
    return a->n;
}

void hub_sdc_audit_shown(hub_sdc_audit_t *a, size_t cell, int64_t value)
{
    if (cell < a->n)
        a->cell[cell] = (struct acell){value, value, value, value, value, false, false};
}

void hub_sdc_audit_hidden(hub_sdc_audit_t *a, size_t cell, int64_t value, int64_t lo, int64_t hi)
{
    if (cell < a->n)
        a->cell[cell] = (struct acell){value, lo, hi, lo, hi, true, false};
}

bool hub_sdc_audit_is_hidden(const hub_sdc_audit_t *a, size_t cell)
{
    return cell < a->n && a->cell[cell].hidden;
}

int hub_sdc_audit_relation(hub_sdc_audit_t *a, size_t n, const size_t *cells, const int *coef,
                           enum hub_sdc_rel rel, int64_t rhs, struct hub_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (cells[i] >= a->n)
            return hub_error_set(err, HUB_EINVAL, "audit relation: cell %zu of %zu", cells[i],
                                 a->n);
    if (a->nrel == a->cap_rel) {
        size_t cap = a->cap_rel ? 2 * a->cap_rel : 256;
        size_t *st = realloc(a->rel_start, (cap + 1) * sizeof *st);
        if (st)
            a->rel_start = st;
        enum hub_sdc_rel *ty = realloc(a->rel_type, cap * sizeof *ty);
        if (ty)
            a->rel_type = ty;
        int64_t *rh = realloc(a->rel_rhs, cap * sizeof *rh);
        if (rh)
            a->rel_rhs = rh;
        if (!st || !ty || !rh)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        a->cap_rel = cap;
    }
    if (a->nnz + n > a->cap_nnz) {
        size_t cap = a->cap_nnz ? 2 * a->cap_nnz : 1024;
        while (cap < a->nnz + n)
            cap *= 2;
        size_t *c = realloc(a->rel_cell, cap * sizeof *c);
        if (c)
            a->rel_cell = c;
        int *k = realloc(a->rel_coef, cap * sizeof *k);
        if (k)
            a->rel_coef = k;
        if (!c || !k)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        a->cap_nnz = cap;
    }
    memcpy(&a->rel_cell[a->nnz], cells, n * sizeof *cells);
    memcpy(&a->rel_coef[a->nnz], coef, n * sizeof *coef);
    a->nnz += n;
    a->rel_type[a->nrel] = rel;
    a->rel_rhs[a->nrel] = rhs;
    a->rel_start[++a->nrel] = a->nnz;
    return 0;
}

size_t hub_sdc_audit_relation_count(const hub_sdc_audit_t *a)
{
    return a->nrel;
}

const size_t *hub_sdc_audit_relation_cells(const hub_sdc_audit_t *a, size_t r, size_t *n)
{
    *n = r < a->nrel ? a->rel_start[r + 1] - a->rel_start[r] : 0;
    return r < a->nrel ? &a->rel_cell[a->rel_start[r]] : NULL;
}

bool hub_sdc_audit_rule_holds(int64_t value, int64_t min, int64_t max, int64_t k)
{
    if (value < 1 || value > k - 1)
        return true;
    if (max == HUB_SDC_UNBOUNDED)
        return true;
    return max - min >= k - 1 && (min <= 0 || max >= k);
}

void hub_sdc_audit_range(const hub_sdc_audit_t *a, size_t cell, int64_t *min, int64_t *max)
{
    *min = cell < a->n ? a->cell[cell].min : 0;
    *max = cell < a->n ? a->cell[cell].max : 0;
}

bool hub_sdc_audit_narrowed(const hub_sdc_audit_t *a, size_t cell)
{
    return cell < a->n && a->cell[cell].narrowed;
}

/* ---- components ---- */

static size_t uf_find(size_t *up, size_t i)
{
    while (up[i] != i) {
        up[i] = up[up[i]];
        i = up[i];
    }
    return i;
}

static void uf_union(size_t *up, size_t i, size_t j)
{
    i = uf_find(up, i);
    j = uf_find(up, j);
    if (i < j)
        up[j] = i;
    else if (j < i)
        up[i] = j;
}

static bool small(int64_t v, int64_t k)
{
    return v >= 1 && v <= k - 1;
}

/* Checks that the true values satisfy every relation: a published system the true table breaks
 * was built wrongly, and auditing it would prove nothing. */
static int check_truth(const hub_sdc_audit_t *a, struct hub_error *err)
{
    for (size_t r = 0; r < a->nrel; r++) {
        int64_t sum = 0;
        for (size_t i = a->rel_start[r]; i < a->rel_start[r + 1]; i++)
            sum += a->rel_coef[i] * a->cell[a->rel_cell[i]].value;
        bool ok = a->rel_type[r] == HUB_SDC_EQ   ? sum == a->rel_rhs[r]
                  : a->rel_type[r] == HUB_SDC_LE ? sum <= a->rel_rhs[r]
                                                 : sum >= a->rel_rhs[r];
        if (!ok)
            return hub_error_set(err, HUB_EINVAL,
                                 "audit: relation %zu does not hold for the true values", r);
    }
    for (size_t c = 0; c < a->n; c++)
        if (a->cell[c].hidden &&
            (a->cell[c].value < a->cell[c].lo ||
             (a->cell[c].hi != HUB_SDC_UNBOUNDED && a->cell[c].value > a->cell[c].hi)))
            return hub_error_set(err, HUB_EINVAL,
                                 "audit: cell %zu lies outside the range its symbol reveals", c);
    return 0;
}

struct comp {
    size_t ncols, nrows;
    size_t *cols; /* cell of each column */
    size_t *rows; /* relation of each row */
};

/* One LP solve of the current objective; *status GLP_OPT, GLP_UNBND. */
static int solve(glp_prob *lp, const glp_smcp *parm, int *status, struct hub_error *err)
{
    int rc = glp_simplex(lp, parm);
    if (rc != 0) { /* a singular basis after many warm starts: start over from a fresh one */
        glp_std_basis(lp);
        rc = glp_simplex(lp, parm);
    }
    if (rc != 0)
        return hub_error_set(err, HUB_EINTERNAL, "audit: the LP solver failed (glp_simplex %d)",
                             rc);
    *status = glp_get_status(lp);
    if (*status != GLP_OPT && *status != GLP_UNBND)
        return hub_error_set(err, HUB_EINTERNAL, "audit: LP status %d (expected feasible)",
                             *status);
    return 0;
}

/* Every solution is a table the reader cannot exclude: it widens what each cell is known to
 * reach. */
static void widen(hub_sdc_audit_t *a, glp_prob *lp, const struct comp *c, int64_t *smin,
                  int64_t *smax)
{
    for (size_t j = 0; j < c->ncols; j++) {
        double x = glp_get_col_prim(lp, (int)j + 1);
        int64_t up = (int64_t)floor(x + LP_EPS), dn = (int64_t)ceil(x - LP_EPS);
        (void)a;
        if (up > smax[j])
            smax[j] = up;
        if (dn < smin[j])
            smin[j] = dn;
    }
}

#define LOCAL_MAX_CELLS 400
#define LOCAL_DEPTH 4

/* A local LP around `target`: the hidden cells within LOCAL_DEPTH relations of it are free, every
 * other cell is fixed at its true value. Fixing cells only adds constraints, so a range the local
 * LP reaches is reachable in the full one: when the local range already satisfies the rule the
 * cell is protected, and a full LP is needed only when it does not. Sets *pass; widens smin/smax
 * (component columns, via colof) with the local solutions. */
static int local_check(hub_sdc_audit_t *a, size_t target, int64_t k, const size_t *colof,
                       int64_t *smin, int64_t *smax, bool *pass, struct hub_sdc_result *res,
                       struct hub_error *err)
{
    size_t n = 0, head = 0, depth_end = 1;
    unsigned st = ++a->stamp;
    int depth = 0, rc = 0, nrow = 0, nnz = 0;
    glp_prob *lp = NULL;
    int *ia = NULL, *ja = NULL;
    double *ar = NULL, *clo = NULL, *chi = NULL;
    size_t cap = 0;

    *pass = false;
    a->local_cells[n++] = target;
    a->cell_mark[target] = st;
    while (head < n && depth < LOCAL_DEPTH && n < LOCAL_MAX_CELLS) {
        size_t c = a->local_cells[head++];
        for (size_t i = a->inc_start[c]; i < a->inc_start[c + 1] && n < LOCAL_MAX_CELLS; i++) {
            size_t r = a->inc[i];
            for (size_t e = a->rel_start[r]; e < a->rel_start[r + 1] && n < LOCAL_MAX_CELLS; e++) {
                size_t d = a->rel_cell[e];
                if (!a->cell[d].hidden || a->cell_mark[d] == st)
                    continue;
                a->cell_mark[d] = st;
                a->local_cells[n++] = d;
            }
        }
        if (head == depth_end) {
            depth++;
            depth_end = n;
        }
    }
    for (size_t j = 0; j < n; j++) {
        a->local_col[a->local_cells[j]] = j;
        for (size_t i = a->inc_start[a->local_cells[j]]; i < a->inc_start[a->local_cells[j] + 1];
             i++)
            cap += a->rel_start[a->inc[i] + 1] - a->rel_start[a->inc[i]];
    }
    ia = malloc((cap + 1) * sizeof *ia);
    ja = malloc((cap + 1) * sizeof *ja);
    ar = malloc((cap + 1) * sizeof *ar);
    clo = malloc(n * sizeof *clo);
    chi = malloc(n * sizeof *chi);
    if (!ia || !ja || !ar || !clo || !chi) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t j = 0; j < n; j++) {
        const struct acell *ce = &a->cell[a->local_cells[j]];
        clo[j] = (double)ce->lo;
        chi[j] = ce->hi == HUB_SDC_UNBOUNDED ? INFINITY : (double)ce->hi;
    }
    lp = glp_create_prob();
    glp_add_cols(lp, (int)n);
    for (size_t j = 0; j < n; j++)
        for (size_t i = a->inc_start[a->local_cells[j]]; i < a->inc_start[a->local_cells[j] + 1];
             i++) {
            size_t r = a->inc[i], nh = 0, only = 0;
            double rhs = (double)a->rel_rhs[r], co = 0;
            if (a->rel_mark[r] == st)
                continue;
            a->rel_mark[r] = st;
            for (size_t e = a->rel_start[r]; e < a->rel_start[r + 1]; e++) {
                size_t d = a->rel_cell[e];
                if (a->cell_mark[d] != st) {
                    rhs -= (double)a->rel_coef[e] * (double)a->cell[d].value;
                    continue;
                }
                nh++;
                only = a->local_col[d];
                co = a->rel_coef[e];
            }
            if (nh == 1) {
                double b = rhs / co;
                enum hub_sdc_rel t = a->rel_type[r];
                if (co < 0 && t != HUB_SDC_EQ)
                    t = t == HUB_SDC_LE ? HUB_SDC_GE : HUB_SDC_LE;
                if ((t == HUB_SDC_EQ || t == HUB_SDC_LE) && b < chi[only])
                    chi[only] = b;
                if ((t == HUB_SDC_EQ || t == HUB_SDC_GE) && b > clo[only])
                    clo[only] = b;
                continue;
            }
            glp_add_rows(lp, 1);
            nrow++;
            for (size_t e = a->rel_start[r]; e < a->rel_start[r + 1]; e++) {
                size_t d = a->rel_cell[e];
                if (a->cell_mark[d] != st)
                    continue;
                nnz++;
                ia[nnz] = nrow;
                ja[nnz] = (int)a->local_col[d] + 1;
                ar[nnz] = a->rel_coef[e];
            }
            int type = a->rel_type[r] == HUB_SDC_EQ   ? GLP_FX
                       : a->rel_type[r] == HUB_SDC_LE ? GLP_UP
                                                      : GLP_LO;
            glp_set_row_bnds(lp, nrow, type, rhs, rhs);
        }
    for (size_t j = 0; j < n; j++) {
        if (isinf(chi[j]))
            glp_set_col_bnds(lp, (int)j + 1, GLP_LO, clo[j], 0.0);
        else if (chi[j] - clo[j] < LP_EPS)
            glp_set_col_bnds(lp, (int)j + 1, GLP_FX, clo[j], clo[j]);
        else
            glp_set_col_bnds(lp, (int)j + 1, GLP_DB, clo[j], chi[j]);
    }
    if (nnz > 0) {
        if (glp_check_dup(nrow, (int)n, nnz, ia, ja) != 0) {
            rc = hub_error_set(err, HUB_EINVAL, "audit: a cell appears twice in one relation");
            goto out;
        }
        glp_load_matrix(lp, nnz, ia, ja, ar);
    }
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    int64_t lo = a->cell[target].value, hi = lo;
    glp_set_obj_coef(lp, 1, 1.0);
    for (int dir = 0; dir < 2; dir++) {
        int status;
        glp_set_obj_dir(lp, dir == 0 ? GLP_MAX : GLP_MIN);
        if ((rc = solve(lp, &parm, &status, err)) != 0)
            goto out;
        res->lps++;
        if (status == GLP_UNBND) {
            if (dir == 0)
                hi = HUB_SDC_UNBOUNDED;
        } else {
            double v = glp_get_obj_val(lp);
            if (dir == 0)
                hi = (int64_t)floor(v + LP_EPS);
            else
                lo = (int64_t)ceil(v - LP_EPS);
            for (size_t j = 0; j < n; j++) {
                double x = glp_get_col_prim(lp, (int)j + 1);
                size_t col = colof[a->local_cells[j]];
                int64_t up = (int64_t)floor(x + LP_EPS), dn = (int64_t)ceil(x - LP_EPS);
                if (up > smax[col])
                    smax[col] = up;
                if (dn < smin[col])
                    smin[col] = dn;
            }
        }
        if (hub_sdc_audit_rule_holds(a->cell[target].value, lo, hi, k)) {
            *pass = true;
            break;
        }
    }
    /* what the local LPs proved reachable for the target itself (an unbounded max included) */
    size_t tc = colof[target];
    if (hi > smax[tc])
        smax[tc] = hi;
    if (lo < smin[tc])
        smin[tc] = lo;
out:
    if (lp)
        glp_delete_prob(lp);
    free(chi);
    free(clo);
    free(ar);
    free(ja);
    free(ia);
    return rc;
}

static int audit_component(hub_sdc_audit_t *a, const struct comp *c, int64_t k,
                           enum hub_sdc_mode mode, struct hub_sdc_result *res,
                           struct hub_error *err)
{
    glp_prob *lp = NULL;
    int *ia = NULL, *ja = NULL;
    double *ar = NULL;
    int64_t *smin = NULL, *smax = NULL;
    double *clo = NULL, *chi = NULL;
    size_t *colof = NULL;
    size_t nnz = 0;
    int rc = 0;

    for (size_t r = 0; r < c->nrows; r++)
        nnz += a->rel_start[c->rows[r] + 1] - a->rel_start[c->rows[r]];
    ia = malloc((nnz + 1) * sizeof *ia);
    ja = malloc((nnz + 1) * sizeof *ja);
    ar = malloc((nnz + 1) * sizeof *ar);
    smin = malloc(c->ncols * sizeof *smin);
    smax = malloc(c->ncols * sizeof *smax);
    colof = malloc(a->n * sizeof *colof);
    if (!ia || !ja || !ar || !smin || !smax || !colof) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    /* Column bounds: the symbol's range, tightened by every relation with one hidden cell (a
     * bound, not a row: the LPs stay small). */
    if (!(clo = malloc(c->ncols * sizeof *clo)) || !(chi = malloc(c->ncols * sizeof *chi))) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t j = 0; j < c->ncols; j++) {
        const struct acell *ce = &a->cell[c->cols[j]];
        colof[c->cols[j]] = j;
        smin[j] = smax[j] = ce->value;
        clo[j] = (double)ce->lo;
        chi[j] = ce->hi == HUB_SDC_UNBOUNDED ? INFINITY : (double)ce->hi;
    }
    lp = glp_create_prob();
    glp_add_cols(lp, (int)c->ncols);
    nnz = 0;
    int nrow = 0;
    for (size_t r = 0; r < c->nrows; r++) {
        size_t rel = c->rows[r], nh = 0, only = 0;
        double rhs = (double)a->rel_rhs[rel], co = 0;
        for (size_t i = a->rel_start[rel]; i < a->rel_start[rel + 1]; i++) {
            const struct acell *ce = &a->cell[a->rel_cell[i]];
            if (!ce->hidden) {
                rhs -= (double)a->rel_coef[i] * (double)ce->value;
                continue;
            }
            nh++;
            only = colof[a->rel_cell[i]];
            co = a->rel_coef[i];
        }
        if (nh == 1) { /* co * x REL rhs */
            double b = rhs / co;
            enum hub_sdc_rel t = a->rel_type[rel];
            if (co < 0 && t != HUB_SDC_EQ)
                t = t == HUB_SDC_LE ? HUB_SDC_GE : HUB_SDC_LE;
            if ((t == HUB_SDC_EQ || t == HUB_SDC_LE) && b < chi[only])
                chi[only] = b;
            if ((t == HUB_SDC_EQ || t == HUB_SDC_GE) && b > clo[only])
                clo[only] = b;
            continue;
        }
        nrow++;
        glp_add_rows(lp, 1);
        for (size_t i = a->rel_start[rel]; i < a->rel_start[rel + 1]; i++) {
            const struct acell *ce = &a->cell[a->rel_cell[i]];
            if (!ce->hidden)
                continue;
            nnz++;
            ia[nnz] = nrow;
            ja[nnz] = (int)colof[a->rel_cell[i]] + 1;
            ar[nnz] = a->rel_coef[i];
        }
        int type = a->rel_type[rel] == HUB_SDC_EQ   ? GLP_FX
                   : a->rel_type[rel] == HUB_SDC_LE ? GLP_UP
                                                    : GLP_LO;
        glp_set_row_bnds(lp, nrow, type, rhs, rhs);
    }
    for (size_t j = 0; j < c->ncols; j++) {
        if (isinf(chi[j]))
            glp_set_col_bnds(lp, (int)j + 1, GLP_LO, clo[j], 0.0);
        else if (chi[j] - clo[j] < LP_EPS)
            glp_set_col_bnds(lp, (int)j + 1, GLP_FX, clo[j], clo[j]);
        else
            glp_set_col_bnds(lp, (int)j + 1, GLP_DB, clo[j], chi[j]);
    }
    if (nrow == 0) { /* no row left: each cell is its own bounds */
        res->components++;
        for (size_t j = 0; j < c->ncols; j++) {
            struct acell *ce = &a->cell[c->cols[j]];
            ce->min = (int64_t)ceil(clo[j] - LP_EPS);
            ce->max = isinf(chi[j]) ? HUB_SDC_UNBOUNDED : (int64_t)floor(chi[j] + LP_EPS);
        }
        goto out;
    }
    /* A cell twice in one relation would be two entries for one (row, column), which GLPK
     * refuses (it aborts): callers must not build such relations. */
    if (glp_check_dup(nrow, (int)c->ncols, (int)nnz, ia, ja) != 0) {
        rc = hub_error_set(err, HUB_EINVAL, "audit: a cell appears twice in one relation");
        goto out;
    }
    glp_load_matrix(lp, (int)nnz, ia, ja, ar);

    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_OFF;
    res->components++;
    for (size_t j = 0; j < c->ncols; j++) {
        struct acell *ce = &a->cell[c->cols[j]];
        bool exact = mode == HUB_SDC_EXACT;
        int status;
        int64_t mx = smax[j], mn = smin[j];
        if (!exact && !small(ce->value, k))
            goto store;
        if (!exact && hub_sdc_audit_rule_holds(ce->value, smin[j], smax[j], k))
            goto store;
        if (!exact) {
            bool pass;
            if ((rc = local_check(a, c->cols[j], k, colof, smin, smax, &pass, res, err)) != 0)
                goto out;
            if (pass || hub_sdc_audit_rule_holds(ce->value, smin[j], smax[j], k))
                goto store;
        }
        glp_set_obj_coef(lp, (int)j + 1, 1.0);
        glp_set_obj_dir(lp, GLP_MAX);
        if ((rc = solve(lp, &parm, &status, err)) != 0)
            goto out;
        res->lps++;
        if (status == GLP_UNBND) {
            mx = HUB_SDC_UNBOUNDED;
        } else {
            mx = (int64_t)floor(glp_get_obj_val(lp) + LP_EPS);
            widen(a, lp, c, smin, smax);
        }
        if (exact || !hub_sdc_audit_rule_holds(ce->value, smin[j], mx, k)) {
            glp_set_obj_dir(lp, GLP_MIN);
            if ((rc = solve(lp, &parm, &status, err)) != 0)
                goto out;
            res->lps++;
            mn = (int64_t)ceil(glp_get_obj_val(lp) - LP_EPS);
            widen(a, lp, c, smin, smax);
        } else {
            mn = smin[j];
        }
        glp_set_obj_coef(lp, (int)j + 1, 0.0);
        smax[j] = mx;
        smin[j] = mn;
    store:
        ce->min = smin[j];
        ce->max = smax[j];
    }
out:
    if (lp)
        glp_delete_prob(lp);
    free(chi);
    free(clo);
    free(colof);
    free(smax);
    free(smin);
    free(ar);
    free(ja);
    free(ia);
    return rc;
}

int hub_sdc_audit_run(hub_sdc_audit_t *a, int64_t k, enum hub_sdc_mode mode,
                      struct hub_sdc_result *res, struct hub_error *err)
{
    struct hub_sdc_result local;
    size_t *up = NULL, *first = NULL, *cstart = NULL, *cols = NULL, *rstart = NULL, *rows = NULL;
    size_t ncomp = 0;
    int rc;

    if (!res)
        res = &local;
    memset(res, 0, sizeof *res);
    if (k < 2)
        return hub_error_set(err, HUB_EINVAL, "audit: k = %lld; it must be at least 2",
                             (long long)k);
    if ((rc = check_truth(a, err)) != 0)
        return rc;
    glp_term_out(GLP_OFF);

    up = malloc(a->n * sizeof *up);
    first = malloc(a->n * sizeof *first); /* hidden cell of a relation, then component id */
    if (!up || !first) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t c = 0; c < a->n; c++)
        up[c] = c;
    for (size_t r = 0; r < a->nrel; r++) {
        size_t h = SIZE_MAX;
        for (size_t i = a->rel_start[r]; i < a->rel_start[r + 1]; i++) {
            size_t c = a->rel_cell[i];
            if (!a->cell[c].hidden)
                continue;
            if (h == SIZE_MAX)
                h = c;
            else
                uf_union(up, h, c);
        }
    }
    /* Component ids in order of their first cell: deterministic. */
    for (size_t c = 0; c < a->n; c++) {
        a->cell[c].narrowed = false;
        if (!a->cell[c].hidden) {
            a->cell[c].min = a->cell[c].max = a->cell[c].value;
            continue;
        }
        size_t root = uf_find(up, c);
        if (root == c)
            first[c] = ncomp++;
        first[c] = first[root];
    }
    /* cell -> relations, for the local LPs */
    free(a->inc_start);
    free(a->inc);
    free(a->cell_mark);
    free(a->rel_mark);
    free(a->local_cells);
    free(a->local_col);
    a->inc_start = calloc(a->n + 1, sizeof *a->inc_start);
    a->inc = malloc((a->nnz ? a->nnz : 1) * sizeof *a->inc);
    a->cell_mark = calloc(a->n ? a->n : 1, sizeof *a->cell_mark);
    a->rel_mark = calloc(a->nrel ? a->nrel : 1, sizeof *a->rel_mark);
    a->local_cells = malloc(LOCAL_MAX_CELLS * sizeof *a->local_cells);
    a->local_col = malloc((a->n ? a->n : 1) * sizeof *a->local_col);
    a->stamp = 0;
    if (!a->inc_start || !a->inc || !a->cell_mark || !a->rel_mark || !a->local_cells ||
        !a->local_col) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < a->nnz; i++)
        a->inc_start[a->rel_cell[i] + 1]++;
    for (size_t c = 0; c < a->n; c++)
        a->inc_start[c + 1] += a->inc_start[c];
    {
        size_t *fill = malloc((a->n ? a->n : 1) * sizeof *fill);
        if (!fill) {
            rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
            goto out;
        }
        memcpy(fill, a->inc_start, a->n * sizeof *fill);
        for (size_t r = 0; r < a->nrel; r++)
            for (size_t i = a->rel_start[r]; i < a->rel_start[r + 1]; i++)
                a->inc[fill[a->rel_cell[i]]++] = r;
        free(fill);
    }
    cstart = calloc(ncomp + 1, sizeof *cstart);
    rstart = calloc(ncomp + 1, sizeof *rstart);
    cols = malloc((a->n ? a->n : 1) * sizeof *cols);
    rows = malloc((a->nrel ? a->nrel : 1) * sizeof *rows);
    if (!cstart || !rstart || !cols || !rows) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t c = 0; c < a->n; c++)
        if (a->cell[c].hidden)
            cstart[first[c] + 1]++;
    for (size_t r = 0; r < a->nrel; r++)
        for (size_t i = a->rel_start[r]; i < a->rel_start[r + 1]; i++)
            if (a->cell[a->rel_cell[i]].hidden) {
                rstart[first[a->rel_cell[i]] + 1]++;
                break;
            }
    for (size_t g = 0; g < ncomp; g++) {
        cstart[g + 1] += cstart[g];
        rstart[g + 1] += rstart[g];
    }
    {
        size_t *cfill = NULL, *rfill = NULL;
        cfill = malloc((ncomp ? ncomp : 1) * sizeof *cfill);
        rfill = malloc((ncomp ? ncomp : 1) * sizeof *rfill);
        if (!cfill || !rfill) {
            free(cfill);
            free(rfill);
            rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
            goto out;
        }
        memcpy(cfill, cstart, ncomp * sizeof *cfill);
        memcpy(rfill, rstart, ncomp * sizeof *rfill);
        for (size_t c = 0; c < a->n; c++)
            if (a->cell[c].hidden)
                cols[cfill[first[c]]++] = c;
        for (size_t r = 0; r < a->nrel; r++)
            for (size_t i = a->rel_start[r]; i < a->rel_start[r + 1]; i++)
                if (a->cell[a->rel_cell[i]].hidden) {
                    rows[rfill[first[a->rel_cell[i]]]++] = r;
                    break;
                }
        free(cfill);
        free(rfill);
    }
    for (size_t g = 0; g < ncomp; g++) {
        struct comp comp = {cstart[g + 1] - cstart[g], rstart[g + 1] - rstart[g], &cols[cstart[g]],
                            &rows[rstart[g]]};
        if (comp.nrows == 0) { /* in no relation: the reader knows only its symbol's range */
            struct acell *ce = &a->cell[comp.cols[0]];
            ce->min = ce->lo;
            ce->max = ce->hi;
            continue;
        }
        if ((rc = audit_component(a, &comp, k, mode, res, err)) != 0)
            goto out;
    }
    for (size_t c = 0; c < a->n; c++) {
        struct acell *ce = &a->cell[c];
        if (!ce->hidden)
            continue;
        res->hidden++;
        if (small(ce->value, k))
            res->small++;
        if (ce->min == ce->max && (mode == HUB_SDC_EXACT || small(ce->value, k)))
            res->pinned++;
        if (!hub_sdc_audit_rule_holds(ce->value, ce->min, ce->max, k)) {
            ce->narrowed = true;
            res->narrowed++;
        }
    }
out:
    free(rows);
    free(cols);
    free(rstart);
    free(cstart);
    free(first);
    free(up);
    return rc;
}
