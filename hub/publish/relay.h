/*
 * relay.h — the transactional outbox relay behind `hub-relay` (producers/OUTBOX.md).
 *
 * Reads committed rows of a district's sams_outbox.events (outbox.h) and publishes each through
 * the same hub_publisher_prepare_json() / hub_publisher_send() as hub-publish: the same
 * validation, pseudonymisation, sealing, signing and producer. A row is marked sent only from
 * its delivery report (acks=all); a row whose event is invalid is marked rejected with the
 * field-level reason, and the rows behind it go on; a row whose delivery failed is put back with
 * an exponential back-off. A child's rows go one at a time, in id order (outbox.h).
 *
 * Transient failures never stop the relay: the district's database going away (it reconnects
 * with back-off; results not yet recorded are kept and recorded then), the broker down (delivery
 * reports fail after kafka.message.timeout.ms and the rows are tried again). Killed at any
 * moment, it loses nothing: an unmarked row is published again (the event id makes that a no-op
 * downstream).
 */
#ifndef HUB_RELAY_H
#define HUB_RELAY_H

#include <stdbool.h>

#include "hub/core/config.h"
#include "hub/core/err.h"
#include "hub/core/metrics.h"

typedef struct hub_relay hub_relay_t;

/* Opens the publisher (hub.schools.file is the only school directory it seals with; pg.* keys
 * name the district's database) and describes the relay's metrics in `metrics` (borrowed, may be
 * NULL). Does not connect to the database yet. On error nothing is left open. */
int hub_relay_new(const hub_config_t *cfg, hub_metrics_t *metrics, hub_relay_t **out,
                  struct hub_error *err) HUB_MUST_CHECK;

/* Runs until hub_app_stopping(), or, when exit_when_idle_ms > 0, until the outbox has had no
 * pending row for that long. Returns 0, or an error the relay cannot get past (the producer's
 * fatal error: a new process must start a new producer). */
int hub_relay_run(hub_relay_t *r, long exit_when_idle_ms, struct hub_error *err) HUB_MUST_CHECK;

/* A hub_ready_fn (ops_http.h): ready while the database session is up and the last delivery did
 * not fail. Safe to call from another thread. */
bool hub_relay_ready(void *relay, char *why, size_t n);

/* Counts since start (for the summary line and tests). */
void hub_relay_counts(const hub_relay_t *r, long *sent, long *rejected, long *retried);

/* Purges what is unsent, closes the session and frees. Accepts NULL. */
void hub_relay_destroy(hub_relay_t *r);

/* Applies the outbox migrations (hub.relay.migrations_dir, default deploy/outbox) to the database
 * of the pg.* keys; *applied (may be NULL) gets how many were applied now. */
int hub_relay_migrate(const hub_config_t *cfg, int *applied, struct hub_error *err) HUB_MUST_CHECK;

#endif
