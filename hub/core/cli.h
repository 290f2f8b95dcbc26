/*
 * cli.h — the command line every hub program shares, parsed one way.
 *
 * Every program takes --config FILE (-c, required), --help (-h: its usage on stdout, exit 0) and
 * --help-config (the hub.* keys on stdout, exit 0), plus its own options from a table. An
 * unknown option or a missing argument prints the usage on stderr (exit 2); so does a missing
 * --config (after "<program>: --config FILE is required") and, unless the program takes them,
 * any operand.
 */
#ifndef HUB_CLI_H
#define HUB_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* One option of a program: --name, or -letter when letter is not 0. */
struct hub_cli_opt {
    const char *name;
    int letter;
    const char **arg; /* takes an argument, stored here (the last one given wins) */
    bool *flag;       /* when arg is NULL: a flag, set to true when given */
};

struct hub_cli {
    const char *program;            /* "hub-readmodel", for messages */
    void (*usage)(FILE *f);         /* the program's usage text */
    const struct hub_cli_opt *opts; /* ended by an entry with name NULL; may be NULL */
    bool operands;                  /* operands (e.g. input files) allowed */
};

#define HUB_CLI_RUN (-1)

/* Parses argv. Returns HUB_CLI_RUN with *config_path set and *first_operand the index of the
 * first operand (argc when none), or the exit code the program ends with (HUB_EXIT_OK after
 * --help or --help-config, HUB_EXIT_USAGE after a usage error). */
int hub_cli_parse(const struct hub_cli *cli, int argc, char **argv, const char **config_path,
                  int *first_operand);

/* A whole decimal number in [min, max] from option --name's text; else prints
 * "<program>: --<name>: '<text>' is not <what>" and returns false. */
bool hub_cli_number(const char *program, const char *name, const char *text, long min, long max,
                    const char *what, long *out);

#endif
