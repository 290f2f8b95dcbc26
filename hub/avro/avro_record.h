/*
 * avro_record.h — a record that is not an event, written as Avro single-object encoding from a
 * jansson value in the shape of a compiled-in schemas/<record>/v<N>.avsc.
 *
 * Events go through hub/avro/codec.h and its struct bindings. Records that no consumer of ours
 * decodes into structs (monthly-stats, school-directory) are built as JSON in Avro's JSON shape
 * (unions as bare values, enums as their symbols) and written by the generic schema-driven encoder
 * (hub/avro/avro_value.h) behind the single-object header: C3 01, the schema's 8-byte
 * little-endian CRC-64-AVRO fingerprint, then the Avro body. hub_codec_decode_json() reads the
 * bytes back, and so does any standard Avro library after the 10-byte header.
 */
#ifndef HUB_AVRO_RECORD_H
#define HUB_AVRO_RECORD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/avro/avro_schema.h"
#include "hub/core/err.h"

#define HUB_AVRO_RECORD_HEADER_LEN 10 /* C3 01 + 8-byte fingerprint */

typedef struct hub_avro_record_schema hub_avro_record_schema_t;

/* Parses the newest compiled-in schemas/<record>/v<N>.avsc. *out is the caller's
 * (hub_avro_record_schema_destroy). HUB_EAVRO_SCHEMA when none is compiled in, when it does not
 * parse or its root is not a record (the message names the file); HUB_ENOMEM. */
int hub_avro_record_schema_new(const char *record, hub_avro_record_schema_t **out,
                               struct hub_error *err) HUB_MUST_CHECK;

/* Like hub_avro_record_schema_new() from one schema text, taken as version `version` (tests).
 * `record` is copied. */
int hub_avro_record_schema_new_from(const char *record, const char *json, size_t len, int version,
                                    hub_avro_record_schema_t **out,
                                    struct hub_error *err) HUB_MUST_CHECK;

/* Frees. Accepts NULL. */
void hub_avro_record_schema_destroy(hub_avro_record_schema_t *s);

/* The version N of the schema, its CRC-64-AVRO fingerprint and its root (a record node, owned
 * by s). */
int hub_avro_record_schema_version(const hub_avro_record_schema_t *s);
uint64_t hub_avro_record_schema_fingerprint(const hub_avro_record_schema_t *s);
const struct hub_avro_node *hub_avro_record_schema_root(const hub_avro_record_schema_t *s);

/* Checks that `sample` (what a builder writes) has exactly the fields of the schema, recursively
 * through records, arrays and unions, and encodes; a builder and a schema that disagree fail at
 * start, not on the topic. 0; HUB_EAVRO_SCHEMA naming the file and the first difference;
 * HUB_ENOMEM. */
int hub_avro_record_check_builder(const hub_avro_record_schema_t *s, const json_t *sample,
                                  struct hub_error *err) HUB_MUST_CHECK;

/* Encodes `rec` in single-object encoding. *buf is malloc'd, the caller frees it. HUB_EAVRO_VALUE
 * (naming the field) when rec does not fit the schema; HUB_ENOMEM. */
int hub_avro_record_encode(const hub_avro_record_schema_t *s, const json_t *rec, uint8_t **buf,
                           size_t *len, struct hub_error *err) HUB_MUST_CHECK;

#endif
