/*
 * avro_bin.h — bounds-checked Avro binary primitives: zig-zag varints, fixed-width floats,
 * length-prefixed bytes/strings, for reading hostile input and writing our own.
 *
 * A reader never looks past `end`: every read first checks what is left and fails with a distinct
 * HUB_EAVRO_* code (TRUNCATED, VARINT, NEGLEN, HUGELEN). A writer either fills a caller's buffer
 * (running out sets HUB_ERANGE) or grows its own heap buffer (HUB_ENOMEM); the first error
 * sticks on the writer, like ferror(), so a sequence of writes is checked once at the end.
 *
 * The hot functions are `static inline` here: the codec calls them a few dozen times per event.
 */
#ifndef HUB_AVRO_BIN_H
#define HUB_AVRO_BIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hub/core/err.h"

#define HUB_AVRO_MAX_VARINT 10 /* bytes in the longest valid long */

struct hub_avro_reader {
    const uint8_t *start; /* for offsets in error messages */
    const uint8_t *p;
    const uint8_t *end;
};

static inline void hub_avro_reader_init(struct hub_avro_reader *r, const uint8_t *buf, size_t len)
{
    r->start = buf;
    r->p = buf;
    r->end = buf + len;
}

static inline size_t hub_avro_reader_left(const struct hub_avro_reader *r)
{
    return (size_t)(r->end - r->p);
}

static inline size_t hub_avro_reader_offset(const struct hub_avro_reader *r)
{
    return (size_t)(r->p - r->start);
}

/* Reads a zig-zag varint long. Returns 0, HUB_EAVRO_TRUNCATED, or HUB_EAVRO_VARINT (more than 10
 * bytes, or a 10th byte that overflows 64 bits). `r` does not move on failure. */
static inline int hub_avro_read_long(struct hub_avro_reader *r, int64_t *out)
{
    const uint8_t *p = r->p;
    uint64_t u = 0;
    unsigned shift = 0;
    for (int i = 0; i < HUB_AVRO_MAX_VARINT; i++) {
        uint8_t b;
        if (p == r->end)
            return HUB_EAVRO_TRUNCATED;
        b = *p++;
        if (i == HUB_AVRO_MAX_VARINT - 1 && b > 1)
            return HUB_EAVRO_VARINT;
        u |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            r->p = p;
            *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
            return 0;
        }
        shift += 7;
    }
    return HUB_EAVRO_VARINT;
}

/* Reads an int: a varint whose value must fit 32 bits (else HUB_EAVRO_VARINT). */
static inline int hub_avro_read_int(struct hub_avro_reader *r, int32_t *out)
{
    const uint8_t *save = r->p;
    int64_t v;
    int rc = hub_avro_read_long(r, &v);
    if (rc)
        return rc;
    if (v < INT32_MIN || v > INT32_MAX) {
        r->p = save;
        return HUB_EAVRO_VARINT;
    }
    *out = (int32_t)v;
    return 0;
}

/* Reads a boolean: one byte, 0 or 1 (anything else is HUB_EAVRO_VALUE). */
static inline int hub_avro_read_bool(struct hub_avro_reader *r, bool *out)
{
    if (r->p == r->end)
        return HUB_EAVRO_TRUNCATED;
    if (*r->p > 1)
        return HUB_EAVRO_VALUE;
    *out = *r->p++ == 1;
    return 0;
}

/* Reads `n` raw bytes, returning a pointer into the buffer (no copy). */
static inline int hub_avro_read_raw(struct hub_avro_reader *r, size_t n, const uint8_t **out)
{
    if (hub_avro_reader_left(r) < n)
        return HUB_EAVRO_TRUNCATED;
    *out = r->p;
    r->p += n;
    return 0;
}

/* Reads a length-prefixed bytes/string value, returning a pointer into the buffer (no copy).
 * A negative length is HUB_EAVRO_NEGLEN, one beyond the end of the buffer HUB_EAVRO_HUGELEN. */
static inline int hub_avro_read_bytes(struct hub_avro_reader *r, const uint8_t **out, size_t *len)
{
    const uint8_t *save = r->p;
    int64_t n;
    int rc = hub_avro_read_long(r, &n);
    if (rc)
        return rc;
    if (n < 0) {
        r->p = save;
        return HUB_EAVRO_NEGLEN;
    }
    if ((uint64_t)n > (uint64_t)hub_avro_reader_left(r)) {
        r->p = save;
        return HUB_EAVRO_HUGELEN;
    }
    *out = r->p;
    *len = (size_t)n;
    r->p += n;
    return 0;
}

/* Reads a float or double (little-endian IEEE 754). */
int hub_avro_read_float(struct hub_avro_reader *r, float *out) HUB_MUST_CHECK;
int hub_avro_read_double(struct hub_avro_reader *r, double *out) HUB_MUST_CHECK;

/* Reads an array or map block count. Avro allows a negative count followed by the block's size
 * in bytes; that size is read and checked against the buffer here. Returns the (non-negative)
 * count; HUB_EAVRO_HUGELEN if count * min_item_size (or the block size) exceeds what is left,
 * or if items of `min_item_size` 0 number more than `max_empty_items`. */
int hub_avro_read_block_count(struct hub_avro_reader *r, size_t min_item_size,
                              size_t max_empty_items, size_t *count) HUB_MUST_CHECK;

/* A short English phrase for a read error code ("input ends in the middle of a value"). */
const char *hub_avro_read_strerror(int code);

/* ---- writing ---- */

struct hub_avro_writer {
    uint8_t *buf;
    size_t len, cap;
    bool owned; /* buf is ours to grow with realloc */
    int err;    /* first error (HUB_ERANGE or HUB_ENOMEM), sticky */
};

/* Writes into the caller's buffer of `cap` bytes; running out sets HUB_ERANGE. */
void hub_avro_writer_init_fixed(struct hub_avro_writer *w, uint8_t *buf, size_t cap);

/* Writes into a heap buffer that grows as needed; free it with hub_avro_writer_free() or take
 * it (w->buf, w->len) and free() it yourself. `hint` is the first capacity (0 for a default). */
void hub_avro_writer_init_heap(struct hub_avro_writer *w, size_t hint);

/* Frees a heap writer's buffer. */
void hub_avro_writer_free(struct hub_avro_writer *w);

/* Makes room for `n` more bytes; returns false (and sets w->err) if it cannot. */
bool hub_avro_writer_reserve_slow(struct hub_avro_writer *w, size_t n);

static inline bool hub_avro_writer_reserve(struct hub_avro_writer *w, size_t n)
{
    if (w->err)
        return false;
    if (w->cap - w->len >= n)
        return true;
    return hub_avro_writer_reserve_slow(w, n);
}

static inline void hub_avro_write_raw(struct hub_avro_writer *w, const void *p, size_t n)
{
    if (!hub_avro_writer_reserve(w, n))
        return;
    if (n)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static inline void hub_avro_write_long(struct hub_avro_writer *w, int64_t v)
{
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    uint8_t *p;
    if (!hub_avro_writer_reserve(w, HUB_AVRO_MAX_VARINT))
        return;
    p = w->buf + w->len;
    while (u >= 0x80) {
        *p++ = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    *p++ = (uint8_t)u;
    w->len = (size_t)(p - w->buf);
}

static inline void hub_avro_write_bool(struct hub_avro_writer *w, bool v)
{
    uint8_t b = v ? 1 : 0;
    hub_avro_write_raw(w, &b, 1);
}

static inline void hub_avro_write_bytes(struct hub_avro_writer *w, const void *p, size_t n)
{
    hub_avro_write_long(w, (int64_t)n);
    hub_avro_write_raw(w, p, n);
}

void hub_avro_write_float(struct hub_avro_writer *w, float v);
void hub_avro_write_double(struct hub_avro_writer *w, double v);

#endif
