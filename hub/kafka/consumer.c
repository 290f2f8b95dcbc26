/*
 * consumer.c — consume, batch, dead-letter, commit in PostgreSQL, seek on assignment.
 */
#include "hub/kafka/consumer.h"
#include "hub/domain/event_privacy.h"
#include "hub/core/app.h"
#include "hub/kafka/dlq.h"
#include "hub/kafka/kafka.h"
#include "hub/core/log.h"
#include "hub/core/metrics.h"
#include "hub/core/ops_http.h"
#include "hub/core/sdnotify.h"
#include "hub/crypto/sign.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TOPIC_MAX 256
#define MAX_TOPICS 16
#define DLQ_FLUSH_MS 30000
#define POLL_IDLE_MS 200
#define PING_EVERY_MS 2000

/* Where a message's dead letter stands. A letter handed to the producer is never handed over
 * again until its delivery report says it failed: that is what keeps retries from repeating it. */
enum dlq_state { DLQ_NONE, DLQ_INFLIGHT, DLQ_ACKED };

struct dead_reason {
    char reason[HUB_REASON_MAX];
    char detail[HUB_ERROR_MSG_MAX];
};

struct hub_consumer {
    rd_kafka_t *rk;
    hub_producer_t *dlq;
    char name[64];
    char group[128];
    char dlq_topic[TOPIC_MAX];
    struct hub_consumer_handler h;
    long batch_max, batch_wait_ms, retry_max_ms;

    rd_kafka_message_t **pending; /* the batch in hand */
    bool *prepared, *dead;
    uint8_t *dlq_state; /* enum dlq_state per pending message */
    uint64_t *dlq_seq;  /* the delivery-report token of its letter in flight */
    bool *dlq_no_value; /* the broker refused the whole letter: send it without the value */
    uint64_t dlq_next_seq;
    struct dead_reason *why; /* for dead messages: reason and detail until the DLQ has them */
    bool *verified;          /* signature checked; result in sig[] */
    struct hub_sig_result *sig;
    struct hub_sig_input *msg_in; /* per pending message once verified: headers, first seen */
    const uint8_t **sig_ptrs;     /* scratch for the sighting callbacks */
    const char **key_ids;
    int64_t *seen_buf;
    bool *reject; /* scratch: review() verdicts */
    struct hub_rejection *rejection;
    struct hub_sig_input *sig_in; /* scratch for one round of verification */
    struct hub_sig_result *sig_out;
    size_t *sig_idx;
    size_t n_pending, cap_pending;
    bool need_prepare;
    enum hub_sig_crypto *pre; /* per pending message: its bytes' verdict from verifying ahead */

    /* Verifying ahead: the next batch's first messages, taken from librdkafka's queue before the
     * batch in hand is processed; their Ed25519 work runs on background threads meanwhile, so
     * verification overlaps the database. Only while signatures are checked. */
    rd_kafka_message_t **ahead;
    struct hub_sig_input *ahead_in;
    size_t n_ahead;

    struct hub_batch_msg *bmsgs;
    struct hub_batch_offset *offs;
    size_t cap_offs;

    bool db_down;
    int assigned;
    int64_t last_activity; /* last message or assignment, for idle exit */
    int64_t first_msg_at;  /* monotonic ms of the first message read, 0 before */
    struct hub_consumer_stats stats;

    hub_sign_keys_t *keys; /* the districts' public keys, loaded once at start */
    bool sig_required;
    int verify_threads;
    const struct hub_sign_key *current_signer; /* while prepare() runs */
    int64_t current_seen;                      /* while prepare() runs */

    /* Operability: metrics, and the state /readyz reads from the ops server's thread. */
    hub_metrics_t *metrics;
    hub_ops_http_t *ops;
    atomic_int ready_assigned; /* partitions assigned, as the ops thread sees it */
    atomic_bool db_live;       /* the last database contact worked */
    int (*ping)(void *ud, struct hub_error *err);
    int64_t last_ping, last_lag;
    bool ever_assigned; /* see hub_consumer_destroy() */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A letter's token is a sequence number, not a batch position: positions move when partitions
 * are revoked, and a report for a message no longer pending is ignored. */
static void on_dlq_delivery(void *ud, void *msg_opaque, rd_kafka_resp_err_t e)
{
    hub_consumer_t *c = ud;
    uint64_t seq = (uint64_t)(uintptr_t)msg_opaque;
    for (size_t i = 0; i < c->n_pending; i++) {
        if (c->dlq_state[i] != DLQ_INFLIGHT || c->dlq_seq[i] != seq)
            continue;
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
            c->dlq_state[i] = DLQ_ACKED;
            return;
        }
        c->dlq_state[i] = DLQ_NONE;
        if (e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
            e == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE)
            c->dlq_no_value[i] = true;
        hub_log(HUB_LOG_WARN, "dead letter not delivered; will send it again",
                "topic=%s partition=%" PRId32 " offset=%" PRId64 " error=\"%s\"",
                rd_kafka_topic_name(c->pending[i]->rkt), c->pending[i]->partition,
                c->pending[i]->offset, rd_kafka_err2str(e));
        return;
    }
}

static bool is_cooperative(rd_kafka_t *rk)
{
    const char *p = rd_kafka_rebalance_protocol(rk);
    return p && strcmp(p, "COOPERATIVE") == 0;
}

static bool in_list(const rd_kafka_topic_partition_list_t *parts, const rd_kafka_message_t *m)
{
    for (int k = 0; k < parts->cnt; k++)
        if (parts->elems[k].partition == m->partition &&
            strcmp(parts->elems[k].topic, rd_kafka_topic_name(m->rkt)) == 0)
            return true;
    return false;
}

/* Drops pending and ahead messages of revoked partitions; the rest must be prepared again. */
static void drop_pending_of(hub_consumer_t *c, const rd_kafka_topic_partition_list_t *parts)
{
    size_t j = 0;
    for (size_t i = 0; i < c->n_pending; i++) {
        rd_kafka_message_t *m = c->pending[i];
        if (in_list(parts, m)) {
            rd_kafka_message_destroy(m);
        } else {
            c->pending[j] = m;
            c->prepared[j] = c->prepared[i];
            c->dead[j] = c->dead[i];
            c->why[j] = c->why[i];
            c->dlq_state[j] = c->dlq_state[i];
            c->dlq_seq[j] = c->dlq_seq[i];
            c->dlq_no_value[j] = c->dlq_no_value[i];
            c->verified[j] = c->verified[i];
            c->sig[j] = c->sig[i];
            c->msg_in[j] = c->msg_in[i];
            c->pre[j] = c->pre[i];
            j++;
        }
    }
    if (j != c->n_pending)
        c->need_prepare = true;
    c->n_pending = j;
    /* no background thread runs here: they live only inside one round of process_batch() */
    j = 0;
    for (size_t i = 0; i < c->n_ahead; i++) {
        rd_kafka_message_t *m = c->ahead[i];
        if (in_list(parts, m)) {
            rd_kafka_message_destroy(m);
        } else {
            c->ahead_in[j] = c->ahead_in[i];
            c->ahead[j++] = m;
        }
    }
    c->n_ahead = j;
}

static void load_offsets(hub_consumer_t *c, rd_kafka_topic_partition_list_t *parts)
{
    long backoff = 100;
    for (int k = 0; k < parts->cnt; k++) {
        rd_kafka_topic_partition_t *tp = &parts->elems[k];
        int64_t next = -1;
        struct hub_error err = {0};
        int rc;
        while ((rc = c->h.load_offset(c->h.ud, tp->topic, tp->partition, &next, &err)) != 0 &&
               !hub_app_stopping()) {
            /* Without the stored offset the partition cannot be read correctly: wait for it. */
            hub_sd_alive();
            hub_log(HUB_LOG_WARN, "loading stored offset failed; retrying",
                    "topic=%s partition=%" PRId32 " backoff_ms=%ld error=\"%s\"", tp->topic,
                    tp->partition, backoff, err.msg);
            c->stats.db_retries++;
            sleep_ms(backoff);
            backoff = backoff * 2 > c->retry_max_ms ? c->retry_max_ms : backoff * 2;
            if (rc == HUB_EPG_CONNECT)
                (void)c->h.reconnect(c->h.ud, &err);
        }
        tp->offset = next >= 0 ? next : RD_KAFKA_OFFSET_BEGINNING;
        hub_log(HUB_LOG_DEBUG, "assigned", "topic=%s partition=%" PRId32 " offset=%" PRId64,
                tp->topic, tp->partition, next);
    }
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    hub_consumer_t *c = opaque;
    bool coop = is_cooperative(rk);
    c->stats.rebalances++;
    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        load_offsets(c, parts);
        rd_kafka_error_t *ke = NULL;
        if (coop)
            ke = rd_kafka_incremental_assign(rk, parts);
        else
            rd_kafka_assign(rk, parts);
        if (ke) {
            hub_log(HUB_LOG_ERROR, "assign failed", "error=\"%s\"", rd_kafka_error_string(ke));
            rd_kafka_error_destroy(ke);
        }
        c->assigned += parts->cnt;
        c->ever_assigned = true;
        c->last_activity = now_ms();
        if (c->db_down)
            rd_kafka_pause_partitions(rk, parts);
        hub_log(HUB_LOG_INFO, "partitions assigned", "count=%d total=%d", parts->cnt, c->assigned);
    } else if (e == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        drop_pending_of(c, parts);
        if (coop) {
            rd_kafka_error_t *ke = rd_kafka_incremental_unassign(rk, parts);
            if (ke)
                rd_kafka_error_destroy(ke);
            c->assigned -= parts->cnt;
        } else {
            rd_kafka_assign(rk, NULL);
            c->assigned = 0;
        }
        hub_log(HUB_LOG_INFO, "partitions revoked", "count=%d total=%d", parts->cnt, c->assigned);
    } else {
        hub_log(HUB_LOG_ERROR, "rebalance error", "error=\"%s\"", rd_kafka_err2str(e));
        if (coop) {
            rd_kafka_error_t *ke = rd_kafka_incremental_unassign(rk, parts);
            if (ke)
                rd_kafka_error_destroy(ke);
        } else {
            rd_kafka_assign(rk, NULL);
        }
        c->assigned = 0;
    }
    atomic_store(&c->ready_assigned, c->assigned);
    if (c->metrics)
        hub_metrics_set(c->metrics, "hub_assigned_partitions", NULL, NULL, c->assigned);
}

static int grow_pending(hub_consumer_t *c, size_t need)
{
    if (need <= c->cap_pending)
        return 0;
    size_t cap = c->cap_pending ? c->cap_pending : 64;
    while (cap < need)
        cap *= 2;
    rd_kafka_message_t **p = realloc(c->pending, cap * sizeof *p);
    if (!p)
        return HUB_ENOMEM;
    c->pending = p;
    bool *a = realloc(c->prepared, cap * sizeof *a);
    if (!a)
        return HUB_ENOMEM;
    c->prepared = a;
    a = realloc(c->dead, cap * sizeof *a);
    if (!a)
        return HUB_ENOMEM;
    c->dead = a;
    uint8_t *st = realloc(c->dlq_state, cap * sizeof *st);
    if (!st)
        return HUB_ENOMEM;
    c->dlq_state = st;
    uint64_t *sq = realloc(c->dlq_seq, cap * sizeof *sq);
    if (!sq)
        return HUB_ENOMEM;
    c->dlq_seq = sq;
    a = realloc(c->dlq_no_value, cap * sizeof *a);
    if (!a)
        return HUB_ENOMEM;
    c->dlq_no_value = a;
    struct dead_reason *w = realloc(c->why, cap * sizeof *w);
    if (!w)
        return HUB_ENOMEM;
    c->why = w;
    struct hub_batch_msg *b = realloc(c->bmsgs, cap * sizeof *b);
    if (!b)
        return HUB_ENOMEM;
    c->bmsgs = b;
    a = realloc(c->verified, cap * sizeof *a);
    if (!a)
        return HUB_ENOMEM;
    c->verified = a;
    struct hub_sig_result *r = realloc(c->sig, cap * sizeof *r);
    if (!r)
        return HUB_ENOMEM;
    c->sig = r;
    r = realloc(c->sig_out, cap * sizeof *r);
    if (!r)
        return HUB_ENOMEM;
    c->sig_out = r;
    enum hub_sig_crypto *pv = realloc(c->pre, cap * sizeof *pv);
    if (!pv)
        return HUB_ENOMEM;
    c->pre = pv;
    struct hub_sig_input *in = realloc(c->sig_in, cap * sizeof *in);
    if (!in)
        return HUB_ENOMEM;
    c->sig_in = in;
    in = realloc(c->msg_in, cap * sizeof *in);
    if (!in)
        return HUB_ENOMEM;
    c->msg_in = in;
    const uint8_t **sp = realloc(c->sig_ptrs, cap * sizeof *sp);
    if (!sp)
        return HUB_ENOMEM;
    c->sig_ptrs = sp;
    const char **ki = realloc(c->key_ids, cap * sizeof *ki);
    if (!ki)
        return HUB_ENOMEM;
    c->key_ids = ki;
    int64_t *sb = realloc(c->seen_buf, cap * sizeof *sb);
    if (!sb)
        return HUB_ENOMEM;
    c->seen_buf = sb;
    a = realloc(c->reject, cap * sizeof *a);
    if (!a)
        return HUB_ENOMEM;
    c->reject = a;
    struct hub_rejection *rj = realloc(c->rejection, cap * sizeof *rj);
    if (!rj)
        return HUB_ENOMEM;
    c->rejection = rj;
    size_t *ix = realloc(c->sig_idx, cap * sizeof *ix);
    if (!ix)
        return HUB_ENOMEM;
    c->sig_idx = ix;
    c->cap_pending = cap;
    return 0;
}

/* The key table, once per consumer; with signatures required, an empty table is refused: every
 * message would be dead-lettered. */
static int load_keys(hub_consumer_t *c, const hub_config_t *cfg, struct hub_error *err)
{
    char path[4096];
    if (hub_sign_keys_path(cfg, path, sizeof path) != 0)
        return hub_error_set(err, HUB_ERANGE, "hub.signing.keys_file: path too long");
    int rc = hub_sign_keys_load(path, NULL, &c->keys, err);
    if (rc) {
        hub_error_prefix(err, "hub.signing.keys_file: ");
        return rc;
    }
    hub_sign_keys_set_window(c->keys,
                             hub_config_get_int(cfg, "hub.clock.max_skew_s") * INT64_C(1000),
                             hub_config_get_int(cfg, "hub.signing.max_delay_s") * INT64_C(1000));
    c->sig_required = hub_config_get_bool(cfg, "hub.signing.required");
    if (c->sig_required && hub_sign_keys_count(c->keys) == 0)
        return hub_error_set(err, HUB_ECONFIG_VALUE,
                             "hub.signing.keys_file: %s holds no keys, so every message would be "
                             "dead-lettered; add the districts' public keys (`hubctl districts "
                             "keygen` prints their rows) or set hub.signing.required=false",
                             path);
    long threads = hub_config_get_int(cfg, "hub.signing.verify_threads");
    if (threads == 0)
        threads = sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    if (threads > HUB_SIGN_VERIFY_THREADS_MAX)
        threads = HUB_SIGN_VERIFY_THREADS_MAX;
    c->verify_threads = (int)threads;
    hub_log(HUB_LOG_INFO, "verifying signatures",
            "keys=%zu keys_file=%s required=%s verify_threads=%d", hub_sign_keys_count(c->keys),
            path, c->sig_required ? "true" : "false", c->verify_threads);
    return 0;
}

/* /readyz: partitions assigned and the database answering. Runs on the ops server's thread. */
static bool consumer_ready(void *ud, char *why, size_t n)
{
    hub_consumer_t *c = ud;
    if (atomic_load(&c->ready_assigned) <= 0) {
        snprintf(why, n, "no partitions assigned yet");
        return false;
    }
    if (!atomic_load(&c->db_live)) {
        snprintf(why, n, "the database does not answer");
        return false;
    }
    return true;
}

static void describe_metrics(hub_metrics_t *m)
{
    hub_metrics_describe(m, "hub_consumed_total", "counter",
                         "messages whose batch committed, by topic");
    hub_metrics_describe(m, "hub_dead_letters_total", "counter",
                         "messages sent to the dead-letter topic, by reason");
    hub_metrics_describe(m, "hub_batch_messages", "histogram", "messages per committed batch");
    hub_metrics_describe(m, "hub_batch_seconds", "histogram",
                         "time to prepare, dead-letter and commit one batch");
    hub_metrics_describe(m, "hub_db_retries_total", "counter",
                         "batches retried because PostgreSQL (or the DLQ) was unavailable");
    hub_metrics_describe(m, "hub_consumer_lag_messages", "gauge",
                         "messages behind the high watermark, summed over assigned partitions");
    hub_metrics_describe(m, "hub_assigned_partitions", "gauge", "partitions assigned");
    hub_metrics_describe(m, "hub_database_up", "gauge", "1 when the last database contact worked");
}

static void set_db_live(hub_consumer_t *c, bool live)
{
    atomic_store(&c->db_live, live);
    hub_metrics_set(c->metrics, "hub_database_up", NULL, NULL, live ? 1 : 0);
}

/* Messages of `topic` taken from librdkafka but not committed: the batch in hand and those
 * taken ahead. Fetched is not done: a consumer waiting out an outage holds them. */
static size_t held_of(const hub_consumer_t *c, const char *topic)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_pending; i++)
        n += strcmp(rd_kafka_topic_name(c->pending[i]->rkt), topic) == 0;
    for (size_t i = 0; i < c->n_ahead; i++)
        n += strcmp(rd_kafka_topic_name(c->ahead[i]->rkt), topic) == 0;
    return n;
}

/* Sums, per topic, how far the assigned partitions are behind their high watermarks (cached by
 * librdkafka from fetch responses: no network round trip), counting the messages held but not
 * committed as behind. At most once a second; also while a batch waits out an outage. */
static void update_lag(hub_consumer_t *c)
{
    rd_kafka_topic_partition_list_t *a = NULL;
    if (now_ms() - c->last_lag < 1000)
        return;
    c->last_lag = now_ms();
    if (rd_kafka_assignment(c->rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || !a)
        return;
    rd_kafka_position(c->rk, a);
    for (int i = 0; i < a->cnt; i++) {
        const char *topic = a->elems[i].topic;
        bool first = true;
        for (int j = 0; j < i; j++)
            if (strcmp(a->elems[j].topic, topic) == 0)
                first = false;
        if (!first)
            continue;
        double lag = 0;
        for (int j = i; j < a->cnt; j++) {
            int64_t lo = 0, hi = 0;
            if (strcmp(a->elems[j].topic, topic) != 0 || a->elems[j].offset < 0 ||
                rd_kafka_get_watermark_offsets(c->rk, topic, a->elems[j].partition, &lo, &hi) !=
                    RD_KAFKA_RESP_ERR_NO_ERROR ||
                hi < a->elems[j].offset)
                continue;
            lag += (double)(hi - a->elems[j].offset);
        }
        lag += (double)held_of(c, topic);
        hub_metrics_set(c->metrics, "hub_consumer_lag_messages", "topic", topic, lag);
    }
    rd_kafka_topic_partition_list_destroy(a);
}

/* Counts a committed batch: messages per topic, dead letters per reason, size and latency. */
static void count_batch(hub_consumer_t *c, int64_t started_ms)
{
    for (size_t i = 0; i < c->n_pending; i++) {
        const char *topic = rd_kafka_topic_name(c->pending[i]->rkt);
        bool first = true;
        for (size_t j = 0; j < i && first; j++)
            if (c->pending[j]->rkt == c->pending[i]->rkt)
                first = false;
        if (first) {
            size_t n = 0;
            for (size_t j = i; j < c->n_pending; j++)
                n += c->pending[j]->rkt == c->pending[i]->rkt;
            hub_metrics_add(c->metrics, "hub_consumed_total", "topic", topic, (double)n);
        }
        if (c->dead[i])
            hub_metrics_add(c->metrics, "hub_dead_letters_total", "reason", c->why[i].reason, 1);
    }
    hub_metrics_observe(c->metrics, "hub_batch_messages", (double)c->n_pending);
    hub_metrics_observe(c->metrics, "hub_batch_seconds", (double)(now_ms() - started_ms) / 1000.0);
}

hub_metrics_t *hub_consumer_metrics(hub_consumer_t *c)
{
    return c->metrics;
}

void hub_consumer_set_ping(hub_consumer_t *c, int (*ping)(void *ud, struct hub_error *err))
{
    c->ping = ping;
}

int hub_consumer_new(const hub_config_t *cfg, const char *name, const char *group,
                     const char *const *topics, const struct hub_consumer_handler *h,
                     hub_consumer_t **out, struct hub_error *err)
{
    rd_kafka_conf_t *conf = NULL;
    rd_kafka_topic_partition_list_t *subs = NULL;
    char errstr[512];
    char dlq_client[96];
    int rc;
    hub_consumer_t *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->group, sizeof c->group, "%s", group);
    char base[TOPIC_MAX];
    snprintf(base, sizeof base, "%s%s", HUB_TOPIC_DLQ_PREFIX, name);
    hub_config_topic(cfg, base, c->dlq_topic, sizeof c->dlq_topic);
    c->h = *h;
    c->batch_max = hub_config_get_int(cfg, "hub.consumer.batch_max");
    c->batch_wait_ms = hub_config_get_int(cfg, "hub.consumer.batch_wait_ms");
    c->retry_max_ms = hub_config_get_int(cfg, "hub.consumer.retry_max_ms");
    if (grow_pending(c, (size_t)c->batch_max) != 0) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = load_keys(c, cfg, err)) != 0)
        goto fail;
    if (c->keys) {
        c->ahead = calloc((size_t)c->batch_max, sizeof *c->ahead);
        c->ahead_in = calloc((size_t)c->batch_max, sizeof *c->ahead_in);
        if (!c->ahead || !c->ahead_in) {
            rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
            goto fail;
        }
    }
    c->metrics = hub_metrics_new();
    if (!c->metrics) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto fail;
    }
    describe_metrics(c->metrics);
    set_db_live(c, true);
    const char *listen = hub_config_get(cfg, "hub.metrics.listen");
    if (listen && *listen &&
        (rc = hub_ops_http_start(listen, c->metrics, consumer_ready, c, &c->ops, err)) != 0)
        goto fail;

    rc = hub_kafka_conf_new(cfg, HUB_KAFKA_CONSUMER, name, &conf, err);
    if (rc)
        goto fail;
    if (rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        rc = hub_error_set(err, HUB_ECONFIG_VALUE, "group.id: %s", errstr);
        goto fail;
    }
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_opaque(conf, c);
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!c->rk) {
        rc = hub_error_set(err, HUB_EKAFKA, "kafka consumer: %s", errstr);
        goto fail;
    }
    conf = NULL;
    rd_kafka_poll_set_consumer(c->rk);

    snprintf(dlq_client, sizeof dlq_client, "%s-dlq", name);
    rc = hub_producer_new(cfg, dlq_client, on_dlq_delivery, c, &c->dlq, err);
    if (rc)
        goto fail;

    subs = rd_kafka_topic_partition_list_new(MAX_TOPICS);
    for (size_t i = 0; topics[i] && i < MAX_TOPICS; i++) {
        char t[TOPIC_MAX];
        hub_config_topic(cfg, topics[i], t, sizeof t);
        rd_kafka_topic_partition_list_add(subs, t, RD_KAFKA_PARTITION_UA);
        /* every series exists from the start, at 0: a dashboard sees "nothing yet", not "no data"
         */
        hub_metrics_add(c->metrics, "hub_consumed_total", "topic", t, 0);
        hub_metrics_set(c->metrics, "hub_consumer_lag_messages", "topic", t, 0);
    }
    hub_metrics_add(c->metrics, "hub_db_retries_total", NULL, NULL, 0);
    hub_metrics_set(c->metrics, "hub_assigned_partitions", NULL, NULL, 0);
    rd_kafka_resp_err_t ke = rd_kafka_subscribe(c->rk, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (ke) {
        rc = hub_error_set(err, HUB_EKAFKA, "subscribe: %s", rd_kafka_err2str(ke));
        goto fail;
    }
    *out = c;
    return 0;
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    hub_consumer_destroy(c);
    return rc;
}

/* Hands one dead letter to the producer: whole when it fits, else without its value (hub/dlq.h).
 * 0, or the producer's error (the letter is then not in flight). */
static int send_one_letter(hub_consumer_t *c, size_t i, struct hub_error *err)
{
    const rd_kafka_message_t *m = c->pending[i];
    struct hub_dlq_origin o = {c->group,         rd_kafka_topic_name(m->rkt),
                               m->partition,     m->offset,
                               c->why[i].reason, c->why[i].detail};
    /* A message refused for carrying what must not leave the district is not copied onto one
     * more topic: its dead letter names where the original is, not what it holds. */
    bool withhold = strcmp(c->why[i].reason, HUB_REASON_IDENTITY) == 0 ||
                    strcmp(c->why[i].reason, HUB_REASON_NO_GROUND) == 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct hub_dlq_letter l;
        if (hub_dlq_letter_build(&o, m->key, m->key_len, withhold ? NULL : m->payload,
                                 withhold ? 0 : m->len, HUB_MESSAGE_MAX_BYTES, c->dlq_no_value[i],
                                 &l) != 0)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        if (withhold)
            rd_kafka_header_add(l.headers, "hub.value", -1, "withheld", -1);
        uint64_t seq = ++c->dlq_next_seq;
        int rc = hub_producer_send(c->dlq, c->dlq_topic, l.key, l.key_len, l.value, l.value_len,
                                   l.headers, (void *)(uintptr_t)seq, err);
        if (rc == 0) {
            c->dlq_seq[i] = seq;
            c->dlq_state[i] = DLQ_INFLIGHT;
            if (l.value_omitted)
                hub_log(HUB_LOG_WARN, "dead letter sent without its value (too large)",
                        "topic=%s partition=%" PRId32 " offset=%" PRId64 " bytes=%zu dlq_id=%s",
                        o.topic, o.partition, o.offset, m->len, l.id);
            return 0;
        }
        rd_kafka_headers_destroy(l.headers);
        if (rc != HUB_EKAFKA_TOO_LARGE || c->dlq_no_value[i])
            return rc;
        c->dlq_no_value[i] = true; /* our size estimate was short: once more without the value */
    }
    return hub_error_set(err, HUB_EKAFKA, "dead letter does not fit");
}

/* Sends the batch's dead letters that are neither acknowledged nor in flight, then waits for
 * every report. A letter is handed over again only after its report said it failed, so a failed
 * send partway through a batch does not repeat the letters before it. */
static int send_dead_letters(hub_consumer_t *c, struct hub_error *err)
{
    int rc = 0;
    bool waiting = false;
    for (size_t i = 0; i < c->n_pending; i++) {
        if (!c->dead[i] || c->dlq_state[i] == DLQ_ACKED)
            continue;
        waiting = true;
        if (c->dlq_state[i] == DLQ_INFLIGHT || rc != 0)
            continue;
        rc = send_one_letter(c, i, err);
    }
    if (!waiting)
        return 0;
    (void)hub_producer_flush(c->dlq, DLQ_FLUSH_MS);
    if (rc)
        return rc;
    for (size_t i = 0; i < c->n_pending; i++)
        if (c->dead[i] && c->dlq_state[i] != DLQ_ACKED)
            return hub_error_set(err, HUB_EKAFKA_UNDELIVERED,
                                 "dead letters to %s not acknowledged; will retry", c->dlq_topic);
    return 0;
}

/* Checks the signature of every pending message not checked yet, spread over verify_threads. A
 * message is verified once, however often its batch is prepared again. Its time is its first
 * sighting (hub/pg/sighting.h) when the handler has one recorded, else now. Returns 0 or the
 * lookup's error (nothing is marked verified then). */
static int verify_pending(hub_consumer_t *c, struct hub_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_pending; i++) {
        if (c->verified[i])
            continue;
        hub_sig_input_from_message(c->pending[i], &c->sig_in[n]);
        c->sig_in[n].crypto = c->pre[i];
        c->stats.verified_ahead += c->pre[i] != HUB_SIG_CRYPTO_UNCHECKED;
        c->sig_idx[n++] = i;
    }
    if (n == 0)
        return 0;
    if (c->h.seen_lookup) {
        for (size_t j = 0; j < n; j++) {
            const struct hub_sig_input *in = &c->sig_in[j];
            c->sig_ptrs[j] = in->sig && in->sig_len == HUB_SIG_LEN ? in->sig : NULL;
            c->seen_buf[j] = in->seen_ms;
        }
        int64_t t_seen = now_ms();
        int rc = c->h.seen_lookup(c->h.ud, c->sig_ptrs, c->seen_buf, n, err);
        c->stats.sighting_ms += now_ms() - t_seen;
        if (rc)
            return rc;
        for (size_t j = 0; j < n; j++)
            c->sig_in[j].seen_ms = c->seen_buf[j];
    }
    int64_t t0 = now_ms();
    hub_sign_check_many(c->keys, c->sig_in, c->sig_out, n, c->verify_threads);
    c->stats.verify_ms += now_ms() - t0;
    for (size_t j = 0; j < n; j++) {
        c->sig[c->sig_idx[j]] = c->sig_out[j];
        c->msg_in[c->sig_idx[j]] = c->sig_in[j];
        c->verified[c->sig_idx[j]] = true;
    }
    return 0;
}

/* Records the first sighting of every pending message whose signature verified, before the
 * batch has any effect. */
static int record_sightings(hub_consumer_t *c, struct hub_error *err)
{
    bool any = false;
    if (!c->h.seen_record)
        return 0;
    for (size_t i = 0; i < c->n_pending; i++) {
        bool ok = c->verified[i] && c->sig[i].status == HUB_SIG_OK && c->sig[i].key;
        c->sig_ptrs[i] = ok ? c->msg_in[i].sig : NULL;
        c->key_ids[i] = ok ? c->sig[i].key->key_id : NULL;
        c->seen_buf[i] = c->msg_in[i].seen_ms;
        any = any || ok;
    }
    if (!any)
        return 0;
    int64_t t0 = now_ms();
    int rc = c->h.seen_record(c->h.ud, c->sig_ptrs, c->key_ids, c->seen_buf, c->n_pending, err);
    c->stats.sighting_ms += now_ms() - t0;
    return rc;
}

/* Before prepare(): a message whose signature fails is dead-lettered with reason `signature`. An
 * unsigned one passes only with hub.signing.required=false. */
static int check_signature(hub_consumer_t *c, size_t i, char reason[HUB_REASON_MAX],
                           struct hub_error *e)
{
    const struct hub_sig_result *r = &c->sig[i];
    c->current_signer = r->status == HUB_SIG_OK ? r->key : NULL;
    c->current_seen = c->msg_in[i].seen_ms;
    if (r->status == HUB_SIG_OK || (r->status == HUB_SIG_MISSING && !c->sig_required))
        return 0;
    snprintf(reason, HUB_REASON_MAX, "signature");
    e->code = HUB_ESIGNATURE;
    hub_sig_describe(&c->msg_in[i], r, e->msg, sizeof e->msg);
    return HUB_ESIGNATURE;
}

static void mark_dead(hub_consumer_t *c, size_t i, const char *reason, const char *detail)
{
    const rd_kafka_message_t *m = c->pending[i];
    c->dead[i] = true;
    snprintf(c->why[i].reason, sizeof c->why[i].reason, "%s", reason[0] ? reason : "rejected");
    snprintf(c->why[i].detail, sizeof c->why[i].detail, "%s", detail);
    hub_log(HUB_LOG_WARN, "dead letter",
            "reason=%s topic=%s partition=%" PRId32 " offset=%" PRId64 " detail=\"%s\"",
            c->why[i].reason, rd_kafka_topic_name(m->rkt), m->partition, m->offset, detail);
}

/* No hub producer sends a value larger than HUB_EVENT_MAX_BYTES (hub/kafka.h): a larger one is
 * dead-lettered with reason `size` before anything else looks at it. */
static int check_size(const rd_kafka_message_t *m, char reason[HUB_REASON_MAX], struct hub_error *e)
{
    if (m->len <= HUB_EVENT_MAX_BYTES)
        return 0;
    snprintf(reason, HUB_REASON_MAX, "size");
    return hub_error_set(e, HUB_ERANGE, "value is %zu bytes, more than the hub's limit of %d",
                         m->len, HUB_EVENT_MAX_BYTES);
}

static void prepare_all(hub_consumer_t *c)
{
    for (size_t i = 0; i < c->n_pending; i++) {
        if (c->prepared[i] && !c->need_prepare)
            continue;
        rd_kafka_message_t *m = c->pending[i];
        char reason[HUB_REASON_MAX] = "";
        struct hub_error e = {0};
        c->dead[i] = false;
        if (check_size(m, reason, &e) != 0 || check_signature(c, i, reason, &e) != 0 ||
            c->h.prepare(c->h.ud, m, i, reason, &e) != 0)
            mark_dead(c, i, reason, e.msg);
        c->current_signer = NULL;
        c->current_seen = 0;
        c->prepared[i] = true;
    }
    c->need_prepare = false;
}

static void build_batch(hub_consumer_t *c, struct hub_batch *b);

/* The handler's batch-level checks (review()), after prepare(): rejected messages die too. */
static int review_all(hub_consumer_t *c, struct hub_error *err)
{
    struct hub_batch b;
    if (!c->h.review)
        return 0;
    build_batch(c, &b);
    memset(c->reject, 0, c->n_pending * sizeof *c->reject);
    int rc = c->h.review(c->h.ud, &b, c->reject, c->rejection, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < c->n_pending; i++)
        if (c->reject[i] && !c->dead[i])
            mark_dead(c, i, c->rejection[i].reason, c->rejection[i].detail);
    return 0;
}

static void build_batch(hub_consumer_t *c, struct hub_batch *b)
{
    size_t n_off = 0;
    if (c->cap_offs < c->n_pending) {
        struct hub_batch_offset *o = realloc(c->offs, c->n_pending * sizeof *o);
        if (o) {
            c->offs = o;
            c->cap_offs = c->n_pending;
        }
    }
    for (size_t i = 0; i < c->n_pending; i++) {
        const rd_kafka_message_t *m = c->pending[i];
        const char *topic = rd_kafka_topic_name(m->rkt);
        c->bmsgs[i] = (struct hub_batch_msg){m, topic, c->dead[i]};
        size_t k;
        for (k = 0; k < n_off; k++)
            if (c->offs[k].partition == m->partition && strcmp(c->offs[k].topic, topic) == 0)
                break;
        if (k == n_off && n_off < c->cap_offs)
            c->offs[n_off++] = (struct hub_batch_offset){topic, m->partition, m->offset + 1};
        else if (k < n_off && c->offs[k].next_offset < m->offset + 1)
            c->offs[k].next_offset = m->offset + 1;
    }
    *b = (struct hub_batch){c->bmsgs, c->n_pending, c->offs, n_off};
}

static void commit_kafka_for_lag(hub_consumer_t *c, const struct hub_batch *b)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)b->n_offsets);
    for (size_t k = 0; k < b->n_offsets; k++)
        rd_kafka_topic_partition_list_add(l, b->offsets[k].topic, b->offsets[k].partition)->offset =
            b->offsets[k].next_offset;
    rd_kafka_commit(c->rk, l, 1);
    rd_kafka_topic_partition_list_destroy(l);
}

static void release_pending(hub_consumer_t *c)
{
    for (size_t i = 0; i < c->n_pending; i++)
        rd_kafka_message_destroy(c->pending[i]);
    c->n_pending = 0;
}

static void release_ahead(hub_consumer_t *c)
{
    for (size_t i = 0; i < c->n_ahead; i++)
        rd_kafka_message_destroy(c->ahead[i]);
    c->n_ahead = 0;
}

/* Appends a message taken from librdkafka to the batch in hand (capacity: batch_max). */
static void add_pending(hub_consumer_t *c, rd_kafka_message_t *m, enum hub_sig_crypto pre)
{
    size_t i = c->n_pending++;
    c->pending[i] = m;
    c->prepared[i] = false;
    c->dead[i] = false;
    c->dlq_state[i] = DLQ_NONE;
    c->dlq_no_value[i] = false;
    c->verified[i] = false;
    c->pre[i] = pre;
}

/* A message from rd_kafka_consumer_poll(): true when it is one to process; errors are logged
 * (end of partition quietly) and the message destroyed. */
static bool take_message(hub_consumer_t *c, rd_kafka_message_t *m)
{
    if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            hub_log(HUB_LOG_WARN, "consume error", "error=\"%s\"", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        return false;
    }
    if (c->first_msg_at == 0)
        c->first_msg_at = now_ms();
    c->stats.consumed++;
    return true;
}

/* Takes what librdkafka already holds, without waiting, up to a batch: the next batch's start,
 * verified on background threads while the batch in hand goes to the database. Called only
 * between rounds: a rebalance it triggers drops revoked messages from both. */
static hub_sign_ahead_t *look_ahead(hub_consumer_t *c)
{
    size_t from = c->n_ahead;
    while (c->n_ahead < (size_t)c->batch_max && c->n_pending > 0) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, 0);
        if (!m)
            break;
        if (!take_message(c, m))
            continue;
        hub_sig_input_from_message(m, &c->ahead_in[c->n_ahead]);
        c->ahead[c->n_ahead++] = m;
    }
    if (from > c->n_ahead) /* a rebalance dropped some: start over on what is left */
        from = 0;
    return hub_sign_ahead_start(c->keys, c->ahead_in + from, c->n_ahead - from, c->verify_threads);
}

/* The messages taken ahead become the batch in hand, with their signature bytes' verdicts. */
static void adopt_ahead(hub_consumer_t *c)
{
    for (size_t i = 0; i < c->n_ahead; i++)
        add_pending(c, c->ahead[i], c->ahead_in[i].crypto);
    c->n_ahead = 0;
}

static void set_paused(hub_consumer_t *c, bool pause)
{
    rd_kafka_topic_partition_list_t *a = NULL;
    if (rd_kafka_assignment(c->rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || !a)
        return;
    if (pause)
        rd_kafka_pause_partitions(c->rk, a);
    else
        rd_kafka_resume_partitions(c->rk, a);
    rd_kafka_topic_partition_list_destroy(a);
}

/* While waiting out an outage: stay in the group; a message that still arrives is put back. */
static void poll_while_down(hub_consumer_t *c, long ms)
{
    int64_t until = now_ms() + ms;
    while (!hub_app_stopping()) {
        int64_t left = until - now_ms();
        if (left <= 0)
            break;
        hub_sd_alive();
        update_lag(c);
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, (int)left);
        if (!m)
            continue;
        if (!m->err) {
            rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
            rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(m->rkt), m->partition)
                ->offset = m->offset;
            rd_kafka_error_t *ke = rd_kafka_seek_partitions(c->rk, l, 1000);
            if (ke)
                rd_kafka_error_destroy(ke);
            rd_kafka_pause_partitions(c->rk, l);
            rd_kafka_topic_partition_list_destroy(l);
        }
        rd_kafka_message_destroy(m);
    }
}

/* Commits the batch in hand, riding out outages. 0, or a fatal error. */
static int process_batch(hub_consumer_t *c, struct hub_error *err)
{
    long backoff = 100;
    int64_t started = now_ms();
    bool looked_ahead = false;
    while (c->n_pending > 0) {
        /* joined below before anything that polls the consumer, which may rebalance */
        hub_sign_ahead_t *bg = NULL;
        bool fresh = c->ahead && !looked_ahead && !c->db_down;
        if (fresh) {
            looked_ahead = true;
            bg = look_ahead(c);
            if (c->n_pending == 0) {
                hub_sign_ahead_join(bg);
                break;
            }
        }
        int rc = verify_pending(c, err);
        if (rc == 0) {
            prepare_all(c);
            rc = review_all(c, err);
        }
        if (rc == 0)
            rc = record_sightings(c, err);
        if (rc == 0)
            rc = send_dead_letters(c, err);
        if (rc == 0 && fresh && c->n_ahead < (size_t)c->batch_max) {
            /* more has arrived meanwhile: take it too, to be verified during the commit */
            hub_sign_ahead_join(bg);
            size_t had = c->n_pending;
            bg = look_ahead(c);
            if (c->n_pending != had) { /* a rebalance took part of the batch: prepare again */
                hub_sign_ahead_join(bg);
                continue;
            }
        }
        if (rc == 0) {
            struct hub_batch b;
            build_batch(c, &b);
            int64_t t_commit = now_ms();
            rc = c->h.commit(c->h.ud, &b, err);
            c->stats.commit_ms += now_ms() - t_commit;
            hub_sign_ahead_join(bg);
            bg = NULL;
            if (rc == 0) {
                size_t dead = 0;
                for (size_t i = 0; i < c->n_pending; i++) {
                    dead += c->dead[i];
                    c->stats.bad_signatures +=
                        c->dead[i] && strcmp(c->why[i].reason, "signature") == 0;
                }
                c->stats.dead_letters += dead;
                c->stats.committed += c->n_pending;
                c->stats.batches++;
                commit_kafka_for_lag(c, &b);
                c->stats.busy_ms = now_ms() - c->first_msg_at;
                count_batch(c, started);
                if (!atomic_load(&c->db_live))
                    set_db_live(c, true);
                release_pending(c);
                if (c->db_down) {
                    c->db_down = false;
                    set_paused(c, false);
                    hub_sd_status("consuming");
                    hub_log(HUB_LOG_INFO, "database back; partitions resumed", NULL);
                }
                return 0;
            }
        }
        hub_sign_ahead_join(bg);
        if (rc != HUB_EPG_CONNECT && rc != HUB_EKAFKA_UNDELIVERED && rc != HUB_EKAFKA &&
            rc != HUB_EKAFKA_TOO_LARGE)
            return rc;
        if (!c->db_down) {
            c->db_down = true;
            set_paused(c, true);
            hub_sd_status("batch not committed; partitions paused, retrying");
        }
        c->stats.db_retries++;
        hub_metrics_add(c->metrics, "hub_db_retries_total", NULL, NULL, 1);
        if (rc == HUB_EPG_CONNECT)
            set_db_live(c, false);
        hub_log(HUB_LOG_WARN, "batch not committed; partitions paused, retrying",
                "backoff_ms=%ld error=\"%s\"", backoff, err->msg);
        poll_while_down(c, backoff);
        if (hub_app_stopping())
            return 0; /* nothing committed: the stored offsets still point at this batch */
        backoff = backoff * 2 > c->retry_max_ms ? c->retry_max_ms : backoff * 2;
        if (rc == HUB_EPG_CONNECT)
            (void)c->h.reconnect(c->h.ud, err);
    }
    /* Every pending message's partition was revoked while the batch waited out the outage (seen
     * on a real cluster when brokers return): no batch is left to prove the outage over, so
     * resume now. Left paused, the partitions assigned next would stay paused for good; if the
     * outage goes on, the next batch pauses them again. */
    if (c->db_down) {
        c->db_down = false;
        set_paused(c, false);
        hub_log(HUB_LOG_INFO, "batch revoked while retrying; partitions resumed", NULL);
    }
    return 0;
}

/* While idle: keep the lag gauge fresh and see every few seconds whether the database answers,
 * so /readyz tells the truth even when there is nothing to commit. */
static void idle_checks(hub_consumer_t *c)
{
    update_lag(c);
    if (!c->ping || now_ms() - c->last_ping < PING_EVERY_MS)
        return;
    c->last_ping = now_ms();
    struct hub_error e = {0};
    int rc = c->ping(c->h.ud, &e);
    if (rc == HUB_EPG_CONNECT && c->h.reconnect(c->h.ud, &e) == 0)
        rc = c->ping(c->h.ud, &e);
    if ((rc == 0) != atomic_load(&c->db_live)) {
        set_db_live(c, rc == 0);
        hub_log(rc == 0 ? HUB_LOG_INFO : HUB_LOG_WARN,
                rc == 0 ? "database answers again" : "database does not answer", "error=\"%s\"",
                e.msg);
    }
}

int hub_consumer_run(hub_consumer_t *c, int idle_exit_ms, struct hub_error *err)
{
    c->last_activity = now_ms();
    hub_sd_ready("consuming");
    while (!hub_app_stopping()) {
        int64_t deadline = 0;
        if (c->n_pending == 0 && c->n_ahead > 0) {
            adopt_ahead(c);
            deadline = now_ms() + c->batch_wait_ms;
        }
        while ((long)c->n_pending < c->batch_max && !hub_app_stopping()) {
            int timeout = POLL_IDLE_MS;
            if (c->n_pending > 0) {
                int64_t left = deadline - now_ms();
                if (left <= 0 && c->batch_wait_ms > 0)
                    break;
                /* batch_wait_ms 0: what is already queued joins the batch; nothing is waited for */
                timeout = left > 0 ? (int)left : 0;
            }
            hub_sd_alive();
            rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, timeout);
            if (c->n_pending == 0)
                idle_checks(c);
            if (!m) {
                if (c->n_pending > 0 && timeout == 0)
                    break;
                if (c->n_pending == 0 && idle_exit_ms > 0 && c->assigned > 0 &&
                    now_ms() - c->last_activity >= idle_exit_ms)
                    return 0;
                continue;
            }
            if (!take_message(c, m))
                continue;
            if (grow_pending(c, c->n_pending + 1) != 0) {
                rd_kafka_message_destroy(m);
                return hub_error_set(err, HUB_ENOMEM, "out of memory");
            }
            if (c->n_pending == 0)
                deadline = now_ms() + c->batch_wait_ms;
            add_pending(c, m, HUB_SIG_CRYPTO_UNCHECKED);
        }
        if (c->n_pending == 0)
            continue;
        int rc = process_batch(c, err);
        if (rc)
            return rc;
        c->last_activity = now_ms();
    }
    hub_sd_stopping();
    return 0;
}

void hub_consumer_get_stats(const hub_consumer_t *c, struct hub_consumer_stats *out)
{
    *out = c->stats;
}

void hub_consumer_log_stats(const struct hub_consumer_stats *st)
{
    hub_log(HUB_LOG_INFO, "stopped",
            "consumed=%llu committed=%llu dead_letters=%llu bad_signatures=%llu batches=%llu "
            "db_retries=%llu verified_ahead=%llu sighting_ms=%lld commit_ms=%lld verify_ms=%lld "
            "busy_ms=%lld",
            (unsigned long long)st->consumed, (unsigned long long)st->committed,
            (unsigned long long)st->dead_letters, (unsigned long long)st->bad_signatures,
            (unsigned long long)st->batches, (unsigned long long)st->db_retries,
            (unsigned long long)st->verified_ahead, (long long)st->sighting_ms,
            (long long)st->commit_ms, (long long)st->verify_ms, (long long)st->busy_ms);
}

const struct hub_sign_key *hub_consumer_current_signer(const hub_consumer_t *c)
{
    return c ? c->current_signer : NULL;
}

int64_t hub_consumer_current_seen(const hub_consumer_t *c)
{
    return c ? c->current_seen : 0;
}

int hub_consumer_check_signer(const hub_consumer_t *c, const struct hub_districts *districts,
                              const char *event_district, struct hub_error *err)
{
    const struct hub_sign_key *k = hub_consumer_current_signer(c);
    if (!k || hub_sign_signer_covers(districts, k->district, event_district))
        return 0;
    return hub_error_set(err, HUB_ESIGNATURE, "signed by %s (key %s), but the event is %s's",
                         k->district, k->key_id, event_district);
}

void hub_consumer_destroy(hub_consumer_t *c)
{
    if (!c)
        return;
    if (c->rk) {
        release_pending(c);
        release_ahead(c);
        if (c->ever_assigned) {
            rd_kafka_consumer_close(c->rk);
            release_pending(c);
            release_ahead(c);
            rd_kafka_destroy(c->rk);
        } else {
            /* librdkafka 2.0.2 aborts when a cooperative-sticky consumer is closed before its
             * first assignment (confluentinc/librdkafka#4312); with nothing assigned there is
             * nothing to hand back, so leave the group by letting the session time out. */
            rd_kafka_destroy_flags(c->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
        }
    }
    hub_ops_http_stop(c->ops);
    hub_producer_destroy(c->dlq);
    hub_metrics_destroy(c->metrics);
    free(c->pending);
    free(c->prepared);
    free(c->dead);
    free(c->dlq_state);
    free(c->dlq_seq);
    free(c->dlq_no_value);
    free(c->why);
    free(c->bmsgs);
    free(c->offs);
    free(c->verified);
    free(c->pre);
    free(c->ahead);
    free(c->ahead_in);
    free(c->sig);
    free(c->sig_in);
    free(c->sig_out);
    free(c->sig_idx);
    free(c->msg_in);
    free(c->sig_ptrs);
    free(c->key_ids);
    free(c->seen_buf);
    free(c->reject);
    free(c->rejection);
    hub_sign_keys_destroy(c->keys);
    free(c);
}
