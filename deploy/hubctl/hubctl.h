/*
 * hubctl.h — the subcommands of hubctl, the operator's tool.
 *
 * Each subcommand lives in its own deploy/hubctl/cmd_<name>.c, is a thin layer over hub/, and is
 * listed in the table in main.c. It receives argv starting at its own name (argv[0] = "broker"),
 * prints its own errors to stderr and returns a process exit code.
 */
#ifndef HUBCTL_H
#define HUBCTL_H

enum hubctl_exit {
    HUBCTL_EXIT_OK = 0,      /* done */
    HUBCTL_EXIT_FAILURE = 1, /* runtime failure */
    HUBCTL_EXIT_USAGE = 2,   /* bad command line or invalid input */
};

/* hubctl broker: runs the embedded in-memory Kafka dev broker until SIGINT/SIGTERM. */
int hubctl_cmd_broker(int argc, char **argv);

/* hubctl migrate: applies the pending SQL migrations (hub/pg/migrate.h) and prints the version. */
int hubctl_cmd_migrate(int argc, char **argv);

/* hubctl report: writes the statistics for a month, tertial or year (hub/stats/stats.h,
 * hub/stats/report.h). */
int hubctl_cmd_report(int argc, char **argv);

/* hubctl config-keys: lists the hub.* keys from hub/core/config.c's table (--markdown for the
 * README).
 */
int hubctl_cmd_config_keys(int argc, char **argv);

/* hubctl districts: the districts' signing keys: keygen, check-keys (hub/crypto/sign.h). */
int hubctl_cmd_districts(int argc, char **argv);

/* hubctl demo-data: writes seeded synthetic events for hub-publish (deploy/hubctl/demo.h). */
int hubctl_cmd_demo(int argc, char **argv);

/* hubctl audit verify: recomputes the disclosure log's hash chain (hub/notify/audit.h). */
int hubctl_cmd_audit(int argc, char **argv);

/* hubctl schools: imports and lists the school directory (hub/directory/directory.h) and makes
 * school key pairs (hub/crypto/seal.h). */
int hubctl_cmd_schools(int argc, char **argv);

#endif
