/* strbuf.c — a growing, NUL-terminated byte string (strbuf.h). */
#include "hub/core/strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for `extra` more bytes and the NUL. */
static bool reserve(struct hub_strbuf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (extra > SIZE_MAX / 2 - b->len - 1) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

void hub_strbuf_add(struct hub_strbuf *b, const void *s, size_t n)
{
    if (!reserve(b, n))
        return;
    if (n)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void hub_strbuf_str(struct hub_strbuf *b, const char *s)
{
    hub_strbuf_add(b, s, strlen(s));
}

void hub_strbuf_char(struct hub_strbuf *b, char c)
{
    hub_strbuf_add(b, &c, 1);
}

void hub_strbuf_vprintf(struct hub_strbuf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void hub_strbuf_printf(struct hub_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hub_strbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

void hub_strbuf_truncate(struct hub_strbuf *b, size_t n)
{
    if (b->s && n < b->len) {
        b->len = n;
        b->s[n] = '\0';
    }
}

const char *hub_strbuf_text(const struct hub_strbuf *b)
{
    return b->s ? b->s : "";
}

char *hub_strbuf_take(struct hub_strbuf *b)
{
    char *s = NULL;
    if (!b->failed)
        s = b->s ? b->s : calloc(1, 1);
    else
        free(b->s);
    *b = (struct hub_strbuf)HUB_STRBUF_INIT;
    return s;
}

void hub_strbuf_free(struct hub_strbuf *b)
{
    free(b->s);
    *b = (struct hub_strbuf)HUB_STRBUF_INIT;
}
