/*
 * rmstore_bench.c — hub_rmstore_apply against a raw unnest upsert of the same placement rows.
 *
 * The raw side is the store's own statement (hub_rmstore_placements_sql(): `INSERT INTO
 * hub.placements ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE ... WHERE newer`), one per batch
 * in its own transaction, with its array parameters built before the clock starts. The store does
 * everything it does in production: checks, dedupe, hub.processed_events, the upsert, offsets, all
 * in one transaction per batch. Both run an insert round (new placements) and an update round (a
 * newer event for each).
 *
 * Uses HUB_TEST_PG* like the integration tests (private database hub_rmbench_<pid>); 77 without.
 * HUB_BENCH_ROWS (default 20000), HUB_BENCH_BATCH (default 1000), HUB_BENCH_MIN_RATIO (fail
 * when apply/raw is below it; default: just report).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hub/core/config.h"
#include "hub/pg/migrate.h"
#include "hub/pg/pg.h"
#include "hub/readmodel/rmstore.h"

#define COLS 18
#define ROUNDS 3
#define T0 INT64_C(1767225600000)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : def;
    return v && (end == v || *end || n <= 0) ? def : n;
}

static void die(const char *what, const struct hub_error *err)
{
    fprintf(stderr, "rmstore_bench: %s: %s\n", what, err ? err->msg : "");
    exit(1);
}

static PGconn *connect_db(const char *dbname)
{
    hub_config_t *cfg = NULL;
    PGconn *conn = NULL;
    struct hub_error err = {0};
    const char *port = getenv("HUB_TEST_PGPORT"), *user = getenv("HUB_TEST_PGUSER");

    if (hub_config_load(NULL, &cfg, &err) != 0 ||
        hub_config_set(cfg, "pg.host", getenv("HUB_TEST_PGHOST"), "bench", &err) != 0 ||
        (port && *port && hub_config_set(cfg, "pg.port", port, "bench", &err) != 0) ||
        (user && *user && hub_config_set(cfg, "pg.user", user, "bench", &err) != 0) ||
        hub_config_set(cfg, "pg.dbname", dbname, "bench", &err) != 0 ||
        hub_pg_connect(cfg, &conn, &err) != 0)
        die("connect", &err);
    hub_config_destroy(cfg);
    return conn;
}

static void exec_or_die(PGconn *conn, const char *sql)
{
    struct hub_error err = {0};
    if (hub_pg_exec(conn, "bench statement", sql, 0, NULL, NULL, &err) != 0)
        die(sql, &err);
}

static void mk_event(struct hub_event *ev, long i, long round)
{
    hub_event_init(ev, HUB_EV_PLACEMENT);
    snprintf(ev->common.event_id, sizeof ev->common.event_id, "%08x-0000-4000-8000-%012x",
             (unsigned)round, (unsigned)i);
    ev->common.occurred_at = T0 + round * 3600000 + i;
    snprintf(ev->common.district, sizeof ev->common.district, "district-%ld", i % 14);
    for (int k = 0; k < 64; k++)
        ev->common.child[k] = "0123456789abcdef"[(i * 7 + k) % 16];
    ev->common.child[64] = '\0';
    ev->common.birth_year = 2010 + (int32_t)(i % 10);
    ev->common.legal_sex = (enum hub_legal_sex)(i % 2);
    struct hub_placement *p = &ev->u.placement;
    snprintf(p->placement_id, sizeof p->placement_id, "aaaaaaaa-0000-4000-8000-%012x", (unsigned)i);
    p->action = round ? HUB_ACTION_CHANGED : HUB_ACTION_STARTED;
    p->legal_basis = (enum hub_legal_basis)(i % 2);
    p->placement_form = (enum hub_placement_form)(i % HUB_FORM__COUNT);
    p->start_date = 20454 + (int32_t)(i % 365);
    p->has_end_date = round > 0;
    p->end_date = p->start_date + 30;
    p->school_change = i % 3 == 0;
    p->has_placement_municipality = true;
    snprintf(p->placement_municipality, sizeof p->placement_municipality, "0180");
}

/* The raw statement's parameters for items[0..n), as the store would send them. */
static void build_raw(struct hub_pg_array *c, const struct hub_rm_item *items, long n, char **out)
{
    for (int k = 0; k < COLS; k++)
        hub_pg_array_reset(&c[k]);
    for (long i = 0; i < n; i++) {
        const struct hub_event *ev = items[i].ev;
        const struct hub_placement *p = &ev->u.placement;
        hub_pg_array_add_text(&c[0], p->placement_id);
        hub_pg_array_add_text(&c[1], ev->common.child);
        hub_pg_array_add_text(&c[2], ev->common.district);
        hub_pg_array_add_int(&c[3], ev->common.birth_year);
        hub_pg_array_add_text(&c[4], hub_legal_sex_name(ev->common.legal_sex));
        hub_pg_array_add_text(&c[5], hub_placement_action_name(p->action));
        hub_pg_array_add_text(&c[6], hub_legal_basis_name(p->legal_basis));
        hub_pg_array_add_text(&c[7], hub_placement_form_name(p->placement_form));
        hub_pg_array_add_int(&c[8], p->start_date);
        if (p->has_end_date)
            hub_pg_array_add_int(&c[9], p->end_date);
        else
            hub_pg_array_add_null(&c[9]);
        hub_pg_array_add_bool(&c[10], p->school_change);
        hub_pg_array_add_text(&c[11], p->placement_municipality);
        hub_pg_array_add_text(&c[12], ev->common.event_id);
        hub_pg_array_add_int(&c[13], ev->common.occurred_at);
        hub_pg_array_add_text(&c[14], ev->common.event_id);
        hub_pg_array_add_int(&c[15], ev->common.occurred_at);
        hub_pg_array_add_int(&c[16], items[i].partition);
        hub_pg_array_add_int(&c[17], items[i].offset);
    }
    for (int k = 0; k < COLS; k++) {
        const char *lit = hub_pg_array_finish(&c[k]);
        if (!lit || !(out[k] = strdup(lit)))
            die("out of memory", NULL);
    }
}

static double run_raw(PGconn *conn, const struct hub_rm_item *items, long rows, long batch)
{
    struct hub_pg_array c[COLS] = {0};
    long nb = (rows + batch - 1) / batch;
    char **params = calloc((size_t)(nb * COLS), sizeof *params);
    struct hub_error err = {0};

    if (!params)
        die("out of memory", NULL);
    for (long b = 0; b < nb; b++) {
        long n = rows - b * batch < batch ? rows - b * batch : batch;
        build_raw(c, items + b * batch, n, params + b * COLS);
    }
    if (hub_pg_prepare(conn, "prepare raw upsert", "bench_raw", hub_rmstore_placements_sql(),
                       &err) != 0)
        die("prepare", &err);
    double t = now_s();
    for (long b = 0; b < nb; b++) {
        if (hub_pg_begin(conn, &err) != 0 ||
            hub_pg_exec_prepared(conn, "raw upsert", "bench_raw", COLS,
                                 (const char *const *)(params + b * COLS), NULL, &err) != 0 ||
            hub_pg_commit(conn, &err) != 0)
            die("raw", &err);
    }
    t = now_s() - t;
    exec_or_die(conn, "DEALLOCATE bench_raw");
    for (long i = 0; i < nb * COLS; i++)
        free(params[i]);
    free(params);
    for (int k = 0; k < COLS; k++)
        hub_pg_array_free(&c[k]);
    return t;
}

static double run_apply(hub_rmstore_t *store, const struct hub_rm_item *items, long rows,
                        long batch)
{
    struct hub_error err = {0};
    struct hub_rm_stats st;
    double t = now_s();

    for (long b = 0; b * batch < rows; b++) {
        long n = rows - b * batch < batch ? rows - b * batch : batch;
        struct hub_rm_offset off = {"placement-events", 0, items[b * batch + n - 1].offset + 1};
        if (hub_rmstore_apply(store, items + b * batch, (size_t)n, &off, 1, &st, &err) != 0)
            die("apply", &err);
        if (st.applied != (size_t)n)
            die("apply: not every event applied", NULL);
    }
    return now_s() - t;
}

static void make_items(struct hub_event *ev, struct hub_rm_item *items, long rows, long round)
{
    for (long i = 0; i < rows; i++) {
        mk_event(&ev[i], i, round);
        items[i] = (struct hub_rm_item){&ev[i], "placement-events", 0, round * rows + i, false};
    }
}

int main(void)
{
    const char *host = getenv("HUB_TEST_PGHOST");
    const char *require = getenv("HUB_TEST_REQUIRE_ALL");
    const char *db = getenv("HUB_TEST_PGDATABASE");
    long rows = env_long("HUB_BENCH_ROWS", 20000), batch = env_long("HUB_BENCH_BATCH", 1000);
    double min_ratio = 0;
    char dbname[64], migdir[4096], sql[256];
    struct hub_error err = {0};

    if (!host || !*host) {
        if (require && strcmp(require, "1") == 0) {
            fprintf(stderr, "FAIL: rmstore_bench: HUB_TEST_PGHOST is not set\n");
            return 1;
        }
        fprintf(stderr, "*** SKIPPED: rmstore_bench: HUB_TEST_PGHOST is not set ***\n");
        return 77;
    }
    if (getenv("HUB_BENCH_MIN_RATIO"))
        min_ratio = strtod(getenv("HUB_BENCH_MIN_RATIO"), NULL);

    PGconn *admin = connect_db(db && *db ? db : "hub");
    snprintf(dbname, sizeof dbname, "hub_rmbench_%ld", (long)getpid());
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", dbname);
    exec_or_die(admin, sql);
    PGconn *conn = connect_db(dbname);
    hub_rmstore_t *store = NULL;
    int applied = 0;
    if (hub_migrate_default_dir(migdir, sizeof migdir) != 0 ||
        hub_migrate(conn, migdir, &applied, &err) != 0 ||
        hub_rmstore_new(conn, "bench", &store, &err) != 0)
        die("setup", &err);

    struct hub_event *ev0 = calloc((size_t)rows, sizeof *ev0);
    struct hub_event *ev1 = calloc((size_t)rows, sizeof *ev1);
    struct hub_rm_item *it0 = calloc((size_t)rows, sizeof *it0);
    struct hub_rm_item *it1 = calloc((size_t)rows, sizeof *it1);
    if (!ev0 || !ev1 || !it0 || !it1)
        die("out of memory", NULL);
    make_items(ev0, it0, rows, 0);
    make_items(ev1, it1, rows, 1);

    double best[4] = {1e9, 1e9, 1e9, 1e9}; /* raw insert, raw update, apply insert, update */
    for (int r = 0; r < ROUNDS; r++) {
        struct hub_error e2 = {0};
        exec_or_die(conn, "TRUNCATE hub.placements, hub.processed_events, hub.consumer_offsets");
        PQclear(PQexec(conn, "CHECKPOINT")); /* best effort: needs pg_checkpoint */
        double t = run_raw(conn, it0, rows, batch);
        best[0] = t < best[0] ? t : best[0];
        t = run_raw(conn, it1, rows, batch);
        best[1] = t < best[1] ? t : best[1];
        if (hub_rmstore_reset(store, &e2) != 0)
            die("reset", &e2);
        PQclear(PQexec(conn, "CHECKPOINT")); /* best effort: needs pg_checkpoint */
        t = run_apply(store, it0, rows, batch);
        best[2] = t < best[2] ? t : best[2];
        t = run_apply(store, it1, rows, batch);
        best[3] = t < best[3] ? t : best[3];
    }
    double ratio_ins = best[0] / best[2], ratio_upd = best[1] / best[3];
    printf("rmstore_bench: %ld placement rows, batches of %ld, best of %d\n", rows, batch, ROUNDS);
    printf("  insert: raw unnest upsert %8.0f rows/s   hub_rmstore_apply %8.0f rows/s   "
           "ratio %.2f\n",
           rows / best[0], rows / best[2], ratio_ins);
    printf("  update: raw unnest upsert %8.0f rows/s   hub_rmstore_apply %8.0f rows/s   "
           "ratio %.2f\n",
           rows / best[1], rows / best[3], ratio_upd);

    hub_rmstore_destroy(store);
    PQfinish(conn);
    snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", dbname);
    exec_or_die(admin, sql);
    PQfinish(admin);
    free(ev0);
    free(ev1);
    free(it0);
    free(it1);
    if (min_ratio > 0 && (ratio_ins < min_ratio || ratio_upd < min_ratio)) {
        fprintf(stderr, "rmstore_bench: ratio below HUB_BENCH_MIN_RATIO=%.2f\n", min_ratio);
        return 1;
    }
    return 0;
}
