/*
 * pg_wait.c — waiting for PostgreSQL at start, not ready meanwhile.
 */
#include "hub/pg/pg_wait.h"
#include "hub/core/app.h"
#include "hub/core/log.h"
#include "hub/core/metrics.h"
#include "hub/core/ops_http.h"
#include "hub/core/sdnotify.h"
#include "hub/pg/pg.h"

#include <stdio.h>
#include <time.h>

#define WAIT_FIRST_MS 100
#define WAIT_STEP_MS 100 /* how often a stop request is noticed while backing off */

static bool not_ready(void *ud, char *why, size_t n)
{
    (void)ud;
    snprintf(why, n, "waiting for the database");
    return false;
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int hub_pg_connect_wait(const hub_config_t *cfg, const char *program, PGconn **out,
                        struct hub_error *err)
{
    int rc = hub_pg_connect(cfg, out, err);
    if (rc != HUB_EPG_CONNECT)
        return rc;

    hub_metrics_t *metrics = hub_metrics_new();
    hub_ops_http_t *ops = NULL;
    const char *listen = hub_config_get(cfg, "hub.metrics.listen");
    if (metrics && listen && *listen) {
        struct hub_error oerr = {0};
        if (hub_ops_http_start(listen, metrics, not_ready, NULL, &ops, &oerr) != 0)
            hub_log(HUB_LOG_WARN, "cannot serve /readyz while waiting for the database",
                    "listen=%s error=\"%s\"", listen, oerr.msg);
    }
    long max_ms = hub_config_get_int(cfg, "hub.consumer.retry_max_ms");
    long backoff = WAIT_FIRST_MS;
    unsigned long attempts = 1;
    if (rc == HUB_EPG_CONNECT)
        hub_sd_ready("waiting for the database");
    while (rc == HUB_EPG_CONNECT && !hub_app_stopping()) {
        hub_log(HUB_LOG_WARN, "database unreachable at start; waiting",
                "program=%s attempt=%lu backoff_ms=%ld error=\"%s\"", program, attempts, backoff,
                err ? err->msg : "");
        for (long slept = 0; slept < backoff && !hub_app_stopping(); slept += WAIT_STEP_MS) {
            hub_sd_alive();
            nap_ms(WAIT_STEP_MS);
        }
        if (hub_app_stopping())
            break;
        backoff = backoff * 2 > max_ms ? max_ms : backoff * 2;
        attempts++;
        rc = hub_pg_connect(cfg, out, err);
    }
    hub_ops_http_stop(ops);
    hub_metrics_destroy(metrics);
    if (rc == 0)
        hub_log(HUB_LOG_INFO, "database reachable; starting", "program=%s attempts=%lu", program,
                attempts);
    else if (rc == HUB_EPG_CONNECT)
        hub_error_set(err, HUB_EPG_CONNECT, "stopped while waiting for the database");
    return rc;
}
