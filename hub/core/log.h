/*
 * log.h — the one way the hub writes log records.
 *
 * One record per line on stderr, as logfmt (default) or JSON:
 *     ts=2026-11-26T04:10:00.123Z level=info prog=hub-publish msg="published" event_id=… topic=…
 * Fields are passed as a printf template of logfmt pairs ("event_id=%s n=%d error=\"%s\""): each
 * value is formatted on its own, so whatever it holds (quotes, '=', spaces, newlines, bytes that
 * are not UTF-8) stays one value. Values become valid UTF-8 (U+FFFD for a bad byte), at most 4 KiB,
 * cut on a character boundary; logfmt quotes a value where needed (always where the template
 * did) with \" \\ \n \r \t \u00XX escapes, JSON members are strings written by jansson. A
 * bare %s token stands for pairs the caller wrote ("… %s", "first=true"). Every value, every
 * line, and every plain message printed through hub_log_plain(), passes hub_log_scrub():
 * anything that looks like a personnummer or samordningsnummer is replaced by "[redacted]"
 * before it leaves the process. Callers still must
 * never pass one — the scrubber is the last line of defence, not the first.
 *
 * The logger is process-wide state owned by this module; set it up once in main().
 */
#ifndef HUB_LOG_H
#define HUB_LOG_H

#include <stddef.h>
#include <stdio.h>

enum hub_log_level { HUB_LOG_DEBUG, HUB_LOG_INFO, HUB_LOG_WARN, HUB_LOG_ERROR };
enum hub_log_format { HUB_LOG_LOGFMT, HUB_LOG_JSON };

/* Sets the program name (copied), minimum level and format. Output goes to stderr. */
void hub_log_setup(const char *program, enum hub_log_level min_level, enum hub_log_format fmt);

/* Redirects records to `f` (tests); NULL restores stderr. */
void hub_log_set_stream(FILE *f);

/* Parses "debug|info|warn|error" and "logfmt|json"; 0 or HUB_EINVAL. */
int hub_log_level_parse(const char *s, enum hub_log_level *out);
int hub_log_format_parse(const char *s, enum hub_log_format *out);

/* Writes one record: `msg` is a short constant text, `fields` printf-style logfmt pairs
 * (may be NULL). */
void hub_log(enum hub_log_level level, const char *msg, const char *fields, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes one plain, scrubbed line (a CLI's user-facing message) to stderr, adding "\n". */
void hub_log_plain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Replaces, in place, every personnummer or samordningsnummer hub_pnr_find() finds (any written
 * form, with a plausible month and day and the right check digit, not part of a longer digit run,
 * whether or not letters touch it) by "[redacted]" padded to the same length. Returns how many
 * were replaced. */
size_t hub_log_scrub(char *s);

#endif
