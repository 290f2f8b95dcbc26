/*
 * cmd_migrate.c — `hubctl migrate`: brings the PostgreSQL schema `hub` up to date
 * (hub/pg/migrate.h).
 *
 * The database comes from the pg.* keys of the config (and libpq's PG* variables); the migrations
 * directory from --dir, else hub.migrations_dir (env HUB_MIGRATIONS_DIR), else the source tree's
 * deploy/migrations. Safe to run from several processes at once and to repeat.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hub/core/config.h"
#include "hub/core/log.h"
#include "hub/pg/migrate.h"
#include "hub/pg/pg.h"
#include "hubctl.h"

#define MIGRATE_DIR_MAX 4096

static void migrate_usage(FILE *f)
{
    fprintf(f,
            "usage: hubctl migrate [--config FILE] [--dir DIR]\n"
            "\n"
            "Applies the numbered SQL migrations (NNN_name.sql) not yet in hub.schema_migrations, "
            "each in its\nown transaction, under an advisory lock. Prints how many were applied "
            "and the schema version.\nRefuses a database whose schema is newer than the newest "
            "migration.\n"
            "\n"
            "  --config FILE  properties file; the database comes from its pg.* keys (and "
            "HUB_PG_*, PG* variables)\n"
            "  --dir DIR      migrations directory (default: hub.migrations_dir, else the source "
            "tree's\n                 deploy/migrations)\n"
            "  -h, --help     show this text\n"
            "\n"
            "Exit codes: 0 up to date, 1 runtime failure, 2 usage or configuration error.\n");
}

/* Applies hub.log.* from the config; a bad value is a configuration error. */
static int setup_logging(const hub_config_t *cfg)
{
    enum hub_log_level level;
    enum hub_log_format format;

    if (hub_log_level_parse(hub_config_get(cfg, "hub.log.level"), &level) != 0) {
        hub_log_plain("hubctl migrate: hub.log.level: not debug, info, warn or error");
        return -1;
    }
    if (hub_log_format_parse(hub_config_get(cfg, "hub.log.format"), &format) != 0) {
        hub_log_plain("hubctl migrate: hub.log.format: not logfmt or json");
        return -1;
    }
    hub_log_setup("hubctl", level, format);
    return 0;
}

/* Picks the migrations directory: --dir, hub.migrations_dir, then the built-in default. */
static int pick_dir(const hub_config_t *cfg, const char *opt_dir, char *buf, size_t n)
{
    const char *v = opt_dir;
    struct stat st;

    if (!v || !*v)
        v = hub_config_get(cfg, "hub.migrations_dir");
    if (v && *v) {
        if ((size_t)snprintf(buf, n, "%s", v) >= n) {
            hub_log_plain("hubctl migrate: migrations directory name too long");
            return -1;
        }
    } else if (hub_migrate_default_dir(buf, n) != 0) {
        hub_log_plain("hubctl migrate: default migrations directory name too long");
        return -1;
    }
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
        hub_log_plain("hubctl migrate: %s: not a directory (set --dir or hub.migrations_dir)", buf);
        return -1;
    }
    return 0;
}

int hubctl_cmd_migrate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = NULL, *opt_dir = NULL;
    char dir[MIGRATE_DIR_MAX];
    struct hub_error err = {0};
    hub_config_t *cfg = NULL;
    PGconn *conn = NULL;
    int c, applied = 0, version = 0;
    int rc = HUBCTL_EXIT_USAGE;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'd':
            opt_dir = optarg;
            break;
        case 'h':
            migrate_usage(stdout);
            return HUBCTL_EXIT_OK;
        case ':':
            hub_log_plain("hubctl migrate: option '%s' needs a value", argv[optind - 1]);
            migrate_usage(stderr);
            return HUBCTL_EXIT_USAGE;
        default:
            hub_log_plain("hubctl migrate: unknown option '%s'", argv[optind - 1]);
            migrate_usage(stderr);
            return HUBCTL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        hub_log_plain("hubctl migrate: unexpected argument '%s'", argv[optind]);
        migrate_usage(stderr);
        return HUBCTL_EXIT_USAGE;
    }

    if (hub_config_load(config_path, &cfg, &err) != 0) {
        hub_log_plain("hubctl migrate: %s", err.msg);
        goto out;
    }
    if (setup_logging(cfg) != 0 || pick_dir(cfg, opt_dir, dir, sizeof dir) != 0)
        goto out;

    rc = HUBCTL_EXIT_FAILURE;
    if (hub_pg_connect(cfg, &conn, &err) != 0) {
        hub_log_plain("hubctl migrate: %s", err.msg);
        goto out;
    }
    if (hub_migrate(conn, dir, &applied, &err) != 0) {
        hub_log_plain("hubctl migrate: %s%s", err.msg,
                      applied ? " (earlier migrations of this run were applied)" : "");
        /* A badly named, duplicate or missing migration file is invalid input, not a failure. */
        if (err.code == HUB_EINVAL || err.code == HUB_ENOTFOUND)
            rc = HUBCTL_EXIT_USAGE;
        goto out;
    }
    if (hub_migrate_version(conn, &version, &err) != 0) {
        hub_log_plain("hubctl migrate: %s", err.msg);
        goto out;
    }
    printf("applied %d migration%s; schema version %d\n", applied, applied == 1 ? "" : "s",
           version);
    rc = fflush(stdout) == 0 ? HUBCTL_EXIT_OK : HUBCTL_EXIT_FAILURE;
out:
    PQfinish(conn);
    hub_config_destroy(cfg);
    return rc;
}
