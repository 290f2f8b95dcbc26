/*
 * stats_record.h — one district-month of the protected statistics as the monthly-stats record
 * (schemas/monthly_stats/v<N>.avsc): built as JSON, encoded as Avro single-object bytes.
 *
 * The record is not an event (no event id, no child, not read back by any consumer of ours), so it
 * does not go through hub/avro/codec.h's struct bindings: it is built as a jansson value in the
 * shape of the newest compiled-in monthly_stats schema and written by the generic schema-driven
 * encoder (hub/avro/avro_value.h). hub_stats_record_schema_new() checks once that the builder and
 * the schema agree field for field (the same check the codec makes for its bindings), so a schema
 * change that the builder does not follow fails at start, not on the topic. hub_codec_decode_json()
 * reads the bytes back (the unit test does), and so does any standard Avro library after the
 * 10-byte header.
 *
 * What goes in is only what hub_stats_district_month() returns: protected cells. A count that is
 * not shown has value null and a flag (below_k or suppressed); days figures not shown are null
 * with days_flag saying why. No pseudonym or per-child value can reach a record.
 */
#ifndef HUB_STATS_RECORD_H
#define HUB_STATS_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/avro/avro_record.h"
#include "hub/core/err.h"
#include "hub/stats/stats.h"

#define HUB_STATS_RECORD_NAME "monthly_stats" /* schemas/<this>/v<N>.avsc */
#define HUB_STATS_HASH_LEN 32                 /* SHA-256 */

/* What a record says besides the cells. */
struct hub_stats_record_meta {
    int32_t as_of;          /* days since 1970-01-01 */
    bool provisional;       /* published before the month closed */
    int64_t k;              /* hub_stats_options.k of the cube */
    int64_t threshold_days; /* hub_stats_options.threshold_days of the cube */
};

/* The monthly_stats schema: hub/avro/avro_record.h's handle, checked against the builder. */
typedef hub_avro_record_schema_t hub_stats_record_schema_t;

/* Parses the newest compiled-in monthly_stats schema and checks that the records built here match
 * it exactly (every field present, no field unknown to it). *out is the caller's
 * (hub_stats_record_schema_destroy). HUB_EAVRO_SCHEMA naming the first mismatch, or no compiled-in
 * schema; HUB_ENOMEM. */
int hub_stats_record_schema_new(hub_stats_record_schema_t **out,
                                struct hub_error *err) HUB_MUST_CHECK;

/* Like hub_stats_record_schema_new() from one schema text (tests). */
int hub_stats_record_schema_new_from(const char *json, size_t len, int version,
                                     hub_stats_record_schema_t **out,
                                     struct hub_error *err) HUB_MUST_CHECK;

void hub_stats_record_schema_destroy(hub_stats_record_schema_t *s);

/* The version N of the schema in use, and its CRC-64-AVRO fingerprint. */
int hub_stats_record_schema_version(const hub_stats_record_schema_t *s);
uint64_t hub_stats_record_schema_fingerprint(const hub_stats_record_schema_t *s);

/* Builds the record of `dm` as JSON (Avro's JSON shape: unions as bare values, enums as their
 * symbols, the date as days). *out is a new reference (json_decref). HUB_EINVAL for a count or
 * days figure outside int range or a mark that cannot occur; HUB_ENOMEM. */
int hub_stats_record_build(const struct hub_stats_district_month *dm,
                           const struct hub_stats_record_meta *meta, json_t **out,
                           struct hub_error *err) HUB_MUST_CHECK;

/* Encodes `rec` (as built above) in single-object encoding: C3 01, the 8-byte little-endian
 * fingerprint, the Avro body. *buf is malloc'd, the caller frees it. HUB_EAVRO_VALUE (naming the
 * field) when rec does not fit the schema; HUB_ENOMEM. */
int hub_stats_record_encode(const hub_stats_record_schema_t *s, const json_t *rec, uint8_t **buf,
                            size_t *len, struct hub_error *err) HUB_MUST_CHECK;

/* The record's content hash: SHA-256 of its single-object encoding with as_of set to 0, so that
 * two records differ in hash exactly when something but the as-of date differs (figures, flags,
 * names, k, threshold, definitions version, provisional, schema). Errors as encode. */
int hub_stats_record_hash(const hub_stats_record_schema_t *s, const json_t *rec,
                          uint8_t out[HUB_STATS_HASH_LEN], struct hub_error *err) HUB_MUST_CHECK;

/* How a new record's protected counts differ from a previously published one (both as built
 * above, or as stored): cells are matched by table and labels. */
struct hub_stats_record_diff {
    size_t cells;        /* counts compared */
    size_t changed;      /* value or flag differs */
    size_t revealed;     /* hidden (below_k or suppressed) before, shown now */
    size_t hidden;       /* shown before, hidden now */
    size_t days_changed; /* rows whose days figures or days_flag differ */
};

/* Compares the counts of `prev` and `cur`. A row present in only one of them counts its counts
 * as changed. */
void hub_stats_record_compare(const json_t *prev, const json_t *cur,
                              struct hub_stats_record_diff *out);

#endif
