/* test_rmstore.c — the read-model store's item checks (the part that needs no server). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hub/readmodel/rmstore.h"

#define CHILD "4f1c9e0b7d2a6385c1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8"

static void set(char *dst, size_t n, const char *s)
{
    snprintf(dst, n, "%s", s);
}

static void common(struct hub_event *ev, const char *event_id)
{
    set(ev->common.event_id, sizeof ev->common.event_id, event_id);
    ev->common.occurred_at = 1767225600000; /* 2026-01-01T00:00:00Z */
    set(ev->common.district, sizeof ev->common.district, "sodermalm");
    set(ev->common.child, sizeof ev->common.child, CHILD);
    ev->common.birth_year = 2014;
    ev->common.legal_sex = HUB_SEX_FEMALE;
}

static void placement(struct hub_event *ev)
{
    hub_event_init(ev, HUB_EV_PLACEMENT);
    common(ev, "11111111-1111-4111-8111-111111111111");
    struct hub_placement *p = &ev->u.placement;
    set(p->placement_id, sizeof p->placement_id, "22222222-2222-4222-8222-222222222222");
    p->action = HUB_ACTION_STARTED;
    p->legal_basis = HUB_BASIS_LVU;
    p->placement_form = HUB_FORM_FAMILJEHEM;
    p->start_date = 20454;
    p->has_placement_municipality = true;
    set(p->placement_municipality, sizeof p->placement_municipality, "0180");
}

static void contact_change(struct hub_event *ev)
{
    hub_event_init(ev, HUB_EV_CONTACT_CHANGE);
    common(ev, "33333333-3333-4333-8333-333333333333");
    ev->common.child[0] = '\0';
    struct hub_contact_change *k = &ev->u.contact_change;
    set(k->old_contact.name, sizeof k->old_contact.name, "Åsa Öberg");
    set(k->new_contact.name, sizeof k->new_contact.name, "Jörgen \"JJ\" Ek");
    k->n_school_units = 1;
    set(k->school_units[0], sizeof k->school_units[0], "12345678");
    k->n_placements = 1;
    set(k->placements[0], sizeof k->placements[0], "22222222-2222-4222-8222-222222222222");
    k->effective_date = 20454;
}

static int check(const struct hub_event *ev, struct hub_error *err)
{
    struct hub_rm_item it = {ev, "placement-events", 3, 42, false};
    return hub_rmstore_check_item(&it, err);
}

static void test_rmstore_accepts_valid_events(void **state)
{
    (void)state;
    struct hub_event ev;
    struct hub_error err = {0};
    placement(&ev);
    assert_int_equal(check(&ev, &err), 0);
    set(ev.u.placement.placement_id, HUB_UUID_STR, "ABCDEF01-2345-4789-8BCD-EF0123456789");
    /* ids are compared byte-wise when deduplicating, so only the canonical (lowercase) form that
     * the codec and the publisher produce is accepted */
    assert_int_equal(check(&ev, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "placement_id"));
    contact_change(&ev);
    assert_int_equal(check(&ev, &err), 0);

    hub_event_init(&ev, HUB_EV_HANDOVER_RECEIPT);
    common(&ev, "44444444-4444-4444-8444-444444444444");
    ev.common.child[0] = '\0'; /* a receipt may come without the child */
    set(ev.u.receipt.handover_id, HUB_UUID_STR, "55555555-5555-4555-8555-555555555555");
    set(ev.u.receipt.school_unit, HUB_SCHOOL_UNIT_STR, "12345678");
    ev.u.receipt.status = HUB_RECEIPT_ACKNOWLEDGED;
    ev.u.receipt.at = 1767225600000;
    assert_int_equal(check(&ev, &err), 0);
}

static void test_rmstore_refuses_bad_uuids_naming_the_field_not_the_value(void **state)
{
    (void)state;
    struct hub_event ev;
    struct hub_error err = {0};
    placement(&ev);
    set(ev.u.placement.placement_id, HUB_UUID_STR, "not-a-uuid-but-secret-looking-text!!");
    assert_int_equal(check(&ev, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "placement_id: not a uuid"));
    assert_null(strstr(err.msg, "secret"));

    placement(&ev);
    set(ev.common.event_id, HUB_UUID_STR, "11111111-1111-4111-8111-11111111111"); /* 35 */
    assert_int_equal(check(&ev, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "event_id"));

    placement(&ev);
    set(ev.common.event_id, HUB_UUID_STR, "11111111+1111-4111-8111-111111111111");
    assert_int_equal(check(&ev, &err), HUB_EINVAL);

    contact_change(&ev);
    set(ev.u.contact_change.placements[0], HUB_UUID_STR, "x");
    assert_int_equal(check(&ev, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "placements[]"));
}

static void test_rmstore_refuses_child_that_is_not_a_pseudonym(void **state)
{
    (void)state;
    struct hub_event ev;
    struct hub_error err = {0};
    placement(&ev);
    ev.common.child[10] = 'A'; /* pseudonyms are lower-case hex */
    assert_int_equal(check(&ev, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "child"));
    placement(&ev);
    set(ev.common.child, sizeof ev.common.child, "199001011234");
    assert_int_equal(check(&ev, &err), HUB_EINVAL);
    assert_null(strstr(err.msg, "199001011234"));
}

static void test_rmstore_refuses_invalid_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\xc0\xaf",         /* overlong '/' */
        "\xed\xa0\x80",     /* surrogate */
        "\xe2\x82",         /* truncated */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xff",
        "ok\x80",
    };
    struct hub_event ev;
    struct hub_error err = {0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        contact_change(&ev);
        set(ev.u.contact_change.new_contact.email, HUB_CONTACT_EMAIL_STR, bad[i]);
        assert_int_equal(check(&ev, &err), HUB_EINVAL);
        assert_non_null(strstr(err.msg, "new_contact.email"));
    }
    contact_change(&ev);
    set(ev.u.contact_change.new_contact.email, HUB_CONTACT_EMAIL_STR, "\xf0\x9f\x98\x80@e.se");
    assert_int_equal(check(&ev, &err), 0);
}

static void test_rmstore_refuses_unterminated_buffers(void **state)
{
    (void)state;
    struct hub_event ev;
    struct hub_error err = {0};
    placement(&ev);
    memset(ev.common.district, 'a', sizeof ev.common.district);
    assert_int_equal(check(&ev, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "district"));
}

static void test_rmstore_refuses_out_of_range_values(void **state)
{
    (void)state;
    struct hub_event ev;
    struct hub_error err = {0};
    placement(&ev);
    ev.u.placement.placement_form = (enum hub_placement_form)99;
    assert_int_equal(check(&ev, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "placement_form"));
    placement(&ev);
    ev.u.placement.has_end_date = true;
    ev.u.placement.end_date = INT32_MAX;
    assert_int_equal(check(&ev, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "end_date"));
    placement(&ev);
    ev.common.occurred_at = INT64_MAX;
    assert_int_equal(check(&ev, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "occurred_at"));
    contact_change(&ev);
    ev.u.contact_change.n_school_units = HUB_SCOPE_MAX + 1;
    assert_int_equal(check(&ev, &err), HUB_EINVAL);
    placement(&ev);
    ev.type = HUB_EV__COUNT;
    assert_int_equal(check(&ev, &err), HUB_EINVAL);
}

static void test_rmstore_refuses_bad_source_position(void **state)
{
    (void)state;
    struct hub_event ev;
    struct hub_error err = {0};
    placement(&ev);
    struct hub_rm_item it = {&ev, NULL, 0, 0, false};
    assert_int_equal(hub_rmstore_check_item(&it, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "topic"));
    it = (struct hub_rm_item){&ev, "t", -1, 0, false};
    assert_int_equal(hub_rmstore_check_item(&it, &err), HUB_EINVAL);
    it = (struct hub_rm_item){&ev, "t", 0, -5, false};
    assert_int_equal(hub_rmstore_check_item(&it, &err), HUB_EINVAL);
    it = (struct hub_rm_item){NULL, "t", 0, 0, false};
    assert_int_equal(hub_rmstore_check_item(&it, &err), HUB_EINVAL);
    assert_int_equal(hub_rmstore_check_item(NULL, &err), HUB_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rmstore_accepts_valid_events),
        cmocka_unit_test(test_rmstore_refuses_bad_uuids_naming_the_field_not_the_value),
        cmocka_unit_test(test_rmstore_refuses_child_that_is_not_a_pseudonym),
        cmocka_unit_test(test_rmstore_refuses_invalid_utf8),
        cmocka_unit_test(test_rmstore_refuses_unterminated_buffers),
        cmocka_unit_test(test_rmstore_refuses_out_of_range_values),
        cmocka_unit_test(test_rmstore_refuses_bad_source_position),
    };
    return cmocka_run_group_tests_name("rmstore", tests, NULL, NULL);
}
