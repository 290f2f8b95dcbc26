/*
 * avro_tool — a small test helper around the codec, for the interop test and the fuzz corpus.
 *
 *   avro_tool canonical FILE          Parsing Canonical Form of a schema file
 *   avro_tool fingerprint FILE        its CRC-64-AVRO fingerprint (16 hex digits, big-endian)
 *   avro_tool schemas                 compiled-in schemas: record, version, fingerprint
 *   avro_tool encode-sample TYPE [V [DISTRICT [OCCURRED_MS]]]
 *                                     a sample event (tests/tools/sample_events.h, variant V)
 *                                     in single-object encoding, to stdout, optionally with
 *                                     another district and occurred_at (ms since the epoch);
 *                                     TYPE monthly_stats: a sample monthly-stats record
 *                                     TYPE follow_up_stats: a sample follow-up-stats record
 *                                     (hub/stats/stats_record.h); TYPE school_directory: a
 *                                     sample school-directory value (hub/directory/directory.h)
 *   avro_tool decode FILE             decodes a single-object message (also through the C
 *                                     struct path) and prints {"record","version","value"}
 *
 * Exit codes: 0 ok, 1 failure (message on stderr), 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/avro/avro_schema.h"
#include "hub/avro/codec.h"
#include "hub/avro/avro_value.h"
#include "hub/avro/schemas.h"
#include "hub/stats/followup_publish.h"
#include "hub/directory/directory.h"
#include "hub/stats/stats_record.h"
#include "tests/tools/sample_events.h"

static int usage(void)
{
    fprintf(stderr, "usage: avro_tool canonical FILE | fingerprint FILE | schemas | "
                    "encode-sample TYPE [VARIANT [DISTRICT [OCCURRED_MS]]] | decode FILE\n");
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

/* A monthly_stats record (not an event: hub/stats/stats_record.h) whose cells take every mark. */
static int encode_sample_monthly_stats(long v)
{
    static const enum hub_stats_mark count_marks[] = {HUB_STATS_SHOWN, HUB_STATS_HIDDEN};
    static const enum hub_stats_mark days_marks[] = {HUB_STATS_SHOWN, HUB_STATS_NO_DATA,
                                                     HUB_STATS_DAYS_WITHHELD};
    struct hub_error err = {0};
    struct hub_stats_district_month dm;
    struct hub_stats_record_meta meta = {20454 + (int32_t)v, v % 2 == 1, 5 + v % 3, 14 + v};
    hub_stats_record_schema_t *schema = NULL;
    json_t *rec = NULL;
    uint8_t *buf = NULL;
    size_t len = 0, i = 0;
    int rc = 1;

    memset(&dm, 0, sizeof dm);
    char period[32];
    snprintf(period, sizeof period, "2026-%02d", (int)(1 + v % 12));
    memcpy(dm.period, period, sizeof dm.period - 1);
    dm.district = v % 2 ? "all" : "norra-innerstaden";
    dm.district_name = v % 2 ? "Hela staden" : "Norra innerstaden";
    struct hub_stats_cell
        *cells[HUB_STATS_FORMS * HUB_STATS_BASES + HUB_STATS_SEXES * HUB_STATS_AGES];
    for (size_t f = 0; f < HUB_STATS_FORMS; f++)
        for (size_t b = 0; b < HUB_STATS_BASES; b++)
            cells[i++] = &dm.by_form_basis[f][b];
    for (size_t x = 0; x < HUB_STATS_SEXES; x++)
        for (size_t a = 0; a < HUB_STATS_AGES; a++)
            cells[i++] = &dm.by_sex_age[x][a];
    for (i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        struct hub_stats_cell *c = cells[i];
        for (size_t k = 0; k < HUB_STATS__COUNTS; k++) {
            c->mark[k] = count_marks[(i + k + (size_t)v) % 2];
            c->count[k] = c->mark[k] == HUB_STATS_SHOWN ? (int64_t)(i * 7 + k + (size_t)v) : 0;
        }
        c->days_mark = days_marks[(i + (size_t)v) % 3];
        if (c->days_mark == HUB_STATS_SHOWN) {
            c->days_median_x10 = (int64_t)(i * 5 + (size_t)v);
            c->days_p90 = (int64_t)(i + 3);
            c->days_max = (int64_t)(i + 40);
        }
    }
    if (hub_stats_record_schema_new(&schema, &err) ||
        hub_stats_record_build(&dm, &meta, &rec, &err) ||
        hub_stats_record_encode(schema, rec, &buf, &len, &err))
        fprintf(stderr, "avro_tool: %s\n", err.msg);
    else if (fwrite(buf, 1, len, stdout) == len)
        rc = 0;
    free(buf);
    json_decref(rec);
    hub_stats_record_schema_destroy(schema);
    return rc;
}

/* A follow_up_stats record (hub/stats/followup_publish.h) of tables built from synthetic rows,
 * with hidden and not applicable counts: the city (even variants) or farsta. */
static int encode_sample_follow_up_stats(long v)
{
    static const char *const ds[] = {"farsta", "farsta", "jarva", "bromma"};
    struct hub_fu_row rows[120];
    struct hub_fu_options opt = {.year = 2026, .period = (size_t)(v % 4), .k = 5};
    struct hub_error err = {0};
    hub_followup_t *t = NULL;
    hub_districts_t *districts = NULL;
    hub_avro_schema_t *schema = NULL;
    const struct hub_schema_text *newest = NULL;
    json_t *rec = NULL;
    uint8_t *buf = NULL;
    size_t len = 0, n = 40 + (size_t)v * 10 % 80;
    int rc = 1;

    for (size_t i = 0; i < n; i++) {
        struct hub_fu_row *r = &rows[i];
        memset(r, 0, sizeof *r);
        snprintf(r->district, sizeof r->district, "%s", ds[(i + (size_t)v) % 4]);
        r->legal_sex = (enum hub_legal_sex)(i % 2);
        r->placement_form = (enum hub_placement_form)(i % 3);
        r->school_form = i % 5 == 0 ? HUB_FU_GYMNASIESKOLA : HUB_FU_GRUNDSKOLA;
        r->grade_year = r->school_form == HUB_FU_GRUNDSKOLA ? 1 + (int32_t)(i % 9) : 2;
        r->attendance = (enum hub_attendance)(i % HUB_ATT__COUNT);
        r->knowledge_goals = (enum hub_goals)((i + (size_t)v) % HUB_GOALS__COUNT);
        r->has_eligible = r->grade_year == 9 && r->school_form == HUB_FU_GRUNDSKOLA;
        r->eligible = r->has_eligible && i % 3 != 0;
    }
    for (size_t i = 0; i < hub_schema_texts_count; i++)
        if (strcmp(hub_schema_texts[i].record, HUB_FU_RECORD_NAME) == 0 &&
            (!newest || hub_schema_texts[i].version > newest->version))
            newest = &hub_schema_texts[i];
    if (!newest)
        err.code = hub_error_set(&err, HUB_EAVRO_SCHEMA, "no %s schema", HUB_FU_RECORD_NAME);
    if (err.code || hub_districts_load_dir(NULL, &districts, &err) ||
        hub_followup_build_rows(districts, &opt, rows, n, &t, &err) ||
        hub_followup_record(t, v % 2 ? 1 : 0, v % 3 == 1, 1767225600000LL + v, &rec, &err) ||
        hub_avro_schema_parse(newest->json, newest->len, &schema, &err) ||
        hub_avro_encode_single_object(schema, rec, &buf, &len, &err))
        fprintf(stderr, "avro_tool: %s\n", err.msg);
    else if (fwrite(buf, 1, len, stdout) == len)
        rc = 0;
    free(buf);
    json_decref(rec);
    hub_avro_schema_destroy(schema);
    hub_followup_destroy(t);
    hub_districts_destroy(districts);
    return rc;
}

/* A school-directory value (not an event: hub/directory/directory.h); odd variants have no
 * public key. */
static int encode_sample_school_directory(long v)
{
    static const char *const keys[] = {"B6N8vBQgk8i3VdwbEOhstCY3StFqqFPtC9/AsrhtHHw=",
                                       "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="};
    struct hub_error err = {0};
    hub_avro_record_schema_t *schema = NULL;
    struct hub_school s;
    char name[64], key[64];
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = 1;

    memset(&s, 0, sizeof s);
    snprintf(s.unit, sizeof s.unit, "9901%04ld", v);
    snprintf(s.kommun, sizeof s.kommun, "%s", v % 3 ? "0180" : "1480");
    snprintf(name, sizeof name, "Skola nr %ld, \"Ängen\"", v);
    snprintf(key, sizeof key, "%s", keys[(v / 2) % 2]);
    s.name = name;
    s.huvudman = (enum hub_huvudman)(v % HUB_HUVUDMAN__COUNT);
    s.public_key = v % 2 ? NULL : key;
    if (hub_directory_schema_new(&schema, &err) ||
        hub_directory_school_value(schema, &s, &buf, &len, &err))
        fprintf(stderr, "avro_tool: %s\n", err.msg);
    else if (fwrite(buf, 1, len, stdout) == len)
        rc = 0;
    free(buf);
    hub_avro_record_schema_destroy(schema);
    return rc;
}

static int cmd_encode_sample(hub_codec_t *c, const char *type_name, const char *variant,
                             const char *district, const char *occurred_ms)
{
    struct hub_error err = {0};
    enum hub_event_type t;
    struct hub_event ev;
    uint8_t *buf = NULL;
    size_t len = 0;
    long v = 0;
    bool stats = strcmp(type_name, HUB_STATS_RECORD_NAME) == 0;
    bool fu_stats = strcmp(type_name, HUB_FU_RECORD_NAME) == 0;
    bool school = strcmp(type_name, HUB_DIRECTORY_RECORD_NAME) == 0;
    if (!stats && !fu_stats && !school && hub_event_type_parse(type_name, &t) != 0) {
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
    if (stats)
        return encode_sample_monthly_stats(v);
    if (fu_stats)
        return encode_sample_follow_up_stats(v);
    if (school)
        return encode_sample_school_directory(v);
    hub_sample_event(&ev, t, (int)v);
    if (district)
        snprintf(ev.common.district, sizeof ev.common.district, "%s", district);
    if (occurred_ms) {
        char *end;
        long long ms = strtoll(occurred_ms, &end, 10);
        if (*end || ms < 0) {
            fprintf(stderr, "avro_tool: bad occurred_at %s\n", occurred_ms);
            hub_event_clear(&ev);
            return 2;
        }
        ev.common.occurred_at = ms;
    }
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
    } else if (strcmp(argv[1], "encode-sample") == 0 && argc >= 3 && argc <= 6) {
        rc = cmd_encode_sample(c, argv[2], argc >= 4 ? argv[3] : NULL, argc >= 5 ? argv[4] : NULL,
                               argc >= 6 ? argv[5] : NULL);
    } else if (strcmp(argv[1], "decode") == 0 && argc == 3) {
        rc = cmd_decode(c, argv[2]);
    } else {
        rc = usage();
    }
    hub_codec_destroy(c);
    return rc;
}
