/*
 * notify_receipts.h — the HTTP endpoint where schools acknowledge handovers (kvittens).
 *
 *   POST /v1/receipts   {"handover_id": "<uuid>", "school_unit": "<8 digits>"}
 *   GET  /healthz       200 "ok" (liveness, for scripts)
 *
 * A receipt is signed like our webhooks (hub/crypto/webhook.h): webhook-id, webhook-timestamp,
 * webhook-signature under the signing secret of the school named in the body (its directory
 * entry's signing_secret_ref). Answers, as JSON {"status": ...} or {"error": ...}:
 *   200 acknowledged / already_acknowledged (idempotent: no second receipt event)
 *   400 body not JSON or fields malformed; 401 missing, malformed, stale (beyond
 *   hub.notifier.receipt_max_skew_s, default 5 min, either way) or wrong signature, or a school
 *   unknown, removed or without a secret; 403 the handover was addressed to another school (logged
 *   as reason=wrong_recipient; no receipt is made); 404 unknown handover; 405/404 other methods or
 *   paths; 409 the handover was withheld from this school; 413 body over 8 KiB; 503 (with
 *   Retry-After) when the database is unavailable.
 * The signature is checked before anything about the handover is looked at.
 *
 * Served by libmicrohttpd on one internal thread (so one PostgreSQL session, opened lazily and
 * re-opened after a failure) with bounded connections, memory and timeouts. Plain HTTP: bind it
 * to loopback (the default) and put a TLS-terminating proxy in front for schools.
 */
#ifndef HUB_NOTIFY_RECEIPTS_H
#define HUB_NOTIFY_RECEIPTS_H

#include <stddef.h>
#include <stdint.h>

#include "hub/core/config.h"
#include "hub/core/err.h"
#include "hub/domain/event.h"

typedef struct hub_receipt_server hub_receipt_server_t;

#define HUB_RECEIPT_BODY_MAX 8192

/* Binds `listen` ("host:port", "[v6addr]:port"; port 0 picks a free one) and starts serving.
 * `cfg` is borrowed for the server's life. Errors: HUB_ECONFIG_VALUE (listen malformed),
 * HUB_EIO (cannot bind), HUB_ENOMEM. */
int hub_receipt_server_start(const hub_config_t *cfg, const char *listen,
                             hub_receipt_server_t **out, struct hub_error *err) HUB_MUST_CHECK;

/* The bound port. */
uint16_t hub_receipt_server_port(const hub_receipt_server_t *s);

/* Parses a receipt body (`len` bytes, untrusted): a JSON object with "handover_id" (lowercase
 * canonical uuid) and "school_unit" (8 digits); other members are ignored, duplicates refused.
 * Returns 0, or HUB_EINVAL with a constant reason in *why. */
int hub_receipt_parse(const char *body, size_t len, char handover_id[HUB_UUID_STR],
                      char school_unit[HUB_SCHOOL_UNIT_STR], const char **why) HUB_MUST_CHECK;

/* Stops serving (waits for the request in hand) and frees. Accepts NULL. */
void hub_receipt_server_stop(hub_receipt_server_t *s);

#endif
