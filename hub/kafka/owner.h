/*
 * owner.h — a district may change only the records it owns (issue 14).
 *
 * Records are placements (placement_id) and handovers (handover_id). The owner of a placement
 * is the district of the placement events that created it; of a handover, the district of its
 * handover events. A district may act on a record it owns or one owned by a district merged into
 * it (its successor chain in districts.csv, hub_sign_signer_covers()). Acting means:
 *   - a placement event on that placement_id;
 *   - a school start naming that placement_id;
 *   - a handover event on that handover_id, or naming that placement_id;
 *   - a contact change naming that placement_id in its scope.
 * Anything else is dead-lettered with reason `owner`. Placement ids reach every receiving school,
 * so knowing one proves nothing.
 *
 * Arrival order: ownership of a placement comes from placement events only, never from a school
 * start or handover that merely names it, so a school start that arrives before its placement
 * cannot claim it. Such a record is kept provisionally; when the placement arrives and belongs
 * to a district that may not act for it, the consumer moves it out (the read model into
 * hub.owner_conflicts), so the read model ends up the same whichever arrived first. A record
 * nobody owns yet is claimed by the first placement (handover) event the consumer reads for it
 * (within a batch, in batch order). When an event of another district is refused on a record,
 * the read model registers the record's owner for good in hub.record_owners, which `--rebuild`
 * keeps: a rebuild, reading the topics in another order, decides every contest as the first run
 * did (records nobody contested have one claimant, whatever the order).
 *
 * A hub_owners_t is a consumer's working map for one batch: owners loaded from its database,
 * plus the batch's claims. Not thread-safe.
 */
#ifndef HUB_OWNER_H
#define HUB_OWNER_H

#include <stdbool.h>
#include <stddef.h>

#include "hub/domain/district.h"
#include "hub/domain/event.h"
#include "hub/kafka/consumer.h"

enum hub_owner_kind { HUB_OWNER_PLACEMENT = 'p', HUB_OWNER_HANDOVER = 'h' };

typedef struct hub_owners hub_owners_t;

/* A new empty map, or NULL when out of memory. */
hub_owners_t *hub_owners_new(void);

/* Empties the map (keeps its memory). */
void hub_owners_reset(hub_owners_t *o);

/* Records that `district` owns the record (`kind`, `id`) unless an owner is known already.
 * `claimed` marks a claim made by the current batch (not stored yet). 0 or HUB_ENOMEM. */
int hub_owners_put(hub_owners_t *o, enum hub_owner_kind kind, const char *id, const char *district,
                   bool claimed) HUB_MUST_CHECK;

/* The owner of (`kind`, `id`), or NULL when unknown. */
const char *hub_owners_get(const hub_owners_t *o, enum hub_owner_kind kind, const char *id);

/* The records of `kind` the last hub_owner_review() claimed for the first time (no owner was
 * known): their count, and the id at `i` with its new owner in *district (owned by the map). */
size_t hub_owners_claimed_count(const hub_owners_t *o, enum hub_owner_kind kind);
const char *hub_owners_claimed_at(const hub_owners_t *o, enum hub_owner_kind kind, size_t i,
                                  const char **district);

/* The records on which the last hub_owner_review() refused an event of another district: their
 * count, and the one at `i` with its kind and owner. The read model registers these owners for
 * good (hub.record_owners), so that a rebuild decides the contest the same way. */
size_t hub_owners_contested_count(const hub_owners_t *o);
const char *hub_owners_contested_at(const hub_owners_t *o, size_t i, enum hub_owner_kind *kind,
                                    const char **district);

void hub_owners_destroy(hub_owners_t *o);

/* The ids a batch refers to, for the caller to load their stored owners: `evs[i]` NULL for a
 * message already dead. Calls `add(ud, kind, id)` once per reference (duplicates possible). */
void hub_owner_refs(const struct hub_event *const *evs, size_t n,
                    void (*add)(void *ud, enum hub_owner_kind kind, const char *id), void *ud);

/*
 * Judges a batch: first the batch's placement and handover events claim records that have no
 * owner yet (in batch order), then every event is checked against the owners. Sets reject[i]
 * and why[i] (reason "owner", a detail naming the event, the record and both districts) for
 * each event that may not act. `o` holds the stored owners on entry and the claims on return.
 * 0 or HUB_ENOMEM.
 */
int hub_owner_review(const hub_districts_t *districts, hub_owners_t *o,
                     const struct hub_event *const *evs, size_t n, bool *reject,
                     struct hub_rejection *why) HUB_MUST_CHECK;

/* Loads stored owners: calls put(put_ud, id, district) for each of the `n` ids (placement ids,
 * or handover ids when `handovers`) that has a known owner. Returns 0 or an error (err set). */
typedef int (*hub_owner_loader)(void *ud, bool handovers, const char *const *ids, size_t n,
                                int (*put)(void *put_ud, const char *id, const char *district),
                                void *put_ud, struct hub_error *err);

/* The whole review of a consumer's batch: `o` is reset, filled by `load` with the stored owners
 * of every record the batch refers to, then hub_owner_review(). 0, the loader's error, or
 * HUB_ENOMEM. */
int hub_owner_check_batch(const hub_districts_t *districts, hub_owners_t *o,
                          const struct hub_event *const *evs, size_t n, hub_owner_loader load,
                          void *ud, bool *reject, struct hub_rejection *why,
                          struct hub_error *err) HUB_MUST_CHECK;

/* True when `actor` may act on a record owned by `owner` (same district, or owner merged into
 * actor). */
bool hub_owner_may_act(const hub_districts_t *districts, const char *actor, const char *owner);

#endif
