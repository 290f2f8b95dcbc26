/*
 * event_check.h — the checks every event consumer makes on a message before using it.
 *
 * In order, each failure with the dead-letter reason the consumer reports:
 *   decode        the value is not an event of a known schema version (hub/avro/codec.h)
 *   wrong_topic   the event's type does not belong on the topic it came from
 *   key_mismatch  the Kafka key is not the child pseudonym (a contact change: its district)
 *   district      the district did not exist on the (Stockholm) day the event happened
 *   signer        the verified signer is not the event's district (or the one it merged into);
 *                 a receipt must be signed by the hub itself (HUB_SIGN_HUB)
 *   identity_in_clear  a free-text field holds a personnummer (hub/domain/event_privacy.h)
 *   no_legal_ground    a handover carries sealed content with legal_ground `none`
 *   invalid       a value no event may carry (hub/domain/event_valid.h)
 * The dead letters of identity_in_clear and no_legal_ground carry no value (hub/kafka/consumer.h).
 * The signature itself was verified by hub/consumer before prepare() runs.
 */
#ifndef HUB_EVENT_CHECK_H
#define HUB_EVENT_CHECK_H

#include <librdkafka/rdkafka.h>

#include "hub/avro/codec.h"
#include "hub/core/config.h"
#include "hub/kafka/consumer.h"
#include "hub/domain/district.h"
#include "hub/domain/event.h"

#define HUB_EVENT_CHECK_TOPIC_MAX 256

/* What the checks need; borrowed pointers. Fill with hub_event_check_init(). */
struct hub_event_check {
    const hub_codec_t *codec;
    const hub_districts_t *districts;
    const hub_consumer_t *consumer;                          /* set once the consumer exists */
    char topic_of[HUB_EV__COUNT][HUB_EVENT_CHECK_TOPIC_MAX]; /* prefixed topic of each type */
};

void hub_event_check_init(struct hub_event_check *c, const hub_config_t *cfg,
                          const hub_codec_t *codec, const hub_districts_t *districts);

/* Decodes `m` into *ev (cleared first) and runs every check. 0, or an error with `reason` set
 * to the dead-letter reason and err->msg naming the event id where one is known. */
int hub_event_check_message(const struct hub_event_check *c, const rd_kafka_message_t *m,
                            struct hub_event *ev, char reason[HUB_REASON_MAX],
                            struct hub_error *err) HUB_MUST_CHECK;

#endif
