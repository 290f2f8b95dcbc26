/*
 * stats_publish.c — hub-stats: closed months from the read model to the monthly-stats topic, with
 * a ledger of what was published (stats_publish.h).
 */
#include "hub/stats/stats_publish.h"

#include "hub/stats/stats_ledger.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "hub/core/app.h"
#include "hub/core/date.h"
#include "hub/domain/district.h"
#include "hub/kafka/kafka.h"
#include "hub/core/log.h"
#include "hub/core/sdnotify.h"
#include "hub/pg/migrate.h"
#include "hub/pg/pg.h"
#include "hub/stats/stats.h"
#include "hub/stats/stats_record.h"

#define TOPIC_MAX 256
#define KEY_MAX (HUB_DISTRICT_CODE_MAX + HUB_STATS_PERIOD_LABEL_MAX + 2)
#define FLUSH_STEP_MS                                                                              \
    1000                 /* flush in steps; every message gets its report within                   \
                            message.timeout.ms, so the loop ends */
#define IDLE_STEP_MS 200 /* between passes: poll the producer, look at the stop flag */
#define HEX_HASH_LEN (2 * HUB_STATS_HASH_LEN + 1)

static const char SQL_LATEST[] =
    "SELECT district, encode(content_hash, 'hex'), provisional, withdrawn, figures::text"
    "  FROM hub.stats_published_latest WHERE period = $1";

static const char SQL_RECORD[] =
    "INSERT INTO hub.stats_published (district, period, content_hash, as_of, provisional,"
    "                                 withdrawn, schema_version, fingerprint, figures)"
    " VALUES ($1, $2, decode($3, 'hex'), $4::date, $5::boolean, $6::boolean, $7::integer, $8,"
    "         $9::jsonb)";

struct hub_stats_publisher {
    const hub_config_t *cfg;
    hub_districts_t *districts;
    hub_stats_record_schema_t *schema;
    hub_producer_t *producer;
    PGconn *conn;
    char topic[TOPIC_MAX];
    char fingerprint_hex[17];
    int32_t today; /* INT32_MIN: the clock */
    long interval_s, close_after_days, lookback_months;
    int64_t k, threshold_days;
};

/* The newest publication of one district-month. */
struct prev {
    char district[HUB_DISTRICT_CODE_MAX];
    char hash[HEX_HASH_LEN]; /* "" for a tombstone */
    bool provisional, withdrawn, seen;
    json_t *figures; /* NULL for a tombstone */
};

/* One message of the month in hand. */
struct item {
    char district[HUB_DISTRICT_CODE_MAX];
    char hash[HEX_HASH_LEN]; /* "" for a tombstone */
    json_t *rec;             /* NULL for a tombstone */
    char *figures;           /* rec as JSON text, NULL for a tombstone */
    const struct prev *prev; /* the publication it replaces, or NULL */
    bool reported, acked;
    rd_kafka_resp_err_t kerr;
};

struct month_job {
    int year, month;
    char period[HUB_STATS_PERIOD_LABEL_MAX];
    const char *only; /* one district, or NULL for all */
    bool force;       /* send even when unchanged (on demand) */
    bool provisional; /* the month is not closed */
    int32_t as_of;
    struct prev *prev; /* newest publications of the period */
    size_t n_prev;
    struct item *items;
    size_t n_items, cap_items;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int32_t today_of(const hub_stats_publisher_t *p)
{
    return p->today != INT32_MIN ? p->today : hub_days_stockholm_from_ms(now_ms());
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ---- the calendar ---- */

static int32_t day_of(int year, int month, int day)
{
    struct hub_date d = {year, month, day};
    return hub_date_to_days(&d);
}

int32_t hub_stats_month_close_day(int year, int month, long close_after_days)
{
    return day_of(year, month, hub_date_days_in_month(year, month)) + 1 + (int32_t)close_after_days;
}

void hub_stats_last_closed_month(int32_t today, long close_after_days, int *year, int *month)
{
    struct hub_date d;
    hub_days_to_date(today - (int32_t)close_after_days - 1, &d);
    /* the month of that day is closed only if that day is its last one */
    if (d.day == hub_date_days_in_month(d.year, d.month)) {
        *year = d.year;
        *month = d.month;
    } else if (d.month == 1) {
        *year = d.year - 1;
        *month = 12;
    } else {
        *year = d.year;
        *month = d.month - 1;
    }
}

/* ---- life cycle ---- */

static void on_delivery(void *ud, void *msg_opaque, rd_kafka_resp_err_t e)
{
    struct item *it = msg_opaque;
    (void)ud;
    it->reported = true;
    it->acked = e == RD_KAFKA_RESP_ERR_NO_ERROR;
    it->kerr = e;
}

int hub_stats_publisher_new(const hub_config_t *cfg, hub_stats_publisher_t **out,
                            struct hub_error *err)
{
    hub_stats_publisher_t *p = calloc(1, sizeof *p);
    int rc;

    *out = NULL;
    if (!p)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    p->cfg = cfg;
    p->today = INT32_MIN;
    p->interval_s = hub_config_get_int(cfg, "hub.stats.interval_s");
    p->close_after_days = hub_config_get_int(cfg, "hub.stats.close_after_days");
    p->lookback_months = hub_config_get_int(cfg, "hub.stats.lookback_months");
    p->k = hub_config_get_int(cfg, "hub.stats.k");
    p->threshold_days = hub_config_get_int(cfg, "hub.stats.threshold_days");
    hub_config_topic(cfg, HUB_TOPIC_MONTHLY_STATS, p->topic, sizeof p->topic);
    if ((rc = hub_districts_load_dir(hub_config_get(cfg, "hub.reference_dir"), &p->districts,
                                     err)) != 0 ||
        (rc = hub_stats_record_schema_new(&p->schema, err)) != 0 ||
        (rc = hub_producer_new(cfg, "hub-stats", on_delivery, p, &p->producer, err)) != 0)
        goto fail;
    snprintf(p->fingerprint_hex, sizeof p->fingerprint_hex, "%016" PRIx64,
             hub_stats_record_schema_fingerprint(p->schema));
    *out = p;
    return 0;
fail:
    hub_stats_publisher_destroy(p);
    return rc;
}

void hub_stats_publisher_destroy(hub_stats_publisher_t *p)
{
    if (!p)
        return;
    hub_producer_destroy(p->producer);
    PQfinish(p->conn);
    hub_stats_record_schema_destroy(p->schema);
    hub_districts_destroy(p->districts);
    free(p);
}

void hub_stats_publisher_set_today(hub_stats_publisher_t *p, int32_t day)
{
    p->today = day;
}

/* Opens the session if there is none (or it broke), and checks the schema version. */
static int ensure_conn(hub_stats_publisher_t *p, struct hub_error *err)
{
    int version = 0, rc;
    if (p->conn && PQstatus(p->conn) == CONNECTION_OK)
        return 0;
    PQfinish(p->conn);
    p->conn = NULL;
    if ((rc = hub_pg_connect(p->cfg, &p->conn, err)) != 0)
        return rc;
    if ((rc = hub_migrate_version(p->conn, &version, err)) == 0 &&
        version < HUB_STATS_PUBLISH_SCHEMA_VERSION)
        rc = hub_error_set(err, HUB_EPG_SCHEMA,
                           "the database schema is at version %d, hub-stats needs %d "
                           "(hub.stats_published): run 'hubctl migrate'",
                           version, HUB_STATS_PUBLISH_SCHEMA_VERSION);
    if (rc) { /* checked again on the next connection */
        PQfinish(p->conn);
        p->conn = NULL;
    }
    return rc;
}

/* ---- one month ---- */

static void job_free(struct month_job *j)
{
    for (size_t i = 0; i < j->n_prev; i++)
        json_decref(j->prev[i].figures);
    free(j->prev);
    for (size_t i = 0; i < j->n_items; i++) {
        json_decref(j->items[i].rec);
        free(j->items[i].figures);
    }
    free(j->items);
}

static int load_prev(hub_stats_publisher_t *p, struct month_job *j, struct hub_error *err)
{
    const char *params[1] = {j->period};
    PGresult *res = NULL;
    int rc =
        hub_pg_exec(p->conn, "read what hub-stats published", SQL_LATEST, 1, params, &res, err);
    if (rc)
        return rc;
    size_t n = (size_t)PQntuples(res);
    if (n && !(j->prev = calloc(n, sizeof *j->prev))) {
        PQclear(res);
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        struct prev *pr = &j->prev[j->n_prev++];
        json_error_t jerr;
        snprintf(pr->district, sizeof pr->district, "%s", PQgetvalue(res, (int)i, 0));
        snprintf(pr->hash, sizeof pr->hash, "%s", PQgetvalue(res, (int)i, 1));
        pr->provisional = PQgetvalue(res, (int)i, 2)[0] == 't';
        pr->withdrawn = PQgetvalue(res, (int)i, 3)[0] == 't';
        if (!PQgetisnull(res, (int)i, 4))
            pr->figures = json_loads(PQgetvalue(res, (int)i, 4), 0, &jerr);
    }
    PQclear(res);
    return 0;
}

static struct prev *find_prev(struct month_job *j, const char *district)
{
    for (size_t i = 0; i < j->n_prev; i++)
        if (strcmp(j->prev[i].district, district) == 0)
            return &j->prev[i];
    return NULL;
}

static struct item *new_item(struct month_job *j, const char *district, struct hub_error *err)
{
    if (j->n_items == j->cap_items) {
        size_t cap = j->cap_items ? 2 * j->cap_items : 32;
        struct item *ni = realloc(j->items, cap * sizeof *ni);
        if (!ni) {
            hub_error_set(err, HUB_ENOMEM, "out of memory");
            return NULL;
        }
        j->items = ni;
        j->cap_items = cap;
    }
    struct item *it = &j->items[j->n_items++];
    memset(it, 0, sizeof *it);
    snprintf(it->district, sizeof it->district, "%s", district);
    return it;
}

/* Decides for district d of the cube whether to send, and if so adds its item. */
static int consider(hub_stats_publisher_t *p, const hub_stats_t *s, size_t d, struct month_job *j,
                    struct hub_stats_publish_result *res, struct hub_error *err)
{
    const struct hub_stats_options *o = hub_stats_options_of(s);
    struct hub_stats_district_month dm;
    struct hub_stats_record_meta meta = {j->as_of, j->provisional, o->k, o->threshold_days};
    uint8_t hash[HUB_STATS_HASH_LEN];
    char hash_hex[HEX_HASH_LEN];
    json_t *rec = NULL;
    int rc;

    if ((rc = hub_stats_district_month(s, d, j->month, &dm, err)) != 0 ||
        (rc = hub_stats_record_build(&dm, &meta, &rec, err)) != 0 ||
        (rc = hub_stats_record_hash(p->schema, rec, hash, err)) != 0) {
        json_decref(rec);
        return rc;
    }
    hex(hash, sizeof hash, hash_hex);
    res->considered++;
    struct prev *pr = find_prev(j, dm.district);
    if (pr)
        pr->seen = true;
    if (!j->force && pr && !pr->withdrawn && strcmp(pr->hash, hash_hex) == 0) {
        res->unchanged++;
        json_decref(rec);
        return 0;
    }
    struct item *it = new_item(j, dm.district, err);
    if (!it) {
        json_decref(rec);
        return HUB_ENOMEM;
    }
    it->rec = rec;
    it->prev = pr;
    memcpy(it->hash, hash_hex, sizeof it->hash);
    if (!(it->figures = json_dumps(rec, JSON_COMPACT)))
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    return 0;
}

static int send_items(hub_stats_publisher_t *p, struct month_job *j, struct hub_error *err)
{
    for (size_t i = 0; i < j->n_items; i++) {
        struct item *it = &j->items[i];
        char key[KEY_MAX];
        uint8_t *buf = NULL;
        size_t len = 0;
        int rc;
        int klen = snprintf(key, sizeof key, "%s|%s", it->district, j->period);
        if (klen < 0 || (size_t)klen >= sizeof key)
            return hub_error_set(err, HUB_EINVAL, "district code too long: %.40s", it->district);
        if (it->rec && (rc = hub_stats_record_encode(p->schema, it->rec, &buf, &len, err)) != 0)
            return rc;
        rc = hub_producer_send(p->producer, p->topic, key, (size_t)klen, buf, len, NULL, it, err);
        free(buf);
        if (rc)
            return rc;
    }
    return 0;
}

/* Waits until every message has its delivery report (the reports point into the month's items,
 * so none may come after it). After a fatal producer error what is left is purged, and its reports
 * served, before returning HUB_EKAFKA. */
static int wait_acks(hub_stats_publisher_t *p, struct hub_error *err)
{
    char reason[256];
    int rc = 0;
    while (hub_producer_outstanding(p->producer) > 0) {
        (void)hub_producer_flush(p->producer, FLUSH_STEP_MS);
        if (rc == 0 && hub_producer_fatal(p->producer, reason, sizeof reason)) {
            rc = hub_error_set(err, HUB_EKAFKA, "kafka producer failed: %s", reason);
            rd_kafka_purge(hub_producer_handle(p->producer),
                           RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        }
    }
    return rc;
}

struct record_ctx {
    hub_stats_publisher_t *p;
    struct month_job *j;
};

static int record_in_tx(PGconn *conn, void *ud, struct hub_error *err)
{
    struct record_ctx *c = ud;
    char as_of[HUB_DATE_ISO_LEN], version[16];
    if (hub_date_format(c->j->as_of, as_of) != 0)
        return hub_error_set(err, HUB_EINVAL, "as-of date out of range");
    snprintf(version, sizeof version, "%d", hub_stats_record_schema_version(c->p->schema));
    for (size_t i = 0; i < c->j->n_items; i++) {
        const struct item *it = &c->j->items[i];
        if (!it->acked)
            continue;
        const char *params[9] = {it->district,
                                 c->j->period,
                                 it->rec ? it->hash : NULL,
                                 as_of,
                                 c->j->provisional ? "true" : "false",
                                 it->rec ? "false" : "true",
                                 version,
                                 c->p->fingerprint_hex,
                                 it->figures};
        int rc = hub_pg_exec(conn, "record a publication in hub.stats_published", SQL_RECORD, 9,
                             params, NULL, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* Logs what happened to each item and counts it. Returns how many were not acknowledged. */
static size_t report_items(const struct month_job *j, struct hub_stats_publish_result *res)
{
    size_t unacked = 0;
    for (size_t i = 0; i < j->n_items; i++) {
        const struct item *it = &j->items[i];
        const struct prev *pr = it->prev;
        if (!it->acked) {
            unacked++;
            hub_log(HUB_LOG_ERROR, "not acknowledged; sent again next pass",
                    "district=%s period=%s error=\"%s\"", it->district, j->period,
                    it->reported ? rd_kafka_err2str(it->kerr) : "not sent");
            continue;
        }
        res->published++;
        if (!it->rec) {
            res->withdrawn++;
            hub_log(HUB_LOG_WARN, "district-month withdrawn (tombstone)",
                    "district=%s period=%s reason=\"no longer in the month\"", it->district,
                    j->period);
            continue;
        }
        bool changed = pr && !pr->withdrawn && strcmp(pr->hash, it->hash) != 0;
        if (changed && !pr->provisional) {
            struct hub_stats_record_diff d = {0};
            if (pr->figures)
                hub_stats_record_compare(pr->figures, it->rec, &d);
            res->changed++;
            hub_log(HUB_LOG_WARN, "published district-month changed; new version replaces it",
                    "district=%s period=%s provisional=%s cells=%zu changed=%zu revealed=%zu "
                    "newly_hidden=%zu days_rows_changed=%zu",
                    it->district, j->period, j->provisional ? "true" : "false", d.cells, d.changed,
                    d.revealed, d.hidden, d.days_changed);
        } else {
            hub_log(HUB_LOG_INFO, "published", "district=%s period=%s provisional=%s %s",
                    it->district, j->period, j->provisional ? "true" : "false",
                    !pr || pr->withdrawn ? "first=true"
                    : changed            ? "replaces=provisional"
                                         : "unchanged=true");
        }
    }
    res->unacked += unacked;
    return unacked;
}

static int publish_month(hub_stats_publisher_t *p, struct month_job *j,
                         struct hub_stats_publish_result *res, struct hub_error *err)
{
    struct hub_stats_options opt = {0};
    hub_stats_t *s = NULL;
    hub_stats_ledger_t *ledger = NULL;
    size_t matched = 0, unacked;
    int rc;

    hub_stats_period_label(j->year, (size_t)(3 + j->month), j->period);
    if ((rc = ensure_conn(p, err)) != 0)
        return rc;
    /* what the topic already carries about the year: kept as it was where the data did not
     * change (stats_ledger.h) */
    if ((rc = hub_stats_ledger_load(p->conn, j->year, &ledger, err)) != 0)
        return rc;
    opt.ledger = ledger;
    opt.year = j->year;
    opt.period = (size_t)(3 + j->month);
    opt.as_of = j->as_of;
    opt.k = p->k;
    opt.threshold_days = p->threshold_days;
    opt.current_districts = false;
    if ((rc = hub_stats_build(p->conn, p->districts, &opt, &s, err)) != 0 ||
        (rc = load_prev(p, j, err)) != 0)
        goto out;
    res->months++;
    for (size_t d = 0; d < hub_stats_district_count(s); d++) {
        if (!hub_stats_district_in_period(s, opt.period, d))
            continue;
        if (j->only && strcmp(j->only, hub_stats_district_code(s, d)) != 0)
            continue;
        matched++;
        if ((rc = consider(p, s, d, j, res, err)) != 0)
            goto out;
    }
    if (j->only && matched == 0) {
        rc = hub_error_set(err, HUB_EINVAL, "--district '%.40s': not a district in %s", j->only,
                           j->period);
        goto out;
    }
    /* Published before, no longer in the month (its placements moved to another district):
     * a tombstone, so that the compacted topic does not keep figures that no report shows. */
    for (size_t i = 0; !j->only && i < j->n_prev; i++) {
        struct prev *pr = &j->prev[i];
        if (pr->seen || pr->withdrawn)
            continue;
        struct item *it = new_item(j, pr->district, err);
        if (!it) {
            rc = HUB_ENOMEM;
            goto out;
        }
        it->prev = pr;
    }
    if (j->n_items == 0)
        goto out;
    /* Send everything, then wait for every report, also after a failed send (what was enqueued
     * may still be acknowledged and must then be recorded). */
    rc = send_items(p, j, err);
    {
        struct hub_error werr = {0};
        int wrc = wait_acks(p, &werr);
        if (wrc && !rc) {
            rc = wrc;
            *err = werr;
        }
    }
    unacked = report_items(j, res);
    if (unacked < j->n_items) {
        struct record_ctx ctx = {p, j};
        struct hub_error rerr = {0};
        int rrc = hub_pg_transaction(p->conn, record_in_tx, &ctx, &rerr);
        if (rrc && !rc) {
            rc = rrc;
            *err = rerr;
        }
    }
    if (!rc && unacked)
        rc = hub_error_set(err, HUB_EKAFKA_UNDELIVERED,
                           "%s: %zu of %zu messages not acknowledged; they are sent again next "
                           "pass",
                           j->period, unacked, j->n_items);
out:
    hub_stats_destroy(s);
    hub_stats_ledger_destroy(ledger);
    if (rc == HUB_EPG_CONNECT && p->conn && PQstatus(p->conn) != CONNECTION_OK) {
        PQfinish(p->conn);
        p->conn = NULL;
    }
    return rc;
}

static int run_month(hub_stats_publisher_t *p, int year, int month, const char *only, bool force,
                     int32_t today, struct hub_stats_publish_result *res, struct hub_error *err)
{
    struct month_job j = {0};
    int rc;
    j.year = year;
    j.month = month;
    j.only = only;
    j.force = force;
    j.as_of = today;
    j.provisional = today < hub_stats_month_close_day(year, month, p->close_after_days);
    rc = publish_month(p, &j, res, err);
    job_free(&j);
    return rc;
}

int hub_stats_publisher_publish_month(hub_stats_publisher_t *p, int year, int month,
                                      const char *district, struct hub_stats_publish_result *res,
                                      struct hub_error *err)
{
    struct hub_stats_publish_result local = {0};
    int32_t today = today_of(p);
    if (!res)
        res = &local;
    memset(res, 0, sizeof *res);
    if (year < 1900 || year > 9998 || month < 1 || month > 12)
        return hub_error_set(err, HUB_EINVAL, "%04d-%02d: not a month hub-stats can publish", year,
                             month);
    if (day_of(year, month, 1) > today)
        return hub_error_set(err, HUB_EINVAL, "%04d-%02d has not begun: nothing to publish", year,
                             month);
    return run_month(p, year, month, district, true, today, res, err);
}

int hub_stats_publisher_pass(hub_stats_publisher_t *p, struct hub_stats_publish_result *res,
                             struct hub_error *err)
{
    struct hub_stats_publish_result local = {0};
    int32_t today = today_of(p);
    int year, month, rc = 0;
    char today_text[HUB_DATE_ISO_LEN];
    int64_t started = now_ms();

    if (!res)
        res = &local;
    memset(res, 0, sizeof *res);
    hub_stats_last_closed_month(today, p->close_after_days, &year, &month);
    long first = (long)year * 12 + (month - 1) - (p->lookback_months - 1);
    for (long m = first; m <= (long)year * 12 + (month - 1) && rc == 0; m++)
        rc = run_month(p, (int)(m / 12), (int)(m % 12) + 1, NULL, false, today, res, err);
    if (hub_date_format(today, today_text) != 0)
        today_text[0] = '\0';
    hub_log(rc ? HUB_LOG_WARN : HUB_LOG_INFO, rc ? "pass stopped on error" : "pass done",
            "as_of=%s last_closed=%04d-%02d months=%zu considered=%zu published=%zu unchanged=%zu "
            "changed=%zu withdrawn=%zu unacked=%zu ms=%lld",
            today_text, year, month, res->months, res->considered, res->published, res->unchanged,
            res->changed, res->withdrawn, res->unacked, (long long)(now_ms() - started));
    return rc;
}

static bool transient(int code)
{
    return code == HUB_EPG_CONNECT || code == HUB_EPG || code == HUB_EKAFKA_UNDELIVERED ||
           code == HUB_ETIMEOUT;
}

int hub_stats_publisher_run(hub_stats_publisher_t *p, struct hub_error *err)
{
    char reason[256];
    hub_sd_ready("publishing the monthly statistics");
    while (!hub_app_stopping()) {
        struct hub_error perr = {0};
        hub_sd_alive();
        long wait_s = p->interval_s;
        int rc = hub_stats_publisher_pass(p, NULL, &perr);
        if (rc) {
            if (!transient(rc) || hub_producer_fatal(p->producer, reason, sizeof reason)) {
                *err = perr;
                return rc;
            }
            hub_log(HUB_LOG_ERROR, "pass failed; trying again", "error=\"%s\" retry_s=%ld",
                    perr.msg,
                    wait_s < HUB_STATS_PUBLISH_RETRY_S ? wait_s : (long)HUB_STATS_PUBLISH_RETRY_S);
            if (wait_s > HUB_STATS_PUBLISH_RETRY_S)
                wait_s = HUB_STATS_PUBLISH_RETRY_S;
        }
        for (int64_t until = now_ms() + (int64_t)wait_s * 1000;
             !hub_app_stopping() && now_ms() < until;) {
            hub_sd_alive();
            hub_producer_poll(p->producer, IDLE_STEP_MS);
        }
    }
    hub_sd_stopping();
    return 0;
}
