/*
 * stats_test.c — hub/stats and hub/report against a real PostgreSQL, with read-model rows
 * inserted directly and every expected number computed by hand (comments show the arithmetic).
 *
 * The server comes from HUB_TEST_PGHOST (+ HUB_TEST_PGPORT, HUB_TEST_PGDATABASE, HUB_TEST_PGUSER);
 * the test creates a private database (hub_statstest_<pid>), migrates it and drops it at the
 * end. Without HUB_TEST_PGHOST it exits 77 (skipped), or fails under HUB_TEST_REQUIRE_ALL=1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/core/config.h"
#include "hub/core/date.h"
#include "hub/domain/district.h"
#include "hub/pg/migrate.h"
#include "hub/pg/pg.h"
#include "hub/stats/report.h"
#include "hub/stats/stats.h"

static struct {
    PGconn *admin;
    PGconn *conn;
    char dbname[64];
    hub_districts_t *districts;
} G;

/* ---- helpers ---- */

static PGconn *connect_db(const char *dbname)
{
    struct hub_error err = {0};
    hub_config_t *cfg = NULL;
    PGconn *conn = NULL;
    const char *port = getenv("HUB_TEST_PGPORT"), *user = getenv("HUB_TEST_PGUSER");
    int rc = hub_config_load(NULL, &cfg, &err);

    if (rc == 0)
        rc = hub_config_set(cfg, "pg.host", getenv("HUB_TEST_PGHOST"), "test", &err);
    if (rc == 0 && port && *port)
        rc = hub_config_set(cfg, "pg.port", port, "test", &err);
    if (rc == 0 && user && *user)
        rc = hub_config_set(cfg, "pg.user", user, "test", &err);
    if (rc == 0)
        rc = hub_config_set(cfg, "pg.dbname", dbname, "test", &err);
    if (rc == 0)
        rc = hub_pg_connect(cfg, &conn, &err);
    if (rc)
        fprintf(stderr, "stats_test: %s\n", err.msg);
    hub_config_destroy(cfg);
    return conn;
}

static void exec_sql(const char *sql)
{
    struct hub_error err = {0};
    if (hub_pg_exec(G.conn, "test statement", sql, 0, NULL, NULL, &err) != 0)
        fail_msg("%s\n  in: %s", err.msg, sql);
}

static const char *child_id(unsigned n)
{
    static char bufs[8][65];
    static unsigned next;
    char *b = bufs[next++ % 8];
    snprintf(b, 65, "%056x%08x", 0xc0ffeeu, n);
    return b;
}

static const char *placement_id(unsigned n)
{
    static char bufs[8][37];
    static unsigned next;
    char *b = bufs[next++ % 8];
    snprintf(b, 37, "aaaaaaaa-0000-4000-8000-%012x", n);
    return b;
}

/* One hub.placements row as the read model holds it (the newest event's state). */
static void place(unsigned id, unsigned child, const char *district, int birth_year,
                  const char *sex, const char *action, const char *basis, const char *form,
                  const char *start, bool school_change)
{
    static const char sql[] =
        "INSERT INTO hub.placements (placement_id, child, district, birth_year, legal_sex, "
        "action, legal_basis, placement_form, start_date, school_change, first_event_id, "
        "first_occurred_at, last_event_id, last_occurred_at, last_src_partition, "
        "last_src_offset) VALUES ($1::uuid, $2, $3, $4::integer, $5, $6, $7, $8, $9::date, "
        "$10::boolean, gen_random_uuid(), now(), gen_random_uuid(), now(), 0, 0)";
    char by[16];
    struct hub_error err = {0};
    snprintf(by, sizeof by, "%d", birth_year);
    const char *params[10] = {
        placement_id(id), child_id(child), district, by,    sex,
        action,           basis,           form,     start, school_change ? "true" : "false"};
    if (hub_pg_exec(G.conn, "insert placement", sql, 10, params, NULL, &err) != 0)
        fail_msg("%s", err.msg);
}

static void school(unsigned placement, unsigned child, const char *district, const char *day)
{
    static const char sql[] =
        "INSERT INTO hub.school_starts (event_id, placement_id, child, district, school_unit, "
        "school_form, start_date, occurred_at) VALUES (gen_random_uuid(), $1::uuid, $2, $3, "
        "'12345678', 'grundskola', $4::date, now())";
    struct hub_error err = {0};
    const char *params[4] = {placement_id(placement), child_id(child), district, day};
    if (hub_pg_exec(G.conn, "insert school start", sql, 4, params, NULL, &err) != 0)
        fail_msg("%s", err.msg);
}

static int32_t day(const char *iso)
{
    struct hub_date d;
    struct hub_error err = {0};
    assert_int_equal(hub_date_parse_iso(iso, &d, &err), 0);
    return hub_date_to_days(&d);
}

static hub_stats_t *build(const char *per, const char *as_of, int64_t k, bool current)
{
    struct hub_stats_options o = {
        .as_of = day(as_of), .k = k, .threshold_days = 14, .current_districts = current};
    struct hub_error err = {0};
    hub_stats_t *s = NULL;
    if (hub_stats_period_parse(per, &o.year, &o.period, &err) != 0 ||
        hub_stats_build(G.conn, G.districts, &o, &s, &err) != 0)
        fail_msg("hub_stats_build: %s", err.msg);
    return s;
}

static size_t period(const char *text)
{
    int y;
    size_t p;
    struct hub_error err = {0};
    assert_int_equal(hub_stats_period_parse(text, &y, &p, &err), 0);
    return p;
}

static size_t dist(const hub_stats_t *s, const char *code)
{
    size_t d = hub_stats_district_find(s, code);
    if (d == SIZE_MAX)
        fail_msg("district %s is not in the cube", code);
    return d;
}

static struct hub_stats_cell raw(const hub_stats_t *s, const char *per, const char *district,
                                 size_t form, size_t basis, size_t sex, size_t age)
{
    struct hub_stats_cell c;
    struct hub_stats_key k = {period(per), dist(s, district), form, basis, sex, age};
    assert_int_equal(hub_stats_get_unprotected(s, &k, &c), 0);
    return c;
}

static void expect_counts(const struct hub_stats_cell *c, int64_t placements, int64_t children,
                          int64_t with_change, int64_t started, int64_t over, int64_t not_started)
{
    assert_int_equal(c->count[HUB_STATS_PLACEMENTS], placements);
    assert_int_equal(c->count[HUB_STATS_CHILDREN], children);
    assert_int_equal(c->count[HUB_STATS_WITH_SCHOOL_CHANGE], with_change);
    assert_int_equal(c->count[HUB_STATS_SCHOOL_STARTED], started);
    assert_int_equal(c->count[HUB_STATS_OVER_THRESHOLD], over);
    assert_int_equal(c->count[HUB_STATS_NOT_STARTED], not_started);
}

static void expect_days(const struct hub_stats_cell *c, int64_t median_x10, int64_t p90,
                        int64_t max)
{
    assert_int_equal(c->days_mark, HUB_STATS_SHOWN);
    assert_int_equal(c->days_median_x10, median_x10);
    assert_int_equal(c->days_p90, p90);
    assert_int_equal(c->days_max, max);
}

enum { F_ALL, F_JOURHEM, F_FAMILJEHEM, F_HVB, F_STODBOENDE };
enum { B_ALL, B_SOL, B_LVU };
enum { X_ALL, X_FEMALE, X_MALE };
enum { A_ALL, A_0_5, A_6_12, A_13_15, A_16_17, A_18 };

/*
 * The 2026 fixture (as of 2026-03-15 unless a test says otherwise).
 *
 * Södermalm, January 2026:
 *   P1 child 1, 2026-01-05, familjehem LVU, female, born 2014 (age 12), school start 01-12: 7 d
 *   P2 child 2, 2026-01-10, familjehem SoL, male, 2010 (16), school start 01-30: 20 d (> 14)
 *   P3 child 3, 2026-01-31 (last day of January), jourhem SoL, female, 2020 (6), start 02-02: 2 d
 *   P4 child 1 again, 2026-01-20, started as HVB, changed to familjehem (the row holds the newest
 *      event: familjehem, action changed), LVU, female, 2014 (12), school start 01-15, before
 *      the placement: 0 d
 *   P5 child 4, 2026-01-15, hvb LVU, male, 2011 (15), school change, no school start: not started
 *   P6 child 5, 2026-01-16, hvb LVU, female, 2008 (18), school start 2026-03-20 after the as-of
 *      date: not started
 *   P7 child 6, 2026-01-17, stodboende SoL, male, 2009 (17), no school change (its school start
 *      does not count)
 *   P8 child 7, 2026-01-02, familjehem SoL, female, 2015 (11), two school starts 01-25 and
 *      01-05: the first counts, 3 d
 * Kungsholmen, January 2026: K1..K3 children 11..13, familjehem SoL, female, 2013 (13), school
 *   starts after 10, 15 and 30 days.
 * Södermalm, February 2026: P10 child 9, 2026-02-01, familjehem SoL, female, 2012 (14), 9 d.
 * Outside: P9 2025-12-31 (December 2025), P11 2026-04-01 (after the as-of date).
 */
static void fixture_2026(void)
{
    place(1, 1, "sodermalm", 2014, "female", "started", "LVU", "familjehem", "2026-01-05", true);
    school(1, 1, "sodermalm", "2026-01-12");
    place(2, 2, "sodermalm", 2010, "male", "started", "SoL", "familjehem", "2026-01-10", true);
    school(2, 2, "sodermalm", "2026-01-30");
    place(3, 3, "sodermalm", 2020, "female", "started", "SoL", "jourhem", "2026-01-31", true);
    school(3, 3, "sodermalm", "2026-02-02");
    place(4, 1, "sodermalm", 2014, "female", "changed", "LVU", "familjehem", "2026-01-20", true);
    school(4, 1, "sodermalm", "2026-01-15");
    place(5, 4, "sodermalm", 2011, "male", "started", "LVU", "hvb", "2026-01-15", true);
    place(6, 5, "sodermalm", 2008, "female", "started", "LVU", "hvb", "2026-01-16", true);
    school(6, 5, "sodermalm", "2026-03-20");
    place(7, 6, "sodermalm", 2009, "male", "started", "SoL", "stodboende", "2026-01-17", false);
    school(7, 6, "sodermalm", "2026-01-18");
    place(8, 7, "sodermalm", 2015, "female", "started", "SoL", "familjehem", "2026-01-02", true);
    school(8, 7, "sodermalm", "2026-01-25");
    school(8, 7, "sodermalm", "2026-01-05");
    place(21, 11, "kungsholmen", 2013, "female", "started", "SoL", "familjehem", "2026-01-08",
          true);
    school(21, 11, "kungsholmen", "2026-01-18");
    place(22, 12, "kungsholmen", 2013, "female", "started", "SoL", "familjehem", "2026-01-09",
          true);
    school(22, 12, "kungsholmen", "2026-01-24");
    place(23, 13, "kungsholmen", 2013, "female", "started", "SoL", "familjehem", "2026-01-10",
          true);
    school(23, 13, "kungsholmen", "2026-02-09");
    place(10, 9, "sodermalm", 2012, "female", "started", "SoL", "familjehem", "2026-02-01", true);
    school(10, 9, "sodermalm", "2026-02-10");
    place(9, 8, "sodermalm", 2012, "female", "started", "SoL", "familjehem", "2025-12-31", true);
    place(11, 10, "sodermalm", 2012, "female", "started", "SoL", "familjehem", "2026-04-01", true);
}

/* ---- setup ---- */

static int group_setup(void **state)
{
    (void)state;
    struct hub_error err = {0};
    const char *db = getenv("HUB_TEST_PGDATABASE");
    char migdir[4096], path[4096], sql[256];
    int applied = 0;

    G.admin = connect_db(db && *db ? db : "hub");
    if (!G.admin)
        return -1;
    snprintf(G.dbname, sizeof G.dbname, "hub_statstest_%ld", (long)getpid());
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", G.dbname);
    if (hub_pg_exec(G.admin, "drop test database", sql, 0, NULL, NULL, &err) != 0)
        goto fail;
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", G.dbname);
    if (hub_pg_exec(G.admin, "create test database", sql, 0, NULL, NULL, &err) != 0)
        goto fail;
    G.conn = connect_db(G.dbname);
    if (!G.conn || hub_migrate_default_dir(migdir, sizeof migdir) != 0)
        return -1;
    if (hub_migrate(G.conn, migdir, &applied, &err) != 0)
        goto fail;
    if (hub_districts_default_path(path, sizeof path) != 0 ||
        hub_districts_load(path, &G.districts, &err) != 0)
        goto fail;
    return 0;
fail:
    fprintf(stderr, "stats_test: %s\n", err.msg);
    return -1;
}

static int group_teardown(void **state)
{
    (void)state;
    char sql[256];
    struct hub_error err = {0};
    PQfinish(G.conn);
    if (G.admin && G.dbname[0]) {
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", G.dbname);
        if (hub_pg_exec(G.admin, "drop test database", sql, 0, NULL, NULL, &err) != 0)
            fprintf(stderr, "stats_test: %s\n", err.msg);
    }
    PQfinish(G.admin);
    hub_districts_destroy(G.districts);
    return 0;
}

static int empty_read_model(void **state)
{
    (void)state;
    exec_sql("TRUNCATE hub.placements, hub.school_starts");
    return 0;
}

/* ---- the numbers ---- */

static void test_stats_january_counts_days_and_first_school_start(void **state)
{
    (void)state;
    fixture_2026();
    hub_stats_t *s = build("2026", "2026-03-15", 5, false);
    struct hub_stats_cell c;

    /* Södermalm: P1..P8 = 8 placements; children 1,2,3,4,5,6,7 = 7 (child 1 twice); school
     * change all but P7 = 7; started by 2026-03-15: P1 7, P2 20, P3 2, P4 0, P8 3 = 5; not
     * started P5 (none), P6 (after the as-of date) = 2; over 14 days: P2 = 1.
     * Days sorted 0 2 3 7 20: median (n = 5) the 3rd = 3; p90 rank ceil(4.5) = 5: 20; max 20. */
    c = raw(s, "2026-01", "sodermalm", F_ALL, B_ALL, X_ALL, A_ALL);
    expect_counts(&c, 8, 7, 7, 5, 1, 2);
    expect_days(&c, 30, 20, 20);
    /* Familjehem: P1, P2, P4 (its latest form), P8 = 4; children 1, 2, 7 = 3; days 7 20 0 3 →
     * 0 3 7 20: median (3 + 7) / 2 = 5.0; p90 rank ceil(3.6) = 4: 20. */
    c = raw(s, "2026-01", "sodermalm", F_FAMILJEHEM, B_ALL, X_ALL, A_ALL);
    expect_counts(&c, 4, 3, 4, 4, 1, 0);
    expect_days(&c, 50, 20, 20);
    /* Familjehem LVU: P1 7 d, P4 0 d, both child 1: median 3.5 */
    c = raw(s, "2026-01", "sodermalm", F_FAMILJEHEM, B_LVU, X_ALL, A_ALL);
    expect_counts(&c, 2, 1, 2, 2, 0, 0);
    expect_days(&c, 35, 7, 7);
    /* Jourhem: P3 only, on the last day of January. */
    c = raw(s, "2026-01", "sodermalm", F_JOURHEM, B_ALL, X_ALL, A_ALL);
    expect_counts(&c, 1, 1, 1, 1, 0, 0);
    expect_days(&c, 20, 2, 2);
    /* HVB: P5, P6, both not started; LVU. The placement that was HVB first (P4) is not here. */
    c = raw(s, "2026-01", "sodermalm", F_HVB, B_LVU, X_ALL, A_ALL);
    expect_counts(&c, 2, 2, 2, 0, 0, 2);
    assert_int_equal(c.days_mark, HUB_STATS_NO_DATA);
    /* Stödboende: P7 without school change. */
    c = raw(s, "2026-01", "sodermalm", F_STODBOENDE, B_SOL, X_ALL, A_ALL);
    expect_counts(&c, 1, 1, 0, 0, 0, 0);
    /* Legal basis: SoL P2 P3 P7 P8 = 4, LVU P1 P4 P5 P6 = 4 (children 1, 4, 5 = 3). */
    c = raw(s, "2026-01", "sodermalm", F_ALL, B_SOL, X_ALL, A_ALL);
    expect_counts(&c, 4, 4, 3, 3, 1, 0);
    c = raw(s, "2026-01", "sodermalm", F_ALL, B_LVU, X_ALL, A_ALL);
    expect_counts(&c, 4, 3, 4, 2, 0, 2);
    /* Sex: female P1 P3 P4 P6 P8 = 5 (children 1 3 5 7 = 4), male P2 P5 P7 = 3. */
    c = raw(s, "2026-01", "sodermalm", F_ALL, B_ALL, X_FEMALE, A_ALL);
    expect_counts(&c, 5, 4, 5, 4, 0, 1);
    expect_days(&c, 25, 7, 7); /* 0 2 3 7: (2 + 3) / 2 */
    c = raw(s, "2026-01", "sodermalm", F_ALL, B_ALL, X_MALE, A_ALL);
    expect_counts(&c, 3, 3, 2, 1, 1, 1);
    /* Age = start year - birth year: 6-12 P1 (12) P3 (6) P4 (12) P8 (11) = 4; 13-15 P5 (15);
     * 16-17 P2 (16) P7 (17); 18+ P6 (18); 0-5 none. */
    c = raw(s, "2026-01", "sodermalm", F_ALL, B_ALL, X_ALL, A_6_12);
    expect_counts(&c, 4, 3, 4, 4, 0, 0);
    c = raw(s, "2026-01", "sodermalm", F_ALL, B_ALL, X_ALL, A_13_15);
    expect_counts(&c, 1, 1, 1, 0, 0, 1);
    c = raw(s, "2026-01", "sodermalm", F_ALL, B_ALL, X_ALL, A_16_17);
    expect_counts(&c, 2, 2, 1, 1, 1, 0);
    c = raw(s, "2026-01", "sodermalm", F_ALL, B_ALL, X_ALL, A_18);
    expect_counts(&c, 1, 1, 1, 0, 0, 1);
    c = raw(s, "2026-01", "sodermalm", F_ALL, B_ALL, X_MALE, A_16_17);
    expect_counts(&c, 2, 2, 1, 1, 1, 0);
    c = raw(s, "2026-01", "sodermalm", F_ALL, B_ALL, X_ALL, A_0_5);
    expect_counts(&c, 0, 0, 0, 0, 0, 0);
    /* Kungsholmen: 10 15 30 days: median 15, p90 rank ceil(2.7) = 3: 30; over 14: 15 and 30. */
    c = raw(s, "2026-01", "kungsholmen", F_FAMILJEHEM, B_SOL, X_ALL, A_ALL);
    expect_counts(&c, 3, 3, 3, 3, 2, 0);
    expect_days(&c, 150, 30, 30);
    /* The city in January: 8 + 3 = 11 placements, 10 children, 10 with school change, 8 started:
     * 0 2 3 7 10 15 20 30 → median (7 + 10) / 2 = 8.5; p90 rank ceil(7.2) = 8: 30; over 14: 20,
     * 15, 30 = 3; not started 2. */
    c = raw(s, "2026-01", "all", F_ALL, B_ALL, X_ALL, A_ALL);
    expect_counts(&c, 11, 10, 10, 8, 3, 2);
    expect_days(&c, 85, 30, 30);
    /* February: P10 only (9 days). T1 = January + February = 12 placements, 11 children (the
     * same child in two months counts once). The year is T1 here. */
    c = raw(s, "2026-02", "all", F_ALL, B_ALL, X_ALL, A_ALL);
    expect_counts(&c, 1, 1, 1, 1, 0, 0);
    c = raw(s, "2026T1", "all", F_ALL, B_ALL, X_ALL, A_ALL);
    expect_counts(&c, 12, 11, 11, 9, 3, 2);
    expect_days(&c, 90, 30, 30); /* 0 2 3 7 9 10 15 20 30: the 5th = 9 */
    c = raw(s, "2026", "all", F_ALL, B_ALL, X_ALL, A_ALL);
    expect_counts(&c, 12, 11, 11, 9, 3, 2);
    /* Nothing of December 2025 or after the as-of date; 12 placements counted in the year. */
    assert_int_equal(hub_stats_notes_of(s)->placements, 12);
    c = raw(s, "2026-04", "all", F_ALL, B_ALL, X_ALL, A_ALL);
    expect_counts(&c, 0, 0, 0, 0, 0, 0);
    hub_stats_destroy(s);

    /* December 2025 holds P9, which started on the last day of the year. */
    s = build("2025", "2026-03-15", 5, false);
    c = raw(s, "2025-12", "sodermalm", F_ALL, B_ALL, X_ALL, A_ALL);
    expect_counts(&c, 1, 1, 1, 0, 0, 1);
    hub_stats_destroy(s);

    /* A later as-of date: P6's school start (2026-03-20) now counts, and P11 (2026-04-01). */
    s = build("2026", "2026-04-30", 5, false);
    c = raw(s, "2026-01", "sodermalm", F_ALL, B_ALL, X_ALL, A_ALL);
    expect_counts(&c, 8, 7, 7, 6, 2, 1); /* P6: 2026-03-20 - 2026-01-16 = 63 days */
    expect_days(&c, 50, 63, 63);         /* 0 2 3 7 20 63: (3 + 7) / 2 */
    assert_int_equal(hub_stats_notes_of(s)->placements, 13);
    hub_stats_destroy(s);

    /* A January report counts January only (11 placements) and publishes nothing else. */
    s = build("2026-01", "2026-04-30", 5, false);
    c = raw(s, "2026-01", "all", F_ALL, B_ALL, X_ALL, A_ALL);
    expect_counts(&c, 11, 10, 10, 9, 4, 1);
    assert_int_equal(hub_stats_notes_of(s)->placements, 11);
    assert_false(hub_stats_period_published(s, period("2026-02")));
    assert_false(hub_stats_period_published(s, period("2026T1")));
    assert_int_equal(hub_stats_get(s, &(struct hub_stats_key){period("2026T1"), 0, 0, 0, 0, 0}, &c),
                     HUB_EINVAL);
    hub_stats_destroy(s);
}

static void test_stats_leap_february_and_month_edges(void **state)
{
    (void)state;
    /* 2024 is a leap year: 2024-02-29 is February; 2024-02-28 → 2024-03-01 is 2 days. */
    place(31, 31, "farsta", 2012, "male", "started", "SoL", "jourhem", "2024-02-28", true);
    school(31, 31, "farsta", "2024-03-01");
    place(32, 32, "farsta", 2012, "male", "started", "SoL", "jourhem", "2024-02-29", true);
    school(32, 32, "farsta", "2024-03-02");
    place(33, 33, "farsta", 2012, "male", "started", "SoL", "jourhem", "2024-03-01", true);
    school(33, 33, "farsta", "2024-03-01");
    place(34, 34, "farsta", 2012, "male", "started", "SoL", "jourhem", "2024-01-31", true);
    hub_stats_t *s = build("2024", "2024-12-31", 5, false);
    struct hub_stats_cell c = raw(s, "2024-02", "farsta", F_ALL, B_ALL, X_ALL, A_ALL);
    expect_counts(&c, 2, 2, 2, 2, 0, 0);
    expect_days(&c, 20, 2, 2);
    c = raw(s, "2024-03", "farsta", F_ALL, B_ALL, X_ALL, A_ALL);
    expect_counts(&c, 1, 1, 1, 1, 0, 0);
    expect_days(&c, 0, 0, 0);
    c = raw(s, "2024-01", "farsta", F_ALL, B_ALL, X_ALL, A_ALL);
    expect_counts(&c, 1, 1, 1, 0, 0, 1);
    hub_stats_destroy(s);
}

/* Every published cell of period p in the cube. */
#define FOR_PUBLISHED(s, p, key)                                                                   \
    for (size_t d_ = 0; d_ < hub_stats_district_count(s); d_++)                                    \
        for (size_t f_ = 0; f_ < HUB_STATS_FORMS; f_++)                                            \
            for (size_t b_ = 0; b_ < HUB_STATS_BASES; b_++)                                        \
                for (size_t x_ = 0; x_ < HUB_STATS_SEXES; x_++)                                    \
                    for (size_t a_ = 0; a_ < HUB_STATS_AGES; a_++)                                 \
                        if ((key = (struct hub_stats_key){p, d_, f_, b_, x_, a_}),                 \
                            hub_stats_period_published(s, p) && hub_stats_key_published(&key) &&   \
                                hub_stats_district_in_period(s, p, d_))

static void test_stats_empty_month_and_a_month_where_every_count_is_hidden(void **state)
{
    (void)state;
    fixture_2026();
    hub_stats_t *s = build("2026-03", "2026-03-31", 5, false);
    struct hub_stats_key key;
    struct hub_stats_cell c, r;
    size_t cells = 0;

    /* March 2026 is empty: every district has its rows, all shown as zero. */
    FOR_PUBLISHED(s, period("2026-03"), key)
    {
        assert_int_equal(hub_stats_get(s, &key, &c), 0);
        /* zeros, shown or (as complements of February's and April's small counts, now that
         * the year is one publication) hidden */
        for (int i = 0; i < HUB_STATS__COUNTS; i++)
            assert_int_equal(c.count[i], 0);
        assert_true(c.days_mark != HUB_STATS_SHOWN);
        cells++;
    }
    /* a month: the city's 41 cells, each district's total */
    assert_int_equal(cells, 41 + 11);
    hub_stats_destroy(s);
    /* February 2026 has one placement: every non-zero count anywhere is hidden, no days shown;
     * the same in the tertial report, which shows February too. */
    for (int round = 0; round < 2; round++) {
        s = build(round == 0 ? "2026-02" : "2026T1", "2026-03-15", 5, false);
        cells = 0;
        FOR_PUBLISHED(s, period("2026-02"), key)
        {
            assert_int_equal(hub_stats_get(s, &key, &c), 0);
            assert_int_equal(hub_stats_get_unprotected(s, &key, &r), 0);
            for (int i = 0; i < HUB_STATS__COUNTS; i++) {
                if (r.count[i] > 0)
                    assert_int_not_equal(c.mark[i], HUB_STATS_SHOWN);
                if (c.mark[i] != HUB_STATS_SHOWN)
                    assert_int_equal(c.count[i], 0);
            }
            assert_int_not_equal(c.days_mark, HUB_STATS_SHOWN);
            cells++;
        }
        assert_int_equal(cells, 41 + 11);
        hub_stats_destroy(s);
    }
}

/* Whether the line (as published) has exactly one hidden cell and it is small: the line would
 * give it away. (One hidden cell that is not small — a zero or a complement — gives away nothing
 * the rule protects.) */
static bool lone_small(const hub_stats_t *s, const struct hub_stats_key *keys, size_t n, int which,
                       int64_t k);

/* Counts how many of the cells (as published) are hidden. */
static int hidden_in(const hub_stats_t *s, const struct hub_stats_key *keys, size_t n, int which)
{
    int hidden = 0;
    for (size_t i = 0; i < n; i++) {
        struct hub_stats_cell c;
        if (!hub_stats_key_published(&keys[i]))
            return 0; /* not a line the reader has */
        assert_int_equal(hub_stats_get(s, &keys[i], &c), 0);
        if (c.mark[which] == HUB_STATS_NOT_PUBLISHED)
            return 0;
        hidden += c.mark[which] != HUB_STATS_SHOWN;
    }
    return hidden;
}

static bool lone_small(const hub_stats_t *s, const struct hub_stats_key *keys, size_t n, int which,
                       int64_t k)
{
    if (hidden_in(s, keys, n, which) != 1)
        return false;
    for (size_t i = 0; i < n; i++) {
        struct hub_stats_cell c, r;
        assert_int_equal(hub_stats_get(s, &keys[i], &c), 0);
        assert_int_equal(hub_stats_get_unprotected(s, &keys[i], &r), 0);
        if (c.mark[which] == HUB_STATS_HIDDEN)
            return r.count[which] >= 1 && r.count[which] < k;
    }
    return false;
}

/* On the real cube: small counts are hidden ("x"), shown counts are exact and not small, and no
 * line of a published table (districts → city, forms → all, bases → all, sexes, ages, months →
 * tertial → year) has exactly one hidden cell. */
static void check_protection(const hub_stats_t *s, int64_t k)
{
    struct hub_stats_key key, line[32];
    size_t nd = hub_stats_district_count(s);

    for (size_t p = 0; p < HUB_STATS_PERIODS; p++) {
        FOR_PUBLISHED(s, p, key)
        {
            struct hub_stats_cell c, r;
            assert_int_equal(hub_stats_get(s, &key, &c), 0);
            assert_int_equal(hub_stats_get_unprotected(s, &key, &r), 0);
            for (int i = 0; i < HUB_STATS__COUNTS; i++) {
                if (c.mark[i] == HUB_STATS_NOT_PUBLISHED)
                    continue;
                if (r.count[i] >= 1 && r.count[i] < k)
                    assert_int_equal(c.mark[i], HUB_STATS_HIDDEN);
                if (c.mark[i] == HUB_STATS_SHOWN)
                    assert_int_equal(c.count[i], r.count[i]);
            }
            /* the days follow their base: a hidden number of school starts hides the days too */
            if (c.mark[HUB_STATS_SCHOOL_STARTED] == HUB_STATS_HIDDEN)
                assert_int_equal(c.days_mark, HUB_STATS_DAYS_WITHHELD);
            assert_int_equal(hub_stats_protection_of(s)->narrowed, 0);
            if (c.days_mark == HUB_STATS_NO_DATA)
                assert_true(c.mark[HUB_STATS_SCHOOL_STARTED] == HUB_STATS_SHOWN &&
                            c.count[HUB_STATS_SCHOOL_STARTED] == 0);
            /* each line starting at this cell as its total */
            for (int i = 0; i < HUB_STATS__COUNTS; i++) {
                size_t n;
                if (key.district == 0) { /* districts → city */
                    n = 0;
                    line[n++] = key;
                    for (size_t d = 1; d < nd; d++)
                        if (hub_stats_district_in_period(s, p, d))
                            line[n] = key, line[n++].district = d;
                    assert_false(lone_small(s, line, n, i, k));
                }
                if (key.form == 0 && key.sex == 0 && key.age == 0) { /* forms → all */
                    n = 0;
                    for (size_t f = 0; f < HUB_STATS_FORMS; f++)
                        line[n] = key, line[n++].form = f;
                    assert_false(lone_small(s, line, n, i, k));
                }
                if (key.basis == 0 && key.sex == 0 && key.age == 0) {
                    n = 0;
                    for (size_t b = 0; b < HUB_STATS_BASES; b++)
                        line[n] = key, line[n++].basis = b;
                    assert_false(lone_small(s, line, n, i, k));
                }
                if (key.sex == 0 && key.form == 0 && key.basis == 0) {
                    n = 0;
                    for (size_t x = 0; x < HUB_STATS_SEXES; x++)
                        line[n] = key, line[n++].sex = x;
                    assert_false(lone_small(s, line, n, i, k));
                }
                if (key.age == 0 && key.form == 0 && key.basis == 0) {
                    n = 0;
                    for (size_t a = 0; a < HUB_STATS_AGES; a++)
                        line[n] = key, line[n++].age = a;
                    assert_false(lone_small(s, line, n, i, k));
                }
                if (hub_stats_period_kind(p) != HUB_STATS_MONTH) { /* months/tertials → total */
                    n = 0;
                    line[n++] = key;
                    for (size_t q = 1; q < HUB_STATS_PERIODS; q++) {
                        bool child = p == 0 ? hub_stats_period_kind(q) == HUB_STATS_TERTIAL
                                            : q != p && hub_stats_period_within(q, p);
                        if (child && hub_stats_period_published(s, q) &&
                            hub_stats_district_in_period(s, q, key.district))
                            line[n] = key, line[n++].period = q;
                    }
                    assert_false(lone_small(s, line, n, i, k));
                }
            }
            /* with school change = started + not started */
            struct hub_stats_key one = key;
            int h = hidden_in(s, &one, 1, HUB_STATS_WITH_SCHOOL_CHANGE) +
                    hidden_in(s, &one, 1, HUB_STATS_SCHOOL_STARTED) +
                    hidden_in(s, &one, 1, HUB_STATS_NOT_STARTED);
            if (h == 1) /* the one hidden of the three is given away: it must not be small */
                for (int i = HUB_STATS_WITH_SCHOOL_CHANGE; i <= HUB_STATS_NOT_STARTED; i++)
                    if (i != HUB_STATS_OVER_THRESHOLD && hidden_in(s, &one, 1, i) == 1)
                        assert_false(r.count[i] >= 1 && r.count[i] < k);
            if (c.days_mark == HUB_STATS_SHOWN)
                assert_true(r.count[HUB_STATS_SCHOOL_STARTED] >= k);
        }
    }
}

static void test_stats_protection_holds_on_the_fixture_and_on_a_random_year(void **state)
{
    (void)state;
    fixture_2026();
    static const char *const scopes[] = {"2026", "2026T1", "2026-01", "2026-02"};
    for (int64_t k = 3; k <= 5; k++) {
        for (size_t i = 0; i < sizeof scopes / sizeof scopes[0]; i++) {
            hub_stats_t *s = build(scopes[i], "2026-03-15", k, false);
            check_protection(s, k);
            assert_int_equal(hub_stats_suppression_of(s)->classic_fixes, 0);
            hub_stats_destroy(s);
        }
    }
    /* A year of 1500 placements spread over the districts, forms, ages and months. */
    exec_sql("INSERT INTO hub.placements (placement_id, child, district, birth_year, legal_sex, "
             "action, legal_basis, placement_form, start_date, school_change, first_event_id, "
             "first_occurred_at, last_event_id, last_occurred_at, last_src_partition, "
             "last_src_offset) "
             "SELECT gen_random_uuid(), md5((g % 1300)::text), (ARRAY['bromma','farsta',"
             "'kungsholmen','sodermalm','jarva','skarholmen'])[1 + (g * 7) % 6], 2006 + g % 19, "
             "CASE WHEN g % 3 = 0 THEN 'male' ELSE 'female' END, 'started', CASE WHEN g % 4 = 0 "
             "THEN 'LVU' ELSE 'SoL' END, (ARRAY['jourhem','familjehem','hvb','stodboende',"
             "'skyddat_boende','sis','behandlingsfamilj'])[1 + (g * g) % 7], DATE '2025-01-01' + "
             "(g * 13) % 365, g % 5 <> 0, gen_random_uuid(), now(), gen_random_uuid(), now(), 0, "
             "g FROM generate_series(1, 1500) g");
    exec_sql("INSERT INTO hub.school_starts (event_id, placement_id, child, district, "
             "school_unit, school_form, start_date, occurred_at) SELECT gen_random_uuid(), "
             "placement_id, child, district, '12345678', 'grundskola', start_date + "
             "(abs(hashtext(placement_id::text)) % 40) - 3, now() FROM hub.placements WHERE "
             "school_change AND abs(hashtext(placement_id::text)) % 10 <> 0");
    static const char *const scopes2[] = {"2025", "2025T2", "2025-06"};
    for (size_t i = 0; i < sizeof scopes2 / sizeof scopes2[0]; i++) {
        hub_stats_t *s = build(scopes2[i], "2026-01-31", 5, false);
        check_protection(s, 5);
        assert_true(hub_stats_suppression_of(s)->primary > 0);
        assert_int_equal(hub_stats_suppression_of(s)->classic_fixes, 0);
        hub_stats_destroy(s);
    }
}

static void test_stats_districts_across_the_2023_merger(void **state)
{
    (void)state;
    /* R1 Rinkeby-Kista in March 2023; R2 Järva in August; R3 recorded under Rinkeby-Kista but
     * starting 2023-07-10, after the merger: counted under Järva; R4 recorded under Järva but
     * starting 2023-05-02, before Järva existed: kept under Järva (the successor cannot be split
     * back). */
    place(41, 41, "rinkeby-kista", 2012, "female", "started", "LVU", "hvb", "2023-03-10", false);
    place(42, 42, "jarva", 2012, "female", "started", "LVU", "hvb", "2023-08-05", false);
    place(43, 43, "rinkeby-kista", 2012, "female", "started", "LVU", "hvb", "2023-07-10", false);
    place(44, 44, "jarva", 2012, "female", "started", "LVU", "hvb", "2023-05-02", false);
    hub_stats_t *s = build("2023", "2026-03-15", 5, false);
    size_t rk = dist(s, "rinkeby-kista"), jarva = dist(s, "jarva");
    struct hub_stats_cell c;

    assert_true(hub_stats_district_in_period(s, period("2023-03"), rk));
    assert_false(hub_stats_district_in_period(s, period("2023-08"), rk));
    assert_false(hub_stats_district_in_period(s, period("2023-03"), jarva));
    assert_true(hub_stats_district_in_period(s, period("2023-05"), jarva)); /* R4 */
    assert_true(hub_stats_district_in_period(s, period("2023T2"), rk));     /* May, June */
    assert_false(hub_stats_district_in_period(s, period("2023T3"), rk));
    c = raw(s, "2023-03", "rinkeby-kista", F_ALL, B_ALL, X_ALL, A_ALL);
    assert_int_equal(c.count[HUB_STATS_PLACEMENTS], 1);
    c = raw(s, "2023-07", "jarva", F_ALL, B_ALL, X_ALL, A_ALL);
    assert_int_equal(c.count[HUB_STATS_PLACEMENTS], 1);
    c = raw(s, "2023T2", "jarva", F_ALL, B_ALL, X_ALL, A_ALL);
    assert_int_equal(c.count[HUB_STATS_PLACEMENTS], 3); /* R4 May, R3 July, R2 August */
    assert_int_equal(hub_stats_notes_of(s)->moved_forward, 1);
    assert_int_equal(hub_stats_notes_of(s)->kept_successor, 1);
    bool ended, began;
    struct hub_report_scope scope = {period("2023"), SIZE_MAX, 0, NULL};
    assert_true(hub_report_district_changed(s, &scope, rk, &ended, &began));
    assert_true(ended);
    scope.period = period("2023-03");
    assert_false(hub_report_district_changed(s, &scope, rk, &ended, &began));
    hub_stats_destroy(s);

    /* Today's districts: everything under Järva; Rinkeby-Kista is not a column. */
    s = build("2023", "2026-03-15", 5, true);
    jarva = dist(s, "jarva");
    assert_int_equal(hub_stats_district_find(s, "rinkeby-kista"), SIZE_MAX);
    assert_true(hub_stats_district_in_period(s, period("2023-03"), jarva));
    c = raw(s, "2023-03", "jarva", F_ALL, B_ALL, X_ALL, A_ALL);
    assert_int_equal(c.count[HUB_STATS_PLACEMENTS], 1);
    c = raw(s, "2023", "jarva", F_HVB, B_LVU, X_ALL, A_ALL);
    assert_int_equal(c.count[HUB_STATS_PLACEMENTS], 4);
    assert_int_equal(hub_stats_notes_of(s)->mapped_current, 2);
    hub_stats_destroy(s);
}

/* ---- the writers ---- */

static char *render(const hub_stats_t *s, enum hub_report_format fmt, const char *per,
                    size_t district)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct hub_report_scope scope = {period(per), district, INT64_C(1774000000000), NULL};
    struct hub_error err = {0};
    assert_non_null(f);
    assert_int_equal(hub_report_write(f, fmt, s, &scope, &err), 0);
    fclose(f);
    return buf;
}

static void test_report_writers_print_only_protected_values(void **state)
{
    (void)state;
    fixture_2026();
    hub_stats_t *s = build("2026-01", "2026-03-15", 3, false);
    struct hub_stats_cell c;
    char line[512], med[HUB_REPORT_TEXT_MAX];
    char *csv, *json, *html, *one;

    /* CSV: BOM, header, one row per form × basis for the city's month (8 × 3), one per
     * district (its total). */
    csv = render(s, HUB_REPORT_CSV, "2026-01", SIZE_MAX);
    assert_memory_equal(csv, "\xEF\xBB\xBF", 3);
    static const char header[] =
        "period,district,district_name,placement_form,legal_basis,placements_started,"
        "children_placed,with_school_change,school_started,days_median,days_p90,days_max,"
        "over_threshold,not_started\r\n";
    assert_memory_equal(csv + 3, header, sizeof header - 1);
    size_t rows = 0;
    for (const char *p = csv; (p = strstr(p, "\r\n")) != NULL; p += 2)
        rows++;
    assert_int_equal(rows, 1 + 8 * 3 + 11);
    /* the city row, built from the protected cell */
    assert_int_equal(
        hub_stats_get(s, &(struct hub_stats_key){period("2026-01"), 0, 0, 0, 0, 0}, &c), 0);
    char t[6][HUB_REPORT_TEXT_MAX];
    for (int i = 0; i < HUB_STATS__COUNTS; i++)
        hub_report_count_text(&c, (enum hub_stats_count)i, 3, t[i]);
    hub_report_median_text(c.days_median_x10, '.', med);
    char days[3 * HUB_REPORT_TEXT_MAX] = ",,"; /* not shown: empty fields */
    if (c.days_mark == HUB_STATS_SHOWN)
        snprintf(days, sizeof days, "%s,%lld,%lld", med, (long long)c.days_p90,
                 (long long)c.days_max);
    snprintf(line, sizeof line, "\r\n2026-01,all,Hela staden,all,all,%s,%s,%s,%s,%s,%s,%s\r\n",
             t[0], t[1], t[2], t[3], days, t[4], t[5]);
    assert_non_null(strstr(csv, line));
    /* A district's month detail is not published; the city's HVB LVU row carries placements
     * (2, hidden) and nothing of the school-start family, which is for totals only. */
    assert_null(strstr(csv, ",sodermalm,Södermalm,hvb,"));
    const char *hvb = strstr(csv, "\r\n2026-01,all,Hela staden,hvb,LVU,x,,,,,,,,\r\n");
    assert_non_null(hvb);
    assert_null(strstr(csv, child_id(1)));
    /* a tertial: its four months and itself; one district only */
    hub_stats_t *t1 = build("2026T1", "2026-03-15", 3, false);
    one = render(t1, HUB_REPORT_CSV, "2026T1", dist(t1, "sodermalm"));
    hub_stats_destroy(t1);
    rows = 0;
    for (const char *p = one; (p = strstr(p, "\r\n")) != NULL; p += 2)
        rows++;
    assert_int_equal(rows, 1 + 8 * 3 + 4); /* the tertial's detail, each month's total */
    assert_null(strstr(one, ",kungsholmen,"));
    assert_null(strstr(one, ",all,Hela staden,"));
    free(one);

    /* JSON: parses; metadata; both tables; nothing hidden leaks as a number. */
    json = render(s, HUB_REPORT_JSON, "2026-01", SIZE_MAX);
    json_error_t jerr;
    json_t *doc = json_loads(json, 0, &jerr);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "k")), 3);
    assert_int_equal(json_integer_value(json_object_get(doc, "threshold_days")), 14);
    assert_string_equal(json_string_value(json_object_get(doc, "as_of")), "2026-03-15");
    assert_string_equal(json_string_value(json_object_get(doc, "definitions_version")),
                        HUB_STATS_DEFINITIONS_VERSION);
    /* the city's month in full, each district's total */
    assert_int_equal(json_array_size(json_object_get(doc, "rows")), 8 * 3 + 11);
    assert_int_equal(json_array_size(json_object_get(doc, "by_sex_age")), 3 * 6 + 11);
    json_t *row0 = json_array_get(json_object_get(doc, "rows"), 0);
    json_t *p0 = json_object_get(row0, "placements_started"); /* 11, shown or hidden */
    assert_true(json_is_null(p0) || json_integer_value(p0) == 11);
    if (c.days_mark == HUB_STATS_SHOWN)
        assert_true(json_real_value(json_object_get(row0, "days_median")) ==
                    (double)c.days_median_x10 / 10.0);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(doc, "rows"), i, row)
    {
        json_t *v = json_object_get(row, "not_started"), *h = json_object_get(row, "hidden");
        if (json_is_integer(v))
            assert_false(json_integer_value(v) >= 1 && json_integer_value(v) < 3);
        else
            assert_non_null(json_object_get(h, "not_started"));
    }
    json_decref(doc);
    assert_null(strstr(json, child_id(1)));

    /* HTML: Swedish, self-contained, states k and the as-of date. */
    html = render(s, HUB_REPORT_HTML, "2026-01", SIZE_MAX);
    assert_non_null(strstr(html, "<html lang=\"sv\">"));
    assert_non_null(strstr(html, "<span id=\"as-of\">2026-03-15</span>"));
    assert_non_null(strstr(html, "<span id=\"k\">3</span>"));
    assert_non_null(strstr(html, "<svg"));
    assert_non_null(strstr(html, "Månadsrapport januari 2026"));
    assert_null(strstr(html, "http://"
                             "www.w3.org/1999/xhtml")); /* no external refs needed */
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, child_id(1)));
    free(html);
    free(json);
    free(csv);
    hub_stats_destroy(s);
}

static void test_stats_period_parse_and_district_month(void **state)
{
    (void)state;
    int y;
    size_t p;
    struct hub_error err = {0};
    char label[HUB_STATS_PERIOD_LABEL_MAX];
    assert_int_equal(hub_stats_period_parse("2026-01", &y, &p, &err), 0);
    assert_int_equal(y, 2026);
    assert_int_equal(hub_stats_period_kind(p), HUB_STATS_MONTH);
    assert_int_equal(hub_stats_period_parse("2026T3", &y, &p, &err), 0);
    assert_int_equal(p, 3);
    assert_int_equal(hub_stats_period_parse("2026", &y, &p, &err), 0);
    assert_int_equal(p, 0);
    assert_int_equal(hub_stats_period_parse("2026-13", &y, &p, &err), HUB_EINVAL);
    assert_int_equal(hub_stats_period_parse("2026T4", &y, &p, &err), HUB_EINVAL);
    assert_int_equal(hub_stats_period_parse("26-01", &y, &p, &err), HUB_EINVAL);
    hub_stats_period_label(2026, 5, label);
    assert_string_equal(label, "2026-02");
    int32_t first, last;
    hub_stats_period_range(2024, 2, &first, &last); /* T2: May..August */
    assert_int_equal(first, day("2024-05-01"));
    assert_int_equal(last, day("2024-08-31"));
    hub_stats_period_range(2024, 5, &first, &last);
    assert_int_equal(last, day("2024-02-29"));

    fixture_2026();
    hub_stats_t *s = build("2026-01", "2026-03-15", 3, false);
    struct hub_stats_district_month dm;
    struct hub_stats_cell c;
    size_t sod = dist(s, "sodermalm");
    assert_int_equal(hub_stats_district_month(s, sod, 1, &dm, &err), 0);
    assert_string_equal(dm.period, "2026-01");
    assert_string_equal(dm.district, "sodermalm");
    assert_int_equal(
        hub_stats_get(s, &(struct hub_stats_key){period("2026-01"), sod, 0, 0, 0, 0}, &c), 0);
    assert_memory_equal(&dm.by_form_basis[0][0], &c, sizeof c);
    /* a district's month detail is not published: the record's cell reads hidden */
    assert_int_equal(
        hub_stats_get(s, &(struct hub_stats_key){period("2026-01"), sod, 2, 1, 0, 0}, &c),
        HUB_EINVAL);
    assert_int_equal(dm.by_form_basis[2][1].mark[HUB_STATS_PLACEMENTS], HUB_STATS_HIDDEN);
    assert_int_equal(dm.by_sex_age[1][2].mark[HUB_STATS_PLACEMENTS], HUB_STATS_HIDDEN);
    assert_int_equal(
        hub_stats_get(s, &(struct hub_stats_key){period("2026-01"), 0, 2, 1, 0, 0}, &c), 0);
    assert_int_equal(hub_stats_district_month(s, 0, 1, &dm, &err), 0);
    assert_memory_equal(&dm.by_form_basis[2][1], &c, sizeof c);
    assert_int_equal(hub_stats_district_month(s, 0, 13, &dm, &err), HUB_EINVAL);
    assert_int_equal(hub_stats_district_month(s, 0, 2, &dm, &err), HUB_EINVAL);
    hub_stats_destroy(s);
}

int main(void)
{
    const char *host = getenv("HUB_TEST_PGHOST");
    const char *require = getenv("HUB_TEST_REQUIRE_ALL");

    if (!host || !*host) {
        if (require && strcmp(require, "1") == 0) {
            fprintf(stderr, "FAIL: stats_test: HUB_TEST_PGHOST is not set, but "
                            "HUB_TEST_REQUIRE_ALL=1 requires the PostgreSQL tests to run\n");
            return 1;
        }
        fprintf(stderr, "\n*** SKIPPED: stats_test: no test PostgreSQL: HUB_TEST_PGHOST is not "
                        "set (run tests with deploy/test.sh) ***\n\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_stats_january_counts_days_and_first_school_start,
                               empty_read_model),
        cmocka_unit_test_setup(test_stats_leap_february_and_month_edges, empty_read_model),
        cmocka_unit_test_setup(test_stats_empty_month_and_a_month_where_every_count_is_hidden,
                               empty_read_model),
        cmocka_unit_test_setup(test_stats_protection_holds_on_the_fixture_and_on_a_random_year,
                               empty_read_model),
        cmocka_unit_test_setup(test_stats_districts_across_the_2023_merger, empty_read_model),
        cmocka_unit_test_setup(test_report_writers_print_only_protected_values, empty_read_model),
        cmocka_unit_test_setup(test_stats_period_parse_and_district_month, empty_read_model),
    };
    return cmocka_run_group_tests_name("stats", tests, group_setup, group_teardown);
}
