/* event_privacy.c — no identity in clear, no content without a legal ground (event_privacy.h). */
#include "hub/domain/event_privacy.h"
#include "hub/core/pnrscan.h"

#include <stdio.h>
#include <string.h>

/* 0 when `text` (NUL-terminated within `cap`) holds no personnummer; else the error. */
static int check_text(const char *prefix, const char *field, const char *text, size_t cap,
                      const char **reason, struct hub_error *err)
{
    if (!hub_pnr_find(text, strnlen(text, cap), NULL, NULL))
        return 0;
    if (reason)
        *reason = HUB_REASON_IDENTITY;
    return hub_error_set(err, HUB_EINVAL, "%s%s: %s", prefix, field, HUB_PRIVACY_IDENTITY_MSG);
}

static int check_contact(const char *prefix, const struct hub_contact *c, const char **reason,
                         struct hub_error *err)
{
    int rc;
    if ((rc = check_text(prefix, "name", c->name, sizeof c->name, reason, err)) ||
        (rc = check_text(prefix, "role", c->role, sizeof c->role, reason, err)) ||
        (rc = check_text(prefix, "phone", c->phone, sizeof c->phone, reason, err)) ||
        (rc = check_text(prefix, "email", c->email, sizeof c->email, reason, err)))
        return rc;
    return 0;
}

int hub_event_privacy_check(const struct hub_event *ev, const char **reason, struct hub_error *err)
{
    const struct hub_handover *h = &ev->u.handover;
    int rc;

    switch (ev->type) {
    case HUB_EV_HANDOVER:
        if ((rc = check_contact("contact.", &h->contact, reason, err)) != 0)
            return rc;
        if (h->sealed_content && h->legal_ground == HUB_GROUND_NONE) {
            if (reason)
                *reason = HUB_REASON_NO_GROUND;
            return hub_error_set(err, HUB_EINVAL, "content: %s", HUB_PRIVACY_NO_GROUND_MSG);
        }
        return 0;
    case HUB_EV_CONTACT_CHANGE:
        if ((rc = check_contact("old_contact.", &ev->u.contact_change.old_contact, reason, err)) ||
            (rc = check_contact("new_contact.", &ev->u.contact_change.new_contact, reason, err)))
            return rc;
        return 0;
    case HUB_EV_HANDOVER_RECEIPT:
        if (ev->u.receipt.has_detail)
            return check_text("", "detail", ev->u.receipt.detail, sizeof ev->u.receipt.detail,
                              reason, err);
        return 0;
    default:
        return 0;
    }
}
