/*
 * avro_schema.h — Avro schemas as a small tree: parsing, Parsing Canonical Form, the CRC-64-AVRO
 * fingerprint, and the reader/writer compatibility check.
 *
 * Avro-C 1.11.1 has no canonical form and no fingerprint, drops field defaults and cannot resolve
 * an old writer against a newer reader (see TECH-NOTES), so the codec works from this tree
 * instead. A parsed schema (`hub_avro_schema_t`) owns every node of its tree; nodes are plain
 * structs that callers walk but never free. Named types referenced twice are one node (a recursive
 * record points back to itself), so walkers must not assume a tree is finite without a depth bound.
 *
 * Everything the Avro 1.11 specification defines is parsed: primitives (with `logicalType`
 * recorded but not interpreted), record/error, enum (with optional `default`), array, map, union,
 * fixed, namespaces and aliases. Names are checked against the spec's grammar; field defaults are
 * checked against their type (a union's default belongs to its first branch).
 */
#ifndef HUB_AVRO_SCHEMA_H
#define HUB_AVRO_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/core/err.h"

enum hub_avro_type {
    HUB_AVRO_NULL,
    HUB_AVRO_BOOLEAN,
    HUB_AVRO_INT,
    HUB_AVRO_LONG,
    HUB_AVRO_FLOAT,
    HUB_AVRO_DOUBLE,
    HUB_AVRO_BYTES,
    HUB_AVRO_STRING,
    HUB_AVRO_RECORD,
    HUB_AVRO_ENUM,
    HUB_AVRO_ARRAY,
    HUB_AVRO_MAP,
    HUB_AVRO_UNION,
    HUB_AVRO_FIXED,
};

struct hub_avro_node;

struct hub_avro_field {
    const char *name;
    const char *doc; /* NULL if absent */
    struct hub_avro_node *type;
    json_t *default_value; /* NULL when the field has no default (JSON null is a default) */
    size_t n_aliases;
    char **aliases;
};

struct hub_avro_node {
    enum hub_avro_type type;
    const char *logical_type; /* "date", "uuid", ... or NULL; not interpreted */
    /* named types (record, enum, fixed) */
    const char *fullname; /* "se.stockholm.sams.Placement" */
    const char *name;     /* the part after the last dot */
    const char *doc;
    size_t n_aliases;
    char **aliases; /* full names */
    /* record */
    size_t n_fields;
    struct hub_avro_field *fields;
    /* enum */
    size_t n_symbols;
    char **symbols;
    const char *enum_default; /* NULL if absent */
    /* array items, map values */
    struct hub_avro_node *items;
    /* union */
    size_t n_branches;
    struct hub_avro_node **branches;
    /* fixed */
    size_t size;
    /* Fewest bytes a value of this type takes in binary; lets decoders reject counts that could
     * not fit in what is left of a buffer. */
    size_t min_size;
    bool canon_done; /* scratch for canonical form: definition already written */
};

typedef struct hub_avro_schema hub_avro_schema_t;

/* Parses a schema from JSON text (`len` bytes, need not be NUL-terminated). On success `*out`
 * owns the tree, free it with hub_avro_schema_destroy(). Returns 0, HUB_ENOMEM, or
 * HUB_EAVRO_SCHEMA with a message naming the offending path ("fields[3].type: unknown type"). */
int hub_avro_schema_parse(const char *json, size_t len, hub_avro_schema_t **out,
                          struct hub_error *err) HUB_MUST_CHECK;

/* Frees a parsed schema and every node in it. Accepts NULL. */
void hub_avro_schema_destroy(hub_avro_schema_t *s);

/* The root node, owned by `s`. */
const struct hub_avro_node *hub_avro_schema_root(const hub_avro_schema_t *s);

/* The Parsing Canonical Form (NUL-terminated), owned by `s`. */
const char *hub_avro_schema_canonical(const hub_avro_schema_t *s);

/* CRC-64-AVRO (Rabin) fingerprint of the canonical form. */
uint64_t hub_avro_schema_fingerprint(const hub_avro_schema_t *s);

/* CRC-64-AVRO of arbitrary bytes (seed 0xc15d213aa4d7a795, reflected, as in the Avro spec). */
uint64_t hub_avro_crc64(const void *data, size_t len);

/* The record field called `name` (not aliases), or NULL. `rec` must be a record. */
const struct hub_avro_field *hub_avro_record_field(const struct hub_avro_node *rec,
                                                   const char *name);

/* Index of `symbol` in an enum, or -1. */
int hub_avro_enum_index(const struct hub_avro_node *en, const char *symbol);

/* Whether `reader` matches `writer` at the top level in the sense of Avro schema resolution: the
 * same primitive or a promotion (int→long/float/double, long→float/double, float→double,
 * string↔bytes), or named types of the same unqualified name (or a reader alias); fixed sizes must
 * agree. Unions are not looked into. */
bool hub_avro_node_matches(const struct hub_avro_node *reader, const struct hub_avro_node *writer);

/* In a union `reader`, the index of the first branch that matches `writer` (a non-union), or -1.
 * For a non-union reader, 0 if it matches, else -1. */
int hub_avro_union_pick(const struct hub_avro_node *reader, const struct hub_avro_node *writer);

/* Flags for hub_avro_schema_check_compatible(). */
#define HUB_AVRO_COMPAT_STRICT_ENUMS                                                               \
    1u /* reader enum symbols must start with the writer's, in order */
#define HUB_AVRO_COMPAT_LAZY_ENUMS 2u /* writer symbols the reader lacks fail only when read */

/* Checks that data written with `writer` can be read with `reader` (Avro schema resolution):
 * every reader field the writer lacks has a default, types are equal or promoted, enum symbols
 * the writer may send exist in the reader (or the reader enum has a default), union branches
 * resolve. Returns 0 or HUB_EAVRO_SCHEMA with the path of the first problem. */
int hub_avro_schema_check_compatible(const struct hub_avro_node *reader,
                                     const struct hub_avro_node *writer, unsigned flags,
                                     struct hub_error *err) HUB_MUST_CHECK;

/* Checks that `value` is a valid JSON default for a value of `type` (Avro's JSON encoding of
 * defaults: a union's default is for its first branch, bytes/fixed are strings of code points
 * 0-255). */
bool hub_avro_default_valid(const struct hub_avro_node *type, const json_t *value);

/* A short name for a type ("record", "long", ...). */
const char *hub_avro_type_name(enum hub_avro_type t);

#endif
