/*
 * avro_tool — a small test helper around the codec, for the interop test and the fuzz corpus.
 *
 *   avro_tool canonical FILE          Parsing Canonical Form of a schema file
 *   avro_tool fingerprint FILE        its CRC-64-AVRO fingerprint (16 hex digits, big-endian)
 *   avro_tool schemas                 compiled-in schemas: record, version, fingerprint
 *   avro_tool encode-sample TYPE [V]  a sample event (tests/tools/sample_events.h, variant V)
 *                                     in single-object encoding, to stdout
 *   avro_tool decode FILE             decodes a single-object message (also through the C
 *                                     struct path) and prints {"record","version","value"}
 *
 * Exit codes: 0 ok, 1 failure (message on stderr), 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/avro_schema.h"
#include "hub/codec.h"
#include "tests/tools/sample_events.h"

static int usage(void)
{
    fprintf(stderr, "usage: avro_tool canonical FILE | fingerprint FILE | schemas | "
                    "encode-sample TYPE [VARIANT] | decode FILE\n");
    return 2;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f) {
        fprintf(stderr, "avro_tool: cannot open %s\n", path);
        return NULL;
    }
    for (;;) {
        size_t got;
        if (n + 4096 + 1 > cap) {
            char *p = realloc(buf, cap = (cap ? cap * 2 : 8192));
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (f != stdin)
        fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

static int load_schema(const char *path, hub_avro_schema_t **s)
{
    struct hub_error err = {0};
    size_t len = 0;
    char *text = slurp(path, &len);
    int rc;
    if (!text)
        return 1;
    rc = hub_avro_schema_parse(text, len, s, &err);
    free(text);
    if (rc) {
        fprintf(stderr, "avro_tool: %s: %s\n", path, err.msg);
        return 1;
    }
    return 0;
}

static int cmd_decode(hub_codec_t *c, const char *path)
{
    struct hub_error err = {0};
    struct hub_codec_schema_info info;
    struct hub_event ev;
    size_t len = 0;
    char *buf = slurp(path, &len);
    json_t *value = NULL, *doc;
    char *text;
    if (!buf)
        return 1;
    if (hub_codec_decode_json(c, (const uint8_t *)buf, len, &value, &info, &err)) {
        fprintf(stderr, "avro_tool: %s: %s\n", path, err.msg);
        free(buf);
        return 1;
    }
    if (info.type >= 0) {
        if (hub_codec_decode(c, (const uint8_t *)buf, len, &ev, &err)) {
            fprintf(stderr, "avro_tool: %s: struct path: %s\n", path, err.msg);
            json_decref(value);
            free(buf);
            return 1;
        }
        hub_event_clear(&ev);
    }
    doc = json_pack("{s:s, s:i, s:o}", "record", info.record, "version", info.version, "value",
                    value);
    text = doc ? json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    if (!text) {
        fprintf(stderr, "avro_tool: out of memory\n");
        json_decref(doc);
        free(buf);
        return 1;
    }
    puts(text);
    free(text);
    json_decref(doc);
    free(buf);
    return 0;
}

static int cmd_encode_sample(hub_codec_t *c, const char *type_name, const char *variant)
{
    struct hub_error err = {0};
    enum hub_event_type t;
    struct hub_event ev;
    uint8_t *buf = NULL;
    size_t len = 0;
    long v = 0;
    if (hub_event_type_parse(type_name, &t) != 0) {
        fprintf(stderr, "avro_tool: unknown event type %s\n", type_name);
        return 2;
    }
    if (variant) {
        char *end;
        v = strtol(variant, &end, 10);
        if (*end || v < 0 || v > 1000) {
            fprintf(stderr, "avro_tool: bad variant %s\n", variant);
            return 2;
        }
    }
    hub_sample_event(&ev, t, (int)v);
    if (hub_codec_encode(c, &ev, &buf, &len, &err)) {
        fprintf(stderr, "avro_tool: %s\n", err.msg);
        hub_event_clear(&ev);
        return 1;
    }
    fwrite(buf, 1, len, stdout);
    free(buf);
    hub_event_clear(&ev);
    return 0;
}

int main(int argc, char **argv)
{
    struct hub_error err = {0};
    hub_codec_t *c = NULL;
    hub_avro_schema_t *s = NULL;
    int rc;

    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "canonical") == 0 || strcmp(argv[1], "fingerprint") == 0) {
        if (argc != 3)
            return usage();
        if (load_schema(argv[2], &s))
            return 1;
        if (argv[1][0] == 'c')
            puts(hub_avro_schema_canonical(s));
        else
            printf("%016llx\n", (unsigned long long)hub_avro_schema_fingerprint(s));
        hub_avro_schema_destroy(s);
        return 0;
    }
    if (hub_codec_new(&c, &err)) {
        fprintf(stderr, "avro_tool: %s\n", err.msg);
        return 1;
    }
    if (strcmp(argv[1], "schemas") == 0 && argc == 2) {
        for (size_t i = 0; i < hub_codec_schema_count(c); i++) {
            struct hub_codec_schema_info info;
            hub_codec_schema_info_at(c, i, &info);
            printf("%s %d %016llx\n", info.record, info.version,
                   (unsigned long long)info.fingerprint);
        }
        rc = 0;
    } else if (strcmp(argv[1], "encode-sample") == 0 && (argc == 3 || argc == 4)) {
        rc = cmd_encode_sample(c, argv[2], argc == 4 ? argv[3] : NULL);
    } else if (strcmp(argv[1], "decode") == 0 && argc == 3) {
        rc = cmd_decode(c, argv[2]);
    } else {
        rc = usage();
    }
    hub_codec_destroy(c);
    return rc;
}
