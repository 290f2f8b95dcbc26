/* csv.c — RFC 4180 CSV (csv.h). */
#include "hub/core/csv.h"

#include <string.h>

void hub_csv_write_field(FILE *f, const char *v, const char *after)
{
    v = v ? v : "";
    if (strpbrk(v, ",\"\r\n")) {
        fputc('"', f);
        for (const char *p = v; *p; p++) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p, f);
        }
        fputc('"', f);
    } else {
        fputs(v, f);
    }
    fputs(after, f);
}
