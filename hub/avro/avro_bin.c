/* avro_bin.c — the out-of-line parts of the Avro binary primitives (see avro_bin.h). */
#include "hub/avro/avro_bin.h"

#include <stdlib.h>

#define WRITER_DEFAULT_CAP 256

static uint64_t load_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

int hub_avro_read_float(struct hub_avro_reader *r, float *out)
{
    const uint8_t *p;
    uint32_t bits;
    if (hub_avro_read_raw(r, 4, &p))
        return HUB_EAVRO_TRUNCATED;
    bits = (uint32_t)load_le(p, 4);
    memcpy(out, &bits, sizeof *out);
    return 0;
}

int hub_avro_read_double(struct hub_avro_reader *r, double *out)
{
    const uint8_t *p;
    uint64_t bits;
    if (hub_avro_read_raw(r, 8, &p))
        return HUB_EAVRO_TRUNCATED;
    bits = load_le(p, 8);
    memcpy(out, &bits, sizeof *out);
    return 0;
}

int hub_avro_read_block_count(struct hub_avro_reader *r, size_t min_item_size,
                              size_t max_empty_items, size_t *count)
{
    const uint8_t *save = r->p;
    int64_t n, block_bytes;
    uint64_t un;
    int rc = hub_avro_read_long(r, &n);
    if (rc)
        return rc;
    if (n < 0) {
        if (n == INT64_MIN) {
            r->p = save;
            return HUB_EAVRO_HUGELEN;
        }
        n = -n;
        rc = hub_avro_read_long(r, &block_bytes);
        if (rc) {
            r->p = save;
            return rc;
        }
        if (block_bytes < 0) {
            r->p = save;
            return HUB_EAVRO_NEGLEN;
        }
        if ((uint64_t)block_bytes > hub_avro_reader_left(r)) {
            r->p = save;
            return HUB_EAVRO_HUGELEN;
        }
    }
    un = (uint64_t)n;
    if (min_item_size == 0) {
        if (un > max_empty_items) {
            r->p = save;
            return HUB_EAVRO_HUGELEN;
        }
    } else if (un > hub_avro_reader_left(r) / min_item_size) {
        r->p = save;
        return HUB_EAVRO_HUGELEN;
    }
    *count = (size_t)un;
    return 0;
}

void hub_avro_writer_init_fixed(struct hub_avro_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->len = 0;
    w->cap = cap;
    w->owned = false;
    w->err = 0;
}

void hub_avro_writer_init_heap(struct hub_avro_writer *w, size_t hint)
{
    w->buf = NULL;
    w->len = 0;
    w->cap = 0;
    w->owned = true;
    w->err = 0;
    if (hint)
        (void)hub_avro_writer_reserve_slow(w, hint);
}

void hub_avro_writer_free(struct hub_avro_writer *w)
{
    if (w->owned)
        free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

bool hub_avro_writer_reserve_slow(struct hub_avro_writer *w, size_t n)
{
    size_t need, cap;
    uint8_t *p;
    if (w->err)
        return false;
    if (w->cap - w->len >= n)
        return true;
    if (!w->owned || n > SIZE_MAX / 2 - w->len) {
        w->err = w->owned ? HUB_ENOMEM : HUB_ERANGE;
        return false;
    }
    need = w->len + n;
    cap = w->cap ? w->cap : WRITER_DEFAULT_CAP;
    while (cap < need)
        cap *= 2;
    p = realloc(w->buf, cap);
    if (!p) {
        w->err = HUB_ENOMEM;
        return false;
    }
    w->buf = p;
    w->cap = cap;
    return true;
}

static void store_le(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void hub_avro_write_float(struct hub_avro_writer *w, float v)
{
    uint32_t bits;
    uint8_t b[4];
    memcpy(&bits, &v, sizeof bits);
    store_le(b, bits, 4);
    hub_avro_write_raw(w, b, 4);
}

void hub_avro_write_double(struct hub_avro_writer *w, double v)
{
    uint64_t bits;
    uint8_t b[8];
    memcpy(&bits, &v, sizeof bits);
    store_le(b, bits, 8);
    hub_avro_write_raw(w, b, 8);
}

const char *hub_avro_read_strerror(int code)
{
    switch (code) {
    case HUB_EAVRO_TRUNCATED:
        return "input ends in the middle of a value";
    case HUB_EAVRO_VARINT:
        return "malformed varint (longer than 10 bytes or out of range)";
    case HUB_EAVRO_NEGLEN:
        return "negative length";
    case HUB_EAVRO_HUGELEN:
        return "length or count larger than the rest of the input";
    case HUB_EAVRO_ENUM:
        return "enum index out of range";
    case HUB_EAVRO_UNION:
        return "union branch index out of range";
    case HUB_EAVRO_VALUE:
        return "value outside its domain";
    default:
        return hub_err_name(code);
    }
}
