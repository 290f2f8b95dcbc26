/*
 * paths.h — where the data the programs ship with lives: migrations and reference data.
 *
 * One rule for every default path, so a program finds its data both when it runs from a build of
 * the source tree and when it is installed from the Debian package:
 *   1. the environment variable (HUB_MIGRATIONS_DIR, HUB_REFERENCE_DIR) when set and not empty;
 *   2. the source tree's copy (deploy/migrations, schemas/reference) when that directory exists;
 *   3. the installed copy under HUB_INSTALL_DATADIR (/usr/share/sams-hub: migrations, reference).
 * Configuration keys (hub.migrations_dir, hub.reference_dir) override all of these; callers
 * check them first.
 */
#ifndef HUB_PATHS_H
#define HUB_PATHS_H

#include <stddef.h>

#include "hub/core/err.h"

/* HUB_DATA_OUTBOX: the migrations of a district's outbox (deploy/outbox, HUB_OUTBOX_DIR). */
enum hub_data_kind { HUB_DATA_MIGRATIONS, HUB_DATA_REFERENCE, HUB_DATA_OUTBOX };

/* Writes the directory for `kind` into buf (n bytes). 0, HUB_EINVAL or HUB_ERANGE. */
int hub_data_dir(enum hub_data_kind kind, char *buf, size_t n) HUB_MUST_CHECK;

#endif
