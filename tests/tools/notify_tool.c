/*
 * notify_tool — publishes the events hub-notifier consumes, for its tests and benchmark, straight
 * through the codec and the hub's producer (so a handover can carry arbitrary sealed bytes).
 *
 *   notify_tool handover --config FILE --school UNIT [--legal-ground G] [--sealed-file F]
 *               [--handover-id U] [--placement-id U] [--event-id U] [--child HEX]
 *               [--district D] [--contact-name N] [--contact-email E] [--key K]
 *   notify_tool contact-change --config FILE --old-email E --new-name N --new-email E
 *               [--district D] [--school UNIT]... [--placement U]... [--event-id U]
 *   notify_tool rate --config FILE --school UNIT --rate N --seconds S
 *
 * `handover` and `contact-change` print the ids they used ("handover_id=… event_id=…"); `rate`
 * publishes N handovers a second for S seconds (occurred_at = the moment of sending, 64 random
 * sealed bytes) and prints "published=<count>". Events are signed like hub-publish signs them
 * (hub.signing.*: the test config's dev keys). Exit: 0 all acknowledged, 1 failure, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "hub/avro/codec.h"
#include "hub/core/config.h"
#include "hub/domain/district.h"
#include "hub/domain/ident.h"
#include "hub/kafka/kafka.h"
#include "hub/core/log.h"
#include "hub/crypto/sign.h"

struct opts {
    const char *config, *school, *legal_ground, *sealed_file, *handover_id, *placement_id,
        *event_id, *child, *district, *contact_name, *contact_email, *key;
    const char *old_email, *new_name, *new_email;
    const char *schools[HUB_SCOPE_MAX], *placements[HUB_SCOPE_MAX];
    size_t n_schools, n_placements;
    long rate, seconds;
};

static int acked, failed;

static void on_report(void *ud, void *opaque, rd_kafka_resp_err_t e)
{
    (void)ud;
    (void)opaque;
    if (e)
        failed++;
    else
        acked++;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void random_child(char out[HUB_PSEUDONYM_STR])
{
    static const char hx[] = "0123456789abcdef";
    uint8_t b[32];
    if (RAND_bytes(b, sizeof b) != 1)
        memset(b, 7, sizeof b);
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[64] = '\0';
}

static int set_or_random_uuid(char out[HUB_UUID_STR], const char *given)
{
    if (given) {
        snprintf(out, HUB_UUID_STR, "%s", given);
        return 0;
    }
    return hub_uuid_v4_random(out);
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 4096, n = 0;
    uint8_t *b = malloc(cap);
    while (b) {
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            uint8_t *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
            } else {
                b = nb;
            }
        }
    }
    fclose(f);
    if (!b)
        return -1;
    *buf = b;
    *len = n;
    return 0;
}

static void set_contact(struct hub_contact *c, const char *name, const char *email)
{
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->role, sizeof c->role, "socialsekreterare");
    snprintf(c->phone, sizeof c->phone, "08-508 000 00");
    snprintf(c->email, sizeof c->email, "%s", email);
}

static int fill_handover(const struct opts *o, struct hub_event *ev)
{
    hub_event_init(ev, HUB_EV_HANDOVER);
    struct hub_handover *h = &ev->u.handover;
    if (set_or_random_uuid(ev->common.event_id, o->event_id) ||
        set_or_random_uuid(h->handover_id, o->handover_id) ||
        set_or_random_uuid(h->placement_id, o->placement_id))
        return -1;
    ev->common.occurred_at = now_ms();
    snprintf(ev->common.district, sizeof ev->common.district, "%s",
             o->district ? o->district : "farsta");
    if (o->child)
        snprintf(ev->common.child, sizeof ev->common.child, "%s", o->child);
    else
        random_child(ev->common.child);
    ev->common.birth_year = 2014;
    ev->common.legal_sex = HUB_SEX_FEMALE;
    snprintf(h->receiving_school_unit, sizeof h->receiving_school_unit, "%s", o->school);
    h->planned_start_date = (int32_t)(ev->common.occurred_at / 86400000) + 7;
    if (hub_legal_ground_parse(o->legal_ground ? o->legal_ground : "consent_guardian",
                               &h->legal_ground) != 0) {
        fprintf(stderr, "notify_tool: unknown legal ground\n");
        return -1;
    }
    set_contact(&h->contact, o->contact_name ? o->contact_name : "Eva Socialsekreterare",
                o->contact_email ? o->contact_email : "eva.socialsekreterare@stockholm.se");
    return 0;
}

static hub_signer_t *signer;

static int send_event(hub_producer_t *p, const hub_codec_t *codec, const hub_config_t *cfg,
                      const struct hub_event *ev, const char *key)
{
    char topic[256];
    uint8_t *buf = NULL;
    size_t len = 0;
    struct hub_error err = {0};
    hub_config_topic(cfg, hub_topic_of_event(ev->type), topic, sizeof topic);
    if (hub_codec_encode(codec, ev, &buf, &len, &err) != 0) {
        fprintf(stderr, "notify_tool: encode: %s\n", err.msg);
        return -1;
    }
    rd_kafka_headers_t *hdrs = signer ? rd_kafka_headers_new(2) : NULL;
    int rc = hdrs ? hub_signer_sign(signer, ev->common.district, topic, key, strlen(key), buf, len,
                                    hdrs, &err)
                  : 0;
    if (rc == 0)
        rc = hub_producer_send(p, topic, key, strlen(key), buf, len, hdrs, NULL, &err);
    if (rc && hdrs)
        rd_kafka_headers_destroy(hdrs);
    free(buf);
    if (rc)
        fprintf(stderr, "notify_tool: send: %s\n", err.msg);
    return rc ? -1 : 0;
}

/* A whole number in 1..100000. */
static int parse_count(const char *s, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 100000)
        return -1;
    *out = v;
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: notify_tool handover|contact-change|rate --config FILE ... "
                    "(see the comment at the top of tests/tools/notify_tool.c)\n");
    return 2;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"config", required_argument, NULL, 'c'},
                                       {"school", required_argument, NULL, 's'},
                                       {"legal-ground", required_argument, NULL, 'g'},
                                       {"sealed-file", required_argument, NULL, 'f'},
                                       {"handover-id", required_argument, NULL, 'H'},
                                       {"placement-id", required_argument, NULL, 'P'},
                                       {"event-id", required_argument, NULL, 'E'},
                                       {"child", required_argument, NULL, 'C'},
                                       {"district", required_argument, NULL, 'd'},
                                       {"contact-name", required_argument, NULL, 'n'},
                                       {"contact-email", required_argument, NULL, 'm'},
                                       {"key", required_argument, NULL, 'k'},
                                       {"old-email", required_argument, NULL, 'o'},
                                       {"new-name", required_argument, NULL, 'N'},
                                       {"new-email", required_argument, NULL, 'M'},
                                       {"placement", required_argument, NULL, 'p'},
                                       {"rate", required_argument, NULL, 'r'},
                                       {"seconds", required_argument, NULL, 'S'},
                                       {NULL, 0, NULL, 0}};
    struct opts o = {0};
    hub_config_t *cfg = NULL;
    hub_codec_t *codec = NULL;
    hub_producer_t *prod = NULL;
    hub_districts_t *districts = NULL;
    struct hub_error err = {0};
    struct hub_event ev;
    int c, rc = 1;

    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    optind = 2;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'c':
            o.config = optarg;
            break;
        case 's':
            o.school = optarg;
            if (o.n_schools < HUB_SCOPE_MAX)
                o.schools[o.n_schools++] = optarg;
            break;
        case 'g':
            o.legal_ground = optarg;
            break;
        case 'f':
            o.sealed_file = optarg;
            break;
        case 'H':
            o.handover_id = optarg;
            break;
        case 'P':
            o.placement_id = optarg;
            break;
        case 'E':
            o.event_id = optarg;
            break;
        case 'C':
            o.child = optarg;
            break;
        case 'd':
            o.district = optarg;
            break;
        case 'n':
            o.contact_name = optarg;
            break;
        case 'm':
            o.contact_email = optarg;
            break;
        case 'k':
            o.key = optarg;
            break;
        case 'o':
            o.old_email = optarg;
            break;
        case 'N':
            o.new_name = optarg;
            break;
        case 'M':
            o.new_email = optarg;
            break;
        case 'p':
            if (o.n_placements < HUB_SCOPE_MAX)
                o.placements[o.n_placements++] = optarg;
            break;
        case 'r':
            if (parse_count(optarg, &o.rate) != 0)
                return usage();
            break;
        case 'S':
            if (parse_count(optarg, &o.seconds) != 0)
                return usage();
            break;
        default:
            return usage();
        }
    }
    if (!o.config)
        return usage();
    hub_log_setup("notify_tool", HUB_LOG_ERROR, HUB_LOG_LOGFMT);
    memset(&ev, 0, sizeof ev);
    char dpath[4096];
    if (hub_districts_default_path(dpath, sizeof dpath) != 0)
        goto out;
    if (hub_config_load(o.config, &cfg, &err) || hub_districts_load(dpath, &districts, &err) ||
        hub_signer_new(cfg, districts, &signer, &err) || hub_codec_new(&codec, &err) ||
        hub_producer_new(cfg, "notify_tool", on_report, NULL, &prod, &err)) {
        fprintf(stderr, "notify_tool: %s\n", err.msg);
        goto out;
    }
    if (strcmp(cmd, "handover") == 0) {
        if (!o.school || fill_handover(&o, &ev) != 0) {
            rc = 2;
            goto out;
        }
        if (o.sealed_file) {
            if (read_file(o.sealed_file, &ev.u.handover.sealed_content,
                          &ev.u.handover.sealed_content_len) != 0) {
                fprintf(stderr, "notify_tool: cannot read %s\n", o.sealed_file);
                goto out;
            }
        }
        if (send_event(prod, codec, cfg, &ev, o.key ? o.key : ev.common.child) != 0)
            goto out;
        printf("handover_id=%s event_id=%s child=%s\n", ev.u.handover.handover_id,
               ev.common.event_id, ev.common.child);
    } else if (strcmp(cmd, "contact-change") == 0) {
        if (!o.old_email || !o.new_name || !o.new_email) {
            rc = 2;
            goto out;
        }
        hub_event_init(&ev, HUB_EV_CONTACT_CHANGE);
        if (set_or_random_uuid(ev.common.event_id, o.event_id))
            goto out;
        ev.common.occurred_at = now_ms();
        snprintf(ev.common.district, sizeof ev.common.district, "%s",
                 o.district ? o.district : "farsta");
        struct hub_contact_change *k = &ev.u.contact_change;
        set_contact(&k->old_contact, "Eva Socialsekreterare", o.old_email);
        set_contact(&k->new_contact, o.new_name, o.new_email);
        for (size_t i = 0; i < o.n_schools; i++)
            snprintf(k->school_units[i], sizeof k->school_units[i], "%s", o.schools[i]);
        k->n_school_units = o.n_schools;
        for (size_t i = 0; i < o.n_placements; i++)
            snprintf(k->placements[i], sizeof k->placements[i], "%s", o.placements[i]);
        k->n_placements = o.n_placements;
        k->effective_date = (int32_t)(ev.common.occurred_at / 86400000);
        if (send_event(prod, codec, cfg, &ev, o.key ? o.key : ev.common.district) != 0)
            goto out;
        printf("event_id=%s\n", ev.common.event_id);
    } else if (strcmp(cmd, "rate") == 0) {
        if (!o.school || o.rate <= 0 || o.seconds <= 0) {
            rc = 2;
            goto out;
        }
        long total = o.rate * o.seconds;
        int64_t t0 = now_ms();
        uint8_t sealed[64];
        for (long i = 0; i < total; i++) {
            int64_t due = t0 + i * 1000 / o.rate;
            while (now_ms() < due)
                hub_producer_poll(prod, (int)(due - now_ms() > 0 ? due - now_ms() : 0));
            hub_event_clear(&ev);
            if (fill_handover(&o, &ev) != 0 || RAND_bytes(sealed, sizeof sealed) != 1)
                goto out;
            ev.u.handover.sealed_content = malloc(sizeof sealed);
            if (!ev.u.handover.sealed_content)
                goto out;
            memcpy(ev.u.handover.sealed_content, sealed, sizeof sealed);
            ev.u.handover.sealed_content_len = sizeof sealed;
            if (send_event(prod, codec, cfg, &ev, ev.common.child) != 0)
                goto out;
            hub_producer_poll(prod, 0);
        }
        printf("published=%ld\n", total);
    } else {
        rc = usage();
        goto out;
    }
    if (hub_producer_flush(prod, 30000) != 0 || failed > 0) {
        fprintf(stderr, "notify_tool: %d message(s) not acknowledged\n",
                failed + hub_producer_outstanding(prod));
        goto out;
    }
    rc = 0;
out:
    hub_event_clear(&ev);
    hub_producer_destroy(prod);
    hub_signer_destroy(signer);
    hub_districts_destroy(districts);
    hub_codec_destroy(codec);
    hub_config_destroy(cfg);
    return rc;
}
