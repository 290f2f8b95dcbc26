/*
 * test_sdc_audit.c — hub/sdc_audit: the reader's linear programs, on tables whose answer is known
 * by hand, and against brute-force enumeration of every integer table a reader cannot exclude.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hub/stats/sdc_audit.h"

#define K 5
#define UNB HUB_SDC_UNBOUNDED

static void rel(hub_sdc_audit_t *a, size_t n, const size_t *cells, const int *coef,
                enum hub_sdc_rel r, int64_t rhs)
{
    struct hub_error err = {0};
    assert_int_equal(hub_sdc_audit_relation(a, n, cells, coef, r, rhs, &err), 0);
}

/* total = sum of parts: coefficients 1 for the parts and -1 for the total, = 0 */
static void sum_rel(hub_sdc_audit_t *a, size_t total, size_t n, const size_t *parts)
{
    size_t cells[16];
    int coef[16];
    cells[0] = total;
    coef[0] = -1;
    for (size_t i = 0; i < n; i++) {
        cells[i + 1] = parts[i];
        coef[i + 1] = 1;
    }
    rel(a, n + 1, cells, coef, HUB_SDC_EQ, 0);
}

static void range_is(const hub_sdc_audit_t *a, size_t cell, int64_t mn, int64_t mx)
{
    int64_t lo, hi;
    hub_sdc_audit_range(a, cell, &lo, &hi);
    assert_int_equal(lo, mn);
    assert_int_equal(hi, mx);
}

/* The issue's example, the CSV row "sis,LVU,<5,<5,<5,x,...,<5": with_school_change shown as <5
 * (1..4), not_started <5 (1..4), school_started x. With the old symbols the reader derives
 * school_started <= 3, and since x meant "0 or >= 5" it is 0: pinned. */
static void test_audit_issue_example_old_symbols_pin_school_started(void **state)
{
    (void)state;
    hub_sdc_audit_t *a = NULL;
    struct hub_error err = {0};
    struct hub_sdc_result res;
    enum { WC, ST, NS };
    assert_int_equal(hub_sdc_audit_new(3, &a, &err), 0);
    hub_sdc_audit_hidden(a, WC, 1, 1, K - 1); /* "<5" */
    hub_sdc_audit_hidden(a, ST, 0, 0, UNB);   /* "x" as an interval: >= 0 */
    hub_sdc_audit_hidden(a, NS, 1, 1, K - 1); /* "<5" */
    size_t parts[] = {ST, NS};
    sum_rel(a, WC, 2, parts);
    assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_EXACT, &res, &err), 0);
    range_is(a, ST, 0, 3);
    /* "x" was also known to be 0 or >= 5; the LP's max 3 < 5 leaves only 0: pinned. */
    int64_t lo, hi;
    hub_sdc_audit_range(a, ST, &lo, &hi);
    assert_true(hi < K && lo == 0);
    /* the small cells are narrowed too: 1..4 spans 4 values and none outside 1..4 */
    assert_true(hub_sdc_audit_narrowed(a, WC));
    assert_true(hub_sdc_audit_narrowed(a, NS));
    assert_int_equal(res.narrowed, 2);
    hub_sdc_audit_destroy(a);
}

/* The same row with one symbol for every hidden cell (>= 0, nothing more) but a shown total
 * placements_started = 5 above with_school_change: wc <= 5, so wc, started and not started all
 * lie in 0..5, six values, one of them 0 and one 5: the rule holds. */
static void test_audit_issue_example_one_symbol_holds(void **state)
{
    (void)state;
    hub_sdc_audit_t *a = NULL;
    struct hub_error err = {0};
    struct hub_sdc_result res;
    enum { PL, WC, ST, NS };
    assert_int_equal(hub_sdc_audit_new(4, &a, &err), 0);
    hub_sdc_audit_shown(a, PL, 5);
    hub_sdc_audit_hidden(a, WC, 1, 0, UNB);
    hub_sdc_audit_hidden(a, ST, 0, 0, UNB);
    hub_sdc_audit_hidden(a, NS, 1, 0, UNB);
    size_t parts[] = {ST, NS};
    sum_rel(a, WC, 2, parts);
    size_t le[] = {WC, PL};
    int lec[] = {1, -1};
    rel(a, 2, le, lec, HUB_SDC_LE, 0);
    assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_EXACT, &res, &err), 0);
    range_is(a, WC, 0, 5);
    range_is(a, ST, 0, 5);
    range_is(a, NS, 0, 5);
    assert_int_equal(res.narrowed, 0);
    assert_int_equal(res.pinned, 0);
    assert_int_equal(res.small, 2);
    hub_sdc_audit_destroy(a);
}

/* Two hidden cells in a line with a shown total 3: each in 0..3, four values, fewer than k. */
static void test_audit_two_hidden_in_a_small_line_are_narrowed(void **state)
{
    (void)state;
    hub_sdc_audit_t *a = NULL;
    struct hub_error err = {0};
    struct hub_sdc_result res;
    assert_int_equal(hub_sdc_audit_new(3, &a, &err), 0);
    hub_sdc_audit_shown(a, 0, 3);
    hub_sdc_audit_hidden(a, 1, 1, 0, UNB);
    hub_sdc_audit_hidden(a, 2, 2, 0, UNB);
    size_t parts[] = {1, 2};
    sum_rel(a, 0, 2, parts);
    assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_RULE, &res, &err), 0);
    assert_int_equal(res.narrowed, 2);
    assert_true(hub_sdc_audit_narrowed(a, 1));
    range_is(a, 1, 0, 3);
    hub_sdc_audit_destroy(a);
}

/* 2x2 interior hidden, margins shown: a = t, b = 5-t, c = 7-t, d = 2+t, 0 <= t <= 5. */
static void test_audit_2x2_block_ranges_by_hand(void **state)
{
    (void)state;
    hub_sdc_audit_t *a = NULL;
    struct hub_error err = {0};
    struct hub_sdc_result res;
    /* cells: 0 a, 1 b, 2 c, 3 d, 4 row1, 5 row2, 6 col1, 7 col2, 8 total */
    assert_int_equal(hub_sdc_audit_new(9, &a, &err), 0);
    hub_sdc_audit_hidden(a, 0, 1, 0, UNB);
    hub_sdc_audit_hidden(a, 1, 4, 0, UNB);
    hub_sdc_audit_hidden(a, 2, 6, 0, UNB);
    hub_sdc_audit_hidden(a, 3, 3, 0, UNB);
    hub_sdc_audit_shown(a, 4, 5);
    hub_sdc_audit_shown(a, 5, 9);
    hub_sdc_audit_shown(a, 6, 7);
    hub_sdc_audit_shown(a, 7, 7);
    hub_sdc_audit_shown(a, 8, 14);
    sum_rel(a, 4, 2, (size_t[]){0, 1});
    sum_rel(a, 5, 2, (size_t[]){2, 3});
    sum_rel(a, 6, 2, (size_t[]){0, 2});
    sum_rel(a, 7, 2, (size_t[]){1, 3});
    sum_rel(a, 8, 2, (size_t[]){4, 5});
    sum_rel(a, 8, 2, (size_t[]){6, 7});
    assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_EXACT, &res, &err), 0);
    range_is(a, 0, 0, 5);
    range_is(a, 1, 0, 5);
    range_is(a, 2, 2, 7);
    range_is(a, 3, 2, 7);
    assert_int_equal(res.components, 1);
    assert_int_equal(res.narrowed, 0);
    assert_int_equal(res.pinned, 0);
    hub_sdc_audit_destroy(a);
}

/* Interval propagation alone misses this: x + y = 4, y + z = 4, x + z = 4 (each line has two
 * hidden cells, each cell is in 0..4 from any one line), yet the three together give x = y = z = 2.
 */
static void test_audit_combination_of_equations_pins_what_intervals_miss(void **state)
{
    (void)state;
    hub_sdc_audit_t *a = NULL;
    struct hub_error err = {0};
    struct hub_sdc_result res;
    assert_int_equal(hub_sdc_audit_new(6, &a, &err), 0);
    for (size_t i = 0; i < 3; i++) {
        hub_sdc_audit_hidden(a, i, 2, 0, UNB);
        hub_sdc_audit_shown(a, 3 + i, 4);
    }
    sum_rel(a, 3, 2, (size_t[]){0, 1});
    sum_rel(a, 4, 2, (size_t[]){1, 2});
    sum_rel(a, 5, 2, (size_t[]){0, 2});
    assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_EXACT, &res, &err), 0);
    for (size_t i = 0; i < 3; i++)
        range_is(a, i, 2, 2);
    assert_int_equal(res.pinned, 3);
    assert_int_equal(res.narrowed, 3);
    hub_sdc_audit_destroy(a);
}

/* A hidden total over hidden parts, nothing else known: unbounded above, not narrowed; separate
 * groups are separate components. */
static void test_audit_unbounded_and_components(void **state)
{
    (void)state;
    hub_sdc_audit_t *a = NULL;
    struct hub_error err = {0};
    struct hub_sdc_result res;
    assert_int_equal(hub_sdc_audit_new(6, &a, &err), 0);
    hub_sdc_audit_hidden(a, 0, 3, 0, UNB);
    hub_sdc_audit_hidden(a, 1, 1, 0, UNB);
    hub_sdc_audit_hidden(a, 2, 2, 0, UNB);
    sum_rel(a, 0, 2, (size_t[]){1, 2});
    hub_sdc_audit_shown(a, 3, 10);
    hub_sdc_audit_hidden(a, 4, 5, 0, UNB);
    hub_sdc_audit_hidden(a, 5, 5, 0, UNB);
    sum_rel(a, 3, 2, (size_t[]){4, 5});
    assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_EXACT, &res, &err), 0);
    range_is(a, 1, 0, UNB);
    range_is(a, 0, 0, UNB);
    range_is(a, 4, 0, 10);
    assert_int_equal(res.components, 2);
    assert_int_equal(res.narrowed, 0);
    hub_sdc_audit_destroy(a);
}

/* A published system the true values break is refused; so is k < 2. */
static void test_audit_rejects_a_system_the_truth_breaks(void **state)
{
    (void)state;
    hub_sdc_audit_t *a = NULL;
    struct hub_error err = {0};
    assert_int_equal(hub_sdc_audit_new(3, &a, &err), 0);
    hub_sdc_audit_shown(a, 0, 4);
    hub_sdc_audit_hidden(a, 1, 1, 0, UNB);
    hub_sdc_audit_hidden(a, 2, 2, 0, UNB);
    sum_rel(a, 0, 2, (size_t[]){1, 2});
    assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_RULE, NULL, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "does not hold"));
    hub_sdc_audit_shown(a, 0, 3);
    assert_int_equal(hub_sdc_audit_run(a, 1, HUB_SDC_RULE, NULL, &err), HUB_EINVAL);
    assert_int_equal(hub_sdc_audit_relation(a, 1, (size_t[]){3}, (int[]){1}, HUB_SDC_EQ, 0, &err),
                     HUB_EINVAL);
    hub_sdc_audit_destroy(a);
}

static void test_audit_rule_by_hand(void **state)
{
    (void)state;
    assert_true(hub_sdc_audit_rule_holds(0, 0, 0, K));  /* a zero pinned is not small */
    assert_true(hub_sdc_audit_rule_holds(7, 7, 7, K));  /* nor a pinned 7 */
    assert_true(hub_sdc_audit_rule_holds(1, 0, 4, K));  /* 5 values, 0 among them */
    assert_false(hub_sdc_audit_rule_holds(1, 0, 3, K)); /* 4 values */
    assert_false(hub_sdc_audit_rule_holds(1, 1, 4, K)); /* 4 values, all small */
    assert_true(hub_sdc_audit_rule_holds(2, 1, 5, K));  /* 5 values, 5 >= k */
    assert_false(hub_sdc_audit_rule_holds(2, 2, 5, K)); /* 4 values */
    assert_true(hub_sdc_audit_rule_holds(4, 4, UNB, K));
}

/* ---- brute force: 2 x 3 tables with margins, a random hidden pattern; enumerate every integer
 * table with interior cells 0..M consistent with the shown cells and compare its ranges with the
 * LP's (which is told the same cap M on hidden interior cells). Two-way tables are totally
 * unimodular, so the rounded LP range must be exactly the integer range. */

static uint64_t rng = 0x243f6a8885a308d3u;
static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1du;
}

#define R 2
#define C 3
#define NCELL ((R + 1) * (C + 1))
#define M 6

static size_t at(size_t r, size_t c)
{
    return r * (C + 1) + c; /* row R and column C are the totals */
}

static void fill_totals(int64_t *v)
{
    for (size_t r = 0; r <= R; r++)
        v[at(r, C)] = 0;
    for (size_t c = 0; c <= C; c++)
        v[at(R, c)] = 0;
    for (size_t r = 0; r < R; r++)
        for (size_t c = 0; c < C; c++) {
            v[at(r, C)] += v[at(r, c)];
            v[at(R, c)] += v[at(r, c)];
            v[at(R, C)] += v[at(r, c)];
        }
}

static void test_audit_matches_brute_force_on_small_tables(void **state)
{
    (void)state;
    for (int round = 0; round < 100; round++) {
        int64_t v[NCELL], w[NCELL], lo[NCELL], hi[NCELL];
        bool hid[NCELL];
        for (size_t r = 0; r < R; r++)
            for (size_t c = 0; c < C; c++)
                v[at(r, c)] = (int64_t)(rnd() % 4);
        fill_totals(v);
        for (size_t i = 0; i < NCELL; i++) {
            hid[i] = rnd() % 2 == 0;
            lo[i] = INT64_MAX;
            hi[i] = INT64_MIN;
        }
        size_t n = R * C;
        int64_t x[R * C] = {0};
        for (;;) {
            for (size_t i = 0; i < n; i++)
                w[at(i / C, i % C)] = x[i];
            fill_totals(w);
            bool ok = true;
            for (size_t i = 0; i < NCELL && ok; i++)
                ok = hid[i] || w[i] == v[i];
            if (ok)
                for (size_t i = 0; i < NCELL; i++) {
                    lo[i] = w[i] < lo[i] ? w[i] : lo[i];
                    hi[i] = w[i] > hi[i] ? w[i] : hi[i];
                }
            size_t i = 0;
            while (i < n && ++x[i] > M)
                x[i++] = 0;
            if (i == n)
                break;
        }
        hub_sdc_audit_t *a = NULL;
        struct hub_error err = {0};
        assert_int_equal(hub_sdc_audit_new(NCELL, &a, &err), 0);
        for (size_t i = 0; i < NCELL; i++) {
            bool interior = i % (C + 1) != C && i / (C + 1) != R;
            if (hid[i])
                hub_sdc_audit_hidden(a, i, v[i], 0, interior ? M : UNB);
            else
                hub_sdc_audit_shown(a, i, v[i]);
        }
        for (size_t r = 0; r <= R; r++)
            sum_rel(a, at(r, C), C, (size_t[]){at(r, 0), at(r, 1), at(r, 2)});
        for (size_t c = 0; c <= C; c++)
            sum_rel(a, at(R, c), R, (size_t[]){at(0, c), at(1, c)});
        assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_EXACT, NULL, &err), 0);
        for (size_t i = 0; i < NCELL; i++) {
            int64_t mn, mx;
            hub_sdc_audit_range(a, i, &mn, &mx);
            assert_int_equal(mn, lo[i]);
            assert_int_equal(mx, hi[i]);
        }
        /* rule mode decides every small cell as exact mode does */
        struct hub_sdc_result exact, rule;
        assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_EXACT, &exact, &err), 0);
        assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_RULE, &rule, &err), 0);
        assert_int_equal(exact.narrowed, rule.narrowed);
        hub_sdc_audit_destroy(a);
    }
}

/* A move the reader cannot see (+1 on one part, -1 on the other) decides the rule without any LP;
 * a move that changes a shown cell is not a move, and the LP decides instead. */
static void test_audit_moves_decide_without_lps_and_bad_moves_are_ignored(void **state)
{
    (void)state;
    hub_sdc_audit_t *a = NULL;
    struct hub_error err = {0};
    struct hub_sdc_result res;
    enum { T, A, B, S };
    size_t parts[] = {A, B, S};
    assert_int_equal(hub_sdc_audit_new(4, &a, &err), 0);
    hub_sdc_audit_shown(a, T, 20);
    hub_sdc_audit_hidden(a, A, 2, 0, UNB);
    hub_sdc_audit_hidden(a, B, 8, 0, UNB);
    hub_sdc_audit_shown(a, S, 10);
    sum_rel(a, T, 3, parts);
    size_t mv[] = {A, B};
    int co[] = {1, -1};
    assert_int_equal(hub_sdc_audit_move(a, 2, mv, co, &err), 0);
    assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_RULE, &res, &err), 0);
    assert_int_equal(res.narrowed, 0);
    assert_int_equal(res.lps, 0); /* the move alone: A over 0..10 */
    range_is(a, A, 0, 10);
    hub_sdc_audit_destroy(a);

    /* the same table with a move through the shown S: ignored, the LP finds 0..10 */
    assert_int_equal(hub_sdc_audit_new(4, &a, &err), 0);
    hub_sdc_audit_shown(a, T, 20);
    hub_sdc_audit_hidden(a, A, 2, 0, UNB);
    hub_sdc_audit_hidden(a, B, 8, 0, UNB);
    hub_sdc_audit_shown(a, S, 10);
    sum_rel(a, T, 3, parts);
    size_t bad[] = {A, S};
    assert_int_equal(hub_sdc_audit_move(a, 2, bad, co, &err), 0);
    assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_EXACT, &res, &err), 0);
    assert_true(res.lps > 0);
    range_is(a, A, 0, 10);
    hub_sdc_audit_destroy(a);
}

/* A line 6 = a(1, hidden) + b(5, shown): a is pinned. The blockers name the line; hiding its shown
 * cell b and re-checking a only lets a range over 0..6. The same with b "kept": supposing b were
 * hidden, what binds is still the line, so the caller learns that only b (or the total) helps. */
static void test_audit_blockers_and_recheck_repair_a_pinned_cell(void **state)
{
    (void)state;
    hub_sdc_audit_t *a = NULL;
    struct hub_error err = {0};
    struct hub_sdc_result res;
    enum { T, A, B, LONE };
    size_t parts[] = {A, B}, rels[8], n;
    bool focus[4] = {false, true, false, false}, suppose[4] = {false, false, true, false};
    assert_int_equal(hub_sdc_audit_new(4, &a, &err), 0);
    hub_sdc_audit_shown(a, T, 6);
    hub_sdc_audit_hidden(a, A, 1, 0, UNB);
    hub_sdc_audit_shown(a, B, 5);
    hub_sdc_audit_hidden(a, LONE, 7, 0, UNB); /* alone: in no relation */
    sum_rel(a, T, 2, parts);
    assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_RULE, &res, &err), 0);
    assert_int_equal(res.narrowed, 1);
    assert_true(hub_sdc_audit_narrowed(a, A));
    assert_int_equal(hub_sdc_audit_blockers(a, A, K, rels, 8, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rels[0], 0);
    assert_int_equal(hub_sdc_audit_blockers_supposing(a, A, K, suppose, rels, 8, &n, &err), 0);
    assert_int_equal(n, 1); /* even with b free the line still bounds a (by the total) */
    hub_sdc_audit_hidden(a, B, 5, 0, UNB);
    assert_int_equal(hub_sdc_audit_recheck(a, K, focus, &res, &err), 0);
    assert_int_equal(res.narrowed, 0);
    assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_EXACT, &res, &err), 0);
    range_is(a, A, 0, 6);
    hub_sdc_audit_destroy(a);
}

/* A window (the cells of one small block) decides its cells with the rest of the table fixed at
 * the truth: a restriction of the reader's problem, so its range is never wider than the LP's. */
static void test_audit_window_range_is_within_the_full_range(void **state)
{
    (void)state;
    hub_sdc_audit_t *a = NULL;
    struct hub_error err = {0};
    struct hub_sdc_result res;
    /* a 2 x 3 table, all interior hidden, margins shown */
    enum { R0, R1, C0, C1, C2, X00, X01, X02, X10, X11, X12, NW };
    const int64_t v[] = {0, 0, 0, 0, 0, 2, 6, 3, 7, 1, 9};
    assert_int_equal(hub_sdc_audit_new(NW, &a, &err), 0);
    for (size_t c = X00; c < NW; c++)
        hub_sdc_audit_hidden(a, c, v[c], 0, UNB);
    hub_sdc_audit_shown(a, R0, 11);
    hub_sdc_audit_shown(a, R1, 17);
    hub_sdc_audit_shown(a, C0, 9);
    hub_sdc_audit_shown(a, C1, 7);
    hub_sdc_audit_shown(a, C2, 12);
    size_t r0[] = {X00, X01, X02}, r1[] = {X10, X11, X12}, c0[] = {X00, X10}, c1[] = {X01, X11},
           c2[] = {X02, X12};
    sum_rel(a, R0, 3, r0);
    sum_rel(a, R1, 3, r1);
    sum_rel(a, C0, 2, c0);
    sum_rel(a, C1, 2, c1);
    sum_rel(a, C2, 2, c2);
    size_t w[] = {X00, X01, X10, X11}; /* X02, X12 fixed at their truth inside the window */
    assert_int_equal(hub_sdc_audit_window(a, 4, w, &err), 0);
    assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_RULE, &res, &err), 0);
    /* within the window X00 + X01 = 8, X00 + X10 = 9, X11 = X00 - 1: X00 over 1..8 and X11 over
     * 0..7; the full table lets X00 reach 0 and 9 */
    assert_int_equal(res.narrowed, 0);
    int64_t lo, hi;
    hub_sdc_audit_range(a, X11, &lo, &hi); /* decided: at least as wide as the rule needs */
    assert_true(hub_sdc_audit_rule_holds(1, lo, hi, K));
    assert_true(lo >= 0 && (hi == UNB || hi <= 7)); /* never wider than the truth, 0..7 */
    assert_int_equal(hub_sdc_audit_run(a, K, HUB_SDC_EXACT, &res, &err), 0);
    range_is(a, X00, 0, 9);
    hub_sdc_audit_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_issue_example_old_symbols_pin_school_started),
        cmocka_unit_test(test_audit_issue_example_one_symbol_holds),
        cmocka_unit_test(test_audit_two_hidden_in_a_small_line_are_narrowed),
        cmocka_unit_test(test_audit_2x2_block_ranges_by_hand),
        cmocka_unit_test(test_audit_combination_of_equations_pins_what_intervals_miss),
        cmocka_unit_test(test_audit_unbounded_and_components),
        cmocka_unit_test(test_audit_rejects_a_system_the_truth_breaks),
        cmocka_unit_test(test_audit_rule_by_hand),
        cmocka_unit_test(test_audit_matches_brute_force_on_small_tables),
        cmocka_unit_test(test_audit_moves_decide_without_lps_and_bad_moves_are_ignored),
        cmocka_unit_test(test_audit_blockers_and_recheck_repair_a_pinned_cell),
        cmocka_unit_test(test_audit_window_range_is_within_the_full_range),
    };
    return cmocka_run_group_tests_name("sdc_audit", tests, NULL, NULL);
}
