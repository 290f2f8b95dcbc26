/* test_schemas.c — the published schemas in schemas/ obey the rules: every version parses, is
 * documented and annotated, is compiled in, and every newer version of a record reads every older
 * one (added fields carry defaults, only Avro promotions, enum symbols only appended). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hub/avro/avro_schema.h"
#include "hub/avro/codec.h"
#include "hub/avro/schemas.h"

#define MAX_VERSIONS 64

struct version {
    int n;
    char path[1024];
    char *text;
    size_t len;
    hub_avro_schema_t *schema;
};

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
            *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static int by_version(const void *a, const void *b)
{
    return ((const struct version *)a)->n - ((const struct version *)b)->n;
}

/* Loads schemas/<record>/v*.avsc sorted by version; returns the count. */
static size_t load_record(const char *record, struct version *v)
{
    char dir[1024];
    DIR *d;
    struct dirent *e;
    size_t n = 0;
    snprintf(dir, sizeof dir, "%s/schemas/%s", HUB_SOURCE_DIR, record);
    d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d))) {
        char *end;
        long num;
        struct hub_error err = {0};
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".avsc") != 0)
            continue; /* not a schema */
        if (e->d_name[0] != 'v')
            fail_msg("%s/%s: schema files must be named v<N>.avsc", dir, e->d_name);
        num = strtol(e->d_name + 1, &end, 10);
        if (num < 1 || strcmp(end, ".avsc") != 0)
            fail_msg("%s/%s: schema files must be named v<N>.avsc", dir, e->d_name);
        assert_true(n < MAX_VERSIONS);
        v[n].n = (int)num;
        if (snprintf(v[n].path, sizeof v[n].path, "%s/%s", dir, e->d_name) >= (int)sizeof v[n].path)
            fail_msg("path too long: %s", e->d_name);
        v[n].text = read_file(v[n].path, &v[n].len);
        assert_non_null(v[n].text);
        if (hub_avro_schema_parse(v[n].text, v[n].len, &v[n].schema, &err))
            fail_msg("%s", err.msg);
        n++;
    }
    closedir(d);
    qsort(v, n, sizeof *v, by_version);
    for (size_t i = 0; i < n; i++)
        if (v[i].n != (int)i + 1)
            fail_msg("schemas/%s: versions must run v1..v%zu without gaps", record, n);
    return n;
}

static void free_versions(struct version *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hub_avro_schema_destroy(v[i].schema);
        free(v[i].text);
    }
}

/* Whether a directory holds at least one .avsc file (a record; others hold reference data). */
static bool has_schemas(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    bool found = false;
    if (!d)
        return false;
    while (!found && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        found = len > 5 && strcmp(e->d_name + len - 5, ".avsc") == 0;
    }
    closedir(d);
    return found;
}

/* Calls fn(record) for every directory under schemas/ that holds schemas. */
static size_t for_each_record(void (*fn)(const char *record))
{
    char dir[1024];
    DIR *d;
    struct dirent *e;
    size_t n = 0;
    snprintf(dir, sizeof dir, "%s/schemas", HUB_SOURCE_DIR);
    d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d))) {
        char sub[1100];
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >= (int)sizeof sub)
            fail_msg("path too long: %s", e->d_name);
        if (!has_schemas(sub))
            continue;
        fn(e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static void check_versions_compatible(const char *record)
{
    struct version v[MAX_VERSIONS];
    size_t n = load_record(record, v);
    assert_true(n >= 1);
    for (size_t newer = 0; newer < n; newer++) {
        for (size_t older = 0; older < newer; older++) {
            struct hub_error err = {0};
            if (hub_avro_schema_check_compatible(hub_avro_schema_root(v[newer].schema),
                                                 hub_avro_schema_root(v[older].schema),
                                                 HUB_AVRO_COMPAT_STRICT_ENUMS, &err))
                fail_msg("schemas/%s: v%d cannot read v%d: %s", record, v[newer].n, v[older].n,
                         err.msg);
        }
    }
    free_versions(v, n);
}

static void test_every_newer_version_reads_every_older_one(void **state)
{
    (void)state;
    assert_true(for_each_record(check_versions_compatible) >= 5);
}

/* Docs everywhere; logical types on ids, dates and instants. */
static void check_documented(const char *record, const struct hub_avro_node *n, int depth)
{
    if (depth > 8)
        return;
    switch (n->type) {
    case HUB_AVRO_RECORD:
        if (!n->doc)
            fail_msg("schemas/%s: record %s has no doc", record, n->fullname);
        for (size_t i = 0; i < n->n_fields; i++) {
            const struct hub_avro_field *f = &n->fields[i];
            const struct hub_avro_node *t = f->type;
            size_t len = strlen(f->name);
            if (!f->doc || !*f->doc)
                fail_msg("schemas/%s: field %s has no doc", record, f->name);
            if (t->type == HUB_AVRO_UNION)
                for (size_t b = 0; b < t->n_branches; b++)
                    if (t->branches[b]->type != HUB_AVRO_NULL)
                        t = t->branches[b];
            if (t->type == HUB_AVRO_ARRAY && strcmp(f->name, "placements") == 0)
                t = t->items;
            if ((len > 3 && strcmp(f->name + len - 3, "_id") == 0) ||
                strcmp(f->name, "placements") == 0)
                if (!t->logical_type || strcmp(t->logical_type, "uuid") != 0)
                    fail_msg("schemas/%s: %s must be a string with logicalType uuid", record,
                             f->name);
            if (len > 5 && strcmp(f->name + len - 5, "_date") == 0)
                if (t->type != HUB_AVRO_INT || !t->logical_type ||
                    strcmp(t->logical_type, "date") != 0)
                    fail_msg("schemas/%s: %s must be an int with logicalType date", record,
                             f->name);
            if (strcmp(f->name, "occurred_at") == 0 || strcmp(f->name, "at") == 0)
                if (t->type != HUB_AVRO_LONG || !t->logical_type ||
                    strcmp(t->logical_type, "timestamp-millis") != 0)
                    fail_msg("schemas/%s: %s must be a long with logicalType timestamp-millis",
                             record, f->name);
            check_documented(record, f->type, depth + 1);
        }
        return;
    case HUB_AVRO_UNION:
        for (size_t b = 0; b < n->n_branches; b++)
            check_documented(record, n->branches[b], depth + 1);
        return;
    case HUB_AVRO_ARRAY:
    case HUB_AVRO_MAP:
        check_documented(record, n->items, depth + 1);
        return;
    default:
        return;
    }
}

static void check_record_rules(const char *record)
{
    struct version v[MAX_VERSIONS];
    size_t n = load_record(record, v);
    for (size_t i = 0; i < n; i++) {
        const struct hub_avro_node *root = hub_avro_schema_root(v[i].schema);
        if (root->type != HUB_AVRO_RECORD)
            fail_msg("%s: the root must be a record", v[i].path);
        if (strncmp(root->fullname, "se.stockholm.sams.", 18) != 0)
            fail_msg("%s: the record must be in namespace se.stockholm.sams", v[i].path);
        check_documented(record, root, 0);
        /* common fields of events (monthly_stats is a record but not an event) */
        enum hub_event_type type;
        if (hub_event_type_parse(record, &type) != 0)
            continue;
        assert_non_null(hub_avro_record_field(root, "event_id"));
        assert_non_null(hub_avro_record_field(root, "occurred_at"));
        assert_non_null(hub_avro_record_field(root, "district"));
    }
    free_versions(v, n);
}

static void test_every_schema_is_documented_and_annotated(void **state)
{
    (void)state;
    for_each_record(check_record_rules);
}

static size_t files_seen;

static void check_compiled_in(const char *record)
{
    struct version v[MAX_VERSIONS];
    size_t n = load_record(record, v);
    for (size_t i = 0; i < n; i++) {
        size_t k;
        for (k = 0; k < hub_schema_texts_count; k++)
            if (strcmp(hub_schema_texts[k].record, record) == 0 &&
                hub_schema_texts[k].version == v[i].n)
                break;
        if (k == hub_schema_texts_count)
            fail_msg("%s is not compiled in: re-run cmake", v[i].path);
        if (hub_schema_texts[k].len != v[i].len ||
            memcmp(hub_schema_texts[k].json, v[i].text, v[i].len) != 0)
            fail_msg("%s differs from the compiled-in copy: rebuild", v[i].path);
        files_seen++;
    }
    free_versions(v, n);
}

static void test_every_schema_file_is_compiled_in(void **state)
{
    (void)state;
    files_seen = 0;
    for_each_record(check_compiled_in);
    assert_int_equal(files_seen, hub_schema_texts_count);
}

static void test_codec_accepts_the_compiled_in_schemas_and_binds_every_event_type(void **state)
{
    hub_codec_t *c = NULL;
    struct hub_error err = {0};
    (void)state;
    if (hub_codec_new(&c, &err))
        fail_msg("%s", err.msg);
    for (int t = 0; t < HUB_EV__COUNT; t++)
        if (!hub_codec_schema(c, (enum hub_event_type)t))
            fail_msg("no schema for event type %s", hub_event_type_name((enum hub_event_type)t));
    assert_int_equal(hub_codec_schema_count(c), hub_schema_texts_count);
    hub_codec_destroy(c);
}

/* The policy itself catches what it is for. */
static void test_policy_rejects_incompatible_changes(void **state)
{
    static const char *const bad[] = {
        "placement_bad_nodefault.avsc",
        "placement_bad_type.avsc",
        "placement_bad_enum.avsc",
        "placement_bad_enum_removed.avsc",
    };
    char path[1024];
    size_t len1, len;
    char *v1;
    hub_avro_schema_t *s1 = NULL;
    struct hub_error err = {0};
    (void)state;
    snprintf(path, sizeof path, "%s/schemas/placement/v1.avsc", HUB_SOURCE_DIR);
    v1 = read_file(path, &len1);
    assert_non_null(v1);
    assert_int_equal(hub_avro_schema_parse(v1, len1, &s1, &err), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hub_avro_schema_t *s = NULL;
        char *text;
        snprintf(path, sizeof path, "%s/tests/unit/data/evolution/%s", HUB_SOURCE_DIR, bad[i]);
        text = read_file(path, &len);
        assert_non_null(text);
        assert_int_equal(hub_avro_schema_parse(text, len, &s, &err), 0);
        if (hub_avro_schema_check_compatible(hub_avro_schema_root(s), hub_avro_schema_root(s1),
                                             HUB_AVRO_COMPAT_STRICT_ENUMS, &err) == 0)
            fail_msg("%s passed the policy", bad[i]);
        hub_avro_schema_destroy(s);
        free(text);
    }
    /* and lets a good change through */
    {
        hub_avro_schema_t *s = NULL;
        char *text;
        snprintf(path, sizeof path, "%s/tests/unit/data/evolution/placement_v2.avsc",
                 HUB_SOURCE_DIR);
        text = read_file(path, &len);
        assert_non_null(text);
        assert_int_equal(hub_avro_schema_parse(text, len, &s, &err), 0);
        assert_int_equal(hub_avro_schema_check_compatible(hub_avro_schema_root(s),
                                                          hub_avro_schema_root(s1),
                                                          HUB_AVRO_COMPAT_STRICT_ENUMS, &err),
                         0);
        hub_avro_schema_destroy(s);
        free(text);
    }
    hub_avro_schema_destroy(s1);
    free(v1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_newer_version_reads_every_older_one),
        cmocka_unit_test(test_every_schema_is_documented_and_annotated),
        cmocka_unit_test(test_every_schema_file_is_compiled_in),
        cmocka_unit_test(test_codec_accepts_the_compiled_in_schemas_and_binds_every_event_type),
        cmocka_unit_test(test_policy_rejects_incompatible_changes),
    };
    return cmocka_run_group_tests_name("schemas", tests, NULL, NULL);
}
