/*
 * bench_codec — encode and decode rates of hub/codec next to Avro-C's value API for the same
 * record and the same event, in the same run, printed as ratios (hub / Avro-C; above 1 is faster).
 *
 *   bench_codec [SECONDS_PER_CASE]     (default 0.5)
 *
 * Both sides do the whole job a producer or consumer needs: the Avro-C encoder copies every
 * field from struct hub_event into a reused generic value (by index, the fast way) and writes it
 * with a reused memory writer; the Avro-C decoder reads into a reused value and copies every
 * field back into a struct hub_event. Our encoder adds the 10-byte header and the domain checks,
 * our decoder the fingerprint lookup, bounds and domain checks. One core, no allocation per
 * message on either side except sealed content.
 */
#include <avro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hub/avro/codec.h"
#include "hub/avro/schemas.h"
#include "tests/tools/sample_events.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_codec: %s\n", what);
    exit(1);
}

/* ---- Avro-C side ---- */

struct avroc {
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value;
    avro_writer_t writer;
    avro_reader_t reader;
    char buf[8192];
};

static void avroc_init(struct avroc *a, const char *record)
{
    const struct hub_schema_text *t = NULL;
    for (size_t i = 0; i < hub_schema_texts_count; i++)
        if (strcmp(hub_schema_texts[i].record, record) == 0 &&
            (!t || hub_schema_texts[i].version > t->version))
            t = &hub_schema_texts[i];
    if (!t || avro_schema_from_json_length(t->json, t->len, &a->schema))
        die(avro_strerror());
    a->iface = avro_generic_class_from_schema(a->schema);
    if (!a->iface || avro_generic_value_new(a->iface, &a->value))
        die(avro_strerror());
    a->writer = avro_writer_memory(a->buf, sizeof a->buf);
    a->reader = avro_reader_memory(a->buf, sizeof a->buf);
}

static void avroc_free(struct avroc *a)
{
    avro_reader_free(a->reader);
    avro_writer_free(a->writer);
    avro_value_decref(&a->value);
    avro_value_iface_decref(a->iface);
    avro_schema_decref(a->schema);
}

static avro_value_t field(avro_value_t *rec, size_t i)
{
    avro_value_t f;
    avro_value_get_by_index(rec, i, &f, NULL);
    return f;
}

static void set_str(avro_value_t *rec, size_t i, const char *s)
{
    avro_value_t f = field(rec, i);
    avro_value_set_string_len(&f, s, strlen(s) + 1);
}

static void set_opt(avro_value_t *rec, size_t i, bool present, avro_value_t *branch)
{
    avro_value_t f = field(rec, i);
    avro_value_set_branch(&f, present ? 1 : 0, branch);
    if (!present)
        avro_value_set_null(branch);
}

static void get_str(avro_value_t *rec, size_t i, char *dst, size_t cap)
{
    avro_value_t f = field(rec, i);
    const char *p;
    size_t n;
    avro_value_get_string(&f, &p, &n); /* n counts the NUL */
    if (n > cap)
        n = cap;
    memcpy(dst, p, n);
}

static void set_common(avro_value_t *v, const struct hub_event *ev)
{
    avro_value_t f;
    set_str(v, 0, ev->common.event_id);
    f = field(v, 1);
    avro_value_set_long(&f, ev->common.occurred_at);
    set_str(v, 2, ev->common.district);
    set_str(v, 3, ev->common.child);
    f = field(v, 4);
    avro_value_set_int(&f, ev->common.birth_year);
    f = field(v, 5);
    avro_value_set_enum(&f, (int)ev->common.legal_sex);
}

static void get_common(avro_value_t *v, struct hub_event *ev)
{
    avro_value_t f;
    int e;
    get_str(v, 0, ev->common.event_id, sizeof ev->common.event_id);
    f = field(v, 1);
    avro_value_get_long(&f, &ev->common.occurred_at);
    get_str(v, 2, ev->common.district, sizeof ev->common.district);
    get_str(v, 3, ev->common.child, sizeof ev->common.child);
    f = field(v, 4);
    avro_value_get_int(&f, &ev->common.birth_year);
    f = field(v, 5);
    avro_value_get_enum(&f, &e);
    ev->common.legal_sex = (enum hub_legal_sex)e;
}

static size_t avroc_encode(struct avroc *a, const struct hub_event *ev)
{
    avro_value_t *v = &a->value, f, b;
    set_common(v, ev);
    if (ev->type == HUB_EV_PLACEMENT) {
        const struct hub_placement *p = &ev->u.placement;
        set_str(v, 6, p->placement_id);
        f = field(v, 7);
        avro_value_set_enum(&f, (int)p->action);
        f = field(v, 8);
        avro_value_set_enum(&f, (int)p->legal_basis);
        f = field(v, 9);
        avro_value_set_enum(&f, (int)p->placement_form);
        f = field(v, 10);
        avro_value_set_int(&f, p->start_date);
        set_opt(v, 11, p->has_end_date, &b);
        if (p->has_end_date)
            avro_value_set_int(&b, p->end_date);
        f = field(v, 12);
        avro_value_set_boolean(&f, p->school_change);
        set_opt(v, 13, p->has_placement_municipality, &b);
        if (p->has_placement_municipality)
            avro_value_set_string_len(&b, p->placement_municipality,
                                      strlen(p->placement_municipality) + 1);
    } else { /* handover */
        const struct hub_handover *h = &ev->u.handover;
        avro_value_t c;
        set_str(v, 6, h->handover_id);
        set_str(v, 7, h->placement_id);
        set_str(v, 8, h->receiving_school_unit);
        set_opt(v, 9, h->has_sending_school_unit, &b);
        if (h->has_sending_school_unit)
            avro_value_set_string_len(&b, h->sending_school_unit,
                                      strlen(h->sending_school_unit) + 1);
        f = field(v, 10);
        avro_value_set_int(&f, h->planned_start_date);
        f = field(v, 11);
        avro_value_set_enum(&f, (int)h->legal_ground);
        c = field(v, 12);
        set_str(&c, 0, h->contact.name);
        set_str(&c, 1, h->contact.role);
        set_str(&c, 2, h->contact.phone);
        set_str(&c, 3, h->contact.email);
        set_opt(v, 13, h->sealed_content != NULL, &b);
        if (h->sealed_content)
            avro_value_set_bytes(&b, h->sealed_content, h->sealed_content_len);
    }
    avro_writer_reset(a->writer);
    if (avro_value_write(a->writer, v))
        die(avro_strerror());
    return (size_t)avro_writer_tell(a->writer);
}

static void avroc_decode(struct avroc *a, size_t len, struct hub_event *ev)
{
    avro_value_t *v = &a->value, f, b;
    int disc, e;
    avro_reader_memory_set_source(a->reader, a->buf, (int64_t)len);
    if (avro_value_read(a->reader, v))
        die(avro_strerror());
    get_common(v, ev);
    if (ev->type == HUB_EV_PLACEMENT) {
        struct hub_placement *p = &ev->u.placement;
        get_str(v, 6, p->placement_id, sizeof p->placement_id);
        f = field(v, 7);
        avro_value_get_enum(&f, &e);
        p->action = (enum hub_placement_action)e;
        f = field(v, 8);
        avro_value_get_enum(&f, &e);
        p->legal_basis = (enum hub_legal_basis)e;
        f = field(v, 9);
        avro_value_get_enum(&f, &e);
        p->placement_form = (enum hub_placement_form)e;
        f = field(v, 10);
        avro_value_get_int(&f, &p->start_date);
        f = field(v, 11);
        avro_value_get_discriminant(&f, &disc);
        p->has_end_date = disc == 1;
        if (disc == 1) {
            avro_value_get_current_branch(&f, &b);
            avro_value_get_int(&b, &p->end_date);
        }
        f = field(v, 12);
        avro_value_get_boolean(&f, &e);
        p->school_change = e != 0;
        f = field(v, 13);
        avro_value_get_discriminant(&f, &disc);
        p->has_placement_municipality = disc == 1;
        if (disc == 1) {
            const char *s;
            size_t n;
            avro_value_get_current_branch(&f, &b);
            avro_value_get_string(&b, &s, &n);
            memcpy(p->placement_municipality, s, n < HUB_KOMMUN_STR ? n : HUB_KOMMUN_STR);
        }
    } else {
        struct hub_handover *h = &ev->u.handover;
        avro_value_t c;
        get_str(v, 6, h->handover_id, sizeof h->handover_id);
        get_str(v, 7, h->placement_id, sizeof h->placement_id);
        get_str(v, 8, h->receiving_school_unit, sizeof h->receiving_school_unit);
        f = field(v, 9);
        avro_value_get_discriminant(&f, &disc);
        h->has_sending_school_unit = disc == 1;
        if (disc == 1) {
            const char *s;
            size_t n;
            avro_value_get_current_branch(&f, &b);
            avro_value_get_string(&b, &s, &n);
            memcpy(h->sending_school_unit, s, n < HUB_SCHOOL_UNIT_STR ? n : HUB_SCHOOL_UNIT_STR);
        }
        f = field(v, 10);
        avro_value_get_int(&f, &h->planned_start_date);
        f = field(v, 11);
        avro_value_get_enum(&f, &e);
        h->legal_ground = (enum hub_legal_ground)e;
        c = field(v, 12);
        get_str(&c, 0, h->contact.name, sizeof h->contact.name);
        get_str(&c, 1, h->contact.role, sizeof h->contact.role);
        get_str(&c, 2, h->contact.phone, sizeof h->contact.phone);
        get_str(&c, 3, h->contact.email, sizeof h->contact.email);
        f = field(v, 13);
        avro_value_get_discriminant(&f, &disc);
        if (disc == 1) {
            const void *p;
            size_t n;
            avro_value_get_current_branch(&f, &b);
            avro_value_get_bytes(&b, &p, &n);
            h->sealed_content = malloc(n ? n : 1);
            if (!h->sealed_content)
                die("out of memory");
            memcpy(h->sealed_content, p, n);
            h->sealed_content_len = n;
        }
    }
}

/* ---- timing ---- */

struct rates {
    double hub_enc, hub_dec, avroc_enc, avroc_dec;
    size_t hub_len, avroc_len;
};

static void bench(hub_codec_t *codec, enum hub_event_type type, double secs, struct rates *r)
{
    struct hub_event ev, out;
    struct hub_error err;
    struct avroc a;
    uint8_t buf[8192];
    size_t len = 0, iters, n;
    double t0, t;
    volatile size_t sink = 0;

    hub_sample_event(&ev, type, 0);
    avroc_init(&a, hub_event_type_name(type));

    /* calibrate: iterations for about `secs` per case, from a short run of our encoder */
    t0 = now();
    for (n = 0; now() - t0 < 0.05; n++)
        if (hub_codec_encode_into(codec, &ev, buf, sizeof buf, &len, &err))
            die(err.msg);
    iters = (size_t)((double)n / 0.05 * secs) + 1;

    t0 = now();
    for (size_t i = 0; i < iters; i++) {
        if (hub_codec_encode_into(codec, &ev, buf, sizeof buf, &len, &err))
            die(err.msg);
        sink += buf[len - 1];
    }
    t = now() - t0;
    r->hub_enc = (double)iters / t;
    r->hub_len = len;

    t0 = now();
    for (size_t i = 0; i < iters; i++) {
        if (hub_codec_decode(codec, buf, len, &out, &err))
            die(err.msg);
        sink += (size_t)out.common.birth_year;
        hub_event_clear(&out);
    }
    t = now() - t0;
    r->hub_dec = (double)iters / t;

    t0 = now();
    for (size_t i = 0; i < iters; i++)
        sink += avroc_encode(&a, &ev);
    t = now() - t0;
    r->avroc_enc = (double)iters / t;
    r->avroc_len = avroc_encode(&a, &ev);

    t0 = now();
    for (size_t i = 0; i < iters; i++) {
        hub_event_init(&out, type);
        avroc_decode(&a, r->avroc_len, &out);
        sink += (size_t)out.common.birth_year;
        hub_event_clear(&out);
    }
    t = now() - t0;
    r->avroc_dec = (double)iters / t;

    /* same bytes on both sides (bar our 10-byte header) */
    if (r->avroc_len + HUB_CODEC_HEADER_LEN != r->hub_len ||
        memcmp(a.buf, buf + HUB_CODEC_HEADER_LEN, r->avroc_len) != 0)
        die("Avro-C and hub bodies differ");
    (void)sink;
    avroc_free(&a);
    hub_event_clear(&ev);
}

int main(int argc, char **argv)
{
    static const enum hub_event_type types[] = {HUB_EV_PLACEMENT, HUB_EV_HANDOVER};
    struct hub_error err;
    hub_codec_t *codec = NULL;
    double secs = 0.5;

    if (argc > 1) {
        char *end;
        secs = strtod(argv[1], &end);
        if (*end || secs <= 0 || secs > 60) {
            fprintf(stderr, "usage: bench_codec [SECONDS_PER_CASE]\n");
            return 2;
        }
    }
    if (hub_codec_new(&codec, &err))
        die(err.msg);
    printf("%-10s %-6s %6s %12s %12s %8s\n", "record", "op", "bytes", "hub msg/s", "avro-c msg/s",
           "ratio");
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        struct rates r;
        const char *name = hub_event_type_name(types[i]);
        bench(codec, types[i], secs, &r);
        printf("%-10s %-6s %6zu %12.0f %12.0f %7.2fx\n", name, "encode", r.hub_len, r.hub_enc,
               r.avroc_enc, r.hub_enc / r.avroc_enc);
        printf("%-10s %-6s %6zu %12.0f %12.0f %7.2fx\n", name, "decode", r.hub_len, r.hub_dec,
               r.avroc_dec, r.hub_dec / r.avroc_dec);
    }
    hub_codec_destroy(codec);
    return 0;
}
