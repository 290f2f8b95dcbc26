/*
 * dlq.h — what a dead letter looks like, and how it still fits when the message did not.
 *
 * A dead letter goes to dlq.<consumer> with the original key and value and the headers
 * hub.reason, hub.detail, hub.source.topic, hub.source.partition, hub.source.offset,
 * hub.consumer and hub.dlq.id. hub.dlq.id is a stable id of the poison message (the first 32 hex
 * digits of SHA-256 over consumer group, source topic, partition and offset): every copy of the
 * letter for the same message carries the same id, so a reader dedupes on it.
 *
 * A letter that would exceed `limit` bytes (the DLQ producer's message.max.bytes, or what the
 * broker refused) is sent without its value: hub.value.omitted gives the value's length and
 * hub.value.sha256 its digest; the original stays readable at its source offset. A key longer
 * than HUB_DLQ_KEY_KEEP_MAX is then omitted the same way (hub.key.omitted, hub.key.sha256).
 */
#ifndef HUB_DLQ_H
#define HUB_DLQ_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/core/err.h"

#define HUB_DLQ_ID_HEX 32
#define HUB_DLQ_KEY_KEEP_MAX 1024
/* Room left for the record's own framing when estimating a letter's size. */
#define HUB_DLQ_OVERHEAD 256

/* Where the poison message came from and why it is dead. */
struct hub_dlq_origin {
    const char *consumer; /* the consumer group */
    const char *topic;
    int32_t partition;
    int64_t offset;
    const char *reason;
    const char *detail;
};

/* A dead letter ready for hub_producer_send(). `key` and `value` point into the source message
 * (or are NULL); `headers` is owned by the caller until the producer takes it. */
struct hub_dlq_letter {
    rd_kafka_headers_t *headers;
    const void *key;
    size_t key_len;
    const void *value;
    size_t value_len;
    bool value_omitted;
    char id[HUB_DLQ_ID_HEX + 1];
};

/* The stable id of a dead letter for (consumer, topic, partition, offset) into id. */
void hub_dlq_id(const char *consumer, const char *topic, int32_t partition, int64_t offset,
                char id[HUB_DLQ_ID_HEX + 1]);

/* Builds the letter for message (key, value) from `o`. The value is kept when the whole letter
 * fits in `limit` bytes and `omit_value` is false; otherwise it is omitted as described above.
 * Returns 0 or HUB_ENOMEM (nothing to free then). */
int hub_dlq_letter_build(const struct hub_dlq_origin *o, const void *key, size_t key_len,
                         const void *value, size_t value_len, size_t limit, bool omit_value,
                         struct hub_dlq_letter *out) HUB_MUST_CHECK;

#endif
