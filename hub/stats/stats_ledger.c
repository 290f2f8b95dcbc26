/*
 * stats_ledger.c — the monthly-stats ledger read back as cells (see stats_ledger.h).
 *
 * The records are those stats_record.c writes (schemas/monthly_stats/v1.avsc as JSON): two tables
 * of rows labelled by form and basis or by sex and age group, each count a {value, flag}.
 */
#include "hub/stats/stats_ledger.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/domain/event.h"
#include "hub/pg/pg.h"

static const char SQL_LEDGER[] =
    "SELECT district, period, figures::text FROM hub.stats_published_latest"
    " WHERE period LIKE $1 AND NOT withdrawn AND figures IS NOT NULL"
    " ORDER BY period, district";

struct hub_stats_ledger {
    struct hub_stats_ledger_cell *cell;
    size_t n, cap;
};

int hub_stats_ledger_new(hub_stats_ledger_t **out, struct hub_error *err)
{
    if (!(*out = calloc(1, sizeof **out)))
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    return 0;
}

void hub_stats_ledger_destroy(hub_stats_ledger_t *l)
{
    if (!l)
        return;
    free(l->cell);
    free(l);
}

size_t hub_stats_ledger_count(const hub_stats_ledger_t *l)
{
    return l ? l->n : 0;
}

const struct hub_stats_ledger_cell *hub_stats_ledger_at(const hub_stats_ledger_t *l, size_t i)
{
    return l && i < l->n ? &l->cell[i] : NULL;
}

static size_t code_index(const char *code, const char *(*name)(size_t), size_t n)
{
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(code, name(i)) == 0)
            return i;
    return SIZE_MAX;
}

/* One row of a record's table into cells. */
static int add_row(hub_stats_ledger_t *l, const char *district, int month, const json_t *row,
                   bool form_basis, struct hub_error *err)
{
    struct hub_stats_key key = {0};
    const char *a =
        json_string_value(json_object_get(row, form_basis ? "placement_form" : "legal_sex"));
    const char *b =
        json_string_value(json_object_get(row, form_basis ? "legal_basis" : "age_group"));
    size_t i = form_basis ? code_index(a, hub_stats_form_code, HUB_STATS_FORMS)
                          : code_index(a, hub_stats_sex_code, HUB_STATS_SEXES);
    size_t j = form_basis ? code_index(b, hub_stats_basis_code, HUB_STATS_BASES)
                          : code_index(b, hub_stats_age_code, HUB_STATS_AGES);
    if (i == SIZE_MAX || j == SIZE_MAX)
        return hub_error_set(err, HUB_EINVAL, "ledger %s %d: a row labelled '%.20s/%.20s'",
                             district, month, a ? a : "?", b ? b : "?");
    if (form_basis)
        key.form = i, key.basis = j;
    else
        key.sex = i, key.age = j;
    for (int c = 0; c < HUB_STATS__COUNTS; c++) {
        const json_t *cnt = json_object_get(row, hub_stats_count_name((enum hub_stats_count)c));
        const char *flag = json_string_value(json_object_get(cnt, "flag"));
        if (!flag)
            return hub_error_set(err, HUB_EINVAL, "ledger %s %d: %s has no flag", district, month,
                                 hub_stats_count_name((enum hub_stats_count)c));
        if (l->n == l->cap) {
            size_t cap = l->cap ? 2 * l->cap : 1024;
            struct hub_stats_ledger_cell *g = realloc(l->cell, cap * sizeof *g);
            if (!g)
                return hub_error_set(err, HUB_ENOMEM, "out of memory");
            l->cell = g;
            l->cap = cap;
        }
        struct hub_stats_ledger_cell *lc = &l->cell[l->n++];
        memset(lc, 0, sizeof *lc);
        snprintf(lc->district, sizeof lc->district, "%s", district);
        lc->month = month;
        lc->key = key;
        lc->count = (enum hub_stats_count)c;
        lc->hidden = strcmp(flag, "shown") != 0;
        lc->value = lc->hidden ? 0 : (int64_t)json_integer_value(json_object_get(cnt, "value"));
    }
    return 0;
}

int hub_stats_ledger_add(hub_stats_ledger_t *l, const char *district, const char *period,
                         const char *figures_json, struct hub_error *err)
{
    int year, rc = 0;
    size_t p;
    json_error_t jerr;
    json_t *rec;

    if (hub_stats_period_parse(period, &year, &p, err) != 0 ||
        hub_stats_period_kind(p) != HUB_STATS_MONTH)
        return hub_error_set(err, HUB_EINVAL, "ledger: '%.16s' is not a month", period);
    if (!(rec = json_loads(figures_json, 0, &jerr)))
        return hub_error_set(err, HUB_EINVAL, "ledger %s %s: the record is not JSON (%s)", district,
                             period, jerr.text);
    static const char *const tables[2] = {"by_form_basis", "by_sex_age"};
    for (int t = 0; t < 2 && rc == 0; t++) {
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(rec, tables[t]), i, row)
        {
            if ((rc = add_row(l, district, hub_stats_period_month(p), row, t == 0, err)) != 0)
                break;
        }
    }
    json_decref(rec);
    return rc;
}

int hub_stats_ledger_load(PGconn *conn, int year, hub_stats_ledger_t **out, struct hub_error *err)
{
    PGresult *res = NULL;
    char like[16];
    int rc;

    *out = NULL;
    if ((rc = hub_stats_ledger_new(out, err)) != 0)
        return rc;
    /* no ledger before migration 5: nothing was published */
    if ((rc = hub_pg_exec(conn, "look for the statistics ledger",
                          "SELECT to_regclass('hub.stats_published_latest') IS NOT NULL", 0, NULL,
                          &res, err)) != 0)
        goto fail;
    bool exists = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    res = NULL;
    if (!exists)
        return 0;
    snprintf(like, sizeof like, "%04d-%%", year);
    const char *params[1] = {like};
    if ((rc = hub_pg_exec(conn, "read the statistics ledger", SQL_LEDGER, 1, params, &res, err)) !=
        0)
        goto fail;
    for (int i = 0; i < PQntuples(res); i++)
        if ((rc = hub_stats_ledger_add(*out, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                                       PQgetvalue(res, i, 2), err)) != 0)
            goto fail;
    PQclear(res);
    return 0;
fail:
    PQclear(res);
    hub_stats_ledger_destroy(*out);
    *out = NULL;
    return rc;
}
