/* avro_value.c — generic Avro binary ⇄ JSON values driven by parsed schemas (see avro_value.h). */
#include "hub/avro/avro_value.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_LEN 256

struct vctx {
    struct hub_avro_reader *r;
    struct hub_error *err;
    size_t empty_items; /* zero-byte items seen so far, across arrays and maps */
    char path[PATH_LEN];
    size_t path_len;
};

static size_t vpath_push(struct vctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static size_t vpath_push(struct vctx *c, const char *fmt, ...)
{
    size_t old = c->path_len;
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(c->path + old, sizeof c->path - old, fmt, ap);
    va_end(ap);
    if (n > 0)
        c->path_len = old + (size_t)n < sizeof c->path ? old + (size_t)n : sizeof c->path - 1;
    return old;
}

static void vpath_pop(struct vctx *c, size_t old)
{
    c->path_len = old;
    c->path[old] = '\0';
}

static int vfail(struct vctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int vfail(struct vctx *c, int code, const char *fmt, ...)
{
    char msg[HUB_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->r)
        return hub_error_set(c->err, code, "%s: %s (at byte %zu)", c->path_len ? c->path : "value",
                             msg, hub_avro_reader_offset(c->r));
    return hub_error_set(c->err, code, "%s: %s", c->path_len ? c->path : "value", msg);
}

static int read_fail(struct vctx *c, int rc)
{
    return vfail(c, rc, "%s", hub_avro_read_strerror(rc));
}

static const char *type_label(const struct hub_avro_node *n)
{
    return n->fullname ? n->fullname : hub_avro_type_name(n->type);
}

/* ---- skipping ---- */

static int skip(struct vctx *c, const struct hub_avro_node *w, int depth)
{
    struct hub_avro_reader *r = c->r;
    const uint8_t *p;
    size_t n, i;
    int64_t v;
    int rc;

    if (depth > HUB_AVRO_MAX_DEPTH)
        return vfail(c, HUB_EAVRO_VALUE, "nesting deeper than %d", HUB_AVRO_MAX_DEPTH);
    switch (w->type) {
    case HUB_AVRO_NULL:
        return 0;
    case HUB_AVRO_BOOLEAN: {
        bool b;
        rc = hub_avro_read_bool(r, &b);
        return rc ? read_fail(c, rc) : 0;
    }
    case HUB_AVRO_INT:
    case HUB_AVRO_LONG:
    case HUB_AVRO_ENUM:
        rc = hub_avro_read_long(r, &v);
        if (rc)
            return read_fail(c, rc);
        if (w->type == HUB_AVRO_INT && (v < INT32_MIN || v > INT32_MAX))
            return read_fail(c, HUB_EAVRO_VARINT);
        if (w->type == HUB_AVRO_ENUM && (v < 0 || (uint64_t)v >= w->n_symbols))
            return vfail(c, HUB_EAVRO_ENUM, "enum %s: index %lld out of range (%zu symbols)",
                         w->fullname, (long long)v, w->n_symbols);
        return 0;
    case HUB_AVRO_FLOAT:
    case HUB_AVRO_DOUBLE:
    case HUB_AVRO_FIXED:
        n = w->type == HUB_AVRO_FLOAT ? 4 : w->type == HUB_AVRO_DOUBLE ? 8 : w->size;
        rc = hub_avro_read_raw(r, n, &p);
        return rc ? read_fail(c, rc) : 0;
    case HUB_AVRO_BYTES:
    case HUB_AVRO_STRING:
        rc = hub_avro_read_bytes(r, &p, &n);
        return rc ? read_fail(c, rc) : 0;
    case HUB_AVRO_RECORD:
        for (i = 0; i < w->n_fields; i++) {
            rc = skip(c, w->fields[i].type, depth + 1);
            if (rc)
                return rc;
        }
        return 0;
    case HUB_AVRO_UNION:
        rc = hub_avro_read_long(r, &v);
        if (rc)
            return read_fail(c, rc);
        if (v < 0 || (uint64_t)v >= w->n_branches)
            return vfail(c, HUB_EAVRO_UNION, "union index %lld out of range (%zu branches)",
                         (long long)v, w->n_branches);
        return skip(c, w->branches[v], depth + 1);
    case HUB_AVRO_ARRAY:
    case HUB_AVRO_MAP: {
        size_t item_min = w->items->min_size + (w->type == HUB_AVRO_MAP ? 1 : 0);
        for (;;) {
            rc = hub_avro_read_block_count(r, item_min, HUB_AVRO_MAX_EMPTY_ITEMS - c->empty_items,
                                           &n);
            if (rc)
                return read_fail(c, rc);
            if (n == 0)
                return 0;
            if (item_min == 0)
                c->empty_items += n;
            for (i = 0; i < n; i++) {
                if (w->type == HUB_AVRO_MAP) {
                    size_t key_len;
                    rc = hub_avro_read_bytes(r, &p, &key_len);
                    if (rc)
                        return read_fail(c, rc);
                }
                rc = skip(c, w->items, depth + 1);
                if (rc)
                    return rc;
            }
        }
    }
    }
    return vfail(c, HUB_EINTERNAL, "unknown schema type");
}

int hub_avro_skip(const struct hub_avro_node *w, struct hub_avro_reader *r, struct hub_error *err)
{
    struct vctx c;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.err = err;
    return skip(&c, w, 0);
}

/* ---- bytes as JSON strings of code points 0-255 ---- */

static json_t *latin1_json(const uint8_t *p, size_t n)
{
    char *s = malloc(n * 2 + 1);
    size_t k = 0;
    json_t *j;
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x80) {
            s[k++] = (char)p[i];
        } else {
            s[k++] = (char)(0xc0 | (p[i] >> 6));
            s[k++] = (char)(0x80 | (p[i] & 0x3f));
        }
    }
    j = json_stringn_nocheck(s, k);
    free(s);
    return j;
}

/* Converts a JSON string of code points 0-255 to bytes in `out` (at least as long as the UTF-8
 * text); returns the byte count or -1 if a code point is above 255. */
static long latin1_bytes(const char *s, size_t n, uint8_t *out)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (u[i] < 0x80) {
            out[k++] = u[i];
        } else if ((u[i] == 0xc2 || u[i] == 0xc3) && i + 1 < n && (u[i + 1] & 0xc0) == 0x80) {
            out[k++] = (uint8_t)(((u[i] & 0x1f) << 6) | (u[i + 1] & 0x3f));
            i++;
        } else {
            return -1;
        }
    }
    return (long)k;
}

/* ---- decoding ---- */

static int dec(struct vctx *c, const struct hub_avro_node *w, const struct hub_avro_node *rd,
               json_t **out, int depth);

static int dec_record(struct vctx *c, const struct hub_avro_node *w, const struct hub_avro_node *rd,
                      json_t **out, int depth)
{
    json_t **vals = NULL, *obj = NULL;
    size_t i, k;
    int rc = 0;

    if (rd->n_fields) {
        vals = calloc(rd->n_fields, sizeof *vals);
        if (!vals)
            return vfail(c, HUB_ENOMEM, "out of memory");
    }
    for (i = 0; i < w->n_fields; i++) {
        const struct hub_avro_field *wf = &w->fields[i];
        size_t mark = vpath_push(c, "%s%s", c->path_len ? "." : "", wf->name);
        size_t found = rd->n_fields;
        for (k = 0; k < rd->n_fields && found == rd->n_fields; k++) {
            if (strcmp(rd->fields[k].name, wf->name) == 0)
                found = k;
            for (size_t a = 0; a < rd->fields[k].n_aliases && found == rd->n_fields; a++)
                if (strcmp(rd->fields[k].aliases[a], wf->name) == 0)
                    found = k;
        }
        if (found < rd->n_fields && !vals[found])
            rc = dec(c, wf->type, rd->fields[found].type, &vals[found], depth + 1);
        else
            rc = skip(c, wf->type, depth + 1);
        if (rc)
            goto out;
        vpath_pop(c, mark);
    }
    obj = json_object();
    if (!obj) {
        rc = vfail(c, HUB_ENOMEM, "out of memory");
        goto out;
    }
    for (k = 0; k < rd->n_fields; k++) {
        json_t *v = vals[k];
        vals[k] = NULL;
        if (!v) {
            if (!rd->fields[k].default_value) {
                rc = vfail(c, HUB_EAVRO_SCHEMA, "reader field '%s' has no value and no default",
                           rd->fields[k].name);
                goto out;
            }
            v = json_deep_copy(rd->fields[k].default_value);
        }
        if (!v || json_object_set_new(obj, rd->fields[k].name, v)) {
            rc = vfail(c, HUB_ENOMEM, "out of memory");
            goto out;
        }
    }
    *out = obj;
    obj = NULL;
out:
    if (vals)
        for (k = 0; k < rd->n_fields; k++)
            json_decref(vals[k]);
    free(vals);
    json_decref(obj);
    return rc;
}

static int dec_items(struct vctx *c, const struct hub_avro_node *w, const struct hub_avro_node *rd,
                     json_t **out, int depth)
{
    bool is_map = w->type == HUB_AVRO_MAP;
    size_t item_min = w->items->min_size + (is_map ? 1 : 0), n, i, index = 0;
    json_t *coll = is_map ? json_object() : json_array();
    int rc;

    if (!coll)
        return vfail(c, HUB_ENOMEM, "out of memory");
    for (;;) {
        rc = hub_avro_read_block_count(c->r, item_min, HUB_AVRO_MAX_EMPTY_ITEMS - c->empty_items,
                                       &n);
        if (rc) {
            rc = read_fail(c, rc);
            goto fail;
        }
        if (n == 0)
            break;
        if (item_min == 0)
            c->empty_items += n;
        for (i = 0; i < n; i++, index++) {
            const uint8_t *key = NULL;
            size_t key_len = 0, mark;
            json_t *v = NULL;
            if (is_map) {
                rc = hub_avro_read_bytes(c->r, &key, &key_len);
                if (rc) {
                    rc = read_fail(c, rc);
                    goto fail;
                }
                mark = vpath_push(c, "[\"%.*s\"]", (int)(key_len > 40 ? 40 : key_len),
                                  (const char *)key);
            } else {
                mark = vpath_push(c, "[%zu]", index);
            }
            rc = dec(c, w->items, rd->items, &v, depth + 1);
            if (rc)
                goto fail;
            if (is_map ? json_object_setn_new(coll, (const char *)key, key_len, v)
                       : json_array_append_new(coll, v)) {
                rc = vfail(c, is_map ? HUB_EAVRO_VALUE : HUB_ENOMEM,
                           is_map ? "map key is not UTF-8" : "out of memory");
                goto fail;
            }
            vpath_pop(c, mark);
        }
    }
    *out = coll;
    return 0;
fail:
    json_decref(coll);
    return rc;
}

/* int, long, float, double; promoted to what the reader declares (int → long, float, double). */
static int dec_number(struct vctx *c, const struct hub_avro_node *w, const struct hub_avro_node *rd,
                      json_t **j)
{
    int64_t v;
    double d;
    int rc;

    if (w->type == HUB_AVRO_INT || w->type == HUB_AVRO_LONG) {
        rc = hub_avro_read_long(c->r, &v);
        if (rc)
            return read_fail(c, rc);
        if (w->type == HUB_AVRO_INT && (v < INT32_MIN || v > INT32_MAX))
            return read_fail(c, HUB_EAVRO_VARINT);
        if (rd->type == HUB_AVRO_INT || rd->type == HUB_AVRO_LONG) {
            *j = json_integer((json_int_t)v);
            return 0;
        }
        d = (double)v;
    } else {
        if (w->type == HUB_AVRO_FLOAT) {
            float f;
            rc = hub_avro_read_float(c->r, &f);
            d = f;
        } else {
            rc = hub_avro_read_double(c->r, &d);
        }
        if (rc)
            return read_fail(c, rc);
    }
    if (!isfinite(d))
        return vfail(c, HUB_EAVRO_VALUE, "NaN or infinity has no JSON form");
    *j = json_real(d);
    return 0;
}

/* string, bytes, fixed: a string read as a string must be UTF-8; bytes become code points. */
static int dec_text(struct vctx *c, const struct hub_avro_node *w, const struct hub_avro_node *rd,
                    json_t **j)
{
    const uint8_t *p;
    size_t n;
    int rc;

    if (w->type == HUB_AVRO_FIXED)
        rc = hub_avro_read_raw(c->r, n = w->size, &p);
    else
        rc = hub_avro_read_bytes(c->r, &p, &n);
    if (rc)
        return read_fail(c, rc);
    if (rd->type == HUB_AVRO_STRING) {
        *j = json_stringn((const char *)p, n);
        if (!*j)
            return vfail(c, HUB_EAVRO_VALUE, "string is not valid UTF-8");
    } else {
        *j = latin1_json(p, n);
    }
    return 0;
}

/* A symbol the reader does not know becomes the reader's default, if it has one. */
static int dec_enum(struct vctx *c, const struct hub_avro_node *w, const struct hub_avro_node *rd,
                    json_t **j)
{
    const char *sym;
    int64_t v;
    int rc = hub_avro_read_long(c->r, &v);
    if (rc)
        return read_fail(c, rc);
    if (v < 0 || (uint64_t)v >= w->n_symbols)
        return vfail(c, HUB_EAVRO_ENUM, "enum %s: index %lld out of range (%zu symbols)",
                     w->fullname, (long long)v, w->n_symbols);
    sym = w->symbols[v];
    if (hub_avro_enum_index(rd, sym) < 0) {
        if (!rd->enum_default)
            return vfail(c, HUB_EAVRO_ENUM, "enum %s: symbol '%s' unknown to the reader",
                         rd->fullname, sym);
        sym = rd->enum_default;
    }
    *j = json_string(sym);
    return 0;
}

static int dec(struct vctx *c, const struct hub_avro_node *w, const struct hub_avro_node *rd,
               json_t **out, int depth)
{
    int64_t v;
    int rc = 0;
    json_t *j = NULL;

    if (depth > HUB_AVRO_MAX_DEPTH)
        return vfail(c, HUB_EAVRO_VALUE, "nesting deeper than %d", HUB_AVRO_MAX_DEPTH);
    if (w->type == HUB_AVRO_UNION) {
        rc = hub_avro_read_long(c->r, &v);
        if (rc)
            return read_fail(c, rc);
        if (v < 0 || (uint64_t)v >= w->n_branches)
            return vfail(c, HUB_EAVRO_UNION, "union index %lld out of range (%zu branches)",
                         (long long)v, w->n_branches);
        return dec(c, w->branches[v], rd, out, depth + 1);
    }
    if (rd->type == HUB_AVRO_UNION) {
        int k = hub_avro_union_pick(rd, w);
        if (k < 0)
            return vfail(c, HUB_EAVRO_SCHEMA, "the reader's union cannot hold the writer's %s",
                         type_label(w));
        rd = rd->branches[k];
    }
    if (!hub_avro_node_matches(rd, w))
        return vfail(c, HUB_EAVRO_SCHEMA, "the writer's %s cannot be read as %s", type_label(w),
                     type_label(rd));

    switch (w->type) {
    case HUB_AVRO_NULL:
        j = json_null();
        break;
    case HUB_AVRO_BOOLEAN: {
        bool b;
        rc = hub_avro_read_bool(c->r, &b);
        if (rc)
            return read_fail(c, rc);
        j = json_boolean(b);
        break;
    }
    case HUB_AVRO_INT:
    case HUB_AVRO_LONG:
    case HUB_AVRO_FLOAT:
    case HUB_AVRO_DOUBLE:
        rc = dec_number(c, w, rd, &j);
        break;
    case HUB_AVRO_STRING:
    case HUB_AVRO_BYTES:
    case HUB_AVRO_FIXED:
        rc = dec_text(c, w, rd, &j);
        break;
    case HUB_AVRO_ENUM:
        rc = dec_enum(c, w, rd, &j);
        break;
    case HUB_AVRO_RECORD:
        return dec_record(c, w, rd, out, depth);
    case HUB_AVRO_ARRAY:
    case HUB_AVRO_MAP:
        return dec_items(c, w, rd, out, depth);
    case HUB_AVRO_UNION:
        break; /* handled above */
    }
    if (rc)
        return rc;
    if (!j)
        return vfail(c, HUB_ENOMEM, "out of memory");
    *out = j;
    return 0;
}

int hub_avro_decode_json(const struct hub_avro_node *writer, const struct hub_avro_node *reader,
                         struct hub_avro_reader *r, json_t **out, struct hub_error *err)
{
    struct vctx c;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.err = err;
    *out = NULL;
    return dec(&c, writer, reader ? reader : writer, out, 0);
}

/* ---- encoding ---- */

/* Whether `v` can be encoded as `s`: the rules of a default (hub_avro_default_valid), except that
 * a union anywhere inside takes a value of any of its branches, not only of the first. */
static bool fits(const struct hub_avro_node *s, const json_t *v, int depth)
{
    const char *key;
    json_t *val;
    size_t i;
    if (depth > HUB_AVRO_MAX_DEPTH)
        return false;
    switch (s->type) {
    case HUB_AVRO_UNION:
        for (i = 0; i < s->n_branches; i++)
            if (fits(s->branches[i], v, depth + 1))
                return true;
        return false;
    case HUB_AVRO_ARRAY:
        if (!json_is_array(v))
            return false;
        for (i = 0; i < json_array_size(v); i++)
            if (!fits(s->items, json_array_get(v, i), depth + 1))
                return false;
        return true;
    case HUB_AVRO_MAP:
        if (!json_is_object(v))
            return false;
        json_object_foreach((json_t *)v, key, val)
        {
            if (!fits(s->items, val, depth + 1))
                return false;
        }
        return true;
    case HUB_AVRO_RECORD:
        if (!json_is_object(v))
            return false;
        for (i = 0; i < s->n_fields; i++) {
            const json_t *fv = json_object_get(v, s->fields[i].name);
            if (fv ? !fits(s->fields[i].type, fv, depth + 1) : !s->fields[i].default_value)
                return false;
        }
        return true;
    default:
        return hub_avro_default_valid(s, v);
    }
}

static int enc(struct vctx *c, const struct hub_avro_node *s, const json_t *v,
               struct hub_avro_writer *w, int depth);

static int mismatch(struct vctx *c, const struct hub_avro_node *s)
{
    return vfail(c, HUB_EAVRO_VALUE, "value does not fit %s", type_label(s));
}

/* bytes and fixed: a JSON string of code points U+0000..U+00FF, one per byte. */
static int enc_bytes(struct vctx *c, const struct hub_avro_node *s, const json_t *v,
                     struct hub_avro_writer *w)
{
    uint8_t *tmp;
    long k;
    if (!json_is_string(v))
        return mismatch(c, s);
    tmp = malloc(json_string_length(v) + 1);
    if (!tmp)
        return vfail(c, HUB_ENOMEM, "out of memory");
    k = latin1_bytes(json_string_value(v), json_string_length(v), tmp);
    if (k < 0 || (s->type == HUB_AVRO_FIXED && (size_t)k != s->size)) {
        free(tmp);
        return mismatch(c, s);
    }
    if (s->type == HUB_AVRO_BYTES)
        hub_avro_write_bytes(w, tmp, (size_t)k);
    else
        hub_avro_write_raw(w, tmp, (size_t)k);
    free(tmp);
    return 0;
}

static int enc_array(struct vctx *c, const struct hub_avro_node *s, const json_t *v,
                     struct hub_avro_writer *w, int depth)
{
    if (!json_is_array(v))
        return mismatch(c, s);
    size_t n = json_array_size(v);
    if (n)
        hub_avro_write_long(w, (int64_t)n);
    for (size_t i = 0; i < n; i++) {
        size_t mark = vpath_push(c, "[%zu]", i);
        int rc = enc(c, s->items, json_array_get(v, i), w, depth + 1);
        if (rc)
            return rc;
        vpath_pop(c, mark);
    }
    hub_avro_write_long(w, 0);
    return 0;
}

static int enc_map(struct vctx *c, const struct hub_avro_node *s, const json_t *v,
                   struct hub_avro_writer *w, int depth)
{
    const char *key;
    json_t *val;
    if (!json_is_object(v))
        return mismatch(c, s);
    size_t n = json_object_size(v);
    if (n)
        hub_avro_write_long(w, (int64_t)n);
    json_object_foreach((json_t *)v, key, val)
    {
        size_t mark = vpath_push(c, "[\"%s\"]", key);
        /* the key's own length: a key may hold a NUL */
        hub_avro_write_bytes(w, key, json_object_iter_key_len(json_object_key_to_iter(key)));
        int rc = enc(c, s->items, val, w, depth + 1);
        if (rc)
            return rc;
        vpath_pop(c, mark);
    }
    hub_avro_write_long(w, 0);
    return 0;
}

/* Every field in schema order; a missing one takes its default. */
static int enc_record(struct vctx *c, const struct hub_avro_node *s, const json_t *v,
                      struct hub_avro_writer *w, int depth)
{
    if (!json_is_object(v))
        return mismatch(c, s);
    for (size_t i = 0; i < s->n_fields; i++) {
        const struct hub_avro_field *f = &s->fields[i];
        const json_t *fv = json_object_get(v, f->name);
        size_t mark = vpath_push(c, "%s%s", c->path_len ? "." : "", f->name);
        if (!fv)
            fv = f->default_value;
        if (!fv)
            return vfail(c, HUB_EAVRO_VALUE, "missing, and the field has no default");
        int rc = enc(c, f->type, fv, w, depth + 1);
        if (rc)
            return rc;
        vpath_pop(c, mark);
    }
    return 0;
}

/* The first branch the value fits. */
static int enc_union(struct vctx *c, const struct hub_avro_node *s, const json_t *v,
                     struct hub_avro_writer *w, int depth)
{
    for (size_t i = 0; i < s->n_branches; i++) {
        if (fits(s->branches[i], v, depth + 1)) {
            hub_avro_write_long(w, (int64_t)i);
            return enc(c, s->branches[i], v, w, depth + 1);
        }
    }
    return mismatch(c, s);
}

static int enc(struct vctx *c, const struct hub_avro_node *s, const json_t *v,
               struct hub_avro_writer *w, int depth)
{
    if (depth > HUB_AVRO_MAX_DEPTH)
        return vfail(c, HUB_EAVRO_VALUE, "nesting deeper than %d", HUB_AVRO_MAX_DEPTH);
    switch (s->type) {
    case HUB_AVRO_NULL:
        if (!json_is_null(v))
            break;
        return 0;
    case HUB_AVRO_BOOLEAN:
        if (!json_is_boolean(v))
            break;
        hub_avro_write_bool(w, json_is_true(v));
        return 0;
    case HUB_AVRO_INT:
    case HUB_AVRO_LONG:
        if (!json_is_integer(v) || (s->type == HUB_AVRO_INT && (json_integer_value(v) < INT32_MIN ||
                                                                json_integer_value(v) > INT32_MAX)))
            break;
        hub_avro_write_long(w, (int64_t)json_integer_value(v));
        return 0;
    case HUB_AVRO_FLOAT:
    case HUB_AVRO_DOUBLE:
        if (!json_is_number(v))
            break;
        if (s->type == HUB_AVRO_FLOAT)
            hub_avro_write_float(w, (float)json_number_value(v));
        else
            hub_avro_write_double(w, json_number_value(v));
        return 0;
    case HUB_AVRO_STRING:
        if (!json_is_string(v))
            break;
        hub_avro_write_bytes(w, json_string_value(v), json_string_length(v));
        return 0;
    case HUB_AVRO_BYTES:
    case HUB_AVRO_FIXED:
        return enc_bytes(c, s, v, w);
    case HUB_AVRO_ENUM: {
        int k = json_is_string(v) ? hub_avro_enum_index(s, json_string_value(v)) : -1;
        if (k < 0)
            break;
        hub_avro_write_long(w, k);
        return 0;
    }
    case HUB_AVRO_ARRAY:
        return enc_array(c, s, v, w, depth);
    case HUB_AVRO_MAP:
        return enc_map(c, s, v, w, depth);
    case HUB_AVRO_RECORD:
        return enc_record(c, s, v, w, depth);
    case HUB_AVRO_UNION:
        return enc_union(c, s, v, w, depth);
    }
    return mismatch(c, s);
}

int hub_avro_encode_json(const struct hub_avro_node *schema, const json_t *value,
                         struct hub_avro_writer *w, struct hub_error *err)
{
    struct vctx c;
    int rc;
    memset(&c, 0, sizeof c);
    c.err = err;
    rc = enc(&c, schema, value, w, 0);
    if (rc)
        return rc;
    if (w->err)
        return hub_error_set(err, w->err, "encode: %s",
                             w->err == HUB_ERANGE ? "buffer too small" : "out of memory");
    return 0;
}

int hub_avro_encode_single_object(const hub_avro_schema_t *schema, const json_t *value,
                                  uint8_t **buf, size_t *len, struct hub_error *err)
{
    struct hub_avro_writer w;
    uint8_t header[10] = {0xC3, 0x01};
    uint64_t fp = hub_avro_schema_fingerprint(schema);
    int rc;

    *buf = NULL;
    *len = 0;
    for (int i = 0; i < 8; i++)
        header[2 + i] = (uint8_t)(fp >> (8 * i));
    hub_avro_writer_init_heap(&w, 1024);
    hub_avro_write_raw(&w, header, sizeof header);
    rc = hub_avro_encode_json(hub_avro_schema_root(schema), value, &w, err);
    if (rc == 0 && w.err)
        rc = hub_error_set(err, w.err, "out of memory encoding a single-object message");
    if (rc) {
        hub_avro_writer_free(&w);
        return rc;
    }
    *buf = w.buf;
    *len = w.len;
    return 0;
}
