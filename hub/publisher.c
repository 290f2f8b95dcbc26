/*
 * publisher.c — validate → pseudonymise → encode → produce, with a ticket per event.
 */
#include "hub/publisher.h"
#include "hub/codec.h"
#include "hub/district.h"
#include "hub/kafka.h"
#include "hub/log.h"
#include "hub/pseudonym.h"

#include <stdlib.h>
#include <string.h>

#define TOPIC_MAX 256

struct ticket {
    char event_id[HUB_UUID_STR];
    enum hub_pub_outcome outcome;
    rd_kafka_resp_err_t err;
};

struct hub_publisher {
    const hub_config_t *cfg;
    hub_districts_t *districts;
    hub_pseudonym_t *pseudonym;
    hub_codec_t *codec;
    hub_producer_t *producer;
    struct hub_input_ctx input;
    struct ticket *tickets;
    size_t n_tickets, cap_tickets;
    size_t acked, failed;
    char topics[HUB_EV__COUNT][TOPIC_MAX];
};

static void on_delivery(void *ud, void *msg_opaque, rd_kafka_resp_err_t e)
{
    hub_publisher_t *p = ud;
    size_t t = (size_t)(uintptr_t)msg_opaque;
    if (t >= p->n_tickets)
        return;
    p->tickets[t].err = e;
    p->tickets[t].outcome = e == RD_KAFKA_RESP_ERR_NO_ERROR ? HUB_PUB_ACKED : HUB_PUB_FAILED;
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
        p->acked++;
    else
        p->failed++;
}

static int load_districts(const hub_config_t *cfg, hub_districts_t **out, struct hub_error *err)
{
    char path[4096];
    const char *dir = hub_config_get(cfg, "hub.reference_dir");
    if (dir && *dir) {
        snprintf(path, sizeof path, "%s/%s", dir, HUB_DISTRICTS_FILE);
    } else if (hub_districts_default_path(path, sizeof path) != 0) {
        return hub_error_set(err, HUB_ERANGE, "hub.reference_dir: path too long");
    }
    return hub_districts_load(path, out, err);
}

int hub_publisher_new(const hub_config_t *cfg, const char *client_id, unsigned flags,
                      hub_publisher_t **out, struct hub_error *err)
{
    hub_publisher_t *p = calloc(1, sizeof *p);
    int rc;
    *out = NULL;
    if (!p)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    p->cfg = cfg;
    const char *key_file = hub_config_get(cfg, "hub.pseudonym.key_file");
    if (!key_file || !*key_file) {
        rc = hub_error_set(err, HUB_ECONFIG_MISSING,
                           "hub.pseudonym.key_file: not set; the publisher needs the city-wide "
                           "pseudonym key");
        goto fail;
    }
    if ((rc = load_districts(cfg, &p->districts, err)) ||
        (rc = hub_pseudonym_load_key(key_file, &p->pseudonym, err)) ||
        (rc = hub_codec_new(&p->codec, err)))
        goto fail;
    if (!(flags & HUB_PUBLISHER_OFFLINE) &&
        (rc = hub_producer_new(cfg, client_id, on_delivery, p, &p->producer, err)))
        goto fail;
    p->input.districts = p->districts;
    p->input.pseudonym = p->pseudonym;
    p->input.allow_content = false;
    for (int t = 0; t < HUB_EV__COUNT; t++) {
        const char *base = hub_topic_of_event((enum hub_event_type)t);
        hub_config_topic(cfg, base ? base : "", p->topics[t], TOPIC_MAX);
    }
    *out = p;
    return 0;
fail:
    hub_publisher_destroy(p);
    return rc;
}

int hub_publisher_prepare_json(hub_publisher_t *p, const char *json, size_t len,
                               struct hub_pub_msg *msg, struct hub_input_problems *probs)
{
    struct hub_event ev;
    struct hub_error err = {0};
    memset(msg, 0, sizeof *msg);
    int rc = hub_event_from_json(&p->input, json, len, &ev, NULL, probs);
    if (rc)
        return rc;
    rc = hub_codec_encode(p->codec, &ev, &msg->value, &msg->len, &err);
    if (rc) {
        hub_error_prefix(&err, "encode: ");
        probs->n = 1;
        probs->p[0].code = rc;
        memcpy(probs->p[0].text, err.msg, sizeof probs->p[0].text);
        hub_event_clear(&ev);
        return HUB_EINVAL;
    }
    msg->type = ev.type;
    memcpy(msg->event_id, ev.common.event_id, sizeof msg->event_id);
    if (hub_event_type_is_child(ev.type))
        memcpy(msg->key, ev.common.child, sizeof msg->key);
    else
        snprintf(msg->key, sizeof msg->key, "%s", ev.common.district);
    hub_event_clear(&ev);
    return 0;
}

static int new_ticket(hub_publisher_t *p, const char *event_id, size_t *out)
{
    if (p->n_tickets == p->cap_tickets) {
        size_t cap = p->cap_tickets ? p->cap_tickets * 2 : 1024;
        struct ticket *t = realloc(p->tickets, cap * sizeof *t);
        if (!t)
            return HUB_ENOMEM;
        p->tickets = t;
        p->cap_tickets = cap;
    }
    struct ticket *t = &p->tickets[p->n_tickets];
    snprintf(t->event_id, sizeof t->event_id, "%s", event_id);
    t->outcome = HUB_PUB_PENDING;
    t->err = RD_KAFKA_RESP_ERR_NO_ERROR;
    *out = p->n_tickets++;
    return 0;
}

int hub_publisher_send(hub_publisher_t *p, const struct hub_pub_msg *msg, size_t *ticket,
                       struct hub_error *err)
{
    size_t t;
    if (new_ticket(p, msg->event_id, &t) != 0)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    *ticket = t;
    int rc = !p->producer
                 ? hub_error_set(err, HUB_EKAFKA, "publisher is offline")
                 : hub_producer_send(p->producer, p->topics[msg->type], msg->key, strlen(msg->key),
                                     msg->value, msg->len, NULL, (void *)(uintptr_t)t, err);
    if (rc) {
        p->tickets[t].outcome = HUB_PUB_FAILED;
        p->tickets[t].err = RD_KAFKA_RESP_ERR__FAIL;
        p->failed++;
    }
    return rc;
}

int hub_publisher_flush(hub_publisher_t *p, int timeout_ms)
{
    return p->producer ? hub_producer_flush(p->producer, timeout_ms) : 0;
}

void hub_publisher_poll(hub_publisher_t *p)
{
    if (p->producer)
        hub_producer_poll(p->producer, 0);
}

enum hub_pub_outcome hub_publisher_outcome(const hub_publisher_t *p, size_t ticket,
                                           const char **reason)
{
    if (ticket >= p->n_tickets)
        return HUB_PUB_FAILED;
    if (reason)
        *reason = rd_kafka_err2str(p->tickets[ticket].err);
    return p->tickets[ticket].outcome;
}

const char *hub_publisher_event_id(const hub_publisher_t *p, size_t ticket)
{
    return ticket < p->n_tickets ? p->tickets[ticket].event_id : "";
}

size_t hub_publisher_tickets(const hub_publisher_t *p)
{
    return p->n_tickets;
}

void hub_publisher_counts(const hub_publisher_t *p, size_t *acked, size_t *failed, size_t *pending)
{
    *acked = p->acked;
    *failed = p->failed;
    *pending = p->n_tickets - p->acked - p->failed;
}

void hub_pub_msg_clear(struct hub_pub_msg *msg)
{
    if (!msg)
        return;
    free(msg->value);
    memset(msg, 0, sizeof *msg);
}

void hub_publisher_destroy(hub_publisher_t *p)
{
    if (!p)
        return;
    /* The producer first: purging serves the last reports into our tickets. */
    hub_producer_destroy(p->producer);
    hub_codec_destroy(p->codec);
    hub_pseudonym_destroy(p->pseudonym);
    hub_districts_destroy(p->districts);
    free(p->tickets);
    free(p);
}
