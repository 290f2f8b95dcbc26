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

#include <getopt.h>
#include <stdio.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: hub-notifier --config FILE\n"
               "  --config FILE   properties file (hub.notifier.* keys: see --help-config)\n"
               "  --help-config   list the hub.* configuration keys\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"help-config", no_argument, NULL, 'H'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config_path = NULL;
    hub_config_t *cfg = NULL;
    hub_notifier_t *nt = NULL;
    struct hub_error err = {0};
    int c, code;

    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
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
