/*
 * main.c — hubctl: one program for the operator's tasks, dispatching to subcommands.
 *
 * Adding a subcommand: write deploy/hubctl/cmd_<name>.c, declare it in hubctl.h and add one row
 * to `commands` below; the usage text is generated from the table.
 */
#include <stdio.h>
#include <string.h>

#include "hub/core/app.h"
#include "hub/core/log.h"
#include "hubctl.h"

struct hubctl_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct hubctl_command commands[] = {
    {"broker", hubctl_cmd_broker, "run the embedded in-memory Kafka dev broker (mock cluster)"},
    {"migrate", hubctl_cmd_migrate, "apply the SQL migrations of schema hub to PostgreSQL"},
    {"config-keys", hubctl_cmd_config_keys, "list every hub.* configuration key (--markdown)"},
    {"report", hubctl_cmd_report,
     "write the monthly statistics for socialnämnden (CSV, JSON, HTML)"},
    {"districts", hubctl_cmd_districts,
     "districts' signing keys: keygen (key pair + key-table row), check-keys"},
    {"demo-data", hubctl_cmd_demo, "write synthetic, reproducible demo events (JSON lines)"},
    {"audit", hubctl_cmd_audit,
     "audit verify: recompute the disclosure log's hash chain, name the first bad row"},
    {"schools", hubctl_cmd_schools,
     "school directory: import a CSV (PostgreSQL + school-directory topic), list, keygen"},
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: hubctl <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'hubctl <command> --help' for the options of a command.\n"
               "Exit codes: 0 ok, 1 runtime failure, 2 usage or invalid input.\n");
}

int main(int argc, char **argv)
{
    const char *name;

    hub_log_setup("hubctl", HUB_LOG_INFO, HUB_LOG_LOGFMT);
    /* it holds private keys (a school's sealing key, a district's signing key): never in a core */
    if (hub_app_no_core_dumps() != 0) {
        hub_log_plain("hubctl: cannot turn core dumps off (setrlimit/prctl refused)");
        return HUBCTL_EXIT_FAILURE;
    }
    if (argc < 2) {
        usage(stderr);
        return HUBCTL_EXIT_USAGE;
    }
    name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return HUBCTL_EXIT_OK;
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "hubctl: unknown command '%s'\n\n", name);
    usage(stderr);
    return HUBCTL_EXIT_USAGE;
}
