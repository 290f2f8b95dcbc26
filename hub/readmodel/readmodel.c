/*
 * readmodel.c — the read-model handler: decode and check in prepare(), rmstore in commit().
 */
#include "hub/readmodel/readmodel.h"
#include "hub/kafka/event_check.h"
#include "hub/avro/codec.h"
#include "hub/core/date.h"
#include "hub/domain/district.h"
#include "hub/kafka/kafka.h"
#include "hub/core/log.h"
#include "hub/kafka/owner.h"
#include "hub/pg/pg.h"
#include "hub/pg/sighting.h"
#include "hub/pg/pg_wait.h"
#include "hub/readmodel/rmstore.h"
#include "hub/crypto/sign.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC_MAX 256

static const char *const rm_topics[] = {HUB_TOPIC_PLACEMENT,
                                        HUB_TOPIC_SCHOOL_START,
                                        HUB_TOPIC_HANDOVER,
                                        HUB_TOPIC_RECEIPT,
                                        HUB_TOPIC_CONTACT_CHANGE,
                                        HUB_TOPIC_FOLLOW_UP,
                                        NULL};

struct hub_readmodel {
    const hub_config_t *cfg;
    PGconn *conn;
    hub_rmstore_t *store;
    hub_codec_t *codec;
    hub_districts_t *districts;
    hub_consumer_t *consumer;
    struct hub_event *events; /* one slot per batch position */
    size_t n_slots;
    struct hub_rm_item *items;
    struct hub_rm_offset *offs;
    size_t cap_items, cap_offs;
    struct hub_event_check check; /* the message checks shared with every event consumer */
    /* ownership review (hub/kafka/owner.h), per batch */
    hub_owners_t *owners;
    const struct hub_event **evs;
    const char **ref_p; /* the claimed placement ids */
    size_t cap_review;
    struct hub_rm_eviction *evict;
    size_t n_evict;
    struct hub_rm_claim *claims;
    size_t cap_claims;
};

static int ensure_slots(hub_readmodel_t *rm, size_t n)
{
    if (n <= rm->n_slots)
        return 0;
    size_t cap = rm->n_slots ? rm->n_slots * 2 : 256;
    while (cap < n)
        cap *= 2;
    struct hub_event *e = realloc(rm->events, cap * sizeof *e);
    if (!e)
        return HUB_ENOMEM;
    memset(e + rm->n_slots, 0, (cap - rm->n_slots) * sizeof *e);
    rm->events = e;
    rm->n_slots = cap;
    return 0;
}

static int rm_prepare(void *ud, const rd_kafka_message_t *m, size_t slot,
                      char reason[HUB_REASON_MAX], struct hub_error *err)
{
    hub_readmodel_t *rm = ud;
    if (ensure_slots(rm, slot + 1) != 0) {
        snprintf(reason, HUB_REASON_MAX, "invalid");
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    return hub_event_check_message(&rm->check, m, &rm->events[slot], reason, err);
}

static int rm_commit(void *ud, const struct hub_batch *b, struct hub_error *err)
{
    hub_readmodel_t *rm = ud;
    if (b->n > rm->cap_items) {
        struct hub_rm_item *it = realloc(rm->items, b->n * sizeof *it);
        if (!it)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        rm->items = it;
        rm->cap_items = b->n;
    }
    if (b->n_offsets > rm->cap_offs) {
        struct hub_rm_offset *o = realloc(rm->offs, b->n_offsets * sizeof *o);
        if (!o)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        rm->offs = o;
        rm->cap_offs = b->n_offsets;
    }
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->msgs[i].dead)
            continue;
        /* prepare() ran hub_event_check_message() (hub_event_validate) on every kept message */
        rm->items[n++] =
            (struct hub_rm_item){&rm->events[i], b->msgs[i].topic, b->msgs[i].msg->partition,
                                 b->msgs[i].msg->offset, true};
    }
    for (size_t k = 0; k < b->n_offsets; k++)
        rm->offs[k] = (struct hub_rm_offset){b->offsets[k].topic, b->offsets[k].partition,
                                             b->offsets[k].next_offset};
    struct hub_rm_stats st;
    int rc = hub_rmstore_apply(rm->store, rm->items, n, rm->offs, b->n_offsets, &st, err);
    if (rc == 0)
        hub_log(HUB_LOG_DEBUG, "batch committed", "applied=%zu duplicates=%zu dead=%zu", st.applied,
                st.duplicates, b->n - n);
    return rc;
}

static int rm_reconnect(void *ud, struct hub_error *err)
{
    hub_readmodel_t *rm = ud;
    PGconn *conn = NULL;
    int rc = hub_pg_connect(rm->cfg, &conn, err);
    if (rc)
        return rc;
    rc = hub_rmstore_set_conn(rm->store, conn, err);
    if (rc) {
        PQfinish(conn);
        return rc;
    }
    PQfinish(rm->conn);
    rm->conn = conn;
    hub_log(HUB_LOG_INFO, "reconnected to PostgreSQL", NULL);
    return 0;
}

static int rm_ping(void *ud, struct hub_error *err)
{
    hub_readmodel_t *rm = ud;
    return hub_pg_exec(rm->conn, "database ping", "SELECT 1", 0, NULL, NULL, err);
}

static int rm_seen_lookup(void *ud, const uint8_t *const *sigs, int64_t *seen_ms, size_t n,
                          struct hub_error *err)
{
    hub_readmodel_t *rm = ud;
    return hub_sighting_lookup(rm->conn, sigs, seen_ms, n, err);
}

static int rm_seen_record(void *ud, const uint8_t *const *sigs, const char *const *key_ids,
                          const int64_t *seen_ms, size_t n, struct hub_error *err)
{
    hub_readmodel_t *rm = ud;
    return hub_sighting_record(rm->conn, sigs, key_ids, seen_ms, n, err);
}

static int rm_load_owners(void *ud, bool handovers, const char *const *ids, size_t n,
                          int (*put)(void *put_ud, const char *id, const char *district),
                          void *put_ud, struct hub_error *err)
{
    hub_readmodel_t *rm = ud;
    return hub_rmstore_owners(rm->store, handovers, ids, n, put, put_ud, err);
}

/* The follow-ups of a batch whose placement is known, and its start. */
struct fu_starts {
    const struct hub_event **ev; /* the follow-ups not yet rejected */
    int32_t *start;              /* INT32_MIN: placement not known (yet) */
    size_t *slot;                /* their batch positions */
    size_t n;
};

static int fu_start_put(void *ud, const char *id, int32_t day)
{
    struct fu_starts *s = ud;
    for (size_t i = 0; i < s->n; i++)
        if (s->start[i] == INT32_MIN && strcmp(s->ev[i]->u.follow_up.placement_id, id) == 0)
            s->start[i] = day;
    return 0;
}

/* A follow-up reviewed before its placement started is rejected with reason `before_start` when
 * the placement is known: from the newest placement event of the batch, else the read model. One
 * whose placement has not arrived is kept (arrival order across topics is not ours); the reports
 * leave it out until the placement comes, and then by the same rule (hub.follow_ups_unmatched). */
static int review_follow_ups(hub_readmodel_t *rm, const struct hub_batch *b, bool *reject,
                             struct hub_rejection *why, struct hub_error *err)
{
    struct fu_starts s = {0};
    const char **ids = NULL;
    int64_t *newest = NULL;
    size_t n = 0, n_ids = 0;
    int rc = 0;

    for (size_t i = 0; i < b->n; i++)
        n += rm->evs[i] && !reject[i] && rm->evs[i]->type == HUB_EV_FOLLOW_UP;
    if (n == 0)
        return 0;
    s.ev = calloc(n, sizeof *s.ev);
    s.start = calloc(n, sizeof *s.start);
    s.slot = calloc(n, sizeof *s.slot);
    newest = calloc(n, sizeof *newest);
    ids = calloc(n, sizeof *ids);
    if (!s.ev || !s.start || !s.slot || !newest || !ids) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (!rm->evs[i] || reject[i] || rm->evs[i]->type != HUB_EV_FOLLOW_UP)
            continue;
        s.ev[s.n] = rm->evs[i];
        s.slot[s.n] = i;
        s.start[s.n] = INT32_MIN;
        newest[s.n] = INT64_MIN;
        s.n++;
    }
    /* the batch's own placement events first: the newest one says when it started */
    for (size_t i = 0; i < b->n; i++) {
        const struct hub_event *p = rm->evs[i];
        if (!p || reject[i] || p->type != HUB_EV_PLACEMENT)
            continue;
        for (size_t k = 0; k < s.n; k++)
            if (strcmp(s.ev[k]->u.follow_up.placement_id, p->u.placement.placement_id) == 0 &&
                p->common.occurred_at > newest[k]) {
                newest[k] = p->common.occurred_at;
                s.start[k] = p->u.placement.start_date;
            }
    }
    for (size_t k = 0; k < s.n; k++)
        if (s.start[k] == INT32_MIN)
            ids[n_ids++] = s.ev[k]->u.follow_up.placement_id;
    if ((rc = hub_rmstore_placement_starts(rm->store, ids, n_ids, fu_start_put, &s, err)) != 0)
        goto out;
    for (size_t k = 0; k < s.n; k++) {
        const struct hub_follow_up *f = &s.ev[k]->u.follow_up;
        char review[HUB_DATE_ISO_LEN], start[HUB_DATE_ISO_LEN];
        if (s.start[k] == INT32_MIN || f->review_date >= s.start[k])
            continue;
        if (hub_date_format(f->review_date, review) != 0 || hub_date_format(s.start[k], start) != 0)
            continue; /* dates were validated: cannot happen */
        size_t i = s.slot[k];
        reject[i] = true;
        snprintf(why[i].reason, sizeof why[i].reason, "before_start");
        snprintf(why[i].detail, sizeof why[i].detail,
                 "follow-up: review_date %s is before start_date %s of placement %s", review, start,
                 f->placement_id);
    }
out:
    free(s.ev);
    free(s.start);
    free(s.slot);
    free(newest);
    free(ids);
    return rc;
}

/* Ownership (hub/kafka/owner.h): events on another district's records are rejected with reason
 * `owner`; records stored before their placement arrived from a district that may not act for
 * them are set to be moved out by the commit. */
static int rm_review(void *ud, const struct hub_batch *b, bool *reject, struct hub_rejection *why,
                     struct hub_error *err)
{
    hub_readmodel_t *rm = ud;
    int rc;
    if (b->n > rm->cap_review) {
        const struct hub_event **e = realloc(rm->evs, b->n * sizeof *e);
        const char **p = e ? realloc(rm->ref_p, b->n * sizeof *p) : NULL;
        if (e)
            rm->evs = e;
        if (p)
            rm->ref_p = p;
        if (!p)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        rm->cap_review = b->n;
    }
    for (size_t i = 0; i < b->n; i++)
        rm->evs[i] = b->msgs[i].dead ? NULL : &rm->events[i];
    if ((rc = hub_owner_check_batch(rm->districts, rm->owners, rm->evs, b->n, rm_load_owners, rm,
                                    reject, why, err)) != 0 ||
        (rc = review_follow_ups(rm, b, reject, why, err)) != 0)
        return rc;

    /* contested records, whose owners the commit registers; then what was stored before a newly
     * claimed placement and may not stay */
    size_t np = hub_owners_claimed_count(rm->owners, HUB_OWNER_PLACEMENT);
    size_t nc = hub_owners_contested_count(rm->owners), n_dep = 0;
    struct hub_rm_eviction *dep = NULL;
    hub_rmstore_set_ownership(rm->store, NULL, 0, NULL, 0);
    free(rm->evict);
    rm->evict = NULL;
    rm->n_evict = 0;
    if (nc > rm->cap_claims) {
        struct hub_rm_claim *c = realloc(rm->claims, nc * sizeof *c);
        if (!c)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        rm->claims = c;
        rm->cap_claims = nc;
    }
    for (size_t i = 0; i < nc; i++) {
        enum hub_owner_kind kind = HUB_OWNER_PLACEMENT;
        const char *district = NULL;
        const char *id = hub_owners_contested_at(rm->owners, i, &kind, &district);
        rm->claims[i].kind = (char)kind;
        snprintf(rm->claims[i].id, sizeof rm->claims[i].id, "%s", id);
        snprintf(rm->claims[i].district, sizeof rm->claims[i].district, "%s", district);
    }
    for (size_t i = 0; i < np; i++)
        rm->ref_p[i] = hub_owners_claimed_at(rm->owners, HUB_OWNER_PLACEMENT, i, NULL);
    if (np && (rc = hub_rmstore_dependents(rm->store, rm->ref_p, np, &dep, &n_dep, err)) != 0)
        return rc;
    size_t k = 0;
    for (size_t i = 0; i < n_dep; i++) {
        const char *owner = hub_owners_get(rm->owners, HUB_OWNER_PLACEMENT, dep[i].placement_id);
        if (!owner || hub_owner_may_act(rm->districts, dep[i].district, owner))
            continue;
        dep[k] = dep[i];
        snprintf(dep[k].owner, sizeof dep[k].owner, "%s", owner);
        hub_log(HUB_LOG_WARN, "record of another district's placement moved out",
                "kind=%s id=%s placement_id=%s district=%s owner=%s",
                dep[k].kind == 's' ? "school_start" : "handover", dep[k].id, dep[k].placement_id,
                dep[k].district, owner);
        k++;
    }
    rm->evict = dep;
    rm->n_evict = k;
    hub_rmstore_set_ownership(rm->store, rm->claims, nc, rm->evict, rm->n_evict);
    return 0;
}

static int rm_load_offset(void *ud, const char *topic, int32_t partition, int64_t *next,
                          struct hub_error *err)
{
    hub_readmodel_t *rm = ud;
    return hub_rmstore_load_offset(rm->store, topic, partition, next, err);
}

int hub_readmodel_new(const hub_config_t *cfg, bool rebuild, hub_readmodel_t **out,
                      struct hub_error *err)
{
    hub_readmodel_t *rm = calloc(1, sizeof *rm);
    int rc;
    *out = NULL;
    if (!rm)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    rm->cfg = cfg;
    const char *group = hub_config_get(cfg, "hub.readmodel.group");
    if ((rc = hub_districts_load_dir(hub_config_get(cfg, "hub.reference_dir"), &rm->districts,
                                     err)) ||
        (rc = hub_codec_new(&rm->codec, err)) ||
        (rc = hub_pg_connect_wait(cfg, "hub-readmodel", &rm->conn, err)) ||
        (rc = hub_rmstore_new(rm->conn, group, &rm->store, err)))
        goto fail;
    if (rebuild) {
        if ((rc = hub_rmstore_reset(rm->store, err)))
            goto fail;
        hub_log(HUB_LOG_INFO, "read model emptied for rebuild", "group=%s", group);
    }
    if ((rc = ensure_slots(rm, (size_t)hub_config_get_int(cfg, "hub.consumer.batch_max"))))
        goto fail;
    if (!(rm->owners = hub_owners_new())) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto fail;
    }
    hub_event_check_init(&rm->check, cfg, rm->codec, rm->districts);
    struct hub_consumer_handler h = {.ud = rm,
                                     .prepare = rm_prepare,
                                     .commit = rm_commit,
                                     .reconnect = rm_reconnect,
                                     .load_offset = rm_load_offset,
                                     .seen_lookup = rm_seen_lookup,
                                     .seen_record = rm_seen_record,
                                     .review = rm_review};
    if ((rc = hub_consumer_new(cfg, "readmodel", group, rm_topics, &h, &rm->consumer, err)))
        goto fail;
    hub_consumer_set_ping(rm->consumer, rm_ping);
    rm->check.consumer = rm->consumer;
    *out = rm;
    return 0;
fail:
    hub_readmodel_destroy(rm);
    return rc;
}

int hub_readmodel_run(hub_readmodel_t *rm, int idle_exit_ms, struct hub_error *err)
{
    return hub_consumer_run(rm->consumer, idle_exit_ms, err);
}

void hub_readmodel_stats(const hub_readmodel_t *rm, struct hub_consumer_stats *out)
{
    hub_consumer_get_stats(rm->consumer, out);
}

void hub_readmodel_destroy(hub_readmodel_t *rm)
{
    if (!rm)
        return;
    hub_consumer_destroy(rm->consumer);
    for (size_t i = 0; i < rm->n_slots; i++)
        hub_event_clear(&rm->events[i]);
    free(rm->events);
    free(rm->items);
    free(rm->offs);
    hub_owners_destroy(rm->owners);
    free(rm->evs);
    free(rm->ref_p);
    free(rm->evict);
    free(rm->claims);
    hub_rmstore_destroy(rm->store);
    PQfinish(rm->conn);
    hub_codec_destroy(rm->codec);
    hub_districts_destroy(rm->districts);
    free(rm);
}
