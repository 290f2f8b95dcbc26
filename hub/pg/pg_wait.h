/*
 * pg_wait.h — connect to PostgreSQL at start, waiting for a database that is not up yet.
 *
 * A consumer started before its database (a host booting, a failover) must not exit: its unit's
 * restart limit would leave it failed for good. hub_pg_connect_wait() tries hub_pg_connect(); while
 * that fails with HUB_EPG_CONNECT it logs a warning, serves /readyz as not ready ("waiting for the
 * database") with /healthz and an empty /metrics on hub.metrics.listen (when set), and tries again
 * with exponential back-off from 100 ms up to hub.consumer.retry_max_ms, until it connects or the
 * program is asked to stop. The ops server is stopped before it returns: the consumer then serves
 * its own on the same address.
 */
#ifndef HUB_PG_WAIT_H
#define HUB_PG_WAIT_H

#include <libpq-fe.h>

#include "hub/core/config.h"
#include "hub/core/err.h"

/* As hub_pg_connect(), but waits out an unreachable database as described above. `program` names
 * the caller in log lines. Returns 0 (*out is the caller's), any error other than
 * HUB_EPG_CONNECT at once, or HUB_EPG_CONNECT when stopped (hub_app_stopping()) while waiting. */
int hub_pg_connect_wait(const hub_config_t *cfg, const char *program, PGconn **out,
                        struct hub_error *err) HUB_MUST_CHECK;

#endif
