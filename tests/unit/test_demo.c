/*
 * test_demo.c — the demo-data generator: reproducible, valid for hub-publish, and realistic.
 *
 * Output is generated into memory (open_memstream) for a past month, so personnummer checks do
 * not depend on the clock; "today" for hub_pnr_parse is the last day an event may fall on.
 * The proportion checks run over 1 000 children per district (11 000 placements).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/rand.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/core/date.h"
#include "hubctl/demo.h"
#include "hub/domain/district.h"
#include "hub/publish/event_input.h"
#include "hub/domain/ident.h"
#include "hub/domain/pnr.h"
#include "hub/crypto/pseudonym.h"

#define LARGE_RUN 1000

struct out {
    char *buf;
    size_t len;
};

static hub_districts_t *districts;

static int setup(void **state)
{
    const char *src = getenv("HUB_SOURCE_DIR");
    char path[4096];
    struct hub_error err = {0};
    (void)state;
    snprintf(path, sizeof path, "%s/schemas/reference/districts.csv",
             src && *src ? src : HUB_SOURCE_DIR);
    if (hub_districts_load(path, &districts, &err) != 0) {
        print_error("%s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hub_districts_destroy(districts);
    return 0;
}

static struct hub_demo_options opts(uint64_t seed, int year, int month, size_t per)
{
    struct hub_demo_options o;
    memset(&o, 0, sizeof o);
    o.seed = seed;
    o.year = year;
    o.month = month;
    o.children_per_district = per;
    return o;
}

static struct out generate(const struct hub_demo_options *o, struct hub_demo_stats *st)
{
    struct out r = {NULL, 0};
    struct hub_error err = {0};
    FILE *f = open_memstream(&r.buf, &r.len);
    assert_non_null(f);
    int rc = hub_demo_generate(o, districts, f, st, &err);
    if (rc != 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(fclose(f), 0);
    return r;
}

/* Calls `fn` with each line of `o` parsed as a JSON object (asserting that it parses). */
static size_t each_line(const struct out *o, void (*fn)(json_t *ev, void *arg), void *arg)
{
    size_t n = 0;
    const char *p = o->buf, *end = o->buf + o->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        assert_non_null(nl); /* every line ends with a newline */
        json_error_t jerr;
        json_t *ev = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, &jerr);
        if (!ev)
            print_error("line %zu: %s\n", n + 1, jerr.text);
        assert_non_null(ev);
        assert_true(json_is_object(ev));
        fn(ev, arg);
        json_decref(ev);
        n++;
        p = nl + 1;
    }
    return n;
}

static const char *str(json_t *ev, const char *field)
{
    json_t *v = json_object_get(ev, field);
    if (!v || !json_is_string(v))
        print_error("missing string field %s\n", field);
    assert_non_null(v);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static int32_t date_field(json_t *ev, const char *field)
{
    struct hub_date d;
    assert_int_equal(hub_date_parse_iso(str(ev, field), &d, NULL), 0);
    return hub_date_to_days(&d);
}

static int32_t day_of(int y, int m, int d)
{
    struct hub_date dt = {y, m, d};
    return hub_date_to_days(&dt);
}

/* ---- same seed, different seed ---------------------------------------------------------- */

static void test_demo_same_seed_gives_identical_bytes(void **state)
{
    (void)state;
    struct hub_demo_options o = opts(1, 2026, 3, 0);
    struct out a = generate(&o, NULL), b = generate(&o, NULL);
    assert_true(a.len > 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.buf, b.buf, a.len);
    free(a.buf);
    free(b.buf);
}

static void test_demo_different_seed_gives_different_output(void **state)
{
    (void)state;
    struct hub_demo_options o1 = opts(1, 2026, 3, 0), o2 = opts(2, 2026, 3, 0);
    struct out a = generate(&o1, NULL), b = generate(&o2, NULL);
    assert_false(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
    free(a.buf);
    free(b.buf);
}

static void test_demo_more_children_keeps_the_first_ones(void **state)
{
    (void)state;
    /* Each district has its own stream: growing the run adds children, it does not reshuffle. */
    struct hub_demo_options o1 = opts(5, 2026, 3, 10), o2 = opts(5, 2026, 3, 20);
    struct out a = generate(&o1, NULL), b = generate(&o2, NULL);
    char *line = a.buf;
    char *nl = strchr(line, '\n');
    assert_non_null(nl);
    *nl = '\0';
    const char *pid = strstr(line, "\"placement_id\":\"");
    assert_non_null(pid);
    char needle[64];
    snprintf(needle, sizeof needle, "%.52s", pid);
    assert_non_null(strstr(b.buf, needle));
    free(a.buf);
    free(b.buf);
}

/* ---- every line is a valid event of its type ------------------------------------------- */

struct check_ctx {
    int32_t first, last, horizon;
    struct hub_date today;
    size_t by_type[HUB_EV__COUNT];
    size_t grounds[HUB_GROUND__COUNT];
    size_t forms[HUB_FORM__COUNT];
    size_t coordination, adults, pnr_count;
    int64_t prev_ms;
    json_t *ids;     /* set of event ids */
    json_t *started; /* placement_id -> start_date */
    size_t receiving_stockholm_kommunal, receiving_fristaende, receiving_other_kommun;
    size_t contact_changes_named;
};

static void expect_fields(json_t *ev, const char *const *fields, const char *const *optional)
{
    size_t n = 0, n_opt = 0;
    for (const char *const *f = fields; *f; f++) {
        if (!json_object_get(ev, *f))
            print_error("%s: missing %s\n", str(ev, "type"), *f);
        assert_non_null(json_object_get(ev, *f));
        n++;
    }
    for (const char *const *f = optional; f && *f; f++)
        if (json_object_get(ev, *f))
            n_opt++;
    assert_int_equal(json_object_size(ev), n + n_opt); /* nothing unknown */
}

static void check_contact(json_t *c)
{
    assert_true(json_is_object(c));
    assert_int_equal(json_object_size(c), 4);
    const char *role = str(c, "role");
    assert_true(strcmp(role, "skolsamordnare") == 0 || strcmp(role, "socialsekreterare") == 0);
    const char *email = str(c, "email");
    size_t len = strlen(email);
    assert_true(len > 11 && strcmp(email + len - 11, "@example.se") == 0);
    assert_true(strlen(str(c, "name")) > 3);
    assert_true(strncmp(str(c, "phone"), "08-508 ", 7) == 0);
}

static void check_pnr(struct check_ctx *cx, json_t *ev, int32_t on_day, const char *form)
{
    struct hub_pnr p;
    struct hub_error err = {0};
    int rc = hub_pnr_parse(str(ev, "personnummer"), &cx->today, &p, &err);
    if (rc != 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    struct hub_date d;
    hub_days_to_date(on_day, &d);
    int age =
        d.year - p.birth.year -
        ((d.month < p.birth.month || (d.month == p.birth.month && d.day < p.birth.day)) ? 1 : 0);
    assert_true(age >= 0);
    if (form) { /* a placement that starts: 0-17, young adults only in stödboende */
        if (age >= 18) {
            assert_string_equal(form, "stodboende");
            assert_true(age <= 20);
            cx->adults++;
        }
        cx->coordination += p.is_coordination;
        cx->pnr_count++;
    }
}

static void check_event(json_t *ev, void *arg)
{
    static const char *const placement_f[] = {
        "type",   "event_id",    "occurred_at",    "district",   "personnummer",  "placement_id",
        "action", "legal_basis", "placement_form", "start_date", "school_change", NULL};
    static const char *const placement_opt[] = {"end_date", "placement_municipality", NULL};
    static const char *const school_start_f[] = {
        "type",         "event_id",    "occurred_at", "district",   "personnummer",
        "placement_id", "school_unit", "school_form", "start_date", NULL};
    static const char *const handover_f[] = {
        "type",         "event_id",           "occurred_at",  "district",
        "personnummer", "handover_id",        "placement_id", "receiving_school_unit",
        "legal_ground", "planned_start_date", "contact",      NULL};
    static const char *const handover_opt[] = {"sending_school_unit", NULL};
    static const char *const contact_change_f[] = {
        "type",        "event_id",     "occurred_at", "district",       "old_contact",
        "new_contact", "school_units", "placements",  "effective_date", NULL};
    struct check_ctx *cx = arg;
    struct hub_error err = {0};
    enum hub_event_type type;

    assert_int_equal(hub_event_type_parse(str(ev, "type"), &type), 0);
    cx->by_type[type]++;

    /* Unique event id; occurred_at with the Stockholm offset; file in time order. */
    const char *id = str(ev, "event_id");
    assert_int_equal(hub_uuid_check(id, &err), 0);
    assert_true(id[14] == '4' && strchr("89ab", id[19]));
    assert_null(json_object_get(cx->ids, id));
    json_object_set_new(cx->ids, id, json_true());
    const char *occ = str(ev, "occurred_at");
    int64_t ms;
    assert_int_equal(hub_timestamp_parse_rfc3339(occ, &ms, &err), 0);
    int off = hub_stockholm_utc_offset_minutes(ms);
    assert_string_equal(occ + strlen(occ) - 6, off == 120 ? "+02:00" : "+01:00");
    assert_true(ms >= cx->prev_ms);
    cx->prev_ms = ms;
    int32_t day = hub_days_stockholm_from_ms(ms);
    assert_true(day >= cx->first && day <= cx->horizon);

    /* The district is valid on the day the event happened. */
    assert_int_equal(hub_districts_check(districts, str(ev, "district"), day, &err), 0);

    switch (type) {
    case HUB_EV_PLACEMENT: {
        expect_fields(ev, placement_f, placement_opt);
        const char *action = str(ev, "action");
        const char *form = str(ev, "placement_form");
        enum hub_placement_form pf;
        enum hub_legal_basis lb;
        assert_int_equal(hub_placement_form_parse(form, &pf), 0);
        assert_int_equal(hub_legal_basis_parse(str(ev, "legal_basis"), &lb), 0);
        if (pf == HUB_FORM_SIS)
            assert_int_equal(lb, HUB_BASIS_LVU);
        int32_t start = date_field(ev, "start_date");
        assert_true(start >= cx->first && start <= cx->last);
        assert_true(json_is_boolean(json_object_get(ev, "school_change")));
        if (json_object_get(ev, "placement_municipality"))
            assert_int_equal(hub_kommun_check(str(ev, "placement_municipality"), &err), 0);
        if (strcmp(action, "started") == 0) {
            assert_null(json_object_get(ev, "end_date"));
            assert_true(day >= start);
            cx->forms[pf]++;
            check_pnr(cx, ev, start, form);
            json_object_set_new(cx->started, str(ev, "placement_id"), json_integer(start));
        } else if (strcmp(action, "changed") == 0) {
            assert_null(json_object_get(ev, "end_date"));
            assert_true(day > start);
            check_pnr(cx, ev, start, NULL);
        } else {
            assert_string_equal(action, "ended");
            int32_t end = date_field(ev, "end_date");
            assert_true(end >= start);
            assert_true(end <= cx->last);
            assert_true(day >= end);
            check_pnr(cx, ev, start, NULL);
        }
        break;
    }
    case HUB_EV_SCHOOL_START: {
        expect_fields(ev, school_start_f, NULL);
        enum hub_school_form sf;
        assert_int_equal(hub_school_form_parse(str(ev, "school_form"), &sf), 0);
        const struct hub_demo_school *s = hub_demo_school_find(str(ev, "school_unit"));
        assert_non_null(s);
        assert_true(s->forms & (1u << sf));
        int32_t start = date_field(ev, "start_date");
        assert_true(start <= cx->horizon);
        assert_true(day >= start);
        check_pnr(cx, ev, start, NULL);
        break;
    }
    case HUB_EV_HANDOVER: {
        expect_fields(ev, handover_f, handover_opt);
        enum hub_legal_ground g;
        assert_int_equal(hub_legal_ground_parse(str(ev, "legal_ground"), &g), 0);
        cx->grounds[g]++;
        assert_int_equal(hub_uuid_check(str(ev, "handover_id"), &err), 0);
        const struct hub_demo_school *recv = hub_demo_school_find(str(ev, "receiving_school_unit"));
        assert_non_null(recv);
        if (json_object_get(ev, "sending_school_unit")) {
            assert_non_null(hub_demo_school_find(str(ev, "sending_school_unit")));
            assert_string_not_equal(str(ev, "sending_school_unit"), recv->unit);
        }
        if (strcmp(recv->kommun, "0180") == 0 && recv->huvudman == HUB_DEMO_KOMMUNAL)
            cx->receiving_stockholm_kommunal++;
        if (recv->huvudman == HUB_DEMO_FRISTAENDE)
            cx->receiving_fristaende++;
        if (strcmp(recv->kommun, "0180") != 0)
            cx->receiving_other_kommun++;
        int32_t planned = date_field(ev, "planned_start_date");
        assert_true(planned <= cx->horizon);
        assert_true(day <= planned);
        check_contact(json_object_get(ev, "contact"));
        check_pnr(cx, ev, day, NULL);
        break;
    }
    case HUB_EV_CONTACT_CHANGE: {
        expect_fields(ev, contact_change_f, NULL);
        check_contact(json_object_get(ev, "old_contact"));
        check_contact(json_object_get(ev, "new_contact"));
        assert_null(json_object_get(ev, "personnummer"));
        json_t *u = json_object_get(ev, "school_units"), *p = json_object_get(ev, "placements");
        assert_true(json_is_array(u) && json_is_array(p));
        assert_true(json_array_size(u) + json_array_size(p) > 0);
        assert_int_equal(date_field(ev, "effective_date"), day);
        cx->contact_changes_named += json_array_size(p);
        break;
    }
    default:
        fail_msg("unexpected type %s", str(ev, "type"));
    }
}

static void run_checks(struct check_ctx *cx, const struct out *o, int y, int m)
{
    memset(cx, 0, sizeof *cx);
    cx->first = day_of(y, m, 1);
    cx->last = day_of(y, m, hub_date_days_in_month(y, m));
    cx->horizon = cx->last + HUB_DEMO_TAIL_DAYS;
    hub_days_to_date(cx->horizon, &cx->today);
    cx->prev_ms = INT64_MIN;
    cx->ids = json_object();
    cx->started = json_object();
    each_line(o, check_event, cx);
}

static void free_checks(struct check_ctx *cx)
{
    json_decref(cx->ids);
    json_decref(cx->started);
}

static void test_demo_every_line_is_a_valid_event(void **state)
{
    (void)state;
    struct hub_demo_options o = opts(1, 2026, 3, 0);
    struct hub_demo_stats st;
    struct out out = generate(&o, &st);
    struct check_ctx cx;
    run_checks(&cx, &out, 2026, 3);

    assert_int_equal(st.districts, 11);
    assert_int_equal(st.children, 11 * HUB_DEMO_CHILDREN_DEFAULT);
    assert_int_equal(st.by_action[HUB_ACTION_STARTED], st.children);
    size_t total = 0;
    for (int t = 0; t < HUB_EV__COUNT; t++) {
        assert_int_equal(cx.by_type[t], st.by_type[t]);
        total += cx.by_type[t];
    }
    assert_int_equal(total, st.events);
    assert_true(cx.by_type[HUB_EV_SCHOOL_START] > 0);
    assert_true(cx.by_type[HUB_EV_HANDOVER] > 0);
    assert_true(cx.by_type[HUB_EV_CONTACT_CHANGE] > 0);
    assert_int_equal(cx.by_type[HUB_EV_HANDOVER_RECEIPT], 0);
    assert_true(st.by_action[HUB_ACTION_CHANGED] > 0);
    assert_true(st.by_action[HUB_ACTION_ENDED] > 0);
    assert_true(cx.contact_changes_named > 0);

    /* Every legal ground and every placement form, in the default run already. */
    for (int g = 0; g < HUB_GROUND__COUNT; g++)
        if (cx.grounds[g] == 0)
            fail_msg("no handover with legal_ground %s", hub_legal_ground_name(g));
    for (int f = 0; f < HUB_FORM__COUNT; f++)
        if (cx.forms[f] == 0)
            fail_msg("no placement with form %s", hub_placement_form_name(f));
    /* Samordningsnummer and young adults (stödboende) appear, but rarely. */
    assert_true(cx.coordination > 0 && cx.coordination < cx.pnr_count / 5);
    assert_true(cx.adults > 0 && cx.adults < cx.pnr_count / 10);
    /* Receiving schools: Stockholm's own, friskolor and other municipalities. */
    assert_true(cx.receiving_stockholm_kommunal > 0);
    assert_true(cx.receiving_fristaende > 0);
    assert_true(cx.receiving_other_kommun > 0);
    free_checks(&cx);
    free(out.buf);
}

/* Months around the district mergers, a leap February, the DST switch and the year end. */
static void test_demo_valid_in_awkward_months(void **state)
{
    static const int months[][2] = {{2007, 1}, {2020, 6}, {2023, 6},  {2023, 7},
                                    {2024, 2}, {2025, 3}, {2025, 10}, {2025, 12}};
    (void)state;
    for (size_t i = 0; i < sizeof months / sizeof months[0]; i++) {
        struct hub_demo_options o = opts(42 + i, months[i][0], months[i][1], 30);
        struct hub_demo_stats st;
        struct out out = generate(&o, &st);
        struct check_ctx cx;
        run_checks(&cx, &out, months[i][0], months[i][1]);
        assert_true(st.events > st.children);
        free_checks(&cx);
        free(out.buf);
    }
}

/* The validator of hub-publish (hub/publish/event_input.h) accepts every line. */
static void test_demo_passes_the_publish_validator(void **state)
{
    (void)state;
    uint8_t key[32];
    hub_pseudonym_t *ps = NULL;
    struct hub_error err = {0};
    assert_int_equal(RAND_bytes(key, sizeof key), 1); /* a counter would be refused as weak */
    assert_int_equal(hub_pseudonym_new_from_bytes(key, sizeof key, &ps, &err), 0);
    struct hub_input_ctx ctx = {districts, ps, false};
    struct hub_demo_options o = opts(3, 2026, 3, 0);
    struct out out = generate(&o, NULL);
    const char *p = out.buf, *end = out.buf + out.len;
    size_t line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        struct hub_event ev;
        struct hub_input_problems probs;
        line++;
        assert_non_null(nl);
        if (hub_event_from_json(&ctx, p, (size_t)(nl - p), &ev, NULL, &probs) != 0) {
            for (size_t k = 0; k < probs.n; k++)
                print_error("line %zu: %s\n", line, probs.p[k].text);
            fail();
        }
        hub_event_clear(&ev);
        p = nl + 1;
    }
    assert_true(line > 0);
    hub_pseudonym_destroy(ps);
    free(out.buf);
}

/* ---- proportions over a large run ------------------------------------------------------- */

struct prop_ctx {
    size_t started, forms[HUB_FORM__COUNT], lvu, school_change, school_age, last_day_starts;
    size_t changed, ended, grounds[HUB_GROUND__COUNT], handovers;
    size_t delay_before, delay_0_2, delay_3_14, delay_15_60, delay_other, school_starts;
    size_t change_with_school_start;
    int32_t last;
    json_t *starts; /* placement_id -> start day */
};

static void count_event(json_t *ev, void *arg)
{
    struct prop_ctx *pc = arg;
    const char *type = str(ev, "type");
    if (strcmp(type, "placement") == 0) {
        const char *action = str(ev, "action");
        if (strcmp(action, "started") == 0) {
            enum hub_placement_form f;
            assert_int_equal(hub_placement_form_parse(str(ev, "placement_form"), &f), 0);
            int32_t start = date_field(ev, "start_date");
            pc->started++;
            pc->forms[f]++;
            pc->lvu += strcmp(str(ev, "legal_basis"), "LVU") == 0;
            pc->school_change += json_is_true(json_object_get(ev, "school_change"));
            pc->last_day_starts += start == pc->last;
            json_object_set_new(pc->starts, str(ev, "placement_id"), json_integer(start));
        } else if (strcmp(action, "changed") == 0) {
            pc->changed++;
        } else {
            pc->ended++;
        }
    } else if (strcmp(type, "handover") == 0) {
        enum hub_legal_ground g;
        assert_int_equal(hub_legal_ground_parse(str(ev, "legal_ground"), &g), 0);
        pc->grounds[g]++;
        pc->handovers++;
    } else if (strcmp(type, "school_start") == 0) {
        json_t *s = json_object_get(pc->starts, str(ev, "placement_id"));
        int32_t start = date_field(ev, "start_date");
        /* A school start that comes first in the file is one of the "before placement" few. */
        int32_t delay = s ? start - (int32_t)json_integer_value(s) : -1;
        pc->school_starts++;
        if (delay < 0)
            pc->delay_before++;
        else if (delay <= 2)
            pc->delay_0_2++;
        else if (delay <= 14)
            pc->delay_3_14++;
        else if (delay <= 60)
            pc->delay_15_60++;
        else
            pc->delay_other++;
    }
}

static void assert_share(size_t part, size_t whole, double lo, double hi, const char *what)
{
    double share = whole ? (double)part / (double)whole : 0.0;
    if (share < lo || share > hi)
        fail_msg("%s: %.3f is outside %.3f..%.3f", what, share, lo, hi);
}

static void test_demo_proportions_over_a_large_run(void **state)
{
    (void)state;
    struct hub_demo_options o = opts(2026, 2025, 11, LARGE_RUN);
    struct out out = generate(&o, NULL);
    struct prop_ctx pc;
    memset(&pc, 0, sizeof pc);
    pc.last = day_of(2025, 11, 30);
    pc.starts = json_object();
    each_line(&out, count_event, &pc);
    size_t n = pc.started;
    assert_int_equal(n, 11 * LARGE_RUN);

    /* familjehem most common, then jourhem, hvb; skyddat boende rarest. */
    assert_share(pc.forms[HUB_FORM_FAMILJEHEM], n, 0.39, 0.45, "familjehem");
    assert_share(pc.forms[HUB_FORM_JOURHEM], n, 0.17, 0.23, "jourhem");
    assert_share(pc.forms[HUB_FORM_HVB], n, 0.13, 0.19, "hvb");
    assert_share(pc.forms[HUB_FORM_STODBOENDE], n, 0.06, 0.10, "stodboende");
    assert_share(pc.forms[HUB_FORM_BEHANDLINGSFAMILJ], n, 0.05, 0.09, "behandlingsfamilj");
    assert_share(pc.forms[HUB_FORM_SIS], n, 0.035, 0.065, "sis");
    assert_share(pc.forms[HUB_FORM_SKYDDAT_BOENDE], n, 0.01, 0.03, "skyddat_boende");
    assert_true(pc.forms[HUB_FORM_FAMILJEHEM] > pc.forms[HUB_FORM_JOURHEM]);
    assert_true(pc.forms[HUB_FORM_JOURHEM] > pc.forms[HUB_FORM_HVB]);
    assert_true(pc.forms[HUB_FORM_HVB] > pc.forms[HUB_FORM_STODBOENDE]);
    for (int f = 0; f < HUB_FORM__COUNT; f++)
        if (f != HUB_FORM_SKYDDAT_BOENDE)
            assert_true(pc.forms[HUB_FORM_SKYDDAT_BOENDE] < pc.forms[f]);

    /* SoL/LVU about 70/30. */
    assert_share(pc.lvu, n, 0.26, 0.34, "LVU");
    /* Starts on every day, the last one included; some changes and ends. */
    assert_true(pc.last_day_starts > 0);
    assert_share(pc.changed, n, 0.03, 0.15, "changed");
    assert_share(pc.ended, n, 0.03, 0.20, "ended");
    /* Most school starts within 3-14 days; a long tail; a few before the placement. */
    assert_share(pc.delay_3_14, pc.school_starts, 0.55, 0.85, "school start 3-14 days");
    assert_share(pc.delay_15_60, pc.school_starts, 0.05, 0.25, "school start 15-60 days");
    assert_share(pc.delay_before, pc.school_starts, 0.005, 0.08, "school start before placement");
    assert_int_equal(pc.delay_other, 0);
    /* Some children with a school change never start in the window. */
    assert_true(pc.school_starts < pc.school_change);
    /* Legal grounds: mostly guardian consent, every ground present. */
    assert_share(pc.grounds[HUB_GROUND_CONSENT_GUARDIAN], pc.handovers, 0.40, 0.65,
                 "consent_guardian");
    for (int g = 0; g < HUB_GROUND__COUNT; g++)
        assert_share(pc.grounds[g], pc.handovers, 0.02, 0.65, hub_legal_ground_name(g));
    json_decref(pc.starts);
    free(out.buf);
}

/* ---- content, schools, options ---------------------------------------------------------- */

static void strip_content(json_t *ev, void *arg)
{
    json_t *all = arg;
    json_t *c = json_object_get(ev, "content");
    if (c) {
        assert_string_equal(str(ev, "type"), "handover");
        assert_non_null(json_object_get(c, "grade"));
        assert_true(json_is_array(json_object_get(c, "needs")));
        assert_true(json_is_array(json_object_get(c, "languages")));
        json_object_del(ev, "content");
    }
    json_array_append(all, ev);
}

static void test_demo_content_only_with_the_flag(void **state)
{
    (void)state;
    struct hub_demo_options plain = opts(9, 2026, 3, 0), rich = opts(9, 2026, 3, 0);
    rich.with_content = true;
    struct out a = generate(&plain, NULL), b = generate(&rich, NULL);
    assert_null(strstr(a.buf, "\"content\""));
    assert_non_null(strstr(b.buf, "\"content\""));
    json_t *ja = json_array(), *jb = json_array();
    each_line(&a, strip_content, ja);
    each_line(&b, strip_content, jb);
    assert_true(json_equal(ja, jb)); /* the flag adds content and changes nothing else */
    json_decref(ja);
    json_decref(jb);
    free(a.buf);
    free(b.buf);
}

static void test_demo_school_directory(void **state)
{
    (void)state;
    struct hub_error err = {0};
    size_t n = hub_demo_school_count();
    size_t stockholm_kommunal = 0, fristaende = 0, statlig = 0, other = 0;
    assert_true(n > 20);
    assert_null(hub_demo_school_at(n));
    for (size_t i = 0; i < n; i++) {
        const struct hub_demo_school *s = hub_demo_school_at(i);
        assert_int_equal(hub_school_unit_check(s->unit, &err), 0);
        assert_int_equal(hub_kommun_check(s->kommun, &err), 0);
        assert_memory_equal(s->unit + 2, s->kommun, 4);
        assert_ptr_equal(hub_demo_school_find(s->unit), s);
        assert_non_null(strstr(s->email, "example.se"));
        assert_non_null(hub_demo_huvudman_name(s->huvudman));
        assert_null(strchr(s->name, ','));
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(hub_demo_school_at(k)->unit, s->unit);
        stockholm_kommunal += strcmp(s->kommun, "0180") == 0 && s->huvudman == HUB_DEMO_KOMMUNAL;
        fristaende += s->huvudman == HUB_DEMO_FRISTAENDE;
        statlig += s->huvudman == HUB_DEMO_STATLIG;
        other += strcmp(s->kommun, "0180") != 0;
    }
    assert_true(stockholm_kommunal > 0 && fristaende > 0 && statlig > 0 && other > 0);
    for (const char *const *k =
             (const char *const[]){"0114", "0138", "0184", "0186", "0162", "1280", NULL};
         *k; k++) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found = found || strcmp(hub_demo_school_at(i)->kommun, *k) == 0;
        if (!found)
            fail_msg("no demo school in kommun %s", *k);
    }

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(hub_demo_write_schools_csv(f, &err), 0);
    assert_int_equal(fclose(f), 0);
    const char *header =
        "skolenhetskod,name,huvudman_type,kommunkod,webhook_url,public_key,signing_secret_ref,"
        "email\n";
    assert_int_equal(strncmp(buf, header, strlen(header)), 0);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    assert_int_equal(lines, n + 1);
    assert_non_null(strstr(buf, "\n99018001,Ekbackens skola,kommunal,0180,,,,"));
    assert_non_null(strstr(buf, ",fristående,0180,,,,"));
    assert_non_null(strstr(buf, ",statlig,"));
    free(buf);
}

static void test_demo_rejects_bad_options(void **state)
{
    (void)state;
    struct hub_error err = {0};
    FILE *f = fopen("/dev/null", "w");
    assert_non_null(f);
    struct hub_demo_options o = opts(1, 2026, 13, 0);
    assert_int_equal(hub_demo_generate(&o, districts, f, NULL, &err), HUB_EINVAL);
    o = opts(1, 2026, 0, 0);
    assert_int_equal(hub_demo_generate(&o, districts, f, NULL, &err), HUB_EINVAL);
    o = opts(1, 2006, 12, 0); /* before any district existed */
    assert_int_equal(hub_demo_generate(&o, districts, f, NULL, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "no district"));
    o = opts(1, 2026, 3, HUB_DEMO_CHILDREN_MAX + 1);
    assert_int_equal(hub_demo_generate(&o, districts, f, NULL, &err), HUB_EINVAL);
    o = opts(1, 2026, 3, 0);
    assert_int_equal(hub_demo_generate(&o, NULL, f, NULL, &err), HUB_EINVAL);
    assert_int_equal(hub_demo_generate(NULL, districts, f, NULL, &err), HUB_EINVAL);
    fclose(f);
}

static void test_demo_reports_write_errors(void **state)
{
    (void)state;
    struct hub_error err = {0};
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    struct hub_demo_options o = opts(1, 2026, 3, 0);
    assert_int_equal(hub_demo_generate(&o, districts, f, NULL, &err), HUB_EIO);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_same_seed_gives_identical_bytes),
        cmocka_unit_test(test_demo_different_seed_gives_different_output),
        cmocka_unit_test(test_demo_more_children_keeps_the_first_ones),
        cmocka_unit_test(test_demo_every_line_is_a_valid_event),
        cmocka_unit_test(test_demo_valid_in_awkward_months),
        cmocka_unit_test(test_demo_passes_the_publish_validator),
        cmocka_unit_test(test_demo_proportions_over_a_large_run),
        cmocka_unit_test(test_demo_content_only_with_the_flag),
        cmocka_unit_test(test_demo_school_directory),
        cmocka_unit_test(test_demo_rejects_bad_options),
        cmocka_unit_test(test_demo_reports_write_errors),
    };
    return cmocka_run_group_tests_name("demo", tests, setup, teardown);
}
