/*
 * hub-relay — publish a district's transactional outbox (producers/OUTBOX.md).
 *
 *   hub-relay --config FILE [--exit-when-idle MS]
 *   hub-relay --config FILE --migrate
 *
 * Reads committed rows of sams_outbox.events in the district's database (pg.*), publishes each
 * exactly as hub-publish would, and marks it sent after the acknowledgement, or rejected with the
 * reason (hub/publish/relay.h). --migrate creates or updates the outbox (idempotent) and exits.
 * Exit: 0 clean stop (SIGINT/SIGTERM) or done, 1 runtime failure, 2 usage or configuration.
 */
#include "hub/core/app.h"
#include "hub/core/cli.h"
#include "hub/core/log.h"
#include "hub/core/metrics.h"
#include "hub/core/ops_http.h"
#include "hub/publish/relay.h"

#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *f)
{
    fprintf(
        f, "usage: hub-relay --config FILE [--exit-when-idle MS]\n"
           "       hub-relay --config FILE --migrate\n"
           "\n"
           "Publishes the district's outbox (sams_outbox.events in the database of the pg.* keys;\n"
           "producers/OUTBOX.md): every committed row is validated, pseudonymised, sealed, signed\n"
           "and sent as hub-publish does, and marked sent once Kafka acknowledged it, or rejected\n"
           "with the reason. Wakes on every commit (LISTEN/NOTIFY) and every hub.relay.poll_ms.\n"
           "\n"
           "  --config FILE          properties file (kafka.*, pg.* of the district's database, "
           "hub.*)\n"
           "  --migrate              create or update the outbox in that database, then exit\n"
           "  --exit-when-idle MS    exit 0 once no row has been pending for MS milliseconds\n"
           "  --help-config          list the hub.* configuration keys\n"
           "  -h, --help             show this text\n"
           "\n"
           "Exit codes: 0 stopped or done, 1 runtime failure, 2 usage or configuration.\n");
}

int main(int argc, char **argv)
{
    const char *config_path = NULL, *idle_text = NULL;
    bool migrate = false;
    long idle_ms = 0;
    hub_config_t *cfg = NULL;
    hub_metrics_t *metrics = NULL;
    hub_ops_http_t *ops = NULL;
    hub_relay_t *relay = NULL;
    struct hub_error err = {0};
    int code, operands;
    const struct hub_cli_opt opts[] = {{"migrate", 0, NULL, &migrate},
                                       {"exit-when-idle", 0, &idle_text, NULL},
                                       {NULL, 0, NULL, NULL}};
    const struct hub_cli cli = {"hub-relay", usage, opts, false};

    if ((code = hub_cli_parse(&cli, argc, argv, &config_path, &operands)) != HUB_CLI_RUN)
        return code;
    if (idle_text && !hub_cli_number("hub-relay", "exit-when-idle", idle_text, 1, 86400000,
                                     "a number of milliseconds", &idle_ms))
        return HUB_EXIT_USAGE;
    if ((code = hub_app_start("hub-relay", config_path, &cfg)) != HUB_EXIT_OK)
        return code;
    hub_app_on_signals();

    if (migrate) {
        int applied = 0;
        if (hub_relay_migrate(cfg, &applied, &err) != 0) {
            hub_log_plain("hub-relay: --migrate: %s", err.msg);
            code = hub_app_exit_code(err.code);
        } else {
            hub_log_plain("hub-relay: outbox migrated (%d migration%s applied now)", applied,
                          applied == 1 ? "" : "s");
        }
        goto out;
    }

    if (!(metrics = hub_metrics_new())) {
        hub_log_plain("hub-relay: out of memory");
        code = HUB_EXIT_FAILURE;
        goto out;
    }
    if (hub_relay_new(cfg, metrics, &relay, &err) != 0) {
        hub_log_plain("hub-relay: %s", err.msg);
        code = hub_app_exit_code(err.code);
        goto out;
    }
    const char *listen = hub_config_get(cfg, "hub.metrics.listen");
    if (listen && *listen &&
        hub_ops_http_start(listen, metrics, hub_relay_ready, relay, &ops, &err) != 0) {
        hub_log_plain("hub-relay: hub.metrics.listen: %s", err.msg);
        code = HUB_EXIT_USAGE;
        goto out;
    }
    hub_log(HUB_LOG_INFO, "started", "batch_max=%ld poll_ms=%ld",
            hub_config_get_int(cfg, "hub.relay.batch_max"),
            hub_config_get_int(cfg, "hub.relay.poll_ms"));
    if (hub_relay_run(relay, idle_ms, &err) != 0) {
        hub_log(HUB_LOG_ERROR, "failed", "error=\"%s\"", err.msg);
        code = HUB_EXIT_FAILURE;
    }
    long sent, rejected, retried;
    hub_relay_counts(relay, &sent, &rejected, &retried);
    hub_log(HUB_LOG_INFO, "stopped", "sent=%ld rejected=%ld retried=%ld", sent, rejected, retried);
out:
    hub_ops_http_stop(ops);
    hub_relay_destroy(relay);
    hub_metrics_destroy(metrics);
    hub_config_destroy(cfg);
    return code;
}
