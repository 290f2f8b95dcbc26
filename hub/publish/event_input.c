/*
 * event_input.c — JSON input → struct hub_event, with field-by-field validation.
 *
 * Two passes: the JSON shape (types, required and unknown fields, enum symbols, formats) is
 * checked while filling the struct; then the rules that join fields (district valid on the
 * event's date, end not before start, action `ended` needs an end date) run on the struct.
 */
#include "hub/publish/event_input.h"
#include "hub/core/date.h"
#include "hub/domain/event_privacy.h"
#include "hub/domain/event_valid.h"
#include "hub/domain/ident.h"
#include "hub/domain/pnr.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void problem(struct hub_input_problems *pr, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Stars over every run of ten or more digits (counting across '-' and '+' inside the run): a
 * problem may quote a piece of the input (a date, a district code), and a personnummer put in the
 * wrong place must not come back in the message. */
static void mask_digit_runs(char *text)
{
    size_t i = 0;
    while (text[i]) {
        size_t start = i, digits = 0;
        while (text[i] && (isdigit((unsigned char)text[i]) ||
                           ((text[i] == '-' || text[i] == '+') && i > start)))
            digits += isdigit((unsigned char)text[i++]) ? 1 : 0;
        if (digits >= 10)
            for (size_t k = start; k < i; k++)
                if (isdigit((unsigned char)text[k]))
                    text[k] = '*';
        if (i == start)
            i++;
    }
}

static void problem(struct hub_input_problems *pr, int code, const char *fmt, ...)
{
    if (pr->n >= HUB_INPUT_PROBLEMS_MAX) {
        pr->n_dropped++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pr->p[pr->n].text, sizeof pr->p[pr->n].text, fmt, ap);
    va_end(ap);
    mask_digit_runs(pr->p[pr->n].text);
    pr->p[pr->n].code = code;
    pr->n++;
}

static void problem_err(struct hub_input_problems *pr, const char *field, const struct hub_error *e)
{
    problem(pr, e->code, "%s: %s", field, e->msg);
}

/* The fields each type accepts; used to report unknown (misspelt) ones. */
static const char *const common_fields[] = {"type", "event_id", "occurred_at", "district", NULL};
static const char *const placement_fields[] = {"personnummer",
                                               "placement_id",
                                               "action",
                                               "legal_basis",
                                               "placement_form",
                                               "start_date",
                                               "end_date",
                                               "school_change",
                                               "placement_municipality",
                                               NULL};
static const char *const school_start_fields[] = {"personnummer", "placement_id", "school_unit",
                                                  "school_form",  "start_date",   NULL};
static const char *const handover_fields[] = {"personnummer",
                                              "handover_id",
                                              "placement_id",
                                              "receiving_school_unit",
                                              "sending_school_unit",
                                              "planned_start_date",
                                              "legal_ground",
                                              "contact",
                                              "content",
                                              NULL};
static const char *const contact_change_fields[] = {"old_contact", "new_contact",    "school_units",
                                                    "placements",  "effective_date", NULL};
static const char *const follow_up_fields[] = {"personnummer",         "placement_id",
                                               "review_date",          "school_form",
                                               "grade_year",           "attendance",
                                               "knowledge_goals",      "upper_secondary_eligible",
                                               "on_track_for_diploma", NULL};
static const char *const contact_fields[] = {"name", "role", "phone", "email", NULL};

static bool in_list(const char *const *list, const char *k)
{
    for (; *list; list++)
        if (strcmp(*list, k) == 0)
            return true;
    return false;
}

/* Appends the names of `list` to out[*pos..n), comma-separated. */
static void append_names(char *out, size_t n, size_t *pos, const char *const *list)
{
    for (; list && *list && *pos < n; list++) {
        int w = snprintf(out + *pos, n - *pos, "%s%s", *pos ? ", " : "", *list);
        if (w < 0)
            return;
        *pos += (size_t)w;
    }
}

/* An unknown member is named by its position, never by its name: a misplaced value (a
 * personnummer as a key) must not come back in the error. */
static void check_unknown(json_t *obj, const char *const *a, const char *const *b,
                          const char *where, struct hub_input_problems *pr)
{
    const char *k;
    json_t *v;
    size_t i = 0;
    json_object_foreach(obj, k, v)
    {
        (void)v;
        i++;
        if (!in_list(a, k) && !(b && in_list(b, k))) {
            char list[320] = "";
            size_t pos = 0;
            append_names(list, sizeof list, &pos, a);
            append_names(list, sizeof list, &pos, b);
            problem(pr, HUB_EINVAL, "%smember %zu: unknown field (the fields are %s)", where, i,
                    list);
        }
    }
}

/* A required (or optional, when `optional`) string member; NULL when absent or wrong type. */
static const char *get_str(json_t *obj, const char *field, bool optional,
                           struct hub_input_problems *pr)
{
    json_t *v = json_object_get(obj, field);
    if (!v || json_is_null(v)) {
        if (!optional)
            problem(pr, HUB_EINVAL, "%s: required", field);
        return NULL;
    }
    if (!json_is_string(v)) {
        problem(pr, HUB_EINVAL, "%s: must be a string", field);
        return NULL;
    }
    return json_string_value(v);
}

static void copy_str(char *dst, size_t n, const char *src, const char *field,
                     struct hub_input_problems *pr)
{
    size_t len = strlen(src);
    if (len >= n) {
        problem(pr, HUB_ERANGE, "%s: longer than %zu bytes", field, n - 1);
        return;
    }
    memcpy(dst, src, len + 1);
}

/* Copies a checked uuid in canonical (lowercase) form, the only form the codec encodes. */
static void copy_uuid(char out[HUB_UUID_STR], const char *s)
{
    for (size_t i = 0; i < HUB_UUID_STR - 1; i++)
        out[i] = (char)((s[i] >= 'A' && s[i] <= 'F') ? s[i] - 'A' + 'a' : s[i]);
    out[HUB_UUID_STR - 1] = '\0';
}

static void get_uuid(json_t *obj, const char *field, char out[HUB_UUID_STR],
                     struct hub_input_problems *pr)
{
    const char *s = get_str(obj, field, false, pr);
    struct hub_error e = {0};
    if (!s)
        return;
    if (hub_uuid_check(s, &e) != 0) {
        problem_err(pr, field, &e);
        return;
    }
    copy_uuid(out, s);
}

static bool get_date(json_t *obj, const char *field, bool optional, int32_t *out,
                     struct hub_input_problems *pr)
{
    const char *s = get_str(obj, field, optional, pr);
    struct hub_date d;
    struct hub_error e = {0};
    if (!s)
        return false;
    if (hub_date_parse_iso(s, &d, &e) != 0) {
        problem_err(pr, field, &e);
        return false;
    }
    *out = hub_date_to_days(&d);
    return true;
}

static void get_school_unit(json_t *obj, const char *field, bool optional, bool *present,
                            char out[HUB_SCHOOL_UNIT_STR], struct hub_input_problems *pr)
{
    const char *s = get_str(obj, field, optional, pr);
    struct hub_error e = {0};
    if (present)
        *present = false;
    if (!s)
        return;
    if (hub_school_unit_check(s, &e) != 0) {
        problem_err(pr, field, &e);
        return;
    }
    memcpy(out, s, HUB_SCHOOL_UNIT_STR);
    if (present)
        *present = true;
}

/* Enum member parsed with one of event.h's _parse functions through a small adapter. */
static int get_enum(json_t *obj, const char *field, const char *const *symbols, size_t n,
                    struct hub_input_problems *pr)
{
    const char *s = get_str(obj, field, false, pr);
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(symbols[i], s) == 0)
            return (int)i;
    char list[256] = "";
    size_t pos = 0;
    for (size_t i = 0; i < n && pos < sizeof list; i++)
        pos += (size_t)snprintf(list + pos, sizeof list - pos, "%s%s", i ? ", " : "", symbols[i]);
    problem(pr, HUB_EENUM, "%s: not one of %s", field, list);
    return -1;
}

static void get_child(const struct hub_input_ctx *ctx, json_t *obj, struct hub_event *ev,
                      struct hub_input_problems *pr)
{
    const char *s = get_str(obj, "personnummer", false, pr);
    struct hub_pnr pnr;
    struct hub_error e = {0};
    if (!s)
        return;
    if (hub_pnr_parse(s, NULL, &pnr, &e) != 0) {
        problem_err(pr, "personnummer", &e);
        return;
    }
    if (pnr.birth.year < HUB_BIRTH_YEAR_MIN) {
        /* a 12-digit form may name any century ("0015…"); the event could not be encoded */
        problem(pr, HUB_EPNR_DATE, "personnummer: birth year before %d", HUB_BIRTH_YEAR_MIN);
        memset(&pnr, 0, sizeof pnr);
        return;
    }
    if (hub_pseudonym_of(ctx->pseudonym, &pnr, ev->common.child) != 0)
        problem(pr, HUB_ECRYPTO, "personnummer: could not make the pseudonym");
    ev->common.birth_year = pnr.birth.year;
    ev->common.legal_sex = pnr.sex == HUB_PNR_SEX_MALE ? HUB_SEX_MALE : HUB_SEX_FEMALE;
    memset(&pnr, 0, sizeof pnr);
}

static void get_contact(json_t *obj, const char *field, struct hub_contact *c,
                        struct hub_input_problems *pr)
{
    json_t *v = json_object_get(obj, field);
    if (!v || !json_is_object(v)) {
        problem(pr, HUB_EINVAL, "%s: %s", field, v ? "must be an object" : "required");
        return;
    }
    char where[64];
    snprintf(where, sizeof where, "%s: ", field);
    check_unknown(v, contact_fields, NULL, where, pr);
    struct {
        const char *name;
        char *dst;
        size_t n;
    } parts[] = {{"name", c->name, sizeof c->name},
                 {"role", c->role, sizeof c->role},
                 {"phone", c->phone, sizeof c->phone},
                 {"email", c->email, sizeof c->email}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char fname[96];
        snprintf(fname, sizeof fname, "%s.%s", field, parts[i].name);
        json_t *m = json_object_get(v, parts[i].name);
        if (!m || !json_is_string(m) || json_string_length(m) == 0) {
            problem(pr, HUB_EINVAL, "%s: %s", fname, m ? "must be a non-empty string" : "required");
            continue;
        }
        copy_str(parts[i].dst, parts[i].n, json_string_value(m), fname, pr);
    }
    if (c->email[0] && !strchr(c->email, '@'))
        problem(pr, HUB_EINVAL, "%s.email: not an e-mail address", field);
}

static void parse_placement(const struct hub_input_ctx *ctx, json_t *o, struct hub_event *ev,
                            struct hub_input_problems *pr)
{
    struct hub_placement *p = &ev->u.placement;
    int v;
    get_child(ctx, o, ev, pr);
    get_uuid(o, "placement_id", p->placement_id, pr);
    if ((v = get_enum(o, "action", hub_placement_action_symbols, HUB_ACTION__COUNT, pr)) >= 0)
        p->action = (enum hub_placement_action)v;
    if ((v = get_enum(o, "legal_basis", hub_legal_basis_symbols, HUB_BASIS__COUNT, pr)) >= 0)
        p->legal_basis = (enum hub_legal_basis)v;
    if ((v = get_enum(o, "placement_form", hub_placement_form_symbols, HUB_FORM__COUNT, pr)) >= 0)
        p->placement_form = (enum hub_placement_form)v;
    bool has_start = get_date(o, "start_date", false, &p->start_date, pr);
    p->has_end_date = get_date(o, "end_date", true, &p->end_date, pr);
    json_t *sc = json_object_get(o, "school_change");
    if (!sc)
        problem(pr, HUB_EINVAL, "school_change: required");
    else if (!json_is_boolean(sc))
        problem(pr, HUB_EINVAL, "school_change: must be true or false");
    else
        p->school_change = json_is_true(sc);
    const char *m = get_str(o, "placement_municipality", true, pr);
    if (m) {
        struct hub_error e = {0};
        if (hub_kommun_check(m, &e) != 0) {
            problem_err(pr, "placement_municipality", &e);
        } else {
            memcpy(p->placement_municipality, m, HUB_KOMMUN_STR);
            p->has_placement_municipality = true;
        }
    }
    if (has_start && p->has_end_date && p->end_date < p->start_date) {
        char s[HUB_DATE_ISO_LEN], en[HUB_DATE_ISO_LEN];
        hub_date_format(p->start_date, s);
        hub_date_format(p->end_date, en);
        problem(pr, HUB_EDATE, "end_date: %s is before start_date %s", en, s);
    }
    if (p->action == HUB_ACTION_ENDED && json_object_get(o, "action") && !p->has_end_date &&
        !json_object_get(o, "end_date"))
        problem(pr, HUB_EINVAL, "end_date: required when action is ended");
}

static void parse_school_start(const struct hub_input_ctx *ctx, json_t *o, struct hub_event *ev,
                               struct hub_input_problems *pr)
{
    struct hub_school_start *s = &ev->u.school_start;
    int v;
    get_child(ctx, o, ev, pr);
    get_uuid(o, "placement_id", s->placement_id, pr);
    get_school_unit(o, "school_unit", false, NULL, s->school_unit, pr);
    if ((v = get_enum(o, "school_form", hub_school_form_symbols, HUB_SCHOOL__COUNT, pr)) >= 0)
        s->school_form = (enum hub_school_form)v;
    get_date(o, "start_date", false, &s->start_date, pr);
}

/* An optional true/false member; false when absent or null. */
static bool get_opt_bool(json_t *obj, const char *field, bool *out, struct hub_input_problems *pr)
{
    json_t *v = json_object_get(obj, field);
    if (!v || json_is_null(v))
        return false;
    if (!json_is_boolean(v)) {
        problem(pr, HUB_EINVAL, "%s: must be true, false or null", field);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

static void parse_follow_up(const struct hub_input_ctx *ctx, json_t *o, struct hub_event *ev,
                            struct hub_input_problems *pr)
{
    struct hub_follow_up *f = &ev->u.follow_up;
    int v;
    get_child(ctx, o, ev, pr);
    get_uuid(o, "placement_id", f->placement_id, pr);
    get_date(o, "review_date", false, &f->review_date, pr);
    if ((v = get_enum(o, "school_form", hub_fu_school_form_symbols, HUB_FU_SCHOOL__COUNT, pr)) >= 0)
        f->school_form = (enum hub_fu_school_form)v;
    json_t *g = json_object_get(o, "grade_year");
    if (!g)
        problem(pr, HUB_EINVAL, "grade_year: required");
    else if (!json_is_integer(g))
        problem(pr, HUB_EINVAL, "grade_year: must be an integer");
    else if (json_integer_value(g) < 1 || json_integer_value(g) > HUB_FU_GRUNDSKOLA_YEARS)
        problem(pr, HUB_ERANGE, "grade_year: %lld is not a grade year (1..%d)",
                (long long)json_integer_value(g), HUB_FU_GRUNDSKOLA_YEARS);
    else
        f->grade_year = (int32_t)json_integer_value(g);
    if ((v = get_enum(o, "attendance", hub_attendance_symbols, HUB_ATT__COUNT, pr)) >= 0)
        f->attendance = (enum hub_attendance)v;
    if ((v = get_enum(o, "knowledge_goals", hub_goals_symbols, HUB_GOALS__COUNT, pr)) >= 0)
        f->knowledge_goals = (enum hub_goals)v;
    f->has_eligible = get_opt_bool(o, "upper_secondary_eligible", &f->eligible, pr);
    f->has_on_track = get_opt_bool(o, "on_track_for_diploma", &f->on_track, pr);
}

static void parse_handover(const struct hub_input_ctx *ctx, json_t *o, struct hub_event *ev,
                           char **content_json, struct hub_input_problems *pr)
{
    struct hub_handover *h = &ev->u.handover;
    int v;
    get_child(ctx, o, ev, pr);
    get_uuid(o, "handover_id", h->handover_id, pr);
    get_uuid(o, "placement_id", h->placement_id, pr);
    get_school_unit(o, "receiving_school_unit", false, NULL, h->receiving_school_unit, pr);
    get_school_unit(o, "sending_school_unit", true, &h->has_sending_school_unit,
                    h->sending_school_unit, pr);
    if (h->has_sending_school_unit && strcmp(h->sending_school_unit, h->receiving_school_unit) == 0)
        problem(pr, HUB_EINVAL, "sending_school_unit: same as receiving_school_unit");
    get_date(o, "planned_start_date", false, &h->planned_start_date, pr);
    if ((v = get_enum(o, "legal_ground", hub_legal_ground_symbols, HUB_GROUND__COUNT, pr)) >= 0)
        h->legal_ground = (enum hub_legal_ground)v;
    get_contact(o, "contact", &h->contact, pr);
    json_t *content = json_object_get(o, "content");
    if (content && !json_is_null(content)) {
        if (!json_is_object(content)) {
            problem(pr, HUB_EINVAL, "content: must be a JSON object");
        } else if (json_object_get(o, "legal_ground") && h->legal_ground == HUB_GROUND_NONE) {
            problem(pr, HUB_EINVAL, "content: %s", HUB_PRIVACY_NO_GROUND_MSG);
        } else if (!ctx->allow_content) {
            problem(pr, HUB_EINVAL,
                    "content: sealing for the receiving school is not available in this "
                    "publisher, and the hub never sends content in clear; leave it out");
        } else if (content_json) {
            *content_json = json_dumps(content, JSON_COMPACT | JSON_SORT_KEYS);
            if (!*content_json)
                problem(pr, HUB_ENOMEM, "content: out of memory");
        }
    }
}

static void parse_contact_change(json_t *o, struct hub_event *ev, struct hub_input_problems *pr)
{
    struct hub_contact_change *c = &ev->u.contact_change;
    get_contact(o, "old_contact", &c->old_contact, pr);
    get_contact(o, "new_contact", &c->new_contact, pr);
    get_date(o, "effective_date", false, &c->effective_date, pr);
    json_t *units = json_object_get(o, "school_units");
    json_t *pls = json_object_get(o, "placements");
    if (units && !json_is_array(units))
        problem(pr, HUB_EINVAL, "school_units: must be an array");
    if (pls && !json_is_array(pls))
        problem(pr, HUB_EINVAL, "placements: must be an array");
    size_t nu = json_is_array(units) ? json_array_size(units) : 0;
    size_t np = json_is_array(pls) ? json_array_size(pls) : 0;
    if (nu + np == 0)
        problem(pr, HUB_EINVAL, "school_units: name at least one school unit or placement");
    if (nu > HUB_SCOPE_MAX || np > HUB_SCOPE_MAX) {
        problem(pr, HUB_ERANGE, "%s: at most %d per event",
                nu > HUB_SCOPE_MAX ? "school_units" : "placements", HUB_SCOPE_MAX);
        return;
    }
    for (size_t i = 0; i < nu; i++) {
        json_t *u = json_array_get(units, i);
        struct hub_error e = {0};
        if (!json_is_string(u) || hub_school_unit_check(json_string_value(u), &e) != 0) {
            problem(pr, HUB_ESCHOOL_UNIT, "school_units[%zu]: not an 8-digit skolenhetskod", i);
            continue;
        }
        memcpy(c->school_units[c->n_school_units++], json_string_value(u), HUB_SCHOOL_UNIT_STR);
    }
    for (size_t i = 0; i < np; i++) {
        json_t *u = json_array_get(pls, i);
        struct hub_error e = {0};
        if (!json_is_string(u) || hub_uuid_check(json_string_value(u), &e) != 0) {
            problem(pr, HUB_EUUID, "placements[%zu]: not a uuid", i);
            continue;
        }
        copy_uuid(c->placements[c->n_placements++], json_string_value(u));
    }
}

static int64_t skew_ms(const struct hub_input_ctx *ctx)
{
    return ctx->max_skew_ms > 0 ? ctx->max_skew_ms : HUB_INPUT_DEFAULT_SKEW_MS;
}

static bool in_future(const struct hub_input_ctx *ctx, int64_t occurred_at)
{
    int64_t now = ctx->now_ms;
    if (now == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    return occurred_at > now + skew_ms(ctx);
}

/* Walks the string members of `v` (not `personnummer` itself, nor handover `content`, which is
 * sealed) for the child's ten digits `tail` (YYMMDDNNNC), with anything between them ignored:
 * the child's own number copied into a field that travels in clear, in a form the general
 * detector (hub_event_privacy_check) does not take for one ("150312 - 2382", "01503122382"). */
static void check_pnr_copies(json_t *v, const char *path, const char *tail, int depth,
                             struct hub_input_problems *pr)
{
    char sub[128];
    if (depth > 8)
        return; /* deeper than any field of the contract: refused as unknown anyway */
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach(v, k, m)
        {
            if (depth == 0 && (strcmp(k, "personnummer") == 0 || strcmp(k, "content") == 0))
                continue;
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k);
            check_pnr_copies(m, sub, tail, depth + 1, pr);
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            check_pnr_copies(json_array_get(v, i), sub, tail, depth + 1, pr);
        }
    } else if (json_is_string(v)) {
        const char *t = json_string_value(v);
        char last[10];
        size_t n = 0;
        for (size_t i = 0; i < json_string_length(v); i++) {
            if (!isdigit((unsigned char)t[i]))
                continue;
            memmove(last, last + 1, sizeof last - 1);
            last[sizeof last - 1] = t[i];
            if (++n >= sizeof last && memcmp(last, tail, sizeof last) == 0) {
                problem(pr, HUB_EINVAL,
                        "%s: holds the child's personnummer, which must not be sent in clear",
                        path);
                break;
            }
        }
        memset(last, 0, sizeof last);
    }
}

int hub_event_from_json(const struct hub_input_ctx *ctx, const char *json, size_t len,
                        struct hub_event *out, char **content_json,
                        struct hub_input_problems *probs)
{
    json_error_t jerr;
    struct hub_event ev;
    enum hub_event_type type = HUB_EV_PLACEMENT;
    memset(probs, 0, sizeof *probs);
    if (content_json)
        *content_json = NULL;
    hub_event_init(out, HUB_EV_PLACEMENT);

    json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o) {
        /* jansson ends its text with "near '<input>'", which can quote the personnummer (an
         * unterminated string, an unquoted number): keep only what went wrong, and where. */
        const char *near = strstr(jerr.text, " near ");
        int n = near ? (int)(near - jerr.text) : (int)strlen(jerr.text);
        problem(probs, HUB_EINVAL, "not valid JSON: %.*s (column %d)", n, jerr.text, jerr.column);
        return HUB_EINVAL;
    }
    if (!json_is_object(o)) {
        problem(probs, HUB_EINVAL, "not a JSON object");
        json_decref(o);
        return HUB_EINVAL;
    }
    const char *t = get_str(o, "type", false, probs);
    if (t && (hub_event_type_parse(t, &type) != 0 || type == HUB_EV_HANDOVER_RECEIPT)) {
        problem(probs, HUB_EENUM,
                "type: not one of placement, school_start, handover, contact_change, follow_up");
        t = NULL;
    }
    if (!t) {
        json_decref(o);
        return HUB_EINVAL;
    }
    hub_event_init(&ev, type);
    get_uuid(o, "event_id", ev.common.event_id, probs);
    const char *occ = get_str(o, "occurred_at", false, probs);
    bool has_occ = false;
    if (occ) {
        struct hub_error e = {0};
        if (hub_timestamp_parse_rfc3339(occ, &ev.common.occurred_at, &e) != 0)
            problem_err(probs, "occurred_at", &e);
        else if (in_future(ctx, ev.common.occurred_at))
            problem(probs, HUB_EINVAL,
                    "occurred_at: more than %lld s ahead of the clock (hub.clock.max_skew_s); an "
                    "event from the future would override every later correction",
                    (long long)(skew_ms(ctx) / 1000));
        else
            has_occ = true;
    }
    const char *district = get_str(o, "district", false, probs);
    if (district)
        copy_str(ev.common.district, sizeof ev.common.district, district, "district", probs);

    switch (type) {
    case HUB_EV_PLACEMENT:
        check_unknown(o, common_fields, placement_fields, "", probs);
        parse_placement(ctx, o, &ev, probs);
        break;
    case HUB_EV_SCHOOL_START:
        check_unknown(o, common_fields, school_start_fields, "", probs);
        parse_school_start(ctx, o, &ev, probs);
        break;
    case HUB_EV_HANDOVER:
        check_unknown(o, common_fields, handover_fields, "", probs);
        parse_handover(ctx, o, &ev, content_json, probs);
        break;
    case HUB_EV_CONTACT_CHANGE:
        check_unknown(o, common_fields, contact_change_fields, "", probs);
        parse_contact_change(o, &ev, probs);
        break;
    case HUB_EV_FOLLOW_UP:
        check_unknown(o, common_fields, follow_up_fields, "", probs);
        parse_follow_up(ctx, o, &ev, probs);
        /* the rules between fields (grade year of the school form, eligibility only in year 9,
         * review not after it was reported) are the domain's, named by their field */
        if (probs->n == 0 && probs->n_dropped == 0) {
            struct hub_error ve = {0};
            if (hub_event_validate(&ev, &ve) != 0)
                problem(probs, ve.code, "%s", ve.msg);
        }
        break;
    default:
        break;
    }
    /* The district must exist on the day the event happened (Stockholm time). */
    if (district && has_occ && ev.common.district[0]) {
        struct hub_error e = {0};
        int32_t day = hub_days_stockholm_from_ms(ev.common.occurred_at);
        if (hub_districts_check(ctx->districts, ev.common.district, day, &e) != 0)
            problem_err(probs, "district", &e);
    }
    /* No free-text field may carry a child's identity out of the district. */
    struct hub_error pe = {0};
    if (hub_event_privacy_check(&ev, NULL, &pe) != 0) {
        problem(probs, HUB_EINVAL, "%s", pe.msg);
    } else if (hub_event_type_is_child(type)) {
        struct hub_pnr pnr;
        struct hub_error e = {0};
        const char *s = json_string_value(json_object_get(o, "personnummer"));
        if (s && hub_pnr_parse(s, NULL, &pnr, &e) == 0)
            check_pnr_copies(o, "", pnr.norm + 2, 0, probs);
        memset(&pnr, 0, sizeof pnr);
    }
    json_decref(o);
    if (probs->n || probs->n_dropped) {
        if (content_json) {
            free(*content_json);
            *content_json = NULL;
        }
        return HUB_EINVAL;
    }
    *out = ev;
    return 0;
}
