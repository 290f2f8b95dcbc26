/*
 * fuzz_directory_csv.c — libFuzzer target for the school directory CSV reader
 * (hub_directory_read_csv, behind `hubctl schools import` and hub.schools.file).
 *
 * The input is the file's bytes, read from memory (fmemopen). Properties, beyond "no crash, no
 * read past the input, no leak": a refused file reports at least one problem, each naming the
 * file, and the first of them is the error's message; an accepted directory reports none, finds
 * every school under its skolenhetskod, gives each a `school-directory` Avro value that decodes
 * back to its published fields, and writes a CSV that reads back to the same schools (so `hubctl
 * schools export | hubctl schools import` is lossless).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/avro/codec.h"
#include "hub/directory/directory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "s.csv"

struct seen {
    size_t n;
    char first[HUB_ERROR_MSG_MAX];
};

static void on_problem(void *ud, const char *problem)
{
    struct seen *s = ud;
    if (strncmp(problem, NAME ":", sizeof NAME) != 0)
        abort(); /* "FILE:LINE: ..." */
    if (s->n++ == 0)
        snprintf(s->first, sizeof s->first, "%s", problem);
}

static int read_mem(const char *text, size_t len, struct seen *s, hub_directory_t **d,
                    struct hub_error *err)
{
    static const char empty[1] = "";
    FILE *f = fmemopen((void *)(len ? text : empty), len, "rb");
    if (!f)
        abort();
    memset(s, 0, sizeof *s);
    int rc = hub_directory_read_csv(f, NAME, on_problem, s, d, err);
    fclose(f);
    return rc;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_school(const struct hub_school *a, const struct hub_school *b)
{
    return strcmp(a->unit, b->unit) == 0 && same_str(a->name, b->name) &&
           a->huvudman == b->huvudman && strcmp(a->kommun, b->kommun) == 0 &&
           same_str(a->webhook_url, b->webhook_url) && same_str(a->public_key, b->public_key) &&
           a->public_key_ok == b->public_key_ok &&
           (!a->public_key_ok ||
            memcmp(a->public_key_raw, b->public_key_raw, sizeof a->public_key_raw) == 0) &&
           same_str(a->signing_secret_ref, b->signing_secret_ref) && same_str(a->email, b->email);
}

static int json_str_is(const json_t *o, const char *key, const char *want)
{
    const json_t *v = json_object_get(o, key);
    if (!want)
        return json_is_null(v);
    return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

/* The record of `s` holds its published fields only, and its Avro value decodes back to it. */
static void check_value(const struct hub_school *s)
{
    static hub_avro_record_schema_t *schema;
    static hub_codec_t *codec;
    struct hub_error err;
    json_t *rec = NULL, *back = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;

    if ((!schema && hub_directory_schema_new(&schema, &err) != 0) ||
        (!codec && hub_codec_new(&codec, &err) != 0))
        abort();
    if (hub_directory_school_record(s, &rec, &err) != 0 || json_object_size(rec) != 5 ||
        !json_str_is(rec, "skolenhetskod", s->unit) || !json_str_is(rec, "name", s->name) ||
        !json_str_is(rec, "huvudman_type", hub_huvudman_name(s->huvudman)) ||
        !json_str_is(rec, "kommunkod", s->kommun) || !json_str_is(rec, "public_key", s->public_key))
        abort();
    if (hub_directory_school_value(schema, s, &buf, &len, &err) != 0 ||
        hub_codec_decode_json(codec, buf, len, &back, NULL, &err) != 0 || !json_equal(rec, back))
        abort();
    json_decref(back);
    json_decref(rec);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hub_directory_t *d = NULL, *again = NULL;
    struct hub_error err;
    struct seen seen;
    char *out = NULL;
    size_t out_len = 0;
    FILE *f;
    int rc;

    memset(&err, 0, sizeof err);
    rc = read_mem((const char *)data, size, &seen, &d, &err);
    if (rc != 0) {
        if (d || err.code != rc)
            abort();
        if (rc == HUB_EINVAL && (seen.n == 0 || strncmp(err.msg, seen.first, strlen(seen.first))))
            abort(); /* refused without saying why, or the error is not the first problem */
        if (rc != HUB_EINVAL && rc != HUB_ENOMEM && rc != HUB_ERANGE)
            abort();
        return 0;
    }
    if (seen.n != 0)
        abort(); /* accepted although a problem was reported */
    for (size_t i = 0; i < hub_directory_count(d); i++) {
        const struct hub_school *s = hub_directory_at(d, i);
        if (hub_directory_find(d, s->unit) != s || s->removed)
            abort();
        check_value(s);
    }

    f = open_memstream(&out, &out_len);
    if (!f || hub_directory_write_csv(f, d, true, &err) != 0)
        abort();
    fclose(f);
    if (read_mem(out, out_len, &seen, &again, &err) != 0 ||
        hub_directory_count(again) != hub_directory_count(d))
        abort(); /* what we write must read back */
    for (size_t i = 0; i < hub_directory_count(d); i++)
        if (!same_school(hub_directory_at(d, i), hub_directory_at(again, i)))
            abort();
    free(out);
    hub_directory_destroy(again);
    hub_directory_destroy(d);
    return 0;
}
