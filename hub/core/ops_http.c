/*
 * ops_http.c — /metrics, /healthz and /readyz over libmicrohttpd.
 */
#include "hub/core/ops_http.h"
#include "hub/core/http_guard.h"
#include "hub/core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct hub_ops_http {
    hub_http_guard_t *http;
    hub_metrics_t *metrics;
    hub_ready_fn ready;
    void *ud;
    int port;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_len, void **req)
{
    hub_ops_http_t *s = cls;
    (void)version;
    (void)upload;
    if (*req == NULL) { /* first call: headers only */
        *req = s;
        return MHD_YES;
    }
    if (*upload_len) { /* no request bodies here: discard */
        *upload_len = 0;
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(c, 405, "text/plain", (char *)"method not allowed\n", 19,
                     MHD_RESPMEM_PERSISTENT);
    if (strcmp(url, "/metrics") == 0) {
        char *body = NULL;
        size_t len = 0;
        if (hub_metrics_render(s->metrics, &body, &len) != 0)
            return reply(c, 500, "text/plain", (char *)"out of memory\n", 14,
                         MHD_RESPMEM_PERSISTENT);
        return reply(c, 200, "text/plain; version=0.0.4", body, len, MHD_RESPMEM_MUST_FREE);
    }
    if (strcmp(url, "/healthz") == 0)
        return reply(c, 200, "text/plain", (char *)"ok\n", 3, MHD_RESPMEM_PERSISTENT);
    if (strcmp(url, "/readyz") == 0) {
        char why[256] = "";
        bool ok = s->ready ? s->ready(s->ud, why, sizeof why) : true;
        size_t n = strlen(why);
        char *body = malloc(n + 16);
        if (!body)
            return MHD_NO;
        int len = snprintf(body, n + 16, "%s%s\n", ok ? "ready" : "not ready: ", ok ? "" : why);
        return reply(c, ok ? 200 : 503, "text/plain", body, (size_t)len, MHD_RESPMEM_MUST_FREE);
    }
    return reply(c, 404, "text/plain", (char *)"not found\n", 10, MHD_RESPMEM_PERSISTENT);
}

/* "127.0.0.1:9464" or "[::1]:9464" into a socket address. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, bool *v6,
                        struct hub_error *err)
{
    char host[64];
    const char *colon;
    memset(ss, 0, sizeof *ss);
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host)
            goto bad;
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        host[close - listen - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof host)
            goto bad;
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
    }
    char *end = NULL;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || !end || *end || port < 0 || port > 65535 || end == colon + 1)
        goto bad;
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *v6 = false;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *v6 = true;
        return 0;
    }
bad:
    return hub_error_set(err, HUB_ECONFIG_VALUE,
                         "hub.metrics.listen: '%s' is not ADDRESS:PORT (e.g. 127.0.0.1:9464)",
                         listen);
}

int hub_ops_http_start(const char *listen, hub_metrics_t *metrics, hub_ready_fn ready, void *ud,
                       hub_ops_http_t **out, struct hub_error *err)
{
    struct sockaddr_storage ss;
    bool v6 = false;
    *out = NULL;
    int rc = parse_listen(listen, &ss, &v6, err);
    if (rc)
        return rc;
    hub_ops_http_t *s = calloc(1, sizeof *s);
    if (!s)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    s->metrics = metrics;
    s->ready = ready;
    s->ud = ud;
    (void)v6;
    /* the same guard as the receipt endpoint: a total deadline, the oldest evicted when full */
    struct hub_http_guard_opts o = {.addr = (const struct sockaddr *)&ss,
                                    .max_connections = 16,
                                    .deadline_s = 10,
                                    .memory_per_connection = 32 * 1024,
                                    .handler = handle,
                                    .handler_cls = s};
    if ((rc = hub_http_guard_start(&o, &s->http, err)) != 0) {
        free(s);
        return hub_error_set(err, rc, "hub.metrics.listen: cannot listen on %s", listen);
    }
    s->port = hub_http_guard_port(s->http);
    hub_log(HUB_LOG_INFO, "ops endpoints listening", "listen=%s port=%d", listen, s->port);
    *out = s;
    return 0;
}

int hub_ops_http_port(const hub_ops_http_t *s)
{
    return s->port;
}

void hub_ops_http_stop(hub_ops_http_t *s)
{
    if (!s)
        return;
    hub_http_guard_stop(s->http);
    free(s);
}
