/*
 * district.h — Stockholm's districts (stadsdelsområden) with their validity and successors.
 *
 * The table is reference data in schemas/reference/districts.csv (header
 * `code,name,valid_from,valid_to,successor`). A district is valid from `valid_from` to `valid_to`
 * inclusive; merged districts name their successor so that old codes map to today's districts.
 * Days are counted since 1970-01-01 (hub/core/date.h). A loaded table is read-only and may be
 * shared between threads.
 */
#ifndef HUB_DISTRICT_H
#define HUB_DISTRICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/core/err.h"

#define HUB_DISTRICT_CODE_MAX 32
#define HUB_DISTRICT_NAME_MAX 64
#define HUB_DISTRICTS_FILE "districts.csv"

struct hub_district {
    char code[HUB_DISTRICT_CODE_MAX];      /* lowercase ASCII: a-z first, then a-z, 0-9, '-' */
    char name[HUB_DISTRICT_NAME_MAX];      /* UTF-8 */
    int32_t valid_from;                    /* first day */
    int32_t valid_to;                      /* last day, INT32_MAX while the district exists */
    char successor[HUB_DISTRICT_CODE_MAX]; /* "" when none */
};

typedef struct hub_districts hub_districts_t;

/*
 * Loads the CSV at `csv_path` into a new table `*out`, owned by the caller (hub_districts_destroy).
 * Returns 0; HUB_EIO if the file cannot be read; HUB_ECONFIG_SYNTAX for a wrong header, field
 * count, quoting or an over-long line; HUB_ECONFIG_VALUE for a bad field (code, name, date,
 * valid_to before valid_from, duplicate code, unknown or cyclic successor, successor on an open
 * district) or an empty table. Messages read "FILE:LINE: column N (FIELD): what is wrong".
 */
HUB_MUST_CHECK int hub_districts_load(const char *csv_path, hub_districts_t **out,
                                      struct hub_error *err);

/* Frees the table. Accepts NULL. */
void hub_districts_destroy(hub_districts_t *t);

/* Number of districts in the table. */
size_t hub_districts_count(const hub_districts_t *t);

/* The district at `index` in file order, or NULL when `index` >= count. Owned by the table. */
const struct hub_district *hub_districts_at(const hub_districts_t *t, size_t index);

/* The district with `code`, or NULL when there is none. Owned by the table. */
const struct hub_district *hub_districts_find(const hub_districts_t *t, const char *code);

/* A district code: a lowercase letter, then lowercase letters, digits and '-'; under
 * HUB_DISTRICT_CODE_MAX bytes. False for NULL. */
bool hub_district_code_valid(const char *s);

/* True when `d` is valid on `day`. */
bool hub_district_valid_on(const struct hub_district *d, int32_t day);

/*
 * Returns 0 when `code` names a district valid on `day`; HUB_EDISTRICT for an unknown code;
 * HUB_EDISTRICT_DATE when it is not valid that day (message names the code, the date, the
 * validity range and any successor).
 */
HUB_MUST_CHECK int hub_districts_check(const hub_districts_t *t, const char *code, int32_t day,
                                       struct hub_error *err);

/*
 * The district that `code` had become on `day`: `code` itself if valid then, else its successor
 * chain followed to the one valid on `day`. NULL if `code` is unknown or nothing in its chain is
 * valid on `day` (e.g. a day before the district existed).
 */
const struct hub_district *hub_districts_current(const hub_districts_t *t, const char *code,
                                                 int32_t day);

/*
 * Writes the path of the districts table into `buf` (`n` bytes): $HUB_REFERENCE_DIR/districts.csv
 * when that variable is set and not empty, else the source tree's
 * schemas/reference/districts.csv. Returns 0, HUB_EINVAL (no buffer) or HUB_ERANGE (too small).
 */
HUB_MUST_CHECK int hub_districts_default_path(char *buf, size_t n);

/*
 * Loads the districts table from directory `dir` (the hub.reference_dir setting), or from the
 * default path when `dir` is NULL or empty. Returns as hub_districts_load, or HUB_ERANGE when the
 * path is too long.
 */
HUB_MUST_CHECK int hub_districts_load_dir(const char *dir, hub_districts_t **out,
                                          struct hub_error *err);

#endif
