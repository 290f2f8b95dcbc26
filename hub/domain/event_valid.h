/*
 * event_valid.h — what every event must satisfy, whoever uses it: the read model stores it, the
 * notifier delivers it, a consumer checks it before either (hub/kafka/event_check.h).
 *
 * Field by field: ids are canonical lowercase UUIDs, the child a 64-hex pseudonym (child events),
 * enumerations in range, dates and instants within 1900..9999, text NUL-terminated valid UTF-8
 * within its buffer and not empty where required, contact-change scopes within HUB_SCOPE_MAX.
 * The first failure is reported as "<field>: <what>", never with the value.
 */
#ifndef HUB_EVENT_VALID_H
#define HUB_EVENT_VALID_H

#include "hub/core/err.h"
#include "hub/domain/event.h"

/* 0, or HUB_EINVAL with err naming the first field that fails (a NULL ev: "event: missing"). */
int hub_event_validate(const struct hub_event *ev, struct hub_error *err) HUB_MUST_CHECK;

#endif
