/*
 * stats_publish.h — hub-stats: publishes the protected statistics of every district-month to the
 * monthly-stats topic when the month closes, and on demand; idempotent per district-month.
 *
 * The figures come from the PostgreSQL read model through hub_stats_build(), the same code as
 * `hubctl report`, so a published district-month is the report's month for the same as-of date,
 * cell for cell (consumers/STATISTICS.md). Nothing is consumed from Kafka.
 *
 * A pass (at start, then every hub.stats.interval_s) takes the hub.stats.lookback_months most
 * recent closed months (a month closes hub.stats.close_after_days days after its end), builds each
 * one's cube as of today, and for every district that belongs in the month (and the city, district
 * "all") makes the record (hub/stats/stats_record.h). It is sent, key "<district>|<YYYY-MM>", only
 * when its content hash differs from the newest row of hub.stats_published for that key (migration
 * 005); a district-month published before but no longer in the month gets a tombstone (null
 * value). After every record of the month is acknowledged (idempotent producer, acks=all) the
 * acknowledged ones are written to hub.stats_published in one transaction. Kafka and PostgreSQL
 * cannot commit together: after a crash between the two, the next pass sends the same content
 * again under the same key, which a reader of the compacted topic cannot tell from once. A message
 * that is not acknowledged is not recorded and is sent again by the next pass.
 *
 * A re-publication that changes a month published as final (not provisional) is logged as a
 * warning with how many cells changed, were revealed or were newly hidden: combining the old and
 * the new version could narrow a hidden value (consumers/STATISTICS.md, "Limits"). The new
 * version is published all the same; the key makes it replace the old one.
 *
 * On demand (hub_stats_publisher_publish_month) one month, or one district-month, is sent now
 * whatever was published before, flagged provisional while the month is not closed.
 *
 * The publisher keeps one PostgreSQL session (reconnected after a connection error) and one
 * producer. Not thread-safe; one publisher per process.
 */
#ifndef HUB_STATS_PUBLISH_H
#define HUB_STATS_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/core/config.h"
#include "hub/core/err.h"

/* hub.stats_published and its view: deploy/migrations/005_stats_published.sql */
#define HUB_STATS_PUBLISH_SCHEMA_VERSION 5
/* Longest wait before a failed pass (database or Kafka unavailable) is tried again. */
#define HUB_STATS_PUBLISH_RETRY_S 60

struct hub_stats_publish_result {
    size_t months;     /* months computed */
    size_t considered; /* district-months (the city included) that belong in them */
    size_t published;  /* sent, acknowledged and recorded (tombstones included) */
    size_t unchanged;  /* same content as the last publication: not sent */
    size_t changed;    /* of published: replaced a final publication with different content */
    size_t withdrawn;  /* of published: tombstones for district-months no longer in the month */
    size_t unacked;    /* sent but not acknowledged: not recorded, sent again next pass */
};

typedef struct hub_stats_publisher hub_stats_publisher_t;

/* Reads the districts table (hub.reference_dir), the monthly_stats schema and the hub.stats.* keys
 * and creates the producer; connects to PostgreSQL only when a pass needs it. `cfg` is borrowed
 * and must outlive the publisher. *out is the caller's (hub_stats_publisher_destroy). Errors:
 * HUB_EKAFKA (producer), HUB_EAVRO_SCHEMA, the districts table's errors, HUB_ENOMEM. */
int hub_stats_publisher_new(const hub_config_t *cfg, hub_stats_publisher_t **out,
                            struct hub_error *err) HUB_MUST_CHECK;

/* Closes the session and the producer (no message is outstanding between passes) and frees.
 * Accepts NULL. */
void hub_stats_publisher_destroy(hub_stats_publisher_t *p);

/* Makes `day` (days since 1970-01-01) "today" instead of the Stockholm date of the clock (tests,
 * hub-stats --now). */
void hub_stats_publisher_set_today(hub_stats_publisher_t *p, int32_t day);

/* One pass over the closed months of the lookback, oldest first; fills *res (may be NULL).
 * Errors: HUB_EPG_CONNECT / HUB_EPG (database), HUB_EPG_SCHEMA (not migrated to version 5),
 * HUB_EKAFKA (a message could not be enqueued, or the producer failed fatally),
 * HUB_EKAFKA_UNDELIVERED (some messages not acknowledged; the others are recorded), HUB_EINVAL
 * (a stored placement the statistics cannot count), HUB_ENOMEM. Months done before an error stay
 * recorded. */
int hub_stats_publisher_pass(hub_stats_publisher_t *p, struct hub_stats_publish_result *res,
                             struct hub_error *err) HUB_MUST_CHECK;

/* Publishes month `year`-`month` now, every district-month of it, or only `district` ("all" for
 * the city) when not NULL, whether or not it changed; provisional unless the month is closed.
 * HUB_EINVAL for a month that has not begun or a district that does not belong in the month;
 * otherwise errors as a pass. */
int hub_stats_publisher_publish_month(hub_stats_publisher_t *p, int year, int month,
                                      const char *district, struct hub_stats_publish_result *res,
                                      struct hub_error *err) HUB_MUST_CHECK;

/* Runs a pass at once and then every hub.stats.interval_s until hub_app_stopping(); a signal
 * lets the pass in hand finish. A pass that fails on the database or Kafka is logged and tried
 * again after min(interval, HUB_STATS_PUBLISH_RETRY_S); other errors stop the loop and are
 * returned (HUB_EPG_SCHEMA, HUB_EINVAL, HUB_EKAFKA for a fatal producer error, HUB_ENOMEM). */
int hub_stats_publisher_run(hub_stats_publisher_t *p, struct hub_error *err) HUB_MUST_CHECK;

/* ---- the calendar of closing ---- */

/* The first day (days since 1970-01-01) on which month `year`-`month` counts as closed: its last
 * day + 1 + close_after_days. */
int32_t hub_stats_month_close_day(int year, int month, long close_after_days);

/* The most recent month closed on `today`. */
void hub_stats_last_closed_month(int32_t today, long close_after_days, int *year, int *month);

#endif
