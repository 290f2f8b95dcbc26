/*
 * notifier.h — the notifier: handover and contact-change events → receiving schools, with
 * receipts back to the district and a disclosure log.
 *
 * Three loops in one process, each with its own PostgreSQL session:
 *   - the consumer (caller's thread; hub/kafka/consumer.h, group hub.notifier.group) turns each new
 *     event into outbox rows in ONE transaction with its event id (hub.notifier_events) and the
 *     group's next offsets (hub.consumer_offsets): exactly once. A handover whose legal_ground is
 *     `none` is recorded `withheld` there and then (receipt + disclosure-log row; nothing is ever
 *     sent); any other handover becomes one pending notification to its receiving school only.
 *     A contact change becomes one notice per school with an active (pending or delivered)
 *     handover under the old contact within the event's scope (hub_nstore_match_contact());
 *   - the delivery worker (a thread; hub/notify/notify_deliver.h) sends, retries, records outcomes,
 *     publishes receipts and emits overdue receipts;
 *   - the receipt endpoint (libmicrohttpd's thread; hub/notify/notify_receipts.h) on
 *     hub.notifier.listen, unless that is empty.
 * Messages the consumer cannot use go to dlq.notifier with reason `signature` (hub/consumer),
 * `decode`, `wrong_topic`, `key_mismatch`, `future`, `district`, `signer` (not signed by the
 * event's district), `invalid` or `owner` (a handover on another district's handover or placement,
 * a contact change naming another district's placement; hub/kafka/owner.h, owners from the read
 * model (hub.record_owners, hub.placement_owners), else from the notifier's own first handover
 * notification). The
 * receipts it publishes are signed like any event (hub/crypto/sign.h).
 *
 * What a school receives (JSON, exactly the bytes signed; never the child's pseudonym):
 *   handover:  {"type":"handover.created","timestamp":<occurred_at RFC 3339>,"handover_id",
 *               "placement_id","district","receiving_school_unit","planned_start_date",
 *               "legal_ground","contact":{"name","role","phone","email"},
 *               "sealed_content":<base64 of the sealed bytes, or null>}
 *   contact:   {"type":"contact.changed","timestamp","district","school_unit","effective_date",
 *               "old_contact":{...},"new_contact":{...},
 *               "handovers":[{"handover_id","placement_id"},...]}
 */
#ifndef HUB_NOTIFIER_H
#define HUB_NOTIFIER_H

#include "hub/core/config.h"
#include "hub/kafka/consumer.h"
#include "hub/domain/event.h"

typedef struct hub_notifier hub_notifier_t;

/* Loads what the notifier needs, connects to PostgreSQL (migrated schema) and joins the group.
 * curl_global_init() is done here (and undone in destroy); call it before other threads start. */
int hub_notifier_new(const hub_config_t *cfg, hub_notifier_t **out,
                     struct hub_error *err) HUB_MUST_CHECK;

/* Starts the delivery worker and the receipt endpoint, consumes until SIGINT/SIGTERM (or a fatal
 * error in any loop), then stops all three. Returns 0 on a clean stop. */
int hub_notifier_run(hub_notifier_t *n, struct hub_error *err);

void hub_notifier_stats(const hub_notifier_t *n, struct hub_consumer_stats *out);

void hub_notifier_destroy(hub_notifier_t *n);

/* The JSON a school receives for a handover event (compact, UTF-8), in a new string (caller
 * frees). Returns 0, HUB_EINVAL or HUB_ENOMEM. */
int hub_notifier_handover_body(const struct hub_event *ev, char **out) HUB_MUST_CHECK;

/* A handover notification as a school received it: the ids its sealed content is bound to, and
 * the sealed bytes (NULL when the body says null). */
struct hub_delivered_handover {
    char handover_id[HUB_UUID_STR];
    char placement_id[HUB_UUID_STR];
    char receiving_school_unit[HUB_SCHOOL_UNIT_STR];
    uint8_t *sealed; /* malloc'd; free with hub_delivered_handover_clear() */
    size_t sealed_len;
};

/* Reads a body hub_notifier_handover_body() made (what a school's receiver stores). Returns 0,
 * or HUB_EINVAL with err naming what is wrong: not JSON, not a "handover.created", a missing or
 * malformed field (named), sealed_content that is not base64. */
int hub_delivered_handover_parse(const char *body, size_t len, struct hub_delivered_handover *out,
                                 struct hub_error *err) HUB_MUST_CHECK;

void hub_delivered_handover_clear(struct hub_delivered_handover *d);

/* The JSON a school receives for a contact change concerning `n` handovers there. */
int hub_notifier_contact_body(const struct hub_event *ev, const char *school_unit,
                              const char *const *handover_ids, const char *const *placement_ids,
                              size_t n, char **out) HUB_MUST_CHECK;

#endif
