/*
 * notify_receipts.c — POST /v1/receipts on libmicrohttpd (see notify_receipts.h).
 */
#include "hub/notify/notify_receipts.h"
#include "hub/core/http_guard.h"
#include "hub/domain/ident.h"
#include "hub/core/log.h"
#include "hub/notify/notify_store.h"
#include "hub/pg/pg.h"
#include "hub/crypto/secret.h"
#include "hub/crypto/webhook.h"

#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* Behind the TLS proxy every school has the proxy's address, so there is no per-address limit;
 * slow clients are held off by hub/http_guard.h (a total deadline, eviction of the oldest). */
#define CONNECTION_LIMIT 256
#define REQUEST_DEADLINE_S 10
#define CONNECTION_MEMORY (64 * 1024)

struct hub_receipt_server {
    const hub_config_t *cfg;
    hub_http_guard_t *http;
    PGconn *conn; /* used on the server's one thread only */
    int64_t max_skew_s;
    uint16_t port;
};

/* One request's body as it arrives. */
struct request {
    char body[HUB_RECEIPT_BODY_MAX];
    size_t len;
    bool too_large;
};

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    (void)cls;
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    for (char *p = line; *p; p++)
        if (*p == '"')
            *p = '\'';
    hub_log(HUB_LOG_WARN, "receipt endpoint: http server", "detail=\"%s\"", line);
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned int status, const char *key,
                               const char *value, int retry_after_s)
{
    char body[256];
    int n;
    if (key)
        n = snprintf(body, sizeof body, "{\"%s\":\"%s\"}\n", key, value);
    else
        n = snprintf(body, sizeof body, "%s\n", value);
    struct MHD_Response *r =
        MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            key ? "application/json" : "text/plain");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "POST");
    if (retry_after_s > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", retry_after_s);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static bool ensure_conn(hub_receipt_server_t *s)
{
    struct hub_error err = {0};
    if (s->conn && PQstatus(s->conn) == CONNECTION_OK)
        return true;
    PQfinish(s->conn);
    s->conn = NULL;
    if (hub_pg_connect(s->cfg, &s->conn, &err) != 0) {
        hub_log(HUB_LOG_WARN, "receipt endpoint: database unreachable", "error=\"%s\"", err.msg);
        s->conn = NULL;
        return false;
    }
    return true;
}

static void drop_conn_if_broken(hub_receipt_server_t *s)
{
    if (s->conn && PQstatus(s->conn) != CONNECTION_OK) {
        PQfinish(s->conn);
        s->conn = NULL;
    }
}

int hub_receipt_parse(const char *body, size_t len, char handover_id[HUB_UUID_STR],
                      char school_unit[HUB_SCHOOL_UNIT_STR], const char **why)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = HUB_EINVAL;
    if (!root || !json_is_object(root)) {
        *why = "body is not a JSON object";
        goto out;
    }
    json_t *jh = json_object_get(root, "handover_id"), *ju = json_object_get(root, "school_unit");
    const char *h = json_string_value(jh);
    const char *u = json_string_value(ju);
    if (!h || json_string_length(jh) != HUB_UUID_STR - 1 || !hub_is_canonical_uuid(h)) {
        *why = "handover_id: not a lowercase uuid";
        goto out;
    }
    if (!u || json_string_length(ju) != HUB_SCHOOL_UNIT_STR - 1 ||
        hub_school_unit_check(u, NULL) != 0) {
        *why = "school_unit: not 8 digits";
        goto out;
    }
    snprintf(handover_id, HUB_UUID_STR, "%s", h);
    snprintf(school_unit, HUB_SCHOOL_UNIT_STR, "%s", u);
    rc = 0;
out:
    json_decref(root);
    return rc;
}

static enum MHD_Result handle_receipt(hub_receipt_server_t *s, struct MHD_Connection *c,
                                      const struct request *rq)
{
    char handover_id[HUB_UUID_STR], school_unit[HUB_SCHOOL_UNIT_STR];
    const char *why = NULL;
    struct hub_error err = {0};
    char *secret_ref = NULL;
    uint8_t *key = NULL;
    size_t klen = 0;
    bool known = false, removed = false;
    enum MHD_Result ret;

    const char *id = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "webhook-id");
    const char *ts = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "webhook-timestamp");
    const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "webhook-signature");
    if (!id || !ts || !sig)
        return respond(c, MHD_HTTP_UNAUTHORIZED, "error",
                       "missing webhook-id, webhook-timestamp or webhook-signature", 0);
    if (hub_receipt_parse(rq->body, rq->len, handover_id, school_unit, &why) != 0)
        return respond(c, MHD_HTTP_BAD_REQUEST, "error", why, 0);
    if (!ensure_conn(s))
        return respond(c, MHD_HTTP_SERVICE_UNAVAILABLE, "error", "try again later", 5);
    int rc = hub_nstore_school(s->conn, school_unit, &known, &removed, &secret_ref, &err);
    if (rc) {
        hub_log(HUB_LOG_WARN, "receipt endpoint: school lookup failed", "error=\"%s\"", err.msg);
        drop_conn_if_broken(s);
        return respond(c, MHD_HTTP_SERVICE_UNAVAILABLE, "error", "try again later", 5);
    }
    if (!known || removed || !secret_ref || !*secret_ref) {
        hub_log(HUB_LOG_WARN, "receipt refused: signature cannot be checked",
                "reason=%s school_unit=%s",
                !known    ? "unknown_school"
                : removed ? "school_removed"
                          : "no_secret",
                school_unit);
        free(secret_ref);
        return respond(c, MHD_HTTP_UNAUTHORIZED, "error", "signature not valid", 0);
    }
    rc = hub_secret_file_read(secret_ref, &key, &klen, &err);
    free(secret_ref);
    if (rc) {
        hub_log(HUB_LOG_ERROR, "receipt endpoint: school signing secret unreadable",
                "school_unit=%s error=\"%s\"", school_unit, err.msg);
        return respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "error", "internal error", 0);
    }
    rc = hub_webhook_verify(key, klen, id, ts, sig, rq->body, rq->len, (int64_t)time(NULL),
                            s->max_skew_s, &err);
    hub_secret_free(key, klen);
    if (rc) {
        hub_log(HUB_LOG_WARN, "receipt refused: bad signature",
                "reason=bad_signature school_unit=%s detail=\"%s\"", school_unit, err.msg);
        return respond(c, MHD_HTTP_UNAUTHORIZED, "error", "signature not valid", 0);
    }

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t at_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    enum hub_nstore_ack res = HUB_NSTORE_ACK_UNKNOWN;
    rc = hub_nstore_acknowledge(s->conn, handover_id, school_unit, id, at_ms, &res, &err);
    if (rc) {
        hub_log(HUB_LOG_WARN, "receipt endpoint: recording failed", "error=\"%s\"", err.msg);
        drop_conn_if_broken(s);
        return respond(c, MHD_HTTP_SERVICE_UNAVAILABLE, "error", "try again later", 5);
    }
    switch (res) {
    case HUB_NSTORE_ACK_OK:
        hub_log(HUB_LOG_INFO, "handover acknowledged", "handover_id=%s school_unit=%s request=%s",
                handover_id, school_unit, id);
        ret = respond(c, MHD_HTTP_OK, "status", "acknowledged", 0);
        break;
    case HUB_NSTORE_ACK_ALREADY:
        ret = respond(c, MHD_HTTP_OK, "status", "already_acknowledged", 0);
        break;
    case HUB_NSTORE_ACK_WRONG_RECIPIENT:
        hub_log(HUB_LOG_WARN, "receipt refused: handover addressed to another school",
                "reason=wrong_recipient handover_id=%s school_unit=%s request=%s", handover_id,
                school_unit, id);
        ret = respond(c, MHD_HTTP_FORBIDDEN, "error", "handover not addressed to this school", 0);
        break;
    case HUB_NSTORE_ACK_WITHHELD:
        ret = respond(c, MHD_HTTP_CONFLICT, "error", "nothing was sent to this school", 0);
        break;
    default:
        ret = respond(c, MHD_HTTP_NOT_FOUND, "error", "unknown handover", 0);
        break;
    }
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    hub_receipt_server_t *s = cls;
    struct request *rq = *con_cls;
    (void)version;

    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        if (!rq->too_large && rq->len + n <= sizeof rq->body) {
            memcpy(rq->body + rq->len, upload_data, n);
            rq->len += n;
        } else {
            rq->too_large = true;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/healthz") == 0)
        return strcmp(method, "GET") == 0
                   ? respond(c, MHD_HTTP_OK, NULL, "ok", 0)
                   : respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, "error", "method not allowed", 0);
    if (strcmp(url, "/v1/receipts") != 0)
        return respond(c, MHD_HTTP_NOT_FOUND, "error", "not found", 0);
    if (strcmp(method, "POST") != 0)
        return respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, "error", "method not allowed", 0);
    if (rq->too_large)
        return respond(c, MHD_HTTP_CONTENT_TOO_LARGE, "error", "body too large", 0);
    return handle_receipt(s, c, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

/* Splits "host:port" / "[v6]:port" into a socket address. */
static int resolve_listen(const char *listen, struct sockaddr_storage *ss, struct hub_error *err)
{
    char host[256], port[16];
    const char *colon;
    size_t hl;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':')
            goto bad;
        hl = (size_t)(close - listen - 1);
        if (hl == 0 || hl >= sizeof host)
            goto bad;
        memcpy(host, listen + 1, hl);
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon)
            goto bad;
        hl = (size_t)(colon - listen);
        if (hl == 0 || hl >= sizeof host)
            goto bad;
        memcpy(host, listen, hl);
    }
    host[hl] = '\0';
    if (strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof port)
        goto bad;
    snprintf(port, sizeof port, "%s", colon + 1);
    for (const char *p = port; *p; p++)
        if (*p < '0' || *p > '9')
            goto bad;
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int g = getaddrinfo(host, port, &hints, &ai);
    if (g != 0 || !ai)
        return hub_error_set(err, HUB_ECONFIG_VALUE, "hub.notifier.listen: %s: %s", listen,
                             gai_strerror(g));
    if (ai->ai_addrlen > sizeof *ss) {
        freeaddrinfo(ai);
        goto bad;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    return 0;
bad:
    return hub_error_set(err, HUB_ECONFIG_VALUE,
                         "hub.notifier.listen: '%s' is not host:port or [address]:port", listen);
}

int hub_receipt_server_start(const hub_config_t *cfg, const char *listen,
                             hub_receipt_server_t **out, struct hub_error *err)
{
    struct sockaddr_storage ss;
    int rc;

    *out = NULL;
    memset(&ss, 0, sizeof ss);
    if ((rc = resolve_listen(listen, &ss, err)))
        return rc;
    hub_receipt_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    s->cfg = cfg;
    s->max_skew_s = hub_config_get_int(cfg, "hub.notifier.receipt_max_skew_s");
    struct hub_http_guard_opts o = {
        .addr = (const struct sockaddr *)&ss,
        .max_connections = CONNECTION_LIMIT,
        .deadline_s = REQUEST_DEADLINE_S,
        .memory_per_connection = CONNECTION_MEMORY,
        .handler = on_request,
        .handler_cls = s,
        .completed = on_completed,
        .logger = mhd_log,
    };
    if ((rc = hub_http_guard_start(&o, &s->http, err)) != 0) {
        free(s);
        return hub_error_set(err, rc, "hub.notifier.listen: cannot listen on %s", listen);
    }
    s->port = hub_http_guard_port(s->http);
    *out = s;
    return 0;
}

uint16_t hub_receipt_server_port(const hub_receipt_server_t *s)
{
    return s->port;
}

void hub_receipt_server_stop(hub_receipt_server_t *s)
{
    if (!s)
        return;
    hub_http_guard_stop(s->http);
    PQfinish(s->conn);
    free(s);
}
