/*
 * fuzz_delivery.c — libFuzzer target for the notification body a school's receiver stored and
 * hands to `hub-open --delivery` (hub_delivered_handover_parse).
 *
 * Properties, beyond "no crash, no read past the input, no leak": a body that parses names a
 * canonical uuid for both ids and an 8-digit school unit; its sealed bytes are absent exactly
 * when their length is 0; a body that does not parse says why (a non-empty message) and leaves
 * nothing allocated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/domain/ident.h"
#include "hub/notify/notifier.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hub_delivered_handover d;
    struct hub_error err = {0};
    if (hub_delivered_handover_parse((const char *)data, size, &d, &err) != 0) {
        if (err.msg[0] == '\0' || d.sealed || d.sealed_len)
            abort();
        return 0;
    }
    if (!hub_is_canonical_uuid(d.handover_id) || !hub_is_canonical_uuid(d.placement_id) ||
        strlen(d.receiving_school_unit) != 8 || (d.sealed == NULL) != (d.sealed_len == 0))
        abort();
    hub_delivered_handover_clear(&d);
    return 0;
}
