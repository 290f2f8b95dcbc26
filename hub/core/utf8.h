/*
 * utf8.h — strict UTF-8 as PostgreSQL and JSON parsers check it: no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence at the end.
 */
#ifndef HUB_UTF8_H
#define HUB_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the n bytes at s are valid UTF-8 (a NUL byte is valid: U+0000). */
bool hub_utf8_valid(const void *s, size_t n);

/* The length (1..4) of the valid UTF-8 sequence that starts the n > 0 bytes at s, or 0 when
 * they do not start with one. */
size_t hub_utf8_seq(const void *s, size_t n);

#endif
