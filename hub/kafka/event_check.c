/* event_check.c — one set of message checks for every event consumer (event_check.h). */
#include "hub/kafka/event_check.h"
#include "hub/core/date.h"
#include "hub/kafka/kafka.h"
#include "hub/domain/event_privacy.h"
#include "hub/domain/event_valid.h"
#include "hub/crypto/sign.h"

#include <stdio.h>
#include <string.h>

void hub_event_check_init(struct hub_event_check *c, const hub_config_t *cfg,
                          const hub_codec_t *codec, const hub_districts_t *districts)
{
    memset(c, 0, sizeof *c);
    c->codec = codec;
    c->districts = districts;
    for (int t = 0; t < HUB_EV__COUNT; t++)
        hub_config_topic(cfg, hub_topic_of_event((enum hub_event_type)t), c->topic_of[t],
                         sizeof c->topic_of[t]);
}

static int fail(char reason[HUB_REASON_MAX], const char *why, int rc)
{
    snprintf(reason, HUB_REASON_MAX, "%s", why);
    return rc;
}

int hub_event_check_message(const struct hub_event_check *c, const rd_kafka_message_t *m,
                            struct hub_event *ev, char reason[HUB_REASON_MAX],
                            struct hub_error *err)
{
    hub_event_clear(ev);
    int rc = hub_codec_decode(c->codec, m->payload, m->len, ev, err);
    if (rc)
        return fail(reason, "decode", rc);
    const char *topic = rd_kafka_topic_name(m->rkt);
    if (strcmp(topic, c->topic_of[ev->type]) != 0)
        return fail(reason, "wrong_topic",
                    hub_error_set(err, HUB_EINVAL, "a %s event does not belong on %s",
                                  hub_event_type_name(ev->type), topic));
    bool by_district = ev->type == HUB_EV_CONTACT_CHANGE;
    const char *want_key = by_district ? ev->common.district : ev->common.child;
    if (!m->key || m->key_len != strlen(want_key) || memcmp(m->key, want_key, m->key_len) != 0)
        return fail(
            reason, "key_mismatch",
            hub_error_set(err, HUB_EINVAL, "event_id=%s: the message key is not the event's %s",
                          ev->common.event_id, by_district ? "district" : "child pseudonym"));
    int32_t day = hub_days_stockholm_from_ms(ev->common.occurred_at);
    if ((rc = hub_districts_check(c->districts, ev->common.district, day, err)) != 0) {
        hub_error_prefix(err, "event_id=%s: ", ev->common.event_id);
        return fail(reason, "district", rc);
    }
    /* no district issues receipts: only the hub signs them */
    const char *signer = ev->type == HUB_EV_HANDOVER_RECEIPT ? HUB_SIGN_HUB : ev->common.district;
    if (c->consumer &&
        (rc = hub_consumer_check_signer(c->consumer, c->districts, signer, err)) != 0) {
        hub_error_prefix(err, "event_id=%s: ", ev->common.event_id);
        return fail(reason, "signer", rc);
    }
    const char *why = NULL;
    if ((rc = hub_event_privacy_check(ev, &why, err)) != 0) {
        hub_error_prefix(err, "event_id=%s: ", ev->common.event_id);
        return fail(reason, why, rc);
    }
    if ((rc = hub_event_validate(ev, err)) != 0)
        return fail(reason, "invalid", rc);
    return 0;
}
