/*
 * pnr.h — Swedish personnummer and samordningsnummer (SFS 1991:481, Skatteverket SKV 704/707).
 *
 * A personnummer is a child's identity: it never appears in an error message or a log line, and
 * leaves a district only as a pseudonym (hub/crypto/pseudonym.h). Parsing checks the form, the
 * birth date (samordningsnummer: day + 60) and the Luhn check digit, and normalises to 12 digits.
 */
#ifndef HUB_PNR_H
#define HUB_PNR_H

#include <stdbool.h>
#include <stddef.h>

#include "hub/core/date.h"
#include "hub/core/pnrscan.h" /* hub_pnr_luhn_digit, hub_pnr_find */
#include "hub/core/err.h"

/* Legal sex as recorded in the number: the 9th digit of the 10-digit form, odd = male. */
enum hub_pnr_sex {
    HUB_PNR_SEX_FEMALE = 1,
    HUB_PNR_SEX_MALE = 2,
};

struct hub_pnr {
    char norm[13];         /* YYYYMMDDNNNC, no separator; samordningsnummer keep day + 60 */
    struct hub_date birth; /* real birth date (samordningsnummer: day - 60) */
    bool is_coordination;  /* samordningsnummer */
    enum hub_pnr_sex sex;
};

/*
 * Parses `in` in one of the forms YYMMDDNNNC, YYMMDD-NNNC, YYMMDD+NNNC ('+': 100 years or older),
 * YYYYMMDDNNNC or YYYYMMDD-NNNC. A 10-digit form is placed in the latest century that does not put
 * the birth date after `today_or_null` (NULL: today in UTC), less 100 years for '+'. A 12-digit
 * form whose birth date is after that day is refused. Fills `out` (zeroed on error).
 * Returns 0, HUB_EPNR_FORMAT (length, non-digits, separator), HUB_EPNR_DATE (not a calendar
 * date, samordningsnummer day outside 61..91, born in the future) or HUB_EPNR_CHECKSUM; the
 * message never contains any part of `in`.
 */
HUB_MUST_CHECK int hub_pnr_parse(const char *in, const struct hub_date *today_or_null,
                                 struct hub_pnr *out, struct hub_error *err);

#endif
