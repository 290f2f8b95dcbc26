/* event.c — event lifecycle and the symbol tables of the fixed sets. */
#include "hub/domain/event.h"

#include <stdlib.h>
#include <string.h>

const char *const hub_event_type_symbols[HUB_EV__COUNT] = {
    "placement", "school_start", "handover", "handover_receipt", "contact_change", "follow_up"};
const char *const hub_placement_action_symbols[HUB_ACTION__COUNT] = {"started", "changed", "ended"};
const char *const hub_legal_basis_symbols[HUB_BASIS__COUNT] = {"SoL", "LVU"};
const char *const hub_placement_form_symbols[HUB_FORM__COUNT] = {
    "jourhem", "familjehem", "hvb", "stodboende", "skyddat_boende", "sis", "behandlingsfamilj"};
const char *const hub_school_form_symbols[HUB_SCHOOL__COUNT] = {
    "forskoleklass", "grundskola", "anpassad_grundskola", "gymnasieskola",
    "anpassad_gymnasieskola"};
const char *const hub_legal_ground_symbols[HUB_GROUND__COUNT] = {
    "consent_guardian", "consent_child", "consent_guardian_and_child", "secrecy_exception", "none"};
const char *const hub_receipt_status_symbols[HUB_RECEIPT__COUNT] = {
    "delivered", "acknowledged", "withheld", "failed", "overdue", "wrong_recipient"};
const char *const hub_legal_sex_symbols[HUB_SEX__COUNT] = {"female", "male"};
const char *const hub_fu_school_form_symbols[HUB_FU_SCHOOL__COUNT] = {"grundskola",
                                                                      "gymnasieskola"};
const char *const hub_attendance_symbols[HUB_ATT__COUNT] = {"from_90", "from_80_to_89",
                                                            "from_50_to_79", "below_50", "unknown"};
const char *const hub_goals_symbols[HUB_GOALS__COUNT] = {"reached", "not_reached", "not_assessed"};

static const char *symbol_name(const char *const *symbols, size_t n, int v)
{
    if (v < 0 || (size_t)v >= n)
        return NULL;
    return symbols[v];
}

static int symbol_parse(const char *const *symbols, size_t n, const char *s, int *out)
{
    if (!s)
        return HUB_EENUM;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(symbols[i], s) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    return HUB_EENUM;
}

#define HUB_SYMBOL_FUNCS(prefix, type, table, count)                                               \
    const char *prefix##_name(type v)                                                              \
    {                                                                                              \
        return symbol_name(table, count, (int)v);                                                  \
    }                                                                                              \
    int prefix##_parse(const char *s, type *out)                                                   \
    {                                                                                              \
        int v = 0;                                                                                 \
        int rc = symbol_parse(table, count, s, &v);                                                \
        if (rc == 0)                                                                               \
            *out = (type)v;                                                                        \
        return rc;                                                                                 \
    }

HUB_SYMBOL_FUNCS(hub_event_type, enum hub_event_type, hub_event_type_symbols, HUB_EV__COUNT)
HUB_SYMBOL_FUNCS(hub_placement_action, enum hub_placement_action, hub_placement_action_symbols,
                 HUB_ACTION__COUNT)
HUB_SYMBOL_FUNCS(hub_legal_basis, enum hub_legal_basis, hub_legal_basis_symbols, HUB_BASIS__COUNT)
HUB_SYMBOL_FUNCS(hub_placement_form, enum hub_placement_form, hub_placement_form_symbols,
                 HUB_FORM__COUNT)
HUB_SYMBOL_FUNCS(hub_school_form, enum hub_school_form, hub_school_form_symbols, HUB_SCHOOL__COUNT)
HUB_SYMBOL_FUNCS(hub_legal_ground, enum hub_legal_ground, hub_legal_ground_symbols,
                 HUB_GROUND__COUNT)
HUB_SYMBOL_FUNCS(hub_receipt_status, enum hub_receipt_status, hub_receipt_status_symbols,
                 HUB_RECEIPT__COUNT)
HUB_SYMBOL_FUNCS(hub_legal_sex, enum hub_legal_sex, hub_legal_sex_symbols, HUB_SEX__COUNT)
HUB_SYMBOL_FUNCS(hub_fu_school_form, enum hub_fu_school_form, hub_fu_school_form_symbols,
                 HUB_FU_SCHOOL__COUNT)
HUB_SYMBOL_FUNCS(hub_attendance, enum hub_attendance, hub_attendance_symbols, HUB_ATT__COUNT)
HUB_SYMBOL_FUNCS(hub_goals, enum hub_goals, hub_goals_symbols, HUB_GOALS__COUNT)

void hub_event_init(struct hub_event *ev, enum hub_event_type type)
{
    memset(ev, 0, sizeof *ev);
    ev->type = type;
}

void hub_event_clear(struct hub_event *ev)
{
    if (!ev)
        return;
    if (ev->type == HUB_EV_HANDOVER)
        free(ev->u.handover.sealed_content);
    memset(ev, 0, sizeof *ev);
}

bool hub_event_type_is_child(enum hub_event_type t)
{
    return t == HUB_EV_PLACEMENT || t == HUB_EV_SCHOOL_START || t == HUB_EV_HANDOVER ||
           t == HUB_EV_FOLLOW_UP;
}
