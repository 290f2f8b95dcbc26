/*
 * rmstore_test.c — migrations and the read-model store against a real PostgreSQL.
 *
 * The server comes from HUB_TEST_PGHOST (+ HUB_TEST_PGPORT, HUB_TEST_PGDATABASE, HUB_TEST_PGUSER),
 * as deploy/test.sh and tests/integration/lib.sh set them. The test connects to that database only
 * to create a private one (hub_rmtest_<pid>, dropped at the end), so it can run next to other
 * tests. Without HUB_TEST_PGHOST it exits 77 (skipped), or fails under HUB_TEST_REQUIRE_ALL=1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hub/core/config.h"
#include "hub/pg/migrate.h"
#include "hub/pg/pg.h"
#include "hub/readmodel/rmstore.h"

#define GROUP "hub-readmodel-test"
#define CHILD_A "4f1c9e0b7d2a6385c1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8"
#define CHILD_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define D0 20454                  /* 2026-01-01 as days since 1970-01-01 */
#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z in ms */
#define HOUR INT64_C(3600000)
#define DAY (24 * HOUR)
#define TRICKY_NAME "Åsa \"Sassa\" Öberg, {kurator} \\ NULL"

static struct {
    PGconn *admin; /* on HUB_TEST_PGDATABASE, to create and drop ours */
    char dbname[64];
    PGconn *conn;
    hub_rmstore_t *store;
    char migdir[4096];
    int n_files, max_version;
} G;

/* ---- helpers ---- */

static int make_config(const char *dbname, hub_config_t **cfg)
{
    struct hub_error err = {0};
    const char *host = getenv("HUB_TEST_PGHOST");
    const char *port = getenv("HUB_TEST_PGPORT");
    const char *user = getenv("HUB_TEST_PGUSER");
    int rc = hub_config_load(NULL, cfg, &err);

    if (rc == 0)
        rc = hub_config_set(*cfg, "pg.host", host, "test", &err);
    if (rc == 0 && port && *port)
        rc = hub_config_set(*cfg, "pg.port", port, "test", &err);
    if (rc == 0 && user && *user)
        rc = hub_config_set(*cfg, "pg.user", user, "test", &err);
    if (rc == 0)
        rc = hub_config_set(*cfg, "pg.dbname", dbname, "test", &err);
    if (rc)
        fprintf(stderr, "rmstore_test: config: %s\n", err.msg);
    return rc;
}

static PGconn *connect_db(const char *dbname)
{
    hub_config_t *cfg = NULL;
    PGconn *conn = NULL;
    struct hub_error err = {0};

    if (make_config(dbname, &cfg) != 0)
        return NULL;
    if (hub_pg_connect(cfg, &conn, &err) != 0)
        fprintf(stderr, "rmstore_test: %s\n", err.msg);
    hub_config_destroy(cfg);
    return conn;
}

static void exec_on(PGconn *conn, const char *sql)
{
    struct hub_error err = {0};
    int rc = hub_pg_exec(conn, "test statement", sql, 0, NULL, NULL, &err);
    if (rc)
        fail_msg("%s\n  in: %s", err.msg, sql);
}

static void exec_sql(const char *sql)
{
    exec_on(G.conn, sql);
}

/* The first column of the first row of `sql` (NULL-terminated text parameters follow), as text:
 * "<null>" for NULL, "<none>" without rows. Eight rotating buffers. */
static const char *q(const char *sql, ...)
{
    static char bufs[8][2048];
    static unsigned next;
    char *buf = bufs[next++ % 8];
    const char *params[8];
    int np = 0;
    va_list ap;
    PGresult *res = NULL;
    struct hub_error err = {0};

    va_start(ap, sql);
    for (const char *p; np < 8 && (p = va_arg(ap, const char *)) != NULL;)
        params[np++] = p;
    va_end(ap);
    if (hub_pg_exec(G.conn, "test query", sql, np, params, &res, &err) != 0)
        fail_msg("%s\n  in: %s", err.msg, sql);
    if (PQntuples(res) == 0)
        snprintf(buf, 2048, "<none>");
    else if (PQgetisnull(res, 0, 0))
        snprintf(buf, 2048, "<null>");
    else
        snprintf(buf, 2048, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return buf;
}

static long long qi(const char *sql, ...)
{
    const char *params[8] = {0};
    int np = 0;
    va_list ap;
    va_start(ap, sql);
    for (const char *p; np < 8 && (p = va_arg(ap, const char *)) != NULL;)
        params[np++] = p;
    va_end(ap);
    const char *v = q(sql, params[0], params[1], params[2], params[3], params[4], params[5],
                      params[6], params[7], NULL);
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (end == v || *end)
        fail_msg("not a number: '%s' from %s", v, sql);
    return n;
}

static long long count(const char *table_sql)
{
    return qi(table_sql, NULL);
}

/* Ids: events 00000000-…-<n>, placements aaaaaaaa-…-<n>, handovers bbbbbbbb-…-<n>. */
static const char *uid(unsigned kind, unsigned n)
{
    static char bufs[16][HUB_UUID_STR];
    static unsigned next;
    char *b = bufs[next++ % 16];
    snprintf(b, HUB_UUID_STR, "%08x-0000-4000-8000-%012x", kind, n);
    return b;
}
#define EID(n) uid(0x0u, (n))
#define PID(n) uid(0xaaaaaaaau, (n))
#define HID(n) uid(0xbbbbbbbbu, (n))

static const char *num(long long v)
{
    static char bufs[8][24];
    static unsigned next;
    char *b = bufs[next++ % 8];
    snprintf(b, 24, "%lld", v);
    return b;
}

static void set(char *dst, size_t n, const char *s)
{
    snprintf(dst, n, "%s", s);
}

static void common(struct hub_event *ev, unsigned eid, int64_t occurred, const char *child)
{
    set(ev->common.event_id, sizeof ev->common.event_id, EID(eid));
    ev->common.occurred_at = occurred;
    set(ev->common.district, sizeof ev->common.district, "sodermalm");
    set(ev->common.child, sizeof ev->common.child, child);
    ev->common.birth_year = 2014;
    ev->common.legal_sex = HUB_SEX_FEMALE;
}

static void mk_placement(struct hub_event *ev, unsigned eid, unsigned pid,
                         enum hub_placement_action action, int64_t occurred, int32_t start)
{
    hub_event_init(ev, HUB_EV_PLACEMENT);
    common(ev, eid, occurred, CHILD_A);
    struct hub_placement *p = &ev->u.placement;
    set(p->placement_id, sizeof p->placement_id, PID(pid));
    p->action = action;
    p->legal_basis = HUB_BASIS_LVU;
    p->placement_form = HUB_FORM_FAMILJEHEM;
    p->start_date = start;
    p->school_change = true;
    p->has_placement_municipality = true;
    set(p->placement_municipality, sizeof p->placement_municipality, "0180");
}

static void mk_school_start(struct hub_event *ev, unsigned eid, unsigned pid, int64_t occurred,
                            int32_t start, const char *unit)
{
    hub_event_init(ev, HUB_EV_SCHOOL_START);
    common(ev, eid, occurred, CHILD_A);
    struct hub_school_start *s = &ev->u.school_start;
    set(s->placement_id, sizeof s->placement_id, PID(pid));
    set(s->school_unit, sizeof s->school_unit, unit);
    s->school_form = HUB_SCHOOL_GRUNDSKOLA;
    s->start_date = start;
}

static uint8_t SEALED[] = {1, 2, 3};

static void mk_handover(struct hub_event *ev, unsigned eid, unsigned hid, unsigned pid,
                        int64_t occurred, int32_t planned)
{
    hub_event_init(ev, HUB_EV_HANDOVER);
    common(ev, eid, occurred, CHILD_A);
    struct hub_handover *h = &ev->u.handover;
    set(h->handover_id, sizeof h->handover_id, HID(hid));
    set(h->placement_id, sizeof h->placement_id, PID(pid));
    set(h->receiving_school_unit, sizeof h->receiving_school_unit, "87654321");
    h->planned_start_date = planned;
    h->legal_ground = HUB_GROUND_CONSENT_GUARDIAN;
    set(h->contact.name, sizeof h->contact.name, TRICKY_NAME);
    set(h->contact.role, sizeof h->contact.role, "socialsekreterare");
    set(h->contact.phone, sizeof h->contact.phone, "+46 8 123 456");
    set(h->contact.email, sizeof h->contact.email, "asa@example.se");
    h->sealed_content = SEALED; /* borrowed; these events are never cleared */
    h->sealed_content_len = sizeof SEALED;
}

static void mk_receipt(struct hub_event *ev, unsigned eid, unsigned hid, int64_t occurred)
{
    hub_event_init(ev, HUB_EV_HANDOVER_RECEIPT);
    common(ev, eid, occurred, CHILD_A);
    struct hub_handover_receipt *r = &ev->u.receipt;
    set(r->handover_id, sizeof r->handover_id, HID(hid));
    set(r->school_unit, sizeof r->school_unit, "87654321");
    r->status = HUB_RECEIPT_ACKNOWLEDGED;
    r->at = occurred - 1000;
    r->has_detail = true;
    set(r->detail, sizeof r->detail, "mottaget av \"rektor\"");
}

static void mk_contact_change(struct hub_event *ev, unsigned eid, int64_t occurred)
{
    hub_event_init(ev, HUB_EV_CONTACT_CHANGE);
    common(ev, eid, occurred, "");
    struct hub_contact_change *k = &ev->u.contact_change;
    set(k->old_contact.name, sizeof k->old_contact.name, TRICKY_NAME);
    set(k->old_contact.role, sizeof k->old_contact.role, "");
    set(k->new_contact.name, sizeof k->new_contact.name, "Bo \\\"B\\\" Ek");
    set(k->new_contact.email, sizeof k->new_contact.email, "bo@example.se");
    k->n_school_units = 2;
    set(k->school_units[0], sizeof k->school_units[0], "12345678");
    set(k->school_units[1], sizeof k->school_units[1], "23456789");
    k->n_placements = 2;
    set(k->placements[0], sizeof k->placements[0], PID(1));
    set(k->placements[1], sizeof k->placements[1], PID(2));
    k->effective_date = D0 + 3;
}

/* A follow-up of placement `pid`, reviewed on day `review`, reported `occurred`. */
static void mk_follow_up(struct hub_event *ev, unsigned eid, unsigned pid, int64_t occurred,
                         int32_t review, enum hub_goals goals)
{
    hub_event_init(ev, HUB_EV_FOLLOW_UP);
    common(ev, eid, occurred, CHILD_A);
    struct hub_follow_up *f = &ev->u.follow_up;
    set(f->placement_id, sizeof f->placement_id, PID(pid));
    f->review_date = review;
    f->school_form = HUB_FU_GRUNDSKOLA;
    f->grade_year = 9;
    f->attendance = HUB_ATT_80_89;
    f->knowledge_goals = goals;
    f->has_eligible = true;
    f->eligible = goals == HUB_GOALS_REACHED;
}

/* The fixed batch: 3 placements, 4 school starts (one before its placement starts, one whose
 * placement has not arrived), a handover, a receipt and a contact change. */
#define FIXED_N 10
static struct hub_event FIXED[FIXED_N];
static struct hub_rm_item FIXED_ITEMS[FIXED_N];

static void fixed_batch(int64_t offset_shift)
{
    static const char *const topic[FIXED_N] = {
        "placement-events",    "school-start-events", "school-start-events", "placement-events",
        "school-start-events", "placement-events",    "school-start-events", "handover-events",
        "handover-receipts",   "contact-changes"};
    static const int64_t offset[FIXED_N] = {10, 5, 6, 11, 7, 12, 8, 0, 0, 0};

    mk_placement(&FIXED[0], 1, 1, HUB_ACTION_STARTED, T0 + HOUR + 123, D0 + 9);
    mk_school_start(&FIXED[1], 2, 1, T0 + 2 * HOUR, D0 + 19, "11111111");
    mk_school_start(&FIXED[2], 3, 1, T0 + 3 * HOUR, D0 + 14, "22222222");
    mk_placement(&FIXED[3], 4, 2, HUB_ACTION_STARTED, T0 + HOUR, D0 + 31);
    FIXED[3].u.placement.has_placement_municipality = false;
    mk_school_start(&FIXED[4], 5, 2, T0 + HOUR, D0 + 24, "33333333");
    mk_placement(&FIXED[5], 6, 3, HUB_ACTION_STARTED, T0 + HOUR, D0 + 40);
    mk_school_start(&FIXED[6], 7, 4, T0 + HOUR, D0 + 50, "44444444");
    mk_handover(&FIXED[7], 8, 1, 1, T0 + 5 * HOUR, D0 + 14);
    mk_receipt(&FIXED[8], 9, 1, T0 + 6 * HOUR);
    mk_contact_change(&FIXED[9], 10, T0 + 7 * HOUR);
    for (size_t i = 0; i < FIXED_N; i++)
        FIXED_ITEMS[i] =
            (struct hub_rm_item){&FIXED[i], topic[i], 0, offset[i] + offset_shift, false};
}

static int apply(const struct hub_rm_item *items, size_t n, const struct hub_rm_offset *offs,
                 size_t n_off, struct hub_rm_stats *stats)
{
    struct hub_error err = {0};
    int rc = hub_rmstore_apply(G.store, items, n, offs, n_off, stats, &err);
    if (rc)
        fprintf(stderr, "rmstore_test: apply: %s (%s)\n", err.msg, hub_err_name(rc));
    return rc;
}

static int64_t load_offset(hub_rmstore_t *store, const char *topic, int32_t partition)
{
    struct hub_error err = {0};
    int64_t next = -2;
    if (hub_rmstore_load_offset(store, topic, partition, &next, &err) != 0)
        fail_msg("load offset: %s", err.msg);
    return next;
}

static const char SQL_DIGEST[] =
    "SELECT md5(concat_ws('|',"
    " (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM hub.placements t),"
    " (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM hub.school_starts t),"
    " (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM hub.handovers t),"
    " (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM hub.handover_receipts t),"
    " (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM hub.contact_changes t),"
    " (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM hub.processed_events t)))";

static const char SQL_ALL_ROWS[] =
    "SELECT (SELECT count(*) FROM hub.placements) + (SELECT count(*) FROM hub.school_starts)"
    " + (SELECT count(*) FROM hub.handovers) + (SELECT count(*) FROM hub.handover_receipts)"
    " + (SELECT count(*) FROM hub.contact_changes) + (SELECT count(*) FROM hub.processed_events)";

static int count_migration_files(const char *dir, int *max_version)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    *max_version = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0) {
            int v = (int)strtol(e->d_name, NULL, 10);
            n++;
            if (v > *max_version)
                *max_version = v;
        }
    }
    closedir(d);
    return n;
}

/* ---- fixtures ---- */

static int create_db(const char *name)
{
    char *ident = PQescapeIdentifier(G.admin, name, strlen(name));
    char sql[256];
    struct hub_error err = {0};
    int rc;

    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", ident);
    rc = hub_pg_exec(G.admin, "drop test database", sql, 0, NULL, NULL, &err);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", ident);
    if (rc == 0)
        rc = hub_pg_exec(G.admin, "create test database", sql, 0, NULL, NULL, &err);
    PQfreemem(ident);
    if (rc)
        fprintf(stderr, "rmstore_test: %s (the test user needs CREATEDB)\n", err.msg);
    return rc;
}

static void drop_db(const char *name)
{
    char *ident = PQescapeIdentifier(G.admin, name, strlen(name));
    char sql[256];
    struct hub_error err = {0};

    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", ident);
    if (hub_pg_exec(G.admin, "drop test database", sql, 0, NULL, NULL, &err) != 0)
        fprintf(stderr, "rmstore_test: %s\n", err.msg);
    PQfreemem(ident);
}

static int group_setup(void **state)
{
    (void)state;
    struct hub_error err = {0};
    const char *db = getenv("HUB_TEST_PGDATABASE");
    int applied = -1;

    G.admin = connect_db(db && *db ? db : "hub");
    if (!G.admin)
        return -1;
    snprintf(G.dbname, sizeof G.dbname, "hub_rmtest_%ld", (long)getpid());
    if (create_db(G.dbname) != 0)
        return -1;
    G.conn = connect_db(G.dbname);
    if (!G.conn || hub_migrate_default_dir(G.migdir, sizeof G.migdir) != 0)
        return -1;
    G.n_files = count_migration_files(G.migdir, &G.max_version);
    if (G.n_files <= 0) {
        fprintf(stderr, "rmstore_test: no migrations in %s\n", G.migdir);
        return -1;
    }
    if (hub_migrate(G.conn, G.migdir, &applied, &err) != 0) {
        fprintf(stderr, "rmstore_test: migrate: %s\n", err.msg);
        return -1;
    }
    if (applied != G.n_files) {
        fprintf(stderr, "rmstore_test: first migrate applied %d of %d\n", applied, G.n_files);
        return -1;
    }
    if (hub_rmstore_new(G.conn, GROUP, &G.store, &err) != 0) {
        fprintf(stderr, "rmstore_test: store: %s\n", err.msg);
        return -1;
    }
    exec_sql("CREATE FUNCTION public.hub_test_fail() RETURNS trigger LANGUAGE plpgsql AS "
             "$$BEGIN RAISE EXCEPTION 'forced failure'; END$$");
    exec_sql("CREATE FUNCTION public.hub_test_deadlock() RETURNS trigger LANGUAGE plpgsql AS "
             "$$BEGIN RAISE EXCEPTION 'forced deadlock' USING ERRCODE = '40P01'; END$$");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    hub_rmstore_destroy(G.store);
    PQfinish(G.conn);
    if (G.admin && G.dbname[0])
        drop_db(G.dbname);
    PQfinish(G.admin);
    return 0;
}

/* Every test starts from an empty read model and no offsets. */
static int empty_read_model(void **state)
{
    (void)state;
    struct hub_error err = {0};
    if (hub_rmstore_reset(G.store, &err) != 0) {
        fprintf(stderr, "rmstore_test: reset: %s\n", err.msg);
        return -1;
    }
    exec_sql("DELETE FROM hub.consumer_offsets");
    return 0;
}

/* ---- migrations ---- */

static void test_migrate_twice_is_a_noop(void **state)
{
    (void)state;
    struct hub_error err = {0};
    int applied = -1, version = -1;
    assert_int_equal(hub_migrate(G.conn, G.migdir, &applied, &err), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(hub_migrate_version(G.conn, &version, &err), 0);
    assert_int_equal(version, G.max_version);
    assert_int_equal(count("SELECT count(*) FROM hub.schema_migrations"), G.n_files);
    assert_string_equal(q("SELECT name FROM hub.schema_migrations WHERE version = 1", NULL),
                        "001_readmodel.sql");
}

static void test_migrate_refuses_a_newer_database(void **state)
{
    (void)state;
    struct hub_error err = {0};
    int applied = -1;
    const char *newer = num(G.max_version + 1);
    q("INSERT INTO hub.schema_migrations (version, name) VALUES ($1::int, 'from the future')"
      " RETURNING version",
      newer, NULL);
    assert_int_equal(hub_migrate(G.conn, G.migdir, &applied, &err), HUB_EPG_SCHEMA);
    assert_int_equal(err.code, HUB_EPG_SCHEMA);
    assert_non_null(strstr(err.msg, "newer than the newest migration"));
    assert_int_equal(applied, 0);
    q("DELETE FROM hub.schema_migrations WHERE version = $1::int RETURNING version", newer, NULL);
    assert_int_equal(hub_migrate(G.conn, G.migdir, &applied, &err), 0);
}

static void test_migrate_from_several_processes_at_once_is_safe(void **state)
{
    (void)state;
    enum { WORKERS = 4 };
    char name[sizeof G.dbname + 8];
    pid_t pids[WORKERS];
    int total = 0;

    snprintf(name, sizeof name, "%s_c", G.dbname);
    assert_int_equal(create_db(name), 0);
    for (int i = 0; i < WORKERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            struct hub_error err = {0};
            int applied = 0, rc;
            PGconn *c = connect_db(name);
            rc = c ? hub_migrate(c, G.migdir, &applied, &err) : HUB_EPG_CONNECT;
            if (rc)
                fprintf(stderr, "worker %d: %s\n", i, err.msg);
            PQfinish(c);
            _exit(rc ? 100 : applied);
        }
    }
    for (int i = 0; i < WORKERS; i++) {
        int st = 0;
        assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
        assert_true(WIFEXITED(st));
        assert_true(WEXITSTATUS(st) < 100);
        total += WEXITSTATUS(st);
    }
    assert_int_equal(total, G.n_files); /* each file applied exactly once */
    PGconn *c = connect_db(name);
    assert_non_null(c);
    PGresult *res = PQexec(c, "SELECT count(*) FROM hub.schema_migrations");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_int_equal(strtol(PQgetvalue(res, 0, 0), NULL, 10), G.n_files);
    PQclear(res);
    PQfinish(c);
    drop_db(name);
}

/* ---- applying batches ---- */

static void test_fixed_batch_gives_exact_rows_and_days(void **state)
{
    (void)state;
    struct hub_rm_stats st;
    const struct hub_rm_offset offs[] = {
        {"placement-events", 0, 13}, {"school-start-events", 0, 9}, {"handover-events", 0, 1}};

    fixed_batch(0);
    assert_int_equal(apply(FIXED_ITEMS, FIXED_N, offs, 3, &st), 0);
    assert_int_equal(st.applied, FIXED_N);
    assert_int_equal(st.duplicates, 0);
    assert_int_equal(st.bad_item, HUB_RM_NO_ITEM);

    assert_int_equal(count("SELECT count(*) FROM hub.placements"), 3);
    assert_int_equal(count("SELECT count(*) FROM hub.school_starts"), 4);
    assert_int_equal(count("SELECT count(*) FROM hub.handovers"), 1);
    assert_int_equal(count("SELECT count(*) FROM hub.handover_receipts"), 1);
    assert_int_equal(count("SELECT count(*) FROM hub.contact_changes"), 1);
    assert_int_equal(count("SELECT count(*) FROM hub.processed_events"), FIXED_N);

    /* Placement 1, column by column. */
    assert_string_equal(
        q("SELECT concat_ws('|', child, district, age_group, legal_sex, action, legal_basis,"
          " placement_form, start_date - DATE '1970-01-01', coalesce(end_date::text, '-'),"
          " school_change, placement_municipality, first_event_id, last_event_id,"
          " last_src_partition, last_src_offset,"
          " (extract(epoch FROM last_occurred_at) * 1000)::bigint,"
          " (extract(epoch FROM first_occurred_at) * 1000)::bigint)"
          " FROM hub.placements WHERE placement_id = $1",
          PID(1), NULL),
        CHILD_A "|sodermalm|6-12|female|started|LVU|familjehem|20463|-|t|0180|"
                "00000000-0000-4000-8000-000000000001|00000000-0000-4000-8000-000000000001|0|10|"
                "1767229200123|1767229200123");
    assert_string_equal(q("SELECT coalesce(placement_municipality, '<null>') FROM hub.placements"
                          " WHERE placement_id = $1",
                          PID(2), NULL),
                        "<null>");

    /* The view: earliest school start wins; before the placement counts 0; none is NULL; a
     * school start without its placement is kept but not in the view yet. */
    assert_string_equal(q("SELECT concat_ws('|', days_to_school_start, school_unit,"
                          " school_start_date - DATE '1970-01-01', school_start_event_id)"
                          " FROM hub.placement_first_school_start WHERE placement_id = $1",
                          PID(1), NULL),
                        "5|22222222|20468|00000000-0000-4000-8000-000000000003");
    assert_string_equal(q("SELECT days_to_school_start FROM hub.placement_first_school_start"
                          " WHERE placement_id = $1",
                          PID(2), NULL),
                        "0");
    assert_string_equal(q("SELECT days_to_school_start FROM hub.placement_first_school_start"
                          " WHERE placement_id = $1",
                          PID(3), NULL),
                        "<null>");
    assert_string_equal(q("SELECT days_to_school_start FROM hub.placement_first_school_start"
                          " WHERE placement_id = $1",
                          PID(4), NULL),
                        "<none>");
    assert_int_equal(
        qi("SELECT count(*) FROM hub.school_starts WHERE placement_id = $1", PID(4), NULL), 1);

    /* Handover, receipt and contact change, including text that needs escaping. */
    assert_string_equal(
        q("SELECT concat_ws('|', placement_id, receiving_school_unit,"
          " coalesce(sending_school_unit, '<null>'), planned_start_date - DATE '1970-01-01',"
          " legal_ground, contact_name, contact_role, contact_phone, contact_email,"
          " has_sealed_content, last_src_offset) FROM hub.handovers WHERE handover_id = $1",
          HID(1), NULL),
        "aaaaaaaa-0000-4000-8000-000000000001|87654321|<null>|20468|consent_guardian|" TRICKY_NAME
        "|socialsekreterare|+46 8 123 456|asa@example.se|t|0");
    assert_string_equal(
        q("SELECT concat_ws('|', handover_id, child, school_unit, status,"
          " (extract(epoch FROM at) * 1000)::bigint, detail) FROM hub.handover_receipts",
          NULL),
        "bbbbbbbb-0000-4000-8000-000000000001|" CHILD_A
        "|87654321|acknowledged|1767247199000|mottaget av \"rektor\"");
    assert_string_equal(
        q("SELECT concat_ws('|', old_contact_name, old_contact_role = '', new_contact_name,"
          " new_contact_email, school_units = ARRAY['12345678', '23456789'],"
          " placements = ARRAY[$1, $2]::uuid[], effective_date - DATE '1970-01-01')"
          " FROM hub.contact_changes",
          PID(1), PID(2), NULL),
        TRICKY_NAME "|t|Bo \\\"B\\\" Ek|bo@example.se|t|t|20457");

    /* The placement arrives after its school start: the view picks it up. */
    struct hub_event late;
    mk_placement(&late, 11, 4, HUB_ACTION_STARTED, T0 + 9 * HOUR, D0 + 45);
    struct hub_rm_item it = {&late, "placement-events", 0, 13, false};
    assert_int_equal(apply(&it, 1, NULL, 0, &st), 0);
    assert_string_equal(q("SELECT days_to_school_start FROM hub.placement_first_school_start"
                          " WHERE placement_id = $1",
                          PID(4), NULL),
                        "5");
}

static void test_reapplied_events_change_nothing_but_offsets(void **state)
{
    (void)state;
    struct hub_rm_stats st;
    const struct hub_rm_offset offs[] = {{"placement-events", 0, 13}};
    const struct hub_rm_offset later[] = {{"placement-events", 0, 1013}};

    fixed_batch(0);
    assert_int_equal(apply(FIXED_ITEMS, FIXED_N, offs, 1, &st), 0);
    char before[64];
    set(before, sizeof before, q(SQL_DIGEST, NULL));

    fixed_batch(1000); /* the same events re-sent: new offsets */
    assert_int_equal(apply(FIXED_ITEMS, FIXED_N, later, 1, &st), 0);
    assert_int_equal(st.applied, 0);
    assert_int_equal(st.duplicates, FIXED_N);
    assert_string_equal(q(SQL_DIGEST, NULL), before);
    assert_int_equal(load_offset(G.store, "placement-events", 0), 1013);
}

static void test_older_changed_after_ended_does_not_overwrite(void **state)
{
    (void)state;
    struct hub_rm_stats st;
    struct hub_event ev;
    struct hub_rm_item it = {&ev, "placement-events", 2, 0, false};

    mk_placement(&ev, 1, 1, HUB_ACTION_STARTED, T0, D0);
    it.offset = 1;
    assert_int_equal(apply(&it, 1, NULL, 0, &st), 0);

    mk_placement(&ev, 2, 1, HUB_ACTION_ENDED, T0 + 2 * DAY, D0);
    ev.u.placement.has_end_date = true;
    ev.u.placement.end_date = D0 + 2;
    it.offset = 3;
    assert_int_equal(apply(&it, 1, NULL, 0, &st), 0);

    /* Arrives later (higher offset) but happened earlier. */
    mk_placement(&ev, 3, 1, HUB_ACTION_CHANGED, T0 + DAY, D0);
    ev.u.placement.placement_form = HUB_FORM_HVB;
    it.offset = 4;
    assert_int_equal(apply(&it, 1, NULL, 0, &st), 0);
    assert_int_equal(st.applied, 1);
    assert_string_equal(q("SELECT concat_ws('|', action, placement_form, end_date - start_date,"
                          " last_event_id, last_src_offset, first_event_id)"
                          " FROM hub.placements WHERE placement_id = $1",
                          PID(1), NULL),
                        "ended|familjehem|2|00000000-0000-4000-8000-000000000002|3|"
                        "00000000-0000-4000-8000-000000000001");

    /* Same occurred_at as the ended event: the higher offset breaks the tie. */
    mk_placement(&ev, 4, 1, HUB_ACTION_CHANGED, T0 + 2 * DAY, D0);
    ev.u.placement.placement_form = HUB_FORM_SIS;
    it.offset = 5;
    assert_int_equal(apply(&it, 1, NULL, 0, &st), 0);
    assert_string_equal(q("SELECT concat_ws('|', action, placement_form, last_src_offset,"
                          " last_src_partition, coalesce(end_date::text, '<null>'))"
                          " FROM hub.placements WHERE placement_id = $1",
                          PID(1), NULL),
                        "changed|sis|5|2|<null>");
}

/* The age group is the start year minus the birth year, grouped (consumers/STATISTICS.md), at
 * each boundary and for a birth year after the start; no birth year is stored; a newer event
 * that moves the start into another year moves the group with it. The same rule as the table's
 * trigger for other writers (hub.age_group_at, migrations 009 and 011). */
static void test_age_group_at_each_boundary_and_no_birth_year(void **state)
{
    (void)state;
    static const struct {
        int birth_year;
        const char *group;
    } cases[] = {{2027, "0-5"},   {2026, "0-5"},   {2021, "0-5"},   {2020, "6-12"},
                 {2014, "6-12"},  {2013, "13-15"}, {2011, "13-15"}, {2010, "16-17"},
                 {2009, "16-17"}, {2008, "18+"},   {1990, "18+"}};
    enum { N = sizeof cases / sizeof cases[0] };
    static struct hub_event ev[N + 1];
    static struct hub_rm_item items[N + 1];
    const struct hub_rm_offset offs[] = {{"placement-events", 0, N + 1}};
    struct hub_rm_stats st;

    for (unsigned i = 0; i < N; i++) {
        /* the last day of 2026: the group follows the start's year, not the age in days */
        mk_placement(&ev[i], i + 1, i + 1, HUB_ACTION_STARTED, T0, D0 + 364);
        ev[i].common.birth_year = cases[i].birth_year;
        items[i] = (struct hub_rm_item){&ev[i], "placement-events", 0, i, false};
    }
    assert_int_equal(apply(items, N, offs, 1, &st), 0);
    for (unsigned i = 0; i < N; i++)
        assert_string_equal(
            q("SELECT age_group FROM hub.placements WHERE placement_id = $1", PID(i + 1), NULL),
            cases[i].group);
    assert_int_equal(count("SELECT count(*) FROM hub.placements WHERE birth_year IS NOT NULL"), 0);

    /* born 2020, started 2026 (6-12); a newer event moves the start to 2025-12-31 (5: 0-5) */
    mk_placement(&ev[N], N + 1, 4, HUB_ACTION_CHANGED, T0 + HOUR, D0 - 1);
    ev[N].common.birth_year = 2020;
    items[N] = (struct hub_rm_item){&ev[N], "placement-events", 0, N, false};
    assert_int_equal(apply(&items[N], 1, offs, 1, &st), 0);
    assert_int_equal(st.applied, 1);
    assert_string_equal(q("SELECT age_group || ' ' || start_date FROM hub.placements "
                          "WHERE placement_id = $1",
                          PID(4), NULL),
                        "0-5 2025-12-31");
}

static void test_same_key_twice_in_one_batch_keeps_newest(void **state)
{
    (void)state;
    struct hub_rm_stats st;
    struct hub_event ev[6];
    struct hub_rm_item items[6];

    mk_placement(&ev[0], 2, 1, HUB_ACTION_CHANGED, T0 + HOUR, D0 + 1); /* newest first */
    mk_placement(&ev[1], 1, 1, HUB_ACTION_STARTED, T0, D0);
    mk_handover(&ev[2], 4, 1, 1, T0 + 2 * HOUR, D0 + 20);
    set(ev[2].u.handover.contact.name, HUB_CONTACT_NAME_STR, "second");
    ev[2].u.handover.sealed_content = NULL;
    mk_handover(&ev[3], 3, 1, 1, T0 + HOUR, D0 + 10);
    mk_school_start(&ev[4], 5, 1, T0, D0 + 3, "11111111");
    ev[5] = ev[4]; /* the same event twice in one batch */
    items[0] = (struct hub_rm_item){&ev[0], "placement-events", 0, 8, false};
    items[1] = (struct hub_rm_item){&ev[1], "placement-events", 0, 7, false};
    items[2] = (struct hub_rm_item){&ev[2], "handover-events", 1, 2, false};
    items[3] = (struct hub_rm_item){&ev[3], "handover-events", 1, 1, false};
    items[4] = (struct hub_rm_item){&ev[4], "school-start-events", 0, 4, false};
    items[5] = (struct hub_rm_item){&ev[5], "school-start-events", 0, 3, false};

    assert_int_equal(apply(items, 6, NULL, 0, &st), 0);
    assert_int_equal(st.applied, 5);
    assert_int_equal(st.duplicates, 1);
    assert_string_equal(q("SELECT concat_ws('|', action, start_date - DATE '1970-01-01',"
                          " first_event_id, last_event_id, last_src_offset)"
                          " FROM hub.placements",
                          NULL),
                        "changed|20455|00000000-0000-4000-8000-000000000001|"
                        "00000000-0000-4000-8000-000000000002|8");
    assert_string_equal(q("SELECT concat_ws('|', contact_name, has_sealed_content,"
                          " planned_start_date - DATE '1970-01-01', first_event_id,"
                          " last_src_partition, last_src_offset) FROM hub.handovers",
                          NULL),
                        "second|f|20474|00000000-0000-4000-8000-000000000003|1|2");
    assert_int_equal(count("SELECT count(*) FROM hub.school_starts"), 1);
    /* The duplicate is recorded once, from its first position in the log. */
    assert_string_equal(
        q("SELECT \"offset\" FROM hub.processed_events WHERE event_id = $1", EID(5), NULL), "3");
}

/* Issue 19: one row per placement and tertial; the newest review wins, within a batch and
 * across batches, and a late report of an older review (newer occurred_at) does not overwrite
 * it; a review in the next tertial is a row of its own; replaying changes nothing. */
static void test_follow_up_newest_review_per_tertial_wins(void **state)
{
    (void)state;
    struct hub_rm_stats st;
    struct hub_event ev[5];
    struct hub_rm_item items[5];
    static const char SQL_ROWS[] =
        "SELECT string_agg(concat_ws('|', tertial, review_date - DATE '1970-01-01',"
        " knowledge_goals, coalesce(upper_secondary_eligible::text, 'null'), event_id), ';' ORDER "
        "BY tertial)"
        " FROM hub.follow_ups";

    /* 2026T1 is January-April: D0 + 10 and D0 + 20 are in it, D0 + 130 (May 11) is not */
    mk_follow_up(&ev[0], 21, 1, T0 + 20 * DAY, D0 + 20, HUB_GOALS_REACHED); /* newest review */
    mk_follow_up(&ev[1], 22, 1, T0 + 10 * DAY, D0 + 10, HUB_GOALS_NOT_REACHED);
    items[0] = (struct hub_rm_item){&ev[0], "follow-up-events", 3, 41, false};
    items[1] = (struct hub_rm_item){&ev[1], "follow-up-events", 3, 40, false};
    assert_int_equal(apply(items, 2, NULL, 0, &st), 0);
    assert_int_equal(st.applied, 2);
    assert_string_equal(q(SQL_ROWS, NULL), "2026T1|20474|reached|true|00000000-0000-4000-8000-"
                                           "000000000015");

    /* an older review reported later, and a review in the next tertial */
    mk_follow_up(&ev[2], 23, 1, T0 + 30 * DAY, D0 + 15, HUB_GOALS_NOT_REACHED);
    mk_follow_up(&ev[3], 24, 1, T0 + 131 * DAY, D0 + 130, HUB_GOALS_NOT_REACHED);
    items[2] = (struct hub_rm_item){&ev[2], "follow-up-events", 3, 42, false};
    items[3] = (struct hub_rm_item){&ev[3], "follow-up-events", 3, 43, false};
    assert_int_equal(apply(&items[2], 2, NULL, 0, &st), 0);
    assert_string_equal(q(SQL_ROWS, NULL),
                        "2026T1|20474|reached|true|00000000-0000-4000-8000-000000000015;"
                        "2026T2|20584|not_reached|false|00000000-0000-4000-8000-000000000018");

    /* the same review again with a newer report replaces it (a correction) */
    mk_follow_up(&ev[4], 25, 1, T0 + 40 * DAY, D0 + 20, HUB_GOALS_NOT_ASSESSED);
    ev[4].u.follow_up.has_eligible = false;
    items[4] = (struct hub_rm_item){&ev[4], "follow-up-events", 3, 44, false};
    assert_int_equal(apply(&items[4], 1, NULL, 0, &st), 0);
    const char *after = "2026T1|20474|not_assessed|null|00000000-0000-4000-8000-000000000019;"
                        "2026T2|20584|not_reached|false|00000000-0000-4000-8000-000000000018";
    assert_string_equal(q(SQL_ROWS, NULL), after);

    /* replaying every event, in any order, changes nothing */
    assert_int_equal(apply(items, 5, NULL, 0, &st), 0);
    assert_int_equal(st.applied, 0);
    assert_int_equal(st.duplicates, 5);
    assert_string_equal(q(SQL_ROWS, NULL), after);
    assert_int_equal(count("SELECT count(*) FROM hub.processed_events"), 5);
    /* the placement is unknown: pending, not counted by the reports */
    assert_string_equal(q("SELECT string_agg(why, ',') FROM hub.follow_ups_unmatched", NULL),
                        "pending,pending");
}

static void test_offsets_are_stored_and_loaded_per_group(void **state)
{
    (void)state;
    struct hub_rm_stats st;
    struct hub_error err = {0};
    const struct hub_rm_offset offs[] = {
        {"a", 0, 5}, {"a", 1, 7}, {"b", 0, 9}, {"a", 0, 6}, /* twice: the highest wins */
    };

    assert_int_equal(apply(NULL, 0, offs, 4, &st), 0);
    assert_int_equal(st.applied, 0);
    assert_int_equal(load_offset(G.store, "a", 0), 6);
    assert_int_equal(load_offset(G.store, "a", 1), 7);
    assert_int_equal(load_offset(G.store, "b", 0), 9);
    assert_int_equal(load_offset(G.store, "c", 0), -1);

    struct hub_rm_offset *all = NULL;
    size_t n = 0;
    assert_int_equal(hub_rmstore_load_offsets(G.store, &all, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(all[0].topic, "a");
    assert_int_equal(all[0].partition, 0);
    assert_int_equal(all[0].next_offset, 6);
    assert_string_equal(all[1].topic, "a");
    assert_int_equal(all[1].partition, 1);
    assert_int_equal(all[1].next_offset, 7);
    assert_string_equal(all[2].topic, "b");
    assert_int_equal(all[2].next_offset, 9);
    free(all);

    /* Another group on another session sees none of these, and its writes stay its own. */
    PGconn *c2 = connect_db(G.dbname);
    hub_rmstore_t *other = NULL;
    assert_non_null(c2);
    assert_int_equal(hub_rmstore_new(c2, "other-group", &other, &err), 0);
    assert_int_equal(load_offset(other, "a", 0), -1);
    assert_int_equal(hub_rmstore_load_offsets(other, &all, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_null(all);
    const struct hub_rm_offset mine[] = {{"a", 0, 42}};
    assert_int_equal(hub_rmstore_apply(other, NULL, 0, mine, 1, NULL, &err), 0);
    assert_int_equal(load_offset(other, "a", 0), 42);
    assert_int_equal(load_offset(G.store, "a", 0), 6);

    /* Offsets move with every batch, also backwards on request (a replay). */
    const struct hub_rm_offset back[] = {{"a", 0, 2}};
    assert_int_equal(apply(NULL, 0, back, 1, &st), 0);
    assert_int_equal(load_offset(G.store, "a", 0), 2);

    hub_rmstore_destroy(other);
    PQfinish(c2);
}

static void test_reset_empties_everything_in_one_transaction(void **state)
{
    (void)state;
    struct hub_rm_stats st;
    struct hub_error err = {0};
    const struct hub_rm_offset offs[] = {{"placement-events", 0, 13}};

    fixed_batch(0);
    assert_int_equal(apply(FIXED_ITEMS, FIXED_N, offs, 1, &st), 0);
    exec_sql("INSERT INTO hub.consumer_offsets (group_id, topic, partition, next_offset)"
             " VALUES ('other-group', 'placement-events', 0, 77)");

    /* A failure in the last step (deleting offsets) undoes the emptying too. */
    exec_sql("CREATE TRIGGER hub_test_fail_delete BEFORE DELETE ON hub.consumer_offsets"
             " FOR EACH STATEMENT EXECUTE FUNCTION public.hub_test_fail()");
    assert_int_equal(hub_rmstore_reset(G.store, &err), HUB_EPG);
    assert_non_null(strstr(err.msg, "forced failure"));
    exec_sql("DROP TRIGGER hub_test_fail_delete ON hub.consumer_offsets");
    assert_int_equal(count(SQL_ALL_ROWS), 3 + 4 + 1 + 1 + 1 + FIXED_N);
    assert_int_equal(load_offset(G.store, "placement-events", 0), 13);

    assert_int_equal(hub_rmstore_reset(G.store, &err), 0);
    assert_int_equal(count(SQL_ALL_ROWS), 0);
    assert_int_equal(load_offset(G.store, "placement-events", 0), -1);
    assert_int_equal(count("SELECT count(*) FROM hub.consumer_offsets"
                           " WHERE group_id = 'other-group' AND next_offset = 77"),
                     1);
}

static void test_failed_batch_leaves_nothing_behind(void **state)
{
    (void)state;
    struct hub_rm_stats st;
    struct hub_error err = {0};
    const struct hub_rm_offset offs[] = {{"placement-events", 0, 13}};

    /* Handovers are written after placements and school starts: fail there. */
    exec_sql("CREATE TRIGGER hub_test_fail_insert BEFORE INSERT ON hub.handovers"
             " FOR EACH STATEMENT EXECUTE FUNCTION public.hub_test_fail()");
    fixed_batch(0);
    assert_int_equal(hub_rmstore_apply(G.store, FIXED_ITEMS, FIXED_N, offs, 1, &st, &err), HUB_EPG);
    assert_non_null(strstr(err.msg, "upsert hub.handovers: forced failure (SQLSTATE P0001)"));
    assert_int_equal(PQtransactionStatus(G.conn), PQTRANS_IDLE);
    assert_int_equal(count(SQL_ALL_ROWS), 0);
    assert_int_equal(load_offset(G.store, "placement-events", 0), -1);
    exec_sql("DROP TRIGGER hub_test_fail_insert ON hub.handovers");

    /* A transient conflict (deadlock) says "retry", like a lost connection. */
    exec_sql("CREATE TRIGGER hub_test_deadlock BEFORE INSERT ON hub.school_starts"
             " FOR EACH STATEMENT EXECUTE FUNCTION public.hub_test_deadlock()");
    assert_int_equal(hub_rmstore_apply(G.store, FIXED_ITEMS, FIXED_N, offs, 1, &st, &err),
                     HUB_EPG_CONNECT);
    assert_non_null(strstr(err.msg, "(SQLSTATE 40P01)"));
    assert_int_equal(PQstatus(G.conn), CONNECTION_OK);
    assert_int_equal(count(SQL_ALL_ROWS), 0);
    exec_sql("DROP TRIGGER hub_test_deadlock ON hub.school_starts");

    /* The same batch again goes through completely. */
    assert_int_equal(apply(FIXED_ITEMS, FIXED_N, offs, 1, &st), 0);
    assert_int_equal(st.applied, FIXED_N);
    assert_int_equal(load_offset(G.store, "placement-events", 0), 13);
}

/* Handovers, like placements: the newest by (occurred_at, offset) wins, so with equal timestamps
 * the higher offset wins — whichever arrives first, in separate batches or in one. */
static void test_handover_equal_timestamps_higher_offset_wins(void **state)
{
    (void)state;
    struct hub_rm_stats st;
    struct hub_event a, b;
    mk_handover(&a, 11, 1, 1, T0 + HOUR, D0 + 10);
    set(a.u.handover.contact.name, HUB_CONTACT_NAME_STR, "lower offset");
    mk_handover(&b, 12, 1, 1, T0 + HOUR, D0 + 12);
    set(b.u.handover.contact.name, HUB_CONTACT_NAME_STR, "higher offset");
    struct hub_rm_item ia = {&a, "handover-events", 3, 5, false};
    struct hub_rm_item ib = {&b, "handover-events", 3, 6, false};
    const char *sql = "SELECT concat_ws('|', contact_name, last_src_offset) FROM hub.handovers";

    /* Lower offset first, then the higher one with the same occurred_at: the later one wins. */
    assert_int_equal(apply(&ia, 1, NULL, 0, &st), 0);
    assert_int_equal(apply(&ib, 1, NULL, 0, &st), 0);
    assert_string_equal(q(sql, NULL), "higher offset|6");

    /* Higher offset first (a replay from the other direction): the lower one does not win. */
    exec_sql("TRUNCATE hub.handovers, hub.processed_events");
    assert_int_equal(apply(&ib, 1, NULL, 0, &st), 0);
    assert_int_equal(apply(&ia, 1, NULL, 0, &st), 0);
    assert_string_equal(q(sql, NULL), "higher offset|6");

    /* Both in one batch, in either order. */
    struct hub_rm_item both[2] = {ib, ia};
    exec_sql("TRUNCATE hub.handovers, hub.processed_events");
    assert_int_equal(apply(both, 2, NULL, 0, &st), 0);
    assert_string_equal(q(sql, NULL), "higher offset|6");
    both[0] = ia;
    both[1] = ib;
    exec_sql("TRUNCATE hub.handovers, hub.processed_events");
    assert_int_equal(apply(both, 2, NULL, 0, &st), 0);
    assert_string_equal(q(sql, NULL), "higher offset|6");
}

/* Offsets are written inside the batch's transaction, not after its COMMIT: when the offset write
 * fails, none of the batch's rows are there (event-id dedupe would hide the difference otherwise:
 * a redelivered batch changes nothing). */
static void test_offset_write_failure_leaves_no_rows(void **state)
{
    (void)state;
    struct hub_rm_stats st;
    struct hub_error err = {0};
    const struct hub_rm_offset offs[] = {{"placement-events", 0, 13}};

    exec_sql("CREATE TRIGGER hub_test_fail_offsets BEFORE INSERT OR UPDATE ON hub.consumer_offsets"
             " FOR EACH STATEMENT EXECUTE FUNCTION public.hub_test_fail()");
    fixed_batch(0);
    int rc = hub_rmstore_apply(G.store, FIXED_ITEMS, FIXED_N, offs, 1, &st, &err);
    exec_sql("DROP TRIGGER hub_test_fail_offsets ON hub.consumer_offsets");
    assert_int_equal(rc, HUB_EPG);
    assert_non_null(strstr(err.msg, "forced failure"));
    assert_int_equal(count(SQL_ALL_ROWS), 0);
    assert_int_equal(count("SELECT count(*) FROM hub.processed_events"), 0);
    assert_int_equal(load_offset(G.store, "placement-events", 0), -1);

    /* And the same batch commits whole once the offsets can be written. */
    assert_int_equal(apply(FIXED_ITEMS, FIXED_N, offs, 1, &st), 0);
    assert_int_equal(st.applied, FIXED_N);
    assert_int_equal(load_offset(G.store, "placement-events", 0), 13);
}

static void test_invalid_item_is_refused_before_anything_is_written(void **state)
{
    (void)state;
    struct hub_rm_stats st;
    struct hub_error err = {0};
    const struct hub_rm_offset offs[] = {{"placement-events", 0, 13}};

    fixed_batch(0);
    set(FIXED[2].u.school_start.placement_id, HUB_UUID_STR, "not a uuid");
    assert_int_equal(hub_rmstore_apply(G.store, FIXED_ITEMS, FIXED_N, offs, 1, &st, &err),
                     HUB_EINVAL);
    assert_int_equal(st.bad_item, 2);
    assert_non_null(strstr(err.msg, "item 2 (school-start-events/0@6): placement_id"));
    assert_int_equal(count(SQL_ALL_ROWS), 0);
    assert_int_equal(load_offset(G.store, "placement-events", 0), -1);
}

static void test_lost_connection_is_epg_connect_and_batch_can_be_retried(void **state)
{
    (void)state;
    struct hub_rm_stats st;
    struct hub_error err = {0};
    const struct hub_rm_offset offs[] = {{"placement-events", 0, 13}};
    const char *pid = num(PQbackendPID(G.conn));

    /* A wrong statement is HUB_EPG, not a connection problem. */
    assert_int_equal(hub_pg_exec(G.conn, "probe", "SELEC 1", 0, NULL, NULL, &err), HUB_EPG);
    assert_non_null(strstr(err.msg, "probe: syntax error"));
    assert_non_null(strstr(err.msg, "(SQLSTATE 42601)"));

    PGresult *res = PQexecParams(G.admin, "SELECT pg_terminate_backend($1::int, 5000)", 1, NULL,
                                 (const char *const[]){pid}, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);

    fixed_batch(0);
    assert_int_equal(hub_rmstore_apply(G.store, FIXED_ITEMS, FIXED_N, offs, 1, &st, &err),
                     HUB_EPG_CONNECT);
    assert_true(hub_pg_is_connection_error(G.conn, NULL));

    PGconn *fresh = connect_db(G.dbname);
    assert_non_null(fresh);
    assert_int_equal(hub_rmstore_set_conn(G.store, fresh, &err), 0);
    PQfinish(G.conn);
    G.conn = fresh;
    assert_int_equal(apply(FIXED_ITEMS, FIXED_N, offs, 1, &st), 0);
    assert_int_equal(st.applied, FIXED_N);
}

/* Random histories split into random batches, with re-sends: the stored state is, per key, the
 * newest first-delivered event by (occurred_at, offset), whatever the batching. */
static void test_random_batches_match_a_model(void **state)
{
    (void)state;
    enum { EVENTS = 3000, KEYS = 40 };
    static struct hub_event ev[EVENTS];
    static struct hub_rm_item items[EVENTS];
    static int newest[KEYS];
    static unsigned first_eid[KEYS];
    unsigned seed = (unsigned)time(NULL);
    struct hub_rm_stats st;
    size_t distinct = 0;

    srand(seed);
    for (int k = 0; k < KEYS; k++)
        newest[k] = -1;
    for (int i = 0; i < EVENTS; i++) {
        int resend = i > 0 && rand() % 10 == 0;
        if (resend) {
            ev[i] = ev[rand() % i]; /* a producer re-sends an older event */
        } else {
            int key = rand() % KEYS;
            mk_placement(&ev[i], (unsigned)i + 1, (unsigned)key + 1,
                         (enum hub_placement_action)(rand() % 3),
                         T0 + (int64_t)(rand() % 50) * HOUR, D0 + rand() % 100);
            distinct++;
            int64_t occ = ev[i].common.occurred_at;
            if (newest[key] < 0)
                first_eid[key] = (unsigned)i + 1;
            if (newest[key] < 0 || occ >= ev[newest[key]].common.occurred_at)
                newest[key] = i;
        }
        items[i] = (struct hub_rm_item){&ev[i], "placement-events", 0, i, false};
    }
    size_t applied = 0, dups = 0;
    for (int i = 0; i < EVENTS;) {
        int n = 1 + rand() % 200;
        if (n > EVENTS - i)
            n = EVENTS - i;
        struct hub_rm_offset off = {"placement-events", 0, i + n};
        if (apply(&items[i], (size_t)n, &off, 1, &st) != 0)
            fail_msg("seed %u", seed);
        applied += st.applied;
        dups += st.duplicates;
        i += n;
    }
    assert_int_equal(applied, distinct);
    assert_int_equal(applied + dups, EVENTS);
    for (int k = 0; k < KEYS; k++) {
        if (newest[k] < 0)
            continue;
        const char *got = q("SELECT concat_ws('|', last_event_id, first_event_id)"
                            " FROM hub.placements WHERE placement_id = $1",
                            PID((unsigned)k + 1), NULL);
        char want[100];
        snprintf(want, sizeof want, "%s|%s", EID((unsigned)newest[k] + 1), EID(first_eid[k]));
        if (strcmp(got, want) != 0)
            fail_msg("seed %u key %d: got %s want %s", seed, k, got, want);
    }
    assert_int_equal(load_offset(G.store, "placement-events", 0), EVENTS);
}

int main(void)
{
    const char *host = getenv("HUB_TEST_PGHOST");
    const char *require = getenv("HUB_TEST_REQUIRE_ALL");

    if (!host || !*host) {
        if (require && strcmp(require, "1") == 0) {
            fprintf(stderr, "FAIL: rmstore_test: HUB_TEST_PGHOST is not set, but "
                            "HUB_TEST_REQUIRE_ALL=1 requires the PostgreSQL tests to run\n");
            return 1;
        }
        fprintf(stderr, "\n*** SKIPPED: rmstore_test: no test PostgreSQL: HUB_TEST_PGHOST is not "
                        "set (run tests with deploy/test.sh) ***\n\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_twice_is_a_noop),
        cmocka_unit_test(test_migrate_refuses_a_newer_database),
        cmocka_unit_test(test_migrate_from_several_processes_at_once_is_safe),
        cmocka_unit_test_setup(test_fixed_batch_gives_exact_rows_and_days, empty_read_model),
        cmocka_unit_test_setup(test_reapplied_events_change_nothing_but_offsets, empty_read_model),
        cmocka_unit_test_setup(test_older_changed_after_ended_does_not_overwrite, empty_read_model),
        cmocka_unit_test_setup(test_age_group_at_each_boundary_and_no_birth_year, empty_read_model),
        cmocka_unit_test_setup(test_same_key_twice_in_one_batch_keeps_newest, empty_read_model),
        cmocka_unit_test_setup(test_follow_up_newest_review_per_tertial_wins, empty_read_model),
        cmocka_unit_test_setup(test_offsets_are_stored_and_loaded_per_group, empty_read_model),
        cmocka_unit_test_setup(test_reset_empties_everything_in_one_transaction, empty_read_model),
        cmocka_unit_test_setup(test_failed_batch_leaves_nothing_behind, empty_read_model),
        cmocka_unit_test_setup(test_offset_write_failure_leaves_no_rows, empty_read_model),
        cmocka_unit_test_setup(test_handover_equal_timestamps_higher_offset_wins, empty_read_model),
        cmocka_unit_test_setup(test_invalid_item_is_refused_before_anything_is_written,
                               empty_read_model),
        cmocka_unit_test_setup(test_lost_connection_is_epg_connect_and_batch_can_be_retried,
                               empty_read_model),
        cmocka_unit_test_setup(test_random_batches_match_a_model, empty_read_model),
    };
    return cmocka_run_group_tests_name("rmstore", tests, group_setup, group_teardown);
}
