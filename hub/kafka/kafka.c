/*
 * kafka.c — librdkafka configuration and the hub's idempotent producer.
 */
#include "hub/kafka/kafka.h"
#include "hub/core/log.h"

#include <stdlib.h>

/* Consumer prefetch (README "Memory under a backlog"): with librdkafka's defaults (100,000
 * messages, 64 MiB, 50 MiB fetches) a backlog fills the consumer's queue, 150+ MiB resident. The
 * partition queues forward into the consumer's one queue, which these thresholds are checked
 * against. queued.min.messages is two and a half batches of hub.consumer.batch_max (5000 for the
 * default 2000): the batch in hand, the one verified ahead (hub/kafka/consumer.c) and what arrives
 * meanwhile. With 2500 the queue ran dry every batch, which waited for a fetch round trip (the
 * read model with signatures at 4,000-5,100 events/s against 7,000-8,400 with 5,000 or more,
 * bench_verify.sh on a quiet machine); the memory that costs is kept down by one malloc arena
 * (hub/core/app.c). */
#define HUB_CONSUMER_QUEUED_KB 6144
#define HUB_CONSUMER_FETCH_PARTITION 262144
#define HUB_CONSUMER_FETCH_MAX 1048588 /* = HUB_TOPIC_MAX_MESSAGE_BYTES */

#define STR_(x) #x
#define STR(x) STR_(x)
#include <string.h>

const char *const hub_topics_all[] = {HUB_TOPIC_PLACEMENT,
                                      HUB_TOPIC_SCHOOL_START,
                                      HUB_TOPIC_HANDOVER,
                                      HUB_TOPIC_RECEIPT,
                                      HUB_TOPIC_CONTACT_CHANGE,
                                      HUB_TOPIC_FOLLOW_UP,
                                      HUB_TOPIC_SCHOOL_DIRECTORY,
                                      HUB_TOPIC_MONTHLY_STATS,
                                      HUB_TOPIC_FOLLOW_UP_STATS,
                                      "dlq.readmodel",
                                      "dlq.notifier",
                                      "dlq.stats",
                                      NULL};

const char *hub_topic_of_event(enum hub_event_type t)
{
    switch (t) {
    case HUB_EV_PLACEMENT:
        return HUB_TOPIC_PLACEMENT;
    case HUB_EV_SCHOOL_START:
        return HUB_TOPIC_SCHOOL_START;
    case HUB_EV_HANDOVER:
        return HUB_TOPIC_HANDOVER;
    case HUB_EV_HANDOVER_RECEIPT:
        return HUB_TOPIC_RECEIPT;
    case HUB_EV_CONTACT_CHANGE:
        return HUB_TOPIC_CONTACT_CHANGE;
    case HUB_EV_FOLLOW_UP:
        return HUB_TOPIC_FOLLOW_UP;
    default:
        return NULL;
    }
}

struct conf_ctx {
    rd_kafka_conf_t *conf;
    const hub_config_t *cfg;
    enum hub_kafka_role role;
    struct hub_error *err;
    char *props; /* rd_kafka_conf_properties_show(): each property's role, as linked */
};

/* The role a librdkafka property applies to, from the linked library's own table (its C/P
 * column): 'C' consumer, 'P' producer, '*' both; 0 when the table does not list it. */
static char property_role(const char *props, const char *key)
{
    size_t klen = strlen(key);
    for (const char *line = props; line && *line;) {
        const char *nl = strchr(line, '\n');
        const char *bar = strchr(line, '|');
        if (bar && (!nl || bar < nl) && strncmp(line, key, klen) == 0 &&
            (line[klen] == ' ' || line[klen] == '|')) {
            for (const char *p = bar + 1; *p && *p != '|' && *p != '\n'; p++)
                if (*p == 'C' || *p == 'P' || *p == '*')
                    return p[1] == '/' ? '*' : *p;
            return 0;
        }
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

static int load_property_roles(struct conf_ctx *c)
{
    size_t len = 0;
    FILE *f = open_memstream(&c->props, &len);
    if (!f)
        return hub_error_set(c->err, HUB_ENOMEM, "out of memory");
    rd_kafka_conf_properties_show(f);
    if (fclose(f) != 0)
        return hub_error_set(c->err, HUB_ENOMEM, "out of memory");
    return 0;
}

/* Settings the invariants fix for a role: the value a user may not change. */
static int check_invariant(const struct conf_ctx *c, const char *key, const char *value)
{
    if (c->role != HUB_KAFKA_PRODUCER)
        return 0;
    char full[256];
    snprintf(full, sizeof full, "kafka.%s", key);
    if ((!strcmp(key, "acks") || !strcmp(key, "request.required.acks")) &&
        strcmp(value, "all") != 0 && strcmp(value, "-1") != 0)
        return hub_error_set(c->err, HUB_ECONFIG_VALUE,
                             "%s: %s=%s: the hub's producers require acks=all (invariant 7)",
                             hub_config_origin(c->cfg, full), full, value);
    if (!strcmp(key, "enable.idempotence") && strcmp(value, "true") != 0)
        return hub_error_set(c->err, HUB_ECONFIG_VALUE,
                             "%s: %s=%s: the hub's producers are idempotent (invariant 7)",
                             hub_config_origin(c->cfg, full), full, value);
    return 0;
}

static int conf_set(const struct conf_ctx *c, const char *key, const char *value,
                    const char *origin)
{
    char errstr[512];
    if (rd_kafka_conf_set(c->conf, key, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        return hub_error_set(c->err, HUB_ECONFIG_VALUE, "%s: kafka.%s: %s", origin, key, errstr);
    return 0;
}

static int apply_user_key(const char *key, const char *value, void *ud)
{
    const struct conf_ctx *c = ud;
    char full[256];
    snprintf(full, sizeof full, "kafka.%s", key);
    if (!strcmp(key, "bootstrap.servers"))
        return 0; /* set from hub_config_bootstrap() */
    /* One kafka.* configuration serves producers and consumers alike (deploy/run.sh writes one
     * for all programs): a property of the other role is for the other programs, not given to
     * librdkafka here, where it would only warn "… will be ignored by this producer". A key of
     * neither role, or unknown, still goes to rd_kafka_conf_set, which refuses what it does not
     * know. */
    char want = c->role == HUB_KAFKA_PRODUCER ? 'P' : 'C';
    char role = property_role(c->props, key);
    if ((role == 'C' || role == 'P') && role != want) {
        hub_log(HUB_LOG_DEBUG, "kafka property of the other role not applied", "key=%s role=%s",
                full, role == 'C' ? "consumer" : "producer");
        return 0;
    }
    int rc = check_invariant(c, key, value);
    if (rc)
        return rc;
    return conf_set(c, key, value, hub_config_origin(c->cfg, full));
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    enum hub_log_level l = level <= 3 ? HUB_LOG_ERROR : level <= 5 ? HUB_LOG_WARN : HUB_LOG_DEBUG;
    hub_log(l, "librdkafka", "facility=%s detail=\"%s\"", fac, buf);
}

int hub_kafka_conf_new(const hub_config_t *cfg, enum hub_kafka_role role, const char *client_id,
                       rd_kafka_conf_t **out, struct hub_error *err)
{
    char *bootstrap = NULL;
    struct conf_ctx c = {rd_kafka_conf_new(), cfg, role, err, NULL};
    int rc;

    *out = NULL;
    if (!c.conf)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    rc = hub_config_bootstrap(cfg, &bootstrap, err);
    if (rc)
        goto fail;
    rc = conf_set(&c, "bootstrap.servers", bootstrap, "bootstrap");
    if (rc)
        goto fail;
    rc = conf_set(&c, "client.id", client_id, "default");
    if (rc)
        goto fail;
    if (role == HUB_KAFKA_PRODUCER) {
        if ((rc = conf_set(&c, "enable.idempotence", "true", "default")) ||
            (rc = conf_set(&c, "acks", "all", "default")) ||
            (rc = conf_set(&c, "linger.ms", "5", "default")) ||
            (rc = conf_set(&c, "compression.type", "lz4", "default")) ||
            (rc = conf_set(&c, "message.max.bytes", STR(HUB_MESSAGE_MAX_BYTES), "default")))
            goto fail;
    } else {
        char queued_min[24]; /* 2.5 batches, see the top */
        snprintf(queued_min, sizeof queued_min, "%ld",
                 hub_config_get_int(cfg, "hub.consumer.batch_max") * 5 / 2);
        if ((rc = conf_set(&c, "enable.auto.commit", "false", "default")) ||
            (rc = conf_set(&c, "enable.auto.offset.store", "false", "default")) ||
            (rc = conf_set(&c, "auto.offset.reset", "earliest", "default")) ||
            (rc = conf_set(&c, "partition.assignment.strategy", "cooperative-sticky", "default")) ||
            (rc = conf_set(&c, "enable.partition.eof", "false", "default")) ||
            (rc = conf_set(&c, "queued.min.messages", queued_min, "default")) ||
            (rc = conf_set(&c, "queued.max.messages.kbytes", STR(HUB_CONSUMER_QUEUED_KB),
                           "default")) ||
            (rc = conf_set(&c, "fetch.message.max.bytes", STR(HUB_CONSUMER_FETCH_PARTITION),
                           "default")) ||
            (rc = conf_set(&c, "fetch.max.bytes", STR(HUB_CONSUMER_FETCH_MAX), "default")))
            goto fail;
    }
    rc = load_property_roles(&c);
    if (rc)
        goto fail;
    rc = hub_config_foreach(cfg, "kafka.", apply_user_key, &c);
    if (rc)
        goto fail;
    rd_kafka_conf_set_log_cb(c.conf, log_cb);
    free(c.props);
    free(bootstrap);
    *out = c.conf;
    return 0;
fail:
    free(c.props);
    free(bootstrap);
    rd_kafka_conf_destroy(c.conf);
    return rc;
}

struct hub_producer {
    rd_kafka_t *rk;
    hub_delivery_fn on_delivery;
    void *ud;
    int outstanding;
};

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    hub_producer_t *p = opaque;
    p->outstanding--;
    if (p->on_delivery)
        p->on_delivery(p->ud, m->_private, m->err);
}

static void error_cb(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
    (void)rk;
    (void)opaque;
    hub_log(code == RD_KAFKA_RESP_ERR__FATAL ? HUB_LOG_ERROR : HUB_LOG_WARN, "kafka error",
            "code=%s reason=\"%s\"", rd_kafka_err2name((rd_kafka_resp_err_t)code), reason);
}

int hub_producer_new(const hub_config_t *cfg, const char *client_id, hub_delivery_fn on_delivery,
                     void *ud, hub_producer_t **out, struct hub_error *err)
{
    rd_kafka_conf_t *conf = NULL;
    char errstr[512];
    hub_producer_t *p = calloc(1, sizeof *p);
    *out = NULL;
    if (!p)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    int rc = hub_kafka_conf_new(cfg, HUB_KAFKA_PRODUCER, client_id, &conf, err);
    if (rc) {
        free(p);
        return rc;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    rd_kafka_conf_set_opaque(conf, p);
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!p->rk) {
        rd_kafka_conf_destroy(conf);
        free(p);
        return hub_error_set(err, HUB_EKAFKA, "kafka producer: %s", errstr);
    }
    p->on_delivery = on_delivery;
    p->ud = ud;
    *out = p;
    return 0;
}

int hub_producer_send(hub_producer_t *p, const char *topic, const void *key, size_t klen,
                      const void *val, size_t vlen, rd_kafka_headers_t *hdrs, void *msg_opaque,
                      struct hub_error *err)
{
    for (;;) {
        rd_kafka_resp_err_t e;
        if (hdrs)
            e = rd_kafka_producev(
                p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, klen),
                RD_KAFKA_V_VALUE((void *)val, vlen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(msg_opaque), RD_KAFKA_V_END);
        else
            e = rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, klen),
                                  RD_KAFKA_V_VALUE((void *)val, vlen),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_OPAQUE(msg_opaque), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
            p->outstanding++;
            return 0;
        }
        if (e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
            return hub_error_set(err, HUB_EKAFKA_TOO_LARGE,
                                 "produce to %s: message of %zu bytes is larger than "
                                 "message.max.bytes",
                                 topic, vlen + klen);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return hub_error_set(err, HUB_EKAFKA, "produce to %s: %s", topic, rd_kafka_err2str(e));
        rd_kafka_poll(p->rk, 50);
    }
}

void hub_producer_poll(hub_producer_t *p, int timeout_ms)
{
    rd_kafka_poll(p->rk, timeout_ms);
}

int hub_producer_flush(hub_producer_t *p, int timeout_ms)
{
    rd_kafka_flush(p->rk, timeout_ms);
    rd_kafka_poll(p->rk, 0);
    return p->outstanding > 0 ? HUB_ETIMEOUT : 0;
}

int hub_producer_outstanding(const hub_producer_t *p)
{
    return p->outstanding;
}

int hub_producer_fatal(hub_producer_t *p, char *reason, size_t n)
{
    return rd_kafka_fatal_error(p->rk, reason, n) != RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_t *hub_producer_handle(hub_producer_t *p)
{
    return p->rk;
}

void hub_producer_destroy(hub_producer_t *p)
{
    if (!p)
        return;
    rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(p->rk, 0);
    rd_kafka_destroy(p->rk);
    free(p);
}
