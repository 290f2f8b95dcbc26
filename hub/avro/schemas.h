/*
 * schemas.h — the Avro schema texts compiled into libhub.
 *
 * The table is generated at build time by hub/embed_schemas.cmake from every
 * schemas/<record>/v<N>.avsc (sorted by path), so a published version can never be missing from
 * a binary built from the tree. Texts are NUL-terminated; the table is read-only.
 */
#ifndef HUB_SCHEMAS_H
#define HUB_SCHEMAS_H

#include <stddef.h>

struct hub_schema_text {
    const char *record; /* directory under schemas/: "placement" */
    int version;        /* N of vN.avsc */
    const char *path;   /* "schemas/placement/v1.avsc" */
    const char *json;   /* the file's text */
    size_t len;         /* strlen(json) */
};

extern const struct hub_schema_text hub_schema_texts[];
extern const size_t hub_schema_texts_count;

#endif
