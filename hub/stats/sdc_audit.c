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
/* Every column is capped here, so that no LP is unbounded (a sum of cells can then be maximised
 * at once); a maximum at or above half of it stands for "no upper bound". */
#define LP_CAP 1e7

struct acell {
    int64_t value, lo, hi;
    int64_t min, max;   /* derived range (after a run) */
    int64_t kmin, kmax; /* reachable by the moves (hints), during a run */
    bool hidden, narrowed;
};

struct lp;
static void lp_free(struct lp *l);

struct hub_sdc_audit {
    size_t n;
    struct acell *cell;
    size_t nrel, cap_rel, nnz, cap_nnz;
    size_t *rel_start; /* [nrel + 1] into rel_cell / rel_coef */
    enum hub_sdc_rel *rel_type;
    bool *rel_off; /* [nrel]: withdrawn (hub_sdc_audit_relation_off) */
    int64_t *rel_rhs;
    size_t *rel_cell;
    int *rel_coef;
    /* during a run: cell -> relations, and scratch for the local LPs */
    size_t *inc_start, *inc;
    unsigned *cell_mark, *rel_mark, stamp;
    size_t *local_cells, *local_col, *local_rels;
    const bool *focus;     /* during hub_sdc_audit_recheck: the cells to decide */
    const bool *supposed;  /* during hub_sdc_audit_blockers_supposing: shown cells taken as
                              hidden */
    unsigned long version; /* bumped whenever a cell or relation changes */
    struct lp *bl;         /* the component LP of the last blockers query (binding_component) */
    unsigned long bl_version;
    const bool *bl_supposed;
    size_t *bl_colof;
    /* moves (hub_sdc_audit_move): cells and coefficients of move m at [mv_start[m], [m+1]) */
    size_t nmv, cap_mv, mv_nnz, cap_mv_nnz;
    size_t *mv_start, *mv_cell;
    int *mv_coef;
    /* windows (hub_sdc_audit_window): cells of window w at [win_start[w], [w+1]) */
    size_t nwin, cap_win, win_nnz, cap_win_nnz;
    size_t *win_start, *win_cell;
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
    free(a->rel_off);
    free(a->rel_rhs);
    free(a->rel_cell);
    free(a->rel_coef);
    free(a->inc_start);
    free(a->inc);
    free(a->cell_mark);
    free(a->rel_mark);
    free(a->local_cells);
    free(a->local_col);
    free(a->local_rels);
    free(a->mv_start);
    free(a->mv_cell);
    free(a->mv_coef);
    free(a->win_start);
    free(a->win_cell);
    if (a->bl) {
        lp_free(a->bl);
        free(a->bl);
    }
    free(a->bl_colof);
    free(a);
}

size_t hub_sdc_audit_cells(const hub_sdc_audit_t *a)
{
    return a->n;
}

void hub_sdc_audit_shown(hub_sdc_audit_t *a, size_t cell, int64_t value)
{
    a->version++;
    if (cell < a->n)
        a->cell[cell] = (struct acell){.value = value,
                                       .lo = value,
                                       .hi = value,
                                       .min = value,
                                       .max = value,
                                       .kmin = value,
                                       .kmax = value};
}

void hub_sdc_audit_hidden(hub_sdc_audit_t *a, size_t cell, int64_t value, int64_t lo, int64_t hi)
{
    a->version++;
    if (cell < a->n)
        a->cell[cell] = (struct acell){.value = value,
                                       .lo = lo,
                                       .hi = hi,
                                       .min = lo,
                                       .max = hi,
                                       .kmin = value,
                                       .kmax = value,
                                       .hidden = true};
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
        bool *off = realloc(a->rel_off, cap * sizeof *off);
        if (off)
            a->rel_off = off;
        if (!st || !ty || !rh || !off)
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
    a->rel_off[a->nrel] = false;
    a->version++;
    a->rel_start[++a->nrel] = a->nnz;
    return 0;
}

int hub_sdc_audit_move(hub_sdc_audit_t *a, size_t n, const size_t *cells, const int *coef,
                       struct hub_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (cells[i] >= a->n)
            return hub_error_set(err, HUB_EINVAL, "audit move: cell %zu of %zu", cells[i], a->n);
    if (a->nmv + 1 >= a->cap_mv) {
        size_t cap = a->cap_mv ? 2 * a->cap_mv : 1024;
        size_t *st = realloc(a->mv_start, (cap + 1) * sizeof *st);
        if (!st)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        a->mv_start = st;
        a->cap_mv = cap;
        if (a->nmv == 0)
            a->mv_start[0] = 0;
    }
    if (a->mv_nnz + n > a->cap_mv_nnz) {
        size_t cap = a->cap_mv_nnz ? 2 * a->cap_mv_nnz : 4096;
        while (cap < a->mv_nnz + n)
            cap *= 2;
        size_t *c = realloc(a->mv_cell, cap * sizeof *c);
        if (c)
            a->mv_cell = c;
        int *k = realloc(a->mv_coef, cap * sizeof *k);
        if (k)
            a->mv_coef = k;
        if (!c || !k)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        a->cap_mv_nnz = cap;
    }
    memcpy(&a->mv_cell[a->mv_nnz], cells, n * sizeof *cells);
    memcpy(&a->mv_coef[a->mv_nnz], coef, n * sizeof *coef);
    a->mv_nnz += n;
    a->mv_start[++a->nmv] = a->mv_nnz;
    return 0;
}

int hub_sdc_audit_window(hub_sdc_audit_t *a, size_t n, const size_t *cells, struct hub_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (cells[i] >= a->n)
            return hub_error_set(err, HUB_EINVAL, "audit window: cell %zu of %zu", cells[i], a->n);
    if (a->nwin + 1 >= a->cap_win) {
        size_t cap = a->cap_win ? 2 * a->cap_win : 1024;
        size_t *st = realloc(a->win_start, (cap + 1) * sizeof *st);
        if (!st)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        a->win_start = st;
        a->cap_win = cap;
        if (a->nwin == 0)
            a->win_start[0] = 0;
    }
    if (a->win_nnz + n > a->cap_win_nnz) {
        size_t cap = a->cap_win_nnz ? 2 * a->cap_win_nnz : 8192;
        while (cap < a->win_nnz + n)
            cap *= 2;
        size_t *c = realloc(a->win_cell, cap * sizeof *c);
        if (!c)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        a->win_cell = c;
        a->cap_win_nnz = cap;
    }
    memcpy(&a->win_cell[a->win_nnz], cells, n * sizeof *cells);
    a->win_nnz += n;
    a->win_start[++a->nwin] = a->win_nnz;
    return 0;
}

const size_t *hub_sdc_audit_cell_relations(const hub_sdc_audit_t *a, size_t cell, size_t *n)
{
    if (!a->inc_start || cell >= a->n) {
        *n = 0;
        return NULL;
    }
    *n = a->inc_start[cell + 1] - a->inc_start[cell];
    return &a->inc[a->inc_start[cell]];
}

void hub_sdc_audit_relation_off(hub_sdc_audit_t *a, size_t r)
{
    a->version++;
    if (r < a->nrel)
        a->rel_off[r] = true;
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
        if (a->rel_off[r])
            continue;
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

/* One LP over some free cells; every other cell of a relation is a constant at its value. */
struct lp {
    glp_prob *lp;
    size_t n;    /* columns: a->local_cells[0..n) */
    size_t nrow; /* rows: row_rel[0..nrow) */
    size_t *row_rel;
    size_t *cells;           /* cell of each column */
    size_t *lo_rel, *hi_rel; /* per column: the relation that set its bound, SIZE_MAX for the
                                symbol's own range */
};

static void lp_free(struct lp *l)
{
    if (l->lp)
        glp_delete_prob(l->lp);
    free(l->row_rel);
    free(l->cells);
    free(l->lo_rel);
    free(l->hi_rel);
    memset(l, 0, sizeof *l);
}

/*
 * Builds the LP of the free cells a->local_cells[0..n) (marked a->cell_mark == a->stamp, column
 * a->local_col) over the relations rels[0..nrels): a relation with one free cell becomes a bound
 * of its column (the LPs stay small), the others rows.
 */
static int lp_build(hub_sdc_audit_t *a, size_t n, const size_t *rels, size_t nrels, struct lp *l,
                    struct hub_error *err)
{
    unsigned st = a->stamp;
    size_t cap = 0, nnz = 0;
    int *ia = NULL, *ja = NULL;
    double *ar = NULL, *clo = NULL, *chi = NULL;
    int rc = 0;

    memset(l, 0, sizeof *l);
    l->n = n;
    for (size_t r = 0; r < nrels; r++)
        cap += a->rel_start[rels[r] + 1] - a->rel_start[rels[r]];
    ia = malloc((cap + 1) * sizeof *ia);
    ja = malloc((cap + 1) * sizeof *ja);
    ar = malloc((cap + 1) * sizeof *ar);
    clo = malloc((n ? n : 1) * sizeof *clo);
    chi = malloc((n ? n : 1) * sizeof *chi);
    l->row_rel = malloc((nrels ? nrels : 1) * sizeof *l->row_rel);
    l->cells = malloc((n ? n : 1) * sizeof *l->cells);
    l->lo_rel = malloc((n ? n : 1) * sizeof *l->lo_rel);
    l->hi_rel = malloc((n ? n : 1) * sizeof *l->hi_rel);
    if (!ia || !ja || !ar || !clo || !chi || !l->row_rel || !l->cells || !l->lo_rel || !l->hi_rel) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t j = 0; j < n; j++) {
        const struct acell *ce = &a->cell[a->local_cells[j]];
        bool supposed = !ce->hidden && a->supposed && a->supposed[a->local_cells[j]];
        clo[j] = supposed ? 0.0 : (double)ce->lo;
        chi[j] = supposed || ce->hi == HUB_SDC_UNBOUNDED ? INFINITY : (double)ce->hi;
        l->cells[j] = a->local_cells[j];
        l->lo_rel[j] = l->hi_rel[j] = SIZE_MAX;
    }
    l->lp = glp_create_prob();
    if (n)
        glp_add_cols(l->lp, (int)n);
    for (size_t r = 0; r < nrels; r++) {
        size_t rel = rels[r], nh = 0, only = 0;
        double rhs = (double)a->rel_rhs[rel], co = 0;
        if (a->rel_off[rel])
            continue;
        for (size_t e = a->rel_start[rel]; e < a->rel_start[rel + 1]; e++) {
            size_t d = a->rel_cell[e];
            if (a->cell_mark[d] != st) {
                rhs -= (double)a->rel_coef[e] * (double)a->cell[d].value;
                continue;
            }
            nh++;
            only = a->local_col[d];
            co = a->rel_coef[e];
        }
        if (nh == 0)
            continue;
        if (nh == 1) { /* co * x REL rhs */
            double b = rhs / co;
            enum hub_sdc_rel t = a->rel_type[rel];
            if (co < 0 && t != HUB_SDC_EQ)
                t = t == HUB_SDC_LE ? HUB_SDC_GE : HUB_SDC_LE;
            if ((t == HUB_SDC_EQ || t == HUB_SDC_LE) && b < chi[only]) {
                chi[only] = b;
                l->hi_rel[only] = rel;
            }
            if ((t == HUB_SDC_EQ || t == HUB_SDC_GE) && b > clo[only]) {
                clo[only] = b;
                l->lo_rel[only] = rel;
            }
            continue;
        }
        glp_add_rows(l->lp, 1);
        l->row_rel[l->nrow++] = rel;
        for (size_t e = a->rel_start[rel]; e < a->rel_start[rel + 1]; e++) {
            size_t d = a->rel_cell[e];
            if (a->cell_mark[d] != st)
                continue;
            nnz++;
            ia[nnz] = (int)l->nrow;
            ja[nnz] = (int)a->local_col[d] + 1;
            ar[nnz] = a->rel_coef[e];
        }
        int type = a->rel_type[rel] == HUB_SDC_EQ   ? GLP_FX
                   : a->rel_type[rel] == HUB_SDC_LE ? GLP_UP
                                                    : GLP_LO;
        glp_set_row_bnds(l->lp, (int)l->nrow, type, rhs, rhs);
    }
    for (size_t j = 0; j < n; j++) {
        if (chi[j] > LP_CAP)
            chi[j] = LP_CAP;
        if (chi[j] - clo[j] < LP_EPS)
            glp_set_col_bnds(l->lp, (int)j + 1, GLP_FX, clo[j], clo[j]);
        else
            glp_set_col_bnds(l->lp, (int)j + 1, GLP_DB, clo[j], chi[j]);
    }
    if (nnz > 0) {
        /* A cell twice in one relation would be two entries for one (row, column), which GLPK
         * refuses (it aborts): callers must not build such relations. */
        if (glp_check_dup((int)l->nrow, (int)n, (int)nnz, ia, ja) != 0) {
            rc = hub_error_set(err, HUB_EINVAL, "audit: a cell appears twice in one relation");
            goto out;
        }
        glp_load_matrix(l->lp, (int)nnz, ia, ja, ar);
    }
out:
    free(chi);
    free(clo);
    free(ar);
    free(ja);
    free(ia);
    if (rc != 0)
        lp_free(l);
    return rc;
}

/* The relations of the free cells a->local_cells[0..n), each once, into a->local_rels. */
static size_t gather_rels(hub_sdc_audit_t *a, size_t n)
{
    size_t nr = 0;
    for (size_t j = 0; j < n; j++)
        for (size_t i = a->inc_start[a->local_cells[j]]; i < a->inc_start[a->local_cells[j] + 1];
             i++) {
            size_t r = a->inc[i];
            if (a->rel_mark[r] == a->stamp)
                continue;
            a->rel_mark[r] = a->stamp;
            a->local_rels[nr++] = r;
        }
    return nr;
}

/* An LP value as a bound a reader can derive: rounded inwards, the cap as no bound. */
static int64_t as_max(double x)
{
    return x >= LP_CAP / 2 ? HUB_SDC_UNBOUNDED : (int64_t)floor(x + LP_EPS);
}

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

/* Every solution is a table the reader cannot exclude: it widens what each free cell is known
 * to reach (smin/smax indexed by component column, via colof). */
static void widen(hub_sdc_audit_t *a, const struct lp *l, const size_t *colof, int64_t *smin,
                  int64_t *smax)
{
    for (size_t j = 0; j < l->n; j++) {
        double x = glp_get_col_prim(l->lp, (int)j + 1);
        size_t col = colof[l->cells[j]];
        int64_t up = as_max(x), dn = (int64_t)ceil(x - LP_EPS);
        if (up > smax[col])
            smax[col] = up;
        if (dn < smin[col])
            smin[col] = dn;
    }
}

static void init_parm(glp_smcp *parm)
{
    glp_init_smcp(parm);
    parm->msg_lev = GLP_MSG_OFF;
    parm->presolve = GLP_OFF;
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
    int depth = 0, rc = 0;
    struct lp l;

    *pass = false;
    a->local_cells[n++] = target;
    a->cell_mark[target] = st;
    while (head < n && depth < LOCAL_DEPTH && n < LOCAL_MAX_CELLS) {
        size_t c = a->local_cells[head++];
        for (size_t i = a->inc_start[c]; i < a->inc_start[c + 1] && n < LOCAL_MAX_CELLS; i++) {
            size_t r = a->inc[i];
            if (a->rel_off[r])
                continue;
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
    for (size_t j = 0; j < n; j++)
        a->local_col[a->local_cells[j]] = j;
    if ((rc = lp_build(a, n, a->local_rels, gather_rels(a, n), &l, err)) != 0)
        return rc;
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    int64_t lo = a->cell[target].value, hi = lo;
    glp_set_obj_coef(l.lp, 1, 1.0);
    for (int dir = 0; dir < 2; dir++) {
        int status;
        glp_set_obj_dir(l.lp, dir == 0 ? GLP_MAX : GLP_MIN);
        if ((rc = solve(l.lp, &parm, &status, err)) != 0)
            goto out;
        res->lps++;
        if (status == GLP_UNBND) {
            if (dir == 0)
                hi = HUB_SDC_UNBOUNDED;
        } else {
            double v = glp_get_obj_val(l.lp);
            if (dir == 0)
                hi = as_max(v);
            else
                lo = (int64_t)ceil(v - LP_EPS);
            widen(a, &l, colof, smin, smax);
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
    lp_free(&l);
    return rc;
}

static bool undecided(const hub_sdc_audit_t *a, size_t cell, int64_t k, int64_t mn, int64_t mx)
{
    const struct acell *ce = &a->cell[cell];
    return (!a->focus || a->focus[cell]) && small(ce->value, k) &&
           !hub_sdc_audit_rule_holds(ce->value, mn, mx, k);
}

#define BATCH_ROUNDS 6

/* Rule mode: pushes all undecided small cells of a component up at once, then down, a few times
 * over, widening every cell's known range with each solution; most cells are decided this way in
 * a handful of LPs, and only those left need one of their own. Builds the component's LP into *l
 * when there is anything to decide. */
static int batch(hub_sdc_audit_t *a, const struct comp *c, int64_t k, const size_t *colof,
                 int64_t *smin, int64_t *smax, struct lp *l, struct hub_sdc_result *res,
                 struct hub_error *err)
{
    glp_smcp parm;
    size_t left = 0;
    int rc;

    for (size_t j = 0; j < c->ncols; j++)
        left += undecided(a, c->cols[j], k, smin[j], smax[j]);
    if (left == 0)
        return 0;
    unsigned st = ++a->stamp;
    for (size_t i = 0; i < c->ncols; i++) {
        a->cell_mark[c->cols[i]] = st;
        a->local_cells[i] = c->cols[i];
        a->local_col[c->cols[i]] = i;
    }
    if ((rc = lp_build(a, c->ncols, c->rows, c->nrows, l, err)) != 0)
        return rc;
    if (l->nrow == 0)
        return 0;
    init_parm(&parm);
    for (int round = 0; round < BATCH_ROUNDS && left > 0; round++) {
        size_t before = left;
        for (int dir = 0; dir < 2; dir++) {
            int status;
            for (size_t j = 0; j < c->ncols; j++)
                glp_set_obj_coef(l->lp, (int)j + 1,
                                 undecided(a, c->cols[j], k, smin[j], smax[j]) ? 1.0 : 0.0);
            glp_set_obj_dir(l->lp, dir == 0 ? GLP_MAX : GLP_MIN);
            if ((rc = solve(l->lp, &parm, &status, err)) != 0)
                return rc;
            res->lps++;
            if (status == GLP_OPT)
                widen(a, l, colof, smin, smax);
        }
        left = 0;
        for (size_t j = 0; j < c->ncols; j++)
            left += undecided(a, c->cols[j], k, smin[j], smax[j]);
        if (left == before)
            break;
    }
    for (size_t j = 0; j < c->ncols; j++)
        glp_set_obj_coef(l->lp, (int)j + 1, 0.0);
    return 0;
}

static int audit_component(hub_sdc_audit_t *a, const struct comp *c, int64_t k,
                           enum hub_sdc_mode mode, struct hub_sdc_result *res,
                           struct hub_error *err)
{
    int64_t *smin = NULL, *smax = NULL;
    size_t *colof = NULL;
    struct lp l = {0};
    int rc = 0;

    smin = malloc(c->ncols * sizeof *smin);
    smax = malloc(c->ncols * sizeof *smax);
    colof = malloc(a->n * sizeof *colof);
    if (!smin || !smax || !colof) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t j = 0; j < c->ncols; j++) {
        const struct acell *ce = &a->cell[c->cols[j]];
        colof[c->cols[j]] = j;
        smin[j] = ce->kmin;
        smax[j] = ce->kmax;
    }
    res->components++;
    glp_smcp parm;
    init_parm(&parm);
    if (mode == HUB_SDC_RULE && c->ncols > 1 &&
        (rc = batch(a, c, k, colof, smin, smax, &l, res, err)) != 0)
        goto out;
    for (size_t j = 0; j < c->ncols; j++) {
        struct acell *ce = &a->cell[c->cols[j]];
        bool exact = mode == HUB_SDC_EXACT;
        int status;
        int64_t mx = smax[j], mn = smin[j];
        if (a->focus && !a->focus[c->cols[j]])
            continue; /* keeps the range of an earlier run */
        if (!exact && !small(ce->value, k))
            goto store;
        if (!exact && hub_sdc_audit_rule_holds(ce->value, smin[j], smax[j], k))
            goto store;
        if (!exact && c->ncols > 1 && !l.lp) {
            bool pass;
            if ((rc = local_check(a, c->cols[j], k, colof, smin, smax, &pass, res, err)) != 0)
                goto out;
            if (pass || hub_sdc_audit_rule_holds(ce->value, smin[j], smax[j], k))
                goto store;
        }
        if (!l.lp) { /* the component's own LP, built once and re-optimised per cell */
            unsigned st = ++a->stamp;
            for (size_t i = 0; i < c->ncols; i++) {
                a->cell_mark[c->cols[i]] = st;
                a->local_cells[i] = c->cols[i];
                a->local_col[c->cols[i]] = i;
            }
            if ((rc = lp_build(a, c->ncols, c->rows, c->nrows, &l, err)) != 0)
                goto out;
        }
        glp_set_obj_coef(l.lp, (int)j + 1, 1.0);
        glp_set_obj_dir(l.lp, GLP_MAX);
        if (l.nrow == 0) { /* no row: the column's bounds are its range */
            double hi = glp_get_col_ub(l.lp, (int)j + 1);
            int type = glp_get_col_type(l.lp, (int)j + 1);
            mx = type == GLP_LO ? HUB_SDC_UNBOUNDED : as_max(hi);
            mn = (int64_t)ceil(glp_get_col_lb(l.lp, (int)j + 1) - LP_EPS);
            glp_set_obj_coef(l.lp, (int)j + 1, 0.0);
            smax[j] = mx;
            smin[j] = mn;
            goto store;
        }
        if ((rc = solve(l.lp, &parm, &status, err)) != 0)
            goto out;
        res->lps++;
        if (status == GLP_UNBND) {
            mx = HUB_SDC_UNBOUNDED;
        } else {
            mx = as_max(glp_get_obj_val(l.lp));
            widen(a, &l, colof, smin, smax);
        }
        if (exact || !hub_sdc_audit_rule_holds(ce->value, smin[j], mx, k)) {
            glp_set_obj_dir(l.lp, GLP_MIN);
            if ((rc = solve(l.lp, &parm, &status, err)) != 0)
                goto out;
            res->lps++;
            mn = (int64_t)ceil(glp_get_obj_val(l.lp) - LP_EPS);
            widen(a, &l, colof, smin, smax);
        } else {
            mn = smin[j];
        }
        glp_set_obj_coef(l.lp, (int)j + 1, 0.0);
        smax[j] = mx;
        smin[j] = mn;
    store:
        ce->min = smin[j];
        ce->max = smax[j];
    }
out:
    lp_free(&l);
    free(colof);
    free(smax);
    free(smin);
    return rc;
}

/* The hidden cells linked to `cell` (through relations with two or more hidden cells) into
 * a->local_cells, marked with a new stamp; returns how many. */
static size_t component_of(hub_sdc_audit_t *a, size_t cell)
{
    unsigned st = ++a->stamp;
    size_t n = 0, head = 0;

    a->local_cells[n++] = cell;
    a->cell_mark[cell] = st;
    while (head < n) {
        size_t c = a->local_cells[head++];
        for (size_t i = a->inc_start[c]; i < a->inc_start[c + 1]; i++) {
            size_t r = a->inc[i];
            if (a->rel_off[r])
                continue;
            for (size_t e = a->rel_start[r]; e < a->rel_start[r + 1]; e++) {
                size_t d = a->rel_cell[e];
                bool free = a->cell[d].hidden || (a->supposed && a->supposed[d]);
                if (!free || a->cell_mark[d] == st)
                    continue;
                a->cell_mark[d] = st;
                a->local_cells[n++] = d;
            }
        }
    }
    for (size_t j = 0; j < n; j++)
        a->local_col[a->local_cells[j]] = j;
    return n;
}

/* The hidden cells of window w as free cells (a->local_cells, marked with a new stamp); returns
 * how many. */
static size_t window_cells(hub_sdc_audit_t *a, size_t w)
{
    unsigned st = ++a->stamp;
    size_t n = 0;
    for (size_t i = a->win_start[w]; i < a->win_start[w + 1]; i++) {
        size_t c = a->win_cell[i];
        if (!a->cell[c].hidden || a->cell_mark[c] == st)
            continue;
        a->cell_mark[c] = st;
        a->local_col[c] = n;
        a->local_cells[n++] = c;
    }
    return n;
}

static bool undecided_k(const hub_sdc_audit_t *a, size_t c, int64_t k)
{
    const struct acell *ce = &a->cell[c];
    return (!a->focus || a->focus[c]) && ce->hidden && small(ce->value, k) &&
           !hub_sdc_audit_rule_holds(ce->value, ce->kmin, ce->kmax, k);
}

/* Rule mode: the LP of one window (its hidden cells free, every other cell fixed at its true
 * value — fewer tables than the reader may consider, so a range it reaches is reachable), its
 * undecided small cells pushed up and down together a few times; widens kmin/kmax. */
static int eval_window(hub_sdc_audit_t *a, size_t w, int64_t k, struct hub_sdc_result *res,
                       struct hub_error *err)
{
    size_t left = 0, n;
    struct lp l;
    glp_smcp parm;
    int rc = 0;

    for (size_t i = a->win_start[w]; i < a->win_start[w + 1]; i++)
        left += undecided_k(a, a->win_cell[i], k);
    if (left == 0)
        return 0;
    n = window_cells(a, w);
    if ((rc = lp_build(a, n, a->local_rels, gather_rels(a, n), &l, err)) != 0)
        return rc;
    init_parm(&parm);
    for (int round = 0; round < BATCH_ROUNDS && left > 0; round++) {
        size_t before = left;
        for (int dir = 0; dir < 2; dir++) {
            int status;
            for (size_t j = 0; j < l.n; j++)
                glp_set_obj_coef(l.lp, (int)j + 1, undecided_k(a, l.cells[j], k) ? 1.0 : 0.0);
            glp_set_obj_dir(l.lp, dir == 0 ? GLP_MAX : GLP_MIN);
            if ((rc = solve(l.lp, &parm, &status, err)) != 0)
                goto out;
            res->lps++;
            if (status != GLP_OPT)
                continue;
            for (size_t j = 0; j < l.n; j++) {
                struct acell *ce = &a->cell[l.cells[j]];
                double x = glp_get_col_prim(l.lp, (int)j + 1);
                int64_t up = as_max(x), dn = (int64_t)ceil(x - LP_EPS);
                if (up > ce->kmax)
                    ce->kmax = up;
                if (dn < ce->kmin)
                    ce->kmin = dn;
            }
        }
        left = 0;
        for (size_t j = 0; j < l.n; j++)
            left += undecided_k(a, l.cells[j], k);
        if (left == before)
            break;
    }
out:
    lp_free(&l);
    return rc;
}

static void add_once(size_t *rels, size_t cap, size_t *n, size_t r)
{
    for (size_t i = 0; i < *n; i++)
        if (rels[i] == r)
            return;
    if (*n < cap)
        rels[(*n)++] = r;
}

/* The relations binding `cell` at the optimum of l (the LP that widens it: down to 0 when that
 * alone passes the rule, else up); column j is the cell's. */
static int binding_in(hub_sdc_audit_t *a, struct lp *l, size_t j, size_t cell, int64_t k,
                      size_t *rels, size_t cap, size_t *nout, struct hub_error *err)
{
    int rc, status;
    glp_smcp parm;

    init_parm(&parm);
    const struct acell *ce = &a->cell[cell];
    bool down = ce->min > 0 && ce->max != HUB_SDC_UNBOUNDED && ce->max >= k - 1;
    glp_set_obj_coef(l->lp, (int)j + 1, 1.0);
    glp_set_obj_dir(l->lp, down ? GLP_MIN : GLP_MAX);
    rc = solve(l->lp, &parm, &status, err);
    glp_set_obj_coef(l->lp, (int)j + 1, 0.0);
    if (rc != 0 || status != GLP_OPT)
        return rc; /* unbounded: nothing binds */
    /* The rows and the column bounds with a non-zero dual bind the optimum: relaxing one of
     * them (hiding one of its shown cells) is what can widen the range. */
    for (size_t r = 0; r < l->nrow; r++)
        if (fabs(glp_get_row_dual(l->lp, (int)r + 1)) > LP_EPS)
            add_once(rels, cap, nout, l->row_rel[r]);
    for (size_t c = 0; c < l->n; c++) {
        if (fabs(glp_get_col_dual(l->lp, (int)c + 1)) <= LP_EPS)
            continue;
        int stat = glp_get_col_stat(l->lp, (int)c + 1);
        if ((stat == GLP_NL || stat == GLP_NS) && l->lo_rel[c] != SIZE_MAX)
            add_once(rels, cap, nout, l->lo_rel[c]);
        if ((stat == GLP_NU || stat == GLP_NS) && l->hi_rel[c] != SIZE_MAX)
            add_once(rels, cap, nout, l->hi_rel[c]);
    }
    return 0;
}

/* The relations binding `cell` in the LP over the free cells a->local_cells[0..n). */
static int binding(hub_sdc_audit_t *a, size_t n, size_t cell, int64_t k, size_t *rels, size_t cap,
                   size_t *nout, struct hub_error *err)
{
    struct lp l;
    int rc;

    if ((rc = lp_build(a, n, a->local_rels, gather_rels(a, n), &l, err)) != 0)
        return rc;
    size_t j = 0;
    while (l.cells[j] != cell)
        j++;
    rc = binding_in(a, &l, j, cell, k, rels, cap, nout, err);
    lp_free(&l);
    return rc;
}

/* The same over the cell's whole component, from an LP kept while nothing changes (no cell
 * hidden, no relation withdrawn, the same supposition): the cells of one round of repairs share
 * it and each costs a re-optimisation from the last basis. */
static int binding_component(hub_sdc_audit_t *a, size_t cell, int64_t k, const bool *supposed,
                             size_t *rels, size_t cap, size_t *nout, struct hub_error *err)
{
    struct lp *l;
    int rc;

    if (!a->bl_colof && !(a->bl_colof = malloc((a->n ? a->n : 1) * sizeof *a->bl_colof)))
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    if (!a->bl && !(a->bl = calloc(1, sizeof *a->bl)))
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    l = a->bl;
    if (!l->lp || a->bl_version != a->version || a->bl_supposed != supposed ||
        a->bl_colof[cell] == SIZE_MAX) {
        if (l->lp)
            for (size_t j = 0; j < l->n; j++)
                a->bl_colof[l->cells[j]] = SIZE_MAX;
        else
            for (size_t c = 0; c < a->n; c++)
                a->bl_colof[c] = SIZE_MAX;
        lp_free(l);
        a->supposed = supposed;
        size_t n = component_of(a, cell);
        rc = lp_build(a, n, a->local_rels, gather_rels(a, n), l, err);
        a->supposed = NULL;
        if (rc != 0)
            return rc;
        for (size_t j = 0; j < l->n; j++)
            a->bl_colof[l->cells[j]] = j;
        a->bl_version = a->version;
        a->bl_supposed = supposed;
    }
    return binding_in(a, l, a->bl_colof[cell], cell, k, rels, cap, nout, err);
}

int hub_sdc_audit_blockers_supposing(hub_sdc_audit_t *a, size_t cell, int64_t k,
                                     const bool *supposed, size_t *rels, size_t cap, size_t *nout,
                                     struct hub_error *err)
{
    *nout = 0;
    if (!a->inc_start || cell >= a->n || !a->cell[cell].hidden)
        return hub_error_set(err, HUB_EINVAL, "audit: blockers of cell %zu before a run", cell);
    return binding_component(a, cell, k, supposed, rels, cap, nout, err);
}

int hub_sdc_audit_blockers_local(hub_sdc_audit_t *a, size_t cell, int64_t k, size_t *rels,
                                 size_t cap, size_t *nout, struct hub_error *err)
{
    *nout = 0;
    if (!a->inc_start || cell >= a->n || !a->cell[cell].hidden)
        return hub_error_set(err, HUB_EINVAL, "audit: blockers of cell %zu before a run", cell);
    for (size_t w = 0; w < a->nwin; w++)
        for (size_t i = a->win_start[w]; i < a->win_start[w + 1]; i++)
            if (a->win_cell[i] == cell)
                return binding(a, window_cells(a, w), cell, k, rels, cap, nout, err);
    return 0;
}

int hub_sdc_audit_blockers(hub_sdc_audit_t *a, size_t cell, int64_t k, size_t *rels, size_t cap,
                           size_t *nout, struct hub_error *err)
{
    *nout = 0;
    if (!a->inc_start || cell >= a->n || !a->cell[cell].hidden)
        return hub_error_set(err, HUB_EINVAL, "audit: blockers of cell %zu before a run", cell);
    return binding_component(a, cell, k, NULL, rels, cap, nout, err);
}

#define MOVE_FAR ((int64_t)1 << 40)

static void limit(int64_t *t, int64_t slack, int64_t per)
{
    int64_t q = slack < 0 ? 0 : slack / per;
    if (q < *t)
        *t = q;
}

/* How far move m can go each way (t up, t down) with every relation and every hidden cell's
 * range still holding; both ends are tables the reader cannot exclude, so they widen kmin/kmax
 * of the move's cells. A move that changes a shown cell or an equation's total is no move. */
static void eval_move(hub_sdc_audit_t *a, size_t m, int *y)
{
    size_t b = a->mv_start[m], e = a->mv_start[m + 1];
    unsigned st = ++a->stamp;
    int64_t up = MOVE_FAR, dn = MOVE_FAR;
    bool ok = true;

    for (size_t i = b; i < e; i++)
        y[a->mv_cell[i]] += a->mv_coef[i];
    for (size_t i = b; i < e && ok; i++) {
        size_t c = a->mv_cell[i];
        const struct acell *ce = &a->cell[c];
        int64_t yc = y[c];
        if (yc == 0 || a->cell_mark[c] == st)
            continue;
        a->cell_mark[c] = st;
        if (!ce->hidden) {
            ok = false;
            break;
        }
        int64_t room_up = ce->hi == HUB_SDC_UNBOUNDED ? MOVE_FAR : ce->hi - ce->value;
        int64_t room_dn = ce->value - ce->lo;
        limit(yc > 0 ? &up : &dn, room_up, yc > 0 ? yc : -yc);
        limit(yc > 0 ? &dn : &up, room_dn, yc > 0 ? yc : -yc);
        for (size_t j = a->inc_start[c]; j < a->inc_start[c + 1] && ok; j++) {
            size_t r = a->inc[j];
            if (a->rel_off[r] || a->rel_mark[r] == st)
                continue;
            a->rel_mark[r] = st;
            int64_t ay = 0, ax = 0;
            for (size_t q = a->rel_start[r]; q < a->rel_start[r + 1]; q++) {
                ay += a->rel_coef[q] * (int64_t)y[a->rel_cell[q]];
                ax += a->rel_coef[q] * a->cell[a->rel_cell[q]].value;
            }
            if (ay == 0)
                continue;
            if (a->rel_type[r] == HUB_SDC_EQ) {
                ok = false;
            } else {
                int64_t slack =
                    a->rel_type[r] == HUB_SDC_LE ? a->rel_rhs[r] - ax : ax - a->rel_rhs[r];
                bool grows = (a->rel_type[r] == HUB_SDC_LE) == (ay > 0); /* t up eats slack */
                limit(grows ? &up : &dn, slack, ay > 0 ? ay : -ay);
            }
        }
    }
    for (size_t i = b; i < e && ok; i++) {
        struct acell *ce = &a->cell[a->mv_cell[i]];
        int64_t yc = y[a->mv_cell[i]];
        if (yc == 0)
            continue;
        int64_t hi = (yc > 0 ? up : dn) >= MOVE_FAR ? HUB_SDC_UNBOUNDED
                                                    : ce->value + (yc > 0 ? up * yc : dn * -yc);
        int64_t lo = ce->value - (yc > 0 ? dn * yc : up * -yc);
        if ((yc > 0 ? dn : up) >= MOVE_FAR)
            lo = ce->lo;
        if (hi > ce->kmax)
            ce->kmax = hi;
        if (lo < ce->kmin)
            ce->kmin = lo;
    }
    for (size_t i = b; i < e; i++)
        y[a->mv_cell[i]] = 0;
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
        if (a->rel_off[r])
            continue;
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
    free(a->local_rels);
    a->inc_start = calloc(a->n + 1, sizeof *a->inc_start);
    a->inc = malloc((a->nnz ? a->nnz : 1) * sizeof *a->inc);
    a->cell_mark = calloc(a->n ? a->n : 1, sizeof *a->cell_mark);
    a->rel_mark = calloc(a->nrel ? a->nrel : 1, sizeof *a->rel_mark);
    a->local_cells = malloc((a->n ? a->n : 1) * sizeof *a->local_cells);
    a->local_rels = malloc((a->nrel ? a->nrel : 1) * sizeof *a->local_rels);
    a->local_col = malloc((a->n ? a->n : 1) * sizeof *a->local_col);
    a->stamp = 0;
    if (!a->inc_start || !a->inc || !a->cell_mark || !a->rel_mark || !a->local_cells ||
        !a->local_col || !a->local_rels) {
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
    for (size_t c = 0; c < a->n; c++)
        a->cell[c].kmin = a->cell[c].kmax = a->cell[c].value;
    if (a->nmv > 0) {
        int *y = calloc(a->n ? a->n : 1, sizeof *y);
        if (!y) {
            rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t m = 0; m < a->nmv; m++)
            eval_move(a, m, y);
        free(y);
    }
    for (size_t w = 0; w < a->nwin && mode == HUB_SDC_RULE; w++)
        if ((rc = eval_window(a, w, k, res, err)) != 0)
            goto out;
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
        for (size_t i = a->rel_start[r]; i < a->rel_start[r + 1] && !a->rel_off[r]; i++)
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
            for (size_t i = a->rel_start[r]; i < a->rel_start[r + 1] && !a->rel_off[r]; i++)
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
        if (a->focus) {
            bool any = false;
            for (size_t j = 0; j < comp.ncols && !any; j++)
                any = a->focus[comp.cols[j]];
            if (!any)
                continue;
        }
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

int hub_sdc_audit_recheck(hub_sdc_audit_t *a, int64_t k, const bool *focus,
                          struct hub_sdc_result *res, struct hub_error *err)
{
    a->focus = focus;
    int rc = hub_sdc_audit_run(a, k, HUB_SDC_RULE, res, err);
    a->focus = NULL;
    return rc;
}
