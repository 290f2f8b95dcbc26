/*
 * hub-readmodel — keep the PostgreSQL read model up to date from the event topics.
 *
 *   hub-readmodel --config FILE [--rebuild] [--exit-when-idle MS]
 *
 * Exit: 0 clean stop (SIGINT/SIGTERM finish the batch in hand), 1 runtime failure, 2 usage or
 * configuration.
 */
#include "hub/core/app.h"
#include "hub/core/log.h"
#include "hub/readmodel/readmodel.h"

#include "hub/core/cli.h"

#include <stdio.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: hub-readmodel --config FILE [--rebuild] [--exit-when-idle MS]\n"
               "  --rebuild            empty the read model and its offsets (one transaction),\n"
               "                       then read every topic from the earliest offset\n"
               "  --exit-when-idle MS  stop after MS milliseconds with nothing to consume\n"
               "  --help-config        list the hub.* configuration keys\n");
}

int main(int argc, char **argv)
{
    const char *config_path = NULL, *idle_text = NULL;
    bool rebuild = false;
    long idle_ms = 0;
    hub_config_t *cfg = NULL;
    hub_readmodel_t *rm = NULL;
    struct hub_error err = {0};
    int code, operands;
    const struct hub_cli_opt opts[] = {{"rebuild", 'r', NULL, &rebuild},
                                       {"exit-when-idle", 'i', &idle_text, NULL},
                                       {NULL, 0, NULL, NULL}};
    const struct hub_cli cli = {"hub-readmodel", usage, opts, false};

    if ((code = hub_cli_parse(&cli, argc, argv, &config_path, &operands)) != HUB_CLI_RUN)
        return code;
    if (idle_text && !hub_cli_number("hub-readmodel", "exit-when-idle", idle_text, 0, 86400000,
                                     "a number of ms", &idle_ms))
        return HUB_EXIT_USAGE;
    if ((code = hub_app_start("hub-readmodel", config_path, &cfg)) != HUB_EXIT_OK)
        return code;
    hub_app_on_signals();
    if (hub_readmodel_new(cfg, rebuild, &rm, &err) != 0) {
        hub_log(HUB_LOG_ERROR, "cannot start", "error=\"%s\"", err.msg);
        hub_config_destroy(cfg);
        return hub_app_exit_code(err.code);
    }
    hub_log(HUB_LOG_INFO, "started", "group=%s rebuild=%s",
            hub_config_get(cfg, "hub.readmodel.group"), rebuild ? "true" : "false");
    code = HUB_EXIT_OK;
    if (hub_readmodel_run(rm, (int)idle_ms, &err) != 0) {
        hub_log(HUB_LOG_ERROR, "stopped on error", "error=\"%s\"", err.msg);
        code = hub_app_exit_code(err.code);
    }
    struct hub_consumer_stats st;
    hub_readmodel_stats(rm, &st);
    hub_consumer_log_stats(&st);
    hub_readmodel_destroy(rm);
    hub_config_destroy(cfg);
    return code;
}
