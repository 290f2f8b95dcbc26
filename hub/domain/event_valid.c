/* event_valid.c — what every event must satisfy, checked once for everyone (event_valid.h). */
#include "hub/domain/event_valid.h"
#include "hub/core/utf8.h"
#include "hub/domain/ident.h"

#include <stdio.h>
#include <string.h>

/* Dates and instants an event may carry: 1900-01-01 .. 9999-12-31 (PostgreSQL takes far more, but
 * anything outside is a decoding or data-entry error, and int32 days could overflow `date`). */
#define EV_MIN_DAYS (-25567)
#define EV_MAX_DAYS 2932896
#define EV_MIN_MS INT64_C(-2208988800000)
#define EV_MAX_MS INT64_C(253402300799999)

#define EV_PSEUDONYM_LEN 64

/* Collects the first failed requirement, like a sticky error flag. */
struct checker {
    struct hub_error *err;
    int rc;
};

static void need(struct checker *c, bool ok, const char *field, const char *what)
{
    if (!ok && c->rc == 0)
        c->rc = hub_error_set(c->err, HUB_EINVAL, "%s: %s", field, what);
}

/* A NUL-terminated string within its buffer of `size` bytes, valid UTF-8. */
static bool text_ok(const char *buf, size_t size)
{
    const char *nul = memchr(buf, '\0', size);
    return nul && hub_utf8_valid(buf, (size_t)(nul - buf));
}

/* 8-4-4-4-12 lowercase hex digits (the codec's canonical form), in a HUB_UUID_STR buffer. */
static bool uuid_ok(const char *s)
{
    return hub_is_canonical_uuid(s);
}

static bool pseudonym_ok(const char *s)
{
    return hub_is_lower_hex(s, EV_PSEUDONYM_LEN) && s[EV_PSEUDONYM_LEN] == '\0';
}

static bool days_ok(int32_t d)
{
    return d >= EV_MIN_DAYS && d <= EV_MAX_DAYS;
}

static bool ms_ok(int64_t ms)
{
    return ms >= EV_MIN_MS && ms <= EV_MAX_MS;
}

static void need_text(struct checker *c, const char *buf, size_t size, bool required,
                      const char *field)
{
    need(c, text_ok(buf, size), field, "not a NUL-terminated UTF-8 string");
    if (required)
        need(c, buf[0] != '\0', field, "missing");
}

static void need_contact(struct checker *c, const struct hub_contact *k, const char *which)
{
    char f[64];

    snprintf(f, sizeof f, "%s.name", which);
    need_text(c, k->name, sizeof k->name, false, f);
    snprintf(f, sizeof f, "%s.role", which);
    need_text(c, k->role, sizeof k->role, false, f);
    snprintf(f, sizeof f, "%s.phone", which);
    need_text(c, k->phone, sizeof k->phone, false, f);
    snprintf(f, sizeof f, "%s.email", which);
    need_text(c, k->email, sizeof k->email, false, f);
}

static void check_placement(struct checker *c, const struct hub_event *ev)
{
    const struct hub_placement *p = &ev->u.placement;

    need(c, uuid_ok(p->placement_id), "placement_id", "not a uuid");
    need(c, hub_placement_action_name(p->action) != NULL, "action", "out of range");
    need(c, hub_legal_basis_name(p->legal_basis) != NULL, "legal_basis", "out of range");
    need(c, hub_placement_form_name(p->placement_form) != NULL, "placement_form", "out of range");
    need(c, hub_legal_sex_name(ev->common.legal_sex) != NULL, "legal_sex", "out of range");
    need(c, days_ok(p->start_date), "start_date", "outside 1900..9999");
    need(c, !p->has_end_date || days_ok(p->end_date), "end_date", "outside 1900..9999");
    if (p->has_placement_municipality)
        need_text(c, p->placement_municipality, sizeof p->placement_municipality, true,
                  "placement_municipality");
}

static void check_school_start(struct checker *c, const struct hub_school_start *s)
{
    need(c, uuid_ok(s->placement_id), "placement_id", "not a uuid");
    need_text(c, s->school_unit, sizeof s->school_unit, true, "school_unit");
    need(c, hub_school_form_name(s->school_form) != NULL, "school_form", "out of range");
    need(c, days_ok(s->start_date), "start_date", "outside 1900..9999");
}

static void check_handover(struct checker *c, const struct hub_handover *h)
{
    need(c, uuid_ok(h->handover_id), "handover_id", "not a uuid");
    need(c, uuid_ok(h->placement_id), "placement_id", "not a uuid");
    need_text(c, h->receiving_school_unit, sizeof h->receiving_school_unit, true,
              "receiving_school_unit");
    if (h->has_sending_school_unit)
        need_text(c, h->sending_school_unit, sizeof h->sending_school_unit, true,
                  "sending_school_unit");
    need(c, days_ok(h->planned_start_date), "planned_start_date", "outside 1900..9999");
    need(c, hub_legal_ground_name(h->legal_ground) != NULL, "legal_ground", "out of range");
    need_contact(c, &h->contact, "contact");
}

static void check_receipt(struct checker *c, const struct hub_event *ev)
{
    const struct hub_handover_receipt *r = &ev->u.receipt;

    need(c, ev->common.child[0] == '\0' || pseudonym_ok(ev->common.child), "child",
         "not a 64-hex pseudonym");
    need(c, uuid_ok(r->handover_id), "handover_id", "not a uuid");
    need_text(c, r->school_unit, sizeof r->school_unit, true, "school_unit");
    need(c, hub_receipt_status_name(r->status) != NULL, "status", "out of range");
    need(c, ms_ok(r->at), "at", "outside 1900..9999");
    if (r->has_detail)
        need_text(c, r->detail, sizeof r->detail, false, "detail");
}

static void check_contact_change(struct checker *c, const struct hub_contact_change *k)
{
    need_contact(c, &k->old_contact, "old_contact");
    need_contact(c, &k->new_contact, "new_contact");
    need(c, k->n_school_units <= HUB_SCOPE_MAX, "school_units", "too many");
    need(c, k->n_placements <= HUB_SCOPE_MAX, "placements", "too many");
    for (size_t i = 0; c->rc == 0 && i < k->n_school_units; i++)
        need_text(c, k->school_units[i], sizeof k->school_units[i], true, "school_units[]");
    for (size_t i = 0; c->rc == 0 && i < k->n_placements; i++)
        need(c, uuid_ok(k->placements[i]), "placements[]", "not a uuid");
    need(c, days_ok(k->effective_date), "effective_date", "outside 1900..9999");
}

/* The grade years of a school form, and what a follow-up may say only in some of them. */
static int32_t fu_years(enum hub_fu_school_form f)
{
    return f == HUB_FU_GYMNASIESKOLA ? HUB_FU_GYMNASIESKOLA_YEARS : HUB_FU_GRUNDSKOLA_YEARS;
}

static void check_follow_up(struct checker *c, const struct hub_event *ev)
{
    const struct hub_follow_up *f = &ev->u.follow_up;
    char what[96];

    need(c, uuid_ok(f->placement_id), "placement_id", "not a uuid");
    need(c, hub_legal_sex_name(ev->common.legal_sex) != NULL, "legal_sex", "out of range");
    need(c, days_ok(f->review_date), "review_date", "outside 1900..9999");
    /* a review is reported after it happened: the district's local date may be a day ahead */
    need(c,
         !ms_ok(ev->common.occurred_at) ||
             (int64_t)f->review_date <= ev->common.occurred_at / 86400000 + 1,
         "review_date", "after occurred_at (a review is reported once it has taken place)");
    need(c, hub_fu_school_form_name(f->school_form) != NULL, "school_form", "out of range");
    need(c, hub_attendance_name(f->attendance) != NULL, "attendance", "out of range");
    need(c, hub_goals_name(f->knowledge_goals) != NULL, "knowledge_goals", "out of range");
    if (c->rc)
        return;
    snprintf(what, sizeof what, "%d is not a grade year of %s (1..%d)", (int)f->grade_year,
             hub_fu_school_form_name(f->school_form), (int)fu_years(f->school_form));
    need(c, f->grade_year >= 1 && f->grade_year <= fu_years(f->school_form), "grade_year", what);
    need(c, !f->has_eligible || (f->school_form == HUB_FU_GRUNDSKOLA && f->grade_year == 9),
         "upper_secondary_eligible", "only given in year 9 of grundskola");
    need(c, !f->has_on_track || f->school_form == HUB_FU_GYMNASIESKOLA, "on_track_for_diploma",
         "only given in gymnasieskola");
}

int hub_event_validate(const struct hub_event *ev, struct hub_error *err)
{
    struct checker c = {err, 0};

    need(&c, ev != NULL, "event", "missing");
    if (c.rc)
        return c.rc;
    need(&c, uuid_ok(ev->common.event_id), "event_id", "not a uuid");
    need(&c, ms_ok(ev->common.occurred_at), "occurred_at", "outside 1900..9999");
    need_text(&c, ev->common.district, sizeof ev->common.district, true, "district");
    if (hub_event_type_is_child(ev->type))
        need(&c, pseudonym_ok(ev->common.child), "child", "not a 64-hex pseudonym");
    switch (ev->type) {
    case HUB_EV_PLACEMENT:
        check_placement(&c, ev);
        break;
    case HUB_EV_SCHOOL_START:
        check_school_start(&c, &ev->u.school_start);
        break;
    case HUB_EV_HANDOVER:
        check_handover(&c, &ev->u.handover);
        break;
    case HUB_EV_HANDOVER_RECEIPT:
        check_receipt(&c, ev);
        break;
    case HUB_EV_CONTACT_CHANGE:
        check_contact_change(&c, &ev->u.contact_change);
        break;
    case HUB_EV_FOLLOW_UP:
        check_follow_up(&c, ev);
        break;
    default:
        need(&c, false, "type", "not an event type");
        break;
    }
    return c.rc;
}
