/*
 * fuzz_avro_schema.c — libFuzzer target for the Avro schema parser (hub_avro_schema_parse, which
 * every compiled-in schema and every writer schema learnt at run time goes through).
 *
 * Properties, beyond "no crash, no read past the input, no leak, no unbounded recursion": a
 * refused text gives HUB_EAVRO_SCHEMA (or HUB_ENOMEM) with a message and no schema; an accepted
 * one has a Parsing Canonical Form whose CRC-64-AVRO is its fingerprint, that form parses again to
 * the same form and fingerprint (canonicalisation is idempotent; the one exception, a name in the
 * null namespace nested in a namespaced type, is the specification's and is described below),
 * every field default is valid for its type, and the schema is compatible with itself as reader
 * and writer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/avro_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_defaults(const struct hub_avro_node *n, int depth)
{
    if (depth > 64)
        return; /* recursive records refer back to themselves */
    switch (n->type) {
    case HUB_AVRO_RECORD:
        for (size_t i = 0; i < n->n_fields; i++) {
            const struct hub_avro_field *f = &n->fields[i];
            if (f->default_value && !hub_avro_default_valid(f->type, f->default_value))
                abort();
            if (hub_avro_record_field(n, f->name) != f)
                abort();
            check_defaults(f->type, depth + 1);
        }
        break;
    case HUB_AVRO_ENUM:
        for (size_t i = 0; i < n->n_symbols; i++)
            if (hub_avro_enum_index(n, n->symbols[i]) != (int)i)
                abort();
        if (n->enum_default && hub_avro_enum_index(n, n->enum_default) < 0)
            abort();
        break;
    case HUB_AVRO_ARRAY:
    case HUB_AVRO_MAP:
        check_defaults(n->items, depth + 1);
        break;
    case HUB_AVRO_UNION:
        for (size_t i = 0; i < n->n_branches; i++) {
            if (n->branches[i]->type == HUB_AVRO_UNION)
                abort(); /* a union directly inside a union */
            check_defaults(n->branches[i], depth + 1);
        }
        break;
    default:
        break;
    }
}

struct names {
    bool dotless, dotted; /* some named type's full name has no dot / has one */
};

static void scan_names(const struct hub_avro_node *n, int depth, struct names *seen)
{
    if (depth > 64)
        return;
    if (n->fullname) {
        if (strchr(n->fullname, '.'))
            seen->dotted = true;
        else
            seen->dotless = true;
    }
    for (size_t i = 0; n->type == HUB_AVRO_RECORD && i < n->n_fields; i++)
        scan_names(n->fields[i].type, depth + 1, seen);
    for (size_t i = 0; n->type == HUB_AVRO_UNION && i < n->n_branches; i++)
        scan_names(n->branches[i], depth + 1, seen);
    if (n->type == HUB_AVRO_ARRAY || n->type == HUB_AVRO_MAP)
        scan_names(n->items, depth + 1, seen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hub_avro_schema_t *s = NULL, *again = NULL;
    struct hub_error err;
    int rc;

    memset(&err, 0, sizeof err);
    rc = hub_avro_schema_parse((const char *)data, size, &s, &err);
    if (rc != 0) {
        if (s || err.code != rc || err.msg[0] == '\0' ||
            (rc != HUB_EAVRO_SCHEMA && rc != HUB_ENOMEM))
            abort();
        return 0;
    }
    const char *canon = hub_avro_schema_canonical(s);
    if (!canon || !canon[0] ||
        hub_avro_schema_fingerprint(s) != hub_avro_crc64(canon, strlen(canon)))
        abort();
    check_defaults(hub_avro_schema_root(s), 0);
    if (hub_avro_schema_check_compatible(hub_avro_schema_root(s), hub_avro_schema_root(s), 0,
                                         &err) != 0)
        abort();
    /* The one case where the specification's form loses information: a name in the null
     * namespace inside a namespaced type is written bare, and read back it takes the enclosing
     * namespace (Java's SchemaNormalization writes the same text), so it may change its meaning or
     * even collide with a namespaced name. Only the fingerprint of the original counts there. */
    struct names seen = {false, false};
    scan_names(hub_avro_schema_root(s), 0, &seen);
    if (!(seen.dotless && seen.dotted)) {
        if (hub_avro_schema_parse(canon, strlen(canon), &again, &err) != 0)
            abort(); /* the canonical form is not a schema */
        if (strcmp(hub_avro_schema_canonical(again), canon) != 0 ||
            hub_avro_schema_fingerprint(again) != hub_avro_schema_fingerprint(s))
            abort(); /* canonicalisation is not idempotent */
    }
    hub_avro_schema_destroy(again);
    hub_avro_schema_destroy(s);
    return 0;
}
