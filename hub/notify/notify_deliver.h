/*
 * notify_deliver.h — the notifier's delivery worker: outbox → signed HTTPS POST → outcome, plus
 * publication of queued receipts and the overdue scan.
 *
 * One loop on its own thread and its own PostgreSQL session (LISTENing on HUB_NSTORE_CHANNEL so
 * that a committed batch wakes it at once; otherwise it looks every hub.notifier.poll_ms):
 *   1. claim due notifications (hub_nstore_claim: lease + backend pid) up to the free transfer
 *      slots (hub.notifier.parallel) and start them on one libcurl multi handle — a school that
 *      hangs holds a slot for at most hub.notifier.timeout_s and delays no other school;
 *   2. for each finished transfer, classify: 2xx delivered; 410 failed (gone); anything else is
 *      retried after hub_notify_backoff_ms() or Retry-After, whichever is later, until the
 *      notification's deadline (hub.notifier.retry_for_s after it was queued), then failed.
 *      A school missing from the directory, removed, without webhook_url or signing secret, or
 *      with a non-https URL (unless hub.notifier.allow_http) fails at once with "no endpoint".
 *      The outcome is recorded (hub_nstore_record). If the database is away it is kept in memory
 *      and recorded when it is back; if the process dies first, the lease lapses with the session
 *      and the notification is sent again with the same webhook-id;
 *   3. publish queued receipts on handover-receipts with the idempotent producer, signed
 *      (hub.sig headers) for the handover's district, and mark them published from the delivery
 *      reports;
 *   4. once a minute, emit `overdue` receipts (hub_notify_overdue_cutoff_ms()).
 * Each request carries webhook-id (the notification id), webhook-timestamp and webhook-signature
 * (hub/crypto/webhook.h) under the school's secret, read from its signing_secret_ref file at every
 * attempt (so a rotated secret is picked up). Redirects are not followed.
 */
#ifndef HUB_NOTIFY_DELIVER_H
#define HUB_NOTIFY_DELIVER_H

#include "hub/avro/codec.h"
#include "hub/core/config.h"
#include "hub/domain/district.h"
#include "hub/core/err.h"
#include "hub/core/metrics.h"

typedef struct hub_deliverer hub_deliverer_t;

/* Counters (approximate when read from another thread). */
struct hub_deliver_stats {
    uint64_t attempts, delivered, retried, failed, receipts_published, overdue;
};

/* Reads the hub.notifier.* settings, opens the receipt signer (hub.signing.*, hub/crypto/sign.h:
 * each receipt is signed for its handover's district, like any event on a hub topic) and creates
 * the producer; connects nothing yet. `codec` and `districts` are borrowed (read-only, shared).
 * curl_global_init() must have been called. */
int hub_deliverer_new(const hub_config_t *cfg, const hub_codec_t *codec,
                      const hub_districts_t *districts, hub_deliverer_t **out,
                      struct hub_error *err) HUB_MUST_CHECK;

/* Runs the loop until hub_app_stopping() or hub_deliverer_stop(); then lets transfers in flight
 * finish (at most hub.notifier.timeout_s), records them and flushes receipts. Database outages are
 * ridden out (reconnecting with back-off). Returns 0, or a fatal error (out of memory, a fatal
 * producer error). */
int hub_deliverer_run(hub_deliverer_t *d, struct hub_error *err);

/* Asks a running loop to stop (any thread). */
/* Counts outcomes in `m` (hub_deliveries_total{outcome}) and keeps the pending gauges fresh
 * (hub_notifications_pending, hub_oldest_pending_seconds). Call before hub_deliverer_run(). */
void hub_deliverer_set_metrics(hub_deliverer_t *d, hub_metrics_t *m);

void hub_deliverer_stop(hub_deliverer_t *d);

void hub_deliverer_destroy(hub_deliverer_t *d);

#endif
