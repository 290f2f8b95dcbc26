/*
 * directory.h — the school directory: which school units the hub knows, how to reach them, and
 * the public key that content for each is sealed with (hub/crypto/seal.h).
 *
 * Municipal schools, friskolor and state schools anywhere in Sweden are all first-class: a school
 * is a skolenhetskod, a name, a huvudman type and a kommunkod. The directory lives in PostgreSQL
 * (hub.schools, deploy/migrations/003_directory.sql) and is mirrored to the compacted topic
 * `school-directory`. It is maintained from a CSV file with this header (hub/demo writes one):
 *
 *     skolenhetskod,name,huvudman_type,kommunkod,webhook_url,public_key,signing_secret_ref,email
 *
 * RFC 4180 CSV in UTF-8 (a byte-order mark is skipped): fields may be quoted ("" is a quote and a
 * quoted field may hold commas), lines end in LF or CRLF, blank lines are ignored. Rules:
 *   skolenhetskod       8 digits, unique in the file
 *   name                not empty, at most HUB_SCHOOL_NAME_MAX bytes
 *   huvudman_type       kommunal | fristående | statlig
 *   kommunkod           4 digits
 *   webhook_url         empty, or https://host…; http:// only for localhost, 127.0.0.1 or [::1]
 *   public_key          empty, or base64 of the raw 32-byte X25519 public key (44 characters,
 *                       `hubctl schools keygen` makes one); a low-order point is refused
 *   signing_secret_ref  empty, or the absolute path of the file holding the school's webhook
 *                       signing secret (read by the notifier; never published)
 *   email               empty, or a plausible address (one '@', a dot in the domain)
 * No field may hold control characters or invalid UTF-8. Empty optional fields are SQL NULL.
 *
 * The value published for a school on `school-directory` (key: the skolenhetskod) is the record
 * of schemas/school_directory/v<N>.avsc in Avro single-object encoding (hub/avro/avro_record.h),
 * signed with the hub's own key (district "hub", hub/crypto/sign.h) like every other message:
 *     {"skolenhetskod":"99018001","name":"…","huvudman_type":"fristående","kommunkod":"0180",
 *      "public_key":"<base64>"|null}
 * Only what a reader outside the hub needs is published: the webhook URL and e-mail are how the
 * hub's notifier reaches a school, and signing_secret_ref is a path on the hub's host. A removed
 * school is a tombstone: its key with a null value (signed too: the signature covers an empty
 * value), which log compaction eventually uses to forget the school.
 */
#ifndef HUB_DIRECTORY_H
#define HUB_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libpq-fe.h>

#include <jansson.h>

#include "hub/avro/avro_record.h"
#include "hub/core/config.h"
#include "hub/core/err.h"
#include "hub/domain/event.h"
#include "hub/crypto/seal.h"

#define HUB_SCHOOLS_CSV_HEADER                                                                     \
    "skolenhetskod,name,huvudman_type,kommunkod,webhook_url,public_key,signing_secret_ref,email"
#define HUB_SCHOOLS_COLUMNS 8
#define HUB_SCHOOL_NAME_MAX 200
#define HUB_SCHOOL_URL_MAX 2048
#define HUB_SCHOOL_PATH_MAX 4096
#define HUB_SCHOOL_EMAIL_MAX 254
#define HUB_SCHOOLS_FILE_MAX (64 * 1024 * 1024) /* largest CSV file read */
#define HUB_DIRECTORY_TS_STR 32                 /* "2026-03-01T10:00:00.123456Z" + NUL */

enum hub_huvudman {
    HUB_HUVUDMAN_KOMMUNAL,
    HUB_HUVUDMAN_FRISTAENDE,
    HUB_HUVUDMAN_STATLIG,
    HUB_HUVUDMAN__COUNT
};

/* One school unit. Optional strings are NULL when absent; all are owned by the directory. */
struct hub_school {
    char unit[HUB_SCHOOL_UNIT_STR]; /* skolenhetskod */
    char *name;
    enum hub_huvudman huvudman;
    char kommun[HUB_KOMMUN_STR];
    char *webhook_url;
    char *public_key; /* base64 text, as in the CSV and the table */
    bool public_key_ok;
    uint8_t public_key_raw[HUB_SEAL_KEY_LEN]; /* decoded public_key when public_key_ok */
    char *signing_secret_ref;
    char *email;
    bool removed;                          /* removed_at is set (PostgreSQL only) */
    char removed_at[HUB_DIRECTORY_TS_STR]; /* UTC, "" when not removed or from a CSV */
    char updated_at[HUB_DIRECTORY_TS_STR]; /* UTC, "" from a CSV */
    unsigned long line;                    /* CSV line of the row; 0 from PostgreSQL */
};

typedef struct hub_directory hub_directory_t;

/* Receives each problem of a CSV file as one line "FILE:LINE: column: what is wrong". */
typedef void (*hub_directory_problem_fn)(void *ud, const char *problem);

/* "kommunal", "fristående", "statlig" (UTF-8), or NULL out of range; and the reverse (0 or
 * HUB_EENUM). */
const char *hub_huvudman_name(enum hub_huvudman h);
int hub_huvudman_parse(const char *s, enum hub_huvudman *out) HUB_MUST_CHECK;

/*
 * Reads and validates a whole school CSV from `f`; `name` is the file name used in messages.
 * Every problem of every row is passed to on_problem (when not NULL) in line order, and nothing
 * is returned unless the whole file is valid. Returns 0 with *out owned by the caller
 * (hub_directory_destroy); HUB_EINVAL when some row is invalid, err then holding the first
 * problem and how many more there are; HUB_EIO, HUB_ERANGE (file larger than
 * HUB_SCHOOLS_FILE_MAX), HUB_ENOMEM.
 */
int hub_directory_read_csv(FILE *f, const char *name, hub_directory_problem_fn on_problem, void *ud,
                           hub_directory_t **out, struct hub_error *err) HUB_MUST_CHECK;

/* hub_directory_read_csv on the file at `path`. */
int hub_directory_load_csv(const char *path, hub_directory_problem_fn on_problem, void *ud,
                           hub_directory_t **out, struct hub_error *err) HUB_MUST_CHECK;

/* Loads every row of hub.schools, removed ones included (with `removed` set). A public key that
 * does not parse is kept as text with public_key_ok false. Errors as hub_pg_exec; HUB_ENOMEM. */
int hub_directory_load_pg(PGconn *conn, hub_directory_t **out,
                          struct hub_error *err) HUB_MUST_CHECK;

void hub_directory_destroy(hub_directory_t *d);

/* Number of schools, and the one at `i` in skolenhetskod order (NULL past the end). */
size_t hub_directory_count(const hub_directory_t *d);
const struct hub_school *hub_directory_at(const hub_directory_t *d, size_t i);

/* The school with skolenhetskod `unit` (removed or not), or NULL. */
const struct hub_school *hub_directory_find(const hub_directory_t *d, const char *unit);

/*
 * The public key content for `unit` is sealed with. Returns 0; HUB_ENOTFOUND when the school is
 * not in the directory, was removed from it, or has no public key ("receiving school 12345678
 * has no public key in the directory"); HUB_ESEAL_KEY when its key in the table is unusable.
 */
int hub_directory_recipient_key(const hub_directory_t *d, const char *unit,
                                uint8_t out[HUB_SEAL_KEY_LEN],
                                struct hub_error *err) HUB_MUST_CHECK;

/* Writes the directory as CSV with HUB_SCHOOLS_CSV_HEADER (removed schools only when
 * include_removed), so that the output imports again. Returns 0 or HUB_EIO. */
int hub_directory_write_csv(FILE *out, const hub_directory_t *d, bool include_removed,
                            struct hub_error *err) HUB_MUST_CHECK;

#define HUB_DIRECTORY_RECORD_NAME "school_directory" /* schemas/<this>/v<N>.avsc */

/* The `school-directory` record of a school as JSON in Avro's JSON shape (format above). *out is
 * a new reference (json_decref). Returns 0 or HUB_ENOMEM. */
int hub_directory_school_record(const struct hub_school *s, json_t **out,
                                struct hub_error *err) HUB_MUST_CHECK;

/* Parses the newest compiled-in school_directory schema and checks that the records built above
 * match it exactly. *out is the caller's (hub_avro_record_schema_destroy). HUB_EAVRO_SCHEMA naming
 * the first mismatch, or no compiled-in schema; HUB_ENOMEM. */
int hub_directory_schema_new(hub_avro_record_schema_t **out, struct hub_error *err) HUB_MUST_CHECK;

/* The `school-directory` value of a school: its record encoded with `schema` (single-object
 * encoding). *out is malloc'd, the caller frees it. Returns 0, HUB_EAVRO_VALUE or HUB_ENOMEM. */
int hub_directory_school_value(const hub_avro_record_schema_t *schema, const struct hub_school *s,
                               uint8_t **out, size_t *len, struct hub_error *err) HUB_MUST_CHECK;

/* ---- importing into PostgreSQL and publishing ---- */

enum hub_directory_change_kind { HUB_DIR_ADDED, HUB_DIR_CHANGED, HUB_DIR_REMOVED };

struct hub_directory_change {
    char unit[HUB_SCHOOL_UNIT_STR];
    enum hub_directory_change_kind kind;
};

/* What an import changed. Zero-initialise; release with hub_directory_changes_free. */
struct hub_directory_changes {
    struct hub_directory_change *v; /* in skolenhetskod order within each kind */
    size_t n, cap;
    size_t added, changed, removed, unchanged;
    size_t published; /* messages acknowledged on `school-directory` */
};

void hub_directory_changes_free(struct hub_directory_changes *ch);

/*
 * Makes hub.schools match `d`, inside the caller's transaction: locks the table against other
 * imports, inserts new schools, updates those whose columns differ (or that were removed and are
 * back: removed_at cleared), and sets removed_at = now() on schools absent from `d` that were
 * not removed yet. Rows that already match are not written. updated_at = now() on every row
 * written. Fills *ch. Errors as hub_pg_exec (with a hint to run `hubctl migrate` when the table
 * is missing); HUB_ENOMEM.
 */
int hub_directory_apply(PGconn *conn, const hub_directory_t *d, struct hub_directory_changes *ch,
                        struct hub_error *err) HUB_MUST_CHECK;

#define HUB_DIRECTORY_DRY_RUN 0x1 /* compute the changes, then roll back; publish nothing */
#define HUB_DIRECTORY_REPUBLISH                                                                    \
    0x2 /* also publish unchanged schools and tombstones for every                                 \
           removed one (e.g. for a new, empty topic) */

/*
 * The whole import: connects to PostgreSQL (pg.*), and in ONE transaction applies `d`
 * (hub_directory_apply), publishes each added or changed school and a tombstone for each newly
 * removed one to `school-directory` (hub.topic.prefix applies), waits for every acknowledgement
 * (hub.publish.flush_timeout_ms), and only then commits. If any message is not acknowledged the
 * transaction is rolled back (the topic may then already hold some of the new values; importing
 * again publishes them again, which compaction makes harmless). A directory with no school is
 * refused (HUB_EINVAL): it would remove every school. Fills *ch. Errors: HUB_EINVAL,
 * HUB_EPG_CONNECT, HUB_EPG, HUB_EKAFKA (producer), HUB_EKAFKA_UNDELIVERED, HUB_ENOMEM.
 */
int hub_directory_import(const hub_config_t *cfg, const hub_directory_t *d, unsigned flags,
                         struct hub_directory_changes *ch, struct hub_error *err) HUB_MUST_CHECK;

#endif
