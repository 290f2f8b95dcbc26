/*
 * notify_deliver.c — the delivery worker's loop (see notify_deliver.h).
 */
#include "hub/notify/notify_deliver.h"
#include "hub/core/app.h"
#include "hub/core/netguard.h"
#include "hub/kafka/kafka.h"
#include "hub/core/log.h"
#include "hub/notify/notify_policy.h"
#include "hub/notify/notify_store.h"
#include "hub/pg/pg.h"
#include "hub/crypto/secret.h"
#include "hub/crypto/sign.h"
#include "hub/crypto/webhook.h"

#include <curl/curl.h>
#include <sys/socket.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/rand.h>

#define GAUGES_EVERY_MS 5000
#define RECEIPT_BATCH 500
#define RECEIPT_LEASE_S 600 /* beyond librdkafka's message.timeout.ms (300 s) */
#define OVERDUE_BATCH 500
#define RECONNECT_MIN_MS 100
#define FLUSH_AT_STOP_MS 10000
#define USER_AGENT "sams-hub-notifier/1"

struct xfer {
    struct hub_nstore_claim claim;
    CURL *easy;
    struct curl_slist *hdrs;
    char curl_err[CURL_ERROR_SIZE];
    char retry_after[64];
    bool has_retry_after;
    int64_t started_ms;               /* monotonic */
    const struct hub_netallow *allow; /* the deliverer's, for open_socket() */
    bool refused;                     /* open_socket() refused the address libcurl resolved */
    char refused_why[HUB_DETAIL_STR];
    char outcome[32];
    char detail[HUB_DETAIL_STR];
    struct hub_nstore_outcome o;
    struct xfer *next;        /* in the unrecorded list */
    struct xfer *prev_active; /* in the list of transfers in flight */
    struct xfer *next_active;
};

/* msg_opaque of a receipt being produced */
struct pub_msg {
    char event_id[HUB_NSTORE_ID_STR];
};

struct id_list {
    char (*ids)[HUB_NSTORE_ID_STR];
    size_t n, cap;
    bool failed;
};

struct hub_deliverer {
    const hub_config_t *cfg;
    const hub_codec_t *codec;
    PGconn *conn;
    CURLM *multi;
    hub_producer_t *producer;
    hub_signer_t *signer; /* NULL: receipts go unsigned (hub.signing.required=false) */
    char receipt_topic[256];

    int parallel, timeout_s, lease_s, poll_ms, overdue_days, overdue_every_ms, jitter_pct;
    int64_t backoff_base_ms, backoff_max_ms, retry_after_max_s;
    long retry_max_ms;
    bool allow_http;
    struct hub_netallow allow; /* hub.notifier.allow_ranges */
    const char *ca_file;

    int inflight;
    struct xfer *active;     /* in flight on the multi handle */
    struct xfer *unrecorded; /* finished; outcome not yet in the database */
    struct id_list acked, nacked;
    int receipts_inflight;

    atomic_bool stop;
    hub_metrics_t *metrics; /* borrowed; NULL: not counted */
    int64_t next_gauges_ms;
    bool want_claim, want_receipts, db_down_logged;
    int64_t next_poll_ms, next_overdue_ms, next_reconnect_ms;
    int64_t quiet_until_ms; /* after a failed statement: no new claims before then */
    long reconnect_backoff_ms;
    struct hub_deliver_stats stats;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t random_u64(void)
{
    uint64_t v = 0;
    if (RAND_bytes((unsigned char *)&v, sizeof v) != 1)
        v = (uint64_t)mono_ms() * 0x9e3779b97f4a7c15ULL; /* jitter only: any spread will do */
    return v;
}

static bool stopping(const hub_deliverer_t *d)
{
    return hub_app_stopping() || atomic_load(&d->stop);
}

static void id_list_add(struct id_list *l, const char *id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        void *p = realloc(l->ids, cap * sizeof *l->ids);
        if (!p) {
            l->failed = true; /* its receipts stay leased and are published again later */
            return;
        }
        l->ids = p;
        l->cap = cap;
    }
    snprintf(l->ids[l->n++], HUB_NSTORE_ID_STR, "%s", id);
}

static void on_receipt_report(void *ud, void *msg_opaque, rd_kafka_resp_err_t e)
{
    hub_deliverer_t *d = ud;
    struct pub_msg *m = msg_opaque;
    d->receipts_inflight--;
    if (!m)
        return;
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
        id_list_add(&d->acked, m->event_id);
        d->stats.receipts_published++;
    } else {
        hub_log(HUB_LOG_WARN, "receipt not acknowledged by Kafka; will retry",
                "event_id=%s error=\"%s\"", m->event_id, rd_kafka_err2str(e));
        id_list_add(&d->nacked, m->event_id);
    }
    free(m);
}

int hub_deliverer_new(const hub_config_t *cfg, const hub_codec_t *codec,
                      const hub_districts_t *districts, hub_deliverer_t **out,
                      struct hub_error *err)
{
    hub_deliverer_t *d = calloc(1, sizeof *d);
    int rc;
    *out = NULL;
    if (!d)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    d->cfg = cfg;
    d->codec = codec;
    atomic_init(&d->stop, false);
    d->parallel = (int)hub_config_get_int(cfg, "hub.notifier.parallel");
    d->timeout_s = (int)hub_config_get_int(cfg, "hub.notifier.timeout_s");
    d->lease_s = (int)hub_config_get_int(cfg, "hub.notifier.lease_s");
    d->poll_ms = (int)hub_config_get_int(cfg, "hub.notifier.poll_ms");
    d->overdue_days = (int)hub_config_get_int(cfg, "hub.notifier.overdue_working_days");
    d->overdue_every_ms = (int)hub_config_get_int(cfg, "hub.notifier.overdue_scan_s") * 1000;
    d->jitter_pct = (int)hub_config_get_int(cfg, "hub.notifier.jitter_pct");
    d->backoff_base_ms = hub_config_get_int(cfg, "hub.notifier.backoff_base_ms");
    d->backoff_max_ms = hub_config_get_int(cfg, "hub.notifier.backoff_max_s") * 1000;
    d->retry_after_max_s = hub_config_get_int(cfg, "hub.notifier.retry_after_max_s");
    d->retry_max_ms = hub_config_get_int(cfg, "hub.consumer.retry_max_ms");
    d->allow_http = hub_config_get_bool(cfg, "hub.notifier.allow_http");
    d->ca_file = hub_config_get(cfg, "hub.notifier.ca_file");
    if ((rc = hub_netallow_parse(hub_config_get(cfg, "hub.notifier.allow_ranges"), &d->allow,
                                 err)) != 0) {
        hub_error_prefix(err, "%s: ", hub_config_origin(cfg, "hub.notifier.allow_ranges"));
        goto fail;
    }
    d->reconnect_backoff_ms = RECONNECT_MIN_MS;
    if (d->lease_s < 2 * d->timeout_s) {
        rc =
            hub_error_set(err, HUB_ECONFIG_VALUE,
                          "%s: hub.notifier.lease_s=%d must be at least twice "
                          "hub.notifier.timeout_s=%d",
                          hub_config_origin(cfg, "hub.notifier.lease_s"), d->lease_s, d->timeout_s);
        goto fail;
    }
    hub_config_topic(cfg, HUB_TOPIC_RECEIPT, d->receipt_topic, sizeof d->receipt_topic);
    d->multi = curl_multi_init();
    if (!d->multi) {
        rc = hub_error_set(err, HUB_ENOMEM, "curl_multi_init failed");
        goto fail;
    }
    curl_multi_setopt(d->multi, CURLMOPT_MAXCONNECTS, (long)d->parallel);
    if ((rc = hub_signer_new(cfg, districts, &d->signer, err)) ||
        (d->signer && (rc = hub_signer_check_district(d->signer, HUB_SIGN_HUB, err)))) {
        hub_error_prefix(err, "receipt signing (hub.signing.key_file must be the hub's own key, "
                              "district " HUB_SIGN_HUB "): ");
        goto fail;
    }
    if ((rc = hub_producer_new(cfg, "notifier-receipts", on_receipt_report, d, &d->producer, err)))
        goto fail;
    *out = d;
    return 0;
fail:
    hub_deliverer_destroy(d);
    return rc;
}

void hub_deliverer_stop(hub_deliverer_t *d)
{
    atomic_store(&d->stop, true);
    if (d->multi)
        curl_multi_wakeup(d->multi);
}

/* ---- the database session ---- */

static bool ensure_conn(hub_deliverer_t *d)
{
    struct hub_error err = {0};
    PGconn *conn = NULL;

    if (d->conn && PQstatus(d->conn) == CONNECTION_OK)
        return true;
    if (mono_ms() < d->next_reconnect_ms)
        return false;
    PQfinish(d->conn);
    d->conn = NULL;
    int rc = hub_pg_connect(d->cfg, &conn, &err);
    if (rc == 0)
        rc = hub_pg_exec(conn, "listen for new notifications", "LISTEN " HUB_NSTORE_CHANNEL, 0,
                         NULL, NULL, &err);
    if (rc) {
        PQfinish(conn);
        if (!d->db_down_logged)
            hub_log(HUB_LOG_WARN, "delivery worker: database unreachable; retrying", "error=\"%s\"",
                    err.msg);
        d->db_down_logged = true;
        d->next_reconnect_ms = mono_ms() + d->reconnect_backoff_ms;
        d->reconnect_backoff_ms = d->reconnect_backoff_ms * 2 > d->retry_max_ms
                                      ? d->retry_max_ms
                                      : d->reconnect_backoff_ms * 2;
        return false;
    }
    if (d->db_down_logged)
        hub_log(HUB_LOG_INFO, "delivery worker: database back", NULL);
    d->db_down_logged = false;
    d->reconnect_backoff_ms = RECONNECT_MIN_MS;
    d->conn = conn;
    d->want_claim = d->want_receipts = true;
    return true;
}

/* After a failed statement: drop a broken session so the next round reconnects, and hold back
 * new claims for a while so that a failing statement (a missing table) is not hammered. */
static void db_failed(hub_deliverer_t *d, const char *what, int rc, const struct hub_error *err)
{
    hub_log(rc == HUB_EPG_CONNECT ? HUB_LOG_WARN : HUB_LOG_ERROR,
            "delivery worker: database step failed", "step=\"%s\" error=\"%s\"", what, err->msg);
    d->quiet_until_ms = mono_ms() + (d->retry_max_ms < 1000 ? d->retry_max_ms : 1000);
    if (d->conn && PQstatus(d->conn) != CONNECTION_OK) {
        PQfinish(d->conn);
        d->conn = NULL;
        d->next_reconnect_ms = mono_ms() + d->reconnect_backoff_ms;
    }
}

static bool quiet(const hub_deliverer_t *d)
{
    return mono_ms() < d->quiet_until_ms;
}

/* ---- transfers ---- */

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * nmemb;
}

/* Keeps the Retry-After of the final response (a new status line resets it). */
static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nitems;
    if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
        x->has_retry_after = false;
    } else if (n > 12 && strncasecmp(buf, "Retry-After:", 12) == 0) {
        size_t len = n - 12;
        if (len >= sizeof x->retry_after)
            len = sizeof x->retry_after - 1;
        memcpy(x->retry_after, buf + 12, len);
        x->retry_after[len] = '\0';
        x->has_retry_after = true;
    }
    return n;
}

static void xfer_free(struct xfer *x)
{
    if (!x)
        return;
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->hdrs);
    hub_nstore_claim_clear(&x->claim);
    free(x);
}

static void push_unrecorded(hub_deliverer_t *d, struct xfer *x)
{
    x->next = d->unrecorded;
    d->unrecorded = x;
}

/* Sets a final or retry outcome after a failed attempt (or a failure before any request). */
static void schedule_retry(hub_deliverer_t *d, struct xfer *x, const char *outcome, int status,
                           bool attempted, const char *detail)
{
    int64_t now = wall_ms();
    snprintf(x->outcome, sizeof x->outcome, "%s", outcome);
    x->o.outcome = x->outcome;
    x->o.http_status = status;
    x->o.attempted = attempted;
    x->o.at_ms = now;
    if (now >= x->claim.deadline_ms) {
        x->o.verdict = HUB_NSTORE_FAILED;
        snprintf(x->detail, sizeof x->detail, "gave up after %d attempts: %s", x->claim.attempt,
                 detail);
        x->o.detail = x->detail;
        return;
    }
    int64_t delay = hub_notify_backoff_ms(x->claim.attempt, d->backoff_base_ms, d->backoff_max_ms,
                                          d->jitter_pct, random_u64());
    int64_t ra = 0;
    if (x->has_retry_after && hub_notify_retry_after_parse(x->retry_after, now / 1000, &ra) == 0) {
        if (ra > d->retry_after_max_s)
            ra = d->retry_after_max_s;
        if (ra * 1000 > delay)
            delay = ra * 1000;
    }
    int64_t next = now + delay;
    if (next > x->claim.deadline_ms)
        next = x->claim.deadline_ms;
    x->o.verdict = HUB_NSTORE_RETRY;
    x->o.next_attempt_ms = next;
    snprintf(x->detail, sizeof x->detail, "%s", detail);
    x->o.detail = x->detail;
}

static void fail_now(struct xfer *x, const char *outcome, int status, bool attempted,
                     const char *detail)
{
    snprintf(x->outcome, sizeof x->outcome, "%s", outcome);
    snprintf(x->detail, sizeof x->detail, "%s", detail);
    x->o = (struct hub_nstore_outcome){HUB_NSTORE_FAILED, x->outcome, x->detail, status,
                                       attempted,         wall_ms(),  0};
}

/* Why a claimed notification cannot be sent at all, or NULL; `buf` holds a reason made here. */
static const char *no_endpoint(const hub_deliverer_t *d, const struct hub_nstore_claim *c,
                               char buf[HUB_DETAIL_STR])
{
    struct hub_error e = {0};
    if (!c->school_known)
        return "no endpoint: school unit not in the directory";
    if (c->school_removed)
        return "no endpoint: school unit removed from the directory";
    if (!c->webhook_url || !*c->webhook_url)
        return "no endpoint: no webhook_url in the directory";
    if (!c->secret_ref || !*c->secret_ref)
        return "no endpoint: no signing secret in the directory";
    if (strncasecmp(c->webhook_url, "https://", 8) != 0 &&
        !(d->allow_http && strncasecmp(c->webhook_url, "http://", 7) == 0))
        return d->allow_http ? "no endpoint: webhook_url is not http(s)"
                             : "no endpoint: webhook_url is not https";
    if (!c->body)
        return "no endpoint: nothing to send";
    /* the directory was checked at import; a row written otherwise, or a narrower allowance
     * since, is caught here (names are judged once resolved, in open_socket) */
    if (hub_net_check_url(c->webhook_url, d->allow_http, &d->allow, &e) != 0) {
        snprintf(buf, HUB_DETAIL_STR, "no endpoint: %.200s", e.msg);
        return buf;
    }
    return NULL;
}

static bool add_header(struct xfer *x, const char *name, const char *value)
{
    char line[512];
    snprintf(line, sizeof line, "%s: %s", name, value);
    struct curl_slist *l = curl_slist_append(x->hdrs, line);
    if (!l)
        return false;
    x->hdrs = l;
    return true;
}

/* CURLOPT_OPENSOCKETFUNCTION: opens the socket only for a public address or one the operator
 * allows (hub/netguard.h); otherwise the transfer fails with CURLE_COULDNT_CONNECT and `refused`.
 */
static curl_socket_t open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct xfer *x = ud;
    struct hub_error e = {0};
    if (purpose == CURLSOCKTYPE_IPCXN && hub_net_check_addr(&a->addr, x->allow, &e) != 0) {
        x->refused = true;
        snprintf(x->refused_why, sizeof x->refused_why, "endpoint refused: %.200s", e.msg);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* Takes over the claim (*c is emptied) and prepares its request; returns the transfer ready to
 * start, or NULL when it was settled at once (no endpoint, ...) or could not be set up. */
static struct xfer *prepare_transfer(hub_deliverer_t *d, struct hub_nstore_claim *c)
{
    struct xfer *x = calloc(1, sizeof *x);
    struct hub_error err = {0};
    uint8_t *key = NULL;
    size_t klen = 0;
    char sig[HUB_WEBHOOK_SIG_LEN], ts[24];

    if (!x) {
        hub_log(HUB_LOG_ERROR, "out of memory starting a delivery; the lease will lapse",
                "notification=%s", c->id);
        hub_nstore_claim_clear(c);
        return NULL;
    }
    x->claim = *c;
    memset(c, 0, sizeof *c);
    d->stats.attempts++;
    char why_buf[HUB_DETAIL_STR];
    const char *why = no_endpoint(d, &x->claim, why_buf);
    if (why) {
        fail_now(x, "no_endpoint", 0, false, why);
        push_unrecorded(d, x);
        return NULL;
    }
    if (hub_secret_file_read(x->claim.secret_ref, &key, &klen, &err) != 0) {
        hub_log(HUB_LOG_ERROR, "school signing secret unreadable; will retry",
                "school_unit=%s notification=%s error=\"%s\"", x->claim.school_unit, x->claim.id,
                err.msg);
        schedule_retry(d, x, "secret_unreadable", 0, false,
                       "the hub cannot read the school's signing secret");
        push_unrecorded(d, x);
        return NULL;
    }
    time_t now = time(NULL);
    int rc = hub_webhook_sign(key, klen, x->claim.id, (int64_t)now, x->claim.body,
                              x->claim.body_len, sig, &err);
    hub_secret_free(key, klen);
    if (rc) {
        schedule_retry(d, x, "sign_error", 0, false, err.msg);
        push_unrecorded(d, x);
        return NULL;
    }
    snprintf(ts, sizeof ts, "%lld", (long long)now);
    x->easy = curl_easy_init();
    bool ok = x->easy && add_header(x, "Content-Type", "application/json") &&
              add_header(x, "webhook-id", x->claim.id) && add_header(x, "webhook-timestamp", ts) &&
              add_header(x, "webhook-signature", sig) && add_header(x, "Expect", "");
    if (ok) {
        CURL *e = x->easy;
        curl_easy_setopt(e, CURLOPT_URL, x->claim.webhook_url);
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->claim.body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->claim.body_len);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
        curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)d->timeout_s * 1000L);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                         (long)(d->timeout_s < 10 ? d->timeout_s : 10) * 1000L);
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, d->allow_http ? "http,https" : "https");
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->curl_err);
        curl_easy_setopt(e, CURLOPT_PRIVATE, x);
        /* the address libcurl resolved is judged before it connects (DNS may say anything),
         * and no proxy from the environment stands between: the check is on the school's host */
        x->allow = &d->allow;
        curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
        curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
        curl_easy_setopt(e, CURLOPT_PROXY, "");
        if (d->ca_file && *d->ca_file)
            curl_easy_setopt(e, CURLOPT_CAINFO, d->ca_file);
    }
    if (!ok) {
        schedule_retry(d, x, "client_error", 0, false, "could not set up the HTTP request");
        push_unrecorded(d, x);
        return NULL;
    }
    return x;
}

/* Puts a prepared transfer on the wire. */
static void start_transfer(hub_deliverer_t *d, struct xfer *x)
{
    if (curl_multi_add_handle(d->multi, x->easy) != CURLM_OK) {
        schedule_retry(d, x, "client_error", 0, false, "could not start the HTTP request");
        push_unrecorded(d, x);
        return;
    }
    x->started_ms = mono_ms();
    x->next_active = d->active;
    if (d->active)
        d->active->prev_active = x;
    d->active = x;
    d->inflight++;
}

static const char *curl_outcome(CURLcode c)
{
    switch (c) {
    case CURLE_OPERATION_TIMEDOUT:
        return "timeout";
    case CURLE_COULDNT_CONNECT:
        return "connect_error";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return "dns_error";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return "tls_error";
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
        return "connection_reset";
    default:
        return "transport_error";
    }
}

/* Classifies finished transfers and queues their outcomes for recording. */
static void collect_finished(hub_deliverer_t *d)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(d->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct xfer *x = NULL;
        CURL *e = m->easy_handle;
        CURLcode res = m->data.result;
        long status = 0;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        curl_multi_remove_handle(d->multi, e);
        d->inflight--;
        if (!x)
            continue;
        if (x->prev_active)
            x->prev_active->next_active = x->next_active;
        else
            d->active = x->next_active;
        if (x->next_active)
            x->next_active->prev_active = x->prev_active;
        x->prev_active = x->next_active = NULL;
        int64_t ms = mono_ms() - x->started_ms;
        if (res == CURLE_OK && status >= 200 && status <= 299) {
            snprintf(x->outcome, sizeof x->outcome, "delivered");
            snprintf(x->detail, sizeof x->detail, "HTTP %ld in %" PRId64 " ms", status, ms);
            x->o = (struct hub_nstore_outcome){
                HUB_NSTORE_DELIVERED, x->outcome, x->detail, (int)status, true, wall_ms(), 0};
        } else if (res == CURLE_OK && status == 410) {
            fail_now(x, "gone", 410, true,
                     "HTTP 410 Gone: the school's endpoint refuses further deliveries");
        } else if (res == CURLE_OK) {
            char oc[32], det[64];
            snprintf(oc, sizeof oc, "http_%03ld", status);
            snprintf(det, sizeof det, "HTTP %ld", status);
            schedule_retry(d, x, oc, (int)status, true, det);
        } else if (x->refused) {
            /* an attempt like a refused connection (the log shows it), but no byte went to
             * that address; DNS may yet be corrected, so it is retried */
            schedule_retry(d, x, "address_refused", 0, true, x->refused_why);
        } else {
            char det[HUB_DETAIL_STR];
            snprintf(det, sizeof det, "%s", x->curl_err[0] ? x->curl_err : curl_easy_strerror(res));
            schedule_retry(d, x, curl_outcome(res), 0, true, det);
        }
        curl_easy_cleanup(e);
        x->easy = NULL;
        curl_slist_free_all(x->hdrs);
        x->hdrs = NULL;
        push_unrecorded(d, x);
    }
}

static void log_outcome(const struct xfer *x)
{
    const struct hub_nstore_outcome *o = &x->o;
    const struct hub_nstore_claim *c = &x->claim;
    if (o->verdict == HUB_NSTORE_DELIVERED)
        hub_log(HUB_LOG_INFO, "delivered",
                "notification=%s kind=%s school_unit=%s handover_id=%s attempt=%d status=%d", c->id,
                c->kind, c->school_unit, c->handover_id, c->attempt, o->http_status);
    else if (o->verdict == HUB_NSTORE_FAILED)
        hub_log(HUB_LOG_WARN, "delivery failed",
                "notification=%s kind=%s school_unit=%s handover_id=%s attempt=%d outcome=%s "
                "detail=\"%s\"",
                c->id, c->kind, c->school_unit, c->handover_id, c->attempt, o->outcome,
                o->detail ? o->detail : "");
    else
        hub_log(HUB_LOG_INFO, "delivery will be retried",
                "notification=%s school_unit=%s attempt=%d outcome=%s in_ms=%" PRId64, c->id,
                c->school_unit, c->attempt, o->outcome, o->next_attempt_ms - o->at_ms);
}

#define RECORD_BATCH 256

void hub_deliverer_set_metrics(hub_deliverer_t *d, hub_metrics_t *m)
{
    d->metrics = m;
    hub_metrics_describe(m, "hub_deliveries_total", "counter",
                         "delivery attempts by outcome: delivered, failed (final), retry");
    hub_metrics_describe(m, "hub_notifications_pending", "gauge", "notifications not yet final");
    hub_metrics_describe(m, "hub_oldest_pending_seconds", "gauge",
                         "age of the oldest notification not yet delivered or failed");
}

static void count_outcome(hub_deliverer_t *d, const struct xfer *x)
{
    if (d->metrics)
        hub_metrics_add(d->metrics, "hub_deliveries_total", "outcome",
                        x->o.verdict == HUB_NSTORE_DELIVERED ? "delivered"
                        : x->o.verdict == HUB_NSTORE_FAILED  ? "failed"
                                                             : "retry",
                        1);
    if (x->o.verdict == HUB_NSTORE_DELIVERED)
        d->stats.delivered++;
    else if (x->o.verdict == HUB_NSTORE_FAILED)
        d->stats.failed++;
    else
        d->stats.retried++;
}

/* Records finished outcomes, many per transaction, while the database answers. */
static void record_finished(hub_deliverer_t *d)
{
    const struct hub_nstore_claim *c[RECORD_BATCH];
    const struct hub_nstore_outcome *o[RECORD_BATCH];
    struct xfer *xs[RECORD_BATCH];
    bool changed[RECORD_BATCH];

    while (d->unrecorded && ensure_conn(d)) {
        size_t n = 0;
        for (struct xfer *x = d->unrecorded; x && n < RECORD_BATCH; x = x->next, n++) {
            xs[n] = x;
            c[n] = &x->claim;
            o[n] = &x->o;
        }
        struct hub_error err = {0};
        int rc = hub_nstore_record(d->conn, c, o, n, changed, &err);
        if (rc == HUB_EPG_CONNECT || rc == HUB_ENOMEM) {
            db_failed(d, "record outcomes", rc, &err);
            return; /* kept; recorded when the database is back */
        }
        if (rc)
            hub_log(HUB_LOG_ERROR,
                    "outcomes could not be recorded; those notifications will be "
                    "sent again with the same webhook-id",
                    "count=%zu error=\"%s\"", n, err.msg);
        for (size_t i = 0; i < n; i++) {
            if (rc == 0) {
                log_outcome(xs[i]);
                if (changed[i]) {
                    count_outcome(d, xs[i]);
                    d->want_receipts = true;
                }
            }
        }
        d->unrecorded = xs[n - 1]->next;
        for (size_t i = 0; i < n; i++)
            xfer_free(xs[i]);
    }
}

static void claim_and_start(hub_deliverer_t *d)
{
    struct hub_nstore_claim *c = NULL;
    struct hub_error err = {0};
    size_t n = 0;
    int room = d->parallel - d->inflight;

    if (room <= 0 || !d->want_claim || quiet(d) || !ensure_conn(d))
        return;
    int rc = hub_pg_begin(d->conn, &err);
    if (rc == 0)
        rc = hub_nstore_claim(d->conn, room, d->lease_s, &c, &n, &err);
    if (rc) {
        hub_pg_rollback(d->conn);
        db_failed(d, "claim notifications", rc, &err);
        return;
    }
    d->want_claim = (int)n == room; /* maybe more are due */
    struct xfer **ready = calloc(n ? n : 1, sizeof *ready);
    const struct hub_nstore_claim **logged = calloc(n ? n : 1, sizeof *logged);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ready || !logged) {
            hub_nstore_claim_clear(&c[i]); /* out of memory: the leases lapse */
            continue;
        }
        struct xfer *x = prepare_transfer(d, &c[i]);
        if (x) {
            ready[k] = x;
            logged[k++] = &x->claim;
        }
    }
    free(c);
    /* Write-ahead: the claim and a disclosure-log row for every request about to be sent commit
     * together BEFORE anything is sent, so a crash between sending and recording leaves no
     * disclosure unlogged. Settled-at-once claims (no endpoint) are recorded after. */
    rc = hub_nstore_log_dispatch(d->conn, logged, k, wall_ms(), &err);
    if (rc == 0)
        rc = hub_pg_commit(d->conn, &err);
    if (rc) {
        hub_pg_rollback(d->conn);
        db_failed(d, "log dispatches", rc, &err);
        for (size_t i = 0; i < k; i++)
            xfer_free(ready[i]); /* not sent; claimed again when the lease lapses */
        k = 0;
        /* the unrecorded no-endpoint outcomes stay: their rows are still pending, recording them
         * later is harmless (or they are claimed again) */
    }
    for (size_t i = 0; i < k; i++)
        start_transfer(d, ready[i]);
    free(ready);
    free(logged);
}

/* ---- receipts ---- */

static void settle_receipts(hub_deliverer_t *d)
{
    struct hub_error err = {0};
    struct id_list *lists[2] = {&d->acked, &d->nacked};
    for (int k = 0; k < 2; k++) {
        struct id_list *l = lists[k];
        if (l->n == 0 || !ensure_conn(d))
            continue;
        const char **ids = malloc(l->n * sizeof *ids);
        if (!ids)
            return;
        for (size_t i = 0; i < l->n; i++)
            ids[i] = l->ids[i];
        int rc = hub_nstore_receipts_done(d->conn, ids, l->n, k == 0, &err);
        free(ids);
        if (rc) {
            db_failed(d, k == 0 ? "mark receipts published" : "release receipts", rc, &err);
            continue;
        }
        l->n = 0;
    }
}

static int build_receipt(const struct hub_nstore_pub *p, struct hub_event *ev,
                         struct hub_error *err)
{
    hub_event_init(ev, HUB_EV_HANDOVER_RECEIPT);
    snprintf(ev->common.event_id, sizeof ev->common.event_id, "%s", p->event_id);
    ev->common.occurred_at = p->created_ms;
    snprintf(ev->common.district, sizeof ev->common.district, "%s", p->district);
    snprintf(ev->common.child, sizeof ev->common.child, "%s", p->child);
    struct hub_handover_receipt *r = &ev->u.receipt;
    snprintf(r->handover_id, sizeof r->handover_id, "%s", p->handover_id);
    snprintf(r->school_unit, sizeof r->school_unit, "%s", p->school_unit);
    r->at = p->at_ms;
    r->has_detail = p->has_detail;
    snprintf(r->detail, sizeof r->detail, "%s", p->detail);
    if (hub_receipt_status_parse(p->status, &r->status) != 0)
        return hub_error_set(err, HUB_EINVAL, "receipt %s: unknown status", p->event_id);
    return 0;
}

static int publish_receipts(hub_deliverer_t *d, struct hub_error *err)
{
    char reason[256];
    hub_producer_poll(d->producer, 0);
    if (hub_producer_fatal(d->producer, reason, sizeof reason))
        return hub_error_set(err, HUB_EKAFKA, "receipt producer: fatal error: %s", reason);
    settle_receipts(d);
    int room = RECEIPT_BATCH - d->receipts_inflight;
    if (!d->want_receipts || room <= 0 || quiet(d) || !ensure_conn(d))
        return 0;
    struct hub_nstore_pub *p = NULL;
    size_t n = 0;
    struct hub_error e = {0};
    int rc = hub_nstore_claim_receipts(d->conn, room, RECEIPT_LEASE_S, &p, &n, &e);
    if (rc) {
        db_failed(d, "claim receipts", rc, &e);
        return 0;
    }
    d->want_receipts = (int)n == room;
    for (size_t i = 0; i < n; i++) {
        struct hub_event ev;
        uint8_t *buf = NULL;
        size_t len = 0;
        if (build_receipt(&p[i], &ev, &e) != 0 ||
            hub_codec_encode(d->codec, &ev, &buf, &len, &e) != 0) {
            hub_log(HUB_LOG_ERROR, "receipt cannot be encoded; left for a later attempt",
                    "event_id=%s error=\"%s\"", p[i].event_id, e.msg);
            continue;
        }
        struct pub_msg *m = calloc(1, sizeof *m);
        if (!m) {
            free(buf);
            continue; /* leased: published again after the lease */
        }
        snprintf(m->event_id, sizeof m->event_id, "%s", p[i].event_id);
        rd_kafka_headers_t *hdrs = d->signer ? rd_kafka_headers_new(2) : NULL;
        /* receipts carry the hub's own signature: no district's key is needed here */
        rc = hdrs ? hub_signer_sign(d->signer, HUB_SIGN_HUB, d->receipt_topic, p[i].child,
                                    strlen(p[i].child), buf, len, hdrs, &e)
                  : 0;
        if (rc == 0)
            rc = hub_producer_send(d->producer, d->receipt_topic, p[i].child, strlen(p[i].child),
                                   buf, len, hdrs, m, &e);
        free(buf);
        if (rc && hdrs)
            rd_kafka_headers_destroy(hdrs); /* the producer owns them only on success */
        if (rc) {
            hub_log(HUB_LOG_WARN, "receipt not enqueued; will retry", "event_id=%s error=\"%s\"",
                    p[i].event_id, e.msg);
            id_list_add(&d->nacked, m->event_id);
            free(m);
            continue;
        }
        d->receipts_inflight++;
    }
    free(p);
    return 0;
}

/* The pending gauges of /metrics, at most every few seconds. */
static void update_pending_gauges(hub_deliverer_t *d)
{
    int64_t pending = 0;
    double oldest = 0;
    struct hub_error err = {0};
    if (!d->metrics || mono_ms() < d->next_gauges_ms)
        return;
    d->next_gauges_ms = mono_ms() + GAUGES_EVERY_MS;
    if (hub_nstore_pending_age(d->conn, &pending, &oldest, &err) != 0)
        return; /* the next database call notices an outage; these are only gauges */
    hub_metrics_set(d->metrics, "hub_notifications_pending", NULL, NULL, (double)pending);
    hub_metrics_set(d->metrics, "hub_oldest_pending_seconds", NULL, NULL, oldest);
}

static void scan_overdue(hub_deliverer_t *d)
{
    struct hub_error err = {0};
    size_t n = 0;
    if (quiet(d) || !ensure_conn(d))
        return;
    update_pending_gauges(d);
    if (mono_ms() < d->next_overdue_ms)
        return;
    int64_t cutoff = hub_notify_overdue_cutoff_ms(wall_ms(), d->overdue_days);
    int rc = hub_nstore_mark_overdue(d->conn, cutoff, d->overdue_days, OVERDUE_BATCH, &n, &err);
    if (rc) {
        db_failed(d, "mark overdue handovers", rc, &err);
        return;
    }
    if (n > 0) {
        hub_log(HUB_LOG_INFO, "handovers overdue", "count=%zu working_days=%d", n, d->overdue_days);
        d->stats.overdue += n;
        d->want_receipts = true;
    }
    d->next_overdue_ms = (int)n == OVERDUE_BATCH ? 0 : mono_ms() + d->overdue_every_ms;
}

/* Takes the NOTIFYs libpq has already read (also those that came in with the answers to our own
 * statements, which no later poll of the socket would reveal). */
static void drain_notifies(hub_deliverer_t *d)
{
    PGnotify *nt;
    if (!d->conn)
        return;
    while ((nt = PQnotifies(d->conn)) != NULL) {
        PQfreemem(nt);
        d->want_claim = d->want_receipts = true;
    }
}

/* Waits for transfer activity, a NOTIFY on our session, or the timeout. */
static void wait_for_work(hub_deliverer_t *d, int timeout_ms)
{
    struct curl_waitfd wfd = {0};
    int nfd = 0, numfds = 0;
    if (d->conn && PQstatus(d->conn) == CONNECTION_OK && PQsocket(d->conn) >= 0) {
        wfd.fd = PQsocket(d->conn);
        wfd.events = CURL_WAIT_POLLIN;
        nfd = 1;
    }
    curl_multi_poll(d->multi, nfd ? &wfd : NULL, (unsigned)nfd, timeout_ms, &numfds);
    if (nfd) {
        if (PQconsumeInput(d->conn) == 0)
            return; /* broken: noticed by ensure_conn() */
        drain_notifies(d);
    }
}

int hub_deliverer_run(hub_deliverer_t *d, struct hub_error *err)
{
    int running = 0, rc = 0;
    d->want_claim = d->want_receipts = true;
    d->next_poll_ms = mono_ms() + d->poll_ms;
    hub_log(HUB_LOG_INFO, "delivery worker started",
            "parallel=%d timeout_s=%d lease_s=%d poll_ms=%d", d->parallel, d->timeout_s, d->lease_s,
            d->poll_ms);
    while (!stopping(d)) {
        ensure_conn(d);
        record_finished(d);
        claim_and_start(d);
        curl_multi_perform(d->multi, &running);
        collect_finished(d);
        record_finished(d);
        if ((rc = publish_receipts(d, err)) != 0)
            break;
        scan_overdue(d);

        drain_notifies(d);
        int64_t now = mono_ms();
        if (now >= d->next_poll_ms) {
            d->want_claim = d->want_receipts = true;
            d->next_poll_ms = now + d->poll_ms;
            continue;
        }
        int timeout = (int)(d->next_poll_ms - now);
        if (d->receipts_inflight > 0 || d->acked.n > 0 || d->nacked.n > 0)
            timeout = timeout > 5 ? 5 : timeout;
        if (d->conn && !quiet(d) &&
            ((d->want_claim && d->inflight < d->parallel) || d->want_receipts))
            timeout = 0;
        if (quiet(d) && d->quiet_until_ms - now < timeout)
            timeout = (int)(d->quiet_until_ms - now);
        if (!d->conn) {
            int64_t until = d->next_reconnect_ms - now;
            if (until < timeout)
                timeout = until < 0 ? 0 : (int)until;
        }
        wait_for_work(d, timeout);
    }

    /* finish what is in flight, record it, and flush the receipts */
    int64_t until = mono_ms() + (int64_t)d->timeout_s * 1000 + 5000;
    while (d->inflight > 0 && mono_ms() < until) {
        curl_multi_perform(d->multi, &running);
        collect_finished(d);
        if (d->inflight > 0)
            curl_multi_poll(d->multi, NULL, 0, 100, NULL);
    }
    collect_finished(d);
    record_finished(d);
    if (rc == 0) {
        d->want_receipts = true;
        (void)publish_receipts(d, err);
    }
    hub_producer_flush(d->producer, FLUSH_AT_STOP_MS);
    settle_receipts(d);
    if (d->unrecorded)
        hub_log(HUB_LOG_WARN,
                "stopping with unrecorded outcomes; those notifications will be "
                "sent again with the same webhook-id",
                NULL);
    hub_log(HUB_LOG_INFO, "delivery worker stopped",
            "attempts=%llu delivered=%llu retried=%llu failed=%llu receipts=%llu overdue=%llu",
            (unsigned long long)d->stats.attempts, (unsigned long long)d->stats.delivered,
            (unsigned long long)d->stats.retried, (unsigned long long)d->stats.failed,
            (unsigned long long)d->stats.receipts_published, (unsigned long long)d->stats.overdue);
    return rc;
}

void hub_deliverer_destroy(hub_deliverer_t *d)
{
    if (!d)
        return;
    while (d->active) {
        struct xfer *x = d->active;
        d->active = x->next_active;
        curl_multi_remove_handle(d->multi, x->easy);
        xfer_free(x);
    }
    while (d->unrecorded) {
        struct xfer *x = d->unrecorded;
        d->unrecorded = x->next;
        xfer_free(x);
    }
    hub_producer_destroy(d->producer); /* purged messages report; their pub_msg are freed there */
    hub_signer_destroy(d->signer);
    if (d->multi)
        curl_multi_cleanup(d->multi);
    PQfinish(d->conn);
    free(d->acked.ids);
    free(d->nacked.ids);
    free(d);
}
