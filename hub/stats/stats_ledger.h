/*
 * stats_ledger.h — what was published before about a year, read back from the ledger of the
 * monthly-stats topic (hub.stats_published_latest, migration 005), so that a new publication
 * respects it (consumers/STATISTICS.md §5, "Consistency over time").
 *
 * A reader keeps every version. For each district-month the ledger's newest record says, per
 * published cell and count, either the value shown or that it was hidden. hub_stats_build uses
 * it: a count hidden before stays hidden (whatever the pattern of the new data would be); a count
 * shown before with the value it has now is known to the reader — it stays shown and is a
 * constant to the audit, never a complement; a count whose value has changed is a new quantity.
 * So late events change the pattern only where the data changed and where the audit needs it.
 */
#ifndef HUB_STATS_LEDGER_H
#define HUB_STATS_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "hub/core/err.h"
#include "hub/domain/district.h"
#include "hub/stats/stats.h"

struct hub_stats_ledger_cell {
    char district[HUB_DISTRICT_CODE_MAX];
    int month;                /* 1..12 */
    struct hub_stats_key key; /* period and district unset (0) */
    enum hub_stats_count count;
    bool hidden;   /* published hidden (or not published at that level) */
    int64_t value; /* when shown */
};

typedef struct hub_stats_ledger hub_stats_ledger_t;

/* The newest published record of every district-month of `year` that is not withdrawn. An
 * empty ledger when the database has no ledger (schema below 5). HUB_EPG, HUB_EINVAL (a record
 * that does not parse: named by district and period), HUB_ENOMEM. */
int hub_stats_ledger_load(PGconn *conn, int year, hub_stats_ledger_t **out,
                          struct hub_error *err) HUB_MUST_CHECK;

/* A ledger from records given as JSON text (district, period "YYYY-MM", figures), for tests. */
int hub_stats_ledger_add(hub_stats_ledger_t *l, const char *district, const char *period,
                         const char *figures_json, struct hub_error *err) HUB_MUST_CHECK;
int hub_stats_ledger_new(hub_stats_ledger_t **out, struct hub_error *err) HUB_MUST_CHECK;

void hub_stats_ledger_destroy(hub_stats_ledger_t *l);

size_t hub_stats_ledger_count(const hub_stats_ledger_t *l);
const struct hub_stats_ledger_cell *hub_stats_ledger_at(const hub_stats_ledger_t *l, size_t i);

#endif
