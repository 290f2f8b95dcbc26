/*
 * relay.c — claim → prepare → send → wait for every report → mark, one batch at a time.
 *
 * A batch is finished (every row has its delivery report, or was rejected) before the next claim,
 * which is what keeps a child's rows in order: the claim hands out only a key's first pending row,
 * and that row is sent or rejected before its successor can be claimed. Results are kept in
 * memory until the database has recorded them, across reconnects.
 */
#include "hub/publish/relay.h"
#include "hub/core/sdnotify.h"
#include "hub/core/app.h"
#include "hub/core/log.h"
#include "hub/core/paths.h"
#include "hub/pg/migrate.h"
#include "hub/pg/pg.h"
#include "hub/publish/outbox.h"
#include "hub/publish/publisher.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a wait lasts at most before the stop flag is looked at again. */
#define RELAY_SLICE_MS 200
/* After SIGTERM, how long the acknowledgements of a batch in flight are still waited for. */
#define RELAY_STOP_WAIT_MS 5000
/* First delay after a failure (a row's delivery, the database); doubled up to retry_max_ms. */
#define RELAY_BACKOFF_BASE_MS 250

struct hub_relay {
    const hub_config_t *cfg;
    hub_metrics_t *metrics;
    hub_publisher_t *pub;
    PGconn *conn;
    int batch_max, lease_s;
    long poll_ms, retry_max_ms;
    /* the results of the batch in hand, until recorded */
    struct hub_outbox_result *results;
    size_t n_results, cap_results;
    size_t *tickets; /* ticket of results[i], or SIZE_MAX when nothing was sent */
    long sent, rejected, retried;
    int db_failures; /* consecutive, for the back-off */
    atomic_bool db_up, kafka_ok;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long backoff_ms(const hub_relay_t *r, int failures)
{
    long d = RELAY_BACKOFF_BASE_MS;
    for (int i = 1; i < failures && d < r->retry_max_ms; i++)
        d *= 2;
    return d < r->retry_max_ms ? d : r->retry_max_ms;
}

/* Sleeps ms in slices, returning early when asked to stop. */
static void nap(long ms)
{
    while (ms > 0 && !hub_app_stopping()) {
        long s = ms < RELAY_SLICE_MS ? ms : RELAY_SLICE_MS;
        hub_sd_alive();
        struct timespec ts = {s / 1000, (s % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        ms -= s;
    }
}

static void describe(hub_metrics_t *m)
{
    if (!m)
        return;
    hub_metrics_describe(m, "hub_relay_sent_total", "counter",
                         "outbox rows published, acknowledged and marked sent");
    hub_metrics_describe(m, "hub_relay_rejected_total", "counter",
                         "outbox rows refused by validation and marked rejected");
    hub_metrics_describe(m, "hub_relay_retries_total", "counter",
                         "outbox rows whose delivery failed and that were put back for later");
    hub_metrics_describe(m, "hub_relay_db_errors_total", "counter",
                         "failed statements or connections to the district's database");
    hub_metrics_describe(m, "hub_relay_pending", "gauge", "pending outbox rows when last idle");
    hub_metrics_describe(m, "hub_relay_latency_seconds", "histogram",
                         "from a row's insert to its being marked sent after the acknowledgement");
}

int hub_relay_new(const hub_config_t *cfg, hub_metrics_t *metrics, hub_relay_t **out,
                  struct hub_error *err)
{
    hub_relay_t *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    r->cfg = cfg;
    r->metrics = metrics;
    r->batch_max = (int)hub_config_get_int(cfg, "hub.relay.batch_max");
    r->lease_s = (int)hub_config_get_int(cfg, "hub.relay.lease_s");
    r->poll_ms = hub_config_get_int(cfg, "hub.relay.poll_ms");
    r->retry_max_ms = hub_config_get_int(cfg, "hub.relay.retry_max_ms");
    atomic_init(&r->db_up, false);
    atomic_init(&r->kafka_ok, true);
    r->results = calloc((size_t)r->batch_max, sizeof *r->results);
    r->tickets = calloc((size_t)r->batch_max, sizeof *r->tickets);
    r->cap_results = (size_t)r->batch_max;
    int rc = !r->results || !r->tickets ? hub_error_set(err, HUB_ENOMEM, "out of memory") : 0;
    if (rc == 0)
        rc = hub_publisher_new(cfg, "hub-relay", HUB_PUBLISHER_DIRECTORY_FILE_ONLY, &r->pub, err);
    if (rc) {
        hub_relay_destroy(r);
        return rc;
    }
    describe(metrics);
    *out = r;
    return 0;
}

static void drop_session(hub_relay_t *r, const struct hub_error *err)
{
    r->db_failures++;
    if (r->metrics)
        hub_metrics_add(r->metrics, "hub_relay_db_errors_total", NULL, NULL, 1);
    if (r->conn && (err->code == HUB_EPG_CONNECT || PQstatus(r->conn) != CONNECTION_OK)) {
        PQfinish(r->conn);
        r->conn = NULL;
        atomic_store(&r->db_up, false);
    }
    hub_log(r->db_failures == 1 ? HUB_LOG_WARN : HUB_LOG_DEBUG, "district database failed",
            "error=\"%s\" retry_in_ms=%ld", err->msg, backoff_ms(r, r->db_failures));
    nap(backoff_ms(r, r->db_failures));
}

/* Makes sure there is a session that LISTENs and has the statements prepared. */
static int session(hub_relay_t *r, struct hub_error *err)
{
    if (r->conn)
        return 0;
    int rc = hub_pg_connect(r->cfg, &r->conn, err);
    if (rc == 0)
        rc = hub_outbox_session(r->conn, err);
    if (rc) {
        PQfinish(r->conn);
        r->conn = NULL;
        return rc;
    }
    if (r->db_failures)
        hub_log(HUB_LOG_INFO, "district database back", "after_failures=%d", r->db_failures);
    atomic_store(&r->db_up, true);
    return 0;
}

static void on_sent(void *ud, double seconds)
{
    hub_relay_t *r = ud;
    if (r->metrics)
        hub_metrics_observe(r->metrics, "hub_relay_latency_seconds", seconds);
}

/* Records the results in hand; on success they are forgotten. */
static int record(hub_relay_t *r, struct hub_error *err)
{
    long sent = 0, rejected = 0, retried = 0;
    int rc = hub_outbox_mark(r->conn, r->results, r->n_results, on_sent, r, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < r->n_results; i++) {
        switch (r->results[i].verdict) {
        case HUB_OUTBOX_SENT:
            sent++;
            break;
        case HUB_OUTBOX_REJECTED:
            rejected++;
            break;
        case HUB_OUTBOX_RETRY:
            retried++;
            break;
        }
    }
    r->sent += sent;
    r->rejected += rejected;
    r->retried += retried;
    if (r->metrics) {
        hub_metrics_add(r->metrics, "hub_relay_sent_total", NULL, NULL, (double)sent);
        hub_metrics_add(r->metrics, "hub_relay_rejected_total", NULL, NULL, (double)rejected);
        hub_metrics_add(r->metrics, "hub_relay_retries_total", NULL, NULL, (double)retried);
    }
    r->n_results = 0;
    return 0;
}

/* The problems of an invalid row as one reason ("a: …; b: …"), scrubbed once more. */
static void reason_of(const struct hub_input_problems *probs, char *out, size_t n)
{
    size_t pos = 0;
    out[0] = '\0';
    for (size_t i = 0; i < probs->n && pos < n; i++) {
        int w = snprintf(out + pos, n - pos, "%s%s", i ? "; " : "", probs->p[i].text);
        if (w < 0)
            break;
        pos += (size_t)w;
    }
    if (probs->n_dropped && pos < n)
        snprintf(out + pos, n - pos, " (%zu more problems)", probs->n_dropped);
    if (!out[0])
        snprintf(out, n, "invalid event");
    hub_log_scrub(out);
}

/* Validates and sends every claimed row; the invalid ones get their verdict now. */
static void send_batch(hub_relay_t *r, const struct hub_outbox_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct hub_outbox_row *row = &b->rows[i];
        struct hub_outbox_result *res = &r->results[r->n_results++];
        struct hub_pub_msg m;
        struct hub_input_problems probs;
        struct hub_error err = {0};
        memset(res, 0, sizeof *res);
        res->id = row->id;
        r->tickets[i] = SIZE_MAX;
        if (hub_publisher_prepare_json(r->pub, row->event, row->len, &m, &probs) != 0) {
            res->verdict = HUB_OUTBOX_REJECTED;
            reason_of(&probs, res->text, sizeof res->text);
            hub_log_plain("outbox row %lld: %s", (long long)row->id, res->text);
            continue;
        }
        if (hub_publisher_send(r->pub, &m, &r->tickets[i], &err) != 0) {
            /* not enqueued: the ticket says FAILED; the verdict comes with the others */
            hub_log(HUB_LOG_WARN, "outbox row not enqueued", "row=%lld error=\"%s\"",
                    (long long)row->id, err.msg);
        }
        hub_pub_msg_clear(&m);
    }
}

/* Waits for the delivery report of every row sent; false when stopped before all came. */
static bool await_reports(hub_relay_t *r)
{
    long since_stop = -1;
    while (hub_publisher_flush(r->pub, RELAY_SLICE_MS) != 0) {
        hub_sd_alive();
        if (hub_app_stopping()) {
            since_stop = since_stop < 0 ? 0 : since_stop + RELAY_SLICE_MS;
            if (since_stop >= RELAY_STOP_WAIT_MS)
                return false;
        }
    }
    return true;
}

/* Turns the reports into verdicts. Rows without a report yet (stopping) get no verdict: they stay
 * claimed by this session, which ends with the process, and are claimed again by the next one. */
static void judge(hub_relay_t *r, const struct hub_outbox_batch *b)
{
    size_t kept = 0;
    bool failed = false;
    for (size_t i = 0; i < b->n; i++) {
        struct hub_outbox_result *res = &r->results[i];
        if (r->tickets[i] != SIZE_MAX) {
            const char *why = NULL;
            enum hub_pub_outcome o = hub_publisher_outcome(r->pub, r->tickets[i], &why);
            if (o == HUB_PUB_PENDING)
                continue;
            if (o == HUB_PUB_ACKED) {
                res->verdict = HUB_OUTBOX_SENT;
            } else {
                failed = true;
                res->verdict = HUB_OUTBOX_RETRY;
                res->delay_ms = (int)backoff_ms(r, b->rows[i].attempts);
                snprintf(res->text, sizeof res->text, "not acknowledged: %s",
                         why ? why : "unknown");
                hub_log(HUB_LOG_WARN, "outbox row not acknowledged; it will be tried again",
                        "row=%lld attempts=%d retry_in_ms=%d error=\"%s\"",
                        (long long)b->rows[i].id, b->rows[i].attempts, res->delay_ms,
                        why ? why : "unknown");
            }
        }
        r->results[kept++] = *res;
    }
    r->n_results = kept;
    atomic_store(&r->kafka_ok, !failed);
}

/* Records the results in hand, reconnecting as often as it takes (or until stopped). */
static void record_until_done(hub_relay_t *r)
{
    struct hub_error err = {0};
    while (r->n_results && !hub_app_stopping()) {
        if (session(r, &err) == 0 && record(r, &err) == 0) {
            r->db_failures = 0;
            return;
        }
        drop_session(r, &err);
    }
    /* stopping: one last try, so that what was acknowledged is not published again */
    if (r->n_results && session(r, &err) == 0)
        (void)record(r, &err);
}

/* Nothing claimable: updates the pending gauge, decides about --exit-when-idle (true: exit), and
 * waits for a commit (NOTIFY) or the poll interval, whichever comes first; rows put back with a
 * delay are found by the poll. */
static bool idle(hub_relay_t *r, long exit_when_idle_ms, int64_t *idle_since)
{
    struct hub_error e = {0};
    long pending = 0;
    if (hub_outbox_pending(r->conn, &pending, &e) != 0) {
        drop_session(r, &e);
        return false;
    }
    if (r->metrics)
        hub_metrics_set(r->metrics, "hub_relay_pending", NULL, NULL, (double)pending);
    if (exit_when_idle_ms > 0) {
        if (pending > 0 || *idle_since < 0)
            *idle_since = pending > 0 ? -1 : now_ms();
        if (*idle_since >= 0 && now_ms() - *idle_since >= exit_when_idle_ms)
            return true;
    }
    for (long waited = 0; waited < r->poll_ms && !hub_app_stopping(); waited += RELAY_SLICE_MS) {
        hub_sd_alive();
        int got = hub_outbox_wait(r->conn, RELAY_SLICE_MS, &e);
        if (got < 0) {
            drop_session(r, &e);
            break;
        }
        if (got > 0)
            break;
    }
    return false;
}

/* One batch is in flight while the next is claimed: the rows just sent are still pending and held
 * by this live session, so neither they nor any later row of their children can be in the next
 * batch (outbox.h), and the claim's time in the database overlaps the wait for acknowledgements. */
int hub_relay_run(hub_relay_t *r, long exit_when_idle_ms, struct hub_error *err)
{
    int64_t idle_since = -1;
    char fatal[256];
    struct hub_outbox_batch cur = {0}, next = {0};
    int rc = 0;
    hub_sd_ready("relaying the outbox");
    while (!hub_app_stopping()) {
        struct hub_error e = {0};
        hub_sd_alive();
        if (hub_publisher_fatal(r->pub, fatal, sizeof fatal)) {
            rc = hub_error_set(err, HUB_EKAFKA, "the producer failed for good: %s", fatal);
            break;
        }
        if (cur.n == 0) {
            hub_outbox_batch_clear(&cur);
            if (session(r, &e) != 0 ||
                hub_outbox_claim(r->conn, r->batch_max, r->lease_s, &cur, &e) != 0) {
                drop_session(r, &e);
                continue;
            }
            r->db_failures = 0;
            if (cur.n == 0) {
                if (idle(r, exit_when_idle_ms, &idle_since))
                    break;
                continue;
            }
        }
        idle_since = -1;
        r->n_results = 0;
        int64_t t_sent = now_ms();
        send_batch(r, &cur);
        if (r->conn && hub_outbox_claim(r->conn, r->batch_max, r->lease_s, &next, &e) != 0)
            hub_log(HUB_LOG_DEBUG, "claiming ahead failed", "error=\"%s\"", e.msg);
        int64_t t_acked = now_ms();
        bool complete = await_reports(r);
        int64_t t_marked = now_ms();
        judge(r, &cur);
        size_t rows = cur.n;
        hub_outbox_batch_clear(&cur);
        record_until_done(r);
        hub_log(HUB_LOG_DEBUG, "batch",
                "rows=%zu send_ms=%lld claim_ahead_and_ack_ms=%lld mark_ms=%lld next=%zu", rows,
                (long long)(t_acked - t_sent), (long long)(t_marked - t_acked),
                (long long)(now_ms() - t_marked), next.n);
        if (!complete)
            break; /* stopping; the rows of `next` stay with this session and are freed with it */
        if (hub_publisher_reset_tickets(r->pub) != 0) {
            rc = hub_error_set(err, HUB_EINTERNAL, "delivery reports still outstanding");
            break;
        }
        cur = next;
        memset(&next, 0, sizeof next);
    }
    hub_outbox_batch_clear(&cur);
    hub_outbox_batch_clear(&next);
    if (hub_app_stopping())
        hub_sd_stopping();
    return rc;
}

bool hub_relay_ready(void *relay, char *why, size_t n)
{
    hub_relay_t *r = relay;
    if (!atomic_load(&r->db_up)) {
        snprintf(why, n, "not connected to the district's database");
        return false;
    }
    if (!atomic_load(&r->kafka_ok)) {
        snprintf(why, n, "the last delivery to Kafka failed");
        return false;
    }
    return true;
}

void hub_relay_counts(const hub_relay_t *r, long *sent, long *rejected, long *retried)
{
    *sent = r->sent;
    *rejected = r->rejected;
    *retried = r->retried;
}

void hub_relay_destroy(hub_relay_t *r)
{
    if (!r)
        return;
    hub_publisher_destroy(r->pub);
    PQfinish(r->conn);
    free(r->results);
    free(r->tickets);
    free(r);
}

int hub_relay_migrate(const hub_config_t *cfg, int *applied, struct hub_error *err)
{
    char dir[PATH_MAX];
    const char *d = hub_config_get(cfg, "hub.relay.migrations_dir");
    PGconn *conn = NULL;
    if (!d || !*d) {
        if (hub_data_dir(HUB_DATA_OUTBOX, dir, sizeof dir) != 0)
            return hub_error_set(err, HUB_ERANGE, "hub.relay.migrations_dir: default too long");
        d = dir;
    }
    int rc = hub_pg_connect(cfg, &conn, err);
    if (rc == 0)
        rc = hub_migrate_schema(conn, d, HUB_OUTBOX_SCHEMA, applied, err);
    PQfinish(conn);
    return rc;
}
