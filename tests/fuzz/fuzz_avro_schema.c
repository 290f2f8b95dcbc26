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

#include "hub/avro/avro_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_NAMED 4096

/* What a walk over the tree has seen; each named type is entered once (they may be shared). */
struct walk {
    const struct hub_avro_node *named[MAX_NAMED];
    size_t n_named;
    bool dotless, dotted; /* some named type's full name has no dot / has one */
};

static bool first_visit(struct walk *w, const struct hub_avro_node *n)
{
    if (!n->fullname)
        return true;
    for (size_t i = 0; i < w->n_named; i++)
        if (w->named[i] == n)
            return false;
    if (w->n_named == MAX_NAMED)
        return false;
    w->named[w->n_named++] = n;
    if (strchr(n->fullname, '.'))
        w->dotted = true;
    else
        w->dotless = true;
    return true;
}

/* Every default is valid for its type, every field and symbol is found under its name. */
static void check_tree(const struct hub_avro_node *n, struct walk *w)
{
    if (!first_visit(w, n))
        return;
    switch (n->type) {
    case HUB_AVRO_RECORD:
        for (size_t i = 0; i < n->n_fields; i++) {
            const struct hub_avro_field *f = &n->fields[i];
            if (f->default_value && !hub_avro_default_valid(f->type, f->default_value))
                abort();
            if (hub_avro_record_field(n, f->name) != f)
                abort();
            check_tree(f->type, w);
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
        check_tree(n->items, w);
        break;
    case HUB_AVRO_UNION:
        for (size_t i = 0; i < n->n_branches; i++) {
            if (n->branches[i]->type == HUB_AVRO_UNION)
                abort(); /* a union directly inside a union */
            check_tree(n->branches[i], w);
        }
        break;
    default:
        break;
    }
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
    static struct walk seen; /* large: not on the stack */
    memset(&seen, 0, sizeof seen);
    check_tree(hub_avro_schema_root(s), &seen);
    if (hub_avro_schema_check_compatible(hub_avro_schema_root(s), hub_avro_schema_root(s), 0,
                                         &err) != 0)
        abort();
    /* The one case where the specification's form loses information: a name in the null
     * namespace inside a namespaced type is written bare, and read back it takes the enclosing
     * namespace (Java's SchemaNormalization writes the same text), so it may change its meaning or
     * even collide with a namespaced name. Only the fingerprint of the original counts there. */
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
