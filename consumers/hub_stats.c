/*
 * hub-stats — publish the protected monthly statistics of every district-month to the
 * monthly-stats topic when the month closes, and on demand (hub/stats/stats_publish.h).
 *
 *   hub-stats --config FILE [--once]
 *   hub-stats --config FILE --publish YYYY-MM [--district CODE]
 *
 * Exit: 0 done or clean stop (SIGINT/SIGTERM finish the pass in hand), 1 runtime failure
 * (database, Kafka, a message not acknowledged), 2 usage, configuration or invalid input.
 */
#include "hub/core/app.h"
#include "hub/core/date.h"
#include "hub/core/log.h"
#include "hub/stats/stats.h"
#include "hub/stats/stats_publish.h"

#include "hub/core/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hub-stats --config FILE [--once]\n"
            "       hub-stats --config FILE --publish YYYY-MM [--district CODE]\n"
            "\n"
            "Publishes the monthly statistics (consumers/STATISTICS.md), one record per district "
            "and month\nand for the city (key \"<district>|YYYY-MM\"), to the monthly-stats "
            "topic. Without --publish it\nruns a pass at start and every hub.stats.interval_s: "
            "every closed month of the last\nhub.stats.lookback_months whose figures differ from "
            "what was last published is published.\n"
            "\n"
            "  --config FILE        properties file (kafka.*, pg.*, hub.stats.*)\n"
            "  --once               one pass, then exit\n"
            "  --publish YYYY-MM    publish that month now, changed or not (provisional while it "
            "is not\n"
            "                       closed), then exit\n"
            "  --district CODE      with --publish: only this district (\"all\": the city)\n"
            "  --help-config        list the hub.* configuration keys\n"
            "  -h, --help           show this text\n"
            "\n"
            "Exit codes: 0 done, 1 runtime failure (database, Kafka), 2 usage, configuration or "
            "invalid input.\n");
}

static void log_result(const char *what, const struct hub_stats_publish_result *r)
{
    hub_log(HUB_LOG_INFO, what,
            "months=%zu considered=%zu published=%zu unchanged=%zu changed=%zu withdrawn=%zu "
            "unacked=%zu",
            r->months, r->considered, r->published, r->unchanged, r->changed, r->withdrawn,
            r->unacked);
}

int main(int argc, char **argv)
{
    const char *config_path = NULL, *month_text = NULL, *district = NULL, *now_text = NULL;
    bool once = false;
    hub_config_t *cfg = NULL;
    hub_stats_publisher_t *pub = NULL;
    struct hub_stats_publish_result res = {0};
    struct hub_error err = {0};
    int year = 0, month = 0, code, rc, operands;
    size_t period = 0;
    const struct hub_cli_opt opts[] = {
        {"once", 0, NULL, &once},
        {"publish", 0, &month_text, NULL},
        {"district", 0, &district, NULL},
        {"now", 0, &now_text, NULL}, /* testing: "today" instead of the clock's Stockholm date */
        {NULL, 0, NULL, NULL}};
    const struct hub_cli cli = {"hub-stats", usage, opts, false};

    if ((code = hub_cli_parse(&cli, argc, argv, &config_path, &operands)) != HUB_CLI_RUN)
        return code;
    if ((district && !month_text) || (once && month_text)) {
        usage(stderr);
        return HUB_EXIT_USAGE;
    }
    if (month_text) {
        if (hub_stats_period_parse(month_text, &year, &period, &err) != 0 ||
            hub_stats_period_kind(period) != HUB_STATS_MONTH) {
            hub_log_plain("hub-stats: --publish: %s",
                          err.code ? err.msg : "expected a month, YYYY-MM");
            return HUB_EXIT_USAGE;
        }
        month = hub_stats_period_month(period);
    }
    struct hub_date now;
    if (now_text && hub_date_parse_iso(now_text, &now, &err) != 0) {
        hub_log_plain("hub-stats: --now: %s", err.msg);
        return HUB_EXIT_USAGE;
    }
    if ((code = hub_app_start("hub-stats", config_path, &cfg)) != HUB_EXIT_OK)
        return code;
    hub_app_on_signals();
    if ((rc = hub_stats_publisher_new(cfg, &pub, &err)) != 0) {
        hub_log(HUB_LOG_ERROR, "cannot start", "error=\"%s\"", err.msg);
        hub_config_destroy(cfg);
        return hub_app_exit_code(rc);
    }
    if (now_text)
        hub_stats_publisher_set_today(pub, hub_date_to_days(&now));

    code = HUB_EXIT_OK;
    if (month_text) {
        rc = hub_stats_publisher_publish_month(pub, year, month, district, &res, &err);
        if (rc == 0 || res.published > 0)
            log_result("published on demand", &res);
    } else if (once) {
        rc = hub_stats_publisher_pass(pub, &res, &err);
    } else {
        hub_log(HUB_LOG_INFO, "started", "interval_s=%ld close_after_days=%ld lookback_months=%ld",
                hub_config_get_int(cfg, "hub.stats.interval_s"),
                hub_config_get_int(cfg, "hub.stats.close_after_days"),
                hub_config_get_int(cfg, "hub.stats.lookback_months"));
        rc = hub_stats_publisher_run(pub, &err);
    }
    if (rc != 0) {
        hub_log(HUB_LOG_ERROR, "failed", "error=\"%s\"", err.msg);
        code = hub_app_exit_code(rc);
    } else if (!month_text && !once) {
        hub_log(HUB_LOG_INFO, "stopped", NULL);
    }
    hub_stats_publisher_destroy(pub);
    hub_config_destroy(cfg);
    return code;
}
