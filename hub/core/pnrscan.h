/*
 * pnrscan.h — the one personnummer detector, and the Luhn digit it and hub/domain/pnr.c share.
 *
 * It lives in core because the log scrubber (hub/core/log.c) uses it, and so does the check of
 * every clear-text field (hub/domain/event_privacy.h): one definition of what a personnummer
 * looks like, in one copy. Parsing a number that is meant to be one is hub/domain/pnr.h.
 */
#ifndef HUB_CORE_PNRSCAN_H
#define HUB_CORE_PNRSCAN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The Luhn check digit (0..9) for the first nine digits of the 10-digit form, read from
 * `nine_digits` (at least nine characters). Returns -1 if any of them is not an ASCII digit.
 */
int hub_pnr_luhn_digit(const char *nine_digits);

/*
 * The one personnummer detector, shared by the log scrubber (hub/core/log.h) and the checks of
 * every clear-text field (hub/domain/event_privacy.h). Finds the first token in s[0..len) written
 * in one of the forms hub_pnr_parse accepts (a 12-digit form must start with 1 or 2), with a month
 * 01..12, a day 01..31 or 61..91 and the right check digit, that is not part of a longer digit run.
 * Letters do not hide a number: "pnr201503122382" holds one. The birth date is not compared with
 * today. Returns true and sets *at (offset) and *n (length), or returns false.
 */
bool hub_pnr_find(const char *s, size_t len, size_t *at, size_t *n);

#endif
