/* owner.c — who owns a record, and who may change it (owner.h). */
#include "hub/kafka/owner.h"
#include "hub/crypto/sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct owner_row {
    char kind;
    char id[HUB_UUID_STR];
    char district[HUB_DISTRICT_CODE_MAX];
    bool claimed;
    bool contested; /* an event of another district was refused on it */
};

struct hub_owners {
    struct owner_row *rows; /* sorted by (kind, id) */
    size_t n, cap;
    const char **ref_p, **ref_h; /* scratch of hub_owner_check_batch() */
    size_t n_ref_p, n_ref_h, cap_ref;
};

hub_owners_t *hub_owners_new(void)
{
    return calloc(1, sizeof(hub_owners_t));
}

void hub_owners_reset(hub_owners_t *o)
{
    o->n = 0;
}

void hub_owners_destroy(hub_owners_t *o)
{
    if (!o)
        return;
    free(o->rows);
    free(o->ref_p);
    free(o->ref_h);
    free(o);
}

static int cmp_row(char kind, const char *id, const struct owner_row *r)
{
    if (kind != r->kind)
        return kind < r->kind ? -1 : 1;
    return strcmp(id, r->id);
}

/* Index of (kind, id), or where it would go (*found false). */
static size_t find(const hub_owners_t *o, char kind, const char *id, bool *found)
{
    size_t lo = 0, hi = o->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_row(kind, id, &o->rows[mid]);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    *found = false;
    return lo;
}

int hub_owners_put(hub_owners_t *o, enum hub_owner_kind kind, const char *id, const char *district,
                   bool claimed)
{
    bool found;
    size_t at = find(o, (char)kind, id, &found);
    if (found)
        return 0;
    if (o->n == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 64;
        struct owner_row *r = realloc(o->rows, cap * sizeof *r);
        if (!r)
            return HUB_ENOMEM;
        o->rows = r;
        o->cap = cap;
    }
    memmove(&o->rows[at + 1], &o->rows[at], (o->n - at) * sizeof *o->rows);
    struct owner_row *r = &o->rows[at];
    r->kind = (char)kind;
    snprintf(r->id, sizeof r->id, "%s", id);
    snprintf(r->district, sizeof r->district, "%s", district);
    r->claimed = claimed;
    r->contested = false;
    o->n++;
    return 0;
}

const char *hub_owners_get(const hub_owners_t *o, enum hub_owner_kind kind, const char *id)
{
    bool found;
    size_t at = find(o, (char)kind, id, &found);
    return found ? o->rows[at].district : NULL;
}

size_t hub_owners_contested_count(const hub_owners_t *o)
{
    size_t c = 0;
    for (size_t i = 0; i < o->n; i++)
        c += o->rows[i].contested;
    return c;
}

const char *hub_owners_contested_at(const hub_owners_t *o, size_t i, enum hub_owner_kind *kind,
                                    const char **district)
{
    for (size_t k = 0; k < o->n; k++) {
        if (!o->rows[k].contested)
            continue;
        if (i-- == 0) {
            *kind = (enum hub_owner_kind)o->rows[k].kind;
            *district = o->rows[k].district;
            return o->rows[k].id;
        }
    }
    return NULL;
}

size_t hub_owners_claimed_count(const hub_owners_t *o, enum hub_owner_kind kind)
{
    size_t c = 0;
    for (size_t i = 0; i < o->n; i++)
        c += o->rows[i].kind == (char)kind && o->rows[i].claimed;
    return c;
}

const char *hub_owners_claimed_at(const hub_owners_t *o, enum hub_owner_kind kind, size_t i,
                                  const char **district)
{
    for (size_t k = 0; k < o->n; k++) {
        if (o->rows[k].kind != (char)kind || !o->rows[k].claimed)
            continue;
        if (i-- == 0) {
            if (district)
                *district = o->rows[k].district;
            return o->rows[k].id;
        }
    }
    return NULL;
}

void hub_owner_refs(const struct hub_event *const *evs, size_t n,
                    void (*add)(void *ud, enum hub_owner_kind kind, const char *id), void *ud)
{
    for (size_t i = 0; i < n; i++) {
        const struct hub_event *ev = evs[i];
        if (!ev)
            continue;
        switch (ev->type) {
        case HUB_EV_PLACEMENT:
            add(ud, HUB_OWNER_PLACEMENT, ev->u.placement.placement_id);
            break;
        case HUB_EV_SCHOOL_START:
            add(ud, HUB_OWNER_PLACEMENT, ev->u.school_start.placement_id);
            break;
        case HUB_EV_FOLLOW_UP:
            add(ud, HUB_OWNER_PLACEMENT, ev->u.follow_up.placement_id);
            break;
        case HUB_EV_HANDOVER:
            add(ud, HUB_OWNER_HANDOVER, ev->u.handover.handover_id);
            add(ud, HUB_OWNER_PLACEMENT, ev->u.handover.placement_id);
            break;
        case HUB_EV_CONTACT_CHANGE:
            for (size_t k = 0; k < ev->u.contact_change.n_placements && k < HUB_SCOPE_MAX; k++)
                add(ud, HUB_OWNER_PLACEMENT, ev->u.contact_change.placements[k]);
            break;
        default:
            break;
        }
    }
}

static void add_ref(void *ud, enum hub_owner_kind kind, const char *id)
{
    hub_owners_t *o = ud;
    if (kind == HUB_OWNER_PLACEMENT)
        o->ref_p[o->n_ref_p++] = id;
    else
        o->ref_h[o->n_ref_h++] = id;
}

static int put_placement(void *ud, const char *id, const char *district)
{
    return hub_owners_put(ud, HUB_OWNER_PLACEMENT, id, district, false);
}

static int put_handover(void *ud, const char *id, const char *district)
{
    return hub_owners_put(ud, HUB_OWNER_HANDOVER, id, district, false);
}

int hub_owner_check_batch(const hub_districts_t *districts, hub_owners_t *o,
                          const struct hub_event *const *evs, size_t n, hub_owner_loader load,
                          void *ud, bool *reject, struct hub_rejection *why, struct hub_error *err)
{
    /* an event refers to at most HUB_SCOPE_MAX placements (a contact change) */
    size_t need = n * HUB_SCOPE_MAX + 1;
    int rc;
    if (need > o->cap_ref) {
        const char **p = realloc(o->ref_p, need * sizeof *p);
        if (p)
            o->ref_p = p;
        const char **h = p ? realloc(o->ref_h, need * sizeof *h) : NULL;
        if (h)
            o->ref_h = h;
        if (!h)
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        o->cap_ref = need;
    }
    hub_owners_reset(o);
    o->n_ref_p = o->n_ref_h = 0;
    hub_owner_refs(evs, n, add_ref, o);
    if ((rc = load(ud, false, o->ref_p, o->n_ref_p, put_placement, o, err)) != 0 ||
        (rc = load(ud, true, o->ref_h, o->n_ref_h, put_handover, o, err)) != 0)
        return rc;
    if (hub_owner_review(districts, o, evs, n, reject, why) != 0)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    return 0;
}

bool hub_owner_may_act(const hub_districts_t *districts, const char *actor, const char *owner)
{
    return hub_sign_signer_covers(districts, actor, owner);
}

/* Checks one reference; on refusal fills *why and returns false. */
static bool check_ref(const hub_districts_t *districts, hub_owners_t *o, const struct hub_event *ev,
                      enum hub_owner_kind kind, const char *id, struct hub_rejection *why)
{
    bool found;
    size_t at = find(o, (char)kind, id, &found);
    const char *owner = found ? o->rows[at].district : NULL;
    if (!owner || hub_owner_may_act(districts, ev->common.district, owner))
        return true;
    o->rows[at].contested = true;
    snprintf(why->reason, sizeof why->reason, "owner");
    snprintf(why->detail, sizeof why->detail,
             "event_id=%s: %s %s belongs to %s; %s may change only its own records (or those of "
             "a district merged into it)",
             ev->common.event_id, kind == HUB_OWNER_PLACEMENT ? "placement" : "handover", id, owner,
             ev->common.district);
    return false;
}

int hub_owner_review(const hub_districts_t *districts, hub_owners_t *o,
                     const struct hub_event *const *evs, size_t n, bool *reject,
                     struct hub_rejection *why)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct hub_event *ev = evs[i];
        if (!ev)
            continue;
        if (ev->type == HUB_EV_PLACEMENT)
            rc = hub_owners_put(o, HUB_OWNER_PLACEMENT, ev->u.placement.placement_id,
                                ev->common.district, true);
        else if (ev->type == HUB_EV_HANDOVER)
            rc = hub_owners_put(o, HUB_OWNER_HANDOVER, ev->u.handover.handover_id,
                                ev->common.district, true);
    }
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const struct hub_event *ev = evs[i];
        bool ok = true;
        if (!ev)
            continue;
        switch (ev->type) {
        case HUB_EV_PLACEMENT:
            ok = check_ref(districts, o, ev, HUB_OWNER_PLACEMENT, ev->u.placement.placement_id,
                           &why[i]);
            break;
        case HUB_EV_SCHOOL_START:
            ok = check_ref(districts, o, ev, HUB_OWNER_PLACEMENT, ev->u.school_start.placement_id,
                           &why[i]);
            break;
        case HUB_EV_FOLLOW_UP:
            ok = check_ref(districts, o, ev, HUB_OWNER_PLACEMENT, ev->u.follow_up.placement_id,
                           &why[i]);
            break;
        case HUB_EV_HANDOVER:
            ok = check_ref(districts, o, ev, HUB_OWNER_HANDOVER, ev->u.handover.handover_id,
                           &why[i]) &&
                 check_ref(districts, o, ev, HUB_OWNER_PLACEMENT, ev->u.handover.placement_id,
                           &why[i]);
            break;
        case HUB_EV_CONTACT_CHANGE:
            for (size_t k = 0; ok && k < ev->u.contact_change.n_placements && k < HUB_SCOPE_MAX;
                 k++)
                ok = check_ref(districts, o, ev, HUB_OWNER_PLACEMENT,
                               ev->u.contact_change.placements[k], &why[i]);
            break;
        default:
            break;
        }
        if (!ok)
            reject[i] = true;
    }
    return 0;
}
