/*
 * demo.h — synthetic, reproducible demo events for the whole hub, in the hub-publish JSON-lines
 * format (producers/INPUT.md), and the demo school directory they refer to.
 *
 * One month of placements in every district valid in that month: children with synthetic
 * personnummer and samordningsnummer (valid Luhn digit and birth date), placements started on
 * every day of the month, some changed or ended later in the month, school starts after a
 * long-tailed delay, handovers on every legal ground, and a few contact-person changes. Nothing
 * is real: names, numbers and schools are drawn from a PRNG of this module (xoshiro256**
 * seeded by splitmix64), so the same options give byte-identical output on every machine.
 * Demo skolenhetskoder are "99" + kommunkod + a two-digit running number, recognisably fake.
 *
 * Every event lies within the month and the HUB_DEMO_TAIL_DAYS that follow it: what would happen
 * later (a school start 50 days after a placement on the 20th) is left out, as it would be from
 * a real extract. Each event's occurred_at (Stockholm time, +01:00/+02:00) is on or after the
 * date it reports; the file is ordered by occurred_at.
 */
#ifndef HUB_DEMO_H
#define HUB_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hub/domain/district.h"
#include "hub/core/err.h"
#include "hub/domain/event.h"

#define HUB_DEMO_CHILDREN_DEFAULT 40 /* children placed per district and month */
#define HUB_DEMO_CHILDREN_MAX 10000  /* per district; keeps a typo from filling the disk */
#define HUB_DEMO_TAIL_DAYS 15        /* days after the month that events may still fall in */
#define HUB_DEMO_YEAR_MIN 1900       /* month range accepted by hub_demo_generate */
#define HUB_DEMO_YEAR_MAX 9998

enum hub_demo_huvudman {
    HUB_DEMO_KOMMUNAL,   /* municipal school */
    HUB_DEMO_FRISTAENDE, /* friskola (independent) */
    HUB_DEMO_STATLIG,    /* state school (SiS ungdomshem) */
    HUB_DEMO_HUVUDMAN__COUNT
};

/* One school unit of the demo directory. All strings are static and read-only. */
struct hub_demo_school {
    const char *unit; /* skolenhetskod, 8 digits */
    const char *name; /* UTF-8, no comma */
    enum hub_demo_huvudman huvudman;
    const char *kommun; /* kommunkod, 4 digits (0180 Stockholm) */
    const char *email;  /* @example.se */
    unsigned forms;     /* bit (1u << enum hub_school_form) for each school form offered */
};

struct hub_demo_options {
    uint64_t seed;
    int year, month;              /* the month the placements start in */
    size_t children_per_district; /* 0: HUB_DEMO_CHILDREN_DEFAULT */
    bool with_content;            /* add a handover `content` object (hub-publish seals it
                                     for the receiving school) */
    bool with_follow_ups;         /* add a follow-up of schooling at an early review of every
                                     school-age child in grundskola or gymnasieskola */
    int32_t until;                /* when > 0: the last day (days since 1970-01-01, Stockholm)
                                     an event may fall on, as in an extract taken the next day;
                                     nothing later (a hub refuses events from the future) */
};

/* What hub_demo_generate wrote. */
struct hub_demo_stats {
    size_t districts;                    /* districts with placements */
    size_t children;                     /* placements started */
    size_t events;                       /* lines written */
    size_t by_type[HUB_EV__COUNT];       /* lines per event type */
    size_t by_action[HUB_ACTION__COUNT]; /* placement lines per action */
};

/*
 * Writes the demo events for `opt` as JSON lines to `out`. `districts` (borrowed) supplies the
 * districts: those valid on at least one day of the month get placements, and each event names
 * the district (or its successor) valid on the Stockholm date it occurred. Fills `stats` unless
 * NULL. Returns 0; HUB_EINVAL for a bad option (month, year, children count, an `until` before
 * the month) or no district valid in the month; HUB_ENOMEM; HUB_EIO when writing fails. Output may
 * be partial on error.
 */
HUB_MUST_CHECK int hub_demo_generate(const struct hub_demo_options *opt,
                                     const hub_districts_t *districts, FILE *out,
                                     struct hub_demo_stats *stats, struct hub_error *err);

/* Number of schools in the demo directory, and the one at `index` (NULL past the end). */
size_t hub_demo_school_count(void);
const struct hub_demo_school *hub_demo_school_at(size_t index);

/* The school with skolenhetskod `unit`, or NULL. */
const struct hub_demo_school *hub_demo_school_find(const char *unit);

/* "kommunal", "fristående" or "statlig" (UTF-8); NULL for an out-of-range value. */
const char *hub_demo_huvudman_name(enum hub_demo_huvudman h);

/*
 * Writes the demo directory as CSV with the header
 * skolenhetskod,name,huvudman_type,kommunkod,webhook_url,public_key,signing_secret_ref,email
 * (webhook_url, public_key and signing_secret_ref empty). Returns 0, or HUB_EIO.
 */
HUB_MUST_CHECK int hub_demo_write_schools_csv(FILE *out, struct hub_error *err);

#endif
