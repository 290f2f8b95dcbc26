/*
 * avro_value.h — schema-driven Avro binary for any schema, with values as jansson JSON.
 *
 * The generic, slower path next to the codec's struct path: skipping values (the codec uses it
 * for writer fields its reader does not have), decoding with the writer's schema into the shape of
 * a reader schema (fields matched by name or alias, missing ones filled from the reader's
 * defaults, promotions applied), and encoding a JSON value. Used by tools, tests and anything that
 * needs a name→value view of a record.
 *
 * JSON shape of values (the one Avro uses for field defaults): null, true/false, integers for
 * int/long, reals for float/double, strings for string and enum symbols, bytes and fixed as strings
 * of code points 0-255, arrays, objects for maps and records, and a union's value as the bare value
 * of its branch (no {"type": value} wrapper). When encoding a union, the first branch the value
 * fits is chosen.
 *
 * Hostile input is bounded: nesting deeper than HUB_AVRO_MAX_DEPTH and more than
 * HUB_AVRO_MAX_EMPTY_ITEMS zero-byte items in one array or map are refused.
 */
#ifndef HUB_AVRO_VALUE_H
#define HUB_AVRO_VALUE_H

#include <jansson.h>

#include "hub/avro/avro_bin.h"
#include "hub/avro/avro_schema.h"
#include "hub/core/err.h"

#define HUB_AVRO_MAX_DEPTH 64
#define HUB_AVRO_MAX_EMPTY_ITEMS 4096

/* Skips one value written with schema `w`. Returns 0 or a HUB_EAVRO_* read error with a message
 * giving the byte offset; `r` is then somewhere inside the value. */
int hub_avro_skip(const struct hub_avro_node *w, struct hub_avro_reader *r,
                  struct hub_error *err) HUB_MUST_CHECK;

/* Decodes one value written with `writer` into the shape of `reader` (NULL: the writer's own
 * shape). On success `*out` is a new reference the caller must json_decref(). Returns 0, a
 * HUB_EAVRO_* read error, HUB_EAVRO_SCHEMA if the schemas do not resolve, HUB_EAVRO_VALUE for a
 * string that is not UTF-8 or a float JSON cannot hold, or HUB_ENOMEM. */
int hub_avro_decode_json(const struct hub_avro_node *writer, const struct hub_avro_node *reader,
                         struct hub_avro_reader *r, json_t **out,
                         struct hub_error *err) HUB_MUST_CHECK;

/* Encodes `value` as schema `schema` describes. Returns 0, HUB_EAVRO_VALUE (with the path of a
 * value that does not fit its type), or the writer's error (HUB_ERANGE, HUB_ENOMEM). */
int hub_avro_encode_json(const struct hub_avro_node *schema, const json_t *value,
                         struct hub_avro_writer *w, struct hub_error *err) HUB_MUST_CHECK;

/* Encodes `value` as a single-object message of `schema` (C3 01, its fingerprint little-endian,
 * the body): *buf (heap, the caller frees) and *len. Errors as hub_avro_encode_json(). */
int hub_avro_encode_single_object(const hub_avro_schema_t *schema, const json_t *value,
                                  uint8_t **buf, size_t *len, struct hub_error *err) HUB_MUST_CHECK;

#endif
