/*
 * ops_http.h — the operator's endpoints of a long-running program, on a loopback address.
 *
 *   GET /metrics   the registry in the Prometheus text format
 *   GET /healthz   200 while the process serves requests
 *   GET /readyz    200 when the program says it is ready (e.g. partitions assigned and the
 *                  database answering), else 503 with the reason
 *
 * Served by libmicrohttpd on its own thread; the ready callback runs on that thread, so it must
 * only read state that is safe to read concurrently (flags the main loop sets).
 */
#ifndef HUB_OPS_HTTP_H
#define HUB_OPS_HTTP_H

#include <stdbool.h>

#include "hub/core/err.h"
#include "hub/core/metrics.h"

typedef struct hub_ops_http hub_ops_http_t;

/* Returns whether the program is ready; when not, writes a short reason into why (n bytes). */
typedef bool (*hub_ready_fn)(void *ud, char *why, size_t n);

/* Starts serving on `listen` ("127.0.0.1:9464", "[::1]:9464", or ":0"-style port 0 picks one).
 * The registry and callback are borrowed. */
int hub_ops_http_start(const char *listen, hub_metrics_t *metrics, hub_ready_fn ready, void *ud,
                       hub_ops_http_t **out, struct hub_error *err) HUB_MUST_CHECK;

/* The port actually bound (useful with port 0). */
int hub_ops_http_port(const hub_ops_http_t *s);

/* Stops the server. Accepts NULL. */
void hub_ops_http_stop(hub_ops_http_t *s);

#endif
