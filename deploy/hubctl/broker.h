/*
 * broker.h — the embedded dev broker: librdkafka's mock cluster speaking the real Kafka protocol
 * on 127.0.0.1, with the hub topics created up front.
 *
 * Why: one code path for dev and production (ARCHITECTURE §3.8). Producers and consumers get the
 * address from hub_broker_bootstraps() as `kafka.bootstrap.servers` and cannot tell the
 * difference. Limits that matter (TECH-NOTES): everything is in memory; retention is hard-coded
 * to about HUB_BROKER_RETENTION_BYTES or HUB_BROKER_RETENTION_BATCHES per partition and older data
 * is dropped silently; the listening ports are random; CreateTopics admin requests are not
 * supported (topics are created here) and auto-created topics get only 4 partitions; Kafka
 * transactions are faked.
 *
 * The handle is not thread-safe to create or destroy concurrently with its own use; the mock
 * cluster itself runs on its own thread and serves any number of clients and processes.
 */
#ifndef HUB_BROKER_H
#define HUB_BROKER_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "hub/core/err.h"

#define HUB_BROKER_DEFAULT_BROKERS 3
#define HUB_BROKER_DEFAULT_PARTITIONS 16
#define HUB_BROKER_MAX_BROKERS 32
#define HUB_BROKER_MAX_PARTITIONS 1024
/* Kafka's own limit on a topic name, prefix included. */
#define HUB_BROKER_TOPIC_NAME_MAX 249
/* The mock cluster's hard-coded per-partition retention (librdkafka 2.0.2), for messages. */
#define HUB_BROKER_RETENTION_BYTES (5u * 1024u * 1024u)
#define HUB_BROKER_RETENTION_BATCHES 100000u

/* The hub topics (ARCHITECTURE §4), without prefix. */
#define HUB_BROKER_TOPIC_COUNT 12
static const char *const HUB_BROKER_TOPICS[HUB_BROKER_TOPIC_COUNT] = {
    "placement-events",      "school-start-events", "handover-events",  "handover-receipts",
    "contact-change-events", "follow-up-events",    "school-directory", "monthly-stats",
    "follow-up-stats",       "dlq.readmodel",       "dlq.notifier",     "dlq.stats",
};

typedef struct hub_broker hub_broker_t;

/* Options for hub_broker_new(); a zeroed struct (or NULL) means all defaults. */
struct hub_broker_opts {
    int brokers;        /* 0: HUB_BROKER_DEFAULT_BROKERS; else 1..HUB_BROKER_MAX_BROKERS */
    int partitions;     /* 0: HUB_BROKER_DEFAULT_PARTITIONS; else 1..HUB_BROKER_MAX_PARTITIONS */
    const char *prefix; /* NULL or "": none; prepended to every topic name as is */
    /* Topics to create (without prefix); NULL: HUB_BROKER_TOPICS. Names may contain only
     * [A-Za-z0-9._-] and, with the prefix, be at most HUB_BROKER_TOPIC_NAME_MAX long. */
    const char *const *topics;
    size_t topic_count;
};

/* Starts a mock cluster on 127.0.0.1 (random ports) and creates the topics, each with
 * `partitions` partitions and replication factor min(brokers, 3). On success *out is owned by the
 * caller (hub_broker_destroy). Errors: HUB_EINVAL (bad option or topic name, duplicate topic),
 * HUB_ENOMEM, HUB_EKAFKA (librdkafka refused). Does not block beyond starting the threads. */
int hub_broker_new(const struct hub_broker_opts *opts, hub_broker_t **out,
                   struct hub_error *err) HUB_MUST_CHECK;

/* The bootstrap.servers list ("127.0.0.1:PORT,127.0.0.1:PORT,..."), owned by the broker and valid
 * until hub_broker_destroy(). */
const char *hub_broker_bootstraps(const hub_broker_t *b);

/* The underlying mock cluster, for fault injection in tests (rd_kafka_mock_broker_set_down,
 * rd_kafka_mock_push_request_errors, ...). Owned by the broker; do not destroy it. */
rd_kafka_mock_cluster_t *hub_broker_mock(hub_broker_t *b);

/* Number of topics created and the full (prefixed) name of topic `i`, owned by the broker;
 * NULL when i is out of range. */
size_t hub_broker_topic_count(const hub_broker_t *b);
const char *hub_broker_topic(const hub_broker_t *b, size_t i);

/* Writes the bootstrap list and a newline to `path` atomically: a temporary file in the same
 * directory renamed over `path`, so a reader sees either no file or the whole line.
 * Errors: HUB_EINVAL (NULL/empty path), HUB_ENOMEM, HUB_EIO (with the path and the reason). */
int hub_broker_write_bootstrap_file(const hub_broker_t *b, const char *path,
                                    struct hub_error *err) HUB_MUST_CHECK;

/* Stops the cluster (clients connected to it lose their connections) and frees everything.
 * Blocks until the mock cluster's threads have exited (about a second in librdkafka 2.0.2).
 * Accepts NULL. */
void hub_broker_destroy(hub_broker_t *b);

#endif
