/* test_avro_schema.c — schema parsing, canonical form, fingerprints, compatibility, the binary
 * primitives and the generic JSON path (hub/avro/avro_schema.h, hub/avro/avro_bin.h,
 * hub/avro/avro_value.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hub/avro/avro_bin.h"
#include "hub/avro/avro_schema.h"
#include "hub/avro/avro_value.h"

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
            if (len)
                *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static char *read_test_data(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/unit/data/%s", HUB_SOURCE_DIR, name);
    return read_file(path, len);
}

static hub_avro_schema_t *parse_ok(const char *json)
{
    hub_avro_schema_t *s = NULL;
    struct hub_error err = {0};
    int rc = hub_avro_schema_parse(json, strlen(json), &s, &err);
    if (rc)
        fail_msg("parse failed: %s\n  schema: %s", err.msg, json);
    return s;
}

static int parse_rc(const char *json)
{
    hub_avro_schema_t *s = NULL;
    struct hub_error err = {0};
    int rc = hub_avro_schema_parse(json, strlen(json), &s, &err);
    hub_avro_schema_destroy(s);
    if (rc)
        assert_int_equal(err.code, rc);
    return rc;
}

/* ---- official vectors ---- */

/* The Avro project's schema-tests.txt: prefer the in-repo copy, then $HUB_SHARED_DIR, then the
 * shared/ folder beside the clone. */
static char *read_vectors(char *where, size_t wsz)
{
    char path[1024];
    const char *shared = getenv("HUB_SHARED_DIR");
    char *text;
    snprintf(path, sizeof path, "%s/tests/unit/data/avro-schema-tests.txt", HUB_SOURCE_DIR);
    if ((text = read_file(path, NULL)))
        goto found;
    if (shared) {
        snprintf(path, sizeof path, "%s/testdata/avro/schema-tests.txt", shared);
        if ((text = read_file(path, NULL)))
            goto found;
    }
    snprintf(path, sizeof path, "%s/../shared/testdata/avro/schema-tests.txt", HUB_SOURCE_DIR);
    if ((text = read_file(path, NULL)))
        goto found;
    return NULL;
found:
    snprintf(where, wsz, "%s", path);
    return text;
}

struct vector {
    char *input, *canonical, *fingerprint;
    int line;
};

/* Parses the file's format: "<<KEY value" on one line, or "<<KEY" then lines up to "KEY";
 * "<<INPUT" starts a case; lines starting with // or # are comments. */
static size_t parse_vectors(char *text, struct vector *v, size_t max)
{
    size_t n = 0;
    int line = 0;
    char *p = text;
    while (*p) {
        char *eol = strchr(p, '\n');
        char *next = eol ? eol + 1 : p + strlen(p);
        char *key, *val, **slot;
        if (eol)
            *eol = '\0';
        line++;
        if (strncmp(p, "<<", 2) != 0) {
            p = next;
            continue;
        }
        key = p + 2;
        val = strchr(key, ' ');
        if (val)
            *val++ = '\0';
        if (strcmp(key, "INPUT") == 0) {
            assert_true(n < max);
            memset(&v[n], 0, sizeof v[n]);
            v[n].line = line;
            n++;
        }
        assert_true(n > 0);
        slot = strcmp(key, "INPUT") == 0         ? &v[n - 1].input
               : strcmp(key, "canonical") == 0   ? &v[n - 1].canonical
               : strcmp(key, "fingerprint") == 0 ? &v[n - 1].fingerprint
                                                 : NULL;
        if (!val) { /* here-document: following lines up to a line equal to the key */
            char *start = next, *q = next;
            for (;;) {
                char *e = strchr(q, '\n');
                size_t len = e ? (size_t)(e - q) : strlen(q);
                line++;
                if (len == strlen(key) && strncmp(q, key, len) == 0) {
                    *q = '\0';
                    next = e ? e + 1 : q + len;
                    break;
                }
                assert_non_null(e);
                q = e + 1;
            }
            val = start;
        }
        if (slot)
            *slot = val;
        p = next;
    }
    return n;
}

static void test_canonical_form_and_fingerprint_match_official_vectors(void **state)
{
    char where[1024];
    char *text = read_vectors(where, sizeof where);
    struct vector v[64];
    size_t n, with_fp = 0;
    (void)state;
    if (!text)
        fail_msg("schema-tests.txt not found (tests/unit/data, $HUB_SHARED_DIR, ../shared)");
    n = parse_vectors(text, v, 64);
    assert_true(n >= 30);
    for (size_t i = 0; i < n; i++) {
        hub_avro_schema_t *s;
        assert_non_null(v[i].input);
        assert_non_null(v[i].canonical);
        s = parse_ok(v[i].input);
        if (strcmp(hub_avro_schema_canonical(s), v[i].canonical) != 0)
            fail_msg("%s:%d: canonical form\n  got  %s\n  want %s", where, v[i].line,
                     hub_avro_schema_canonical(s), v[i].canonical);
        if (v[i].fingerprint) {
            long long want = strtoll(v[i].fingerprint, NULL, 10);
            if ((long long)(int64_t)hub_avro_schema_fingerprint(s) != want)
                fail_msg("%s:%d: fingerprint %lld, want %lld", where, v[i].line,
                         (long long)(int64_t)hub_avro_schema_fingerprint(s), want);
            with_fp++;
        }
        hub_avro_schema_destroy(s);
    }
    assert_true(with_fp >= 20);
    free(text);
}

static void test_canonical_form_strips_logical_types_docs_and_defaults(void **state)
{
    hub_avro_schema_t *s = parse_ok(
        "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"a.b\",\"doc\":\"d\",\"fields\":["
        "{\"name\":\"d\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"},\"doc\":\"x\"},"
        "{\"name\":\"u\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}},"
        "{\"name\":\"o\",\"type\":[\"null\",\"string\"],\"default\":null},"
        "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"],"
        "\"default\":\"A\"}},"
        "{\"name\":\"again\",\"type\":\"E\"},"
        "{\"name\":\"inner\",\"type\":{\"type\":\"record\",\"name\":\"I\",\"namespace\":\"c\","
        "\"fields\":[{\"name\":\"e2\",\"type\":\"a.b.E\"}]}}]}");
    (void)state;
    assert_string_equal(
        hub_avro_schema_canonical(s),
        "{\"name\":\"a.b.R\",\"type\":\"record\",\"fields\":[{\"name\":\"d\",\"type\":\"int\"},"
        "{\"name\":\"u\",\"type\":\"string\"},{\"name\":\"o\",\"type\":[\"null\",\"string\"]},"
        "{\"name\":\"e\",\"type\":{\"name\":\"a.b.E\",\"type\":\"enum\",\"symbols\":[\"A\"]}},"
        "{\"name\":\"again\",\"type\":\"a.b.E\"},{\"name\":\"inner\",\"type\":{\"name\":\"c.I\","
        "\"type\":\"record\",\"fields\":[{\"name\":\"e2\",\"type\":\"a.b.E\"}]}}]}");
    hub_avro_schema_destroy(s);
}

static void test_crc64_of_null_schema_is_the_spec_value(void **state)
{
    (void)state;
    assert_int_equal((int64_t)hub_avro_crc64("\"null\"", 6), 7195948357588979594LL);
    assert_int_equal(hub_avro_crc64("", 0), 0xc15d213aa4d7a795ULL);
}

static void test_parse_rejects_malformed_schemas(void **state)
{
    static const char *const bad[] = {
        "{",
        "\"nosuchtype\"",
        "{\"type\":\"record\",\"name\":\"1bad\",\"fields\":[]}",
        "{\"type\":\"record\",\"name\":\"R\"}",
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
        "{\"name\":\"a\",\"type\":\"int\"}]}",
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\","
        "\"default\":\"x\"}]}",
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":[\"null\","
        "\"int\"],\"default\":3}]}",
        "[\"int\",[\"string\"]]",
        "[\"int\",\"int\"]",
        "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"A\"]}",
        "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"],\"default\":\"B\"}",
        "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"a-b\"]}",
        "{\"type\":\"fixed\",\"name\":\"F\",\"size\":-1}",
        "{\"type\":\"array\"}",
        "{\"type\":\"record\",\"name\":\"int\",\"fields\":[]}",
        "[{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[]},{\"type\":\"enum\",\"name\":\"E\","
        "\"symbols\":[]}]",
        "{\"type\":42}",
        "17",
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse_rc(bad[i]) != HUB_EAVRO_SCHEMA)
            fail_msg("accepted bad schema: %s", bad[i]);
}

static void test_parse_resolves_names_and_recursion(void **state)
{
    hub_avro_schema_t *s = parse_ok(
        "{\"type\":\"record\",\"name\":\"List\",\"namespace\":\"x\",\"fields\":["
        "{\"name\":\"v\",\"type\":\"long\"},{\"name\":\"next\",\"type\":[\"null\",\"List\"]}]}");
    const struct hub_avro_node *root = hub_avro_schema_root(s);
    (void)state;
    assert_string_equal(root->fullname, "x.List");
    assert_ptr_equal(root->fields[1].type->branches[1], root);
    assert_int_equal(
        hub_avro_schema_check_compatible(root, root, HUB_AVRO_COMPAT_STRICT_ENUMS, NULL), 0);
    hub_avro_schema_destroy(s);
}

/* ---- compatibility ---- */

static int compat(const char *reader, const char *writer, unsigned flags)
{
    hub_avro_schema_t *r = parse_ok(reader), *w = parse_ok(writer);
    struct hub_error err = {0};
    int rc = hub_avro_schema_check_compatible(hub_avro_schema_root(r), hub_avro_schema_root(w),
                                              flags, &err);
    if (rc)
        assert_non_null(strstr(err.msg, "incompatible"));
    hub_avro_schema_destroy(r);
    hub_avro_schema_destroy(w);
    return rc;
}

#define REC(fields) "{\"type\":\"record\",\"name\":\"R\",\"fields\":[" fields "]}"
#define ENUM_FIELD(syms)                                                                           \
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[" syms "]}}"

static void test_compat_accepts_defaults_promotions_and_appended_symbols(void **state)
{
    (void)state;
    assert_int_equal(compat(REC("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":"
                                "\"string\",\"default\":\"\"}"),
                            REC("{\"name\":\"a\",\"type\":\"int\"}"), 0),
                     0);
    assert_int_equal(compat(REC("{\"name\":\"a\",\"type\":\"long\"}"),
                            REC("{\"name\":\"a\",\"type\":\"int\"}"), 0),
                     0);
    assert_int_equal(compat(REC("{\"name\":\"a\",\"type\":\"bytes\"}"),
                            REC("{\"name\":\"a\",\"type\":\"string\"}"), 0),
                     0);
    assert_int_equal(compat(REC("{\"name\":\"a\",\"type\":[\"null\",\"string\",\"int\"]}"),
                            REC("{\"name\":\"a\",\"type\":[\"null\",\"string\"]}"), 0),
                     0);
    assert_int_equal(compat(REC("{\"name\":\"a\",\"type\":[\"null\",\"long\"]}"),
                            REC("{\"name\":\"a\",\"type\":\"int\"}"), 0),
                     0);
    assert_int_equal(compat(REC(ENUM_FIELD("\"A\",\"B\",\"C\"")), REC(ENUM_FIELD("\"A\",\"B\"")),
                            HUB_AVRO_COMPAT_STRICT_ENUMS),
                     0);
    /* dropping a field is fine for the reader */
    assert_int_equal(compat(REC("{\"name\":\"a\",\"type\":\"int\"}"),
                            REC("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"z\",\"type\":"
                                "\"string\"}"),
                            0),
                     0);
    /* a renamed field found through an alias */
    assert_int_equal(compat(REC("{\"name\":\"b\",\"aliases\":[\"a\"],\"type\":\"int\"}"),
                            REC("{\"name\":\"a\",\"type\":\"int\"}"), 0),
                     0);
}

static void test_compat_rejects_missing_defaults_type_changes_and_enum_changes(void **state)
{
    (void)state;
    assert_int_equal(compat(REC("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":"
                                "\"string\"}"),
                            REC("{\"name\":\"a\",\"type\":\"int\"}"), 0),
                     HUB_EAVRO_SCHEMA);
    assert_int_equal(compat(REC("{\"name\":\"a\",\"type\":\"int\"}"),
                            REC("{\"name\":\"a\",\"type\":\"long\"}"), 0),
                     HUB_EAVRO_SCHEMA);
    assert_int_equal(compat(REC("{\"name\":\"a\",\"type\":\"string\"}"),
                            REC("{\"name\":\"a\",\"type\":[\"null\",\"string\"]}"), 0),
                     HUB_EAVRO_SCHEMA);
    assert_int_equal(compat(REC(ENUM_FIELD("\"A\"")), REC(ENUM_FIELD("\"A\",\"B\"")), 0),
                     HUB_EAVRO_SCHEMA);
    /* reordering is legal Avro but not our policy */
    assert_int_equal(compat(REC(ENUM_FIELD("\"B\",\"A\"")), REC(ENUM_FIELD("\"A\",\"B\"")), 0), 0);
    assert_int_equal(compat(REC(ENUM_FIELD("\"B\",\"A\"")), REC(ENUM_FIELD("\"A\",\"B\"")),
                            HUB_AVRO_COMPAT_STRICT_ENUMS),
                     HUB_EAVRO_SCHEMA);
    assert_int_equal(compat("{\"type\":\"record\",\"name\":\"Other\",\"fields\":[]}", REC(""), 0),
                     HUB_EAVRO_SCHEMA);
}

/* ---- binary primitives ---- */

static void test_varint_round_trips_extremes(void **state)
{
    static const int64_t values[] = {0,  1,         -1,        63,        -64,
                                     64, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
    uint8_t buf[16];
    (void)state;
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        struct hub_avro_writer w;
        struct hub_avro_reader r;
        int64_t got = 0;
        hub_avro_writer_init_fixed(&w, buf, sizeof buf);
        hub_avro_write_long(&w, values[i]);
        assert_int_equal(w.err, 0);
        hub_avro_reader_init(&r, buf, w.len);
        assert_int_equal(hub_avro_read_long(&r, &got), 0);
        assert_int_equal(got, values[i]);
        assert_int_equal(hub_avro_reader_left(&r), 0);
    }
    /* -1 is 01, 1 is 02, -64 is 7f, 64 is 80 01 (spec examples) */
    {
        struct hub_avro_writer w;
        hub_avro_writer_init_fixed(&w, buf, sizeof buf);
        hub_avro_write_long(&w, 64);
        assert_int_equal(w.len, 2);
        assert_int_equal(buf[0], 0x80);
        assert_int_equal(buf[1], 0x01);
    }
}

static void test_binary_reads_fail_with_distinct_codes(void **state)
{
    static const uint8_t eleven[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0x01};
    static const uint8_t tenth_too_big[] = {0xff, 0xff, 0xff, 0xff, 0xff,
                                            0xff, 0xff, 0xff, 0xff, 0x02};
    static const uint8_t truncated[] = {0x80, 0x80};
    static const uint8_t neg_len[] = {0x05, 'a', 'b'};               /* -3 */
    static const uint8_t huge_len[] = {0x80, 0x80, 0x04, 'a'};       /* 32768 */
    static const uint8_t big_int[] = {0x80, 0x80, 0x80, 0x80, 0x20}; /* 2^33 */
    static const uint8_t bad_bool[] = {0x02};
    struct hub_avro_reader r;
    int64_t v;
    int32_t i32;
    bool b;
    const uint8_t *p;
    size_t n;
    (void)state;
    hub_avro_reader_init(&r, eleven, sizeof eleven);
    assert_int_equal(hub_avro_read_long(&r, &v), HUB_EAVRO_VARINT);
    hub_avro_reader_init(&r, tenth_too_big, sizeof tenth_too_big);
    assert_int_equal(hub_avro_read_long(&r, &v), HUB_EAVRO_VARINT);
    hub_avro_reader_init(&r, truncated, sizeof truncated);
    assert_int_equal(hub_avro_read_long(&r, &v), HUB_EAVRO_TRUNCATED);
    hub_avro_reader_init(&r, NULL, 0);
    assert_int_equal(hub_avro_read_long(&r, &v), HUB_EAVRO_TRUNCATED);
    hub_avro_reader_init(&r, neg_len, sizeof neg_len);
    assert_int_equal(hub_avro_read_bytes(&r, &p, &n), HUB_EAVRO_NEGLEN);
    hub_avro_reader_init(&r, huge_len, sizeof huge_len);
    assert_int_equal(hub_avro_read_bytes(&r, &p, &n), HUB_EAVRO_HUGELEN);
    hub_avro_reader_init(&r, big_int, sizeof big_int);
    assert_int_equal(hub_avro_read_int(&r, &i32), HUB_EAVRO_VARINT);
    hub_avro_reader_init(&r, bad_bool, sizeof bad_bool);
    assert_int_equal(hub_avro_read_bool(&r, &b), HUB_EAVRO_VALUE);
}

static void test_block_count_handles_negative_counts_and_bounds(void **state)
{
    static const uint8_t neg_block[] = {0x03, 0x04, 'x', 'y'}; /* count -2, 2 bytes */
    static const uint8_t too_many[] = {0x14, 'x'};             /* count 10, 1 byte left */
    static const uint8_t min_count[] = {0xff, 0xff, 0xff, 0xff, 0xff,
                                        0xff, 0xff, 0xff, 0xff, 0x01}; /* INT64_MIN */
    struct hub_avro_reader r;
    size_t n = 0;
    (void)state;
    hub_avro_reader_init(&r, neg_block, sizeof neg_block);
    assert_int_equal(hub_avro_read_block_count(&r, 1, 0, &n), 0);
    assert_int_equal(n, 2);
    hub_avro_reader_init(&r, too_many, sizeof too_many);
    assert_int_equal(hub_avro_read_block_count(&r, 1, 0, &n), HUB_EAVRO_HUGELEN);
    hub_avro_reader_init(&r, too_many, sizeof too_many);
    assert_int_equal(hub_avro_read_block_count(&r, 0, 5, &n), HUB_EAVRO_HUGELEN);
    hub_avro_reader_init(&r, min_count, sizeof min_count);
    assert_int_equal(hub_avro_read_block_count(&r, 1, 0, &n), HUB_EAVRO_HUGELEN);
}

static void test_fixed_writer_reports_erange_and_heap_writer_grows(void **state)
{
    uint8_t buf[4];
    struct hub_avro_writer w;
    (void)state;
    hub_avro_writer_init_fixed(&w, buf, sizeof buf);
    hub_avro_write_bytes(&w, "abcdef", 6);
    assert_int_equal(w.err, HUB_ERANGE);
    hub_avro_writer_init_heap(&w, 0);
    for (int i = 0; i < 1000; i++)
        hub_avro_write_bytes(&w, "abcdef", 6);
    assert_int_equal(w.err, 0);
    assert_int_equal(w.len, 7000);
    hub_avro_writer_free(&w);
}

/* ---- generic JSON values ---- */

static const char *const all_types_schema =
    "{\"type\":\"record\",\"name\":\"All\",\"fields\":["
    "{\"name\":\"n\",\"type\":\"null\"},{\"name\":\"b\",\"type\":\"boolean\"},"
    "{\"name\":\"i\",\"type\":\"int\"},{\"name\":\"l\",\"type\":\"long\"},"
    "{\"name\":\"f\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"double\"},"
    "{\"name\":\"by\",\"type\":\"bytes\"},{\"name\":\"s\",\"type\":\"string\"},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\",\"Y\"]}},"
    "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"long\"}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"string\"}},"
    "{\"name\":\"u\",\"type\":[\"null\",\"string\",\"long\"]},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":3}}]}";

static void test_generic_values_round_trip_every_type(void **state)
{
    hub_avro_schema_t *s = parse_ok(all_types_schema);
    json_t *in = json_loads("{\"n\":null,\"b\":true,\"i\":-7,\"l\":1234567890123,\"f\":1.5,"
                            "\"d\":-2.25,\"by\":\"\\u0000\\u00ff\\u0080a\",\"s\":\"Åsa\","
                            "\"e\":\"Y\",\"a\":[1,2,3],\"m\":{\"k\":\"v\"},\"u\":42,"
                            "\"fx\":\"abc\"}",
                            JSON_ALLOW_NUL, NULL);
    struct hub_avro_writer w;
    struct hub_avro_reader r;
    json_t *out = NULL;
    struct hub_error err = {0};
    (void)state;
    assert_non_null(in);
    hub_avro_writer_init_heap(&w, 0);
    assert_int_equal(hub_avro_encode_json(hub_avro_schema_root(s), in, &w, &err), 0);
    hub_avro_reader_init(&r, w.buf, w.len);
    if (hub_avro_decode_json(hub_avro_schema_root(s), NULL, &r, &out, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(hub_avro_reader_left(&r), 0);
    assert_true(json_equal(in, out));
    /* every strict prefix fails cleanly */
    for (size_t k = 0; k < w.len; k++) {
        json_t *o = NULL;
        hub_avro_reader_init(&r, w.buf, k);
        assert_int_not_equal(hub_avro_decode_json(hub_avro_schema_root(s), NULL, &r, &o, &err), 0);
        assert_null(o);
        hub_avro_reader_init(&r, w.buf, k);
        assert_int_not_equal(hub_avro_skip(hub_avro_schema_root(s), &r, &err), 0);
    }
    hub_avro_writer_free(&w);
    json_decref(in);
    json_decref(out);
    hub_avro_schema_destroy(s);
}

static void test_generic_encode_rejects_values_that_do_not_fit(void **state)
{
    hub_avro_schema_t *s = parse_ok(REC("{\"name\":\"a\",\"type\":\"int\"}"));
    json_t *v = json_loads("{\"a\":4294967296}", 0, NULL);
    struct hub_avro_writer w;
    struct hub_error err = {0};
    (void)state;
    hub_avro_writer_init_heap(&w, 0);
    assert_int_equal(hub_avro_encode_json(hub_avro_schema_root(s), v, &w, &err), HUB_EAVRO_VALUE);
    assert_non_null(strstr(err.msg, "a"));
    hub_avro_writer_free(&w);
    json_decref(v);
    hub_avro_schema_destroy(s);
}

static void test_nesting_depth_is_bounded(void **state)
{
    hub_avro_schema_t *s = parse_ok("{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":"
                                    "\"n\",\"type\":[\"null\",\"L\"]}]}");
    uint8_t buf[1000];
    struct hub_avro_reader r;
    struct hub_error err = {0};
    json_t *out = NULL;
    (void)state;
    memset(buf, 0x02, sizeof buf); /* branch 1 forever */
    hub_avro_reader_init(&r, buf, sizeof buf);
    assert_int_equal(hub_avro_decode_json(hub_avro_schema_root(s), NULL, &r, &out, &err),
                     HUB_EAVRO_VALUE);
    hub_avro_reader_init(&r, buf, sizeof buf);
    assert_int_equal(hub_avro_skip(hub_avro_schema_root(s), &r, &err), HUB_EAVRO_VALUE);
    hub_avro_schema_destroy(s);
}

static void test_zero_size_items_are_bounded(void **state)
{
    hub_avro_schema_t *s = parse_ok("{\"type\":\"array\",\"items\":\"null\"}");
    static const uint8_t many[] = {0xfe, 0xff, 0xff, 0xff, 0x0f, 0x00}; /* 2^31-1 nulls */
    struct hub_avro_reader r;
    struct hub_error err = {0};
    json_t *out = NULL;
    (void)state;
    hub_avro_reader_init(&r, many, sizeof many);
    assert_int_equal(hub_avro_decode_json(hub_avro_schema_root(s), NULL, &r, &out, &err),
                     HUB_EAVRO_HUGELEN);
    hub_avro_schema_destroy(s);
}

/* Evolution on the generic path: a v2 reader fills v1's missing fields from defaults, a v1 reader
 * skips what v2 added. */
static void test_generic_evolution_fills_defaults_and_skips_added_fields(void **state)
{
    size_t len1 = 0, len2 = 0;
    char *t1, *t2;
    hub_avro_schema_t *v1, *v2;
    struct hub_error err = {0};
    json_t *val, *out = NULL;
    struct hub_avro_writer w;
    struct hub_avro_reader r;
    char path[1024];
    (void)state;
    snprintf(path, sizeof path, "%s/schemas/placement/v1.avsc", HUB_SOURCE_DIR);
    t1 = read_file(path, &len1);
    t2 = read_test_data("evolution/placement_v2.avsc", &len2);
    assert_non_null(t1);
    assert_non_null(t2);
    assert_int_equal(hub_avro_schema_parse(t1, len1, &v1, &err), 0);
    assert_int_equal(hub_avro_schema_parse(t2, len2, &v2, &err), 0);

    val = json_loads("{\"event_id\":\"0b7e4c52-3a8f-4d4e-9c1a-2f3b4c5d6e7f\",\"occurred_at\":1,"
                     "\"district\":\"jarva\",\"child\":\"ab\",\"birth_year\":2012,"
                     "\"legal_sex\":\"female\",\"placement_id\":"
                     "\"1b7e4c52-3a8f-4d4e-9c1a-2f3b4c5d6e7f\",\"action\":\"started\","
                     "\"legal_basis\":\"LVU\",\"placement_form\":\"hvb\",\"start_date\":20000,"
                     "\"end_date\":null,\"school_change\":true,\"placement_municipality\":"
                     "\"0180\"}",
                     0, NULL);
    assert_non_null(val);
    /* v1 bytes, v2 reader */
    hub_avro_writer_init_heap(&w, 0);
    assert_int_equal(hub_avro_encode_json(hub_avro_schema_root(v1), val, &w, &err), 0);
    hub_avro_reader_init(&r, w.buf, w.len);
    if (hub_avro_decode_json(hub_avro_schema_root(v1), hub_avro_schema_root(v2), &r, &out, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(json_integer_value(json_object_get(out, "care_days")), 7);
    assert_true(json_is_false(json_object_get(out, "interpreter_needed")));
    assert_string_equal(json_string_value(json_object_get(out, "placement_form")), "hvb");
    json_decref(out);
    hub_avro_writer_free(&w);

    /* v2 bytes, v1 reader: the added fields are skipped */
    json_object_set_new(val, "care_days", json_integer(99));
    json_object_set_new(val, "interpreter_needed", json_true());
    hub_avro_writer_init_heap(&w, 0);
    assert_int_equal(hub_avro_encode_json(hub_avro_schema_root(v2), val, &w, &err), 0);
    hub_avro_reader_init(&r, w.buf, w.len);
    if (hub_avro_decode_json(hub_avro_schema_root(v2), hub_avro_schema_root(v1), &r, &out, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(hub_avro_reader_left(&r), 0);
    assert_null(json_object_get(out, "care_days"));
    json_object_del(val, "care_days");
    json_object_del(val, "interpreter_needed");
    assert_true(json_equal(val, out));
    json_decref(out);
    hub_avro_writer_free(&w);

    /* a v2 symbol v1 does not know is an enum error */
    json_object_set_new(val, "placement_form", json_string("kontaktfamilj"));
    hub_avro_writer_init_heap(&w, 0);
    assert_int_equal(hub_avro_encode_json(hub_avro_schema_root(v2), val, &w, &err), 0);
    hub_avro_reader_init(&r, w.buf, w.len);
    assert_int_equal(
        hub_avro_decode_json(hub_avro_schema_root(v2), hub_avro_schema_root(v1), &r, &out, &err),
        HUB_EAVRO_ENUM);
    hub_avro_writer_free(&w);

    json_decref(val);
    hub_avro_schema_destroy(v1);
    hub_avro_schema_destroy(v2);
    free(t1);
    free(t2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_form_and_fingerprint_match_official_vectors),
        cmocka_unit_test(test_canonical_form_strips_logical_types_docs_and_defaults),
        cmocka_unit_test(test_crc64_of_null_schema_is_the_spec_value),
        cmocka_unit_test(test_parse_rejects_malformed_schemas),
        cmocka_unit_test(test_parse_resolves_names_and_recursion),
        cmocka_unit_test(test_compat_accepts_defaults_promotions_and_appended_symbols),
        cmocka_unit_test(test_compat_rejects_missing_defaults_type_changes_and_enum_changes),
        cmocka_unit_test(test_varint_round_trips_extremes),
        cmocka_unit_test(test_binary_reads_fail_with_distinct_codes),
        cmocka_unit_test(test_block_count_handles_negative_counts_and_bounds),
        cmocka_unit_test(test_fixed_writer_reports_erange_and_heap_writer_grows),
        cmocka_unit_test(test_generic_values_round_trip_every_type),
        cmocka_unit_test(test_generic_encode_rejects_values_that_do_not_fit),
        cmocka_unit_test(test_nesting_depth_is_bounded),
        cmocka_unit_test(test_zero_size_items_are_bounded),
        cmocka_unit_test(test_generic_evolution_fills_defaults_and_skips_added_fields),
    };
    return cmocka_run_group_tests_name("avro_schema", tests, NULL, NULL);
}
