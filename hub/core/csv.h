/*
 * csv.h — RFC 4180 CSV, written and read the same way everywhere.
 *
 * Writing: a field is quoted when it holds a comma, a quote, CR or LF, with every quote doubled.
 */
#ifndef HUB_CSV_H
#define HUB_CSV_H

#include <stdio.h>

/* Writes field `v` (NULL: empty) to f, then `after` ("," between fields, the line end after the
 * last: "\n", or "\r\n" for Excel). */
void hub_csv_write_field(FILE *f, const char *v, const char *after);

#endif
