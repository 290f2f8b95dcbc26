/*
 * fuzz_districts.c — libFuzzer target for the districts table reader (hub_districts_load_buffer,
 * the parser behind hub_districts_load and schemas/reference/districts.csv).
 *
 * Properties, beyond "no crash, no read past the input, no leak": a refused text gives one of the
 * documented errors with a message and no table; an accepted table holds at least one district,
 * every code is found again under itself, validity ranges are ordered, every successor exists and
 * following successors from any district on any day ends (cycles were refused).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/domain/district.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_table(const hub_districts_t *t)
{
    size_t n = hub_districts_count(t);
    if (n == 0 || hub_districts_at(t, n) != NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        const struct hub_district *d = hub_districts_at(t, i);
        if (!d || hub_districts_find(t, d->code) != d || d->valid_from > d->valid_to)
            abort();
        if (d->code[0] < 'a' || d->code[0] > 'z' || !memchr(d->name, '\0', sizeof d->name))
            abort();
        if (d->successor[0] && !hub_districts_find(t, d->successor))
            abort(); /* a successor that is not in the table */
        /* any day: the chain ends, and what it ends on is valid that day */
        const int32_t days[] = {INT32_MIN, d->valid_from, d->valid_to, INT32_MAX};
        for (size_t k = 0; k < sizeof days / sizeof days[0]; k++) {
            const struct hub_district *cur = hub_districts_current(t, d->code, days[k]);
            struct hub_error err;
            if (cur && !hub_district_valid_on(cur, days[k]))
                abort();
            int rc = hub_districts_check(t, d->code, days[k], &err);
            if (rc != 0 && rc != HUB_EDISTRICT_DATE)
                abort();
            if ((rc == 0) != hub_district_valid_on(d, days[k]))
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hub_districts_t *t = NULL;
    struct hub_error err;
    int rc;

    memset(&err, 0, sizeof err);
    rc = hub_districts_load_buffer((const char *)data, size, "districts.csv", &t, &err);
    if (rc == 0) {
        check_table(t);
        hub_districts_destroy(t);
        return 0;
    }
    if (t || err.code != rc || err.msg[0] == '\0' ||
        (rc != HUB_ECONFIG_SYNTAX && rc != HUB_ECONFIG_VALUE && rc != HUB_ENOMEM))
        abort();
    if (strncmp(err.msg, "districts.csv", 13) != 0)
        abort(); /* every message names the file */
    return 0;
}
