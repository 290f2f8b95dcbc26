/*
 * hub-notifier — tell receiving schools about handovers and contact-person changes, take their
 * acknowledgements, and report every outcome to the district (hub/notify/notifier.h).
 *
 *   hub-notifier --config FILE
 *
 * Exit: 0 clean stop (SIGINT/SIGTERM: the batch in hand is committed, deliveries in flight are
 * finished and recorded), 1 runtime failure, 2 usage or configuration.
 */
#include "hub/core/app.h"
#include "hub/core/log.h"
#include "hub/notify/notifier.h"

#include "hub/core/cli.h"

#include <stdio.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: hub-notifier --config FILE\n"
               "  --config FILE   properties file (hub.notifier.* keys: see --help-config)\n"
               "  --help-config   list the hub.* configuration keys\n");
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    hub_config_t *cfg = NULL;
    hub_notifier_t *nt = NULL;
    struct hub_error err = {0};
    int code, operands;
    const struct hub_cli cli = {"hub-notifier", usage, NULL, false};

    if ((code = hub_cli_parse(&cli, argc, argv, &config_path, &operands)) != HUB_CLI_RUN)
        return code;
    if ((code = hub_app_start("hub-notifier", config_path, &cfg)) != HUB_EXIT_OK)
        return code;
    hub_app_on_signals();
    if (hub_notifier_new(cfg, &nt, &err) != 0) {
        hub_log(HUB_LOG_ERROR, "cannot start", "error=\"%s\"", err.msg);
        hub_config_destroy(cfg);
        return hub_app_exit_code(err.code);
    }
    hub_log(HUB_LOG_INFO, "started", "group=%s", hub_config_get(cfg, "hub.notifier.group"));
    code = HUB_EXIT_OK;
    if (hub_notifier_run(nt, &err) != 0) {
        hub_log(HUB_LOG_ERROR, "stopped on error", "error=\"%s\"", err.msg);
        code = hub_app_exit_code(err.code);
    }
    struct hub_consumer_stats st;
    hub_notifier_stats(nt, &st);
    hub_consumer_log_stats(&st);
    hub_notifier_destroy(nt);
    hub_config_destroy(cfg);
    return code;
}
