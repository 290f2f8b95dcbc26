/*
 * followup_publish.h — the follow-up tables (followup.h) to the topic follow-up-stats for BI: one
 * record per district and one for the city (schemas/follow_up_stats/v<N>.avsc, single-object
 * encoding like every other message), key "<district>|<period>", on a compacted topic where the
 * newest record of a key replaces the older ones.
 *
 * A record holds only what hub_followup_get() returns: a hidden count is null and named in the
 * row's `hidden` list; a count that does not apply (goals in gymnasieskola) is null and not named.
 * No share is sent: a consumer computes it from two shown counts, and only then.
 */
#ifndef HUB_FOLLOWUP_PUBLISH_H
#define HUB_FOLLOWUP_PUBLISH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/core/config.h"
#include "hub/core/err.h"
#include "hub/stats/followup.h"

#define HUB_FU_RECORD_NAME "follow_up_stats" /* schemas/<this>/v<N>.avsc */

/* The record of district d (0: the city) as JSON in the schema's shape. *out is a new reference
 * the caller must json_decref(). HUB_ENOMEM. */
int hub_followup_record(const hub_followup_t *t, size_t d, bool provisional, int64_t now_ms,
                        json_t **out, struct hub_error *err) HUB_MUST_CHECK;

/* Publishes the records of the city and every district with an idempotent acks=all producer
 * (client id hub-stats, topic hub.topic.prefix + follow-up-stats) and waits for every
 * acknowledgement; *sent (may be NULL) counts the acknowledged ones. Blocks. Returns 0,
 * HUB_EAVRO_* when the compiled-in schema and the records disagree, HUB_EKAFKA naming the first
 * failure, HUB_ENOMEM. */
int hub_followup_publish(const hub_config_t *cfg, const hub_followup_t *t, bool provisional,
                         size_t *sent, struct hub_error *err) HUB_MUST_CHECK;

#endif
