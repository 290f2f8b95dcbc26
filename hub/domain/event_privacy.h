/*
 * event_privacy.h — what an event may carry out of the district, checked on both sides.
 *
 * Two rules, applied by the publisher (hub/publish/event_input.c, so `hub-publish` and the C API)
 * before anything is sent, and by every consumer (hub/kafka/event_check.c) before anything is
 * stored or delivered: identity_in_clear  a free-text field (a contact's name, role, phone, e-mail;
 * a receipt's detail) holds a personnummer or samordningsnummer, found by the one detector the log
 * scrubber uses (hub_pnr_find, with the check digit). Identifiers with a fixed format (uuids,
 * codes) are held to that format. no_legal_ground    a handover carries sealed content while its
 * legal_ground is `none`: content without a legal ground never leaves the district. Errors name the
 * field and the rule, never the value.
 */
#ifndef HUB_EVENT_PRIVACY_H
#define HUB_EVENT_PRIVACY_H

#include "hub/core/err.h"
#include "hub/domain/event.h"

/* The dead-letter reasons of the two rules; their dead letters carry no value
 * (hub/kafka/consumer.h). */
#define HUB_REASON_IDENTITY "identity_in_clear"
#define HUB_REASON_NO_GROUND "no_legal_ground"

/* The message for a free-text field `field` that holds a personnummer (no value in it). */
#define HUB_PRIVACY_IDENTITY_MSG                                                                   \
    "holds a personnummer or samordningsnummer; a child's identity never travels in clear"
#define HUB_PRIVACY_NO_GROUND_MSG                                                                  \
    "legal_ground is none: content without a legal ground never leaves the district; leave "       \
    "content out or record the ground"

/* Checks `ev` against both rules. Returns 0, or HUB_EINVAL with err->msg "FIELD: why" (e.g.
 * "contact.name: holds a personnummer …") and `reason` (when not NULL) pointed at
 * HUB_REASON_IDENTITY or HUB_REASON_NO_GROUND. */
int hub_event_privacy_check(const struct hub_event *ev, const char **reason,
                            struct hub_error *err) HUB_MUST_CHECK;

#endif
