/*
 * suppress.c — primary and secondary suppression by the hypercube method (see suppress.h).
 *
 * Why hypercubes and not only the classic rule: "no line with exactly one hidden cell" is
 * necessary but not sufficient. Two 2×2 blocks of hidden cells joined by one more hidden cell
 * satisfy it, yet the joining cell is fixed by the equations (in the bipartite graph of rows and
 * columns it is a bridge, on no cycle). A hypercube is a vector that the line equations cannot
 * see, so every hidden cell on one stays unknown. In a table of n linked dimensions any such
 * vector touches at least 2^n cells (the minimum weight of a product code), so a hypercube is
 * also the cheapest shape there is.
 *
 * What the reader's equations are: the lines whose cells are all published. A line that also
 * holds UNPUBLISHED cells says nothing, because whatever the published tables are, as long as
 * they agree where they share cells, unpublished cells can be filled in to match (for two
 * margins of a cube, like form × basis and sex × age of one district, this is the
 * transportation problem, which always has a non-negative solution). So a hypercube need not
 * extend along a dimension in which none of its corners lies on a fully published line: there
 * its pattern is "degenerate", the target's own coordinate alone.
 *
 * A "pattern" is a hypercube's extent in one dimension: a vector v on that dimension's nodes with
 * v(node) = sum of v over its children for every internal node, i.e. invisible to the lines of
 * that dimension. Two kinds cover what we need:
 *   pair(l1, l2)   +1 on the path from leaf l1 up to (not including) the lowest common ancestor
 *                  of l1 and l2, -1 on the path from l2 up to it — two siblings in a flat
 * dimension; chain(l)       +1 on every node from leaf l up to the root — a leaf and its total. The
 * hypercube is the product of one pattern per dimension; its sign at a corner is the product of the
 * signs. Adding t × that vector to the table changes no published line total.
 */
#include "hub/stats/suppress.h"

#include "hub/stats/sdc_audit.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A new hidden cell costs this much on top of its value: fewer, smaller cells are preferred. */
#define NEW_CELL_COST 8
/* ...and a hidden zero this much more: a zero corner cannot go down, so it rarely widens a small
 * count's range; zeros are complements of last resort. */
#define ZERO_CELL_COST 40
/* ...and a cell the caller asked to keep shown (hub_suppress_keep) this much more. */
#define KEEP_COST 100000
/* A hypercube whose move leaves the target's range short of the protection rule costs as much as
 * hiding this many more mid-sized cells: preferred against, but not at any price. The audit of
 * the whole publication (hub/stats/stats_audit.c) repairs what such a cube leaves. */
#define INTERVAL_PENALTY (6 * (NEW_CELL_COST + 20))
#define COST_INVALID INT64_MAX
/* Rounds of coordinate descent when choosing a hypercube. */
#define SEARCH_ROUNDS 3
/* Combinations of patterns tried one by one when the descent finds nothing interval-safe. */
#define EXHAUSTIVE_MAX 20000
#define PATTERN_MAX (2 * HUB_SUPPRESS_MAX_DEPTH + 1)
/* Cells of one table at most (a guard against a mistaken product, ~16M cells = ~200 MB). */
#define CELLS_MAX ((size_t)1 << 24)
/* Children of one node at most (one line's cells on the stack). */
#define LINE_CELLS_MAX 4096

struct pattern {
    size_t len; /* 1: degenerate, the target's coordinate alone */
    size_t node[PATTERN_MAX];
    int sign[PATTERN_MAX];
};

struct sdim {
    size_t n;
    int *parent;
    int *depth;
    bool *leaf;
    size_t *child_start, *children; /* children of node i: children[child_start[i]..[i+1]) */
    size_t *leaves;
    size_t nleaves;
    struct pattern *cand; /* candidate patterns for the current target; [0] is degenerate */
    size_t ncand, cap_cand;
};

struct hub_suppress {
    size_t ndims;
    struct sdim dim[HUB_SUPPRESS_MAX_DIMS];
    size_t stride[HUB_SUPPRESS_MAX_DIMS];
    size_t ncells;
    int64_t *value;
    unsigned char *state;
    unsigned char *protected_; /* 1 once a cell lies on an applied hypercube */
    unsigned char *keep;       /* 1: hide only as a last resort (hub_suppress_keep) */
    /* the applied hypercubes' published corners: cube i at [cube_start[i], [i+1]) */
    size_t ncube, cap_cube, cube_nnz, cap_cube_nnz;
    size_t *cube_start, *cube_cell;
    int *cube_sign;
    uint16_t *lines; /* bit 2d: the cell's line along d as total is fully published;
                        bit 2d+1: its line along d as a part is fully published */
    bool ran;
};

static void sdim_free(struct sdim *d)
{
    free(d->parent);
    free(d->depth);
    free(d->leaf);
    free(d->child_start);
    free(d->children);
    free(d->leaves);
    free(d->cand);
}

static int sdim_init(struct sdim *d, const struct hub_suppress_dim *in, size_t index,
                     struct hub_error *err)
{
    size_t n = in->n;

    if (n == 0 || !in->parent || in->parent[0] != -1)
        return hub_error_set(err, HUB_EINVAL, "suppress: dimension %zu: node 0 must be the root",
                             index);
    d->n = n;
    d->parent = malloc(n * sizeof *d->parent);
    d->depth = malloc(n * sizeof *d->depth);
    d->leaf = malloc(n * sizeof *d->leaf);
    d->child_start = calloc(n + 1, sizeof *d->child_start);
    d->children = malloc(n * sizeof *d->children);
    d->leaves = malloc(n * sizeof *d->leaves);
    if (!d->parent || !d->depth || !d->leaf || !d->child_start || !d->children || !d->leaves)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        int p = in->parent[i];
        if (i > 0 && (p < 0 || (size_t)p >= i))
            return hub_error_set(err, HUB_EINVAL,
                                 "suppress: dimension %zu: node %zu: parent %d is not an "
                                 "earlier node",
                                 index, i, p);
        d->parent[i] = p;
        d->depth[i] = i == 0 ? 0 : d->depth[p] + 1;
        if (d->depth[i] > HUB_SUPPRESS_MAX_DEPTH)
            return hub_error_set(err, HUB_EINVAL, "suppress: dimension %zu: deeper than %d", index,
                                 HUB_SUPPRESS_MAX_DEPTH);
        d->leaf[i] = true;
    }
    for (size_t i = 1; i < n; i++) {
        d->leaf[d->parent[i]] = false;
        d->child_start[d->parent[i] + 1]++;
    }
    for (size_t i = 0; i < n; i++) {
        if (d->child_start[i + 1] >= LINE_CELLS_MAX)
            return hub_error_set(err, HUB_EINVAL, "suppress: dimension %zu: over %d children",
                                 index, LINE_CELLS_MAX - 1);
        d->child_start[i + 1] += d->child_start[i];
    }
    size_t *fill = calloc(n, sizeof *fill);
    if (!fill)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    for (size_t i = 1; i < n; i++) {
        size_t p = (size_t)d->parent[i];
        d->children[d->child_start[p] + fill[p]++] = i;
    }
    free(fill);
    for (size_t i = 0; i < n; i++)
        if (d->leaf[i])
            d->leaves[d->nleaves++] = i;
    /* The degenerate pattern, pairs between a subtree's leaves and the others, one chain per
     * leaf, at most. */
    d->cap_cand = 1 + d->nleaves * d->nleaves + d->nleaves;
    d->cand = malloc(d->cap_cand * sizeof *d->cand);
    if (!d->cand)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    return 0;
}

int hub_suppress_new(size_t ndims, const struct hub_suppress_dim *dims, hub_suppress_t **out,
                     struct hub_error *err)
{
    hub_suppress_t *s = NULL;
    int rc;

    *out = NULL;
    if (ndims == 0 || ndims > HUB_SUPPRESS_MAX_DIMS || !dims)
        return hub_error_set(err, HUB_EINVAL, "suppress: 1 to %d dimensions, not %zu",
                             HUB_SUPPRESS_MAX_DIMS, ndims);
    s = calloc(1, sizeof *s);
    if (!s)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    s->ndims = ndims;
    s->ncells = 1;
    for (size_t d = 0; d < ndims; d++) {
        if ((rc = sdim_init(&s->dim[d], &dims[d], d, err)) != 0)
            goto fail;
        if (s->ncells > CELLS_MAX / dims[d].n) {
            rc = hub_error_set(err, HUB_EINVAL, "suppress: more than %zu cells", CELLS_MAX);
            goto fail;
        }
        s->ncells *= dims[d].n;
    }
    for (size_t d = ndims; d-- > 0;)
        s->stride[d] = d + 1 == ndims ? 1 : s->stride[d + 1] * s->dim[d + 1].n;
    s->value = calloc(s->ncells, sizeof *s->value);
    s->state = calloc(s->ncells, 1);
    s->protected_ = calloc(s->ncells, 1);
    s->keep = calloc(s->ncells, 1);
    s->lines = calloc(s->ncells, sizeof *s->lines);
    if (!s->value || !s->state || !s->protected_ || !s->keep || !s->lines) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto fail;
    }
    *out = s;
    return 0;
fail:
    hub_suppress_destroy(s);
    return rc;
}

void hub_suppress_destroy(hub_suppress_t *s)
{
    if (!s)
        return;
    for (size_t d = 0; d < s->ndims; d++)
        sdim_free(&s->dim[d]);
    free(s->value);
    free(s->state);
    free(s->protected_);
    free(s->keep);
    free(s->cube_start);
    free(s->cube_cell);
    free(s->cube_sign);
    free(s->lines);
    free(s);
}

size_t hub_suppress_cell_count(const hub_suppress_t *s)
{
    return s->ncells;
}

size_t hub_suppress_index(const hub_suppress_t *s, const size_t *coord)
{
    size_t idx = 0;
    for (size_t d = 0; d < s->ndims; d++)
        idx += coord[d] * s->stride[d];
    return idx;
}

void hub_suppress_coord(const hub_suppress_t *s, size_t cell, size_t *coord)
{
    for (size_t d = 0; d < s->ndims; d++)
        coord[d] = (cell / s->stride[d]) % s->dim[d].n;
}

void hub_suppress_set(hub_suppress_t *s, size_t cell, int64_t value, enum hub_suppress_state st)
{
    s->value[cell] = value;
    s->state[cell] = (unsigned char)st;
}

int64_t hub_suppress_value(const hub_suppress_t *s, size_t cell)
{
    return s->value[cell];
}

void hub_suppress_keep(hub_suppress_t *s, size_t cell)
{
    if (cell < s->ncells)
        s->keep[cell] = 1;
}

enum hub_suppress_state hub_suppress_state(const hub_suppress_t *s, size_t cell)
{
    return (enum hub_suppress_state)s->state[cell];
}

static bool is_hidden(unsigned char st)
{
    return st == HUB_SUPPRESS_PRIMARY || st == HUB_SUPPRESS_SECONDARY;
}

/* ---- lines ---- */

/* Calls fn(ud, d, cells, n) for every line: an internal node of dimension d and its children,
 * the other coordinates fixed; cells[0] is the total. Stops when fn returns false. */
static void for_lines(const hub_suppress_t *s,
                      bool (*fn)(void *ud, size_t d, const size_t *cells, size_t n), void *ud)
{
    size_t cells[LINE_CELLS_MAX];

    for (size_t d = 0; d < s->ndims; d++) {
        const struct sdim *dm = &s->dim[d];
        size_t block = dm->n * s->stride[d];
        size_t outer_n = s->ncells / block;
        for (size_t p = 0; p < dm->n; p++) {
            size_t nch = dm->child_start[p + 1] - dm->child_start[p];
            if (nch == 0)
                continue;
            for (size_t o = 0; o < outer_n; o++) {
                for (size_t in = 0; in < s->stride[d]; in++) {
                    size_t base = o * block + in;
                    cells[0] = base + p * s->stride[d];
                    for (size_t c = 0; c < nch; c++)
                        cells[1 + c] = base + dm->children[dm->child_start[p] + c] * s->stride[d];
                    if (!fn(ud, d, cells, nch + 1))
                        return;
                }
            }
        }
    }
}

static bool fully_published(const hub_suppress_t *s, const size_t *cells, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s->state[cells[i]] == HUB_SUPPRESS_UNPUBLISHED)
            return false;
    return true;
}

static bool mark_line(void *ud, size_t d, const size_t *cells, size_t n)
{
    hub_suppress_t *s = ud;
    if (!fully_published(s, cells, n))
        return true;
    s->lines[cells[0]] |= (uint16_t)(1u << (2 * d));
    for (size_t i = 1; i < n; i++)
        s->lines[cells[i]] |= (uint16_t)(1u << (2 * d + 1));
    return true;
}

/* The single hidden cell of a fully published line, or SIZE_MAX. */
static size_t lone_hidden(const hub_suppress_t *s, const size_t *cells, size_t n)
{
    size_t hidden = 0, which = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned char st = s->state[cells[i]];
        if (st == HUB_SUPPRESS_UNPUBLISHED)
            return SIZE_MAX;
        if (is_hidden(st)) {
            hidden++;
            which = cells[i];
        }
    }
    return hidden == 1 ? which : SIZE_MAX;
}

struct line_ctx {
    hub_suppress_t *s;
    size_t count;
};

static bool count_line(void *ud, size_t d, const size_t *cells, size_t n)
{
    struct line_ctx *c = ud;
    (void)d;
    if (lone_hidden(c->s, cells, n) != SIZE_MAX)
        c->count++;
    return true;
}

static bool fix_line(void *ud, size_t d, const size_t *cells, size_t n)
{
    struct line_ctx *c = ud;
    hub_suppress_t *s = c->s;
    size_t pick = SIZE_MAX;

    (void)d;
    if (lone_hidden(s, cells, n) == SIZE_MAX)
        return true;
    /* The smallest non-zero published cell (a hidden zero protects nothing), else a zero. */
    for (size_t i = 0; i < n; i++) {
        size_t cell = cells[i];
        if (s->state[cell] != HUB_SUPPRESS_PUBLISHED)
            continue;
        if (pick == SIZE_MAX || (s->value[pick] == 0 && s->value[cell] > 0) ||
            ((s->value[pick] > 0) == (s->value[cell] > 0) && s->value[cell] < s->value[pick]))
            pick = cell;
    }
    if (pick != SIZE_MAX) {
        s->state[pick] = HUB_SUPPRESS_SECONDARY;
        c->count++;
    }
    return true;
}

size_t hub_suppress_lines_with_one_hidden(const hub_suppress_t *s)
{
    struct line_ctx c = {(hub_suppress_t *)s, 0};
    for_lines(s, count_line, &c);
    return c.count;
}

/* ---- patterns ---- */

static bool in_subtree(const struct sdim *d, size_t node, size_t top)
{
    while (d->depth[node] > d->depth[top])
        node = (size_t)d->parent[node];
    return node == top;
}

static void add_degenerate(struct sdim *d, size_t c)
{
    struct pattern *p = &d->cand[d->ncand++];
    p->len = 1;
    p->node[0] = c;
    p->sign[0] = 1;
}

static void add_pair(struct sdim *d, size_t l1, size_t l2)
{
    struct pattern *p = &d->cand[d->ncand++];
    size_t a = l1, b = l2;

    p->len = 0;
    while (d->depth[a] > d->depth[b]) {
        p->node[p->len] = a, p->sign[p->len++] = 1;
        a = (size_t)d->parent[a];
    }
    while (d->depth[b] > d->depth[a]) {
        p->node[p->len] = b, p->sign[p->len++] = -1;
        b = (size_t)d->parent[b];
    }
    while (a != b) {
        p->node[p->len] = a, p->sign[p->len++] = 1;
        p->node[p->len] = b, p->sign[p->len++] = -1;
        a = (size_t)d->parent[a];
        b = (size_t)d->parent[b];
    }
}

static void add_chain(struct sdim *d, size_t leaf)
{
    struct pattern *p = &d->cand[d->ncand++];
    size_t a = leaf;

    p->len = 0;
    for (;;) {
        p->node[p->len] = a, p->sign[p->len++] = 1;
        if (d->parent[a] < 0)
            break;
        a = (size_t)d->parent[a];
    }
}

/* Fills d->cand with the degenerate pattern {c} and every pattern whose support holds `c`,
 * signed so that c gets +1; returns the index of the first chain. */
static size_t gen_patterns(struct sdim *d, size_t c)
{
    size_t first_chain;

    d->ncand = 0;
    add_degenerate(d, c);
    if (d->leaf[c]) {
        for (size_t j = 0; j < d->nleaves; j++)
            if (d->leaves[j] != c)
                add_pair(d, c, d->leaves[j]);
        first_chain = d->ncand;
        add_chain(d, c);
        return first_chain;
    }
    for (size_t i = 0; i < d->nleaves; i++) {
        if (!in_subtree(d, d->leaves[i], c))
            continue;
        for (size_t j = 0; j < d->nleaves; j++)
            if (!in_subtree(d, d->leaves[j], c))
                add_pair(d, d->leaves[i], d->leaves[j]);
    }
    /* c is strictly below the common ancestor of each pair above, on the l1 side: sign +1. */
    first_chain = d->ncand;
    for (size_t i = 0; i < d->nleaves; i++)
        if (in_subtree(d, d->leaves[i], c))
            add_chain(d, d->leaves[i]);
    return first_chain;
}

/* ---- hypercube evaluation ---- */

struct cube_eval {
    int64_t cost;  /* COST_INVALID when not a valid hypercube (or over the bound) */
    bool interval; /* the target keeps the protection rule's range on this hypercube alone */
    /* How far the move t x (hypercube) can go with every corner staying >= 0, the reader's
     * knowledge of a hidden cell: t in [-plus, +minus], plus = smallest value on a +1 corner
     * (the target included), minus = smallest on a -1 corner (UNBOUNDED when none). */
    int64_t plus, minus;
};

/* Whether the corner of value v and sign `sign` (the target's is +1) keeps a range that passes
 * the protection rule when the hypercube moves within [-plus, +minus]. */
static bool corner_protected(int64_t v, int sign, int64_t plus, int64_t minus, int64_t k)
{
    int64_t down = sign > 0 ? plus : minus, up = sign > 0 ? minus : plus;
    int64_t hi = up == HUB_SDC_UNBOUNDED ? HUB_SDC_UNBOUNDED : v + up;
    return hub_sdc_audit_rule_holds(v, v - down, hi, k);
}

/*
 * Evaluates the hypercube made of one pattern per dimension. Invalid when a corner is FIXED or
 * when, along a degenerate dimension, a published corner lies on a fully published line (unless
 * `heuristic`, which only sums costs). Stops early once the cost reaches `bound`.
 *
 * The reader knows of a hidden cell only that it is at least 0 (one symbol for every hidden
 * cell), so the hypercube can move by t as long as no corner goes below 0: the target then
 * ranges over [v - plus, v + minus], and the cube is "interval-safe" when that range passes the
 * protection rule (hub_sdc_audit_rule_holds).
 */
static struct cube_eval evaluate(const hub_suppress_t *s, const struct pattern *const *pat,
                                 size_t target, int64_t k, int64_t bound, bool heuristic)
{
    struct cube_eval r = {0, true, INT64_MAX, HUB_SDC_UNBOUNDED};
    size_t idx[HUB_SUPPRESS_MAX_DIMS] = {0};
    size_t nd = s->ndims;
    uint16_t degenerate = 0;

    for (size_t d = 0; d < nd; d++)
        if (pat[d]->len == 1)
            degenerate |= (uint16_t)(3u << (2 * d));
    for (;;) {
        size_t cell = 0;
        int sign = 1;
        for (size_t d = 0; d < nd; d++) {
            cell += pat[d]->node[idx[d]] * s->stride[d];
            sign *= pat[d]->sign[idx[d]];
        }
        unsigned char st = s->state[cell];
        if (st != HUB_SUPPRESS_UNPUBLISHED) {
            int64_t v = s->value[cell];
            if (!heuristic && (st == HUB_SUPPRESS_FIXED || (s->lines[cell] & degenerate))) {
                r.cost = COST_INVALID;
                return r;
            }
            if (st == HUB_SUPPRESS_PUBLISHED)
                r.cost +=
                    NEW_CELL_COST + (v == 0 ? ZERO_CELL_COST : v) + (s->keep[cell] ? KEEP_COST : 0);
            if (r.cost >= bound) {
                r.cost = COST_INVALID;
                return r;
            }
            if (sign > 0 && v < r.plus)
                r.plus = v;
            if (sign < 0 && v < r.minus)
                r.minus = v;
        }
        size_t d = nd;
        while (d-- > 0) {
            if (++idx[d] < pat[d]->len)
                break;
            idx[d] = 0;
        }
        if (d == (size_t)-1)
            break;
    }
    r.interval = corner_protected(s->value[target], 1, r.plus, r.minus, k);
    if (!r.interval)
        r.cost += INTERVAL_PENALTY;
    if (r.cost >= bound)
        r.cost = COST_INVALID;
    return r;
}

/* Keeps a published corner of the hypercube being applied (best effort: a cube not kept is only
 * a shortcut the audit does without). */
static void keep_corner(hub_suppress_t *s, size_t cell, int sign, bool first)
{
    if (first) {
        if (s->ncube + 2 > s->cap_cube) {
            size_t cap = s->cap_cube ? 2 * s->cap_cube : 256;
            size_t *st = realloc(s->cube_start, (cap + 1) * sizeof *st);
            if (!st)
                return;
            s->cube_start = st;
            s->cap_cube = cap;
            if (s->ncube == 0)
                s->cube_start[0] = 0;
        }
        s->ncube++;
        s->cube_start[s->ncube] = s->cube_nnz;
    }
    if (s->cube_nnz == s->cap_cube_nnz) {
        size_t cap = s->cap_cube_nnz ? 2 * s->cap_cube_nnz : 4096;
        size_t *c = realloc(s->cube_cell, cap * sizeof *c);
        if (c)
            s->cube_cell = c;
        int *g = realloc(s->cube_sign, cap * sizeof *g);
        if (g)
            s->cube_sign = g;
        if (!c || !g)
            return;
        s->cap_cube_nnz = cap;
    }
    s->cube_cell[s->cube_nnz] = cell;
    s->cube_sign[s->cube_nnz++] = sign;
    s->cube_start[s->ncube] = s->cube_nnz;
}

size_t hub_suppress_cube_count(const hub_suppress_t *s)
{
    return s->ncube;
}

const size_t *hub_suppress_cube(const hub_suppress_t *s, size_t i, const int **signs, size_t *n)
{
    if (i >= s->ncube) {
        *n = 0;
        *signs = NULL;
        return NULL;
    }
    *n = s->cube_start[i + 1] - s->cube_start[i];
    *signs = &s->cube_sign[s->cube_start[i]];
    return &s->cube_cell[s->cube_start[i]];
}

/* Hides every published corner; marks protected the target and every other small corner whose
 * own range on this hypercube passes the rule. */
static size_t apply(hub_suppress_t *s, const struct pattern *const *pat, const struct cube_eval *ev,
                    size_t target, int64_t k)
{
    size_t idx[HUB_SUPPRESS_MAX_DIMS] = {0}, nd = s->ndims, hidden = 0;
    bool first = true;

    for (;;) {
        size_t cell = 0;
        int sign = 1;
        for (size_t d = 0; d < nd; d++) {
            cell += pat[d]->node[idx[d]] * s->stride[d];
            sign *= pat[d]->sign[idx[d]];
        }
        if (s->state[cell] != HUB_SUPPRESS_UNPUBLISHED) {
            keep_corner(s, cell, sign, first);
            first = false;
        }
        if (s->state[cell] == HUB_SUPPRESS_PUBLISHED) {
            s->state[cell] = HUB_SUPPRESS_SECONDARY;
            hidden++;
        }
        if (s->state[cell] != HUB_SUPPRESS_UNPUBLISHED &&
            corner_protected(s->value[cell], sign, ev->plus, ev->minus, k))
            s->protected_[cell] = 1;
        size_t d = nd;
        while (d-- > 0) {
            if (++idx[d] < pat[d]->len)
                break;
            idx[d] = 0;
        }
        if (d == (size_t)-1)
            break;
    }
    s->protected_[target] = 1;
    return hidden;
}

/* Tries every combination of patterns when there are at most EXHAUSTIVE_MAX, keeping the
 * cheapest (used when the descent found nothing interval-safe). */
static void exhaustive(const hub_suppress_t *s, const struct pattern **pat, size_t *choice,
                       struct cube_eval *best, size_t target, int64_t k)
{
    size_t nd = s->ndims, total = 1, idx[HUB_SUPPRESS_MAX_DIMS] = {0};

    for (size_t d = 0; d < nd; d++) {
        if (total > EXHAUSTIVE_MAX / s->dim[d].ncand)
            return;
        total *= s->dim[d].ncand;
    }
    for (;;) {
        for (size_t d = 0; d < nd; d++)
            pat[d] = &s->dim[d].cand[idx[d]];
        struct cube_eval r = evaluate(s, pat, target, k, best->cost, false);
        if (r.cost < best->cost) {
            *best = r;
            memcpy(choice, idx, nd * sizeof *idx);
        }
        size_t d = nd;
        while (d-- > 0) {
            if (++idx[d] < s->dim[d].ncand)
                break;
            idx[d] = 0;
        }
        if (d == (size_t)-1)
            break;
    }
    for (size_t d = 0; d < nd; d++)
        pat[d] = &s->dim[d].cand[choice[d]];
}

/* Chooses and applies a hypercube through PRIMARY cell `target`. */
static void protect(hub_suppress_t *s, size_t target, int64_t k, struct hub_suppress_report *rep)
{
    size_t coord[HUB_SUPPRESS_MAX_DIMS], choice[HUB_SUPPRESS_MAX_DIMS],
        chain[HUB_SUPPRESS_MAX_DIMS];
    const struct pattern *pat[HUB_SUPPRESS_MAX_DIMS] = {NULL};
    struct cube_eval best;
    size_t nd = s->ndims;

    hub_suppress_coord(s, target, coord);
    for (size_t d = 0; d < nd; d++)
        chain[d] = gen_patterns(&s->dim[d], coord[d]);
    /* Start: in each dimension alone (the others held at the target), the cheapest partner —
     * the classic "next-smallest cell in the line" — or nothing where the target's lines along
     * that dimension are not published. */
    for (size_t d = 0; d < nd; d++) {
        int64_t best_cost = COST_INVALID;
        bool needed = s->lines[target] & (3u << (2 * d));
        for (size_t e = 0; e < nd; e++)
            pat[e] = &s->dim[e].cand[0];
        choice[d] = needed ? chain[d] : 0;
        for (size_t j = needed ? 1 : s->dim[d].ncand; j < s->dim[d].ncand; j++) {
            pat[d] = &s->dim[d].cand[j];
            struct cube_eval r = evaluate(s, pat, target, k, best_cost, true);
            if (r.cost < best_cost) {
                best_cost = r.cost;
                choice[d] = j;
            }
        }
    }
    for (size_t d = 0; d < nd; d++)
        pat[d] = &s->dim[d].cand[choice[d]];
    best = evaluate(s, pat, target, k, COST_INVALID, false);
    if (best.cost == COST_INVALID) {
        /* Chains everywhere: valid whenever the target is not FIXED (its totals never are). */
        for (size_t d = 0; d < nd; d++) {
            choice[d] = chain[d];
            pat[d] = &s->dim[d].cand[choice[d]];
        }
        best = evaluate(s, pat, target, k, COST_INVALID, false);
    }
    /* Coordinate descent: change one dimension's pattern at a time while it lowers the cost. */
    for (int round = 0; round < SEARCH_ROUNDS; round++) {
        bool improved = false;
        for (size_t d = 0; d < nd; d++) {
            size_t keep = choice[d];
            for (size_t j = 0; j < s->dim[d].ncand; j++) {
                if (j == keep)
                    continue;
                pat[d] = &s->dim[d].cand[j];
                struct cube_eval r = evaluate(s, pat, target, k, best.cost, false);
                if (r.cost < best.cost) {
                    best = r;
                    choice[d] = j;
                    improved = true;
                }
            }
            pat[d] = &s->dim[d].cand[choice[d]];
        }
        if (!improved)
            break;
    }
    if (!best.interval)
        exhaustive(s, pat, choice, &best, target, k);
    rep->secondary += apply(s, pat, &best, target, k);
    rep->hypercubes++;
    if (!best.interval)
        rep->interval_fallbacks++;
}

int hub_suppress_run(hub_suppress_t *s, int64_t k, struct hub_suppress_report *rep_out,
                     struct hub_error *err)
{
    struct hub_suppress_report rep = {0};

    if (k < 2)
        return hub_error_set(err, HUB_EINVAL, "suppress: k must be at least 2, not %lld",
                             (long long)k);
    if (s->ran)
        return hub_error_set(err, HUB_EINVAL, "suppress: the table was already suppressed");
    for (size_t i = 0; i < s->ncells; i++) {
        if (s->state[i] != HUB_SUPPRESS_UNPUBLISHED && s->value[i] < 0)
            return hub_error_set(err, HUB_EINVAL, "suppress: cell %zu has a negative count", i);
    }
    s->ran = true;
    for_lines(s, mark_line, s);
    for (size_t i = 0; i < s->ncells; i++) {
        if (s->state[i] == HUB_SUPPRESS_PUBLISHED && s->value[i] >= 1 && s->value[i] < k) {
            s->state[i] = HUB_SUPPRESS_PRIMARY;
            rep.primary++;
        }
    }
    for (size_t i = 0; i < s->ncells; i++)
        if (s->state[i] == HUB_SUPPRESS_PRIMARY && !s->protected_[i])
            protect(s, i, k, &rep);
    for (;;) {
        struct line_ctx c = {s, 0};
        for_lines(s, fix_line, &c);
        rep.classic_fixes += c.count;
        rep.secondary += c.count;
        if (c.count == 0)
            break;
    }
    if (rep_out)
        *rep_out = rep;
    return 0;
}
