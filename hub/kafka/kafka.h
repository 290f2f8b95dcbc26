/*
 * kafka.h — librdkafka configuration from the hub config, and the hub's producer.
 *
 * Every `kafka.*` key goes to librdkafka verbatim (prefix removed), so TLS, SASL/SCRAM and
 * OAUTHBEARER settings pass through. The bootstrap address comes from kafka.bootstrap.servers or
 * from the file named by hub.bootstrap_file (written by `hubctl broker`): nothing else differs
 * between the dev broker and a real cluster.
 *
 * Invariant 7: the producer is idempotent with acks=all, and a configuration that weakens either
 * is refused at start. Success is only ever reported from a delivery report.
 */
#ifndef HUB_KAFKA_H
#define HUB_KAFKA_H

#include <librdkafka/rdkafka.h>

#include "hub/core/config.h"
#include "hub/core/err.h"
#include "hub/domain/event.h"

/* Size limits, lined up (README "Message size limits"):
 *  - HUB_EVENT_MAX_BYTES: the largest encoded event (Avro value) a hub publisher sends and a hub
 *    consumer accepts; a larger value is refused by hub-publish and the C API, and dead-lettered
 *    with reason `size` by a consumer;
 *  - HUB_MESSAGE_MAX_BYTES: message.max.bytes of every hub producer (value + key + headers +
 *    record framing); the room above HUB_EVENT_MAX_BYTES holds key and signature headers;
 *  - topics' max.message.bytes (deploy/kafka/cluster.table) is 1048588, the broker default, so
 *    every message a hub producer may send is accepted;
 *  - consumers ask for at most fetch.max.bytes=HUB_TOPIC_MAX_MESSAGE_BYTES per fetch and 256 KiB
 *    per partition (hub/kafka/kafka.c, to bound memory); both are soft limits: a broker returns the
 *    first record batch of a partition whole even when it is larger (KIP-74), so the largest
 *    message a topic accepts is still read (tests/integration/test_readmodel_oversize.sh). */
#define HUB_EVENT_MAX_BYTES 983040
#define HUB_MESSAGE_MAX_BYTES 1000000
#define HUB_TOPIC_MAX_MESSAGE_BYTES 1048588

enum hub_kafka_role { HUB_KAFKA_PRODUCER, HUB_KAFKA_CONSUMER };

/* The hub's topics without the configurable prefix (ARCHITECTURE.md §4). */
#define HUB_TOPIC_PLACEMENT "placement-events"
#define HUB_TOPIC_SCHOOL_START "school-start-events"
#define HUB_TOPIC_HANDOVER "handover-events"
#define HUB_TOPIC_RECEIPT "handover-receipts"
#define HUB_TOPIC_CONTACT_CHANGE "contact-change-events"
#define HUB_TOPIC_FOLLOW_UP "follow-up-events"
#define HUB_TOPIC_SCHOOL_DIRECTORY "school-directory"
#define HUB_TOPIC_MONTHLY_STATS "monthly-stats"
#define HUB_TOPIC_FOLLOW_UP_STATS "follow-up-stats"
#define HUB_TOPIC_DLQ_PREFIX "dlq."

/* Every topic the hub uses, NULL-terminated (dead-letter topics: dlq.<consumer>). */
extern const char *const hub_topics_all[];

/* The topic (without prefix) an event type is published to. */
const char *hub_topic_of_event(enum hub_event_type t);

/* Builds a librdkafka configuration for `role` named `client_id` from cfg. kafka.* keys that the
 * linked librdkafka lists as the other role's (session.timeout.ms for a producer, linger.ms for a
 * consumer) are left out, so one shared configuration draws no warning; unknown keys are refused.
 * Errors name the key and where it was set. On success the caller owns *out (rd_kafka_conf_destroy,
 * or hand it to rd_kafka_new). */
int hub_kafka_conf_new(const hub_config_t *cfg, enum hub_kafka_role role, const char *client_id,
                       rd_kafka_conf_t **out, struct hub_error *err) HUB_MUST_CHECK;

typedef struct hub_producer hub_producer_t;

/* Called from hub_producer_poll()/flush() on the caller's thread once per message, with the
 * msg_opaque given to hub_producer_send() and RD_KAFKA_RESP_ERR_NO_ERROR only when the cluster
 * acknowledged the message with acks=all. */
typedef void (*hub_delivery_fn)(void *ud, void *msg_opaque, rd_kafka_resp_err_t err);

int hub_producer_new(const hub_config_t *cfg, const char *client_id, hub_delivery_fn on_delivery,
                     void *ud, hub_producer_t **out, struct hub_error *err) HUB_MUST_CHECK;

/* Enqueues one message (key and value are copied). Blocks while the local queue is full, serving
 * delivery reports meanwhile. `hdrs` (may be NULL) is owned by the producer on success only.
 * Returns 0, HUB_EKAFKA_TOO_LARGE when it exceeds message.max.bytes, or HUB_EKAFKA when it could
 * not be enqueued for another reason (no report will follow either way). */
int hub_producer_send(hub_producer_t *p, const char *topic, const void *key, size_t klen,
                      const void *val, size_t vlen, rd_kafka_headers_t *hdrs, void *msg_opaque,
                      struct hub_error *err) HUB_MUST_CHECK;

/* Serves delivery reports for up to timeout_ms. */
void hub_producer_poll(hub_producer_t *p, int timeout_ms);

/* Waits until every message has its delivery report; 0, or HUB_ETIMEOUT with some outstanding. */
int hub_producer_flush(hub_producer_t *p, int timeout_ms);

/* Messages enqueued whose delivery report has not been served yet. */
int hub_producer_outstanding(const hub_producer_t *p);

/* Non-zero once the idempotent producer hit a fatal error; *reason filled. */
int hub_producer_fatal(hub_producer_t *p, char *reason, size_t n);

rd_kafka_t *hub_producer_handle(hub_producer_t *p);

/* Purges what is still queued (their reports say RD_KAFKA_RESP_ERR__PURGE_QUEUE) and frees.
 * Accepts NULL. */
void hub_producer_destroy(hub_producer_t *p);

#endif
