/*
 * cmd_audit.c — `hubctl audit verify`: recomputes the disclosure log's hash chain
 * (hub/notify/audit.h).
 *
 * Exit 0 and "disclosure log intact: N rows, head H" when every row matches; exit 1 naming the
 * first altered or missing row and what did not match; exit 2 for usage or configuration. Keep
 * the printed head hash somewhere else (a ticket, a log shipper): with it, even a rewrite of the
 * whole chain by the database's owner is noticed.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "hub/notify/audit.h"
#include "hub/core/config.h"
#include "hub/core/log.h"
#include "hub/pg/pg.h"
#include "hubctl.h"

static void audit_usage(FILE *f)
{
    fprintf(f, "usage: hubctl audit verify [--config FILE]\n"
               "\n"
               "Recomputes the hash chain of hub.disclosure_log (every delivery attempt, withheld\n"
               "decision, failure, overdue notice and acknowledgement) in one snapshot.\n"
               "\n"
               "  --config FILE  properties file; the database comes from its pg.* keys (and\n"
               "                 HUB_PG_*, PG* variables)\n"
               "  -h, --help     show this text\n"
               "\n"
               "Exit codes: 0 intact (prints the row count and head hash), 1 altered or deleted\n"
               "rows (names the first) or a runtime failure, 2 usage or configuration error.\n");
}

int hubctl_cmd_audit(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = NULL;
    struct hub_error err = {0};
    struct hub_audit_report rep;
    hub_config_t *cfg = NULL;
    PGconn *conn = NULL;
    int c, rc = HUBCTL_EXIT_USAGE;

    if (argc < 2 || strcmp(argv[1], "verify") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
            audit_usage(stdout);
            return HUBCTL_EXIT_OK;
        }
        audit_usage(stderr);
        return HUBCTL_EXIT_USAGE;
    }
    opterr = 0;
    optind = 2;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'h':
            audit_usage(stdout);
            return HUBCTL_EXIT_OK;
        case ':':
            hub_log_plain("hubctl audit: option '%s' needs a value", argv[optind - 1]);
            audit_usage(stderr);
            return HUBCTL_EXIT_USAGE;
        default:
            hub_log_plain("hubctl audit: unknown option '%s'", argv[optind - 1]);
            audit_usage(stderr);
            return HUBCTL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        hub_log_plain("hubctl audit: unexpected argument '%s'", argv[optind]);
        audit_usage(stderr);
        return HUBCTL_EXIT_USAGE;
    }
    if (hub_config_load(config_path, &cfg, &err) != 0) {
        hub_log_plain("hubctl audit: %s", err.msg);
        goto out;
    }
    rc = HUBCTL_EXIT_FAILURE;
    if (hub_pg_connect(cfg, &conn, &err) != 0 || hub_audit_verify(conn, &rep, &err) != 0) {
        hub_log_plain("hubctl audit: %s", err.msg);
        goto out;
    }
    if (!rep.intact) {
        hub_log_plain("hubctl audit: disclosure log BROKEN at row %lld: %s", (long long)rep.bad_id,
                      rep.problem);
        printf("disclosure log broken: first bad row %lld (%lld rows before it intact)\n",
               (long long)rep.bad_id, (long long)rep.rows);
        fflush(stdout);
        goto out;
    }
    printf("disclosure log intact: %lld rows, head %s\n", (long long)rep.rows,
           rep.rows ? rep.head_hex : "(empty)");
    rc = fflush(stdout) == 0 ? HUBCTL_EXIT_OK : HUBCTL_EXIT_FAILURE;
out:
    PQfinish(conn);
    hub_config_destroy(cfg);
    return rc;
}
