/*
 * app.h — what every hub program does at start and at a signal, written once.
 *
 * hub_app_start() keeps the process's memory out of core dumps (hub_app_no_core_dumps), loads the
 * configuration and sets up logging from it; hub_app_on_signals()
 * installs SIGINT/SIGTERM handlers that only set a flag (STYLE.md §15) which loops read with
 * hub_app_stopping(). Exit codes are shared too.
 */
#ifndef HUB_APP_H
#define HUB_APP_H

#include <stdbool.h>

#include "hub/core/config.h"
#include "hub/core/err.h"

enum hub_exit { HUB_EXIT_OK = 0, HUB_EXIT_FAILURE = 1, HUB_EXIT_USAGE = 2 };

/*
 * Makes sure no core dump ever holds what this process keeps in memory (pseudonym key, signing
 * and sealing keys, handover content): prctl(PR_SET_DUMPABLE, 0), which also stops other
 * processes of the same user from attaching a debugger or reading /proc/PID/mem, and
 * RLIMIT_CORE 0 (soft and hard, so the process cannot raise it again). Every hub program calls
 * it first (hub_app_start does). Returns 0, or HUB_EINTERNAL when the kernel refuses either.
 */
int hub_app_no_core_dumps(void) HUB_MUST_CHECK;

/* Loads `config_path` (NULL: environment and defaults) and configures logging for `program`.
 * On error prints one line and returns HUB_EXIT_USAGE; *cfg is then NULL. */
int hub_app_start(const char *program, const char *config_path, hub_config_t **cfg);

/* The exit code for a failure `code` (a HUB_E* value): HUB_EXIT_USAGE for what the operator must
 * fix in the command line or configuration (bad or missing keys, unreadable files named there,
 * secret files others can read), HUB_EXIT_FAILURE for everything that happened at run time
 * (database, Kafka, ...). */
int hub_app_exit_code(int code);

/* Installs SIGINT and SIGTERM handlers that set the stop flag; SIGPIPE is ignored. */
void hub_app_on_signals(void);

/* True once SIGINT or SIGTERM arrived (or hub_app_request_stop() was called). */
bool hub_app_stopping(void);

void hub_app_request_stop(void);

#endif
