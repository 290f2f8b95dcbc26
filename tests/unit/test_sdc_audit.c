/*
 * test_sdc_audit.c — hub/sdc_audit: the reader's linear programs, on tables whose answer is known
 * by hand, and against brute-force enumeration of every integer table a reader cannot exclude.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
    };
    return cmocka_run_group_tests_name("sdc_audit", tests, NULL, NULL);
}
