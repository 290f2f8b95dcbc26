/*
 * consumer.h — the one consume → batch → commit loop every hub consumer runs.
 *
 * Exactly-once effects (invariant 5) come from the handler: it writes a batch's results and the
 * next offsets of every partition in the batch in ONE PostgreSQL transaction, and on assignment
 * this loop seeks each partition to the offset the handler stored (no stored offset: the
 * beginning). Kafka-side commits are made after the database commit for lag monitoring only.
 *
 * Authenticity comes first (hub/crypto/sign.h): before prepare() sees a message, its Ed25519
 * signature (headers hub.sig, hub.sig.key) over (topic as received, key, value) is verified against
 * the key table loaded once at start (hub.signing.keys_file). Keys are judged on the message's
 * first sighting by the hub and, for version 2 signatures, its signed time (hub/crypto/sign.h
 * "Time"), never on the Kafka timestamp. A missing signature, one that does not verify, an unknown
 * key id, a key revoked or not valid then, or a signing time outside the window sends the message
 * to the DLQ with reason `signature` and a detail starting with "missing signature", "bad
 * signature", "unknown key", "expired key", "key not yet valid", "revoked key", "signing time out
 * of range" or "bad signature header"; prepare() is not called. The first sighting of every message
 * whose signature verified is recorded (handler seen_record) before the batch commits. With
 * hub.signing.required=false an unsigned message passes (its signer is then NULL). The signatures
 * of a batch are checked in hub.signing.verify_threads threads, once per message. prepare() learns
 * the verified signer with hub_consumer_current_signer(), e.g. to check that the event's district
 * is the signer's.
 *
 * Nothing blocks a partition and nothing is dropped silently (invariant 6): a message the handler
 * rejects in prepare() goes to dlq.<name> with its original key and value and the headers
 * hub.reason, hub.detail, hub.source.topic, hub.source.partition, hub.source.offset,
 * hub.consumer and hub.dlq.id (hub/kafka/dlq.h). The dead letter is acknowledged before the batch
 * (and so its offset) commits. A letter handed to the producer is not handed over again until its
 * delivery report says it failed; one too large to send whole goes without its value (length and
 * SHA-256 in headers). A value over HUB_EVENT_MAX_BYTES is dead-lettered with reason `size`,
 * whatever its signature says, and prepare() does not see it.
 * A dead letter with reason HUB_REASON_IDENTITY or HUB_REASON_NO_GROUND
 * (hub/domain/event_privacy.h) carries no value (header hub.value=withheld): what must not leave
 * the district is not copied onto one more topic.
 *
 * When the database goes away (commit() returns HUB_EPG_CONNECT), every assigned partition is
 * paused, the consumer stays in its group, and the same batch is retried with exponential back-off
 * (capped by hub.consumer.retry_max_ms) until it commits; then the partitions resume. Messages of
 * partitions revoked meanwhile are dropped from the pending batch: their new owner reads them from
 * the stored offsets.
 *
 * The loop runs on the caller's thread until hub_app_stopping(); the batch in hand is finished
 * first.
 */
#ifndef HUB_CONSUMER_H
#define HUB_CONSUMER_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

#include "hub/core/config.h"
#include "hub/core/err.h"
#include "hub/core/metrics.h"

#define HUB_REASON_MAX 64

struct hub_sign_key;
struct hub_districts;

/* One message of a batch as the handler sees it at commit(). */
struct hub_batch_msg {
    const rd_kafka_message_t *msg;
    const char *topic;
    bool dead; /* rejected by prepare(): already sent to the DLQ, skip it */
};

/* The next offset to store for a partition the batch touched. */
struct hub_batch_offset {
    const char *topic;
    int32_t partition;
    int64_t next_offset;
};

struct hub_batch {
    struct hub_batch_msg *msgs;
    size_t n;
    struct hub_batch_offset *offsets;
    size_t n_offsets;
};

/* Why review() rejects a message: its dead-letter reason and one-line detail. */
struct hub_rejection {
    char reason[HUB_REASON_MAX];
    char detail[HUB_ERROR_MSG_MAX];
};

struct hub_consumer_handler {
    void *ud;
    /* Decodes and validates msg into the handler's slot `slot` (0..batch_max-1). Returns 0 to keep
     * it, or non-zero to dead-letter it with a short `reason` code ("decode", "invalid",
     * "district") and a one-line `detail` in err->msg. */
    int (*prepare)(void *ud, const rd_kafka_message_t *msg, size_t slot,
                   char reason[HUB_REASON_MAX], struct hub_error *err);
    /* Writes the kept messages and every next offset in one transaction. Returns 0;
     * HUB_EPG_CONNECT when the database is unreachable (retried); anything else stops the loop. */
    int (*commit)(void *ud, const struct hub_batch *batch, struct hub_error *err);
    /* Re-establishes the database connection after HUB_EPG_CONNECT. */
    int (*reconnect)(void *ud, struct hub_error *err);
    /* The stored next offset of a partition, or -1 when none. */
    int (*load_offset)(void *ud, const char *topic, int32_t partition, int64_t *next,
                       struct hub_error *err);
    /* Optional (NULL: every message is judged as first seen now). Before verification: sets
     * seen_ms[i] to the recorded first sighting of the signature sigs[i] (64 bytes, NULL: none)
     * where there is one (hub/pg/sighting.h). An error is retried like a failed commit. */
    int (*seen_lookup)(void *ud, const uint8_t *const *sigs, int64_t *seen_ms, size_t n,
                       struct hub_error *err);
    /* Optional: records seen_ms[i] as the first sighting of each sigs[i] that is not NULL (a
     * signature that verified, by key key_ids[i]), before commit(). An error is retried. */
    int (*seen_record)(void *ud, const uint8_t *const *sigs, const char *const *key_ids,
                       const int64_t *seen_ms, size_t n, struct hub_error *err);
    /* Optional: checks that need the whole batch or the database (e.g. who owns a record), after
     * prepare() and before dead letters are sent. Sets reject[i] and rejection[i] for each
     * message to dead-letter (messages already dead may be left alone). The batch's `dead`
     * flags are current. An error is retried like a failed commit. */
    int (*review)(void *ud, const struct hub_batch *b, bool *reject,
                  struct hub_rejection *rejection, struct hub_error *err);
};

struct hub_consumer_stats {
    uint64_t consumed;     /* messages read from Kafka */
    uint64_t committed;    /* messages whose batch committed (kept + dead) */
    uint64_t dead_letters; /* messages sent to the DLQ */
    uint64_t batches;
    uint64_t db_retries;
    uint64_t rebalances;
    int64_t busy_ms;         /* from the first message read to the last batch committed */
    uint64_t bad_signatures; /* dead letters with reason `signature` (in dead_letters too) */
    int64_t verify_ms;       /* wall time spent verifying signatures */
    uint64_t verified_ahead; /* messages whose signature bytes were verified during the previous
                                batch's processing (see hub.signing.verify_threads) */
    int64_t sighting_ms;     /* wall time looking up and recording first sightings */
    int64_t commit_ms;       /* wall time in the handler's commit (the database transaction) */
};

typedef struct hub_consumer hub_consumer_t;

/* Creates a consumer named `name` (client id, DLQ dlq.<name>) in `group`, subscribed to `topics`
 * (without prefix; NULL-terminated). The handler is borrowed. Fails naming hub.signing.keys_file
 * when the key table does not load, or is empty while signatures are required. */
int hub_consumer_new(const hub_config_t *cfg, const char *name, const char *group,
                     const char *const *topics, const struct hub_consumer_handler *h,
                     hub_consumer_t **out, struct hub_error *err) HUB_MUST_CHECK;

/* Runs until stopped (or until `idle_exit_ms` > 0 passes with nothing to consume). Returns 0 on a
 * clean stop, or the error that ended it. */
int hub_consumer_run(hub_consumer_t *c, int idle_exit_ms, struct hub_error *err);

/* Counters so far (copied). */
void hub_consumer_get_stats(const hub_consumer_t *c, struct hub_consumer_stats *out);

/* Logs the counters as the program's final "stopped" record (consumed=… committed=… … busy_ms=…;
 * scripts and tests read these fields). */
void hub_consumer_log_stats(const struct hub_consumer_stats *st);

/* While prepare() runs: the key whose signature on the current message verified (its `district`
 * is the signer), or NULL for an unsigned message let through by hub.signing.required=false.
 * NULL outside prepare(). Owned by the consumer. */
const struct hub_sign_key *hub_consumer_current_signer(const hub_consumer_t *c);

/* While prepare() runs: when the hub first saw the current message (ms since the epoch; its
 * recorded first sighting, or when it was read); 0 outside prepare(). Checks of an event's own
 * times judge against this, so that a rebuild judges as the first run did. */
int64_t hub_consumer_current_seen(const hub_consumer_t *c);

/* For prepare() after decoding: 0 when the current message's verified signer may sign for
 * `event_district` (the same district, or one it was merged into, per `districts`) or the message
 * is unsigned (hub.signing.required=false); else HUB_ESIGNATURE with "signed by D (key K), but
 * the event is E's" in err — dead-letter it with reason `signer`. */
int hub_consumer_check_signer(const hub_consumer_t *c, const struct hub_districts *districts,
                              const char *event_district, struct hub_error *err) HUB_MUST_CHECK;

/* The consumer's metrics registry (owned by it): handlers may add their own series. Served on
 * hub.metrics.listen as /metrics with /healthz and /readyz (ready: partitions assigned and the
 * database answering). */
hub_metrics_t *hub_consumer_metrics(hub_consumer_t *c);

/* A cheap database round trip (SELECT 1) the loop runs every few seconds while idle, so that
 * /readyz notices an outage even when there is nothing to commit. Optional. */
void hub_consumer_set_ping(hub_consumer_t *c, int (*ping)(void *ud, struct hub_error *err));

/* Leaves the group (revoking partitions) and frees. Accepts NULL. */
void hub_consumer_destroy(hub_consumer_t *c);

#endif
