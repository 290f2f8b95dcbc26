/*
 * metrics.h — counters, gauges and histograms, rendered in the Prometheus text format.
 *
 * A registry is shared between the program's main loop, which updates it, and the ops HTTP
 * server's thread, which renders it; every call takes the registry's mutex, so update per batch,
 * not per message, on hot paths. Series are created on first use: a metric name plus at most one
 * label (name and value), e.g. hub_consumed_total{topic="placement-events"}. Names and label
 * values are copied. Never put a pseudonym or any per-child value in a label.
 */
#ifndef HUB_METRICS_H
#define HUB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "hub/core/err.h"

typedef struct hub_metrics hub_metrics_t;

/* A new, empty registry; NULL when out of memory. */
hub_metrics_t *hub_metrics_new(void);
void hub_metrics_destroy(hub_metrics_t *m);

/* Documents a metric (# HELP) and its type; optional, but do it once at start for each name. */
void hub_metrics_describe(hub_metrics_t *m, const char *name, const char *type, const char *help);

/* Adds `by` to a counter. `label`/`value` may be NULL for an unlabelled series. */
void hub_metrics_add(hub_metrics_t *m, const char *name, const char *label, const char *value,
                     double by);

/* Sets a gauge. */
void hub_metrics_set(hub_metrics_t *m, const char *name, const char *label, const char *value,
                     double v);

/* Records one observation in a histogram with the standard buckets of `name` (seconds for names
 * ending in _seconds: 1 ms … 10 s; counts otherwise: 1 … 10000). */
void hub_metrics_observe(hub_metrics_t *m, const char *name, double v);

/* The current value of a counter or gauge (0 when absent); for tests and status lines. */
double hub_metrics_get(hub_metrics_t *m, const char *name, const char *label, const char *value);

/* Renders every series; *out is the caller's (free). 0 or HUB_ENOMEM. */
int hub_metrics_render(hub_metrics_t *m, char **out, size_t *len) HUB_MUST_CHECK;

#endif
