/*
 * readmodel.h — the read-model consumer: event topics → PostgreSQL read model, exactly once.
 *
 * Wires hub/consumer (batching, dead letters, offsets-on-assignment, outage handling) to
 * hub/rmstore (one transaction per batch with the next offsets). Each message is decoded with the
 * writer's schema, then checked: its type belongs on the topic it came from, its Kafka key is the
 * event's child pseudonym (or district for a contact change), its district existed on the day it
 * happened, and its signer (verified by hub/consumer before decoding) is that district or the
 * district it was merged into. A message that fails goes to dlq.readmodel with reason
 * `signature` (from hub/consumer), `decode`, `wrong_topic`, `key_mismatch`, `district`, `signer`
 * or `invalid`.
 */
#ifndef HUB_READMODEL_H
#define HUB_READMODEL_H

#include <stdbool.h>

#include "hub/core/config.h"
#include "hub/kafka/consumer.h"

typedef struct hub_readmodel hub_readmodel_t;

/* Connects to PostgreSQL (the schema must be migrated), loads reference data and joins the group
 * hub.readmodel.group. With `rebuild`, first empties the read model and this group's offsets in
 * one transaction, so everything is read again from the earliest offsets. */
int hub_readmodel_new(const hub_config_t *cfg, bool rebuild, hub_readmodel_t **out,
                      struct hub_error *err) HUB_MUST_CHECK;

/* Consumes until SIGINT/SIGTERM (or idle_exit_ms of nothing to do, when > 0). */
int hub_readmodel_run(hub_readmodel_t *rm, int idle_exit_ms, struct hub_error *err);

void hub_readmodel_stats(const hub_readmodel_t *rm, struct hub_consumer_stats *out);

void hub_readmodel_destroy(hub_readmodel_t *rm);

#endif
