/*
 * cmd_config.c — `hubctl config-keys [--markdown]`: every hub.* configuration key with its type,
 * default, environment variable and meaning, from the one key table in hub/core/config.c. The
 * README's configuration section is this command's --markdown output (a test keeps them equal).
 */
#include <stdio.h>
#include <string.h>

#include "hub/core/config.h"
#include "hubctl.h"

int hubctl_cmd_config_keys(int argc, char **argv)
{
    bool markdown = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--markdown") == 0) {
            markdown = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: hubctl config-keys [--markdown]\n");
            return HUBCTL_EXIT_OK;
        } else {
            fprintf(stderr, "hubctl config-keys: unknown argument '%s'\n", argv[i]);
            return HUBCTL_EXIT_USAGE;
        }
    }
    hub_config_print_help(stdout, markdown);
    return HUBCTL_EXIT_OK;
}
