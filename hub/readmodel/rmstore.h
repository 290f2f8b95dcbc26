/*
 * rmstore.h — the read-model store: applies batches of events to the PostgreSQL read model
 * (deploy/migrations/001_readmodel.sql) together with the consumer's next offsets, exactly once.
 *
 * One batch is one transaction: the event ids go into hub.processed_events (ON CONFLICT DO
 * NOTHING) and only the ids that were new are applied, so an event re-sent by a producer after a
 * crash, or re-read after a lost commit, changes nothing; then one set-based upsert per table
 * (`INSERT ... SELECT FROM unnest(array parameters)`), then the offsets. Either all of it is
 * committed or none of it.
 *
 * Arrival order does not matter. hub.placements and hub.handovers keep the current state per
 * placement_id / handover_id, and an event replaces it only when it is newer by
 * (occurred_at, source offset) — offsets of one key are comparable because one placement or
 * handover means one child, one Kafka key, one partition. So a `changed` that arrives after an
 * `ended` but happened earlier does not overwrite it; within one batch the newest event per key
 * wins the same way. School starts, receipts and contact changes are one row per event and may
 * arrive before the placement or handover they name (no foreign keys).
 *
 * A store uses one PGconn (not owned) and prepares named statements on it ("hub_rm_*"), so at most
 * one store per connection. Not thread-safe. Buffers are reused across batches.
 */
#ifndef HUB_RMSTORE_H
#define HUB_RMSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "hub/core/err.h"
#include "hub/domain/event.h"
#include "hub/domain/district.h"

typedef struct hub_rmstore hub_rmstore_t;

/* One consumed event and where it came from. Nothing is copied beyond the call. */
struct hub_rm_item {
    const struct hub_event *ev;
    const char *topic;
    int32_t partition;
    int64_t offset;
    bool checked; /* the caller already validated ev (hub_event_validate) */
};

/* The next offset to read on a partition (last consumed offset + 1). */
struct hub_rm_offset {
    const char *topic;
    int32_t partition;
    int64_t next_offset;
};

#define HUB_RM_NO_ITEM SIZE_MAX

struct hub_rm_stats {
    size_t applied;    /* events applied now (new event ids) */
    size_t duplicates; /* events skipped: id already processed, or repeated within the batch */
    size_t bad_item;   /* index of the item refused with HUB_EINVAL, else HUB_RM_NO_ITEM */
};

/* Creates a store writing for consumer group `group` (copied) on `conn`, an idle session on a
 * migrated database, and prepares its statements. *out is the caller's (hub_rmstore_destroy).
 * Errors: HUB_EPG (e.g. schema not migrated), HUB_EPG_CONNECT, HUB_ENOMEM, HUB_EINVAL. */
int hub_rmstore_new(PGconn *conn, const char *group, hub_rmstore_t **out,
                    struct hub_error *err) HUB_MUST_CHECK;

/* Frees the store (not the connection). Accepts NULL. */
void hub_rmstore_destroy(hub_rmstore_t *store);

/* Moves the store to a new session after a reconnect (prepares the statements there), keeping its
 * buffers. The old connection is not touched and may already be finished. When this fails, use
 * yet another new session (some statements may already be prepared on this one). */
int hub_rmstore_set_conn(hub_rmstore_t *store, PGconn *conn, struct hub_error *err) HUB_MUST_CHECK;

/*
 * Applies `items` and stores `next_offsets` in one transaction. Either may be empty (n_off == 0
 * stores no offsets; n == 0 with offsets just moves them, e.g. after dead-lettering a whole
 * batch); if both are, nothing is done. `stats` (may be NULL) is filled.
 *
 * Every item is checked first (hub_rmstore_check_item): an item PostgreSQL would refuse fails the
 * call with HUB_EINVAL before anything is sent, stats->bad_item names it, and the caller should
 * dead-letter it and apply the rest. Other errors roll the transaction back, leaving nothing
 * behind: HUB_EPG_CONNECT means the database went away (reconnect, hub_rmstore_set_conn, and apply
 * the same batch again — safe even if the COMMIT did happen), HUB_EPG a failed statement,
 * HUB_ENOMEM.
 */
int hub_rmstore_apply(hub_rmstore_t *store, const struct hub_rm_item *items, size_t n,
                      const struct hub_rm_offset *next_offsets, size_t n_off,
                      struct hub_rm_stats *stats, struct hub_error *err) HUB_MUST_CHECK;

/* Checks that the database will take one item: its source position (topic present and valid
 * UTF-8, partition and offset not negative), then the event itself (hub_event_validate in
 * hub/domain/event_valid.h). Returns 0 or HUB_EINVAL with the field named (never its value). */
int hub_rmstore_check_item(const struct hub_rm_item *item, struct hub_error *err) HUB_MUST_CHECK;

/* The statement the store upserts hub.placements with: 18 column arrays ($1 placement_id uuid[]
 * … $18 src_offset int8[], in the order of the table's INSERT list), newest wins. For benchmarks
 * that time the bare statement against hub_rmstore_apply(). */
const char *hub_rmstore_placements_sql(void);

/* Calls put(ud, placement_id, start_day) for each of the `n` placement ids that hub.placements
 * holds (start_day: its start_date in days since 1970-01-01). A put() error stops and is
 * returned. 0, HUB_EPG_CONNECT, HUB_EPG, HUB_ENOMEM. */
int hub_rmstore_placement_starts(hub_rmstore_t *store, const char *const *ids, size_t n,
                                 int (*put)(void *ud, const char *id, int32_t start_day), void *ud,
                                 struct hub_error *err) HUB_MUST_CHECK;

/* ---- ownership (hub/kafka/owner.h) ---- */

/* Calls put(ud, id, district) for each of the `n` placement ids (handovers: handover ids) that has
 * an owner: in hub.record_owners (the registry of contested records, which a rebuild keeps), else
 * in hub.placements (hub.handovers). A put() error stops and is returned. 0, HUB_EPG_CONNECT,
 * HUB_EPG, HUB_ENOMEM. */
int hub_rmstore_owners(hub_rmstore_t *store, bool handovers, const char *const *ids, size_t n,
                       int (*put)(void *ud, const char *id, const char *district), void *ud,
                       struct hub_error *err) HUB_MUST_CHECK;

/* A school start or handover stored before its placement arrived, which the placement's owner's
 * district may not act for: moved out of the read model into hub.owner_conflicts. */
struct hub_rm_eviction {
    char kind; /* 's' school start (id: its event id), 'h' handover (id: handover_id) */
    char id[HUB_UUID_STR];
    char placement_id[HUB_UUID_STR];
    char district[HUB_DISTRICT_CODE_MAX]; /* who sent it */
    char owner[HUB_DISTRICT_CODE_MAX];    /* whose placement it names */
};

/* Every stored school start and handover naming one of the `n` placement ids: *out (caller
 * frees), owner left empty. 0, HUB_EPG_CONNECT, HUB_EPG, HUB_ENOMEM. */
int hub_rmstore_dependents(hub_rmstore_t *store, const char *const *placement_ids, size_t n,
                           struct hub_rm_eviction **out, size_t *n_out,
                           struct hub_error *err) HUB_MUST_CHECK;

/* A record whose owner is to be registered in hub.record_owners (a contested one). */
struct hub_rm_claim {
    char kind; /* 'p' placement, 'h' handover */
    char id[HUB_UUID_STR];
    char district[HUB_DISTRICT_CODE_MAX];
};

/* The owners the next hub_rmstore_apply() registers (already registered ones stay) and the
 * evictions it makes, in its transaction (borrowed until then; the call consumes them, committed
 * or not). */
void hub_rmstore_set_ownership(hub_rmstore_t *store, const struct hub_rm_claim *claims,
                               size_t n_claims, const struct hub_rm_eviction *ev, size_t n_ev);

/* The stored next offset of this group on one partition, or -1 in *next_offset when none. */
int hub_rmstore_load_offset(hub_rmstore_t *store, const char *topic, int32_t partition,
                            int64_t *next_offset, struct hub_error *err) HUB_MUST_CHECK;

/* All stored offsets of this group, ordered by topic and partition. *out is one allocation that
 * also holds the topic strings; the caller frees it with free(). *n may be 0 (*out is NULL). */
int hub_rmstore_load_offsets(hub_rmstore_t *store, struct hub_rm_offset **out, size_t *n,
                             struct hub_error *err) HUB_MUST_CHECK;

/* For a rebuild: in ONE transaction empties every read-model table, hub.processed_events and this
 * group's offsets, so a replay from offset 0 rebuilds the same state. Other groups' offsets stay.
 */
int hub_rmstore_reset(hub_rmstore_t *store, struct hub_error *err) HUB_MUST_CHECK;

#endif
