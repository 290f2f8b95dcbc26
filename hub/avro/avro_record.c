/*
 * avro_record.c — records that are not events: a compiled-in schema, a check of a builder against
 * it, and single-object encoding through the generic writer (avro_record.h).
 */
#include "hub/avro/avro_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/avro/avro_bin.h"
#include "hub/avro/avro_value.h"
#include "hub/avro/schemas.h"

#define SHAPE_MAX_DEPTH 8
#define RECORD_NAME_MAX 64

struct hub_avro_record_schema {
    hub_avro_schema_t *schema;
    char record[RECORD_NAME_MAX];
    int version;
    uint64_t fingerprint;
};

int hub_avro_record_schema_new_from(const char *record, const char *json, size_t len, int version,
                                    hub_avro_record_schema_t **out, struct hub_error *err)
{
    hub_avro_record_schema_t *s = NULL;
    int rc;

    *out = NULL;
    if (strlen(record) >= RECORD_NAME_MAX)
        return hub_error_set(err, HUB_EAVRO_SCHEMA, "schemas/%s: record name too long", record);
    s = calloc(1, sizeof *s);
    if (!s)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    snprintf(s->record, sizeof s->record, "%s", record);
    s->version = version;
    rc = hub_avro_schema_parse(json, len, &s->schema, err);
    if (rc) {
        hub_error_prefix(err, "schemas/%s/v%d.avsc: ", record, version);
        goto fail;
    }
    s->fingerprint = hub_avro_schema_fingerprint(s->schema);
    if (hub_avro_schema_root(s->schema)->type != HUB_AVRO_RECORD) {
        rc = hub_error_set(err, HUB_EAVRO_SCHEMA, "schemas/%s/v%d.avsc: the root is not a record",
                           record, version);
        goto fail;
    }
    *out = s;
    return 0;
fail:
    hub_avro_record_schema_destroy(s);
    return rc;
}

int hub_avro_record_schema_new(const char *record, hub_avro_record_schema_t **out,
                               struct hub_error *err)
{
    const struct hub_schema_text *newest = NULL;
    for (size_t i = 0; i < hub_schema_texts_count; i++)
        if (strcmp(hub_schema_texts[i].record, record) == 0 &&
            (!newest || hub_schema_texts[i].version > newest->version))
            newest = &hub_schema_texts[i];
    *out = NULL;
    if (!newest)
        return hub_error_set(err, HUB_EAVRO_SCHEMA,
                             "no schemas/%s/v*.avsc is compiled in (re-run cmake)", record);
    return hub_avro_record_schema_new_from(record, newest->json, newest->len, newest->version, out,
                                           err);
}

void hub_avro_record_schema_destroy(hub_avro_record_schema_t *s)
{
    if (!s)
        return;
    hub_avro_schema_destroy(s->schema);
    free(s);
}

int hub_avro_record_schema_version(const hub_avro_record_schema_t *s)
{
    return s->version;
}

uint64_t hub_avro_record_schema_fingerprint(const hub_avro_record_schema_t *s)
{
    return s->fingerprint;
}

const struct hub_avro_node *hub_avro_record_schema_root(const hub_avro_record_schema_t *s)
{
    return hub_avro_schema_root(s->schema);
}

/* Checks that `v` has exactly the fields of record `n` (recursively through records, arrays and
 * unions), naming the first difference. */
static int check_shape(const struct hub_avro_node *n, const json_t *v, const char *path, int depth,
                       struct hub_error *err)
{
    if (depth > SHAPE_MAX_DEPTH)
        return 0;
    switch (n->type) {
    case HUB_AVRO_RECORD: {
        const char *key;
        json_t *val;
        if (!json_is_object(v))
            return hub_error_set(err, HUB_EAVRO_SCHEMA, "%s: the builder writes no record here",
                                 path);
        for (size_t i = 0; i < n->n_fields; i++) {
            char sub[256];
            const json_t *fv = json_object_get(v, n->fields[i].name);
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", n->fields[i].name);
            if (!fv)
                return hub_error_set(err, HUB_EAVRO_SCHEMA,
                                     "%s: a field of the schema that the builder does not write",
                                     sub);
            int rc = check_shape(n->fields[i].type, fv, sub, depth + 1, err);
            if (rc)
                return rc;
        }
        json_object_foreach((json_t *)v, key, val)
        {
            if (!hub_avro_record_field(n, key))
                return hub_error_set(err, HUB_EAVRO_SCHEMA,
                                     "%s%s%s: written by the builder, not in the schema", path,
                                     *path ? "." : "", key);
        }
        return 0;
    }
    case HUB_AVRO_ARRAY:
        if (!json_is_array(v))
            return hub_error_set(err, HUB_EAVRO_SCHEMA, "%s: the builder writes no array here",
                                 path);
        for (size_t i = 0; i < json_array_size(v); i++) {
            int rc = check_shape(n->items, json_array_get(v, i), path, depth + 1, err);
            if (rc)
                return rc;
        }
        return 0;
    case HUB_AVRO_UNION:
        for (size_t b = 0; b < n->n_branches; b++)
            if (n->branches[b]->type == HUB_AVRO_RECORD && json_is_object(v))
                return check_shape(n->branches[b], v, path, depth + 1, err);
        return 0;
    default:
        return 0;
    }
}

int hub_avro_record_check_builder(const hub_avro_record_schema_t *s, const json_t *sample,
                                  struct hub_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = check_shape(hub_avro_schema_root(s->schema), sample, "", 0, err);
    if (rc == 0)
        rc = hub_avro_record_encode(s, sample, &buf, &len, err);
    free(buf);
    if (rc == 0)
        return 0;
    /* the builder and the schema disagree: a schema error, whatever the encoder said */
    hub_error_prefix(err, "schemas/%s/v%d.avsc: ", s->record, s->version);
    if (rc != HUB_ENOMEM) {
        rc = HUB_EAVRO_SCHEMA;
        if (err)
            err->code = rc;
    }
    return rc;
}

int hub_avro_record_encode(const hub_avro_record_schema_t *s, const json_t *rec, uint8_t **buf,
                           size_t *len, struct hub_error *err)
{
    /* the one single-object writer (hub/avro/avro_value.h) */
    int rc = hub_avro_encode_single_object(s->schema, rec, buf, len, err);
    if (rc && err)
        hub_error_prefix(err, "%s record: ", s->record);
    return rc;
}
