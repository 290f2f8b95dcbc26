/*
 * event_input.h — a district's event as JSON, validated and turned into a struct hub_event.
 *
 * This is the one place the publish contract (producers/INPUT.md) is enforced, used by the
 * `hub-publish` CLI and by the C API alike. The input names the child by personnummer or
 * samordningsnummer; the output carries only the pseudonym, birth year and legal sex. The number
 * itself is never copied into the event, a message or a log line.
 *
 * Every problem of an input is collected (not just the first), each naming its field:
 * "start_date: 2026-02-30 is not a date". The caller adds "FILE:LINE: ".
 */
#ifndef HUB_EVENT_INPUT_H
#define HUB_EVENT_INPUT_H

#include <stddef.h>

#include "hub/domain/district.h"
#include "hub/domain/event.h"
#include "hub/crypto/pseudonym.h"

#define HUB_INPUT_PROBLEMS_MAX 16

struct hub_input_problem {
    int code;                     /* HUB_E* class of the problem */
    char text[HUB_ERROR_MSG_MAX]; /* "field: what is wrong" */
};

struct hub_input_problems {
    size_t n;         /* problems recorded (at most HUB_INPUT_PROBLEMS_MAX) */
    size_t n_dropped; /* problems beyond the maximum, counted only */
    struct hub_input_problem p[HUB_INPUT_PROBLEMS_MAX];
};

/* What validation needs: reference data and the pseudonym key (both borrowed, not owned). */
struct hub_input_ctx {
    const hub_districts_t *districts;
    hub_pseudonym_t *pseudonym;
    bool allow_content; /* handover `content` is accepted (sealed by the caller); else refused */
};

/* Parses one JSON object (`len` bytes, need not be NUL-terminated) into *out. Returns 0 when
 * valid; otherwise HUB_EINVAL with every problem in *probs and *out cleared. A handover's
 * `content`, when allowed, is returned as compact JSON text in *content_json (caller frees;
 * NULL when absent) for the caller to seal. */
int hub_event_from_json(const struct hub_input_ctx *ctx, const char *json, size_t len,
                        struct hub_event *out, char **content_json,
                        struct hub_input_problems *probs) HUB_MUST_CHECK;

#endif
