/*
 * config.h — one `key=value` properties file, overridden by the environment.
 *
 * Keys `kafka.*` go to librdkafka verbatim (prefix removed), `pg.*` form the libpq conninfo
 * (prefix removed; a key that is not one of libpq's connection keywords, PQconndefaults(), is
 * refused at load with HUB_ECONFIG_UNKNOWN), `hub.*` are ours and must appear in the key table in
 * config.c, which holds each key's type, default and documentation (the `--help-config` listing and
 * the README come from it). Lines are `key=value` (whitespace around both trimmed), `#` or `!`
 * starts a comment line.
 *
 * The environment overrides the file: HUB_KAFKA_<KEY> → kafka.<key> ('_' → '.'),
 * HUB_PG_<KEY> → pg.<key> (lowercased), and for hub.* keys HUB_<KEY> with the "hub." dropped,
 * '.' → '_', uppercased (hub.pseudonym.key_file → HUB_PSEUDONYM_KEY_FILE). Any other HUB_*
 * variable is ignored; when it looks like a mistyped one (close to a key's variable, or in a key's
 * section such as HUB_NOTIFIER_) the loader logs a warning naming it and the closest variable.
 *
 * Secrets are never values here: keys name files (hub.pseudonym.key_file) read with
 * hub_secret_file_read().
 */
#ifndef HUB_CONFIG_H
#define HUB_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "hub/core/err.h"

typedef struct hub_config hub_config_t;

/* Loads `path` (NULL: defaults and environment only) and applies the environment. Unknown hub.*
 * keys, malformed lines and bad values fail with a message naming file, line and key.
 * On success *out is owned by the caller (hub_config_destroy). */
int hub_config_load(const char *path, hub_config_t **out, struct hub_error *err) HUB_MUST_CHECK;

/* As hub_config_load, with the file's text given in memory (`len` bytes, need not be
 * NUL-terminated); `name` stands for the file name in messages and origins. */
int hub_config_load_buffer(const char *text, size_t len, const char *name, hub_config_t **out,
                           struct hub_error *err) HUB_MUST_CHECK;

/* Sets one key as if it came from `origin` (e.g. "--set", "test"). Validates like the loader. */
int hub_config_set(hub_config_t *cfg, const char *key, const char *value, const char *origin,
                   struct hub_error *err) HUB_MUST_CHECK;

void hub_config_destroy(hub_config_t *cfg);

/* The value of a key: for hub.* keys the default when unset; for kafka. and pg. keys NULL when
 * unset. The string is owned by cfg. */
const char *hub_config_get(const hub_config_t *cfg, const char *key);

/* hub.* integer and boolean keys (validated at load time, so these cannot fail for table keys). */
long hub_config_get_int(const hub_config_t *cfg, const char *key);
bool hub_config_get_bool(const hub_config_t *cfg, const char *key);

/* Calls fn(key without prefix, value, ud) for every set key starting with `prefix` ("kafka.");
 * stops and returns fn's value when it is non-zero. */
int hub_config_foreach(const hub_config_t *cfg, const char *prefix,
                       int (*fn)(const char *key, const char *value, void *ud), void *ud);

/* Where a key's value came from ("hub.conf:12", "env HUB_PG_HOST", "default"). */
const char *hub_config_origin(const hub_config_t *cfg, const char *key);

/* Builds the libpq conninfo string ("host='…' dbname='…'") from the pg.* keys, quoting values.
 * Empty when no pg.* key is set (libpq then uses PG* environment variables). Caller frees. */
int hub_config_pg_conninfo(const hub_config_t *cfg, char **out) HUB_MUST_CHECK;

/* Returns kafka.bootstrap.servers, or the trimmed content of the file named by
 * hub.bootstrap_file when that key is unset. Caller frees *out. */
int hub_config_bootstrap(const hub_config_t *cfg, char **out, struct hub_error *err) HUB_MUST_CHECK;

/* Prefixes a topic name with hub.topic.prefix into buf. */
void hub_config_topic(const hub_config_t *cfg, const char *name, char *buf, size_t n);

/* Prints every hub.* key with type, default and documentation (for --help-config). */
void hub_config_print_help(FILE *f, bool markdown);

#endif
