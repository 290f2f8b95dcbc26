/*
 * test_stats_protect.c — the statistics' release gate on realistic cubes, without a database.
 *
 * Synthetic years (tests/tools/synth_placements.h: eleven districts of uneven size, every month,
 * seven forms, two bases, both sexes, five age groups, many small counts) go through
 * hub_stats_build_rows like a report: counting, hypercubes, the LP audit of everything the year
 * publishes and its repair. Properties, for every cube:
 *   - the audit ends with no small count narrowed, and every small count is hidden;
 *   - hidden counts carry one mark (a reader cannot tell a small one from a complement);
 *   - every district's placements total of at least k is shown in every period;
 *   - a month, its tertial and its year are slices of one protected publication: a cell reads the
 *     same in the month report, the tertial report and the year report made on the same day.
 * The attack from outside (parsing the published files, its own relations and LPs) is
 * tests/integration/test_reader_attack.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/synth_placements.h"
#include "hub/core/date.h"
#include "hub/domain/district.h"
#include "hub/stats/stats.h"
#include "hub/stats/stats_ledger.h"
#include "hub/stats/stats_record.h"

static hub_districts_t *districts(void)
{
    const char *src = getenv("HUB_SOURCE_DIR");
    char path[4096];
    struct hub_error err = {0};
    hub_districts_t *t = NULL;
    snprintf(path, sizeof path, "%s/schemas/reference/districts.csv", src ? src : ".");
    assert_int_equal(hub_districts_load(path, &t, &err), 0);
    return t;
}

static hub_stats_t *build(const hub_districts_t *t, const struct hub_stats_row *rows, size_t n,
                          const char *period, int64_t k)
{
    struct hub_error err = {0};
    struct hub_stats_options opt = {.k = k, .threshold_days = 14};
    hub_stats_t *s = NULL;
    assert_int_equal(hub_stats_period_parse(period, &opt.year, &opt.period, &err), 0);
    opt.as_of = hub_date_to_days(&(struct hub_date){opt.year + 1, 2, 10});
    int rc = hub_stats_build_rows(t, &opt, rows, n, &s, &err);
    if (rc != 0)
        fail_msg("%s: %s", period, err.msg);
    return s;
}

/* Every published count of the year cube s, compared with the truth. With `totals`, every
 * district's placements total of at least k must be shown; in sparse data that cannot always
 * hold (a month below k whose siblings in its tertial are all at least k is given away by the
 * tertial unless one of them is hidden too), so there it is only counted. */
static void check_year(const hub_stats_t *s, int64_t k, bool totals)
{
    const struct hub_stats_protection *p = hub_stats_protection_of(s);
    size_t nd = hub_stats_district_count(s), small = 0, totals_hidden = 0;

    assert_int_equal(p->narrowed, 0);
    for (size_t per = 0; per < HUB_STATS_PERIODS; per++)
        for (size_t d = 0; d < nd; d++) {
            if (!hub_stats_district_in_period(s, per, d))
                continue;
            for (size_t slot = 0; slot < 41; slot++) {
                struct hub_stats_key key = {per, d, 0, 0, 0, 0};
                if (slot < HUB_STATS_FORMS * HUB_STATS_BASES)
                    key.form = slot / HUB_STATS_BASES, key.basis = slot % HUB_STATS_BASES;
                else /* x * ages + a - 1 = slot - 24 (hub_stats_slot) */
                    key.sex = (slot - 23) / HUB_STATS_AGES, key.age = (slot - 23) % HUB_STATS_AGES;
                struct hub_stats_cell c, r;
                if (!hub_stats_key_published(&key))
                    continue;
                assert_int_equal(hub_stats_get(s, &key, &c), 0);
                assert_int_equal(hub_stats_get_unprotected(s, &key, &r), 0);
                for (int i = 0; i < HUB_STATS__COUNTS; i++) {
                    if (c.mark[i] == HUB_STATS_NOT_PUBLISHED)
                        continue;
                    assert_true(c.mark[i] == HUB_STATS_SHOWN || c.mark[i] == HUB_STATS_HIDDEN);
                    if (c.mark[i] == HUB_STATS_SHOWN)
                        assert_int_equal(c.count[i], r.count[i]);
                    if (r.count[i] >= 1 && r.count[i] < k) {
                        assert_int_equal(c.mark[i], HUB_STATS_HIDDEN);
                        small++;
                    }
                }
                /* a district's total of at least k is shown, every period */
                if (d != 0 && slot == 0 && r.count[HUB_STATS_PLACEMENTS] >= k)
                    totals_hidden += c.mark[HUB_STATS_PLACEMENTS] != HUB_STATS_SHOWN;
            }
        }
    assert_true(small > 0);
    print_message("  district totals >= k hidden: %zu\n", totals_hidden);
    if (totals)
        assert_int_equal(totals_hidden, 0);
}

static void test_protect_realistic_years_leave_no_small_count_narrowed(void **state)
{
    (void)state;
    hub_districts_t *t = districts();
    /* sparse to dense: a district-month of ~8, ~12 and ~35 placements */
    static const unsigned per_month[] = {8, 12, 35};
    for (size_t i = 0; i < sizeof per_month / sizeof per_month[0]; i++)
        for (uint64_t seed = 1 + i; seed <= 1 + i; seed++) {
            struct hub_stats_row *rows = NULL;
            int32_t as_of = hub_date_to_days(&(struct hub_date){2027, 2, 10});
            size_t n = synth_year(t, 2026, as_of, per_month[i], seed, &rows);
            assert_true(n > 0);
            hub_stats_t *s = build(t, rows, n, "2026", 5);
            const struct hub_stats_protection *p = hub_stats_protection_of(s);
            print_message("%u per month, seed %u: %zu placements, %zu of %zu counts hidden, %zu "
                          "small; first audit narrowed %zu, repaired %zu, %zu rounds, %.0f ms\n",
                          per_month[i], (unsigned)seed, n, p->hidden, p->cells, p->small,
                          p->narrowed_first, p->repaired, p->rounds, p->ms);
            check_year(s, 5, per_month[i] >= 35);
            hub_stats_destroy(s);
            free(rows);
        }
    hub_districts_destroy(t);
}

static void test_protect_month_tertial_and_year_are_one_publication(void **state)
{
    (void)state;
    hub_districts_t *t = districts();
    struct hub_stats_row *rows = NULL;
    int32_t as_of = hub_date_to_days(&(struct hub_date){2027, 2, 10});
    size_t n = synth_year(t, 2026, as_of, 20, 7, &rows);
    hub_stats_t *m = build(t, rows, n, "2026-11", 5);
    hub_stats_t *te = build(t, rows, n, "2026T3", 5);
    hub_stats_t *y = build(t, rows, n, "2026", 5);
    size_t nov = 3 + 11, cells = 0;

    for (size_t d = 0; d < hub_stats_district_count(y); d++)
        for (size_t f = 0; f < HUB_STATS_FORMS; f++)
            for (size_t b = 0; b < HUB_STATS_BASES; b++) {
                struct hub_stats_key key = {nov, d, f, b, 0, 0};
                struct hub_stats_cell cm, ct, cy;
                if (!hub_stats_key_published(&key) || !hub_stats_district_in_period(y, nov, d))
                    continue;
                size_t dm = hub_stats_district_find(m, hub_stats_district_code(y, d));
                size_t dt = hub_stats_district_find(te, hub_stats_district_code(y, d));
                assert_true(dm != SIZE_MAX && dt != SIZE_MAX);
                key.district = dm;
                assert_int_equal(hub_stats_get(m, &key, &cm), 0);
                key.district = dt;
                assert_int_equal(hub_stats_get(te, &key, &ct), 0);
                key.district = d;
                assert_int_equal(hub_stats_get(y, &key, &cy), 0);
                assert_memory_equal(&cm, &cy, sizeof cm);
                assert_memory_equal(&ct, &cy, sizeof ct);
                cells++;
            }
    assert_true(cells >= 24 + 11);
    hub_stats_destroy(m);
    hub_stats_destroy(te);
    hub_stats_destroy(y);
    free(rows);
    hub_districts_destroy(t);
}

/* Every district-month of a cube into a ledger, as hub-stats records them. */
static hub_stats_ledger_t *ledger_of(const hub_stats_t *s)
{
    struct hub_error err = {0};
    hub_stats_ledger_t *l = NULL;
    struct hub_stats_record_meta meta = {0, false, 5, 14};
    assert_int_equal(hub_stats_ledger_new(&l, &err), 0);
    for (int month = 1; month <= 12; month++)
        for (size_t d = 0; d < hub_stats_district_count(s); d++) {
            struct hub_stats_district_month dm;
            json_t *rec = NULL;
            if (!hub_stats_district_in_period(s, (size_t)(3 + month), d))
                continue;
            assert_int_equal(hub_stats_district_month(s, d, month, &dm, &err), 0);
            assert_int_equal(hub_stats_record_build(&dm, &meta, &rec, &err), 0);
            char *text = json_dumps(rec, JSON_COMPACT);
            assert_non_null(text);
            assert_int_equal(hub_stats_ledger_add(l, dm.district, dm.period, text, &err), 0);
            free(text);
            json_decref(rec);
        }
    return l;
}

/* A republication after two late placements in two districts, built with the ledger of the first
 * publication: the months and districts whose data did not change read exactly as before, every
 * count hidden before is hidden again, and the audit still passes. */
static void test_protect_late_events_do_not_rearrange_unchanged_districts(void **state)
{
    (void)state;
    hub_districts_t *t = districts();
    struct hub_stats_row *rows = NULL;
    int32_t as_of = hub_date_to_days(&(struct hub_date){2027, 2, 10});
    size_t n = synth_year(t, 2026, as_of, 35, 11, &rows);
    hub_stats_t *first = build(t, rows, n, "2026", 5);
    hub_stats_ledger_t *ledger = ledger_of(first);

    /* two late placements in October, in the first two districts: copies of rows there */
    struct hub_stats_row *late = malloc((n + 2) * sizeof *late);
    assert_non_null(late);
    memcpy(late, rows, n * sizeof *rows);
    const char *changed[2] = {NULL, NULL};
    size_t added = 0;
    int32_t oct = hub_date_to_days(&(struct hub_date){2026, 10, 1});
    for (size_t i = 0; i < n && added < 2; i++)
        if (rows[i].start_date >= oct && rows[i].start_date < oct + 28 &&
            (added == 0 || strcmp(rows[i].district, changed[0]) != 0)) {
            late[n + added] = rows[i];
            late[n + added].child = rows[n - 1].child + 1 + (int64_t)added;
            changed[added++] = rows[i].district;
        }
    assert_int_equal(added, 2);

    struct hub_error err = {0};
    struct hub_stats_options opt = {.k = 5, .threshold_days = 14, .as_of = as_of, .ledger = ledger};
    assert_int_equal(hub_stats_period_parse("2026", &opt.year, &opt.period, &err), 0);
    hub_stats_t *again = NULL;
    if (hub_stats_build_rows(t, &opt, late, n + 2, &again, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(hub_stats_protection_of(again)->narrowed, 0);

    size_t same = 0, hidden_again = 0;
    for (int month = 1; month <= 12; month++)
        for (size_t d = 1; d < hub_stats_district_count(first); d++) {
            const char *code = hub_stats_district_code(first, d);
            struct hub_stats_district_month a, b;
            size_t d2 = hub_stats_district_find(again, code);
            if (!hub_stats_district_in_period(first, (size_t)(3 + month), d))
                continue;
            assert_int_equal(hub_stats_district_month(first, d, month, &a, &err), 0);
            assert_int_equal(hub_stats_district_month(again, d2, month, &b, &err), 0);
            for (size_t c = 0; c < HUB_STATS__COUNTS; c++)
                if (a.by_form_basis[0][0].mark[c] == HUB_STATS_HIDDEN) {
                    assert_int_equal(b.by_form_basis[0][0].mark[c], HUB_STATS_HIDDEN);
                    hidden_again++;
                }
            if (month == 10 && (strcmp(code, changed[0]) == 0 || strcmp(code, changed[1]) == 0))
                continue;
            assert_memory_equal(&a.by_form_basis[0][0], &b.by_form_basis[0][0],
                                sizeof a.by_form_basis[0][0]);
            same++;
        }
    print_message("republication: %zu unchanged district-months identical, %zu hidden counts "
                  "hidden again\n",
                  same, hidden_again);
    assert_true(same > 100 && hidden_again > 0);
    hub_stats_destroy(again);
    hub_stats_ledger_destroy(ledger);
    hub_stats_destroy(first);
    free(late);
    free(rows);
    hub_districts_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protect_realistic_years_leave_no_small_count_narrowed),
        cmocka_unit_test(test_protect_month_tertial_and_year_are_one_publication),
        cmocka_unit_test(test_protect_late_events_do_not_rearrange_unchanged_districts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
