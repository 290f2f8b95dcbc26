/*
 * sams_publish.c — the district C API, a thin layer over hub/publisher.
 *
 * The typed structs are turned into the same JSON object `hub-publish` reads, so both paths
 * share one validator (hub/publish/event_input.c) and cannot drift apart.
 */
#include "sams_publish.h"

#include "hub/core/app.h"
#include "hub/core/config.h"
#include "hub/publish/publisher.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sams_publisher {
    hub_config_t *cfg;
    hub_publisher_t *pub;
};

static void say(char *why, size_t n, const char *text)
{
    if (why && n)
        snprintf(why, n, "%s", text);
}

int sams_publisher_open(const char *config_path, sams_publisher_t **out, char *why, size_t why_len)
{
    struct hub_error err = {0};
    sams_publisher_t *p = calloc(1, sizeof *p);
    *out = NULL;
    if (!p) {
        say(why, why_len, "out of memory");
        return HUB_ENOMEM;
    }
    int rc = hub_config_load(config_path, &p->cfg, &err);
    if (rc == 0)
        rc = hub_publisher_new(p->cfg, "sams-publish", 0, &p->pub, &err);
    if (rc) {
        say(why, why_len, err.msg);
        sams_publisher_close(p);
        return rc;
    }
    *out = p;
    return 0;
}

int sams_publish_json(sams_publisher_t *p, const char *json, size_t *ticket, char *why,
                      size_t why_len)
{
    struct hub_pub_msg m;
    struct hub_input_problems probs;
    struct hub_error err = {0};
    size_t t;
    int rc = hub_publisher_prepare_json(p->pub, json, strlen(json), &m, &probs);
    if (rc) {
        say(why, why_len, probs.n ? probs.p[0].text : "invalid event");
        return rc;
    }
    rc = hub_publisher_send(p->pub, &m, &t, &err);
    hub_pub_msg_clear(&m);
    if (ticket)
        *ticket = t;
    if (rc)
        say(why, why_len, err.msg);
    hub_publisher_poll(p->pub);
    return rc;
}

static void put(json_t *o, const char *k, const char *v)
{
    if (v)
        json_object_set_new(o, k, json_string(v));
}

static json_t *common(const char *type, const char *event_id, const char *occurred_at,
                      const char *district, const char *pnr)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "type", type);
    put(o, "event_id", event_id);
    put(o, "occurred_at", occurred_at);
    put(o, "district", district);
    put(o, "personnummer", pnr);
    return o;
}

static int publish_object(sams_publisher_t *p, json_t *o, size_t *ticket, char *why, size_t n)
{
    if (!o) {
        say(why, n, "out of memory");
        return HUB_ENOMEM;
    }
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s) {
        say(why, n, "out of memory");
        return HUB_ENOMEM;
    }
    int rc = sams_publish_json(p, s, ticket, why, n);
    /* the text held a personnummer: wipe it before it goes back to the allocator */
    memset(s, 0, strlen(s));
    free(s);
    return rc;
}

static json_t *contact(const struct sams_contact *c)
{
    json_t *o = json_object();
    if (o) {
        put(o, "name", c->name);
        put(o, "role", c->role);
        put(o, "phone", c->phone);
        put(o, "email", c->email);
    }
    return o;
}

int sams_publish_placement(sams_publisher_t *p, const struct sams_placement *ev, size_t *ticket,
                           char *why, size_t why_len)
{
    json_t *o = common("placement", ev->event_id, ev->occurred_at, ev->district, ev->personnummer);
    if (o) {
        put(o, "placement_id", ev->placement_id);
        put(o, "action", ev->action);
        put(o, "legal_basis", ev->legal_basis);
        put(o, "placement_form", ev->placement_form);
        put(o, "start_date", ev->start_date);
        put(o, "end_date", ev->end_date);
        json_object_set_new(o, "school_change", json_boolean(ev->school_change));
        put(o, "placement_municipality", ev->placement_municipality);
    }
    return publish_object(p, o, ticket, why, why_len);
}

int sams_publish_school_start(sams_publisher_t *p, const struct sams_school_start *ev,
                              size_t *ticket, char *why, size_t why_len)
{
    json_t *o =
        common("school_start", ev->event_id, ev->occurred_at, ev->district, ev->personnummer);
    if (o) {
        put(o, "placement_id", ev->placement_id);
        put(o, "school_unit", ev->school_unit);
        put(o, "school_form", ev->school_form);
        put(o, "start_date", ev->start_date);
    }
    return publish_object(p, o, ticket, why, why_len);
}

int sams_publish_handover(sams_publisher_t *p, const struct sams_handover *ev, size_t *ticket,
                          char *why, size_t why_len)
{
    json_t *o = common("handover", ev->event_id, ev->occurred_at, ev->district, ev->personnummer);
    if (o) {
        put(o, "handover_id", ev->handover_id);
        put(o, "placement_id", ev->placement_id);
        put(o, "receiving_school_unit", ev->receiving_school_unit);
        put(o, "sending_school_unit", ev->sending_school_unit);
        put(o, "planned_start_date", ev->planned_start_date);
        put(o, "legal_ground", ev->legal_ground);
        json_object_set_new(o, "contact", contact(&ev->contact));
        if (ev->content_json) {
            json_error_t jerr;
            json_t *content = json_loads(ev->content_json, JSON_REJECT_DUPLICATES, &jerr);
            if (!json_is_object(content)) {
                json_decref(content);
                json_decref(o);
                say(why, why_len, "content: not one JSON object");
                return HUB_EINVAL;
            }
            json_object_set_new(o, "content", content);
        }
    }
    return publish_object(p, o, ticket, why, why_len);
}

static json_t *strings(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(v[i] ? v[i] : ""));
    return a;
}

int sams_publish_contact_change(sams_publisher_t *p, const struct sams_contact_change *ev,
                                size_t *ticket, char *why, size_t why_len)
{
    json_t *o = common("contact_change", ev->event_id, ev->occurred_at, ev->district, NULL);
    if (o) {
        json_object_set_new(o, "old_contact", contact(&ev->old_contact));
        json_object_set_new(o, "new_contact", contact(&ev->new_contact));
        if (ev->n_school_units)
            json_object_set_new(o, "school_units", strings(ev->school_units, ev->n_school_units));
        if (ev->n_placements)
            json_object_set_new(o, "placements", strings(ev->placements, ev->n_placements));
        put(o, "effective_date", ev->effective_date);
    }
    return publish_object(p, o, ticket, why, why_len);
}

static void put_yes_no(json_t *o, const char *field, enum sams_yes_no v)
{
    if (v == SAMS_YES || v == SAMS_NO)
        json_object_set_new(o, field, json_boolean(v == SAMS_YES));
    else if (v != SAMS_NOT_GIVEN)
        json_object_set_new(o, field, json_string("not SAMS_YES, SAMS_NO or SAMS_NOT_GIVEN"));
}

int sams_publish_follow_up(sams_publisher_t *p, const struct sams_follow_up *ev, size_t *ticket,
                           char *why, size_t why_len)
{
    json_t *o = common("follow_up", ev->event_id, ev->occurred_at, ev->district, ev->personnummer);
    if (o) {
        put(o, "placement_id", ev->placement_id);
        put(o, "review_date", ev->review_date);
        put(o, "school_form", ev->school_form);
        json_object_set_new(o, "grade_year", json_integer(ev->grade_year));
        put(o, "attendance", ev->attendance);
        put(o, "knowledge_goals", ev->knowledge_goals);
        put_yes_no(o, "upper_secondary_eligible", ev->upper_secondary_eligible);
        put_yes_no(o, "on_track_for_diploma", ev->on_track_for_diploma);
    }
    return publish_object(p, o, ticket, why, why_len);
}

int sams_publisher_flush(sams_publisher_t *p, int timeout_ms)
{
    size_t acked, failed, pending;
    (void)hub_publisher_flush(p->pub, timeout_ms);
    hub_publisher_counts(p->pub, &acked, &failed, &pending);
    return failed + pending ? -1 : 0;
}

enum sams_outcome sams_publisher_outcome(const sams_publisher_t *p, size_t ticket)
{
    switch (hub_publisher_outcome(p->pub, ticket, NULL)) {
    case HUB_PUB_ACKED:
        return SAMS_ACKED;
    case HUB_PUB_PENDING:
        return SAMS_PENDING;
    default:
        return SAMS_FAILED;
    }
}

void sams_publisher_close(sams_publisher_t *p)
{
    if (!p)
        return;
    hub_publisher_destroy(p->pub);
    hub_config_destroy(p->cfg);
    free(p);
}
