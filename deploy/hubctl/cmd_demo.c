/*
 * cmd_demo.c — `hubctl demo-data`: synthetic, reproducible events in the hub-publish input
 * format (deploy/hubctl/demo.h), and optionally the demo school directory they refer to as CSV.
 *
 * The output is meant to be read and edited, then fed to `hub-publish`. The same seed and month
 * give byte-identical output.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/core/date.h"
#include "hubctl/demo.h"
#include "hub/domain/district.h"
#include "hub/core/log.h"
#include "hubctl.h"

#define DEMO_PATH_MAX 4096

static void demo_usage(FILE *f)
{
    fprintf(f,
            "usage: hubctl demo-data --seed N --month YYYY-MM [--children-per-district N]\n"
            "                        [--output FILE] [--schools-csv FILE] [--with-content]\n"
            "                        [--follow-ups] [--until YYYY-MM-DD]\n"
            "\n"
            "Writes one month of synthetic placements, school starts, handovers and contact "
            "changes as\nJSON lines for hub-publish (producers/INPUT.md). Personnummer, names and "
            "schools are made up;\nthe same seed and month give the same bytes. Districts come "
            "from districts.csv\n($HUB_REFERENCE_DIR, else the source tree's schemas/reference).\n"
            "\n"
            "  --seed N                   PRNG seed (0..18446744073709551615)\n"
            "  --month YYYY-MM            the month the placements start in; events run up to %d "
            "days past it\n"
            "  --children-per-district N  children placed per district (default %d, at most %d)\n"
            "  -o, --output FILE          write the events to FILE instead of stdout\n"
            "  --schools-csv FILE         also write the demo school directory as CSV\n"
            "  --with-content             add a handover `content` object (not when its\n"
            "                             legal_ground is none; hub-publish seals it for the\n"
            "                             receiving school from the school directory)\n"
            "  --follow-ups               add a follow-up of schooling (attendance, knowledge "
            "goals) at an\n"
            "                             early review of every child in grundskola or "
            "gymnasieskola\n"
            "  --until YYYY-MM-DD         no event after this day (Stockholm), as in an extract\n"
            "                             taken the day after: hub-publish refuses events from\n"
            "                             the future (deploy/run.sh passes yesterday)\n"
            "  -h, --help                 show this text\n"
            "\n"
            "Exit codes: 0 written, 1 runtime failure, 2 usage error.\n",
            HUB_DEMO_TAIL_DAYS, HUB_DEMO_CHILDREN_DEFAULT, HUB_DEMO_CHILDREN_MAX);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end = NULL;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

/* Parses exactly "YYYY-MM". */
static int parse_month(const char *s, int *year, int *month)
{
    struct hub_date d;
    char buf[HUB_DATE_ISO_LEN];
    if (!s || strlen(s) != 7)
        return -1;
    memcpy(buf, s, 7);
    memcpy(buf + 7, "-01", 4);
    if (hub_date_parse_iso(buf, &d, NULL) != 0)
        return -1;
    *year = d.year;
    *month = d.month;
    return 0;
}

/* Writes the school directory to `path`. */
static int write_schools(const char *path)
{
    struct hub_error err = {0};
    FILE *f = fopen(path, "w");
    if (!f) {
        hub_log_plain("hubctl demo-data: %s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    int rc = hub_demo_write_schools_csv(f, &err);
    if (fclose(f) != 0 && rc == 0)
        rc = hub_error_set(&err, HUB_EIO, "demo: closing the school directory failed");
    if (rc != 0) {
        hub_log_plain("hubctl demo-data: %s: %s", path, err.msg);
        remove(path);
        return -1;
    }
    return 0;
}

/* What the command line asks for. */
struct demo_args {
    struct hub_demo_options opt;
    const char *output;      /* NULL: stdout */
    const char *schools_csv; /* NULL: none */
};

#define DEMO_RUN (-1)

/* Parses the options into *a: DEMO_RUN, or the exit code (after --help, or a usage error). */
static int parse_args(int argc, char **argv, struct demo_args *a)
{
    static const struct option longopts[] = {
        {"seed", required_argument, NULL, 's'},
        {"month", required_argument, NULL, 'm'},
        {"children-per-district", required_argument, NULL, 'n'},
        {"output", required_argument, NULL, 'o'},
        {"schools-csv", required_argument, NULL, 'S'},
        {"with-content", no_argument, NULL, 'C'},
        {"follow-ups", no_argument, NULL, 'F'},
        {"until", required_argument, NULL, 'U'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct hub_demo_options *opt = &a->opt;
    bool has_seed = false, has_month = false;
    int c;

    memset(a, 0, sizeof *a);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case 's':
            if (parse_u64(optarg, &opt->seed) != 0) {
                hub_log_plain("hubctl demo-data: --seed: '%s' is not a number 0..%" PRIu64, optarg,
                              UINT64_MAX);
                return HUBCTL_EXIT_USAGE;
            }
            has_seed = true;
            break;
        case 'm':
            if (parse_month(optarg, &opt->year, &opt->month) != 0 ||
                opt->year < HUB_DEMO_YEAR_MIN || opt->year > HUB_DEMO_YEAR_MAX) {
                hub_log_plain("hubctl demo-data: --month: '%s' is not a month YYYY-MM (%d..%d)",
                              optarg, HUB_DEMO_YEAR_MIN, HUB_DEMO_YEAR_MAX);
                return HUBCTL_EXIT_USAGE;
            }
            has_month = true;
            break;
        case 'n':
            if (parse_u64(optarg, &v) != 0 || v < 1 || v > HUB_DEMO_CHILDREN_MAX) {
                hub_log_plain("hubctl demo-data: --children-per-district: '%s' is not 1..%d",
                              optarg, HUB_DEMO_CHILDREN_MAX);
                return HUBCTL_EXIT_USAGE;
            }
            opt->children_per_district = (size_t)v;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'S':
            a->schools_csv = optarg;
            break;
        case 'C':
            opt->with_content = true;
            break;
        case 'F':
            opt->with_follow_ups = true;
            break;
        case 'U': {
            struct hub_date d;
            struct hub_error e = {0};
            if (hub_date_parse_iso(optarg, &d, &e) != 0) {
                hub_log_plain("hubctl demo-data: --until: %s", e.msg);
                return HUBCTL_EXIT_USAGE;
            }
            opt->until = hub_date_to_days(&d);
            break;
        }
        case 'h':
            demo_usage(stdout);
            return HUBCTL_EXIT_OK;
        case ':':
            hub_log_plain("hubctl demo-data: option '%s' needs a value", argv[optind - 1]);
            demo_usage(stderr);
            return HUBCTL_EXIT_USAGE;
        default:
            hub_log_plain("hubctl demo-data: unknown option '%s'", argv[optind - 1]);
            demo_usage(stderr);
            return HUBCTL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        hub_log_plain("hubctl demo-data: unexpected argument '%s'", argv[optind]);
        demo_usage(stderr);
        return HUBCTL_EXIT_USAGE;
    }
    if (!has_seed || !has_month) {
        hub_log_plain("hubctl demo-data: --seed and --month are required");
        demo_usage(stderr);
        return HUBCTL_EXIT_USAGE;
    }
    return DEMO_RUN;
}

/* Generates the events into a->output (removed again on failure) or stdout. */
static int generate(const struct demo_args *a, const hub_districts_t *districts,
                    struct hub_demo_stats *st)
{
    struct hub_error err = {0};
    FILE *dest = NULL;

    if (a->output) {
        dest = fopen(a->output, "w");
        if (!dest) {
            hub_log_plain("hubctl demo-data: %s: cannot create: %s", a->output, strerror(errno));
            return HUBCTL_EXIT_FAILURE;
        }
    }
    int grc = hub_demo_generate(&a->opt, districts, dest ? dest : stdout, st, &err);
    if (dest) {
        if (fclose(dest) != 0 && grc == 0)
            grc = hub_error_set(&err, HUB_EIO, "demo: closing the output failed");
        if (grc != 0)
            remove(a->output);
    }
    if (grc != 0) {
        hub_log_plain("hubctl demo-data: %s%s%s", a->output ? a->output : "", a->output ? ": " : "",
                      err.msg);
        return grc == HUB_EINVAL ? HUBCTL_EXIT_USAGE : HUBCTL_EXIT_FAILURE;
    }
    return HUBCTL_EXIT_OK;
}

static void print_summary(const struct demo_args *a, const struct hub_demo_stats *st)
{
    hub_log_plain("hubctl demo-data: %04d-%02d seed %" PRIu64 ": %zu districts, %zu children, "
                  "%zu events (placement %zu: started %zu, changed %zu, ended %zu; school_start "
                  "%zu; handover %zu; contact_change %zu; follow_up %zu)%s%s",
                  a->opt.year, a->opt.month, a->opt.seed, st->districts, st->children, st->events,
                  st->by_type[HUB_EV_PLACEMENT], st->by_action[HUB_ACTION_STARTED],
                  st->by_action[HUB_ACTION_CHANGED], st->by_action[HUB_ACTION_ENDED],
                  st->by_type[HUB_EV_SCHOOL_START], st->by_type[HUB_EV_HANDOVER],
                  st->by_type[HUB_EV_CONTACT_CHANGE], st->by_type[HUB_EV_FOLLOW_UP],
                  a->output ? " -> " : "", a->output ? a->output : "");
}

int hubctl_cmd_demo(int argc, char **argv)
{
    struct demo_args a;
    struct hub_demo_stats st;
    struct hub_error err = {0};
    hub_districts_t *districts = NULL;
    char path[DEMO_PATH_MAX];
    int rc;

    if ((rc = parse_args(argc, argv, &a)) != DEMO_RUN)
        return rc;
    if (hub_districts_default_path(path, sizeof path) != 0) {
        hub_log_plain("hubctl demo-data: districts table path too long (HUB_REFERENCE_DIR)");
        return HUBCTL_EXIT_USAGE;
    }
    if (hub_districts_load(path, &districts, &err) != 0) {
        hub_log_plain("hubctl demo-data: %s", err.msg);
        return HUBCTL_EXIT_USAGE;
    }

    /* hub-publish checks that nobody is born after today: say so before it refuses. */
    struct hub_date today = hub_date_today_utc();
    if (a.opt.year > today.year || (a.opt.year == today.year && a.opt.month > today.month))
        hub_log_plain("hubctl demo-data: note: %04d-%02d is in the future; hub-publish will "
                      "refuse children born after today",
                      a.opt.year, a.opt.month);

    if (a.schools_csv && write_schools(a.schools_csv) != 0)
        rc = HUBCTL_EXIT_FAILURE;
    else if ((rc = generate(&a, districts, &st)) == HUBCTL_EXIT_OK)
        print_summary(&a, &st);
    hub_districts_destroy(districts);
    return rc;
}
