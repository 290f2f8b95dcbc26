/*
 * test_owner.c — who may change a record (hub/owner.h): the owner and the districts it was
 * merged into, claims within a batch, every kind of reference, and the first claims listed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/domain/district.h"
#include "hub/kafka/owner.h"

#define P1 "00000000-0000-4000-8000-0000000000b1"
#define P2 "00000000-0000-4000-8000-0000000000b2"
#define H1 "00000000-0000-4000-8000-0000000000c1"

static hub_districts_t *districts(void)
{
    const char *src = getenv("HUB_SOURCE_DIR");
    char path[4096];
    hub_districts_t *t = NULL;
    snprintf(path, sizeof path, "%s/schemas/reference/districts.csv",
             src && *src ? src : HUB_SOURCE_DIR);
    assert_int_equal(hub_districts_load(path, &t, NULL), 0);
    return t;
}

static struct hub_event placement(const char *id, const char *district, const char *p)
{
    struct hub_event ev;
    hub_event_init(&ev, HUB_EV_PLACEMENT);
    snprintf(ev.common.event_id, sizeof ev.common.event_id, "%s", id);
    snprintf(ev.common.district, sizeof ev.common.district, "%s", district);
    snprintf(ev.u.placement.placement_id, sizeof ev.u.placement.placement_id, "%s", p);
    return ev;
}

static struct hub_event school_start(const char *id, const char *district, const char *p)
{
    struct hub_event ev;
    hub_event_init(&ev, HUB_EV_SCHOOL_START);
    snprintf(ev.common.event_id, sizeof ev.common.event_id, "%s", id);
    snprintf(ev.common.district, sizeof ev.common.district, "%s", district);
    snprintf(ev.u.school_start.placement_id, sizeof ev.u.school_start.placement_id, "%s", p);
    return ev;
}

static struct hub_event handover(const char *id, const char *district, const char *h, const char *p)
{
    struct hub_event ev;
    hub_event_init(&ev, HUB_EV_HANDOVER);
    snprintf(ev.common.event_id, sizeof ev.common.event_id, "%s", id);
    snprintf(ev.common.district, sizeof ev.common.district, "%s", district);
    snprintf(ev.u.handover.handover_id, sizeof ev.u.handover.handover_id, "%s", h);
    snprintf(ev.u.handover.placement_id, sizeof ev.u.handover.placement_id, "%s", p);
    return ev;
}

static struct hub_event contact_change(const char *id, const char *district, const char *p)
{
    struct hub_event ev;
    hub_event_init(&ev, HUB_EV_CONTACT_CHANGE);
    snprintf(ev.common.event_id, sizeof ev.common.event_id, "%s", id);
    snprintf(ev.common.district, sizeof ev.common.district, "%s", district);
    snprintf(ev.u.contact_change.placements[0], sizeof ev.u.contact_change.placements[0], "%s", p);
    ev.u.contact_change.n_placements = 1;
    return ev;
}

static void test_owner_or_its_successor_may_act(void **state)
{
    (void)state;
    hub_districts_t *d = districts();
    assert_true(hub_owner_may_act(d, "farsta", "farsta"));
    assert_false(hub_owner_may_act(d, "bromma", "farsta"));
    assert_true(hub_owner_may_act(d, "jarva", "rinkeby-kista"));
    assert_true(hub_owner_may_act(d, "hagersten-alvsjo", "alvsjo"));
    /* never the other way round: a former district does not act for its successor's records */
    assert_false(hub_owner_may_act(d, "rinkeby-kista", "jarva"));
    assert_false(hub_owner_may_act(d, "spanga-tensta", "rinkeby-kista"));
    hub_districts_destroy(d);
}

/* bromma reuses farsta's ids: every kind of reference is refused, naming both districts. */
static void test_stored_owner_refuses_every_kind_of_reference(void **state)
{
    (void)state;
    hub_districts_t *d = districts();
    hub_owners_t *o = hub_owners_new();
    assert_non_null(o);
    assert_int_equal(hub_owners_put(o, HUB_OWNER_PLACEMENT, P1, "farsta", false), 0);
    assert_int_equal(hub_owners_put(o, HUB_OWNER_HANDOVER, H1, "farsta", false), 0);
    /* a second put never replaces an owner */
    assert_int_equal(hub_owners_put(o, HUB_OWNER_PLACEMENT, P1, "bromma", true), 0);
    assert_string_equal(hub_owners_get(o, HUB_OWNER_PLACEMENT, P1), "farsta");
    struct hub_event ev[6] = {
        placement("e1", "bromma", P1),      school_start("e2", "bromma", P1),
        handover("e3", "bromma", H1, P2),   handover("e4", "bromma", "h-new", P1),
        contact_change("e5", "bromma", P1), school_start("e6", "farsta", P1),
    };
    const struct hub_event *evs[6];
    for (int i = 0; i < 6; i++)
        evs[i] = &ev[i];
    bool reject[6] = {false};
    struct hub_rejection why[6];
    memset(why, 0, sizeof why);
    assert_int_equal(hub_owner_review(d, o, evs, 6, reject, why), 0);
    for (int i = 0; i < 5; i++) {
        assert_true(reject[i]);
        assert_string_equal(why[i].reason, "owner");
    }
    assert_false(reject[5]);
    assert_string_equal(why[0].detail, "event_id=e1: placement " P1 " belongs to farsta; bromma "
                                       "may change only its own records (or those of a district "
                                       "merged into it)");
    assert_non_null(strstr(why[2].detail, "handover " H1 " belongs to farsta"));
    assert_non_null(strstr(why[3].detail, "placement " P1 " belongs to farsta"));
    /* nothing new was claimed: P1 and H1 were stored */
    assert_int_equal(hub_owners_claimed_count(o, HUB_OWNER_PLACEMENT), 0);
    assert_int_equal(hub_owners_claimed_count(o, HUB_OWNER_HANDOVER), 1); /* h-new */
    hub_owners_destroy(o);
    hub_districts_destroy(d);
}

/* In one batch the first placement event claims a new placement, whatever comes before it; a
 * school start naming an unknown placement is kept; a dead message (NULL) is skipped. */
static void test_batch_claims_and_unknown_placements(void **state)
{
    (void)state;
    hub_districts_t *d = districts();
    hub_owners_t *o = hub_owners_new();
    struct hub_event ev[5] = {
        school_start("e1", "bromma", P1), placement("e2", "farsta", P1),
        placement("e3", "bromma", P1),    school_start("e4", "bromma", P2),
        placement("e5", "bromma", P2),
    };
    const struct hub_event *evs[5] = {&ev[0], &ev[1], &ev[2], &ev[3], NULL};
    bool reject[5] = {false};
    struct hub_rejection why[5];
    assert_int_equal(hub_owner_review(d, o, evs, 5, reject, why), 0);
    assert_true(reject[0]);  /* before farsta's placement in the batch, still farsta's */
    assert_false(reject[1]); /* the claim */
    assert_true(reject[2]);  /* a second claim by another district */
    assert_false(reject[3]); /* P2: nobody owns it yet (its placement is dead) */
    assert_false(reject[4]);
    assert_int_equal(hub_owners_claimed_count(o, HUB_OWNER_PLACEMENT), 1);
    const char *district = NULL;
    assert_string_equal(hub_owners_claimed_at(o, HUB_OWNER_PLACEMENT, 0, &district), P1);
    assert_string_equal(district, "farsta");
    assert_null(hub_owners_claimed_at(o, HUB_OWNER_PLACEMENT, 1, NULL));
    /* jarva acts for a placement rinkeby-kista owns */
    hub_owners_reset(o);
    assert_null(hub_owners_get(o, HUB_OWNER_PLACEMENT, P1));
    assert_int_equal(hub_owners_put(o, HUB_OWNER_PLACEMENT, P1, "rinkeby-kista", false), 0);
    struct hub_event j = placement("e6", "jarva", P1);
    const struct hub_event *jv[1] = {&j};
    bool rj[1] = {false};
    assert_int_equal(hub_owner_review(d, o, jv, 1, rj, why), 0);
    assert_false(rj[0]);
    hub_owners_destroy(o);
    hub_districts_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_or_its_successor_may_act),
        cmocka_unit_test(test_stored_owner_refuses_every_kind_of_reference),
        cmocka_unit_test(test_batch_claims_and_unknown_placements),
    };
    return cmocka_run_group_tests_name("owner", tests, NULL, NULL);
}
