/*
 * publisher.c — validate → pseudonymise → encode → produce, with a ticket per event.
 */
#include "hub/publish/publisher.h"
#include "hub/avro/codec.h"
#include "hub/domain/event_privacy.h"
#include "hub/directory/directory.h"
#include "hub/domain/district.h"
#include "hub/domain/event_valid.h"
#include "hub/kafka/kafka.h"
#include "hub/core/log.h"
#include "hub/pg/pg.h"
#include "hub/crypto/pseudonym.h"
#include "hub/crypto/seal.h"
#include "hub/crypto/sign.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

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
    hub_signer_t *signer; /* NULL: unsigned (hub.signing.required=false, or a dry run) */
    /* The school directory that content is sealed with: from hub.schools.file at start, else
     * from PostgreSQL's hub.schools at the first content (dir_from_pg), so that a publisher that
     * never sends content never needs the database. */
    hub_directory_t *directory;
    bool dir_from_pg;
    int dir_rc; /* the PostgreSQL load failed: every later content fails the same way */
    struct hub_error dir_err;
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

static int count_key(const char *key, const char *value, void *ud)
{
    (void)key;
    (void)value;
    (*(size_t *)ud)++;
    return 0;
}

/* hub.schools.file when set; else PostgreSQL, later, when some pg.* key is set; else none (and
 * content is refused by the input check). */
static int setup_directory(hub_publisher_t *p, const hub_config_t *cfg, unsigned flags,
                           struct hub_error *err)
{
    const char *file = hub_config_get(cfg, "hub.schools.file");
    size_t pg_keys = 0;
    int rc;
    if (file && *file) {
        if ((rc = hub_directory_load_csv(file, NULL, NULL, &p->directory, err)) != 0) {
            hub_error_prefix(err, "hub.schools.file: ");
            return rc;
        }
        hub_log(HUB_LOG_DEBUG, "school directory loaded", "source=file schools=%zu",
                hub_directory_count(p->directory));
        p->input.allow_content = true;
        return 0;
    }
    if (!(flags & HUB_PUBLISHER_DIRECTORY_FILE_ONLY))
        (void)hub_config_foreach(cfg, "pg.", count_key, &pg_keys);
    p->dir_from_pg = pg_keys > 0;
    p->input.allow_content = p->dir_from_pg;
    return 0;
}

/* Makes sure the directory is loaded (from PostgreSQL on first use). */
static int directory_ready(hub_publisher_t *p, struct hub_error *err)
{
    PGconn *conn = NULL;
    if (p->directory)
        return 0;
    if (!p->dir_from_pg)
        return hub_error_set(err, HUB_ENOTFOUND, "no school directory is configured");
    if (p->dir_rc == 0) {
        p->dir_rc = hub_pg_connect(p->cfg, &conn, &p->dir_err);
        if (p->dir_rc == 0)
            p->dir_rc = hub_directory_load_pg(conn, &p->directory, &p->dir_err);
        PQfinish(conn);
        if (p->dir_rc == 0) {
            hub_log(HUB_LOG_DEBUG, "school directory loaded", "source=postgresql schools=%zu",
                    hub_directory_count(p->directory));
            return 0;
        }
        hub_error_prefix(&p->dir_err, "the school directory could not be read: ");
    }
    return hub_error_set(err, p->dir_rc, "%s", p->dir_err.msg);
}

/* Seals a handover's content for its receiving school into the event (which then owns it). */
static int seal_content(hub_publisher_t *p, struct hub_event *ev, const char *content,
                        struct hub_error *err)
{
    struct hub_handover *h = &ev->u.handover;
    uint8_t pub[HUB_SEAL_KEY_LEN];
    char aad[HUB_SEAL_HANDOVER_AAD_LEN];
    int rc;
    if (ev->type != HUB_EV_HANDOVER)
        return hub_error_set(err, HUB_EINVAL, "only a handover carries content");
    if ((rc = directory_ready(p, err)) != 0 ||
        (rc = hub_directory_recipient_key(p->directory, h->receiving_school_unit, pub, err)) != 0 ||
        (rc = hub_seal_handover_aad(h->handover_id, h->placement_id, h->receiving_school_unit, aad,
                                    err)) != 0)
        return rc;
    free(h->sealed_content);
    h->sealed_content = NULL;
    h->sealed_content_len = 0;
    return hub_seal(pub, (const uint8_t *)aad, strlen(aad), (const uint8_t *)content,
                    strlen(content), &h->sealed_content, &h->sealed_content_len, err);
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
    if ((rc = hub_districts_load_dir(hub_config_get(cfg, "hub.reference_dir"), &p->districts,
                                     err)) ||
        (rc = hub_pseudonym_load_key(key_file, &p->pseudonym, err)) ||
        (rc = hub_codec_new(&p->codec, err)))
        goto fail;
    /* A dry run checks the signing keys when some are configured, and needs none. */
    if ((!(flags & HUB_PUBLISHER_OFFLINE) || *hub_config_get(cfg, "hub.signing.key_file") ||
         *hub_config_get(cfg, "hub.signing.key_dir")) &&
        (rc = hub_signer_new(cfg, p->districts, &p->signer, err)))
        goto fail;
    if (!(flags & HUB_PUBLISHER_OFFLINE) &&
        (rc = hub_producer_new(cfg, client_id, on_delivery, p, &p->producer, err)))
        goto fail;
    p->input.districts = p->districts;
    p->input.pseudonym = p->pseudonym;
    p->input.allow_content = false;
    p->input.max_skew_ms = hub_config_get_int(cfg, "hub.clock.max_skew_s") * INT64_C(1000);
    if ((rc = setup_directory(p, cfg, flags, err)) != 0)
        goto fail;
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
    char *content = NULL;
    memset(msg, 0, sizeof *msg);
    int rc = hub_event_from_json(&p->input, json, len, &ev, &content, probs);
    if (rc)
        return rc;
    if (content) {
        /* Only the ciphertext goes on: the JSON text is wiped as soon as it is sealed. */
        rc = seal_content(p, &ev, content, &err);
        OPENSSL_cleanse(content, strlen(content));
        free(content);
        if (rc) {
            probs->n = 1;
            probs->p[0].code = rc;
            snprintf(probs->p[0].text, sizeof probs->p[0].text,
                     "content: %.400s; nothing published", err.msg);
            hub_event_clear(&ev);
            return HUB_EINVAL;
        }
    }
    /* The input was checked already; this guards whatever sealing added (content, ground). */
    if ((rc = hub_event_privacy_check(&ev, NULL, &err)) != 0) {
        probs->n = 1;
        probs->p[0].code = rc;
        memcpy(probs->p[0].text, err.msg, sizeof probs->p[0].text);
        hub_event_clear(&ev);
        return HUB_EINVAL;
    }
    /* What every consumer checks before using an event, checked before it is sent. */
    if ((rc = hub_event_validate(&ev, &err)) != 0) {
        probs->n = 1;
        probs->p[0].code = rc;
        snprintf(probs->p[0].text, sizeof probs->p[0].text, "event: %.400s", err.msg);
        hub_event_clear(&ev);
        return HUB_EINVAL;
    }
    rc = hub_codec_encode(p->codec, &ev, &msg->value, &msg->len, &err);
    if (rc) {
        hub_error_prefix(&err, "encode: ");
        probs->n = 1;
        probs->p[0].code = rc;
        memcpy(probs->p[0].text, err.msg, sizeof probs->p[0].text);
        hub_event_clear(&ev);
        return HUB_EINVAL;
    }
    if (msg->len > HUB_EVENT_MAX_BYTES) {
        /* The producer and the topics would refuse it later ("publish again" could never work). */
        probs->n = 1;
        probs->p[0].code = HUB_ERANGE;
        snprintf(probs->p[0].text, sizeof probs->p[0].text,
                 "%s: the encoded event is %zu bytes, more than the hub's limit of %d bytes%s; "
                 "nothing published",
                 ev.type == HUB_EV_HANDOVER ? "content" : "event", msg->len, HUB_EVENT_MAX_BYTES,
                 ev.type == HUB_EV_HANDOVER ? " (shorten the content)" : "");
        hub_pub_msg_clear(msg);
        hub_event_clear(&ev);
        return HUB_EINVAL;
    }
    msg->type = ev.type;
    memcpy(msg->event_id, ev.common.event_id, sizeof msg->event_id);
    if (hub_event_type_is_child(ev.type))
        memcpy(msg->key, ev.common.child, sizeof msg->key);
    else
        snprintf(msg->key, sizeof msg->key, "%s", ev.common.district);
    snprintf(msg->district, sizeof msg->district, "%s", ev.common.district);
    hub_event_clear(&ev);
    if (p->signer && (rc = hub_signer_check_district(p->signer, msg->district, &err)) != 0) {
        probs->n = 1;
        probs->p[0].code = rc;
        snprintf(probs->p[0].text, sizeof probs->p[0].text, "district: %.400s", err.msg);
        hub_pub_msg_clear(msg);
        return HUB_EINVAL;
    }
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
    const char *topic = p->topics[msg->type];
    rd_kafka_headers_t *hdrs = p->signer ? rd_kafka_headers_new(2) : NULL;
    int rc = !p->producer ? hub_error_set(err, HUB_EKAFKA, "publisher is offline")
             : hdrs ? hub_signer_sign(p->signer, msg->district, topic, msg->key, strlen(msg->key),
                                      msg->value, msg->len, hdrs, err)
                    : 0;
    if (rc == 0)
        rc = hub_producer_send(p->producer, topic, msg->key, strlen(msg->key), msg->value, msg->len,
                               hdrs, (void *)(uintptr_t)t, err);
    if (rc && hdrs)
        rd_kafka_headers_destroy(hdrs); /* the producer owns them only on success */
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

int hub_publisher_reset_tickets(hub_publisher_t *p)
{
    if (p->acked + p->failed != p->n_tickets)
        return HUB_EINVAL;
    p->n_tickets = 0;
    p->acked = 0;
    p->failed = 0;
    return 0;
}

int hub_publisher_fatal(hub_publisher_t *p, char *reason, size_t n)
{
    return p->producer ? hub_producer_fatal(p->producer, reason, n) : 0;
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
    hub_signer_destroy(p->signer);
    hub_directory_destroy(p->directory);
    hub_pseudonym_destroy(p->pseudonym);
    hub_districts_destroy(p->districts);
    free(p->tickets);
    free(p);
}
