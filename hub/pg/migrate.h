/*
 * migrate.h — applies the numbered SQL migrations that define schema `hub`.
 *
 * A migration is a file `NNN_name.sql` in the migrations directory (deploy/migrations); NNN is its
 * version (a positive integer; leading zeros are fine, two files may not share a version). Files
 * are applied in version order, each in its own transaction together with its row in
 * hub.schema_migrations(version, name, applied_at), so a failing file leaves nothing behind and a
 * later run picks up where this one stopped. A file therefore must not contain BEGIN/COMMIT or
 * statements that cannot run inside a transaction (CREATE INDEX CONCURRENTLY, VACUUM).
 *
 * The whole run holds a session-level advisory lock, so two processes migrating the same database
 * at once are safe: the second waits, then finds nothing left to do. Migrating an up-to-date
 * database is a no-op. A database that already has a version newer than the newest file is
 * refused (HUB_EPG_SCHEMA): this program is older than the schema and must not write to it.
 */
#ifndef HUB_MIGRATE_H
#define HUB_MIGRATE_H

#include <stddef.h>

#include <libpq-fe.h>

#include "hub/core/err.h"

/* Brings the database behind `conn` (an idle session) up to the newest migration in
 * `migrations_dir`. *applied_count (may be NULL) receives how many files were applied now.
 * Errors: HUB_EIO / HUB_ENOTFOUND (directory unreadable, no migrations in it), HUB_EINVAL (a
 * duplicate version or an unreadable file name), HUB_EPG_SCHEMA (database newer than the files),
 * HUB_EPG (a statement failed; the message names the file and line), HUB_EPG_CONNECT. */
int hub_migrate(PGconn *conn, const char *migrations_dir, int *applied_count,
                struct hub_error *err) HUB_MUST_CHECK;

/* The highest version recorded in hub.schema_migrations, 0 when none (or no such table yet). */
int hub_migrate_version(PGconn *conn, int *version, struct hub_error *err) HUB_MUST_CHECK;

/* The same for migrations that define another schema, with its own <schema>.schema_migrations
 * (the outbox a district keeps in its own database, producers/OUTBOX.md). `schema` must be a
 * lowercase identifier (a-z, 0-9, '_'; at most 63), else HUB_EINVAL. hub_migrate() is
 * hub_migrate_schema(…, "hub", …). */
int hub_migrate_schema(PGconn *conn, const char *migrations_dir, const char *schema,
                       int *applied_count, struct hub_error *err) HUB_MUST_CHECK;
int hub_migrate_schema_version(PGconn *conn, const char *schema, int *version,
                               struct hub_error *err) HUB_MUST_CHECK;

/* Writes the default migrations directory into buf: $HUB_MIGRATIONS_DIR when set and non-empty,
 * else HUB_SOURCE_DIR "/deploy/migrations" (the source tree this library was built from).
 * Returns 0, or HUB_ERANGE when it does not fit. */
int hub_migrate_default_dir(char *buf, size_t n) HUB_MUST_CHECK;

#endif
