/* cli.c — the command line every hub program shares (cli.h). */
#include "hub/core/cli.h"
#include "hub/core/app.h"
#include "hub/core/config.h"
#include "hub/core/log.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define CLI_OPTS_MAX 24
#define CLI_CONFIG 0x100 /* getopt values of the common long options without a letter */
#define CLI_HELP_CONFIG 0x101
#define CLI_OWN 0x200 /* + index into cli->opts */

int hub_cli_parse(const struct hub_cli *cli, int argc, char **argv, const char **config_path,
                  int *first_operand)
{
    struct option lo[CLI_OPTS_MAX + 4];
    char shorts[2 * CLI_OPTS_MAX + 8] = "c:h";
    size_t n = 0, ns = strlen(shorts);
    int c;

    *config_path = NULL;
    *first_operand = argc;
    lo[n++] = (struct option){"config", required_argument, NULL, 'c'};
    lo[n++] = (struct option){"help-config", no_argument, NULL, CLI_HELP_CONFIG};
    lo[n++] = (struct option){"help", no_argument, NULL, 'h'};
    for (size_t i = 0; cli->opts && cli->opts[i].name && i < CLI_OPTS_MAX; i++) {
        const struct hub_cli_opt *o = &cli->opts[i];
        lo[n++] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL,
                                  (int)(CLI_OWN + i)};
        if (o->letter) {
            shorts[ns++] = (char)o->letter;
            if (o->arg)
                shorts[ns++] = ':';
        }
    }
    shorts[ns] = '\0';
    lo[n] = (struct option){NULL, 0, NULL, 0};

    optind = 1;
    while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        const struct hub_cli_opt *o = NULL;
        if (c >= CLI_OWN) {
            o = &cli->opts[c - CLI_OWN];
        } else {
            for (size_t i = 0; cli->opts && cli->opts[i].name && !o; i++)
                if (cli->opts[i].letter && cli->opts[i].letter == c)
                    o = &cli->opts[i];
        }
        if (o) {
            if (o->arg)
                *o->arg = optarg;
            else if (o->flag)
                *o->flag = true;
            continue;
        }
        switch (c) {
        case 'c':
            *config_path = optarg;
            break;
        case CLI_HELP_CONFIG:
            hub_config_print_help(stdout, false);
            return HUB_EXIT_OK;
        case 'h':
            cli->usage(stdout);
            return HUB_EXIT_OK;
        default:
            cli->usage(stderr);
            return HUB_EXIT_USAGE;
        }
    }
    if (!*config_path) {
        hub_log_plain("%s: --config FILE is required", cli->program);
        cli->usage(stderr);
        return HUB_EXIT_USAGE;
    }
    if (!cli->operands && optind != argc) {
        cli->usage(stderr);
        return HUB_EXIT_USAGE;
    }
    *first_operand = optind;
    return HUB_CLI_RUN;
}

bool hub_cli_number(const char *program, const char *name, const char *text, long min, long max,
                    const char *what, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || !end || end == text || *end || v < min || v > max) {
        hub_log_plain("%s: --%s: '%s' is not %s", program, name, text, what);
        return false;
    }
    *out = v;
    return true;
}
