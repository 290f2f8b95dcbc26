/*
 * strbuf.h — a growing, NUL-terminated byte string.
 *
 * Appends never fail on the spot: an allocation failure makes the buffer `failed` (sticky), every
 * later append does nothing, and the owner checks once at the end. A zeroed struct
 * (HUB_STRBUF_INIT) is an empty buffer; `s` stays NULL until the first append.
 */
#ifndef HUB_STRBUF_H
#define HUB_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct hub_strbuf {
    char *s;     /* the text, NUL-terminated once anything was appended (may be NULL before) */
    size_t len;  /* bytes in s, without the NUL */
    size_t cap;  /* bytes allocated */
    bool failed; /* an allocation failed; the contents are incomplete */
};

#define HUB_STRBUF_INIT                                                                            \
    {                                                                                              \
        NULL, 0, 0, false                                                                          \
    }

/* Appends n bytes (which may hold NULs). */
void hub_strbuf_add(struct hub_strbuf *b, const void *s, size_t n);
/* Appends a C string. */
void hub_strbuf_str(struct hub_strbuf *b, const char *s);
/* Appends one byte. */
void hub_strbuf_char(struct hub_strbuf *b, char c);
/* Appends printf-style text. */
void hub_strbuf_printf(struct hub_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void hub_strbuf_vprintf(struct hub_strbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Drops everything after the first n bytes (n <= len). */
void hub_strbuf_truncate(struct hub_strbuf *b, size_t n);
/* The text ("" when nothing was appended); valid until the next append or free. */
const char *hub_strbuf_text(const struct hub_strbuf *b);
/* Hands the text to the caller (free()); NULL when an allocation failed. Leaves b empty. */
char *hub_strbuf_take(struct hub_strbuf *b);
/* Frees the text and leaves b empty (and not failed). */
void hub_strbuf_free(struct hub_strbuf *b);

#endif
