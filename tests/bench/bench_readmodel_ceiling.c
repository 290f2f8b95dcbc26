/*
 * bench_readmodel_ceiling.c — the ceilings the read-model consumer is measured against.
 *
 * Reads the rows hub-readmodel wrote to hub.placements (their stored columns: the age group, no
 * birth year since migration 009), then writes the very same rows into an empty copy of the
 * table (same indexes) twice: as a raw `INSERT … SELECT FROM unnest(…) ON
 * CONFLICT DO UPDATE` per batch (the ceiling: arrays built before the clock starts, nothing else
 * in the transaction), and row by row with one prepared statement per row (the baseline).
 * Prints `rows=N raw_rows_per_s=R row_by_row_rows_per_s=B`. Connects with the PG* environment.
 *
 *   bench_readmodel_ceiling BATCH
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hub/pg/pg.h"

#define NCOL 18

static const char COLS[] =
    "placement_id, child, district, age_group, legal_sex, action, legal_basis, placement_form, "
    "start_date, end_date, school_change, placement_municipality, first_event_id, "
    "first_occurred_at, last_event_id, last_occurred_at, last_src_partition, last_src_offset";

static const char UPDATE[] =
    " ON CONFLICT (placement_id) DO UPDATE SET action = excluded.action, legal_basis = "
    "excluded.legal_basis, placement_form = excluded.placement_form, start_date = "
    "excluded.start_date, end_date = excluded.end_date, school_change = excluded.school_change, "
    "last_event_id = excluded.last_event_id, last_occurred_at = excluded.last_occurred_at, "
    "last_src_partition = excluded.last_src_partition, last_src_offset = "
    "excluded.last_src_offset WHERE (t.last_occurred_at, t.last_src_offset) < "
    "(excluded.last_occurred_at, excluded.last_src_offset)";

static const char *const TYPES[NCOL] = {
    "uuid", "text", "text", "text", "text",        "text", "text",        "text", "date",
    "date", "bool", "text", "uuid", "timestamptz", "uuid", "timestamptz", "int4", "int8"};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const struct hub_error *err)
{
    fprintf(stderr, "bench_readmodel_ceiling: %s: %s\n", what, err ? err->msg : "");
    exit(1);
}

static void run(PGconn *c, const char *sql)
{
    struct hub_error err = {0};
    if (hub_pg_exec(c, "bench", sql, 0, NULL, NULL, &err) != 0)
        die(sql, &err);
}

int main(int argc, char **argv)
{
    struct hub_error err = {0};
    PGconn *c = NULL;
    PGresult *rows = NULL;
    char sql[4096];
    long batch = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
    if (batch <= 0)
        batch = 2000;

    if (hub_pg_connect_conninfo("", &c, &err) != 0)
        die("connect", &err);
    snprintf(sql, sizeof sql, "SELECT %s FROM hub.placements ORDER BY last_src_offset", COLS);
    if (hub_pg_exec(c, "read rows", sql, 0, NULL, &rows, &err) != 0)
        die("read", &err);
    int n = PQntuples(rows);
    if (n == 0)
        die("no rows in hub.placements", NULL);
    run(c, "DROP TABLE IF EXISTS hub.bench_placements");
    run(c, "CREATE TABLE hub.bench_placements (LIKE hub.placements INCLUDING ALL)");

    /* Raw unnest upsert, arrays built first. */
    int nb = (int)((n + batch - 1) / batch);
    struct hub_pg_array *arr = calloc((size_t)nb * NCOL, sizeof *arr);
    const char **params = calloc((size_t)nb * NCOL, sizeof *params);
    if (!arr || !params)
        die("out of memory", NULL);
    for (int b = 0; b < nb; b++) {
        for (int col = 0; col < NCOL; col++) {
            struct hub_pg_array *a = &arr[b * NCOL + col];
            for (long r = b * batch; r < n && r < (b + 1) * batch; r++) {
                if (PQgetisnull(rows, (int)r, col))
                    hub_pg_array_add_null(a);
                else
                    hub_pg_array_add_text(a, PQgetvalue(rows, (int)r, col));
            }
            params[b * NCOL + col] = hub_pg_array_finish(a);
        }
    }
    size_t pos = (size_t)snprintf(
        sql, sizeof sql, "INSERT INTO hub.bench_placements AS t (%s) SELECT * FROM unnest(", COLS);
    for (int col = 0; col < NCOL; col++)
        pos += (size_t)snprintf(sql + pos, sizeof sql - pos, "%s$%d::%s[]", col ? ", " : "",
                                col + 1, TYPES[col]);
    snprintf(sql + pos, sizeof sql - pos, ")%s", UPDATE);
    if (hub_pg_prepare(c, "prepare raw", "raw", sql, &err) != 0)
        die("prepare raw", &err);
    double t0 = now_s();
    for (int b = 0; b < nb; b++) {
        run(c, "BEGIN");
        if (hub_pg_exec_prepared(c, "raw", "raw", NCOL, &params[b * NCOL], NULL, &err) != 0)
            die("raw", &err);
        run(c, "COMMIT");
    }
    double raw_s = now_s() - t0;

    /* Row by row: one prepared statement per row, one transaction per batch. */
    run(c, "TRUNCATE hub.bench_placements");
    pos = (size_t)snprintf(sql, sizeof sql, "INSERT INTO hub.bench_placements AS t (%s) VALUES (",
                           COLS);
    for (int col = 0; col < NCOL; col++)
        pos += (size_t)snprintf(sql + pos, sizeof sql - pos, "%s$%d::%s", col ? ", " : "", col + 1,
                                TYPES[col]);
    snprintf(sql + pos, sizeof sql - pos, ")%s", UPDATE);
    if (hub_pg_prepare(c, "prepare row", "row", sql, &err) != 0)
        die("prepare row", &err);
    t0 = now_s();
    for (int r = 0; r < n; r++) {
        const char *vals[NCOL];
        if (r % batch == 0)
            run(c, "BEGIN");
        for (int col = 0; col < NCOL; col++)
            vals[col] = PQgetisnull(rows, r, col) ? NULL : PQgetvalue(rows, r, col);
        if (hub_pg_exec_prepared(c, "row", "row", NCOL, vals, NULL, &err) != 0)
            die("row", &err);
        if (r % batch == batch - 1 || r == n - 1)
            run(c, "COMMIT");
    }
    double row_s = now_s() - t0;
    run(c, "DROP TABLE hub.bench_placements");

    printf("rows=%d raw_rows_per_s=%.0f row_by_row_rows_per_s=%.0f\n", n, n / raw_s, n / row_s);
    for (int i = 0; i < nb * NCOL; i++)
        hub_pg_array_free(&arr[i]);
    free(arr);
    free(params);
    PQclear(rows);
    PQfinish(c);
    return 0;
}
