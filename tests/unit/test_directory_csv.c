/*
 * test_directory_csv.c — the school directory CSV (hub/directory/directory.h): the demo directory
 * reads back, every problem of every row is reported with its line and column, RFC 4180 quoting,
 * lookups of the key content is sealed with, and the `school-directory` Avro value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hubctl/demo.h"
#include "hub/avro/codec.h"
#include "hub/directory/directory.h"

/* base64 of the X25519 public key of the private key 01 02 … 20 (hex) */
#define KEY "B6N8vBQgk8i3VdwbEOhstCY3StFqqFPtC9/AsrhtHHw="
#define HEADER HUB_SCHOOLS_CSV_HEADER "\n"

struct problems {
    size_t n;
    char text[32][HUB_ERROR_MSG_MAX + 64];
};

static void collect(void *ud, const char *problem)
{
    struct problems *p = ud;
    if (p->n < 32)
        snprintf(p->text[p->n], sizeof p->text[p->n], "%s", problem);
    p->n++;
}

/* Reads `csv` (n bytes) as the file "s.csv". */
static int read_text(const char *csv, size_t n, struct problems *p, hub_directory_t **d,
                     struct hub_error *err)
{
    FILE *f = fmemopen((void *)csv, n, "rb");
    assert_non_null(f);
    memset(p, 0, sizeof *p);
    int rc = hub_directory_read_csv(f, "s.csv", collect, p, d, err);
    fclose(f);
    return rc;
}

static int read_str(const char *csv, struct problems *p, hub_directory_t **d, struct hub_error *err)
{
    return read_text(csv, strlen(csv), p, d, err);
}

static void test_directory_reads_the_demo_directory(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    struct hub_error err = {0};
    struct problems p;
    hub_directory_t *d = NULL;
    (void)state;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(hub_demo_write_schools_csv(f, &err), 0);
    fclose(f);
    assert_int_equal(read_text(buf, len, &p, &d, &err), 0);
    assert_int_equal(p.n, 0);
    assert_int_equal(hub_directory_count(d), hub_demo_school_count());
    size_t friskolor = 0, elsewhere = 0;
    for (size_t i = 0; i < hub_demo_school_count(); i++) {
        const struct hub_demo_school *want = hub_demo_school_at(i);
        const struct hub_school *s = hub_directory_find(d, want->unit);
        assert_non_null(s);
        assert_string_equal(s->name, want->name);
        assert_string_equal(s->kommun, want->kommun);
        assert_string_equal(hub_huvudman_name(s->huvudman), hub_demo_huvudman_name(want->huvudman));
        assert_string_equal(s->email, want->email);
        assert_null(s->webhook_url);
        assert_null(s->public_key);
        assert_null(s->signing_secret_ref);
        assert_false(s->removed);
        friskolor += s->huvudman == HUB_HUVUDMAN_FRISTAENDE;
        elsewhere += strcmp(s->kommun, "0180") != 0;
    }
    assert_true(friskolor > 0); /* friskolor and other municipalities are first-class */
    assert_true(elsewhere > 0);
    for (size_t i = 1; i < hub_directory_count(d); i++) /* in skolenhetskod order */
        assert_true(strcmp(hub_directory_at(d, i - 1)->unit, hub_directory_at(d, i)->unit) < 0);
    assert_null(hub_directory_at(d, hub_directory_count(d)));
    hub_directory_destroy(d);
    free(buf);
}

static void test_directory_reports_every_problem_with_line_and_column(void **state)
{
    static const char csv[] = HEADER                                  /* 1 */
        "99018001,Ekbackens skola,kommunal,0180,,,,\n"                /* 2 ok */
        "9901800,Kort kod,kommunal,0180,,,,\n"                        /* 3 */
        "99018002,,privat,180,ftp://x.se,abc,relative/path,no-at\n"   /* 4 */
        "99018001,Dubblett,statlig,0180,,,,\n"                        /* 5 */
        "\"99018003\",\"Skola, med \"\"citat\"\"\",fristående,0180,"  /* 6 ok */
        "https://s.example/hook," KEY ",/etc/hub/s3.secret,a@b.se\n"  /* 6 */
        "99018004,För få\n"                                           /* 7 */
        "99018005,Citat\"mitt i,kommunal,0180,,,,\n"                  /* 8 */
        "99018006,Tab\there,kommunal,0180,,,,\n"                      /* 9 */
        "99018007,Http,kommunal,0180,http://school.example/hook,,,\n" /* 10 */
        "99018008,\"Efter\"x,kommunal,0180,,,,\n"                     /* 11 */
        "99018009,Fel utf8 \xc3(,kommunal,0180,,,,\n"                 /* 12 */
        "99018010, Mellanslag,kommunal,0180,,,,\n"                    /* 13 */
        /* issue 14: the host is other-host; "localhost:80" is a user name and password */
        "99018011,Ssrf,kommunal,0180,http://localhost:80@other-host/,,,\n"; /* 14 */
    static const char *const want[] = {
        "s.csv:3: skolenhetskod: '9901800' is not 8 digits",
        "s.csv:4: name: empty",
        "s.csv:4: huvudman_type: 'privat' is not kommunal, fristående or statlig",
        "s.csv:4: kommunkod: '180' is not 4 digits",
        "s.csv:4: webhook_url: must start with https://",
        "s.csv:4: public_key: 3 characters; a public key is base64 of 32 bytes: 44 characters "
        "ending in '='",
        "s.csv:4: signing_secret_ref: must be an absolute path",
        "s.csv:4: email: 'no-at' is not an e-mail address",
        "s.csv:5: skolenhetskod: 99018001 is already on line 2",
        "s.csv:7: row: 2 columns, expected 8 (" HUB_SCHOOLS_CSV_HEADER ")",
        "s.csv:8: name: a quote inside an unquoted field (quote the whole field and double the "
        "quote)",
        "s.csv:9: name: contains a control character (a line break, tab or NUL)",
        "s.csv:10: webhook_url: http:// is allowed only for a loopback host (tests); a school's "
        "endpoint is https://",
        "s.csv:11: name: text after the closing quote",
        "s.csv:12: name: not valid UTF-8",
        "s.csv:13: name: begins or ends with a space",
        "s.csv:14: webhook_url: a user name or password before the host ('user@host') is not "
        "allowed",
    };
    struct problems p;
    struct hub_error err = {0};
    hub_directory_t *d = (hub_directory_t *)&p; /* must be reset to NULL */
    (void)state;
    assert_int_equal(read_str(csv, &p, &d, &err), HUB_EINVAL);
    assert_null(d);
    for (size_t i = 0; i < p.n && i < sizeof want / sizeof want[0]; i++)
        assert_string_equal(p.text[i], want[i]);
    assert_int_equal(p.n, sizeof want / sizeof want[0]);
    assert_int_equal(err.code, HUB_EINVAL);
    assert_non_null(strstr(err.msg, want[0]));
    assert_non_null(strstr(err.msg, "(and 16 more problems)"));

    /* without a callback the first problem is still in err */
    FILE *f = fmemopen((void *)csv, strlen(csv), "rb");
    assert_int_equal(hub_directory_read_csv(f, "s.csv", NULL, NULL, &d, &err), HUB_EINVAL);
    fclose(f);
    assert_non_null(strstr(err.msg, want[0]));
}

static void test_directory_header_must_match(void **state)
{
    struct problems p;
    struct hub_error err = {0};
    hub_directory_t *d = NULL;
    (void)state;
    assert_int_equal(read_str("skolenhetskod,name,kommunkod\n99018001,A,0180\n", &p, &d, &err),
                     HUB_EINVAL);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.text[0], "s.csv:1: header: expected " HUB_SCHOOLS_CSV_HEADER);
    assert_int_equal(read_str("", &p, &d, &err), HUB_EINVAL);
    assert_int_equal(p.n, 1);
    assert_non_null(strstr(p.text[0], "s.csv:1: header: the file is empty"));
}

static void test_directory_csv_quoting_bom_crlf_and_blank_lines(void **state)
{
    static const char csv[] = "\xEF\xBB\xBF" HUB_SCHOOLS_CSV_HEADER "\r\n"
                              "\r\n"
                              "99018002,\"Skola, \"\"Norr\"\"\",kommunal,0180,,,,\r\n"
                              "\n"
                              "99018001,Sista,statlig,2584,,,,"; /* no final line break */
    struct problems p;
    struct hub_error err = {0};
    hub_directory_t *d = NULL;
    (void)state;
    assert_int_equal(read_str(csv, &p, &d, &err), 0);
    assert_int_equal(hub_directory_count(d), 2);
    const struct hub_school *s = hub_directory_find(d, "99018002");
    assert_non_null(s);
    assert_string_equal(s->name, "Skola, \"Norr\"");
    assert_int_equal(s->line, 3);
    s = hub_directory_find(d, "99018001");
    assert_non_null(s);
    assert_string_equal(s->kommun, "2584");
    assert_int_equal(s->huvudman, HUB_HUVUDMAN_STATLIG);
    assert_int_equal(s->line, 5);
    assert_null(hub_directory_find(d, "99018003"));
    assert_null(hub_directory_find(d, "990180011"));
    hub_directory_destroy(d);
}

static void test_directory_line_numbers_survive_a_multiline_field(void **state)
{
    static const char csv[] = HEADER "99018001,\"Två\nrader\",kommunal,0180,,,,\n" /* 2-3 */
                                     "99018002,Ok,kommunal,018,,,,\n";             /* 4 */
    struct problems p;
    struct hub_error err = {0};
    hub_directory_t *d = NULL;
    (void)state;
    assert_int_equal(read_str(csv, &p, &d, &err), HUB_EINVAL);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.text[0],
                        "s.csv:2: name: contains a control character (a line break, tab or NUL)");
    assert_string_equal(p.text[1], "s.csv:4: kommunkod: '018' is not 4 digits");

    assert_int_equal(read_str(HEADER "99018001,\"öppen,kommunal,0180,,,,\n", &p, &d, &err),
                     HUB_EINVAL);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.text[0], "s.csv:2: name: a quoted field is not closed");
}

static void test_directory_accepts_loopback_http_and_valid_optionals(void **state)
{
    static const char csv[] =
        HEADER "99018001,A,kommunal,0180,http://127.0.0.1:8080/hook," KEY ",/s/a,x@y.se\n"
               "99018002,B,fristående,0180,http://localhost/hook,,,\n"
               "99018003,C,statlig,0180,http://[::1]:9/h,,,\n"
               "99018004,D,kommunal,0180,http://localhost.example.se/h,,,\n";
    struct problems p;
    struct hub_error err = {0};
    hub_directory_t *d = NULL;
    (void)state;
    assert_int_equal(read_str(csv, &p, &d, &err), HUB_EINVAL);
    assert_int_equal(p.n, 1);
    assert_non_null(strstr(p.text[0], "s.csv:5: webhook_url: http:// is allowed only"));
    assert_int_equal(read_text(csv,
                               strlen(csv) - strlen("99018004,D,kommunal,0180,"
                                                    "http://localhost.example.se/h,,,\n"),
                               &p, &d, &err),
                     0);
    assert_int_equal(hub_directory_count(d), 3);
    hub_directory_destroy(d);
}

static void test_directory_recipient_key_names_the_school(void **state)
{
    static const char csv[] = HEADER "99018001,Med nyckel,kommunal,0180,," KEY ",,\n"
                                     "99018002,Utan nyckel,fristående,0180,,,,\n";
    struct problems p;
    struct hub_error err = {0};
    hub_directory_t *d = NULL;
    uint8_t key[HUB_SEAL_KEY_LEN];
    static const uint8_t want[HUB_SEAL_KEY_LEN] = {0x07, 0xa3, 0x7c, 0xbc, 0x14, 0x20, 0x93, 0xc8,
                                                   0xb7, 0x55, 0xdc, 0x1b, 0x10, 0xe8, 0x6c, 0xb4,
                                                   0x26, 0x37, 0x4a, 0xd1, 0x6a, 0xa8, 0x53, 0xed,
                                                   0x0b, 0xdf, 0xc0, 0xb2, 0xb8, 0x6d, 0x1c, 0x7c};
    (void)state;
    assert_int_equal(read_str(csv, &p, &d, &err), 0);
    assert_int_equal(hub_directory_recipient_key(d, "99018001", key, &err), 0);
    assert_memory_equal(key, want, sizeof key);
    assert_int_equal(hub_directory_recipient_key(d, "99018002", key, &err), HUB_ENOTFOUND);
    assert_string_equal(err.msg, "receiving school 99018002 has no public key in the directory");
    assert_int_equal(hub_directory_recipient_key(d, "12345678", key, &err), HUB_ENOTFOUND);
    assert_string_equal(err.msg, "receiving school 12345678 is not in the directory");
    hub_directory_destroy(d);
}

/* Encodes the school `unit` of `d` and decodes it with the codec: the decoded record. */
static json_t *value_of(const hub_directory_t *d, const char *unit)
{
    struct hub_error err = {0};
    hub_avro_record_schema_t *schema = NULL;
    hub_codec_t *codec = NULL;
    struct hub_codec_schema_info info;
    uint8_t *buf = NULL;
    size_t len = 0;
    json_t *out = NULL;

    if (hub_directory_schema_new(&schema, &err) || hub_codec_new(&codec, &err))
        fail_msg("schema: %s", err.msg);
    if (hub_directory_school_value(schema, hub_directory_find(d, unit), &buf, &len, &err))
        fail_msg("encode: %s", err.msg);
    assert_true(len > HUB_AVRO_RECORD_HEADER_LEN);
    assert_int_equal(buf[0], 0xC3);
    assert_int_equal(buf[1], 0x01);
    if (hub_codec_decode_json(codec, buf, len, &out, &info, &err))
        fail_msg("decode: %s", err.msg);
    assert_string_equal(info.record, HUB_DIRECTORY_RECORD_NAME);
    assert_true(info.fingerprint == hub_avro_record_schema_fingerprint(schema));
    free(buf);
    hub_codec_destroy(codec);
    hub_avro_record_schema_destroy(schema);
    return out;
}

static void test_directory_school_value_is_the_avro_record_without_contact_details(void **state)
{
    static const char csv[] = HEADER
        "99018001,\"Skola \"\"A\"\"\",fristående,0180,https://a.example/h," KEY ",/s/a,a@b.se\n"
        "99018002,B,kommunal,1480,,,,\n";
    struct problems p;
    struct hub_error err = {0};
    hub_directory_t *d = NULL;
    json_t *got;
    char *text;
    (void)state;
    assert_int_equal(read_str(csv, &p, &d, &err), 0);
    got = value_of(d, "99018001");
    text = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"huvudman_type\":\"fristående\",\"kommunkod\":\"0180\","
                              "\"name\":\"Skola \\\"A\\\"\",\"public_key\":\"" KEY
                              "\",\"skolenhetskod\":\"99018001\"}");
    /* the webhook URL, e-mail and signing secret's path are not published */
    assert_null(strstr(text, "a.example"));
    assert_null(strstr(text, "a@b.se"));
    assert_null(strstr(text, "/s/a"));
    free(text);
    json_decref(got);
    got = value_of(d, "99018002");
    text = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"huvudman_type\":\"kommunal\",\"kommunkod\":\"1480\","
                              "\"name\":\"B\",\"public_key\":null,\"skolenhetskod\":\"99018002\"}");
    free(text);
    json_decref(got);
    hub_directory_destroy(d);
}

static void test_directory_csv_written_reads_back_the_same(void **state)
{
    static const char csv[] = HEADER
        "99018002,\"Skola, \"\"B\"\"\",fristående,0180,https://b.example/h," KEY ",/s/b,b@b.se\n"
        "99018001,A,kommunal,1480,,,,\n";
    struct problems p;
    struct hub_error err = {0};
    hub_directory_t *d = NULL, *again = NULL;
    char *buf = NULL;
    size_t len = 0;
    (void)state;
    assert_int_equal(read_str(csv, &p, &d, &err), 0);
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(hub_directory_write_csv(f, d, false, &err), 0);
    fclose(f);
    assert_string_equal(buf, HEADER "99018001,A,kommunal,1480,,,,\n"
                                    "99018002,\"Skola, \"\"B\"\"\",fristående,0180,"
                                    "https://b.example/h," KEY ",/s/b,b@b.se\n");
    assert_int_equal(read_text(buf, len, &p, &again, &err), 0);
    assert_int_equal(hub_directory_count(again), 2);
    assert_string_equal(hub_directory_find(again, "99018002")->name, "Skola, \"B\"");
    hub_directory_destroy(again);
    hub_directory_destroy(d);
    free(buf);
}

static void test_directory_huvudman_names(void **state)
{
    enum hub_huvudman h;
    (void)state;
    assert_int_equal(hub_huvudman_parse("fristående", &h), 0);
    assert_int_equal(h, HUB_HUVUDMAN_FRISTAENDE);
    assert_int_equal(hub_huvudman_parse("Kommunal", &h), HUB_EENUM);
    assert_int_equal(hub_huvudman_parse("fristaende", &h), HUB_EENUM);
    assert_null(hub_huvudman_name(HUB_HUVUDMAN__COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_directory_reads_the_demo_directory),
        cmocka_unit_test(test_directory_reports_every_problem_with_line_and_column),
        cmocka_unit_test(test_directory_header_must_match),
        cmocka_unit_test(test_directory_csv_quoting_bom_crlf_and_blank_lines),
        cmocka_unit_test(test_directory_line_numbers_survive_a_multiline_field),
        cmocka_unit_test(test_directory_accepts_loopback_http_and_valid_optionals),
        cmocka_unit_test(test_directory_recipient_key_names_the_school),
        cmocka_unit_test(test_directory_school_value_is_the_avro_record_without_contact_details),
        cmocka_unit_test(test_directory_csv_written_reads_back_the_same),
        cmocka_unit_test(test_directory_huvudman_names),
    };
    return cmocka_run_group_tests_name("directory", tests, NULL, NULL);
}
