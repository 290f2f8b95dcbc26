/*
 * cmd_report.c — `hubctl report`: the monthly statistics for socialnämnden as CSV, JSON or HTML
 * (hub/stats/stats.h builds and protects the numbers, hub/stats/report.h writes them).
 *
 * The database comes from the pg.* keys of the config (and libpq's PG* variables), k and the
 * threshold from hub.stats.k and hub.stats.threshold_days, the districts table from
 * hub.reference_dir. Hidden cells are always chosen for the whole city, also when the report
 * shows one district, so that a district's report agrees with the city's.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hub/core/app.h"
#include "hub/core/config.h"
#include "hub/core/date.h"
#include "hub/domain/district.h"
#include "hub/core/log.h"
#include "hub/pg/migrate.h"
#include "hub/pg/pg.h"
#include "hub/stats/followup.h"
#include "hub/stats/followup_publish.h"
#include "hub/stats/followup_report.h"
#include "hub/stats/report.h"
#include "hub/stats/stats.h"
#include "hub/stats/stats_ledger.h"
#include "hubctl.h"

#define REPORT_PATH_MAX 4096
#define SCHEMA_VERSION_NEEDED 2     /* deploy/migrations/002_statistics.sql */
#define FU_SCHEMA_VERSION_NEEDED 10 /* deploy/migrations/010_follow_ups.sql */

static void report_usage(FILE *f)
{
    fprintf(f,
            "usage: hubctl report (--month YYYY-MM | --tertial YYYYTn | --year YYYY) [options]\n"
            "       hubctl report --follow-up (--tertial YYYYTn | --year YYYY) [options]\n"
            "\n"
            "Writes the statistics for socialnämnden: placements started, children placed, "
            "placement form,\nlegal basis and days from placement to school start, per district "
            "and for the city, with small\ncounts hidden (definitions: consumers/STATISTICS.md). "
            "A tertial report also shows its months,\na year report its months and tertials.\n"
            "With --follow-up: the follow-up of schooling instead (children followed up, share "
            "reaching the\nknowledge goals against the 75 %% target, eligible for upper secondary "
            "in year 9, attendance\nof at least 90 %%), by legal sex, placement form and school "
            "form, with small counts hidden.\n"
            "\n"
            "  --config FILE        properties file (pg.*, hub.stats.k, hub.stats.threshold_days,\n"
            "                       hub.reference_dir)\n"
            "  --month YYYY-MM      one month\n"
            "  --tertial YYYYTn     one tertial: T1 January-April, T2 May-August, T3 "
            "September-December\n"
            "  --year YYYY          one calendar year\n"
            "  --follow-up          the follow-up of schooling (a tertial or a year)\n"
            "  --publish            with --follow-up: publish the figures to the topic "
            "follow-up-stats\n"
            "                       (one record per district and the city) instead of writing a "
            "report\n"
            "  --district CODE      only this district (hidden cells are still chosen for the "
            "whole city)\n"
            "  --as-of YYYY-MM-DD   the state on that day (default: today in Stockholm); later "
            "placements and\n"
            "                       school starts do not count\n"
            "  --provisional        allow a period that is not over on the as-of date (its "
            "figures will change)\n"
            "  --current-districts  count merged districts under today's successor instead of "
            "as they were\n"
            "  --format FORMAT      csv (default: comma, decimal point), csv-sv (for a Swedish "
            "Excel:\n"
            "                       semicolon, decimal comma), json (for BI) or html (for "
            "reading and printing)\n"
            "  --output FILE        write to FILE (replaced atomically) instead of standard "
            "output\n"
            "  -h, --help           show this text\n"
            "\n"
            "Exit codes: 0 written, 1 runtime failure (database, file), 2 usage, configuration "
            "or invalid input.\n");
}

struct report_args {
    const char *config, *period_text, *district, *as_of, *format, *output;
    enum hub_stats_period_kind want_kind;
    bool current_districts, provisional, follow_up, publish;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What goes into the output file: one of the reports. */
struct report_out {
    enum hub_report_format fmt;
    const hub_stats_t *stats;        /* the monthly statistics, or */
    const hub_followup_t *follow_up; /* the follow-up of schooling */
    const struct hub_report_scope *scope;
    const struct hub_fu_scope *fu_scope;
};

static int write_report(FILE *f, const struct report_out *r, struct hub_error *err)
{
    if (r->follow_up)
        return hub_followup_write(f, r->fmt, r->follow_up, r->fu_scope, err);
    return hub_report_write(f, r->fmt, r->stats, r->scope, err);
}

/* Writes the report to stdout, or to a temporary file next to `path` renamed over it. */
static int write_output(const char *path, const struct report_out *r, struct hub_error *err)
{
    char tmp[REPORT_PATH_MAX];
    FILE *f;
    int fd, rc;

    if (!path || strcmp(path, "-") == 0) {
        rc = write_report(stdout, r, err);
        if (rc == 0 && fflush(stdout) != 0)
            rc = hub_error_set(err, HUB_EIO, "writing to standard output failed");
        return rc;
    }
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= sizeof tmp)
        return hub_error_set(err, HUB_ERANGE, "--output: path too long");
    if ((fd = mkstemp(tmp)) < 0)
        return hub_error_set(err, HUB_EIO, "%s: cannot create a file next to it", path);
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || !(f = fdopen(fd, "w"))) {
        close(fd);
        unlink(tmp);
        return hub_error_set(err, HUB_EIO, "%s: cannot open for writing", tmp);
    }
    rc = write_report(f, r, err);
    if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        rc = hub_error_set(err, HUB_EIO, "%s: writing failed", path);
    if (fclose(f) != 0 && rc == 0)
        rc = hub_error_set(err, HUB_EIO, "%s: writing failed", path);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = hub_error_set(err, HUB_EIO, "%s: cannot replace it", path);
    if (rc != 0)
        unlink(tmp);
    return rc;
}

/* Parses the command line; returns -1 after printing a usage error, 1 after --help, else 0. */
static int parse_args(int argc, char **argv, struct report_args *a)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"month", required_argument, NULL, 'm'},
        {"tertial", required_argument, NULL, 't'},
        {"year", required_argument, NULL, 'y'},
        {"district", required_argument, NULL, 'd'},
        {"as-of", required_argument, NULL, 'a'},
        {"current-districts", no_argument, NULL, 'C'},
        {"provisional", no_argument, NULL, 'P'},
        {"follow-up", no_argument, NULL, 'F'},
        {"publish", no_argument, NULL, 'B'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, periods = 0;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            a->config = optarg;
            break;
        case 'm':
        case 't':
        case 'y':
            a->period_text = optarg;
            a->want_kind = c == 'm'   ? HUB_STATS_MONTH
                           : c == 't' ? HUB_STATS_TERTIAL
                                      : HUB_STATS_YEAR;
            periods++;
            break;
        case 'd':
            a->district = optarg;
            break;
        case 'a':
            a->as_of = optarg;
            break;
        case 'C':
            a->current_districts = true;
            break;
        case 'P':
            a->provisional = true;
            break;
        case 'F':
            a->follow_up = true;
            break;
        case 'B':
            a->publish = true;
            break;
        case 'f':
            a->format = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'h':
            report_usage(stdout);
            return 1;
        case ':':
            hub_log_plain("hubctl report: option '%s' needs a value", argv[optind - 1]);
            return -1;
        default:
            hub_log_plain("hubctl report: unknown option '%s'", argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        hub_log_plain("hubctl report: unexpected argument '%s'", argv[optind]);
        return -1;
    }
    if (periods != 1) {
        hub_log_plain("hubctl report: give exactly one of --month, --tertial or --year");
        return -1;
    }
    if (a->publish && (!a->follow_up || a->district || a->output)) {
        hub_log_plain("hubctl report: --publish goes with --follow-up, for the whole city (no "
                      "--district, no --output); the monthly figures are published by hub-stats");
        return -1;
    }
    if (a->follow_up && (a->want_kind == HUB_STATS_MONTH || a->current_districts)) {
        hub_log_plain("hubctl report: --follow-up is reported per tertial or year, as the "
                      "districts were (no --month, no --current-districts)");
        return -1;
    }
    return 0;
}

/* The follow-up of schooling (hub/stats/followup.h): built, protected, written. */
static int report_follow_up(const hub_config_t *cfg, PGconn *conn, const hub_districts_t *districts,
                            const struct report_args *a, enum hub_report_format fmt, int year,
                            size_t period, int64_t k, bool provisional)
{
    struct hub_fu_options opt = {.year = year, .period = period, .k = k};
    struct hub_fu_scope scope = {.district = SIZE_MAX, .generated_ms = now_ms()};
    struct hub_error err = {0};
    hub_followup_t *t = NULL;
    int version = 0, rc = HUBCTL_EXIT_FAILURE;

    if (hub_migrate_version(conn, &version, &err) != 0) {
        hub_log_plain("hubctl report: %s", err.msg);
        return rc;
    }
    if (version < FU_SCHEMA_VERSION_NEEDED) {
        hub_log_plain("hubctl report: the database schema is at version %d, the follow-up "
                      "report needs %d: run 'hubctl migrate'",
                      version, FU_SCHEMA_VERSION_NEEDED);
        return rc;
    }
    if (hub_followup_build(conn, districts, &opt, &t, &err) != 0) {
        hub_log_plain("hubctl report: %s", err.msg);
        return rc;
    }
    if (a->district) {
        for (size_t d = 1; d < hub_followup_district_count(t); d++)
            if (strcmp(hub_followup_district_code(t, d), a->district) == 0)
                scope.district = d;
        if (scope.district == SIZE_MAX) {
            hub_log_plain("hubctl report: --district '%.40s': not a district in %s", a->district,
                          a->period_text);
            hub_followup_destroy(t);
            return HUBCTL_EXIT_USAGE;
        }
    }
    struct report_out out = {.fmt = fmt, .follow_up = t, .fu_scope = &scope};
    size_t sent = 0;
    if (a->publish) {
        if (hub_followup_publish(cfg, t, provisional, &sent, &err) != 0) {
            hub_log_plain("hubctl report: %s", err.msg);
        } else {
            hub_log(HUB_LOG_INFO, "follow-up figures published", "period=%s records=%zu%s",
                    a->period_text, sent, provisional ? " provisional=true" : "");
            rc = HUBCTL_EXIT_OK;
        }
    } else if (write_output(a->output, &out, &err) != 0) {
        hub_log_plain("hubctl report: %s", err.msg);
    } else {
        const struct hub_fu_notes *n = hub_followup_notes(t);
        hub_log(HUB_LOG_INFO, "follow-up report written",
                "period=%s format=%s children=%zu left_out_pending=%zu left_out_before_start=%zu "
                "left_out_district=%zu left_out_not_owner=%zu counts=%zu hidden=%zu primary=%zu "
                "audit_narrowed_first=%zu "
                "audit_repaired=%zu audit_rounds=%zu audit_lps=%zu audit_ms=%.0f "
                "audit_with_last_tertial=%s",
                a->period_text, a->format, n->children, n->pending, n->before_start,
                n->other_district, n->not_owner, n->cells, n->hidden, n->primary, n->narrowed_first,
                n->repaired, n->rounds, n->lps, n->ms, n->joint ? "yes" : "no");
        rc = HUBCTL_EXIT_OK;
    }
    hub_followup_destroy(t);
    return rc;
}

int hubctl_cmd_report(int argc, char **argv)
{
    struct report_args a = {.format = "csv"};
    struct hub_error err = {0};
    struct hub_stats_options opt = {0};
    struct hub_report_scope scope = {.district = SIZE_MAX};
    enum hub_report_format fmt;
    hub_config_t *cfg = NULL;
    hub_districts_t *districts = NULL;
    hub_stats_t *stats = NULL, *last_year = NULL;
    hub_stats_ledger_t *ledger = NULL, *last_ledger = NULL;
    PGconn *conn = NULL;
    int rc, version = 0;

    rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        if (rc < 0)
            report_usage(stderr);
        return rc > 0 ? HUBCTL_EXIT_OK : HUBCTL_EXIT_USAGE;
    }
    rc = HUBCTL_EXIT_USAGE;
    if (hub_report_format_parse(a.format, &fmt) != 0) {
        hub_log_plain("hubctl report: --format '%s': expected csv, csv-sv, json or html", a.format);
        return HUBCTL_EXIT_USAGE;
    }
    if (hub_stats_period_parse(a.period_text, &opt.year, &scope.period, &err) != 0 ||
        hub_stats_period_kind(scope.period) != a.want_kind) {
        hub_log_plain("hubctl report: %s",
                      err.code ? err.msg : "the period does not match its option");
        return HUBCTL_EXIT_USAGE;
    }
    if (a.as_of) {
        struct hub_date d;
        if (hub_date_parse_iso(a.as_of, &d, &err) != 0) {
            hub_log_plain("hubctl report: --as-of: %s", err.msg);
            return HUBCTL_EXIT_USAGE;
        }
        opt.as_of = hub_date_to_days(&d);
    } else {
        opt.as_of = hub_days_stockholm_from_ms(now_ms());
    }
    int32_t first, last;
    char day[HUB_DATE_ISO_LEN];
    hub_stats_period_range(opt.year, scope.period, &first, &last);
    if (hub_date_format(opt.as_of, day) != 0)
        snprintf(day, sizeof day, "?");
    if (first > opt.as_of) {
        hub_log_plain("hubctl report: %s has not begun on the as-of date %s: nothing to report",
                      a.period_text, day);
        return HUBCTL_EXIT_USAGE;
    }
    if (last > opt.as_of && !a.provisional) {
        hub_log_plain("hubctl report: %s is not over on the as-of date %s: its figures will still "
                      "change; add --provisional to report it anyway",
                      a.period_text, day);
        return HUBCTL_EXIT_USAGE;
    }
    if (hub_app_start("hubctl", a.config, &cfg) != HUB_EXIT_OK)
        return HUBCTL_EXIT_USAGE;
    opt.period = scope.period;
    opt.k = hub_config_get_int(cfg, "hub.stats.k");
    opt.threshold_days = hub_config_get_int(cfg, "hub.stats.threshold_days");
    opt.current_districts = a.current_districts;
    if (hub_districts_load_dir(hub_config_get(cfg, "hub.reference_dir"), &districts, &err) != 0) {
        hub_log_plain("hubctl report: %s", err.msg);
        goto out;
    }

    rc = HUBCTL_EXIT_FAILURE;
    if (hub_pg_connect(cfg, &conn, &err) != 0 || hub_migrate_version(conn, &version, &err) != 0) {
        hub_log_plain("hubctl report: %s", err.msg);
        goto out;
    }
    if (a.follow_up) {
        rc = report_follow_up(cfg, conn, districts, &a, fmt, opt.year, scope.period, opt.k,
                              last > opt.as_of);
        goto out;
    }
    if (version < SCHEMA_VERSION_NEEDED) {
        hub_log_plain("hubctl report: the database schema is at version %d, the statistics need "
                      "%d: run 'hubctl migrate'",
                      version, SCHEMA_VERSION_NEEDED);
        goto out;
    }
    /* what the monthly-stats topic already published about the year is respected */
    if (hub_stats_ledger_load(conn, opt.year, &ledger, &err) != 0) {
        hub_log_plain("hubctl report: %s", err.msg);
        goto out;
    }
    opt.ledger = ledger;
    if (hub_stats_build(conn, districts, &opt, &stats, &err) != 0) {
        hub_log_plain("hubctl report: %s", err.msg);
        goto out;
    }
    if (a.district) {
        scope.district = hub_stats_district_find(stats, a.district);
        if (scope.district == SIZE_MAX || scope.district == 0 ||
            !hub_stats_district_in_period(stats, scope.period, scope.district)) {
            hub_log_plain("hubctl report: --district '%.40s': not a district in %s%s", a.district,
                          a.period_text,
                          a.current_districts ? " (with --current-districts use today's codes)"
                                              : "");
            rc = HUBCTL_EXIT_USAGE;
            goto out;
        }
    }
    /* A month's page compares with the same month a year before, from that year's own
     * publication: its cube (the year as of its end), with its ledger, protected as then. */
    if (fmt == HUB_REPORT_HTML && hub_stats_period_kind(scope.period) == HUB_STATS_MONTH &&
        opt.year > 1900) {
        struct hub_stats_options prev = opt;
        int32_t first_prev, last_prev;
        prev.year = opt.year - 1;
        prev.period = 0;
        hub_stats_period_range(prev.year, 0, &first_prev, &last_prev);
        prev.as_of = last_prev < opt.as_of ? last_prev : opt.as_of;
        if (hub_stats_ledger_load(conn, prev.year, &last_ledger, &err) != 0) {
            hub_log_plain("hubctl report: %s", err.msg);
            goto out;
        }
        prev.ledger = last_ledger;
        if (hub_stats_build(conn, districts, &prev, &last_year, &err) != 0) {
            hub_log_plain("hubctl report: the year before: %s", err.msg);
            goto out;
        }
        scope.last_year = last_year;
    }
    scope.generated_ms = now_ms();
    struct report_out ro = {.fmt = fmt, .stats = stats, .scope = &scope};
    if (write_output(a.output, &ro, &err) != 0) {
        hub_log_plain("hubctl report: %s", err.msg);
        goto out;
    }
    const struct hub_stats_protection *pr = hub_stats_protection_of(stats);
    hub_log(HUB_LOG_INFO, "report written",
            "period=%s format=%s placements=%zu counts=%zu hidden=%zu hidden_share=%.3f "
            "placements_in_hidden_cells=%.3f audit_narrowed=%zu audit_repaired=%zu audit_ms=%.0f",
            a.period_text, a.format, hub_stats_notes_of(stats)->placements, pr->cells, pr->hidden,
            pr->cells ? (double)pr->hidden / (double)pr->cells : 0.0,
            pr->placements ? (double)pr->placements_hidden / (double)pr->placements : 0.0,
            pr->narrowed, pr->repaired, pr->ms);
    rc = HUBCTL_EXIT_OK;
out:
    hub_stats_destroy(stats);
    hub_stats_destroy(last_year);
    hub_stats_ledger_destroy(ledger);
    hub_stats_ledger_destroy(last_ledger);
    PQfinish(conn);
    hub_districts_destroy(districts);
    hub_config_destroy(cfg);
    return rc;
}
