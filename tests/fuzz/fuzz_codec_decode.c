/*
 * fuzz_codec_decode.c — libFuzzer target for hub_codec_decode() and hub_codec_decode_json().
 *
 * Any input must give 0 or one of the codec's documented errors, never a crash, a read past the
 * buffer or a leak. An input that decodes must re-encode (decode checks what encode checks) and
 * decode again to the same event. Also built with replay_main.c to run the seed corpus in ctest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/avro/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hub_codec_t *codec; /* read-only once made; lives for the whole run */

static int known_error(int rc)
{
    return (rc <= HUB_EAVRO_MAGIC && rc >= HUB_EAVRO_VARINT) || rc == HUB_ENOMEM;
}

static int same_event(const struct hub_event *a, const struct hub_event *b)
{
    if (a->type != b->type || memcmp(&a->common, &b->common, sizeof a->common) != 0)
        return 0;
    if (a->type == HUB_EV_HANDOVER) {
        const struct hub_handover *x = &a->u.handover, *y = &b->u.handover;
        return memcmp(x, y, offsetof(struct hub_handover, sealed_content)) == 0 &&
               (x->sealed_content == NULL) == (y->sealed_content == NULL) &&
               x->sealed_content_len == y->sealed_content_len &&
               (x->sealed_content_len == 0 ||
                memcmp(x->sealed_content, y->sealed_content, x->sealed_content_len) == 0);
    }
    return memcmp(&a->u, &b->u, sizeof a->u) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hub_error err;
    struct hub_event ev, again;
    json_t *json = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc;

    if (!codec && hub_codec_new(&codec, &err) != 0)
        abort();

    rc = hub_codec_decode(codec, data, size, &ev, &err);
    if (rc == 0) {
        if (hub_codec_encode(codec, &ev, &buf, &len, &err) != 0)
            abort(); /* decoded but cannot be re-encoded */
        if (hub_codec_decode(codec, buf, len, &again, &err) != 0 || !same_event(&ev, &again))
            abort(); /* not a fixed point */
        hub_event_clear(&again);
        free(buf);
        hub_event_clear(&ev);
    } else if (!known_error(rc) || err.code != rc || err.msg[0] == '\0') {
        abort();
    }

    rc = hub_codec_decode_json(codec, data, size, &json, NULL, &err);
    if (rc == 0)
        json_decref(json);
    else if ((!known_error(rc) && rc != HUB_EAVRO_SCHEMA) || json)
        abort();
    return 0;
}
