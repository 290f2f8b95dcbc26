/*
 * fuzz_event_input.c — libFuzzer target for the publish contract's JSON input
 * (hub_event_from_json, behind hub-publish and sams_publish).
 *
 * The input is one JSON text, validated against the real districts table
 * (schemas/reference/districts.csv) with a fixed pseudonym key and `content` allowed. Properties,
 * beyond "no crash, no read past the input, no leak":
 *   - a refused input gives HUB_EINVAL, at least one problem, and an event and content that own
 *     nothing; an accepted one gives no problem;
 *   - an accepted event encodes (we never accept what the codec would refuse to publish) and
 *     decodes back to itself;
 *   - the personnummer of the input (its digits, with or without the century) appears in no
 *     problem text and nowhere in the encoded event: only its pseudonym travels.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/avro/codec.h"
#include "hub/publish/event_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* any fixed random bytes (hub_pseudonym refuses a pattern) */
static const uint8_t pseudonym_key[32] = {
    0x3c, 0x9e, 0x51, 0xd7, 0x08, 0xa2, 0x6f, 0xe4, 0x17, 0xb9, 0x4d, 0x80, 0xf3, 0x26, 0xca, 0x5b,
    0x91, 0x0e, 0x7a, 0xc5, 0x33, 0xe8, 0x62, 0x1f, 0xad, 0x44, 0xd0, 0x89, 0x2b, 0xf6, 0x75, 0x13};

/* read-only once made; live for the whole run */
static hub_districts_t *districts;
static hub_pseudonym_t *pseudonym;
static hub_codec_t *codec;

static void setup(void)
{
    struct hub_error err;
    if (hub_districts_load_dir(NULL, &districts, &err) != 0 ||
        hub_pseudonym_new_from_bytes(pseudonym_key, sizeof pseudonym_key, &pseudonym, &err) != 0 ||
        hub_codec_new(&codec, &err) != 0)
        abort();
}

/* The digits of the input's "personnummer" member into `out` when there are 10 or 12 of them
 * (what could identify a child); else "". */
static void pnr_digits(const uint8_t *data, size_t size, char out[16])
{
    json_error_t jerr;
    json_t *o = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    const char *s = json_string_value(json_object_get(o, "personnummer"));
    size_t n = 0;
    out[0] = '\0';
    for (; s && *s && n < 13; s++)
        if (isdigit((unsigned char)*s))
            out[n++] = *s;
    if (n == 10 || n == 12)
        out[n] = '\0';
    else
        out[0] = '\0';
    json_decref(o);
}

/* True when the last 10 digits of the personnummer occur in buf[0..len). */
static int leaks(const char *digits, const void *buf, size_t len)
{
    size_t n = strlen(digits);
    if (n < 10)
        return 0;
    const char *tail = digits + n - 10, *b = buf;
    for (size_t i = 0; i + 10 <= len; i++)
        if (memcmp(b + i, tail, 10) == 0)
            return 1;
    return 0;
}

static int same_event(const struct hub_event *a, const struct hub_event *b)
{
    if (a->type != b->type || memcmp(&a->common, &b->common, sizeof a->common) != 0)
        return 0;
    if (a->type == HUB_EV_HANDOVER)
        return memcmp(&a->u.handover, &b->u.handover,
                      offsetof(struct hub_handover, sealed_content)) == 0;
    return memcmp(&a->u, &b->u, sizeof a->u) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hub_input_ctx ctx;
    struct hub_input_problems probs;
    struct hub_event ev, again;
    struct hub_error err;
    char *content = NULL;
    char digits[16];
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc;

    if (!codec)
        setup();
    ctx.districts = districts;
    ctx.pseudonym = pseudonym;
    ctx.allow_content = true;
    pnr_digits(data, size, digits);

    rc = hub_event_from_json(&ctx, (const char *)data, size, &ev, &content, &probs);
    for (size_t i = 0; i < probs.n; i++)
        if (leaks(digits, probs.p[i].text, strlen(probs.p[i].text)))
            abort(); /* a problem text quotes the personnummer */
    if (rc != 0) {
        if (rc != HUB_EINVAL || (probs.n == 0 && probs.n_dropped == 0) || content ||
            ev.type != HUB_EV_PLACEMENT || ev.common.event_id[0] != '\0')
            abort();
        hub_event_clear(&ev);
        return 0;
    }
    if (probs.n != 0 || probs.n_dropped != 0)
        abort();
    if (content) {
        /* the caller seals it (hub/seal.h); here fixed bytes stand in for the sealed text, which
         * may hold anything about the pupil, the personnummer too */
        if (ev.type != HUB_EV_HANDOVER || !(ev.u.handover.sealed_content = malloc(16)))
            abort();
        memset(ev.u.handover.sealed_content, 0xa5, 16);
        ev.u.handover.sealed_content_len = 16;
        free(content);
    }
    if (hub_codec_encode(codec, &ev, &buf, &len, &err) != 0)
        abort(); /* accepted input the codec refuses to publish */
    if (leaks(digits, buf, len))
        abort();
    if (hub_codec_decode(codec, buf, len, &again, &err) != 0 || !same_event(&ev, &again))
        abort();
    hub_event_clear(&again);
    free(buf);
    hub_event_clear(&ev);
    return 0;
}
