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

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

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
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"rebuild", no_argument, NULL, 'r'},
                                         {"exit-when-idle", required_argument, NULL, 'i'},
                                         {"help-config", no_argument, NULL, 'H'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config_path = NULL;
    bool rebuild = false;
    long idle_ms = 0;
    hub_config_t *cfg = NULL;
    hub_readmodel_t *rm = NULL;
    struct hub_error err = {0};
    int c, code;

    while ((c = getopt_long(argc, argv, "c:ri:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'r':
            rebuild = true;
            break;
        case 'i': {
            char *end = NULL;
            errno = 0;
            idle_ms = strtol(optarg, &end, 10);
            if (errno || !end || *end || idle_ms < 0 || idle_ms > 86400000) {
                hub_log_plain("hub-readmodel: --exit-when-idle: '%s' is not a number of ms",
                              optarg);
                return HUB_EXIT_USAGE;
            }
            break;
        }
        case 'H':
            hub_config_print_help(stdout, false);
            return HUB_EXIT_OK;
        case 'h':
            usage(stdout);
            return HUB_EXIT_OK;
        default:
            usage(stderr);
            return HUB_EXIT_USAGE;
        }
    }
    if (!config_path || optind != argc) {
        usage(stderr);
        return HUB_EXIT_USAGE;
    }
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
