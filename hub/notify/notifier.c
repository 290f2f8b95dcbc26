/*
 * notifier.c — the notifier's consumer handler and the wiring of its three loops (notifier.h).
 */
#include "hub/notify/notifier.h"
#include "hub/kafka/event_check.h"
#include "hub/core/app.h"
#include "hub/notify/audit.h"
#include "hub/avro/codec.h"
#include "hub/core/date.h"
#include "hub/domain/district.h"
#include "hub/kafka/kafka.h"
#include "hub/core/log.h"
#include "hub/notify/notify_deliver.h"
#include "hub/notify/notify_receipts.h"
#include "hub/notify/notify_store.h"
#include "hub/kafka/owner.h"
#include "hub/pg/pg.h"
#include "hub/pg/sighting.h"
#include "hub/pg/pg_wait.h"
#include "hub/crypto/sign.h"
#include "hub/crypto/webhook.h"
#include "hub/crypto/seal.h"
#include "hub/domain/ident.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#define TOPIC_MAX 256

static const char *const notifier_topics[] = {HUB_TOPIC_HANDOVER, HUB_TOPIC_CONTACT_CHANGE, NULL};

static const char WITHHELD_DETAIL[] = "legal_ground none: nothing disclosed to the school";

/* A notification being built in a batch; pointers into it are fixed up before the insert. */
struct pending_note {
    struct hub_nstore_note note;
    char school[HUB_SCHOOL_UNIT_STR];
    char *body;
    char sha[65];
};

struct pending_receipt {
    struct hub_nstore_receipt r;
    char nid[HUB_NSTORE_ID_STR];
};

struct pending_audit {
    struct hub_audit_row a;
    char nid[HUB_NSTORE_ID_STR];
};

struct hub_notifier {
    const hub_config_t *cfg;
    PGconn *conn; /* the consumer's session */
    hub_codec_t *codec;
    hub_districts_t *districts;
    hub_consumer_t *consumer;
    hub_deliverer_t *deliverer;
    hub_receipt_server_t *server;
    bool curl_ready;
    char group[128];
    struct hub_event_check check; /* the message checks shared with every event consumer */
    int64_t retry_for_ms;

    struct hub_event *events; /* one slot per batch position */
    size_t n_slots;

    /* per-batch buffers, reused */
    struct hub_nstore_source *srcs;
    size_t *src_slot;
    bool *is_new;
    size_t cap_srcs;
    struct hub_nstore_offset *offs;
    size_t cap_offs;
    struct pending_note *notes;
    size_t n_notes, cap_notes, flushed_notes;
    struct pending_receipt *receipts;
    size_t n_receipts, cap_receipts;
    struct pending_audit *audits;
    size_t n_audits, cap_audits;

    int deliver_rc;
    struct hub_error deliver_err;

    hub_owners_t *owners; /* ownership review (hub/kafka/owner.h), per batch */
    const struct hub_event **evs;
    size_t cap_evs;
};

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Grows *v (elements of `size`) to hold `need`. */
static int grow(void **v, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *p = realloc(*v, c * size);
    if (!p)
        return HUB_ENOMEM;
    memset((char *)p + *cap * size, 0, (c - *cap) * size);
    *v = p;
    *cap = c;
    return 0;
}

static void sha256_hex(const char *s, size_t n, char out[65])
{
    uint8_t md[32];
    unsigned int len = 0;
    if (EVP_Digest(s, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
        memset(md, 0, sizeof md);
    hub_audit_hex(md, sizeof md, out);
}

/* ---- bodies ---- */

static json_t *contact_json(const struct hub_contact *c)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (json_object_set_new(o, "name", json_string(c->name)) ||
        json_object_set_new(o, "role", json_string(c->role)) ||
        json_object_set_new(o, "phone", json_string(c->phone)) ||
        json_object_set_new(o, "email", json_string(c->email))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int dump(json_t *root, bool ok, char **out)
{
    *out = NULL;
    if (ok)
        *out = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return *out ? 0 : ok ? HUB_ENOMEM : HUB_EINVAL;
}

int hub_notifier_handover_body(const struct hub_event *ev, char **out)
{
    const struct hub_handover *h = &ev->u.handover;
    char ts[HUB_TIMESTAMP_LEN], day[HUB_DATE_ISO_LEN];
    char *b64 = NULL;
    json_t *root = NULL;
    bool ok;

    *out = NULL;
    if (ev->type != HUB_EV_HANDOVER ||
        hub_timestamp_format_rfc3339(ev->common.occurred_at, ts) != 0 ||
        hub_date_format(h->planned_start_date, day) != 0 || !hub_legal_ground_name(h->legal_ground))
        return HUB_EINVAL;
    if (h->sealed_content && h->sealed_content_len > 0) {
        size_t cap = hub_base64_encoded_len(h->sealed_content_len) + 1;
        if (!(b64 = malloc(cap)))
            return HUB_ENOMEM;
        hub_base64_encode(h->sealed_content, h->sealed_content_len, b64, cap);
    }
    root = json_object();
    ok = root && !json_object_set_new(root, "type", json_string("handover.created")) &&
         !json_object_set_new(root, "timestamp", json_string(ts)) &&
         !json_object_set_new(root, "handover_id", json_string(h->handover_id)) &&
         !json_object_set_new(root, "placement_id", json_string(h->placement_id)) &&
         !json_object_set_new(root, "district", json_string(ev->common.district)) &&
         !json_object_set_new(root, "receiving_school_unit",
                              json_string(h->receiving_school_unit)) &&
         !json_object_set_new(root, "planned_start_date", json_string(day)) &&
         !json_object_set_new(root, "legal_ground",
                              json_string(hub_legal_ground_name(h->legal_ground))) &&
         !json_object_set_new(root, "contact", contact_json(&h->contact)) &&
         !json_object_set_new(root, "sealed_content", b64 ? json_string(b64) : json_null());
    free(b64);
    return dump(root, ok, out);
}

static bool school_unit_ok(const char *s)
{
    struct hub_error ignored = {0};
    return hub_school_unit_check(s, &ignored) == 0;
}

/* Copies the string field `name` of `root` into buf (n bytes) when it is a string of 1..n-1
 * bytes that `valid` accepts (`what` names the expected form). */
static int body_field(json_t *root, const char *name, char *buf, size_t n,
                      bool (*valid)(const char *), const char *what, struct hub_error *err)
{
    const json_t *v = json_object_get(root, name);
    const char *text = json_is_string(v) ? json_string_value(v) : NULL;
    if (!text)
        return hub_error_set(err, HUB_EINVAL, "delivery: %s: missing or not a string", name);
    if (strlen(text) == 0 || strlen(text) >= n || !valid(text))
        return hub_error_set(err, HUB_EINVAL, "delivery: %s: not a %s", name, what);
    snprintf(buf, n, "%s", text);
    return 0;
}

int hub_delivered_handover_parse(const char *body, size_t len, struct hub_delivered_handover *out,
                                 struct hub_error *err)
{
    json_error_t jerr;
    memset(out, 0, sizeof *out);
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return hub_error_set(err, HUB_EINVAL, "delivery: not JSON (line %d, column %d: %s)",
                             jerr.line, jerr.column, jerr.text);
    int rc = 0;
    const json_t *type = json_object_get(root, "type"), *sealed;
    if (!json_is_object(root) || !json_is_string(type) ||
        strcmp(json_string_value(type), "handover.created") != 0) {
        rc = hub_error_set(err, HUB_EINVAL, "delivery: type: not a \"handover.created\" body");
        goto out;
    }
    if ((rc = body_field(root, "handover_id", out->handover_id, sizeof out->handover_id,
                         hub_is_canonical_uuid, "canonical uuid", err)) ||
        (rc = body_field(root, "placement_id", out->placement_id, sizeof out->placement_id,
                         hub_is_canonical_uuid, "canonical uuid", err)) ||
        (rc = body_field(root, "receiving_school_unit", out->receiving_school_unit,
                         sizeof out->receiving_school_unit, school_unit_ok, "skolenhetskod", err)))
        goto out;
    sealed = json_object_get(root, "sealed_content");
    if (json_is_null(sealed))
        goto out;
    if (!json_is_string(sealed)) {
        rc = hub_error_set(err, HUB_EINVAL, "delivery: sealed_content: missing or not a string");
        goto out;
    }
    rc = hub_seal_base64_decode(json_string_value(sealed), json_string_length(sealed), &out->sealed,
                                &out->sealed_len, err);
    if (rc)
        hub_error_prefix(err, "delivery: sealed_content: ");
out:
    json_decref(root);
    if (rc)
        hub_delivered_handover_clear(out);
    return rc;
}

void hub_delivered_handover_clear(struct hub_delivered_handover *d)
{
    free(d->sealed);
    d->sealed = NULL;
    d->sealed_len = 0;
}

int hub_notifier_contact_body(const struct hub_event *ev, const char *school_unit,
                              const char *const *handover_ids, const char *const *placement_ids,
                              size_t n, char **out)
{
    const struct hub_contact_change *k = &ev->u.contact_change;
    char ts[HUB_TIMESTAMP_LEN], day[HUB_DATE_ISO_LEN];
    json_t *root = NULL, *list = NULL;
    bool ok;

    *out = NULL;
    if (ev->type != HUB_EV_CONTACT_CHANGE ||
        hub_timestamp_format_rfc3339(ev->common.occurred_at, ts) != 0 ||
        hub_date_format(k->effective_date, day) != 0)
        return HUB_EINVAL;
    list = json_array();
    ok = list != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        json_t *o = json_object();
        if (!o) {
            ok = false;
            break;
        }
        if (json_object_set_new(o, "handover_id", json_string(handover_ids[i])) ||
            json_object_set_new(o, "placement_id", json_string(placement_ids[i]))) {
            json_decref(o);
            ok = false;
            break;
        }
        if (json_array_append_new(list, o) != 0) /* takes o, even on failure */
            ok = false;
    }
    root = json_object();
    ok = ok && root && !json_object_set_new(root, "type", json_string("contact.changed")) &&
         !json_object_set_new(root, "timestamp", json_string(ts)) &&
         !json_object_set_new(root, "district", json_string(ev->common.district)) &&
         !json_object_set_new(root, "school_unit", json_string(school_unit)) &&
         !json_object_set_new(root, "effective_date", json_string(day)) &&
         !json_object_set_new(root, "old_contact", contact_json(&k->old_contact)) &&
         !json_object_set_new(root, "new_contact", contact_json(&k->new_contact));
    if (ok) {
        ok = !json_object_set_new(root, "handovers", list);
        list = NULL;
    }
    json_decref(list);
    if (!root)
        return HUB_ENOMEM;
    return dump(root, ok, out);
}

/* ---- consumer handler ---- */

static int ensure_slots(hub_notifier_t *n, size_t need)
{
    /* grow() zeroes the new slots, so hub_event_clear() may run on them */
    return grow((void **)&n->events, &n->n_slots, need, sizeof *n->events);
}

static int nt_prepare(void *ud, const rd_kafka_message_t *m, size_t slot,
                      char reason[HUB_REASON_MAX], struct hub_error *err)
{
    hub_notifier_t *n = ud;
    if (ensure_slots(n, slot + 1) != 0) {
        snprintf(reason, HUB_REASON_MAX, "invalid");
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    return hub_event_check_message(&n->check, m, &n->events[slot], reason, err);
}

static void batch_reset(hub_notifier_t *n)
{
    for (size_t i = 0; i < n->n_notes; i++) {
        free(n->notes[i].body);
        n->notes[i].body = NULL;
    }
    n->n_notes = n->flushed_notes = n->n_receipts = n->n_audits = 0;
}

static struct pending_note *new_note(hub_notifier_t *n)
{
    if (grow((void **)&n->notes, &n->cap_notes, n->n_notes + 1, sizeof *n->notes) != 0)
        return NULL;
    struct pending_note *p = &n->notes[n->n_notes++];
    memset(p, 0, sizeof *p);
    return p;
}

static struct pending_receipt *new_receipt(hub_notifier_t *n)
{
    if (grow((void **)&n->receipts, &n->cap_receipts, n->n_receipts + 1, sizeof *n->receipts))
        return NULL;
    struct pending_receipt *p = &n->receipts[n->n_receipts++];
    memset(p, 0, sizeof *p);
    return p;
}

static struct pending_audit *new_audit(hub_notifier_t *n)
{
    if (grow((void **)&n->audits, &n->cap_audits, n->n_audits + 1, sizeof *n->audits) != 0)
        return NULL;
    struct pending_audit *p = &n->audits[n->n_audits++];
    memset(p, 0, sizeof *p);
    return p;
}

/* Inserts the notes built since the last flush (pointers fixed up now that the array is stable
 * until the next new_note()). */
static int flush_notes(hub_notifier_t *n, struct hub_error *err)
{
    size_t from = n->flushed_notes, cnt = n->n_notes - from;
    if (cnt == 0)
        return 0;
    struct hub_nstore_note *v = malloc(cnt * sizeof *v);
    if (!v)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    for (size_t i = 0; i < cnt; i++) {
        struct pending_note *p = &n->notes[from + i];
        v[i] = p->note;
        v[i].school_unit = p->school;
        v[i].body = p->body;
        v[i].body_sha256 = p->body ? p->sha : NULL;
    }
    int rc = hub_nstore_add_notes(n->conn, v, cnt, err);
    free(v);
    if (rc == 0)
        n->flushed_notes = n->n_notes;
    return rc;
}

static int add_handover(hub_notifier_t *n, const struct hub_event *ev, int64_t now,
                        struct hub_error *err)
{
    const struct hub_handover *h = &ev->u.handover;
    struct pending_note *p = new_note(n);
    if (!p)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    const char *parts[2] = {ev->common.event_id, h->receiving_school_unit};
    hub_nstore_derive_id(parts, 2, p->note.id);
    snprintf(p->school, sizeof p->school, "%s", h->receiving_school_unit);
    p->note.kind = "handover";
    p->note.source_event_id = ev->common.event_id;
    p->note.district = ev->common.district;
    p->note.handover_id = h->handover_id;
    p->note.placement_id = h->placement_id;
    p->note.child = ev->common.child;
    p->note.legal_ground = hub_legal_ground_name(h->legal_ground);
    p->note.contact_name = h->contact.name;
    p->note.contact_email = h->contact.email;
    p->note.event_occurred_at_ms = ev->common.occurred_at;
    p->note.deadline_ms = now + n->retry_for_ms;

    if (h->legal_ground == HUB_GROUND_NONE) {
        /* Gating: never delivered. The decision is recorded and reported, nothing is kept. */
        p->note.state = "withheld";
        char nid[HUB_NSTORE_ID_STR];
        snprintf(nid, sizeof nid, "%s", p->note.id);
        struct pending_receipt *r = new_receipt(n);
        struct pending_audit *a = new_audit(n);
        if (!r || !a)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        snprintf(r->nid, sizeof r->nid, "%s", nid);
        const char *rp[2] = {nid, "withheld"};
        hub_nstore_derive_id(rp, 2, r->r.event_id);
        r->r.handover_id = h->handover_id;
        r->r.child = ev->common.child;
        r->r.district = ev->common.district;
        r->r.school_unit = h->receiving_school_unit;
        r->r.status = HUB_RECEIPT_WITHHELD;
        r->r.at_ms = now;
        r->r.detail = WITHHELD_DETAIL;
        snprintf(a->nid, sizeof a->nid, "%s", nid);
        a->a.at_ms = now;
        a->a.kind = "withheld";
        a->a.school_unit = h->receiving_school_unit;
        a->a.handover_id = h->handover_id;
        a->a.placement_id = h->placement_id;
        a->a.source_event_id = ev->common.event_id;
        a->a.district = ev->common.district;
        a->a.legal_ground = "none";
        a->a.outcome = "withheld";
        a->a.detail = WITHHELD_DETAIL;
        hub_log(HUB_LOG_INFO, "handover withheld: no legal ground",
                "handover_id=%s school_unit=%s event_id=%s", h->handover_id,
                h->receiving_school_unit, ev->common.event_id);
        return 0;
    }
    p->note.state = "pending";
    int rc = hub_notifier_handover_body(ev, &p->body);
    if (rc)
        return hub_error_set(err, rc, "event_id=%s: cannot build the notification body",
                             ev->common.event_id);
    sha256_hex(p->body, strlen(p->body), p->sha);
    return 0;
}

static int add_contact_change(hub_notifier_t *n, const struct hub_event *ev, int64_t now,
                              struct hub_error *err)
{
    struct hub_nstore_match *m = NULL;
    size_t cnt = 0;
    int rc;

    /* earlier handovers of this batch must be matchable */
    if ((rc = flush_notes(n, err)) != 0)
        return rc;
    if ((rc = hub_nstore_match_contact(n->conn, ev, &m, &cnt, err)) != 0)
        return rc;
    const char **hids = calloc(cnt ? cnt : 1, sizeof *hids);
    const char **pids = calloc(cnt ? cnt : 1, sizeof *pids);
    if (!hids || !pids) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    size_t schools = 0;
    for (size_t i = 0; i < cnt;) {
        size_t j = i, k = 0;
        /* one notice per school, each handover once */
        for (; j < cnt && strcmp(m[j].school_unit, m[i].school_unit) == 0; j++) {
            bool seen = false;
            for (size_t q = 0; q < k && !seen; q++)
                seen = strcmp(hids[q], m[j].handover_id) == 0;
            if (!seen) {
                hids[k] = m[j].handover_id;
                pids[k] = m[j].placement_id;
                k++;
            }
        }
        struct pending_note *p = new_note(n);
        if (!p) {
            rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
            goto out;
        }
        const char *parts[2] = {ev->common.event_id, m[i].school_unit};
        hub_nstore_derive_id(parts, 2, p->note.id);
        snprintf(p->school, sizeof p->school, "%s", m[i].school_unit);
        p->note.kind = "contact_change";
        p->note.source_event_id = ev->common.event_id;
        p->note.district = ev->common.district;
        p->note.event_occurred_at_ms = ev->common.occurred_at;
        p->note.deadline_ms = now + n->retry_for_ms;
        p->note.state = "pending";
        if ((rc = hub_notifier_contact_body(ev, m[i].school_unit, hids, pids, k, &p->body))) {
            rc = hub_error_set(err, rc, "event_id=%s: cannot build the contact-change body",
                               ev->common.event_id);
            goto out;
        }
        sha256_hex(p->body, strlen(p->body), p->sha);
        schools++;
        i = j;
    }
    hub_log(HUB_LOG_INFO, "contact change queued", "event_id=%s handovers=%zu schools=%zu",
            ev->common.event_id, cnt, schools);
out:
    free(hids);
    free(pids);
    free(m);
    return rc;
}

static int commit_tx(hub_notifier_t *n, const struct hub_batch *b, size_t *applied,
                     struct hub_error *err)
{
    size_t k = 0;
    int64_t now = wall_ms();
    int rc;

    if (grow((void **)&n->srcs, &n->cap_srcs, b->n + 1, sizeof *n->srcs) != 0)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    free(n->is_new);
    free(n->src_slot);
    n->is_new = calloc(b->n + 1, sizeof *n->is_new);
    n->src_slot = calloc(b->n + 1, sizeof *n->src_slot);
    if (!n->is_new || !n->src_slot)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    for (size_t i = 0; i < b->n; i++) {
        if (b->msgs[i].dead)
            continue;
        n->srcs[k] = (struct hub_nstore_source){n->events[i].common.event_id, b->msgs[i].topic,
                                                b->msgs[i].msg->partition, b->msgs[i].msg->offset};
        n->src_slot[k++] = i;
    }
    if ((rc = hub_nstore_mark_processed(n->conn, n->srcs, k, n->is_new, err)) != 0)
        return rc;
    for (size_t j = 0; j < k; j++) {
        if (!n->is_new[j])
            continue;
        const struct hub_event *ev = &n->events[n->src_slot[j]];
        rc = ev->type == HUB_EV_HANDOVER ? add_handover(n, ev, now, err)
                                         : add_contact_change(n, ev, now, err);
        if (rc)
            return rc;
        (*applied)++;
    }
    if ((rc = flush_notes(n, err)) != 0)
        return rc;

    struct hub_nstore_receipt *rv = NULL;
    struct hub_audit_row *av = NULL;
    if (n->n_receipts) {
        if (!(rv = malloc(n->n_receipts * sizeof *rv)))
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        for (size_t i = 0; i < n->n_receipts; i++) {
            rv[i] = n->receipts[i].r;
            rv[i].notification_id = n->receipts[i].nid;
        }
        rc = hub_nstore_add_receipts(n->conn, rv, n->n_receipts, err);
        free(rv);
        if (rc)
            return rc;
    }
    if (grow((void **)&n->offs, &n->cap_offs, b->n_offsets + 1, sizeof *n->offs) != 0)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    for (size_t i = 0; i < b->n_offsets; i++)
        n->offs[i] = (struct hub_nstore_offset){b->offsets[i].topic, b->offsets[i].partition,
                                                b->offsets[i].next_offset};
    if ((rc = hub_nstore_store_offsets(n->conn, n->group, n->offs, b->n_offsets, err)) != 0)
        return rc;
    if (n->n_notes > 0 || n->n_receipts > 0)
        if ((rc = hub_nstore_notify(n->conn, err)) != 0)
            return rc;
    if (n->n_audits) {
        /* last: the disclosure-log head lock is held until COMMIT */
        if (!(av = malloc(n->n_audits * sizeof *av)))
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        for (size_t i = 0; i < n->n_audits; i++) {
            av[i] = n->audits[i].a;
            av[i].notification_id = n->audits[i].nid;
        }
        rc = hub_audit_append(n->conn, av, n->n_audits, err);
        free(av);
    }
    return rc;
}

static int nt_commit(void *ud, const struct hub_batch *b, struct hub_error *err)
{
    hub_notifier_t *n = ud;
    size_t applied = 0;
    batch_reset(n);
    int rc = hub_pg_begin(n->conn, err);
    if (rc == 0)
        rc = commit_tx(n, b, &applied, err);
    if (rc == 0)
        rc = hub_pg_commit(n->conn, err);
    if (rc)
        hub_pg_rollback(n->conn);
    else
        hub_log(HUB_LOG_DEBUG, "batch committed", "messages=%zu applied=%zu notifications=%zu",
                b->n, applied, n->n_notes);
    batch_reset(n);
    return rc;
}

static int nt_reconnect(void *ud, struct hub_error *err)
{
    hub_notifier_t *n = ud;
    PGconn *conn = NULL;
    int rc = hub_pg_connect(n->cfg, &conn, err);
    if (rc)
        return rc;
    PQfinish(n->conn);
    n->conn = conn;
    hub_log(HUB_LOG_INFO, "reconnected to PostgreSQL", NULL);
    return 0;
}

static int nt_load_offset(void *ud, const char *topic, int32_t partition, int64_t *next,
                          struct hub_error *err)
{
    hub_notifier_t *n = ud;
    return hub_nstore_load_offset(n->conn, n->group, topic, partition, next, err);
}

static int nt_seen_lookup(void *ud, const uint8_t *const *sigs, int64_t *seen_ms, size_t n_in,
                          struct hub_error *err)
{
    hub_notifier_t *n = ud;
    return hub_sighting_lookup(n->conn, sigs, seen_ms, n_in, err);
}

static int nt_seen_record(void *ud, const uint8_t *const *sigs, const char *const *key_ids,
                          const int64_t *seen_ms, size_t n_in, struct hub_error *err)
{
    hub_notifier_t *n = ud;
    return hub_sighting_record(n->conn, sigs, key_ids, seen_ms, n_in, err);
}

static int nt_load_owners(void *ud, bool handovers, const char *const *ids, size_t n_ids,
                          int (*put)(void *put_ud, const char *id, const char *district),
                          void *put_ud, struct hub_error *err)
{
    hub_notifier_t *n = ud;
    return hub_nstore_owners(n->conn, handovers, ids, n_ids, put, put_ud, err);
}

/* Ownership (hub/kafka/owner.h): a handover on another district's handover or placement, or a
 * contact change naming another district's placement, is dead-lettered with reason `owner` and
 * reaches no school. */
static int nt_review(void *ud, const struct hub_batch *b, bool *reject, struct hub_rejection *why,
                     struct hub_error *err)
{
    hub_notifier_t *n = ud;
    if (grow((void **)&n->evs, &n->cap_evs, b->n + 1, sizeof *n->evs) != 0)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    for (size_t i = 0; i < b->n; i++)
        n->evs[i] = b->msgs[i].dead ? NULL : &n->events[i];
    return hub_owner_check_batch(n->districts, n->owners, n->evs, b->n, nt_load_owners, n, reject,
                                 why, err);
}

static int load_districts(const hub_config_t *cfg, hub_districts_t **out, struct hub_error *err)
{
    char path[4096];
    const char *dir = hub_config_get(cfg, "hub.reference_dir");
    if (dir && *dir) {
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, HUB_DISTRICTS_FILE) >= sizeof path)
            return hub_error_set(err, HUB_ERANGE, "hub.reference_dir: path too long");
    } else if (hub_districts_default_path(path, sizeof path) != 0) {
        return hub_error_set(err, HUB_ERANGE, "hub.reference_dir: path too long");
    }
    return hub_districts_load(path, out, err);
}

int hub_notifier_new(const hub_config_t *cfg, hub_notifier_t **out, struct hub_error *err)
{
    hub_notifier_t *n = calloc(1, sizeof *n);
    int rc;
    *out = NULL;
    if (!n)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    n->cfg = cfg;
    snprintf(n->group, sizeof n->group, "%s", hub_config_get(cfg, "hub.notifier.group"));
    n->retry_for_ms = hub_config_get_int(cfg, "hub.notifier.retry_for_s") * 1000;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(n);
        return hub_error_set(err, HUB_EINTERNAL, "curl_global_init failed");
    }
    n->curl_ready = true;
    if ((rc = load_districts(cfg, &n->districts, err)) || (rc = hub_codec_new(&n->codec, err)) ||
        (rc = hub_pg_connect_wait(cfg, "hub-notifier", &n->conn, err)))
        goto fail;
    PGresult *res = NULL;
    rc = hub_pg_exec(n->conn, "check the notifier tables",
                     "SELECT 1 FROM hub.notifier_outbox LIMIT 0", 0, NULL, &res, err);
    PQclear(res);
    if (rc) {
        hub_error_prefix(err, "schema not migrated to 004_notifier (run hubctl migrate): ");
        goto fail;
    }
    if (!(n->owners = hub_owners_new())) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = ensure_slots(n, (size_t)hub_config_get_int(cfg, "hub.consumer.batch_max"))) ||
        (rc = hub_deliverer_new(cfg, n->codec, n->districts, &n->deliverer, err)))
        goto fail;
    hub_event_check_init(&n->check, cfg, n->codec, n->districts);
    struct hub_consumer_handler h = {.ud = n,
                                     .prepare = nt_prepare,
                                     .commit = nt_commit,
                                     .reconnect = nt_reconnect,
                                     .load_offset = nt_load_offset,
                                     .seen_lookup = nt_seen_lookup,
                                     .seen_record = nt_seen_record,
                                     .review = nt_review};
    if ((rc = hub_consumer_new(cfg, "notifier", n->group, notifier_topics, &h, &n->consumer, err)))
        goto fail;
    hub_deliverer_set_metrics(n->deliverer, hub_consumer_metrics(n->consumer));
    n->check.consumer = n->consumer;
    *out = n;
    return 0;
fail:
    if (rc == HUB_ENOMEM && err && !err->msg[0])
        hub_error_set(err, rc, "out of memory");
    hub_notifier_destroy(n);
    return rc;
}

static void *deliver_main(void *arg)
{
    hub_notifier_t *n = arg;
    n->deliver_rc = hub_deliverer_run(n->deliverer, &n->deliver_err);
    if (n->deliver_rc != 0) {
        hub_log(HUB_LOG_ERROR, "delivery worker stopped on error", "error=\"%s\"",
                n->deliver_err.msg);
        hub_app_request_stop();
    }
    return NULL;
}

static void write_port_file(const char *path, uint16_t port)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        hub_log(HUB_LOG_WARN, "cannot write the port file", "path=%s error=\"%s\"", path,
                strerror(errno));
        return;
    }
    fprintf(f, "%u\n", (unsigned)port);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        hub_log(HUB_LOG_WARN, "cannot write the port file", "path=%s error=\"%s\"", path,
                strerror(errno));
}

int hub_notifier_run(hub_notifier_t *n, struct hub_error *err)
{
    pthread_t th;
    const char *listen = hub_config_get(n->cfg, "hub.notifier.listen");
    int rc;

    if (listen && *listen) {
        if ((rc = hub_receipt_server_start(n->cfg, listen, &n->server, err)) != 0)
            return rc;
        uint16_t port = hub_receipt_server_port(n->server);
        hub_log(HUB_LOG_INFO, "receipt endpoint listening", "listen=%s port=%u", listen,
                (unsigned)port);
        const char *pf = hub_config_get(n->cfg, "hub.notifier.listen_port_file");
        if (pf && *pf)
            write_port_file(pf, port);
    }
    if (pthread_create(&th, NULL, deliver_main, n) != 0) {
        hub_receipt_server_stop(n->server);
        n->server = NULL;
        return hub_error_set(err, HUB_EINTERNAL, "cannot start the delivery thread");
    }
    rc = hub_consumer_run(n->consumer, 0, err);
    hub_deliverer_stop(n->deliverer);
    pthread_join(th, NULL);
    hub_receipt_server_stop(n->server);
    n->server = NULL;
    if (rc == 0 && n->deliver_rc != 0) {
        rc = n->deliver_rc;
        *err = n->deliver_err;
    }
    return rc;
}

void hub_notifier_stats(const hub_notifier_t *n, struct hub_consumer_stats *out)
{
    hub_consumer_get_stats(n->consumer, out);
}

void hub_notifier_destroy(hub_notifier_t *n)
{
    if (!n)
        return;
    hub_consumer_destroy(n->consumer);
    hub_receipt_server_stop(n->server);
    hub_deliverer_destroy(n->deliverer);
    batch_reset(n);
    for (size_t i = 0; i < n->n_slots; i++)
        hub_event_clear(&n->events[i]);
    free(n->events);
    hub_owners_destroy(n->owners);
    free(n->evs);
    free(n->srcs);
    free(n->src_slot);
    free(n->is_new);
    free(n->offs);
    free(n->notes);
    free(n->receipts);
    free(n->audits);
    PQfinish(n->conn);
    hub_codec_destroy(n->codec);
    hub_districts_destroy(n->districts);
    if (n->curl_ready)
        curl_global_cleanup();
    free(n);
}
