/*
 * test_suppress.c — hub/suppress: primary suppression, and secondary suppression that leaves no
 * hidden cell recoverable from the totals.
 *
 * The random tests check two properties on thousands of random tables:
 *   1. every line (row, column, hierarchy level) whose cells are all published has 0 or >= 2
 *      hidden cells;
 *   2. brute force: writing down every line equation of the cube, with the hidden and the
 *      unpublished cells as unknowns, no hidden cell is determined — e_i is not in the row space
 *      of the system (Gaussian elimination modulo two primes, independent of the module).
 * and, for tiny tables, 3. an exhaustive search that every primary cell has at least two values
 * consistent with everything a reader sees ("<k" = 1..k-1, "x" = 0 or >= k, totals, >= 0).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/stats/sdc_audit.h"
#include "hub/stats/suppress.h"

#define MAXD 6

/* ---- a small deterministic PRNG (xorshift64*) so failures reproduce ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1du;
}

static int64_t rnd_range(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/* ---- dimensions ---- */

struct tdim {
    size_t n;
    int parent[32];
};

static struct tdim flat(size_t leaves)
{
    struct tdim d = {leaves + 1, {-1}};
    for (size_t i = 1; i <= leaves; i++)
        d.parent[i] = 0;
    return d;
}

/* year -> 2 halves -> 2 quarters each (7 nodes). */
static struct tdim calendar(void)
{
    struct tdim d = {7, {-1, 0, 0, 1, 1, 2, 2}};
    return d;
}

struct table {
    size_t nd;
    struct tdim dim[MAXD];
    struct hub_suppress_dim sdim[MAXD];
    hub_suppress_t *s;
    int64_t k;
};

static void table_open(struct table *t)
{
    struct hub_error err = {0};
    for (size_t d = 0; d < t->nd; d++) {
        t->sdim[d].n = t->dim[d].n;
        t->sdim[d].parent = t->dim[d].parent;
    }
    assert_int_equal(hub_suppress_new(t->nd, t->sdim, &t->s, &err), 0);
}

static bool is_leaf(const struct tdim *d, size_t node)
{
    for (size_t i = 1; i < d->n; i++)
        if ((size_t)d->parent[i] == node)
            return false;
    return true;
}

/* Fills leaf cells (every coordinate a leaf) with random counts and every other cell with the sum
 * of the leaf cells below it; all cells PUBLISHED. `small` is the per-mille of 1..k-1 leaves. */
static void fill_random(struct table *t, int small, int zero)
{
    size_t n = hub_suppress_cell_count(t->s);
    size_t coord[MAXD];

    for (size_t c = 0; c < n; c++)
        hub_suppress_set(t->s, c, 0, HUB_SUPPRESS_PUBLISHED);
    for (size_t c = 0; c < n; c++) {
        hub_suppress_coord(t->s, c, coord);
        bool leaf = true;
        for (size_t d = 0; d < t->nd; d++)
            leaf = leaf && is_leaf(&t->dim[d], coord[d]);
        if (!leaf)
            continue;
        int r = (int)(rnd() % 1000);
        int64_t v = r < small ? rnd_range(1, t->k - 1) : r < small + zero ? 0 : rnd_range(t->k, 25);
        /* add v to this cell and every aggregate above it: all 2^nd-ish ancestor combinations */
        size_t up[MAXD][8], nup[MAXD];
        for (size_t d = 0; d < t->nd; d++) {
            size_t a = coord[d];
            nup[d] = 0;
            for (;;) {
                up[d][nup[d]++] = a;
                if (t->dim[d].parent[a] < 0)
                    break;
                a = (size_t)t->dim[d].parent[a];
            }
        }
        size_t idx[MAXD] = {0};
        for (;;) {
            size_t cc[MAXD];
            for (size_t d = 0; d < t->nd; d++)
                cc[d] = up[d][idx[d]];
            size_t cell = hub_suppress_index(t->s, cc);
            hub_suppress_set(t->s, cell, hub_suppress_value(t->s, cell) + v,
                             HUB_SUPPRESS_PUBLISHED);
            size_t d = t->nd;
            while (d-- > 0) {
                if (++idx[d] < nup[d])
                    break;
                idx[d] = 0;
            }
            if (d == (size_t)-1)
                break;
        }
    }
}

/* ---- brute-force linear algebra modulo a prime ---- */

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t p)
{
    return (a * b) % p; /* p < 2^32 */
}

static uint64_t powmod(uint64_t a, uint64_t e, uint64_t p)
{
    uint64_t r = 1;
    while (e) {
        if (e & 1)
            r = mulmod(r, a, p);
        a = mulmod(a, a, p);
        e >>= 1;
    }
    return r;
}

/* Appends one equation row per line of the cube; unknown cells map to columns col[cell] >= 0. */
struct system {
    size_t rows, cols;
    uint64_t *m; /* rows x cols, mod p */
};

static void add_lines(const struct table *t, const long *col, struct system *sys, uint64_t p)
{
    size_t n = hub_suppress_cell_count(t->s);
    size_t coord[MAXD];

    for (size_t d = 0; d < t->nd; d++) {
        for (size_t c = 0; c < n; c++) {
            hub_suppress_coord(t->s, c, coord);
            size_t node = coord[d];
            if (is_leaf(&t->dim[d], node))
                continue;
            /* line: total `c` minus its children along d */
            uint64_t *row = &sys->m[sys->rows * sys->cols];
            memset(row, 0, sys->cols * sizeof *row);
            bool any = false;
            if (col[c] >= 0) {
                row[col[c]] = p - 1;
                any = true;
            }
            for (size_t ch = 1; ch < t->dim[d].n; ch++) {
                if ((size_t)t->dim[d].parent[ch] != node)
                    continue;
                size_t cc[MAXD];
                memcpy(cc, coord, sizeof cc);
                cc[d] = ch;
                size_t cell = hub_suppress_index(t->s, cc);
                if (col[cell] >= 0) {
                    row[col[cell]] = (row[col[cell]] + 1) % p;
                    any = true;
                }
            }
            if (any)
                sys->rows++;
        }
    }
}

/* Reduced row echelon form in place; returns the rank. */
static size_t rref(struct system *sys, uint64_t p, long *pivot_row_of_col)
{
    size_t r = 0;
    for (size_t c = 0; c < sys->cols; c++)
        pivot_row_of_col[c] = -1;
    for (size_t c = 0; c < sys->cols && r < sys->rows; c++) {
        size_t piv = r;
        while (piv < sys->rows && sys->m[piv * sys->cols + c] == 0)
            piv++;
        if (piv == sys->rows)
            continue;
        if (piv != r)
            for (size_t j = 0; j < sys->cols; j++) {
                uint64_t tmp = sys->m[piv * sys->cols + j];
                sys->m[piv * sys->cols + j] = sys->m[r * sys->cols + j];
                sys->m[r * sys->cols + j] = tmp;
            }
        uint64_t inv = powmod(sys->m[r * sys->cols + c], p - 2, p);
        for (size_t j = 0; j < sys->cols; j++)
            sys->m[r * sys->cols + j] = mulmod(sys->m[r * sys->cols + j], inv, p);
        for (size_t i = 0; i < sys->rows; i++) {
            uint64_t f = sys->m[i * sys->cols + c];
            if (i == r || f == 0)
                continue;
            for (size_t j = 0; j < sys->cols; j++)
                sys->m[i * sys->cols + j] =
                    (sys->m[i * sys->cols + j] + p - mulmod(f, sys->m[r * sys->cols + j], p)) % p;
        }
        pivot_row_of_col[c] = (long)r;
        r++;
    }
    return r;
}

/* Number of hidden published cells whose value the line equations determine (modulo p). */
static size_t determined_cells(const struct table *t, uint64_t p)
{
    size_t n = hub_suppress_cell_count(t->s);
    long *col = malloc(n * sizeof *col);
    size_t cols = 0, lines = 0, found = 0;
    assert_non_null(col);
    for (size_t c = 0; c < n; c++) {
        enum hub_suppress_state st = hub_suppress_state(t->s, c);
        col[c] = (st == HUB_SUPPRESS_UNPUBLISHED || st == HUB_SUPPRESS_PRIMARY ||
                  st == HUB_SUPPRESS_SECONDARY)
                     ? (long)cols++
                     : -1;
    }
    for (size_t d = 0; d < t->nd; d++)
        lines += n; /* upper bound */
    if (cols == 0) {
        free(col);
        return 0;
    }
    struct system sys = {0, cols, calloc(lines * cols, sizeof(uint64_t))};
    long *piv = malloc(cols * sizeof *piv);
    assert_non_null(sys.m);
    assert_non_null(piv);
    add_lines(t, col, &sys, p);
    rref(&sys, p, piv);
    for (size_t c = 0; c < n; c++) {
        enum hub_suppress_state st = hub_suppress_state(t->s, c);
        if (st != HUB_SUPPRESS_PRIMARY && st != HUB_SUPPRESS_SECONDARY)
            continue;
        long r = piv[col[c]];
        if (r < 0)
            continue; /* not a pivot column: free */
        size_t nonzero = 0;
        for (size_t j = 0; j < cols; j++)
            nonzero += sys.m[(size_t)r * cols + j] != 0;
        if (nonzero == 1)
            found++;
    }
    free(piv);
    free(sys.m);
    free(col);
    return found;
}

static void check_properties(const struct table *t)
{
    size_t n = hub_suppress_cell_count(t->s);
    assert_int_equal(hub_suppress_lines_with_one_hidden(t->s), 0);
    assert_int_equal(determined_cells(t, 2147483647u), 0);
    assert_int_equal(determined_cells(t, 4294967291u), 0);
    for (size_t c = 0; c < n; c++) {
        enum hub_suppress_state st = hub_suppress_state(t->s, c);
        int64_t v = hub_suppress_value(t->s, c);
        if (st == HUB_SUPPRESS_PRIMARY)
            assert_true(v >= 1 && v < t->k);
        else if (st == HUB_SUPPRESS_PUBLISHED || st == HUB_SUPPRESS_SECONDARY)
            assert_true(v == 0 || v >= t->k);
    }
}

static void run_table(struct table *t, struct hub_suppress_report *rep)
{
    struct hub_error err = {0};
    assert_int_equal(hub_suppress_run(t->s, t->k, rep, &err), 0);
    assert_int_equal(rep->classic_fixes, 0);
}

/* ---- tests ---- */

static void test_suppress_small_counts_are_primary_and_zero_stays_shown(void **state)
{
    (void)state;
    struct table t = {.nd = 1, .dim = {flat(4)}, .k = 5};
    struct hub_suppress_report rep;
    table_open(&t);
    /* total 23 = 0 + 3 + 8 + 12 */
    const int64_t v[] = {23, 0, 3, 8, 12};
    for (size_t i = 0; i < 5; i++)
        hub_suppress_set(t.s, i, v[i], HUB_SUPPRESS_PUBLISHED);
    run_table(&t, &rep);
    assert_int_equal(rep.primary, 1);
    assert_int_equal(hub_suppress_state(t.s, 2), HUB_SUPPRESS_PRIMARY);
    assert_int_equal(hub_suppress_state(t.s, 1), HUB_SUPPRESS_PUBLISHED);
    /* the 3 must reach 0 and k-1 = 4: a partner that can give 1 — the 8 (a zero cannot give) */
    assert_int_equal(hub_suppress_state(t.s, 3), HUB_SUPPRESS_SECONDARY);
    assert_int_equal(hub_suppress_state(t.s, 4), HUB_SUPPRESS_PUBLISHED);
    assert_int_equal(hub_suppress_state(t.s, 0), HUB_SUPPRESS_PUBLISHED);
    assert_int_equal(rep.interval_fallbacks, 0);
    check_properties(&t);
    hub_suppress_destroy(t.s);
}

static void test_suppress_partner_too_small_for_the_protection_level_is_passed_over(void **state)
{
    (void)state;
    /* A reader knows of a hidden count only that it is 0 or more. The 1 in a row of total 20
     * must be able to reach 0 and k-1 = 4, so its partner must be able to give 3: the 2 cannot
     * (1 + 2 hidden would range over 0..3, four values), the 8 can. */
    struct table t = {.nd = 1, .dim = {flat(4)}, .k = 5};
    struct hub_suppress_report rep;
    table_open(&t);
    const int64_t v[] = {20, 1, 2, 8, 9};
    for (size_t i = 0; i < 5; i++)
        hub_suppress_set(t.s, i, v[i], HUB_SUPPRESS_PUBLISHED);
    run_table(&t, &rep);
    assert_int_equal(hub_suppress_state(t.s, 1), HUB_SUPPRESS_PRIMARY);
    assert_int_equal(hub_suppress_state(t.s, 2), HUB_SUPPRESS_PRIMARY);
    /* both small ones share the 8: 1 + 2 + 8 = 11 hidden, each small one reaches 0 and >= 4 */
    assert_int_equal(hub_suppress_state(t.s, 3), HUB_SUPPRESS_SECONDARY);
    assert_int_equal(hub_suppress_state(t.s, 4), HUB_SUPPRESS_PUBLISHED);
    assert_int_equal(rep.interval_fallbacks, 0);
    check_properties(&t);
    hub_suppress_destroy(t.s);
}

static void test_suppress_total_below_k_hides_its_only_part_too(void **state)
{
    (void)state;
    struct table t = {.nd = 1, .dim = {flat(3)}, .k = 5};
    struct hub_suppress_report rep;
    table_open(&t);
    const int64_t v[] = {2, 0, 2, 0};
    for (size_t i = 0; i < 4; i++)
        hub_suppress_set(t.s, i, v[i], HUB_SUPPRESS_PUBLISHED);
    run_table(&t, &rep);
    assert_int_equal(hub_suppress_state(t.s, 0), HUB_SUPPRESS_PRIMARY);
    assert_int_equal(hub_suppress_state(t.s, 2), HUB_SUPPRESS_PRIMARY);
    check_properties(&t);
    hub_suppress_destroy(t.s);
}

static void test_suppress_fixed_cells_are_never_hidden(void **state)
{
    (void)state;
    /* 2 x 3 table; column 3 is a district that did not exist (FIXED zeros) */
    for (int round = 0; round < 200; round++) {
        struct table t = {.nd = 2, .dim = {flat(3), flat(3)}, .k = 3 + round % 3};
        struct hub_suppress_report rep;
        size_t coord[2];
        table_open(&t);
        fill_random(&t, 450, 100);
        size_t n = hub_suppress_cell_count(t.s);
        /* zero column 3 and recompute totals from scratch */
        for (size_t c = 0; c < n; c++) {
            hub_suppress_coord(t.s, c, coord);
            if (coord[1] == 3 && coord[0] != 0) {
                int64_t v = hub_suppress_value(t.s, c);
                size_t tot[2] = {coord[0], 0}, all[2] = {0, 3}, grand[2] = {0, 0};
                size_t ct = hub_suppress_index(t.s, tot), ca = hub_suppress_index(t.s, all),
                       cg = hub_suppress_index(t.s, grand);
                hub_suppress_set(t.s, ct, hub_suppress_value(t.s, ct) - v, HUB_SUPPRESS_PUBLISHED);
                hub_suppress_set(t.s, ca, hub_suppress_value(t.s, ca) - v, HUB_SUPPRESS_PUBLISHED);
                hub_suppress_set(t.s, cg, hub_suppress_value(t.s, cg) - v, HUB_SUPPRESS_PUBLISHED);
                hub_suppress_set(t.s, c, 0, HUB_SUPPRESS_FIXED);
            }
        }
        size_t colall[2] = {0, 3};
        hub_suppress_set(t.s, hub_suppress_index(t.s, colall), 0, HUB_SUPPRESS_FIXED);
        run_table(&t, &rep);
        for (size_t c = 0; c < n; c++) {
            hub_suppress_coord(t.s, c, coord);
            if (coord[1] == 3)
                assert_int_equal(hub_suppress_state(t.s, c), HUB_SUPPRESS_FIXED);
        }
        check_properties(&t);
        hub_suppress_destroy(t.s);
    }
}

static void test_suppress_random_2d_tables_leave_no_hidden_cell_determined(void **state)
{
    (void)state;
    size_t fallbacks = 0, hidden = 0;
    for (int round = 0; round < 1000; round++) {
        struct table t = {.nd = 2,
                          .dim = {flat((size_t)rnd_range(1, 5)), flat((size_t)rnd_range(2, 5))},
                          .k = rnd_range(3, 6)};
        struct hub_suppress_report rep;
        table_open(&t);
        fill_random(&t, (int)rnd_range(100, 700), (int)rnd_range(0, 300));
        run_table(&t, &rep);
        check_properties(&t);
        fallbacks += rep.interval_fallbacks;
        hidden += rep.primary + rep.secondary;
        hub_suppress_destroy(t.s);
    }
    print_message("2d: %zu hidden cells, %zu interval fallbacks\n", hidden, fallbacks);
}

static void test_suppress_random_3d_and_hierarchical_tables(void **state)
{
    (void)state;
    for (int round = 0; round < 300; round++) {
        struct table t = {
            .nd = 3,
            .dim = {calendar(), flat((size_t)rnd_range(2, 4)), flat((size_t)rnd_range(1, 3))},
            .k = rnd_range(3, 5)};
        struct hub_suppress_report rep;
        table_open(&t);
        fill_random(&t, (int)rnd_range(200, 600), (int)rnd_range(0, 200));
        run_table(&t, &rep);
        check_properties(&t);
        hub_suppress_destroy(t.s);
    }
}

/* Like the statistics cube: district x form x basis x sex x age, where only the form x basis
 * table (sex = age = all) and the sex x age table (form = basis = all) are published. The brute
 * force keeps the unpublished cells as unknowns of the full cube, so it also checks that the
 * module may ignore the lines through them. */
static void test_suppress_two_linked_margins_with_unpublished_interior(void **state)
{
    (void)state;
    for (int round = 0; round < 150; round++) {
        struct table t = {.nd = 5,
                          .dim = {flat((size_t)rnd_range(2, 3)), flat((size_t)rnd_range(2, 3)),
                                  flat(2), flat(2), flat((size_t)rnd_range(1, 3))},
                          .k = rnd_range(3, 5)};
        struct hub_suppress_report rep;
        size_t coord[5];
        table_open(&t);
        fill_random(&t, (int)rnd_range(300, 700), (int)rnd_range(0, 200));
        size_t n = hub_suppress_cell_count(t.s);
        for (size_t c = 0; c < n; c++) {
            hub_suppress_coord(t.s, c, coord);
            bool pub = (coord[3] == 0 && coord[4] == 0) || (coord[1] == 0 && coord[2] == 0);
            if (!pub)
                hub_suppress_set(t.s, c, hub_suppress_value(t.s, c), HUB_SUPPRESS_UNPUBLISHED);
        }
        run_table(&t, &rep);
        check_properties(&t);
        hub_suppress_destroy(t.s);
    }
}

/* ---- exhaustive interval check on tiny tables ---- */

/* What a reader knows of a cell: its value when shown, else a range. */
static bool reader_allows(const struct table *t, size_t cell, int64_t v)
{
    enum hub_suppress_state st = hub_suppress_state(t->s, cell);
    if (st == HUB_SUPPRESS_PRIMARY || st == HUB_SUPPRESS_SECONDARY)
        return v >= 0; /* one symbol for every hidden count: "0 or more" */
    return v == hub_suppress_value(t->s, cell);
}

#define ROWS 2
#define MAXSOL 2000

/* For a table of 2 leaf rows and up to 3 leaf columns: every assignment of the leaf cells that
 * agrees with all a reader sees (leaf values capped at `cap`), tracking the range each hidden
 * cell takes over them. Rows are enumerated one at a time, then combined and checked by column.
 * Returns the number of solutions, SIZE_MAX when a row has too many to combine. */
static size_t solve_tiny(const struct table *t, int64_t cap, int64_t *mins, int64_t *maxs)
{
    size_t cols = t->dim[1].n - 1, nsol[ROWS] = {0}, total = 0;
    static int64_t sol[ROWS][MAXSOL][3];
    size_t n = hub_suppress_cell_count(t->s);

    for (size_t c = 0; c < n; c++) {
        mins[c] = INT64_MAX;
        maxs[c] = INT64_MIN;
    }
    for (size_t r = 0; r < ROWS; r++) {
        int64_t v[3] = {0, 0, 0};
        for (;;) {
            int64_t sum = 0;
            bool ok = true;
            for (size_t j = 0; j < cols && ok; j++) {
                size_t cc[2] = {r + 1, j + 1};
                ok = reader_allows(t, hub_suppress_index(t->s, cc), v[j]);
                sum += v[j];
            }
            size_t rt[2] = {r + 1, 0};
            if (ok && reader_allows(t, hub_suppress_index(t->s, rt), sum)) {
                if (nsol[r] == MAXSOL)
                    return SIZE_MAX; /* too many to combine: skip this table */
                memcpy(sol[r][nsol[r]++], v, sizeof v);
            }
            size_t j = 0;
            while (j < cols && ++v[j] > cap)
                v[j++] = 0;
            if (j == cols)
                break;
        }
    }
    for (size_t a = 0; a < nsol[0]; a++) {
        for (size_t b = 0; b < nsol[1]; b++) {
            int64_t grand = 0;
            bool ok = true;
            for (size_t j = 0; j < cols && ok; j++) {
                int64_t colsum = sol[0][a][j] + sol[1][b][j];
                size_t ct[2] = {0, j + 1};
                ok = reader_allows(t, hub_suppress_index(t->s, ct), colsum);
                grand += colsum;
            }
            if (!ok || !reader_allows(t, 0, grand))
                continue;
            total++;
            /* record every cell's value in this solution */
            for (size_t c = 0; c < n; c++) {
                size_t cc[2];
                int64_t v = 0;
                hub_suppress_coord(t->s, c, cc);
                for (size_t r = 0; r < ROWS; r++) {
                    if (cc[0] != 0 && cc[0] != r + 1)
                        continue;
                    const int64_t *row = r == 0 ? sol[0][a] : sol[1][b];
                    for (size_t j = 0; j < cols; j++)
                        if (cc[1] == 0 || cc[1] == j + 1)
                            v += row[j];
                }
                if (v < mins[c])
                    mins[c] = v;
                if (v > maxs[c])
                    maxs[c] = v;
            }
        }
    }
    return total;
}

static void test_suppress_tiny_tables_keep_every_primary_ambiguous_within_ranges(void **state)
{
    (void)state;
    size_t checked = 0;
    for (int round = 0; round < 1000; round++) {
        struct table t = {
            .nd = 2, .dim = {flat(ROWS), flat((size_t)rnd_range(2, 3))}, .k = rnd_range(3, 5)};
        struct hub_suppress_report rep;
        int64_t mins[16], maxs[16];
        table_open(&t);
        fill_random(&t, 500, 150);
        run_table(&t, &rep);
        check_properties(&t);
        int64_t cap = 25 + t.k;
        size_t nsol;
        if (rep.interval_fallbacks == 0 && rep.primary > 0 &&
            (nsol = solve_tiny(&t, cap, mins, maxs)) != SIZE_MAX) {
            assert_true(nsol >= 2);
            for (size_t c = 0; c < hub_suppress_cell_count(t.s); c++)
                if (hub_suppress_state(t.s, c) == HUB_SUPPRESS_PRIMARY)
                    assert_true(hub_sdc_audit_rule_holds(hub_suppress_value(t.s, c), mins[c],
                                                         maxs[c], t.k));
            checked++;
        }
        hub_suppress_destroy(t.s);
    }
    print_message("interval: %zu tables enumerated\n", checked);
    assert_true(checked > 300);
}

static void test_suppress_rejects_malformed_dimensions_and_negative_counts(void **state)
{
    (void)state;
    struct hub_error err = {0};
    hub_suppress_t *s = NULL;
    int bad_parent[] = {-1, 2, 0};
    struct hub_suppress_dim d = {3, bad_parent};
    assert_int_equal(hub_suppress_new(1, &d, &s, &err), HUB_EINVAL);
    assert_null(s);
    int no_root[] = {0, 0};
    d = (struct hub_suppress_dim){2, no_root};
    assert_int_equal(hub_suppress_new(1, &d, &s, &err), HUB_EINVAL);
    int ok[] = {-1, 0, 0};
    d = (struct hub_suppress_dim){3, ok};
    assert_int_equal(hub_suppress_new(1, &d, &s, &err), 0);
    hub_suppress_set(s, 1, -1, HUB_SUPPRESS_PUBLISHED);
    assert_int_equal(hub_suppress_run(s, 5, NULL, &err), HUB_EINVAL);
    hub_suppress_destroy(s);
    assert_int_equal(hub_suppress_new(1, &d, &s, &err), 0);
    assert_int_equal(hub_suppress_run(s, 1, NULL, &err), HUB_EINVAL);
    hub_suppress_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suppress_small_counts_are_primary_and_zero_stays_shown),
        cmocka_unit_test(test_suppress_partner_too_small_for_the_protection_level_is_passed_over),
        cmocka_unit_test(test_suppress_total_below_k_hides_its_only_part_too),
        cmocka_unit_test(test_suppress_fixed_cells_are_never_hidden),
        cmocka_unit_test(test_suppress_random_2d_tables_leave_no_hidden_cell_determined),
        cmocka_unit_test(test_suppress_random_3d_and_hierarchical_tables),
        cmocka_unit_test(test_suppress_two_linked_margins_with_unpublished_interior),
        cmocka_unit_test(test_suppress_tiny_tables_keep_every_primary_ambiguous_within_ranges),
        cmocka_unit_test(test_suppress_rejects_malformed_dimensions_and_negative_counts),
    };
    return cmocka_run_group_tests_name("suppress", tests, NULL, NULL);
}
