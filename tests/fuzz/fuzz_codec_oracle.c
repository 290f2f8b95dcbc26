/*
 * fuzz_codec_oracle.c — differential fuzz target: our Avro codec against Apache Avro-C 1.11.1 on
 * the same bytes and the same writer schema.
 *
 * Input: the first byte picks one of the schemas compiled into libhub (hub/avro/schemas.h, every
 * schemas/<record>/v<N>.avsc) or, last, a test-only schema of the types they do not use (byte
 * modulo their count); the rest is an Avro binary body written with it (no single-object header).
 *
 * Each input is decoded
 *   - by ours: hub_avro_decode_json (hub/avro/avro_value.c) in the writer's own shape, and, for
 *     records with a C binding, hub_codec_decode (hub/avro/codec.c, the struct path) after the
 *     single-object header of that schema;
 *   - by Avro-C: avro_value_read into a generic value of the same schema.
 *
 * Then:
 *   1. what ours accepts, Avro-C accepts, with equal values: both trees are walked together,
 *      field by field (strings and bytes byte for byte, doubles bit for bit, enums by symbol,
 *      unions by branch);
 *   2. what ours refuses as malformed (truncated, over-long or negative lengths, union index out
 *      of range), Avro-C refuses too, but for the differences below;
 *   3. the reverse: what ours accepted, ours encodes again (hub_avro_encode_json, and
 *      hub_codec_encode from the struct), and those bytes are exactly the bytes Avro-C writes for
 *      its own decoded value, and Avro-C reads them back to an equal value (avro_value_equal);
 *   4. the struct path is never more lenient than the generic one: what hub_codec_decode accepts,
 *      hub_avro_decode_json accepts with nothing left over.
 *
 * Deliberate differences (where Avro-C accepts what we refuse on purpose; each is checked to be
 * the reason rather than assumed):
 *   - trailing bytes: Avro-C reads one value and stops; hub_codec_decode refuses what is left
 *     (HUB_EAVRO_TRAILING). Values are compared on what both read.
 *   - strings and map keys that are not UTF-8, and NaN or infinite floats and doubles: ours
 *     refuses (HUB_EAVRO_VALUE; JSON cannot hold them); Avro-C stores the bytes. Booleans other
 *     than 0 or 1: ours refuses (HUB_EAVRO_VALUE), Avro-C keeps the byte. Checked: the body holds
 *     such a value where Avro-C reads one (from the bytes: Avro-C's own tree may have lost it to a
 *     later duplicate map key).
 *   - a tenth varint byte above 1 (more than 64 bits): ours refuses (HUB_EAVRO_VARINT), Avro-C
 *     drops the excess bits. Checked: the body has nine continuation bytes before a byte > 1.
 *   - the block size after a negative array or map count: Avro-C reads it and ignores it; ours
 *     refuses one that is negative (HUB_EAVRO_NEGLEN) or past the end of the input
 *     (HUB_EAVRO_HUGELEN). Checked: the body has such a block size where Avro-C reads one.
 *   - enum indexes outside the symbols: Avro-C 1.11.1 takes the index unchecked, cut to an int
 *     (HUB_EAVRO_ENUM here). Checked: the body has such an index where Avro-C reads one.
 *   - logical types (uuid, date, timestamp-millis) and the domain rules of the struct path (uuid
 *     form, pseudonym, school unit, birth year, ...): Avro-C ignores them, so a struct-path
 *     refusal is never compared with Avro-C; only its acceptance is (point 4, then 1 and 3).
 *   - map keys holding a NUL byte: Avro-C keeps keys as C strings, cut at the NUL; a map with
 *     such a key is not compared, and the value is only re-encoded and decoded again by ours.
 *     None of our schemas has a map yet; the test-only schema holds maps, fixed and float.
 *
 * Avro-C's own faults on hostile bytes are not ours: it is never given a length it would allocate
 * for nothing (scan_safe), an allocation it cannot make returns NULL here (ASan
 * allocator_may_return_null), and what it leaks is freed after each input (avroc_alloc); our code
 * and this target stay fully checked, leaks included.
 */
#include <avro.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/avro/avro_value.h"
#include "hub/avro/codec.h"
#include "hub/avro/schemas.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

/* ---- Avro-C's memory ----
 *
 * Avro-C 1.11.1 leaks what it allocated for a value when reading fails half-way. Its allocations go
 * through avro_set_allocator() here: each block is kept on a list with the number of the input it
 * was made for, and after each input, once both values are released, what is left of that input's
 * blocks (the leak) is freed. Schemas and classes, made at setup, belong to input 0 and stay. So
 * LeakSanitizer keeps watching our code at full speed, without suppressions. */
union block {
    struct {
        union block *prev, *next;
        unsigned long input;
    } h;
    max_align_t align;
};

static union block blocks = {{&blocks, &blocks, 0}};
static unsigned long input_no;

static void block_link(union block *b)
{
    b->h.prev = &blocks;
    b->h.next = blocks.h.next;
    blocks.h.next->h.prev = b;
    blocks.h.next = b;
}

static void block_unlink(union block *b)
{
    b->h.prev->h.next = b->h.next;
    b->h.next->h.prev = b->h.prev;
}

static void *avroc_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    union block *b = ptr ? (union block *)ptr - 1 : NULL, *nb;
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        if (b)
            block_unlink(b);
        free(b);
        return NULL;
    }
    if (nsize > SIZE_MAX - sizeof *b)
        return NULL;
    if (b)
        block_unlink(b);
    nb = realloc(b, sizeof *nb + nsize);
    if (!nb) {
        if (b)
            block_link(b);
        return NULL;
    }
    if (!b)
        nb->h.input = input_no;
    block_link(nb);
    return nb + 1;
}

/* Frees every block still held from input `n`. */
static void free_leaked(unsigned long n)
{
    union block *b = blocks.h.next, *next;
    for (; b != &blocks; b = next) {
        next = b->h.next;
        if (b->h.input == n) {
            block_unlink(b);
            free(b);
        }
    }
}

struct oracle_schema {
    hub_avro_schema_t *ours;
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value, again; /* made for each input */
    uint8_t header[HUB_CODEC_HEADER_LEN];
    bool bound; /* the record has a C binding (hub_codec_decode applies) */
};

/* The types none of our schemas uses yet (map, fixed, float, a union of containers), so that the
 * generic decoder meets Avro-C on them too. Last in the list, after the compiled-in schemas. */
static const char extra_schema[] =
    "{\"type\":\"record\",\"name\":\"Extra\",\"namespace\":\"test.oracle\",\"fields\":["
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"float\"}},"
    "{\"name\":\"f\",\"type\":{\"type\":\"fixed\",\"name\":\"Three\",\"size\":3}},"
    "{\"name\":\"u\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"Three\"},"
    "{\"type\":\"map\",\"values\":[\"null\",\"long\",\"string\"]}]},"
    "{\"name\":\"b\",\"type\":\"bytes\"},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}},"
    "{\"name\":\"nested\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"map\","
    "\"values\":\"boolean\"}}}]}";

/* made once, lives for the whole run */
static hub_codec_t *codec;
static struct oracle_schema *schemas;
static size_t n_schemas;

static void setup(void)
{
    struct hub_error err;
    avro_set_allocator(avroc_alloc, NULL);
    if (hub_codec_new(&codec, &err) != 0)
        abort();
    n_schemas = hub_schema_texts_count + 1;
    schemas = calloc(n_schemas, sizeof *schemas);
    if (!schemas)
        abort();
    for (size_t i = 0; i < n_schemas; i++) {
        const char *json = i < hub_schema_texts_count ? hub_schema_texts[i].json : extra_schema;
        size_t len = strlen(json);
        struct oracle_schema *s = &schemas[i];
        if (hub_avro_schema_parse(json, len, &s->ours, &err) != 0 ||
            avro_schema_from_json_length(json, len, &s->schema) != 0 ||
            !(s->iface = avro_generic_class_from_schema(s->schema)))
            abort();
        uint64_t fp = hub_avro_schema_fingerprint(s->ours);
        s->header[0] = 0xc3;
        s->header[1] = 0x01;
        for (int b = 0; b < 8; b++)
            s->header[2 + b] = (uint8_t)(fp >> (8 * b));
        for (size_t k = 0; k < hub_codec_schema_count(codec); k++) {
            struct hub_codec_schema_info info;
            hub_codec_schema_info_at(codec, k, &info);
            if (info.fingerprint == fp)
                s->bound = info.type >= 0;
        }
    }
}

/* ---- walking both values ---- */

/* Bytes as our JSON holds them: a string of code points 0-255. */
static bool same_latin1(const json_t *j, const uint8_t *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)json_string_value(j);
    size_t len = json_string_length(j), k = 0;
    if (!s)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x80) {
            if (k >= len || s[k++] != p[i])
                return false;
        } else if (k + 1 >= len || s[k] != (0xc0 | (p[i] >> 6)) ||
                   s[k + 1] != (0x80 | (p[i] & 0x3f))) {
            return false;
        } else {
            k += 2;
        }
    }
    return k == len;
}

/* True when our JSON value `j` and Avro-C's value `v` of schema node `n` are equal. */
static bool same(const json_t *j, avro_value_t *v, const struct hub_avro_node *n, int depth)
{
    if (depth > HUB_AVRO_MAX_DEPTH + 2)
        return false;
    switch (n->type) {
    case HUB_AVRO_NULL:
        return json_is_null(j) && avro_value_get_null(v) == 0;
    case HUB_AVRO_BOOLEAN: {
        int b;
        return json_is_boolean(j) && avro_value_get_boolean(v, &b) == 0 &&
               (b != 0) == json_is_true(j);
    }
    case HUB_AVRO_INT: {
        int32_t x;
        return json_is_integer(j) && avro_value_get_int(v, &x) == 0 && json_integer_value(j) == x;
    }
    case HUB_AVRO_LONG: {
        int64_t x;
        return json_is_integer(j) && avro_value_get_long(v, &x) == 0 && json_integer_value(j) == x;
    }
    case HUB_AVRO_FLOAT:
    case HUB_AVRO_DOUBLE: {
        double d = 0, ours = json_real_value(j);
        float f;
        if (!json_is_real(j))
            return false;
        if (n->type == HUB_AVRO_FLOAT) {
            if (avro_value_get_float(v, &f) != 0)
                return false;
            d = f;
        } else if (avro_value_get_double(v, &d) != 0) {
            return false;
        }
        return memcmp(&d, &ours, sizeof d) == 0; /* bit for bit: -0.0 is not 0.0 */
    }
    case HUB_AVRO_STRING: {
        const char *p;
        size_t sz;
        if (!json_is_string(j) || avro_value_get_string(v, &p, &sz) != 0 || sz == 0)
            return false;
        /* Avro-C's size counts the NUL it adds */
        return json_string_length(j) == sz - 1 && memcmp(json_string_value(j), p, sz - 1) == 0;
    }
    case HUB_AVRO_BYTES:
    case HUB_AVRO_FIXED: {
        const void *p;
        size_t sz;
        int rc = n->type == HUB_AVRO_BYTES ? avro_value_get_bytes(v, &p, &sz)
                                           : avro_value_get_fixed(v, &p, &sz);
        return rc == 0 && same_latin1(j, p, sz);
    }
    case HUB_AVRO_ENUM: {
        int idx;
        return json_is_string(j) && avro_value_get_enum(v, &idx) == 0 && idx >= 0 &&
               (size_t)idx < n->n_symbols && strcmp(json_string_value(j), n->symbols[idx]) == 0;
    }
    case HUB_AVRO_RECORD: {
        size_t sz;
        if (!json_is_object(j) || json_object_size(j) != n->n_fields ||
            avro_value_get_size(v, &sz) != 0 || sz != n->n_fields)
            return false;
        for (size_t i = 0; i < n->n_fields; i++) {
            avro_value_t child;
            const json_t *jc = json_object_get(j, n->fields[i].name);
            if (!jc || avro_value_get_by_index(v, i, &child, NULL) != 0 ||
                !same(jc, &child, n->fields[i].type, depth + 1))
                return false;
        }
        return true;
    }
    case HUB_AVRO_ARRAY: {
        size_t sz;
        if (!json_is_array(j) || avro_value_get_size(v, &sz) != 0 || sz != json_array_size(j))
            return false;
        for (size_t i = 0; i < sz; i++) {
            avro_value_t child;
            if (avro_value_get_by_index(v, i, &child, NULL) != 0 ||
                !same(json_array_get(j, i), &child, n->items, depth + 1))
                return false;
        }
        return true;
    }
    case HUB_AVRO_MAP: {
        size_t sz;
        const char *k;
        json_t *jv;
        if (!json_is_object(j) || avro_value_get_size(v, &sz) != 0)
            return false;
        json_object_foreach((json_t *)j, k, jv)
        {
            if (strlen(k) != json_object_iter_key_len(json_object_key_to_iter(k)))
                return true; /* a key holding a NUL: Avro-C cuts it there (see the header) */
        }
        if (json_object_size(j) != sz)
            return false;
        for (size_t i = 0; i < sz; i++) {
            avro_value_t child;
            const char *key;
            if (avro_value_get_by_index(v, i, &child, &key) != 0)
                return false;
            const json_t *jc = json_object_get(j, key);
            if (!jc || !same(jc, &child, n->items, depth + 1))
                return false;
        }
        return true;
    }
    case HUB_AVRO_UNION: {
        int d;
        avro_value_t branch;
        if (avro_value_get_discriminant(v, &d) != 0 || d < 0 || (size_t)d >= n->n_branches ||
            avro_value_get_current_branch(v, &branch) != 0)
            return false;
        return same(j, &branch, n->branches[d], depth + 1);
    }
    }
    return false;
}

/* Nine bytes with the continuation bit, then a tenth above 1: a varint of more than 64 bits. */
static bool has_overlong_varint(const uint8_t *p, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (run >= 9 && p[i] > 1)
            return true;
        run = (p[i] & 0x80) ? run + 1 : 0;
    }
    return false;
}

/* ---- what Avro-C can be given ---- */

/* Avro-C 1.11.1 allocates a string's or bytes' declared length before it looks at what is left of
 * the input (a five-byte length asks for 2 GiB), and an array of zero-byte items loops over its
 * declared count. scan_safe() walks a value the way Avro-C reads it (no domain checks, varints as
 * it reads them) and says false when it would hit either; such input is not given to Avro-C, and
 * ours must refuse it (HUB_EAVRO_HUGELEN). Input that merely ends early is safe: Avro-C stops at
 * the end. */
#define AVROC_ALLOC_MAX (1u << 20)

struct scan {
    const uint8_t *p, *end;
    bool stopped;        /* Avro-C stops reading here (an error it reports) */
    bool bad_block_size; /* a block size (after a negative count) < 0 or past the input */
    bool bad_enum;       /* an enum index outside the symbols */
    bool bad_value;      /* a string or map key not UTF-8, a NaN or infinity, a boolean not 0/1 */
};

/* Whether n bytes at p are text our decoder takes (jansson's UTF-8 rules, NUL allowed). */
static bool text_ok(const uint8_t *p, size_t n)
{
    json_t *j = json_stringn((const char *)p, n);
    json_decref(j);
    return j != NULL;
}

static bool scan_varint(struct scan *s, int64_t *out)
{
    uint64_t u = 0;
    for (int i = 0; i < 10; i++) {
        if (s->p == s->end)
            break;
        uint8_t b = *s->p++;
        u |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
            return true;
        }
    }
    s->stopped = true; /* truncated, or an eleventh byte */
    return false;
}

static bool scan_skip(struct scan *s, uint64_t n)
{
    if ((uint64_t)(s->end - s->p) < n) {
        s->stopped = true;
        return false;
    }
    s->p += n;
    return true;
}

/* A string's or bytes' length: false when Avro-C would allocate it for nothing. */
static bool scan_bytes(struct scan *s, bool is_text)
{
    int64_t len;
    if (!scan_varint(s, &len))
        return true;
    if (len < 0) {
        s->stopped = true;
        return true;
    }
    if ((uint64_t)len > (uint64_t)(s->end - s->p) && (uint64_t)len > AVROC_ALLOC_MAX)
        return false;
    if (is_text && (uint64_t)len <= (uint64_t)(s->end - s->p) && !text_ok(s->p, (size_t)len))
        s->bad_value = true;
    (void)scan_skip(s, (uint64_t)len);
    return true;
}

static bool scan_safe(struct scan *s, const struct hub_avro_node *n, int depth)
{
    int64_t v;
    if (s->stopped || depth > HUB_AVRO_MAX_DEPTH)
        return true;
    switch (n->type) {
    case HUB_AVRO_NULL:
        return true;
    case HUB_AVRO_BOOLEAN:
        if (s->p<s->end && * s->p> 1)
            s->bad_value = true; /* Avro-C keeps the byte */
        (void)scan_skip(s, 1);
        return true;
    case HUB_AVRO_INT:
    case HUB_AVRO_LONG:
    case HUB_AVRO_ENUM:
        if (scan_varint(s, &v) && n->type == HUB_AVRO_INT && (v < INT32_MIN || v > INT32_MAX))
            s->stopped = true;
        else if (!s->stopped && n->type == HUB_AVRO_ENUM && (v < 0 || (uint64_t)v >= n->n_symbols))
            s->bad_enum = true; /* Avro-C takes it (cut to an int) */
        return true;
    case HUB_AVRO_FLOAT:
    case HUB_AVRO_DOUBLE: {
        const uint8_t *p = s->p;
        if (n->type == HUB_AVRO_FLOAT && scan_skip(s, 4)) {
            float f;
            memcpy(&f, p, 4); /* little-endian, as this machine */
            s->bad_value |= !isfinite(f);
        } else if (n->type == HUB_AVRO_DOUBLE && scan_skip(s, 8)) {
            double d;
            memcpy(&d, p, 8);
            s->bad_value |= !isfinite(d);
        }
        return true;
    }
    case HUB_AVRO_FIXED:
        (void)scan_skip(s, n->size);
        return true;
    case HUB_AVRO_STRING:
    case HUB_AVRO_BYTES:
        return scan_bytes(s, n->type == HUB_AVRO_STRING);
    case HUB_AVRO_RECORD:
        for (size_t i = 0; i < n->n_fields && !s->stopped; i++)
            if (!scan_safe(s, n->fields[i].type, depth + 1))
                return false;
        return true;
    case HUB_AVRO_UNION:
        if (scan_varint(s, &v) && (v < 0 || (uint64_t)v >= n->n_branches))
            s->stopped = true;
        return s->stopped || scan_safe(s, n->branches[v], depth + 1);
    case HUB_AVRO_ARRAY:
    case HUB_AVRO_MAP:
        while (!s->stopped && scan_varint(s, &v) && v != 0) {
            int64_t block_size;
            if (v == INT64_MIN)
                return false;
            if (v < 0) {
                v = -v;
                if (!scan_varint(s, &block_size))
                    return true;
                if (block_size < 0 || (uint64_t)block_size > (uint64_t)(s->end - s->p))
                    s->bad_block_size = true; /* Avro-C reads it and goes on */
            }
            if (n->items->min_size == 0 && n->type == HUB_AVRO_ARRAY && v > 4096)
                return false;
            for (int64_t i = 0; i < v && !s->stopped; i++)
                if ((n->type == HUB_AVRO_MAP && !scan_bytes(s, true)) ||
                    !scan_safe(s, n->items, depth + 1))
                    return false;
        }
        return true;
    }
    return true;
}

/* True when an object in `j` has a key holding a NUL (only map keys can: field names cannot). */
static bool has_nul_key(const json_t *j, int depth)
{
    const char *k;
    json_t *v;
    if (depth > HUB_AVRO_MAX_DEPTH + 2)
        return false;
    if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++)
            if (has_nul_key(json_array_get(j, i), depth + 1))
                return true;
        return false;
    }
    json_object_foreach((json_t *)j, k, v)
    {
        if (strlen(k) != json_object_iter_key_len(json_object_key_to_iter(k)) ||
            has_nul_key(v, depth + 1))
            return true;
    }
    return false;
}

/* ---- Avro-C ---- */

static int avroc_read(avro_value_t *v, const uint8_t *p, size_t n)
{
    avro_reader_t r = avro_reader_memory((const char *)p, (int64_t)n);
    int rc;
    if (!r)
        abort();
    avro_value_reset(v);
    rc = avro_value_read(r, v);
    avro_reader_free(r);
    return rc;
}

/* Avro-C's encoding of `v` into a new buffer of *len bytes. */
static uint8_t *avroc_write(avro_value_t *v, size_t *len)
{
    avro_writer_t w;
    uint8_t *buf;
    if (avro_value_sizeof(v, len) != 0 || !(buf = malloc(*len ? *len : 1)))
        abort();
    w = avro_writer_memory((const char *)buf, (int64_t)*len);
    if (!w || avro_value_write(w, v) != 0 || (size_t)avro_writer_tell(w) != *len)
        abort();
    avro_writer_free(w);
    return buf;
}

/* Our bytes `p` (n) must be exactly Avro-C's encoding of `s->value`, and read back by Avro-C to an
 * equal value. */
static void check_reverse(struct oracle_schema *s, const uint8_t *p, size_t n)
{
    size_t len;
    uint8_t *theirs = avroc_write(&s->value, &len);
    if (len != n || memcmp(theirs, p, n) != 0)
        abort(); /* our encoder and Avro-C's write different bytes for one value */
    free(theirs);
    if (avroc_read(&s->again, p, n) != 0 || !avro_value_equal(&s->value, &s->again))
        abort();
}

/* ---- the target ---- */

static void check_struct_path(struct oracle_schema *s, const uint8_t *body, size_t n,
                              bool generic_ok)
{
    struct hub_error err;
    struct hub_event ev;
    uint8_t *msg = malloc(HUB_CODEC_HEADER_LEN + n), *out = NULL;
    size_t out_len = 0;
    if (!msg)
        abort();
    memcpy(msg, s->header, HUB_CODEC_HEADER_LEN);
    if (n)
        memcpy(msg + HUB_CODEC_HEADER_LEN, body, n);
    if (hub_codec_decode(codec, msg, HUB_CODEC_HEADER_LEN + n, &ev, &err) == 0) {
        if (!generic_ok)
            abort(); /* the struct path accepted what the generic path refuses */
        if (hub_codec_encode(codec, &ev, &out, &out_len, &err) != 0 ||
            out_len < HUB_CODEC_HEADER_LEN || memcmp(out, s->header, HUB_CODEC_HEADER_LEN) != 0)
            abort();
        check_reverse(s, out + HUB_CODEC_HEADER_LEN, out_len - HUB_CODEC_HEADER_LEN);
        free(out);
        hub_event_clear(&ev);
    }
    free(msg);
}

/* Decodes `body` (n bytes) of schema `s` with both and compares (see the header). */
static void check(struct oracle_schema *s, const uint8_t *body, size_t n)
{
    struct hub_error err;
    struct hub_avro_reader r;
    struct hub_avro_writer w;
    json_t *ours = NULL;
    const struct hub_avro_node *root = hub_avro_schema_root(s->ours);

    hub_avro_reader_init(&r, body, n);
    int rc_ours = hub_avro_decode_json(root, NULL, &r, &ours, &err);
    bool whole = rc_ours == 0 && hub_avro_reader_left(&r) == 0;
    struct scan sc = {body, body + n, false, false, false, false};
    if (!scan_safe(&sc, root, 0)) {
        if (rc_ours == 0)
            abort(); /* a length past the input that ours did not refuse */
        if (s->bound)
            check_struct_path(s, body, n, whole);
        return;
    }
    int rc_theirs = avroc_read(&s->value, body, n);

    if (rc_ours == 0) {
        if (rc_theirs != 0 || !same(ours, &s->value, root, 0))
            abort(); /* Avro-C refuses what we accept, or reads another value */
        hub_avro_writer_init_heap(&w, 0);
        if (hub_avro_encode_json(root, ours, &w, &err) != 0 || w.err)
            abort(); /* what we decode we must be able to encode */
        if (has_nul_key(ours, 0)) {
            /* Avro-C holds another map (see the header): our own round trip, at least */
            /* (bytes, not json_equal, which looks keys up up to their first NUL) */
            json_t *again = NULL;
            struct hub_avro_writer w2;
            hub_avro_reader_init(&r, w.buf, w.len);
            if (hub_avro_decode_json(root, NULL, &r, &again, &err) != 0 ||
                hub_avro_reader_left(&r) != 0)
                abort();
            hub_avro_writer_init_heap(&w2, 0);
            if (hub_avro_encode_json(root, again, &w2, &err) != 0 || w2.err || w2.len != w.len ||
                memcmp(w2.buf, w.buf, w.len) != 0)
                abort();
            hub_avro_writer_free(&w2);
            json_decref(again);
        } else {
            check_reverse(s, w.buf, w.len);
        }
        hub_avro_writer_free(&w);
        json_decref(ours);
    } else if (rc_theirs == 0) {
        /* Avro-C accepts what we refuse: only for a reason of the header, and that one checked */
        bool why;
        switch (rc_ours) {
        case HUB_EAVRO_VALUE:
            why = sc.bad_value;
            break;
        case HUB_EAVRO_ENUM:
            why = sc.bad_enum;
            break;
        case HUB_EAVRO_VARINT:
            why = has_overlong_varint(body, n);
            break;
        case HUB_EAVRO_NEGLEN:
        case HUB_EAVRO_HUGELEN:
            why = sc.bad_block_size;
            break;
        default:
            why = rc_ours == HUB_ENOMEM; /* TRUNCATED, UNION: Avro-C must agree */
            break;
        }
        if (!why)
            abort();
    }
    if (s->bound)
        check_struct_path(s, body, n, whole);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!codec)
        setup();
    if (size == 0)
        return 0;
    struct oracle_schema *s = &schemas[data[0] % n_schemas];
    input_no++;
    if (avro_generic_value_new(s->iface, &s->value) != 0 ||
        avro_generic_value_new(s->iface, &s->again) != 0)
        abort();
    check(s, data + 1, size - 1);
    avro_value_decref(&s->again);
    avro_value_decref(&s->value);
    free_leaked(input_no);
    return 0;
}
